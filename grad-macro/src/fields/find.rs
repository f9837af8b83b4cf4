//! Which field paths the body reads, and how; then the differentiated ones replaced by leaves.

use super::{key, Alias, Ctx, Leaf, Path, Root, Use, INT_ARG_METHODS, SEQ_METHODS};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

/// Finds the field paths of the roots and how each is read (and, with `rewrite`, replaces the
/// differentiated ones by their leaves).
pub(super) struct Finder<'a> {
    pub(super) roots: &'a [Root],
    pub(super) paths: Vec<Path>,
    pub(super) ctx: Ctx,
    /// Locals known to be integers: loop counters over ranges, `enumerate` indices, `.len()`s.
    pub(super) int_names: HashSet<String>,
    /// How each `let NAME = m.path;` alias is read.
    pub(super) alias_uses: HashMap<String, Vec<Use>>,
    pub(super) errors: &'a crate::errors::Errors,
    pub(super) rewrite: Option<&'a HashMap<String, (Leaf, Ident)>>,
}

/// A field path of a root, found in an expression.
pub(super) struct Found {
    pub(super) root: usize,
    pub(super) members: Vec<syn::Member>,
    /// For `m.layers[l].w`: `l` and `w`.
    pub(super) index: Option<(syn::Expr, Vec<syn::Member>)>,
}

/// `m.a.b` or `m.layers[l].w`, when `e` is such a path of a root.
pub(super) fn field_path(e: &syn::Expr, roots: &[Root]) -> Option<Found> {
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

/// The struct a method is called on: a field (`m.layer`), or an element of a field
/// (`m.layers[l]`, with an empty suffix).
fn receiver_path(e: &syn::Expr, roots: &[Root]) -> Option<Found> {
    match e {
        syn::Expr::Index(ix) => {
            let f = field_path(&ix.expr, roots)?;
            f.index.is_none().then(|| Found {
                index: Some(((*ix.index).clone(), Vec::new())),
                ..f
            })
        }
        syn::Expr::Paren(p) => receiver_path(&p.expr, roots),
        e => field_path(e, roots),
    }
}

/// An integer literal (`2`, `3usize`, not `1_f64`, which syn reads as an integer with a float
/// suffix): arithmetic next to it is on integers.
fn is_int_lit(e: &syn::Expr) -> bool {
    matches!(
        e,
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) if !matches!(i.suffix(), "f32" | "f64")
    )
}

impl Finder<'_> {
    /// A method call: a sequence's or a float's method on a field, or a `#[gradient]` method called on the model.
    fn method_call(&mut self, e: &mut syn::Expr) {
        let ctx = self.ctx;
        let syn::Expr::MethodCall(mc) = e else {
            return;
        };
        let name = mc.method.to_string();
        // `m.w[i].len()`, `m.w[i].iter()`: rows.
        let mut done = false;
        if let syn::Expr::Index(inner) = &mut *mc.receiver {
            let found = field_path(&inner.expr, self.roots);
            if SEQ_METHODS.contains(&name.as_str())
                && found.is_some()
                && !matches!(&*inner.index, syn::Expr::Range(_))
            {
                // (Of a field of the elements, `layer.w[0].len()` with `layer` handed whole to
                // a method: the shape alone, whatever the other reads make the field.)
                let measured = (name == "len" || name == "is_empty")
                    && found.is_some_and(|f| f.index.is_some());
                let how = if measured { Use::Shape } else { Use::Rows };
                self.record(&mut inner.expr, how, None);
                self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut inner.index));
                done = true;
            }
        }
        if !done {
            let float_method = crate::rules::Prim::from_method(&name).is_some()
                || crate::rules::NON_FLOAT_METHODS.contains(&name.as_str())
                || name == "sin_cos";
            // (`self.blocks[l].ln.apply(h)`: a field of an element, its flat view per element.)
            let sub_model = receiver_path(&mc.receiver, self.roots)
                .filter(|_| !float_method && !SEQ_METHODS.contains(&name.as_str()));
            if sub_model.is_some() && self.unfollowed(mc) {
                return;
            }
            if let Some(found) = sub_model {
                // `self.layer.forward(x)`: a `#[gradient]` method of the field's own type,
                // whose `forward__model` takes the field's flat view too (called as a method:
                // the field's type is the compiler's to know); `self.layers[l].forward(x)`, of
                // an element, the element's flat view.
                for a in &mut mc.args {
                    self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(a));
                }
                let index = found.index.as_ref().map(|(i, _)| i.clone());
                if let Some(i) = &index {
                    let mut i = i.clone();
                    self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut i));
                }
                if let Some(leaf) = self.record_sub_model(found, mc.span()) {
                    let method = format_ident!("{}__model", mc.method, span = mc.method.span());
                    let (args, recv) = (&mc.args, &mc.receiver);
                    let view = match &index {
                        Some(i) => quote!(&#leaf[#i]),
                        None => quote!(#leaf),
                    };
                    *e = syn::parse_quote_spanned!(mc.span()=> (&#recv).#method(#view, #args));
                }
                return;
            }
            if field_path(&mc.receiver, self.roots).is_some()
                && !float_method
                && !SEQ_METHODS.contains(&name.as_str())
                && self.rewrite.is_none()
            {
                // `self.layers[l].forward(x)`: the method of an element of a sequence of
                // structs, which only a call with the whole model can follow.
                self.errors.push_spanned(
                    &*mc,
                    format!("`#[gradient]` does not follow `.{name}(..)` called on an element of a sequence of structs yet: call a `#[gradient]` method on a field (`self.layer.{name}(..)`) or of the model itself (`self.{name}(..)`), or read the element's values in this body"),
                );
            }
            if let Some(found) = field_path(&mc.receiver, self.roots) {
                // `m.w.clone()`: a copy of the leaf, which is a slice; `m.b.clone()` of a field
                // read as a number elsewhere: the number.
                let copy = (name == "clone" || name == "to_owned") && mc.args.is_empty();
                let number = copy
                    && self.rewrite.is_some_and(|map| {
                        matches!(map.get(&self.key_of(&found)), Some((Leaf::Number, _)))
                    });
                if number {
                    self.record(&mut mc.receiver, Use::Borrowed, None);
                    let r = (*mc.receiver).clone();
                    *e = syn::parse_quote!((#r));
                    return;
                }
                if self.rewrite.is_some() && copy {
                    mc.method = Ident::new("to_vec", mc.method.span());
                }
                let how = if name == "len" || name == "is_empty" {
                    Use::Shape
                } else if copy {
                    Use::Borrowed
                } else if SEQ_METHODS.contains(&name.as_str()) {
                    Use::Seq
                } else if ctx != Ctx::Value {
                    Use::Data
                } else {
                    Use::Number
                };
                self.record(&mut mc.receiver, how, None);
            } else if root_name(&mc.receiver, self.roots).is_some() && ctx != Ctx::Value {
                // `0..self.dim()`, `if self.ready() {..}`: a method's result read as an integer
                // or a flag is data, computed on the model as written.
                for a in &mut mc.args {
                    self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(a));
                }
                return;
            } else if let Some(r) = root_name(&mc.receiver, self.roots)
                .filter(|&r| self.roots[r].receiver || simple_type(&self.roots[r].ty).is_some())
            {
                if self.unfollowed(mc) {
                    return;
                }
                // `self.forward(x)` of a `#[gradient]` method: its `forward__model`
                // takes the model's flat view too, and gives its gradient.
                for a in &mut mc.args {
                    self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(a));
                }
                if let Some(leaf) = self.record_model(r, mc.span()) {
                    let method = format_ident!("{}__model", mc.method, span = mc.method.span());
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
            } else if root_name(&mc.receiver, self.roots).is_some() && self.rewrite.is_none() {
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
            // `p.iter().zip(&m.q[i])`, `.chain(&m.q[i])`: the element iterated is a row.
            if name == "zip" || name == "chain" {
                if let syn::Expr::Reference(r) = a {
                    if let syn::Expr::Index(inner) = &mut *r.expr {
                        if r.mutability.is_none()
                            && field_path(&inner.expr, self.roots).is_some()
                            && !matches!(&*inner.index, syn::Expr::Range(_))
                        {
                            self.record(&mut inner.expr, Use::Rows, None);
                            self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut inner.index));
                            continue;
                        }
                    }
                }
            }
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

    /// A call: the model passed whole, conversions of data, the rest read as values.
    fn call(&mut self, e: &mut syn::Expr) {
        let syn::Expr::Call(c) = e else {
            return;
        };
        self.visit_expr_mut(&mut c.func);
        // `forward(m, x)` or `Self::forward(self, x)` of a `#[gradient]` function that
        // takes the whole model: its `forward__model` takes the flat view too.
        let whole: Vec<(usize, usize)> = c
            .args
            .iter()
            .enumerate()
            .filter_map(|(j, a)| root_name(whole_model(a), self.roots).map(|r| (j, r)))
            .collect();
        let span = c.span();
        // `dense(&m.hidden, x)` of a `#[gradient]` function whose parameter there is a model
        // (`l: &Dense`, see `model_calls::register`): its `dense__model` takes the field's flat
        // view too, as a method of the field's type would (`m.hidden.dense(x)`);
        // `dense(&m.layers[l], x)`, of an element, the element's flat view.
        if whole.is_empty() {
            if let Some(at) = super::model_calls::model_param(&c.func) {
                let found = c.args.iter().nth(at).and_then(|a| match a {
                    syn::Expr::Reference(r) if r.mutability.is_none() => {
                        receiver_path(&r.expr, self.roots)
                    }
                    _ => None,
                });
                let found =
                    found.filter(|f| f.index.as_ref().is_none_or(|(_, suffix)| suffix.is_empty()));
                if let Some(found) = found {
                    for (j, a) in c.args.iter_mut().enumerate() {
                        if j != at {
                            self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(a));
                        }
                    }
                    let index = found.index.as_ref().map(|(i, _)| i.clone());
                    if let Some(i) = &index {
                        let mut i = i.clone();
                        self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut i));
                    }
                    if let Some(leaf) = self.record_sub_model(found, span) {
                        let view: syn::Expr = match &index {
                            Some(i) => syn::parse_quote!(&#leaf[#i]),
                            None => syn::parse_quote!(#leaf),
                        };
                        if let syn::Expr::Path(fp) = &mut *c.func {
                            if let Some(last) = fp.path.segments.last_mut() {
                                last.ident = format_ident!(
                                    "{}__model",
                                    last.ident,
                                    span = last.ident.span()
                                );
                            }
                        }
                        c.args.insert(at + 1, view);
                    }
                    return;
                }
            }
        }
        if let ([(at, r)], syn::Expr::Path(fp)) = (whole.as_slice(), &mut *c.func) {
            let (at, r) = (*at, *r);
            for (j, a) in c.args.iter_mut().enumerate() {
                if j != at {
                    self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(a));
                }
            }
            if let Some(leaf) = self.record_model(r, span) {
                // `H::score(m, x)` of a generic `m: &H<T>`: `H::<T>::score`, which the checks
                // of the call can name.
                if let (Some(ty), 2) = (simple_type(&self.roots[r].ty), fp.path.segments.len()) {
                    let first = &fp.path.segments[0];
                    if ty.segments.len() == 1
                        && ty.segments[0].ident == first.ident
                        && first.arguments.is_none()
                    {
                        fp.path.segments[0] = ty.segments[0].clone();
                    }
                }
                if let Some(last) = fp.path.segments.last_mut() {
                    last.ident = format_ident!("{}__model", last.ident, span = last.ident.span());
                }
                // `pair(*m, ..)`, `pair(m.clone(), ..)` of a function taking the model by value:
                // its hidden functions take the reference.
                let model = whole_model(&c.args[at]).clone();
                if !matches!(&c.args[at], syn::Expr::Reference(_)) {
                    c.args[at] = model;
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

    /// `&m.w`, `&m.w[..]`: the sequence.
    fn reference(&mut self, e: &mut syn::Expr) {
        let syn::Expr::Reference(r) = e else {
            return;
        };
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
                    if let (Some((l, leaf)), None) = (map.get(&self.key_of(&found)), &found.index) {
                        if *l != Leaf::Number {
                            let leaf = crate::naming::respanned(leaf, r.expr.span());
                            *e = syn::parse_quote!(#leaf);
                            return;
                        }
                    }
                }
            }
            self.record(&mut r.expr, Use::Borrowed, None);
        } else {
            self.visit_expr_mut(&mut r.expr);
        }
    }

    /// `m.w[i]`: a sequence; `m.w[i][j]`: rows.
    fn index(&mut self, e: &mut syn::Expr) {
        let syn::Expr::Index(ix) = e else {
            return;
        };
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
        // `0..m.sizes[l]`, `x[m.order[k]]`, `if m.mask[j] {..}`: an element read as an integer or
        // a flag is of data (a `Vec<usize>` of layer sizes, say).
        let how = match self.ctx {
            Ctx::Data | Ctx::Cond => Use::Data,
            Ctx::Value => Use::Seq,
        };
        if !self.record(&mut ix.expr, how, None) {
            if let Some(id) = e_ident(&ix.expr) {
                self.alias_uses.entry(id).or_default().push(how);
            } else {
                self.visit_expr_mut(&mut ix.expr);
            }
        }
        self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut ix.index));
    }

    fn key_of(&self, f: &Found) -> String {
        key(
            &self.roots[f.root].ident,
            &f.members,
            f.index.as_ref().map(|(_, s)| s.as_slice()),
            "[_]",
        )
    }

    /// Records one read of a field path (or, rewriting, replaces it by its leaf).
    fn record(&mut self, e: &mut syn::Expr, how: Use, alias: Option<(&Ident, Alias)>) -> bool {
        let Some(found) = field_path(e, self.roots) else {
            return false;
        };
        let key = self.key_of(&found);
        let mut index = found.index.as_ref().map(|(i, _)| i.clone());
        if let Some(i) = &mut index {
            self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(i));
        }
        if let Some(map) = self.rewrite {
            if let Some((kind, leaf)) = map.get(&key) {
                let offsets = super::offsets_of(leaf);
                let leaf = crate::naming::respanned(leaf, e.span());
                *e = match &index {
                    // (Element `i`'s part of the rows of all elements.)
                    Some(i) if *kind == Leaf::ElemRows => {
                        syn::parse_quote!(#leaf[#offsets[#i]..#offsets[(#i) + 1]])
                    }
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
            Some((a, kind)) => self.paths[at].aliases.push((a.clone(), kind)),
            None => self.paths[at].uses.push(how),
        }
        true
    }

    /// `m.predict(x)` of a method the file defines only without `#[gradient]`, which
    /// `plain_methods` did not follow: a clear error at it (else rustc's E0599 for a
    /// `predict__model` that does not exist).
    fn unfollowed(&self, mc: &syn::ExprMethodCall) -> bool {
        let name = mc.method.to_string();
        if !crate::prescan::unfollowed_method(&name) {
            return false;
        }
        self.errors.push_spanned(
            &mc.method,
            format!("`#[gradient]` cannot follow `.{name}(..)` on the model: it has no `#[gradient]`, and a method without one is read from its source only in a non-generic `impl` in the caller's module (its own or a trait's, one method of that name per type) taking `&self`; put `#[gradient]` on `{name}` in its `impl`, or move it there"),
        );
        true
    }

    /// Records a call of a method of the struct at `found` (a field of a model, `self.layer`),
    /// which takes its flat view; rewriting, returns that view's leaf.
    fn record_sub_model(&mut self, found: Found, span: Span) -> Option<Ident> {
        let key = self.key_of(&found);
        if let Some(map) = self.rewrite {
            return map.get(&key).map(|(_, l)| l.clone());
        }
        let Found {
            root,
            members,
            index,
        } = found;
        let suffix = index.map(|(_, s)| s);
        match self
            .paths
            .iter()
            .position(|p| p.root == root && p.members == members && p.suffix == suffix)
        {
            Some(k) => self.paths[k].uses.push(Use::Model),
            None => self.paths.push(Path {
                root,
                members,
                suffix,
                uses: vec![Use::Model],
                span,
                aliases: Vec::new(),
            }),
        }
        None
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
            syn::Expr::Index(_) => self.index(e),
            syn::Expr::MethodCall(_) => self.method_call(e),
            syn::Expr::Reference(_) => self.reference(e),
            // `width = layer.n;` of an integer local: data.
            syn::Expr::Assign(a) if self.is_int_expr(&a.left) => {
                self.with_ctx(Ctx::Data, |s| {
                    s.visit_expr_mut(&mut a.left);
                    s.visit_expr_mut(&mut a.right);
                });
            }
            syn::Expr::Range(r) => {
                if let Some(s) = &mut r.start {
                    self.with_ctx(Ctx::Data, |f| f.visit_expr_mut(s));
                }
                if let Some(s) = &mut r.end {
                    self.with_ctx(Ctx::Data, |f| f.visit_expr_mut(s));
                }
            }
            // `m.n as f64` reads data, but `m.x as f64` of a float would be the float itself: a
            // field cast to a float decides nothing alone (a field read only so is checked not to
            // be a float, see `wrapper`).
            syn::Expr::Cast(c) => {
                let to_float = crate::sig::float_of(&c.ty).is_some();
                if !(to_float && self.record(&mut c.expr, Use::FloatCast, None)) {
                    self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut c.expr));
                }
            }
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
                // Arms that bind the scrutinee (`v => v * 2.0`) read it as a value; a tuple's
                // parts one by one (`match (m.flag, x > 0.0) { (true, c) => .. }`).
                if let syn::Expr::Tuple(t) = &mut *m.expr {
                    for (k, part) in t.elems.iter_mut().enumerate() {
                        let binds = m.arms.iter().any(|a| binds_part(&a.pat, k));
                        let how = if binds { Ctx::Value } else { Ctx::Data };
                        self.with_ctx(how, |s| s.visit_expr_mut(part));
                    }
                } else {
                    let binds = m.arms.iter().any(|a| binds_value(&a.pat));
                    let scrutinee = if binds { Ctx::Value } else { Ctx::Data };
                    self.with_ctx(scrutinee, |s| s.visit_expr_mut(&mut m.expr));
                }
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
            syn::Expr::Call(_) => self.call(e),
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
        // `let r: &f64 = &m.x;` (or `&[f64]`, `&Vec<f64>`): a reference to a field, as untyped
        // (the field may become a slice of the flat view: its type is the compiler's).
        let field_ref = matches!(&*init.expr, syn::Expr::Reference(r) if r.mutability.is_none() && field_path(&r.expr, self.roots).is_some());
        if field_ref && self.rewrite.is_some() {
            if let syn::Pat::Type(pt) = &l.pat {
                if matches!(&*pt.ty, syn::Type::Reference(_)) {
                    l.pat = (*pt.pat).clone();
                }
            }
        }
        let (pat, ty) = match &l.pat {
            syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
            p => (p, None),
        };
        let name = match pat {
            syn::Pat::Ident(pi) => Some(pi.ident.clone()),
            _ => None,
        };
        let ty = ty.filter(|t| !(field_ref && matches!(t, syn::Type::Reference(_))));
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
                    self.record(&mut r.expr, Use::Number, Some((n, Alias::Ref)));
                }
            } else {
                self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(&mut init.expr));
            }
        } else if matches!(pat, syn::Pat::Wild(_)) && field_path(&init.expr, self.roots).is_some() {
            // `let _ = m.n;`: read for nothing (as a length is, whatever the field holds).
            self.record(&mut init.expr, Use::Shape, None);
        } else if let (Some(n), true) = (&name, field_path(&init.expr, self.roots).is_some()) {
            // `let n = m.n;`: how `n` is read decides.
            if let Some(map) = self.rewrite {
                let seq = field_path(&init.expr, self.roots)
                    .and_then(|f| map.get(&self.key_of(&f)).filter(|_| f.index.is_none()))
                    .is_some_and(|(l, _)| *l == Leaf::Seq);
                self.record(&mut init.expr, Use::Number, None);
                // `let mut h = m.h0;` of an array field: a copy the body may write, not the
                // field's leaf (a slice of the parameters).
                if seq && matches!(pat, syn::Pat::Ident(pi) if pi.mutability.is_some()) {
                    let leaf = (*init.expr).clone();
                    *init.expr = syn::parse_quote!(#leaf.to_vec());
                }
            } else {
                self.record(&mut init.expr, Use::Number, Some((n, Alias::Copy)));
            }
        } else {
            let int = self.is_int_expr(&init.expr);
            // `let mut h = m.ws[i];` of a rows field: a copy of an array row that the body
            // writes, not a view of the rows (which the rewrite types as vectors).
            let row_copy = matches!(pat, syn::Pat::Ident(pi) if pi.mutability.is_some())
                && self.rewrite.is_some_and(|map| {
                    matches!(&*init.expr, syn::Expr::Index(ix) if field_path(&ix.expr, self.roots)
                        .filter(|f| f.index.is_none())
                        .and_then(|f| map.get(&self.key_of(&f)))
                        .is_some_and(|(l, _)| *l == Leaf::Rows))
                });
            // `let n = m.sizes[l];`: how `n` is read decides whether the field holds data.
            let element_of = match (&name, &mut *init.expr) {
                (Some(n), syn::Expr::Index(ix))
                    if self.rewrite.is_none()
                        && !matches!(&*ix.index, syn::Expr::Range(_))
                        && field_path(&ix.expr, self.roots).is_some() =>
                {
                    Some((n.clone(), ix))
                }
                _ => None,
            };
            if let Some((n, ix)) = element_of {
                self.record(&mut ix.expr, Use::Seq, Some((&n, Alias::Element)));
                self.with_ctx(Ctx::Data, |s| s.visit_expr_mut(&mut ix.index));
            } else {
                self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(&mut init.expr));
            }
            if row_copy {
                let row = (*init.expr).clone();
                *init.expr = syn::parse_quote!(#row.to_vec());
            }
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
        super::with_vec_exprs(m, |e| self.with_ctx(Ctx::Value, |s| s.visit_expr_mut(e)));
    }
}

/// Whether a `match` arm's pattern binds (part of) the scrutinee to a name.
fn binds_value(p: &syn::Pat) -> bool {
    struct Binds(bool);
    impl<'ast> syn::visit::Visit<'ast> for Binds {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            // `None`, `MAX`: a variant or a constant, by Rust's naming conventions.
            self.0 |= !p.ident.to_string().starts_with(char::is_uppercase);
            syn::visit::visit_pat_ident(self, p);
        }
        // `Act::Leaky(s)`, `Cfg { rate, .. }`: the parts of an enum or a struct of data (a
        // float has none).
        fn visit_pat_tuple_struct(&mut self, _: &'ast syn::PatTupleStruct) {}
        fn visit_pat_struct(&mut self, _: &'ast syn::PatStruct) {}
    }
    let mut b = Binds(false);
    syn::visit::Visit::visit_pat(&mut b, p);
    b.0
}

/// Whether a `match` arm's pattern binds part `k` of a tuple scrutinee to a name.
fn binds_part(p: &syn::Pat, k: usize) -> bool {
    match p {
        syn::Pat::Tuple(t) if !t.elems.iter().any(|e| matches!(e, syn::Pat::Rest(_))) => {
            t.elems.iter().nth(k).is_some_and(binds_value)
        }
        syn::Pat::Or(o) => o.cases.iter().any(|c| binds_part(c, k)),
        syn::Pat::Paren(q) => binds_part(&q.pat, k),
        p => binds_value(p),
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
    if p.qself.is_some() {
        return None;
    }
    let mut path = p.path;
    // `H<T>`: `H::<T>` in an expression.
    for s in &mut path.segments {
        match &mut s.arguments {
            syn::PathArguments::None => {}
            syn::PathArguments::AngleBracketed(a) => a.colon2_token = Some(Default::default()),
            syn::PathArguments::Parenthesized(_) => return None,
        }
    }
    Some(path)
}

fn e_ident(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
        _ => None,
    }
}

/// The model an argument hands over whole: `m`, `&m`, `*m`, `m.clone()`, `(*m).clone()`,
/// `Clone::clone(m)` (then `m`); anything else as it is.
fn whole_model(a: &syn::Expr) -> &syn::Expr {
    match a {
        syn::Expr::Reference(r) if r.mutability.is_none() => whole_model(&r.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => whole_model(&u.expr),
        syn::Expr::Paren(p) => whole_model(&p.expr),
        syn::Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => {
            whole_model(&m.receiver)
        }
        syn::Expr::Call(c)
            if c.args.len() == 1
                && matches!(&*c.func, syn::Expr::Path(p)
                    if p.path.segments.last().is_some_and(|s| s.ident == "clone")) =>
        {
            whole_model(&c.args[0])
        }
        a => a,
    }
}
