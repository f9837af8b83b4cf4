//! The signature: which float type the function uses and which parameters are differentiated.

use crate::attr::Args;
use crate::errors::Errors;
use crate::ir::FloatTy;
use syn::{FnArg, Ident, ItemFn, Pat, ReturnType, Type};

/// How a parameter takes part in differentiation.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ParamClass {
    /// A float scalar: it has a slot in the returned gradient array.
    Float,
    /// A sequence of floats read by index: its gradient goes to a `d_NAME` buffer.
    FloatSeq(SeqShape),
    /// Anything else: a constant for differentiation.
    Other,
}

/// How a float sequence is passed, which fixes the type of its gradient buffer.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum SeqShape {
    /// `&[T]` or `&Vec<T>`: the gradient buffer is `&mut [T]`.
    Slice,
    /// `&[T; N]` or `[T; N]`: the gradient buffer is `&mut [T; N]`.
    Array(Box<syn::Expr>),
}

pub struct Param {
    pub ident: Ident,
    pub ty: Type,
    pub class: ParamClass,
    /// Differentiated: a float or float sequence that `wrt(...)` names, or every one without `wrt`.
    pub active: bool,
    /// A float taken by shared reference (`x: &f64`).
    pub by_ref: bool,
    /// The receiver of a method (`&self`, `&mut self`, `self`), read as constant data.
    pub receiver: bool,
    /// How the generated functions declare the receiver: as the method does (`&mut self` lets
    /// the body call the type's methods that change it, `self` those that consume it).
    pub self_decl: proc_macro2::TokenStream,
}

pub struct Sig {
    pub float_ty: FloatTy,
    /// The return type is `f64` or `f32`; otherwise the body is not checked (its errors would
    /// follow from the wrong type).
    pub returns_float: bool,
    pub params: Vec<Param>,
    /// The types, named by a path the macro cannot resolve, of parameters left constant without
    /// `wrt(..)` (`x: Real`, `w: &[Real]`): the expansion asserts that none is the float type
    /// under another name (see [`alias_probes`]).
    pub alias_probes: Vec<Type>,
    /// The types, named by a path, of parameters left constant without `wrt(..)` (`m: &Gmm`):
    /// the expansion asserts that none is a model (a `Params` type), whose gradient the user
    /// would expect (see [`model_probe`]).
    pub model_probes: Vec<Type>,
}

impl Sig {
    pub fn active_scalars(&self) -> impl Iterator<Item = &Param> {
        self.params
            .iter()
            .filter(|p| p.active && p.class == ParamClass::Float)
    }

    pub fn active_seqs(&self) -> impl Iterator<Item = &Param> {
        self.params
            .iter()
            .filter(|p| p.active && matches!(p.class, ParamClass::FloatSeq(_)))
    }
}

thread_local! {
    /// The generic float type of the function being expanded, if it has one (see
    /// [`choose_generic_float`]): every type test of the expansion reads it, as they read `f64`.
    static GENERIC_FLOAT: std::cell::Cell<Option<(FloatTy, proc_macro2::Span)>> = const { std::cell::Cell::new(None) };
}

/// Fixes, for one expansion, the type parameter that stands for the float type: the return
/// type, when it is a single name other than `f64`/`f32` that the function declares as a type
/// parameter (`fn f<T: Float>(x: T) -> T`), or a one-letter name, which a method takes from its
/// `impl` (`impl<T: Float> Mlp<T> { fn loss(&self) -> T }`). The generated code checks that it is
/// `Float` where the user wrote it, so a wrong guess is a clear error at the return type.
pub fn choose_generic_float(sig: &syn::Signature) {
    let name = match &sig.output {
        ReturnType::Type(_, ty) => generic_float_name(sig, ty),
        ReturnType::Default => None,
    };
    GENERIC_FLOAT.with(|g| g.set(name.map(|(n, span)| (FloatTy::generic(&n), span))));
}

/// Runs `f`, which may fix the generic float type for another function (reading the file's
/// signatures), and puts back the one of the expansion under way.
pub fn keeping_generic_float<R>(f: impl FnOnce() -> R) -> R {
    let kept = GENERIC_FLOAT.with(std::cell::Cell::get);
    let out = f();
    GENERIC_FLOAT.with(|g| g.set(kept));
    out
}

/// The float type of a hand-written rule `NAME_grad<T: Float>(..) -> (T, [T; K])`: the first
/// element of the returned tuple, as [`choose_generic_float`] decides it for a return type.
pub fn choose_generic_float_of_rule(sig: &syn::Signature) {
    let name = match &sig.output {
        ReturnType::Type(_, ty) => match &**ty {
            Type::Tuple(t) => t
                .elems
                .first()
                .and_then(|first| generic_float_name(sig, first)),
            _ => None,
        },
        ReturnType::Default => None,
    };
    GENERIC_FLOAT.with(|g| g.set(name.map(|(n, span)| (FloatTy::generic(&n), span))));
}

/// The name and span of `ty` if it names the generic float type of a function with `sig`.
fn generic_float_name(sig: &syn::Signature, ty: &Type) -> Option<(String, proc_macro2::Span)> {
    // A vector-valued function's element type (`-> Vec<T>`, `-> [T; N]`, `-> (T, T)`).
    match ty {
        Type::Array(a) => return generic_float_name(sig, &a.elem),
        Type::Tuple(t) if t.elems.len() >= 2 => {
            let first = generic_float_name(sig, t.elems.first()?)?;
            return t
                .elems
                .iter()
                .all(|e| generic_float_name(sig, e).is_some_and(|(n, _)| n == first.0))
                .then_some(first);
        }
        Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Vec") => {
            let syn::PathArguments::AngleBracketed(a) = &p.path.segments.last()?.arguments else {
                return None;
            };
            return match a.args.first()? {
                syn::GenericArgument::Type(t) => generic_float_name(sig, t),
                _ => None,
            };
        }
        _ => {}
    }
    let Type::Path(p) = ty else {
        return None;
    };
    if p.qself.is_some()
        || p.path.leading_colon.is_some()
        || p.path.segments.len() != 1
        || !p.path.segments[0].arguments.is_empty()
    {
        return None;
    }
    let id = &p.path.segments[0].ident;
    let declared = sig.generics.type_params().any(|t| t.ident == *id);
    let s = id.to_string();
    let one_letter = s.len() == 1 && s.chars().all(|c| c.is_ascii_uppercase());
    (s != "f64" && s != "f32" && (declared || one_letter)).then_some((s, id.span()))
}

/// A float type parameter declared with no bound at all (`fn f<T>(x: T) -> T`) cannot do
/// arithmetic: said at the parameter, before rustc says it in the generated code.
fn unbounded_float_param(sig: &syn::Signature, name: &str, errors: &Errors) {
    let Some(t) = sig.generics.type_params().find(|t| t.ident == name) else {
        return;
    };
    let in_where = sig.generics.where_clause.as_ref().is_some_and(|w| {
        w.predicates.iter().any(|p| match p {
            syn::WherePredicate::Type(pt) => {
                matches!(&pt.bounded_ty, Type::Path(tp) if tp.path.is_ident(name))
            }
            _ => false,
        })
    });
    if t.bounds.is_empty() && !in_where {
        errors.push_spanned(
            t,
            format!("`#[gradient]` computes in `{name}`, the return type, which has no bound: bound it by num-traits' `Float` (`{name}: Float`) or by `grad::Real`"),
        );
    }
}

/// The generic float type of this expansion, if any.
pub fn generic_float() -> Option<FloatTy> {
    GENERIC_FLOAT.with(std::cell::Cell::get).map(|g| g.0)
}

/// Where the user wrote the generic float type (the return type).
pub fn generic_float_span() -> proc_macro2::Span {
    GENERIC_FLOAT
        .with(std::cell::Cell::get)
        .map_or_else(proc_macro2::Span::call_site, |g| g.1)
}

/// `f64` or `f32` written as such, or the function's generic float type.
pub fn float_of(ty: &Type) -> Option<FloatTy> {
    match ty {
        Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            let s = &p.path.segments[0];
            if !s.arguments.is_empty() {
                return None;
            }
            if s.ident == "f64" {
                Some(FloatTy::F64)
            } else if s.ident == "f32" {
                Some(FloatTy::F32)
            } else {
                generic_float().filter(|g| s.ident == g.name())
            }
        }
        Type::Paren(p) => float_of(&p.elem),
        Type::Group(g) => float_of(&g.elem),
        _ => None,
    }
}

/// The float element type and shape of `&[T]`, `&[T; N]`, `&Vec<T>` or `[T; N]`.
pub(crate) fn seq_of(ty: &Type) -> Option<(FloatTy, SeqShape)> {
    match ty {
        Type::Reference(r) if r.mutability.is_none() => match &*r.elem {
            Type::Slice(s) => Some((float_of(&s.elem)?, SeqShape::Slice)),
            Type::Array(a) => Some((float_of(&a.elem)?, SeqShape::Array(Box::new(a.len.clone())))),
            Type::Path(p) if p.qself.is_none() => {
                let last = p.path.segments.last()?;
                if last.ident != "Vec" {
                    return None;
                }
                match &last.arguments {
                    syn::PathArguments::AngleBracketed(a) if a.args.len() == 1 => {
                        match &a.args[0] {
                            syn::GenericArgument::Type(t) => Some((float_of(t)?, SeqShape::Slice)),
                            _ => None,
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        },
        Type::Array(a) => Some((float_of(&a.elem)?, SeqShape::Array(Box::new(a.len.clone())))),
        // `Vec<T>` by value, read as `&Vec<T>` is: the caller's vector is moved in, and read only.
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            match &last.arguments {
                syn::PathArguments::AngleBracketed(a)
                    if last.ident == "Vec" && a.args.len() == 1 =>
                {
                    match &a.args[0] {
                        syn::GenericArgument::Type(t) => Some((float_of(t)?, SeqShape::Slice)),
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The error for a parameter that holds floats in a shape `NAME_grad` cannot differentiate, and
/// that `wrt(..)` does not exclude.
pub fn undifferentiable(id: &Ident, float_ty: FloatTy) -> String {
    let t = float_ty.name();
    format!(
        "`#[gradient]` cannot differentiate the parameter `{id}` of this type yet: it differentiates `{t}`, `&{t}`, `&[{t}]`, `&[{t}; N]`, `[{t}; N]`, `&Vec<{t}>`, `Vec<{t}>` and rows (`&[[{t}; N]]`, `&[[{t}; N]; M]`, `&[Vec<{t}>]`, `&[&[{t}]]`, `&Vec<Vec<{t}>>`, `&Vec<[{t}; N]>`, `&[({t}, {t})]`) and tuples (`({t}, {t})`, `&({t}, {t}, {t})`, read by field or destructured) parameters; pass the values as one of those (flattened into a `&[{t}]`, say), or name the parameters to differentiate with `#[gradient(wrt(..))]` so that `{id}` is a constant",
    )
}

/// Whether a type holds floats somewhere (`&f64`, `&Vec<Vec<f64>>`, `&[[f64; 3]]`), not counting
/// functions and trait objects that merely take or return them.
pub fn holds_float(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_path_segment(&mut self, s: &'a syn::PathSegment) {
            // In a generic function, the floats that are differentiated are the generic ones;
            // `f64` data beside them is read through conversions.
            let float = match generic_float() {
                Some(g) => s.ident == g.name(),
                None => s.ident == "f64" || s.ident == "f32",
            };
            if float {
                self.0 = true;
            }
            syn::visit::visit_path_segment(self, s);
        }
        fn visit_type_bare_fn(&mut self, _: &'a syn::TypeBareFn) {}
        fn visit_type_trait_object(&mut self, _: &'a syn::TypeTraitObject) {}
        fn visit_type_impl_trait(&mut self, _: &'a syn::TypeImplTrait) {}
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_type(&mut f, ty);
    f.0
}

/// A parameter type `#[gradient]` differentiates: a float (by value or reference), a float
/// sequence, or rows of floats.
/// The names of the parameters that can be differentiated (what `wrt(..)` names by default).
pub fn differentiable_names(sig: &syn::Signature) -> Vec<Ident> {
    sig.inputs
        .iter()
        .filter_map(|a| match a {
            // (In a generic function, `f64` data beside the generic floats is not.)
            FnArg::Typed(pt) if differentiable(&pt.ty) && holds_float(&pt.ty) => match &*pt.pat {
                Pat::Ident(pi) => Some(pi.ident.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The names of the type parameters of `sig` (`T` of `fn f<T: Float>`).
pub fn type_param_names(sig: &syn::Signature) -> std::collections::HashSet<String> {
    sig.generics
        .type_params()
        .map(|t| t.ident.to_string())
        .collect()
}

pub fn differentiable(ty: &Type) -> bool {
    is_scalar(ty) || seq_of(ty).is_some() || crate::rows::is_rows(ty)
}

/// `f64`, `f32`, `&f64` or `&f32`.
pub fn is_scalar(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) if r.mutability.is_none() => float_of(&r.elem).is_some(),
        t => float_of(t).is_some(),
    }
}

/// True for `&mut` types that hold floats, which the engine cannot differentiate through.
pub fn is_mut_float_ref(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) if r.mutability.is_some() => {
            let inner = Type::Reference(syn::TypeReference {
                mutability: None,
                ..r.clone()
            });
            float_of(&r.elem).is_some() || seq_of(&inner).is_some()
        }
        _ => false,
    }
}

/// Checks the signature and classifies the parameters. Every problem goes to `errors`.
pub fn analyze(item: &ItemFn, args: &Args, errors: &Errors) -> Sig {
    let sig = &item.sig;
    if let Some(t) = &sig.asyncness {
        errors.push(
            t.span,
            "`#[gradient]` cannot differentiate an `async fn`: remove `async`",
        );
    }
    if let Some(t) = &sig.constness {
        errors.push(
            t.span,
            "`#[gradient]` cannot differentiate a `const fn`: remove `const`",
        );
    }
    if let Some(t) = &sig.unsafety {
        errors.push(
            t.span,
            "`#[gradient]` does not differentiate `unsafe fn`: remove `unsafe`",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.push_spanned(abi, "`#[gradient]` does not support `extern` functions");
    }
    if let Some(v) = &sig.variadic {
        errors.push_spanned(v, "`#[gradient]` does not support variadic functions");
    }

    let float_ty_found = match &sig.output {
        ReturnType::Type(_, ty) => match float_of(ty) {
            Some(f) => Some(f),
            None => {
                let found = crate::naming::type_text(ty);
                // `-> Real` of `type Real = f64;`: the macro sees names, not what they alias.
                let alias = {
                    let mut named = Vec::new();
                    alias_probes(ty, &mut named);
                    matches!(&**ty, Type::Path(_)) && named.len() == 1
                };
                let hint = if alias {
                    format!("; if `{found}` is an alias of `f64` or `f32`, write that type (the macro sees the names in the signature, not what they alias), or make the function generic over `T: grad::Real`")
                } else {
                    String::new()
                };
                errors.push_spanned(
                    ty,
                    format!("`#[gradient]` needs a function that returns `f64` or `f32` (a scalar loss) or a vector of them (`Vec<f64>`, `[f64; N]`, `(f64, f64)`), found `{found}`{hint}"),
                );
                None
            }
        },
        ReturnType::Default => {
            errors.push(
                sig.ident.span(),
                "`#[gradient]` needs a function that returns `f64` or `f32`: add `-> f64`",
            );
            None
        }
    };
    // With the float type unknown, the rest is still checked as if it were `f64`, so that every
    // problem shows in one build and the fallback stub has a plausible signature.
    let float_ty = float_ty_found.unwrap_or(FloatTy::F64);
    if let FloatTy::Generic(name) = float_ty {
        unbounded_float_param(sig, name, errors);
    }

    let mut params = Vec::new();
    for input in &sig.inputs {
        let pt = match input {
            FnArg::Receiver(r) => {
                // `self` is data, as any constant parameter: what is differentiated must be
                // named, so that a model's fields are never silently constants. (Without
                // `wrt`, `self` is a model (see `fields`), which reaches this only when the
                // signature has another error to report.) A receiver of an explicit type
                // (`self: Box<Self>`) is not followed.
                if r.colon_token.is_some() {
                    errors.push_spanned(
                        r,
                        "`#[gradient]` takes a method's receiver as `&self`, `&mut self` or `self` (constant data), not of another type: write one of those, or pass the values as parameters",
                    );
                }
                // Differentiated (no `wrt`, or `wrt(self)`): a model, read by shared reference
                // only — never data silently.
                let model = args
                    .wrt
                    .as_ref()
                    .is_none_or(|w| w.iter().any(|i| i == "self"));
                if model && (r.reference.is_none() || r.mutability.is_some()) {
                    errors.push_spanned(
                        r,
                        "`#[gradient]` takes a model's receiver as `&self` (a method differentiated with respect to `self`): take `self` by shared reference; a receiver that is data (`&mut self`, `self`) needs a `wrt(..)` naming what is differentiated",
                    );
                }
                let self_decl = match (&r.reference, &r.mutability) {
                    (Some(_), Some(_)) => quote::quote!(&mut self),
                    (Some(_), None) => quote::quote!(&self),
                    (None, Some(_)) => quote::quote!(mut self),
                    (None, None) => quote::quote!(self),
                };
                params.push(Param {
                    ident: Ident::new("self", r.self_token.span),
                    ty: (*r.ty).clone(),
                    class: ParamClass::Other,
                    active: false,
                    by_ref: false,
                    receiver: true,
                    self_decl,
                });
                continue;
            }
            FnArg::Typed(pt) => pt,
        };
        let ident = match &*pt.pat {
            Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => pi.ident.clone(),
            other => {
                errors.push_spanned(
                    other,
                    "`#[gradient]` needs a plain name for each parameter, not a pattern",
                );
                continue;
            }
        };
        let ty = (*pt.ty).clone();
        // `x: &f64` is a scalar like `x: f64`; `NAME_grad` takes either (see `expand`).
        let by_ref = matches!(&ty, Type::Reference(r) if r.mutability.is_none() && float_of(&r.elem).is_some());
        let scalar = match &ty {
            Type::Reference(r) if by_ref => float_of(&r.elem),
            t => float_of(t),
        };
        // Concrete floats beside a generic float type are data (`T::from(x[i])` reads them).
        // So is a float of the other type that `wrt(..)` leaves out (`data: &[f32]` beside
        // `w: &[f64]`, read as `f64::from(d)`).
        let left_out = args.wrt.as_ref().is_some_and(|w| !w.contains(&ident));
        let concrete_data =
            |f: FloatTy| f != float_ty && (matches!(float_ty, FloatTy::Generic(_)) || left_out);
        let class = if scalar.is_some_and(concrete_data)
            || seq_of(&ty).is_some_and(|(f, _)| concrete_data(f))
        {
            ParamClass::Other
        } else if let Some(f) = scalar {
            if f != float_ty {
                errors.push_spanned(
                    &ty,
                    format!(
                        "parameter `{ident}` is `{}` but the function returns `{}`: use one float type throughout",
                        f.name(),
                        float_ty.name()
                    ),
                );
            }
            ParamClass::Float
        } else if let Some((f, shape)) = seq_of(&ty) {
            if f != float_ty {
                errors.push_spanned(
                    &ty,
                    format!(
                        "parameter `{ident}` holds `{}` but the function returns `{}`: use one float type throughout",
                        f.name(),
                        float_ty.name()
                    ),
                );
            }
            ParamClass::FloatSeq(shape)
        } else {
            if is_mut_float_ref(&ty) {
                errors.push_spanned(
                    &ty,
                    format!(
                        "`#[gradient]` cannot differentiate through the mutable reference `{ident}`: take it by shared reference (`&`) or by value"
                    ),
                );
            }
            ParamClass::Other
        };
        params.push(Param {
            ident,
            ty,
            class,
            active: false,
            by_ref,
            receiver: false,
            self_decl: proc_macro2::TokenStream::new(),
        });
    }

    let mut probes = Vec::new();
    let mut model_probes = Vec::new();
    match &args.wrt {
        None => {
            for p in &mut params {
                if p.class == ParamClass::Other && !p.receiver && generic_float().is_none() {
                    alias_probes(&p.ty, &mut probes);
                }
                if p.class == ParamClass::Other && !p.receiver {
                    model_probes.extend(model_probe(&p.ty));
                }
                p.active = p.class != ParamClass::Other;
                if p.class == ParamClass::Other && holds_float(&p.ty) && !is_mut_float_ref(&p.ty) {
                    // Silently a constant, its derivative would be lost.
                    errors.push_spanned(&p.ty, undifferentiable(&p.ident, float_ty));
                }
            }
        }
        Some(names) => {
            for (k, name) in names.iter().enumerate() {
                if names[..k].contains(name) {
                    errors.push(name.span(), format!("`{name}` is named twice in `wrt`"));
                    continue;
                }
                match params.iter_mut().find(|p| p.ident == *name) {
                    None => errors.push(
                        name.span(),
                        format!("`wrt` names `{name}`, which is not a parameter of `{}`", sig.ident),
                    ),
                    Some(p) if p.class == ParamClass::Other => errors.push(
                        name.span(),
                        format!(
                            "`{name}` cannot be differentiated: only `{t}`, `&{t}`, `&[{t}]`, `&[{t}; N]`, `[{t}; N]`, `&Vec<{t}>`, `Vec<{t}>`, rows (`&[[{t}; N]]`, `&[[{t}; N]; M]`, `&[Vec<{t}>]`, `&[&[{t}]]`, `&Vec<Vec<{t}>>`, `&Vec<[{t}; N]>`, `&[({t}, {t})]`), tuples (`({t}, {t})`, `&({t}, {t}, {t})`) and models (`m: &Model` or `m: Model` of a struct deriving `grad::Params`, in a function returning `{t}`) can be named in `wrt`",
                            t = float_ty.name()
                        ),
                    ),
                    Some(p) => p.active = true,
                }
            }
        }
    }
    Sig {
        float_ty,
        returns_float: float_ty_found.is_some(),
        params,
        alias_probes: probes,
        model_probes,
    }
}

/// `Gmm` of a parameter `m: &Gmm` or `m: Mlp<T>`: a type named by a path that could be a model.
/// Not the primitive and standard types, whose names say what they are.
fn model_probe(ty: &Type) -> Option<Type> {
    const STD: &[&str] = &[
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
        "bool", "char", "str", "String", "f64", "f32", "Vec", "VecDeque", "HashMap", "HashSet",
        "BTreeMap", "BTreeSet", "Option", "Box", "Rc", "Arc",
    ];
    match ty {
        Type::Reference(r) => model_probe(&r.elem),
        Type::Paren(p) => model_probe(&p.elem),
        Type::Group(g) => model_probe(&g.elem),
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            (!STD.iter().any(|n| last.ident == n)).then(|| ty.clone())
        }
        _ => None,
    }
}

/// The types in `ty` named by a path that could be an alias of `f64` or `f32` (`type Real =
/// f64;`), which the macro cannot see through: `Real` of `x: Real`, `&[Real]`, `&Vec<Real>`,
/// `(usize, Real)`. Not the primitive types, whose names say what they are.
fn alias_probes(ty: &Type, out: &mut Vec<Type>) {
    const PRIMITIVE: &[&str] = &[
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
        "bool", "char", "str", "String", "f64", "f32",
    ];
    match ty {
        Type::Reference(r) if r.mutability.is_none() => alias_probes(&r.elem, out),
        Type::Slice(s) => alias_probes(&s.elem, out),
        Type::Array(a) => alias_probes(&a.elem, out),
        Type::Paren(p) => alias_probes(&p.elem, out),
        Type::Group(g) => alias_probes(&g.elem, out),
        Type::Tuple(t) => t.elems.iter().for_each(|e| alias_probes(e, out)),
        Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return;
            };
            match &last.arguments {
                syn::PathArguments::None
                    if p.path.segments.len() == 1 && !PRIMITIVE.iter().any(|n| last.ident == n) =>
                {
                    out.push(ty.clone());
                }
                // `Vec<Real>`: its element.
                syn::PathArguments::AngleBracketed(a)
                    if last.ident == "Vec" && a.args.len() == 1 =>
                {
                    if let syn::GenericArgument::Type(t) = &a.args[0] {
                        alias_probes(t, out);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// `N` of a parameter `[T; N]` or `&[T; N]`.
pub fn array_len(ty: &Type) -> Option<&syn::Expr> {
    match ty {
        Type::Reference(r) => array_len(&r.elem),
        Type::Array(a) => Some(&a.len),
        Type::Paren(p) => array_len(&p.elem),
        _ => None,
    }
}
