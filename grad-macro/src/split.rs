//! Split reverse mode for vector-valued functions: `NAME__split`.
//!
//! A caller that differentiates through `h = f(w, x)` needs `f`'s value in its forward sweep
//! and `Jᵀ · d_h` in its reverse sweep. Through `NAME__dot_grad` alone the reverse sweep runs
//! `f` a second time (its adjoint needs `f`'s intermediate values) into scratch gradient
//! buffers. `NAME__split(w, x, flags..)` instead runs the forward sweep of `f · d_out` once,
//! returns the value together with a closure that owns what the reverse sweep reads (its tapes,
//! its buffers), and the caller calls that closure with the cotangent and its own gradient
//! buffers, to which the closure adds directly. One type argument per sequence parameter
//! (`On`/`Off`) says whether the caller differentiates it, so the adjoint of the data a layer
//! reads (its input `x`) is compiled away.
//!
//! Where the derivation does not split cleanly (the forward sweep would need the cotangent, or
//! the adjoint scales a whole gradient buffer rather than adding to it), `NAME__split` wraps
//! `NAME__dot_grad` with the same signature: callers do not depend on which one they get.

use crate::errors::Errors;
use crate::ir::{Block, Stmt};
use crate::sig::{ParamClass, Sig};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;

/// What [`item`] needs of the vector-valued function `f` and of its `f__dot`.
pub struct Input<'a> {
    /// `f` as the user wrote it.
    pub item: &'a syn::ItemFn,
    /// `f__dot` (`f · d_out`, the cotangent its last parameter).
    pub dot: &'a syn::ItemFn,
    /// What `f__dot_grad` differentiates.
    pub dot_args: &'a crate::attr::Args,
    pub elem: &'a syn::Type,
    /// `Self::`, or copies of `f` and `f__dot_grad` nested in the body (the fallback calls them).
    pub qual: Option<&'a TokenStream>,
    pub nest: Option<&'a TokenStream>,
}

/// `NAME__split`: derived when the derivation splits, else the wrapper of `NAME__dot_grad`.
pub fn item(input: &Input) -> TokenStream {
    let errors = Errors::default();
    let sig = crate::sig::analyze(input.dot, input.dot_args, &errors);
    let head = signature(input, &sig);
    let body = derived(input, &sig).unwrap_or_else(|| fallback(input, &sig));
    let allows = crate::expand::generated_allows();
    quote! {
        #[doc(hidden)]
        #allows
        #[allow(clippy::type_complexity, clippy::multiple_bound_locations)]
        #head {
            #body
        }
    }
}

const LIFETIME: &str = "'__grad_g";

/// The flag type parameter of the `k`-th sequence parameter.
fn flag(k: usize) -> Ident {
    format_ident!("__GradF{}", k)
}

/// The sequence parameters (the cotangent aside), each with its flag: one per sequence
/// argument a caller passes, differentiated or not (a caller that passes a differentiated value
/// where `f` has none fails at its table check, as for any call).
fn seq_params(sig: &Sig) -> Vec<(Ident, &crate::sig::Param)> {
    sig.params[..sig.params.len() - 1]
        .iter()
        .filter(|p| matches!(p.class, ParamClass::FloatSeq(_)))
        .enumerate()
        .map(|(k, p)| (flag(k), p))
        .collect()
}

/// The name of a sequence's gradient buffer in the closure.
fn buffer_name(p: &crate::sig::Param) -> Ident {
    if p.active {
        format_ident!("d_{}", p.ident)
    } else {
        crate::naming::hidden(&format!("no_d_{}", p.ident))
    }
}

/// `vis fn f__split<'g, .., F0: Flag, ..>(params.., _: F0, ..) -> (Vec<T>, impl FnOnce(&[T],
/// &mut [T]..) -> ((), [T; K]) + 'g)`: every elided lifetime of the parameters is `'g`, which
/// the closure may keep.
fn signature(input: &Input, sig: &Sig) -> TokenStream {
    let item = input.item;
    let vis = &item.vis;
    let name = format_ident!("{}__split", item.sig.ident);
    let elem = input.elem;
    let lt = syn::Lifetime::new(LIFETIME, Span::call_site());
    let mut generics = item.sig.generics.clone();
    // Every type and lifetime outlives `'g`, bounded where it is declared.
    for g in &mut generics.params {
        match g {
            syn::GenericParam::Type(t) => t.bounds.push(syn::parse_quote!(#lt)),
            syn::GenericParam::Lifetime(l) => l.bounds.push(lt.clone()),
            syn::GenericParam::Const(_) => {}
        }
    }
    generics.params.insert(0, syn::parse_quote!(#lt));
    let seqs = seq_params(sig).len();
    for k in 0..seqs {
        let f = flag(k);
        generics
            .params
            .push(syn::parse_quote!(#f: ::grad::runtime::__private::Flag));
    }
    let where_clause = &generics.where_clause;
    let own = &sig.params[..sig.params.len() - 1];
    let params = own.iter().map(|p| {
        let id = &p.ident;
        if p.receiver {
            return quote!(&#lt #id);
        }
        let mut ty = p.ty.clone();
        Elided(&lt).visit_type_mut(&mut ty);
        quote!(#id: #ty)
    });
    let lend = crate::naming::hidden("lend");
    let flags = (0..seqs).map(|k| {
        let (f, v) = (flag(k), format_ident!("__grad_flag{}", k));
        quote!(#v: #f)
    });
    let bufs = (0..seqs).map(|_| quote!(&mut [#elem]));
    let k = sig.active_scalars().count();
    quote! {
        #vis fn #name #generics (#(#params,)* #lend: &mut ::std::vec::Vec<::std::vec::Vec<#elem>>, #(#flags),*)
            -> (::std::vec::Vec<#elem>, impl ::core::ops::FnOnce(&[#elem], &mut ::std::vec::Vec<::std::vec::Vec<#elem>>, #(#bufs),*) -> ((), [#elem; #k]) + #lt)
            #where_clause
    }
}

/// Gives every elided lifetime of a type (`&T`, `'_`) the name `'g`.
struct Elided<'a>(&'a syn::Lifetime);

impl VisitMut for Elided<'_> {
    fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
        if r.lifetime.is_none() {
            r.lifetime = Some(self.0.clone());
        }
        syn::visit_mut::visit_type_reference_mut(self, r);
    }

    fn visit_lifetime_mut(&mut self, l: &mut syn::Lifetime) {
        if l.ident == "_" {
            *l = self.0.clone();
        }
    }
}

/// The closure's parameters: the cotangent and one gradient buffer per differentiated sequence.
fn closure_params(sig: &Sig, elem: &syn::Type) -> (Ident, Vec<TokenStream>) {
    let (d_out, lend) = (
        crate::naming::hidden("d_out"),
        crate::naming::hidden("lend"),
    );
    let params = [
        quote!(#d_out: &[#elem]),
        quote!(#lend: &mut ::std::vec::Vec<::std::vec::Vec<#elem>>),
    ]
    .into_iter()
    .chain(seq_params(sig).into_iter().map(|(_, p)| {
        let d = buffer_name(p);
        quote!(#d: &mut [#elem])
    }))
    .collect();
    (d_out, params)
}

/// The length check of each gradient buffer the caller passes (and only of those).
fn closure_checks(input: &Input, sig: &Sig) -> Vec<TokenStream> {
    let name = &input.item.sig.ident;
    seq_params(sig)
        .into_iter()
        .filter(|(_, p)| p.active)
        .map(|(f, p)| {
            let (x, d) = (&p.ident, buffer_name(p));
            let msg =
                format!("{name}: the gradient of `{x}` has length {{}} but `{x}` has length {{}}");
            quote! {
                if <#f as ::grad::runtime::__private::Flag>::ON {
                    ::core::assert!(#d.len() == #x.len(), #msg, #d.len(), #x.len());
                }
            }
        })
        .collect()
}

/// The body that calls `f` for the value and, in the closure, `f__dot_grad` into scratch
/// buffers added to the caller's.
fn fallback(input: &Input, sig: &Sig) -> TokenStream {
    let (qual, nest) = (input.qual, input.nest);
    let name = &input.item.sig.ident;
    let dot_grad = format_ident!("{}__dot_grad", name);
    let own = &sig.params[..sig.params.len() - 1];
    let pass: Vec<&Ident> = own.iter().map(|p| &p.ident).collect();
    let (d_out, closure_params) = closure_params(sig, input.elem);
    let checks = closure_checks(input, sig);
    let zero = crate::emit::float_literal(0.0, sig.float_ty);
    let lend = crate::naming::hidden("lend");
    let active: Vec<(Ident, &crate::sig::Param)> = seq_params(sig)
        .into_iter()
        .filter(|(_, p)| p.active)
        .collect();
    let scratch: Vec<Ident> = active
        .iter()
        .map(|(_, p)| crate::naming::hidden(&format!("s_{}", p.ident)))
        .collect();
    let makes = active.iter().zip(&scratch).map(|((_, p), s)| {
        let x = &p.ident;
        quote! {
            let mut #s = #lend.pop().unwrap_or_default();
            #s.clear();
            #s.resize(#x.len(), #zero);
        }
    });
    let give_back = scratch.iter().map(|s| quote!(#lend.push(#s);));
    let adds = active.iter().zip(&scratch).map(|((f, p), s)| {
        let d = buffer_name(p);
        let (a, b) = (crate::naming::hidden("a"), crate::naming::hidden("b"));
        quote! {
            if <#f as ::grad::runtime::__private::Flag>::ON {
                for (#a, #b) in #d.iter_mut().zip(#s.iter()) {
                    *#a = *#a + *#b;
                }
            }
        }
    });
    let k = sig.active_scalars().count();
    let (value, g) = (crate::naming::hidden("value"), crate::naming::hidden("g"));
    let call = quote!(#qual #dot_grad(#(#pass,)* #d_out #(, &mut #scratch)*));
    let grads = if k == 0 && !scratch.is_empty() {
        quote!({ let _ = #call; [] })
    } else {
        quote!(#call.1)
    };
    quote! {
        #nest
        let #value = ::std::vec::Vec::from(#qual #name(#(#pass),*));
        (#value, move |#(#closure_params),*| {
            #(#checks)*
            #(#makes)*
            let #g = #grads;
            #(#adds)*
            #(#give_back)*
            ((), #g)
        })
    }
}

/// The body that runs the forward sweep of `f__dot` here and its reverse sweep in the closure,
/// or `None` where that does not split (see the module's documentation).
fn derived(input: &Input, sig: &Sig) -> Option<TokenStream> {
    let errors = Errors::default();
    let mut body = input.dot.clone();
    crate::desugar::run(&mut body, sig, &errors);
    if !sig.returns_float {
        return None;
    }
    let lowered = crate::lower::lower(&body, sig, &errors);
    if errors.combined().is_some() {
        return None;
    }
    let mut lowered = lowered?;
    let d_out_name = crate::naming::hidden("d_out");
    let d_out = (0..lowered.func.seqs.len())
        .map(|k| crate::ir::SeqId(k as u32))
        .find(|s| {
            let info = lowered.func.seq(*s);
            !info.buffer && info.ident == d_out_name
        })?;
    let out = output_seq(&lowered.func.body, d_out)?;
    let scalar_inputs: Vec<crate::ir::ValId> = sig
        .params
        .iter()
        .zip(&lowered.params)
        .filter(|(p, _)| p.active && p.class == ParamClass::Float)
        .filter_map(|(_, slot)| match slot {
            crate::lower::ParamSlot::Val(v) => Some(*v),
            crate::lower::ParamSlot::Seq => None,
        })
        .collect();
    crate::dce::drop_unread_buffers(&mut lowered.func);
    crate::memory::plan_undo(&mut lowered.func);
    // Not fused: a fused loop's adjoint runs in the forward sweep, before the cotangent exists.
    let (mut adjoint, grads) =
        crate::reverse::reverse_with(&mut lowered.func, &scalar_inputs, false);
    let mut forward = std::mem::take(&mut lowered.func.body);
    crate::promote::run(&mut lowered.func, &mut forward);
    crate::promote::run(&mut lowered.func, &mut adjoint);
    crate::jam::run(&mut lowered.func, &mut forward, false);
    lowered.func.body = forward;
    let param_seqs: Vec<crate::ir::SeqId> = (0..lowered.func.seqs.len())
        .map(|k| crate::ir::SeqId(k as u32))
        .filter(|s| !lowered.func.seq(*s).buffer)
        .collect();
    if scales(&adjoint, &param_seqs) {
        return None;
    }
    // The value `f · d_out` is not needed: its loop goes, and with it the forward sweep's use
    // of the cotangent.
    let mut live: std::collections::HashSet<crate::ir::ValId> =
        grads.iter().filter_map(|o| o.val()).collect();
    crate::dce::eliminate(&mut adjoint, &mut live);
    let read = crate::dce::reads(&adjoint);
    crate::dce::export_reads(&mut lowered.func.body, &read);
    crate::dce::export_reads(&mut adjoint, &Default::default());
    crate::dce::eliminate_forward(&mut lowered.func.body, &mut live, &lowered.func.effects);
    drop_dot_loop(&mut lowered.func.body, &adjoint, d_out);

    let mut guards = std::collections::HashMap::new();
    for (f, p) in seq_params(sig).into_iter().filter(|(_, p)| p.active) {
        let seq = (0..lowered.func.seqs.len())
            .map(|s| crate::ir::SeqId(s as u32))
            .find(|s| !lowered.func.seq(*s).buffer && lowered.func.seq(*s).ident == p.ident)?;
        guards.insert(seq, quote!(<#f as ::grad::runtime::__private::Flag>::ON));
    }
    sink_guarded(&mut lowered.func, &mut adjoint, &guards);
    let mut em = crate::emit::Emitter::new(&lowered.func, &[&lowered.func.body, &adjoint], &grads);
    em.guards = guards;
    let helpers = em.helper_declarations();
    let tapes = em.tape_declarations();
    // The adjoints of local buffers, lent by the caller and given back by the closure, so that
    // a layer called once per sample allocates them once.
    let lend = crate::naming::hidden("lend");
    let adjoints: Vec<Ident> = (0..lowered.func.seqs.len())
        .map(|k| crate::ir::SeqId(k as u32))
        .filter(|s| lowered.func.seq(*s).buffer && lowered.func.seq(*s).active)
        .map(|s| em.seq_adjoint(s))
        .collect();
    let buffer_adjoints = adjoints
        .iter()
        .map(|a| quote!(let mut #a: ::std::vec::Vec<_> = #lend.pop().unwrap_or_default();));
    let buffer_adjoints = quote!(#(#buffer_adjoints)*);
    let give_back = adjoints.iter().map(|a| quote!(#lend.push(#a);));
    let forward = em.block(&lowered.func.body);
    let reverse = em.block(&adjoint);
    let grad_vals: Vec<TokenStream> = grads.iter().map(|g| em.operand(*g)).collect();
    // The forward sweep must not touch what only the closure has.
    let closure_only: Vec<Ident> = std::iter::once(d_out_name.clone())
        .chain(sig.active_seqs().map(|p| format_ident!("d_{}", p.ident)))
        .collect();
    let outside = quote!(#helpers #tapes #buffer_adjoints #forward);
    if crate::naming::mentions(outside, &|i| closure_only.contains(i)) {
        return None;
    }
    let out_name = em.seq(out);
    // The value moves out to the caller; the closure keeps a copy only if it reads more of it
    // than its length.
    let out_len = crate::naming::hidden("out_len");
    let (value, reverse) = match lengths_only(&reverse, &out_name, &out_len) {
        Some(reverse) => (quote!(::std::vec::Vec::from(#out_name)), reverse),
        None => (quote!(#out_name.to_vec()), reverse),
    };
    let float = Ident::new(sig.float_ty.name(), Span::call_site());
    let by_value = sig.params.iter().filter(|p| p.by_ref).map(|p| {
        let id = &p.ident;
        quote!(let #id: #float = *#id;)
    });
    let (_, closure_params) = closure_params(sig, input.elem);
    let checks = closure_checks(input, sig);
    let items = &lowered.func.items;
    let v = crate::naming::hidden("value");
    Some(quote! {
        #(#items)*
        #helpers
        #(#by_value)*
        #tapes
        #buffer_adjoints
        #forward
        let #out_len = #out_name.len();
        let #v = #value;
        (#v, move |#(#closure_params),*| {
            #(#checks)*
            #reverse
            #(#give_back)*
            ((), [#(#grad_vals),*])
        })
    })
}

/// The buffer `f__dot`'s last loop dots with the cotangent `d_out`: `f`'s value.
fn output_seq(body: &Block, d_out: crate::ir::SeqId) -> Option<crate::ir::SeqId> {
    let Some(Stmt::Loop(l)) = body.stmts.iter().rev().find(|s| matches!(s, Stmt::Loop(_))) else {
        return None;
    };
    let mut loaded = Vec::new();
    for s in &l.body.stmts {
        match s {
            Stmt::Load { seq, .. } => {
                if !loaded.contains(seq) {
                    loaded.push(*seq);
                }
            }
            Stmt::Prim { .. } | Stmt::Opaque { .. } => {}
            _ => return None,
        }
    }
    match loaded[..] {
        [a, b] if a == d_out => Some(b),
        [a, b] if b == d_out => Some(a),
        _ => None,
    }
}

/// Whether `block` scales a whole parameter's gradient (which the closure cannot do to the
/// caller's buffer, where other contributions already are).
fn scales(block: &Block, params: &[crate::ir::SeqId]) -> bool {
    block.stmts.iter().any(|s| match s {
        Stmt::ScaleSeq { seq, .. } => params.contains(seq),
        Stmt::If { then, els, .. } => scales(then, params) || scales(els, params),
        Stmt::Loop(l) => scales(&l.body, params),
        _ => false,
    })
}

/// Removes the loop of `body` that dots the value with `d_out` (the value of `f__dot`, which a
/// split does not return), when nothing else reads what it computes.
fn drop_dot_loop(body: &mut Block, adjoint: &Block, d_out: crate::ir::SeqId) {
    fn loads(b: &Block, seq: crate::ir::SeqId) -> bool {
        b.stmts.iter().any(|s| match s {
            Stmt::Load { seq: s, .. } => *s == seq,
            Stmt::If { then, els, .. } => loads(then, seq) || loads(els, seq),
            Stmt::Loop(l) => loads(&l.body, seq),
            _ => false,
        })
    }
    let Some(k) = body
        .stmts
        .iter()
        .rposition(|s| matches!(s, Stmt::Loop(l) if loads(&l.body, d_out)))
    else {
        return;
    };
    let Stmt::Loop(l) = &body.stmts[k] else {
        return;
    };
    let outs: Vec<crate::ir::ValId> = l.carried.iter().map(|c| c.out).collect();
    let mut rest = body.clone();
    rest.stmts.remove(k);
    let mut read = crate::dce::reads(&rest);
    read.extend(crate::dce::reads(adjoint));
    if outs.iter().all(|o| !read.contains(o)) {
        body.stmts.remove(k);
    }
}

/// `ts` with every `name.len()` replaced by `len` (and `name.is_empty()` by `len == 0`), or
/// `None` when `ts` reads `name` otherwise.
fn lengths_only(ts: &TokenStream, name: &Ident, len: &Ident) -> Option<TokenStream> {
    use proc_macro2::{Group, TokenTree};
    let tokens: Vec<TokenTree> = ts.clone().into_iter().collect();
    let mut out = TokenStream::new();
    let mut k = 0;
    while k < tokens.len() {
        match &tokens[k] {
            TokenTree::Ident(i) if i == name => {
                let method = match (tokens.get(k + 1), tokens.get(k + 2), tokens.get(k + 3)) {
                    (
                        Some(TokenTree::Punct(p)),
                        Some(TokenTree::Ident(m)),
                        Some(TokenTree::Group(g)),
                    ) if p.as_char() == '.'
                        && g.delimiter() == proc_macro2::Delimiter::Parenthesis
                        && g.stream().is_empty() =>
                    {
                        m.to_string()
                    }
                    _ => return None,
                };
                match method.as_str() {
                    "len" => out.extend(quote!(#len)),
                    "is_empty" => out.extend(quote!((#len == 0))),
                    _ => return None,
                }
                k += 4;
                continue;
            }
            TokenTree::Group(g) => {
                let inner = lengths_only(&g.stream(), name, len)?;
                let mut ng = Group::new(g.delimiter(), inner);
                ng.set_span(g.span());
                out.extend([TokenTree::Group(ng)]);
            }
            t => out.extend([t.clone()]),
        }
        k += 1;
    }
    Some(out)
}

/// Moves each write of a guarded parameter's gradient (`d_x[i] += v`), together with the
/// computations only it reads (`v`, the loads `v` is made of), into `if ON { .. }`: where the
/// caller passes `x` as data, the whole chain is compiled away, bounds checks included.
fn sink_guarded(
    func: &mut crate::ir::Func,
    adjoint: &mut Block,
    guards: &std::collections::HashMap<crate::ir::SeqId, TokenStream>,
) {
    use crate::ir::ValId;
    use std::collections::HashMap;
    fn count(b: &Block, counts: &mut HashMap<ValId, usize>) {
        for s in &b.stmts {
            crate::dce::for_each_use(s, &mut |v| *counts.entry(v).or_default() += 1);
        }
    }
    fn pure_def(s: &Stmt) -> Option<ValId> {
        match s {
            Stmt::Prim { dst, .. } | Stmt::Load { dst, .. } | Stmt::Opaque { dst, .. } => {
                Some(*dst)
            }
            _ => None,
        }
    }
    fn run(
        b: &mut Block,
        conds: &HashMap<crate::ir::SeqId, ValId>,
        counts: &HashMap<ValId, usize>,
    ) {
        for s in &mut b.stmts {
            match s {
                Stmt::If { then, els, .. } => {
                    run(then, conds, counts);
                    run(els, conds, counts);
                }
                Stmt::Loop(l) => run(&mut l.body, conds, counts),
                _ => {}
            }
        }
        let mut p = b.stmts.len();
        while p > 0 {
            p -= 1;
            let cond = match &b.stmts[p] {
                Stmt::AccumSeq { seq, .. } => match conds.get(seq) {
                    Some(c) => *c,
                    None => continue,
                },
                _ => continue,
            };
            let mut sunk = vec![p];
            let mut local: HashMap<ValId, usize> = HashMap::new();
            crate::dce::for_each_use(&b.stmts[p], &mut |v| *local.entry(v).or_default() += 1);
            for q in (0..p).rev() {
                let Some(d) = pure_def(&b.stmts[q]) else {
                    continue;
                };
                if local.get(&d).is_some_and(|n| Some(n) == counts.get(&d)) {
                    sunk.push(q);
                    crate::dce::for_each_use(&b.stmts[q], &mut |v| {
                        *local.entry(v).or_default() += 1;
                    });
                }
            }
            sunk.sort_unstable();
            // Where the write was, less what moved in from before it: the statements in
            // between stay ahead of it, still to be visited.
            let at = p + 1 - sunk.len();
            let mut then = Block::default();
            for q in sunk.iter().rev() {
                then.stmts.push(b.stmts.remove(*q));
            }
            then.stmts.reverse();
            b.stmts.insert(
                at,
                Stmt::If {
                    cond,
                    then,
                    els: Block::default(),
                    merges: Vec::new(),
                    exports: Vec::new(),
                },
            );
            p = at;
        }
    }
    // Uses in the adjoint alone: a definition inside it is out of the forward sweep's scope
    // (a value both define is the adjoint's recomputation, read by the adjoint).
    let mut counts = HashMap::new();
    count(adjoint, &mut counts);
    let span = Span::call_site();
    let mut conds = HashMap::new();
    let mut defs = Vec::new();
    let mut sorted: Vec<_> = guards.iter().collect();
    sorted.sort_by_key(|(s, _)| **s);
    for (seq, on) in sorted {
        let c = crate::ir::new_val(func, crate::ir::Kind::Bool, false, span);
        defs.push(Stmt::Opaque {
            dst: c,
            ty: Some(syn::parse_quote!(bool)),
            expr: on.clone(),
            uses: Vec::new(),
        });
        conds.insert(*seq, c);
    }
    run(adjoint, &conds, &counts);
    adjoint.stmts.splice(0..0, defs);
}
