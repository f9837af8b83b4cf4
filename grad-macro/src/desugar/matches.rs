//! `match` and `loop`, rewritten into the `if` chains and `while` loops lowering knows.

use proc_macro2::TokenStream;
use quote::quote;

/// Whether a pattern binds a name (a lowercase identifier, by Rust's naming convention; `None`,
/// `MAX` and other uppercase identifiers are constants or unit variants).
fn binds(p: &syn::Pat) -> bool {
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_pat_ident(&mut self, i: &'a syn::PatIdent) {
            if i.subpat.is_some()
                || i.ident
                    .to_string()
                    .starts_with(|c: char| c.is_lowercase() || c == '_')
            {
                self.0 = true;
            }
            syn::visit::visit_pat_ident(self, i);
        }
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_pat(&mut f, p);
    f.0
}

/// Every arm gives `true` or `false`: `match k { 0 | 1 => true, _ => false }`.
pub fn only_bools(m: &syn::ExprMatch) -> bool {
    m.arms.iter().all(|a| {
        matches!(
            &*a.body,
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Bool(_),
                ..
            })
        )
    })
}

/// A place (a name, a field, a part or element of one, borrowed) whose indices are arithmetic
/// on names and literals: reading it again reads the same thing and runs nothing.
fn is_place(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Path(p) => p.qself.is_none(),
        syn::Expr::Field(f) => is_place(&f.base),
        syn::Expr::Index(ix) => is_place(&ix.expr) && is_pure_index(&ix.index),
        syn::Expr::Reference(r) => r.mutability.is_none() && is_place(&r.expr),
        syn::Expr::Paren(p) => is_place(&p.expr),
        _ => false,
    }
}

/// An index or a range of them computed from places, literals and `len()` by arithmetic.
fn is_pure_index(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Lit(_) => true,
        syn::Expr::Range(r) => r.start.iter().chain(&r.end).all(|b| is_pure_index(b)),
        syn::Expr::Binary(b) => {
            matches!(
                b.op,
                syn::BinOp::Add(_) | syn::BinOp::Sub(_) | syn::BinOp::Mul(_) | syn::BinOp::Div(_)
            ) && is_pure_index(&b.left)
                && is_pure_index(&b.right)
        }
        syn::Expr::Paren(p) => is_pure_index(&p.expr),
        syn::Expr::MethodCall(m) => m.method == "len" && m.args.is_empty() && is_place(&m.receiver),
        e => is_place(e),
    }
}

fn as_block(e: &syn::Expr) -> syn::Block {
    match e {
        syn::Expr::Block(b) if b.label.is_none() && b.attrs.is_empty() => b.block.clone(),
        e => {
            let e = super::tail_expr(e);
            syn::parse_quote!({ #e })
        }
    }
}

/// Input: `match k { 0 => a, 1 | 2 if g => b, n => c }`.
/// Output: `let M = k;` (unless `k` is a plain name) and
/// `if match M { 0 => true, _ => false } { a } else if match M { 1 | 2 if g => true, _ => false } { b }
/// else { let n = M; c }`. The conditions are carried along as written (they read no derivative),
/// the arms become branches: their derivative is that of the arm taken. An arm whose pattern binds
/// parts (`Some(n) => ..`) reads them with `if let`.
pub fn match_to_if(m: &syn::ExprMatch) -> (Vec<syn::Stmt>, syn::Expr) {
    let mut parts: Vec<syn::Ident> = Vec::new();
    let (scrut, bind): (TokenStream, Vec<syn::Stmt>) = match &*m.expr {
        syn::Expr::Path(p) if p.path.get_ident().is_some() => (quote!(#p), Vec::new()),
        // `match (x > 0.0, k) { .. }`: each part bound on its own (a tuple `let` would be taken
        // for one of floats), the tuple of the names matched.
        syn::Expr::Tuple(t) if t.elems.len() > 1 => {
            let names: Vec<syn::Ident> = (0..t.elems.len())
                .map(|_| crate::naming::fresh("scrutinee"))
                .collect();
            let lets = names
                .iter()
                .zip(&t.elems)
                .map(|(n, e)| syn::parse_quote!(let #n = #e;))
                .collect();
            parts.clone_from(&names);
            (quote!((#(#names),*)), lets)
        }
        // `match &xs[a..] { [x] => .., [x, .., y] => .. }`: a place read again by each arm's
        // test, so that the slice patterns take apart the slice itself (a name bound to a part
        // would be a sub-slice of its own).
        e if is_place(e) => (quote!(#e), Vec::new()),
        e => {
            let name = crate::naming::hidden("scrutinee");
            (quote!(#name), vec![syn::parse_quote!(let #name = #e;)])
        }
    };
    let n = m.arms.len();
    let mut chain: Option<syn::Expr> = None;
    // An uppercase name in a pattern is a constant or a binding (`P::C { Za }`, `Some(Z1)`);
    // read by the arm, it is taken as a binding (`if let` reads constants alike).
    let reads_its_names = |arm: &syn::Arm| {
        binds(&arm.pat) || {
            let mut names = Vec::new();
            crate::lower::collect_pat_idents(&arm.pat, &mut names);
            let b = &arm.body;
            let mut read = quote!(#b);
            if let Some((_, g)) = &arm.guard {
                read.extend(quote!(#g));
            }
            names
                .iter()
                .any(|n| crate::naming::mentions(read.clone(), &|i| i == n))
        }
    };
    for (k, arm) in m.arms.iter().enumerate().rev() {
        let mut pat = arm.pat.clone();
        let mut scrut = scrut.clone();
        let mut body = as_block(&arm.body);
        let mut last = k + 1 == n;
        let mut arm_binds = reads_its_names(arm);
        // `(3, k) => k * s` on a tuple of names: `k` is bound by a `let` of its part (which may
        // be differentiated), the rest of the pattern tested on the other parts.
        let split = if arm_binds {
            bind_parts(&arm.pat, &parts)
        } else {
            None
        };
        if let Some((tested, on, lets)) = split {
            let stmts = &body.stmts;
            if let Some((i, g)) = &arm.guard {
                // The guard reads the names: the arm's own pattern decides, the body binds.
                let inner: syn::Block = syn::parse_quote!({ #(#lets)* #(#stmts)* });
                body = if binds(&tested) {
                    syn::parse_quote!({ if let #tested = #on #inner else { ::core::unreachable!() } })
                } else {
                    inner
                };
                let cond: syn::Expr =
                    syn::parse_quote!(match #scrut { #pat #i #g => true, _ => false });
                let els = chain.take().map(|e| quote!(else #e));
                chain = Some(syn::parse_quote!(if #cond #body #els));
                continue;
            }
            body = syn::parse_quote!({ #(#lets)* #(#stmts)* });
            // Nothing left to test: the arm takes whatever reaches it.
            last |= matches!(tested, syn::Pat::Wild(_));
            arm_binds = binds(&tested);
            (pat, scrut) = (tested, on);
        }
        let pat = &pat;
        if last && arm.guard.is_none() {
            // The match is exhaustive, so the last arm takes whatever the others did not.
            let block: syn::Block = if arm_binds {
                match pat {
                    syn::Pat::Ident(i) if i.subpat.is_none() => {
                        let stmts = &body.stmts;
                        syn::parse_quote!({ let #i = #scrut; #(#stmts)* })
                    }
                    syn::Pat::Wild(_) => body,
                    // Every other arm failed, so this one matches.
                    other => syn::parse_quote!({
                        if let #other = #scrut #body else { ::core::unreachable!() }
                    }),
                }
            } else {
                body
            };
            chain = Some(syn::Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block,
            }));
            continue;
        }
        if arm_binds {
            if let Some((i, g)) = &arm.guard {
                // `n if n > 2 => a`: the guard decides with the names bound, and the arm binds
                // them again (`if let` on constant data, which matches when the guard held).
                let cond: syn::Expr =
                    syn::parse_quote!(match #scrut { #pat #i #g => true, _ => false });
                let then: syn::Block = match pat {
                    syn::Pat::Ident(id) if id.subpat.is_none() => {
                        let stmts = &body.stmts;
                        syn::parse_quote!({ let #id = #scrut; #(#stmts)* })
                    }
                    _ => syn::parse_quote!({
                        if let #pat = #scrut #body else { ::core::unreachable!() }
                    }),
                };
                let els = chain.take().map(|e| quote!(else #e));
                chain = Some(syn::parse_quote!(if #cond #then #els));
                continue;
            }
            // `Some(n) => a` reads parts of constant data: `if let Some(n) = M { a } else ..`.
            let els = chain.take().map(|e| quote!(else #e));
            chain = Some(syn::parse_quote!(if let #pat = #scrut #body #els));
            continue;
        }
        let guard = arm.guard.as_ref().map(|(i, g)| quote!(#i #g));
        let cond: syn::Expr = syn::parse_quote!(match #scrut { #pat #guard => true, _ => false });
        let els = chain.take().map(|e| quote!(else #e));
        chain = Some(syn::parse_quote!(if #cond #body #els));
    }
    let chain = chain.unwrap_or_else(|| syn::parse_quote!({}));
    // One arm that returns (`_ => { return x; }`): a block taken always, as an `if` whose branch
    // lowering knows to return from.
    let chain = match chain {
        syn::Expr::Block(b)
            if super::normal::jumps(&b.block)
                && (super::normal::unit_block(&b.block)
                    || super::normal::ends_in_return(&syn::Expr::Block(b.clone()))) =>
        {
            let block = &b.block;
            syn::parse_quote!(if true #block)
        }
        chain => chain,
    };
    (bind, chain)
}

/// `(Some(i), 3, k)` against the parts `(a, b, c)`: `let k = c;` for each part bound whole, and
/// the rest of the pattern with the parts it tests (`(Some(i), 3)` on `(a, b)`; one part alone,
/// `_` on `()` when none is left). `None` when the pattern is no tuple of the parts' number.
fn bind_parts(
    p: &syn::Pat,
    parts: &[syn::Ident],
) -> Option<(syn::Pat, TokenStream, Vec<syn::Stmt>)> {
    let syn::Pat::Tuple(t) = p else { return None };
    if parts.is_empty()
        || t.elems.len() != parts.len()
        || t.elems.iter().any(|e| matches!(e, syn::Pat::Rest(_)))
    {
        return None;
    }
    let mut tested: Vec<(&syn::Pat, &syn::Ident)> = Vec::new();
    let mut lets = Vec::new();
    for (elem, part) in t.elems.iter().zip(parts) {
        match elem {
            syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() && binds(elem) => {
                let (m, name) = (&i.mutability, &i.ident);
                lets.push(syn::parse_quote!(let #m #name = #part;));
            }
            // `&v` of a part that holds a reference (`Some(&v)` of an element `max_by` found):
            // its value.
            syn::Pat::Reference(r) if r.mutability.is_none() => match &*r.pat {
                syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                    let (m, name) = (&i.mutability, &i.ident);
                    lets.push(syn::parse_quote!(let #m #name = *#part;));
                }
                _ => tested.push((elem, part)),
            },
            syn::Pat::Wild(_) => {}
            _ => tested.push((elem, part)),
        }
    }
    let (pat, on) = match tested.as_slice() {
        [] => (syn::parse_quote!(_), quote!(())),
        [(p, part)] => ((*p).clone(), quote!(#part)),
        many => {
            let (ps, names): (Vec<_>, Vec<_>) = many.iter().copied().unzip();
            (syn::parse_quote!((#(#ps),*)), quote!((#(#names),*)))
        }
    };
    Some((pat, on, lets))
}

/// The name of the hidden variable that holds a loop's `break` value.
pub const BROKE_WITH: &str = "broke_with";

/// Input: `'a: loop { body }`. Output: `'a: while true { body }`, whose `break`s lowering knows.
/// With `break value` (of this loop, unlabeled): `{ let mut B = Default::default(); while true {
/// body with each `break v` as `{ B = v; break; }` } B }`, `B` hidden.
pub fn loop_to_while(l: &syn::ExprLoop) -> syn::Expr {
    let label = &l.label;
    let mut body = l.body.clone();
    let value = crate::naming::hidden(BROKE_WITH);
    let mut r = BreakValues {
        target: &value,
        depth: 0,
        found: false,
    };
    syn::visit_mut::VisitMut::visit_block_mut(&mut r, &mut body);
    if !r.found {
        return syn::parse_quote!(#label while true #body);
    }
    syn::parse_quote!({
        let mut #value = ::core::default::Default::default();
        #label while true #body
        #value
    })
}

/// Rewrites the `break value`s that leave the loop being rewritten (not nested loops' own).
struct BreakValues<'a> {
    target: &'a syn::Ident,
    depth: usize,
    found: bool,
}

impl syn::visit_mut::VisitMut for BreakValues<'_> {
    /// `break v;` as a statement becomes two statements, so it stays a statement of its `if`.
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        if self.depth == 0 {
            let mut out = Vec::with_capacity(b.stmts.len());
            for s in std::mem::take(&mut b.stmts) {
                match s {
                    syn::Stmt::Expr(syn::Expr::Break(br), _)
                        if br.label.is_none() && br.expr.is_some() =>
                    {
                        let (target, v) = (self.target, br.expr.as_ref().expect("checked"));
                        self.found = true;
                        out.push(syn::parse_quote!(#target = #v;));
                        out.push(syn::parse_quote!(break;));
                    }
                    s => out.push(s),
                }
            }
            b.stmts = out;
        }
        syn::visit_mut::visit_block_mut(self, b);
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::Loop(_) | syn::Expr::While(_) | syn::Expr::ForLoop(_) => {
                self.depth += 1;
                syn::visit_mut::visit_expr_mut(self, e);
                self.depth -= 1;
            }
            syn::Expr::Break(b) if self.depth == 0 && b.label.is_none() && b.expr.is_some() => {
                let (target, v) = (self.target, b.expr.as_ref().expect("checked"));
                self.found = true;
                *e = syn::parse_quote!({
                    #target = #v;
                    break;
                });
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
