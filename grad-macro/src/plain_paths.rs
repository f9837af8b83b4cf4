//! Helpers without `#[gradient]` of another module of the same file: called by a path
//! (`act::relu(z)`, `super::relu(z)`, `crate::nn::relu(z)`, named as a value `.map(act::relu)`)
//! or by a bare name the caller's module imports (`use act::relu;`). Each is copied as
//! `plain_helpers` copies the caller's own module's helpers, the path written as one name
//! (`grad_act_relu`). Its body is moved into the caller's module, where a bare name of its own
//! module's items (a private constant, another helper, an import) would mean something else or
//! nothing: a helper whose body names one is refused, with an error at the call.

use proc_macro2::{Ident, Span};
use std::collections::BTreeMap;
use syn::visit_mut::VisitMut;

/// What [`rewrite`] found.
pub struct Paths {
    /// The helpers to copy: the name they are called by in the rewritten body, and the source
    /// (the function named so).
    pub known: BTreeMap<String, String>,
    /// The helpers that cannot be moved, with their call and why.
    pub refused: Vec<(String, Span, &'static str)>,
    /// `item` with its path calls of helpers written as calls of one name, if it has any.
    pub rewritten: Option<syn::ItemFn>,
}

const READS_ITS_MODULE: &str = "its body names items of its own module that the caller's module cannot name (private ones, imports, names inside macros, `super::super::` paths)";

/// The helpers of other modules `item` (a function of the module of `caller`) calls, except those
/// named by a bare name in `own` (the caller's module's helpers).
pub fn rewrite(item: &syn::ItemFn, caller: &str, own: &BTreeMap<String, String>) -> Paths {
    let mut r = Rewrite {
        caller,
        own,
        out: Paths {
            known: BTreeMap::new(),
            refused: Vec::new(),
            rewritten: None,
        },
        changed: false,
        missed: std::collections::HashSet::new(),
    };
    let mut f = item.clone();
    r.visit_block_mut(&mut f.block);
    if r.changed {
        r.out.rewritten = Some(f);
    }
    r.out
}

struct Rewrite<'a> {
    caller: &'a str,
    own: &'a BTreeMap<String, String>,
    out: Paths,
    changed: bool,
    /// The names and paths already looked up and found to be no such helper (a body names its
    /// locals many times).
    missed: std::collections::HashSet<String>,
}

impl Rewrite<'_> {
    /// The helper at `path` under the name `key`, if it can be moved; else refused (or nothing
    /// found). Whether it is known now.
    fn take(&mut self, path: &[String], key: &str, span: Span) -> bool {
        if self.out.known.contains_key(key) {
            return true;
        }
        if self.missed.contains(key) {
            return false;
        }
        let Some(found) = crate::prescan::module_function(self.caller, path) else {
            self.missed.insert(key.to_string());
            return false;
        };
        let Ok(mut f) = syn::parse_str::<syn::ItemFn>(&found.src) else {
            return false;
        };
        let own_name = f.sig.ident.clone();
        match in_callers_terms(&mut f, &found, key) {
            Some(()) => {}
            None => {
                // (By its own name: what the derivative a call would need is named after.)
                let name = own_name.to_string();
                if !self.out.refused.iter().any(|(n, ..)| *n == name) {
                    self.out.refused.push((name, span, READS_ITS_MODULE));
                }
                return false;
            }
        }
        let src = quote::ToTokens::to_token_stream(&f).to_string();
        self.out.known.insert(key.to_string(), src);
        true
    }
}

/// `f`, a helper of the module `found.module`, as the caller's module reads it: named `key`
/// (its own calls too), and each item of its module it names by a path to it
/// (`relu(z)` as `act::relu(z)`, `K` as `act::K`), which the caller then follows like any.
/// `None` where that cannot be: an item its module does not make visible, a name its body also
/// binds, one inside a macro's tokens, a `super::` or `self::` path.
fn in_callers_terms(
    f: &mut syn::ItemFn,
    found: &crate::prescan::ModuleFunction,
    key: &str,
) -> Option<()> {
    let own = f.sig.ident.clone();
    let tokens = quote::ToTokens::to_token_stream(&*f);
    let named: Vec<&String> = found
        .names
        .iter()
        .filter(|n| {
            own != n.as_str() && crate::naming::mentions(tokens.clone(), &|i| i == n.as_str())
        })
        .collect();
    // `self::x` and `super::x` from the helper's module, as paths from the caller's.
    let above = {
        let mut m = found.module.clone();
        match m.last().map(String::as_str) {
            Some("crate") => None,
            Some("super") | None => {
                m.push("super".into());
                Some(m)
            }
            Some(_) => {
                m.pop();
                Some(m)
            }
        }
    };
    let from_module = crate::naming::mentions(tokens.clone(), &|i| i == "super" || i == "self");
    let twice = tokens.to_string().contains("super :: super");
    if from_module && (above.is_none() || found.module.is_empty() || twice) {
        return None;
    }
    if !named.is_empty() {
        let mut bound = Vec::new();
        for a in &f.sig.inputs {
            if let syn::FnArg::Typed(pt) = a {
                crate::lower::collect_pat_idents(&pt.pat, &mut bound);
            }
        }
        struct Binds<'a>(&'a mut Vec<Ident>);
        impl<'ast> syn::visit::Visit<'ast> for Binds<'_> {
            fn visit_pat(&mut self, p: &'ast syn::Pat) {
                crate::lower::collect_pat_idents(p, self.0);
            }
            fn visit_macro(&mut self, m: &'ast syn::Macro) {
                // (A name inside a macro's tokens cannot be given its path.)
                self.0
                    .extend(crate::desugar::sub_slices::names_in(&m.tokens));
            }
        }
        syn::visit::Visit::visit_block(&mut Binds(&mut bound), &f.block);
        let ok = named
            .iter()
            .all(|n| found.public.contains(n) && !bound.iter().any(|b| b == n.as_str()));
        if !ok || found.module.is_empty() {
            return None;
        }
    }
    struct Paths<'a> {
        named: &'a [&'a String],
        module: &'a [String],
        above: &'a [String],
        own: &'a Ident,
        key: Ident,
    }
    impl Paths<'_> {
        fn fix(&self, p: &mut syn::Path) {
            if p.leading_colon.is_some() {
                return;
            }
            let Some(first) = p.segments.first().map(|s| s.ident.clone()) else {
                return;
            };
            // `self::x`, `super::x` (once: `super::super::` is not followed).
            let base = match first.to_string().as_str() {
                "self" => Some(self.module),
                "super" => Some(self.above),
                _ => None,
            };
            if let Some(base) = base {
                let rest = p.segments.iter().skip(1);
                let segs = base.iter().map(|m| Ident::new(m, first.span()));
                *p = syn::parse_quote!(#(#segs::)*#(#rest)::*);
                return;
            }
            if p.segments.len() == 1 && first == *self.own {
                *p = Ident::new(&self.key.to_string(), first.span()).into();
            } else if self.named.iter().any(|n| first == n.as_str()) {
                // (`K`, `relu`, and `inner::f` of a module it declares.)
                let segs = self.module.iter().map(|m| Ident::new(m, first.span()));
                let rest = &p.segments;
                *p = syn::parse_quote!(#(#segs::)*#rest);
            }
        }
    }
    impl VisitMut for Paths<'_> {
        fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
            if p.qself.is_none() {
                self.fix(&mut p.path);
            }
        }
        fn visit_expr_struct_mut(&mut self, e: &mut syn::ExprStruct) {
            if e.qself.is_none() {
                self.fix(&mut e.path);
            }
            syn::visit_mut::visit_expr_struct_mut(self, e);
        }
        fn visit_pat_mut(&mut self, p: &mut syn::Pat) {
            match p {
                syn::Pat::Path(pp) if pp.qself.is_none() => self.fix(&mut pp.path),
                syn::Pat::TupleStruct(ts) if ts.qself.is_none() => self.fix(&mut ts.path),
                syn::Pat::Struct(ps) if ps.qself.is_none() => self.fix(&mut ps.path),
                _ => {}
            }
            syn::visit_mut::visit_pat_mut(self, p);
        }
        fn visit_type_path_mut(&mut self, t: &mut syn::TypePath) {
            if t.qself.is_none() {
                self.fix(&mut t.path);
            }
            syn::visit_mut::visit_type_path_mut(self, t);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let above = above.unwrap_or_default();
    let mut p = Paths {
        named: &named,
        module: &found.module,
        above: &above,
        own: &own,
        key: Ident::new(key, own.span()),
    };
    p.visit_block_mut(&mut f.block);
    p.visit_signature_mut(&mut f.sig);
    f.sig.ident = Ident::new(key, own.span());
    Some(())
}

impl VisitMut for Rewrite<'_> {
    fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
        if p.qself.is_some() || p.path.segments.iter().any(|s| !s.arguments.is_empty()) {
            return;
        }
        let segs = crate::naming::segments(&p.path);
        let last = p.path.segments.last().map(|s| s.ident.span());
        let span = last.unwrap_or_else(Span::call_site);
        match &segs[..] {
            // A bare name: the caller's module's own helper (`plain_helpers`), or one it imports.
            [name] => {
                if !self.own.contains_key(name) {
                    self.take(&segs, name, span);
                }
            }
            _ => {
                let key = format!("grad_{}", segs.join("_"));
                if self.take(&segs, &key, span) {
                    p.path = Ident::new(&key, span).into();
                    self.changed = true;
                }
            }
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        crate::desugar::closures::visit_vec_macro(m, self);
    }
}
