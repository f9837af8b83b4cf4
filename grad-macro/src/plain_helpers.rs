//! Helpers without `#[gradient]`: a loss calls `sigmoid(z)`, a free function of its module that
//! nobody annotated (or `self.forward(x)`, a plain method: see `plain_methods`). The macro cannot
//! see another item, but it has read the file (`prescan`), so it tries, in order:
//!
//! 1. the function as written: helpers called with constants only stay calls;
//! 2. a copy of each helper the body calls (and of those they call) at the top of the body as a
//!    nested `fn`, which `desugar` inlines at its calls as it does the user's own nested
//!    functions (a recursive or generic helper is a nested `#[gradient]` function there);
//! 3. every copy a nested `#[gradient]` function, derived as if annotated;
//! 4. the errors of the second form, with a note at the helper whose body holds them.
//!
//! A helper taking a closure is specialized at each call from its source (`closure_calls`).
//! The user's function keeps calling the module's helpers, so its value is the same code's; the
//! copies are dropped from the function emitted as the user's (`strip`).
//!
//! A copy is taken only where the call means the module's function: by its bare name, in the
//! module of the caller (or the one above, under `use super::*;`), with no local, parameter or
//! item of the body of that name, no hand-written rule beside it, and a float or a struct among
//! its parameters (a function of integers or a constructor of data stays a call).

use proc_macro2::Ident;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use std::collections::{BTreeMap, HashSet};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// The marker of a copied helper, removed from the user's function as emitted.
fn marker() -> syn::Attribute {
    syn::parse_quote!(#[doc = "grad: a helper of the module, copied to be inlined"])
}

/// The expansion of `item` (by `expand_from`, which expands one form of it) with the helpers
/// without `#[gradient]` it calls: inlined; where that fails, derived in it as if annotated;
/// where that fails too, left calls (right when they get constants only; else the first form's
/// errors, with why at each helper's call).
pub fn expand(
    item: &syn::ItemFn,
    args: &TokenStream,
    expand_from: &dyn Fn(&syn::ItemFn) -> TokenStream,
) -> TokenStream {
    let recursive = derive_recursive_items(item, args);
    let item = recursive.as_ref().unwrap_or(item);
    let injection = inject(item, args);
    let outer = crate::closure_calls::set_plain_helpers(injection.with_closures.clone());
    // Called with constants only (data the loss prepares, `median(data)`), helpers stay calls
    // as written, whatever their bodies hold: then nothing is copied.
    let as_calls = match (&injection.item, &injection.rewritten) {
        (Some(_), None) => {
            let plain = expand_from(item);
            let needed = injection
                .copied
                .iter()
                .any(|(name, ..)| needs_derivative(&plain, name));
            (!failed(&plain) && !needed && !injection.resizing).then_some(plain)
        }
        _ => None,
    };
    let out = match (as_calls, &injection.item, &injection.derived) {
        (Some(plain), ..) => plain,
        (None, Some(with), derived) => {
            let out = expand_from(with);
            #[cfg(test)]
            if std::env::var_os("GRAD_ATTEMPTS").is_some() {
                eprintln!("INLINED ATTEMPT: {out}");
            }
            // A copy still called where its derivative is needed was not inlined there.
            let not_inlined = |out: &TokenStream| {
                failed(out)
                    || injection
                        .copied
                        .iter()
                        .any(|(name, _, inlined)| *inlined && needs_derivative(out, name))
            };
            // Inlined, then derived as helpers of their own, then left calls.
            let out = match derived {
                Some(derived) if not_inlined(&out) => {
                    let again = expand_from(derived);
                    // (A mode the derived helpers' callers do not support, `hvp` of a model
                    // passed whole, is what to read: the first form's error is the inlining's.)
                    // So is a call of an annotated helper that refills a `Vec` it is lent,
                    // which only inlining follows, where the inlining did not take.
                    if failed(&again) && !mode_refused(&again) && !refill_refused(&again) {
                        out
                    } else {
                        again
                    }
                }
                _ => out,
            };
            if failed(&out) && !mode_refused(&out) && !refill_refused(&out) {
                plain_or_explained(item, out, expand_from(item), &injection.copied)
            } else {
                out
            }
        }
        (None, None, _) => expand_from(injection.rewritten.as_ref().unwrap_or(item)),
    };
    // A helper left a call that gets a derivative: rustc would say only that `NAME_grad` is
    // missing.
    let refused = injection
        .refused
        .iter()
        .filter(|(name, ..)| needs_derivative(&out, name))
        .map(|(name, span, why)| {
            let msg = format!(
                "`{name}` has no `#[gradient]`, and `#[gradient]` can neither inline nor derive it here ({why}): annotate `{name}` with `#[gradient]`"
            );
            syn::Error::new(*span, msg).to_compile_error()
        })
        .collect::<Vec<_>>();
    forget_original();
    crate::closure_calls::set_plain_helpers(outer);
    quote::quote!(#out #(#refused)*)
}

/// Input: a loss declaring a plain function in its body that calls itself (`fn p(x: f64, n: u32)
/// -> f64 { .. x * p(x, n - 1) }`), which `desugar` cannot inline.
/// Output: the loss with that function under `#[gradient]` (with the caller's `jvp` and `hvp`), as
/// a recursive helper of the module is derived: its calls are calls of a derived function, whose
/// `NAME_grad` then exists. `None` when the body declares no such function.
fn derive_recursive_items(item: &syn::ItemFn, args: &TokenStream) -> Option<syn::ItemFn> {
    struct Items<'a>(&'a TokenStream, bool);
    impl VisitMut for Items<'_> {
        fn visit_item_fn_mut(&mut self, f: &mut syn::ItemFn) {
            syn::visit_mut::visit_item_fn_mut(self, f);
            let annotated = f.attrs.iter().any(|a| {
                *a == marker()
                    || *a == derived_marker()
                    || a.path()
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "gradient" || s.ident == "custom_gradient")
            });
            let sig = &f.sig;
            // (Of its own type parameter too: `fn p<T: Real>(x: T, n: u32) -> T` in a generic
            // loss.)
            let floats = sig.inputs.iter().any(|a| match a {
                syn::FnArg::Typed(pt) => {
                    crate::sig::holds_float(&pt.ty)
                        || sig.generics.type_params().any(|t| {
                            crate::naming::mentions(pt.ty.to_token_stream(), &|i| *i == t.ident)
                        })
                }
                syn::FnArg::Receiver(_) => false,
            });
            if annotated
                || !floats
                || !derivable(sig)
                || !crate::naming::mentions(f.block.to_token_stream(), &|i| *i == sig.ident)
            {
                return;
            }
            let args = self.0;
            f.attrs.push(syn::parse_quote!(#[::grad::gradient(#args)]));
            self.1 = true;
        }
    }
    let Ok(args) = syn::parse2::<crate::attr::Args>(args.clone()) else {
        return None;
    };
    let modes = caller_modes(&args);
    let mut out = item.clone();
    let mut items = Items(&modes, false);
    for st in &mut out.block.stmts {
        items.visit_stmt_mut(st);
    }
    items.1.then_some(out)
}

/// The caller's modes a helper derived for it must have too (`jvp, hvp`).
fn caller_modes(args: &crate::attr::Args) -> TokenStream {
    let jvp = args.jvp.map(|_| quote::quote!(jvp));
    let hvp = args.hvp.map(|_| quote::quote!(hvp));
    let modes = [jvp, hvp].into_iter().flatten();
    quote::quote!(#(#modes),*)
}

/// Where `span` is in the file, as printed (`bytes(120..127)`; without the hygiene context, which
/// an error's span may not share with the tokens it stands at).
fn place(span: Span) -> String {
    let printed = format!("{span:?}");
    match printed.find("bytes(") {
        Some(at) => printed[at..].to_string(),
        None => printed,
    }
}

/// The places (see [`place`]) of the tokens of the calls of `name` in `item` (an error of the
/// inlined body may stand at an argument).
fn call_places(item: &syn::ItemFn, name: &str) -> Vec<String> {
    struct Calls<'a>(&'a str, Vec<String>);
    impl<'ast> Visit<'ast> for Calls<'_> {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident(self.0)) {
                let mut stack: Vec<TokenTree> = c.to_token_stream().into_iter().collect();
                while let Some(t) = stack.pop() {
                    if let TokenTree::Group(g) = &t {
                        stack.extend(g.stream());
                    }
                    self.1.push(place(t.span()));
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut c = Calls(name, Vec::new());
    c.visit_block(&item.block);
    c.1
}

/// The places (see [`place`]) of the errors in `out`.
fn error_spans(out: &TokenStream) -> Vec<String> {
    let mut spans = Vec::new();
    fn walk(ts: TokenStream, spans: &mut Vec<String>) {
        for t in ts {
            match t {
                TokenTree::Ident(i) if i == "compile_error" => spans.push(place(i.span())),
                TokenTree::Group(g) => walk(g.stream(), spans),
                _ => {}
            }
        }
    }
    walk(out.clone(), &mut spans);
    spans
}

/// Whether an expansion failed with an error of its own.
fn failed(out: &TokenStream) -> bool {
    crate::naming::mentions(out.clone(), &|i| i == "compile_error")
}

/// Whether `out` calls a derivative of `name` (`name_grad`, `name__dyn_grad`, ..).
fn needs_derivative(out: &TokenStream, name: &str) -> bool {
    crate::naming::mentions(out.clone(), &|i| {
        i.to_string()
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with("_grad") || rest.starts_with("__"))
    })
}

/// The expansion with helpers inlined failed (`with`): the one without (`plain`) if it does not
/// need their derivatives (they are called with constants only, and stay calls) or fails too,
/// else `with` and why at each helper's call.
fn plain_or_explained(
    item: &syn::ItemFn,
    with: TokenStream,
    plain: TokenStream,
    copied: &[(String, Span, bool)],
) -> TokenStream {
    // The helpers an error of `with` stands in (each copy's tokens carry its call's span).
    let at = error_spans(&with);
    let helpers: Vec<_> = copied
        .iter()
        .filter(|(name, span, _)| {
            let here = call_places(item, name);
            needs_derivative(&plain, name)
                && (at.contains(&place(*span)) || here.iter().any(|p| at.contains(p)))
        })
        .collect();
    // Plain methods the first form followed are unfollowed calls in the plain one: its error
    // would name them, not what failed.
    let unfollowed = |t: &TokenStream| t.to_string().contains("cannot follow `.");
    if failed(&plain) && unfollowed(&plain) && failed(&with) && !unfollowed(&with) {
        return with;
    }
    if failed(&plain) || helpers.is_empty() {
        return if failed(&plain) || !copied.iter().any(|(n, ..)| needs_derivative(&plain, n)) {
            plain
        } else {
            with
        };
    }
    let caller = item.sig.ident.to_string();
    let notes = helpers.iter().map(|(name, span, _)| {
        let msg = if crate::prescan::annotated_beside(&caller, name) {
            format!(
                "`{name}` takes a tuple or changes the length of a `Vec` it is lent, so `#[gradient]` differentiates its body inlined at this call, and could not: the error here names what it refuses"
            )
        } else {
            format!(
                "`{name}` has no `#[gradient]`, so `#[gradient]` differentiates its body (read from this file) inlined at this call, and could not: the error here names what it refuses; annotate `{name}` with `#[gradient]` to see that error at its own tokens"
            )
        };
        syn::Error::new(*span, msg).to_compile_error()
    });
    quote::quote!(#with #(#notes)*)
}

/// Whether an expansion failed on a mode it does not support yet (``hvp` is not supported yet
/// for ..`).
fn mode_refused(out: &TokenStream) -> bool {
    let text = out.to_string();
    text.contains("compile_error") && text.contains("is not supported yet for")
}

/// Whether an expansion failed on a call of a helper that refills a `Vec` it is lent where it
/// cannot be inlined (see `lower::calls`).
fn refill_refused(out: &TokenStream) -> bool {
    let text = out.to_string();
    text.contains("compile_error") && text.contains(crate::lower::REFILL_REFUSED)
}

/// The mark of a copy that keeps its calls and is derived as a `#[gradient]` function of its
/// own (see [`Injection::derived`]): `desugar` does not inline it.
pub fn derived_marker() -> syn::Attribute {
    syn::parse_quote!(#[doc = "grad: a helper of the module, copied to be derived"])
}

/// What [`inject`] did: the function with its copies (`None` when it copied none), the helpers
/// copied and those it could not copy (with why), each with the span of its first call.
pub struct Injection {
    pub item: Option<syn::ItemFn>,
    /// The same with each copy under `#[gradient]` (with the caller's `jvp` and `hvp`) instead
    /// of inlined: for a body the inlining does not take, as an annotated helper's would be.
    pub derived: Option<syn::ItemFn>,
    /// Each with whether the first form inlines it.
    pub copied: Vec<(String, Span, bool)>,
    /// The function with its calls of plain methods rewritten, when it has some (and copied no
    /// helper: else `item` has them too).
    pub rewritten: Option<syn::ItemFn>,
    /// The helpers taking closures: each call makes a function of its own from the helper's
    /// body, as for a `#[gradient]` one (see `closure_calls`).
    pub with_closures: Vec<syn::ItemFn>,
    pub refused: Vec<(String, Span, &'static str)>,
    /// Whether a copy changes the length of a `Vec` it is lent: a call of it on constants stays
    /// no call as written (the engine lends buffers as slices of their length).
    pub resizing: bool,
}

/// `item` with a copy of each helper without `#[gradient]` it calls (and of those they call).
pub fn inject(item: &syn::ItemFn, args: &TokenStream) -> Injection {
    let mut done = Injection {
        item: None,
        derived: None,
        rewritten: None,
        copied: Vec::new(),
        with_closures: Vec::new(),
        refused: Vec::new(),
        resizing: false,
    };
    CALLER.with(|c| *c.borrow_mut() = Some(item.sig.ident.to_string()));
    let mut known = crate::prescan::plain_functions(&item.sig.ident.to_string());
    // The modes of the caller, which a copy derived on its own must have too.
    let Ok(args) = syn::parse2::<crate::attr::Args>(args.clone()) else {
        return done;
    };
    // Plain methods called on the model (`self.forward(x)`) as calls of free functions.
    let (methods, mut rewritten) = crate::plain_methods::rewrite(item);
    if rewritten.is_some() {
        known.extend(methods);
    }
    // Helpers of other modules of the file (`act::relu(z)`, `use act::relu;`).
    let own: BTreeMap<String, String> = known.iter().cloned().collect();
    let caller = item.sig.ident.to_string();
    let paths = crate::plain_paths::rewrite(rewritten.as_ref().unwrap_or(item), &caller, &own);
    known.extend(paths.known);
    done.refused.extend(paths.refused);
    if paths.rewritten.is_some() {
        rewritten = paths.rewritten;
    }
    if let Some(r) = &rewritten {
        remember_original(item);
        done.rewritten = Some(r.clone());
    }
    let written = item;
    let item = rewritten.as_ref().unwrap_or(item);
    if known.is_empty() {
        return done;
    }
    let bound = bound_names(item);
    let float = caller_float(&item.sig);
    // A helper whose name a local takes inside a macro's tokens cannot be copied; its calls get
    // a derivative only where they get a differentiated value, and then say why.
    let in_macros = locals_in_macros(&item.block);
    let hidden: BTreeMap<String, String> = known
        .iter()
        .filter(|(n, _)| in_macros.contains(n))
        .cloned()
        .collect();
    for (name, span) in calls(&item.block, &hidden) {
        if !done.refused.iter().any(|(n, ..)| *n == name) {
            done.refused.push((name, span, IN_MACRO));
        }
    }
    let mut known: BTreeMap<String, String> = known
        .into_iter()
        .filter(|(n, _)| !bound.contains(n) && item.sig.ident != n.as_str())
        .collect();
    // Each copy, and whether the inlining takes it (else it is derived on its own in both forms).
    let mut taken: Vec<(syn::ItemFn, bool)> = Vec::new();
    let mut queue = calls(&item.block, &known);
    while let Some((name, span)) = queue.pop() {
        let seen = |(n, ..): &(String, Span, &str)| *n == name;
        if done.copied.iter().any(|(n, ..)| *n == name) || done.refused.iter().any(seen) {
            continue;
        }
        // (Before the test of a numeric signature: the closure may be all the floats a helper
        // taking one is given, `integrate(|t| a * t, n)`.)
        if let Some(mut f) = taking_closures(&known[&name], span) {
            // The plain helpers it calls, copied into it: its specialization inlines them as
            // the caller's copies are (it has no module of its own to find them in).
            with_copies(&mut f, &known);
            // The user's function keeps calling it (the specialized functions compute the
            // same, and a helper called from nowhere else would be dead code).
            remember_original(written);
            done.with_closures.push(f);
            done.copied.push((name, span, false));
            continue;
        }
        if !signature_of(&known[&name]).is_some_and(|sig| numeric(&sig)) {
            continue;
        }
        // (Named with its type, `twice::<f64>(x)`, it stays generic: the call names that.)
        let float = float.as_ref().filter(|_| !turbofish(&item.block, &name));
        match copy(&known[&name], span, float) {
            Ok((mut f, inlined)) => {
                // Its own calls of plain methods (`a.apply(z)` of an enum's values it is lent),
                // as the caller's.
                let (methods, with_calls) = crate::plain_methods::rewrite_in(written, &f);
                if let Some(r) = with_calls {
                    f = r;
                    for (n, src) in methods {
                        known.entry(n).or_insert(src);
                    }
                }
                // Its own calls of helpers of other modules (`act::relu(z)`), as the caller's.
                let paths = crate::plain_paths::rewrite(&f, &caller, &own);
                if let Some(r) = paths.rewritten {
                    f = r;
                }
                for (n, src) in paths.known {
                    known.entry(n).or_insert(src);
                }
                done.refused.extend(paths.refused);
                queue.extend(calls(&f.block, &known));
                done.resizing |= crate::out_param::resizes_vec_param(&f);
                taken.push((f, inlined));
                done.copied.push((name, span, inlined));
            }
            // Stays a call: right when its arguments are constants, else reported by `expand`.
            Err(why) => done.refused.push((name, span, why)),
        }
    }
    if taken.is_empty() {
        return done;
    }
    let mut out = item.clone();
    let arity: BTreeMap<String, usize> = taken
        .iter()
        .filter(|(_, inlined)| *inlined)
        .map(|(f, _)| (f.sig.ident.to_string(), f.sig.inputs.len()))
        .collect();
    let mut values = Values(&arity, Vec::new(), local_names(&out.block));
    values.visit_block_mut(&mut out.block);
    for (f, _) in &mut taken {
        values.2 = local_names(&f.block);
        values.visit_block_mut(&mut f.block);
    }
    let modes = caller_modes(&args);
    let attr: syn::Attribute = syn::parse_quote!(#[::grad::gradient(#modes)]);
    // A helper of data (a struct, an integer) stays a function: inlined, or called with
    // constants as written.
    let derive = |mut f: syn::ItemFn| {
        generic_again(&mut f);
        if derivable(&f.sig) {
            f.attrs.push(derived_marker());
            // A model parameter (a plain method's receiver) is differentiated when named.
            let models: Vec<&Ident> = f
                .sig
                .inputs
                .iter()
                .filter_map(|a| match a {
                    syn::FnArg::Typed(pt)
                        if crate::fields::is_struct_ref(&pt.ty) && !of_data(&pt.ty) =>
                    {
                        match &*pt.pat {
                            syn::Pat::Ident(p) => Some(&p.ident),
                            _ => None,
                        }
                    }
                    _ => None,
                })
                .collect();
            if models.is_empty() {
                f.attrs.push(attr.clone());
            } else {
                let floats = crate::sig::differentiable_names(&f.sig);
                let wrt = f.sig.inputs.iter().filter_map(|a| match a {
                    syn::FnArg::Typed(pt) => match &*pt.pat {
                        syn::Pat::Ident(p)
                            if models.contains(&&p.ident) || floats.contains(&p.ident) =>
                        {
                            Some(p.ident.clone())
                        }
                        _ => None,
                    },
                    syn::FnArg::Receiver(_) => None,
                });
                let wrt = quote::quote!(wrt(#(#wrt),*));
                let args = if modes.is_empty() {
                    wrt
                } else {
                    quote::quote!(#wrt, #modes)
                };
                // Its callers learn from its signature that it takes a model, as they learn it
                // of an annotated function of the file (see `prescan`).
                crate::prescan::register(&args, &f);
                f.attrs.push(syn::parse_quote!(#[::grad::gradient(#args)]));
            }
        }
        f
    };
    // Plain methods called on a model's parts (`self.a.score(x)`): their bodies read the
    // parts' fields in place, which every mode follows (a part passed whole is not, to `hvp`).
    let receivers: Vec<syn::ItemFn> = taken
        .iter()
        .filter(|(f, _)| {
            matches!(f.sig.inputs.first(), Some(syn::FnArg::Typed(pt))
                if matches!(&*pt.pat, syn::Pat::Ident(p) if p.ident == "grad_this"))
        })
        .map(|(f, _)| f.clone())
        .collect();
    // The lints a copy's user allowed (`#[allow(clippy::manual_range_contains)]` on the
    // helper) are allowed where it is inlined: the generated functions run its code at the call.
    for a in taken.iter().flat_map(|(f, _)| &f.attrs) {
        if a.path().is_ident("allow") && !out.attrs.contains(a) {
            out.attrs.push(a.clone());
        }
    }
    // (The form that derives the copies on their own keeps the calls.)
    let mut derived = out.clone();
    if !receivers.is_empty() {
        crate::plain_methods::inline_model_receivers(&mut out.block, &receivers);
    }
    let copies = taken.iter().map(|(f, inlined)| {
        let f = if *inlined {
            f.clone()
        } else {
            derive(f.clone())
        };
        syn::Stmt::Item(syn::Item::Fn(f))
    });
    out.block.stmts.splice(0..0, copies);
    done.item = Some(out);
    if taken.iter().any(|(_, inlined)| *inlined) {
        // (One taking a tuple stays inlined: a tuple argument cannot be handed to a derived
        // function.)
        let copies = taken.into_iter().map(|(f, inlined)| {
            let f = if inlined && crate::prescan::takes_float_tuple(&f.sig) {
                f
            } else {
                derive(f)
            };
            syn::Stmt::Item(syn::Item::Fn(f))
        });
        derived.block.stmts.splice(0..0, copies);
        done.derived = Some(derived);
    }
    done
}

thread_local! {
    /// The body of the function being expanded as the user wrote it, where the derivation's
    /// body differs by more than the copies (method calls rewritten): its name and its body.
    /// (Tokens of this expansion, dropped before it ends: see `forget_original`.)
    static ORIGINAL: std::cell::RefCell<Option<syn::Block>> = const { std::cell::RefCell::new(None) };
    /// The name of the function being expanded.
    static CALLER: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    /// The generic signatures of the helpers `monomorphized` made concrete for a type parameter
    /// of the caller (its own, or a generic `impl`'s), by name: see `generic_again`.
    static GENERIC: std::cell::RefCell<Vec<(String, syn::Signature)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A copy `monomorphized` made concrete for a caller's type parameter, generic again: it is a
/// nested function (kept, or derived on its own), which cannot name its caller's parameters.
fn generic_again(f: &mut syn::ItemFn) {
    let generic = GENERIC.with(|g| {
        g.borrow()
            .iter()
            .find(|(n, _)| f.sig.ident == n.as_str())
            .map(|(_, sig)| sig.clone())
    });
    if let Some(sig) = generic {
        f.sig.generics = sig.generics;
        f.sig.inputs = sig.inputs;
        f.sig.output = sig.output;
    }
}

fn remember_original(item: &syn::ItemFn) {
    let body = (*item.block).clone();
    ORIGINAL.with(|o| *o.borrow_mut() = Some(body));
}

thread_local! {
    /// The body as the user wrote it, where a rewrite changed it before the helpers are read
    /// (see [`remember_written`]); set by every expansion.
    static WRITTEN: std::cell::RefCell<Option<syn::Block>> = const { std::cell::RefCell::new(None) };
}

/// The function whose expansion is under way, as its user named it.
pub fn current_caller() -> Option<String> {
    CALLER.with(|c| c.borrow().clone())
}

/// The body as the user wrote it, for a function that a rewrite changed before the helpers
/// are read (a model of a value type taken apart), or `None`: the user's function keeps it.
pub fn remember_written(item: Option<&syn::ItemFn>) {
    WRITTEN.with(|w| *w.borrow_mut() = item.map(|i| (*i.block).clone()));
}

/// Ends an expansion: no body to put back.
pub fn forget_original() {
    ORIGINAL.with(|o| *o.borrow_mut() = None);
    WRITTEN.with(|w| *w.borrow_mut() = None);
    GENERIC.with(|g| g.borrow_mut().clear());
    CALLER.with(|c| *c.borrow_mut() = None);
}

/// `item`'s body without the helpers `inject` copied into it (as the user wrote it, when its
/// method calls were rewritten).
pub fn strip(item: &mut syn::ItemFn) {
    let m = marker();
    let users = CALLER.with(|c| {
        c.borrow()
            .as_ref()
            .is_some_and(|n| item.sig.ident == n.as_str())
    });
    if users {
        // The user's function calls the module's functions as written.
        if let Some(body) = WRITTEN.with(|w| w.borrow().clone()) {
            *item.block = body;
            return;
        }
        match ORIGINAL.with(|o| o.borrow().clone()) {
            Some(body) => *item.block = body,
            None => item.block.stmts.retain(
                |s| !matches!(s, syn::Stmt::Item(syn::Item::Fn(f)) if f.attrs.contains(&m)),
            ),
        }
        return;
    }
    let (copies, rest): (Vec<syn::Stmt>, Vec<syn::Stmt>) = std::mem::take(&mut item.block.stmts)
        .into_iter()
        .partition(|s| matches!(s, syn::Stmt::Item(syn::Item::Fn(f)) if f.attrs.contains(&m)));
    item.block.stmts = rest;
    // A copy of the body that still calls what the rewrite made (`NAME__all`, with a plain
    // method's calls as calls of its free function) keeps those functions, called for their
    // value only.
    let mut kept = Vec::new();
    let mut pending = copies;
    loop {
        let (needed, other): (Vec<syn::Stmt>, Vec<syn::Stmt>) =
            pending.into_iter().partition(|s| {
                let syn::Stmt::Item(syn::Item::Fn(f)) = s else {
                    return false;
                };
                let named = |i: &Ident| *i == f.sig.ident;
                item.block
                    .stmts
                    .iter()
                    .chain(&kept)
                    .any(|st| crate::naming::mentions(st.to_token_stream(), &named))
            });
        if needed.is_empty() {
            break;
        }
        kept.extend(needed.into_iter().map(|mut s| {
            if let syn::Stmt::Item(syn::Item::Fn(f)) = &mut s {
                f.attrs = vec![m.clone()];
                generic_again(f);
            }
            s
        }));
        pending = other;
    }
    kept.append(&mut item.block.stmts);
    item.block.stmts = kept;
}

/// `&T` of a type the file declares as data (an enum, a struct without `Params`): a parameter
/// that is no model.
fn of_data(ty: &syn::Type) -> bool {
    let syn::Type::Reference(r) = ty else {
        return false;
    };
    let syn::Type::Path(p) = &*r.elem else {
        return false;
    };
    p.path
        .segments
        .last()
        .is_some_and(|s| crate::prescan::data_type(&s.ident.to_string()))
}

/// The helper printed as `src`, parsed again with every token at `span` (its call: an error in
/// its body is reported there), with whether the inlining takes it (else it is derived as a
/// `#[gradient]` function of its own), or why neither can be.
/// Whether a parameter of `sig` is rows (`&[Vec<T>]`, `&[[T; N]]`).
fn takes_rows(sig: &syn::Signature) -> bool {
    sig.inputs
        .iter()
        .any(|a| matches!(a, syn::FnArg::Typed(t) if crate::rows::is_rows(&t.ty)))
}

fn copy(
    src: &str,
    span: Span,
    float: Option<&syn::Type>,
) -> Result<(syn::ItemFn, bool), &'static str> {
    let unreadable = "it could not be read";
    let tokens: TokenStream = src.parse().map_err(|_| unreadable)?;
    let mut f: syn::ItemFn = syn::parse2(respan(tokens, span)).map_err(|_| unreadable)?;
    // Its values holding functions as their paths, as the caller's are (it sees the functions
    // the caller sees, its module's).
    if let Some(caller) = CALLER.with(|c| c.borrow().clone()) {
        crate::function_values::rewrite_in(&mut f, &caller);
    }
    if let Some(float) = float {
        monomorphized(&mut f, float);
        // One taking a tuple of its `T` (which a derived copy could not be handed), called
        // with `f64` or `f32`: the copy of that float, body included (`T::from(..)`, ..).
        let concrete = ["f64", "f32"]
            .into_iter()
            .find(|c| matches!(float, syn::Type::Path(p) if p.path.is_ident(c)));
        if let (Some(c), [syn::GenericParam::Type(t)]) = (
            concrete,
            &f.sig.generics.params.iter().collect::<Vec<_>>()[..],
        ) {
            if crate::prescan::takes_float_tuple(&f.sig) || gives_option(&f.sig) {
                if let Some(made) = crate::monomorph::concrete(&f, &t.ident.clone(), c) {
                    f = made;
                }
            }
        }
    }
    let sig = &f.sig;
    let why = if crate::closure_calls::takes_closures(sig) {
        "it takes a closure, whose calls `#[gradient]` follows in a `#[gradient]` helper only"
    } else if sig.asyncness.is_some() {
        "it is `async`"
    } else if sig.unsafety.is_some() {
        "it is `unsafe`"
    } else if sig.abi.is_some() {
        "it is `extern`"
    } else if sig.variadic.is_some() || sig.receiver().is_some() {
        "its parameters are not those of a function"
    } else if f.attrs.iter().any(|a| a.path().is_ident("cfg")) {
        "it has a `#[cfg]`"
    } else {
        ""
    };
    if !why.is_empty() {
        return Err(why);
    }
    let simple = sig.inputs.iter().all(|a| match a {
        syn::FnArg::Typed(t) => matches!(&*t.pat, syn::Pat::Ident(p) if p.subpat.is_none()),
        syn::FnArg::Receiver(_) => false,
    });
    // A generic or recursive helper is derived as it would be annotated; one that changes the
    // length of a `Vec` it is lent, takes a tuple of floats or rows (a local matrix is one buffer
    // then) or gives an `Option` (which a derived helper's callers cannot follow, hand it or be
    // handed), generic over the caller's own type parameter alone (`T` in both), is inlined,
    // where `T` is the caller's.
    let callers_param = match (&sig.generics.params.iter().collect::<Vec<_>>()[..], float) {
        ([syn::GenericParam::Type(t)], Some(syn::Type::Path(p))) => {
            p.path.is_ident(&t.ident)
                && (crate::out_param::resizes_vec_param(&f)
                    || crate::prescan::takes_float_tuple(sig)
                    || gives_option(sig)
                    || takes_rows(sig))
        }
        _ => false,
    };
    let inlined = simple
        && (sig.generics.params.is_empty() || callers_param)
        && !crate::naming::mentions(f.block.to_token_stream(), &|i| *i == sig.ident);
    if !inlined && !derivable(sig) {
        return Err("it calls itself or is generic, and returns no float that `#[gradient]` could derive it for");
    }
    // (`std::mem::replace(&mut a, b)` in its normal form already: where the copy is read
    // before `desugar` runs, a model function's fields' rewrite, the call is taken for a call
    // of a helper writing through `&mut`.)
    crate::desugar::normal::mem_replace(&mut f.block);
    moved_mut_params(&mut f);
    // Evaluated at run time in the copy, as the original is when called with run-time values.
    f.sig.constness = None;
    f.vis = syn::Visibility::Inherited;
    // (Its `allow`s go to its caller's generated functions, which run its code: see `inject`.)
    f.attrs.retain(|a| a.path().is_ident("allow"));
    f.attrs.insert(0, marker());
    Ok((f, inlined))
}

/// Input: `let ow = out;` at the top of a helper's body, `out` a parameter lent `&mut` (moved by
/// the `let`, so not read after it). Output: the `let` dropped and `out` read in place of `ow`,
/// the form in which lent buffers are followed into the caller's.
fn moved_mut_params(f: &mut syn::ItemFn) {
    let lent: Vec<syn::Ident> = f
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) if matches!(&*t.ty, syn::Type::Reference(r) if r.mutability.is_some()) => {
                match &*t.pat {
                    syn::Pat::Ident(p) => Some(p.ident.clone()),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect();
    let stmts = &mut f.block.stmts;
    let mut k = 0;
    while k < stmts.len() {
        let moved = match &stmts[k] {
            syn::Stmt::Local(l) => match (crate::desugar::pat_and_type(l).0, &l.init) {
                (syn::Pat::Ident(a), Some(init))
                    if a.mutability.is_none()
                        && a.by_ref.is_none()
                        && a.subpat.is_none()
                        && init.diverge.is_none() =>
                {
                    match &*init.expr {
                        syn::Expr::Path(p) => p
                            .path
                            .get_ident()
                            .filter(|i| lent.contains(i))
                            .map(|i| (a.ident.clone(), i.clone())),
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        };
        if let Some((from, to)) = moved {
            let mut rest = stmts[k + 1..].to_vec();
            if crate::desugar::sub_slices::rename_rest(&mut rest, &from, &to) {
                stmts.truncate(k);
                stmts.extend(rest);
                continue;
            }
        }
        k += 1;
    }
}

/// Whether a function with this signature gives an `Option` (of a float: what else the caller
/// reads of it, lowering says).
fn gives_option(sig: &syn::Signature) -> bool {
    matches!(&sig.output, syn::ReturnType::Type(_, t) if crate::desugar::options::is_option(t))
}

/// The float type a caller with this signature computes in: its return type, `f64`, `f32` or its
/// own type parameter.
fn caller_float(sig: &syn::Signature) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ret) = &sig.output else {
        return None;
    };
    // A vector-valued caller (`-> Vec<f64>`, `-> [T; 2]`, `-> (f64, f64)`) computes in its
    // elements' type.
    let ret = crate::vector::seq_elem(ret)
        .or_else(|| match &**ret {
            syn::Type::Tuple(t) => t.elems.first().cloned(),
            _ => None,
        })
        .unwrap_or_else(|| (**ret).clone());
    let own = sig.generics.type_params().any(
        |t| matches!(&ret, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident(&t.ident)),
    );
    (own || crate::sig::float_of(&ret).is_some()).then_some(ret)
}

/// Input: a helper generic over one type its body never names, bounded by arithmetic and float
/// traits only (`fn sq<T: Mul<Output = T> + Copy>(x: T) -> T { x * x }`), and the caller's float
/// type. Output: the helper for that type (`fn sq(x: f64) -> f64`), which the inlining takes as
/// any other: called from a loss with floats, that is the instance the caller gets.
fn monomorphized(f: &mut syn::ItemFn, float: &syn::Type) {
    const ARITHMETIC: &[&str] = &[
        "Float",
        "Real",
        "FloatCore",
        "Copy",
        "Clone",
        "Mul",
        "Add",
        "Sub",
        "Div",
        "Neg",
        "Rem",
        "MulAssign",
        "AddAssign",
        "SubAssign",
        "DivAssign",
        "PartialOrd",
        "PartialEq",
        "Debug",
        "Display",
        "Default",
        "Sum",
        "Product",
        "Num",
        "NumCast",
        "Signed",
        "Zero",
        "One",
        "Send",
        "Sync",
    ];
    let generics = &f.sig.generics;
    let [syn::GenericParam::Type(t)] = &generics.params.iter().collect::<Vec<_>>()[..] else {
        return;
    };
    let name = t.ident.clone();
    let arithmetic = |b: &syn::TypeParamBound| match b {
        syn::TypeParamBound::Trait(tb) => tb
            .path
            .segments
            .last()
            .is_some_and(|s| ARITHMETIC.iter().any(|a| s.ident == a)),
        _ => false,
    };
    let where_ok = generics.where_clause.as_ref().is_none_or(|w| {
        w.predicates.iter().all(|p| match p {
            syn::WherePredicate::Type(pt) => {
                matches!(&pt.bounded_ty, syn::Type::Path(tp) if tp.path.is_ident(&name))
                    && pt.bounds.iter().all(arithmetic)
            }
            _ => false,
        })
    });
    if t.default.is_some()
        || !t.bounds.iter().all(arithmetic)
        || !where_ok
        || crate::naming::mentions(f.block.to_token_stream(), &|i| *i == name)
    {
        return;
    }
    struct Subst<'a>(&'a Ident, &'a syn::Type);
    impl VisitMut for Subst<'_> {
        fn visit_type_mut(&mut self, t: &mut syn::Type) {
            if matches!(t, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident(self.0)) {
                *t = self.1.clone();
                return;
            }
            syn::visit_mut::visit_type_mut(self, t);
        }
    }
    // (For `f64` or `f32` the concrete copy serves everywhere.)
    let concrete =
        matches!(float, syn::Type::Path(p) if p.path.is_ident("f64") || p.path.is_ident("f32"));
    if !concrete {
        let original = f.sig.clone();
        GENERIC.with(|g| g.borrow_mut().push((f.sig.ident.to_string(), original)));
    }
    let mut subst = Subst(&name, float);
    for input in &mut f.sig.inputs {
        subst.visit_fn_arg_mut(input);
    }
    subst.visit_return_type_mut(&mut f.sig.output);
    f.sig.generics = syn::Generics::default();
}

/// Whether `block` names the function `name` with generic arguments (`name::<f64>`).
fn turbofish(block: &syn::Block, name: &str) -> bool {
    struct Find<'a>(&'a str, bool);
    impl<'a> Visit<'a> for Find<'_> {
        fn visit_path(&mut self, p: &'a syn::Path) {
            self.1 |= p.segments.last().is_some_and(|s| {
                s.ident == self.0 && !matches!(s.arguments, syn::PathArguments::None)
            });
            syn::visit::visit_path(self, p);
        }
    }
    let mut f = Find(name, false);
    f.visit_block(block);
    f.1
}

/// The signature of the function printed as `src`.
fn signature_of(src: &str) -> Option<syn::Signature> {
    syn::parse_str::<syn::ItemFn>(src).ok().map(|f| f.sig)
}

/// The helper printed as `src`, at `span`, if it is a free function taking closures.
fn taking_closures(src: &str, span: Span) -> Option<syn::ItemFn> {
    let tokens: TokenStream = src.parse().ok()?;
    let f: syn::ItemFn = syn::parse2(respan(tokens, span)).ok()?;
    let sig = &f.sig;
    let plain = sig.asyncness.is_none()
        && sig.unsafety.is_none()
        && sig.abi.is_none()
        && sig.receiver().is_none()
        && !f.attrs.iter().any(|a| a.path().is_ident("cfg"));
    (plain && crate::closure_calls::takes_closures(sig)).then_some(f)
}

/// `f` with a copy of each helper of `known` it calls (and of those they call) at the top of its
/// body, to be inlined there; helpers that cannot be copied stay calls.
fn with_copies(f: &mut syn::ItemFn, known: &BTreeMap<String, String>) {
    let mut copies: Vec<syn::Stmt> = Vec::new();
    let mut seen: Vec<String> = vec![f.sig.ident.to_string()];
    let mut queue = calls(&f.block, known);
    while let Some((name, span)) = queue.pop() {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        if !signature_of(&known[&name]).is_some_and(|sig| numeric(&sig)) {
            continue;
        }
        let float = caller_float(&f.sig).filter(|_| !turbofish(&f.block, &name));
        if let Ok((c, true)) = copy(&known[&name], span, float.as_ref()) {
            queue.extend(calls(&c.block, known));
            copies.push(syn::Stmt::Item(syn::Item::Fn(c)));
        }
    }
    f.block.stmts.splice(0..0, copies);
}

/// Whether a function of this signature can carry a derivative: a parameter that holds floats
/// or is a struct (a model, a configuration), or a type parameter. (A function of integers,
/// `fn idx(i: usize, j: usize) -> usize`, and a constructor of data, `fn table() ->
/// Vec<Option<f64>>`, stay calls, of data.)
pub fn numeric(sig: &syn::Signature) -> bool {
    let structure = |ty: &syn::Type| {
        let mut inner = match ty {
            syn::Type::Reference(r) => &*r.elem,
            t => t,
        };
        // (`&[P]`, `[P; 3]`: structs one after another, a system of particles.)
        while let syn::Type::Slice(syn::TypeSlice { elem, .. })
        | syn::Type::Array(syn::TypeArray { elem, .. }) = inner
        {
            inner = elem;
        }
        matches!(inner, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| {
            let name = s.ident.to_string();
            name.starts_with(char::is_uppercase)
                && !["String", "Range", "RangeInclusive", "Option"].contains(&name.as_str())
        }))
    };
    let params = sig.inputs.iter().any(|a| match a {
        syn::FnArg::Typed(pt) => crate::sig::holds_float(&pt.ty) || structure(&pt.ty),
        syn::FnArg::Receiver(_) => false,
    });
    params || sig.generics.type_params().next().is_some()
}

/// Whether `#[gradient]` takes a function of this signature: one returning a float (its own
/// type parameter too) or a vector of them.
pub fn derivable(sig: &syn::Signature) -> bool {
    let syn::ReturnType::Type(_, ret) = &sig.output else {
        return false;
    };
    let own_param = sig.generics.type_params().any(
        |t| matches!(&**ret, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident(&t.ident)),
    );
    own_param || crate::sig::float_of(ret).is_some() || crate::vector::returns_floats(sig)
}

fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut t| {
            if let TokenTree::Group(g) = &t {
                let mut inner = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                inner.set_span(span);
                t = TokenTree::Group(inner);
            } else {
                t.set_span(span);
            }
            t
        })
        .collect()
}

/// A helper named as a value (`xs.iter().copied().map(sigmoid)`, `let act = relu;`) written as a
/// closure that calls it, `|v0| sigmoid(v0)`: the same function, whose calls the inlining reaches.
/// The helpers inlined (with their arities), the functions the blocks around declare, and the
/// names the body binds as locals (a value of such a name is the local: `for layer in ..` beside
/// a helper `fn layer(..)`).
struct Values<'a>(&'a BTreeMap<String, usize>, Vec<String>, HashSet<String>);

/// The names `block` binds by patterns anywhere (`let`, `for`, closure parameters, arms).
fn local_names(block: &syn::Block) -> HashSet<String> {
    struct Pats(HashSet<String>);
    impl<'ast> Visit<'ast> for Pats {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.insert(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut p = Pats(HashSet::new());
    p.visit_block(block);
    p.0
}

impl VisitMut for Values<'_> {
    /// A block declaring a function of a helper's name means its own there.
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let depth = self.1.len();
        self.1.extend(fns_declared(&b.stmts));
        syn::visit_mut::visit_block_mut(self, b);
        self.1.truncate(depth);
    }
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::Call(c) => {
                // The callee stays a name; its arguments are visited.
                for a in &mut c.args {
                    self.visit_expr_mut(a);
                }
            }
            syn::Expr::Path(p) if p.qself.is_none() => {
                let Some(id) = p.path.get_ident() else { return };
                let Some(&n) = self.0.get(&id.to_string()) else {
                    return;
                };
                if self.1.contains(&id.to_string()) || self.2.contains(&id.to_string()) {
                    return;
                }
                let params: Vec<Ident> = (0..n)
                    .map(|k| Ident::new(&format!("grad_arg{k}"), id.span()))
                    .collect();
                let id = id.clone();
                *e = syn::parse_quote!(|#(#params),*| #id(#(#params),*));
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The calls in `block` of functions of `known` by their bare names, each with its callee's span,
/// last first.
fn calls(block: &syn::Block, known: &BTreeMap<String, String>) -> Vec<(String, Span)> {
    struct Calls<'a> {
        known: &'a BTreeMap<String, String>,
        out: Vec<(String, Span)>,
        /// Names of functions the blocks around declare (their calls there are not ours).
        hidden: Vec<String>,
        /// Names bound as locals (named as a value, such a name is the local).
        locals: HashSet<String>,
    }
    impl Calls<'_> {
        fn ours(&self, name: &str) -> bool {
            self.known.contains_key(name) && !self.hidden.iter().any(|h| h == name)
        }
    }
    impl<'ast> Visit<'ast> for Calls<'_> {
        fn visit_block(&mut self, b: &'ast syn::Block) {
            let depth = self.hidden.len();
            self.hidden.extend(fns_declared(&b.stmts));
            syn::visit::visit_block(self, b);
            self.hidden.truncate(depth);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let syn::Expr::Path(p) = &*c.func {
                if p.qself.is_none() {
                    if let Some(id) = p.path.get_ident() {
                        let name = id.to_string();
                        if self.ours(&name) {
                            self.out.push((name, id.span()));
                        }
                    }
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        // Calls in a macro's arguments (`vec![act(x), 0.5]`, which `desugar` reads).
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            use syn::parse::Parser;
            let exprs = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
            let repeat = |input: syn::parse::ParseStream| {
                let e: syn::Expr = input.parse()?;
                input.parse::<syn::Token![;]>()?;
                let n: syn::Expr = input.parse()?;
                Ok(vec![e, n])
            };
            if let Ok(list) = exprs.parse2(m.tokens.clone()) {
                list.iter().for_each(|e| self.visit_expr(e));
            } else if let Ok(list) = repeat.parse2(m.tokens.clone()) {
                list.iter().for_each(|e| self.visit_expr(e));
            }
        }
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            // Named as a value (`.map(sigmoid)`): written as a closure calling it (`Values`).
            if p.qself.is_none() {
                if let Some(id) = p.path.get_ident() {
                    let name = id.to_string();
                    if self.ours(&name) && !self.locals.contains(&name) {
                        self.out.push((name, id.span()));
                    }
                }
            }
        }
    }
    let mut v = Calls {
        known,
        out: Vec::new(),
        hidden: Vec::new(),
        locals: local_names(block),
    };
    v.visit_block(block);
    v.out.reverse();
    v.out
}

/// The functions `stmts` declare, by name (in scope in their whole block).
fn fns_declared(stmts: &[syn::Stmt]) -> impl Iterator<Item = String> + '_ {
    crate::desugar::closures::fns_declared(stmts).map(ToString::to_string)
}

/// Why a helper is not copied where a local of its name is read inside a macro.
const IN_MACRO: &str = "a local of the same name is read inside a macro's tokens, which it cannot rename; give that local another name";

/// The names `item` binds itself that a call of the module's function cannot mean: its
/// parameters, the items of its body's own block, imports, and locals named inside a macro's
/// tokens where they are in scope. A local declared in the body (`let act = |z| ..;`) is named
/// apart where the copies are inlined (`desugar::closures::inline_fn_items`), so calls before it
/// and in nested functions still mean the module's; a function declared in an inner block is
/// told apart by scope (`calls`, `Values`, and the inlining of nested functions).
fn bound_names(item: &syn::ItemFn) -> HashSet<String> {
    struct Bound(HashSet<String>, HashSet<String>);
    impl<'ast> Visit<'ast> for Bound {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.1.insert(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_use_name(&mut self, u: &'ast syn::UseName) {
            self.0.insert(u.ident.to_string());
        }
        fn visit_use_rename(&mut self, u: &'ast syn::UseRename) {
            self.0.insert(u.rename.to_string());
        }
        fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
            // A `macro_rules!` of the body may define anything: nothing is copied past it.
            if let Some(name) = &m.ident {
                self.0.insert(name.to_string());
            }
        }
    }
    let mut params = Bound(HashSet::new(), HashSet::new());
    params.visit_signature(&item.sig);
    let mut b = Bound(HashSet::new(), HashSet::new());
    b.visit_block(&item.block);
    let mut out = b.0;
    out.extend(params.1);
    // (A local named inside a macro's tokens cannot be named apart.)
    out.extend(locals_in_macros(&item.block));
    out.extend(fns_declared(&item.block.stmts));
    out
}

/// The locals named inside a macro's tokens where they are in scope (`let act = 0.5;` then
/// `vec![act; 3]`), and any name a macro's tokens bind themselves. A macro before the local's
/// `let`, or outside its block, names something else there (`vec![h(x); 3]` and later `{ let h =
/// ..; }` calls the module's `h`).
fn locals_in_macros(block: &syn::Block) -> HashSet<String> {
    struct Scopes {
        /// The names in scope, innermost last.
        scope: Vec<String>,
        out: HashSet<String>,
    }
    impl Scopes {
        fn bind(&mut self, pat: &syn::Pat) {
            struct Names<'a>(&'a mut Vec<String>);
            impl<'ast> Visit<'ast> for Names<'_> {
                fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
                    self.0.push(p.ident.to_string());
                    syn::visit::visit_pat_ident(self, p);
                }
            }
            Names(&mut self.scope).visit_pat(pat);
        }
        fn lets_of(&mut self, cond: &syn::Expr) {
            match cond {
                syn::Expr::Let(l) => self.bind(&l.pat),
                syn::Expr::Binary(b) => {
                    self.lets_of(&b.left);
                    self.lets_of(&b.right);
                }
                syn::Expr::Paren(p) => self.lets_of(&p.expr),
                _ => {}
            }
        }
    }
    impl<'ast> Visit<'ast> for Scopes {
        fn visit_block(&mut self, b: &'ast syn::Block) {
            let depth = self.scope.len();
            for s in &b.stmts {
                self.visit_stmt(s);
                if let syn::Stmt::Local(l) = s {
                    self.bind(&l.pat);
                }
            }
            self.scope.truncate(depth);
        }
        fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
            let depth = self.scope.len();
            c.inputs.iter().for_each(|p| self.bind(p));
            self.visit_expr(&c.body);
            self.scope.truncate(depth);
        }
        fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
            self.visit_expr(&f.expr);
            let depth = self.scope.len();
            self.bind(&f.pat);
            self.visit_block(&f.body);
            self.scope.truncate(depth);
        }
        fn visit_arm(&mut self, a: &'ast syn::Arm) {
            let depth = self.scope.len();
            self.bind(&a.pat);
            syn::visit::visit_arm(self, a);
            self.scope.truncate(depth);
        }
        fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
            self.visit_expr(&i.cond);
            let depth = self.scope.len();
            self.lets_of(&i.cond);
            self.visit_block(&i.then_branch);
            self.scope.truncate(depth);
            if let Some((_, e)) = &i.else_branch {
                self.visit_expr(e);
            }
        }
        fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
            self.visit_expr(&w.cond);
            let depth = self.scope.len();
            self.lets_of(&w.cond);
            self.visit_block(&w.body);
            self.scope.truncate(depth);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let named = crate::desugar::sub_slices::names_in(&m.tokens);
            // Names the tokens bind themselves (`vec![{ let h = x; h }; 3]`), if they parse.
            let exprs = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
            let repeat = |input: syn::parse::ParseStream| {
                let e: syn::Expr = input.parse()?;
                input.parse::<syn::Token![;]>()?;
                let n: syn::Expr = input.parse()?;
                Ok([e, n].into_iter().collect())
            };
            let parsed = syn::parse::Parser::parse2(exprs, m.tokens.clone())
                .or_else(|_| syn::parse::Parser::parse2(repeat, m.tokens.clone()));
            let own: HashSet<String> = match parsed {
                Ok(list) => list
                    .iter()
                    .flat_map(|e| local_names(&syn::parse_quote!({ #e })))
                    .collect(),
                // (Unread tokens may bind any name they hold.)
                Err(_) => named.iter().map(ToString::to_string).collect(),
            };
            for n in named {
                let n = n.to_string();
                if self.scope.contains(&n) || own.contains(&n) {
                    self.out.insert(n);
                }
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = Scopes {
        scope: Vec::new(),
        out: HashSet::new(),
    };
    v.visit_block(block);
    v.out
}
