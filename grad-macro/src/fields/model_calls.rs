//! The functions a caller that passes the whole model calls.

use super::{expand, typed_inputs, Root};
use crate::ir::FloatTy;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use std::cell::RefCell;
use syn::visit::Visit;
use syn::Expr;

thread_local! {
    /// The free `#[gradient]` functions of one differentiated model parameter expanded so far
    /// in this crate, and that parameter's position: a caller that passes a field there
    /// (`dense(&m.hidden, x)`) cannot tell a struct field from a `Vec<f64>` one, the callee's
    /// signature (seen first, as helpers usually are) can. Two functions of one name: neither.
    static MODEL_FNS: RefCell<std::collections::HashMap<String, Option<usize>>> =
        RefCell::new(std::collections::HashMap::new());
}

/// Notes `name` as a function whose parameter `at` is a model (`None`: it has none).
pub(crate) fn register(name: &Ident, at: Option<usize>) {
    MODEL_FNS.with(|m| {
        let mut m = m.borrow_mut();
        let entry = m.entry(name.to_string()).or_insert(at);
        if *entry != at {
            *entry = None;
        }
    });
}

/// The position of the one model parameter of a free function (a `&Struct` that `wrt(..)`
/// names), as its expansion registers it.
pub(crate) fn model_position(args: &crate::attr::Args, sig: &syn::Signature) -> Option<usize> {
    let named = |id: &Ident| args.wrt.as_ref().is_some_and(|w| w.iter().any(|n| n == id));
    let models: Vec<usize> = sig
        .inputs
        .iter()
        .enumerate()
        .filter(|(_, input)| {
            matches!(input, syn::FnArg::Typed(pt) if matches!(&*pt.pat, syn::Pat::Ident(pi) if named(&pi.ident)) && super::is_struct_ref(&pt.ty))
        })
        .map(|(k, _)| k)
        .collect();
    match models.as_slice() {
        [k] => Some(*k),
        _ => None,
    }
}

/// The position of the model parameter of the function called as `callee` (a plain name), if
/// it is a registered one (see `register`).
pub(super) fn model_param(callee: &Expr) -> Option<usize> {
    let id = crate::desugar::vector_calls::registered_name(callee)?;
    MODEL_FNS.with(|m| m.borrow().get(&id.to_string()).copied().flatten())
}

/// Suffix of the derivation with respect to the model and every float parameter.
const ALL: &str = "__all";

/// `NAME__all` derived (see [`model_fns`]): with respect to the model and the float parameters
/// not in `passed_on`.
struct AllDerived {
    wrt: Vec<Ident>,
    params: Vec<(Ident, Option<syn::Type>)>,
    passed_on: Vec<Ident>,
    expanded: TokenStream,
    lost: Vec<(String, TokenStream)>,
    all_grad: syn::ItemFn,
}

fn derive_all(
    item: &syn::ItemFn,
    root: &Root,
    all: &syn::ItemFn,
    passed_on: Vec<Ident>,
) -> Option<AllDerived> {
    let mut wrt: Vec<Ident> = vec![root.ident.clone()];
    let mut params = Vec::new();
    for input in &item.sig.inputs {
        match input {
            syn::FnArg::Receiver(_) => params.push((root.ident.clone(), None)),
            syn::FnArg::Typed(pt) => {
                let syn::Pat::Ident(pi) = &*pt.pat else {
                    return None;
                };
                // The cotangent of a vector-valued method's `NAME__dot` (see `vector`) is data.
                // (Rows are data here: a caller passing its own rows on, `self.fit(xs)`, holds
                // data rows; differentiated rows given to a model's function are reported at
                // the call, by the table.)
                if pi.ident != root.ident
                    && pi.ident != crate::naming::hidden("d_out")
                    && crate::sig::differentiable(&pt.ty)
                    && !crate::rows::is_rows(&pt.ty)
                    && !passed_on.contains(&pi.ident)
                {
                    wrt.push(pi.ident.clone());
                }
                params.push((pi.ident.clone(), Some((*pt.ty).clone())));
            }
        }
    }
    let soft: Vec<String> = wrt
        .iter()
        .filter(|w| **w != root.ident)
        .map(ToString::to_string)
        .collect();
    let (expanded, lost) = Lenient::during(soft, || expand(&quote!(wrt(#(#wrt),*)), all));
    let expanded = expanded?;
    let all_grad_name = format_ident!("{}_grad", all.sig.ident);
    let file = syn::parse2::<syn::File>(expanded.clone()).ok()?;
    // (A compile error; the functions closures passed to helpers are specialized into are
    // macro items too.)
    if file.items.iter().any(|i| {
        matches!(i, syn::Item::Macro(m)
            if m.mac.path.segments.last().is_some_and(|s| s.ident == "compile_error"))
    }) {
        return None;
    }
    let all_grad = file.items.iter().find_map(|i| match i {
        syn::Item::Fn(f) if f.sig.ident == all_grad_name => Some(f.clone()),
        _ => None,
    })?;
    Some(AllDerived {
        wrt,
        params,
        passed_on,
        expanded,
        lost,
        all_grad,
    })
}

/// What a caller that passes the whole model calls (`forward(m, x)`, `self.forward(x)`):
/// `NAME__model` takes the model's flat view beside it, so that the caller's derivation sees a
/// differentiated slice, and `NAME__model_grad` gives that view's gradient and those of every
/// float parameter (a caller may pass differentiated values anywhere), from `NAME__all_grad`, the
/// function derived once more with respect to all of them. Nothing when that derivation fails
/// (the caller's build then says `NAME__model` is missing, at its call).
pub(super) fn model_fns(
    item: &syn::ItemFn,
    root: &Root,
    float: FloatTy,
    user_wrt: Option<&Vec<Ident>>,
) -> TokenStream {
    let fname = &item.sig.ident;
    if fname.to_string().ends_with(ALL) {
        return TokenStream::new();
    }
    let t = Ident::new(float.name(), Span::call_site());
    // Parameters passed on to a method of data are left out of `NAME__all` (a plain method
    // could not take a differentiated value there), unless the function's own `wrt` names them:
    // its own derivation then passes them differentiated already, so the method takes them.
    let passed_on: Vec<Ident> = passed_to_methods(item, &root.ident)
        .into_iter()
        .filter(|id| user_wrt.is_some_and(|w| !w.contains(id)))
        .collect();
    let mut all = item.clone();
    all.sig.ident = format_ident!("{}{ALL}", fname);
    all.attrs
        .retain(|a| a.path().is_ident("allow") || a.path().is_ident("cfg"));
    all.attrs.push(syn::parse_quote!(#[doc(hidden)]));
    // (A public one is a candidate for `#[must_use]` to clippy's pedantic lints, the user's
    // function its only caller.)
    all.attrs
        .push(syn::parse_quote!(#[allow(non_snake_case, clippy::must_use_candidate)]));
    all.vis = item.vis.clone();
    // With respect to every float parameter; where the body reads one in a way only data is
    // read, with respect to the model and what the function's own `wrt` names (derived so
    // already); failing that, the model alone: the others are then constants to callers (their
    // table says so), rather than no `NAME__model` at all (an E0599 at every caller).
    let others: Vec<Ident> = item
        .sig
        .inputs
        .iter()
        .filter_map(|i| match i {
            syn::FnArg::Typed(pt) => match &*pt.pat {
                // (A `NAME__dot`'s cotangent is data either way.)
                syn::Pat::Ident(pi)
                    if pi.ident != root.ident && pi.ident != crate::naming::hidden("d_out") =>
                {
                    Some(pi.ident.clone())
                }
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    let unnamed: Option<Vec<Ident>> = user_wrt.map(|w| {
        others
            .iter()
            .filter(|id| !w.contains(id) || passed_on.contains(id))
            .cloned()
            .collect()
    });
    let Some(derived) = derive_all(item, root, &all, passed_on.clone())
        .or_else(|| {
            unnamed
                .filter(|u| *u != passed_on && *u != others)
                .and_then(|u| derive_all(item, root, &all, u))
        })
        .or_else(|| derive_all(item, root, &all, others))
    else {
        return TokenStream::new();
    };
    let AllDerived {
        wrt,
        params,
        passed_on,
        expanded,
        lost,
        all_grad,
    } = derived;
    let all_grad_name = &all_grad.sig.ident;
    let inputs = typed_inputs(&all_grad);
    let bufs: Vec<(Ident, Option<syn::Type>)> = inputs[params.len()..].to_vec();
    let d_root = format_ident!("d_{}", root.ident);
    let flat = crate::naming::hidden("flat");
    let dflat = format_ident!("d_{}", flat);
    let dmodel = crate::naming::hidden("dmodel");
    let rpos = params
        .iter()
        .position(|(id, _)| *id == root.ident)
        .unwrap_or(0);
    let mut sig: Vec<TokenStream> = params
        .iter()
        .map(|(id, ty)| match ty {
            Some(ty) => quote!(#id: #ty),
            None => quote!(&self),
        })
        .collect();
    sig.insert(rpos + 1, quote!(#flat: &[#t]));
    let mut model_bufs = Vec::new();
    let mut call_bufs = Vec::new();
    // `NAME__model__dyn_grad`'s buffers, each cut from the slot of its parameter.
    let zero = crate::emit::float_literal(0.0, float);
    let slot = |k: usize| crate::naming::hidden(&format!("slot{k}"));
    let at = |i: usize| if i > rpos { i + 1 } else { i };
    let mut dyn_binds = Vec::new();
    let mut dyn_slots = std::collections::BTreeSet::new();
    // Callers pass a buffer for every float sequence, in order (not knowing which are data):
    // those handed on to calls (see `passed_to_calls`) are taken and left alone.
    let mut rest: Vec<&(Ident, Option<syn::Type>)> = bufs.iter().collect();
    // The name of each of `model_bufs`.
    let mut buf_names: Vec<Ident> = Vec::new();
    for (i, (id, ty)) in params.iter().enumerate() {
        let before = buf_names.len();
        let seq = ty
            .as_ref()
            .is_some_and(|ty| !crate::sig::is_scalar(ty) && crate::sig::differentiable(ty));
        if *id == root.ident || (seq && !passed_on.contains(id)) {
            let b = if *id == root.ident {
                d_root.clone()
            } else {
                format_ident!("d_{}", id)
            };
            if let Some(k) = rest.iter().position(|(n, _)| *n == b) {
                let (b, ty) = rest.remove(k);
                if *b == d_root {
                    buf_names.push(dflat.clone());
                    model_bufs.push(quote!(#dflat: &mut [#t]));
                    call_bufs.push(quote!(&mut #dmodel));
                    let s = slot(rpos + 1);
                    dyn_binds.push(quote! {
                        #s.clear();
                        #s.resize(#flat.len(), #zero);
                        let #dflat: &mut [#t] = &mut #s[..];
                    });
                    dyn_slots.insert(rpos + 1);
                } else {
                    buf_names.push(b.clone());
                    model_bufs.push(quote!(#b: #ty));
                    call_bufs.push(quote!(#b));
                }
            }
        } else if seq {
            let b = format_ident!("_d_{}", id);
            buf_names.push(b.clone());
            model_bufs.push(match ty.as_ref().and_then(crate::sig::array_len) {
                Some(n) => quote!(#b: &mut [#t; #n]),
                None => quote!(#b: &mut [#t]),
            });
        }
        if let Some(name) = buf_names.get(before).filter(|_| *id != root.ident) {
            let s = slot(at(i));
            dyn_binds.push(quote! {
                #s.clear();
                #s.resize((#id).len(), #zero);
                let #name = ::core::convert::TryInto::try_into(&mut #s[..])
                    .expect("the gradient of an array has its length");
            });
            dyn_slots.insert(at(i));
        }
    }
    // (Anything else `NAME__all_grad` takes, in its order: then no `NAME__model__dyn_grad`, nor
    // with rows, whose gradients are no slices of floats.)
    let positional = rest.is_empty()
        && !params
            .iter()
            .any(|(_, ty)| ty.as_ref().is_some_and(crate::rows::is_rows));
    for (b, ty) in rest {
        model_bufs.push(quote!(#b: #ty));
        call_bufs.push(quote!(#b));
    }
    let args: Vec<&Ident> = params
        .iter()
        .filter(|(_, t)| t.is_some())
        .map(|(id, _)| id)
        .collect();
    let (value_call, grad_call) = if root.receiver {
        (
            quote!(self.#fname(#(#args),*)),
            quote!(self.#all_grad_name(#(#args,)* #(#call_bufs),*)),
        )
    } else {
        (
            quote!(#fname(#(#args),*)),
            quote!(#all_grad_name(#(#args,)* #(#call_bufs),*)),
        )
    };
    // The table: the flat view is a differentiated sequence, right after the model.
    let mut flags: Vec<u8> = params
        .iter()
        .map(|(id, _)| u8::from(wrt.contains(id) && *id != root.ident))
        .collect();
    for (k, (id, ty)) in params.iter().enumerate() {
        if flags[k] == 1 && ty.as_ref().is_some_and(|t| !crate::sig::is_scalar(t)) {
            flags[k] = 2;
        }
        let _ = id;
    }
    flags.insert(rpos + 1, 2);
    let n = flags.len();
    // A parameter whose derivative a callee's `wrt` left out is a constant for callers.
    let lost = lost.iter().filter_map(|(name, entry)| {
        let k = params.iter().position(|(id, _)| *id == name.as_str())?;
        let k = if k > rpos { k + 1 } else { k };
        Some(quote!(if #entry == 0 { t[#k] = 0; }))
    });
    let lost: Vec<TokenStream> = lost.collect();
    // A callee declared in the body (a `#[gradient] fn` there, or a helper of the module copied
    // to be derived, see `plain_helpers`) has its table in the body only: declared here again.
    let lost_tokens = quote!(#(#lost)*);
    let annotated: Vec<&syn::ItemFn> = item
        .block
        .stmts
        .iter()
        .filter_map(|s| match s {
            syn::Stmt::Item(syn::Item::Fn(f))
                if f.attrs.iter().any(|a| {
                    a.path()
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "gradient")
                }) =>
            {
                Some(f)
            }
            _ => None,
        })
        .collect();
    // (All of them when one is named: they may call each other.)
    let named = annotated.iter().any(|f| {
        crate::naming::mentions(lost_tokens.clone(), &|i| {
            // (`NAME_grad_wrt`, `NAME__model_grad_wrt`, `NAME__dot__model_grad_wrt`, ..)
            i.to_string().starts_with(&format!("{}_", f.sig.ident))
        })
    });
    let nested = annotated.iter().filter(|_| named);
    let table = quote!({
        #(#nested)*
        let mut t: [u8; #n] = [#(#flags),*];
        #(#lost)*
        t
    });
    let ret = &all_grad.sig.output;
    let vis = &item.vis;
    let (model_name, model_grad, model_table) = (
        format_ident!("{}__model", fname),
        format_ident!("{}__model_grad", fname),
        format_ident!("{}__model_grad_wrt", fname),
    );
    let (rid, rty) = (&root.ident, &root.ty);
    // A method's table, read through the receiver by callers (who cannot name its type).
    let table_of = root.receiver.then(|| {
        let of = format_ident!("{}_of", model_table);
        quote! {
            #[doc(hidden)]
            #[must_use]
            #[allow(non_snake_case, dead_code)]
            #[inline]
            #vis fn #of(&self) -> [u8; #n] {
                Self::#model_table
            }
        }
    });
    let (generics, where_clause) = (&item.sig.generics, &item.sig.generics.where_clause);
    let model_dyn = positional.then(|| {
        let name = format_ident!("{}__model__dyn_grad", fname);
        let slots = crate::naming::hidden("slots");
        let n = sig.len();
        let pats = (0..n).map(|k| {
            if dyn_slots.contains(&k) {
                let s = slot(k);
                quote!(#s)
            } else {
                quote!(_)
            }
        });
        let mut pass: Vec<TokenStream> = args.iter().map(|a| quote!(#a)).collect();
        let rarg = if root.receiver { rpos } else { rpos + 1 };
        pass.insert(rarg.min(pass.len()), quote!(#flat));
        let call = if root.receiver {
            quote!(self.#model_grad(#(#pass,)* #(#buf_names),*))
        } else {
            quote!(#model_grad(#(#pass,)* #(#buf_names),*))
        };
        let pair = matches!(ret, syn::ReturnType::Type(_, ty) if matches!(**ty, syn::Type::Tuple(_)));
        let (out, result) = if pair {
            (quote!(#ret), call)
        } else {
            (quote!(-> (#t, [#t; 0])), quote!((#call, [])))
        };
        quote! {
            #[doc(hidden)]
            #[allow(unused_variables, non_snake_case, clippy::too_many_arguments, clippy::needless_borrow)]
            #vis fn #name #generics (#(#sig,)* #slots: [&mut ::std::vec::Vec<#t>; #n]) #out #where_clause {
                let [#(#pats),*] = #slots;
                #(#dyn_binds)*
                #result
            }
        }
    });
    quote! {
        #expanded
        #[doc(hidden)]
        #[allow(unused_variables, non_snake_case, clippy::too_many_arguments)]
        #vis fn #model_name #generics (#(#sig),*) -> #t #where_clause {
            #value_call
        }
        #[doc(hidden)]
        #[allow(unused_variables, non_snake_case, clippy::too_many_arguments, clippy::needless_borrow)]
        #vis fn #model_grad #generics (#(#sig,)* #(#model_bufs),*) #ret #where_clause {
            let mut #dmodel = <#rty as ::grad::runtime::Params>::zeros_like(#rid);
            let value = #grad_call;
            ::grad::runtime::Params::write_flat(&#dmodel, #dflat);
            value
        }
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #model_table: [u8; #n] = #table;
        #table_of
        #model_dyn
    }
}

/// The parameters the body hands on, as they are, to a method of data (`term.energy(y, x)`,
/// `layer.forward(x)` on a data parameter or its element). Such a parameter is data in
/// `NAME__all`: the method's `wrt` may leave it out, which only the receiver's type knows (at
/// run time), and deriving with respect to it would then fail even for callers that pass data.
/// A caller that differentiates it is told so at compile time by `NAME__model_grad_wrt`, which
/// marks it as a constant. (Calls by path are derived with respect to it: see [`Lenient`].)
fn passed_to_methods(item: &syn::ItemFn, root: &Ident) -> Vec<Ident> {
    struct Finder<'a>(Vec<Ident>, &'a Ident);
    fn param(e: &Expr) -> Option<&Ident> {
        match e {
            Expr::Path(p) if p.qself.is_none() => p.path.get_ident(),
            Expr::Reference(r) => param(&r.expr),
            Expr::Paren(p) => param(&p.expr),
            // A sub-slice `&y[a..b]`.
            Expr::Index(i) if matches!(&*i.index, Expr::Range(_)) => param(&i.expr),
            _ => None,
        }
    }
    fn base(e: &Expr) -> Option<&Ident> {
        match e {
            Expr::Path(p) => p.path.get_ident(),
            Expr::Field(f) => base(&f.base),
            Expr::Index(i) => base(&i.expr),
            Expr::Paren(p) => base(&p.expr),
            Expr::Reference(r) => base(&r.expr),
            Expr::Unary(u) => base(&u.expr),
            _ => None,
        }
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let model = base(&m.receiver).is_some_and(|b| b == "self" || b == self.1);
            if !model && crate::lower::data_method_call(m).is_some() {
                self.0.extend(m.args.iter().filter_map(param).cloned());
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut f = Finder(Vec::new(), root);
    f.visit_block(&item.block);
    f.0
}

/// While `NAME__all` is derived (with respect to every float parameter, for callers that may pass
/// differentiated values anywhere), a parameter passed as it is to a function whose `wrt` leaves
/// it out (`mse(&pred, y)` with `#[gradient(wrt(pred))]`, the common case) is no error there: that
/// call adds nothing to the parameter's derivative, and the emitter records the callee's table
/// entry, so that `NAME__model_grad_wrt` marks the parameter a constant when the entry is 0 (a
/// caller that differentiates it is told at compile time, by the usual check).
pub(crate) struct Lenient {
    params: Vec<String>,
    lost: Vec<(String, TokenStream)>,
}

thread_local! {
    static LENIENT: RefCell<Option<Lenient>> = const { RefCell::new(None) };
}

impl Lenient {
    fn during<R>(params: Vec<String>, f: impl FnOnce() -> R) -> (R, Vec<(String, TokenStream)>) {
        let before = LENIENT.with(|l| {
            l.borrow_mut().replace(Lenient {
                params,
                lost: Vec::new(),
            })
        });
        let out = f();
        let lost = LENIENT.with(|l| std::mem::replace(&mut *l.borrow_mut(), before));
        (out, lost.map(|l| l.lost).unwrap_or_default())
    }

    /// Whether `name` is a parameter of a `NAME__all` being derived.
    pub(crate) fn covers(name: &str) -> bool {
        LENIENT.with(|l| {
            l.borrow()
                .as_ref()
                .is_some_and(|l| l.params.iter().any(|p| p == name))
        })
    }

    /// `name` went to a slot whose table entry is `entry`.
    pub(crate) fn record(name: &str, entry: TokenStream) {
        LENIENT.with(|l| {
            if let Some(l) = l.borrow_mut().as_mut() {
                l.lost.push((name.to_string(), entry));
            }
        });
    }
}
