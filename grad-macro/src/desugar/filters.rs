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
            matches!(
                &*r.expr,
                syn::Expr::Path(_) | syn::Expr::Field(_) | syn::Expr::Array(_)
            )
            .then(|| ())?;
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
                // A sub-slice (`&[f64]`), passed on as it is.
                ("chunks" | "chunks_exact" | "windows", 1) => {
                    matches!(
                        &*m.receiver,
                        syn::Expr::Path(_) | syn::Expr::Field(_) | syn::Expr::Index(_)
                    )
                    .then(|| ())?;
                    leaf(false)
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

/// Whether the items of `e` are references (`x.iter()`) or values (`.copied()`, a range, after a
/// `map`); `None` for a source this module does not read, or items that are pairs.
pub fn yields_refs(e: &syn::Expr) -> Option<bool> {
    let (source, stages) = all_stages(e)?;
    let (_, _, last) = guards(shape(source)?, &stages)?;
    match last {
        Shape::Leaf(_, by_ref) => Some(by_ref),
        Shape::Pair(..) => None,
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
            // A pair of values under one name (`|p| p.0 > 0.0` after `map(|&v| (v, v * v))`):
            // a tuple of its parts, lent as the item would be.
            syn::Pat::Ident(i)
                if i.subpat.is_none() && i.by_ref.is_none() && matches!(s, Shape::Pair(..)) =>
            {
                let Shape::Pair(a, b) = s else { return None };
                let part = |s: &Shape| match s {
                    Shape::Leaf(n, true) => Some(quote!(&#n)),
                    Shape::Leaf(n, false) => Some(quote!(#n)),
                    Shape::Pair(..) => None,
                };
                let (a, b) = (part(a)?, part(b)?);
                let name = &i.ident;
                let amps = (0..refs + usize::from(by_ref_mode)).map(|_| quote!(&));
                lets.push(quote!(let #name = #(#amps)* (#a, #b);));
                Some(())
            }
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
    let (lets, body) = apply_parts(c, s, passed)?;
    let body = super::tail_expr(&body);
    Some(quote!({ #(#lets)* #body }))
}

/// The stages after the source, innermost first, and the source itself; `None` unless there is
/// a `filter` or `take_while` among them (other chains keep their own rewrites).
fn stages(e: &syn::Expr) -> Option<(&syn::Expr, Vec<(&str, &syn::Expr)>)> {
    let (source, stages) = all_stages(e)?;
    stages
        .iter()
        .any(|(k, c)| *k != "map" && *k != "copied" || *k == "map" && pair_of(c).is_some())
        .then_some((source, stages))
}

/// The stages after the source, innermost first, and the source itself (any stages).
fn all_stages(e: &syn::Expr) -> Option<(&syn::Expr, Vec<(&str, &syn::Expr)>)> {
    let mut stages = Vec::new();
    let mut e = e;
    while let syn::Expr::MethodCall(m) = e {
        // `.filter(..).copied()`: a stage that takes off the reference of the items it is
        // given (after the source, `.copied()` is the source's own: see `shape`).
        if (m.method == "copied" || m.method == "cloned")
            && m.args.is_empty()
            && all_stages(&m.receiver).is_some_and(|(_, st)| !st.is_empty())
        {
            stages.push(("copied", &*m.receiver));
            e = &m.receiver;
            continue;
        }
        // `.filter(..).take(k)`, `.map(..).skip(k)`: a count of the items the stages before
        // give (right after the source, the source's own: see `shape`).
        if (m.method == "take" || m.method == "skip")
            && m.args.len() == 1
            && all_stages(&m.receiver).is_some_and(|(_, st)| !st.is_empty())
        {
            stages.push((if m.method == "take" { "take" } else { "skip" }, &m.args[0]));
            e = &m.receiver;
            continue;
        }
        // `.map(..).enumerate()`, `.filter(..).step_by(k)`: a count of the items the stages
        // before give (right after the source, the source's own: see `shape`).
        if (m.method == "enumerate" && m.args.is_empty()
            || m.method == "step_by" && m.args.len() == 1)
            && all_stages(&m.receiver).is_some_and(|(_, st)| !st.is_empty())
        {
            if m.method == "enumerate" {
                stages.push(("enumerate", e));
            } else {
                stages.push(("step_by", &m.args[0]));
            }
            e = &m.receiver;
            continue;
        }
        let kind = match m.method.to_string().as_str() {
            "filter" => "filter",
            "take_while" => "take_while",
            "skip_while" => "skip_while",
            "map" => "map",
            "filter_map" => "filter_map",
            "map_while" => "map_while",
            "scan" => "scan",
            _ => break,
        };
        // `scan(init, |state, v| ..)`: the closure, and its state's first value before it.
        let closure = if kind == "scan" {
            if m.args.len() != 2 {
                return None;
            }
            &m.args[1]
        } else {
            if m.args.len() != 1 {
                return None;
            }
            &m.args[0]
        };
        if !matches!(closure, syn::Expr::Closure(_)) {
            return None;
        }
        stages.push((kind, closure));
        if kind == "scan" {
            // (Reversed below: the first value comes before the closure.)
            stages.push(("scan_init", &m.args[0]));
        }
        e = &m.receiver;
    }
    stages.reverse();
    Some((e, stages))
}

/// A loop over a chain's items (see [`float_items`]): the statements before it (the state of a
/// `scan`, the flag of a `skip_while`), its pattern, its source, the statements that run the
/// stages, and the name of the float.
pub type FloatItems<'a> = (
    Vec<proc_macro2::TokenStream>,
    proc_macro2::TokenStream,
    &'a syn::Expr,
    Vec<proc_macro2::TokenStream>,
    syn::Ident,
);

/// [`float_items`] of a chain of `map`s only (each item where the source's is: positions kept).
pub fn mapped_items(e: &syn::Expr) -> Option<FloatItems<'_>> {
    let (_, stages) = all_stages(e)?;
    if stages.is_empty() || stages.iter().any(|(k, _)| *k != "map" && *k != "copied") {
        return None;
    }
    float_items(e)
}

/// The items of a chain of `map`s, `filter`s, `take_while`s and the other stages of [`guards`]
/// over a source a `for` loop iterates, as a float: the statements before the loop, the loop's
/// pattern and source, the statements that run the stages in its body, and the name of the
/// float. `None` where an item is not one value.
pub fn float_items(e: &syn::Expr) -> Option<FloatItems<'_>> {
    items_of(all_stages(e)?)
}

/// [`FloatItems`] with the names of the parts of each item.
pub type RowItems<'a> = (
    Vec<proc_macro2::TokenStream>,
    proc_macro2::TokenStream,
    &'a syn::Expr,
    Vec<proc_macro2::TokenStream>,
    Vec<syn::Ident>,
);

/// [`float_items`] of a chain whose items are rows: the name of the item, or of each of its two
/// parts where the last `map` gives a pair (`|&v| (v, v * v)`).
pub fn row_items(e: &syn::Expr) -> Option<RowItems<'_>> {
    parts_of(all_stages(e)?)
}

/// [`float_items`] of a chain with at least one stage other than `map`.
fn filtered_items(e: &syn::Expr) -> Option<FloatItems<'_>> {
    items_of(stages(e)?)
}

fn items_of<'e>(chain: (&'e syn::Expr, Vec<(&str, &syn::Expr)>)) -> Option<FloatItems<'e>> {
    let (pre, pattern, source, steps, mut parts) = parts_of(chain)?;
    let value = parts.pop().filter(|_| parts.is_empty())?;
    Some((pre, pattern, source, steps, value))
}

fn parts_of<'e>(
    (source, stages): (&'e syn::Expr, Vec<(&str, &syn::Expr)>),
) -> Option<RowItems<'e>> {
    let s = shape(source)?;
    let pattern = s.pattern();
    let (pre, steps, last) = guards(s, &stages)?;
    let parts = match last {
        Shape::Leaf(value, _) => vec![value],
        Shape::Pair(a, b) => match (*a, *b) {
            (Shape::Leaf(a, _), Shape::Leaf(b, _)) => vec![a, b],
            _ => return None,
        },
    };
    Some((pre, pattern, source, steps, parts))
}

/// The statements before a loop and in its body that run the stages on the item of shape `s`:
/// a guard per `filter` (`continue`) and `take_while` (`break`), a flag and a guard per
/// `skip_while`, a `let` per `map`; for `filter_map` and `map_while` a `let` of the value inside
/// the `Option` the closure gives (`continue` or `break` where it is `None`); for `scan`, its
/// state declared before the loop and read and written where the closure dereferences it (`*st
/// += v` is `S += v`), and a `let` of what it gives (`break` at `None`). Returns them and the
/// shape of the item after the last stage.
#[allow(clippy::type_complexity)]
fn guards(
    s: Shape,
    stages: &[(&str, &syn::Expr)],
) -> Option<(
    Vec<proc_macro2::TokenStream>,
    Vec<proc_macro2::TokenStream>,
    Shape,
)> {
    let mut pre = Vec::new();
    let mut out = Vec::new();
    let mut s = s;
    let mut state = None;
    for (kind, c) in stages {
        match *kind {
            // The item's value: a leaf bound by `&n` is the float already.
            "copied" => match s {
                Shape::Leaf(n, _) => s = Shape::Leaf(n, false),
                Shape::Pair(..) => return None,
            },
            // `|(v, w)| { let t = ..; (t * v, w) }`: both parts from one run of the body.
            "map" if pair_of(c).is_some_and(|(_, before, _)| before) => {
                let value = apply(c, &s, Passed::Value)?;
                let (m0, m1) = (
                    crate::naming::fresh("mapped"),
                    crate::naming::fresh("mapped"),
                );
                out.push(quote!(let (#m0, #m1) = #value;));
                s = Shape::Pair(
                    Box::new(Shape::Leaf(m0, false)),
                    Box::new(Shape::Leaf(m1, false)),
                );
            }
            "map" if pair_of(c).is_some() => {
                let (cl, _, [first, second]) = pair_of(c)?;
                let mut parts = Vec::new();
                for (k, part) in [first, second].into_iter().enumerate() {
                    // A name the closure's tuple pattern binds at the same place is the item's
                    // own part, passed on as it is (a reference stays one).
                    let own = match (super::iterators::untyped(&cl.inputs[0]), &s, part) {
                        (syn::Pat::Tuple(t), Shape::Pair(a, b), syn::Expr::Path(p))
                            if t.elems.len() == 2 =>
                        {
                            matches!(&t.elems[k], syn::Pat::Ident(i)
                                if i.by_ref.is_none() && i.subpat.is_none()
                                    && p.path.is_ident(&i.ident))
                            .then(|| if k == 0 { (**a).clone() } else { (**b).clone() })
                        }
                        _ => None,
                    };
                    if let Some(own) = own {
                        parts.push(own);
                        continue;
                    }
                    let mut one = cl.clone();
                    *one.body = part.clone();
                    let value = apply(&syn::Expr::Closure(one), &s, Passed::Value)?;
                    let m = crate::naming::fresh("mapped");
                    out.push(quote!(let #m = #value;));
                    parts.push(Shape::Leaf(m, false));
                }
                let second = parts.pop()?;
                s = Shape::Pair(Box::new(parts.pop()?), Box::new(second));
            }
            "enumerate" => {
                let (count, index) = (crate::naming::fresh("count"), crate::naming::fresh("index"));
                pre.push(quote!(let mut #count: usize = 0;));
                out.push(quote!(let #index: usize = #count; #count += 1;));
                s = Shape::Pair(Box::new(Shape::Leaf(index, false)), Box::new(s));
            }
            // `step_by(k)`: the first item given, then every k-th; `k` computed once, first.
            "step_by" => {
                let (step, count, keep) = (
                    crate::naming::fresh("step"),
                    crate::naming::fresh("count"),
                    crate::naming::fresh("keep"),
                );
                pre.push(quote!(let #step: usize = #c;));
                pre.push(quote!(let mut #count: usize = 0;));
                out.push(quote!(
                    let #keep: bool = #count % #step == 0;
                    #count += 1;
                    if !#keep {
                        continue;
                    }
                ));
            }
            "map" => {
                let value = apply(c, &s, Passed::Value)?;
                let m = crate::naming::fresh("mapped");
                out.push(quote!(let #m = #value;));
                s = Shape::Leaf(m, false);
            }
            "filter_map" | "map_while" => {
                let exit = if *kind == "filter_map" {
                    quote!(continue)
                } else {
                    quote!(break)
                };
                let (lets, body) = apply_parts(c, &s, Passed::Value)?;
                let m = crate::naming::fresh("mapped");
                out.extend(unwrapped(lets, &body, &exit, &m)?);
                s = Shape::Leaf(m, false);
            }
            "scan_init" => {
                let st = crate::naming::fresh("scan_state");
                pre.push(quote!(let mut #st = #c;));
                state = Some(st);
            }
            "scan" => {
                let st = state.take()?;
                let syn::Expr::Closure(cl) = c else {
                    return None;
                };
                let [acc, item] = [cl.inputs.first()?, cl.inputs.get(1)?];
                let acc = match acc {
                    syn::Pat::Type(t) => &*t.pat,
                    p => p,
                };
                let syn::Pat::Ident(acc) = acc else {
                    return None;
                };
                if cl.inputs.len() != 2 || acc.by_ref.is_some() || acc.subpat.is_some() {
                    return None;
                }
                let mut lets = Vec::new();
                bind(item, &s, Passed::Value, &mut lets)?;
                // The state itself where the closure reads it through its `&mut`.
                let body = deref_to(&cl.body, &acc.ident, &st)?;
                let m = crate::naming::fresh("mapped");
                out.extend(unwrapped(lets, &body, &quote!(break), &m)?);
                s = Shape::Leaf(m, false);
            }
            // `take(k)`: no item is pulled once `k` are given (checked before every stage);
            // `skip(k)`: the first `k` items given are dropped. `k` is computed once, first.
            "take" => {
                let (limit, taken) = (crate::naming::fresh("limit"), crate::naming::fresh("taken"));
                pre.push(quote!(let #limit: usize = #c;));
                pre.push(quote!(let mut #taken: usize = 0;));
                out.insert(0, quote!(if #taken == #limit { break; }));
                out.push(quote!(#taken += 1;));
            }
            "skip" => {
                let (limit, skipped) = (
                    crate::naming::fresh("limit"),
                    crate::naming::fresh("skipped"),
                );
                pre.push(quote!(let #limit: usize = #c;));
                pre.push(quote!(let mut #skipped: usize = 0;));
                out.push(quote!(if #skipped < #limit {
                    #skipped += 1;
                    continue;
                }));
            }
            "skip_while" => {
                let test = apply(c, &s, Passed::Ref)?;
                let (skipping, skip) = (
                    crate::naming::fresh("skipping"),
                    crate::naming::fresh("skip"),
                );
                pre.push(quote!(let mut #skipping: bool = true;));
                // (The test bound first: a `continue` in a block the test's statements would
                // be lifted into is not one of the `if`'s statements.)
                out.push(quote!(if #skipping {
                    let #skip: bool = #test;
                    if #skip {
                        continue;
                    }
                    #skipping = false;
                }));
            }
            _ => {
                let test = apply(c, &s, Passed::Ref)?;
                let exit = if *kind == "filter" {
                    quote!(continue)
                } else {
                    quote!(break)
                };
                out.push(quote!(if !#test { #exit; }));
            }
        }
    }
    Some((pre, out, s))
}

/// A `map`'s closure whose body is a pair written as a tuple (`|(v, w)| (v * 2.0, w)`, as
/// `stage_order` writes a `map` before a `zip` after it), and the pair's parts.
/// Also a block whose tail is such a tuple; whether there are statements before it.
fn pair_of(c: &syn::Expr) -> Option<(&syn::ExprClosure, bool, [&syn::Expr; 2])> {
    let syn::Expr::Closure(cl) = c else {
        return None;
    };
    let (before, tail) = match super::unparen(&cl.body) {
        syn::Expr::Block(b) if b.label.is_none() && b.attrs.is_empty() => {
            let Some(syn::Stmt::Expr(tail, None)) = b.block.stmts.last() else {
                return None;
            };
            (b.block.stmts.len() > 1, tail)
        }
        e => (false, e),
    };
    let syn::Expr::Tuple(t) = super::unparen(tail) else {
        return None;
    };
    (cl.inputs.len() == 1 && t.elems.len() == 2).then(|| (cl, before, [&t.elems[0], &t.elems[1]]))
}

/// The closure's pattern bound to the item, and its body.
fn apply_parts(
    c: &syn::Expr,
    s: &Shape,
    passed: Passed,
) -> Option<(Vec<proc_macro2::TokenStream>, syn::Expr)> {
    let syn::Expr::Closure(c) = c else {
        return None;
    };
    if c.inputs.len() != 1 {
        return None;
    }
    let mut lets = Vec::new();
    bind(&c.inputs[0], s, passed, &mut lets)?;
    let mut body = (*c.body).clone();
    // `let v = &&X;` read as `**v` only: `X` itself, so the body reads the float by name (a
    // statement of the body, `s += **v`, is lowered as any other).
    lets.retain(|l| {
        let Ok(syn::Stmt::Local(local)) = syn::parse2::<syn::Stmt>(l.clone()) else {
            return true;
        };
        let (syn::Pat::Ident(name), Some(init)) = (&local.pat, &local.init) else {
            return true;
        };
        let mut refs = 0;
        let mut x = &*init.expr;
        while let syn::Expr::Reference(r) = x {
            refs += 1;
            x = &r.expr;
        }
        let syn::Expr::Path(item) = x else {
            return true;
        };
        if refs == 0 {
            return true;
        }
        let mut replaced = body.clone();
        let all = replace_derefs(&mut replaced, &name.ident, refs, item);
        if all {
            body = replaced;
        }
        !all
    });
    Some((lets, body))
}

/// `e` with every `*..*name` (`refs` stars) replaced by `item`; whether no other read of `name`
/// is left (else `e` is left as it was by the caller).
fn replace_derefs(e: &mut syn::Expr, name: &syn::Ident, refs: usize, item: &syn::ExprPath) -> bool {
    struct R<'a>(&'a syn::Ident, usize, &'a syn::ExprPath, bool);
    impl syn::visit_mut::VisitMut for R<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            let mut depth = 0;
            let mut x = &*e;
            while let syn::Expr::Unary(u) = x {
                if !matches!(u.op, syn::UnOp::Deref(_)) {
                    break;
                }
                depth += 1;
                x = &u.expr;
            }
            if depth == self.1
                && matches!(super::unparen(x), syn::Expr::Path(p) if p.path.is_ident(self.0))
            {
                *e = syn::Expr::Path(self.2.clone());
                return;
            }
            if matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.0)) {
                self.3 = false;
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            self.3 &= !super::mentions(&m.tokens, self.0);
        }
        // A closure or block that binds the name again reads its own.
        fn visit_local_mut(&mut self, l: &mut syn::Local) {
            let mut bound = Vec::new();
            crate::lower::collect_idents(&l.pat, &mut bound);
            if bound.contains(self.0) {
                self.3 = false;
            }
            syn::visit_mut::visit_local_mut(self, l);
        }
        fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
            let mut bound = Vec::new();
            for p in &c.inputs {
                crate::lower::collect_idents(p, &mut bound);
            }
            if bound.contains(self.0) {
                self.3 = false;
            }
            syn::visit_mut::visit_expr_closure_mut(self, c);
        }
    }
    let mut r = R(name, refs, item, true);
    syn::visit_mut::VisitMut::visit_expr_mut(&mut r, e);
    r.3
}

/// The statements of a loop body that bind `m` to the value inside the `Option` a closure's
/// `body` gives (its pattern bound by `lets`), and take `exit` where it is `None`: the body's
/// statements, then `let m = ..;` (a jump as a statement of its own, which lowering takes), every
/// name they declare made fresh so that the rest of the loop body does not see it.
fn unwrapped(
    lets: Vec<proc_macro2::TokenStream>,
    body: &syn::Expr,
    exit: &proc_macro2::TokenStream,
    m: &syn::Ident,
) -> Option<Vec<proc_macro2::TokenStream>> {
    let mut stmts: Vec<syn::Stmt> = lets.iter().map(|l| syn::parse_quote!(#l)).collect();
    let tail = match body {
        syn::Expr::Block(b) if b.label.is_none() && b.attrs.is_empty() => {
            let mut inner = b.block.stmts.clone();
            let Some(syn::Stmt::Expr(tail, None)) = inner.pop() else {
                return None;
            };
            stmts.extend(inner);
            tail
        }
        e => e.clone(),
    };
    let value = some_or(&tail, exit);
    let bound: syn::Stmt = syn::parse_quote!(let #m = #value;);
    match super::normal::returning_match_let(&bound) {
        Some(two) => stmts.extend(two),
        None => stmts.push(bound),
    }
    let mut names = Vec::new();
    for st in &stmts[..stmts.len() - 1] {
        if let syn::Stmt::Local(l) = st {
            crate::lower::collect_pat_idents(&l.pat, &mut names);
        }
    }
    names.retain(|n| n != m);
    names.dedup();
    for n in &names {
        if !super::sub_slices::unshadow(&mut stmts, n) {
            return None;
        }
    }
    Some(stmts.iter().map(quote::ToTokens::to_token_stream).collect())
}

/// `body` with `*acc` (and `acc` as a method's receiver) read and written as `state` (a `scan`'s
/// closure lent the state); `None` where it uses `acc` otherwise.
fn deref_to(body: &syn::Expr, acc: &syn::Ident, state: &syn::Ident) -> Option<syn::Expr> {
    struct Deref<'a>(&'a syn::Ident, &'a syn::Ident, bool);
    impl syn::visit_mut::VisitMut for Deref<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            if let syn::Expr::Unary(u) = e {
                if matches!(u.op, syn::UnOp::Deref(_))
                    && matches!(&*u.expr, syn::Expr::Path(p) if p.path.is_ident(self.0))
                {
                    let st = self.1;
                    *e = syn::parse_quote!(#st);
                    return;
                }
            }
            // `m.max(v)`: a method call dereferences its receiver (`(*m).max(v)`).
            if let syn::Expr::MethodCall(m) = e {
                if matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(self.0)) {
                    let st = self.1;
                    *m.receiver = syn::parse_quote!(#st);
                }
            }
            if matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.0)) {
                self.2 = true;
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            self.2 |= super::mentions(&m.tokens, self.0);
        }
    }
    let mut d = Deref(acc, state, false);
    let mut out = body.clone();
    syn::visit_mut::VisitMut::visit_expr_mut(&mut d, &mut out);
    (!d.2).then_some(out)
}

/// Input: an expression giving an `Option` (a closure's body for `filter_map`), and what to do at
/// `None` (`continue`). Output: the value inside it, `exit` on the paths where it is `None`:
/// `Some(v)` is `v`; `None` is `exit`; blocks, `if`s and `match`es by their values; `c.then(||
/// v)` and `c.then_some(v)` are `if c { v } else { exit }`; `o.map(|p| v)` is `if let Some(p) = o
/// { v } else { exit }`; any other `o` is `if let Some(v) = o { v } else { exit }`.
fn some_or(e: &syn::Expr, exit: &proc_macro2::TokenStream) -> syn::Expr {
    let is = |p: &syn::Expr, name: &str| {
        matches!(p, syn::Expr::Path(p) if p.qself.is_none()
            && p.path.segments.len() <= 4
            && p.path.segments.last().is_some_and(|s| s.ident == name && s.arguments.is_none()))
    };
    let other = |o: &syn::Expr| -> syn::Expr {
        let v = crate::naming::hidden("some");
        syn::parse_quote!(if let Some(#v) = #o { #v } else { #exit })
    };
    match e {
        syn::Expr::Paren(p) => some_or(&p.expr, exit),
        syn::Expr::Call(c) if c.args.len() == 1 && is(&c.func, "Some") => c.args[0].clone(),
        p if is(p, "None") => syn::parse_quote!(#exit),
        syn::Expr::Block(b) if b.label.is_none() => {
            let mut b = b.clone();
            if let Some(syn::Stmt::Expr(tail, None)) = b.block.stmts.last_mut() {
                *tail = some_or(tail, exit);
            }
            syn::Expr::Block(b)
        }
        syn::Expr::If(i) if i.else_branch.is_some() => {
            let mut i = i.clone();
            if let Some(syn::Stmt::Expr(tail, None)) = i.then_branch.stmts.last_mut() {
                *tail = some_or(tail, exit);
            }
            if let Some((_, e)) = &mut i.else_branch {
                **e = some_or(e, exit);
            }
            syn::Expr::If(i)
        }
        syn::Expr::Match(m) => {
            let mut m = m.clone();
            for a in &mut m.arms {
                *a.body = some_or(&a.body, exit);
            }
            syn::Expr::Match(m)
        }
        syn::Expr::MethodCall(m) if m.method == "then_some" && m.args.len() == 1 => {
            let (c, v) = (&m.receiver, &m.args[0]);
            syn::parse_quote!(if #c { #v } else { #exit })
        }
        syn::Expr::MethodCall(m) if m.method == "then" && m.args.len() == 1 => match &m.args[0] {
            syn::Expr::Closure(cl) if cl.inputs.is_empty() => {
                let (c, v) = (&m.receiver, &cl.body);
                syn::parse_quote!(if #c { #v } else { #exit })
            }
            _ => other(e),
        },
        syn::Expr::MethodCall(m) if m.method == "map" && m.args.len() == 1 => match &m.args[0] {
            syn::Expr::Closure(cl) if cl.inputs.len() == 1 => {
                let p = match &cl.inputs[0] {
                    syn::Pat::Type(t) => &*t.pat,
                    p => p,
                };
                let (o, v) = (&m.receiver, &cl.body);
                syn::parse_quote!(if let Some(#p) = #o { #v } else { #exit })
            }
            _ => other(e),
        },
        _ => other(e),
    }
}

/// Input: `for PAT in SOURCE.filter(F).map(G).take_while(H) { body }` (any stages, at least one
/// `filter` or `take_while`). Output: `for ITEM in SOURCE { if !F(&ITEM) { continue; } let M =
/// G(ITEM); if !H(&M) { break; } let PAT = M; body }`, the closures' patterns bound as std binds
/// them.
pub fn filter_loop(f: &syn::ExprForLoop) -> Option<syn::Expr> {
    let (source, stages) = stages(&f.expr)?;
    staged_loop(f, source, &stages)
}

/// [`filter_loop`] of a chain of `map`s only (`for r in x.iter().map(|p| p - 1.0) { .. }`): `for
/// ITEM in SOURCE { let M = G(ITEM); let r = M; .. }`.
pub fn map_loop(f: &syn::ExprForLoop) -> Option<syn::Expr> {
    let (source, stages) = all_stages(&f.expr)?;
    if stages.is_empty() {
        return None;
    }
    staged_loop(f, source, &stages)
}

fn staged_loop(
    f: &syn::ExprForLoop,
    source: &syn::Expr,
    stages: &[(&str, &syn::Expr)],
) -> Option<syn::Expr> {
    let s = shape(source)?;
    let pattern = s.pattern();
    let (pre, steps, last) = guards(s, stages)?;
    let mut lets = Vec::new();
    bind(&f.pat, &last, Passed::Value, &mut lets)?;
    let (label, body) = (&f.label, &f.body.stmts);
    let lp = quote!(
        #label for #pattern in #source {
            #(#steps)*
            #(#lets)*
            #(#body)*
        }
    );
    Some(if pre.is_empty() {
        syn::parse_quote!(#lp)
    } else {
        syn::parse_quote!({ #(#pre)* #lp })
    })
}

/// `{ pre; e }`, or `e` with nothing before it.
fn before(pre: Vec<proc_macro2::TokenStream>, e: syn::Expr) -> syn::Expr {
    if pre.is_empty() {
        return e;
    }
    let syn::Expr::Block(mut b) = e else {
        return syn::parse_quote!({ #(#pre)* #e });
    };
    let mut stmts: Vec<syn::Stmt> = pre.iter().map(|p| syn::parse_quote!(#p)).collect();
    stmts.append(&mut b.block.stmts);
    b.block.stmts = stmts;
    syn::Expr::Block(b)
}

/// Input: `SOURCE.filter(F).map(G).sum::<T>()` (`.product::<T>()`; any stages with at least one
/// `filter` or `take_while`). Output: `{ let mut ACC = -0.0; for ITEM in SOURCE { .. guards ..;
/// ACC += M; } ACC }`: the items std would add, in its order.
pub fn filtered_chain(m: &syn::ExprMethodCall) -> Option<syn::Expr> {
    let reduce = super::iterators::sum_or_product(m)?;
    let (pre, pattern, source, steps, value) = filtered_items(&m.receiver)?;
    let lp = super::iterators::reduction_loop(&reduce, &pattern, source, &steps, &value);
    Some(before(pre, lp))
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
    if c.inputs.len() != 2 || !plain(acc_pat) {
        return None;
    }
    let (source, stages) = stages(&m.receiver)?;
    let s = shape(source)?;
    let pattern = s.pattern();
    let (pre, steps, last) = guards(s, &stages)?;
    // The item as std passes it: a float by value, or bound by the closure's pattern.
    let item = match &last {
        Shape::Leaf(value, _) if plain(item_pat) => vec![quote!(let #item_pat = #value;)],
        // A pair (`.enumerate()` after a stage), a reference taken off (`|a, &b| ..`).
        _ => {
            let mut lets = Vec::new();
            bind(item_pat, &last, Passed::Value, &mut lets)?;
            lets
        }
    };
    let (init, body) = (&m.args[0], &c.body);
    let acc = crate::naming::hidden("acc");
    Some(syn::parse_quote!({
        #(#pre)*
        let mut #acc = #init;
        for #pattern in #source {
            #(#steps)*
            #acc = {
                let #acc_pat = #acc;
                #(#item)*
                #body
            };
        }
        #acc
    }))
}

/// How many floats a row of type `t` holds (`(T, T)`, `[T; 2]` of a float `T`), and whether it
/// is an array.
fn row_parts(t: &syn::Type) -> Option<(usize, bool)> {
    if let Some((_, n)) = crate::vector::tuple_elem(t) {
        return Some((n, false));
    }
    let syn::Type::Array(a) = t else {
        return None;
    };
    crate::sig::float_of(&a.elem)?;
    let n = super::tuples::lit_usize(&a.len).filter(|n| *n <= 16)?;
    Some((n, true))
}

/// Input: `let v: Vec<f64> = SOURCE.filter(F).map(G).collect();` (a `filter` or `take_while`
/// among the stages; typed by the `let` or a turbofish). Output: `let mut v: Vec<f64> =
/// Vec::new(); for PAT in SOURCE { stages; v.push(item); }`: the pushes of a loop, which lowering
/// follows.
pub fn filtered_collect_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    // `x.chunks(2).map(..).scan(..)`: the pieces as their starts first, as the chain's own
    // rewrite would make them (this `let` is taken before its parts are).
    let mut init = init.clone();
    struct Pieces;
    impl syn::visit_mut::VisitMut for Pieces {
        fn visit_expr_method_call_mut(&mut self, m: &mut syn::ExprMethodCall) {
            syn::visit_mut::visit_expr_method_call_mut(self, m);
            super::iterators::pieces_chain(m);
        }
        fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    }
    syn::visit_mut::VisitMut::visit_expr_mut(&mut Pieces, &mut init);
    let (c, vec_ty) = super::iterators::collected(&init, ty)?;
    // Rows of floats (`Vec<(f64, f64)>`, `Vec<[f64; 2]>`) are pushed as rows written out, taken
    // apart from each item (see `row_pushes`).
    let row = match crate::vector::vector_elem(&vec_ty) {
        Some(_) => None,
        None => Some(row_parts(&crate::vector::seq_elem(&vec_ty)?)?),
    };
    let name = &id.ident;
    if let (Some((width, array)), Some(_)) = (&row, stages(&c.receiver)) {
        let (pre, pattern, source, mut steps, parts) = row_items(&c.receiver)?;
        let names = match &parts[..] {
            [value] => {
                let names = crate::naming::fresh_names("part", *width);
                steps.push(if *array {
                    quote!(let [#(#names),*] = #value;)
                } else {
                    quote!(let (#(#names),*) = #value;)
                });
                names
            }
            [_, _] if *width == 2 => parts,
            _ => return None,
        };
        let push: syn::Expr = if *array {
            syn::parse_quote!([#(#names),*])
        } else {
            syn::parse_quote!((#(#names),*))
        };
        let mut out: Vec<syn::Stmt> = pre.iter().map(|p| syn::parse_quote!(#p)).collect();
        out.push(syn::parse_quote!(let mut #name: #vec_ty = ::std::vec::Vec::new();));
        out.push(syn::parse_quote!(for #pattern in #source { #(#steps)* #name.push(#push); }));
        return Some(out);
    }
    if row.is_some() {
        return None;
    }
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
    let (pre, pattern, source, steps, value) = float_items(&c.receiver)?;
    let mut out: Vec<syn::Stmt> = pre.iter().map(|p| syn::parse_quote!(#p)).collect();
    out.push(syn::parse_quote!(let mut #name: #vec_ty = ::std::vec::Vec::new();));
    out.push(syn::parse_quote!(for #pattern in #source { #(#steps)* #name.push(#value); }));
    Some(out)
}
