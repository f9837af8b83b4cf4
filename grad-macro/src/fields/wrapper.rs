//! `NAME_grad`: the model's fields in, their derivatives out into a gradient model.

use super::{typed_inputs, Leaf, Path, Root};
use crate::attr::Args;
use crate::ir::FloatTy;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use std::collections::HashMap;

/// `NAME_grad` around the inner gradient, with the original function, its table and the inner
/// items.
#[allow(clippy::too_many_arguments)]
pub(super) fn wrapper(
    item: &syn::ItemFn,
    args: &Args,
    roots: &[Root],
    paths: &[Path],
    leaves: &[(usize, Leaf, Ident)],
    data_paths: &[usize],
    float: FloatTy,
    inner_name: Ident,
    inner_expanded: Option<TokenStream>,
    errors: crate::errors::Errors,
) -> TokenStream {
    let t = Ident::new(float.name(), Span::call_site());
    let zero = crate::emit::float_literal(0.0, float);
    let fname = format!("{}_grad", item.sig.ident);
    let named = |id: &Ident| args.wrt.as_ref().is_some_and(|w| w.iter().any(|n| n == id));
    let root_of = |id: &Ident| roots.iter().position(|r| r.ident == *id);
    let inner_grad_name = format_ident!("{}_grad", inner_name);
    // The inner gradient's signature: its parameters, then its buffers.
    // No inner gradient when its derivation reported errors: they are the ones to read.
    // Its errors' stand-in still has its signature, which the callers' buffers follow.
    let (inner_grad, inner_stub): (Option<syn::ItemFn>, Option<syn::ItemFn>) = inner_expanded
        .as_ref()
        .and_then(|ts| {
            let items = syn::parse2::<syn::File>(ts.clone()).ok()?.items;
            let failed = items.iter().any(|i| matches!(i, syn::Item::Macro(_)));
            let f = items.into_iter().find_map(|i| match i {
                syn::Item::Fn(f) if f.sig.ident == inner_grad_name => Some(f),
                _ => None,
            })?;
            Some(if failed {
                (None, Some(f))
            } else {
                (Some(f), None)
            })
        })
        .unwrap_or_default();
    let original_inputs = typed_inputs(item);
    let inner_inputs = inner_grad
        .as_ref()
        .or(inner_stub.as_ref())
        .map(typed_inputs)
        .unwrap_or_default();
    let n_params = item.sig.inputs.len() + leaves.len();
    let inner_bufs: Vec<(Ident, Option<syn::Type>)> =
        inner_inputs.iter().skip(n_params).cloned().collect();
    let leaf_of = |id: &Ident| leaves.iter().find(|(_, _, l)| l == id);
    let leaf_of_buf = |d: &Ident| leaves.iter().find(|(_, _, l)| *d == format!("d_{l}"));

    let mut sig_params = Vec::new();
    let mut bufs = Vec::new();
    let mut flags = Vec::new();
    let mut k_outer = 0usize;
    for (id, ty) in &original_inputs {
        match ty {
            None => sig_params.push(quote!(&self)),
            Some(ty) => sig_params.push(quote!(#id: #ty)),
        }
        let d = format_ident!("d_{}", id);
        if root_of(id).is_some() {
            flags.push(crate::expand::MODEL_FLAG);
            match ty {
                None => bufs.push(quote!(#d: &mut Self)),
                Some(syn::Type::Reference(r)) => {
                    let elem = &r.elem;
                    bufs.push(quote!(#d: &mut #elem));
                }
                Some(_) => {}
            }
            continue;
        }
        if let Some((_, Some(bt))) = inner_bufs.iter().find(|(b, _)| *b == d) {
            flags.push(2);
            bufs.push(quote!(#d: #bt));
        } else if named(id) && ty.as_ref().is_some_and(crate::sig::is_scalar) {
            flags.push(1);
            k_outer += 1;
        } else {
            flags.push(0);
        }
    }
    let value_only = k_outer == 0;
    let ret = if value_only {
        quote!(#t)
    } else {
        quote!((#t, [#t; #k_outer]))
    };

    let mut data_checks: Vec<TokenStream> = Vec::new();
    // A field read only as data must not be a float (see `grad_runtime::__private`).
    for &k in data_paths {
        let p = &paths[k];
        let (root, members, span) = (&roots[p.root].ident, &p.members, p.span);
        let check = |field: TokenStream| {
            quote_spanned! {span=>
                let _: ::grad::runtime::__private::DataField =
                    (&&::grad::runtime::__private::Probe::of(&#field)).check();
            }
        };
        data_checks.push(match &p.suffix {
            None => check(quote!(#root #(.#members)*)),
            Some(suffix) => {
                let e = crate::naming::hidden("element");
                let c = check(quote!(#e #(.#suffix)*));
                quote!(if let ::core::option::Option::Some(#e) = #root #(.#members)*.first() { #c })
            }
        });
    }
    if !data_paths.is_empty() {
        data_checks.insert(
            0,
            quote!(
                use ::grad::runtime::__private::{DataCheck as _, FloatCheck as _};
            ),
        );
    }
    let body = match &inner_grad {
        // Nothing the loss reads is differentiated: the value, and a zero gradient.
        None if inner_expanded.is_none() && errors.is_empty() => {
            let name = &item.sig.ident;
            let fills = roots.iter().map(|r| {
                let (ty, d) = (&r.ty, format_ident!("d_{}", r.ident));
                quote!(<#ty as ::grad::runtime::Params>::fill_params(#d, #zero);)
            });
            let args = original_inputs
                .iter()
                .filter(|(_, t)| t.is_some())
                .map(|(id, _)| id);
            let call = if is_method(item) {
                quote!(self.#name(#(#args),*))
            } else {
                quote!(#name(#(#args),*))
            };
            quote!(#(#data_checks)* #(#fills)* #call)
        }
        None => quote!(::core::unreachable!(
            "`#[gradient]` reported a compile error for this function"
        )),
        Some(inner) => {
            let mut prelude = Vec::new();
            let mut after = Vec::new();
            let mut call_args = Vec::new();
            let mut leaf_bufs: HashMap<String, TokenStream> = HashMap::new();
            let mut finally = Vec::new();
            // The inner function's active scalars, in order: leaves or the caller's own slots.
            let mut slots: Vec<Option<TokenStream>> = Vec::new();
            // A method's inner function is a method too, whether `self` is the model or data.
            let receiver = is_method(item);
            // Fields the loss never reads are zero; the model's type must be `Params` (said once,
            // at the type).
            for r in roots {
                let (ty, d) = (&r.ty, format_ident!("d_{}", r.ident));
                let span = ty
                    .clone()
                    .into_iter()
                    .next()
                    .map_or(Span::call_site(), |t| t.span());
                let d = crate::naming::respanned(&d, span);
                prelude.push(
                    quote_spanned!(span=> <#ty as ::grad::runtime::Params>::fill_params(#d, #zero);),
                );
            }
            for (id, ty) in inner_inputs.iter().take(n_params) {
                if ty.is_none() {
                    continue;
                }
                if let Some((k, leaf, _)) = leaf_of(id) {
                    let p = &paths[*k];
                    let root = &roots[p.root].ident;
                    let d = format_ident!("d_{}", root);
                    let members = &p.members;
                    let dotted = p.dotted(roots);
                    let span = p.span;
                    let suffix = p.suffix.clone().unwrap_or_default();
                    // A copy in and out, for leaves that are not a field's own storage.
                    let (copy, dcopy) = (
                        crate::naming::hidden(&format!("copy_{id}")),
                        crate::naming::hidden(&format!("dcopy_{id}")),
                    );
                    let shape_msg = format!("{fname}: the gradient `d_{dotted}` does not have the shape of `{dotted}`; make the gradient with `Params::zeros_like`");
                    match (leaf, p.suffix.is_some()) {
                        (Leaf::Number, _) => {
                            call_args.push(quote_spanned!(span=> #root #(.#members)*));
                            slots.push(Some(quote!(#d #(.#members)*)));
                        }
                        (Leaf::Seq, false) => {
                            let msg = format!("{fname}: the gradient `d_{dotted}` has length {{}} but `{dotted}` has length {{}}; make the gradient with `Params::zeros_like`");
                            prelude.push(quote!(::core::assert!(#d #(.#members)*.len() == #root #(.#members)*.len(), #msg, #d #(.#members)*.len(), #root #(.#members)*.len());));
                            call_args.push(quote_spanned!(span=> ::core::convert::AsRef::<[#t]>::as_ref(&#root #(.#members)*)));
                            let (make, buf) = super::grad_buffer(
                                &format!("d{id}"),
                                &quote!(#d #(.#members)*),
                                &quote!(#root #(.#members)*.len()),
                                &t,
                                &zero,
                            );
                            prelude.push(make);
                            leaf_bufs.insert(id.to_string(), quote!(#buf));
                        }
                        (Leaf::Seq, true) => {
                            // One number per element: gathered, and scattered back.
                            prelude.push(quote! {
                                ::core::assert!(#d #(.#members)*.len() == #root #(.#members)*.len(), #shape_msg);
                                let #copy: ::std::vec::Vec<#t> =
                                    #root #(.#members)*.iter().map(|e| e #(.#suffix)*).collect();
                                let mut #dcopy: ::std::vec::Vec<#t> = ::std::vec![#zero; #copy.len()];
                            });
                            after.push(quote! {
                                for (e, v) in #d #(.#members)*.iter_mut().zip(&#dcopy) {
                                    e #(.#suffix)* = *v;
                                }
                            });
                            call_args.push(quote!(&#copy));
                            leaf_bufs.insert(id.to_string(), quote!(&mut #dcopy));
                        }
                        (Leaf::Flat, _) => {
                            // The whole model, for the calls that take it: its flat view in, and
                            // the calls' gradient added to what the fields read here get.
                            // A field's struct (`self.layer`, for its methods) the same way.
                            let (of, dof) = if members.is_empty() {
                                (quote!(#root), quote!(#d))
                            } else {
                                (quote!(&#root #(.#members)*), quote!(&mut #d #(.#members)*))
                            };
                            prelude.push(quote! {
                                let #copy: ::std::vec::Vec<#t> = ::grad::runtime::Params::to_flat(#of);
                                let mut #dcopy: ::std::vec::Vec<#t> = ::std::vec![#zero; #copy.len()];
                            });
                            finally.push(quote! {
                                let mut #copy = ::grad::runtime::Params::to_flat(&*#dof);
                                for (a, b) in #copy.iter_mut().zip(&#dcopy) {
                                    *a = ::core::ops::Add::add(*a, *b);
                                }
                                ::grad::runtime::Params::read_flat(#dof, &#copy);
                            });
                            call_args.push(quote!(&#copy));
                            leaf_bufs.insert(id.to_string(), quote!(&mut #dcopy));
                        }
                        (Leaf::Flats, _) => {
                            // The elements of a sequence of structs, for their methods: each
                            // element's flat view in, and the calls' gradients added back.
                            prelude.push(quote! {
                                ::core::assert!(#d #(.#members)*.len() == #root #(.#members)*.len(), #shape_msg);
                                let #copy: ::std::vec::Vec<::std::vec::Vec<#t>> = #root #(.#members)*
                                    .iter()
                                    .map(|e| ::grad::runtime::Params::to_flat(&(*e) #(.#suffix)*))
                                    .collect();
                                let mut #dcopy: ::std::vec::Vec<::std::vec::Vec<#t>> =
                                    #copy.iter().map(|r| ::std::vec![#zero; r.len()]).collect();
                            });
                            finally.push(quote! {
                                for (e, v) in #d #(.#members)*.iter_mut().zip(&#dcopy) {
                                    let e = &mut (*e) #(.#suffix)*;
                                    let mut c = ::grad::runtime::Params::to_flat(&*e);
                                    for (a, b) in c.iter_mut().zip(v) {
                                        *a = ::core::ops::Add::add(*a, *b);
                                    }
                                    ::grad::runtime::Params::read_flat(e, &c);
                                }
                            });
                            call_args.push(quote!(&#copy));
                            leaf_bufs.insert(id.to_string(), quote!(&mut #dcopy));
                        }
                        (Leaf::ElemRows, _) => {
                            // The rows of every element end to end, and back in that order.
                            let (of_d, of_root) =
                                (quote!(#d #(.#members)*), quote!(#root #(.#members)*));
                            let same = super::elem_rows_same_shape(&of_d, &of_root, &suffix);
                            let gathered = super::elem_rows_gathered(&of_root, &suffix, &t);
                            prelude.push(quote! {
                                ::core::assert!(#same, #shape_msg);
                                let #copy: ::std::vec::Vec<::std::vec::Vec<#t>> = #gathered;
                                let mut #dcopy: ::std::vec::Vec<::std::vec::Vec<#t>> =
                                    #copy.iter().map(|r| ::std::vec![#zero; r.len()]).collect();
                            });
                            after.push(quote! {
                                for (r, v) in #of_d.iter_mut().flat_map(|e| e #(.#suffix)*.iter_mut()).zip(&#dcopy) {
                                    r.copy_from_slice(v);
                                }
                            });
                            call_args.push(quote!(&#copy));
                            leaf_bufs.insert(id.to_string(), quote!(&mut #dcopy));
                        }
                        (Leaf::Rows, _) => {
                            // Rows, or one sequence per element: copied as rows.
                            prelude.push(quote! {
                                ::core::assert!(
                                    #d #(.#members)*.len() == #root #(.#members)*.len()
                                        && #d #(.#members)*.iter().zip(#root #(.#members)*.iter())
                                            .all(|(a, b)| a #(.#suffix)*.len() == b #(.#suffix)*.len()),
                                    #shape_msg
                                );
                                let #copy: ::std::vec::Vec<::std::vec::Vec<#t>> = #root #(.#members)*
                                    .iter()
                                    .map(|e| e #(.#suffix)*.iter().copied().collect())
                                    .collect();
                                let mut #dcopy: ::std::vec::Vec<::std::vec::Vec<#t>> =
                                    #copy.iter().map(|r| ::std::vec![#zero; r.len()]).collect();
                            });
                            after.push(quote! {
                                for (e, v) in #d #(.#members)*.iter_mut().zip(&#dcopy) {
                                    e #(.#suffix)*.copy_from_slice(v);
                                }
                            });
                            call_args.push(quote!(&#copy));
                            leaf_bufs.insert(id.to_string(), quote!(&mut #dcopy));
                        }
                    }
                } else {
                    call_args.push(quote!(#id));
                    if named(id) && ty.as_ref().is_some_and(crate::sig::is_scalar) {
                        slots.push(None);
                    }
                }
            }
            let mut call_bufs = Vec::new();
            for (d, _) in &inner_bufs {
                match leaf_of_buf(d).and_then(|(_, _, l)| leaf_bufs.get(&l.to_string())) {
                    Some(buf) => call_bufs.push(buf.clone()),
                    None => call_bufs.push(quote!(#d)),
                }
            }
            let inner_returns_value_only = matches!(&inner.sig.output, syn::ReturnType::Type(_, ty) if crate::sig::float_of(ty).is_some());
            let result = crate::naming::hidden("inner");
            let (value, grads) = if inner_returns_value_only {
                (quote!(#result), None)
            } else {
                (quote!(#result.0), Some(quote!(#result.1)))
            };
            let mut outer_slots = Vec::new();
            for (k, slot) in slots.iter().enumerate() {
                let g = grads.clone().unwrap_or_default();
                match slot {
                    Some(place) => after.push(quote!(#place = #g[#k];)),
                    None => outer_slots.push(quote!(#g[#k])),
                }
            }
            let call = if receiver {
                quote!(self.#inner_grad_name(#(#call_args,)* #(#call_bufs),*))
            } else {
                quote!(#inner_grad_name(#(#call_args,)* #(#call_bufs),*))
            };
            let ret_expr = if value_only {
                quote!(#value)
            } else {
                quote!((#value, [#(#outer_slots),*]))
            };
            quote! {
                #(#data_checks)*
                #(#prelude)*
                let #result = #call;
                #(#after)*
                #(#finally)*
                #ret_expr
            }
        }
    };
    let errors = errors.combined().map(|e| e.to_compile_error());
    let original = crate::expand::original_item(item);
    let inherited = crate::expand::inherited_attributes(item);
    let vis = &item.vis;
    let name = format_ident!("{}_grad", item.sig.ident);
    let table_name = format_ident!("{}_grad_wrt", item.sig.ident);
    let n = flags.len();
    let wrt: Vec<String> = roots.iter().map(|r| format!("`{}`", r.ident)).collect();
    let doc = format!(
        " Value and gradient of [`{}`] with respect to {}, generated by `#[gradient]`.",
        item.sig.ident,
        wrt.join(", ")
    );
    let must_use = (!value_only).then(|| quote!(#[must_use]));
    let (generics, where_clause) = (&item.sig.generics, &item.sig.generics.where_clause);
    quote! {
        #original
        #inner_expanded
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #table_name: [u8; #n] = [#(#flags),*];
        #errors
        #(#inherited)*
        #[doc = #doc]
        #must_use
        #[allow(unused_variables, clippy::too_many_arguments, clippy::needless_borrow)]
        #vis fn #name #generics (#(#sig_params,)* #(#bufs),*) -> #ret #where_clause {
            #body
        }
    }
}

/// Whether the function is a method (it has a `self`).
pub(super) fn is_method(item: &syn::ItemFn) -> bool {
    item.sig
        .inputs
        .iter()
        .any(|i| matches!(i, syn::FnArg::Receiver(_)))
}
