//! `Option`s of floats held in locals: a running best (`best = Some(v)` in a loop, `None` before
//! it), a value computed only on some paths (`let r = if c { Some(e) } else { None };`), the
//! previous element of a loop. Each becomes a flag and a float, which lowering knows; the float
//! keeps its last value where the option is `None`, and is read only where the flag is set, so no
//! derivative flows through it there.

use std::collections::HashSet;
use syn::visit_mut::VisitMut;

/// Input: a block. Output: the same block with every `let` of an `Option` of a float (typed
/// `Option<f64>`, or given `Some(e)` of a float somewhere) whose every later use is a form below
/// rewritten into `let mut S = false; let mut V = 0.0;`, and its uses:
/// - `r = Some(e)` / `None` / `if`, `match` and blocks of those / `r` itself: `V = e; S = true;`,
///   `S = false;` on each path;
/// - `match r { Some(p) [if g] => .., None => .., _ => .. }`: `match (S, V) { (true, p) .. }`;
/// - `if let Some(p) = r { a } else { b }`: `if S { let p = V; a } else { b }`;
/// - `let Some(p) = r else { .. };`: `if !S { .. } let p = V;`;
/// - `r.is_some()`, `r.is_none()`, `r.unwrap()`, `r.expect(m)`, `r.unwrap_or(d)`,
///   `r.unwrap_or_else(|| d)`, `r.unwrap_or_default()`, `r.map_or(d, |p| e)`,
///   `r.map_or_else(|| d, |p| e)`, `r.is_some_and(|p| c)`, `r.is_none_or(|p| c)`, with
///   `r.map(|p| e)` before any of them.
///
/// `floats` are the names known to hold floats (see [`float_evidence`]). A local used in any other
/// way is left as written (lowering then says what it cannot follow).
pub fn option_locals(block: &mut syn::Block, floats: &HashSet<String>) {
    Blocks { floats }.visit_block_mut(block);
}

/// Whether `s` is a `let` of a local typed `Option<..>`.
pub fn option_let(s: &syn::Stmt) -> bool {
    matches!(s, syn::Stmt::Local(l) if matches!(super::pat_and_type(l), (syn::Pat::Ident(_), Some(t)) if is_option(t)))
}

/// Whether `t` is `Option<..>` (by its last segment: `std::option::Option<f64>` too).
pub(crate) fn is_option(t: &syn::Type) -> bool {
    matches!(t, syn::Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

struct Blocks<'a> {
    floats: &'a HashSet<String>,
}

impl VisitMut for Blocks<'_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        // (Before the options of reductions are held in locals: a pair is no float to hold.)
        pair_reductions_at_top(&mut b.stmts);
        hoist_matched_reductions(&mut b.stmts);
        let mut k = 0;
        while k < b.stmts.len() {
            if let Some(n) = self.rewrite_at(&mut b.stmts, k) {
                k += n;
            } else {
                k += 1;
            }
        }
        syn::visit_mut::visit_block_mut(self, b);
    }
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let Some(taken) = pair_reduction_taken_apart(e) {
            *e = taken;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Input: `if let Some(P) = OPT { a } else { b }` (or `match OPT { Some(P) => a, None => b }`)
/// where `OPT` is a reduction of a slice (`x.iter().max_by(..)`, see `option_reduction`) read
/// where no statement can hold it first (a call's argument, a closure's body), or of a slice's
/// pairs (`x.iter().enumerate().max_by(..)`, an argmax with its index), whose option holds no
/// float to split.
/// Output: `if ABSENT { b } else { let P = OPT.unwrap(); a }`, the pair taken apart as a `let`
/// takes it (the slice is empty exactly when the option is `None`).
fn pair_reduction_taken_apart(e: &syn::Expr) -> Option<syn::Expr> {
    let (pat, opt, then, els): (&syn::Pat, &syn::Expr, syn::Expr, syn::Expr) = match e {
        syn::Expr::If(i) => {
            let syn::Expr::Let(l) = &*i.cond else {
                return None;
            };
            let then = syn::Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block: i.then_branch.clone(),
            });
            let els = i
                .else_branch
                .as_ref()
                .map_or_else(|| syn::parse_quote!({}), |(_, e)| (**e).clone());
            (some_of(&l.pat)?, &l.expr, then, els)
        }
        syn::Expr::Match(m) if m.arms.len() == 2 && m.arms.iter().all(|a| a.guard.is_none()) => {
            let some = m.arms.iter().position(|a| some_of(&a.pat).is_some())?;
            let none = &m.arms[1 - some];
            let absent = match &none.pat {
                syn::Pat::Ident(pi) => pi.ident == "None" && pi.subpat.is_none(),
                syn::Pat::Path(p) => p.path.is_ident("None"),
                syn::Pat::Wild(_) => true,
                _ => false,
            };
            if !absent {
                return None;
            }
            let arm = &m.arms[some];
            (
                some_of(&arm.pat)?,
                &m.expr,
                (*arm.body).clone(),
                (*none.body).clone(),
            )
        }
        _ => return None,
    };
    let syn::Expr::MethodCall(_) = super::unparen(opt) else {
        return None;
    };
    // (A float held in a local first, where the statement can hold it: `hoist_matched_reductions`.
    // A pattern that tests, `Some((0, _))`, is no `let`'s.)
    if !irrefutable(pat)
        || is_pair(pat) != enumerated(opt)
            && !matches!(
                pat,
                syn::Pat::Ident(_) | syn::Pat::Reference(_) | syn::Pat::Wild(_)
            )
    {
        return None;
    }
    let (absent, unwrap) = super::option_reduction(opt)?;
    Some(syn::parse_quote!(if #absent { #els } else { let #pat = #unwrap; #then }))
}

/// [`pair_reduction_taken_apart`] on the statements of a block, their values and `let`s'
/// values; and `let Some(P) = OPT else { d };` of such a reduction as `if ABSENT { d } let P =
/// OPT.unwrap();`.
fn pair_reductions_at_top(stmts: &mut Vec<syn::Stmt>) {
    let old = std::mem::take(stmts);
    for mut s in old {
        match &mut s {
            syn::Stmt::Expr(e, _) => {
                if let Some(taken) = pair_reduction_taken_apart(e) {
                    *e = taken;
                }
            }
            syn::Stmt::Local(l) => {
                let pat = some_of(super::pat_and_type(l).0).cloned();
                let Some(init) = l.init.as_mut() else {
                    stmts.push(s);
                    continue;
                };
                if let Some((_, d)) = &init.diverge {
                    if let Some(pat) = pat {
                        let opt = &init.expr;
                        if is_pair(&pat) && irrefutable(&pat) && enumerated(opt) {
                            if let Some((absent, unwrap)) = super::option_reduction(opt) {
                                stmts.push(syn::parse_quote!(if #absent { #d }));
                                stmts.push(syn::parse_quote!(let #pat = #unwrap;));
                                continue;
                            }
                        }
                    }
                } else if let Some(taken) = pair_reduction_taken_apart(&init.expr) {
                    *init.expr = taken;
                }
            }
            _ => {}
        }
        stmts.push(s);
    }
}

/// Whether `p` matches any value of its type: names, `_`, and tuples and references of them.
fn irrefutable(p: &syn::Pat) -> bool {
    match p {
        syn::Pat::Ident(pi) => pi.subpat.is_none(),
        syn::Pat::Wild(_) => true,
        syn::Pat::Reference(r) => irrefutable(&r.pat),
        syn::Pat::Paren(pp) => irrefutable(&pp.pat),
        syn::Pat::Type(pt) => irrefutable(&pt.pat),
        syn::Pat::Tuple(t) => t.elems.iter().all(irrefutable),
        _ => false,
    }
}

/// Whether `p` is a tuple pattern (`(i, &v)`).
fn is_pair(p: &syn::Pat) -> bool {
    match p {
        syn::Pat::Paren(pp) => is_pair(&pp.pat),
        p => matches!(p, syn::Pat::Tuple(_)),
    }
}

/// The pattern inside `Some(..)`.
pub(super) fn some_of(p: &syn::Pat) -> Option<&syn::Pat> {
    match p {
        syn::Pat::TupleStruct(ts) if ts.path.is_ident("Some") && ts.elems.len() == 1 => {
            ts.elems.first()
        }
        syn::Pat::Paren(pp) => some_of(&pp.pat),
        _ => None,
    }
}

/// Whether the chain of method calls `e` has an `enumerate()` stage.
fn enumerated(e: &syn::Expr) -> bool {
    let mut e = super::unparen(e);
    while let syn::Expr::MethodCall(m) = e {
        if m.method == "enumerate" && m.args.is_empty() {
            return true;
        }
        e = super::unparen(&m.receiver);
    }
    false
}

impl Blocks<'_> {
    /// Rewrites the option `let` at `stmts[k]` and its scope; the number of statements that
    /// replace the `let`, `None` if it is not one or a use is of another form.
    fn rewrite_at(&self, stmts: &mut Vec<syn::Stmt>, k: usize) -> Option<usize> {
        let syn::Stmt::Local(l) = &stmts[k] else {
            return None;
        };
        let (id, ty, init) = super::plain_let(l)?;
        let (payload, refs) = match ty {
            Some(t) => {
                let (payload, refs) = option_payload(t)?;
                (Some(payload), refs)
            }
            None => (None, false),
        };
        let name = id.ident.clone();
        let (s, v) = (crate::naming::fresh("some"), crate::naming::fresh("opt"));
        let mut rw = Rewrite {
            name: &name,
            s: &s,
            v: &v,
            ok: true,
            payloads: Vec::new(),
            refs,
        };
        let first = rw.assign(init)?;
        // The scope: up to a `let` of the same name in this block, whose value still reads it.
        let end = stmts[k + 1..]
            .iter()
            .position(|s| binds_at_top(s, &name))
            .map_or(stmts.len(), |p| k + 1 + p);
        let scope: Vec<syn::Stmt> = stmts[k + 1..end].to_vec();
        if scope.iter().any(|s| binds_inside(s, &name)) {
            return None;
        }
        let scope = rw.stmts(scope);
        // The `let` that ends the scope, its value rewritten (`let best = best.unwrap();`).
        let last = match stmts.get(end) {
            Some(syn::Stmt::Local(l)) => Some(rw.last(l)?),
            _ => None,
        };
        let reads: Vec<proc_macro2::TokenStream> = scope
            .iter()
            .map(quote::ToTokens::to_token_stream)
            .chain(last.iter().map(|(read, _)| read.clone()))
            .collect();
        if !rw.ok || super::mentions(&quote::quote!(#(#reads)*), &name) {
            return None;
        }
        let payload_ty = match payload {
            Some(t) => t,
            None if rw.payloads.iter().any(|e| float_evidence(e, self.floats)) => None,
            None => return None,
        };
        let mut out: Vec<syn::Stmt> = vec![syn::parse_quote!(let mut #s = false;)];
        out.push(match payload_ty {
            Some(t) => syn::parse_quote!(let mut #v: #t = 0.0;),
            None => syn::parse_quote!(let mut #v = 0.0;),
        });
        out.push(syn::Stmt::Expr(first, Some(Default::default())));
        // The statements after the new ones may hold other options.
        let n = out.len();
        let rest: Vec<syn::Stmt> = stmts.drain(k..).skip(1 + scope.len()).collect();
        stmts.extend(out);
        stmts.extend(scope);
        match last {
            Some((_, last)) => {
                stmts.extend(last);
                stmts.extend(rest.into_iter().skip(1));
            }
            None => stmts.extend(rest),
        }
        Some(n)
    }
}

/// `if let Some(p) = OPT {..}`, `match OPT {..}` and `let Some(p) = OPT else {..};` of a
/// reduction's option (see
/// `option_reduction`) at the top of a statement, of a `let`'s value or of the block's value:
/// `OPT` held in a local first (`let r = OPT;`), which [`option_locals`] then takes apart.
fn hoist_matched_reductions(stmts: &mut Vec<syn::Stmt>) {
    // The reduction's option, where a statement takes it apart.
    fn scrutinee(s: &mut syn::Stmt) -> Option<&mut syn::Expr> {
        let e = match s {
            // `let Some(p) = OPT else { .. };`
            syn::Stmt::Local(l) => {
                let init = l.init.as_mut()?;
                if init.diverge.is_some() {
                    return Some(&mut init.expr);
                }
                &mut *init.expr
            }
            syn::Stmt::Expr(e, _) => e,
            _ => return None,
        };
        match e {
            syn::Expr::If(i) => match &mut *i.cond {
                syn::Expr::Let(l) => Some(&mut l.expr),
                _ => None,
            },
            syn::Expr::Match(m) => Some(&mut m.expr),
            _ => None,
        }
    }
    let mut k = 0;
    while k < stmts.len() {
        if let Some(opt) = scrutinee(&mut stmts[k]).filter(|opt| {
            matches!(&**opt, syn::Expr::MethodCall(_)) && super::option_reduction(opt).is_some()
        }) {
            let name = crate::naming::fresh("chosen");
            let value = std::mem::replace(opt, syn::parse_quote!(#name));
            stmts.insert(k, syn::parse_quote!(let #name = #value;));
            k += 1;
        }
        k += 1;
    }
}

/// The `X` of `Option<X>` for a float `X` (`f64`, `f32` or the function's generic float), or of
/// `Option<&X>` (with `true`: an element found in a slice, read through a reference); `None` for
/// any other type.
fn option_payload(t: &syn::Type) -> Option<(Option<syn::Type>, bool)> {
    let syn::Type::Path(p) = t else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != "Option" || p.qself.is_some() {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &seg.arguments else {
        return None;
    };
    let Some(syn::GenericArgument::Type(x)) = a.args.first() else {
        return None;
    };
    if let syn::Type::Reference(r) = x {
        if r.mutability.is_some() {
            return None;
        }
        crate::sig::float_of(&r.elem)?;
        return Some((Some((*r.elem).clone()), true));
    }
    crate::sig::float_of(x)?;
    Some((Some(x.clone()), false))
}

/// The names that hold floats as far as their form tells: parameters of a type that names a float
/// (`x: f64`, `xs: &[T]`, `data: &[(f64, f64)]`), `let`s of floats (see `tuples::float_names`),
/// and what `for` loops over those bind (not the position of an `enumerate`).
pub fn float_locals(body: &syn::Block, sig: &syn::Signature) -> HashSet<String> {
    let mut floats: HashSet<String> = sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(pt) if super::tuples::mentions_float_type(&pt.ty) => match &*pt.pat {
                syn::Pat::Ident(i) => Some(i.ident.to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    struct Loops<'a>(Vec<&'a syn::ExprForLoop>);
    impl<'a> syn::visit::Visit<'a> for Loops<'a> {
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.0.push(f);
            syn::visit::visit_expr_for_loop(self, f);
        }
    }
    let mut loops = Loops(Vec::new());
    syn::visit::Visit::visit_block(&mut loops, body);
    // `v.push(e)` of a float: `v` holds floats (`let mut v = Vec::new();` says nothing).
    struct Pushes<'a>(Vec<(&'a syn::Ident, &'a syn::Expr)>);
    impl<'a> syn::visit::Visit<'a> for Pushes<'a> {
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            let v = match &*m.receiver {
                syn::Expr::Path(p) => p.path.get_ident(),
                _ => None,
            };
            if let (true, Some(v), Some(arg)) = (m.method == "push", v, m.args.first()) {
                self.0.push((v, arg));
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut pushes = Pushes(Vec::new());
    syn::visit::Visit::visit_block(&mut pushes, body);
    loop {
        let before = floats.len();
        floats = super::tuples::float_names(body, &floats);
        for (v, e) in &pushes.0 {
            if float_evidence(e, &floats) {
                floats.insert(v.to_string());
            }
        }
        for f in &loops.0 {
            if matches!(&*f.expr, syn::Expr::Range(_))
                || !crate::naming::mentions(quote::ToTokens::to_token_stream(&f.expr), &|n| {
                    floats.contains(&n.to_string())
                })
            {
                continue;
            }
            let enumerated =
                matches!(&*f.expr, syn::Expr::MethodCall(m) if m.method == "enumerate");
            let pat = match (&*f.pat, enumerated) {
                (syn::Pat::Tuple(t), true) if t.elems.len() == 2 => &t.elems[1],
                (p, _) => p,
            };
            let mut names = Vec::new();
            super::tuples::names_of(pat, &mut names);
            floats.extend(names.iter().map(ToString::to_string));
        }
        if floats.len() == before {
            return floats;
        }
    }
}

/// Whether `e` holds a float as far as its form tells: a float literal, a float type's constant
/// (`f64::EPSILON`, `std::f64::consts::PI`), a float method (`b.max(v)`), or a name of `floats`;
/// not a cast to another type or a length.
pub fn float_evidence(e: &syn::Expr, floats: &HashSet<String>) -> bool {
    match e {
        syn::Expr::Cast(c) => return crate::sig::float_of(&c.ty).is_some(),
        syn::Expr::MethodCall(m) if m.method == "len" || m.method == "count" => return false,
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => return matches!(i.suffix(), "f32" | "f64"),
        // `std::f64::consts::E`, `f64::EPSILON`, `f32::MAX`: a constant of a float type.
        syn::Expr::Path(p)
            if p.path.segments.len() >= 2
                && p.path.segments.iter().rev().nth(1).is_some_and(|s| {
                    s.ident == "f64" || s.ident == "f32" || s.ident == "consts"
                })
                && p.path
                    .segments
                    .iter()
                    .any(|s| s.ident == "f64" || s.ident == "f32") =>
        {
            return true;
        }
        _ => {}
    }
    super::tuples::has_float_literal(e)
        || crate::naming::mentions(quote::ToTokens::to_token_stream(e), &|n| {
            floats.contains(&n.to_string()) || crate::rules::Prim::method_names().any(|m| n == m)
        })
}

/// Whether `s` is a `let` binding `name` (at the top of the block).
pub(super) fn binds_at_top(s: &syn::Stmt, name: &syn::Ident) -> bool {
    let syn::Stmt::Local(l) = s else { return false };
    let mut names = Vec::new();
    super::tuples::names_of(&l.pat, &mut names);
    names.contains(name)
}

/// Whether a pattern inside `s` (a closure's, a `match` arm's, a `for`'s) binds `name`.
pub(crate) fn binds_inside(s: &syn::Stmt, name: &syn::Ident) -> bool {
    struct Find<'a>(&'a syn::Ident, bool);
    impl<'a> syn::visit::Visit<'a> for Find<'_> {
        fn visit_pat_ident(&mut self, i: &'a syn::PatIdent) {
            self.1 |= i.ident == *self.0;
            syn::visit::visit_pat_ident(self, i);
        }
    }
    let mut f = Find(name, false);
    syn::visit::Visit::visit_stmt(&mut f, s);
    f.1
}

/// Rewrites the uses of one option local; `ok` turns false at a form it does not know.
struct Rewrite<'a> {
    name: &'a syn::Ident,
    s: &'a syn::Ident,
    v: &'a syn::Ident,
    ok: bool,
    /// The `e` of every `Some(e)` the local is given.
    payloads: Vec<syn::Expr>,
    /// An `Option<&X>`: given `Some(&e)`, read as a reference to its value.
    refs: bool,
}

impl Rewrite<'_> {
    /// The option's value as its reads see it: `V`, or `&V` for an `Option<&X>`.
    fn value(&self) -> syn::Expr {
        let v = self.v;
        if self.refs {
            syn::parse_quote!(&#v)
        } else {
            syn::parse_quote!(#v)
        }
    }

    fn is_name(&self, e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Path(p) => p.qself.is_none() && p.path.is_ident(self.name),
            syn::Expr::Paren(p) => self.is_name(&p.expr),
            _ => false,
        }
    }

    /// The statements of a scope, `let Some(p) = r else { .. };` taken apart.
    fn stmts(&mut self, stmts: Vec<syn::Stmt>) -> Vec<syn::Stmt> {
        let mut out = Vec::with_capacity(stmts.len());
        for mut st in stmts {
            if let syn::Stmt::Local(l) = &st {
                if self.let_else(l).is_some() {
                    if let Some((_, replaced)) = self.last(l) {
                        out.extend(replaced);
                        continue;
                    }
                }
            }
            self.visit_stmt_mut(&mut st);
            out.push(st);
        }
        out
    }

    /// The `let` that declares the name again, its value read through the option: its value's
    /// tokens (to look for other reads) and the statements that replace it.
    fn last(&mut self, l: &syn::Local) -> Option<(proc_macro2::TokenStream, Vec<syn::Stmt>)> {
        if let Some((p, mut d)) = self.let_else(l) {
            self.visit_block_mut(&mut d);
            let (s, (p, v)) = (self.s, bind(&p, &self.value()));
            return Some((
                quote::quote!(#d),
                vec![
                    syn::parse_quote!(if !#s #d),
                    syn::parse_quote!(let #p = #v;),
                ],
            ));
        }
        let mut l = l.clone();
        let init = l.init.as_mut()?;
        self.visit_expr_mut(&mut init.expr);
        if let Some((_, d)) = &mut init.diverge {
            self.visit_expr_mut(d);
        }
        let (e, d) = (&init.expr, init.diverge.as_ref().map(|d| &d.1));
        Some((quote::quote!(#e #d), vec![syn::Stmt::Local(l)]))
    }

    fn let_else(&self, l: &syn::Local) -> Option<(syn::Pat, syn::Block)> {
        let init = l.init.as_ref()?;
        let (_, d) = init.diverge.as_ref()?;
        if !self.is_name(&init.expr) {
            return None;
        }
        let syn::Pat::TupleStruct(ts) = &l.pat else {
            return None;
        };
        if !ts.path.is_ident("Some") || ts.elems.len() != 1 {
            return None;
        }
        let syn::Expr::Block(b) = &**d else {
            return None;
        };
        Some((ts.elems[0].clone(), b.block.clone()))
    }

    /// `e`, an option given to the local, as assignments to its flag and value on every path.
    fn assign(&mut self, e: &syn::Expr) -> Option<syn::Expr> {
        let (s, v) = (self.s, self.v);
        Some(match e {
            syn::Expr::Paren(p) => self.assign(&p.expr)?,
            syn::Expr::Path(p) if p.path.is_ident("None") => syn::parse_quote!({ #s = false; }),
            _ if self.is_name(e) => syn::parse_quote!({}),
            syn::Expr::Call(c)
                if c.args.len() == 1
                    && matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("Some")) =>
            {
                let x = if self.refs {
                    // (`Some(&e)`: `e` by value.)
                    match &c.args[0] {
                        syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
                        _ => return None,
                    }
                } else {
                    &c.args[0]
                };
                self.payloads.push(x.clone());
                syn::parse_quote!({ #v = #x; #s = true; })
            }
            syn::Expr::If(i) => {
                let mut i = i.clone();
                i.then_branch = self.assign_block(&i.then_branch)?;
                let (_, els) = i.else_branch.as_mut()?;
                **els = self.assign(els)?;
                syn::Expr::If(i)
            }
            syn::Expr::Match(m) => {
                let mut m = m.clone();
                for arm in &mut m.arms {
                    *arm.body = self.assign(&arm.body)?;
                }
                syn::Expr::Match(m)
            }
            syn::Expr::Block(b) if b.label.is_none() => {
                let mut b = b.clone();
                b.block = self.assign_block(&b.block)?;
                syn::Expr::Block(b)
            }
            // `'R: loop { .. break 'R None; .. break 'R Some(e); }` (a helper that returns early,
            // inlined): each `break 'R v` sets the option, then leaves.
            syn::Expr::Loop(l) if l.label.is_some() => {
                let label = l.label.as_ref().map(|l| l.name.clone())?;
                let mut l = l.clone();
                let mut breaks = Breaks {
                    rw: self,
                    label: &label,
                    ok: true,
                };
                breaks.visit_block_mut(&mut l.body);
                if !breaks.ok {
                    return None;
                }
                syn::Expr::Loop(l)
            }
            // `(c).then(|| e)`, `c.then_some(e)`: set where `c` holds.
            syn::Expr::MethodCall(m)
                if (m.method == "then"
                    && matches!(m.args.first(), Some(syn::Expr::Closure(c)) if c.inputs.is_empty()))
                    || m.method == "then_some" =>
            {
                let value = match &m.args[0] {
                    syn::Expr::Closure(c) => (*c.body).clone(),
                    e => e.clone(),
                };
                self.payloads.push(value.clone());
                let c = &m.receiver;
                syn::parse_quote!(if #c { #v = #value; #s = true; } else { #s = false; })
            }
            syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_) => e.clone(),
            syn::Expr::Macro(m) if diverges(&m.mac) => e.clone(),
            // `x.iter().copied().min_by(..)`, `x.last().copied()`: set unless the slice (or
            // part) is empty.
            syn::Expr::MethodCall(_) if super::option_reduction(e).is_some() => {
                let (absent, unwrap) = super::option_reduction(e)?;
                self.payloads.push(unwrap.clone());
                syn::parse_quote!(if #absent { #s = false; } else { #v = #unwrap; #s = true; })
            }
            // `r.map(|p| e)`: the value where the option is set.
            syn::Expr::MethodCall(m) if m.method == "map" && m.args.len() == 1 => {
                let (flag, value) = self.view(e)?;
                syn::parse_quote!(if #flag { #v = #value; #s = true; } else { #s = false; })
            }
            _ => return None,
        })
    }

    fn assign_block(&mut self, b: &syn::Block) -> Option<syn::Block> {
        // `{ let mut B = Default::default(); .. 'R: loop { .. { B = None; break 'R; } .. } B }`,
        // such a loop with its label taken off (see `labels`), after the statements it needs:
        // each `B = v` sets the option.
        if let [syn::Stmt::Local(l), middle @ .., syn::Stmt::Expr(tail, None)] = &b.stmts[..] {
            let held = super::plain_let(l).and_then(|(id, ty, init)| {
                let default = matches!(init, syn::Expr::Call(c) if c.args.is_empty()
                    && matches!(&*c.func, syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "default")));
                (ty.is_none()
                    && default
                    && matches!(tail, syn::Expr::Path(p) if p.path.is_ident(&id.ident)))
                .then(|| id.ident.clone())
            });
            if let Some(held) = held.filter(|_| !middle.is_empty()) {
                let mut middle = middle.to_vec();
                let mut sets = LoopValue {
                    rw: self,
                    held: &held,
                    ok: true,
                };
                for s in &mut middle {
                    sets.visit_stmt_mut(s);
                }
                if !sets.ok || super::mentions(&quote::quote!(#(#middle)*), &held) {
                    return None;
                }
                let mut b = b.clone();
                b.stmts = middle;
                return Some(b);
            }
        }
        // (A block that ends in a loop giving the value by `break`: see `assign`.)
        if let Some(syn::Stmt::Expr(syn::Expr::Loop(l), _)) = b.stmts.last() {
            if l.label.is_some() {
                let mut b = b.clone();
                let e = syn::Expr::Loop(l.clone());
                b.stmts.pop();
                b.stmts.push(syn::Stmt::Expr(self.assign(&e)?, None));
                return Some(b);
            }
        }
        let mut b = b.clone();
        match b.stmts.last_mut() {
            Some(syn::Stmt::Expr(e, None)) => *e = self.assign(e)?,
            Some(syn::Stmt::Expr(e, Some(_))) if diverging(e) => {}
            Some(syn::Stmt::Macro(m)) if diverges(&m.mac) => {}
            _ => return None,
        }
        Some(b)
    }

    /// An option read: its flag and its value (read only where the flag holds): the local, or
    /// `X.map(|p| e)` of such.
    fn view(&self, e: &syn::Expr) -> Option<(syn::Expr, syn::Expr)> {
        if self.is_name(e) {
            let s = self.s;
            return Some((syn::parse_quote!(#s), self.value()));
        }
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        // (`.copied()` of an element found in a slice: the option holds it by value.)
        if (m.method == "copied" || m.method == "cloned") && m.args.is_empty() {
            let (flag, value) = self.view(&m.receiver)?;
            return Some(match value {
                syn::Expr::Reference(r) => (flag, *r.expr),
                value => (flag, value),
            });
        }
        if m.method != "map" || m.args.len() != 1 {
            return None;
        }
        let (flag, value) = self.view(&m.receiver)?;
        Some((flag, apply(&m.args[0], &value)?))
    }

    /// A read of the option as a method's receiver: the expression that replaces the call.
    fn read(&self, m: &syn::ExprMethodCall) -> Option<syn::Expr> {
        let (f, x) = self.view(&m.receiver)?;
        let arg = |k: usize| m.args.get(k);
        let thunk = |k: usize| thunk_body(arg(k)?);
        let unwrap_message = |msg: Option<&syn::Expr>| -> syn::Expr {
            match msg {
                Some(msg) => syn::parse_quote!({ assert!(#f, "{}", #msg); #x }),
                None => syn::parse_quote!({
                    assert!(#f, "called `Option::unwrap()` on a `None` value");
                    #x
                }),
            }
        };
        Some(match (m.method.to_string().as_str(), m.args.len()) {
            ("is_some", 0) => syn::parse_quote!((#f)),
            ("is_none", 0) => syn::parse_quote!((!#f)),
            ("unwrap", 0) => unwrap_message(None),
            ("expect", 1) => unwrap_message(arg(0)),
            ("unwrap_or", 1) => {
                let d = arg(0)?;
                syn::parse_quote!((if #f { #x } else { #d }))
            }
            ("unwrap_or_else", 1) => {
                let d = thunk(0)?;
                syn::parse_quote!((if #f { #x } else { #d }))
            }
            ("unwrap_or_default", 0) => syn::parse_quote!((if #f { #x } else { 0.0 })),
            ("map_or", 2) => {
                let (d, e) = (arg(0)?, apply(arg(1)?, &x)?);
                syn::parse_quote!((if #f { #e } else { #d }))
            }
            ("map_or_else", 2) => {
                let (d, e) = (thunk(0)?, apply(arg(1)?, &x)?);
                syn::parse_quote!((if #f { #e } else { #d }))
            }
            ("is_some_and", 1) => {
                let c = apply(arg(0)?, &x)?;
                syn::parse_quote!((#f && #c))
            }
            ("is_none_or", 1) => {
                let c = apply(arg(0)?, &x)?;
                syn::parse_quote!((!#f || #c))
            }
            _ => return None,
        })
    }

    /// `match r { Some(p) => .., None => .., _ => .. }`: the patterns on `(S, V)`.
    fn arm_pattern(&self, p: &syn::Pat) -> Option<syn::Pat> {
        Some(match p {
            syn::Pat::Wild(_) => p.clone(),
            syn::Pat::Ident(i) if i.ident == "None" && i.subpat.is_none() => {
                syn::parse_quote!((false, _))
            }
            syn::Pat::Path(pp) if pp.path.is_ident("None") => syn::parse_quote!((false, _)),
            syn::Pat::TupleStruct(ts) if ts.path.is_ident("Some") && ts.elems.len() == 1 => {
                let inner = &ts.elems[0];
                syn::parse_quote!((true, #inner))
            }
            syn::Pat::Or(o) => {
                let mut o = o.clone();
                for c in &mut o.cases {
                    *c = self.arm_pattern(c)?;
                }
                syn::Pat::Or(o)
            }
            syn::Pat::Paren(pp) => self.arm_pattern(&pp.pat)?,
            _ => return None,
        })
    }
}

/// The body of a closure without parameters (`|| d`, the fallback of `unwrap_or_else`).
pub(super) fn thunk_body(e: &syn::Expr) -> Option<syn::Expr> {
    match e {
        syn::Expr::Closure(c) if c.inputs.is_empty() => Some((*c.body).clone()),
        _ => None,
    }
}

/// `|p| e` applied to `x`: `{ let p = x; e }`.
fn apply(f: &syn::Expr, x: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::Closure(c) = f else {
        return None;
    };
    if c.inputs.len() != 1 {
        return None;
    }
    let (p, x) = bind(&c.inputs[0], x);
    let body = &c.body;
    Some(syn::parse_quote!({ let #p = #x; #body }))
}

/// Whether pattern `p` binds the value of a `Some` without `&` (`Some(v)`, not `Some(&v)`).
fn some_binds_by_name(p: &syn::Pat) -> bool {
    match p {
        syn::Pat::TupleStruct(ts) if ts.path.is_ident("Some") => ts
            .elems
            .iter()
            .any(|e| !matches!(e, syn::Pat::Reference(_) | syn::Pat::Wild(_))),
        syn::Pat::Or(o) => o.cases.iter().any(some_binds_by_name),
        syn::Pat::Paren(pp) => some_binds_by_name(&pp.pat),
        _ => false,
    }
}

/// `Some(&p)` as `Some(p)`, in every case of `p`.
fn deref_some(p: &syn::Pat) -> syn::Pat {
    match p {
        syn::Pat::TupleStruct(ts) if ts.path.is_ident("Some") => {
            let mut ts = ts.clone();
            for e in &mut ts.elems {
                if let syn::Pat::Reference(r) = e {
                    *e = (*r.pat).clone();
                }
            }
            syn::Pat::TupleStruct(ts)
        }
        syn::Pat::Or(o) => {
            let mut o = o.clone();
            for c in &mut o.cases {
                *c = deref_some(c);
            }
            syn::Pat::Or(o)
        }
        syn::Pat::Paren(pp) => deref_some(&pp.pat),
        _ => p.clone(),
    }
}

/// `let p = x;` with a `&` taken off both sides (`let &v = &V;`: `let v = V;`).
fn bind(p: &syn::Pat, x: &syn::Expr) -> (syn::Pat, syn::Expr) {
    match (p, x) {
        (syn::Pat::Reference(rp), syn::Expr::Reference(rx)) if rx.mutability.is_none() => {
            bind(&rp.pat, &rx.expr)
        }
        (syn::Pat::Paren(pp), _) => bind(&pp.pat, x),
        (syn::Pat::Type(pt), _) if matches!(&*pt.pat, syn::Pat::Reference(_)) => bind(&pt.pat, x),
        _ => (p.clone(), x.clone()),
    }
}

fn diverges(m: &syn::Macro) -> bool {
    m.path.get_ident().is_some_and(|i| {
        ["panic", "unreachable", "todo", "unimplemented"].contains(&&*i.to_string())
    })
}

fn diverging(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_) => true,
        syn::Expr::Macro(m) => diverges(&m.mac),
        _ => false,
    }
}

impl VisitMut for Rewrite<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if !self.ok {
            return;
        }
        let replaced: Option<syn::Expr> = match e {
            syn::Expr::Assign(a) if self.is_name(&a.left) => {
                let r = self.assign(&a.right);
                self.ok &= r.is_some();
                r
            }
            syn::Expr::MethodCall(m) if self.view(&m.receiver).is_some() => {
                let r = self.read(m);
                self.ok &= r.is_some();
                r
            }
            syn::Expr::Match(m) if self.is_name(&m.expr) => {
                let (s, v) = (self.s, self.value());
                let mut m = m.clone();
                // `Some(&p)` in every arm of an `Option<&X>`: matched on the value.
                let v = match &v {
                    syn::Expr::Reference(r)
                        if m.arms.iter().all(|a| !some_binds_by_name(&a.pat)) =>
                    {
                        for arm in &mut m.arms {
                            arm.pat = deref_some(&arm.pat);
                        }
                        (*r.expr).clone()
                    }
                    _ => v,
                };
                *m.expr = syn::parse_quote!((#s, #v));
                for arm in &mut m.arms {
                    match self.arm_pattern(&arm.pat) {
                        Some(p) => arm.pat = p,
                        None => self.ok = false,
                    }
                }
                Some(syn::Expr::Match(m))
            }
            syn::Expr::If(i) => match &*i.cond {
                syn::Expr::Let(l) if self.is_name(&l.expr) => {
                    let p = match &*l.pat {
                        syn::Pat::TupleStruct(ts)
                            if ts.path.is_ident("Some") && ts.elems.len() == 1 =>
                        {
                            Some(ts.elems[0].clone())
                        }
                        _ => None,
                    };
                    if let Some(p) = p {
                        let (s, (p, v)) = (self.s, bind(&p, &self.value()));
                        let mut i = i.clone();
                        *i.cond = syn::parse_quote!(#s);
                        i.then_branch
                            .stmts
                            .insert(0, syn::parse_quote!(let #p = #v;));
                        Some(syn::Expr::If(i))
                    } else {
                        self.ok = false;
                        None
                    }
                }
                _ => None,
            },
            _ => None,
        };
        match replaced {
            // The replacement may itself read the option (`r = match r { .. }`).
            Some(r) => {
                *e = r;
                self.visit_expr_mut(e);
            }
            None => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `B = v` of the hidden local that holds a loop's value (see `Rewrite::assign_block`): the
/// option set to `v`.
struct LoopValue<'r, 'a> {
    rw: &'r mut Rewrite<'a>,
    held: &'r syn::Ident,
    ok: bool,
}

impl VisitMut for LoopValue<'_, '_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::Assign(a) = e {
            if matches!(&*a.left, syn::Expr::Path(p) if p.path.is_ident(self.held)) {
                match self.rw.assign(&a.right) {
                    Some(set) => *e = set,
                    None => self.ok = false,
                }
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The `break 'R v` of a labeled loop whose value is the option (see `Rewrite::assign`), each
/// as the option's assignment and a `break 'R;`; `ok` cleared by a value not of that form.
struct Breaks<'r, 'a> {
    rw: &'r mut Rewrite<'a>,
    label: &'r syn::Lifetime,
    ok: bool,
}

impl VisitMut for Breaks<'_, '_> {
    // A `break` that is a statement: the assignment's statements and the `break` among the
    // block's own (a jump inside a block of its own is not one lowering takes).
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let mut out = Vec::with_capacity(b.stmts.len());
        for mut s in std::mem::take(&mut b.stmts) {
            if let syn::Stmt::Expr(syn::Expr::Break(br), semi) = &s {
                if br.label.as_ref() == Some(self.label) {
                    let label = self.label;
                    match br.expr.as_deref().map(|v| self.rw.assign(v)) {
                        Some(Some(syn::Expr::Block(set))) if set.label.is_none() => {
                            out.extend(set.block.stmts);
                        }
                        Some(Some(set)) => out.push(syn::Stmt::Expr(set, Some(Default::default()))),
                        _ => self.ok = false,
                    }
                    out.push(syn::Stmt::Expr(syn::parse_quote!(break #label), *semi));
                    continue;
                }
            }
            self.visit_stmt_mut(&mut s);
            out.push(s);
        }
        b.stmts = out;
    }
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::Break(b) = e {
            if b.label.as_ref() == Some(self.label) {
                let label = self.label;
                match b.expr.as_deref().map(|v| self.rw.assign(v)) {
                    Some(Some(set)) => *e = syn::parse_quote!({ #set; break #label; }),
                    _ => self.ok = false,
                }
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
