//! Forward mode: from the forward IR, one program that computes the value and its directional
//! derivative together.
//!
//! Statements are visited first to last and copied unchanged (so the value stays bit-identical to
//! the function's); after each one that defines a differentiated float, its tangent follows:
//! `ṫ = Σᵢ ∂op/∂argᵢ · ṫᵢ`, with the local derivatives of [`rules::partial`], the one table every
//! mode reads. A buffer that holds differentiated values gets a tangent buffer written and read
//! at the same positions; a loop carries the tangent of each carried value beside it; a branch
//! merges the tangents of its merged values. A call to another `#[gradient]` function takes its
//! tangent from the callee's gradient (`Σ ∂f/∂aₖ · ȧₖ`), so callees need nothing new.

use crate::ir::{Block, Builder, CallArg, Carry, Func, Kind, Merge, Operand, SeqId, SeqInfo, Stmt};
use crate::ir::{Iter, ValId};
use crate::rules::{self, Prim};
use proc_macro2::Span;
use std::collections::HashMap;

struct Fwd<'f> {
    b: Builder<'f>,
    /// The tangent of each differentiated value that has one (absent: 0).
    tan: HashMap<ValId, Operand>,
    /// The tangent sequence of each sequence that holds differentiated values.
    seqs: HashMap<SeqId, SeqId>,
}

/// Rewrites `func.body` into the program that also computes tangents, given the tangent of each
/// differentiated scalar input and the tangent sequence of each differentiated sequence input.
/// Returns the tangent of the result.
pub fn forward(func: &mut Func, scalars: &[(ValId, ValId)], seqs: &[(SeqId, SeqId)]) -> Operand {
    let body = std::mem::take(&mut func.body);
    let ret = func.ret;
    let mut fwd = Fwd {
        b: Builder::new(func, true),
        tan: scalars
            .iter()
            .map(|(v, t)| (*v, Operand::Val(*t)))
            .collect(),
        seqs: seqs.iter().copied().collect(),
    };
    fwd.block(&body);
    let t_ret = fwd.t(ret);
    func.body = fwd.b.finish();
    t_ret
}

/// A tangent sequence beside `of`: a parameter `v_NAME` or a hidden local buffer.
pub fn tangent_seq(func: &mut Func, ident: proc_macro2::Ident, buffer: bool) -> SeqId {
    func.seqs.push(SeqInfo {
        ident,
        active: true,
        buffer,
    });
    SeqId(func.seqs.len() as u32 - 1)
}

impl Fwd<'_> {
    fn t(&self, o: Operand) -> Operand {
        match o {
            Operand::Val(v) => self.tan.get(&v).copied().unwrap_or(Operand::Const(0.0)),
            Operand::Const(_) | Operand::Int(_) => Operand::Const(0.0),
        }
    }

    fn set(&mut self, v: ValId, t: Operand) {
        if t != Operand::Const(0.0) {
            self.tan.insert(v, t);
        }
    }

    /// `p · ṫ`, and 0 wherever `ṫ` is 0 even if `p` is infinite or NaN: the same strong zero as
    /// the reverse mode's (see `reverse::Rev::scale`), so that the directional derivative is the
    /// gradient's dot product with the direction, also where a local derivative is infinite
    /// (`sqrt` at 0) along a direction that does not move it.
    fn scale(&mut self, p: Operand, t: Operand, span: Span) -> Operand {
        let finite_const = |o: Operand| o.as_const().is_some_and(f64::is_finite);
        if finite_const(p) || finite_const(t) {
            return self.b.mul(p, t, span);
        }
        self.b.prim(Prim::MulOr0, vec![p, t], span)
    }

    fn sum(&mut self, terms: Vec<Operand>, span: Span) -> Operand {
        let mut it = terms.into_iter();
        match it.next() {
            Some(first) => it.fold(first, |acc, c| self.b.add(acc, c, span)),
            None => Operand::Const(0.0),
        }
    }

    fn new_tangent(&mut self, span: Span) -> ValId {
        self.b.new_val(Kind::Float, true, span)
    }

    fn block(&mut self, block: &Block) {
        for s in &block.stmts {
            self.stmt(s);
        }
    }

    fn nested(&mut self, block: &Block) -> Block {
        self.b.open();
        self.block(block);
        self.b.close()
    }

    fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::Prim { dst, op, args } => {
                self.b.push(s.clone());
                self.b.remember_here(*op, args, *dst);
                if !self.b.func.info(*dst).active {
                    return;
                }
                let span = self.b.func.info(*dst).span;
                let mut terms = Vec::new();
                for (i, a) in args.iter().enumerate() {
                    let t = self.t(*a);
                    if t == Operand::Const(0.0) {
                        continue;
                    }
                    let p = rules::partial(&mut self.b, *op, args, Operand::Val(*dst), i, span);
                    terms.push(self.scale(p, t, span));
                }
                let t = self.sum(terms, span);
                self.set(*dst, t);
            }
            Stmt::Opaque { .. } | Stmt::Effect { .. } => self.b.push(s.clone()),
            Stmt::Load { dst, seq, index } => {
                self.b.push(s.clone());
                if let Some(ts) = self.seqs.get(seq).copied() {
                    let span = self.b.func.info(*dst).span;
                    let t = self.new_tangent(span);
                    self.b.push(Stmt::Load {
                        dst: t,
                        seq: ts,
                        index: *index,
                    });
                    self.tan.insert(*dst, Operand::Val(t));
                }
            }
            Stmt::NewBuf { seq, init, len } => {
                self.b.push(s.clone());
                if self.b.func.seq(*seq).active {
                    let ident = crate::naming::hidden(&format!("tan{}", seq.0));
                    let ts = tangent_seq(self.b.func, ident, true);
                    self.seqs.insert(*seq, ts);
                    let init = self.t(*init);
                    self.b.push(Stmt::NewBuf {
                        seq: ts,
                        init,
                        len: len.clone(),
                    });
                }
            }
            Stmt::Store {
                seq, index, value, ..
            } => {
                self.b.push(s.clone());
                if let Some(ts) = self.seqs.get(seq).copied() {
                    let value = self.t(*value);
                    self.b.push(Stmt::Store {
                        seq: ts,
                        index: *index,
                        value,
                        undo: None,
                    });
                }
            }
            Stmt::Call {
                dst,
                callee,
                plain,
                args,
                grads,
            } => self.call(*dst, callee, plain, args, grads),
            Stmt::Loop(l) => {
                let mut l = l.clone();
                let mut pending = Vec::new();
                for c in &l.carried {
                    if self.b.func.info(c.phi).active {
                        let span = self.b.func.info(c.phi).span;
                        let (phi, out) = (self.new_tangent(span), self.new_tangent(span));
                        let init = self.t(c.init);
                        self.tan.insert(c.phi, Operand::Val(phi));
                        pending.push((*c, phi, init, out));
                    }
                }
                let body = std::mem::take(&mut l.body);
                l.body = self.nested(&body);
                for (c, phi, init, out) in pending {
                    let next = self.t(c.next);
                    l.carried.push(Carry {
                        phi,
                        init,
                        next,
                        out,
                    });
                    self.tan.insert(c.out, Operand::Val(out));
                }
                debug_assert!(matches!(l.iter, Iter::Range { .. } | Iter::While { .. }));
                self.b.push(Stmt::Loop(l));
            }
            Stmt::If {
                cond,
                then,
                els,
                merges,
                exports,
            } => {
                let then = self.nested(then);
                let els = self.nested(els);
                let mut merges = merges.clone();
                for m in merges.clone() {
                    let (t, e) = (self.t(m.then), self.t(m.els));
                    if t == Operand::Const(0.0) && e == Operand::Const(0.0) {
                        continue;
                    }
                    let dst = self.new_tangent(self.b.func.info(m.dst).span);
                    merges.push(Merge {
                        dst,
                        then: t,
                        els: e,
                    });
                    self.tan.insert(m.dst, Operand::Val(dst));
                }
                self.b.push(Stmt::If {
                    cond: *cond,
                    then,
                    els,
                    merges,
                    exports: exports.clone(),
                });
            }
            Stmt::CallAdjoint { .. }
            | Stmt::CallTangent { .. }
            | Stmt::AccumSeq { .. }
            | Stmt::ResetAdj { .. }
            | Stmt::AdjLoad { .. }
            | Stmt::ScaleSeq { .. }
            | Stmt::TapePush { .. } => {
                unreachable!("forward mode runs on the function's own IR, before any adjoint")
            }
        }
    }

    /// `y = f(a, w)`: the value as before, and `ẏ = Σ ∂f/∂aₖ · ȧₖ + ∇_w f · ẇ` from `f_grad`.
    fn call(
        &mut self,
        dst: ValId,
        callee: &syn::Path,
        plain: &syn::Path,
        args: &[CallArg],
        grads: &[Option<ValId>],
    ) {
        let span = self.b.func.info(dst).span;
        let floats: Vec<Operand> = args
            .iter()
            .filter_map(|a| match a {
                CallArg::Float(o) | CallArg::FloatRef(o) => Some(*o),
                _ => None,
            })
            .collect();
        let tangents: Vec<Option<SeqId>> = args
            .iter()
            .map(|a| match a {
                CallArg::Seq(s, ..) => self.seqs.get(s).copied(),
                _ => None,
            })
            .collect();
        let has_seq = args.iter().any(|a| matches!(a, CallArg::Seq(..)));
        let mut terms = Vec::new();
        let grads = if has_seq {
            // The value from the plain function; the gradient from a second call, when needed.
            self.b.push(Stmt::Call {
                dst,
                callee: callee.clone(),
                plain: plain.clone(),
                args: args.to_vec(),
                grads: vec![None; grads.len()],
            });
            let moved = floats.iter().any(|o| self.t(*o) != Operand::Const(0.0));
            if !moved && tangents.iter().all(Option::is_none) {
                return;
            }
            let new: Vec<Option<ValId>> = grads
                .iter()
                .map(|g| g.map(|_| self.new_tangent(span)))
                .collect();
            let t_seqs = self.new_tangent(span);
            self.b.push(Stmt::CallTangent {
                dst: t_seqs,
                callee: callee.clone(),
                args: args.to_vec(),
                tangents,
                grads: new.clone(),
            });
            terms.push(Operand::Val(t_seqs));
            new
        } else {
            self.b.push(Stmt::Call {
                dst,
                callee: callee.clone(),
                plain: plain.clone(),
                args: args.to_vec(),
                grads: grads.to_vec(),
            });
            grads.to_vec()
        };
        for (o, g) in floats.iter().zip(&grads) {
            let t = self.t(*o);
            if let (Some(g), true) = (g, t != Operand::Const(0.0)) {
                terms.push(self.scale(Operand::Val(*g), t, span));
            }
        }
        let t = self.sum(terms, span);
        self.set(dst, t);
    }
}
