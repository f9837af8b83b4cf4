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

/// How a source iterates a field: the position of the element in the item (`None`: the item
/// itself; `Some(k)`: part `k` of a pair from `enumerate` or `zip`).
fn row_source(e: &syn::Expr, roots: &[Root]) -> Option<(Found, Option<usize>)> {
    let plain = |e: &syn::Expr| -> Option<Found> {
        let e = match e {
            syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
            syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => &*m.receiver,
            _ => return None,
        };
        // `&m.w[..]`: all the rows.
        let e = match e {
            syn::Expr::Index(ix) if matches!(&*ix.index, syn::Expr::Range(r) if r.start.is_none() && r.end.is_none()) => {
                &*ix.expr
            }
            e => e,
        };
        field_path(e, roots).filter(|f| f.index.is_none())
    };
    if let Some(f) = plain(e) {
        return Some((f, None));
    }
    let syn::Expr::MethodCall(m) = e else {
        return None;
    };
    let part = match (m.method.to_string().as_str(), m.args.len()) {
        ("enumerate", 0) => 1,
        ("zip", 1) => 0,
        _ => return None,
    };
    let syn::Expr::MethodCall(it) = &*m.receiver else {
        return None;
    };
    if it.method != "iter" || !it.args.is_empty() {
        return None;
    }
    let f = field_path(&it.receiver, roots).filter(|f| f.index.is_none())?;
    Some((f, Some(part)))
}

/// The name a pattern binds for the element (part `part` of a pair, or the whole item).
fn element_name(pat: &syn::Pat, part: Option<usize>) -> Option<&syn::Ident> {
    let pat = match pat {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    let pat = match (pat, part) {
        (p, None) => p,
        (syn::Pat::Tuple(t), Some(k)) if t.elems.len() == 2 => &t.elems[k],
        _ => return None,
    };
    let pat = match pat {
        syn::Pat::Reference(r) => &*r.pat,
        p => p,
    };
    match pat {
        syn::Pat::Ident(i) if i.subpat.is_none() => Some(&i.ident),
        _ => None,
    }
}

/// Whether `name` is read as a sequence in `e`: indexed, iterated, measured.
fn read_as_row(e: &syn::Expr, name: &syn::Ident) -> bool {
    struct Find<'a> {
        name: &'a syn::Ident,
        found: bool,
    }
    impl<'a> Visit<'a> for Find<'_> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            let is_name = |e: &syn::Expr| {
                let e = match e {
                    syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &*u.expr,
                    e => e,
                };
                matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.name))
            };
            match e {
                syn::Expr::Index(i) if is_name(&i.expr) => self.found = true,
                syn::Expr::MethodCall(m)
                    if is_name(&m.receiver)
                        && [
                            "iter",
                            "len",
                            "into_iter",
                            "windows",
                            "chunks",
                            "first",
                            "last",
                        ]
                        .iter()
                        .any(|n| m.method == n) =>
                {
                    self.found = true;
                }
                syn::Expr::ForLoop(f)
                    if is_name(&f.expr)
                        || matches!(&*f.expr, syn::Expr::Reference(r) if is_name(&r.expr)) =>
                {
                    self.found = true;
                }
                _ => {}
            }
            syn::visit::visit_expr(self, e);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find { name, found: false };
    f.visit_expr(e);
    f.found
}

impl RowIters<'_> {
    fn mark(&mut self, f: Found) {
        let key = (f.root, f.members);
        if !self.found.contains(&key) {
            self.found.push(key);
        }
    }
}

/// The field a `let` binds one row of: `&m.w[i]`, `m.w[i].as_slice()`, `&m.w[i][..]`.
fn row_of_field(e: &syn::Expr, roots: &[Root]) -> Option<Found> {
    match e {
        syn::Expr::Reference(r) if r.mutability.is_none() => row_of_field(&r.expr, roots),
        syn::Expr::Paren(p) => row_of_field(&p.expr, roots),
        syn::Expr::MethodCall(m) if m.method == "as_slice" && m.args.is_empty() => {
            row_of_field(&m.receiver, roots)
        }
        syn::Expr::Index(ix) => match &*ix.index {
            syn::Expr::Range(r) if r.start.is_none() && r.end.is_none() => {
                row_of_field(&ix.expr, roots)
            }
            syn::Expr::Range(_) => None,
            _ => field_path(&ix.expr, roots).filter(|f| f.index.is_none()),
        },
        _ => None,
    }
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
            let Some(name) = element_name(&l.pat, None) else {
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
        if let Some((found, part)) = row_source(&f.expr, self.roots) {
            if let Some(name) = element_name(&f.pat, part) {
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
        // `SOURCE.map(|row| ..)` and the other adapters and reductions taking the element.
        if let (Some((found, part)), Some(syn::Expr::Closure(c))) =
            (row_source(&m.receiver, self.roots), m.args.first())
        {
            if let Some(name) = c.inputs.first().and_then(|p| element_name(p, part)) {
                if read_as_row(&c.body, name) {
                    self.mark(found);
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_item(&mut self, _: &'a syn::Item) {}
}
