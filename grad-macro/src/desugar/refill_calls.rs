//! Calls of a helper that refills a `Vec` it is lent (`buf.clear(); .. buf.push(..)`) inside
//! an expression: `y = 0.5 * fill(xs, a, &mut buf);`. Such a helper is followed by inlining it
//! where it is a statement or a `let` of its own (see `in_out::resizes_lent_vec`), so the call
//! is taken out first, into a `let` just before the statement, when that computes the same:
//! the call is evaluated on every run of the statement and before anything of it that reads
//! what the call is lent.

use proc_macro2::Ident;
use quote::ToTokens;
use syn::visit::Visit;

/// Input: a body whose nested functions (helpers of the module copied in) include ones that
/// refill a `Vec` they are lent, called inside expressions. Output: each such call that is
/// evaluated first in its statement as `let T: RET = call;` before the statement, which reads
/// `T` in its place.
pub fn hoist(body: &mut syn::Block) {
    let helpers: Vec<(Ident, syn::Type)> = body
        .stmts
        .iter()
        .filter_map(|s| match s {
            syn::Stmt::Item(syn::Item::Fn(f)) if crate::in_out::resizes_lent_vec(f) => {
                match &f.sig.output {
                    syn::ReturnType::Type(_, ty) => Some((f.sig.ident.clone(), (**ty).clone())),
                    syn::ReturnType::Default => None,
                }
            }
            _ => None,
        })
        .collect();
    if helpers.is_empty() {
        return;
    }
    super::each_block_inner_first(body, |b| {
        let mut out = Vec::with_capacity(b.stmts.len());
        for mut s in std::mem::take(&mut b.stmts) {
            // (One call at a time: a statement may hold several.)
            while let Some((temp, ty, call)) = take_call(&mut s, &helpers) {
                out.push(syn::parse_quote!(let #temp: #ty = #call;));
            }
            out.push(s);
        }
        b.stmts = out;
    });
}

/// The first call of one of `helpers` in `s` to take out (not the whole statement or the whole
/// value of its `let`), replaced by a fresh name: the name, the helper's return type, and the
/// call.
fn take_call(
    s: &mut syn::Stmt,
    helpers: &[(Ident, syn::Type)],
) -> Option<(Ident, syn::Type, syn::Expr)> {
    let root: &mut syn::Expr = match s {
        syn::Stmt::Local(syn::Local {
            init: Some(init), ..
        }) if init.diverge.is_none() => &mut init.expr,
        syn::Stmt::Expr(e, _) => e,
        _ => return None,
    };
    if is_call_of(root, helpers).is_some() {
        return None;
    }
    // (`x = call(..)`, `x += call(..)`: the value is the whole right side already.)
    if let syn::Expr::Assign(a) = &*root {
        if is_call_of(&a.right, helpers).is_some() {
            return None;
        }
    }
    if let syn::Expr::Binary(b) = &*root {
        if crate::lower::is_compound_assign(&b.op) && is_call_of(&b.right, helpers).is_some() {
            return None;
        }
    }
    // (What is lent anywhere in the statement: read before the call, it would read the
    // call's writes once the call runs first.)
    let cx = Cx {
        helpers,
        lent: lent_names(root),
    };
    let place = first_call(root, &cx)?;
    let ty = is_call_of(place, helpers)?;
    // (Its arguments too: one with effects, `g.next_f64()`, would run before the reads.)
    let syn::Expr::Call(c) = super::unparen(place) else {
        return None;
    };
    let lent_place = |a: &syn::Expr| {
        matches!(a, syn::Expr::Reference(r) if r.mutability.is_some()
            && matches!(&*r.expr, syn::Expr::Path(_) | syn::Expr::Field(_) | syn::Expr::Index(_))
            && reads_only(&r.expr))
    };
    if !c.args.iter().all(|a| reads_only(a) || lent_place(a)) {
        return None;
    }
    let temp = crate::naming::fresh("filled");
    let call = std::mem::replace(place, syn::parse_quote!(#temp));
    Some((temp, ty, call))
}

/// The helpers that refill what they are lent, and the names a statement lends mutably.
struct Cx<'a> {
    helpers: &'a [(Ident, syn::Type)],
    lent: Vec<Ident>,
}

/// The return type of the helper `e` calls, when it calls one of `helpers` by its bare name.
fn is_call_of(e: &syn::Expr, helpers: &[(Ident, syn::Type)]) -> Option<syn::Type> {
    let syn::Expr::Call(c) = super::unparen(e) else {
        return None;
    };
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    let id = p.path.get_ident()?;
    helpers
        .iter()
        .find(|(n, _)| n == id)
        .map(|(_, t)| t.clone())
}

/// The first call of the helpers that `e` evaluates on every run, after nothing but reads
/// without effects of what is not lent (so that it may run before them): through the parts
/// [`eager`] lists.
fn first_call<'a>(e: &'a mut syn::Expr, cx: &Cx) -> Option<&'a mut syn::Expr> {
    if is_call_of(e, cx.helpers).is_some() {
        return Some(e);
    }
    let k = holding(e, cx)?;
    first_call(eager_mut(e).into_iter().nth(k)?, cx)
}

/// Whether [`first_call`] finds a call in `e`.
fn holds(e: &syn::Expr, cx: &Cx) -> bool {
    is_call_of(e, cx.helpers).is_some() || holding(e, cx).is_some()
}

/// Which of `e`'s [`eager`] parts holds the call, every one before it a pure read.
fn holding(e: &syn::Expr, cx: &Cx) -> Option<usize> {
    for (k, part) in eager(e).into_iter().enumerate() {
        if holds(part, cx) {
            return Some(k);
        }
        if !pure(part, cx) {
            return None;
        }
    }
    None
}

/// The parts of `e` it evaluates on every run, in order: through operators (not the right side
/// of `&&`, `||`), casts, references, fields, indices, the right side of an assignment, arrays,
/// tuples and the receivers and arguments of calls.
fn eager(e: &syn::Expr) -> Vec<&syn::Expr> {
    match e {
        syn::Expr::Paren(p) => vec![&p.expr],
        syn::Expr::Group(g) => vec![&g.expr],
        syn::Expr::Unary(u) => vec![&u.expr],
        syn::Expr::Cast(c) => vec![&c.expr],
        syn::Expr::Reference(r) => vec![&r.expr],
        syn::Expr::Field(f) => vec![&f.base],
        syn::Expr::Index(ix) => vec![&ix.expr, &ix.index],
        syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) => {
            vec![&b.left]
        }
        syn::Expr::Binary(b) => vec![&b.left, &b.right],
        syn::Expr::Assign(a) => vec![&a.right],
        syn::Expr::Array(a) => a.elems.iter().collect(),
        syn::Expr::Tuple(t) => t.elems.iter().collect(),
        syn::Expr::Call(c) => c.args.iter().collect(),
        syn::Expr::MethodCall(m) => std::iter::once(&*m.receiver).chain(&m.args).collect(),
        _ => Vec::new(),
    }
}

/// [`eager`], to write.
fn eager_mut(e: &mut syn::Expr) -> Vec<&mut syn::Expr> {
    match e {
        syn::Expr::Paren(p) => vec![&mut p.expr],
        syn::Expr::Group(g) => vec![&mut g.expr],
        syn::Expr::Unary(u) => vec![&mut u.expr],
        syn::Expr::Cast(c) => vec![&mut c.expr],
        syn::Expr::Reference(r) => vec![&mut r.expr],
        syn::Expr::Field(f) => vec![&mut f.base],
        syn::Expr::Index(ix) => vec![&mut ix.expr, &mut ix.index],
        syn::Expr::Binary(b) => {
            if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) {
                vec![&mut b.left]
            } else {
                vec![&mut b.left, &mut b.right]
            }
        }
        syn::Expr::Assign(a) => vec![&mut a.right],
        syn::Expr::Array(a) => a.elems.iter_mut().collect(),
        syn::Expr::Tuple(t) => t.elems.iter_mut().collect(),
        syn::Expr::Call(c) => c.args.iter_mut().collect(),
        syn::Expr::MethodCall(m) => std::iter::once(&mut *m.receiver)
            .chain(&mut m.args)
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `e` only reads, and nothing lent (names, literals, arithmetic, fields, indices, the
/// float methods, lengths, calls of functions given no `&mut`), so that a call moved before it
/// leaves its value as it was.
fn pure(e: &syn::Expr, cx: &Cx) -> bool {
    let tokens = e.to_token_stream();
    reads_only(e) && !cx.lent.iter().any(|n| super::mentions(&tokens, n))
}

/// Whether `e` only reads (see [`pure`]): computed again, it gives the same value.
pub(super) fn reads_only(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Lit(_) | syn::Expr::Path(_) => true,
        syn::Expr::Paren(p) => reads_only(&p.expr),
        syn::Expr::Group(g) => reads_only(&g.expr),
        syn::Expr::Unary(u) => reads_only(&u.expr),
        syn::Expr::Cast(c) => reads_only(&c.expr),
        syn::Expr::Field(f) => reads_only(&f.base),
        syn::Expr::Index(ix) => reads_only(&ix.expr) && reads_only(&ix.index),
        syn::Expr::Reference(r) => r.mutability.is_none() && reads_only(&r.expr),
        syn::Expr::Binary(b) => {
            !crate::lower::is_compound_assign(&b.op) && reads_only(&b.left) && reads_only(&b.right)
        }
        // (The float methods of the rules table, and lengths.)
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            (crate::rules::Prim::method_names().any(|n| n == name)
                || ["len", "is_empty"].contains(&name.as_str()))
                && reads_only(&m.receiver)
                && m.args.iter().all(reads_only)
        }
        // (A function given no `&mut`: `f64::tanh(x)`, a helper of numbers.)
        syn::Expr::Call(c) => {
            matches!(&*c.func, syn::Expr::Path(_)) && c.args.iter().all(reads_only)
        }
        _ => false,
    }
}

/// The names `e` lends mutably (`&mut buf`, `&mut acc`, `&mut rows[i]`).
fn lent_names(e: &syn::Expr) -> Vec<Ident> {
    struct Lent(Vec<Ident>);
    impl Visit<'_> for Lent {
        fn visit_expr_reference(&mut self, r: &syn::ExprReference) {
            if r.mutability.is_some() {
                let mut root = &*r.expr;
                loop {
                    match root {
                        syn::Expr::Index(ix) => root = &ix.expr,
                        syn::Expr::Field(f) => root = &f.base,
                        syn::Expr::Paren(p) => root = &p.expr,
                        _ => break,
                    }
                }
                if let syn::Expr::Path(p) = root {
                    if let Some(id) = p.path.get_ident() {
                        self.0.push(id.clone());
                    }
                }
            }
            syn::visit::visit_expr_reference(self, r);
        }
    }
    let mut found = Lent(Vec::new());
    found.visit_expr(e);
    found.0
}
