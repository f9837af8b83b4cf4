//! Copies of IR with values renamed: the tool of transformations that duplicate code (unroll-and-jam).

use crate::ir::{BufLen, CallArg, Iter, Operand, RangeIter, Stmt, ValId};
use proc_macro2::{Group, Ident, TokenStream, TokenTree};
use std::collections::HashMap;

/// A renaming of values, and of the identifiers that name them inside carried-along tokens.
pub struct Renaming {
    map: HashMap<ValId, ValId>,
    names: HashMap<String, Ident>,
}

impl Renaming {
    pub fn new() -> Self {
        Renaming {
            map: HashMap::new(),
            names: HashMap::new(),
        }
    }

    /// Renames `from` to `to`, whose emitted name is `to_name`.
    pub fn insert(&mut self, from: ValId, from_name: &Ident, to: ValId, to_name: Ident) {
        self.map.insert(from, to);
        self.names.insert(from_name.to_string(), to_name);
    }

    pub fn get(&self, v: ValId) -> Option<ValId> {
        self.map.get(&v).copied()
    }

    fn val(&self, v: &mut ValId) {
        if let Some(n) = self.map.get(v) {
            *v = *n;
        }
    }

    fn op(&self, o: &mut Operand) {
        if let Operand::Val(v) = o {
            self.val(v)
        }
    }

    fn tokens(&self, ts: &TokenStream) -> TokenStream {
        ts.clone()
            .into_iter()
            .map(|t| match t {
                TokenTree::Ident(i) => match self.names.get(&i.to_string()) {
                    Some(n) => TokenTree::Ident(crate::naming::respanned(n, i.span())),
                    None => TokenTree::Ident(i),
                },
                TokenTree::Group(g) => {
                    let mut ng = Group::new(g.delimiter(), self.tokens(&g.stream()));
                    ng.set_span(g.span());
                    TokenTree::Group(ng)
                }
                t => t,
            })
            .collect()
    }

    fn range(&self, r: &mut RangeIter) {
        r.pat = self.tokens(&r.pat);
        r.tokens = self.tokens(&r.tokens);
        r.binds.iter_mut().for_each(|v| self.val(v));
        r.uses.iter_mut().for_each(|v| self.val(v));
    }

    fn call_args(&self, args: &mut [CallArg]) {
        for a in args {
            match a {
                CallArg::Float(o) | CallArg::FloatRef(o) => self.op(o),
                CallArg::Tokens(t, uses) | CallArg::Unseen(t, uses) => {
                    *t = self.tokens(t);
                    uses.iter_mut().for_each(|v| self.val(v));
                }
                CallArg::Adjoint(_) => {}
                CallArg::Seq(_, t, range) => {
                    *t = self.tokens(t);
                    if let Some((rt, uses)) = range {
                        *rt = self.tokens(rt);
                        uses.iter_mut().for_each(|v| self.val(v));
                    }
                }
            }
        }
    }

    /// Renames every value a statement defines or reads, at any depth.
    pub fn stmt(&self, s: &mut Stmt) {
        match s {
            Stmt::Prim { dst, args, .. } => {
                self.val(dst);
                args.iter_mut().for_each(|a| self.op(a));
            }
            Stmt::Opaque {
                dst, expr, uses, ..
            } => {
                self.val(dst);
                *expr = self.tokens(expr);
                uses.iter_mut().for_each(|v| self.val(v));
            }
            Stmt::Effect { expr, uses } => {
                *expr = self.tokens(expr);
                uses.iter_mut().for_each(|v| self.val(v));
            }
            Stmt::CallVec { args, len, .. } => {
                self.val(len);
                self.call_args(args);
            }
            Stmt::Call {
                dst, args, grads, ..
            } => {
                self.val(dst);
                self.call_args(args);
                grads.iter_mut().flatten().for_each(|g| self.val(g));
            }
            Stmt::CallSecond {
                dst,
                args,
                tangents,
                grads,
                grad_tangents,
                ..
            } => {
                self.val(dst);
                self.call_args(args);
                tangents.iter_mut().for_each(|t| self.op(t));
                grads
                    .iter_mut()
                    .chain(grad_tangents.iter_mut())
                    .flatten()
                    .for_each(|g| self.val(g));
            }
            Stmt::CallAdjointSecond {
                args,
                seed,
                seed_tangent,
                tangents,
                grads,
                grad_tangents,
                ..
            } => {
                self.call_args(args);
                self.op(seed);
                self.op(seed_tangent);
                tangents.iter_mut().for_each(|t| self.op(t));
                grads
                    .iter_mut()
                    .chain(grad_tangents.iter_mut())
                    .flatten()
                    .for_each(|g| self.val(g));
            }
            Stmt::CallTangent {
                dst, args, grads, ..
            } => {
                self.val(dst);
                self.call_args(args);
                grads.iter_mut().flatten().for_each(|g| self.val(g));
            }
            Stmt::VecTangent {
                dst,
                args,
                grads,
                floats,
                ..
            } => {
                self.val(dst);
                self.call_args(args);
                floats.iter_mut().for_each(|t| self.op(t));
                grads.iter_mut().flatten().for_each(|g| self.val(g));
            }
            Stmt::CallAdjoint {
                args, seed, grads, ..
            } => {
                self.call_args(args);
                self.op(seed);
                grads.iter_mut().flatten().for_each(|g| self.val(g));
            }
            Stmt::Load { dst, index, .. } | Stmt::AdjLoad { dst, index, .. } => {
                self.val(dst);
                self.val(index);
            }
            Stmt::AccumSeq { index, value, .. } | Stmt::Store { index, value, .. } => {
                self.val(index);
                self.op(value);
            }
            Stmt::ScaleSeq { factor, .. } => self.op(factor),
            Stmt::TapePush { vals, .. } => vals.iter_mut().for_each(|v| self.val(v)),
            Stmt::NewBuf { init, len, .. } => {
                self.op(init);
                self.buf_len(len);
            }
            Stmt::ResetAdj { len, .. } => self.buf_len(len),
            Stmt::Resize { len, init, .. } => {
                self.val(len);
                self.op(init);
            }
            Stmt::Unresize { .. } => {}
            Stmt::Loop(l) => {
                match &mut l.iter {
                    Iter::Range { range, .. } => self.range(range),
                    Iter::While { cond_block, cond } => {
                        cond_block.stmts.iter_mut().for_each(|s| self.stmt(s));
                        self.val(cond);
                    }
                    Iter::Tape { vals, range, .. } => {
                        vals.iter_mut().for_each(|v| self.val(v));
                        if let Some(r) = range {
                            self.range(r);
                        }
                    }
                }
                for c in &mut l.carried {
                    self.val(&mut c.phi);
                    self.val(&mut c.out);
                    self.op(&mut c.init);
                    self.op(&mut c.next);
                }
                l.body.stmts.iter_mut().for_each(|s| self.stmt(s));
            }
            Stmt::If {
                cond,
                then,
                els,
                merges,
                exports,
            } => {
                self.val(cond);
                for m in merges {
                    self.val(&mut m.dst);
                    self.op(&mut m.then);
                    self.op(&mut m.els);
                }
                exports.iter_mut().for_each(|e| self.val(&mut e.val));
                then.stmts.iter_mut().for_each(|s| self.stmt(s));
                els.stmts.iter_mut().for_each(|s| self.stmt(s));
            }
        }
    }

    fn buf_len(&self, len: &mut BufLen) {
        match len {
            BufLen::Vec(v) => self.val(v),
            BufLen::Array(t) => *t = self.tokens(t),
            BufLen::Like(_) => {}
        }
    }
}
