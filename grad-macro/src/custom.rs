//! `#[custom_gradient]`: a hand-written `NAME_grad` that `#[gradient]` code uses wherever it calls
//! `NAME`, and `check(at(..))`, the generated test that compares a gradient with central
//! differences of the function (for `#[custom_gradient]` and `#[gradient]` alike).
//!
//! A call `f(x, w)` in a `#[gradient]` body becomes `f_grad(x, w, ..)`, with the slot of each
//! argument read from the table `f_grad_wrt` (see `expand::wrt_table`). So a rule is a function
//! with `NAME_grad`'s signature plus that table, which this attribute derives from the signature.

use crate::rule_hvp::SecondOrder;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Token};

/// `check(at(1.0, 2.0), at(-1.0, 0.5))`: the points a generated test compares the gradient at.
#[derive(Default)]
pub struct Checks {
    pub points: Vec<(Span, Vec<Expr>)>,
}

impl Checks {
    /// Parses the contents of `check(..)`.
    pub fn parse_inner(input: ParseStream) -> syn::Result<Self> {
        let mut points = Vec::new();
        let form = "`check(..)` lists points as `at(x, y, ..)`, one value per parameter";
        while !input.is_empty() {
            if !input.peek(syn::Ident) {
                return Err(input.error(form));
            }
            let key: syn::Ident = input.parse()?;
            if key != "at" {
                return Err(syn::Error::new(key.span(), form));
            }
            let content;
            syn::parenthesized!(content in input);
            let values = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
            points.push((key.span(), values.into_iter().collect()));
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        if points.is_empty() {
            return Err(input.error("`check()` names no point: write `check(at(1.0, 2.0))`"));
        }
        Ok(Checks { points })
    }
}

struct RuleArgs {
    checks: Checks,
    second: SecondOrder,
}

impl Parse for RuleArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut checks = Checks::default();
        let mut second = SecondOrder::None;
        while !input.is_empty() {
            let key: syn::Ident = input.parse()?;
            if key == "hvp" {
                second = if input.peek(Token![=]) {
                    input.parse::<Token![=]>()?;
                    SecondOrder::Given(input.parse()?)
                } else {
                    SecondOrder::Derive(key.span())
                };
            } else if key == "check" {
                let content;
                syn::parenthesized!(content in input);
                checks = Checks::parse_inner(&content)?;
            } else {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown argument `{key}`: the arguments are `check(at(..), ..)` and `hvp` (or `hvp = NAME_hvp`)"),
                ));
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(RuleArgs { checks, second })
    }
}

/// The parameters of a signature other than `self`.
pub fn typed(sig: &syn::Signature) -> Vec<&syn::PatType> {
    sig.inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some(t),
            syn::FnArg::Receiver(_) => None,
        })
        .collect()
}

/// How a parameter of a rule stands in the table: 0 constant, 1 scalar slot, 2 sequence with a
/// `d_` buffer.
fn classes(f: &syn::ItemFn) -> syn::Result<(Vec<u8>, usize)> {
    let inputs = typed(&f.sig);
    let name = |t: &syn::PatType| match &*t.pat {
        syn::Pat::Ident(i) => Some(i.ident.to_string()),
        _ => None,
    };
    let is_buffer = |t: &syn::PatType| {
        matches!(&*t.ty, syn::Type::Reference(r) if r.mutability.is_some())
            && name(t).is_some_and(|n| n.starts_with("d_"))
    };
    // The trailing `d_x: &mut ..` parameters are the gradient buffers, not parameters of `NAME`.
    let own = inputs.len() - inputs.iter().rev().take_while(|t| is_buffer(t)).count();
    let buffers: Vec<String> = inputs[own..].iter().filter_map(|t| name(t)).collect();
    let mut out = Vec::new();
    let mut scalars = 0;
    for t in &inputs[..own] {
        let class = if crate::sig::float_of(&t.ty).is_some() || is_float_ref(&t.ty) {
            scalars += 1;
            1
        } else if name(t).is_some_and(|n| buffers.contains(&format!("d_{n}"))) {
            2
        } else {
            0
        };
        out.push(class);
    }
    if f.sig
        .inputs
        .iter()
        .any(|a| matches!(a, syn::FnArg::Receiver(_)))
    {
        out.insert(0, 0);
    }
    Ok((out, scalars))
}

/// The float type a rule returns (`(T, [T; K])` or `T`), `f64` if it cannot be told.
fn return_float(f: &syn::ItemFn) -> proc_macro2::Ident {
    let ty = match &f.sig.output {
        syn::ReturnType::Type(_, t) => match &**t {
            syn::Type::Tuple(t) => t.elems.first().and_then(crate::sig::float_of),
            t => crate::sig::float_of(t),
        },
        syn::ReturnType::Default => None,
    };
    let name = ty.map_or("f64", crate::ir::FloatTy::name);
    proc_macro2::Ident::new(name, Span::call_site())
}

fn is_float_ref(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Reference(r) if r.mutability.is_none() && crate::sig::float_of(&r.elem).is_some())
}

/// Input: `#[custom_gradient] fn NAME_grad(..) -> (T, [T; K]) { .. }`. Output: the function and
/// the table `NAME_grad_wrt` that `#[gradient]` callers read, and a test per `check(at(..))`.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let f: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = syn::Error::new(
                Span::call_site(),
                "`#[custom_gradient]` applies to a function `NAME_grad` that returns `NAME`'s value and gradient",
            )
            .to_compile_error();
            return quote!(#e #item);
        }
    };
    crate::sig::choose_generic_float_of_rule(&f.sig);
    let args: RuleArgs = match syn::parse2(args) {
        Ok(a) => a,
        Err(e) => {
            let e = e.to_compile_error();
            return quote!(#e #f);
        }
    };
    let name = f.sig.ident.to_string();
    let Some(base) = name.strip_suffix("_grad").filter(|b| !b.is_empty()) else {
        let e = syn::Error::new_spanned(
            &f.sig.ident,
            format!("`#[custom_gradient]` gives the derivative of a function `NAME` as `NAME_grad`: rename `{name}` to `<function>_grad`"),
        )
        .to_compile_error();
        return quote!(#e #f);
    };
    let (flags, _) = match classes(&f) {
        Ok(c) => c,
        Err(e) => {
            let e = e.to_compile_error();
            return quote!(#e #f);
        }
    };
    let vis = &f.vis;
    let table = format_ident!("{}_wrt", f.sig.ident);
    let n = flags.len();
    let doc = format!(
        " Which parameters [`{name}`] differentiates, for `#[gradient]` callers of `{base}`."
    );
    let ty = return_float(&f);
    let hvp_name = format_ident!("{}__hvp_call", base);
    let checks = check_tests(
        &args.checks,
        &format_ident!("{}", base),
        &f.sig.ident,
        (!matches!(args.second, SecondOrder::None)).then_some(&hvp_name),
        &flags,
        &ty,
        "the custom gradient",
    );
    crate::naming::choose_prefix(&quote!(#f));
    let second = crate::rule_hvp::items(&f, &flags, &ty, &args.second);
    // `NAME__dyn_grad`, which `#[gradient]` callers that pass data, or arguments whose types they
    // do not see, call (see `expand::dyn_grad_head`).
    let generics = &f.sig.generics;
    let inputs = &f.sig.inputs;
    let plain_names = inputs.iter().all(|a| {
        matches!(a, syn::FnArg::Typed(t) if matches!(&*t.pat, syn::Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none()))
    });
    let forward = (plain_names && f.sig.receiver().is_none()).then(|| {
        let turbofish = (!generics.params.is_empty()).then(|| {
            let (_, ty_generics, _) = generics.split_for_impl();
            let t = ty_generics.as_turbofish();
            quote!(#t)
        });
        let names: Vec<proc_macro2::Ident> = typed(&f.sig)
            .iter()
            .filter_map(|t| match &*t.pat {
                syn::Pat::Ident(i) => Some(i.ident.clone()),
                _ => None,
            })
            .collect();
        let typed = typed(&f.sig);
        let own = flags.len();
        dyn_rule(&f, &typed[..own], &typed[own..], &ty, &turbofish, &names)
    });
    quote! {
        #f
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #table: [u8; #n] = [#(#flags),*];
        #forward
        #second
        #checks
    }
}

/// `NAME__dyn_grad` of a rule (see `expand::dyn_grad_head`): the rule's parameters `params` and
/// a buffer per parameter, from which the rule's own `d_` buffers `bufs` are cut to the length
/// of their sequences; it calls the rule with `names` (those of its inputs, in order) and gives
/// `(value, [T; K])` whether the rule returns the pair or the value alone.
fn dyn_rule(
    f: &syn::ItemFn,
    params: &[&syn::PatType],
    bufs: &[&syn::PatType],
    ty: &proc_macro2::Ident,
    turbofish: &Option<TokenStream>,
    names: &[proc_macro2::Ident],
) -> TokenStream {
    let vis = &f.vis;
    let rule_name = f.sig.ident.to_string();
    let base = rule_name.strip_suffix("_grad").unwrap_or(&rule_name);
    let name = format_ident!("{}__dyn_grad", base);
    let (generics, rule) = (&f.sig.generics, &f.sig.ident);
    let where_clause = &generics.where_clause;
    let slots = crate::naming::hidden("slots");
    let n = params.len();
    let mut pats = Vec::new();
    let mut bind = Vec::new();
    for (k, p) in params.iter().enumerate() {
        let syn::Pat::Ident(pi) = &*p.pat else {
            pats.push(quote!(_));
            continue;
        };
        let d = format_ident!("d_{}", pi.ident);
        let Some(b) = bufs
            .iter()
            .find(|b| matches!(&*b.pat, syn::Pat::Ident(i) if i.ident == d))
        else {
            pats.push(quote!(_));
            continue;
        };
        let (slot, id, bty) = (crate::naming::hidden(&format!("slot{k}")), &pi.ident, &b.ty);
        pats.push(quote!(#slot));
        bind.push(quote! {
            #slot.clear();
            #slot.resize((#id).len(), ::grad::runtime::__private::NumCast::from(0.0).expect("zero is a float"));
            let #d: #bty = ::core::convert::TryInto::try_into(&mut #slot[..])
                .expect("the gradient of an array has its length");
        });
    }
    let k = match &f.sig.output {
        syn::ReturnType::Type(_, t) => match &**t {
            syn::Type::Tuple(t) => t.elems.iter().nth(1).cloned(),
            _ => None,
        },
        syn::ReturnType::Default => None,
    };
    let (ret, result) = match k {
        Some(g) => (quote!((#ty, #g)), quote!(#rule #turbofish (#(#names),*))),
        None => (
            quote!((#ty, [#ty; 0])),
            quote!((#rule #turbofish (#(#names),*), [])),
        ),
    };
    quote! {
        #[doc(hidden)]
        #[allow(dead_code, clippy::too_many_arguments)]
        #[inline]
        #vis fn #name #generics (#(#params,)* #slots: [&mut ::std::vec::Vec<#ty>; #n]) -> #ret #where_clause {
            let [#(#pats),*] = #slots;
            #(#bind)*
            #result
        }
    }
}

/// A point's value of a parameter taken by reference is written `&0.5`: its number.
fn value_of(v: &Expr) -> &Expr {
    match v {
        Expr::Reference(r) => &r.expr,
        v => v,
    }
}

/// `v ± h`, by reference where `v` is written so.
fn shift(v: &Expr, sign: TokenStream) -> TokenStream {
    match v {
        Expr::Reference(r) => {
            let inner = &r.expr;
            quote!(&((#inner) #sign __grad_h))
        }
        v => quote!((#v) #sign __grad_h),
    }
}

/// How a point gives a parameter's value.
enum PointValue<'a> {
    /// As written (a scalar, or data passed as it is).
    Plain(&'a Expr),
    /// A differentiated sequence: bound to a local (`[1.0, 2.0]` from `&[1.0, 2.0]`, or
    /// `vec![..]`) that central differences change entry by entry, passed by reference.
    Seq(TokenStream),
}

/// `random(n)`: `n` values in [−1, 1) from a fixed seed (a 64-bit LCG), the same on every run.
fn seeded(n: &Expr, ty: &proc_macro2::Ident, param: usize) -> TokenStream {
    let seed = 0x9E37_79B9_7F4A_7C15u64 ^ (param as u64).wrapping_mul(0xA076_1D64_78BD_642F);
    quote!({
        let mut __grad_state: u64 = #seed;
        (0..#n)
            .map(|_| {
                __grad_state = __grad_state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
                let __grad_u = ((__grad_state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0;
                #[allow(clippy::cast_possible_truncation)]
                let __grad_v = __grad_u as #ty;
                __grad_v
            })
            .collect::<::std::vec::Vec<#ty>>()
    })
}

fn point_value<'a>(v: &'a Expr, flag: u8, ty: &proc_macro2::Ident, param: usize) -> PointValue<'a> {
    if flag < 2 {
        return PointValue::Plain(v);
    }
    if let Expr::Call(c) = v {
        if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("random")) && c.args.len() == 1 {
            return PointValue::Seq(seeded(&c.args[0], ty, param));
        }
    }
    let inner = value_of(v);
    PointValue::Seq(quote!(#inner))
}

/// `#[test]`s comparing `grad` (returning `(value, [∂f/∂xₖ..])`, or the value alone with only
/// sequences differentiated, filling a `d_` buffer for each) with central differences of `plain`
/// at each point: the value within 1e-12 relative, each component within 1e-6 (f64; 1e-2 for
/// f32) on the scale `1 + |difference| + |f|` (the step `h = cbrt(eps)·max(1, |x|)` leaves an
/// error near 1e-10 for smooth f64 functions of values of order one; a wrong rule errs by O(1)).
/// A sequence's value is an array or `vec!` literal (`&[1.0, 2.0]`) or `random(n)`. With `hvp`
/// (functions of scalars), each Hessian column against central differences of the gradient.
pub fn check_tests(
    checks: &Checks,
    plain: &syn::Ident,
    grad: &syn::Ident,
    hvp: Option<&syn::Ident>,
    flags: &[u8],
    ty: &proc_macro2::Ident,
    what: &str,
) -> TokenStream {
    let mut out = TokenStream::new();
    // A generic function is checked in `f64` (its literals' default type).
    let f64_ident = proc_macro2::Ident::new("f64", ty.span());
    let ty = if ty == "f32" || ty == "f64" {
        ty
    } else {
        &f64_ident
    };
    // An f32 difference has a step near 5e-3 and rounding near 1e-5 / h: 1e-2 is what it can tell.
    let rtol = if ty == "f32" { 1e-2 } else { 1e-6 };
    let seqs = flags.iter().any(|f| *f >= 2);
    let scalars = flags.iter().filter(|f| **f == 1).count();
    for (k, (span, values)) in checks.points.iter().enumerate() {
        if values.len() != flags.len() {
            return syn::Error::new(
                *span,
                format!(
                    "`at(..)` gives {} value{} but `{plain}` has {} parameter{}: give one value per parameter",
                    values.len(),
                    if values.len() == 1 { "" } else { "s" },
                    flags.len(),
                    if flags.len() == 1 { "" } else { "s" },
                ),
            )
            .to_compile_error();
        }
        let test = format_ident!("{}_check_{}", grad, k);
        let points: Vec<PointValue> = values
            .iter()
            .zip(flags)
            .enumerate()
            .map(|(i, (v, f))| point_value(v, *f, ty, i))
            .collect();
        let local = |i: usize| format_ident!("__grad_p{}", i);
        let bindings = points.iter().enumerate().filter_map(|(i, p)| match p {
            PointValue::Seq(v) => {
                let name = local(i);
                Some(quote!(let #name = #v;))
            }
            PointValue::Plain(_) => None,
        });
        // The arguments, with parameter `shifted` moved by `± h` (its entry `entry` for a
        // sequence, read from the local `q`).
        let args = |shifted: Option<(usize, TokenStream)>| -> Vec<TokenStream> {
            points
                .iter()
                .enumerate()
                .map(|(i, p)| match (p, &shifted) {
                    // A sequence taken by value (flag 3) gets a copy.
                    (PointValue::Seq(_), Some((j, _))) if *j == i && flags[i] == 3 => {
                        quote!(::core::clone::Clone::clone(&__grad_q))
                    }
                    (PointValue::Seq(_), Some((j, _))) if *j == i => quote!(&__grad_q),
                    (PointValue::Seq(_), _) => {
                        let name = local(i);
                        if flags[i] == 3 {
                            quote!(::core::clone::Clone::clone(&#name))
                        } else {
                            quote!(&#name)
                        }
                    }
                    (PointValue::Plain(v), Some((j, sign))) if *j == i => shift(v, sign.clone()),
                    (PointValue::Plain(v), _) => quote!(#v),
                })
                .collect()
        };
        let buffers: Vec<syn::Ident> = points
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p, PointValue::Seq(_)))
            .map(|(i, _)| format_ident!("__grad_d{}", i))
            .collect();
        let buffer_decls = points.iter().enumerate().filter_map(|(i, p)| match p {
            // Rows and models: a buffer of their shape, zero, through their tree of numbers.
            PointValue::Seq(_) if flags[i] == 4 => {
                let (d, name) = (format_ident!("__grad_d{}", i), local(i));
                Some(quote! {
                    let mut #d = ::grad::runtime::Params::zeros_like(&#name);
                })
            }
            PointValue::Seq(_) => {
                let (d, name) = (format_ident!("__grad_d{}", i), local(i));
                Some(quote! {
                    let mut #d = ::core::clone::Clone::clone(&#name);
                    for __grad_v in #d.iter_mut() {
                        *__grad_v = 0.0;
                    }
                })
            }
            PointValue::Plain(_) => None,
        });
        let plain_args = args(None);
        let call = quote!(#grad(#(#plain_args,)* #(&mut #buffers),*));
        let result = if scalars == 0 && seqs {
            quote!(let (__grad_value, __grad_grad): (#ty, [#ty; 0]) = ::grad::runtime::__private::SliceOnlyResult::value_and_none(#call);)
        } else {
            quote!(let (__grad_value, __grad_grad) = #call;)
        };
        let mut slot = 0usize;
        let comps: Vec<TokenStream> = flags
            .iter()
            .enumerate()
            .filter(|(_, f)| **f != 0)
            .map(|(i, f)| {
                if *f == 4 {
                    // Each number of the rows or the model, moved in a copy made from their
                    // flat view.
                    let (name, d) = (local(i), format_ident!("__grad_d{}", i));
                    let msg = format!(
                        "{what} of `{plain}` at point {k}: ∂/∂(argument {}) at its number {{}} (in the order of `Params::to_flat`) is {{:e}} but central differences give {{:e}}",
                        i + 1
                    );
                    let with_q = args(Some((i, TokenStream::new())));
                    return quote! {
                        let __grad_flat: ::std::vec::Vec<#ty> = ::grad::runtime::Params::to_flat(&#name);
                        let __grad_dflat: ::std::vec::Vec<#ty> = ::grad::runtime::Params::to_flat(&#d);
                        for __grad_entry in 0..__grad_flat.len() {
                            let __grad_at: #ty = __grad_flat[__grad_entry];
                            let __grad_h: #ty = #ty::EPSILON.cbrt() * __grad_at.abs().max(1.0);
                            let mut __grad_moved = ::core::clone::Clone::clone(&__grad_flat);
                            __grad_moved[__grad_entry] = __grad_at + __grad_h;
                            let __grad_q = ::grad::runtime::Params::with_flat(&#name, &__grad_moved);
                            let __grad_up = f64::from(#plain(#(#with_q),*));
                            __grad_moved[__grad_entry] = __grad_at - __grad_h;
                            let __grad_q = ::grad::runtime::Params::with_flat(&#name, &__grad_moved);
                            let __grad_down = f64::from(#plain(#(#with_q),*));
                            let __grad_d = (__grad_up - __grad_down) / (2.0 * f64::from(__grad_h));
                            let __grad_got = f64::from(__grad_dflat[__grad_entry]);
                            assert!((__grad_got - __grad_d).abs() <= #rtol * (1.0 + __grad_d.abs() + f64::from(__grad_value).abs()), #msg, __grad_entry, __grad_got, __grad_d);
                        }
                    };
                }
                if *f >= 2 {
                    let (name, d) = (local(i), format_ident!("__grad_d{}", i));
                    let msg = format!(
                        "{what} of `{plain}` at point {k}: ∂/∂(argument {})[{{}}] is {{:e}} but central differences give {{:e}}",
                        i + 1
                    );
                    let with_q = args(Some((i, TokenStream::new())));
                    return quote! {
                        for __grad_entry in 0..#name.len() {
                            let __grad_at: #ty = #name[__grad_entry];
                            let __grad_h: #ty = #ty::EPSILON.cbrt() * __grad_at.abs().max(1.0);
                            let mut __grad_q = ::core::clone::Clone::clone(&#name);
                            __grad_q[__grad_entry] = __grad_at + __grad_h;
                            let __grad_up = f64::from(#plain(#(#with_q),*));
                            __grad_q[__grad_entry] = __grad_at - __grad_h;
                            let __grad_down = f64::from(#plain(#(#with_q),*));
                            let __grad_d = (__grad_up - __grad_down) / (2.0 * f64::from(__grad_h));
                            let __grad_got = f64::from(#d[__grad_entry]);
                            assert!((__grad_got - __grad_d).abs() <= #rtol * (1.0 + __grad_d.abs() + f64::from(__grad_value).abs()), #msg, __grad_entry, __grad_got, __grad_d);
                        }
                    };
                }
                let this = slot;
                slot += 1;
                let msg = format!(
                    "{what} of `{plain}` at point {k}: ∂/∂(argument {}) is {{:e}} but central differences give {{:e}}",
                    i + 1
                );
                let PointValue::Plain(at) = &points[i] else {
                    unreachable!("a scalar is given as written")
                };
                let at = value_of(at);
                let (plus, minus) = (args(Some((i, quote!(+)))), args(Some((i, quote!(-)))));
                let fd = quote!((f64::from(#plain(#(#plus),*)) - f64::from(#plain(#(#minus),*))) / (2.0 * f64::from(__grad_h)));
                quote! {
                    {
                        let __grad_at: #ty = #at;
                        // In the function's own type: an f32 function is differenced in f32,
                        // with its cube-root step.
                        let __grad_h: #ty = #ty::EPSILON.cbrt() * __grad_at.abs().max(1.0);
                        let __grad_d = #fd;
                        let __grad_got = f64::from(__grad_grad[#this]);
                        assert!((__grad_got - __grad_d).abs() <= #rtol * (1.0 + __grad_d.abs() + f64::from(__grad_value).abs()), #msg, __grad_got, __grad_d);
                    }
                }
            })
            .collect();
        let columns = hvp
            .filter(|_| !seqs)
            .map(|hvp| hessian_columns(values, flags, plain, grad, hvp, ty, rtol, k));
        let msg = format!(
            "{what} of `{plain}` at point {k} returns the value {{}} but `{plain}` returns {{}}"
        );
        out.extend(quote! {
            #[cfg(test)]
            #[test]
            #[allow(non_snake_case, clippy::float_cmp, clippy::many_single_char_names)]
            fn #test() {
                #(#bindings)*
                #(#buffer_decls)*
                #result
                let __grad_want = #plain(#(#plain_args),*);
                assert!((f64::from(__grad_value) - f64::from(__grad_want)).abs() <= 1e-12 * (1.0 + f64::from(__grad_want).abs()), #msg, __grad_value, __grad_want);
                #(#comps)*
                #columns
            }
        });
    }
    out
}

/// Each column `H·eᵢ` of a function of scalars against central differences of its gradient.
#[allow(clippy::too_many_arguments)]
fn hessian_columns(
    values: &[Expr],
    flags: &[u8],
    plain: &syn::Ident,
    grad: &syn::Ident,
    hvp: &syn::Ident,
    ty: &proc_macro2::Ident,
    rtol: f64,
    k: usize,
) -> TokenStream {
    let n = flags.len();
    let cols = flags.iter().enumerate().filter(|(_, f)| **f == 1).map(|(i, _)| {
        let unit = (0..n).map(|j| if j == i { quote!(1.0) } else { quote!(0.0) });
        let shifted = |sign: TokenStream| {
            let args = values.iter().enumerate().map(move |(j, v)| {
                if j == i {
                    shift(v, sign.clone())
                } else {
                    quote!(#v)
                }
            });
            quote!(#grad(#(#args),*).1)
        };
        let (plus, minus) = (shifted(quote!(+)), shifted(quote!(-)));
        let at = value_of(&values[i]);
        let msg = format!(
            "the second order of `{plain}` at point {k}: the derivative along argument {} of gradient component {{}} is {{:e}} but central differences of the gradient give {{:e}}",
            i + 1
        );
        let args = values.iter();
        quote! {
            {
                let __grad_at: #ty = #at;
                let __grad_h: #ty = #ty::EPSILON.cbrt() * __grad_at.abs().max(1.0);
                let (_, __grad_g0, __grad_hv) = #hvp(#(#args,)* [#(#unit),*]);
                let (__grad_gp, __grad_gm) = (#plus, #minus);
                for __grad_r in 0..__grad_hv.len() {
                    let __grad_d = (f64::from(__grad_gp[__grad_r]) - f64::from(__grad_gm[__grad_r])) / (2.0 * f64::from(__grad_h));
                    let __grad_got = f64::from(__grad_hv[__grad_r]);
                    let __grad_scale = 1.0 + __grad_d.abs() + __grad_g0.iter().fold(0.0f64, |__grad_m, __grad_g| __grad_m.max(f64::from(*__grad_g).abs()));
                    assert!((__grad_got - __grad_d).abs() <= #rtol * __grad_scale, #msg, __grad_r + 1, __grad_got, __grad_d);
                }
            }
        }
    });
    quote!(#(#cols)*)
}
