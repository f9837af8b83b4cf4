//! Rows of a rows parameter that is data (`xs: &[Vec<f64>]` outside `wrt`): a row is a slice of
//! floats, but lowering sees it as data of a type it does not know. Passed to a `#[gradient]`
//! helper whose parameter is a differentiated slice (`predict(w, x)` for `x` in `xs`), it needs a
//! gradient buffer like any slice, or the call would miss an argument. The names bound to such
//! rows are tracked here, so that the call gives them one (a scratch buffer, thrown away).

use super::Lowerer;
use syn::Expr;

impl Lowerer<'_> {
    /// Whether `e` is a row of a data rows parameter: `x` bound to one, `xs[i]`, `&xs[i]`,
    /// `xs[i].as_slice()`, `&xs[i][..]`.
    pub(super) fn is_data_row(&self, e: &Expr) -> bool {
        let is = |e: &Expr, names: &[syn::Ident]| matches!(e, Expr::Path(p) if p.path.get_ident().is_some_and(|i| names.contains(i)));
        is(crate::rows::row_view(e), &self.row_names)
            || crate::rows::indexed_rows(e).is_some_and(|xs| is(xs, &self.data_rows))
    }

    /// Records `name` as a row when a `let` binds it to one.
    pub(super) fn note_row_let(&mut self, name: &syn::Ident, init: &Expr) {
        if self.is_data_row(init) {
            self.row_names.push(name.clone());
        } else {
            self.row_names.retain(|n| n != name);
        }
    }

    /// The names a `for` pattern binds to the rows of a data rows parameter it iterates
    /// (`for x in xs`, `&xs`, `xs.iter()`, with `.enumerate()` or `.zip(..)`).
    pub(super) fn loop_row_names(&self, iter: &Expr, pat: &syn::Pat) -> Vec<syn::Ident> {
        let Some((base, part)) = crate::rows::row_iteration(iter) else {
            return Vec::new();
        };
        let rows = matches!(base, Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.data_rows.contains(i)));
        match crate::rows::row_binding(pat, part) {
            Some(name) if rows => vec![name.clone()],
            _ => Vec::new(),
        }
    }
}
