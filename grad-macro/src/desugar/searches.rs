//! Searches of a sequence of floats that give an `Option` of one: `xs.iter().find(|&&v| ..)`,
//! `find_map(..)`, `filter(..).next()`, `map(..).find(..)`, `xs.get(k)`. Each becomes a local
//! `Option` given by a loop (or a test of the index), in the form a helper giving an `Option` has
//! once inlined, which `options` then takes apart wherever it is read (`unwrap_or`, `map_or`,
//! `match`, `if let`, `.copied()`).

use std::collections::HashSet;
use syn::visit_mut::VisitMut;

/// Input: a body, the names of its parameters that are sequences of floats (`&[f64]`, `&Vec<T>`,
/// `[f64; N]`, none bound again in the body) and the float type the function computes in.
/// Output: the body with every search above (over a sequence one of `seqs` names, or a chain of
/// iterator stages on one) written as
/// `({ let R: Option<F> = 'L: loop { for v in CHAIN { break 'L Some(v); } break 'L None; }; R })`,
/// and `o.map_or(d, |i| e)` of a `position`/`rposition` as a `match` (its closure may read
/// differentiated values at the index found).
/// (A search of a model's field, `self.w.get(k)`, is left as written: a field may hold data of
/// any type.)
pub fn rewrite(block: &mut syn::Block, seqs: &HashSet<String>, float: &syn::Type) {
    Searches { seqs, float }.visit_block_mut(block);
}

struct Searches<'a> {
    seqs: &'a HashSet<String>,
    float: &'a syn::Type,
}

/// What the items of an iterator chain are: references into a slice of floats (`xs.iter()`,
/// filtered, skipped, ..) or values (`.copied()`, `.map(..)`); `None` for a chain not known.
#[derive(Clone, Copy)]
enum Items {
    Refs,
    Values,
}

impl Searches<'_> {
    /// Whether `e` names a sequence of floats (`xs`, `&xs`, `xs[a..b]`).
    fn of_floats(&self, e: &syn::Expr) -> bool {
        match super::unparen(e) {
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.seqs.contains(&i.to_string())),
            syn::Expr::Reference(r) => self.of_floats(&r.expr),
            syn::Expr::Index(ix) => {
                matches!(&*ix.index, syn::Expr::Range(_)) && self.of_floats(&ix.expr)
            }
            _ => false,
        }
    }

    fn items(&self, chain: &syn::Expr) -> Option<Items> {
        let syn::Expr::MethodCall(m) = super::unparen(chain) else {
            return None;
        };
        let name = m.method.to_string();
        match (name.as_str(), m.args.len()) {
            ("iter", 0) => self.of_floats(&m.receiver).then_some(Items::Refs),
            ("filter" | "skip" | "take" | "step_by" | "skip_while" | "take_while", 1)
            | ("rev", 0) => self.items(&m.receiver),
            ("copied" | "cloned", 0) => self.items(&m.receiver).map(|_| Items::Values),
            ("map" | "filter_map", 1) => self.items(&m.receiver).map(|_| Items::Values),
            _ => None,
        }
    }

    /// The option a search gives, as a block: its items `CHAIN` yields, the first taken.
    fn first_of(&self, chain: &syn::Expr, items: Items) -> syn::Expr {
        let (r, label, v) = (
            crate::naming::fresh("found"),
            syn::Lifetime::new(
                &format!("'{}", crate::naming::fresh("search")),
                proc_macro2::Span::call_site(),
            ),
            crate::naming::fresh("item"),
        );
        let float = self.float;
        // (Items of a slice: the option is one of a reference, as written, given `Some(&v)`.)
        let (pat, ty, some): (syn::Pat, syn::Type, syn::Expr) = match items {
            Items::Refs => (
                syn::parse_quote!(&#v),
                syn::parse_quote!(Option<&#float>),
                syn::parse_quote!(Some(&#v)),
            ),
            Items::Values => (
                syn::parse_quote!(#v),
                syn::parse_quote!(Option<#float>),
                syn::parse_quote!(Some(#v)),
            ),
        };
        syn::parse_quote!(({
            let #r: #ty = #label: loop {
                for #pat in #chain {
                    break #label #some;
                }
                break #label None;
            };
            #r
        }))
    }

    fn search(&self, e: &syn::Expr) -> Option<syn::Expr> {
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        let name = m.method.to_string();
        match (name.as_str(), m.args.len()) {
            // `xs.get(k)`: the element where `k` is in bounds.
            ("get", 1) if self.of_floats(&m.receiver) => {
                if matches!(&m.args[0], syn::Expr::Range(_)) {
                    return None;
                }
                let (xs, k) = (&m.receiver, &m.args[0]);
                let (r, at) = (crate::naming::fresh("got"), crate::naming::fresh("at"));
                let float = self.float;
                Some(syn::parse_quote!(({
                    let #at: usize = #k;
                    let #r: Option<&#float> = if #at < #xs.len() { Some(&#xs[#at]) } else { None };
                    #r
                })))
            }
            ("find", 1) => {
                let items = self.items(&m.receiver)?;
                let (recv, p) = (&m.receiver, &m.args[0]);
                Some(self.first_of(&syn::parse_quote!(#recv.filter(#p)), items))
            }
            ("find_map", 1) => {
                self.items(&m.receiver)?;
                let (recv, f) = (&m.receiver, &m.args[0]);
                Some(self.first_of(&syn::parse_quote!(#recv.filter_map(#f)), Items::Values))
            }
            // `xs.iter().filter(..).next()` (not `it.next()` of an iterator held in a local, nor
            // a chain that drops no item: `x.iter().map(..).next()` is lowered as it is).
            ("next", 0) if filters(&m.receiver) => {
                let items = self.items(&m.receiver)?;
                Some(self.first_of(&m.receiver, items))
            }
            // `xs.iter().rposition(..).map_or(d, |i| xs[i] * w)`: a `match` on the index found.
            ("map_or", 2) => {
                let syn::Expr::MethodCall(found) = super::unparen(&m.receiver) else {
                    return None;
                };
                if found.method != "position" && found.method != "rposition" {
                    return None;
                }
                let syn::Expr::Closure(c) = &m.args[1] else {
                    return None;
                };
                if c.inputs.len() != 1 {
                    return None;
                }
                let (p, body, d, o) = (&c.inputs[0], &c.body, &m.args[0], &m.receiver);
                Some(syn::parse_quote!((match #o { Some(#p) => #body, None => #d })))
            }
            _ => None,
        }
    }
}

/// Whether iterator chain `e` has a stage that drops items (`filter`, `filter_map`,
/// `skip_while`).
fn filters(e: &syn::Expr) -> bool {
    match super::unparen(e) {
        syn::Expr::MethodCall(m) => {
            ["filter", "filter_map", "skip_while"]
                .iter()
                .any(|f| m.method == f)
                || filters(&m.receiver)
        }
        _ => false,
    }
}

impl VisitMut for Searches<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let Some(found) = self.search(e) {
            *e = found;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
