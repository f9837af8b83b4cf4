//! `NAME_jvp` for functions of models: the model's fields and a tangent model's matching fields
//! in, the inner function's forward mode (see `forward`) called with both.

use super::{typed_inputs, Leaf, Path, Root};
use crate::ir::FloatTy;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// The value of a leaf read from the model `root` (or the tangent model), as the inner function
/// takes it, with the statements that prepare it.
fn leaf_arg(
    root: &Ident,
    p: &Path,
    leaf: Leaf,
    t: &Ident,
    tag: &str,
    id: &Ident,
    zero: &TokenStream,
) -> (TokenStream, TokenStream) {
    let members = &p.members;
    let suffix = p.suffix.clone().unwrap_or_default();
    let copy = crate::naming::hidden(&format!("{tag}_{id}"));
    match (leaf, p.suffix.is_some()) {
        (Leaf::Number, _) => (TokenStream::new(), quote!(#root #(.#members)*)),
        // A reference field is data: no direction along it.
        (Leaf::Seq, false) if tag == "tangent" => (
            quote! {
                let #copy: ::std::vec::Vec<#t> = match ::grad::runtime::__private::GradBuffer::tangent(&#root #(.#members)*) {
                    ::core::option::Option::Some(_) => ::std::vec::Vec::new(),
                    ::core::option::Option::None => ::std::vec![#zero; #root #(.#members)*.len()],
                };
            },
            quote!(::grad::runtime::__private::GradBuffer::tangent(&#root #(.#members)*).unwrap_or(&#copy)),
        ),
        (Leaf::Seq, false) => (
            TokenStream::new(),
            quote!(::core::convert::AsRef::<[#t]>::as_ref(&#root #(.#members)*)),
        ),
        (Leaf::Seq, true) => (
            quote! {
                let #copy: ::std::vec::Vec<#t> =
                    #root #(.#members)*.iter().map(|e| e #(.#suffix)*).collect();
            },
            quote!(&#copy),
        ),
        (Leaf::Flat, _) => (
            if members.is_empty() {
                quote!(let #copy: ::std::vec::Vec<#t> = ::grad::runtime::Params::to_flat(#root);)
            } else {
                quote!(let #copy: ::std::vec::Vec<#t> = ::grad::runtime::Params::to_flat(&#root #(.#members)*);)
            },
            quote!(&#copy),
        ),
        (Leaf::Flats, _) => (
            quote! {
                let #copy: ::std::vec::Vec<::std::vec::Vec<#t>> = #root #(.#members)*
                    .iter()
                    .map(|e| ::grad::runtime::Params::to_flat(&(*e) #(.#suffix)*))
                    .collect();
            },
            quote!(&#copy),
        ),
        (Leaf::ElemRows, _) => {
            let gathered = super::elem_rows_gathered(&quote!(#root #(.#members)*), &suffix, t);
            (
                quote!(let #copy: ::std::vec::Vec<::std::vec::Vec<#t>> = #gathered;),
                quote!(&#copy),
            )
        }
        (Leaf::Rows, _) => (
            quote! {
                let #copy: ::std::vec::Vec<::std::vec::Vec<#t>> = #root #(.#members)*
                    .iter()
                    .map(|e| e #(.#suffix)*.iter().copied().collect())
                    .collect();
            },
            quote!(&#copy),
        ),
    }
}

/// Input: the model function, its roots, field paths and leaves, and the inner function's
/// expansion (with `jvp`). Output: `NAME_jvp(params.., v_m: &Model, v_x: T, ..) -> (T, T)`.
#[allow(clippy::too_many_arguments)]
pub(super) fn wrapper(
    item: &syn::ItemFn,
    named: &dyn Fn(&Ident) -> bool,
    roots: &[Root],
    paths: &[Path],
    leaves: &[(usize, Leaf, Ident)],
    float: FloatTy,
    inner_name: &Ident,
    inner_expanded: Option<&TokenStream>,
) -> TokenStream {
    let t = Ident::new(float.name(), Span::call_site());
    let zero = crate::emit::float_literal(0.0, float);
    let fname = format!("{}_jvp", item.sig.ident);
    let inner_jvp_name = format_ident!("{}_jvp", inner_name);
    let inner_jvp: Option<syn::ItemFn> = inner_expanded.and_then(|ts| {
        let items = syn::parse2::<syn::File>(ts.clone()).ok()?.items;
        items.into_iter().find_map(|i| match i {
            syn::Item::Fn(f) if f.sig.ident == inner_jvp_name => Some(f),
            _ => None,
        })
    });
    let original = typed_inputs(item);
    let root_of = |id: &Ident| roots.iter().position(|r| r.ident == *id);
    let receiver = super::wrapper::is_method(item);
    let mut params = Vec::new();
    let mut tangents = Vec::new();
    for (id, ty) in &original {
        match ty {
            None => params.push(quote!(&self)),
            Some(ty) => params.push(quote!(#id: #ty)),
        }
        let v = format_ident!("v_{}", id);
        if let Some(r) = root_of(id) {
            let rt = &roots[r].ty;
            tangents.push(quote!(#v: &#rt));
        } else if named(id) {
            // The inner forward mode's own tangent, when it has one (`&[T; N]` for an array).
            let inner_ty = inner_jvp.as_ref().and_then(|f| {
                typed_inputs(f)
                    .into_iter()
                    .find(|(n, _)| *n == v)
                    .and_then(|(_, ty)| ty)
            });
            match (inner_ty, ty) {
                (Some(it), _) => tangents.push(quote!(#v: #it)),
                (None, Some(ty)) if crate::sig::is_scalar(ty) => tangents.push(quote!(#v: #t)),
                (None, Some(ty)) if is_float_seq(ty) => tangents.push(quote!(#v: &[#t])),
                _ => {}
            }
        }
    }
    let body = match &inner_jvp {
        None if inner_expanded.is_none() => {
            // Nothing the loss reads is differentiated: the value, and a zero derivative.
            let name = &item.sig.ident;
            let args = original
                .iter()
                .filter(|(_, t)| t.is_some())
                .map(|(id, _)| id);
            let call = if receiver {
                quote!(self.#name(#(#args),*))
            } else {
                quote!(#name(#(#args),*))
            };
            quote!((#call, #zero))
        }
        None => quote!(::core::unreachable!(
            "`#[gradient]` reported a compile error for this function"
        )),
        Some(inner) => {
            let inner_inputs = typed_inputs(inner);
            let n_params = item.sig.inputs.len() + leaves.len();
            let leaf_of = |id: &Ident| leaves.iter().find(|(_, _, l)| l == id);
            let mut prelude = Vec::new();
            let mut call_args = Vec::new();
            for (id, ty) in inner_inputs.iter().take(n_params) {
                if ty.is_none() {
                    continue;
                }
                match leaf_of(id) {
                    Some((k, leaf, _)) => {
                        let root = &roots[paths[*k].root].ident;
                        let (pre, arg) = leaf_arg(root, &paths[*k], *leaf, &t, "value", id, &zero);
                        prelude.push(pre);
                        call_args.push(arg);
                    }
                    None => call_args.push(quote!(#id)),
                }
            }
            let mut tangent_args = Vec::new();
            for (v, _) in inner_inputs.iter().skip(n_params) {
                let id = v.to_string();
                let id = id.strip_prefix("v_").unwrap_or(&id);
                match leaves.iter().find(|(_, _, l)| *l == id) {
                    Some((k, leaf, l)) => {
                        let p = &paths[*k];
                        let vr = format_ident!("v_{}", roots[p.root].ident);
                        let (pre, arg) = leaf_arg(&vr, p, *leaf, &t, "tangent", l, &zero);
                        prelude.push(pre);
                        // The tangent model must have the model's shape where the loss reads it.
                        let root = &roots[p.root].ident;
                        let dotted = p.dotted(roots);
                        let members = &p.members;
                        if matches!(leaf, Leaf::Seq | Leaf::Rows | Leaf::Flats | Leaf::ElemRows) {
                            let msg = format!("{fname}: the tangent `v_{dotted}` does not have the shape of `{dotted}`; make it with `Params::zeros_like` and fill it");
                            // (Rows of the elements: each element's rows, each row's length.)
                            let (of_v, of_root) =
                                (quote!(#vr #(.#members)*), quote!(#root #(.#members)*));
                            let same = if *leaf == Leaf::ElemRows {
                                let suffix = p.suffix.clone().unwrap_or_default();
                                super::elem_rows_same_shape(&of_v, &of_root, &suffix)
                            } else {
                                quote!(#of_v.len() == #of_root.len())
                            };
                            prelude.push(quote!(::core::assert!(#same, #msg);));
                        }
                        tangent_args.push(arg);
                    }
                    None => tangent_args.push(quote!(#v)),
                }
            }
            let call = if receiver {
                quote!(self.#inner_jvp_name(#(#call_args,)* #(#tangent_args),*))
            } else {
                quote!(#inner_jvp_name(#(#call_args,)* #(#tangent_args),*))
            };
            quote! {
                #(#prelude)*
                #call
            }
        }
    };
    let vis = &item.vis;
    let name = format_ident!("{}_jvp", item.sig.ident);
    let inherited = crate::expand::inherited_attributes(item);
    let wrt: Vec<String> = original
        .iter()
        .filter(|(id, _)| root_of(id).is_some() || named(id))
        .map(|(id, _)| format!("`v_{id}`"))
        .collect();
    let doc = format!(
        " Value of [`{}`] and its directional derivative along {} (a tangent model has the model's type and shape), generated by `#[gradient(jvp)]`.",
        item.sig.ident,
        wrt.join(", ")
    );
    let (generics, where_clause) = (&item.sig.generics, &item.sig.generics.where_clause);
    quote! {
        #(#inherited)*
        #[doc = #doc]
        #[must_use]
        #[allow(unused_variables, clippy::too_many_arguments, clippy::needless_borrow)]
        #vis fn #name #generics (#(#params,)* #(#tangents),*) -> (#t, #t) #where_clause {
            #body
        }
    }
}

/// `&[T]`, `&Vec<T>`, `[T; N]` or `&[T; N]` of a float `T`.
fn is_float_seq(ty: &syn::Type) -> bool {
    let inner = match ty {
        syn::Type::Reference(r) => &*r.elem,
        t => t,
    };
    match inner {
        syn::Type::Slice(s) => crate::sig::float_of(&s.elem).is_some(),
        syn::Type::Array(a) => crate::sig::float_of(&a.elem).is_some(),
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| {
            s.ident == "Vec"
                && matches!(&s.arguments, syn::PathArguments::AngleBracketed(a)
                    if matches!(a.args.first(), Some(syn::GenericArgument::Type(t)) if crate::sig::float_of(t).is_some()))
        }),
        _ => false,
    }
}
