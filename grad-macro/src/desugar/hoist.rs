//! Calls that take something out of a local (`stack.pop()`, `seen.insert(k)`, `v.split_off(n)`)
//! where lowering keeps an expression as written (a condition, a scrutinee, a `let .. else`, the
//! value of an assignment): moved into a `let` of their own just before, where lowering can run
//! them once and change the local (`lower::taking`). Kept as written, the call would run
//! again wherever the expression is tested again, and on a copy the expansion cannot change.

use syn::visit_mut::VisitMut;

/// Methods that change their receiver and hand back what they took out or whether they did.
pub const TAKING: &[&str] = &[
    "pop",
    "pop_front",
    "pop_back",
    "remove",
    "swap_remove",
    "split_off",
    "insert",
    "drain",
];

/// Rewrites every block of `block`.
pub(super) fn taking_calls(block: &mut syn::Block) {
    struct Hoist;
    impl VisitMut for Hoist {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, b);
            run_first(b, "taken", hoisted_part);
        }
        // `else if seen.insert(k) { .. }`: `else { let t = seen.insert(k); if t { .. } }`.
        fn visit_expr_if_mut(&mut self, i: &mut syn::ExprIf) {
            syn::visit_mut::visit_expr_if_mut(self, i);
            if let Some((_, e)) = &mut i.else_branch {
                if let syn::Expr::If(inner) = &mut **e {
                    let cond = match &mut *inner.cond {
                        syn::Expr::Let(l) => &mut *l.expr,
                        c => c,
                    };
                    if takes(cond) {
                        let t = crate::naming::fresh("taken");
                        let c = std::mem::replace(cond, syn::parse_quote!(#t));
                        let rest = &*inner;
                        **e = syn::parse_quote!({ let #t = #c; #rest });
                    }
                }
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Hoist.visit_block_mut(block);
}

/// The part of `s` to run first: the value of a `let .. else`, the condition of an `if` (the
/// scrutinee of an `if let`), the scrutinee of a `match` (as statements or a `let`'s value), the
/// value of an assignment to a name
/// (`sum -= buf.pop_front().unwrap();` too).
fn hoisted_part(s: &mut syn::Stmt) -> Option<&mut syn::Expr> {
    // The condition of an `if`, the scrutinee of an `if let` or a `match`.
    fn tested(e: &mut syn::Expr) -> Option<&mut syn::Expr> {
        match e {
            syn::Expr::If(i) => Some(match &mut *i.cond {
                syn::Expr::Let(l) => &mut *l.expr,
                c => c,
            }),
            syn::Expr::Match(m) => Some(&mut *m.expr),
            _ => None,
        }
    }
    let part = match s {
        syn::Stmt::Local(l) => {
            let init = l.init.as_mut()?;
            if init.diverge.is_some() {
                &mut *init.expr
            } else {
                // `let v = if let Some(i) = m.remove(&k) { .. } else { .. };`
                tested(&mut init.expr)?
            }
        }
        syn::Stmt::Expr(e, _) => match e {
            syn::Expr::If(_) | syn::Expr::Match(_) => tested(e)?,
            syn::Expr::Assign(a) if matches!(&*a.left, syn::Expr::Path(_)) => &mut *a.right,
            syn::Expr::Binary(b)
                if matches!(&*b.left, syn::Expr::Path(_))
                    && crate::lower::is_compound_assign(&b.op) =>
            {
                &mut *b.right
            }
            _ => return None,
        },
        _ => return None,
    };
    takes(part).then_some(part)
}

/// Input: `s += match sh { Shape::None => continue, .. };` (or `v[k] = if c { x } else { break
/// };`), in any block. Output: `let T = match sh { .. }; s += T;`: a value that may leave the loop
/// or the function part-way is taken by a `let`, which lowering follows. (Rust runs the right
/// side of an assignment to a float before it reads the place, so running it first is the same
/// where reading the place runs nothing.)
pub(super) fn leaving_values(block: &mut syn::Block) {
    struct Hoist;
    impl VisitMut for Hoist {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, b);
            run_first(b, "value", |s| {
                let value = match s {
                    syn::Stmt::Expr(syn::Expr::Assign(a), Some(_)) if plain_place(&a.left) => {
                        &mut *a.right
                    }
                    syn::Stmt::Expr(syn::Expr::Binary(b), Some(_))
                        if crate::lower::is_compound_assign(&b.op) && plain_place(&b.left) =>
                    {
                        &mut *b.right
                    }
                    _ => return None,
                };
                leaves(value).then_some(value)
            });
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Hoist.visit_block_mut(block);
}

/// Moves the part `part` picks of each statement of `b` into a `let` of its own (named after
/// `what`) just before the statement, which reads the `let`'s name in its place.
fn run_first(b: &mut syn::Block, what: &str, part: fn(&mut syn::Stmt) -> Option<&mut syn::Expr>) {
    let mut out = Vec::with_capacity(b.stmts.len());
    for mut s in std::mem::take(&mut b.stmts) {
        if let Some(expr) = part(&mut s) {
            let t = crate::naming::fresh(what);
            let e = std::mem::replace(expr, syn::parse_quote!(#t));
            out.push(syn::parse_quote!(let #t = #e;));
        }
        out.push(s);
    }
    b.stmts = out;
}

/// A place whose reading runs nothing: a name, its fields, indexed by names and literals.
fn plain_place(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Path(_) | syn::Expr::Lit(_) => true,
        syn::Expr::Field(f) => plain_place(&f.base),
        syn::Expr::Index(ix) => plain_place(&ix.expr) && plain_index(&ix.index),
        syn::Expr::Paren(p) => plain_place(&p.expr),
        syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)) && plain_place(&u.expr),
        _ => false,
    }
}

fn plain_index(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Binary(b) => {
            !crate::lower::is_compound_assign(&b.op)
                && plain_index(&b.left)
                && plain_index(&b.right)
        }
        e => plain_place(e),
    }
}

/// Whether `e` may leave the enclosing loop or function part-way (`break`, `continue`,
/// `return`, a panicking macro), outside closures and loops of its own.
fn leaves(e: &syn::Expr) -> bool {
    struct Find(bool);
    impl<'a> syn::visit::Visit<'a> for Find {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            match e {
                syn::Expr::Break(_) | syn::Expr::Continue(_) | syn::Expr::Return(_) => {
                    self.0 = true;
                }
                syn::Expr::Closure(_)
                | syn::Expr::ForLoop(_)
                | syn::Expr::While(_)
                | syn::Expr::Loop(_) => {}
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find(false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

/// Whether `e` runs a taking call on a local name, where running it first keeps its meaning:
/// not behind `&&`/`||` (which may not run it), not in a closure.
fn takes(e: &syn::Expr) -> bool {
    struct Find {
        found: bool,
        lazy: bool,
    }
    impl<'a> syn::visit::Visit<'a> for Find {
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            let r = super::unparen(&m.receiver);
            if TAKING.iter().any(|n| m.method == n)
                && matches!(r, syn::Expr::Path(p) if p.path.get_ident().is_some())
            {
                self.found = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_bin_op(&mut self, op: &'a syn::BinOp) {
            self.lazy |= matches!(op, syn::BinOp::And(_) | syn::BinOp::Or(_));
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_block(&mut self, _: &'a syn::ExprBlock) {}
        fn visit_macro(&mut self, _: &'a syn::Macro) {}
    }
    let mut f = Find {
        found: false,
        lazy: false,
    };
    syn::visit::Visit::visit_expr(&mut f, e);
    f.found && !f.lazy
}

/// The locals that hold data by their `let`s, as far as their form tells (and none of
/// `floats`): a type that names no float (`let idx: Vec<usize> = ..`), a collection that cannot
/// hold one (`HashSet::new()`), and what a taking call or a copy makes of such a local
/// (`let tail = idx.split_off(n);`, `let rest = tail.clone();`). A copy of one stays data rather
/// than becoming a buffer of floats.
pub(super) fn data_names(
    body: &syn::Block,
    floats: &std::collections::HashSet<String>,
) -> std::collections::HashSet<String> {
    let lets = super::all_lets(body);
    let mut out = std::collections::HashSet::new();
    loop {
        let before = out.len();
        for l in &lets {
            let (pat, ty) = super::pat_and_type(l);
            let (syn::Pat::Ident(pi), Some(init)) = (pat, &l.init) else {
                continue;
            };
            let name = pi.ident.to_string();
            if floats.contains(&name) || out.contains(&name) {
                continue;
            }
            // (A type to infer, `Vec<_>`, says nothing.)
            let typed = ty.is_some_and(|t| {
                matches!(t, syn::Type::Path(_)) && !super::mentions_float_type(t) && !infers(t)
            });
            let set =
                matches!(super::pushes::empty_collection(&init.expr), Some(m) if m.is_empty());
            if typed || set || data_chain(&init.expr, &out) {
                out.insert(name);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Whether `e` copies a local of `data` whole (`tail.clone()`, `.to_vec()`, `.to_owned()`) or
/// is what a taking call takes out of one (`idx.split_off(n)`, `idx.drain(..k).collect()`).
pub(super) fn data_chain(e: &syn::Expr, data: &std::collections::HashSet<String>) -> bool {
    let of_data = |r: &syn::Expr| matches!(r, syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| data.contains(&i.to_string())));
    if let syn::Expr::MethodCall(m) = e {
        if m.args.is_empty()
            && ["clone", "to_vec", "to_owned"]
                .iter()
                .any(|n| m.method == n)
            && of_data(&m.receiver)
        {
            return true;
        }
    }
    let mut at = e;
    while let syn::Expr::MethodCall(m) = at {
        if of_data(&m.receiver) {
            return TAKING.iter().any(|n| m.method == n);
        }
        at = &m.receiver;
    }
    false
}

/// Whether a type leaves a part to infer (`Vec<_>`).
fn infers(t: &syn::Type) -> bool {
    struct Infer(bool);
    impl<'a> syn::visit::Visit<'a> for Infer {
        fn visit_type_infer(&mut self, _: &'a syn::TypeInfer) {
            self.0 = true;
        }
    }
    let mut i = Infer(false);
    syn::visit::Visit::visit_type(&mut i, t);
    i.0
}

/// Input: a statement that iterates a row of a parameter of rows that are data
/// (`s += ws[i].iter().map(|v| v * x).sum::<f64>();`, `ws` left out of `wrt`), where the
/// statement evaluates it once. Output: `let R = &ws[i];`, to run before the statement, which
/// now iterates `R`: a named row, which lowering reads like any slice of data.
pub(super) fn data_row_iter(
    s: &mut syn::Stmt,
    data_params: &std::collections::HashSet<String>,
) -> Option<syn::Stmt> {
    let expr = match s {
        syn::Stmt::Local(l) => &mut l.init.as_mut()?.expr,
        syn::Stmt::Expr(e, Some(_)) => e,
        // A block's value (`ws[0].iter().map(..).sum()` last): the row is named before it.
        syn::Stmt::Expr(e, None) if !control_flow(e) => e,
        _ => return None,
    };
    let name = crate::naming::fresh("row");
    let row = super::vector_calls::first_evaluated_once(expr, &mut |e| {
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        let syn::Expr::Index(ix) = &*m.receiver else {
            return None;
        };
        let of_data = matches!(&*ix.expr, syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| data_params.contains(&i.to_string())));
        if m.method != "iter"
            || !m.args.is_empty()
            || !of_data
            || matches!(&*ix.index, syn::Expr::Range(_))
        {
            return None;
        }
        let row = std::mem::replace(&mut *m.receiver, syn::parse_quote!(#name));
        Some(syn::parse_quote!(&#row))
    })?;
    Some(syn::parse_quote!(let #name = #row;))
}

/// Input: a statement that reduces a chain starting with `std::iter::once(a)` (`once(a).chain(x
/// .iter().copied()).map(|v| v * v).sum::<f64>()`, a pre-emphasis filter's energy), where the
/// statement evaluates it once. Output: `let C: Vec<T> = once(a).chain(..).collect();`, to run
/// before the statement, which now reduces `C.iter().copied()`: the collected concatenation is a
/// buffer lowering follows (see `iterators::chained_collect_let`). `float`: the function's float
/// type, which the items are.
pub(super) fn once_chain(s: &mut syn::Stmt, float: Option<&syn::Type>) -> Option<syn::Stmt> {
    let float = float?;
    let expr = match s {
        syn::Stmt::Local(l) => &mut l.init.as_mut()?.expr,
        syn::Stmt::Expr(e, _) => e,
        _ => return None,
    };
    let name = crate::naming::fresh("chained");
    let chain = super::vector_calls::first_evaluated_once(expr, &mut |e| {
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        if m.method == "chain" || m.method == "collect" || !starts_with_once(&m.receiver) {
            return None;
        }
        Some(std::mem::replace(
            &mut *m.receiver,
            syn::parse_quote!(#name.iter().copied()),
        ))
    })?;
    Some(syn::parse_quote!(let #name: ::std::vec::Vec<#float> = #chain.collect();))
}

/// Whether `e` is `once(a).chain(..)` (`std::iter::once`, more `chain`s after it).
fn starts_with_once(e: &syn::Expr) -> bool {
    let syn::Expr::MethodCall(m) = e else {
        return false;
    };
    if m.method != "chain" || m.args.len() != 1 {
        return false;
    }
    match &*m.receiver {
        syn::Expr::Call(c) => {
            c.args.len() == 1
                && matches!(&*c.func, syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "once"))
        }
        r => starts_with_once(r),
    }
}

/// Whether `e` is a statement of control flow (its inner blocks are evaluated some number of
/// times, not once).
fn control_flow(e: &syn::Expr) -> bool {
    matches!(
        e,
        syn::Expr::If(_)
            | syn::Expr::ForLoop(_)
            | syn::Expr::While(_)
            | syn::Expr::Loop(_)
            | syn::Expr::Match(_)
            | syn::Expr::Block(_)
            | syn::Expr::Unsafe(_)
    )
}

/// Input: a statement that reads an element chosen by `min_by`/`max_by` over items that are not
/// floats, of a collection `of` accepts (`let far = CODEBOOK.iter().max_by(..).unwrap()[1];`,
/// see `iterators::extremum_let`), where the statement evaluates it once. Output: `let P =
/// CODEBOOK.iter().max_by(..).unwrap();`, to run before the statement, which now reads `P`.
pub(super) fn extremum(s: &mut syn::Stmt, of: &dyn Fn(&syn::Expr) -> bool) -> Option<syn::Stmt> {
    let expr = match s {
        syn::Stmt::Local(l) => &mut l.init.as_mut()?.expr,
        syn::Stmt::Expr(e, Some(_)) => e,
        syn::Stmt::Expr(e, None) if !control_flow(e) => e,
        _ => return None,
    };
    let name = crate::naming::fresh("extremum");
    let picked = super::vector_calls::first_evaluated_once(expr, &mut |e| {
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        let (x, _) = super::iterators::position_of_extremum(m)?;
        if !of(&x) {
            return None;
        }
        Some(std::mem::replace(e, syn::parse_quote!(#name)))
    })?;
    Some(syn::parse_quote!(let #name = #picked;))
}

/// Input: `for i in A..B { .. }` whose bound changes a local (`0..({ n += 1; n })`) or runs an
/// iterator (`0..x.iter().filter(|v| **v > 0.5).count()`, which lowering takes in a `let`).
/// Output: `let S = A; let E = B; for i in S..E { .. }`: the bounds run once, before the loop, as
/// Rust runs them, and the loop's range reads names.
pub(super) fn range_bounds(s: &mut syn::Stmt) -> Option<Vec<syn::Stmt>> {
    let syn::Stmt::Expr(syn::Expr::ForLoop(f), _) = s else {
        return None;
    };
    let syn::Expr::Range(r) = crate::desugar::unparen(&f.expr) else {
        return None;
    };
    let changes = |b: &Option<Box<syn::Expr>>| {
        b.as_ref()
            .is_some_and(|b| crate::lower::changes_locals(b) || runs_iterator(b))
    };
    if !changes(&r.start) && !changes(&r.end) {
        return None;
    }
    let mut r = r.clone();
    let mut out = Vec::new();
    for (bound, what) in [(&mut r.start, "start"), (&mut r.end, "end")] {
        if let Some(b) = bound {
            let name = crate::naming::fresh(what);
            out.push(syn::parse_quote!(let #name = #b;));
            **b = syn::parse_quote!(#name);
        }
    }
    *f.expr = syn::Expr::Range(r);
    out.push(s.clone());
    Some(out)
}

/// Whether `e` runs an iterator to its end: a closure or a consuming adapter in it.
fn runs_iterator(e: &syn::Expr) -> bool {
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {
            self.0 = true;
        }
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            const CONSUMING: &[&str] = &["count", "sum", "product", "fold", "position", "last"];
            self.0 |= CONSUMING.iter().any(|c| m.method == c);
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

/// Input: `let v = vec![a, x.iter().fold(..).1, b];` (or an array `[..]`), a list whose
/// elements hold a closure. Output: each element not a name or a literal first bound in turn
/// (`let E1 = x.iter().fold(..).1;`, typed by the list's element type where the `let` writes
/// it), the list made of those names: the reductions inside are then the `let`s that every
/// rewrite reads.
pub fn closure_elements(body: &mut syn::Block) {
    super::each_block_inner_first(body, |b| {
        let mut k = 0;
        while k < b.stmts.len() {
            let syn::Stmt::Local(l) = &mut b.stmts[k] else {
                k += 1;
                continue;
            };
            let elem_ty = match &l.pat {
                syn::Pat::Type(pt) => match &*pt.ty {
                    syn::Type::Array(a) => Some((*a.elem).clone()),
                    t => crate::rows::vec_elem(t).cloned(),
                },
                _ => None,
            }
            .filter(|t| crate::sig::float_of(t).is_some());
            let Some(init) = l.init.as_mut().filter(|i| i.diverge.is_none()) else {
                k += 1;
                continue;
            };
            let lets = match &mut *init.expr {
                syn::Expr::Array(a) => bind_elements(a.elems.iter_mut(), elem_ty.as_ref()),
                syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                    let Ok(mut elems) = m.mac.parse_body_with(
                        syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
                    ) else {
                        k += 1;
                        continue;
                    };
                    let lets = bind_elements(elems.iter_mut(), elem_ty.as_ref());
                    if !lets.is_empty() {
                        m.mac.tokens = quote::quote!(#elems);
                    }
                    lets
                }
                _ => Vec::new(),
            };
            let n = lets.len();
            b.stmts.splice(k..k, lets);
            k += n + 1;
        }
    });
}

/// The `let`s of [`closure_elements`] for `elems`, each bound element replaced by its name; none
/// where no element holds a closure.
fn bind_elements<'a>(
    elems: impl Iterator<Item = &'a mut syn::Expr>,
    ty: Option<&syn::Type>,
) -> Vec<syn::Stmt> {
    // (Rows written out, `[[a, b], ..]`, `vec![(a, b), ..]`, stay: lists of rows are read as
    // written.)
    // (Also one made by a method that gives a sequence, `x.iter().map(..).collect()`.)
    let row = |e: &syn::Expr| match super::unparen(e) {
        syn::Expr::Array(_) | syn::Expr::Repeat(_) | syn::Expr::Tuple(_) | syn::Expr::Macro(_) => {
            true
        }
        syn::Expr::MethodCall(m) => [
            "collect", "to_vec", "to_owned", "clone", "concat", "into", "iter", "map", "rev",
        ]
        .iter()
        .any(|n| m.method == n),
        _ => false,
    };
    let mut elems: Vec<&mut syn::Expr> = elems.collect();
    if elems.iter().any(|e| row(e)) || !elems.iter().any(|e| holds_closure(e)) {
        return Vec::new();
    }
    let ty = ty.map(|t| quote::quote!(: #t));
    let mut lets = Vec::new();
    for e in &mut elems {
        if matches!(super::unparen(e), syn::Expr::Lit(_) | syn::Expr::Path(_)) {
            continue;
        }
        let name = crate::naming::fresh("elem");
        let value = &**e;
        lets.push(syn::parse_quote!(let #name #ty = #value;));
        **e = syn::parse_quote!(#name);
    }
    lets
}

/// Whether `e` holds a closure.
fn holds_closure(e: &syn::Expr) -> bool {
    struct Find(bool);
    impl<'a> syn::visit::Visit<'a> for Find {
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {
            self.0 = true;
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find(false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}
