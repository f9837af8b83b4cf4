//! `x.clone()` of a float (or of any `Copy` value): the value itself. Left as written, the
//! rewrites that copy buffers would take `let c = x.clone();` for a `Vec`'s copy.

use std::collections::{HashMap, HashSet};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// How a name is bound at one place.
enum Bound<'a> {
    /// `Copy` by its form: a pattern under `&` (`for &v in ..`, `|&q| ..`), a closure's
    /// parameter of a float type.
    Copy,
    /// A `let` of the name alone: `Copy` when its type is a float's or its value is `Copy` by
    /// its form (see [`copy_form`]), which may read other names.
    Let(Option<&'a syn::Type>, Option<&'a syn::Expr>),
    /// Anything else (a loop's variable over a sequence, a `match` arm's binding).
    Other,
}

/// Input: a body that clones `Copy` values (`let c = a.clone();`, `y.clone() * 2.0`), where
/// `a` is a float parameter (`a: f64`, `a: T`; `a: &f64` is read as `*a`) or a name every
/// binding of which is `Copy` by its form: a `let` of a float type, a literal, arithmetic,
/// an element (`xs[i]`, which moves out only a `Copy` value), a float method; a pattern under
/// `&`. Output: the same body with those clones as the values themselves. Names bound anywhere
/// in another way are left alone, so a buffer that shares a float's name keeps its clone.
pub fn scalar_clones(body: &mut syn::Block, sig: &syn::Signature) {
    let type_params: HashSet<String> = sig
        .generics
        .type_params()
        .map(|t| t.ident.to_string())
        .collect();
    let scalar_type = |t: &syn::Type| match t {
        syn::Type::Path(p) if p.qself.is_none() => p
            .path
            .get_ident()
            .is_some_and(|i| i == "f64" || i == "f32" || type_params.contains(&i.to_string())),
        _ => false,
    };
    // Float parameters, and whether each is taken by reference.
    let params: HashMap<String, bool> = sig
        .inputs
        .iter()
        .filter_map(|a| {
            let syn::FnArg::Typed(pt) = a else {
                return None;
            };
            let syn::Pat::Ident(i) = &*pt.pat else {
                return None;
            };
            let by_ref = match &*pt.ty {
                syn::Type::Reference(r) if r.mutability.is_none() && scalar_type(&r.elem) => true,
                t if scalar_type(t) => false,
                _ => return None,
            };
            Some((i.ident.to_string(), by_ref))
        })
        .collect();
    let mut b = Bindings {
        scalar_type: &scalar_type,
        all: Vec::new(),
    };
    b.visit_block(body);
    let mut by_name: HashMap<&str, Vec<&Bound>> = HashMap::new();
    for (n, how) in &b.all {
        by_name.entry(n.as_str()).or_default().push(how);
    }
    // A name is followed when every binding of it in the body is `Copy` (a parameter: also
    // when the body binds it nowhere); the set grows as lets read others.
    let mut copies: HashSet<String> = params.keys().cloned().collect();
    // (Bounded: a set that grows and shrinks in turn is left as it is.)
    for _ in 0..32 {
        let next: HashSet<String> = params
            .keys()
            .filter(|p| !by_name.contains_key(p.as_str()))
            .cloned()
            .chain(
                by_name
                    .iter()
                    .filter(|(_, hows)| {
                        hows.iter().all(|h| match h {
                            Bound::Copy => true,
                            Bound::Let(Some(t), _) => scalar_type(t),
                            Bound::Let(None, init) => init.is_some_and(|e| copy_form(e, &copies)),
                            Bound::Other => false,
                        })
                    })
                    .map(|(name, _)| (*name).to_string()),
            )
            .collect();
        if next == copies {
            break;
        }
        copies = next;
    }
    if copies.is_empty() {
        return;
    }
    // A parameter taken as `&f64` (and not bound again) is read through.
    let by_ref: HashSet<String> = params
        .iter()
        .filter(|(n, r)| **r && !by_name.contains_key(n.as_str()))
        .map(|(n, _)| n.clone())
        .collect();
    Clones { copies, by_ref }.visit_block_mut(body);
}

/// Every binding in a body, with how it binds.
struct Bindings<'a, 's> {
    scalar_type: &'s dyn Fn(&syn::Type) -> bool,
    all: Vec<(String, Bound<'a>)>,
}

impl<'a> Bindings<'a, '_> {
    /// The names `p` binds; `under_ref` inside a `&` pattern.
    fn pat(&mut self, p: &'a syn::Pat, under_ref: bool) {
        match p {
            syn::Pat::Ident(i) => {
                let how = if under_ref { Bound::Copy } else { Bound::Other };
                self.all.push((i.ident.to_string(), how));
                if let Some((_, sub)) = &i.subpat {
                    self.pat(sub, under_ref);
                }
            }
            syn::Pat::Reference(r) => self.pat(&r.pat, true),
            syn::Pat::Type(t) => {
                // (A reference to a float, `|acc: &mut f64, v: f64|`, clones as the float.)
                let scalar_ref =
                    matches!(&*t.ty, syn::Type::Reference(r) if (self.scalar_type)(&r.elem));
                if (self.scalar_type)(&t.ty) || scalar_ref {
                    self.pat(&t.pat, true);
                } else {
                    self.pat(&t.pat, under_ref);
                }
            }
            syn::Pat::Tuple(t) => t.elems.iter().for_each(|e| self.pat(e, under_ref)),
            syn::Pat::TupleStruct(t) => t.elems.iter().for_each(|e| self.pat(e, under_ref)),
            syn::Pat::Slice(s) => s.elems.iter().for_each(|e| self.pat(e, under_ref)),
            syn::Pat::Struct(s) => s.fields.iter().for_each(|f| self.pat(&f.pat, under_ref)),
            syn::Pat::Or(o) => o.cases.iter().for_each(|c| self.pat(c, under_ref)),
            syn::Pat::Paren(p) => self.pat(&p.pat, under_ref),
            _ => {}
        }
    }
}

impl<'a> Visit<'a> for Bindings<'a, '_> {
    fn visit_local(&mut self, l: &'a syn::Local) {
        let (pat, ty) = match &l.pat {
            syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
            p => (p, None),
        };
        match pat {
            syn::Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
                let init = l
                    .init
                    .as_ref()
                    .filter(|i| i.diverge.is_none())
                    .map(|i| &*i.expr);
                self.all.push((i.ident.to_string(), Bound::Let(ty, init)));
            }
            p => self.pat(p, false),
        }
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, e)) = &init.diverge {
                self.visit_expr(e);
            }
        }
    }
    fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
        self.pat(&f.pat, false);
        self.visit_expr(&f.expr);
        self.visit_block(&f.body);
    }
    fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
        for p in &c.inputs {
            self.pat(p, false);
        }
        self.visit_expr(&c.body);
    }
    fn visit_arm(&mut self, a: &'a syn::Arm) {
        self.pat(&a.pat, false);
        if let Some((_, g)) = &a.guard {
            self.visit_expr(g);
        }
        self.visit_expr(&a.body);
    }
    fn visit_expr_let(&mut self, l: &'a syn::ExprLet) {
        self.pat(&l.pat, false);
        self.visit_expr(&l.expr);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// The clones of `copies` as the values, `by_ref` ones read through (`(*x)`).
struct Clones {
    copies: HashSet<String>,
    by_ref: HashSet<String>,
}

impl VisitMut for Clones {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        // `&mut x.clone()`: a temporary lent to be changed, not `x` (left as written).
        if let syn::Expr::Reference(r) = e {
            let mut lent = &mut *r.expr;
            while let syn::Expr::Paren(p) = lent {
                lent = &mut *p.expr;
            }
            if let syn::Expr::MethodCall(m) = lent {
                if r.mutability.is_some() && m.method == "clone" && m.args.is_empty() {
                    return self.visit_expr_mut(&mut m.receiver);
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
        let syn::Expr::MethodCall(m) = e else { return };
        let Some(name) = (match &*m.receiver {
            syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
            _ => None,
        }) else {
            return;
        };
        if m.method == "clone" && m.args.is_empty() && m.turbofish.is_none() {
            let r = &m.receiver;
            if self.by_ref.contains(&name) {
                *e = syn::parse_quote!((*#r));
            } else if self.copies.contains(&name) {
                *e = (**r).clone();
            }
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Whether `e`'s value is `Copy` by its form: a literal, a name of `copies` (or its clone), an
/// element (`xs[i]`: moving out of an index needs `Copy`), a value read through a reference
/// (`*r`, likewise), arithmetic, a comparison, a cast, a float method or a `f64::` function,
/// and branches or blocks whose values all are.
fn copy_form(e: &syn::Expr, copies: &HashSet<String>) -> bool {
    match e {
        syn::Expr::Lit(_) | syn::Expr::Cast(_) => true,
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| copies.contains(&i.to_string())),
        syn::Expr::Paren(p) => copy_form(&p.expr, copies),
        syn::Expr::Group(g) => copy_form(&g.expr, copies),
        syn::Expr::Unary(u) => match u.op {
            syn::UnOp::Deref(_) => true,
            _ => copy_form(&u.expr, copies),
        },
        syn::Expr::Index(ix) => !matches!(&*ix.index, syn::Expr::Range(_)),
        syn::Expr::Binary(b) => {
            use syn::BinOp::{Add, Div, Mul, Rem, Sub};
            match b.op {
                Add(_) | Sub(_) | Mul(_) | Div(_) | Rem(_) => {
                    copy_form(&b.left, copies) || copy_form(&b.right, copies)
                }
                // Comparisons and logic give a `bool`.
                _ => true,
            }
        }
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            (name == "clone" && m.args.is_empty() && copy_form(&m.receiver, copies))
                || ((crate::rules::Prim::method_names().any(|n| n == name)
                    || ["sqrt", "len", "count"].contains(&name.as_str()))
                    && copy_form(&m.receiver, copies))
        }
        syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p)
            if p.path.segments.len() == 2
                && ["f64", "f32"].iter().any(|t| p.path.segments[0].ident == t)),
        syn::Expr::If(i) => {
            block_copy(&i.then_branch, copies)
                && i.else_branch
                    .as_ref()
                    .is_some_and(|(_, e)| copy_form(e, copies))
        }
        syn::Expr::Block(b) => block_copy(&b.block, copies),
        syn::Expr::Match(m) => {
            !m.arms.is_empty() && m.arms.iter().all(|a| copy_form(&a.body, copies))
        }
        _ => false,
    }
}

/// Whether the value of block `b` (its last expression) is `Copy` by its form.
fn block_copy(b: &syn::Block, copies: &HashSet<String>) -> bool {
    matches!(b.stmts.last(), Some(syn::Stmt::Expr(e, None)) if copy_form(e, copies))
}
