//! Mutable references to locals, rewritten into the place they name.

/// Input: `let p = &mut s;` (or `&mut buf[i]`), then `*p += x`, `*p` and `p` in the rest of the block.
/// Output: nothing (or `let I: usize = i;`), with `s` (or `buf[I]`) for `*p` and `&mut s` for `p`
/// in the rest: the reference always names that place, so reading and writing through it is
/// reading and writing the place. `None` if `p`, `s` (or `buf`) is declared again or `p` assigned.
pub fn mut_ref_let(l: &syn::Local, rest: &mut [syn::Stmt]) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    if ty.is_some_and(|t| !matches!(t, syn::Type::Reference(r) if r.mutability.is_some())) {
        return None;
    }
    if let Some(out) = chosen_ref_let(&id.ident, init, rest) {
        return Some(out);
    }
    let syn::Expr::Reference(r) = init else {
        return None;
    };
    r.mutability?;
    let (place, base, pre): (syn::Expr, syn::Ident, Vec<syn::Stmt>) = match &*r.expr {
        syn::Expr::Path(p) => {
            let base = p.path.get_ident()?.clone();
            (syn::parse_quote!(#base), base, Vec::new())
        }
        syn::Expr::Index(ix) => {
            let syn::Expr::Path(p) = &*ix.expr else {
                return None;
            };
            let base = p.path.get_ident()?.clone();
            let i = crate::naming::fresh("at");
            let idx = &ix.index;
            (
                syn::parse_quote!(#base[#i]),
                base,
                vec![syn::parse_quote!(let #i: usize = #idx;)],
            )
        }
        _ => return None,
    };
    // (`let s = s * 0.5;` after the last use of `p`: `p` names the place it shadows, which is
    // `s` up to there, the value of that `let` included.)
    let rest = match rest
        .iter()
        .position(|s| super::redeclares_reading_macros(s, &[&base]))
    {
        None => rest,
        Some(k) => {
            let shadows = matches!(&rest[k], syn::Stmt::Local(l)
                if super::plain_let(l).is_some_and(|(at, _, value)| at.ident == base
                    && !super::redeclares(&syn::Stmt::Expr(value.clone(), None), &[&base])));
            let later = rest[k + 1..].iter().any(|s| {
                crate::naming::mentions(quote::ToTokens::to_token_stream(s), &|i| *i == id.ident)
            });
            if !shadows || later {
                return None;
            }
            &mut rest[..=k]
        }
    };
    let mut u = Uses {
        name: &id.ident,
        place: &place,
        other_place: None,
        other: false,
    };
    super::rewrite_rest(rest, &id.ident, &mut u, |u| !u.other)?;
    Some(pre)
}

/// Input: `let p = if c { &mut a } else { &mut b };` (locals), then `*p += x`, `*p = x` and `*p`
/// in the rest of the block. Output: `let F: bool = c;`, with `if F { a += X } else { b += X }`
/// (`X` the value, computed once) for the writes and `(if F { a } else { b })` for the reads.
fn chosen_ref_let(
    name: &syn::Ident,
    init: &syn::Expr,
    rest: &mut [syn::Stmt],
) -> Option<Vec<syn::Stmt>> {
    let syn::Expr::If(i) = init else {
        return None;
    };
    let place_of = |b: &syn::Block| -> Option<syn::Ident> {
        let [syn::Stmt::Expr(syn::Expr::Reference(r), None)] = &b.stmts[..] else {
            return None;
        };
        r.mutability?;
        match &*r.expr {
            syn::Expr::Path(p) => p.path.get_ident().cloned(),
            _ => None,
        }
    };
    let a = place_of(&i.then_branch)?;
    let Some((_, els)) = &i.else_branch else {
        return None;
    };
    let syn::Expr::Block(eb) = &**els else {
        return None;
    };
    let b = place_of(&eb.block)?;
    // Up to a `let` that declares `a` or `b` again (`let b = b * 0.5;`): after it, the names
    // are other variables, so the reference must not be used there.
    let cut = rest
        .iter()
        .position(|s| super::redeclares_reading_macros(s, &[&a, &b]))
        .unwrap_or(rest.len());
    let after: proc_macro2::TokenStream = rest[cut..]
        .iter()
        .map(quote::ToTokens::to_token_stream)
        .collect();
    if super::mentions(&after, name) {
        return None;
    }
    let flag = crate::naming::fresh("chosen");
    let (pa, pb): (syn::Expr, syn::Expr) = (syn::parse_quote!(#a), syn::parse_quote!(#b));
    let mut u = Uses {
        name,
        place: &pa,
        other_place: Some((&flag, &pb)),
        other: false,
    };
    super::rewrite_rest(&mut rest[..cut], name, &mut u, |u| !u.other)?;
    let cond = &i.cond;
    Some(vec![syn::parse_quote!(let #flag: bool = #cond;)])
}

struct Uses<'a> {
    name: &'a syn::Ident,
    place: &'a syn::Expr,
    /// For a reference chosen by a condition: the flag, and the place where it is false.
    other_place: Option<(&'a syn::Ident, &'a syn::Expr)>,
    other: bool,
}

impl Uses<'_> {
    fn is_p(&self, e: &syn::Expr) -> bool {
        matches!(e, syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.name))
    }
}

impl syn::visit_mut::VisitMut for Uses<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        let deref_p = |e: &syn::Expr| matches!(e, syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) && self.is_p(&u.expr));
        if let Some((flag, other)) = self.other_place {
            let place = self.place;
            // `*p = v` and `*p op= v`: the value once, written to the place chosen.
            let write = match e {
                syn::Expr::Assign(a) if deref_p(&a.left) => Some((quote::quote!(=), &mut a.right)),
                syn::Expr::Binary(b) if deref_p(&b.left) && assign_op(&b.op) => {
                    let op = &b.op;
                    Some((quote::quote!(#op), &mut b.right))
                }
                _ => None,
            };
            if let Some((op, value)) = write {
                self.visit_expr_mut(value);
                let v = crate::naming::fresh("value");
                *e = syn::parse_quote!({
                    let #v = #value;
                    if #flag { #place #op #v } else { #other #op #v }
                });
                return;
            }
            if deref_p(e) {
                *e = syn::parse_quote!((if #flag { #place } else { #other }));
                return;
            }
            // The name alone, or indexed or called (a buffer chosen by the condition): not
            // followed.
            let through = match &*e {
                syn::Expr::Index(ix) => self.is_p(&ix.expr),
                syn::Expr::MethodCall(m) => self.is_p(&m.receiver),
                other => self.is_p(other),
            };
            if through {
                self.other = true;
                return;
            }
        }
        match e {
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) && self.is_p(&u.expr) => {
                let place = self.place;
                *e = syn::parse_quote!(#place);
            }
            // `p[i]`, `p.len()`, `p.iter_mut()` of a reference to a buffer: the buffer's.
            syn::Expr::Index(ix) if self.is_p(&ix.expr) => {
                self.visit_expr_mut(&mut ix.index);
                *ix.expr = self.place.clone();
            }
            syn::Expr::MethodCall(m) if self.is_p(&m.receiver) => {
                for a in &mut m.args {
                    self.visit_expr_mut(a);
                }
                *m.receiver = self.place.clone();
            }
            syn::Expr::Assign(a) if self.is_p(&a.left) => self.other = true,
            e if self.is_p(e) => {
                let place = self.place;
                *e = syn::parse_quote!((&mut #place));
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `+=`, `-=`, `*=`, `/=` and the other compound assignments.
fn assign_op(op: &syn::BinOp) -> bool {
    matches!(
        op,
        syn::BinOp::AddAssign(_)
            | syn::BinOp::SubAssign(_)
            | syn::BinOp::MulAssign(_)
            | syn::BinOp::DivAssign(_)
            | syn::BinOp::RemAssign(_)
    )
}

/// Input: `let p = &(a * b);` (a reference to a value computed there, not to a place). Output:
/// `let T = a * b; let p = &T;`: the value gets a name, so that the reference outlives the
/// statement wherever the engine puts the assignment (a value declared before a loop or branch
/// and assigned in it would borrow a temporary dropped at once).
pub fn temporary_ref_let(l: &syn::Local, rest: &mut [syn::Stmt]) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    let syn::Expr::Reference(r) = super::unparen(init) else {
        return None;
    };
    if r.mutability.is_some() {
        return None;
    }
    let mut inner = &*r.expr;
    while let syn::Expr::Paren(p) = inner {
        inner = &p.expr;
    }
    if matches!(
        inner,
        syn::Expr::Path(_) | syn::Expr::Field(_) | syn::Expr::Index(_) | syn::Expr::Lit(_)
    ) {
        return None;
    }
    // Arrays and slices made in place are buffers' business: `let s = &[x, y];` (a nested fn's
    // slice parameter given a list) is the array itself, read alike.
    if let syn::Expr::Array(a) = inner {
        if a.elems.is_empty() {
            return None;
        }
        let (name, m) = (&id.ident, &id.mutability);
        let ty = match ty {
            Some(syn::Type::Reference(r)) if matches!(&*r.elem, syn::Type::Array(_)) => {
                let t = &r.elem;
                Some(quote::quote!(: #t))
            }
            _ => None,
        };
        // (Handed on by name, `f(s)`, it is lent as it was: `f(&s)`.)
        lent_by_name(rest, name);
        return Some(vec![syn::parse_quote!(let #m #name #ty = #inner;)]);
    }
    // `let idx: &[usize] = &vec![1, 0];` (an argument a helper's inlining binds): the list of
    // data gets a name of its own type first, as `let idx: Vec<usize> = vec![1, 0];` would.
    if let (syn::Expr::Macro(m), Some(syn::Type::Reference(r))) = (inner, ty) {
        if let syn::Type::Slice(sl) = &*r.elem {
            if m.mac.path.is_ident("vec")
                && r.mutability.is_none()
                && !crate::sig::holds_float(&sl.elem)
            {
                let (t, name, elem) = (crate::naming::fresh("list"), &id.ident, &sl.elem);
                return Some(vec![
                    syn::parse_quote!(let #t: ::std::vec::Vec<#elem> = #inner;),
                    syn::parse_quote!(let #name: #ty = &#t;),
                ]);
            }
        }
    }
    if matches!(inner, syn::Expr::Repeat(_) | syn::Expr::Macro(_)) {
        return None;
    }
    let t = crate::naming::fresh("referent");
    let name = &id.ident;
    let ty = ty.map(|t| quote::quote!(: #t));
    Some(vec![
        syn::parse_quote!(let #t = #inner;),
        syn::parse_quote!(let #name #ty = &#t;),
    ])
}

/// `f(s)` and `x.m(s)` in `rest` (the statements after `let s = [..];`, up to a `let` of `s`)
/// as `f(&s)`: `s` was a reference to the array, which a function given it by name borrows.
fn lent_by_name(rest: &mut [syn::Stmt], name: &syn::Ident) {
    struct Lend<'a>(&'a syn::Ident);
    impl Lend<'_> {
        fn lend(&self, a: &mut syn::Expr) {
            if matches!(a, syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.0)) {
                let n = self.0;
                *a = syn::parse_quote!(&#n);
            }
        }
    }
    impl syn::visit_mut::VisitMut for Lend<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            match e {
                syn::Expr::Call(c) => c.args.iter_mut().for_each(|a| self.lend(a)),
                syn::Expr::MethodCall(m) => m.args.iter_mut().for_each(|a| self.lend(a)),
                // (A closure binding the name reads its own.)
                syn::Expr::Closure(c)
                    if c.inputs.iter().any(|p| {
                        let mut names = Vec::new();
                        crate::lower::collect_pat_idents(p, &mut names);
                        names.contains(self.0)
                    }) =>
                {
                    return;
                }
                _ => {}
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    for s in rest {
        if let syn::Stmt::Local(l) = s {
            if let Some(init) = &mut l.init {
                syn::visit_mut::VisitMut::visit_expr_mut(&mut Lend(name), &mut init.expr);
            }
            let mut names = Vec::new();
            crate::lower::collect_pat_idents(&l.pat, &mut names);
            if names.contains(name) {
                return;
            }
            continue;
        }
        syn::visit_mut::VisitMut::visit_stmt_mut(&mut Lend(name), s);
    }
}

/// In every block of `s`: after `let p = &name;` (`&name[..]`, `name.as_slice()`, typed or not),
/// `p` read as `name` itself and the `let` dropped — a view of the whole, which a rewrite of
/// `name` then follows as it follows `name` (an inlined helper's parameter). Not where `p` is
/// declared again or named in a macro after it (`p` itself is not `mut`).
pub fn views_read_whole(s: &mut syn::Stmt, name: &syn::Ident) {
    struct Views<'a>(&'a syn::Ident);
    impl syn::visit_mut::VisitMut for Views<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            views_read_whole_in(&mut b.stmts, self.0);
            syn::visit_mut::visit_block_mut(self, b);
        }
    }
    syn::visit_mut::VisitMut::visit_stmt_mut(&mut Views(name), s);
}

/// [`views_read_whole`] on statements of one block themselves (`stmts`, the statements after
/// `name`'s `let`: a helper inlined at the top of the body binds its parameter there).
pub fn views_read_whole_in(stmts: &mut Vec<syn::Stmt>, name: &syn::Ident) {
    let mut k = 0;
    while k < stmts.len() {
        let view = match &stmts[k] {
            syn::Stmt::Local(l) => whole_view(l, name),
            _ => None,
        };
        let Some(p) = view else {
            k += 1;
            continue;
        };
        if stmts[k + 1..].iter().any(|s| super::redeclares(s, &[&p])) {
            k += 1;
            continue;
        }
        stmts.remove(k);
        let mut read = ReadAs(&p, name);
        for s in &mut stmts[k..] {
            syn::visit_mut::VisitMut::visit_stmt_mut(&mut read, s);
        }
    }
}

/// `from` read as `to`: itself where a place is read through it (`p[i]`, `p.len()`,
/// `p.f`), a reference to it where the view is a value (`for q in p`, `f(p)`).
struct ReadAs<'a>(&'a syn::Ident, &'a syn::Ident);
impl ReadAs<'_> {
    fn place(&mut self, e: &mut syn::Expr) {
        if matches!(e, syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.0)) {
            let to = self.1;
            *e = syn::parse_quote!(#to);
        } else {
            syn::visit_mut::VisitMut::visit_expr_mut(self, e);
        }
    }
}
impl syn::visit_mut::VisitMut for ReadAs<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::MethodCall(m) => {
                self.place(&mut m.receiver);
                for a in &mut m.args {
                    self.visit_expr_mut(a);
                }
            }
            syn::Expr::Index(ix) => {
                self.place(&mut ix.expr);
                self.visit_expr_mut(&mut ix.index);
            }
            syn::Expr::Field(f) => self.place(&mut f.base),
            syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.0) => {
                let to = self.1;
                *e = syn::parse_quote!((&#to));
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
}

/// `p` of `let p = &name;` (`&name[..]`, `name.as_slice()`), or `None`.
fn whole_view(l: &syn::Local, name: &syn::Ident) -> Option<syn::Ident> {
    let (id, ty, init) = super::plain_let(l)?;
    if id.mutability.is_some()
        || ty.is_some_and(|t| !matches!(t, syn::Type::Reference(r) if r.mutability.is_none()))
    {
        return None;
    }
    let whole = match super::unparen(init) {
        syn::Expr::Reference(r) if r.mutability.is_none() => super::place_of(&r.expr),
        syn::Expr::MethodCall(m) if m.method == "as_slice" && m.args.is_empty() => &m.receiver,
        _ => return None,
    };
    matches!(whole, syn::Expr::Path(p) if p.path.is_ident(name)).then(|| id.ident.clone())
}

/// Input: `let ref a = e;` (also `ref mut a` of a place, and typed `let ref a: T = e;`), as
/// the split of `let (ref a, ref b) = t;` or `let P { ref x, .. } = p;` leaves it.
/// Output: `let a = &e;` (`let a: &T = &e;`, `let a = &mut e;`), which binds the same
/// reference, read and written through as any other.
pub fn ref_binding_let(l: &syn::Local) -> Option<syn::Stmt> {
    let (syn::Pat::Ident(id), ty) = super::pat_and_type(l) else {
        return None;
    };
    id.by_ref?;
    let init = l.init.as_ref()?;
    if id.subpat.is_some() || init.diverge.is_some() {
        return None;
    }
    let (name, e) = (&id.ident, &init.expr);
    if id.mutability.is_some() {
        // (A temporary lent mutably would be changed and dropped at once: places only.)
        if !matches!(
            super::unparen(e),
            syn::Expr::Path(_) | syn::Expr::Field(_) | syn::Expr::Index(_)
        ) {
            return None;
        }
        return Some(match ty {
            Some(t) => syn::parse_quote!(let #name: &mut #t = &mut #e;),
            None => syn::parse_quote!(let #name = &mut #e;),
        });
    }
    Some(match ty {
        Some(t) => syn::parse_quote!(let #name: &#t = &#e;),
        None => syn::parse_quote!(let #name = &#e;),
    })
}

/// `w[a..b]`, `&w[a..]`, `w[..b].iter()` (a range of any form, in parentheses or not): the rows
/// of `w` from `a` to `b`, as the bounds of that range of indices (`w.len()` where it is open).
pub(crate) fn sub_rows(e: &syn::Expr, w: &syn::Ident) -> Option<(syn::Expr, syn::Expr)> {
    let e = match e {
        syn::Expr::MethodCall(m) if m.args.is_empty() && m.method == "iter" => &*m.receiver,
        e => e,
    };
    let (seq, r) = super::ranged(e)?;
    if !matches!(super::unparen(seq), syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(w))
    {
        return None;
    }
    Some(super::range_bounds(r, &quote::quote!(#w.len())))
}

/// `let part = &w[a..b];` (an inlined helper's parameter given `&w[a..]`): `part` stands for
/// those rows in `rest`, its bounds taken once — `part[i]` is `w[start + i]`, `part.len()` the
/// count, and `part` otherwise `w[start..end]`, which loops, maps and calls read as rows. `None`
/// where `rest` binds the name again.
pub(crate) fn sub_rows_let(
    l: &syn::Local,
    w: &syn::Ident,
    rest: &mut [syn::Stmt],
) -> Option<Vec<syn::Stmt>> {
    struct Subst<'a> {
        name: &'a syn::Ident,
        w: &'a syn::Ident,
        start: &'a syn::Ident,
        end: &'a syn::Ident,
    }
    impl syn::visit_mut::VisitMut for Subst<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            let (name, w, start, end) = (self.name, self.w, self.start, self.end);
            match e {
                syn::Expr::Index(ix)
                    if is_path(&ix.expr, name) && !matches!(&*ix.index, syn::Expr::Range(_)) =>
                {
                    self.visit_expr_mut(&mut ix.index);
                    let i = &ix.index;
                    *e = syn::parse_quote!(#w[#start + (#i)]);
                }
                syn::Expr::MethodCall(m)
                    if m.method == "len" && m.args.is_empty() && is_path(&m.receiver, name) =>
                {
                    *e = syn::parse_quote!((#end - #start));
                }
                // (A method's receiver as a place: `w[s..e].iter()`.)
                syn::Expr::MethodCall(m) if is_path(&m.receiver, name) => {
                    *m.receiver = syn::parse_quote!(#w[#start..#end]);
                    for a in &mut m.args {
                        self.visit_expr_mut(a);
                    }
                }
                syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(name) => {
                    *e = syn::parse_quote!((&#w[#start..#end]));
                }
                _ => syn::visit_mut::visit_expr_mut(self, e),
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            crate::desugar::closures::visit_vec_macro(m, self);
        }
    }
    let init = l.init.as_ref()?;
    let pat = match &l.pat {
        syn::Pat::Type(pt) => &*pt.pat,
        p => p,
    };
    let syn::Pat::Ident(pi) = pat else {
        return None;
    };
    if init.diverge.is_some() || pi.by_ref.is_some() || pi.subpat.is_some() {
        return None;
    }
    let (a, b) = sub_rows(&init.expr, w)?;
    if rest
        .iter()
        .any(|s| super::options::binds_inside(s, &pi.ident))
    {
        return None;
    }
    let (start, end) = (
        crate::naming::fresh("rows_start"),
        crate::naming::fresh("rows_end"),
    );
    let mut v = Subst {
        name: &pi.ident,
        w,
        start: &start,
        end: &end,
    };
    for s in rest.iter_mut() {
        syn::visit_mut::VisitMut::visit_stmt_mut(&mut v, s);
    }
    Some(vec![
        syn::parse_quote!(let #start: usize = #a;),
        syn::parse_quote!(let #end: usize = #b;),
    ])
}

/// [`sub_rows_let`] on statements of one block themselves (`stmts`, after the `let` of the rows
/// `name`).
/// and in the blocks nested in them (a helper copied in binds its parameter `&m[1..]` in a block
/// of its own), up to a statement that declares `name` again.
/// Whether it named one.
pub fn sub_views_in(stmts: &mut Vec<syn::Stmt>, name: &syn::Ident) -> bool {
    struct Nested<'a>(&'a syn::Ident, bool);
    impl syn::visit_mut::VisitMut for Nested<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            self.1 |= sub_views_in(&mut b.stmts, self.0);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut named = false;
    let mut k = 0;
    while k < stmts.len() {
        if let syn::Stmt::Local(l) = &stmts[k] {
            let l = l.clone();
            if let Some(bounds) = sub_rows_let(&l, name, &mut stmts[k + 1..]) {
                stmts.splice(k..=k, bounds);
                named = true;
            }
        }
        let mut nested = Nested(name, false);
        syn::visit_mut::VisitMut::visit_stmt_mut(&mut nested, &mut stmts[k]);
        named |= nested.1;
        if super::options::binds_inside(&stmts[k], name) {
            return named;
        }
        k += 1;
    }
    named
}

/// `e` is the name `name` (in parentheses or lent).
fn is_path(e: &syn::Expr, name: &syn::Ident) -> bool {
    match e {
        syn::Expr::Path(p) => p.qself.is_none() && p.path.is_ident(name),
        syn::Expr::Paren(p) => is_path(&p.expr, name),
        syn::Expr::Reference(r) if r.mutability.is_none() => is_path(&r.expr, name),
        _ => false,
    }
}
