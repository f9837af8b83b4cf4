//! Lists of pieces: `let pairs: Vec<&[f64]> = x.chunks(2).collect();` (also `chunks_exact`,
//! `windows`, `collect::<Vec<_>>()`), then read as a list.
//!
//! Input: `for p in &pairs { .. }`, `pairs.len()`, `pairs[i][j]`, `for w in pairs.windows(2) {
//! .. w[1][0] .. }`.
//! Output: `for p in x.chunks(2) { .. }`, `x.len().div_ceil(2)`, `x[i * 2..][j]` (a piece is a
//! part of `x`), `for W in 0..LEN.saturating_sub(1) { .. pairs[W + 1][0] .. }` and then the same:
//! every piece is a part of the sequence, which lowering follows, where a `Vec` of references is
//! data it cannot see into.

use super::closures::{mentions, touches};
use std::collections::HashSet;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// [`piece_list_lets`] in every block of `body`.
pub fn piece_lists(body: &mut syn::Block) {
    super::each_block_inner_first(body, piece_list_lets);
}

/// How a list's pieces are cut from their sequence.
#[derive(Clone, Copy, PartialEq)]
enum Cut {
    Chunks,
    Exact,
    Windows,
}

/// The list: its sequence (a name or a field, or a part `x[a..b]` of one, as a layer's row of
/// a model is by the time this runs), the cut and the piece length.
struct List {
    seq: syn::Expr,
    /// The name or field the pieces are parts of.
    base: syn::Expr,
    /// Where the sequence starts and ends in `base`, for a part.
    part: Option<(syn::Expr, syn::Expr)>,
    cut: Cut,
    k: syn::Expr,
}

impl List {
    fn iter(&self) -> syn::Expr {
        let (seq, k) = (&self.seq, &self.k);
        match self.cut {
            Cut::Chunks => syn::parse_quote!(#seq.chunks(#k)),
            Cut::Exact => syn::parse_quote!(#seq.chunks_exact(#k)),
            Cut::Windows => syn::parse_quote!(#seq.windows(#k)),
        }
    }
    /// The sequence's length.
    fn seq_len(&self) -> syn::Expr {
        match &self.part {
            Some((a, b)) => syn::parse_quote!(((#b) - (#a))),
            None => {
                let seq = &self.base;
                syn::parse_quote!(#seq.len())
            }
        }
    }
    fn len(&self) -> syn::Expr {
        let (n, k) = (self.seq_len(), &self.k);
        match self.cut {
            Cut::Chunks => syn::parse_quote!(#n.div_ceil(#k)),
            Cut::Exact => syn::parse_quote!((#n / (#k))),
            Cut::Windows => syn::parse_quote!((#n + 1).saturating_sub(#k)),
        }
    }
    fn piece(&self, i: &syn::Expr) -> syn::Expr {
        let (base, k) = (&self.base, &self.k);
        // Where the sequence starts in `base`, and where it ends.
        let (at, end) = match &self.part {
            Some((a, b)) => (quote::quote!((#a) +), quote::quote!(#b)),
            None => (quote::quote!(), quote::quote!(#base.len())),
        };
        match self.cut {
            Cut::Chunks => {
                syn::parse_quote!(#base[#at (#i) * (#k)..(#at (#i) * (#k) + (#k)).min(#end)])
            }
            Cut::Exact => syn::parse_quote!(#base[#at (#i) * (#k)..#at (#i) * (#k) + (#k)]),
            Cut::Windows => syn::parse_quote!(#base[#at (#i)..#at (#i) + (#k)]),
        }
    }
}

/// `x.chunks(2).collect()` (and `collect::<Vec<_>>()`) of a name or a field `x` or a part
/// `x[a..b]` of one, the length a literal or a name.
fn list_of(e: &syn::Expr) -> Option<List> {
    let syn::Expr::MethodCall(c) = e else {
        return None;
    };
    if c.method != "collect" || !c.args.is_empty() {
        return None;
    }
    let syn::Expr::MethodCall(m) = super::unparen(&c.receiver) else {
        return None;
    };
    let cut = match m.method.to_string().as_str() {
        "chunks" => Cut::Chunks,
        "chunks_exact" => Cut::Exact,
        "windows" => Cut::Windows,
        _ => return None,
    };
    let k = m.args.first().filter(|_| m.args.len() == 1)?;
    let seq = super::unparen(&m.receiver);
    let whole = |e: &syn::Expr| matches!(e, syn::Expr::Path(_) | syn::Expr::Field(_));
    let (base, part) = match seq {
        e if whole(e) => (e.clone(), None),
        syn::Expr::Index(ix) if whole(super::unparen(&ix.expr)) => {
            let syn::Expr::Range(r) = super::unparen(&ix.index) else {
                return None;
            };
            if !matches!(r.limits, syn::RangeLimits::HalfOpen(_)) {
                return None;
            }
            let base = super::unparen(&ix.expr).clone();
            let start: syn::Expr = r.start.as_deref().cloned().unwrap_or(syn::parse_quote!(0));
            let end: syn::Expr = r
                .end
                .as_deref()
                .cloned()
                .unwrap_or(syn::parse_quote!(#base.len()));
            if !simple(&start) || !simple(&end) {
                return None;
            }
            (base, Some((start, end)))
        }
        _ => return None,
    };
    if !simple(k) {
        return None;
    }
    Some(List {
        seq: seq.clone(),
        base,
        part,
        cut,
        k: k.clone(),
    })
}

/// An index or a length that may be written more than once: names, literals, fields and
/// arithmetic of them.
fn simple(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Path(p) => p.path.get_ident().is_some(),
        syn::Expr::Lit(_) => true,
        syn::Expr::Field(f) => simple(&f.base),
        syn::Expr::Paren(p) => simple(&p.expr),
        // Integers read from data (`offs[l]`).
        syn::Expr::Index(i) => simple(&i.expr) && simple(&i.index),
        // Lengths (`x.len()`, and those of lists written out below).
        syn::Expr::MethodCall(m) => {
            ["len", "saturating_sub", "div_ceil", "min", "max"]
                .iter()
                .any(|n| m.method == n)
                && simple(&m.receiver)
                && m.args.iter().all(simple)
        }
        syn::Expr::Binary(b) => {
            matches!(
                b.op,
                syn::BinOp::Add(_) | syn::BinOp::Sub(_) | syn::BinOp::Mul(_) | syn::BinOp::Div(_)
            ) && simple(&b.left)
                && simple(&b.right)
        }
        _ => false,
    }
}

/// [`piece_lists`] in one block: each `let` of a list whose every later use is rewritten.
fn piece_list_lets(b: &mut syn::Block) {
    let mut k = 0;
    while k < b.stmts.len() {
        let def = match &b.stmts[k] {
            syn::Stmt::Local(l) if l.attrs.is_empty() => {
                let (pat, _) = super::pat_and_type(l);
                match (pat, &l.init) {
                    (syn::Pat::Ident(pi), Some(init))
                        if pi.by_ref.is_none()
                            && pi.mutability.is_none()
                            && pi.subpat.is_none()
                            && init.diverge.is_none() =>
                    {
                        list_of(&init.expr).map(|list| (pi.ident.clone(), list))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let Some((name, list)) = def else {
            k += 1;
            continue;
        };
        // The statements after it, none writing the sequence, its length or the list's name.
        let mut read = HashSet::new();
        struct Names<'a>(&'a mut HashSet<String>);
        impl<'a> Visit<'a> for Names<'_> {
            fn visit_ident(&mut self, i: &'a proc_macro2::Ident) {
                self.0.insert(i.to_string());
            }
        }
        Names(&mut read).visit_expr(&list.seq);
        Names(&mut read).visit_expr(&list.k);
        // A later declaration of the sequence's or the size's name (`for xs in 0..n`) is
        // another variable: renamed, so that what the rewrite puts there means the one here.
        let seq_names = crate::desugar::sub_slices::names_in(&{
            let (seq, size) = (&list.seq, &list.k);
            quote::quote!(#seq #size)
        });
        for n in &seq_names {
            crate::desugar::sub_slices::unshadow(&mut b.stmts[k + 1..], n);
        }
        read.insert(name.to_string());
        let rest = &b.stmts[k + 1..];
        if rest.iter().any(|s| touches(s, &read)) {
            k += 1;
            continue;
        }
        let mut rest: Vec<syn::Stmt> = rest.to_vec();
        let mut uses = Uses {
            name: &name,
            list: &list,
            ok: true,
        };
        for s in &mut rest {
            uses.visit_stmt_mut(s);
        }
        if !uses.ok || mentions(&rest, &name) {
            k += 1;
            continue;
        }
        b.stmts.truncate(k);
        b.stmts.extend(rest);
    }
}

/// Rewrites the uses of the list `name`; `ok` is cleared by a use it cannot rewrite.
struct Uses<'a> {
    name: &'a syn::Ident,
    list: &'a List,
    ok: bool,
}

impl Uses<'_> {
    fn is_name(&self, e: &syn::Expr) -> bool {
        matches!(super::unparen(e), syn::Expr::Path(p) if p.path.get_ident() == Some(self.name))
    }

    /// `pairs`, `&pairs`, `pairs.iter()`, `pairs.into_iter()`: the list as an iterator.
    fn whole(&self, e: &syn::Expr) -> bool {
        match super::unparen(e) {
            syn::Expr::Reference(r) if r.mutability.is_none() => self.is_name(&r.expr),
            syn::Expr::MethodCall(m) => {
                (m.method == "iter" || m.method == "into_iter")
                    && m.args.is_empty()
                    && self.is_name(&m.receiver)
            }
            e => self.is_name(e),
        }
    }

    /// `for w in pairs.windows(m) { .. w[a] .. }`: see [`windows_loop`].
    fn windows_loop(&self, f: &syn::ExprForLoop) -> Option<syn::Expr> {
        let len = self.list.len();
        windows_loop(self.name, &len, f)
    }
}

impl Uses<'_> {
    /// `pairs.windows(m).map(|w| .. w[a] ..)`: see [`windows_map`].
    fn windows_map(&self, m: &syn::ExprMethodCall) -> Option<syn::Expr> {
        let len = self.list.len();
        windows_map(self.name, &len, m)
    }
}

/// `for w in list.windows(m) { .. w[a] .. }`: an index loop reading `list[W + a]`, over the
/// windows' starts (`len` the list's length). `None` where the body reads `w` otherwise.
pub(super) fn windows_loop(
    list: &syn::Ident,
    len: &dyn quote::ToTokens,
    f: &syn::ExprForLoop,
) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(m) = super::unparen(&f.expr) else {
        return None;
    };
    if m.method != "windows" || m.args.len() != 1 || !is_ident(&m.receiver, list) {
        return None;
    }
    let syn::Pat::Ident(w) = &*f.pat else {
        return None;
    };
    let width = &m.args[0];
    if !simple(width) {
        return None;
    }
    let mut body = syn::Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: f.body.clone(),
    });
    let at = window_reads(list, &w.ident, &mut body)?;
    let syn::Expr::Block(body) = body else {
        unreachable!("a block stays a block")
    };
    let label = &f.label;
    Some(syn::parse_quote!(#label for #at in 0..(#len + 1).saturating_sub(#width) #body))
}

/// `list.windows(m).map(|w| .. w[a] ..)`: `(0..COUNT).map(|W| .. list[W + a] ..)`, the windows
/// by their start, as [`windows_loop`] has them.
pub(super) fn windows_map(
    list: &syn::Ident,
    len: &dyn quote::ToTokens,
    m: &syn::ExprMethodCall,
) -> Option<syn::Expr> {
    let (syn::Expr::MethodCall(win), [syn::Expr::Closure(cl)]) = (
        super::unparen(&m.receiver),
        &m.args.iter().collect::<Vec<_>>()[..],
    ) else {
        return None;
    };
    if m.method != "map"
        || win.method != "windows"
        || win.args.len() != 1
        || !is_ident(&win.receiver, list)
        || cl.inputs.len() != 1
    {
        return None;
    }
    let syn::Pat::Ident(w) = &cl.inputs[0] else {
        return None;
    };
    let width = &win.args[0];
    if !simple(width) {
        return None;
    }
    let mut body = (*cl.body).clone();
    let at = window_reads(list, &w.ident, &mut body)?;
    Some(syn::parse_quote!((0..(#len + 1).saturating_sub(#width)).map(|#at| #body)))
}

fn is_ident(e: &syn::Expr, name: &syn::Ident) -> bool {
    matches!(super::unparen(e), syn::Expr::Path(p) if p.path.get_ident() == Some(name))
}

/// `body` with its reads `w[a]` of a window as `list[AT + a]`, and the name `AT` of the
/// window's start; `None` where `body` reads `w` otherwise.
fn window_reads(list: &syn::Ident, w: &syn::Ident, body: &mut syn::Expr) -> Option<syn::Ident> {
    let at = crate::naming::fresh("window");
    let mut reads = WindowReads {
        w,
        at: &at,
        list,
        ok: true,
    };
    reads.visit_expr_mut(body);
    let mentioned = crate::naming::mentions(quote::ToTokens::to_token_stream(&*body), &|i| i == w);
    (reads.ok && !mentioned).then_some(at)
}

impl VisitMut for Uses<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if !self.ok {
            return;
        }
        if let syn::Expr::MethodCall(m) = e {
            if let Some(by_start) = self.windows_map(m) {
                *e = by_start;
                // The closure reads the list by index now.
                syn::visit_mut::visit_expr_mut(self, e);
                return;
            }
        }
        match e {
            syn::Expr::ForLoop(f) => {
                if let Some(l) = self.windows_loop(f) {
                    *e = l;
                    // The loop's body reads the list by index now.
                    self.visit_expr_mut(e);
                    return;
                }
                if self.whole(&f.expr) {
                    *f.expr = self.list.iter();
                }
            }
            syn::Expr::MethodCall(m) if m.args.is_empty() && self.is_name(&m.receiver) => {
                match m.method.to_string().as_str() {
                    "len" => *e = self.list.len(),
                    "is_empty" => {
                        let len = self.list.len();
                        *e = syn::parse_quote!((#len == 0));
                    }
                    "iter" | "into_iter" => *e = self.list.iter(),
                    _ => self.ok = false,
                }
                return;
            }
            // `a.iter().zip(&pairs)`: the pieces.
            syn::Expr::MethodCall(m)
                if m.method == "zip" && m.args.len() == 1 && self.whole(&m.args[0]) =>
            {
                m.args[0] = self.list.iter();
            }
            syn::Expr::Index(ix) if self.is_name(&ix.expr) => {
                // (`pts[pts.len() - 1]`: the length written out first.)
                self.visit_expr_mut(&mut ix.index);
                if !simple(&ix.index) || matches!(&*ix.index, syn::Expr::Range(_)) {
                    self.ok = false;
                    return;
                }
                *e = self.list.piece(&ix.index);
                return;
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    /// `let q = pairs[i];`: a view of that piece, `let q = &x[..];` (the piece itself is a
    /// place of no size).
    fn visit_local_mut(&mut self, l: &mut syn::Local) {
        if let Some(init) = &mut l.init {
            if let syn::Expr::Index(ix) = &mut *init.expr {
                if self.is_name(&ix.expr) && init.diverge.is_none() {
                    self.visit_expr_mut(&mut init.expr);
                    let piece = &init.expr;
                    *init.expr = syn::parse_quote!(&#piece);
                    return;
                }
            }
        }
        syn::visit_mut::visit_local_mut(self, l);
    }
    /// `vec![0.0; pairs.len()]`, `assert!(pairs.len() > 1, "..")`: expressions, rewritten as
    /// any others. A list named inside a format string (`"{pairs:?}"`) keeps the list.
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        if m.path.is_ident("vec") {
            super::vec_parts(m, |e| self.visit_expr_mut(e));
        } else if let Ok(args) = m.parse_body_with(
            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
        ) {
            let name = self.name.to_string();
            let mut args: Vec<syn::Expr> = args.into_iter().collect();
            for a in &mut args {
                match a {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => self.ok &= !s.value().contains(&name),
                    a => self.visit_expr_mut(a),
                }
            }
            m.tokens = quote::quote!(#(#args),*);
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The reads `w[a]` of a window in its loop's body, as `list[AT + a]`; `ok` is cleared where
/// the window is bound again.
struct WindowReads<'a> {
    w: &'a syn::Ident,
    at: &'a syn::Ident,
    list: &'a syn::Ident,
    ok: bool,
}

impl VisitMut for WindowReads<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::Index(ix) = e {
            if matches!(&*ix.expr, syn::Expr::Path(p) if p.path.get_ident() == Some(self.w))
                && simple(&ix.index)
            {
                let (at, list, a) = (self.at, self.list, &ix.index);
                *e = syn::parse_quote!(#list[#at + #a]);
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
        self.ok &= p.ident != *self.w;
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
