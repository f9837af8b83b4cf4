//! `#[derive(Params)]`: a struct's trainable fields, visited in declaration order, as one tree of
//! floats (the `grad::runtime::Params` trait). Each field's own `Params` impl does the work, so
//! floats, sequences, arrays and nested models compose without this file knowing their shapes.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

/// Field types that are data, never parameters, without needing `#[params(skip)]`.
pub const DATA_TYPES: &[&str] = &[
    "usize",
    "isize",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "bool",
    "char",
    "String",
    "PhantomData",
];

struct Field {
    member: syn::Member,
    ty: syn::Type,
}

/// A tuple inside a field's type (`(f64, f64)`, `Vec<(f64, f64)>`).
fn float_tuple(ty: &syn::Type) -> Option<&syn::TypeTuple> {
    struct Find<'a>(Option<&'a syn::TypeTuple>);
    impl<'a> syn::visit::Visit<'a> for Find<'a> {
        fn visit_type_tuple(&mut self, t: &'a syn::TypeTuple) {
            if self.0.is_none() && !t.elems.is_empty() {
                self.0 = Some(t);
            }
        }
    }
    let mut f = Find(None);
    syn::visit::Visit::visit_type(&mut f, ty);
    f.0
}

pub fn expand(input: TokenStream) -> TokenStream {
    match derive(input) {
        Ok(t) => t,
        Err(e) => e.to_compile_error(),
    }
}

fn derive(input: TokenStream) -> syn::Result<TokenStream> {
    let input: syn::DeriveInput = syn::parse2(input)?;
    let syn::Data::Struct(strukt) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "`#[derive(Params)]` applies to structs whose fields are floats, float sequences and nested models; an enum or union has no fixed set of parameters",
        ));
    };
    let mut errors: Option<syn::Error> = None;
    let mut fields = Vec::new();
    // Fields that are data: copied into a gradient as they are.
    let mut data: Vec<syn::Member> = Vec::new();
    // Their types, for the `Clone` bounds of a generic struct's data (`#[params(skip)] t: T`).
    let mut data_types: Vec<syn::Type> = Vec::new();
    for (k, f) in strukt.fields.iter().enumerate() {
        let mut skip = false;
        for a in f.attrs.iter().filter(|a| a.path().is_ident("params")) {
            let r = a.parse_nested_meta(|m| {
                if m.path.is_ident("skip") {
                    skip = true;
                    Ok(())
                } else {
                    Err(m.error(
                        "`#[params(..)]` takes `skip` (a field that is data, not a parameter)",
                    ))
                }
            });
            if let Err(e) = r {
                match &mut errors {
                    Some(all) => all.combine(e),
                    None => errors = Some(e),
                }
            }
        }
        let member = match &f.ident {
            Some(id) => syn::Member::Named(id.clone()),
            None => syn::Member::Unnamed(syn::Index::from(k)),
        };
        if skip || is_data_type(&f.ty) {
            data.push(member);
            data_types.push(f.ty.clone());
            continue;
        }
        // Pairs are trees of numbers to the runtime (`Params for (A, B)`, for rows of pairs),
        // but `#[gradient]` does not follow a model's tuple fields: said here, at the type,
        // rather than in its expansion.
        if let Some(t) = float_tuple(&f.ty) {
            let e = syn::Error::new_spanned(
                t,
                "a tuple of floats as a model's field is not followed by `#[gradient]` yet: write it as an array (`[f64; 2]`, `Vec<[f64; 2]>`), or mark the field `#[params(skip)]` if it is data",
            );
            match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            }
            continue;
        }
        fields.push(Field {
            member,
            ty: f.ty.clone(),
        });
    }
    if let Some(e) = errors {
        return Err(e);
    }
    let Some(first) = fields.first() else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "`#[derive(Params)]` found no trainable field: give the struct a float, float sequence or nested model field (integer, `bool` and `#[params(skip)]` fields are data)",
        ));
    };
    let krate = quote!(::grad::runtime);
    let first_ty = &first.ty;
    let scalar = quote!(<#first_ty as #krate::Params>::Scalar);
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut predicates: Vec<TokenStream> = where_clause
        .map(|w| w.predicates.iter().map(|p| quote!(#p)).collect())
        .unwrap_or_default();
    // A type parameter a trainable field holds is `Params` (as serde bounds its parameters:
    // a bound on the field's type itself would hide the impls that say what its `Scalar` is).
    // That the fields share one float type, the bodies below check.
    // Without type parameters, a field that is not `Params` is reported where the user wrote its
    // type (and again where the impl uses it).
    let field_checks = input.generics.params.is_empty().then(|| {
        let checks = fields.iter().map(|f| {
            let ty = &f.ty;
            quote_spanned!(ty.span()=> __grad_assert_params::<#ty>();)
        });
        quote! {
            const _: () = {
                fn __grad_assert_params<P: #krate::Params + ?::core::marker::Sized>() {}
                fn __grad_fields() {
                    #(#checks)*
                }
            };
        }
    });
    for g in input.generics.type_params() {
        let id = &g.ident;
        if fields.iter().any(|f| mentions(&f.ty.to_token_stream(), id)) {
            predicates.push(quote!(#id: #krate::Params));
        }
        // Data of a type parameter's type is copied into a gradient: `Clone`.
        for ty in data_types
            .iter()
            .filter(|t| mentions(&t.to_token_stream(), id))
        {
            predicates.push(quote!(#ty: ::core::clone::Clone));
        }
    }
    // In a generic struct, a field of a concrete model (`layers: Vec<Layer>` beside `s: T`)
    // shares the first field's float type only where the parameters make it so (`T = f64`): a
    // bound per field says that, rather than the bodies failing for every `T`.
    if input.generics.type_params().next().is_some() {
        let params: Vec<&syn::Ident> = input.generics.type_params().map(|g| &g.ident).collect();
        for f in &fields[1..] {
            let ty = &f.ty;
            let tokens = ty.to_token_stream();
            if !params.iter().any(|p| mentions(&tokens, p)) {
                predicates.push(quote!(#ty: #krate::Params<Scalar = #scalar>));
            }
        }
        if !params
            .iter()
            .any(|p| mentions(&first_ty.to_token_stream(), p))
        {
            for f in &fields[1..] {
                let ty = &f.ty;
                if params.iter().any(|p| mentions(&ty.to_token_stream(), p)) {
                    predicates.push(quote!(#ty: #krate::Params<Scalar = #scalar>));
                }
            }
        }
    }
    let members: Vec<&syn::Member> = fields.iter().map(|f| &f.member).collect();
    let labels = fields.iter().map(|f| match &f.member {
        syn::Member::Named(id) => format!(".{id}"),
        syn::Member::Unnamed(i) => format!(".{}", i.index),
    });
    let mismatch = format_ident!("mismatch");
    Ok(quote! {
        #field_checks
        #[automatically_derived]
        impl #impl_generics #krate::Params for #name #ty_generics where #(#predicates,)* {
            type Scalar = #scalar;

            fn num_params(&self) -> usize {
                0 #(+ #krate::Params::num_params(&self.#members))*
            }

            fn write_flat(&self, out: &mut [Self::Scalar]) {
                let mut at = 0usize;
                #(
                    #krate::Params::write_flat(&self.#members, &mut out[at..]);
                    at += #krate::Params::num_params(&self.#members);
                )*
                let _ = at;
            }

            fn read_flat(&mut self, src: &[Self::Scalar]) {
                let mut at = 0usize;
                #(
                    #krate::Params::read_flat(&mut self.#members, &src[at..]);
                    at += #krate::Params::num_params(&self.#members);
                )*
                let _ = at;
            }

            fn fill_params(&mut self, value: Self::Scalar) {
                #(#krate::Params::fill_params(&mut self.#members, value);)*
            }

            fn zeros_like(&self) -> Self {
                #name {
                    #(#members: #krate::Params::zeros_like(&self.#members),)*
                    #(#data: ::core::clone::Clone::clone(&self.#data),)*
                }
            }

            fn shape_mismatch(&self, other: &Self) -> ::core::option::Option<::std::string::String> {
                #(
                    if let ::core::option::Option::Some(#mismatch) =
                        #krate::Params::shape_mismatch(&self.#members, &other.#members)
                    {
                        return ::core::option::Option::Some(::std::format!("{}{}", #labels, #mismatch));
                    }
                )*
                ::core::option::Option::None
            }
        }

        // `Model::zeros_like(&m)` as users write it, with no trait to import.
        #[automatically_derived]
        impl #impl_generics #name #ty_generics where #(#predicates,)* {
            /// A copy with every trainable field zero and the data fields cloned: the gradient
            /// to pass to a `#[gradient]` function of this model (`Params::zeros_like`, callable
            /// without the trait in scope).
            #[must_use]
            #[allow(dead_code)]
            pub fn zeros_like(&self) -> Self {
                <Self as #krate::Params>::zeros_like(self)
            }
        }

        // What `#[gradient]` asks of a parameter's type to tell a model left constant by a
        // missing `wrt(..)` (the floats of a model are `Params` too, and stay out of this).
        #[automatically_derived]
        impl #impl_generics #krate::__private::DerivedModel for #name #ty_generics where #(#predicates,)* {}
    })
}

/// A type of [`DATA_TYPES`], a reference, or a container of data only (`Vec<usize>` of layer
/// sizes, `[bool; 3]` of a mask, `Option<u32>`, a tuple of indices).
fn is_data_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| {
            if DATA_TYPES.iter().any(|d| s.ident == d) {
                return true;
            }
            let container = ["Vec", "VecDeque", "Option", "Box"]
                .iter()
                .any(|c| s.ident == c);
            let syn::PathArguments::AngleBracketed(args) = &s.arguments else {
                return false;
            };
            let types: Vec<&syn::Type> = args
                .args
                .iter()
                .filter_map(|a| match a {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect();
            container && !types.is_empty() && types.into_iter().all(is_data_type)
        }),
        syn::Type::Array(a) => is_data_type(&a.elem),
        syn::Type::Slice(a) => is_data_type(&a.elem),
        syn::Type::Tuple(t) => !t.elems.is_empty() && t.elems.iter().all(is_data_type),
        syn::Type::Paren(p) => is_data_type(&p.elem),
        syn::Type::Reference(_) => true,
        _ => false,
    }
}

pub(crate) fn mentions(ts: &TokenStream, id: &syn::Ident) -> bool {
    ts.clone().into_iter().any(|tt| match tt {
        proc_macro2::TokenTree::Ident(i) => i == *id,
        proc_macro2::TokenTree::Group(g) => mentions(&g.stream(), id),
        _ => false,
    })
}
