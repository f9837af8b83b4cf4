//! `Option`s of data held in locals (the index `position` finds, `checked_sub`, an `Option<usize>`
//! the user computes) read through a closure that gives a differentiated value:
//! `i.map_or(0.0, |k| w * xs[k])`, `i.map(|k| xs[k] * w).unwrap_or(w)`. The engine follows a
//! `match` on constant data, so each such read is that `match` (the same value: `map_or` is
//! defined so); options of floats are `options`' business, and run first.

use syn::visit_mut::VisitMut;

/// Input: a block. Output: every read below of a local known to hold an `Option` (typed
/// `Option<..>`, or given `Some(..)`/`None`, an `if` or block of those, a `position`,
/// `rposition` or `checked_*` call) written as a `match` on it, in the statements after its
/// `let` up to a `let` of the same name, and not where a pattern inside them binds it again:
/// - `o.map_or(d, |p| e)`, `o.map_or_else(|| d, |p| e)`: `match o { Some(p) => e, None => d }`;
/// - `o.map(|p| e)` then `.unwrap_or(d)`, `.unwrap_or_else(|| d)`, `.unwrap()`, `.expect(m)`;
/// - `o.is_some_and(|p| c)`, `o.is_none_or(|p| c)`;
///
/// and the same reads of such an option written in place (`xs.iter().position(..).map(|k|
/// xs[k] * w).unwrap_or(w)`, `n.checked_sub(1).map_or(..)`), a `match` on it.
pub fn data_options(block: &mut syn::Block) {
    Blocks.visit_block_mut(block);
    Reads { name: None }.visit_block_mut(block);
}

struct Blocks;

impl VisitMut for Blocks {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let mut known: Vec<syn::Ident> = Vec::new();
        for k in 0..b.stmts.len() {
            let Some(name) = option_local(&b.stmts[k], &known) else {
                continue;
            };
            known.push(name.clone());
            Reads { name: Some(&name) }.stmts(&mut b.stmts[k + 1..]);
        }
        syn::visit_mut::visit_block_mut(self, b);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The name `s` declares, if it is a `let` of one name known to hold an `Option`.
/// (`known`: the option locals declared before it, whose `map` is one too.)
fn option_local(s: &syn::Stmt, known: &[syn::Ident]) -> Option<syn::Ident> {
    let syn::Stmt::Local(l) = s else { return None };
    let (id, ty, init) = super::plain_let(l)?;
    let typed = ty.is_some_and(super::options::is_option);
    (typed || (ty.is_none() && gives_option(init, known))).then(|| id.ident.clone())
}

/// Whether `e` is evidently an `Option` by its form (`known`: locals that hold one).
fn gives_option(e: &syn::Expr, known: &[syn::Ident]) -> bool {
    let gives_option = |e: &syn::Expr| gives_option(e, known);
    match e {
        syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("Some")),
        syn::Expr::Path(p) => {
            p.path.is_ident("None") || known.iter().any(|n| p.path.is_ident(n))
        }
        syn::Expr::Paren(p) => gives_option(&p.expr),
        syn::Expr::If(i) => {
            tail(&i.then_branch).is_some_and(gives_option)
                || i.else_branch.as_ref().is_some_and(|(_, e)| gives_option(e))
        }
        // (`{ let found: Option<usize> = ..; found }`, as `searches` writes a `position`.)
        syn::Expr::Block(b) => tail(&b.block).is_some_and(|t| {
            gives_option(t)
                || b.block.stmts.iter().any(|s| {
                    matches!(t, syn::Expr::Path(p) if option_local(s, known).is_some_and(|n| p.path.is_ident(&n)))
                })
        }),
        syn::Expr::Loop(l) => breaks_with_option(&l.body),
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            // (Methods of `Iterator` and of the integers, whose receivers are no user type of
            // that method's name when they are a range or an iterator of a slice.)
            (name == "position" || name == "rposition") && iterator_like(&m.receiver)
                || name.starts_with("checked_") && m.args.len() == 1
                || matches!(name.as_str(), "map" | "filter" | "or" | "xor" | "and_then")
                    && gives_option(&m.receiver)
        }
        _ => false,
    }
}

/// Whether `e` is an iterator by its form: a range, or a chain starting at `iter()` /
/// `into_iter()` / `windows(..)` / `chunks(..)` / `chars()`.
fn iterator_like(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Range(_) => true,
        syn::Expr::Paren(p) => iterator_like(&p.expr),
        syn::Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "iter" | "into_iter" | "windows" | "chunks" | "chunks_exact" | "chars" | "bytes"
            ) || iterator_like(&m.receiver)
        }
        _ => false,
    }
}

/// Whether a `break` of `body` (a `loop`'s) gives an evident `Option`.
fn breaks_with_option(body: &syn::Block) -> bool {
    struct Find(bool);
    impl<'a> syn::visit::Visit<'a> for Find {
        fn visit_expr_break(&mut self, b: &'a syn::ExprBreak) {
            self.0 |= b.expr.as_deref().is_some_and(|e| gives_option(e, &[]));
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find(false);
    syn::visit::Visit::visit_block(&mut f, body);
    f.0
}

/// The value a block ends with.
fn tail(b: &syn::Block) -> Option<&syn::Expr> {
    match b.stmts.last()? {
        syn::Stmt::Expr(e, None) => Some(e),
        _ => None,
    }
}

/// Rewrites the reads of one option local (`name`), or of options written in place (`None`:
/// `xs.iter().position(..).map(|k| xs[k] * w).unwrap_or(w)`).
struct Reads<'a> {
    name: Option<&'a syn::Ident>,
}

impl Reads<'_> {
    fn is_subject(&self, e: &syn::Expr) -> bool {
        match self.name {
            Some(n) => matches!(e, syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(n)),
            None => !matches!(e, syn::Expr::Path(_)) && gives_option(e, &[]),
        }
    }

    /// `o` or `o.map(|p| e)`: the option and, for the latter, the closure.
    fn view<'e>(&self, e: &'e syn::Expr) -> Option<(&'e syn::Expr, Option<&'e syn::ExprClosure>)> {
        // (The `map` first: `o.map(..)` is an option too.)
        if let syn::Expr::MethodCall(m) = e {
            if let (Some(syn::Expr::Closure(c)), true) =
                (m.args.first(), m.method == "map" && m.args.len() == 1)
            {
                if self.is_subject(&m.receiver) && closure_of_one(c) {
                    return Some((&*m.receiver, Some(c)));
                }
            }
        }
        self.is_subject(e).then_some((e, None))
    }

    /// The `match` that replaces the read `m`, if it is one of the forms.
    fn read(&self, m: &syn::ExprMethodCall) -> Option<syn::Expr> {
        let (subject, mapped) = self.view(&m.receiver)?;
        let arg = |k: usize| m.args.get(k);
        let thunk = |k: usize| super::options::thunk_body(arg(k)?);
        let closure = |k: usize| -> Option<&syn::ExprClosure> {
            match arg(k)? {
                syn::Expr::Closure(c) if closure_of_one(c) => Some(c),
                _ => None,
            }
        };
        // The arm of `Some`: the mapping closure's, or the one the method takes.
        let some = |c: Option<&syn::ExprClosure>| -> Option<syn::Arm> {
            let c = mapped.or(c)?;
            if mapped.is_some() && c.inputs.len() != 1 {
                return None;
            }
            let p = untyped(&c.inputs[0]);
            let body = &c.body;
            Some(syn::parse_quote!(Some(#p) => #body,))
        };
        let (arm, none): (syn::Arm, syn::Expr) = match (m.method.to_string().as_str(), m.args.len())
        {
            ("map_or", 2) if mapped.is_none() => (some(closure(1))?, arg(0)?.clone()),
            ("map_or_else", 2) if mapped.is_none() => (some(closure(1))?, thunk(0)?),
            ("unwrap_or", 1) if mapped.is_some() => (some(None)?, arg(0)?.clone()),
            ("unwrap_or_else", 1) if mapped.is_some() => (some(None)?, thunk(0)?),
            ("unwrap", 0) if mapped.is_some() => (
                some(None)?,
                syn::parse_quote!(::core::panic!(
                    "called `Option::unwrap()` on a `None` value"
                )),
            ),
            ("expect", 1) if mapped.is_some() => {
                let msg = arg(0)?;
                (some(None)?, syn::parse_quote!(::core::panic!("{}", #msg)))
            }
            ("is_some_and", 1) if mapped.is_none() => (some(closure(0))?, syn::parse_quote!(false)),
            ("is_none_or", 1) if mapped.is_none() => (some(closure(0))?, syn::parse_quote!(true)),
            _ => return None,
        };
        Some(syn::parse_quote!(match #subject { #arm None => #none }))
    }
}

impl Reads<'_> {
    /// Reads in `stmts` up to a `let` of the name (whose value still reads the option).
    fn stmts(&mut self, stmts: &mut [syn::Stmt]) {
        for s in stmts {
            self.visit_stmt_mut(s);
            if self
                .name
                .is_some_and(|n| super::options::binds_at_top(s, n))
            {
                return;
            }
        }
    }

    fn binds(&self, p: &syn::Pat) -> bool {
        let mut names = Vec::new();
        super::tuples::names_of(p, &mut names);
        self.name.is_some_and(|n| names.contains(n))
    }

    /// Whether a `let` of the condition `e` binds the name (for its `then` block).
    fn cond_binds(&self, e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Let(l) => self.binds(&l.pat),
            syn::Expr::Binary(b) => self.cond_binds(&b.left) || self.cond_binds(&b.right),
            syn::Expr::Paren(p) => self.cond_binds(&p.expr),
            _ => false,
        }
    }
}

/// The reads where the name is the option's: not past a pattern that binds it again.
impl VisitMut for Reads<'_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        self.stmts(&mut b.stmts);
    }
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::Closure(c) if c.inputs.iter().any(|p| self.binds(p)) => return,
            syn::Expr::ForLoop(f) if self.binds(&f.pat) => {
                self.visit_expr_mut(&mut f.expr);
                return;
            }
            syn::Expr::If(i) if self.cond_binds(&i.cond) => {
                self.visit_expr_mut(&mut i.cond);
                if let Some((_, e)) = &mut i.else_branch {
                    self.visit_expr_mut(e);
                }
                return;
            }
            syn::Expr::While(w) if self.cond_binds(&w.cond) => {
                self.visit_expr_mut(&mut w.cond);
                return;
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
        if let syn::Expr::MethodCall(m) = e {
            if let Some(rewritten) = self.read(m) {
                *e = rewritten;
            }
        }
    }
    fn visit_arm_mut(&mut self, a: &mut syn::Arm) {
        if !self.binds(&a.pat) {
            syn::visit_mut::visit_arm_mut(self, a);
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Whether `c` takes one parameter by a pattern that always matches (a name, `_`, a tuple of
/// those), without `move` or `async`.
fn closure_of_one(c: &syn::ExprClosure) -> bool {
    fn irrefutable(p: &syn::Pat) -> bool {
        match p {
            syn::Pat::Ident(i) => i.subpat.is_none(),
            syn::Pat::Wild(_) => true,
            syn::Pat::Type(t) => irrefutable(&t.pat),
            syn::Pat::Tuple(t) => t.elems.iter().all(irrefutable),
            syn::Pat::Paren(p) => irrefutable(&p.pat),
            _ => false,
        }
    }
    c.inputs.len() == 1
        && c.asyncness.is_none()
        && irrefutable(&c.inputs[0])
        && !super::returns::escapes(&c.body)
}

/// A closure parameter as a `match` pattern (`k: usize` is `k`).
fn untyped(p: &syn::Pat) -> syn::Pat {
    match p {
        syn::Pat::Type(t) => untyped(&t.pat),
        p => p.clone(),
    }
}
