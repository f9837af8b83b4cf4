//! `return` inside loops, rewritten into a labeled `break` and a `return` after the loop, which
//! lowering knows (a `return` as a statement of the body or of an `if`).
//!
//! Input: `for i in .. { for j in .. { if c { return v; } .. } .. }` in a block.
//! Output: `let mut F = false; let mut R: T = 0.0; 'L: for i in .. { for j in .. { if c
//! { R = v; F = true; break 'L; } .. } .. } if F { return R; }`, with hidden `F`, `R`, `'L`
//! (the loop's own label when it has one); `T` is the function's return type. The labeled
//! `break` is then rewritten by `labels` like any other.

use syn::visit_mut::VisitMut;

/// Rewrites every loop statement of `stmts` that contains a `return` (outside closures and
/// nested items), for a function returning `ret`.
pub fn hoist_loop_returns(stmts: &mut Vec<syn::Stmt>, ret: &syn::Type) {
    let mut out = Vec::with_capacity(stmts.len());
    for mut s in std::mem::take(stmts) {
        // A `loop` whose value is the block's (`loop { .. break v; .. }` in tail position) keeps
        // its value only as an expression: left as written, lowering reports the `return`.
        if let syn::Stmt::Expr(syn::Expr::Loop(l), None) = &s {
            let label = l.label.as_ref().map(|l| &l.name);
            if breaks_out(&l.body, label).1 {
                out.push(s);
                continue;
            }
        }
        let expr = match &mut s {
            syn::Stmt::Expr(e, _) if is_loop(e) && contains_return(e) => e,
            _ => {
                out.push(s);
                continue;
            }
        };
        let (flag, value) = (crate::naming::fresh("retf"), crate::naming::fresh("retv"));
        let label = match loop_label(expr) {
            Some(l) => l.clone(),
            None => {
                let l = syn::Lifetime::new(
                    &format!("'{}", crate::naming::fresh("ret")),
                    proc_macro2::Span::call_site(),
                );
                set_label(expr, l.clone());
                l
            }
        };
        // `return x.iter().filter(..).sum();`: the value, assigned to a local below, is of the
        // return type (which typed the sum as a `return`).
        struct Typed<'t>(&'t syn::Type);
        impl syn::visit_mut::VisitMut for Typed<'_> {
            fn visit_expr_return_mut(&mut self, r: &mut syn::ExprReturn) {
                if let Some(v) = &mut r.expr {
                    super::name_reduction_type(v, self.0);
                }
                syn::visit_mut::visit_expr_return_mut(self, r);
            }
            fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
            fn visit_item_mut(&mut self, _: &mut syn::Item) {}
        }
        syn::visit_mut::VisitMut::visit_expr_mut(&mut Typed(ret), expr);
        // A `loop` nothing breaks out of (its type is `!`) is left only by a `return`.
        let endless = matches!(&*expr, syn::Expr::Loop(l) if !breaks_out(&l.body, Some(&label)).0);
        Rewrite {
            flag: &flag,
            value: &value,
            label: &label,
        }
        .visit_expr_mut(expr);
        out.push(syn::parse_quote!(let mut #flag = false;));
        out.push(syn::parse_quote!(let mut #value: #ret = 0.0;));
        if let syn::Stmt::Expr(e, None) = &s {
            // A loop in tail position has type `()` or `!`; it becomes a statement.
            out.push(syn::Stmt::Expr(e.clone(), Some(Default::default())));
        } else {
            out.push(s);
        }
        if endless {
            out.push(syn::parse_quote!(return #value;));
        } else {
            out.push(syn::parse_quote!(if #flag { return #value; }));
        }
    }
    *stmts = out;
}

fn is_loop(e: &syn::Expr) -> bool {
    matches!(
        e,
        syn::Expr::ForLoop(_) | syn::Expr::While(_) | syn::Expr::Loop(_)
    )
}

fn loop_label(e: &syn::Expr) -> Option<&syn::Lifetime> {
    match e {
        syn::Expr::ForLoop(f) => f.label.as_ref().map(|l| &l.name),
        syn::Expr::While(w) => w.label.as_ref().map(|l| &l.name),
        syn::Expr::Loop(l) => l.label.as_ref().map(|l| &l.name),
        _ => None,
    }
}

fn set_label(e: &mut syn::Expr, name: syn::Lifetime) {
    let label = Some(syn::Label {
        name,
        colon_token: Default::default(),
    });
    match e {
        syn::Expr::ForLoop(f) => f.label = label,
        syn::Expr::While(w) => w.label = label,
        syn::Expr::Loop(l) => l.label = label,
        _ => {}
    }
}

/// The `break`s in `body` that leave the loop `body` belongs to (labeled `label`): an unlabeled
/// `break` outside nested loops, or `break 'label`. Returns (any such `break`, one with a value).
fn breaks_out(body: &syn::Block, label: Option<&syn::Lifetime>) -> (bool, bool) {
    struct Find<'l> {
        label: Option<&'l syn::Lifetime>,
        depth: usize,
        any: bool,
        with_value: bool,
    }
    impl<'a> syn::visit::Visit<'a> for Find<'_> {
        fn visit_expr_break(&mut self, b: &'a syn::ExprBreak) {
            let ours = match &b.label {
                Some(l) => Some(l) == self.label,
                None => self.depth == 0,
            };
            self.any |= ours;
            self.with_value |= ours && b.expr.is_some();
            syn::visit::visit_expr_break(self, b);
        }
        fn visit_expr_for_loop(&mut self, e: &'a syn::ExprForLoop) {
            self.depth += 1;
            syn::visit::visit_expr_for_loop(self, e);
            self.depth -= 1;
        }
        fn visit_expr_while(&mut self, e: &'a syn::ExprWhile) {
            self.depth += 1;
            syn::visit::visit_expr_while(self, e);
            self.depth -= 1;
        }
        fn visit_expr_loop(&mut self, e: &'a syn::ExprLoop) {
            self.depth += 1;
            syn::visit::visit_expr_loop(self, e);
            self.depth -= 1;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find {
        label,
        depth: 0,
        any: false,
        with_value: false,
    };
    syn::visit::Visit::visit_block(&mut f, body);
    (f.any, f.with_value)
}

fn contains_return(e: &syn::Expr) -> bool {
    leaves(e, false)
}

/// Whether `e` holds a `return` or a `?` of its own (not of a closure inside it): written in
/// a closure's body, either leaves the closure; moved out of it, the function.
pub(super) fn escapes(e: &syn::Expr) -> bool {
    leaves(e, true)
}

/// Whether `e` holds a `return` of its own, or (with `tries`) a `?`.
fn leaves(e: &syn::Expr, tries: bool) -> bool {
    struct Find {
        found: bool,
        tries: bool,
    }
    impl<'a> syn::visit::Visit<'a> for Find {
        fn visit_expr_return(&mut self, _: &'a syn::ExprReturn) {
            self.found = true;
        }
        fn visit_expr_try(&mut self, t: &'a syn::ExprTry) {
            self.found |= self.tries;
            syn::visit::visit_expr_try(self, t);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find {
        found: false,
        tries,
    };
    syn::visit::Visit::visit_expr(&mut f, e);
    f.found
}

struct Rewrite<'a> {
    flag: &'a syn::Ident,
    value: &'a syn::Ident,
    label: &'a syn::Lifetime,
}

impl VisitMut for Rewrite<'_> {
    /// A `return` statement becomes the three statements (lowering wants `break` as a statement).
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let (flag, value, label) = (self.flag, self.value, self.label);
        let mut out = Vec::with_capacity(b.stmts.len());
        for mut s in std::mem::take(&mut b.stmts) {
            if let syn::Stmt::Expr(syn::Expr::Return(r), _) = &mut s {
                if let Some(v) = &mut r.expr {
                    self.visit_expr_mut(v);
                    out.push(syn::parse_quote!(#value = #v;));
                    out.push(syn::parse_quote!(#flag = true;));
                    out.push(syn::parse_quote!(break #label;));
                    continue;
                }
            }
            self.visit_stmt_mut(&mut s);
            out.push(s);
        }
        b.stmts = out;
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::Return(r) = e {
            let (flag, value, label) = (self.flag, self.value, self.label);
            let v = match &mut r.expr {
                Some(v) => {
                    self.visit_expr_mut(v);
                    v
                }
                None => return,
            };
            *e = syn::parse_quote!({ #value = #v; #flag = true; break #label; });
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Input: the body of a function that gives a vector or writes an output parameter, with
/// `return`s in `if`s of the body (`if c { a; return v; } rest; tail`, `if c { return v; } else {
/// return w; }`, a last `return v;`). Output: the same as branches (`if c { a; v } else { rest;
/// tail }`), so the body gives its result as its last expression; `None` where a `return` is
/// elsewhere (in a loop, a `match`, an expression) or there is none.
pub fn returns_as_branches(item: &syn::ItemFn) -> Option<syn::ItemFn> {
    if !super::exits(&item.block, false) {
        return None;
    }
    let mut stmts = branches(&item.block.stmts)?;
    common_tail(&mut stmts);
    let mut out = item.clone();
    out.block.stmts = stmts;
    (!super::exits(&out.block, false)).then_some(out)
}

/// Input: statements ending in `if c { a; out } else { b; out }` (at any depth of `else if`),
/// every branch giving the same local. Output: `if c { a; } else { b; } out`: the buffer is the
/// value on every path, which an `if` choosing between buffers would not say.
fn common_tail(stmts: &mut Vec<syn::Stmt>) {
    fn tail_name(b: &syn::Block) -> Option<syn::Ident> {
        match b.stmts.last()? {
            syn::Stmt::Expr(syn::Expr::Path(p), None) => p.path.get_ident().cloned(),
            syn::Stmt::Expr(syn::Expr::If(i), None) => if_name(i),
            _ => None,
        }
    }
    fn if_name(i: &syn::ExprIf) -> Option<syn::Ident> {
        let then = tail_name(&i.then_branch)?;
        let els = match &*i.else_branch.as_ref()?.1 {
            syn::Expr::Block(b) => tail_name(&b.block)?,
            syn::Expr::If(i) => if_name(i)?,
            _ => return None,
        };
        (then == els).then_some(then)
    }
    fn strip_block(b: &mut syn::Block) {
        match b.stmts.pop() {
            Some(syn::Stmt::Expr(syn::Expr::If(mut i), None)) => {
                strip_if(&mut i);
                b.stmts.push(syn::Stmt::Expr(syn::Expr::If(i), None));
            }
            Some(syn::Stmt::Expr(syn::Expr::Path(_), None)) | None => {}
            Some(other) => b.stmts.push(other),
        }
    }
    fn strip_if(i: &mut syn::ExprIf) {
        strip_block(&mut i.then_branch);
        if let Some((_, e)) = &mut i.else_branch {
            match &mut **e {
                syn::Expr::Block(b) => strip_block(&mut b.block),
                syn::Expr::If(i) => strip_if(i),
                _ => {}
            }
        }
    }
    let Some(syn::Stmt::Expr(syn::Expr::If(i), None)) = stmts.last_mut() else {
        return;
    };
    let Some(name) = if_name(i) else { return };
    strip_if(i);
    let Some(syn::Stmt::Expr(e, semi)) = stmts.last_mut() else {
        return;
    };
    let _ = e;
    *semi = Some(Default::default());
    stmts.push(syn::Stmt::Expr(syn::parse_quote!(#name), None));
}

/// `stmts` with their `return`s as branches (see [`returns_as_branches`]).
fn branches(stmts: &[syn::Stmt]) -> Option<Vec<syn::Stmt>> {
    let mut out = Vec::new();
    for (k, s) in stmts.iter().enumerate() {
        match s {
            syn::Stmt::Expr(syn::Expr::Return(r), _) => {
                // The rest is unreachable.
                if let Some(v) = &r.expr {
                    out.push(syn::Stmt::Expr((**v).clone(), None));
                }
                return Some(out);
            }
            syn::Stmt::Expr(syn::Expr::If(i), _) if super::exits(&i.then_branch, false) => {
                let then = returning_branch(&i.then_branch)?;
                let els = match &i.else_branch {
                    None => branches(&stmts[k + 1..])?,
                    Some((_, e)) => {
                        // `else if ..`: the block `{ if .. }`.
                        let wrapped: syn::ExprBlock;
                        let b = match &**e {
                            syn::Expr::Block(b) => b,
                            syn::Expr::If(inner) => {
                                wrapped = syn::parse_quote!({ #inner });
                                &wrapped
                            }
                            _ => return None,
                        };
                        // Both branches return: what follows is unreachable.
                        let both = super::exits(&b.block, false)
                            .then(|| returning_branch(&b.block))
                            .flatten();
                        if let Some(both) = both {
                            both
                        } else {
                            let mut els = b.block.stmts.clone();
                            // The branch's last expression is a statement before the rest.
                            if let Some(syn::Stmt::Expr(e, None)) = els.pop() {
                                els.push(syn::Stmt::Expr(e, Some(Default::default())));
                            } else if let Some(last) = b.block.stmts.last() {
                                els.push(last.clone());
                            }
                            if super::exits(&b.block, false) {
                                // Some paths of the branch return (`else if c { return v; }`):
                                // the rest follows the others.
                                els.extend(stmts[k + 1..].iter().cloned());
                                branches(&els)?
                            } else {
                                els.extend(branches(&stmts[k + 1..])?);
                                els
                            }
                        }
                    }
                };
                out.push(if_of(i, then, els));
                return Some(out);
            }
            s => {
                let probe = syn::Block {
                    brace_token: Default::default(),
                    stmts: vec![s.clone()],
                };
                if super::exits(&probe, false) {
                    return None;
                }
                out.push(s.clone());
            }
        }
    }
    Some(out)
}

/// `if cond { then } else { els }` as a statement, the block's value where the branches give one.
fn if_of(i: &syn::ExprIf, then: Vec<syn::Stmt>, els: Vec<syn::Stmt>) -> syn::Stmt {
    let valued = |b: &[syn::Stmt]| matches!(b.last(), Some(syn::Stmt::Expr(_, None)));
    let (cond, attrs) = (&i.cond, &i.attrs);
    let unit = !valued(&then) && !valued(&els);
    let e: syn::Expr = syn::parse_quote!(#(#attrs)* if #cond { #(#then)* } else { #(#els)* });
    syn::Stmt::Expr(e, unit.then(Default::default))
}

/// A branch that returns on every path (`a; return v;`, `a; if c { return v; } else { return w;
/// }`) as one that ends in its value (`a; v`), or `None`.
fn returning_branch(b: &syn::Block) -> Option<Vec<syn::Stmt>> {
    let (last, rest) = b.stmts.split_last()?;
    let probe = syn::Block {
        brace_token: Default::default(),
        stmts: rest.to_vec(),
    };
    if super::exits(&probe, false) {
        return None;
    }
    let mut out = rest.to_vec();
    match last {
        syn::Stmt::Expr(syn::Expr::Return(r), _) => {
            if let Some(v) = &r.expr {
                out.push(syn::Stmt::Expr((**v).clone(), None));
            }
        }
        syn::Stmt::Expr(syn::Expr::If(i), _) => {
            let Some((_, syn::Expr::Block(e))) = i.else_branch.as_ref().map(|(t, e)| (t, &**e))
            else {
                return None;
            };
            let then = returning_branch(&i.then_branch)?;
            let els = returning_branch(&e.block)?;
            out.push(if_of(i, then, els));
        }
        _ => return None,
    }
    Some(out)
}
