//! A `Vec` of rows grown by pushes of rows written out (`pts.push((a, b))`, `pts.push([a, b])`,
//! `pts.push(vec![a, b])`): one buffer of floats grown by the rows' elements in turn, read
//! afterwards as a local matrix of that many rows.
//!
//! The buffer of floats is then what any vector grown by pushes is (a buffer as long as the
//! pushes can reach, see `pushes`), and the reads are those of a local matrix (see
//! `tuples::rows_of_flat`): `pts[i].0`, `for &(a, b) in &pts`, `pts.iter().map(|p| ..)`,
//! `pts.len()`.

use std::collections::HashSet;

use quote::quote;
use syn::visit_mut::VisitMut;

/// How the rows are written.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Tuple,
    Array,
    Vec,
}

/// Input: `let mut pts = Vec::new();` (`Vec::with_capacity(n)`, `vec![]`; untyped or of type
/// `Vec<(T, T)>`, `Vec<[T; K]>`, `Vec<Vec<T>>` of a float `T`), statements that push rows of one
/// form and width into it and mention it no other way, then reads of the whole rows.
/// Output: `let mut FLAT = Vec::new();`, each push `FLAT.push(a); FLAT.push(b);`, and after the
/// last one `let ROWS: usize = FLAT.len() / K;` and the reads as a matrix's over `FLAT`. Untyped,
/// one element of each row must read a float (a name of `floats` or an item of a loop over one, a
/// float literal, method or cast) and none be an integer by its form; `None` for anything else,
/// `rest` as it was.
pub fn row_pushes_let(
    l: &syn::Local,
    rest: &mut Vec<syn::Stmt>,
    floats: &HashSet<String>,
) -> Option<Vec<syn::Stmt>> {
    // A list written out is the pushes of its rows.
    if let Some((empty, pushes)) = literal_rows(l) {
        let written = rest.clone();
        rest.splice(0..0, pushes);
        let out = row_pushes_let(&empty, rest, floats);
        if out.is_none() {
            *rest = written;
        }
        return out;
    }
    let (syn::Pat::Ident(pi), ty) = super::pat_and_type(l) else {
        return None;
    };
    let init = l.init.as_ref()?;
    if pi.mutability.is_none()
        || pi.by_ref.is_some()
        || pi.subpat.is_some()
        || init.diverge.is_some()
        || !super::pushes::empty_vec(&init.expr)
    {
        return None;
    }
    let name = &pi.ident;
    let (kind, width, float) = match ty {
        Some(t) => {
            let (kind, width, float) = row_type(t)?;
            (Some(kind), width, Some(float))
        }
        None => (None, None, None),
    };
    let first = rest
        .iter()
        .position(|s| super::mentions(&quote!(#s), name))?;
    let floats = &super::struct_rows::floats_and_items(&rest[first..], floats);
    let ints = &integer_names(rest);
    let flat = crate::naming::fresh(&format!("{name}_flat"));
    let mut f = Flatten {
        name,
        flat: &flat,
        kind,
        width,
        typed: float.is_some(),
        row: float.clone(),
        floats,
        ints,
        ok: true,
        pushes: 0,
    };
    // The statements that push, up to the last; the reads come after it.
    let mut region: Vec<syn::Stmt> = Vec::new();
    let mut last = first;
    for (k, s) in rest.iter().enumerate().skip(first) {
        if !pushes_in(s, name) {
            break;
        }
        last = k;
        region.extend(f.stmt(s.clone()));
    }
    let (Some(kind), Some(width), true, true) = (f.kind, f.width, f.ok, f.pushes > 0) else {
        return None;
    };
    let mut tail: Vec<syn::Stmt> = rest[last + 1..].to_vec();
    if kind == Kind::Tuple {
        super::tuple_rows::tuples_as_arrays(&mut tail, name, width)?;
    }
    let rows = crate::naming::fresh(&format!("rows_{name}"));
    super::tuples::rows_of_flat(&mut tail, name, &flat, &rows, width)?;
    let mut out: Vec<syn::Stmt> = rest[..first].to_vec();
    out.extend(region);
    out.push(syn::parse_quote!(let #rows: usize = #flat.len() / #width;));
    out.extend(tail);
    *rest = out;
    let typed = float.map(|t| quote!(: ::std::vec::Vec<#t>));
    Some(vec![
        syn::parse_quote!(let mut #flat #typed = ::std::vec::Vec::new();),
    ])
}

/// `let pts = [(a, b), (c, d)];` (or `vec![..]`, typed `[(T, T); K]` or `Vec<(T, T)>` or not):
/// `let mut pts = Vec::new();` (typed `Vec<(T, T)>` where it was) and the pushes of the rows in
/// turn, which [`row_pushes_let`] follows as any other.
fn literal_rows(l: &syn::Local) -> Option<(syn::Local, Vec<syn::Stmt>)> {
    let (syn::Pat::Ident(pi), ty) = super::pat_and_type(l) else {
        return None;
    };
    let init = l.init.as_ref()?;
    if pi.by_ref.is_some() || pi.subpat.is_some() || init.diverge.is_some() {
        return None;
    }
    let rows = super::listed_elements(&init.expr)?;
    if rows.is_empty()
        || !rows
            .iter()
            .all(|r| matches!(super::unparen(r), syn::Expr::Tuple(t) if t.elems.len() >= 2))
    {
        return None;
    }
    let ty: Option<syn::Type> = match ty {
        None => None,
        Some(t) => {
            let elem = match t {
                syn::Type::Array(a) => (*a.elem).clone(),
                t => crate::vector::seq_elem(t)?,
            };
            crate::vector::tuple_elem(&elem)?;
            Some(syn::parse_quote!(::std::vec::Vec<#elem>))
        }
    };
    let name = &pi.ident;
    let empty: syn::Stmt = match ty {
        Some(t) => syn::parse_quote!(let mut #name: #t = ::std::vec::Vec::new();),
        None => syn::parse_quote!(let mut #name = ::std::vec::Vec::new();),
    };
    let syn::Stmt::Local(empty) = empty else {
        unreachable!("a `let` parses as one")
    };
    let pushes = rows
        .iter()
        .map(|r| {
            let span = syn::spanned::Spanned::span(r);
            syn::parse_quote_spanned!(span=> #name.push(#r);)
        })
        .collect();
    Some((empty, pushes))
}

/// `Vec<(T, T, ..)>`, `Vec<[T; K]>` (a literal `K`), `Vec<Vec<T>>` of a float `T`: how rows are
/// written, how wide (not said by a `Vec<Vec<T>>`) and `T`.
fn row_type(ty: &syn::Type) -> Option<(Kind, Option<usize>, syn::Type)> {
    let elem = crate::vector::seq_elem(ty)?;
    if !matches!(ty, syn::Type::Path(_)) {
        return None;
    }
    if let Some((t, n)) = crate::vector::tuple_elem(&elem) {
        return Some((Kind::Tuple, Some(n), t));
    }
    if let syn::Type::Array(a) = &elem {
        crate::sig::float_of(&a.elem)?;
        let n = super::tuples::lit_usize(&a.len)?;
        return Some((Kind::Array, Some(n), (*a.elem).clone()));
    }
    let row = crate::vector::seq_elem(&elem).filter(|_| matches!(elem, syn::Type::Path(_)))?;
    crate::sig::float_of(&row)?;
    Some((Kind::Vec, None, row))
}

/// Whether `s` pushes into `name` somewhere.
fn pushes_in(s: &syn::Stmt, name: &syn::Ident) -> bool {
    struct Find<'a>(&'a syn::Ident, bool);
    impl<'a> syn::visit::Visit<'a> for Find<'_> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            self.1 |= super::pushes::push_expr(e, self.0).is_some();
            syn::visit::visit_expr(self, e);
        }
    }
    let mut f = Find(name, false);
    syn::visit::Visit::visit_stmt(&mut f, s);
    f.1
}

/// Rewrites the pushes of rows into `name` into pushes of their elements into `flat`, and
/// finds out whether `name` is used in no other way there and how the rows are written.
struct Flatten<'a> {
    name: &'a syn::Ident,
    flat: &'a syn::Ident,
    kind: Option<Kind>,
    width: Option<usize>,
    /// Whether the `Vec`'s type says its rows hold floats.
    typed: bool,
    /// The rows' element type, where the `Vec`'s type gives it.
    row: Option<syn::Type>,
    floats: &'a HashSet<String>,
    /// Names that hold integers (see [`integer_names`]).
    ints: &'a HashSet<String>,
    ok: bool,
    pushes: usize,
}

impl Flatten<'_> {
    /// `s` as the statements it becomes: a push as a statement is one push per element.
    fn stmt(&mut self, mut s: syn::Stmt) -> Vec<syn::Stmt> {
        if let syn::Stmt::Expr(e, Some(_)) = &s {
            if let Some((pre, parts)) = self.push_parts(e) {
                let flat = self.flat;
                return pre
                    .into_iter()
                    .chain(parts.iter().map(|p| {
                        let span = syn::spanned::Spanned::span(p);
                        let flat = crate::naming::respanned(flat, span);
                        syn::parse_quote_spanned!(span=> #flat.push(#p);)
                    }))
                    .collect();
            }
        }
        self.visit_stmt_mut(&mut s);
        vec![s]
    }

    /// The elements of the row `name.push(ROW)` pushes (after a `let` of the row where it is
    /// no row written out), or `None` for another expression (a push of another form makes the
    /// rewrite fail).
    fn push_parts(&mut self, e: &syn::Expr) -> Option<(Option<syn::Stmt>, Vec<syn::Expr>)> {
        let row = super::pushes::push_expr(e, self.name)?;
        let mut pre = None;
        let (kind, parts): (Kind, Vec<syn::Expr>) = match super::unparen(&row) {
            syn::Expr::Tuple(t) if t.elems.len() >= 2 => {
                (Kind::Tuple, t.elems.iter().cloned().collect())
            }
            syn::Expr::Array(a) if !a.elems.is_empty() => {
                (Kind::Array, a.elems.iter().cloned().collect())
            }
            syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                let parts: Vec<syn::Expr> = m
                    .mac
                    .parse_body_with(
                        syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
                    )
                    .ok()?
                    .into_iter()
                    .collect();
                (Kind::Vec, parts)
            }
            // A row made otherwise (a helper's `[T; K]`, a local array) into a `Vec<[T; K]>`
            // typed so: bound under the row's type, then its elements.
            value => match (self.kind, self.width, &self.row) {
                (Some(Kind::Array), Some(width), Some(t)) => {
                    if reads_name(value, self.name) {
                        self.ok = false;
                        return None;
                    }
                    let r = crate::naming::fresh("row");
                    pre = Some(syn::parse_quote!(let #r: [#t; #width] = #value;));
                    let parts = (0..width).map(|j| syn::parse_quote!(#r[#j])).collect();
                    (Kind::Array, parts)
                }
                _ => {
                    self.ok = false;
                    return None;
                }
            },
        };
        let same_kind = *self.kind.get_or_insert(kind) == kind;
        let same_width = *self.width.get_or_insert(parts.len()) == parts.len();
        // Untyped, a row of floats: one element reads a float, and none is an integer.
        let float = |p: &syn::Expr| match super::unparen(p) {
            syn::Expr::Cast(c) => crate::sig::float_of(&c.ty).is_some(),
            // `f64::from(k)`, `f64::sqrt(v)`: a function of the float type.
            syn::Expr::Call(c) => matches!(super::unparen(&c.func), syn::Expr::Path(f)
                if f.path.segments.len() == 2
                    && crate::sig::float_of(&syn::Type::Path(syn::TypePath {
                        qself: None,
                        path: f.path.segments[0].ident.clone().into(),
                    }))
                    .is_some()),
            p => super::tuples::reads_floats(p, self.floats),
        };
        let floats =
            self.typed || (parts.iter().any(float) && !parts.iter().any(|p| integer(p, self.ints)));
        if !(same_kind && same_width && floats && !parts.is_empty()) {
            self.ok = false;
            return None;
        }
        // (The elements are visited too: a push nested in one is not followed.)
        for p in &parts {
            if super::mentions(&quote!(#p), self.name) {
                self.ok = false;
            }
        }
        self.pushes += 1;
        Some((pre, parts))
    }
}

impl VisitMut for Flatten<'_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let stmts = std::mem::take(&mut b.stmts);
        b.stmts = stmts.into_iter().flat_map(|s| self.stmt(s)).collect();
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        // A push as a value (a `match` arm's): a block of the pushes.
        if let Some((pre, parts)) = self.push_parts(e) {
            let flat = self.flat;
            *e = syn::parse_quote!({ #pre #(#flat.push(#parts);)* });
            return;
        }
        if matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.name)) {
            self.ok = false;
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        if super::mentions(&m.tokens, self.name) {
            self.ok = false;
        }
    }
}

/// Whether `e` reads `name` as it is outside `e`: a block of a helper's call copied in
/// (`({ let a: f64 = *h; .. })`) may bind a parameter of the same name, whose reads after its
/// `let` are not the list's.
fn reads_name(e: &syn::Expr, name: &syn::Ident) -> bool {
    let syn::Expr::Block(b) = super::unparen(e) else {
        return super::mentions(&quote!(#e), name);
    };
    for s in &b.block.stmts {
        if let syn::Stmt::Local(l) = s {
            if let Some(init) = &l.init {
                let (value, diverge) = (&init.expr, init.diverge.as_ref().map(|d| &d.1));
                if super::mentions(&quote!(#value #diverge), name) {
                    return true;
                }
            }
            let mut bound = Vec::new();
            crate::lower::collect_pat_idents(&l.pat, &mut bound);
            if bound.contains(name) {
                return false;
            }
        } else if super::mentions(&quote!(#s), name) {
            return true;
        }
    }
    false
}

/// The names `stmts` bind to integers: a range's loop variable (`for i in 0..n`, also `rev`,
/// `step_by`, `skip`, `take`), an enumeration's count, a `let` of an integer (see [`integer`]).
fn integer_names(stmts: &[syn::Stmt]) -> HashSet<String> {
    struct Ints(HashSet<String>);
    impl<'a> syn::visit::Visit<'a> for Ints {
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            match &*f.pat {
                syn::Pat::Ident(i) if super::pushes::range_source(&f.expr) => {
                    self.0.insert(i.ident.to_string());
                }
                syn::Pat::Tuple(t) if matches!(super::unparen(&f.expr), syn::Expr::MethodCall(m) if m.method == "enumerate") => {
                    if let Some(syn::Pat::Ident(i)) = t.elems.first() {
                        self.0.insert(i.ident.to_string());
                    }
                }
                _ => {}
            }
            syn::visit::visit_expr_for_loop(self, f);
        }
        fn visit_local(&mut self, l: &'a syn::Local) {
            if let (syn::Pat::Ident(p), Some(init)) = (&l.pat, &l.init) {
                if integer(&init.expr, &self.0) {
                    self.0.insert(p.ident.to_string());
                }
            }
            syn::visit::visit_local(self, l);
        }
    }
    let mut ints = Ints(HashSet::new());
    for s in stmts {
        syn::visit::Visit::visit_stmt(&mut ints, s);
    }
    ints.0
}

/// Whether `e` is an integer by its form (see [`super::pushes::integer_form`]).
fn integer(e: &syn::Expr, ints: &HashSet<String>) -> bool {
    super::pushes::integer_form(super::unparen(e), &|i| ints.contains(&i.to_string()))
}

/// Input: `let mut qs = Vec::new();` (untyped: `vec![]`, `Vec::with_capacity(n)` alike) that a
/// later statement of its block grows by a push of a call of a helper the body holds (copied in
/// from the module) or a plain function of the caller's module, that returns `[T; K]` of a float
/// `T`: `qs.push(force(p))`.
/// Output: `let mut qs: Vec<[T; K]> = Vec::new();`, the type the pushes give it, which
/// [`row_pushes_let`] reads to take the rows apart.
pub fn typed_by_helpers(body: &mut syn::Block, caller: &str) {
    let row_type = |f: &syn::ItemFn| match &f.sig.output {
        syn::ReturnType::Type(_, t) => match &**t {
            syn::Type::Array(a)
                if crate::sig::float_of(&a.elem).is_some()
                    && super::tuples::lit_usize(&a.len).is_some() =>
            {
                Some((**t).clone())
            }
            _ => None,
        },
        syn::ReturnType::Default => None,
    };
    let nested: Vec<(syn::Ident, Option<syn::Type>)> = body
        .stmts
        .iter()
        .filter_map(|s| match s {
            syn::Stmt::Item(syn::Item::Fn(f)) => Some((f.sig.ident.clone(), row_type(f))),
            _ => None,
        })
        .collect();
    // The module's plain functions (which a form that keeps their calls as written does not
    // copy in: `a.push(rot(*h, 0.5))` of constants), read only for a callee a list needs, and
    // only that one parsed: a file may hold thousands.
    let mut module: Option<Vec<(String, String)>> = None;
    let mut resolve = |callee: &syn::Ident| -> Option<syn::Type> {
        if let Some((_, t)) = nested.iter().find(|(n, _)| n == callee) {
            return t.clone();
        }
        let module = module.get_or_insert_with(|| crate::prescan::plain_functions(caller));
        let (_, source) = module.iter().find(|(n, _)| callee == n)?;
        row_type(&syn::parse_str::<syn::ItemFn>(source).ok()?)
    };
    super::each_block_inner_first(body, |b| {
        for i in 0..b.stmts.len() {
            let (head, rest) = b.stmts.split_at_mut(i + 1);
            let syn::Stmt::Local(l) = &mut head[i] else {
                continue;
            };
            let Some(init) = &l.init else {
                continue;
            };
            // (Untyped, or `Vec<_>`.)
            let pat = match &l.pat {
                syn::Pat::Type(pt)
                    if {
                        let t = &pt.ty;
                        quote!(#t).to_string().replace(' ', "") == "Vec<_>"
                    } =>
                {
                    &*pt.pat
                }
                p => p,
            };
            let syn::Pat::Ident(pi) = pat else {
                continue;
            };
            if init.diverge.is_some() {
                continue;
            }
            let pushed = if super::pushes::empty_vec(&init.expr) {
                if pi.mutability.is_none() || !matches!(l.pat, syn::Pat::Ident(_)) {
                    continue;
                }
                first_push(rest, &pi.ident)
            } else {
                collected_value(&init.expr)
            };
            let Some(pushed) = pushed else {
                continue;
            };
            let Some(row) = inlined_row(&pushed).or_else(|| resolve(&called(&pushed)?)) else {
                continue;
            };
            // (In place of `Vec<_>` where the `let` writes it.)
            l.pat = pat.clone();
            super::type_let(l, syn::parse_quote!(::std::vec::Vec<#row>));
        }
    });
}

/// A helper's call already copied in (`({ let a: f64 = ..; let V: [f64; 2] = ..; V })`, as the
/// wrapper of rows parameters inlines every plain helper first): the array type its value was
/// declared with.
fn inlined_row(e: &syn::Expr) -> Option<syn::Type> {
    let syn::Expr::Block(b) = super::unparen(e) else {
        return None;
    };
    let Some(syn::Stmt::Expr(syn::Expr::Path(tail), None)) = b.block.stmts.last() else {
        return None;
    };
    let name = tail.path.get_ident()?;
    b.block.stmts.iter().rev().find_map(|s| match s {
        syn::Stmt::Local(l) => match &l.pat {
            syn::Pat::Type(pt) if matches!(&*pt.pat, syn::Pat::Ident(pi) if pi.ident == *name) => {
                match &*pt.ty {
                    syn::Type::Array(a)
                        if crate::sig::float_of(&a.elem).is_some()
                            && super::tuples::lit_usize(&a.len).is_some() =>
                    {
                        Some((*pt.ty).clone())
                    }
                    _ => None,
                }
            }
            _ => None,
        },
        _ => None,
    })
}

/// `SOURCE.map(|p| VALUE).collect()` (`.collect::<Vec<_>>()`): the value `VALUE` each item
/// maps to.
fn collected_value(e: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(c) = super::unparen(e) else {
        return None;
    };
    let turbofish_ok = c.turbofish.as_ref().is_none_or(|t| {
        quote!(#t)
            .to_string()
            .replace(' ', "")
            .trim_start_matches("::")
            == "<Vec<_>>"
    });
    if c.method != "collect" || !c.args.is_empty() || !turbofish_ok {
        return None;
    }
    let syn::Expr::MethodCall(m) = super::unparen(&c.receiver) else {
        return None;
    };
    let [syn::Expr::Closure(cl)] = &m.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if m.method != "map" {
        return None;
    }
    Some(super::tail_expr(&cl.body).clone())
}

/// The function a call by a bare name calls (also as a block's only expression, `{ f(..) }`, as
/// a model's rewrite writes a closure's body).
fn called(e: &syn::Expr) -> Option<syn::Ident> {
    let e = match super::unparen(e) {
        syn::Expr::Block(b) => match &b.block.stmts[..] {
            [syn::Stmt::Expr(tail, None)] => tail,
            _ => return None,
        },
        e => e,
    };
    let syn::Expr::Call(c) = super::unparen(e) else {
        return None;
    };
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    p.path.get_ident().cloned()
}

/// What the first push into `name` in `stmts` pushes.
fn first_push(stmts: &[syn::Stmt], name: &syn::Ident) -> Option<syn::Expr> {
    struct Find<'a>(&'a syn::Ident, Option<syn::Expr>);
    impl<'a> syn::visit::Visit<'a> for Find<'_> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            if self.1.is_none() {
                self.1 = super::pushes::push_expr(e, self.0);
                if self.1.is_none() {
                    syn::visit::visit_expr(self, e);
                }
            }
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find(name, None);
    for s in stmts {
        syn::visit::Visit::visit_stmt(&mut f, s);
    }
    f.1
}
