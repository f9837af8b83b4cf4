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
//!
//! The captures are what the closure reads of the bindings its call sees (the body is walked
//! with the names in scope: parameters, `let`s, loops' and adapters' items, `if let`s): each is
//! passed under a name of its own where its type is known, a tuple part by part, a reference
//! to a float by value; the body's own items and closures it reads go with it. A capture of a
//! type not known leaves the call as it is, refused where it stands.

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
pub(crate) fn fn_bound<'b>(mut bounds: impl Iterator<Item = &'b syn::TypeParamBound>) -> bool {
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
            // The caller's own items the closure reads (see `Rewrite::take_items`), in the
            // function that now holds it.
            if let syn::Expr::Block(b) = &mut *closure.body {
                let items: Vec<syn::Stmt> = b
                    .block
                    .stmts
                    .iter()
                    .take_while(|s| matches!(s, syn::Stmt::Item(_)))
                    .cloned()
                    .collect();
                b.block.stmts.drain(..items.len());
                lets.extend(items);
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
        untyped: HashSet::new(),
        fn_mut: HashSet::new(),
        defs: Vec::new(),
        grown: Vec::new(),
        scope: Vec::new(),
        items: Vec::new(),
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
    // The body's own `fn` items taking closures (`fn trap<F: Fn(f64) -> f64>(f: F, ..)` declared
    // inside): helpers like those of the module, found first (they shadow them), for this body.
    // Each holds the body's items it reads (`const N: usize = 8;`): its body is copied into
    // functions made beside the caller.
    let mut nested = nested_closure_helpers(&item.block);
    for f in &mut nested {
        take_body_items(f, &r.items);
    }
    let count = nested.len();
    PLAIN.with(|p| {
        p.borrow_mut().splice(0..0, nested);
    });
    r.visit_block_mut(&mut item.block);
    PLAIN.with(|p| {
        p.borrow_mut().drain(0..count);
    });
    if !r.specs.is_empty() {
        drop_unused_closures(&mut item.block);
    }
    let items = r.specs.iter().map(|s| &s.item);
    let items = quote!(#(#items)*);
    (item, items)
}

/// The name of a function, constant or static: the items of a body a function made outside it
/// must take along.
fn value_item_name(i: &syn::Item) -> Option<&syn::Ident> {
    match i {
        syn::Item::Const(c) => Some(&c.ident),
        syn::Item::Static(s) => Some(&s.ident),
        syn::Item::Fn(f) => Some(&f.sig.ident),
        _ => None,
    }
}

/// `f`, a helper declared in a body, with the body's `items` it reads (and those they read)
/// declared at the start of its own body, unless it declares them itself.
fn take_body_items(f: &mut syn::ItemFn, items: &[(String, syn::Item)]) {
    let own: Vec<String> = f
        .block
        .stmts
        .iter()
        .filter_map(|s| match s {
            syn::Stmt::Item(i) => value_item_name(i).map(ToString::to_string),
            _ => None,
        })
        .collect();
    let read = std::cell::RefCell::new(Vec::new());
    crate::naming::mentions(f.block.to_token_stream(), &|i| {
        if *i != f.sig.ident && !own.contains(&i.to_string()) {
            read.borrow_mut().push(i.to_string());
        }
        false
    });
    let taken: Vec<syn::Stmt> = items_read(items, read.into_inner())
        .into_iter()
        .map(|i| syn::Stmt::Item(i.clone()))
        .collect();
    f.block.stmts.splice(0..0, taken);
}

/// The items of `items` (the body's own, by name) that `names` name, and those they read in
/// turn.
fn items_read(items: &[(String, syn::Item)], mut names: Vec<String>) -> Vec<&syn::Item> {
    let mut taken: Vec<&syn::Item> = Vec::new();
    while let Some(n) = names.pop() {
        let Some((_, item)) = items.iter().find(|(i, _)| *i == n) else {
            continue;
        };
        if taken.iter().any(|t| std::ptr::eq(*t, item)) {
            continue;
        }
        taken.push(item);
        let read = std::cell::RefCell::new(Vec::new());
        crate::naming::mentions(item.to_token_stream(), &|i| {
            let i = i.to_string();
            if i != n && items.iter().any(|(k, _)| *k == i) {
                read.borrow_mut().push(i);
            }
            false
        });
        names.extend(read.into_inner());
    }
    taken
}

/// The `fn` items declared in `block` (at any depth) that take closures.
fn nested_closure_helpers(block: &syn::Block) -> Vec<syn::ItemFn> {
    struct Found(Vec<syn::ItemFn>);
    impl<'a> syn::visit::Visit<'a> for Found {
        fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
            if takes_closures(&f.sig) {
                self.0.push(f.clone());
            }
            syn::visit::visit_item_fn(self, f);
        }
    }
    let mut found = Found(Vec::new());
    syn::visit::Visit::visit_block(&mut found, block);
    found.0
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

/// The names a closure local reads, each with where in `Rewrite::scope` its binding stood at
/// the closure's definition (`None`: a parameter, or no binding of the body).
type Reads = Vec<(String, Option<usize>)>;

struct Rewrite {
    caller: Ident,
    /// The caller's parameters and their types.
    params: Vec<(Ident, syn::Type)>,
    /// The caller's generic parameters and lifetimes: a capture whose type names one is not
    /// rewritten.
    generic_names: HashSet<String>,
    /// What tells the caller's functions given by their paths from its values.
    functions: Option<crate::function_values::Names>,
    /// The body's `let`s in order, each name with its type where known (see
    /// `local_bindings`): what the forms of values are told by before the body is walked in
    /// scope (see `scope`).
    lets: Vec<(Ident, Option<syn::Type>)>,
    /// The body's `let NAME = |..| ..;` closures.
    closures: Vec<(String, syn::ExprClosure)>,
    /// Those of them bound `mut` (which may change what they capture).
    fn_mut: HashSet<String>,
    /// For each closure local met so far, the names it reads and where in `scope` each was
    /// bound at its definition (`None`: a `move` closure reading a name the body assigns).
    defs: Vec<(String, Option<Reads>)>,
    /// The types the body declares (`struct`, `enum`, `type` items), which a specialized
    /// function made outside it does not see: a closure naming one is not specialized.
    untyped: HashSet<String>,
    /// The bindings in scope at the point of the body being rewritten, innermost last.
    scope: Vec<(Ident, Option<syn::Type>)>,
    /// The untyped `let`s of empty `Vec`s and the rows their pushes give them (see
    /// `pushed_rows`).
    grown: Vec<(Ident, syn::Type)>,
    /// The body's own functions, constants and statics, which a specialized function made
    /// outside it does not see: those a closure reads go with it.
    items: Vec<(String, syn::Item)>,
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
                if let (syn::Pat::Ident(p), Some(init)) = (&l.pat, &l.init) {
                    if let syn::Expr::Closure(c) = &*init.expr {
                        if p.mutability.is_some() {
                            self.0.fn_mut.insert(p.ident.to_string());
                        }
                        self.0.closures.push((p.ident.to_string(), c.clone()));
                    }
                }
                let bound = self.0.local_bindings(l);
                self.0.lets.extend(bound);
                syn::visit::visit_local(self, l);
            }
            fn visit_item(&mut self, i: &'a syn::Item) {
                let name = value_item_name(i);
                let other = match i {
                    syn::Item::Struct(s) => Some(&s.ident),
                    syn::Item::Enum(e) => Some(&e.ident),
                    syn::Item::Type(t) => Some(&t.ident),
                    _ => None,
                };
                if let Some(n) = name {
                    self.0.items.push((n.to_string(), i.clone()));
                } else if let Some(n) = other {
                    self.0.untyped.insert(n.to_string());
                }
            }
        }
        self.pushed_rows(body);
        syn::visit::Visit::visit_block(&mut Lets(self), body);
    }

    /// The names a `let` binds, each with its type where the macro can tell it: written, a
    /// float by the value's form, a tuple or list of rows of floats written out, a `Vec` grown
    /// by pushes of rows, the parts of a tuple of known type.
    fn local_bindings(&self, l: &syn::Local) -> Vec<(Ident, Option<syn::Type>)> {
        let (pat, ty) = match &l.pat {
            syn::Pat::Type(pt) => (&*pt.pat, Some((*pt.ty).clone())),
            p => (p, None),
        };
        let init = l.init.as_ref().map(|i| &*i.expr);
        if let syn::Pat::Ident(p) = pat {
            let float = init.is_some_and(|e| self.float_value(e));
            let ty = ty
                .or_else(|| float.then(|| self.float.clone()))
                .or_else(|| self.float_tuple(init?))
                .or_else(|| self.row_list(init?))
                // (An integer by its form, `let n = x.len();`.)
                .or_else(|| self.int_type(init?))
                // (A copy or a reference of a binding of known type, `let w = x;`, `let s =
                // &x[1..];`.)
                .or_else(|| match init? {
                    e @ (syn::Expr::Path(_) | syn::Expr::Reference(_)) => self.type_of(e),
                    _ => None,
                })
                .or_else(|| {
                    let grown = init.is_some_and(crate::desugar::empty_vec);
                    let (_, t) = self.grown.iter().find(|(g, _)| grown && *g == p.ident)?;
                    Some(syn::parse_quote!(Vec<#t>))
                });
            return vec![(p.ident.clone(), ty)];
        }
        let mut names = Vec::new();
        crate::lower::collect_pat_idents(pat, &mut names);
        // `let (x0, x1) = p;` of a parameter `p: (f64, f64)`, `let (a, b): (f64, f64) = ..`,
        // `let (s, c) = x.sin_cos();`: each part's type.
        let parts = self.tuple_parts(pat, ty.as_ref(), init);
        names
            .into_iter()
            .map(|n| {
                let t = parts.iter().find(|(p, _)| *p == n).map(|(_, t)| t.clone());
                (n, t)
            })
            .collect()
    }

    /// A list of rows written out (`vec![(a, b), (c, d)]`, `[[a, b], [c, d]]`): its type,
    /// `Vec<(T, T)>` or `[[T; 2]; 2]`, or `None`.
    fn row_list(&self, e: &syn::Expr) -> Option<syn::Type> {
        if !matches!(e, syn::Expr::Array(_) | syn::Expr::Macro(_)) {
            return None;
        }
        let (rows, vec) = (
            crate::desugar::listed_elements(e)?,
            matches!(e, syn::Expr::Macro(_)),
        );
        let mut types = rows.iter().map(|r| self.row(r));
        let first = types.next()??;
        if !types.all(|t| t.as_ref() == Some(&first)) {
            return None;
        }
        let n = rows.len();
        Some(if vec {
            syn::parse_quote!(Vec<#first>)
        } else {
            syn::parse_quote!([#first; #n])
        })
    }

    /// The type of a row written out: a tuple of floats or an array of floats.
    fn row(&self, e: &syn::Expr) -> Option<syn::Type> {
        match crate::desugar::unparen(e) {
            syn::Expr::Array(a)
                if !a.elems.is_empty() && a.elems.iter().all(|v| self.float_value(v)) =>
            {
                let (f, n) = (&self.float, a.elems.len());
                Some(syn::parse_quote!([#f; #n]))
            }
            e => self.float_tuple(e),
        }
    }

    /// The rows of the untyped `Vec`s made empty (`let mut pts = Vec::new();`) that pushes of
    /// rows of one type written out grow (`pts.push((a, b))`), into `grown`. (The float
    /// parameters are all a row's elements read here: the `let`s come later.)
    fn pushed_rows(&mut self, body: &syn::Block) {
        #[derive(Default)]
        struct Pushes {
            empty: Vec<Ident>,
            pushes: Vec<(Ident, syn::Expr)>,
        }
        impl<'a> syn::visit::Visit<'a> for Pushes {
            fn visit_local(&mut self, l: &'a syn::Local) {
                if let (syn::Pat::Ident(p), Some(init)) = (&l.pat, &l.init) {
                    if crate::desugar::empty_vec(&init.expr) {
                        self.empty.push(p.ident.clone());
                    }
                }
                syn::visit::visit_local(self, l);
            }
            fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
                if let (true, syn::Expr::Path(p), 1) =
                    (m.method == "push", &*m.receiver, m.args.len())
                {
                    if let Some(i) = p.path.get_ident() {
                        self.pushes.push((i.clone(), m.args[0].clone()));
                    }
                }
                syn::visit::visit_expr_method_call(self, m);
            }
            fn visit_item(&mut self, _: &'a syn::Item) {}
        }
        let mut p = Pushes::default();
        syn::visit::Visit::visit_block(&mut p, body);
        for g in &p.empty {
            if p.empty.iter().filter(|e| *e == g).count() > 1 {
                continue;
            }
            let mut rows = p
                .pushes
                .iter()
                .filter(|(i, _)| i == g)
                .map(|(_, r)| self.row(r));
            let Some(Some(first)) = rows.next() else {
                continue;
            };
            if rows.all(|t| t.as_ref() == Some(&first)) {
                self.grown.push((g.clone(), first));
            }
        }
    }

    /// The type of the binding named `i` that the point of the body being rewritten sees
    /// (`Some(None)` for one of a type not followed; `None` for no binding): the innermost of
    /// those in scope there, else the parameter; while the `let`s are collected, the last `let`.
    fn name_type(&self, i: &Ident) -> Option<Option<syn::Type>> {
        if let Some((_, t)) = self.scope.iter().rev().find(|(n, _)| n == i) {
            return Some(t.clone());
        }
        if let Some((_, t)) = self.params.iter().find(|(n, _)| n == i) {
            return Some(Some(t.clone()));
        }
        if let Some((_, t)) = self.lets.iter().rev().find(|(n, _)| n == i) {
            return Some(t.clone());
        }
        // (A `const` of the module: what a loop over a table of data reads.)
        let t = crate::prescan::const_type(&self.caller.to_string(), &i.to_string())?;
        Some(Some(t))
    }

    /// The names `pat` binds when it matches `e`: `Some(P)` over `x.first()`, `x.last()`,
    /// `x.get(i)` of a sequence gives `P` its element by reference; other forms, names of types
    /// not followed.
    fn option_bindings(&self, pat: &syn::Pat, e: &syn::Expr) -> Vec<(Ident, Option<syn::Type>)> {
        let item = match (pat, crate::desugar::unparen(e)) {
            (syn::Pat::TupleStruct(ts), syn::Expr::MethodCall(m))
                if ts.path.is_ident("Some")
                    && ts.elems.len() == 1
                    && matches!(m.method.to_string().as_str(), "first" | "last" | "get") =>
            {
                let elem = match self.type_of(&m.receiver) {
                    Some(syn::Type::Reference(r)) => crate::vector::seq_elem(&r.elem),
                    Some(t) => crate::vector::seq_elem(&t),
                    None => None,
                };
                let single =
                    m.method != "get" || m.args.len() == 1 && self.int_type(&m.args[0]).is_some();
                elem.filter(|_| single)
                    .map(|t| (syn::parse_quote!(&#t), &ts.elems[0]))
            }
            _ => None,
        };
        match item {
            Some((t, inner)) => bindings(inner, Some(&t)),
            None => bindings(pat, None),
        }
    }

    /// The type of the binding of this name the body's point under rewrite sees (see
    /// [`Self::name_type`]).
    fn type_of(&self, e: &syn::Expr) -> Option<syn::Type> {
        match crate::desugar::unparen(e) {
            syn::Expr::Path(p) => self.name_type(p.path.get_ident()?)?,
            syn::Expr::Reference(r) if r.mutability.is_none() => match self.type_of(&r.expr)? {
                // (`&x` of a slice `x`: the slice.)
                t @ syn::Type::Reference(_) => Some(t),
                t => Some(syn::parse_quote!(&#t)),
            },
            // `p.0` of a tuple.
            syn::Expr::Field(f) => {
                let syn::Member::Unnamed(k) = &f.member else {
                    return None;
                };
                let t = match self.type_of(&f.base)? {
                    syn::Type::Reference(r) => *r.elem,
                    t => t,
                };
                match t {
                    syn::Type::Tuple(tt) => tt.elems.into_iter().nth(k.index as usize),
                    _ => None,
                }
            }
            // `x[a..b]` of a sequence: the slice.
            syn::Expr::Index(ix)
                if matches!(crate::desugar::unparen(&ix.index), syn::Expr::Range(_)) =>
            {
                let elem = match self.type_of(&ix.expr)? {
                    syn::Type::Reference(r) => crate::vector::seq_elem(&r.elem)?,
                    t => crate::vector::seq_elem(&t)?,
                };
                Some(syn::parse_quote!([#elem]))
            }
            _ => None,
        }
    }

    /// The type of the items `e` yields in a `for` loop or to an adapter's closure, where the
    /// forms it is written in say it: sequences and references to them, their `iter()`, with
    /// `copied`, `cloned`, `enumerate`, `zip`, `rev`, `skip`, `take`, `step_by`; `chunks(k)`,
    /// `windows(k)`, `chunks_exact(k)`; integer ranges (`0..x.len()`, or of positions
    /// `body` indexes with).
    fn item_type(&self, e: &syn::Expr, pat: &syn::Pat, body: &dyn ToTokens) -> Option<syn::Type> {
        // The element type of a sequence's type, and whether it is reached through `&`.
        let elem = |t: &syn::Type| -> Option<(syn::Type, bool)> {
            match t {
                syn::Type::Reference(r) if r.mutability.is_none() => {
                    Some((crate::vector::seq_elem(&r.elem)?, true))
                }
                t => Some((crate::vector::seq_elem(t)?, false)),
            }
        };
        let by_ref = |t: syn::Type| -> syn::Type { syn::parse_quote!(&#t) };
        match crate::desugar::unparen(e) {
            e @ (syn::Expr::Path(_) | syn::Expr::Reference(_)) => {
                let (t, r) = elem(&self.type_of(e)?)?;
                Some(if r { by_ref(t) } else { t })
            }
            syn::Expr::Range(r) => {
                let int = |e: &Option<Box<syn::Expr>>| e.as_deref().and_then(|e| self.int_type(e));
                // (Else a range of positions, where the body indexes with its items; of
                // literals, `0..3`, read only through casts, `j as f64`, Rust's `i32`.)
                let reads = std::cell::OnceCell::new();
                let reads = || reads.get_or_init(|| reads_of(pat, body));
                int(&r.start)
                    .or_else(|| int(&r.end))
                    .or_else(|| reads().index.then(|| syn::parse_quote!(usize)))
                    .or_else(|| {
                        let lit = |e: &Option<Box<syn::Expr>>| {
                            matches!(
                                e.as_deref(),
                                Some(syn::Expr::Lit(syn::ExprLit {
                                    lit: syn::Lit::Int(_),
                                    ..
                                }))
                            )
                        };
                        (lit(&r.start) && lit(&r.end) && reads().only_cast())
                            .then(|| syn::parse_quote!(i32))
                    })
            }
            syn::Expr::MethodCall(m) => {
                let method = m.method.to_string();
                match method.as_str() {
                    "iter" | "into_iter" if m.args.is_empty() => {
                        let (t, r) = elem(&self.type_of(&m.receiver)?)?;
                        Some(if r || method == "iter" { by_ref(t) } else { t })
                    }
                    "copied" | "cloned" => match self.item_type(&m.receiver, pat, body)? {
                        syn::Type::Reference(r) => Some(*r.elem),
                        _ => None,
                    },
                    "enumerate" => {
                        let t = self.item_type(&m.receiver, pat, body)?;
                        Some(syn::parse_quote!((usize, #t)))
                    }
                    "zip" if m.args.len() == 1 => {
                        let a = self.item_type(&m.receiver, pat, body)?;
                        let b = self.item_type(&m.args[0], pat, body)?;
                        Some(syn::parse_quote!((#a, #b)))
                    }
                    "rev" | "skip" | "take" | "step_by" => self.item_type(&m.receiver, pat, body),
                    "chunks" | "windows" | "chunks_exact" | "rchunks" => {
                        let (t, _) = elem(&self.type_of(&m.receiver)?)?;
                        Some(syn::parse_quote!(&[#t]))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The integer type of `e` where its form says it: `x.len()`, a cast, a literal with a
    /// suffix, a name of that type, arithmetic of those.
    fn int_type(&self, e: &syn::Expr) -> Option<syn::Type> {
        let int = |t: &syn::Type| {
            matches!(t, syn::Type::Path(p) if p.path.get_ident().is_some_and(|i| {
                ["usize", "isize", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64"]
                    .iter()
                    .any(|n| i == n)
            }))
        };
        match crate::desugar::unparen(e) {
            syn::Expr::MethodCall(m) if m.method == "len" && m.args.is_empty() => {
                Some(syn::parse_quote!(usize))
            }
            // (`n.min(2)`, `x.len().max(1)`: the receiver's.)
            syn::Expr::MethodCall(m)
                if (m.method == "min" || m.method == "max") && m.args.len() == 1 =>
            {
                self.int_type(&m.receiver)
            }
            syn::Expr::Cast(c) => int(&c.ty).then(|| (*c.ty).clone()),
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(i),
                ..
            }) if !i.suffix().is_empty() => {
                let t: syn::Type = syn::parse_str(i.suffix()).ok()?;
                int(&t).then_some(t)
            }
            e @ syn::Expr::Path(_) => self.type_of(e).filter(int),
            syn::Expr::Binary(b) => self.int_type(&b.left).or_else(|| self.int_type(&b.right)),
            _ => None,
        }
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

    /// The type of a tuple literal of floats (`(x[0], k * x[1])`, nested ones too), or `None`.
    fn float_tuple(&self, e: &syn::Expr) -> Option<syn::Type> {
        let syn::Expr::Tuple(t) = e else {
            return None;
        };
        let parts = t
            .elems
            .iter()
            .map(|v| {
                if self.float_value(v) {
                    Some(self.float.clone())
                } else {
                    self.float_tuple(v)
                }
            })
            .collect::<Option<Vec<syn::Type>>>()?;
        (!parts.is_empty()).then(|| syn::parse_quote!((#(#parts,)*)))
    }

    /// Whether `e` is a float by its form or the names it reads: a float literal, a float
    /// parameter or a `let` known to hold one, an element of a float sequence parameter (`w[i]`),
    /// in arithmetic or under a float method (`s * k`, `a.sin()`), a reduction to the float type
    /// (`.sum::<f64>()`), a cast to it, a function of it (`f64::max(a, b)`).
    fn float_value(&self, e: &syn::Expr) -> bool {
        let float_ty = |t: &syn::Type| crate::sig::float_of(t).is_some();
        match e {
            syn::Expr::Lit(l) => matches!(l.lit, syn::Lit::Float(_)),
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.name_type(i))
                .is_some_and(|t| t.as_ref().is_some_and(float_ty)),
            syn::Expr::Index(ix) => matches!(&*ix.expr, syn::Expr::Path(p)
            if p.path.get_ident().and_then(|i| self.name_type(i)).is_some_and(|t| {
                t.is_some_and(|t| {
                    let t = match t {
                        syn::Type::Reference(r) => *r.elem,
                        t => t,
                    };
                    crate::vector::seq_elem(&t).is_some_and(|e| float_ty(&e))
                })
            })),
            syn::Expr::Paren(p) => self.float_value(&p.expr),
            // A field of a tuple of floats (`p.0` of `p: (f64, f64)`).
            syn::Expr::Field(_) => self.type_of(e).is_some_and(|t| float_ty(&t)),
            // (`*r` of a reference to a float, `r: &f64`.)
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                self.float_value(&u.expr)
                    || matches!(self.type_of(&u.expr), Some(syn::Type::Reference(r)) if float_ty(&r.elem))
            }
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
        // The binding the call sees: the innermost in scope there, else the parameter.
        // (Passed under the binding's own token, whose hygiene is the declaration's.)
        let (id, ty) = match self.scope.iter().rev().find(|(n, _)| n == name) {
            Some((id, t)) => (id.clone(), t.clone()?),
            None => self.params.iter().find(|(n, _)| n == name)?.clone(),
        };
        // (A reference's lifetime, `&'a [f64]`, is the specialized function's own, elided.)
        let mut ty = ty;
        struct Elide;
        impl VisitMut for Elide {
            fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
                r.lifetime = None;
                syn::visit_mut::visit_type_reference_mut(self, r);
            }
        }
        Elide.visit_type_mut(&mut ty);
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

    /// The body's own items that closure `cl` reads (`free`, names not otherwise bound), and
    /// those they read in turn, written at the start of its body: the specialized function
    /// made of it holds them (see [`SpecInput::expand`]).
    fn take_items(
        &self,
        cl: &mut syn::ExprClosure,
        free: &HashSet<String>,
        known: &dyn Fn(&str) -> bool,
    ) {
        let names = free.iter().filter(|n| !known(n)).cloned().collect();
        let taken = items_read(&self.items, names);
        if taken.is_empty() {
            return;
        }
        let body = &cl.body;
        *cl.body = syn::parse_quote!({ #(#taken)* #body });
    }

    /// The position in `scope` of the innermost binding named `n` (`None`: a parameter or a
    /// name of no binding of the body).
    fn innermost(&self, n: &str) -> Option<usize> {
        self.scope.iter().rposition(|(s, _)| s == n)
    }

    /// Whether the names closure local `name` reads are bound where it is called as where it is
    /// defined (not declared again in between: `let a = ..; let f = |t| a * t; let a = ..;`):
    /// its captures, passed at the call, are then its own.
    fn same_bindings(&self, name: &str) -> bool {
        let mut defs = self.defs.iter().filter(|(d, _)| d == name);
        match (defs.next(), defs.next()) {
            (Some((_, Some(reads))), None) => reads.iter().all(|(n, at)| self.innermost(n) == *at),
            _ => false,
        }
    }

    /// Whether `a` names a closure local (or lends one, `&f`) whose names are bound at the call
    /// as where it is defined, or is no closure local.
    fn local_intact(&self, a: &syn::Expr) -> bool {
        match crate::desugar::unparen(a) {
            syn::Expr::Reference(r) => self.local_intact(&r.expr),
            syn::Expr::Path(p) => p.path.get_ident().is_none_or(|i| {
                let n = i.to_string();
                !self.closures.iter().any(|(c, _)| *c == n) || self.same_bindings(&n)
            }),
            _ => true,
        }
    }

    /// The closures of the body that closure `cl` calls (`let model = |t: f64| a * t + b;`
    /// read as `model(t)`), and those they call in turn, defined at the start of its body: the
    /// specialized function made of it holds them, and their captures are its own. (Those bound
    /// `mut`, which may change what they capture, are not.) `None` where one reads a name
    /// declared again since its definition.
    fn with_closures_read(&self, cl: &mut syn::ExprClosure) -> Option<()> {
        // (A closure read by one taken in is taken again, outside it. Bounded: closures do not
        // call themselves.)
        for _ in 0..4 * self.closures.len() {
            let mut free: Vec<String> =
                crate::desugar::closure_free_names(cl).into_iter().collect();
            free.sort();
            let next = free.iter().find(|n| {
                !self.fn_mut.contains(*n)
                    && self.closures.iter().filter(|(c, _)| c == *n).count() == 1
                    && self.innermost(n).is_some_and(|k| self.scope[k].1.is_none())
            });
            let Some(n) = next.cloned() else {
                return Some(());
            };
            if !self.same_bindings(&n) {
                return None;
            }
            let (_, def) = self
                .closures
                .iter()
                .find(|(c, _)| *c == n)
                .expect("found above");
            let (id, body) = (Ident::new(&n, Span::call_site()), &cl.body);
            *cl.body = syn::parse_quote!({ let #id = #def; #body });
        }
        Some(())
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
        let mut closures: Vec<Option<syn::ExprClosure>> =
            c.args.iter().map(|a| self.closure_of(a)).collect();
        if closures.iter().all(Option::is_none) {
            return None;
        }
        if !c.args.iter().all(|a| self.local_intact(a)) {
            return None;
        }
        for cl in closures.iter_mut().flatten() {
            self.with_closures_read(cl)?;
        }
        // What the closures read of the caller, in a fixed order.
        let mut names: Vec<String> = closures
            .iter()
            .flatten()
            .flat_map(|cl| crate::desugar::closure_free_names(cl).into_iter())
            .filter(|n| {
                (n.as_str() == "self" && self.receiver)
                    || self.params.iter().any(|(p, _)| p == n.as_str())
                    || self.scope.iter().any(|(l, _)| l == n.as_str())
            })
            .collect();
        names.sort();
        names.dedup();
        let known = |n: &str| {
            self.params.iter().any(|(p, _)| p == n) || self.scope.iter().any(|(l, _)| l == n)
        };
        // A type of the body's own (a `struct` declared in it): the closure stays, and is
        // refused.
        if closures.iter().flatten().any(|cl| {
            crate::desugar::closure_free_names(cl)
                .iter()
                .any(|n| self.untyped.contains(n) && !known(n))
        }) {
            return None;
        }
        let free: Vec<HashSet<String>> = closures
            .iter()
            .flatten()
            .map(crate::desugar::closure_free_names)
            .collect();
        let mut caps = Vec::new();
        let mut passed = Vec::new();
        for n in &names {
            let (ty, arg) = self.capture(n)?;
            // A tuple goes part by part: a tuple of differentiated floats is followed into
            // functions by inlining them, which the specialized function, made by a macro, is
            // not open to.
            if let Some(leaves) = tuple_leaves(&ty) {
                let ids: Vec<Ident> = leaves
                    .iter()
                    .map(|(at, _)| {
                        let at: Vec<String> = at.iter().map(ToString::to_string).collect();
                        Ident::new(&format!("grad_cap_{n}_{}", at.join("_")), Span::call_site())
                    })
                    .collect();
                for cl in closures.iter_mut().flatten() {
                    split_free(cl, n, &leaves, &ids);
                }
                for ((at, t), id) in leaves.iter().zip(&ids) {
                    let at = at.iter().map(|k| syn::Index::from(*k as usize));
                    caps.push(quote!(#id: #t,));
                    passed.push(quote!(#arg #(. #at)*));
                }
                continue;
            }
            // Under a name of its own: the helper's body may bind the same name, which the
            // closure, inlined there, must not read.
            // (One span for the parameter and its reads, which meet in the helper's macro.)
            let id = Ident::new(&format!("grad_cap_{n}"), Span::call_site());
            for cl in closures.iter_mut().flatten() {
                rename_free(cl, n, &id);
            }
            // A reference to a float (an item of `x.iter()`) goes by value, which the caller's
            // rewrites of its loops may have made it, and is lent again inside the closure.
            if let syn::Type::Reference(r) = &ty {
                if r.mutability.is_none() && crate::sig::float_of(&r.elem).is_some() {
                    let (value, elem) = (format_ident!("{}_value", id), &r.elem);
                    for cl in closures.iter_mut().flatten() {
                        let body = &cl.body;
                        *cl.body = syn::parse_quote!({ let #id = &#value; #body });
                    }
                    caps.push(quote!(#value: #elem,));
                    passed.push(quote!(*#arg));
                    continue;
                }
            }
            caps.push(quote!(#id: #ty,));
            passed.push(arg);
        }
        for (cl, free) in closures.iter_mut().flatten().zip(&free) {
            self.take_items(cl, free, &known);
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

impl Rewrite {
    /// `cond`, then `block` with the names the `let`s of `cond` bind (`if let Some(&v) =
    /// x.first()`) in scope.
    fn under_condition(&mut self, cond: &mut syn::Expr, block: &mut syn::Block) {
        self.visit_expr_mut(cond);
        let mut pats = Vec::new();
        condition_patterns(cond, &mut pats);
        let depth = self.scope.len();
        for (p, e) in &pats {
            let bound = self.option_bindings(p, e);
            self.scope.extend(bound);
        }
        self.visit_block_mut(block);
        self.scope.truncate(depth);
    }
}

/// (The bindings in scope are followed as the body is walked: a closure given to a helper
/// reads those its call sees.)
impl VisitMut for Rewrite {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        if let syn::Expr::Call(c) = e {
            if let Some(new) = self.rewrite(c) {
                *e = new;
            }
        }
    }
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let depth = self.scope.len();
        // (What the block assigns, where a `move` closure local may have copied it.)
        let moves = b.stmts.iter().any(|s| {
            matches!(s, syn::Stmt::Local(l) if l.init.as_ref().is_some_and(|i|
                matches!(&*i.expr, syn::Expr::Closure(c) if c.capture.is_some())))
        });
        let assigned = if moves {
            crate::lower::assigned_names(b)
        } else {
            Vec::new()
        };
        for s in &mut b.stmts {
            if let syn::Stmt::Local(l) = s {
                let bound = self.local_bindings(l);
                // A closure local: which bindings its names read where it is defined.
                if let (syn::Pat::Ident(p), Some(init)) = (&l.pat, &l.init) {
                    if let syn::Expr::Closure(c) = &*init.expr {
                        let reads: Reads = crate::desugar::closure_free_names(c)
                            .into_iter()
                            .map(|n| {
                                let at = self.innermost(&n);
                                (n, at)
                            })
                            .collect();
                        // (A `move` closure holds copies: a name it reads that the body
                        // assigns anywhere may differ at the call. Without `move`, the
                        // borrow it holds forbids that.)
                        let copies_changed = c.capture.is_some()
                            && reads.iter().any(|(n, _)| assigned.iter().any(|a| a == n));
                        let reads = (!copies_changed).then_some(reads);
                        self.defs.push((p.ident.to_string(), reads));
                    }
                }
                self.visit_local_mut(l);
                self.scope.extend(bound);
            } else {
                self.visit_stmt_mut(s);
            }
        }
        self.scope.truncate(depth);
    }
    fn visit_expr_for_loop_mut(&mut self, f: &mut syn::ExprForLoop) {
        let item = self.item_type(&f.expr, &f.pat, &f.body);
        self.visit_expr_mut(&mut f.expr);
        let depth = self.scope.len();
        self.scope.extend(bindings(&f.pat, item.as_ref()));
        self.visit_block_mut(&mut f.body);
        self.scope.truncate(depth);
    }
    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        let depth = self.scope.len();
        for p in &c.inputs {
            self.scope.extend(bindings(p, None));
        }
        self.visit_expr_mut(&mut c.body);
        self.scope.truncate(depth);
    }
    fn visit_expr_method_call_mut(&mut self, m: &mut syn::ExprMethodCall) {
        // The parameter an iterator's adapter gives its items to (`map(|&v| ..)`, `fold(0.0,
        // |acc, v| ..)`): of the receiver's items' type.
        let item_at = match m.method.to_string().as_str() {
            "map" | "for_each" | "flat_map" | "filter_map" | "any" | "all" | "position" => {
                Some((0, 0))
            }
            "fold" => Some((1, 1)),
            _ => None,
        };
        let items: Vec<Option<syn::Type>> = m
            .args
            .iter()
            .enumerate()
            .map(|(k, a)| match (a, item_at) {
                (syn::Expr::Closure(c), Some((arg, param))) if arg == k => c
                    .inputs
                    .get(param)
                    .and_then(|p| self.item_type(&m.receiver, p, &c.body)),
                _ => None,
            })
            .collect();
        self.visit_expr_mut(&mut m.receiver);
        for (k, a) in m.args.iter_mut().enumerate() {
            match (a, item_at) {
                (syn::Expr::Closure(c), Some((arg, param))) if arg == k => {
                    let depth = self.scope.len();
                    for (j, p) in c.inputs.iter().enumerate() {
                        let t = if j == param { items[k].as_ref() } else { None };
                        self.scope.extend(bindings(p, t));
                    }
                    self.visit_expr_mut(&mut c.body);
                    self.scope.truncate(depth);
                }
                (a, _) => self.visit_expr_mut(a),
            }
        }
    }
    fn visit_expr_match_mut(&mut self, m: &mut syn::ExprMatch) {
        self.visit_expr_mut(&mut m.expr);
        // (An arm's name bound to an integer scrutinee, `n if n > 1`, is of its type.)
        let int = self.int_type(&m.expr);
        for a in &mut m.arms {
            let depth = self.scope.len();
            self.scope.extend(bindings(&a.pat, int.as_ref()));
            if let Some((_, g)) = &mut a.guard {
                self.visit_expr_mut(g);
            }
            self.visit_expr_mut(&mut a.body);
            self.scope.truncate(depth);
        }
    }
    fn visit_expr_if_mut(&mut self, i: &mut syn::ExprIf) {
        self.under_condition(&mut i.cond, &mut i.then_branch);
        if let Some((_, e)) = &mut i.else_branch {
            self.visit_expr_mut(e);
        }
    }
    fn visit_expr_while_mut(&mut self, w: &mut syn::ExprWhile) {
        self.under_condition(&mut w.cond, &mut w.body);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `let f = |..| ..;` statements whose closure nothing names any more (each call of a helper
/// that took it now calls a specialized function), at any depth: gone, as the compiler would
/// warn of them; then those only they named, in turn.
fn drop_unused_closures(body: &mut syn::Block) {
    loop {
        let before = count_lets(body);
        drop_unused_closures_once(body);
        if count_lets(body) == before {
            return;
        }
    }
}

/// How many `let`s `body` holds at any depth.
fn count_lets(body: &syn::Block) -> usize {
    struct Count(usize);
    impl<'a> syn::visit::Visit<'a> for Count {
        fn visit_local(&mut self, l: &'a syn::Local) {
            self.0 += 1;
            syn::visit::visit_local(self, l);
        }
    }
    let mut c = Count(0);
    syn::visit::Visit::visit_block(&mut c, body);
    c.0
}

fn drop_unused_closures_once(body: &mut syn::Block) {
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
            if !binds(c, self.0) {
                syn::visit_mut::visit_expr_closure_mut(self, c);
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Rename(name, to).visit_expr_mut(&mut c.body);
}

/// The parts of a tuple type, nested ones taken apart too, each with the fields that reach it
/// (`(f64, (f64, usize))`: `[0]`, `[1, 0]`, `[1, 1]`); `None` for another type.
fn tuple_leaves(ty: &syn::Type) -> Option<Vec<(Vec<u32>, syn::Type)>> {
    fn walk(ty: &syn::Type, at: &mut Vec<u32>, out: &mut Vec<(Vec<u32>, syn::Type)>) {
        match ty {
            syn::Type::Paren(p) => walk(&p.elem, at, out),
            syn::Type::Tuple(t) if !t.elems.is_empty() => {
                for (k, e) in (0u32..).zip(&t.elems) {
                    at.push(k);
                    walk(e, at, out);
                    at.pop();
                }
            }
            t => out.push((at.clone(), t.clone())),
        }
    }
    // (A reference to a tuple too: its fields are read through it alike.)
    let ty = match ty {
        syn::Type::Reference(r) if r.mutability.is_none() => &*r.elem,
        t => t,
    };
    if !matches!(ty, syn::Type::Tuple(t) if !t.elems.is_empty()) {
        return None;
    }
    let mut out = Vec::new();
    walk(ty, &mut Vec::new(), &mut out);
    Some(out)
}

/// Tuple `name` read in the body of closure `c` (not bound by it) through its parts `ids`
/// (at the fields `leaves` give): a field reaching a part as that part, a field reaching a
/// tuple of parts and the whole as tuples of them (`p.0` as `grad_cap_p_0`, `p` as
/// `(grad_cap_p_0, grad_cap_p_1)`).
fn split_free(
    c: &mut syn::ExprClosure,
    name: &str,
    leaves: &[(Vec<u32>, syn::Type)],
    ids: &[Ident],
) {
    struct Split<'a> {
        name: &'a str,
        leaves: &'a [(Vec<u32>, syn::Type)],
        ids: &'a [Ident],
    }
    impl Split<'_> {
        /// The fields `e` reads of the tuple, or `None` where it reads another value.
        fn fields(&self, e: &syn::Expr) -> Option<Vec<u32>> {
            match e {
                syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.name) => {
                    Some(Vec::new())
                }
                syn::Expr::Paren(p) => self.fields(&p.expr),
                syn::Expr::Field(f) => {
                    let syn::Member::Unnamed(k) = &f.member else {
                        return None;
                    };
                    let mut at = self.fields(&f.base)?;
                    at.push(k.index);
                    Some(at)
                }
                _ => None,
            }
        }
        /// The parts under the fields `at`, as one part or a tuple of them.
        fn value(&self, at: &[u32]) -> Option<syn::Expr> {
            if let Some(k) = self.leaves.iter().position(|(l, _)| l == at) {
                let id = &self.ids[k];
                return Some(syn::parse_quote!(#id));
            }
            let mut elems = Vec::new();
            let mut k = 0u32;
            loop {
                let mut next = at.to_vec();
                next.push(k);
                if !self.leaves.iter().any(|(l, _)| l.starts_with(&next)) {
                    break;
                }
                elems.push(self.value(&next)?);
                k += 1;
            }
            (!elems.is_empty()).then(|| syn::parse_quote!((#(#elems,)*)))
        }
    }
    impl VisitMut for Split<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            if let Some(v) = self.fields(e).and_then(|at| self.value(&at)) {
                *e = v;
                return;
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
        fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
            if !binds(c, self.name) {
                syn::visit_mut::visit_expr_closure_mut(self, c);
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Split { name, leaves, ids }.visit_expr_mut(&mut c.body);
}

/// The names `pat` binds over items of type `item` (where known), each with its type.
fn bindings(pat: &syn::Pat, item: Option<&syn::Type>) -> Vec<(Ident, Option<syn::Type>)> {
    fn walk(p: &syn::Pat, t: Option<&syn::Type>, out: &mut Vec<(Ident, Option<syn::Type>)>) {
        let strip = |t: &syn::Type| match t {
            syn::Type::Paren(p) => (*p.elem).clone(),
            t => t.clone(),
        };
        match p {
            syn::Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                out.push((pi.ident.clone(), t.map(strip)));
            }
            syn::Pat::Type(pt) => walk(&pt.pat, Some(&pt.ty), out),
            syn::Pat::Paren(pp) => walk(&pp.pat, t, out),
            syn::Pat::Reference(r) if r.mutability.is_none() => {
                let inner = t.and_then(|t| match t {
                    syn::Type::Reference(rt) if rt.mutability.is_none() => Some(&*rt.elem),
                    _ => None,
                });
                walk(&r.pat, inner, out);
            }
            syn::Pat::Tuple(tp) => {
                let parts: Option<Vec<&syn::Type>> = match t {
                    Some(syn::Type::Tuple(tt)) if tt.elems.len() == tp.elems.len() => {
                        Some(tt.elems.iter().collect())
                    }
                    _ => None,
                };
                for (k, e) in tp.elems.iter().enumerate() {
                    walk(e, parts.as_ref().map(|p| p[k]), out);
                }
            }
            p => {
                let mut names = Vec::new();
                crate::lower::collect_pat_idents(p, &mut names);
                out.extend(names.into_iter().map(|n| (n, None)));
            }
        }
    }
    let mut out = Vec::new();
    walk(pat, item, &mut out);
    out
}

/// The `let`s a condition holds (`if let Some(v) = ..`, joined by `&&`): pattern and value.
fn condition_patterns(e: &syn::Expr, out: &mut Vec<(syn::Pat, syn::Expr)>) {
    match e {
        syn::Expr::Let(l) => out.push(((*l.pat).clone(), (*l.expr).clone())),
        syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            condition_patterns(&b.left, out);
            condition_patterns(&b.right, out);
        }
        syn::Expr::Paren(p) => condition_patterns(&p.expr, out),
        _ => {}
    }
}

/// Whether closure `c`'s parameters bind `name` (which its body then reads as its own).
fn binds(c: &syn::ExprClosure, name: &str) -> bool {
    let mut bound = Vec::new();
    for p in &c.inputs {
        crate::lower::collect_pat_idents(p, &mut bound);
    }
    bound.iter().any(|b| b == name)
}

/// How `body` reads the name a pattern binds: as an index (`x[i]`, `x[i + 1]`), under a cast
/// (`j as f64`), at all.
#[derive(Default)]
struct NameReads {
    index: bool,
    casts: usize,
    all: usize,
}

impl NameReads {
    /// Read, and only under casts.
    fn only_cast(&self) -> bool {
        self.casts > 0 && self.casts == self.all
    }
}

/// How `body` reads the name `pat` binds (nothing for another pattern).
fn reads_of(pat: &syn::Pat, body: &dyn ToTokens) -> NameReads {
    struct Find<'a>(&'a Ident, NameReads);
    impl Find<'_> {
        fn is_name(&self, e: &syn::Expr) -> bool {
            matches!(crate::desugar::unparen(e), syn::Expr::Path(p) if p.path.is_ident(self.0))
        }
    }
    impl<'a> syn::visit::Visit<'a> for Find<'_> {
        fn visit_expr_index(&mut self, ix: &'a syn::ExprIndex) {
            self.1.index |= match crate::desugar::unparen(&ix.index) {
                syn::Expr::Binary(b) => self.is_name(&b.left) || self.is_name(&b.right),
                e => self.is_name(e),
            };
            syn::visit::visit_expr_index(self, ix);
        }
        fn visit_expr_cast(&mut self, c: &'a syn::ExprCast) {
            self.1.casts += usize::from(self.is_name(&c.expr));
            syn::visit::visit_expr_cast(self, c);
        }
        fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
            self.1.all += usize::from(p.path.is_ident(self.0));
        }
    }
    let (syn::Pat::Ident(pi), Ok(body)) = (pat, syn::parse2::<syn::Expr>(body.to_token_stream()))
    else {
        return NameReads::default();
    };
    let mut f = Find(&pi.ident, NameReads::default());
    syn::visit::Visit::visit_expr(&mut f, &body);
    f.1
}
