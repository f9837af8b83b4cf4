//! Reads through an element of a sequence of structs, written with its path and index.

use super::find::field_path;
use super::Root;
use proc_macro2::{Ident, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

/// Input: `for layer in &m.layers { .. layer.w[j] .. }` (or `m.layers.iter()`, or
/// `for (l, layer) in m.layers.iter().enumerate()`), `m.layers.iter().map(|layer| ..)`, and
/// `let layer = &m.layers[l];`.
/// Output: `for l in 0..m.layers.len() { .. m.layers[l].w[j] .. }`: every read through the
/// element names the path and the index, so the element's fields are found like the model's own.
pub(super) struct Elements<'a> {
    pub(super) roots: &'a [Root],
}

/// The loop's index name (if the user named one), the element name, the sequence and the range
/// of positions the loop visits: `&m.layers`, `m.layers.iter()`, also with `.rev()`, `.take(k)`
/// and `.skip(k)` (after `.enumerate()` too, whose count is then the position).
fn element_loop(
    f: &syn::ExprForLoop,
    roots: &[Root],
) -> Option<(Option<Ident>, Ident, syn::Expr, TokenStream)> {
    // The adapters after the element source, innermost first.
    let mut iter = &*f.expr;
    let mut adapters: Vec<(&Ident, Option<&syn::Expr>)> = Vec::new();
    while let syn::Expr::MethodCall(mc) = iter {
        let known = match mc.method.to_string().as_str() {
            "rev" | "enumerate" => mc.args.is_empty(),
            "take" | "skip" => mc.args.len() == 1,
            _ => false,
        };
        if !known {
            break;
        }
        adapters.push((&mc.method, mc.args.first()));
        iter = &mc.receiver;
    }
    adapters.reverse();
    let enumerated = adapters.iter().position(|(m, _)| *m == "enumerate");
    let (index, name) = match (&*f.pat, enumerated) {
        (syn::Pat::Ident(pi), None) => (None, pi.ident.clone()),
        (syn::Pat::Tuple(t), Some(0)) if t.elems.len() == 2 => {
            let (syn::Pat::Ident(i), syn::Pat::Ident(n)) = (&t.elems[0], &t.elems[1]) else {
                return None;
            };
            (Some(i.ident.clone()), n.ident.clone())
        }
        // A count that is not the position (`.rev().enumerate()`).
        _ => return None,
    };
    let seq = match iter {
        syn::Expr::Reference(r) if r.mutability.is_none() && adapters.is_empty() => &*r.expr,
        syn::Expr::MethodCall(mc) if mc.method == "iter" && mc.args.is_empty() => &*mc.receiver,
        _ => return None,
    };
    let found = field_path(seq, roots)?;
    if found.index.is_some() {
        return None;
    }
    // The positions, narrowed adapter by adapter.
    let (mut start, mut end): (TokenStream, TokenStream) =
        (quote::quote!(0), quote::quote!(#seq.len()));
    let mut rev = false;
    for (m, arg) in adapters.iter().filter(|(m, _)| *m != "enumerate") {
        match (m.to_string().as_str(), rev) {
            ("rev", _) => rev = !rev,
            ("take", false) => end = quote::quote!(::core::cmp::min(#start + (#arg), #end)),
            ("skip", false) => start = quote::quote!(::core::cmp::min(#start + (#arg), #end)),
            ("take", true) => {
                start = quote::quote!(#end - ::core::cmp::min(#arg, #end - #start));
            }
            ("skip", true) => end = quote::quote!(#end - ::core::cmp::min(#arg, #end - #start)),
            _ => return None,
        }
    }
    let range = if rev {
        quote::quote!((#start..#end).rev())
    } else {
        quote::quote!(#start..#end)
    };
    Some((index, name, seq.clone(), range))
}

/// `redeclares` also counts a name read inside a macro (`vec![0.0; layer.n]`), which is no
/// declaration: that alone is fine here.
fn only_in_macros(s: &syn::Stmt, name: &Ident) -> bool {
    !super::aliases::binds(std::slice::from_ref(s), name)
}

/// Whether `name` is assigned (`name = ..`, `name += ..`) in `stmts`.
fn assigned(stmts: &[syn::Stmt], name: &Ident) -> bool {
    struct Find<'a>(&'a Ident, bool);
    impl<'ast> syn::visit::Visit<'ast> for Find<'_> {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            let target = match e {
                syn::Expr::Assign(a) => Some(&*a.left),
                syn::Expr::Binary(b)
                    if matches!(
                        b.op,
                        syn::BinOp::AddAssign(_)
                            | syn::BinOp::SubAssign(_)
                            | syn::BinOp::MulAssign(_)
                            | syn::BinOp::DivAssign(_)
                            | syn::BinOp::RemAssign(_)
                    ) =>
                {
                    Some(&*b.left)
                }
                _ => None,
            };
            if matches!(target, Some(syn::Expr::Path(p)) if p.path.is_ident(self.0)) {
                self.1 = true;
            }
            syn::visit::visit_expr(self, e);
        }
    }
    let mut f = Find(name, false);
    for s in stmts {
        syn::visit::Visit::visit_stmt(&mut f, s);
    }
    f.1
}

/// Whether `name.field` is read, or a method called on `name` (`layer.forward(x)`), in
/// `tokens`' syntax tree.
struct FieldOf<'a> {
    name: &'a Ident,
    found: bool,
}

impl<'ast> syn::visit::Visit<'ast> for FieldOf<'_> {
    fn visit_expr_field(&mut self, f: &'ast syn::ExprField) {
        if matches!(&*f.base, syn::Expr::Path(p) if p.path.is_ident(self.name)) {
            self.found = true;
        }
        syn::visit::visit_expr_field(self, f);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(self.name)) {
            self.found = true;
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}

/// `e` with every token at `span`: the element written where the user wrote its name
/// (`layer.w` read as `m.layers[l].w`), so that an error about the read points there.
fn spanned_at(e: &syn::Expr, span: proc_macro2::Span) -> syn::Expr {
    fn respan(ts: TokenStream, span: proc_macro2::Span) -> TokenStream {
        ts.into_iter()
            .map(|mut t| {
                if let proc_macro2::TokenTree::Group(g) = &t {
                    let mut ng = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                    ng.set_span(span);
                    t = proc_macro2::TokenTree::Group(ng);
                } else {
                    t.set_span(span);
                }
                t
            })
            .collect()
    }
    syn::parse2(respan(e.to_token_stream(), span)).unwrap_or_else(|_| e.clone())
}

/// `name.a.b` → `seq[index].a.b` everywhere below.
struct Substitute<'a> {
    name: &'a Ident,
    element: syn::Expr,
}

impl VisitMut for Substitute<'_> {
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        // `vec![0.0; layer.n]`, `assert!(layer.w.len() > 0)`: `name .` in the tokens.
        fn tokens(ts: TokenStream, name: &Ident, element: &TokenStream) -> TokenStream {
            let tts: Vec<proc_macro2::TokenTree> = ts.into_iter().collect();
            let mut out = TokenStream::new();
            for (k, tt) in tts.iter().enumerate() {
                match tt {
                    proc_macro2::TokenTree::Ident(i)
                        if i == name
                            && matches!(tts.get(k + 1), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '.')
                            && !matches!(k.checked_sub(1).and_then(|j| tts.get(j)), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '.') =>
                    {
                        out.extend(element.clone());
                    }
                    proc_macro2::TokenTree::Group(g) => {
                        let mut ng = proc_macro2::Group::new(
                            g.delimiter(),
                            tokens(g.stream(), name, element),
                        );
                        ng.set_span(g.span());
                        out.extend([proc_macro2::TokenTree::Group(ng)]);
                    }
                    other => out.extend([other.clone()]),
                }
            }
            out
        }
        let element = self.element.to_token_stream();
        m.tokens = tokens(std::mem::take(&mut m.tokens), self.name, &element);
    }

    fn visit_expr_field_mut(&mut self, f: &mut syn::ExprField) {
        if matches!(&*f.base, syn::Expr::Path(p) if p.path.is_ident(self.name)) {
            *f.base = spanned_at(&self.element, f.base.span());
            return;
        }
        syn::visit_mut::visit_expr_field_mut(self, f);
    }

    fn visit_expr_method_call_mut(&mut self, m: &mut syn::ExprMethodCall) {
        if matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(self.name)) {
            *m.receiver = spanned_at(&self.element, m.receiver.span());
        }
        syn::visit_mut::visit_expr_method_call_mut(self, m);
    }
}

/// `m.layers.iter().map(|layer| BODY)` with `BODY` reading `layer.w` (also `for_each`, `any`,
/// `all`, `fold(init, |acc, layer| BODY)`, through `rev`, `skip`, `take`, `step_by` and
/// `enumerate`, whose pattern is then `(i, layer)`): the same over the positions,
/// `(0..m.layers.len()).map(|l| { let layer = &m.layers[l]; BODY })`.
fn element_closure(mc: &mut syn::ExprMethodCall, roots: &[Root]) -> bool {
    let at = match (mc.method.to_string().as_str(), mc.args.len()) {
        ("map" | "for_each" | "any" | "all", 1) => 0,
        ("fold", 2) => 1,
        _ => return false,
    };
    // The adapters down to `.iter()`, positional all: they work on the positions alike.
    let (iter, enumerated) = crate::desugar::positional_source(&mc.receiver);
    let syn::Expr::MethodCall(it) = iter else {
        return false;
    };
    if it.method != "iter" || !it.args.is_empty() {
        return false;
    }
    if field_path(&it.receiver, roots).is_none_or(|f| f.index.is_some()) {
        return false;
    }
    let seq = (*it.receiver).clone();
    let syn::Expr::Closure(c) = &mut mc.args[at] else {
        return false;
    };
    let Some(param) = c.inputs.iter_mut().nth(at) else {
        return false;
    };
    let slot = if enumerated {
        match param {
            syn::Pat::Tuple(t) if t.elems.len() == 2 => t.elems.iter_mut().nth(1),
            _ => None,
        }
    } else {
        Some(param)
    };
    let Some(slot) = slot else { return false };
    let pi = match &*slot {
        syn::Pat::Ident(pi) => pi,
        syn::Pat::Type(pt) => match &*pt.pat {
            syn::Pat::Ident(pi) => pi,
            _ => return false,
        },
        _ => return false,
    };
    if pi.by_ref.is_some() || pi.subpat.is_some() {
        return false;
    }
    let name = pi.ident.clone();
    let mut uses = FieldOf {
        name: &name,
        found: false,
    };
    syn::visit::Visit::visit_expr(&mut uses, &c.body);
    if !uses.found {
        return false;
    }
    let index = crate::naming::fresh("elem");
    *slot = syn::parse_quote!(#index);
    let body = &c.body;
    *c.body = syn::parse_quote!({ let #name = &#seq[#index]; #body });
    // `seq.iter()` at the root: the positions.
    fn root(e: &mut syn::Expr, seq: &syn::Expr) {
        let syn::Expr::MethodCall(m) = e else { return };
        if m.method == "iter" {
            *e = syn::parse_quote!((0..#seq.len()));
        } else {
            root(&mut m.receiver, seq);
        }
    }
    root(&mut mc.receiver, &seq);
    true
}

impl VisitMut for Elements<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::MethodCall(mc) = e {
            element_closure(mc, self.roots);
        }
        if let syn::Expr::ForLoop(f) = e {
            if let Some((index, name, seq, range)) = element_loop(f, self.roots) {
                let mut uses = FieldOf {
                    name: &name,
                    found: false,
                };
                syn::visit::Visit::visit_block(&mut uses, &f.body);
                if uses.found {
                    let index = index.unwrap_or_else(|| crate::naming::fresh("elem"));
                    let stmts = &f.body.stmts;
                    let (attrs, label) = (&f.attrs, &f.label);
                    *e = syn::parse_quote! {
                        #(#attrs)* #label for #index in #range {
                            let #name = &#seq[#index];
                            #(#stmts)*
                        }
                    };
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, b);
        let mut i = 0;
        while i < b.stmts.len() {
            // `let last = &m.layers[n - 1];`: the position computed once, before.
            if let Some(at) = computed_position(&mut b.stmts[i], self.roots) {
                b.stmts.insert(i, at);
                i += 1;
            }
            let alias = match &b.stmts[i] {
                syn::Stmt::Local(syn::Local {
                    pat,
                    init:
                        Some(syn::LocalInit {
                            expr,
                            diverge: None,
                            ..
                        }),
                    ..
                }) => match (pat, &**expr) {
                    (syn::Pat::Ident(pi), syn::Expr::Reference(r))
                        if pi.by_ref.is_none() && pi.subpat.is_none() =>
                    {
                        match &*r.expr {
                            syn::Expr::Index(ix)
                                if field_path(&ix.expr, self.roots)
                                    .is_some_and(|f| f.index.is_none())
                                    && matches!(
                                        &*ix.index,
                                        syn::Expr::Path(_) | syn::Expr::Lit(_)
                                    ) =>
                            {
                                Some((pi.ident.clone(), (*r.expr).clone()))
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                },
                _ => None,
            };
            // The element stays bound to what it was bound to: the index must not change after.
            let alias = alias.filter(|(_, element)| {
                let syn::Expr::Index(ix) = element else {
                    return false;
                };
                match &*ix.index {
                    syn::Expr::Path(p) => p
                        .path
                        .get_ident()
                        .is_some_and(|id| !assigned(&b.stmts[i + 1..], id)),
                    _ => true,
                }
            });
            // ... and the name must keep naming the element.
            let alias = alias.filter(|(name, _)| {
                !b.stmts[i + 1..]
                    .iter()
                    .any(|s| crate::desugar::redeclares(s, &[name]) && !only_in_macros(s, name))
            });
            if let Some((name, element)) = alias {
                let mut sub = Substitute {
                    name: &name,
                    element,
                };
                for s in &mut b.stmts[i + 1..] {
                    sub.visit_stmt_mut(s);
                }
                let rest: TokenStream = b.stmts[i + 1..]
                    .iter()
                    .map(ToTokens::to_token_stream)
                    .collect();
                if !crate::desugar::mentions(&rest, &name) {
                    b.stmts.remove(i);
                    continue;
                }
            }
            i += 1;
        }
    }
}

/// Input: `let e = &m.layers[i + 1];` (a position other than a name or a literal). Output: `let
/// AT: usize = i + 1;`, and the `let` reads `&m.layers[AT]`.
fn computed_position(s: &mut syn::Stmt, roots: &[Root]) -> Option<syn::Stmt> {
    let syn::Stmt::Local(l) = s else {
        return None;
    };
    let syn::Pat::Ident(_) = &l.pat else {
        return None;
    };
    let init = l.init.as_mut()?;
    if init.diverge.is_some() {
        return None;
    }
    let syn::Expr::Reference(r) = &mut *init.expr else {
        return None;
    };
    let syn::Expr::Index(ix) = &mut *r.expr else {
        return None;
    };
    if field_path(&ix.expr, roots).is_none_or(|f| f.index.is_some())
        || matches!(
            &*ix.index,
            syn::Expr::Path(_) | syn::Expr::Lit(_) | syn::Expr::Range(_)
        )
    {
        return None;
    }
    let at = crate::naming::fresh("at");
    let index = std::mem::replace(&mut *ix.index, syn::parse_quote!(#at));
    Some(syn::parse_quote!(let #at: usize = #index;))
}
