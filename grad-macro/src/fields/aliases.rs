//! Other names of a model: a helper given the model whole (`fn predict(m: &Mlp, x: &[f64])`,
//! declared in the body or a function of the module without `#[gradient]`, see
//! `plain_helpers`), and a local bound to it (`let net = m;`, `let m: &Mlp = self;`). The fields'
//! rewrite follows reads of the model's own name, so the helper is inlined first (its parameter
//! becomes such a local) and each local that only names the model again is replaced by the model.

use super::Root;
use proc_macro2::{Ident, TokenStream, TokenTree};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// Inlines, in every block of `body`, the nested functions that take a model by reference, as
/// `desugar` inlines nested functions (later, after this rewrite, which must see their bodies).
pub fn inline_model_fns(body: &mut syn::Block, roots: &[Root], item: &syn::ItemFn) {
    struct Blocks<'a> {
        roots: &'a [Root],
        type_params: std::collections::HashSet<String>,
    }
    impl VisitMut for Blocks<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            let takes_model = b.stmts.iter().any(|s| match s {
                syn::Stmt::Item(syn::Item::Fn(f)) => takes_a_model(f, self.roots),
                _ => false,
            });
            if takes_model {
                crate::desugar::closures::inline_fn_items(b, &self.type_params);
            }
            syn::visit_mut::visit_block_mut(self, b);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let type_params = item
        .sig
        .generics
        .type_params()
        .map(|t| t.ident.to_string())
        .collect();
    Blocks { roots, type_params }.visit_block_mut(body);
}

/// Whether a parameter of `f` is a reference to one of the models' types (to any struct, for a
/// method's `self`, whose type the method does not name).
fn takes_a_model(f: &syn::ItemFn, roots: &[Root]) -> bool {
    f.sig.inputs.iter().any(|a| {
        let syn::FnArg::Typed(t) = a else {
            return false;
        };
        let syn::Type::Reference(r) = &*t.ty else {
            return false;
        };
        super::is_struct_ref(&t.ty)
            && roots.iter().any(|root| {
                root.receiver
                    || root.ty.to_string() == quote::ToTokens::to_token_stream(&r.elem).to_string()
            })
    })
}

/// Replaces each local that names a model again (`let net = m;`, `let net: &Mlp = m;`, `let net
/// = &*m;`), declared without `mut` and not declared again after, by the model's name.
pub fn substitute_aliases(body: &mut syn::Block, roots: &[Root]) {
    struct Blocks<'a>(&'a [Root]);
    impl VisitMut for Blocks<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            let mut k = 0;
            while k < b.stmts.len() {
                match alias_of(&b.stmts[k], self.0) {
                    Some((alias, root)) if !binds(&b.stmts[k + 1..], &alias) => {
                        b.stmts.remove(k);
                        let mut s = Substitute {
                            from: &alias,
                            to: &root,
                        };
                        for st in &mut b.stmts[k..] {
                            s.visit_stmt_mut(st);
                        }
                    }
                    _ => k += 1,
                }
            }
            syn::visit_mut::visit_block_mut(self, b);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Blocks(roots).visit_block_mut(body);
}

/// `let alias = root;` (through `&`, `&*`, `*` and parentheses, with any type): the two names.
fn alias_of(s: &syn::Stmt, roots: &[Root]) -> Option<(Ident, Ident)> {
    let syn::Stmt::Local(l) = s else { return None };
    let init = l.init.as_ref().filter(|i| i.diverge.is_none())?;
    if !l.attrs.is_empty() {
        return None;
    }
    let pat = match &l.pat {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    let syn::Pat::Ident(p) = pat else { return None };
    if p.mutability.is_some() || p.by_ref.is_some() || p.subpat.is_some() {
        return None;
    }
    let mut e = &*init.expr;
    loop {
        e = match e {
            syn::Expr::Paren(p) => &p.expr,
            syn::Expr::Reference(r) if r.mutability.is_none() => &r.expr,
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &u.expr,
            _ => break,
        };
    }
    let syn::Expr::Path(path) = e else {
        return None;
    };
    let id = path.path.get_ident()?;
    let root = roots.iter().find(|r| r.ident == *id)?;
    Some((p.ident.clone(), root.ident.clone()))
}

/// Whether a pattern in `stmts` (at any depth, closures' parameters too) binds `name`.
fn binds(stmts: &[syn::Stmt], name: &Ident) -> bool {
    struct Binds<'a>(&'a Ident, bool);
    impl<'ast> Visit<'ast> for Binds<'_> {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.1 |= p.ident == *self.0;
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut v = Binds(name, false);
    stmts.iter().for_each(|s| v.visit_stmt(s));
    v.1
}

struct Substitute<'a> {
    from: &'a Ident,
    to: &'a Ident,
}

impl VisitMut for Substitute<'_> {
    fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
        if p.qself.is_none() && p.path.get_ident() == Some(self.from) {
            let span = self.from.span();
            let to = Ident::new(&self.to.to_string(), span);
            p.path = to.into();
        }
    }
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        m.tokens = substitute_tokens(m.tokens.clone(), self.from, self.to);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

fn substitute_tokens(ts: TokenStream, from: &Ident, to: &Ident) -> TokenStream {
    ts.into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) if i == *from => {
                TokenTree::Ident(Ident::new(&to.to_string(), i.span()))
            }
            TokenTree::Group(g) => {
                let mut n =
                    proc_macro2::Group::new(g.delimiter(), substitute_tokens(g.stream(), from, to));
                n.set_span(g.span());
                TokenTree::Group(n)
            }
            other => other,
        })
        .collect()
}
