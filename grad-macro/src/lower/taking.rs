//! `let x = v.pop();`, `let kept = v.split_off(n);`, `let fresh = seen.insert(k);` (and, by
//! `desugar::hoist`, the same calls in conditions, scrutinees and assignments): a value taken out
//! of a local, and the local changed. Kept as written, the call would run on a value the
//! expansion holds immutably (and again wherever its result is read).

use super::{Binding, Lowerer, Value};
use crate::ir::Kind;
use quote::quote;
use syn::spanned::Spanned;

impl Lowerer<'_> {
    /// A `let` whose value takes something out of a local (see the module): its binding, or
    /// `None` when `init` is no such value. Of data (see `data_let`), the value `taken_value`
    /// gives, bound as data of the type written. Of a `Vec` buffer of floats: `split_off(n)` is
    /// a copy of `v[n..]` then `v.truncate(n)`, and `pop().unwrap()` the last element then
    /// `v.truncate(v.len() - 1)`.
    pub(super) fn taking_let(
        &mut self,
        ident: &syn::Ident,
        init: &syn::Expr,
        ty: Option<&syn::Type>,
    ) -> Option<Binding> {
        let call = taking_call(init)?;
        let syn::Expr::Path(p) = crate::desugar::unparen(&call.receiver) else {
            return None;
        };
        let id = p.path.get_ident()?;
        match self.env.lookup(id)? {
            Binding::Val(v) => {
                // The call itself is `taken_value`'s; the value is bound as data of the type
                // written.
                let floats = *self.data_values.get(&v)?;
                let Some(Value::Other { tokens, uses, kind }) = self.lower_expr(init) else {
                    return Some(Binding::Poisoned);
                };
                let taken = self.b.opaque(kind, ty.cloned(), tokens, uses, init.span());
                if kind == Kind::Other {
                    self.data_values.insert(taken, floats);
                }
                Some(Binding::Val(taken))
            }
            Binding::Seq(s) if self.b.func.seq(s).buffer && !self.arrays.contains(&s) => {
                let (value, rest): (syn::Expr, syn::Expr) = match (&call.method, &call.args) {
                    (m, args)
                        if m == "split_off" && args.len() == 1 && init == &*call_expr(call) =>
                    {
                        let n = &args[0];
                        let k = crate::naming::fresh("k");
                        let syn::Stmt::Local(local) = syn::parse_quote_spanned!(init.span()=>
                            let mut #ident = vec![0.0; #id.len() - (#n)];
                        ) else {
                            unreachable!("a `let` statement")
                        };
                        self.lower_let(&local);
                        let binding = self.env.lookup(ident)?;
                        let copy: syn::Expr = syn::parse_quote_spanned!(init.span()=>
                            for #k in 0..#ident.len() { #ident[#k] = #id[(#n) + #k]; }
                        );
                        self.lower_expr(&copy);
                        let rest: syn::Expr =
                            syn::parse_quote_spanned!(init.span()=> #id.truncate(#n));
                        self.lower_expr_stmt(&rest);
                        return Some(binding);
                    }
                    (m, args) if m == "pop" && args.is_empty() && unwrapped(init, call) => (
                        syn::parse_quote_spanned!(init.span()=> #id[#id.len() - 1]),
                        syn::parse_quote_spanned!(init.span()=> #id.truncate(#id.len() - 1)),
                    ),
                    _ => {
                        self.errors.push_spanned(
                            &call.method,
                            format!("`#[gradient]` cannot take a value out of the buffer `{id}` with `{}`: read it by index (`let v = {id}[i];`), then shorten it with `{id}.truncate(n)`", call.method),
                        );
                        return Some(Binding::Poisoned);
                    }
                };
                let syn::Stmt::Local(local) = syn::parse_quote!(let #ident = #value;) else {
                    unreachable!("a `let` statement")
                };
                self.lower_let(&local);
                let binding = self.env.lookup(ident)?;
                self.lower_expr_stmt(&rest);
                Some(binding)
            }
            _ => None,
        }
    }

    /// `stack.pop()`, `seen.insert(k)`, `idx.split_off(n)` of a value of data (see `data_let`),
    /// wherever it is lowered (a `let`'s value, a branch's, an operand): what it takes out, from
    /// a copy, and the local changed after it (`data_value_change`). `None` for another call.
    pub(super) fn taken_value(&mut self, m: &syn::ExprMethodCall) -> Option<Option<Value>> {
        if self.taking || !crate::desugar::TAKING.iter().any(|n| m.method == n) {
            return None;
        }
        let syn::Expr::Path(p) = crate::desugar::unparen(&m.receiver) else {
            return None;
        };
        let id = p.path.get_ident()?;
        let Some(Binding::Val(v)) = self.env.lookup(id) else {
            return None;
        };
        let floats = *self.data_values.get(&v)?;
        let call = syn::Expr::MethodCall(m.clone());
        if floats && m.args.iter().any(|a| self.reads_differentiated(a)) {
            return None;
        }
        let recv: syn::Ident = syn::parse2(self.rename(&m.receiver).0).ok()?;
        self.taking = true;
        let (tokens, uses) = self.rename(&call);
        self.taking = false;
        // What `drain` yields, owned: its iterator borrows the copy.
        let tokens = if m.method == "drain" {
            quote!({
                let mut #recv = ::core::clone::Clone::clone(&#recv);
                #tokens.collect::<::std::vec::Vec<_>>()
            }
            .into_iter())
        } else {
            quote!({
                let mut #recv = ::core::clone::Clone::clone(&#recv);
                #tokens
            })
        };
        let taken = self.b.opaque(Kind::Other, None, tokens, uses, m.span());
        self.data_values.insert(taken, floats);
        if self.data_value_change(&call).is_none() {
            return Some(None);
        }
        let tokens = self.operand_tokens(crate::ir::Operand::Val(taken), m.span());
        Some(Some(Value::Other {
            tokens,
            uses: vec![taken],
            kind: Kind::Other,
        }))
    }
}

/// The call that takes something out of a local, innermost in `e`'s chain of methods
/// (`stack.pop()` of `stack.pop().unwrap()`).
fn taking_call(e: &syn::Expr) -> Option<&syn::ExprMethodCall> {
    let mut at = crate::desugar::unparen(e);
    loop {
        let syn::Expr::MethodCall(m) = at else {
            return None;
        };
        if matches!(crate::desugar::unparen(&m.receiver), syn::Expr::Path(_)) {
            return crate::desugar::TAKING
                .iter()
                .any(|n| m.method == n)
                .then_some(m);
        }
        at = crate::desugar::unparen(&m.receiver);
    }
}

fn call_expr(call: &syn::ExprMethodCall) -> Box<syn::Expr> {
    Box::new(syn::Expr::MethodCall(call.clone()))
}

/// Whether `e` is `call.unwrap()` or `call.expect(..)`.
fn unwrapped(e: &syn::Expr, call: &syn::ExprMethodCall) -> bool {
    matches!(crate::desugar::unparen(e), syn::Expr::MethodCall(o)
        if (o.method == "unwrap" || o.method == "expect")
            && matches!(crate::desugar::unparen(&o.receiver), syn::Expr::MethodCall(c) if c == call))
}
