//! Constant tables written as nested vectors (`let m = vec![vec![1.0, 2.0], vec![0.5, -1.0]];`,
//! `vec![[1.0, 2.0], [0.5, -1.0]]`), only read: the same table as an array of arrays, the form
//! the engine reads as a constant matrix anywhere (indexed, iterated by row, zipped).

use syn::visit::Visit;

/// Rewrites every such `let` of `body` (see [`table`]).
pub fn rewrite(body: &mut syn::Block) {
    super::each_block_inner_first(body, |b| {
        for k in 0..b.stmts.len() {
            let syn::Stmt::Local(l) = &b.stmts[k] else {
                continue;
            };
            let Some((id, ty, init)) = super::plain_let(l) else {
                continue;
            };
            let element = match ty {
                None => None,
                Some(t) => match row_element(t) {
                    Some(e) => Some(e),
                    None => continue,
                },
            };
            if id.mutability.is_some() {
                continue;
            }
            let Some((array, rows, cols)) = table(init) else {
                continue;
            };
            let name = id.ident.clone();
            if !only_read(&name, &b.stmts[k + 1..]) {
                continue;
            }
            let attrs = &l.attrs;
            // (An element type written, `Vec<Vec<usize>>`, is kept: integers of another type
            // would wrap elsewhere.)
            b.stmts[k] = match element {
                Some(e) => syn::parse_quote!(#(#attrs)* let #name: [[#e; #cols]; #rows] = #array;),
                None => syn::parse_quote!(#(#attrs)* let #name = #array;),
            };
        }
    });
}

/// The element type of a vector of rows (`Vec<Vec<f64>>`, `Vec<[usize; 2]>`), which the array
/// the rewrite makes holds too; `_` where it is left to infer.
fn row_element(t: &syn::Type) -> Option<syn::Type> {
    let row = crate::rows::vec_elem(t)?;
    match row {
        syn::Type::Array(a) => Some((*a.elem).clone()),
        syn::Type::Infer(_) => Some(row.clone()),
        r => crate::rows::vec_elem(r).cloned(),
    }
}

/// Input: `vec![ROW, ..]` with at least one row, each `vec![C, ..]` or `[C, ..]` of the same
/// length, every `C` a number (`1.5`, `-2.0`, `3`) or a constant named in capitals (`SCALE`,
/// `std::f64::consts::PI`). Output: `[[C, ..], ..]`.
/// Also the counts of rows and columns.
fn table(e: &syn::Expr) -> Option<(syn::Expr, usize, usize)> {
    let rows = vec_items(e)?;
    let mut out = Vec::new();
    for r in &rows {
        let items = match r {
            syn::Expr::Array(a) => a.elems.iter().cloned().collect(),
            r => vec_items(r)?,
        };
        if items.is_empty() || !items.iter().all(constant) {
            return None;
        }
        out.push(items);
    }
    if out.is_empty() || out.iter().any(|r| r.len() != out[0].len()) {
        return None;
    }
    let (rows, cols) = (out.len(), out[0].len());
    let each = out.iter().map(|r| quote::quote!([#(#r),*]));
    Some((syn::parse2(quote::quote!([#(#each),*])).ok()?, rows, cols))
}

/// The items of `vec![a, b, ..]` (not the `vec![v; n]` form).
fn vec_items(e: &syn::Expr) -> Option<Vec<syn::Expr>> {
    Some(
        crate::lower::vec_list(super::unparen(e))?
            .elems
            .into_iter()
            .collect(),
    )
}

/// A number or a constant (see [`table`]), also converted to a generic float (`T::from(0.5)
/// .unwrap()`, `num_traits::cast::<_, T>(0.5).unwrap()`): an expression of literals, constants
/// named in capitals and paths of types and functions, reading no local.
fn constant(e: &syn::Expr) -> bool {
    match super::unparen(e) {
        syn::Expr::Lit(l) => matches!(l.lit, syn::Lit::Float(_) | syn::Lit::Int(_)),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => constant(&u.expr),
        syn::Expr::Path(p) => {
            p.path.segments.len() > 1
                || p.path.segments.last().is_some_and(|s| {
                    let n = s.ident.to_string();
                    n.chars().any(|c| c.is_ascii_uppercase())
                        && !n.chars().any(|c| c.is_ascii_lowercase())
                })
        }
        syn::Expr::Call(c) => {
            matches!(&*c.func, syn::Expr::Path(p) if p.path.segments.len() > 1)
                && c.args.iter().all(constant_arg)
        }
        syn::Expr::MethodCall(m) => constant(&m.receiver) && m.args.iter().all(constant_arg),
        _ => false,
    }
}

/// An argument of a conversion in [`constant`]: a constant or a string (`.expect("..")`).
fn constant_arg(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Lit(l) if matches!(l.lit, syn::Lit::Str(_))) || constant(e)
}

/// Whether every read of `name` in `rest` is one an array of arrays gives as a vector of rows
/// would: an element or row by index, `len`/`is_empty`/`iter`/`first`/`last`/`get`, the
/// sequence of a `for` (`for r in &m`) or the argument of a `zip`; and no statement declares it
/// again.
fn only_read(name: &syn::Ident, rest: &[syn::Stmt]) -> bool {
    struct Reads<'a> {
        name: &'a syn::Ident,
        ok: bool,
    }
    impl Reads<'_> {
        fn is_name(&self, e: &syn::Expr) -> bool {
            let e = match super::unparen(e) {
                syn::Expr::Reference(r) if r.mutability.is_none() => super::unparen(&r.expr),
                e => e,
            };
            matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.name))
        }
    }
    impl<'a> Visit<'a> for Reads<'_> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            match e {
                syn::Expr::Index(i) if self.is_name(&i.expr) => {
                    if matches!(&*i.expr, syn::Expr::Reference(_)) {
                        self.ok = false;
                    }
                    return self.visit_expr(&i.index);
                }
                syn::Expr::MethodCall(m)
                    if self.is_name(&m.receiver)
                        && !matches!(&*m.receiver, syn::Expr::Reference(_))
                        && ["len", "is_empty", "iter", "first", "last", "get"]
                            .iter()
                            .any(|n| m.method == n) =>
                {
                    for a in &m.args {
                        self.visit_expr(a);
                    }
                    return;
                }
                syn::Expr::MethodCall(m) if m.method == "zip" && m.args.len() == 1 => {
                    self.visit_expr(&m.receiver);
                    if !self.is_name(&m.args[0]) {
                        self.visit_expr(&m.args[0]);
                    }
                    return;
                }
                syn::Expr::ForLoop(f) if self.is_name(&f.expr) => {
                    return self.visit_block(&f.body);
                }
                syn::Expr::Path(p) if p.path.is_ident(self.name) => self.ok = false,
                _ => {}
            }
            syn::visit::visit_expr(self, e);
        }
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            self.ok &= p.ident != *self.name;
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            self.ok &= !super::mentions(&m.tokens, self.name);
        }
    }
    let mut r = Reads { name, ok: true };
    for s in rest {
        r.visit_stmt(s);
    }
    r.ok
}
