//! Pairs of an index and a value, sorted by the value: the argsort that keeps the values beside
//! the indices.
//!
//! Input: `let mut v: Vec<(usize, f64)> = x.iter().copied().enumerate().collect();` (also
//! `.cloned()`, `x.iter().enumerate().map(|(i, &e)| (i, e))`; the value first,
//! `Vec<(f64, usize)>` of `x.iter().copied().zip(0..)` or `.map(|(i, &e)| (e, i))`), `v.sort_by(|a, b|
//! a.1.partial_cmp(&b.1).unwrap())` (any comparator of the pairs), then `v[k].0`, `v[k].1`,
//! `v.len()`, `for &(i, e) in &v`, `for (i, e) in v.iter().take(k)`, `v.iter().map(|&(i, e)| ..)`,
//! numbered (`for (r, &(i, e)) in v.iter().enumerate()`).
//! Output: the indices alone, `let mut V: Vec<usize> = (0..x.len()).collect(); V.sort_by(|&a, &b|
//! x[a].partial_cmp(&x[b]).unwrap());`, and each pair read as `(V[k], x[V[k]])`: a sort of
//! indices by a sequence's values, which lowering follows (the derivative of a value is that of
//! the element it is), where a `Vec` of tuples is a container it cannot see into.

use quote::quote;
use syn::visit_mut::VisitMut;

/// [`value_pairs_lets`] in every block of `body`, after [`pushed_pairs`] and [`mapped_pairs`].
pub fn value_pairs(body: &mut syn::Block) {
    super::each_block_inner_first(body, |b| {
        pushed_pairs(b);
        mapped_pairs(b);
        value_pairs_lets(b);
    });
}

/// The name of a position a pair holds beside its value: the index `i` of `|(i, &e)|` over
/// `x.iter().enumerate()`, or the closure's one parameter over a range from 0, `(0..n)`. With
/// the pattern of the value (the rest of the tuple), for a closure over `enumerate()`.
fn position_of(source: &syn::Expr, pat: &syn::Pat) -> Option<syn::Ident> {
    match (super::unparen(source), pat) {
        (syn::Expr::MethodCall(en), syn::Pat::Tuple(t))
            if en.method == "enumerate" && en.args.is_empty() && t.elems.len() == 2 =>
        {
            iter_of(&en.receiver)?;
            match &t.elems[0] {
                syn::Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
                    Some(i.ident.clone())
                }
                _ => None,
            }
        }
        (syn::Expr::Range(r), syn::Pat::Ident(i))
            if matches!(r.start.as_deref().map(super::unparen), Some(syn::Expr::Lit(l))
                if matches!(&l.lit, syn::Lit::Int(n) if n.base10_digits() == "0"))
                && r.end.is_some() =>
        {
            Some(i.ident.clone())
        }
        _ => None,
    }
}

/// `(i, VALUE)` or `(VALUE, i)` with `i` the position: the value and whether it comes first.
fn pair_with(body: &syn::Expr, position: &syn::Ident) -> Option<(syn::Expr, bool)> {
    let syn::Expr::Tuple(t) = super::unparen(body) else {
        return None;
    };
    let [a, b] = &t.elems.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let is = |x: &syn::Expr| matches!(super::unparen(x), syn::Expr::Path(p) if p.path.is_ident(position));
    match (is(a), is(b)) {
        (true, false) => Some(((*b).clone(), false)),
        (false, true) => Some(((*a).clone(), true)),
        _ => None,
    }
}

/// Input: `let mut v = Vec::new();` (or `Vec::with_capacity(..)`, typed or not), then `for (i, &e)
/// in x.iter().enumerate() { v.push((i, VALUE)); }` (or `for i in 0..n`, or `(VALUE, i)`), the
/// push all the loop does. Output: `let mut v = x.iter().enumerate().map(|(i, &e)| (i,
/// VALUE)).collect();`, of the `let`'s type, which [`mapped_pairs`] takes.
fn pushed_pairs(b: &mut syn::Block) {
    let mut k = 0;
    while k + 1 < b.stmts.len() {
        let rewritten = match (&b.stmts[k], &b.stmts[k + 1]) {
            (syn::Stmt::Local(l), syn::Stmt::Expr(syn::Expr::ForLoop(f), _)) => {
                pushed_pair_loop(l, f)
            }
            _ => None,
        };
        if let Some(l) = rewritten {
            b.stmts[k] = l;
            b.stmts.remove(k + 1);
        }
        k += 1;
    }
}

fn pushed_pair_loop(l: &syn::Local, f: &syn::ExprForLoop) -> Option<syn::Stmt> {
    let (id, ty, init) = super::plain_let(l)?;
    if !super::pushes::empty_vec(init) {
        return None;
    }
    if f.label.is_some() {
        return None;
    }
    let [syn::Stmt::Expr(syn::Expr::MethodCall(push), _)] = &f.body.stmts[..] else {
        return None;
    };
    let target =
        matches!(super::unparen(&push.receiver), syn::Expr::Path(p) if p.path.is_ident(&id.ident));
    if !target || push.method != "push" || push.args.len() != 1 {
        return None;
    }
    let position = position_of(&f.expr, &f.pat)?;
    pair_with(&push.args[0], &position)?;
    // (A value reading the `Vec` itself, its length, is not one of a `map` before it exists.)
    if crate::naming::mentions(quote::ToTokens::to_token_stream(&push.args), &|i| {
        *i == id.ident
    }) {
        return None;
    }
    let (pat, source, pair) = (&f.pat, &f.expr, &push.args[0]);
    let ty = ty.map_or_else(|| quote!(), |t| quote!(: #t));
    let name = &id.ident;
    let mutability = &id.mutability;
    let value: syn::Expr = match super::unparen(source) {
        syn::Expr::Range(_) => syn::parse_quote!((#source).map(|#pat| #pair).collect()),
        _ => syn::parse_quote!(#source.map(|#pat| #pair).collect()),
    };
    Some(syn::parse_quote!(let #mutability #name #ty = #value;))
}

/// Input: `let mut v: Vec<(usize, T)> = x.iter().enumerate().map(|(i, &e)| (i, VALUE))
/// .collect();` (or `(0..n).map(|i| (i, VALUE))`, or `(VALUE, i)`), `VALUE` not the item
/// itself. Output: the values first, `let V: Vec<T> = x.iter().enumerate().map(|(i, &e)|
/// VALUE).collect();`, then `let mut v: Vec<(usize, T)> = V.iter().cloned().enumerate()
/// .collect();` (`.zip(0..)` for the value first): pairs of a sequence's positions and values,
/// which [`value_pairs_lets`] takes.
fn mapped_pairs(b: &mut syn::Block) {
    let mut k = 0;
    while k < b.stmts.len() {
        let split = match &b.stmts[k] {
            syn::Stmt::Local(l) => mapped_pair_let(l),
            _ => None,
        };
        if let Some((values, pairs)) = split {
            b.stmts[k] = values;
            b.stmts.insert(k + 1, pairs);
            k += 1;
        }
        k += 1;
    }
}

fn mapped_pair_let(l: &syn::Local) -> Option<(syn::Stmt, syn::Stmt)> {
    let (id, ty, init) = super::plain_let(l)?;
    if pairs_of(init).is_some() {
        return None;
    }
    let syn::Expr::MethodCall(c) = init else {
        return None;
    };
    if c.method != "collect" || !c.args.is_empty() {
        return None;
    }
    let syn::Expr::MethodCall(m) = super::unparen(&c.receiver) else {
        return None;
    };
    let [syn::Expr::Closure(cl)] = &m.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if m.method != "map" || cl.inputs.len() != 1 {
        return None;
    }
    let position = position_of(&m.receiver, &cl.inputs[0])?;
    let (value, value_first) = pair_with(&cl.body, &position)?;
    // The value's type from the pairs' (`Vec<(usize, f64)>`), else left to the compiler.
    let elem = ty
        .and_then(|t| match crate::rows::vec_elem(t)? {
            syn::Type::Tuple(tt) if tt.elems.len() == 2 => {
                Some(tt.elems[usize::from(!value_first)].clone())
            }
            _ => None,
        })
        .map_or_else(|| quote!(_), |t| quote!(#t));
    let values = crate::naming::fresh("values");
    let mut values_closure = cl.clone();
    *values_closure.body = value;
    let source = &m.receiver;
    let name = &id.ident;
    let mutability = &id.mutability;
    let ty = ty.map_or_else(|| quote!(), |t| quote!(: #t));
    // (`cloned`: the values need not be `Copy`, a `Vec` of data.)
    let pairs: syn::Expr = if value_first {
        syn::parse_quote!(#values.iter().cloned().zip(0..).collect())
    } else {
        syn::parse_quote!(#values.iter().cloned().enumerate().collect())
    };
    Some((
        syn::parse_quote!(let #values: Vec<#elem> = #source.map(#values_closure).collect();),
        syn::parse_quote!(let #mutability #name #ty = #pairs;),
    ))
}

/// `x.iter().copied().enumerate().collect()` and the like, of a name or a field `x`: `x`, and
/// whether the pairs hold the value first (`(e, i)`: `.map(|(i, &e)| (e, i))`,
/// `x.iter().copied().zip(0..)`).
fn pairs_of(e: &syn::Expr) -> Option<(&syn::Expr, bool)> {
    let syn::Expr::MethodCall(c) = e else {
        return None;
    };
    if c.method != "collect" || !c.args.is_empty() {
        return None;
    }
    let mut r = super::unparen(&c.receiver);
    // `x.iter().copied().zip(0..)`: the value first, the index counted from 0.
    if let syn::Expr::MethodCall(z) = r {
        let from_zero = matches!(z.args.first().map(super::unparen), Some(syn::Expr::Range(g))
            if g.end.is_none() && matches!(g.start.as_deref(), Some(syn::Expr::Lit(l))
                if matches!(&l.lit, syn::Lit::Int(i) if i.base10_digits() == "0")));
        if z.method == "zip" && z.args.len() == 1 && from_zero {
            let syn::Expr::MethodCall(cp) = super::unparen(&z.receiver) else {
                return None;
            };
            if !(cp.method == "copied" || cp.method == "cloned") || !cp.args.is_empty() {
                return None;
            }
            return iter_of(&cp.receiver).map(|x| (x, true));
        }
    }
    // `.map(|(i, &e)| (i, e))` / `.map(|(i, e)| (i, *e))` after `enumerate()` (or `(e, i)`).
    let (mapped, swapped) = match r {
        syn::Expr::MethodCall(m) if m.method == "map" && m.args.len() == 1 => {
            let syn::Expr::Closure(cl) = &m.args[0] else {
                return None;
            };
            let swapped = identity_pair(cl)?;
            r = super::unparen(&m.receiver);
            (true, swapped)
        }
        _ => (false, false),
    };
    let syn::Expr::MethodCall(en) = r else {
        return None;
    };
    if en.method != "enumerate" || !en.args.is_empty() {
        return None;
    }
    let mut r = super::unparen(&en.receiver);
    if let syn::Expr::MethodCall(cp) = r {
        if (cp.method == "copied" || cp.method == "cloned") && cp.args.is_empty() && !mapped {
            r = super::unparen(&cp.receiver);
        }
    }
    iter_of(r).map(|x| (x, swapped))
}

/// `x` of `x.iter()`, a name or a field.
fn iter_of(r: &syn::Expr) -> Option<&syn::Expr> {
    let syn::Expr::MethodCall(it) = super::unparen(r) else {
        return None;
    };
    if it.method != "iter" || !it.args.is_empty() {
        return None;
    }
    match super::unparen(&it.receiver) {
        x @ syn::Expr::Path(p) if p.path.get_ident().is_some() => Some(x),
        x @ syn::Expr::Field(_) => Some(x),
        _ => None,
    }
}

/// The name a place `x` or `m.w` starts from.
fn root(e: &syn::Expr) -> Option<&syn::Ident> {
    match e {
        syn::Expr::Path(p) => p.path.get_ident(),
        syn::Expr::Field(f) => root(&f.base),
        _ => None,
    }
}

/// `|(i, &e)| (i, e)` or `|(i, e)| (i, *e)`: the pair as it is, its value copied (`Some(false)`),
/// or turned round, `|(i, &e)| (e, i)` (`Some(true)`).
fn identity_pair(cl: &syn::ExprClosure) -> Option<bool> {
    let [syn::Pat::Tuple(t)] = &cl.inputs.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let [syn::Pat::Ident(i), second] = &t.elems.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let (e, deref) = match second {
        syn::Pat::Reference(r) => match &*r.pat {
            syn::Pat::Ident(e) => (&e.ident, false),
            _ => return None,
        },
        syn::Pat::Ident(e) => (&e.ident, true),
        _ => return None,
    };
    let syn::Expr::Tuple(body) = super::unparen(&cl.body) else {
        return None;
    };
    let [a, b] = &body.elems.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let is = |x: &syn::Expr, n: &syn::Ident| matches!(super::unparen(x), syn::Expr::Path(p) if p.path.is_ident(n));
    let value = |v: &syn::Expr| match (super::unparen(v), deref) {
        (syn::Expr::Unary(u), true) if matches!(u.op, syn::UnOp::Deref(_)) => is(&u.expr, e),
        (v, false) => is(v, e),
        _ => false,
    };
    if is(a, &i.ident) && value(b) {
        Some(false)
    } else if value(a) && is(b, &i.ident) {
        Some(true)
    } else {
        None
    }
}

/// A `let` of pairs whose every later use is rewritten: the indices in its place.
fn value_pairs_lets(b: &mut syn::Block) {
    let mut k = 0;
    while k < b.stmts.len() {
        let found = match &b.stmts[k] {
            syn::Stmt::Local(l) => super::plain_let(l).and_then(|(id, ty, init)| {
                // (`Vec<(usize, T)>` of a generic float too.)
                let (x, swapped) = pairs_of(init)?;
                let float = |f: &str| f.chars().all(|c| c.is_alphanumeric() || c == '_');
                let typed_ok = ty.is_none_or(|t| {
                    let t = quote!(#t).to_string().replace(' ', "");
                    t == "Vec<_>"
                        || if swapped {
                            t.strip_prefix("Vec<(")
                                .and_then(|r| r.strip_suffix(",usize)>"))
                                .is_some_and(float)
                        } else {
                            t.strip_prefix("Vec<(usize,")
                                .and_then(|r| r.strip_suffix(")>"))
                                .is_some_and(float)
                        }
                });
                typed_ok.then(|| {
                    (
                        id.ident.clone(),
                        id.mutability.is_some(),
                        x.clone(),
                        swapped,
                    )
                })
            }),
            _ => None,
        };
        let Some((name, mutable, x, swapped)) = found else {
            k += 1;
            continue;
        };
        let idx = crate::naming::hidden(&format!("order_{name}"));
        let mut rest: Vec<syn::Stmt> = b.stmts[k + 1..].to_vec();
        let Some(base) = root(&x).cloned() else {
            k += 1;
            continue;
        };
        // A later declaration of the sequence's name (`for xs in 0..n`) is another variable:
        // renamed, so that the reads put there mean the one here.
        crate::desugar::sub_slices::unshadow(&mut rest, &base);
        // (The values are read where the pairs were: nothing after may write or rebind them.)
        let written = rest.iter().any(|s| {
            super::redeclares_reading_macros(s, &[&name, &base])
                || super::closures::touches(s, &std::iter::once(base.to_string()).collect())
        });
        if written {
            k += 1;
            continue;
        }
        let mut u = Uses {
            name: &name,
            idx: &idx,
            x: &x,
            swapped,
            ok: true,
        };
        for s in &mut rest {
            u.visit_stmt_mut(s);
        }
        let still = rest
            .iter()
            .any(|s| super::closures::mentions(std::slice::from_ref(s), &name));
        if !u.ok || still {
            k += 1;
            continue;
        }
        let m = mutable.then(|| quote!(mut));
        let head: syn::Stmt =
            syn::parse_quote!(let #m #idx: ::std::vec::Vec<usize> = (0..#x.len()).collect(););
        b.stmts.truncate(k);
        b.stmts.push(head);
        b.stmts.extend(rest);
        k += 1;
    }
}

/// Rewrites the uses of the pairs `name`; `ok` is cleared by a use it cannot rewrite.
struct Uses<'a> {
    name: &'a syn::Ident,
    idx: &'a syn::Ident,
    x: &'a syn::Expr,
    /// The value first in each pair, the index second.
    swapped: bool,
    ok: bool,
}

impl Uses<'_> {
    fn is_name(&self, e: &syn::Expr) -> bool {
        matches!(super::unparen(e), syn::Expr::Path(p) if p.path.is_ident(self.name))
    }

    /// `v`, `&v`, `v.iter()` followed by `take`/`skip`/`rev`: the pairs in order, as the
    /// same iterator over the indices (`None` when `e` is none of these).
    fn pairs_iter(&self, e: &syn::Expr) -> Option<syn::Expr> {
        let idx = self.idx;
        match super::unparen(e) {
            syn::Expr::Reference(r) if r.mutability.is_none() && self.is_name(&r.expr) => {
                Some(syn::parse_quote!(#idx.iter()))
            }
            syn::Expr::MethodCall(m)
                if m.method == "iter" && m.args.is_empty() && self.is_name(&m.receiver) =>
            {
                Some(syn::parse_quote!(#idx.iter()))
            }
            syn::Expr::MethodCall(m)
                if matches!(m.method.to_string().as_str(), "take" | "skip" | "rev") =>
            {
                let inner = self.pairs_iter(&m.receiver)?;
                let mut m = m.clone();
                *m.receiver = inner;
                Some(syn::Expr::MethodCall(m))
            }
            _ => None,
        }
    }

    /// `v.iter().enumerate()` (any form of [`Uses::pairs_iter`] numbered): the iterator over
    /// the indices.
    fn enumerated(&self, e: &syn::Expr) -> Option<syn::Expr> {
        match super::unparen(e) {
            syn::Expr::MethodCall(m) if m.method == "enumerate" && m.args.is_empty() => {
                self.pairs_iter(&m.receiver)
            }
            _ => None,
        }
    }

    /// The iterator over the indices that `e` stands for, the name of the rank where `e` is
    /// numbered (`pat` is `(r, PAIR)` then), and the pattern of the pair.
    fn numbered<'p>(
        &self,
        e: &syn::Expr,
        pat: &'p syn::Pat,
    ) -> Option<(syn::Expr, Option<&'p syn::Pat>, &'p syn::Pat)> {
        if let Some(iter) = self.pairs_iter(e) {
            return Some((iter, None, pat));
        }
        let iter = self.enumerated(e)?;
        let syn::Pat::Tuple(t) = pat else {
            return None;
        };
        let [rank, pair] = &t.elems.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        Some((iter, Some(*rank), *pair))
    }

    /// A pair pattern's parts: the index's, then the value's.
    fn parts<'t>(&self, t: &'t syn::PatTuple) -> (&'t syn::Pat, &'t syn::Pat) {
        if self.swapped {
            (&t.elems[1], &t.elems[0])
        } else {
            (&t.elems[0], &t.elems[1])
        }
    }

    /// The field of a pair holding the index (`0`, or `1` when [`Uses::swapped`]).
    fn index_field(&self) -> u32 {
        u32::from(self.swapped)
    }

    /// The pattern of a pair (`&(i, e)`, `(i, e)`, or a name `p`) bound from the index `k`:
    /// statements binding what it binds, and for a name the rewrite of `p.0`/`p.1` in `body`.
    fn bind(
        &mut self,
        pat: &syn::Pat,
        k: &syn::Ident,
        body: &mut syn::Expr,
    ) -> Option<Vec<syn::Stmt>> {
        let x = self.x;
        match pat {
            syn::Pat::Reference(r) => match &*r.pat {
                syn::Pat::Tuple(t) if t.elems.len() == 2 => {
                    let (a, b) = self.parts(t);
                    Some(vec![
                        syn::parse_quote!(let #a = #k;),
                        syn::parse_quote!(let #b = #x[#k];),
                    ])
                }
                _ => None,
            },
            syn::Pat::Tuple(t) if t.elems.len() == 2 => {
                let (a, b) = self.parts(t);
                Some(vec![
                    syn::parse_quote!(let #a = &#k;),
                    syn::parse_quote!(let #b = &#x[#k];),
                ])
            }
            syn::Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                let mut f = Fields {
                    p: &p.ident,
                    k,
                    x,
                    swapped: self.swapped,
                    ok: true,
                };
                f.visit_expr_mut(body);
                let left =
                    super::closures::mentions(&[syn::Stmt::Expr(body.clone(), None)], &p.ident);
                (f.ok && !left).then(Vec::new)
            }
            syn::Pat::Wild(_) => Some(Vec::new()),
            _ => None,
        }
    }
}

/// `p.0` → `k`, `p.1` → `x[k]` (`*p.1`, `&p.1` alike; the other way round when `swapped`).
struct Fields<'a> {
    p: &'a syn::Ident,
    k: &'a syn::Ident,
    x: &'a syn::Expr,
    swapped: bool,
    ok: bool,
}

impl VisitMut for Fields<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::Field(f) = e {
            if matches!(super::unparen(&f.base), syn::Expr::Path(q) if q.path.is_ident(self.p)) {
                let (k, x, at) = (self.k, self.x, u32::from(self.swapped));
                match &f.member {
                    syn::Member::Unnamed(i) if i.index == at => *e = syn::parse_quote!(#k),
                    syn::Member::Unnamed(i) if i.index == 1 - at => {
                        *e = syn::parse_quote!(#x[#k]);
                    }
                    _ => self.ok = false,
                }
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

/// Whether `e` is a place in the pairs `name` (`v[k].1`, `v[0]`, `v`).
fn in_pairs(e: &syn::Expr, name: &syn::Ident) -> bool {
    match super::unparen(e) {
        syn::Expr::Path(p) => p.path.is_ident(name),
        syn::Expr::Index(ix) => in_pairs(&ix.expr, name),
        syn::Expr::Field(f) => in_pairs(&f.base, name),
        syn::Expr::Unary(u) => in_pairs(&u.expr, name),
        _ => false,
    }
}

impl VisitMut for Uses<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        let (idx, x) = (self.idx, self.x);
        // A pair written (`v[0].1 = ..`, `v[k].1 *= ..`, `&mut v[0]`): the pairs are a copy of
        // the values, which writes to them leave as they were; not followed.
        let written = match &*e {
            syn::Expr::Assign(a) => in_pairs(&a.left, self.name),
            syn::Expr::Binary(b) => {
                use syn::BinOp::*;
                matches!(
                    b.op,
                    AddAssign(_) | SubAssign(_) | MulAssign(_) | DivAssign(_) | RemAssign(_)
                ) && in_pairs(&b.left, self.name)
            }
            syn::Expr::Reference(r) => r.mutability.is_some() && in_pairs(&r.expr, self.name),
            _ => false,
        };
        if written {
            self.ok = false;
            return;
        }
        match e {
            // `v[k].0`, `v[k].1`.
            syn::Expr::Field(f) => {
                if let syn::Expr::Index(ix) = super::unparen(&f.base) {
                    if self.is_name(&ix.expr) && !matches!(&*ix.index, syn::Expr::Range(_)) {
                        let mut i = (*ix.index).clone();
                        self.visit_expr_mut(&mut i);
                        let at = self.index_field();
                        match &f.member {
                            syn::Member::Unnamed(m) if m.index == at => {
                                *e = syn::parse_quote!(#idx[#i]);
                            }
                            syn::Member::Unnamed(m) if m.index == 1 - at => {
                                *e = syn::parse_quote!(#x[#idx[#i]]);
                            }
                            _ => self.ok = false,
                        }
                        return;
                    }
                }
                syn::visit_mut::visit_expr_mut(self, e);
            }
            // `v.len()`, `v.sort_by(|a, b| ..)`.
            syn::Expr::MethodCall(m) if self.is_name(&m.receiver) => {
                match (m.method.to_string().as_str(), m.args.len()) {
                    ("len", 0) => *e = syn::parse_quote!(#idx.len()),
                    ("sort_by" | "sort_unstable_by", 1) => {
                        let syn::Expr::Closure(cl) = &m.args[0] else {
                            self.ok = false;
                            return;
                        };
                        let [pa, pb] = &cl.inputs.iter().collect::<Vec<_>>()[..] else {
                            self.ok = false;
                            return;
                        };
                        let (ka, kb) = (crate::naming::fresh("a"), crate::naming::fresh("b"));
                        let mut body = (*cl.body).clone();
                        let mut lets = Vec::new();
                        for (p, k) in [(*pa, &ka), (*pb, &kb)] {
                            // (A comparator's pair is a reference: `a.1` reads as `p.1`.)
                            let p = match p {
                                syn::Pat::Reference(r) if matches!(&*r.pat, syn::Pat::Ident(_)) => {
                                    &*r.pat
                                }
                                p => p,
                            };
                            let Some(l) = self.bind(p, k, &mut body) else {
                                self.ok = false;
                                return;
                            };
                            lets.extend(l);
                        }
                        let method = &m.method;
                        *e = syn::parse_quote!(#idx.#method(|&#ka, &#kb| { #(#lets)* #body }));
                    }
                    _ => self.ok = false,
                }
            }
            // `for &(i, e) in &v { .. }` (and `v.iter()`, with `take`/`skip`/`rev`, numbered by
            // `enumerate`).
            syn::Expr::ForLoop(f) => {
                if let Some((iter, rank, pat)) = self.numbered(&f.expr, &f.pat) {
                    let k = crate::naming::fresh("k");
                    let mut body = syn::Expr::Block(syn::ExprBlock {
                        attrs: Vec::new(),
                        label: None,
                        block: f.body.clone(),
                    });
                    let Some(lets) = self.bind(pat, &k, &mut body) else {
                        self.ok = false;
                        return;
                    };
                    self.visit_expr_mut(&mut body);
                    let label = &f.label;
                    *e = match rank {
                        Some(r) => syn::parse_quote!(
                            #label for (#r, &#k) in #iter.enumerate() { #(#lets)* #body }
                        ),
                        None => syn::parse_quote!(#label for &#k in #iter { #(#lets)* #body }),
                    };
                    return;
                }
                syn::visit_mut::visit_expr_mut(self, e);
            }
            // `v.iter().map(|&(i, e)| ..)` (any stage taking the pair, after `take`/`skip`/`rev`,
            // numbered by `enumerate`: `|(r, &(i, e))| ..`).
            syn::Expr::MethodCall(m)
                if m.args.len() == 1
                    && (self.pairs_iter(&m.receiver).is_some()
                        || self.enumerated(&m.receiver).is_some()) =>
            {
                let syn::Expr::Closure(cl) = &m.args[0] else {
                    self.ok = false;
                    return;
                };
                let [p] = &cl.inputs.iter().collect::<Vec<_>>()[..] else {
                    self.ok = false;
                    return;
                };
                let Some((iter, rank, p)) = self.numbered(&m.receiver, p) else {
                    self.ok = false;
                    return;
                };
                let k = crate::naming::fresh("k");
                let mut body = (*cl.body).clone();
                let Some(lets) = self.bind(p, &k, &mut body) else {
                    self.ok = false;
                    return;
                };
                self.visit_expr_mut(&mut body);
                let method = &m.method;
                *e = match rank {
                    Some(r) => syn::parse_quote!(
                        #iter.enumerate().#method(|(#r, &#k)| { #(#lets)* #body })
                    ),
                    None => syn::parse_quote!(#iter.#method(|&#k| { #(#lets)* #body })),
                };
            }
            // `v[k]` whole (`let (i, e) = v[0];`): the pair of its parts, `k` read twice.
            syn::Expr::Index(ix)
                if self.is_name(&ix.expr) && !matches!(&*ix.index, syn::Expr::Range(_)) =>
            {
                let mut i = (*ix.index).clone();
                self.visit_expr_mut(&mut i);
                if !matches!(super::unparen(&i), syn::Expr::Lit(_) | syn::Expr::Path(_)) {
                    self.ok = false;
                    return;
                }
                *e = if self.index_field() == 0 {
                    syn::parse_quote!((#idx[#i], #x[#idx[#i]]))
                } else {
                    syn::parse_quote!((#x[#idx[#i]], #idx[#i]))
                };
            }
            e if self.is_name(e) => self.ok = false,
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        if super::closures::mentions(
            &[syn::Stmt::Macro(syn::StmtMacro {
                attrs: Vec::new(),
                mac: m.clone(),
                semi_token: None,
            })],
            self.name,
        ) {
            self.ok = false;
        }
    }
}
