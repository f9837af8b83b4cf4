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
use std::collections::{HashMap, HashSet};
use syn::visit::Visit;

/// The generators `find` takes, by the address of their `let`, each with the `let`s of constant
/// data its value reads (see `constant_lets`), to declare above it.
pub type Taken = HashMap<usize, Vec<syn::Local>>;

/// The `let mut NAME = INIT;` statements of the body (at its top level, or in blocks that run
/// once with it) that declare data changed in place:
/// each named once in the body, no parameter's name, its value reading no local and no
/// differentiated parameter, its type (where written) not a float or a collection, and a later
/// statement calling one of its methods or lending it (`&mut NAME`). As the addresses of the
/// `syn::Local`s, which lowering reads in place.
///
/// A value may read locals of constant data too (`let n: usize = self.n;`, the field of a model
/// whose method is inlined), which are declared above it (see `constant_lets`).
///
/// Also returns the `let`s of that form it cannot take because their values read other locals
/// (`let mut g = Lcg::seeded(seed);` in a helper inlined with `seed` a local that changes) and
/// that a method changes: bound as values, those methods would change an immutable binding.
pub fn find(item: &syn::ItemFn, sig: &crate::sig::Sig) -> (Taken, HashSet<usize>) {
    let (mut out, mut refused) = (HashMap::new(), HashSet::new());
    let mut found = Found {
        item,
        sig,
        out: &mut out,
        refused: &mut refused,
        visible: Vec::new(),
        in_loop: false,
    };
    found.find_in(&item.block);
    (out, refused)
}

/// What `find` gathers as it walks the blocks that run once.
struct Found<'a, 'o> {
    item: &'a syn::ItemFn,
    sig: &'o crate::sig::Sig,
    out: &'o mut Taken,
    refused: &'o mut HashSet<usize>,
    /// The `let`s in scope at the statement walked: those before it in its block and in the
    /// blocks around it.
    visible: Vec<&'a syn::Local>,
    /// Whether the block walked is a loop's body (its data is made anew each time: a `let`
    /// there that a method changes is refused, never made once).
    in_loop: bool,
}

impl<'a> Found<'a, '_> {
    /// `find` in `block`, a block that runs once whenever the function runs (the body, a block
    /// statement, the block of a `let`'s value, at any depth of these).
    fn find_in(&mut self, block: &'a syn::Block) {
        let depth = self.visible.len();
        for (k, s) in block.stmts.iter().enumerate() {
            self.find_at(block, k, s);
            if let syn::Stmt::Local(l) = s {
                self.visible.push(l);
            }
        }
        self.visible.truncate(depth);
    }

    fn find_at(&mut self, block: &'a syn::Block, k: usize, s: &'a syn::Stmt) {
        let (item, sig) = (self.item, self.sig);
        let inner = match s {
            syn::Stmt::Local(l) => l.init.as_ref().map(|i| &*i.expr),
            syn::Stmt::Expr(e, _) => Some(e),
            _ => None,
        };
        // (Blocks inside the value too, where it runs once: a helper inlined into `f(x) * 2.0`.)
        if let Some(e) = inner {
            for b in once_blocks(e) {
                self.find_in(b);
            }
            if let Some(b) = once_loop(e) {
                self.find_in(b);
            } else if let Some(b) = loop_body(e) {
                let outer = std::mem::replace(&mut self.in_loop, true);
                self.find_in(b);
                self.in_loop = outer;
            }
        }
        let syn::Stmt::Local(l) = s else { return };
        let (name, taken) = match changed_data(l, item, sig, &self.visible) {
            Made::Taken(name, lets) => (name, Some(lets)),
            Made::ReadsLocals(name) => (name, None),
            Made::Not => return,
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
            if self.in_loop {
                if uses.method {
                    self.refused.insert(at);
                }
            } else if let Some(lets) = taken {
                self.out.insert(at, lets.into_iter().cloned().collect());
            } else if uses.method {
                self.refused.insert(at);
            }
        }
    }
}

/// The body of the loop `e` (`for`, `while`, `loop`).
fn loop_body(e: &syn::Expr) -> Option<&syn::Block> {
    match e {
        syn::Expr::ForLoop(f) => Some(&f.body),
        syn::Expr::While(w) => Some(&w.body),
        syn::Expr::Loop(l) => Some(&l.body),
        _ => None,
    }
}

/// The body of `e` if it is a loop whose body runs at most once: `while true { ..; break; }`
/// with no `continue` of its own, as a helper whose body `return`s is inlined (its returns
/// become `break`s of such a loop, see `desugar::labels`). A generator the helper makes is made
/// once per call, as at the top of the body.
fn once_loop(e: &syn::Expr) -> Option<&syn::Block> {
    let syn::Expr::While(w) = crate::desugar::unparen(e) else {
        return None;
    };
    let ends_in_break = matches!(w.body.stmts.last(),
        Some(syn::Stmt::Expr(syn::Expr::Break(b), _)) if b.label.is_none() && b.expr.is_none());
    (w.label.is_none()
        && super::is_true(&w.cond)
        && ends_in_break
        && !super::loops::loop_exits(&w.body).continues)
        .then_some(&w.body)
}

/// The unlabeled blocks of `e` that run once whenever `e` does: `e` itself, and those in its
/// operands, arguments, receivers, fields, casts and parentheses (not in loops, closures or the
/// right side of `&&` and `||`), and at most once: its branches.
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
            // A branch runs at most once when its `if` does: its generator, made of parameters
            // and constants (and named once in the body), is made at the top all the same.
            syn::Expr::If(i) => {
                out.push(&i.then_branch);
                if let Some((_, e)) = &i.else_branch {
                    stack.push(e);
                }
            }
            syn::Expr::Match(m) => stack.extend(m.arms.iter().map(|a| &*a.body)),
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
    /// The form `find` takes, declaring this name, its value reading these `let`s.
    Taken(&'a syn::Ident, Vec<&'a syn::Local>),
    /// That form but for a value that reads locals (or differentiated parameters).
    ReadsLocals(&'a syn::Ident),
    Not,
}

/// The name `l` declares, if it has the form `find` takes.
fn changed_data<'a>(
    l: &'a syn::Local,
    item: &'a syn::ItemFn,
    sig: &crate::sig::Sig,
    visible: &[&'a syn::Local],
) -> Made<'a> {
    match made_data(l, item, sig, visible) {
        Some((name, Some(lets))) => Made::Taken(name, lets),
        Some((name, None)) => Made::ReadsLocals(name),
        None => Made::Not,
    }
}

/// The name `l` declares and the `let`s of constant data its value reads (none when it reads
/// other locals), if it has the form `find` takes otherwise.
#[allow(clippy::type_complexity)]
fn made_data<'a>(
    l: &'a syn::Local,
    item: &'a syn::ItemFn,
    sig: &crate::sig::Sig,
    visible: &[&'a syn::Local],
) -> Option<(&'a syn::Ident, Option<Vec<&'a syn::Local>>)> {
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
    // Reads only parameters of data, what is no local (constants, functions, types), and
    // locals of constant data.
    let mut lets = Vec::new();
    let reads = constant_lets(&init.expr, body, sig, visible, &mut lets, 0).then_some(lets);
    Some((name, reads))
}

/// Whether the names `e` reads are parameters of data, no locals (constants, functions, types),
/// or locals of constant data, whose `let`s (and those they read, first) go into `lets`: each
/// declared once, by a `let NAME = VALUE;` (typed or not) in scope (among `visible`), whose
/// value reads names of the same kinds, and never changed (assigned, lent `&mut`, or given to a
/// method that is no float's).
/// Such a `let` gives the same value wherever it is, so it is declared again at the top, above
/// the generator whose seed it is.
fn constant_lets<'a>(
    e: &syn::Expr,
    body: &'a syn::Block,
    sig: &crate::sig::Sig,
    visible: &[&'a syn::Local],
    lets: &mut Vec<&'a syn::Local>,
    depth: usize,
) -> bool {
    crate::desugar::sub_slices::names_in(&e.to_token_stream())
        .iter()
        .all(|id| {
            let n = id.to_string();
            let param = sig.params.iter().any(|p| p.ident == n);
            match crate::desugar::declarations(body, &n) {
                0 => sig.params.iter().all(|p| p.ident != n || !p.active),
                // (A local of a parameter's name, `let seed = seed + 1;` of a helper inlined,
                // may or may not be in scope where the generator is made.)
                1 if !param => {
                    let Some((l, init)) = visible.iter().rev().find_map(|l| {
                        crate::desugar::plain_let(l)
                            .filter(|(pi, _, _)| pi.ident == *id)
                            .map(|(_, _, init)| (*l, init))
                    }) else {
                        return false;
                    };
                    if lets.iter().any(|k| std::ptr::eq(*k, l)) {
                        return true;
                    }
                    let mut uses = Uses {
                        name: id,
                        changed: false,
                        assigned: false,
                        numeric: false,
                        method: false,
                    };
                    uses.visit_block(body);
                    let ok = depth < 8
                        && !uses.changed
                        && !uses.assigned
                        && constant_lets(init, body, sig, visible, lets, depth + 1);
                    if ok {
                        lets.push(l);
                    }
                    ok
                }
                _ => false,
            }
        })
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
