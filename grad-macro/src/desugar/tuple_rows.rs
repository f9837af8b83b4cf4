//! Locals that hold tuples of floats (`Vec<(f64, f64)>`), held as rows of arrays.

use std::collections::HashSet;

use quote::quote;
use syn::visit_mut::VisitMut;

/// Input: `let pts: Vec<(f64, f64)> = x.chunks(2).map(|c| (c[0], c[1])).collect();` (or typed by
/// `collect::<Vec<(T, T)>>()`, a `zip` collected, `vec![(0.0, 0.0); n]`), then `pts[i].0`, `let (a, b) = pts[i];`, `for &(a, b) in &pts`,
/// `pts.iter().map(|p| p.0 * p.1)` and the like in the rest of the block.
/// Output: the same over rows of arrays: `Vec<[f64; 2]>`, `[c[0], c[1]]`, `pts[i][0]`,
/// `let [a, b] = pts[i];`, `for &[a, b] in &pts`, `p[0] * p[1]`: a local matrix, which the
/// rewrites of matrices follow (a `Vec` of tuples is a container the engine does not see into).
/// `None` where `pts` or one of its elements is used in another way (left as written), and for
/// a `Vec` whose value reads none of `floats` but those of `inactive` (so none of the
/// differentiated parameters and the locals that hold floats): data stays as written.
pub fn tuple_rows_let(
    l: &syn::Local,
    rest: &mut [syn::Stmt],
    floats: &HashSet<String>,
    inactive: &HashSet<String>,
) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    // The type as written (`let` or turbofish), or tuples of float literals
    // (`vec![(0.0, 0.0); n]`), whose type is then inferred as it was.
    let (n, vec_ty): (usize, Option<syn::Type>) = match ty.or_else(|| collect_type(init)) {
        Some(t) => {
            let (n, float) = tuple_vec(t)?;
            (n, Some(syn::parse_quote!(Vec<[#float; #n]>)))
        }
        None => (literal_tuples(init)?, None),
    };
    let mut init = init.clone();
    let reads_floats = |e: &dyn quote::ToTokens| {
        crate::naming::mentions(e.to_token_stream(), &|i| {
            let i = i.to_string();
            floats.contains(&i) && !inactive.contains(&i)
        })
    };
    // A table of float literals is filled later: by differentiated values if a statement that
    // names it reads one.
    let filled = reads_floats(&init)
        || (literal_tuples(&init).is_some()
            && rest.iter().any(|s| {
                crate::naming::mentions(quote!(#s), &|i| *i == id.ident) && reads_floats(s)
            }));
    if !filled || !rows_init(&mut init, n, vec_ty.as_ref())? {
        return None;
    }
    let mut v = Uses {
        name: &id.ident,
        n,
        elems: Vec::new(),
        other: false,
    };
    super::rewrite_rest_through_views(rest, &id.ident, &mut v, |v| !v.other)?;
    let (m, name) = (&id.mutability, &id.ident);
    Some(vec![match vec_ty {
        Some(t) => syn::parse_quote!(let #m #name: #t = #init;),
        None => syn::parse_quote!(let #m #name = #init;),
    }])
}

/// The uses of the `Vec` of tuples of `n` floats `name` in `rest` rewritten into uses of rows of
/// arrays (`pts[i].0` as `pts[i][0]`, `for &(a, b) in &pts` as `for &[a, b] in &pts`, ..);
/// `None` (`rest` as it was) where one is not followed.
pub fn tuples_as_arrays(rest: &mut [syn::Stmt], name: &syn::Ident, n: usize) -> Option<()> {
    let mut v = Uses {
        name,
        n,
        elems: Vec::new(),
        other: false,
    };
    super::rewrite_rest_through_views(rest, name, &mut v, |v| !v.other)
}

/// `vec![(0.0, 0.0); n]`, `vec![(1.0, 2.5), (0.5, 0.0)]`: how many floats each tuple holds.
fn literal_tuples(e: &syn::Expr) -> Option<usize> {
    let syn::Expr::Macro(m) = e else {
        return None;
    };
    if !m.mac.path.is_ident("vec") {
        return None;
    }
    let mut arity = None;
    let mut ok = true;
    let mut mac = m.mac.clone();
    super::vec_elements(&mut mac, |e| match super::unparen(e) {
        syn::Expr::Tuple(t)
            if t.elems.len() >= 2
                && t.elems.iter().all(float_literal)
                && *arity.get_or_insert(t.elems.len()) == t.elems.len() => {}
        _ => ok = false,
    });
    arity.filter(|_| ok)
}

/// `1.5`, `-0.5`, `2.0_f64`.
fn float_literal(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(_),
            ..
        }) => true,
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => float_literal(&u.expr),
        _ => false,
    }
}

/// The type of `collect::<T>()` at the end of `e`.
fn collect_type(e: &syn::Expr) -> Option<&syn::Type> {
    let syn::Expr::MethodCall(m) = e else {
        return None;
    };
    if m.method != "collect" {
        return None;
    }
    match m.turbofish.as_ref()?.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

/// `Vec<(T, T, ..)>` of one float type: how many and which.
fn tuple_vec(ty: &syn::Type) -> Option<(usize, syn::Type)> {
    let (t, n) = crate::vector::tuple_elem(crate::rows::vec_elem(ty)?)?;
    Some((n, t))
}

/// The `Vec`'s value as rows of arrays; false (or `None`) for a value the rewrite cannot follow.
fn rows_init(init: &mut syn::Expr, n: usize, vec_ty: Option<&syn::Type>) -> Option<bool> {
    match init {
        syn::Expr::MethodCall(c) if c.method == "collect" && c.args.is_empty() => {
            if c.turbofish.is_some() {
                let t = vec_ty?;
                c.turbofish = Some(syn::parse_quote!(::<#t>));
            }
            match &mut *c.receiver {
                syn::Expr::MethodCall(map) if map.method == "map" && map.args.len() == 1 => {
                    let syn::Expr::Closure(cl) = &mut map.args[0] else {
                        return Some(false);
                    };
                    Some(tails_as_arrays(&mut cl.body, n))
                }
                // `a.iter().copied().zip(b.iter().copied())`: the pairs as arrays.
                syn::Expr::MethodCall(z) if z.method == "zip" && n == 2 => {
                    let (a, b) = (crate::naming::fresh("ta"), crate::naming::fresh("tb"));
                    let r = &c.receiver;
                    *c.receiver = syn::parse_quote!(#r.map(|(#a, #b)| [#a, #b]));
                    Some(true)
                }
                _ => Some(false),
            }
        }
        syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => {
            let mut ok = true;
            super::vec_elements(&mut m.mac, |e| ok &= tails_as_arrays(e, n));
            Some(ok)
        }
        // (`Vec::new()` filled by `push`: the engine does not follow a `Vec` of arrays grown
        // so; it stays as written, and is reported.)
        _ => Some(false),
    }
}

/// The tuples a value ends in (`(a, b)`, the tails of blocks and branches) as arrays.
fn tails_as_arrays(e: &mut syn::Expr, n: usize) -> bool {
    match e {
        syn::Expr::Tuple(t) if t.elems.len() == n => {
            let elems = &t.elems;
            // `(0.0, 0.0)` as `[0.0; 2]`, the row the rewrite of matrices takes.
            let first = t.elems.first().map(|e| quote!(#e).to_string());
            let repeated = t
                .elems
                .iter()
                .all(|e| float_literal(e) && Some(quote!(#e).to_string()) == first);
            *e = if repeated {
                let v = &t.elems[0];
                syn::parse_quote!([#v; #n])
            } else {
                syn::parse_quote!([#elems])
            };
            true
        }
        syn::Expr::Paren(p) => tails_as_arrays(&mut p.expr, n),
        syn::Expr::Block(b) => match b.block.stmts.last_mut() {
            Some(syn::Stmt::Expr(tail, None)) => tails_as_arrays(tail, n),
            _ => false,
        },
        syn::Expr::If(i) => {
            let then = match i.then_branch.stmts.last_mut() {
                Some(syn::Stmt::Expr(tail, None)) => tails_as_arrays(tail, n),
                _ => false,
            };
            then && i
                .else_branch
                .as_mut()
                .is_some_and(|(_, els)| tails_as_arrays(els, n))
        }
        _ => false,
    }
}

/// What an iterator over the `Vec` yields at each position of a pattern.
#[derive(Clone)]
enum Shape {
    /// An element (a tuple, now an array), by value or by reference.
    Elem,
    /// Anything else, left as it is.
    Other,
    /// A window of elements (`windows(k)`, `chunks(k)`), read by index.
    Window,
    Pair(Box<Shape>, Box<Shape>),
}

impl Shape {
    fn has_elem(&self) -> bool {
        match self {
            Shape::Elem | Shape::Window => true,
            Shape::Other => false,
            Shape::Pair(a, b) => a.has_elem() || b.has_elem(),
        }
    }
}

struct Uses<'a> {
    name: &'a syn::Ident,
    n: usize,
    /// Names bound to an element (`false`) or to a window of elements (`true`) where they are
    /// in scope (a loop's or closure's pattern).
    elems: Vec<(syn::Ident, bool)>,
    other: bool,
}

impl Uses<'_> {
    fn is_vec(&self, e: &syn::Expr) -> bool {
        matches!(super::unparen(e), syn::Expr::Path(p) if p.path.is_ident(self.name))
    }

    fn is_elem(&self, e: &syn::Expr) -> bool {
        let e = match super::unparen(e) {
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => super::unparen(&u.expr),
            e => e,
        };
        matches!(e, syn::Expr::Path(p) if self.elems.iter().any(|(n, w)| !w && p.path.is_ident(n)))
    }

    fn is_window(&self, e: &syn::Expr) -> bool {
        matches!(super::unparen(e), syn::Expr::Path(p) if self.elems.iter().any(|(n, w)| *w && p.path.is_ident(n)))
    }

    /// `NAME[i]` (also `&NAME[i]`, and `w[i]` of a window): an element read by index.
    fn is_indexed(&self, e: &syn::Expr) -> bool {
        // (`&&pts[i]` too: a search lends its comparator each side so.)
        let mut e = super::unparen(e);
        while let syn::Expr::Reference(r) = e {
            if r.mutability.is_some() {
                return false;
            }
            e = super::unparen(&r.expr);
        }
        matches!(e, syn::Expr::Index(ix) if self.is_vec(&ix.expr) || self.is_window(&ix.expr))
    }

    /// What iterating `e` yields (`Other` for anything but a chain over the `Vec`).
    fn shape(&self, e: &syn::Expr) -> Shape {
        self.chain_shape(e).unwrap_or(Shape::Other)
    }

    fn chain_shape(&self, e: &syn::Expr) -> Option<Shape> {
        let e = match super::unparen(e) {
            syn::Expr::Reference(r) if r.mutability.is_none() => super::unparen(&r.expr),
            e => e,
        };
        if self.is_vec(e) {
            return Some(Shape::Elem);
        }
        if let syn::Expr::MethodCall(m) = e {
            let kept = [
                "iter",
                "into_iter",
                "copied",
                "cloned",
                "rev",
                "skip",
                "take",
                "step_by",
                "filter",
                "take_while",
                "skip_while",
            ];
            let method = m.method.to_string();
            if kept.contains(&method.as_str()) {
                return self.chain_shape(&m.receiver);
            }
            if matches!(method.as_str(), "windows" | "chunks" | "chunks_exact") && m.args.len() == 1
            {
                return matches!(self.chain_shape(&m.receiver)?, Shape::Elem)
                    .then_some(Shape::Window);
            }
            if method == "enumerate" && m.args.is_empty() {
                return Some(Shape::Pair(
                    Box::new(Shape::Other),
                    Box::new(self.chain_shape(&m.receiver)?),
                ));
            }
            if method == "zip" && m.args.len() == 1 {
                return Some(Shape::Pair(
                    Box::new(self.shape(&m.receiver)),
                    Box::new(self.shape(&m.args[0])),
                ));
            }
        }
        None
    }

    fn mentions_vec(&self, e: &dyn quote::ToTokens) -> bool {
        crate::naming::mentions(e.to_token_stream(), &|i| i == self.name)
    }

    /// The chain `e` iterates, visited but for the `Vec` at its root.
    fn visit_chain(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::Paren(p) => self.visit_chain(&mut p.expr),
            syn::Expr::Reference(r) => self.visit_chain(&mut r.expr),
            e if self.is_vec(e) => {}
            syn::Expr::MethodCall(m) => {
                self.visit_chain(&mut m.receiver);
                let shape = self.shape(&m.receiver);
                for (k, a) in m.args.iter_mut().enumerate() {
                    match (a, &shape) {
                        (syn::Expr::Closure(c), s) if s.has_elem() => {
                            self.visit_closure_of(c, &m.method, k, s);
                        }
                        (a, _) if m.method == "zip" => self.visit_chain(a),
                        (a, _) => self.visit_expr_mut(a),
                    }
                }
            }
            e => self.visit_expr_mut(e),
        }
    }

    /// A closure given to a method of a chain over the `Vec`: the parameters that take its
    /// elements (`map`'s first, `fold`'s second, both of `max_by`) as arrays in its body.
    fn visit_closure_of(
        &mut self,
        c: &mut syn::ExprClosure,
        method: &syn::Ident,
        arg: usize,
        s: &Shape,
    ) {
        let takes: &[usize] = match (method.to_string().as_str(), arg) {
            (
                "map" | "filter" | "for_each" | "any" | "all" | "find" | "position" | "filter_map"
                | "take_while" | "skip_while" | "map_while" | "inspect" | "max_by_key"
                | "min_by_key" | "flat_map" | "find_map",
                0,
            ) => &[0],
            ("fold" | "try_fold", 1) => &[1],
            ("max_by" | "min_by" | "sort_by" | "sort_unstable_by", 0) => &[0, 1],
            _ => {
                self.other = true;
                return;
            }
        };
        let mut bound = Vec::new();
        for &k in takes {
            let Some(p) = c.inputs.iter_mut().nth(k) else {
                self.other = true;
                return;
            };
            self.other |= !self.rows_pat(p, s, &mut bound);
        }
        self.other |= Self::rebinds(&c.body, &names_of(&bound));
        self.in_scope(bound, |v| v.visit_expr_mut(&mut c.body));
    }

    /// Runs `f` with `names` bound to elements (none of them bound again inside).
    fn in_scope(&mut self, names: Vec<(syn::Ident, bool)>, f: impl FnOnce(&mut Self)) {
        let k = self.elems.len();
        self.elems.extend(names);
        f(self);
        self.elems.truncate(k);
    }

    /// `pat` matched against what has shape `s`: tuple patterns of elements as slice patterns,
    /// names of elements into `bound`. False where the pattern is not one the rewrite follows.
    fn rows_pat(&self, pat: &mut syn::Pat, s: &Shape, bound: &mut Vec<(syn::Ident, bool)>) -> bool {
        match (pat, s) {
            (_, Shape::Other) => true,
            (syn::Pat::Type(t), s) => {
                if s.has_elem() && !self.rows_type(&mut t.ty) {
                    return false;
                }
                self.rows_pat(&mut t.pat, s, bound)
            }
            (syn::Pat::Reference(r), s) => self.rows_pat(&mut r.pat, s, bound),
            (syn::Pat::Paren(p), s) => self.rows_pat(&mut p.pat, s, bound),
            (syn::Pat::Wild(_), _) => true,
            (syn::Pat::Ident(i), Shape::Elem | Shape::Window) if i.subpat.is_none() => {
                bound.push((i.ident.clone(), matches!(s, Shape::Window)));
                true
            }
            (p @ syn::Pat::Tuple(_), Shape::Elem) => {
                let syn::Pat::Tuple(t) = &*p else {
                    return false;
                };
                if t.elems.len() != self.n
                    || !t.elems.iter().all(|e| {
                        matches!(e, syn::Pat::Ident(i) if i.subpat.is_none())
                            || matches!(e, syn::Pat::Wild(_))
                    })
                {
                    return false;
                }
                let elems = &t.elems;
                *p = syn::parse_quote!([#elems]);
                true
            }
            (syn::Pat::Tuple(t), Shape::Pair(a, b)) if t.elems.len() == 2 => {
                let mut it = t.elems.iter_mut();
                let (Some(pa), Some(pb)) = (it.next(), it.next()) else {
                    return false;
                };
                self.rows_pat(pa, a, bound) && self.rows_pat(pb, b, bound)
            }
            _ => false,
        }
    }

    /// `(T, T)` (behind references) as `[T; 2]`; false for another type.
    fn rows_type(&self, ty: &mut syn::Type) -> bool {
        match ty {
            syn::Type::Reference(r) => self.rows_type(&mut r.elem),
            syn::Type::Tuple(t) if t.elems.len() == self.n => match crate::vector::tuple_elem(ty) {
                Some((f, _)) => {
                    let n = self.n;
                    *ty = syn::parse_quote!([#f; #n]);
                    true
                }
                None => false,
            },
            syn::Type::Infer(_) => true,
            _ => false,
        }
    }

    /// Whether `names` are bound again anywhere in `e` (the rewrite then leaves it alone).
    fn rebinds(e: &dyn quote::ToTokens, names: &[syn::Ident]) -> bool {
        struct B<'a>(&'a [syn::Ident], bool);
        impl<'ast> syn::visit::Visit<'ast> for B<'_> {
            fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
                self.1 |= self.0.contains(&p.ident);
                syn::visit::visit_pat_ident(self, p);
            }
        }
        let Ok(block) = syn::parse2::<syn::Block>(quote!({ #e })) else {
            return true;
        };
        let mut b = B(names, false);
        syn::visit::Visit::visit_block(&mut b, &block);
        b.1
    }
}

impl VisitMut for Uses<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if self.other {
            return;
        }
        match e {
            // `pts[i].0`, `p.1`, `(*p).0`: an element's part by index.
            syn::Expr::Field(f)
                if matches!(&f.member, syn::Member::Unnamed(k) if (k.index as usize) < self.n)
                    && (self.is_indexed(&f.base) || self.is_elem(&f.base)) =>
            {
                let syn::Member::Unnamed(k) = &f.member else {
                    return;
                };
                let k = k.index as usize;
                if let syn::Expr::Index(ix) = &mut *f.base {
                    self.visit_expr_mut(&mut ix.index);
                }
                let base = &f.base;
                *e = match &**base {
                    syn::Expr::Unary(_) => syn::parse_quote!((#base)[#k]),
                    _ => syn::parse_quote!(#base[#k]),
                };
            }
            syn::Expr::MethodCall(m) if self.is_vec(&m.receiver) => {
                match (m.method.to_string().as_str(), m.args.len()) {
                    ("len" | "is_empty", 0) => {}
                    // The comparator's rows as arrays (the rewrite of matrices sorts them).
                    ("sort_by" | "sort_unstable_by", 1) => {
                        let method = m.method.clone();
                        match &mut m.args[0] {
                            syn::Expr::Closure(c) => {
                                self.visit_closure_of(c, &method, 0, &Shape::Elem);
                            }
                            _ => self.other = true,
                        }
                    }
                    _ => {
                        if self.shape(e).has_elem() {
                            self.visit_chain(e);
                        } else {
                            self.other = true;
                        }
                    }
                }
            }
            // `pts[i] = (a, b);`
            syn::Expr::Assign(a) if self.is_indexed(&a.left) => {
                if let syn::Expr::Index(ix) = &mut *a.left {
                    self.visit_expr_mut(&mut ix.index);
                }
                self.visit_expr_mut(&mut a.right);
                if !tails_as_arrays(&mut a.right, self.n) && !self.is_indexed(&a.right) {
                    self.other = true;
                }
            }
            syn::Expr::ForLoop(f) if self.shape(&f.expr).has_elem() => {
                let s = self.shape(&f.expr);
                self.visit_chain(&mut f.expr);
                let mut bound = Vec::new();
                if !self.rows_pat(&mut f.pat, &s, &mut bound)
                    || Self::rebinds(&f.body, &names_of(&bound))
                {
                    self.other = true;
                    return;
                }
                self.in_scope(bound, |v| v.visit_block_mut(&mut f.body));
            }
            syn::Expr::MethodCall(m) if self.shape(&m.receiver).has_elem() => self.visit_chain(e),
            syn::Expr::Path(_) if self.is_vec(e) || self.is_elem(e) => self.other = true,
            syn::Expr::Index(ix) if self.is_vec(&ix.expr) => self.other = true,
            syn::Expr::Closure(c)
                if c.inputs.iter().any(|p| {
                    let mut names = Vec::new();
                    crate::lower::collect_idents(p, &mut names);
                    names.iter().any(|n| self.elems.iter().any(|(e, _)| e == n))
                }) =>
            {
                self.other = true;
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let k = self.elems.len();
        for s in &mut b.stmts {
            if self.other {
                break;
            }
            self.visit_stmt_mut(s);
        }
        self.elems.truncate(k);
    }

    /// `let (a, b) = pts[i];`, `let p = &pts[i];`, `let (a, b) = *p;`: the names it binds to an
    /// element are elements until the end of the block (of the statements after the `Vec`'s
    /// `let`, at its level).
    fn visit_local_mut(&mut self, l: &mut syn::Local) {
        let reads_elem = l.init.as_ref().is_some_and(|i| {
            i.diverge.is_none() && (self.is_indexed(&i.expr) || self.is_elem(&i.expr))
        });
        if reads_elem {
            if let Some(init) = &mut l.init {
                let mut e = &mut *init.expr;
                while let syn::Expr::Reference(r) = e {
                    e = &mut *r.expr;
                }
                if let syn::Expr::Index(ix) = e {
                    self.visit_expr_mut(&mut ix.index);
                }
            }
            let mut bound = Vec::new();
            self.other |= !self.rows_pat(&mut l.pat, &Shape::Elem, &mut bound);
            self.elems.extend(bound);
            return;
        }
        let mut names = Vec::new();
        crate::lower::collect_idents(&l.pat, &mut names);
        self.other |= names.iter().any(|n| self.elems.iter().any(|(e, _)| e == n));
        syn::visit_mut::visit_local_mut(self, l);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        self.other |= self.mentions_vec(&m.tokens)
            || crate::naming::mentions(m.tokens.clone(), &|i| {
                self.elems.iter().any(|(e, _)| e == i)
            });
    }
}

fn names_of(bound: &[(syn::Ident, bool)]) -> Vec<syn::Ident> {
    bound.iter().map(|(n, _)| n.clone()).collect()
}
