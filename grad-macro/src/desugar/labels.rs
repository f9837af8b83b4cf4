//! Labeled loops, rewritten into the unlabeled `break`/`continue` lowering knows.
//!
//! Input: `'outer: for i in .. { for j in .. { if c { continue 'outer; } .. } .. }`.
//! Output: `let mut F: usize = 0; for i in .. { for j in .. { if c { F = 2; break; } .. }
//! if F == 1 { break; } if F == 2 { F = 0; continue; } .. }`, with a hidden `F`: a jump to an outer
//! loop leaves each loop in between with a plain `break` and a flag the next level tests.

/// The label of a loop expression.
fn label_of(e: &syn::Expr) -> Option<&syn::Lifetime> {
    match e {
        syn::Expr::ForLoop(f) => f.label.as_ref().map(|l| &l.name),
        syn::Expr::While(w) => w.label.as_ref().map(|l| &l.name),
        syn::Expr::Loop(l) => l.label.as_ref().map(|l| &l.name),
        _ => None,
    }
}

fn body_of(e: &mut syn::Expr) -> Option<&mut syn::Block> {
    match e {
        syn::Expr::ForLoop(f) => Some(&mut f.body),
        syn::Expr::While(w) => Some(&mut w.body),
        syn::Expr::Loop(l) => Some(&mut l.body),
        _ => None,
    }
}

fn clear_label(e: &mut syn::Expr) {
    match e {
        syn::Expr::ForLoop(f) => f.label = None,
        syn::Expr::While(w) => w.label = None,
        syn::Expr::Loop(l) => l.label = None,
        _ => {}
    }
}

/// The jumps through a nested loop, by the flag's codes: 1 for `break`, 2 for `continue`.
type Through = u8;

/// Rewrites the jumps to `label` in the statement `s` of a loop body; returns the statements that
/// replace it, and those of its jumps that go through a nested loop (so the flag is needed).
/// `depth` counts the loops between the labeled loop and `s`.
fn rewrite_stmt(
    s: syn::Stmt,
    label: &syn::Lifetime,
    flag: &syn::Ident,
    depth: usize,
) -> (Vec<syn::Stmt>, Through) {
    let jump = match &s {
        syn::Stmt::Expr(syn::Expr::Break(b), _) if b.expr.is_none() => {
            b.label.as_ref().filter(|l| *l == label).map(|_| 1usize)
        }
        syn::Stmt::Expr(syn::Expr::Continue(c), _) => {
            c.label.as_ref().filter(|l| *l == label).map(|_| 2usize)
        }
        _ => None,
    };
    if let Some(code) = jump {
        if depth == 0 {
            let plain: syn::Stmt = if code == 1 {
                syn::parse_quote!(break;)
            } else {
                syn::parse_quote!(continue;)
            };
            return (vec![plain], 0);
        }
        let through = if code == 1 { 1 } else { 2 };
        return (
            vec![syn::parse_quote!(#flag = #code;), syn::parse_quote!(break;)],
            through,
        );
    }
    let syn::Stmt::Expr(mut e, semi) = s else {
        return (vec![s], 0);
    };
    let used = rewrite_expr(&mut e, label, flag, depth);
    let nested_loop = body_of(&mut e).is_some();
    let mut out = vec![syn::Stmt::Expr(e, semi)];
    if used != 0 && nested_loop {
        // Leaving the loop just run: the labeled loop's own body acts on the flag, a loop in
        // between passes it on. (Only the tests of jumps there are: a `continue` no jump asks
        // for would make a loop that runs once, a helper's body whose `return`s became
        // `break`s, look like one that repeats.)
        if depth == 0 {
            if used & 1 != 0 {
                out.push(syn::parse_quote!(if #flag == 1 { break; }));
            }
            if used & 2 != 0 {
                out.push(syn::parse_quote!(if #flag == 2 { #flag = 0; continue; }));
            }
        } else {
            out.push(syn::parse_quote!(if #flag != 0 { break; }));
        }
    }
    (out, used)
}

/// The jumps to `label` inside the expression statement `e` (its blocks, branches, loops).
fn rewrite_expr(
    e: &mut syn::Expr,
    label: &syn::Lifetime,
    flag: &syn::Ident,
    depth: usize,
) -> Through {
    match e {
        syn::Expr::If(i) => {
            let mut used = rewrite_block(&mut i.then_branch, label, flag, depth);
            if let Some((_, els)) = &mut i.else_branch {
                used |= rewrite_expr(els, label, flag, depth);
            }
            used
        }
        syn::Expr::Block(b) => rewrite_block(&mut b.block, label, flag, depth),
        syn::Expr::Match(m) => {
            let mut used = 0;
            for arm in &mut m.arms {
                // `=> break 'a,` becomes `=> { break 'a }`, a statement the rewrite sees.
                if !matches!(&*arm.body, syn::Expr::Block(_)) {
                    let body = &arm.body;
                    *arm.body = syn::parse_quote!({ #body });
                }
                used |= rewrite_expr(&mut arm.body, label, flag, depth);
            }
            used
        }
        e => match body_of(e) {
            Some(body) => rewrite_block(body, label, flag, depth + 1),
            None => 0,
        },
    }
}

fn rewrite_block(
    b: &mut syn::Block,
    label: &syn::Lifetime,
    flag: &syn::Ident,
    depth: usize,
) -> Through {
    let mut used = 0;
    let stmts = std::mem::take(&mut b.stmts);
    for s in stmts {
        let (new, u) = rewrite_stmt(s, label, flag, depth);
        used |= u;
        b.stmts.extend(new);
    }
    used
}

/// The name of the hidden variable that holds a labeled loop's `break` value.
pub const LOOP_VALUE: &str = "loop_value";

/// Input: `let r = 'a: loop { .. break 'a v; .. };` (or such a loop as the block's value).
/// Output: `let mut B = Default::default(); 'a: loop { .. { B = v; break 'a; } .. } let r = B;`
/// (or `B` as the value), `B` hidden: the labeled loop becomes a statement.
fn loop_value_to_stmt(s: syn::Stmt) -> Vec<syn::Stmt> {
    let (e, local) = match &s {
        syn::Stmt::Local(l) if l.init.as_ref().is_some_and(|i| i.diverge.is_none()) => {
            (&*l.init.as_ref().expect("checked").expr, true)
        }
        syn::Stmt::Expr(e, None) => (e, false),
        _ => return vec![s],
    };
    let syn::Expr::Loop(lp) = e else {
        return vec![s];
    };
    let Some(label) = lp.label.as_ref().map(|l| l.name.clone()) else {
        return vec![s];
    };
    let value = crate::naming::fresh(LOOP_VALUE);
    let mut lp = lp.clone();
    let mut r = BreakValue {
        label: &label,
        value: &value,
        found: false,
        depth: 0,
    };
    syn::visit_mut::VisitMut::visit_block_mut(&mut r, &mut lp.body);
    if !r.found {
        return vec![s];
    }
    let mut out: Vec<syn::Stmt> = vec![
        syn::parse_quote!(let mut #value = ::core::default::Default::default();),
        syn::Stmt::Expr(syn::Expr::Loop(lp), None),
    ];
    if local {
        let syn::Stmt::Local(mut l) = s else {
            unreachable!("checked")
        };
        l.init.as_mut().expect("checked").expr = syn::parse_quote!(#value);
        out.push(syn::Stmt::Local(l));
    } else {
        out.push(syn::Stmt::Expr(syn::parse_quote!(#value), None));
    }
    out
}

/// `break 'label value` anywhere inside the loop, and `break value` outside nested loops, become
/// `{ B = value; break 'label; }`.
struct BreakValue<'a> {
    label: &'a syn::Lifetime,
    value: &'a syn::Ident,
    found: bool,
    /// Loops between the labeled one and the current point.
    depth: usize,
}

impl BreakValue<'_> {
    fn leaves(&self, b: &syn::ExprBreak) -> bool {
        b.expr.is_some()
            && match &b.label {
                Some(l) => l == self.label,
                None => self.depth == 0,
            }
    }
}

impl syn::visit_mut::VisitMut for BreakValue<'_> {
    /// `break 'a v;` as a statement becomes two statements, so it stays a statement of its `if`.
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let mut out = Vec::with_capacity(b.stmts.len());
        for s in std::mem::take(&mut b.stmts) {
            match s {
                syn::Stmt::Expr(syn::Expr::Break(br), _) if self.leaves(&br) => {
                    let (value, label) = (self.value, self.label);
                    let v = br.expr.as_ref().expect("checked");
                    self.found = true;
                    out.push(syn::parse_quote!(#value = #v;));
                    out.push(syn::parse_quote!(break #label;));
                }
                s => out.push(s),
            }
        }
        b.stmts = out;
        syn::visit_mut::visit_block_mut(self, b);
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        let nested = matches!(
            e,
            syn::Expr::Loop(_) | syn::Expr::While(_) | syn::Expr::ForLoop(_)
        );
        self.depth += usize::from(nested);
        syn::visit_mut::visit_expr_mut(self, e);
        self.depth -= usize::from(nested);
        if let syn::Expr::Break(b) = e {
            if self.leaves(b) {
                let v = b.expr.as_ref().expect("checked");
                self.found = true;
                let (value, label) = (self.value, self.label);
                *e = syn::parse_quote!({
                    #value = #v;
                    break #label;
                });
            }
        }
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Input: the statements of a block. Output: the same with every labeled loop among them
/// unlabeled (and its flag declared before it where a jump crosses a nested loop).
pub fn unlabel_loops(stmts: &mut Vec<syn::Stmt>) {
    let old: Vec<syn::Stmt> = std::mem::take(stmts)
        .into_iter()
        .flat_map(loop_value_to_stmt)
        .collect();
    for mut s in old {
        if let syn::Stmt::Expr(e, _) = &mut s {
            if let Some(label) = label_of(e).cloned() {
                let flag = crate::naming::hidden(&format!("jump_{}", label.ident));
                let body = body_of(e).expect("a labeled loop");
                let used = rewrite_block(body, &label, &flag, 0);
                clear_label(e);
                if used != 0 {
                    stmts.push(syn::parse_quote!(let mut #flag: usize = 0;));
                }
            }
        }
        stmts.push(s);
    }
}

/// Input: a loop label declared again by a loop inside the loop that has it (`'a: for .. { 'a:
/// for .. { break 'a; } }`, which rustc accepts with a warning: the inner label wins). Output: the
/// inner loop's label renamed, with the jumps that name it, so each label names one loop.
pub(super) fn unshadow(body: &mut syn::Block) {
    struct U {
        /// The labels in scope, innermost last: as written, and as renamed.
        scope: Vec<(String, syn::Lifetime)>,
    }
    impl U {
        fn current(&self, l: &syn::Lifetime) -> Option<syn::Lifetime> {
            let name = l.ident.to_string();
            self.scope
                .iter()
                .rev()
                .find(|(n, _)| *n == name)
                .map(|(_, r)| r.clone())
        }
    }
    impl syn::visit_mut::VisitMut for U {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            let label = match e {
                syn::Expr::ForLoop(f) => f.label.as_mut().map(|l| &mut l.name),
                syn::Expr::While(w) => w.label.as_mut().map(|l| &mut l.name),
                syn::Expr::Loop(l) => l.label.as_mut().map(|l| &mut l.name),
                syn::Expr::Break(b) => {
                    if let Some(l) = &mut b.label {
                        if let Some(r) = self.current(l) {
                            *l = r;
                        }
                    }
                    syn::visit_mut::visit_expr_mut(self, e);
                    return;
                }
                syn::Expr::Continue(c) => {
                    if let Some(l) = &mut c.label {
                        if let Some(r) = self.current(l) {
                            *l = r;
                        }
                    }
                    return;
                }
                _ => None,
            };
            let Some(label) = label else {
                syn::visit_mut::visit_expr_mut(self, e);
                return;
            };
            let name = label.ident.to_string();
            if self.current(label).is_some() {
                let fresh = crate::naming::fresh(&format!("label_{name}"));
                *label = syn::Lifetime::new(&format!("'{fresh}"), label.span());
            }
            self.scope.push((name, label.clone()));
            syn::visit_mut::visit_expr_mut(self, e);
            self.scope.pop();
        }
        // A closure's body is a scope of labels of its own.
        fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
            let outer = std::mem::take(&mut self.scope);
            syn::visit_mut::visit_expr_closure_mut(self, c);
            self.scope = outer;
        }
        // So is a nested function's (a helper copied into the body, inlined later).
        fn visit_item_mut(&mut self, i: &mut syn::Item) {
            if let syn::Item::Fn(f) = i {
                let outer = std::mem::take(&mut self.scope);
                self.visit_block_mut(&mut f.block);
                self.scope = outer;
            }
        }
    }
    syn::visit_mut::VisitMut::visit_block_mut(&mut U { scope: Vec::new() }, body);
}

/// Input: `'b: { .. if c { break 'b v; } .. tail }`, a labeled block.
/// Output: `'b: loop { .. if c { break 'b v; } .. break 'b tail; }`, a loop that runs once, whose
/// labeled `break` with a value lowering knows. A block that holds a `break` or `continue` of no
/// label for a loop around it (which the loop would take for its own) stays as written.
pub(super) fn labeled_blocks(body: &mut syn::Block) {
    /// Whether `b` holds a `break` or `continue` without a label outside its own loops.
    fn unlabeled_jump(b: &syn::Block) -> bool {
        struct Find(bool);
        impl<'a> syn::visit::Visit<'a> for Find {
            fn visit_expr(&mut self, e: &'a syn::Expr) {
                match e {
                    syn::Expr::Break(br) if br.label.is_none() => self.0 = true,
                    syn::Expr::Continue(c) if c.label.is_none() => self.0 = true,
                    // (Their own jumps; a loop's `break` in a condition is its own too.)
                    syn::Expr::ForLoop(f) => self.visit_expr(&f.expr),
                    syn::Expr::While(w) => self.visit_expr(&w.cond),
                    syn::Expr::Loop(_) | syn::Expr::Closure(_) | syn::Expr::Async(_) => {}
                    e => syn::visit::visit_expr(self, e),
                }
            }
            fn visit_item(&mut self, _: &'a syn::Item) {}
        }
        let mut f = Find(false);
        syn::visit::Visit::visit_block(&mut f, b);
        f.0
    }
    struct Blocks;
    impl syn::visit_mut::VisitMut for Blocks {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            let syn::Expr::Block(b) = e else {
                return;
            };
            let Some(label) = b.label.clone() else {
                return;
            };
            if unlabeled_jump(&b.block) {
                return;
            }
            let mut stmts = b.block.stmts.clone();
            let lt = &label.name;
            match stmts.pop() {
                Some(syn::Stmt::Expr(tail, None)) => {
                    stmts.push(syn::parse_quote!(break #lt #tail;));
                }
                Some(last) => {
                    stmts.push(last);
                    stmts.push(syn::parse_quote!(break #lt;));
                }
                None => stmts.push(syn::parse_quote!(break #lt;)),
            }
            *e = syn::parse_quote!(#label loop { #(#stmts)* });
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    syn::visit_mut::VisitMut::visit_block_mut(&mut Blocks, body);
}
