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
/// without effects of what is not lent (so that it may run before them): through operators
/// (not the right side of `&&`, `||`), casts, references, fields, indices, arrays, tuples and
/// the arguments and receivers of calls.
fn first_call<'a>(e: &'a mut syn::Expr, cx: &Cx) -> Option<&'a mut syn::Expr> {
    if is_call_of(e, cx.helpers).is_some() {
        return Some(e);
    }
    match e {
        syn::Expr::Paren(p) => first_call(&mut p.expr, cx),
        syn::Expr::Group(g) => first_call(&mut g.expr, cx),
        syn::Expr::Unary(u) => first_call(&mut u.expr, cx),
        syn::Expr::Cast(c) => first_call(&mut c.expr, cx),
        syn::Expr::Reference(r) => first_call(&mut r.expr, cx),
        syn::Expr::Field(f) => first_call(&mut f.base, cx),
        syn::Expr::Index(ix) => {
            if holds(&ix.expr, cx) {
                return first_call(&mut ix.expr, cx);
            }
            pure(&ix.expr, cx).then_some(())?;
            first_call(&mut ix.index, cx)
        }
        syn::Expr::Binary(b) => {
            let lazy = matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_));
            if holds(&b.left, cx) {
                return first_call(&mut b.left, cx);
            }
            if lazy || !pure(&b.left, cx) {
                return None;
            }
            first_call(&mut b.right, cx)
        }
        syn::Expr::Assign(a) => first_call(&mut a.right, cx),
        syn::Expr::Array(a) => in_order(a.elems.iter_mut(), cx),
        syn::Expr::Tuple(t) => in_order(t.elems.iter_mut(), cx),
        syn::Expr::Call(c) => in_order(c.args.iter_mut(), cx),
        syn::Expr::MethodCall(m) => {
            if holds(&m.receiver, cx) {
                return first_call(&mut m.receiver, cx);
            }
            pure(&m.receiver, cx).then_some(())?;
            in_order(m.args.iter_mut(), cx)
        }
        _ => None,
    }
}

/// [`first_call`] of the first of `es` that holds one, every one before it a pure read.
fn in_order<'a>(es: impl Iterator<Item = &'a mut syn::Expr>, cx: &Cx) -> Option<&'a mut syn::Expr> {
    for x in es {
        if holds(x, cx) {
            return first_call(x, cx);
        }
        if !pure(x, cx) {
            return None;
        }
    }
    None
}

/// Whether [`first_call`] finds a call in `e` (the same walk, reading).
fn holds(e: &syn::Expr, cx: &Cx) -> bool {
    let in_order = |es: &mut dyn Iterator<Item = &syn::Expr>| {
        for x in es {
            if holds(x, cx) {
                return true;
            }
            if !pure(x, cx) {
                return false;
            }
        }
        false
    };
    if is_call_of(e, cx.helpers).is_some() {
        return true;
    }
    match e {
        syn::Expr::Paren(p) => holds(&p.expr, cx),
        syn::Expr::Group(g) => holds(&g.expr, cx),
        syn::Expr::Unary(u) => holds(&u.expr, cx),
        syn::Expr::Cast(c) => holds(&c.expr, cx),
        syn::Expr::Reference(r) => holds(&r.expr, cx),
        syn::Expr::Field(f) => holds(&f.base, cx),
        syn::Expr::Index(ix) => holds(&ix.expr, cx) || (pure(&ix.expr, cx) && holds(&ix.index, cx)),
        syn::Expr::Binary(b) => {
            let lazy = matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_));
            holds(&b.left, cx) || (!lazy && pure(&b.left, cx) && holds(&b.right, cx))
        }
        syn::Expr::Assign(a) => holds(&a.right, cx),
        syn::Expr::Array(a) => in_order(&mut a.elems.iter()),
        syn::Expr::Tuple(t) => in_order(&mut t.elems.iter()),
        syn::Expr::Call(c) => in_order(&mut c.args.iter()),
        syn::Expr::MethodCall(m) => {
            holds(&m.receiver, cx) || (pure(&m.receiver, cx) && in_order(&mut m.args.iter()))
        }
        _ => false,
    }
}

/// Whether `e` only reads, and nothing lent (names, literals, arithmetic, fields, indices, the
/// float methods, lengths, calls of functions given no `&mut`), so that a call moved before it
/// leaves its value as it was.
fn pure(e: &syn::Expr, cx: &Cx) -> bool {
    let tokens = e.to_token_stream();
    reads_only(e) && !cx.lent.iter().any(|n| super::mentions(&tokens, n))
}

/// Whether `e` only reads (see [`pure`]).
fn reads_only(e: &syn::Expr) -> bool {
    const METHODS: &[&str] = &[
        "sqrt", "cbrt", "exp", "exp2", "exp_m1", "ln", "log", "log2", "log10", "ln_1p", "sin",
        "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh",
        "atanh", "abs", "signum", "recip", "powi", "powf", "max", "min", "clamp", "hypot",
        "mul_add", "floor", "ceil", "round", "trunc", "fract", "len", "is_empty",
    ];
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
        syn::Expr::MethodCall(m) => {
            METHODS.iter().any(|n| m.method == n)
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
