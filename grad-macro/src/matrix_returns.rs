//! Functions that return a small matrix of floats, `[[T; N]; M]` with literal sizes (a rotation
//! built from angles, a 2 × 2 system's inverse): the function as written, and a hidden
//! `NAME__flat` returning `[T; M * N]` row by row, a vector-valued function like any other (see
//! `vector`), with `NAME__COLS`, its row length. A `#[gradient]` caller's `let r = NAME(..);`
//! read as `r[i][j]` becomes `let r = NAME__flat(..);` read as `r[i * NAME__COLS + j]`
//! ([`callers`]), so the chain rule goes through the callee's vector–Jacobian product.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use std::collections::HashSet;
use syn::visit_mut::VisitMut;

/// The element type, the number of rows and the row length of `[[T; N]; M]` with `T` a float type
/// and `N`, `M` integer literals.
fn matrix_shape(ty: &syn::Type) -> Option<(syn::Type, usize, usize)> {
    let syn::Type::Array(outer) = ty else {
        return None;
    };
    let syn::Type::Array(inner) = &*outer.elem else {
        return None;
    };
    crate::sig::float_of(&inner.elem)?;
    let lit = |e: &syn::Expr| match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse::<usize>().ok(),
        _ => None,
    };
    let (m, n) = (lit(&outer.len)?, lit(&inner.len)?);
    (m > 0 && n > 0).then(|| ((*inner.elem).clone(), m, n))
}

fn flat_name(f: &Ident) -> Ident {
    format_ident!("{}__flat", f, span = f.span())
}

fn cols_name(f: &Ident) -> Ident {
    format_ident!("{}__COLS", f, span = f.span())
}

/// The expansion of a free function returning `[[T; N]; M]` (see the module's docs); `None` for
/// any other function.
pub fn expand(args: &TokenStream, item: &syn::ItemFn) -> Option<TokenStream> {
    let syn::ReturnType::Type(arrow, ret) = &item.sig.output else {
        return None;
    };
    let (elem, m, n) = matrix_shape(ret)?;
    if item.sig.receiver().is_some() || crate::expand::sibling_path(item).is_some() {
        return None;
    }
    let mut flat = item.clone();
    flat.sig.ident = flat_name(&item.sig.ident);
    let len = m * n;
    flat.sig.output = syn::ReturnType::Type(*arrow, Box::new(syn::parse_quote!([#elem; #len])));
    flat.attrs.retain(|a| !a.path().is_ident("doc"));
    flat.attrs.push(syn::parse_quote!(#[doc(hidden)]));
    flat.attrs.push(syn::parse_quote!(#[allow(non_snake_case)]));
    let mut body = (*item.block).clone();
    Flatten { rows: m, cols: n }.visit_block_mut(&mut body);
    if let Some(syn::Stmt::Expr(e, None)) = body.stmts.last_mut() {
        *e = flatten(e, m, n);
    }
    *flat.block = body;
    let expanded = crate::expand::expand_item(args.clone(), &flat);
    let original = crate::expand::original_item(item);
    let (vis, cols) = (&item.vis, cols_name(&item.sig.ident));
    Some(quote! {
        #original
        #expanded
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #cols: usize = #n;
    })
}

/// `[M[0][0], M[0][1], .., M[m - 1][n - 1]]` of a matrix `M` named by `e` (the rows' elements
/// of a literal of rows, or of `{ let M = e; .. }`).
fn flatten(e: &syn::Expr, m: usize, n: usize) -> syn::Expr {
    // `[[a, b], [c, d]]`: `[a, b, c, d]`.
    if let syn::Expr::Array(rows) = e {
        let elems: Option<Vec<&syn::Expr>> = rows
            .elems
            .iter()
            .map(|r| match r {
                syn::Expr::Array(r) if r.elems.len() == n => Some(r.elems.iter()),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|rows| rows.into_iter().flatten().collect());
        if let Some(elems) = elems.filter(|_| rows.elems.len() == m) {
            return syn::parse_quote!([#(#elems),*]);
        }
    }
    let named = matches!(e, syn::Expr::Path(p) if p.path.get_ident().is_some());
    let mat = if named {
        quote!(#e)
    } else {
        let h = crate::naming::hidden("mat");
        quote!(#h)
    };
    let elems = (0..m)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| {
            let (i, j) = (
                proc_macro2::Literal::usize_unsuffixed(i),
                proc_macro2::Literal::usize_unsuffixed(j),
            );
            quote!(#mat[#i][#j])
        });
    if named {
        syn::parse_quote!([#(#elems),*])
    } else {
        syn::parse_quote!({
            let #mat = #e;
            [#(#elems),*]
        })
    }
}

/// Every `return e` of the body (not of its closures and items) flattened.
struct Flatten {
    rows: usize,
    cols: usize,
}

impl VisitMut for Flatten {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        if let syn::Expr::Return(r) = e {
            if let Some(v) = &mut r.expr {
                **v = flatten(v, self.rows, self.cols);
            }
        }
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Input: a body. Output: each `let r = f(args);` (`f` a function named by a path, an argument
/// reading a float of `floats`) whose `r` the rest of its block reads only as `r[i][j]`, as
/// `let r = f__flat(args);` read as `r[(i) * f__COLS + (j)]`. A callee that returns no matrix
/// has no `f__flat`; a call on data alone is left as written (a plain helper may compute it).
pub fn callers(block: &mut syn::Block, floats: &HashSet<String>) {
    Blocks { floats }.visit_block_mut(block);
}

struct Blocks<'a> {
    floats: &'a HashSet<String>,
}

impl VisitMut for Blocks<'_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        for k in 0..b.stmts.len() {
            let Some((name, path)) = self.candidate(&b.stmts[k]) else {
                continue;
            };
            // The reads: up to a `let` binding the name again (its value still reads it).
            let end = b.stmts[k + 1..]
                .iter()
                .position(|s| {
                    matches!(s, syn::Stmt::Local(l) if {
                        let mut names = Vec::new();
                        crate::lower::collect_idents(&l.pat, &mut names);
                        names.contains(&name)
                    })
                })
                .map_or(b.stmts.len(), |p| k + 2 + p);
            let scope = &b.stmts[k + 1..end];
            if !only_read_by_element(scope, &name) {
                continue;
            }
            let cols = {
                let mut p = path.clone();
                if let Some(last) = p.segments.last_mut() {
                    last.ident = cols_name(&last.ident);
                    last.arguments = syn::PathArguments::None;
                }
                p
            };
            for s in &mut b.stmts[k + 1..end] {
                Elements {
                    name: &name,
                    cols: &cols,
                }
                .visit_stmt_mut(s);
            }
            if let syn::Stmt::Local(l) = &mut b.stmts[k] {
                if let Some(init) = &mut l.init {
                    if let syn::Expr::Call(c) = &mut *init.expr {
                        if let syn::Expr::Path(p) = &mut *c.func {
                            if let Some(last) = p.path.segments.last_mut() {
                                last.ident = flat_name(&last.ident);
                            }
                        }
                    }
                }
                // A type written for the matrix no longer holds.
                if let syn::Pat::Type(t) = &l.pat {
                    l.pat = (*t.pat).clone();
                }
            }
        }
        syn::visit_mut::visit_block_mut(self, b);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

impl Blocks<'_> {
    /// `let r = f(args);` (`r` not `mut`, untyped or typed as a matrix of floats) with an
    /// argument reading a float: `r` and `f`'s path.
    fn candidate(&self, s: &syn::Stmt) -> Option<(Ident, syn::Path)> {
        let syn::Stmt::Local(l) = s else {
            return None;
        };
        let init = l.init.as_ref()?;
        if init.diverge.is_some() {
            return None;
        }
        let (pat, ty) = match &l.pat {
            syn::Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            p => (p, None),
        };
        let syn::Pat::Ident(pi) = pat else {
            return None;
        };
        if pi.mutability.is_some() || pi.by_ref.is_some() || pi.subpat.is_some() {
            return None;
        }
        if ty.is_some_and(|t| matrix_shape(t).is_none()) {
            return None;
        }
        let syn::Expr::Call(c) = &*init.expr else {
            return None;
        };
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        // A function (lower case), not a tuple struct or a variant.
        let last = p.path.segments.last()?;
        if p.qself.is_some()
            || last
                .ident
                .to_string()
                .starts_with(|c: char| c.is_uppercase())
            || p.path.segments.iter().any(|s| s.ident == "Self")
        {
            return None;
        }
        let floats = self.floats;
        let reads_float = c
            .args
            .iter()
            .any(|a| crate::naming::mentions(quote!(#a), &|i| floats.contains(&i.to_string())));
        reads_float.then(|| (pi.ident.clone(), p.path.clone()))
    }
}

/// Whether every mention of `name` in `stmts` is a read `name[i][j]` (not assigned, not bound
/// again by a pattern inside).
fn only_read_by_element(stmts: &[syn::Stmt], name: &Ident) -> bool {
    struct Check<'a> {
        name: &'a Ident,
        elements: usize,
        bad: bool,
    }
    impl<'ast> syn::visit::Visit<'ast> for Check<'_> {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            if let syn::Expr::Assign(a) = e {
                if crate::naming::mentions(quote::ToTokens::to_token_stream(&a.left), &|i| {
                    i == self.name
                }) {
                    self.bad = true;
                }
            }
            if element_of(e, self.name).is_some() {
                self.elements += 1;
            }
            syn::visit::visit_expr(self, e);
        }
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.bad |= p.ident == *self.name;
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.bad |= crate::naming::mentions(m.tokens.clone(), &|i| i == self.name);
        }
    }
    let mut c = Check {
        name,
        elements: 0,
        bad: false,
    };
    let mut mentions = 0;
    for s in stmts {
        syn::visit::Visit::visit_stmt(&mut c, s);
        mentions += count(quote::ToTokens::to_token_stream(s), name);
    }
    !c.bad && c.elements > 0 && c.elements == mentions
}

/// How many times `name` occurs in `ts`.
fn count(ts: TokenStream, name: &Ident) -> usize {
    ts.into_iter()
        .map(|t| match t {
            proc_macro2::TokenTree::Ident(i) if i == *name => 1,
            proc_macro2::TokenTree::Group(g) => count(g.stream(), name),
            _ => 0,
        })
        .sum()
}

/// `name[i][j]`: `i` and `j`.
fn element_of<'e>(e: &'e syn::Expr, name: &Ident) -> Option<(&'e syn::Expr, &'e syn::Expr)> {
    let syn::Expr::Index(outer) = e else {
        return None;
    };
    let syn::Expr::Index(inner) = &*outer.expr else {
        return None;
    };
    matches!(&*inner.expr, syn::Expr::Path(p) if p.path.is_ident(name))
        .then(|| (&*inner.index, &*outer.index))
}

/// `name[i][j]` → `name[(i) * COLS + (j)]`.
struct Elements<'a> {
    name: &'a Ident,
    cols: &'a syn::Path,
}

impl VisitMut for Elements<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        if let Some((i, j)) = element_of(e, self.name) {
            let (name, cols) = (self.name, self.cols);
            *e = syn::parse_quote!(#name[(#i) * #cols + (#j)]);
        }
    }
}
