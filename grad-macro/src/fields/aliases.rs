//! Other names of a model: a helper given the model whole (`fn predict(m: &Mlp, x: &[f64])`,
//! declared in the body or a function of the module without `#[gradient]`, see
//! `plain_helpers`), and a local bound to it (`let net = m;`, `let m: &Mlp = self;`). The fields'
//! rewrite follows reads of the model's own name, so the helper is inlined first (its parameter
//! becomes such a local) and each local that only names the model again is replaced by the model.

use super::Root;
use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// `item` with the model's other names (`let mdl = model;`) read as the model, before anything
/// else reads the body (a closure handed to a helper captures the model, not a local of it);
/// for models taken by reference (`m: &Mlp` named in `wrt`, or `&self`).
pub fn models_named_once(item: &syn::ItemFn, args: &TokenStream) -> Option<syn::ItemFn> {
    let args: crate::attr::Args = syn::parse2(args.clone()).ok()?;
    let named = |id: &Ident| args.wrt.as_ref().is_none_or(|w| w.iter().any(|n| n == id));
    let roots: Vec<Root> = item
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Receiver(r) if r.reference.is_some() && r.mutability.is_none() => {
                let id = Ident::new("self", r.self_token.span);
                named(&id).then(|| Root {
                    ident: id,
                    receiver: true,
                    ty: quote::quote!(Self),
                })
            }
            syn::FnArg::Typed(pt) => match (&*pt.pat, &*pt.ty) {
                (syn::Pat::Ident(pi), syn::Type::Reference(r))
                    if args.wrt.as_ref().is_some_and(|w| w.contains(&pi.ident))
                        && super::is_struct_ref(&pt.ty) =>
                {
                    Some(Root {
                        ident: pi.ident.clone(),
                        receiver: false,
                        ty: r.elem.to_token_stream(),
                    })
                }
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    if roots.is_empty() {
        return None;
    }
    let mut out = item.clone();
    substitute_aliases(&mut out.block, &roots);
    (out.block != item.block).then_some(out)
}

/// Inlines, in every block of `body`, the nested functions that take a model by reference, as
/// `desugar` inlines nested functions (later, after this rewrite, which must see their bodies).
pub(super) fn inline_model_fns(body: &mut syn::Block, roots: &[Root], item: &syn::ItemFn) {
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
    let type_params = crate::sig::type_param_names(&item.sig);
    Blocks { roots, type_params }.visit_block_mut(body);
}

/// Whether a parameter of `f` is a reference to one of the models' types (to any struct but the
/// file's value types, for a method's `self`, whose type the method does not name: `fn dot(a:
/// &V, b: &V)` of a value type `V` is the value types' rewrite's, which reads its calls whole).
fn takes_a_model(f: &syn::ItemFn, roots: &[Root]) -> bool {
    f.sig.inputs.iter().any(|a| {
        let syn::FnArg::Typed(t) = a else {
            return false;
        };
        let syn::Type::Reference(r) = &*t.ty else {
            return false;
        };
        let value_type = matches!(&*r.elem, syn::Type::Path(p)
        if p.path.segments.last().is_some_and(|s| {
            crate::desugar::value_structs::is_value_type(&s.ident.to_string())
        }));
        super::is_struct_ref(&t.ty)
            && roots.iter().any(|root| {
                if root.receiver {
                    !value_type
                } else {
                    root.ty.to_string() == quote::ToTokens::to_token_stream(&r.elem).to_string()
                }
            })
    })
}

/// Replaces each local that names a model again (`let net = m;`, `let net: &Mlp = m;`, `let net
/// = &*m;`), declared without `mut` and not declared again after, by the model's name.
pub(super) fn substitute_aliases(body: &mut syn::Block, roots: &[Root]) {
    replace_bindings(body, false, &|stmts, k| {
        let (alias, root) = alias_of(&stmts[k], roots)?;
        // (Neither name declared again after: the reads keep meaning the model.)
        let rest = &stmts[k + 1..];
        (!binds(rest, &alias) && !binds(rest, &root)).then(|| {
            Box::new(move |st: &mut syn::Stmt| {
                Substitute {
                    from: &alias,
                    to: &root,
                }
                .visit_stmt_mut(st);
            }) as Rewrite
        })
    });
}

/// What to do to the statements after a binding, or `None` to leave it: see [`replace_bindings`].
type Rewrite = Box<dyn FnMut(&mut syn::Stmt)>;
type Pick<'a> = &'a dyn Fn(&[syn::Stmt], usize) -> Option<Rewrite>;

/// In every block of `body`, each `let` that `pick` takes (given the block's statements and the
/// `let`'s position, it gives what to do to each statement after it) removed, and the statements
/// after it rewritten.
/// (With `keep`, the `let` stays.)
fn replace_bindings(body: &mut syn::Block, keep: bool, pick: Pick<'_>) {
    struct Blocks<'a>(Pick<'a>, bool);
    impl VisitMut for Blocks<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            let mut k = 0;
            while k < b.stmts.len() {
                match (self.0)(&b.stmts, k) {
                    Some(mut rewrite) => {
                        if self.1 {
                            k += 1;
                        } else {
                            b.stmts.remove(k);
                        }
                        b.stmts[k..].iter_mut().for_each(&mut *rewrite);
                    }
                    None => k += 1,
                }
            }
            syn::visit_mut::visit_block_mut(self, b);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Blocks(pick, keep).visit_block_mut(body);
}

/// Input: `for layer in &m.layers { .. f(layer) .. }` (also `m.layers.iter()`), whose element is
/// handed whole to a function. Output: `for i in 0..m.layers.len() { let layer = &m.layers[i];
/// .. }`, which [`substitute_elements`] then reads as the element `m.layers[i]` (a model function
/// takes an element of a sequence of models by its path, `f(&m.layers[i])`).
pub(super) fn index_element_loops(body: &mut syn::Block, roots: &[Root]) {
    struct Loops<'a>(&'a [Root]);
    impl VisitMut for Loops<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let Some(indexed) = indexed_map(e, self.0) {
                *e = indexed;
                return;
            }
            let syn::Expr::ForLoop(f) = e else { return };
            // The element's pattern: `layer`, or `(i, layer)` under `.enumerate()`.
            let enumerated =
                crate::naming::mentions(f.expr.to_token_stream(), &|i| i == "enumerate");
            let name = match (&*f.pat, enumerated) {
                (syn::Pat::Ident(p), false) => p,
                (syn::Pat::Tuple(t), true) if t.elems.len() == 2 => match &t.elems[1] {
                    syn::Pat::Ident(p) => p,
                    _ => return,
                },
                _ => return,
            };
            if name.by_ref.is_some() || name.mutability.is_some() || name.subpat.is_some() {
                return;
            }
            let Some((seq, indices)) = index_iterator(&f.expr, self.0) else {
                return;
            };
            if !passed_whole(&f.body.stmts, &name.ident) {
                return;
            }
            let i = crate::naming::hidden("element");
            let pat: syn::Pat = match &*f.pat {
                syn::Pat::Tuple(t) => {
                    let first = &t.elems[0];
                    syn::parse_quote!((#first, #i))
                }
                _ => syn::parse_quote!(#i),
            };
            let (name, body, label) = (&name.ident, &f.body.stmts, &f.label);
            *e = syn::parse_quote! {
                #label for #pat in #indices {
                    let #name = &#seq[#i];
                    #(#body)*
                }
            };
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Loops(roots).visit_block_mut(body);
}

/// An iterator over the elements of a sequence of a model (`&m.layers`, `m.layers.iter()`, with
/// `.rev()`, `.skip(k)`, `.take(k)`, `.step_by(k)`, `.enumerate()` after): the sequence and the
/// same iterator over its indices (`(0..m.layers.len()).rev()`).
fn index_iterator(e: &syn::Expr, roots: &[Root]) -> Option<(syn::Expr, syn::Expr)> {
    match e {
        syn::Expr::Reference(r) if root_path(&r.expr, roots) => {
            let seq = &*r.expr;
            Some((seq.clone(), syn::parse_quote!((0..#seq.len()))))
        }
        syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => {
            let seq = &*m.receiver;
            root_path(seq, roots).then(|| (seq.clone(), syn::parse_quote!((0..#seq.len()))))
        }
        syn::Expr::MethodCall(m)
            if ["rev", "skip", "take", "step_by", "enumerate"]
                .iter()
                .any(|n| m.method == n) =>
        {
            let (seq, inner) = index_iterator(&m.receiver, roots)?;
            let mut adapted = m.clone();
            *adapted.receiver = inner;
            Some((seq, syn::Expr::MethodCall(adapted)))
        }
        _ => None,
    }
}

/// `m.layers.iter().map(|l| .. f(l) ..)` as `(0..m.layers.len()).map(|i| { let l =
/// &m.layers[i]; .. })`, for the same reason as the loops.
fn indexed_map(e: &syn::Expr, roots: &[Root]) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(map) = e else {
        return None;
    };
    if map.method != "map" || map.args.len() != 1 {
        return None;
    }
    let syn::Expr::MethodCall(iter) = &*map.receiver else {
        return None;
    };
    if iter.method != "iter" || !iter.args.is_empty() || !root_path(&iter.receiver, roots) {
        return None;
    }
    let syn::Expr::Closure(c) = &map.args[0] else {
        return None;
    };
    let (Some(syn::Pat::Ident(p)), 1) = (c.inputs.first(), c.inputs.len()) else {
        return None;
    };
    let body = [syn::Stmt::Expr((*c.body).clone(), None)];
    if p.by_ref.is_some() || p.subpat.is_some() || !passed_whole(&body, &p.ident) {
        return None;
    }
    let (seq, name, value) = (&iter.receiver, &p.ident, &c.body);
    let i = crate::naming::hidden("element");
    Some(syn::parse_quote! {
        (0..#seq.len()).map(|#i| {
            let #name = &#seq[#i];
            #value
        })
    })
}

/// Whether `e` is a path of fields from a model (`m.layers`, `self.enc.blocks`).
fn root_path(e: &syn::Expr, roots: &[Root]) -> bool {
    match e {
        syn::Expr::Field(f) => root_path(&f.base, roots),
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| roots.iter().any(|r| r.ident == *i)),
        _ => false,
    }
}

/// Whether `name` is an argument of a call in `stmts` (`f(layer)`, `f(&layer, x)`, `f(*layer)`).
fn passed_whole(stmts: &[syn::Stmt], name: &Ident) -> bool {
    struct Finder<'a>(&'a Ident, bool);
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            self.1 |= c.args.iter().any(|a| names(a, self.0));
            syn::visit::visit_expr_call(self, c);
        }
    }
    fn names(e: &syn::Expr, name: &Ident) -> bool {
        match e {
            syn::Expr::Path(p) => p.path.is_ident(name),
            syn::Expr::Reference(r) => names(&r.expr, name),
            syn::Expr::Unary(u) => names(&u.expr, name),
            syn::Expr::Paren(p) => names(&p.expr, name),
            _ => false,
        }
    }
    let mut f = Finder(name, false);
    stmts.iter().for_each(|s| f.visit_stmt(s));
    f.1
}

/// Where a local bound to an element or a field of a model, `let layer = &m.layers[i];` (`i` a
/// name assigned nowhere after, or a literal), is handed whole to a call, passes its path:
/// `f(layer)` as `f(&m.layers[i])` (its other reads, `layer.w[j]`, stay, as the `let` does).
pub(super) fn substitute_elements(body: &mut syn::Block, roots: &[Root]) {
    replace_bindings(body, true, &|stmts, k| {
        let (alias, path) = element_of(&stmts[k], roots)?;
        let rest = &stmts[k + 1..];
        let taken = !binds(rest, &alias) && passed_whole(rest, &alias) && !assigns_any(rest, &path);
        taken.then(|| {
            Box::new(move |st: &mut syn::Stmt| {
                SubstituteExpr {
                    from: &alias,
                    to: &path,
                }
                .visit_stmt_mut(st);
            }) as Rewrite
        })
    });
}

/// `let alias = &m.layers[i];` (or `&m.head`): the name and the path.
fn element_of(s: &syn::Stmt, roots: &[Root]) -> Option<(Ident, syn::Expr)> {
    let syn::Stmt::Local(l) = s else { return None };
    let init = l.init.as_ref().filter(|i| i.diverge.is_none())?;
    let pat = match &l.pat {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    let syn::Pat::Ident(p) = pat else { return None };
    if p.mutability.is_some() || p.by_ref.is_some() || !l.attrs.is_empty() {
        return None;
    }
    let syn::Expr::Reference(r) = &*init.expr else {
        return None;
    };
    if r.mutability.is_some() {
        return None;
    }
    let path = &*r.expr;
    let ok = match path {
        syn::Expr::Index(i) => root_path(&i.expr, roots) && pure_index(&i.index),
        syn::Expr::Field(_) => root_path(path, roots),
        _ => false,
    };
    ok.then(|| (p.ident.clone(), path.clone()))
}

/// An index read again where the element's name stands: names, literals, fields, arithmetic
/// and `.len()` (`l`, `self.layers.len() - 1`), nothing that could change or run twice.
fn pure_index(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Path(_) | syn::Expr::Lit(_) => true,
        syn::Expr::Field(f) => pure_index(&f.base),
        syn::Expr::Paren(p) => pure_index(&p.expr),
        syn::Expr::Binary(b) => {
            matches!(
                b.op,
                syn::BinOp::Add(_)
                    | syn::BinOp::Sub(_)
                    | syn::BinOp::Mul(_)
                    | syn::BinOp::Div(_)
                    | syn::BinOp::Rem(_)
            ) && pure_index(&b.left)
                && pure_index(&b.right)
        }
        syn::Expr::MethodCall(m) => {
            m.method == "len" && m.args.is_empty() && pure_index(&m.receiver)
        }
        _ => false,
    }
}

/// Whether `stmts` assign (or lend mutably) a name `path` reads (the index of `m.layers[i]`).
fn assigns_any(stmts: &[syn::Stmt], path: &syn::Expr) -> bool {
    let names = crate::desugar::sub_slices::names_in(&path.to_token_stream());
    let rest = syn::Block {
        brace_token: syn::token::Brace::default(),
        stmts: stmts.to_vec(),
    };
    crate::lower::assigned_names(&rest)
        .iter()
        .any(|n| names.contains(n))
}

/// `alias` used whole read as `&path` (`f(layer)` as `f(&m.layers[i])`); its fields, elements and
/// methods are read through the `let`.
struct SubstituteExpr<'a> {
    from: &'a Ident,
    to: &'a syn::Expr,
}

impl VisitMut for SubstituteExpr<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        let is_alias =
            |e: &syn::Expr| matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.from));
        match e {
            // Read through the `let`, which stays.
            syn::Expr::Field(f) if is_alias(&f.base) => return,
            syn::Expr::Index(i) if is_alias(&i.expr) => {
                self.visit_expr_mut(&mut i.index);
                return;
            }
            syn::Expr::MethodCall(m) if is_alias(&m.receiver) => {
                m.args.iter_mut().for_each(|a| self.visit_expr_mut(a));
                return;
            }
            // `&layer` and `*layer`: the path by reference, once.
            syn::Expr::Reference(r) if is_alias(&r.expr) => {
                let to = self.to;
                *e = syn::parse_quote!(&#to);
                return;
            }
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) && is_alias(&u.expr) => {
                let to = self.to;
                *e = syn::parse_quote!(#to);
                return;
            }
            _ if is_alias(e) => {
                let to = self.to;
                *e = syn::parse_quote!(&#to);
                return;
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
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
pub(super) fn binds(stmts: &[syn::Stmt], name: &Ident) -> bool {
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
