//! `#[gradient(parallel)]`: the loss's sum over data points split across threads.
//!
//! The pass rewrites source and leaves the engine alone. It finds the split loop (`reduction`),
//! writes hidden functions from the user's body (`split`: the loop's range, one chunk of the
//! loop, and what follows the loop as a function of the accumulators' totals), has the engine
//! differentiate them as it differentiates any loss, and assembles `NAME_grad` from them
//! (`wrapper`). The serial gradient is expanded as usual and kept under a hidden name, for loops
//! too short to be worth threads (`cost` estimates where that is) and a pool of one thread.
//!
//! Why this is exact: with `pre` the statements before the loop and `post` those after it, the
//! loss is `post(θ, init(θ) + Σ_c S_c(θ))` where `S_c` is chunk `c`'s partial sum. Its gradient is
//! `∂post/∂θ + Σ_j ∂post/∂a_j · Σ_c ∂S_{c,j}/∂θ` (the chain rule, and the linearity of the sum),
//! each piece of which is a gradient the engine derives. With one accumulator each chunk's
//! gradient comes from one reverse sweep alongside its value, and the chunks run before `post`;
//! with several, the chunks' sums run first (plain code), `post` gives `u = ∂post/∂a`, then each
//! chunk computes the gradient of `Σ_j u_j S_{c,j}` in one sweep (a vector–Jacobian product), so
//! the loop runs twice: cost `(plain + gradient) / threads` instead of `gradient / threads`.

mod cost;
mod reduction;
pub(crate) use reduction::mutates;
mod split;
mod wrapper;

use crate::attr::{Args, Parallel};
use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::Ident;

/// Where the hidden functions live, which decides how `NAME_grad` calls them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Inside `NAME_grad`'s body, called by name: a free function, or an associated function
    /// that does not mention `Self` (nested functions cannot).
    Nested,
    /// Beside the method, called `self.NAME__chunk_grad(..)`: a method reading `&self` as data.
    Method,
    /// Beside the associated function, called `Self::NAME__chunk_grad(..)`.
    Assoc,
}

/// The expansion with `parallel`, or `None` when the attribute does not ask for it.
pub fn expand(args_tokens: &TokenStream, item: &syn::ItemFn) -> Option<TokenStream> {
    let args: Args = syn::parse2(args_tokens.clone()).ok()?;
    let par = args.parallel.as_ref()?;
    let serial_args = crate::attr::without_parallel(args_tokens);
    let serial = crate::expand::expand_item(serial_args, item);
    if has_errors(&serial) {
        return Some(serial);
    }
    match build(item, &args, par, &serial) {
        Ok(out) => Some(out),
        // The serial gradient stays: the error at `parallel` is the only one.
        Err(e) => {
            let e = e.to_compile_error();
            Some(quote!(#serial #e))
        }
    }
}

/// Whether an expansion reports a compile error.
fn has_errors(ts: &TokenStream) -> bool {
    match syn::parse2::<syn::File>(ts.clone()) {
        Ok(file) => file.items.iter().any(|i| {
            matches!(i, syn::Item::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "compile_error"))
        }),
        Err(_) => true,
    }
}

/// The errors an expansion reports.
fn errors_of(ts: &TokenStream) -> TokenStream {
    match syn::parse2::<syn::File>(ts.clone()) {
        Ok(file) => file
            .items
            .into_iter()
            .filter(|i| {
                matches!(i, syn::Item::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "compile_error"))
            })
            .map(ToTokens::into_token_stream)
            .collect(),
        Err(e) => e.to_compile_error(),
    }
}

fn build(
    item: &syn::ItemFn,
    args: &Args,
    par: &Parallel,
    serial: &TokenStream,
) -> Result<TokenStream, syn::Error> {
    let span = par.span;
    let ret = match &item.sig.output {
        syn::ReturnType::Type(_, t) => (**t).clone(),
        syn::ReturnType::Default => {
            return Err(syn::Error::new(
                span,
                "`parallel` applies to a function that returns a float",
            ))
        }
    };
    let Some(float) = crate::sig::float_of(&ret) else {
        return Err(syn::Error::new(
            span,
            "`parallel` applies to a function that returns a float (a loss), not to a vector-valued one: drop `parallel`",
        ));
    };
    let named = |id: &Ident| args.wrt.as_ref().is_some_and(|w| w.iter().any(|n| n == id));
    let mut params: Vec<(Ident, bool)> = Vec::new();
    let mut actives: Vec<Ident> = Vec::new();
    let mut receiver = false;
    for input in &item.sig.inputs {
        match input {
            syn::FnArg::Receiver(_) => {
                let id = Ident::new("self", Span::call_site());
                if args.wrt.is_none() || named(&id) {
                    return Err(model_error(span));
                }
                receiver = true;
                params.push((id, false));
            }
            syn::FnArg::Typed(pt) => {
                let syn::Pat::Ident(pi) = &*pt.pat else {
                    return Err(syn::Error::new_spanned(
                        &pt.pat,
                        "`parallel` passes each parameter on by name: bind this one to a name",
                    ));
                };
                let active = match &args.wrt {
                    Some(_) => named(&pi.ident),
                    None => crate::sig::differentiable(&pt.ty),
                };
                if active && crate::fields::is_struct_ref(&pt.ty) {
                    return Err(model_error(span));
                }
                if active && crate::rows::is_rows(&pt.ty) {
                    return Err(syn::Error::new(
                        span,
                        format!("`parallel` does not split functions of differentiated rows yet (`{}`): pass them as a flat slice, or drop `parallel`", pi.ident),
                    ));
                }
                if active {
                    actives.push(pi.ident.clone());
                }
                params.push((pi.ident.clone(), pi.mutability.is_some()));
            }
        }
    }
    if actives.is_empty() {
        return Err(syn::Error::new(
            span,
            "`parallel`: this function differentiates no parameter, so there is no gradient to split; drop `parallel`",
        ));
    }
    let reduction = reduction::find(&item.block, &params, span)?;
    let place = if receiver {
        Place::Method
    } else if mentions_self(item) || float_from_impl(item, float) {
        Place::Assoc
    } else {
        Place::Nested
    };
    let parts = split::Parts::of(&item.block, &reduction);
    let k = reduction.accs.len();
    let names = split::Names::new(k);
    let [bounds_name, chunk_name, sums_name, post_name, serial_name] = split::fn_names(item);
    let bounds = split::bounds(item, &parts, &reduction, &bounds_name);
    let chunk = split::chunk(item, &parts, &reduction, &names, float, &ret, &chunk_name);
    let sums =
        (k > 1).then(|| split::sums(item, &parts, &reduction, &names, float, &ret, &sums_name));
    let post = split::post(item, &parts, &reduction, &names, &ret, &post_name);
    let chunk_expanded = crate::expand::expand_item(quote!(wrt(#(#actives),*)), &chunk);
    let post_wrt = actives.iter().chain(&names.a);
    let post_expanded = crate::expand::expand_item(quote!(wrt(#(#post_wrt),*)), &post);
    for expanded in [&chunk_expanded, &post_expanded] {
        if has_errors(expanded) {
            let mut e = syn::Error::new(
                span,
                "`parallel` could not differentiate the pieces it splits this function into (the errors below): drop `parallel`",
            )
            .to_compile_error();
            e.extend(errors_of(expanded));
            return Ok(quote!(#serial #e));
        }
    }
    // The serial expansion, its `NAME_grad` renamed to `NAME__serial_grad` and set apart.
    let file: syn::File = syn::parse2(serial.clone()).map_err(|e| syn::Error::new(span, e))?;
    let mut kept = TokenStream::new();
    let mut serial_fn = None;
    let grad_name = quote::format_ident!("{}_grad", item.sig.ident);
    for it in file.items {
        match it {
            syn::Item::Fn(mut f) if f.sig.ident == grad_name => {
                f.sig.ident = serial_name.clone();
                f.vis = syn::Visibility::Inherited;
                f.attrs
                    .retain(|a| !a.path().is_ident("doc") && !a.path().is_ident("must_use"));
                f.attrs.push(syn::parse_quote!(#[doc(hidden)]));
                serial_fn = Some(f);
            }
            other => other.to_tokens(&mut kept),
        }
    }
    let serial_fn = serial_fn
        .ok_or_else(|| syn::Error::new(span, "`parallel`: no serial gradient to fall back on"))?;
    let min_len = match &par.min_len {
        Some(n) => quote!(#n),
        None => {
            let ops = cost::of_block(&parts_loop_body(item, &reduction));
            quote!(::grad::runtime::__private::min_len_for(#ops))
        }
    };
    let hidden = wrapper::Hidden {
        bounds: bounds.into_token_stream(),
        chunk: chunk_expanded,
        sums: sums.map(ToTokens::into_token_stream),
        post: post_expanded,
        serial: serial_fn.into_token_stream(),
    };
    let w = wrapper::Wrapper {
        item,
        args,
        span,
        float,
        place,
        reduction: &reduction,
        fn_names: [bounds_name, chunk_name, sums_name, post_name, serial_name],
        min_len,
    };
    Ok(w.emit(kept, hidden))
}

fn model_error(span: Span) -> syn::Error {
    syn::Error::new(
        span,
        "`parallel` does not split the loss of a model (a differentiated `self` or struct) yet: differentiate slices and scalars (`wrt(..)` naming them, the model's data read through `&self`), or drop `parallel`",
    )
}

/// The body of the split loop.
fn parts_loop_body(item: &syn::ItemFn, r: &reduction::Reduction) -> syn::Block {
    match &item.block.stmts[r.index] {
        syn::Stmt::Expr(syn::Expr::ForLoop(f), _) => f.body.clone(),
        _ => unreachable!("the reduction is a for loop"),
    }
}

/// Whether the function names `Self` (then it is in an `impl` and nested functions could not).
fn mentions_self(item: &syn::ItemFn) -> bool {
    fn any(ts: TokenStream) -> bool {
        ts.into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Ident(i) => i == "Self",
            proc_macro2::TokenTree::Group(g) => any(g.stream()),
            _ => false,
        })
    }
    any(item.sig.to_token_stream()) || any(item.block.to_token_stream())
}

/// A generic float type the function does not declare: its `impl`'s.
fn float_from_impl(item: &syn::ItemFn, float: crate::ir::FloatTy) -> bool {
    matches!(float, crate::ir::FloatTy::Generic(name) if !item.sig.generics.type_params().any(|t| t.ident == name))
}

#[cfg(test)]
mod tests {
    use super::reduction::{find, Form};
    use proc_macro2::Span;
    use syn::Ident;

    fn params(names: &[&str]) -> Vec<(Ident, bool)> {
        names
            .iter()
            .map(|n| (Ident::new(n, Span::call_site()), false))
            .collect()
    }

    fn split(body: &str) -> Result<(usize, Vec<String>, bool), String> {
        let block: syn::Block = syn::parse_str(body).unwrap();
        find(&block, &params(&["w", "x", "y"]), Span::call_site())
            .map(|r| {
                let range = matches!(r.form, Form::Range { .. });
                (
                    r.index,
                    r.accs.iter().map(ToString::to_string).collect(),
                    range,
                )
            })
            .map_err(|e| {
                e.into_iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
    }

    #[test]
    fn the_last_sum_at_the_top_is_split() {
        let body = "{
            let mut m = 0.0;
            for v in x { m += v; }
            let mut s = 0.0;
            let mut q = 1.0;
            for i in 0..y.len() {
                let mut p = 0.0;
                for j in 0..2 { p += w[j] * x[2 * i + j]; if p > 9.0 { break; } }
                if y[i] < 0.0 { continue; }
                q = q - p;
                s += (p - y[i] - m).powi(2);
            }
            s / q
        }";
        assert_eq!(split(body), Ok((4, vec!["q".into(), "s".into()], true)));
        let iter = "{ let mut s = 0.0; for (a, b) in x.iter().zip(y) { s -= a * b * w[0]; } s }";
        assert_eq!(split(iter), Ok((1, vec!["s".into()], false)));
    }

    #[test]
    fn state_carried_across_iterations_is_named() {
        let rnn = "{ let mut h = 0.0; let mut l = 0.0; for t in 0..x.len() { h = (w[0] * h + x[t]).tanh(); l += h; } l }";
        let e = split(rnn).unwrap_err();
        assert!(
            e.contains("found no loop it can split") && e.contains("this writes `h`"),
            "{e}"
        );
        let reads = "{ let mut s = 0.0; for v in x { s += v * s; } s }";
        assert!(split(reads)
            .unwrap_err()
            .contains("this reads `s`, the running sum"));
        let pushes =
            "{ let mut b = Vec::new(); let mut s = 0.0; for v in x { b.push(*v); s += v; } s }";
        assert!(split(pushes).unwrap_err().contains("this writes `b`"));
        let counts = "{ let mut k = 0; let mut s = 0.0; for v in x { k += 1; s += v; } s }";
        assert!(split(counts).unwrap_err().contains("`k` is not a float"));
        let shadowed =
            "{ let mut s = 0.0; for v in x { let mut h = 0.0; h = h * 2.0 + v; s += h; } s }";
        assert!(split(shadowed).is_ok());
        let closure = "{ let mut s = 0.0; for v in x { let f = |a: f64| { return a * 2.0; }; s += f(*v); } s }";
        assert!(split(closure).is_ok());
        let macro_read = "{ let mut s = 0.0; for v in x { assert!(s >= 0.0); s += v; } s }";
        assert!(split(macro_read).unwrap_err().contains("this reads `s`"));
    }

    #[test]
    fn no_loop_and_jumps() {
        assert!(split("{ x.iter().sum::<f64>() }")
            .unwrap_err()
            .contains("this body has none"));
        let breaks = "{ let mut s = 0.0; 'o: for v in x { for k in 0..2 { if k == 1 { break 'o; } } s += v; } s }";
        assert!(split(breaks)
            .unwrap_err()
            .contains("`break` out of the loop"));
        let returns = "{ let mut s = 0.0; for v in x { if *v > 1.0 { return s; } s += v; } s }";
        assert!(split(returns)
            .unwrap_err()
            .contains("`return` inside the loop"));
        let unbounded = "{ let mut s = 0.0; for i in 0.. { s += x[i]; } s }";
        assert!(split(unbounded).unwrap_err().contains("both ends"));
    }

    #[test]
    fn headers_print_as_written() {
        assert_eq!(
            super::wrapper::tidy("x . chunks_exact (d) . zip (& y [1 ..])"),
            "x.chunks_exact(d).zip(&y[1..])"
        );
        assert_eq!(super::wrapper::tidy("0 ..= n - 1"), "0..=n - 1");
    }
}
