//! What to emit when the function cannot be differentiated: the user's function unchanged, the
//! errors, and a `NAME_grad` (and `NAME_jvp` when asked for) with the right signature whose body is `unreachable!()`, so that the
//! build shows the real errors and not a cascade of "cannot find function `NAME_grad`".

use crate::sig::Sig;
use proc_macro2::TokenStream;
use quote::quote;

pub fn emit(item: &syn::ItemFn, sig: &Sig, jvp: bool, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    let signature = crate::expand::grad_signature(item, sig);
    let inherited = crate::expand::inherited_attributes(item);
    let table = crate::expand::wrt_table(item, sig);
    let jvp = (jvp && crate::jvp::can_declare(sig)).then(|| {
        let signature = crate::jvp::signature(item, sig);
        quote! {
            #(#inherited)*
            #[allow(unused_variables, clippy::too_many_arguments)]
            #signature {
                ::core::unreachable!("`#[gradient]` reported a compile error for this function")
            }
        }
    });
    let item = crate::expand::original_item(item);
    quote! {
        #item
        #table
        #errors
        #(#inherited)*
        #[allow(unused_variables, clippy::too_many_arguments)]
        #signature {
            ::core::unreachable!("`#[gradient]` reported a compile error for this function")
        }
        #jvp
    }
}
