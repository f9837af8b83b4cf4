//! Functions that return a float and also write through `&mut` parameters of floats:
//! `fn f(x: f64, y: &mut f64) -> f64` (Clad's reference arguments), `fn loss(w: &[f64], x:
//! &[f64], scratch: &mut [f64]) -> f64` (a buffer reused between calls).
//!
//! The derivative is that of the returned value with respect to the inputs, the `&mut`
//! parameters' contents on entry among them (when differentiated). The pass writes the function
//! as `NAME__inout`, whose `&mut` parameters are taken by value (`y: T`, `scratch: &[T]`) and
//! copied into locals the body writes, and derives it like any other; each of its functions
//! (`NAME__inout_grad`, `_jvp`, `_hvp`, `_hessian`) gets a wrapper under the user's name
//! (`NAME_grad`) with the user's parameter types, which calls it and then `NAME` itself, so that
//! the references are left as the function leaves them. That costs one more evaluation of the
//! function per call (and runs its other effects, such as printing, once more).

use crate::attr::Args;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, ToTokens};

/// How a `&mut` parameter is taken by the twin.
enum Kind {
    /// `&mut T`: `T` by value.
    Float,
    /// `&mut [T]` or `&mut Vec<T>`: `&[T]`.
    Slice,
    /// `&mut usize`, `&mut bool`, ..: data, `&usize`, copied into a local the body writes (the
    /// value is data for the derivative, but a count it keeps may index or bound a loop).
    Data,
    /// `&mut [T; N]`: `&[T; N]`, under a hidden name (see [`array_name`]): the body's `let mut
    /// a = *HIDDEN;` is the local copy of an array that lowering knows.
    Array,
}

struct InOut {
    ident: Ident,
    /// The user's type (`&mut [f64]`).
    ty: syn::Type,
    kind: Kind,
}

/// The `&mut` parameters of floats of `sig` (none for a function that returns nothing or
/// something other than a float).
fn in_outs(sig: &syn::Signature) -> Vec<InOut> {
    let syn::ReturnType::Type(_, ret) = &sig.output else {
        return Vec::new();
    };
    let generic = sig
        .generics
        .type_params()
        .any(|t| matches!(&**ret, syn::Type::Path(p) if p.path.is_ident(&t.ident)));
    if crate::sig::float_of(ret).is_none() && !generic {
        return Vec::new();
    }
    sig.inputs
        .iter()
        .filter_map(|a| {
            let syn::FnArg::Typed(pt) = a else {
                return None;
            };
            if let (syn::Pat::Ident(pi), syn::Type::Reference(r)) = (&*pt.pat, &*pt.ty) {
                if r.mutability.is_some() && primitive(&r.elem) {
                    return Some(InOut {
                        ident: pi.ident.clone(),
                        ty: (*pt.ty).clone(),
                        kind: Kind::Data,
                    });
                }
            }
            let (_, scalar) = crate::out_param::out_elem(sig, &pt.ty)?;
            let syn::Pat::Ident(pi) = &*pt.pat else {
                return None;
            };
            let syn::Type::Reference(r) = &*pt.ty else {
                return None;
            };
            let kind = match &*r.elem {
                _ if scalar => Kind::Float,
                syn::Type::Array(_) => Kind::Array,
                _ => Kind::Slice,
            };
            Some(InOut {
                ident: pi.ident.clone(),
                ty: (*pt.ty).clone(),
                kind,
            })
        })
        .collect()
}

/// Whether `f` returns a float and changes the length of a `&mut Vec` of floats it is lent
/// (`buf.clear(); .. buf.push(..)`): what a `#[gradient]` caller cannot call through the twins,
/// whose outputs keep their lengths, and inlines instead (see `prescan`).
pub(crate) fn resizes_lent_vec(f: &syn::ItemFn) -> bool {
    !in_outs(&f.sig).is_empty() && crate::out_param::resizes_vec_param(f)
}

/// Whether `ty` is an integer, `bool` or `char`: data a body may count in through `&mut`.
fn primitive(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.get_ident().is_some_and(|i| {
        [
            "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64",
            "i128", "bool", "char",
        ]
        .iter()
        .any(|t| i == t)
    }))
}

/// The twin's name for the array parameter `a`.
fn array_name(a: &Ident) -> Ident {
    crate::naming::hidden(&format!("in_{a}"))
}

/// The twin's name.
fn twin_name(item: &syn::ItemFn) -> Ident {
    format_ident!("{}__inout", item.sig.ident)
}

/// Whether `name` is that of a twin [`twin_name`] makes, which its wrapper runs and then runs
/// the user's function too.
pub fn is_twin(name: &Ident) -> bool {
    name.to_string().ends_with("__inout")
}

/// The expansion of a function that returns a float and writes through `&mut` parameters of
/// floats, or `None` for any other function.
pub fn expand(args_tokens: &TokenStream, item: &syn::ItemFn) -> Option<TokenStream> {
    let found = in_outs(&item.sig);
    if found.is_empty() {
        return None;
    }
    let original = crate::expand::original_item(item);
    let parsed = syn::parse2::<Args>(args_tokens.clone()).ok();
    if let Some(args) = &parsed {
        if let Some((span, _)) = args.check.points.first() {
            let e = syn::Error::new(*span, "`check(at(..))` is not supported yet for a function with a `&mut` parameter: compare `NAME_grad` with differences in a test of your own").to_compile_error();
            return Some(quote!(#original #e));
        }
        if let Some(p) = &args.parallel {
            let e = syn::Error::new(p.span, "`parallel` is not supported for a function with a `&mut` parameter: every thread would write it").to_compile_error();
            return Some(quote!(#original #e));
        }
    }
    let twin = twin(item, &found);
    let mut twin_args = args_tokens.clone();
    for io in found.iter().filter(|io| matches!(io.kind, Kind::Array)) {
        let name = io.ident.to_string();
        twin_args = crate::desugar::sub_slices::rename_tokens(
            twin_args,
            &name,
            &array_name(&io.ident),
            &mut false,
        );
    }
    let expanded = crate::expand::expand_item(twin_args, &twin);
    let Ok(mut file) = syn::parse2::<syn::File>(expanded.clone()) else {
        return Some(quote!(#original #expanded));
    };
    // An error in the twin is the user's: it is reported at the user's tokens, which the twin
    // keeps, and nothing else is emitted but the function.
    let failed = file.items.iter().any(|i| {
        matches!(i, syn::Item::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "compile_error"))
    });
    if failed {
        let errors = file
            .items
            .iter()
            .filter(|i| matches!(i, syn::Item::Macro(_)));
        return Some(quote!(#original #(#errors)*));
    }
    let qual = crate::expand::sibling_path(item);
    let twin_ident = twin_name(item);
    let prefix = format!("{twin_ident}_");
    let wrappers: Vec<TokenStream> = file
        .items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Fn(f)
                if f.sig.ident.to_string().starts_with(&prefix) && !hidden(&f.attrs) =>
            {
                Some(f)
            }
            _ => None,
        })
        .map(|f| wrapper(item, f, &found, qual.as_ref(), &expanded))
        .collect();
    // `#[gradient]` callers call the twin (for the value, `NAME__inout`) and the twin of the
    // function as one with outputs only (`NAME__out`, for what it writes): both beside it.
    for i in &mut file.items {
        if let syn::Item::Fn(f) = i {
            if !hidden(&f.attrs) {
                f.attrs.retain(|a| !a.path().is_ident("doc"));
                f.attrs.push(syn::parse_quote!(#[doc(hidden)]));
            }
        }
    }
    let callers = outputs_only(item, parsed.as_ref(), &found);
    Some(quote! {
        #original
        #file
        #callers
        #(#wrappers)*
    })
}

/// The expansion that `#[gradient]` callers of `item` use for the call `f(.., &mut y);` (see
/// `out_param`), made from `item` as a function that returns nothing: its value dropped.
/// Nothing where that function has an error (a call of it is then refused where it stands).
fn outputs_only(item: &syn::ItemFn, args: Option<&Args>, found: &[InOut]) -> TokenStream {
    let mut unit = item.clone();
    let syn::ReturnType::Type(_, ret) = &item.sig.output else {
        return TokenStream::new();
    };
    unit.sig.output = syn::ReturnType::Default;
    // The body in a loop run once, `return v` as a `break` out of it (not the returns of
    // closures and items, which return their own): the outputs' new contents are then read
    // after it on every path. Each value is still of the return type (`.sum()` infers it from
    // there).
    let label = syn::Lifetime::new("'__grad_body", proc_macro2::Span::call_site());
    struct Returns<'t>(&'t syn::Type, &'t syn::Lifetime);
    impl syn::visit_mut::VisitMut for Returns<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            if let syn::Expr::Return(r) = e {
                let (t, label) = (self.0, self.1);
                *e = match r.expr.take() {
                    Some(v) => syn::parse_quote!({ let _: #t = #v; break #label; }),
                    None => syn::parse_quote!(break #label),
                };
                return;
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
        fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut body = item.block.clone();
    syn::visit_mut::VisitMut::visit_block_mut(&mut Returns(ret, &label), &mut body);
    if let Some(last) = body.stmts.last_mut() {
        if let syn::Stmt::Expr(e, None) = last {
            *last = syn::parse_quote!(let _: #ret = #e;);
        }
    }
    let exits = crate::desugar::exits(&item.block, false);
    let stmts = &body.stmts;
    *unit.block = if exits {
        syn::parse_quote!({ #label: loop { #(#stmts)* break #label; } })
    } else {
        *body
    };
    // Each output's previous contents are differentiated there anyway: `wrt` names the rest.
    let wrt: Option<Vec<&Ident>> = args.and_then(|a| a.wrt.as_ref()).map(|w| {
        w.iter()
            .filter(|n| found.iter().all(|io| io.ident != **n))
            .collect()
    });
    let unit_args = wrt.map(|w| quote!(wrt(#(#w),*))).unwrap_or_default();
    let Some(out) = crate::out_param::for_callers(&unit_args, &unit) else {
        return TokenStream::new();
    };
    if crate::naming::mentions(out.clone(), &|i| i == "compile_error") {
        return TokenStream::new();
    }
    out
}

/// Whether `attrs` hide an item from the docs (the expansion's helpers).
pub(crate) fn hidden(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("doc") && a.to_token_stream().to_string().contains("hidden"))
}

/// `NAME__inout`: the user's function with each `&mut` parameter taken by value (a float, an
/// array) or by shared reference (a slice), copied into a local of its name that the body
/// reads and writes (`*y` as `y`).
fn twin(item: &syn::ItemFn, found: &[InOut]) -> syn::ItemFn {
    let mut twin = item.clone();
    twin.sig.ident = twin_name(item);
    twin.attrs.retain(|a| !a.path().is_ident("doc"));
    twin.attrs.push(syn::parse_quote!(#[allow(non_snake_case, dead_code, unused_variables, unused_mut, unused_assignments, clippy::all, clippy::pedantic)]));
    let mut body = item.block.clone();
    let mut lets: Vec<syn::Stmt> = Vec::new();
    for (a, o) in twin.sig.inputs.iter_mut().zip(item.sig.inputs.iter()) {
        let syn::FnArg::Typed(pt) = o else { continue };
        let Some(io) = found
            .iter()
            .find(|io| matches!(&*pt.pat, syn::Pat::Ident(p) if p.ident == io.ident))
        else {
            continue;
        };
        let syn::Type::Reference(r) = &io.ty else {
            continue;
        };
        let (id, elem) = (&io.ident, &r.elem);
        match io.kind {
            Kind::Float => {
                *a = syn::parse_quote!(#id: #elem);
                lets.push(syn::parse_quote!(let mut #id = #id;));
                crate::out_param::deref_float(id, &mut body);
            }
            Kind::Data => {
                *a = syn::parse_quote!(#id: &#elem);
                lets.push(syn::parse_quote!(let mut #id = *#id;));
                crate::out_param::deref_float(id, &mut body);
            }
            Kind::Array => {
                let hidden = array_name(id);
                *a = syn::parse_quote!(#hidden: &#elem);
                lets.push(syn::parse_quote!(let mut #id = *#hidden;));
                crate::out_param::reborrow(id, &mut body);
            }
            Kind::Slice => {
                let e = crate::out_param::out_elem(&item.sig, &io.ty)
                    .map(|(e, _)| e)
                    .expect("an output parameter");
                *a = syn::parse_quote!(#id: &[#e]);
                // A scratch `Vec` the body clears before anything else (`scratch.clear();`
                // then `push`es): an empty buffer, which the pushes grow as any.
                let first = body
                    .stmts
                    .iter()
                    .position(|s| crate::naming::mentions(s.to_token_stream(), &|i| i == id));
                let cleared = first.filter(|&k| {
                    matches!(&body.stmts[k], syn::Stmt::Expr(syn::Expr::MethodCall(m), Some(_))
                        if m.method == "clear" && m.args.is_empty()
                            && matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(id)))
                });
                if let Some(k) = cleared {
                    body.stmts.remove(k);
                }
                let cleared = cleared.is_some();
                let span = id.span();
                lets.push(if cleared {
                    syn::parse_quote_spanned!(span=> let mut #id: ::std::vec::Vec<#e> = ::std::vec::Vec::new();)
                } else {
                    syn::parse_quote_spanned!(span=> let mut #id: ::std::vec::Vec<#e> = #id.to_vec();)
                });
                crate::out_param::reborrow(id, &mut body);
            }
        }
    }
    lets.extend(body.stmts);
    twin.block.stmts = lets;
    twin
}

/// `NAME_SUFFIX` for the twin's `f` (`NAME__inout_SUFFIX`): the user's parameter types, a call
/// of `f` on the references' contents, then of `NAME` on the references.
fn wrapper(
    item: &syn::ItemFn,
    f: &syn::ItemFn,
    found: &[InOut],
    qual: Option<&TokenStream>,
    expanded: &TokenStream,
) -> TokenStream {
    let twin_ident = twin_name(item).to_string();
    let suffix = &f.sig.ident.to_string()[twin_ident.len()..];
    let name = format_ident!("{}{}", item.sig.ident, suffix, span = item.sig.ident.span());
    let mut sig = f.sig.clone();
    sig.ident = name;
    let mut pass = Vec::new();
    for a in &mut sig.inputs {
        match a {
            syn::FnArg::Receiver(_) => pass.push(quote!(self)),
            syn::FnArg::Typed(pt) => {
                let syn::Pat::Ident(p) = &mut *pt.pat else {
                    continue;
                };
                p.mutability = None;
                // A twin's name for an array (`HIDDEN`, `d_HIDDEN`, `v_HIDDEN`): the user's.
                for io in found.iter().filter(|io| matches!(io.kind, Kind::Array)) {
                    let hidden = array_name(&io.ident).to_string();
                    let name = p.ident.to_string();
                    if let Some(head) = name.strip_suffix(&hidden) {
                        p.ident = format_ident!("{head}{}", io.ident);
                    }
                }
                let id = p.ident.clone();
                match found.iter().find(|io| io.ident == id) {
                    Some(io) => {
                        *pt.ty = io.ty.clone();
                        pass.push(match io.kind {
                            Kind::Float => quote!(*#id),
                            Kind::Array | Kind::Data => quote!(&*#id),
                            Kind::Slice => quote!(&#id[..]),
                        });
                    }
                    None => pass.push(quote!(#id)),
                }
            }
        }
    }
    // The user's function on the user's arguments, for what it leaves in the references.
    let again: Vec<TokenStream> = item
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Receiver(_) => Some(quote!(self)),
            syn::FnArg::Typed(pt) => match &*pt.pat {
                syn::Pat::Ident(p) => {
                    let id = &p.ident;
                    Some(if copied(&pt.ty, &item.sig) {
                        quote!(#id)
                    } else {
                        quote!(#id.clone())
                    })
                }
                _ => None,
            },
        })
        .collect();
    let (user, twin_fn) = (&item.sig.ident, &f.sig.ident);
    let attrs = f.attrs.iter().map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if a.path().is_ident("doc") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => {
                let text = text.value().replace(&twin_ident, &user.to_string());
                quote!(#[doc = #text])
            }
            _ => a.to_token_stream(),
        },
        _ => a.to_token_stream(),
    });
    let vis = &f.vis;
    let r = crate::naming::hidden("r");
    let (call_twin, call_user, nested) = match qual {
        Some(q) => (quote!(#q #twin_fn), quote!(#q #user), TokenStream::new()),
        None => {
            let mut copy = crate::expand::original_item(item);
            copy.vis = syn::Visibility::Inherited;
            copy.attrs.retain(|a| !a.path().is_ident("doc"));
            (quote!(#twin_fn), quote!(#user), quote!(#expanded #copy))
        }
    };
    quote! {
        #(#attrs)*
        #[doc = ""]
        #[doc = "The `&mut` parameters are left as the function leaves them: after the derivative, which reads their contents on entry, the function itself runs on them."]
        #vis #sig {
            #nested
            let #r = #call_twin(#(#pass),*);
            #call_user(#(#again),*);
            #r
        }
    }
}

/// Whether an argument of type `ty` may be passed twice as it is: a reference, a float, an
/// integer, a `bool`, a type parameter (a generic float).
fn copied(ty: &syn::Type, sig: &syn::Signature) -> bool {
    match ty {
        syn::Type::Reference(_) => true,
        syn::Type::Path(p) => p.path.get_ident().is_some_and(|i| {
            [
                "f32", "f64", "usize", "isize", "u8", "u16", "u32", "u64", "i8", "i16", "i32",
                "i64", "bool", "char",
            ]
            .iter()
            .any(|t| i == t)
                || sig.generics.type_params().any(|t| t.ident == *i)
        }),
        _ => false,
    }
}
