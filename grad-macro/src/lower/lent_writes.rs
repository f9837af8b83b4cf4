//! Writes into data lent mutably: `self.calls += 1;` or `self.seen.push(k);` in a `&mut self`
//! method differentiated with respect to its other parameters, `stats.n = k;` and `*count +=
//! 1;` of `&mut` parameters that hold no differentiated float. Each is kept as written, run
//! once, in order, by the forward sweep (as a call of a method that changes the data is), and
//! the reads of that data are taped (see `Func::changed`): read again in the reverse sweep they
//! would give what the data holds at its end. A differentiated value written there is refused:
//! whatever reads it back (this body, or a caller differentiating its own value) sees data.

use super::Lowerer;
use crate::ir::Stmt;
use std::collections::HashSet;
use syn::visit::Visit;

/// The name a place is rooted at (`self` of `self.stats.n[2]`, `count` of `*count`), and
/// whether the place is inside it (not the name itself).
fn root(place: &syn::Expr) -> Option<(&syn::Ident, bool)> {
    match place {
        syn::Expr::Path(p) => p.path.get_ident().map(|i| (i, false)),
        syn::Expr::Field(syn::ExprField { base: inner, .. })
        | syn::Expr::Index(syn::ExprIndex { expr: inner, .. }) => {
            root(inner).map(|(r, _)| (r, true))
        }
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
            root(&u.expr).map(|(r, _)| (r, true))
        }
        syn::Expr::Paren(p) => root(&p.expr),
        _ => None,
    }
}

/// The methods that only write into a collection (`self.history.push(loss)`).
const WRITES: &[&str] = &[
    "push",
    "push_back",
    "push_front",
    "insert",
    "clear",
    "truncate",
    "extend",
    "extend_from_slice",
    "fill",
    "resize",
];

/// The place an assignment writes (`a = ..`, `a += ..`), or a method that only writes calls
/// (`a.push(..)`), with what is written there.
fn assigned(e: &syn::Expr) -> Option<(&syn::Expr, Vec<&syn::Expr>)> {
    match e {
        syn::Expr::Assign(a) => Some((&a.left, vec![&a.right])),
        syn::Expr::Binary(b) if super::expr::is_compound_assign(&b.op) => {
            Some((&b.left, vec![&b.right]))
        }
        syn::Expr::MethodCall(m)
            if m.turbofish.is_none() && WRITES.iter().any(|w| m.method == w) =>
        {
            Some((&m.receiver, m.args.iter().collect()))
        }
        _ => None,
    }
}

/// What the body does with the names of data lent mutably: which it writes by assignment or
/// by a method that only writes (a change [`crate::ir::changed_names`] does not see).
#[derive(Default)]
pub struct LentUses {
    pub written: HashSet<String>,
    /// The body is the twin of a function writing through `&mut` numbers (see `in_out`),
    /// which its wrapper runs twice: its writes into other data would be made twice.
    twin: bool,
}

impl LentUses {
    pub fn of(item: &syn::ItemFn, lent: &HashSet<String>) -> Self {
        struct V<'a> {
            lent: &'a HashSet<String>,
            written: HashSet<String>,
        }
        impl<'a> Visit<'a> for V<'_> {
            fn visit_expr(&mut self, e: &'a syn::Expr) {
                if let Some((place, _)) = assigned(e) {
                    if let Some((r, true)) = root(place) {
                        if self.lent.contains(&r.to_string()) {
                            self.written.insert(r.to_string());
                        }
                    }
                }
                syn::visit::visit_expr(self, e);
            }
        }
        let mut v = V {
            lent,
            written: HashSet::new(),
        };
        v.visit_block(&item.block);
        LentUses {
            written: v.written,
            twin: crate::in_out::is_twin(&item.sig.ident),
        }
    }
}

impl Lowerer<'_> {
    /// `self.calls += 1;` (see the module): `Some` when `e` writes into data lent mutably, kept
    /// as an effect or refused.
    pub(super) fn lent_data_write(&mut self, e: &syn::Expr) -> Option<()> {
        let (place, written) = assigned(e)?;
        let (name, true) = root(place)? else {
            return None;
        };
        let key = name.to_string();
        if !self.b.func.mut_data.contains(&key) || !self.param_names.contains(&key) {
            return None;
        }
        // The parameter itself, not a local of the same name.
        match self.env.lookup(name) {
            Some(super::Binding::Val(v)) if (v.0 as usize) < self.param_vals => {}
            _ => return None,
        }
        if self.lent_uses.twin {
            self.errors.push_spanned(
                e,
                format!("`#[gradient]` cannot keep this write into `{key}`, data lent mutably, in a function that also writes through `&mut` numbers: its generated functions evaluate the body twice (for the derivative, then for those numbers), so the write would be made twice; keep those numbers in `{key}` as well, or count outside the function"),
            );
            return Some(());
        }
        // (A caller differentiating its own value could read the place back after the call,
        // as data: the derivative would be lost there.)
        if written.iter().any(|w| self.reads_differentiated(w)) {
            let shown = quote::ToTokens::to_token_stream(place).to_string();
            self.errors.push_spanned(
                e,
                format!("`#[gradient]` cannot write a differentiated value into `{shown}`, data lent mutably: what reads it back (this body, or a caller that differentiates its own value) would get no derivative through it; write values that are not differentiated (counts, flags), and record a loss after the call (`let l = m.loss_grad(..); m.history.push(l);`)"),
            );
            return Some(());
        }
        let (tokens, uses) = self.rename(e);
        self.b.push(Stmt::Effect { expr: tokens, uses });
        Some(())
    }
}
