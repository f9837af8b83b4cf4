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

    /// `&self.w`, `&p.w[..]`, `p.w.as_slice()`: a field of data lent as a slice (to a helper's
    /// `&[f64]` parameter). A field the body also reads as a number (`&p.b` of `p.b * x`) is a
    /// `&f64` instead.
    pub(super) fn data_field_slice(&self, e: &Expr) -> bool {
        if matches!(e, Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.field_slices.contains(i)))
        {
            return true;
        }
        let field = match e {
            Expr::Reference(r) if r.mutability.is_none() => match &*r.expr {
                Expr::Index(ix) if matches!(&*ix.index, Expr::Range(rg) if rg.start.is_none() && rg.end.is_none()) => {
                    &*ix.expr
                }
                f => f,
            },
            Expr::MethodCall(m) if m.args.is_empty() && m.method == "as_slice" => &*m.receiver,
            _ => return false,
        };
        let Some(path) = field_path(field) else {
            return false;
        };
        !self.number_fields.contains(&path)
    }

    /// Whether a call's argument `e`, of kind `kind`, is data whose type the macro cannot see and
    /// which may be a float sequence where the callee takes one: a reference (`&d.x[i]`,
    /// `&self.w`, `&d.cfg`), a method's result (`d.w.as_slice()`), or a name bound to one or to
    /// an item of data by a loop or a closure (`xi` of `for xi in &self.x`); not a parameter
    /// (whose type the signature writes), a literal, an integer or a `bool`. (Values passed as
    /// they are, `d.k`, `d.y[i]`, are numbers or plain data: the callee takes them so, and a
    /// function of floats and integers has no `NAME__dyn_grad`, see `expand::dyn_grad_head`.)
    pub(super) fn unseen_type(&self, e: &Expr, kind: crate::ir::Kind) -> bool {
        if kind != crate::ir::Kind::Other {
            return false;
        }
        let param = |e: &Expr| {
            matches!(e, Expr::Path(p) if p.path.get_ident().is_some_and(|i| {
                matches!(self.env.lookup(i), Some(super::env::Binding::Val(v)) if (v.0 as usize) < self.param_vals)
            }))
        };
        match crate::desugar::unparen(e) {
            Expr::Reference(r) => {
                let inner = crate::desugar::unparen(&r.expr);
                !matches!(inner, Expr::Lit(_)) && !param(inner)
            }
            // (A float method's result is a float taken by value: `C.asinh()` of a constant.)
            Expr::MethodCall(m) => crate::rules::Prim::from_method(&m.method.to_string()).is_none(),
            e @ Expr::Path(p) => {
                !param(e)
                    && p.path.get_ident().is_some_and(|i| {
                        self.ref_names.contains(i)
                            || matches!(self.env.lookup(i), Some(super::env::Binding::Val(v)) if self.item_vals.contains(&v))
                    })
            }
            // A block's value (a plain method of data inlined, `d.row(i)`): what its tail is.
            Expr::Block(b) if b.label.is_none() => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => self.unseen_type(tail, kind),
                _ => false,
            },
            _ => false,
        }
    }

    /// Records `name` as a row when a `let` binds it to one (of a data rows parameter, or a
    /// field lent as a slice).
    pub(super) fn note_row_let(&mut self, name: &syn::Ident, init: &Expr) {
        let (row, field) = (self.is_data_row(init), self.data_field_slice(init));
        self.row_names.retain(|n| n != name);
        self.field_slices.retain(|n| n != name);
        self.ref_names.retain(|n| n != name);
        // (A float method's result is a float taken by value, `let v = C.log(2.0);`, as in
        // `unseen_type`.)
        let float_method = matches!(crate::desugar::unparen(init), Expr::MethodCall(m)
            if crate::rules::Prim::from_method(&m.method.to_string()).is_some());
        if !float_method
            && matches!(
                crate::desugar::unparen(init),
                Expr::Reference(_) | Expr::MethodCall(_)
            )
        {
            self.ref_names.push(name.clone());
        }
        if row {
            self.row_names.push(name.clone());
        } else if field {
            self.field_slices.push(name.clone());
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

/// `self.w`, `p.layer.w`: a chain of named fields on a name, as a key.
pub(super) fn field_path(e: &Expr) -> Option<String> {
    match e {
        Expr::Field(f) => {
            let syn::Member::Named(m) = &f.member else {
                return None;
            };
            let base = match &*f.base {
                Expr::Path(p) => p.path.get_ident()?.to_string(),
                b => field_path(b)?,
            };
            Some(format!("{base}.{m}"))
        }
        _ => None,
    }
}

/// The field paths of `body` read as numbers: anywhere but borrowed (`&p.w`), indexed
/// (`p.w[i]`), or the receiver of a method (`p.w.len()`, `p.w.iter()`).
pub(super) fn number_fields(body: &syn::Block) -> std::collections::HashSet<String> {
    struct F(std::collections::HashSet<String>);
    impl<'a> syn::visit::Visit<'a> for F {
        fn visit_expr(&mut self, e: &'a Expr) {
            match e {
                Expr::Reference(r) if field_path(&r.expr).is_some() => {}
                Expr::Index(ix) if field_path(&ix.expr).is_some() => self.visit_expr(&ix.index),
                Expr::MethodCall(m) if field_path(&m.receiver).is_some() => {
                    m.args.iter().for_each(|a| self.visit_expr(a));
                }
                Expr::Field(_) if field_path(e).is_some() => {
                    self.0.extend(field_path(e));
                }
                e => syn::visit::visit_expr(self, e),
            }
        }
    }
    let mut f = F(std::collections::HashSet::new());
    syn::visit::Visit::visit_block(&mut f, body);
    f.0
}
