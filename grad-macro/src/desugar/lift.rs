//! Blocks whose value is a sequence or an array, lifted into the statements around them:
//! `({ let ids = ids; let v: Vec<f64> = ..; v }).iter()` (a closure that builds a `Vec`, inlined
//! where it is iterated), `let p = { let b = 3 * i; [x[b], x[b + 1]] };`, `let v: Vec<f64> = { let
//! mut acc = vec![0.0; n]; ..; acc.iter().map(..).collect() };`, and arrays iterated where they are
//! written (`[x, y].into_iter()`). Lowering follows buffers, parts and arrays bound by statements of
//! the body; inside a block's value or as a receiver it cannot.

use syn::visit::Visit;

/// Input: a block. Output: the same block, where a statement reads (in a place evaluated every
/// time the statement runs) a block `{ stmts; tail }` that is iterated, or whose `tail` is an
/// array, a reference or a collected `Vec`, as `stmts` (their names made fresh) before it and
/// `tail` in the block's place. Only blocks that cannot tell the difference are lifted: no jump
/// out of them, no write to a name they do not declare, no item or macro statement. Whether any
/// was.
pub fn lift_blocks(b: &mut syn::Block) -> bool {
    let mut any = false;
    let mut k = 0;
    while k < b.stmts.len() {
        // (A block that leaves the loop made by a rewrite: see `leaving_let`.)
        let placeholder = syn::Stmt::Item(syn::Item::Verbatim(proc_macro2::TokenStream::new()));
        let (mut lifted, s) = leaving_let(std::mem::replace(&mut b.stmts[k], placeholder));
        let split = !lifted.is_empty();
        b.stmts[k] = s;
        match &mut b.stmts[k] {
            syn::Stmt::Local(l) => {
                if let Some(init) = &mut l.init {
                    // (`let Some(h) = ratio(x, y) else { .. };`: the value, an `Option` a
                    // helper gives, is computed first.)
                    if init.diverge.is_some() && inlined_option(&init.expr) {
                        walk(&mut init.expr, false, Some(&[]), &mut lifted);
                    } else if init.diverge.is_none() {
                        // `let v = ({ ..; a.iter().sum() });` (a closure inlined where it is
                        // called): the block's statements before the `let`, whatever its value.
                        // (Not a block the user wrote, whose closures would move with it.)
                        let whole = matches!(&*init.expr, syn::Expr::Paren(p) if matches!(&*p.expr, syn::Expr::Block(_)));
                        walk(&mut init.expr, whole, Some(&[]), &mut lifted);
                    }
                }
                if let syn::Stmt::Local(l) = &b.stmts[k] {
                    if let Some(merged) = merged_let(l, lifted.last()) {
                        lifted.pop();
                        b.stmts[k] = merged;
                    }
                }
            }
            syn::Stmt::Expr(e, _) => walk(e, false, Some(&[]), &mut lifted),
            _ => {}
        }
        // (`let m = if c { t } else { continue };` left: `let m; if c { m = t; } else {
        // continue; }`, as the body's own are.)
        if let Some(two) = split
            .then(|| super::normal::returning_match_let(&b.stmts[k]))
            .flatten()
        {
            b.stmts.splice(k..=k, two);
        }
        if lifted.is_empty() {
            k += 1;
        } else {
            // The lifted statements are looked at in turn (a block may hold another).
            b.stmts.splice(k..k, lifted);
            any = true;
        }
    }
    any
}

/// `let p = n;` after a lifted block's last statement `let n: Option<T> = e;` (its value, a
/// name the block declared last): `let p: Option<T> = e;`, one `let` (an `Option` is followed
/// by its `let`, not through a copy).
fn merged_let(alias: &syn::Local, last: Option<&syn::Stmt>) -> Option<syn::Stmt> {
    let (p, p_ty, init) = super::plain_let(alias)?;
    let syn::Expr::Path(path) = init else {
        return None;
    };
    let n = path.path.get_ident()?;
    let Some(syn::Stmt::Local(inner)) = last else {
        return None;
    };
    let (q, q_ty, value) = super::plain_let(inner)?;
    if q.ident != *n || !q_ty.is_some_and(super::options::is_option) {
        return None;
    }
    let ty = p_ty.or(q_ty);
    let (m, id) = (&p.mutability, &p.ident);
    Some(match ty {
        Some(t) => syn::parse_quote!(let #m #id: #t = #value;),
        None => syn::parse_quote!(let #m #id = #value;),
    })
}

/// Lifts the blocks of `e` that are evaluated whenever `e` is, in the order they are evaluated;
/// `iterated`: `e` is a receiver of a method of sequences or a `for` loop's sequence; `lead`:
/// where the statement runs `e` first of all but for these operands (`Some(&[])`: first; `None`:
/// after parts of it not followed here).
fn walk(e: &mut syn::Expr, iterated: bool, lead: Option<&[syn::Expr]>, out: &mut Vec<syn::Stmt>) {
    match e {
        syn::Expr::Block(b) => {
            if let Some((stmts, tail)) = liftable(b, iterated, lead) {
                out.extend(stmts);
                // In parentheses only where the value is an operation (`(a * b).iter()`).
                *e = if atomic(&tail) || matches!(tail, syn::Expr::Block(_)) {
                    tail
                } else {
                    syn::parse_quote!((#tail))
                };
                // `{ let i = a; { let b = ..; [..] } }`: the inner block in turn.
                walk(e, iterated, lead, out);
            }
        }
        syn::Expr::Paren(p) => {
            let before = out.len();
            walk(&mut p.expr, iterated, lead, out);
            // `({ ..; [a, b] })` (an inlined closure) is the array itself once lifted.
            if out.len() > before && atomic(&p.expr) {
                *e = (*p.expr).clone();
            }
        }
        syn::Expr::Reference(r) => walk(&mut r.expr, false, None, out),
        syn::Expr::Unary(u) => walk(&mut u.expr, false, lead, out),
        syn::Expr::Cast(c) => walk(&mut c.expr, false, lead, out),
        syn::Expr::Field(f) => walk(&mut f.base, false, None, out),
        // `[x, y * 2.0].iter()`: the array bound to a name of its own, which lowering follows.
        syn::Expr::MethodCall(m) if matches!(&*m.receiver, syn::Expr::Array(a) if !a.elems.is_empty()) =>
        {
            let arr = crate::naming::fresh("array");
            let value = &m.receiver;
            out.push(syn::parse_quote!(let #arr = #value;));
            *m.receiver = syn::parse_quote!(#arr);
            // Its elements, and the arguments, in turn.
            walk(e, false, None, out);
        }
        syn::Expr::MethodCall(m) => {
            // The receiver of a method of sequences (not `(..).powi(2)` of a float).
            const OF_SEQUENCES: &[&str] = &[
                "iter",
                "into_iter",
                "len",
                "is_empty",
                "windows",
                "chunks",
                "chunks_exact",
                "first",
                "last",
                "get",
                "as_slice",
                "to_vec",
            ];
            let iterated = OF_SEQUENCES.iter().any(|n| m.method == n);
            walk(&mut m.receiver, iterated, None, out);
            // `a.iter().zip(B)`, `a.chain(B)`: `B` is iterated.
            let iterates = m.method == "zip" || m.method == "chain";
            for a in &mut m.args {
                walk(a, iterates, None, out);
            }
        }
        syn::Expr::Call(c) => {
            for a in &mut c.args {
                walk(a, false, None, out);
            }
        }
        syn::Expr::Binary(bin) => {
            walk(&mut bin.left, false, lead, out);
            // The right side of `&&` and `||` runs only on some paths.
            if !matches!(bin.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) {
                let before: Option<Vec<syn::Expr>> =
                    lead.map(|l| l.iter().cloned().chain([(*bin.left).clone()]).collect());
                walk(&mut bin.right, false, before.as_deref(), out);
            }
        }
        // `[a, b][k]` (an array accessor's value, indexed): the array bound to a name.
        syn::Expr::Index(ix) if matches!(super::unparen(&ix.expr), syn::Expr::Array(a) if !a.elems.is_empty()) =>
        {
            let arr = crate::naming::fresh("array");
            let value = super::unparen(&ix.expr).clone();
            out.push(syn::parse_quote!(let #arr = #value;));
            *ix.expr = syn::parse_quote!(#arr);
            walk(e, false, None, out);
        }
        syn::Expr::Index(ix) => {
            walk(&mut ix.expr, false, None, out);
            walk(&mut ix.index, false, None, out);
        }
        syn::Expr::Tuple(t) => t.elems.iter_mut().for_each(|x| walk(x, false, None, out)),
        syn::Expr::Array(a) => a.elems.iter_mut().for_each(|x| walk(x, false, None, out)),
        // (The value is evaluated before the place it goes to.)
        syn::Expr::Assign(a) => walk(&mut a.right, false, lead, out),
        syn::Expr::Return(r) => {
            if let Some(x) = &mut r.expr {
                walk(x, false, None, out);
            }
        }
        syn::Expr::Break(b) => {
            if let Some(x) = &mut b.expr {
                walk(x, false, None, out);
            }
        }
        syn::Expr::ForLoop(f) => walk(&mut f.expr, true, None, out),
        // `if let Some(r) = ratio(x, y) { .. }`, `match ratio(x, y) { .. }`: the scrutinee is
        // computed first.
        syn::Expr::If(i) => {
            if let syn::Expr::Let(l) = &mut *i.cond {
                if inlined_option(&l.expr) {
                    walk(&mut l.expr, false, lead, out);
                }
            }
        }
        syn::Expr::Match(m) if inlined_option(&m.expr) => walk(&mut m.expr, false, lead, out),
        _ => {}
    }
}

/// A value that needs no parentheses as a receiver or an operand.
fn atomic(e: &syn::Expr) -> bool {
    matches!(
        e,
        syn::Expr::Path(_)
            | syn::Expr::MethodCall(_)
            | syn::Expr::Call(_)
            | syn::Expr::Index(_)
            | syn::Expr::Field(_)
            | syn::Expr::Paren(_)
            | syn::Expr::Array(_)
            | syn::Expr::Macro(_)
            | syn::Expr::Lit(_)
            | syn::Expr::Tuple(_)
    )
}

/// The statements and the value of block `b`, its names made fresh, when it may be lifted.
///
/// A block that changes the length of a vector it does not declare (a helper clearing the
/// buffer it is lent and pushing into it, inlined where it is called) is lifted whatever its
/// value and whatever else it writes, where the statement runs it first (no operand of `lead`
/// reads what it writes): lowering follows pushes in the block that declares the vector.
fn liftable(
    b: &syn::ExprBlock,
    iterated: bool,
    lead: Option<&[syn::Expr]>,
) -> Option<(Vec<syn::Stmt>, syn::Expr)> {
    if b.label.is_some() || !b.attrs.is_empty() || b.block.stmts.is_empty() {
        return None;
    }
    let Some(syn::Stmt::Expr(tail, None)) = b.block.stmts.last() else {
        return None;
    };
    let resized = lead.and_then(|_| resizes_outer(&b.block));
    if !iterated
        && !sequence_value(tail)
        && !option_tail(&b.block)
        && !inlined_option(tail)
        && resized.is_none()
    {
        return None;
    }
    let mut declared = Vec::new();
    if !plain_stmts(&b.block) {
        return None;
    }
    let (writes, jumps) = scanned(&b.block, &mut declared);
    let outer = |w: &syn::Ident| !declared.contains(w);
    if jumps || (writes.iter().any(outer) && resized.is_none()) {
        return None;
    }
    if let (Some(l), true) = (lead, resized.is_some()) {
        let read_before = writes
            .iter()
            .filter(|w| outer(w))
            .any(|w| l.iter().any(|e| super::mentions(&quote::quote!(#e), w)));
        if read_before {
            return None;
        }
    }
    apart(&b.block)
}

/// Whether `b` holds `let`s (without `else`) and expressions only: no item, no macro statement.
fn plain_stmts(b: &syn::Block) -> bool {
    b.stmts.iter().all(|s| match s {
        syn::Stmt::Local(l) => l.init.as_ref().is_none_or(|i| i.diverge.is_none()),
        syn::Stmt::Expr(..) => true,
        _ => false,
    })
}

/// The names `b` writes and whether it jumps out of itself (see [`Scan`]); the names it declares
/// added to `declared`.
fn scanned(b: &syn::Block, declared: &mut Vec<syn::Ident>) -> (Vec<syn::Ident>, bool) {
    let mut scan = Scan {
        declared,
        writes: Vec::new(),
        loops: 0,
        labels: Vec::new(),
        jumps: false,
    };
    scan.visit_block(b);
    (scan.writes, scan.jumps)
}

/// The statements of `b` (the names they declare made fresh, as the statements after them may
/// declare them again) and its value.
fn apart(b: &syn::Block) -> Option<(Vec<syn::Stmt>, syn::Expr)> {
    let mut stmts = b.stmts.clone();
    let mut top = Vec::new();
    for s in &stmts {
        if let syn::Stmt::Local(l) = s {
            crate::lower::collect_pat_idents(&l.pat, &mut top);
        }
    }
    top.dedup();
    for n in &top {
        if !super::sub_slices::unshadow(&mut stmts, n) {
            return None;
        }
    }
    let Some(syn::Stmt::Expr(tail, None)) = stmts.pop() else {
        return None;
    };
    Some((stmts, tail))
}

/// Input: `let m = { let t = ..; if c { t } else { continue } };` (a block with statements that
/// leaves the loop or the function on some path). Output: the block's statements (their names
/// made fresh) and `let m = if c { t } else { continue };`: the block runs whole before the
/// `let`, and its jumps become statements of the loop's body, which lowering takes. Any other
/// statement is given back as it is, with no statements before it.
pub(super) fn leaving_let(s: syn::Stmt) -> (Vec<syn::Stmt>, syn::Stmt) {
    let syn::Stmt::Local(mut l) = s else {
        return (Vec::new(), s);
    };
    let Some(init) = l.init.as_mut().filter(|i| i.diverge.is_none()) else {
        return (Vec::new(), syn::Stmt::Local(l));
    };
    match leaving(&init.expr) {
        Some((stmts, tail)) => {
            *init.expr = tail;
            (stmts, syn::Stmt::Local(l))
        }
        None => (Vec::new(), syn::Stmt::Local(l)),
    }
}

/// The statements and the value of `e`, a block with statements that leaves the loop around it
/// (`break`, `continue`) or the function (`return`), its names made fresh; `None` for any other.
fn leaving(e: &syn::Expr) -> Option<(Vec<syn::Stmt>, syn::Expr)> {
    let syn::Expr::Block(b) = e else {
        return None;
    };
    if b.label.is_some() || !b.attrs.is_empty() || b.block.stmts.len() < 2 {
        return None;
    }
    if !matches!(b.block.stmts.last(), Some(syn::Stmt::Expr(_, None))) || !plain_stmts(&b.block) {
        return None;
    }
    if !scanned(&b.block, &mut Vec::new()).1 {
        return None;
    }
    apart(&b.block)
}

/// Whether `e` is a helper giving an `Option`, inlined (see [`option_tail`]), or an inlined
/// block whose value is one (`({ let z = v; ({ ..; r }) })`: a closure giving a helper's
/// `Option`, both inlined).
fn inlined_option(e: &syn::Expr) -> bool {
    let syn::Expr::Paren(p) = e else {
        return false;
    };
    let syn::Expr::Block(b) = &*p.expr else {
        return false;
    };
    option_tail(&b.block)
        || matches!(b.block.stmts.last(), Some(syn::Stmt::Expr(tail, None)) if inlined_option(tail))
}

/// Whether `e` holds, outside closures of its own, a helper giving an `Option`, inlined.
pub fn holds_inlined_option(e: &syn::Expr) -> bool {
    struct Find(bool);
    impl<'a> Visit<'a> for Find {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            self.0 |= inlined_option(e);
            if !self.0 {
                syn::visit::visit_expr(self, e);
            }
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find(false);
    f.visit_expr(e);
    f.0
}

/// Whether `b`'s value is a local it declares as an `Option` (`{ let r: Option<f64> = ..; r }`,
/// a helper giving an `Option` inlined): what `options` rewrites where a statement binds it.
fn option_tail(b: &syn::Block) -> bool {
    let Some(syn::Stmt::Expr(syn::Expr::Path(p), None)) = b.stmts.last() else {
        return false;
    };
    let Some(n) = p.path.get_ident() else {
        return false;
    };
    b.stmts.iter().any(|s| match s {
        syn::Stmt::Local(l) => {
            matches!(super::pat_and_type(l), (syn::Pat::Ident(pi), Some(t))
            if pi.ident == *n && super::options::is_option(t))
        }
        _ => false,
    })
}

/// A value lowering follows when a statement binds it, not inside a block: an array, a reference
/// (a part, an element), a collected or copied `Vec`.
fn sequence_value(e: &syn::Expr) -> bool {
    match super::unparen(e) {
        syn::Expr::Array(_) | syn::Expr::Reference(_) => true,
        syn::Expr::Macro(m) => m.mac.path.is_ident("vec"),
        syn::Expr::MethodCall(m) => m.method == "collect" || m.method == "to_vec",
        // `{ let i = a; { let b = 3 * i; [..] } }`, as a closure's block body is inlined.
        syn::Expr::Block(b) if b.label.is_none() => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => sequence_value(tail),
            _ => false,
        },
        _ => false,
    }
}

/// The names a block declares and writes, and whether it jumps out of itself.
struct Scan<'a> {
    declared: &'a mut Vec<syn::Ident>,
    writes: Vec<syn::Ident>,
    loops: usize,
    /// The labels of the loops and blocks around the expression visited, inside the block.
    labels: Vec<syn::Lifetime>,
    jumps: bool,
}

impl Scan<'_> {
    /// `visit` inside a loop of the block (its label, if any, one of the block's own).
    fn in_loop(&mut self, label: Option<&syn::Label>, visit: impl FnOnce(&mut Self)) {
        self.loops += 1;
        self.labels.extend(label.map(|l| l.name.clone()));
        visit(self);
        self.labels
            .truncate(self.labels.len() - usize::from(label.is_some()));
        self.loops -= 1;
    }

    fn written(&mut self, e: &syn::Expr) {
        let mut e = e;
        loop {
            match e {
                syn::Expr::Index(ix) => e = &ix.expr,
                syn::Expr::Field(f) => e = &f.base,
                syn::Expr::Paren(p) => e = &p.expr,
                syn::Expr::Unary(u) => e = &u.expr,
                syn::Expr::Path(p) => {
                    if let Some(i) = p.path.get_ident() {
                        self.writes.push(i.clone());
                    }
                    return;
                }
                // A write through something else (a call's result): not lifted.
                _ => {
                    self.jumps = true;
                    return;
                }
            }
        }
    }
}

impl<'a> Visit<'a> for Scan<'_> {
    fn visit_pat_ident(&mut self, i: &'a syn::PatIdent) {
        self.declared.push(i.ident.clone());
        syn::visit::visit_pat_ident(self, i);
    }
    fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
        self.written(&a.left);
        syn::visit::visit_expr_assign(self, a);
    }
    fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
        if crate::lower::is_compound_assign(&b.op) {
            self.written(&b.left);
        }
        syn::visit::visit_expr_binary(self, b);
    }
    fn visit_expr_reference(&mut self, r: &'a syn::ExprReference) {
        if r.mutability.is_some() {
            self.written(&r.expr);
        }
        syn::visit::visit_expr_reference(self, r);
    }
    fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
        if crate::parallel::mutates(&m.method.to_string()) {
            self.written(&m.receiver);
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_return(&mut self, _: &'a syn::ExprReturn) {
        self.jumps = true;
    }
    fn visit_expr_try(&mut self, _: &'a syn::ExprTry) {
        self.jumps = true;
    }
    fn visit_expr_break(&mut self, b: &'a syn::ExprBreak) {
        // (To a label of the block's own: `'R: loop { .. break 'R v; }`, a helper returning
        // early, inlined.)
        let outer = b.label.as_ref().is_some_and(|l| !self.labels.contains(l));
        let unlabeled_out = b.label.is_none() && self.loops == 0;
        self.jumps |= outer || unlabeled_out;
        syn::visit::visit_expr_break(self, b);
    }
    fn visit_expr_continue(&mut self, c: &'a syn::ExprContinue) {
        let outer = c.label.as_ref().is_some_and(|l| !self.labels.contains(l));
        self.jumps |= outer || (c.label.is_none() && self.loops == 0);
    }
    fn visit_expr_for_loop(&mut self, l: &'a syn::ExprForLoop) {
        self.in_loop(l.label.as_ref(), |s| syn::visit::visit_expr_for_loop(s, l));
    }
    fn visit_expr_while(&mut self, l: &'a syn::ExprWhile) {
        self.in_loop(l.label.as_ref(), |s| syn::visit::visit_expr_while(s, l));
    }
    fn visit_expr_loop(&mut self, l: &'a syn::ExprLoop) {
        self.in_loop(l.label.as_ref(), |s| syn::visit::visit_expr_loop(s, l));
    }
    fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
        // A closure's `return` is its own.
        let jumps = self.jumps;
        syn::visit::visit_expr_closure(self, c);
        self.jumps = jumps;
    }
    fn visit_macro(&mut self, _: &'a syn::Macro) {
        // `vec![..]` reads; other macros are not lifted (their tokens are not renamed).
    }
    fn visit_item(&mut self, _: &'a syn::Item) {
        self.jumps = true;
    }
}

/// The first vector that `b` changes the length of (`v.clear()`, `v.push(..)`, ..) and does not
/// declare.
fn resizes_outer(b: &syn::Block) -> Option<syn::Ident> {
    const RESIZING: &[&str] = &[
        "push",
        "clear",
        "resize",
        "truncate",
        "extend",
        "extend_from_slice",
    ];
    struct Find {
        declared: Vec<syn::Ident>,
        found: Vec<syn::Ident>,
        /// `let buf = &mut v;` (a parameter of an inlined helper): `buf` stands for `v`.
        lent: Vec<syn::Ident>,
    }
    impl<'a> Visit<'a> for Find {
        fn visit_local(&mut self, l: &'a syn::Local) {
            let by_mut = l.init.as_ref().is_some_and(|i| {
                matches!(super::unparen(&i.expr), syn::Expr::Reference(r) if r.mutability.is_some())
            });
            if let (true, syn::Pat::Ident(pi)) = (by_mut, super::pat_and_type(l).0) {
                self.lent.push(pi.ident.clone());
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_pat_ident(&mut self, i: &'a syn::PatIdent) {
            self.declared.push(i.ident.clone());
            syn::visit::visit_pat_ident(self, i);
        }
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            if RESIZING.iter().any(|r| m.method == r) {
                if let syn::Expr::Path(p) = &*m.receiver {
                    if let Some(i) = p.path.get_ident() {
                        self.found.push(i.clone());
                    }
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find {
        declared: Vec::new(),
        found: Vec::new(),
        lent: Vec::new(),
    };
    f.visit_block(b);
    f.found
        .into_iter()
        .find(|n| !f.declared.contains(n) || f.lent.contains(n))
}
