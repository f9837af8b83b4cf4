//! A sub-slice bound to a name: `let s = &x[a..b];` (also `&x[a..]`, `&x[..b]`, `&x[..]`,
//! typed `let s: &[f64] = ..`).
//!
//! Lowering follows sub-slices where they are written (`x[a..b].iter()`, `f(&x[a..b])`) and
//! elements of `x`, not a name for part of it. So the name is read through `x` instead: `s[i]`
//! is `x[A + i]`, and any other read of `s` (`s.iter()`, `s.len()`, `f(s)`, `for v in s`) is
//! `x[A..B]`, with the bounds `A`, `B` evaluated once where the `let` stood. The borrow checker
//! keeps `x` unchanged while `s` is alive, so both read the same values.

use proc_macro2::Ident;
use syn::visit_mut::VisitMut;

/// What the rest of the block reads instead of the name.
pub struct Subst {
    name: Ident,
    pub seq: Ident,
    start: Ident,
    end: Option<Ident>,
    /// `let s = &mut x[a..b];`: the name on its own lends the part mutably.
    mutable: bool,
}

/// Input: `let s = &x[a..b];` with `x` a name not among `skip` (parameters that are no float
/// sequences). Output: `let A: usize = a; let B: usize = b;` and the substitution for the
/// statements after it; `None` for any other `let`.
pub fn sub_slice_let(
    l: &syn::Local,
    skip: &std::collections::HashSet<String>,
) -> Option<(Vec<syn::Stmt>, Subst)> {
    let (pat, _) = super::pat_and_type(l);
    let syn::Pat::Ident(pi) = pat else {
        return None;
    };
    if pi.by_ref.is_some() || pi.subpat.is_some() || pi.mutability.is_some() {
        return None;
    }
    let init = l.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    // (`let b: &[f64] = (&x[a..b]);`: a closure's parameter bound to its argument.)
    let syn::Expr::Reference(r) = super::unparen(&init.expr) else {
        return None;
    };
    let syn::Expr::Index(ix) = super::unparen(&r.expr) else {
        return None;
    };
    let syn::Expr::Path(p) = &*ix.expr else {
        return None;
    };
    let seq = p.path.get_ident()?.clone();
    if skip.contains(&seq.to_string()) || seq == pi.ident {
        return None;
    }
    let syn::Expr::Range(range) = &*ix.index else {
        return None;
    };
    let (start, end) = (crate::naming::fresh("start"), crate::naming::fresh("end"));
    let a: syn::Expr = match &range.start {
        Some(a) => (**a).clone(),
        None => syn::parse_quote!(0),
    };
    let mut lets: Vec<syn::Stmt> = vec![syn::parse_quote!(let #start: usize = #a;)];
    let end = match &range.end {
        Some(b) => {
            let b: syn::Expr = match range.limits {
                syn::RangeLimits::HalfOpen(_) => (**b).clone(),
                syn::RangeLimits::Closed(_) => syn::parse_quote!(#b + 1),
            };
            lets.push(syn::parse_quote!(let #end: usize = #b;));
            Some(end)
        }
        None => None,
    };
    Some((
        lets,
        Subst {
            name: pi.ident.clone(),
            seq,
            start,
            end,
            mutable: r.mutability.is_some(),
        },
    ))
}

impl Subst {
    /// `x[A..B]` (or `x[A..]`).
    fn whole(&self) -> syn::Expr {
        let (seq, start) = (&self.seq, &self.start);
        match &self.end {
            Some(end) => syn::parse_quote!(#seq[#start..#end]),
            None => syn::parse_quote!(#seq[#start..]),
        }
    }

    /// `x[A..B].iter()`: the elements, as lowering iterates a part of a sequence.
    fn iter(&self) -> syn::Expr {
        let whole = self.whole();
        syn::parse_quote!(#whole.iter())
    }

    /// `(B - A)` (or `(x.len() - A)`).
    fn len(&self) -> syn::Expr {
        let (seq, start) = (&self.seq, &self.start);
        match &self.end {
            Some(end) => syn::parse_quote!((#end - #start)),
            None => syn::parse_quote!((#seq.len() - #start)),
        }
    }

    fn is_name(&self, e: &syn::Expr) -> bool {
        matches!(e, syn::Expr::Path(p) if p.path.is_ident(&self.name))
    }

    /// Rewrites `stmts` (the rest of the block after the `let`) up to and including a `let`
    /// that binds the name again (whose initializer still reads the old one).
    pub fn apply(&mut self, stmts: &mut [syn::Stmt]) {
        for s in stmts {
            let rebinds = matches!(s, syn::Stmt::Local(l) if binds(&l.pat, &self.name));
            self.visit_stmt_mut(s);
            if rebinds {
                return;
            }
        }
    }
}

/// Whether the pattern `p` binds `name`.
pub fn binds(p: &syn::Pat, name: &Ident) -> bool {
    let mut names = Vec::new();
    crate::lower::collect_idents(p, &mut names);
    names.contains(name)
}

impl VisitMut for Subst {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::Index(ix) if self.is_name(&ix.expr) => {
                self.visit_expr_mut(&mut ix.index);
                let (seq, start) = (&self.seq, &self.start);
                let index = &ix.index;
                *e = match &**index {
                    syn::Expr::Range(r) => {
                        // `s[a..b]`: the same part of `x`, shifted.
                        let lo = r.start.as_ref().map_or_else(
                            || quote::quote!(#start),
                            |a| quote::quote!(#start + (#a)),
                        );
                        let hi = match (&r.end, &self.end) {
                            (Some(b), _) => {
                                let limits = &r.limits;
                                quote::quote!(#limits #start + (#b))
                            }
                            (None, Some(end)) => quote::quote!(..#end),
                            (None, None) => quote::quote!(..),
                        };
                        syn::parse_quote!(#seq[#lo #hi])
                    }
                    i => syn::parse_quote!(#seq[#start + (#i)]),
                };
            }
            syn::Expr::Reference(r) if r.mutability.is_none() && self.is_name(&r.expr) => {
                let whole = self.whole();
                *e = syn::parse_quote!(&#whole);
            }
            syn::Expr::MethodCall(m)
                if m.method == "zip"
                    && m.args.len() == 1
                    && {
                        let a = &m.args[0];
                        self.is_name(a)
                            || matches!(a, syn::Expr::Reference(r) if r.mutability.is_none() && self.is_name(&r.expr))
                    } =>
            {
                // `a.iter().zip(s)`: the elements, as an iterator.
                m.args[0] = self.iter();
                self.visit_expr_mut(&mut m.receiver);
            }
            syn::Expr::MethodCall(m) if self.is_name(&m.receiver) => {
                for a in &mut m.args {
                    self.visit_expr_mut(a);
                }
                match (m.method.to_string().as_str(), m.args.is_empty()) {
                    ("iter" | "into_iter", true) => *e = self.iter(),
                    ("len", true) => *e = self.len(),
                    ("is_empty", true) => {
                        let len = self.len();
                        *e = syn::parse_quote!((#len == 0));
                    }
                    _ => *m.receiver = self.whole(),
                }
            }
            syn::Expr::ForLoop(f) => {
                let named = match &*f.expr {
                    syn::Expr::Reference(r) => self.is_name(&r.expr),
                    e => self.is_name(e),
                };
                if named {
                    *f.expr = self.iter();
                } else {
                    self.visit_expr_mut(&mut f.expr);
                }
                // A loop variable of the same name is another variable.
                if !binds(&f.pat, &self.name) {
                    self.visit_block_mut(&mut f.body);
                }
            }
            syn::Expr::Path(_) if self.is_name(e) => {
                let whole = self.whole();
                *e = if self.mutable {
                    syn::parse_quote!((&mut #whole))
                } else {
                    syn::parse_quote!((&#whole))
                };
            }
            syn::Expr::Closure(c) => {
                // A closure's parameter of the same name is another variable.
                if !c.inputs.iter().any(|p| binds(p, &self.name)) {
                    syn::visit_mut::visit_expr_closure_mut(self, c);
                }
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        self.apply(&mut b.stmts);
    }

    /// `vec![s.iter().sum::<f64>(); 2]`, `assert!(s.len() > 1)`: the name in a macro's tokens
    /// is the part `(&x[A..B])` (or its iterator before `.iter()`).
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        // `vec![s.chunks(2).map(..).sum(), ..]`: the elements are expressions, rewritten as such
        // (a method's receiver becomes the part itself).
        if m.path.is_ident("vec") {
            super::vec_parts(m, |e| self.visit_expr_mut(e));
            return;
        }
        fn tokens(ts: proc_macro2::TokenStream, s: &Subst) -> proc_macro2::TokenStream {
            let tts: Vec<proc_macro2::TokenTree> = ts.into_iter().collect();
            let mut out = proc_macro2::TokenStream::new();
            for (k, tt) in tts.iter().enumerate() {
                match tt {
                    proc_macro2::TokenTree::Ident(i)
                        if *i == s.name
                            && !matches!(k.checked_sub(1).and_then(|j| tts.get(j)), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '.') =>
                    {
                        let whole = s.whole();
                        out.extend(quote::quote!((&#whole)));
                    }
                    proc_macro2::TokenTree::Group(g) => {
                        let mut ng = proc_macro2::Group::new(g.delimiter(), tokens(g.stream(), s));
                        ng.set_span(g.span());
                        out.extend([proc_macro2::TokenTree::Group(ng)]);
                    }
                    other => out.extend([other.clone()]),
                }
            }
            out
        }
        m.tokens = tokens(std::mem::take(&mut m.tokens), self);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `x` (from 0, to its end: `None`), or a part `x[lo..hi]`, as the slice and its bounds.
fn slice_part(
    e: &syn::Expr,
) -> Option<(
    &syn::Expr,
    proc_macro2::TokenStream,
    Option<proc_macro2::TokenStream>,
)> {
    match e {
        x @ (syn::Expr::Path(_) | syn::Expr::Field(_)) => Some((x, quote::quote!(0), None)),
        syn::Expr::Index(ix) => {
            let (x @ syn::Expr::Path(_), syn::Expr::Range(r)) = (&*ix.expr, &*ix.index) else {
                return None;
            };
            let lo = r
                .start
                .as_ref()
                .map_or_else(|| quote::quote!(0), |a| quote::quote!((#a)));
            let hi = r.end.as_ref().map(|b| match r.limits {
                syn::RangeLimits::HalfOpen(_) => quote::quote!((#b)),
                syn::RangeLimits::Closed(_) => quote::quote!((#b) + 1),
            });
            Some((x, lo, hi))
        }
        _ => None,
    }
}

/// Input: `let (a, b) = x.split_at(k);` (either name may be `_`; `x` may be a part `x[lo..hi]`).
/// Output: `let K: usize = lo + k; let a = &x[lo..K]; let b = &x[K..hi];`, two sub-slices as
/// above.
pub fn split_at_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (pat, _) = super::pat_and_type(l);
    let syn::Pat::Tuple(t) = pat else {
        return None;
    };
    let init = l.init.as_ref()?;
    let syn::Expr::MethodCall(m) = &*init.expr else {
        return None;
    };
    if init.diverge.is_some() || m.method != "split_at" || m.args.len() != 1 || t.elems.len() != 2 {
        return None;
    }
    // `x`, or a part `x[a..b]` (a name for a part is read so by then).
    let (x, lo, hi) = slice_part(&m.receiver)?;
    let k = crate::naming::fresh("split");
    let at = &m.args[0];
    let mut out: Vec<syn::Stmt> = vec![syn::parse_quote!(let #k: usize = #lo + (#at);)];
    let parts: [syn::Expr; 2] = [
        syn::parse_quote!(&#x[#lo..#k]),
        match hi {
            Some(hi) => syn::parse_quote!(&#x[#k..#hi]),
            None => syn::parse_quote!(&#x[#k..]),
        },
    ];
    for (p, part) in t.elems.iter().zip(parts) {
        match p {
            syn::Pat::Wild(_) => {}
            syn::Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
                out.push(syn::parse_quote!(let #i = #part;));
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Input: `let (a, b) = x.split_at_mut(k);` of a local buffer `x`, then `rest`, which uses `a`
/// and `b` only by index (`a[j] += ..`, `b[j]`) and by `.len()`. Output: `let K: usize = k;`,
/// with `rest` reading and writing `x[j]` and `x[K + j]` in their place (`None`, nothing
/// changed, for other uses).
pub fn split_at_mut_let(
    l: &syn::Local,
    buffers: &std::collections::HashSet<String>,
    rest: &mut [syn::Stmt],
) -> Option<syn::Stmt> {
    let syn::Pat::Tuple(t) = &l.pat else {
        return None;
    };
    let init = l.init.as_ref()?;
    let syn::Expr::MethodCall(m) = &*init.expr else {
        return None;
    };
    let x = match &*m.receiver {
        syn::Expr::Path(p) => p.path.get_ident()?,
        _ => return None,
    };
    if init.diverge.is_some()
        || m.method != "split_at_mut"
        || m.args.len() != 1
        || t.elems.len() != 2
        || !buffers.contains(&x.to_string())
    {
        return None;
    }
    let k = crate::naming::fresh("split");
    let mut parts: Vec<(syn::Ident, syn::Expr, syn::Expr)> = Vec::new();
    for (p, (start, len)) in t.elems.iter().zip([
        (quote::quote!(0), quote::quote!(#k)),
        (quote::quote!(#k), quote::quote!((#x.len() - #k))),
    ]) {
        match p {
            syn::Pat::Wild(_) => {}
            syn::Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
                parts.push((
                    i.ident.clone(),
                    syn::parse2(start).ok()?,
                    syn::parse2(len).ok()?,
                ));
            }
            _ => return None,
        }
    }
    let mut rewritten = rest.to_vec();
    // (A later `let` of one of the names: the parts' scope ends there, which this does not
    // follow.)
    let rebound = rewritten.iter().any(|s| {
        let syn::Stmt::Local(later) = s else {
            return false;
        };
        let mut names = Vec::new();
        crate::lower::collect_idents(&later.pat, &mut names);
        parts.iter().any(|(n, ..)| names.contains(n))
    });
    if rebound || !parts_as_positions(&mut rewritten, x, &parts) {
        return None;
    }
    rest.clone_from_slice(&rewritten);
    let at = &m.args[0];
    Some(syn::parse_quote!(let #k: usize = #at;))
}

/// Rewrites, in `stmts`, each part `(name, start, len)` of the buffer `x` (a piece of `chunks_mut`,
/// a half of `split_at_mut`) read or written by index as `x[start + j]`, and measured by `.len()`
/// as `len`; `false` (`stmts` partly rewritten) where a part is used otherwise.
pub fn parts_as_positions(
    stmts: &mut [syn::Stmt],
    x: &syn::Ident,
    parts: &[(syn::Ident, syn::Expr, syn::Expr)],
) -> bool {
    struct Sub<'a> {
        x: &'a syn::Ident,
        parts: &'a [(syn::Ident, syn::Expr, syn::Expr)],
        other_use: bool,
    }
    impl Sub<'_> {
        fn part(&self, e: &syn::Expr) -> Option<usize> {
            let syn::Expr::Path(p) = e else { return None };
            self.parts.iter().position(|(n, ..)| p.path.is_ident(n))
        }
    }
    impl syn::visit_mut::VisitMut for Sub<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            match e {
                syn::Expr::Index(ix) if self.part(&ix.expr).is_some() => {
                    let k = self.part(&ix.expr).unwrap_or(0);
                    self.visit_expr_mut(&mut ix.index);
                    if matches!(&*ix.index, syn::Expr::Range(_)) {
                        self.other_use = true;
                        return;
                    }
                    let (x, start, j) = (self.x, &self.parts[k].1, &ix.index);
                    *e = syn::parse_quote!(#x[#start + (#j)]);
                }
                syn::Expr::MethodCall(mc)
                    if self.part(&mc.receiver).is_some()
                        && mc.method == "len"
                        && mc.args.is_empty() =>
                {
                    *e = self.parts[self.part(&mc.receiver).unwrap_or(0)].2.clone();
                }
                e if self.part(e).is_some() => self.other_use = true,
                e => syn::visit_mut::visit_expr_mut(self, e),
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut sub = Sub {
        x,
        parts,
        other_use: false,
    };
    for s in stmts.iter_mut() {
        syn::visit_mut::VisitMut::visit_stmt_mut(&mut sub, s);
    }
    !sub.other_use
}

/// [`split_end_let`] for the parts of a field (`let (a, rest) = layer.w.split_first().unwrap();`
/// of a model's layer), at any depth of `body`: before the models' rewrite, which follows a
/// field's elements and parts by index.
pub fn split_ends_of_fields(body: &mut syn::Block) {
    struct Ends;
    impl syn::visit_mut::VisitMut for Ends {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, b);
            let mut out = Vec::with_capacity(b.stmts.len());
            for st in b.stmts.drain(..) {
                let of_field = |l: &syn::Local| {
                    let mut e = match &l.init {
                        Some(i) => &*i.expr,
                        None => return false,
                    };
                    // Through `.unwrap()`/`.expect(..)` to `recv.split_first()`.
                    while let syn::Expr::MethodCall(m) = e {
                        if m.method == "split_first" || m.method == "split_last" {
                            return matches!(&*m.receiver, syn::Expr::Field(_));
                        }
                        e = &m.receiver;
                    }
                    false
                };
                match &st {
                    syn::Stmt::Local(l) if of_field(l) => match split_end_let(l) {
                        Some(parts) => out.extend(parts),
                        None => out.push(st),
                    },
                    _ => out.push(st),
                }
            }
            b.stmts = out;
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    syn::visit_mut::VisitMut::visit_block_mut(&mut Ends, body);
}

/// Input: `let (a, rest) = x.split_first().unwrap();` (or `split_last`, `.expect(..)`, or
/// `let Some((a, rest)) = x.split_first() else { .. };`; `a` may be `&a` or `_`; `x` may be a
/// part `x[lo..hi]`).
/// Output: `let K: usize = lo; let a = &x[K]; let rest = &x[K + 1..hi];` (for `split_last`,
/// `K = hi - 1` and `rest = &x[lo..K]`), after `if x.len() == 0 { .. }` for the `let .. else`:
/// an element and a sub-slice, as `split_at`'s.
pub fn split_end_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (pat, _) = super::pat_and_type(l);
    let init = l.init.as_ref()?;
    let (t, call, diverge) = match (pat, &init.diverge) {
        (syn::Pat::TupleStruct(ts), Some((_, d)))
            if ts.path.is_ident("Some") && ts.elems.len() == 1 =>
        {
            let syn::Pat::Tuple(t) = &ts.elems[0] else {
                return None;
            };
            (t, &*init.expr, Some(d))
        }
        (syn::Pat::Tuple(t), None) => {
            let syn::Expr::MethodCall(u) = &*init.expr else {
                return None;
            };
            let unwraps = (u.method == "unwrap" && u.args.is_empty())
                || (u.method == "expect" && u.args.len() == 1);
            if !unwraps {
                return None;
            }
            (t, &*u.receiver, None)
        }
        _ => return None,
    };
    let syn::Expr::MethodCall(m) = call else {
        return None;
    };
    let last = match m.method.to_string().as_str() {
        "split_first" => false,
        "split_last" => true,
        _ => return None,
    };
    if !m.args.is_empty() || t.elems.len() != 2 {
        return None;
    }
    let (x, lo, hi) = slice_part(&m.receiver)?;
    let end = hi.clone().unwrap_or_else(|| quote::quote!(#x.len()));
    let k = crate::naming::fresh("split");
    let mut out: Vec<syn::Stmt> = Vec::new();
    if let Some(d) = diverge {
        out.push(syn::parse_quote!(if #end <= #lo #d));
    }
    let rest: syn::Expr = if last {
        out.push(syn::parse_quote!(let #k: usize = #end - 1;));
        syn::parse_quote!(&#x[#lo..#k])
    } else {
        out.push(syn::parse_quote!(let #k: usize = #lo;));
        match hi {
            Some(hi) => syn::parse_quote!(&#x[#k + 1..#hi]),
            None => syn::parse_quote!(&#x[#k + 1..]),
        }
    };
    let one: syn::Expr = syn::parse_quote!(#x[#k]);
    for (i, p) in t.elems.iter().enumerate() {
        let is_one = i == 0;
        match p {
            syn::Pat::Wild(_) => {}
            syn::Pat::Ident(id) if id.by_ref.is_none() && id.subpat.is_none() => {
                out.push(if is_one {
                    syn::parse_quote!(let #id = &#one;)
                } else {
                    syn::parse_quote!(let #id = #rest;)
                });
            }
            syn::Pat::Reference(r) if is_one && r.mutability.is_none() => match &*r.pat {
                syn::Pat::Ident(id) if id.by_ref.is_none() && id.subpat.is_none() => {
                    out.push(syn::parse_quote!(let #id = #one;));
                }
                _ => return None,
            },
            _ => return None,
        }
    }
    Some(out)
}

/// Input: `let a = a.to_vec();` — a `let` whose value is a copy or part of the sequence the name
/// it declares already has (`a.iter().map(..).collect()`, `a.clone()`, `&a[1..]`,
/// `Vec::from(a)`), which the rewrites into buffers would otherwise read from the new, empty
/// buffer. Output: the `let` with a fresh name, and that name in the rest of the block (to where
/// `a` is declared again). `None` for other `let`s, or where a macro reads `a` inside its
/// format string (`"{a}"`), which renaming cannot reach.
pub fn shadowing_copy(l: &syn::Local, rest: &mut [syn::Stmt]) -> Option<syn::Stmt> {
    let (id, _, init) = super::plain_let(l)?;
    let name = &id.ident;
    if !crate::naming::mentions(quote::ToTokens::to_token_stream(init), &|i| i == name) {
        return None;
    }
    struct Copies(bool);
    impl<'a> syn::visit::Visit<'a> for Copies {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            match e {
                syn::Expr::MethodCall(m)
                    if [
                        "to_vec",
                        "to_owned",
                        "collect",
                        "clone",
                        "iter",
                        "into_iter",
                    ]
                    .iter()
                    .any(|n| m.method == n) =>
                {
                    self.0 = true;
                }
                syn::Expr::Reference(r) if matches!(&*r.expr, syn::Expr::Index(ix) if matches!(&*ix.index, syn::Expr::Range(_))) =>
                {
                    self.0 = true;
                }
                syn::Expr::Call(c)
                    if quote::quote!(#c)
                        .to_string()
                        .replace(' ', "")
                        .starts_with("Vec::from(") =>
                {
                    self.0 = true;
                }
                _ => {}
            }
            syn::visit::visit_expr(self, e);
        }
    }
    let mut c = Copies(false);
    syn::visit::Visit::visit_expr(&mut c, init);
    if !c.0 {
        return None;
    }
    let fresh = crate::naming::fresh(&name.to_string());
    if !rename_rest(rest, name, &fresh) {
        return None;
    }
    let mut l = l.clone();
    rename_in_pattern(&mut l.pat, name, &fresh, false);
    Some(syn::Stmt::Local(l))
}

/// `from` as `to` in `rest`, the statements after a `let` of `from`, up to where it is declared
/// again (nested blocks, closures, `for` and `match` patterns that bind it respected); `false`,
/// with `rest` unchanged, where a macro reads it inside a format string renaming cannot reach.
pub fn rename_rest(rest: &mut [syn::Stmt], from: &Ident, to: &Ident) -> bool {
    let mut r = Rename::new(from, to);
    let mut copy = rest.to_vec();
    r.visit_stmts(&mut copy);
    if r.unreachable {
        return false;
    }
    rest.clone_from_slice(&copy);
    true
}

/// `from` as `to` in `e` (scopes inside that declare `from` again respected); `false`, with
/// `e` unchanged, where a format string reads it.
pub fn rename_expr(e: &mut syn::Expr, from: &Ident, to: &Ident) -> bool {
    let mut r = Rename::new(from, to);
    let mut copy = e.clone();
    r.visit_expr_mut(&mut copy);
    if r.unreachable {
        return false;
    }
    *e = copy;
    true
}

/// Renames a local in the statements after its `let`, up to where it is declared again.
struct Rename<'a> {
    from: &'a Ident,
    to: &'a Ident,
    active: bool,
    /// A macro reads the name inside a format string.
    unreachable: bool,
}

impl<'a> Rename<'a> {
    fn new(from: &'a Ident, to: &'a Ident) -> Self {
        Rename {
            from,
            to,
            active: true,
            unreachable: false,
        }
    }

    fn visit_stmts(&mut self, stmts: &mut [syn::Stmt]) {
        let saved = self.active;
        for s in stmts {
            if let syn::Stmt::Local(l) = s {
                if let Some(init) = &mut l.init {
                    self.visit_expr_mut(&mut init.expr);
                    if let Some((_, d)) = &mut init.diverge {
                        self.visit_expr_mut(d);
                    }
                }
                if binds(&l.pat, self.from) {
                    self.active = false;
                }
                continue;
            }
            self.visit_stmt_mut(s);
        }
        self.active = saved;
    }
}

impl VisitMut for Rename<'_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        self.visit_stmts(&mut b.stmts);
    }

    fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
        if self.active && p.qself.is_none() && p.path.is_ident(self.from) {
            p.path.segments[0].ident = self.to.clone();
        }
    }

    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        if c.inputs.iter().any(|p| binds(p, self.from)) {
            return;
        }
        syn::visit_mut::visit_expr_closure_mut(self, c);
    }

    fn visit_expr_for_loop_mut(&mut self, f: &mut syn::ExprForLoop) {
        self.visit_expr_mut(&mut f.expr);
        if !binds(&f.pat, self.from) {
            self.visit_block_mut(&mut f.body);
        }
    }

    fn visit_arm_mut(&mut self, a: &mut syn::Arm) {
        if !binds(&a.pat, self.from) {
            syn::visit_mut::visit_arm_mut(self, a);
        }
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        if !self.active {
            return;
        }
        // A message macro: its format string's captures (`"{a}"`) made explicit (`a = a`), so
        // that they are renamed with the rest.
        if let Ok(args) = m.parse_body_with(
            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
        ) {
            let mut args = crate::lower::explicit_captures(args.into_iter().collect());
            for a in &mut args {
                match a {
                    syn::Expr::Assign(asg) => self.visit_expr_mut(&mut asg.right),
                    a => self.visit_expr_mut(a),
                }
            }
            m.tokens = quote::quote!(#(#args),*);
            return;
        }
        let (from, to) = (self.from.to_string(), self.to);
        let mut inline = false;
        m.tokens = rename_tokens(m.tokens.clone(), &from, to, &mut inline);
        self.unreachable |= inline;
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `tokens` with the identifier `from` as `to`; `inline` set where a string literal holds
/// `{from}` or `{from:..}` (a format string's capture).
pub(crate) fn rename_tokens(
    tokens: proc_macro2::TokenStream,
    from: &str,
    to: &Ident,
    inline: &mut bool,
) -> proc_macro2::TokenStream {
    use proc_macro2::TokenTree;
    tokens
        .into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) if i == from => TokenTree::Ident(to.clone()),
            TokenTree::Group(g) => {
                let mut n = proc_macro2::Group::new(
                    g.delimiter(),
                    rename_tokens(g.stream(), from, to, inline),
                );
                n.set_span(g.span());
                TokenTree::Group(n)
            }
            TokenTree::Literal(l) => {
                let s = l.to_string();
                if s.contains(&format!("{{{from}}}")) || s.contains(&format!("{{{from}:")) {
                    *inline = true;
                }
                TokenTree::Literal(l)
            }
            t => t,
        })
        .collect()
}

/// Input: `q[a..b][c..d]`, any bound left out, `..` ranges only. Output: `q[a + c..a + d]`
/// (`q[a + c..b]` without `d`): the same elements, where the first indexing does not panic.
pub fn part_of_part(e: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::Index(outer) = e else {
        return None;
    };
    let syn::Expr::Range(inner) = &*outer.index else {
        return None;
    };
    let syn::Expr::Index(first) = &*outer.expr else {
        return None;
    };
    let syn::Expr::Range(r) = &*first.index else {
        return None;
    };
    if !matches!(r.limits, syn::RangeLimits::HalfOpen(_))
        || !matches!(inner.limits, syn::RangeLimits::HalfOpen(_))
    {
        return None;
    }
    let base = &first.expr;
    let shift = |b: &syn::Expr| -> syn::Expr {
        match &r.start {
            Some(a) => syn::parse_quote!((#a) + (#b)),
            None => b.clone(),
        }
    };
    let start = inner
        .start
        .as_deref()
        .map(shift)
        .or_else(|| r.start.as_deref().cloned());
    let end = match &inner.end {
        Some(d) => Some(shift(d)),
        None => r.end.as_deref().cloned(),
    };
    let start = start.map(|s| quote::quote!(#s));
    let end = end.map(|s| quote::quote!(#s));
    Some(syn::parse_quote!(#base[#start..#end]))
}

/// Input: `h[a..b].copy_from_slice(SRC)` (`clone_from_slice`; any bound left out; `SRC` a slice
/// `y`, `&y` or a part `&y[c..d]`). Output: `for K in 0..LEN { h[a + K] = y[c + K]; }`, the
/// elements written one by one (std's length check kept as an assertion).
pub fn copy_into_part(e: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(m) = e else {
        return None;
    };
    if !(m.method == "copy_from_slice" || m.method == "clone_from_slice") || m.args.len() != 1 {
        return None;
    }
    let syn::Expr::Index(dst) = &*m.receiver else {
        return None;
    };
    let syn::Expr::Range(r) = &*dst.index else {
        return None;
    };
    if !matches!(r.limits, syn::RangeLimits::HalfOpen(_)) {
        return None;
    }
    let syn::Expr::Path(h) = &*dst.expr else {
        return None;
    };
    let h = h.path.get_ident()?;
    let k = crate::naming::fresh("k");
    let start: syn::Expr = match &r.start {
        Some(a) => syn::parse_quote!((#a)),
        None => syn::parse_quote!(0),
    };
    let end: syn::Expr = match &r.end {
        Some(b) => syn::parse_quote!((#b)),
        None => syn::parse_quote!(#h.len()),
    };
    let mut src = &m.args[0];
    if let syn::Expr::Reference(rf) = src {
        if rf.mutability.is_none() {
            src = &rf.expr;
        }
    }
    let (y, src_start, src_len): (&syn::Expr, syn::Expr, syn::Expr) = match src {
        syn::Expr::Index(ix) => {
            let syn::Expr::Range(sr) = &*ix.index else {
                return None;
            };
            if !matches!(sr.limits, syn::RangeLimits::HalfOpen(_)) {
                return None;
            }
            let y = &*ix.expr;
            let c: syn::Expr = match &sr.start {
                Some(c) => syn::parse_quote!((#c)),
                None => syn::parse_quote!(0),
            };
            let len: syn::Expr = match &sr.end {
                Some(d) => syn::parse_quote!((#d) - #c),
                None => syn::parse_quote!(#y.len() - #c),
            };
            (y, c, len)
        }
        syn::Expr::Path(p) if p.path.get_ident().is_some() => {
            (src, syn::parse_quote!(0), syn::parse_quote!(#src.len()))
        }
        // `&[w, w * w]`: a local array first.
        syn::Expr::Array(a) => {
            let t = crate::naming::fresh("listed");
            let mut m = m.clone();
            m.args[0] = syn::parse_quote!(&#t);
            let rest = copy_into_part(&syn::Expr::MethodCall(m))?;
            return Some(syn::parse_quote!({
                let #t = #a;
                #rest
            }));
        }
        _ => return None,
    };
    Some(syn::parse_quote!({
        ::core::assert_eq!(#end - #start, #src_len, "destination and source slices have different lengths");
        for #k in 0..#end - #start {
            #h[#start + #k] = #y[#src_start + #k];
        }
    }))
}

/// Every declaration of `name` in `stmts` (at any depth: `let`s, `for`, closure and `match`
/// patterns, `if let`/`while let`), with what reads it, under a fresh name: for a rewrite that
/// puts `name` into these statements and means the `name` declared before them. `false` where
/// a macro reads a declaration inside a format string (nothing renamed then).
pub fn unshadow(stmts: &mut [syn::Stmt], name: &Ident) -> bool {
    let mut u = Unshadow { name, ok: true };
    let mut copy = stmts.to_vec();
    u.visit_stmts(&mut copy);
    if u.ok {
        stmts.clone_from_slice(&copy);
    }
    u.ok
}

/// The identifiers in `ts`, at any depth, each once.
pub fn names_in(ts: &proc_macro2::TokenStream) -> Vec<Ident> {
    let mut out: Vec<Ident> = Vec::new();
    for t in ts.clone() {
        match t {
            proc_macro2::TokenTree::Ident(i) if !out.contains(&i) => out.push(i),
            proc_macro2::TokenTree::Group(g) => {
                for i in names_in(&g.stream()) {
                    if !out.contains(&i) {
                        out.push(i);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `unshadow` in an expression (a loop's body).
pub fn unshadow_expr(e: &mut syn::Expr, name: &Ident) -> bool {
    let mut u = Unshadow { name, ok: true };
    let mut copy = e.clone();
    u.visit_expr_mut(&mut copy);
    if u.ok {
        *e = copy;
    }
    u.ok
}

struct Unshadow<'a> {
    name: &'a Ident,
    ok: bool,
}

impl Unshadow<'_> {
    fn visit_stmts(&mut self, stmts: &mut [syn::Stmt]) {
        for k in 0..stmts.len() {
            self.visit_stmt_mut(&mut stmts[k]);
            let syn::Stmt::Local(l) = &mut stmts[k] else {
                continue;
            };
            if binds(&l.pat, self.name) {
                let to = crate::naming::fresh(&self.name.to_string());
                rename_binding(&mut l.pat, self.name, &to);
                self.ok &= rename_rest(&mut stmts[k + 1..], self.name, &to);
            }
        }
    }

    /// The binding of `name` in `pat` as a fresh name, in `pat` and in `scope`.
    fn rename_scope(&mut self, pat: &mut syn::Pat, scope: &mut [&mut syn::Expr]) {
        if !binds(pat, self.name) {
            return;
        }
        let to = crate::naming::fresh(&self.name.to_string());
        rename_binding(pat, self.name, &to);
        for e in scope {
            self.ok &= rename_expr(e, self.name, &to);
        }
    }
}

impl VisitMut for Unshadow<'_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        self.visit_stmts(&mut b.stmts);
    }

    fn visit_expr_for_loop_mut(&mut self, f: &mut syn::ExprForLoop) {
        syn::visit_mut::visit_expr_for_loop_mut(self, f);
        as_expr(&mut f.body, |body| {
            self.rename_scope(&mut f.pat, &mut [body])
        });
    }

    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        syn::visit_mut::visit_expr_closure_mut(self, c);
        for k in 0..c.inputs.len() {
            let mut pat = c.inputs[k].clone();
            self.rename_scope(&mut pat, &mut [&mut c.body]);
            c.inputs[k] = pat;
        }
    }

    fn visit_arm_mut(&mut self, a: &mut syn::Arm) {
        syn::visit_mut::visit_arm_mut(self, a);
        if constant_like(self.name) {
            return;
        }
        let mut scope: Vec<&mut syn::Expr> = vec![&mut a.body];
        if let Some((_, g)) = &mut a.guard {
            scope.push(g);
        }
        self.rename_scope(&mut a.pat, &mut scope);
    }

    fn visit_expr_if_mut(&mut self, i: &mut syn::ExprIf) {
        syn::visit_mut::visit_expr_if_mut(self, i);
        as_expr(&mut i.then_branch, |then| {
            let_scopes(self, &mut i.cond, then)
        });
    }

    fn visit_expr_while_mut(&mut self, w: &mut syn::ExprWhile) {
        syn::visit_mut::visit_expr_while_mut(self, w);
        as_expr(&mut w.body, |body| let_scopes(self, &mut w.cond, body));
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Runs `f` on `block` as a block expression (a scope `Rename` visits as one).
fn as_expr(block: &mut syn::Block, f: impl FnOnce(&mut syn::Expr)) {
    let mut e = syn::Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: std::mem::replace(block, syn::parse_quote!({})),
    });
    f(&mut e);
    if let syn::Expr::Block(b) = e {
        *block = b.block;
    }
}

/// The `let`s of a condition (`let P = e && c && let Q = f`): each binds for the conditions
/// after it and for `body`.
fn let_scopes(u: &mut Unshadow, cond: &mut syn::Expr, body: &mut syn::Expr) {
    fn operands(e: syn::Expr, out: &mut Vec<syn::Expr>) {
        match e {
            syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                operands(*b.left, out);
                operands(*b.right, out);
            }
            e => out.push(e),
        }
    }
    let mut conds = Vec::new();
    operands(cond.clone(), &mut conds);
    if constant_like(u.name) || !conds.iter().any(|c| matches!(c, syn::Expr::Let(_))) {
        return;
    }
    for k in 0..conds.len() {
        let (head, later) = conds.split_at_mut(k + 1);
        if let syn::Expr::Let(l) = &mut head[k] {
            let mut scope: Vec<&mut syn::Expr> = later.iter_mut().collect();
            scope.push(body);
            u.rename_scope(&mut l.pat, &mut scope);
        }
    }
    let mut it = conds.into_iter();
    let first = it.next().expect("a condition has an operand");
    *cond = it.fold(first, |a, b| syn::parse_quote!(#a && #b));
}

/// Whether a name in a pattern that may not match (an arm's, an `if let`'s) is a constant or a
/// unit variant (`None`, `MAX`, `Red`) rather than a binding: capitalized, as Rust's naming
/// has them. Renamed, it would become a binding that matches anything.
fn constant_like(name: &Ident) -> bool {
    name.to_string()
        .starts_with(|c: char| c.is_ascii_uppercase())
}

/// A pattern's binding of `from` as `to`, its mutability kept (shorthand field patterns
/// written out).
fn rename_binding(p: &mut syn::Pat, from: &Ident, to: &Ident) {
    rename_in_pattern(p, from, to, true);
}

/// A pattern's binding of `from` as `to` (shorthand field patterns written out), `mut` dropped
/// unless `keep_mut`.
pub fn rename_in_pattern(p: &mut syn::Pat, from: &Ident, to: &Ident, keep_mut: bool) {
    struct R<'a>(&'a Ident, &'a Ident, bool);
    impl VisitMut for R<'_> {
        fn visit_field_pat_mut(&mut self, f: &mut syn::FieldPat) {
            crate::naming::unshorten(f);
            syn::visit_mut::visit_field_pat_mut(self, f);
        }
        fn visit_pat_ident_mut(&mut self, i: &mut syn::PatIdent) {
            if i.ident == *self.0 {
                i.ident = self.1.clone();
                if !self.2 {
                    i.mutability = None;
                }
            }
            syn::visit_mut::visit_pat_ident_mut(self, i);
        }
    }
    R(from, to, keep_mut).visit_pat_mut(p);
}
