//! What to emit when the function cannot be differentiated: the user's function unchanged, the
//! errors, and a `NAME_grad` (and `NAME_jvp`, `NAME_hvp`, `NAME_hessian` when asked for) with the right signature whose body is `unreachable!()`, so that the
//! build shows the real errors and not a cascade of "cannot find function `NAME_grad`".

use crate::sig::Sig;
use proc_macro2::TokenStream;
use quote::quote;

pub fn emit(
    item: &syn::ItemFn,
    sig: &Sig,
    args: &crate::attr::Args,
    error: syn::Error,
) -> TokenStream {
    let jvp = args.jvp.is_some();
    let errors = error.to_compile_error();
    let signature = grad_stub(item, sig);
    let inherited = crate::expand::inherited_attributes(item);
    let table = crate::expand::wrt_table(item, sig);
    let jvp = (jvp && crate::jvp::can_declare(sig)).then(|| {
        let signature = distinct_params(crate::jvp::signature(item, sig));
        quote! {
            #(#inherited)*
            #[allow(unused_variables, clippy::too_many_arguments)]
            #signature {
                ::core::unreachable!("`#[gradient]` reported a compile error for this function")
            }
        }
    });
    let second = args.hvp.is_some().then(|| second_order_stubs(item, sig));
    let all = crate::expand::all_grad_signature(item, sig).map(|all| {
        let all = distinct_params(all);
        quote! {
            #(#inherited)*
            #[allow(unused_variables, clippy::too_many_arguments)]
            #all {
                ::core::unreachable!("`#[gradient]` reported a compile error for this function")
            }
        }
    });
    let dyn_grad = crate::expand::dyn_grad_head(item, sig).map(|(head, _)| {
        let head = distinct_params(head);
        quote! {
            #(#inherited)*
            #[allow(unused_variables, clippy::too_many_arguments)]
            #head {
                ::core::unreachable!("`#[gradient]` reported a compile error for this function")
            }
        }
    });
    let rewritten = item.attrs.iter().any(crate::expand::is_rewritten_marker);
    let mut item = crate::expand::original_item(item);
    if rewritten {
        *item.block = syn::parse_quote!({
            ::core::unreachable!("`#[gradient]` reported a compile error for this function")
        });
    }
    quote! {
        #item
        #table
        #errors
        #signature
        #jvp
        #second
        #all
        #dyn_grad
    }
}

/// `NAME_grad` with its signature and an `unreachable!()` body, beside an error.
pub fn grad_stub(item: &syn::ItemFn, sig: &Sig) -> TokenStream {
    let signature = distinct_params(crate::expand::grad_signature(item, sig));
    let inherited = crate::expand::inherited_attributes(item);
    quote! {
        #(#inherited)*
        #[allow(unused_variables, clippy::too_many_arguments)]
        #signature {
            ::core::unreachable!("`#[gradient]` reported a compile error for this function")
        }
    }
}

/// `NAME_hvp`, `NAME_hessian` and `NAME_hessian_diag` whose bodies are `unreachable!()`, beside an error.
pub fn second_order_stubs(item: &syn::ItemFn, sig: &Sig) -> TokenStream {
    if !crate::jvp::can_declare(sig) {
        return TokenStream::new();
    }
    let inherited = crate::expand::inherited_attributes(item);
    let hvp = distinct_params(crate::hvp::signature(item, sig));
    let hessian = distinct_params(crate::hvp::hessian_signature(item, sig, false));
    let diag = distinct_params(crate::hvp::hessian_signature(item, sig, true));
    let diag = quote! {
        #(#inherited)*
        #[allow(unused_variables, clippy::too_many_arguments)]
        #diag {
            ::core::unreachable!("`#[gradient]` reported a compile error for this function")
        }
    };
    let hessian = quote! {
        #(#inherited)*
        #[allow(unused_variables, clippy::too_many_arguments)]
        #hessian {
            ::core::unreachable!("`#[gradient]` reported a compile error for this function")
        }
    };
    quote! {
        #diag
        #(#inherited)*
        #[allow(unused_variables, clippy::too_many_arguments)]
        #hvp {
            ::core::unreachable!("`#[gradient]` reported a compile error for this function")
        }
        #hessian
    }
}

/// A stub's signature (`#[doc] pub fn f(..) -> T`, no body) with a parameter named like an
/// earlier one written `_`: where the user's parameter takes a generated buffer's name (`d_x`
/// beside `x`, the error reported), the stub compiles without a second error.
fn distinct_params(head: TokenStream) -> TokenStream {
    let Ok(mut f) = syn::parse2::<syn::ItemFn>(quote!(#head {})) else {
        return head;
    };
    let mut seen = std::collections::HashSet::new();
    for a in &mut f.sig.inputs {
        if let syn::FnArg::Typed(pt) = a {
            if let syn::Pat::Ident(p) = &*pt.pat {
                if !seen.insert(p.ident.to_string()) {
                    *pt.pat = syn::parse_quote!(_);
                }
            }
        }
    }
    let (attrs, vis, sig) = (&f.attrs, &f.vis, &f.sig);
    quote!(#(#attrs)* #vis #sig)
}
