//! A function generic over a float type `T` (`fn norm<T: Float>(v: V2<T>) -> T`), made the
//! function of one concrete float (`f64` or `f32`), body included, or of the caller's own
//! generic float: what the inlining of a generic value type's methods needs.
//!
//! `T` in types is the float. The calls that only a generic body makes become what they are for
//! that float, with the same value bit for bit: `T::zero()` and `T::one()` literals,
//! `T::from(e).unwrap()` (`NumCast`, also `num_traits::cast::<_, T>(e)`) `e as f64`,
//! `T::epsilon()` and the other constants of `Float` the float's own constants, `T::PI()` (of
//! `FloatConst`) `core::f64::consts::PI`, `T::sqrt(x)` the float's own method. A body that uses
//! `T` any other way, or a method of a `num-traits` trait the float does not have itself
//! (`x.to_f64()`, `x.is_zero()`), is refused: the copy would not compile.

use proc_macro2::{Ident, Span};
use quote::ToTokens;
use syn::visit_mut::VisitMut;

/// The methods of `num-traits`' traits that `f64` and `f32` do not have themselves, which the
/// concrete copy could not call (the traits are not in scope there).
const TRAIT_ONLY: &[&str] = &[
    "is_zero",
    "is_one",
    "set_zero",
    "set_one",
    "to_f64",
    "to_f32",
    "to_i32",
    "to_i64",
    "to_u32",
    "to_u64",
    "to_usize",
    "to_isize",
    "integer_decode",
];

/// `f` without its type parameter `t`, every use of it in its signature and body that of
/// `float` (`f64` or `f32`); `None` where some use cannot be (see the module).
pub fn concrete(f: &syn::ItemFn, t: &Ident, float: &str) -> Option<syn::ItemFn> {
    let mut f = f.clone();
    without_param(&mut f, t);
    let mut c = Concrete {
        t,
        float: Ident::new(float, Span::call_site()),
        refused: false,
    };
    c.visit_signature_mut(&mut f.sig);
    c.visit_block_mut(&mut f.block);
    let left = crate::naming::mentions(f.to_token_stream(), &|i| i == t);
    (!c.refused && !left).then_some(f)
}

/// `f` without its type parameter `t`, every use of it (types, paths) the caller's own generic
/// float type `name`, whose bounds the caller's body already relies on.
pub fn renamed(f: &syn::ItemFn, t: &Ident, name: &str) -> syn::ItemFn {
    struct Rename<'a>(&'a Ident, Ident);
    impl VisitMut for Rename<'_> {
        fn visit_ident_mut(&mut self, i: &mut Ident) {
            if i == self.0 {
                *i = Ident::new(&self.1.to_string(), i.span());
            }
        }
    }
    let mut f = f.clone();
    without_param(&mut f, t);
    let mut r = Rename(t, Ident::new(name, Span::call_site()));
    r.visit_signature_mut(&mut f.sig);
    r.visit_block_mut(&mut f.block);
    f
}

/// `f`'s generics without the type parameter `t` and the `where` clauses bounding it.
fn without_param(f: &mut syn::ItemFn, t: &Ident) {
    let params: syn::punctuated::Punctuated<syn::GenericParam, syn::Token![,]> = f
        .sig
        .generics
        .params
        .iter()
        .filter(|p| !matches!(p, syn::GenericParam::Type(tp) if tp.ident == *t))
        .cloned()
        .collect();
    f.sig.generics.params = params;
    if let Some(w) = &mut f.sig.generics.where_clause {
        w.predicates = w
            .predicates
            .iter()
            .filter(|p| !matches!(p, syn::WherePredicate::Type(pt) if is_t(&pt.bounded_ty, t)))
            .cloned()
            .collect();
        if w.predicates.is_empty() {
            f.sig.generics.where_clause = None;
        }
    }
    if f.sig.generics.params.is_empty() {
        f.sig.generics = syn::Generics::default();
    }
}

fn is_t(ty: &syn::Type, t: &Ident) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident(t))
}

struct Concrete<'a> {
    t: &'a Ident,
    float: Ident,
    refused: bool,
}

impl Concrete<'_> {
    /// The name `T::name` (also `<T as Trait>::name`) calls, if `path` is one.
    fn of_t(&self, qself: Option<&syn::QSelf>, path: &syn::Path) -> Option<Ident> {
        match qself {
            Some(q) if is_t(&q.ty, self.t) => path.segments.last().map(|s| s.ident.clone()),
            Some(_) => None,
            None => match &path.segments.iter().collect::<Vec<_>>()[..] {
                [ty, name] if ty.ident == *self.t && ty.arguments.is_none() => {
                    Some(name.ident.clone())
                }
                _ => None,
            },
        }
    }

    /// `num_traits::cast::<_, T>(e)` (or `cast::<f64, T>`): a conversion to `T`.
    fn casts_to_t(&self, path: &syn::Path) -> bool {
        let Some(last) = path.segments.last() else {
            return false;
        };
        let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
            return false;
        };
        last.ident == "cast"
            && a.args.len() == 2
            && matches!(&a.args[1], syn::GenericArgument::Type(ty) if is_t(ty, self.t))
    }

    /// What `call` (a call of a function of `T`) is for the float, if this module knows it;
    /// `Some(None)` for a conversion `T::from(e)` (an `Option`), given as `e as F` with
    /// `is_option` set.
    fn call(&self, call: &syn::ExprCall) -> Option<(syn::Expr, bool)> {
        let syn::Expr::Path(fp) = &*call.func else {
            return None;
        };
        let f = &self.float;
        if self.casts_to_t(&fp.path) && call.args.len() == 1 {
            let e = &call.args[0];
            return Some((syn::parse_quote!(((#e) as #f)), true));
        }
        let name = self.of_t(fp.qself.as_ref(), &fp.path)?;
        let lit =
            |v: &str| -> syn::Expr { syn::parse_str(&format!("{v}_{f}")).expect("a literal") };
        let konst = |c: &str| -> syn::Expr {
            let c = Ident::new(c, Span::call_site());
            syn::parse_quote!(#f::#c)
        };
        let args = &call.args;
        let n = name.to_string();
        let e = match (n.as_str(), args.len()) {
            ("from", 1) => {
                let e = &args[0];
                return Some((syn::parse_quote!(((#e) as #f)), true));
            }
            ("zero", 0) => lit("0.0"),
            ("one", 0) => lit("1.0"),
            ("neg_zero", 0) => syn::parse_quote!(-(0.0 as #f)),
            ("epsilon", 0) => konst("EPSILON"),
            ("infinity", 0) => konst("INFINITY"),
            ("neg_infinity", 0) => konst("NEG_INFINITY"),
            ("nan", 0) => konst("NAN"),
            ("max_value", 0) => konst("MAX"),
            ("min_value", 0) => konst("MIN"),
            ("min_positive_value", 0) => konst("MIN_POSITIVE"),
            // `FloatConst`'s constants, the float's own.
            (c, 0)
                if c.chars()
                    .all(|ch| ch.is_ascii_uppercase() || ch == '_' || ch.is_ascii_digit()) =>
            {
                let c = Ident::new(c, Span::call_site());
                syn::parse_quote!(::core::#f::consts::#c)
            }
            // A method of `Float` the float has itself (`T::sqrt(x)`, `T::max(a, b)`).
            _ if crate::desugar::value_structs::float_has(&n) => {
                syn::parse_quote!(#f::#name(#args))
            }
            _ => return None,
        };
        Some((e, false))
    }
}

impl VisitMut for Concrete<'_> {
    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        if is_t(ty, self.t) {
            let f = &self.float;
            *ty = syn::parse_quote!(#f);
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        // `T::from(e).unwrap()` (also `expect`, `unwrap_or`, `unwrap_or_else`): the value.
        if let syn::Expr::MethodCall(m) = e {
            let unwraps = ["unwrap", "expect", "unwrap_or", "unwrap_or_else"]
                .iter()
                .any(|u| m.method == u);
            if let (true, syn::Expr::Call(c)) = (unwraps, crate::desugar::unparen(&m.receiver)) {
                if let Some((mut v, true)) = self.call(c) {
                    self.visit_expr_mut(&mut v);
                    *e = v;
                    return;
                }
            }
            if TRAIT_ONLY.iter().any(|n| m.method == n) {
                self.refused = true;
            }
        }
        if let syn::Expr::Call(c) = e {
            match self.call(c) {
                Some((v, true)) => {
                    *e = syn::parse_quote!(::core::option::Option::Some(#v));
                }
                Some((v, false)) => *e = v,
                None => {}
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}
