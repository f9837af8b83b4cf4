//! Loop headers over float sequences: an iterator such as `x.iter().enumerate().skip(1)` is
//! rewritten to yield positions (`(0..x.len()).enumerate().skip(1)`), and the loop pattern is
//! matched against what it yields, so each element becomes a load `x[p]`.

use super::env::Binding;
use super::opaque::collect_pat_idents;
use super::Lowerer;
use crate::ir::{Kind, SeqId, ValId};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Pat};

/// The structure of what an iterator yields, so a pattern can be matched against it.
#[derive(Clone)]
pub(super) enum Shape {
    /// An element of a float sequence (iterated by position).
    Elem(SeqId),
    /// Anything else (integers, data of other types).
    Plain,
    Pair(Box<Shape>, Box<Shape>),
}

impl Shape {
    /// Whether two iterators yield positions of the same sequences in the same structure.
    fn same(&self, other: &Shape) -> bool {
        match (self, other) {
            (Shape::Elem(a), Shape::Elem(b)) => a == b,
            (Shape::Plain, Shape::Plain) => true,
            (Shape::Pair(a, b), Shape::Pair(c, d)) => a.same(c) && b.same(d),
            _ => false,
        }
    }
}

/// An iterator rewritten to yield positions: `x.iter().zip(y)` becomes `(0..x.len()).zip(0..y.len())`.
pub(super) struct Plan {
    pub(super) tokens: TokenStream,
    pub(super) uses: Vec<ValId>,
    pub(super) shape: Shape,
}

/// What a loop pattern binds.
#[derive(Default)]
pub(super) struct Bound {
    pub(super) binds: Vec<ValId>,
    /// `v` is `seq[p]`.
    pub(super) elems: Vec<(Ident, SeqId, ValId)>,
    pub(super) plain: Vec<(Ident, ValId)>,
}

impl Lowerer<'_> {
    /// The sequence an expression names: `x`, `&x`, `(x)`.
    pub(super) fn seq_of_expr(&self, e: &Expr) -> Option<SeqId> {
        match e {
            Expr::Path(p) => match self.env.lookup(p.path.get_ident()?) {
                Some(Binding::Seq(s)) => Some(s),
                _ => None,
            },
            Expr::Reference(r) if r.mutability.is_none() => self.seq_of_expr(&r.expr),
            Expr::Paren(p) => self.seq_of_expr(&p.expr),
            Expr::Group(g) => self.seq_of_expr(&g.expr),
            _ => None,
        }
    }

    /// `x[a..b]` (also `&x[a..b]`, `x[a..b].iter()`, open and inclusive ranges) of a sequence:
    /// the positions `a..b` of `x`.
    fn sub_slice_plan(&mut self, e: &Expr) -> Option<Option<Plan>> {
        if let Expr::Paren(p) = e {
            return self.sub_slice_plan(&p.expr);
        }
        let inner = match e {
            Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
            Expr::MethodCall(m)
                if (m.method == "iter" || m.method == "into_iter") && m.args.is_empty() =>
            {
                let mut r = &*m.receiver;
                while let Expr::Paren(p) = r {
                    r = &p.expr;
                }
                match r {
                    Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
                    r => r,
                }
            }
            e => e,
        };
        let Expr::Index(ix) = inner else {
            return None;
        };
        let Expr::Range(range) = &*ix.index else {
            return None;
        };
        let s = self.seq_of_expr(&ix.expr)?;
        let x = self.seq_ident(s, e.span());
        let mut uses = Vec::new();
        let mut bound = |me: &mut Self, b: &Option<Box<Expr>>, default: TokenStream| match b {
            Some(b) => {
                let (t, u) = me.rename(b);
                uses.extend(u);
                quote!((#t))
            }
            None => default,
        };
        let start = bound(self, &range.start, quote!(0));
        let end = bound(self, &range.end, quote!(#x.len()));
        if self.check_inactive(&uses, range).is_none() {
            return Some(None);
        }
        let limits = &range.limits;
        Some(Some(Plan {
            tokens: quote!((#start #limits #end)),
            uses,
            shape: Shape::Elem(s),
        }))
    }

    /// Rewrites an iterator so it yields positions instead of float elements.
    pub(super) fn plan(&mut self, e: &Expr) -> Option<Plan> {
        if let Some(p) = self.sub_slice_plan(e) {
            return p;
        }
        if let Some(s) = self.seq_of_expr(e) {
            let x = self.seq_ident(s, e.span());
            return Some(Plan {
                tokens: quote!((0..#x.len())),
                uses: Vec::new(),
                shape: Shape::Elem(s),
            });
        }
        match e {
            Expr::Paren(p) => return self.plan(&p.expr),
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                match name.as_str() {
                    "iter" | "into_iter"
                        if m.args.is_empty() && self.seq_of_expr(&m.receiver).is_some() =>
                    {
                        return self.plan(&m.receiver);
                    }
                    "copied" | "cloned" if m.args.is_empty() => {
                        let inner = self.plan(&m.receiver)?;
                        if !matches!(inner.shape, Shape::Plain) {
                            return Some(inner);
                        }
                    }
                    "enumerate" if m.args.is_empty() => {
                        let inner = self.plan(&m.receiver)?;
                        if !matches!(inner.shape, Shape::Plain) {
                            let t = inner.tokens;
                            return Some(Plan {
                                tokens: quote!((#t).enumerate()),
                                uses: inner.uses,
                                shape: Shape::Pair(Box::new(Shape::Plain), Box::new(inner.shape)),
                            });
                        }
                    }
                    "zip" if m.args.len() == 1 => {
                        let a = self.plan(&m.receiver)?;
                        let b = self.plan(&m.args[0])?;
                        if !matches!((&a.shape, &b.shape), (Shape::Plain, Shape::Plain)) {
                            let (ta, tb) = (a.tokens, b.tokens);
                            let mut uses = a.uses;
                            uses.extend(b.uses);
                            return Some(Plan {
                                tokens: quote!((#ta).zip(#tb)),
                                uses,
                                shape: Shape::Pair(Box::new(a.shape), Box::new(b.shape)),
                            });
                        }
                    }
                    // Positions chained are positions of the same sequences: `x[1..].iter()
                    // .chain(&x[..1])` is a rotation of `x`.
                    "chain" if m.args.len() == 1 => {
                        let a = self.plan(&m.receiver)?;
                        let b = self.plan(&m.args[0])?;
                        if !matches!(a.shape, Shape::Plain) {
                            if !a.shape.same(&b.shape) {
                                self.errors.push_spanned(
                                    &m.method,
                                    "`#[gradient]` chains positions of the same slice (`x[1..].iter().chain(&x[..1])`); for two different slices write a loop over each",
                                );
                                return None;
                            }
                            let (ta, tb) = (a.tokens, b.tokens);
                            let mut uses = a.uses;
                            uses.extend(b.uses);
                            // (Collected: a `Chain` has no exact length, which the derivative's
                            // loops ask of the positions they run over.)
                            return Some(Plan {
                                tokens: quote!((#ta)
                                    .chain(#tb)
                                    .collect::<::std::vec::Vec<_>>()
                                    .into_iter()),
                                uses,
                                shape: a.shape,
                            });
                        }
                    }
                    "rev" | "skip" | "take" | "step_by" => {
                        let inner = self.plan(&m.receiver)?;
                        if !matches!(inner.shape, Shape::Plain) {
                            let mut uses = inner.uses;
                            let mut args = Vec::new();
                            for a in &m.args {
                                let (t, u) = self.rename(a);
                                self.check_inactive(&u, a)?;
                                uses.extend(u);
                                args.push(t);
                            }
                            let (t, method) = (inner.tokens, &m.method);
                            return Some(Plan {
                                tokens: quote!((#t).#method(#(#args),*)),
                                uses,
                                shape: inner.shape,
                            });
                        }
                    }
                    "map" | "filter" | "for_each" | "windows" | "chunks"
                        if self.mentions_seq(&m.receiver) =>
                    {
                        self.errors.push_spanned(
                            &m.method,
                            format!("`{name}` is not supported in a `for` over a differentiated slice: iterate with `.iter()`, `.enumerate()`, `.zip()`, `.skip()`, `.rev()` or `.step_by()` and compute in the body"),
                        );
                        return None;
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        if self.mentions_seq(e) {
            let construct = super::construct_name(&e.to_token_stream());
            self.errors.push_spanned(
                e,
                format!("`#[gradient]` cannot iterate over {construct} here; use a range (`0..x.len()`) or `x.iter()` with `.enumerate()`, `.zip()`, `.skip()`, `.take()`, `.rev()`, `.step_by()`"),
            );
            return None;
        }
        let (tokens, uses) = self.rename(e);
        self.check_inactive(&uses, e)?;
        // `for &(i, r) in ratings`: a collection, not an iterator; the reverse sweep may call
        // `.rev()` or `.zip()` on it.
        let tokens = match e {
            Expr::Path(_) | Expr::Reference(_) | Expr::Field(_) | Expr::Index(_) => {
                quote!(::core::iter::IntoIterator::into_iter(#tokens))
            }
            _ => tokens,
        };
        Some(Plan {
            tokens,
            uses,
            shape: Shape::Plain,
        })
    }

    /// Tokens carried along as written must not read a differentiated slice: its derivative would
    /// be lost (`xs[1..3][0]`, `[xs[0], 1.0][0]`).
    pub(super) fn check_no_seq_read(&self, e: &Expr) -> Option<()> {
        if self.searching == 0 && self.mentions_seq(e) {
            // A struct of differentiated values made for a collection (`.map(|c| P { .. })`).
            struct Structs(bool);
            impl<'a> syn::visit::Visit<'a> for Structs {
                fn visit_expr_struct(&mut self, _: &'a syn::ExprStruct) {
                    self.0 = true;
                }
            }
            let mut structs = Structs(false);
            syn::visit::Visit::visit_expr(&mut structs, e);
            let msg = if structs.0 {
                "`#[gradient]` follows a struct of differentiated floats held in a local (`let p = P { x: c[0], y: c[1] };`, read by field), not one made here for a collection or passed on: index the floats where they are used (`c[2 * i]`, `c[2 * i + 1]`), or hold each struct in a local"
            } else {
                // (A form the rewrites made, its names hidden: named by what it is.)
                let shown = crate::naming::snippet(e);
                let what = if shown.contains("__grad") {
                    super::construct_name(&e.to_token_stream())
                } else {
                    format!("`{shown}`")
                };
                &format!("`#[gradient]` cannot follow a differentiated slice through {what}, so its derivative would be lost: read its elements directly (`xs[i]`, with the offset added to the index instead of a sub-slice)")
            };
            self.errors.push_spanned(e, msg);
            return None;
        }
        Some(())
    }

    /// Whether an expression reads a float sequence of this function (so it must not be carried along
    /// as opaque tokens).
    /// Whether an expression names a float sequence that is not differentiated (a parameter left
    /// out by `wrt`).
    pub(super) fn mentions_data_seq(&self, e: &Expr) -> bool {
        crate::naming::mentions(
            e.to_token_stream(),
            &|i| matches!(self.env.lookup(i), Some(Binding::Seq(s)) if !self.b.func.seq(s).active),
        )
    }

    pub(super) fn mentions_seq(&self, e: &Expr) -> bool {
        let mut idents = Vec::new();
        struct Paths<'a>(&'a mut Vec<Ident>);
        impl<'ast> Visit<'ast> for Paths<'_> {
            fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
                if let Some(i) = p.path.get_ident() {
                    self.0.push(i.clone());
                }
            }
            // `x.len()` reads no element.
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                if m.args.is_empty() && (m.method == "len" || m.method == "is_empty") {
                    return;
                }
                syn::visit::visit_expr_method_call(self, m);
            }
            // `vec![x[i], 1.0]` in a closure kept as written: the macro's expressions (any
            // macro's arguments), or, where they are no expressions, every name in it.
            fn visit_macro(&mut self, m: &'ast syn::Macro) {
                use syn::parse::Parser;
                let mut parts = crate::desugar::vec_parts_read(m);
                if parts.is_empty() {
                    let list =
                        syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated;
                    match list.parse2(m.tokens.clone()) {
                        Ok(l) => parts = l.into_iter().collect(),
                        Err(_) => {
                            fn names(ts: proc_macro2::TokenStream, out: &mut Vec<Ident>) {
                                for t in ts {
                                    match t {
                                        proc_macro2::TokenTree::Ident(i) => out.push(i),
                                        proc_macro2::TokenTree::Group(g) => names(g.stream(), out),
                                        _ => {}
                                    }
                                }
                            }
                            names(m.tokens.clone(), self.0);
                        }
                    }
                }
                parts.iter().for_each(|p| self.visit_expr(p));
            }
        }
        Paths(&mut idents).visit_expr(e);
        idents.iter().any(
            |i| matches!(self.env.lookup(i), Some(Binding::Seq(s)) if self.b.func.seq(s).active),
        )
    }

    /// Matches a loop pattern against what the iterator yields.
    pub(super) fn bind_pattern(
        &mut self,
        pat: &Pat,
        shape: &Shape,
        out: &mut Bound,
    ) -> Option<TokenStream> {
        match (pat, shape) {
            (Pat::Wild(_), _) => Some(quote!(_)),
            (Pat::Paren(p), _) => self.bind_pattern(&p.pat, shape, out),
            (Pat::Reference(r), Shape::Elem(_)) => self.bind_pattern(&r.pat, shape, out),
            (Pat::Ident(pi), Shape::Elem(s)) if pi.subpat.is_none() => {
                let p = self.b.new_val(Kind::Int, false, pi.ident.span());
                out.binds.push(p);
                out.elems.push((pi.ident.clone(), *s, p));
                Some(self.ident_of(p, pi.ident.span()).into_token_stream())
            }
            (Pat::Tuple(t), Shape::Pair(a, b)) if t.elems.len() == 2 => {
                let ta = self.bind_pattern(&t.elems[0], a, out)?;
                let tb = self.bind_pattern(&t.elems[1], b, out)?;
                Some(quote!((#ta, #tb)))
            }
            (p, Shape::Plain) => {
                // Data of other types: every name of the pattern becomes a value, kept as written.
                let mut names = Vec::new();
                collect_pat_idents(p, &mut names);
                let mut p = p.clone();
                let mut map = Vec::new();
                for n in names {
                    let v = self.b.new_val(Kind::Other, false, n.span());
                    out.binds.push(v);
                    out.plain.push((n.clone(), v));
                    map.push((n, self.ident_of(v, Span::call_site())));
                }
                rename_pat(&mut p, &map);
                Some(p.into_token_stream())
            }
            (p, _) => {
                self.errors.push_spanned(
                    p,
                    "this pattern does not match what the iterator yields: `v` or `&v` for an element, `(i, v)` for `.enumerate()`, `(a, b)` for `.zip()`",
                );
                None
            }
        }
    }
}

/// Renames the names of a pattern.
fn rename_pat(p: &mut Pat, map: &[(Ident, Ident)]) {
    struct R<'a>(&'a [(Ident, Ident)]);
    impl syn::visit_mut::VisitMut for R<'_> {
        // `Point { x, y }`: renamed, the shorthand needs its field name (`x: NEW`).
        fn visit_field_pat_mut(&mut self, f: &mut syn::FieldPat) {
            crate::naming::unshorten(f);
            syn::visit_mut::visit_field_pat_mut(self, f);
        }
        fn visit_pat_ident_mut(&mut self, pi: &mut syn::PatIdent) {
            if let Some((_, new)) = self.0.iter().find(|(o, _)| *o == pi.ident) {
                pi.ident = new.clone();
                pi.mutability = None;
            }
        }
    }
    syn::visit_mut::VisitMut::visit_pat_mut(&mut R(map), p);
}

/// What an iterator of data yields, as far as its syntax tells: references, or anything else
/// (numbers by value, indices), or pairs of them.
enum Yields {
    Refs,
    Other,
    Pair(Box<Yields>, Box<Yields>),
}

fn yields(e: &Expr, refs: &[Ident]) -> Yields {
    match crate::desugar::unparen(e) {
        Expr::Reference(r) if r.mutability.is_none() => Yields::Refs,
        // A name bound to a reference (`let xs = &d.x;`, as the fields of `self` are).
        Expr::Path(p) if p.path.get_ident().is_some_and(|i| refs.contains(i)) => Yields::Refs,
        Expr::MethodCall(m) => match (m.method.to_string().as_str(), m.args.len()) {
            ("iter", 0) => Yields::Refs,
            ("rev" | "skip" | "take" | "step_by" | "filter" | "skip_while" | "take_while", _) => {
                yields(&m.receiver, refs)
            }
            ("enumerate", 0) => {
                Yields::Pair(Box::new(Yields::Other), Box::new(yields(&m.receiver, refs)))
            }
            ("zip", 1) => Yields::Pair(
                Box::new(yields(&m.receiver, refs)),
                Box::new(yields(&m.args[0], refs)),
            ),
            _ => Yields::Other,
        },
        _ => Yields::Other,
    }
}

/// The names `pat` binds to references that the iterator `iter` yields (`xi` of `for xi in
/// &d.x`, of `d.x.iter().zip(&d.y).map(|(xi, yi)| ..)`): data of a type the macro cannot see,
/// which a call passes on as it may pass a slice (see `Lowerer::unseen_type`). Not a name bound
/// by value (`&y`, after `.copied()`), nor an index of `.enumerate()`. `refs`: the names bound to
/// references.
pub(super) fn reference_items(pat: &Pat, iter: &Expr, refs: &[Ident]) -> Vec<Ident> {
    fn walk(p: &Pat, y: &Yields, out: &mut Vec<Ident>) {
        match (p, y) {
            (Pat::Ident(pi), Yields::Refs) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                out.push(pi.ident.clone());
            }
            (Pat::Paren(pp), _) => walk(&pp.pat, y, out),
            (Pat::Tuple(t), Yields::Pair(a, b)) if t.elems.len() == 2 => {
                walk(&t.elems[0], a, out);
                walk(&t.elems[1], b, out);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(pat, &yields(iter, refs), &mut out);
    out
}
