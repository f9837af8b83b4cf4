//! Layers that write their result into an output parameter:
//! `#[gradient] fn dense(w: &[T], b: &[T], x: &[T], out: &mut [T])`.
//!
//! Such a function is vector-valued: its result is what `out` holds afterwards, a function of
//! its inputs and of what `out` held before (a body may accumulate into `out`). The pass writes
//! that function as `NAME__out(.., out0: &[T]) -> Vec<T>` — the user's body working on a copy
//! of `out0` — and hands it to [`crate::vector`], which differentiates it like any vector-valued
//! function. A `#[gradient]` caller's `f(.., &mut h);` goes through it (`lower::calls`), so the
//! chain rule reaches both the inputs and `h`'s previous contents. For the user it emits
//!
//! - `NAME_vjp(params.., d_out: &mut [T], d_x: &mut [T]..) -> [T; K]`: `out` receives the value;
//!   `d_out` holds the cotangent of `out`'s new contents on entry and that of its old contents on
//!   return (zero where the function overwrites them, as Enzyme's shadow of an output);
//! - `NAME_jacobian(params..) -> Vec<Vec<T>>`: `out` receives the value, row `i` holds the
//!   partial derivatives of `out[i]` with respect to every differentiated input entry.

use crate::attr::Args;
use crate::errors::Errors;
use crate::sig::{ParamClass, SeqShape};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, ToTokens};
use syn::visit_mut::VisitMut;

/// An output parameter: its position, name, element type, and whether it is one float (`&mut
/// T`) rather than a buffer.
struct Out {
    index: usize,
    ident: Ident,
    elem: syn::Type,
    scalar: bool,
    /// `&mut Vec<T>`: a buffer whose length the body may change.
    vec: bool,
}

/// The element type of `&mut [T]`, `&mut [T; N]`, `&mut Vec<T>` or `&mut T` with `T` a float
/// type (the generic float type chosen from it where `T` is a type parameter), and whether it is
/// the last.
pub(crate) fn out_elem(sig: &syn::Signature, ty: &syn::Type) -> Option<(syn::Type, bool)> {
    let syn::Type::Reference(r) = ty else {
        return None;
    };
    r.mutability?;
    let (elem, scalar) = match &*r.elem {
        syn::Type::Slice(s) => ((*s.elem).clone(), false),
        syn::Type::Array(a) => ((*a.elem).clone(), false),
        // (`&mut Vec<T>` of a `T: Float` too.)
        t @ syn::Type::Path(_) => match crate::vector::vector_elem(t)
            .or_else(|| crate::vector::seq_elem(t).filter(|e| float_bounded(sig, e)))
        {
            Some(e) => (e, false),
            // `&mut T` of a type parameter: a float only where bounded as one (`&mut R` of
            // `R: Rng` is not).
            None if crate::sig::float_of(t).is_some() || float_bounded(sig, t) => {
                ((*r.elem).clone(), true)
            }
            None => return None,
        },
        _ => return None,
    };
    if scalar && crate::sig::float_of(&elem).is_some() {
        return Some((elem, true));
    }
    if crate::sig::float_of(&elem).is_none() {
        // `T` of `fn f<T: Float>(.., out: &mut [T])`: the float type, as a return type fixes it.
        let mut probe = sig.clone();
        probe.output = syn::parse_quote!(-> #elem);
        crate::sig::choose_generic_float(&probe);
    }
    crate::sig::float_of(&elem).map(|_| (elem, scalar))
}

/// Whether `ty` is a type parameter of `sig` bounded by `Float` or `Real` (num-traits' or
/// `grad`'s), in its declaration or a `where` clause.
fn float_bounded(sig: &syn::Signature, ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    let Some(id) = p.path.get_ident() else {
        return false;
    };
    let floaty = |b: &syn::TypeParamBound| matches!(b, syn::TypeParamBound::Trait(t) if t.path.segments.last().is_some_and(|s| s.ident == "Float" || s.ident == "Real"));
    let declared = sig
        .generics
        .type_params()
        .any(|t| t.ident == *id && t.bounds.iter().any(floaty));
    let in_where = sig.generics.where_clause.as_ref().is_some_and(|w| {
        w.predicates.iter().any(|pr| match pr {
            syn::WherePredicate::Type(pt) => {
                matches!(&pt.bounded_ty, syn::Type::Path(tp) if tp.path.is_ident(id))
                    && pt.bounds.iter().any(floaty)
            }
            _ => false,
        })
    });
    declared || in_where
}

fn returns_unit(sig: &syn::Signature) -> bool {
    match &sig.output {
        syn::ReturnType::Default => true,
        syn::ReturnType::Type(_, t) => matches!(&**t, syn::Type::Tuple(t) if t.elems.is_empty()),
    }
}

fn outs(sig: &syn::Signature) -> Vec<Out> {
    sig.inputs
        .iter()
        .enumerate()
        .filter_map(|(index, a)| match a {
            syn::FnArg::Typed(pt) => {
                let (elem, scalar) = out_elem(sig, &pt.ty)?;
                let syn::Pat::Ident(pi) = &*pt.pat else {
                    return None;
                };
                let vec = !scalar
                    && matches!(&*pt.ty, syn::Type::Reference(r) if matches!(&*r.elem, syn::Type::Path(_)));
                Some(Out {
                    index,
                    ident: pi.ident.clone(),
                    elem,
                    scalar,
                    vec,
                })
            }
            syn::FnArg::Receiver(_) => None,
        })
        .collect()
}

/// The expansion of a function with an output parameter, or `None` for any other function.
pub fn expand(args_tokens: &TokenStream, item: &syn::ItemFn) -> Option<TokenStream> {
    expand_with(args_tokens, item, false)
}

/// What `#[gradient]` callers of `item` (a function with output parameters) call: the twin and
/// its derivation, without the user's function and the wrappers; `None` where it has errors.
pub(crate) fn for_callers(args_tokens: &TokenStream, item: &syn::ItemFn) -> Option<TokenStream> {
    expand_with(args_tokens, item, true)
}

fn expand_with(
    args_tokens: &TokenStream,
    item: &syn::ItemFn,
    callers_only: bool,
) -> Option<TokenStream> {
    if !returns_unit(&item.sig) {
        return None;
    }
    let found = outs(&item.sig);
    let first = found.first()?;
    // `if c { out[0] = 1.0; return; }`: the body as branches that run to its end.
    let owned = crate::desugar::returns_as_branches(item);
    let item = owned.as_ref().unwrap_or(item);
    let errors = Errors::default();
    let args: Args = match syn::parse2(args_tokens.clone()) {
        Ok(a) => a,
        Err(e) => {
            errors.push_error(e);
            Args::default()
        }
    };
    // Several outputs, or a float written through `&mut T`: packed into one vector.
    let packed = found.len() > 1 || first.scalar;
    let elem_of = |o: &Out| o.elem.to_token_stream().to_string();
    if let Some(other) = found.iter().find(|o| elem_of(o) != elem_of(first)) {
        errors.push_spanned(
            &item.sig.inputs[other.index],
            format!("`#[gradient]` differentiates output parameters of one float type, and `{}` holds `{}` where `{}` holds `{}`: give them one type", other.ident, elem_of(other), first.ident, elem_of(first)),
        );
    }
    if let Some(named) = args
        .wrt
        .iter()
        .flatten()
        .find(|n| found.iter().any(|o| o.ident == **n))
    {
        errors.push_spanned(
            named,
            format!("`{named}` is the output of this function, not one of its inputs: name in `wrt(..)` the parameters to differentiate with respect to"),
        );
    }
    if let Some(p) = &args.parallel {
        errors.push(p.span, "`parallel` is not supported for a function with an output parameter: it splits the sum of a loss over data points; put it on the loss that calls this function");
    }
    if let Some(span) = args.hvp {
        errors.push(span, "`hvp` is not supported yet for a function with an output parameter: it gets `NAME_vjp`, `NAME_jacobian` and, with `jvp`, `NAME_jvp`");
    }
    if let Some((span, _)) = args.check.points.first() {
        errors.push(*span, "`check(at(..))` is not supported yet for a function with an output parameter: compare `NAME_jacobian` with differences in a test of your own");
    }
    if item.sig.receiver().is_some() {
        errors.push_spanned(
            &item.sig.inputs[first.index],
            "`#[gradient]` differentiates functions with an output parameter that are free or associated functions for now, not methods: take the model's fields as parameters",
        );
    }
    for o in found.iter().filter(|o| !o.scalar) {
        if let Some(m) = resizes(&item.block, &o.ident) {
            errors.push_spanned(
                &m.method,
                format!("`#[gradient]` differentiates an output parameter written in place, and `{}.{}(..)` changes its length: take `{}: &mut [T]`, write `{}[i] = ..`, and let the caller size the buffer", o.ident, m.method, o.ident, o.ident),
            );
        }
    }
    if crate::desugar::exits(&item.block, false) {
        errors.push_spanned(
            &item.sig.ident,
            "a `#[gradient]` function with an output parameter must run to the end of its body, without `return`",
        );
    }
    if !errors.is_empty() {
        if callers_only {
            return None;
        }
        let original = crate::expand::original_item(item);
        let e = errors.combined().map(|e| e.to_compile_error());
        return Some(quote!(#original #e));
    }
    let twin = if packed {
        packed_twin(item, &found)
    } else {
        twin(item, first)
    };
    // The twin's `wrt`: the user's (or every float input), and what `out` held before.
    let out0 = out0_name();
    let twin_wrt: Vec<Ident> = match &args.wrt {
        Some(names) => names.iter().cloned().chain([out0.clone()]).collect(),
        None => crate::sig::differentiable_names(&twin.sig),
    };
    let twin_args = quote!(wrt(#(#twin_wrt),*));
    let twin_parsed: Args = syn::parse2(twin_args.clone()).unwrap_or_default();
    crate::sig::choose_generic_float(&twin.sig);
    let sig = crate::sig::analyze(&twin, &twin_parsed, &Errors::default());
    let original = crate::expand::original_item(item);
    let parts = match crate::vector::parts(&twin_args, &twin)
        .expect("the twin returns a vector of floats")
    {
        Ok(p) => p,
        Err(_) if callers_only => return None,
        Err(e) => return Some(quote!(#original #e)),
    };
    if callers_only {
        let (twin_item, table, dot) = (&parts.original, &parts.table, &parts.dot);
        return Some(quote!(#twin_item #table #dot));
    }
    // Callers call the twin and its `__dot` derivation; the wrappers below call them too.
    let qual = crate::expand::sibling_path(item);
    let nest = qual.is_none().then(|| parts.nested());
    let packing = if packed {
        Packing::packed(item, &found)
    } else {
        Packing::single(item, first)
    };
    let wrappers = wrappers(
        item,
        &packing,
        &sig,
        qual.as_ref(),
        nest.as_ref(),
        args.jvp.is_some(),
    );
    let (twin_item, table, dot) = (&parts.original, &parts.table, &parts.dot);
    Some(quote! {
        #original
        #twin_item
        #table
        #dot
        #wrappers
    })
}

/// Whether `f` changes the length of a `&mut Vec` of floats it is lent (`buf.clear(); ..
/// buf.push(..)`): an output whose new length a caller does not know before the call.
pub(crate) fn resizes_vec_param(f: &syn::ItemFn) -> bool {
    outs(&f.sig)
        .iter()
        .any(|o| o.vec && resizes(&f.block, &o.ident).is_some())
}

/// The first call in `body` that changes the length of `out` (`out.push(..)`, `out.clear()`).
fn resizes(body: &syn::Block, out: &Ident) -> Option<syn::ExprMethodCall> {
    struct Find<'a> {
        out: &'a Ident,
        found: Option<syn::ExprMethodCall>,
    }
    impl<'ast> syn::visit::Visit<'ast> for Find<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            const RESIZING: &[&str] = &[
                "push",
                "pop",
                "clear",
                "resize",
                "resize_with",
                "truncate",
                "extend",
                "extend_from_slice",
                "insert",
                "remove",
                "swap_remove",
                "append",
                "drain",
                "retain",
                "dedup",
                "split_off",
            ];
            let on_out = matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(self.out));
            if on_out && self.found.is_none() && RESIZING.contains(&m.method.to_string().as_str()) {
                self.found = Some(m.clone());
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut f = Find { out, found: None };
    syn::visit::Visit::visit_block(&mut f, body);
    f.found
}

/// The hidden name of the twin's parameter that holds what `out` held before the call.
fn out0_name() -> Ident {
    crate::naming::hidden("out0")
}

/// `NAME__out(.., out0: &[T]) -> Vec<T>`: the body on a copy of `out0`, returning the copy.
fn twin(item: &syn::ItemFn, out: &Out) -> syn::ItemFn {
    let (elem, ident, out0) = (&out.elem, &out.ident, out0_name());
    let mut twin = item.clone();
    twin.sig.ident = format_ident!("{}__out", item.sig.ident);
    twin.attrs.retain(|a| !a.path().is_ident("doc"));
    twin.attrs.push(syn::parse_quote!(#[doc(hidden)]));
    twin.attrs.push(syn::parse_quote!(#[allow(non_snake_case, dead_code, unused_variables, clippy::all, clippy::pedantic)]));
    twin.sig.inputs[out.index] = syn::parse_quote!(#out0: &[#elem]);
    twin.sig.output = syn::parse_quote!(-> ::std::vec::Vec<#elem>);
    // The body sees a `Vec` where it saw `&mut [T]`: passed on, it is borrowed again.
    let mut body = item.block.clone();
    Reborrow(ident).visit_block_mut(&mut body);
    let mut stmts: Vec<syn::Stmt> =
        vec![syn::parse_quote!(let mut #ident: ::std::vec::Vec<#elem> = #out0.to_vec();)];
    for s in body.stmts {
        stmts.push(match s {
            syn::Stmt::Expr(e, None) => syn::Stmt::Expr(e, Some(Default::default())),
            s => s,
        });
    }
    stmts.push(syn::Stmt::Expr(syn::parse_quote!(#ident), None));
    twin.block.stmts = stmts;
    twin
}

/// The hidden name of the twin's parameter that holds the length of the `k`-th output buffer
/// (packed twins).
fn len_name(k: usize) -> Ident {
    crate::naming::hidden(&format!("out_len{k}"))
}

/// Where each output sits in the packed vector: `(output, offset, length)`, the offsets and
/// lengths as expressions of `len(k, out)` for the `k`-th buffer.
fn layout(
    outs: &[Out],
    len: impl Fn(usize, &Out) -> TokenStream,
) -> (Vec<(&Out, TokenStream, TokenStream)>, TokenStream) {
    let mut off = quote!(0usize);
    let mut k = 0;
    let mut parts = Vec::new();
    for o in outs {
        let n = if o.scalar {
            quote!(1usize)
        } else {
            k += 1;
            len(k - 1, o)
        };
        parts.push((o, off.clone(), n.clone()));
        off = quote!(#off + #n);
    }
    (parts, off)
}

/// The twin of a function with several outputs, or a float output (`&mut T`): `NAME__out(..
/// inputs, out0: &[T], len0: usize, ..) -> Vec<T>`, its inputs those of the user's function
/// that are no outputs, in order, then what the outputs held before, packed in order (each
/// buffer's elements, each float), then the buffers' lengths; it returns the outputs packed
/// alike. The body works on local copies: a `Vec` per buffer, a float per `&mut T` (`*s` read
/// and written as `s`).
fn packed_twin(item: &syn::ItemFn, outs: &[Out]) -> syn::ItemFn {
    let (elem, out0) = (&outs[0].elem, out0_name());
    let mut twin = item.clone();
    twin.sig.ident = format_ident!("{}__out", item.sig.ident);
    twin.attrs.retain(|a| !a.path().is_ident("doc"));
    twin.attrs.push(syn::parse_quote!(#[doc(hidden)]));
    twin.attrs.push(syn::parse_quote!(#[allow(non_snake_case, dead_code, unused_variables, clippy::all, clippy::pedantic)]));
    let mut inputs: syn::punctuated::Punctuated<syn::FnArg, syn::Token![,]> = item
        .sig
        .inputs
        .iter()
        .enumerate()
        .filter(|(k, _)| outs.iter().all(|o| o.index != *k))
        .map(|(_, a)| a.clone())
        .collect();
    inputs.push(syn::parse_quote!(#out0: &[#elem]));
    let (parts, _) = layout(outs, |k, _| len_name(k).to_token_stream());
    for k in 0..outs.iter().filter(|o| !o.scalar).count() {
        let n = len_name(k);
        inputs.push(syn::parse_quote!(#n: usize));
    }
    twin.sig.inputs = inputs;
    twin.sig.output = syn::parse_quote!(-> ::std::vec::Vec<#elem>);
    let mut body = item.block.clone();
    for o in outs {
        Reborrow(&o.ident).visit_block_mut(&mut body);
        if o.scalar {
            Deref(&o.ident).visit_block_mut(&mut body);
        }
    }
    let mut stmts: Vec<syn::Stmt> = Vec::new();
    for (o, off, n) in &parts {
        let id = &o.ident;
        stmts.push(if o.scalar {
            syn::parse_quote!(let mut #id: #elem = #out0[#off];)
        } else {
            syn::parse_quote!(let mut #id: ::std::vec::Vec<#elem> = #out0[#off..#off + #n].to_vec();)
        });
    }
    for s in body.stmts {
        stmts.push(match s {
            syn::Stmt::Expr(e, None) => syn::Stmt::Expr(e, Some(Default::default())),
            s => s,
        });
    }
    // Every entry written below: a copy of `out0` has the packed length, with no literal of a
    // generic float type needed.
    let (packed, i) = (crate::naming::hidden("packed"), crate::naming::hidden("i"));
    stmts.push(syn::parse_quote!(let mut #packed: ::std::vec::Vec<#elem> = #out0.to_vec();));
    for (o, off, n) in &parts {
        let id = &o.ident;
        stmts.push(if o.scalar {
            syn::parse_quote!(#packed[#off] = #id;)
        } else {
            syn::parse_quote!(for #i in 0..#n { #packed[#off + #i] = #id[#i]; })
        });
    }
    stmts.push(syn::Stmt::Expr(syn::parse_quote!(#packed), None));
    twin.block.stmts = stmts;
    twin
}

/// `*s` of a float output read and written as `s`, and `s` passed on as `&mut s` (see
/// [`Reborrow`]): the body of a twin that holds the float in a local.
pub(crate) fn deref_float(s: &Ident, body: &mut syn::Block) {
    Reborrow(s).visit_block_mut(body);
    Deref(s).visit_block_mut(body);
}

/// A buffer output passed on as `&mut out` or `&out` (see [`Reborrow`]): the body of a twin that
/// holds the buffer in a local.
pub(crate) fn reborrow(out: &Ident, body: &mut syn::Block) {
    Reborrow(out).visit_block_mut(body);
}

/// `*s` of a float output `s: &mut T` read and written as `s`, the twin's local float.
struct Deref<'a>(&'a Ident);

impl VisitMut for Deref<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::Unary(u) = e {
            if matches!(u.op, syn::UnOp::Deref(_))
                && matches!(&*u.expr, syn::Expr::Path(p) if p.path.is_ident(self.0))
            {
                *e = (*u.expr).clone();
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        if !binds(c, self.0) {
            syn::visit_mut::visit_expr_closure_mut(self, c);
        }
    }
}

/// Whether a pattern in `stmts` (a `let`'s, a `for`'s, a closure's, an arm's) binds `name`.
fn binds_in(stmts: &[syn::Stmt], name: &Ident) -> bool {
    struct Find<'a>(&'a Ident, bool);
    impl<'ast> syn::visit::Visit<'ast> for Find<'_> {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.1 |= p.ident == *self.0;
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut f = Find(name, false);
    for s in stmts {
        syn::visit::Visit::visit_stmt(&mut f, s);
    }
    f.1
}

/// Whether a parameter of closure `c` is named `name` (another variable inside it).
fn binds(c: &syn::ExprClosure, name: &Ident) -> bool {
    let mut names = Vec::new();
    for p in &c.inputs {
        crate::lower::collect_idents(p, &mut names);
    }
    names.contains(name)
}

/// `out` passed as a call argument becomes `&mut out` where the call is a statement (`helper(x,
/// out);`, which may write into it) and `&out` where its value is read (`let r = sqsum(out);`).
struct Reborrow<'a>(&'a Ident);

impl Reborrow<'_> {
    fn pass(&mut self, c: &mut syn::ExprCall, written: bool) {
        for a in &mut c.args {
            if matches!(a, syn::Expr::Path(p) if p.path.is_ident(self.0)) {
                let id = self.0;
                *a = if written {
                    syn::parse_quote!(&mut #id)
                } else {
                    syn::parse_quote!(&#id)
                };
            }
        }
    }
}

impl VisitMut for Reborrow<'_> {
    // `let o = out;` (the reference moved into another name): `out` itself, under its own name,
    // in the statements after it — the twin holds `out` in a local it writes, which a `let`
    // would move out of.
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let mut k = 0;
        while k < b.stmts.len() {
            let alias = match &b.stmts[k] {
                syn::Stmt::Local(syn::Local {
                    pat: syn::Pat::Ident(pi),
                    init: Some(init),
                    ..
                }) if init.diverge.is_none()
                    && pi.by_ref.is_none()
                    && pi.subpat.is_none()
                    && matches!(&*init.expr, syn::Expr::Path(p) if p.path.is_ident(self.0)) =>
                {
                    Some(pi.ident.clone())
                }
                _ => None,
            };
            // (Not where a pattern after it binds the name again, `for o in o.iter_mut()`: the
            // renaming does not follow scopes.)
            let alias = alias.filter(|a| !binds_in(&b.stmts[k + 1..], a));
            if let Some(alias) = alias {
                b.stmts.remove(k);
                for st in &mut b.stmts[k..] {
                    crate::desugar::closures::RenamePath(&alias, self.0).visit_stmt_mut(st);
                }
                continue;
            }
            k += 1;
        }
        syn::visit_mut::visit_block_mut(self, b);
    }

    fn visit_stmt_mut(&mut self, s: &mut syn::Stmt) {
        if let syn::Stmt::Expr(syn::Expr::Call(c), _) = s {
            for a in &mut c.args {
                self.visit_expr_mut(a);
            }
            self.pass(c, true);
            return;
        }
        syn::visit_mut::visit_stmt_mut(self, s);
    }

    fn visit_expr_call_mut(&mut self, c: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, c);
        self.pass(c, false);
    }

    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        // A closure's parameter of the same name is another variable.
        if !binds(c, self.0) {
            syn::visit_mut::visit_expr_closure_mut(self, c);
        }
    }
}

/// How the wrappers hand the outputs to the twin and take them back: one buffer as it is, or
/// several outputs (and floats written through `&mut T`) packed into one vector, in order.
struct Packing {
    /// The outputs: name and whether it is one float.
    outs: Vec<(Ident, bool)>,
    /// The element type.
    elem: syn::Type,
    /// Statements before the twin's call (the outputs' contents packed).
    pre: TokenStream,
    /// The twin's arguments.
    pass: Vec<TokenStream>,
    /// What holds the outputs' contents as the twin takes them: its `len()` is their number.
    source: TokenStream,
    /// The outputs' names, for the docs: `` `out` ``, `` `x`, `v` and `s` ``.
    names: String,
}

impl Packing {
    fn single(item: &syn::ItemFn, out: &Out) -> Packing {
        let id = &out.ident;
        let pass = typed_inputs(item)
            .map(|(k, pt)| {
                if k == out.index {
                    quote!(&*#id)
                } else {
                    pat_tokens(pt)
                }
            })
            .collect();
        Packing {
            outs: vec![(id.clone(), false)],
            elem: out.elem.clone(),
            pre: TokenStream::new(),
            pass,
            source: id.to_token_stream(),
            names: format!("`{id}`"),
        }
    }

    fn packed(item: &syn::ItemFn, outs: &[Out]) -> Packing {
        let old = crate::naming::hidden("old");
        let outs_named: Vec<(Ident, bool)> =
            outs.iter().map(|o| (o.ident.clone(), o.scalar)).collect();
        let elem = outs[0].elem.clone();
        let mut pass: Vec<TokenStream> = typed_inputs(item)
            .filter(|(k, _)| outs.iter().all(|o| o.index != *k))
            .map(|(_, pt)| pat_tokens(pt))
            .collect();
        pass.push(quote!(&#old));
        pass.extend(outs.iter().filter(|o| !o.scalar).map(|o| {
            let id = &o.ident;
            quote!(#id.len())
        }));
        let p = Packing {
            outs: outs_named,
            elem,
            pre: TokenStream::new(),
            pass,
            source: old.to_token_stream(),
            names: names(&outs.iter().map(|o| o.ident.to_string()).collect::<Vec<_>>()),
        };
        let pre = p.gather("", &old, None);
        Packing { pre, ..p }
    }

    fn is_single(&self) -> bool {
        self.outs.len() == 1 && !self.outs[0].1
    }

    /// The parameters `PREFIX_out: &mut [T]` (`&mut T` for a float) of every output.
    fn decl(&self, prefix: &str) -> Vec<TokenStream> {
        let elem = &self.elem;
        self.outs
            .iter()
            .map(|(id, scalar)| {
                let p = format_ident!("{}{}", prefix, id);
                if *scalar {
                    quote!(#p: &mut #elem)
                } else {
                    quote!(#p: &mut [#elem])
                }
            })
            .collect()
    }

    /// `let into = ..;`: the `PREFIX_out`s packed (a view of the one buffer), each checked to
    /// be as long as its output where `check` gives the message's start.
    fn gather(&self, prefix: &str, into: &Ident, check: Option<&str>) -> TokenStream {
        let elem = &self.elem;
        let checks = self.outs.iter().filter(|(_, s)| !s).map(|(id, _)| {
            let p = format_ident!("{}{}", prefix, id);
            check.map(|c| {
                let msg = format!(
                    "{c} `{p}` has length {{}} but `{id}` has length {{}}; pass one per element"
                );
                quote!(::core::assert!(#p.len() == #id.len(), #msg, #p.len(), #id.len());)
            })
        });
        if self.is_single() {
            let p = format_ident!("{}{}", prefix, self.outs[0].0);
            return quote!(#(#checks)* let #into: &[#elem] = &*#p;);
        }
        let parts = self.outs.iter().map(|(id, scalar)| {
            let p = format_ident!("{}{}", prefix, id);
            if *scalar {
                quote!(::core::slice::from_ref(&*#p))
            } else {
                quote!(&#p[..])
            }
        });
        quote! {
            #(#checks)*
            let #into: ::std::vec::Vec<#elem> = [#(#parts),*].concat();
        }
    }

    /// Statements writing the packed `from` into the `PREFIX_out`s.
    fn scatter(&self, prefix: &str, from: &TokenStream) -> TokenStream {
        if self.is_single() {
            let p = format_ident!("{}{}", prefix, self.outs[0].0);
            return quote!(#p.copy_from_slice(&#from););
        }
        let (at, n) = (crate::naming::hidden("at"), crate::naming::hidden("n"));
        let parts = self.outs.iter().map(|(id, scalar)| {
            let p = format_ident!("{}{}", prefix, id);
            if *scalar {
                quote! {
                    *#p = #from[#at];
                    #at += 1;
                }
            } else {
                quote! {
                    let #n = #p.len();
                    #p.copy_from_slice(&#from[#at..#at + #n]);
                    #at += #n;
                }
            }
        });
        quote!({
            let mut #at = 0usize;
            #(#parts)*
        })
    }
}

/// The typed parameters of `item` with their positions.
fn typed_inputs(item: &syn::ItemFn) -> impl Iterator<Item = (usize, &syn::PatType)> {
    item.sig
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(k, a)| match a {
            syn::FnArg::Typed(pt) => Some((k, pt)),
            syn::FnArg::Receiver(_) => None,
        })
}

/// A parameter's name as an argument.
fn pat_tokens(pt: &syn::PatType) -> TokenStream {
    match &*pt.pat {
        syn::Pat::Ident(pi) => pi.ident.to_token_stream(),
        p => p.to_token_stream(),
    }
}

/// `` `a`, `b` and `c` ``.
fn names(ns: &[String]) -> String {
    let quoted: Vec<String> = ns.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

/// `NAME_vjp` and `NAME_jacobian` over the twin's VJP.
fn wrappers(
    item: &syn::ItemFn,
    pk: &Packing,
    sig: &crate::sig::Sig,
    qual: Option<&TokenStream>,
    nest: Option<&TokenStream>,
    jvp: bool,
) -> TokenStream {
    let vis = &item.vis;
    let name = &item.sig.ident;
    let (generics, where_clause) = (&item.sig.generics, &item.sig.generics.where_clause);
    let elem = &pk.elem;
    let twin = format_ident!("{}__out", name);
    let twin_dot_grad = format_ident!("{}__out__dot_grad", name);
    let out0 = out0_name();
    let decl: Vec<&syn::FnArg> = item.sig.inputs.iter().collect();
    let (pre, pass, source, outs) = (&pk.pre, &pk.pass, &pk.source, &pk.names);
    // The twin's cotangent buffers, in its order: the inputs' (named as the user's `d_x`), and
    // a scratch one for `out0`.
    let scratch = crate::naming::hidden("d_out0");
    let inputs: Vec<(Ident, TokenStream)> = sig
        .active_seqs()
        .filter(|p| p.ident != out0)
        .map(|p| {
            let d = format_ident!("d_{}", p.ident);
            let ty = match &p.class {
                ParamClass::FloatSeq(SeqShape::Array(n)) => quote!(&mut [#elem; #n]),
                _ => quote!(&mut [#elem]),
            };
            (d, ty)
        })
        .collect();
    let twin_bufs: Vec<TokenStream> = sig
        .active_seqs()
        .map(|p| {
            if p.ident == out0 {
                quote!(&mut #scratch)
            } else {
                format_ident!("d_{}", p.ident).to_token_stream()
            }
        })
        .collect();
    let input_decl = inputs.iter().map(|(d, t)| quote!(#d: #t));
    let k = sig.active_scalars().count();
    let float = crate::sig::float_of(elem).expect("an output parameter holds floats");
    let zero = crate::emit::float_literal(0.0, float);
    let one = crate::emit::float_literal(1.0, float);
    let [value, grads, unit, rows, row, i, d_packed] =
        ["value", "grads", "unit", "rows", "row", "i", "d_packed"].map(crate::naming::hidden);
    let vjp_name = format_ident!("{}_vjp", name);
    let jac_name = format_ident!("{}_jacobian", name);
    // The twin's `__dot_grad` returns the value alone when no scalar is differentiated.
    let pick = |call: TokenStream| {
        if k == 0 {
            quote!({ let _ = #call; [] })
        } else {
            quote!(#call.1)
        }
    };
    let vjp_grads = pick(quote!(#qual #twin_dot_grad(#(#pass,)* &#d_packed[..], #(#twin_bufs),*)));
    let d_decl = pk.decl("d_");
    let gather_d = pk.gather("d_", &d_packed, Some(&format!("{vjp_name}: the cotangent")));
    let write_value = pk.scatter("", &value.to_token_stream());
    let write_d = pk.scatter("d_", &scratch.to_token_stream());
    let d_names = names(
        &pk.outs
            .iter()
            .map(|(o, _)| format!("d_{o}"))
            .collect::<Vec<_>>(),
    );
    let vjp_doc = format!(
        " The vector–Jacobian product of [`{name}`], generated by `#[gradient]`: {outs} receive the value as `{name}` writes it; {d_names} hold the cotangents of their new contents on entry and those of their previous contents on return (zero where `{name}` overwrites them); the cotangents of the differentiated scalars are returned in declaration order, those of the sequences written into their `d_` buffers.\n\n # Panics\n\n When a cotangent and its output differ in length, or a `d_` buffer and its parameter do."
    );
    let jac_doc = format!(
        " The Jacobian of [`{name}`] at a point, generated by `#[gradient]`: {outs} receive the value; row `i` holds the partial derivatives of the `i`-th output entry (in order: {outs}, each buffer's elements) with respect to every differentiated input entry (scalars in declaration order, then each sequence's elements), one reverse sweep per output."
    );
    // Each row: the scalars, then the inputs' buffers (not `out0`'s).
    let jac_bufs: Vec<(Ident, TokenStream)> = sig
        .active_seqs()
        .map(|p| {
            let d = if p.ident == out0 {
                scratch.clone()
            } else {
                format_ident!("d_{}", p.ident)
            };
            let id = if p.ident == out0 {
                source.clone()
            } else {
                p.ident.to_token_stream()
            };
            let make = crate::vector::zero_buffer(&d, &id, &p.class, &zero);
            (d, make)
        })
        .collect();
    let jac_makes = jac_bufs.iter().map(|(_, m)| m);
    let jac_pass = jac_bufs.iter().map(|(d, _)| quote!(&mut #d));
    let jac_rows = inputs
        .iter()
        .map(|(d, _)| quote!(#row.extend_from_slice(&#d[..]);));
    let jac_grads = pick(quote!(#qual #twin_dot_grad(#(#pass,)* &#unit, #(#jac_pass),*)));
    let allows = crate::expand::generated_allows();
    let jvp = jvp.then(|| {
        // A tangent per differentiated input, then `v_out`: the tangent of `out`'s contents,
        // before the call on entry and after it on return (Enzyme's shadow of an output).
        let v_packed = crate::naming::hidden("v_packed");
        let t = crate::naming::hidden("t");
        let tan = crate::naming::hidden("tan");
        let mut tangent_decl = Vec::new();
        let mut terms = Vec::new();
        for (j, p) in sig.active_scalars().enumerate() {
            let v = format_ident!("v_{}", p.ident);
            tangent_decl.push(quote!(#v: #elem));
            terms.push(quote!(#t = #t + #grads[#j] * #v;));
        }
        for p in sig.active_seqs() {
            if p.ident == out0 {
                // Where the function overwrites `out`, the old contents' tangent is not read (it
                // may be anything, as Enzyme's shadow of an output).
                terms.push(quote! {
                    for (a, b) in #scratch.iter().zip(#v_packed.iter()) {
                        if *a != #zero {
                            #t = #t + *a * *b;
                        }
                    }
                });
                continue;
            }
            let (d, v) = {
                let v = format_ident!("v_{}", p.ident);
                tangent_decl.push(match &p.class {
                    ParamClass::FloatSeq(SeqShape::Array(n)) => quote!(#v: &[#elem; #n]),
                    _ => quote!(#v: &[#elem]),
                });
                (format_ident!("d_{}", p.ident), v)
            };
            terms.push(quote! {
                ::core::assert!(#v.len() == #d.len(), "{}: the tangent `{}` must be as long as its parameter", ::core::stringify!(#name), ::core::stringify!(#v));
                for (a, b) in #d.iter().zip(#v.iter()) {
                    #t = #t + *a * *b;
                }
            });
        }
        let jac_makes = jac_bufs.iter().map(|(_, m)| m);
        let v_decl = pk.decl("v_");
        let jvp_name = format_ident!("{}_jvp", name);
        let gather_v = pk.gather("v_", &v_packed, Some(&format!("{jvp_name}: the tangent")));
        let write_v = pk.scatter("v_", &tan.to_token_stream());
        let v_names = names(&pk.outs.iter().map(|(o, _)| format!("v_{o}")).collect::<Vec<_>>());
        let doc = format!(
            " The value of [`{name}`] and its directional derivative along one tangent per differentiated input, generated by `#[gradient(jvp)]`: {outs} receive the value as `{name}` writes it, and {v_names} hold the tangents of their contents before the call on entry and those of their new contents on return; one reverse sweep per output.\n\n # Panics\n\n When a tangent is not as long as its parameter."
        );
        quote! {
            #[doc = #doc]
            #allows
            #vis fn #jvp_name #generics (#(#decl,)* #(#tangent_decl,)* #(#v_decl),*) #where_clause {
                #nest
                #pre
                #gather_v
                let #value = #qual #twin(#(#pass),*);
                let mut #unit = ::std::vec![#zero; #source.len()];
                let mut #tan = ::std::vec![#zero; #source.len()];
                for #i in 0..#source.len() {
                    #unit[#i] = #one;
                    #(#jac_makes)*
                    let #grads: [#elem; #k] = #jac_grads;
                    let mut #t = #zero;
                    #(#terms)*
                    #tan[#i] = #t;
                    #unit[#i] = #zero;
                }
                #write_value
                #write_v
            }
        }
    });
    quote! {
        #jvp
        #[doc = #vjp_doc]
        #allows
        #vis fn #vjp_name #generics (#(#decl,)* #(#d_decl,)* #(#input_decl),*) -> [#elem; #k] #where_clause {
            #nest
            #pre
            #gather_d
            let #value = #qual #twin(#(#pass),*);
            let mut #scratch = ::std::vec![#zero; #source.len()];
            let #grads = #vjp_grads;
            #write_value
            #write_d
            #grads
        }

        #[doc = #jac_doc]
        #allows
        #[must_use]
        #vis fn #jac_name #generics (#(#decl),*) -> ::std::vec::Vec<::std::vec::Vec<#elem>> #where_clause {
            #nest
            #pre
            let #value = #qual #twin(#(#pass),*);
            let mut #unit = ::std::vec![#zero; #source.len()];
            let mut #rows = ::std::vec::Vec::with_capacity(#source.len());
            for #i in 0..#source.len() {
                #unit[#i] = #one;
                #(#jac_makes)*
                let #grads = #jac_grads;
                let mut #row = ::std::vec::Vec::with_capacity(#k);
                #row.extend_from_slice(&#grads);
                #(#jac_rows)*
                #rows.push(#row);
                #unit[#i] = #zero;
            }
            #write_value
            #rows
        }
    }
}
