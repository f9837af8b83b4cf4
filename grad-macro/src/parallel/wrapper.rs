//! `NAME_grad` with `parallel`: the serial signature, and a body that measures the loop, runs the
//! serial gradient when the loop is short (or the pool has one thread), and otherwise splits it
//! into contiguous chunks run by rayon, whose values and gradients it adds in chunk order (the
//! same result for the same number of threads) and combines with the gradient of what follows
//! the loop.

use super::reduction::Reduction;
use super::Place;
use crate::attr::Args;
use crate::ir::FloatTy;
use crate::sig::{ParamClass, SeqShape};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

/// The hidden functions, as items.
pub struct Hidden {
    pub bounds: TokenStream,
    pub chunk: TokenStream,
    pub sums: Option<TokenStream>,
    pub post: TokenStream,
    pub serial: TokenStream,
}

pub struct Wrapper<'a> {
    pub item: &'a syn::ItemFn,
    pub args: &'a Args,
    /// The `parallel` token.
    pub span: Span,
    pub float: FloatTy,
    pub place: Place,
    pub reduction: &'a Reduction,
    /// `NAME__bounds`, `NAME__chunk`, `NAME__sums`, `NAME__post`, `NAME__serial_grad`.
    pub fn_names: [Ident; 5],
    /// The fewest iterations worth splitting (an expression of type `usize`).
    pub min_len: TokenStream,
}

/// A parameter type passed on as it is (a reference, a float, an integer, arrays and tuples of
/// them); others are cloned for each call.
fn copied(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => r.mutability.is_none(),
        syn::Type::Paren(p) => copied(&p.elem),
        syn::Type::Group(g) => copied(&g.elem),
        syn::Type::Array(a) => copied(&a.elem),
        syn::Type::Tuple(t) => t.elems.iter().all(copied),
        syn::Type::Path(p) if p.qself.is_none() => {
            crate::sig::float_of(ty).is_some()
                || p.path.get_ident().is_some_and(|i| {
                    [
                        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
                        "i128", "isize", "bool", "char",
                    ]
                    .iter()
                    .any(|n| i == n)
                })
        }
        _ => false,
    }
}

impl Wrapper<'_> {
    /// The user's parameters as arguments of a hidden function.
    fn pass(&self, sig: &crate::sig::Sig) -> Vec<TokenStream> {
        sig.params
            .iter()
            .filter(|p| !p.receiver)
            .map(|p| {
                let id = &p.ident;
                if copied(&p.ty) {
                    quote!(#id)
                } else {
                    quote!(::core::clone::Clone::clone(&#id))
                }
            })
            .collect()
    }

    /// A call of the hidden function `name` with the user's arguments, then `extra`.
    fn call(&self, sig: &crate::sig::Sig, name: &Ident, extra: &[TokenStream]) -> TokenStream {
        let pass = self.pass(sig);
        match self.place {
            Place::Nested => quote!(#name(#(#pass,)* #(#extra),*)),
            Place::Assoc => quote!(Self::#name(#(#pass,)* #(#extra),*)),
            Place::Method => quote!(self.#name(#(#pass,)* #(#extra),*)),
        }
    }

    pub fn emit(&self, kept: TokenStream, hidden: Hidden) -> TokenStream {
        let item = self.item;
        // Checked by the serial expansion, which reported no error.
        let sig = crate::sig::analyze(item, self.args, &crate::errors::Errors::default());
        let t = Ident::new(self.float.name(), Span::call_site());
        let zero = crate::emit::float_literal(0.0, self.float);
        let one = crate::emit::float_literal(1.0, self.float);
        let k_scalars = sig.active_scalars().count();
        let k_accs = self.reduction.accs.len();
        let seqs: Vec<&crate::sig::Param> = sig.active_seqs().collect();
        let value_only = k_scalars == 0 && !seqs.is_empty();
        let [bounds_name, chunk_name, sums_name, post_name, serial_name] = &self.fn_names;
        let chunk_grad = format_ident!("{}_grad", chunk_name);
        let post_grad = format_ident!("{}_grad", post_name);
        let rt = quote_spanned!(self.span=> ::grad::runtime::__private);
        let h = crate::naming::hidden;
        let (lo0, hi0, len, chunks, c, lo, hi) = (
            h("lo0"),
            h("hi0"),
            h("len"),
            h("chunks"),
            h("c"),
            h("lo"),
            h("hi"),
        );
        let (parts, it, sv, sg, v, g, a, b, i) = (
            h("parts"),
            h("it"),
            h("sum_value"),
            h("sum_grads"),
            h("v"),
            h("g"),
            h("a"),
            h("b"),
            h("i"),
        );
        let (value, pg, grads, scale, totals) = (
            h("value"),
            h("post_grads"),
            h("grads"),
            h("scale"),
            h("totals"),
        );
        let d_user: Vec<Ident> = seqs
            .iter()
            .map(|p| format_ident!("d_{}", p.ident))
            .collect();
        let d_chunk: Vec<Ident> = seqs
            .iter()
            .map(|p| h(&format!("chunk_d_{}", p.ident)))
            .collect();
        let d_sum: Vec<Ident> = seqs
            .iter()
            .map(|p| h(&format!("sum_d_{}", p.ident)))
            .collect();
        let allocs: Vec<TokenStream> = seqs
            .iter()
            .map(|p| {
                let x = &p.ident;
                match &p.class {
                    ParamClass::FloatSeq(SeqShape::Array(n)) => quote!([#zero; #n]),
                    _ => quote!(::std::vec![#zero; #x.len()]),
                }
            })
            .collect();
        let serial_call = self.call(
            &sig,
            serial_name,
            &d_user.iter().map(|d| quote!(#d)).collect::<Vec<_>>(),
        );
        let bounds_call = self.call(&sig, bounds_name, &[]);
        let range = quote!(let (#lo, #hi) = #rt::chunk_range(#lo0, #len, #chunks, #c););

        // One chunk's value and gradient, given the cotangents of the accumulators.
        let chunk_task = |us: &[TokenStream]| {
            let mut extra = vec![quote!(#lo), quote!(#hi)];
            extra.extend(us.iter().cloned());
            extra.extend(d_chunk.iter().map(|d| quote!(&mut #d)));
            let call = self.call(&sig, &chunk_grad, &extra);
            let get = if value_only {
                quote!(let #v = #call; let #g: [#t; 0] = [];)
            } else {
                quote!(let (#v, #g): (#t, [#t; #k_scalars]) = #call;)
            };
            quote! {
                #rt::parallel_map(#chunks, |#c: usize| {
                    #range
                    #(let mut #d_chunk = #allocs;)*
                    #get
                    (#v, #g, #(#d_chunk),*)
                })
            }
        };
        // The chunks' values and gradients added in chunk order.
        let add = |x: &Ident, y: &Ident| quote!(for (#a, #b) in #x.iter_mut().zip(#y.iter()) { *#a = *#a + *#b; });
        let sum_chunks = {
            let add_g = add(&sg, &g);
            let add_d = d_sum.iter().zip(&d_chunk).map(|(s, d)| add(s, d));
            quote! {
                let mut #it = #parts.into_iter();
                let ::core::option::Option::Some((mut #sv, mut #sg, #(mut #d_sum),*)) = #it.next() else {
                    return #serial_call;
                };
                for (#v, #g, #(#d_chunk),*) in #it {
                    #sv = #sv + #v;
                    #add_g
                    #(#add_d)*
                }
            }
        };
        let post_call = |totals: &[TokenStream]| {
            let mut extra: Vec<TokenStream> = totals.to_vec();
            extra.extend(d_user.iter().map(|d| quote!(#d)));
            self.call(&sig, &post_grad, &extra)
        };
        let n_post = k_scalars + k_accs;
        let post_ty = quote!((#t, [#t; #n_post]));
        let body = if k_accs == 1 {
            let run = chunk_task(std::slice::from_ref(&one));
            let post = post_call(&[quote!(#sv)]);
            quote! {
                let #parts = #run;
                #sum_chunks
                let (#value, #pg): #post_ty = #post;
                let #scale = #pg[#k_scalars];
            }
        } else {
            let sums_call = self.call(&sig, sums_name, &[quote!(#lo), quote!(#hi)]);
            let tot: Vec<TokenStream> = (0..k_accs).map(|j| quote!(#totals[#j])).collect();
            let post = post_call(&tot);
            let us: Vec<TokenStream> = (k_scalars..n_post).map(|j| quote!(#pg[#j])).collect();
            let us_names: Vec<Ident> = (0..k_accs).map(|j| h(&format!("u{j}"))).collect();
            let run = chunk_task(&us_names.iter().map(|u| quote!(#u)).collect::<Vec<_>>());
            let add_totals = add(&totals, &b);
            quote! {
                let #parts = #rt::parallel_map(#chunks, |#c: usize| {
                    #range
                    #sums_call
                });
                let mut #it = #parts.into_iter();
                let ::core::option::Option::Some(mut #totals) = #it.next() else {
                    return #serial_call;
                };
                for #b in #it {
                    let #b: [#t; #k_accs] = #b;
                    #add_totals
                }
                let (#value, #pg): #post_ty = #post;
                #(let #us_names = #us;)*
                let #parts = #run;
                #sum_chunks
                let #scale = #one;
            }
        };
        let scaled = d_user.iter().zip(&d_sum).map(|(d, s)| {
            quote!(for (#a, #b) in #d.iter_mut().zip(#s.iter()) { *#a = *#a + #scale * *#b; })
        });
        let result = if value_only {
            quote!(#value)
        } else {
            quote!((#value, #grads))
        };
        let checks = crate::expand::length_checks(item, &sig);
        let enabled = quote_spanned!(self.span=> #rt::parallel_enabled::<()>(););
        let nested = (self.place == Place::Nested).then(|| hidden.items());
        let siblings = (self.place != Place::Nested).then(|| hidden.items());
        let explained = self.explained();
        let mut sig_item = item.clone();
        if let FloatTy::Generic(_) = self.float {
            // The threads share the parameters and send back values and gradients.
            sig_item
                .sig
                .generics
                .make_where_clause()
                .predicates
                .push(syn::parse_quote!(#t: ::core::marker::Send + ::core::marker::Sync));
        }
        let signature = crate::expand::grad_signature_with(&sig_item, &sig, &explained);
        let min_len = &self.min_len;
        let inherited = crate::expand::inherited_attributes(item);
        let allows = crate::expand::generated_allows();
        quote! {
            #kept
            #siblings
            #(#inherited)*
            #allows
            #signature {
                #nested
                #enabled
                #checks
                let (#lo0, #hi0) = #bounds_call;
                let #len = #hi0.saturating_sub(#lo0);
                let #chunks = #rt::parallel_chunks(#len, #min_len);
                if #chunks < 2 {
                    return #serial_call;
                }
                #body
                let #grads: [#t; #k_scalars] = ::core::array::from_fn(|#i| #pg[#i] + #scale * #sg[#i]);
                #(#scaled)*
                #result
            }
        }
    }

    /// The lines the rustdoc of `NAME_grad` adds about the split.
    fn explained(&self) -> Vec<String> {
        let header = tidy(&self.reduction.header.to_string());
        let when = match &self.args.parallel.as_ref().and_then(|p| p.min_len.as_ref()) {
            Some(n) => format!("when it has at least {n} iterations"),
            None => "when it has enough iterations to repay the threads (an estimate from the loop's body; `parallel(min_len = N)` sets it)".to_string(),
        };
        vec![format!(
            "`parallel`: the loop over `{header}` runs in up to `rayon::current_num_threads()` contiguous chunks {when}, otherwise serially (then bit for bit `{}`); the chunks' sums are added in chunk order, so the value is `{}`'s up to rounding and the same for the same number of threads.",
            self.item.sig.ident, self.item.sig.ident
        )]
    }
}

impl Hidden {
    fn items(&self) -> TokenStream {
        let Hidden {
            bounds,
            chunk,
            sums,
            post,
            serial,
        } = self;
        quote!(#bounds #chunk #sums #post #serial)
    }
}

/// Tokens printed closer to how they are written: `x . iter ()` → `x.iter()`, `0 .. n` → `0..n`.
pub fn tidy(printed: &str) -> String {
    let mut s = printed.to_string();
    for (from, to) in [
        (" . ", "."),
        (" .. ", ".."),
        (" ..]", "..]"),
        (" ..)", "..)"),
        (" ..= ", "..="),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" ,", ","),
        ("& ", "&"),
        (" [", "["),
        ("[ ", "["),
        (" ]", "]"),
    ] {
        s = s.replace(from, to);
    }
    s
}
