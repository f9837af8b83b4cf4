//! The functions a caller that passes the whole model calls.

use super::{expand, typed_inputs, Root};
use crate::ir::FloatTy;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// Suffix of the derivation with respect to the model and every float parameter.
const ALL: &str = "__all";

/// What a caller that passes the whole model calls (`forward(m, x)`, `self.forward(x)`):
/// `NAME__model` takes the model's flat view beside it, so that the caller's derivation sees a
/// differentiated slice, and `NAME__model_grad` gives that view's gradient and those of every
/// float parameter (a caller may pass differentiated values anywhere), from `NAME__all_grad`, the
/// function derived once more with respect to all of them. Nothing when that derivation fails
/// (the caller's build then says `NAME__model` is missing, at its call).
pub(super) fn model_fns(item: &syn::ItemFn, root: &Root, float: FloatTy) -> TokenStream {
    let fname = &item.sig.ident;
    if fname.to_string().ends_with(ALL) {
        return TokenStream::new();
    }
    let t = Ident::new(float.name(), Span::call_site());
    let mut wrt: Vec<Ident> = vec![root.ident.clone()];
    let mut params = Vec::new();
    for input in &item.sig.inputs {
        match input {
            syn::FnArg::Receiver(_) => params.push((root.ident.clone(), None)),
            syn::FnArg::Typed(pt) => {
                let syn::Pat::Ident(pi) = &*pt.pat else {
                    return TokenStream::new();
                };
                // The cotangent of a vector-valued method's `NAME__dot` (see `vector`) is data.
                if pi.ident != root.ident
                    && pi.ident != crate::naming::hidden("d_out")
                    && crate::sig::differentiable(&pt.ty)
                {
                    wrt.push(pi.ident.clone());
                }
                params.push((pi.ident.clone(), Some((*pt.ty).clone())));
            }
        }
    }
    let mut all = item.clone();
    all.sig.ident = format_ident!("{}{ALL}", fname);
    all.attrs
        .retain(|a| a.path().is_ident("allow") || a.path().is_ident("cfg"));
    all.attrs.push(syn::parse_quote!(#[doc(hidden)]));
    all.attrs.push(syn::parse_quote!(#[allow(non_snake_case)]));
    all.vis = item.vis.clone();
    let Some(expanded) = expand(&quote!(wrt(#(#wrt),*)), &all) else {
        return TokenStream::new();
    };
    let all_grad_name = format_ident!("{}{ALL}_grad", fname);
    let Ok(file) = syn::parse2::<syn::File>(expanded.clone()) else {
        return TokenStream::new();
    };
    if file.items.iter().any(|i| matches!(i, syn::Item::Macro(_))) {
        return TokenStream::new();
    }
    let Some(all_grad) = file.items.iter().find_map(|i| match i {
        syn::Item::Fn(f) if f.sig.ident == all_grad_name => Some(f.clone()),
        _ => None,
    }) else {
        return TokenStream::new();
    };
    let inputs = typed_inputs(&all_grad);
    let bufs: Vec<(Ident, Option<syn::Type>)> = inputs[params.len()..].to_vec();
    let d_root = format_ident!("d_{}", root.ident);
    let flat = crate::naming::hidden("flat");
    let dflat = format_ident!("d_{}", flat);
    let dmodel = crate::naming::hidden("dmodel");
    let rpos = params
        .iter()
        .position(|(id, _)| *id == root.ident)
        .unwrap_or(0);
    let mut sig: Vec<TokenStream> = params
        .iter()
        .map(|(id, ty)| match ty {
            Some(ty) => quote!(#id: #ty),
            None => quote!(&self),
        })
        .collect();
    sig.insert(rpos + 1, quote!(#flat: &[#t]));
    let mut model_bufs = Vec::new();
    let mut call_bufs = Vec::new();
    for (b, ty) in &bufs {
        if *b == d_root {
            model_bufs.push(quote!(#dflat: &mut [#t]));
            call_bufs.push(quote!(&mut #dmodel));
        } else {
            model_bufs.push(quote!(#b: #ty));
            call_bufs.push(quote!(#b));
        }
    }
    let args: Vec<&Ident> = params
        .iter()
        .filter(|(_, t)| t.is_some())
        .map(|(id, _)| id)
        .collect();
    let (value_call, grad_call) = if root.receiver {
        (
            quote!(self.#fname(#(#args),*)),
            quote!(self.#all_grad_name(#(#args,)* #(#call_bufs),*)),
        )
    } else {
        (
            quote!(#fname(#(#args),*)),
            quote!(#all_grad_name(#(#args,)* #(#call_bufs),*)),
        )
    };
    // The table: the flat view is a differentiated sequence, right after the model.
    let mut flags: Vec<u8> = params
        .iter()
        .map(|(id, _)| u8::from(wrt.contains(id) && *id != root.ident))
        .collect();
    for (k, (id, ty)) in params.iter().enumerate() {
        if flags[k] == 1 && ty.as_ref().is_some_and(|t| !crate::sig::is_scalar(t)) {
            flags[k] = 2;
        }
        let _ = id;
    }
    flags.insert(rpos + 1, 2);
    let n = flags.len();
    let ret = &all_grad.sig.output;
    let vis = &item.vis;
    let (model_name, model_grad, model_table) = (
        format_ident!("{}__model", fname),
        format_ident!("{}__model_grad", fname),
        format_ident!("{}__model_grad_wrt", fname),
    );
    let (rid, rty) = (&root.ident, &root.ty);
    let (generics, where_clause) = (&item.sig.generics, &item.sig.generics.where_clause);
    quote! {
        #expanded
        #[doc(hidden)]
        #[allow(unused_variables, non_snake_case, clippy::too_many_arguments)]
        #vis fn #model_name #generics (#(#sig),*) -> #t #where_clause {
            #value_call
        }
        #[doc(hidden)]
        #[allow(unused_variables, non_snake_case, clippy::too_many_arguments, clippy::needless_borrow)]
        #vis fn #model_grad #generics (#(#sig,)* #(#model_bufs),*) #ret #where_clause {
            let mut #dmodel = <#rty as ::grad::runtime::Params>::zeros_like(#rid);
            let value = #grad_call;
            ::grad::runtime::Params::write_flat(&#dmodel, #dflat);
            value
        }
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #model_table: [u8; #n] = [#(#flags),*];
    }
}
