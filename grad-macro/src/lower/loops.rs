//! Loops and indexing: `for` over integer ranges and slice iterators, `x[i]`, and iterator
//! reductions (`x.iter().map(|v| v * v).sum::<f64>()`), all lowered to one `Loop` form whose
//! loop-carried variables are explicit.

use super::env::Binding;
use super::opaque::collect_pat_idents;
use super::{Lowerer, Value};
use crate::ir::{Carry, Iter, Kind, Loop, Operand, RangeIter, SeqId, Stmt, ValId};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Pat};

/// The structure of what an iterator yields, so a pattern can be matched against it.
#[derive(Clone)]
enum Shape {
    /// An element of a float sequence (iterated by position).
    Elem(SeqId),
    /// Anything else (integers, data of other types).
    Plain,
    Pair(Box<Shape>, Box<Shape>),
}

/// An iterator rewritten to yield positions: `x.iter().zip(y)` becomes `(0..x.len()).zip(0..y.len())`.
struct Plan {
    tokens: TokenStream,
    uses: Vec<ValId>,
    shape: Shape,
}

/// The hidden loop-carried flag that `break` sets.
fn broken_flag() -> Ident {
    Ident::new("__grad_broken", Span::call_site())
}

/// How a loop iterates.
enum Header<'a> {
    Range(Plan, &'a Pat),
    /// The condition, and the `break` flag when the body breaks.
    While(&'a Expr, Option<&'a Ident>),
}

/// Whether a loop body has `break`/`continue` of its own (not of inner loops).
#[derive(Default, Clone, Copy)]
struct Exits {
    breaks: bool,
    continues: bool,
}

fn loop_exits(body: &syn::Block) -> Exits {
    struct Finder(Exits);
    impl<'a> Visit<'a> for Finder {
        fn visit_expr_break(&mut self, _: &'a syn::ExprBreak) {
            self.0.breaks = true;
        }
        fn visit_expr_continue(&mut self, _: &'a syn::ExprContinue) {
            self.0.continues = true;
        }
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.visit_expr(&f.expr);
        }
        fn visit_expr_while(&mut self, w: &'a syn::ExprWhile) {
            self.visit_expr(&w.cond);
        }
        fn visit_expr_loop(&mut self, _: &'a syn::ExprLoop) {}
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Finder(Exits::default());
    f.visit_block(body);
    f.0
}

fn loop_exits_if(ei: &syn::ExprIf) -> bool {
    let block = syn::Block {
        brace_token: Default::default(),
        stmts: vec![syn::Stmt::Expr(Expr::If(ei.clone()), None)],
    };
    let e = loop_exits(&block);
    e.breaks || e.continues
}

/// What a loop pattern binds.
#[derive(Default)]
struct Bound {
    binds: Vec<ValId>,
    /// `v` is `seq[p]`.
    elems: Vec<(Ident, SeqId, ValId)>,
    plain: Vec<(Ident, ValId)>,
}

/// Names a block assigns (`x = ..`, `x += ..`), outside closures: the loop-carried candidates.
pub fn assigned_names(block: &syn::Block) -> Vec<Ident> {
    struct Finder(Vec<Ident>);
    impl<'a> Visit<'a> for Finder {
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            if let Expr::Path(p) = &*a.left {
                if let Some(i) = p.path.get_ident() {
                    self.0.push(i.clone());
                }
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            use syn::BinOp::*;
            if matches!(
                b.op,
                AddAssign(_)
                    | SubAssign(_)
                    | MulAssign(_)
                    | DivAssign(_)
                    | RemAssign(_)
                    | BitAndAssign(_)
                    | BitOrAssign(_)
                    | BitXorAssign(_)
                    | ShlAssign(_)
                    | ShrAssign(_)
            ) {
                if let Expr::Path(p) = &*b.left {
                    if let Some(i) = p.path.get_ident() {
                        self.0.push(i.clone());
                    }
                }
            }
            syn::visit::visit_expr_binary(self, b);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Finder(Vec::new());
    f.visit_block(block);
    let mut seen = Vec::new();
    for i in f.0 {
        if !seen.contains(&i) {
            seen.push(i);
        }
    }
    seen
}

impl Lowerer<'_> {
    /// `x[i]` of a float sequence is a load; indexing anything else is carried along.
    pub fn lower_index(&mut self, e: &syn::ExprIndex) -> Option<Value> {
        if let Expr::Range(r) = &*e.index {
            self.errors.push_spanned(
                r,
                "`#[gradient]` does not support sub-slices (`x[a..b]`): index elements (`x[i]`) in a loop",
            );
            return None;
        }
        if let Some(seq) = self.seq_of_expr(&e.expr) {
            let v = self.lower_expr(&e.index)?;
            let (tokens, uses) = self.other_tokens(v, e.index.span())?;
            self.check_inactive(&uses, e.index.span())?;
            let idx = self.b.opaque(Kind::Int, None, tokens, uses, e.index.span());
            let dst = self.b.load(seq, idx, e.span());
            return Some(Value::Float(Operand::Val(dst)));
        }
        let (tokens, uses) = self.rename(&Expr::Index(e.clone()));
        Some(Value::Other {
            tokens,
            uses,
            kind: Kind::Other,
        })
    }

    /// The sequence an expression names: `x`, `&x`, `(x)`.
    fn seq_of_expr(&self, e: &Expr) -> Option<SeqId> {
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

    /// Rewrites an iterator so it yields positions instead of float elements.
    fn plan(&mut self, e: &Expr) -> Option<Plan> {
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
                                tokens: quote!(#t.enumerate()),
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
                                tokens: quote!(#ta.zip(#tb)),
                                uses,
                                shape: Shape::Pair(Box::new(a.shape), Box::new(b.shape)),
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
                                self.check_inactive(&u, a.span())?;
                                uses.extend(u);
                                args.push(t);
                            }
                            let (t, method) = (inner.tokens, &m.method);
                            return Some(Plan {
                                tokens: quote!(#t.#method(#(#args),*)),
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
            self.errors.push_spanned(
                e,
                "`#[gradient]` cannot iterate over this form; use a range (`0..x.len()`) or `x.iter()` with `.enumerate()`, `.zip()`, `.skip()`, `.take()`, `.rev()`, `.step_by()`",
            );
            return None;
        }
        let (tokens, uses) = self.rename(e);
        self.check_inactive(&uses, e.span())?;
        Some(Plan {
            tokens,
            uses,
            shape: Shape::Plain,
        })
    }

    /// Whether an expression reads a float sequence of this function (so it must not be carried along
    /// as opaque tokens).
    fn mentions_seq(&self, e: &Expr) -> bool {
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
        }
        Paths(&mut idents).visit_expr(e);
        idents.iter().any(
            |i| matches!(self.env.lookup(i), Some(Binding::Seq(s)) if self.b.func.seq(s).active),
        )
    }

    /// Matches a loop pattern against what the iterator yields.
    fn bind_pattern(&mut self, pat: &Pat, shape: &Shape, out: &mut Bound) -> Option<TokenStream> {
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

    /// A `for` loop.
    pub fn lower_for(&mut self, f: &syn::ExprForLoop) -> Option<Value> {
        if let Some(label) = &f.label {
            self.errors
                .push_spanned(label, "loop labels are not supported by `#[gradient]`");
            return None;
        }
        let plan = self.plan(&f.expr)?;
        let broken = broken_flag();
        // Once broken, a `for` body does nothing for the remaining iterations.
        let guarded = loop_exits(&f.body).breaks;
        let header = Header::Range(plan, &f.pat);
        self.lower_loop(&f.body, f.span(), &broken, header, guarded)
    }

    /// A `while` loop.
    pub fn lower_while(&mut self, w: &syn::ExprWhile) -> Option<Value> {
        if let Some(label) = &w.label {
            self.errors
                .push_spanned(label, "loop labels are not supported by `#[gradient]`");
            return None;
        }
        if let Expr::Let(l) = &*w.cond {
            self.errors.push_spanned(
                l,
                "`while let` is not supported in `#[gradient]` functions: use a plain condition",
            );
            return None;
        }
        let broken = broken_flag();
        // Once broken, the condition itself ends a `while`.
        let breaks = loop_exits(&w.body).breaks;
        let header = Header::While(&w.cond, breaks.then_some(&broken));
        self.lower_loop(&w.body, w.span(), &broken, header, false)
    }

    /// A loop whose `break` sets the flag `broken`, carried by the loop, so that the adjoint sees
    /// the same iterations as the forward loop; `guarded` wraps the body in `if !broken`.
    fn lower_loop(
        &mut self,
        body: &syn::Block,
        span: Span,
        broken: &Ident,
        header: Header,
        guarded: bool,
    ) -> Option<Value> {
        let mut carried = assigned_names(body);
        self.env.push();
        if loop_exits(body).breaks {
            let f = self
                .b
                .opaque(Kind::Bool, None, quote!(false), Vec::new(), span);
            self.env.declare(broken.clone(), Binding::Val(f));
            carried.push(broken.clone());
        }
        let r = self.build_loop(header, carried, &mut |this| {
            if guarded {
                let cond = this.not_broken(broken);
                this.lower_guarded(cond, body.brace_token.span.join(), &mut |t| {
                    t.lower_loop_body(body, broken)
                })
            } else {
                this.lower_loop_body(body, broken)
            }
        });
        self.env.pop();
        r?;
        Some(Value::Unit)
    }

    /// `!broken` as a condition value.
    fn not_broken(&mut self, broken: &Ident) -> Option<ValId> {
        let Some(Binding::Val(b)) = self.env.lookup(broken) else {
            return None;
        };
        let name = self.ident_of(b, Span::call_site());
        Some(
            self.b
                .opaque(Kind::Bool, None, quote!(!#name), vec![b], Span::call_site()),
        )
    }

    /// A loop body, where `continue` and `break` (at its top level or inside its `if`s) end the
    /// iteration: what follows them moves into the branch that falls through, as for `return`.
    fn lower_loop_body(&mut self, body: &syn::Block, broken: &Ident) -> Option<()> {
        self.env.push();
        let items: Vec<&syn::Stmt> = body.stmts.iter().collect();
        let r = self.lower_loop_items(&items, broken);
        self.env.pop();
        r
    }

    fn lower_loop_items(&mut self, items: &[&syn::Stmt], broken: &Ident) -> Option<()> {
        for (k, s) in items.iter().enumerate() {
            let e = match s {
                syn::Stmt::Expr(e, _) => e,
                s => {
                    self.lower_stmt(s);
                    continue;
                }
            };
            match e {
                Expr::Continue(c) => {
                    if let Some(l) = &c.label {
                        self.errors
                            .push_spanned(l, "loop labels are not supported by `#[gradient]`");
                        return None;
                    }
                    return Some(());
                }
                Expr::Break(b) => {
                    if let Some(l) = &b.label {
                        self.errors
                            .push_spanned(l, "loop labels are not supported by `#[gradient]`");
                        return None;
                    }
                    if let Some(v) = &b.expr {
                        self.errors.push_spanned(
                            v,
                            "`break` with a value is not supported by `#[gradient]`",
                        );
                        return None;
                    }
                    let t = self
                        .b
                        .opaque(Kind::Bool, None, quote!(true), Vec::new(), b.span());
                    self.env.assign(broken, Binding::Val(t));
                    return Some(());
                }
                Expr::If(ei) if loop_exits_if(ei) => {
                    let cond = self.lower_cond(&ei.cond)?;
                    let rest = &items[k + 1..];
                    let then_items: Vec<&syn::Stmt> = ei
                        .then_branch
                        .stmts
                        .iter()
                        .chain(rest.iter().copied())
                        .collect();
                    let else_stmts: Vec<syn::Stmt> = match &ei.else_branch {
                        Some((_, e)) => match &**e {
                            Expr::Block(b) => b.block.stmts.clone(),
                            other => vec![syn::Stmt::Expr(other.clone(), None)],
                        },
                        None => Vec::new(),
                    };
                    let else_items: Vec<&syn::Stmt> =
                        else_stmts.iter().chain(rest.iter().copied()).collect();
                    return self.lower_branches(
                        cond,
                        ei.span(),
                        &mut |t| {
                            t.env.push();
                            let r = t.lower_loop_items(&then_items, broken);
                            t.env.pop();
                            r
                        },
                        &mut |t| {
                            t.env.push();
                            let r = t.lower_loop_items(&else_items, broken);
                            t.env.pop();
                            r
                        },
                    );
                }
                _ => {
                    self.lower_stmt(s);
                }
            }
        }
        Some(())
    }

    /// `if cond { body }` with the variables `body` assigns merged after it.
    fn lower_guarded(
        &mut self,
        cond: Option<ValId>,
        span: Span,
        body: &mut dyn FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.lower_branches(cond?, span, body, &mut |_| Some(()))
    }

    /// Lowers a loop whose body `body` lowers (possibly more than once: the activity of the
    /// loop-carried variables is found by iterating to a fixed point).
    fn build_loop(
        &mut self,
        header: Header,
        carried: Vec<Ident>,
        body: &mut dyn FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        let mut bound = Bound::default();
        let (plan, pat_tokens, cond_expr) = match header {
            Header::Range(plan, pat) => {
                let t = self.bind_pattern(pat, &plan.shape, &mut bound)?;
                (Some(plan), t, None)
            }
            Header::While(cond, broken) => (None, TokenStream::new(), Some((cond, broken))),
        };
        // Only variables declared before the loop are carried.
        let mut cands: Vec<(Ident, ValId)> = Vec::new();
        for name in carried {
            match self.env.lookup(&name) {
                Some(Binding::Val(v)) => cands.push((name, v)),
                Some(Binding::Uninit) => {
                    self.errors.push(
                        name.span(),
                        format!("give `{name}` a value before the loop: `#[gradient]` needs loop variables initialized"),
                    );
                    return None;
                }
                _ => {}
            }
        }
        let saved = self.env.clone();
        let errors_before = self.errors.len();
        let mut active: Vec<bool> = cands
            .iter()
            .map(|(_, v)| self.b.func.info(*v).active)
            .collect();
        let (block, carries, cond_block) = loop {
            self.env = saved.clone();
            self.errors.truncate(errors_before);
            let mut carries = Vec::new();
            for ((name, init), act) in cands.iter().zip(&active) {
                let kind = self.b.func.info(*init).kind;
                let phi = self.b.new_val(kind, *act, name.span());
                self.env.assign(name, Binding::Val(phi));
                carries.push((name.clone(), *init, phi));
            }
            let mut cond_block = None;
            if let Some((cond, broken)) = cond_expr {
                self.b.open();
                let c = match broken {
                    // `while cond` with a `break` inside: once broken, stop without evaluating
                    // `cond` again (it may index past the end).
                    Some(broken) => self.not_broken(broken).and_then(|nb| {
                        self.b.open();
                        let c = self.lower_cond(cond);
                        let then = self.b.close();
                        self.b.open();
                        let f = self.b.opaque(
                            Kind::Bool,
                            None,
                            quote!(false),
                            Vec::new(),
                            Span::call_site(),
                        );
                        let els = self.b.close();
                        let dst = self.b.new_val(Kind::Bool, false, Span::call_site());
                        self.b.push(Stmt::If {
                            cond: nb,
                            then,
                            els,
                            merges: vec![crate::ir::Merge {
                                dst,
                                then: Operand::Val(c?),
                                els: Operand::Val(f),
                            }],
                            exports: Vec::new(),
                        });
                        Some(dst)
                    }),
                    None => self.lower_cond(cond),
                };
                let block = self.b.close();
                cond_block = Some((block, c?));
            }
            let (seqs_before, activated_before) = (self.b.func.seqs.len(), self.activated.len());
            self.b.open();
            self.env.push();
            for (name, v) in &bound.plain {
                self.env.declare(name.clone(), Binding::Val(*v));
            }
            for (name, seq, p) in &bound.elems {
                let v = self.b.load(*seq, *p, name.span());
                self.env.declare(name.clone(), Binding::Val(v));
            }
            let ok = body(self);
            self.env.pop();
            let block = self.b.close();
            ok?;
            // A store inside made a buffer declared before the loop differentiated: loads of it in
            // the body, lowered before the store was seen, must be redone.
            let mut redo = self.activated[activated_before..]
                .iter()
                .any(|s| (s.0 as usize) < seqs_before);
            let mut out = Vec::new();
            for (k, (name, init, phi)) in carries.iter().enumerate() {
                let next = match self.env.lookup(name) {
                    Some(Binding::Val(n)) => n,
                    _ => {
                        self.errors.push(
                            name.span(),
                            format!("`{name}` is left unassigned by the loop"),
                        );
                        return None;
                    }
                };
                if self.b.func.info(next).active && !active[k] {
                    active[k] = true;
                    redo = true;
                }
                out.push((name.clone(), *init, *phi, next));
            }
            if !redo {
                break (block, out, cond_block);
            }
        };
        self.env = saved;
        let mut carried = Vec::new();
        for (name, init, phi, next) in carries {
            let info = self.b.func.info(phi);
            let (kind, act) = (info.kind, info.active);
            let out = self.b.new_val(kind, act, name.span());
            self.env.assign(&name, Binding::Val(out));
            carried.push(Carry {
                phi,
                init: Operand::Val(init),
                next: Operand::Val(next),
                out,
            });
        }
        let iter = match (plan, cond_block) {
            (Some(plan), _) => Iter::Range {
                range: RangeIter {
                    pat: pat_tokens,
                    binds: bound.binds,
                    tokens: plan.tokens,
                    uses: plan.uses,
                },
                rev: false,
            },
            (None, Some((cond_block, cond))) => Iter::While { cond_block, cond },
            (None, None) => unreachable!("a loop has a range or a condition"),
        };
        self.b.push(Stmt::Loop(Box::new(Loop {
            iter,
            carried,
            body: block,
            records: None,
            fused: false,
        })));
        Some(())
    }

    /// `iter.sum()`, `iter.product()`, `iter.fold(init, |acc, v| ..)`, with an optional `.map(|v| ..)`
    /// before, over a float sequence; `None` when `m` is not such a reduction.
    pub fn lower_reduction(&mut self, m: &syn::ExprMethodCall) -> Option<Option<Value>> {
        let name = m.method.to_string();
        if !matches!(name.as_str(), "sum" | "product" | "fold") {
            return None;
        }
        let (source, map) = match &*m.receiver {
            Expr::MethodCall(inner) if inner.method == "map" && inner.args.len() == 1 => {
                (&*inner.receiver, Some(&inner.args[0]))
            }
            other => (other, None),
        };
        if !self.mentions_seq(source) && self.seq_of_iter_source(source).is_none() {
            return None;
        }
        Some(self.reduction(m, &name, source, map))
    }

    fn seq_of_iter_source(&self, e: &Expr) -> Option<SeqId> {
        match e {
            Expr::MethodCall(m) => self.seq_of_iter_source(&m.receiver),
            e => self.seq_of_expr(e),
        }
    }

    fn reduction(
        &mut self,
        m: &syn::ExprMethodCall,
        name: &str,
        source: &Expr,
        map: Option<&Expr>,
    ) -> Option<Value> {
        let span = m.span();
        let map = match map {
            Some(Expr::Closure(c)) if c.inputs.len() == 1 => Some(c),
            Some(other) => {
                self.errors
                    .push_spanned(other, "`map` needs a closure `|v| ...` here");
                return None;
            }
            None => None,
        };
        let (init, fold) = match name {
            "sum" => (Operand::Const(0.0), None),
            "product" => (Operand::Const(1.0), None),
            _ => {
                if m.args.len() != 2 {
                    self.errors
                        .push_spanned(m, "`fold` takes an initial value and a closure");
                    return None;
                }
                let Expr::Closure(c) = &m.args[1] else {
                    self.errors
                        .push_spanned(&m.args[1], "`fold` needs a closure `|acc, v| ...` here");
                    return None;
                };
                if c.inputs.len() != 2 {
                    self.errors
                        .push_spanned(c, "`fold` needs a closure `|acc, v| ...`");
                    return None;
                }
                let v = self.lower_expr(&m.args[0])?;
                (self.to_float(v, m.args[0].span())?, Some(c))
            }
        };
        let plan = self.plan(source)?;
        // The accumulator is a hidden variable of the enclosing scope, carried by the loop.
        let acc = Ident::new("__grad_acc", Span::call_site());
        self.env.push();
        let acc_init = self.bind_float(init, span);
        self.env.declare(acc.clone(), acc_init);
        let item_pat: Pat = match (map, fold) {
            (Some(c), _) => c.inputs[0].clone(),
            (None, Some(c)) => c.inputs[1].clone(),
            (None, None) => syn::parse_quote!(__grad_item),
        };
        let acc2 = acc.clone();
        let result = self.build_loop(
            Header::Range(plan, &item_pat),
            vec![acc.clone()],
            &mut |this| {
                let item = match map {
                    Some(c) => {
                        let v = this.lower_expr(&c.body)?;
                        this.to_float(v, c.body.span())?
                    }
                    None => match fold {
                        // The fold's item is its second closure parameter, bound by the pattern.
                        Some(_) => Operand::Const(0.0),
                        None => {
                            let id = Ident::new("__grad_item", Span::call_site());
                            match this.env.lookup(&id) {
                                Some(Binding::Val(v)) => Operand::Val(v),
                                _ => return None,
                            }
                        }
                    },
                };
                let Some(Binding::Val(a)) = this.env.lookup(&acc2) else {
                    return None;
                };
                let a = Operand::Val(a);
                let next = match (name, fold) {
                    ("sum", _) => this.b.add(a, item, span),
                    ("product", _) => this.b.mul(a, item, span),
                    (_, Some(c)) => {
                        // `|acc, v| body`: bind the closure's accumulator name to the carried value.
                        let acc_name = match &c.inputs[0] {
                            Pat::Ident(pi) => pi.ident.clone(),
                            other => {
                                this.errors
                                    .push_spanned(other, "name the accumulator: `|acc, v| ...`");
                                return None;
                            }
                        };
                        this.env.push();
                        this.env.declare(acc_name, Binding::Val(a.val().unwrap()));
                        if map.is_some() {
                            // After `map`, the fold's item is the mapped value.
                            match &c.inputs[1] {
                                Pat::Ident(pi) => {
                                    let b = this.bind_float(item, span);
                                    this.env.declare(pi.ident.clone(), b);
                                }
                                Pat::Wild(_) => {}
                                other => {
                                    this.errors
                                        .push_spanned(other, "name the item: `|acc, v| ...`");
                                    this.env.pop();
                                    return None;
                                }
                            }
                        }
                        let v = this.lower_expr(&c.body);
                        this.env.pop();
                        let v = v?;
                        this.to_float(v, c.body.span())?
                    }
                    _ => unreachable!(),
                };
                let b = this.bind_float(next, span);
                this.env.assign(&acc2, b);
                Some(())
            },
        );
        let out = match self.env.lookup(&acc) {
            Some(Binding::Val(v)) => Some(Value::Float(Operand::Val(v))),
            _ => None,
        };
        self.env.pop();
        result?;
        out
    }
}

/// Renames the names of a pattern.
fn rename_pat(p: &mut Pat, map: &[(Ident, Ident)]) {
    struct R<'a>(&'a [(Ident, Ident)]);
    impl syn::visit_mut::VisitMut for R<'_> {
        fn visit_pat_ident_mut(&mut self, pi: &mut syn::PatIdent) {
            if let Some((_, new)) = self.0.iter().find(|(o, _)| *o == pi.ident) {
                pi.ident = new.clone();
                pi.mutability = None;
            }
        }
    }
    syn::visit_mut::VisitMut::visit_pat_mut(&mut R(map), p);
}
