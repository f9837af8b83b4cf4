//! Buffers the reverse sweep reads from memory, kept equal to what the forward sweep read.
//!
//! The adjoint of a loop recomputes cheap values from its body, and the adjoint of a nested loop,
//! of a branch inside a loop or of a call that takes a buffer reads the buffer's memory again. A
//! buffer written after such a read (a scratch buffer reused for every sample, a hidden state
//! overwritten at every step, `prev[0] = x[i]` read by the next iteration) no longer holds what was
//! read. Two devices restore it, so that whenever the reverse sweep reaches a statement, memory is
//! as the forward sweep left it right after that statement:
//!
//! * **Undo.** A store that some earlier statement's adjoint reads past loads the old element first;
//!   the reverse of the store writes it back (one value per store, taped like any other value in
//!   a loop).
//! * **Snapshot and replay.** A loop that writes a buffer that its own adjoint reads from memory
//!   pushes the buffer's contents onto a tape as each iteration starts; the reverse of the
//!   iteration restores them, then recomputes the iteration with its stores (which the
//!   recomputation otherwise leaves out), so every read in it sees what the forward sweep saw.
//!   Memory: the buffer's length per iteration of that loop (as JAX keeps the activations of each
//!   step).

use crate::ir::{Block, CallArg, Func, Kind, Loop, Operand, SeqId, Stmt, ValId};
use proc_macro2::Span;
use std::collections::HashSet;

/// Gives an undo to every store into a local buffer that a memory read of the same buffer precedes.
pub fn plan_undo(func: &mut Func) {
    let mut body = std::mem::take(&mut func.body);
    scopes(func, &mut body);
    func.body = body;
}

/// Visits each buffer declaration: the statements after it in its block are the buffer's scope.
fn scopes(func: &mut Func, block: &mut Block) {
    // The undo loads inserted into the block lengthen it as it is visited.
    let mut q = 0;
    while q < block.stmts.len() {
        if let Stmt::NewBuf { seq, .. } | Stmt::CallVec { seq, .. } = block.stmts[q] {
            let mut seen = false;
            let mut rest = Block {
                stmts: block.stmts.split_off(q + 1),
            };
            undo_in(func, &mut rest, seq, 0, false, &mut seen);
            block.stmts.append(&mut rest.stmts);
        }
        match &mut block.stmts[q] {
            Stmt::Loop(l) => scopes(func, &mut l.body),
            Stmt::If { then, els, .. } => {
                scopes(func, then);
                scopes(func, els);
            }
            _ => {}
        }
        q += 1;
    }
}

/// In textual order: a memory read of `seq` sets `seen`; a store after one gets an undo.
fn undo_in(
    func: &mut Func,
    block: &mut Block,
    seq: SeqId,
    loops: usize,
    branch: bool,
    seen: &mut bool,
) {
    let mut q = 0;
    while q < block.stmts.len() {
        let memory_read = match &block.stmts[q] {
            Stmt::Load { dst, seq: s, .. } => {
                *s == seq && (loops >= 2 || branch) && !accumulated_back(block, *dst, seq)
            }
            Stmt::Opaque { expr, .. } => {
                (loops >= 2 || branch) && buffers_read(func, expr).contains(&seq)
            }
            Stmt::Call { args, .. } | Stmt::CallVec { args, .. } => passes(args, seq),
            _ => false,
        };
        *seen |= memory_read;
        match &mut block.stmts[q] {
            Stmt::Store {
                seq: s,
                index,
                undo,
                ..
            } if *s == seq && *seen && undo.is_none() => {
                let old = crate::ir::new_val(func, Kind::Float, false, Span::call_site());
                *undo = Some(old);
                let index = *index;
                block.stmts.insert(
                    q,
                    Stmt::Load {
                        dst: old,
                        seq,
                        index,
                    },
                );
                q += 1;
            }
            Stmt::Loop(l) => undo_in(func, &mut l.body, seq, loops + 1, false, seen),
            Stmt::If { then, els, .. } => {
                let branch = branch || loops >= 1;
                undo_in(func, then, seq, loops, branch, seen);
                undo_in(func, els, seq, loops, branch, seen);
            }
            _ => {}
        }
        q += 1;
    }
}

fn passes(args: &[CallArg], seq: SeqId) -> bool {
    args.iter()
        .any(|a| matches!(a, CallArg::Seq(s, _, _) if *s == seq))
}

/// `z[k] += e`: the loaded value only feeds a sum stored back into the buffer, so its derivative
/// needs no value (the partial of `+` is 1) and no adjoint reads it.
pub fn accumulated_back(b: &Block, load: ValId, seq: SeqId) -> bool {
    let count = |v: ValId| {
        let mut n = 0;
        for s in &b.stmts {
            crate::dce::for_each_use(s, &mut |w| n += usize::from(w == v));
        }
        n
    };
    b.stmts.iter().any(|s| match s {
        Stmt::Prim {
            dst,
            op: crate::rules::Prim::Add | crate::rules::Prim::Sub,
            args,
        } if args.contains(&Operand::Val(load)) && count(load) == 1 && count(*dst) == 1 => {
            b.stmts.iter().any(|t| {
                matches!(t, Stmt::Store { seq: s2, value: Operand::Val(v), .. } if *s2 == seq && v == dst)
            })
        }
        _ => false,
    })
}

/// The buffers declared outside `l` that its body writes and that its adjoint reads from memory
/// (in a nested loop or branch, or through a call): each iteration must be replayed from a snapshot.
pub fn snapshots_needed(func: &Func, l: &Loop, inner: &HashSet<SeqId>) -> Vec<SeqId> {
    let mut stored = Vec::new();
    stores(&l.body, &mut stored);
    stored.retain(|s| func.seq(*s).buffer && !inner.contains(s));
    stored.sort();
    stored.dedup();
    let mut resized = HashSet::new();
    crate::ir::resized_seqs(&l.body, &mut resized);
    stored
        .into_iter()
        .filter(|s| {
            reads_from_memory(func, &l.body, *s, 0, false)
                || (resized.contains(s) && bound_reads_length(func, &l.body, *s))
        })
        .collect()
}

/// Whether a nested loop's bound (or a `while` condition) in `b` reads `seq`, whose length the
/// loop being reversed changes: the recomputation of an iteration must see the length the
/// forward sweep saw.
fn bound_reads_length(func: &Func, b: &Block, seq: SeqId) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Loop(l) => {
            let condition = match &l.iter {
                crate::ir::Iter::While { cond_block, .. } => {
                    bound_reads_length(func, cond_block, seq)
                        || cond_block.stmts.iter().any(|s| {
                            matches!(s, Stmt::Opaque { expr, .. } if buffers_read(func, expr).contains(&seq))
                        })
                }
                _ => false,
            };
            l.iter
                .range()
                .is_some_and(|r| buffers_read(func, &r.tokens).contains(&seq))
                || condition
                || bound_reads_length(func, &l.body, seq)
        }
        Stmt::If { then, els, .. } => {
            bound_reads_length(func, then, seq) || bound_reads_length(func, els, seq)
        }
        _ => false,
    })
}

/// The local buffers a statement kept as written names (`if z[0] > c`, `z.len()`): the renamed
/// buffer's identifier in its tokens.
pub fn buffers_read(func: &Func, tokens: &proc_macro2::TokenStream) -> Vec<SeqId> {
    fn idents(ts: &proc_macro2::TokenStream, out: &mut Vec<proc_macro2::Ident>) {
        for t in ts.clone() {
            match t {
                proc_macro2::TokenTree::Ident(i) => out.push(i),
                proc_macro2::TokenTree::Group(g) => idents(&g.stream(), out),
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    idents(tokens, &mut found);
    (0..func.seqs.len())
        .map(|k| SeqId(k as u32))
        .filter(|s| func.seq(*s).buffer && found.contains(&func.seq(*s).ident))
        .collect()
}

fn stores(b: &Block, out: &mut Vec<SeqId>) {
    for s in &b.stmts {
        match s {
            Stmt::Store { seq, .. } | Stmt::Resize { seq, .. } => out.push(*seq),
            Stmt::Loop(l) => stores(&l.body, out),
            Stmt::If { then, els, .. } => {
                stores(then, out);
                stores(els, out);
            }
            _ => {}
        }
    }
}

/// Whether a load of `seq` in `b` sits in a nested loop or a branch (`depth` counts the loops
/// between `b` and the loop being reversed), or a call takes `seq`.
fn reads_from_memory(func: &Func, b: &Block, seq: SeqId, depth: usize, branch: bool) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Load { dst, seq: s, .. } => {
            *s == seq && (depth >= 1 || branch) && !accumulated_back(b, *dst, seq)
        }
        Stmt::Opaque { expr, .. } => {
            (depth >= 1 || branch) && buffers_read(func, expr).contains(&seq)
        }
        Stmt::Call { args, .. } | Stmt::CallVec { args, .. } => passes(args, seq),
        Stmt::Loop(l) => reads_from_memory(func, &l.body, seq, depth + 1, branch),
        Stmt::If { then, els, .. } => {
            reads_from_memory(func, then, seq, depth, true)
                || reads_from_memory(func, els, seq, depth, true)
        }
        _ => false,
    })
}

/// Whether a store in `b`, at any depth, has an undo (its reverse writes memory).
pub fn has_undo(b: &Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Store { undo, .. } => undo.is_some(),
        Stmt::Loop(l) => !l.snapshots.is_empty() || has_undo(&l.body),
        Stmt::If { then, els, .. } => has_undo(then) || has_undo(els),
        _ => false,
    })
}
