//! `NAME_hvp` for functions of models: the model's fields and a direction model's matching fields
//! in, the inner function's forward-over-reverse sweep (see `hvp`), the gradient and `H · v`
//! out into two models of the model's own type.
//!
//! Models whose differentiated fields are numbers and sequences read as such, with the model the
//! only differentiated parameter: the form of most losses over a parameter struct. Rows fields,
//! fields of the elements of a `Vec` of structs and whole-model calls are reported.

use super::{typed_inputs, Leaf, Path, Root};
use crate::ir::FloatTy;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// Why a model function cannot have `NAME_hvp` yet, if it cannot.
pub(super) fn unsupported(
    roots: &[Root],
    paths: &[Path],
    leaves: &[(usize, Leaf, Ident)],
) -> Option<String> {
    if roots.len() != 1 {
        return Some("a function of two models".into());
    }
    for (k, leaf, _) in leaves {
        let p = &paths[*k];
        let dotted = p.dotted(roots);
        match (leaf, p.suffix.is_some()) {
            (Leaf::Number | Leaf::Seq | Leaf::Rows, false) | (Leaf::Seq | Leaf::Rows, true) => {}
            (Leaf::Flat | Leaf::Flats, _) => {
                return Some(
                    "a model passed whole to another `#[gradient]` function or method".into(),
                )
            }
            _ => {
                return Some(format!(
                    "a model whose `{dotted}` is read from the elements of a sequence of structs"
                ))
            }
        }
    }
    None
}

/// Input: the model function, its (single) root, field paths and leaves, and the inner
/// function's expansion (with `hvp`). Output: `NAME_hvp(params.., v_m: &Model, d_m: &mut Model,
/// hv_m: &mut Model) -> T`.
#[allow(clippy::too_many_arguments)]
pub(super) fn wrapper(
    item: &syn::ItemFn,
    roots: &[Root],
    paths: &[Path],
    leaves: &[(usize, Leaf, Ident)],
    float: FloatTy,
    inner_name: &Ident,
    inner_expanded: Option<&TokenStream>,
    ok: bool,
) -> TokenStream {
    let t = Ident::new(float.name(), Span::call_site());
    let zero = crate::emit::float_literal(0.0, float);
    let fname = format!("{}_hvp", item.sig.ident);
    let inner_hvp_name = format_ident!("{}_hvp", inner_name);
    let inner_hvp: Option<syn::ItemFn> = inner_expanded.and_then(|ts| {
        let items = syn::parse2::<syn::File>(ts.clone()).ok()?.items;
        items.into_iter().find_map(|i| match i {
            syn::Item::Fn(f) if f.sig.ident == inner_hvp_name => Some(f),
            _ => None,
        })
    });
    let root = &roots[0];
    let (r, rt) = (&root.ident, &root.ty);
    let (v, d, hv) = (
        format_ident!("v_{}", r),
        format_ident!("d_{}", r),
        format_ident!("hv_{}", r),
    );
    let original = typed_inputs(item);
    let mut params = Vec::new();
    for (id, ty) in &original {
        match ty {
            None => params.push(quote!(&self)),
            Some(ty) => params.push(quote!(#id: #ty)),
        }
    }
    let model_ty = rt;
    let leaf_of = |id: &str| leaves.iter().find(|(_, _, l)| *l == id);
    // The function's other differentiated parameters (`wrt(m, x, w)`): their tangents and
    // buffers come after the model's, as the inner function's own; their scalars are returned.
    let inner_inputs: Vec<(Ident, Option<syn::Type>)> =
        inner_hvp.as_ref().map(typed_inputs).unwrap_or_default();
    let own = |prefix: &str| -> Vec<TokenStream> {
        inner_inputs
            .iter()
            .filter(|(id, _)| {
                id.to_string()
                    .strip_prefix(prefix)
                    .is_some_and(|rest| leaf_of(rest).is_none())
            })
            .map(|(id, ty)| quote!(#id: #ty))
            .collect()
    };
    let (other_v, other_d, other_hv) = (own("v_"), own("d_"), own("hv_"));
    let other_scalar = |name: &str| {
        inner_inputs.iter().any(|(id, ty)| {
            *id == format!("v_{name}") && !matches!(ty, Some(syn::Type::Reference(_)))
        })
    };
    let n_other = inner_inputs
        .iter()
        .filter(|(id, _)| leaf_of(&id.to_string()).is_none() && other_scalar(&id.to_string()))
        .count();
    let ret = if n_other == 0 {
        quote!(#t)
    } else {
        quote!((#t, [#t; #n_other], [#t; #n_other]))
    };
    let fname_ident = &item.sig.ident;
    let pass: Vec<TokenStream> = original
        .iter()
        .filter(|(_, ty)| ty.is_some())
        .map(|(id, _)| quote!(#id))
        .collect();
    let plain_call = if super::wrapper::is_method(item) {
        quote!(self.#fname_ident(#(#pass),*))
    } else {
        quote!(#fname_ident(#(#pass),*))
    };
    let body = match &inner_hvp {
        // Nothing the loss reads is differentiated: the value, a zero gradient and product.
        None if ok && inner_expanded.is_none() => quote! {
            ::grad::runtime::Params::fill_params(#d, #zero);
            ::grad::runtime::Params::fill_params(#hv, #zero);
            #plain_call
        },
        None => quote!(::core::unreachable!(
            "`#[gradient]` reported a compile error for this function"
        )),
        Some(inner) => {
            let mut prelude = vec![quote! {
                ::grad::runtime::Params::fill_params(#d, #zero);
                ::grad::runtime::Params::fill_params(#hv, #zero);
            }];
            let mut args = Vec::new();
            let mut after = Vec::new();
            // The inner function's scalar slots, in order: where their gradient and `H · v` go.
            let mut scalar_slots = Vec::new();
            for (id, _) in typed_inputs(inner) {
                let name = id.to_string();
                if name == "self" {
                    continue;
                }
                let (kind, leaf_name) = if let Some(l) = name.strip_prefix("hv_") {
                    ("hv", l)
                } else if let Some(l) = name.strip_prefix("d_") {
                    ("d", l)
                } else if let Some(l) = name.strip_prefix("v_") {
                    ("v", l)
                } else {
                    ("value", name.as_str())
                };
                let Some((k, leaf, _)) = leaf_of(leaf_name) else {
                    // A parameter of the function's own, passed on as it is; a differentiated
                    // scalar's gradient and product are returned.
                    if kind == "value" && other_scalar(&name) {
                        scalar_slots.push(None);
                    }
                    args.push(quote!(#id));
                    continue;
                };
                let p = &paths[*k];
                let members = &p.members;
                let dotted = p.dotted(roots);
                let from = |m: &Ident| quote!(#m #(.#members)*);
                match (kind, leaf) {
                    // Rows, and a field of every element of a sequence of structs (a number or
                    // a sequence each: `m.layers[_].b`, `m.layers[_].w`), copied as the
                    // gradient's wrapper copies them: the field, the direction of its shape, the
                    // buffers written back.
                    (_, Leaf::Rows) | (_, Leaf::Seq)
                        if p.suffix.is_some() || matches!(leaf, Leaf::Rows) =>
                    {
                        let m = match kind {
                            "v" => &v,
                            "d" => &d,
                            "hv" => &hv,
                            _ => r,
                        };
                        let (f, own) = (from(m), from(r));
                        let suffix = p.suffix.clone().unwrap_or_default();
                        let rows = matches!(leaf, Leaf::Rows);
                        let copy = crate::naming::hidden(&format!("rows_{kind}{name}"));
                        if kind != "value" {
                            let msg = format!("{fname}: `{m}.{}` does not have the shape of `{dotted}`; make it with `Params::zeros_like`", dotted.split_once('.').map_or(dotted.as_str(), |(_, rest)| rest));
                            let rows_too = rows.then(|| {
                                quote!(&& #f.iter().zip(#own.iter()).all(|(a, b)| a #(.#suffix)*.len() == b #(.#suffix)*.len()))
                            });
                            prelude.push(quote! {
                                ::core::assert!(#f.len() == #own.len() #rows_too, #msg);
                            });
                        }
                        match (kind, rows) {
                            ("value" | "v", true) => {
                                prelude.push(quote! {
                                    let #copy: ::std::vec::Vec<::std::vec::Vec<#t>> =
                                        #f.iter().map(|e| e #(.#suffix)*.iter().copied().collect()).collect();
                                });
                                args.push(quote!(&#copy));
                            }
                            ("value" | "v", false) => {
                                prelude.push(quote! {
                                    let #copy: ::std::vec::Vec<#t> = #f.iter().map(|e| e #(.#suffix)*).collect();
                                });
                                args.push(quote!(&#copy));
                            }
                            (_, true) => {
                                prelude.push(quote! {
                                    let mut #copy: ::std::vec::Vec<::std::vec::Vec<#t>> =
                                        #own.iter().map(|e| ::std::vec![#zero; e #(.#suffix)*.len()]).collect();
                                });
                                after.push(quote! {
                                    for (e, c) in #f.iter_mut().zip(&#copy) {
                                        e #(.#suffix)*.copy_from_slice(c);
                                    }
                                });
                                args.push(quote!(&mut #copy));
                            }
                            (_, false) => {
                                prelude.push(quote! {
                                    let mut #copy: ::std::vec::Vec<#t> = ::std::vec![#zero; #own.len()];
                                });
                                after.push(quote! {
                                    for (e, c) in #f.iter_mut().zip(&#copy) {
                                        e #(.#suffix)* = *c;
                                    }
                                });
                                args.push(quote!(&mut #copy));
                            }
                        }
                    }
                    ("value", Leaf::Number) => {
                        args.push(from(r));
                        scalar_slots.push(Some(members.clone()));
                    }
                    ("value", _) => args.push({
                        let f = from(r);
                        quote!(::core::convert::AsRef::<[#t]>::as_ref(&#f))
                    }),
                    ("v", Leaf::Number) => args.push(from(&v)),
                    (_, _) => {
                        let m = match kind {
                            "v" => &v,
                            "d" => &d,
                            _ => &hv,
                        };
                        let (f, own) = (from(m), from(r));
                        let msg = format!("{fname}: `{m}.{}` does not have the shape of `{dotted}`; make it with `Params::zeros_like`", dotted.split_once('.').map_or(dotted.as_str(), |(_, rest)| rest));
                        prelude.push(quote!(::core::assert!(#f.len() == #own.len(), #msg);));
                        if kind == "v" {
                            // A reference field is data: no direction along it.
                            let scratch = crate::naming::hidden(&format!("scratch_v{name}"));
                            prelude.push(quote! {
                                let #scratch: ::std::vec::Vec<#t> = match ::grad::runtime::__private::GradBuffer::tangent(&#f) {
                                    ::core::option::Option::Some(_) => ::std::vec::Vec::new(),
                                    ::core::option::Option::None => ::std::vec![#zero; #own.len()],
                                };
                            });
                            args.push(quote!(::grad::runtime::__private::GradBuffer::tangent(&#f).unwrap_or(&#scratch)));
                        } else {
                            let (make, buf) = super::grad_buffer(
                                &format!("{kind}{name}"),
                                &f,
                                &quote!(#own.len()),
                                &t,
                                &zero,
                            );
                            prelude.push(make);
                            args.push(quote!(#buf));
                        }
                    }
                }
            }
            let result = crate::naming::hidden("result");
            let call = if super::wrapper::is_method(item) {
                quote!(self.#inner_hvp_name(#(#args),*))
            } else {
                quote!(#inner_hvp_name(#(#args),*))
            };
            let k = scalar_slots.len();
            let (value, scatter) = if k == 0 {
                (quote!(#result), TokenStream::new())
            } else {
                let writes = scalar_slots.iter().enumerate().filter_map(|(i, members)| {
                    let members = members.as_ref()?;
                    Some(quote! {
                        #d #(.#members)* = #result.1[#i];
                        #hv #(.#members)* = #result.2[#i];
                    })
                });
                let others: Vec<usize> = (0..k).filter(|&i| scalar_slots[i].is_none()).collect();
                let value = if others.is_empty() {
                    quote!(#result.0)
                } else {
                    quote!((#result.0, [#(#result.1[#others]),*], [#(#result.2[#others]),*]))
                };
                (value, quote!(#(#writes)*))
            };
            quote! {
                #(#prelude)*
                let #result = #call;
                #(#after)*
                #scatter
                #value
            }
        }
    };
    let vis = &item.vis;
    let name = format_ident!("{}_hvp", item.sig.ident);
    let inherited = crate::expand::inherited_attributes(item);
    let doc = format!(
        " Value of [`{}`], its gradient (into `{d}`) and the Hessian–vector product `H · {v}` (into `{hv}`), the direction, gradient and product models of the model's own type; one forward-over-reverse sweep, generated by `#[gradient(hvp)]`.",
        item.sig.ident
    );
    let (generics, where_clause) = (&item.sig.generics, &item.sig.generics.where_clause);
    // `NAME_hessian`: one `NAME_hvp` per entry, the model's flat view first and then the other
    // differentiated parameters' entries.
    let others: Vec<(Ident, bool)> = inner_inputs
        .iter()
        .filter_map(|(id, _)| {
            let name = id.to_string().strip_prefix("v_")?.to_string();
            leaf_of(&name)
                .is_none()
                .then(|| (format_ident!("{}", name), other_scalar(&name)))
        })
        .collect();
    let hessian_fn = beside_hessian(&HessianBeside {
        item,
        root,
        model_ty,
        float,
        params: &params,
        pass: &pass,
        others: &others,
        original: &original,
        other_d: &other_d,
        hvp: &name,
    });
    quote! {
        #(#inherited)*
        #[doc = #doc]
        #[must_use]
        #[allow(unused_variables, clippy::too_many_arguments, clippy::needless_borrow)]
        #vis fn #name #generics (#(#params,)* #v: &#model_ty, #(#other_v,)* #d: &mut #model_ty, #(#other_d,)* #hv: &mut #model_ty #(, #other_hv)*) -> #ret #where_clause {
            #body
        }

        #hessian_fn
    }
}

/// What [`beside_hessian`] reads of the model function and its `NAME_hvp`.
struct HessianBeside<'a> {
    item: &'a syn::ItemFn,
    root: &'a Root,
    model_ty: &'a TokenStream,
    float: FloatTy,
    params: &'a [TokenStream],
    pass: &'a [TokenStream],
    /// The other differentiated parameters in the inner order, and whether each is a scalar.
    others: &'a [(Ident, bool)],
    original: &'a [(Ident, Option<syn::Type>)],
    other_d: &'a [TokenStream],
    hvp: &'a Ident,
}

/// `NAME_hessian(<params>, d_m, <other gradient buffers>, hess) -> T` (or `(T, [T; K])` with `K`
/// other scalars, as `NAME_grad`) for a model alone or beside other scalars and slices: the
/// model's flat view first, then each other parameter's entries in order; one `NAME_hvp` per
/// entry. `None` (no such function) when another parameter is neither a scalar nor a slice.
fn beside_hessian(h: &HessianBeside) -> Option<TokenStream> {
    let t = Ident::new(h.float.name(), Span::call_site());
    let zero = crate::emit::float_literal(0.0, h.float);
    let one = crate::emit::float_literal(1.0, h.float);
    let (r, model_ty) = (&h.root.ident, h.model_ty);
    let d = format_ident!("d_{}", r);
    let [model, nm, n, at, basis, unit, column, flat, value, grads, result, i, j, k] = [
        "model", "nm", "n", "at", "basis", "unit", "column", "flat", "value", "grads", "result",
        "i", "j", "k",
    ]
    .map(crate::naming::hidden);
    let mut offsets = Vec::new();
    let mut set_v = Vec::new();
    let mut v_args = Vec::new();
    let mut hv_args = Vec::new();
    let mut scratch = Vec::new();
    let mut columns = Vec::new();
    let mut slot = 0usize;
    for (name, scalar) in h.others {
        let ty = h.original.iter().find(|(id, _)| id == name)?.1.as_ref()?;
        let off = crate::naming::hidden(&format!("off_{name}"));
        if *scalar {
            offsets.push(quote!(let #off = #at; #at += 1;));
            v_args.push(quote!(#basis[#off]));
            let s = slot;
            slot += 1;
            columns.push(quote!(hess[#off * #n + #j] = #result.2[#s];));
        } else {
            crate::sig::seq_of(ty)?;
            let (vb, hb) = (
                crate::naming::hidden(&format!("v_{name}")),
                crate::naming::hidden(&format!("hv_{name}")),
            );
            offsets.push(quote!(let #off = #at; #at += #name.len();));
            scratch.push(quote! {
                let mut #vb = ::std::vec![#zero; #name.len()];
                let mut #hb = ::std::vec![#zero; #name.len()];
            });
            set_v.push(quote!(#vb.copy_from_slice(&#basis[#off..#off + #name.len()]);));
            v_args.push(quote!(&#vb));
            hv_args.push(quote!(&mut #hb));
            columns.push(quote! {
                for (#k, #i) in #hb.iter().enumerate() {
                    hess[(#off + #k) * #n + #j] = *#i;
                }
            });
        }
    }
    let k_scalars = slot;
    let other_d_names: Vec<&TokenStream> = h.other_d.iter().collect();
    let d_names = h
        .others
        .iter()
        .filter(|(_, s)| !s)
        .map(|(name, _)| format_ident!("d_{}", name));
    let (pass, hvp) = (h.pass, h.hvp);
    let call = if super::wrapper::is_method(h.item) {
        quote!(self.#hvp(#(#pass,)* &#unit, #(#v_args,)* #d, #(#d_names,)* &mut #column #(, #hv_args)*))
    } else {
        quote!(#hvp(#(#pass,)* &#unit, #(#v_args,)* #d, #(#d_names,)* &mut #column #(, #hv_args)*))
    };
    let (ret, keep, out) = if k_scalars == 0 {
        (quote!(#t), quote!(#value = #result;), quote!(#value))
    } else {
        (
            quote!((#t, [#t; #k_scalars])),
            quote!(#value = #result.0; #grads = #result.1;),
            quote!((#value, #grads)),
        )
    };
    let hessian = format_ident!("{}_hessian", h.item.sig.ident);
    let (msg, doc) = if h.others.is_empty() {
        (
            format!("{hessian}: `hess` has {{}} elements but the model has {{}} parameters, which make {{}}"),
            format!(
                " Value, gradient (into `{d}`) and Hessian of [`{}`] with respect to the model's parameters, generated by `#[gradient(hvp)]`: `hess` is row-major `n × n` over the model's flat view (`Params::to_flat`, `n = Params::num_params`), one `{hvp}` sweep per entry.\n\n # Panics\n\n When `hess` does not have `n × n` elements or `{d}` does not have the model's shape.",
                h.item.sig.ident
            ),
        )
    } else {
        (
            format!("{hessian}: `hess` has {{}} elements but the model and the other differentiated parameters have {{}} entries, which make {{}}"),
            format!(
                " Value, gradient (into `{d}` and the other parameters' buffers; the scalars' returned) and Hessian of [`{}`], generated by `#[gradient(hvp)]`: `hess` is row-major `n × n` over the model's flat view (`Params::to_flat`) and then each other differentiated parameter's entries in order, one `{hvp}` sweep per entry.\n\n # Panics\n\n When `hess` does not have `n × n` elements or a buffer does not have its parameter's shape.",
                h.item.sig.ident
            ),
        )
    };
    let (vis, generics, where_clause) = (
        &h.item.vis,
        &h.item.sig.generics,
        &h.item.sig.generics.where_clause,
    );
    let inherited = crate::expand::inherited_attributes(h.item);
    let params = h.params;
    Some(quote! {
        #(#inherited)*
        #[doc = #doc]
        #[allow(unused_variables, unused_mut, clippy::too_many_arguments, clippy::needless_borrow)]
        #vis fn #hessian #generics (#(#params,)* #d: &mut #model_ty, #(#other_d_names,)* hess: &mut [#t]) -> #ret #where_clause {
            let #model: &#model_ty = #r;
            let #nm = ::grad::runtime::Params::num_params(#model);
            let mut #at = #nm;
            #(#offsets)*
            let #n = #at;
            ::core::assert!(hess.len() == #n * #n, #msg, hess.len(), #n, #n * #n);
            let mut #basis = ::std::vec![#zero; #n];
            let mut #unit = ::grad::runtime::Params::zeros_like(#model);
            let mut #column = ::grad::runtime::Params::zeros_like(#model);
            let mut #flat = ::std::vec![#zero; #nm];
            #(#scratch)*
            let mut #value = #zero;
            let mut #grads = [#zero; #k_scalars];
            // (One sweep along no direction when there is no entry: the value and gradient.)
            for #j in 0..#n.max(1) {
                if #j < #n {
                    #basis[#j] = #one;
                }
                ::grad::runtime::Params::read_flat(&mut #unit, &#basis[..#nm]);
                #(#set_v)*
                let #result = #call;
                if #j < #n {
                    #basis[#j] = #zero;
                }
                #keep
                if #j < #n {
                    ::grad::runtime::Params::write_flat(&#column, &mut #flat);
                    for (#i, #k) in #flat.iter().enumerate() {
                        hess[#i * #n + #j] = *#k;
                    }
                    #(#columns)*
                }
            }
            #out
        }
    })
}
