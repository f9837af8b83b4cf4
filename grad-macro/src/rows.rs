//! Differentiated parameters made of rows — `&[[T; N]]`, `&Vec<[T; N]>`, `&[Vec<T>]`,
//! `&Vec<Vec<T>>` — as a pass before the rest: the function is rewritten over one flat `&[T]` per
//! such parameter (rows of one length `N` at `r * N`, rows of any lengths at offsets computed once),
//! that function is differentiated as any other, and `NAME_grad` wraps it: it checks the gradient
//! buffer's shape, views or copies the rows as one slice, and writes the flat gradient back row by
//! row. Rows of one length cost nothing (`as_flattened`); rows of any lengths cost one copy each way.

use crate::attr::Args;
use crate::ir::FloatTy;
use crate::sig::float_of;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;

/// How the rows of a parameter are laid out.
#[derive(Clone)]
enum Layout {
    /// `[T; N]` rows: row `r` starts at `r * N`.
    Fixed(syn::Expr),
    /// `Vec<T>` rows: row `r` starts at `OFFS[r]` and ends at `OFFS[r + 1]`.
    Ragged,
    /// `(T, T, ..)` rows of `n` floats: row `r` starts at `r * n`, copied in and out.
    Tuple(usize),
}

/// A parameter of rows that `NAME_grad` differentiates.
struct Rows {
    ident: Ident,
    layout: Layout,
    float: FloatTy,
    /// The flat values, and for ragged rows the row offsets, as the inner function's parameters.
    flat: Ident,
    offs: Ident,
    /// Where the flat gradient lives in `NAME_grad`.
    dflat: Ident,
}

impl Rows {
    /// Where row `r` starts in the flat slice.
    fn start(&self, r: &TokenStream) -> TokenStream {
        match &self.layout {
            Layout::Fixed(n) => quote!((#r) * (#n)),
            Layout::Tuple(n) => quote!((#r) * #n),
            Layout::Ragged => {
                let offs = &self.offs;
                quote!(#offs[#r])
            }
        }
    }

    /// The length of every row, where the type gives it as a literal (`[T; 3]`, a tuple).
    fn literal_len(&self) -> Option<usize> {
        match &self.layout {
            Layout::Fixed(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(n),
                ..
            })) => n.base10_parse().ok(),
            Layout::Tuple(n) => Some(*n),
            _ => None,
        }
    }

    /// Row `r` by value, `[elem 0, .., elem n - 1]`, where its length `n` is a literal.
    fn row_array(&self, r: &TokenStream) -> Option<syn::Expr> {
        let elems = (0..self.literal_len()?).map(|j| {
            let j: syn::Expr = syn::parse_quote!(#j);
            self.elem(r, &j)
        });
        Some(syn::parse_quote!([#(#elems),*]))
    }

    /// A copy of row `r` (`.clone()`, `.to_owned()`): of a row of arrays the array of its
    /// elements, else a vector of its part of the flat slice.
    fn copy(&self, r: &TokenStream) -> syn::Expr {
        let array = matches!(self.layout, Layout::Fixed(_))
            .then(|| self.row_array(r))
            .flatten();
        let whole = self.whole(r);
        array.unwrap_or_else(|| syn::parse_quote!(#whole.to_vec()))
    }

    /// How long row `r` is.
    fn len(&self, r: &TokenStream) -> TokenStream {
        match &self.layout {
            Layout::Fixed(n) => quote!((#n)),
            Layout::Tuple(n) => quote!(#n),
            Layout::Ragged => {
                let offs = &self.offs;
                quote!((#offs[(#r) + 1] - #offs[#r]))
            }
        }
    }

    /// `&FLAT[start..start + len]`: row `r` as a sub-slice.
    fn slice(&self, r: &TokenStream) -> syn::Expr {
        let (flat, s, n) = (&self.flat, self.start(r), self.len(r));
        syn::parse_quote!(&#flat[#s..#s + #n])
    }

    /// `FLAT[start..start + len]`: row `r` as a place in the flat slice (a receiver of
    /// `windows`, `chunks`).
    fn whole(&self, r: &TokenStream) -> syn::Expr {
        let (flat, s, n) = (&self.flat, self.start(r), self.len(r));
        syn::parse_quote!(#flat[#s..#s + #n])
    }

    /// `FLAT.iter().skip(start).take(len)`: the elements of row `r`.
    fn iter(&self, r: &TokenStream) -> syn::Expr {
        let (flat, s, n) = (&self.flat, self.start(r), self.len(r));
        syn::parse_quote!(#flat.iter().skip(#s).take(#n))
    }

    /// `FLAT[start + a..start + b]` (`b` the row's length when open): part of row `r`.
    fn part(&self, r: &TokenStream, range: &syn::ExprRange) -> syn::Expr {
        let (flat, s) = (&self.flat, self.start(r));
        let a = range
            .start
            .as_ref()
            .map_or_else(|| quote!(0), |a| quote!((#a)));
        let b = match &range.end {
            Some(b) => quote!((#b)),
            None => {
                let n = self.len(r);
                quote!(#n)
            }
        };
        let limits = &range.limits;
        syn::parse_quote!(#flat[#s + #a #limits #s + #b])
    }

    /// `FLAT[start + j]`: element `j` of row `r`.
    fn elem(&self, r: &TokenStream, j: &syn::Expr) -> syn::Expr {
        let (flat, s) = (&self.flat, self.start(r));
        syn::parse_quote!(#flat[#s + (#j)])
    }
}

/// The float type and layout of a rows type.
fn rows_of(ty: &syn::Type) -> Option<(FloatTy, Layout)> {
    let syn::Type::Reference(r) = ty else {
        return None;
    };
    if r.mutability.is_some() {
        return None;
    }
    let row = match &*r.elem {
        syn::Type::Slice(s) => &*s.elem,
        // `&[[T; N]; M]`: a fixed number of fixed rows (a small matrix), read as any rows.
        syn::Type::Array(a) if matches!(&*a.elem, syn::Type::Array(_)) => &*a.elem,
        t => vec_elem(t)?,
    };
    match row {
        syn::Type::Array(a) => Some((float_of(&a.elem)?, Layout::Fixed(a.len.clone()))),
        syn::Type::Tuple(t) if t.elems.len() >= 2 => {
            let f = float_of(&t.elems[0])?;
            t.elems
                .iter()
                .all(|e| float_of(e) == Some(f))
                .then_some((f, Layout::Tuple(t.elems.len())))
        }
        // `&[&[T]]`: slices of any lengths, as `Vec`s are.
        syn::Type::Reference(r) if r.mutability.is_none() => match &*r.elem {
            syn::Type::Slice(s) => Some((float_of(&s.elem)?, Layout::Ragged)),
            _ => None,
        },
        t => Some((float_of(vec_elem(t)?)?, Layout::Ragged)),
    }
}

/// Whether rows of `ty` are borrowed slices (`&[&[T]]`): their gradient is `&mut [&mut [T]]`.
fn rows_are_slices(ty: &syn::Type) -> bool {
    let syn::Type::Reference(r) = ty else {
        return false;
    };
    matches!(&*r.elem, syn::Type::Slice(s) if matches!(&*s.elem, syn::Type::Reference(_)))
}

/// Rows of floats `#[gradient]` differentiates (`&[[T; N]]`, `&[Vec<T>]`, ...).
pub fn is_rows(ty: &syn::Type) -> bool {
    rows_of(ty).is_some()
}

/// A view of one row as the expression it is taken from: `&e`, `(e)`, `e.as_slice()` and
/// `e[..]` are `e`, so `&xs[i][..]` is `xs[i]`.
pub fn row_view(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Reference(r) if r.mutability.is_none() => row_view(&r.expr),
        syn::Expr::Paren(p) => row_view(&p.expr),
        syn::Expr::Group(g) => row_view(&g.expr),
        syn::Expr::MethodCall(m) if m.method == "as_slice" && m.args.is_empty() => {
            row_view(&m.receiver)
        }
        syn::Expr::Index(ix) if matches!(&*ix.index, syn::Expr::Range(r) if r.start.is_none() && r.end.is_none()) => {
            row_view(&ix.expr)
        }
        e => e,
    }
}

/// The rows `xs` of a row view `&xs[i]` (see [`row_view`]): indexed once, not by a range.
pub fn indexed_rows(e: &syn::Expr) -> Option<&syn::Expr> {
    match row_view(e) {
        syn::Expr::Index(ix) if !matches!(&*ix.index, syn::Expr::Range(_)) => Some(&ix.expr),
        _ => None,
    }
}

/// The sequence a `for` header (or an adapter chain) iterates element by element, and where
/// the element sits in what it yields: `xs`, `&xs`, `&xs[..]`, `xs.iter()` (the item itself),
/// `xs.iter().enumerate()` (part 1), `xs.iter().zip(..)` (part 0).
pub fn row_iteration(mut e: &syn::Expr) -> Option<(&syn::Expr, Option<usize>)> {
    // `.rev()`, `.skip(k)`, `.take(k)`, `.step_by(k)` after it: the same elements, fewer or
    // reordered.
    while let syn::Expr::MethodCall(m) = e {
        match (m.method.to_string().as_str(), m.args.len()) {
            ("rev", 0) | ("skip" | "take" | "step_by", 1) => e = &m.receiver,
            _ => break,
        }
    }
    if let syn::Expr::MethodCall(m) = e {
        let part = match (m.method.to_string().as_str(), m.args.len()) {
            ("enumerate", 0) => Some(1),
            ("zip", 1) => Some(0),
            _ => None,
        };
        if let Some(part) = part {
            // `(xs.iter()).enumerate()`, as rewrites write it.
            let mut receiver = &*m.receiver;
            while let syn::Expr::Paren(p) = receiver {
                receiver = &p.expr;
            }
            let syn::Expr::MethodCall(it) = receiver else {
                return None;
            };
            if it.method != "iter" || !it.args.is_empty() {
                return None;
            }
            return Some((whole(&it.receiver), Some(part)));
        }
    }
    Some((whole(e), None))
}

/// `xs` of `&xs`, `xs.iter()`, `&xs[..]`: the sequence iterated whole.
fn whole(e: &syn::Expr) -> &syn::Expr {
    let e = match e {
        syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
        syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => &*m.receiver,
        e => e,
    };
    match e {
        syn::Expr::Index(ix) if matches!(&*ix.index, syn::Expr::Range(r) if r.start.is_none() && r.end.is_none()) => {
            &ix.expr
        }
        e => e,
    }
}

/// The name a pattern binds for the element [`row_iteration`] locates (part `part` of a pair,
/// or the whole item), through `&` and a type annotation.
pub fn row_binding(pat: &syn::Pat, part: Option<usize>) -> Option<&Ident> {
    match row_pattern(pat, part)? {
        syn::Pat::Ident(i) if i.subpat.is_none() => Some(&i.ident),
        _ => None,
    }
}

/// Whether the pattern of the element (`&[a, b]`, `(i, [a, b])` with `part`) takes a row apart:
/// the element is a row.
pub fn row_taken_apart(pat: &syn::Pat, part: Option<usize>) -> bool {
    matches!(row_pattern(pat, part), Some(syn::Pat::Slice(_)))
}

/// The pattern the row is bound by, its type and reference taken off.
fn row_pattern(pat: &syn::Pat, part: Option<usize>) -> Option<&syn::Pat> {
    let pat = match pat {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    let pat = match (pat, part) {
        (p, None) => p,
        (syn::Pat::Tuple(t), Some(k)) if t.elems.len() == 2 => &t.elems[k],
        _ => return None,
    };
    Some(match pat {
        syn::Pat::Reference(r) => &*r.pat,
        p => p,
    })
}

/// `T` of `Vec<T>`.
pub(crate) fn vec_elem(t: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = t else {
        return None;
    };
    let last = p.path.segments.last()?;
    if p.qself.is_some() || last.ident != "Vec" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) if a.args.len() == 1 => match &a.args[0] {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a parameter type is one `NAME_grad` differentiates directly (a float or a float sequence).
fn plain_float_param(ty: &syn::Type) -> bool {
    let inner = match ty {
        syn::Type::Reference(r) if r.mutability.is_none() => &*r.elem,
        t => t,
    };
    float_of(inner).is_some()
        || match inner {
            syn::Type::Slice(s) => float_of(&s.elem).is_some(),
            syn::Type::Array(a) => float_of(&a.elem).is_some(),
            t => vec_elem(t).is_some_and(|e| float_of(e).is_some()),
        }
}

/// The expansion for a function with differentiated rows parameters, `None` for any other (and
/// for one whose attribute or signature the usual path reports on).
pub fn expand(args_tokens: &TokenStream, item: &syn::ItemFn) -> Option<TokenStream> {
    let args: Args = syn::parse2(args_tokens.clone()).ok()?;
    // A method's `&self` (`&mut self`) is data here; its inner function is a method too.
    let mut receiver = None;
    let mut params: Vec<(Ident, syn::Type)> = Vec::new();
    for input in &item.sig.inputs {
        let pt = match input {
            syn::FnArg::Receiver(r) if r.reference.is_some() && r.colon_token.is_none() => {
                receiver = Some(r.clone());
                continue;
            }
            syn::FnArg::Receiver(_) => return None,
            syn::FnArg::Typed(pt) => pt,
        };
        let syn::Pat::Ident(pi) = &*pt.pat else {
            return None;
        };
        params.push((pi.ident.clone(), (*pt.ty).clone()));
    }
    let named = |id: &Ident| args.wrt.as_ref().is_none_or(|w| w.contains(id));
    let mut rows = Vec::new();
    for (id, ty) in &params {
        if let Some((float, layout)) = rows_of(ty) {
            if named(id) {
                rows.push(Rows {
                    ident: id.clone(),
                    layout,
                    float,
                    flat: crate::naming::hidden(&format!("flat_{id}")),
                    offs: crate::naming::hidden(&format!("offs_{id}")),
                    dflat: crate::naming::hidden(&format!("dflat_{id}")),
                });
            }
        }
    }
    if rows.is_empty() {
        return None;
    }
    // (Only the derived body: the user's function is emitted as written, which the rewrites of
    // the pieces need not keep valid for a generic float, `let mut acc = -0.0;`.)
    let with_pieces = pieces_of_rows(item, &rows);
    let row_of = |id: &Ident| rows.iter().find(|r| r.ident == *id);
    // The inner function's parameters and what it differentiates.
    let mut inner_inputs: Vec<TokenStream> = receiver.iter().map(|r| quote!(#r)).collect();
    let mut inner_wrt: Vec<Ident> = Vec::new();
    for (id, ty) in &params {
        match row_of(id) {
            Some(r) => {
                let (flat, t) = (&r.flat, Ident::new(r.float.name(), Span::call_site()));
                inner_inputs.push(quote!(#flat: &[#t]));
                if matches!(r.layout, Layout::Ragged) {
                    let offs = &r.offs;
                    inner_inputs.push(quote!(#offs: &[usize]));
                }
                // Still there for `w.len()`, a constant.
                inner_inputs.push(quote!(#id: #ty));
                inner_wrt.push(flat.clone());
            }
            None => {
                inner_inputs.push(quote!(#id: #ty));
                if named(id) && plain_float_param(ty) {
                    inner_wrt.push(id.clone());
                }
            }
        }
    }
    let mut body = (*with_pieces.block).clone();
    // `ws.iter().fold(x.to_vec(), |h, w| ..)`: a loop over the rows, before the reads are read.
    crate::desugar::vector_folds(&mut body);
    let errors = crate::errors::Errors::default();
    // Without `wrt`, every other parameter that holds floats must be one `NAME_grad` differentiates.
    if args.wrt.is_none() {
        for (id, ty) in &params {
            if row_of(id).is_none()
                && !plain_float_param(ty)
                && crate::sig::holds_float(ty)
                && !crate::sig::is_mut_float_ref(ty)
            {
                errors.push_spanned(ty, crate::sig::undifferentiable(id, rows[0].float));
            }
        }
    }
    let names: Vec<Ident> = rows.iter().map(|r| r.ident.clone()).collect();
    crate::row_names::resolve(&mut body, &names, &crate::sig::type_param_names(&item.sig));
    for r in &rows {
        let mut u = ParamUses {
            rows: r,
            errors: &errors,
        };
        u.visit_block_mut(&mut body);
    }
    let inner_name = crate::naming::hidden(&format!("rows_{}", item.sig.ident));
    let mut inner_sig = item.sig.clone();
    inner_sig.ident = inner_name.clone();
    inner_sig.inputs = syn::parse_quote!(#(#inner_inputs),*);
    let inner = syn::ItemFn {
        attrs: vec![crate::expand::rewritten_marker()],
        vis: syn::Visibility::Inherited,
        sig: inner_sig,
        block: Box::new(body),
    };
    if !errors.is_empty() {
        // The reads are reported; the inner derivation would only add a cascade.
        return Some(wrapper(
            item,
            &args,
            &params,
            &rows,
            None,
            errors,
            receiver.is_some(),
        ));
    }
    let modes = [
        args.jvp.map(|_| quote!(jvp)),
        args.hvp.map(|_| quote!(hvp)),
        args.fast.map(|_| quote!(fast)),
    ];
    let modes = modes.iter().flatten();
    let inner_args = quote!(#(#modes,)* wrt(#(#inner_wrt),*));
    let inner_expanded = crate::expand::expand_item(inner_args, &inner);
    let inner_jvp = syn::parse2::<syn::File>(inner_expanded.clone())
        .ok()
        .and_then(|f| {
            f.items.into_iter().find_map(|i| match i {
                syn::Item::Fn(f) if f.sig.ident == format_ident!("{}_jvp", inner_name) => Some(f),
                _ => None,
            })
        });
    // Second order: the inner function's `_hvp`, `_hessian` and `_hessian_diag` over the flat
    // slices, wrapped as the gradient is.
    let second: TokenStream = ["hvp", "hessian", "hessian_diag"]
        .iter()
        .filter(|_| args.hvp.is_some())
        .filter_map(|mode| {
            let f = syn::parse2::<syn::File>(inner_expanded.clone())
                .ok()?
                .items
                .into_iter()
                .find_map(|i| match i {
                    syn::Item::Fn(f) if f.sig.ident == format_ident!("{}_{}", inner_name, mode) => {
                        Some(f)
                    }
                    _ => None,
                })?;
            Some(mode_wrapper(
                item,
                mode,
                &params,
                &rows,
                &f,
                receiver.is_some(),
            ))
        })
        .collect();
    // Only `INNER_grad` is needed: the rewritten original and its table are dropped.
    let inner_grad = syn::parse2::<syn::File>(inner_expanded.clone())
        .ok()
        .and_then(|f| {
            f.items.into_iter().find_map(|i| match i {
                syn::Item::Fn(f) if f.sig.ident == format_ident!("{}_grad", inner_name) => Some(f),
                _ => None,
            })
        });
    let Some(mut inner_grad) = inner_grad else {
        return Some(quote!(#inner_expanded));
    };
    // The errors the inner function's derivation reported, at the user's tokens.
    let reported: Vec<syn::Item> = syn::parse2::<syn::File>(inner_expanded)
        .map(|f| {
            f.items
                .into_iter()
                .filter(|i| matches!(i, syn::Item::Macro(_)))
                .collect()
        })
        .unwrap_or_default();
    errors_to_items(&errors, reported);
    inner_grad.vis = syn::Visibility::Inherited;
    inner_grad.attrs.retain(|a| a.path().is_ident("allow"));
    inner_grad.attrs.push(syn::parse_quote!(#[inline]));
    let jvp = inner_jvp.map(|f| mode_wrapper(item, "jvp", &params, &rows, &f, receiver.is_some()));
    let grad = wrapper(
        item,
        &args,
        &params,
        &rows,
        Some(&inner_grad),
        errors,
        receiver.is_some(),
    );
    Some(quote!(#grad #jvp #second))
}

/// Adds the error items of the inner expansion to `errors`.
fn errors_to_items(errors: &crate::errors::Errors, items: Vec<syn::Item>) {
    for i in items {
        if let syn::Item::Macro(m) = i {
            if let Ok(lit) = m.mac.parse_body::<syn::LitStr>() {
                errors.push_spanned(&m.mac, lit.value());
            }
        }
    }
}

/// `NAME_grad` around the inner gradient, with the original function and its table.
fn wrapper(
    item: &syn::ItemFn,
    args: &Args,
    params: &[(Ident, syn::Type)],
    rows: &[Rows],
    inner_grad: Option<&syn::ItemFn>,
    errors: crate::errors::Errors,
    receiver: bool,
) -> TokenStream {
    let errors = errors.combined().map(|e| e.to_compile_error());
    let fname = format!("{}_grad", item.sig.ident);
    let row_of = |id: &Ident| rows.iter().find(|r| r.ident == *id);
    let named = |id: &Ident| args.wrt.as_ref().is_none_or(|w| w.contains(id));
    let mut sig_params = Vec::new();
    let mut bufs = Vec::new();
    let mut prelude = Vec::new();
    let mut call_args = Vec::new();
    let mut call_bufs = Vec::new();
    let mut after = Vec::new();
    let mut k = 0usize;
    let mut any_seq = false;
    let mut flags = Vec::new();
    for (id, ty) in params {
        sig_params.push(quote!(#id: #ty));
        let d = format_ident!("d_{}", id);
        if let Some(r) = row_of(id) {
            any_seq = true;
            flags.push(2u8);
            let t = Ident::new(r.float.name(), Span::call_site());
            let zero = crate::emit::float_literal(0.0, r.float);
            let (flat, offs, dflat) = (&r.flat, &r.offs, &r.dflat);
            let msg = format!(
                "{fname}: the gradient buffer `{d}` has {{}} rows but `{id}` has {{}}; pass a buffer of the shape of `{id}`"
            );
            prelude
                .push(quote!(::core::assert!(#d.len() == #id.len(), #msg, #d.len(), #id.len());));
            match &r.layout {
                Layout::Fixed(n) => {
                    bufs.push(quote!(#d: &mut [[#t; #n]]));
                    prelude.push(quote!(let #flat: &[#t] = #id.as_flattened();));
                    prelude.push(quote!(let #dflat: &mut [#t] = #d.as_flattened_mut();));
                    call_args.push(quote!(#flat));
                    call_bufs.push(quote!(#dflat));
                }
                Layout::Tuple(n) => {
                    let ts = vec![quote!(#t); *n];
                    bufs.push(quote!(#d: &mut [(#(#ts),*)]));
                    let ks: Vec<syn::Index> = (0..*n).map(syn::Index::from).collect();
                    let ds: Vec<TokenStream> =
                        (0..*n).map(|k| quote!(#dflat[r * #n + #k])).collect();
                    prelude.push(quote! {
                        let #flat: ::std::vec::Vec<#t> = #id.iter().flat_map(|r| [#(r.#ks),*]).collect();
                        let mut #dflat: ::std::vec::Vec<#t> = ::std::vec![#zero; #flat.len()];
                    });
                    call_args.push(quote!(&#flat));
                    call_bufs.push(quote!(&mut #dflat));
                    after.push(quote! {
                        for (r, row) in #d.iter_mut().enumerate() {
                            *row = (#(#ds),*);
                        }
                    });
                }
                Layout::Ragged => {
                    if rows_are_slices(ty) {
                        bufs.push(quote!(#d: &mut [&mut [#t]]));
                    } else {
                        bufs.push(quote!(#d: &mut [::std::vec::Vec<#t>]));
                    }
                    let msg = format!(
                        "{fname}: row {{}} of the gradient buffer `{d}` has length {{}} but row {{}} of `{id}` has length {{}}; pass a buffer of the shape of `{id}`"
                    );
                    prelude.push(quote! {
                        for (r, (a, b)) in #d.iter().zip(#id.iter()).enumerate() {
                            ::core::assert!(a.len() == b.len(), #msg, r, a.len(), r, b.len());
                        }
                        let #flat: ::std::vec::Vec<#t> = #id.iter().flat_map(|r| r.iter().copied()).collect();
                        let mut #offs: ::std::vec::Vec<usize> = ::std::vec::Vec::with_capacity(#id.len() + 1);
                        #offs.push(0);
                        for r in #id.iter() {
                            #offs.push(#offs[#offs.len() - 1] + r.len());
                        }
                        let mut #dflat: ::std::vec::Vec<#t> = ::std::vec![#zero; #flat.len()];
                    });
                    call_args.push(quote!(&#flat));
                    call_args.push(quote!(&#offs));
                    call_bufs.push(quote!(&mut #dflat));
                    after.push(quote! {
                        for (r, row) in #d.iter_mut().enumerate() {
                            row.copy_from_slice(&#dflat[#offs[r]..#offs[r + 1]]);
                        }
                    });
                }
            }
            call_args.push(quote!(#id));
        } else {
            call_args.push(quote!(#id));
            let active = named(id) && plain_float_param(ty);
            let scalar = {
                let inner = match ty {
                    syn::Type::Reference(r) if r.mutability.is_none() => &*r.elem,
                    t => t,
                };
                float_of(inner).is_some()
            };
            if active && !scalar {
                any_seq = true;
                flags.push(2);
                let t = Ident::new(rows[0].float.name(), Span::call_site());
                let n = match ty {
                    syn::Type::Reference(r) => match &*r.elem {
                        syn::Type::Array(a) => Some(a.len.clone()),
                        _ => None,
                    },
                    syn::Type::Array(a) => Some(a.len.clone()),
                    _ => None,
                };
                bufs.push(match n {
                    Some(n) => quote!(#d: &mut [#t; #n]),
                    None => quote!(#d: &mut [#t]),
                });
                call_bufs.push(quote!(#d));
            } else if active {
                k += 1;
                flags.push(1);
            } else {
                flags.push(0);
            }
        }
    }
    let t = Ident::new(rows[0].float.name(), Span::call_site());
    let value_only = k == 0 && any_seq;
    let ret = if value_only {
        quote!(#t)
    } else {
        quote!((#t, [#t; #k]))
    };
    let vis = &item.vis;
    let name = format_ident!("{}_grad", item.sig.ident);
    let generics = &item.sig.generics;
    let where_clause = &generics.where_clause;

    let turbofish = {
        let names: Vec<TokenStream> = generics
            .params
            .iter()
            .filter_map(|p| match p {
                syn::GenericParam::Type(t) => {
                    let i = &t.ident;
                    Some(quote!(#i))
                }
                syn::GenericParam::Const(c) => {
                    let i = &c.ident;
                    Some(quote!(#i))
                }
                syn::GenericParam::Lifetime(_) => None,
            })
            .collect();
        (!names.is_empty()).then(|| quote!(::<#(#names),*>))
    };
    let doc = format!(
        " Value and gradient of [`{}`], generated by `#[gradient]`.",
        item.sig.ident
    );
    let must_use = (!value_only).then(|| quote!(#[must_use]));
    // In a method, the inner gradient is a method beside the wrapper (a function nested in the
    // wrapper could not read `self` or name `Self`).
    let mut beside = None;
    let body = match inner_grad {
        Some(inner) if receiver => {
            let inner_name = &inner.sig.ident;
            beside = Some(quote!(#[doc(hidden)] #inner));
            quote! {
                #(#prelude)*
                let value = self.#inner_name #turbofish (#(#call_args,)* #(#call_bufs),*);
                #(#after)*
                value
            }
        }
        Some(inner) => {
            let inner_name = &inner.sig.ident;
            quote! {
                #inner
                #(#prelude)*
                let value = #inner_name #turbofish (#(#call_args,)* #(#call_bufs),*);
                #(#after)*
                value
            }
        }
        None => quote!(::core::unreachable!(
            "`#[gradient]` reported a compile error for this function"
        )),
    };
    let original = crate::expand::original_item(item);
    let inherited = crate::expand::inherited_attributes(item);
    let table_name = format_ident!("{}_grad_wrt", item.sig.ident);
    if receiver {
        // (As the method takes it: `&self`, or `&mut self` for a body that changes it.)
        let declared = item
            .sig
            .receiver()
            .map_or_else(|| quote!(&self), |r| quote!(#r));
        sig_params.insert(0, declared);
        flags.insert(0, 0);
    }
    let n = flags.len();
    quote! {
        #original
        #beside
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #table_name: [u8; #n] = [#(#flags),*];
        #errors
        #(#inherited)*
        #[doc = #doc]
        #must_use
        #[allow(unused_variables, clippy::too_many_arguments, clippy::needless_borrow)]
        #vis fn #name #generics (#(#sig_params,)* #(#bufs),*) -> #ret #where_clause {
            #body
        }
    }
}

/// Rewrites the reads of one rows parameter `w` into reads of its flat slice: `w[i][j]`,
/// `w[i].len()`, `w[i].iter()`, `&w[i]`, rows bound by `let row = &w[i];`, `for row in w`,
/// `for (i, row) in w.iter().enumerate()`, `w.iter().map(|row| ..)` and its `enumerate`/`zip`
/// forms. `w.len()` stays. Any other read is an error that says how to write it.
struct ParamUses<'a> {
    rows: &'a Rows,
    errors: &'a crate::errors::Errors,
}

/// `for w in pos.windows(2) { .. w[1][0] .. }` (also `chunks`, `chunks_exact`, and
/// `pos.windows(2).map(|w| ..)` before a reduction) over differentiated rows: the pieces as
/// positions of the rows (`pos[i + 1][0]`), which the reads below follow, as for slices.
fn pieces_of_rows(item: &syn::ItemFn, rows: &[Rows]) -> syn::ItemFn {
    struct P<'a>(&'a [Rows]);
    impl VisitMut for P<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            // (Also under the adapters the rewrite of pieces follows: `pos.windows(2).zip(ls)`,
            // `.enumerate()`, `.rev()`, `.step_by(k)`.)
            let of_rows = |mut x: &syn::Expr| loop {
                let syn::Expr::MethodCall(m) = x else {
                    return false;
                };
                if is_pieces(&m.method) {
                    return self.0.iter().any(|r| is_name(&m.receiver, &r.ident));
                }
                if !["zip", "enumerate", "rev", "step_by", "skip", "take"]
                    .iter()
                    .any(|a| m.method == a)
                {
                    return false;
                }
                x = &m.receiver;
            };
            // `p.iter().zip(p.iter().cycle().skip(1))`: the rows by index.
            if let Some(by_index) = crate::desugar::cyclic_by_index(e) {
                *e = by_index;
            }
            match e {
                syn::Expr::ForLoop(f) if of_rows(&f.expr) => {
                    if let Some(l) = crate::desugar::pieces_loop(f) {
                        *e = l;
                    }
                }
                syn::Expr::ForLoop(f) => {
                    if let Some(l) =
                        rows_by_position(f, self.0).or_else(|| rows_zipped_twice(f, self.0))
                    {
                        *e = l;
                    } else if let Some(swapped) = rows_zipped_second(f, self.0) {
                        *f = swapped;
                    }
                }
                syn::Expr::MethodCall(m) => {
                    if matches!(&*m.receiver, syn::Expr::MethodCall(map) if map.method == "map" && of_rows(&map.receiver))
                    {
                        crate::desugar::pieces_chain(m);
                    }
                }
                _ => {}
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, b);
            // `let best = c.iter().min_by(..).unwrap();`: the row at the position found, named.
            let of_rows = |x: &syn::Expr| self.0.iter().any(|r| is_name(x, &r.ident));
            let mut stmts: Vec<syn::Stmt> = Vec::with_capacity(b.stmts.len());
            for s in b.stmts.drain(..) {
                match crate::desugar::extremum_stmts(&s, &of_rows) {
                    Some(lets) => stmts.extend(lets),
                    None => stmts.push(s),
                }
            }
            let mut out = Vec::with_capacity(stmts.len());
            for (k, s) in stmts.iter().enumerate() {
                match row_tuple_let(s, self.0)
                    .or_else(|| row_state_let(s, &stmts[k + 1..], self.0))
                    .or_else(|| row_copy_let(s, self.0))
                {
                    Some(lets) => out.extend(lets),
                    None => out.push(s.clone()),
                }
            }
            b.stmts = out;
        }
    }
    let mut item = item.clone();
    // `for row in w.iter().chain(v.iter())` and `w.iter().chain(v.iter()).map(..).sum()`: a loop
    // per part, each over rows the rewrite follows.
    let mut whole = syn::Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: (*item.block).clone(),
    });
    crate::desugar::split_chains(&mut whole);
    if let syn::Expr::Block(b) = whole {
        *item.block = b.block;
    }
    P(rows).visit_block_mut(&mut item.block);
    item
}

/// Input: `let mut s = w[i];` of rows, where a later statement assigns `s = [a, b];` (a state
/// started from a row). Output: `let [T0, T1] = w[i]; let mut s: [F; 2] = [T0, T1];`: the row's
/// elements read, and a local array the assignments then write.
fn row_state_let(s: &syn::Stmt, rest: &[syn::Stmt], rows: &[Rows]) -> Option<Vec<syn::Stmt>> {
    let syn::Stmt::Local(l) = s else {
        return None;
    };
    let init = l.init.as_ref()?;
    let syn::Pat::Ident(pi) = &l.pat else {
        return None;
    };
    if init.diverge.is_some() || pi.mutability.is_none() || pi.subpat.is_some() {
        return None;
    }
    let syn::Expr::Index(ix) = &*init.expr else {
        return None;
    };
    let r = rows.iter().find(|r| is_name(&ix.expr, &r.ident))?;
    let n = crate::desugar::tuples::assigned_array_len(&pi.ident, rest)?;
    let temps = crate::naming::fresh_names("row_elem", n);
    let (name, row, t) = (
        &pi.ident,
        &init.expr,
        Ident::new(r.float.name(), Span::call_site()),
    );
    Some(vec![
        syn::parse_quote!(let [#(#temps),*] = #row;),
        syn::parse_quote!(let mut #name: [#t; #n] = [#(#temps),*];),
    ])
}

/// Input: a row copied into a local, `let mut p = w[i];` (a row of arrays, which the body then
/// writes) or `let h = w[i].to_vec();` (also `.to_owned()`, `.clone()`). Output: `let mut p:
/// Vec<F> = w[i].iter().copied().collect();`, a local buffer of the row's values (a row read as it
/// is, `let p = w[i];`, stays a view of the rows).
fn row_copy_let(s: &syn::Stmt, rows: &[Rows]) -> Option<Vec<syn::Stmt>> {
    let floats = |id: &Ident| {
        let r = rows.iter().find(|r| r.ident == *id)?;
        match r.layout {
            Layout::Fixed(_) => Some((r.float, true)),
            Layout::Ragged => Some((r.float, false)),
            Layout::Tuple(_) => None,
        }
    };
    row_copy(s, &floats, false)
}

/// The float type of rows of arrays or of vectors (`&[[T; N]]`, `&[Vec<T>]`, `&[&[T]]`, not
/// of tuples), and whether they are arrays (a row is `Copy`).
pub fn row_floats(ty: &syn::Type) -> Option<(FloatTy, bool)> {
    match rows_of(ty)? {
        (f, Layout::Fixed(_)) => Some((f, true)),
        (f, Layout::Ragged) => Some((f, false)),
        (_, Layout::Tuple(_)) => None,
    }
}

/// [`row_copy_let`] of the rows `floats` knows (their float type, and whether they are arrays):
/// differentiated rows here, rows of `data` in `desugar`, whose copy is a buffer made first and
/// then filled (`let mut p = vec![0.0; w[i].len()]; p.copy_from_slice(&w[i]);`: no value of the
/// row itself is kept, which a branch around it could not give a placeholder for).
pub fn row_copy(
    s: &syn::Stmt,
    floats: &dyn Fn(&Ident) -> Option<(FloatTy, bool)>,
    data: bool,
) -> Option<Vec<syn::Stmt>> {
    let syn::Stmt::Local(l) = s else {
        return None;
    };
    let (id, None, e) = crate::desugar::plain_let(l)? else {
        return None;
    };
    let (row, method) = match e {
        syn::Expr::MethodCall(m)
            if m.args.is_empty()
                && ["to_vec", "to_owned", "clone"]
                    .iter()
                    .any(|n| m.method == n) =>
        {
            (&*m.receiver, true)
        }
        e => (e, false),
    };
    let syn::Expr::Index(ix) = row else {
        return None;
    };
    let syn::Expr::Path(p) = &*ix.expr else {
        return None;
    };
    let (float, arrays) = floats(p.path.get_ident()?)?;
    if !(method || arrays && id.mutability.is_some()) {
        return None;
    }
    let (name, t) = (&id.ident, Ident::new(float.name(), Span::call_site()));
    let mutability = &id.mutability;
    if data {
        return Some(vec![
            syn::parse_quote!(let mut #name: ::std::vec::Vec<#t> = vec![0.0; #row.len()];),
            syn::parse_quote!(#name.copy_from_slice(&#row);),
        ]);
    }
    Some(vec![
        syn::parse_quote!(let #mutability #name: ::std::vec::Vec<#t> = #row.iter().copied().collect();),
    ])
}

/// Input: `let (a, b, c) = (w[0], w[1], w[2]);` (`&w[i]` too), reading rows. Output: `let a =
/// w[0]; let b = w[1]; let c = w[2];`, the rows bound one by one as the rewrite follows them
/// (where no part reads a name the pattern binds, so the order of binding is not seen).
fn row_tuple_let(s: &syn::Stmt, rows: &[Rows]) -> Option<Vec<syn::Stmt>> {
    let syn::Stmt::Local(l) = s else {
        return None;
    };
    let init = l.init.as_ref()?;
    let (syn::Pat::Tuple(pt), syn::Expr::Tuple(et), None) = (&l.pat, &*init.expr, &init.diverge)
    else {
        return None;
    };
    if pt.elems.len() != et.elems.len() || !l.attrs.is_empty() {
        return None;
    }
    let mut names = Vec::new();
    for p in &pt.elems {
        match p {
            syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                names.push(i.ident.clone());
            }
            syn::Pat::Wild(_) => {}
            _ => return None,
        }
    }
    let mentions = |e: &syn::Expr, f: &dyn Fn(&Ident) -> bool| {
        crate::naming::mentions(quote::ToTokens::to_token_stream(e), f)
    };
    let reads_rows = et
        .elems
        .iter()
        .any(|e| mentions(e, &|i| rows.iter().any(|r| r.ident == *i)));
    let reads_bound = et.elems.iter().any(|e| mentions(e, &|i| names.contains(i)));
    if !reads_rows || reads_bound {
        return None;
    }
    Some(
        pt.elems
            .iter()
            .zip(&et.elems)
            .map(|(p, e)| syn::parse_quote!(let #p = #e;))
            .collect(),
    )
}

/// Input: a `for` over part of differentiated rows: `for b in &pos[a..]` (`pos[a..b].iter()`),
/// `for b in pos.iter().skip(k)` (`take`, `step_by`; after `.enumerate()` too, binding `(j, b)`).
/// Output: `for J in a..pos.len() { let b = &pos[J]; .. }` (`(0..pos.len()).skip(k)`): the rows
/// by index, which the rows' rewrite follows.
fn rows_by_position(f: &syn::ExprForLoop, rows: &[Rows]) -> Option<syn::Expr> {
    let of_rows = |x: &syn::Expr| rows.iter().find(|r| is_name(x, &r.ident)).map(|r| &r.ident);
    let (adapters, it, enumerated) = crate::desugar::position_adapters(&f.expr);
    // The rows, the start and end of the positions iterated, and whether they are a part.
    let (name, start, end, part): (&Ident, TokenStream, TokenStream, bool) = match it {
        syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => match &*m.receiver {
            syn::Expr::Index(ix) => part_range(ix, &of_rows)?,
            r => {
                let name = of_rows(r)?;
                (name, quote!(0), quote!(#name.len()), false)
            }
        },
        syn::Expr::Reference(r) if r.mutability.is_none() => match &*r.expr {
            syn::Expr::Index(ix) => part_range(ix, &of_rows)?,
            _ => return None,
        },
        _ => return None,
    };
    // A `for` over all the rows is the rows' rewrite's own.
    if adapters.is_empty() && !part {
        return None;
    }
    let (at, row) = match (&*f.pat, enumerated) {
        (syn::Pat::Tuple(t), true) if t.elems.len() == 2 => {
            let at = match &t.elems[0] {
                syn::Pat::Ident(pi) if pi.subpat.is_none() => pi.ident.clone(),
                syn::Pat::Wild(_) => crate::naming::fresh("row_at"),
                _ => return None,
            };
            (at, &t.elems[1])
        }
        (p, false) => (crate::naming::fresh("row_at"), p),
        _ => return None,
    };
    if let syn::Pat::Ident(pi) = row {
        if pi.by_ref.is_some() || pi.subpat.is_some() {
            return None;
        }
    }
    let (label, body) = (&f.label, &f.body.stmts);
    // Counted from a part's start, `enumerate` gives the position in the part: the position
    // in the rows less the start (taken once, before the loop, as the range is).
    if enumerated && part {
        let (first, pos) = (
            crate::naming::fresh("part_start"),
            crate::naming::fresh("row_pos"),
        );
        let positions = if adapters.is_empty() {
            quote!(#first..#end)
        } else {
            quote!((#first..#end)#(#adapters)*)
        };
        return Some(syn::parse_quote!({
            let #first: usize = #start;
            #label for #pos in #positions { let #at: usize = #pos - #first; let #row = &#name[#pos]; #(#body)* }
        }));
    }
    let positions = if adapters.is_empty() {
        quote!(#start..#end)
    } else {
        quote!((#start..#end)#(#adapters)*)
    };
    Some(syn::parse_quote!(#label for #at in #positions { let #row = &#name[#at]; #(#body)* }))
}

/// Input: `for ((row, b), w) in rows.iter().zip(bs).zip(ws) { body }` (`&rows`, `bs.iter()`,
/// `&ws` alike). Output: `for J in 0..N { let row = &rows[J]; let b = &bs[J]; let w = &ws[J];
/// body }` with `N` the shortest length, as `zip` stops there: the rows by index.
fn rows_zipped_twice(f: &syn::ExprForLoop, rows: &[Rows]) -> Option<syn::Expr> {
    let syn::Pat::Tuple(outer_pat) = &*f.pat else {
        return None;
    };
    let syn::Pat::Tuple(inner_pat) = outer_pat.elems.first()? else {
        return None;
    };
    if outer_pat.elems.len() != 2 || inner_pat.elems.len() != 2 {
        return None;
    }
    let syn::Expr::MethodCall(outer) = &*f.expr else {
        return None;
    };
    let syn::Expr::MethodCall(inner) = &*outer.receiver else {
        return None;
    };
    if outer.method != "zip"
        || inner.method != "zip"
        || outer.args.len() != 1
        || inner.args.len() != 1
    {
        return None;
    }
    // A sequence as a name: `xs`, `&xs`, `xs.iter()`.
    let name = |e: &syn::Expr| -> Option<Ident> {
        let e = match e {
            syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
            syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => &*m.receiver,
            e => e,
        };
        match e {
            syn::Expr::Path(p) => p.path.get_ident().cloned(),
            _ => None,
        }
    };
    let w = name(&inner.receiver)?;
    if !rows.iter().any(|r| r.ident == w) {
        return None;
    }
    let (b, c) = (name(&inner.args[0])?, name(&outer.args[0])?);
    let at = crate::naming::fresh("row_at");
    let (p_row, p_b, p_c) = (
        &inner_pat.elems[0],
        &inner_pat.elems[1],
        &outer_pat.elems[1],
    );
    let (label, body) = (&f.label, &f.body.stmts);
    Some(syn::parse_quote! {
        #label for #at in 0..::core::cmp::min(#w.len(), ::core::cmp::min(#b.len(), #c.len())) {
            let #p_row = &#w[#at];
            let #p_b = &#b[#at];
            let #p_c = &#c[#at];
            #(#body)*
        }
    })
}

/// Input: `for (r, q) in y.iter().zip(p)` with `p` differentiated rows (`&p`, `p.iter()` too).
/// Output: `for (q, r) in p.iter().zip(y.iter())`: the rows first, as the rows' rewrite follows
/// them (the same pairs, as `zip` stops at the shorter of the two).
fn rows_zipped_second(f: &syn::ExprForLoop, rows: &[Rows]) -> Option<syn::ExprForLoop> {
    let syn::Expr::MethodCall(zip) = &*f.expr else {
        return None;
    };
    if zip.method != "zip" || zip.args.len() != 1 {
        return None;
    }
    let arg = &zip.args[0];
    let rows_of = |x: &syn::Expr| {
        let x = match x {
            syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
            syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => &*m.receiver,
            x => x,
        };
        rows.iter()
            .find(|r| is_name(x, &r.ident))
            .map(|r| r.ident.clone())
    };
    let name = rows_of(arg)?;
    if rows_of(&zip.receiver).is_some() {
        return None;
    }
    let syn::Pat::Tuple(t) = &*f.pat else {
        return None;
    };
    if t.elems.len() != 2 {
        return None;
    }
    let (first, second) = (&t.elems[0], &t.elems[1]);
    let other = &zip.receiver;
    let mut out = f.clone();
    out.expr = Box::new(syn::parse_quote!(#name.iter().zip(#other)));
    out.pat = Box::new(syn::parse_quote!((#second, #first)));
    Some(out)
}

/// `pos[a..b]` of rows: the rows and the range `a..b` (`0` and `pos.len()` where left out).
fn part_range<'r>(
    ix: &syn::ExprIndex,
    of_rows: &dyn Fn(&syn::Expr) -> Option<&'r Ident>,
) -> Option<(&'r Ident, TokenStream, TokenStream, bool)> {
    let name = of_rows(&ix.expr)?;
    let syn::Expr::Range(r) = &*ix.index else {
        return None;
    };
    let (start, end) = crate::desugar::range_bounds(r, &quote!(#name.len()));
    Some((name, quote!(#start), quote!(#end), true))
}

fn is_range(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Range(_))
}

/// The rows from `a` to `b` of `w[a..b]` (see `refs::sub_rows`) or of `w.iter().skip(a)`,
/// `.take(n)` after it or alone (a model's part `self.w[a..b]` as its rewrite writes it).
fn part_of_rows(e: &syn::Expr, w: &Ident) -> Option<(syn::Expr, syn::Expr)> {
    if let Some(part) = crate::desugar::refs::sub_rows(e, w) {
        return Some(part);
    }
    let (mut skip, mut take) = (None, None);
    let mut e = crate::desugar::unparen(e);
    while let syn::Expr::MethodCall(m) = e {
        match (m.method.to_string().as_str(), m.args.len()) {
            ("take", 1) if take.is_none() && skip.is_none() => take = Some(&m.args[0]),
            ("skip", 1) if skip.is_none() => skip = Some(&m.args[0]),
            ("iter", 0) if is_name(&m.receiver, w) && (skip.is_some() || take.is_some()) => {
                let start: syn::Expr = match skip {
                    Some(a) => syn::parse_quote!((#a)),
                    None => syn::parse_quote!(0),
                };
                let end: syn::Expr = match take {
                    Some(n) => syn::parse_quote!(::core::cmp::min(#start + (#n), #w.len())),
                    None => syn::parse_quote!(#w.len()),
                };
                return Some((start, end));
            }
            _ => return None,
        }
        e = crate::desugar::unparen(&m.receiver);
    }
    None
}

fn is_name(e: &syn::Expr, name: &Ident) -> bool {
    match e {
        syn::Expr::Path(p) => p.qself.is_none() && p.path.is_ident(name),
        syn::Expr::Paren(p) => is_name(&p.expr, name),
        syn::Expr::Reference(r) if r.mutability.is_none() => is_name(&r.expr, name),
        _ => false,
    }
}

/// `w.concat()`, `w.as_flattened()`, `w.iter().flatten()` (no arguments): the rows of `w` end to
/// end.
pub(crate) fn flattens(m: &syn::ExprMethodCall, w: &Ident) -> bool {
    match m.method.to_string().as_str() {
        "concat" | "as_flattened" => is_name(&m.receiver, w),
        "flatten" => {
            matches!(&*m.receiver, syn::Expr::MethodCall(i) if i.method == "iter" && i.args.is_empty() && is_name(&i.receiver, w))
        }
        _ => false,
    }
}

/// `w`, `w.iter()`, `&w`: the rows of `w` one by one.
fn is_row_iter(e: &syn::Expr, name: &Ident) -> bool {
    match e {
        syn::Expr::MethodCall(m) if m.args.is_empty() && m.method == "iter" => {
            is_name(&m.receiver, name)
        }
        e => is_name(e, name),
    }
}

impl ParamUses<'_> {
    fn unsupported(&self, span: &dyn quote::ToTokens) {
        let w = &self.rows.ident;
        self.errors.push_spanned(
            span,
            format!("`#[gradient]` reads the differentiated rows `{w}` by index (`{w}[i][j]`, `{w}[i].len()`, `&{w}[i]`), row by row (`for row in {w}`, `{w}.iter().map(|row| ..)`, with `.enumerate()` or `.zip(..)`), and `{w}.len()`: write this read in one of those forms"),
        );
    }

    /// Input: `for PAT in ROWS { body }` over the rows. Output: `for R in 0..w.len() { body }` with
    /// the row name rewritten (`None` when the loop is not over the rows of `w`).
    fn row_loop(&mut self, f: &syn::ExprForLoop) -> Option<syn::Expr> {
        let w = &self.rows.ident;
        // `.rev()`, `.skip(k)`, `.take(k)`, `.step_by(k)` after the rows' iterator pick the same
        // rows as they pick indices from the range of them.
        let mut source = &*f.expr;
        let mut adapters: Vec<&syn::ExprMethodCall> = Vec::new();
        while let syn::Expr::MethodCall(m) = source {
            match (m.method.to_string().as_str(), m.args.len()) {
                ("rev", 0) | ("skip" | "take" | "step_by", 1) => {
                    adapters.push(m);
                    source = &m.receiver;
                }
                _ => break,
            }
        }
        // `w[a..b]` in place of `w` (not zipped, which pairs by position): the same rows from
        // `a`, an enumeration's count taken from there.
        let mut sub = None;
        let (index, row_pat, zip): (Option<syn::Pat>, syn::Pat, Option<(syn::Pat, syn::Expr)>) =
            match source {
                e if is_row_iter(e, w) => (None, (*f.pat).clone(), None),
                e if crate::desugar::refs::sub_rows(e, w).is_some() => {
                    sub = crate::desugar::refs::sub_rows(e, w);
                    (None, (*f.pat).clone(), None)
                }
                syn::Expr::MethodCall(m)
                    if m.method == "enumerate"
                        && m.args.is_empty()
                        && (is_row_iter(&m.receiver, w)
                            || part_of_rows(&m.receiver, w).is_some()) =>
                {
                    sub = part_of_rows(&m.receiver, w);
                    let syn::Pat::Tuple(t) = &*f.pat else {
                        return None;
                    };
                    if t.elems.len() != 2 {
                        return None;
                    }
                    (Some(t.elems[0].clone()), t.elems[1].clone(), None)
                }
                syn::Expr::MethodCall(m)
                    if m.method == "zip" && m.args.len() == 1 && is_row_iter(&m.receiver, w) =>
                {
                    let syn::Pat::Tuple(t) = &*f.pat else {
                        return None;
                    };
                    if t.elems.len() != 2 {
                        return None;
                    }
                    (
                        None,
                        t.elems[0].clone(),
                        Some((t.elems[1].clone(), m.args[0].clone())),
                    )
                }
                _ => return None,
            };
        let r = match (&index, &sub) {
            (Some(syn::Pat::Ident(i)), None) if i.subpat.is_none() && i.by_ref.is_none() => {
                i.ident.clone()
            }
            (Some(syn::Pat::Ident(i)), Some(_)) if i.subpat.is_none() && i.by_ref.is_none() => {
                crate::naming::fresh("row")
            }
            (Some(syn::Pat::Wild(_)) | None, _) => crate::naming::fresh("row"),
            (Some(_), _) => return None,
        };
        let mut body = f.body.clone();
        let mut pre: Vec<syn::Stmt> = self.bind_row(&row_pat, &r, &mut body.stmts)?;
        if let (Some(syn::Pat::Ident(i)), Some((start, _))) = (&index, &sub) {
            let i = &i.ident;
            pre.insert(0, syn::parse_quote!(let #i: usize = #r - #start;));
        }
        let bound: syn::Expr = match &zip {
            Some((pat, other)) => {
                let other = match other {
                    syn::Expr::Reference(rf) if rf.mutability.is_none() => &*rf.expr,
                    o => o,
                };
                // `out.iter_mut()`: each element a place the body writes (`*o += ..`).
                let (other, mutable) = match other {
                    syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => {
                        (&*m.receiver, false)
                    }
                    syn::Expr::MethodCall(m) if m.method == "iter_mut" && m.args.is_empty() => {
                        (&*m.receiver, true)
                    }
                    o => (o, false),
                };
                // `(row, &y)`: the element by value; `(row, y)`: by reference, as `zip` gives it.
                pre.insert(
                    0,
                    match pat {
                        syn::Pat::Reference(p) if p.mutability.is_none() && !mutable => {
                            let inner = &p.pat;
                            syn::parse_quote!(let #inner = #other[#r];)
                        }
                        pat if mutable => syn::parse_quote!(let #pat = &mut #other[#r];),
                        pat => syn::parse_quote!(let #pat = &#other[#r];),
                    },
                );
                syn::parse_quote!(#w.len().min(#other.len()))
            }
            None => syn::parse_quote!(#w.len()),
        };
        let mut range: syn::Expr = match &sub {
            Some((start, end)) => syn::parse_quote!(#start..#end),
            None => syn::parse_quote!(0..#bound),
        };
        for m in adapters.iter().rev() {
            let (method, args) = (&m.method, &m.args);
            range = syn::parse_quote!((#range).#method(#args));
        }
        let label = &f.label;
        let stmts = &body.stmts;
        Some(syn::parse_quote!(#label for #r in #range { #(#pre)* #(#stmts)* }))
    }

    /// Binds the row pattern `pat` (a name, `&[a, b, c]` or `[a, b, c]` for fixed rows) of row
    /// `r`: the name is rewritten in `stmts`; element names become `let`s.
    fn bind_row(
        &mut self,
        pat: &syn::Pat,
        r: &Ident,
        stmts: &mut [syn::Stmt],
    ) -> Option<Vec<syn::Stmt>> {
        let rt = quote!(#r);
        let pat = match pat {
            syn::Pat::Type(p) => &*p.pat,
            p => p,
        };
        let pat = match pat {
            syn::Pat::Reference(p) => &*p.pat,
            p => p,
        };
        match pat {
            syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                alias(&i.ident, self.rows, &rt, stmts, self.errors)?;
                Some(Vec::new())
            }
            syn::Pat::Wild(_) => Some(Vec::new()),
            syn::Pat::Tuple(t) if matches!(self.rows.layout, Layout::Tuple(n) if n == t.elems.len()) => {
                Some(
                    t.elems
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| !matches!(p, syn::Pat::Wild(_)))
                        .map(|(j, p)| {
                            let j: syn::Expr = syn::parse_quote!(#j);
                            let e = self.rows.elem(&rt, &j);
                            syn::parse2(quote!(let #p = #e;)).ok()
                        })
                        .collect::<Option<Vec<syn::Stmt>>>()?,
                )
            }
            syn::Pat::Slice(s) => Some(
                s.elems
                    .iter()
                    .enumerate()
                    .map(|(j, p)| {
                        let j: syn::Expr = syn::parse_quote!(#j);
                        let e = self.rows.elem(&rt, &j);
                        syn::parse2(quote!(let #p = #e;)).ok()
                    })
                    .collect::<Option<Vec<syn::Stmt>>>()?,
            ),
            _ => None,
        }
    }

    /// `w.iter().map(|row| e)` (also after `.enumerate()` or `.zip(y)`, and `.rev()`, `.skip(k)`,
    /// `.take(k)`, `.step_by(k)`) as a range over rows.
    fn row_map(&mut self, m: &syn::ExprMethodCall) -> Option<syn::Expr> {
        if m.method != "map" || m.args.len() != 1 {
            return None;
        }
        let syn::Expr::Closure(c) = &m.args[0] else {
            return None;
        };
        if c.inputs.len() != 1 {
            return None;
        }
        let (range, r, stmts) = self.row_closure(&m.receiver, &c.inputs[0], &c.body)?;
        Some(syn::parse_quote!((#range).map(|#r| { #(#stmts)* })))
    }

    /// `w.iter().fold(init, |acc, row| e)` (with the adapters and pairs of [`Self::row_map`]) as a
    /// fold over a range of rows.
    fn row_fold(&mut self, m: &syn::ExprMethodCall) -> Option<syn::Expr> {
        if m.method != "fold" || m.args.len() != 2 {
            return None;
        }
        let syn::Expr::Closure(c) = &m.args[1] else {
            return None;
        };
        if c.inputs.len() != 2 {
            return None;
        }
        let (range, r, stmts) = self.row_closure(&m.receiver, &c.inputs[1], &c.body)?;
        let (init, acc) = (&m.args[0], &c.inputs[0]);
        Some(syn::parse_quote!((#range).fold(#init, |#acc, #r| { #(#stmts)* })))
    }

    /// A closure over the rows `source` yields (its item `pat`, its body `value`) as a loop's
    /// range, row index and statements: the same shapes as a loop, by its analysis.
    fn row_closure(
        &mut self,
        source: &syn::Expr,
        pat: &syn::Pat,
        value: &syn::Expr,
    ) -> Option<(syn::Expr, Ident, Vec<syn::Stmt>)> {
        let f = syn::ExprForLoop {
            attrs: Vec::new(),
            label: None,
            for_token: Default::default(),
            pat: Box::new(pat.clone()),
            in_token: Default::default(),
            expr: Box::new(source.clone()),
            body: {
                let value = crate::desugar::tail_expr(value);
                syn::parse_quote!({ #value })
            },
        };
        let syn::Expr::ForLoop(l) = self.row_loop(&f)? else {
            return None;
        };
        let syn::Pat::Ident(r) = &*l.pat else {
            return None;
        };
        Some((*l.expr, r.ident.clone(), l.body.stmts))
    }
}

impl VisitMut for ParamUses<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        let w = self.rows.ident.clone();
        match e {
            syn::Expr::MethodCall(m) if m.method == "fold" => {
                if let Some(l) = self.row_fold(m) {
                    *e = l;
                }
                syn::visit_mut::visit_expr_mut(self, e);
            }
            syn::Expr::ForLoop(f) => {
                if let Some(l) = self.row_loop(f) {
                    *e = l;
                }
                syn::visit_mut::visit_expr_mut(self, e);
            }
            syn::Expr::MethodCall(m) if m.method == "map" => {
                if let Some(l) = self.row_map(m) {
                    *e = l;
                }
                syn::visit_mut::visit_expr_mut(self, e);
            }
            // `w.concat().iter()`, `w.concat().len()`: a method of the temporary copy, which the
            // flat slice answers alike.
            syn::Expr::MethodCall(m) if matches!(&*m.receiver, syn::Expr::MethodCall(c) if c.method == "concat" && c.args.is_empty() && is_name(&c.receiver, &w)) =>
            {
                let flat = &self.rows.flat;
                *m.receiver = syn::parse_quote!(#flat);
                syn::visit_mut::visit_expr_mut(self, e);
            }
            // The rows end to end (`w.concat()`, `w.as_flattened()`, `w.iter().flatten()`): the
            // flat slice itself, which holds them in that order.
            syn::Expr::MethodCall(m) if m.args.is_empty() && flattens(m, &w) => {
                let flat = &self.rows.flat;
                *e = match m.method.to_string().as_str() {
                    "concat" => syn::parse_quote!(#flat.to_vec()),
                    "as_flattened" => syn::parse_quote!(#flat),
                    _ => syn::parse_quote!(#flat.iter()),
                };
            }
            syn::Expr::MethodCall(m)
                if is_name(&m.receiver, &w) && (m.method == "len" || m.method == "is_empty") =>
            {
                for a in &mut m.args {
                    self.visit_expr_mut(a);
                }
            }
            syn::Expr::Field(f)
                if matches!(&f.member, syn::Member::Unnamed(_))
                    && matches!(&*f.base, syn::Expr::Index(ix) if is_name(&ix.expr, &w)) =>
            {
                let (syn::Expr::Index(ix), syn::Member::Unnamed(k)) = (&mut *f.base, &f.member)
                else {
                    return;
                };
                let k = k.index as usize;
                self.visit_expr_mut(&mut ix.index);
                let r = &ix.index;
                let j: syn::Expr = syn::parse_quote!(#k);
                *e = self.rows.elem(&quote!(#r), &j);
            }
            syn::Expr::Index(outer) => {
                if let syn::Expr::Index(inner) = &mut *outer.expr {
                    if is_name(&inner.expr, &w) {
                        self.visit_expr_mut(&mut inner.index);
                        self.visit_expr_mut(&mut outer.index);
                        let r = &inner.index;
                        *e = match &*outer.index {
                            // `w[i][a..b]`: part of row `i`, a sub-slice of the flat slice.
                            syn::Expr::Range(range) => self.rows.part(&quote!(#r), range),
                            j => self.rows.elem(&quote!(#r), j),
                        };
                        return;
                    }
                }
                // `w[..]`: the rows themselves (`f(&w[..])` as `f(&w)`).
                if is_name(&outer.expr, &w)
                    && matches!(&*outer.index, syn::Expr::Range(r) if r.start.is_none() && r.end.is_none())
                {
                    *e = (*outer.expr).clone();
                    self.visit_expr_mut(e);
                    return;
                }
                // `w[a..b]` elsewhere than where loops, maps and a helper's parameter take it.
                if is_name(&outer.expr, &w) && is_range(&outer.index) {
                    self.unsupported(&outer.expr);
                    return;
                }
                if is_name(&outer.expr, &w) {
                    // `w[i]` by value, a row of a literal length (`dist(w[i], w[j])` to
                    // `[T; 3]` parameters): the array of its elements.
                    if self.rows.literal_len().is_some() {
                        self.visit_expr_mut(&mut outer.index);
                        let r = &outer.index;
                        if let Some(array) = self.rows.row_array(&quote!(#r)) {
                            *e = array;
                            return;
                        }
                    }
                    // `w[i]` as a whole row: `&w[i]`, `w[i].len()` and `w[i].iter()` are
                    // handled by their parents.
                    self.unsupported(&outer.expr);
                    return;
                }
                syn::visit_mut::visit_expr_mut(self, e);
            }
            _ => {
                if let Some(new) = row_expr(e, self.rows) {
                    *e = new;
                    syn::visit_mut::visit_expr_mut(self, e);
                    return;
                }
                if is_name(e, &w) {
                    self.unsupported(e);
                    return;
                }
                syn::visit_mut::visit_expr_mut(self, e);
            }
        }
    }

    /// `let row = &w[i];` (or `w[i]` for fixed rows): `row` stands for row `i` in the rest.
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let mut k = 0;
        while k < b.stmts.len() {
            if let syn::Stmt::Local(l) = &b.stmts[k] {
                let l = l.clone();
                if let Some(bounds) =
                    crate::desugar::refs::sub_rows_let(&l, &self.rows.ident, &mut b.stmts[k + 1..])
                {
                    b.stmts.splice(k..=k, bounds);
                    continue;
                }
            }
            if let syn::Stmt::Local(l) = &b.stmts[k] {
                if let Some((pat, index)) = row_let(l, &self.rows.ident) {
                    let r = crate::naming::fresh("row");
                    let rest = &mut b.stmts[k + 1..];
                    let mut index = index.clone();
                    self.visit_expr_mut(&mut index);
                    let binds = self.bind_row(&pat, &r, rest);
                    if let Some(binds) = binds {
                        let mut new: Vec<syn::Stmt> =
                            vec![syn::parse_quote!(let #r: usize = #index;)];
                        new.extend(binds);
                        let n = new.len();
                        b.stmts.splice(k..=k, new);
                        k += n;
                        continue;
                    }
                }
            }
            self.visit_stmt_mut(&mut b.stmts[k]);
            k += 1;
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}

    /// `vec![w[i][j], ..]` and `vec![w[i][j]; n]`: the elements are read as the expressions they
    /// are (without this the rows' reads inside stayed reads of the original rows, constants to
    /// the derivation).
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        visit_vec_macro(self, m);
    }
}

/// `let row = &w[i];`, `let row = w[i];`, `let [a, b, c] = w[i];`: the pattern and the index.
fn row_let(l: &syn::Local, w: &Ident) -> Option<(syn::Pat, syn::Expr)> {
    let init = l.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    let pat = match &l.pat {
        syn::Pat::Type(pt) => (*pt.pat).clone(),
        p => p.clone(),
    };
    // (`&&w[i]` too: a search's comparator is lent each side so.)
    let mut e = &*init.expr;
    while let syn::Expr::Reference(r) = e {
        if r.mutability.is_some() {
            return None;
        }
        e = &r.expr;
    }
    match e {
        syn::Expr::Index(ix) if is_name(&ix.expr, w) && !is_range(&ix.index) => {
            Some((pat, (*ix.index).clone()))
        }
        _ => None,
    }
}

/// `windows`, `chunks` or `chunks_exact`.
fn is_pieces(method: &Ident) -> bool {
    ["windows", "chunks", "chunks_exact"]
        .iter()
        .any(|n| method == n)
}

/// `w[i].len()`, `w[i].iter()`, `&w[i]`, `w[i].windows(k)`, `w[i].to_vec()` of a rows
/// parameter, as reads of the flat slice.
fn row_expr(e: &syn::Expr, rows: &Rows) -> Option<syn::Expr> {
    let w = &rows.ident;
    // (`w[..]`, `w[a..b]` are rows, not one.)
    let row_index = |x: &syn::Expr| match x {
        syn::Expr::Index(ix) if is_name(&ix.expr, w) && !is_range(&ix.index) => {
            Some((*ix.index).clone())
        }
        syn::Expr::Paren(p) => match &*p.expr {
            syn::Expr::Index(ix) if is_name(&ix.expr, w) && !is_range(&ix.index) => {
                Some((*ix.index).clone())
            }
            _ => None,
        },
        _ => None,
    };
    match e {
        // `w[i].windows(2)` (`chunks`, `chunks_exact`): pieces of the row's part of the flat
        // slice, which the pieces' rewrite then reads at positions of it.
        syn::Expr::MethodCall(m) if m.args.len() == 1 && is_pieces(&m.method) => {
            let i = row_index(&m.receiver)?;
            let (whole, method, k) = (rows.whole(&quote!(#i)), &m.method, &m.args[0]);
            Some(syn::parse_quote!(#whole.#method(#k)))
        }
        syn::Expr::MethodCall(m) if m.args.is_empty() => {
            let i = row_index(&m.receiver)?;
            let r = quote!(#i);
            match m.method.to_string().as_str() {
                "len" => {
                    let n = rows.len(&r);
                    Some(syn::parse_quote!(#n))
                }
                "iter" => Some(rows.iter(&r)),
                // A copy of the row (`w[i].to_vec()`, `.clone()` of a row that is a vector):
                // a copy of its part of the flat slice.
                "first" | "last" | "to_vec" => Some(slice_method(m, rows.whole(&r))),
                "to_owned" | "clone" => Some(rows.copy(&r)),
                _ => None,
            }
        }
        // `if let Some(&a) = w[i].get(j)`: the part of the flat slice that is row `i`, which the
        // option's reads follow (as they follow a piece of `windows`).
        syn::Expr::MethodCall(m) if m.method == "get" && m.args.len() == 1 => {
            let i = row_index(&m.receiver)?;
            Some(slice_method(m, rows.whole(&quote!(#i))))
        }
        // `let (a, b) = w[i].split_at(k);`: two parts of the row's part, as for a slice.
        syn::Expr::MethodCall(m) if m.method == "split_at" && m.args.len() == 1 => {
            let i = row_index(&m.receiver)?;
            Some(slice_method(m, rows.whole(&quote!(#i))))
        }
        syn::Expr::Reference(rf) if rf.mutability.is_none() => {
            let i = row_index(&rf.expr)?;
            Some(rows.slice(&quote!(#i)))
        }
        _ => None,
    }
}

/// `m` with the slice `part` as its receiver.
fn slice_method(m: &syn::ExprMethodCall, part: syn::Expr) -> syn::Expr {
    let mut m = m.clone();
    *m.receiver = part;
    syn::Expr::MethodCall(m)
}

/// Rewrites the row name `row` (row `r` of `rows`) in `stmts`: `row[j]`, `row.len()`,
/// `row.iter()`, `for v in row`, and `row` passed on as a sub-slice. `None` if `row` is declared
/// again.
fn alias(
    row: &Ident,
    rows: &Rows,
    r: &TokenStream,
    stmts: &mut [syn::Stmt],
    errors: &crate::errors::Errors,
) -> Option<()> {
    struct A<'a> {
        row: &'a Ident,
        rows: &'a Rows,
        r: &'a TokenStream,
        shadowed: bool,
        errors: &'a crate::errors::Errors,
    }
    impl VisitMut for A<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            let row = self.row;
            match e {
                syn::Expr::Index(ix) if is_name(&ix.expr, row) => {
                    self.visit_expr_mut(&mut ix.index);
                    *e = self.rows.elem(self.r, &ix.index);
                }
                syn::Expr::Field(f) if is_name(&f.base, row) => {
                    if let syn::Member::Unnamed(k) = &f.member {
                        let k = k.index as usize;
                        let j: syn::Expr = syn::parse_quote!(#k);
                        *e = self.rows.elem(self.r, &j);
                    }
                }
                syn::Expr::MethodCall(m)
                    if is_name(&m.receiver, row) && m.args.len() == 1 && is_pieces(&m.method) =>
                {
                    *m.receiver = self.rows.whole(self.r);
                    self.visit_expr_mut(&mut m.args[0]);
                }
                syn::Expr::MethodCall(m) if is_name(&m.receiver, row) && m.args.is_empty() => {
                    match m.method.to_string().as_str() {
                        "len" => {
                            let n = self.rows.len(self.r);
                            *e = syn::parse_quote!(#n);
                        }
                        "iter" => *e = self.rows.iter(self.r),
                        // As a part, which `if let Some(&a) = row.first()` follows; a copy
                        // of the row, a copy of the part.
                        "first" | "last" | "to_vec" => *m.receiver = self.rows.whole(self.r),
                        "to_owned" | "clone" => *e = self.rows.copy(self.r),
                        _ => {
                            *m.receiver = self.rows.slice(self.r);
                        }
                    }
                }
                syn::Expr::MethodCall(m)
                    if is_name(&m.receiver, row)
                        && m.args.len() == 1
                        && (m.method == "get" || m.method == "split_at") =>
                {
                    *m.receiver = self.rows.whole(self.r);
                    self.visit_expr_mut(&mut m.args[0]);
                }
                syn::Expr::ForLoop(f) if is_name(&f.expr, row) => {
                    *f.expr = self.rows.iter(self.r);
                    syn::visit_mut::visit_expr_mut(self, e);
                }
                // `*q` of a row of a literal length: the array of its elements.
                syn::Expr::Unary(u)
                    if matches!(u.op, syn::UnOp::Deref(_))
                        && is_name(&u.expr, row)
                        && self.rows.literal_len().is_some() =>
                {
                    if let Some(array) = self.rows.row_array(self.r) {
                        *e = array;
                    }
                }
                syn::Expr::Unary(u)
                    if matches!(u.op, syn::UnOp::Deref(_)) && is_name(&u.expr, row) =>
                {
                    self.errors.push_spanned(
                        &*e,
                        format!("`#[gradient]` reads a row of differentiated rows element by element: write `{row}[j]` (or `let [a, b, c] = ..` on the row) instead of copying the whole row"),
                    );
                }
                e if is_name(e, row) => *e = self.rows.slice(self.r),
                _ => syn::visit_mut::visit_expr_mut(self, e),
            }
        }
        fn visit_local_mut(&mut self, l: &mut syn::Local) {
            if let Some(init) = &mut l.init {
                self.visit_expr_mut(&mut init.expr);
            }
            let mut names = Vec::new();
            crate::lower::collect_idents(&l.pat, &mut names);
            self.shadowed |= names.contains(self.row);
        }
        fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
            let mut names = Vec::new();
            for p in &c.inputs {
                crate::lower::collect_idents(p, &mut names);
            }
            self.shadowed |= names.contains(self.row);
            syn::visit_mut::visit_expr_closure_mut(self, c);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            visit_vec_macro(self, m);
        }
    }
    let mut copy = stmts.to_vec();
    let mut a = A {
        row,
        rows,
        r,
        shadowed: false,
        errors,
    };
    for s in &mut copy {
        a.visit_stmt_mut(s);
    }
    if a.shadowed {
        return None;
    }
    stmts.clone_from_slice(&copy);
    Some(())
}

/// `vec![a, b]` and `vec![x; n]`: their expressions visited by `v` and written back (the
/// elements of a list, the value and the length of a repetition read the rows as any code does).
fn visit_vec_macro<V: VisitMut>(v: &mut V, m: &mut syn::Macro) {
    if !m.path.is_ident("vec") {
        return;
    }
    let tokens = &m.tokens;
    if let Ok(mut e) = syn::parse2::<syn::Expr>(quote!([#tokens])) {
        v.visit_expr_mut(&mut e);
        match &e {
            syn::Expr::Array(a) => m.tokens = quote::ToTokens::to_token_stream(&a.elems),
            syn::Expr::Repeat(r) => {
                let (x, n) = (&r.expr, &r.len);
                m.tokens = quote!(#x; #n);
            }
            _ => {}
        }
    }
}

/// A gradient-like buffer `out` of the shape of rows `r` (`d_w`, `hv_w`): its type in the
/// signature, the flat slice the inner function writes (made before the call), and what copies
/// that slice back into the rows after it (nothing where the rows are viewed as one slice).
fn rows_buffer(
    r: &Rows,
    ty: &syn::Type,
    out: &Ident,
    flat: &Ident,
    fname: &str,
) -> (TokenStream, TokenStream, TokenStream, TokenStream) {
    let (id, offs) = (&r.ident, &r.offs);
    let t = Ident::new(r.float.name(), Span::call_site());
    let zero = crate::emit::float_literal(0.0, r.float);
    let msg = format!(
        "{fname}: the buffer `{out}` has {{}} rows but `{id}` has {{}}; pass a buffer of the shape of `{id}`"
    );
    let check = quote!(::core::assert!(#out.len() == #id.len(), #msg, #out.len(), #id.len()););
    match &r.layout {
        Layout::Fixed(n) => (
            quote!(&mut [[#t; #n]]),
            quote!(#check let #flat: &mut [#t] = #out.as_flattened_mut();),
            quote!(#flat),
            TokenStream::new(),
        ),
        Layout::Tuple(n) => {
            let ts = vec![quote!(#t); *n];
            let ds: Vec<TokenStream> = (0..*n).map(|k| quote!(#flat[r * #n + #k])).collect();
            (
                quote!(&mut [(#(#ts),*)]),
                quote!(#check let mut #flat: ::std::vec::Vec<#t> = ::std::vec![#zero; #id.len() * #n];),
                quote!(&mut #flat),
                quote! {
                    for (r, row) in #out.iter_mut().enumerate() {
                        *row = (#(#ds),*);
                    }
                },
            )
        }
        Layout::Ragged => {
            let sig = if rows_are_slices(ty) {
                quote!(&mut [&mut [#t]])
            } else {
                quote!(&mut [::std::vec::Vec<#t>])
            };
            let msg = format!(
                "{fname}: row {{}} of the buffer `{out}` has length {{}} but row {{}} of `{id}` has length {{}}; pass a buffer of the shape of `{id}`"
            );
            (
                sig,
                quote! {
                    #check
                    for (r, (a, b)) in #out.iter().zip(#id.iter()).enumerate() {
                        ::core::assert!(a.len() == b.len(), #msg, r, a.len(), r, b.len());
                    }
                    let mut #flat: ::std::vec::Vec<#t> = ::std::vec![#zero; #offs[#id.len()]];
                },
                quote!(&mut #flat),
                quote! {
                    for (r, row) in #out.iter_mut().enumerate() {
                        row.copy_from_slice(&#flat[#offs[r]..#offs[r + 1]]);
                    }
                },
            )
        }
    }
}

/// Rows `w` (or a tangent `v_w` of their shape, `of`) as the flat slice `flat` the inner
/// function reads, with the row offsets `offs` of ragged rows when `offs` is given.
fn rows_flat(r: &Rows, of: &Ident, flat: &Ident, offs: bool) -> (TokenStream, TokenStream) {
    let t = Ident::new(r.float.name(), Span::call_site());
    let offsets = &r.offs;
    match &r.layout {
        Layout::Fixed(_) => (
            quote!(let #flat: &[#t] = #of.as_flattened();),
            quote!(#flat),
        ),
        Layout::Tuple(n) => {
            let ks: Vec<syn::Index> = (0..*n).map(syn::Index::from).collect();
            (
                quote!(let #flat: ::std::vec::Vec<#t> = #of.iter().flat_map(|r| [#(r.#ks),*]).collect();),
                quote!(&#flat),
            )
        }
        Layout::Ragged => {
            let offsets = offs.then(|| {
                quote! {
                    let mut #offsets: ::std::vec::Vec<usize> = ::std::vec::Vec::with_capacity(#of.len() + 1);
                    #offsets.push(0);
                    for r in #of.iter() {
                        #offsets.push(#offsets[#offsets.len() - 1] + r.len());
                    }
                }
            });
            (
                quote! {
                    let #flat: ::std::vec::Vec<#t> = #of.iter().flat_map(|r| r.iter().copied()).collect();
                    #offsets
                },
                quote!(&#flat),
            )
        }
    }
}

/// `NAME_jvp`, `NAME_hvp`, `NAME_hessian` or `NAME_hessian_diag` (`mode`) for a function of rows:
/// the inner function's own, over the flat slices, with every rows-shaped input (the rows, the tangents
/// `v_w`) viewed or copied flat, every rows-shaped output (`d_w`, `hv_w`) of the rows' shape and
/// written back, and everything else (scalars' tangents, slices' buffers, `hess`, `diag`) passed
/// through. The Hessian's entries are in the order of the flat view: rows after rows, as the
/// gradient's.
fn mode_wrapper(
    item: &syn::ItemFn,
    mode: &str,
    params: &[(Ident, syn::Type)],
    rows: &[Rows],
    inner: &syn::ItemFn,
    receiver: bool,
) -> TokenStream {
    let fname = format!("{}_{mode}", item.sig.ident);
    let row_of = |id: &Ident| rows.iter().find(|r| r.ident == *id);
    let mut sig_params: Vec<TokenStream> = Vec::new();
    let mut prelude = Vec::new();
    let mut call_args = Vec::new();
    for (id, ty) in params {
        sig_params.push(quote!(#id: #ty));
        if let Some(r) = row_of(id) {
            let (lets, arg) = rows_flat(r, id, &r.flat, true);
            prelude.push(lets);
            call_args.push(arg);
            if matches!(r.layout, Layout::Ragged) {
                let offs = &r.offs;
                call_args.push(quote!(&#offs));
            }
        }
        call_args.push(quote!(#id));
    }
    // The inner function's inputs after its own parameters: tangents, buffers, `hess`/`diag`.
    let inner_inputs: Vec<(Ident, syn::Type)> = inner
        .sig
        .inputs
        .iter()
        .filter_map(|i| match i {
            syn::FnArg::Typed(pt) => match &*pt.pat {
                syn::Pat::Ident(pi) => Some((pi.ident.clone(), (*pt.ty).clone())),
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    let mut extra = Vec::new();
    let mut after = Vec::new();
    for (name, ty) in inner_inputs.iter().skip(call_args.len()) {
        let n = name.to_string();
        let of_rows = ["v_", "d_", "hv_"].iter().find_map(|p| {
            let rest = n.strip_prefix(p)?;
            rows.iter().find(|r| r.flat == rest).map(|r| (*p, r))
        });
        match of_rows {
            Some(("v_", r)) => {
                let (id, rty) = (
                    &r.ident,
                    &params
                        .iter()
                        .find(|(i, _)| *i == r.ident)
                        .expect("a parameter")
                        .1,
                );
                let v = format_ident!("v_{}", id);
                let msg = format!(
                    "{fname}: the tangent `{v}` does not have the shape of `{id}`; pass rows of the same lengths"
                );
                sig_params.push(quote!(#v: #rty));
                prelude.push(quote!(::core::assert!(#v.len() == #id.len(), #msg);));
                if matches!(r.layout, Layout::Ragged) {
                    prelude.push(quote!(::core::assert!(#v.iter().zip(#id.iter()).all(|(a, b)| a.len() == b.len()), #msg);));
                }
                let vflat = crate::naming::hidden(&format!("vflat_{id}"));
                let (lets, arg) = rows_flat(r, &v, &vflat, false);
                prelude.push(lets);
                extra.push(arg);
            }
            Some((prefix, r)) => {
                let id = &r.ident;
                let rty = &params
                    .iter()
                    .find(|(i, _)| *i == r.ident)
                    .expect("a parameter")
                    .1;
                let out = format_ident!("{}{}", prefix, id);
                let flat = crate::naming::hidden(&format!("{prefix}flat_{id}"));
                let (sig, lets, arg, back) = rows_buffer(r, rty, &out, &flat, &fname);
                sig_params.push(quote!(#out: #sig));
                prelude.push(lets);
                extra.push(arg);
                after.push(back);
            }
            None => {
                sig_params.push(quote!(#name: #ty));
                extra.push(quote!(#name));
            }
        }
    }
    let ret = &inner.sig.output;
    let inner_name = &inner.sig.ident;
    // Its messages (`hess` of the wrong length) name the function the user calls.
    let mut inner = messages_renamed(inner, &inner_name.to_string(), &fname);
    inner.vis = syn::Visibility::Inherited;
    inner.attrs.retain(|a| a.path().is_ident("allow"));
    inner.attrs.push(syn::parse_quote!(#[inline]));
    let (beside, nested, call) = if receiver {
        sig_params.insert(0, quote!(&self));
        (
            Some(quote!(#[doc(hidden)] #inner)),
            None,
            quote!(self.#inner_name(#(#call_args,)* #(#extra),*)),
        )
    } else {
        (
            None,
            Some(quote!(#inner)),
            quote!(#inner_name(#(#call_args,)* #(#extra),*)),
        )
    };
    let vis = &item.vis;
    let name = format_ident!("{}_{mode}", item.sig.ident);
    let generics = &item.sig.generics;
    let where_clause = &generics.where_clause;
    let inherited = crate::expand::inherited_attributes(item);
    let what = match mode {
        "jvp" => "its directional derivative along the tangents `v_…` (rows of the rows' shape), generated by `#[gradient(jvp)]`",
        "hvp" => "the gradient (into `d_…`) and the Hessian–vector product `H · v` along the tangents `v_…` (into `hv_…`), the rows' buffers of the rows' shape, generated by `#[gradient(hvp)]`",
        "hessian" => "the gradient (into `d_…`) and the Hessian (into `hess`, row-major `n × n` over every differentiated entry: scalars, then each sequence's elements, rows after rows), generated by `#[gradient(hvp)]`",
        _ => "the gradient (into `d_…`) and the Hessian's diagonal (into `diag`, in the gradient's order: scalars, then each sequence's elements, rows after rows), generated by `#[gradient(hvp)]`",
    };
    let doc = format!(" Value of [`{}`], {what}.\n\n # Panics\n\n When a buffer or tangent does not have the shape of its parameter.", item.sig.ident);
    quote! {
        #beside
        #(#inherited)*
        #[doc = #doc]
        #[must_use]
        #[allow(unused_variables, clippy::too_many_arguments, clippy::needless_borrow)]
        #vis fn #name #generics (#(#sig_params),*) #ret #where_clause {
            #nested
            #(#prelude)*
            let value = #call;
            #(#after)*
            value
        }
    }
}

/// `f` with `from` read as `to` in its string literals (the messages of its checks).
fn messages_renamed(f: &syn::ItemFn, from: &str, to: &str) -> syn::ItemFn {
    fn walk(ts: TokenStream, from: &str, to: &str) -> TokenStream {
        ts.into_iter()
            .map(|tt| match tt {
                proc_macro2::TokenTree::Group(g) => {
                    let mut n = proc_macro2::Group::new(g.delimiter(), walk(g.stream(), from, to));
                    n.set_span(g.span());
                    proc_macro2::TokenTree::Group(n)
                }
                proc_macro2::TokenTree::Literal(l) if l.to_string().contains(from) => {
                    match l
                        .to_string()
                        .replace(from, to)
                        .parse::<proc_macro2::Literal>()
                    {
                        Ok(mut n) => {
                            n.set_span(l.span());
                            proc_macro2::TokenTree::Literal(n)
                        }
                        Err(_) => proc_macro2::TokenTree::Literal(l),
                    }
                }
                tt => tt,
            })
            .collect()
    }
    syn::parse2(walk(quote::ToTokens::to_token_stream(f), from, to)).unwrap_or_else(|_| f.clone())
}
