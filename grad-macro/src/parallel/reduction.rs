//! Finds the loop `parallel` splits: a `for` statement at the top of the body whose iterations
//! only add to floats declared before it (`acc += e`, `acc -= e`, `acc = acc + e`,
//! `acc = acc - e`), so that the loop is a sum over its iterations and any contiguous pieces of
//! it can be summed apart and added up.
//!
//! Anything else an iteration leaves for the next one — a write to a buffer or variable declared
//! before the loop, a read of a running sum, a `break` or `return` out of the loop — makes the
//! loop a recurrence, which no split preserves: the error says which statement carries it.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use std::collections::HashSet;
use syn::visit::Visit;
use syn::{Expr, Ident, Pat, Stmt};

/// What the loop runs over.
pub enum Form {
    /// `for i in a..b` (or `a..=b`, `hi` then being `b + 1`): chunks are sub-ranges of indices.
    Range { lo: Expr, hi: Expr },
    /// `for pat in iter` over any exact-size iterator (`x.iter()`, `&x`, `.zip(..)`,
    /// `.enumerate()`, `.chunks_exact(d)`, `(a..b).rev()`, ...): chunks are `skip(lo).take(..)`
    /// of it, positions counted from 0.
    Iter { iter: Expr },
}

/// The loop `parallel` splits.
pub struct Reduction {
    /// Its index among the body's statements.
    pub index: usize,
    /// The floats its iterations add to, in the order they are first added to.
    pub accs: Vec<Ident>,
    pub form: Form,
    /// The range or iterator as written, for messages and spans.
    pub header: TokenStream,
}

/// The loop of `block` that `parallel` splits, or the error to report at the `parallel` token.
/// Of several top-level `for` loops that qualify, the last (the statements before it run once
/// per chunk, so they should be cheap; a sum over the data usually comes last).
pub fn find(
    block: &syn::Block,
    params: &[(Ident, bool)],
    span: Span,
) -> Result<Reduction, syn::Error> {
    let loops: Vec<usize> = block
        .stmts
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s, Stmt::Expr(Expr::ForLoop(_), _)))
        .map(|(k, _)| k)
        .collect();
    if loops.is_empty() {
        return Err(syn::Error::new(
            span,
            "`parallel` splits the loop over data points that sums the loss, a `for` loop at the top of the function's body (`for i in 0..n { loss += .. }`), and this body has none: write the sum as such a loop, or drop `parallel`",
        ));
    }
    let mut first_error = None;
    for &k in loops.iter().rev() {
        match check(block, k, params) {
            Ok(r) => return Ok(r),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let e = first_error.expect("one loop at least");
    let mut at_token = syn::Error::new(
        span,
        "`parallel` found no loop it can split: it splits a `for` loop at the top of the body whose iterations only add to floats declared before it (`loss += ..`), a sum over data points",
    );
    at_token.combine(e);
    Err(at_token)
}

/// The names a pattern binds, with whether each is `mut`.
pub fn pat_idents(p: &Pat, out: &mut Vec<(Ident, bool)>) {
    struct V<'a>(&'a mut Vec<(Ident, bool)>);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.0.push((i.ident.clone(), i.mutability.is_some()));
            syn::visit::visit_pat_ident(self, i);
        }
        // `Some(x)`, `Variant { .. }`: the path is no binding.
        fn visit_path(&mut self, _: &'ast syn::Path) {}
    }
    V(out).visit_pat(p);
}

/// Declarations before the loop: each name with whether it is `mut` and, for `let`s, whether its
/// value is a float (not an integer literal, not declared with a non-float type).
struct Outer {
    names: Vec<(Ident, bool, bool)>,
}

impl Outer {
    fn lookup(&self, id: &Ident) -> Option<(bool, bool)> {
        self.names
            .iter()
            .rev()
            .find(|(n, _, _)| n == id)
            .map(|(_, m, f)| (*m, *f))
    }
}

fn outer_names(block: &syn::Block, upto: usize, params: &[(Ident, bool)]) -> Outer {
    let mut names: Vec<(Ident, bool, bool)> =
        params.iter().map(|(i, m)| (i.clone(), *m, true)).collect();
    for s in &block.stmts[..upto] {
        if let Stmt::Local(l) = s {
            let mut ids = Vec::new();
            pat_idents(&l.pat, &mut ids);
            let float = local_may_be_float(l);
            names.extend(ids.into_iter().map(|(i, m)| (i, m, float)));
        }
    }
    Outer { names }
}

/// `let x = 0;`, `let x: usize = ..;`: not a float.
fn local_may_be_float(l: &syn::Local) -> bool {
    if let Pat::Type(pt) = &l.pat {
        return crate::sig::float_of(&pt.ty).is_some();
    }
    !matches!(
        l.init.as_ref().map(|i| &*i.expr),
        Some(Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(_) | syn::Lit::Bool(_),
            ..
        }))
    )
}

fn check(block: &syn::Block, k: usize, params: &[(Ident, bool)]) -> Result<Reduction, syn::Error> {
    let Stmt::Expr(Expr::ForLoop(f), _) = &block.stmts[k] else {
        unreachable!("a for loop")
    };
    let outer = outer_names(block, k, params);
    let form = form_of(&f.expr)?;
    let mut body = Body {
        outer: &outer,
        scopes: vec![HashSet::new()],
        loop_label: f.label.as_ref().map(|l| l.name.ident.clone()),
        depth: 0,
        accs: Vec::new(),
        reads: Vec::new(),
        closures: 0,
        errors: Vec::new(),
    };
    let mut bound = Vec::new();
    pat_idents(&f.pat, &mut bound);
    body.scopes[0].extend(bound.into_iter().map(|(i, _)| i.to_string()));
    body.visit_block(&f.body);
    let Body {
        accs,
        reads,
        mut errors,
        ..
    } = body;
    for (id, at) in reads {
        if accs.contains(&id) {
            errors.push(syn::Error::new_spanned(
                at,
                format!("this reads `{id}`, the running sum of the loop, so one iteration depends on the ones before it: `parallel` splits a loop only when it is a sum over data points (each iteration only adds to floats declared before the loop, `loss += ..`), which this one is not: drop `parallel`"),
            ));
        }
    }
    let mut errors = errors.into_iter();
    if let Some(mut e) = errors.next() {
        for more in errors {
            e.combine(more);
        }
        return Err(e);
    }
    if accs.is_empty() {
        return Err(syn::Error::new_spanned(
            f.for_token,
            "this loop adds to no float declared before it (`loss += ..`): `parallel` splits a sum over data points",
        ));
    }
    for a in &accs {
        if let Some((_, false)) = outer.lookup(a) {
            return Err(syn::Error::new(
                a.span(),
                format!("`{a}` is not a float (an integer or a flag carried from one iteration to the next): `parallel` splits sums of floats only; compute it outside the loop"),
            ));
        }
    }
    Ok(Reduction {
        index: k,
        accs,
        form,
        header: f.expr.to_token_stream(),
    })
}

fn form_of(e: &Expr) -> Result<Form, syn::Error> {
    match e {
        Expr::Paren(p) => form_of(&p.expr),
        Expr::Group(g) => form_of(&g.expr),
        Expr::Range(r) => match (&r.start, &r.end, &r.limits) {
            (Some(lo), Some(hi), syn::RangeLimits::HalfOpen(_)) => Ok(Form::Range {
                lo: (**lo).clone(),
                hi: (**hi).clone(),
            }),
            (Some(lo), Some(hi), syn::RangeLimits::Closed(_)) => Ok(Form::Range {
                lo: (**lo).clone(),
                hi: syn::parse_quote!((#hi) + 1),
            }),
            _ => Err(syn::Error::new_spanned(
                r,
                "`parallel` splits a loop over a range with both ends (`a..b`, `a..=b`)",
            )),
        },
        Expr::Reference(r) if r.mutability.is_some() => Err(syn::Error::new_spanned(
            r,
            "this loop writes the elements it iterates over: `parallel` splits a sum over data points, whose iterations write nothing that outlives them",
        )),
        // `&x` and `x`: the slice's (or `Vec`'s) elements by reference.
        Expr::Reference(r) => {
            let inner = &r.expr;
            Ok(Form::Iter {
                iter: syn::parse_quote!((#inner).iter()),
            })
        }
        Expr::Path(p) => Ok(Form::Iter {
            iter: syn::parse_quote!((#p).iter()),
        }),
        other => {
            if mentions_method(other, &["iter_mut", "chunks_mut", "chunks_exact_mut"]) {
                return Err(syn::Error::new_spanned(
                    other,
                    "this loop writes the elements it iterates over: `parallel` splits a sum over data points, whose iterations write nothing that outlives them",
                ));
            }
            Ok(Form::Iter {
                iter: other.clone(),
            })
        }
    }
}

fn mentions_method(e: &Expr, names: &[&str]) -> bool {
    struct V<'a>(&'a [&'a str], bool);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.1 |= self.0.iter().any(|n| m.method == n);
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut v = V(names, false);
    v.visit_expr(e);
    v.1
}

/// Methods that change their receiver in place: called on a variable declared before the loop,
/// they carry state from one iteration to the next (see [`mutates`]).
const MUTATING: &[&str] = &[
    "push",
    "pop",
    "insert",
    "remove",
    "extend",
    "extend_from_slice",
    "fill",
    "fill_with",
    "swap",
    "copy_from_slice",
    "clone_from_slice",
    "clone_from",
    "sort",
    "sort_by",
    "sort_unstable",
    "sort_unstable_by",
    "sort_by_key",
    "reverse",
    "clear",
    "truncate",
    "resize",
    "retain",
    "dedup",
    "drain",
    "append",
    "rotate_left",
    "rotate_right",
    "swap_remove",
    "set",
    "replace",
    "take",
    "push_str",
    "split_off",
    "push_back",
    "push_front",
    "pop_back",
    "pop_front",
    "entry",
    "add_assign",
    "sub_assign",
    "mul_assign",
    "div_assign",
];

/// Whether a method of this name changes its receiver (std's collections and slices, `.._mut`).
pub(crate) fn mutates(name: &str) -> bool {
    MUTATING.contains(&name) || name.ends_with("_mut")
}

/// The loop body's check: every use of a name declared before the loop.
struct Body<'a> {
    outer: &'a Outer,
    /// Names the body declares, innermost scope last.
    scopes: Vec<HashSet<String>>,
    /// The loop's own label: `break 'label` and `continue 'label` from inner loops refer to it.
    loop_label: Option<Ident>,
    /// How many loops of the body enclose the current point (0: the split loop's own body).
    depth: usize,
    accs: Vec<Ident>,
    /// Reads of `mut` names of before the loop, with where: an error if the loop adds to them.
    reads: Vec<(Ident, TokenStream)>,
    /// Inside a closure, whose `return` is its own.
    closures: usize,
    errors: Vec<syn::Error>,
}

impl Body<'_> {
    /// Whether `id` names something declared before the loop (not shadowed in the body), and
    /// then whether it is `mut`.
    fn outer_mut(&self, id: &Ident) -> Option<bool> {
        let s = id.to_string();
        if self.scopes.iter().any(|sc| sc.contains(&s)) {
            return None;
        }
        self.outer.lookup(id).map(|(m, _)| m)
    }

    fn declare(&mut self, p: &Pat) {
        let mut ids = Vec::new();
        pat_idents(p, &mut ids);
        let top = self.scopes.last_mut().expect("a scope");
        top.extend(ids.into_iter().map(|(i, _)| i.to_string()));
    }

    fn carries(&mut self, at: impl ToTokens, what: String) {
        self.errors.push(syn::Error::new_spanned(
            at,
            format!("{what}, so one iteration depends on the ones before it: `parallel` splits a loop only when it is a sum over data points (each iteration only adds to floats declared before the loop, `loss += ..`), which this one is not: drop `parallel`"),
        ));
    }

    fn note_acc(&mut self, id: &Ident) {
        if !self.accs.contains(id) {
            self.accs.push(id.clone());
        }
    }

    /// `acc += e`, `acc -= e`, `acc = acc + e`, `acc = acc - e` with `acc` a `mut` float
    /// declared before the loop: the update, and the expression added (checked like any other).
    fn as_update<'e>(&self, e: &'e Expr) -> Option<(Ident, &'e Expr)> {
        let single = |e: &Expr| match e {
            Expr::Path(p) if p.qself.is_none() => p.path.get_ident().cloned(),
            _ => None,
        };
        let (id, added) = match e {
            Expr::Binary(b)
                if matches!(b.op, syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_)) =>
            {
                (single(&b.left)?, &*b.right)
            }
            Expr::Assign(a) => {
                let id = single(&a.left)?;
                let Expr::Binary(b) = &*a.right else {
                    return None;
                };
                if !matches!(b.op, syn::BinOp::Add(_) | syn::BinOp::Sub(_)) {
                    return None;
                }
                if single(&b.left).as_ref() != Some(&id) {
                    return None;
                }
                (id, &*b.right)
            }
            _ => return None,
        };
        (self.outer_mut(&id) == Some(true)).then_some((id, added))
    }

    /// The variable a place expression writes (`x`, `x[i]`, `x.0`, `*x`, `x[i][j]`).
    fn root(e: &Expr) -> Option<&Ident> {
        match e {
            Expr::Path(p) => p.path.get_ident(),
            Expr::Index(i) => Self::root(&i.expr),
            Expr::Field(f) => Self::root(&f.base),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => Self::root(&u.expr),
            Expr::Paren(p) => Self::root(&p.expr),
            Expr::MethodCall(m) => Self::root(&m.receiver),
            _ => None,
        }
    }

    fn written(&mut self, place: &Expr, at: &Expr) {
        if let Some(id) = Self::root(place) {
            if self.outer_mut(id).is_some() {
                let what = format!("this writes `{id}`, which is declared before the loop");
                self.carries(at, what);
            }
        }
    }

    /// A macro's tokens (`assert!(..)`, `println!(..)`) are read: names of before the loop they
    /// mention are reads.
    fn check_macro(&mut self, m: &syn::Macro) {
        fn walk(b: &mut Body<'_>, tokens: &TokenStream, at: &syn::Macro) {
            for tt in tokens.clone() {
                match tt {
                    TokenTree::Ident(i) if b.outer_mut(&i) == Some(true) => {
                        b.reads.push((i, at.to_token_stream()));
                    }
                    TokenTree::Group(g) => walk(b, &g.stream(), at),
                    _ => {}
                }
            }
        }
        walk(self, &m.tokens, m);
    }
}

impl<'ast> Visit<'ast> for Body<'_> {
    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.scopes.push(HashSet::new());
        syn::visit::visit_block(self, b);
        self.scopes.pop();
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        self.declare(&l.pat);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr(&mut self, e: &'ast Expr) {
        if let Some((id, added)) = self.as_update(e) {
            self.note_acc(&id);
            self.visit_expr(added);
            return;
        }
        match e {
            Expr::Assign(a) => {
                self.written(&a.left, e);
                self.visit_expr(&a.right);
                // Indices of the place are reads.
                if let Expr::Index(i) = &*a.left {
                    self.visit_expr(&i.index);
                }
            }
            Expr::Binary(b) if crate::lower::is_compound_assign(&b.op) => {
                self.written(&b.left, e);
                self.visit_expr(&b.left);
                self.visit_expr(&b.right);
            }
            Expr::Reference(r) if r.mutability.is_some() => {
                self.written(&r.expr, e);
                self.visit_expr(&r.expr);
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if mutates(&name) {
                    self.written(&m.receiver, e);
                }
                syn::visit::visit_expr_method_call(self, m);
            }
            Expr::Path(p) => {
                if let Some(id) = p.path.get_ident() {
                    if self.outer_mut(id) == Some(true) {
                        // A read of a `mut` name of before the loop: fine unless the loop
                        // adds to it (checked once every update is known).
                        self.reads.push((id.clone(), e.to_token_stream()));
                    }
                }
            }
            Expr::Return(r) if self.closures == 0 => {
                self.errors.push(syn::Error::new_spanned(
                    r,
                    "`return` inside the loop that `parallel` splits: a sum over data points runs every iteration, so pieces of it can run apart; drop `parallel`, or move the `return` out of the loop",
                ));
            }
            Expr::Break(b) => {
                let out_of_loop = match &b.label {
                    Some(l) => self.loop_label.as_ref() == Some(&l.ident),
                    None => self.depth == 0,
                };
                if out_of_loop {
                    self.errors.push(syn::Error::new_spanned(
                        b,
                        "`break` out of the loop that `parallel` splits: the iterations after it would depend on the ones before it, which is no sum over data points; drop `parallel`, or skip a data point with `continue`",
                    ));
                }
                syn::visit::visit_expr_break(self, b);
            }
            Expr::ForLoop(f) => {
                self.visit_expr(&f.expr);
                self.depth += 1;
                self.scopes.push(HashSet::new());
                self.declare(&f.pat);
                self.visit_block(&f.body);
                self.scopes.pop();
                self.depth -= 1;
            }
            Expr::While(w) => {
                self.depth += 1;
                self.scopes.push(HashSet::new());
                self.visit_expr(&w.cond);
                self.visit_block(&w.body);
                self.scopes.pop();
                self.depth -= 1;
            }
            Expr::Loop(l) => {
                self.depth += 1;
                self.visit_block(&l.body);
                self.depth -= 1;
            }
            Expr::Closure(c) => {
                // `break` and `return` inside a closure leave the closure.
                let depth = std::mem::replace(&mut self.depth, usize::MAX / 2);
                let label = self.loop_label.take();
                self.scopes.push(HashSet::new());
                for p in &c.inputs {
                    self.declare(p);
                }
                self.closures += 1;
                self.visit_expr(&c.body);
                self.closures -= 1;
                self.scopes.pop();
                self.loop_label = label;
                self.depth = depth;
            }
            Expr::If(i) => {
                if let Expr::Let(l) = &*i.cond {
                    self.visit_expr(&l.expr);
                    self.scopes.push(HashSet::new());
                    self.declare(&l.pat);
                    self.visit_block(&i.then_branch);
                    self.scopes.pop();
                } else {
                    self.visit_expr(&i.cond);
                    self.visit_block(&i.then_branch);
                }
                if let Some((_, e)) = &i.else_branch {
                    self.visit_expr(e);
                }
            }
            Expr::Match(m) => {
                self.visit_expr(&m.expr);
                for arm in &m.arms {
                    self.scopes.push(HashSet::new());
                    self.declare(&arm.pat);
                    if let Some((_, g)) = &arm.guard {
                        self.visit_expr(g);
                    }
                    self.visit_expr(&arm.body);
                    self.scopes.pop();
                }
            }
            Expr::Macro(m) => self.check_macro(&m.mac),
            _ => syn::visit::visit_expr(self, e),
        }
    }

    fn visit_stmt_macro(&mut self, m: &'ast syn::StmtMacro) {
        self.check_macro(&m.mac);
    }
}
