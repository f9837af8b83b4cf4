//! Pushes that may not run: `v.push(..)` inside an `if`, a `match` arm or a nested `for` loop of
//! a `for` loop's body, or in a body that `continue`s or `break`s.
//!
//! How many elements such a vector ends with is only known when the loop has run, but a bound
//! is known before: the loop's trip count times the most pushes one iteration can make (a nested
//! loop counting its own trip count, when that does not change inside the outer loop). The
//! buffer is made that long, a counter tracks how many elements were pushed, and every later
//! read sees the pushed part only: `v.len()` is the counter, `v.iter()` and `&v` are
//! `v[..count]`. Elements read by index are the user's to keep below `v.len()`, as with a `Vec`.

use quote::quote;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// The statement expression (a `for` loop, an `if`, a `match`) with its pushes rewritten, and
/// the most pushes it can make; `None` when some push has no bound this pass can state (in a
/// `while`, a `loop`, a closure, a loop whose length changes before it runs: it mentions one of
/// `varying`, or is nested in a loop that changes it).
pub fn bound_statement(
    e: &mut syn::Expr,
    name: &syn::Ident,
    count: &syn::Ident,
    varying: &[syn::Ident],
) -> Option<syn::Expr> {
    bound_expr(e, name, count, varying)?
}

/// The names that `stmts` bind or assign (see [`Bound`]).
pub fn bound_in_stmts(stmts: &[syn::Stmt]) -> Vec<syn::Ident> {
    let mut out = Vec::new();
    let mut b = Bound(&mut out);
    for s in stmts {
        b.visit_stmt(s);
    }
    out
}

/// The names a loop binds or assigns.
fn bound_in_loop(fl: &syn::ExprForLoop, out: &mut Vec<syn::Ident>) {
    let mut b = Bound(out);
    b.visit_pat(&fl.pat);
    b.visit_block(&fl.body);
}

/// Collects the names code binds or assigns (patterns, `let`s, assignment targets, `&mut`
/// borrows): a trip count that mentions none of them keeps its value across that code.
struct Bound<'o>(&'o mut Vec<syn::Ident>);

impl<'a> Visit<'a> for Bound<'_> {
    fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
        self.0.push(p.ident.clone());
        syn::visit::visit_pat_ident(self, p);
    }
    fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
        self.0.extend(root(&a.left));
        syn::visit::visit_expr_assign(self, a);
    }
    fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
        if crate::lower::is_compound_assign(&b.op) {
            self.0.extend(root(&b.left));
        }
        syn::visit::visit_expr_binary(self, b);
    }
    fn visit_expr_reference(&mut self, r: &'a syn::ExprReference) {
        if r.mutability.is_some() {
            self.0.extend(root(&r.expr));
        }
        syn::visit::visit_expr_reference(self, r);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// The variable at the root of a place (`a` of `a[i].0`).
fn root(e: &syn::Expr) -> Option<syn::Ident> {
    match e {
        syn::Expr::Path(p) => p.path.get_ident().cloned(),
        syn::Expr::Index(i) => root(&i.expr),
        syn::Expr::Field(f) => root(&f.base),
        syn::Expr::Paren(p) => root(&p.expr),
        syn::Expr::Unary(u) => root(&u.expr),
        _ => None,
    }
}

fn mentions_any(e: &syn::Expr, names: &[syn::Ident]) -> bool {
    names.iter().any(|n| super::mentions(&quote!(#e), n))
}

/// Rewrites the pushes among `stmts` (at any depth) into counted writes; returns how many one
/// pass over `stmts` can make at most.
fn bound_stmts(
    stmts: &mut [syn::Stmt],
    name: &syn::Ident,
    count: &syn::Ident,
    varying: &[syn::Ident],
) -> Option<syn::Expr> {
    let mut total: Vec<syn::Expr> = Vec::new();
    for s in stmts.iter_mut() {
        if let Some(e) = super::pushes::push_arg(s, name) {
            if super::pushes::not_a_float(&e) {
                return None;
            }
            *s = super::pushes::store(s, name, count, &e);
            total.push(syn::parse_quote!(1usize));
            continue;
        }
        let syn::Stmt::Expr(e, _) = s else {
            // A `let` or an item that pushes (in a closure, say) has no bound here.
            if super::mentions(&quote!(#s), name) && pushes_anywhere(&quote!(#s), name) {
                return None;
            }
            continue;
        };
        if let Some(b) = bound_expr(e, name, count, varying)? {
            total.push(b);
        }
    }
    Some(match total.len() {
        0 => syn::parse_quote!(0usize),
        _ => syn::parse_quote!((#(#total)+*)),
    })
}

/// The bound of the pushes in a statement expression: `Some(None)` when it has none, `None`
/// when it pushes where no bound is known.
#[allow(clippy::option_option)]
fn bound_expr(
    e: &mut syn::Expr,
    name: &syn::Ident,
    count: &syn::Ident,
    varying: &[syn::Ident],
) -> Option<Option<syn::Expr>> {
    if !pushes_anywhere(&quote!(#e), name) {
        return Some(None);
    }
    // `v.push(x)` as a value: a `match` arm's, a block's tail.
    if let Some(push) = super::pushes::push_expr(e, name) {
        if super::pushes::not_a_float(&push) {
            return None;
        }
        let stmt = syn::Stmt::Expr(e.clone(), Some(Default::default()));
        let store = super::pushes::store(&stmt, name, count, &push);
        *e = syn::parse_quote!({ #store });
        return Some(Some(syn::parse_quote!(1usize)));
    }
    Some(Some(match e {
        syn::Expr::Block(b) if b.label.is_none() => {
            bound_stmts(&mut b.block.stmts, name, count, varying)?
        }
        syn::Expr::If(i) => {
            if pushes_anywhere(
                &{
                    let c = &i.cond;
                    quote!(#c)
                },
                name,
            ) {
                return None;
            }
            let then = bound_stmts(&mut i.then_branch.stmts, name, count, varying)?;
            let other = match &mut i.else_branch {
                Some((_, e)) => bound_expr(e, name, count, varying)?,
                None => None,
            };
            match other {
                Some(o) => syn::parse_quote!(::core::cmp::max(#then, #o)),
                None => then,
            }
        }
        syn::Expr::Match(m) => {
            let mut arms = Vec::new();
            for arm in &mut m.arms {
                if arm
                    .guard
                    .as_ref()
                    .is_some_and(|(_, g)| pushes_anywhere(&quote!(#g), name))
                {
                    return None;
                }
                if let Some(b) = bound_expr(&mut arm.body, name, count, varying)? {
                    arms.push(b);
                }
            }
            let mut it = arms.into_iter();
            let first: syn::Expr = it.next()?;
            it.fold(first, |a, b| syn::parse_quote!(::core::cmp::max(#a, #b)))
        }
        syn::Expr::ForLoop(inner) => {
            let trips = invariant_trips(&inner.expr, varying)?;
            let mut varying = varying.to_vec();
            bound_in_loop(inner, &mut varying);
            let per = bound_stmts(&mut inner.body.stmts, name, count, &varying)?;
            syn::parse_quote!((#trips) * (#per))
        }
        _ => return None,
    }))
}

/// The trip count of a nested loop, evaluated before the outer loop: its own when it does not
/// depend on what the outer loop changes; for a range `a..b` whose start does but whose end
/// does not, `b` (a start below zero would make more trips than that: the buffer's bounds check
/// then stops the run).
fn invariant_trips(e: &syn::Expr, varying: &[syn::Ident]) -> Option<syn::Expr> {
    if !mentions_any(e, varying) {
        return super::pushes::trip_count(e);
    }
    let syn::Expr::Range(r) = e else {
        return None;
    };
    let end = r.end.as_ref()?;
    if mentions_any(end, varying) {
        return None;
    }
    let n: syn::Expr =
        syn::parse_quote!(::core::convert::TryFrom::try_from(#end).unwrap_or(0usize));
    Some(match r.limits {
        syn::RangeLimits::HalfOpen(_) => n,
        syn::RangeLimits::Closed(_) => syn::parse_quote!(#n + 1),
    })
}

/// Whether `tokens` hold a `name.push(..)` anywhere.
pub fn pushes_anywhere(tokens: &proc_macro2::TokenStream, name: &syn::Ident) -> bool {
    let mut last_two: [Option<String>; 2] = [None, None];
    for t in tokens.clone() {
        if let proc_macro2::TokenTree::Group(g) = &t {
            if pushes_anywhere(&g.stream(), name) {
                return true;
            }
        }
        let s = t.to_string();
        if s == "push"
            && last_two[1].as_deref() == Some(".")
            && last_two[0].as_deref() == Some(name.to_string().as_str())
        {
            return true;
        }
        last_two = [last_two[1].take(), Some(s)];
    }
    false
}

/// Rewrites the reads of `name` after the loop, which must see the pushed part only: `len()`
/// is `count`, `is_empty()` is `count == 0`, `&name`, `name.iter()` and other methods read
/// `name[..count]`, `name[i]` stays. `None` (nothing rewritten) for any other use: a move, an
/// assignment, a `&mut` borrow, a macro naming it, another push.
pub fn rewrite_reads(rest: &mut [syn::Stmt], name: &syn::Ident, count: &syn::Ident) -> Option<()> {
    let mut r = Reads {
        name,
        count,
        other: false,
    };
    let mut copy = rest.to_vec();
    r.visit_stmts(&mut copy);
    if r.other {
        return None;
    }
    rest.clone_from_slice(&copy);
    Some(())
}

struct Reads<'a> {
    name: &'a syn::Ident,
    count: &'a syn::Ident,
    other: bool,
}

impl Reads<'_> {
    fn is_name(&self, e: &syn::Expr) -> bool {
        matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.name))
    }

    /// Whether a pattern binds the name again (what follows reads another value).
    fn rebinds(&self, p: &syn::Pat) -> bool {
        let mut names = Vec::new();
        crate::lower::collect_idents(p, &mut names);
        names.contains(self.name)
    }

    /// The statements of a block, up to a `let` that binds the name again.
    fn visit_stmts(&mut self, stmts: &mut [syn::Stmt]) {
        for s in stmts {
            self.visit_stmt_mut(s);
            if matches!(s, syn::Stmt::Local(l) if self.rebinds(&l.pat)) {
                return;
            }
        }
    }
}

impl VisitMut for Reads<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        let (name, count) = (self.name, self.count);
        let pushed: syn::Expr = syn::parse_quote!(#name[..#count]);
        match e {
            syn::Expr::MethodCall(m) if self.is_name(&m.receiver) => {
                let method = m.method.to_string();
                match method.as_str() {
                    "len" if m.args.is_empty() => *e = syn::parse_quote!(#count),
                    "is_empty" if m.args.is_empty() => *e = syn::parse_quote!((#count == 0)),
                    "push" | "clear" | "truncate" | "resize" | "extend" | "insert" | "remove"
                    | "pop" | "sort_by" | "sort_unstable_by" | "iter_mut" | "fill" | "swap"
                    | "reverse" => self.other = true,
                    "into_iter" if m.args.is_empty() => {
                        *e = syn::parse_quote!(#pushed.iter().copied());
                    }
                    "clone" | "to_vec" | "to_owned" if m.args.is_empty() => {
                        *e = syn::parse_quote!(#pushed.to_vec());
                    }
                    _ => {
                        *m.receiver = pushed;
                        for a in &mut m.args {
                            self.visit_expr_mut(a);
                        }
                    }
                }
            }
            syn::Expr::Index(i) if self.is_name(&i.expr) => {
                self.visit_expr_mut(&mut i.index);
                // `v[a..]`, `v[..]`: up to what was pushed, not to the buffer's end.
                if let syn::Expr::Range(r) = &mut *i.index {
                    if r.end.is_none() {
                        r.end = Some(Box::new(syn::parse_quote!(#count)));
                        r.limits = syn::RangeLimits::HalfOpen(Default::default());
                    }
                }
            }
            syn::Expr::Reference(r) if self.is_name(&r.expr) => {
                if r.mutability.is_some() {
                    self.other = true;
                } else {
                    *r.expr = pushed;
                }
            }
            syn::Expr::ForLoop(f) if self.is_name(&f.expr) => {
                *f.expr = syn::parse_quote!(#pushed.iter().copied());
                if !self.rebinds(&f.pat) {
                    self.visit_block_mut(&mut f.body);
                }
            }
            syn::Expr::ForLoop(f) if self.rebinds(&f.pat) => self.visit_expr_mut(&mut f.expr),
            syn::Expr::Path(_) if self.is_name(e) => self.other = true,
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        self.visit_stmts(&mut b.stmts);
    }

    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        if !c.inputs.iter().any(|p| self.rebinds(p)) {
            self.visit_expr_mut(&mut c.body);
        }
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        if !super::mentions(&m.tokens, self.name) {
            return;
        }
        // `vec![a, b]` and `vec![e; n]`: expressions, rewritten as any others.
        if m.path.is_ident("vec") {
            let tokens = &m.tokens;
            if let Ok(mut list) = syn::parse2::<syn::ExprArray>(quote!([#tokens])) {
                for e in &mut list.elems {
                    self.visit_expr_mut(e);
                }
                let elems = &list.elems;
                m.tokens = quote!(#elems);
                return;
            }
            if let Ok(mut rep) = syn::parse2::<syn::ExprRepeat>(quote!([#tokens])) {
                self.visit_expr_mut(&mut rep.expr);
                self.visit_expr_mut(&mut rep.len);
                let (e, n) = (&rep.expr, &rep.len);
                m.tokens = quote!(#e; #n);
                return;
            }
        }
        self.other = true;
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
