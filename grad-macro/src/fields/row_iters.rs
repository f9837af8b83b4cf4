//! Fields iterated row by row: `for row in &m.w { .. row[j] .. }`, `m.w.iter().zip(&m.b).map(|(row,
//! b)| row.iter()..)`. The iteration alone says a sequence; what the loop or the closure does with
//! each element says whether it is a number or a row. A field whose elements are indexed,
//! iterated or measured is rows, passed to the inner function as rows (see `rows`).

use super::find::{field_path, Found};
use super::Root;
use syn::visit::Visit;

/// The field paths (root, members) that `body` iterates row by row.
pub(super) fn row_iterated(body: &syn::Block, roots: &[Root]) -> Vec<(usize, Vec<syn::Member>)> {
    let mut f = RowIters {
        roots,
        found: Vec::new(),
    };
    f.visit_block(body);
    f.found
}

struct RowIters<'r> {
    roots: &'r [Root],
    found: Vec<(usize, Vec<syn::Member>)>,
}

/// The field a source iterates row by row, and where the row sits in what it yields (see
/// [`crate::rows::row_iteration`]).
fn row_source(e: &syn::Expr, roots: &[Root]) -> Option<(Found, Option<usize>)> {
    let (base, part) = crate::rows::row_iteration(e)?;
    let found = field_path(base, roots).filter(|f| f.index.is_none())?;
    Some((found, part))
}

/// Whether `name` is read as a sequence in `e`: indexed, iterated, measured.
fn read_as_row(e: &syn::Expr, name: &syn::Ident) -> bool {
    crate::desugar::read_as_sequence(&syn::Stmt::Expr(e.clone(), None), name)
}

impl RowIters<'_> {
    fn mark(&mut self, f: Found) {
        let key = (f.root, f.members);
        if !self.found.contains(&key) {
            self.found.push(key);
        }
    }
}

/// Whether `body` reads `name[i][j]`.
fn indexed_twice(body: &syn::Block, name: &syn::Ident) -> bool {
    struct Find<'n>(&'n syn::Ident, bool);
    impl<'a> Visit<'a> for Find<'_> {
        fn visit_expr_index(&mut self, e: &'a syn::ExprIndex) {
            if let syn::Expr::Index(inner) = &*e.expr {
                if matches!(&*inner.expr, syn::Expr::Path(p) if p.path.is_ident(self.0)) {
                    self.1 = true;
                }
            }
            syn::visit::visit_expr_index(self, e);
        }
    }
    let mut f = Find(name, false);
    f.visit_block(body);
    f.1
}

/// The field a `let` binds one row of: `&m.w[i]`, `m.w[i].as_slice()`, `&m.w[i][..]`.
fn row_of_field(e: &syn::Expr, roots: &[Root]) -> Option<Found> {
    field_path(crate::rows::indexed_rows(e)?, roots).filter(|f| f.index.is_none())
}

impl<'a> Visit<'a> for RowIters<'_> {
    fn visit_block(&mut self, b: &'a syn::Block) {
        // `let row = &m.w[i];` read as a sequence in the statements after it.
        for (k, s) in b.stmts.iter().enumerate() {
            let syn::Stmt::Local(l) = s else { continue };
            let Some(init) = &l.init else { continue };
            let Some(found) = row_of_field(&init.expr, self.roots) else {
                continue;
            };
            let Some(name) = crate::rows::row_binding(&l.pat, None) else {
                continue;
            };
            let rest = syn::Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block: syn::Block {
                    brace_token: b.brace_token,
                    stmts: b.stmts[k + 1..].to_vec(),
                },
            });
            if read_as_row(&rest, name) {
                self.mark(found);
            }
        }
        syn::visit::visit_block(self, b);
    }

    fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
        // `for w in m.pos.windows(2) { .. w[1][0] .. }`: pieces of rows, each element a row.
        if let (syn::Expr::MethodCall(m), syn::Pat::Ident(w)) = (&*f.expr, &*f.pat) {
            let piece = ["windows", "chunks", "chunks_exact"]
                .iter()
                .any(|n| m.method == n);
            if let Some(found) = piece
                .then(|| field_path(&m.receiver, self.roots))
                .flatten()
                .filter(|f| f.index.is_none())
            {
                if indexed_twice(&f.body, &w.ident) {
                    self.mark(found);
                }
            }
        }
        if let Some((found, part)) = row_source(&f.expr, self.roots) {
            if crate::rows::row_taken_apart(&f.pat, part) {
                self.mark(found);
            } else if let Some(name) = crate::rows::row_binding(&f.pat, part) {
                let body = syn::Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block: f.body.clone(),
                });
                if read_as_row(&body, name) {
                    self.mark(found);
                }
            }
        }
        syn::visit::visit_expr_for_loop(self, f);
    }

    fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
        // `m.ws.concat()`, `m.ws.as_flattened()`, `m.ws.iter().flatten()`: rows end to end.
        let whole = match m.method.to_string().as_str() {
            "concat" | "as_flattened" if m.args.is_empty() => Some(&*m.receiver),
            "flatten" if m.args.is_empty() => match &*m.receiver {
                syn::Expr::MethodCall(i) if i.method == "iter" && i.args.is_empty() => {
                    Some(&*i.receiver)
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(found) = whole
            .and_then(|r| field_path(r, self.roots))
            .filter(|f| f.index.is_none())
        {
            self.mark(found);
        }
        // `SOURCE.map(|row| ..)` and the other adapters and reductions taking the element.
        if let (Some((found, part)), Some(syn::Expr::Closure(c))) =
            (row_source(&m.receiver, self.roots), m.args.first())
        {
            let first = c.inputs.first();
            if first.is_some_and(|p| crate::rows::row_taken_apart(p, part)) {
                self.mark(found);
            } else if let Some(name) = first.and_then(|p| crate::rows::row_binding(p, part)) {
                if read_as_row(&c.body, name) {
                    self.mark(found);
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_item(&mut self, _: &'a syn::Item) {}
}
