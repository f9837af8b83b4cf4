//! Who reads what: the values that the adjoint program reads from inside forward branches are
//! exported out of them, and statements whose values nobody reads are dropped.

use crate::ir::{Block, CallArg, Export, Operand, Stmt, ValId};
use std::collections::HashSet;

/// Calls `f` on every value `s` reads (including inside nested blocks).
pub fn for_each_use(s: &Stmt, f: &mut impl FnMut(ValId)) {
    let op = |o: &Operand, f: &mut dyn FnMut(ValId)| {
        if let Operand::Val(v) = o {
            f(*v)
        }
    };
    match s {
        Stmt::Prim { args, .. } => args.iter().for_each(|a| op(a, f)),
        Stmt::Opaque { uses, .. } | Stmt::Effect { uses, .. } => uses.iter().for_each(|v| f(*v)),
        Stmt::Call { args, .. } => {
            for a in args {
                match a {
                    CallArg::Float(o) => op(o, f),
                    CallArg::Tokens(_, uses) => uses.iter().for_each(|v| f(*v)),
                }
            }
        }
        Stmt::If {
            cond,
            then,
            els,
            merges,
            ..
        } => {
            f(*cond);
            for m in merges {
                op(&m.then, f);
                op(&m.els, f);
            }
            for s in then.stmts.iter().chain(&els.stmts) {
                for_each_use(s, f);
            }
        }
    }
}

/// Calls `f` on every value `s` defines, including inside nested blocks.
fn for_each_def(s: &Stmt, f: &mut impl FnMut(ValId)) {
    match s {
        Stmt::Prim { dst, .. } | Stmt::Opaque { dst, .. } => f(*dst),
        Stmt::Effect { .. } => {}
        Stmt::Call { dst, grads, .. } => {
            f(*dst);
            grads.iter().flatten().for_each(|g| f(*g));
        }
        Stmt::If {
            then, els, merges, ..
        } => {
            merges.iter().for_each(|m| f(m.dst));
            for s in then.stmts.iter().chain(&els.stmts) {
                for_each_def(s, f);
            }
        }
    }
}

/// Input: a forward `if` defining `t` in its then-branch, and an adjoint program reading `t`.
/// Output: the `if` exports `t` (the else-branch gives a placeholder the adjoint never reads, since it
/// reads `t` only under the same condition).
pub fn export_reads(forward: &mut Block, read: &HashSet<ValId>) {
    for s in &mut forward.stmts {
        if let Stmt::If {
            then, els, exports, ..
        } = s
        {
            for (branch, from_then) in [(&*then, true), (&*els, false)] {
                let mut defs = Vec::new();
                for st in &branch.stmts {
                    for_each_def(st, &mut |v| defs.push(v));
                }
                defs.sort();
                for v in defs {
                    if read.contains(&v) {
                        exports.push(Export { val: v, from_then });
                    }
                }
            }
            export_reads(then, read);
            export_reads(els, read);
        }
    }
}

/// The values a block reads.
pub fn reads(block: &Block) -> HashSet<ValId> {
    let mut out = HashSet::new();
    for s in &block.stmts {
        for_each_use(s, &mut |v| {
            out.insert(v);
        });
    }
    out
}

/// Drops, last to first, every statement whose values are not in `live` (which grows with what the
/// kept statements read; SSA makes one set enough).
pub fn eliminate(block: &mut Block, live: &mut HashSet<ValId>) {
    let mut kept = Vec::with_capacity(block.stmts.len());
    for mut s in std::mem::take(&mut block.stmts).into_iter().rev() {
        let keep = match &mut s {
            Stmt::Prim { dst, .. } | Stmt::Opaque { dst, .. } => live.contains(dst),
            Stmt::Effect { .. } => true,
            Stmt::Call { dst, grads, .. } => {
                for g in grads.iter_mut() {
                    if g.is_some_and(|v| !live.contains(&v)) {
                        *g = None;
                    }
                }
                live.contains(dst) || grads.iter().any(|g| g.is_some())
            }
            Stmt::If {
                then,
                els,
                merges,
                exports,
                ..
            } => {
                merges.retain(|m| live.contains(&m.dst));
                exports.retain(|e| live.contains(&e.val));
                for m in merges.iter() {
                    for o in [m.then, m.els] {
                        if let Operand::Val(v) = o {
                            live.insert(v);
                        }
                    }
                }
                eliminate(then, live);
                eliminate(els, live);
                !merges.is_empty() || !then.stmts.is_empty() || !els.stmts.is_empty()
            }
        };
        if keep {
            if let Stmt::If { cond, .. } = &s {
                live.insert(*cond);
            } else {
                for_each_use(&s, &mut |v| {
                    live.insert(v);
                });
            }
            kept.push(s);
        }
    }
    kept.reverse();
    block.stmts = kept;
}
