//! Forward mode: from the IR, one program that computes the values and their directional
//! derivatives together.
//!
//! Statements are visited first to last and copied unchanged (so the value stays bit-identical to
//! the function's); after each one that defines a differentiated float, its tangent follows:
//! `ṫ = Σᵢ ∂op/∂argᵢ · ṫᵢ`, with the local derivatives of [`rules::partial`], the one table every
//! mode reads. A buffer that holds differentiated values gets a tangent buffer written and read
//! at the same positions; a loop carries the tangent of each carried value beside it; a branch
//! merges the tangents of its merged values. A call to another `#[gradient]` function takes its
//! tangent from the callee's gradient (`Σ ∂f/∂aₖ · ȧₖ`), so callees need nothing new.
//!
//! Run on a function's IR followed by its adjoint (see `reverse`), the same pass gives second
//! order, forward over reverse: the tangent of the gradient is the Hessian times the direction.
//! The adjoint's own statements then get tangents too: an adjoint buffer has a tangent adjoint
//! buffer, a tape carries the tangents of what it holds, a buffer snapshot the tangent buffer's.

use crate::ir::{Block, Builder, CallArg, Carry, Func, Kind, Merge, Operand, SeqId, SeqInfo, Stmt};
use crate::ir::{Iter, TapeId, ValId};
use crate::rules::{self, Prim};
use proc_macro2::Span;
use std::collections::HashMap;

struct Fwd<'f> {
    b: Builder<'f>,
    /// The tangent of each differentiated value that has one (absent: 0).
    tan: HashMap<ValId, Operand>,
    /// The tangent sequence of each sequence that holds differentiated values.
    seqs: HashMap<SeqId, SeqId>,
    /// For a sequence with an adjoint, the sequence whose adjoint holds that adjoint's tangent.
    adjoints: HashMap<SeqId, SeqId>,
    /// For each tape, the positions of the pushed values whose tangents are pushed after them.
    tapes: HashMap<TapeId, Vec<usize>>,
    /// The tape of a buffer's snapshots → the tape of its tangent buffer's snapshots.
    snapshots: HashMap<TapeId, TapeId>,
    /// The saves of a buffer's resizes → those of its tangent buffer's.
    resizes: HashMap<TapeId, TapeId>,
    /// Second order: the gradient a call returns needs its own tangent (see [`Seeds::second`]).
    second: bool,
}

/// Where the tangents start: each differentiated scalar input and its tangent value, each
/// differentiated sequence and its tangent sequence, and (second order) each sequence whose
/// adjoint is an output and the sequence whose adjoint receives that adjoint's tangent.
#[derive(Default)]
pub struct Seeds {
    pub scalars: Vec<(ValId, ValId)>,
    pub seqs: Vec<(SeqId, SeqId)>,
    pub adjoints: Vec<(SeqId, SeqId)>,
    /// Second order: the program holds the adjoint, which reads the gradients that calls return,
    /// so a call takes the callee's Hessian–vector product as well (`NAME__hvp_call`).
    pub second: bool,
}

/// Rewrites `func.body` into the program that also computes tangents, from `seeds`. Returns the
/// tangent of each of `outputs`.
pub fn forward(func: &mut Func, seeds: &Seeds, outputs: &[Operand]) -> Vec<Operand> {
    let body = std::mem::take(&mut func.body);
    let mut fwd = Fwd {
        b: Builder::new(func, true),
        tan: seeds
            .scalars
            .iter()
            .map(|(v, t)| (*v, Operand::Val(*t)))
            .collect(),
        seqs: seeds.seqs.iter().copied().collect(),
        adjoints: seeds.adjoints.iter().copied().collect(),
        tapes: HashMap::new(),
        snapshots: HashMap::new(),
        resizes: HashMap::new(),
        second: seeds.second,
    };
    fwd.block(&body);
    let tangents = outputs.iter().map(|o| fwd.t(*o)).collect();
    func.body = fwd.b.finish();
    tangents
}

/// A new sequence for tangents: a parameter `v_NAME` or a hidden local buffer. It is not
/// differentiated itself (no adjoint is declared for it).
pub fn tangent_seq(func: &mut Func, ident: proc_macro2::Ident, buffer: bool) -> SeqId {
    func.seqs.push(SeqInfo {
        ident,
        active: false,
        buffer,
        adjoint: None,
    });
    SeqId(func.seqs.len() as u32 - 1)
}

impl Fwd<'_> {
    /// The tangent of a vector-valued call's result `seq`: a tangent buffer of its length,
    /// filled by a [`Stmt::VecTangent`] (one reverse sweep of the callee per output), when an
    /// argument moves.
    fn vec_tangent(&mut self, seq: SeqId, dot: &syn::Path, args: &[CallArg]) {
        let floats: Vec<Operand> = args
            .iter()
            .filter_map(|a| match a {
                CallArg::Float(o) | CallArg::FloatRef(o) => Some(self.t(*o)),
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
        if floats.iter().all(|t| *t == Operand::Const(0.0)) && tangents.iter().all(Option::is_none)
        {
            return;
        }
        let span = proc_macro2::Span::call_site();
        let ident = crate::naming::hidden(&format!("tan{}", seq.0));
        let ts = tangent_seq(self.b.func, ident, true);
        self.seqs.insert(seq, ts);
        let len = self.b.new_val(crate::ir::Kind::Int, false, span);
        let buf = self.b.func.seq(seq).ident.clone();
        self.b.push(Stmt::Opaque {
            dst: len,
            ty: None,
            expr: quote::quote!(#buf.len()),
            uses: Vec::new(),
        });
        self.b.push(Stmt::NewBuf {
            seq: ts,
            init: Operand::Const(0.0),
            len: crate::ir::BufLen::Vec(len),
        });
        let dst = self.new_tangent(span);
        let grads = floats
            .iter()
            .map(|t| (*t != Operand::Const(0.0)).then(|| self.new_tangent(span)))
            .collect();
        self.b.push(Stmt::VecTangent {
            seq,
            tseq: ts,
            callee: dot.clone(),
            args: args.to_vec(),
            tangents,
            floats,
            dst,
            grads,
        });
    }

    fn t(&self, o: Operand) -> Operand {
        match o {
            Operand::Val(v) => self.tan.get(&v).copied().unwrap_or(Operand::Const(0.0)),
            Operand::Const(_) | Operand::Int(_) => Operand::Const(0.0),
        }
    }

    /// Records the tangent of `v`. A value the reverse sweep recomputes is defined again with
    /// the same id, so an earlier definition's tangent (out of scope here) is always replaced.
    fn set(&mut self, v: ValId, t: Operand) {
        if t == Operand::Const(0.0) {
            self.tan.remove(&v);
        } else {
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
                    // `p · a` or 0 where a = 0 (a strong zero of the reverse sweep) moves with
                    // `p` as `ṗ · a`, 0 where a = 0 however large `ṗ` is (`sqrt` at 0 on a path
                    // not taken).
                    if *op == Prim::MulOr0 && i == 0 {
                        terms.push(self.b.prim(Prim::MulOr0, vec![t, args[1]], span));
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
            Stmt::CallVec { seq, dot, args, .. } if !self.second => {
                self.b.push(s.clone());
                self.vec_tangent(*seq, dot, args);
            }
            Stmt::CallVec { plain, .. } => {
                self.b.push(s.clone());
                // Second order needs the callee's own second order over a vector (not there yet).
                let msg = format!("`{}` returns a vector: `hvp` does not follow calls of vector-valued functions yet; drop `hvp`, or inline the callee", crate::emit::user_name(plain));
                let span = syn::spanned::Spanned::span(plain);
                self.b.push(Stmt::Effect {
                    expr: quote::quote_spanned!(span=> ::core::compile_error!(#msg)),
                    uses: Vec::new(),
                });
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
            Stmt::Resize {
                seq,
                len,
                init,
                save,
            } => {
                // Without an adjoint (first order), nothing reads the saves.
                let save = if self.second { *save } else { None };
                self.b.push(Stmt::Resize {
                    seq: *seq,
                    len: *len,
                    init: *init,
                    save,
                });
                if let Some(ts) = self.seqs.get(seq).copied() {
                    let save = save.map(|t| {
                        *self
                            .resizes
                            .entry(t)
                            .or_insert_with(|| self.b.func.new_tape())
                    });
                    self.b.push(Stmt::Resize {
                        seq: ts,
                        len: *len,
                        init: Operand::Const(0.0),
                        save,
                    });
                }
            }
            Stmt::Unresize {
                seq,
                save,
                adjoints,
            } => {
                let mut all = adjoints.clone();
                for a in adjoints {
                    all.extend(self.adjoint_of(*a));
                }
                self.b.push(Stmt::Unresize {
                    seq: *seq,
                    save: *save,
                    adjoints: all,
                });
                if let (Some(ts), Some(t)) = (self.seqs.get(seq), self.resizes.get(save)) {
                    self.b.push(Stmt::Unresize {
                        seq: *ts,
                        save: *t,
                        adjoints: Vec::new(),
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
                self.loop_memory(&mut l);
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
                        // A recomputed `if` defines `m.dst` again: no stale tangent survives.
                        self.tan.remove(&m.dst);
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
            Stmt::AccumSeq { seq, index, value } => {
                self.b.push(s.clone());
                let t = self.t(*value);
                if let (Some(ta), true) = (self.adjoint_of(*seq), t != Operand::Const(0.0)) {
                    self.b.push(Stmt::AccumSeq {
                        seq: ta,
                        index: *index,
                        value: t,
                    });
                }
            }
            Stmt::ResetAdj { seq, len } => {
                self.b.push(s.clone());
                if let Some(ta) = self.adjoint_of(*seq) {
                    self.b.push(Stmt::ResetAdj {
                        seq: ta,
                        len: len.clone(),
                    });
                }
            }
            Stmt::AdjLoad { dst, seq, index } => {
                self.b.push(s.clone());
                if let Some(ta) = self.adjoint_of(*seq) {
                    let t = self.new_tangent(Span::call_site());
                    self.b.push(Stmt::AdjLoad {
                        dst: t,
                        seq: ta,
                        index: *index,
                    });
                    self.tan.insert(*dst, Operand::Val(t));
                }
            }
            Stmt::TapePush { tape, vals } => {
                let mut vals = vals.clone();
                let mut with = Vec::new();
                for (k, v) in vals.clone().into_iter().enumerate() {
                    if let Some(t) = self.tangent_value(v) {
                        with.push(k);
                        vals.push(t);
                    }
                }
                self.tapes.insert(*tape, with);
                self.b.push(Stmt::TapePush { tape: *tape, vals });
            }
            Stmt::CallAdjoint {
                callee,
                args,
                seed,
                grads,
            } if self.second => self.call_adjoint(callee, args, *seed, grads),
            Stmt::CallAdjoint { .. }
            | Stmt::CallTangent { .. }
            | Stmt::VecTangent { .. }
            | Stmt::CallSecond { .. }
            | Stmt::CallAdjointSecond { .. }
            | Stmt::ScaleSeq { .. } => {
                unreachable!(
                    "second order refuses calls with sequences and does not fuse loops (see `hvp`)"
                )
            }
        }
    }

    /// The sequence whose adjoint holds the tangent of `seq`'s adjoint: given for parameters,
    /// a new hidden buffer for a local buffer.
    fn adjoint_of(&mut self, seq: SeqId) -> Option<SeqId> {
        if let Some(t) = self.adjoints.get(&seq) {
            return Some(*t);
        }
        if !self.b.func.seq(seq).buffer {
            return None;
        }
        let ident = crate::naming::hidden(&format!("tadj{}", seq.0));
        self.b.func.seqs.push(SeqInfo {
            ident,
            active: true,
            buffer: true,
            adjoint: None,
        });
        let t = SeqId(self.b.func.seqs.len() as u32 - 1);
        self.adjoints.insert(seq, t);
        Some(t)
    }

    /// The tangent of `v` as a value a tape can hold, if it has one.
    fn tangent_value(&mut self, v: ValId) -> Option<ValId> {
        match self.t(Operand::Val(v)) {
            Operand::Val(t) => Some(t),
            // A constant tangent (never produced from value seeds, kept for completeness).
            Operand::Const(c) if c != 0.0 => {
                let ty = proc_macro2::Ident::new(self.b.func.float_ty.name(), Span::call_site());
                let lit = crate::emit::float_literal(c, self.b.func.float_ty);
                let span = Span::call_site();
                Some(
                    self.b
                        .opaque(Kind::Float, Some(syn::parse_quote!(#ty)), lit, vec![], span),
                )
            }
            Operand::Const(_) | Operand::Int(_) => None,
        }
    }

    /// A loop's memory traffic for the reverse sweep, extended to tangents: a loop over a tape
    /// also binds the tangents pushed with its values, and a buffer snapshotted or restored per
    /// iteration takes its tangent buffer along.
    fn loop_memory(&mut self, l: &mut crate::ir::Loop) {
        if let Iter::Tape { tape, vals, .. } = &mut l.iter {
            for k in self.tapes.get(tape).cloned().unwrap_or_default() {
                let t = self.new_tangent(Span::call_site());
                self.tan.insert(vals[k], Operand::Val(t));
                vals.push(t);
            }
        }
        for (seq, tape) in l.snapshots.clone() {
            if let Some(ts) = self.seqs.get(&seq).copied() {
                let t = self.b.func.new_tape();
                self.snapshots.insert(tape, t);
                l.snapshots.push((ts, t));
            }
        }
        for (seq, tape) in l.restores.clone() {
            if let (Some(ts), Some(t)) = (self.seqs.get(&seq), self.snapshots.get(&tape)) {
                l.restores.push((*ts, *t));
            }
        }
    }

    /// The reverse of a call with sequence arguments, with its tangent: the callee's gradient and
    /// Hessian–vector product along the arguments' tangents, from its `NAME__hvp_call`.
    fn call_adjoint(
        &mut self,
        callee: &syn::Path,
        args: &[CallArg],
        seed: Operand,
        grads: &[Option<ValId>],
    ) {
        let tangents = args
            .iter()
            .map(|a| match a {
                CallArg::Float(o) | CallArg::FloatRef(o) => self.t(*o),
                _ => Operand::Const(0.0),
            })
            .collect();
        let seq_tangents = args
            .iter()
            .map(|a| match a {
                CallArg::Seq(s, ..) => self.seqs.get(s).copied(),
                _ => None,
            })
            .collect();
        let adjoint_tangents = args
            .iter()
            .map(|a| match a {
                CallArg::Seq(s, ..) if self.b.func.seq(*s).active => self.adjoint_of(*s),
                _ => None,
            })
            .collect();
        let span = Span::call_site();
        let grad_tangents: Vec<Option<ValId>> = grads
            .iter()
            .map(|g| g.map(|_| self.new_tangent(span)))
            .collect();
        for (g, t) in grads.iter().zip(&grad_tangents) {
            if let (Some(g), Some(t)) = (g, t) {
                self.tan.insert(*g, Operand::Val(*t));
            }
        }
        let seed_tangent = self.t(seed);
        self.b.push(Stmt::CallAdjointSecond {
            callee: callee.clone(),
            args: args.to_vec(),
            seed,
            seed_tangent,
            tangents,
            seq_tangents,
            adjoint_tangents,
            grads: grads.to_vec(),
            grad_tangents,
        });
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
        if self.second && !has_seq && floats.iter().any(|o| self.t(*o) != Operand::Const(0.0)) {
            // The gradient's tangent (H · ȧ) comes with it from the callee's second order.
            let tangents: Vec<Operand> = args
                .iter()
                .map(|a| match a {
                    CallArg::Float(o) | CallArg::FloatRef(o) => self.t(*o),
                    _ => Operand::Const(0.0),
                })
                .collect();
            // A slot for every float argument that moves: a call the reverse sweep recomputes
            // comes without its gradient slots (only its value was needed there).
            let grads: Vec<Option<ValId>> = floats
                .iter()
                .zip(grads.iter().chain(std::iter::repeat(&None)))
                .map(|(o, g)| match g {
                    Some(g) => Some(*g),
                    None if self.t(*o) != Operand::Const(0.0) => Some(self.new_tangent(span)),
                    None => None,
                })
                .collect();
            let grad_tangents: Vec<Option<ValId>> = grads
                .iter()
                .map(|g| g.map(|_| self.new_tangent(span)))
                .collect();
            self.b.push(Stmt::CallSecond {
                dst,
                callee: callee.clone(),
                args: args.to_vec(),
                tangents,
                grads: grads.clone(),
                grad_tangents: grad_tangents.clone(),
            });
            for (g, t) in grads.iter().zip(&grad_tangents) {
                if let (Some(g), Some(t)) = (g, t) {
                    self.tan.insert(*g, Operand::Val(*t));
                }
            }
            for (o, g) in floats.iter().zip(&grads) {
                let t = self.t(*o);
                if let (Some(g), true) = (g, t != Operand::Const(0.0)) {
                    terms.push(self.scale(Operand::Val(*g), t, span));
                }
            }
            let t = self.sum(terms, span);
            self.set(dst, t);
            return;
        }
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
            // One slot per float argument that moves (the reverse sweep of a second-order
            // program has cleared the call's own slots: its forward sweep needs only the value).
            let new: Vec<Option<ValId>> = floats
                .iter()
                .map(|o| (self.t(*o) != Operand::Const(0.0)).then(|| self.new_tangent(span)))
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
