//! Parts of a model taken by value as arrays: `rotate(cam.w, p)` with `fn rotate(w: [f64; 3], p:
//! [f64; 3])`, `let t: [f64; 3] = cam.t;`. The fields' rewrite reads a model's array field as a
//! slice and a row of a rows field as a buffer, neither of which has the length the array's type
//! says; spelled out element by element (`[cam.w[0], cam.w[1], cam.w[2]]`), the value is an
//! array of either, and the field is read as a sequence.

use super::Root;
use crate::desugar::vector_calls::{array_len, array_params, registered_name};
use std::collections::HashSet;
use syn::visit_mut::VisitMut;

/// Input: a call of a registered `#[gradient]` function (see `vector_calls::ARRAYS`) given, for
/// a parameter it takes as `[T; N]` (or `&[T; N]`, given `&place`), a place of the model (`self.w`, `m.pts[j]`, `*row` of
/// `self.pts.iter()`, `p` of `let p = self.pts[j];`), or `let w: [T; N] = cam.w;` of such a
/// place. Output: the place spelled out, `[p[0], p[1], p[2]]`. Places of data (`cfg.v`, a local
/// array) stay as written.
pub(super) fn spell_out_model_arrays(body: &mut syn::Block, roots: &[Root]) {
    let mut of_model: HashSet<String> = roots.iter().map(|r| r.ident.to_string()).collect();
    // Names bound to parts of the model (`let cam = &self.cams[i];`, `for row in &self.pts`),
    // and to parts of those, until none is added.
    loop {
        let before = of_model.len();
        let mut bind = Bind(&mut of_model);
        syn::visit::Visit::visit_block(&mut bind, body);
        if of_model.len() == before {
            break;
        }
    }
    Spell(&of_model).visit_block_mut(body);
}

struct Bind<'a>(&'a mut HashSet<String>);

impl<'a> syn::visit::Visit<'a> for Bind<'_> {
    fn visit_local(&mut self, l: &'a syn::Local) {
        if let (Some(init), Some(name)) = (&l.init, pat_name(&l.pat)) {
            if root(&init.expr).is_some_and(|r| self.0.contains(&r)) {
                self.0.insert(name);
            }
        }
        syn::visit::visit_local(self, l);
    }
    fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
        if let Some(name) = pat_name(&f.pat) {
            if root(&f.expr).is_some_and(|r| self.0.contains(&r)) {
                self.0.insert(name);
            }
        }
        syn::visit::visit_expr_for_loop(self, f);
    }
    // `self.pts.iter().map(|r| rotate(*r, ..))`: a closure given the model's rows.
    fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
        if root(&m.receiver).is_some_and(|r| self.0.contains(&r)) {
            for a in &m.args {
                if let syn::Expr::Closure(c) = a {
                    if let Some(name) = c.inputs.first().and_then(pat_name) {
                        self.0.insert(name);
                    }
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// The name a plain pattern binds (`p`, `mut p`, `p: [f64; 3]`, `&p`).
fn pat_name(p: &syn::Pat) -> Option<String> {
    match p {
        syn::Pat::Ident(i) if i.subpat.is_none() => Some(i.ident.to_string()),
        syn::Pat::Type(t) => pat_name(&t.pat),
        syn::Pat::Reference(r) => pat_name(&r.pat),
        _ => None,
    }
}

/// The name at the root of a place or of an iteration over one (`self` of `&self.cams[i].w`,
/// `m` of `m.pts.iter()`).
fn root(e: &syn::Expr) -> Option<String> {
    match crate::desugar::unparen(e) {
        syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
        syn::Expr::Field(f) => root(&f.base),
        syn::Expr::Index(i) => root(&i.expr),
        syn::Expr::Reference(r) => root(&r.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => root(&u.expr),
        syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => root(&m.receiver),
        _ => None,
    }
}

struct Spell<'a>(&'a HashSet<String>);

impl VisitMut for Spell<'_> {
    fn visit_expr_call_mut(&mut self, c: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, c);
        let Some(lens) = registered_name(&c.func).and_then(array_params) else {
            return;
        };
        if lens.len() != c.args.len() {
            return;
        }
        for (arg, param) in c.args.iter_mut().zip(lens) {
            match (param, &mut *arg) {
                // `&self.l` to `&[T; N]`: `&[self.l[0], ..]`.
                (Some(p), syn::Expr::Reference(r)) if p.by_ref && r.mutability.is_none() => {
                    spell_out(&mut r.expr, p.len, true, self.0);
                }
                (Some(p), arg) if !p.by_ref => spell_out(arg, p.len, true, self.0),
                _ => {}
            }
        }
    }
    fn visit_local_mut(&mut self, l: &mut syn::Local) {
        syn::visit_mut::visit_local_mut(self, l);
        let syn::Pat::Type(pt) = &l.pat else { return };
        let (Some(n), Some(init)) = (array_len(&pt.ty), &mut l.init) else {
            return;
        };
        if init.diverge.is_none() {
            spell_out(&mut init.expr, n, false, self.0);
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `e` as `[e[0], .., e[n - 1]]` when it is a place of the model (its root in `of_model`): a
/// field, an element, `*row`, or (with `names`) a name.
fn spell_out(e: &mut syn::Expr, n: usize, names: bool, of_model: &HashSet<String>) {
    use crate::desugar::is_place;
    if !root(e).is_some_and(|r| of_model.contains(&r)) {
        return;
    }
    // Read once per element: only places, whose reads change nothing.
    let place = match crate::desugar::unparen(e) {
        syn::Expr::Path(_) if names && is_place(e) => e.clone(),
        syn::Expr::Field(_) | syn::Expr::Index(_) if is_place(e) => e.clone(),
        // `(*row)[k]` is `row[k]`: indexing dereferences.
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) && is_place(&u.expr) => {
            (*u.expr).clone()
        }
        _ => return,
    };
    let elems = (0..n).map(|k| {
        let k = syn::Index::from(k);
        quote::quote!(#place[#k])
    });
    *e = syn::parse_quote!([#(#elems),*]);
}
