//! Iterator chains with `filter`/`take_while` (and `map`s between them) over any source a `for`
//! loop iterates — `enumerate`, `zip`s nested to any depth, ranges, copies — rewritten into that
//! loop with a guard per stage. Each closure's pattern is bound to the loop's items exactly as
//! std would pass them (`filter` by reference, `map` by value), so the closures' bodies are Rust
//! as written.

use quote::quote;

/// What one item of a source is: a single value (`&f64` of `x.iter()`, `usize` of a range or an
/// `enumerate` index, `f64` after `.copied()`), or a pair (`enumerate`, `zip`).
#[derive(Clone)]
enum Shape {
    /// The loop's name for it, and whether the value is a reference (so that `&v` takes it off).
    Leaf(syn::Ident, bool),
    Pair(Box<Shape>, Box<Shape>),
}

impl Shape {
    /// The `for` pattern that binds every leaf's value to its name (`&n` for a reference: the
    /// loop then reads the float itself, which lowering follows).
    fn pattern(&self) -> proc_macro2::TokenStream {
        match self {
            Shape::Leaf(n, true) => quote!(&#n),
            Shape::Leaf(n, false) => quote!(#n),
            Shape::Pair(a, b) => {
                let (a, b) = (a.pattern(), b.pattern());
                quote!((#a, #b))
            }
        }
    }
}

/// The shape of what `e` yields, for the sources this rewrite reads; `None` otherwise.
fn shape(e: &syn::Expr) -> Option<Shape> {
    let leaf = |by_ref| Some(Shape::Leaf(crate::naming::fresh("item"), by_ref));
    match e {
        syn::Expr::Paren(p) => shape(&p.expr),
        syn::Expr::Range(_) => leaf(false),
        // `&x` or `x` as the argument of `zip`.
        syn::Expr::Reference(r) if r.mutability.is_none() => {
            matches!(&*r.expr, syn::Expr::Path(_) | syn::Expr::Field(_)).then(|| ())?;
            leaf(true)
        }
        syn::Expr::Path(_) | syn::Expr::Field(_) => leaf(true),
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            match (name.as_str(), m.args.len()) {
                ("iter", 0) => {
                    let r = &*m.receiver;
                    matches!(
                        r,
                        syn::Expr::Path(_) | syn::Expr::Field(_) | syn::Expr::Index(_)
                    )
                    .then(|| ())?;
                    leaf(true)
                }
                ("copied" | "cloned", 0) => match shape(&m.receiver)? {
                    Shape::Leaf(n, true) => Some(Shape::Leaf(n, false)),
                    _ => None,
                },
                ("rev", 0) | ("skip" | "take" | "step_by", 1) => shape(&m.receiver),
                ("enumerate", 0) => Some(Shape::Pair(
                    Box::new(Shape::Leaf(crate::naming::fresh("index"), false)),
                    Box::new(shape(&m.receiver)?),
                )),
                ("zip", 1) => Some(Shape::Pair(
                    Box::new(shape(&m.receiver)?),
                    Box::new(shape(&m.args[0])?),
                )),
                _ => None,
            }
        }
        _ => None,
    }
}

/// How a closure receives the item: by value (`map`), or behind one reference (`filter`).
#[derive(Clone, Copy, PartialEq)]
enum Passed {
    Value,
    Ref,
}

/// `let`s binding the names of closure pattern `p` to the item of shape `s`, as std binds them;
/// `None` for a pattern this cannot mirror (a name for a whole pair, `ref`, `@`).
fn bind(
    p: &syn::Pat,
    s: &Shape,
    passed: Passed,
    lets: &mut Vec<proc_macro2::TokenStream>,
) -> Option<()> {
    // `by_ref_mode`: under a tuple pattern matched through a reference, names bind by reference
    // (match ergonomics).
    fn walk(
        p: &syn::Pat,
        s: &Shape,
        refs: usize,
        by_ref_mode: bool,
        lets: &mut Vec<proc_macro2::TokenStream>,
    ) -> Option<()> {
        match p {
            syn::Pat::Type(t) => walk(&t.pat, s, refs, by_ref_mode, lets),
            syn::Pat::Paren(q) => walk(&q.pat, s, refs, by_ref_mode, lets),
            syn::Pat::Wild(_) => Some(()),
            syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                let Shape::Leaf(n, by_ref) = s else {
                    return None;
                };
                let name = &i.ident;
                let amps =
                    (0..refs + usize::from(by_ref_mode) + usize::from(*by_ref)).map(|_| quote!(&));
                lets.push(quote!(let #name = #(#amps)* #n;));
                Some(())
            }
            syn::Pat::Reference(r) if r.mutability.is_none() => {
                if refs > 0 {
                    // Takes off the reference the closure is passed.
                    walk(&r.pat, s, refs - 1, by_ref_mode, lets)
                } else {
                    // The leaf's own reference (`&v` of a `&f64`), also under match ergonomics.
                    match (s, &*r.pat) {
                        (Shape::Leaf(n, true), syn::Pat::Ident(i))
                            if i.subpat.is_none() && i.by_ref.is_none() =>
                        {
                            let name = &i.ident;
                            lets.push(quote!(let #name = #n;));
                            Some(())
                        }
                        (Shape::Leaf(_, true), syn::Pat::Wild(_)) => Some(()),
                        _ => None,
                    }
                }
            }
            syn::Pat::Tuple(t) if t.elems.len() == 2 => {
                let Shape::Pair(a, b) = s else { return None };
                let mode = by_ref_mode || refs > 0;
                walk(&t.elems[0], a, 0, mode, lets)?;
                walk(&t.elems[1], b, 0, mode, lets)
            }
            _ => None,
        }
    }
    walk(p, s, usize::from(passed == Passed::Ref), false, lets)
}

/// The closure's body with its pattern bound to the item: `{ let a = ..; body }`.
fn apply(c: &syn::Expr, s: &Shape, passed: Passed) -> Option<proc_macro2::TokenStream> {
    let syn::Expr::Closure(c) = c else {
        return None;
    };
    if c.inputs.len() != 1 {
        return None;
    }
    let mut lets = Vec::new();
    bind(&c.inputs[0], s, passed, &mut lets)?;
    let body = super::tail_expr(&c.body);
    Some(quote!({ #(#lets)* #body }))
}

/// The stages after the source, innermost first, and the source itself; `None` unless there is
/// a `filter` or `take_while` among them (other chains keep their own rewrites).
fn stages(e: &syn::Expr) -> Option<(&syn::Expr, Vec<(&str, &syn::Expr)>)> {
    let (source, stages) = all_stages(e)?;
    stages
        .iter()
        .any(|(k, _)| *k != "map")
        .then_some((source, stages))
}

/// The stages after the source, innermost first, and the source itself (any stages).
fn all_stages(e: &syn::Expr) -> Option<(&syn::Expr, Vec<(&str, &syn::Expr)>)> {
    let mut stages = Vec::new();
    let mut e = e;
    while let syn::Expr::MethodCall(m) = e {
        let kind = match m.method.to_string().as_str() {
            "filter" => "filter",
            "take_while" => "take_while",
            "map" => "map",
            _ => break,
        };
        if m.args.len() != 1 || !matches!(&m.args[0], syn::Expr::Closure(_)) {
            return None;
        }
        stages.push((kind, &m.args[0]));
        e = &m.receiver;
    }
    stages.reverse();
    Some((e, stages))
}

/// A loop over a chain's items (see [`float_items`]): its pattern, its source, the statements
/// that run the stages, and the name of the float.
pub type FloatItems<'a> = (
    proc_macro2::TokenStream,
    &'a syn::Expr,
    Vec<proc_macro2::TokenStream>,
    syn::Ident,
);

/// [`float_items`] of a chain of `map`s only (each item where the source's is: positions kept).
pub fn mapped_items(e: &syn::Expr) -> Option<FloatItems<'_>> {
    let (_, stages) = all_stages(e)?;
    if stages.is_empty() || stages.iter().any(|(k, _)| *k != "map") {
        return None;
    }
    float_items(e)
}

/// The items of a chain of `map`s, `filter`s and `take_while`s over a source a `for` loop
/// iterates, as a float: the loop's pattern and source, the statements that run the stages in
/// its body, and the name of the float. `None` where an item is not one value.
pub fn float_items(e: &syn::Expr) -> Option<FloatItems<'_>> {
    items_of(all_stages(e)?)
}

/// [`float_items`] of a chain with at least one `filter` or `take_while` among its stages.
fn filtered_items(e: &syn::Expr) -> Option<FloatItems<'_>> {
    items_of(stages(e)?)
}

fn items_of<'e>(
    (source, stages): (&'e syn::Expr, Vec<(&str, &syn::Expr)>),
) -> Option<FloatItems<'e>> {
    let s = shape(source)?;
    let pattern = s.pattern();
    let (steps, last) = guards(s, &stages)?;
    let Shape::Leaf(value, _) = last else {
        return None;
    };
    Some((pattern, source, steps, value))
}

/// The statements of a loop body that run the stages on the item of shape `s`: a guard per
/// `filter` (`continue`) and `take_while` (`break`), a `let` per `map`. Returns them and the shape
/// of the item after the last stage.
fn guards(
    s: Shape,
    stages: &[(&str, &syn::Expr)],
) -> Option<(Vec<proc_macro2::TokenStream>, Shape)> {
    let mut out = Vec::new();
    let mut s = s;
    for (kind, c) in stages {
        if *kind == "map" {
            let value = apply(c, &s, Passed::Value)?;
            let m = crate::naming::fresh("mapped");
            out.push(quote!(let #m = #value;));
            s = Shape::Leaf(m, false);
        } else {
            let test = apply(c, &s, Passed::Ref)?;
            let exit = if *kind == "filter" {
                quote!(continue)
            } else {
                quote!(break)
            };
            out.push(quote!(if !#test { #exit; }));
        }
    }
    Some((out, s))
}

/// Input: `for PAT in SOURCE.filter(F).map(G).take_while(H) { body }` (any stages, at least one
/// `filter` or `take_while`). Output: `for ITEM in SOURCE { if !F(&ITEM) { continue; } let M =
/// G(ITEM); if !H(&M) { break; } let PAT = M; body }`, the closures' patterns bound as std binds
/// them.
pub fn filter_loop(f: &syn::ExprForLoop) -> Option<syn::Expr> {
    let (source, stages) = stages(&f.expr)?;
    let s = shape(source)?;
    let pattern = s.pattern();
    let (steps, last) = guards(s, &stages)?;
    let mut lets = Vec::new();
    bind(&f.pat, &last, Passed::Value, &mut lets)?;
    let (label, body) = (&f.label, &f.body.stmts);
    Some(syn::parse_quote!(
        #label for #pattern in #source {
            #(#steps)*
            #(#lets)*
            #(#body)*
        }
    ))
}

/// Input: `SOURCE.filter(F).map(G).sum::<T>()` (`.product::<T>()`; any stages with at least one
/// `filter` or `take_while`). Output: `{ let mut ACC = -0.0; for ITEM in SOURCE { .. guards ..;
/// ACC += M; } ACC }`: the items std would add, in its order.
pub fn filtered_chain(m: &syn::ExprMethodCall) -> Option<syn::Expr> {
    let reduce = super::iterators::sum_or_product(m)?;
    let (pattern, source, steps, value) = filtered_items(&m.receiver)?;
    Some(super::iterators::reduction_loop(
        &reduce, &pattern, source, &steps, &value,
    ))
}

/// Input: `SOURCE.filter(F).map(G).fold(INIT, |acc, v| BODY)` (any stages with at least one
/// `filter` or `take_while`; a function path for the closure is one by then). Output: `{ let mut
/// ACC = INIT; for ITEM in SOURCE { .. guards ..; ACC = { let acc = ACC; let v = M; BODY }; }
/// ACC }`: the items std would fold, in its order.
pub fn filtered_fold(m: &syn::ExprMethodCall) -> Option<syn::Expr> {
    if m.method != "fold" || m.args.len() != 2 {
        return None;
    }
    let syn::Expr::Closure(c) = &m.args[1] else {
        return None;
    };
    let [acc_pat, item_pat] = [c.inputs.first()?, c.inputs.get(1)?].map(|p| match p {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    });
    let plain = |p: &syn::Pat| {
        matches!(p, syn::Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none())
            || matches!(p, syn::Pat::Wild(_))
    };
    if c.inputs.len() != 2 || !plain(acc_pat) || !plain(item_pat) {
        return None;
    }
    let (pattern, source, steps, value) = filtered_items(&m.receiver)?;
    let (init, body) = (&m.args[0], &c.body);
    let acc = crate::naming::hidden("acc");
    Some(syn::parse_quote!({
        let mut #acc = #init;
        for #pattern in #source {
            #(#steps)*
            #acc = {
                let #acc_pat = #acc;
                let #item_pat = #value;
                #body
            };
        }
        #acc
    }))
}

/// Input: `let v: Vec<f64> = SOURCE.filter(F).map(G).collect();` (a `filter` or `take_while`
/// among the stages; typed by the `let` or a turbofish). Output: `let mut v: Vec<f64> =
/// Vec::new(); for PAT in SOURCE { stages; v.push(item); }`: the pushes of a loop, which lowering
/// follows.
pub fn filtered_collect_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    let syn::Expr::MethodCall(c) = init else {
        return None;
    };
    if c.method != "collect" || !c.args.is_empty() {
        return None;
    }
    let turbofish = c.turbofish.as_ref().and_then(|t| match t.args.first()? {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    });
    let vec_ty = ty.cloned().or(turbofish)?;
    crate::vector::vector_elem(&vec_ty)?;
    let name = &id.ident;
    if stages(&c.receiver).is_none() {
        // `x.iter().step_by(2).copied().collect()`: the positions an adapter picks, pushed.
        let source = super::iterators::strip_copies(&c.receiver);
        let mut e = source;
        let mut adapted = false;
        while let syn::Expr::MethodCall(m) = e {
            match m.method.to_string().as_str() {
                "step_by" | "skip" | "take" | "rev" => adapted = true,
                "iter" if m.args.is_empty() => break,
                _ => return None,
            }
            e = &m.receiver;
        }
        if !adapted || !matches!(e, syn::Expr::MethodCall(m) if m.method == "iter") {
            return None;
        }
        let v = crate::naming::fresh("item");
        return Some(vec![
            syn::parse_quote!(let mut #name: #vec_ty = ::std::vec::Vec::new();),
            syn::parse_quote!(for &#v in #source { #name.push(#v); }),
        ]);
    }
    let (pattern, source, steps, value) = float_items(&c.receiver)?;
    Some(vec![
        syn::parse_quote!(let mut #name: #vec_ty = ::std::vec::Vec::new();),
        syn::parse_quote!(for #pattern in #source { #(#steps)* #name.push(#value); }),
    ])
}
