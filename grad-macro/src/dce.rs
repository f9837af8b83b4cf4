//! Who reads what: the values that code after an `if` reads from inside a branch are exported out
//! of it, and statements whose values nobody reads are dropped.

use crate::ir::{Block, CallArg, Export, Iter, Operand, Stmt, ValId};
use std::collections::HashSet;

fn op(o: &Operand, f: &mut impl FnMut(ValId)) {
    if let Operand::Val(v) = o {
        f(*v)
    }
}

fn buf_len_uses(len: &crate::ir::BufLen, f: &mut impl FnMut(ValId)) {
    if let crate::ir::BufLen::Vec(v) = len {
        f(*v)
    }
}

fn call_uses(args: &[CallArg], f: &mut impl FnMut(ValId)) {
    for a in args {
        match a {
            CallArg::Float(o) | CallArg::FloatRef(o) => op(o, f),
            CallArg::Tokens(_, uses) | CallArg::Unseen(_, uses) => uses.iter().for_each(|v| f(*v)),
            CallArg::Adjoint(_) => {}
            CallArg::Seq(_, _, range) => {
                if let Some((_, uses)) = range {
                    uses.iter().for_each(|v| f(*v));
                }
            }
        }
    }
}

/// Calls `f` on every value `s` reads (including inside nested blocks).
pub fn for_each_use(s: &Stmt, f: &mut impl FnMut(ValId)) {
    match s {
        Stmt::Prim { args, .. } => args.iter().for_each(|a| op(a, f)),
        Stmt::Opaque { uses, .. } | Stmt::Effect { uses, .. } => uses.iter().for_each(|v| f(*v)),
        Stmt::Call { args, .. } | Stmt::CallTangent { args, .. } => call_uses(args, f),
        Stmt::CallVec { args, .. } => call_uses(args, f),
        Stmt::VecTangent { args, floats, .. } => {
            call_uses(args, f);
            floats.iter().for_each(|t| op(t, f));
        }
        Stmt::CallSecond { args, tangents, .. } => {
            call_uses(args, f);
            tangents.iter().for_each(|t| op(t, f));
        }
        Stmt::CallAdjointSecond {
            args,
            seed,
            seed_tangent,
            tangents,
            ..
        } => {
            call_uses(args, f);
            op(seed, f);
            op(seed_tangent, f);
            tangents.iter().for_each(|t| op(t, f));
        }
        Stmt::CallAdjoint { args, seed, .. } => {
            call_uses(args, f);
            op(seed, f);
        }
        Stmt::Load { index, .. } => f(*index),
        Stmt::AccumSeq { index, value, .. } => {
            f(*index);
            op(value, f);
        }
        Stmt::ScaleSeq { factor, .. } => op(factor, f),
        Stmt::NewBuf { init, len, .. } => {
            op(init, f);
            buf_len_uses(len, f);
        }
        Stmt::ResetAdj { len, .. } => buf_len_uses(len, f),
        Stmt::Resize { len, init, .. } => {
            f(*len);
            op(init, f);
        }
        Stmt::Unresize { .. } => {}
        Stmt::Store { index, value, .. } => {
            f(*index);
            op(value, f);
        }
        Stmt::AdjLoad { index, .. } => f(*index),
        Stmt::TapePush { vals, .. } => vals.iter().for_each(|v| f(*v)),
        Stmt::Loop(l) => {
            if let Some(range) = l.iter.range() {
                range.uses.iter().for_each(|v| f(*v));
            }
            if let Iter::While { cond_block, .. } = &l.iter {
                cond_block.stmts.iter().for_each(|s| for_each_use(s, f));
            }
            for c in &l.carried {
                op(&c.init, f);
                op(&c.next, f);
            }
            l.body.stmts.iter().for_each(|s| for_each_use(s, f));
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
pub fn for_each_def(s: &Stmt, f: &mut impl FnMut(ValId)) {
    match s {
        Stmt::Prim { dst, .. }
        | Stmt::Opaque { dst, .. }
        | Stmt::Load { dst, .. }
        | Stmt::AdjLoad { dst, .. } => f(*dst),
        // `VecTangent`'s `dst` and `grads` are bound inside its own loop.
        Stmt::NewBuf { .. }
        | Stmt::Store { .. }
        | Stmt::ResetAdj { .. }
        | Stmt::Resize { .. }
        | Stmt::Unresize { .. }
        | Stmt::CallVec { .. }
        | Stmt::VecTangent { .. } => {}
        Stmt::Effect { .. }
        | Stmt::AccumSeq { .. }
        | Stmt::ScaleSeq { .. }
        | Stmt::TapePush { .. } => {}
        Stmt::Call { dst, grads, .. } => {
            f(*dst);
            grads.iter().flatten().for_each(|g| f(*g));
        }
        Stmt::CallAdjoint { grads, .. } => grads.iter().flatten().for_each(|g| f(*g)),
        Stmt::CallAdjointSecond {
            grads,
            grad_tangents,
            ..
        } => grads
            .iter()
            .chain(grad_tangents)
            .flatten()
            .for_each(|g| f(*g)),
        Stmt::CallTangent { dst, grads, .. } => {
            f(*dst);
            grads.iter().flatten().for_each(|g| f(*g));
        }
        Stmt::CallSecond {
            dst,
            grads,
            grad_tangents,
            ..
        } => {
            f(*dst);
            grads
                .iter()
                .chain(grad_tangents)
                .flatten()
                .for_each(|g| f(*g));
        }
        Stmt::Loop(l) => {
            if let Some(range) = l.iter.range() {
                range.binds.iter().for_each(|v| f(*v));
            }
            match &l.iter {
                Iter::Tape { vals, .. } => vals.iter().for_each(|v| f(*v)),
                Iter::While { cond_block, .. } => {
                    cond_block.stmts.iter().for_each(|s| for_each_def(s, f))
                }
                Iter::Range { .. } => {}
            }
            for c in &l.carried {
                f(c.phi);
                f(c.out);
            }
            l.body.stmts.iter().for_each(|s| for_each_def(s, f));
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

/// Calls `f` on the values `s` defines that later statements of its block can read: not those
/// local to its nested blocks.
pub fn for_each_visible_def(s: &Stmt, f: &mut impl FnMut(ValId)) {
    match s {
        Stmt::Loop(l) => l.carried.iter().for_each(|c| f(c.out)),
        Stmt::If {
            merges, exports, ..
        } => {
            merges.iter().for_each(|m| f(m.dst));
            exports.iter().for_each(|e| f(e.val));
        }
        s => for_each_def(s, f),
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

/// Input: `if c { t = ..; } u = f(t);` where `t` is defined only in the then-branch (the reverse
/// sweep reads values like this). Output: the `if` exports `t`; the else-branch gives a placeholder
/// that is never read, since `t` is read only under the same condition. `later` holds what code
/// after the block reads.
pub fn export_reads(block: &mut Block, later: &HashSet<ValId>) {
    // Last to first, `acc` holds what the statements after the current one read (and `later`);
    // linear in the block's size, with no copy of the set per statement.
    let mut acc = later.clone();
    for s in block.stmts.iter_mut().rev() {
        match s {
            Stmt::If {
                then, els, exports, ..
            } => {
                // Nested `if`s first: what they export becomes visible in this branch.
                export_reads(then, &acc);
                export_reads(els, &acc);
                for (branch, from_then) in [(&*then, true), (&*els, false)] {
                    let mut defs = Vec::new();
                    for st in &branch.stmts {
                        for_each_visible_def(st, &mut |v| defs.push(v));
                    }
                    defs.sort();
                    defs.dedup();
                    for v in defs {
                        if acc.contains(&v) && !exports.iter().any(|e| e.val == v) {
                            exports.push(Export { val: v, from_then });
                        }
                    }
                }
            }
            // What a loop body defines is not visible after the loop.
            Stmt::Loop(l) => export_reads(&mut l.body, &HashSet::new()),
            _ => {}
        }
        for_each_use(s, &mut |v| {
            acc.insert(v);
        });
    }
}

/// Removes from `live` the values `l`'s body defines: they are in scope only inside the body,
/// so a read of the same value elsewhere (a later loop that recomputes it, in an adjoint) is of
/// its own definition and does not keep this one.
fn forget_body_defs(l: &crate::ir::Loop, live: &mut HashSet<ValId>) {
    for s in &l.body.stmts {
        for_each_def(s, &mut |v| {
            live.remove(&v);
        });
    }
    if let Iter::While { cond_block, .. } = &l.iter {
        for s in &cond_block.stmts {
            for_each_def(s, &mut |v| {
                live.remove(&v);
            });
        }
    }
}

/// Which carried variables of `l` a loop that must produce the values in `live` needs: those
/// read after the loop, and, to a fixed point, those the body or the condition reads in
/// computing the effects and the carried values kept so far.
fn carried_needed(
    l: &crate::ir::Loop,
    live: &HashSet<ValId>,
    keep_always: &HashSet<ValId>,
) -> Vec<bool> {
    let mut keep: Vec<bool> = l.carried.iter().map(|c| live.contains(&c.out)).collect();
    loop {
        let mut trial = live.clone();
        forget_body_defs(l, &mut trial);
        for (c, _) in l.carried.iter().zip(&keep).filter(|(_, k)| **k) {
            op(&c.next, &mut |v| {
                trial.insert(v);
            });
        }
        if let Iter::Tape { vals, .. } = &l.iter {
            trial.extend(vals.iter().copied());
        }
        eliminate_with(&mut l.body.clone(), &mut trial, false, keep_always);
        if let Iter::While { cond_block, cond } = &l.iter {
            trial.insert(*cond);
            eliminate_with(&mut cond_block.clone(), &mut trial, false, keep_always);
        }
        let mut changed = false;
        for (c, k) in l.carried.iter().zip(keep.iter_mut()) {
            if !*k && trial.contains(&c.phi) {
                *k = true;
                changed = true;
            }
        }
        if !changed {
            return keep;
        }
    }
}

/// Drops, last to first, every statement whose values are not in `live` (which grows with what the
/// kept statements read; SSA makes one set enough).
pub fn eliminate(block: &mut Block, live: &mut HashSet<ValId>) {
    eliminate_with(block, live, true, &HashSet::new());
}

/// [`eliminate`] of a forward sweep: the values of `effects` (draws, see `Func::effects`) are
/// computed even where nothing reads them, as the function computes them.
pub fn eliminate_forward(block: &mut Block, live: &mut HashSet<ValId>, effects: &HashSet<ValId>) {
    eliminate_with(block, live, true, effects);
}

/// [`eliminate`]; with `precise` off, a loop keeps every carried variable its body reads (the
/// cheap rule the trials of [`carried_needed`] use for the loops nested in the one they decide,
/// so that deciding costs one pass per level rather than one per level per trial).
fn eliminate_with(
    block: &mut Block,
    live: &mut HashSet<ValId>,
    precise: bool,
    keep_always: &HashSet<ValId>,
) {
    let mut kept = Vec::with_capacity(block.stmts.len());
    for mut s in std::mem::take(&mut block.stmts).into_iter().rev() {
        let keep = match &mut s {
            Stmt::Opaque { dst, .. } => live.contains(dst) || keep_always.contains(dst),
            Stmt::Prim { dst, .. } | Stmt::Load { dst, .. } => live.contains(dst),
            Stmt::CallSecond {
                dst,
                grads,
                grad_tangents,
                ..
            } => {
                // Slots stay paired: a gradient is kept when it or its tangent is read.
                for (g, t) in grads.iter_mut().zip(grad_tangents.iter_mut()) {
                    let read = |v: &Option<ValId>| v.is_some_and(|v| live.contains(&v));
                    if !read(g) && !read(t) {
                        *g = None;
                        *t = None;
                    }
                }
                live.contains(dst) || keep_always.contains(dst) || grads.iter().any(|g| g.is_some())
            }
            Stmt::Call { dst, grads, .. } | Stmt::CallTangent { dst, grads, .. } => {
                for g in grads.iter_mut() {
                    if g.is_some_and(|v| !live.contains(&v)) {
                        *g = None;
                    }
                }
                live.contains(dst) || keep_always.contains(dst) || grads.iter().any(|g| g.is_some())
            }
            Stmt::Loop(l) => {
                // A carried variable stays if its value after the loop is read or the body reads it.
                let mut body_reads = reads(&l.body);
                if let Iter::While { cond_block, .. } = &l.iter {
                    // A value only the condition reads (`while delta.abs() > tol`) is carried too.
                    body_reads.extend(reads(cond_block));
                }
                // So does one whose value at the start of an iteration is the next value of
                // another that stays (`(a, b) = (b + x, a)`: each feeds the other).
                let mut keep: Vec<bool> = l
                    .carried
                    .iter()
                    .map(|c| live.contains(&c.out) || body_reads.contains(&c.phi))
                    .collect();
                // But not one that only its own update reads (`acc = acc + x[i]` with `acc`
                // unused after the loop, as where an adjoint recomputes more than it needs).
                if precise
                    && l.carried
                        .iter()
                        .zip(&keep)
                        .any(|(c, k)| *k && !live.contains(&c.out))
                {
                    keep = carried_needed(l, live, keep_always);
                }
                loop {
                    let fed: Vec<ValId> = l
                        .carried
                        .iter()
                        .zip(&keep)
                        .filter_map(|(c, &k)| if k { c.next.val() } else { None })
                        .collect();
                    let mut changed = false;
                    for (c, k) in l.carried.iter().zip(keep.iter_mut()) {
                        if !*k && fed.contains(&c.phi) {
                            *k = true;
                            changed = true;
                        }
                    }
                    if !changed {
                        break;
                    }
                }
                let mut flags = keep.into_iter();
                l.carried.retain(|_| flags.next().unwrap_or(true));
                forget_body_defs(l, live);
                for c in &l.carried {
                    op(&c.next, &mut |v| {
                        live.insert(v);
                    });
                }
                if let Iter::Tape { vals, .. } = &l.iter {
                    live.extend(vals.iter().copied());
                }
                eliminate_with(&mut l.body, live, precise, keep_always);
                if let Iter::While { cond_block, cond } = &mut l.iter {
                    live.insert(*cond);
                    eliminate_with(cond_block, live, precise, keep_always);
                }
                !l.carried.is_empty() || !l.body.stmts.is_empty()
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
                        op(&o, &mut |v| {
                            live.insert(v);
                        });
                    }
                }
                live.extend(exports.iter().map(|e| e.val));
                eliminate_with(then, live, precise, keep_always);
                eliminate_with(els, live, precise, keep_always);
                !merges.is_empty() || !then.stmts.is_empty() || !els.stmts.is_empty()
            }
            s => {
                debug_assert!(s.is_effect());
                true
            }
        };
        if keep {
            match &s {
                Stmt::If { cond, .. } => {
                    live.insert(*cond);
                }
                Stmt::Loop(l) => {
                    if let Some(range) = l.iter.range() {
                        live.extend(range.uses.iter().copied());
                    }
                    for c in &l.carried {
                        op(&c.init, &mut |v| {
                            live.insert(v);
                        });
                    }
                }
                _ => for_each_use(&s, &mut |v| {
                    live.insert(v);
                }),
            }
            kept.push(s);
        }
    }
    kept.reverse();
    block.stmts = kept;
}

/// Input: `let mut z = vec![0.0; n]; z[0] = x.ln(); x * 2.0`, where nothing reads `z`.
/// Output: the same without the store, so that its adjoint (`0 · ∞` at `x = 0`) never reaches the
/// gradient. A buffer counts as read when it is loaded, passed to a call, or named by carried-along
/// tokens other than `z.len()` and `z.is_empty()`.
pub fn drop_unread_buffers(func: &mut crate::ir::Func) {
    use crate::ir::SeqId;
    fn scan(b: &Block, read: &mut HashSet<SeqId>, named: &mut Vec<proc_macro2::TokenStream>) {
        for s in &b.stmts {
            match s {
                Stmt::Load { seq, .. } => {
                    read.insert(*seq);
                }
                Stmt::Call { args, .. }
                | Stmt::CallAdjoint { args, .. }
                | Stmt::CallTangent { args, .. }
                | Stmt::CallVec { args, .. }
                | Stmt::VecTangent { args, .. } => {
                    for a in args {
                        match a {
                            CallArg::Seq(seq, t, _) => {
                                read.insert(*seq);
                                named.push(t.clone());
                            }
                            CallArg::Tokens(t, _) | CallArg::Unseen(t, _) => named.push(t.clone()),
                            CallArg::Float(_) | CallArg::FloatRef(_) | CallArg::Adjoint(_) => {}
                        }
                    }
                }
                Stmt::Opaque { expr, .. } | Stmt::Effect { expr, .. } => named.push(expr.clone()),
                Stmt::NewBuf {
                    len: crate::ir::BufLen::Array(t),
                    ..
                } => named.push(t.clone()),
                Stmt::Loop(l) => {
                    if let Some(r) = l.iter.range() {
                        named.push(r.tokens.clone());
                    }
                    if let Iter::While { cond_block, .. } = &l.iter {
                        scan(cond_block, read, named);
                    }
                    scan(&l.body, read, named);
                }
                Stmt::If { then, els, .. } => {
                    scan(then, read, named);
                    scan(els, read, named);
                }
                _ => {}
            }
        }
    }
    fn drop_stores(b: &mut Block, dead: &HashSet<SeqId>) {
        b.stmts
            .retain(|s| !matches!(s, Stmt::Store { seq, .. } if dead.contains(seq)));
        for s in &mut b.stmts {
            match s {
                Stmt::Loop(l) => drop_stores(&mut l.body, dead),
                Stmt::If { then, els, .. } => {
                    drop_stores(then, dead);
                    drop_stores(els, dead);
                }
                _ => {}
            }
        }
    }
    let mut read = HashSet::new();
    let mut named = Vec::new();
    scan(&func.body, &mut read, &mut named);
    for t in &named {
        read.extend(named_buffers(func, t));
    }
    let dead: HashSet<SeqId> = (0..func.seqs.len() as u32)
        .map(SeqId)
        .filter(|s| func.seq(*s).buffer && !read.contains(s))
        .collect();
    if !dead.is_empty() {
        drop_stores(&mut func.body, &dead);
    }
}

/// The buffers `tokens` name, except as `z.len()` or `z.is_empty()` (which read no element).
fn named_buffers(
    func: &crate::ir::Func,
    tokens: &proc_macro2::TokenStream,
) -> Vec<crate::ir::SeqId> {
    use proc_macro2::TokenTree;
    let mut out = Vec::new();
    let tts: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (k, tt) in tts.iter().enumerate() {
        match tt {
            TokenTree::Group(g) => out.extend(named_buffers(func, &g.stream())),
            TokenTree::Ident(i) => {
                let Some(seq) = (0..func.seqs.len() as u32)
                    .map(crate::ir::SeqId)
                    .find(|s| func.seq(*s).buffer && func.seq(*s).ident == *i)
                else {
                    continue;
                };
                let len_only = matches!(
                    (tts.get(k + 1), tts.get(k + 2)),
                    (Some(TokenTree::Punct(p)), Some(TokenTree::Ident(m)))
                        if p.as_char() == '.' && (m == "len" || m == "is_empty")
                );
                if !len_only {
                    out.push(seq);
                }
            }
            _ => {}
        }
    }
    out
}
