//! `NAME_jvp`, asked for by `#[gradient(jvp)]`: the value and the directional derivative
//! `∇f · v` in one forward sweep (see `forward`), as a function beside `NAME_grad`.

use crate::errors::Errors;
use crate::ir::{Kind, SeqId};
use crate::lower::{Lowered, ParamSlot};
use crate::sig::{ParamClass, SeqShape, Sig};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// The name of the tangent of parameter `p`.
pub fn tangent_name(p: &Ident) -> Ident {
    format_ident!("v_{}", p)
}

/// Each parameter whose name a `v_NAME` tangent takes, with the parameter of that tangent.
fn clashes(sig: &Sig) -> impl Iterator<Item = (&Ident, &Ident)> {
    sig.params
        .iter()
        .filter(|p| is_differentiated(p))
        .filter_map(|p| {
            let v = tangent_name(&p.ident);
            let clash = sig.params.iter().find(|q| q.ident == v)?;
            Some((&clash.ident, &p.ident))
        })
}

/// A `v_NAME` tangent must not take the name of another parameter.
pub fn check_names(sig: &Sig, errors: &Errors) {
    for p in sig.params.iter().filter(|p| is_differentiated(p)) {
        let what = format!("the tangent of `{}` in `jvp`", p.ident);
        crate::expand::check_name_free(sig, errors, &tangent_name(&p.ident).to_string(), &what);
    }
}

/// Whether `NAME_jvp`'s signature can be written (no tangent takes a parameter's name).
pub fn can_declare(sig: &Sig) -> bool {
    clashes(sig).next().is_none()
}

pub fn is_differentiated(p: &crate::sig::Param) -> bool {
    p.active && matches!(p.class, ParamClass::Float | ParamClass::FloatSeq(_))
}

/// The tangent of each differentiated parameter: a value named `v_x` for a scalar, a sequence
/// `v_w` for a sequence.
pub fn seeds(sig: &Sig, params: &[ParamSlot], func: &mut crate::ir::Func) -> crate::forward::Seeds {
    let mut seeds = crate::forward::Seeds::default();
    for (p, slot) in sig.params.iter().zip(params) {
        if !is_differentiated(p) {
            continue;
        }
        let name = tangent_name(&p.ident);
        match (slot, &p.class) {
            (ParamSlot::Val(v), ParamClass::Float) => {
                let t = crate::ir::new_val(func, Kind::Float, true, p.ident.span());
                func.vals[t.0 as usize].name = name;
                seeds.scalars.push((*v, t));
            }
            _ => {
                if let Some(k) = param_seq(func, &p.ident) {
                    let t = crate::forward::tangent_seq(func, name, false);
                    seeds.seqs.push((k, t));
                }
            }
        }
    }
    seeds
}

/// The sequence of the parameter `ident`, if the body reads it.
pub fn param_seq(func: &crate::ir::Func, ident: &Ident) -> Option<SeqId> {
    func.seqs
        .iter()
        .position(|s| !s.buffer && s.ident == *ident)
        .map(|k| SeqId(k as u32))
}

/// Input: the function, its signature and its lowered body. Output: `NAME_jvp`.
pub fn item(item: &syn::ItemFn, sig: &Sig, mut lowered: Lowered) -> TokenStream {
    let func = &mut lowered.func;
    let seeds = seeds(sig, &lowered.params, func);
    crate::dce::drop_unread_buffers(func);
    let ret = func.ret;
    let t_ret = crate::forward::forward(func, &seeds, &[ret])[0];
    let mut body = std::mem::take(&mut func.body);
    let mut live: std::collections::HashSet<_> =
        [ret, t_ret].iter().filter_map(|o| o.val()).collect();
    crate::dce::eliminate_forward(&mut body, &mut live, &func.effects);
    crate::dce::export_reads(&mut body, &Default::default());
    func.body = body;

    let func: &crate::ir::Func = func;
    let em = crate::emit::Emitter::new(func, &[&func.body], &[ret, t_ret]);
    let helpers = em.helper_declarations();
    // Buffers that a branch declares are hoisted: the other branch's tangent code may name them.
    let hoisted = em.tape_declarations();
    let block = em.block(&func.body);
    let value = em.operand(ret);
    let tangent = em.operand(t_ret);
    let float = Ident::new(sig.float_ty.name(), Span::call_site());
    let by_value = sig.params.iter().filter(|p| p.by_ref).map(|p| {
        let id = &p.ident;
        quote!(let #id: #float = *#id;)
    });
    let checks = length_checks(item, sig);
    let items = &func.items;
    let signature = signature(item, sig);
    let inherited = crate::expand::inherited_attributes(item);
    let allows = crate::expand::generated_allows();
    quote! {
        #(#inherited)*
        #allows
        #signature {
            #(#items)*
            #helpers
            #(#by_value)*
            #checks
            #hoisted
            #block
            (#value, #tangent)
        }
    }
}

/// Every `v_NAME` slice must have the length of `NAME`.
fn length_checks(item: &syn::ItemFn, sig: &Sig) -> TokenStream {
    let fname = format!("{}_jvp", item.sig.ident);
    sig.active_seqs()
        .filter(|p| p.class == ParamClass::FloatSeq(SeqShape::Slice))
        .map(|p| {
            let x = &p.ident;
            let v = tangent_name(x);
            let msg = format!(
                "{fname}: the tangent `{v}` has length {{}} but `{x}` has length {{}}; pass a direction as long as `{x}`"
            );
            quote!(::core::assert!(#v.len() == #x.len(), #msg, #v.len(), #x.len());)
        })
        .collect()
}

/// `v_x: T` for each differentiated scalar and `v_w: &[T]` (`&[T; N]`) for each sequence, in
/// declaration order: the tangents `NAME_jvp` and `NAME_hvp` take.
pub fn tangent_params(sig: &Sig) -> Vec<TokenStream> {
    let ty = Ident::new(sig.float_ty.name(), Span::call_site());
    sig.params
        .iter()
        .filter(|p| is_differentiated(p))
        .map(|p| {
            let v = tangent_name(&p.ident);
            match &p.class {
                ParamClass::FloatSeq(SeqShape::Array(n)) => quote!(#v: &[#ty; #n]),
                ParamClass::FloatSeq(_) => quote!(#v: &[#ty]),
                _ => quote!(#v: #ty),
            }
        })
        .collect()
}

/// `vis fn NAME_jvp(params.., tangents..) -> (T, T)`.
pub fn signature(item: &syn::ItemFn, sig: &Sig) -> TokenStream {
    let vis = &item.vis;
    let name = format_ident!("{}_jvp", item.sig.ident);
    let generics = &item.sig.generics;
    let where_clause = &generics.where_clause;
    let ty = Ident::new(sig.float_ty.name(), Span::call_site());
    let params = crate::expand::sig_params(sig);
    let tangents = tangent_params(sig);
    let wrt: Vec<String> = sig
        .params
        .iter()
        .filter(|p| is_differentiated(p))
        .map(|p| format!("`{}`", tangent_name(&p.ident)))
        .collect();
    let fname = &item.sig.ident;
    let along = if wrt.is_empty() {
        "no direction (the function has no differentiated parameter), so the derivative is 0"
            .to_string()
    } else {
        format!("the direction {}", wrt.join(", "))
    };
    let doc = format!(
        " Value of [`{fname}`] and its directional derivative along {along}: returns `({fname}, ∇{fname} · v)` from one forward sweep, generated by `#[gradient(jvp)]`."
    );
    let panics = sig
        .active_seqs()
        .any(|p| p.class == ParamClass::FloatSeq(SeqShape::Slice))
        .then(|| {
            quote! {
                #[doc = ""]
                #[doc = " # Panics"]
                #[doc = ""]
                #[doc = " When a tangent slice is not as long as its parameter."]
            }
        });
    quote! {
        #[doc = #doc]
        #panics
        #[must_use]
        #vis fn #name #generics (#(#params,)* #(#tangents),*) -> (#ty, #ty) #where_clause
    }
}
