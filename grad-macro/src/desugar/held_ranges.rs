//! Ranges held in names: a parameter `r: Range<usize>` (or `&Range<usize>`,
//! `RangeInclusive<usize>`) or a local `let r = a..b;`, used where a range is written
//! (`&x[r.clone()]`, `x[r]`, `for i in r.clone()`, `r.clone().map(..)`).
//!
//! Input: `x[r.clone()]`. Output: `x[r.start..r.end]` (`x[*r.start()..=*r.end()]` of an inclusive
//! range), the sub-slice lowering takes, its bounds integers of data.

use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// Rewrites the uses of the ranges held in names of `block`: the parameters of `sig` whose type
/// is a range of integers, and the locals bound once to a range expression.
pub fn rewrite(block: &mut syn::Block, sig: &syn::Signature) {
    let mut held: Vec<(syn::Ident, bool)> = Vec::new();
    for input in &sig.inputs {
        let syn::FnArg::Typed(pt) = input else {
            continue;
        };
        let syn::Pat::Ident(pi) = &*pt.pat else {
            continue;
        };
        if let Some(inclusive) = range_type(&pt.ty) {
            held.push((pi.ident.clone(), inclusive));
        }
    }
    let mut lets = Lets::default();
    lets.visit_block(block);
    // A parameter bound again in the body is another value there.
    held.retain(|(n, _)| !lets.bound.contains(n));
    let params: Vec<syn::Ident> = sig
        .inputs
        .iter()
        .filter_map(|i| match i {
            syn::FnArg::Typed(pt) => match &*pt.pat {
                syn::Pat::Ident(pi) => Some(pi.ident.clone()),
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    for (name, inclusive) in &lets.ranges {
        if lets.bound.iter().filter(|b| *b == name).count() == 1 && !params.contains(name) {
            held.push((name.clone(), *inclusive));
        }
    }
    if held.is_empty() {
        return;
    }
    Uses { held: &held }.visit_block_mut(block);
}

/// `Some(inclusive)` for `Range<usize>`, `&RangeInclusive<i64>`, `std::ops::Range<usize>`.
fn range_type(t: &syn::Type) -> Option<bool> {
    match t {
        syn::Type::Reference(r) if r.mutability.is_none() => range_type(&r.elem),
        syn::Type::Paren(p) => range_type(&p.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
                return None;
            };
            let integer = a.args.len() == 1
                && matches!(&a.args[0], syn::GenericArgument::Type(syn::Type::Path(t))
                    if t.path.get_ident().is_some_and(|i| crate::lower::primitive_kind(&syn::parse_quote!(#i)) == crate::ir::Kind::Int));
            if !integer {
                return None;
            }
            match last.ident.to_string().as_str() {
                "Range" => Some(false),
                "RangeInclusive" => Some(true),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The names the body binds, and those of them bound by `let r = a..b;` (not `mut`).
#[derive(Default)]
struct Lets {
    bound: Vec<syn::Ident>,
    ranges: Vec<(syn::Ident, bool)>,
}

impl<'a> Visit<'a> for Lets {
    fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
        self.bound.push(p.ident.clone());
        syn::visit::visit_pat_ident(self, p);
    }
    fn visit_local(&mut self, l: &'a syn::Local) {
        if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
            if let syn::Expr::Range(r) = &*init.expr {
                if pi.mutability.is_none()
                    && pi.by_ref.is_none()
                    && r.start.is_some()
                    && r.end.is_some()
                {
                    let inclusive = matches!(r.limits, syn::RangeLimits::Closed(_));
                    self.ranges.push((pi.ident.clone(), inclusive));
                }
            }
        }
        syn::visit::visit_local(self, l);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

struct Uses<'a> {
    held: &'a [(syn::Ident, bool)],
}

impl Uses<'_> {
    /// `r.clone()` or `r` (also parenthesized) of a held range: `Some(inclusive)`.
    fn held_range(&self, e: &syn::Expr, bare: bool) -> Option<(syn::Ident, bool)> {
        let name = match crate::desugar::unparen(e) {
            syn::Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => {
                match crate::desugar::unparen(&m.receiver) {
                    syn::Expr::Path(p) => p.path.get_ident()?,
                    _ => return None,
                }
            }
            syn::Expr::Path(p) if bare => p.path.get_ident()?,
            _ => return None,
        };
        self.held.iter().find(|(n, _)| n == name).cloned()
    }

    fn written(name: &syn::Ident, inclusive: bool) -> syn::Expr {
        if inclusive {
            syn::parse_quote!((*#name.start()..=*#name.end()))
        } else {
            syn::parse_quote!((#name.start..#name.end))
        }
    }
}

impl VisitMut for Uses<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            // `x[r]`, `x[r.clone()]`: the range written out, without the parentheses.
            syn::Expr::Index(ix) => {
                if let Some((n, inclusive)) = self.held_range(&ix.index, true) {
                    let syn::Expr::Paren(p) = Self::written(&n, inclusive) else {
                        unreachable!("a range is written in parentheses")
                    };
                    *ix.index = *p.expr;
                    self.visit_expr_mut(&mut ix.expr);
                    return;
                }
            }
            // `for i in r` of a held range moves it: written out too.
            syn::Expr::ForLoop(f) => {
                if let Some((n, inclusive)) = self.held_range(&f.expr, true) {
                    *f.expr = Self::written(&n, inclusive);
                }
            }
            _ => {
                if let Some((n, inclusive)) = self.held_range(e, false) {
                    *e = Self::written(&n, inclusive);
                    return;
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
