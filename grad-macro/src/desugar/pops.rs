//! A stack drained by `pop` in a condition: `while let Some(v) = stack.pop() { .. }`, `if let
//! Some(v) = stack.pop()`, `let Some(v) = stack.pop() else { .. };`, `match stack.pop() { Some(v)
//! => .., None => .. }`. Each is the test `!stack.is_empty()` and then `stack.pop().unwrap()`,
//! which lowering takes out of a buffer of floats (the last element, then `truncate`) or of data.

use std::collections::HashSet;
use syn::visit_mut::VisitMut;

/// Input: a block. Output: the forms above written with `is_empty` and `pop().unwrap()` (the
/// same: `pop` gives `Some` exactly when the stack is not empty, and changes nothing when it
/// is).
/// (Only of a stack the body declares: one lent by the caller, `q: &mut Vec<usize>`, is
/// changed where its loop's condition runs, which lowering records as it is.)
pub fn pops(block: &mut syn::Block) {
    struct Lets(HashSet<String>);
    impl<'a> syn::visit::Visit<'a> for Lets {
        fn visit_local(&mut self, l: &'a syn::Local) {
            let mut names = Vec::new();
            super::tuples::names_of(&l.pat, &mut names);
            self.0.extend(names.iter().map(ToString::to_string));
            syn::visit::visit_local(self, l);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut lets = Lets(HashSet::new());
    syn::visit::Visit::visit_block(&mut lets, block);
    Pops(lets.0).visit_block_mut(block);
}

/// The names the body declares by `let`.
struct Pops(HashSet<String>);

impl Pops {
    /// `NAME.pop()` of a local the body declares: `NAME`.
    fn popped<'e>(&self, e: &'e syn::Expr) -> Option<&'e syn::Ident> {
        let syn::Expr::MethodCall(m) = super::unparen(e) else {
            return None;
        };
        if m.method != "pop" || !m.args.is_empty() {
            return None;
        }
        match super::unparen(&m.receiver) {
            syn::Expr::Path(p) if p.qself.is_none() => p
                .path
                .get_ident()
                .filter(|i| self.0.contains(&i.to_string())),
            _ => None,
        }
    }
}

/// `Some(P)` with `P` a pattern that always matches: `P`.
fn some_of(p: &syn::Pat) -> Option<&syn::Pat> {
    let syn::Pat::TupleStruct(ts) = p else {
        return None;
    };
    let [inner] = &ts.elems.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let plain = match inner {
        syn::Pat::Ident(i) => i.subpat.is_none() && i.by_ref.is_none(),
        syn::Pat::Wild(_) => true,
        _ => false,
    };
    (ts.path.is_ident("Some") && plain).then_some(*inner)
}

fn is_none(p: &syn::Pat) -> bool {
    match p {
        syn::Pat::Ident(i) => i.ident == "None" && i.subpat.is_none(),
        syn::Pat::Path(pp) => pp.path.is_ident("None"),
        syn::Pat::Wild(_) => true,
        _ => false,
    }
}

impl VisitMut for Pops {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        // `let Some(v) = stack.pop() else { .. };`
        let mut k = 0;
        while k < b.stmts.len() {
            if let syn::Stmt::Local(l) = &b.stmts[k] {
                let taken = l.init.as_ref().and_then(|i| {
                    let (_, els) = i.diverge.as_ref()?;
                    Some((self.popped(&i.expr)?, some_of(&l.pat)?, els))
                });
                if let Some((name, p, els)) = taken {
                    let stmts: [syn::Stmt; 2] = [
                        syn::parse_quote!(if #name.is_empty() #els),
                        syn::parse_quote!(let #p = #name.pop().unwrap();),
                    ];
                    b.stmts.splice(k..=k, stmts);
                    k += 1;
                }
            }
            k += 1;
        }
        syn::visit_mut::visit_block_mut(self, b);
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        match e {
            syn::Expr::While(w) => {
                let syn::Expr::Let(l) = &*w.cond else { return };
                let (Some(name), Some(p)) = (self.popped(&l.expr), some_of(&l.pat)) else {
                    return;
                };
                let (label, body) = (&w.label, &w.body.stmts);
                *e = syn::parse_quote!(#label while !#name.is_empty() {
                    let #p = #name.pop().unwrap();
                    #(#body)*
                });
            }
            syn::Expr::If(i) => {
                let syn::Expr::Let(l) = &*i.cond else { return };
                let (Some(name), Some(p)) = (self.popped(&l.expr), some_of(&l.pat)) else {
                    return;
                };
                let then = &i.then_branch.stmts;
                let els = i.else_branch.as_ref().map(|(_, e)| quote::quote!(else #e));
                *e = syn::parse_quote!(if !#name.is_empty() {
                    let #p = #name.pop().unwrap();
                    #(#then)*
                } #els);
            }
            syn::Expr::Match(m)
                if m.arms.len() == 2 && m.arms.iter().all(|a| a.guard.is_none()) =>
            {
                let Some(name) = self.popped(&m.expr) else {
                    return;
                };
                let (some, none) = match (some_of(&m.arms[0].pat), some_of(&m.arms[1].pat)) {
                    (Some(p), None) if is_none(&m.arms[1].pat) => (p, 1),
                    (None, Some(p)) if is_none(&m.arms[0].pat) => (p, 0),
                    _ => return,
                };
                let taken = &m.arms[1 - none].body;
                let other = &m.arms[none].body;
                *e = syn::parse_quote!(if !#name.is_empty() {
                    let #some = #name.pop().unwrap();
                    #taken
                } else {
                    #other
                });
            }
            _ => {}
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
