//! Closures passed to helpers: `integrate(|t| (k * t).sin(), 0.0, 1.0, n)`,
//! `rk4_step(&f, t, y, h)` with `fn rk4_step<F: Fn(f64, f64) -> f64>(f: &F, ..)`.
//!
//! The macro sees one function at a time, so neither side can be differentiated alone: the
//! helper's body is elsewhere, and the closure's derivative is the caller's. `#[gradient]` on
//! the helper emits it as written and a `macro_rules! NAME__inline` holding its body; a
//! `#[gradient]` caller writes each such call as a call of a function made for it,
//! `NAME__inline!(SPEC, [options], [captures: types,], closures..)`, which expands to
//! `#[gradient] fn SPEC(captures.., the helper's other parameters..) { let f = CLOSURE; BODY }`
//! — the helper with the closure in place, differentiated like any helper (and inlined by the
//! compiler like any function). The caller's own function calls `SPEC` too, which computes what
//! the helper did with the closure, operation for operation.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use std::collections::HashSet;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

/// A parameter of the helper holding a closure (by value or by reference: the specialized
/// function holds the closure by value either way) and its position.
struct ClosureParam {
    index: usize,
    /// The types of the closure's arguments, from its `Fn(A, B) -> R` bound (empty where none
    /// is written).
    args: Vec<syn::Type>,
}

/// The argument types of the first `Fn(..)` bound among `bounds`.
fn fn_args<'b>(bounds: impl Iterator<Item = &'b syn::TypeParamBound>) -> Option<Vec<syn::Type>> {
    for b in bounds {
        let syn::TypeParamBound::Trait(t) = b else {
            continue;
        };
        let last = t.path.segments.last()?;
        if let syn::PathArguments::Parenthesized(p) = &last.arguments {
            return Some(p.inputs.iter().cloned().collect());
        }
    }
    None
}

/// Whether `bounds` hold an `Fn`, `FnMut` or `FnOnce` bound.
fn fn_bound<'b>(mut bounds: impl Iterator<Item = &'b syn::TypeParamBound>) -> bool {
    bounds.any(|b| {
        matches!(b, syn::TypeParamBound::Trait(t)
            if t.path.segments.last().is_some_and(|s| ["Fn", "FnMut", "FnOnce"].iter().any(|n| s.ident == n)))
    })
}

/// The type parameters of `sig` bounded by `Fn..` (in their declaration or a `where` clause).
fn closure_type_params(sig: &syn::Signature) -> HashSet<String> {
    let mut out: HashSet<String> = sig
        .generics
        .type_params()
        .filter(|t| fn_bound(t.bounds.iter()))
        .map(|t| t.ident.to_string())
        .collect();
    if let Some(w) = &sig.generics.where_clause {
        for p in &w.predicates {
            if let syn::WherePredicate::Type(pt) = p {
                if let syn::Type::Path(tp) = &pt.bounded_ty {
                    if let Some(i) = tp.path.get_ident() {
                        if fn_bound(pt.bounds.iter()) {
                            out.insert(i.to_string());
                        }
                    }
                }
            }
        }
    }
    out
}

/// Whether `sig` takes a closure: [`helper`] expands such a function.
pub fn takes_closures(sig: &syn::Signature) -> bool {
    !closure_params(sig).is_empty()
}

/// The parameters of `sig` that hold closures.
fn closure_params(sig: &syn::Signature) -> Vec<ClosureParam> {
    let generic = closure_type_params(sig);
    let is_closure = |t: &syn::Type| match t {
        syn::Type::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| generic.contains(&i.to_string())),
        syn::Type::ImplTrait(it) => fn_bound(it.bounds.iter()),
        syn::Type::TraitObject(to) => fn_bound(to.bounds.iter()),
        syn::Type::BareFn(_) => true,
        _ => false,
    };
    // The bound of a type parameter, in its declaration or a `where` clause.
    let bound_of = |name: &syn::Ident| -> Option<Vec<syn::Type>> {
        let declared = sig
            .generics
            .type_params()
            .find(|t| t.ident == *name)
            .and_then(|t| fn_args(t.bounds.iter()));
        declared.or_else(|| {
            sig.generics.where_clause.as_ref()?.predicates.iter().find_map(|p| match p {
                syn::WherePredicate::Type(pt)
                    if matches!(&pt.bounded_ty, syn::Type::Path(tp) if tp.path.is_ident(name)) =>
                {
                    fn_args(pt.bounds.iter())
                }
                _ => None,
            })
        })
    };
    sig.inputs
        .iter()
        .enumerate()
        .filter_map(|(index, a)| {
            let syn::FnArg::Typed(pt) = a else {
                return None;
            };
            let ty = match &*pt.ty {
                syn::Type::Reference(r) => &*r.elem,
                t => t,
            };
            if !is_closure(ty) {
                return None;
            }
            let args = match ty {
                syn::Type::Path(p) => p.path.get_ident().and_then(bound_of),
                syn::Type::ImplTrait(it) => fn_args(it.bounds.iter()),
                syn::Type::TraitObject(to) => fn_args(to.bounds.iter()),
                syn::Type::BareFn(f) => Some(f.inputs.iter().map(|a| a.ty.clone()).collect()),
                _ => None,
            };
            Some(ClosureParam {
                index,
                args: args.unwrap_or_default(),
            })
        })
        .collect()
}

/// The name of the macro a helper holding closures emits.
fn inline_name(helper: &Ident) -> Ident {
    format_ident!("{}__inline", helper)
}

/// The expansion of a helper that takes closures: the function as written, and `macro_rules!
/// NAME__inline` (see the module's docs). `None` for a function without closure parameters.
pub fn helper(item: &syn::ItemFn) -> Option<TokenStream> {
    let params = closure_params(&item.sig);
    if params.is_empty() {
        return None;
    }
    let original = crate::expand::original_item(item);
    if item.sig.receiver().is_some() || crate::expand::sibling_path(item).is_some() {
        let e = syn::Error::new_spanned(
            &item.sig.ident,
            "`#[gradient]` on a function taking a closure makes it callable with closures from `#[gradient]` functions, and does so for free functions only: take the closure in a free function",
        )
        .to_compile_error();
        return Some(quote!(#original #e));
    }
    let (helper_fn, closures) = spec_parts(item, &params);
    let dollar = proc_macro2::Punct::new('$', proc_macro2::Spacing::Alone);
    let closure_vars: Vec<Ident> = (0..params.len()).map(|k| format_ident!("c{k}")).collect();
    // Each closure as `NAME => (ARG TYPES) [TOKENS]` for `__inline_spec`.
    let closures = closures
        .iter()
        .zip(&closure_vars)
        .map(|((pat, args), c)| quote!(#pat => (#(#args),*) [#dollar (#dollar #c)*]));
    let name = inline_name(&item.sig.ident);
    Some(quote! {
        #original
        #[doc(hidden)]
        #[allow(unused_macros)]
        macro_rules! #name {
            (#dollar spec:ident, [#dollar (#dollar opt:tt)*], [#dollar (#dollar cap:tt)*], #([#dollar (#dollar #closure_vars:tt)*]),*) => {
                ::grad::__inline_spec! {
                    [#dollar (#dollar opt)*]
                    [#dollar (#dollar cap)*]
                    #dollar spec
                    #helper_fn
                    #(#closures)*
                }
            };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub(crate) use #name;
    })
}

/// The helper as `__inline_spec` takes it: the function without its closure parameters and
/// their type parameters, and each closure parameter's pattern with its `Fn(A, ..)` types.
fn spec_parts(
    item: &syn::ItemFn,
    params: &[ClosureParam],
) -> (TokenStream, Vec<(syn::Pat, Vec<syn::Type>)>) {
    let generic = closure_type_params(&item.sig);
    // The specialized function's signature: the helper's without the closures and their types.
    let mut sig = item.sig.clone();
    sig.inputs = item
        .sig
        .inputs
        .iter()
        .enumerate()
        .filter(|(k, _)| params.iter().all(|p| p.index != *k))
        .map(|(_, a)| a.clone())
        .collect();
    sig.generics.params = item
        .sig
        .generics
        .params
        .iter()
        .filter(
            |g| !matches!(g, syn::GenericParam::Type(t) if generic.contains(&t.ident.to_string())),
        )
        .cloned()
        .collect();
    if let Some(w) = &mut sig.generics.where_clause {
        w.predicates = w
            .predicates
            .iter()
            .filter(|p| !matches!(p, syn::WherePredicate::Type(pt)
                if matches!(&pt.bounded_ty, syn::Type::Path(tp) if tp.path.get_ident().is_some_and(|i| generic.contains(&i.to_string())))))
            .cloned()
            .collect();
    }
    let (generics, where_clause, output) = (
        &sig.generics.params,
        &sig.generics.where_clause,
        &sig.output,
    );
    let inputs = &sig.inputs;
    let closures = params
        .iter()
        .map(|p| {
            let syn::FnArg::Typed(pt) = &item.sig.inputs[p.index] else {
                unreachable!("closure parameters are typed")
            };
            ((*pt.pat).clone(), p.args.clone())
        })
        .collect();
    let body = &item.block;
    let fname = &item.sig.ident;
    let generics = if generics.is_empty() {
        TokenStream::new()
    } else {
        quote!(<#generics>)
    };
    (
        quote!(fn #fname #generics (#inputs) #output #where_clause #body),
        closures,
    )
}

thread_local! {
    /// The helpers taking closures without `#[gradient]` that the function being expanded calls
    /// by name, read from its file (see `plain_helpers`): the calls make their specialized
    /// functions from these directly, as the helper's `NAME__inline!` would.
    static PLAIN: std::cell::RefCell<Vec<syn::ItemFn>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Makes `helpers` the helpers taking closures without `#[gradient]` of the expansion under way,
/// and gives back those of the expansion it is nested in (a method's model expands functions of
/// its own in the middle of its expansion), to be restored when it ends.
pub fn set_plain_helpers(helpers: Vec<syn::ItemFn>) -> Vec<syn::ItemFn> {
    PLAIN.with(|p| std::mem::replace(&mut *p.borrow_mut(), helpers))
}

/// `__inline_spec!{ [options] [captures] SPEC fn HELPER(..) -> R { BODY } f => (A, ..)
/// [CLOSURE] .. }`, as a helper's `NAME__inline!` writes it: the expansion of `#[gradient(
/// options)] fn SPEC(captures.., HELPER's other parameters..) -> R { let f = CLOSURE; BODY }`,
/// each closure's untyped parameters given the types of the helper's `Fn(A, ..)` bound (the
/// body's calls no longer tell the compiler).
pub fn spec(input: TokenStream) -> TokenStream {
    match syn::parse2::<SpecInput>(input) {
        Ok(s) => s.expand(),
        Err(e) => e.to_compile_error(),
    }
}

struct SpecInput {
    opts: TokenStream,
    caps: syn::punctuated::Punctuated<syn::FnArg, syn::Token![,]>,
    spec: Ident,
    helper: syn::ItemFn,
    closures: Vec<(syn::Pat, Vec<syn::Type>, syn::ExprClosure)>,
}

impl syn::parse::Parse for SpecInput {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let opts;
        syn::bracketed!(opts in input);
        let opts: TokenStream = opts.parse()?;
        let caps;
        syn::bracketed!(caps in input);
        let caps = caps.parse_terminated(syn::FnArg::parse, syn::Token![,])?;
        let spec: Ident = input.parse()?;
        let helper: syn::ItemFn = input.parse()?;
        let mut closures = Vec::new();
        while !input.is_empty() {
            let pat = syn::Pat::parse_single(input)?;
            input.parse::<syn::Token![=>]>()?;
            let args;
            syn::parenthesized!(args in input);
            let args = args.parse_terminated(syn::Type::parse, syn::Token![,])?;
            let body;
            syn::bracketed!(body in input);
            let closure: syn::ExprClosure = body.parse()?;
            closures.push((pat, args.into_iter().collect(), closure));
        }
        Ok(SpecInput {
            opts,
            caps,
            spec,
            helper,
            closures,
        })
    }
}

impl SpecInput {
    fn expand(self) -> TokenStream {
        let mut item = self.helper;
        item.sig.ident = self.spec;
        let mut caps = self.caps;
        // A helper generic over its float (`T: Float`) reads the caller's floats as `T`.
        let float_param = item.sig.generics.type_params().find(|t| {
            t.bounds.iter().any(|b| {
                matches!(b, syn::TypeParamBound::Trait(tr)
                if tr.path.segments.last().is_some_and(|s| s.ident == "Float" || s.ident == "Real"))
            })
        });
        let generic = float_param.is_some();
        if let Some(t) = float_param.map(|t| t.ident.clone()) {
            for a in &mut caps {
                let syn::FnArg::Typed(pt) = a else { continue };
                let generic: Option<syn::Type> = match &*pt.ty {
                    ty if crate::sig::float_of(ty).is_some() => Some(syn::parse_quote!(#t)),
                    syn::Type::Reference(r) if matches!(&*r.elem, syn::Type::Slice(sl) if crate::sig::float_of(&sl.elem).is_some()) => {
                        Some(syn::parse_quote!(&[#t]))
                    }
                    _ => None,
                };
                if let Some(g) = generic {
                    *pt.ty = g;
                }
            }
        }
        let mut inputs = caps;
        inputs.extend(item.sig.inputs);
        item.sig.inputs = inputs;
        item.attrs = vec![
            syn::parse_quote!(#[doc(hidden)]),
            syn::parse_quote!(#[allow(clippy::all, clippy::pedantic, non_snake_case, unused_mut)]),
        ];
        let mut lets: Vec<syn::Stmt> = Vec::new();
        for (pat, args, mut closure) in self.closures {
            // A function passed by its path, `|| PATH` (see `closure_of`): called with the
            // bound's arguments.
            if let (true, false, syn::Expr::Path(f)) =
                (closure.inputs.is_empty(), args.is_empty(), &*closure.body)
            {
                let names: Vec<Ident> = (0..args.len())
                    .map(|k| Ident::new(&format!("grad_arg_{k}"), Span::call_site()))
                    .collect();
                closure = syn::parse_quote!(|#(#names),*| #f(#(#names),*));
            }
            if args.len() == closure.inputs.len() {
                for (p, t) in closure.inputs.iter_mut().zip(&args) {
                    // (In a helper generic over its float, the bound's `T` over the caller's
                    // `f64`: the caller's floats are read as `T` too.)
                    if let (true, syn::Pat::Type(pt)) = (generic, &mut *p) {
                        *pt.ty = t.clone();
                    }
                    if !matches!(p, syn::Pat::Type(_)) {
                        *p = syn::Pat::Type(syn::PatType {
                            attrs: Vec::new(),
                            pat: Box::new(p.clone()),
                            colon_token: Default::default(),
                            ty: Box::new(t.clone()),
                        });
                    }
                }
            }
            // (By value also where the helper took `&F`: the body calls it alike, and a call
            // passing it on is rewritten in turn.)
            lets.push(syn::parse_quote!(let #pat = #closure;));
        }
        lets.append(&mut item.block.stmts);
        item.block.stmts = lets;
        crate::expand::expand(self.opts, item.into_token_stream())
    }
}

/// A call of a helper with closures, as the caller rewrites it.
struct Spec {
    /// The macro invocation that makes the specialized function, an item.
    item: TokenStream,
}

/// Input: a `#[gradient]` function whose body calls helpers with closures (a closure literal,
/// `&` of one, or a local bound to one). Output: the function with each such call written as a
/// call of a specialized function (captures first), and the items that make them. Calls whose
/// captures' types the macro cannot name stay as they are (the closure is then refused where it
/// stands). Methods and associated functions are left alone.
pub fn callers(item: &syn::ItemFn, args: &TokenStream) -> (syn::ItemFn, TokenStream) {
    let mut item = item.clone();
    // In an `impl` (a method, or a function naming `Self`), the specialized functions are made
    // beside it, associated functions called as `Self::SPEC`.
    let qual = crate::expand::sibling_path(&item);
    let Some(float) = float_type(&item.sig) else {
        return (item, TokenStream::new());
    };
    let opts = options(args);
    let mut r = Rewrite {
        caller: item.sig.ident.clone(),
        params: item
            .sig
            .inputs
            .iter()
            .flat_map(|a| match a {
                syn::FnArg::Typed(pt) => match (&*pt.pat, &*pt.ty) {
                    (syn::Pat::Ident(p), ty) => vec![(p.ident.clone(), ty.clone())],
                    // (`(a, b): (f64, f64)`, taken apart in the signature: each part.)
                    (syn::Pat::Tuple(tp), syn::Type::Tuple(tt))
                        if tp.elems.len() == tt.elems.len() =>
                    {
                        tp.elems
                            .iter()
                            .zip(&tt.elems)
                            .filter_map(|(p, t)| match p {
                                syn::Pat::Ident(pi) => Some((pi.ident.clone(), t.clone())),
                                _ => None,
                            })
                            .collect()
                    }
                    _ => Vec::new(),
                },
                syn::FnArg::Receiver(_) => Vec::new(),
            })
            .collect(),
        functions: None,
        generic_names: item
            .sig
            .generics
            .params
            .iter()
            .map(|g| match g {
                syn::GenericParam::Type(t) => t.ident.to_string(),
                syn::GenericParam::Lifetime(l) => l.lifetime.ident.to_string(),
                syn::GenericParam::Const(c) => c.ident.to_string(),
            })
            .collect(),
        lets: Vec::new(),
        closures: Vec::new(),
        float,
        opts,
        specs: Vec::new(),
        qual,
        receiver: item.sig.receiver().is_some(),
        self_data: item.sig.receiver().is_some() && {
            let parsed: crate::attr::Args = syn::parse2(args.clone()).unwrap_or_default();
            parsed.wrt.is_some_and(|w| w.iter().all(|n| n != "self"))
        },
        models: {
            let parsed: crate::attr::Args = syn::parse2(args.clone()).unwrap_or_default();
            parsed
                .wrt
                .unwrap_or_default()
                .into_iter()
                .filter(|n| {
                    item.sig.inputs.iter().any(|a| {
                        matches!(a, syn::FnArg::Typed(pt)
                        if matches!(&*pt.pat, syn::Pat::Ident(p) if p.ident == *n)
                            && crate::fields::is_struct_ref(&pt.ty))
                    })
                })
                .collect()
        },
    };
    r.collect(&item.block);
    r.functions = Some(crate::function_values::Names::of(&item));
    r.visit_block_mut(&mut item.block);
    if !r.specs.is_empty() {
        drop_unused_closures(&mut item.block);
    }
    let items = r.specs.iter().map(|s| &s.item);
    let items = quote!(#(#items)*);
    (item, items)
}

/// The function's float type when it is a concrete one (`f64`, `f32`): a capture's type where
/// the body gives none.
fn float_type(sig: &syn::Signature) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, t) = &sig.output else {
        return None;
    };
    crate::sig::float_of(t).filter(|f| !matches!(f, crate::ir::FloatTy::Generic(_)))?;
    Some((**t).clone())
}

/// The caller's options that its helpers need too (`jvp`, `hvp`).
fn options(args: &TokenStream) -> TokenStream {
    let parsed: crate::attr::Args = syn::parse2(args.clone()).unwrap_or_default();
    let mut opts = Vec::new();
    if parsed.jvp.is_some() {
        opts.push(quote!(jvp));
    }
    if parsed.hvp.is_some() {
        opts.push(quote!(hvp));
    }
    quote!(#(#opts),*)
}

struct Rewrite {
    caller: Ident,
    /// The caller's parameters and their types.
    params: Vec<(Ident, syn::Type)>,
    /// The caller's generic parameters and lifetimes: a capture whose type names one is not
    /// rewritten.
    generic_names: HashSet<String>,
    /// What tells the caller's functions given by their paths from its values.
    functions: Option<crate::function_values::Names>,
    /// The body's `let`s of one name: the type written, or whether the value is a float by its
    /// form; `None` for a binding of another kind.
    lets: Vec<(Ident, Option<syn::Type>)>,
    /// The body's `let NAME = |..| ..;` closures.
    closures: Vec<(String, syn::ExprClosure)>,
    float: syn::Type,
    opts: TokenStream,
    specs: Vec<Spec>,
    /// `Self::` where the caller stands in an `impl`.
    qual: Option<TokenStream>,
    /// Whether the caller takes `self` (which a closure may capture, as `&Self`).
    receiver: bool,
    /// Whether that `self` is data (`wrt(..)` names other parameters only).
    self_data: bool,
    /// The differentiated models among the parameters (`m: &Model` named in `wrt`): a closure
    /// reading one is specialized once the model's fields are parameters of their own (see
    /// `fields`), not here.
    models: Vec<Ident>,
}

impl Rewrite {
    /// The `let`s of the body (any depth): closures, and the types of the others.
    fn collect(&mut self, body: &syn::Block) {
        struct Lets<'r>(&'r mut Rewrite);
        impl<'a> syn::visit::Visit<'a> for Lets<'_> {
            fn visit_local(&mut self, l: &'a syn::Local) {
                let (pat, ty) = match &l.pat {
                    syn::Pat::Type(pt) => (&*pt.pat, Some((*pt.ty).clone())),
                    p => (p, None),
                };
                if let syn::Pat::Ident(p) = pat {
                    let init = l.init.as_ref().map(|i| &*i.expr);
                    if let Some(syn::Expr::Closure(c)) = init {
                        self.0.closures.push((p.ident.to_string(), c.clone()));
                    }
                    let float = init.is_some_and(|e| self.0.float_value(e));
                    let ty = ty.or_else(|| float.then(|| self.0.float.clone()));
                    self.0.lets.push((p.ident.clone(), ty));
                } else {
                    let mut names = Vec::new();
                    crate::lower::collect_pat_idents(pat, &mut names);
                    // `let (x0, x1) = p;` of a parameter `p: (f64, f64)`, `let (a, b): (f64,
                    // f64) = ..`, `let (s, c) = x.sin_cos();`: each part's type.
                    let parts =
                        self.0
                            .tuple_parts(pat, ty.as_ref(), l.init.as_ref().map(|i| &*i.expr));
                    for n in names {
                        let t = parts.iter().find(|(p, _)| *p == n).map(|(_, t)| t.clone());
                        self.0.lets.push((n, t));
                    }
                }
                syn::visit::visit_local(self, l);
            }
            fn visit_item(&mut self, _: &'a syn::Item) {}
        }
        syn::visit::Visit::visit_block(&mut Lets(self), body);
    }

    /// The names a tuple pattern binds directly (`(a, b)`, not nested), each with its part's
    /// type: from the `let`'s type, a parameter's or a `let`'s tuple type it copies,
    /// `sin_cos()` of a float, or a tuple of values each a float by its form.
    fn tuple_parts(
        &self,
        pat: &syn::Pat,
        ty: Option<&syn::Type>,
        init: Option<&syn::Expr>,
    ) -> Vec<(Ident, syn::Type)> {
        let syn::Pat::Tuple(t) = pat else {
            return Vec::new();
        };
        let named = |i: &Ident| -> Option<syn::Type> {
            self.params
                .iter()
                .find(|(n, _)| n == i)
                .map(|(_, t)| t.clone())
                .or_else(|| self.lets.iter().rev().find(|(n, _)| n == i)?.1.clone())
        };
        // `let (k, c) = (x[0], x[1]);`: each part's type by its own form.
        if let (None, Some(syn::Expr::Tuple(values))) = (ty, init) {
            if values.elems.len() == t.elems.len() {
                return t
                    .elems
                    .iter()
                    .zip(&values.elems)
                    .filter_map(|(p, v)| match p {
                        syn::Pat::Ident(pi)
                            if pi.by_ref.is_none()
                                && pi.subpat.is_none()
                                && self.float_value(v) =>
                        {
                            Some((pi.ident.clone(), self.float.clone()))
                        }
                        _ => None,
                    })
                    .collect();
            }
        }
        let whole: Option<syn::Type> = ty.cloned().or_else(|| match init? {
            syn::Expr::Path(p) => named(p.path.get_ident()?),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => match &*u.expr {
                syn::Expr::Path(p) => named(p.path.get_ident()?),
                _ => None,
            },
            syn::Expr::MethodCall(m) if m.method == "sin_cos" && self.float_value(&m.receiver) => {
                let f = &self.float;
                Some(syn::parse_quote!((#f, #f)))
            }
            _ => None,
        });
        let elems = match whole {
            Some(syn::Type::Tuple(tt)) => tt.elems.into_iter().collect::<Vec<_>>(),
            Some(syn::Type::Reference(r)) => match *r.elem {
                syn::Type::Tuple(tt) => tt.elems.into_iter().collect(),
                _ => return Vec::new(),
            },
            _ => return Vec::new(),
        };
        if elems.len() != t.elems.len() {
            return Vec::new();
        }
        t.elems
            .iter()
            .zip(elems)
            .filter_map(|(p, ty)| match p {
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    Some((pi.ident.clone(), ty))
                }
                _ => None,
            })
            .collect()
    }

    /// Whether `e` is a float by its form or the names it reads: a float literal, a float
    /// parameter or a `let` known to hold one, an element of a float sequence parameter (`w[i]`),
    /// in arithmetic or under a float method (`s * k`, `a.sin()`), a reduction to the float type
    /// (`.sum::<f64>()`), a cast to it, a function of it (`f64::max(a, b)`).
    fn float_value(&self, e: &syn::Expr) -> bool {
        let float_ty = |t: &syn::Type| crate::sig::float_of(t).is_some();
        match e {
            syn::Expr::Lit(l) => matches!(l.lit, syn::Lit::Float(_)),
            syn::Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
                self.params.iter().any(|(n, t)| n == i && float_ty(t))
                    || self
                        .lets
                        .iter()
                        .rev()
                        .find(|(n, _)| n == i)
                        .is_some_and(|(_, t)| t.as_ref().is_some_and(float_ty))
            }),
            syn::Expr::Index(ix) => matches!(&*ix.expr, syn::Expr::Path(p)
                if p.path.get_ident().is_some_and(|i| self.params.iter().any(|(n, t)| n == i
                    && crate::sig::seq_of(t).is_some()))),
            syn::Expr::Paren(p) => self.float_value(&p.expr),
            syn::Expr::Unary(u) => self.float_value(&u.expr),
            syn::Expr::Binary(b) => self.float_value(&b.left) || self.float_value(&b.right),
            syn::Expr::Cast(c) => float_ty(&c.ty),
            syn::Expr::MethodCall(m) => {
                let reduction = (m.method == "sum" || m.method == "product")
                    && m.turbofish.as_ref().is_some_and(|t| {
                        matches!(t.args.first(), Some(syn::GenericArgument::Type(t)) if float_ty(t))
                    });
                reduction
                    || (crate::rules::Prim::from_method(&m.method.to_string()).is_some()
                        && self.float_value(&m.receiver))
            }
            syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p)
                if p.path.segments.len() == 2
                    && (p.path.segments[0].ident == "f64" || p.path.segments[0].ident == "f32")),
            _ => false,
        }
    }

    /// The type of a capture and what the call passes for it, or `None` where the macro cannot
    /// name it (bound more than once, by a pattern, or of a type naming the caller's generics).
    fn capture(&self, name: &str) -> Option<(syn::Type, TokenStream)> {
        // `self` of a method whose `wrt(..)` leaves it out is data, taken as `&Self`; a model
        // its method differentiates would be data to the specialized function: refused.
        if name == "self" {
            return self
                .self_data
                .then(|| (syn::parse_quote!(&Self), quote!(self)));
        }
        if self.models.iter().any(|m| m == name) {
            return None;
        }
        let lets: Vec<&(Ident, Option<syn::Type>)> =
            self.lets.iter().filter(|(n, _)| n == name).collect();
        // (Passed under the binding's own token, whose hygiene is the declaration's.)
        let param = self.params.iter().find(|(n, _)| n == name);
        let (id, ty) = match (lets.as_slice(), param) {
            ([], Some((id, t))) => (id.clone(), t.clone()),
            ([(id, Some(t))], None) => (id.clone(), t.clone()),
            // Declared more than once (a parameter shadowed later, `let a = a * 0.5;`): the one
            // the call sees has the type all of them have.
            (lets, first) => {
                let mut types = lets
                    .iter()
                    .map(|(_, t)| t.clone())
                    .chain(first.map(|(_, t)| Some(t.clone())));
                let ty = types.next()??;
                if !types.all(|t| t.as_ref() == Some(&ty)) {
                    return None;
                }
                let id = first.map_or_else(|| lets[0].0.clone(), |(id, _)| id.clone());
                (id, ty)
            }
        };
        if crate::naming::mentions(ty.to_token_stream(), &|i| {
            self.generic_names.contains(&i.to_string())
        }) || matches!(ty, syn::Type::Reference(ref r) if r.mutability.is_some())
        {
            return None;
        }
        // A `Vec` local is lent as a slice.
        if let Some(elem) = crate::vector::vector_elem(&ty) {
            return Some((syn::parse_quote!(&[#elem]), quote!(&#id)));
        }
        Some((ty, quote!(#id)))
    }

    /// The closure an argument passes: a literal, `&` of one, or a closure local's name.
    fn closure_of(&self, a: &syn::Expr) -> Option<syn::ExprClosure> {
        match a {
            syn::Expr::Closure(c) => Some(c.clone()),
            syn::Expr::Reference(r) if r.mutability.is_none() => self.closure_of(&r.expr),
            syn::Expr::Paren(p) => self.closure_of(&p.expr),
            // A function by its path (`f64::sin`, `square`): `|| PATH`, which [`spec`] makes a
            // closure of the arity and types of the helper's bound.
            syn::Expr::Path(p) if self.functions.as_ref().is_some_and(|f| f.is_function(p)) => {
                Some(syn::parse_quote!(|| #p))
            }
            syn::Expr::Path(p) => {
                let name = p.path.get_ident()?.to_string();
                let mut found = self.closures.iter().filter(|(n, _)| *n == name);
                let (_, c) = found.next()?;
                found.next().is_none().then(|| c.clone())
            }
            _ => None,
        }
    }

    /// `helper(args..)` with closures as a call of a specialized function, or `None`.
    fn rewrite(&mut self, c: &syn::ExprCall) -> Option<syn::Expr> {
        let syn::Expr::Path(fp) = &*c.func else {
            return None;
        };
        if fp.qself.is_some() {
            return None;
        }
        let last = fp.path.segments.last()?;
        let name = last.ident.to_string();
        // (Functions of the standard library and types' constructors take closures of their
        // own, which other rewrites follow.)
        let std_like = [
            "from_fn",
            "repeat_with",
            "successors",
            "once_with",
            "from_iter",
        ]
        .contains(&name.as_str())
            || fp.path.segments.iter().any(|s| {
                let s = s.ident.to_string();
                s.starts_with(char::is_uppercase) || s == "std" || s == "core" || s == "alloc"
            })
            || !last.arguments.is_none();
        if std_like || self.closures.iter().any(|(n, _)| *n == name) {
            return None;
        }
        let closures: Vec<Option<syn::ExprClosure>> =
            c.args.iter().map(|a| self.closure_of(a)).collect();
        if closures.iter().all(Option::is_none) {
            return None;
        }
        // What the closures read of the caller, in a fixed order.
        let mut names: Vec<String> = closures
            .iter()
            .flatten()
            .flat_map(|cl| crate::desugar::closure_free_names(cl).into_iter())
            .filter(|n| {
                (n.as_str() == "self" && self.receiver)
                    || self.params.iter().any(|(p, _)| p == n.as_str())
                    || self.lets.iter().any(|(l, _)| l == n.as_str())
            })
            .collect();
        names.sort();
        names.dedup();
        let mut caps = Vec::new();
        let mut passed = Vec::new();
        let mut closures = closures;
        for n in &names {
            let (ty, arg) = self.capture(n)?;
            // Under a name of its own: the helper's body may bind the same name, which the
            // closure, inlined there, must not read.
            // (One span for the parameter and its reads, which meet in the helper's macro.)
            let id = Ident::new(&format!("grad_cap_{n}"), Span::call_site());
            for cl in closures.iter_mut().flatten() {
                rename_free(cl, n, &id);
            }
            caps.push(quote!(#id: #ty,));
            passed.push(arg);
        }
        let k = self.specs.len();
        let spec = format_ident!("grad_inline_{}_{}_{}", self.caller, name, k);
        let mut path = fp.path.clone();
        let last = path.segments.last_mut().expect("a path has a segment");
        // (Where the helper is not `#[gradient]`, rustc's "cannot find macro" points here.)
        last.ident = Ident::new(&inline_name(&last.ident).to_string(), c.func.span());
        let lits: Vec<TokenStream> = closures.iter().flatten().map(|c| quote!([#c])).collect();
        let opts = &self.opts;
        let plain = PLAIN.with(|p| {
            let p = p.borrow();
            let f = p.iter().find(|f| fp.path.is_ident(&f.sig.ident))?;
            let params = closure_params(&f.sig);
            (params.len() == lits.len()).then(|| spec_parts(f, &params))
        });
        let item = match plain {
            Some((helper, params)) => {
                let closures = params
                    .iter()
                    .zip(&lits)
                    .map(|((pat, args), lit)| quote!(#pat => (#(#args),*) #lit));
                quote! {
                    ::grad::__inline_spec! {
                        [#opts] [#(#caps)*] #spec #helper #(#closures)*
                    }
                }
            }
            None => quote! {
                #path!(#spec, [#opts], [#(#caps)*], #(#lits),*);
            },
        };
        self.specs.push(Spec { item });
        let rest = c
            .args
            .iter()
            .zip(&closures)
            .filter(|(_, cl)| cl.is_none())
            .map(|(a, _)| a);
        let qual = &self.qual;
        Some(syn::parse_quote_spanned!(c.func.span()=> #qual #spec(#(#passed,)* #(#rest),*)))
    }
}

impl VisitMut for Rewrite {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        if let syn::Expr::Call(c) = e {
            if let Some(new) = self.rewrite(c) {
                *e = new;
            }
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `let f = |..| ..;` statements whose closure nothing names any more (each call of a helper
/// that took it now calls a specialized function), at any depth: gone, as the compiler would
/// warn of them.
fn drop_unused_closures(body: &mut syn::Block) {
    let all = body.clone();
    struct Drop<'a>(&'a syn::Block);
    impl VisitMut for Drop<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, b);
            let whole = self.0;
            b.stmts.retain(|s| {
                let syn::Stmt::Local(l) = s else { return true };
                let (syn::Pat::Ident(p), Some(init)) = (&l.pat, &l.init) else {
                    return true;
                };
                if !matches!(&*init.expr, syn::Expr::Closure(_)) {
                    return true;
                }
                // Named once: by its own `let`.
                count(whole.to_token_stream(), &p.ident) > 1
            });
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Drop(&all).visit_block_mut(body);
}

/// How many times `name` appears in `ts`.
fn count(ts: TokenStream, name: &Ident) -> usize {
    ts.into_iter()
        .map(|t| match t {
            proc_macro2::TokenTree::Ident(i) => usize::from(i == *name),
            proc_macro2::TokenTree::Group(g) => count(g.stream(), name),
            _ => 0,
        })
        .sum()
}

/// `name` read in the body of closure `c` (not bound by it) as `to`.
fn rename_free(c: &mut syn::ExprClosure, name: &str, to: &Ident) {
    struct Rename<'a>(&'a str, &'a Ident);
    impl VisitMut for Rename<'_> {
        fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
            if p.qself.is_none() && p.path.get_ident().is_some_and(|i| i == self.0) {
                p.path.segments[0].ident = self.1.clone();
            }
        }
        fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
            let mut bound = Vec::new();
            for p in &c.inputs {
                crate::lower::collect_pat_idents(p, &mut bound);
            }
            if bound.iter().all(|b| b != self.0) {
                syn::visit_mut::visit_expr_closure_mut(self, c);
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Rename(name, to).visit_expr_mut(&mut c.body);
}
