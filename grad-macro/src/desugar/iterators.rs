//! Iterator chains over data the engine does not read by index itself — local buffers, constant
//! data of any shape (`&[(f64, f64)]`, `&[Vec<f64>]`, `&[[f64; 3]]`) — rewritten into the `for`
//! loops lowering knows. Reductions over the function's float slices are lowered directly (see
//! `lower::reduce`), over ranges in `ranges`.

use quote::{quote, quote_spanned};
use std::collections::HashSet;

/// The names of the parameters that are float sequences.
pub type SeqParams = HashSet<String>;

/// The identifier an iterator chain starts from (`exps` in `exps.iter().map(..)`).
fn root(e: &syn::Expr) -> Option<&syn::Ident> {
    match e {
        syn::Expr::Paren(p) => root(&p.expr),
        syn::Expr::Reference(r) => root(&r.expr),
        syn::Expr::Path(p) => p.path.get_ident(),
        syn::Expr::MethodCall(m) => root(&m.receiver),
        syn::Expr::Field(f) => root(&f.base),
        _ => None,
    }
}

/// `source` without a last `.cloned()` or `.copied()` (the lowered loop reads a reference to a
/// float as the float).
pub(super) fn strip_copies(source: &syn::Expr) -> &syn::Expr {
    match source {
        syn::Expr::MethodCall(m)
            if (m.method == "cloned" || m.method == "copied") && m.args.is_empty() =>
        {
            strip_copies(&m.receiver)
        }
        other => other,
    }
}

/// A closure's parameter without its type annotation, which a `for` pattern cannot carry.
pub(super) fn untyped(p: &syn::Pat) -> &syn::Pat {
    match p {
        syn::Pat::Type(t) => &t.pat,
        other => other,
    }
}

/// Whether `e` is a chain rooted in data the engine reads itself: a float-slice parameter or a
/// range (those keep their own lowering).
fn directly_lowered(e: &syn::Expr, seqs: &SeqParams) -> bool {
    match root(e) {
        Some(r) => seqs.contains(&r.to_string()),
        // A range or another expression.
        None => true,
    }
}

/// Input: `.fold(init, f64::max)` (any function path in place of the closure).
/// Output: `.fold(init, |a, b| f64::max(a, b))`, the form every reduction lowering takes.
pub fn fold_path_to_closure(m: &mut syn::ExprMethodCall) {
    if m.method != "fold" || m.args.len() != 2 {
        return;
    }
    if let syn::Expr::Path(p) = &m.args[1] {
        let (a, b) = (crate::naming::hidden("a"), crate::naming::hidden("b"));
        m.args[1] = syn::parse_quote!(|#a, #b| #p(#a, #b));
    }
}

/// Input: `SOURCE.map(|p| body).sum::<T>()` (also `.product::<T>()`, `.fold(init, |acc, v| ..)`,
/// with or without the `map`, after `.cloned()`/`.copied()`), where SOURCE is not rooted in a
/// float-slice parameter. Output: `{ let mut ACC = -0.0; for p in SOURCE { ACC += body; } ACC }`,
/// the same operations in the same order as std's (a float sum starts from -0.0).
pub fn reduction_over_data(m: &syn::ExprMethodCall, seqs: &SeqParams) -> Option<syn::Expr> {
    let name = m.method.to_string();
    let typed = super::ranges::float_turbofish(m);
    let (source, map) = super::ranges::split_map(m)?;
    let source = strip_copies(source);
    // A chain of float-slice parameters yields floats, so an untyped sum of it is a float sum.
    let params_chain = chains(source) && directly_lowered(source, seqs);
    // `x.windows(2).fold(..)`: a loop over the pieces, which `pieces_loop` rewrites.
    let fold_of_pieces = name == "fold" && geometry(source).is_some();
    let flat = has_flat_map(source);
    // `(0..n).zip(ws)`: indices beside items, which a `for` over them reads.
    let zipped_range = matches!(super::unparen(source), syn::Expr::MethodCall(z)
        if z.method == "zip" && super::ranges::range_rooted(&z.receiver));
    if directly_lowered(source, seqs) && !params_chain && !fold_of_pieces && !flat && !zipped_range
    {
        return None;
    }
    let typed = typed || params_chain;
    let acc = crate::naming::hidden("acc");
    let item = crate::naming::hidden("item");
    let (pat, value) = match map {
        Some(c) => {
            let (p, body) = (untyped(&c.inputs[0]), super::tail_expr(&c.body));
            (quote!(#p), quote!(#body))
        }
        None => (quote!(#item), quote!(#item)),
    };
    let (init, pat, step) = match name.as_str() {
        "sum" if typed && m.args.is_empty() => (quote!(-0.0), pat, quote!(#acc += #value;)),
        "product" if typed && m.args.is_empty() => (quote!(1.0), pat, quote!(#acc *= #value;)),
        "fold" if m.args.len() == 2 => {
            let syn::Expr::Closure(c) = &m.args[1] else {
                return None;
            };
            if c.inputs.len() != 2 {
                return None;
            }
            let (pa, pv, body) = (
                untyped(&c.inputs[0]),
                untyped(&c.inputs[1]),
                super::tail_expr(&c.body),
            );
            let init = &m.args[0];
            match map {
                // The mapped value gets the fold's name for it, which must then be a plain name.
                Some(_) => {
                    if !matches!(pv, syn::Pat::Ident(_)) {
                        return None;
                    }
                    (
                        quote!(#init),
                        pat,
                        quote!(#acc = { let #pa = #acc; let #pv = #value; #body };),
                    )
                }
                None => (
                    quote!(#init),
                    quote!(#pv),
                    quote!(#acc = { let #pa = #acc; #body };),
                ),
            }
        }
        _ => return None,
    };
    let lp: syn::ExprForLoop = syn::parse_quote!(for #pat in #source { #step });
    // The loop is made after the desugaring visited the parts: the pieces' rewrite now.
    let lp = if fold_of_pieces {
        pieces_loop(&lp)?
    } else if flat {
        let mut e = syn::Expr::ForLoop(lp);
        flatten_loops(&mut e);
        e
    } else {
        syn::Expr::ForLoop(lp)
    };
    let mut block: syn::Expr = syn::parse_quote!({
        let mut #acc = #init;
        #lp
        #acc
    });
    split_chains(&mut block);
    staged_loops(&mut block);
    Some(block)
}

/// The `for` loops of `e` over chains with stages (`x.iter().map(..)`, `.filter(..)`), made
/// after the desugaring visited the parts, as the loops over their sources they stand for.
fn staged_loops(e: &mut syn::Expr) {
    struct Staged;
    impl syn::visit_mut::VisitMut for Staged {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let syn::Expr::ForLoop(f) = e {
                if let Some(l) =
                    super::filters::filter_loop(f).or_else(|| super::filters::map_loop(f))
                {
                    *e = l;
                    // A loop over pieces (`x.chunks(2).filter(..)`) is made after theirs.
                    pieces_loops(e);
                }
            }
        }
    }
    syn::visit_mut::VisitMut::visit_expr_mut(&mut Staged, e);
}

/// The `for` loops over pieces (`for c in x.chunks(2)`) in `e`, at any depth, as the loops over
/// their starts they stand for (see [`pieces_loop`]): for loops made after the desugaring
/// visited them (the source of a `filter` or `map` stage).
pub fn pieces_loops(e: &mut syn::Expr) {
    struct Pieces;
    impl syn::visit_mut::VisitMut for Pieces {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let syn::Expr::ForLoop(f) = e {
                if let Some(l) = pieces_loop(f) {
                    *e = l;
                }
            }
        }
    }
    syn::visit_mut::VisitMut::visit_expr_mut(&mut Pieces, e);
}

/// Whether an iterator chain has a `.chain(..)` in it.
fn chains(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::MethodCall(m) => m.method == "chain" || chains(&m.receiver),
        syn::Expr::Paren(p) => chains(&p.expr),
        _ => false,
    }
}

/// Input: `for p in A.chain(B) { body }` (also `A.chain(B).copied()`), at any depth of `e`, with
/// no `break` or `continue` in `body`. Output: `for p in A { body } for p in B { body }`, the
/// same iterations in the same order, each over a sequence the engine iterates.
pub fn split_chains(e: &mut syn::Expr) {
    struct Split;
    impl syn::visit_mut::VisitMut for Split {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let syn::Expr::ForLoop(f) = e {
                if let Some(two) = chain_loop(f) {
                    *e = two;
                }
            }
            if let Some(two) = chain_sum(e) {
                *e = two;
            }
        }
    }
    syn::visit_mut::VisitMut::visit_expr_mut(&mut Split, e);
}

/// Whether `body` has a `break` of its own loop (not of a loop nested in it, nor a labeled one).
fn breaks_out(body: &syn::Block) -> bool {
    struct Breaks(bool);
    impl<'a> syn::visit::Visit<'a> for Breaks {
        fn visit_expr_break(&mut self, b: &'a syn::ExprBreak) {
            self.0 |= b.label.is_none();
        }
        fn visit_expr_for_loop(&mut self, l: &'a syn::ExprForLoop) {
            self.visit_expr(&l.expr);
        }
        fn visit_expr_while(&mut self, l: &'a syn::ExprWhile) {
            self.visit_expr(&l.cond);
        }
        fn visit_expr_loop(&mut self, _: &'a syn::ExprLoop) {}
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut breaks = Breaks(false);
    syn::visit::Visit::visit_block(&mut breaks, body);
    breaks.0
}

/// Input: `A.chain(B).map(|p| e).sum()` (a turbofish kept). Output:
/// `{ let mut S = -0.0; for p in A { S += e; } for p in B { S += e; } S }`: the same additions in
/// the same order, each part over a sequence the engine iterates (`m.p.iter().chain(m.q.iter())`
/// of two rows fields, say).
fn chain_sum(e: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(sum) = e else {
        return None;
    };
    if sum.method != "sum" || !sum.args.is_empty() {
        return None;
    }
    let (source, map) = match &*sum.receiver {
        syn::Expr::MethodCall(m) if m.method == "map" && m.args.len() == 1 => {
            (&*m.receiver, Some(&m.args[0]))
        }
        r => (r, None),
    };
    let syn::Expr::MethodCall(c) = source else {
        return None;
    };
    // `A.chain(B).step_by(k).map(f).sum()`: a loop that takes every k-th item across both.
    if c.method == "step_by" && c.args.len() == 1 && chains(&c.receiver) {
        let acc = crate::naming::fresh("acc");
        let item = crate::naming::fresh("item");
        let (pat, body): (syn::Pat, syn::Expr) = match map {
            Some(syn::Expr::Closure(cl)) if cl.inputs.len() == 1 => {
                (untyped(&cl.inputs[0]).clone(), super::tail_expr(&cl.body))
            }
            // (`f64 += &f64` as `f64 += f64`: items by reference or by value.)
            None => (syn::parse_quote!(#item), syn::parse_quote!(#item)),
            _ => return None,
        };
        let l: syn::ExprForLoop = syn::parse_quote!(for #pat in #source { #acc += #body; });
        let split = chain_loop(&l)?;
        return Some(syn::parse_quote!({
            let mut #acc = -0.0;
            #split
            #acc
        }));
    }
    if c.method != "chain" || c.args.len() != 1 {
        return None;
    }
    let (a, b) = (&c.receiver, &c.args[0]);
    let turbofish = &sum.turbofish;
    let acc = crate::naming::fresh("acc");
    // `chain(&v)`, `chain(v)` of a slice or a `Vec`: its items.
    let b_iter: syn::Expr = match b {
        syn::Expr::Reference(r) => {
            let x = &r.expr;
            syn::parse_quote!(#x.iter())
        }
        syn::Expr::Path(_) | syn::Expr::Field(_) => syn::parse_quote!(#b.iter()),
        b => b.clone(),
    };
    Some(match map {
        // Each part as a `for` over its items, which the engine iterates in every form, from
        // the float sums' own start, `-0.0`.
        Some(syn::Expr::Closure(cl)) if cl.inputs.len() == 1 => {
            let (pat, body) = (untyped(&cl.inputs[0]), &cl.body);
            // A part `once(e)` is its one item.
            let part = |x: &syn::Expr| -> syn::Stmt {
                match once_item(x) {
                    Some(item) => syn::parse_quote!({
                        let #pat = #item;
                        #acc += #body;
                    }),
                    None => syn::parse_quote!(for #pat in #x {
                        #acc += #body;
                    }),
                }
            };
            let second = part(&b_iter);
            // With a turbofish (`sum::<T>()`, also of a generic `T`) the first part's own sum
            // starts the total; without, the float sums' start, `-0.0`.
            if turbofish.is_some() && once_item(a).is_none() {
                return Some(syn::parse_quote!({
                    let mut #acc = #a.map(#cl).sum #turbofish();
                    #second
                    #acc
                }));
            }
            let first = part(a);
            syn::parse_quote!({
                let mut #acc = -0.0;
                #first
                #second
                #acc
            })
        }
        // (Other forms, `A.chain(B).sum()` of items, stay as they are.)
        _ => return None,
    })
}

/// `e` of `std::iter::once(e)` (any path ending in `once`).
fn once_item(x: &syn::Expr) -> Option<&syn::Expr> {
    let syn::Expr::Call(c) = x else { return None };
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    (c.args.len() == 1 && p.path.segments.last().is_some_and(|s| s.ident == "once"))
        .then(|| &c.args[0])
}

/// One `for` over a chain as two loops (see [`split_chains`]).
pub fn chain_loop(f: &syn::ExprForLoop) -> Option<syn::Expr> {
    // A `break` of this loop would leave only the first of the two (a `continue` goes on to the
    // next item either way; a labeled `break` of an outer loop leaves both).
    if f.label.is_some() || breaks_out(&f.body) {
        return None;
    }
    // `for (k, v) in A.chain(B).enumerate()`: a count across both loops.
    if let (syn::Expr::MethodCall(en), syn::Pat::Tuple(t)) = (&*f.expr, &*f.pat) {
        if en.method == "enumerate"
            && en.args.is_empty()
            && t.elems.len() == 2
            && chains(&en.receiver)
        {
            let count = crate::naming::fresh("count");
            let (k, body) = (&t.elems[0], &f.body.stmts);
            let mut inner = f.clone();
            *inner.pat = t.elems[1].clone();
            inner.expr = en.receiver.clone();
            inner.body = syn::parse_quote!({
                let #k = #count;
                #count += 1;
                #(#body)*
            });
            let split = chain_loop(&inner)?;
            return Some(syn::parse_quote!({
                let mut #count: usize = 0;
                #split
            }));
        }
    }
    // `for v in A.chain(B).step_by(k)`: a count across both loops, every k-th item taken.
    if let syn::Expr::MethodCall(sb) = &*f.expr {
        if sb.method == "step_by" && sb.args.len() == 1 && chains(&sb.receiver) {
            let (count, step, skip) = (
                crate::naming::fresh("count"),
                crate::naming::fresh("step"),
                crate::naming::fresh("skip"),
            );
            let (k, body) = (&sb.args[0], &f.body.stmts);
            let mut inner = f.clone();
            inner.expr = sb.receiver.clone();
            inner.body = syn::parse_quote!({
                let #skip = #count % #step != 0;
                #count += 1;
                if #skip {
                    continue;
                }
                #(#body)*
            });
            let split = chain_loop(&inner)?;
            return Some(syn::parse_quote!({
                let #step: usize = #k;
                let mut #count: usize = 0;
                #split
            }));
        }
    }
    let (source, copies) = match &*f.expr {
        syn::Expr::MethodCall(m)
            if (m.method == "copied" || m.method == "cloned") && m.args.is_empty() =>
        {
            (&*m.receiver, Some(&m.method))
        }
        e => (e, None),
    };
    let syn::Expr::MethodCall(c) = source else {
        return None;
    };
    if c.method != "chain" || c.args.len() != 1 {
        return None;
    }
    let (a, b) = (&c.receiver, &c.args[0]);
    // The argument as an iterator of the same items as the receiver's.
    let b: syn::Expr = match b {
        syn::Expr::Reference(r) => {
            let x = &r.expr;
            syn::parse_quote!(#x.iter())
        }
        syn::Expr::Path(x) => syn::parse_quote!(#x.iter()),
        b => b.clone(),
    };
    let (a, b) = match copies {
        Some(m) => (quote!(#a.#m()), quote!(#b.#m())),
        None => (quote!(#a), quote!(#b)),
    };
    let (pat, body) = (&f.pat, &f.body);
    Some(syn::parse_quote!({
        for #pat in #a #body
        for #pat in #b #body
    }))
}

/// Input: `let v: Vec<f64> = SOURCE.flat_map(|t| B).collect();` (typed by the `let` or a
/// turbofish). Output: `let mut v: Vec<f64> = Vec::new();` and the loop the chain stands for
/// (see [`flat_map_loop`]) pushing each item: the pushes of nested loops, which lowering follows.
pub fn flat_collect_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    let (c, vec_ty) = collected(init, ty)?;
    crate::vector::vector_elem(&vec_ty)?;
    let source = &c.receiver;
    if !matches!(super::unparen(source), syn::Expr::MethodCall(m) if m.method == "flat_map") {
        return None;
    }
    let (name, item) = (&id.ident, crate::naming::hidden("item"));
    // `|&t| [t, t * t]`: each element pushed in turn, computed first.
    if let Some(lp) = listed_pushes(source, name) {
        return Some(vec![
            syn::parse_quote!(let mut #name: #vec_ty = ::std::vec::Vec::new();),
            syn::Stmt::Expr(lp, None),
        ]);
    }
    let mut lp: syn::Expr = syn::parse_quote!(for #item in #source { #name.push(#item); });
    flatten_loops(&mut lp);
    if has_flat_map_loop(&lp) {
        return None;
    }
    Some(vec![
        syn::parse_quote!(let mut #name: #vec_ty = ::std::vec::Vec::new();),
        syn::Stmt::Expr(lp, None),
    ])
}

/// Input: `A.flat_map(|p| [e0, e1])` (or `vec![..]`) collected into `name`. Output: `for p in A
/// { let t0 = e0; let t1 = e1; name.push(t0); name.push(t1); }`.
fn listed_pushes(source: &syn::Expr, name: &syn::Ident) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(m) = super::unparen(source) else {
        return None;
    };
    let [syn::Expr::Closure(c)] = &m.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let [p] = &c.inputs.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    // (Statements before the list's value stay before it.)
    let (pre, tail): (Vec<syn::Stmt>, &syn::Expr) = match super::unparen(&c.body) {
        syn::Expr::Block(b) if b.label.is_none() => match b.block.stmts.split_last() {
            Some((syn::Stmt::Expr(tail, None), pre)) => (pre.to_vec(), tail),
            _ => return None,
        },
        body => (Vec::new(), body),
    };
    let elems: Vec<syn::Expr> = match super::unparen(tail) {
        syn::Expr::Array(a) => a.elems.iter().cloned().collect(),
        e @ syn::Expr::Macro(_) => crate::lower::vec_list(e)?.elems.into_iter().collect(),
        _ => return None,
    };
    if elems.is_empty() || matches!(elems[0], syn::Expr::Repeat(_)) {
        return None;
    }
    let temps: Vec<syn::Ident> = (0..elems.len())
        .map(|k| crate::naming::fresh(&format!("listed{k}")))
        .collect();
    let (p, a) = (untyped(p), &m.receiver);
    Some(syn::parse_quote!(for #p in #a {
        #(#pre)*
        #(let #temps = #elems;)*
        #(#name.push(#temps);)*
    }))
}

/// Whether a `for` loop of `e` is over a chain with a `flat_map`.
fn has_flat_map_loop(e: &syn::Expr) -> bool {
    struct Find(bool);
    impl<'a> syn::visit::Visit<'a> for Find {
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.0 |= has_flat_map(&f.expr);
            syn::visit::visit_expr_for_loop(self, f);
        }
    }
    let mut find = Find(false);
    syn::visit::Visit::visit_expr(&mut find, e);
    find.0
}

/// Whether a chain has a `flat_map` among its stages.
fn has_flat_map(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::MethodCall(m) => m.method == "flat_map" || has_flat_map(&m.receiver),
        syn::Expr::Paren(p) => has_flat_map(&p.expr),
        _ => false,
    }
}

/// The `for` loops of `e` over `filter`s and `flat_map`s, as the loops they stand for, down to
/// loops over ranges and sequences (`for p in A.flat_map(..).filter(f) { .. }` is a loop over
/// `A` holding one over each `B` whose body tests `f`).
pub fn flatten_loops(e: &mut syn::Expr) {
    struct Flatten;
    impl syn::visit_mut::VisitMut for Flatten {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            if let syn::Expr::ForLoop(f) = e {
                let made = super::filters::filter_loop(f).or_else(|| flat_map_loop(f));
                if let Some(made) = made {
                    *e = made;
                    // The loops it makes, in turn.
                    self.visit_expr_mut(e);
                    return;
                }
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
    }
    syn::visit_mut::VisitMut::visit_expr_mut(&mut Flatten, e);
}

/// Input: `for p in A.flat_map(|i| B) { body }` (the closure `move` or not), with no `break` of
/// this loop in `body`. Output: `for i in A { for p in B { body } }`, the same items in the same
/// order; with `B` a `X.map(|j| e)` of a plain pattern `p`, `for j in X { let p = e; body }`, so
/// every loop is over a range or a sequence the engine iterates.
pub fn flat_map_loop(f: &syn::ExprForLoop) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(m) = &*f.expr else {
        return None;
    };
    if m.method != "flat_map" || m.args.len() != 1 || f.label.is_some() || breaks_out(&f.body) {
        return None;
    }
    let syn::Expr::Closure(c) = &m.args[0] else {
        return None;
    };
    if c.inputs.len() != 1 {
        return None;
    }
    let (outer, i, inner) = (
        &m.receiver,
        untyped(&c.inputs[0]),
        super::tail_expr(&c.body),
    );
    let (pat, body) = (&f.pat, &f.body);
    let plain = |p: &syn::Pat| match p {
        syn::Pat::Ident(pi) => pi.by_ref.is_none() && pi.subpat.is_none(),
        syn::Pat::Tuple(t) => t
            .elems
            .iter()
            .all(|e| matches!(e, syn::Pat::Ident(_) | syn::Pat::Wild(_))),
        _ => false,
    };
    let mapped = match &inner {
        syn::Expr::MethodCall(im) if im.method == "map" && im.args.len() == 1 && plain(pat) => {
            match &im.args[0] {
                syn::Expr::Closure(ic) if ic.inputs.len() == 1 => Some((
                    &im.receiver,
                    untyped(&ic.inputs[0]),
                    super::tail_expr(&ic.body),
                )),
                _ => None,
            }
        }
        _ => None,
    };
    let inner_loop: syn::ExprForLoop = match mapped {
        Some((source, j, e)) => {
            let stmts = &body.stmts;
            syn::parse_quote!(for #j in #source { let #pat = #e; #(#stmts)* })
        }
        None => syn::parse_quote!(for #pat in #inner #body),
    };
    // (Flattened again where `B` flattens too; a list written out, `|&t| [t, t * t]`, as a local
    // array.)
    let inner_loop = flat_map_loop(&inner_loop)
        .or_else(|| super::normal::literal_loop(&inner_loop))
        .unwrap_or(syn::Expr::ForLoop(inner_loop));
    Some(syn::parse_quote!(for #i in #outer { #inner_loop }))
}

/// Input: `let name: Vec<T> = SOURCE.map(|p| body).collect();` (or `.collect::<Vec<T>>()`), with
/// SOURCE `x.iter()` (possibly `.cloned()`) or a range; also `let name = x.to_vec();` (and
/// `x[a..b].to_owned()`).
/// Output: a local buffer filled in order: `let mut name = vec![0.0; LEN];
/// for (K, p) in SOURCE.enumerate() { name[K] = body; }`.
pub fn collect_let(
    l: &syn::Local,
    floats: &std::collections::HashSet<String>,
) -> Option<Vec<syn::Stmt>> {
    let (pat, ty) = super::pat_and_type(l);
    let syn::Pat::Ident(id) = pat else {
        return None;
    };
    let init = l.init.as_ref()?;
    if init.diverge.is_some() || id.by_ref.is_some() {
        return None;
    }
    let name = &id.ident;
    // A `let` typed as a vector of something else (`Vec<usize>`) holds data.
    let vec_of_other = |t: &syn::Type| {
        matches!(t, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Vec"))
            && !float_vec(t)
            && !inferred_vec(t)
    };
    if ty.is_some_and(vec_of_other) {
        return None;
    }
    // `x.to_owned()`, `x.clone()`, `Vec::from(x)`, `x.iter().copied().collect::<Vec<f64>>()`:
    // `x.to_vec()`.
    let copy: Option<syn::ExprMethodCall> = match &*init.expr {
        syn::Expr::MethodCall(o)
            if (o.method == "to_owned" || o.method == "clone")
                && o.args.is_empty()
                && matches!(&*o.receiver, syn::Expr::Path(_)) =>
        {
            let r = &o.receiver;
            Some(syn::parse_quote!(#r.to_vec()))
        }
        // `x[a..b].to_owned()`: the part's `to_vec()`.
        syn::Expr::MethodCall(o)
            if o.method == "to_owned"
                && o.args.is_empty()
                && matches!(&*o.receiver, syn::Expr::Index(ix) if matches!(&*ix.index, syn::Expr::Range(_))) =>
        {
            let r = &o.receiver;
            Some(syn::parse_quote!(#r.to_vec()))
        }
        syn::Expr::Call(c)
            if c.args.len() == 1 && {
                let f = &c.func;
                let f = quote!(#f).to_string().replace(' ', "");
                f == "Vec::from" || f == "std::vec::Vec::from"
            } =>
        {
            match &c.args[0] {
                syn::Expr::Path(x) => Some(syn::parse_quote!(#x.to_vec())),
                syn::Expr::Reference(r)
                    if matches!(&*r.expr, syn::Expr::Path(_) | syn::Expr::Index(_)) =>
                {
                    let x = &r.expr;
                    Some(syn::parse_quote!(#x.to_vec()))
                }
                _ => None,
            }
        }
        syn::Expr::MethodCall(c) if c.method == "collect" && c.args.is_empty() => {
            match &*c.receiver {
                syn::Expr::MethodCall(cp)
                    if (cp.method == "copied" || cp.method == "cloned") && cp.args.is_empty() =>
                {
                    match &*cp.receiver {
                        syn::Expr::MethodCall(it)
                            if it.method == "iter"
                                && it.args.is_empty()
                                && matches!(&*it.receiver, syn::Expr::Path(_)) =>
                        {
                            let vec_ty =
                                ty.or_else(|| match c.turbofish.as_ref()?.args.first()? {
                                    syn::GenericArgument::Type(t) => Some(t),
                                    _ => None,
                                });
                            let x = &it.receiver;
                            vec_ty
                                .filter(|t| float_vec(t) || inferred_vec(t))
                                .map(|_| syn::parse_quote!(#x.to_vec()))
                        }
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        _ => None,
    };
    let m = match (&copy, &*init.expr) {
        (Some(c), _) => c,
        (None, syn::Expr::MethodCall(m)) => m,
        _ => return None,
    };
    let k = crate::naming::hidden("k");
    if m.method == "to_vec" && m.args.is_empty() {
        // `x[a..b].to_vec()`: the part, copied from its start.
        if let syn::Expr::Index(ix) = &*m.receiver {
            let (syn::Expr::Path(x), syn::Expr::Range(r)) = (&*ix.expr, &*ix.index) else {
                return None;
            };
            let start = r.start.as_ref().map_or(quote!(0), |a| quote!((#a)));
            let end = match (&r.end, &r.limits) {
                (None, _) => quote!(#x.len()),
                (Some(b), syn::RangeLimits::HalfOpen(_)) => quote!((#b)),
                (Some(b), syn::RangeLimits::Closed(_)) => quote!((#b) + 1),
            };
            let first = crate::naming::fresh("first");
            return Some(vec![
                syn::parse_quote!(let #first: usize = #start;),
                syn::parse_quote!(let mut #name = vec![0.0; #end - #first];),
                syn::parse_quote!(for #k in 0..#name.len() { #name[#k] = #x[#first + #k]; }),
            ]);
        }
        let x = root(&m.receiver)?;
        if !matches!(&*m.receiver, syn::Expr::Path(_)) {
            return None;
        }
        return Some(vec![
            syn::parse_quote!(let mut #name = vec![0.0; #x.len()];),
            syn::parse_quote!(for #k in 0..#x.len() { #name[#k] = #x[#k]; }),
        ]);
    }
    if m.method != "collect" || !m.args.is_empty() {
        return None;
    }
    // `x.chunks(k).map(..)` (also with `.zip(ys)` or `.enumerate()`): over the pieces' starts.
    let pieces_len = pieces_len(&m.receiver);
    let mut with_starts = m.clone();
    if pieces_len.is_some() {
        pieces_chain(&mut with_starts);
    }
    let m = &with_starts;
    // The element type must be a float: from the `let`'s type or the turbofish.
    let vec_ty = ty.or_else(|| match m.turbofish.as_ref()?.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })?;
    // `Vec<_>`: floats when the closure reads a float parameter (a collection of data keeps
    // its own element type, as written).
    let floats_vec = float_vec(vec_ty)
        || (inferred_vec(vec_ty) && (reads_any(&m.receiver, floats) || float_math(&m.receiver)));
    if !floats_vec {
        return None;
    }
    let syn::Expr::MethodCall(map) = &*m.receiver else {
        return None;
    };
    if map.method != "map" || map.args.len() != 1 {
        return None;
    }
    // `.map(f64::tanh)`, `.map(sigmoid)`: the function called on each element.
    let named: Option<syn::ExprClosure> = match &map.args[0] {
        syn::Expr::Path(f) => {
            let v = crate::naming::hidden("elem");
            Some(syn::parse_quote!(|#v| #f(#v)))
        }
        _ => None,
    };
    let c = match (&map.args[0], &named) {
        (syn::Expr::Closure(c), _) => c,
        (_, Some(c)) => c,
        _ => return None,
    };
    if c.inputs.len() != 1 {
        return None;
    }
    // `h.into_iter()` of a local buffer (a helper's result bound by the inlining): its elements
    // by value, as `h.iter().copied()` gives them to the loop below.
    let consumed: Option<syn::Expr> = match strip_copies(&map.receiver) {
        syn::Expr::MethodCall(it)
            if it.method == "into_iter"
                && it.args.is_empty()
                && matches!(&*it.receiver, syn::Expr::Path(p) if p.path.get_ident().is_some()) =>
        {
            let x = &it.receiver;
            Some(syn::parse_quote!(#x.iter().copied()))
        }
        _ => None,
    };
    let source = consumed
        .as_ref()
        .unwrap_or_else(|| strip_copies(&map.receiver));
    let len = match pieces_len {
        Some(len) => len,
        None => seq_len(source)?,
    };
    let (p, body) = (untyped(&c.inputs[0]), super::tail_expr(&c.body));
    Some(vec![
        syn::parse_quote!(let mut #name = vec![0.0; #len];),
        syn::parse_quote!(for (#k, #p) in (#source).enumerate() { #name[#k] = #body; }),
    ])
}

/// `x` of `x.iter()`, where `x` is a name or a field.
fn iter_of_place(e: &syn::Expr) -> Option<&syn::Expr> {
    let syn::Expr::MethodCall(it) = e else {
        return None;
    };
    let x = &*it.receiver;
    // (`x[1..].iter()`: a part of a place.)
    let place = |x: &syn::Expr| matches!(x, syn::Expr::Path(_) | syn::Expr::Field(_));
    let part = matches!(x, syn::Expr::Index(ix) if matches!(&*ix.index, syn::Expr::Range(_)) && place(&ix.expr));
    (it.method == "iter" && it.args.is_empty() && (place(x) || part)).then_some(x)
}

/// `X.collect()` (no arguments) and the type it collects into, from the `let`'s type `ty` or
/// the turbofish; `None` for anything else.
pub(super) fn collected<'e>(
    init: &'e syn::Expr,
    ty: Option<&syn::Type>,
) -> Option<(&'e syn::ExprMethodCall, syn::Type)> {
    let syn::Expr::MethodCall(c) = init else {
        return None;
    };
    if c.method != "collect" || !c.args.is_empty() {
        return None;
    }
    let turbofish = c.turbofish.as_ref().and_then(|t| match t.args.first()? {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    });
    Some((c, ty.cloned().or(turbofish)?))
}

/// Input: `let v: Vec<f64> = std::iter::once(a).chain(x.iter().copied()).chain(std::iter::once(b))
/// .collect();` (parts `once(e)`, `x.iter().copied()`/`.cloned()`, `x.iter().map(|p| e)`, two or
/// more, also `a.iter().chain(b).copied()`; typed by the `let` or the turbofish). Output: `let mut v =
/// vec![0.0; 1 + x.len() + 1]; v[0] = a; for K in 0..x.len() { v[1 + K] = x[K]; } v[1 + x.len()] =
/// b;`: a buffer written by index, which lowering follows.
pub fn chained_collect_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    let (c, vec_ty) = collected(init, ty)?;
    crate::vector::vector_elem(&vec_ty)?;
    // The parts, last first; `.copied()` after the chain copies every part's items.
    let (mut e, copied_all) = match &*c.receiver {
        syn::Expr::MethodCall(m)
            if (m.method == "copied" || m.method == "cloned") && m.args.is_empty() =>
        {
            (&*m.receiver, true)
        }
        e => (e, false),
    };
    let mut parts = Vec::new();
    while let syn::Expr::MethodCall(m) = e {
        if m.method != "chain" || m.args.len() != 1 {
            break;
        }
        parts.push(&m.args[0]);
        e = &m.receiver;
    }
    parts.push(e);
    parts.reverse();
    let once = |p: &syn::Expr| -> Option<syn::Expr> {
        let syn::Expr::Call(call) = p else {
            return None;
        };
        let syn::Expr::Path(f) = &*call.func else {
            return None;
        };
        let last = f.path.segments.last()?;
        (last.ident == "once" && call.args.len() == 1).then(|| call.args[0].clone())
    };
    if parts.len() < 2 {
        return None;
    }
    let name = &id.ident;
    let k = crate::naming::fresh("k");
    let mut off = quote!(0);
    let mut writes: Vec<syn::Stmt> = Vec::new();
    for p in parts {
        if let Some(v) = once(p) {
            writes.push(syn::parse_quote!(#name[#off] = #v;));
            off = quote!(#off + 1);
            continue;
        }
        // `w.iter()` (or `&w`, `w`) of a chain copied after it.
        let part_iter: syn::Expr;
        let p = match p {
            syn::Expr::Reference(r) if copied_all && r.mutability.is_none() => {
                let x = &r.expr;
                part_iter = syn::parse_quote!(#x.iter().copied());
                &part_iter
            }
            syn::Expr::Path(x) if copied_all => {
                part_iter = syn::parse_quote!(#x.iter().copied());
                &part_iter
            }
            syn::Expr::MethodCall(m) if copied_all && m.method == "iter" && m.args.is_empty() => {
                part_iter = syn::parse_quote!(#p.copied());
                &part_iter
            }
            p => p,
        };
        // `x.windows(n).map(|w| e)`: one item per window.
        if let syn::Expr::MethodCall(m) = p {
            if let (syn::Expr::MethodCall(win), "map", [syn::Expr::Closure(cl)]) = (
                &*m.receiver,
                m.method.to_string().as_str(),
                &m.args.iter().collect::<Vec<_>>()[..],
            ) {
                if win.method == "windows" && win.args.len() == 1 && cl.inputs.len() == 1 {
                    let (x, n) = (&win.receiver, &win.args[0]);
                    let (pat, body) = (untyped(&cl.inputs[0]), super::tail_expr(&cl.body));
                    writes.push(syn::parse_quote!(for (#k, #pat) in #x.windows(#n).enumerate() { #name[#off + #k] = #body; }));
                    off = quote!(#off + (#x.len() + 1).saturating_sub(#n));
                    continue;
                }
            }
        }
        let (source, map) = match p {
            syn::Expr::MethodCall(m) if m.method == "map" && m.args.len() == 1 => {
                (&*m.receiver, Some(&m.args[0]))
            }
            syn::Expr::MethodCall(m)
                if (m.method == "copied" || m.method == "cloned") && m.args.is_empty() =>
            {
                (&*m.receiver, None)
            }
            _ => return None,
        };
        // `X.iter().skip(A).take(B)` (a row of rows, as the rewrite of a model's `Vec` of
        // structs reads it): the part `X[A..A + B]`, its bounds saturated as `skip`/`take` are.
        let window: syn::Expr;
        let x = match source {
            syn::Expr::MethodCall(t) if t.method == "take" && t.args.len() == 1 => {
                let syn::Expr::MethodCall(sk) = &*t.receiver else {
                    return None;
                };
                if sk.method != "skip" || sk.args.len() != 1 {
                    return None;
                }
                let base = iter_of_place(&sk.receiver)?;
                let (a, b) = (&sk.args[0], &t.args[0]);
                window = syn::parse_quote!(
                    #base[::core::cmp::min(#a, #base.len())
                        ..::core::cmp::min(usize::saturating_add(#a, #b), #base.len())]
                );
                &window
            }
            s => iter_of_place(s)?,
        };
        match map {
            None => {
                writes.push(syn::parse_quote!(for #k in 0..#x.len() { #name[#off + #k] = #x[#k]; }))
            }
            Some(syn::Expr::Closure(cl)) if cl.inputs.len() == 1 => {
                let (pat, body) = (untyped(&cl.inputs[0]), super::tail_expr(&cl.body));
                writes.push(syn::parse_quote!(for (#k, #pat) in #x.iter().enumerate() { #name[#off + #k] = #body; }));
            }
            _ => return None,
        }
        off = quote!(#off + #x.len());
    }
    let mut out: Vec<syn::Stmt> =
        vec![syn::parse_quote!(let mut #name: #vec_ty = vec![0.0; #off];)];
    out.extend(writes);
    Some(out)
}

/// `SOURCE.map(|p| BODY).collect()` typed as a `Vec` (by the `let` or the turbofish): the
/// `collect`, the type, the `map` and its closure of one parameter.
fn collected_map<'e>(
    init: &'e syn::Expr,
    ty: Option<&syn::Type>,
) -> Option<(
    &'e syn::ExprMethodCall,
    syn::Type,
    &'e syn::ExprMethodCall,
    &'e syn::ExprClosure,
)> {
    let (c, vec_ty) = collected(init, ty)?;
    let syn::Expr::MethodCall(map) = &*c.receiver else {
        return None;
    };
    let [syn::Expr::Closure(cl)] = &map.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if map.method != "map" || cl.inputs.len() != 1 {
        return None;
    }
    Some((c, vec_ty, map, cl))
}

/// Input: `let pts: Vec<[f64; 2]> = x.chunks_exact(2).map(|c| [c[0], c[1]]).collect();` (any
/// source whose length is known, a closure giving an array literal of the element's length;
/// typed by the `let` or the turbofish). Output: `let mut pts = vec![[0.0; 2]; COUNT]; for (K, c)
/// in x.chunks_exact(2).enumerate() { pts[K] = [c[0], c[1]]; }`: a local matrix whose rows are
/// written whole, which the rewrites of matrices and pieces follow.
pub fn array_rows_collect_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    let (c, vec_ty, map, cl) = collected_map(init, ty)?;
    let syn::Type::Array(row) = crate::rows::vec_elem(&vec_ty)? else {
        return None;
    };
    crate::sig::float_of(&row.elem)?;
    // (`{ [..] }`, as the rewrite of rows parameters writes a row's closure; `{ let s = ..;
    // [..] }`, as that of a local matrix read by row does: the `let`s before the row.)
    let (lets, body) = match super::unparen(&cl.body) {
        syn::Expr::Block(b) if b.label.is_none() && !b.block.stmts.is_empty() => {
            let (last, lets) = b.block.stmts.split_last()?;
            if !lets.iter().all(|s| matches!(s, syn::Stmt::Local(_))) {
                return None;
            }
            match last {
                syn::Stmt::Expr(e, None) => (lets, super::unparen(e)),
                _ => return None,
            }
        }
        e => (&[][..], e),
    };
    let n = &row.len;
    let (lets, arr): (Vec<syn::Stmt>, syn::ExprArray) = match body {
        syn::Expr::Array(arr) => {
            if quote!(#n).to_string() != arr.elems.len().to_string()
                && quote!(#n).to_string() != format!("{}usize", arr.elems.len())
            {
                return None;
            }
            (lets.to_vec(), arr.clone())
        }
        // A row made otherwise (`|p| force(p)`, a helper returning `[T; K]`): bound under the
        // row's type, then given element by element.
        value => {
            let width = super::tuples::lit_usize(n)?;
            let (r, t) = (crate::naming::fresh("row"), &row);
            let elems = (0..width).map(|j| -> syn::Expr { syn::parse_quote!(#r[#j]) });
            let mut lets = lets.to_vec();
            lets.push(syn::parse_quote!(let #r: #t = #value;));
            (lets, syn::parse_quote!([#(#elems),*]))
        }
    };
    let count = pieces_len(&c.receiver).or_else(|| seq_len(&map.receiver))?;
    let (name, source, pat) = (&id.ident, &map.receiver, untyped(&cl.inputs[0]));
    let k = crate::naming::fresh("k");
    Some(vec![
        syn::parse_quote!(let mut #name = vec![[0.0; #n]; #count];),
        syn::parse_quote!(for (#k, #pat) in #source.enumerate() { #(#lets)* #name[#k] = #arr; }),
    ])
}

/// Input: `let mut rows: Vec<Vec<f64>> = x.chunks_exact(2).map(|c| c.to_vec()).collect();` (or
/// `windows(k)`: rows of one length) that the statements after it write (`rows[i][j] += ..`,
/// `rows.iter_mut()`, `rows.swap(..)`). Output: `let mut rows = vec![vec![0.0; 2]; COUNT]; for
/// (K, c) in x.chunks_exact(2).enumerate() { for J in 0..2 { rows[K][J] = c[J]; } }`: a local
/// matrix, which the rewrites of matrices follow. (Rows only read are followed as they are.)
pub fn written_rows_collect_let(l: &syn::Local, rest: &[syn::Stmt]) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    let (c, vec_ty, map, cl) = collected_map(init, ty)?;
    let inner = crate::rows::vec_elem(&vec_ty)?;
    crate::vector::vector_elem(inner)?;
    // `(0..n).map(|i| vec![a, b])` (or `[a, b].to_vec()`): rows given element by element,
    // written later or only read (kept as written, a closure reading differentiated values
    // would lose their derivatives).
    let listed = match super::unparen(&cl.body) {
        m @ syn::Expr::Macro(_) => crate::lower::vec_list(m),
        syn::Expr::MethodCall(m) if m.method == "to_vec" && m.args.is_empty() => {
            match super::unparen(&m.receiver) {
                syn::Expr::Array(a) => Some(a.clone()),
                _ => None,
            }
        }
        _ => None,
    }
    .map(|a| a.elems.into_iter().collect::<Vec<_>>())
    .filter(|elems| !elems.is_empty());
    if let Some(elems) = listed {
        let count = pieces_len(&c.receiver).or_else(|| seq_len(&map.receiver))?;
        let name = &id.ident;
        let (i, width) = (crate::naming::fresh("k"), elems.len());
        let (pat, source) = (untyped(&cl.inputs[0]), &map.receiver);
        let stores = elems
            .iter()
            .enumerate()
            .map(|(j, e)| quote!(#name[#i][#j] = #e;));
        return Some(vec![
            syn::parse_quote!(let mut #name = vec![vec![0.0; #width]; #count];),
            syn::parse_quote!(for (#i, #pat) in #source.enumerate() { #(#stores)* }),
        ]);
    }
    let syn::Pat::Ident(p) = untyped(&cl.inputs[0]) else {
        return None;
    };
    let syn::Expr::MethodCall(copy) = super::unparen(&cl.body) else {
        return None;
    };
    let is_p =
        matches!(super::unparen(&copy.receiver), syn::Expr::Path(q) if q.path.is_ident(&p.ident));
    if copy.method != "to_vec" || !copy.args.is_empty() || !is_p {
        return None;
    }
    let syn::Expr::MethodCall(src) = &*map.receiver else {
        return None;
    };
    if !matches!(src.method.to_string().as_str(), "chunks_exact" | "windows") {
        return None;
    }
    id.mutability?;
    let k = src.args.first().filter(|_| src.args.len() == 1)?;
    let count = piece_count(&map.receiver)?;
    let name = &id.ident;
    if !rest
        .iter()
        .any(|s| super::closures::writes(s, &std::iter::once(name.to_string()).collect()))
    {
        return None;
    }
    let (i, j, width) = (
        crate::naming::fresh("k"),
        crate::naming::fresh("j"),
        crate::naming::fresh("width"),
    );
    let (piece, source) = (&p.ident, &map.receiver);
    Some(vec![
        syn::parse_quote!(let #width: usize = #k;),
        syn::parse_quote!(let mut #name = vec![vec![0.0; #width]; #count];),
        syn::parse_quote!(for (#i, #piece) in #source.enumerate() {
            for #j in 0..#width {
                #name[#i][#j] = #piece[#j];
            }
        }),
    ])
}

/// Input: `let k: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| kern(x[i], x[j])).collect())
/// .collect();` (sources of known length, `x.iter()` and ranges, with `enumerate`, `zip`, `skip`,
/// `take`; the inner one not naming the outer item; typed by the `let` or the turbofish).
/// Output: `let mut k = vec![vec![0.0; INNER]; OUTER]; for (K, i) in (0..n).enumerate() { for
/// (J, j) in (0..n).enumerate() { k[K][J] = kern(x[i], x[j]); } }`: a local matrix written by
/// element, which the rewrites of matrices follow.
pub fn nested_collect_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    let (_, vec_ty, map, cl) = collected_map(init, ty)?;
    let inner_ty = crate::rows::vec_elem(&vec_ty)?;
    // `Vec<Vec<f64>>` (or `Vec<Vec<_>>`, `Vec<_>`): rows of floats.
    let float_elem = match inner_ty {
        syn::Type::Infer(_) => true,
        t => crate::rows::vec_elem(t)
            .is_some_and(|e| matches!(e, syn::Type::Infer(_)) || crate::sig::float_of(e).is_some()),
    };
    let (inner_c, _) = collected(super::unparen(&cl.body), Some(inner_ty))?;
    let syn::Expr::MethodCall(inner_map) = &*inner_c.receiver else {
        return None;
    };
    let [syn::Expr::Closure(inner_cl)] = &inner_map.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if !float_elem || inner_map.method != "map" || inner_cl.inputs.len() != 1 {
        return None;
    }
    let (outer_pat, inner_pat) = (untyped(&cl.inputs[0]), untyped(&inner_cl.inputs[0]));
    let mut outer_names = Vec::new();
    super::tuples::names_of(outer_pat, &mut outer_names);
    let (outer, inner) = (&map.receiver, &inner_map.receiver);
    let names_outer = crate::naming::mentions(quote!(#inner), &|i| outer_names.contains(i));
    let (rows, cols) = (seq_len(outer)?, seq_len(inner)?);
    if names_outer {
        return None;
    }
    let name = &id.ident;
    let (k, j) = (crate::naming::fresh("k"), crate::naming::fresh("j"));
    let body = &inner_cl.body;
    Some(vec![
        syn::parse_quote!(let mut #name = vec![vec![0.0; #cols]; #rows];),
        syn::parse_quote!(for (#k, #outer_pat) in #outer.enumerate() {
            for (#j, #inner_pat) in #inner.enumerate() {
                #name[#k][#j] = #body;
            }
        }),
    ])
}

/// Whether `e` calls a method only floats have (`sin`, `exp`, `powi`, ..) or holds a float
/// literal: what a `Vec<_>` collected from it holds is then floats.
fn float_math(e: &syn::Expr) -> bool {
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            let name = m.method.to_string();
            self.0 |= crate::rules::Prim::method_names().any(|n| n == name)
                && !["abs", "max", "min", "signum", "pow"].contains(&name.as_str());
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_lit_float(&mut self, _: &'a syn::LitFloat) {
            self.0 = true;
        }
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

/// `Vec<_>`.
fn inferred_vec(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    last.ident == "Vec"
        && matches!(&last.arguments, syn::PathArguments::AngleBracketed(a)
            if matches!(a.args.first(), Some(syn::GenericArgument::Type(syn::Type::Infer(_)))))
}

/// Whether `e` names one of `names`.
fn reads_any(e: &syn::Expr, names: &std::collections::HashSet<String>) -> bool {
    crate::naming::mentions(quote::ToTokens::to_token_stream(e), &|i| {
        names.contains(&i.to_string())
    })
}

/// `Vec<f64>` or `Vec<f32>`.
fn float_vec(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if last.ident != "Vec" {
        return false;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => matches!(
            a.args.first(),
            Some(syn::GenericArgument::Type(t)) if crate::sig::float_of(t).is_some()
        ),
        _ => false,
    }
}

/// The length of `a..b`, `a..=b` or either with `.rev()`, as an integer expression.
/// How many items a chain of slices and ranges yields: `x.iter()` (also copied),
/// `.enumerate()`, and `.zip(..)` of another such chain or of a slice `y`/`&y` (the shorter).
/// How many items a source gives, where that is known without running it: pieces of a slice
/// (`x.chunks(2)`), a slice's items (`x.iter()`, with `enumerate`, `skip`, `take`, `zip`) and
/// ranges.
pub(super) fn known_len(e: &syn::Expr) -> Option<proc_macro2::TokenStream> {
    piece_count(e).or_else(|| seq_len(e))
}

fn seq_len(e: &syn::Expr) -> Option<proc_macro2::TokenStream> {
    match strip_copies(e) {
        syn::Expr::Paren(p) => seq_len(&p.expr),
        syn::Expr::Reference(r) => seq_len(&r.expr),
        syn::Expr::Path(x) if x.path.get_ident().is_some() => Some(quote!(#x.len())),
        // A part `x[a..b]` (`&x[a..b]` a `zip` is given, or its `iter()`).
        syn::Expr::Index(ix) => {
            let (x @ syn::Expr::Path(_), syn::Expr::Range(r)) = (&*ix.expr, &*ix.index) else {
                return None;
            };
            let (lo, hi) = range_bounds(x, r);
            Some(quote!((#hi - #lo)))
        }
        syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => match &*m.receiver {
            syn::Expr::Path(x) => Some(quote!(#x.len())),
            part @ syn::Expr::Index(_) => seq_len(part),
            _ => None,
        },
        syn::Expr::MethodCall(m)
            if (m.method == "enumerate" || m.method == "rev") && m.args.is_empty() =>
        {
            seq_len(&m.receiver)
        }
        syn::Expr::MethodCall(m) if m.method == "skip" && m.args.len() == 1 => {
            let (n, a) = (seq_len(&m.receiver)?, &m.args[0]);
            Some(quote!((#n).saturating_sub(#a)))
        }
        syn::Expr::MethodCall(m) if m.method == "take" && m.args.len() == 1 => {
            let (n, a) = (seq_len(&m.receiver)?, &m.args[0]);
            Some(quote!(::core::cmp::min(#n, #a)))
        }
        syn::Expr::MethodCall(m) if m.method == "zip" && m.args.len() == 1 => {
            let (a, b) = (seq_len(&m.receiver)?, seq_len(&m.args[0])?);
            Some(quote!(::core::cmp::min(#a, #b)))
        }
        s => range_len(s),
    }
}

fn range_len(e: &syn::Expr) -> Option<proc_macro2::TokenStream> {
    match e {
        syn::Expr::Paren(p) => range_len(&p.expr),
        syn::Expr::MethodCall(m) if m.method == "rev" && m.args.is_empty() => {
            range_len(&m.receiver)
        }
        syn::Expr::Range(r) => {
            // In the bounds' own type, which may be an untyped integer the user's code leaves
            // to inference (`let n = 3;`, then `i32`): compared and subtracted as written, the
            // difference cast to the length of a buffer.
            let (start, end) = (r.start.as_ref()?, r.end.as_ref()?);
            Some(match r.limits {
                syn::RangeLimits::HalfOpen(_) => {
                    quote!((if #end > #start { (#end - #start) as usize } else { 0 }))
                }
                syn::RangeLimits::Closed(_) => {
                    quote!((if #end >= #start { (#end - #start) as usize + 1 } else { 0 }))
                }
            })
        }
        _ => None,
    }
}

/// The positions `X.windows(k)`, `X.chunks(k)` or `X.chunks_exact(k)` start at, as a range of the
/// start index, with the data `X` and the length of each piece.
struct Pieces {
    data: syn::Expr,
    range: proc_macro2::TokenStream,
    len: proc_macro2::TokenStream,
}

fn pieces(source: &syn::Expr, start: &syn::Ident) -> Option<Pieces> {
    let syn::Expr::MethodCall(m) = source else {
        return None;
    };
    if m.args.len() != 1 {
        return None;
    }
    // `x`, or a part `x[a..b]` (the positions then run over `a..b` of `x`).
    let (x, lo, hi) = match &*m.receiver {
        x @ syn::Expr::Path(_) => (x, quote!(0), quote!(#x.len())),
        syn::Expr::Index(ix) => {
            let (x @ syn::Expr::Path(_), syn::Expr::Range(r)) = (&*ix.expr, &*ix.index) else {
                return None;
            };
            let (lo, hi) = range_bounds(x, r);
            (x, lo, hi)
        }
        _ => return None,
    };
    let k = &m.args[0];
    // At the user's call, so that what is said of the pieces points there.
    let sp = syn::spanned::Spanned::span(source);
    let (range, len) = match m.method.to_string().as_str() {
        "windows" => (
            quote_spanned!(sp=> #lo..#lo + (#hi - #lo).saturating_sub((#k) - 1)),
            quote_spanned!(sp=> (#k)),
        ),
        "chunks" => (
            quote_spanned!(sp=> (#lo..#hi).step_by(#k)),
            quote_spanned!(sp=> (#hi - #start).min(#k)),
        ),
        "chunks_exact" => (
            quote_spanned!(sp=> (#lo..#lo + (#hi - #lo) / (#k) * (#k)).step_by(#k)),
            quote_spanned!(sp=> (#k)),
        ),
        _ => return None,
    };
    Some(Pieces {
        data: x.clone(),
        range,
        len,
    })
}

/// `p[i]` → `X[start + i]` and `p.len()` → the piece's length in `body`; `None` if `p` is used
/// in any other way (it is then left to the error lowering gives).
fn substitute_piece(
    body: &syn::Expr,
    p: &syn::Ident,
    start: &syn::Ident,
    pc: &Pieces,
) -> Option<syn::Expr> {
    struct Sub<'a> {
        p: &'a syn::Ident,
        start: &'a syn::Ident,
        pc: &'a Pieces,
        other_use: bool,
    }
    impl syn::visit_mut::VisitMut for Sub<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            let is_p = |e: &syn::Expr| matches!(e, syn::Expr::Path(q) if q.path.is_ident(self.p));
            match e {
                // `p[i]`, also `(p)[i]` (a slice pattern's `let` reads so).
                syn::Expr::Index(ix) if is_p(super::unparen(&ix.expr)) => {
                    self.visit_expr_mut(&mut ix.index);
                    let (x, s, i) = (&self.pc.data, self.start, &ix.index);
                    *e = syn::parse_quote!(#x[#s + (#i)]);
                }
                syn::Expr::MethodCall(mc) if is_p(&mc.receiver) && mc.method == "len" => {
                    let len = &self.pc.len;
                    *e = syn::parse_quote!(#len);
                }
                // `p.iter()`, `p` passed on: the piece as a sub-slice of `x`.
                syn::Expr::MethodCall(mc) if is_p(&mc.receiver) => {
                    let (x, s, len) = (&self.pc.data, self.start, &self.pc.len);
                    *mc.receiver = syn::parse_quote!(#x[#s..#s + #len]);
                    for a in &mut mc.args {
                        self.visit_expr_mut(a);
                    }
                }
                syn::Expr::Reference(r) if r.mutability.is_none() && is_p(&r.expr) => {
                    let (x, s, len) = (&self.pc.data, self.start, &self.pc.len);
                    *e = syn::parse_quote!(&#x[#s..#s + #len]);
                }
                syn::Expr::Path(_) if is_p(e) => {
                    let (x, s, len) = (&self.pc.data, self.start, &self.pc.len);
                    *e = syn::parse_quote!((&#x[#s..#s + #len]));
                }
                _ => syn::visit_mut::visit_expr_mut(self, e),
            }
        }
        // `vec![0.0; p.len()]` (a copy of the piece made by then): its parts as expressions.
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            if m.path.is_ident("vec") {
                super::vec_parts(m, |e| self.visit_expr_mut(e));
            }
        }
        // `let d = p;` (a closure's parameter bound to the piece, as `filter`/`map` stages
        // become): `d` is the same piece in the statements after it, read as `p` is.
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            let mut i = 0;
            while i < b.stmts.len() {
                let alias = match &b.stmts[i] {
                    syn::Stmt::Local(l) => match (&l.pat, &l.init) {
                        (syn::Pat::Ident(pi), Some(init))
                            if pi.by_ref.is_none()
                                && pi.mutability.is_none()
                                && pi.subpat.is_none()
                                && init.diverge.is_none()
                                && matches!(super::unparen(&init.expr), syn::Expr::Path(q) if q.path.is_ident(self.p)) =>
                        {
                            Some(pi.ident.clone())
                        }
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(d) = alias.filter(|d| d != self.p) {
                    let mut rest = b.stmts[i + 1..].to_vec();
                    if crate::desugar::sub_slices::unshadow(&mut rest, &d) {
                        let mut s = Sub {
                            p: &d,
                            start: self.start,
                            pc: self.pc,
                            other_use: false,
                        };
                        // (As a block: an alias of the alias is one too.)
                        let mut tail = syn::Block {
                            brace_token: b.brace_token,
                            stmts: rest,
                        };
                        s.visit_block_mut(&mut tail);
                        self.other_use |= s.other_use;
                        b.stmts.truncate(i);
                        b.stmts.extend(tail.stmts);
                        continue;
                    }
                }
                i += 1;
            }
            syn::visit_mut::visit_block_mut(self, b);
        }
    }
    let mut body = body.clone();
    // What the pieces read means what it means before the loop, whatever the body declares;
    // and a name the body binds again (`let p = p[1] - p[0];`, a `match` arm's `[a, p]`) is
    // not the piece where it is bound.
    let (data, len) = (&pc.data, &pc.len);
    if !crate::desugar::sub_slices::unshadow_expr(&mut body, p) {
        return None;
    }
    for name in crate::desugar::sub_slices::names_in(&quote!(#data #len)) {
        if !crate::desugar::sub_slices::unshadow_expr(&mut body, &name) {
            return None;
        }
    }
    let mut s = Sub {
        p,
        start,
        pc,
        other_use: false,
    };
    syn::visit_mut::VisitMut::visit_expr_mut(&mut s, &mut body);
    (!s.other_use).then_some(body)
}

/// The name a closure or loop pattern binds, without `&` or a type.
fn pat_ident(p: &syn::Pat) -> Option<&syn::Ident> {
    match p {
        syn::Pat::Ident(i) if i.subpat.is_none() => Some(&i.ident),
        syn::Pat::Type(t) => pat_ident(&t.pat),
        syn::Pat::Reference(r) => pat_ident(&r.pat),
        _ => None,
    }
}

/// Input: `for p in x.windows(2) { .. p[1] - p[0] .. }` (or `chunks(k)`, `chunks_exact(k)`).
/// Output: `for S in 0..x.len().saturating_sub(2 - 1) { .. x[S + 1] - x[S + 0] .. }`: the pieces
/// as positions in `x`, so every read is an element of `x` and differentiated as such.
pub fn pieces_loop(f: &syn::ExprForLoop) -> Option<syn::Expr> {
    // `for a in x.windows(2).map(|w| w[1] - w[0]) { .. }` (a chained sum split into loops):
    // `for w in x.windows(2) { let a = w[1] - w[0]; .. }`, the closure run on each piece.
    if let syn::Expr::MethodCall(m) = &*f.expr {
        if let (true, [syn::Expr::Closure(c)]) = (
            m.method == "map" && geometry(&m.receiver).is_some(),
            &m.args.iter().collect::<Vec<_>>()[..],
        ) {
            if c.inputs.len() == 1 && !changes_outer(c) {
                let w = pat_ident(&c.inputs[0])?;
                // (The piece under a name of its own: the closure's may be one the loop's body
                // reads from outside.)
                let piece = crate::naming::fresh("piece");
                let body = renamed(&c.body, w, &piece)?;
                let (pat, stmts) = (&f.pat, &f.body.stmts);
                let mut plain = f.clone();
                *plain.expr = (*m.receiver).clone();
                *plain.pat = syn::parse_quote!(#piece);
                plain.body = syn::parse_quote!({ let #pat = #body; #(#stmts)* });
                return pieces_loop(&plain);
            }
        }
    }
    // `for w in x.windows(2).step_by(2)`, `for (i, w) in x.windows(2).enumerate().rev()`: the
    // loop over the pieces' numbers, those numbers adapted.
    if let Some((inner, adapter)) = outer_adapter(&f.expr) {
        let mut plain = f.clone();
        *plain.expr = inner;
        let syn::Expr::ForLoop(mut l) = pieces_loop(&plain)? else {
            return None;
        };
        let r = &l.expr;
        *l.expr = syn::parse_quote!((#r).#adapter);
        return Some(syn::Expr::ForLoop(l));
    }
    if let Some(pp) = piece_pairs(&f.expr, &f.pat) {
        // `for (row, b) in w.chunks(n).zip(bs)`, `for (a, b) in x.chunks(k).zip(y.chunks(k))`,
        // `for (i, p) in x.windows(2).enumerate()`: over the pieces' numbers.
        let block = syn::Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block: f.body.clone(),
        });
        let syn::Expr::Block(body) = pp.substitute(&block)? else {
            return None;
        };
        // The body's statements beside the `let`s, not in a block of their own: a `break` in
        // an `if` of the body stays a statement of the loop's body.
        let stmts = &body.block.stmts;
        let (label, n, count, lets) = (&f.label, &pp.n, &pp.count, &pp.lets);
        return Some(match &pp.numbers {
            Some((pat, range)) => syn::parse_quote!(
                #label for (#n, #pat) in (0..#count).zip(#range) { #(#lets)* #(#stmts)* }
            ),
            None => syn::parse_quote!(#label for #n in 0..#count { #(#lets)* #(#stmts)* }),
        });
    }
    let p = pat_ident(&f.pat)?;
    let start = crate::naming::hidden("start");
    // `x.windows(3).rev()`, `x.chunks(2).rev()`: the same pieces, last first.
    let (source, rev) = match &*f.expr {
        syn::Expr::MethodCall(m) if m.method == "rev" && m.args.is_empty() => (&*m.receiver, true),
        e => (e, false),
    };
    let mut pc = pieces(source, &start)?;
    if rev {
        let r = &pc.range;
        pc.range = quote!((#r).rev());
    }
    let block = syn::Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: f.body.clone(),
    });
    let body = substitute_piece(&block, p, &start, &pc)?;
    let (label, range) = (&f.label, &pc.range);
    Some(syn::parse_quote!(#label for #start in #range #body))
}

/// `P.rev()` or `P.step_by(k)` where `P` is pieces (`x.windows(2)`, with `.enumerate()` or more
/// adapters): `P` and the adapter as written after the dot.
fn outer_adapter(e: &syn::Expr) -> Option<(syn::Expr, proc_macro2::TokenStream)> {
    let syn::Expr::MethodCall(m) = e else {
        return None;
    };
    let adapter = match (m.method.to_string().as_str(), m.args.first()) {
        ("rev", None) => quote!(rev()),
        ("step_by" | "take" | "skip", Some(k)) if m.args.len() == 1 => {
            let method = &m.method;
            quote!(#method(#k))
        }
        _ => return None,
    };
    // Pieces underneath, through `enumerate` and other such adapters.
    let mut under = &*m.receiver;
    loop {
        if geometry(under).is_some() {
            break;
        }
        match under {
            syn::Expr::MethodCall(a)
                if ["enumerate", "rev", "step_by", "take", "skip"]
                    .iter()
                    .any(|n| a.method == n) =>
            {
                under = &a.receiver;
            }
            _ => return None,
        }
    }
    Some(((*m.receiver).clone(), adapter))
}

/// A pair of pieces and what goes with them (`x.chunks(k).zip(ys)`, `.zip(y.chunks(k))`,
/// `.enumerate()`) bound by a tuple pattern, read by the pieces' number `n`: how many pairs
/// there are, the `let`s that bind the pattern's names for piece `n`, and the pieces read
/// through `x` (see `substitute_piece`).
struct PiecePairs {
    n: syn::Ident,
    count: proc_macro2::TokenStream,
    lets: Vec<proc_macro2::TokenStream>,
    pieces: Vec<(syn::Ident, syn::Ident, Pieces)>,
    /// Elements of a buffer iterated by `iter_mut`, bound to a name the body reads as `*v`.
    places: Vec<(syn::Ident, syn::Expr)>,
    /// A range zipped with the pieces, and its pattern: zipped with the pieces' numbers in the
    /// loop's header, so its numbers keep their type.
    numbers: Option<(syn::Pat, syn::Expr)>,
}

impl PiecePairs {
    fn substitute(&self, body: &syn::Expr) -> Option<syn::Expr> {
        let mut body = match body {
            syn::Expr::Block(b) => b.clone(),
            e => syn::parse_quote!({ #e }),
        };
        for (v, place) in &self.places {
            if !elements_as_places(&mut body.block, v, place) {
                return None;
            }
        }
        let mut body = syn::Expr::Block(body);
        for (p, start, pc) in &self.pieces {
            body = substitute_piece(&body, p, start, pc)?;
        }
        Some(body)
    }
}

fn piece_pairs(e: &syn::Expr, pat: &syn::Pat) -> Option<PiecePairs> {
    enum Side<'a> {
        Pieces(&'a syn::Expr),
        Slice(
            Box<(
                syn::Expr,
                proc_macro2::TokenStream,
                proc_macro2::TokenStream,
            )>,
        ),
        // `out.iter_mut()`: each element a place the body writes through `*p`.
        MutSlice(Box<BufferPart>),
        // `0..n`, `a..=b` (of any integer type): zipped with the pieces' numbers.
        Range(&'a syn::Expr),
        Index,
    }
    fn other_side(e: &syn::Expr) -> Option<Side<'_>> {
        if let Some(part) = mutable_slice(e) {
            return Some(Side::MutSlice(Box::new(part)));
        }
        if matches!(super::unparen(e), syn::Expr::Range(r) if r.start.is_some() && r.end.is_some())
        {
            return Some(Side::Range(e));
        }
        Some(Side::Slice(Box::new(slice_part(e)?)))
    }
    let syn::Pat::Tuple(t) = untyped(pat) else {
        return None;
    };
    let syn::Expr::MethodCall(m) = e else {
        return None;
    };
    if t.elems.len() != 2 {
        return None;
    }
    let sides = match (m.method.to_string().as_str(), m.args.len()) {
        // `w.iter().zip(x.chunks(k))`: a slice's elements with the pieces.
        ("zip", 1) if geometry(&m.receiver).is_none() => {
            geometry(&m.args[0])?;
            [other_side(&m.receiver)?, Side::Pieces(&m.args[0])]
        }
        ("zip", 1) => {
            geometry(&m.receiver)?;
            let other = if geometry(&m.args[0]).is_some() {
                Side::Pieces(&m.args[0])
            } else {
                other_side(&m.args[0])?
            };
            [Side::Pieces(&m.receiver), other]
        }
        ("enumerate", 0) => {
            geometry(&m.receiver)?;
            [Side::Index, Side::Pieces(&m.receiver)]
        }
        _ => return None,
    };
    let n = crate::naming::fresh("piece");
    let mut counts = Vec::new();
    let mut lets = Vec::new();
    let mut pieces_read = Vec::new();
    let mut places = Vec::new();
    let mut numbers = None;
    for (elem, side) in t.elems.iter().zip(&sides) {
        match side {
            Side::Pieces(src) => {
                let syn::Pat::Ident(pi) = untyped(elem) else {
                    return None;
                };
                if pi.subpat.is_some() || pi.by_ref.is_some() {
                    return None;
                }
                let start = crate::naming::fresh("start");
                let pc = pieces(src, &start)?;
                let (step, lo) = (piece_step(src)?, geometry(src)?.1);
                counts.push(piece_count(src)?);
                lets.push(quote!(let #start = #lo + #n * (#step);));
                pieces_read.push((pi.ident.clone(), start, pc));
            }
            Side::Slice(part) => {
                let (y, lo, hi) = &**part;
                counts.push(quote!((#hi - #lo)));
                match untyped(elem) {
                    syn::Pat::Wild(_) => {}
                    syn::Pat::Reference(r) if r.mutability.is_none() => {
                        let syn::Pat::Ident(v) = &*r.pat else {
                            return None;
                        };
                        let v = &v.ident;
                        lets.push(quote!(let #v = #y[#lo + #n];));
                    }
                    syn::Pat::Ident(v) if v.subpat.is_none() && v.by_ref.is_none() => {
                        let v = &v.ident;
                        lets.push(quote!(let #v = &#y[#lo + #n];));
                    }
                    _ => return None,
                }
            }
            Side::MutSlice(part) => {
                let (y, lo, hi) = &**part;
                counts.push(quote!((#hi - #lo)));
                match untyped(elem) {
                    syn::Pat::Wild(_) => {}
                    // `*v` is the element, a place in `y`.
                    syn::Pat::Ident(v) if v.subpat.is_none() && v.by_ref.is_none() => {
                        places.push((v.ident.clone(), syn::parse_quote!(#y[#lo + #n])));
                    }
                    _ => return None,
                }
            }
            // (Its parentheses dropped: an argument needs none.)
            Side::Range(range) => numbers = Some((elem.clone(), super::unparen(range).clone())),
            Side::Index => match untyped(elem) {
                syn::Pat::Wild(_) => {}
                syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                    let i = &i.ident;
                    lets.push(quote!(let #i = #n;));
                }
                _ => return None,
            },
        }
    }
    let count = match counts.as_slice() {
        [a] => a.clone(),
        [a, b] => quote!((#a).min(#b)),
        _ => return None,
    };
    Some(PiecePairs {
        n,
        count,
        lets,
        pieces: pieces_read,
        places,
        numbers,
    })
}

/// Input: `x.windows(2).map(|p| body)` as the receiver of a reduction.
/// Output: `(0..x.len().saturating_sub(1)).map(|S| body')`, a reduction over a range.
pub fn pieces_chain(m: &mut syn::ExprMethodCall) {
    let syn::Expr::MethodCall(map) = &mut *m.receiver else {
        return;
    };
    if map.method != "map" || map.args.len() != 1 {
        return;
    }
    // `x.windows(2).rev().map(..)`, `.step_by(k)` (also after `.enumerate()`): the pieces'
    // rewrite, then the adapter on the numbers it iterates.
    if let Some((inner, adapter)) = outer_adapter(&map.receiver) {
        let mut probe = m.clone();
        if let syn::Expr::MethodCall(pm) = &mut *probe.receiver {
            *pm.receiver = inner;
        }
        let before = quote!(#probe).to_string();
        pieces_chain(&mut probe);
        if quote!(#probe).to_string() != before {
            if let syn::Expr::MethodCall(pm) = &mut *probe.receiver {
                let r = &pm.receiver;
                *pm.receiver = syn::parse_quote!((#r).#adapter);
            }
            *m = probe;
        }
        return;
    }
    let syn::Expr::Closure(c) = &map.args[0] else {
        return;
    };
    // Pieces zipped with pieces: `x.chunks(k).zip(y.chunks(k)).map(|(a, b)| ..)`.
    if let syn::Expr::MethodCall(z) = &*map.receiver {
        let pieces_both = z.method == "zip"
            && z.args.len() == 1
            && geometry(&z.args[0]).is_some()
            && c.inputs.len() == 1;
        if pieces_both {
            let Some(pp) = piece_pairs(&map.receiver, &c.inputs[0]) else {
                return;
            };
            if pp.numbers.is_some() {
                return;
            }
            let Some(body) = pp.substitute(&c.body) else {
                return;
            };
            let (n, count, lets) = (&pp.n, &pp.count, &pp.lets);
            *map.receiver = syn::parse_quote!((0..#count));
            map.args[0] = syn::parse_quote!(|#n| { #(#lets)* (#body) });
            return;
        }
    }
    let start = crate::naming::hidden("start");
    // `x.chunks(k).zip(ys).map(|(p, y)| ..)`, `x.chunks(k).enumerate().map(|(i, p)| ..)`: over
    // the pieces' numbers `t`, the piece starting at `t * step`, `y` bound to `&ys[t]` and `i`
    // to `t`.
    let (source, piece_at, ys) = match &*map.receiver {
        syn::Expr::MethodCall(z) if z.method == "zip" && z.args.len() == 1 => {
            let Some(ys) = slice_part(&z.args[0]) else {
                return;
            };
            (&*z.receiver, Some(0), Some(ys))
        }
        syn::Expr::MethodCall(en) if en.method == "enumerate" && en.args.is_empty() => {
            (&*en.receiver, Some(1), None)
        }
        r => (r, None, None),
    };
    let Some(pc) = pieces(source, &start) else {
        return;
    };
    let Some(piece_at) = piece_at else {
        let Some(p) = c.inputs.first().and_then(pat_ident) else {
            return;
        };
        let Some(body) = substitute_piece(&c.body, p, &start, &pc) else {
            return;
        };
        let range = &pc.range;
        let sp = syn::spanned::Spanned::span(source);
        *map.receiver = syn::parse_quote_spanned!(sp=> (#range));
        let csp = syn::spanned::Spanned::span(&map.args[0]);
        map.args[0] = syn::parse_quote_spanned!(csp=> |#start| #body);
        return;
    };
    let Some(syn::Pat::Tuple(t)) = c.inputs.first() else {
        return;
    };
    if t.elems.len() != 2 {
        return;
    }
    let Some(p) = pat_ident(&t.elems[piece_at]).cloned() else {
        return;
    };
    let other = &t.elems[1 - piece_at];
    let Some(body) = substitute_piece(&c.body, &p, &start, &pc) else {
        return;
    };
    let (Some(count), Some(step), Some(lo)) = (
        piece_count(source),
        piece_step(source),
        geometry(source).map(|g| g.1),
    ) else {
        return;
    };
    let n = crate::naming::hidden("piece");
    let (count, bind) = match &ys {
        // `y` is the element's reference, `&y` the element, `_` nothing.
        Some((y, ylo, yhi)) => (
            quote!((#count).min(#yhi - #ylo)),
            match untyped(other) {
                syn::Pat::Wild(_) => quote!(),
                syn::Pat::Reference(r) if r.mutability.is_none() => {
                    let Some(v) = pat_ident(&r.pat) else {
                        return;
                    };
                    quote!(let #v = #y[#ylo + #n];)
                }
                other => quote!(let #other = &#y[#ylo + #n];),
            },
        ),
        None => (count, quote!(let #other = #n;)),
    };
    let (sp, csp) = (
        syn::spanned::Spanned::span(source),
        syn::spanned::Spanned::span(&map.args[0]),
    );
    *map.receiver = syn::parse_quote_spanned!(sp=> (0..#count));
    map.args[0] = syn::parse_quote_spanned!(csp=> |#n| {
        let #start = #lo + #n * (#step);
        #bind
        (#body)
    });
}

/// The slice `ys` zipped with pieces (`ys`, `&ys`, `ys.iter()`, a part `&ys[a..b]` or
/// `ys[a..b].iter()`), with the positions it covers.
fn slice_part(
    e: &syn::Expr,
) -> Option<(
    syn::Expr,
    proc_macro2::TokenStream,
    proc_macro2::TokenStream,
)> {
    // `x.iter().skip(a).take(n)`, `x.iter().skip(a)`, `x.iter().take(n)`: a part as written by
    // then.
    if let syn::Expr::MethodCall(m) = e {
        let (take, inner) = match (m.method.to_string().as_str(), m.args.first()) {
            ("take", Some(n)) => (Some(n), &*m.receiver),
            _ => (None, e),
        };
        let (skip, inner) = match inner {
            syn::Expr::MethodCall(s) if s.method == "skip" && s.args.len() == 1 => {
                (Some(&s.args[0]), &*s.receiver)
            }
            i => (None, i),
        };
        if take.is_some() || skip.is_some() {
            let syn::Expr::MethodCall(it) = inner else {
                return None;
            };
            if it.method != "iter" || !it.args.is_empty() {
                return None;
            }
            let x = &*it.receiver;
            if !matches!(x, syn::Expr::Path(_) | syn::Expr::Field(_)) {
                return None;
            }
            let lo = skip.map_or_else(|| quote!(0), |a| quote!((#a)));
            let hi = match take {
                Some(n) => quote!((#lo + (#n)).min(#x.len())),
                None => quote!(#x.len()),
            };
            return Some((x.clone(), lo, hi));
        }
    }
    let e = match e {
        syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
        syn::Expr::MethodCall(it) if it.method == "iter" && it.args.is_empty() => &*it.receiver,
        syn::Expr::Paren(p) => return slice_part(&p.expr),
        e => e,
    };
    let e = match e {
        syn::Expr::Paren(p) => &*p.expr,
        syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
        e => e,
    };
    match e {
        syn::Expr::Path(_) | syn::Expr::Field(_) => Some((e.clone(), quote!(0), quote!(#e.len()))),
        syn::Expr::Index(ix) => {
            let (x @ (syn::Expr::Path(_) | syn::Expr::Field(_)), syn::Expr::Range(r)) =
                (&*ix.expr, &*ix.index)
            else {
                return None;
            };
            let (lo, hi) = range_bounds(x, r);
            Some((x.clone(), lo, hi))
        }
        _ => None,
    }
}

/// `y.iter_mut()` (of a part `y[a..b]` too, or with `.skip(a)`/`.take(n)` after it): the buffer
/// and the first and past-the-last positions it gives.
fn mutable_slice(e: &syn::Expr) -> Option<BufferPart> {
    let syn::Expr::MethodCall(m) = e else {
        return None;
    };
    match (m.method.to_string().as_str(), m.args.first()) {
        ("iter_mut", None) => mutable_part(&m.receiver),
        ("skip", Some(a)) if m.args.len() == 1 => {
            let (y, lo, hi) = mutable_slice(&m.receiver)?;
            Some((y, quote!((#lo + (#a)).min(#hi)), hi))
        }
        ("take", Some(n)) if m.args.len() == 1 => {
            let (y, lo, hi) = mutable_slice(&m.receiver)?;
            let hi = quote!((#lo + (#n)).min(#hi));
            Some((y, lo, hi))
        }
        _ => None,
    }
}

/// `a` and `b` of `x[a..b]` (`0`, `x.len()` when open; `b + 1` for `a..=b`).
pub(crate) fn range_bounds(
    x: &syn::Expr,
    r: &syn::ExprRange,
) -> (proc_macro2::TokenStream, proc_macro2::TokenStream) {
    let lo = r.start.as_ref().map_or_else(|| quote!(0), |a| quote!((#a)));
    let hi = match (&r.end, &r.limits) {
        (None, _) => quote!(#x.len()),
        (Some(b), syn::RangeLimits::HalfOpen(_)) => quote!((#b)),
        (Some(b), syn::RangeLimits::Closed(_)) => quote!(((#b) + 1)),
    };
    (lo, hi)
}

/// The data of `x.windows(k)` (`chunks`, `chunks_exact`), also of a part `x[a..b].windows(k)`:
/// `x`, the first and past-the-last positions, `k`.
fn geometry(
    source: &syn::Expr,
) -> Option<(
    syn::Expr,
    proc_macro2::TokenStream,
    proc_macro2::TokenStream,
    syn::Expr,
)> {
    let syn::Expr::MethodCall(m) = source else {
        return None;
    };
    if m.args.len() != 1
        || !["windows", "chunks", "chunks_exact"]
            .iter()
            .any(|n| m.method == n)
    {
        return None;
    }
    let (x, lo, hi) = match &*m.receiver {
        x @ syn::Expr::Path(_) => (x.clone(), quote!(0), quote!(#x.len())),
        syn::Expr::Index(ix) => {
            let (x @ syn::Expr::Path(_), syn::Expr::Range(r)) = (&*ix.expr, &*ix.index) else {
                return None;
            };
            let (lo, hi) = range_bounds(x, r);
            (x.clone(), lo, hi)
        }
        _ => return None,
    };
    Some((x, lo, hi, m.args[0].clone()))
}

/// How far apart the pieces of `x.windows(k)` (1), `x.chunks(k)` and `x.chunks_exact(k)` (`k`)
/// start.
fn piece_step(source: &syn::Expr) -> Option<proc_macro2::TokenStream> {
    let syn::Expr::MethodCall(m) = source else {
        return None;
    };
    let k = m.args.first()?;
    Some(match m.method.to_string().as_str() {
        "windows" => quote!(1),
        "chunks" | "chunks_exact" => quote!((#k)),
        _ => return None,
    })
}

/// How many elements `x.chunks(k).map(..)` gives (also through `.enumerate()`, and
/// `.zip(ys)` of a slice `ys`: the shorter).
fn pieces_len(receiver: &syn::Expr) -> Option<proc_macro2::TokenStream> {
    let syn::Expr::MethodCall(map) = receiver else {
        return None;
    };
    if map.method != "map" {
        return None;
    }
    match &*map.receiver {
        syn::Expr::MethodCall(z) if z.method == "zip" && z.args.len() == 1 => {
            let n = piece_count(&z.receiver)?;
            let (_, lo, hi) = slice_part(&z.args[0])?;
            Some(quote!((#n).min(#hi - #lo)))
        }
        syn::Expr::MethodCall(en) if en.method == "enumerate" && en.args.is_empty() => {
            piece_count(&en.receiver)
        }
        r => piece_count(r),
    }
}

/// How many pieces `x.windows(k)`, `x.chunks(k)` or `x.chunks_exact(k)` gives.
fn piece_count(source: &syn::Expr) -> Option<proc_macro2::TokenStream> {
    let syn::Expr::MethodCall(m) = source else {
        return None;
    };
    let (_, lo, hi, k) = geometry(source)?;
    Some(match m.method.to_string().as_str() {
        "windows" => quote!((#hi - #lo).saturating_sub((#k) - 1)),
        "chunks" => quote!((#hi - #lo).div_ceil(#k)),
        "chunks_exact" => quote!(((#hi - #lo) / (#k))),
        _ => return None,
    })
}

/// `body` with every `*name` (and `**name`) read as `name`: the lowered loop binds the float itself.
fn strip_derefs(body: &syn::Expr, name: &syn::Ident) -> syn::Expr {
    struct D<'a>(&'a syn::Ident);
    impl syn::visit_mut::VisitMut for D<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            let mut inner = &*e;
            let mut derefs = 0;
            while let syn::Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Deref(_),
                expr,
                ..
            }) = inner
            {
                inner = expr;
                derefs += 1;
            }
            if derefs > 0 && matches!(inner, syn::Expr::Path(p) if p.path.is_ident(self.0)) {
                *e = inner.clone();
                return;
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
    }
    let mut b = body.clone();
    syn::visit_mut::VisitMut::visit_expr_mut(&mut D(name), &mut b);
    b
}

/// Input: `x.iter().filter(|v| cond).map(|&v| body).sum::<T>()` (any number of `filter`s and
/// `take_while`s, a `map` or none, then `sum`/`product`; `.copied()`/`.cloned()` allowed).
/// Output: `{ let mut ACC = -0.0; for &X in x.iter() { if !{ let v = &&X; cond } { continue; }
/// ACC += { let v = X; body }; } ACC }` (`take_while` breaks instead): the elements std would
/// add, in its order.
pub fn filtered_reduction(m: &syn::ExprMethodCall) -> Option<syn::Expr> {
    let (init, add) = sum_or_product(m)?;
    let item = crate::naming::hidden("item");
    let mut e = &*m.receiver;
    let mut map_closure = None;
    if let syn::Expr::MethodCall(map) = e {
        if map.method == "map" && map.args.len() == 1 {
            map_closure = Some(&map.args[0]);
            e = &map.receiver;
        }
    }
    let mut filters = Vec::new();
    while let syn::Expr::MethodCall(f) = e {
        if (f.method == "filter" || f.method == "take_while") && f.args.len() == 1 {
            filters.push((&f.args[0], f.method == "filter"));
            e = &f.receiver;
        } else {
            break;
        }
    }
    if filters.is_empty() {
        return None;
    }
    filters.reverse();
    if let Some(zipped) = zipped_filtered(e, &filters, map_closure, &init, add) {
        return Some(zipped);
    }
    // `x.iter()`, with or without `.copied()`: the loop binds each element as a float (`for &X in
    // x.iter()`), and every closure gets it with as many references as std gives it (`filter` one
    // more than `map`), so the block is Rust as written even where it is kept as written.
    let source = strip_copies(e);
    if !is_slice_iter(source) {
        return None;
    }
    let copied = !std::ptr::eq(source, e);
    let map_refs = usize::from(!copied);
    let mut guards = Vec::new();
    for (c, filter) in filters {
        let test = bind_closure(c, &item, map_refs + 1)?;
        let exit = if filter {
            quote!(continue)
        } else {
            quote!(break)
        };
        guards.push(quote!(if !#test { #exit; }));
    }
    let value = match map_closure {
        Some(c) => bind_closure(c, &item, map_refs)?,
        None => quote!(#item),
    };
    Some(reduction_loop(
        &(init, add),
        &quote!(&#item),
        source,
        &guards,
        &value,
    ))
}

/// The filtered reduction over `a.iter().zip(b)` (`b` a slice, `&b` or `b.iter()`), whose
/// closures take the pair by a tuple pattern: `|(a, _)| cond` (each name a reference to the
/// element's reference, as std's `&(&x, &y)` binds it), `|&(a, b)|`, and `|(a, b)| body` or
/// `|(&a, &b)| body` for the `map`.
fn zipped_filtered(
    e: &syn::Expr,
    filters: &[(&syn::Expr, bool)],
    map_closure: Option<&syn::Expr>,
    init: &proc_macro2::TokenStream,
    add: bool,
) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(zip) = e else {
        return None;
    };
    if zip.method != "zip" || zip.args.len() != 1 {
        return None;
    }
    if !is_slice_iter(&zip.receiver) {
        return None;
    }
    let parts = [
        crate::naming::hidden("zip_a"),
        crate::naming::hidden("zip_b"),
    ];
    let mut guards = Vec::new();
    for (c, filter) in filters {
        let test = bind_pair(c, &parts, true)?;
        let exit = if *filter {
            quote!(continue)
        } else {
            quote!(break)
        };
        guards.push(quote!(if !#test { #exit; }));
    }
    let value = match map_closure {
        Some(c) => bind_pair(c, &parts, false)?,
        None => return None,
    };
    let [pa, pb] = &parts;
    Some(reduction_loop(
        &(init.clone(), add),
        &quote!((&#pa, &#pb)),
        e,
        &guards,
        &value,
    ))
}

/// `x.iter()`, also through `skip`/`take`/`step_by`/`rev` (a part of `x`, as `x[a..b].iter()` is
/// written by then).
fn is_slice_iter(e: &syn::Expr) -> bool {
    let mut it = e;
    while let syn::Expr::MethodCall(a) = it {
        if ["skip", "take", "step_by", "rev"]
            .iter()
            .any(|n| a.method == n)
        {
            it = &a.receiver;
        } else {
            break;
        }
    }
    matches!(it, syn::Expr::MethodCall(it) if it.method == "iter" && it.args.is_empty())
}

/// `{ let a = ..; let b = ..; body }` for a closure over a zipped pair (`parts`, the two
/// floats), called by std with the pair by reference (`by_ref`, as `filter`
/// does) or by value (`map`); `None` for other patterns.
fn bind_pair(
    e: &syn::Expr,
    parts: &[syn::Ident; 2],
    by_ref: bool,
) -> Option<proc_macro2::TokenStream> {
    let syn::Expr::Closure(c) = e else {
        return None;
    };
    if c.inputs.len() != 1 {
        return None;
    }
    let mut p = untyped(&c.inputs[0]);
    // `&(a, b)` takes the outer reference off; without it, names bind one level deeper.
    let mut deeper = by_ref;
    if let syn::Pat::Reference(r) = p {
        if !by_ref {
            return None;
        }
        deeper = false;
        p = &r.pat;
    }
    let syn::Pat::Tuple(t) = p else {
        return None;
    };
    if t.elems.len() != 2 {
        return None;
    }
    let mut lets = Vec::new();
    for (elem, part) in t.elems.iter().zip(parts) {
        match elem {
            syn::Pat::Wild(_) => {}
            // The loop binds the floats themselves (`for (&A, &B) in ..`); std's elements are
            // references to them.
            syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                let name = &i.ident;
                lets.push(if deeper {
                    quote!(let #name = &&#part;)
                } else {
                    quote!(let #name = &#part;)
                });
            }
            syn::Pat::Reference(r) if !deeper => match &*r.pat {
                syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                    let name = &i.ident;
                    lets.push(quote!(let #name = #part;));
                }
                _ => return None,
            },
            _ => return None,
        }
    }
    let body = super::tail_expr(&c.body);
    Some(quote!({ #(#lets)* #body }))
}

/// `{ let v = &&X; body }` for a closure `|v| body` that std calls with `refs` references to the
/// float `X` (`|&v|` takes one of them off, and so on); `None` when the pattern is not a name.
fn bind_closure(e: &syn::Expr, x: &syn::Ident, refs: usize) -> Option<proc_macro2::TokenStream> {
    let syn::Expr::Closure(c) = e else {
        return None;
    };
    if c.inputs.len() != 1 {
        return None;
    }
    let (name, taken) = name_under_refs(&c.inputs[0])?;
    if taken > refs {
        return None;
    }
    let amps = (0..refs - taken).map(|_| quote!(&));
    let body = super::tail_expr(&c.body);
    Some(quote!({ let #name = #(#amps)* #x; #body }))
}

/// Input: `X.iter().min_by(|a, b| KEY(a).total_cmp(&KEY(b))).unwrap()` (`max_by`, `.expect(..)`)
/// whose comparator indexes its items or reads their fields (`a[0]`, `a.pos`): items that are not
/// floats, a row or a struct of `X` (the nearest entry of a codebook). Output: `&X[{ let mut B =
/// 0; for K in 1..X.len() { if compare(&X[B], &X[K]) == Greater { B = K; } } B }]` (for
/// `max_by`, `!= Greater`): the position of the element std returns (the first minimum, the last
/// maximum), found by the comparisons alone, and a reference to that element, read as any
/// element of `X` is.
fn indexed_extremum(mb: &syn::ExprMethodCall, max: bool) -> Option<syn::Expr> {
    let (x, position) = extremum_position(mb, max)?;
    Some(syn::parse_quote!((&#x[#position])))
}

/// [`super::extremum_stmts`] of `of` in every block inside `s`.
pub fn searches_in_blocks(s: &mut syn::Stmt, of: &dyn Fn(&syn::Expr) -> bool) {
    struct Blocks<'a>(&'a dyn Fn(&syn::Expr) -> bool);
    impl syn::visit_mut::VisitMut for Blocks<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, b);
            let mut out = Vec::with_capacity(b.stmts.len());
            for st in std::mem::take(&mut b.stmts) {
                match super::extremum_stmts(&st, self.0) {
                    Some(lets) => out.extend(lets),
                    None => out.push(st),
                }
            }
            b.stmts = out;
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    syn::visit_mut::VisitMut::visit_stmt_mut(&mut Blocks(of), s);
}

/// Input: `let best = X.iter().min_by(|a, b| ..).unwrap();` (`max_by`, `.expect(..)`; a copy
/// by `*` or `.copied()`/`.cloned()` before the `unwrap`) whose comparator indexes its items or
/// reads their fields (see [`indexed_extremum`]), `X` a place `of` accepts. Output: `let B: usize
/// = { .. }; let best = &X[B];` (`X[B]` for a copy, `X[B].clone()` for `.cloned()`): the
/// position the comparisons find, then the
/// element, named as the user names an element (over differentiated rows, a row the reads
/// follow; of data, a row or a struct of it).
pub fn extremum_let(s: &syn::Stmt, of: &dyn Fn(&syn::Expr) -> bool) -> Option<Vec<syn::Stmt>> {
    let syn::Stmt::Local(l) = s else { return None };
    let init = l.init.as_ref().filter(|i| i.diverge.is_none())?;
    let (mut call, mut copy) = match super::unparen(&init.expr) {
        syn::Expr::MethodCall(m) => (m, false),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
            let syn::Expr::MethodCall(m) = super::unparen(&u.expr) else {
                return None;
            };
            (m, true)
        }
        _ => return None,
    };
    let mut cloned = false;
    let unwrapped;
    if let syn::Expr::MethodCall(c) = &*call.receiver {
        if (c.method == "copied" || c.method == "cloned") && c.args.is_empty() && !copy {
            let mut u = call.clone();
            u.receiver = c.receiver.clone();
            unwrapped = u;
            call = &unwrapped;
            copy = true;
            cloned = c.method == "cloned";
        }
    }
    let (x, position) = position_of_extremum(call)?;
    if !of(&x) {
        return None;
    }
    let b = crate::naming::fresh("picked");
    let pat = &l.pat;
    let element = match (copy, cloned) {
        // A `Vec` row cloned is not moved out of `X`.
        (true, true) => quote!(#x[#b].clone()),
        (true, false) => quote!(#x[#b]),
        _ => quote!(&#x[#b]),
    };
    Some(vec![
        syn::parse_quote!(let #b: usize = #position;),
        syn::parse_quote!(let #pat = #element;),
    ])
}

/// The collection and the position of [`indexed_extremum`], for `unwrap` (or `expect`) of
/// `X.iter().min_by(..)`/`max_by`, where `m` is the `unwrap`.
pub fn position_of_extremum(m: &syn::ExprMethodCall) -> Option<(syn::Expr, syn::Expr)> {
    let (mb, max) = unwrapped_extremum(m)?;
    extremum_position(mb, max)
}

/// The `max_by`/`min_by` call that `m` unwraps (`.unwrap()` or `.expect(..)`), and whether it
/// is `max_by`.
fn unwrapped_extremum(m: &syn::ExprMethodCall) -> Option<(&syn::ExprMethodCall, bool)> {
    if !((m.method == "unwrap" && m.args.is_empty()) || (m.method == "expect" && m.args.len() == 1))
    {
        return None;
    }
    let syn::Expr::MethodCall(mb) = &*m.receiver else {
        return None;
    };
    let max = match mb.method.to_string().as_str() {
        "max_by" => true,
        "min_by" => false,
        _ => return None,
    };
    Some((mb, max))
}

fn extremum_position(mb: &syn::ExprMethodCall, max: bool) -> Option<(syn::Expr, syn::Expr)> {
    let syn::Expr::MethodCall(it) = &*mb.receiver else {
        return None;
    };
    let x = &*it.receiver;
    if it.method != "iter" || !it.args.is_empty() || !super::is_place(x) || mb.args.len() != 1 {
        return None;
    }
    let syn::Expr::Closure(c) = &mb.args[0] else {
        return None;
    };
    if c.inputs.len() != 2 {
        return None;
    }
    // (Items that are not floats: a row or a struct of `X`, which the comparator indexes.)
    let (a, b) = (
        name_under_refs(&c.inputs[0])?.0,
        name_under_refs(&c.inputs[1])?.0,
    );
    if !indexes_or_fields(&c.body, a) && !indexes_or_fields(&c.body, b) {
        return None;
    }
    // std lends each side as `&&T`.
    let position = position_loop(
        c,
        2,
        &|i| quote!(#x[#i]),
        &quote!(0),
        &quote!(#x.len()),
        max,
    )?;
    Some((x.clone(), position))
}

/// `{ let mut B = lo; let E = end; assert!(B < E); for K in B + 1..E { if compare(item(B),
/// item(K)) != Greater { B = K; } } B }` (for `min_by`, `== Greater`): the position `max_by` or
/// `min_by` of the comparator `c` returns (the last maximum, the first minimum), whose sides std
/// lends with `lent` references (less those the closure's patterns take off).
fn position_loop(
    c: &syn::ExprClosure,
    lent: usize,
    item: &dyn Fn(&syn::Ident) -> proc_macro2::TokenStream,
    lo: &proc_macro2::TokenStream,
    end: &proc_macro2::TokenStream,
    max: bool,
) -> Option<syn::Expr> {
    if c.inputs.len() != 2 {
        return None;
    }
    let side = |p: &syn::Pat| -> Option<(syn::Ident, usize)> {
        let (name, taken) = name_under_refs(p)?;
        (taken <= lent).then(|| (name.clone(), lent - taken))
    };
    let ((a, ra), (b, rb)) = (side(&c.inputs[0])?, side(&c.inputs[1])?);
    let (best, k, e) = (
        crate::naming::hidden("best"),
        crate::naming::hidden("k"),
        crate::naming::hidden("end"),
    );
    let (ra, rb) = ((0..ra).map(|_| quote!(&)), (0..rb).map(|_| quote!(&)));
    let (at_best, at_k) = (item(&best), item(&k));
    let body = &c.body;
    let order = quote!({ let #a = #(#ra)* #at_best; let #b = #(#rb)* #at_k; #body });
    let better = if max {
        quote!(#order != ::core::cmp::Ordering::Greater)
    } else {
        quote!(#order == ::core::cmp::Ordering::Greater)
    };
    Some(syn::parse_quote!({
        let mut #best: usize = #lo;
        let #e: usize = #end;
        ::core::assert!(#best < #e, "the iterator of `max_by`/`min_by` is empty");
        for #k in #best + 1..#e {
            if #better {
                #best = #k;
            }
        }
        #best
    }))
}

/// Input: `(a..b).max_by(|&i, &j| KEY(i).total_cmp(&KEY(j))).unwrap()` (`min_by`), the position
/// of an extremum (a pivot search). Output: `{ let mut B = a; let E = b; for K in B + 1..E { if
/// compare(&B, &K) != Greater { B = K; } } B }` (for `min_by`, `== Greater`): the position std
/// returns (the last maximum, the first minimum), an integer.
fn range_extremum(mb: &syn::ExprMethodCall, max: bool) -> Option<syn::Expr> {
    let syn::Expr::Range(r) = super::unparen(&mb.receiver) else {
        return None;
    };
    let (Some(lo), Some(hi)) = (&r.start, &r.end) else {
        return None;
    };
    let hi: syn::Expr = match r.limits {
        syn::RangeLimits::HalfOpen(_) => (**hi).clone(),
        syn::RangeLimits::Closed(_) => syn::parse_quote!((#hi) + 1),
    };
    let [syn::Expr::Closure(c)] = &mb.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    // std lends each side as `&usize`.
    position_loop(c, 1, &|i| quote!(#i), &quote!(#lo), &quote!(#hi), max)
}

/// Whether `e` indexes `name` or reads a field of it (`name[0]`, `name.pos`).
fn indexes_or_fields(e: &syn::Expr, name: &syn::Ident) -> bool {
    struct F<'a>(&'a syn::Ident, bool);
    impl<'a> syn::visit::Visit<'a> for F<'_> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            let base = match e {
                syn::Expr::Index(i) => Some(&*i.expr),
                syn::Expr::Field(f) => Some(&*f.base),
                _ => None,
            };
            if base.is_some_and(|b| {
                matches!(crate::desugar::unparen(b), syn::Expr::Path(p) if p.path.is_ident(self.0))
            }) {
                self.1 = true;
            }
            syn::visit::visit_expr(self, e);
        }
    }
    let mut f = F(name, false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.1
}

/// Input: `SOURCE.max_by(|a, b| a.total_cmp(b)).unwrap()` (`min_by`, `partial_cmp(b).unwrap()`,
/// `.expect(..)`). Output: a loop keeping the element std returns (the last maximum, the first
/// minimum), whose derivative is that element's.
pub fn extremum(m: &syn::ExprMethodCall) -> Option<syn::Expr> {
    let (mb, max) = unwrapped_extremum(m)?;
    if let Some(indexed) = indexed_extremum(mb, max).or_else(|| range_extremum(mb, max)) {
        return Some(indexed);
    }
    // `max_by(f64::total_cmp)` (as clippy's pedantic lints ask): the closure it stands for.
    let by_path: Option<syn::ExprClosure> = match mb.args.first()? {
        syn::Expr::Path(p)
            if p.path
                .segments
                .last()
                .is_some_and(|s| s.ident == "total_cmp") =>
        {
            let (a, b) = (
                crate::naming::hidden("cmp_a"),
                crate::naming::hidden("cmp_b"),
            );
            Some(syn::parse_quote!(|#a, #b| #a.total_cmp(#b)))
        }
        _ => None,
    };
    let c = match (&by_path, mb.args.first()?) {
        (Some(c), _) => c,
        (None, syn::Expr::Closure(c)) => c,
        _ => return None,
    };
    if c.inputs.len() != 2 || mb.args.len() != 1 {
        return None;
    }
    let (a, b) = (pat_ident(&c.inputs[0])?, pat_ident(&c.inputs[1])?);
    let (item, best, first) = (
        crate::naming::hidden("item"),
        crate::naming::hidden("best"),
        crate::naming::hidden("first"),
    );
    let (better, key_let, best_key_decl, best_key_set) =
        match keyed_extremum(c, a, b, max, &item, &best) {
            Some(k) => k,
            None => {
                // Any other comparator, called as `max_by` calls it: `compare(&best, &item)`, the
                // item replacing the best unless it is `Greater` (for `min_by`, when it is).
                let copied = !std::ptr::eq(strip_copies(&mb.receiver), &*mb.receiver);
                let (ra, rb) = if copied {
                    (quote!(&#best), quote!(&#item))
                } else {
                    (quote!(&&#best), quote!(&&#item))
                };
                let body = &c.body;
                let order = quote!({ let #a = #ra; let #b = #rb; #body });
                let better = if max {
                    quote!(#order != ::core::cmp::Ordering::Greater)
                } else {
                    quote!(#order == ::core::cmp::Ordering::Greater)
                };
                (better, quote!(), quote!(), quote!())
            }
        };
    let source = strip_copies(&mb.receiver);
    // Over `map`s and `filter`s: the loop runs them and binds the float they give.
    let (pre, pattern, source, steps): (_, _, &syn::Expr, _) = if is_slice_iter(source) {
        (Vec::new(), quote!(#item), source, Vec::new())
    } else {
        let (pre, pattern, source, mut steps, value) = super::filters::float_items(&mb.receiver)?;
        steps.push(quote!(let #item = #value;));
        (pre, pattern, source, steps)
    };
    Some(syn::parse_quote!({
        #(#pre)*
        let mut #best = 0.0;
        #best_key_decl
        let mut #first = true;
        for #pattern in #source {
            #(#steps)*
            #key_let
            if #first || #better {
                #best = #item;
                #best_key_set
            }
            #first = false;
        }
        // As `unwrap` on no element.
        ::core::assert!(!#first, "the iterator of `max_by`/`min_by` is empty");
        #best
    }))
}

/// The test and statements of a `max_by`/`min_by` whose comparator compares one key of each
/// side (`a.total_cmp(b)`, `KEY(a).partial_cmp(&KEY(b)).unwrap()`): whether `item` replaces
/// `best`, and the key's `let`, declaration and update; `None` for other comparators.
#[allow(clippy::type_complexity)]
fn keyed_extremum(
    c: &syn::ExprClosure,
    a: &syn::Ident,
    b: &syn::Ident,
    max: bool,
    item: &syn::Ident,
    best: &syn::Ident,
) -> Option<(
    proc_macro2::TokenStream,
    proc_macro2::TokenStream,
    proc_macro2::TokenStream,
    proc_macro2::TokenStream,
)> {
    let body = strip_derefs(&strip_derefs(&c.body, a), b);
    // `a.total_cmp(b)` or `a.partial_cmp(b).unwrap()`, exactly.
    let (cmp, total) = match &body {
        syn::Expr::MethodCall(t) if t.method == "total_cmp" => (t, true),
        syn::Expr::MethodCall(u) if u.method == "unwrap" => match &*u.receiver {
            syn::Expr::MethodCall(p) if p.method == "partial_cmp" => (p, false),
            _ => return None,
        },
        _ => return None,
    };
    if cmp.args.len() != 1 {
        return None;
    }
    // `KEY(a).total_cmp(&KEY(b))`: the same key of each side (`(p - a).abs()`), `a` alone the
    // element itself.
    let key_a = super::unparen(&cmp.receiver);
    let key_b = match &cmp.args[0] {
        syn::Expr::Reference(r) => super::unparen(&r.expr),
        e => super::unparen(e),
    };
    let mentions = |e: &syn::Expr, n: &syn::Ident| {
        crate::naming::mentions(quote::ToTokens::to_token_stream(e), &|i| i == n)
    };
    if !mentions(key_a, a) || mentions(key_a, b) || mentions(key_b, a) {
        return None;
    }
    let mut inline = false;
    let swapped = super::sub_slices::rename_tokens(
        quote::ToTokens::to_token_stream(key_a),
        &a.to_string(),
        b,
        &mut inline,
    );
    if inline || swapped.to_string() != quote::ToTokens::to_token_stream(key_b).to_string() {
        return None;
    }
    let plain = matches!(key_a, syn::Expr::Path(p) if p.path.is_ident(a));
    let (key, best_key) = if plain {
        (item.clone(), best.clone())
    } else {
        (
            crate::naming::hidden("key"),
            crate::naming::hidden("best_key"),
        )
    };
    // `max_by` keeps the last of equal maxima (`Greater` or `Equal` replaces), `min_by` the first.
    let better = match (max, total) {
        (true, true) => quote!(#key.total_cmp(&#best_key) != ::core::cmp::Ordering::Less),
        (false, true) => quote!(#key.total_cmp(&#best_key) == ::core::cmp::Ordering::Less),
        (true, false) => quote!(#key >= #best_key),
        (false, false) => quote!(#key < #best_key),
    };
    let keyed = (!plain).then(|| {
        let mut inline = false;
        let of_item = super::sub_slices::rename_tokens(
            quote::ToTokens::to_token_stream(key_a),
            &a.to_string(),
            item,
            &mut inline,
        );
        (
            quote!(let #key = #of_item;),
            quote!(let mut #best_key = 0.0;),
            quote!(#best_key = #key;),
        )
    });
    let (key_let, best_key_decl, best_key_set) = match keyed {
        Some((l, d, s)) => (l, d, s),
        None => Default::default(),
    };
    Some((better, key_let, best_key_decl, best_key_set))
}

/// Input: `for l in x.iter_mut() { .. *l = e; .. *l += e .. }` (also `&mut x`, and
/// `x.iter_mut().enumerate()` with the pattern `(k, l)`), where the body uses `l` only as `*l`
/// or as the receiver of a method (`l.tanh()`).
/// Output: `for K in 0..x.len() { let k = K; .. x[K] = e; .. }`: the elements as positions of
/// `x`, so each write is a store into the buffer and differentiated as such.
pub fn iter_mut_loop(f: &syn::ExprForLoop) -> Option<syn::Expr> {
    if let Some(e) = iter_mut_zip_loop(f) {
        return Some(e);
    }
    // `.skip(a)`, `.take(b)`, `.step_by(c)` last: the same on the positions.
    let (adapters, source, enumerate) = position_adapters(&f.expr);
    let x = match source {
        syn::Expr::MethodCall(m) if m.method == "iter_mut" && m.args.is_empty() => &*m.receiver,
        syn::Expr::Reference(r) if r.mutability.is_some() && !enumerate => &*r.expr,
        _ => return None,
    };
    let (x, lo, hi) = mutable_part(x)?;
    let (k, l) = numbered(&f.pat, enumerate)?;
    let pos = crate::naming::fresh("k");
    let mut body = f.body.clone();
    if !elements_as_places(&mut body, &l, &syn::parse_quote!(#x[#pos])) {
        return None;
    }
    // The count `enumerate` gives starts at 0 in a part too.
    let bind = k.map(|k| quote::quote!(let #k = #pos - (#lo);));
    let label = &f.label;
    let stmts = &body.stmts;
    let range = if adapters.is_empty() {
        quote::quote!(#lo..#hi)
    } else {
        quote::quote!((#lo..#hi)#(#adapters)*)
    };
    Some(syn::parse_quote!(#label for #pos in #range { #bind #(#stmts)* }))
}

/// Input: `for c in x.chunks_mut(k) { .. c[j] .. c.len() .. }` (`chunks_exact_mut`, with
/// `.enumerate()` binding `(n, c)`), `x` a local buffer or a part of one, `c` read and written
/// only by index and measured. Output: `for N in 0..COUNT { let S = lo + N * k; let E = ..;
/// .. x[S + j] .. (E - S) .. }`: the pieces as positions of `x`, each write a store.
pub fn chunks_mut_loop(f: &syn::ExprForLoop) -> Option<syn::Expr> {
    let (source, enumerate) = match &*f.expr {
        syn::Expr::MethodCall(m) if m.method == "enumerate" && m.args.is_empty() => {
            (&*m.receiver, true)
        }
        e => (e, false),
    };
    let syn::Expr::MethodCall(m) = source else {
        return None;
    };
    let exact = match m.method.to_string().as_str() {
        "chunks_mut" => false,
        "chunks_exact_mut" => true,
        _ => return None,
    };
    let [k] = &m.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let (x, lo, hi) = mutable_part(&m.receiver)?;
    let (n, c) = numbered(&f.pat, enumerate)?;
    let (piece, start, end, size) = (
        crate::naming::fresh("piece"),
        crate::naming::fresh("start"),
        crate::naming::fresh("end"),
        crate::naming::fresh("size"),
    );
    let mut body = f.body.clone();
    let parts = [(
        c,
        syn::parse_quote!(#start),
        syn::parse_quote!((#end - #start)),
    )];
    if !super::sub_slices::parts_as_positions(&mut body.stmts, &x, &parts) {
        return None;
    }
    let count = if exact {
        quote::quote!((#hi - #lo) / #size)
    } else {
        quote::quote!((#hi - #lo).div_ceil(#size))
    };
    let bind = n.map(|n| quote::quote!(let #n = #piece;));
    let (label, stmts) = (&f.label, &body.stmts);
    Some(syn::parse_quote!({
        let #size: usize = #k;
        #label for #piece in 0..#count {
            let #start: usize = #lo + #piece * #size;
            let #end: usize = ::core::cmp::min(#start + #size, #hi);
            #bind
            #(#stmts)*
        }
    }))
}

/// The names a `for` binds: `(k, v)` after `.enumerate()` (`k` may be `_`), else `v`.
fn numbered(pat: &syn::Pat, enumerate: bool) -> Option<(Option<syn::Ident>, syn::Ident)> {
    match (pat, enumerate) {
        (syn::Pat::Tuple(t), true) if t.elems.len() == 2 => {
            let k = match &t.elems[0] {
                syn::Pat::Wild(_) => None,
                p => Some(pat_ident(p)?.clone()),
            };
            Some((k, pat_ident(&t.elems[1])?.clone()))
        }
        (p, false) => Some((None, pat_ident(p)?.clone())),
        _ => None,
    }
}

/// A buffer written through `iter_mut`: its name, and the first and past-the-last positions.
pub(super) type BufferPart = (
    syn::Ident,
    proc_macro2::TokenStream,
    proc_macro2::TokenStream,
);

/// `x` or a part of it `x[a..b]` (`x[a..]`, `x[..=b]`): the name and the positions it spans,
/// the bounds evaluated where the loop starts.
pub(super) fn mutable_part(e: &syn::Expr) -> Option<BufferPart> {
    let name = |e: &syn::Expr| match e {
        syn::Expr::Path(p) => p.path.get_ident().cloned(),
        _ => None,
    };
    if let Some(x) = name(e) {
        return Some((x.clone(), quote::quote!(0), quote::quote!(#x.len())));
    }
    let syn::Expr::Index(ix) = e else {
        return None;
    };
    let x = name(&ix.expr)?;
    let syn::Expr::Range(r) = &*ix.index else {
        return None;
    };
    let lo = r
        .start
        .as_ref()
        .map_or_else(|| quote::quote!(0), |a| quote::quote!((#a)));
    let hi = match (&r.end, &r.limits) {
        (Some(b), syn::RangeLimits::HalfOpen(_)) => quote::quote!((#b)),
        (Some(b), syn::RangeLimits::Closed(_)) => quote::quote!((#b) + 1),
        (None, _) => quote::quote!(#x.len()),
    };
    Some((x, lo, hi))
}

/// Input: `for (l, p) in x.iter_mut().zip(ys) { .. *l += e .. }`, the body using `l` as
/// [`iter_mut_loop`] allows.
/// Output: `for (K, p) in ys.enumerate().take(x.len()) { .. x[K] += e .. }` (`ys` a slice or
/// `&ys` iterated with `.iter()`), as long as the shorter of the two, as `zip` is.
fn iter_mut_zip_loop(f: &syn::ExprForLoop) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(zip) = &*f.expr else {
        return None;
    };
    if zip.method != "zip" || zip.args.len() != 1 {
        return None;
    }
    let syn::Expr::MethodCall(m) = &*zip.receiver else {
        return None;
    };
    if m.method != "iter_mut" || !m.args.is_empty() {
        return None;
    }
    let (x, lo, hi) = mutable_part(&m.receiver)?;
    let syn::Pat::Tuple(t) = &*f.pat else {
        return None;
    };
    if t.elems.len() != 2 {
        return None;
    }
    let l = pat_ident(&t.elems[0])?.clone();
    let other = &t.elems[1];
    let ys = match &zip.args[0] {
        syn::Expr::Path(p) if p.path.get_ident().is_some() => quote::quote!(#p.iter()),
        syn::Expr::Reference(r) if r.mutability.is_none() => {
            let inner = &r.expr;
            quote::quote!(#inner.iter())
        }
        e => quote::quote!(#e),
    };
    let (pos, lo_name) = (crate::naming::fresh("k"), crate::naming::fresh("lo"));
    let mut body = f.body.clone();
    if !elements_as_places(&mut body, &l, &syn::parse_quote!(#x[#lo_name + #pos])) {
        return None;
    }
    let label = &f.label;
    let stmts = &body.stmts;
    Some(syn::parse_quote!({
        let #lo_name: usize = #lo;
        #label for (#pos, #other) in #ys.enumerate().take(#hi - #lo_name) { #(#stmts)* }
    }))
}

/// `*l` (and `l` as a method's receiver) replaced by `with` in `body`; false when `body` uses
/// `l` otherwise (`let r = l;`), which the rewrite cannot follow.
fn elements_as_places(body: &mut syn::Block, l: &syn::Ident, with: &syn::Expr) -> bool {
    struct Sub<'a> {
        l: &'a syn::Ident,
        with: syn::Expr,
        other_use: bool,
    }
    impl syn::visit_mut::VisitMut for Sub<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            if let syn::Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Deref(_),
                expr,
                ..
            }) = e
            {
                if matches!(&**expr, syn::Expr::Path(p) if p.path.is_ident(self.l)) {
                    *e = self.with.clone();
                    return;
                }
            }
            if let syn::Expr::MethodCall(m) = e {
                // `l.tanh()` reads the element through auto-deref.
                if matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(self.l)) {
                    *m.receiver = self.with.clone();
                }
            }
            if matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.l)) {
                self.other_use = true;
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut sub = Sub {
        l,
        with: with.clone(),
        other_use: false,
    };
    syn::visit_mut::VisitMut::visit_block_mut(&mut sub, body);
    !sub.other_use
}

/// Input: `SOURCE.any(|p| pred)` or `SOURCE.all(|p| pred)` (a predicate on the items: data,
/// never differentiated). Output: `{ let mut R = false; for p in SOURCE { if pred { R = true; }
/// } R }` (`all`: starting from `true`, cleared where the predicate fails), a loop the engine
/// lowers over any source it iterates; the result is the same. Where a closure of the chain
/// changes a local, the loop `break`s where std stops, at the first item that decides.
pub fn any_all(m: &syn::ExprMethodCall) -> Option<syn::Expr> {
    let any = match m.method.to_string().as_str() {
        "any" => true,
        "all" => false,
        _ => return None,
    };
    let [syn::Expr::Closure(c)] = &m.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if c.inputs.len() != 1 {
        return None;
    }
    let (p, pred) = (untyped(&c.inputs[0]), &c.body);
    let source = &m.receiver;
    let r = crate::naming::fresh("found");
    // std stops at the first item that decides; a predicate or a stage that changes a local
    // (`|v| { s += v; s > 2.5 }`) must stop there too.
    let stop = if any_closure_changes_outer(&syn::Expr::MethodCall(m.clone())) {
        quote!(break;)
    } else {
        quote!()
    };
    // `any` starts false and turns true where the predicate holds; `all` the other way round.
    let (start, found, test) = if any {
        (quote!(false), quote!(true), quote!(#pred))
    } else {
        (quote!(true), quote!(false), quote!(!(#pred)))
    };
    Some(syn::parse_quote!(({
        let mut #r = #start;
        for #p in #source {
            if #test {
                #r = #found;
                #stop
            }
        }
        #r
    })))
}

/// Whether a closure anywhere in `e` changes a name outside it (see [`changes_outer`]).
fn any_closure_changes_outer(e: &syn::Expr) -> bool {
    struct F(bool);
    impl<'a> syn::visit::Visit<'a> for F {
        fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
            self.0 |= changes_outer(c);
            syn::visit::visit_expr_closure(self, c);
        }
    }
    let mut f = F(false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

/// Input: `x.iter().copied().reduce(F).unwrap()` (or `.cloned()`, `.expect(..)`; of a part
/// `x.iter().skip(a).take(n)`). Output: `x.iter().copied().skip(1).fold(x[0], F)` (`x[a]`): the
/// same operations on the same values (a sequence that may be empty panics at `x[0]` where
/// `unwrap` would).
pub fn reduce_as_fold(m: &syn::ExprMethodCall) -> Option<syn::ExprMethodCall> {
    if !(m.method == "unwrap" && m.args.is_empty() || m.method == "expect" && m.args.len() == 1) {
        return None;
    }
    let syn::Expr::MethodCall(r) = &*m.receiver else {
        return None;
    };
    if r.method != "reduce" || r.args.len() != 1 {
        return None;
    }
    // The items are values (`copied`/`cloned`) of a slice's `iter()`, or what a closure makes
    // of them (`map(|v| 2.0 * v)`, whose first value is then the closure's body on the first
    // element).
    let syn::Expr::MethodCall(copies) = &*r.receiver else {
        return None;
    };
    let mapped = match (copies.method.to_string().as_str(), copies.args.first()) {
        ("copied" | "cloned", None) => None,
        ("map", Some(syn::Expr::Closure(c))) if c.inputs.len() == 1 => Some(c),
        _ => return None,
    };
    // Of a part, as `x[a..b].iter()` is written by then: `x.iter().skip(a).take(n)`.
    let mut inner = &*copies.receiver;
    if let syn::Expr::MethodCall(t) = inner {
        if t.method == "take" && t.args.len() == 1 {
            inner = &t.receiver;
        }
    }
    let mut first = quote!(0);
    if let syn::Expr::MethodCall(sk) = inner {
        if sk.method == "skip" && sk.args.len() == 1 {
            let a = &sk.args[0];
            first = quote!((#a));
            inner = &sk.receiver;
        }
    }
    let x = iter_of_place(inner)?;
    let (src, f) = (&r.receiver, &r.args[0]);
    let Some(c) = mapped else {
        return syn::parse2(quote!(#src.skip(1).fold(#x[#first], #f))).ok();
    };
    // The closure's parameter bound to the first element, as the iterator gives it (`&x[a]`).
    let bind = match untyped(&c.inputs[0]) {
        syn::Pat::Ident(v) if v.by_ref.is_none() && v.subpat.is_none() => {
            quote!(let #v = &#x[#first];)
        }
        syn::Pat::Reference(r) => match &*r.pat {
            syn::Pat::Ident(v) if v.by_ref.is_none() && v.subpat.is_none() => {
                quote!(let #v = #x[#first];)
            }
            _ => return None,
        },
        _ => return None,
    };
    let body = &c.body;
    // (`skip` before the `map`: the closure computes a value of the element alone.)
    let rest = quote!(#x.iter().skip((#first) + 1));
    let rest = match &copies.receiver.as_ref() {
        syn::Expr::MethodCall(t) if t.method == "take" => {
            let n = &t.args[0];
            quote!(#rest.take((#n) - 1))
        }
        _ => rest,
    };
    syn::parse2(quote!(#rest.map(#c).fold({ #bind #body }, #f))).ok()
}

/// Input: `{ .. (A0, A1) }.1` — a part of a block whose tail is a tuple (a [`tuple_fold`] read
/// by field, `x.iter().fold((a, b), ..).1`). Output: `{ .. A1 }`.
pub fn tuple_block_field(e: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::Field(f) = e else {
        return None;
    };
    let syn::Member::Unnamed(k) = &f.member else {
        return None;
    };
    let mut base = &*f.base;
    while let syn::Expr::Paren(p) = base {
        base = &p.expr;
    }
    let syn::Expr::Block(b) = base else {
        return None;
    };
    let Some(syn::Stmt::Expr(syn::Expr::Tuple(t), None)) = b.block.stmts.last() else {
        return None;
    };
    let part = t.elems.iter().nth(k.index as usize)?.clone();
    let mut b = b.clone();
    let n = b.block.stmts.len();
    b.block.stmts[n - 1] = syn::Stmt::Expr(part, None);
    Some(syn::Expr::Block(b))
}

/// Input: `SOURCE.fold((a, b), |(s, q), v| (s + v, q + v * v))` (also after `map`): a fold whose
/// accumulator is a tuple, written as a tuple literal. Output: one accumulator per part,
/// `{ let mut A0 = a; let mut A1 = b; for v in SOURCE { let (N0, N1) = { let (s, q) = (A0, A1);
/// body }; A0 = N0; A1 = N1; } (A0, A1) }`: the same operations in the same order.
pub fn tuple_fold(m: &syn::ExprMethodCall) -> Option<syn::Expr> {
    if m.method != "fold" || m.args.len() != 2 {
        return None;
    }
    let syn::Expr::Tuple(init) = &m.args[0] else {
        return None;
    };
    let syn::Expr::Closure(c) = &m.args[1] else {
        return None;
    };
    if c.inputs.len() != 2 || init.elems.is_empty() {
        return None;
    }
    let (source, map) = super::ranges::split_map(m)?;
    let (pa, pv, body) = (untyped(&c.inputs[0]), untyped(&c.inputs[1]), &c.body);
    let n = init.elems.len();
    let accs: Vec<syn::Ident> = crate::naming::fresh_names("part", n);
    let nexts: Vec<syn::Ident> = crate::naming::fresh_names("next", n);
    let inits = init.elems.iter();
    let (pat, bind_item) = match map {
        Some(mc) => {
            let (p, value) = (untyped(&mc.inputs[0]), super::tail_expr(&mc.body));
            (quote!(#p), quote!(let #pv = #value;))
        }
        None => (quote!(#pv), quote!()),
    };
    Some(syn::parse_quote!({
        #(let mut #accs = #inits;)*
        for #pat in #source {
            #bind_item
            let (#(#nexts,)*) = {
                let #pa = (#(#accs,)*);
                #body
            };
            #(#accs = #nexts;)*
        }
        (#(#accs,)*)
    }))
}

/// Input: `let out = SOURCE.fold(INIT, |h, item| BODY);` whose accumulator is a vector (`INIT`
/// is `x.to_vec()`, `x.to_owned()`, `x.clone()`, `vec![..]` or a `collect()`): the forward pass
/// of layers, `layers.iter().fold(x.to_vec(), |h, l| l.forward(&h))`. Output: the loop std runs,
/// `let mut ACC = INIT; for item in SOURCE { ACC = BODY; } let out = ACC;` (`h` read as `ACC`),
/// whose buffer carried across iterations the lowering follows.
pub fn vector_fold_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let init = l.init.as_ref().filter(|i| i.diverge.is_none())?;
    let syn::Expr::MethodCall(m) = super::unparen(&init.expr) else {
        return None;
    };
    if m.method != "fold" || m.args.len() != 2 {
        return None;
    }
    let vector = match super::unparen(&m.args[0]) {
        syn::Expr::MethodCall(v) => {
            matches!(
                v.method.to_string().as_str(),
                "to_vec" | "to_owned" | "clone" | "collect"
            ) && v.args.is_empty()
        }
        syn::Expr::Macro(v) => v.mac.path.is_ident("vec"),
        _ => false,
    };
    let syn::Expr::Closure(c) = &m.args[1] else {
        return None;
    };
    if !vector || c.inputs.len() != 2 {
        return None;
    }
    let syn::Pat::Ident(h) = untyped(&c.inputs[0]) else {
        return None;
    };
    let acc = crate::naming::fresh("carried");
    let mut body = (*c.body).clone();
    if h.by_ref.is_some() || !super::sub_slices::rename_expr(&mut body, &h.ident, &acc) {
        return None;
    }
    let (source, item, first) = (&m.receiver, untyped(&c.inputs[1]), &m.args[0]);
    let (pat, attrs) = (&l.pat, &l.attrs);
    Some(vec![
        syn::parse_quote!(let mut #acc = #first;),
        syn::parse_quote!(for #item in #source { #acc = #body; }),
        syn::parse_quote!(#(#attrs)* let #pat = #acc;),
    ])
}

/// Input: `let out = SOURCE.fold(Acc::default(), |mut a, v| { a.add(v); a });`, a struct's value
/// (`Acc::default()`, `Acc::new(..)`, `Acc { .. }`) as the accumulator, changed by its methods
/// and given back. Output: `let out = { let mut a = Acc::default(); for v in SOURCE { a.add(v); }
/// a };`, the loop std runs, on one value named as the closure names it (which the rewrite of
/// values of structs then takes apart).
pub fn struct_fold_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let init = l.init.as_ref().filter(|i| i.diverge.is_none())?;
    let syn::Expr::MethodCall(m) = super::unparen(&init.expr) else {
        return None;
    };
    if m.method != "fold" || m.args.len() != 2 {
        return None;
    }
    let syn::Expr::Closure(c) = &m.args[1] else {
        return None;
    };
    let value = match super::unparen(&m.args[0]) {
        syn::Expr::Struct(_) => true,
        syn::Expr::Call(call) => matches!(&*call.func, syn::Expr::Path(p)
            if p.path.segments.len() == 2
                && p.path.segments[0].ident.to_string().starts_with(|c: char| c.is_ascii_uppercase())
                && ["default", "new"].iter().any(|n| p.path.segments[1].ident == n)),
        _ => false,
    };
    let (syn::Pat::Ident(a), syn::Expr::Block(b)) = (untyped(&c.inputs[0]), &*c.body) else {
        return None;
    };
    let (last, stmts) = b.block.stmts.split_last()?;
    let gives_it =
        matches!(last, syn::Stmt::Expr(syn::Expr::Path(p), None) if p.path.is_ident(&a.ident));
    if !value || c.inputs.len() != 2 || !gives_it || a.by_ref.is_some() || a.subpat.is_some() {
        return None;
    }
    let (source, item, first, name) = (&m.receiver, untyped(&c.inputs[1]), &m.args[0], &a.ident);
    let (pat, attrs) = (&l.pat, &l.attrs);
    Some(vec![syn::parse_quote!(
        #(#attrs)* let #pat = {
            let mut #name = #first;
            for #item in #source {
                #(#stmts)*
            }
            #name
        };
    )])
}

/// `.sum::<T>()` or `.product::<T>()` of floats: where std's fold starts (a float sum from
/// -0.0) and whether it adds.
pub(super) fn sum_or_product(m: &syn::ExprMethodCall) -> Option<(proc_macro2::TokenStream, bool)> {
    let typed = super::ranges::float_turbofish(m);
    match m.method.to_string().as_str() {
        "sum" if typed && m.args.is_empty() => Some((quote!(-0.0), true)),
        "product" if typed && m.args.is_empty() => Some((quote!(1.0), false)),
        _ => None,
    }
}

/// `{ let mut ACC = init; for pattern in source { guards.. ACC += value; } ACC }` (`*=` for a
/// product): a reduction as the loop std runs.
pub(super) fn reduction_loop(
    (init, add): &(proc_macro2::TokenStream, bool),
    pattern: &proc_macro2::TokenStream,
    source: &syn::Expr,
    guards: &[proc_macro2::TokenStream],
    value: &dyn quote::ToTokens,
) -> syn::Expr {
    let acc = crate::naming::hidden("acc");
    let step = if *add {
        quote!(#acc += #value;)
    } else {
        quote!(#acc *= #value;)
    };
    syn::parse_quote!({
        let mut #acc = #init;
        for #pattern in #source {
            #(#guards)*
            #step
        }
        #acc
    })
}

/// Input: `x.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))` (`min_by`; `partial_cmp(..)
/// .unwrap()`; the closure's parameters also as `(_, a), (_, b)` or `&(_, a), &(_, b)`).
/// Output: the statements of a loop keeping the element std returns and its position, and the
/// pair `(I, &V)` std's `unwrap` gives (`None` for other forms).
pub fn enumerated_extremum(mb: &syn::ExprMethodCall) -> Option<(Vec<syn::Stmt>, syn::Expr)> {
    let max = match mb.method.to_string().as_str() {
        "max_by" => true,
        "min_by" => false,
        _ => return None,
    };
    let syn::Expr::MethodCall(en) = &*mb.receiver else {
        return None;
    };
    if en.method != "enumerate" || !en.args.is_empty() {
        return None;
    }
    // `x.iter().copied().enumerate()`: the items of `x.iter()`, as values.
    let copied = !std::ptr::eq(strip_copies(&en.receiver), &*en.receiver)
        && is_slice_iter(strip_copies(&en.receiver));
    // `x.iter().map(f).enumerate()`: the mapped values, at the positions of `x`'s.
    let mapped = if is_slice_iter(&en.receiver) || copied {
        None
    } else {
        Some(super::filters::mapped_items(&en.receiver)?)
    };
    let [syn::Expr::Closure(c)] = &mb.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if c.inputs.len() != 2 {
        return None;
    }
    // The value compared of each parameter: `a.1` of a pair `a`, or `a` of a pattern `(_, a)`.
    let value_of = |p: &syn::Pat| -> Option<(syn::Ident, bool)> {
        let mut p = p;
        while let syn::Pat::Reference(r) = p {
            p = &r.pat;
        }
        match p {
            syn::Pat::Tuple(t) if t.elems.len() == 2 => {
                Some((pat_ident(&t.elems[1])?.clone(), false))
            }
            p => Some((pat_ident(p)?.clone(), true)),
        }
    };
    let ((a, a_pair), (b, b_pair)) = (value_of(&c.inputs[0])?, value_of(&c.inputs[1])?);
    // What a side of the comparison reads, without `*`, `&` and parentheses.
    fn strip(e: &syn::Expr) -> &syn::Expr {
        match e {
            syn::Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Deref(_),
                expr,
                ..
            })
            | syn::Expr::Reference(syn::ExprReference { expr, .. })
            | syn::Expr::Paren(syn::ExprParen { expr, .. }) => strip(expr),
            e => e,
        }
    }
    // `e` with the value a parameter stands for (`a.1`, `*a`, `a`) replaced by `with`; `None`
    // where `e` reads the parameter otherwise (`a.0`).
    fn subst(e: &syn::Expr, name: &syn::Ident, pair: bool, with: &syn::Ident) -> Option<syn::Expr> {
        struct S<'a>(&'a syn::Ident, bool, &'a syn::Ident, bool);
        impl syn::visit_mut::VisitMut for S<'_> {
            fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
                let inner = strip_deref(e);
                let hit = match inner {
                    syn::Expr::Field(f) if self.1 => {
                        matches!(&f.member, syn::Member::Unnamed(i) if i.index == 1)
                            && matches!(strip_deref(&f.base), syn::Expr::Path(p) if p.path.is_ident(self.0))
                    }
                    syn::Expr::Path(p) if p.path.is_ident(self.0) => {
                        self.3 |= self.1;
                        !self.1
                    }
                    _ => false,
                };
                if hit {
                    let w = self.2;
                    *e = syn::parse_quote!(#w);
                } else {
                    syn::visit_mut::visit_expr_mut(self, e);
                }
            }
        }
        fn strip_deref(e: &syn::Expr) -> &syn::Expr {
            match e {
                syn::Expr::Unary(syn::ExprUnary {
                    op: syn::UnOp::Deref(_),
                    expr,
                    ..
                })
                | syn::Expr::Paren(syn::ExprParen { expr, .. }) => strip_deref(expr),
                e => e,
            }
        }
        let mut s = S(name, pair, with, false);
        let mut e = e.clone();
        syn::visit_mut::VisitMut::visit_expr_mut(&mut s, &mut e);
        (!s.3).then_some(e)
    }
    let body = super::tail_expr(&c.body);
    let (cmp, total) = match strip(&body) {
        syn::Expr::MethodCall(t) if t.method == "total_cmp" => (t, true),
        syn::Expr::MethodCall(u) if u.method == "unwrap" => match strip(&u.receiver) {
            syn::Expr::MethodCall(p) if p.method == "partial_cmp" => (p, false),
            _ => return None,
        },
        _ => return None,
    };
    if cmp.args.len() != 1 {
        return None;
    }
    let (item, at, best, best_at, first) = (
        crate::naming::hidden("item"),
        crate::naming::hidden("at"),
        crate::naming::hidden("best"),
        crate::naming::hidden("best_at"),
        crate::naming::hidden("first"),
    );
    // The keys compared: the same expression of each side's value (`(*a - p).abs()`).
    let arg = match &cmp.args[0] {
        syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
        e => e,
    };
    let key_item = subst(&cmp.receiver, &a, a_pair, &item)?;
    let key_best = subst(&cmp.receiver, &a, a_pair, &best)?;
    let key_b = subst(arg, &b, b_pair, &best)?;
    let norm = |e: &syn::Expr| quote!(#e).to_string();
    if norm(strip(&key_b)) != norm(strip(&key_best)) || norm(&key_item) == norm(&cmp.receiver) {
        return None;
    }
    let better = match (max, total) {
        (true, true) => {
            quote!((#key_item).total_cmp(&(#key_best)) != ::core::cmp::Ordering::Less)
        }
        (false, true) => {
            quote!((#key_item).total_cmp(&(#key_best)) == ::core::cmp::Ordering::Less)
        }
        (true, false) => quote!((#key_item) >= (#key_best)),
        (false, false) => quote!((#key_item) < (#key_best)),
    };
    let (pattern, source, steps, pair): (_, &syn::Expr, Vec<proc_macro2::TokenStream>, syn::Expr) =
        match mapped {
            None if copied => (
                quote!(&#item),
                strip_copies(&en.receiver),
                Vec::new(),
                syn::parse_quote!((#best_at, #best)),
            ),
            None => (
                quote!(&#item),
                &en.receiver,
                Vec::new(),
                syn::parse_quote!((#best_at, &#best)),
            ),
            // (A `map`'s items are values, not references.)
            // (Maps only: nothing before the loop.)
            Some((_, pattern, source, mut steps, value)) => {
                steps.push(quote!(let #item = #value;));
                (pattern, source, steps, syn::parse_quote!((#best_at, #best)))
            }
        };
    let stmts: syn::Block = syn::parse_quote!({
        let mut #best = 0.0;
        let mut #best_at: usize = 0;
        let mut #first = true;
        for (#at, #pattern) in #source.enumerate() {
            #(#steps)*
            if #first || #better {
                #best = #item;
                #best_at = #at;
            }
            #first = false;
        }
        ::core::assert!(!#first, "the iterator of `max_by`/`min_by` is empty");
    });
    Some((stmts.stmts, pair))
}

/// Input: `SOURCE.enumerate().max_by(..).unwrap()` followed by `.0`, or
/// `.max_by(..).map(|(i, _)| i).unwrap()` (`expect`). Output: a block with the loop of
/// `enumerated_extremum` whose value is that part of the pair.
pub fn enumerated_extremum_expr(e: &syn::Expr) -> Option<syn::Expr> {
    let is_unwrap = |m: &syn::ExprMethodCall| {
        (m.method == "unwrap" && m.args.is_empty()) || (m.method == "expect" && m.args.len() == 1)
    };
    match e {
        syn::Expr::Field(f) => {
            let syn::Expr::MethodCall(u) = &*f.base else {
                return None;
            };
            let syn::Expr::MethodCall(mb) = &*u.receiver else {
                return None;
            };
            if !is_unwrap(u) {
                return None;
            }
            let (stmts, pair) = enumerated_extremum(mb)?;
            let syn::Expr::Tuple(parts) = &pair else {
                return None;
            };
            let part = match &f.member {
                syn::Member::Unnamed(i) if i.index < 2 => &parts.elems[i.index as usize],
                _ => return None,
            };
            Some(syn::parse_quote!({ #(#stmts)* #part }))
        }
        syn::Expr::MethodCall(u) if is_unwrap(u) => {
            let syn::Expr::MethodCall(map) = &*u.receiver else {
                return None;
            };
            let syn::Expr::MethodCall(mb) = &*map.receiver else {
                return None;
            };
            let [syn::Expr::Closure(c)] = &map.args.iter().collect::<Vec<_>>()[..] else {
                return None;
            };
            if map.method != "map" || c.inputs.len() != 1 {
                return None;
            }
            let (mut stmts, pair) = enumerated_extremum(mb)?;
            bind_extremum(&c.inputs[0], &pair, &mut stmts)?;
            let body = &c.body;
            Some(syn::parse_quote!({ #(#stmts)* #body }))
        }
        _ => None,
    }
}

/// Input: `let P = SOURCE.enumerate().max_by(..).unwrap();`. Output: the loop of
/// `enumerated_extremum`, then `let P = (I, &V);`.
pub fn enumerated_extremum_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let init = l.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    let syn::Expr::MethodCall(u) = &*init.expr else {
        return None;
    };
    if !((u.method == "unwrap" && u.args.is_empty()) || (u.method == "expect" && u.args.len() == 1))
    {
        return None;
    }
    let syn::Expr::MethodCall(mb) = &*u.receiver else {
        return None;
    };
    let (mut stmts, pair) = enumerated_extremum(mb)?;
    bind_extremum(&l.pat, &pair, &mut stmts)?;
    Some(stmts)
}

/// `let P = (I, &V);` of `enumerated_extremum`'s pair, a `let` per part where `P` is a pair.
fn bind_extremum(pat: &syn::Pat, pair: &syn::Expr, stmts: &mut Vec<syn::Stmt>) -> Option<()> {
    let syn::Expr::Tuple(parts) = pair else {
        return None;
    };
    let (at, value) = (&parts.elems[0], &parts.elems[1]);
    match pat {
        // `(i, &v)`, `(i, v)`, `(_, v)`: a `let` per part.
        syn::Pat::Tuple(t) if t.elems.len() == 2 => {
            match &t.elems[0] {
                syn::Pat::Wild(_) => {}
                p => stmts.push(syn::parse_quote!(let #p = #at;)),
            }
            match &t.elems[1] {
                syn::Pat::Wild(_) => {}
                syn::Pat::Reference(r) if r.mutability.is_none() => {
                    let (p, syn::Expr::Reference(v)) = (&r.pat, value) else {
                        return None;
                    };
                    let v = &v.expr;
                    stmts.push(syn::parse_quote!(let #p = #v;));
                }
                p => stmts.push(syn::parse_quote!(let #p = #value;)),
            }
        }
        p => stmts.push(syn::parse_quote!(let #p = #pair;)),
    }
    Some(())
}

/// The iterator `e` of a `for` as its source, whether an `.enumerate()` follows that, and the
/// `.skip(a)`, `.take(b)`, `.step_by(c)`, `.rev()` after them (in order, as tokens), which apply
/// to the positions alike.
pub fn position_adapters(e: &syn::Expr) -> (Vec<proc_macro2::TokenStream>, &syn::Expr, bool) {
    let mut adapters = Vec::new();
    let mut outer = e;
    while let syn::Expr::MethodCall(m) = outer {
        if ["skip", "take", "step_by"].iter().any(|n| m.method == n) && m.args.len() == 1 {
            let (method, arg) = (&m.method, &m.args[0]);
            adapters.push(quote!(.#method(#arg)));
            outer = &m.receiver;
        } else if m.method == "rev" && m.args.is_empty() {
            adapters.push(quote!(.rev()));
            outer = &m.receiver;
        } else {
            break;
        }
    }
    adapters.reverse();
    match outer {
        syn::Expr::MethodCall(m) if m.method == "enumerate" && m.args.is_empty() => {
            (adapters, &*m.receiver, true)
        }
        e => (adapters, e, false),
    }
}

/// Whether the closure `c` changes a name of the enclosing scope (`|v| { s += v; s }`, `|v| {
/// step(&mut s, v) }`): a stage that must run exactly once per item std pulls, in order.
pub fn changes_outer(c: &syn::ExprClosure) -> bool {
    !outer_changes(c).is_empty()
}

/// The names of the enclosing scope the closure `c` changes (see [`changes_outer`]): assigned
/// (also by `+=` and the like) or lent `&mut`, and not bound inside the closure.
pub fn outer_changes(c: &syn::ExprClosure) -> Vec<syn::Ident> {
    let mut own = Vec::new();
    for p in &c.inputs {
        crate::lower::collect_idents(p, &mut own);
    }
    struct Lets<'a>(&'a mut Vec<syn::Ident>);
    impl<'a> syn::visit::Visit<'a> for Lets<'_> {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            self.0.push(p.ident.clone());
            syn::visit::visit_pat_ident(self, p);
        }
    }
    syn::visit::Visit::visit_expr(&mut Lets(&mut own), &c.body);
    struct Changes(Vec<syn::Ident>);
    impl<'a> syn::visit::Visit<'a> for Changes {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            let place = match e {
                syn::Expr::Assign(a) => Some(&*a.left),
                syn::Expr::Binary(b) if crate::lower::is_compound_assign(&b.op) => Some(&*b.left),
                syn::Expr::Reference(r) if r.mutability.is_some() => Some(&*r.expr),
                _ => None,
            };
            if let Some(syn::Expr::Path(p)) = place.map(crate::lower::root_of_place) {
                if let Some(i) = p.path.get_ident() {
                    self.0.push(i.clone());
                }
            }
            syn::visit::visit_expr(self, e);
        }
    }
    let mut ch = Changes(Vec::new());
    syn::visit::Visit::visit_expr(&mut ch, &c.body);
    ch.0.retain(|n| !own.contains(n));
    ch.0
}

/// `e` with the name `from` read as `to`; `None` where `e` binds `from` again or names it in a
/// macro (a rename would not follow).
fn renamed(e: &syn::Expr, from: &syn::Ident, to: &syn::Ident) -> Option<syn::Expr> {
    struct R<'a>(&'a syn::Ident, &'a syn::Ident, bool);
    impl syn::visit_mut::VisitMut for R<'_> {
        fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
            if p.path.is_ident(self.0) {
                let to = self.1;
                p.path = syn::parse_quote!(#to);
            }
        }
        fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
            self.2 |= p.ident == *self.0;
        }
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            self.2 |= super::mentions(&m.tokens, self.0);
        }
    }
    let mut out = e.clone();
    let mut r = R(from, to, false);
    syn::visit_mut::VisitMut::visit_expr_mut(&mut r, &mut out);
    (!r.2).then_some(out)
}

/// The name a closure's parameter binds under its `&`s and type (`|&&a: &&f64|`), and how many
/// references the pattern takes off; `None` for other patterns.
fn name_under_refs(p: &syn::Pat) -> Option<(&syn::Ident, usize)> {
    let (mut p, mut taken) = (p, 0);
    loop {
        match p {
            syn::Pat::Reference(r) => {
                taken += 1;
                p = &r.pat;
            }
            syn::Pat::Type(t) => p = &t.pat,
            syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                return Some((&i.ident, taken));
            }
            _ => return None,
        }
    }
}
