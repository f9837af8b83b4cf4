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

const READS_ITS_MODULE: &str =
    "its body names items of its own module, which the caller's module does not see by those names";

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
}

impl Rewrite<'_> {
    /// The helper at `path` under the name `key`, if it can be moved; else refused (or nothing
    /// found). Whether it is known now.
    fn take(&mut self, path: &[String], key: &str, span: Span) -> bool {
        if self.out.known.contains_key(key) {
            return true;
        }
        let Some((src, names)) = crate::prescan::module_function(self.caller, path) else {
            return false;
        };
        let Ok(mut f) = syn::parse_str::<syn::ItemFn>(&src) else {
            return false;
        };
        let own_name = f.sig.ident.clone();
        let tokens = quote::ToTokens::to_token_stream(&f);
        // (`super::..` and `self::..` are paths from its module too.)
        let reads_module = crate::naming::mentions(tokens, &|i| {
            (*i != own_name && names.iter().any(|n| i == n.as_str())) || i == "super" || i == "self"
        });
        if reads_module {
            // (By its own name: what the derivative a call would need is named after.)
            let name = own_name.to_string();
            if !self.out.refused.iter().any(|(n, ..)| *n == name) {
                self.out.refused.push((name, span, READS_ITS_MODULE));
            }
            return false;
        }
        f.sig.ident = Ident::new(key, own_name.span());
        let src = quote::ToTokens::to_token_stream(&f).to_string();
        self.out.known.insert(key.to_string(), src);
        true
    }
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
