//! Vector-valued functions: `#[gradient]` on `fn f(..) -> Vec<T>`, `-> [T; N]` or `-> (T, T, ..)`.
//!
//! The vector–Jacobian product `Jᵀ·u` of `f` is the gradient of the scalar `u · f(x)`. So the
//! pass writes that scalar function — `f`'s body with its result dotted with a cotangent
//! `d_out` — as a hidden `NAME__dot`, which the engine differentiates like any loss (loops,
//! buffers, calls: everything a loss may contain), and wraps it:
//!
//! - `NAME_vjp(params.., d_out: &[T], d_x: &mut [T]..) -> (RET, [T; K])`: the value and the
//!   cotangents of the inputs (scalars returned, sequences written into their `d_` buffers);
//! - `NAME_jacobian(params..) -> (RET, Vec<Vec<T>>)`: one row per output, the partial derivatives
//!   with respect to every differentiated entry (scalars in declaration order, then each
//!   sequence's elements), from one reverse sweep per output;
//! - with `jvp`, `NAME_jvp(params.., v_params..) -> (RET, RET)`: the value and `J · v`.
//!
//! A `#[gradient]` caller reads the result as a sequence (`desugar::vector_calls`), and its
//! reverse sweep goes through `NAME__dot_grad` (`ir::Stmt::CallVec`); `NAME_grad_wrt` holds a
//! marker that turns a result used as a number into an error at the call. A method of a model
//! (`fn forward(&self, x) -> Vec<T>`) has a `NAME__dot` method, which `fields` differentiates with
//! respect to the model, and `NAME__model` for callers that read the model through its flat view.

use crate::attr::Args;
use crate::errors::Errors;
use crate::sig::{ParamClass, SeqShape};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, ToTokens};

/// The marker `NAME_grad_wrt` holds for a vector-valued `NAME` (see `emit::checked_call_with`).
pub const VECTOR_MARKER: u8 = 3;

/// The element type of a vector return type (`Vec<T>`, `[T; N]`) with `T` a float type.
pub fn vector_elem(ty: &syn::Type) -> Option<syn::Type> {
    if matches!(ty, syn::Type::Slice(_)) {
        return None;
    }
    seq_elem(ty).filter(|t| crate::sig::float_of(t).is_some())
}

/// The element type of `Vec<T>`, `[T; N]` or `[T]`, whatever `T` is.
pub fn seq_elem(ty: &syn::Type) -> Option<syn::Type> {
    match ty {
        syn::Type::Array(a) => Some((*a.elem).clone()),
        syn::Type::Slice(s) => Some((*s.elem).clone()),
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            if last.ident != "Vec" {
                return None;
            }
            let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
                return None;
            };
            match a.args.first()? {
                syn::GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            }
        }
        syn::Type::Paren(p) => seq_elem(&p.elem),
        _ => None,
    }
}

/// The element type and arity of a tuple of two or more floats of one type (`(T, T)`).
pub fn tuple_elem(ty: &syn::Type) -> Option<(syn::Type, usize)> {
    match ty {
        syn::Type::Tuple(t) if t.elems.len() >= 2 => {
            let first = t.elems.first()?;
            let float = crate::sig::float_of(first)?;
            t.elems
                .iter()
                .all(|e| crate::sig::float_of(e) == Some(float))
                .then(|| (first.clone(), t.elems.len()))
        }
        syn::Type::Paren(p) => tuple_elem(&p.elem),
        _ => None,
    }
}

/// `let mut d = ..;`: a zeroed gradient buffer for the sequence parameter `id` of class `class`,
/// of its type (an array for an array parameter, else a `Vec` of its length).
pub fn zero_buffer(
    d: &Ident,
    id: &dyn quote::ToTokens,
    class: &ParamClass,
    zero: &TokenStream,
) -> TokenStream {
    match class {
        ParamClass::FloatSeq(SeqShape::Array(n)) => quote!(let mut #d = [#zero; #n];),
        _ => quote!(let mut #d = ::std::vec![#zero; #id.len()];),
    }
}

/// The expansion of a vector-valued function, or `None` when `item` returns no vector.
///
/// A function returning a tuple of floats (`-> (T, T)`) is a vector of that many outputs: its
/// `NAME__dot` dots the tuple's parts, and its callers read `let (a, b) = f(..)` or `f(..).0`
/// (see `desugar::vector_calls`).
pub fn expand(args_tokens: &TokenStream, item: &syn::ItemFn) -> Option<TokenStream> {
    // `if c { return (x, x); }` and the like: the body as branches that give the value.
    let vector = matches!(&item.sig.output, syn::ReturnType::Type(_, t) if vector_elem(t).is_some() || tuple_elem(t).is_some());
    let owned = vector
        .then(|| crate::desugar::returns_as_branches(item))
        .flatten();
    let item = owned.as_ref().unwrap_or(item);
    let p = match parts(args_tokens, item)? {
        Ok(p) => p,
        Err(e) => return Some(e),
    };
    let ret = p.ret();
    // How many outputs the value has.
    let len = match p.arity {
        Some(n) => quote!(#n),
        None => {
            let value = crate::naming::hidden("value");
            quote!(#value.len())
        }
    };
    let qual = crate::expand::sibling_path(item);
    let nest = qual.is_none().then(|| p.nested());
    let w = Wrap {
        item,
        sig: &p.sig,
        elem: &p.elem,
        ret,
        len: &len,
        dot: &p.dot_name,
        model: p.model,
        model_param: p.model_param.as_ref(),
        qual: qual.as_ref(),
        nest: nest.as_ref(),
    };
    let vjp = vjp(&w);
    // Callers reach functions through `NAME__split`; a model's methods through `fields`.
    let split = (!p.model).then(|| {
        crate::split::item(&crate::split::Input {
            item,
            dot: &p.dot_item,
            dot_args: &p.dot_args,
            elem: &p.elem,
            qual: qual.as_ref(),
            nest: nest.as_ref(),
        })
    });
    let jacobian = jacobian(&w, p.float);
    let jvp = p.jvp.then(|| jvp(&w, p.float, p.arity));
    let model_fn = p
        .model
        .then(|| model_value(item, &p.elem, p.model_param.as_ref()));
    let Parts {
        original,
        table,
        dot,
        ..
    } = p;
    Some(quote! {
        #original
        #table
        #dot
        #vjp
        #split
        #jacobian
        #jvp
        #model_fn
    })
}

/// What [`parts`] makes of a vector-valued function: the function itself, its marker table, and
/// the derivation of its `NAME__dot`, with what the wrappers need to know.
pub struct Parts {
    pub original: syn::ItemFn,
    pub table: TokenStream,
    /// `NAME__dot` and its derivation (`NAME__dot_grad`, its table).
    pub dot: TokenStream,
    pub sig: crate::sig::Sig,
    pub elem: syn::Type,
    pub arity: Option<usize>,
    pub dot_name: Ident,
    pub float: crate::ir::FloatTy,
    pub model: bool,
    /// The model when it is a parameter (`l: &Dense`, the first, named in `wrt`) rather than
    /// `&self`: its name and type.
    pub model_param: Option<(Ident, syn::Type)>,
    /// `jvp` asked for: `NAME_jvp` too.
    pub jvp: bool,
    /// `NAME__dot` as an item, and what its derivation differentiates.
    pub dot_item: syn::ItemFn,
    pub dot_args: Args,
}

impl Parts {
    fn ret(&self) -> &syn::Type {
        match &self.original.sig.output {
            syn::ReturnType::Type(_, t) => t,
            syn::ReturnType::Default => unreachable!("a vector-valued function returns a vector"),
        }
    }

    /// The function and its `NAME__dot` derivation as items nested in a wrapper's body, where the
    /// wrapper cannot name them beside it (see `expand::sibling_path`).
    pub fn nested(&self) -> TokenStream {
        let mut original = self.original.clone();
        original.vis = syn::Visibility::Inherited;
        original.attrs.retain(|a| !a.path().is_ident("doc"));
        let dot = &self.dot;
        quote!(#original #dot)
    }
}

/// Whether `sig` returns a vector or a tuple of floats: the functions [`expand`] takes.
pub fn returns_floats(sig: &syn::Signature) -> bool {
    let syn::ReturnType::Type(_, ret) = &sig.output else {
        return false;
    };
    vector_elem(ret)
        .or_else(|| tuple_elem(ret).map(|(elem, _)| elem))
        .is_some_and(|elem| crate::sig::float_of(&elem).is_some())
}

/// The parts of the expansion of a vector-valued function (`Err`: the function with the errors
/// that stop it), or `None` when `item` returns no vector.
pub fn parts(args_tokens: &TokenStream, item: &syn::ItemFn) -> Option<Result<Parts, TokenStream>> {
    let syn::ReturnType::Type(_, ret) = &item.sig.output else {
        return None;
    };
    let (elem, arity) = match vector_elem(ret) {
        Some(elem) => (elem, None),
        None => {
            let (elem, n) = tuple_elem(ret)?;
            (elem, Some(n))
        }
    };
    let float = crate::sig::float_of(&elem)?;
    let errors = Errors::default();
    let args: Args = match syn::parse2(args_tokens.clone()) {
        Ok(a) => a,
        Err(e) => {
            errors.push_error(e);
            Args::default()
        }
    };
    if let Some(span) = args.hvp {
        errors.push(span, "`hvp` is not supported yet for a function that returns a vector: it gets `NAME_vjp`, `NAME_jacobian` and, with `jvp`, `NAME_jvp`; drop `hvp`");
    }
    if let Some((span, _)) = args.check.points.first() {
        errors.push(*span, "`check(at(..))` is not supported yet for a function that returns a vector: compare `NAME_jacobian` with differences in a test of your own");
    }
    // A method of a model (`&self`, differentiated unless `wrt(..)` leaves it out): its
    // `NAME__dot` is a method too, which `fields` differentiates with respect to the model.
    let receiver = item.sig.receiver();
    // Or a free function of a model parameter named in `wrt(..)` (`fn dense(l: &Dense, x:
    // &[f64]) -> Vec<f64>`): its `NAME__dot` is a function of that model, which `fields`
    // differentiates the same way.
    let model_param = receiver
        .is_none()
        .then(|| model_parameter(item, &args, &errors))
        .flatten();
    let model = model_param.is_some()
        || receiver.is_some()
            && args
                .wrt
                .as_ref()
                .is_none_or(|w| w.iter().any(|n| n == "self"));
    if let Some(r) = receiver {
        if r.reference.is_none() || r.mutability.is_some() {
            errors.push_spanned(
                r,
                "`#[gradient]` takes a vector-valued method's receiver as `&self`: take `self` by shared reference, or pass the values as parameters",
            );
        }
    }
    if crate::desugar::exits(&item.block, false) {
        errors.push_spanned(
            &item.sig.output,
            "a `#[gradient]` function that returns a vector must give its result as the body's last expression, without `return`",
        );
    }
    // The scalar function `NAME__dot(params.., d_out) = Σ f(params..)ᵢ · d_outᵢ`.
    let name = &item.sig.ident;
    let dot_name = format_ident!("{}__dot", name);
    let d_out = crate::naming::hidden("d_out");
    let mut dot = item.clone();
    dot.sig.ident = dot_name.clone();
    // As visible as the function: callers elsewhere (`use m::*;`) reach its derivation too.
    dot.vis = item.vis.clone();
    dot.sig.output = syn::parse_quote!(-> #elem);
    dot.sig.inputs.push(syn::parse_quote!(#d_out: &[#elem]));
    dot.attrs.retain(|a| !a.path().is_ident("doc"));
    dot.attrs.push(syn::parse_quote!(#[doc(hidden)]));
    // A rewritten copy of the user's body: its lints would only repeat the original's.
    dot.attrs.push(syn::parse_quote!(#[allow(non_snake_case, dead_code, unused_variables, clippy::all, clippy::pedantic)]));
    let Some(syn::Stmt::Expr(tail, None)) = dot.block.stmts.pop() else {
        errors.push_spanned(
            &item.sig.output,
            "a `#[gradient]` function that returns a vector must end with the vector as its last expression",
        );
        return Some(Err(errors_with_original(item, errors)));
    };
    let zero = match float {
        crate::ir::FloatTy::Generic(_) => quote!(#elem::zero()),
        _ => quote!(0.0),
    };
    let (out, o, d, acc) = (
        crate::naming::hidden("out"),
        crate::naming::hidden("o"),
        crate::naming::hidden("d"),
        crate::naming::hidden("dot"),
    );
    // A tuple's parts, or the arrays an `if`/`match` ends in written as tuples (`if c { [a, b] }
    // else { [c, d] }`): taken apart by name, then an array (dotted like a vector).
    let as_parts = match (arity, &**ret) {
        (Some(n), _) => Some((tail.clone(), n)),
        (None, syn::Type::Array(_)) => arrays_as_tuples(&tail),
        (None, _) if crate::vector::vector_elem(ret).is_some() => arrays_as_tuples(&tail),
        _ => None,
    };
    let bind: Vec<syn::Stmt> = match (&tail, &**ret, as_parts) {
        (_, _, Some((source, n))) => {
            let parts: Vec<Ident> = (0..n)
                .map(|k| crate::naming::hidden(&format!("part{k}")))
                .collect();
            vec![
                syn::parse_quote!(let (#(#parts),*) = #source;),
                syn::parse_quote!(let #out = [#(#parts),*];),
            ]
        }
        (syn::Expr::Path(p), _, _) if p.path.get_ident().is_some() => Vec::new(),
        (syn::Expr::Array(_), _, _) => vec![syn::parse_quote!(let #out = #tail;)],
        (_, syn::Type::Array(_), _) => vec![syn::parse_quote!(let #out: #ret = #tail;)],
        _ => vec![syn::parse_quote!(let #out: ::std::vec::Vec<#elem> = #tail;)],
    };
    let source: syn::Expr = if bind.is_empty() {
        tail.clone()
    } else {
        syn::parse_quote!(#out)
    };
    dot.block.stmts.extend(bind);
    dot.block.stmts.extend([
        syn::parse_quote!(let mut #acc = #zero;),
        syn::parse_quote!(for (#o, #d) in #source.iter().zip(#d_out.iter()) { #acc = #acc + *#o * *#d; }),
        syn::Stmt::Expr(syn::parse_quote!(#acc), None),
    ]);
    // Differentiated: what `wrt(..)` names, else every float parameter of `f`.
    // As for a method's gradient, `self` alone unless `wrt(..)` names more (callers that pass
    // differentiated values go through `NAME__dot__model`, derived with respect to all).
    let wrt: Vec<Ident> = match &args.wrt {
        Some(names) => names.clone(),
        None if model => vec![Ident::new("self", proc_macro2::Span::call_site())],
        None => crate::sig::differentiable_names(&item.sig),
    };
    // Rows to differentiate (`w: &[Vec<f64>]` of a `dense` layer): the way that works named.
    let mut rows = false;
    for input in &item.sig.inputs {
        let syn::FnArg::Typed(pt) = input else {
            continue;
        };
        let syn::Pat::Ident(pi) = &*pt.pat else {
            continue;
        };
        if crate::rows::is_rows(&pt.ty) && (args.wrt.is_none() || wrt.contains(&pi.ident)) {
            rows = true;
            errors.push_spanned(
                &pt.ty,
                format!(
                    "`#[gradient]` on a function returning a vector differentiates scalars and slices, not rows (`{id}`) yet: leave `#[gradient]` off `{f}` (a helper without it is inlined into the `#[gradient]` functions that call it, rows and all), or pass the rows as one flat slice (`{id}[i * n + j]`)",
                    id = pi.ident,
                    f = item.sig.ident
                ),
            );
        }
    }
    if rows {
        return Some(Err(errors_with_original(item, errors)));
    }
    // Without `wrt(..)`, a parameter holding floats in a shape not differentiated would silently
    // be a constant (a tuple `a: (f64, f64)`): an error, as for a function of scalars.
    if args.wrt.is_none() && !model {
        for input in &item.sig.inputs {
            let syn::FnArg::Typed(pt) = input else {
                continue;
            };
            let syn::Pat::Ident(pi) = &*pt.pat else {
                continue;
            };
            if crate::sig::holds_float(&pt.ty)
                && !wrt.contains(&pi.ident)
                && !crate::sig::is_mut_float_ref(&pt.ty)
            {
                errors.push_spanned(&pt.ty, crate::sig::undifferentiable(&pi.ident, float));
            }
        }
    }
    let dot_args = quote!(wrt(#(#wrt),*));
    // The parameters besides the model (which `fields` differentiates), for the wrappers.
    let model_name = model_param.as_ref().map(|(id, _)| id.clone());
    let dot_parsed = Args {
        wrt: Some(
            wrt.iter()
                .filter(|n| *n != "self" && Some(*n) != model_name.as_ref())
                .cloned()
                .collect(),
        ),
        ..Args::default()
    };
    let sig = crate::sig::analyze(&dot, &dot_parsed, &errors);
    if sig
        .params
        .iter()
        .any(|p| p.active && crate::rows::is_rows(&p.ty))
    {
        errors.push_spanned(
            &item.sig.inputs,
            "`#[gradient]` differentiates vector-valued functions of scalars and slices for now: pass rows as a flat slice",
        );
    }
    crate::expand::check_name_free(&sig, &errors, "d_out", "the cotangent of `NAME_vjp`");
    if !errors.is_empty() {
        return Some(Err(errors_with_original(item, errors)));
    }
    let dot_expanded = crate::expand::expand_item(dot_args, &dot);
    Some(Ok(Parts {
        original: crate::expand::original_item(item),
        table: marker_table(item),
        dot: dot_expanded,
        sig,
        elem,
        arity,
        dot_name,
        float,
        model,
        model_param,
        jvp: args.jvp.is_some(),
        dot_item: dot,
        dot_args: dot_parsed,
    }))
}

/// The model parameter of a free vector-valued function: the one `&Struct` parameter that
/// `wrt(..)` names, which must come first (its gradient leads the buffers, as a method's `self`
/// does). Registered for callers that pass a model's field there (`dense(&m.hidden, x)`).
fn model_parameter(item: &syn::ItemFn, args: &Args, errors: &Errors) -> Option<(Ident, syn::Type)> {
    let named = args.wrt.as_ref()?;
    let models: Vec<(usize, &syn::PatType, &Ident)> = item
        .sig
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(k, a)| match a {
            syn::FnArg::Typed(pt) => match &*pt.pat {
                syn::Pat::Ident(pi)
                    if named.contains(&pi.ident) && crate::fields::is_struct_ref(&pt.ty) =>
                {
                    Some((k, pt, &pi.ident))
                }
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    match models.as_slice() {
        [] => None,
        [(0, pt, id)] => {
            let syn::Type::Reference(r) = &*pt.ty else {
                return None;
            };
            crate::fields::model_calls::register(&item.sig.ident, Some(0));
            Some(((*id).clone(), (*r.elem).clone()))
        }
        [(_, pt, id), ..] => {
            errors.push_spanned(
                pt,
                format!("`#[gradient]` differentiates a vector-valued function with respect to one model, taken as its first parameter: move `{id}` first (or make the function a method of the model's type)"),
            );
            None
        }
    }
}

fn errors_with_original(item: &syn::ItemFn, errors: Errors) -> TokenStream {
    let original = crate::expand::original_item(item);
    let e = errors.combined().map(|e| e.to_compile_error());
    quote!(#original #e)
}

/// `NAME_grad_wrt` with the vector marker in every slot, so that a `#[gradient]` caller's check
/// reports the call (a vector is no scalar it could differentiate through yet).
fn marker_table(item: &syn::ItemFn) -> TokenStream {
    let vis = &item.vis;
    let name = format_ident!("{}_grad_wrt", item.sig.ident);
    let n = item.sig.inputs.len();
    let m = VECTOR_MARKER;
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #name: [u8; #n] = [#m; #n];
    }
}

/// The parameters as declared, and as passed on (`name` each).
fn params(sig: &crate::sig::Sig) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let own: Vec<_> = sig.params[..sig.params.len() - 1].iter().collect();
    let decl = own
        .iter()
        .map(|p| {
            let (id, t) = (&p.ident, &p.ty);
            if p.receiver {
                quote!(&self)
            } else {
                quote!(#id: #t)
            }
        })
        .collect();
    // A parameter owned by value (`v: Vec<f64>`) is handed to the function for the value and
    // again to each sweep: a copy each time (numbers and references are handed as they are).
    let pass = own
        .iter()
        .map(|p| {
            let id = &p.ident;
            let primitive = match &p.ty {
                syn::Type::Reference(_) => true,
                syn::Type::Path(t) => t.path.get_ident().is_some_and(|i| {
                    crate::sig::float_of(&p.ty).is_some()
                        || [
                            "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16",
                            "i32", "i64", "i128", "bool", "char",
                        ]
                        .iter()
                        .any(|n| i == n)
                }),
                _ => false,
            };
            if p.receiver || primitive {
                id.to_token_stream()
            } else {
                quote!(::core::clone::Clone::clone(&#id))
            }
        })
        .collect();
    (decl, pass)
}

/// `NAME__model(&self, flat, params..) -> RET`: what a caller that reads the model through its
/// flat view (`fields`) calls for the value of `self.NAME(..)`; its reverse goes through
/// `NAME__dot__model_grad`, which `fields` emits for `NAME__dot` (see
/// `lower::calls::lower_vector_call`).
fn model_value(
    item: &syn::ItemFn,
    elem: &syn::Type,
    model_param: Option<&(Ident, syn::Type)>,
) -> TokenStream {
    let name = &item.sig.ident;
    let model_name = format_ident!("{}__model", name);
    let vis = &item.vis;
    let (generics, where_clause) = (&item.sig.generics, &item.sig.generics.where_clause);
    let flat = crate::naming::hidden("flat");
    // Declared without `mut` (only passed on).
    let typed: Vec<syn::PatType> = item
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(pt) => {
                let mut pt = pt.clone();
                if let syn::Pat::Ident(pi) = &mut *pt.pat {
                    pi.mutability = None;
                }
                Some(pt)
            }
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    // The names alone (`mut x` is declared, `x` passed on).
    let pass = typed.iter().map(|pt| match &*pt.pat {
        syn::Pat::Ident(pi) => pi.ident.to_token_stream(),
        p => p.to_token_stream(),
    });
    let output = &item.sig.output;
    // A free function's model is its first parameter: the flat view after it.
    if model_param.is_some() {
        let (first, rest) = typed.split_first().expect("the model is a parameter");
        return quote! {
            #[doc(hidden)]
            #[allow(unused_variables, non_snake_case, clippy::too_many_arguments)]
            #vis fn #model_name #generics (#first, #flat: &[#elem], #(#rest),*) #output #where_clause {
                #name(#(#pass),*)
            }
        };
    }
    quote! {
        #[doc(hidden)]
        #[allow(unused_variables, non_snake_case, clippy::too_many_arguments)]
        #vis fn #model_name #generics (&self, #flat: &[#elem], #(#typed),*) #output #where_clause {
            self.#name(#(#pass),*)
        }
    }
}

/// The model's name and type in the wrappers: `self` and `Self`, or the parameter's (see
/// [`Parts::model_param`]).
fn model_names(model_param: Option<&(Ident, syn::Type)>) -> (Ident, TokenStream) {
    match model_param {
        Some((id, ty)) => (id.clone(), ty.to_token_stream()),
        None => (
            Ident::new("self", proc_macro2::Span::call_site()),
            quote!(Self),
        ),
    }
}

/// What the wrappers `NAME_vjp` and `NAME_jacobian` are made of.
struct Wrap<'a> {
    item: &'a syn::ItemFn,
    sig: &'a crate::sig::Sig,
    elem: &'a syn::Type,
    ret: &'a syn::Type,
    len: &'a TokenStream,
    dot: &'a Ident,
    model: bool,
    /// See [`Parts::model_param`].
    model_param: Option<&'a (Ident, syn::Type)>,
    /// `Self::`, to call the functions beside the wrapper from an `impl`.
    qual: Option<&'a TokenStream>,
    /// Or copies of them, nested in the wrapper's body (see `expand::sibling_path`).
    nest: Option<&'a TokenStream>,
}

/// `NAME_vjp(params.., d_out: &[T], d_x: &mut [T]..) -> (RET, [T; K])`.
fn vjp(w: &Wrap) -> TokenStream {
    let Wrap {
        item,
        sig,
        elem,
        ret,
        len,
        dot,
        model,
        model_param,
        qual,
        nest,
    } = *w;
    // The model's name and type: `self` and `Self`, or the parameter's.
    let (m_id, m_ty) = model_names(model_param);
    let vis = &item.vis;
    let name = &item.sig.ident;
    let vjp_name = format_ident!("{}_vjp", name);
    let dot_grad = format_ident!("{}_grad", dot);
    let (generics, where_clause) = (&item.sig.generics, &item.sig.generics.where_clause);
    let (decl, pass) = params(sig);
    // The model's gradient first, as `fields` orders a method's buffers.
    let d_self = format_ident!("d_{}", m_id);
    let bufs: Vec<TokenStream> = model
        .then(|| quote!(#d_self: &mut #m_ty))
        .into_iter()
        .chain(sig.active_seqs().map(|p| {
            let d = format_ident!("d_{}", p.ident);
            match &p.class {
                ParamClass::FloatSeq(SeqShape::Array(n)) => quote!(#d: &mut [#elem; #n]),
                _ => quote!(#d: &mut [#elem]),
            }
        }))
        .collect();
    let buf_names: Vec<Ident> = model
        .then(|| d_self.clone())
        .into_iter()
        .chain(sig.active_seqs().map(|p| format_ident!("d_{}", p.ident)))
        .collect();
    let k = sig.active_scalars().count();
    let msg = format!("{vjp_name}: the cotangent `d_out` has length {{}} but `{name}` returns {{}} values; pass one per output");
    let call = quote!(#qual #dot_grad(#(#pass,)* d_out, #(#buf_names),*));
    let grads = if k == 0 && !buf_names.is_empty() {
        quote!({ let _ = #call; [] })
    } else {
        quote!(#call.1)
    };
    let doc = format!(
        " The vector–Jacobian product of [`{name}`]: its value and `Jᵀ · d_out`, the cotangent of each differentiated parameter (scalars returned in declaration order, sequences written into their `d_` buffers), generated by `#[gradient]`."
    );
    let allows = crate::expand::generated_allows();
    // Hidden names: the parameters are in scope.
    let (value, grads_name) = (
        crate::naming::hidden("value"),
        crate::naming::hidden("grads"),
    );
    quote! {
        #[doc = #doc]
        #allows
        #[must_use]
        #vis fn #vjp_name #generics (#(#decl,)* d_out: &[#elem], #(#bufs),*) -> (#ret, [#elem; #k]) #where_clause {
            #nest
            let #value = #qual #name(#(#pass),*);
            ::core::assert!(d_out.len() == #len, #msg, d_out.len(), #len);
            let #grads_name = #grads;
            (#value, #grads_name)
        }
    }
}

/// `NAME_jvp(params.., v_params..) -> (RET, RET)`: the value and the directional derivative
/// `J · v` along one tangent per differentiated parameter (`v_x: T`, `v_w: &[T]`, `v_self:
/// &Self` for the model), output by output from one reverse sweep each (the Jacobian's rows
/// dotted with `v`).
fn jvp(w: &Wrap, float: crate::ir::FloatTy, arity: Option<usize>) -> TokenStream {
    let Wrap {
        item,
        sig,
        elem,
        ret,
        len,
        dot,
        model,
        model_param,
        qual,
        nest,
    } = *w;
    // The model's name and type: `self` and `Self`, or the parameter's.
    let (m_id, m_ty) = model_names(model_param);
    let vis = &item.vis;
    let name = &item.sig.ident;
    let jvp_name = format_ident!("{}_jvp", name);
    let dot_grad = format_ident!("{}_grad", dot);
    let (generics, where_clause) = (&item.sig.generics, &item.sig.generics.where_clause);
    let (decl, pass) = params(sig);
    let zero = crate::emit::float_literal(0.0, float);
    let one = crate::emit::float_literal(1.0, float);
    let scalars: Vec<Ident> = sig.active_scalars().map(|p| p.ident.clone()).collect();
    let k = scalars.len();
    // The tangents: the model's first, then the parameters' in declaration order.
    let mut tangent_decl: Vec<TokenStream> = Vec::new();
    let v_self = format_ident!("v_{}", m_id);
    if model {
        tangent_decl.push(quote!(#v_self: &#m_ty));
    }
    for p in sig.params.iter().filter(|p| p.active) {
        let v = format_ident!("v_{}", p.ident);
        tangent_decl.push(match &p.class {
            ParamClass::Float => quote!(#v: #elem),
            ParamClass::FloatSeq(SeqShape::Array(n)) => quote!(#v: &[#elem; #n]),
            _ => quote!(#v: &[#elem]),
        });
    }
    let seqs: Vec<(Ident, Ident, TokenStream)> = sig
        .active_seqs()
        .map(|p| {
            let (id, d, v) = (
                &p.ident,
                format_ident!("d_{}", p.ident),
                format_ident!("v_{}", p.ident),
            );
            let make = zero_buffer(&d, id, &p.class, &zero);
            (d, v, make)
        })
        .collect();
    let makes = seqs.iter().map(|(_, _, m)| m);
    let bufs = seqs.iter().map(|(d, _, _)| quote!(&mut #d));
    let [value, unit, tan, i, t, dm, g] =
        ["value", "unit", "tan", "i", "t", "dmodel", "g"].map(crate::naming::hidden);
    let model_buf = model.then(|| quote!(, &mut #dm));
    let call = quote!(#qual #dot_grad(#(#pass,)* &#unit #model_buf #(, #bufs)*));
    let grads = if k == 0 {
        quote!({ let _ = #call; })
    } else {
        quote!(let #g = #call.1;)
    };
    let scalar_terms = scalars.iter().enumerate().map(|(j, s)| {
        let v = format_ident!("v_{}", s);
        quote!(#t = #t + #g[#j] * #v;)
    });
    let seq_terms = seqs.iter().map(|(d, v, _)| {
        quote! {
            ::core::assert!(#v.len() == #d.len(), "the tangent `{}` must be as long as its parameter", ::core::stringify!(#v));
            for (a, b) in #d.iter().zip(#v.iter()) {
                #t = #t + *a * *b;
            }
        }
    });
    let model_term = model.then(|| {
        quote! {
            let #dm = ::grad::runtime::Params::to_flat(&#dm);
            for (a, b) in #dm.iter().zip(::grad::runtime::Params::to_flat(#v_self).iter()) {
                #t = #t + *a * *b;
            }
        }
    });
    let model_make =
        model.then(|| quote!(let mut #dm = <#m_ty as ::grad::runtime::Params>::zeros_like(#m_id);));
    let tangent_value = match (arity, ret) {
        (Some(n), _) => {
            let parts = (0..n).map(|j| quote!(#tan[#j]));
            quote!((#(#parts),*))
        }
        (None, syn::Type::Array(_)) => quote!({
            let mut out = #value;
            out.copy_from_slice(&#tan);
            out
        }),
        (None, _) => quote!(#tan),
    };
    let doc = format!(
        " The value of [`{name}`] and its directional derivative `J · v` (of the type of the value) along one tangent per differentiated parameter, generated by `#[gradient(jvp)]`: one reverse sweep per output."
    );
    let allows = crate::expand::generated_allows();
    quote! {
        #[doc = #doc]
        #allows
        #[must_use]
        #vis fn #jvp_name #generics (#(#decl,)* #(#tangent_decl),*) -> (#ret, #ret) #where_clause {
            #nest
            let #value = #qual #name(#(#pass),*);
            let mut #unit = ::std::vec![#zero; #len];
            let mut #tan = ::std::vec![#zero; #len];
            for #i in 0..#len {
                #unit[#i] = #one;
                #model_make
                #(#makes)*
                #grads
                let mut #t = #zero;
                #(#scalar_terms)*
                #(#seq_terms)*
                #model_term
                #tan[#i] = #t;
                #unit[#i] = #zero;
            }
            let #t = #tangent_value;
            (#value, #t)
        }
    }
}

/// `NAME_jacobian(params..) -> (RET, Vec<Vec<T>>)`: one `NAME_vjp` per output with a unit
/// cotangent.
fn jacobian(w: &Wrap, float: crate::ir::FloatTy) -> TokenStream {
    let Wrap {
        item,
        sig,
        elem,
        ret,
        len,
        dot,
        model,
        model_param,
        qual,
        nest,
    } = *w;
    // The model's name and type: `self` and `Self`, or the parameter's.
    let (m_id, m_ty) = model_names(model_param);
    let vis = &item.vis;
    let name = &item.sig.ident;
    let jac_name = format_ident!("{}_jacobian", name);
    let dot_grad = format_ident!("{}_grad", dot);
    let (generics, where_clause) = (&item.sig.generics, &item.sig.generics.where_clause);
    let (decl, pass) = params(sig);
    let zero = crate::emit::float_literal(0.0, float);
    let one = crate::emit::float_literal(1.0, float);
    let k = sig.active_scalars().count();
    let seqs: Vec<(Ident, TokenStream)> = sig
        .active_seqs()
        .map(|p| {
            let (id, d) = (&p.ident, format_ident!("d_{}", p.ident));
            let make = zero_buffer(&d, id, &p.class, &zero);
            (d, make)
        })
        .collect();
    let (buf_names, makes): (Vec<_>, Vec<_>) = seqs.into_iter().unzip();
    // Hidden names: the parameters are in scope.
    let [value, unit, rows, row, i, dm] =
        ["value", "unit", "rows", "row", "i", "dmodel"].map(crate::naming::hidden);
    let model_buf = model.then(|| quote!(, &mut #dm));
    let value_grads = crate::naming::hidden("scalars");
    let call = quote!(#qual #dot_grad(#(#pass,)* &#unit #model_buf #(, &mut #buf_names)*));
    // The model's entries first (its flat order), then the scalars, then the sequences.
    let scalars = match (k, model) {
        (0, false) => quote!({ let _ = #call; }),
        (0, true) => quote! {
            let mut #dm = <#m_ty as ::grad::runtime::Params>::zeros_like(#m_id);
            let _ = #call;
            #row.extend(::grad::runtime::Params::to_flat(&#dm));
        },
        (_, false) => quote!(#row.extend_from_slice(&#call.1);),
        (_, true) => quote! {
            let mut #dm = <#m_ty as ::grad::runtime::Params>::zeros_like(#m_id);
            let #value_grads = #call.1;
            #row.extend(::grad::runtime::Params::to_flat(&#dm));
            #row.extend_from_slice(&#value_grads);
        },
    };
    let doc = format!(
        " The Jacobian of [`{name}`] at a point, with its value: row `i` holds the partial derivatives of output `i` with respect to every differentiated entry (scalars in declaration order, then each sequence's elements), one reverse sweep per output; generated by `#[gradient]`."
    );
    let allows = crate::expand::generated_allows();
    quote! {
        #[doc = #doc]
        #allows
        #[must_use]
        #vis fn #jac_name #generics (#(#decl),*) -> (#ret, ::std::vec::Vec<::std::vec::Vec<#elem>>) #where_clause {
            #nest
            let #value = #qual #name(#(#pass),*);
            let mut #unit = ::std::vec![#zero; #len];
            let mut #rows = ::std::vec::Vec::with_capacity(#len);
            for #i in 0..#len {
                #unit[#i] = #one;
                let mut #row = ::std::vec::Vec::new();
                #(#makes)*
                #scalars
                #(#row.extend_from_slice(&#buf_names[..]);)*
                #rows.push(#row);
                #unit[#i] = #zero;
            }
            (#value, #rows)
        }
    }
}

/// `e` (an `if`, a block, a `match`) with the array literal each of its branches ends in written
/// as a tuple, and their length; `None` unless every branch ends in an array literal of one length
/// of two or more.
fn arrays_as_tuples(e: &syn::Expr) -> Option<(syn::Expr, usize)> {
    fn walk(e: &mut syn::Expr, n: &mut Option<usize>) -> bool {
        match e {
            syn::Expr::Array(a) => {
                let len = a.elems.len();
                if len < 2 || n.is_some_and(|m| m != len) {
                    return false;
                }
                *n = Some(len);
                let elems = &a.elems;
                *e = syn::parse_quote!((#elems));
                true
            }
            // `vec![a, b]` alike, for a function that returns a `Vec`.
            syn::Expr::Macro(_) => {
                let Some(arr) = crate::lower::vec_list(e) else {
                    return false;
                };
                let mut listed = syn::Expr::Array(arr);
                walk(&mut listed, n) && {
                    *e = listed;
                    true
                }
            }
            syn::Expr::Paren(p) => walk(&mut p.expr, n),
            syn::Expr::Block(b) => block(&mut b.block, n),
            syn::Expr::If(i) => {
                let Some((_, els)) = &mut i.else_branch else {
                    return false;
                };
                block(&mut i.then_branch, n) && walk(els, n)
            }
            syn::Expr::Match(m) => m.arms.iter_mut().all(|a| walk(&mut a.body, n)),
            _ => false,
        }
    }
    fn block(b: &mut syn::Block, n: &mut Option<usize>) -> bool {
        match b.stmts.last_mut() {
            Some(syn::Stmt::Expr(e, None)) => walk(e, n),
            _ => false,
        }
    }
    if matches!(e, syn::Expr::Array(_) | syn::Expr::Macro(_)) {
        return None;
    }
    let mut e = e.clone();
    let mut n = None;
    (walk(&mut e, &mut n)).then_some(())?;
    Some((e, n?))
}
