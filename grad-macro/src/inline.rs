//! Which values the emitter writes inside the one expression that reads them instead of binding
//! them to a name: `t = a * b; u = t + c` prints as `u = a * b + c`. The code is the same after
//! rustc's first pass; the expansion is smaller and debug builds bind fewer variables.

use crate::dce::for_each_use;
use crate::ir::{Block, Func, Iter, Operand, Stmt, ValId};
use crate::rules::Prim;
use std::collections::HashMap;

/// How deep inlined expressions may nest, so rustc never meets a pathologically deep tree.
const MAX_DEPTH: u32 = 6;

/// The values to inline, with their definitions. A value qualifies when a pure primitive of the
/// form `a op b` or a method call defines it, exactly one primitive reads it, and that primitive
/// is later in the same block (never inside a loop body, where it would run again each iteration).
pub fn plan(
    func: &Func,
    blocks: &[&Block],
    roots: &[Operand],
) -> HashMap<ValId, (Prim, Vec<Operand>)> {
    let mut uses: HashMap<ValId, u32> = HashMap::new();
    for r in roots {
        if let Operand::Val(v) = r {
            *uses.entry(*v).or_default() += 2;
        }
    }
    for b in blocks {
        count(b, &mut uses);
    }
    let mut out = HashMap::new();
    for b in blocks {
        plan_block(func, b, &uses, &mut out);
    }
    out
}

fn count(b: &Block, uses: &mut HashMap<ValId, u32>) {
    for s in &b.stmts {
        for_each_use(s, &mut |v| *uses.entry(v).or_default() += 1);
        // Values read after an `if` or a loop by name, not counted by `for_each_use`.
        visit_names(s, &mut |v| *uses.entry(v).or_default() += 2);
    }
}

fn visit_names(s: &Stmt, f: &mut impl FnMut(ValId)) {
    match s {
        Stmt::If {
            then, els, exports, ..
        } => {
            exports.iter().for_each(|e| f(e.val));
            then.stmts
                .iter()
                .chain(&els.stmts)
                .for_each(|s| visit_names(s, f));
        }
        Stmt::Loop(l) => {
            if let Iter::While { cond_block, cond } = &l.iter {
                f(*cond);
                cond_block.stmts.iter().for_each(|s| visit_names(s, f));
            }
            l.body.stmts.iter().for_each(|s| visit_names(s, f));
        }
        _ => {}
    }
}

fn inlinable(op: Prim) -> bool {
    !matches!(
        op,
        Prim::Sign0 | Prim::IsEq | Prim::IsLt | Prim::DivOr0 | Prim::MulOr0 | Prim::PowIDeriv
    )
}

fn plan_block(
    func: &Func,
    b: &Block,
    uses: &HashMap<ValId, u32>,
    out: &mut HashMap<ValId, (Prim, Vec<Operand>)>,
) {
    // Candidates defined so far in this block: the depth of their expression and their definition.
    let mut cands: HashMap<ValId, (u32, Prim, &[Operand])> = HashMap::new();
    for s in &b.stmts {
        match s {
            Stmt::Prim { dst, op, args } => {
                let mut d = 1;
                for a in args {
                    if let Operand::Val(v) = a {
                        if let Some(&(da, aop, aargs)) = cands.get(v) {
                            if da < MAX_DEPTH {
                                out.insert(*v, (aop, aargs.to_vec()));
                                d = d.max(da + 1);
                            }
                        }
                    }
                }
                let single = uses.get(dst).copied().unwrap_or(0) == 1;
                if single && inlinable(*op) && func.info(*dst).kind == crate::ir::Kind::Float {
                    cands.insert(*dst, (d, *op, args));
                }
            }
            Stmt::If { then, els, .. } => {
                plan_block(func, then, uses, out);
                plan_block(func, els, uses, out);
            }
            Stmt::Loop(l) => {
                if let Iter::While { cond_block, .. } = &l.iter {
                    plan_block(func, cond_block, uses, out);
                }
                plan_block(func, &l.body, uses, out);
            }
            _ => {}
        }
    }
}
