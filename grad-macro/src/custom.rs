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

/// How a parameter of a rule stands in the table: 0 constant, 1 scalar slot, 2 sequence with a
/// `d_` buffer.
fn classes(f: &syn::ItemFn) -> syn::Result<(Vec<u8>, usize)> {
    let inputs: Vec<&syn::PatType> = f
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some(t),
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
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
    // `NAME__all_grad`, which `#[gradient]` callers that pass data slices call: a rule takes a
    // buffer for every slice already.
    let all = format_ident!("{}__all_grad", base);
    let (generics, output) = (&f.sig.generics, &f.sig.output);
    let where_clause = &generics.where_clause;
    let inputs = &f.sig.inputs;
    let names: Vec<TokenStream> = inputs
        .iter()
        .map(|a| match a {
            syn::FnArg::Typed(t) => {
                let p = &t.pat;
                quote!(#p)
            }
            syn::FnArg::Receiver(_) => quote!(self),
        })
        .collect();
    let plain_names = inputs.iter().all(|a| {
        matches!(a, syn::FnArg::Typed(t) if matches!(&*t.pat, syn::Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none()))
    });
    let rule = &f.sig.ident;
    let forward = plain_names.then(|| {
        let turbofish = (!generics.params.is_empty()).then(|| {
            let (_, ty_generics, _) = generics.split_for_impl();
            let t = ty_generics.as_turbofish();
            quote!(#t)
        });
        let names = names.iter().map(|n| {
            let n = n.to_string();
            let n = n.trim_start_matches("mut ");
            proc_macro2::Ident::new(n, Span::call_site())
        });
        quote! {
            #[doc(hidden)]
            #[allow(dead_code, clippy::too_many_arguments)]
            #[inline]
            #vis fn #all #generics (#inputs) #output #where_clause {
                #rule #turbofish (#(#names),*)
            }
        }
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
            quote!(&((#inner) #sign h))
        }
        v => quote!((#v) #sign h),
    }
}

/// `#[test]`s comparing `grad` (returning `(value, [∂f/∂xₖ..])`) with central differences of
/// `plain` at each point: the value within 1e-12 relative, each component within 1e-6 (f64; 1e-2
/// for f32) on the scale `1 + |difference| + |f|` (the step `h = cbrt(eps)·max(1, |x|)` leaves an
/// error near 1e-10 for smooth f64 functions of values of order one; a wrong rule errs by O(1)).
/// Only functions whose differentiated parameters are scalars can be checked at points.
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
    if checks.points.is_empty() {
        return out;
    }
    // A generic function is checked in `f64` (its literals' default type).
    let f64_ident = proc_macro2::Ident::new("f64", ty.span());
    let ty = if ty == "f32" || ty == "f64" {
        ty
    } else {
        &f64_ident
    };
    if flags.contains(&2) {
        return syn::Error::new(
            checks.points[0].0,
            "`check(at(..))` checks functions whose differentiated parameters are scalars; check a function of slices with `grad::runtime::check_gradient`",
        )
        .to_compile_error();
    }
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
        let slots: Vec<usize> = flags
            .iter()
            .enumerate()
            .filter(|(_, f)| **f == 1)
            .map(|(i, _)| i)
            .collect();
        // An f32 difference has a step near 5e-3 and rounding near 1e-5 / h: 1e-2 is what it can tell.
        let rtol = if ty == "f32" { 1e-2 } else { 1e-6 };
        let comps = slots.iter().enumerate().map(|(slot, &i)| {
            let msg = format!(
                "{what} of `{plain}` at point {k}: ∂/∂(argument {}) is {{:e}} but central differences give {{:e}}",
                i + 1
            );
            let args_plus = values.iter().enumerate().map(|(j, v)| {
                if j == i {
                    shift(v, quote!(+))
                } else {
                    quote!(#v)
                }
            });
            let args_minus = values.iter().enumerate().map(|(j, v)| {
                if j == i {
                    shift(v, quote!(-))
                } else {
                    quote!(#v)
                }
            });
            let at = value_of(&values[i]);
            quote! {
                {
                    let at: #ty = #at;
                    // In the function's own type: an f32 function is differenced in f32, with
                    // its cube-root step.
                    let h: #ty = #ty::EPSILON.cbrt() * at.abs().max(1.0);
                    let d = (f64::from(#plain(#(#args_plus),*)) - f64::from(#plain(#(#args_minus),*))) / (2.0 * f64::from(h));
                    let got = f64::from(grad[#slot]);
                    assert!((got - d).abs() <= #rtol * (1.0 + d.abs() + f64::from(value).abs()), #msg, got, d);
                }
            }
        });
        // With a second order: each column `H·eᵢ` against central differences of the gradient.
        let columns = hvp.map(|hvp| {
            let n = flags.len();
            let cols = slots.iter().map(|&i| {
                let unit = (0..n).map(|j| {
                    if j == i {
                        quote!(1.0)
                    } else {
                        quote!(0.0)
                    }
                });
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
                        let at: #ty = #at;
                        let h: #ty = #ty::EPSILON.cbrt() * at.abs().max(1.0);
                        let (_, g0, hv) = #hvp(#(#args,)* [#(#unit),*]);
                        let (gp, gm) = (#plus, #minus);
                        for r in 0..hv.len() {
                            let d = (f64::from(gp[r]) - f64::from(gm[r])) / (2.0 * f64::from(h));
                            let got = f64::from(hv[r]);
                            let scale = 1.0 + d.abs() + g0.iter().fold(0.0f64, |m, g| m.max(f64::from(*g).abs()));
                            assert!((got - d).abs() <= #rtol * scale, #msg, r + 1, got, d);
                        }
                    }
                }
            });
            quote!(#(#cols)*)
        });
        let msg = format!(
            "{what} of `{plain}` at point {k} returns the value {{}} but `{plain}` returns {{}}"
        );
        out.extend(quote! {
            #[cfg(test)]
            #[test]
            #[allow(non_snake_case, clippy::float_cmp)]
            fn #test() {
                let (value, grad) = #grad(#(#values),*);
                let want = #plain(#(#values),*);
                assert!((f64::from(value) - f64::from(want)).abs() <= 1e-12 * (1.0 + f64::from(want).abs()), #msg, value, want);
                #(#comps)*
                #columns
            }
        });
    }
    out
}
