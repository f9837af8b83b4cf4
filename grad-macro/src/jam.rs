//! Unroll-and-jam of fused loops over data.
//!
//! Input: a fused loop `for i in a..b { z = dot(x_i, w); loss += f(z); <adjoint of the body> }`.
//! Its iterations are independent but for the accumulators, yet each one is a chain of dependent
//! additions (the dot product) that the processor cannot overlap with the next one.
//! Output: `for i in (a..m).step_by(4) { <4 copies of the body, statement by statement, inner loops
//! fused into one with 4 chains> }`, then the original loop over `m..b`. The accumulators are
//! chained copy after copy, so `loss` is summed in the original order and the value stays equal to
//! the original function's, bit for bit. This is the blocking a person applies by hand.

use crate::dce::for_each_def;
use crate::ir::{new_val, Block, Carry, Func, Iter, Kind, Loop, Operand, RangeIter, Stmt, ValId};
use crate::rename::Renaming;
use crate::rules::Prim;
use proc_macro2::{Ident, Span};
use quote::quote;
use std::collections::HashSet;

/// How many iterations run together.
const WAYS: usize = 4;

/// Jams every eligible loop of `block`, outermost first (a jammed loop's inner loops are already
/// fused into four-way loops, so its body is not visited again). With `fast` (`#[gradient(fast)]`)
/// each copy sums into accumulators of its own, added together after the loop: four independent
/// chains of additions instead of one, the sum reassociated (equal up to rounding).
pub fn run(func: &mut Func, block: &mut Block, fast: bool) {
    let mut k = 0;
    while k < block.stmts.len() {
        let replacement = match &block.stmts[k] {
            Stmt::Loop(l) => jam(func, l, fast),
            _ => None,
        };
        match replacement {
            Some(stmts) => {
                let n = stmts.len();
                block.stmts.splice(k..k + 1, stmts);
                k += n;
            }
            None => {
                match &mut block.stmts[k] {
                    Stmt::Loop(l) => run(func, &mut l.body, fast),
                    Stmt::If { then, els, .. } => {
                        run(func, then, fast);
                        run(func, els, fast);
                    }
                    _ => {}
                }
                k += 1;
            }
        }
    }
}

/// Whether a body holds only what copies can interleave: no buffers or calls that take slices,
/// and tape records only at its top (the copies push in order, so the tape is the same).
fn body_ok(b: &Block, func: &Func) -> bool {
    b.stmts.iter().all(|s| match s {
        Stmt::TapePush { .. } => true,
        Stmt::Store {
            seq, undo: None, ..
        } => stored_only(b, *seq),
        s => inner_ok(s, func),
    })
}

/// Whether `seq` is a buffer that `b` writes by one statement and reads nowhere (`a[k] = s(z)`,
/// a layer's output): the copies' writes then land as the loop's would, the last copy's last.
fn stored_only(b: &Block, seq: crate::ir::SeqId) -> bool {
    fn touches(b: &Block, seq: crate::ir::SeqId, stores: &mut usize) -> bool {
        b.stmts.iter().any(|s| match s {
            Stmt::Store { seq: s, .. } => {
                *stores += usize::from(*s == seq);
                false
            }
            Stmt::Load { seq: s, .. } => *s == seq,
            Stmt::Call { args, .. } => args
                .iter()
                .any(|a| matches!(a, crate::ir::CallArg::Seq(s, ..) if *s == seq)),
            Stmt::If { then, els, .. } => touches(then, seq, stores) || touches(els, seq, stores),
            Stmt::Loop(l) => touches(&l.body, seq, stores),
            _ => false,
        })
    }
    let mut stores = 0;
    !touches(b, seq, &mut stores) && stores == 1
}

/// (An expression that changes data, `rng.next_f64()`, must run in the order the loops run it:
/// interleaved copies would draw in another order.)
fn inner_ok(s: &Stmt, func: &Func) -> bool {
    match s {
        Stmt::Opaque { dst, .. } => !func.effects.contains(dst),
        Stmt::Prim { .. } | Stmt::Load { .. } | Stmt::AccumSeq { .. } | Stmt::Effect { .. } => true,
        Stmt::Call { args, .. } => {
            !args
                .iter()
                .any(|a| matches!(a, crate::ir::CallArg::Seq(..)))
                && !crate::ir::lends_data(args, &func.mut_data)
        }
        Stmt::If { then, els, .. } => then
            .stmts
            .iter()
            .chain(&els.stmts)
            .all(|s| inner_ok(s, func)),
        Stmt::Loop(l) => {
            l.records.is_none()
                && l.snapshots.is_empty()
                && l.restores.is_empty()
                && matches!(l.iter, Iter::Range { .. })
                && l.body.stmts.iter().all(|s| inner_ok(s, func))
        }
        _ => false,
    }
}

/// Every carried variable is an accumulator (see `reverse::loops::is_accumulator`).
fn accumulators_only(l: &Loop) -> bool {
    l.carried
        .iter()
        .all(|c| crate::reverse::is_accumulator(l, c))
}

/// The index variables of the inner loops that the copies share (fused into one loop): loops at
/// the top of the body, or of such a loop's body, whose range reads nothing the body defines.
fn shared_indices(b: &Block, local: &HashSet<ValId>, out: &mut HashSet<ValId>) {
    for s in &b.stmts {
        if let Stmt::Loop(l) = s {
            if let Iter::Range { range, .. } = &l.iter {
                if !range.uses.iter().any(|v| local.contains(v)) && !range.binds.is_empty() {
                    out.extend(range.binds.iter().copied());
                    shared_indices(&l.body, local, out);
                }
            }
        }
    }
}

fn jam(func: &mut Func, l: &Loop, fast: bool) -> Option<Vec<Stmt>> {
    let Iter::Range { range, rev: false } = &l.iter else {
        return None;
    };
    let [index] = range.binds[..] else {
        return None;
    };
    if func.info(index).name != range.pat.to_string()
        || !body_ok(&l.body, func)
        || !accumulators_only(l)
    {
        return None;
    }
    let Ok(syn::Expr::Range(r)) =
        syn::parse2::<syn::Expr>(crate::emit::strip_parens(&range.tokens))
    else {
        return None;
    };
    let (Some(start), Some(end), syn::RangeLimits::HalfOpen(_)) = (&r.start, &r.end, &r.limits)
    else {
        return None;
    };
    let span = Span::call_site();
    let int = |func: &mut Func| new_val(func, Kind::Int, false, span);
    let name = |func: &Func, v: ValId| func.info(v).name.clone();

    // lo..hi splits at mid = lo + (hi - lo) / 4 * 4: whole blocks of four, then the rest.
    let (lo, hi, mid, block_start) = (int(func), int(func), int(func), int(func));
    let (lo_n, hi_n, mid_n, bs_n) = (
        name(func, lo),
        name(func, hi),
        name(func, mid),
        name(func, block_start),
    );
    let ways = proc_macro2::Literal::usize_unsuffixed(WAYS);
    let mut out = vec![
        Stmt::Opaque {
            dst: lo,
            ty: None,
            expr: quote!(#start),
            uses: range.uses.clone(),
        },
        Stmt::Opaque {
            dst: hi,
            ty: None,
            expr: quote!(#end),
            uses: range.uses.clone(),
        },
        Stmt::Opaque {
            dst: mid,
            ty: None,
            expr: quote!(if #hi_n > #lo_n { #lo_n + (#hi_n - #lo_n) / #ways * #ways } else { #lo_n }),
            uses: vec![lo, hi],
        },
    ];

    // Every value the body defines gets a fresh name in each copy, but for the shared indices of
    // the fused inner loops.
    let mut local: HashSet<ValId> = HashSet::new();
    for s in &l.body.stmts {
        for_each_def(s, &mut |v| {
            local.insert(v);
        });
    }
    // An inner loop whose range reads the index differs from copy to copy: not shared.
    let mut varying = local.clone();
    varying.insert(index);
    let mut shared = HashSet::new();
    shared_indices(&l.body, &varying, &mut shared);
    let mut defs: Vec<ValId> = local.difference(&shared).copied().collect();
    defs.sort();

    let mut copies: Vec<Renaming> = Vec::new();
    let mut body = Block::default();
    for k in 0..WAYS {
        let mut map = Renaming::new();
        for &v in &defs {
            let info = func.info(v);
            let (kind, active, vspan, old) = (info.kind, info.active, info.span, info.name.clone());
            let fresh = new_val(func, kind, active, vspan);
            map.insert(v, &old, fresh, name(func, fresh));
        }
        // The index of copy k is block_start + k.
        let idx = if k == 0 {
            block_start
        } else {
            let v = int(func);
            let kk = proc_macro2::Literal::usize_unsuffixed(k);
            body.stmts.push(Stmt::Opaque {
                dst: v,
                ty: None,
                expr: quote!(#bs_n + #kk),
                uses: vec![block_start],
            });
            v
        };
        map.insert(index, &name(func, index), idx, name(func, idx));
        // Accumulators chain: copy k starts where copy k - 1 ended (with `fast`, each copy
        // starts its own).
        for c in &l.carried {
            let start = if k == 0 || fast {
                let info = func.info(c.phi);
                let (kind, active) = (info.kind, info.active);
                new_val(func, kind, active, span)
            } else {
                let prev = c.next.val().expect("accumulators have a value as next");
                copies[k - 1]
                    .get(prev)
                    .expect("next is defined in the body")
            };
            map.insert(c.phi, &name(func, c.phi), start, name(func, start));
        }
        copies.push(map);
    }
    jam_block(&l.body, &copies, &shared, &mut body);
    merge_accumulations(func, &mut body);

    let carried_main: Vec<Carry> = if fast {
        let mut carried = Vec::new();
        for (k, map) in copies.iter().enumerate() {
            for c in &l.carried {
                let info = func.info(c.phi);
                let (kind, active) = (info.kind, info.active);
                let next = c.next.val().unwrap();
                carried.push(Carry {
                    phi: map.get(c.phi).unwrap(),
                    init: if k == 0 { c.init } else { Operand::Const(0.0) },
                    next: Operand::Val(map.get(next).unwrap()),
                    out: new_val(func, kind, active, span),
                });
            }
        }
        carried
    } else {
        l.carried
            .iter()
            .map(|c| {
                let info = func.info(c.phi);
                let (kind, active) = (info.kind, info.active);
                let next = c.next.val().unwrap();
                Carry {
                    phi: copies[0].get(c.phi).unwrap(),
                    init: c.init,
                    next: Operand::Val(copies[WAYS - 1].get(next).unwrap()),
                    out: new_val(func, kind, active, span),
                }
            })
            .collect()
    };
    let bs_ident: Ident = bs_n.clone();
    out.push(Stmt::Loop(Box::new(Loop {
        iter: Iter::Range {
            range: RangeIter {
                pat: quote!(#bs_ident),
                binds: vec![block_start],
                tokens: quote!((#lo_n..#mid_n).step_by(#ways)),
                uses: vec![lo, mid],
            },
            rev: false,
        },
        carried: carried_main.clone(),
        body,
        // The tape, if any, is emptied once, before the blocks; the rest appends to it.
        records: l.records,
        fused: false,
        snapshots: Vec::new(),
        restores: Vec::new(),
    })));
    // With `fast`, the copies' sums added pairwise: (s0 + s1) + (s2 + s3).
    let totals: Vec<Operand> = if fast {
        let n = l.carried.len();
        (0..n)
            .map(|j| {
                let part = |k: usize| Operand::Val(carried_main[k * n + j].out);
                let mut add = |a: Operand, b: Operand| {
                    let dst = new_val(func, Kind::Float, func.is_active(a), span);
                    out.push(Stmt::Prim {
                        dst,
                        op: Prim::Add,
                        args: vec![a, b],
                    });
                    Operand::Val(dst)
                };
                let (low, high) = (add(part(0), part(1)), add(part(2), part(3)));
                add(low, high)
            })
            .collect()
    } else {
        carried_main.iter().map(|c| Operand::Val(c.out)).collect()
    };
    // The remaining iterations, as they were, continuing the accumulators (and the tape).
    let mut rest = l.clone();
    rest.fused = false;
    rest.records = None;
    rest.iter = Iter::Range {
        range: RangeIter {
            pat: range.pat.clone(),
            binds: range.binds.clone(),
            tokens: quote!(#mid_n..#hi_n),
            uses: vec![mid, hi],
        },
        rev: false,
    };
    for (c, total) in rest.carried.iter_mut().zip(totals) {
        c.init = total;
    }
    out.push(Stmt::Loop(Box::new(rest)));
    Some(out)
}

/// The copies of `b`, statement by statement; inner loops over a shared index become one loop
/// that runs every copy's body.
fn jam_block(b: &Block, copies: &[Renaming], shared: &HashSet<ValId>, out: &mut Block) {
    for s in &b.stmts {
        if let Stmt::Loop(inner) = s {
            let binds = match &inner.iter {
                Iter::Range { range, .. } => &range.binds,
                _ => unreachable!("only ranges pass body_ok"),
            };
            if binds.iter().all(|v| shared.contains(v)) && !binds.is_empty() {
                let mut carried = Vec::new();
                for map in copies {
                    for c in &inner.carried {
                        let mut c = *c;
                        for v in [&mut c.phi, &mut c.out] {
                            if let Some(n) = map.get(*v) {
                                *v = n;
                            }
                        }
                        for o in [&mut c.init, &mut c.next] {
                            if let Operand::Val(v) = o {
                                if let Some(n) = map.get(*v) {
                                    *v = n;
                                }
                            }
                        }
                        carried.push(c);
                    }
                }
                let mut body = Block::default();
                jam_block(&inner.body, copies, shared, &mut body);
                out.stmts.push(Stmt::Loop(Box::new(Loop {
                    iter: inner.iter.clone(),
                    carried,
                    body,
                    records: None,
                    fused: false,
                    snapshots: Vec::new(),
                    restores: Vec::new(),
                })));
                continue;
            }
        }
        for map in copies {
            let mut copy = s.clone();
            map.stmt(&mut copy);
            out.stmts.push(copy);
        }
    }
}

/// Input: `d_w[j0] += a; d_w[j1] += b;` where `j0` and `j1` are the same expression (copies whose
/// index does not depend on the copy). Output: `d_w[j0] += a + b;` — one read-modify-write instead
/// of a chain of them through memory.
fn merge_accumulations(func: &mut Func, block: &mut Block) {
    let mut defs = std::collections::HashMap::new();
    collect_index_defs(block, &mut defs);
    merge_in(func, block, &defs);
}

fn collect_index_defs(block: &Block, out: &mut std::collections::HashMap<ValId, String>) {
    for s in &block.stmts {
        match s {
            Stmt::Opaque {
                dst, expr, uses, ..
            } => {
                out.insert(*dst, format!("{expr}|{uses:?}"));
            }
            Stmt::Loop(l) => collect_index_defs(&l.body, out),
            Stmt::If { then, els, .. } => {
                collect_index_defs(then, out);
                collect_index_defs(els, out);
            }
            _ => {}
        }
    }
}

fn merge_in(func: &mut Func, block: &mut Block, defs: &std::collections::HashMap<ValId, String>) {
    let same =
        |a: ValId, b: ValId| a == b || (defs.get(&a).is_some() && defs.get(&a) == defs.get(&b));
    let mut out: Vec<Stmt> = Vec::with_capacity(block.stmts.len());
    for s in std::mem::take(&mut block.stmts) {
        let merged = match (&s, out.last()) {
            (
                Stmt::AccumSeq { seq, index, value },
                Some(Stmt::AccumSeq {
                    seq: pseq,
                    index: pindex,
                    value: pvalue,
                }),
            ) if seq == pseq && same(*index, *pindex) => Some((*pseq, *pindex, *pvalue, *value)),
            _ => None,
        };
        match merged {
            Some((seq, index, a, b)) => {
                out.pop();
                let dst = new_val(func, Kind::Float, true, Span::call_site());
                out.push(Stmt::Prim {
                    dst,
                    op: Prim::Add,
                    args: vec![a, b],
                });
                out.push(Stmt::AccumSeq {
                    seq,
                    index,
                    value: Operand::Val(dst),
                });
            }
            None => out.push(s),
        }
    }
    for s in &mut out {
        match s {
            Stmt::Loop(l) => merge_in(func, &mut l.body, defs),
            Stmt::If { then, els, .. } => {
                merge_in(func, then, defs);
                merge_in(func, els, defs);
            }
            _ => {}
        }
    }
    block.stmts = out;
}
