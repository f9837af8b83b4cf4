//! Small structs of floats used as values — `struct V2 { x: f64, y: f64 }` with a constructor
//! (`V2::new(x, y)`), methods (`a.dot(b)`, `d.norm()`, `v.scaled(k)`) and operators (`a + b`,
//! `v * dt`, `-v`, `p += v * dt`) — as their fields: scalar replacement of aggregates, on the
//! syntax, before anything else reads the body.
//!
//! Each local of such a type becomes one local per field. A constructor, a method or an
//! operator (its trait's method: `add` for `+`) is inlined as a block that binds the receiver's
//! and the arguments' values first, its body rewritten the same way; a value of the type that a
//! block computes leaves it as a tuple of its fields. The rewrite is all or nothing: a value of
//! such a type used any other way (handed to another function, printed, returned, a method
//! several `impl`s share) leaves the body as written, with the errors it had.

use proc_macro2::Ident;
use quote::quote;
use std::collections::HashMap;
use syn::visit_mut::VisitMut;

mod inline;
mod patterns;
mod seqs;
mod visit;

/// A struct of the file with named fields, every one a float (or an integer), or a value of
/// another such struct (`struct Particle { pos: Vec3, vel: Vec3, m: f64 }`).
#[derive(Clone)]
struct ValueType {
    name: Ident,
    /// Its floats, those of a field of another value type in place of it (`pos__x`, ..).
    fields: Vec<(Ident, syn::Type)>,
    /// Of a generic struct (`V2<T>` with fields of `T`): `T`, which the function's float
    /// instantiates (its fields above are of that float).
    generic: Option<Ident>,
    /// Its fields of another value type: the name, that type, and where its floats begin in
    /// `fields`.
    nested: Vec<(Ident, usize, usize)>,
    /// How each of `fields` is read from a value of the type (`pos.x` of `pos__x`).
    paths: Vec<Vec<Ident>>,
}

impl ValueType {
    /// `.f` (`.pos.x`, `.0` of a tuple struct) that reads its float `k` from a value.
    fn access(&self, k: usize) -> proc_macro2::TokenStream {
        let path = self.paths[k].iter().map(|f| match tuple_index(f) {
            Some(i) => syn::Member::Unnamed(syn::Index::from(i)),
            None => syn::Member::Named(f.clone()),
        });
        quote!(#(.#path)*)
    }
}

/// The prefix of the names the fields of a tuple struct have here (`.0` is `__grad_tf0`): a
/// tuple struct is a struct with named fields to this pass.
const TUPLE_FIELD: &str = "__grad_tf";

/// The field `.i` of a tuple struct as this pass names it.
fn tuple_field(i: u32) -> Ident {
    quote::format_ident!("{TUPLE_FIELD}{i}")
}

/// `i` of the name [`tuple_field`] gives.
fn tuple_index(f: &Ident) -> Option<usize> {
    f.to_string().strip_prefix(TUPLE_FIELD)?.parse().ok()
}

/// The name of a field as this pass knows it: its own, or [`tuple_field`]'s.
fn member_name(m: &syn::Member) -> Ident {
    match m {
        syn::Member::Named(i) => i.clone(),
        syn::Member::Unnamed(i) => tuple_field(i.index),
    }
}

/// A local (or a parameter) of a value type: the type, and the expression of each field.
#[derive(Clone)]
struct Local {
    ty: usize,
    parts: Vec<syn::Expr>,
    /// A local sequence of values (`let pts: Vec<V2> = ..`): `parts` are one vector per field.
    seq: bool,
}

/// How an inlined function sees its receiver and the caller's names.
enum Callee {
    /// A method or function of the type or of the module: its own names only.
    Plain,
    /// A closure of the body: the caller's names too.
    Closure,
    /// A method of an `impl` for a float type (`impl Mul<Vec3> for f64`): the receiver is a
    /// number of that type.
    OfFloat(Box<syn::Type>),
}

/// What an inlined function is expected to give.
#[derive(Clone, Copy)]
enum Want {
    Value(usize),
    Float,
    /// A method taking `&mut self`, its receiver's fields written back.
    Unit,
}

#[derive(Clone)]
struct Pass {
    types: Vec<ValueType>,
    /// Innermost last; `None` for a name that shadows a local of a value type.
    scopes: Vec<HashMap<String, Option<Local>>>,
    methods: HashMap<(String, String), Option<syn::ItemFn>>,
    /// The functions the body declares (a helper of the module copied in, `grad_vec3_new` for
    /// `Vec3::new`): inlined where they take or give a value.
    nested: HashMap<String, syn::ItemFn>,
    /// Parameters holding values of a value type (`pts: &[Vec3]`, data): their elements, read
    /// in place (`pts[i].x`).
    seqs: HashMap<String, usize>,
    /// The statements after the one being rewritten, in its block (where pushes say what an
    /// empty `Vec` holds).
    rest: Vec<syn::Stmt>,
    /// Closures of the body taking or giving values (`let f = |p: Vec3| p.length();`): inlined
    /// where called, over the caller's names.
    closures: HashMap<String, syn::ItemFn>,
    /// The function's float type (`f64`, `f32`), which tells a method of a trait implemented
    /// for both which `impl` a float of the body calls.
    float: Option<String>,
    /// The names the signature or a `let` gives an integer (see `Pass::known_int`).
    ints: std::collections::HashSet<String>,
    failed: bool,
    changed: bool,
    depth: usize,
}

/// Input: a body with locals of value types (see the module). Output: the same body over their
/// fields, or as written where some use of such a value is not followed.
pub fn scalarize(item: &mut syn::ItemFn) {
    let float = float_of(item);
    scalarize_over(item, value_types(false, float.as_deref()));
}

/// The function's float type, `f64`, `f32` or its generic one (`T` of `fn f<T: Float>(..) ->
/// T`), if it returns one.
fn float_of(item: &syn::ItemFn) -> Option<String> {
    match &item.sig.output {
        syn::ReturnType::Type(_, t) => crate::sig::float_of(t).map(|_| quote!(#t).to_string()),
        syn::ReturnType::Default => None,
    }
    .filter(|f| {
        f == "f64" || f == "f32" || crate::sig::generic_float().is_some_and(|g| g.name() == f)
    })
}

/// [`scalarize`] of a function taking a model of a value type (`p: &Vec3` of a `Vec3` deriving
/// `Params`), before the models' rewrite, which then reads the model's fields where the body
/// reads them (`*p - *target` is `p.x - target.x`, ..); nothing for any other function.
pub fn scalarize_models(item: &mut syn::ItemFn) {
    let float = float_of(item);
    let types = value_types(true, float.as_deref());
    let model = receiver_type(item, &types).is_some()
        || item.sig.inputs.iter().any(|a| match a {
            syn::FnArg::Typed(pt) => {
                let ty = match &*pt.ty {
                    syn::Type::Reference(r) => &*r.elem,
                    t => t,
                };
                matches!(ty, syn::Type::Path(p) if p.path.get_ident().is_some_and(|i| {
                    types.iter().any(|t| t.name == *i) && !crate::prescan::data_type(&i.to_string())
                }))
            }
            syn::FnArg::Receiver(_) => false,
        });
    if model {
        scalarize_over(item, types);
    }
}

/// The value type of a method's `&self`, a model of it (`impl Point { #[gradient(wrt(self))]
/// fn e(&self, ..) }`): the one `impl` holding the method is of that type.
fn receiver_type(item: &syn::ItemFn, types: &[ValueType]) -> Option<usize> {
    let r = item.sig.receiver()?;
    if r.reference.is_none() || r.mutability.is_some() {
        return None;
    }
    let [ty] = &crate::prescan::method_types(&item.sig.ident.to_string())[..] else {
        return None;
    };
    types
        .iter()
        .position(|t| t.name == ty.as_str() && !crate::prescan::data_type(ty))
}

/// Input: a block, the value types, and the type whose method the block is (if it is one).
/// Output: the block with each call of a tuple struct's constructor (`P2(a, b)`, `Self(a, b)` in
/// its methods) written as the literal it is (`P2 { 0: a, 1: b }`), which this pass reads as any
/// struct's.
fn tuple_literals(block: &mut syn::Block, types: &[ValueType], own: Option<&Ident>) {
    struct Calls<'a>(&'a [ValueType], Option<&'a Ident>);
    impl VisitMut for Calls<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            let syn::Expr::Call(c) = e else { return };
            let syn::Expr::Path(p) = &*c.func else { return };
            let Some(name) = p.path.get_ident().filter(|_| p.qself.is_none()) else {
                return;
            };
            let name = match self.1 {
                Some(own) if name == "Self" => own,
                _ => name,
            };
            let tuple = |t: &ValueType| {
                t.name == *name
                    && t.nested.is_empty()
                    && t.paths
                        .iter()
                        .enumerate()
                        .all(|(k, path)| matches!(&path[..], [f] if tuple_index(f) == Some(k)))
            };
            let Some(t) = self.0.iter().find(|t| tuple(t)) else {
                return;
            };
            if c.args.len() != t.fields.len() {
                return;
            }
            let fields = c.args.iter().enumerate().map(|(k, a)| {
                let k = syn::Index::from(k);
                quote!(#k: #a)
            });
            *e = syn::parse_quote_spanned!(syn::spanned::Spanned::span(&*c)=> #name { #(#fields),* });
        }
        // (A helper copied into the body, a nested `fn`, is visited too: this pass reads it.)
    }
    if types.iter().any(|t| {
        t.paths
            .iter()
            .any(|p| p.iter().any(|f| tuple_index(f).is_some()))
    }) {
        Calls(types, own).visit_block_mut(block);
    }
}

fn scalarize_over(item: &mut syn::ItemFn, types: Vec<ValueType>) {
    let names: Vec<Ident> = types.iter().map(|t| t.name.clone()).collect();
    patterns::to_lets(&mut item.block, &names);
    tuple_literals(&mut item.block, &types, None);
    // (The signature too: a parameter of a value type.)
    let (sig, body) = (&item.sig, &item.block);
    let tokens = quote!(#sig #body);
    let receiver = receiver_type(item, &types);
    let named = receiver.is_some()
        || types
            .iter()
            .any(|t| super::mentions(&tokens, &t.name) || super::mentions(&tokens, &self_ident()));
    if !named && !calls_float_methods(body) {
        return;
    }
    NOT_FOLLOWED.with(|n| *n.borrow_mut() = None);
    let mut pass = Pass {
        types,
        scopes: vec![HashMap::new()],
        methods: HashMap::new(),
        nested: item
            .block
            .stmts
            .iter()
            .filter_map(|st| match st {
                syn::Stmt::Item(syn::Item::Fn(f)) if f.sig.generics.params.is_empty() => {
                    Some((f.sig.ident.to_string(), f.clone()))
                }
                _ => None,
            })
            .collect(),
        seqs: HashMap::new(),
        rest: Vec::new(),
        closures: HashMap::new(),
        float: match &item.sig.output {
            syn::ReturnType::Type(_, t) => Some(quote!(#t).to_string()),
            syn::ReturnType::Default => None,
        },
        ints: int_names(item),
        failed: false,
        changed: false,
        depth: 0,
    };
    // `&self` of a value type (a model): its fields, read in place.
    if let Some(t) = receiver {
        let name = Ident::new("self", proc_macro2::Span::call_site());
        let parts = (0..pass.types[t].fields.len())
            .map(|k| {
                let f = pass.types[t].access(k);
                syn::parse_quote!(self #f)
            })
            .collect();
        pass.declare(
            &name,
            Some(Local {
                ty: t,
                parts,
                seq: false,
            }),
        );
    }
    // Parameters of a value type (data): their fields, read in place.
    for a in &item.sig.inputs {
        let syn::FnArg::Typed(pt) = a else { continue };
        let syn::Pat::Ident(pi) = &*pt.pat else {
            continue;
        };
        let ty = match &*pt.ty {
            syn::Type::Reference(r) if r.mutability.is_none() => &*r.elem,
            t => t,
        };
        // `&[Vec3]`, `Vec<Vec3>`, `[Vec3; N]`.
        if let Some(t) = crate::vector::seq_elem(ty).and_then(|e| pass.type_named(&e)) {
            pass.seqs.insert(pi.ident.to_string(), t);
            continue;
        }
        if let Some(t) = pass.type_named(ty) {
            let name = &pi.ident;
            let parts = (0..pass.types[t].fields.len())
                .map(|k| {
                    let f = pass.types[t].access(k);
                    syn::parse_quote!(#name #f)
                })
                .collect();
            pass.declare(
                name,
                Some(Local {
                    ty: t,
                    parts,
                    seq: false,
                }),
            );
        }
    }
    let mut copy = (*item.block).clone();
    pass.block(&mut copy);
    if !pass.failed && pass.changed {
        *item.block = copy;
    }
}

/// The parameters and `let`s of `item` of an integer type (written, or of an integer literal
/// or a cast to one): a receiver named so is no float.
fn int_names(item: &syn::ItemFn) -> std::collections::HashSet<String> {
    struct Lets(std::collections::HashSet<String>);
    impl<'a> syn::visit::Visit<'a> for Lets {
        fn visit_local(&mut self, l: &'a syn::Local) {
            let (pat, ty) = match &l.pat {
                syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
                p => (p, None),
            };
            let int_init = l.init.as_ref().is_some_and(|i| match unparen(&i.expr) {
                syn::Expr::Lit(lit) => matches!(lit.lit, syn::Lit::Int(_)),
                syn::Expr::Cast(c) => inline::int_type(&c.ty),
                _ => false,
            });
            if let syn::Pat::Ident(pi) = pat {
                if ty.is_some_and(inline::int_type) || (ty.is_none() && int_init) {
                    self.0.insert(pi.ident.to_string());
                }
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut lets = Lets(std::collections::HashSet::new());
    for a in &item.sig.inputs {
        if let syn::FnArg::Typed(pt) = a {
            let ty = match &*pt.ty {
                syn::Type::Reference(r) => &*r.elem,
                t => t,
            };
            if let (syn::Pat::Ident(pi), true) = (&*pt.pat, inline::int_type(ty)) {
                lets.0.insert(pi.ident.to_string());
            }
        }
    }
    syn::visit::Visit::visit_block(&mut lets, &item.block);
    lets.0
}

/// Whether `body` calls a method that a trait of the file implements for a float type.
fn calls_float_methods(body: &syn::Block) -> bool {
    struct Find(bool);
    impl<'a> syn::visit::Visit<'a> for Find {
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            let name = m.method.to_string();
            self.0 |= !INHERENT.contains(&name.as_str()) && !float_impls(&name).is_empty();
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut f = Find(false);
    syn::visit::Visit::visit_block(&mut f, body);
    f.0
}

/// The methods `name` taking `self` (by value or reference) of the file's `impl`s for `f64` and
/// `f32`, each with its float type.
fn float_impls(name: &str) -> Vec<(syn::ItemFn, syn::Type)> {
    ["f64", "f32"]
        .into_iter()
        .flat_map(|float| {
            crate::prescan::file_methods(float, name)
                .into_iter()
                .filter_map(move |src| {
                    let f: syn::ItemFn = syn::parse_str(&src).ok()?;
                    f.sig.receiver()?;
                    Some((f, syn::parse_str(float).expect("a float type")))
                })
        })
        .collect()
}

fn self_ident() -> Ident {
    Ident::new("Self", proc_macro2::Span::call_site())
}

/// The value types of the file being expanded: structs that are no model (`models`: models too),
/// with named fields of `f64` or `f32` (and integers or flags beside them), declared once.
/// A generic one (`struct V2<T> { x: T, y: T }`, one type parameter) is a value type of the
/// function's float `of` (`f64` or `f32`), when it has one.
fn value_types(models: bool, of: Option<&str>) -> Vec<ValueType> {
    const DATA: &[&str] = &[
        "usize", "isize", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "bool",
    ];
    // (A tuple struct as one with fields named by `tuple_field`.)
    let mut all = crate::prescan::file_structs();
    all.extend(
        crate::prescan::file_tuple_structs()
            .into_iter()
            .map(|(name, types)| {
                let fields = (0u32..)
                    .zip(types)
                    .map(|(i, t)| (tuple_field(i).to_string(), t))
                    .collect();
                (name, fields)
            }),
    );
    let mut flat = all
        .iter()
        .filter(|(name, _)| {
            all.iter().filter(|(n, _)| n == name).count() == 1
                && (models || crate::prescan::data_type(name))
        })
        .filter_map(|(name, fields)| {
            let params = crate::prescan::struct_type_params(name).unwrap_or_default();
            let generic = match (&params[..], of) {
                ([], _) => None,
                ([t], Some(_)) => Some(t.clone()),
                _ => return None,
            };
            let float =
                |t: &str| t == "f64" || t == "f32" || generic.as_deref().is_some_and(|g| g == t);
            let floats = fields.iter().any(|(_, t)| float(t))
                && fields
                    .iter()
                    .all(|(_, t)| float(t) || DATA.contains(&t.as_str()));
            if !floats {
                return None;
            }
            let of_float = |t: &str| match (&generic, of) {
                (Some(g), Some(f)) if g == t => f.to_string(),
                _ => t.to_string(),
            };
            Some(ValueType {
                name: syn::parse_str(name).ok()?,
                fields: fields
                    .iter()
                    .map(|(f, t)| {
                        Some((syn::parse_str(f).ok()?, syn::parse_str(&of_float(t)).ok()?))
                    })
                    .collect::<Option<_>>()?,
                generic: generic.and_then(|g| syn::parse_str(&g).ok()),
                nested: Vec::new(),
                paths: fields
                    .iter()
                    .map(|(f, _)| Some(vec![syn::parse_str(f).ok()?]))
                    .collect::<Option<_>>()?,
            })
        })
        .collect::<Vec<_>>();
    nested_types(&all, &mut flat, models);
    flat
}

/// The structs of `all` whose fields are floats, integers or values of the types already in
/// `types` (one of them at least), added to `types` (two levels of nesting and more, in order;
/// not generic).
fn nested_types(all: &[(String, Vec<(String, String)>)], types: &mut Vec<ValueType>, models: bool) {
    const DATA: &[&str] = &[
        "usize", "isize", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "bool",
    ];
    for _ in 0..3 {
        let mut added = false;
        for (name, fields) in all {
            let known = |n: &str| types.iter().position(|t| t.name == n);
            if known(name).is_some()
                || all.iter().filter(|(n, _)| n == name).count() != 1
                || !(models || crate::prescan::data_type(name))
                || crate::prescan::struct_type_params(name).is_some_and(|p| !p.is_empty())
            {
                continue;
            }
            let float = |t: &str| t == "f64" || t == "f32";
            let sub = |t: &str| known(t).filter(|&k| types[k].generic.is_none());
            let fits = fields
                .iter()
                .all(|(_, t)| float(t) || DATA.contains(&t.as_str()) || sub(t).is_some());
            if !fits || !fields.iter().any(|(_, t)| sub(t).is_some()) {
                continue;
            }
            let mut leaves: Vec<(Ident, syn::Type)> = Vec::new();
            let mut paths: Vec<Vec<Ident>> = Vec::new();
            let mut nested = Vec::new();
            for (f, t) in fields {
                let Ok(f) = syn::parse_str::<Ident>(f) else {
                    continue;
                };
                match sub(t) {
                    Some(k) => {
                        nested.push((f.clone(), k, leaves.len()));
                        for ((g, gt), path) in types[k].fields.iter().zip(&types[k].paths) {
                            let leaf = quote::format_ident!("{f}__{g}");
                            leaves.push((leaf, gt.clone()));
                            paths.push(
                                std::iter::once(f.clone())
                                    .chain(path.iter().cloned())
                                    .collect(),
                            );
                        }
                    }
                    None => {
                        let Ok(t) = syn::parse_str(t) else { continue };
                        leaves.push((f.clone(), t));
                        paths.push(vec![f]);
                    }
                }
            }
            let Ok(name) = syn::parse_str(name) else {
                continue;
            };
            types.push(ValueType {
                name,
                fields: leaves,
                generic: None,
                nested,
                paths,
            });
            added = true;
        }
        if !added {
            break;
        }
    }
}

/// The items of an iterator over a local sequence of values by index (see
/// `Pass::local_chain`).
enum Indexed {
    /// An element of the local sequence, now its index.
    Element(Local),
    /// Anything else, as it was.
    Other,
    /// Pairs, of `zip` or `enumerate`.
    Pair(Box<Indexed>, Box<Indexed>),
}

impl Indexed {
    fn holds_elements(&self) -> bool {
        match self {
            Indexed::Element(_) => true,
            Indexed::Other => false,
            Indexed::Pair(a, b) => a.holds_elements() || b.holds_elements(),
        }
    }
}

/// `pat` over items of `shape` with each element's name (`p`, `&p`) made a fresh index
/// (`k`): the names, each with the index and the sequence; `None` where an element is taken
/// apart.
fn index_pattern(
    pat: &mut syn::Pat,
    shape: &Indexed,
    out: &mut Vec<(Ident, Ident, Local)>,
) -> Option<()> {
    if let syn::Pat::Type(pt) = pat {
        return index_pattern(&mut pt.pat, shape, out);
    }
    match shape {
        Indexed::Other => Some(()),
        Indexed::Element(l) => {
            let name = match &*pat {
                syn::Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                    pi.ident.clone()
                }
                syn::Pat::Reference(r) => match &*r.pat {
                    syn::Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                        pi.ident.clone()
                    }
                    _ => return None,
                },
                syn::Pat::Wild(_) => return Some(()),
                _ => return None,
            };
            let k = crate::naming::fresh("k");
            *pat = syn::parse_quote!(#k);
            out.push((name, k, l.clone()));
            Some(())
        }
        Indexed::Pair(a, b) => {
            let syn::Pat::Tuple(t) = pat else {
                return None;
            };
            if t.elems.len() != 2 {
                return None;
            }
            let mut it = t.elems.iter_mut();
            index_pattern(it.next()?, a, out)?;
            index_pattern(it.next()?, b, out)
        }
    }
}

/// The items of an iterator (see `Pass::element_shape`).
enum Shape {
    /// Elements of a parameter holding values of a value type.
    Value(usize),
    /// Anything else (numbers, indices).
    Other,
    /// Pairs, of `zip` or `enumerate`.
    Pair(Box<Shape>, Box<Shape>),
}

impl Shape {
    fn holds_values(&self) -> bool {
        match self {
            Shape::Value(_) => true,
            Shape::Other => false,
            Shape::Pair(a, b) => a.holds_values() || b.holds_values(),
        }
    }
}

/// The names `pat` binds to elements of values where the items have `shape`; `None` for a
/// pattern that takes such an element apart (not followed).
fn bind_shape(pat: &syn::Pat, shape: &Shape, out: &mut Vec<(Ident, usize)>) -> Option<()> {
    let pat = match pat {
        syn::Pat::Type(pt) => &*pt.pat,
        p => p,
    };
    match (pat, shape) {
        (_, Shape::Other) => Some(()),
        (syn::Pat::Reference(r), _) => bind_shape(&r.pat, shape, out),
        (syn::Pat::Ident(pi), Shape::Value(t)) if pi.subpat.is_none() && pi.by_ref.is_none() => {
            out.push((pi.ident.clone(), *t));
            Some(())
        }
        (syn::Pat::Wild(_), _) => Some(()),
        (syn::Pat::Tuple(tp), Shape::Pair(a, b)) if tp.elems.len() == 2 => {
            bind_shape(&tp.elems[0], a, out)?;
            bind_shape(&tp.elems[1], b, out)
        }
        _ => None,
    }
}

thread_local! {
    /// The first use of a value that the last refused body had, and what it is.
    static NOT_FOLLOWED: std::cell::RefCell<Option<(proc_macro2::Span, String)>> =
        const { std::cell::RefCell::new(None) };
}

/// The use of a value the last refused body had (once): where, and what it is.
pub(crate) fn take_not_followed() -> Option<(proc_macro2::Span, String)> {
    NOT_FOLLOWED.with(|n| n.borrow_mut().take())
}

/// Puts back what [`take_not_followed`] took (a trial that is dropped).
fn restore_not_followed(was: Option<(proc_macro2::Span, String)>) {
    NOT_FOLLOWED.with(|n| *n.borrow_mut() = was);
}

/// Whether `name` is a value type of the file being expanded (see the module).
pub(crate) fn is_value_type(name: &str) -> bool {
    value_types(false, Some("f64"))
        .iter()
        .any(|t| t.name == name)
}

/// Whether `f64` and `f32` have a method `name` themselves (see [`INHERENT`]).
pub(crate) fn float_has(name: &str) -> bool {
    INHERENT.contains(&name)
}

/// The methods of `f64` and `f32` themselves (and of the traits of the standard library they
/// implement), which a call reaches before any trait of the user's.
const INHERENT: &[&str] = &[
    "abs",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "cbrt",
    "ceil",
    "clamp",
    "classify",
    "clone",
    "copysign",
    "cos",
    "cosh",
    "div_euclid",
    "exp",
    "exp2",
    "exp_m1",
    "floor",
    "fract",
    "hypot",
    "is_finite",
    "is_infinite",
    "is_nan",
    "is_normal",
    "is_sign_negative",
    "is_sign_positive",
    "is_subnormal",
    "ln",
    "ln_1p",
    "log",
    "log10",
    "log2",
    "max",
    "maximum",
    "min",
    "minimum",
    "mul_add",
    "next_down",
    "next_up",
    "powf",
    "powi",
    "recip",
    "rem_euclid",
    "round",
    "round_ties_even",
    "signum",
    "sin",
    "sin_cos",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
    "to_bits",
    "to_degrees",
    "to_int_unchecked",
    "to_radians",
    "to_string",
    "total_cmp",
    "trunc",
    "partial_cmp",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "cmp",
    "add",
    "sub",
    "mul",
    "div",
    "rem",
    "neg",
    "into",
    "try_into",
    "to_owned",
    "fmt",
    "hash",
    "sum",
    "product",
    "midpoint",
    "abs_sub",
    "to_be_bytes",
    "to_le_bytes",
    "to_ne_bytes",
];

/// `+` as `add`, ..: the method of the operator's trait.
/// `Option<T>`, the return type of `sig`, when it is one.
fn option_output(sig: &syn::Signature) -> Option<syn::Type> {
    match &sig.output {
        syn::ReturnType::Type(_, t) => super::options::is_option(t).then(|| (**t).clone()),
        syn::ReturnType::Default => None,
    }
}

fn op_method(op: &syn::BinOp) -> Option<&'static str> {
    Some(match op {
        syn::BinOp::Add(_) | syn::BinOp::AddAssign(_) => "add",
        syn::BinOp::Sub(_) | syn::BinOp::SubAssign(_) => "sub",
        syn::BinOp::Mul(_) | syn::BinOp::MulAssign(_) => "mul",
        syn::BinOp::Div(_) | syn::BinOp::DivAssign(_) => "div",
        syn::BinOp::Rem(_) | syn::BinOp::RemAssign(_) => "rem",
        _ => return None,
    })
}

/// `+=`, `-=`, `*=`, `/=`, `%=` (the operators of [`op_method`] that assign).
fn compound(op: &syn::BinOp) -> bool {
    crate::lower::is_compound_assign(op) && op_method(op).is_some()
}

/// `a op= b` as `a op (b)`.
fn spelled_out(b: &syn::ExprBinary) -> syn::Expr {
    let op = match b.op {
        syn::BinOp::AddAssign(_) => quote!(+),
        syn::BinOp::SubAssign(_) => quote!(-),
        syn::BinOp::MulAssign(_) => quote!(*),
        syn::BinOp::DivAssign(_) => quote!(/),
        _ => quote!(%),
    };
    let (l, r) = (&b.left, &b.right);
    syn::parse_quote!(#l #op (#r))
}

fn unparen(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => unparen(&p.expr),
        syn::Expr::Group(g) => unparen(&g.expr),
        e => e,
    }
}

impl Pass {
    /// Whether the body of `f` names a value type.
    fn holds_values(&self, f: &syn::ItemFn) -> bool {
        let body = quote::ToTokens::to_token_stream(&f.block);
        self.types.iter().any(|t| super::mentions(&body, &t.name))
    }

    fn fail(&mut self) {
        self.failed = true;
    }

    /// [`Self::fail`] at a use that is not followed, said there when the body is refused.
    fn fail_at(&mut self, at: &dyn quote::ToTokens, what: &str) {
        if !self.failed {
            let span = syn::spanned::Spanned::span(&quote::ToTokens::to_token_stream(at));
            NOT_FOLLOWED.with(|n| *n.borrow_mut() = Some((span, what.to_string())));
        }
        self.failed = true;
    }

    fn declare(&mut self, name: &Ident, local: Option<Local>) {
        let scope = self.scopes.last_mut().expect("a scope is open");
        scope.insert(name.to_string(), local);
    }

    fn binding(&self, name: &Ident) -> Option<&Local> {
        let name = name.to_string();
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.get(&name))
            .and_then(Option::as_ref)
    }

    fn lookup(&self, name: &Ident) -> Option<&Local> {
        self.binding(name).filter(|l| !l.seq)
    }

    /// The local sequence of values `e` names.
    fn local_seq(&self, e: &syn::Expr) -> Option<&Local> {
        match unparen(e) {
            syn::Expr::Path(p) if p.qself.is_none() => {
                self.binding(p.path.get_ident()?).filter(|l| l.seq)
            }
            syn::Expr::Reference(r) => self.local_seq(&r.expr),
            // (`pts.iter()`, `pts.iter_mut()` where it is iterated.)
            syn::Expr::MethodCall(m)
                if (m.method == "iter" || m.method == "iter_mut") && m.args.is_empty() =>
            {
                self.local_seq(&m.receiver)
            }
            _ => None,
        }
    }

    fn local_of(&self, e: &syn::Expr) -> Option<Local> {
        match unparen(e) {
            syn::Expr::Path(p) if p.qself.is_none() => self.lookup(p.path.get_ident()?).cloned(),
            // `*p` of an element lent by `iter_mut()`: its fields are places.
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.local_of(&u.expr),
            // `ps[i]` of a local sequence of values, at an index read without effects: its
            // fields' places there (`ps[i].v += dv;`).
            syn::Expr::Index(ix) if crate::desugar::integer_index(&ix.index) => {
                let l = self.local_seq(&ix.expr)?;
                let k = &ix.index;
                Some(Local {
                    ty: l.ty,
                    parts: l.parts.iter().map(|p| syn::parse_quote!(#p[#k])).collect(),
                    seq: false,
                })
            }
            // `p.pos` of a local `p` whose field `pos` is a value: its floats among `p`'s.
            syn::Expr::Field(f) => {
                let l = self.local_of(&f.base)?;
                let m = &member_name(&f.member);
                let (sub, at) = self.nested_field(l.ty, m)?;
                let n = self.types[sub].fields.len();
                Some(Local {
                    ty: sub,
                    parts: l.parts.get(at..at + n)?.to_vec(),
                    seq: l.seq,
                })
            }
            _ => None,
        }
    }

    /// The value type of the field `m` of the type `t` and where its floats begin among `t`'s,
    /// when it is a value (`pos` of `Particle { pos: Vec3, .. }`).
    fn nested_field(&self, t: usize, m: &Ident) -> Option<(usize, usize)> {
        self.types[t]
            .nested
            .iter()
            .find(|(n, ..)| n == m)
            .map(|&(_, sub, at)| (sub, at))
    }

    /// Whether the tokens read a local of a value type.
    fn mentions_local(&self, ts: &proc_macro2::TokenStream) -> bool {
        crate::naming::mentions(ts.clone(), &|i| self.binding(i).is_some())
    }

    fn shadow_pat(&mut self, p: &syn::Pat) {
        let mut names = Vec::new();
        crate::lower::collect_pat_idents(p, &mut names);
        for n in names {
            self.declare(&n, None);
        }
    }

    /// The value type a type names (`V2`, `Self` is never one: bodies are rewritten first).
    fn type_named(&self, ty: &syn::Type) -> Option<usize> {
        let syn::Type::Path(p) = ty else { return None };
        if p.qself.is_some() {
            return None;
        }
        self.type_of_path(&p.path)
    }

    /// (`V2` and, of a generic value type, `V2<f64>` or `V2::<T>`.)
    fn type_of_path(&self, p: &syn::Path) -> Option<usize> {
        let [seg] = &p.segments.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let t = self.types.iter().position(|t| t.name == seg.ident)?;
        (seg.arguments.is_none() || self.types[t].generic.is_some()).then_some(t)
    }

    /// The method or associated function `name` of the value type `t`, as a free function
    /// (`mutating`: one taking `&mut self`).
    fn method_of(&mut self, t: usize, name: &str, mutating: bool) -> Option<syn::ItemFn> {
        let base = self.types[t].name.to_string();
        let key = if mutating {
            format!("&mut {name}")
        } else {
            name.to_string()
        };
        let generic = self.types[t].generic.is_some();
        let float = self.float.clone();
        self.methods
            .entry((base.clone(), key))
            .or_insert_with(|| {
                // (A generic one's `impl<U: Float> V2<U>`, printed so, whatever it names its
                // parameter.)
                let types = if generic {
                    crate::prescan::generic_impl_types(&base)
                } else {
                    vec![base.clone()]
                };
                let found: Vec<String> = types
                    .iter()
                    .filter_map(|ty| {
                        if mutating {
                            crate::prescan::file_mut_method(ty, name)
                        } else {
                            crate::prescan::file_method(ty, name)
                        }
                    })
                    .collect();
                let [src] = &found[..] else { return None };
                let mut f = syn::parse_str::<syn::ItemFn>(src).ok()?;
                if !generic {
                    let own = self.types[t].name.clone();
                    tuple_literals(&mut f.block, &self.types, Some(&own));
                    return Some(f);
                }
                // (The instance of the function's float: the `impl`'s parameter, the one type
                // parameter of the method as printed.)
                let [syn::GenericParam::Type(p)] =
                    &f.sig.generics.params.iter().collect::<Vec<_>>()[..]
                else {
                    return None;
                };
                let g = p.ident.clone();
                match float.as_deref() {
                    Some(c @ ("f64" | "f32")) => crate::monomorph::concrete(&f, &g, c),
                    // (The caller's own generic float: the methods' bounds are its.)
                    Some(own) => Some(crate::monomorph::renamed(&f, &g, own)),
                    None => None,
                }
            })
            .clone()
    }

    fn method(&mut self, t: usize, name: &str) -> Option<syn::ItemFn> {
        self.method_of(t, name, false)
    }

    /// The value type that calling `name` of `t` gives, if any.
    fn returns(&mut self, t: usize, name: &str) -> Option<usize> {
        let f = self.method(t, name)?;
        self.returns_of(&f, Some(t))
    }

    /// The value type that `f` (a method of `own`, or a function) gives, if any: its return type
    /// is a value type or `Self`, or `Self::Output` with a body that ends in a value of `own`.
    fn returns_of(&self, f: &syn::ItemFn, own: Option<usize>) -> Option<usize> {
        let syn::ReturnType::Type(_, ret) = &f.sig.output else {
            return None;
        };
        let syn::Type::Path(p) = &**ret else {
            return None;
        };
        let segs = crate::naming::segments(&p.path);
        let is_own = |s: &str| s == "Self" || own.is_some_and(|t| self.types[t].name == s);
        match &segs[..] {
            [one] if one == "Self" => own,
            [_] => self.type_named(ret),
            [first, out] if first == "Self" && out == "Output" => {
                let Some(syn::Stmt::Expr(tail, None)) = f.block.stmts.last() else {
                    return None;
                };
                let made = match unparen(tail) {
                    syn::Expr::Struct(s) => s
                        .path
                        .segments
                        .first()
                        .is_some_and(|s| is_own(&s.ident.to_string())),
                    syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(fp)
                        if fp.path.segments.first().is_some_and(|s| is_own(&s.ident.to_string()))),
                    _ => false,
                };
                if made {
                    own
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// `impl Mul<Vec3> for f64`'s `mul` (or `f32`'s) for `x * v`, `v` of the value type `t`:
    /// the function and the float type.
    fn scalar_op(&self, name: &str, t: usize) -> Option<(syn::ItemFn, syn::Type)> {
        let mut found = float_impls(name).into_iter().filter(|(f, _)| {
            f.sig.inputs.iter().any(|a| match a {
                syn::FnArg::Typed(pt) => {
                    let ty = match &*pt.ty {
                        syn::Type::Reference(r) => &*r.elem,
                        ty => ty,
                    };
                    self.type_named(ty) == Some(t)
                }
                syn::FnArg::Receiver(_) => false,
            })
        });
        // (One only: `impl Mul<Vec3> for f64` and `for f32` both would be another story.)
        match (found.next(), found.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// Whether `c` is `T::default()` or `Default::default()` (of `t`, where the context says so)
    /// of a value type `t` that derives `Default` in the file.
    fn derived_default(&self, c: &syn::ExprCall, t: usize) -> bool {
        let syn::Expr::Path(fp) = &*c.func else {
            return false;
        };
        let segs = crate::naming::segments(&fp.path);
        let name = self.types[t].name.to_string();
        let of_t = match &segs[..] {
            [ty, f] if f == "default" => *ty == name || ty == "Default",
            [.., d, f] if f == "default" => d == "Default",
            _ => false,
        };
        of_t && c.args.is_empty() && crate::prescan::derives_default(&name)
    }

    /// The function a call names: a value type's associated function (`Vec3::new`), or one the
    /// body declares; with the type, for the first.
    fn callee(&mut self, c: &syn::ExprCall) -> Option<(syn::ItemFn, Option<usize>, bool)> {
        let syn::Expr::Path(fp) = &*c.func else {
            return None;
        };
        if fp.qself.is_some() {
            return None;
        }
        match &fp.path.segments.iter().collect::<Vec<_>>()[..] {
            [ty, f] if f.arguments.is_none() => {
                let own = self.types.iter().position(|v| v.name == ty.ident)?;
                Some((self.method(own, &f.ident.to_string())?, Some(own), false))
            }
            [f] if f.arguments.is_none() => {
                let name = f.ident.to_string();
                if let Some(c) = self.closures.get(&name) {
                    return Some((c.clone(), None, true));
                }
                let f = self.nested.get(&name)?.clone();
                Some((f, None, false))
            }
            _ => None,
        }
    }

    /// The value type of the elements of a parameter `e` holding values of one.
    fn seq_of(&self, e: &syn::Expr) -> Option<usize> {
        if let Some(l) = self.local_seq(e) {
            return Some(l.ty);
        }
        match unparen(e) {
            syn::Expr::Path(p) if p.qself.is_none() => {
                let id = p.path.get_ident()?;
                // (Not a local that shadows it.)
                let shadowed = self.scopes.iter().any(|s| s.contains_key(&id.to_string()));
                (!shadowed).then(|| self.seqs.get(&id.to_string()).copied())?
            }
            syn::Expr::Reference(r) => self.seq_of(&r.expr),
            syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => {
                self.seq_of(&m.receiver)
            }
            _ => None,
        }
    }

    /// `pts.iter()` of a local sequence of values (one vector per field) as an iterator over
    /// its indices, `(0..pts_x.len())`, through `zip` (either side), `enumerate`, `rev`, `skip`,
    /// `take` and `step_by`: the iterator, and what its items are.
    fn local_chain(&self, e: &syn::Expr, arg: bool) -> Option<(syn::Expr, Indexed)> {
        let indices = |l: &Local| -> syn::Expr {
            let first = &l.parts[0];
            syn::parse_quote!((0..#first.len()))
        };
        let e = unparen(e);
        // (A `zip`'s argument may be the sequence itself, `&pts`.)
        let whole = matches!(e, syn::Expr::Path(_) | syn::Expr::Reference(_));
        if let (Some(l), true) = (self.local_seq(e), arg || !whole) {
            if matches!(e, syn::Expr::MethodCall(m) if m.method == "iter_mut") {
                return None;
            }
            return Some((indices(l), Indexed::Element(l.clone())));
        }
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        let mut out = m.clone();
        let shape = match m.method.to_string().as_str() {
            "zip" if m.args.len() == 1 => {
                let a = self.local_chain(&m.receiver, false);
                let b = self.local_chain(&m.args[0], true);
                if a.is_none() && b.is_none() {
                    return None;
                }
                let a = match a {
                    Some((x, s)) => {
                        *out.receiver = x;
                        s
                    }
                    None => Indexed::Other,
                };
                let b = match b {
                    Some((x, s)) => {
                        out.args[0] = x;
                        s
                    }
                    None => Indexed::Other,
                };
                Indexed::Pair(Box::new(a), Box::new(b))
            }
            "enumerate" if m.args.is_empty() => {
                let (x, s) = self.local_chain(&m.receiver, false)?;
                *out.receiver = x;
                Indexed::Pair(Box::new(Indexed::Other), Box::new(s))
            }
            "rev" | "skip" | "take" | "step_by" => {
                let (x, s) = self.local_chain(&m.receiver, false)?;
                *out.receiver = x;
                s
            }
            // (Of the elements themselves: the indices are numbers already.)
            "copied" | "cloned" if m.args.is_empty() => {
                let (x, s) = self.local_chain(&m.receiver, false)?;
                if !matches!(s, Indexed::Element(_)) {
                    return None;
                }
                return Some((x, s));
            }
            _ => return None,
        };
        shape
            .holds_elements()
            .then_some((syn::Expr::MethodCall(out), shape))
    }

    /// A closure given to an iterator adapter over a parameter holding values (`pts.iter()`,
    /// zipped or enumerated, filtered, ..): which argument it is, and the names its parameter
    /// binds to elements, with their types.
    fn closure_over_data(&self, m: &syn::ExprMethodCall) -> Option<(usize, Vec<(Ident, usize)>)> {
        const TAKING: &[&str] = &[
            "map",
            "for_each",
            "filter",
            "filter_map",
            "any",
            "all",
            "take_while",
            "skip_while",
            "position",
            "inspect",
            "fold",
        ];
        if !TAKING.iter().any(|n| m.method == n) {
            return None;
        }
        let at = usize::from(m.method == "fold");
        let syn::Expr::Closure(c) = m.args.iter().nth(at)? else {
            return None;
        };
        let pat = c.inputs.iter().nth(at)?;
        let shape = self.element_shape(&m.receiver)?;
        let mut binds = Vec::new();
        bind_shape(pat, &shape, &mut binds)?;
        (!binds.is_empty()).then_some((at, binds))
    }

    /// What an iterator's items are, where some are elements of a parameter holding values.
    fn element_shape(&self, e: &syn::Expr) -> Option<Shape> {
        if self.local_seq(e).is_some() {
            return None;
        }
        let syn::Expr::MethodCall(m) = unparen(e) else {
            return self.seq_of(e).map(Shape::Value);
        };
        let same = [
            "filter",
            "skip",
            "take",
            "rev",
            "step_by",
            "copied",
            "cloned",
            "skip_while",
            "take_while",
            "inspect",
        ];
        match m.method.to_string().as_str() {
            "iter" if m.args.is_empty() => self.seq_of(e).map(Shape::Value),
            "zip" if m.args.len() == 1 => {
                let side = |x: &syn::Expr| self.element_shape(x).unwrap_or(Shape::Other);
                let (a, b) = (side(&m.receiver), side(&m.args[0]));
                (a.holds_values() || b.holds_values())
                    .then(|| Shape::Pair(Box::new(a), Box::new(b)))
            }
            "enumerate" if m.args.is_empty() => {
                let inner = self.element_shape(&m.receiver)?;
                Some(Shape::Pair(Box::new(Shape::Other), Box::new(inner)))
            }
            n if same.contains(&n) => self.element_shape(&m.receiver),
            _ => None,
        }
    }

    /// `X.zip(Y)` iterated by a pattern `(a, b)`, where a side is a parameter holding values (a
    /// local sequence of them is refused, as every other iteration of one but by index): each
    /// name bound to such an element, with its type.
    fn zipped_elements(&self, e: &syn::Expr, pat: &syn::Pat) -> Option<Vec<(Ident, usize)>> {
        let syn::Expr::MethodCall(m) = unparen(e) else {
            return None;
        };
        let syn::Pat::Tuple(t) = pat else { return None };
        if m.method != "zip" || m.args.len() != 1 || t.elems.len() != 2 {
            return None;
        }
        let sides = [&*m.receiver, &m.args[0]];
        if sides.iter().any(|s| self.local_seq(s).is_some()) {
            return None;
        }
        let mut names = Vec::new();
        for (side, p) in sides.iter().zip(&t.elems) {
            let Some(ty) = self.seq_of(side) else {
                continue;
            };
            let name = match p {
                syn::Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => &pi.ident,
                syn::Pat::Reference(r) => match &*r.pat {
                    syn::Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => &pi.ident,
                    _ => return None,
                },
                _ => return None,
            };
            names.push((name.clone(), ty));
        }
        (!names.is_empty()).then_some(names)
    }

    /// `body` run in a scope of its own where the names `shadowed` bind are the scope's and
    /// `declare` has declared its elements.
    fn scoped(
        &mut self,
        shadowed: &[syn::Pat],
        declare: impl FnOnce(&mut Self),
        body: impl FnOnce(&mut Self),
    ) {
        self.scopes.push(HashMap::new());
        for p in shadowed {
            self.shadow_pat(p);
        }
        declare(self);
        body(self);
        self.scopes.pop();
    }

    /// Declares each name an element of a parameter holding values, read in place
    /// (`name.x`).
    fn declare_in_place(&mut self, binds: &[(Ident, usize)]) {
        for (name, t) in binds {
            let parts = (0..self.types[*t].fields.len())
                .map(|k| {
                    let f = self.types[*t].access(k);
                    syn::parse_quote!(#name #f)
                })
                .collect();
            let local = Local {
                ty: *t,
                parts,
                seq: false,
            };
            self.declare(name, Some(local));
        }
    }

    /// Declares each name the element at its index of a local sequence of values (its fields'
    /// vectors there, `pts_x[k]`).
    fn declare_indexed(&mut self, binds: &[(Ident, Ident, Local)]) {
        for (name, idx, l) in binds {
            let parts = l
                .parts
                .iter()
                .map(|q| syn::parse_quote!(#q[#idx]))
                .collect();
            let local = Local {
                ty: l.ty,
                parts,
                seq: false,
            };
            self.declare(name, Some(local));
        }
    }

    /// The fields of element `k` of the sequence `base` (of values of `t`): `pts_x[k]` of a
    /// local, `pts[k].x` of a parameter.
    fn elements(&self, base: &syn::Expr, k: &syn::Expr, t: usize) -> Vec<syn::Expr> {
        match self.local_seq(base) {
            Some(l) => l.parts.iter().map(|p| syn::parse_quote!(#p[#k])).collect(),
            None => (0..self.types[t].fields.len())
                .map(|j| {
                    let f = self.types[t].access(j);
                    syn::parse_quote!(#base[#k] #f)
                })
                .collect(),
        }
    }

    /// The value type of `e`, when it is one.
    fn type_of(&mut self, e: &syn::Expr) -> Option<usize> {
        match e {
            syn::Expr::Paren(p) => self.type_of(&p.expr),
            syn::Expr::Group(g) => self.type_of(&g.expr),
            syn::Expr::Reference(r) if r.mutability.is_none() => self.type_of(&r.expr),
            syn::Expr::Unary(u) => match u.op {
                syn::UnOp::Deref(_) => self.type_of(&u.expr),
                syn::UnOp::Neg(_) => {
                    let t = self.type_of(&u.expr)?;
                    self.returns(t, "neg")
                }
                _ => None,
            },
            syn::Expr::Path(p) if p.qself.is_none() => {
                self.lookup(p.path.get_ident()?).map(|l| l.ty)
            }
            syn::Expr::Struct(s) => self.type_of_path(&s.path),
            syn::Expr::Field(f) => {
                let t = self.type_of(&f.base)?;
                self.nested_field(t, &member_name(&f.member))
                    .map(|(sub, _)| sub)
            }
            syn::Expr::Index(ix) => self.seq_of(&ix.expr),
            syn::Expr::Call(c) => {
                if let syn::Expr::Path(fp) = &*c.func {
                    if let [ty, f] = &fp.path.segments.iter().collect::<Vec<_>>()[..] {
                        let t = self.types.iter().position(|v| v.name == ty.ident);
                        if let Some(t) =
                            t.filter(|&t| f.ident == "default" && self.derived_default(c, t))
                        {
                            return Some(t);
                        }
                    }
                }
                let (f, own, _) = self.callee(c)?;
                self.returns_of(&f, own)
            }
            syn::Expr::MethodCall(m) => {
                let t = self.type_of(&m.receiver)?;
                if (m.method == "clone" || m.method == "to_owned") && m.args.is_empty() {
                    return Some(t);
                }
                self.returns(t, &m.method.to_string())
            }
            syn::Expr::Binary(b) => {
                let name = op_method(&b.op)?;
                if compound(&b.op) {
                    return None;
                }
                match self.type_of(&b.left) {
                    Some(t) => self.returns(t, name),
                    None => {
                        let t = self.type_of(&b.right)?;
                        let (f, _) = self.scalar_op(name, t)?;
                        self.returns_of(&f, None)
                    }
                }
            }
            syn::Expr::Block(b) => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) if b.label.is_none() => {
                    // (Its own locals are not known here: a tail naming one is a value the
                    // rewrite of the block finds, or not.)
                    let tail = tail.clone();
                    self.scopes.push(HashMap::new());
                    // (Its locals' types, as the rewrite of the block will find them.)
                    for s in &b.block.stmts {
                        let syn::Stmt::Local(l) = s else { continue };
                        let (pat, ty) = super::pat_and_type(l);
                        let t = match (pat, ty, &l.init) {
                            (syn::Pat::Ident(_), Some(ty), _) => self.type_named(ty),
                            (syn::Pat::Ident(_), None, Some(init)) => self.type_of(&init.expr),
                            _ => None,
                        };
                        match (pat, t) {
                            (syn::Pat::Ident(pi), Some(ty)) => {
                                let name = pi.ident.clone();
                                self.declare(
                                    &name,
                                    Some(Local {
                                        ty,
                                        parts: Vec::new(),
                                        seq: false,
                                    }),
                                );
                            }
                            _ => self.shadow_pat(&l.pat),
                        }
                    }
                    let t = self.type_of(&tail);
                    self.scopes.pop();
                    t
                }
                _ => None,
            },
            syn::Expr::If(i) if i.else_branch.is_some() => match i.then_branch.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => {
                    let tail = tail.clone();
                    self.type_of(&tail)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Rewrites the statements of `b` in a scope of their own.
    fn block(&mut self, b: &mut syn::Block) {
        self.scopes.push(HashMap::new());
        let stmts = std::mem::take(&mut b.stmts);
        for (k, s) in stmts.iter().enumerate() {
            self.rest = stmts[k + 1..].to_vec();
            self.stmt(s.clone(), &mut b.stmts);
        }
        self.scopes.pop();
    }

    fn stmt(&mut self, s: syn::Stmt, out: &mut Vec<syn::Stmt>) {
        if self.failed {
            out.push(s);
            return;
        }
        match s {
            syn::Stmt::Local(l) => self.local(l, out),
            syn::Stmt::Expr(e, semi) => {
                let push = matches!(&e, syn::Expr::MethodCall(m) if m.method == "push");
                let done = self
                    .seq_stmt(&e)
                    .or_else(|| self.assign(&e))
                    .or_else(|| self.mutated(&e));
                // A push's statements (over names of their own) are statements of this block:
                // where pushes may run is read from the block a list is declared in.
                if let (true, Some(syn::Expr::Block(b))) = (push, &done) {
                    out.extend(b.block.stmts.iter().cloned());
                    return;
                }
                if let Some(block) = done {
                    out.push(syn::Stmt::Expr(block, Some(Default::default())));
                    return;
                }
                let mut e = e;
                self.visit_expr_mut(&mut e);
                out.push(syn::Stmt::Expr(e, semi));
            }
            syn::Stmt::Macro(m) => {
                if self.mentions_local(&m.mac.tokens) {
                    self.fail_at(&m.mac, "read by a macro");
                }
                out.push(syn::Stmt::Macro(m));
            }
            s @ syn::Stmt::Item(_) => out.push(s),
        }
    }

    /// `let f = |p: Vec3, k: f64| BODY;` (every parameter typed, one of a value type, or a value
    /// type returned): the closure as a function, to inline where it is called.
    fn value_closure(&mut self, l: &syn::Local) -> Option<(Ident, syn::ItemFn)> {
        let (syn::Pat::Ident(pi), None) = super::pat_and_type(l) else {
            return None;
        };
        let init = l.init.as_ref().filter(|i| i.diverge.is_none())?;
        let syn::Expr::Closure(c) = unparen(&init.expr) else {
            return None;
        };
        let mut params = Vec::new();
        // The parameters of value types: name, type, the type as written.
        let mut valued = Vec::new();
        let mut takes = false;
        for p in &c.inputs {
            let syn::Pat::Type(pt) = p else { return None };
            let ty = match &*pt.ty {
                syn::Type::Reference(r) => &*r.elem,
                t => t,
            };
            if let Some(t) = self.type_named(ty) {
                takes = true;
                if let syn::Pat::Ident(name) = &*pt.pat {
                    valued.push((name.ident.clone(), t, ty.clone()));
                }
            }
            params.push(pt.clone());
        }
        let (gives, output) = match &c.output {
            syn::ReturnType::Type(_, t) => (self.type_named(t).is_some(), c.output.clone()),
            // `|a: f64| V::new(a, 2.0 * a)`, `|a: f64| V { x: a, y: a }`: the type its value
            // has, written; `|a: V, b: V| a + b`: the type of its parameters' combination.
            syn::ReturnType::Default => match self.value_given(&c.body) {
                Some(t) => (true, syn::parse_quote!(-> #t)),
                None => match self.given_by_params(&c.body, &valued) {
                    Some(t) => (true, syn::parse_quote!(-> #t)),
                    // `|k: f64| m.scale(k)`: a value the closure computes from the values it
                    // captures (whose names none of its parameters shadows).
                    None => match self.given_by_captures(&c.body, &params) {
                        Some(t) => (true, syn::parse_quote!(-> #t)),
                        None => (false, c.output.clone()),
                    },
                },
            },
        };
        // (A `move` closure keeps the values it captured when made, which a later write would
        // not change: not inlined.)
        if !(takes || gives) || c.asyncness.is_some() || c.capture.is_some() {
            return None;
        }
        let (name, body) = (&pi.ident, &c.body);
        let f: syn::ItemFn = syn::parse_quote!(fn #name(#(#params),*) #output { #body });
        Some((name.clone(), f))
    }

    /// The value type `body` gives when `params` (name, value type, the type as written) are
    /// values of those types (`a + b`, `a.scaled(k)`), written as a parameter of that type is.
    fn given_by_params(
        &mut self,
        body: &syn::Expr,
        params: &[(Ident, usize, syn::Type)],
    ) -> Option<syn::Type> {
        if params.is_empty() {
            return None;
        }
        self.scopes.push(HashMap::new());
        for (name, t, _) in params {
            let parts = self.types[*t]
                .fields
                .iter()
                .map(|_| syn::parse_quote!(0.0))
                .collect();
            self.declare(
                name,
                Some(Local {
                    ty: *t,
                    parts,
                    seq: false,
                }),
            );
        }
        let given = self.type_of(body);
        self.scopes.pop();
        let t = given?;
        params
            .iter()
            .find(|(_, p, _)| *p == t)
            .map(|(_, _, ty)| ty.clone())
    }

    /// The value type an expression's value has by its form: a literal of the type (`V { .. }`)
    /// or a call of its associated function that gives `Self` (`V::new(..)`), as the value or a
    /// block's tail.
    /// The value type `body` gives from values of the body it reads (`m.scale(k)`), where no
    /// name of `params` shadows one of them; a non-generic type only (written without its
    /// parameter).
    fn given_by_captures(
        &mut self,
        body: &syn::Expr,
        params: &[syn::PatType],
    ) -> Option<syn::Path> {
        let mut names = Vec::new();
        for p in params {
            crate::lower::collect_pat_idents(&p.pat, &mut names);
        }
        if names.iter().any(|n| self.binding(n).is_some()) {
            return None;
        }
        let body = match unparen(body) {
            syn::Expr::Block(b) if b.label.is_none() && b.block.stmts.len() == 1 => {
                match &b.block.stmts[0] {
                    syn::Stmt::Expr(tail, None) => tail,
                    _ => return None,
                }
            }
            e => e,
        };
        let t = self.type_of(body)?;
        let ty = &self.types[t];
        ty.generic
            .is_none()
            .then(|| syn::Path::from(ty.name.clone()))
    }

    fn value_given(&mut self, e: &syn::Expr) -> Option<syn::Path> {
        match unparen(e) {
            syn::Expr::Block(b) if b.label.is_none() => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => self.value_given(tail),
                _ => None,
            },
            syn::Expr::Struct(st) if st.qself.is_none() => {
                self.type_of_path(&st.path).map(|_| st.path.clone())
            }
            syn::Expr::Call(call) => {
                let syn::Expr::Path(p) = &*call.func else {
                    return None;
                };
                // A function of the body (a helper of the module copied in to be inlined,
                // `V::new` as `grad_v_new`) whose result is of a value type.
                if let Some(f) = p
                    .path
                    .get_ident()
                    .and_then(|f| self.nested.get(&f.to_string()))
                {
                    let syn::ReturnType::Type(_, out) = &f.sig.output else {
                        return None;
                    };
                    let syn::Type::Path(o) = &**out else {
                        return None;
                    };
                    return (o.qself.is_none() && self.type_of_path(&o.path).is_some())
                        .then(|| o.path.clone());
                }
                let [ty, f] = &p.path.segments.iter().collect::<Vec<_>>()[..] else {
                    return None;
                };
                if p.qself.is_some() || !f.arguments.is_none() {
                    return None;
                }
                let ty: syn::Path = syn::Path::from((*ty).clone());
                let t = self.type_of_path(&ty)?;
                let m = self.method_of(t, &f.ident.to_string(), false)?;
                let syn::ReturnType::Type(_, out) = &m.sig.output else {
                    return None;
                };
                let own = matches!(&**out, syn::Type::Path(o)
                    if o.qself.is_none() && (o.path.is_ident("Self") || self.type_of_path(&o.path) == Some(t)));
                own.then_some(ty)
            }
            _ => None,
        }
    }

    fn local(&mut self, mut l: syn::Local, out: &mut Vec<syn::Stmt>) {
        if self.seq_local(&l, out) || self.destructured(&l, out) {
            return;
        }
        // `let (u, v) = (V::new(..), a + b);`: a `let` per name, as the later passes split it,
        // so that each value is followed.
        if let Some(parts) = super::tuples::split_tuple_let(&l) {
            let valued = parts.iter().any(|p| {
                matches!(p, syn::Stmt::Local(pl)
                    if pl.init.as_ref().is_some_and(|i| self.type_of(&i.expr).is_some()))
            });
            if valued {
                for p in parts {
                    self.stmt(p, out);
                }
                return;
            }
        }
        if let Some((name, f)) = self.value_closure(&l) {
            self.declare(&name, None);
            self.closures.insert(name.to_string(), f);
            return;
        }
        if let syn::Pat::Ident(pi) = super::pat_and_type(&l).0 {
            self.closures.remove(&pi.ident.to_string());
        }
        let (pat, ty) = super::pat_and_type(&l);
        let declared = ty.and_then(|t| self.type_named(t));
        let inferred = match &l.init {
            Some(init) if declared.is_none() => self.type_of(&init.expr),
            _ => None,
        };
        let (syn::Pat::Ident(pi), Some(t)) = (pat, declared.or(inferred)) else {
            if let Some(init) = &mut l.init {
                self.visit_expr_mut(&mut init.expr);
                if let Some((_, d)) = &mut init.diverge {
                    self.visit_expr_mut(d);
                }
            }
            let pat = l.pat.clone();
            self.shadow_pat(&pat);
            out.push(syn::Stmt::Local(l));
            return;
        };
        let (name, m) = (pi.ident.clone(), pi.mutability);
        let Some(init) = l.init.as_ref().filter(|i| i.diverge.is_none()) else {
            return self.fail();
        };
        if pi.by_ref.is_some() || pi.subpat.is_some() {
            return self.fail();
        }
        let Some((pre, values)) = self.value(&init.expr.clone(), t) else {
            return self.fail();
        };
        out.extend(pre);
        let typed: Vec<(Option<syn::Type>, syn::Expr)> = self.types[t]
            .fields
            .iter()
            .zip(values)
            .map(|((_, fty), v)| (Some(fty.clone()), v))
            .collect();
        self.bind_parts(&name, m, t, typed, false, out);
        self.changed = true;
    }

    /// `let V2 { x, y: b } = VALUE;`, `let P2(a, _) = VALUE;`, `let V2 { x, .. } = VALUE;` of a
    /// value type (no value fields): the fields computed into names of their own first, then
    /// bound to the pattern's names (`let V2 { x: y, y: x } = V2 { x, y };` swaps them).
    /// Whether `l` is one.
    fn destructured(&mut self, l: &syn::Local, out: &mut Vec<syn::Stmt>) -> bool {
        let (pat, _) = super::pat_and_type(l);
        let Some(init) = l.init.as_ref().filter(|i| i.diverge.is_none()) else {
            return false;
        };
        // Each subpattern with the index of its field.
        let (t, subs): (usize, Vec<(usize, &syn::Pat)>) = match pat {
            syn::Pat::Struct(ps) if ps.qself.is_none() => {
                let Some(t) = self.type_of_path(&ps.path) else {
                    return false;
                };
                let mut subs = Vec::new();
                for fp in &ps.fields {
                    let name = member_name(&fp.member);
                    let Some(k) = self.types[t].fields.iter().position(|(f, _)| *f == name) else {
                        return false;
                    };
                    subs.push((k, &*fp.pat));
                }
                (t, subs)
            }
            syn::Pat::TupleStruct(ts) if ts.qself.is_none() => {
                let Some(t) = self.type_of_path(&ts.path) else {
                    return false;
                };
                let mut subs = Vec::new();
                for (k, p) in ts.elems.iter().enumerate() {
                    if matches!(p, syn::Pat::Rest(_)) {
                        if k + 1 != ts.elems.len() {
                            return false;
                        }
                        break;
                    }
                    subs.push((k, p));
                }
                (t, subs)
            }
            _ => return false,
        };
        let plain = subs.iter().all(|(_, p)| match p {
            syn::Pat::Ident(pi) => pi.by_ref.is_none() && pi.subpat.is_none(),
            syn::Pat::Wild(_) => true,
            _ => false,
        });
        if !self.types[t].nested.is_empty() || !plain {
            return false;
        }
        let Some((pre, values)) = self.value(&init.expr.clone(), t) else {
            return false;
        };
        out.extend(pre);
        let mut named = Vec::new();
        for (k, p) in subs {
            let syn::Pat::Ident(pi) = p else { continue };
            let (fty, v) = (&self.types[t].fields[k].1, &values[k]);
            let temp = crate::naming::fresh("part");
            out.push(syn::parse_quote!(let #temp: #fty = #v;));
            let (m, id) = (&pi.mutability, &pi.ident);
            named.push(syn::parse_quote!(let #m #id: #fty = #temp;));
            self.declare(id, None);
        }
        out.extend(named);
        self.changed = true;
        true
    }

    /// `let mut NAME_f: TYPE = INIT;` for each field `f` of `t`, and `name` declared as those
    /// parts (of a value, or of a sequence of values).
    fn bind_parts(
        &mut self,
        name: &Ident,
        m: Option<syn::Token![mut]>,
        t: usize,
        inits: Vec<(Option<syn::Type>, syn::Expr)>,
        seq: bool,
        out: &mut Vec<syn::Stmt>,
    ) {
        let mut parts = Vec::new();
        for ((f, _), (ty, init)) in self.types[t].fields.iter().zip(inits) {
            let part = crate::naming::fresh(&format!("{name}_{f}_"));
            out.push(match ty {
                Some(ty) => syn::parse_quote!(let #m #part: #ty = #init;),
                None => syn::parse_quote!(let #m #part = #init;),
            });
            parts.push(syn::parse_quote!(#part));
        }
        self.declare(name, Some(Local { ty: t, parts, seq }));
        self.changed = true;
    }

    /// `p = VALUE;` or `p += VALUE;` of a local `p` of a value type: each field computed, then
    /// stored.
    fn assign(&mut self, e: &syn::Expr) -> Option<syn::Expr> {
        let (left, value): (&syn::Expr, syn::Expr) = match e {
            syn::Expr::Assign(a) => (&a.left, (*a.right).clone()),
            syn::Expr::Binary(b) if compound(&b.op) => (&b.left, spelled_out(b)),
            _ => return None,
        };
        let local = self.local_of(left)?;
        if let syn::Expr::Binary(b) = e {
            // `p += q` through the type's `add_assign` when it has one, else as `p = p + q`
            // (one that cannot be told apart, of another type or among several, is not
            // followed).
            let name = format!("{}_assign", op_method(&b.op).expect("an operator"));
            let right = [(*b.right).clone()];
            if self.method_of(local.ty, &name, true).is_some() {
                let Some((stmts, _)) =
                    self.inline(local.ty, &name, Some(&b.left), &right, Want::Unit)
                else {
                    self.fail();
                    return None;
                };
                return Some(syn::parse_quote!({ #(#stmts)* }));
            }
            if crate::prescan::unfollowed_method(&name) {
                self.fail();
                return None;
            }
        }
        let Some((pre, values)) = self.value(&value, local.ty) else {
            self.fail();
            return None;
        };
        let temps: Vec<Ident> = values.iter().map(|_| crate::naming::fresh("set")).collect();
        let fty = self.types[local.ty].fields.iter().map(|(_, t)| t);
        let parts = &local.parts;
        self.changed = true;
        Some(syn::parse_quote!({
            #(#pre)*
            #(let #temps: #fty = #values;)*
            #(#parts = #temps;)*
        }))
    }

    /// `p.m(args);` of a local `p` of a value type and a method taking `&mut self`: inlined, the
    /// fields written back.
    fn mutated(&mut self, e: &syn::Expr) -> Option<syn::Expr> {
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        let t = self.local_of(&m.receiver)?.ty;
        let name = m.method.to_string();
        self.method_of(t, &name, true)?;
        let args: Vec<syn::Expr> = m.args.iter().cloned().collect();
        let Some((stmts, _)) = self.inline(t, &name, Some(&m.receiver), &args, Want::Unit) else {
            self.fail();
            return None;
        };
        Some(syn::parse_quote!({ #(#stmts)* }))
    }

    /// The statements that compute a value of the type `t`, and the expression of each field.
    fn value(&mut self, e: &syn::Expr, t: usize) -> Option<(Vec<syn::Stmt>, Vec<syn::Expr>)> {
        if self.failed {
            return None;
        }
        match e {
            syn::Expr::Paren(p) => self.value(&p.expr, t),
            syn::Expr::Group(g) => self.value(&g.expr, t),
            syn::Expr::Reference(r) if r.mutability.is_none() => self.value(&r.expr, t),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.value(&u.expr, t),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
                let own = self.type_of(&u.expr)?;
                self.inline(own, "neg", Some(&u.expr), &[], Want::Value(t))
                    .map(|(s, v)| (s, v.expect("a value")))
            }
            syn::Expr::MethodCall(m)
                if (m.method == "clone" || m.method == "to_owned") && m.args.is_empty() =>
            {
                self.value(&m.receiver, t)
            }
            syn::Expr::Path(_) => {
                let l = self.local_of(e)?;
                (l.ty == t).then(|| (Vec::new(), l.parts.clone()))
            }
            // `p.pos` of a value `p` whose field `pos` is a value: its floats among `p`'s.
            syn::Expr::Field(f) => {
                let m = &member_name(&f.member);
                let own = self.type_of(&f.base)?;
                let (sub, at) = self.nested_field(own, m)?;
                if sub != t {
                    return None;
                }
                let (pre, parts) = self.value(&f.base, own)?;
                let n = self.types[sub].fields.len();
                Some((pre, parts.get(at..at + n)?.to_vec()))
            }
            // `pts[i]` of a parameter of values: its fields read in place, at an index
            // computed once.
            syn::Expr::Index(ix) if self.seq_of(&ix.expr) == Some(t) => {
                let mut at = (*ix.index).clone();
                self.visit_expr_mut(&mut at);
                // (A name or a literal read in place: a field of it may be written.)
                let (pre, k): (Vec<syn::Stmt>, syn::Expr) = match &at {
                    syn::Expr::Path(_) | syn::Expr::Lit(_) => (Vec::new(), at),
                    _ => {
                        let k = crate::naming::fresh("at");
                        (
                            vec![syn::parse_quote!(let #k: usize = #at;)],
                            syn::parse_quote!(#k),
                        )
                    }
                };
                let parts = self.elements(&ix.expr, &k, t);
                Some((pre, parts))
            }
            syn::Expr::Struct(lit) => {
                if self.type_of_path(&lit.path) != Some(t) || lit.qself.is_some() {
                    return None;
                }
                let n = self.types[t].fields.len();
                let mut pre = Vec::new();
                let mut values: Vec<Option<syn::Expr>> = vec![None; n];
                for fv in &lit.fields {
                    let m = &member_name(&fv.member);
                    // A field of another value type: its floats in their places.
                    if let Some((sub, at)) = self.nested_field(t, m) {
                        let (p, parts) = self.value(&fv.expr, sub)?;
                        pre.extend(p);
                        for (k, v) in parts.into_iter().enumerate() {
                            let temp = crate::naming::fresh(&format!("{m}_"));
                            let fty = &self.types[t].fields[at + k].1;
                            pre.push(syn::parse_quote!(let #temp: #fty = #v;));
                            values[at + k] = Some(syn::parse_quote!(#temp));
                        }
                        continue;
                    }
                    let k = self.types[t].fields.iter().position(|(f, _)| f == m)?;
                    let mut v = fv.expr.clone();
                    self.visit_expr_mut(&mut v);
                    let temp = crate::naming::fresh(&format!("{m}_"));
                    let fty = &self.types[t].fields[k].1;
                    pre.push(syn::parse_quote!(let #temp: #fty = #v;));
                    values[k] = Some(syn::parse_quote!(#temp));
                }
                if let Some(rest) = &lit.rest {
                    let (p, base) = self.value(rest, t)?;
                    pre.extend(p);
                    for (v, b) in values.iter_mut().zip(base) {
                        v.get_or_insert(b);
                    }
                }
                Some((pre, values.into_iter().collect::<Option<_>>()?))
            }
            syn::Expr::Call(c) if self.derived_default(c, t) => {
                // `#[derive(Default)]`: every field zero.
                let zero = |ty: &syn::Type| -> syn::Expr {
                    match crate::sig::float_of(ty) {
                        Some(f) => {
                            let lit = crate::emit::float_literal(0.0, f);
                            syn::parse_quote!(#lit)
                        }
                        None => syn::parse_quote!(<#ty as ::core::default::Default>::default()),
                    }
                };
                Some((
                    Vec::new(),
                    self.types[t]
                        .fields
                        .iter()
                        .map(|(_, ty)| zero(ty))
                        .collect(),
                ))
            }
            syn::Expr::Call(c) => {
                let (f, own, closure) = self.callee(c)?;
                let args: Vec<syn::Expr> = c.args.iter().cloned().collect();
                let how = if closure {
                    Callee::Closure
                } else {
                    Callee::Plain
                };
                self.inline_fn(&f, own, None, &args, Want::Value(t), how)
                    .map(|(s, v)| (s, v.expect("a value")))
            }
            syn::Expr::MethodCall(m) => {
                let own = self.type_of(&m.receiver)?;
                let args: Vec<syn::Expr> = m.args.iter().cloned().collect();
                self.inline(
                    own,
                    &m.method.to_string(),
                    Some(&m.receiver),
                    &args,
                    Want::Value(t),
                )
                .map(|(s, v)| (s, v.expect("a value")))
            }
            syn::Expr::Binary(b) if !compound(&b.op) => {
                let name = op_method(&b.op)?;
                let right = [(*b.right).clone()];
                let Some(own) = self.type_of(&b.left) else {
                    // `2.0 * v`: the float type's `impl Mul<V> for f64`.
                    let rt = self.type_of(&b.right)?;
                    let (f, float) = self.scalar_op(name, rt)?;
                    let how = Callee::OfFloat(Box::new(float));
                    let made = self.inline_fn(&f, None, Some(&b.left), &right, Want::Value(t), how);
                    return made.map(|(s, v)| (s, v.expect("a value")));
                };
                self.inline(own, name, Some(&b.left), &right, Want::Value(t))
                    .map(|(s, v)| (s, v.expect("a value")))
            }
            syn::Expr::Block(b) if b.label.is_none() => {
                let block = self.value_block(&b.block, t)?;
                Some(self.bind_block(
                    syn::Expr::Block(syn::ExprBlock {
                        attrs: Vec::new(),
                        label: None,
                        block,
                    }),
                    t,
                ))
            }
            syn::Expr::If(_) => {
                let e = self.value_if(e, t)?;
                Some(self.bind_block(e, t))
            }
            _ => None,
        }
    }

    /// `let (T0, T1): (f64, f64) = e;`, `e` giving a tuple of the fields: the statement, and the
    /// names.
    fn bind_block(&mut self, e: syn::Expr, t: usize) -> (Vec<syn::Stmt>, Vec<syn::Expr>) {
        let fields = &self.types[t].fields;
        let temps: Vec<Ident> = fields
            .iter()
            .map(|(f, _)| crate::naming::fresh(&format!("{f}_")))
            .collect();
        let ftys = fields.iter().map(|(_, t)| t);
        let stmt = if let ([one], [(_, fty)]) = (&temps[..], &fields[..]) {
            syn::parse_quote!(let #one: #fty = #e;)
        } else {
            syn::parse_quote!(let (#(#temps),*): (#(#ftys),*) = #e;)
        };
        (
            vec![stmt],
            temps.iter().map(|i| syn::parse_quote!(#i)).collect(),
        )
    }

    /// The tuple of the fields, or the one field, as a block's tail.
    fn tuple(values: &[syn::Expr]) -> syn::Expr {
        match values {
            [one] => one.clone(),
            _ => syn::parse_quote!((#(#values),*)),
        }
    }

    /// `{ stmts; tail }` of a value of type `t` as a block ending in the tuple of its fields.
    fn value_block(&mut self, b: &syn::Block, t: usize) -> Option<syn::Block> {
        let mut stmts = b.stmts.clone();
        let Some(syn::Stmt::Expr(tail, None)) = stmts.pop() else {
            return None;
        };
        self.scopes.push(HashMap::new());
        let mut out = Vec::new();
        for s in stmts {
            self.stmt(s, &mut out);
        }
        let found = self.value(&tail, t);
        self.scopes.pop();
        let (pre, values) = found?;
        out.extend(pre);
        out.push(syn::Stmt::Expr(Self::tuple(&values), None));
        Some(syn::Block {
            brace_token: b.brace_token,
            stmts: out,
        })
    }

    /// `if c { A } else { B }` of values of type `t`, each branch ending in the tuple.
    fn value_if(&mut self, e: &syn::Expr, t: usize) -> Option<syn::Expr> {
        match e {
            syn::Expr::If(i) => {
                let (_, other) = i.else_branch.as_ref()?;
                if matches!(&*i.cond, syn::Expr::Let(_)) {
                    return None;
                }
                let mut cond = (*i.cond).clone();
                self.visit_expr_mut(&mut cond);
                let then = self.value_block(&i.then_branch, t)?;
                let other = self.value_if(other, t)?;
                Some(syn::parse_quote!(if #cond #then else #other))
            }
            syn::Expr::Block(b) if b.label.is_none() => {
                let block = self.value_block(&b.block, t)?;
                Some(syn::Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block,
                }))
            }
            e => {
                let (pre, values) = self.value(e, t)?;
                let tail = Self::tuple(&values);
                Some(syn::parse_quote!({ #(#pre)* #tail }))
            }
        }
    }
}
