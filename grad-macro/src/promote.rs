//! Register promotion of stencil accumulations.
//!
//! Input: `for i in a..b { ..; d_x[i] += p; d_x[i + 1] += q; }`, where each element of `d_x` gets
//! contributions from consecutive iterations. Two adjacent read-modify-writes per iteration are a
//! trap: LLVM merges them into one 16-byte access, and the next iteration's overlapping load stalls
//! on the store before it. Output: the partial sum of the element the next iteration still adds
//! to travels in a loop-carried register, and each element is written once, when it is complete:
//! `for i in a..b { r1 = r0' + q; d_x[i] += r0 + p; r0 = r1 }`, then `d_x[b] += r` after the loop.

use crate::ir::{new_val, Block, Carry, Func, Iter, Kind, Loop, Operand, SeqId, Stmt, ValId};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{BTreeMap, HashMap};

/// Promotes the stencil accumulations of every eligible loop in `block`, at any depth.
pub fn run(func: &mut Func, block: &mut Block) {
    let mut k = 0;
    while k < block.stmts.len() {
        let mut flush = Vec::new();
        match &mut block.stmts[k] {
            Stmt::Loop(l) => {
                run(func, &mut l.body);
                flush = promote(func, l);
            }
            Stmt::If { then, els, .. } => {
                run(func, then);
                run(func, els);
            }
            _ => {}
        }
        let n = flush.len();
        block.stmts.splice(k + 1..k + 1, flush);
        k += 1 + n;
    }
}

/// The offset `c` of an index written `i`, `i + c` or `i - c` for the loop index `i`.
fn offset(expr: &TokenStream, index: &str) -> Option<i64> {
    fn strip(e: &syn::Expr) -> &syn::Expr {
        match e {
            syn::Expr::Paren(p) => strip(&p.expr),
            syn::Expr::Group(g) => strip(&g.expr),
            e => e,
        }
    }
    let is_index = |e: &syn::Expr| matches!(strip(e), syn::Expr::Path(p) if p.path.is_ident(index));
    let e: syn::Expr = syn::parse2(expr.clone()).ok()?;
    let e = strip(&e);
    if is_index(e) {
        return Some(0);
    }
    let syn::Expr::Binary(b) = e else { return None };
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(c),
        ..
    }) = strip(&b.right)
    else {
        return None;
    };
    let c: i64 = c.base10_parse().ok()?;
    match b.op {
        syn::BinOp::Add(_) if is_index(&b.left) => Some(c),
        syn::BinOp::Sub(_) if is_index(&b.left) => Some(-c),
        _ => None,
    }
}

/// Counts the `AccumSeq`s of each sequence in a block, at any depth.
fn count_accums(block: &Block, out: &mut HashMap<SeqId, usize>) {
    for s in &block.stmts {
        match s {
            Stmt::AccumSeq { seq, .. } => *out.entry(*seq).or_default() += 1,
            Stmt::If { then, els, .. } => {
                count_accums(then, out);
                count_accums(els, out);
            }
            Stmt::Loop(l) => count_accums(&l.body, out),
            // A call's adjoint accumulates too (not at a known offset, so the sequence is left
            // alone: its top-level count no longer matches).
            Stmt::CallAdjoint { args, .. } => {
                for a in args {
                    if let crate::ir::CallArg::Seq(seq, _, _) = a {
                        *out.entry(*seq).or_default() += 1;
                    }
                }
            }
            _ => {}
        }
    }
}

/// Transforms one loop; returns the statements that write the last partial sums after it.
fn promote(func: &mut Func, l: &mut Loop) -> Vec<Stmt> {
    let Iter::Range { range, rev: false } = &l.iter else {
        return Vec::new();
    };
    let [index] = range.binds[..] else {
        return Vec::new();
    };
    let index_name = func.info(index).name.to_string();
    if range.pat.to_string() != index_name {
        return Vec::new();
    }
    let Ok(syn::Expr::Range(r)) =
        syn::parse2::<syn::Expr>(crate::emit::strip_parens(&range.tokens))
    else {
        return Vec::new();
    };
    let (Some(start), Some(end), syn::RangeLimits::HalfOpen(_)) = (&r.start, &r.end, &r.limits)
    else {
        return Vec::new();
    };
    let range_uses = range.uses.clone();

    // Offsets of the index values defined at the top of the body.
    let mut offsets: HashMap<ValId, i64> = HashMap::new();
    for s in &l.body.stmts {
        if let Stmt::Opaque {
            dst, expr, uses, ..
        } = s
        {
            if uses == &[index] {
                if let Some(c) = offset(expr, &index_name) {
                    offsets.insert(*dst, c);
                }
            }
        }
    }
    // Sequences every accumulation of which is at the top of the body at a known offset, with at
    // least two offsets (a single one has no dependence between iterations).
    let mut all = HashMap::new();
    count_accums(&l.body, &mut all);
    let mut by_seq: BTreeMap<SeqId, Vec<i64>> = BTreeMap::new();
    let mut top: HashMap<SeqId, usize> = HashMap::new();
    for s in &l.body.stmts {
        if let Stmt::AccumSeq { seq, index, .. } = s {
            if let Some(c) = offsets.get(index) {
                by_seq.entry(*seq).or_default().push(*c);
                *top.entry(*seq).or_default() += 1;
            }
        }
    }
    let mut flush = Vec::new();
    for (seq, mut cs) in by_seq {
        cs.sort();
        cs.dedup();
        let (lo, hi) = (cs[0], *cs.last().unwrap());
        if cs.len() < 2 || hi - lo > 8 || top.get(&seq) != all.get(&seq) || func.seq(seq).buffer {
            continue;
        }
        flush.extend(promote_seq(
            func,
            l,
            seq,
            lo,
            hi,
            &offsets,
            start,
            end,
            &range_uses,
        ));
    }
    flush
}

#[allow(clippy::too_many_arguments)]
fn promote_seq(
    func: &mut Func,
    l: &mut Loop,
    seq: SeqId,
    lo: i64,
    hi: i64,
    offsets: &HashMap<ValId, i64>,
    start: &syn::Expr,
    end: &syn::Expr,
    range_uses: &[ValId],
) -> Vec<Stmt> {
    let span = proc_macro2::Span::call_site();
    // Registers for the elements at offsets lo..hi-1, carried in from the previous iteration.
    let phis: Vec<ValId> = (lo..hi)
        .map(|_| new_val(func, Kind::Float, true, span))
        .collect();
    let mut acc: BTreeMap<i64, Operand> = (lo..=hi)
        .map(|c| {
            let init = if c < hi {
                Operand::Val(phis[(c - lo) as usize])
            } else {
                Operand::Const(0.0)
            };
            (c, init)
        })
        .collect();
    let mut lo_index = None;
    let mut stmts = Vec::with_capacity(l.body.stmts.len() + 1);
    for s in std::mem::take(&mut l.body.stmts) {
        match s {
            Stmt::AccumSeq {
                seq: s_seq,
                index,
                value,
            } if s_seq == seq => {
                let c = offsets[&index];
                if c == lo {
                    lo_index = Some(index);
                }
                let slot = acc.get_mut(&c).expect("offset within the window");
                *slot = match *slot {
                    Operand::Const(0.0) => value,
                    current => {
                        let dst = new_val(func, Kind::Float, true, span);
                        stmts.push(Stmt::Prim {
                            dst,
                            op: crate::rules::Prim::Add,
                            args: vec![current, value],
                        });
                        Operand::Val(dst)
                    }
                };
            }
            s => stmts.push(s),
        }
    }
    // The element at the lowest offset gets no more contributions: write it.
    stmts.push(Stmt::AccumSeq {
        seq,
        index: lo_index.expect("the lowest offset has an accumulation"),
        value: acc[&lo],
    });
    l.body.stmts = stmts;
    let mut outs = Vec::new();
    for (k, c) in (lo..hi).enumerate() {
        let out = new_val(func, Kind::Float, true, span);
        l.carried.push(Carry {
            phi: phis[k],
            init: Operand::Const(0.0),
            next: acc[&(c + 1)],
            out,
        });
        outs.push((c, out));
    }

    // After the loop, the register of offset `c` holds the partial sum of element `end + c` (offset
    // `c + 1` of the last iteration). Only when the loop ran: else `end + c` may not exist.
    let ran = new_val(func, Kind::Bool, false, span);
    let mut flush = vec![Stmt::Opaque {
        dst: ran,
        ty: None,
        expr: quote!((#start) < (#end)),
        uses: range_uses.to_vec(),
    }];
    let mut then = Block::default();
    for (c, out) in outs {
        let idx = new_val(func, Kind::Int, false, span);
        let expr = match c {
            0 => quote!(#end),
            e if e > 0 => {
                let e = proc_macro2::Literal::i64_unsuffixed(e);
                quote!((#end) + #e)
            }
            e => {
                let e = proc_macro2::Literal::i64_unsuffixed(-e);
                quote!((#end) - #e)
            }
        };
        then.stmts.push(Stmt::Opaque {
            dst: idx,
            ty: None,
            expr,
            uses: range_uses.to_vec(),
        });
        then.stmts.push(Stmt::AccumSeq {
            seq,
            index: idx,
            value: Operand::Val(out),
        });
    }
    flush.push(Stmt::If {
        cond: ran,
        then,
        els: Block::default(),
        merges: Vec::new(),
        exports: Vec::new(),
    });
    flush
}
