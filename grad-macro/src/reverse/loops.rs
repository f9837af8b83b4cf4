//! The adjoint of a loop, by the cheapest of three strategies.
//!
//! * **Fused.** A top-level loop whose only differentiated carried variable is an accumulator
//!   (`s += e`) and which holds every load of the slices it reads: the accumulator's adjoint is the
//!   same in every iteration, so the adjoint of each iteration runs right after it, in the forward
//!   loop, with a unit seed; afterwards the scalar adjoints are scaled by the real seed and the slice
//!   adjoints too (nothing else wrote them). This is the single pass a person writes by hand.
//! * **Accumulators.** Every differentiated carried variable is an accumulator, but the loop cannot
//!   fuse: a second loop after the forward sweep, in the same order, recomputes what it needs.
//! * **Taped.** A carried variable whose adjoint changes from one iteration to the next (an RNN's
//!   hidden state): the adjoint loop runs backwards, reading from a tape the values that the forward
//!   loop stored.
//!
//! In all three, values that are expensive to recompute (transcendental functions, calls, inner
//! loops) and that the adjoint reads are taped; cheap ones (loads, arithmetic) are recomputed.

use super::Rev;
use crate::dce::{eliminate, for_each_use, for_each_visible_def, reads};
use crate::ir::{Block, Carry, Iter, Kind, Loop, Operand, SeqId, Stmt, ValId};
use crate::rules::Prim;
use proc_macro2::Span;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Counts the loads of each sequence in a block.
pub fn count_loads(block: &Block, out: &mut HashMap<SeqId, usize>) {
    for s in &block.stmts {
        match s {
            Stmt::Load { seq, .. } => *out.entry(*seq).or_default() += 1,
            Stmt::Call { args, .. } | Stmt::CallVec { args, .. } => {
                for a in args {
                    if let crate::ir::CallArg::Seq(seq, _, _) = a {
                        *out.entry(*seq).or_default() += 1;
                    }
                }
            }
            Stmt::If { then, els, .. } => {
                count_loads(then, out);
                count_loads(els, out);
            }
            Stmt::Loop(l) => count_loads(&l.body, out),
            _ => {}
        }
    }
}

/// The sequences whose adjoints a block accumulates into.
fn accumulated_seqs(block: &Block, out: &mut Vec<SeqId>) {
    for s in &block.stmts {
        match s {
            Stmt::AccumSeq { seq, .. } if !out.contains(seq) => out.push(*seq),
            Stmt::CallAdjoint { args, .. } => {
                for a in args {
                    match a {
                        crate::ir::CallArg::Seq(seq, _, _) if !out.contains(seq) => out.push(*seq),
                        _ => {}
                    }
                }
            }
            Stmt::If { then, els, .. } => {
                accumulated_seqs(then, out);
                accumulated_seqs(els, out);
            }
            Stmt::Loop(l) => accumulated_seqs(&l.body, out),
            _ => {}
        }
    }
}

/// The buffers a block declares, at any depth.
fn declared_buffers(block: &Block, out: &mut HashSet<SeqId>) {
    for s in &block.stmts {
        match s {
            Stmt::NewBuf { seq, .. } | Stmt::CallVec { seq, .. } => {
                out.insert(*seq);
            }
            Stmt::If { then, els, .. } => {
                declared_buffers(then, out);
                declared_buffers(els, out);
            }
            Stmt::Loop(l) => declared_buffers(&l.body, out),
            _ => {}
        }
    }
}

/// Calls `f` on each buffer access of a block: `(buffer, is_store)`.
fn buffer_accesses(block: &Block, f: &mut impl FnMut(SeqId, bool)) {
    for s in &block.stmts {
        match s {
            Stmt::Load { seq, .. } => f(*seq, false),
            Stmt::Store { seq, .. } | Stmt::Resize { seq, .. } => f(*seq, true),
            Stmt::CallVec { seq, args, .. } => {
                f(*seq, true);
                for a in args {
                    if let crate::ir::CallArg::Seq(s, _, _) = a {
                        f(*s, false)
                    }
                }
            }
            Stmt::Call { args, .. } => {
                for a in args {
                    if let crate::ir::CallArg::Seq(seq, _, _) = a {
                        f(*seq, false)
                    }
                }
            }
            Stmt::If { then, els, .. } => {
                buffer_accesses(then, f);
                buffer_accesses(els, f);
            }
            Stmt::Loop(l) => buffer_accesses(&l.body, f),
            _ => {}
        }
    }
}

/// Removes the stores into buffers declared outside (their memory already holds what the forward
/// sweep wrote; the adjoint reads the taped values instead), and the effects (`println!`,
/// `assert!`): the forward sweep ran them, in order, once.
///
/// A resize the recomputation keeps saves nothing: the reverse restores what the forward sweep
/// saved (one save per resize the forward sweep ran, popped in reverse order).
fn drop_outer_stores(block: &mut Block, inner: &HashSet<SeqId>) {
    block.stmts.retain(|s| {
        !matches!(s, Stmt::Store { seq, .. } | Stmt::Resize { seq, .. } if !inner.contains(seq))
            && !matches!(s, Stmt::Effect { .. })
    });
    for s in &mut block.stmts {
        match s {
            Stmt::Resize { save, .. } => *save = None,
            Stmt::If { then, els, .. } => {
                drop_outer_stores(then, inner);
                drop_outer_stores(els, inner);
            }
            Stmt::Loop(l) => drop_outer_stores(&mut l.body, inner),
            _ => {}
        }
    }
}

/// Whether recomputing the value is dearer than storing and reloading it (or impossible). A load
/// from a buffer declared outside the loop is taped too: the buffer may be written again before
/// the reverse sweep reads it.
fn expensive_in(s: &Stmt, inner: &HashSet<SeqId>, func: &crate::ir::Func) -> bool {
    match s {
        Stmt::Load { seq, .. } => func.seq(*seq).buffer && !inner.contains(seq),
        // A draw (`rng.next_f64()`) cannot run again: the value is taped.
        Stmt::Opaque { dst, .. } if func.effects.contains(dst) => true,
        // A condition or integer kept as written that reads such a buffer (`if z[0] > c`).
        Stmt::Opaque { expr, .. } => crate::memory::buffers_read(func, expr)
            .iter()
            .any(|s| !inner.contains(s)),
        s => expensive(s),
    }
}

/// Whether recomputing the value is dearer than storing and reloading it.
fn expensive(s: &Stmt) -> bool {
    match s {
        Stmt::Prim { op, .. } => !matches!(
            op,
            Prim::Add
                | Prim::Sub
                | Prim::Mul
                | Prim::Div
                | Prim::Neg
                | Prim::Abs
                | Prim::Sign0
                | Prim::IsEq
                | Prim::IsLt
                | Prim::DivOr0
                | Prim::MulOr0
                | Prim::Max
                | Prim::Min
                | Prim::Clamp
                | Prim::MulAdd
                | Prim::Floor
                | Prim::DivEuclid
                | Prim::Ceil
                | Prim::Round
                | Prim::RoundTiesEven
                | Prim::Trunc
                | Prim::Fract
                | Prim::Narrow
                | Prim::Signum
                | Prim::Recip
                | Prim::ToDegrees
                | Prim::ToRadians
                | Prim::PowI
        ),
        Stmt::Call { .. } | Stmt::CallVec { .. } | Stmt::Loop(_) => true,
        _ => false,
    }
}

/// `next = phi + e` (or `e + phi`, `phi - e`) with `phi` and `next` read nowhere else: the adjoint
/// of `phi` is the adjoint of `next`, the same in every iteration. (`s += x[i]; loss += s * s`
/// reads `next`, so the adjoint of `s` changes from one iteration to the next.)
pub fn is_accumulator(l: &Loop, c: &Carry) -> bool {
    let Operand::Val(n) = c.next else {
        return false;
    };
    let phi = Operand::Val(c.phi);
    let defined_as_sum = l.body.stmts.iter().any(|s| match s {
        Stmt::Prim { dst, op, args } if *dst == n => match op {
            Prim::Add => args[0] == phi || args[1] == phi,
            Prim::Sub => args[0] == phi && args[1] != phi,
            _ => false,
        },
        _ => false,
    });
    if !defined_as_sum {
        return false;
    }
    let (mut phi_uses, mut next_uses) = (0, 0);
    for s in &l.body.stmts {
        for_each_use(s, &mut |v| {
            phi_uses += (v == c.phi) as usize;
            next_uses += (v == n) as usize;
        });
    }
    for other in &l.carried {
        phi_uses += (other.next == phi) as usize;
        next_uses += (other.next == c.next && other.phi != c.phi) as usize;
    }
    phi_uses == 1 && next_uses == 0
}

impl Rev<'_> {
    pub(super) fn reverse_loop(&mut self, l: &mut Loop) {
        let out_bars: Vec<Option<Operand>> = l.carried.iter().map(|c| self.take(c.out)).collect();
        let mut inner = HashSet::new();
        declared_buffers(&l.body, &mut inner);
        let (mut touches_outer, mut stores_outer) = (false, false);
        buffer_accesses(&l.body, &mut |seq, store| {
            let info = self.b.func.seq(seq);
            if info.buffer && !inner.contains(&seq) {
                touches_outer = true;
                stores_outer |= store && info.active;
            }
        });
        let snapshots = crate::memory::snapshots_needed(self.b.func, l, &inner);
        stores_outer |= !snapshots.is_empty();
        // The saves of resizes are popped in reverse order: such a loop is reversed backwards,
        // or fused (each iteration's adjoint right after it) when the buffers it resizes are its
        // own.
        let mut resized = HashSet::new();
        crate::ir::resized_seqs(&l.body, &mut resized);
        if !resized.is_empty() {
            stores_outer = true;
            touches_outer |= resized.iter().any(|s| !inner.contains(s));
            self.range_reads_resized(l, &resized);
        }
        if out_bars.iter().all(|b| b.is_none())
            && !stores_outer
            && !crate::memory::has_undo(&l.body)
        {
            // Nothing the result depends on leaves the loop, and it leaves memory as it found it.
            return;
        }
        let active: Vec<usize> = (0..l.carried.len())
            .filter(|&k| self.b.func.info(l.carried[k].phi).active)
            .collect();
        let acc: Vec<bool> = l.carried.iter().map(|c| is_accumulator(l, c)).collect();
        let all_acc = active.iter().all(|&k| acc[k]);
        if self.fuse
            && self.depth == 1
            && all_acc
            && !touches_outer
            && active.len() == 1
            && self.holds_all_loads(l)
        {
            let k = active[0];
            if let Some(bar) = out_bars[k] {
                self.fused(l, k, bar);
            }
            return;
        }
        // Iterations that communicate through a buffer are reversed in reverse order.
        self.separate(
            l,
            &active,
            &acc,
            &out_bars,
            all_acc && !stores_outer,
            &inner,
        );
    }

    /// A loop whose bound reads the length of a buffer its body resizes (`for i in 0..h.len() {
    /// ..; h = next; }`): the reverse would read the length the buffer has at its end. Refused.
    fn range_reads_resized(&mut self, l: &Loop, resized: &HashSet<SeqId>) {
        let Some(range) = l.iter.range() else { return };
        let read = crate::memory::buffers_read(self.b.func, &range.tokens);
        if !read.iter().any(|s| resized.contains(s)) {
            return;
        }
        let msg = "`#[gradient]` cannot follow a loop whose bound reads the length of a buffer the loop resizes (a `Vec` given another length inside it): bind the length before the loop (`let n = h.len();`) and loop over `0..n`";
        let span = range
            .tokens
            .clone()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |t| t.span());
        self.b.push(Stmt::Effect {
            expr: quote::quote_spanned!(span=> ::core::compile_error!(#msg)),
            uses: Vec::new(),
        });
    }

    fn holds_all_loads(&self, l: &Loop) -> bool {
        let mut inside = HashMap::new();
        count_loads(&l.body, &mut inside);
        inside
            .iter()
            .filter(|(s, _)| self.b.func.seq(**s).active)
            .all(|(s, n)| self.loads.get(s) == Some(n))
    }

    /// Sums the contributions left for outer values into new loop-carried accumulators.
    fn outer_accumulators(&mut self) -> (Vec<Carry>, Vec<(ValId, ValId)>) {
        let mut carries = Vec::new();
        let mut outs = Vec::new();
        for (u, sum) in self.drain_frame() {
            let flagged = self.is_flagged(sum);
            let phi = self.b.new_val(Kind::Float, true, Span::call_site());
            let next = self.b.add(Operand::Val(phi), sum, Span::call_site());
            let out = self.b.new_val(Kind::Float, true, Span::call_site());
            self.flag_if(Operand::Val(out), flagged);
            carries.push(Carry {
                phi,
                init: Operand::Const(0.0),
                next,
                out,
            });
            outs.push((u, out));
        }
        (carries, outs)
    }

    /// Input: `for i in r { ..; s = s + e }` with `s̄` known only after the loop.
    /// Output: `for i in r { ..; s = s + e; <adjoint of the body with s̄ = 1, into ḡ and d_x> }`, then
    /// `ū += s̄ · ḡ` and `d_x *= s̄`.
    fn fused(&mut self, l: &mut Loop, k: usize, bar: Operand) {
        let c = l.carried[k];
        let floor = self.b.open_isolated();
        self.frames.push(BTreeMap::new());
        self.reset_buffers(&l.body);
        self.contribute(c.next, Operand::Const(1.0));
        self.block(&mut l.body);
        self.take(c.phi);
        let (carries, outs) = self.outer_accumulators();
        self.frames.pop();
        let adjoint = self.b.close_isolated(floor);
        let mut seqs = Vec::new();
        accumulated_seqs(&adjoint, &mut seqs);
        l.body.stmts.extend(adjoint.stmts);
        l.carried.extend(carries);
        l.fused = true;
        for (u, out) in outs {
            let scaled = self.scale(bar, Operand::Val(out), false, Span::call_site());
            self.contribute(Operand::Val(u), scaled);
        }
        self.contribute(c.init, bar);
        if bar != Operand::Const(1.0) {
            // A slice passed to a helper without being differentiated has no adjoint to scale.
            seqs.retain(|s| self.b.func.seq(*s).active);
            for seq in seqs {
                self.b.push(Stmt::ScaleSeq { seq, factor: bar });
            }
        }
    }

    /// The adjoint as a loop of its own, after the forward sweep: in forward order when every
    /// differentiated carried variable is an accumulator, backwards over a tape otherwise.
    fn separate(
        &mut self,
        l: &mut Loop,
        active: &[usize],
        acc: &[bool],
        out_bars: &[Option<Operand>],
        all_acc: bool,
        inner: &HashSet<SeqId>,
    ) {
        let snapshots = crate::memory::snapshots_needed(self.b.func, l, inner);
        // A `while` loop's adjoint learns how many iterations ran from the tape, backwards.
        let is_while = matches!(l.iter, Iter::While { .. });
        let backwards = !all_acc || is_while;
        self.b.open();
        self.frames.push(BTreeMap::new());
        self.reset_buffers(&l.body);
        let mut varying = Vec::new();
        for &k in active {
            let c = l.carried[k];
            if acc[k] {
                if let Some(bar) = out_bars[k] {
                    self.contribute(c.next, bar);
                }
            } else {
                let rb = self.b.new_val(Kind::Float, true, Span::call_site());
                // The previous iteration's branches may have left it at 0.
                self.may_be_zero.insert(rb);
                self.contribute(c.next, Operand::Val(rb));
                varying.push((k, rb));
            }
        }
        self.block(&mut l.body);
        let mut rb_next = Vec::new();
        for &(k, _) in &varying {
            rb_next.push(self.take(l.carried[k].phi).unwrap_or(Operand::Const(0.0)));
        }
        for &k in active {
            if acc[k] {
                self.take(l.carried[k].phi);
            }
        }
        let (g_carries, g_outs) = self.outer_accumulators();
        self.frames.pop();
        let adjoint = self.b.close();

        // What the adjoint reads from the iteration: taped when dear, recomputed when cheap.
        let mut needed = reads(&adjoint);
        // The carried adjoints' next values are read by the loop itself (`prev = v;` makes the
        // adjoint of `prev` at the iteration's start that of `old = prev`, a primal's multiple
        // or a primal itself).
        needed.extend(rb_next.iter().filter_map(|o| o.val()));
        let mut taped: Vec<ValId> = Vec::new();
        for s in &l.body.stmts {
            // A call lent data it may change (a generator) runs once: all it gives is taped, so
            // the recomputation leaves it out.
            if let Stmt::Call { args, .. } = s {
                if crate::ir::lends_data(args, &self.b.func.mut_data) {
                    for_each_visible_def(s, &mut |v| {
                        if !taped.contains(&v) {
                            taped.push(v);
                        }
                    });
                    continue;
                }
            }
            if expensive_in(s, inner, self.b.func) {
                for_each_visible_def(s, &mut |v| {
                    if needed.contains(&v) && !taped.contains(&v) {
                        taped.push(v);
                    }
                });
            }
        }
        let phis: Vec<ValId> = l.carried.iter().map(|c| c.phi).collect();
        let mut rerun: Vec<usize> = Vec::new();
        let func: &crate::ir::Func = self.b.func;
        // A buffer restored from a snapshot is rewritten by the recomputation as it was by the
        // forward sweep (see `memory`).
        let mut replayed = inner.clone();
        replayed.extend(snapshots.iter().copied());
        let recompute = loop {
            let mut copy = l.body.clone();
            drop_outer_stores(&mut copy, &replayed);
            copy.stmts.retain(|s| {
                let mut all_taped = true;
                let mut any = false;
                for_each_visible_def(s, &mut |v| {
                    any = true;
                    all_taped &= taped.contains(&v);
                });
                !(any && all_taped && expensive_in(s, inner, func) && !has_effect(s))
            });
            let mut live: HashSet<ValId> = needed.clone();
            for &k in &rerun {
                if let Operand::Val(n) = l.carried[k].next {
                    live.insert(n);
                }
            }
            eliminate(&mut copy, &mut live);
            let mut changed = false;
            // An expensive value the recomputation itself needs is taped too.
            for s in &l.body.stmts {
                if expensive_in(s, inner, self.b.func) {
                    for_each_visible_def(s, &mut |v| {
                        if live.contains(&v) && !taped.contains(&v) {
                            taped.push(v);
                            changed = true;
                        }
                    });
                }
            }
            for (k, phi) in phis.iter().enumerate() {
                if !live.contains(phi) || taped.contains(phi) || rerun.contains(&k) {
                    continue;
                }
                // In forward order an undifferentiated carried variable is simply run again.
                if !backwards && !self.b.func.info(*phi).active {
                    rerun.push(k);
                } else {
                    taped.push(*phi);
                }
                changed = true;
            }
            if !changed {
                break copy;
            }
        };

        // Iterating backwards, the next value of a carried variable is the value at the start of
        // the iteration processed just before (the last iteration's is the loop's result): when
        // both are taped, the backward loop carries it instead (an RNN stores each state once).
        let mut relay = Vec::new();
        if backwards {
            for c in &l.carried {
                if let Operand::Val(n) = c.next {
                    if taped.contains(&c.phi) && taped.contains(&n) && n != c.phi {
                        taped.retain(|v| *v != n);
                        relay.push(Carry {
                            phi: n,
                            init: Operand::Val(c.out),
                            next: Operand::Val(c.phi),
                            out: self
                                .b
                                .new_val(self.b.func.info(n).kind, false, Span::call_site()),
                        });
                    }
                }
            }
        }
        let range = l.iter.range().cloned();
        let iter = if let (true, Some(range)) = (taped.is_empty(), &range) {
            Iter::Range {
                range: range.clone(),
                rev: backwards,
            }
        } else {
            let tape = self.b.func.new_tape();
            l.body.stmts.push(Stmt::TapePush {
                tape,
                vals: taped.clone(),
            });
            l.records = Some(tape);
            Iter::Tape {
                tape,
                vals: taped,
                range,
                rev: backwards,
            }
        };
        let mut carried = Vec::new();
        let mut init_bars = Vec::new();
        for (&(k, rb), next) in varying.iter().zip(rb_next) {
            let out = self.b.new_val(Kind::Float, true, Span::call_site());
            carried.push(Carry {
                phi: rb,
                init: out_bars[k].unwrap_or(Operand::Const(0.0)),
                next,
                out,
            });
            init_bars.push((l.carried[k].init, Operand::Val(out)));
        }
        for &k in active {
            if acc[k] {
                if let Some(bar) = out_bars[k] {
                    init_bars.push((l.carried[k].init, bar));
                }
            }
        }
        for &k in &rerun {
            let c = l.carried[k];
            let out = self
                .b
                .new_val(self.b.func.info(c.phi).kind, false, Span::call_site());
            carried.push(Carry { out, ..c });
        }
        carried.extend(g_carries);
        carried.extend(relay);
        let mut body = recompute;
        body.stmts.extend(adjoint.stmts);
        let restores: Vec<(SeqId, crate::ir::TapeId)> = snapshots
            .iter()
            .map(|&s| (s, self.b.func.new_tape()))
            .collect();
        l.snapshots.clone_from(&restores);
        self.b.push(Stmt::Loop(Box::new(Loop {
            iter,
            carried,
            body,
            records: None,
            fused: false,
            snapshots: Vec::new(),
            restores,
        })));
        for (u, out) in g_outs {
            self.contribute(Operand::Val(u), Operand::Val(out));
        }
        for (init, bar) in init_bars {
            self.contribute(init, bar);
        }
    }
}

/// Statements that must run even when nobody reads their values.
fn has_effect(s: &Stmt) -> bool {
    match s {
        s if s.is_effect() => true,
        Stmt::Loop(l) => {
            l.records.is_some()
                || !l.snapshots.is_empty()
                || !l.restores.is_empty()
                || l.body.stmts.iter().any(has_effect)
        }
        Stmt::If { then, els, .. } => then.stmts.iter().chain(&els.stmts).any(has_effect),
        _ => false,
    }
}
