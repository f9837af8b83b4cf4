//! Calls whose result is used as a sequence: candidates for vector-valued `#[gradient]` calls.
//!
//! Lowering cannot see another function's return type. A `let h = f(args);` whose `h` the rest
//! of the block indexes (`h[j]`), iterates (`h.iter()`, `for v in &h`) or measures (`h.len()`),
//! or whose type says so (`Vec<f64>`, `[f64; N]`), holds a vector: the `let` is marked, and
//! lowering makes `h` a buffer filled by `f` when an argument is differentiated (and carries the
//! call along as data otherwise).

/// The marker attribute's name.
pub fn marker() -> syn::Ident {
    crate::naming::hidden("vector_call")
}

/// The call of a `let` that [`mark`] marked (its arguments desugared like any others), and the
/// arity of the tuple it returns when its result is read as one (`t.0`).
///
/// The call as written is borrowed, not copied: lowering finds the `let`s of its arguments'
/// blocks (a helper inlined there) by where they are (see `lower::data_locals`).
pub fn vector_call(l: &syn::Local) -> Option<(std::borrow::Cow<'_, syn::ExprCall>, Option<usize>)> {
    let attr = l.attrs.iter().find(|a| a.path().is_ident(&marker()))?;
    let arity = attr
        .parse_args::<syn::LitInt>()
        .ok()
        .and_then(|n| n.base10_parse().ok());
    match &*l.init.as_ref()?.expr {
        syn::Expr::Call(c) => Some((std::borrow::Cow::Borrowed(c), arity)),
        // A `#[gradient]` method of a model's field (`fields::find`).
        syn::Expr::MethodCall(m) => Some((
            std::borrow::Cow::Owned(
                crate::lower::field_method_call(m).or_else(|| crate::lower::data_method_call(m))?,
            ),
            arity,
        )),
        _ => None,
    }
}

/// Input: `let h = f(args);` then `rest`. Output: the same `let` with the call marked, when
/// `h` is used as a sequence in `rest` or typed as a vector; `None` otherwise.
pub fn mark(l: &syn::Local, rest: &[syn::Stmt]) -> Option<Vec<syn::Stmt>> {
    let (pat, ty) = super::pat_and_type(l);
    let syn::Pat::Ident(pi) = pat else {
        return None;
    };
    let init = l.init.as_ref()?;
    if init.diverge.is_some() || vector_call(l).is_some() {
        return None;
    }
    if !plain_fn_call(&init.expr) {
        return None;
    }
    let m = marker();
    let mut l = l.clone();
    // The statements that read this `h`: up to (and with the value of) a `let` binding the
    // name again.
    let end = rest
        .iter()
        .position(|s| {
            matches!(s, syn::Stmt::Local(l) if {
                let mut names = Vec::new();
                crate::lower::collect_idents(&l.pat, &mut names);
                names.contains(&pi.ident)
            })
        })
        .map_or(rest.len(), |k| k + 1);
    let rest = &rest[..end];
    // A tuple of floats (`let (a, b) = f(x);` is `let t = f(x); let a = t.0; ..` by now).
    let fields = rest
        .iter()
        .filter_map(|s| tuple_fields_read(s, &pi.ident))
        .max();
    let typed_tuple = ty.and_then(crate::vector::tuple_elem).map(|(_, n)| n);
    if let Some(n) = typed_tuple.or(fields) {
        let n = syn::LitInt::new(&n.to_string(), proc_macro2::Span::call_site());
        l.attrs.push(syn::parse_quote!(#[#m(#n)]));
        return Some(vec![syn::Stmt::Local(l)]);
    }
    let typed = ty.is_some_and(|t| crate::vector::vector_elem(t).is_some());
    if !typed
        && !rest.iter().any(|s| used_as_sequence(s, &pi.ident))
        && !known_vector_callee(&init.expr)
    {
        return None;
    }
    l.attrs.push(syn::parse_quote!(#[#m]));
    Some(vec![syn::Stmt::Local(l)])
}

/// How many parts of `name` `s` reads as a tuple (`name.0`, `name.2`: 3), if any.
fn tuple_fields_read(s: &syn::Stmt, name: &syn::Ident) -> Option<usize> {
    struct Find<'a> {
        name: &'a syn::Ident,
        most: Option<usize>,
    }
    impl<'a> syn::visit::Visit<'a> for Find<'_> {
        fn visit_expr_field(&mut self, f: &'a syn::ExprField) {
            if let (syn::Expr::Path(p), syn::Member::Unnamed(k)) = (&*f.base, &f.member) {
                if p.path.is_ident(self.name) {
                    let n = k.index as usize + 1;
                    self.most = Some(self.most.map_or(n, |m| m.max(n)));
                }
            }
            syn::visit::visit_expr_field(self, f);
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            for e in super::vec_parts_read(m) {
                let mut inner = Find {
                    name: self.name,
                    most: self.most,
                };
                syn::visit::Visit::visit_expr(&mut inner, &e);
                self.most = inner.most;
            }
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find { name, most: None };
    syn::visit::Visit::visit_stmt(&mut f, s);
    f.most
}

/// Whether `s` indexes `name`, iterates it, asks its length or passes it on by reference.
fn used_as_sequence(s: &syn::Stmt, name: &syn::Ident) -> bool {
    sequence_use(s, name, true)
}

/// Whether `s` indexes `name`, iterates it or asks its length (a reference passed to a call
/// may be to a number: `f(&x)` of a `&f64` parameter).
pub fn read_as_sequence(s: &syn::Stmt, name: &syn::Ident) -> bool {
    sequence_use(s, name, false)
}

fn sequence_use(s: &syn::Stmt, name: &syn::Ident, passed_on: bool) -> bool {
    struct Find<'a> {
        name: &'a syn::Ident,
        passed_on: bool,
        found: bool,
    }
    impl<'a> syn::visit::Visit<'a> for Find<'_> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            let is_name =
                |e: &syn::Expr| matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.name));
            match e {
                syn::Expr::Index(i) if is_name(&i.expr) => self.found = true,
                syn::Expr::MethodCall(m)
                    if is_name(&m.receiver)
                        && [
                            "iter",
                            "len",
                            "into_iter",
                            "windows",
                            "chunks",
                            "first",
                            "last",
                        ]
                        .iter()
                        .any(|n| m.method == n) =>
                {
                    self.found = true;
                }
                syn::Expr::ForLoop(f) if is_name(&f.expr) || matches!(&*f.expr, syn::Expr::Reference(r) if is_name(&r.expr)) => {
                    self.found = true;
                }
                // `g(&h)`: a layer's output passed on to the next layer (a scalar result is
                // seldom passed by reference).
                syn::Expr::Call(c)
                    if self.passed_on && c.args.iter().any(|a| matches!(a, syn::Expr::Reference(r) if r.mutability.is_none() && is_name(&r.expr))) =>
                {
                    self.found = true;
                }
                // `buf.copy_from_slice(&h)`, `a.iter().zip(&h)`: a sequence's methods that
                // take another.
                syn::Expr::MethodCall(m)
                    if ["copy_from_slice", "clone_from_slice", "extend_from_slice", "zip"]
                        .iter()
                        .any(|n| m.method == n)
                        && m.args.iter().any(|a| {
                            is_name(a)
                                || matches!(a, syn::Expr::Reference(r) if r.mutability.is_none() && is_name(&r.expr))
                        }) =>
                {
                    self.found = true;
                }
                // `self.layer.forward(&h)`, as `fields` writes it.
                syn::Expr::MethodCall(m)
                    if self.passed_on
                        && crate::lower::field_method_call(m).is_some()
                        && m.args.iter().any(|a| matches!(a, syn::Expr::Reference(r) if r.mutability.is_none() && is_name(&r.expr))) =>
                {
                    self.found = true;
                }
                _ => {}
            }
            syn::visit::visit_expr(self, e);
        }
        // `h = vec![o[0] * g, o[1]];`: the elements read it as any expression does.
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            for e in super::vec_parts_read(m) {
                let mut inner = Find {
                    name: self.name,
                    passed_on: self.passed_on,
                    found: false,
                };
                syn::visit::Visit::visit_expr(&mut inner, &e);
                self.found |= inner.found;
            }
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find {
        name,
        passed_on,
        found: false,
    };
    syn::visit::Visit::visit_stmt(&mut f, s);
    f.found
}

/// Input: a statement that uses the result of a call as a sequence without naming it —
/// `g(&f(x))`, `f(x).iter()..`, `f(x).len()`, `f(x)[i]`, or as a tuple, `f(x).0` — or passes
/// an array it lists (`g(&[x, y])`, `g(&vec![x, y])`), evaluated once by the statement (not in
/// a closure, a branch, a loop body or a `while` condition). Output: `let N = f(x);`, to run
/// before the statement, which now reads `N` in the call's place ([`mark`] then takes the
/// `let`); `None`, the statement untouched, when there is no such call.
pub fn hoist_nested(s: &mut syn::Stmt) -> Option<syn::Stmt> {
    let expr = match s {
        syn::Stmt::Local(l) => &mut l.init.as_mut()?.expr,
        syn::Stmt::Expr(e, _) => e,
        _ => return None,
    };
    let name = crate::naming::fresh("nest");
    let call = take_nested(expr, &name)?;
    Some(syn::parse_quote!(let #name = #call;))
}

/// A call of a function by a lowercase path (not a type's constructor or conversion).
pub(super) fn plain_fn_call(e: &syn::Expr) -> bool {
    if let syn::Expr::MethodCall(m) = e {
        return crate::lower::field_method_call(m).is_some()
            || crate::lower::data_method_call(m).is_some();
    }
    let syn::Expr::Call(c) = e else { return false };
    let syn::Expr::Path(p) = &*c.func else {
        return false;
    };
    let segs = &p.path.segments;
    let Some(last) = segs.last() else {
        return false;
    };
    p.qself.is_none()
        && last
            .ident
            .to_string()
            .starts_with(|c: char| c.is_ascii_lowercase())
        && (segs.len() == 1
            || segs[segs.len() - 2].ident == "Self"
            // `Layer::forward(layer, x)`: a method of a data parameter of the user's type
            // (`normal::methods_of_data_params`).
            || segs.len() == 2 && user_type(&segs[0].ident)
            // `Mlp::forward__model(m, ..)`: a model's method (`fields::find`).
            || last.ident.to_string().ends_with("__model")
            // `losses::softmax(z)`, `crate::nn::dense(..)`: a function of another module.
            || segs.iter().take(segs.len() - 1).all(|s| module_name(&s.ident)))
}

/// A module's name in a path (`losses`, `crate`, `super`), not std's nor a float type's.
fn module_name(m: &syn::Ident) -> bool {
    let name = m.to_string();
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && !["std", "core", "alloc", "f64", "f32", "num_traits", "libm"].contains(&name.as_str())
        && crate::sig::generic_float().is_none_or(|g| g.name() != name)
}

/// Whether `t` names a type of the user's: capitalized, not a standard one nor the function's
/// generic float.
fn user_type(t: &syn::Ident) -> bool {
    let name = t.to_string();
    name.starts_with(char::is_uppercase)
        && !crate::lower::STD_TYPES.contains(&name.as_str())
        && crate::sig::generic_float().is_none_or(|g| g.name() != name)
}

/// Replaces the first call used as a sequence in `e` by `name`, returning the call.
fn take_nested(e: &mut syn::Expr, name: &syn::Ident) -> Option<syn::Expr> {
    first_evaluated_once(e, &mut |e| nested_here(e, name))
}

/// At `e` itself (not below it): a call whose result `e` uses as a sequence, replaced by `name`.
fn nested_here(e: &mut syn::Expr, name: &syn::Ident) -> Option<syn::Expr> {
    let with_name: syn::Expr = syn::parse_quote!(#name);
    match e {
        syn::Expr::Call(c) => {
            let plain = plain_fn_call(&syn::Expr::Call(c.clone()));
            for a in c.args.iter_mut() {
                // `dot(sub(a, b), c)`: a vector passed on by value.
                if plain_fn_call(a) && known_vector_callee(a) {
                    return Some(std::mem::replace(a, with_name));
                }
                if let syn::Expr::Reference(r) = a {
                    if r.mutability.is_none() && plain_fn_call(&r.expr) {
                        return Some(std::mem::replace(&mut *r.expr, with_name));
                    }
                    // `f(&[x, 2.0 * y])`, `f(&vec![x, y])`: the array is a local buffer.
                    let listed = match &*r.expr {
                        syn::Expr::Array(arr) => !arr.elems.is_empty(),
                        syn::Expr::Macro(m) => m.mac.path.is_ident("vec"),
                        _ => false,
                    };
                    if plain && r.mutability.is_none() && listed {
                        return Some(std::mem::replace(&mut *r.expr, with_name));
                    }
                }
            }
            None
        }
        syn::Expr::MethodCall(m) => {
            let seq_method = ["iter", "len", "into_iter", "windows", "chunks"]
                .iter()
                .any(|n| m.method == n);
            if seq_method && plain_fn_call(&m.receiver) {
                return Some(std::mem::replace(&mut *m.receiver, with_name));
            }
            // `self.l2.forward(&self.l1.forward(x))`: a layer's output passed to a method.
            if plain_fn_call(&syn::Expr::MethodCall(m.clone())) {
                for a in m.args.iter_mut() {
                    if let syn::Expr::Reference(r) = a {
                        if r.mutability.is_none() && plain_fn_call(&r.expr) {
                            return Some(std::mem::replace(&mut *r.expr, with_name));
                        }
                    }
                }
            }
            None
        }
        syn::Expr::Index(i) if plain_fn_call(&i.expr) => {
            Some(std::mem::replace(&mut *i.expr, with_name))
        }
        // `f(x).0`: a part of a tuple-valued call.
        syn::Expr::Field(f)
            if matches!(f.member, syn::Member::Unnamed(_)) && plain_fn_call(&f.base) =>
        {
            Some(std::mem::replace(&mut *f.base, with_name))
        }
        _ => None,
    }
}

/// The first value `here` gives at a position of `e` that the statement holding `e` evaluates
/// once, whenever it runs (not in a closure, a branch, a loop body, `&&`/`||`'s right side or a
/// `while` condition), outer positions before inner ones and left before right: where a part of
/// the statement can be computed in a `let` just before it.
pub(super) fn first_evaluated_once(
    e: &mut syn::Expr,
    here: &mut dyn FnMut(&mut syn::Expr) -> Option<syn::Expr>,
) -> Option<syn::Expr> {
    if let Some(found) = here(e) {
        return Some(found);
    }
    let mut first = |parts: Vec<&mut syn::Expr>| {
        parts
            .into_iter()
            .find_map(|x| first_evaluated_once(x, here))
    };
    match e {
        syn::Expr::Call(c) => first(c.args.iter_mut().collect()),
        syn::Expr::MethodCall(m) => first(
            std::iter::once(&mut *m.receiver)
                .chain(m.args.iter_mut())
                .collect(),
        ),
        syn::Expr::Index(i) => first(vec![&mut *i.expr, &mut *i.index]),
        syn::Expr::Field(f) => first(vec![&mut *f.base]),
        syn::Expr::Binary(b) if !matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) => {
            first(vec![&mut *b.left, &mut *b.right])
        }
        syn::Expr::Unary(u) => first(vec![&mut *u.expr]),
        syn::Expr::Paren(p) => first(vec![&mut *p.expr]),
        syn::Expr::Reference(r) => first(vec![&mut *r.expr]),
        syn::Expr::Cast(c) => first(vec![&mut *c.expr]),
        syn::Expr::Assign(a) => first(vec![&mut *a.right]),
        syn::Expr::ForLoop(f) => first(vec![&mut *f.expr]),
        syn::Expr::If(i) => first(vec![&mut *i.cond]),
        syn::Expr::Tuple(t) => first(t.elems.iter_mut().collect()),
        // `return f(x).iter().sum();`: the value, computed just before.
        syn::Expr::Return(r) => first(r.expr.iter_mut().map(|b| &mut **b).collect()),
        _ => None,
    }
}

thread_local! {
    /// The functions whose result the body reads as a sequence somewhere (see [`find_known`]).
    static KNOWN: std::cell::RefCell<std::collections::HashSet<String>> =
        std::cell::RefCell::new(std::collections::HashSet::new());
}

/// The callee of a plain call, as written.
fn callee_key(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Call(c) => Some(quote::ToTokens::to_token_stream(&c.func).to_string()),
        _ => None,
    }
}

fn known_vector_callee(e: &syn::Expr) -> bool {
    let seen = match e {
        syn::Expr::Call(c) => registered_name(&c.func)
            .is_some_and(|k| SEEN.with(|s| s.borrow().get(&k.to_string()) == Some(&true))),
        _ => false,
    };
    seen || callee_key(e).is_some_and(|k| KNOWN.with(|s| s.borrow().contains(&k)))
}

/// The name a callee is registered under: a plain name, or the last of a path through modules
/// (`layers::dense`, `crate::nn::dense`; the registries keep names only, and two functions of
/// one name are no evidence).
pub fn registered_name(callee: &syn::Expr) -> Option<&syn::Ident> {
    let syn::Expr::Path(p) = callee else {
        return None;
    };
    let segs = &p.path.segments;
    let last = segs.last()?;
    let through_modules = segs
        .iter()
        .take(segs.len() - 1)
        .all(|s| module_name(&s.ident));
    (p.qself.is_none() && last.arguments.is_none() && through_modules).then_some(&last.ident)
}

thread_local! {
    /// The free `#[gradient]` functions expanded so far in this crate, and whether each returns
    /// a vector (`[T; N]`, `Vec<T>`). A function defined before its callers (as helpers usually
    /// are) tells them what its result is where their own code does not (`let d = sub(a, b);
    /// dot(d, d)`, `d` passed on by value only). Only evidence for a vector: a function unknown
    /// here is read as before, and a wrong guess (another function of the same name) is a
    /// compile error of the call's checks, never a wrong derivative.
    static SEEN: std::cell::RefCell<std::collections::HashMap<String, bool>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Whether a `#[gradient]` function called `name` has been registered (see `SEEN`).
pub fn is_registered(name: &str) -> bool {
    SEEN.with(|s| s.borrow().contains_key(name))
}

thread_local! {
    /// The free `#[gradient]` functions registered so far (see `SEEN`) and, for each parameter,
    /// the array it takes (`p: [f64; 3]`, `l: &[f64; 3]`); `None` for a name two functions of
    /// different parameters share (no evidence).
    static ARRAYS: std::cell::RefCell<std::collections::HashMap<String, Option<Vec<Option<ArrayParam>>>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The length of a by-value array type `[T; N]` with `N` an integer literal.
pub fn array_len(ty: &syn::Type) -> Option<usize> {
    let syn::Type::Array(a) = ty else { return None };
    match &a.len {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        }) => n.base10_parse().ok(),
        _ => None,
    }
}

/// A parameter `[T; N]` (or `&[T; N]`, `by_ref`) with `N` an integer literal.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ArrayParam {
    pub len: usize,
    pub by_ref: bool,
}

impl ArrayParam {
    fn of(ty: &syn::Type) -> Option<Self> {
        match ty {
            syn::Type::Reference(r) if r.mutability.is_none() => {
                array_len(&r.elem).map(|len| ArrayParam { len, by_ref: true })
            }
            ty => array_len(ty).map(|len| ArrayParam { len, by_ref: false }),
        }
    }
}

thread_local! {
    /// The registered `#[gradient]` functions' parameters that hold floats of the other
    /// concrete type than the function's (`d: &[f32]` in a function of `f64`: data `wrt(..)`
    /// leaves out), one flag per parameter.
    static OTHER_FLOATS: std::cell::RefCell<std::collections::HashMap<String, Vec<bool>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

thread_local! {
    /// The registered vector-valued `#[gradient]` functions' element types (`f64` of
    /// `Vec<f64>`); `None` for a name two functions of different element types share.
    static ELEMS: std::cell::RefCell<std::collections::HashMap<String, Option<crate::ir::FloatTy>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Whether the registered vector-valued `#[gradient]` function `name` returns floats of type
/// `own` (or of its own type parameter, which the caller's floats make `own`).
pub fn returns_floats_of(name: &syn::Ident, own: crate::ir::FloatTy) -> bool {
    ELEMS.with(|e| {
        e.borrow().get(&name.to_string()).is_some_and(
            |f| matches!(f, Some(f) if *f == own || matches!(f, crate::ir::FloatTy::Generic(_))),
        )
    })
}

/// Whether parameter `k` of the registered `#[gradient]` function `name` holds floats of the
/// other concrete type than the function's (see `OTHER_FLOATS`).
pub fn takes_other_float(name: &syn::Ident, k: usize) -> bool {
    OTHER_FLOATS.with(|o| {
        o.borrow()
            .get(&name.to_string())
            .is_some_and(|flags| flags.get(k).copied().unwrap_or(false))
    })
}

/// The arrays the registered `#[gradient]` function `name` takes, one entry per parameter (see
/// `ARRAYS`).
pub fn array_params(name: &syn::Ident) -> Option<Vec<Option<ArrayParam>>> {
    ARRAYS.with(|a| a.borrow().get(&name.to_string()).cloned().flatten())
}

/// Notes whether the `#[gradient]` function of `sig` returns a vector (see `SEEN`), and the
/// arrays it takes by value (see `ARRAYS`).
pub fn register(sig: &syn::Signature) {
    if sig.receiver().is_none() {
        let lens: Vec<Option<ArrayParam>> = sig
            .inputs
            .iter()
            .map(|i| match i {
                syn::FnArg::Typed(pt) => ArrayParam::of(&pt.ty),
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        ARRAYS.with(|a| {
            let mut a = a.borrow_mut();
            let entry = a.entry(sig.ident.to_string()).or_insert(Some(lens.clone()));
            if entry.as_ref() != Some(&lens) {
                *entry = None;
            }
        });
    }
    if let syn::ReturnType::Type(_, t) = &sig.output {
        let own = crate::sig::float_of(t);
        let concrete =
            |f: crate::ir::FloatTy| matches!(f, crate::ir::FloatTy::F64 | crate::ir::FloatTy::F32);
        let flags: Vec<bool> = sig
            .inputs
            .iter()
            .map(|i| match i {
                syn::FnArg::Typed(pt) => {
                    let ty = match &*pt.ty {
                        syn::Type::Reference(r) => &*r.elem,
                        t => t,
                    };
                    let f = crate::sig::float_of(ty)
                        .or_else(|| crate::sig::seq_of(&pt.ty).map(|(f, _)| f))
                        .or_else(|| crate::rows::row_floats(&pt.ty).map(|(f, _)| f));
                    matches!((f, own), (Some(f), Some(o)) if f != o && concrete(f) && concrete(o))
                }
                syn::FnArg::Receiver(_) => false,
            })
            .collect();
        OTHER_FLOATS.with(|o| {
            o.borrow_mut().insert(sig.ident.to_string(), flags);
        });
    }
    let elem = match &sig.output {
        syn::ReturnType::Type(_, t) => crate::vector::vector_elem(t),
        syn::ReturnType::Default => None,
    };
    let vector = elem.is_some();
    let key = sig.ident.to_string();
    if let Some(f) = elem.as_ref().and_then(crate::sig::float_of) {
        ELEMS.with(|e| {
            let mut e = e.borrow_mut();
            let entry = e.entry(key.clone()).or_insert(Some(f));
            if *entry != Some(f) {
                *entry = None;
            }
        });
    }
    SEEN.with(|s| {
        let mut s = s.borrow_mut();
        // Two functions of one name in different modules: no evidence either way.
        let entry = s.entry(key).or_insert(vector);
        *entry &= vector;
    });
}

/// Notes the functions whose result some `let` of the body reads as a sequence (`let b =
/// scale(a, x); b[0]`): any other call of them gives a vector too, also where its result is only
/// passed on by value (`let a = scale(v, 2.0); let b = scale(a, x);`).
pub fn find_known(body: &syn::Block) {
    struct Find(std::collections::HashSet<String>);
    impl<'a> syn::visit::Visit<'a> for Find {
        fn visit_block(&mut self, b: &'a syn::Block) {
            for (k, s) in b.stmts.iter().enumerate() {
                let syn::Stmt::Local(l) = s else { continue };
                let (pat, ty) = super::pat_and_type(l);
                let (syn::Pat::Ident(pi), Some(init)) = (pat, &l.init) else {
                    continue;
                };
                if !plain_fn_call(&init.expr) {
                    continue;
                }
                let typed = ty.is_some_and(|t| crate::vector::vector_elem(t).is_some());
                if typed
                    || b.stmts[k + 1..]
                        .iter()
                        .any(|s| read_as_sequence(s, &pi.ident))
                {
                    if let Some(key) = callee_key(&init.expr) {
                        self.0.insert(key);
                    }
                }
            }
            syn::visit::visit_block(self, b);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find(std::collections::HashSet::new());
    syn::visit::Visit::visit_block(&mut f, body);
    KNOWN.with(|s| *s.borrow_mut() = f.0);
}
