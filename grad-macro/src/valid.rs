//! Rules on the lowered IR that the adjoint needs and the lowering cannot see statement by
//! statement: a local buffer must still hold, when the backward pass reads it again, what the
//! forward pass read from it.

use crate::errors::Errors;
use crate::ir::{Block, CallArg, Func, Operand, SeqId, Stmt, ValId};

/// Reports, at the buffer's declaration, a buffer written after a nested loop or a call read it.
pub fn check(func: &Func, errors: &Errors) {
    check_block(func, &func.body, errors);
}

fn check_block(func: &Func, block: &Block, errors: &Errors) {
    for (q, s) in block.stmts.iter().enumerate() {
        if let Stmt::NewBuf { seq, .. } = s {
            check_buffer(func, *seq, &block.stmts[q + 1..], errors);
        }
        match s {
            Stmt::Loop(l) => check_block(func, &l.body, errors),
            Stmt::If { then, els, .. } => {
                check_block(func, then, errors);
                check_block(func, els, errors);
            }
            _ => {}
        }
    }
}

/// What a statement does with a buffer, at any depth.
#[derive(Default)]
struct Use {
    stores: bool,
    /// Read inside a loop nested in a loop: recomputed by the backward pass from memory.
    deep_load: bool,
    /// Passed to another function, whose gradient the backward pass computes from memory.
    passed: bool,
}

fn uses(s: &Stmt, seq: SeqId, loops: usize, u: &mut Use) {
    match s {
        Stmt::Store { seq: s2, .. } if *s2 == seq => u.stores = true,
        Stmt::Call { args, .. } => {
            u.passed |= args
                .iter()
                .any(|a| matches!(a, CallArg::Seq(s2, _, _) if *s2 == seq));
        }
        Stmt::Loop(l) => uses_block(&l.body, seq, loops + 1, u),
        Stmt::If { then, els, .. } => {
            uses_block(then, seq, loops, u);
            uses_block(els, seq, loops, u);
        }
        _ => {}
    }
}

fn uses_block(b: &Block, seq: SeqId, loops: usize, u: &mut Use) {
    for s in &b.stmts {
        if let Stmt::Load { dst, seq: s2, .. } = s {
            if *s2 == seq && loops >= 2 && !accumulated_back(b, *dst, seq) {
                u.deep_load = true;
            }
        }
        uses(s, seq, loops, u);
    }
}

/// `z[k] += e`: the loaded value only feeds a sum stored back into the buffer, so its derivative
/// needs no value (the partial of `+` is 1).
fn accumulated_back(b: &Block, load: ValId, seq: SeqId) -> bool {
    let count = |v: ValId| {
        let mut n = 0;
        for s in &b.stmts {
            crate::dce::for_each_use(s, &mut |w| n += (w == v) as usize);
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

fn check_buffer(func: &Func, seq: SeqId, after: &[Stmt], errors: &Errors) {
    let mut read_at = None;
    for (p, s) in after.iter().enumerate() {
        let mut u = Use::default();
        uses_block(
            &Block {
                stmts: vec![s.clone()],
            },
            seq,
            0,
            &mut u,
        );
        if (u.deep_load || u.passed) && read_at.is_none() {
            read_at = Some((p, u.passed));
        }
        if let (true, Some((_, passed))) = (u.stores, read_at) {
            let info = func.seq(seq);
            let what = if passed {
                "it is passed to another function and written afterwards"
            } else {
                "a loop nested in another loop reads it, and it is written in or after that loop"
            };
            errors.push(
                info.span,
                format!(
                    "`#[gradient]` cannot differentiate through the buffer `{}`: {what}, so the gradient would need contents that are gone. Write the new values into a separate buffer (one per step, or one declared inside the loop)",
                    info.user_name
                ),
            );
            return;
        }
    }
}
