//! Iterator reductions over float sequences: `x.iter().map(|v| v * v).sum::<f64>()`,
//! `.product()`, `.fold(init, |acc, v| ..)`, lowered to a loop that carries the accumulator.

use super::env::Binding;
use super::loops::Header;
use super::{Lowerer, Value};
use crate::ir::{Operand, SeqId};
use syn::spanned::Spanned;
use syn::{Expr, Pat};

impl Lowerer<'_> {
    /// `iter.sum()`, `iter.product()`, `iter.fold(init, |acc, v| ..)`, with an optional `.map(|v| ..)`
    /// before, over a float sequence; `None` when `m` is not such a reduction.
    pub fn lower_reduction(&mut self, m: &syn::ExprMethodCall) -> Option<Option<Value>> {
        let name = m.method.to_string();
        if !matches!(name.as_str(), "sum" | "product" | "fold") {
            return None;
        }
        let (source, map) = match &*m.receiver {
            Expr::MethodCall(inner) if inner.method == "map" && inner.args.len() == 1 => {
                (&*inner.receiver, Some(&inner.args[0]))
            }
            other => (other, None),
        };
        if !self.mentions_seq(source) && self.seq_of_iter_source(source).is_none() {
            return None;
        }
        Some(self.reduction(m, &name, source, map))
    }

    fn seq_of_iter_source(&self, e: &Expr) -> Option<SeqId> {
        match e {
            Expr::MethodCall(m) => self.seq_of_iter_source(&m.receiver),
            e => self.seq_of_expr(e),
        }
    }

    fn reduction(
        &mut self,
        m: &syn::ExprMethodCall,
        name: &str,
        source: &Expr,
        map: Option<&Expr>,
    ) -> Option<Value> {
        let span = m.span();
        let map = match map {
            Some(Expr::Closure(c)) if c.inputs.len() == 1 => Some(c),
            Some(other) => {
                self.errors
                    .push_spanned(other, "`map` needs a closure `|v| ...` here");
                return None;
            }
            None => None,
        };
        let (init, fold) = match name {
            // std's float `Sum` starts from -0.0, so an all-negative-zero sum stays -0.0.
            "sum" => (Operand::Const(-0.0), None),
            "product" => (Operand::Const(1.0), None),
            _ => {
                if m.args.len() != 2 {
                    self.errors
                        .push_spanned(m, "`fold` takes an initial value and a closure");
                    return None;
                }
                let Expr::Closure(c) = &m.args[1] else {
                    self.errors
                        .push_spanned(&m.args[1], "`fold` needs a closure `|acc, v| ...` here");
                    return None;
                };
                if c.inputs.len() != 2 {
                    self.errors
                        .push_spanned(c, "`fold` needs a closure `|acc, v| ...`");
                    return None;
                }
                let v = self.lower_expr(&m.args[0])?;
                (self.to_float(v, m.args[0].span())?, Some(c))
            }
        };
        let plan = self.plan(source)?;
        // The accumulator is a hidden variable of the enclosing scope, carried by the loop.
        let acc = crate::naming::hidden("acc");
        self.env.push();
        let acc_init = self.bind_float(init, span);
        self.env.declare(acc.clone(), acc_init);
        let item_pat: Pat = match (map, fold) {
            (Some(c), _) => c.inputs[0].clone(),
            (None, Some(c)) => c.inputs[1].clone(),
            (None, None) => {
                let item = crate::naming::hidden("item");
                syn::parse_quote!(#item)
            }
        };
        let acc2 = acc.clone();
        // A closure that assigns a local of the enclosing scope (`|&x| { state = a * state + x;
        // state }`, a running filter): the loop carries it too, as a `for` loop would.
        let mut carried = vec![acc.clone()];
        for c in map.into_iter().chain(fold) {
            let mut own = Vec::new();
            for p in &c.inputs {
                super::opaque::collect_pat_idents(p, &mut own);
            }
            let body = &c.body;
            // (In parentheses: a body that begins with a block, `{ .. } + { .. }` of two
            // inlined calls, is no statement as it is.)
            let block: syn::Block = syn::parse_quote!({ (#body); });
            for n in super::loops::assigned_names(&block) {
                if !own.contains(&n) && !carried.contains(&n) {
                    carried.push(n);
                }
            }
        }
        self.pending_refs = super::iter::reference_items(&item_pat, source, &self.ref_names);
        let result = self.build_loop(Header::Range(plan, &item_pat), carried, &mut |this| {
            let item = match map {
                Some(c) => {
                    let v = this.lower_expr(&c.body)?;
                    this.to_float(v, c.body.span())?
                }
                None => match fold {
                    // The fold's item is its second closure parameter, bound by the pattern.
                    Some(_) => Operand::Const(0.0),
                    None => {
                        let id = crate::naming::hidden("item");
                        match this.env.lookup(&id) {
                            Some(Binding::Val(v)) => Operand::Val(v),
                            _ => return None,
                        }
                    }
                },
            };
            let Some(Binding::Val(a)) = this.env.lookup(&acc2) else {
                return None;
            };
            let a = Operand::Val(a);
            let next = match (name, fold) {
                ("sum", _) => this.b.add(a, item, span),
                ("product", _) => this.b.mul(a, item, span),
                (_, Some(c)) => {
                    // `|acc, v| body`: bind the closure's accumulator name to the carried value.
                    // (`|acc: f64, v|`: the type rustc may ask for is no part of the name.)
                    let acc_pat = match &c.inputs[0] {
                        Pat::Type(t) => &*t.pat,
                        p => p,
                    };
                    let acc_name = match acc_pat {
                        Pat::Ident(pi) => pi.ident.clone(),
                        other => {
                            this.errors
                                .push_spanned(other, "name the accumulator: `|acc, v| ...`");
                            return None;
                        }
                    };
                    this.env.push();
                    this.env.declare(acc_name, Binding::Val(a.val().unwrap()));
                    if map.is_some() {
                        // After `map`, the fold's item is the mapped value.
                        let item_pat = match &c.inputs[1] {
                            Pat::Type(t) => &*t.pat,
                            p => p,
                        };
                        match item_pat {
                            Pat::Ident(pi) => {
                                let b = this.bind_float(item, span);
                                this.env.declare(pi.ident.clone(), b);
                            }
                            Pat::Wild(_) => {}
                            other => {
                                this.errors
                                    .push_spanned(other, "name the item: `|acc, v| ...`");
                                this.env.pop();
                                return None;
                            }
                        }
                    }
                    let v = this.lower_expr(&c.body);
                    this.env.pop();
                    let v = v?;
                    this.to_float(v, c.body.span())?
                }
                _ => unreachable!(),
            };
            let b = this.bind_float(next, span);
            this.env.assign(&acc2, b);
            Some(())
        });
        let out = match self.env.lookup(&acc) {
            Some(Binding::Val(v)) => Some(Value::Float(Operand::Val(v))),
            _ => None,
        };
        self.env.pop();
        result?;
        out
    }
}
