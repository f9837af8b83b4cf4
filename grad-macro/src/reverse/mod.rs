//! Reverse mode: from the forward IR, the adjoint program that propagates ∂result/∂value backwards.
//!
//! Statements are visited last to first. Each value collects the contributions of its uses; when its
//! definition is reached their sum is its adjoint, which flows to the operands through the local
//! derivatives of [`rules::partial`]. A branch is reversed inside the same condition, and what its
//! reverse contributes to values defined before the `if` leaves it through merges, so the adjoint
//! program stays in SSA form like the forward one.

mod loops;

pub use loops::is_accumulator;

use crate::ir::{Block, Builder, Func, Merge, Operand, SeqId, Stmt, ValId};
use crate::rules::{self, Prim};
use proc_macro2::Span;
use std::collections::{BTreeMap, HashMap, HashSet};

struct Rev<'f> {
    b: Builder<'f>,
    /// Contributions to the adjoints of values, one frame per open branch or loop body.
    frames: Vec<BTreeMap<ValId, Vec<Operand>>>,
    /// How many loads each sequence has in the whole function (a loop may fuse its adjoint into
    /// the forward sweep only when it holds all of them).
    loads: HashMap<SeqId, usize>,
    /// Depth of branches and loops around the statement being reversed.
    depth: usize,
    /// Adjoints that control flow may leave at 0 at run time (see [`Rev::scale`]).
    may_be_zero: HashSet<ValId>,
    /// Loops may fuse their adjoint into the forward sweep (see `loops`).
    fuse: bool,
    /// The buffers whose length changes: their adjoints are sized like them where their reverse
    /// scope starts.
    resized: HashSet<SeqId>,
}

/// The adjoint program of `func` and the adjoint of each of `inputs` (a constant 0 when the result
/// does not depend on it).
pub fn reverse(func: &mut Func, inputs: &[ValId]) -> (Block, Vec<Operand>) {
    reverse_with(func, inputs, true)
}

/// [`reverse`], with loops fused into their adjoint only when `fuse` (a fused loop scales its
/// adjoints by the seed afterwards, a statement forward mode does not differentiate).
pub fn reverse_with(func: &mut Func, inputs: &[ValId], fuse: bool) -> (Block, Vec<Operand>) {
    let mut forward = std::mem::take(&mut func.body);
    let ret = func.ret;
    let mut loads = HashMap::new();
    loops::count_loads(&forward, &mut loads);
    let mut resized = HashSet::new();
    crate::ir::resized_seqs(&forward, &mut resized);
    let mut rev = Rev {
        b: Builder::new(func, true),
        frames: vec![BTreeMap::new()],
        loads,
        depth: 0,
        may_be_zero: HashSet::new(),
        fuse,
        resized,
    };
    // Operations the forward sweep already computed at top level are reused, not recomputed.
    for s in &forward.stmts {
        if let Stmt::Prim { dst, op, args } = s {
            rev.b.remember(*op, args, *dst);
        }
    }
    rev.contribute(ret, Operand::Const(1.0));
    rev.reset_buffers(&forward);
    rev.block(&mut forward);
    let grads = inputs
        .iter()
        .map(|v| rev.take(*v).unwrap_or(Operand::Const(0.0)))
        .collect();
    let adjoint = rev.b.finish();
    func.body = forward;
    (adjoint, grads)
}

impl Rev<'_> {
    /// `adj · p`, the contribution of a use with adjoint `adj` and local derivative `p`, and 0
    /// wherever `adj` is 0 even if `p` is infinite or NaN ("strong zero", as Enzyme calls it). A
    /// zero adjoint means the result does not depend on the value here: a path that does not use
    /// it, a saturated `tanh`, an intermediate that underflowed to 0. The local derivative may be
    /// infinite at the same point (`sqrt` or `ln` at 0, a factor that overflowed, `1.0 / n` with
    /// `n = 0` before an early return), and IEEE's 0 · ∞ = NaN would poison a gradient that is 0.
    ///
    /// The test costs a select. It is left out only where `p` is an undifferentiated operand of the
    /// user's product (data such as `x[i]` in `w[j] * x[i]`, the hot path of every data loop) and
    /// no branch or loop can have left `adj` at 0: data that is infinite makes the value itself
    /// infinite or NaN, unless a path discards it, which is the case the flag tracks.
    fn scale(&mut self, adj: Operand, p: Operand, data_operand: bool, span: Span) -> Operand {
        let finite_const = |o: Operand| o.as_const().is_some_and(f64::is_finite);
        let flagged = matches!(adj, Operand::Val(v) if self.may_be_zero.contains(&v));
        if finite_const(adj) || finite_const(p) || (data_operand && !flagged) {
            let c = self.b.mul(adj, p, span);
            self.flag_if(c, flagged);
            return c;
        }
        let c = self.b.prim(Prim::MulOr0, vec![p, adj], span);
        self.flag_if(c, flagged);
        c
    }

    fn flag_if(&mut self, o: Operand, flag: bool) {
        if let (Operand::Val(v), true) = (o, flag) {
            self.may_be_zero.insert(v);
        }
    }

    fn is_flagged(&self, o: Operand) -> bool {
        matches!(o, Operand::Val(v) if self.may_be_zero.contains(&v))
    }

    fn contribute(&mut self, to: Operand, c: Operand) {
        let Operand::Val(v) = to else { return };
        if !self.b.func.info(v).active || c == Operand::Const(0.0) {
            return;
        }
        self.frames
            .last_mut()
            .unwrap()
            .entry(v)
            .or_default()
            .push(c);
    }

    /// The adjoint of `v`: the sum of the contributions collected so far, which are then consumed.
    fn take(&mut self, v: ValId) -> Option<Operand> {
        let list = self.frames.last_mut().unwrap().remove(&v)?;
        let span = self.b.func.info(v).span;
        let flagged = list.iter().any(|c| self.is_flagged(*c));
        let mut it = list.into_iter();
        let first = it.next()?;
        let sum = it.fold(first, |acc, c| self.b.add(acc, c, span));
        self.flag_if(sum, flagged);
        Some(sum)
    }

    fn block(&mut self, block: &mut Block) {
        for s in block.stmts.iter_mut().rev() {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &mut Stmt) {
        match s {
            Stmt::Prim { dst, op, args } => {
                let Some(adj) = self.take(*dst) else { return };
                let span = self.b.func.info(*dst).span;
                for (i, a) in args.iter().enumerate() {
                    if self.b.func.is_active(*a) {
                        let p = rules::partial(&mut self.b, *op, args, Operand::Val(*dst), i, span);
                        let data_operand = matches!(op, Prim::Mul | Prim::MulAdd)
                            && i < 2
                            && p == args[1 - i]
                            && !self.b.func.is_active(p);
                        let c = self.scale(adj, p, data_operand, span);
                        self.contribute(*a, c);
                    }
                }
            }
            Stmt::Call {
                dst,
                args,
                grads,
                callee,
                ..
            } => {
                let Some(adj) = self.take(*dst) else { return };
                let span = self.b.func.info(*dst).span;
                if args
                    .iter()
                    .any(|a| matches!(a, crate::ir::CallArg::Seq(..)))
                {
                    // The callee's gradient is computed here, where the seed is known.
                    let mut new_grads = Vec::new();
                    for g in grads.iter() {
                        new_grads
                            .push(g.map(|_| self.b.new_val(crate::ir::Kind::Float, true, span)));
                    }
                    self.b.push(Stmt::CallAdjoint {
                        callee: callee.clone(),
                        args: args.clone(),
                        seed: adj,
                        grads: new_grads.clone(),
                    });
                    // The forward sweep only needs the value.
                    grads.iter_mut().for_each(|g| *g = None);
                    let floats = args.iter().filter_map(|a| match a {
                        crate::ir::CallArg::Float(o) | crate::ir::CallArg::FloatRef(o) => Some(*o),
                        _ => None,
                    });
                    let pairs: Vec<_> = floats.zip(new_grads).collect();
                    for (arg, g) in pairs {
                        if let Some(g) = g {
                            let c = self.scale(adj, Operand::Val(g), false, span);
                            self.contribute(arg, c);
                        }
                    }
                    return;
                }
                let floats = args.iter().filter_map(|a| match a {
                    crate::ir::CallArg::Float(o) | crate::ir::CallArg::FloatRef(o) => Some(*o),
                    _ => None,
                });
                let pairs: Vec<_> = floats.zip(grads.iter().copied()).collect();
                for (arg, g) in pairs {
                    if let Some(g) = g {
                        let c = self.scale(adj, Operand::Val(g), false, span);
                        self.contribute(arg, c);
                    }
                }
            }
            Stmt::Load { dst, seq, index } => {
                if let Some(adj) = self.take(*dst) {
                    self.b.push(Stmt::AccumSeq {
                        seq: *seq,
                        index: *index,
                        value: adj,
                    });
                }
            }
            Stmt::Store {
                seq,
                index,
                value,
                undo,
            } => {
                if self.b.func.seq(*seq).active {
                    // The store overwrote the element: its adjoint moves to the stored value.
                    let span = Span::call_site();
                    let dst = self.b.new_val(crate::ir::Kind::Float, true, span);
                    self.b.push(Stmt::AdjLoad {
                        dst,
                        seq: *seq,
                        index: *index,
                    });
                    // Whether a path wrote this element's adjoint is known only at run time.
                    self.may_be_zero.insert(dst);
                    self.contribute(*value, Operand::Val(dst));
                }
                if let Some(old) = *undo {
                    // Memory as it was before the store, for the adjoints of earlier statements.
                    self.b.push(Stmt::Store {
                        seq: *seq,
                        index: *index,
                        value: Operand::Val(old),
                        undo: None,
                    });
                }
            }
            Stmt::CallVec { seq, dot, args, .. } => {
                if !self.b.func.seq(*seq).active {
                    return;
                }
                // Jᵀ · d_seq, from the gradient of the callee's `f · d_out` with `d_out = d_seq`.
                let span = Span::call_site();
                let floats: Vec<Operand> = args
                    .iter()
                    .filter_map(|a| match a {
                        crate::ir::CallArg::Float(o) | crate::ir::CallArg::FloatRef(o) => Some(*o),
                        _ => None,
                    })
                    .collect();
                let grads: Vec<Option<ValId>> = floats
                    .iter()
                    .map(|o| {
                        self.b
                            .func
                            .is_active(*o)
                            .then(|| self.b.new_val(crate::ir::Kind::Float, true, span))
                    })
                    .collect();
                let mut all = args.clone();
                all.push(crate::ir::CallArg::Adjoint(*seq));
                self.b.push(Stmt::CallAdjoint {
                    callee: dot.clone(),
                    args: all,
                    seed: Operand::Const(1.0),
                    grads: grads.clone(),
                });
                for (arg, g) in floats.into_iter().zip(grads) {
                    if let Some(g) = g {
                        self.contribute(arg, Operand::Val(g));
                    }
                }
            }
            Stmt::Resize { seq, save, .. } => {
                // The old length and the elements a shrink drops, for the reverse to restore.
                let tape = *save.get_or_insert_with(|| self.b.func.new_tape());
                let adjoints = if self.b.func.seq(*seq).active {
                    vec![*seq]
                } else {
                    Vec::new()
                };
                self.b.push(Stmt::Unresize {
                    seq: *seq,
                    save: tape,
                    adjoints,
                });
            }
            Stmt::NewBuf { .. }
            | Stmt::ResetAdj { .. }
            | Stmt::AdjLoad { .. }
            | Stmt::Unresize { .. } => {}
            Stmt::Opaque { .. }
            | Stmt::CallAdjoint { .. }
            | Stmt::CallTangent { .. }
            | Stmt::VecTangent { .. }
            | Stmt::CallSecond { .. }
            | Stmt::CallAdjointSecond { .. }
            | Stmt::Effect { .. }
            | Stmt::AccumSeq { .. }
            | Stmt::ScaleSeq { .. }
            | Stmt::TapePush { .. } => {}
            Stmt::Loop(l) => {
                self.depth += 1;
                self.reverse_loop(l);
                self.depth -= 1;
            }
            Stmt::If {
                cond,
                then,
                els,
                merges,
                ..
            } => {
                self.depth += 1;
                self.branch(*cond, then, els, merges);
                self.depth -= 1;
            }
        }
    }

    /// Input: `r = if c { ...; a } else { ...; b }` with adjoint `r̄`.
    /// Output: `(ū, v̄..) = if c { reverse(then) with ā = r̄ } else { reverse(else) with b̄ = r̄ }`
    /// for every value `u, v..` defined before the `if` that either reversed branch reaches.
    fn branch(&mut self, cond: ValId, then: &mut Block, els: &mut Block, merges: &[Merge]) {
        let mut seeds = Vec::new();
        for m in merges {
            if let Some(adj) = self.take(m.dst) {
                seeds.push((m.then, m.els, adj));
            }
        }
        let (then_block, then_out) = self.reverse_branch(then, seeds.iter().map(|s| (s.0, s.2)));
        let (else_block, else_out) = self.reverse_branch(els, seeds.iter().map(|s| (s.1, s.2)));

        let mut outer: Vec<ValId> = then_out.keys().chain(else_out.keys()).copied().collect();
        outer.sort();
        outer.dedup();
        // A branch may reach no outer value and still accumulate into a gradient buffer.
        if outer.is_empty() && then_block.stmts.is_empty() && else_block.stmts.is_empty() {
            return;
        }
        let mut out_merges = Vec::new();
        for u in outer {
            let t = then_out.get(&u).copied().unwrap_or(Operand::Const(0.0));
            let e = else_out.get(&u).copied().unwrap_or(Operand::Const(0.0));
            let dst = self
                .b
                .new_val(crate::ir::Kind::Float, true, Span::call_site());
            let zero = Operand::Const(0.0);
            if t == zero || e == zero || self.is_flagged(t) || self.is_flagged(e) {
                self.may_be_zero.insert(dst);
            }
            out_merges.push(Merge {
                dst,
                then: t,
                els: e,
            });
            self.contribute(Operand::Val(u), Operand::Val(dst));
        }
        self.b.push(Stmt::If {
            cond,
            then: then_block,
            els: else_block,
            merges: out_merges,
            exports: Vec::new(),
        });
    }

    /// Reverses one branch; returns its block and the summed contributions to outer values.
    fn reverse_branch(
        &mut self,
        block: &mut Block,
        seeds: impl Iterator<Item = (Operand, Operand)>,
    ) -> (Block, HashMap<ValId, Operand>) {
        self.b.open();
        self.frames.push(BTreeMap::new());
        for (to, adj) in seeds {
            self.contribute(to, adj);
        }
        self.reset_buffers(block);
        self.block(block);
        let out = self.drain_frame().into_iter().collect();
        self.frames.pop();
        (self.b.close(), out)
    }

    /// Zeroes the adjoints of the buffers `block` declares, where the reverse of `block` starts.
    pub(super) fn reset_buffers(&mut self, block: &Block) {
        for s in &block.stmts {
            let (seq, len) = match s {
                Stmt::NewBuf { seq, len, .. } => (*seq, len.clone()),
                Stmt::CallVec { seq, len, .. } => (*seq, crate::ir::BufLen::Vec(*len)),
                _ => continue,
            };
            if self.b.func.seq(seq).active {
                // A buffer whose length changes has, where its reverse scope starts, the length
                // the forward sweep left it with.
                let len = if self.resized.contains(&seq) {
                    crate::ir::BufLen::Like(seq)
                } else {
                    len
                };
                self.b.push(Stmt::ResetAdj { seq, len });
            }
        }
    }

    /// The summed contributions left in the innermost frame: those to values defined outside it.
    fn drain_frame(&mut self) -> Vec<(ValId, Operand)> {
        let remaining: Vec<ValId> = self.frames.last().unwrap().keys().copied().collect();
        remaining
            .into_iter()
            .filter_map(|u| self.take(u).map(|s| (u, s)))
            .collect()
    }
}

/// An expression that changes data (see `Func::effects`) which `adjoint` would run again: inside
/// a branch or an inner loop of a loop whose adjoint computes its iterations again, where the
/// value cannot be taped. The error is at the expression.
pub fn recomputed_effect(func: &Func, adjoint: &Block) -> Option<syn::Error> {
    fn find(func: &Func, b: &Block) -> Option<ValId> {
        b.stmts.iter().find_map(|s| match s {
            Stmt::Opaque { dst, .. } if func.effects.contains(dst) => Some(*dst),
            Stmt::If { then, els, .. } => find(func, then).or_else(|| find(func, els)),
            Stmt::Loop(l) => find(func, &l.body),
            _ => None,
        })
    }
    let v = find(func, adjoint)?;
    let changes = changes_at(func, &func.body, v).unwrap_or(true);
    Some(syn::Error::new(
        func.info(v).span,
        if changes {
            "this expression changes data lent mutably (a draw from a random generator), inside a branch or an inner loop of a loop whose derivative runs the loop's iterations again, which would change the data again: draw the values into a `Vec` before the loop (`let u: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();`) and read them there"
        } else {
            "this expression reads data lent mutably, which the body changes (a method called on it, a field written), inside a branch or an inner loop of a loop whose derivative runs the loop's iterations again, where it would read what the data holds by then: read it into a local at the top of the loop's body (`let y = g.y;`), or collect what an inner loop reads into a `Vec` before it"
        },
    ))
}

/// Whether the expression that defines `v` changes data (rather than only reading it).
fn changes_at(func: &Func, b: &Block, v: ValId) -> Option<bool> {
    b.stmts.iter().find_map(|s| match s {
        Stmt::Opaque { dst, expr, .. } if *dst == v => {
            Some(crate::ir::changes_data(expr, &func.mut_data))
        }
        Stmt::If { then, els, .. } => {
            changes_at(func, then, v).or_else(|| changes_at(func, els, v))
        }
        Stmt::Loop(l) => changes_at(func, &l.body, v),
        _ => None,
    })
}
