//! Second order, asked for by `#[gradient(hvp)]`: `NAME_hvp`, the value, the gradient and the
//! Hessian–vector product `H · v` in one sweep, forward over reverse (the forward-mode pass of
//! `forward` run over the function followed by its adjoint, so the tangent of the gradient is
//! `H · v`), and `NAME_hessian`, the whole Hessian from one such sweep per differentiated entry.

use crate::ir::{Func, Operand, SeqId, SeqInfo, ValId};
use crate::jvp::{is_differentiated, tangent_name};
use crate::lower::{Lowered, ParamSlot};
use crate::sig::{ParamClass, SeqShape, Sig};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// The name of the buffer that receives the Hessian–vector product for sequence `p`.
fn hv_name(p: &Ident) -> Ident {
    format_ident!("hv_{}", p)
}

/// The parameters that `hv_`/`hess` buffers would shadow, as errors.
pub fn check_names(sig: &Sig, errors: &crate::errors::Errors) {
    for p in sig.active_seqs() {
        let what = format!("the Hessian–vector product of `{}` in `hvp`", p.ident);
        crate::expand::check_name_free(sig, errors, &hv_name(&p.ident).to_string(), &what);
    }
}

/// `base` (`hess`, `diag`), or with `_` appended as often as a parameter of the function already
/// takes the name: the buffer `NAME_hessian` writes never shadows one of the user's.
pub fn buffer_name(sig: &Sig, base: &str) -> Ident {
    let mut name = base.to_string();
    while sig.params.iter().any(|p| p.ident == name) {
        name.push('_');
    }
    Ident::new(&name, Span::call_site())
}

/// The generated code of one forward-over-reverse sweep, in pieces the two items assemble.
struct Sweep {
    /// Declarations (helpers, tapes, adjoint buffers), then the statements.
    code: TokenStream,
    value: TokenStream,
    grads: Vec<TokenStream>,
    hvs: Vec<TokenStream>,
    items: Vec<syn::Item>,
}

fn sweep(sig: &Sig, mut lowered: Lowered) -> Sweep {
    let scalar_inputs: Vec<ValId> = sig
        .params
        .iter()
        .zip(&lowered.params)
        .filter(|(p, _)| p.active && p.class == ParamClass::Float)
        .map(|(_, slot)| match slot {
            ParamSlot::Val(v) => *v,
            ParamSlot::Seq => unreachable!("scalars have values"),
        })
        .collect();
    // Second order does not follow vector-valued calls yet: one error at the call, and nothing
    // else that would name the callee's missing second order.
    if let Some(plain) = crate::ir::first_vector_call(&lowered.func.body) {
        let msg = format!("`{}` returns a vector: `hvp` does not follow calls of vector-valued functions yet; drop `hvp`, or inline the callee", crate::emit::user_name(plain));
        let span = syn::spanned::Spanned::span(plain);
        let never = quote!(::core::unreachable!());
        return Sweep {
            code: quote::quote_spanned!(span=> ::core::compile_error!(#msg);),
            value: never.clone(),
            grads: vec![never.clone(); scalar_inputs.len()],
            hvs: vec![never; scalar_inputs.len()],
            items: lowered.func.items.clone(),
        };
    }
    let func = &mut lowered.func;
    let mut seeds = crate::jvp::seeds(sig, &lowered.params, func);
    seeds.second = true;
    for p in sig.active_seqs() {
        if let Some(k) = crate::jvp::param_seq(func, &p.ident) {
            func.seqs.push(SeqInfo {
                ident: hv_name(&p.ident),
                active: true,
                buffer: false,
                adjoint: Some(hv_name(&p.ident)),
            });
            seeds.adjoints.push((k, SeqId(func.seqs.len() as u32 - 1)));
        }
    }
    crate::dce::drop_unread_buffers(func);
    crate::memory::plan_undo(func);
    let (adjoint, grads) = crate::reverse::reverse_with(func, &scalar_inputs, false);
    if let Some(e) = crate::reverse::recomputed_effect(func, &adjoint) {
        let never = quote!(::core::unreachable!());
        return Sweep {
            code: e.to_compile_error(),
            value: never.clone(),
            grads: vec![never.clone(); scalar_inputs.len()],
            hvs: vec![never; scalar_inputs.len()],
            items: func.items.clone(),
        };
    }
    func.body.stmts.extend(adjoint.stmts);
    let ret = func.ret;
    let hv = crate::forward::forward(func, &seeds, &grads);
    let mut body = std::mem::take(&mut func.body);
    let roots: Vec<Operand> = grads
        .iter()
        .chain(&hv)
        .copied()
        .chain(std::iter::once(ret))
        .collect();
    let mut live: std::collections::HashSet<_> = roots.iter().filter_map(|o| o.val()).collect();
    crate::dce::eliminate_forward(&mut body, &mut live, &func.effects);
    crate::dce::export_reads(&mut body, &Default::default());
    func.body = body;

    let func: &Func = func;
    let em = crate::emit::Emitter::new(func, &[&func.body], &roots);
    let helpers = em.helper_declarations();
    let tapes = em.tape_declarations();
    let adjoints = em.buffer_adjoint_declarations();
    let block = em.block(&func.body);
    Sweep {
        code: quote! {
            #helpers
            #tapes
            #adjoints
            #block
        },
        value: em.operand(ret),
        grads: grads.iter().map(|g| em.operand(*g)).collect(),
        hvs: hv.iter().map(|g| em.operand(*g)).collect(),
        items: func.items.clone(),
    }
}

/// `let x: T = *x;` for scalars taken by reference, as `NAME_grad` does.
fn by_value(sig: &Sig) -> TokenStream {
    let float = Ident::new(sig.float_ty.name(), Span::call_site());
    sig.params
        .iter()
        .filter(|p| p.by_ref)
        .map(|p| {
            let id = &p.ident;
            quote!(let #id: #float = *#id;)
        })
        .collect()
}

/// Length checks of the tangents and of the `d_`/`hv_` buffers against their sequences.
fn length_checks(fname: &str, sig: &Sig, with_tangents: bool) -> TokenStream {
    let mut out = TokenStream::new();
    for p in sig
        .active_seqs()
        .filter(|p| p.class == ParamClass::FloatSeq(SeqShape::Slice))
    {
        let x = &p.ident;
        let mut names = vec![format_ident!("d_{}", x), hv_name(x)];
        if with_tangents {
            names.insert(0, tangent_name(x));
        }
        for b in names {
            let msg = format!(
                "{fname}: `{b}` has length {{}} but `{x}` has length {{}}; pass one as long as `{x}`"
            );
            out.extend(quote!(::core::assert!(#b.len() == #x.len(), #msg, #b.len(), #x.len());));
        }
    }
    out
}

fn zero_buffers(sig: &Sig) -> TokenStream {
    let zero = crate::emit::float_literal(0.0, sig.float_ty);
    sig.active_seqs()
        .map(|p| {
            let (d, hv) = (format_ident!("d_{}", p.ident), hv_name(&p.ident));
            quote!(#d.fill(#zero); #hv.fill(#zero);)
        })
        .collect()
}

/// `NAME: &mut [T]` (or `&mut [T; N]`) for each differentiated sequence, named by `name`.
fn seq_buffers(sig: &Sig, name: impl Fn(&Ident) -> Ident) -> Vec<TokenStream> {
    sig.active_seqs()
        .map(|p| {
            let (b, t) = (name(&p.ident), buffer_type(sig, p));
            quote!(#b: &mut #t)
        })
        .collect()
}

fn buffer_type(sig: &Sig, p: &crate::sig::Param) -> TokenStream {
    let ty = Ident::new(sig.float_ty.name(), Span::call_site());
    match &p.class {
        ParamClass::FloatSeq(SeqShape::Array(n)) => quote!([#ty; #n]),
        _ => quote!([#ty]),
    }
}

/// `NAME_hvp(params.., tangents.., d_ buffers.., hv_ buffers..) -> (T, [T; K], [T; K])`
/// (just `T` when only sequences are differentiated).
pub fn signature(item: &syn::ItemFn, sig: &Sig) -> TokenStream {
    let vis = &item.vis;
    let fname = &item.sig.ident;
    let name = format_ident!("{}_hvp", fname);
    let generics = &item.sig.generics;
    let where_clause = &generics.where_clause;
    let ty = Ident::new(sig.float_ty.name(), Span::call_site());
    let params = crate::expand::sig_params(sig);
    let tangents = crate::jvp::tangent_params(sig);
    let bufs = seq_buffers(sig, |x| format_ident!("d_{}", x));
    let hvs = seq_buffers(sig, hv_name);
    let k = sig.active_scalars().count();
    let ret = if k == 0 && sig.active_seqs().next().is_some() {
        quote!(#ty)
    } else {
        quote!((#ty, [#ty; #k], [#ty; #k]))
    };
    let doc = format!(
        " Value, gradient and Hessian–vector product `H · v` of [`{fname}`] along the direction of the tangents `v_…`, from one forward-over-reverse sweep, generated by `#[gradient(hvp)]`: returns `(value, gradient, H · v)` for the scalar parameters, and writes the gradient into each `d_…` and `H · v` into each `hv_…` (both overwritten)."
    );
    quote! {
        #[doc = #doc]
        #[must_use]
        #vis fn #name #generics (#(#params,)* #(#tangents,)* #(#bufs,)* #(#hvs),*) -> #ret #where_clause
    }
}

/// Input: the function, its signature and a way to lower its body (each item transforms its own
/// copy). Output: `NAME_hvp`, `NAME_hessian` and the hidden `NAME__hvp_call` that callers with
/// `hvp` use.
pub fn items(item: &syn::ItemFn, sig: &Sig, mut lower: impl FnMut() -> Lowered) -> TokenStream {
    let mut out = hvp_item(item, sig, lower());
    out.extend(hessian_item(item, sig, lower(), false));
    out.extend(hessian_item(item, sig, lower(), true));
    out.extend(call_item(item, sig, lower()));
    out
}

/// `NAME__hvp_call(params.., t: [T; N]) -> (T, [T; K], [T; K])`: `NAME_hvp` with one tangent per
/// parameter (those of constants ignored), the form a caller can pass without knowing which
/// parameters `NAME` differentiates (it picks the slots from `NAME_grad_wrt`, as for a call).
fn call_item(item: &syn::ItemFn, sig: &Sig, lowered: Lowered) -> TokenStream {
    let s = sweep(sig, lowered);
    let (items, code, value) = (&s.items, &s.code, &s.value);
    let ty = Ident::new(sig.float_ty.name(), Span::call_site());
    let t = crate::naming::hidden("t");
    let tangents = sig
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| is_differentiated(p) && p.class == ParamClass::Float)
        .map(|(i, p)| {
            let v = tangent_name(&p.ident);
            quote!(let #v: #ty = #t[#i];)
        });
    let by_value = by_value(sig);
    let (g, h) = (&s.grads, &s.hvs);
    let doc = format!(
        " `{}_hvp` with a tangent per scalar parameter (those of constants ignored), for callers differentiated twice.",
        item.sig.ident
    );
    let head = call_head(item, sig, &t, None);
    let inherited = crate::expand::inherited_attributes(item);
    let allows = crate::expand::generated_allows();
    quote! {
        #(#inherited)*
        #[doc = #doc]
        #[doc(hidden)]
        #allows
        #head {
            #(#items)*
            #(#tangents)*
            #by_value
            #code
            (#value, [#(#g),*], [#(#h),*])
        }
    }
}

/// The `NAME__hvp_call` of a function without `hvp`, which a caller with `hvp` calls as it would
/// the real one: its bound is never met, so the build fails at that call, saying to add `hvp`
/// (rather than a missing function inside the caller's expansion).
pub fn call_stub(item: &syn::ItemFn, sig: &Sig) -> TokenStream {
    let t = crate::naming::hidden("t");
    let bound = quote!(for<'__grad_a> ::grad::runtime::__private::NoHvp<'__grad_a>: ::grad::runtime::__private::HvpOfCallee);
    let head = call_head(item, sig, &t, Some(bound));
    let inherited = crate::expand::inherited_attributes(item);
    let allows = crate::expand::generated_allows();
    quote! {
        #(#inherited)*
        #[doc(hidden)]
        #allows
        #[allow(unused_variables, clippy::missing_panics_doc)]
        #head {
            ::core::unreachable!()
        }
    }
}

/// `fn NAME__hvp_call(params.., t: [T; N], tangents.., gradients.., products..) -> (T, [T; K],
/// [T; K])`, with `extra` among its bounds.
fn call_head(item: &syn::ItemFn, sig: &Sig, t: &Ident, extra: Option<TokenStream>) -> TokenStream {
    let vis = &item.vis;
    let name = format_ident!("{}__hvp_call", item.sig.ident);
    let generics = &item.sig.generics;
    let where_clause = match (&generics.where_clause, extra) {
        (w, Some(b)) => {
            let mut preds = w.as_ref().map(|w| w.predicates.clone()).unwrap_or_default();
            preds.push(syn::parse_quote!(#b));
            quote!(where #preds)
        }
        (w, None) => quote!(#w),
    };
    let ty = Ident::new(sig.float_ty.name(), Span::call_site());
    let params = crate::expand::sig_params(sig);
    let n = sig.params.len();
    let k = sig.active_scalars().count();
    // Each sequence: its tangent, then (after all tangents) its gradient and Hessian–vector
    // buffers, which the caller zeroes. A caller passes them for every sequence, not knowing which
    // `wrt` leaves out (those of data stay unread, and their buffers zero).
    let seqs: Vec<&crate::sig::Param> = sig
        .params
        .iter()
        .filter(|p| matches!(p.class, ParamClass::FloatSeq(_)))
        .collect();
    let named = |p: &crate::sig::Param, name: Ident| {
        if p.active {
            name
        } else {
            format_ident!("_{}", name)
        }
    };
    let seq_tangents = seqs.iter().map(|p| {
        let (v, bt) = (named(p, tangent_name(&p.ident)), buffer_type(sig, p));
        quote!(#v: &#bt)
    });
    let bufs = seqs.iter().map(|p| {
        let (b, t) = (
            named(p, format_ident!("d_{}", p.ident)),
            buffer_type(sig, p),
        );
        quote!(#b: &mut #t)
    });
    let hvs = seqs.iter().map(|p| {
        let (b, t) = (named(p, hv_name(&p.ident)), buffer_type(sig, p));
        quote!(#b: &mut #t)
    });
    quote! {
        #vis fn #name #generics (#(#params,)* #t: [#ty; #n], #(#seq_tangents,)* #(#bufs,)* #(#hvs),*) -> (#ty, [#ty; #k], [#ty; #k]) #where_clause
    }
}

fn hvp_item(item: &syn::ItemFn, sig: &Sig, lowered: Lowered) -> TokenStream {
    let fname = format!("{}_hvp", item.sig.ident);
    let s = sweep(sig, lowered);
    let (items, code, value) = (&s.items, &s.code, &s.value);
    let by_value = by_value(sig);
    let checks = length_checks(&fname, sig, true);
    let zero = zero_buffers(sig);
    let k = sig.active_scalars().count();
    let result = if k == 0 && sig.active_seqs().next().is_some() {
        quote!(#value)
    } else {
        let (g, h) = (&s.grads, &s.hvs);
        quote!((#value, [#(#g),*], [#(#h),*]))
    };
    let signature = signature(item, sig);
    let inherited = crate::expand::inherited_attributes(item);
    let allows = crate::expand::generated_allows();
    quote! {
        #(#inherited)*
        #allows
        #signature {
            #(#items)*
            #by_value
            #checks
            #zero
            #code
            #result
        }
    }
}

/// `NAME_hessian(params..) -> (T, [T; K], [[T; K]; K])` for scalar parameters, or
/// `NAME_hessian(params.., d_ buffers.., hess: &mut [T]) -> (T, [T; K])` with sequences; with
/// `diag`, `NAME_hessian_diag` (its diagonal: `[T; K]`, or `diag: &mut [T]` of `n`).
pub fn hessian_signature(item: &syn::ItemFn, sig: &Sig, diag: bool) -> TokenStream {
    let vis = &item.vis;
    let fname = &item.sig.ident;
    if diag {
        return hessian_diag_signature(item, sig);
    }
    let name = format_ident!("{}_hessian", fname);
    let generics = &item.sig.generics;
    let where_clause = &generics.where_clause;
    let ty = Ident::new(sig.float_ty.name(), Span::call_site());
    let params = crate::expand::sig_params(sig);
    let k = sig.active_scalars().count();
    let doc_layout = "the differentiated scalars in declaration order, then the elements of each differentiated sequence in declaration order";
    if sig.active_seqs().next().is_none() {
        let doc = format!(
            " Value, gradient and Hessian of [`{fname}`] with respect to its {k} differentiated scalars, in declaration order, generated by `#[gradient(hvp)]` (one forward-over-reverse sweep per parameter)."
        );
        return quote! {
            #[doc = #doc]
            #[must_use]
            #vis fn #name #generics (#(#params),*) -> (#ty, [#ty; #k], [[#ty; #k]; #k]) #where_clause
        };
    }
    let bufs = seq_buffers(sig, |x| format_ident!("d_{}", x));
    let hess = buffer_name(sig, "hess");
    let doc = format!(
        " Value, gradient and Hessian of [`{fname}`], generated by `#[gradient(hvp)]`: returns the value and the gradient of the scalars, writes the gradient of each sequence into its `d_…`, and writes the Hessian into `{hess}`, row-major `n × n` over every differentiated entry ({doc_layout}); one forward-over-reverse sweep per entry.\n\n # Panics\n\n When `{hess}` does not have `n × n` elements or a `d_…` buffer is not as long as its sequence."
    );
    quote! {
        #[doc = #doc]
        #vis fn #name #generics (#(#params,)* #(#bufs,)* #hess: &mut [#ty]) -> (#ty, [#ty; #k]) #where_clause
    }
}

/// `NAME_hessian_diag(params..) -> (T, [T; K], [T; K])` for scalar parameters, or
/// `NAME_hessian_diag(params.., d_ buffers.., diag: &mut [T]) -> (T, [T; K])` with sequences.
fn hessian_diag_signature(item: &syn::ItemFn, sig: &Sig) -> TokenStream {
    let vis = &item.vis;
    let fname = &item.sig.ident;
    let name = format_ident!("{}_hessian_diag", fname);
    let generics = &item.sig.generics;
    let where_clause = &generics.where_clause;
    let ty = Ident::new(sig.float_ty.name(), Span::call_site());
    let params = crate::expand::sig_params(sig);
    let k = sig.active_scalars().count();
    if sig.active_seqs().next().is_none() {
        let doc = format!(
            " Value, gradient and the Hessian's diagonal `∂²f/∂xᵢ²` of [`{fname}`] with respect to its {k} differentiated scalars, in declaration order, generated by `#[gradient(hvp)]` (one forward-over-reverse sweep per parameter, as `{fname}_hessian`, without the off-diagonal entries)."
        );
        return quote! {
            #[doc = #doc]
            #[must_use]
            #vis fn #name #generics (#(#params),*) -> (#ty, [#ty; #k], [#ty; #k]) #where_clause
        };
    }
    let bufs = seq_buffers(sig, |x| format_ident!("d_{}", x));
    let diag = buffer_name(sig, "diag");
    let doc = format!(
        " Value, gradient and the Hessian's diagonal of [`{fname}`], generated by `#[gradient(hvp)]`: returns the value and the gradient of the scalars, writes the gradient of each sequence into its `d_…`, and writes `∂²f/∂eᵢ²` of every differentiated entry into `{diag}` (the differentiated scalars in declaration order, then the elements of each differentiated sequence): `n` values, where `{fname}_hessian` writes `n × n`. It costs what `{fname}_hessian` costs, one forward-over-reverse sweep per entry; for a Hessian whose pattern is known (banded, block-diagonal), `grad::runtime::hessian::HessianPattern` needs a few sweeps.\n\n # Panics\n\n When `{diag}` does not have `n` elements or a `d_…` buffer is not as long as its sequence."
    );
    quote! {
        #[doc = #doc]
        #vis fn #name #generics (#(#params,)* #(#bufs,)* #diag: &mut [#ty]) -> (#ty, [#ty; #k]) #where_clause
    }
}

/// The Hessian as one HVP sweep per differentiated entry along its basis vector, inside a loop;
/// with `diag`, only each sweep's own entry is kept (`NAME_hessian_diag`).
fn hessian_item(item: &syn::ItemFn, sig: &Sig, lowered: Lowered, diag: bool) -> TokenStream {
    let fname = if diag {
        format!("{}_hessian_diag", item.sig.ident)
    } else {
        format!("{}_hessian", item.sig.ident)
    };
    let s = sweep(sig, lowered);
    let (items, code, value) = (&s.items, &s.code, &s.value);
    let by_value = by_value(sig);
    let ty = Ident::new(sig.float_ty.name(), Span::call_site());
    let zero = crate::emit::float_literal(0.0, sig.float_ty);
    let one = crate::emit::float_literal(1.0, sig.float_ty);
    let k = sig.active_scalars().count();
    let e = crate::naming::hidden("e");
    let n = crate::naming::hidden("n");
    let out = crate::naming::hidden("out");
    let row = crate::naming::hidden("row");
    // The tangents of this sweep: 1 at entry `e` of the flat layout, 0 elsewhere.
    let mut tangents = Vec::new();
    let mut offset = quote!(0usize);
    for (j, p) in sig.active_scalars().enumerate() {
        let v = tangent_name(&p.ident);
        tangents.push(quote!(let #v: #ty = if #e == #j { #one } else { #zero };));
    }
    let mut hv_decls = Vec::new();
    let mut hv_rows = Vec::new();
    let mut lens = Vec::new();
    let mut d_checks = Vec::new();
    for p in sig.active_seqs() {
        let x = &p.ident;
        let (v, hv, d) = (tangent_name(x), hv_name(x), format_ident!("d_{}", x));
        let len = quote!(#x.len());
        let start = quote!(#k + #offset);
        hv_decls.push(quote! {
            let mut #v = ::std::vec![#zero; #len];
            let mut #hv = ::std::vec![#zero; #len];
        });
        tangents.push(quote! {
            #v.fill(#zero);
            if (#start..#start + #len).contains(&#e) {
                #v[#e - (#start)] = #one;
            }
            #hv.fill(#zero);
            #d.fill(#zero);
        });
        hv_rows.push(quote!(#row.extend_from_slice(&#hv);));
        if p.class == ParamClass::FloatSeq(SeqShape::Slice) {
            let msg = format!("{fname}: `{d}` has length {{}} but `{x}` has length {{}}; pass one as long as `{x}`");
            d_checks.push(quote!(::core::assert!(#d.len() == #x.len(), #msg, #d.len(), #x.len());));
        }
        lens.push(len);
        offset = quote!(#offset + #x.len());
    }
    let grads = &s.grads;
    let hvs = &s.hvs;
    let inherited = crate::expand::inherited_attributes(item);
    let allows = crate::expand::generated_allows();
    let signature = hessian_signature(item, sig, diag);
    if sig.active_seqs().next().is_none() {
        let keep = if diag {
            quote!(#out.2[#e] = [#(#hvs),*][#e];)
        } else {
            quote!(#out.2[#e] = [#(#hvs),*];)
        };
        let init = if diag {
            quote!((#zero, [#zero; #k], [#zero; #k]))
        } else {
            quote!((#zero, [#zero; #k], [[#zero; #k]; #k]))
        };
        return quote! {
            #(#inherited)*
            #allows
            #signature {
                #(#items)*
                #by_value
                let mut #out = #init;
                for #e in 0..#k {
                    #(#tangents)*
                    #code
                    #out.0 = #value;
                    #out.1 = [#(#grads),*];
                    #keep
                }
                #out
            }
        };
    }
    // The length check and where each sweep's row goes: all of it, or its own entry.
    let (check, store) = if diag {
        let diag = buffer_name(sig, "diag");
        let msg = format!(
            "{fname}: `{diag}` has length {{}} but the function has {{}} differentiated entries"
        );
        (
            quote!(::core::assert!(#diag.len() == #n, #msg, #diag.len(), #n);),
            quote!(#diag[#e] = #row[#e];),
        )
    } else {
        let hess = buffer_name(sig, "hess");
        let msg = format!("{fname}: `{hess}` has length {{}} but the function has {{}} differentiated entries, so it needs {{}} (n × n)");
        (
            quote!(::core::assert!(#hess.len() == #n * #n, #msg, #hess.len(), #n, #n * #n);),
            quote!(#hess[#e * #n..(#e + 1) * #n].copy_from_slice(&#row);),
        )
    };
    quote! {
        #(#inherited)*
        #allows
        #signature {
            #(#items)*
            #by_value
            #(#d_checks)*
            let #n: usize = #k #(+ #lens)*;
            #check
            #(#hv_decls)*
            let mut #out = (#zero, [#zero; #k]);
            let mut #row: ::std::vec::Vec<#ty> = ::std::vec::Vec::with_capacity(#n);
            for #e in 0..#n {
                #(#tangents)*
                #code
                #out = (#value, [#(#grads),*]);
                #row.clear();
                #row.extend_from_slice(&[#(#hvs),*]);
                #(#hv_rows)*
                #store
            }
            #out
        }
    }
}
