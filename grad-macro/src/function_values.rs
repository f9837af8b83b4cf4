//! Functions as values: `integrate(f64::sin, a, b, n)`, `let act: fn(f64) -> f64 = f64::tanh;`,
//! `let acts = [f64::tanh, f64::sin];` then `acts[l](z)` or `for f in &acts { .. f(z) .. }`.
//!
//! The macro differentiates a call only where it sees which function is called. A function
//! named by its path is one it sees (a rule of the table, or a function of the module it reads
//! from the file); a value holding one is not, so before anything else reads the body, values
//! are written as the paths they hold: a name bound to a path is read as that path, and an
//! array of paths (or of closures that capture nothing) becomes an array of their positions,
//! each call through an element a `match` on the position calling each by name — where every
//! read of the array is such a call, so that no position is handed on as a function. `closure_calls` then passes paths given to
//! helpers taking closures as closures calling them.

use proc_macro2::Ident;
use std::collections::HashSet;
use syn::visit_mut::VisitMut;

/// What tells a function's path from a value in a function: its name (its module is where the
/// functions it may name are), the names it binds, and its float types (`f64`, `f32`, and its
/// type parameters, `T` of `T: Float`).
pub struct Names {
    caller: String,
    /// Each name the function binds (its parameters, patterns anywhere in its body), with how
    /// many times.
    bound: std::collections::HashMap<String, usize>,
    floats: HashSet<String>,
}

impl Names {
    pub fn of(item: &syn::ItemFn) -> Names {
        Names::in_module_of(item, &item.sig.ident.to_string())
    }

    /// [`Names::of`] `item`, which sees the functions `caller` sees.
    fn in_module_of(item: &syn::ItemFn, caller: &str) -> Names {
        let mut bound = std::collections::HashMap::new();
        count_bindings(&item.block, &mut bound);
        for a in &item.sig.inputs {
            if let syn::FnArg::Typed(pt) = a {
                let mut names = Vec::new();
                crate::lower::collect_pat_idents(&pt.pat, &mut names);
                for n in names {
                    *bound.entry(n.to_string()).or_default() += 1;
                }
            }
        }
        let floats = ["f64", "f32"]
            .into_iter()
            .map(str::to_string)
            .chain(item.sig.generics.type_params().map(|t| t.ident.to_string()))
            .collect();
        Names {
            caller: caller.to_string(),
            bound,
            floats,
        }
    }

    /// Whether `p`, an argument or a `let`'s value, is a function by its path: a method of a
    /// float type (`f64::sin`, `T::exp`), or a bare name the function does not bind that names
    /// a function of its module.
    pub fn is_function(&self, p: &syn::ExprPath) -> bool {
        let segs = &p.path.segments;
        let lower = |i: &Ident| i.to_string().starts_with(|c: char| c.is_ascii_lowercase());
        if p.qself.is_some() || segs.iter().any(|s| !s.arguments.is_none()) {
            return false;
        }
        match segs.len() {
            2 => self.floats.contains(&segs[0].ident.to_string()) && lower(&segs[1].ident),
            1 => {
                let name = segs[0].ident.to_string();
                lower(&segs[0].ident)
                    && !self.bound.contains_key(&name)
                    && (crate::prescan::plain_functions(&self.caller)
                        .iter()
                        .any(|(n, _)| *n == name)
                        || crate::prescan::annotated_beside(&self.caller, &name))
            }
            _ => false,
        }
    }
}

/// `let g = f64::cos;` (or `let g: fn(f64) -> f64 = square;`), `g` not `mut` nor declared
/// again: the `let` dropped and `g` read as the function's path, so that `g(v)` is a call of
/// the function and `integrate(g, ..)` passes it by its path.
/// `item` with its values holding functions written as the functions' paths (see the module's
/// docs).
pub fn rewrite(item: &mut syn::ItemFn) {
    let caller = item.sig.ident.to_string();
    rewrite_in(item, &caller);
}

/// [`rewrite`] of `item` seeing the functions the function `caller` of the file sees (a helper
/// of the module copied into `caller`).
pub fn rewrite_in(item: &mut syn::ItemFn, caller: &str) {
    named(item, caller);
    arrays(item, caller);
}

fn named(item: &mut syn::ItemFn, caller: &str) {
    struct Lets<'a>(&'a Names);
    impl VisitMut for Lets<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            let mut k = 0;
            while k < b.stmts.len() {
                let found = match &b.stmts[k] {
                    syn::Stmt::Local(l) => {
                        let pat = match &l.pat {
                            syn::Pat::Type(pt) => &*pt.pat,
                            p => p,
                        };
                        match (pat, l.init.as_ref()) {
                            (syn::Pat::Ident(pi), Some(init))
                                if pi.mutability.is_none()
                                    && pi.by_ref.is_none()
                                    && pi.subpat.is_none()
                                    && init.diverge.is_none() =>
                            {
                                match &*init.expr {
                                    syn::Expr::Path(p) if self.0.is_function(p) => {
                                        Some((pi.ident.clone(), p.clone()))
                                    }
                                    _ => None,
                                }
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                };
                let Some((name, path)) = found else {
                    k += 1;
                    continue;
                };
                if b.stmts[k + 1..]
                    .iter()
                    .any(|s| crate::desugar::redeclares(s, &[&name]))
                {
                    k += 1;
                    continue;
                }
                b.stmts.remove(k);
                let mut read = ReadAs(&name, &path);
                for s in &mut b.stmts[k..] {
                    read.visit_stmt_mut(s);
                }
            }
            syn::visit_mut::visit_block_mut(self, b);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let names = Names::in_module_of(item, caller);
    Lets(&names).visit_block_mut(&mut item.block);
}

/// Reads of a name as the path of the function it holds.
pub(crate) struct ReadAs<'a>(pub &'a Ident, pub &'a syn::ExprPath);

impl VisitMut for ReadAs<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.0) => {
                *e = syn::Expr::Path(self.1.clone());
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `let acts = [f64::tanh, f64::sin];` (with a written type or not), bound once in the body and
/// not `mut`: the array of the positions, `[0usize, 1]`, and each call through an element a
/// `match` on its position calling each function by its path — `acts[l](z)` on `l`, and a call
/// through a name a `for` loop or a closure binds (`for f in &acts`, `acts.iter().zip(x).map(|(f,
/// &v)| f(v))`) on that name's value. Only where every read of the array is one of those (or
/// its `len()`): an element handed on (`integrate(acts[0], ..)`, `let g = f;`) would be a
/// position, not a function.
fn arrays(item: &mut syn::ItemFn, caller: &str) {
    let names = Names::in_module_of(item, caller);
    struct Find<'a> {
        names: &'a Names,
        called_only: &'a HashSet<String>,
        found: Vec<(Ident, Vec<syn::Expr>)>,
    }
    impl VisitMut for Find<'_> {
        fn visit_local_mut(&mut self, l: &mut syn::Local) {
            syn::visit_mut::visit_local_mut(self, l);
            let pat = match &l.pat {
                syn::Pat::Type(pt) => &*pt.pat,
                p => p,
            };
            let syn::Pat::Ident(pi) = pat else { return };
            let Some(init) = &mut l.init else { return };
            let syn::Expr::Array(arr) = &*init.expr else {
                return;
            };
            // (A closure that captures nothing is a function too: `[fn(f64) -> f64; 2] = [|x|
            // x, |x| x * x]`, a basis.)
            let paths: Vec<syn::Expr> = arr
                .elems
                .iter()
                .map_while(|e| match e {
                    syn::Expr::Path(p) if self.names.is_function(p) => Some(e.clone()),
                    syn::Expr::Closure(c)
                        if crate::desugar::closure_free_names(c)
                            .iter()
                            .all(|n| !self.names.bound.contains_key(n)) =>
                    {
                        Some(e.clone())
                    }
                    _ => None,
                })
                .collect();
            let once = self.names.bound.get(&pi.ident.to_string()) == Some(&1)
                && self.called_only.contains(&pi.ident.to_string());
            if paths.is_empty()
                || paths.len() != arr.elems.len()
                || pi.mutability.is_some()
                || pi.by_ref.is_some()
                || !once
                || init.diverge.is_some()
            {
                return;
            }
            let positions = (0..paths.len()).map(|k| {
                syn::Expr::Lit(syn::ExprLit {
                    attrs: Vec::new(),
                    lit: syn::Lit::Int(syn::LitInt::new(
                        &format!("{k}usize"),
                        proc_macro2::Span::call_site(),
                    )),
                })
            });
            *init.expr = syn::parse_quote!([#(#positions),*]);
            self.found.push((pi.ident.clone(), paths));
            l.pat = syn::Pat::Ident(pi.clone());
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let called_only = called_only(&item.block);
    let mut find = Find {
        names: &names,
        called_only: &called_only,
        found: Vec::new(),
    };
    find.visit_block_mut(&mut item.block);
    if find.found.is_empty() {
        return;
    }
    let found = find.found;
    Calls {
        found: &found,
        scopes: Vec::new(),
    }
    .visit_block_mut(&mut item.block);
}

/// Calls through elements of the arrays `found` as `match`es on their positions.
struct Calls<'a> {
    found: &'a [(Ident, Vec<syn::Expr>)],
    /// The names a `for` loop or a closure around binds to an array's items, innermost last,
    /// each with the array's position in `found`.
    scopes: Vec<Vec<(String, usize)>>,
}

impl Calls<'_> {
    /// The names `pat` binds to the items of the one array of `found` that `over` names (none
    /// where it names none or two), but those `within` binds again.
    fn items(
        &self,
        pat: &syn::Pat,
        over: &syn::Expr,
        within: &dyn quote::ToTokens,
    ) -> Vec<(String, usize)> {
        let tokens = quote::ToTokens::to_token_stream(over);
        let named: Vec<usize> = (0..self.found.len())
            .filter(|&k| crate::naming::mentions(tokens.clone(), &|i| *i == self.found[k].0))
            .collect();
        let [k] = named[..] else {
            return Vec::new();
        };
        let inner: syn::Block = syn::parse_quote!({ #within });
        let mut again = std::collections::HashMap::new();
        count_bindings(&inner, &mut again);
        let mut names = Vec::new();
        crate::lower::collect_pat_idents(pat, &mut names);
        names
            .iter()
            .map(ToString::to_string)
            .filter(|n| !again.contains_key(n))
            .map(|n| (n, k))
            .collect()
    }

    /// The array whose item `name` holds where it is called, innermost scope first.
    fn item_of(&self, name: &Ident) -> Option<usize> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.iter().find(|(n, _)| name == n).map(|(_, k)| *k))
    }
}

impl VisitMut for Calls<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::ForLoop(f) => {
                self.visit_expr_mut(&mut f.expr);
                let items = self.items(&f.pat, &f.expr, &f.body);
                self.scopes.push(items);
                self.visit_block_mut(&mut f.body);
                self.scopes.pop();
                return;
            }
            syn::Expr::MethodCall(m) => {
                self.visit_expr_mut(&mut m.receiver);
                for a in &mut m.args {
                    if let syn::Expr::Closure(c) = a {
                        let items: Vec<(String, usize)> = c
                            .inputs
                            .iter()
                            .flat_map(|p| self.items(p, &m.receiver, &c.body))
                            .collect();
                        self.scopes.push(items);
                        self.visit_expr_mut(&mut c.body);
                        self.scopes.pop();
                    } else {
                        self.visit_expr_mut(a);
                    }
                }
                return;
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
        let syn::Expr::Call(c) = e else { return };
        let dispatch = match &*c.func {
            syn::Expr::Index(ix) => match &*ix.expr {
                syn::Expr::Path(p) => self
                    .found
                    .iter()
                    .find(|(n, _)| p.qself.is_none() && p.path.is_ident(n))
                    .map(|(_, paths)| {
                        let at = &ix.index;
                        (quote::quote!(#at), paths)
                    }),
                _ => None,
            },
            // (`usize::clone(&f)` whether `f` is the position or a reference to it.)
            syn::Expr::Path(p) if p.qself.is_none() => p.path.get_ident().and_then(|i| {
                let k = self.item_of(i)?;
                Some((quote::quote!(usize::clone(&#i)), &self.found[k].1))
            }),
            _ => None,
        };
        let Some((at, paths)) = dispatch else { return };
        let args = &c.args;
        // Each function called by its path, a closure bound to a name in its arm and called.
        let call = |f: &syn::Expr| match f {
            syn::Expr::Closure(c) => {
                let name = crate::naming::fresh("element");
                // (`|_| 1.0`: the argument named, as the inlining of a closure takes it.)
                let mut c = c.clone();
                for p in &mut c.inputs {
                    let wild = match p {
                        syn::Pat::Type(pt) => &mut *pt.pat,
                        p => p,
                    };
                    if matches!(wild, syn::Pat::Wild(_)) {
                        let unused = crate::naming::fresh("unused");
                        *wild = syn::parse_quote!(#unused);
                    }
                }
                quote::quote!({ let #name = #c; #name(#args) })
            }
            f => quote::quote!(#f(#args)),
        };
        let (last, rest) = paths.split_last().expect("a found array is not empty");
        let arms = rest.iter().enumerate().map(|(k, p)| {
            let k = syn::LitInt::new(&format!("{k}usize"), proc_macro2::Span::call_site());
            let c = call(p);
            quote::quote!(#k => #c,)
        });
        let last = call(last);
        *e = syn::parse_quote!(match #at { #(#arms)* _ => #last });
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// How many times each name is bound in `b` (patterns anywhere).
fn count_bindings(b: &syn::Block, counts: &mut std::collections::HashMap<String, usize>) {
    struct Count<'a>(&'a mut std::collections::HashMap<String, usize>);
    impl<'a> syn::visit::Visit<'a> for Count<'_> {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            *self.0.entry(p.ident.to_string()).or_default() += 1;
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    syn::visit::Visit::visit_block(&mut Count(counts), b);
}

/// The names of the body whose every read is one [`arrays`] follows: `a[i](..)`, `a.len()`,
/// or the start of what a `for` loop iterates or of a chain of methods (`&a`, `a.iter()
/// .enumerate()`), where every name the loop's pattern or the chain's closures bind that is
/// called somewhere is only called.
fn called_only(b: &syn::Block) -> HashSet<String> {
    #[derive(Default)]
    struct Reads {
        /// Each name with whether one of its reads is not followed.
        names: std::collections::HashMap<String, bool>,
        /// The names items are bound to, inner scopes last, each scope with those of its names
        /// that are called and those read otherwise.
        items: Vec<Scope>,
        /// Whether a name bound to items is both called and read otherwise in its scope.
        mixed: bool,
    }
    #[derive(Default)]
    struct Scope {
        bound: HashSet<String>,
        called: HashSet<String>,
        other: HashSet<String>,
    }
    impl Reads {
        fn root(e: &syn::Expr) -> &syn::Expr {
            match e {
                syn::Expr::Reference(r) => Reads::root(&r.expr),
                syn::Expr::Paren(p) => Reads::root(&p.expr),
                syn::Expr::MethodCall(m) => Reads::root(&m.receiver),
                e => e,
            }
        }
        fn name(e: &syn::Expr) -> Option<String> {
            match e {
                syn::Expr::Path(p) if p.qself.is_none() => {
                    p.path.get_ident().map(ToString::to_string)
                }
                _ => None,
            }
        }
        /// `e`, a source of items, read: its root followed, the rest as any expression.
        fn source(&mut self, e: &syn::Expr) {
            if let Some(n) = Reads::name(Reads::root(e)) {
                self.names.entry(n).or_insert(false);
            }
            let mut e = e;
            loop {
                match e {
                    syn::Expr::Reference(r) => e = &r.expr,
                    syn::Expr::Paren(p) => e = &p.expr,
                    syn::Expr::MethodCall(m) => {
                        for a in &m.args {
                            syn::visit::Visit::visit_expr(self, a);
                        }
                        e = &m.receiver;
                    }
                    syn::Expr::Path(_) => return,
                    e => return syn::visit::Visit::visit_expr(self, e),
                }
            }
        }
        fn bind(&mut self, p: &syn::Pat) -> HashSet<String> {
            let mut names = Vec::new();
            crate::lower::collect_pat_idents(p, &mut names);
            names.iter().map(ToString::to_string).collect()
        }
        fn enter(&mut self, bound: HashSet<String>) {
            self.items.push(Scope {
                bound,
                ..Scope::default()
            });
        }
        fn leave(&mut self) {
            let s = self.items.pop().expect("a scope entered");
            self.mixed |= s.called.iter().any(|n| s.other.contains(n));
        }
        /// The innermost scope binding `n`.
        fn scope_of(&mut self, n: &str) -> Option<&mut Scope> {
            self.items.iter_mut().rev().find(|s| s.bound.contains(n))
        }
    }
    impl<'a> syn::visit::Visit<'a> for Reads {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            match e {
                syn::Expr::Call(c) => {
                    match &*c.func {
                        // `a[i](..)`.
                        syn::Expr::Index(ix) if Reads::name(&ix.expr).is_some() => {
                            let n = Reads::name(&ix.expr).expect("a name");
                            self.names.entry(n).or_insert(false);
                            self.visit_expr(&ix.index);
                        }
                        f => match Reads::name(f) {
                            Some(n) if self.scope_of(&n).is_some() => {
                                self.scope_of(&n).expect("a scope").called.insert(n);
                            }
                            _ => self.visit_expr(f),
                        },
                    }
                    for a in &c.args {
                        self.visit_expr(a);
                    }
                }
                syn::Expr::MethodCall(m)
                    if m.method == "len"
                        && m.args.is_empty()
                        && Reads::name(&m.receiver).is_some() =>
                {
                    let n = Reads::name(&m.receiver).expect("a name");
                    self.names.entry(n).or_insert(false);
                }
                syn::Expr::ForLoop(f) => {
                    self.source(&f.expr);
                    let bound = self.bind(&f.pat);
                    self.enter(bound);
                    self.visit_block(&f.body);
                    self.leave();
                }
                syn::Expr::MethodCall(m)
                    if m.args.iter().any(|a| matches!(a, syn::Expr::Closure(_))) =>
                {
                    self.source(&m.receiver);
                    for a in &m.args {
                        match a {
                            syn::Expr::Closure(c) => {
                                let bound: HashSet<String> =
                                    c.inputs.iter().flat_map(|p| self.bind(p)).collect();
                                self.enter(bound);
                                self.visit_expr(&c.body);
                                self.leave();
                            }
                            a => self.visit_expr(a),
                        }
                    }
                }
                syn::Expr::Path(_) => {
                    if let Some(n) = Reads::name(e) {
                        if let Some(s) = self.scope_of(&n) {
                            s.other.insert(n.clone());
                        }
                        self.names.insert(n, true);
                    }
                }
                e => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut r = Reads::default();
    syn::visit::Visit::visit_block(&mut r, b);
    // (An item called and read otherwise, `let g = f; g(v)`: no array is followed then.)
    if r.mixed {
        return HashSet::new();
    }
    r.names
        .into_iter()
        .filter(|(_, other)| !other)
        .map(|(n, _)| n)
        .collect()
}
