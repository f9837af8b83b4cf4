//! Methods without `#[gradient]`: a model's loss calls `self.forward(x)` (or `m.forward(x)` on a
//! model parameter), a plain method of the model's `impl` in the same module. Each such method is
//! written as a free function taking the receiver first (`fn grad_mlp_forward(grad_this: &Mlp,
//! x: &[f64]) -> f64`, `self` read as `grad_this`, `Self` as `Mlp`), and the calls of the
//! derivation's body as calls of it (`grad_mlp_forward(self, x)`); `plain_helpers` then copies
//! and inlines it as any helper of the module. The user's function keeps its method calls.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::ToTokens;
use std::collections::{BTreeMap, HashMap};
use syn::visit_mut::VisitMut;

/// The methods of the caller's module as free functions (name → source), and `item` with its
/// calls of them rewritten (`None` when it calls none).
pub fn rewrite(item: &syn::ItemFn) -> (BTreeMap<String, String>, Option<syn::ItemFn>) {
    rewrite_in(item, item)
}

/// [`rewrite`] of `item`, a helper of the module of `caller` copied for it (`fn mean(acs:
/// &[Act], z: f64) -> f64 { acs.iter().map(|a| a.apply(z)).sum() .. }`): the methods are those
/// `caller` sees.
pub fn rewrite_in(
    caller: &syn::ItemFn,
    item: &syn::ItemFn,
) -> (BTreeMap<String, String>, Option<syn::ItemFn>) {
    let (own, methods) = crate::prescan::plain_methods(caller);
    // (Most bodies name none: nothing parsed then.)
    let named = crate::naming::mentions(item.block.to_token_stream(), &|i| {
        methods.iter().any(|(_, name, _)| i == name.as_str())
    });
    if !named {
        return (BTreeMap::new(), None);
    }
    // The receivers whose types the caller names: `self`, and parameters of a struct's type.
    let mut types: HashMap<String, String> = HashMap::new();
    if let (Some(t), true) = (&own, item.sig.receiver().is_some()) {
        types.insert("self".into(), t.clone());
    }
    for a in &item.sig.inputs {
        if let syn::FnArg::Typed(pt) = a {
            if let (syn::Pat::Ident(p), Some(t)) = (&*pt.pat, struct_type(&pt.ty)) {
                types.insert(p.ident.to_string(), t);
            }
        }
    }
    // (A method of data, `self.len()`, stays a call, which lowering reads as data.)
    let table: Vec<Method> = methods
        .iter()
        .filter_map(|(ty, name, src)| Method::new(ty, name, src))
        // (A generic value type's, `impl<T: Float> V2<T>`, is inlined by `value_structs`,
        // made concrete for the caller's float.)
        .filter(|m| m.base == m.ty || !crate::desugar::value_structs::is_value_type(&m.base))
        .filter(|m| {
            // (The receiver, a model, is one such parameter when the result holds a float.)
            // (Or of a type parameter, `-> T` of `impl<T: Float> Lin<T>`.)
            let ret =
                match &m.item.sig.output {
                    syn::ReturnType::Type(_, t) => crate::sig::holds_float(t)
                        || m.item.sig.generics.type_params().any(
                            |p| matches!(&**t, syn::Type::Path(tp) if tp.path.is_ident(&p.ident)),
                        ),
                    syn::ReturnType::Default => false,
                };
            ret || crate::plain_helpers::numeric(&m.item.sig)
        })
        .collect();
    // (Generic ones too: a generic model given its float holds concrete structs.)
    let structs = crate::prescan::all_structs(&caller.sig.ident.to_string());
    let mut free = BTreeMap::new();
    for m in &table {
        if let Some(src) = m.as_free(&table, &structs) {
            free.insert(m.free_name.to_string(), src);
        }
    }
    // Receivers that are fields of a known struct (`self.hidden.forward(x)`), elements of one
    // (`self.layers[l].forward(x)`), or locals bound to those (`for layer in &self.layers`, `let
    // layer = &self.layers[l];`).
    let mut locals = Locals {
        types: &mut types,
        structs: &structs,
        lists: enum_list_params(&item.sig),
    };
    syn::visit::Visit::visit_block(&mut locals, &item.block);
    let mut out = item.clone();
    let mut r = Calls {
        types: &types,
        structs: &structs,
        table: &table,
        changed: false,
    };
    r.visit_block_mut(&mut out.block);
    (free, r.changed.then_some(out))
}

/// A plain method: its `impl`'s type, its name and arity, its source, and the free function's
/// name.
struct Method {
    ty: String,
    /// The type's name without its arguments (`Lin` of `Lin < T >`), which a receiver of a
    /// generic struct is known by (`m: &Lin<f64>`).
    base: String,
    name: String,
    arity: usize,
    /// An associated function (`fn act(z: f64) -> f64`, called `Self::act(z)`): no receiver.
    assoc: bool,
    item: syn::ItemFn,
    free_name: Ident,
}

impl Method {
    fn new(ty: &str, name: &str, src: &str) -> Option<Method> {
        let item: syn::ItemFn = syn::parse_str(src).ok()?;
        let lower: String = ty
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '_')
            .collect::<String>()
            .to_lowercase();
        let assoc = item.sig.receiver().is_none();
        let base = type_name(ty);
        Some(Method {
            ty: ty.to_string(),
            base,
            name: name.to_string(),
            arity: item.sig.inputs.len() - usize::from(!assoc),
            assoc,
            free_name: Ident::new(&format!("grad_{lower}_{name}"), Span::call_site()),
            item,
        })
    }

    /// Whether it is a method of `ty`, a type as written or a generic struct's name: a method
    /// of `impl<T> Lin<T>` is one of `Lin<f64>` too.
    fn of(&self, ty: &str) -> bool {
        self.ty == ty || self.base == type_name(ty)
    }

    /// The method as a free function of its receiver, its own calls of the table's methods on
    /// `self` rewritten.
    fn as_free(
        &self,
        table: &[Method],
        structs: &[(String, Vec<(String, String)>)],
    ) -> Option<String> {
        let mut f = self.item.clone();
        let ty: syn::Type = syn::parse_str(&self.ty).ok()?;
        let this = Ident::new("grad_this", Span::call_site());
        let mut types = HashMap::new();
        types.insert("self".to_string(), self.ty.clone());
        let mut locals = Locals {
            types: &mut types,
            structs,
            lists: HashMap::new(),
        };
        syn::visit::Visit::visit_block(&mut locals, &f.block);
        let mut r = Calls {
            types: &types,
            structs,
            table,
            changed: false,
        };
        r.visit_block_mut(&mut f.block);
        // (A receiver taken by value, `fn apply(self, z)` of a `Copy` enum, is read through the
        // reference as well: matched, its fields read, its methods called.)
        let block = replace_self(f.block.to_token_stream(), &this, &ty.to_token_stream());
        *f.block = syn::parse2(block).ok()?;
        if !self.assoc {
            let mut inputs: Vec<syn::FnArg> = f.sig.inputs.iter().skip(1).cloned().collect();
            inputs.insert(0, syn::parse_quote!(#this: &#ty));
            f.sig.inputs = inputs.into_iter().collect();
        }
        f.sig.ident = self.free_name.clone();
        // `Self` in the signature (`-> Self`, `other: &Self`) is the type too.
        let sig = replace_self(f.sig.to_token_stream(), &this, &ty.to_token_stream());
        f.sig = syn::parse2(sig).ok()?;
        f.attrs.retain(|a| !a.path().is_ident("doc"));
        Some(f.to_token_stream().to_string())
    }
}

/// The name of the type printed as `ty` without its arguments (`Lin` of `Lin < T >`).
fn type_name(ty: &str) -> String {
    match syn::parse_str::<syn::Type>(ty) {
        Ok(syn::Type::Path(p)) => p
            .path
            .segments
            .last()
            .map_or_else(|| ty.to_string(), |s| s.ident.to_string()),
        _ => ty.to_string(),
    }
}

/// `self` as `this` and `Self` as `ty`, in tokens.
fn replace_self(ts: TokenStream, this: &Ident, ty: &TokenStream) -> TokenStream {
    ts.into_iter()
        .flat_map(|t| -> Vec<TokenTree> {
            match t {
                TokenTree::Ident(i) if i == "self" => {
                    vec![TokenTree::Ident(Ident::new(&this.to_string(), i.span()))]
                }
                TokenTree::Ident(i) if i == "Self" => ty.clone().into_iter().collect(),
                TokenTree::Group(g) => {
                    let mut n =
                        proc_macro2::Group::new(g.delimiter(), replace_self(g.stream(), this, ty));
                    n.set_span(g.span());
                    vec![TokenTree::Group(n)]
                }
                other => vec![other],
            }
        })
        .collect()
}

/// The struct type of a parameter (`&Mlp`, `Mlp`), printed.
fn struct_type(ty: &syn::Type) -> Option<String> {
    let inner = match ty {
        syn::Type::Reference(r) if r.mutability.is_none() => &*r.elem,
        t => t,
    };
    let syn::Type::Path(p) = inner else {
        return None;
    };
    // (`MA<f32>`, a generic model given its float: the struct `MA`, whose concrete fields
    // hold the structs whose methods are read.)
    let generic = p
        .path
        .segments
        .last()
        .is_some_and(|s| !s.arguments.is_empty());
    // (Not a number, a flag or a character: a method a trait gives `i32` is no struct's.)
    let primitive = !matches!(crate::lower::primitive_kind(inner), crate::ir::Kind::Other)
        || p.path.is_ident("char");
    (p.qself.is_none() && crate::sig::float_of(inner).is_none() && !primitive).then(|| {
        if generic {
            p.path.segments.last().expect("checked").ident.to_string()
        } else {
            inner.to_token_stream().to_string()
        }
    })
}

/// Rewrites `recv.name(args)` with `recv` a receiver of known type and `name` a plain method of
/// that type as `free_name(recv, args)`.
struct Calls<'a> {
    types: &'a HashMap<String, String>,
    structs: &'a [(String, Vec<(String, String)>)],
    table: &'a [Method],
    changed: bool,
}

/// The struct type of `e`, a receiver: a name of `types`, a field of one, an element of a
/// sequence field (through `&`, `*` and parentheses).
fn type_of(
    e: &syn::Expr,
    types: &HashMap<String, String>,
    structs: &[(String, Vec<(String, String)>)],
) -> Option<String> {
    match e {
        syn::Expr::Paren(p) => type_of(&p.expr, types, structs),
        // (`let l = Mse;`: a value of a unit struct of the file, whose methods are then the
        // table's. A struct with fields made in the body is a local struct, whose methods
        // `desugar` inlines over its parts.)
        syn::Expr::Path(p) if p.qself.is_none() => {
            let id = p.path.get_ident()?.to_string();
            types
                .get(&id)
                .cloned()
                .or_else(|| crate::prescan::unit_struct(&id).then_some(id))
        }
        syn::Expr::Reference(r) => type_of(&r.expr, types, structs),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
            type_of(&u.expr, types, structs)
        }
        syn::Expr::Field(f) => struct_name(&field_type(f, types, structs)?),
        syn::Expr::Index(i) => {
            let syn::Expr::Field(f) = &*i.expr else {
                return None;
            };
            struct_name(&crate::vector::seq_elem(&field_type(f, types, structs)?)?)
        }
        _ => None,
    }
}

/// The declared type of the field `f` reads.
fn field_type(
    f: &syn::ExprField,
    types: &HashMap<String, String>,
    structs: &[(String, Vec<(String, String)>)],
) -> Option<syn::Type> {
    let syn::Member::Named(name) = &f.member else {
        return None;
    };
    let base = type_of(&f.base, types, structs)?;
    // (`self` of `impl Net<f64>` is a `Net < f64 >`: the struct `Net`.)
    let base_name = type_name(&base);
    let (_, fields) = structs
        .iter()
        .find(|(n, _)| *n == base || *n == base_name)?;
    let (_, ty) = fields.iter().find(|(n, _)| name == n.as_str())?;
    syn::parse_str(ty).ok()
}

/// The name of a struct type (`Layer`, not `f64` or a generic one).
fn struct_name(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let id = p.path.get_ident()?;
    (crate::sig::float_of(ty).is_none() && id.to_string().starts_with(char::is_uppercase))
        .then(|| id.to_string())
}

impl Calls<'_> {
    /// The enum whose plain method `name` of `arity` arguments is the module's only method of
    /// that name, and no float's: a receiver whose type is not written (an item of a list of
    /// the enum's values, `acts.iter().map(|a| a.apply(z))`) is of that enum.
    fn only_enum_method(&self, name: &str, arity: usize) -> Option<String> {
        // (Not a name the standard library's types answer to as well, which the body may call
        // on its slices, iterators and options.)
        const STD: &[&str] = &[
            "len",
            "is_empty",
            "iter",
            "iter_mut",
            "into_iter",
            "get",
            "get_mut",
            "map",
            "sum",
            "product",
            "fold",
            "clone",
            "to_vec",
            "to_owned",
            "push",
            "pop",
            "first",
            "last",
            "contains",
            "sort",
            "sort_by",
            "swap",
            "unwrap",
            "unwrap_or",
            "expect",
            "as_ref",
            "as_slice",
            "to_string",
            "eq",
            "ne",
            "cmp",
            "partial_cmp",
            "add",
            "sub",
            "mul",
            "div",
            "neg",
            "next",
            "rev",
            "zip",
            "enumerate",
            "collect",
            "copied",
            "cloned",
            "chain",
            "take",
            "skip",
            "filter",
            "count",
            "any",
            "all",
            "position",
            "find",
            "windows",
            "chunks",
            "split_at",
            "fill",
            "insert",
            "remove",
            "extend",
            "clear",
            "keys",
            "values",
            "entry",
            "from",
            "into",
            "try_into",
            "is_some",
            "is_none",
            "ok",
            "err",
            "default",
        ];
        if STD.contains(&name) || crate::rules::Prim::method_names().any(|n| n == name) {
            return None;
        }
        let mut of_name = self.table.iter().filter(|m| m.name == name);
        let m = of_name.next()?;
        (of_name.next().is_none()
            && !m.assoc
            && m.arity == arity
            && crate::prescan::enum_type(&m.base))
        .then(|| m.ty.clone())
    }
}

impl VisitMut for Calls<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        // `Self::forward(self, x)`, `Mlp::forward(m, x)`: the same call.
        if let syn::Expr::Call(c) = e {
            let syn::Expr::Path(p) = &*c.func else { return };
            let segs = &p.path.segments;
            let (Some(first), true) = (c.args.first(), p.qself.is_none() && segs.len() == 2) else {
                return;
            };
            let ty = if segs[0].ident == "Self" {
                self.types.get("self")
            } else {
                self.table
                    .iter()
                    .map(|m| &m.base)
                    .find(|t| segs[0].ident == t.as_str())
            };
            let Some(ty) = ty else { return };
            let method = segs[1].ident.to_string();
            let Some(m) = self.table.iter().find(|m| {
                let arity = m.arity + usize::from(!m.assoc);
                m.of(ty) && m.name == method && arity == c.args.len()
            }) else {
                return;
            };
            if !segs[1].arguments.is_none() {
                return;
            }
            let name = Ident::new(&m.free_name.to_string(), segs[1].ident.span());
            if m.assoc {
                // `Self::act(z)`: a function of its arguments.
                let args = &c.args;
                *e = syn::parse_quote!(#name(#args));
                self.changed = true;
                return;
            }
            let rest = c.args.iter().skip(1);
            *e = syn::parse_quote!(#name(&#first #(, #rest)*));
            self.changed = true;
            return;
        }
        let syn::Expr::MethodCall(mc) = e else { return };
        let method = mc.method.to_string();
        let Some(ty) = type_of(&mc.receiver, self.types, self.structs)
            .or_else(|| enum_value(&mc.receiver))
            .or_else(|| self.only_enum_method(&method, mc.args.len()))
        else {
            return;
        };
        let Some(m) = self
            .table
            .iter()
            .find(|m| !m.assoc && m.of(&ty) && m.name == method && m.arity == mc.args.len())
        else {
            return;
        };
        if mc.turbofish.is_some() {
            return;
        }
        let name = Ident::new(&m.free_name.to_string(), mc.method.span());
        let (recv, args) = (&mc.receiver, &mc.args);
        let sep = (!args.is_empty()).then(|| quote::quote!(,));
        // By reference whatever the receiver is (`&self` is `&&Mlp`, coerced).
        *e = syn::parse_quote!(#name(&#recv #sep #args));
        self.changed = true;
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Names bound to a struct of known type: `let layer = &self.layers[l];`, `let enc = &self.enc;`,
/// `for layer in &self.layers` (or `self.layers.iter()`), `self.layers.iter().map(|l| ..)`.
struct Locals<'a> {
    types: &'a mut HashMap<String, String>,
    structs: &'a [(String, Vec<(String, String)>)],
    /// Names bound to a list of values of an enum of the file (`let acts = [Act::Relu,
    /// Act::Leaky(0.1)];`, a parameter `acts: &[Act]`), with the enum.
    lists: HashMap<String, String>,
}

impl Locals<'_> {
    /// `name` is an element of the sequence `seq`: a field (`self.layers`) or a list of an
    /// enum's values.
    fn bind_element(&mut self, name: &Ident, seq: &syn::Expr) {
        let t = match seq {
            syn::Expr::Field(_) => {
                let element: syn::Expr = syn::parse_quote!(#seq[0]);
                type_of(&element, self.types, self.structs)
            }
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.lists.get(&i.to_string()).cloned()),
            _ => None,
        };
        if let Some(t) = t {
            self.types.insert(name.to_string(), t);
        }
    }
}

/// The parameters of `sig` that are lists of an enum of the file (`acts: &[Act]`, `Vec<Act>`,
/// `[Act; N]`), with the enum.
fn enum_list_params(sig: &syn::Signature) -> HashMap<String, String> {
    sig.inputs
        .iter()
        .filter_map(|a| {
            let syn::FnArg::Typed(pt) = a else {
                return None;
            };
            let syn::Pat::Ident(p) = &*pt.pat else {
                return None;
            };
            Some((p.ident.to_string(), enum_list_type(&pt.ty)?))
        })
        .collect()
}

/// The enum of the file a list type holds (`&[Act]`, `Vec<Act>`, `[Act; N]`: `Act`).
fn enum_list_type(ty: &syn::Type) -> Option<String> {
    let ty = match ty {
        syn::Type::Reference(r) => &*r.elem,
        t => t,
    };
    let elem = match ty {
        syn::Type::Slice(s) => (*s.elem).clone(),
        syn::Type::Array(a) => (*a.elem).clone(),
        t => crate::vector::seq_elem(t)?,
    };
    let syn::Type::Path(e) = elem else {
        return None;
    };
    let name = e.path.get_ident()?.to_string();
    crate::prescan::enum_type(&name).then_some(name)
}

/// `Act::Relu`, `Act::Leaky(0.1)`, `Act::Scaled { k: 0.5 }` of an enum `Act` of the file: `Act`.
fn enum_value(e: &syn::Expr) -> Option<String> {
    let path = match crate::desugar::unparen(e) {
        syn::Expr::Path(p) if p.qself.is_none() => &p.path,
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) if p.qself.is_none() => &p.path,
            _ => return None,
        },
        syn::Expr::Struct(st) => &st.path,
        _ => return None,
    };
    let [ty, _] = &path.segments.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let name = ty.ident.to_string();
    crate::prescan::enum_type(&name).then_some(name)
}

impl<'ast> syn::visit::Visit<'ast> for Locals<'_> {
    // A helper copied into the body takes its list as a parameter (`fn mean(acs: &[Act], ..)`).
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.lists.extend(enum_list_params(&f.sig));
        syn::visit::visit_item_fn(self, f);
    }
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (syn::Pat::Ident(p), Some(init)) = (&l.pat, &l.init) {
            if let Some(t) =
                type_of(&init.expr, self.types, self.structs).or_else(|| enum_value(&init.expr))
            {
                self.types.insert(p.ident.to_string(), t);
            }
            let listed = crate::desugar::listed_elements(&init.expr);
            if let Some(t) = listed.as_ref().and_then(|l| l.first()).and_then(enum_value) {
                self.lists.insert(p.ident.to_string(), t);
            }
            // `let acs = &a;` (`a.clone()`, `a[1..]`) of a list already known.
            let mut source = crate::desugar::unparen(&init.expr);
            loop {
                source = match source {
                    syn::Expr::Reference(r) => &r.expr,
                    syn::Expr::Index(ix) if matches!(&*ix.index, syn::Expr::Range(_)) => &ix.expr,
                    syn::Expr::MethodCall(m)
                        if m.args.is_empty()
                            && ["clone", "to_vec", "as_slice"]
                                .iter()
                                .any(|n| m.method == n) =>
                    {
                        &m.receiver
                    }
                    _ => break,
                };
            }
            if let syn::Expr::Path(sp) = source {
                let known = sp
                    .path
                    .get_ident()
                    .and_then(|i| self.lists.get(&i.to_string()).cloned());
                if let Some(t) = known {
                    self.lists.insert(p.ident.to_string(), t);
                }
            }
        }
        // `let acs: &[Act] = ..;` (a helper's parameter copied in).
        if let syn::Pat::Type(pt) = &l.pat {
            if let (syn::Pat::Ident(p), Some(t)) = (&*pt.pat, enum_list_type(&pt.ty)) {
                self.lists.insert(p.ident.to_string(), t);
            }
        }
        syn::visit::visit_local(self, l);
    }
    // `self.layers.iter().map(|l| l.l2())`, `.fold(x, |a, l| l.forward(&a))`, through `.rev()`,
    // `.skip(k)`, `.take(k)` and `.enumerate()` (`|(i, l)|`): the closure's element.
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let (position, closure) = match (m.method.to_string().as_str(), &m.args.len()) {
            ("map" | "for_each" | "filter" | "any" | "all" | "inspect" | "filter_map", 1) => {
                (0, m.args.first())
            }
            ("fold", 2) => (1, m.args.last()),
            _ => (0, None),
        };
        if let Some(syn::Expr::Closure(c)) = closure {
            let (seq, enumerated) = crate::desugar::positional_source(&m.receiver);
            let element = c
                .inputs
                .iter()
                .nth(position)
                .and_then(|p| match (p, enumerated) {
                    (syn::Pat::Ident(p), false) => Some(&p.ident),
                    (syn::Pat::Tuple(t), true) if t.elems.len() == 2 => match &t.elems[1] {
                        syn::Pat::Ident(p) => Some(&p.ident),
                        _ => None,
                    },
                    _ => None,
                });
            if let (Some(name), syn::Expr::MethodCall(iter)) = (element, seq) {
                // (Of a part too, `net.layers[..k].iter()`.)
                let whole = match &*iter.receiver {
                    syn::Expr::Index(ix) if matches!(&*ix.index, syn::Expr::Range(_)) => &ix.expr,
                    r => r,
                };
                if iter.method == "iter" {
                    self.bind_element(name, whole);
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        // Through `.rev()`, `.skip(k)`, `.take(k)`, `.step_by(k)` and `.enumerate()` (whose
        // pattern is `(i, layer)`).
        let (seq, enumerated) = crate::desugar::positional_source(&f.expr);
        let seq = match seq {
            syn::Expr::Reference(r) => Some(&*r.expr),
            syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => {
                Some(&*m.receiver)
            }
            _ => None,
        };
        let name = match (&*f.pat, enumerated) {
            (syn::Pat::Ident(p), false) => Some(&p.ident),
            (syn::Pat::Tuple(t), true) if t.elems.len() == 2 => match &t.elems[1] {
                syn::Pat::Ident(p) => Some(&p.ident),
                _ => None,
            },
            _ => None,
        };
        if let (Some(name), Some(seq)) = (name, seq) {
            self.bind_element(name, seq);
        }
        syn::visit::visit_expr_for_loop(self, f);
    }
}

/// Input: `block` calling the free functions `methods` made of plain methods
/// (`grad_dense_score(&self.a, x)`), each with the model's place as its receiver.
/// Output: each such call as the method's body, the receiver read where the body reads it
/// (`{ let T0 = x; let x = T0; (self.a.w.iter().zip(x)..+ self.a.b).tanh() }`): the fields of a
/// model's parts read in the loss itself, which every mode differentiates (a part handed whole to
/// a function is not, for second order). Calls whose receiver is no place (`&make()`), and bodies
/// that return early, stay calls.
pub fn inline_model_receivers(block: &mut syn::Block, methods: &[syn::ItemFn]) {
    struct Inline<'a> {
        methods: &'a [syn::ItemFn],
        depth: usize,
    }
    impl Inline<'_> {
        fn body(&self, f: &syn::ItemFn, c: &syn::ExprCall) -> Option<syn::Expr> {
            let first = c.args.first()?;
            let place = match crate::desugar::unparen(first) {
                syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
                _ => return None,
            };
            if !crate::desugar::is_place(place) || !f.sig.generics.params.is_empty() {
                return None;
            }
            if returns_early(&f.block) || c.args.len() != f.sig.inputs.len() {
                return None;
            }
            let params = named_params(&f.sig)?;
            let syn::FnArg::Typed(recv) = f.sig.inputs.first()? else {
                return None;
            };
            let syn::Pat::Ident(this) = &*recv.pat else {
                return None;
            };
            // The receiver's name as the place (macros' tokens too): a name, a field or an
            // element, which binds tighter than what the body does with it.
            let place = crate::desugar::unparen(place);
            let place_tokens = quote::quote!(#place);
            let body = replace_ident(f.block.to_token_stream(), &this.ident, &place_tokens);
            let mut body: syn::Block = syn::parse2(body).ok()?;
            // Its own calls of such functions, on the same place.
            let mut inner = Inline {
                methods: self.methods,
                depth: self.depth + 1,
            };
            inner.visit_block_mut(&mut body);
            let temps: Vec<Ident> = params
                .iter()
                .map(|_| crate::naming::fresh("marg"))
                .collect();
            let args = c.args.iter().skip(1);
            let binds = params.iter().zip(&temps).map(|((pi, ty), t)| {
                let (m, id) = (&pi.mutability, &pi.ident);
                quote::quote!(let #m #id: #ty = #t;)
            });
            // The value under the method's return type (a `collect()` learns its type so).
            let value = crate::naming::fresh("mret");
            let ret = match &f.sig.output {
                syn::ReturnType::Type(_, t) => quote::quote!(: #t),
                syn::ReturnType::Default => TokenStream::new(),
            };
            Some(syn::parse_quote!({
                #(let #temps = #args;)*
                #(#binds)*
                let #value #ret = #body;
                #value
            }))
        }
    }
    impl VisitMut for Inline<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            const DEPTH: usize = 8;
            let syn::Expr::Call(c) = e else { return };
            let syn::Expr::Path(p) = &*c.func else { return };
            let Some(name) = p.path.get_ident() else {
                return;
            };
            let Some(f) = self.methods.iter().find(|f| f.sig.ident == *name) else {
                return;
            };
            if self.depth >= DEPTH {
                return;
            }
            if let Some(b) = self.body(f, c) {
                *e = b;
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Inline { methods, depth: 0 }.visit_block_mut(block);
}

/// Whether `block` has a `return` of its own (inlined, it would return from the caller).
pub(crate) fn returns_early(block: &syn::Block) -> bool {
    let whole = syn::Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: block.clone(),
    });
    crate::lower::find_return(&whole).is_some()
}

/// The parameters of `sig` after its first (the receiver, or the free function's `grad_this`),
/// each a plain name with its type; `None` where one is a pattern.
pub(crate) fn named_params(sig: &syn::Signature) -> Option<Vec<(syn::PatIdent, syn::Type)>> {
    sig.inputs
        .iter()
        .skip(1)
        .map(|a| match a {
            syn::FnArg::Typed(pt) => match &*pt.pat {
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    Some((pi.clone(), (*pt.ty).clone()))
                }
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect()
}

/// The name `from` as the tokens `to` (macros' tokens too), but after a field's `.`.
pub(crate) fn replace_ident(ts: TokenStream, from: &Ident, to: &TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    // (A field's `.`, not a range's `..`.)
    let (mut after_dot, mut prev_dot) = (false, false);
    for t in ts {
        let is_dot = matches!(&t, TokenTree::Punct(p) if p.as_char() == '.');
        let dot = matches!(&t, TokenTree::Punct(p)
            if p.as_char() == '.' && p.spacing() == proc_macro2::Spacing::Alone)
            && !prev_dot;
        prev_dot = is_dot;
        match t {
            TokenTree::Ident(i) if i == *from && !after_dot => out.extend(to.clone()),
            TokenTree::Group(g) => {
                let mut n =
                    proc_macro2::Group::new(g.delimiter(), replace_ident(g.stream(), from, to));
                n.set_span(g.span());
                out.extend([TokenTree::Group(n)]);
            }
            other => out.extend([other]),
        }
        after_dot = dot;
    }
    out
}
