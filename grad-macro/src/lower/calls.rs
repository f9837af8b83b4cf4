//! Calls: float methods (`x.exp()`, `f64::exp(x)`), calls to other `#[gradient]` functions
//! (with scalars, slices or sub-slices), and casts.

use super::env::Binding;
use super::{Lowerer, Value};
use crate::ir::{CallArg, FloatTy, Kind, Operand, Stmt};
use crate::rules::{Prim, NON_FLOAT_METHODS};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Expr;

/// The range of a sub-slice argument, as tokens, and the values it reads.
type RangeArg = (TokenStream, Vec<crate::ir::ValId>);

/// Types of std whose functions are no `#[gradient]` methods of the user's.
pub const STD_TYPES: [&str; 16] = [
    "Vec", "Option", "Box", "Rc", "Arc", "String", "HashMap", "BTreeMap", "HashSet", "BTreeSet",
    "VecDeque", "Result", "Cow", "RefCell", "Cell", "Mutex",
];

/// Methods that find a position by comparisons (see `lower_method_call`).
const SEARCHES: [&str; 5] = [
    "partition_point",
    "position",
    "rposition",
    "binary_search_by",
    "count",
];

impl Lowerer<'_> {
    pub(super) fn lower_method_call(&mut self, m: &syn::ExprMethodCall) -> Option<Value> {
        if let Some(taken) = self.taken_value(m) {
            return taken;
        }
        // `KNOTS.partition_point(|&k| k <= x)`, `.position(..)`, `.filter(..).count()`,
        // `.binary_search_by(|k| k.total_cmp(&x))` on data: a position found by comparisons,
        // constant between the points where one of them changes (as `x.floor() as usize` is),
        // so no derivative flows through it. Bound once, as a value of its own.
        if SEARCHES.iter().any(|n| m.method == n) {
            // `x.iter().filter(|v| **v > 0.0).count()`, `x.iter().position(..)` over a
            // differentiated slice: comparisons of its elements, kept as written.
            // (`x.partition_point(..)` of the slice itself alike, and a search of a slice of
            // data: `knots.iter().position(|&k| k > x)`.)
            let of_seq = self.mentions_seq(&m.receiver) || self.mentions_data_seq(&m.receiver);
            if of_seq
                && (matches!(&*m.receiver, Expr::MethodCall(r) if r.method != "iter" || m.method != "count")
                    || matches!(&*m.receiver, Expr::Path(_)) && m.method != "count")
            {
                let (tokens, uses) = self.rename(&Expr::MethodCall(m.clone()));
                return Some(self.bind_found(m, tokens, uses));
            }
            // Its comparisons may read a differentiated slice as they are written.
            self.searching += 1;
            let found = self.lower_method_call_as_written(m);
            self.searching -= 1;
            if let Value::Other { tokens, uses, kind } = found? {
                if !uses
                    .iter()
                    .any(|v| self.b.func.is_active(crate::ir::Operand::Val(*v)))
                {
                    return Some(Value::Other { tokens, uses, kind });
                }
                return Some(self.bind_found(m, tokens, uses));
            }
            return None;
        }
        self.lower_method_call_as_written(m)
    }

    /// `(0..n).sum::<usize>()`, `(1..=k).product::<u64>()`, `(0..n).filter(|i| i % 2 == 0)
    /// .count()`, `(0..n).map(|i| idx[i]).max()`: a chain over a range that reads no float (no
    /// float value, sequence, literal or type), kept as written, as integer arithmetic is.
    fn integer_range_chain(&mut self, m: &syn::ExprMethodCall) -> Option<Value> {
        let mut root = &*m.receiver;
        loop {
            root = match root {
                Expr::MethodCall(r) => &r.receiver,
                Expr::Paren(p) => &p.expr,
                _ => break,
            };
        }
        if !matches!(root, Expr::Range(_)) {
            return None;
        }
        let e = Expr::MethodCall(m.clone());
        let float_ty = self.float_ty.name();
        if crate::desugar::tuples::has_float_literal(&e)
            || crate::naming::mentions(quote!(#e), &|i| i == "f64" || i == "f32" || i == float_ty)
            || self.mentions_seq(&e)
        {
            return None;
        }
        let (tokens, uses) = self.rename(&e);
        if uses
            .iter()
            .any(|v| self.b.func.info(*v).kind == Kind::Float)
        {
            return None;
        }
        let kind = match m.method.to_string().as_str() {
            "sum" | "product" | "count" | "len" => Kind::Int,
            "any" | "all" | "is_empty" => Kind::Bool,
            _ => Kind::Other,
        };
        Some(Value::Other { tokens, uses, kind })
    }

    /// What a search (`count`, `position`, ..) found, bound once as a value of its own: an
    /// integer for a count, else an `Option` or a `Result` of one.
    fn bind_found(
        &mut self,
        m: &syn::ExprMethodCall,
        tokens: TokenStream,
        uses: Vec<crate::ir::ValId>,
    ) -> Value {
        let kind = if m.method == "partition_point" || m.method == "count" {
            Kind::Int
        } else {
            Kind::Other
        };
        let v = self.b.opaque(kind, None, tokens, uses, m.span());
        let t = self.operand_tokens(Operand::Val(v), m.span());
        Value::Other {
            tokens: t,
            uses: vec![v],
            kind,
        }
    }

    fn lower_method_call_as_written(&mut self, m: &syn::ExprMethodCall) -> Option<Value> {
        if let Some(r) = self.integer_range_chain(m) {
            return Some(r);
        }
        if let Some(r) = self.lower_reduction(m) {
            return r;
        }
        if let Some(r) = self.generic_conversion(m) {
            return r;
        }
        let name = m.method.to_string();
        if let Some(c) = field_method_call(m) {
            return self.lower_call(&c);
        }
        // `x.iter().scan(..)`: an adapter none of the rewrites knows, on an iterator over a
        // differentiated slice (named, rather than the `iter` it stands on).
        if let Expr::MethodCall(inner) = &*m.receiver {
            const ADAPTERS: [&str; 12] = [
                "iter",
                "into_iter",
                "copied",
                "cloned",
                "enumerate",
                "zip",
                "map",
                "rev",
                "skip",
                "take",
                "step_by",
                "windows",
            ];
            const UNKNOWN: [&str; 7] = [
                "scan",
                "flat_map",
                "flatten",
                "inspect",
                "map_while",
                "peekable",
                "cycle",
            ];
            if ADAPTERS.iter().any(|a| inner.method == a)
                && UNKNOWN.contains(&name.as_str())
                && self.searching == 0
                && self.mentions_seq(&m.receiver)
            {
                self.errors.push_spanned(
                    &m.method,
                    format!("`{name}` on an iterator over a differentiated slice is not supported yet by `#[gradient]`: write the loop it stands for (`for`, pushing into a `Vec` where it collects)"),
                );
                return None;
            }
        }
        // `x.iter().count()` (`.len()` of the iterator too) of a sequence: its length.
        if (name == "count" || name == "len") && m.args.is_empty() {
            if let Expr::MethodCall(it) = crate::desugar::unparen(&m.receiver) {
                if (it.method == "iter" || it.method == "into_iter")
                    && it.args.is_empty()
                    && self.seq_of_expr(&it.receiver).is_some()
                {
                    let x = &it.receiver;
                    let len: Expr = syn::parse_quote_spanned!(m.span()=> #x.len());
                    return self.lower_expr(&len);
                }
            }
        }
        // `x[a..b].len()` of a sequence reads no element: its bounds only, as written.
        if (name == "len" || name == "is_empty") && m.args.is_empty() {
            let part = match crate::desugar::unparen(&m.receiver) {
                Expr::Reference(r) if r.mutability.is_none() => crate::desugar::unparen(&r.expr),
                e => e,
            };
            if matches!(part, Expr::Index(ix) if matches!(&*ix.index, Expr::Range(_)) && self.seq_of_expr(&ix.expr).is_some())
            {
                let (tokens, uses) = self.rename(&Expr::MethodCall(m.clone()));
                self.check_inactive(&uses, m)?;
                return Some(Value::Other {
                    tokens,
                    uses,
                    kind: if name == "len" { Kind::Int } else { Kind::Bool },
                });
            }
        }
        let receiver = self.lower_expr(&m.receiver)?;
        match receiver {
            Value::Float(x) => self.float_method(x, &m.method, m.args.iter().collect(), m.span()),
            Value::Seq(s) => {
                match name.as_str() {
                    "len" | "is_empty" if m.args.is_empty() => {
                        let id = self.seq_ident(s, m.receiver.span());
                        let method = &m.method;
                        Some(Value::Other {
                            tokens: quote!(#id.#method()),
                            uses: Vec::new(),
                            kind: if name == "len" { Kind::Int } else { Kind::Bool },
                        })
                    }
                    // An iterator made where no rewrite takes it: held in a local used otherwise
                    // than the forms that are followed, or of a shape they do not read.
                    "iter" | "into_iter" if m.args.is_empty() => {
                        self.errors.push_spanned(
                        &m.method,
                        format!("`{name}()` of a differentiated sequence is followed where the iterator is consumed at once (`for v in x.iter()`, `x.iter().map(..).sum()`, a `collect()` into a `Vec` of floats), or held in a local that a `for`, a `while let Some(v) = it.next()` or `it.next().unwrap()` then one reduction drains; this one is not: iterate where you use it, or collect the items into a `Vec<f64>` first"),
                    );
                        None
                    }
                    _ => {
                        // What to write instead, where the method has a followed equivalent.
                        let instead = match name.as_str() {
                        "remove" | "insert" | "swap_remove" => {
                            " here (it shifts the buffer's elements): it is followed on a `Vec` of floats declared in the function itself (`let mut v = x.to_vec();`, `vec![0.0; n]`, `Vec::new()` filled by pushes of floats); elsewhere make a new buffer from the old one, or write by index"
                        }
                        "retain" | "dedup" | "truncate" | "drain"
                        | "sort_by" | "sort_unstable_by" | "reverse" => {
                            " (it changes the buffer's contents in place): make a new buffer from the old one, `let kept: Vec<f64> = v.iter().copied().filter(|&e| ..).collect();`, or write by index"
                        }
                        "clone" | "to_owned" => " here: copy it with `.to_vec()`",
                        "map" => " where the array's length is not written beside it (an array literal, `[e; 3]`, a parameter or `let` typed `[f64; 3]`): write `x.iter().map(..).collect::<Vec<f64>>()`",
                        _ => "",
                    };
                        self.errors.push_spanned(
                        &m.method,
                        format!("`{name}` on a slice is not supported yet by `#[gradient]`{instead}"),
                    );
                        None
                    }
                }
            }
            other @ Value::Other { .. } if self.float_method_of_const(&name, m) => {
                // `BASE.powf(x)` with a user `const BASE`: the receiver is a float constant.
                let x = self.to_float(other, m.receiver.span())?;
                self.float_method(x, &m.method, m.args.iter().collect(), m.span())
            }
            Value::Other {
                tokens: recv,
                mut uses,
                ..
            } => {
                // A `#[gradient]` method of data given a differentiated value.
                if let Some(c) = data_method_call(m) {
                    if m.args.iter().any(|a| self.reads_active(a)) {
                        return self.lower_call(&c);
                    }
                }
                // A method of a value the engine carries along (`n.max(1)`): the receiver as
                // lowered (an `if` in it is already a value), the arguments as written.
                let mut args = Vec::new();
                for a in &m.args {
                    self.check_no_seq_read(a)?;
                    let (t, u) = self.rename(a);
                    args.push(t);
                    uses.extend(u);
                }
                let recv = if recv.clone().into_iter().count() > 1 {
                    quote!((#recv))
                } else {
                    recv
                };
                let (method, turbofish) = (&m.method, &m.turbofish);
                let tokens = quote!(#recv.#method #turbofish (#(#args),*));
                let kind = if NON_FLOAT_METHODS.contains(&name.as_str()) && name.starts_with("is_")
                {
                    Kind::Bool
                } else {
                    Kind::Other
                };
                Some(Value::Other { tokens, uses, kind })
            }
            Value::Unit => {
                self.errors
                    .push_spanned(&m.receiver, "expected a value here");
                None
            }
        }
    }

    /// Whether `e` reads a differentiated value (a float or a sequence).
    fn reads_active(&self, e: &Expr) -> bool {
        let (_, uses) = self.rename(e);
        self.mentions_seq(e)
            || uses
                .iter()
                .any(|v| self.b.func.is_active(crate::ir::Operand::Val(*v)))
    }

    /// A float method called on a carried-along value (a `const`, a cast) with an argument that
    /// reads a differentiated value: only a float receiver makes that call type-check.
    fn float_method_of_const(&self, name: &str, m: &syn::ExprMethodCall) -> bool {
        Prim::from_method(name).is_some()
            && m.args.iter().any(|a| {
                let (_, uses) = self.rename(a);
                uses.iter().any(|v| {
                    let i = self.b.func.info(*v);
                    i.active && i.kind == Kind::Float
                }) || self.mentions_seq(a)
            })
    }

    /// `x.method(args)` on a float, also written `f64::method(x, args)`.
    pub(super) fn float_method(
        &mut self,
        x: Operand,
        method: &syn::Ident,
        args: Vec<&Expr>,
        span: Span,
    ) -> Option<Value> {
        let name = method.to_string();
        if NON_FLOAT_METHODS.contains(&name.as_str()) {
            let xt = self.operand_tokens(x, method.span());
            let mut uses: Vec<_> = x.val().into_iter().collect();
            let mut ats = Vec::new();
            for a in &args {
                let (t, u) = self.rename(a);
                ats.push(t);
                uses.extend(u);
            }
            return Some(Value::Other {
                tokens: quote!(#xt.#method(#(#ats),*)),
                uses,
                kind: if name.starts_with("is_") {
                    Kind::Bool
                } else {
                    Kind::Other
                },
            });
        }
        // A float is `Copy`: its clone is the float (also through a reference, `r.clone()`).
        if (name == "clone" || name == "to_owned") && args.is_empty() {
            return Some(Value::Float(x));
        }
        let Some((prim, arity)) = Prim::from_method(&name) else {
            const GROWS: [&str; 7] = [
                "push",
                "push_back",
                "push_front",
                "extend",
                "insert",
                "append",
                "resize",
            ];
            if GROWS.contains(&name.as_str()) {
                self.errors.push(
                    method.span(),
                    format!("`#[gradient]` does not follow `{name}` on this receiver: it reads it as one number (an element of rows, `rows[k]`, or of a collection it does not see the type of); rows grown by `{name}` row by row (`buckets[i % k].push(x[i])`) are not followed yet. Give each group a `Vec` of its own, or collect it (`let g: Vec<f64> = (0..n).filter(|i| i % k == j).map(|i| x[i]).collect();`)"),
                );
                return None;
            }
            let known: Vec<_> = Prim::method_names().collect();
            self.errors.push(
                method.span(),
                format!(
                    "`#[gradient]` does not know the derivative of the method `{name}`; supported float methods: {}",
                    known.join(", ")
                ),
            );
            return None;
        };
        if args.len() != arity {
            self.errors.push(
                method.span(),
                format!("`{name}` takes {arity} argument(s) besides the receiver"),
            );
            return None;
        }
        let mut ops = vec![x];
        for a in args {
            if prim == Prim::PowI {
                ops.push(self.lower_int_operand(a)?);
            } else {
                let v = self.lower_expr(a)?;
                ops.push(self.to_float(v, a.span())?);
            }
        }
        Some(Value::Float(self.b.prim(prim, ops, span)))
    }

    /// The exponent of `powi`: a literal stays a constant, anything else is bound to a value.
    pub(super) fn lower_int_operand(&mut self, e: &Expr) -> Option<Operand> {
        if let Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) = e
        {
            if let Ok(v) = i.base10_parse::<i32>() {
                return Some(Operand::Int(v));
            }
        }
        if let Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) = e
        {
            if let Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(i),
                ..
            }) = &**expr
            {
                if let Ok(v) = i.base10_parse::<i32>() {
                    return Some(Operand::Int(-v));
                }
            }
        }
        let v = self.lower_expr(e)?;
        let (tokens, uses) = self.other_tokens(v, e.span())?;
        self.check_inactive(&uses, e)?;
        let ty: syn::Type = syn::parse_quote!(i32);
        Some(Operand::Val(self.b.opaque(
            Kind::Int,
            Some(ty),
            tokens,
            uses,
            e.span(),
        )))
    }

    /// The path a call names its function by; an error for any other callee.
    fn call_path<'c>(&self, c: &'c syn::ExprCall) -> Option<&'c syn::ExprPath> {
        match &*c.func {
            Expr::Path(fp) => Some(fp),
            other => {
                self.errors.push_spanned(
                    other,
                    "`#[gradient]` can call only functions named by a path (`f64::tanh(z)`, `square(z)`): a call through a field or another expression holding a function does not say which function it is. Call it by its path, or write the computation here",
                );
                None
            }
        }
    }

    pub(super) fn lower_call(&mut self, c: &syn::ExprCall) -> Option<Value> {
        // `f((x, 2.0 * x))`: a tuple of differentiated floats handed to a function.
        if let Some(t) = c
            .args
            .iter()
            .find(|a| matches!(a, Expr::Tuple(t) if t.elems.len() >= 2) && !self.reads_no(a, true))
        {
            self.errors.push_spanned(
                t,
                "`#[gradient]` follows a tuple of differentiated floats into the functions of this file it can read (inlining them), and cannot inline this one (of another file or crate, or one that gives closures to helpers): pass the tuple's parts as separate arguments (`f(a, b)`) or as an array (`f([a, b])` to a parameter `[f64; 2]`)",
            );
            return None;
        }
        let fp = self.call_path(c)?;
        let path = &fp.path;
        // `u8::from(x > w)`, `f64::from(x > w)`: a test as a number.
        if let Some(ty) = number_from(fp).filter(|_| c.args.len() == 1) {
            if let Some(v) = self.settled_test(&c.args[0]) {
                let (tokens, uses) = self.other_tokens(v?, c.span())?;
                let f = &c.func;
                let tokens = quote!(#f(#tokens));
                if ty == self.float_ty.name() {
                    let fty = self.ty.clone();
                    let v = self
                        .b
                        .opaque(Kind::Float, Some(fty), tokens, uses, c.span());
                    return Some(Value::Float(Operand::Val(v)));
                }
                let kind = if ty.starts_with('f') {
                    Kind::Other
                } else {
                    Kind::Int
                };
                return Some(Value::Other { tokens, uses, kind });
            }
        }
        // `<f64>::exp(x)`: the same with the type in angle brackets.
        if let Some(q) = &fp.qself {
            if let (Some(t), 0, 1) = (crate::sig::float_of(&q.ty), q.position, path.segments.len())
            {
                {
                    let first = syn::Ident::new(t.name(), q.lt_token.span);
                    let method = path.segments[0].ident.clone();
                    let p: syn::ExprPath = syn::parse_quote!(#first::#method);
                    let c2 = syn::ExprCall {
                        func: Box::new(Expr::Path(p)),
                        ..c.clone()
                    };
                    return self.lower_call(&c2);
                }
            }
        }
        // `<T as Float>::exp(x)`, `Float::exp(x)`, `num_traits::Float::exp(x)`: `T::exp(x)`.
        if let Some(p) = self.float_trait_path(fp) {
            let c2 = syn::ExprCall {
                func: Box::new(Expr::Path(p)),
                ..c.clone()
            };
            return self.lower_call(&c2);
        }
        // `f64::exp(x)`: the path form of a float method.
        if fp.qself.is_none() && path.segments.len() == 2 {
            let first = path.segments[0].ident.to_string();
            let generic =
                matches!(self.float_ty, FloatTy::Generic(_)) && first == self.float_ty.name();
            if generic && c.args.is_empty() {
                return Some(self.generic_constant(fp));
            }
            if first == "f64" || first == "f32" || generic {
                if first != self.float_ty.name() {
                    self.errors.push_spanned(
                        &path.segments[0].ident,
                        format!(
                            "use one float type throughout: this function computes in `{}`",
                            self.float_ty.name()
                        ),
                    );
                    return None;
                }
                let method = &path.segments[1].ident;
                if method == "default" && c.args.is_empty() {
                    return Some(Value::Float(Operand::Const(0.0)));
                }
                if method == "from" && c.args.len() == 1 {
                    // `f64::from(n)`: a conversion, like `n as f64`.
                    let (tokens, uses) = self.rename(&c.args[0]);
                    let v = match self.narrowed(&c.args[0], None) {
                        Some(v) => v?,
                        None => self.lower_expr(&c.args[0])?,
                    };
                    if let Value::Float(o) = v {
                        return Some(Value::Float(o));
                    }
                    let (tokens, uses) = self.through_test(tokens, uses, v);
                    self.check_inactive(&uses, c)?;
                    let ty = self.ty.clone();
                    let fp = &c.func;
                    let v =
                        self.b
                            .opaque(Kind::Float, Some(ty), quote!(#fp(#tokens)), uses, c.span());
                    return Some(Value::Float(Operand::Val(v)));
                }
                let Some((receiver, rest)) = c
                    .args
                    .iter()
                    .collect::<Vec<_>>()
                    .split_first()
                    .map(|(a, b)| (*a, b.to_vec()))
                else {
                    self.errors
                        .push_spanned(c, format!("`{first}::{method}` needs arguments"));
                    return None;
                };
                let x = self.lower_expr(receiver)?;
                let x = self.to_float(x, receiver.span())?;
                return self.float_method(x, method, rest, c.span());
            }
        }
        if let Some(v) = self.lower_swap(c, path) {
            return v;
        }
        self.lower_user_call(c, fp)
    }

    /// The error at a call of a function of the standard library given differentiated values
    /// or lent something to change.
    fn std_call_refused(&mut self, c: &syn::ExprCall, fp: &syn::ExprPath) -> Option<Value> {
        let path = quote::ToTokens::to_token_stream(&fp.path)
            .to_string()
            .replace(' ', "");
        self.errors.push_spanned(
            c,
            format!("`#[gradient]` cannot differentiate through `{path}(..)`, a function of the standard library it has no derivative for: compute with the float values directly (`std::mem::swap`, `replace` and `take` of locals and their elements are followed)"),
        );
        None
    }

    /// `<T as Float>::m`, `Float::m` or `num_traits::Float::m` (any path ending in `Float::m`) as
    /// `T::m` with `T` the function's float type; `None` for any other path.
    fn float_trait_path(&self, fp: &syn::ExprPath) -> Option<syn::ExprPath> {
        let path = &fp.path;
        let method = path.segments.last()?.ident.clone();
        let ty = syn::Ident::new(self.float_ty.name(), method.span());
        let of_float = match &fp.qself {
            Some(q) => {
                q.position == path.segments.len() - 1
                    && crate::sig::float_of(&q.ty) == Some(self.float_ty)
            }
            None => {
                path.segments.len() >= 2 && path.segments[path.segments.len() - 2].ident == "Float"
            }
        };
        of_float.then(|| syn::parse_quote!(#ty::#method))
    }

    /// `T::one()`, `T::zero()`, `T::nan()`, `T::infinity()`, `T::neg_infinity()`: constants;
    /// any other associated function without arguments (`T::epsilon()`, `T::PI()`,
    /// `T::max_value()`) is a constant of the type, computed at run time as written.
    fn generic_constant(&mut self, fp: &syn::ExprPath) -> Value {
        let name = fp.path.segments[1].ident.to_string();
        let c = match name.as_str() {
            "one" => Some(1.0),
            "zero" => Some(0.0),
            "neg_zero" => Some(-0.0),
            "nan" => Some(f64::NAN),
            "infinity" => Some(f64::INFINITY),
            "neg_infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        };
        match c {
            Some(c) => Value::Float(Operand::Const(c)),
            None => {
                let ty = self.ty.clone();
                let v = self
                    .b
                    .opaque(Kind::Float, Some(ty), quote!(#fp()), Vec::new(), fp.span());
                Value::Float(Operand::Val(v))
            }
        }
    }

    /// `T::from(e).unwrap()` (also `T::from_f64`, `T::from_usize`, ..., and `.expect(..)`,
    /// `.unwrap_or(..)`, `.unwrap_or_else(..)`) for the generic float type `T`: `e` itself when
    /// it is a float of the function, else a conversion of data, as `f64::from(n)` is. `None`
    /// when `m` is no such call.
    fn generic_conversion(&mut self, m: &syn::ExprMethodCall) -> Option<Option<Value>> {
        const UNWRAPS: [&str; 5] = [
            "unwrap",
            "expect",
            "unwrap_or",
            "unwrap_or_else",
            "unwrap_or_default",
        ];
        if !matches!(self.float_ty, FloatTy::Generic(_)) || !UNWRAPS.iter().any(|u| m.method == u) {
            return None;
        }
        let Expr::Call(call) = &*m.receiver else {
            return None;
        };
        let Expr::Path(fp) = &*call.func else {
            return None;
        };
        let segs = &fp.path.segments;
        let last = &segs.last()?.ident;
        // `T::from(..)`, `T::from_f64(..)`, `<T as NumCast>::from(..)`, `num_traits::cast(..)`.
        let of_type = match &fp.qself {
            Some(q) => crate::sig::float_of(&q.ty) == Some(self.float_ty),
            None => segs.len() == 2 && segs[0].ident == self.float_ty.name(),
        };
        // `cast::<_, T>(..)` names its target; without it the target may be an integer.
        let cast_to_float = || match &segs.last()?.arguments {
            syn::PathArguments::AngleBracketed(a) if a.args.len() == 2 => match &a.args[1] {
                syn::GenericArgument::Type(t) => {
                    Some(crate::sig::float_of(t) == Some(self.float_ty))
                }
                _ => None,
            },
            _ => None,
        };
        let conversion = call.args.len() == 1
            && ((of_type && (last == "from" || last.to_string().starts_with("from_")))
                || (fp.qself.is_none() && last == "cast" && cast_to_float() == Some(true)));
        if !conversion {
            return None;
        }
        let arg = &call.args[0];
        // `T::from(2)`: a constant, as `2.0` is.
        if let Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) = arg
        {
            if let Ok(v) = i.base10_parse::<i64>() {
                #[allow(clippy::cast_precision_loss)]
                let c = v as f64;
                if c as i64 == v && c.abs() < 9.0e15 {
                    return Some(Some(Value::Float(Operand::Const(c))));
                }
            }
        }
        let (tokens, uses) = self.rename(arg);
        // Of data only (`T::from(n as f64 * 0.5)`, `T::from(2.0 * PI)`): as written, where its
        // literals are `f64`'s, not the function's.
        let data = uses.iter().all(|v| !self.b.func.info(*v).active)
            && !matches!(arg, Expr::Lit(_) | Expr::Unary(_));
        let v = if data {
            Some(Value::Unit)
        } else {
            self.lower_expr(arg)
        };
        Some(match v? {
            Value::Float(o) => Some(Value::Float(o)),
            v => {
                let (tokens, mut uses) = self.through_test(tokens, uses, v);
                // The fallback of `unwrap_or(..)` is never taken (a float converts to any float
                // type) but is emitted as written, its names renamed as the body's are.
                let mut margs = Vec::new();
                for a in &m.args {
                    let (t, u) = self.rename(a);
                    margs.push(t);
                    uses.extend(u);
                }
                self.check_inactive(&uses, m)?;
                let ty = self.ty.clone();
                let method = &m.method;
                let v = self.b.opaque(
                    Kind::Float,
                    Some(ty),
                    quote!(#fp(#tokens).#method(#(#margs),*)),
                    uses,
                    m.span(),
                );
                Some(Value::Float(Operand::Val(v)))
            }
        })
    }

    /// A call none of whose arguments is differentiated: carried along as written.
    pub(super) fn plain_call(
        &self,
        c: &syn::ExprCall,
        fp: &syn::ExprPath,
        args: &[CallArg],
    ) -> Value {
        let mut uses = Vec::new();
        let ts: Vec<TokenStream> = args
            .iter()
            .map(|a| match a {
                CallArg::Float(o) => {
                    uses.extend(o.val());
                    self.operand_tokens(*o, c.span())
                }
                CallArg::FloatRef(o) => {
                    uses.extend(o.val());
                    let t = self.operand_tokens(*o, c.span());
                    quote!(&#t)
                }
                CallArg::Tokens(t, u) | CallArg::Unseen(t, u) => {
                    uses.extend(u.iter().copied());
                    t.clone()
                }
                CallArg::Seq(_, t, range) => {
                    // The bounds of a sub-slice (`&x[a..]`) are read too.
                    if let Some((_, u)) = range {
                        uses.extend(u.iter().copied());
                    }
                    t.clone()
                }
                CallArg::Adjoint(_) => unreachable!("lowering passes no adjoints"),
            })
            .collect();
        let tokens = match crate::emit::method_of(&fp.path) {
            Some(method) => {
                let (recv, rest) = ts.split_first().expect("a method call has a receiver");
                quote!((#recv).#method(#(#rest),*))
            }
            // `f(x)` of a local or a loop's variable holding a function (`let f: fn(f64) ->
            // f64 = f64::sin;`), called on data: the local under its generated name.
            None if fp
                .path
                .get_ident()
                .is_some_and(|i| matches!(self.env.lookup(i), Some(Binding::Val(_)))) =>
            {
                let (f, u) = self.rename(&Expr::Path(fp.clone()));
                uses.extend(u);
                quote!((#f)(#(#ts),*))
            }
            None => quote!(#fp(#(#ts),*)),
        };
        Value::Other {
            tokens,
            uses,
            kind: Kind::Other,
        }
    }

    /// `let h = f(args);` of a vector-valued `#[gradient]` function `f` (a call the desugaring
    /// marked because `h` is used as a sequence): `h` becomes a local buffer holding the result,
    /// whose reverse goes through `f__dot_grad` (see [`Stmt::CallVec`]). With no differentiated
    /// argument the call is carried along as data, as any such call (its result may hold
    /// anything: indices, a table), unless `f` is known to return floats of this function's
    /// type: then the result is a constant buffer, which a later call may be given for a
    /// differentiated parameter (with a scratch buffer for its gradient there).
    pub(super) fn lower_vector_call(
        &mut self,
        c: &syn::ExprCall,
        tuple: Option<usize>,
    ) -> Option<Binding> {
        let fp = self.call_path(c)?;
        let (args, any_active) = self.lower_call_args(c, false)?;
        let own_floats = crate::desugar::vector_calls::registered_name(&c.func).is_some_and(|f| {
            crate::desugar::vector_calls::returns_floats_of(f, self.b.func.float_ty)
        });
        if !any_active && own_floats && tuple.is_none() {
            let dot = renamed(&fp.path, |base| format!("{base}__dot_grad"));
            let seq = self.push_call_vec(fp.path.clone(), dot, args, tuple, false, c.span());
            return Some(Binding::Seq(seq));
        }
        if !any_active {
            let v = self.plain_call(c, fp, &args);
            return self.bind(v, None, c.span());
        }
        // A model's vector-valued method read through the model's flat view (`f__model`):
        // the reverse of its `f__dot` with respect to that view, `f__dot__model_grad`.
        let dot = renamed(&fp.path, |base| match base.strip_suffix("__model") {
            Some(stem) => format!("{stem}__dot__model_grad"),
            None => format!("{base}__dot_grad"),
        });
        let seq = self.push_call_vec(fp.path.clone(), dot, args, tuple, true, c.span());
        Some(Binding::Seq(seq))
    }

    /// A local buffer holding the result of a vector-valued call (`plain`, its reverse through
    /// `dot`), and its length.
    fn push_call_vec(
        &mut self,
        plain: syn::Path,
        dot: syn::Path,
        args: Vec<CallArg>,
        tuple: Option<usize>,
        active: bool,
        span: Span,
    ) -> crate::ir::SeqId {
        let seq = crate::ir::SeqId(self.b.func.seqs.len() as u32);
        let ident = crate::naming::hidden(&format!("buf{}", seq.0));
        self.b.func.seqs.push(crate::ir::SeqInfo {
            ident: ident.clone(),
            active,
            buffer: true,
            adjoint: None,
        });
        let len = self.b.new_val(Kind::Int, false, span);
        self.b.push(Stmt::CallVec {
            seq,
            plain,
            dot,
            args,
            len,
            tuple,
        });
        self.b.push(Stmt::Opaque {
            dst: len,
            ty: None,
            expr: quote!(#ident.len()),
            uses: Vec::new(),
        });
        seq
    }

    /// `f(.., &mut h);` with `h` a float buffer: a function writing its result into an output
    /// parameter (`out_param`). With a differentiated argument (or `h` differentiated), `f` is
    /// a `#[gradient]` function, whose twin `f__out(.., &h) -> Vec<T>` gives the new contents
    /// (its reverse through `f__out__dot_grad` reaches `h`'s previous contents too), copied into
    /// `h`. Otherwise the call is data and is kept as written. `None` when `c` has no such
    /// argument.
    #[allow(clippy::option_option)]
    fn lower_out_call(&mut self, c: &syn::ExprCall, fp: &syn::ExprPath) -> Option<Option<Value>> {
        // `&mut h`, or `&mut h[a..b]` (whose start is where the result goes).
        let mut found = c.args.iter().enumerate().filter_map(|(k, a)| match a {
            Expr::Reference(r) if r.mutability.is_some() => match &*r.expr {
                Expr::Path(p) => p.path.get_ident().map(|id| (k, id.clone(), None)),
                Expr::Index(ix) => match (&*ix.expr, &*ix.index) {
                    (Expr::Path(p), Expr::Range(range))
                        if matches!(range.limits, syn::RangeLimits::HalfOpen(_)) =>
                    {
                        let start: Expr = match &range.start {
                            Some(e) => (**e).clone(),
                            None => syn::parse_quote!(0),
                        };
                        p.path
                            .get_ident()
                            .map(|id| (k, id.clone(), Some((start, range.clone()))))
                    }
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        });
        // `&mut n` of a count or other data beside the outputs: what the call writes there the
        // derivative code would have to run the function again for.
        let lends_floats = c.args.iter().any(|a| {
            self.float_lent(a).is_some()
                || matches!(a, Expr::Reference(r) if r.mutability.is_some() && matches!(&*r.expr, Expr::Path(p) if p.path.get_ident().is_some_and(|i| matches!(self.env.lookup(i), Some(Binding::Seq(_))))))
        });
        for a in c.args.iter().filter(|_| lends_floats) {
            let Expr::Reference(r) = a else { continue };
            let Expr::Path(p) = &*r.expr else { continue };
            let data = r.mutability.is_some()
                && p.path.get_ident().is_some_and(|i| matches!(self.env.lookup(i), Some(Binding::Val(v)) if self.b.func.info(v).kind != Kind::Float));
            if data {
                let name = quote::ToTokens::to_token_stream(&r.expr).to_string();
                self.errors.push_spanned(a, format!("`#[gradient]` follows calls that write floats through `&mut`, but not yet one that also writes data through `&mut` (`{name}`, a count or a flag): keep `{name}` in the caller (`{name} += 1;` beside the call), or return it"));
                return Some(None);
            }
        }
        // Several outputs, or a float local lent as `&mut s`: packed into one vector.
        let first = found.next();
        let rest: Vec<_> = found.collect();
        let scalar_out = c.args.iter().any(|a| self.float_lent(a).is_some());
        if scalar_out || !rest.is_empty() {
            return Some(self.lower_packed_out_call(c, fp));
        }
        let (k, name, part) = first?;
        let Some(Binding::Seq(_)) = self.env.lookup(&name) else {
            return None;
        };
        let mut read = c.clone();
        read.args[k] = match &part {
            None => syn::parse_quote_spanned!(c.args[k].span()=> &#name),
            Some((_, range)) => syn::parse_quote_spanned!(c.args[k].span()=> &#name[#range]),
        };
        let Some((mut args, any_active)) = self.lower_call_args(&read, false) else {
            return Some(None);
        };
        let (plain, dot, args) = if any_active {
            if self.refills_lent_vec(c, fp) {
                return Some(None);
            }
            let (twin, dot) = out_twin(&fp.path);
            (twin, dot, args)
        } else {
            // Data in, data out: the call as the user wrote it, on a copy of `h` (the copy
            // back is a store like any other, so a reverse sweep sees `h` as it was).
            let t = crate::naming::hidden("new_contents");
            let old = args[k].clone();
            args[k] = CallArg::Tokens(quote!(#t), Vec::new());
            let Value::Other { tokens, uses, .. } = self.plain_call(c, fp, &args) else {
                unreachable!("a plain call is opaque")
            };
            let ty = self.ty.clone();
            let path: syn::Path = syn::parse_quote!(::grad::runtime::__private::out_call);
            // (Its value, if it returns one, is dropped by `out_call`: see `lower_in_out_call`.)
            let closure = CallArg::Tokens(quote!(|#t: &mut [#ty]| #tokens), uses);
            (path.clone(), path, vec![closure, old])
        };
        let seq = self.push_call_vec(plain, dot, args, None, any_active, c.span());
        // `h[i] = new[i]` for every `i`: the copy whose reverse hands `h`'s cotangent to the call.
        let (new, i, at) = (
            crate::naming::fresh("new"),
            crate::naming::fresh("i"),
            crate::naming::fresh("at"),
        );
        self.env.push();
        self.env.declare(new.clone(), Binding::Seq(seq));
        let start = part.map_or_else(|| syn::parse_quote!(0), |(start, _)| start);
        let copy: Expr = syn::parse_quote_spanned!(c.span()=> {
            let #at: usize = #start;
            for #i in 0..#new.len() {
                #name[#at + #i] = #new[#i];
            }
        });
        let done = self.lower_expr(&copy);
        self.env.pop();
        Some(done.map(|_| Value::Unit))
    }

    /// `s` of an argument `&mut s` with `s` a float local.
    /// `advance(&mut i)`, `stats(&data, &mut lo, &mut hi)`: a call on data that writes locals
    /// of data (counts, flags, other values the engine carries along) through `&mut`, and no
    /// float: run as written on mutable copies of the locals' values, which then become their
    /// new values. `None` when some `&mut` argument is not such a local.
    fn data_out_call(&mut self, c: &syn::ExprCall, fp: &syn::ExprPath) -> Option<Value> {
        let mut outs: Vec<(Ident, crate::ir::ValId)> = Vec::new();
        for a in &c.args {
            let Expr::Reference(r) = a else { continue };
            if r.mutability.is_none() {
                continue;
            }
            let Expr::Path(p) = &*r.expr else { return None };
            let id = p.path.get_ident()?;
            match self.env.lookup(id) {
                Some(Binding::Val(v)) if self.b.func.info(v).kind != Kind::Float => {
                    outs.push((id.clone(), v));
                }
                _ => return None,
            }
        }
        let reads_active = c.args.iter().any(|a| match a {
            Expr::Reference(r) => self.reads_active(&r.expr),
            a => self.reads_active(a),
        });
        if outs.is_empty() || reads_active {
            return None;
        }
        let span = c.span();
        let copies: Vec<Ident> = (0..outs.len())
            .map(|k| crate::naming::hidden(&format!("lent{k}")))
            .collect();
        let mut uses = Vec::new();
        let mut k = 0;
        let args: Vec<TokenStream> = c
            .args
            .iter()
            .map(|a| match a {
                Expr::Reference(r) if r.mutability.is_some() => {
                    let copy = &copies[k];
                    k += 1;
                    quote!(&mut #copy)
                }
                a => {
                    let (t, u) = self.rename(a);
                    uses.extend(u);
                    t
                }
            })
            .collect();
        let mut inits = Vec::new();
        for ((_, v), copy) in outs.iter().zip(&copies) {
            let now = self.ident_of(*v, span);
            uses.push(*v);
            inits.push(quote!(let mut #copy = #now;));
        }
        let func = &fp.path;
        let all = self.b.opaque(
            Kind::Other,
            None,
            quote!({ #(#inits)* (#func(#(#args),*), #(#copies),*) }),
            uses,
            span,
        );
        let all_id = self.ident_of(all, span);
        for (k, (id, v)) in outs.iter().enumerate() {
            let field = syn::Index::from(k + 1);
            let kind = self.b.func.info(*v).kind;
            let new = self
                .b
                .opaque(kind, None, quote!(#all_id.#field), vec![all], span);
            self.env.assign(id, Binding::Val(new));
        }
        Some(Value::Other {
            tokens: quote!(#all_id.0),
            uses: vec![all],
            kind: Kind::Other,
        })
    }

    fn float_lent(&self, a: &Expr) -> Option<Ident> {
        let Expr::Reference(r) = a else { return None };
        r.mutability?;
        let Expr::Path(p) = &*r.expr else { return None };
        let id = p.path.get_ident()?;
        matches!(self.env.lookup(id), Some(Binding::Val(v)) if self.b.func.info(v).kind == Kind::Float)
            .then(|| id.clone())
    }

    /// `f(.., &mut h, &mut g[a..b], &mut s);`: a function writing several outputs, or a float
    /// through `&mut T` (see `out_param`). The outputs' contents are packed into one buffer,
    /// which the call rewrites: with a differentiated argument, through the twin `f__out(..
    /// inputs, &packed, lengths..) -> Vec<T>`; on data, by `f` itself on pieces of a copy. The new
    /// contents are then copied back, element by element, so that a reverse sweep hands each
    /// output's cotangent to the call.
    fn lower_packed_out_call(&mut self, c: &syn::ExprCall, fp: &syn::ExprPath) -> Option<Value> {
        enum Lent {
            /// A buffer's part: the name, its start and its length.
            Buffer(Ident, TokenStream, TokenStream),
            Float(Ident),
        }
        /// An output as the packing reads it: a buffer's name, start and length (as locals), or
        /// a float.
        enum Placed {
            Buffer(Ident, Ident, Ident),
            Float(Ident),
        }
        let mut outs: Vec<(usize, Lent)> = Vec::new();
        for (k, a) in c.args.iter().enumerate() {
            if let Some(s) = self.float_lent(a) {
                outs.push((k, Lent::Float(s)));
                continue;
            }
            let Expr::Reference(r) = a else { continue };
            if r.mutability.is_none() {
                continue;
            }
            let (name, range) = match &*r.expr {
                Expr::Path(p) => (p.path.get_ident(), None),
                Expr::Index(ix) => match (&*ix.expr, &*ix.index) {
                    (Expr::Path(p), Expr::Range(range)) => (p.path.get_ident(), Some(range)),
                    _ => (None, None),
                },
                _ => (None, None),
            };
            let Some(name) = name.filter(|n| matches!(self.env.lookup(n), Some(Binding::Seq(_))))
            else {
                continue;
            };
            let whole: Expr = syn::parse_quote!(#name.len());
            let (start, len): (Expr, Expr) = match range {
                None => (syn::parse_quote!(0usize), whole),
                Some(r) => {
                    let start: Expr = r
                        .start
                        .as_deref()
                        .map_or_else(|| syn::parse_quote!(0usize), |a| syn::parse_quote!((#a)));
                    let end: Expr = match (&r.end, &r.limits) {
                        (None, _) => whole,
                        (Some(b), syn::RangeLimits::HalfOpen(_)) => syn::parse_quote!((#b)),
                        (Some(b), syn::RangeLimits::Closed(_)) => syn::parse_quote!((#b) + 1),
                    };
                    let len = syn::parse_quote!(#end - #start);
                    (start, len)
                }
            };
            outs.push((k, Lent::Buffer(name.clone(), quote!(#start), quote!(#len))));
        }
        let span = c.span();
        // Lengths and starts first (the call may not change them), then the packed contents.
        self.env.push();
        let (old, new, i) = (
            crate::naming::fresh("packed_old"),
            crate::naming::fresh("packed_new"),
            crate::naming::fresh("i"),
        );
        let mut lens: Vec<Ident> = Vec::new();
        let mut places: Vec<(Placed, Expr)> = Vec::new();
        let mut off: Expr = syn::parse_quote!(0usize);
        let mut pre: Vec<syn::Stmt> = Vec::new();
        for (_, lent) in &outs {
            match lent {
                Lent::Buffer(name, start, len) => {
                    let (l, st) = (
                        crate::naming::fresh("out_len"),
                        crate::naming::fresh("out_at"),
                    );
                    pre.push(syn::parse_quote_spanned!(span=> let #st: usize = #start;));
                    pre.push(syn::parse_quote_spanned!(span=> let #l: usize = #len;));
                    places.push((Placed::Buffer(name.clone(), st, l.clone()), off.clone()));
                    off = syn::parse_quote!(#off + #l);
                    lens.push(l);
                }
                Lent::Float(f) => {
                    places.push((Placed::Float(f.clone()), off.clone()));
                    off = syn::parse_quote!(#off + 1usize);
                }
            }
        }
        pre.push(syn::parse_quote_spanned!(span=> let mut #old = vec![0.0; #off];));
        for (placed, at) in &places {
            pre.push(match placed {
                Placed::Buffer(name, st, l) => syn::parse_quote_spanned!(span=>
                    for #i in 0..#l { #old[#at + #i] = #name[#st + #i]; }
                ),
                Placed::Float(f) => syn::parse_quote_spanned!(span=> #old[#at] = #f;),
            });
        }
        for st in &pre {
            self.lower_stmt(st);
        }
        let is_out = |k: usize| outs.iter().any(|(j, _)| *j == k);
        let mut twin_call = c.clone();
        twin_call.args = c
            .args
            .iter()
            .enumerate()
            .filter(|(k, _)| !is_out(*k))
            .map(|(_, a)| a.clone())
            .collect();
        twin_call.args.push(syn::parse_quote!(&#old));
        for l in &lens {
            twin_call.args.push(syn::parse_quote!(#l));
        }
        let Some((args, any_active)) = self.lower_call_args(&twin_call, false) else {
            self.env.pop();
            return None;
        };
        let (plain, dot, args) = if any_active {
            if self.refills_lent_vec(c, fp) {
                self.env.pop();
                return None;
            }
            let (twin, dot) = out_twin(&fp.path);
            (twin, dot, args)
        } else {
            // Data in, data out: `f` as the user wrote it, each output a piece of a copy of
            // the packed contents.
            let t = crate::naming::hidden("packed");
            let mut splits = Vec::new();
            // The call as written, each output read (`&h`, `s`), then given its piece.
            let mut call = c.clone();
            for (k, lent) in &outs {
                call.args[*k] = match lent {
                    Lent::Buffer(name, ..) => syn::parse_quote!(&#name),
                    Lent::Float(f) => syn::parse_quote!(#f),
                };
            }
            let Some((mut call_args, _)) = self.lower_call_args(&call, false) else {
                self.env.pop();
                return None;
            };
            let mut uses = Vec::new();
            let mut l = 0;
            for (n, (k, lent)) in outs.iter().enumerate() {
                let piece = crate::naming::hidden(&format!("piece{n}"));
                let len = match lent {
                    Lent::Buffer(..) => {
                        let li = &lens[l];
                        let (tokens, u) = self.rename(&syn::parse_quote!(#li));
                        l += 1;
                        uses.extend(u);
                        tokens
                    }
                    Lent::Float(_) => quote!(1usize),
                };
                splits.push(quote!(let (#piece, #t) = #t.split_at_mut(#len);));
                let given = match lent {
                    Lent::Buffer(..) => {
                        quote!(::grad::runtime::__private::slice_arg_mut(#piece))
                    }
                    Lent::Float(_) => quote!(&mut #piece[0]),
                };
                call_args[*k] = CallArg::Tokens(given, Vec::new());
            }
            let Value::Other {
                tokens, uses: u, ..
            } = self.plain_call(&call, fp, &call_args)
            else {
                unreachable!("a plain call is opaque")
            };
            uses.extend(u);
            let ty = self.ty.clone();
            let path: syn::Path = syn::parse_quote!(::grad::runtime::__private::out_call);
            let closure = CallArg::Tokens(
                quote!(|#t: &mut [#ty]| { #(#splits)* let _ = #t; #tokens; }),
                uses,
            );
            let old_at = args.len() - 1 - lens.len();
            (path.clone(), path, vec![closure, args[old_at].clone()])
        };
        let seq = self.push_call_vec(plain, dot, args, None, any_active, span);
        self.env.declare(new.clone(), Binding::Seq(seq));
        let mut back: Vec<syn::Stmt> = Vec::new();
        for (placed, at) in &places {
            back.push(match placed {
                Placed::Buffer(name, st, l) => syn::parse_quote_spanned!(span=>
                    for #i in 0..#l { #name[#st + #i] = #new[#at + #i]; }
                ),
                Placed::Float(f) => syn::parse_quote_spanned!(span=> #f = #new[#at];),
            });
        }
        for st in &back {
            self.lower_stmt(st);
        }
        self.env.pop();
        Some(Value::Unit)
    }

    /// `std::mem::swap(&mut a, &mut b)`: for values, the names trade what they stand for (no code);
    /// for two buffers of one length, their elements trade places. `None` when `c` is no such call.
    #[allow(clippy::option_option)]
    fn lower_swap(&mut self, c: &syn::ExprCall, path: &syn::Path) -> Option<Option<Value>> {
        let [a, b] = swap_args(c, path)?;
        match (self.env.lookup(&a), self.env.lookup(&b)) {
            (Some(Binding::Val(va)), Some(Binding::Val(vb))) => {
                self.env.assign(&a, Binding::Val(vb));
                self.env.assign(&b, Binding::Val(va));
                Some(Some(Value::Unit))
            }
            (Some(Binding::Seq(_)), Some(Binding::Seq(_))) => {
                let (k, t) = (crate::naming::fresh("k"), crate::naming::fresh("t"));
                let msg = format!(
                    "`#[gradient]` swaps the elements of `{a}` and `{b}`, which must have one length: to exchange buffers of different lengths, write `let t = {a}.clone(); {a} = {b}.clone(); {b} = t;`"
                );
                let e: Expr = syn::parse_quote_spanned!(c.span()=> {
                    ::core::assert_eq!(#a.len(), #b.len(), #msg);
                    for #k in 0..#a.len() {
                        let #t = #a[#k];
                        #a[#k] = #b[#k];
                        #b[#k] = #t;
                    }
                });
                Some(self.lower_expr(&e))
            }
            _ => None,
        }
    }

    /// A call to another function: with differentiated float arguments it must be a `#[gradient]`
    /// function, whose `NAME_grad` gives the value and the local gradient.
    /// The arguments of a call of another `#[gradient]` function, and whether any depends on
    /// the differentiated inputs. `scalar`: a call of a scalar function, whose arguments of types
    /// the macro does not see are [`CallArg::Unseen`] (a vector-valued function's reverse needs
    /// to know its sequences).
    pub(super) fn lower_call_args(
        &mut self,
        c: &syn::ExprCall,
        scalar: bool,
    ) -> Option<(Vec<CallArg>, bool)> {
        let mut args = Vec::new();
        let mut any_active = false;
        let mut failed = false;
        let mut by_value = Vec::new();
        // The receiver of a method of data (`data_method_call`): the data as written.
        let data_receiver = match &*c.func {
            Expr::Path(p) => {
                crate::emit::method_of(&p.path).is_some_and(|m| !m.to_string().ends_with("__model"))
            }
            _ => false,
        };
        // The callee's parameters of the other float type (data its `wrt` leaves out).
        let callee = match &*c.func {
            Expr::Path(p) if p.qself.is_none() => {
                crate::desugar::vector_calls::registered_name(&c.func)
            }
            _ => None,
        };
        for (k, a) in c.args.iter().enumerate() {
            if k == 0 && data_receiver {
                let (t, u) = self.rename(a);
                args.push(CallArg::Tokens(t, u));
                continue;
            }
            if let Some(f) =
                callee.filter(|f| crate::desugar::vector_calls::takes_other_float(f, k))
            {
                // Only data of that type reaches it (a parameter left out of `wrt`, a constant);
                // a list written here, or a float of this function's, would be made this
                // function's (a compile error in the expansion before).
                let inner = match a {
                    Expr::Reference(r) => &*r.expr,
                    a => a,
                };
                let floats = match inner {
                    Expr::Array(_) | Expr::Macro(_) => true,
                    Expr::Path(p) => p
                        .path
                        .get_ident()
                        .is_some_and(|i| match self.env.lookup(i) {
                            Some(super::env::Binding::Seq(_)) => true,
                            Some(super::env::Binding::Val(v)) => {
                                self.b.func.info(v).kind == Kind::Float
                            }
                            _ => false,
                        }),
                    _ => false,
                };
                if floats || !self.reads_no(a, false) {
                    // (A list written at the call was reported there, before it was named.)
                    if self.errors.is_empty() {
                        self.errors
                            .push_spanned(a, crate::desugar::other_float_message(f));
                    }
                    failed = true;
                    continue;
                }
            }
            if let Expr::Reference(r) = a {
                let float_name = matches!(&*r.expr, Expr::Path(p) if p.path.get_ident().is_some_and(|i| {
                    matches!(self.env.lookup(i), Some(super::env::Binding::Val(v)) if self.b.func.info(v).kind == Kind::Float)
                }));
                // `f(&(2.0 * a))`, `f(&v[0])`, `f(&x.sqrt())`: a float computed for a `&f64`
                // parameter (an element, not a part: `&v[a..b]` is a sub-slice below).
                let float_expr = match &*r.expr {
                    Expr::Paren(_) | Expr::Binary(_) | Expr::Unary(_) | Expr::Lit(_) => true,
                    // An element of a local buffer (a parameter's `&x[i]` may be a row).
                    Expr::Index(ix) => {
                        !matches!(&*ix.index, Expr::Range(_))
                            && matches!(&*ix.expr, Expr::Path(p) if p.path.get_ident().is_some_and(|i| {
                                matches!(self.env.lookup(i), Some(super::env::Binding::Seq(s)) if self.b.func.seq(s).buffer)
                            }))
                    }
                    Expr::MethodCall(m) => {
                        crate::rules::Prim::method_names().any(|n| m.method == n)
                            // `&T::from(1.5).unwrap()`: a constant of the float type.
                            || (["unwrap", "expect", "unwrap_or", "unwrap_or_else"].iter().any(|n| m.method == n)
                                && matches!(&*m.receiver, Expr::Call(c) if self.float_type_path(&c.func) || conversion_path(&c.func)))
                    }
                    // `&T::one()`, `&f64::max(a, b)`: a function of the float type.
                    Expr::Call(c) => self.float_type_path(&c.func),
                    _ => false,
                };
                // `f(&w[0])` of a sequence parameter, `f(&w[0][1])` of rows: an element where the
                // read gives a float (a row of rows is passed on below).
                let element = !float_expr
                    && matches!(&*r.expr, Expr::Index(ix) if !matches!(&*ix.index, Expr::Range(_))
                        && self.seq_of_expr(&ix.expr).is_some());
                if r.mutability.is_none() && (float_name || float_expr || element) {
                    if let Some(Value::Float(o)) = self.lower_expr(&r.expr) {
                        // `f(&x)` of a differentiated `x`: a `&f64` parameter, a scalar of `f_grad`.
                        if self.b.func.is_active(o) {
                            any_active = true;
                            args.push(CallArg::FloatRef(o));
                            continue;
                        }
                        let t = self.operand_tokens(o, a.span());
                        args.push(CallArg::Tokens(quote!(&#t), o.val().into_iter().collect()));
                        continue;
                    }
                }
            }
            // `f(&[x, 2.0 * y])` where no statement could take the array out first (a branch,
            // a match arm): a local buffer made here.
            // `f([x, 2.0 * y])` to a `[f64; N]` parameter alike, passed by value.
            // `f(&vec![a, b])` alike, where no statement could take it out first (a `return`).
            let vec_listed = match a {
                Expr::Reference(r) if r.mutability.is_none() => super::vec_list(&r.expr),
                _ => None,
            };
            let listed = match (a, &vec_listed) {
                (_, Some(arr)) => Some((arr, quote!(&))),
                (Expr::Reference(r), None) => match (r.mutability, &*r.expr) {
                    (None, Expr::Array(arr)) => Some((arr, quote!(&))),
                    _ => None,
                },
                (Expr::Array(arr), None) => Some((arr, TokenStream::new())),
                _ => None,
            };
            if let Some((arr, amp)) = listed {
                if arr.elems.is_empty() {
                    // `f(&[])`: an empty sequence of floats (a buffer of none), for any slice
                    // parameter.
                    let empty = super::buffers::BufInit {
                        init: syn::parse_quote!(0.0),
                        len: syn::parse_quote!(0),
                        array: true,
                    };
                    if let Some((super::env::Binding::Seq(s), _)) = self.lower_buffer(empty) {
                        let t = self.seq_ident(s, a.span());
                        args.push(CallArg::Seq(s, quote!(#amp #t), None));
                        continue;
                    }
                }
                {
                    let name = crate::naming::fresh("listed");
                    match self.lower_array_let(&name, arr, false) {
                        Some(super::env::Binding::Seq(s)) => {
                            any_active |= self.b.func.seq(s).active;
                            let t = self.seq_ident(s, a.span());
                            args.push(CallArg::Seq(s, quote!(#amp #t), None));
                            continue;
                        }
                        Some(super::env::Binding::Val(v)) => {
                            let t = self.operand_tokens(crate::ir::Operand::Val(v), a.span());
                            args.push(CallArg::Tokens(quote!(#amp #t), vec![v]));
                            continue;
                        }
                        _ => {
                            failed = true;
                            continue;
                        }
                    }
                }
            }
            // `f(w.clone())`, `f(w.to_vec())`: a copy of a sequence for a `Vec<T>` (or `[T; N]`)
            // parameter taken by value, made again at every call the derivative makes.
            if let Expr::MethodCall(m) = a {
                if m.args.is_empty() && (m.method == "clone" || m.method == "to_vec") {
                    let named = match &*m.receiver {
                        Expr::Path(p) => {
                            p.path.get_ident().and_then(|i| match self.env.lookup(i) {
                                Some(super::env::Binding::Seq(s)) => Some(s),
                                _ => None,
                            })
                        }
                        _ => None,
                    };
                    if let Some(s) = named {
                        any_active |= self.b.func.seq(s).active;
                        let (t, _) = self.rename(a);
                        args.push(CallArg::Seq(s, t, None));
                        continue;
                    }
                }
            }
            if let Some((s, range)) = self.sub_slice(a) {
                let Some((rt, ru)) = range else {
                    failed = true;
                    continue;
                };
                any_active |= self.b.func.seq(s).active;
                let (t, _) = self.rename(a);
                args.push(CallArg::Seq(s, t, Some((rt, ru))));
                continue;
            }
            match self.lower_expr(a) {
                Some(Value::Float(o)) => {
                    any_active |= self.b.func.is_active(o);
                    // A `&f64` parameter passed on as it is.
                    let by_ref = match a {
                        Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
                            self.ref_params
                                .iter()
                                .any(|(n, at)| n == i && self.env.position(i) == Some(*at))
                        }),
                        _ => false,
                    };
                    args.push(if by_ref {
                        CallArg::FloatRef(o)
                    } else {
                        CallArg::Float(o)
                    });
                }
                Some(Value::Seq(s)) => {
                    any_active |= self.b.func.seq(s).active;
                    let (t, _) = self.rename(a);
                    // A buffer or a `Vec<T>` parameter passed by name is moved into the callee
                    // (a `Vec<T>` or `[T; N]` parameter): the derivative calls it more than once.
                    // (A buffer's copy is the emitter's: `buffer_value`, which also makes the
                    // array a `[T; N]` parameter takes of a buffer held in a `Vec`.)
                    let moved = matches!(a, Expr::Path(_))
                        && !self.b.func.seq(s).buffer
                        && self.owned_params.contains(&s);
                    let t = if moved {
                        quote!(::core::clone::Clone::clone(&#t))
                    } else {
                        t
                    };
                    args.push(CallArg::Seq(s, t, None));
                }
                Some(Value::Other { tokens, uses, kind }) => {
                    if self
                        .check_inactive_kind(
                            &uses,
                            kind,
                            a.span(),
                            &quote::ToTokens::to_token_stream(a),
                        )
                        .is_none()
                    {
                        failed = true;
                    }
                    // (A model's own field given to its layers' hidden `NAME__model` is no slice.)
                    let hidden_callee = matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident.to_string().contains("__")));
                    let dynamic =
                        matches!(&*c.func, Expr::Path(p) if crate::emit::dynamic_callee(&p.path));
                    let unseen = scalar && dynamic && self.unseen_type(a, kind);
                    if self.is_data_row(a)
                        || (!hidden_callee && !unseen && self.data_field_slice(a))
                        || self.own_float_const(a)
                    {
                        // A slice of data: a constant sequence, given a scratch buffer at the
                        // call like any slice (the whole range; the values it reads kept alive).
                        let seq = crate::ir::SeqId(self.b.func.seqs.len() as u32);
                        self.b.func.seqs.push(crate::ir::SeqInfo {
                            ident: crate::naming::hidden(&format!("row{}", seq.0)),
                            active: false,
                            buffer: false,
                            adjoint: None,
                        });
                        args.push(CallArg::Seq(seq, tokens, Some((quote!(..), uses))));
                        continue;
                    }
                    // `d.a` or `d.pts[i]` by value: a number for a plain callee (which has no
                    // `NAME__dyn_grad`), or an array for a `[f64; N]` parameter; below.
                    if scalar
                        && dynamic
                        && !unseen
                        && kind == Kind::Other
                        && match crate::desugar::unparen(a) {
                            Expr::Field(_) | Expr::Index(_) => true,
                            Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)),
                            // Not a parameter, whose type the signature writes.
                            Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
                                matches!(self.env.lookup(i), Some(super::env::Binding::Val(v)) if (v.0 as usize) >= self.param_vals)
                            }),
                            _ => false,
                        }
                    {
                        by_value.push(args.len());
                    }
                    args.push(if unseen {
                        CallArg::Unseen(tokens, uses)
                    } else {
                        CallArg::Tokens(tokens, uses)
                    });
                }
                Some(Value::Unit) => {
                    self.errors.push_spanned(a, "expected a value here");
                    failed = true;
                }
                None => failed = true,
            }
        }
        if failed {
            return None;
        }
        // A callee given a sequence or a `&f64` is not a function of numbers only, so it has a
        // `NAME__dyn_grad`, which takes data of an unseen type whether its parameter there is a
        // number or a `[f64; N]` (`dot3(d.a, w)`).
        if args.iter().any(|a| {
            matches!(
                a,
                CallArg::Seq(..) | CallArg::FloatRef(_) | CallArg::Unseen(..)
            )
        }) {
            for k in by_value {
                if let CallArg::Tokens(t, u) = &args[k] {
                    args[k] = CallArg::Unseen(t.clone(), u.clone());
                }
            }
        }
        // A differentiated call given a sequence, or returning one, runs again where its
        // derivative is taken: data it is lent mutably (a generator it draws from) would change
        // twice. (A function of numbers gives its value and derivatives in one call, which runs
        // once: see `reverse::loops`.)
        let runs_again = !scalar || args.iter().any(|a| matches!(a, CallArg::Seq(..)));
        if any_active && runs_again {
            let mut_data = &self.b.func.mut_data;
            if let Some(a) = c
                .args
                .iter()
                .find(|a| crate::ir::changes_data(&quote::quote!(#a), mut_data))
            {
                let callee = match &*c.func {
                    Expr::Path(p) => crate::emit::user_name(&p.path),
                    f => quote::quote!(#f).to_string(),
                };
                self.errors.push_spanned(
                    a,
                    format!(
                        "`{callee}` is lent data that it may change (a `&mut` parameter of this function, such as a random generator): `#[gradient]` runs a differentiated call again to take its derivative, which would change that data a second time; draw or compute what the call needs here and pass it the values",
                    ),
                );
                return None;
            }
        }
        Some((args, any_active))
    }

    /// Whether `f` is a path into the function's float type (`f64::max`, `T::from`, `T::one`).
    fn float_type_path(&self, f: &Expr) -> bool {
        matches!(f, Expr::Path(p) if p.qself.is_none()
            && p.path.segments.len() == 2
            && p.path.segments[0].ident == self.float_ty.name())
    }

    pub(super) fn lower_user_call(
        &mut self,
        c: &syn::ExprCall,
        fp: &syn::ExprPath,
    ) -> Option<Value> {
        // `std::mem::take(&mut v)`, `core::ptr::swap(..)`: a function of the standard library,
        // which has no derivative twins (nor writes through `&mut` that could be followed).
        let root = fp.path.segments.first().map(|s| s.ident.to_string());
        let from_std = fp.qself.is_none()
            && fp.path.segments.len() > 1
            && matches!(
                root.as_deref(),
                Some("std" | "core" | "alloc" | "mem" | "ptr")
            );
        let lends = c
            .args
            .iter()
            .any(|a| matches!(a, Expr::Reference(r) if r.mutability.is_some()));
        if from_std && lends {
            return self.std_call_refused(c, fp);
        }
        // A helper taking closures, given none it could follow (`apply(acts[0], x)`): it has no
        // derivative of its own, only the functions made for calls given closures.
        if let (Some(name), Some(caller)) =
            (fp.path.get_ident(), crate::plain_helpers::current_caller())
        {
            if crate::prescan::closure_taker_beside(&caller, &name.to_string()) {
                self.errors.push_spanned(c, format!("`{name}` takes a closure or a function, and `#[gradient]` follows its calls that give it a closure (a literal, `&` of one, a closure local) or a function by its path (`f64::sin`, `square`), with every name the closure reads of a type the macro can see (a parameter, a `let` of a written type or a float, a loop's or an iterator adapter's items, a closure parameter with its type written, `|s: f64|`); this call gives it another value, or a closure reading a name of a type not seen: pass one of those, or write the type"));
                return None;
            }
        }
        if let Some(v) = self.data_out_call(c, fp) {
            return Some(v);
        }
        if let Some(v) = self.lower_in_out_call(c, fp) {
            return v;
        }
        if let Some(v) = self.lower_out_call(c, fp) {
            return v;
        }
        let (args, any_active) = self.lower_call_args(c, true)?;
        if !any_active {
            return Some(self.plain_call(c, fp, &args));
        }
        if from_std {
            return self.std_call_refused(c, fp);
        }
        // `Model::forward__model(m, ..)`: a `#[gradient]` method given the whole model (see
        // `fields`), named through its type.
        let model_call = fp
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident.to_string().ends_with("__model"));
        // `Layer::out(l, x)`: a method of the user's type called by its path (also as
        // `desugar` writes `l.out(x)` of a data parameter), whose `Layer::out_grad` carries it;
        // not a constructor (`Box::new`, `Vec::from`, `Some(x)`, `Wrapper(x)`).
        let segs = &fp.path.segments;
        let method_of_type = segs.len() == 2
            && segs[1].ident.to_string().starts_with(char::is_lowercase)
            && !["new", "from", "default", "with_capacity"]
                .iter()
                .any(|n| segs[1].ident == n)
            && !segs[1].ident.to_string().starts_with("from_")
            && !STD_TYPES.iter().any(|t| segs[0].ident == t);
        if !model_call
            && !method_of_type
            && fp
                .path
                .segments
                .iter()
                .any(|s| s.ident != "Self" && s.ident.to_string().starts_with(char::is_uppercase))
        {
            // `Box::new(x)`, `Some(x)`, `Vec::from(..)`: a constructor or a type's function, not a
            // `#[gradient]` function that could carry the derivative.
            let path = quote::ToTokens::to_token_stream(&fp.path)
                .to_string()
                .replace(' ', "");
            let ty = segs[0].ident.to_string();
            let msg = if segs.len() == 2 && crate::desugar::value_structs::is_value_type(&ty) {
                format!("`#[gradient]` follows values of `{ty}` (a struct of floats) as their fields where every one is built, read and combined by the type's own constructors, methods and operators, or read by field; this body uses one otherwise (hands it whole to another function or a macro, returns it, keeps it in a collection, or uses an operator the type implements more than once), so `{path}(..)` is not followed either: read the fields there")
            } else {
                format!("`#[gradient]` cannot differentiate through `{path}(..)`: only calls to free functions marked `#[gradient]` carry derivatives; compute with the float values directly")
            };
            self.errors.push_spanned(c, msg);
            if let Some((at, what)) = crate::desugar::value_structs::take_not_followed() {
                self.errors.push(
                    at,
                    format!("here a value of `{ty}` is {what}: `#[gradient]` follows values of a struct of floats read through their fields, methods and operators only"),
                );
            }
            return None;
        }
        // (A closure refused already is bound as poisoned: one error is enough.)
        let bound = |f: &&Ident| !matches!(self.env.lookup(f), None | Some(Binding::Poisoned));
        if let Some(f) = fp.path.get_ident().filter(bound) {
            // `f: fn(f64) -> f64` or `f: impl Fn(f64) -> f64`, a parameter or a local.
            self.errors.push_spanned(
                c,
                format!(
                    "`#[gradient]` cannot differentiate a call through `{f}`, a value holding a function, not one known by its path: the macro sees only the body it is given, not which function the value holds. Call the function by its name or path (`f64::tanh(v)`, `square(v)`; a helper taking `fn(f64) -> f64` or `impl Fn(f64) -> f64` may be given it so), or write the computation here"
                ),
            );
            return None;
        }
        let plain = fp.path.clone();
        let mut callee = fp.path.clone();
        let last = callee.segments.last_mut().expect("a path has a segment");
        let span = last.ident.span();
        // `r#loop` is called as `loop_grad`, which is what `#[gradient]` on `r#loop` emits.
        let base = syn::ext::IdentExt::unraw(&last.ident);
        let rule = format!("{base}_grad");
        last.ident = syn::Ident::new(&rule, span);
        // `libm::erf(x)` with `#[custom_gradient] fn erf_grad` beside the caller: that rule
        // (the crate has no `libm::erf_grad`).
        if callee.segments.len() > 1
            && callee.segments[0].ident != "Self"
            && self.rules.contains(&rule)
        {
            callee = syn::Ident::new(&rule, span).into();
        }
        let dst = self.b.new_val(Kind::Float, true, c.span());
        let grads = args
            .iter()
            .filter_map(|a| match a {
                CallArg::Float(o) | CallArg::FloatRef(o) => Some(if self.b.func.is_active(*o) {
                    Some(self.b.new_val(Kind::Float, true, c.span()))
                } else {
                    None
                }),
                CallArg::Tokens(..)
                | CallArg::Unseen(..)
                | CallArg::Seq(..)
                | CallArg::Adjoint(_) => None,
            })
            .collect();
        self.b.push(Stmt::Call {
            dst,
            callee,
            plain,
            args,
            grads,
        });
        Some(Value::Float(Operand::Val(dst)))
    }

    /// `&x[a..b]` (or `x[a..]`, ...) of a float sequence, as a call argument: the sequence and the
    /// range with the values it reads (`None` after an error).
    pub(super) fn sub_slice(&mut self, e: &Expr) -> Option<(crate::ir::SeqId, Option<RangeArg>)> {
        let inner = match e {
            Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
            Expr::Paren(p) => return self.sub_slice(&p.expr),
            other => other,
        };
        let Expr::Index(ix) = inner else { return None };
        let Expr::Range(range) = &*ix.index else {
            return None;
        };
        let s = self.seq_of_base(&ix.expr)?;
        let (tokens, uses) = self.rename(&Expr::Range(range.clone()));
        if self.check_inactive(&uses, range).is_none() {
            return Some((s, None));
        }
        Some((s, Some((tokens, uses))))
    }

    /// A float taken through the other float type and back, `x` differentiated: `(x as f32) as
    /// f64` (parenthesized or not) and `f64::from(x as f32)` in an `f64` function round `x` to
    /// `f32` precision; `(x as f64) as f32` in an `f32` one is `x` exactly. `outer` is the whole
    /// cast (`None` for `from`); `None` when `operand` is no cast to the other float type.
    fn narrowed(&mut self, operand: &Expr, outer: Option<&syn::ExprCast>) -> Option<Option<Value>> {
        let mut e = operand;
        while let Expr::Paren(p) = e {
            e = &p.expr;
        }
        let Expr::Cast(inner) = e else { return None };
        let other = match self.float_ty {
            FloatTy::F64 => FloatTy::F32,
            FloatTy::F32 => FloatTy::F64,
            FloatTy::Generic(_) => return None,
        };
        if outer.is_some_and(|c| crate::sig::float_of(&c.ty) != Some(self.float_ty))
            || crate::sig::float_of(&inner.ty) != Some(other)
        {
            return None;
        }
        let Some(v) = self.lower_expr(&inner.expr) else {
            return Some(None);
        };
        Some(match (v, outer) {
            (Value::Float(o), _) if other == FloatTy::F64 => Some(Value::Float(o)),
            (Value::Float(o), _) => Some(Value::Float(self.b.prim(
                Prim::Narrow,
                vec![o],
                inner.span(),
            ))),
            // An integer or data through the other type: as written.
            (other, Some(c)) => self
                .cast_lowered(inner, other)
                .and_then(|mid| self.cast_lowered(c, mid)),
            (other, None) => self.cast_lowered(inner, other),
        })
    }

    pub(super) fn lower_cast(&mut self, c: &syn::ExprCast) -> Option<Value> {
        if let Some(v) = self.narrowed(&c.expr, Some(c)) {
            return v;
        }
        let inner = match self.settled_test(&c.expr) {
            Some(v) => v?,
            None => self.lower_expr(&c.expr)?,
        };
        self.cast_lowered(c, inner)
    }

    /// The tokens and uses of a conversion's argument, as written (`renamed`) or, where it is
    /// the number of a test (`u8::from(x > w)`), as lowered (`lowered`): the number reads the
    /// test's boolean, not the floats the test compares.
    fn through_test(
        &self,
        tokens: TokenStream,
        uses: Vec<crate::ir::ValId>,
        lowered: Value,
    ) -> (TokenStream, Vec<crate::ir::ValId>) {
        let active = |uses: &[crate::ir::ValId]| {
            uses.iter().any(|u| {
                let i = self.b.func.info(*u);
                i.active && i.kind == Kind::Float
            })
        };
        match lowered {
            Value::Other {
                tokens: t, uses: u, ..
            } if active(&uses) && !active(&u) => (t, u),
            _ => (tokens, uses),
        }
    }

    /// A test that reads differentiated values turned into a number (`(x > w) as u8`,
    /// `f64::from(x > w)`): the test bound first as a boolean of its own, as `let c = x > w;`
    /// binds it, so that the number reads the boolean (which carries no derivative) and not
    /// the floats. `None` when `e` is not such a test.
    pub(super) fn settled_test(&mut self, e: &Expr) -> Option<Option<Value>> {
        fn test(e: &Expr) -> bool {
            match e {
                Expr::Binary(b) => super::expr::yields_bool(&b.op),
                Expr::Unary(u) => matches!(u.op, syn::UnOp::Not(_)) && test(&u.expr),
                Expr::Paren(p) => test(&p.expr),
                Expr::MethodCall(m) => {
                    m.args.is_empty()
                        && [
                            "is_nan",
                            "is_finite",
                            "is_infinite",
                            "is_normal",
                            "is_sign_positive",
                            "is_sign_negative",
                        ]
                        .iter()
                        .any(|n| m.method == n)
                }
                _ => false,
            }
        }
        if !test(e) || !self.reads_differentiated(e) {
            return None;
        }
        Some(self.lower_expr(e).map(|v| match v {
            Value::Other {
                tokens,
                uses,
                kind: Kind::Bool,
            } => {
                let b = self.b.opaque(
                    Kind::Bool,
                    Some(syn::parse_quote!(bool)),
                    tokens,
                    uses,
                    e.span(),
                );
                Value::Other {
                    tokens: self.operand_tokens(crate::ir::Operand::Val(b), e.span()),
                    uses: vec![b],
                    kind: Kind::Bool,
                }
            }
            v => v,
        }))
    }

    /// `c` with its operand already lowered to `inner`.
    fn cast_lowered(&mut self, c: &syn::ExprCast, inner: Value) -> Option<Value> {
        let target = crate::sig::float_of(&c.ty);
        match (inner, target) {
            (Value::Float(o), Some(t)) if t == self.float_ty => Some(Value::Float(o)),
            (Value::Float(_), Some(_)) => {
                self.errors.push_spanned(
                    c,
                    format!(
                        "use one float type throughout: this function computes in `{}`",
                        self.float_ty.name()
                    ),
                );
                None
            }
            (Value::Float(o), None) => {
                // `x.floor() as usize`, `(t * 4.0) as usize`, `x as i32`: a whole number whose
                // derivative is 0 wherever it has one (a step), so the cast loses nothing — a
                // table index, as interpolation takes it, a count, a branch's test (the
                // derivative is that of the cell the point is in, as for a branch).
                let xt = self.operand_tokens(o, c.expr.span());
                let ty = &c.ty;
                if self.b.func.is_active(o) {
                    // Bound once, as a value of its own that no derivative flows through.
                    let v = self.b.opaque(
                        Kind::Int,
                        Some((*c.ty).clone()),
                        quote_spanned!(c.span()=> (#xt as #ty)),
                        o.val().into_iter().collect(),
                        c.span(),
                    );
                    let t = self.operand_tokens(crate::ir::Operand::Val(v), c.span());
                    return Some(Value::Other {
                        tokens: t,
                        uses: vec![v],
                        kind: Kind::Int,
                    });
                }
                Some(Value::Other {
                    tokens: quote_spanned!(c.span()=> (#xt as #ty)),
                    uses: o.val().into_iter().collect(),
                    kind: Kind::Int,
                })
            }
            (Value::Other { tokens, uses, .. }, Some(t)) if t == self.float_ty => {
                self.check_inactive(&uses, c)?;
                let ty = &c.ty;
                let fty = self.ty.clone();
                let v = self.b.opaque(
                    Kind::Float,
                    Some(fty),
                    quote!(#tokens as #ty),
                    uses,
                    c.span(),
                );
                Some(Value::Float(Operand::Val(v)))
            }
            (Value::Other { tokens, uses, .. }, _) => {
                let ty = &c.ty;
                Some(Value::Other {
                    tokens: quote!((#tokens as #ty)),
                    uses,
                    kind: if target.is_some() {
                        Kind::Other
                    } else {
                        Kind::Int
                    },
                })
            }
            _ => {
                self.errors.push_spanned(c, "unsupported cast");
                None
            }
        }
    }
}

/// The primitive number type of `T::from` (`f64::from`, `u8::from`, `<i32>::from`).
fn number_from(f: &syn::ExprPath) -> Option<String> {
    const NUMBERS: &[&str] = &[
        "f32", "f64", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
        "i128", "isize",
    ];
    let segs = &f.path.segments;
    let ty = match &f.qself {
        Some(q) if segs.len() == 1 => match &*q.ty {
            syn::Type::Path(t) => t.path.get_ident()?.to_string(),
            _ => return None,
        },
        None if segs.len() == 2 && segs[0].arguments.is_none() => segs[0].ident.to_string(),
        _ => return None,
    };
    (segs.last()?.ident == "from" && NUMBERS.contains(&ty.as_str())).then_some(ty)
}

/// The two names of `swap(&mut a, &mut b)` (through `std::mem`, `core::mem` or `mem`).
pub fn swap_args(c: &syn::ExprCall, path: &syn::Path) -> Option<[Ident; 2]> {
    if !crate::naming::is_mem_fn(path, "swap") || c.args.len() != 2 {
        return None;
    }
    // (`swap((&mut a), (&mut b))` too: a helper's `swap(a, b)` of `a: &mut f64`, inlined.)
    let name = |e: &Expr| match crate::desugar::unparen(e) {
        Expr::Reference(r) if r.mutability.is_some() => match crate::desugar::unparen(&r.expr) {
            Expr::Path(p) => p.path.get_ident().cloned(),
            _ => None,
        },
        _ => None,
    };
    Some([name(&c.args[0])?, name(&c.args[1])?])
}

/// `path` with its last name `base` replaced by `f(base)` (`f` → `f__dot_grad`).
/// The twin of a function with outputs, `f__out` (see `out_param`), and its `__dot_grad`.
impl Lowerer<'_> {
    /// A call of a function that writes through `&mut` floats, on data only: its value as
    /// written, on copies of what it is lent (fixed before the call itself writes them), and
    /// the writes as `lower_out_call` follows them.
    #[allow(clippy::option_option)]
    fn inout_call_on_data(
        &mut self,
        c: &syn::ExprCall,
        fp: &syn::ExprPath,
    ) -> Option<Option<Value>> {
        let mut uses = Vec::new();
        let args: Vec<TokenStream> = c
            .args
            .iter()
            .map(|a| {
                let (t, u) = match a {
                    Expr::Reference(r) if r.mutability.is_some() => {
                        let (t, u) = self.rename(&r.expr);
                        (quote!(&mut ::std::borrow::ToOwned::to_owned(&#t)), u)
                    }
                    a => self.rename(a),
                };
                uses.extend(u);
                t
            })
            .collect();
        let func = &fp.path;
        let v = self
            .b
            .opaque(Kind::Other, None, quote!(#func(#(#args),*)), uses, c.span());
        match self.lower_out_call(c, fp) {
            Some(Some(_)) => Some(Some(Value::Other {
                tokens: quote::ToTokens::into_token_stream(self.ident_of(v, c.span())),
                uses: vec![v],
                kind: Kind::Other,
            })),
            _ => Some(None),
        }
    }

    /// `let v = f(x, &mut y);`: the value of a function that also writes through `&mut` floats
    /// (see `in_out`), with a differentiated argument. The value is its twin's on what the
    /// references hold before (`f__inout(x, y)`, `&b` for a buffer), and what it writes the
    /// call as a statement (`f(x, &mut y);`, see [`Self::lower_out_call`]). Other `&mut`
    /// arguments (data) are lent to the twin as copies, so that they are written once. `None`
    /// for a call whose value is not wanted, that lends nothing `&mut`, or reads no
    /// differentiated value.
    #[allow(clippy::option_option)]
    fn lower_in_out_call(
        &mut self,
        c: &syn::ExprCall,
        fp: &syn::ExprPath,
    ) -> Option<Option<Value>> {
        // (A generator made in the body is lent as it is: a change of data, in order.)
        let lent = |a: &Expr| {
            matches!(a, Expr::Reference(r) if r.mutability.is_some()) && !self.data_local_lent(a)
        };
        let twin_already = fp
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident.to_string().ends_with("__inout"));
        if twin_already
            || self.stmt_call == Some(std::ptr::from_ref(c) as usize)
            || !c.args.iter().any(lent)
        {
            return None;
        }
        let floats_lent = |a: &Expr| -> Option<Expr> {
            let Expr::Reference(r) = a else { return None };
            r.mutability?;
            if self.float_lent(a).is_some() {
                return Some((*r.expr).clone());
            }
            let base = match &*r.expr {
                Expr::Index(ix) if matches!(&*ix.index, Expr::Range(_)) => &*ix.expr,
                e => e,
            };
            let seq = matches!(base, Expr::Path(p) if p.path.get_ident().is_some_and(|i| matches!(self.env.lookup(i), Some(Binding::Seq(_)))));
            let e = &r.expr;
            seq.then(|| syn::parse_quote_spanned!(a.span()=> &#e))
        };
        let mut twin = c.clone();
        let mut any_active = false;
        for a in &mut twin.args {
            if let Some(read) = floats_lent(a) {
                any_active |= self.reads_active(&read);
                *a = read;
            } else if let Expr::Reference(r) = a {
                any_active |= self.reads_active(&r.expr);
                if r.mutability.is_some() {
                    // A count (`&mut n` of an integer or a `bool`) is lent as `&n`, as the twin
                    // takes it; other data as a copy, written by the twin and dropped.
                    let e = &r.expr;
                    let counted = matches!(&**e, Expr::Path(p) if p.path.get_ident().is_some_and(|i| matches!(self.env.lookup(i), Some(Binding::Val(v)) if matches!(self.b.func.info(v).kind, Kind::Int | Kind::Bool))));
                    *a = if counted {
                        syn::parse_quote_spanned!(r.span()=> &#e)
                    } else {
                        syn::parse_quote_spanned!(r.span()=> &mut ::std::borrow::ToOwned::to_owned(&#e))
                    };
                }
            } else {
                any_active |= self.reads_active(a);
            }
        }
        if !any_active {
            return self.inout_call_on_data(c, fp);
        }
        let path = renamed(&fp.path, |base| format!("{base}__inout"));
        *twin.func = syn::parse_quote_spanned!(fp.span()=> #path);
        let Expr::Path(twin_fp) = &*twin.func else {
            unreachable!("a path was just written")
        };
        let twin_fp = twin_fp.clone();
        let value = match self.lower_user_call(&twin, &twin_fp)? {
            Value::Float(o) => Value::Float(o),
            // (An argument that names a differentiated value where it does not reach the
            // value, `if a > 0.0 { 1.0 } else { 2.0 }`: the call is on data after all.)
            Value::Other { .. } => return self.inout_call_on_data(c, fp),
            _ => {
                self.errors.push_spanned(c, "`#[gradient]` takes this call for one of a function that returns a float and writes through `&mut` floats, but its value is no float");
                return Some(None);
            }
        };
        match self.lower_out_call(c, fp) {
            Some(Some(_)) => Some(Some(value)),
            Some(None) => Some(None),
            None => {
                self.errors.push_spanned(c, "`#[gradient]` cannot follow what this call writes: lend it float locals or buffers (`&mut y`, `&mut buf`, `&mut buf[a..b]`)");
                Some(None)
            }
        }
    }
}

impl Lowerer<'_> {
    /// Whether `c` calls a function of the body's own (a helper of the module copied in) that
    /// clears or refills a `Vec` it is lent, with a differentiated argument: no twin follows
    /// such a call (its outputs keep their lengths), only inlining, which did not take here.
    /// The error is pushed.
    fn refills_lent_vec(&self, c: &syn::ExprCall, fp: &syn::ExprPath) -> bool {
        let Some(name) = fp.path.get_ident() else {
            return false;
        };
        let refills = self.b.func.items.iter().any(|item| {
            matches!(item, syn::Item::Fn(f) if f.sig.ident == *name && crate::in_out::resizes_lent_vec(f))
        });
        if refills {
            self.errors.push_spanned(c, format!("`{name}` {} (`clear`, then `push`), which `#[gradient]` follows by inlining the call: as a statement or a `let` of the block that declares the vector, or of the body of a `for`, a `loop` or a `while` whose condition does not read the vector, or of an `if`'s branch, there; it cannot inline it here: call it in one of those places, or lend it a buffer of a fixed length (`&mut [f64]`, `vec![0.0; n]`) that it writes by index", super::REFILL_REFUSED));
        }
        refills
    }
}

fn out_twin(path: &syn::Path) -> (syn::Path, syn::Path) {
    (
        renamed(path, |base| format!("{base}__out")),
        renamed(path, |base| format!("{base}__out__dot_grad")),
    )
}

fn renamed(path: &syn::Path, f: impl FnOnce(&str) -> String) -> syn::Path {
    let mut path = path.clone();
    let last = path.segments.last_mut().expect("a path has a segment");
    let base = syn::ext::IdentExt::unraw(&last.ident).to_string();
    last.ident = Ident::new(&f(&base), last.ident.span());
    path
}

/// `(&self.layer).f__model(flat, ..)`, a `#[gradient]` method of a model's field as
/// `fields::find` writes it, as the call `METHOD_MARKER::f__model(&self.layer, flat, ..)`
/// that lowering follows like any call of a `#[gradient]` function (see `emit::method_of`).
pub fn field_method_call(m: &syn::ExprMethodCall) -> Option<syn::ExprCall> {
    let syn::Expr::Paren(p) = &*m.receiver else {
        return None;
    };
    if !matches!(&*p.expr, Expr::Reference(r) if r.mutability.is_none())
        || !m.method.to_string().ends_with("__model")
    {
        return None;
    }
    let marker = crate::naming::hidden("method");
    let method = &m.method;
    let recv = &p.expr;
    let args = &m.args;
    Some(syn::parse_quote_spanned!(m.span()=> #marker::#method(#recv, #args)))
}

/// Methods of the standard library's slices, `Vec`s, iterators, integers and floats that take
/// arguments: never a user's `#[gradient]` method (see [`data_method_call`]).
const STD_METHODS: &[&str] = &[
    "get",
    "get_mut",
    "zip",
    "chain",
    "map",
    "filter",
    "filter_map",
    "fold",
    "for_each",
    "windows",
    "chunks",
    "chunks_exact",
    "rchunks",
    "step_by",
    "skip",
    "take",
    "skip_while",
    "take_while",
    "contains",
    "starts_with",
    "ends_with",
    "split_at",
    "split",
    "iter",
    "into_iter",
    "nth",
    "cmp",
    "partial_cmp",
    "total_cmp",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "min_by",
    "max_by",
    "min_by_key",
    "max_by_key",
    "position",
    "rposition",
    "find",
    "any",
    "all",
    "reduce",
    "scan",
    "abs_diff",
    "pow",
    "checked_add",
    "checked_sub",
    "checked_mul",
    "checked_div",
    "saturating_sub",
    "saturating_add",
    "wrapping_add",
    "wrapping_sub",
    "wrapping_mul",
    "div_euclid",
    "repeat",
    "concat",
    "join",
    "extend",
    "extend_from_slice",
    "push",
    "insert",
    "remove",
    "swap",
    "resize",
    "truncate",
    "fill",
    "copy_from_slice",
    "clone_from_slice",
    "sort_by",
    "sort_unstable_by",
    "binary_search",
    "binary_search_by",
    "partition_point",
    "eq",
    "unwrap_or",
    "unwrap_or_else",
    "map_or",
    "expect",
    "and_then",
    "or",
    "ok_or",
    "collect",
    "sum",
    "product",
    "count",
    "rev",
    "enumerate",
    "copied",
    "cloned",
    "last",
    "first",
];

/// `layer.forward(x)`, `net.layers[l].score(&h)`, `term.eval(w)`: a method the user wrote on a
/// value of a type of theirs held in a data parameter (or reached from one: a field, an element,
/// a loop's element), as the call `METHOD_MARKER::forward(layer, x)` that lowering follows like
/// any call of a `#[gradient]` function (see `emit::method_of`); `None` for a method of the
/// standard library, of a float, or a call on anything but a place.
pub fn data_method_call(m: &syn::ExprMethodCall) -> Option<syn::ExprCall> {
    fn place(e: &Expr) -> bool {
        match e {
            Expr::Path(p) => p.qself.is_none() && p.path.get_ident().is_some(),
            Expr::Field(f) => place(&f.base),
            Expr::Index(i) => place(&i.expr),
            Expr::Paren(p) => place(&p.expr),
            Expr::Reference(r) => r.mutability.is_none() && place(&r.expr),
            Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)) && place(&u.expr),
            _ => false,
        }
    }
    let name = m.method.to_string();
    if m.args.is_empty()
        || m.turbofish.is_some()
        || !place(&m.receiver)
        || name.contains("__")
        || STD_METHODS.contains(&name.as_str())
        || NON_FLOAT_METHODS.contains(&name.as_str())
        || Prim::from_method(&name).is_some()
    {
        return None;
    }
    let marker = crate::naming::hidden("method");
    let (method, recv, args) = (&m.method, &m.receiver, &m.args);
    // (The place as written: called as a method again, `(d).f_grad(..)` borrows it as the
    // method takes it, `&self`, `&mut self` or `self`.)
    Some(syn::parse_quote_spanned!(m.span()=> #marker::#method(#recv, #args)))
}

impl Lowerer<'_> {
    /// `&C` (`&C[..]`) of a module's constant `const C: [T; N]` (or `&[T]`) of this function's
    /// float type: a constant sequence, whose type the constant's item says.
    fn own_float_const(&self, e: &Expr) -> bool {
        let Expr::Reference(r) = e else { return false };
        let named = match &*r.expr {
            Expr::Index(ix) if matches!(&*ix.index, Expr::Range(rg) if rg.start.is_none() && rg.end.is_none()) => {
                &*ix.expr
            }
            x => x,
        };
        let Expr::Path(p) = named else { return false };
        let (Some(id), Some(caller)) = (p.path.get_ident(), crate::plain_helpers::current_caller())
        else {
            return false;
        };
        if self.env.lookup(id).is_some() {
            return false;
        }
        let Some(ty) = crate::prescan::const_type(&caller, &id.to_string()) else {
            return false;
        };
        let ty = match &ty {
            syn::Type::Reference(r) => &*r.elem,
            t => t,
        };
        let elem = match ty {
            syn::Type::Array(a) => &*a.elem,
            syn::Type::Slice(s) => &*s.elem,
            _ => return false,
        };
        crate::sig::float_of(elem) == Some(self.b.func.float_ty)
    }
}

/// `<T as NumCast>::from`, `num_traits::cast::<_, T>`, `T::from_f64`: a conversion into a float
/// type (whose `unwrap` is a float).
fn conversion_path(f: &Expr) -> bool {
    let Expr::Path(p) = f else { return false };
    p.path.segments.last().is_some_and(|s| {
        let name = s.ident.to_string();
        name == "cast" || (p.qself.is_some() && (name == "from" || name.starts_with("from_")))
    })
}
