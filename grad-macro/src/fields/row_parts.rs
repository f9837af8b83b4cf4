//! A rows field of the elements of a `Vec` of structs (`m.layers[_].w`) is one rows leaf `W`, the
//! rows of every element end to end; the rewrite of the fields reads element `l`'s rows as the
//! part `W[OFFS[l]..OFFS[l + 1]]`. This pass writes each read of a part in a form the rows'
//! rewrite follows: a row by its position among all the rows.

use proc_macro2::{Ident, Span};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// Input: reads of `names`' parts `W[a..b]`: `W[a..b][i]`, `W[a..b].len()`, `.is_empty()`;
/// `let w = &W[a..b];` and its reads; `for (row, b) in W[a..b].iter().zip(z)`;
/// `W[a..b].iter().map(|row| ..)` (also after `.enumerate()` or `.zip(z)`, and `for_each`,
/// `fold`). Output: `W[(a) + (i)]`, `((b) - (a))`, `((b) == (a))`; the reads of `w` as reads of
/// the part; `for K in 0..min(b - a, z.len()) { let row = &W[a + K]; let b = &z[K]; .. }`;
/// `(a..b).map(|K| { let row = &W[K]; .. })`. Loops over a part with position adapters (`for
/// row in &W[a..b]`, `.iter().enumerate()`, `.rev()`, `.skip(k)`, ..) stay: the rows'
/// rewrite follows them. Returns the spans of the reads left in another form, with the name of
/// their leaf: an error each.
pub(super) fn parts_of_rows(body: &mut syn::Block, names: &[Ident]) -> Vec<(Span, Ident)> {
    Aliases(names).visit_block_mut(body);
    Parts(names).visit_block_mut(body);
    let mut left = Left {
        names,
        out: Vec::new(),
    };
    left.visit_block(body);
    left.out
}

/// `(W, a, b)` of `W[a..b]` (or `&W[a..b]`, in parentheses or not) of one of the names.
fn part<'e>(e: &'e syn::Expr, names: &[Ident]) -> Option<(&'e syn::Expr, syn::Expr, syn::Expr)> {
    let e = match crate::desugar::unparen(e) {
        syn::Expr::Reference(r) if r.mutability.is_none() => crate::desugar::unparen(&r.expr),
        e => e,
    };
    let syn::Expr::Index(ix) = e else {
        return None;
    };
    let syn::Expr::Path(p) = &*ix.expr else {
        return None;
    };
    if !p.path.get_ident().is_some_and(|i| names.contains(i)) {
        return None;
    }
    match &*ix.index {
        syn::Expr::Range(syn::ExprRange {
            start: Some(a),
            end: Some(b),
            limits: syn::RangeLimits::HalfOpen(_),
            ..
        }) => Some((&ix.expr, (**a).clone(), (**b).clone())),
        _ => None,
    }
}

/// `let w = &W[a..b];` (not `mut`, the name not declared again after it): the reads of `w` in
/// the rest of the block as reads of the part (`(&W[a..b])`), the `let` gone.
struct Aliases<'a>(&'a [Ident]);

impl VisitMut for Aliases<'_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let mut k = 0;
        while k < b.stmts.len() {
            let found = match &b.stmts[k] {
                syn::Stmt::Local(l) => alias(l, self.0),
                _ => None,
            };
            match found {
                Some((name, value)) if !super::aliases::binds(&b.stmts[k + 1..], &name) => {
                    b.stmts.remove(k);
                    let mut sub = Substitute {
                        name: &name,
                        value: &value,
                    };
                    for s in &mut b.stmts[k..] {
                        sub.visit_stmt_mut(s);
                    }
                }
                _ => k += 1,
            }
        }
        syn::visit_mut::visit_block_mut(self, b);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `let w = &W[a..b];`: `w` and the part, parenthesized.
fn alias(l: &syn::Local, names: &[Ident]) -> Option<(Ident, syn::Expr)> {
    let (p, _, value) = crate::desugar::plain_let(l)?;
    if p.mutability.is_some() {
        return None;
    }
    let syn::Expr::Reference(r) = crate::desugar::unparen(value) else {
        return None;
    };
    part(&r.expr, names)?;
    Some((p.ident.clone(), syn::parse_quote!((#value))))
}

/// Every read of `name` as `value` (a `for` over it, as the part itself: `for row in &W[a..b]`).
struct Substitute<'a> {
    name: &'a Ident,
    value: &'a syn::Expr,
}

impl VisitMut for Substitute<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::ForLoop(f) = e {
            if matches!(&*f.expr, syn::Expr::Path(p) if p.path.is_ident(self.name)) {
                *f.expr = crate::desugar::unparen(self.value).clone();
            }
        }
        if matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.name)) {
            *e = self.value.clone();
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    // (`vec![0.0; w.len()]`: the count too.)
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        super::with_vec_exprs(m, |e| self.visit_expr_mut(e));
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

struct Parts<'a>(&'a [Ident]);

impl Parts<'_> {
    /// Input: `for (row, b) in W[a..b].iter().zip(Z) { body }` (`&W[a..b]`; `Z` a sequence
    /// as `&z`, `z.iter()` or `z`). Output: `for K in 0..min(b - a, z.len()) { let row = &W[a +
    /// K]; let b = &z[K]; body }`: the rows by position (a layer's rows zipped with its biases).
    fn zipped_part(&self, e: &syn::Expr) -> Option<syn::Expr> {
        let syn::Expr::ForLoop(f) = e else {
            return None;
        };
        let syn::Pat::Tuple(t) = &*f.pat else {
            return None;
        };
        if t.elems.len() != 2 {
            return None;
        }
        let (p_row, p_other) = (&t.elems[0], &t.elems[1]);
        let syn::Expr::MethodCall(zip) = &*f.expr else {
            return None;
        };
        if zip.method != "zip" || zip.args.len() != 1 {
            return None;
        }
        let (w, a, b) = self.iterated(&zip.receiver)?;
        let z = sequence(&zip.args[0])?;
        // (The bounds are offsets of an element's index, data read again where needed: a
        // block of `let`s around the loop would hide it from the rewrites of pushes in it.)
        let k = crate::naming::fresh("part_at");
        let (label, body) = (&f.label, &f.body.stmts);
        Some(syn::parse_quote!(
            #label for #k in 0..::core::cmp::min((#b) - (#a), #z.len()) {
                let #p_row = &#w[(#a) + #k];
                let #p_other = &#z[#k];
                #(#body)*
            }
        ))
    }

    /// `(W, a, b)` of `W[a..b].iter()` or `&W[a..b]`.
    fn iterated<'e>(&self, e: &'e syn::Expr) -> Option<(&'e syn::Expr, syn::Expr, syn::Expr)> {
        match crate::desugar::unparen(e) {
            syn::Expr::MethodCall(it) if it.method == "iter" && it.args.is_empty() => {
                part(&it.receiver, self.0)
            }
            r @ syn::Expr::Reference(_) => part(r, self.0),
            _ => None,
        }
    }

    /// Input: `W[a..b].iter().map(|row| B)` (`.enumerate()` or `.zip(Z)` before the `map`,
    /// `for_each` or `fold(init, |acc, row| B)` in its place). Output: `(a..b).map(|K| { let row
    /// = &W[K]; B })` (`(a..b).enumerate().map(|(i, K)| ..)`, `(a..b).zip(Z).map(|(K, z)| ..)`):
    /// each row by its position, which a closure reads as the rows' rewrite follows.
    fn mapped_part(&self, e: &syn::Expr) -> Option<syn::Expr> {
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        let at = match m.method.to_string().as_str() {
            "map" | "for_each" if m.args.len() == 1 => 0,
            "fold" if m.args.len() == 2 => 1,
            _ => return None,
        };
        let syn::Expr::Closure(cl) = &m.args[at] else {
            return None;
        };
        // The source, and where the row is in the item: the item, or a part of a pair.
        let (source, row_in_pair): (syn::Expr, Option<usize>) =
            match crate::desugar::unparen(&m.receiver) {
                syn::Expr::MethodCall(s) if s.method == "enumerate" && s.args.is_empty() => {
                    let (_, a, b) = self.iterated(&s.receiver)?;
                    (syn::parse_quote!((#a..#b).enumerate()), Some(1))
                }
                syn::Expr::MethodCall(s) if s.method == "zip" && s.args.len() == 1 => {
                    let (_, a, b) = self.iterated(&s.receiver)?;
                    let z = &s.args[0];
                    (syn::parse_quote!((#a..#b).zip(#z)), Some(0))
                }
                // (Through `.rev()`, `.skip(k)`, `.take(k)`, `.step_by(k)`: the same picks of
                // the positions.)
                r => {
                    let (inner, adapters) = adapted(r);
                    let (_, a, b) = self.iterated(inner)?;
                    let mut range: syn::Expr = syn::parse_quote!((#a..#b));
                    for ad in adapters.iter().rev() {
                        let (method, args) = (&ad.method, &ad.args);
                        range = syn::parse_quote!(#range.#method(#args));
                    }
                    (range, None)
                }
            };
        let w = match crate::desugar::unparen(&m.receiver) {
            syn::Expr::MethodCall(s) if s.method == "enumerate" || s.method == "zip" => {
                self.iterated(&s.receiver)?.0.clone()
            }
            r => self.iterated(adapted(r).0)?.0.clone(),
        };
        let item = cl.inputs.iter().nth(at)?;
        let k = crate::naming::fresh("row_pos");
        let (row, new_item): (&syn::Pat, syn::Pat) = match (row_in_pair, item) {
            (None, p) => (p, syn::parse_quote!(#k)),
            (Some(i), syn::Pat::Tuple(t)) if t.elems.len() == 2 => {
                let mut t2 = t.clone();
                t2.elems[i] = syn::parse_quote!(#k);
                (&t.elems[i], syn::Pat::Tuple(t2))
            }
            _ => return None,
        };
        let mut cl2 = cl.clone();
        cl2.inputs[at] = new_item;
        let body = &cl.body;
        *cl2.body = syn::parse_quote!({ let #row = &#w[#k]; #body });
        let mut m2 = m.clone();
        *m2.receiver = source;
        m2.args[at] = syn::Expr::Closure(cl2);
        Some(syn::Expr::MethodCall(m2))
    }
}

/// `e` without the `.rev()`, `.skip(k)`, `.take(k)`, `.step_by(k)` after it, and those, outermost
/// first.
fn adapted(mut e: &syn::Expr) -> (&syn::Expr, Vec<&syn::ExprMethodCall>) {
    let mut adapters = Vec::new();
    while let syn::Expr::MethodCall(m) = crate::desugar::unparen(e) {
        match (m.method.to_string().as_str(), m.args.len()) {
            ("rev", 0) | ("skip" | "take" | "step_by", 1) => {
                adapters.push(m);
                e = &m.receiver;
            }
            _ => break,
        }
    }
    (e, adapters)
}

/// `z` of `&z`, `z.iter()` or `z` (a name, an element, a field).
fn sequence(e: &syn::Expr) -> Option<&syn::Expr> {
    match crate::desugar::unparen(e) {
        syn::Expr::MethodCall(it) if it.method == "iter" && it.args.is_empty() => {
            Some(&*it.receiver)
        }
        syn::Expr::Reference(r) if r.mutability.is_none() => Some(&*r.expr),
        z @ (syn::Expr::Path(_) | syn::Expr::Index(_) | syn::Expr::Field(_)) => Some(z),
        _ => None,
    }
}

impl VisitMut for Parts<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        if let Some(by_index) = self.zipped_part(e).or_else(|| self.mapped_part(e)) {
            *e = by_index;
            return;
        }
        match e {
            syn::Expr::Index(ix) if !matches!(&*ix.index, syn::Expr::Range(_)) => {
                if let Some((w, a, _)) = part(&ix.expr, self.0) {
                    let (w, i) = (w.clone(), &ix.index);
                    *e = syn::parse_quote!(#w[(#a) + (#i)]);
                }
            }
            syn::Expr::MethodCall(m) if m.args.is_empty() => {
                if let Some((_, a, b)) = part(&m.receiver, self.0) {
                    if m.method == "len" {
                        *e = syn::parse_quote!(((#b) - (#a)));
                    } else if m.method == "is_empty" {
                        *e = syn::parse_quote!(((#b) == (#a)));
                    }
                }
            }
            _ => {}
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    // `vec![0.0; layer.w.len()]`: the count too.
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        super::with_vec_exprs(m, |e| self.visit_expr_mut(e));
    }
}

/// The parts left: each one not the iterable of a `for` (`&W[a..b]`, `W[a..b].iter()`, then
/// `.enumerate()`, `.rev()`, `.skip(k)`, `.take(k)`, `.step_by(k)`).
struct Left<'a> {
    names: &'a [Ident],
    out: Vec<(Span, Ident)>,
}

impl<'a> Visit<'a> for Left<'_> {
    fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
        let (it, _) = crate::desugar::positional_source(&f.expr);
        let looped = match crate::desugar::unparen(it) {
            syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => {
                part(&m.receiver, self.names).is_some()
            }
            r @ syn::Expr::Reference(_) => part(r, self.names).is_some(),
            _ => false,
        };
        if !looped {
            self.visit_expr(&f.expr);
        }
        self.visit_block(&f.body);
    }
    fn visit_expr(&mut self, e: &'a syn::Expr) {
        if let Some((w, ..)) = part(e, self.names) {
            if let syn::Expr::Path(p) = w {
                if let Some(id) = p.path.get_ident() {
                    self.out.push((e.span(), id.clone()));
                }
            }
            return;
        }
        syn::visit::visit_expr(self, e);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
    fn visit_macro(&mut self, m: &'a syn::Macro) {
        for e in crate::desugar::vec_parts_read(m) {
            self.visit_expr(&e);
        }
    }
}
