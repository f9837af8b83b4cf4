//! Other names of differentiated rows: a nested function given them (`fn dense(w: &[Vec<f64>],
//! x: &[f64]) -> Vec<f64>`, declared in the body or a helper of the module without
//! `#[gradient]` copied into it, see `plain_helpers`; a model's rows field passed to it,
//! `dense(&self.w1, x)`), and a local bound to them (`let w = &m.w1;`, `let w = w1;`). The rows'
//! rewrite follows reads of the parameter's own name, so the function is inlined first (its
//! parameter becomes such a local) and each local that only names the rows again is replaced by
//! them, as `fields::aliases` does for a model.

use proc_macro2::Ident;
use std::collections::HashSet;
use syn::visit_mut::VisitMut;

/// `body` with the other names of the rows `rows` (see the module's documentation) read as the
/// rows themselves.
pub fn resolve(body: &mut syn::Block, rows: &[Ident], type_params: &HashSet<String>) {
    struct Inline<'a> {
        rows: &'a [Ident],
        type_params: &'a HashSet<String>,
    }
    impl VisitMut for Inline<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            let takes_rows = b.stmts.iter().any(|s| match s {
                syn::Stmt::Item(syn::Item::Fn(f)) => f
                    .sig
                    .inputs
                    .iter()
                    .any(|a| matches!(a, syn::FnArg::Typed(t) if crate::rows::is_rows(&t.ty))),
                _ => false,
            });
            if takes_rows && passes_rows(b, self.rows) {
                crate::desugar::closures::inline_fn_items(b, self.type_params);
            }
            syn::visit_mut::visit_block_mut(self, b);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    // The user's own other names first (`let w = &m.w1; dense(w, x)` passes the rows), then the
    // inlined functions' parameters.
    substitute_all(body, rows);
    Inline { rows, type_params }.visit_block_mut(body);
    substitute_all(body, rows);
}

/// [`substitute`] in every block of `body`, outer blocks first (an inlined function's `let w =
/// w1;` names rows that an inner one's `let v = w;` then names again).
fn substitute_all(body: &mut syn::Block, rows: &[Ident]) {
    struct Blocks<'a>(&'a [Ident]);
    impl VisitMut for Blocks<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            substitute(b, self.0);
            syn::visit_mut::visit_block_mut(self, b);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Blocks(rows).visit_block_mut(body);
}

/// Whether a statement of `b` passes one of the rows, or a range of them, to a call
/// (`dense(w1, x)`, `dense(&m.w1, x)` once the model's field is a parameter, `dense(&w1[1..],
/// x)`).
fn passes_rows(b: &syn::Block, rows: &[Ident]) -> bool {
    struct Find<'a>(&'a [Ident], bool);
    impl<'a> syn::visit::Visit<'a> for Find<'_> {
        fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
            // (A range of them too, `dense(&w[1..], x)`: the inlined parameter names that part.)
            self.1 |= c.args.iter().any(|a| {
                named_rows(a, self.0).is_some()
                    || self
                        .0
                        .iter()
                        .any(|w| crate::desugar::refs::sub_rows(a, w).is_some())
            });
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut f = Find(rows, false);
    for s in &b.stmts {
        syn::visit::Visit::visit_stmt(&mut f, s);
    }
    f.1
}

/// The rows `e` names whole: `w`, `&w`, `&*w`, `&w[..]`, `w.as_slice()`.
fn named_rows<'r>(e: &syn::Expr, rows: &'r [Ident]) -> Option<&'r Ident> {
    match e {
        syn::Expr::Paren(p) => named_rows(&p.expr, rows),
        syn::Expr::Reference(r) if r.mutability.is_none() => named_rows(&r.expr, rows),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => named_rows(&u.expr, rows),
        syn::Expr::Index(i) if matches!(&*i.index, syn::Expr::Range(r) if r.start.is_none() && r.end.is_none()) => {
            named_rows(&i.expr, rows)
        }
        syn::Expr::MethodCall(m) if m.method == "as_slice" && m.args.is_empty() => {
            named_rows(&m.receiver, rows)
        }
        syn::Expr::Path(p) if p.qself.is_none() => {
            let id = p.path.get_ident()?;
            rows.iter().find(|r| *r == id)
        }
        _ => None,
    }
}

/// Input: `let v = w;` (`let v: &[Vec<f64>] = &w[..];`, any form of [`named_rows`]) of rows `w`,
/// in `b`, then reads of `v`. Output: the reads of `w` itself, the `let` gone. Left as written
/// where a later statement declares `v` again.
fn substitute(b: &mut syn::Block, rows: &[Ident]) {
    let mut k = 0;
    while k < b.stmts.len() {
        let syn::Stmt::Local(l) = &b.stmts[k] else {
            k += 1;
            continue;
        };
        let Some((id, _, init)) = crate::desugar::plain_let(l) else {
            k += 1;
            continue;
        };
        let (Some(w), None) = (named_rows(init, rows), id.mutability) else {
            k += 1;
            continue;
        };
        let (name, w) = (id.ident.clone(), w.clone());
        // A later declaration of the rows' own name (`let w1 = 2.0;` in an inlined helper's
        // body) would take the reads renamed to it.
        if b.stmts[k + 1..]
            .iter()
            .any(|s| crate::desugar::redeclares(s, &[&w]))
        {
            k += 1;
            continue;
        }
        // (A macro other than `vec!` naming it, `println!("{v:?}")`, would not follow.)
        struct Rename<'a>(&'a Ident, &'a Ident, bool);
        impl VisitMut for Rename<'_> {
            fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
                if p.qself.is_none() && p.path.is_ident(self.0) {
                    let w = self.1;
                    p.path = syn::parse_quote!(#w);
                }
            }
            fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
                if m.path.is_ident("vec") {
                    crate::desugar::vec_parts(m, |e| self.visit_expr_mut(e));
                    return;
                }
                self.2 |= crate::desugar::mentions(&m.tokens, self.0);
            }
            fn visit_item_mut(&mut self, _: &mut syn::Item) {}
        }
        let mut r = Rename(&name, &w, false);
        let rest = &mut b.stmts[k + 1..];
        if crate::desugar::rewrite_rest(rest, &name, &mut r, |r| !r.2).is_some() {
            b.stmts.remove(k);
        } else {
            k += 1;
        }
    }
}
