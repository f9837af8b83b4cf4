//! Variables declared without a value before the loops that assign them.
//!
//! Input: `let mut k; for .. { k = 3; while k > 0 { k -= 1; .. } }`.
//! Output: the same, with `let mut k;` again as the first statement of the `for`'s body.
//! Rust accepts a read of `k` in a `for` or `while` body only after an assignment in the same
//! iteration (at the loop's head `k` may be unassigned), so no iteration reads what the one before
//! left: the variable is the body's own, and not carried by the loop, which lowering needs.

use quote::ToTokens;

/// Declares again, inside the `for` and `while` loops after it, each `let k;` of `stmts` without
/// a value, up to a plain assignment `k = ..;` (after which `k` has a value) or another statement
/// that mentions `k`. A declaration every use of which is now a loop's own goes: left alone, with
/// no type and nothing after it that gives one, rustc could not infer it where a body is written
/// back as it is (a plain helper inlined in a condition).
pub fn declare_in_loops(stmts: &mut Vec<syn::Stmt>) {
    let mut gone = Vec::new();
    for i in 0..stmts.len() {
        let syn::Stmt::Local(l) = &stmts[i] else {
            continue;
        };
        if l.init.is_some() {
            continue;
        }
        let pat = match &l.pat {
            syn::Pat::Type(pt) => &*pt.pat,
            p => p,
        };
        let syn::Pat::Ident(pi) = pat else { continue };
        if pi.by_ref.is_some() || pi.subpat.is_some() {
            continue;
        }
        let (name, decl) = (pi.ident.clone(), stmts[i].clone());
        let is = |id: &syn::Ident| *id == name;
        // Only where every use is a loop's own: a read after a loop (`loop { k = ..; break; }`
        // then `k`, which Rust accepts of a `loop`, a `while true` by now) is of the value the
        // loop assigned, which a declaration inside it would hide.
        let mut bodies = Vec::new();
        let mut every_use_moved = true;
        for s in &mut stmts[i + 1..] {
            if !crate::naming::mentions(s.to_token_stream(), &is) {
                continue;
            }
            match own_body(s, &name) {
                Some(b) => bodies.push(b),
                None => {
                    every_use_moved = false;
                    break;
                }
            }
        }
        if every_use_moved {
            for b in bodies {
                b.stmts.insert(0, decl.clone());
            }
            gone.push(i);
        }
    }
    for i in gone.into_iter().rev() {
        stmts.remove(i);
    }
}

/// The body of a `for` or `while` statement whose head does not read or bind `name`.
fn own_body<'s>(s: &'s mut syn::Stmt, name: &syn::Ident) -> Option<&'s mut syn::Block> {
    let is = |id: &syn::Ident| id == name;
    match s {
        syn::Stmt::Expr(syn::Expr::ForLoop(f), _)
            if !crate::naming::mentions(f.expr.to_token_stream(), &is) && !binds(&f.pat, name) =>
        {
            Some(&mut f.body)
        }
        syn::Stmt::Expr(syn::Expr::While(w), _)
            if !crate::naming::mentions(w.cond.to_token_stream(), &is) =>
        {
            Some(&mut w.body)
        }
        _ => None,
    }
}

fn binds(p: &syn::Pat, name: &syn::Ident) -> bool {
    super::sub_slices::binds(p, name)
}
