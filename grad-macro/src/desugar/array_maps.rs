//! `[T; N]::map`: an array mapped element by element (`[dx, dy].map(|d| d * d)`,
//! `p.map(f64::exp)` of a parameter `p: [f64; 3]`), written as the array of the calls, which the
//! engine follows like any array literal and any call. Only where the length is written where the
//! array is: an array literal, `[e; N]` with a literal `N`, or a name whose parameter or `let`
//! gives it as `[T; N]` (or is such a literal) and that nothing else in the body binds. Any other
//! `.map(..)` (of an `Option`, of an iterator) is left as it is.

use super::tuples::lit_usize;
use std::collections::HashMap;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// Rewrites every such `.map(..)` in `item`'s body.
pub fn rewrite(item: &mut syn::ItemFn) {
    let mut lens = Lengths::default();
    for a in &item.sig.inputs {
        if let syn::FnArg::Typed(pt) = a {
            lens.bind(&pt.pat, Some(&pt.ty), None);
        }
    }
    lens.visit_block(&item.block);
    let known = lens
        .0
        .into_iter()
        .filter_map(|(n, l)| Some((n, l?)))
        .collect();
    Maps(known).visit_block_mut(&mut item.block);
}

/// The length of each name's array, `None` for a name bound otherwise (or more than once with
/// different lengths).
#[derive(Default)]
struct Lengths(HashMap<String, Option<usize>>);

impl Lengths {
    fn bind(&mut self, pat: &syn::Pat, ty: Option<&syn::Type>, init: Option<&syn::Expr>) {
        let len = ty.and_then(type_len).or_else(|| init.and_then(literal_len));
        let mut names = Vec::new();
        match pat {
            syn::Pat::Ident(p) if p.subpat.is_none() => {
                let e = self.0.entry(p.ident.to_string()).or_insert(len);
                if *e != len {
                    *e = None;
                }
                return;
            }
            syn::Pat::Type(t) => return self.bind(&t.pat, Some(&t.ty), init),
            p => crate::lower::collect_pat_idents(p, &mut names),
        }
        for n in names {
            self.0.insert(n.to_string(), None);
        }
    }
}

impl<'a> Visit<'a> for Lengths {
    fn visit_local(&mut self, l: &'a syn::Local) {
        let init = l.init.as_ref().map(|i| &*i.expr);
        self.bind(&l.pat, None, init);
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, d)) = &init.diverge {
                self.visit_expr(d);
            }
        }
    }
    fn visit_pat(&mut self, p: &'a syn::Pat) {
        // Patterns other than a `let`'s (closure parameters, `for`, `match` arms).
        let mut names = Vec::new();
        crate::lower::collect_pat_idents(p, &mut names);
        for n in names {
            self.0.insert(n.to_string(), None);
        }
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// `[T; N]`, `&[T; N]` or `&mut [T; N]` with a literal `N`.
fn type_len(ty: &syn::Type) -> Option<usize> {
    match ty {
        syn::Type::Reference(r) => type_len(&r.elem),
        syn::Type::Paren(p) => type_len(&p.elem),
        syn::Type::Array(a) => lit_usize(&a.len),
        _ => None,
    }
}

/// The length of an array literal or of `[e; N]` with a literal `N`.
fn literal_len(e: &syn::Expr) -> Option<usize> {
    match e {
        syn::Expr::Array(a) => Some(a.elems.len()),
        syn::Expr::Repeat(r) => lit_usize(&r.len),
        syn::Expr::Paren(p) => literal_len(&p.expr),
        _ => None,
    }
}

struct Maps(HashMap<String, usize>);

impl Maps {
    /// The elements of the array `m` maps, and the function: `None` where `m` is no `.map(..)`
    /// of an array whose length is known.
    fn parts(&self, m: &syn::ExprMethodCall) -> Option<Vec<syn::Expr>> {
        if m.method != "map" || m.args.len() != 1 || m.turbofish.is_some() {
            return None;
        }
        Some(match &*m.receiver {
            syn::Expr::Array(a) if !a.elems.is_empty() => a.elems.iter().cloned().collect(),
            syn::Expr::Repeat(r) => match lit_usize(&r.len) {
                Some(n) if n > 0 => {
                    let v = &r.expr;
                    vec![syn::parse_quote!(#v); n]
                }
                _ => return None,
            },
            syn::Expr::Path(p) if p.qself.is_none() => {
                let id = p.path.get_ident()?;
                let n = *self.0.get(&id.to_string())?;
                (0..n).map(|k| syn::parse_quote!(#id[#k])).collect()
            }
            _ => return None,
        })
    }
}

/// `f` applied to `e`: a call, or a closure's body in a block binding its parameter.
fn apply(f: &syn::Expr, e: &syn::Expr) -> syn::Expr {
    match f {
        syn::Expr::Closure(c) => {
            let (p, body) = (&c.inputs[0], &c.body);
            match &c.output {
                syn::ReturnType::Type(_, t) => {
                    syn::parse_quote!({ let #p = #e; let v: #t = #body; v })
                }
                syn::ReturnType::Default => syn::parse_quote!({ let #p = #e; #body }),
            }
        }
        f => syn::parse_quote!(#f(#e)),
    }
}

/// `f` can be applied element by element where it is written: a path, or a closure of one
/// parameter whose body assigns nothing (the elements are evaluated before the first call in
/// Rust, which differs only for a body that assigns what an element reads).
fn direct(f: &syn::Expr) -> bool {
    match f {
        syn::Expr::Path(_) => true,
        syn::Expr::Closure(c) => c.inputs.len() == 1 && !assigns(&c.body),
        _ => false,
    }
}

impl VisitMut for Maps {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        // `[a, b].map(f)[1]`: the one element read, every element still evaluated (an array
        // literal indexed inside an expression is not followed).
        if let syn::Expr::Index(ix) = e {
            if let (syn::Expr::MethodCall(m), Some(k)) =
                (super::unparen(&ix.expr), lit_usize(&ix.index))
            {
                if let Some(elems) = self.parts(m).filter(|el| k < el.len()) {
                    if direct(&m.args[0]) {
                        let names = crate::naming::fresh_names("elem", elems.len());
                        let nk = &names[k];
                        let one = apply(&m.args[0], &syn::parse_quote!(#nk));
                        *e = syn::parse_quote!(({ #(let #names = #elems;)* #one }));
                        // (The elements and the body, which may map arrays too.)
                        syn::visit_mut::visit_expr_mut(self, e);
                        return;
                    }
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
        if let Some(folded) = folded(e) {
            *e = folded;
            return;
        }
        let syn::Expr::MethodCall(m) = e else { return };
        let Some(elems) = self.parts(m) else { return };
        let f = &m.args[0];
        *e = if direct(f) {
            let each = elems.iter().map(|el| apply(f, el));
            syn::parse_quote!([#(#each),*])
        } else {
            let name = crate::naming::fresh("map_fn");
            syn::parse_quote!({ let #name = #f; [#(#name(#elems)),*] })
        };
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        super::closures::visit_vec_macro(m, self);
    }
}

/// `[a, b, c].iter().sum::<f64>()` (also `.into_iter()`, `.product()`), as the mapped array
/// often is read: `(a + b + c)`, the same value bit for bit (the float `Sum` folds from `-0.0`,
/// which adds nothing, `Product` from `1.0`), in whatever place it is written.
fn folded(e: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(m) = e else {
        return None;
    };
    let op = match m.method.to_string().as_str() {
        "sum" => quote::quote!(+),
        "product" => quote::quote!(*),
        _ => return None,
    };
    let syn::Expr::MethodCall(it) = &*m.receiver else {
        return None;
    };
    if !m.args.is_empty()
        || !it.args.is_empty()
        || (it.method != "iter" && it.method != "into_iter")
    {
        return None;
    }
    let syn::Expr::Array(a) = super::unparen(&it.receiver) else {
        return None;
    };
    if a.elems.is_empty() {
        return None;
    }
    let mut elems = a.elems.iter();
    let first = elems.next()?;
    let mut acc = quote::quote!((#first));
    for e in elems {
        acc = quote::quote!(#acc #op (#e));
    }
    Some(syn::parse_quote!((#acc)))
}

/// `body` changes state (`count += 1`, `buf.push(v)`): its calls run in order after all the
/// elements.
fn assigns(body: &syn::Expr) -> bool {
    struct MutCalls(bool);
    impl<'a> Visit<'a> for MutCalls {
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            // `buf.push(v)`, `it.next()`: anything through `&mut self` may change state.
            self.0 |= m.method == "push" || m.method == "next";
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut f = MutCalls(false);
    f.visit_expr(body);
    f.0 || crate::lower::changes_locals(body)
}
