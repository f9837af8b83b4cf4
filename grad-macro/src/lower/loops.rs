//! Loops and indexing: `for` over integer ranges and slice iterators, `x[i]`, and iterator
//! reductions (`x.iter().map(|v| v * v).sum::<f64>()`), all lowered to one `Loop` form whose
//! loop-carried variables are explicit.

use super::env::Binding;
use super::iter::{Bound, Plan};
use super::{Lowerer, Value};
use crate::ir::{Carry, Iter, Kind, Loop, Operand, RangeIter, Stmt, ValId};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Pat};

/// The hidden loop-carried flag that `break` sets.
fn broken_flag() -> Ident {
    crate::naming::hidden("broken")
}

/// How a loop iterates.
pub(super) enum Header<'a> {
    Range(Plan, &'a Pat),
    /// The condition, and the `break` flag when the body breaks.
    While(&'a Expr, Option<&'a Ident>),
}

/// Whether a loop body has `break`/`continue` of its own (not of inner loops).
#[derive(Default, Clone, Copy)]
pub(super) struct Exits {
    breaks: bool,
    pub(super) continues: bool,
}

pub(super) fn loop_exits(body: &syn::Block) -> Exits {
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

/// Names a block assigns (`x = ..`, `x += ..`), outside closures: the loop-carried candidates.
/// The name a place is in: `x` of `x`, `counts[l]`, `m[i][j]`, `s.pos`, `first.entry(k)` (a
/// buffer's name is no carried value: only values are carried).
fn place_root(e: &Expr) -> Option<&Ident> {
    match e {
        Expr::Path(p) => p.path.get_ident(),
        Expr::MethodCall(m) => place_root(&m.receiver),
        Expr::Index(i) => place_root(&i.expr),
        Expr::Field(f) => place_root(&f.base),
        Expr::Paren(p) => place_root(&p.expr),
        _ => None,
    }
}

pub fn assigned_names(block: &syn::Block) -> Vec<Ident> {
    struct Finder(Vec<Ident>);
    impl<'a> Visit<'a> for Finder {
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            if let Some(i) = place_root(&a.left) {
                self.0.push(i.clone());
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            if super::is_compound_assign(&b.op) {
                if let Some(i) = place_root(&b.left) {
                    self.0.push(i.clone());
                }
            }
            syn::visit::visit_expr_binary(self, b);
        }
        fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
            if let Expr::Path(p) = &*c.func {
                if let Some(names) = super::calls::swap_args(c, &p.path) {
                    self.0.extend(names);
                }
            }
            // `add_sq(&mut s, v);`: a place lent mutably may be written by the call.
            for a in &c.args {
                if let Expr::Reference(r) = a {
                    if r.mutability.is_some() {
                        if let Some(i) = place_root(&r.expr) {
                            self.0.push(i.clone());
                        }
                    }
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        // `active.push(i);`, `seen.insert(k);`, `first.entry(k).or_insert(i);`, `adj[a].push(b);`:
        // a method called as a statement changes what it is called on, which lowering makes a
        // new value after each call (see `data_value_change`), whatever the method.
        fn visit_stmt(&mut self, s: &'a syn::Stmt) {
            if let syn::Stmt::Expr(Expr::MethodCall(m), _) = s {
                if let Some(i) = place_root(&m.receiver) {
                    self.0.push(i.clone());
                }
            }
            syn::visit::visit_stmt(self, s);
        }
        // `let t = stack.pop();` (also `if seen.insert(k)`, made such a `let` by
        // `desugar::hoist`): a call that takes something out of a local changes it.
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            if crate::desugar::TAKING.iter().any(|n| m.method == n) {
                if let Expr::Path(p) = &*m.receiver {
                    if let Some(i) = p.path.get_ident() {
                        self.0.push(i.clone());
                    }
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    // A name the body declares before assigning it (`let mut k; k = 3;`, a `let` at the body's
    // top level) is the body's own from there on.
    let mut f = Finder(Vec::new());
    let mut own: Vec<Ident> = Vec::new();
    let mut seen = Vec::new();
    for stmt in &block.stmts {
        f.visit_stmt(stmt);
        for i in f.0.drain(..) {
            if !seen.contains(&i) && !own.contains(&i) {
                seen.push(i);
            }
        }
        if let syn::Stmt::Local(l) = stmt {
            crate::lower::collect_idents(&l.pat, &mut own);
        }
    }
    seen
}

/// A statement of a loop body being lowered, or the end of a branch's scope (see
/// `lower_loop_items`).
#[derive(Clone, Copy)]
enum LoopItem<'s> {
    Stmt(&'s syn::Stmt),
    /// Closes the scopes opened after the first `depth`.
    EndScope(usize),
}

impl Lowerer<'_> {
    /// `x[i]` of a float sequence is a load; indexing anything else is carried along.
    pub fn lower_index(&mut self, e: &syn::ExprIndex) -> Option<Value> {
        if let Expr::Range(r) = &*e.index {
            // A part of constant data (`x[a..b]` of a parameter not differentiated) is data.
            if let Some(seq) = self.seq_of_expr(&e.expr) {
                let info = self.b.func.seq(seq);
                if !info.active && !info.buffer {
                    let (tokens, uses) = self.rename(&Expr::Index(e.clone()));
                    return Some(Value::Other {
                        tokens,
                        uses,
                        kind: Kind::Other,
                    });
                }
            }
            // A part of a constant field (`&self.x[a..b]` of data, `&ds.x[..n]`) or of data of
            // another type (`&ids[..k]` of `ids: &[usize]`) is data too.
            if self.seq_of_expr(&e.expr).is_none()
                && matches!(&*e.expr, Expr::Field(_) | Expr::Path(_))
            {
                let (tokens, uses) = self.rename(&Expr::Index(e.clone()));
                if !uses.iter().any(|v| self.b.func.info(*v).active) {
                    return Some(Value::Other {
                        tokens,
                        uses,
                        kind: Kind::Other,
                    });
                }
            }
            self.errors.push_spanned(
                r,
                "`#[gradient]` does not support sub-slices (`x[a..b]`): index elements (`x[i]`) in a loop",
            );
            return None;
        }
        if let Some(seq) = self.seq_of_expr(&e.expr) {
            let v = self.lower_expr(&e.index)?;
            let (tokens, uses) = self.other_tokens(v, e.index.span())?;
            self.check_inactive(&uses, &e.index)?;
            let idx = self.b.opaque(Kind::Int, None, tokens, uses, e.index.span());
            let dst = self.b.load(seq, idx, e.span());
            return Some(Value::Float(Operand::Val(dst)));
        }
        self.check_no_seq_read(&e.expr)?;
        let (tokens, uses) = self.rename(&Expr::Index(e.clone()));
        Some(Value::Other {
            tokens,
            uses,
            kind: Kind::Other,
        })
    }

    /// A `for` loop.
    pub fn lower_for(&mut self, f: &syn::ExprForLoop) -> Option<Value> {
        if let Some(label) = &f.label {
            self.errors
                .push_spanned(label, "`#[gradient]` supports a labeled loop written as a statement, left by `break 'label;` or `continue 'label;` without a value: give the value through a variable assigned before the `break`");
            return None;
        }
        let plan = self.plan(&stepped_exclusive(&f.expr))?;
        let broken = broken_flag();
        // Once broken, a `for` body does nothing for the remaining iterations.
        let guarded = loop_exits(&f.body).breaks;
        let header = Header::Range(plan, &f.pat);
        self.pending_refs = super::iter::reference_items(&f.pat, &f.expr, &self.ref_names);
        let rows = self.loop_row_names(&f.expr, &f.pat);
        let before = self.row_names.len();
        self.row_names.extend(rows);
        let r = self.lower_loop(&f.body, f.span(), &broken, header, guarded);
        self.row_names.truncate(before);
        r
    }

    /// A `while` loop.
    pub fn lower_while(&mut self, w: &syn::ExprWhile) -> Option<Value> {
        if let Some(label) = &w.label {
            self.errors
                .push_spanned(label, "`#[gradient]` supports a labeled loop written as a statement, left by `break 'label;` or `continue 'label;` without a value: give the value through a variable assigned before the `break`");
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
        // Data lent mutably (`q: &mut Vec<usize>`) is not a value the loop carries: what its
        // methods do to it are effects, each run once (see `Func::effects`).
        carried.retain(|n| !self.b.func.mut_data.contains(&n.to_string()));
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
        let items: Vec<LoopItem> = body.stmts.iter().map(LoopItem::Stmt).collect();
        let r = self.lower_loop_items(&items, broken);
        self.env.pop();
        r
    }

    fn lower_loop_items(&mut self, items: &[LoopItem], broken: &Ident) -> Option<()> {
        for (k, item) in items.iter().enumerate() {
            let s = match item {
                LoopItem::Stmt(s) => *s,
                LoopItem::EndScope(depth) => {
                    self.env.truncate(*depth);
                    continue;
                }
            };
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
                            .push_spanned(l, "`#[gradient]` supports a labeled loop written as a statement, left by `break 'label;` or `continue 'label;` without a value: give the value through a variable assigned before the `break`");
                        return None;
                    }
                    return Some(());
                }
                Expr::Break(b) => {
                    if let Some(l) = &b.label {
                        self.errors
                            .push_spanned(l, "`#[gradient]` supports a labeled loop written as a statement, left by `break 'label;` or `continue 'label;` without a value: give the value through a variable assigned before the `break`");
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
                // `if true { .. }`, a block statement that breaks or continues (see `desugar`):
                // only its branch runs, the rest of the body after it.
                Expr::If(ei) if ei.else_branch.is_none() && super::is_true(&ei.cond) => {
                    let depth = self.env.depth();
                    let items: Vec<LoopItem> = ei
                        .then_branch
                        .stmts
                        .iter()
                        .map(LoopItem::Stmt)
                        .chain(std::iter::once(LoopItem::EndScope(depth)))
                        .chain(items[k + 1..].iter().copied())
                        .collect();
                    self.env.push();
                    let r = self.lower_loop_items(&items, broken);
                    self.env.truncate(depth);
                    return r;
                }
                Expr::If(ei) if loop_exits_if(ei) => {
                    let (cond, binds) = self.lower_if_cond(&ei.cond, &ei.then_branch);
                    let cond = cond?;
                    let rest = &items[k + 1..];
                    // The branch's own `let`s go out of scope before the rest of the body,
                    // appended to it, is lowered.
                    let depth = self.env.depth();
                    let then_items: Vec<LoopItem> = ei
                        .then_branch
                        .stmts
                        .iter()
                        .map(LoopItem::Stmt)
                        .chain(std::iter::once(LoopItem::EndScope(depth)))
                        .chain(rest.iter().copied())
                        .collect();
                    let else_stmts: Vec<syn::Stmt> = match &ei.else_branch {
                        Some((_, e)) => match &**e {
                            Expr::Block(b) => b.block.stmts.clone(),
                            other => vec![syn::Stmt::Expr(other.clone(), None)],
                        },
                        None => Vec::new(),
                    };
                    let else_items: Vec<LoopItem> = else_stmts
                        .iter()
                        .map(LoopItem::Stmt)
                        .chain(std::iter::once(LoopItem::EndScope(depth)))
                        .chain(rest.iter().copied())
                        .collect();
                    return self.lower_branches(
                        cond,
                        ei.span(),
                        &mut |t| {
                            t.env.push();
                            t.bind_if_let(binds.clone());
                            let r = t.lower_loop_items(&then_items, broken);
                            t.env.truncate(depth);
                            r
                        },
                        &mut |t| {
                            t.env.push();
                            let r = t.lower_loop_items(&else_items, broken);
                            t.env.truncate(depth);
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
    pub(super) fn build_loop(
        &mut self,
        header: Header,
        carried: Vec<Ident>,
        body: &mut dyn FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        let mut bound = Bound::default();
        let refs = std::mem::take(&mut self.pending_refs);
        let (plan, pat_tokens, cond_expr) = match header {
            Header::Range(plan, pat) => {
                let t = self.bind_pattern(pat, &plan.shape, &mut bound)?;
                for (n, v) in &bound.plain {
                    if refs.contains(n) {
                        self.item_vals.insert(*v);
                    }
                }
                (Some(plan), t, None)
            }
            Header::While(cond, broken) => (None, TokenStream::new(), Some((cond, broken))),
        };
        // Only variables declared before the loop are carried.
        let mut cands: Vec<(Ident, ValId)> = Vec::new();
        // Declared without a value (`let mut t; loop { t = ..; .. }`): rustc lets the body read
        // the name only after assigning it, so the value it enters the loop with is never read.
        let mut unset: Vec<Ident> = Vec::new();
        for name in carried {
            match self.env.lookup(&name) {
                Some(Binding::Val(v)) => cands.push((name, v)),
                Some(Binding::Uninit) => {
                    let v = self.b.opaque(
                        Kind::Other,
                        None,
                        quote!(::core::default::Default::default()),
                        Vec::new(),
                        name.span(),
                    );
                    unset.push(name.clone());
                    cands.push((name, v));
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
        let mut kinds: Vec<Kind> = cands
            .iter()
            .map(|(_, v)| self.b.func.info(*v).kind)
            .collect();
        let (block, carries, cond_block) = loop {
            self.env = saved.clone();
            self.errors.truncate(errors_before);
            let mut carries = Vec::new();
            for (((name, init), act), kind) in cands.iter().zip(&active).zip(&kinds) {
                let kind = *kind;
                let phi = self.b.new_val(kind, *act, name.span());
                // A value of data changed in the body stays one through the loop.
                if let Some(f) = self.data_values.get(init).copied() {
                    self.data_values.insert(phi, f);
                }
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
                // `let mut a = C; for .. { a += y; }`: a constant of unknown type that the body
                // turns into a float is carried as a float.
                if self.b.func.info(next).kind == Kind::Float && kinds[k] != Kind::Float {
                    kinds[k] = Kind::Float;
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
            if let Some(f) = self.data_values.get(&init).copied() {
                self.data_values.insert(out, f);
            }
            self.env.assign(&name, Binding::Val(out));
            // The value of `loop { .. break v }` starts as `Default::default()` (see
            // `desugar::labels`), which a generic float type does not have: it is never read, so
            // a float zero serves.
            let placeholder = kind == Kind::Float
                && self.b.func.info(init).kind != Kind::Float
                && (unset.contains(&name)
                    || (matches!(self.float_ty, crate::ir::FloatTy::Generic(_))
                        && crate::desugar::is_break_value_name(&name)));
            carried.push(Carry {
                phi,
                init: if placeholder {
                    Operand::Const(0.0)
                } else {
                    Operand::Val(init)
                },
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
            snapshots: Vec::new(),
            restores: Vec::new(),
        })));
        Some(())
    }
}

/// `(a..=b).step_by(k)` as `(a..(b) + 1).step_by(k)`: the same numbers, in a range whose
/// `step_by` can be walked backwards (the backward pass of a taped loop reverses it, and a
/// stepped inclusive range is not an `ExactSizeIterator`).
fn stepped_exclusive(e: &syn::Expr) -> syn::Expr {
    struct Open;
    impl syn::visit_mut::VisitMut for Open {
        fn visit_expr_method_call_mut(&mut self, m: &mut syn::ExprMethodCall) {
            syn::visit_mut::visit_expr_method_call_mut(self, m);
            if m.method != "step_by" {
                return;
            }
            let syn::Expr::Range(r) = crate::desugar::unparen(&m.receiver) else {
                return;
            };
            if let (syn::RangeLimits::Closed(_), Some(end)) = (&r.limits, &r.end) {
                let start = &r.start;
                *m.receiver = syn::parse_quote!((#start..(#end) + 1));
            }
        }
        fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    }
    let mut e = e.clone();
    syn::visit_mut::VisitMut::visit_expr_mut(&mut Open, &mut e);
    e
}
