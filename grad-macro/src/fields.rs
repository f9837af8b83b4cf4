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
}

/// Where the expression being visited stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Value,
    /// A position that takes an integer or a flag.
    Data,
}

/// A differentiated struct parameter (or `self`).
struct Root {
    ident: Ident,
    receiver: bool,
}

/// One field path of a root, and how the body reads it.
struct Path {
    root: usize,
    members: Vec<syn::Member>,
    uses: Vec<Use>,
    span: Span,
    /// `let NAME = m.path;`: names whose own reads decide.
    aliases: Vec<Ident>,
}

impl Path {
    fn dotted(&self, roots: &[Root]) -> String {
        let mut s = roots[self.root].ident.to_string();
        for m in &self.members {
            s.push('.');
            s.push_str(&member_name(m));
        }
        s
    }
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
                    roots.push(Root {
                        ident: id,
                        receiver: true,
                    });
                }
            }
            syn::FnArg::Typed(pt) => {
                if let (syn::Pat::Ident(pi), true) = (&*pt.pat, is_struct_ref(&pt.ty)) {
                    if named(&pi.ident) {
                        roots.push(Root {
                            ident: pi.ident.clone(),
                            receiver: false,
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
        for a in &p.aliases {
            if let Some(u) = alias_uses.get(&a.to_string()) {
                uses.extend(u);
            }
        }
        let has = |u: Use| uses.contains(&u);
        let dotted = p.dotted(&roots);
        let leaf = if has(Use::Rows) {
            Leaf::Rows
        } else if has(Use::Seq) {
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
        if leaf == Leaf::Rows && roots[p.root].receiver {
            errors.push(
                p.span,
                format!("`#[gradient]` differentiates rows fields (`{dotted}[i][j]`) of a model passed as a parameter, not yet of `self`: store the rows flat (`Vec<f64>` read at `i * n + j`), or make the loss a free function `fn loss(m: &Model, ..)` with `wrt(m)`"),
            );
            continue;
        }
        let mut name = format!("{}", roots[p.root].ident);
        for m in &p.members {
            name.push('_');
            name.push_str(&member_name(m));
        }
        leaves.push((k, leaf, crate::naming::hidden(&format!("field_{name}"))));
    }
    if leaves.is_empty() && errors.is_empty() {
        for r in &roots {
            errors.push(
                r.ident.span(),
                format!("`#[gradient]` differentiates `{}`, but the body reads none of its fields as a number of the loss", r.ident),
            );
        }
    }
    // The reads of differentiated fields become reads of the leaves.
    let by_path: HashMap<String, (Leaf, Ident)> = leaves
        .iter()
        .map(|(k, l, id)| (paths[*k].dotted(&roots), (*l, id.clone())))
        .collect();
    let mut body = (*item.block).clone();
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
    let inner = syn::ItemFn {
        attrs: item
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("allow") || a.path().is_ident("cfg"))
            .cloned()
            .collect(),
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
    Some(wrapper(
        item,
        &args,
        &roots,
        &paths,
        &leaves,
        float,
        inner_name,
        inner_expanded,
        errors,
    ))
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

/// `m.a.b` as (root, members), when `e` is a pure field path of a root.
fn field_path<'e>(e: &'e syn::Expr, roots: &[Root]) -> Option<(usize, Vec<&'e syn::Member>)> {
    let mut members = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            syn::Expr::Field(f) => {
                members.push(&f.member);
                cur = &f.base;
            }
            syn::Expr::Paren(p) if !members.is_empty() => cur = &p.expr,
            syn::Expr::Path(p) if !members.is_empty() => {
                let id = p.path.get_ident()?;
                let r = roots.iter().position(|r| r.ident == *id)?;
                members.reverse();
                return Some((r, members));
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
    fn key(&self, root: usize, members: &[&syn::Member]) -> String {
        let mut s = self.roots[root].ident.to_string();
        for m in members {
            s.push('.');
            s.push_str(&member_name(m));
        }
        s
    }

    /// Records one read of a field path (or, rewriting, replaces it by its leaf).
    fn record(&mut self, e: &mut syn::Expr, how: Use, alias: Option<&Ident>) -> bool {
        let Some((root, members)) = field_path(e, self.roots) else {
            return false;
        };
        let key = self.key(root, &members);
        if let Some(map) = self.rewrite {
            if let Some((_, leaf)) = map.get(&key) {
                let leaf = Ident::new(&leaf.to_string(), e.span());
                *e = syn::parse_quote!(#leaf);
            }
            return true;
        }
        let members: Vec<syn::Member> = members.into_iter().cloned().collect();
        let span = e.span();
        let at = match self
            .paths
            .iter()
            .position(|p| p.root == root && p.members == members)
        {
            Some(k) => k,
            None => {
                self.paths.push(Path {
                    root,
                    members,
                    uses: Vec::new(),
                    span,
                    aliases: Vec::new(),
                });
                self.paths.len() - 1
            }
        };
        match alias {
            Some(a) => self.paths[at].aliases.push(a.clone()),
            None => self.paths[at].uses.push(how),
        }
        true
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

impl VisitMut for Finder<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        let ctx = self.ctx;
        // A field path read as a whole.
        if field_path(e, self.roots).is_some() {
            let how = match ctx {
                Ctx::Value => Use::Number,
                Ctx::Data => Use::Data,
            };
            self.record(e, how, None);
            return;
        }
        match e {
            syn::Expr::Index(ix) => {
                // `m.w[i][j]`: rows; `m.w[i]`: a sequence.
                if let syn::Expr::Index(inner) = &mut *ix.expr {
                    if field_path(&inner.expr, self.roots).is_some() {
                        self.record(&mut inner.expr, Use::Rows, None);
                        self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut inner.index));
                        self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut ix.index));
                        return;
                    }
                }
                if !self.record(&mut ix.expr, Use::Seq, None) {
                    self.visit_expr_mut(&mut ix.expr);
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
                    {
                        self.record(&mut inner.expr, Use::Rows, None);
                        self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut inner.index));
                        done = true;
                    }
                }
                if !done {
                    if field_path(&mc.receiver, self.roots).is_some() {
                        let how = if SEQ_METHODS.contains(&name.as_str()) {
                            Use::Seq
                        } else if ctx == Ctx::Data {
                            Use::Data
                        } else {
                            Use::Number
                        };
                        self.record(&mut mc.receiver, how, None);
                    } else if root_name(&mc.receiver, self.roots).is_some()
                        && self.rewrite.is_none()
                    {
                        let r = root_name(&mc.receiver, self.roots).unwrap_or(0);
                        self.errors.push_spanned(
                            &*mc,
                            format!("`#[gradient]` does not follow a call of a method on the differentiated `{}` yet: read its fields in this body, or pass them to a `#[gradient]` function (`dense(&{}.w, ..)`)", self.roots[r].ident, self.roots[r].ident),
                        );
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
                    self.with_ctx(arg_ctx, |s| s.visit_expr_mut(a));
                }
            }
            syn::Expr::Reference(r) => {
                if field_path(&r.expr, self.roots).is_some() {
                    if let Some(map) = self.rewrite {
                        // `&m.w` is the leaf itself, a slice.
                        if let Some((root, members)) = field_path(&r.expr, self.roots) {
                            if let Some((l, leaf)) = map.get(&self.key(root, &members)) {
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
                self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut i.cond));
                self.with_ctx(Ctx::Value, |s| {
                    s.visit_block_mut(&mut i.then_branch);
                    if let Some((_, e)) = &mut i.else_branch {
                        s.visit_expr_mut(e);
                    }
                });
            }
            syn::Expr::While(w) => {
                self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut w.cond));
                self.with_ctx(Ctx::Value, |s| s.visit_block_mut(&mut w.body));
            }
            syn::Expr::Match(m) => {
                self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut m.expr));
                self.with_ctx(Ctx::Value, |s| {
                    for arm in &mut m.arms {
                        if let Some((_, g)) = &mut arm.guard {
                            s.with_ctx(Ctx::Data, |s| s.visit_expr_mut(g));
                        }
                        s.visit_expr_mut(&mut arm.body);
                    }
                });
            }
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
                self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut u.expr));
            }
            syn::Expr::Binary(b) => {
                use syn::BinOp::*;
                let logic = matches!(b.op, And(_) | Or(_));
                let int = self.is_int_expr(&b.left) || self.is_int_expr(&b.right);
                let inner = if logic || int { Ctx::Data } else { ctx };
                self.with_ctx(inner, |s| {
                    s.visit_expr_mut(&mut b.left);
                    s.visit_expr_mut(&mut b.right);
                });
            }
            syn::Expr::ForLoop(f) => {
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
                self.with_ctx(Ctx::Value, |s| {
                    s.visit_expr_mut(&mut f.expr);
                    s.visit_block_mut(&mut f.body);
                });
            }
            syn::Expr::Call(c) => {
                self.visit_expr_mut(&mut c.func);
                for a in &mut c.args {
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
        } else if let (Some(n), true) = (&name, field_path(&init.expr, self.roots).is_some()) {
            // `let n = m.n;`: how `n` is read decides.
            if self.rewrite.is_some() {
                self.record(&mut init.expr, Use::Number, None);
            } else {
                self.record(&mut init.expr, Use::Number, Some(n));
            }
        } else {
            if let Some(n) = &name {
                if self.is_int_expr(&init.expr) {
                    self.int_names.insert(n.to_string());
                }
            }
            self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(&mut init.expr));
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
    let inner_grad: Option<syn::ItemFn> = inner_expanded.as_ref().and_then(|ts| {
        syn::parse2::<syn::File>(ts.clone())
            .ok()?
            .items
            .into_iter()
            .find_map(|i| match i {
                syn::Item::Fn(f) if f.sig.ident == inner_grad_name => Some(f),
                _ => None,
            })
    });
    let original_inputs = typed_inputs(item);
    let inner_inputs = inner_grad.as_ref().map(typed_inputs).unwrap_or_default();
    let n_params = item.sig.inputs.len() + leaves.iter().filter(|_| inner_grad.is_some()).count();
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
        None => quote!(::core::unreachable!(
            "`#[gradient]` reported a compile error for this function"
        )),
        Some(inner) => {
            let mut prelude = Vec::new();
            let mut after = Vec::new();
            let mut call_args = Vec::new();
            // The inner function's active scalars, in order: leaves or the caller's own slots.
            let mut slots: Vec<Option<TokenStream>> = Vec::new();
            let receiver = roots.iter().any(|r| r.receiver);
            for r in roots {
                let (id, d) = (&r.ident, format_ident!("d_{}", r.ident));
                prelude.push(quote!(::grad::runtime::Params::fill_params(#d, #zero);));
                let _ = id;
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
                    match leaf {
                        Leaf::Number => {
                            call_args.push(quote_spanned!(span=> #root #(.#members)*));
                            slots.push(Some(quote!(#d #(.#members)*)));
                        }
                        Leaf::Seq => {
                            let msg = format!("{fname}: the gradient `d_{dotted}` has length {{}} but `{dotted}` has length {{}}; make the gradient with `Params::zeros_like`");
                            prelude.push(quote!(::core::assert!(#d #(.#members)*.len() == #root #(.#members)*.len(), #msg, #d #(.#members)*.len(), #root #(.#members)*.len());));
                            call_args.push(quote_spanned!(span=> &#root #(.#members)*[..]));
                        }
                        Leaf::Rows => {
                            let (rows, drows) = (
                                crate::naming::hidden(&format!("rows_{id}")),
                                crate::naming::hidden(&format!("drows_{id}")),
                            );
                            let msg = format!("{fname}: the gradient `d_{dotted}` does not have the shape of `{dotted}`; make the gradient with `Params::zeros_like`");
                            prelude.push(quote! {
                                ::core::assert!(
                                    #d #(.#members)*.len() == #root #(.#members)*.len()
                                        && #d #(.#members)*.iter().zip(#root #(.#members)*.iter()).all(|(a, b)| a.len() == b.len()),
                                    #msg
                                );
                                let #rows: ::std::vec::Vec<::std::vec::Vec<#t>> =
                                    #root #(.#members)*.iter().map(|r| r.iter().copied().collect()).collect();
                                let mut #drows: ::std::vec::Vec<::std::vec::Vec<#t>> =
                                    #rows.iter().map(|r| ::std::vec![#zero; r.len()]).collect();
                            });
                            after.push(quote! {
                                for (d, s) in #d #(.#members)*.iter_mut().zip(&#drows) {
                                    d.copy_from_slice(s);
                                }
                            });
                            call_args.push(quote!(&#rows));
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
                match leaf_of_buf(d) {
                    Some((k, leaf, _)) => {
                        let p = &paths[*k];
                        let dr = format_ident!("d_{}", roots[p.root].ident);
                        let members = &p.members;
                        match leaf {
                            Leaf::Rows => {
                                let id = &leaves
                                    .iter()
                                    .find(|(j, _, _)| j == k)
                                    .map(|(_, _, l)| l.clone());
                                let drows = crate::naming::hidden(&format!(
                                    "drows_{}",
                                    id.as_ref().map(ToString::to_string).unwrap_or_default()
                                ));
                                call_bufs.push(quote!(&mut #drows));
                            }
                            _ => call_bufs.push(quote!(&mut #dr #(.#members)*[..])),
                        }
                    }
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
