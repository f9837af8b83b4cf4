//! Data made in the body and changed by its methods: `let mut rng = Lcg::new(7);` at the top of
//! the body, then `rng.next_f64()` wherever a draw is wanted.
//!
//! Such a local is data lent mutably, as a `rng: &mut Lcg` parameter is (see `Func::mut_data`):
//! each expression that calls one of its methods or lends it on (`&mut rng`) runs once, in order,
//! in the forward sweep. It is declared once, verbatim, at the top of every generated function
//! (beside the body's items), which is where the user's `let` runs when its value reads only
//! parameters and constants. Kept as a value instead, it would be immutable in the expansion, and
//! a copy per change would need `Clone` and merge equal draws.

use quote::ToTokens;
use std::collections::HashSet;
use syn::visit::Visit;

/// The `let mut NAME = INIT;` statements of the body (at its top level, or in blocks that run
/// once with it) that declare data changed in place:
/// each named once in the body, no parameter's name, its value reading no local and no
/// differentiated parameter, its type (where written) not a float or a collection, and a later
/// statement calling one of its methods or lending it (`&mut NAME`). As the addresses of the
/// `syn::Local`s, which lowering reads in place.
///
/// Also returns the `let`s of that form it cannot take because their values read locals (`let
/// mut g = Lcg::seeded(seed);` in a helper inlined with `seed` an argument) and that a method
/// changes: bound as values, those methods would change an immutable binding.
pub fn find(item: &syn::ItemFn, sig: &crate::sig::Sig) -> (HashSet<usize>, HashSet<usize>) {
    let (mut out, mut refused) = (HashSet::new(), HashSet::new());
    find_in(&item.block, item, sig, &mut out, &mut refused);
    (out, refused)
}

/// `find` in `block`, a block that runs once whenever the function runs (the body, a block
/// statement, the block of a `let`'s value, at any depth of these).
fn find_in(
    block: &syn::Block,
    item: &syn::ItemFn,
    sig: &crate::sig::Sig,
    out: &mut HashSet<usize>,
    refused: &mut HashSet<usize>,
) {
    for (k, s) in block.stmts.iter().enumerate() {
        let inner = match s {
            syn::Stmt::Local(l) => l.init.as_ref().map(|i| &*i.expr),
            syn::Stmt::Expr(e, _) => Some(e),
            _ => None,
        };
        // (Blocks inside the value too, where it runs once: a helper inlined into `f(x) * 2.0`.)
        if let Some(e) = inner {
            for b in once_blocks(e) {
                find_in(b, item, sig, out, refused);
            }
        }
        let syn::Stmt::Local(l) = s else { continue };
        let (name, taken) = match changed_data(l, item, sig) {
            Made::Taken(name) => (name, true),
            Made::ReadsLocals(name) => (name, false),
            Made::Not => continue,
        };
        let mut uses = Uses {
            name,
            changed: false,
            assigned: false,
            numeric: false,
            method: false,
        };
        for s in &block.stmts[k + 1..] {
            syn::visit::Visit::visit_stmt(&mut uses, s);
        }
        if uses.changed && !uses.assigned && !uses.numeric {
            let at = std::ptr::from_ref(l) as usize;
            if taken {
                out.insert(at);
            } else if uses.method {
                refused.insert(at);
            }
        }
    }
}

/// The unlabeled blocks of `e` that run once whenever `e` does: `e` itself, and those in its
/// operands, arguments, receivers, fields, casts and parentheses (not in branches, loops, closures
/// or the right side of `&&` and `||`).
fn once_blocks(e: &syn::Expr) -> Vec<&syn::Block> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match e {
            syn::Expr::Block(b) if b.label.is_none() => out.push(&b.block),
            syn::Expr::Paren(p) => stack.push(&p.expr),
            syn::Expr::Group(g) => stack.push(&g.expr),
            syn::Expr::Unary(u) => stack.push(&u.expr),
            syn::Expr::Cast(c) => stack.push(&c.expr),
            syn::Expr::Field(f) => stack.push(&f.base),
            syn::Expr::Reference(r) => stack.push(&r.expr),
            syn::Expr::Binary(b) => {
                stack.push(&b.left);
                if !matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) {
                    stack.push(&b.right);
                }
            }
            syn::Expr::Call(c) => stack.extend(c.args.iter()),
            syn::Expr::MethodCall(m) => {
                stack.push(&m.receiver);
                stack.extend(m.args.iter());
            }
            _ => {}
        }
    }
    out
}

/// Whether `path` names a function of the body or a plain function of the module that returns
/// a float (`let mut a = helper(x);` then `mem::swap(&mut a, &mut b)`: a number, not data).
fn returns_float(path: &syn::Path, item: &syn::ItemFn) -> bool {
    let Some(last) = path.segments.last() else {
        return false;
    };
    let float_ret = |sig: &syn::Signature| match &sig.output {
        syn::ReturnType::Type(_, t) => {
            crate::sig::float_of(t).is_some()
                || matches!(&**t, syn::Type::Path(p) if sig.generics.type_params().any(|g| p.path.is_ident(&g.ident)))
        }
        syn::ReturnType::Default => false,
    };
    struct Fns<'a>(&'a syn::Ident, Option<syn::Signature>);
    impl<'a> Visit<'a> for Fns<'_> {
        fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
            if f.sig.ident == *self.0 {
                self.1 = Some(f.sig.clone());
            }
            syn::visit::visit_item_fn(self, f);
        }
    }
    let mut fns = Fns(&last.ident, None);
    fns.visit_block(&item.block);
    if let Some(sig) = fns.1 {
        return float_ret(&sig);
    }
    let caller = item.sig.ident.to_string();
    crate::prescan::annotated_float(&caller, &last.ident.to_string())
        || crate::prescan::plain_functions(&caller)
            .iter()
            .find(|(n, _)| last.ident == n.as_str())
            .and_then(|(_, src)| syn::parse_str::<syn::ItemFn>(src).ok())
            .is_some_and(|f| float_ret(&f.sig))
}

/// What `changed_data` makes of a `let`.
enum Made<'a> {
    /// The form `find` takes, declaring this name.
    Taken(&'a syn::Ident),
    /// That form but for a value that reads locals (or differentiated parameters).
    ReadsLocals(&'a syn::Ident),
    Not,
}

/// The name `l` declares, if it has the form `find` takes.
fn changed_data<'a>(l: &'a syn::Local, item: &syn::ItemFn, sig: &crate::sig::Sig) -> Made<'a> {
    match made_data(l, item, sig) {
        Some((name, false)) => Made::Taken(name),
        Some((name, true)) => Made::ReadsLocals(name),
        None => Made::Not,
    }
}

/// The name `l` declares and whether its value reads locals, if it has the form `find` takes
/// otherwise.
fn made_data<'a>(
    l: &'a syn::Local,
    item: &syn::ItemFn,
    sig: &crate::sig::Sig,
) -> Option<(&'a syn::Ident, bool)> {
    let body = &item.block;
    let (pat, ty) = match &l.pat {
        syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
        p => (p, None),
    };
    let syn::Pat::Ident(pi) = pat else {
        return None;
    };
    let init = l.init.as_ref()?;
    if pi.mutability.is_none()
        || pi.by_ref.is_some()
        || pi.subpat.is_some()
        || init.diverge.is_some()
        || !l.attrs.is_empty()
    {
        return None;
    }
    if let Some(ty) = ty {
        let known = crate::sig::float_of(ty).is_some()
            || crate::vector::vector_elem(ty).is_some()
            || !matches!(ty, syn::Type::Path(_));
        let collection = matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| {
            ["Vec", "VecDeque", "HashMap", "HashSet", "BTreeMap", "BTreeSet", "Option", "String", "Box"]
                .iter()
                .any(|n| s.ident == n)
        }));
        if known || collection {
            return None;
        }
    }
    // A value made by a constructor: a call, a method call on a path (`StdRng::seed_from_u64`
    // is a call; `Lcg::default()` too), a struct literal.
    // (Not a float's: `T::zero()`, `f64::from(n)`, `Float::max(a, b)`.)
    let float_ty = sig.float_ty.name();
    let floats = |p: &syn::Path| {
        p.segments.iter().any(|s| {
            s.ident == "f64"
                || s.ident == "f32"
                || s.ident == "Float"
                || s.ident == float_ty
                || item.sig.generics.type_params().any(|t| t.ident == s.ident)
        })
    };
    // (Nor a float a function with a hand-written rule returns, `libm::erf(x)`.)
    let rules = crate::prescan::rules();
    let ruled = |p: &syn::Path| {
        p.segments
            .last()
            .is_some_and(|s| rules.contains(&format!("{}_grad", s.ident)))
    };
    let made = match crate::desugar::unparen(&init.expr) {
        syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p)
            if p.qself.is_none()
                && !floats(&p.path)
                && !ruled(&p.path)
                && !returns_float(&p.path, item)),
        syn::Expr::Struct(st) => !floats(&st.path),
        _ => false,
    };
    let name = &pi.ident;
    if !made
        || sig.params.iter().any(|p| p.ident == *name)
        || crate::desugar::declarations(body, &name.to_string()) != 1
    {
        return None;
    }
    // Reads only parameters of data and what is no local (constants, functions, types).
    let reads_local_or_active = crate::desugar::sub_slices::names_in(&init.expr.to_token_stream())
        .iter()
        .any(|id| {
            let n = id.to_string();
            sig.params.iter().any(|p| p.ident == n && p.active)
                || crate::desugar::declarations(body, &n) > 0
        });
    Some((name, reads_local_or_active))
}

/// How the statements after the `let` use its name: a method called that is no float's
/// (`rng.next_f64()`), or lent mutably (`&mut rng`); or assigned (`s = ..`, `s += ..`), which
/// only a value does.
struct Uses<'a> {
    name: &'a syn::Ident,
    changed: bool,
    assigned: bool,
    /// Read in arithmetic or by a float's method (`acc * 2.0`, `acc.tanh()`): a number made by
    /// a call (`let mut acc = erf(x);` lent to `mem::swap`), not data.
    numeric: bool,
    /// A method that is no float's called on it (not only lent `&mut`).
    method: bool,
}

impl Uses<'_> {
    fn is_name(&self, e: &syn::Expr) -> bool {
        matches!(crate::desugar::unparen(e), syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.name))
    }
}

impl<'a> Visit<'a> for Uses<'_> {
    fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
        let method = m.method.to_string();
        if self.is_name(&m.receiver)
            && crate::rules::Prim::from_method(&method).is_none()
            && !crate::rules::NON_FLOAT_METHODS.contains(&method.as_str())
        {
            self.changed = true;
            self.method = true;
        }
        self.numeric |=
            self.is_name(&m.receiver) && crate::rules::Prim::from_method(&method).is_some();
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_reference(&mut self, r: &'a syn::ExprReference) {
        self.changed |= r.mutability.is_some() && self.is_name(&r.expr);
        syn::visit::visit_expr_reference(self, r);
    }
    fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
        self.assigned |= self.is_name(&a.left);
        syn::visit::visit_expr_assign(self, a);
    }
    fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
        self.assigned |= crate::lower::is_compound_assign(&b.op) && self.is_name(&b.left);
        self.numeric |=
            !crate::lower::yields_bool(&b.op) && (self.is_name(&b.left) || self.is_name(&b.right));
        syn::visit::visit_expr_binary(self, b);
    }
    // (A macro's arguments are tokens: `vec![z * g.next_f64(), ..]`.)
    fn visit_macro(&mut self, m: &'a syn::Macro) {
        self.changed |= tokens_change(&m.tokens, self.name);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// Whether `ts` (at any depth) calls a method of `name` that is no float's, or lends it
/// (`&mut name`).
fn tokens_change(ts: &proc_macro2::TokenStream, name: &syn::Ident) -> bool {
    use proc_macro2::TokenTree as T;
    let t: Vec<T> = ts.clone().into_iter().collect();
    let punct = |k: usize, c: char| matches!(t.get(k), Some(T::Punct(p)) if p.as_char() == c);
    t.iter().enumerate().any(|(k, tt)| match tt {
        T::Group(g) => tokens_change(&g.stream(), name),
        T::Ident(i) if i == name => {
            let method = punct(k + 1, '.')
                && matches!(t.get(k + 2), Some(T::Ident(m)) if {
                    let m = m.to_string();
                    crate::rules::Prim::from_method(&m).is_none()
                        && !crate::rules::NON_FLOAT_METHODS.contains(&m.as_str())
                })
                && matches!(t.get(k + 3), Some(T::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Parenthesis);
            let lent = k >= 2
                && matches!(&t[k - 1], T::Ident(m) if m == "mut")
                && punct(k - 2, '&');
            method || lent
        }
        _ => false,
    })
}
