//! Tuples as values: computed by a block, an `if` or a `match`, held in a local and read by field.
//! Each becomes one local per component, which lowering knows.

use super::tuples::pair;

/// Input: `let (a, b): (f64, f64) = if c { s; (e1, e2) } else { (f1, f2) };`, with blocks, `if`s,
/// `match`es and diverging tails (`return`, `break`, `panic!`) at any depth.
/// Output: `let T0: f64; let T1: f64; if c { s; T0 = e1; T1 = e2; } else { T0 = f1; T1 = f2; }
/// let a = T0; let b = T1;`: late-initialized locals assigned on every path. `None` when a tail is
/// not a tuple the pattern destructures (a call returning a tuple, say).
pub fn branch_tuple_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (pat, ty) = super::pat_and_type(l);
    if !matches!(pat, syn::Pat::Tuple(_)) {
        return None;
    }
    let init = l.init.as_ref()?;
    if init.diverge.is_some() || !is_branching(&init.expr) {
        return None;
    }
    let mut leaves = Vec::new();
    leaves_of(pat, ty, &mut leaves)?;
    let temps: Vec<syn::Ident> = (0..leaves.len())
        .map(|_| crate::naming::fresh("tv"))
        .collect();
    let body = assign(&init.expr, pat, ty, &temps)?;
    let mut out: Vec<syn::Stmt> = Vec::new();
    for (t, (_, leaf_ty)) in temps.iter().zip(&leaves) {
        out.push(match leaf_ty {
            Some(lt) => syn::parse_quote!(let #t: #lt;),
            None => syn::parse_quote!(let #t;),
        });
    }
    out.extend(body);
    for (t, (p, leaf_ty)) in temps.iter().zip(leaves) {
        out.push(match (p, leaf_ty) {
            (syn::Pat::Wild(_), _) => syn::parse_quote!(let _ = #t;),
            (p, Some(lt)) => syn::parse_quote!(let #p: #lt = #t;),
            (p, None) => syn::parse_quote!(let #p = #t;),
        });
    }
    Some(out)
}

fn is_branching(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Paren(p) => is_branching(&p.expr),
        syn::Expr::Block(b) => b.label.is_none(),
        syn::Expr::If(_) | syn::Expr::Match(_) => true,
        _ => false,
    }
}

/// The names (or `_`) of a tuple pattern in order, each with its type when the `let` gives one.
fn leaves_of(
    pat: &syn::Pat,
    ty: Option<&syn::Type>,
    out: &mut Vec<(syn::Pat, Option<syn::Type>)>,
) -> Option<()> {
    match pat {
        syn::Pat::Tuple(tp) => {
            let tys: Vec<Option<&syn::Type>> = match ty {
                Some(syn::Type::Tuple(tt)) if tt.elems.len() == tp.elems.len() => {
                    tt.elems.iter().map(Some).collect()
                }
                Some(_) => return None,
                None => vec![None; tp.elems.len()],
            };
            for (p, t) in tp.elems.iter().zip(tys) {
                leaves_of(p, t, out)?;
            }
            Some(())
        }
        syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
            out.push((pat.clone(), ty.cloned()));
            Some(())
        }
        syn::Pat::Wild(_) => {
            out.push((pat.clone(), ty.cloned()));
            Some(())
        }
        _ => None,
    }
}

/// Statements that evaluate `e` and assign the leaves of `pat` to `temps`.
fn assign(
    e: &syn::Expr,
    pat: &syn::Pat,
    ty: Option<&syn::Type>,
    temps: &[syn::Ident],
) -> Option<Vec<syn::Stmt>> {
    match e {
        syn::Expr::Paren(p) => assign(&p.expr, pat, ty, temps),
        syn::Expr::Block(b) if b.label.is_none() => {
            let mut stmts = b.block.stmts.clone();
            let inner = match stmts.pop() {
                Some(syn::Stmt::Expr(tail, None)) => assign(&tail, pat, ty, temps)?,
                // No value: the block must leave by its last statement.
                Some(last) if diverges_stmt(&last) => vec![last],
                _ => return None,
            };
            stmts.extend(inner);
            Some(vec![syn::parse_quote!({ #(#stmts)* })])
        }
        syn::Expr::If(i) => {
            let (_, els) = i.else_branch.as_ref()?;
            let then = assign(
                &syn::Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block: i.then_branch.clone(),
                }),
                pat,
                ty,
                temps,
            )?;
            let els = assign(els, pat, ty, temps)?;
            let cond = &i.cond;
            Some(vec![
                syn::parse_quote!(if #cond { #(#then)* } else { #(#els)* }),
            ])
        }
        syn::Expr::Match(m) => {
            let (bind, chain) = super::matches::match_to_if(m);
            let mut out: Vec<syn::Stmt> = bind.into_iter().collect();
            out.extend(assign(&chain, pat, ty, temps)?);
            Some(out)
        }
        e if diverges(e) => Some(vec![syn::parse_quote!(#e;)]),
        e => {
            let (mut pre, mut leaves) = (Vec::new(), Vec::new());
            pair(pat, ty, e, &mut pre, &mut leaves)?;
            if leaves.len() != temps.len() {
                return None;
            }
            // Every component is computed before any is assigned, as the tuple was.
            let vals: Vec<syn::Ident> = (0..temps.len())
                .map(|_| crate::naming::fresh("tc"))
                .collect();
            for (v, (_, _, leaf)) in vals.iter().zip(&leaves) {
                pre.push(syn::parse_quote!(let #v = #leaf;));
            }
            for (t, v) in temps.iter().zip(&vals) {
                pre.push(syn::parse_quote!(#t = #v;));
            }
            Some(pre)
        }
    }
}

fn diverges(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_) => true,
        syn::Expr::Macro(m) => is_panic(&m.mac),
        _ => false,
    }
}

fn diverges_stmt(s: &syn::Stmt) -> bool {
    match s {
        syn::Stmt::Expr(e, _) => diverges(e),
        syn::Stmt::Macro(m) => is_panic(&m.mac),
        _ => false,
    }
}

fn is_panic(m: &syn::Macro) -> bool {
    m.path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "panic" | "unreachable" | "todo" | "unimplemented"
        )
    })
}

/// How many components the tuple that `e` computes has, when its tails say.
fn arity(e: &syn::Expr) -> Option<usize> {
    match e {
        syn::Expr::Paren(p) => arity(&p.expr),
        syn::Expr::Tuple(t) if !t.elems.is_empty() => Some(t.elems.len()),
        syn::Expr::MethodCall(m) if m.method == "sin_cos" && m.args.is_empty() => Some(2),
        syn::Expr::Block(b) if b.label.is_none() => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => arity(tail),
            _ => None,
        },
        syn::Expr::If(i) => {
            let then = match i.then_branch.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => arity(tail),
                _ => None,
            };
            then.or_else(|| arity(&i.else_branch.as_ref()?.1))
        }
        syn::Expr::Match(m) => m.arms.iter().find_map(|a| arity(&a.body)),
        _ => None,
    }
}

/// Input: `let t = (x, 2.0 * y);` (or a block, `if`, `match` or `sin_cos()` computing a tuple), then
/// `t.0`, `t.1 += ..`, `t = (..)` and `t` in the rest of the block.
/// Output: `let (T0, T1) = (x, 2.0 * y);` with `T0`, `T1`, `{ let (U0, U1) = (..); T0 = U0; T1 =
/// U1; }` and `(T0, T1)` in the rest, whose tuple `let`s the other rewrites then split. `None` if
/// `t` is declared again or read where the rewrite cannot follow (inside a macro).
pub fn tuple_local(l: &syn::Local, rest: &mut [syn::Stmt]) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init_expr) = super::plain_let(l)?;
    // A function's tuple is `vector_calls::mark`'s, typed or not (split here, it would come back
    // as a typed `let` of the call, and be split again).
    if super::vector_calls::plain_fn_call(init_expr) {
        return None;
    }
    let n = match ty {
        Some(syn::Type::Tuple(tt)) if !tt.elems.is_empty() => tt.elems.len(),
        Some(_) => return None,
        None => arity(init_expr)?,
    };
    let name = &id.ident;
    // A block, `if` or `match` whose tails are not all tuples the rewrite splits stays as written
    // (and is reported where its value is a tuple), rather than split into a `let` of parts that
    // no rewrite can take.
    if is_branching(init_expr) {
        let temps: Vec<syn::Ident> = crate::naming::fresh_names("probe", n);
        let pat: syn::Pat = syn::parse_quote!((#(#temps),*));
        assign(init_expr, &pat, None, &temps)?;
    }
    let parts: Vec<syn::Ident> = (0..n)
        .map(|k| crate::naming::fresh(&format!("{name}_{k}_")))
        .collect();
    let mut r = Uses {
        name,
        parts: &parts,
        by_ref: false,
        other: false,
    };
    // A later binding of the name (a parameter of a function inlined where `t` is its
    // argument: `let p = p;`) is another local: named apart first.
    super::sub_slices::unshadow(rest, name);
    super::rewrite_rest(rest, name, &mut r, |r| !r.other)?;
    let m = vec![id.mutability; n];
    let e = init_expr;
    Some(vec![match ty {
        Some(t) => syn::parse_quote!(let (#(#m #parts),*): #t = #e;),
        None => syn::parse_quote!(let (#(#m #parts),*) = #e;),
    }])
}

/// Input: `let p = &(T0, T1);` (a reference to a tuple of locals: a tuple local split by
/// [`tuple_local`] lent to a helper inlined after it, `norm(&p)` for `fn norm(p: &(f64, f64))`),
/// then `p.0`, `*p` and `p` in the rest of the block.
/// Output: nothing, with `T0`, `(T0, T1)` and `&(T0, T1)` in the rest. `None` if `p` is declared
/// again or assigned, or a part is changed in the rest (the reference holds the parts' values
/// when it is made).
pub fn tuple_ref_let(l: &syn::Local, rest: &mut [syn::Stmt]) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    if id.mutability.is_some()
        || ty.is_some_and(|t| !matches!(t, syn::Type::Reference(r) if r.mutability.is_none()))
    {
        return None;
    }
    let syn::Expr::Reference(r) = super::unparen(init) else {
        return None;
    };
    let syn::Expr::Tuple(t) = super::unparen(&r.expr) else {
        return None;
    };
    if r.mutability.is_some() || t.elems.len() < 2 {
        return None;
    }
    let parts: Vec<syn::Ident> = t
        .elems
        .iter()
        .map(|e| match e {
            syn::Expr::Path(p) if p.qself.is_none() => p.path.get_ident().cloned(),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let names: std::collections::HashSet<String> = parts.iter().map(ToString::to_string).collect();
    if rest.iter().any(|s| super::closures::writes(s, &names)) {
        return None;
    }
    let mut r = Uses {
        name: &id.ident,
        parts: &parts,
        by_ref: true,
        other: false,
    };
    super::rewrite_rest(rest, &id.ident, &mut r, |r| !r.other)?;
    Some(Vec::new())
}

struct Uses<'a> {
    name: &'a syn::Ident,
    parts: &'a [syn::Ident],
    /// `name` is a reference to the tuple of the parts (`*p` the tuple, `p` a reference to it).
    by_ref: bool,
    other: bool,
}

impl Uses<'_> {
    fn is_t(&self, e: &syn::Expr) -> bool {
        matches!(e, syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.name))
    }
}

impl syn::visit_mut::VisitMut for Uses<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::Field(f) if self.is_t(&f.base) => match &f.member {
                syn::Member::Unnamed(k) if (k.index as usize) < self.parts.len() => {
                    let p = &self.parts[k.index as usize];
                    *e = syn::parse_quote!(#p);
                }
                _ => self.other = true,
            },
            syn::Expr::Assign(a) if !self.by_ref && self.is_t(&a.left) => {
                self.visit_expr_mut(&mut a.right);
                let fresh: Vec<syn::Ident> = (0..self.parts.len())
                    .map(|_| crate::naming::fresh("ta"))
                    .collect();
                let (parts, right) = (self.parts, &a.right);
                *e = syn::parse_quote!({
                    let (#(#fresh),*) = #right;
                    #(#parts = #fresh;)*
                });
            }
            syn::Expr::Assign(a) if self.by_ref && self.is_t(super::unparen(&a.left)) => {
                self.other = true;
            }
            syn::Expr::Unary(u)
                if self.by_ref && matches!(u.op, syn::UnOp::Deref(_)) && self.is_t(&u.expr) =>
            {
                let parts = self.parts;
                *e = syn::parse_quote!((#(#parts),*));
            }
            e if self.is_t(e) && self.by_ref => {
                let parts = self.parts;
                *e = syn::parse_quote!((&(#(#parts),*)));
            }
            e if self.is_t(e) => {
                let parts = self.parts;
                *e = syn::parse_quote!((#(#parts),*));
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Input: `let mut s = State { pos: 1.0, vel: v0 };` (a struct literal of named fields, no
/// `..base`), then `s.pos`, `s.vel += ..`, `s = State { pos: .., vel: .. }` in the rest of the
/// block. Output: `let mut S_pos = 1.0; let mut S_vel = v0;` and the parts in the rest: a small
/// state struct of a simulation as the floats it holds; a copy `let prev = s;` is a literal of the
/// parts (`let prev = State { pos: S_pos, vel: S_vel };`). `None` where `s` is used whole
/// otherwise (passed on, a method called on it) or declared again: it is then left as written.
pub fn struct_local(l: &syn::Local, rest: &mut [syn::Stmt]) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init_expr) = super::plain_let(l)?;
    let syn::Expr::Struct(lit) = init_expr else {
        return struct_copy_local(l, rest);
    };
    if lit.rest.is_some() || lit.dot2_token.is_some() || lit.qself.is_some() {
        return None;
    }
    if let Some(t) = ty {
        let syn::Type::Path(tp) = t else { return None };
        if tp.path != lit.path {
            return None;
        }
    }
    let name = &id.ident;
    let mut fields = Vec::new();
    for f in &lit.fields {
        let syn::Member::Named(m) = &f.member else {
            return None;
        };
        fields.push((m.clone(), crate::naming::fresh(&format!("{name}_{m}_"))));
    }
    let mut r = StructUses {
        name,
        path: &lit.path,
        fields: &fields,
        other: false,
        depth: 0,
    };
    super::rewrite_rest(rest, name, &mut r, |r| !r.other)?;
    let m = id.mutability;
    Some(
        lit.fields
            .iter()
            .zip(&fields)
            .map(|(f, (_, part))| {
                let e = &f.expr;
                syn::parse_quote!(let #m #part = #e;)
            })
            .collect(),
    )
}

/// Input: `let mut s = s0;` (also `s0.clone()`, `*s0`) of a struct value, then `s.x`, `s.v +=
/// ..` and `s = State { x: .., v: .. }` (with every field) in the rest of the block. Output: the
/// same as for a literal, each part starting from the copied field (`let mut S_x = s0.x;`); the
/// fields are those the literal assigned in the rest names. `None` without such a literal (the
/// fields are then unknown) or where [`struct_local`] would leave a literal as written.
fn struct_copy_local(l: &syn::Local, rest: &mut [syn::Stmt]) -> Option<Vec<syn::Stmt>> {
    let (id, _, init_expr) = super::plain_let(l)?;
    let source = match super::unparen(init_expr) {
        syn::Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => &*m.receiver,
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &*u.expr,
        e => e,
    };
    let syn::Expr::Path(src) = super::unparen(source) else {
        return None;
    };
    src.path.get_ident()?;
    // The struct's fields, from a literal assigned to the name in the rest.
    struct Literal<'a>(&'a syn::Ident, Option<syn::ExprStruct>);
    impl<'a> syn::visit::Visit<'a> for Literal<'_> {
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            if let (syn::Expr::Path(p), syn::Expr::Struct(lit)) = (&*a.left, &*a.right) {
                if p.path.is_ident(self.0) && self.1.is_none() {
                    self.1 = Some(lit.clone());
                }
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut found = Literal(&id.ident, None);
    for s in rest.iter() {
        syn::visit::Visit::visit_stmt(&mut found, s);
    }
    let mut lit = found.1?;
    for f in &mut lit.fields {
        let syn::Member::Named(m) = &f.member else {
            return None;
        };
        f.expr = syn::parse_quote!(#src.#m);
    }
    let mut from_copy = l.clone();
    if let Some(init) = &mut from_copy.init {
        *init.expr = syn::Expr::Struct(lit);
    }
    struct_local(&from_copy, rest)
}

struct StructUses<'a> {
    name: &'a syn::Ident,
    path: &'a syn::Path,
    fields: &'a [(syn::Ident, syn::Ident)],
    other: bool,
    /// How many methods deep the inlining is.
    depth: usize,
}

impl StructUses<'_> {
    /// `s.m(a, b)` of a method of the struct's type without `#[gradient]` that reads `self`'s
    /// fields only (`&self`, or `self` of a `Copy` type): `{ let T0 = a; let T1 = b; let x = T0;
    /// let y = T1; BODY }`, `self.f` being the part of `f` (its own calls of such methods
    /// inlined too). `None` for any other method, or a body that returns early.
    fn inlined_method(&self, m: &syn::ExprMethodCall) -> Option<syn::Expr> {
        const DEPTH: usize = 8;
        if m.turbofish.is_some() || self.depth >= DEPTH {
            return None;
        }
        let ty = self.path.segments.last()?.ident.to_string();
        let src = crate::prescan::file_method(&ty, &m.method.to_string())?;
        let f: syn::ItemFn = syn::parse_str(&src).ok()?;
        let recv = f.sig.receiver()?;
        if recv.mutability.is_some() || !f.sig.generics.params.is_empty() {
            return None;
        }
        let params: Vec<syn::PatIdent> = crate::plain_methods::named_params(&f.sig)?
            .into_iter()
            .map(|(pi, _)| pi)
            .collect();
        if params.len() != m.args.len() || crate::plain_methods::returns_early(&f.block) {
            return None;
        }
        // The body over `self`'s parts (a fresh name for `self`, which a token-level rewrite
        // would not reach inside macros; any other use of it refuses).
        let this = crate::naming::fresh("this");
        let self_ident = syn::Ident::new("self", proc_macro2::Span::call_site());
        let mut body = crate::plain_methods::replace_ident(
            quote::ToTokens::to_token_stream(&f.block),
            &self_ident,
            &quote::ToTokens::to_token_stream(&this),
        );
        // A parameter of the struct's own type given a local by name (`p.dot(&q)`, `o: &Self`):
        // that local in the body, whose own parts a later rewrite finds (`self` too, `p.dot(&p)`).
        let mut by_name = vec![false; params.len()];
        let mut literal_lets: Vec<syn::Stmt> = Vec::new();
        let mut literal_params: Vec<(syn::Ident, Vec<(syn::Ident, syn::Ident)>)> = Vec::new();
        for (k, (a, arg)) in f.sig.inputs.iter().skip(1).zip(&m.args).enumerate() {
            let syn::FnArg::Typed(pt) = a else { continue };
            let ty = match &*pt.ty {
                syn::Type::Reference(r) if r.mutability.is_none() => &*r.elem,
                t => t,
            };
            let own = matches!(ty, syn::Type::Path(tp) if tp.qself.is_none()
                && (tp.path.is_ident("Self") || tp.path.segments.last().map(|s| &s.ident) == self.path.segments.last().map(|s| &s.ident)));
            let local = match super::unparen(arg) {
                syn::Expr::Reference(r) if r.mutability.is_none() => super::unparen(&r.expr),
                e => e,
            };
            // A literal of the parts (another local's, see `visit_expr_mut`): a name per field,
            // and the parameter's reads of them.
            if let (true, syn::Expr::Struct(lit)) = (own, local) {
                if lit.rest.is_some() || lit.path != *self.path {
                    return None;
                }
                let mut fields = Vec::new();
                for fv in &lit.fields {
                    let syn::Member::Named(name) = &fv.member else {
                        return None;
                    };
                    let t = crate::naming::fresh(&format!("{}_{name}_", params[k].ident));
                    let v = &fv.expr;
                    literal_lets.push(syn::parse_quote!(let #t = #v;));
                    fields.push((name.clone(), t));
                }
                literal_params.push((params[k].ident.clone(), fields));
                by_name[k] = true;
                continue;
            }
            let syn::Expr::Path(lp) = local else { continue };
            let (true, Some(id)) = (own, lp.path.get_ident()) else {
                continue;
            };
            let to = if id == self.name { &this } else { id };
            body = crate::plain_methods::replace_ident(
                body,
                &params[k].ident,
                &quote::ToTokens::to_token_stream(to),
            );
            by_name[k] = true;
        }
        let mut body: syn::Block = syn::parse2(body).ok()?;
        let mut inner = StructUses {
            name: &this,
            path: self.path,
            fields: self.fields,
            other: false,
            depth: self.depth + 1,
        };
        for s in &mut body.stmts {
            syn::visit_mut::VisitMut::visit_stmt_mut(&mut inner, s);
        }
        for (name, fields) in &literal_params {
            let mut other = StructUses {
                name,
                path: self.path,
                fields,
                other: false,
                depth: self.depth + 1,
            };
            for s in &mut body.stmts {
                syn::visit_mut::VisitMut::visit_stmt_mut(&mut other, s);
            }
            if other.other
                || crate::naming::mentions(quote::ToTokens::to_token_stream(&body), &|i| i == name)
            {
                return None;
            }
        }
        if inner.other
            || crate::naming::mentions(quote::ToTokens::to_token_stream(&body), &|i| i == &this)
        {
            return None;
        }
        let bound: Vec<usize> = (0..params.len()).filter(|&k| !by_name[k]).collect();
        let temps: Vec<syn::Ident> = bound.iter().map(|_| crate::naming::fresh("arg")).collect();
        let args = bound.iter().map(|&k| &m.args[k]);
        let names = bound.iter().map(|&k| {
            let (m, id) = (&params[k].mutability, &params[k].ident);
            quote::quote!(#m #id)
        });
        let stmts = &body.stmts;
        Some(syn::parse_quote!({
            #(let #temps = #args;)*
            #(#literal_lets)*
            #(let #names = #temps;)*
            #(#stmts)*
        }))
    }

    fn is_s(&self, e: &syn::Expr) -> bool {
        matches!(e, syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.name))
    }

    fn part(&self, m: &syn::Member) -> Option<&syn::Ident> {
        let syn::Member::Named(m) = m else {
            return None;
        };
        self.fields.iter().find(|(f, _)| f == m).map(|(_, p)| p)
    }
}

impl syn::visit_mut::VisitMut for StructUses<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::Field(f) if self.is_s(&f.base) => match self.part(&f.member) {
                Some(p) => *e = syn::parse_quote!(#p),
                None => self.other = true,
            },
            // `s = State { .. }` with every field: each computed, then stored.
            syn::Expr::Assign(a) if self.is_s(&a.left) => {
                self.visit_expr_mut(&mut a.right);
                let syn::Expr::Struct(lit) = &*a.right else {
                    self.other = true;
                    return;
                };
                if lit.path != *self.path
                    || lit.rest.is_some()
                    || lit.fields.len() != self.fields.len()
                {
                    self.other = true;
                    return;
                }
                let mut lets = Vec::new();
                let mut stores = Vec::new();
                for f in &lit.fields {
                    let Some(p) = self.part(&f.member) else {
                        self.other = true;
                        return;
                    };
                    let t = crate::naming::fresh("sa");
                    let v = &f.expr;
                    lets.push(quote::quote!(let #t = #v;));
                    stores.push(quote::quote!(#p = #t;));
                }
                *e = syn::parse_quote!({ #(#lets)* #(#stores)* });
            }
            // `State { pos: 0.0, ..s }`: the fields not written, from the parts.
            syn::Expr::Struct(lit)
                if lit.rest.as_deref().is_some_and(|r| self.is_s(r)) && lit.path == *self.path =>
            {
                for f in &mut lit.fields {
                    self.visit_expr_mut(&mut f.expr);
                }
                let written: Vec<syn::Member> =
                    lit.fields.iter().map(|f| f.member.clone()).collect();
                for (f, p) in self.fields {
                    let member = syn::Member::Named(f.clone());
                    if !written.contains(&member) {
                        lit.fields.push(syn::parse_quote!(#f: #p));
                    }
                }
                lit.rest = None;
                lit.dot2_token = None;
            }
            // `p.dot(&s)`: the local handed to another's method, as a literal of its parts,
            // which that method's inlining reads field by field.
            syn::Expr::MethodCall(m)
                if !self.is_s(&m.receiver)
                    && matches!(&*m.receiver, syn::Expr::Path(p) if p.path.get_ident().is_some())
                    && m.args.iter().any(|a| {
                        self.is_s(a) || matches!(a, syn::Expr::Reference(r) if self.is_s(&r.expr))
                    }) =>
            {
                let path = self.path;
                let fields: Vec<_> = self
                    .fields
                    .iter()
                    .map(|(f, p)| quote::quote!(#f: #p))
                    .collect();
                for a in &mut m.args {
                    match a {
                        syn::Expr::Reference(r) if self.is_s(&r.expr) => {
                            *r.expr = syn::parse_quote!(#path { #(#fields),* });
                        }
                        a if self.is_s(a) => *a = syn::parse_quote!(#path { #(#fields),* }),
                        a => self.visit_expr_mut(a),
                    }
                }
            }
            // `p.norm()`, a method of the struct without `#[gradient]`: its body, inlined.
            syn::Expr::MethodCall(m) if self.is_s(&m.receiver) => {
                // (The local itself as an argument, `p.dot(&p)`, is the inlining's.)
                for a in &mut m.args {
                    let own =
                        self.is_s(a) || matches!(a, syn::Expr::Reference(r) if self.is_s(&r.expr));
                    if !own {
                        self.visit_expr_mut(a);
                    }
                }
                match self.inlined_method(m) {
                    Some(b) => *e = b,
                    None => self.other = true,
                }
            }
            e if self.is_s(e) => self.other = true,
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        // Read inside a macro (`println!("{}", s.pos)`): not followed.
        if crate::naming::mentions(m.tokens.clone(), &|i| i == self.name) {
            self.other = true;
        }
    }

    // `let prev = s;`: a copy (the struct is `Copy` where it is read again), a literal of the
    // parts as they are there, which is a struct local of its own.
    fn visit_local_mut(&mut self, l: &mut syn::Local) {
        if let Some(init) = &mut l.init {
            if init.diverge.is_none() && self.is_s(&init.expr) {
                let path = self.path;
                let fields = self.fields.iter().map(|(f, p)| quote::quote!(#f: #p));
                *init.expr = syn::parse_quote!(#path { #(#fields),* });
                return;
            }
        }
        syn::visit_mut::visit_local_mut(self, l);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
