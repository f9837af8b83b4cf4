//! Closures defined in the body and called in it (`let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());`),
//! inlined at their calls.

use std::collections::HashSet;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// The names a closure's body reads that its parameters do not bind.
pub(crate) fn free_names(c: &syn::ExprClosure) -> HashSet<String> {
    /// The names read where no binding of the body is in scope: a `let` binds for the
    /// statements after it in its block; a closure's parameters, a `for` pattern, a `match`
    /// arm's pattern and an `if let`/`while let` pattern for what they govern.
    struct Names {
        scopes: Vec<HashSet<String>>,
        free: HashSet<String>,
    }
    impl Names {
        fn bind(&mut self, p: &syn::Pat) {
            let mut names = Vec::new();
            crate::lower::collect_pat_idents(p, &mut names);
            let top = self.scopes.last_mut().expect("a scope");
            top.extend(names.iter().map(ToString::to_string));
        }
        fn scoped(&mut self, f: impl FnOnce(&mut Self)) {
            self.scopes.push(HashSet::new());
            f(self);
            self.scopes.pop();
        }
    }
    impl<'a> Visit<'a> for Names {
        fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
            if let Some(i) = p.path.get_ident() {
                let name = i.to_string();
                if !self.scopes.iter().any(|s| s.contains(&name)) {
                    self.free.insert(name);
                }
            }
        }
        fn visit_block(&mut self, b: &'a syn::Block) {
            self.scoped(|n| {
                for s in &b.stmts {
                    match s {
                        syn::Stmt::Local(l) => {
                            if let Some(init) = &l.init {
                                n.visit_expr(&init.expr);
                                if let Some((_, e)) = &init.diverge {
                                    n.visit_expr(e);
                                }
                            }
                            n.bind(&l.pat);
                        }
                        syn::Stmt::Item(_) => {}
                        s => n.visit_stmt(s),
                    }
                }
            });
        }
        fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
            self.scoped(|n| {
                for p in &c.inputs {
                    n.bind(p);
                }
                n.visit_expr(&c.body);
            });
        }
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.visit_expr(&f.expr);
            self.scoped(|n| {
                n.bind(&f.pat);
                n.visit_block(&f.body);
            });
        }
        fn visit_arm(&mut self, a: &'a syn::Arm) {
            self.scoped(|n| {
                n.bind(&a.pat);
                if let Some((_, g)) = &a.guard {
                    n.visit_expr(g);
                }
                n.visit_expr(&a.body);
            });
        }
        // `let P = e` in a condition binds for the branch it guards (also chained with `&&`).
        fn visit_expr_let(&mut self, l: &'a syn::ExprLet) {
            self.visit_expr(&l.expr);
            self.bind(&l.pat);
        }
        fn visit_expr_if(&mut self, i: &'a syn::ExprIf) {
            self.scoped(|n| {
                n.visit_expr(&i.cond);
                n.visit_block(&i.then_branch);
            });
            if let Some((_, e)) = &i.else_branch {
                self.visit_expr(e);
            }
        }
        fn visit_expr_while(&mut self, w: &'a syn::ExprWhile) {
            self.scoped(|n| {
                n.visit_expr(&w.cond);
                n.visit_block(&w.body);
            });
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut n = Names {
        scopes: vec![HashSet::new()],
        free: HashSet::new(),
    };
    for p in &c.inputs {
        n.bind(p);
    }
    n.visit_expr(&c.body);
    n.free
}

/// Whether a parameter of type `t` holds a function: `fn(f64) -> f64`, `&dyn Fn(f64) -> f64`,
/// `impl Fn(f64) -> f64`.
fn holds_function(t: &syn::Type) -> bool {
    use crate::closure_calls::fn_bound;
    match t {
        syn::Type::BareFn(_) => true,
        syn::Type::Reference(r) => holds_function(&r.elem),
        syn::Type::TraitObject(o) => fn_bound(o.bounds.iter()),
        syn::Type::ImplTrait(i) => fn_bound(i.bounds.iter()),
        syn::Type::Paren(p) => holds_function(&p.elem),
        _ => false,
    }
}

/// The names `e` binds anywhere inside it (its `let`s, loops', closures' and arms' patterns).
fn names_bound(e: &syn::Expr) -> HashSet<syn::Ident> {
    struct Bound(HashSet<syn::Ident>);
    impl<'a> Visit<'a> for Bound {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            self.0.insert(p.ident.clone());
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut b = Bound(HashSet::new());
    b.visit_expr(e);
    b.0
}

/// `e` without the `&` that lends it.
fn unlent(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Reference(r) if r.mutability.is_none() => unlent(&r.expr),
        syn::Expr::Paren(p) => unlent(&p.expr),
        e => e,
    }
}

impl Inline<'_> {
    /// The closure of the block an argument names (`sq`, `&sq`).
    fn closure_named(&self, a: &syn::Expr) -> Option<syn::ExprClosure> {
        let syn::Expr::Path(p) = unlent(a) else {
            return None;
        };
        let i = p.path.get_ident()?;
        let (_, c) = self.seen.iter().rev().find(|(n, _)| n == i)?;
        Some(c.clone())
    }
}

/// Whether a statement declares or assigns one of `names` anywhere inside it.
pub(super) fn touches(s: &syn::Stmt, names: &HashSet<String>) -> bool {
    finds(s, names, true)
}

/// Whether a statement assigns one of `names` (an element, a field, `&mut`, a method that
/// changes it in place) anywhere inside it; declarations of the name do not count.
pub(super) fn writes(s: &syn::Stmt, names: &HashSet<String>) -> bool {
    finds(s, names, false)
}

fn finds(s: &syn::Stmt, names: &HashSet<String>, declarations: bool) -> bool {
    struct Finder<'n>(&'n HashSet<String>, bool, bool);
    impl<'a> Visit<'a> for Finder<'_> {
        fn visit_pat_ident(&mut self, i: &'a syn::PatIdent) {
            // A capitalized name in a pattern is a unit variant or a constant matched against
            // (`None => ..`, `MAX => ..`), not a binding.
            let name = i.ident.to_string();
            let binding = !name.starts_with(|c: char| c.is_ascii_uppercase());
            self.1 |= self.2 && binding && self.0.contains(&name);
            syn::visit::visit_pat_ident(self, i);
        }
        // A closure's parameters are its own (`let g = |y: f64| ..` declares no `y` here); its
        // body may still assign.
        fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
            self.visit_expr(&c.body);
        }
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            self.1 |= assigned(&a.left, self.0);
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            use syn::BinOp::*;
            if matches!(
                b.op,
                AddAssign(_) | SubAssign(_) | MulAssign(_) | DivAssign(_) | RemAssign(_)
            ) {
                self.1 |= assigned(&b.left, self.0);
            }
            syn::visit::visit_expr_binary(self, b);
        }
        fn visit_expr_reference(&mut self, r: &'a syn::ExprReference) {
            // `&mut w` may change `w` anywhere after it.
            if r.mutability.is_some() {
                self.1 |= assigned(&r.expr, self.0);
            }
            syn::visit::visit_expr_reference(self, r);
        }
        // `s.swap(0, 1)`, `t.p.fill(0.0)`: a method that changes its receiver in place.
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            const IN_PLACE: &[&str] = &[
                "swap",
                "fill",
                "push",
                "pop",
                "insert",
                "remove",
                "clear",
                "truncate",
                "resize",
                "copy_from_slice",
                "clone_from_slice",
                "sort_by",
                "sort_unstable_by",
                "reverse",
                "iter_mut",
                "retain",
                "extend",
                "extend_from_slice",
                "rotate_left",
                "rotate_right",
                "swap_remove",
                "drain",
                "split_off",
                "append",
            ];
            if IN_PLACE.iter().any(|n| m.method == n) {
                self.1 |= assigned(&m.receiver, self.0);
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    fn assigned(e: &syn::Expr, names: &HashSet<String>) -> bool {
        match e {
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| names.contains(&i.to_string())),
            syn::Expr::Index(i) => assigned(&i.expr, names),
            // `t.0 = ..`, `s.p = ..`: a part of `t` written.
            syn::Expr::Field(f) => assigned(&f.base, names),
            syn::Expr::Paren(p) => assigned(&p.expr, names),
            syn::Expr::Unary(u) => assigned(&u.expr, names),
            _ => false,
        }
    }
    let mut f = Finder(names, false, declarations);
    f.visit_stmt(s);
    f.1
}

/// Replaces each call `name(a, b)` by `{ let p = a; let q = b; body }`.
struct Inline<'c> {
    name: &'c syn::Ident,
    closure: &'c syn::ExprClosure,
    /// The names the closure reads (and its own name): a closure whose parameters bind one of
    /// them is left alone (inlined there, the body would read the parameter).
    free: &'c HashSet<String>,
    /// The closures of the block defined before it (`apply(&sq, v)` hands `sq`'s on).
    seen: &'c [(syn::Ident, syn::ExprClosure)],
}

impl VisitMut for Inline<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let syn::Expr::Call(call) = e else { return };
        let syn::Expr::Path(p) = &*call.func else {
            return;
        };
        if p.path.get_ident() != Some(self.name) || call.args.len() != self.closure.inputs.len() {
            return;
        }
        // `sub(b, a)` of `|a, b| ..`: an argument that reads a name an earlier parameter binds
        // reads the caller's, so every argument is evaluated before any parameter is bound.
        let mut bound = Vec::new();
        let mut clash = false;
        // Per argument: it reads a name a parameter before it binds.
        let mut reads_bound = Vec::new();
        for (p, a) in self.closure.inputs.iter().zip(&call.args) {
            let reads = |i: &syn::Ident| bound.contains(i);
            let r = crate::naming::mentions(quote::ToTokens::to_token_stream(a), &reads);
            clash |= r;
            reads_bound.push(r);
            crate::lower::collect_pat_idents(p, &mut bound);
        }
        let mut lets: Vec<syn::Stmt> = Vec::new();
        let mut args: Vec<syn::Expr> = call.args.iter().cloned().collect();
        if clash {
            for (a, reads_bound) in args.iter_mut().zip(reads_bound) {
                // `&mut acc` stays a reference to the caller's local (what `let p = &mut acc;`
                // becomes), unless a parameter before it is named `acc`.
                if matches!(a, syn::Expr::Reference(_)) && !reads_bound {
                    continue;
                }
                let t = crate::naming::fresh("arg");
                lets.push(syn::parse_quote!(let #t = #a;));
                *a = syn::parse_quote!(#t);
            }
        }
        // A function given by its path to a parameter holding one (`apply(f64::sin, v)` of `|g:
        // fn(f64) -> f64, v: f64| g(v)`): the body calls the path, which the macro sees.
        let mut body = super::tail_expr(&self.closure.body);
        // A name an argument reads that the body binds again (`scale(&mut b, k)` of a body
        // looping `for b in buf.iter_mut()`): the body's own gets a name of its own, so that
        // what stands for a parameter (`buf`, read as `b` once lent) is never captured.
        let read = std::cell::RefCell::new(Vec::new());
        for a in &args {
            crate::naming::mentions(quote::ToTokens::to_token_stream(a), &|i| {
                read.borrow_mut().push(i.clone());
                false
            });
        }
        let bound = names_bound(&body);
        let mut read = read.into_inner();
        read.dedup();
        for n in read.iter().filter(|n| bound.contains(*n)) {
            super::sub_slices::unshadow_expr(&mut body, n);
        }
        let body_stmt = syn::Stmt::Expr(body.clone(), None);
        let by_path: Vec<(syn::Ident, syn::ExprPath)> = self
            .closure
            .inputs
            .iter()
            .zip(&args)
            .filter_map(|(p, a)| {
                let (syn::Pat::Type(pt), syn::Expr::Path(path)) = (p, unlent(a)) else {
                    return None;
                };
                let syn::Pat::Ident(pi) = &*pt.pat else {
                    return None;
                };
                let first = &path.path.segments.first()?.ident;
                (holds_function(&pt.ty)
                    && path.qself.is_none()
                    && self.closure_named(a).is_none()
                    && !super::options::binds_inside(&body_stmt, &pi.ident)
                    && !super::options::binds_inside(&body_stmt, first))
                .then(|| (pi.ident.clone(), path.clone()))
            })
            .collect();
        for (name, path) in &by_path {
            crate::function_values::ReadAs(name, path).visit_expr_mut(&mut body);
        }
        let passed_by_path = |p: &syn::Pat| {
            let mut names = Vec::new();
            crate::lower::collect_pat_idents(p, &mut names);
            names.len() == 1 && by_path.iter().any(|(n, _)| *n == names[0])
        };
        lets.extend(
            self.closure
                .inputs
                .iter()
                .zip(&args)
                .filter(|(p, a)| !same_name(p, a) && !passed_by_path(p))
                .map(|(p, a)| -> syn::Stmt {
                    // A closure of the block (`apply(&sq, v)`): its literal, inlined at the
                    // calls of this one's body, where the names it reads mean what they mean
                    // here (unless the body binds one).
                    if let (syn::Pat::Type(pt), Some(c)) = (p, self.closure_named(a)) {
                        let reads = free_names(&c);
                        if !reads.iter().any(|n| {
                            let n = syn::Ident::new(n, proc_macro2::Span::call_site());
                            super::options::binds_inside(&body_stmt, &n)
                        }) {
                            let pat = &pt.pat;
                            return syn::parse_quote!(let #pat = &#c;);
                        }
                    }
                    let a = listed_slice(p, a).unwrap_or_else(|| a.clone());
                    syn::parse_quote!(let #p = #a;)
                }),
        );
        // `|a: [f64; 2]| v(a)` called as `f(x)`: the call itself, `v(x)`, where every argument is
        // a name or a literal (a vector-valued call stays one the rewrites recognize).
        if let Some(direct) = direct_call(self.closure, &call.args) {
            *e = direct;
            return;
        }
        let ret = match &self.closure.output {
            // A tuple is taken apart where it is bound (`let (a, b) = f(x);`), from the block's
            // value as written.
            syn::ReturnType::Type(_, t) if matches!(&**t, syn::Type::Tuple(_)) => None,
            syn::ReturnType::Type(_, t) => Some(quote::quote!(: #t)),
            syn::ReturnType::Default => None,
        };
        let value = crate::naming::hidden("closure_value");
        // In parentheses: `f(x) * 2.0` as a statement stays one expression.
        *e = match ret {
            Some(t) => syn::parse_quote!(({ #(#lets)* let #value #t = #body; #value })),
            None => syn::parse_quote!(({ #(#lets)* #body })),
        };
    }
    /// Calls inside another closure (`xs.iter().map(|&v| sq(act(v)))`) are inlined there, unless
    /// its parameters shadow a name the inlined body reads.
    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        let mut params = Vec::new();
        for p in &c.inputs {
            crate::lower::collect_pat_idents(p, &mut params);
        }
        if params.iter().any(|p| self.free.contains(&p.to_string())) {
            return;
        }
        syn::visit_mut::visit_expr_closure_mut(self, c);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        visit_vec_macro(m, self);
    }
    /// A block declaring a function of the same name calls its own there (an item is in scope
    /// in its whole block, before its declaration too).
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        if !declares_fn(&b.stmts, self.name) {
            syn::visit_mut::visit_block_mut(self, b);
        }
    }
}

/// The functions `stmts` declare (items, in scope in their whole block).
pub fn fns_declared(stmts: &[syn::Stmt]) -> impl Iterator<Item = &syn::Ident> {
    stmts.iter().filter_map(|s| match s {
        syn::Stmt::Item(syn::Item::Fn(f)) => Some(&f.sig.ident),
        _ => None,
    })
}

/// `stmts` declare a function named `name`.
fn declares_fn(stmts: &[syn::Stmt], name: &syn::Ident) -> bool {
    fns_declared(stmts).any(|f| f == name)
}

/// A parameter bound to an argument of its own name, `s` to `s` (a helper handing its slice on
/// to another of the same parameter names), not `mut`: the same value under the same name, so
/// no `let` (`let s: &[f64] = s;` was read as a new buffer of that name: a wrong value).
fn same_name(p: &syn::Pat, a: &syn::Expr) -> bool {
    let p = match p {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    match (p, a) {
        (syn::Pat::Ident(id), syn::Expr::Path(e)) => {
            id.mutability.is_none()
                && id.by_ref.is_none()
                && id.subpat.is_none()
                && e.qself.is_none()
                && e.path.is_ident(&id.ident)
        }
        _ => false,
    }
}

/// Visits the elements of a `vec![a, b, ..]` or `vec![a; n]` (which lowering reads as a list)
/// as expressions, so that calls in them are inlined as elsewhere.
pub(crate) fn visit_vec_macro(m: &mut syn::Macro, v: &mut impl VisitMut) {
    use syn::parse::Parser;
    if !m.path.is_ident("vec") {
        return;
    }
    let list = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
    if let Ok(mut items) = list.parse2(m.tokens.clone()) {
        items.iter_mut().for_each(|e| v.visit_expr_mut(e));
        m.tokens = quote::ToTokens::to_token_stream(&items);
        return;
    }
    let repeat = |input: syn::parse::ParseStream| {
        let e: syn::Expr = input.parse()?;
        input.parse::<syn::Token![;]>()?;
        let n: syn::Expr = input.parse()?;
        Ok((e, n))
    };
    if let Ok((mut e, n)) = repeat.parse2(m.tokens.clone()) {
        v.visit_expr_mut(&mut e);
        m.tokens = quote::quote!(#e; #n);
    }
}

/// Whether the statements name `name` at all (calls included).
pub(super) fn mentions(stmts: &[syn::Stmt], name: &syn::Ident) -> bool {
    names_value(stmts, name, false)
}

/// Whether `stmts` name `name` as a value; with `scoped`, not in a block declaring a function
/// of that name (which calls its own).
fn names_value(stmts: &[syn::Stmt], name: &syn::Ident, scoped: bool) -> bool {
    struct Finder<'n>(&'n syn::Ident, bool, bool);
    impl<'a> Visit<'a> for Finder<'_> {
        fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
            self.1 |= p.path.get_ident() == Some(self.0);
        }
        // Inside a macro's tokens (`vec![0.0; r.len()]`, `assert!(..)`) a name is only tokens.
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            self.1 |= super::mentions(&m.tokens, self.0);
        }
        fn visit_block(&mut self, b: &'a syn::Block) {
            if !(self.2 && declares_fn(&b.stmts, self.0)) {
                syn::visit::visit_block(self, b);
            }
        }
    }
    let mut f = Finder(name, false, scoped);
    stmts.iter().for_each(|s| f.visit_stmt(s));
    f.1
}

/// Input: `let r = x.iter().map(|p| p - 1.0); .. r.chain(d).map(..).sum() ..` in a block (an
/// iterator held in a local, used later, `r.clone()` too). Output: the chain written where it is
/// used (`x.iter().map(|p| p - 1.0).chain(d)..`), the `let` gone: an iterator computes nothing until
/// it is consumed, so it is the same items there, while no name the chain reads is assigned or
/// declared again between the `let` and the last use.
pub fn inline_iterator_lets(body: &mut syn::Block) {
    super::each_block_inner_first(body, iterator_lets);
}

/// Whether a chain of adapters starts with an iterator of a sequence or a range (`x.iter()`,
/// `x.windows(2)`, `(0..n)`), not a method of arrays (`a.map(..)`, which is a new array).
fn makes_iterator(e: &syn::Expr) -> bool {
    const SOURCES: &[&str] = &["iter", "into_iter", "windows", "chunks", "chunks_exact"];
    match e {
        syn::Expr::MethodCall(m) => {
            SOURCES.iter().any(|s| m.method == s) || makes_iterator(&m.receiver)
        }
        syn::Expr::Paren(p) => makes_iterator(&p.expr),
        syn::Expr::Range(_) => true,
        _ => false,
    }
}

/// [`inline_iterator_lets`] in one block.
fn iterator_lets(b: &mut syn::Block) {
    const ADAPTERS: &[&str] = &[
        "iter",
        "into_iter",
        "map",
        "zip",
        "enumerate",
        "filter",
        "filter_map",
        "chain",
        "skip",
        "take",
        "rev",
        "copied",
        "cloned",
        "step_by",
        "windows",
        "chunks",
        "chunks_exact",
        "scan",
        "take_while",
        "skip_while",
        "map_while",
        "flat_map",
    ];
    let mut k = 0;
    while k < b.stmts.len() {
        let def = match &b.stmts[k] {
            syn::Stmt::Local(l) => match (&l.pat, &l.init) {
                // (`let mut it` only where `while let Some(v) = it.next()` is its one use, below:
                // `it.next()` advances one iterator, which a chain written again at each use
                // would not.)
                (syn::Pat::Ident(pi), Some(init))
                    if pi.by_ref.is_none()
                        && pi.subpat.is_none()
                        && init.diverge.is_none()
                        && l.attrs.is_empty() =>
                {
                    match &*init.expr {
                        syn::Expr::MethodCall(m)
                            if ADAPTERS.iter().any(|a| m.method == a)
                                && makes_iterator(&init.expr) =>
                        {
                            Some((
                                pi.ident.clone(),
                                (*init.expr).clone(),
                                pi.mutability.is_some(),
                            ))
                        }
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        };
        let Some((name, chain, mutable)) = def else {
            k += 1;
            continue;
        };
        // The statements up to the last use, none writing what the chain reads.
        let Some(last) = (k + 1..b.stmts.len())
            .rev()
            .find(|&j| mentions(&b.stmts[j..=j], &name))
        else {
            k += 1;
            continue;
        };
        // `let mut it = x.iter(); .. while let Some(v) = it.next() { .. }` (or `for v in it`),
        // the loop the last use: `for v in x.iter() { .. }`; before it, `let a = it.next()..;`
        // statements that run once each take the items in turn (`x.iter().nth(0)`), and the
        // loop skips them.
        let mut taken = 0usize;
        let mut firsts: Vec<(usize, syn::Stmt)> = Vec::new();
        if mutable {
            for j in k + 1..last {
                if !mentions(std::slice::from_ref(&b.stmts[j]), &name) {
                    continue;
                }
                // (Of a sequence's items, copied or not, by `nth`; of `map`s of them, by the
                // closures applied to the `nth` item where the `next()` is unwrapped.)
                let first = if plain_items(&chain) {
                    next_let(&b.stmts[j], &name, &chain, taken)
                } else {
                    mapped_items(&chain).and_then(|(src, cls)| {
                        next_mapped_let(&b.stmts[j], &name, src, &cls, taken)
                    })
                };
                match first {
                    Some(s) => {
                        firsts.push((j, s));
                        taken += 1;
                    }
                    None => {
                        taken = usize::MAX;
                        break;
                    }
                }
            }
        }
        let rest: syn::Expr = match (taken, mapped_items(&chain)) {
            (0, _) => chain.clone(),
            // The items skipped before the `map`s, which then see the same items.
            (_, Some((src, cls))) if taken != usize::MAX => {
                syn::parse_quote!(#src.skip(#taken)#(.map(#cls))*)
            }
            _ => syn::parse_quote!(#chain.skip(#taken)),
        };
        let drained = match (&b.stmts[last], mutable && taken != usize::MAX) {
            (syn::Stmt::Expr(syn::Expr::While(w), semi), true) => {
                next_loop(w, &name, &rest).map(|f| syn::Stmt::Expr(f, *semi))
            }
            (syn::Stmt::Expr(syn::Expr::ForLoop(f), semi), true)
                if matches!(&*f.expr, syn::Expr::Path(p) if p.path.get_ident() == Some(&name))
                    && !mentions(&f.body.stmts, &name) =>
            {
                let mut f = f.clone();
                *f.expr = rest.clone();
                Some(syn::Stmt::Expr(syn::Expr::ForLoop(f), *semi))
            }
            // `first + it.sum::<f64>()`: the rest of the items consumed once, there.
            (s, true) if taken > 0 && consumed_once(s, &name) => {
                let mut s = s.clone();
                Subst(&name, &rest).visit_stmt_mut(&mut s);
                Some(s)
            }
            _ => None,
        };
        if mutable && drained.is_none() {
            k += 1;
            continue;
        }
        // What the chain reads, not the names its closures bind.
        let mut free: HashSet<String> = HashSet::new();
        let mut bound: Vec<syn::Ident> = Vec::new();
        struct Names<'a>(&'a mut HashSet<String>, &'a mut Vec<syn::Ident>);
        impl<'a> Visit<'a> for Names<'_> {
            fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
                if let Some(i) = p.path.get_ident() {
                    self.0.insert(i.to_string());
                }
            }
            fn visit_pat(&mut self, p: &'a syn::Pat) {
                crate::lower::collect_pat_idents(p, self.1);
            }
        }
        Names(&mut free, &mut bound).visit_expr(&chain);
        for b in &bound {
            free.remove(&b.to_string());
        }
        free.insert(name.to_string());
        if b.stmts[k + 1..=last].iter().any(|s| touches(s, &free)) {
            k += 1;
            continue;
        }
        for (j, s) in firsts {
            b.stmts[j] = s;
        }
        match drained {
            Some(f) => b.stmts[last] = f,
            None => {
                for s in &mut b.stmts[k + 1..=last] {
                    Subst(&name, &chain).visit_stmt_mut(s);
                }
            }
        }
        b.stmts.remove(k);
    }
}

/// The chain a held iterator stands for, written where the name (or its `clone()`) was.
struct Subst<'a>(&'a syn::Ident, &'a syn::Expr);

impl VisitMut for Subst<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        let is_name =
            |x: &syn::Expr| matches!(x, syn::Expr::Path(p) if p.path.get_ident() == Some(self.0));
        let hit = is_name(e)
            || matches!(e, syn::Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() && is_name(&m.receiver));
        if hit {
            *e = self.1.clone();
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `x.iter().map(|p| ..)` (one or more `map`s of one-parameter closures over [`plain_items`]):
/// the source and the closures.
fn mapped_items(e: &syn::Expr) -> Option<(&syn::Expr, Vec<&syn::ExprClosure>)> {
    let mut closures = Vec::new();
    let mut e = e;
    while let syn::Expr::MethodCall(m) = e {
        if m.method != "map" || m.args.len() != 1 {
            break;
        }
        let syn::Expr::Closure(c) = &m.args[0] else {
            return None;
        };
        if c.inputs.len() != 1 {
            return None;
        }
        closures.push(c);
        e = &m.receiver;
    }
    closures.reverse();
    (!closures.is_empty() && plain_items(e)).then_some((e, closures))
}

/// `let P = .. it.next().unwrap() ..;` (or `.expect(..)`) of `it = SOURCE.map(F)..`, once, as
/// for [`next_let`]: the closures applied to `SOURCE.nth(n).unwrap()`, in a block.
fn next_mapped_let(
    s: &syn::Stmt,
    it: &syn::Ident,
    source: &syn::Expr,
    closures: &[&syn::ExprClosure],
    n: usize,
) -> Option<syn::Stmt> {
    let mut item: syn::Expr = syn::parse_quote!(#source.nth(#n).unwrap());
    for c in closures {
        let (p, body) = (&c.inputs[0], &c.body);
        item = syn::parse_quote!({ let #p = #item; #body });
    }
    taken_once(s, it, &|e| {
        let syn::Expr::MethodCall(u) = e else {
            return None;
        };
        let unwrapped = (u.method == "unwrap" && u.args.is_empty())
            || (u.method == "expect" && u.args.len() == 1);
        (unwrapped && is_next_of(&u.receiver, it)).then(|| item.clone())
    })
}

/// Whether `e` is `it.next()`.
fn is_next_of(e: &syn::Expr, it: &syn::Ident) -> bool {
    matches!(e, syn::Expr::MethodCall(m)
        if m.method == "next" && m.args.is_empty()
            && matches!(&*m.receiver, syn::Expr::Path(p) if p.path.get_ident() == Some(it)))
}

/// `let P = .. E ..;` with the one expression `take` replaces (an item taken from `it`) in its
/// value, outside closures, loops and branches, and `it` named nowhere else: the `let` with it
/// replaced.
fn taken_once(
    s: &syn::Stmt,
    it: &syn::Ident,
    take: &dyn Fn(&syn::Expr) -> Option<syn::Expr>,
) -> Option<syn::Stmt> {
    let syn::Stmt::Local(l) = s else {
        return None;
    };
    let init = l.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    struct Take<'a> {
        take: &'a dyn Fn(&syn::Expr) -> Option<syn::Expr>,
        it: &'a syn::Ident,
        hits: usize,
        bad: bool,
    }
    impl VisitMut for Take<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            if let Some(item) = (self.take)(e) {
                self.hits += 1;
                *e = item;
            } else if may_not_run_once(e) {
                // (One that does not name the iterator, a reduction's loop beside the item,
                // leaves it alone.)
                let it = self.it;
                self.bad |=
                    crate::naming::mentions(quote::ToTokens::to_token_stream(&*e), &|i| i == it);
            } else {
                syn::visit_mut::visit_expr_mut(self, e);
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut l = l.clone();
    let mut v = Take {
        take,
        it,
        hits: 0,
        bad: false,
    };
    if let Some(init) = &mut l.init {
        v.visit_expr_mut(&mut init.expr);
    }
    let s = syn::Stmt::Local(l);
    (v.hits == 1 && !v.bad && !mentions(std::slice::from_ref(&s), it)).then_some(s)
}

/// Whether `e` may run other than once where it stands: a closure, a loop, a branch, a `?`, or a
/// block (which may hold any of them).
fn may_not_run_once(e: &syn::Expr) -> bool {
    matches!(
        e,
        syn::Expr::Closure(_)
            | syn::Expr::ForLoop(_)
            | syn::Expr::While(_)
            | syn::Expr::Loop(_)
            | syn::Expr::If(_)
            | syn::Expr::Match(_)
            | syn::Expr::Try(_)
            | syn::Expr::Block(_)
    )
}

/// Whether `it` is named once in `s`, outside closures, loops and branches (so the items it
/// still holds are consumed once), and not as the receiver of a method that takes only some of
/// them (`next`, `nth`, `by_ref`, `peekable`).
fn consumed_once(s: &syn::Stmt, it: &syn::Ident) -> bool {
    struct Uses<'a> {
        it: &'a syn::Ident,
        hits: usize,
        bad: bool,
        depth: usize,
    }
    impl<'a> Visit<'a> for Uses<'_> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            match e {
                syn::Expr::Path(p) if p.path.get_ident() == Some(self.it) => {
                    self.hits += 1;
                    self.bad |= self.depth > 0;
                }
                syn::Expr::MethodCall(m)
                    if ["next", "nth", "by_ref", "peekable", "next_back"]
                        .iter()
                        .any(|n| m.method == n)
                        && matches!(&*m.receiver, syn::Expr::Path(p) if p.path.get_ident() == Some(self.it)) =>
                {
                    self.bad = true;
                }
                syn::Expr::Closure(_)
                | syn::Expr::ForLoop(_)
                | syn::Expr::While(_)
                | syn::Expr::Loop(_)
                | syn::Expr::If(_)
                | syn::Expr::Match(_) => {
                    self.depth += 1;
                    syn::visit::visit_expr(self, e);
                    self.depth -= 1;
                }
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            self.bad |= super::mentions(&m.tokens, self.it);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut u = Uses {
        it,
        hits: 0,
        bad: false,
        depth: 0,
    };
    u.visit_stmt(s);
    u.hits == 1 && !u.bad
}

/// Whether `e` is `x.iter()` (`into_iter`, `x` a name, a field or a row `rows[i]`), maybe
/// `.copied()`/`.cloned()`, or a part of it by `.skip(a).take(b)` (as a row of rows is read):
/// the items of `x`.
fn plain_items(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::MethodCall(m)
            if m.args.len() == 1 && (m.method == "skip" || m.method == "take") =>
        {
            plain_items(&m.receiver)
        }
        syn::Expr::MethodCall(m) if m.args.is_empty() => match m.method.to_string().as_str() {
            "copied" | "cloned" => plain_items(&m.receiver),
            "iter" | "into_iter" => match &*m.receiver {
                syn::Expr::Path(_) | syn::Expr::Field(_) => true,
                syn::Expr::Index(ix) => {
                    !matches!(&*ix.index, syn::Expr::Range(_))
                        && matches!(&*ix.expr, syn::Expr::Path(_) | syn::Expr::Field(_))
                }
                _ => false,
            },
            _ => false,
        },
        _ => false,
    }
}

/// `let P = .. it.next() ..;`, `it` read there once and nowhere else, by a `let` that runs once
/// (no closure, loop or branch around the read): the same with `CHAIN.nth(n)`, `n` the items
/// taken before.
fn next_let(s: &syn::Stmt, it: &syn::Ident, chain: &syn::Expr, n: usize) -> Option<syn::Stmt> {
    let nth: syn::Expr = syn::parse_quote!(#chain.nth(#n));
    taken_once(s, it, &|e| is_next_of(e, it).then(|| nth.clone()))
}

/// `while let Some(P) = it.next() { B }` with `B` not naming `it`: `for P in CHAIN { B }` (its
/// label kept).
fn next_loop(w: &syn::ExprWhile, it: &syn::Ident, chain: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::Let(l) = &*w.cond else {
        return None;
    };
    let syn::Expr::MethodCall(m) = &*l.expr else {
        return None;
    };
    let on_it = matches!(&*m.receiver, syn::Expr::Path(p) if p.path.get_ident() == Some(it));
    if m.method != "next" || !m.args.is_empty() || !on_it || !w.attrs.is_empty() {
        return None;
    }
    let syn::Pat::TupleStruct(ts) = &*l.pat else {
        return None;
    };
    if !ts.path.is_ident("Some") || ts.elems.len() != 1 {
        return None;
    }
    let body = &w.body;
    if mentions(&body.stmts, it) {
        return None;
    }
    let (label, pat) = (&w.label, &ts.elems[0]);
    Some(syn::parse_quote!(#label for #pat in #chain #body))
}

/// Input: `let sig = |z: f64| 1.0 / (1.0 + (-z).exp()); .. sig(a) ..` in a block.
/// Output: `.. { let z: f64 = a; 1.0 / (1.0 + (-z).exp()) } ..`, while no name the closure reads
/// has been declared again or assigned since its definition (then the inlined body would read
/// another value, so the rest is left as written and reported). The definition goes once every
/// use is inlined.
/// Input: `y = step(&y, a);` where `step` is a closure or a `fn` declared in this block.
/// Output: `{ let T = step(&y, a); y = T; }`: what the call makes (a `vec![..]`, an array) is a
/// `let` of its own, as the inlined body of a `let` call is, and only then the new state.
pub fn assigned_calls_to_lets(b: &mut syn::Block) {
    // Each callee with the names it captures: `acc = step(x);` of a closure reading `acc` is
    // left as it is (its call is before the assignment, which inlining sees as it is).
    let mut names: std::collections::HashMap<String, HashSet<String>> = Default::default();
    for s in &b.stmts {
        match s {
            syn::Stmt::Local(l) => {
                if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
                    if let syn::Expr::Closure(c) = &*init.expr {
                        names.insert(pi.ident.to_string(), free_names(c));
                    }
                }
            }
            syn::Stmt::Item(syn::Item::Fn(f)) => {
                names.insert(f.sig.ident.to_string(), HashSet::new());
            }
            _ => {}
        }
    }
    if names.is_empty() {
        return;
    }
    struct Assigned<'a>(&'a std::collections::HashMap<String, HashSet<String>>);
    impl VisitMut for Assigned<'_> {
        fn visit_stmt_mut(&mut self, s: &mut syn::Stmt) {
            syn::visit_mut::visit_stmt_mut(self, s);
            let syn::Stmt::Expr(syn::Expr::Assign(a), Some(_)) = s else {
                return;
            };
            let (syn::Expr::Path(x), syn::Expr::Call(c)) = (&*a.left, &*a.right) else {
                return;
            };
            let Some(target) = x.path.get_ident() else {
                return;
            };
            let called = match &*c.func {
                syn::Expr::Path(f) => f.path.get_ident().and_then(|i| self.0.get(&i.to_string())),
                _ => None,
            };
            if called.is_none_or(|free| free.contains(&target.to_string())) {
                return;
            }
            let t = crate::naming::fresh("made");
            *s = syn::parse_quote!({
                let #t = #c;
                #x = #t;
            });
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
        fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    }
    for s in &mut b.stmts {
        Assigned(&names).visit_stmt_mut(s);
    }
    // `{ let T = step(..); y = T; }` as two statements of the block it stands in (`T` is a name
    // of its own): the inlined call's statements are then the block's, where a vector the call
    // clears and refills is declared (see `pushes::cleared_lets`).
    super::each_block_inner_first(b, |blk| {
        let made = |s: &syn::Stmt| -> Option<Vec<syn::Stmt>> {
            let syn::Stmt::Expr(syn::Expr::Block(inner), _) = s else {
                return None;
            };
            let [syn::Stmt::Local(l), syn::Stmt::Expr(syn::Expr::Assign(a), Some(_))] =
                &inner.block.stmts[..]
            else {
                return None;
            };
            let syn::Pat::Ident(pi) = &l.pat else {
                return None;
            };
            let name = pi.ident.to_string();
            let ours = name.starts_with("__grad") && name.contains("made");
            let reads = matches!(&*a.right, syn::Expr::Path(p) if p.path.is_ident(&pi.ident));
            (inner.label.is_none() && ours && reads).then(|| inner.block.stmts.clone())
        };
        let mut k = 0;
        while k < blk.stmts.len() {
            match made(&blk.stmts[k]) {
                Some(two) => {
                    blk.stmts.splice(k..=k, two);
                    k += 2;
                }
                None => k += 1,
            }
        }
    });
}

pub fn inline_closures(b: &mut syn::Block) {
    // The closures defined so far, as inlined: `let f = &g;` calls `g`'s.
    let mut seen: Vec<(syn::Ident, syn::ExprClosure)> = Vec::new();
    let mut k = 0;
    while k < b.stmts.len() {
        if let syn::Stmt::Local(l) = &mut b.stmts[k] {
            let lets = chosen_conditions(l, &seen);
            let n = lets.len();
            b.stmts.splice(k..k, lets);
            k += n;
        }
        let def = match &b.stmts[k] {
            syn::Stmt::Local(l) => match (super::pat_and_type(l).0, &l.init) {
                (syn::Pat::Ident(pi), Some(init))
                    if pi.by_ref.is_none() && pi.subpat.is_none() && init.diverge.is_none() =>
                {
                    closure_held(&init.expr, &seen).map(|c| (pi.ident.clone(), c))
                }
                _ => None,
            },
            _ => None,
        };
        let Some((name, mut closure)) = def else {
            k += 1;
            continue;
        };
        returns_to_breaks(&mut closure);
        // A `move` closure holds copies of what it reads, taken where it is defined: a name
        // written after that is read from its copy (`let f = move |v| v * s; s = 2.0; f(y)`).
        if closure.capture.is_some() {
            let mut free: Vec<String> = free_names(&closure).into_iter().collect();
            free.sort();
            let mut copies: Vec<syn::Stmt> = Vec::new();
            let mut shadows: Vec<syn::Stmt> = Vec::new();
            let mut unreadable = false;
            for n in free {
                let one: HashSet<String> = std::iter::once(n.clone()).collect();
                if !b.stmts[k + 1..].iter().any(|s| touches(s, &one)) {
                    continue;
                }
                let copy = crate::naming::fresh(&format!("moved_{n}"));
                let orig = syn::Ident::new(&n, proc_macro2::Span::call_site());
                copies.push(syn::parse_quote!(let #copy = #orig;));
                // Every read (and write) of the captured name is of the copy. Where the body
                // also declares the name (`let s = t * t;`, which names another value from
                // there on): a name only read is bound to its copy where the body starts
                // instead, which the body's declarations shadow as they would the capture; a
                // name the body changes (a state kept across calls) is renamed after its
                // declarations get names of their own (not where a format string reads one:
                // the closure is then left to lowering's error).
                let body = syn::Stmt::Expr((*closure.body).clone(), None);
                if !super::options::binds_inside(&body, &orig) {
                    RenamePath(&orig, &copy).visit_expr_mut(&mut closure.body);
                } else if !writes(&body, &one) {
                    shadows.push(syn::parse_quote!(let #orig = #copy;));
                } else if super::sub_slices::unshadow_expr(&mut closure.body, &orig) {
                    RenamePath(&orig, &copy).visit_expr_mut(&mut closure.body);
                } else {
                    unreadable = true;
                    break;
                }
            }
            if unreadable {
                k += 1;
                continue;
            }
            if !shadows.is_empty() {
                let body = &closure.body;
                *closure.body = syn::parse_quote!({
                    #(#shadows)*
                    #body
                });
            }
            let count = copies.len();
            for (j, c) in copies.into_iter().enumerate() {
                b.stmts.insert(k + j, c);
            }
            k += count;
        }
        seen.push((name.clone(), closure.clone()));
        let mut free = free_names(&closure);
        free.insert(name.to_string());
        // What the closure reads, and its own name, mean at its calls what they meant where it
        // was defined: a later `let` of one of those names (`let act = |z| ..;` again, `let w =
        // ..;`) gets a name of its own.
        unshadow_all(&mut b.stmts[k + 1..], &free);
        let mut end = k + 1;
        let mut inline = Inline {
            name: &name,
            closure: &closure,
            free: &free,
            seen: &seen,
        };
        while end < b.stmts.len() {
            if touches(&b.stmts[end], &free) {
                // `acc = g(x);`, `let y = g(x);`: the value is computed before the write.
                if let Some(value) = value_before_write(&mut b.stmts[end]) {
                    if !touches(&syn::Stmt::Expr(value.clone(), None), &free) {
                        inline.visit_expr_mut(value);
                    }
                }
                break;
            }
            inline.visit_stmt_mut(&mut b.stmts[end]);
            end += 1;
        }
        if !mentions(&b.stmts[k + 1..], &name) {
            b.stmts.remove(k);
        } else {
            k += 1;
        }
    }
    // A closure handed to another (`apply(&sq, v)`) is read no more once that one is inlined
    // (from the last: `let f = &g;` goes before `g`).
    for k in (0..b.stmts.len()).rev() {
        let unread = match &b.stmts[k] {
            syn::Stmt::Local(l) => match super::pat_and_type(l).0 {
                syn::Pat::Ident(pi) => {
                    seen.iter().any(|(n, _)| *n == pi.ident)
                        && l.init
                            .as_ref()
                            .is_some_and(|i| closure_held(&i.expr, &seen).is_some())
                        && !mentions(&b.stmts[k + 1..], &pi.ident)
                }
                _ => false,
            },
            _ => false,
        };
        if unread {
            b.stmts.remove(k);
        }
    }
}

/// The closure a `let` binds, to be inlined at its calls: a literal (a `move` one too: inlined,
/// it reads what it captured, as no name it reads is written before its last inlined call),
/// lent (`&|t| ..`, what a `&dyn Fn` local holds), boxed (`Box::new(|t| ..)`), or a closure
/// defined before (`let f = &g;`, among `seen`).
fn closure_held(
    e: &syn::Expr,
    seen: &[(syn::Ident, syn::ExprClosure)],
) -> Option<syn::ExprClosure> {
    match e {
        syn::Expr::Closure(c) if c.asyncness.is_none() => named_params(c),
        syn::Expr::Reference(r) if r.mutability.is_none() => closure_held(&r.expr, seen),
        syn::Expr::Paren(p) => closure_held(&p.expr, seen),
        syn::Expr::Call(c) if c.args.len() == 1 && is_box_new(&c.func) => {
            closure_held(&c.args[0], seen)
        }
        syn::Expr::Path(p) => {
            let i = p.path.get_ident()?;
            let (_, c) = seen.iter().rev().find(|(n, _)| n == i)?;
            Some(c.clone())
        }
        syn::Expr::If(i) => chosen_closure(i, seen),
        syn::Expr::Block(b) if b.label.is_none() => match &b.block.stmts[..] {
            [syn::Stmt::Expr(e, None)] => closure_held(e, seen),
            _ => None,
        },
        _ => None,
    }
}

/// `if c { &|p, y| a } else { &|p, y| b }` (a loss chosen by a flag): one closure,
/// `|a0, a1| if c { let p = a0; let y = a1; a } else { .. }`, the condition read at each call
/// (`inline_closures` first binds each condition of the chain to a name of its own, computed
/// where the closure is defined: see `chosen_conditions`).
fn chosen_closure(
    i: &syn::ExprIf,
    seen: &[(syn::Ident, syn::ExprClosure)],
) -> Option<syn::ExprClosure> {
    let then = i.then_branch.clone();
    let then = closure_held(&syn::parse_quote!(#then), seen)?;
    let (_, other) = i.else_branch.as_ref()?;
    let other = closure_held(other, seen)?;
    if then.inputs.len() != other.inputs.len() {
        return None;
    }
    let args: Vec<syn::Ident> = (0..then.inputs.len())
        .map(|_| crate::naming::fresh("carg"))
        .collect();
    // The parameters' types where the first closure writes them.
    let params = then.inputs.iter().zip(&args).map(|(p, a)| match p {
        syn::Pat::Type(t) => {
            let ty = &t.ty;
            quote::quote!(#a: #ty)
        }
        _ => quote::quote!(#a),
    });
    let body = |c: &syn::ExprClosure| {
        let (pats, body) = (c.inputs.iter(), &c.body);
        quote::quote!({ #(let #pats = #args;)* #body })
    };
    let (cond, a, b) = (&i.cond, body(&then), body(&other));
    let output = &then.output;
    Some(syn::parse_quote!(|#(#params),*| #output { if #cond #a else #b }))
}

/// The conditions of `let f = if c1 { &|..| .. } else if c2 { .. } else { .. };` (closures in
/// every branch) bound to names before it, as the chain evaluates them (`let k1 = c1; let k2 =
/// !k1 && c2;`), the chain reading the names: each computed once, where it is written.
fn chosen_conditions(
    l: &mut syn::Local,
    seen: &[(syn::Ident, syn::ExprClosure)],
) -> Vec<syn::Stmt> {
    let Some(init) = &mut l.init else {
        return Vec::new();
    };
    let syn::Expr::If(i) = &mut *init.expr else {
        return Vec::new();
    };
    if chosen_closure(i, seen).is_none() {
        return Vec::new();
    }
    let mut lets: Vec<syn::Stmt> = Vec::new();
    let mut before: Vec<syn::Ident> = Vec::new();
    let mut at = i;
    loop {
        let name = crate::naming::fresh("chosen");
        let cond = &at.cond;
        lets.push(syn::parse_quote!(let #name: bool = #(!#before &&)* (#cond);));
        *at.cond = syn::parse_quote!(#name);
        before.push(name);
        match at.else_branch.as_mut().map(|(_, e)| &mut **e) {
            Some(syn::Expr::If(next)) => at = next,
            _ => return lets,
        }
    }
}

/// `Box::new` (or `std::boxed::Box::new`).
fn is_box_new(f: &syn::Expr) -> bool {
    let syn::Expr::Path(p) = f else {
        return false;
    };
    let segs = crate::naming::segments(&p.path);
    segs.ends_with(&["Box".to_string(), "new".to_string()])
}

/// The value a statement computes before it writes a name: the initializer of a `let`, the right
/// side of an assignment (`acc = ..;`, `acc += ..;`) to a name.
fn value_before_write(s: &mut syn::Stmt) -> Option<&mut syn::Expr> {
    match s {
        syn::Stmt::Local(l) => match &mut l.init {
            Some(init) if init.diverge.is_none() => Some(&mut init.expr),
            _ => None,
        },
        syn::Stmt::Expr(syn::Expr::Assign(a), _) if matches!(&*a.left, syn::Expr::Path(_)) => {
            Some(&mut a.right)
        }
        syn::Stmt::Expr(syn::Expr::Binary(b), _)
            if matches!(&*b.left, syn::Expr::Path(_))
                && matches!(
                    b.op,
                    syn::BinOp::AddAssign(_)
                        | syn::BinOp::SubAssign(_)
                        | syn::BinOp::MulAssign(_)
                        | syn::BinOp::DivAssign(_)
                ) =>
        {
            Some(&mut b.right)
        }
        _ => None,
    }
}

/// Input: a closure whose body `return`s (`|v: f64| { if v < 0.0 { return 0.0; } v * v }`).
/// Output: its body as `'R: loop { break 'R { .. break 'R 0.0; .. v * v }; }`, so that, inlined,
/// each `return` still leaves the closure's body only.
fn returns_to_breaks(c: &mut syn::ExprClosure) {
    struct Returns<'l>(&'l syn::Lifetime, bool);
    impl VisitMut for Returns<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let syn::Expr::Return(r) = e {
                let (label, value) = (self.0, &r.expr);
                *e = syn::parse_quote!(break #label #value);
                self.1 = true;
            }
        }
        // Their `return`s are their own.
        fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let label = syn::Lifetime::new(
        &format!("'{}", crate::naming::fresh("closure")),
        proc_macro2::Span::call_site(),
    );
    let mut r = Returns(&label, false);
    let mut body = (*c.body).clone();
    r.visit_expr_mut(&mut body);
    // The body's statements become the loop's, so each `break` is a statement of it.
    if let (true, syn::Expr::Block(b)) = (r.1, &body) {
        let mut stmts = b.block.stmts.clone();
        let tail = match stmts.pop() {
            Some(syn::Stmt::Expr(e, None)) => e,
            // Ending in a `return v;`, now `break 'R v;`: the loop's last statement.
            Some(s @ syn::Stmt::Expr(syn::Expr::Break(_), Some(_))) => {
                stmts.push(s);
                *c.body = syn::parse_quote!({ #label: loop { #(#stmts)* } });
                return;
            }
            Some(s) => {
                stmts.push(s);
                return;
            }
            None => return,
        };
        *c.body = syn::parse_quote!({ #label: loop { #(#stmts)* break #label #tail; } });
    }
}

/// Input: `fn sq(v: f64) -> f64 { v * v }` declared in a block, called in it.
/// Output: every call inlined as a closure's would be (see `inline_closures`); the item goes
/// once no use is left. A function that calls itself, takes `self`, or is generic over other
/// than the enclosing function's own type parameters (`fn sq<T: Float>(v: T) -> T` in a
/// function generic over `T`, which the inlined body then names) stays.
pub fn inline_fn_items(b: &mut syn::Block, type_params: &HashSet<String>) {
    inline_fn_items_of(b, type_params, None);
}

/// [`inline_fn_items`], where a function generic over a type parameter of its own is first
/// made that of the caller's float `float` (see [`without_own_generics`]).
pub fn inline_fn_items_of(
    b: &mut syn::Block,
    type_params: &HashSet<String>,
    float: Option<&syn::Type>,
) {
    let mut k = 0;
    while k < b.stmts.len() {
        let syn::Stmt::Item(syn::Item::Fn(written)) = &b.stmts[k] else {
            k += 1;
            continue;
        };
        // (The function as written stays where it is not inlined.)
        let mut f = written.clone();
        without_own_generics(&mut f, type_params, float);
        let sig = &f.sig;
        let typed_params = sig.inputs.iter().all(|a| match a {
            syn::FnArg::Typed(t) => simple_param(&t.pat),
            syn::FnArg::Receiver(_) => false,
        });
        let outer_generics = sig.generics.params.iter().all(|g| match g {
            syn::GenericParam::Type(t) => type_params.contains(&t.ident.to_string()),
            _ => false,
        });
        let derived = f.attrs.contains(&crate::plain_helpers::derived_marker());
        let plain = outer_generics
            && !derived
            && sig.asyncness.is_none()
            && sig.unsafety.is_none()
            && sig.constness.is_none()
            && sig.variadic.is_none()
            && typed_params;
        let name = sig.ident.clone();
        if !plain || mentions(&f.block.stmts, &name) {
            k += 1;
            continue;
        }
        let params = sig.inputs.iter();
        let (output, block) = (&sig.output, &f.block);
        let mut closure: syn::ExprClosure = syn::parse_quote!(|#(#params),*| #output #block);
        returns_to_breaks(&mut closure);
        let item = b.stmts.remove(k);
        let mut free = free_names(&closure);
        free.insert(name.to_string());
        // The function's name and the items its body calls mean the block's items wherever it
        // is called: a local that takes one of those names (`let act = |z| ..;` after `fn act`)
        // gets a name of its own first.
        unshadow_all(&mut b.stmts, &free);
        let mut inline = Inline {
            name: &name,
            closure: &closure,
            free: &free,
            seen: &[],
        };
        for s in &mut b.stmts {
            match s {
                // Another nested `fn` calling this one (it captures nothing, so it may be
                // inlined there too).
                syn::Stmt::Item(syn::Item::Fn(other)) => inline.visit_block_mut(&mut other.block),
                s => inline.visit_stmt_mut(s),
            }
        }
        // Still named (passed as a value, or called inside another item): it stays declared.
        if names_value(&b.stmts, &name, true) {
            b.stmts.insert(k, item);
            k += 1;
        }
    }
}

/// Input: `fn sq<T: Mul<Output = T> + Copy>(a: T) -> T { a * a }` declared in a body.
/// Output: `fn sq(a: _) { a * a }` as its inlined calls read it: each call's `let a = ..;`
/// takes its argument's type, a float or not. One whose body names its type parameter
/// (`T::from(2.0).unwrap()`) is made the function of the caller's float instead (`f64`, `f32`
/// or the caller's own `T`, see `monomorph`); one that cannot be either stays as it is.
fn without_own_generics(
    f: &mut syn::ItemFn,
    type_params: &HashSet<String>,
    float: Option<&syn::Type>,
) {
    let own: Vec<syn::Ident> = f
        .sig
        .generics
        .params
        .iter()
        .filter_map(|g| match g {
            syn::GenericParam::Type(t) if !type_params.contains(&t.ident.to_string()) => {
                Some(t.ident.clone())
            }
            _ => None,
        })
        .collect();
    let only_types = f
        .sig
        .generics
        .params
        .iter()
        .all(|g| matches!(g, syn::GenericParam::Type(_)));
    if own.is_empty() || !only_types {
        return;
    }
    let names_own = |t: proc_macro2::TokenStream| crate::naming::mentions(t, &|i| own.contains(i));
    if !names_own(quote::ToTokens::to_token_stream(&f.block)) {
        let typed = f.sig.inputs.iter_mut().all(|a| match a {
            syn::FnArg::Typed(t) => {
                if names_own(quote::ToTokens::to_token_stream(&t.ty)) {
                    *t.ty = syn::Type::Infer(syn::parse_quote!(_));
                }
                true
            }
            syn::FnArg::Receiver(_) => false,
        });
        if !typed {
            return;
        }
        if names_own(quote::ToTokens::to_token_stream(&f.sig.output)) {
            f.sig.output = syn::ReturnType::Default;
        }
        f.sig.generics = syn::Generics::default();
        return;
    }
    let ([t], Some(syn::Type::Path(p))) = (&own[..], float) else {
        return;
    };
    let Some(float) = p.path.get_ident().map(ToString::to_string) else {
        return;
    };
    let made = match float.as_str() {
        "f64" | "f32" => crate::monomorph::concrete(f, t, &float),
        own_float if type_params.contains(own_float) => {
            Some(crate::monomorph::renamed(f, t, own_float))
        }
        _ => None,
    };
    if let Some(made) = made {
        *f = made;
    }
}

/// Every declaration in `stmts` of one of `names` under a name of its own (see
/// `sub_slices::unshadow`), in a fixed order so that expansions are reproducible.
fn unshadow_all(stmts: &mut [syn::Stmt], names: &HashSet<String>) {
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort();
    for n in sorted {
        let n = syn::Ident::new(n, proc_macro2::Span::call_site());
        super::sub_slices::unshadow(stmts, &n);
    }
}

/// `c` with a name for each parameter: `|(x, y): (f64, f64)| a * x - y` is `|p: (f64, f64)| {
/// let (x, y): (f64, f64) = p; a * x - y }`, which inlines as any other (the `let` is taken
/// apart like one the user wrote). `None` for a pattern that may not match (a literal, a range).
fn named_params(c: &syn::ExprClosure) -> Option<syn::ExprClosure> {
    if c.inputs.iter().all(simple_param) {
        return Some(c.clone());
    }
    let mut c = c.clone();
    let mut lets: Vec<syn::Stmt> = Vec::new();
    for p in c.inputs.iter_mut() {
        if simple_param(p) {
            continue;
        }
        let (pat, ty) = match &*p {
            syn::Pat::Type(t) => (&*t.pat, Some(&t.ty)),
            p => (p, None),
        };
        if !matches!(
            pat,
            syn::Pat::Tuple(_)
                | syn::Pat::Reference(_)
                | syn::Pat::Struct(_)
                | syn::Pat::TupleStruct(_)
                | syn::Pat::Paren(_)
        ) {
            return None;
        }
        let name = crate::naming::fresh("arg");
        let (pat, ty) = (pat.clone(), ty.cloned());
        // `|&(x, y): &(f64, f64)|`: the value behind the reference taken apart.
        if let syn::Pat::Reference(r) = &pat {
            let inner = &r.pat;
            // A tuple's parts read through the reference (`(arg.0, arg.1)`), anything else
            // copied out of it.
            let value: syn::Expr = match &**inner {
                syn::Pat::Tuple(t) => {
                    let parts = (0..t.elems.len()).map(syn::Index::from);
                    syn::parse_quote!((#(#name.#parts),*))
                }
                _ => syn::parse_quote!(*#name),
            };
            let param: syn::Pat = match ty {
                Some(ty) => syn::Pat::Type(syn::PatType {
                    attrs: Vec::new(),
                    pat: Box::new(syn::parse_quote!(#name)),
                    colon_token: Default::default(),
                    ty,
                }),
                None => syn::parse_quote!(#name),
            };
            *p = param;
            lets.push(syn::parse_quote!(let #inner = #value;));
            continue;
        }
        let (param, bind): (syn::Pat, syn::Stmt) = match ty {
            Some(ty) => (
                syn::Pat::Type(syn::PatType {
                    attrs: Vec::new(),
                    pat: Box::new(syn::parse_quote!(#name)),
                    colon_token: Default::default(),
                    ty: ty.clone(),
                }),
                syn::parse_quote!(let #pat: #ty = #name;),
            ),
            None => (
                syn::parse_quote!(#name),
                syn::parse_quote!(let #pat = #name;),
            ),
        };
        *p = param;
        lets.push(bind);
    }
    let body = &c.body;
    *c.body = syn::parse_quote!({ #(#lets)* #body });
    Some(c)
}

/// Input: a parameter `s: &[f64]` given `&vec![a, b, c]`. Output: `&[a, b, c]`, the same
/// slice, listed as the array the engine follows (a `vec!` of differentiated values it does
/// not).
fn listed_slice(p: &syn::Pat, a: &syn::Expr) -> Option<syn::Expr> {
    let syn::Pat::Type(pt) = p else { return None };
    let syn::Type::Reference(r) = &*pt.ty else {
        return None;
    };
    if !matches!(&*r.elem, syn::Type::Slice(_)) || r.mutability.is_some() {
        return None;
    }
    let syn::Expr::Reference(ra) = super::unparen(a) else {
        return None;
    };
    let syn::Expr::Macro(m) = super::unparen(&ra.expr) else {
        return None;
    };
    if ra.mutability.is_some() || !m.mac.path.is_ident("vec") {
        return None;
    }
    let tokens = &m.mac.tokens;
    let list: syn::ExprArray = syn::parse2(quote::quote!([#tokens])).ok()?;
    Some(syn::parse_quote!(&#list))
}

/// `z`, `z: f64`, `mut z`: a parameter bound by a plain `let`.
fn simple_param(p: &syn::Pat) -> bool {
    match p {
        syn::Pat::Ident(i) => i.subpat.is_none() && i.by_ref.is_none(),
        syn::Pat::Type(t) => simple_param(&t.pat),
        _ => false,
    }
}

/// The body of a closure that is one call (`|a, b| f(a, 2.0 * b)`) or an accessor (a part `|i|
/// &x[i * d..(i + 1) * d]`, an array `|i| [p[3 * i], p[3 * i + 1]]`, whose value the rewrites must
/// see where it is read, not inside a block) with its parameters replaced by `args`, where each
/// argument is a name, a literal or a read of them and each parameter a plain name (read once or
/// many times, an argument of that form is the same value).
fn direct_call(
    c: &syn::ExprClosure,
    args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>,
) -> Option<syn::Expr> {
    if c.output != syn::ReturnType::Default {
        return None;
    }
    let body = match &*c.body {
        syn::Expr::Call(_) => &*c.body,
        syn::Expr::Reference(r) if r.mutability.is_none() => &*c.body,
        syn::Expr::Array(a) if !a.elems.is_empty() => &*c.body,
        _ => return None,
    };
    // A literal in place of a parameter (`&w[0 * d..(0 + 1) * d]`) is arithmetic on constants,
    // which lints flag in the expansion (and `2.0.exp()` has no type rustc can infer): the
    // accessor is bound as a block then, whose statements the lift takes out where it is read.
    if !matches!(body, syn::Expr::Call(_)) && args.iter().any(|a| matches!(a, syn::Expr::Lit(_))) {
        return None;
    }
    // Names, literals and reads of them (`x[0]`, `p.w`): the same value however often read.
    fn simple(a: &syn::Expr) -> bool {
        match a {
            syn::Expr::Lit(_) => true,
            syn::Expr::Path(p) => p.path.get_ident().is_some(),
            syn::Expr::Index(ix) => simple(&ix.expr) && simple(&ix.index),
            syn::Expr::Field(f) => simple(&f.base),
            syn::Expr::Reference(r) => r.mutability.is_none() && simple(&r.expr),
            syn::Expr::Paren(p) => simple(&p.expr),
            _ => false,
        }
    }
    if !args.iter().all(simple) || c.inputs.len() != args.len() {
        return None;
    }
    let mut names = Vec::new();
    for p in &c.inputs {
        let p = match p {
            syn::Pat::Type(t) => &*t.pat,
            p => p,
        };
        let syn::Pat::Ident(pi) = p else { return None };
        if pi.by_ref.is_some() || pi.subpat.is_some() {
            return None;
        }
        names.push(pi.ident.clone());
    }
    // (One pass puts every argument in place at once: `|a, b| f(b, a)` called as `g(b, a)` is
    // `f(a, b)`.)
    struct Subst<'a>(&'a [syn::Ident], Vec<syn::Expr>, bool);
    impl VisitMut for Subst<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            if let syn::Expr::Path(p) = e {
                if let Some(k) = p
                    .path
                    .get_ident()
                    .and_then(|i| self.0.iter().position(|n| n == i))
                {
                    *e = self.1[k].clone();
                    return;
                }
            }
            if matches!(e, syn::Expr::Closure(_) | syn::Expr::Block(_)) {
                // A name bound again inside: not followed.
                self.2 = true;
                return;
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
    }
    let mut s = Subst(&names, args.iter().cloned().collect(), false);
    let mut out = body.clone();
    s.visit_expr_mut(&mut out);
    (!s.2).then_some(out)
}

/// Renames reads of one name (`a` to `b`) in an expression.
/// Every path `from` (a name alone) read as `to`, also inside macros, not inside a closure whose
/// parameter is named `from` (another variable there).
pub(crate) struct RenamePath<'a>(pub &'a syn::Ident, pub &'a syn::Ident);

impl VisitMut for RenamePath<'_> {
    fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
        if p.qself.is_none() && p.path.is_ident(self.0) {
            p.path.segments[0].ident = self.1.clone();
        }
    }

    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        let mut names = Vec::new();
        for p in &c.inputs {
            crate::lower::collect_idents(p, &mut names);
        }
        if !names.contains(self.0) {
            syn::visit_mut::visit_expr_closure_mut(self, c);
        }
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        m.tokens = super::sub_slices::rename_tokens(
            std::mem::take(&mut m.tokens),
            &self.0.to_string(),
            self.1,
            &mut false,
        );
    }
}
