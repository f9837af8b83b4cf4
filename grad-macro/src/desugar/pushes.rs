//! `Vec::push` into a local vector, rewritten into a buffer of the length the pushes reach.
//!
//! Lowering knows buffers of a fixed length (`vec![0.0; n]`) written by index. A vector filled
//! by `push` has such a length when the pushes are unconditional: `k` pushes at the top of the
//! body of one `for` loop make `k` times the loop's trip count, which is known before the loop
//! runs; pushes in straight-line code make one each. The buffer is made where the first push
//! would grow the vector, every push writes the next element, and the vector is complete — every
//! later read (`v.len()`, `v.iter()`, `&v`, `v[i]`) is a read of a full buffer.

use quote::quote;

/// Input: `let mut v = Vec::new();` (or `Vec::with_capacity(n)`, `vec![]`, with or without a
/// `Vec<f64>` type), then in `rest` either `for p in ITER { .. v.push(a); .. v.push(b); .. }`
/// with every push at the top of the body, or pushes as statements of the block.
/// Output: `let mut v = vec![0.0; 2 * TRIPS]; let mut K = 0;` before the loop (or the first push)
/// and `v[K] = a; K += 1;` for each push; `None` (the `let` stays, and lowering reports the push)
/// for any other use of `v` before its last push.
pub fn push_let(l: &syn::Local, rest: &mut Vec<syn::Stmt>) -> Option<Vec<syn::Stmt>> {
    let (pat, ty) = super::pat_and_type(l);
    let syn::Pat::Ident(pi) = pat else {
        return None;
    };
    if pi.mutability.is_none() || pi.by_ref.is_some() || pi.subpat.is_some() {
        return None;
    }
    let init = l.init.as_ref()?;
    if init.diverge.is_some() || !empty_vec(&init.expr) {
        return None;
    }
    // A vector of integers or tuples is data, not a buffer of floats.
    let elem = match ty {
        Some(t) => Some(crate::vector::vector_elem(t)?),
        None => None,
    };
    let name = &pi.ident;
    // The statements that push (directly, or a loop whose body does).
    let pushing: Vec<usize> = (0..rest.len())
        .filter(|&k| pushes_into(&rest[k], name))
        .collect();
    let (&first, &last) = (pushing.first()?, pushing.last()?);
    // Before the first push the vector is empty; up to the last, only pushes touch it.
    if rest[..first].iter().any(|s| mentions_stmt(s, name))
        || (first..=last).any(|k| mentions_stmt(&rest[k], name) && !pushing.contains(&k))
    {
        return None;
    }
    let loop_form = matches!(&rest[first], syn::Stmt::Expr(syn::Expr::ForLoop(_), _));
    let count = crate::naming::fresh(&format!("len_{name}"));
    let mut new_first: Vec<syn::Stmt> = Vec::new();
    let trips: syn::Expr;
    if loop_form {
        // One loop holds every push.
        if first != last {
            return None;
        }
        let syn::Stmt::Expr(syn::Expr::ForLoop(fl), semi) = &rest[first] else {
            unreachable!("checked");
        };
        let complete = complete_loop(fl, name, &count);
        let Some((fl, n)) = complete else {
            return partial(l, rest, first, elem.as_ref(), &count);
        };
        trips = n;
        new_first.push(syn::Stmt::Expr(syn::Expr::ForLoop(fl), *semi));
    } else if push_arg(&rest[first], name).is_none() {
        // An `if` or a `match` that may push.
        if first != last {
            return None;
        }
        return partial(l, rest, first, elem.as_ref(), &count);
    } else {
        // Straight-line pushes, each a statement of this block: all checked before any is
        // rewritten, so that a `None` leaves the block as it was.
        let pushed: Vec<syn::Expr> = pushing
            .iter()
            .map(|&at| push_arg(&rest[at], name).filter(|e| !not_a_float(e)))
            .collect::<Option<_>>()?;
        for (&at, push) in pushing.iter().zip(&pushed) {
            rest[at] = store(&rest[at], name, &count, push);
        }
        let k = pushing.len();
        trips = syn::parse_quote!(#k);
        new_first.push(rest[first].clone());
    }
    let typed = elem.map(|t| quote!(: ::std::vec::Vec<#t>));
    let mut make: Vec<syn::Stmt> = vec![
        syn::parse_quote!(let mut #name #typed = vec![0.0; #trips];),
        syn::parse_quote!(let mut #count: usize = 0;),
    ];
    make.extend(new_first);
    // The statements before the first push keep their place; the buffer is made just before
    // it, where the loop's bounds have the values the loop sees.
    let tail: Vec<syn::Stmt> = rest.drain(first..).skip(1).collect();
    rest.extend(make);
    rest.extend(tail);
    Some(Vec::new())
}

/// The loop with its pushes rewritten and how many it makes, when every iteration pushes the
/// same number of times: the pushes are statements at the top of the body, which never leaves
/// early, and nothing else in it reads the vector whole.
fn complete_loop(
    fl: &syn::ExprForLoop,
    name: &syn::Ident,
    count: &syn::Ident,
) -> Option<(syn::ExprForLoop, syn::Expr)> {
    let mut fl = fl.clone();
    if fl.label.is_some() || super::exits(&fl.body, true) {
        return None;
    }
    let per_iteration = rewrite_pushes(&mut fl.body.stmts, name, count)?;
    if per_iteration == 0 || other_uses(&fl.body, name) {
        return None;
    }
    let n = trip_count(&fl.expr)?;
    Some((fl, syn::parse_quote!(#per_iteration * (#n))))
}

/// The pushes of the statement `rest[at]` (a `for` loop, an `if`, a `match`), which may not all
/// run: a buffer as long as the most they can make, a counter of those that did, and the reads
/// after the statement limited to the pushed part (see `partial_pushes`).
fn partial(
    l: &syn::Local,
    rest: &mut Vec<syn::Stmt>,
    at: usize,
    elem: Option<&syn::Type>,
    count: &syn::Ident,
) -> Option<Vec<syn::Stmt>> {
    let (syn::Pat::Ident(pi), _) = super::pat_and_type(l) else {
        return None;
    };
    let name = &pi.ident;
    let (stmt, bound) = match &rest[at] {
        syn::Stmt::Expr(syn::Expr::ForLoop(fl), semi) => {
            let (fl, bound) = super::partial_pushes::bound_loop(fl, name, count)?;
            (syn::Stmt::Expr(syn::Expr::ForLoop(fl), *semi), bound)
        }
        syn::Stmt::Expr(e, semi) => {
            let mut e = e.clone();
            let bound = super::partial_pushes::bound_statement(&mut e, name, count)?;
            (syn::Stmt::Expr(e, *semi), bound)
        }
        _ => return None,
    };
    // Reads inside the statement too see what was pushed so far.
    let mut stmt = [stmt];
    super::partial_pushes::rewrite_reads(&mut stmt, name, count)?;
    let [stmt] = stmt;
    let mut tail: Vec<syn::Stmt> = rest[at + 1..].to_vec();
    super::partial_pushes::rewrite_reads(&mut tail, name, count)?;
    let typed = elem.map(|t| quote!(: ::std::vec::Vec<#t>));
    rest.truncate(at);
    rest.extend([
        syn::parse_quote!(let mut #name #typed = vec![0.0; #bound];),
        syn::parse_quote!(let mut #count: usize = 0;),
        stmt,
    ]);
    rest.extend(tail);
    Some(Vec::new())
}

/// Whether `s` is `name.push(..);`, or a `for` loop, an `if` or a `match` with such a push
/// somewhere inside.
fn pushes_into(s: &syn::Stmt, name: &syn::Ident) -> bool {
    match s {
        syn::Stmt::Expr(
            e @ (syn::Expr::ForLoop(_) | syn::Expr::If(_) | syn::Expr::Match(_)),
            _,
        ) => super::partial_pushes::pushes_anywhere(&quote!(#e), name),
        s => push_arg(s, name).is_some(),
    }
}

/// `Vec::new()`, `Vec::with_capacity(..)`, `std::vec::Vec::new()`, `vec![]`.
fn empty_vec(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return false;
            };
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let n = segs.len();
            n >= 2
                && segs[n - 2] == "Vec"
                && ((segs[n - 1] == "new" && c.args.is_empty())
                    || (segs[n - 1] == "with_capacity" && c.args.len() == 1))
        }
        syn::Expr::Macro(m) => m.mac.path.is_ident("vec") && m.mac.tokens.is_empty(),
        _ => false,
    }
}

/// `name.push(e);` as a statement: `e`.
pub(super) fn push_arg(s: &syn::Stmt, name: &syn::Ident) -> Option<syn::Expr> {
    let syn::Stmt::Expr(syn::Expr::MethodCall(m), Some(_)) = s else {
        return None;
    };
    let is_name = matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(name));
    (is_name && m.method == "push" && m.args.len() == 1).then(|| m.args[0].clone())
}

/// `{ v[K] = e; K += 1; }` in place of the push `s`, whose span the store keeps (an error about
/// the value points at the push).
pub(super) fn store(
    s: &syn::Stmt,
    name: &syn::Ident,
    count: &syn::Ident,
    e: &syn::Expr,
) -> syn::Stmt {
    let span = syn::spanned::Spanned::span(s);
    let name = syn::Ident::new(&name.to_string(), span);
    let target: syn::Expr = syn::parse_quote_spanned!(span=> #name[#count]);
    syn::parse_quote!({ #target = #e; #count += 1; })
}

/// Whether a pushed value is plainly not a float (an integer literal, a comparison, a tuple, a
/// reference, a `Vec`, a count): such a vector is not a buffer of floats. Values whose type only
/// the compiler knows are taken as floats; lowering reports an integer stored into the buffer.
pub(super) fn not_a_float(e: &syn::Expr) -> bool {
    use syn::{Expr, Lit};
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Float(_) => false,
            Lit::Int(i) => !matches!(i.suffix(), "f32" | "f64"),
            _ => true,
        },
        Expr::Tuple(_)
        | Expr::Array(_)
        | Expr::Reference(_)
        | Expr::Macro(_)
        | Expr::Struct(_)
        | Expr::Range(_)
        | Expr::Closure(_)
        | Expr::Repeat(_) => true,
        Expr::Paren(p) => not_a_float(&p.expr),
        Expr::Cast(c) => crate::sig::float_of(&c.ty).is_none(),
        Expr::Binary(b) => crate::lower::yields_bool(&b.op),
        Expr::MethodCall(m) => {
            const NOT_FLOATS: [&str; 10] = [
                "len",
                "count",
                "position",
                "clone",
                "to_vec",
                "to_string",
                "to_owned",
                "iter",
                "collect",
                "is_empty",
            ];
            NOT_FLOATS.iter().any(|n| m.method == n)
        }
        _ => false,
    }
}

/// Rewrites the pushes among `stmts` (each `name.push(e);` at this level) into writes at
/// `count`, and returns how many there are; `None` if a push is a tuple or an array.
fn rewrite_pushes(stmts: &mut [syn::Stmt], name: &syn::Ident, count: &syn::Ident) -> Option<usize> {
    let mut n = 0;
    for s in stmts.iter_mut() {
        if let Some(e) = push_arg(s, name) {
            if not_a_float(&e) {
                return None;
            }
            *s = store(s, name, count, &e);
            n += 1;
        }
    }
    Some(n)
}

/// Whether a statement names `name` anywhere (macros included).
fn mentions_stmt(s: &syn::Stmt, name: &syn::Ident) -> bool {
    super::mentions(&quote!(#s), name)
}

/// Whether the rewritten loop body still uses `name` other than by writes `name[count] = ..` and
/// reads by index `name[i]` (`len()` or an iteration would see the elements not pushed yet).
fn other_uses(b: &syn::Block, name: &syn::Ident) -> bool {
    struct Uses<'a> {
        name: &'a syn::Ident,
        other: bool,
    }
    impl<'a> syn::visit::Visit<'a> for Uses<'_> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            match e {
                syn::Expr::Index(i) if matches!(&*i.expr, syn::Expr::Path(p) if p.path.is_ident(self.name)) =>
                {
                    self.visit_expr(&i.index);
                }
                syn::Expr::Path(p) if p.path.is_ident(self.name) => self.other = true,
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            self.other |= super::mentions(&m.tokens, self.name);
        }
    }
    let mut u = Uses { name, other: false };
    syn::visit::Visit::visit_block(&mut u, b);
    u.other
}

/// How many times `for _ in e` iterates, as an expression evaluated just before the loop: from
/// the bounds of a range, or from the length of the slice for iterations over slices (`xs`, `&xs`, `xs.iter()`, with `enumerate`, `copied`,
/// `cloned`, `rev`, `zip`, `skip`, `take`, `step_by`, `windows`, `chunks`, `chunks_exact`).
pub(super) fn trip_count(e: &syn::Expr) -> Option<syn::Expr> {
    match e {
        syn::Expr::Paren(p) => trip_count(&p.expr),
        syn::Expr::Range(r) => {
            // `b - a` in the range's own integer type, never below zero, as a `usize`.
            let (a, b) = (r.start.as_ref()?, r.end.as_ref()?);
            let n: syn::Expr = syn::parse_quote!(
                ::core::convert::TryFrom::try_from((#b).max(#a) - (#a)).unwrap_or(0usize)
            );
            Some(match r.limits {
                syn::RangeLimits::HalfOpen(_) => n,
                syn::RangeLimits::Closed(_) => syn::parse_quote!(#n + usize::from((#b) >= (#a))),
            })
        }
        syn::Expr::Reference(r) => trip_count(&r.expr),
        syn::Expr::Path(_) | syn::Expr::Field(_) => Some(syn::parse_quote!(#e.len())),
        syn::Expr::MethodCall(m) => {
            let inner = || trip_count(&m.receiver);
            let arg = m.args.first();
            match (m.method.to_string().as_str(), m.args.len()) {
                ("iter" | "into_iter" | "enumerate" | "copied" | "cloned" | "rev", 0) => inner(),
                ("zip", 1) => {
                    let (a, b) = (inner()?, trip_count(arg?)?);
                    Some(syn::parse_quote!(::core::cmp::min(#a, #b)))
                }
                ("skip", 1) => {
                    let a = inner()?;
                    Some(syn::parse_quote!((#a).saturating_sub(#arg)))
                }
                ("take", 1) => {
                    let a = inner()?;
                    Some(syn::parse_quote!(::core::cmp::min(#a, #arg)))
                }
                ("step_by" | "chunks", 1) => {
                    let a = inner()?;
                    Some(syn::parse_quote!((#a).div_ceil(#arg)))
                }
                ("chunks_exact", 1) => {
                    let a = inner()?;
                    Some(syn::parse_quote!((#a) / (#arg)))
                }
                ("windows", 1) => {
                    let a = inner()?;
                    Some(syn::parse_quote!(((#a) + 1).saturating_sub(#arg)))
                }
                _ => None,
            }
        }
        _ => None,
    }
}
