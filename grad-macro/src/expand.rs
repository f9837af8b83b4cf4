//! The pipeline: parse → check and lower (collecting errors) → reverse → prune → emit.

use crate::attr::Args;
use crate::errors::Errors;
use crate::ir::{Operand, ValId};
use crate::lower::ParamSlot;
use crate::sig::{ParamClass, SeqShape, Sig};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, ToTokens};

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    crate::naming::forget_shown();
    crate::plain_helpers::remember_written(None);
    if let Ok(imp) = syn::parse2::<syn::ItemImpl>(item.clone()) {
        return expand_impl(&args, imp);
    }
    crate::naming::choose_prefix(&item);
    let item: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(i) => i,
        Err(_) => {
            if let Ok(c) = syn::parse2::<syn::ExprClosure>(item.clone()) {
                // In expression position: the closure stays, so nothing else fails after this.
                let e = syn::Error::new_spanned(
                    c.or1_token,
                    "`#[gradient]` applies to functions, not closures: write `#[gradient] fn name(x: f64) -> f64 { .. }` and call it",
                )
                .to_compile_error();
                return quote!({ #e; #c });
            }
            let e = match syn::parse2::<syn::TraitItemFn>(item.clone()) {
                // `fn loss(x: f64) -> f64;` in a trait: no body to differentiate.
                Ok(f) if f.default.is_none() => syn::Error::new_spanned(
                    &f.sig,
                    "`#[gradient]` differentiates a function's body, and this trait method has none: put `#[gradient]` on a free function, an associated function or a default method with a body",
                ),
                _ => syn::Error::new(
                    Span::call_site(),
                    "`#[gradient]` applies to a function with a body (`fn name(x: f64, ...) -> f64 { ... }`)",
                ),
            };
            let e = e.to_compile_error();
            return quote!(#e #item);
        }
    };
    if crate::prescan::in_trait_impl(&item.sig.ident.to_string()) {
        let e = syn::Error::new(
            Span::call_site(),
            format!(
                "`#[gradient]` on a method of a trait's `impl` cannot add `{0}_grad` there (a trait's `impl` holds the trait's items only): mark the `impl` too (`#[gradient] impl Trait for Type {{ #[gradient] fn {0}(..) }}`), and `{0}_grad` goes to an inherent `impl` beside it",
                item.sig.ident
            ),
        )
        .to_compile_error();
        return quote!(#item #e);
    }
    crate::sig::choose_generic_float(&item.sig);
    crate::desugar::vector_calls::register(&item.sig);
    crate::prescan::note_rules(&item.sig.ident.to_string());
    // (Before the plain methods' and the models' rewrites, which follow elements by index.)
    let mut item = item;
    crate::naming::write_out_fields(&mut *item.block);
    crate::desugar::normal::field_part_loops(&mut item.block);
    crate::desugar::normal::flat_maps_of_rows(&mut item.block);
    // (A model of a value type, `p: &Vec3` with operators, read by its fields first, and values
    // holding functions read as their paths; the user's function keeps the body as written.)
    let written = item.clone();
    crate::desugar::value_structs::scalarize_models(&mut item);
    // Values holding functions as the functions' paths, before helpers are copied in (a
    // function of the module named in an array is not a value to them).
    crate::function_values::rewrite(&mut item);
    crate::plain_helpers::remember_written((item.block != written.block).then_some(&written));
    // A helper taking closures is inlined into its callers' specialized functions.
    if let Some(out) = crate::closure_calls::helper(&item) {
        return out;
    }
    crate::plain_helpers::expand(&item, &args, &|item| {
        crate::naming::choose_prefix(&item.to_token_stream());
        expand_fn(&args, item)
    })
}

/// [`expand`] of a parsed function, after the checks that come first.
fn expand_fn(args: &TokenStream, item: &syn::ItemFn) -> TokenStream {
    let args = args.clone();
    let named_once = crate::fields::aliases::models_named_once(item, &args);
    let item = named_once.as_ref().unwrap_or(item);
    // Matrices copied whole from parameters or fields (`let mut h = m.ws;`): their elements; a
    // buffer written beside a model's rows (`out.iter_mut().zip(&m.w)`): the rows first.
    let mut copied = item.clone();
    crate::desugar::matrix_copies::rewrite(&mut copied);
    crate::desugar::zip_order::rewrite(&mut copied);
    crate::desugar::sub_slices::split_ends_of_fields(&mut copied.block);
    let item = &copied;
    let (item, specs) = crate::closure_calls::callers(item, &args);
    let preds = crate::desugar::let_cfg_predicates(&item.block);
    let out = if preds.is_empty() {
        expand_item(args, &item)
    } else {
        expand_cfg_variants(args, &item, &preds)
    };
    quote!(#out #specs)
}

/// Input: `#[gradient] impl Trait for Type { #[gradient(..)] fn loss(&self, ..) -> f64 { .. } }`
/// (or an inherent `impl`). Output: the `impl` with the inner attributes taken off, and what
/// each marked method's expansion adds (`loss_grad`, hidden helpers) in an inherent
/// `impl Type` beside it: a trait's `impl` may hold only the trait's items.
fn expand_impl(args: &TokenStream, mut imp: syn::ItemImpl) -> TokenStream {
    let is_gradient = |a: &syn::Attribute| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "gradient")
    };
    if !args.is_empty() {
        let e = syn::Error::new_spanned(
            args,
            "`#[gradient]` on an `impl` takes no arguments: give them to the methods (`#[gradient(wrt(w))] fn loss(..)`)",
        )
        .to_compile_error();
        return quote!(#e #imp);
    }
    let mut added: Vec<syn::ImplItem> = Vec::new();
    let mut errors = Vec::new();
    for item in &mut imp.items {
        let syn::ImplItem::Fn(f) = item else { continue };
        let Some(at) = f.attrs.iter().position(is_gradient) else {
            continue;
        };
        crate::prescan::note_rules(&f.sig.ident.to_string());
        let attr = f.attrs.remove(at);
        let method_args = match &attr.meta {
            syn::Meta::List(l) => l.tokens.clone(),
            _ => TokenStream::new(),
        };
        let as_fn = syn::ItemFn {
            attrs: f.attrs.clone(),
            vis: f.vis.clone(),
            sig: f.sig.clone(),
            block: Box::new(f.block.clone()),
        };
        let out = expand(method_args, as_fn.into_token_stream());
        match syn::parse2::<syn::ItemImpl>(quote!(impl __GradExpansion { #out })) {
            Ok(parsed) => added.extend(
                parsed
                    .items
                    .into_iter()
                    .filter(|i| !matches!(i, syn::ImplItem::Fn(g) if g.sig.ident == f.sig.ident)),
            ),
            // Not items of an `impl` (an error's tokens): reported as they are.
            Err(_) => errors.push(out),
        }
    }
    if added.is_empty() && errors.is_empty() {
        let e = syn::Error::new_spanned(
            &imp.self_ty,
            "`#[gradient]` on an `impl` differentiates the methods in it marked `#[gradient]` (`#[gradient(wrt(w))] fn loss(&self, w: &[f64]) -> f64`): mark one",
        )
        .to_compile_error();
        return quote!(#imp #e);
    }
    if imp.trait_.is_none() {
        imp.items.extend(added);
        return quote!(#imp #(#errors)*);
    }
    let (generics, ty) = (&imp.generics, &imp.self_ty);
    let (params, _, where_clause) = generics.split_for_impl();
    quote! {
        #imp
        impl #params #ty #where_clause {
            #(#added)*
        }
        #(#errors)*
    }
}

/// Input: a body with `#[cfg(P)] let a = ..;`, which declares `a` only where `P` holds.
/// Output: the original function once, and `NAME_grad` (with its table) once for each way the
/// predicates of such `let`s can turn out, each under `#[cfg(all(P, not(Q), ..))]` and derived
/// from the body the compiler sees in that case. Other `#[cfg]` statements become `if cfg!(..)`.
fn expand_cfg_variants(
    args: TokenStream,
    item: &syn::ItemFn,
    preds: &[TokenStream],
) -> TokenStream {
    const MAX_PREDICATES: usize = 4;
    if preds.len() > MAX_PREDICATES {
        let e = syn::Error::new_spanned(
            &item.sig.ident,
            format!("`#[gradient]` supports `#[cfg]` on `let`s with at most {MAX_PREDICATES} different conditions in one function (it derives the gradient once for each combination): use `if cfg!(..)` in the values instead"),
        )
        .to_compile_error();
        let original = original_item(item);
        return quote!(#original #e);
    }
    let mut out = original_item(item).into_token_stream();
    for mask in 0..1u32 << preds.len() {
        let mut variant = item.clone();
        crate::desugar::select_cfg_lets(&mut variant.block, preds, mask);
        let conds = preds.iter().enumerate().map(|(k, p)| {
            if mask & (1 << k) != 0 {
                quote!(#p)
            } else {
                quote!(not(#p))
            }
        });
        let cfg: syn::Attribute = syn::parse_quote!(#[cfg(all(#(#conds),*))]);
        let expanded = expand_item(args.clone(), &variant);
        let Ok(file) = syn::parse2::<syn::File>(expanded.clone()) else {
            return expanded;
        };
        // Everything but the original function, which is emitted once, above.
        for mut generated in file.items.into_iter().skip(1) {
            match &mut generated {
                syn::Item::Fn(f) => f.attrs.insert(0, cfg.clone()),
                syn::Item::Const(c) => c.attrs.insert(0, cfg.clone()),
                syn::Item::Macro(m) => m.attrs.insert(0, cfg.clone()),
                _ => {}
            }
            out.extend(generated.into_token_stream());
        }
    }
    out
}

pub fn expand_item(args: TokenStream, item: &syn::ItemFn) -> TokenStream {
    if let Some(out) = crate::adapt::expand(&args, item) {
        return out;
    }
    if let Some(out) = crate::matrix_returns::expand(&args, item) {
        return out;
    }
    if let Some(out) = crate::out_param::expand(&args, item) {
        return out;
    }
    if let Some(out) = crate::in_out::expand(&args, item) {
        return out;
    }
    if let Some(out) = crate::parallel::expand(&args, item) {
        return out;
    }
    if let Some(out) = crate::vector::expand(&args, item) {
        return out;
    }
    // Functions of models and of rows do forward mode, second order and checks themselves.
    let other_path =
        crate::fields::expand(&args, item).or_else(|| crate::rows::expand(&args, item));
    if let Some(mut out) = other_path {
        if let Ok(a) = syn::parse2::<Args>(args) {
            out.extend(tree_check_tests(item, &a));
        }
        return out;
    }
    let item = item.clone();
    let errors = Errors::default();
    let args: Args = match syn::parse2(args) {
        Ok(a) => a,
        Err(e) => {
            errors.push_error(e);
            Args::default()
        }
    };
    let sig = crate::sig::analyze(&item, &args, &errors);
    check_buffer_names(&sig, &errors);
    if args.jvp.is_some() || args.hvp.is_some() {
        crate::jvp::check_names(&sig, &errors);
    }
    if args.hvp.is_some() {
        crate::hvp::check_names(&sig, &errors);
    }
    if crate::desugar::nested_derivatives(&item.block, &errors) {
        let e = errors.combined().expect("an error was pushed");
        return crate::fallback::emit(&item, &sig, &args, e);
    }
    let mut body = item.clone();
    #[cfg(test)]
    if std::env::var_os("GRAD_INPUT").is_some() {
        eprintln!("INPUT: {}", quote::quote!(#body));
    }
    crate::desugar::run(&mut body, &sig, &errors);
    #[cfg(test)]
    if std::env::var_os("GRAD_DESUGARED").is_some() {
        eprintln!("{}", quote::quote!(#body));
    }
    let lowered = if sig.returns_float {
        crate::lower::lower(&body, &sig, &errors)
    } else {
        None
    };
    if let Some(e) = errors.combined() {
        #[cfg(test)]
        if std::env::var_os("GRAD_DESUGARED").is_some() {
            eprintln!("ERRORS: {}", e.to_compile_error());
        }
        return crate::fallback::emit(&item, &sig, &args, e);
    }
    let lowered = lowered.expect("lowering succeeds when it reports no error");
    // Each mode transforms the IR in place, so forward mode lowers the body again.
    let jvp = args.jvp.and_then(|_| {
        let again = crate::lower::lower(&body, &sig, &Errors::default())?;
        Some(crate::jvp::item(&item, &sig, again))
    });
    let hvp = args.hvp.map(|span| {
        let lower = || crate::lower::lower(&body, &sig, &Errors::default());
        match lower() {
            Some(once) => {
                let mut first = Some(once);
                crate::hvp::items(&item, &sig, || {
                    first
                        .take()
                        .or_else(lower)
                        .expect("a body lowered once lowers again")
                })
            }
            None => syn::Error::new(span, "`hvp`: the body could not be lowered again")
                .to_compile_error(),
        }
    });
    let mut out = match differentiate(&item, &sig, lowered, args.fast.is_some()) {
        Ok(out) => out,
        Err(e) => return crate::fallback::emit(&item, &sig, &args, e),
    };
    out.extend(jvp);
    // (A function of a scalar only: callers reach a vector-valued one otherwise.)
    let stub = sig
        .returns_float
        .then(|| crate::hvp::call_stub(&item, &sig));
    out.extend(hvp.or(stub));
    out.extend(check_tests(&item, &sig, &args));
    out
}

/// `check(at(..))` on a method, in either path.
const CHECK_ON_METHOD: &str = "`check(at(..))` generates a test that calls the function by name, which a method cannot be: check a free function, or call `NAME_grad` from a test of your own";

/// `check(at(..))` on a function of rows or of a model: as [`check_tests`], the rows and the
/// model moved number by number through their flat view (`Params`).
fn tree_check_tests(item: &syn::ItemFn, args: &Args) -> TokenStream {
    let Some((span, _)) = args.check.points.first() else {
        return TokenStream::new();
    };
    if matches!(item.sig.inputs.first(), Some(syn::FnArg::Receiver(_))) {
        return syn::Error::new(*span, CHECK_ON_METHOD).to_compile_error();
    }
    let defaults = crate::sig::differentiable_names(&item.sig);
    let flags: Vec<u8> = item
        .sig
        .inputs
        .iter()
        .map(|input| {
            let syn::FnArg::Typed(pt) = input else {
                return 0;
            };
            let syn::Pat::Ident(pi) = &*pt.pat else {
                return 0;
            };
            let named = match &args.wrt {
                Some(w) => w.contains(&pi.ident),
                None => defaults.contains(&pi.ident),
            };
            match &*pt.ty {
                _ if !named => 0,
                t if crate::sig::is_scalar(t) => 1,
                t if crate::rows::is_rows(t) => 4,
                t if crate::sig::seq_of(t).is_some() => {
                    if matches!(t, syn::Type::Reference(_)) {
                        2
                    } else {
                        3
                    }
                }
                // A model, named in `wrt(..)`.
                _ => 4,
            }
        })
        .collect();
    let ty = match &item.sig.output {
        syn::ReturnType::Type(_, t) => crate::sig::float_of(t).unwrap_or(crate::ir::FloatTy::F64),
        syn::ReturnType::Default => crate::ir::FloatTy::F64,
    };
    let ty = Ident::new(ty.name(), Span::call_site());
    let grad = format_ident!("{}_grad", item.sig.ident);
    crate::custom::check_tests(
        &args.check,
        &item.sig.ident,
        &grad,
        None,
        &flags,
        &ty,
        "the gradient",
    )
}

/// The tests `check(at(..))` asks for: `NAME_grad` against central differences of `NAME`.
fn check_tests(item: &syn::ItemFn, sig: &Sig, args: &Args) -> TokenStream {
    let Some((span, _)) = args.check.points.first() else {
        return TokenStream::new();
    };
    if sig.params.iter().any(|p| p.receiver) {
        return syn::Error::new(*span, CHECK_ON_METHOD).to_compile_error();
    }
    let flags: Vec<u8> = sig
        .params
        .iter()
        .map(|p| match (p.active, &p.class) {
            (false, _) | (true, ParamClass::Other) => 0,
            (true, ParamClass::Float) => 1,
            // Taken by value (`Vec<T>`, `[T; N]`): the test passes a copy.
            (true, ParamClass::FloatSeq(_)) if !matches!(p.ty, syn::Type::Reference(_)) => 3,
            (true, ParamClass::FloatSeq(_)) => 2,
        })
        .collect();
    let ty = Ident::new(sig.float_ty.name(), Span::call_site());
    let grad = format_ident!("{}_grad", item.sig.ident);
    let hvp = format_ident!("{}__hvp_call", item.sig.ident);
    crate::custom::check_tests(
        &args.check,
        &item.sig.ident,
        &grad,
        args.hvp.is_some().then_some(&hvp),
        &flags,
        &ty,
        "the gradient",
    )
}

/// For each type in [`Sig::alias_probes`], a call the compiler resolves to a method whose bound
/// is never met when the type is `f64` or `f32` (an inherent method of the probe for those two
/// types, chosen before the trait method every other type gets): a parameter of an alias of the
/// float type, which would silently be a constant, is a compile error at its type.
fn alias_probes(sig: &Sig) -> TokenStream {
    let calls = sig.alias_probes.iter().map(|ty| {
        let span = syn::spanned::Spanned::span(ty);
        quote::quote_spanned! {span=>
            ::grad::runtime::__private::FloatProbe::<#ty>::new().not_the_float_type();
        }
    });
    // Alike, a model (a `Params` type) left constant only because `wrt(..)` is missing.
    let models = sig.model_probes.iter().map(|ty| {
        let span = syn::spanned::Spanned::span(ty);
        quote::quote_spanned! {span=>
            ::grad::runtime::__private::FloatProbe::<#ty>::new().not_a_model();
        }
    });
    if sig.alias_probes.is_empty() && sig.model_probes.is_empty() {
        return TokenStream::new();
    }
    quote! {
        {
            #[allow(unused_imports)]
            use ::grad::runtime::__private::{NotAModel as _, NotTheFloatType as _};
            #(#calls)*
            #(#models)*
        }
    }
}

/// A `d_NAME` buffer must not take the name of another parameter.
fn check_buffer_names(sig: &Sig, errors: &Errors) {
    for p in sig.active_seqs() {
        let what = format!("the gradient buffer of `{}`", p.ident);
        check_name_free(sig, errors, &format!("d_{}", p.ident), &what);
    }
}

/// A name the generated code gives (`d_x`, `v_x`, `hv_x`, `hess`) must not be a parameter's: an
/// error at that parameter, saying what takes the name.
pub fn check_name_free(sig: &Sig, errors: &Errors, name: &str, taken_by: &str) {
    if let Some(clash) = sig.params.iter().find(|q| q.ident == name) {
        errors.push(
            clash.ident.span(),
            format!("the parameter name `{name}` is taken by {taken_by}: rename this parameter"),
        );
    }
}

fn differentiate(
    item: &syn::ItemFn,
    sig: &Sig,
    mut lowered: crate::lower::Lowered,
    fast: bool,
) -> syn::Result<TokenStream> {
    let scalar_inputs: Vec<ValId> = sig
        .params
        .iter()
        .zip(&lowered.params)
        .filter(|(p, _)| p.active && p.class == ParamClass::Float)
        .map(|(_, slot)| match slot {
            ParamSlot::Val(v) => *v,
            ParamSlot::Seq => unreachable!("scalars have values"),
        })
        .collect();
    crate::dce::drop_unread_buffers(&mut lowered.func);
    crate::memory::plan_undo(&mut lowered.func);
    let (mut adjoint, grads) = crate::reverse::reverse(&mut lowered.func, &scalar_inputs);
    if let Some(e) = crate::reverse::recomputed_effect(&lowered.func, &adjoint) {
        return Err(e);
    }
    let named: Vec<(String, Operand)> = sig
        .active_scalars()
        .map(|p| p.ident.to_string())
        .zip(grads.iter().copied())
        .collect();
    let fname = item.sig.ident.to_string();
    // Read before `promote` and `jam` rearrange the loops.
    let blocks = [&lowered.func.body, &adjoint];
    let explained = sig
        .active_seqs()
        .next()
        .is_none()
        .then(|| crate::formula::partials(&lowered.func, &blocks, &fname, &named))
        .flatten()
        .unwrap_or_else(|| crate::formula::loop_notes(&lowered.func.body));
    let mut forward = std::mem::take(&mut lowered.func.body);
    crate::promote::run(&mut lowered.func, &mut forward);
    crate::promote::run(&mut lowered.func, &mut adjoint);
    crate::jam::run(&mut lowered.func, &mut forward, fast);
    lowered.func.body = forward;

    let mut live = std::collections::HashSet::new();
    let roots = grads.iter().chain(std::iter::once(&lowered.func.ret));
    live.extend(roots.filter_map(|o| o.val()));
    crate::dce::eliminate(&mut adjoint, &mut live);
    let read = crate::dce::reads(&adjoint);
    crate::dce::export_reads(&mut lowered.func.body, &read);
    crate::dce::export_reads(&mut adjoint, &Default::default());
    crate::dce::eliminate_forward(&mut lowered.func.body, &mut live, &lowered.func.effects);

    let roots: Vec<Operand> = grads
        .iter()
        .copied()
        .chain(std::iter::once(lowered.func.ret))
        .collect();
    let em = crate::emit::Emitter::new(&lowered.func, &[&lowered.func.body, &adjoint], &roots)
        .with_split_calls(&lowered.func.body);
    let helpers = em.helper_declarations();
    let tapes = em.tape_declarations();
    let buffer_adjoints = em.buffer_adjoint_declarations();
    let forward = em.block(&lowered.func.body);
    let reverse = em.block(&adjoint);
    let value = em.operand(lowered.func.ret);
    let grad_vals: Vec<TokenStream> = grads.iter().map(|g| em.operand(*g)).collect();
    let zero = crate::emit::float_literal(0.0, sig.float_ty);
    let seq_zeroing = sig.active_seqs().map(|p| {
        let d = format_ident!("d_{}", p.ident);
        quote!(#d.fill(#zero);)
    });
    let checks = length_checks(item, sig);
    let float = Ident::new(sig.float_ty.name(), Span::call_site());
    let by_value = sig.params.iter().filter(|p| p.by_ref).map(|p| {
        let id = &p.ident;
        quote!(let #id: #float = *#id;)
    });
    let result = if scalar_inputs.is_empty() && sig.active_seqs().next().is_some() {
        quote!(#value)
    } else {
        quote!((#value, [#(#grad_vals),*]))
    };
    let signature = grad_signature_with(item, sig, &explained);
    let inherited = inherited_attributes(item);
    let items = &lowered.func.items;
    let table = wrt_table(item, sig);
    let allows = generated_allows();
    let probes = alias_probes(sig);
    let stmts = quote! {
        #(#items)*
        #helpers
        #(#by_value)*
        #checks
        #probes
        #(#seq_zeroing)*
        #tapes
        #buffer_adjoints
        #forward
        #reverse
    };
    let body = quote!(#stmts #result);
    let pair = quote!((#value, [#(#grad_vals),*]));
    let dyn_grad = dyn_grad(item, sig, &stmts, &pair);
    let all = all_grad_signature(item, sig).map(|all_signature| {
        quote! {
            #(#inherited)*
            #allows
            #[inline]
            #all_signature {
                #body
            }
        }
    });
    let item = original_item(item);
    Ok(quote! {
        #item
        #table
        #(#inherited)*
        // The parameters mirror the original's; code the gradient does not need may leave one unread.
        #allows
        #signature {
            #body
        }
        #all
        #dyn_grad
    })
}

/// `NAME__all_grad`: `NAME_grad` with a gradient buffer for every float sequence parameter, in
/// order, those `NAME` does not differentiate (left out by `wrt`) ignored. A `#[gradient]`
/// caller of a vector-valued function passes data for such a parameter of its derivation
/// `NAME__dot`, not knowing the callee's `wrt` (other functions' callers call
/// [`dyn_grad_head`]'s `NAME__dyn_grad`). `None` for other functions and without sequence
/// parameters.
pub fn all_grad_signature(item: &syn::ItemFn, sig: &Sig) -> Option<TokenStream> {
    // A vector-valued function's `NAME__dot` takes its cotangent `d_out` as data, and callers
    // pass no buffer for it.
    let d_out = crate::naming::hidden("d_out");
    let seqs = || {
        sig.params
            .iter()
            .filter(|p| matches!(p.class, ParamClass::FloatSeq(_)) && p.ident != d_out)
    };
    // Functions the macro writes for itself (a model's flat inner function) are called by the
    // macro's own code, which knows their signature.
    let own =
        item.sig.ident.to_string().starts_with("__") || item.attrs.iter().any(is_rewritten_marker);
    // A method's `self` is data here (a model's methods are derived through `fields`), and its
    // callers, given that data as a parameter, call it by path (`Layer::forward(layer, x)`).
    if seqs().next().is_none() || own || !item.sig.ident.to_string().ends_with("__dot") {
        return None;
    }
    let vis = &item.vis;
    let name = format_ident!("{}__all_grad", item.sig.ident);
    let generics = &item.sig.generics;
    let where_clause = &generics.where_clause;
    let ty = Ident::new(sig.float_ty.name(), Span::call_site());
    let params = sig_params(sig);
    let bufs = seqs().map(|p| {
        let d = if p.active {
            format_ident!("d_{}", p.ident)
        } else {
            format_ident!("_")
        };
        match &p.class {
            ParamClass::FloatSeq(SeqShape::Array(n)) => quote!(#d: &mut [#ty; #n]),
            _ => quote!(#d: &mut [#ty]),
        }
    });
    let k = sig.active_scalars().count();
    let ret = if k == 0 && sig.active_seqs().next().is_some() {
        quote!(#ty)
    } else {
        quote!((#ty, [#ty; #k]))
    };
    Some(quote! {
        #[doc(hidden)]
        #vis fn #name #generics (#(#params,)* #(#bufs),*) -> #ret #where_clause
    })
}

/// `NAME__dyn_grad` (see [`dyn_grad_head`]): in an `impl` (a method, or a function that names
/// `Self`), a call of `Self::NAME_grad` with the buffers cut from the slots; elsewhere the body
/// `stmts` of `NAME_grad` again, giving `pair` (a caller cannot name `NAME_grad` from its own
/// expansion in a way that holds both for a free function and for an associated one; `#[inline]`:
/// no code unless called).
fn dyn_grad(item: &syn::ItemFn, sig: &Sig, stmts: &TokenStream, pair: &TokenStream) -> TokenStream {
    let Some((head, prelude)) = dyn_grad_head(item, sig) else {
        return TokenStream::new();
    };
    let inherited = inherited_attributes(item);
    let allows = generated_allows();
    let body = match sibling_path(item) {
        Some(qual) => {
            let grad = format_ident!("{}_grad", item.sig.ident);
            let args = sig.params.iter().map(|p| {
                if p.receiver {
                    quote!(self)
                } else {
                    p.ident.to_token_stream()
                }
            });
            let bufs = sig.active_seqs().map(|p| format_ident!("d_{}", p.ident));
            let call = quote!(#qual #grad(#(#args,)* #(#bufs),*));
            let value_only =
                sig.active_scalars().next().is_none() && sig.active_seqs().next().is_some();
            if value_only {
                quote!((#call, []))
            } else {
                call
            }
        }
        None => quote!(#stmts #pair),
    };
    quote! {
        #(#inherited)*
        #allows
        #[inline]
        #head {
            #prelude
            #body
        }
    }
}

/// `NAME__dyn_grad(params.., slots: [&mut Vec<T>; N]) -> (T, [T; K])`, and the statements that
/// bind its gradient buffers: `NAME_grad` with a buffer per parameter, those of sequences sized
/// here and the others ignored. A `#[gradient]` caller that passes an argument whose type it
/// cannot see (`&data.x[i]`, a field of `self`) calls it, not knowing whether the callee's
/// parameter there is a sequence (see `emit::dynamic_call`). `None` for the functions the macro
/// writes for itself, which its own code calls.
pub fn dyn_grad_head(item: &syn::ItemFn, sig: &Sig) -> Option<(TokenStream, TokenStream)> {
    // (`NAME__inout` stands for the user's function: see `in_out`.)
    let name = item.sig.ident.to_string();
    let own = name.trim_end_matches("__inout").contains("__")
        || item.attrs.iter().any(is_rewritten_marker);
    // A function of floats and integers taken by value is given no data of an unseen type (a
    // caller passes such data by reference, see `Lowerer::unseen_type`): its callers call
    // `NAME_grad`, and it needs no second body.
    let plain = sig.params.iter().all(|p| {
        p.receiver
            || (p.class == ParamClass::Float && !p.by_ref)
            || crate::lower::primitive_kind(&p.ty) != crate::ir::Kind::Other
    });
    if own || plain {
        return None;
    }
    let vis = &item.vis;
    let name = format_ident!("{}__dyn_grad", item.sig.ident);
    let generics = &item.sig.generics;
    let where_clause = &generics.where_clause;
    let ty = Ident::new(sig.float_ty.name(), Span::call_site());
    let zero = crate::emit::float_literal(0.0, sig.float_ty);
    let params = sig_params(sig);
    let slots = crate::naming::hidden("slots");
    let n = sig.params.len();
    let k = sig.active_scalars().count();
    let mut names = Vec::new();
    let mut bind = Vec::new();
    for (i, p) in sig.params.iter().enumerate() {
        let ParamClass::FloatSeq(shape) = &p.class else {
            names.push(quote!(_));
            continue;
        };
        if !p.active {
            names.push(quote!(_));
            continue;
        }
        let (slot, id) = (crate::naming::hidden(&format!("slot{i}")), &p.ident);
        let d = format_ident!("d_{}", p.ident);
        names.push(quote!(#slot));
        bind.push(quote! {
            #slot.clear();
            #slot.resize((#id).len(), #zero);
        });
        bind.push(match shape {
            SeqShape::Array(n) => quote! {
                let #d: &mut [#ty; #n] = ::core::convert::TryInto::try_into(&mut #slot[..])
                    .expect("the gradient of an array has its length");
            },
            _ => quote!(let #d: &mut [#ty] = &mut #slot[..];),
        });
    }
    let head = quote! {
        #[doc(hidden)]
        #vis fn #name #generics (#(#params,)* #slots: [&mut ::std::vec::Vec<#ty>; #n]) -> (#ty, [#ty; #k]) #where_clause
    };
    let prelude = quote! {
        let [#(#names),*] = #slots;
        #(#bind)*
    };
    Some((head, prelude))
}

/// How a generated wrapper calls the functions emitted beside it: `Self::` for a method or an
/// associated function that names `Self` (so it stands in an `impl`); `None` otherwise, where
/// the macro cannot tell a free function (called bare) from an associated one (called with
/// `Self::`), and the wrapper carries copies of what it calls as items nested in its body,
/// which resolve the same in both places (a body that names no `Self` needs nothing of the
/// `impl`).
pub fn sibling_path(item: &syn::ItemFn) -> Option<TokenStream> {
    let names_self = |ts: TokenStream| crate::naming::mentions(ts, &|i| i == "Self");
    let in_impl = item.sig.receiver().is_some()
        || names_self(item.sig.to_token_stream())
        || names_self(item.block.to_token_stream());
    in_impl.then(|| quote!(Self::))
}

/// The user's function as written, allowed to be unused: a loss whose gradient alone is called
/// is not dead code. (`NAME_grad` cannot name it to mark it used: inside an `impl` or a trait it
/// is `Self::NAME`, outside it is `NAME`, and the macro cannot tell where it stands.)
pub fn original_item(item: &syn::ItemFn) -> syn::ItemFn {
    let mut item = item.clone();
    // A rewritten copy (see `rewritten_marker`) is never called for its value: without its body,
    // so that reads the rewrite leaves in another type (a field's array copied, `let mut h =
    // self.h0;`, is a slice there) are no errors of their own.
    if item.attrs.iter().any(is_rewritten_marker) {
        *item.block = syn::parse_quote!({
            ::core::unreachable!(
                "a copy of the user's function that `#[gradient]` derives, never called"
            )
        });
        item.attrs
            .push(syn::parse_quote!(#[allow(unused_mut, unused_variables)]));
    }
    item.attrs.retain(|a| !is_rewritten_marker(a));
    item.attrs.push(syn::parse_quote!(#[allow(dead_code)]));
    // (Its shorthand fields are written out: see `naming::write_out_fields`.)
    item.attrs.push(syn::parse_quote!(
        #[allow(clippy::redundant_field_names, non_shorthand_field_patterns)]
    ));
    crate::plain_helpers::strip(&mut item);
    item
}

/// The attribute that marks a function the macro wrote from the user's body for its own use
/// (the flat inner function of a model or of rows): never called for its value, and rewritten
/// in ways that type-check only when the rewrite succeeded. When the derivation of such a copy
/// reports an error, the copy is emitted without its body, so that the error is the only one.
pub fn rewritten_marker() -> syn::Attribute {
    syn::parse_quote!(#[doc = "grad: a rewritten copy of the user's function"])
}

/// Whether `a` is [`rewritten_marker`].
pub fn is_rewritten_marker(a: &syn::Attribute) -> bool {
    a == &rewritten_marker()
}

/// The original's lint levels and `cfg`s apply to its gradient too.
/// An inner attribute of the body (`#![allow(unused)]`) becomes an outer one of `NAME_grad`.
pub fn inherited_attributes(item: &syn::ItemFn) -> Vec<syn::Attribute> {
    const INHERITED: &[&str] = &[
        "allow", "warn", "deny", "forbid", "expect", "cfg", "cfg_attr",
    ];
    item.attrs
        .iter()
        .filter(|a| INHERITED.iter().any(|n| a.path().is_ident(n)))
        .map(|a| syn::Attribute {
            style: syn::AttrStyle::Outer,
            ..a.clone()
        })
        .collect()
}

/// In `NAME_grad_wrt`, a differentiated model (`m: &Model`, see `fields`), whose gradient is
/// `d_m: &mut Model`: a caller that gives a sequence there (a field that is a model itself,
/// `f(&m.layer)`) is told so at the call.
pub const MODEL_FLAG: u8 = 6;

/// `NAME_grad_wrt`: how `NAME_grad` treats each parameter, in order: 0 a constant, 1 a
/// differentiated scalar (a slot of the returned gradient), 2 a differentiated sequence (a `d_`
/// buffer), [`MODEL_FLAG`] a model. Callers read it at compile time to find each argument's slot and to check that every
/// argument they differentiate has a derivative (see `emit::Emitter::checked_call`).
pub fn wrt_table(item: &syn::ItemFn, sig: &Sig) -> TokenStream {
    let vis = &item.vis;
    let name = format_ident!("{}_grad_wrt", item.sig.ident);
    let flags = sig.params.iter().map(|p| match (p.active, &p.class) {
        (false, _) | (true, ParamClass::Other) => 0u8,
        (true, ParamClass::Float) => 1,
        (true, ParamClass::FloatSeq(_)) => 2,
    });
    let n = sig.params.len();
    let doc = format!(
        " Which parameters [`{}_grad`] differentiates.",
        item.sig.ident
    );
    let cfgs = item
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg") && matches!(a.style, syn::AttrStyle::Outer));
    // A method's callers given its `self` as data reach the table through the value (they
    // cannot name its type). Not `const`: a trait's default methods may not be.
    let of = item.sig.receiver().is_some().then(|| {
        let of = format_ident!("{}_of", name);
        let cfgs = cfgs.clone();
        quote! {
            #(#cfgs)*
            #[doc(hidden)]
            #[must_use]
            #[allow(non_snake_case, dead_code)]
            #[inline]
            #vis fn #of(&self) -> [u8; #n] {
                Self::#name
            }
        }
    });
    quote! {
        #(#cfgs)*
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #name: [u8; #n] = [#(#flags),*];
        #of
    }
}

/// Every `d_NAME` slice must have the length of `NAME`.
pub fn length_checks(item: &syn::ItemFn, sig: &Sig) -> TokenStream {
    let fname = format!("{}_grad", item.sig.ident);
    sig.active_seqs()
        .filter(|p| p.class == ParamClass::FloatSeq(SeqShape::Slice))
        .map(|p| {
            let x = &p.ident;
            let d = format_ident!("d_{}", p.ident);
            let msg = format!(
                "{fname}: the gradient buffer `{d}` has length {{}} but `{x}` has length {{}}; pass a buffer as long as `{x}`"
            );
            quote!(::core::assert!(#d.len() == #x.len(), #msg, #d.len(), #x.len());)
        })
        .collect()
}

/// The original parameters as the generated functions declare them (the receiver as written).
pub fn sig_params(sig: &Sig) -> Vec<TokenStream> {
    sig.params
        .iter()
        .map(|p| {
            let (id, t) = (&p.ident, &p.ty);
            if p.receiver {
                p.self_decl.clone()
            } else {
                quote!(#id: #t)
            }
        })
        .collect()
}

/// The lints generated code may trip in the user's crate: names and unused values of the IR,
/// comparisons of floats with constants, `a = a + b` for a generic float type (which has
/// no `AddAssign` unless the user asked for it), and the user's shorthand fields written out
/// (see `naming::write_out_fields`) in patterns and literals carried along.
const ALLOWS: &str = "non_snake_case, unused_variables, unused_assignments, unused_mut, unreachable_code, non_shorthand_field_patterns, clippy::too_many_arguments, clippy::needless_late_init, clippy::float_cmp, clippy::needless_borrow, clippy::diverging_sub_expression, clippy::assign_op_pattern, clippy::unnecessary_cast, clippy::redundant_field_names";

/// `#[allow(..)]` of [`ALLOWS`], on every generated function derived from the IR.
pub fn generated_allows() -> TokenStream {
    let lints: TokenStream = ALLOWS.parse().expect("lint names parse");
    quote!(#[allow(#lints)])
}

/// `vis fn NAME_grad(params.., d_bufs..) -> (T, [T; K])`, shared with the fallback stub.
pub fn grad_signature(item: &syn::ItemFn, sig: &Sig) -> TokenStream {
    grad_signature_with(item, sig, &[])
}

/// [`grad_signature`] whose rustdoc also shows `explained` (the derivative's formulas, or how
/// its loops are differentiated), one paragraph line each.
pub fn grad_signature_with(item: &syn::ItemFn, sig: &Sig, explained: &[String]) -> TokenStream {
    let vis = &item.vis;
    let name = format_ident!("{}_grad", item.sig.ident);
    let generics = &item.sig.generics;
    let where_clause = &generics.where_clause;
    let ty = Ident::new(sig.float_ty.name(), Span::call_site());
    let params = sig_params(sig);
    let bufs = sig.active_seqs().map(|p| {
        let d = format_ident!("d_{}", p.ident);
        match &p.class {
            ParamClass::FloatSeq(SeqShape::Array(n)) => quote!(#d: &mut [#ty; #n]),
            _ => quote!(#d: &mut [#ty]),
        }
    });
    let k = sig.active_scalars().count();
    let returns_value_only = k == 0 && sig.active_seqs().next().is_some();
    let ret = if returns_value_only {
        quote!(#ty)
    } else {
        quote!((#ty, [#ty; #k]))
    };
    let wrt: Vec<String> = sig
        .params
        .iter()
        .filter(|p| p.active)
        .map(|p| format!("`{}`", p.ident))
        .collect();
    let doc = format!(
        " Value and gradient of [`{}`] with respect to {}, generated by `#[gradient]`.",
        item.sig.ident,
        if wrt.is_empty() {
            "nothing".to_string()
        } else {
            wrt.join(", ")
        }
    );
    // A `NAME_grad` that returns only the value is often called just to fill the buffers.
    let must_use = (!returns_value_only).then(|| quote!(#[must_use]));
    let explained = (!explained.is_empty()).then(|| {
        let lines = explained.iter().map(|l| format!(" - {l}"));
        quote! {
            #[doc = ""]
            #(#[doc = #lines])*
        }
    });
    quote! {
        #[doc = #doc]
        #explained
        #must_use
        #vis fn #name #generics (#(#params,)* #(#bufs),*) -> #ret #where_clause
    }
}
