//! Differentiated models as structs — `m: &Model` named in `wrt(..)`, or the `&self` of a method —
//! as a pass before the rest: every field path the body reads as a number (`m.b`, `m.enc.scale`),
//! as a sequence (`m.w[j]`, `m.w.len()`, `&m.w`, `m.w.iter()`) or as rows (`m.w[i][j]`, free
//! functions only) becomes a parameter of an inner function, which is differentiated as any other;
//! `NAME_grad` wraps it, passing the fields in and writing their derivatives into `d_m`, a gradient
//! of the model's own type. Fields read as integers or flags (`0..m.n`, `w[k * m.d + j]`,
//! `if m.bias {..}`, `m.n as f64`) stay data, read from the model as written.

use crate::attr::Args;
use crate::ir::FloatTy;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

/// How a field path is read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Use {
    /// In arithmetic: a differentiated float.
    Number,
    /// Indexed, iterated, borrowed, measured: a differentiated sequence of floats.
    Seq,
    /// Indexed twice (`m.w[i][j]`): differentiated rows.
    Rows,
    /// In an index, a range bound, a cast, a condition: data.
    Data,
    /// `.len()`, `.is_empty()`: the shape alone, which is data.
    Shape,
    /// A name passed to a function as it is: a number, or for `let r = &m.w;` a sequence.
    Arg,
    /// The whole model, passed to a `#[gradient]` function or the receiver of a `#[gradient]`
    /// method: read through its flat view.
    Model,
}

/// Where the expression being visited stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Value,
    /// A position that takes an integer or a flag.
    Data,
    /// A condition: a flag itself, or comparisons of numbers.
    Cond,
}

/// A differentiated struct parameter (or `self`).
struct Root {
    ident: Ident,
    receiver: bool,
    /// The model's type (`Self` for a receiver), where the user wrote it.
    ty: TokenStream,
}

/// One field path of a root, and how the body reads it.
struct Path {
    root: usize,
    members: Vec<syn::Member>,
    /// `m.layers[l].w`: the fields after the index into a sequence of structs (`w`).
    suffix: Option<Vec<syn::Member>>,
    uses: Vec<Use>,
    span: Span,
    /// `let NAME = m.path;` (or `= &m.path;`, with `true`): names whose own reads decide.
    aliases: Vec<(Ident, bool)>,
}

impl Path {
    fn dotted(&self, roots: &[Root]) -> String {
        key(
            &roots[self.root].ident,
            &self.members,
            self.suffix.as_deref(),
            "[_]",
        )
    }
}

/// `m.a.b`, or `m.layers[_].w` for a field of the elements of a sequence of structs.
fn key(
    root: &Ident,
    members: &[syn::Member],
    suffix: Option<&[syn::Member]>,
    index: &str,
) -> String {
    let mut s = root.to_string();
    for m in members {
        s.push('.');
        s.push_str(&member_name(m));
    }
    if let Some(suffix) = suffix {
        s.push_str(index);
        for m in suffix {
            s.push('.');
            s.push_str(&member_name(m));
        }
    }
    s
}

fn member_name(m: &syn::Member) -> String {
    match m {
        syn::Member::Named(i) => i.to_string(),
        syn::Member::Unnamed(i) => i.index.to_string(),
    }
}

/// What one leaf of the inner function is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leaf {
    Number,
    Seq,
    Rows,
    /// The model's flat view (`Params::to_flat`), for the calls that take the whole model.
    Flat,
}

/// Methods of slices and `Vec`s: their receiver is a sequence.
const SEQ_METHODS: &[&str] = &[
    "len",
    "is_empty",
    "iter",
    "first",
    "last",
    "get",
    "windows",
    "chunks",
    "chunks_exact",
    "to_vec",
    "split_at",
    "split_first",
    "split_last",
    "as_slice",
    "into_iter",
    "contains",
    "clone",
    "to_owned",
];

/// Methods whose arguments are integers.
const INT_ARG_METHODS: &[&str] = &[
    "powi",
    "take",
    "skip",
    "step_by",
    "chunks",
    "chunks_exact",
    "windows",
    "nth",
    "get",
    "split_at",
    "with_capacity",
    "resize",
];

pub fn expand(args_tokens: &TokenStream, item: &syn::ItemFn) -> Option<TokenStream> {
    let args: Args = syn::parse2(args_tokens.clone()).ok()?;
    let float = match &item.sig.output {
        syn::ReturnType::Type(_, t) => crate::sig::float_of(t)?,
        syn::ReturnType::Default => return None,
    };
    let named = |id: &Ident| args.wrt.as_ref().is_some_and(|w| w.iter().any(|n| n == id));
    let mut roots = Vec::new();
    for input in &item.sig.inputs {
        match input {
            syn::FnArg::Receiver(r) if r.reference.is_some() && r.mutability.is_none() => {
                let id = Ident::new("self", r.self_token.span);
                if args.wrt.is_none() || named(&id) {
                    let ty = quote_spanned!(r.self_token.span=> Self);
                    roots.push(Root {
                        ident: id,
                        receiver: true,
                        ty,
                    });
                }
            }
            syn::FnArg::Typed(pt) => {
                if let (syn::Pat::Ident(pi), syn::Type::Reference(r)) = (&*pt.pat, &*pt.ty) {
                    if named(&pi.ident) && is_struct_ref(&pt.ty) {
                        roots.push(Root {
                            ident: pi.ident.clone(),
                            receiver: false,
                            ty: r.elem.to_token_stream(),
                        });
                    }
                }
            }
            syn::FnArg::Receiver(_) => {}
        }
    }
    if roots.is_empty() {
        return None;
    }
    let errors = crate::errors::Errors::default();
    if !item.sig.generics.params.is_empty() {
        errors.push_spanned(
            &item.sig.generics,
            "`#[gradient]` differentiates a model struct in functions without generic parameters for now: write the function for `f64` or `f32`",
        );
    }
    let mut body = (*item.block).clone();
    Elements { roots: &roots }.visit_block_mut(&mut body);
    let elements_body = body.clone();
    let mut finder = Finder {
        roots: &roots,
        paths: Vec::new(),
        ctx: Ctx::Value,
        int_names: HashSet::new(),
        alias_uses: HashMap::new(),
        errors: &errors,
        rewrite: None,
    };
    finder.visit_block_mut(&mut body);
    let Finder {
        paths, alias_uses, ..
    } = finder;
    let mut leaves: Vec<(usize, Leaf, Ident)> = Vec::new();
    for (k, p) in paths.iter().enumerate() {
        let mut uses = p.uses.clone();
        for (a, by_ref) in &p.aliases {
            if let Some(u) = alias_uses.get(&a.to_string()) {
                // Passed on as it is, a reference is to a sequence and a copy is a number.
                uses.extend(u.iter().map(|&u| match (u, by_ref) {
                    (Use::Arg, true) => Use::Seq,
                    (Use::Arg, false) => Use::Number,
                    (u, _) => u,
                }));
            }
        }
        let has = |u: Use| uses.contains(&u);
        let dotted = p.dotted(&roots);
        let elements = p.suffix.is_some();
        let leaf = if has(Use::Model) {
            Leaf::Flat
        } else if has(Use::Rows) && elements {
            errors.push(
                p.span,
                format!("`#[gradient]` differentiates fields of the elements of a sequence of structs that are numbers or sequences (`{dotted}[j]`), not rows (`{dotted}[i][j]`) yet: store them flat (`Vec<f64>` read at `i * n + j`)"),
            );
            continue;
        } else if has(Use::Rows) || (has(Use::Seq) && elements) {
            Leaf::Rows
        } else if has(Use::Seq) {
            if paths
                .iter()
                .any(|q| q.root == p.root && q.members == p.members && q.suffix.is_some())
            {
                errors.push(
                    p.span,
                    format!("`#[gradient]` follows the structs of `{dotted}` when they are indexed (`{dotted}[l].w[j]`) or iterated by `for layer in &{dotted}` (or `.iter()`, `.iter().enumerate()`); this read of `{dotted}` is not followed yet"),
                );
                continue;
            }
            Leaf::Seq
        } else if has(Use::Number) && elements {
            Leaf::Seq
        } else if has(Use::Number) && has(Use::Data) {
            errors.push(
                p.span,
                format!("`#[gradient]` cannot tell whether `{dotted}` is a parameter or data: it is read as a number of the loss here and as an integer or flag (an index, a bound, a cast, a condition) elsewhere; bind the data once with its type (`let n: usize = {dotted};`) and read that"),
            );
            continue;
        } else if has(Use::Number) {
            Leaf::Number
        } else {
            continue;
        };
        let name =
            key(&roots[p.root].ident, &p.members, p.suffix.as_deref(), "__").replace('.', "_");
        leaves.push((k, leaf, crate::naming::hidden(&format!("field_{name}"))));
    }
    // The reads of differentiated fields become reads of the leaves.
    let by_path: HashMap<String, (Leaf, Ident)> = leaves
        .iter()
        .map(|(k, l, id)| (paths[*k].dotted(&roots), (*l, id.clone())))
        .collect();
    let mut body = elements_body;
    let mut rewriter = Finder {
        roots: &roots,
        paths: Vec::new(),
        ctx: Ctx::Value,
        int_names: HashSet::new(),
        alias_uses: HashMap::new(),
        errors: &crate::errors::Errors::default(),
        rewrite: Some(&by_path),
    };
    rewriter.visit_block_mut(&mut body);

    let t = Ident::new(float.name(), Span::call_site());
    let root_of = |id: &Ident| roots.iter().position(|r| r.ident == *id);
    let leaf_param = |l: Leaf, id: &Ident| match l {
        Leaf::Number => quote!(#id: #t),
        Leaf::Seq => quote!(#id: &[#t]),
        Leaf::Rows => quote!(#id: &[::std::vec::Vec<#t>]),
        Leaf::Flat => quote!(#id: &[#t]),
    };
    let mut inner_inputs: Vec<TokenStream> = Vec::new();
    let mut inner_wrt: Vec<Ident> = Vec::new();
    for input in &item.sig.inputs {
        let (id, tokens) = match input {
            syn::FnArg::Receiver(r) => (Ident::new("self", r.self_token.span), quote!(#r)),
            syn::FnArg::Typed(pt) => match &*pt.pat {
                syn::Pat::Ident(pi) => (pi.ident.clone(), quote!(#pt)),
                _ => return None,
            },
        };
        inner_inputs.push(tokens);
        match root_of(&id) {
            Some(r) => {
                for (k, l, leaf) in &leaves {
                    if paths[*k].root == r {
                        inner_inputs.push(leaf_param(*l, leaf));
                        inner_wrt.push(leaf.clone());
                    }
                }
            }
            None if named(&id) => inner_wrt.push(id),
            None => {}
        }
    }
    let inner_name = crate::naming::hidden(&format!("fields_{}", item.sig.ident));
    let mut inner_sig = item.sig.clone();
    inner_sig.ident = inner_name.clone();
    inner_sig.inputs = syn::parse_quote!(#(#inner_inputs),*);
    let mut attrs: Vec<syn::Attribute> = item
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("allow") || a.path().is_ident("cfg"))
        .cloned()
        .collect();
    // A rewritten copy of the user's body, never called: the model itself may be read only
    // through the leaves, and lints would only repeat (or misname) those of the original.
    attrs.push(syn::parse_quote!(#[allow(unused_variables, clippy::all, clippy::pedantic)]));
    let inner = syn::ItemFn {
        attrs,
        vis: syn::Visibility::Inherited,
        sig: inner_sig,
        block: Box::new(body),
    };
    let inner_expanded = if errors.is_empty() && !inner_wrt.is_empty() {
        let inner_args = quote!(wrt(#(#inner_wrt),*));
        Some(crate::expand::expand_item(inner_args, &inner))
    } else {
        None
    };
    let ok = errors.is_empty();
    let out = wrapper(
        item,
        &args,
        &roots,
        &paths,
        &leaves,
        float,
        inner_name,
        inner_expanded,
        errors,
    );
    let model_fns = match roots.as_slice() {
        [root] if ok => model_fns(item, root, float),
        _ => TokenStream::new(),
    };
    Some(quote!(#out #model_fns))
}

/// Suffix of the derivation with respect to the model and every float parameter.
const ALL: &str = "__all";

/// What a caller that passes the whole model calls (`forward(m, x)`, `self.forward(x)`):
/// `NAME__model` takes the model's flat view beside it, so that the caller's derivation sees a
/// differentiated slice, and `NAME__model_grad` gives that view's gradient and those of every
/// float parameter (a caller may pass differentiated values anywhere), from `NAME__all_grad`, the
/// function derived once more with respect to all of them. Nothing when that derivation fails
/// (the caller's build then says `NAME__model` is missing, at its call).
fn model_fns(item: &syn::ItemFn, root: &Root, float: FloatTy) -> TokenStream {
    let fname = &item.sig.ident;
    if fname.to_string().ends_with(ALL) {
        return TokenStream::new();
    }
    let t = Ident::new(float.name(), Span::call_site());
    let mut wrt: Vec<Ident> = vec![root.ident.clone()];
    let mut params = Vec::new();
    for input in &item.sig.inputs {
        match input {
            syn::FnArg::Receiver(_) => params.push((root.ident.clone(), None)),
            syn::FnArg::Typed(pt) => {
                let syn::Pat::Ident(pi) = &*pt.pat else {
                    return TokenStream::new();
                };
                if pi.ident != root.ident && crate::sig::differentiable(&pt.ty) {
                    wrt.push(pi.ident.clone());
                }
                params.push((pi.ident.clone(), Some((*pt.ty).clone())));
            }
        }
    }
    let mut all = item.clone();
    all.sig.ident = format_ident!("{}{ALL}", fname);
    all.attrs
        .retain(|a| a.path().is_ident("allow") || a.path().is_ident("cfg"));
    all.attrs.push(syn::parse_quote!(#[doc(hidden)]));
    all.attrs.push(syn::parse_quote!(#[allow(non_snake_case)]));
    all.vis = item.vis.clone();
    let Some(expanded) = expand(&quote!(wrt(#(#wrt),*)), &all) else {
        return TokenStream::new();
    };
    let all_grad_name = format_ident!("{}{ALL}_grad", fname);
    let Ok(file) = syn::parse2::<syn::File>(expanded.clone()) else {
        return TokenStream::new();
    };
    if file.items.iter().any(|i| matches!(i, syn::Item::Macro(_))) {
        return TokenStream::new();
    }
    let Some(all_grad) = file.items.iter().find_map(|i| match i {
        syn::Item::Fn(f) if f.sig.ident == all_grad_name => Some(f.clone()),
        _ => None,
    }) else {
        return TokenStream::new();
    };
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
    for (b, ty) in &bufs {
        if *b == d_root {
            model_bufs.push(quote!(#dflat: &mut [#t]));
            call_bufs.push(quote!(&mut #dmodel));
        } else {
            model_bufs.push(quote!(#b: #ty));
            call_bufs.push(quote!(#b));
        }
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
    let ret = &all_grad.sig.output;
    let vis = &item.vis;
    let (model_name, model_grad, model_table) = (
        format_ident!("{}__model", fname),
        format_ident!("{}__model_grad", fname),
        format_ident!("{}__model_grad_wrt", fname),
    );
    let (rid, rty) = (&root.ident, &root.ty);
    quote! {
        #expanded
        #[doc(hidden)]
        #[allow(unused_variables, non_snake_case, clippy::too_many_arguments)]
        #vis fn #model_name(#(#sig),*) -> #t {
            #value_call
        }
        #[doc(hidden)]
        #[allow(unused_variables, non_snake_case, clippy::too_many_arguments, clippy::needless_borrow)]
        #vis fn #model_grad(#(#sig,)* #(#model_bufs),*) #ret {
            let mut #dmodel = <#rty as ::grad::runtime::Params>::zeros_like(#rid);
            let value = #grad_call;
            ::grad::runtime::Params::write_flat(&#dmodel, #dflat);
            value
        }
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #model_table: [u8; #n] = [#(#flags),*];
    }
}

/// `&Name` or `&path::Name<..>`: a struct passed by reference (not a float, slice, array, `Vec`
/// or tuple).
fn is_struct_ref(ty: &syn::Type) -> bool {
    let syn::Type::Reference(r) = ty else {
        return false;
    };
    if r.mutability.is_some() {
        return false;
    }
    let syn::Type::Path(p) = &*r.elem else {
        return false;
    };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    let known = [
        "f64", "f32", "Vec", "str", "String", "usize", "isize", "i32", "i64", "u32", "u64", "bool",
        "Option", "Box", "HashMap", "BTreeMap",
    ];
    p.qself.is_none() && !known.iter().any(|k| last.ident == k)
}

/// Finds the field paths of the roots and how each is read (and, with `rewrite`, replaces the
/// differentiated ones by their leaves).
struct Finder<'a> {
    roots: &'a [Root],
    paths: Vec<Path>,
    ctx: Ctx,
    /// Locals known to be integers: loop counters over ranges, `enumerate` indices, `.len()`s.
    int_names: HashSet<String>,
    /// How each `let NAME = m.path;` alias is read.
    alias_uses: HashMap<String, Vec<Use>>,
    errors: &'a crate::errors::Errors,
    rewrite: Option<&'a HashMap<String, (Leaf, Ident)>>,
}

/// A field path of a root, found in an expression.
struct Found {
    root: usize,
    members: Vec<syn::Member>,
    /// For `m.layers[l].w`: `l` and `w`.
    index: Option<(syn::Expr, Vec<syn::Member>)>,
}

/// `m.a.b` or `m.layers[l].w`, when `e` is such a path of a root.
fn field_path(e: &syn::Expr, roots: &[Root]) -> Option<Found> {
    let mut members = Vec::new();
    let mut index = None;
    let mut cur = e;
    loop {
        match cur {
            syn::Expr::Field(f) => {
                members.push(f.member.clone());
                cur = &f.base;
            }
            syn::Expr::Paren(p) if !members.is_empty() => cur = &p.expr,
            syn::Expr::Index(ix) if !members.is_empty() && index.is_none() => {
                members.reverse();
                index = Some(((*ix.index).clone(), std::mem::take(&mut members)));
                cur = &ix.expr;
            }
            syn::Expr::Path(p) if !members.is_empty() => {
                let id = p.path.get_ident()?;
                let root = roots.iter().position(|r| r.ident == *id)?;
                members.reverse();
                return Some(Found {
                    root,
                    members,
                    index,
                });
            }
            _ => return None,
        }
    }
}

fn root_name(e: &syn::Expr, roots: &[Root]) -> Option<usize> {
    match e {
        syn::Expr::Path(p) => {
            let id = p.path.get_ident()?;
            roots.iter().position(|r| r.ident == *id)
        }
        syn::Expr::Paren(p) => root_name(&p.expr, roots),
        _ => None,
    }
}

/// An integer literal (`2`, `3usize`): arithmetic next to it is on integers.
fn is_int_lit(e: &syn::Expr) -> bool {
    matches!(
        e,
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(_),
            ..
        })
    )
}

impl Finder<'_> {
    fn key_of(&self, f: &Found) -> String {
        key(
            &self.roots[f.root].ident,
            &f.members,
            f.index.as_ref().map(|(_, s)| s.as_slice()),
            "[_]",
        )
    }

    /// Records one read of a field path (or, rewriting, replaces it by its leaf).
    fn record(&mut self, e: &mut syn::Expr, how: Use, alias: Option<(&Ident, bool)>) -> bool {
        let Some(found) = field_path(e, self.roots) else {
            return false;
        };
        let key = self.key_of(&found);
        let mut index = found.index.as_ref().map(|(i, _)| i.clone());
        if let Some(i) = &mut index {
            self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(i));
        }
        if let Some(map) = self.rewrite {
            if let Some((_, leaf)) = map.get(&key) {
                let leaf = Ident::new(&leaf.to_string(), e.span());
                *e = match &index {
                    Some(i) => syn::parse_quote!(#leaf[#i]),
                    None => syn::parse_quote!(#leaf),
                };
            } else if let (Some(i), syn::Expr::Field(_)) = (index, &mut *e) {
                // Data read through an element: only the index is rewritten.
                replace_index(e, i);
            }
            return true;
        }
        let Found {
            root,
            members,
            index: suffix,
        } = found;
        let suffix = suffix.map(|(_, s)| s);
        let span = e.span();
        let at = match self
            .paths
            .iter()
            .position(|p| p.root == root && p.members == members && p.suffix == suffix)
        {
            Some(k) => k,
            None => {
                self.paths.push(Path {
                    root,
                    members,
                    suffix,
                    uses: Vec::new(),
                    span,
                    aliases: Vec::new(),
                });
                self.paths.len() - 1
            }
        };
        match alias {
            Some((a, by_ref)) => self.paths[at].aliases.push((a.clone(), by_ref)),
            None => self.paths[at].uses.push(how),
        }
        true
    }

    /// Records a call that takes the whole model `root` (or, rewriting, returns its flat leaf).
    fn record_model(&mut self, root: usize, span: Span) -> Option<Ident> {
        let key = self.roots[root].ident.to_string();
        if let Some(map) = self.rewrite {
            return map.get(&key).map(|(_, l)| l.clone());
        }
        match self
            .paths
            .iter()
            .position(|p| p.root == root && p.members.is_empty())
        {
            Some(k) => self.paths[k].uses.push(Use::Model),
            None => self.paths.push(Path {
                root,
                members: Vec::new(),
                suffix: None,
                uses: vec![Use::Model],
                span,
                aliases: Vec::new(),
            }),
        }
        None
    }

    fn with_ctx(&mut self, ctx: Ctx, f: impl FnOnce(&mut Self)) {
        let saved = self.ctx;
        self.ctx = ctx;
        f(self);
        self.ctx = saved;
    }

    fn is_int_expr(&self, e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Lit(_) => is_int_lit(e),
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.int_names.contains(&i.to_string())),
            syn::Expr::MethodCall(m) => m.method == "len",
            syn::Expr::Paren(p) => self.is_int_expr(&p.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => self.is_int_expr(&u.expr),
            syn::Expr::Binary(b) => self.is_int_expr(&b.left) || self.is_int_expr(&b.right),
            _ => false,
        }
    }

    /// Remembers the integer names a pattern binds from an integer source.
    fn note_int_pat(&mut self, pat: &syn::Pat) {
        if let syn::Pat::Ident(pi) = pat {
            self.int_names.insert(pi.ident.to_string());
        }
    }
}

impl Finder<'_> {
    fn forget_bindings(&mut self, pat: &syn::Pat) {
        struct Names<'n>(&'n mut HashSet<String>);
        impl<'ast> syn::visit::Visit<'ast> for Names<'_> {
            fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
                self.0.remove(&p.ident.to_string());
                syn::visit::visit_pat_ident(self, p);
            }
        }
        syn::visit::Visit::visit_pat(&mut Names(&mut self.int_names), pat);
    }
}

impl VisitMut for Finder<'_> {
    fn visit_pat_mut(&mut self, p: &mut syn::Pat) {
        // Closure parameters, match arms, `if let`s: names bound again.
        self.forget_bindings(p);
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        let ctx = self.ctx;
        // A field path read as a whole.
        if field_path(e, self.roots).is_some() {
            let how = match ctx {
                Ctx::Value => Use::Number,
                Ctx::Data | Ctx::Cond => Use::Data,
            };
            self.record(e, how, None);
            return;
        }
        match e {
            syn::Expr::Index(ix) => {
                // `m.w[i][j]`: rows; `m.w[i]`: a sequence.
                if let syn::Expr::Index(inner) = &mut *ix.expr {
                    // `m.w[a..b][j]` is a part of a sequence, not rows.
                    if field_path(&inner.expr, self.roots).is_some()
                        && !matches!(&*inner.index, syn::Expr::Range(_))
                    {
                        self.record(&mut inner.expr, Use::Rows, None);
                        self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut inner.index));
                        self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut ix.index));
                        return;
                    }
                }
                if !self.record(&mut ix.expr, Use::Seq, None) {
                    if let Some(id) = e_ident(&ix.expr) {
                        self.alias_uses.entry(id).or_default().push(Use::Seq);
                    } else {
                        self.visit_expr_mut(&mut ix.expr);
                    }
                }
                self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut ix.index));
            }
            syn::Expr::MethodCall(mc) => {
                let name = mc.method.to_string();
                // `m.w[i].len()`, `m.w[i].iter()`: rows.
                let mut done = false;
                if let syn::Expr::Index(inner) = &mut *mc.receiver {
                    if SEQ_METHODS.contains(&name.as_str())
                        && field_path(&inner.expr, self.roots).is_some()
                        && !matches!(&*inner.index, syn::Expr::Range(_))
                    {
                        self.record(&mut inner.expr, Use::Rows, None);
                        self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut inner.index));
                        done = true;
                    }
                }
                if !done {
                    let float_method = crate::rules::Prim::from_method(&name).is_some()
                        || crate::rules::NON_FLOAT_METHODS.contains(&name.as_str())
                        || name == "sin_cos";
                    if field_path(&mc.receiver, self.roots).is_some()
                        && !float_method
                        && !SEQ_METHODS.contains(&name.as_str())
                        && self.rewrite.is_none()
                    {
                        // `self.layer.forward(x)`: the field's own method, which only a call
                        // with the whole model can follow.
                        self.errors.push_spanned(
                            &*mc,
                            format!("`#[gradient]` does not follow `.{name}(..)` called on a field of a differentiated model yet: call a `#[gradient]` method of the model itself (`self.{name}(..)`) or a `#[gradient]` function given the whole model, or read the field's values in this body"),
                        );
                    }
                    if field_path(&mc.receiver, self.roots).is_some() {
                        // `m.w.clone()`: a copy of the leaf, which is a slice.
                        if self.rewrite.is_some() && (name == "clone" || name == "to_owned") {
                            mc.method = Ident::new("to_vec", mc.method.span());
                        }
                        let how = if name == "len" || name == "is_empty" {
                            Use::Shape
                        } else if SEQ_METHODS.contains(&name.as_str()) {
                            Use::Seq
                        } else if ctx != Ctx::Value {
                            Use::Data
                        } else {
                            Use::Number
                        };
                        self.record(&mut mc.receiver, how, None);
                    } else if let Some(r) = root_name(&mc.receiver, self.roots).filter(|&r| {
                        self.roots[r].receiver || simple_type(&self.roots[r].ty).is_some()
                    }) {
                        // `self.forward(x)` of a `#[gradient]` method: its `forward__model`
                        // takes the model's flat view too, and gives its gradient.
                        for a in &mut mc.args {
                            self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(a));
                        }
                        if let Some(leaf) = self.record_model(r, mc.span()) {
                            let method =
                                format_ident!("{}__model", mc.method, span = mc.method.span());
                            let args = &mc.args;
                            let recv = &mc.receiver;
                            *e = match simple_type(&self.roots[r].ty) {
                                Some(ty) if !self.roots[r].receiver => {
                                    syn::parse_quote_spanned!(mc.span()=> #ty::#method(#recv, #leaf, #args))
                                }
                                _ => {
                                    syn::parse_quote_spanned!(mc.span()=> Self::#method(#recv, #leaf, #args))
                                }
                            };
                        }
                        return;
                    } else if root_name(&mc.receiver, self.roots).is_some()
                        && self.rewrite.is_none()
                    {
                        let r = root_name(&mc.receiver, self.roots).unwrap_or(0);
                        self.errors.push_spanned(
                            &*mc,
                            format!("`#[gradient]` follows calls of `#[gradient]` methods on a differentiated `self`, not yet on a model passed as a parameter: pass `{0}` to a `#[gradient]` function instead (`{1}({0}, ..)`), or make the loss a method", self.roots[r].ident, mc.method),
                        );
                    } else if let (Some(id), true) =
                        (e_ident(&mc.receiver), SEQ_METHODS.contains(&name.as_str()))
                    {
                        let how = if name == "len" || name == "is_empty" {
                            Use::Shape
                        } else {
                            Use::Seq
                        };
                        self.alias_uses.entry(id).or_default().push(how);
                    } else {
                        self.visit_expr_mut(&mut mc.receiver);
                    }
                }
                let arg_ctx = if INT_ARG_METHODS.contains(&name.as_str()) {
                    Ctx::Data
                } else {
                    Ctx::Value
                };
                for a in &mut mc.args {
                    // A name passed on (`.zip(r)`) says nothing of what it is; the model
                    // itself is reported (as a path).
                    match e_ident(a) {
                        Some(id) if root_name(a, self.roots).is_none() => {
                            self.alias_uses.entry(id).or_default().push(Use::Arg);
                        }
                        _ => self.with_ctx(arg_ctx, |s| s.visit_expr_mut(a)),
                    }
                }
            }
            syn::Expr::Reference(r) => {
                // `&m.w[..]`: the sequence itself, as a slice.
                if let syn::Expr::Index(ix) = &*r.expr {
                    if matches!(
                        &*ix.index,
                        syn::Expr::Range(syn::ExprRange {
                            start: None,
                            end: None,
                            ..
                        })
                    ) && field_path(&ix.expr, self.roots).is_some_and(|f| f.index.is_none())
                    {
                        let whole = (*ix.expr).clone();
                        *r.expr = whole;
                    }
                }
                if field_path(&r.expr, self.roots).is_some() {
                    if let Some(map) = self.rewrite {
                        // `&m.w` is the leaf itself, a slice.
                        if let Some(found) = field_path(&r.expr, self.roots) {
                            if let (Some((l, leaf)), None) =
                                (map.get(&self.key_of(&found)), &found.index)
                            {
                                if *l != Leaf::Number {
                                    let leaf = Ident::new(&leaf.to_string(), r.expr.span());
                                    *e = syn::parse_quote!(#leaf);
                                    return;
                                }
                            }
                        }
                    }
                    self.record(&mut r.expr, Use::Seq, None);
                } else {
                    self.visit_expr_mut(&mut r.expr);
                }
            }
            syn::Expr::Range(r) => {
                if let Some(s) = &mut r.start {
                    self.with_ctx(Ctx::Data, |f| f.visit_expr_mut(s));
                }
                if let Some(s) = &mut r.end {
                    self.with_ctx(Ctx::Data, |f| f.visit_expr_mut(s));
                }
            }
            syn::Expr::Cast(c) => self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut c.expr)),
            syn::Expr::If(i) => {
                self.with_ctx(Ctx::Cond, |s| s.visit_expr_mut(&mut i.cond));
                self.with_ctx(Ctx::Value, |s| {
                    s.visit_block_mut(&mut i.then_branch);
                    if let Some((_, e)) = &mut i.else_branch {
                        s.visit_expr_mut(e);
                    }
                });
            }
            syn::Expr::While(w) => {
                self.with_ctx(Ctx::Cond, |s| s.visit_expr_mut(&mut w.cond));
                self.with_ctx(Ctx::Value, |s| s.visit_block_mut(&mut w.body));
            }
            syn::Expr::Match(m) => {
                self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut m.expr));
                self.with_ctx(Ctx::Value, |s| {
                    for arm in &mut m.arms {
                        if let Some((_, g)) = &mut arm.guard {
                            s.with_ctx(Ctx::Cond, |s| s.visit_expr_mut(g));
                        }
                        s.visit_expr_mut(&mut arm.body);
                    }
                });
            }
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
                self.with_ctx(Ctx::Cond, |s| s.visit_expr_mut(&mut u.expr));
            }
            syn::Expr::Paren(p) if ctx == Ctx::Cond => self.visit_expr_mut(&mut p.expr),
            syn::Expr::Binary(b) => {
                use syn::BinOp::*;
                let logic = matches!(b.op, And(_) | Or(_));
                let compare = matches!(b.op, Eq(_) | Ne(_) | Lt(_) | Le(_) | Gt(_) | Ge(_));
                let int = self.is_int_expr(&b.left) || self.is_int_expr(&b.right);
                // `a && m.flag`: flags; `x < m.t`: numbers, compared; `i + m.n`: integers.
                let inner = if logic {
                    Ctx::Cond
                } else if int {
                    Ctx::Data
                } else if compare || ctx == Ctx::Cond {
                    Ctx::Value
                } else {
                    ctx
                };
                self.with_ctx(inner, |s| {
                    s.visit_expr_mut(&mut b.left);
                    s.visit_expr_mut(&mut b.right);
                });
            }
            syn::Expr::ForLoop(f) => {
                self.forget_bindings(&f.pat);
                // `for i in 0..n`: `i` is an integer.
                if matches!(&*f.expr, syn::Expr::Range(_)) {
                    self.note_int_pat(&f.pat);
                }
                if let syn::Pat::Tuple(t) = &*f.pat {
                    if let (Some(first), syn::Expr::MethodCall(mc)) = (t.elems.first(), &*f.expr) {
                        if mc.method == "enumerate" {
                            self.note_int_pat(first);
                        }
                    }
                }
                if let Some(id) = e_ident(&f.expr) {
                    self.alias_uses.entry(id).or_default().push(Use::Seq);
                }
                self.with_ctx(Ctx::Value, |s| {
                    if e_ident(&f.expr).is_none() {
                        s.visit_expr_mut(&mut f.expr);
                    }
                    s.visit_block_mut(&mut f.body);
                });
            }
            syn::Expr::Call(c) => {
                self.visit_expr_mut(&mut c.func);
                // `forward(m, x)` or `Self::forward(self, x)` of a `#[gradient]` function that
                // takes the whole model: its `forward__model` takes the flat view too.
                let whole: Vec<(usize, usize)> = c
                    .args
                    .iter()
                    .enumerate()
                    .filter_map(|(j, a)| {
                        let a = match a {
                            syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
                            a => a,
                        };
                        root_name(a, self.roots).map(|r| (j, r))
                    })
                    .collect();
                let span = c.span();
                if let ([(at, r)], syn::Expr::Path(fp)) = (whole.as_slice(), &mut *c.func) {
                    let (at, r) = (*at, *r);
                    for (j, a) in c.args.iter_mut().enumerate() {
                        if j != at {
                            self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(a));
                        }
                    }
                    if let Some(leaf) = self.record_model(r, span) {
                        if let Some(last) = fp.path.segments.last_mut() {
                            last.ident =
                                format_ident!("{}__model", last.ident, span = last.ident.span());
                        }
                        let leaf: syn::Expr = syn::parse_quote!(#leaf);
                        c.args.insert(at + 1, leaf);
                    }
                    return;
                }
                // `f64::from(m.n)`: a conversion of data.
                let last = match &*c.func {
                    syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                    _ => None,
                };
                let conversion = last.as_deref() == Some("from");
                // `f64::powi(x, m.k)`: after the receiver, the method's own arguments.
                let int_args = last
                    .as_deref()
                    .is_some_and(|m| INT_ARG_METHODS.contains(&m));
                for (j, a) in c.args.iter_mut().enumerate() {
                    if conversion || (int_args && j > 0) {
                        self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(a));
                        continue;
                    }
                    if let (Some(id), None) = (e_ident(a), root_name(a, self.roots)) {
                        self.alias_uses.entry(id).or_default().push(Use::Arg);
                        continue;
                    }
                    if root_name(a, self.roots).is_some() && self.rewrite.is_none() {
                        let r = root_name(a, self.roots).unwrap_or(0);
                        self.errors.push_spanned(
                            &*a,
                            format!("`#[gradient]` does not pass the differentiated `{0}` as a whole to a function yet: pass the fields it reads (`&{0}.w`, `{0}.b`) to a `#[gradient]` function", self.roots[r].ident),
                        );
                        continue;
                    }
                    self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(a));
                }
            }
            syn::Expr::Macro(m) => self.visit_macro_mut(&mut m.mac),
            syn::Expr::Repeat(r) => {
                self.visit_expr_mut(&mut r.expr);
                self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut r.len));
            }
            syn::Expr::Path(_) => {
                if root_name(e, self.roots).is_some() && self.rewrite.is_none() {
                    let r = root_name(e, self.roots).unwrap_or(0);
                    self.errors.push_spanned(
                        &*e,
                        format!("`#[gradient]` reads the differentiated `{0}` through its fields (`{0}.b`, `{0}.w[j]`, `&{0}.w`); this read of `{0}` as a whole is not supported yet", self.roots[r].ident),
                    );
                } else if let (Ctx::Data, Some(id)) = (ctx, e_ident(e)) {
                    self.alias_uses.entry(id).or_default().push(Use::Data);
                } else if let Some(id) = e_ident(e) {
                    self.alias_uses.entry(id).or_default().push(Use::Number);
                }
            }
            _ => self.with_ctx(Ctx::Value, |s| syn::visit_mut::visit_expr_mut(s, e)),
        }
    }

    fn visit_local_mut(&mut self, l: &mut syn::Local) {
        // A name bound again is no longer the integer it may have been.
        self.forget_bindings(&l.pat);
        let Some(init) = &mut l.init else {
            return;
        };
        let (pat, ty) = match &l.pat {
            syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
            p => (p, None),
        };
        let name = match pat {
            syn::Pat::Ident(pi) => Some(pi.ident.clone()),
            _ => None,
        };
        if let Some(ty) = ty {
            // `let n: usize = ..`: data; `let b: f64 = ..`: a number.
            let data = crate::sig::float_of(ty).is_none() && !crate::sig::holds_float(ty);
            if data {
                if let Some(n) = &name {
                    self.int_names.insert(n.to_string());
                }
            }
            let ctx = if data { Ctx::Data } else { Ctx::Value };
            self.with_ctx(ctx, |s| s.visit_expr_mut(&mut init.expr));
        } else if let (Some(n), syn::Expr::Reference(r)) = (&name, &mut *init.expr) {
            if r.mutability.is_none() && field_path(&r.expr, self.roots).is_some() {
                // `let r = &m.x;`: how `r` is read decides; a sequence's leaf is a slice already.
                if let Some(map) = self.rewrite {
                    let seq = field_path(&r.expr, self.roots)
                        .and_then(|f| map.get(&self.key_of(&f)).filter(|_| f.index.is_none()))
                        .is_some_and(|(l, _)| *l != Leaf::Number);
                    self.record(&mut r.expr, Use::Number, None);
                    if seq {
                        let inner = (*r.expr).clone();
                        *init.expr = inner;
                    }
                } else {
                    self.record(&mut r.expr, Use::Number, Some((n, true)));
                }
            } else {
                self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(&mut init.expr));
            }
        } else if let (Some(n), true) = (&name, field_path(&init.expr, self.roots).is_some()) {
            // `let n = m.n;`: how `n` is read decides.
            if self.rewrite.is_some() {
                self.record(&mut init.expr, Use::Number, None);
            } else {
                self.record(&mut init.expr, Use::Number, Some((n, false)));
            }
        } else {
            let int = self.is_int_expr(&init.expr);
            self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(&mut init.expr));
            if let (Some(n), true) = (&name, int) {
                self.int_names.insert(n.to_string());
            }
        }
        if let Some((_, e)) = &mut init.diverge {
            self.visit_expr_mut(e);
        }
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        // `vec![m.b; n]` and `vec![m.a, m.b]`: read as the expressions they are.
        if m.path.is_ident("vec") {
            let tokens = &m.tokens;
            if let Ok(mut e) = syn::parse2::<syn::Expr>(quote!([#tokens])) {
                self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(&mut e));
                match &e {
                    syn::Expr::Array(a) => m.tokens = a.elems.to_token_stream(),
                    syn::Expr::Repeat(r) => {
                        let (x, n) = (&r.expr, &r.len);
                        m.tokens = quote!(#x; #n);
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Puts `i` in place of the index of `m.layers[l].n`.
fn replace_index(e: &mut syn::Expr, i: syn::Expr) {
    match e {
        syn::Expr::Field(f) => replace_index(&mut f.base, i),
        syn::Expr::Paren(p) => replace_index(&mut p.expr, i),
        syn::Expr::Index(ix) => *ix.index = i,
        _ => {}
    }
}

/// The model's type as a path without generic arguments (`Mlp`, `nets::Mlp`), to name its
/// methods by.
fn simple_type(ty: &TokenStream) -> Option<syn::Path> {
    let syn::Type::Path(p) = syn::parse2::<syn::Type>(ty.clone()).ok()? else {
        return None;
    };
    (p.qself.is_none() && p.path.segments.iter().all(|s| s.arguments.is_none())).then_some(p.path)
}

fn e_ident(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
        _ => None,
    }
}

/// A parameter of the inner gradient function: its name and type.
fn typed_inputs(f: &syn::ItemFn) -> Vec<(Ident, Option<syn::Type>)> {
    f.sig
        .inputs
        .iter()
        .map(|i| match i {
            syn::FnArg::Receiver(r) => (Ident::new("self", r.self_token.span), None),
            syn::FnArg::Typed(pt) => match &*pt.pat {
                syn::Pat::Ident(pi) => (pi.ident.clone(), Some((*pt.ty).clone())),
                _ => (format_ident!("_"), Some((*pt.ty).clone())),
            },
        })
        .collect()
}

/// `f64`, `f32`, `&f64`, `&f32`: a scalar with a slot in the returned array.
fn scalar_param(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) if r.mutability.is_none() => {
            crate::sig::float_of(&r.elem).is_some()
        }
        t => crate::sig::float_of(t).is_some(),
    }
}

/// `NAME_grad` around the inner gradient, with the original function, its table and the inner
/// items.
#[allow(clippy::too_many_arguments)]
fn wrapper(
    item: &syn::ItemFn,
    args: &Args,
    roots: &[Root],
    paths: &[Path],
    leaves: &[(usize, Leaf, Ident)],
    float: FloatTy,
    inner_name: Ident,
    inner_expanded: Option<TokenStream>,
    errors: crate::errors::Errors,
) -> TokenStream {
    let t = Ident::new(float.name(), Span::call_site());
    let zero = crate::emit::float_literal(0.0, float);
    let fname = format!("{}_grad", item.sig.ident);
    let named = |id: &Ident| args.wrt.as_ref().is_some_and(|w| w.iter().any(|n| n == id));
    let root_of = |id: &Ident| roots.iter().position(|r| r.ident == *id);
    let inner_grad_name = format_ident!("{}_grad", inner_name);
    // The inner gradient's signature: its parameters, then its buffers.
    // No inner gradient when its derivation reported errors: they are the ones to read.
    let inner_grad: Option<syn::ItemFn> = inner_expanded.as_ref().and_then(|ts| {
        let items = syn::parse2::<syn::File>(ts.clone()).ok()?.items;
        if items.iter().any(|i| matches!(i, syn::Item::Macro(_))) {
            return None;
        }
        items.into_iter().find_map(|i| match i {
            syn::Item::Fn(f) if f.sig.ident == inner_grad_name => Some(f),
            _ => None,
        })
    });
    let original_inputs = typed_inputs(item);
    let inner_inputs = inner_grad.as_ref().map(typed_inputs).unwrap_or_default();
    let n_params = item.sig.inputs.len() + leaves.len();
    let inner_bufs: Vec<(Ident, Option<syn::Type>)> =
        inner_inputs.iter().skip(n_params).cloned().collect();
    let leaf_of = |id: &Ident| leaves.iter().find(|(_, _, l)| l == id);
    let leaf_of_buf = |d: &Ident| leaves.iter().find(|(_, _, l)| *d == format!("d_{l}"));

    let mut sig_params = Vec::new();
    let mut bufs = Vec::new();
    let mut flags = Vec::new();
    let mut k_outer = 0usize;
    for (id, ty) in &original_inputs {
        match ty {
            None => sig_params.push(quote!(&self)),
            Some(ty) => sig_params.push(quote!(#id: #ty)),
        }
        let d = format_ident!("d_{}", id);
        if root_of(id).is_some() {
            flags.push(0u8);
            match ty {
                None => bufs.push(quote!(#d: &mut Self)),
                Some(syn::Type::Reference(r)) => {
                    let elem = &r.elem;
                    bufs.push(quote!(#d: &mut #elem));
                }
                Some(_) => {}
            }
            continue;
        }
        if let Some((_, Some(bt))) = inner_bufs.iter().find(|(b, _)| *b == d) {
            flags.push(2);
            bufs.push(quote!(#d: #bt));
        } else if named(id) && ty.as_ref().is_some_and(scalar_param) {
            flags.push(1);
            k_outer += 1;
        } else {
            flags.push(0);
        }
    }
    let value_only = k_outer == 0;
    let ret = if value_only {
        quote!(#t)
    } else {
        quote!((#t, [#t; #k_outer]))
    };

    let body = match &inner_grad {
        // Nothing the loss reads is differentiated: the value, and a zero gradient.
        None if inner_expanded.is_none() && errors.is_empty() => {
            let name = &item.sig.ident;
            let fills = roots.iter().map(|r| {
                let (ty, d) = (&r.ty, format_ident!("d_{}", r.ident));
                quote!(<#ty as ::grad::runtime::Params>::fill_params(#d, 0.0);)
            });
            let args = original_inputs
                .iter()
                .filter(|(_, t)| t.is_some())
                .map(|(id, _)| id);
            let call = if roots.iter().any(|r| r.receiver) {
                quote!(self.#name(#(#args),*))
            } else {
                quote!(#name(#(#args),*))
            };
            quote!(#(#fills)* #call)
        }
        None => quote!(::core::unreachable!(
            "`#[gradient]` reported a compile error for this function"
        )),
        Some(inner) => {
            let mut prelude = Vec::new();
            let mut after = Vec::new();
            let mut call_args = Vec::new();
            let mut leaf_bufs: HashMap<String, TokenStream> = HashMap::new();
            let mut finally = Vec::new();
            // The inner function's active scalars, in order: leaves or the caller's own slots.
            let mut slots: Vec<Option<TokenStream>> = Vec::new();
            let receiver = roots.iter().any(|r| r.receiver);
            // Fields the loss never reads are zero; the model's type must be `Params` (said once,
            // at the type).
            for r in roots {
                let (ty, d) = (&r.ty, format_ident!("d_{}", r.ident));
                let span = ty
                    .clone()
                    .into_iter()
                    .next()
                    .map_or(Span::call_site(), |t| t.span());
                let d = Ident::new(&d.to_string(), span);
                prelude.push(
                    quote_spanned!(span=> <#ty as ::grad::runtime::Params>::fill_params(#d, 0.0);),
                );
            }
            for (id, ty) in inner_inputs.iter().take(n_params) {
                if ty.is_none() {
                    continue;
                }
                if let Some((k, leaf, _)) = leaf_of(id) {
                    let p = &paths[*k];
                    let root = &roots[p.root].ident;
                    let d = format_ident!("d_{}", root);
                    let members = &p.members;
                    let dotted = p.dotted(roots);
                    let span = p.span;
                    let suffix = p.suffix.clone().unwrap_or_default();
                    // A copy in and out, for leaves that are not a field's own storage.
                    let (copy, dcopy) = (
                        crate::naming::hidden(&format!("copy_{id}")),
                        crate::naming::hidden(&format!("dcopy_{id}")),
                    );
                    let shape_msg = format!("{fname}: the gradient `d_{dotted}` does not have the shape of `{dotted}`; make the gradient with `Params::zeros_like`");
                    match (leaf, p.suffix.is_some()) {
                        (Leaf::Number, _) => {
                            call_args.push(quote_spanned!(span=> #root #(.#members)*));
                            slots.push(Some(quote!(#d #(.#members)*)));
                        }
                        (Leaf::Seq, false) => {
                            let msg = format!("{fname}: the gradient `d_{dotted}` has length {{}} but `{dotted}` has length {{}}; make the gradient with `Params::zeros_like`");
                            prelude.push(quote!(::core::assert!(#d #(.#members)*.len() == #root #(.#members)*.len(), #msg, #d #(.#members)*.len(), #root #(.#members)*.len());));
                            call_args.push(quote_spanned!(span=> &#root #(.#members)*[..]));
                            leaf_bufs.insert(id.to_string(), quote!(&mut #d #(.#members)*[..]));
                        }
                        (Leaf::Seq, true) => {
                            // One number per element: gathered, and scattered back.
                            prelude.push(quote! {
                                ::core::assert!(#d #(.#members)*.len() == #root #(.#members)*.len(), #shape_msg);
                                let #copy: ::std::vec::Vec<#t> =
                                    #root #(.#members)*.iter().map(|e| e #(.#suffix)*).collect();
                                let mut #dcopy: ::std::vec::Vec<#t> = ::std::vec![#zero; #copy.len()];
                            });
                            after.push(quote! {
                                for (e, v) in #d #(.#members)*.iter_mut().zip(&#dcopy) {
                                    e #(.#suffix)* = *v;
                                }
                            });
                            call_args.push(quote!(&#copy));
                            leaf_bufs.insert(id.to_string(), quote!(&mut #dcopy));
                        }
                        (Leaf::Flat, _) => {
                            // The whole model, for the calls that take it: its flat view in, and
                            // the calls' gradient added to what the fields read here get.
                            prelude.push(quote! {
                                let #copy: ::std::vec::Vec<#t> = ::grad::runtime::Params::to_flat(#root);
                                let mut #dcopy: ::std::vec::Vec<#t> = ::std::vec![#zero; #copy.len()];
                            });
                            finally.push(quote! {
                                let mut #copy = ::grad::runtime::Params::to_flat(#d);
                                for (a, b) in #copy.iter_mut().zip(&#dcopy) {
                                    *a += *b;
                                }
                                ::grad::runtime::Params::read_flat(#d, &#copy);
                            });
                            call_args.push(quote!(&#copy));
                            leaf_bufs.insert(id.to_string(), quote!(&mut #dcopy));
                        }
                        (Leaf::Rows, _) => {
                            // Rows, or one sequence per element: copied as rows.
                            prelude.push(quote! {
                                ::core::assert!(
                                    #d #(.#members)*.len() == #root #(.#members)*.len()
                                        && #d #(.#members)*.iter().zip(#root #(.#members)*.iter())
                                            .all(|(a, b)| a #(.#suffix)*.len() == b #(.#suffix)*.len()),
                                    #shape_msg
                                );
                                let #copy: ::std::vec::Vec<::std::vec::Vec<#t>> = #root #(.#members)*
                                    .iter()
                                    .map(|e| e #(.#suffix)*.iter().copied().collect())
                                    .collect();
                                let mut #dcopy: ::std::vec::Vec<::std::vec::Vec<#t>> =
                                    #copy.iter().map(|r| ::std::vec![#zero; r.len()]).collect();
                            });
                            after.push(quote! {
                                for (e, v) in #d #(.#members)*.iter_mut().zip(&#dcopy) {
                                    e #(.#suffix)*.copy_from_slice(v);
                                }
                            });
                            call_args.push(quote!(&#copy));
                            leaf_bufs.insert(id.to_string(), quote!(&mut #dcopy));
                        }
                    }
                } else {
                    call_args.push(quote!(#id));
                    if named(id) && ty.as_ref().is_some_and(scalar_param) {
                        slots.push(None);
                    }
                }
            }
            let mut call_bufs = Vec::new();
            for (d, _) in &inner_bufs {
                match leaf_of_buf(d).and_then(|(_, _, l)| leaf_bufs.get(&l.to_string())) {
                    Some(buf) => call_bufs.push(buf.clone()),
                    None => call_bufs.push(quote!(#d)),
                }
            }
            let inner_returns_value_only = matches!(&inner.sig.output, syn::ReturnType::Type(_, ty) if crate::sig::float_of(ty).is_some());
            let result = crate::naming::hidden("inner");
            let (value, grads) = if inner_returns_value_only {
                (quote!(#result), None)
            } else {
                (quote!(#result.0), Some(quote!(#result.1)))
            };
            let mut outer_slots = Vec::new();
            for (k, slot) in slots.iter().enumerate() {
                let g = grads.clone().unwrap_or_default();
                match slot {
                    Some(place) => after.push(quote!(#place = #g[#k];)),
                    None => outer_slots.push(quote!(#g[#k])),
                }
            }
            let call = if receiver {
                quote!(self.#inner_grad_name(#(#call_args,)* #(#call_bufs),*))
            } else {
                quote!(#inner_grad_name(#(#call_args,)* #(#call_bufs),*))
            };
            let ret_expr = if value_only {
                quote!(#value)
            } else {
                quote!((#value, [#(#outer_slots),*]))
            };
            quote! {
                #(#prelude)*
                let #result = #call;
                #(#after)*
                #(#finally)*
                #ret_expr
            }
        }
    };
    let errors = errors.combined().map(|e| e.to_compile_error());
    let original = crate::expand::original_item(item);
    let inherited = crate::expand::inherited_attributes(item);
    let vis = &item.vis;
    let name = format_ident!("{}_grad", item.sig.ident);
    let table_name = format_ident!("{}_grad_wrt", item.sig.ident);
    let n = flags.len();
    let wrt: Vec<String> = roots.iter().map(|r| format!("`{}`", r.ident)).collect();
    let doc = format!(
        " Value and gradient of [`{}`] with respect to {}, generated by `#[gradient]`.",
        item.sig.ident,
        wrt.join(", ")
    );
    let must_use = (!value_only).then(|| quote!(#[must_use]));
    quote! {
        #original
        #inner_expanded
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #table_name: [u8; #n] = [#(#flags),*];
        #errors
        #(#inherited)*
        #[doc = #doc]
        #must_use
        #[allow(unused_variables, clippy::too_many_arguments, clippy::needless_borrow)]
        #vis fn #name (#(#sig_params,)* #(#bufs),*) -> #ret {
            #body
        }
    }
}

/// Input: `for layer in &m.layers { .. layer.w[j] .. }` (or `m.layers.iter()`, or
/// `for (l, layer) in m.layers.iter().enumerate()`), and `let layer = &m.layers[l];`.
/// Output: `for l in 0..m.layers.len() { .. m.layers[l].w[j] .. }`: every read through the
/// element names the path and the index, so the element's fields are found like the model's own.
struct Elements<'a> {
    roots: &'a [Root],
}

/// The loop's index name (if the user named one), the element name and the sequence.
fn element_loop(f: &syn::ExprForLoop, roots: &[Root]) -> Option<(Option<Ident>, Ident, syn::Expr)> {
    let (index, name, iter) = match &*f.pat {
        syn::Pat::Ident(pi) => (None, pi.ident.clone(), &*f.expr),
        syn::Pat::Tuple(t) if t.elems.len() == 2 => {
            let (syn::Pat::Ident(i), syn::Pat::Ident(n)) = (&t.elems[0], &t.elems[1]) else {
                return None;
            };
            let syn::Expr::MethodCall(mc) = &*f.expr else {
                return None;
            };
            if mc.method != "enumerate" || !mc.args.is_empty() {
                return None;
            }
            (Some(i.ident.clone()), n.ident.clone(), &*mc.receiver)
        }
        _ => return None,
    };
    let seq = match iter {
        syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
        syn::Expr::MethodCall(mc) if mc.method == "iter" && mc.args.is_empty() => &*mc.receiver,
        _ => return None,
    };
    let found = field_path(seq, roots)?;
    found.index.is_none().then(|| (index, name, seq.clone()))
}

/// `redeclares` also counts a name read inside a macro (`vec![0.0; layer.n]`), which is no
/// declaration: that alone is fine here.
fn only_in_macros(s: &syn::Stmt, name: &Ident) -> bool {
    struct Pats<'a>(&'a Ident, bool);
    impl<'ast> syn::visit::Visit<'ast> for Pats<'_> {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.1 |= p.ident == *self.0;
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut p = Pats(name, false);
    syn::visit::Visit::visit_stmt(&mut p, s);
    !p.1
}

/// Whether `name` is assigned (`name = ..`, `name += ..`) in `stmts`.
fn assigned(stmts: &[syn::Stmt], name: &Ident) -> bool {
    struct Find<'a>(&'a Ident, bool);
    impl<'ast> syn::visit::Visit<'ast> for Find<'_> {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            let target = match e {
                syn::Expr::Assign(a) => Some(&*a.left),
                syn::Expr::Binary(b)
                    if matches!(
                        b.op,
                        syn::BinOp::AddAssign(_)
                            | syn::BinOp::SubAssign(_)
                            | syn::BinOp::MulAssign(_)
                            | syn::BinOp::DivAssign(_)
                            | syn::BinOp::RemAssign(_)
                    ) =>
                {
                    Some(&*b.left)
                }
                _ => None,
            };
            if matches!(target, Some(syn::Expr::Path(p)) if p.path.is_ident(self.0)) {
                self.1 = true;
            }
            syn::visit::visit_expr(self, e);
        }
    }
    let mut f = Find(name, false);
    for s in stmts {
        syn::visit::Visit::visit_stmt(&mut f, s);
    }
    f.1
}

/// Whether `name.field` is read in `tokens`' syntax tree.
struct FieldOf<'a> {
    name: &'a Ident,
    found: bool,
}

impl<'ast> syn::visit::Visit<'ast> for FieldOf<'_> {
    fn visit_expr_field(&mut self, f: &'ast syn::ExprField) {
        if matches!(&*f.base, syn::Expr::Path(p) if p.path.is_ident(self.name)) {
            self.found = true;
        }
        syn::visit::visit_expr_field(self, f);
    }
}

/// `name.a.b` → `seq[index].a.b` everywhere below.
struct Substitute<'a> {
    name: &'a Ident,
    element: syn::Expr,
}

impl VisitMut for Substitute<'_> {
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        // `vec![0.0; layer.n]`, `assert!(layer.w.len() > 0)`: `name .` in the tokens.
        fn tokens(ts: TokenStream, name: &Ident, element: &TokenStream) -> TokenStream {
            let tts: Vec<proc_macro2::TokenTree> = ts.into_iter().collect();
            let mut out = TokenStream::new();
            for (k, tt) in tts.iter().enumerate() {
                match tt {
                    proc_macro2::TokenTree::Ident(i)
                        if i == name
                            && matches!(tts.get(k + 1), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '.')
                            && !matches!(k.checked_sub(1).and_then(|j| tts.get(j)), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '.') =>
                    {
                        out.extend(element.clone());
                    }
                    proc_macro2::TokenTree::Group(g) => {
                        let mut ng = proc_macro2::Group::new(
                            g.delimiter(),
                            tokens(g.stream(), name, element),
                        );
                        ng.set_span(g.span());
                        out.extend([proc_macro2::TokenTree::Group(ng)]);
                    }
                    other => out.extend([other.clone()]),
                }
            }
            out
        }
        let element = self.element.to_token_stream();
        m.tokens = tokens(std::mem::take(&mut m.tokens), self.name, &element);
    }

    fn visit_expr_field_mut(&mut self, f: &mut syn::ExprField) {
        if matches!(&*f.base, syn::Expr::Path(p) if p.path.is_ident(self.name)) {
            *f.base = self.element.clone();
            return;
        }
        syn::visit_mut::visit_expr_field_mut(self, f);
    }
}

impl VisitMut for Elements<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::ForLoop(f) = e {
            if let Some((index, name, seq)) = element_loop(f, self.roots) {
                let mut uses = FieldOf {
                    name: &name,
                    found: false,
                };
                syn::visit::Visit::visit_block(&mut uses, &f.body);
                if uses.found {
                    let index = index.unwrap_or_else(|| crate::naming::fresh("elem"));
                    let stmts = &f.body.stmts;
                    let (attrs, label) = (&f.attrs, &f.label);
                    *e = syn::parse_quote! {
                        #(#attrs)* #label for #index in 0..#seq.len() {
                            let #name = &#seq[#index];
                            #(#stmts)*
                        }
                    };
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, b);
        let mut i = 0;
        while i < b.stmts.len() {
            let alias = match &b.stmts[i] {
                syn::Stmt::Local(syn::Local {
                    pat,
                    init:
                        Some(syn::LocalInit {
                            expr,
                            diverge: None,
                            ..
                        }),
                    ..
                }) => match (pat, &**expr) {
                    (syn::Pat::Ident(pi), syn::Expr::Reference(r))
                        if pi.by_ref.is_none() && pi.subpat.is_none() =>
                    {
                        match &*r.expr {
                            syn::Expr::Index(ix)
                                if field_path(&ix.expr, self.roots)
                                    .is_some_and(|f| f.index.is_none())
                                    && matches!(
                                        &*ix.index,
                                        syn::Expr::Path(_) | syn::Expr::Lit(_)
                                    ) =>
                            {
                                Some((pi.ident.clone(), (*r.expr).clone()))
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                },
                _ => None,
            };
            // The element stays bound to what it was bound to: the index must not change after.
            let alias = alias.filter(|(_, element)| {
                let syn::Expr::Index(ix) = element else {
                    return false;
                };
                match &*ix.index {
                    syn::Expr::Path(p) => p
                        .path
                        .get_ident()
                        .is_some_and(|id| !assigned(&b.stmts[i + 1..], id)),
                    _ => true,
                }
            });
            // ... and the name must keep naming the element.
            let alias = alias.filter(|(name, _)| {
                !b.stmts[i + 1..]
                    .iter()
                    .any(|s| crate::desugar::redeclares(s, &[name]) && !only_in_macros(s, name))
            });
            if let Some((name, element)) = alias {
                let mut sub = Substitute {
                    name: &name,
                    element,
                };
                for s in &mut b.stmts[i + 1..] {
                    sub.visit_stmt_mut(s);
                }
                let rest: TokenStream = b.stmts[i + 1..]
                    .iter()
                    .map(ToTokens::to_token_stream)
                    .collect();
                if !crate::desugar::mentions(&rest, &name) {
                    b.stmts.remove(i);
                    continue;
                }
            }
            i += 1;
        }
    }
}
