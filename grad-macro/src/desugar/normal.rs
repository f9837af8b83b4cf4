//! Normal forms, before the rewrites into what lowering knows: one pass per form over the whole
//! body (folds into tuples, jumping blocks, `let`s of returning `match`es, blocks as `&&`/`||`
//! operands, parts of parts, inclusive ranges of iterator chains, destructuring assignment,
//! writes into parts).

use super::{iterators, sub_slices, tuples, vec_elements};
use std::collections::HashSet;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

/// Input: `let old = std::mem::replace(&mut a, b);` (also `mem::replace`, `replace` imported,
/// `core::`, and `mem::take(&mut a)`, which puts `Default::default()`), or the call as a
/// statement, with `a` a place: a local, an element `v[i]`, a field `s.f` or a chain of them.
/// Output: `let old = a; a = b;` (`a = b;` alone for the statement): the old value moved out (a
/// copy of a float, the buffer itself), the new one assigned, in the forms lowering knows for
/// floats and buffers whatever else the name is bound to elsewhere. Inside an expression
/// (`s += acc * mem::replace(&mut acc, v);`) the call becomes a block evaluated where it was,
/// `{ let old = a; a = b; old }`: what the expression read of `a` before stays the old value.
/// An index that is not a name or a literal is computed once, first, as `&mut v[i]` does.
pub(crate) fn mem_replace(block: &mut syn::Block) {
    /// The place lent and the value put there, with the `let`s of the indices computed first.
    fn replaced(
        e: &syn::Expr,
        user_fns: &[syn::Ident],
    ) -> Option<(Vec<syn::Stmt>, syn::Expr, syn::Expr)> {
        let syn::Expr::Call(c) = e else { return None };
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        // (A function of the user's named `take` or `replace` is theirs.)
        if p.path.get_ident().is_some_and(|f| user_fns.contains(f)) {
            return None;
        }
        let new: syn::Expr = if crate::naming::is_mem_fn(&p.path, "replace") && c.args.len() == 2 {
            c.args[1].clone()
        } else if crate::naming::is_mem_fn(&p.path, "take") && c.args.len() == 1 {
            syn::parse_quote_spanned!(c.span()=> ::core::default::Default::default())
        } else {
            return None;
        };
        let syn::Expr::Reference(r) = &c.args[0] else {
            return None;
        };
        r.mutability?;
        let mut lets = Vec::new();
        let place = fixed_place(&r.expr, &mut lets)?;
        Some((lets, place, new))
    }
    /// `place` with every index that is not a name or a literal bound by a `let` in `lets`;
    /// `None` for what is not a place of a local.
    fn fixed_place(e: &syn::Expr, lets: &mut Vec<syn::Stmt>) -> Option<syn::Expr> {
        match e {
            syn::Expr::Path(p) if p.path.get_ident().is_some() => Some(e.clone()),
            syn::Expr::Paren(p) => fixed_place(&p.expr, lets),
            syn::Expr::Field(f) => {
                let base = fixed_place(&f.base, lets)?;
                let mut f = f.clone();
                *f.base = base;
                Some(syn::Expr::Field(f))
            }
            syn::Expr::Index(ix) => {
                let base = fixed_place(&ix.expr, lets)?;
                let mut ix = ix.clone();
                *ix.expr = base;
                if !matches!(&*ix.index, syn::Expr::Lit(_))
                    && !matches!(&*ix.index, syn::Expr::Path(p) if p.path.get_ident().is_some())
                {
                    let k = crate::naming::fresh("at");
                    let i = &ix.index;
                    lets.push(syn::parse_quote_spanned!(i.span()=> let #k: usize = #i;));
                    *ix.index = syn::parse_quote!(#k);
                }
                Some(syn::Expr::Index(ix))
            }
            _ => None,
        }
    }
    struct Replace(Vec<syn::Ident>);
    impl VisitMut for Replace {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            let mut out = Vec::with_capacity(b.stmts.len());
            for mut s in b.stmts.drain(..) {
                match &s {
                    syn::Stmt::Local(l)
                        if l.init.as_ref().is_some_and(|i| {
                            i.diverge.is_none() && replaced(&i.expr, &self.0).is_some()
                        }) =>
                    {
                        let init = l.init.as_ref().expect("checked");
                        let (lets, a, mut new) = replaced(&init.expr, &self.0).expect("checked");
                        self.visit_expr_mut(&mut new);
                        out.extend(lets);
                        if !matches!(l.pat, syn::Pat::Wild(_)) {
                            let mut kept = l.clone();
                            if let Some(i) = &mut kept.init {
                                *i.expr = a.clone();
                            }
                            out.push(syn::Stmt::Local(kept));
                        }
                        out.push(syn::parse_quote_spanned!(a.span()=> #a = #new;));
                    }
                    syn::Stmt::Expr(e, Some(_)) if replaced(e, &self.0).is_some() => {
                        let (lets, a, mut new) = replaced(e, &self.0).expect("checked");
                        self.visit_expr_mut(&mut new);
                        out.extend(lets);
                        out.push(syn::parse_quote_spanned!(a.span()=> #a = #new;));
                    }
                    _ => {
                        self.visit_stmt_mut(&mut s);
                        out.push(s);
                    }
                }
            }
            b.stmts = out;
        }
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let Some((lets, a, new)) = replaced(e, &self.0) {
                let old = crate::naming::fresh("old");
                *e = syn::parse_quote_spanned!(a.span()=> {
                    #(#lets)*
                    let #old = #a;
                    #a = #new;
                    #old
                });
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    struct Fns(Vec<syn::Ident>);
    impl<'a> syn::visit::Visit<'a> for Fns {
        fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
            self.0.push(f.sig.ident.clone());
            syn::visit::visit_item_fn(self, f);
        }
    }
    let mut fns = Fns(Vec::new());
    syn::visit::Visit::visit_block(&mut fns, block);
    Replace(fns.0).visit_block_mut(block);
}

/// Input: an `Option` of an element of a slice (`x.first()`, `x.last()`, `x.get(i)`, maybe
/// `.copied()`/`.cloned()`) taken apart by `.map_or(d, |v| ..)`, `.map(|v| ..).unwrap_or(d)`,
/// `.map_or_else(|| d, |v| ..)` or `match o { Some(v) => .., None => .. }`. Output: `if let
/// Some(v) = o { .. } else { d }`, the form lowering follows: the closure's parameter bound as
/// the closure would be given it. (`d` is evaluated only where there is no element; it is an
/// argument without effects, so computing it first, as `map_or` does, changes nothing.) Not
/// inside `vec![..]`, where such a block is not followed.
fn element_options(block: &mut syn::Block) {
    /// Whether `e` is an `Option` of an element of a slice.
    fn element_option(e: &syn::Expr) -> bool {
        let syn::Expr::MethodCall(m) = super::unparen(e) else {
            return false;
        };
        match (m.method.to_string().as_str(), m.args.len()) {
            ("copied" | "cloned", 0) => element_option(&m.receiver),
            ("first" | "last", 0) | ("get", 1) => matches!(
                super::unparen(&m.receiver),
                syn::Expr::Path(_) | syn::Expr::Field(_) | syn::Expr::Index(_)
            ),
            _ => false,
        }
    }
    /// The closure's one parameter and its body; for a function's path (`f64::exp`), a fresh
    /// name and the call of the function on it.
    fn one_param(e: &syn::Expr) -> Option<(syn::Pat, syn::Expr)> {
        if let syn::Expr::Path(f) = e {
            let v = crate::naming::fresh("item");
            return Some((syn::parse_quote!(#v), syn::parse_quote!(#f(#v))));
        }
        let syn::Expr::Closure(c) = e else {
            return None;
        };
        let [p] = &c.inputs.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let p = match p {
            syn::Pat::Type(t) => &*t.pat,
            p => p,
        };
        (c.asyncness.is_none() && c.capture.is_none()).then(|| (p.clone(), (*c.body).clone()))
    }
    // (`map_or` computes its default first; `if let` only where there is no element: the same
    // where computing it has no effect.)
    fn plain(d: &syn::Expr) -> bool {
        super::split_collects::without_effects(d)
    }
    fn rewritten(e: &syn::Expr) -> Option<syn::Expr> {
        let (option, pat, body, default): (&syn::Expr, syn::Pat, syn::Expr, syn::Expr) = match e {
            syn::Expr::MethodCall(m) if m.method == "map_or" && m.args.len() == 2 => {
                let (p, b) = one_param(&m.args[1])?;
                plain(&m.args[0]).then_some(())?;
                (&m.receiver, p, b, m.args[0].clone())
            }
            syn::Expr::MethodCall(m) if m.method == "map_or_else" && m.args.len() == 2 => {
                let syn::Expr::Closure(d) = &m.args[0] else {
                    return None;
                };
                let (p, b) = one_param(&m.args[1])?;
                if !d.inputs.is_empty() || d.capture.is_some() {
                    return None;
                }
                (&m.receiver, p, b, (*d.body).clone())
            }
            syn::Expr::MethodCall(m) if m.method == "unwrap_or" && m.args.len() == 1 => {
                let syn::Expr::MethodCall(inner) = super::unparen(&m.receiver) else {
                    return None;
                };
                if inner.method != "map" || inner.args.len() != 1 {
                    return None;
                }
                let (p, b) = one_param(&inner.args[0])?;
                plain(&m.args[0]).then_some(())?;
                (&inner.receiver, p, b, m.args[0].clone())
            }
            syn::Expr::Match(m)
                if m.arms.len() == 2 && m.arms.iter().all(|a| a.guard.is_none()) =>
            {
                fn some_arm(a: &syn::Arm) -> Option<&syn::Pat> {
                    match &a.pat {
                        syn::Pat::TupleStruct(t)
                            if t.path.is_ident("Some") && t.elems.len() == 1 =>
                        {
                            t.elems.first()
                        }
                        _ => None,
                    }
                }
                let none_arm = |a: &syn::Arm| matches!(&a.pat, syn::Pat::Ident(i) if i.ident == "None" && i.subpat.is_none());
                let (p, some, none) = match (&m.arms[0], &m.arms[1]) {
                    (a, b) if some_arm(a).is_some() && none_arm(b) => (some_arm(a)?, a, b),
                    (a, b) if some_arm(b).is_some() && none_arm(a) => (some_arm(b)?, b, a),
                    _ => return None,
                };
                (
                    &m.expr,
                    p.clone(),
                    (*some.body).clone(),
                    (*none.body).clone(),
                )
            }
            _ => return None,
        };
        if !element_option(option) {
            return None;
        }
        Some(syn::parse_quote!(if let Some(#pat) = #option {
            #body
        } else {
            #default
        }))
    }
    struct Options;
    impl VisitMut for Options {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let Some(new) = rewritten(e) {
                *e = new;
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Options.visit_block_mut(block);
}

/// Input: `v.retain(|&t| ..);` or `v.extend_from_slice(s);` of a buffer of floats `v` (one of
/// `floats`). Output: the buffer made again, `v = v.iter().copied().filter(|&t| ..).collect();`
/// (the closure is given each element by reference, once, in order, as `retain` gives it) and
/// `v = v.iter().copied().chain(s.iter().copied()).collect();`, each collected into a typed
/// `let` first (`elem` the function's float), which the rewrites of buffers given a new length
/// follow.
pub(super) fn buffers_made_again(
    block: &mut syn::Block,
    floats: &std::collections::HashSet<String>,
    params: &std::collections::HashSet<String>,
    elem: &syn::Type,
    primitive: bool,
) {
    // (A buffer also filled by `push` keeps `extend_from_slice` among its pushes, which the
    // rewrites of pushed buffers follow.)
    type Names = std::collections::HashSet<String>;
    /// The buffers grown by pushes, and those whose elements shift.
    #[derive(Default)]
    struct Pushed {
        grown: Names,
        shifted: Names,
    }
    impl<'a> syn::visit::Visit<'a> for Pushed {
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            if let syn::Expr::Path(p) = &*m.receiver {
                if let Some(i) = p.path.get_ident() {
                    if ["push", "clear", "extend"].iter().any(|n| m.method == n) {
                        self.grown.insert(i.to_string());
                    }
                    if ["insert", "remove", "swap_remove"]
                        .iter()
                        .any(|n| m.method == n)
                    {
                        self.shifted.insert(i.to_string());
                    }
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut pushed = Pushed::default();
    syn::visit::Visit::visit_block(&mut pushed, block);
    // A buffer whose elements shift (`insert`, `remove`) is made again at every change, its
    // pushes too (each already costs a pass over it): one certainly of floats, as `floats` is
    // also of other names that read a float.
    let lists = float_lists(block, params);
    pushed.shifted.retain(|n| lists.contains(n));
    for name in &pushed.shifted {
        pushed.grown.remove(name);
    }
    struct Again<'a> {
        floats: &'a Names,
        elem: &'a syn::Type,
        pushed: Pushed,
        /// Of a primitive float: `retain` and `extend_from_slice` too.
        primitive: bool,
    }
    impl VisitMut for Again<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            let syn::Expr::MethodCall(m) = e else { return };
            let named = |set: &Names| matches!(&*m.receiver, syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| set.contains(&i.to_string())));
            // (Shifted: a buffer of floats whose elements `insert` or `remove` move.)
            let (buffer, pushed, shifted) = (
                named(self.floats),
                named(&self.pushed.grown),
                named(&self.pushed.shifted),
            );
            if !buffer && !shifted {
                return;
            }
            let (v, elem) = (&m.receiver, self.elem);
            let new = crate::naming::fresh("made_again");
            let (k, n, j) = (
                crate::naming::fresh("at"),
                crate::naming::fresh("n"),
                crate::naming::fresh("j"),
            );
            // `insert` and `remove` shift the elements after `k` (`swap_remove` moves the
            // last): the buffer made again by index, each element read from where it was (not
            // a buffer that pushes fill, whose rewrite counts its pushes).
            match (
                m.method.to_string().as_str(),
                m.args.len(),
                pushed || !shifted,
            ) {
                ("insert", 2, false) => {
                    let (at, value) = (&m.args[0], &m.args[1]);
                    let e0 = crate::naming::fresh("inserted");
                    *e = syn::parse_quote_spanned!(m.method.span()=> {
                        let #k: usize = #at;
                        let #e0: #elem = #value;
                        let #n: usize = #v.len();
                        ::core::assert!(#k <= #n, "insertion index (is {}) should be <= len (is {})", #k, #n);
                        let #new: ::std::vec::Vec<#elem> = (0..#n + 1)
                            .map(|#j| if #j < #k { #v[#j] } else if #j == #k { #e0 } else { #v[#j - 1] })
                            .collect();
                        #v = #new;
                    });
                    return;
                }
                ("push", 1, false) => {
                    let value = &m.args[0];
                    let e0 = crate::naming::fresh("pushed");
                    *e = syn::parse_quote_spanned!(m.method.span()=> {
                        let #e0: #elem = #value;
                        let #n: usize = #v.len();
                        let #new: ::std::vec::Vec<#elem> = (0..#n + 1)
                            .map(|#j| if #j < #n { #v[#j] } else { #e0 })
                            .collect();
                        #v = #new;
                    });
                    return;
                }
                ("remove" | "swap_remove", 1, false) => {
                    let at = &m.args[0];
                    let e0 = crate::naming::fresh("removed");
                    // (`swap_remove` puts the last element in the gap.)
                    let moved = if m.method == "remove" {
                        quote::quote!(if #j < #k { #v[#j] } else { #v[#j + 1] })
                    } else {
                        quote::quote!(if #j == #k { #v[#n - 1] } else { #v[#j] })
                    };
                    *e = syn::parse_quote_spanned!(m.method.span()=> {
                        let #k: usize = #at;
                        let #n: usize = #v.len();
                        ::core::assert!(#k < #n, "removal index (is {}) should be < len (is {})", #k, #n);
                        let #e0: #elem = #v[#k];
                        let #new: ::std::vec::Vec<#elem> = (0..#n - 1)
                            .map(|#j| #moved)
                            .collect();
                        #v = #new;
                        #e0
                    });
                    return;
                }
                _ => {}
            }
            if m.args.len() != 1 || !self.primitive || !buffer {
                return;
            }
            if m.method == "retain" && matches!(&m.args[0], syn::Expr::Closure(_)) {
                let keep = &m.args[0];
                *e = syn::parse_quote_spanned!(m.method.span()=> {
                    let #new: ::std::vec::Vec<#elem> = #v.iter().copied().filter(#keep).collect();
                    #v = #new;
                });
            } else if m.method == "extend_from_slice" && !pushed {
                let more = match &m.args[0] {
                    syn::Expr::Reference(r) if r.mutability.is_none() => (*r.expr).clone(),
                    a @ (syn::Expr::Path(_) | syn::Expr::Field(_) | syn::Expr::Index(_)) => {
                        a.clone()
                    }
                    a => syn::parse_quote!((#a)),
                };
                *e = syn::parse_quote_spanned!(m.method.span()=> {
                    let #new: ::std::vec::Vec<#elem> = #v.iter().copied().chain(#more.iter().copied()).collect();
                    #v = #new;
                });
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Again {
        floats,
        elem,
        pushed,
        primitive,
    }
    .visit_block_mut(block);
}

/// The locals that certainly hold a `Vec` of floats one by one (not rows, tuples, integers or
/// another collection): typed `Vec<f64>` (or the function's float); or untyped and made by
/// `vec![v; n]` or `vec![a, b]` of floats, by `to_vec()`, `clone()` or `to_owned()` of a float
/// parameter or of another such local, or by `Vec::new()` filled by pushes of floats only.
fn float_lists(
    block: &syn::Block,
    params: &std::collections::HashSet<String>,
) -> std::collections::HashSet<String> {
    fn root(e: &syn::Expr) -> Option<&syn::Ident> {
        match super::unparen(e) {
            syn::Expr::Path(p) => p.path.get_ident(),
            syn::Expr::Reference(r) => root(&r.expr),
            syn::Expr::Index(i) => root(&i.expr),
            syn::Expr::MethodCall(m) if m.method == "as_slice" => root(&m.receiver),
            _ => None,
        }
    }
    // A float by itself: a float literal or a name known to hold floats, in anything but an
    // array, a tuple, a macro or a struct.
    let scalar = |e: &syn::Expr, known: &std::collections::HashSet<String>| {
        !matches!(
            super::unparen(e),
            syn::Expr::Array(_)
                | syn::Expr::Tuple(_)
                | syn::Expr::Macro(_)
                | syn::Expr::Struct(_)
                | syn::Expr::Repeat(_)
        ) && (super::tuples::has_float_literal(e)
            || crate::naming::mentions(quote::ToTokens::to_token_stream(e), &|n| {
                known.contains(&n.to_string())
            }))
    };
    // The values pushed into each local.
    struct Pushes(Vec<(String, syn::Expr)>);
    impl<'a> syn::visit::Visit<'a> for Pushes {
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            syn::visit::visit_expr_method_call(self, m);
            if let (syn::Expr::Path(p), true, Some(v)) =
                (&*m.receiver, m.method == "push", m.args.first())
            {
                if let Some(i) = p.path.get_ident() {
                    self.0.push((i.to_string(), v.clone()));
                }
            }
        }
    }
    let mut pushes = Pushes(Vec::new());
    syn::visit::Visit::visit_block(&mut pushes, block);
    let lets = super::all_lets(block);
    let mut out = std::collections::HashSet::new();
    loop {
        let known: std::collections::HashSet<String> = params.union(&out).cloned().collect();
        let before = out.len();
        for l in &lets {
            let (pat, ty) = super::pat_and_type(l);
            let syn::Pat::Ident(id) = pat else { continue };
            let name = id.ident.to_string();
            let Some(init) = l.init.as_ref().filter(|i| i.diverge.is_none()) else {
                continue;
            };
            let listed = match (ty, super::unparen(&init.expr)) {
                (Some(t), _) => crate::rows::vec_elem(t)
                    .and_then(crate::sig::float_of)
                    .is_some(),
                (None, e @ syn::Expr::Macro(m)) if m.mac.path.is_ident("vec") => {
                    match super::vec_repeat(&m.mac) {
                        Some((v, _)) => scalar(&v, &known),
                        None => crate::lower::vec_list(e)
                            .is_some_and(|a| a.elems.iter().all(|e| scalar(e, &known))),
                    }
                }
                (None, syn::Expr::MethodCall(m))
                    if m.args.is_empty()
                        && ["to_vec", "clone", "to_owned"]
                            .iter()
                            .any(|n| m.method == n) =>
                {
                    root(&m.receiver).is_some_and(|r| known.contains(&r.to_string()))
                }
                (None, syn::Expr::Call(c)) if c.args.len() <= 1 => {
                    let made = matches!(&*c.func, syn::Expr::Path(p)
                        if p.path.segments.len() == 2
                            && p.path.segments[0].ident == "Vec"
                            && (p.path.segments[1].ident == "new" || p.path.segments[1].ident == "with_capacity"));
                    let mut values = pushes.0.iter().filter(|(n, _)| *n == name).peekable();
                    made && values.peek().is_some() && values.all(|(_, v)| scalar(v, &known))
                }
                _ => false,
            };
            // (Every `let` of the name says so.)
            if listed
                && lets.iter().all(|o| match super::pat_and_type(o).0 {
                    syn::Pat::Ident(oi) => oi.ident != id.ident || std::ptr::eq(*o, *l),
                    _ => true,
                })
            {
                out.insert(name);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Input: a call that lends an element `&mut a[i]` (or `&mut m[i][j]`) to a function writing
/// through `&mut T` (`twice(&mut arr[i]);`, `let v = step(x, &mut s[k]);`). Output: the element
/// in a local lent in its place, stored back after the call: `{ let mut t = a[i]; twice(&mut
/// t); a[i] = t; }` (a block whose value is the call's where it is read), the form callers of
/// such functions know.
/// Input: `if let Some(last) = b.last_mut() { *last *= 3.0; }` (also `first_mut()`,
/// `get_mut(i)`, with an `else`) of a local `b`. Output: `if !b.is_empty() { let n = b.len() -
/// 1; let last = &mut b[n]; *last *= 3.0; }` (`get_mut(i)`: `{ let k = i; if k < b.len() { let
/// last = &mut b[k]; .. } }`): an element lent by index, which lowering follows.
fn mut_accessors(block: &mut syn::Block) {
    struct Accessors;
    impl VisitMut for Accessors {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            let syn::Expr::If(i) = e else { return };
            let syn::Expr::Let(l) = &*i.cond else { return };
            let syn::Pat::TupleStruct(ts) = &*l.pat else {
                return;
            };
            let [syn::Pat::Ident(name)] = &ts.elems.iter().collect::<Vec<_>>()[..] else {
                return;
            };
            let syn::Expr::MethodCall(m) = super::unparen(&l.expr) else {
                return;
            };
            let x = &m.receiver;
            let local = matches!(&**x, syn::Expr::Path(p) if p.path.get_ident().is_some());
            if !ts.path.is_ident("Some") || name.by_ref.is_some() || name.subpat.is_some() || !local
            {
                return;
            }
            let (then, els) = (&i.then_branch.stmts, &i.else_branch);
            let els = els.as_ref().map(|(_, e)| quote::quote!(else #e));
            let (n, name) = (crate::naming::fresh("at"), &name.ident);
            *e = match (m.method.to_string().as_str(), m.args.len()) {
                ("last_mut", 0) => syn::parse_quote!(if !#x.is_empty() {
                    let #n: usize = #x.len() - 1;
                    let #name = &mut #x[#n];
                    #(#then)*
                } #els),
                ("first_mut", 0) => syn::parse_quote!(if !#x.is_empty() {
                    let #name = &mut #x[0];
                    #(#then)*
                } #els),
                ("get_mut", 1) => {
                    let k = &m.args[0];
                    syn::parse_quote!({
                        let #n: usize = #k;
                        if #n < #x.len() {
                            let #name = &mut #x[#n];
                            #(#then)*
                        } #els
                    })
                }
                _ => return,
            };
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Accessors.visit_block_mut(block);
}

fn lent_elements(block: &mut syn::Block) {
    fn element(e: &syn::Expr) -> Option<&syn::Expr> {
        let syn::Expr::Reference(r) = e else {
            return None;
        };
        r.mutability?;
        match &*r.expr {
            syn::Expr::Index(ix) if !matches!(&*ix.index, syn::Expr::Range(_)) => Some(&r.expr),
            _ => None,
        }
    }
    /// The call with its lent elements as locals: the `let`s, the call, the stores back.
    fn split(c: &syn::ExprCall) -> Option<(Vec<syn::Stmt>, syn::ExprCall, Vec<syn::Stmt>)> {
        if !c.args.iter().any(|a| element(a).is_some()) {
            return None;
        }
        let (mut lets, mut back) = (Vec::new(), Vec::new());
        let mut call = c.clone();
        for a in &mut call.args {
            if let Some(place) = element(a).cloned() {
                use syn::spanned::Spanned;
                let t = crate::naming::fresh("lent");
                lets.push(syn::parse_quote_spanned!(place.span()=> let mut #t = #place;));
                back.push(syn::parse_quote_spanned!(place.span()=> #place = #t;));
                *a = syn::parse_quote_spanned!(place.span()=> &mut #t);
            }
        }
        Some((lets, call, back))
    }
    struct Lent;
    impl VisitMut for Lent {
        // A call that is a statement: its locals among the block's own statements (fresh names),
        // not in a block of their own, so that what the call does to the block's other locals
        // stays in the block (a lent `Vec` the callee clears and refills, inlined, is renewed
        // where the block declared it: see `pushes::cleared_lets`).
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            let mut k = 0;
            while k < b.stmts.len() {
                if let syn::Stmt::Expr(syn::Expr::Call(c), Some(_)) = &b.stmts[k] {
                    if let Some((lets, call, back)) = split(c) {
                        let call = syn::Stmt::Expr(syn::Expr::Call(call), Some(Default::default()));
                        let n = lets.len() + 1 + back.len();
                        let stmts = lets.into_iter().chain([call]).chain(back);
                        b.stmts.splice(k..=k, stmts);
                        k += n;
                        continue;
                    }
                }
                self.visit_stmt_mut(&mut b.stmts[k]);
                k += 1;
            }
        }
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let syn::Expr::Call(c) = e {
                if let Some((lets, call, back)) = split(c) {
                    let v = crate::naming::fresh("value");
                    *e = syn::parse_quote!({ #(#lets)* let #v = #call; #(#back)* #v });
                }
            }
        }
        fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Lent.visit_block_mut(block);
}

/// Returns the names of the `Vec<&f64>` locals given the floats themselves (see `TypedCollects`).
/// `let v = it.collect::<Vec<T>>();` as `let v: Vec<T> = it.collect();`: one form of a collected
/// `Vec`'s type for every rewrite after (a type with `_` in it stays as written).
fn turbofish(l: &mut syn::Local) {
    let (syn::Pat::Ident(_), Some(init)) = (&l.pat, &mut l.init) else {
        return;
    };
    if init.diverge.is_some() {
        return;
    }
    let syn::Expr::MethodCall(m) = &mut *init.expr else {
        return;
    };
    let Some(tf) = &m.turbofish else { return };
    let (true, 1, Some(syn::GenericArgument::Type(ty))) =
        (m.method == "collect", tf.args.len(), tf.args.first())
    else {
        return;
    };
    if quote::ToTokens::to_token_stream(ty)
        .to_string()
        .contains('_')
    {
        return;
    }
    let ty = ty.clone();
    m.turbofish = None;
    super::type_let(l, ty);
}

/// [`turbofish`] of every `let` of the body (the rewrites of pieces, `chunks(2).map(|c|
/// c.to_vec())`, read the type there).
pub(super) fn turbofish_collects(block: &mut syn::Block) {
    struct Lets;
    impl VisitMut for Lets {
        fn visit_local_mut(&mut self, l: &mut syn::Local) {
            syn::visit_mut::visit_local_mut(self, l);
            turbofish(l);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Lets.visit_block_mut(block);
}

/// Input: `x[1..3].to_vec().iter()` (also `.clone()`, `.to_owned()` before `.iter()`).
/// Output: `x[1..3].iter()`: the copy's items are the original's, read where they are.
/// Input: `std::iter::repeat(v).take(n)` (`std::iter::repeat_n(v, n)`). Output: `(0..n).map(|_|
/// (v).clone())` (of a `v` computed again with no effect).
/// Input: `x.iter().cycle().take(n)`. Output: `(0..n).map(|k| &x[k % x.len()])`.
pub(super) fn iterator_sources(block: &mut syn::Block) {
    /// `recv.iter()` (no arguments): `recv`.
    fn iter_of(e: &syn::Expr) -> Option<&syn::Expr> {
        match e {
            syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => {
                Some(&m.receiver)
            }
            _ => None,
        }
    }
    struct Sources;
    impl VisitMut for Sources {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            // `successors(Some(a), |&g| Some(f(g)))`: the last of `n` (`.take(n).last()`), the
            // `k`-th (`.nth(k)`), unwrapped, as a loop (before its `take` is read below).
            if let syn::Expr::MethodCall(m) = e {
                // (`expect(..)` as `unwrap()`; `unwrap_or(v)` gives `v` for `take(0)`.)
                let fallback = match (m.method.to_string().as_str(), m.args.len()) {
                    ("unwrap", 0) | ("expect", 1) => Some(None),
                    ("unwrap_or", 1) if super::refill_calls::reads_only(&m.args[0]) => {
                        Some(Some(m.args[0].clone()))
                    }
                    _ => None,
                };
                if let Some(fallback) = fallback {
                    if let Some(found) = successors_unwrapped(&m.receiver, fallback) {
                        *e = found;
                    }
                }
            }
            syn::visit_mut::visit_expr_mut(self, e);
            // `std::iter::repeat_n(v, n)`: the same items.
            if let syn::Expr::Call(c) = e {
                if let (syn::Expr::Path(p), [v, n]) =
                    (&*c.func, &c.args.iter().collect::<Vec<_>>()[..])
                {
                    if is_repeat(&p.path, "repeat_n") && super::refill_calls::reads_only(v) {
                        *e = syn::parse_quote!((0..#n).map(|_| (#v).clone()));
                    }
                }
                return;
            }
            let syn::Expr::MethodCall(m) = e else {
                return;
            };
            // `n` items of `successors(..)` to iterate: a `scan`.
            if m.method == "take" && m.args.len() == 1 && m.turbofish.is_none() {
                if let Some((init, pat, next)) = successors(&m.receiver) {
                    let (n, st, cur) = (
                        &m.args[0],
                        crate::naming::fresh("state"),
                        crate::naming::fresh("current"),
                    );
                    let bind = bind_item(&pat, &cur);
                    *e = syn::parse_quote!((0..#n).scan(#init, |#st, _| {
                        let #cur = *#st;
                        #bind
                        *#st = #next;
                        Some(#cur)
                    }));
                    return;
                }
            }
            if m.method == "take" && m.args.len() == 1 && m.turbofish.is_none() {
                let n = &m.args[0];
                match &*m.receiver {
                    syn::Expr::Call(c)
                        if c.args.len() == 1
                            && super::refill_calls::reads_only(&c.args[0])
                            && matches!(&*c.func, syn::Expr::Path(p) if is_repeat(&p.path, "repeat")) =>
                    {
                        // (A clone each time, as `repeat` gives: the value need not be `Copy`.)
                        let v = &c.args[0];
                        *e = syn::parse_quote!((0..#n).map(|_| (#v).clone()));
                        return;
                    }
                    syn::Expr::MethodCall(cy) if cy.method == "cycle" && cy.args.is_empty() => {
                        if let Some(x) =
                            iter_of(&cy.receiver).filter(|x| super::refill_calls::reads_only(x))
                        {
                            let k = crate::naming::fresh("cycled");
                            *e = syn::parse_quote!((0..#n).map(|#k| &#x[#k % #x.len()]));
                            return;
                        }
                    }
                    _ => {}
                }
            }
            if m.method != "iter" || !m.args.is_empty() || m.turbofish.is_some() {
                return;
            }
            let syn::Expr::MethodCall(copy) = &*m.receiver else {
                return;
            };
            let copies = ["to_vec", "clone", "to_owned"]
                .iter()
                .any(|c| copy.method == c);
            if copies && copy.args.is_empty() && copy.turbofish.is_none() {
                *m.receiver = (*copy.receiver).clone();
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    /// `successors(Some(a), |PAT| Some(NEXT))` (the closure's value always `Some`, a block's
    /// statements before it kept): `a`, the pattern (of a reference to the item) and `NEXT`.
    fn successors(e: &syn::Expr) -> Option<(syn::Expr, syn::Pat, syn::Expr)> {
        let syn::Expr::Call(c) = super::unparen(e) else {
            return None;
        };
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let [first, step] = &c.args.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        if !is_repeat(&p.path, "successors") {
            return None;
        }
        let some = |e: &syn::Expr| match super::unparen(e) {
            syn::Expr::Call(s)
                if s.args.len() == 1
                    && matches!(&*s.func, syn::Expr::Path(sp) if sp.path.is_ident("Some")) =>
            {
                Some(s.args[0].clone())
            }
            _ => None,
        };
        let init = some(first)?;
        let syn::Expr::Closure(cl) = super::unparen(step) else {
            return None;
        };
        let [pat] = &cl.inputs.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let next = match super::unparen(&cl.body) {
            syn::Expr::Block(b) => {
                let (last, stmts) = b.block.stmts.split_last()?;
                let syn::Stmt::Expr(tail, None) = last else {
                    return None;
                };
                let value = some(tail)?;
                // (A `return` or `?` inside could end the sequence: not followed.)
                if super::mentions(
                    &quote::quote!(#(#stmts)*),
                    &syn::Ident::new("None", proc_macro2::Span::call_site()),
                ) {
                    return None;
                }
                syn::parse_quote!({ #(#stmts)* #value })
            }
            body => some(body)?,
        };
        if has_exit(&cl.body) {
            return None;
        }
        Some((init, (*pat).clone(), next))
    }
    /// `let PAT = &place;` for a closure's pattern of a reference to the item: `&g` (`&g: &T`)
    /// as a copy, `let g = place;` (`: T`), which lowering reads as any `let`.
    fn bind_item(pat: &syn::Pat, place: &syn::Ident) -> syn::Stmt {
        let (inner, ty) = match pat {
            syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
            p => (p, None),
        };
        match (inner, ty) {
            (syn::Pat::Reference(r), None) => {
                let p = &r.pat;
                syn::parse_quote!(let #p = #place;)
            }
            (syn::Pat::Reference(r), Some(syn::Type::Reference(t))) => {
                let (p, t) = (&r.pat, &t.elem);
                syn::parse_quote!(let #p: #t = #place;)
            }
            _ => syn::parse_quote!(let #pat = &#place;),
        }
    }
    /// Whether `e` holds a `return` or a `?` (which a closure's body may leave by).
    fn has_exit(e: &syn::Expr) -> bool {
        struct Find(bool);
        impl<'a> syn::visit::Visit<'a> for Find {
            fn visit_expr_return(&mut self, _: &'a syn::ExprReturn) {
                self.0 = true;
            }
            fn visit_expr_try(&mut self, _: &'a syn::ExprTry) {
                self.0 = true;
            }
            fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        }
        let mut f = Find(false);
        syn::visit::Visit::visit_expr(&mut f, e);
        f.0
    }
    /// `successors(..).take(n).last()` and `successors(..).nth(k)`, the receiver of an
    /// `unwrap()`: a loop that steps from the first item `n - 1` (`k`) times.
    fn successors_unwrapped(e: &syn::Expr, fallback: Option<syn::Expr>) -> Option<syn::Expr> {
        let syn::Expr::MethodCall(m) = super::unparen(e) else {
            return None;
        };
        let (source, steps): (&syn::Expr, syn::Expr) = match (
            m.method.to_string().as_str(),
            m.args.len(),
        ) {
            ("nth", 1) => {
                let k = &m.args[0];
                (&m.receiver, syn::parse_quote!(0..#k))
            }
            ("last", 0) => {
                let syn::Expr::MethodCall(t) = super::unparen(&m.receiver) else {
                    return None;
                };
                if t.method != "take" || t.args.len() != 1 {
                    return None;
                }
                let n = &t.args[0];
                // (`take(0)` has no last item: its `unwrap` fails, as the loop's check does;
                // `unwrap_or(v)` gives `v`.)
                if let Some(v) = &fallback {
                    let count = crate::naming::fresh("count");
                    let source = &t.receiver;
                    let inner = successors_unwrapped(
                        &syn::parse_quote!(#source.take(#count).last()),
                        None,
                    )?;
                    return Some(syn::parse_quote!({
                        let #count: usize = #n;
                        if #count == 0 { #v } else { #inner }
                    }));
                }
                (
                    &t.receiver,
                    syn::parse_quote!(0..usize::checked_sub(#n, 1).expect("`last()` of an empty sequence")),
                )
            }
            _ => return None,
        };
        let (init, pat, next) = successors(source)?;
        let st = crate::naming::fresh("state");
        let bind = bind_item(&pat, &st);
        Some(syn::parse_quote!({
            let mut #st = #init;
            for _ in #steps {
                #bind
                #st = #next;
            }
            #st
        }))
    }
    /// `NAME`, `iter::NAME`, `std::iter::NAME`, `core::iter::NAME` (`repeat`, `repeat_n`).
    fn is_repeat(p: &syn::Path, name: &str) -> bool {
        let names: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        match &names[..] {
            [n] | ["iter", n] | ["std" | "core", "iter", n] => *n == name,
            _ => false,
        }
    }
    Sources.visit_block_mut(block);
}

/// Input: `v.drain(..k);` or `v.drain(k..);` of a local `Vec` (as a statement, or collected,
/// `let h: Vec<f64> = v.drain(..k).collect();`), `v.drain(..)` too. Output: the part taken
/// (`let h: Vec<f64> = v[..k].to_vec();`), then `v` given what stays (`v = v[k..].to_vec();`,
/// `v.clear();`): buffers the rewrites follow, where `drain` changes one in place.
pub(super) fn drains(block: &mut syn::Block) {
    /// `v.drain(R)` of a local name: `v` and what stays after it, as a statement.
    fn drained(e: &syn::Expr) -> Option<(syn::Expr, syn::Stmt)> {
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        if m.method != "drain" || m.args.len() != 1 {
            return None;
        }
        let syn::Expr::Path(p) = &*m.receiver else {
            return None;
        };
        let v = p.path.get_ident()?;
        let syn::Expr::Range(r) = &m.args[0] else {
            return None;
        };
        if !matches!(r.limits, syn::RangeLimits::HalfOpen(_)) {
            return None;
        }
        let rest: syn::Stmt = match (&r.start, &r.end) {
            (None, None) => syn::parse_quote!(#v.clear();),
            (None, Some(k)) => syn::parse_quote!(#v = #v[#k..].to_vec();),
            (Some(k), None) => syn::parse_quote!(#v.truncate(#k);),
            (Some(_), Some(_)) => return None,
        };
        let part: syn::Expr = syn::parse_quote!(#v[#r].to_vec());
        Some((part, rest))
    }
    struct Drains;
    impl VisitMut for Drains {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, b);
            let mut out = Vec::with_capacity(b.stmts.len());
            for s in b.stmts.drain(..) {
                match &s {
                    syn::Stmt::Expr(e, Some(_)) => {
                        if let Some((_, rest)) = drained(e) {
                            out.push(rest);
                            continue;
                        }
                    }
                    syn::Stmt::Local(l) => {
                        let collected = l.init.as_ref().and_then(|i| match &*i.expr {
                            syn::Expr::MethodCall(c)
                                if c.method == "collect"
                                    && c.args.is_empty()
                                    && i.diverge.is_none() =>
                            {
                                drained(&c.receiver)
                            }
                            _ => None,
                        });
                        if let Some((part, rest)) = collected {
                            let mut l = l.clone();
                            if let Some(init) = &mut l.init {
                                *init.expr = part;
                            }
                            out.push(syn::Stmt::Local(l));
                            out.push(rest);
                            continue;
                        }
                    }
                    _ => {}
                }
                out.push(s);
            }
            b.stmts = out;
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Drains.visit_block_mut(block);
}

/// Input: `x.iter().filter(p).last()` (`copied`/`cloned` anywhere before `filter`), `p` a
/// closure that changes nothing outside it. Output: `x.iter().rev().find(p)`: the last item
/// that passes is the first from the end, the search lowering follows.
fn filtered_last(e: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(last) = e else {
        return None;
    };
    if last.method != "last" || !last.args.is_empty() {
        return None;
    }
    let syn::Expr::MethodCall(filter) = &*last.receiver else {
        return None;
    };
    let [syn::Expr::Closure(p)] = &filter.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if filter.method != "filter" || iterators::changes_outer(p) {
        return None;
    }
    let syn::Expr::MethodCall(it) = iterators::strip_copies(&filter.receiver) else {
        return None;
    };
    if it.method != "iter" || !it.args.is_empty() {
        return None;
    }
    let source = &filter.receiver;
    Some(syn::parse_quote!(#source.rev().find(#p)))
}

/// Input: `(*p)[i]`, `(*p).f`, `(*p).len()` (also `iter`, `iter_mut`) of a name `p`. Output:
/// `p[i]`, `p.f`, `p.len()`: the place Rust's auto-deref reaches for them too.
fn explicit_deref(e: &mut syn::Expr) {
    let base = match e {
        syn::Expr::Index(ix) => &mut ix.expr,
        syn::Expr::Field(f) => &mut f.base,
        syn::Expr::MethodCall(m)
            if m.args.is_empty() && ["len", "iter", "iter_mut"].iter().any(|n| m.method == n) =>
        {
            &mut m.receiver
        }
        _ => return,
    };
    let syn::Expr::Paren(p) = &**base else {
        return;
    };
    if let syn::Expr::Unary(u) = &*p.expr {
        if matches!(u.op, syn::UnOp::Deref(_))
            && matches!(&*u.expr, syn::Expr::Path(n) if n.qself.is_none() && n.path.get_ident().is_some())
        {
            **base = (*u.expr).clone();
        }
    }
}

pub(super) fn normal_forms(block: &mut syn::Block) -> Vec<String> {
    mem_replace(block);
    super::split_collects::split(block);
    element_options(block);
    mut_accessors(block);
    lent_elements(block);
    literal_loops(block);
    // `match k { _ => { return x.sin(); } }` as the body's value, every arm returning: a
    // statement, the body's value never reached.
    if let Some(syn::Stmt::Expr(syn::Expr::Match(m), None)) = block.stmts.last() {
        if !m.arms.is_empty() && m.arms.iter().all(|a| ends_in_return(&a.body)) {
            if let Some(syn::Stmt::Expr(_, semi)) = block.stmts.last_mut() {
                *semi = Some(Default::default());
            }
            block.stmts.push(syn::Stmt::Expr(
                syn::parse_quote!(::core::unreachable!()),
                None,
            ));
        }
    }
    // (`let v = ...collect::<Vec<T>>();` is `let v: Vec<T> = ...collect();` by now, see
    // `turbofish_collects`.) `let v: Vec<&f64> = ...collect();` as
    // `let v: Vec<f64> = ...copied().collect();`: the floats themselves (lowering reads `*r` of
    // a float as the float, so the uses stay as written; where it keeps an expression as written,
    // it reads the name as the references again, see `super::collected_refs`).
    struct TypedCollects(Vec<String>);
    impl VisitMut for TypedCollects {
        fn visit_local_mut(&mut self, l: &mut syn::Local) {
            syn::visit_mut::visit_local_mut(self, l);
            let (syn::Pat::Type(pt), Some(init)) = (&mut l.pat, &mut l.init) else {
                return;
            };
            let Some(syn::Type::Reference(r)) = crate::rows::vec_elem(&pt.ty).cloned() else {
                return;
            };
            let syn::Expr::MethodCall(m) = &mut *init.expr else {
                return;
            };
            if r.mutability.is_some()
                || crate::sig::float_of(&r.elem).is_none()
                || m.method != "collect"
                || !m.args.is_empty()
                || init.diverge.is_some()
            {
                return;
            }
            let elem = &r.elem;
            let recv = &m.receiver;
            *m.receiver = syn::parse_quote!(#recv.copied());
            *pt.ty = syn::parse_quote!(::std::vec::Vec<#elem>);
            if let syn::Pat::Ident(id) = &*pt.pat {
                self.0.push(id.ident.to_string());
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut typed = TypedCollects(Vec::new());
    typed.visit_block_mut(block);
    // Folds into tuples first: the tuple rewrites below then see the tuple the loop gives.
    // Function paths given to `map` become closures here too.
    struct TupleFolds;
    impl VisitMut for TupleFolds {
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            // `vec![e; n]`: the value inside is rewritten like any other expression.
            if m.path.is_ident("vec") {
                vec_elements(m, |e| self.visit_expr_mut(e));
            }
        }
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            if let Some(by_index) = cyclic_by_index(e) {
                *e = by_index;
            }
            explicit_deref(e);
            if let Some(found) = filtered_last(e) {
                *e = found;
            }
            clone_from_assign(e);
            syn::visit_mut::visit_expr_mut(self, e);
            if let Some(read) = copied_unwrap(e) {
                *e = read;
                return;
            }
            if let syn::Expr::MethodCall(m) = e {
                // `.map(f64::cos)`, `.map(sigmoid)`: a closure calling it (before closures
                // defined in the body are inlined at their calls).
                if m.method == "map" && m.args.len() == 1 {
                    if let syn::Expr::Path(f) = &m.args[0] {
                        let v = crate::naming::hidden("mapped");
                        m.args[0] = syn::parse_quote!(|#v| #f(#v));
                    }
                }
                // `.map(|a| e1).map(|b| e2)`: one stage, `.map(|a| { let b = e1; e2 })`.
                if m.method == "map" && m.args.len() == 1 {
                    if let (syn::Expr::MethodCall(inner), syn::Expr::Closure(second)) =
                        (&*m.receiver, &m.args[0])
                    {
                        if let (true, [syn::Expr::Closure(first)]) = (
                            inner.method == "map" && second.inputs.len() == 1,
                            &inner.args.iter().collect::<Vec<_>>()[..],
                        ) {
                            if first.inputs.len() == 1 && second.capture.is_none() {
                                // The first's parameter in a block of its own, so the second does
                                // not see it (`.map(|x| x * 2.0).map(|y| y + x)` with an outer `x`).
                                let (a, b) = (&first.inputs[0], &second.inputs[0]);
                                let (e1, e2) = (&first.body, &second.body);
                                // `.zip(..).map(|(x, y)| e1)`: the pattern stays the
                                // parameter (it says what the iterator yields), its names
                                // renamed apart so that the second stage does not see them.
                                if let Some(fused) = fuse_tuple_stage(first, second) {
                                    let source = &inner.receiver;
                                    *e = syn::parse_quote!(#source.map(#fused));
                                    return;
                                }
                                let item = crate::naming::fresh("item");
                                let mut fused = (*first).clone();
                                fused.inputs =
                                    std::iter::once::<syn::Pat>(syn::parse_quote!(#item)).collect();
                                // `&v` of an element: `let v = *ITEM;`.
                                let (a, read): (&syn::Pat, syn::Expr) = match a {
                                    syn::Pat::Reference(r) if r.mutability.is_none() => {
                                        (&r.pat, syn::parse_quote!(*#item))
                                    }
                                    a => (a, syn::parse_quote!(#item)),
                                };
                                *fused.body =
                                    syn::parse_quote!({ let #b = { let #a = #read; #e1 }; #e2 });
                                fused.output = second.output.clone();
                                let source = &inner.receiver;
                                *e = syn::parse_quote!(#source.map(#fused));
                            }
                        }
                    }
                }
                // `.flat_map(|i| B.map(|j| e1)).map(|p| e2)` (pairs of indices, then a value of
                // each): one stage, `.flat_map(|i| B.map(|j| { let p = e1; e2 }))`.
                if let syn::Expr::MethodCall(m) = e {
                    if let Some(fused) = flat_map_then_map(m) {
                        *e = fused;
                    }
                }
                // `rows.iter().flat_map(|r| r.iter().map(f))`: `rows.iter().flatten().map(f)`.
                if let syn::Expr::MethodCall(m) = e {
                    if let Some(flat) = flat_map_of_rows(m) {
                        *e = flat;
                    }
                }
                if let syn::Expr::MethodCall(m) = e {
                    if let Some(l) = iterators::tuple_fold(m) {
                        *e = l;
                    }
                }
            }
            if let Some(part) = iterators::tuple_block_field(e) {
                *e = part;
            }
            // `x.iter().enumerate().max_by(..).unwrap().0`, an argmax.
            if let Some(b) = iterators::enumerated_extremum_expr(e) {
                *e = syn::parse_quote!((#b));
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    TupleFolds.visit_block_mut(block);
    named_pair_loops(block);
    returning_let_blocks(block);
    // `{ let a = ..; if .. { return v; } }`: a block statement that returns, breaks or continues
    // is an `if` taken always, whose branches lowering knows to jump from.
    struct JumpingBlocks;
    impl VisitMut for JumpingBlocks {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            let n = b.stmts.len();
            for (k, s) in b.stmts.iter_mut().enumerate() {
                if let syn::Stmt::Expr(syn::Expr::Block(blk), semi) = s {
                    if (semi.is_some() || k + 1 < n || unit_block(&blk.block))
                        && blk.label.is_none()
                        && blk.attrs.is_empty()
                        && jumps(&blk.block)
                    {
                        let inner = &blk.block;
                        *s = syn::parse_quote!(if true #inner);
                    }
                }
            }
            syn::visit_mut::visit_block_mut(self, b);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    JumpingBlocks.visit_block_mut(block);
    // `let v = match k { 0 => return x, _ => x * 2.0 };`: `let v; match k { 0 => return x, _ =>
    // v = x * 2.0 }`, the `match` a statement whose arms lowering knows to return from.
    struct ReturningMatchLets;
    impl VisitMut for ReturningMatchLets {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            let mut out = Vec::with_capacity(b.stmts.len());
            for s in b.stmts.drain(..) {
                // (`let m = { let t = ..; if c { t } else { continue } };`: the block's
                // statements first, then the `let` of its value, taken as below.)
                let (before, s) = super::lift::leaving_let(s);
                out.extend(before);
                match returning_match_let(&s) {
                    Some(two) => out.extend(two),
                    None => out.push(branch_buffer_assign(&s).unwrap_or(s)),
                }
            }
            // `let v: Vec<f64>; if c { v = a; } else { v = b; }`: a buffer, which lowering
            // follows through the branches when it exists before them.
            for k in 1..out.len() {
                if matches!(
                    &out[k],
                    syn::Stmt::Expr(syn::Expr::If(_) | syn::Expr::Match(_), _)
                ) {
                    if let Some(decl) = buffer_declared(&out[k - 1]) {
                        out[k - 1] = decl;
                    }
                }
            }
            b.stmts = out;
            syn::visit_mut::visit_block_mut(self, b);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    ReturningMatchLets.visit_block_mut(block);
    // `a && { y = 2.0 * x; y > 1.0 }`: the right operand's statements run only when the left
    // does not decide, as statements of an `if` (`||` alike, on `!a`).
    struct BlockOperands;
    impl VisitMut for BlockOperands {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            let syn::Expr::Binary(b) = e else { return };
            let or = match b.op {
                syn::BinOp::And(_) => false,
                syn::BinOp::Or(_) => true,
                _ => return,
            };
            // A block with statements (`{ y = 2.0 * x; y > 1.0 }`), and what it runs before its
            // value.
            fn effects(e: &syn::Expr) -> Option<(&[syn::Stmt], &syn::Expr)> {
                let mut e = e;
                while let syn::Expr::Paren(p) = e {
                    e = &p.expr;
                }
                let syn::Expr::Block(blk) = e else {
                    return None;
                };
                let stmts = &blk.block.stmts;
                match stmts.last() {
                    Some(syn::Stmt::Expr(tail, None))
                        if stmts.len() > 1 && blk.label.is_none() && blk.attrs.is_empty() =>
                    {
                        Some((&stmts[..stmts.len() - 1], tail))
                    }
                    _ => None,
                }
            }
            if effects(&b.left).is_none() && effects(&b.right).is_none() {
                return;
            }
            let (c, left) = (crate::naming::fresh("cond"), &b.left);
            let (before, tail) = effects(&b.right).unwrap_or((&[], &b.right));
            *e = if or {
                syn::parse_quote!({
                    let mut #c: bool = true;
                    if #left {
                    } else {
                        #(#before)*
                        #c = #tail;
                    }
                    #c
                })
            } else {
                syn::parse_quote!({
                    let mut #c: bool = false;
                    if #left {
                        #(#before)*
                        #c = #tail;
                    }
                    #c
                })
            };
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    BlockOperands.visit_block_mut(block);
    // `q[k..][..2]`, a part of a part: one part of `q` (`q[k..k + 2]`). `(a..=b).step_by(k)`,
    // which is not double-ended where a reverse sweep needs it, and `(a..=b).map(..)`, which has
    // no exact size where a collect needs it: `(a..b + 1).m(..)`.
    // `(a, b) = (b, a + b);` as a tuple `let` and assignments. `while let` as a `loop` around a
    // `let .. else`.
    struct PartsOfParts;
    impl VisitMut for PartsOfParts {
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            if m.path.is_ident("vec") {
                vec_elements(m, |e| self.visit_expr_mut(e));
            }
        }
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let Some(part) = sub_slices::part_of_part(e) {
                *e = part;
            }
            if let Some(b) = tuples::destructuring_assign(e) {
                *e = b;
            }
            // `std::iter::zip(a, b)` (or `zip` imported): `a.iter().zip(b)`.
            if let syn::Expr::Call(c) = e {
                if let (syn::Expr::Path(p), 2) = (&*c.func, c.args.len()) {
                    let names: Vec<String> = crate::naming::segments(&p.path);
                    let zip = matches!(
                        names.iter().map(String::as_str).collect::<Vec<_>>()[..],
                        ["zip"] | ["iter", "zip"] | ["std" | "core", "iter", "zip"]
                    );
                    if zip && p.qself.is_none() {
                        let (a, b) = (&c.args[0], &c.args[1]);
                        let source: syn::Expr = match a {
                            syn::Expr::Reference(r) if r.mutability.is_none() => {
                                let x = &r.expr;
                                syn::parse_quote!(#x.iter())
                            }
                            syn::Expr::Path(_) | syn::Expr::Field(_) => {
                                syn::parse_quote!(#a.iter())
                            }
                            a => a.clone(),
                        };
                        *e = syn::parse_quote!(#source.zip(#b));
                    }
                }
            }
            // `w.as_slice()`: `&w[..]`, the whole as a slice.
            if let syn::Expr::MethodCall(m) = e {
                // (Of a name: a field's is lowering's, see `data_field_slice`.)
                if m.args.is_empty()
                    && (m.method == "as_slice" || m.method == "as_mut_slice")
                    && matches!(&*m.receiver, syn::Expr::Path(p) if p.path.get_ident().is_some())
                {
                    let r = &m.receiver;
                    *e = if m.method == "as_slice" {
                        syn::parse_quote!((&#r[..]))
                    } else {
                        syn::parse_quote!((&mut #r[..]))
                    };
                }
            }
            // `while let P = e { body }`: `loop { let P = e else { break; }; body }`.
            if let syn::Expr::While(w) = e {
                if let syn::Expr::Let(l) = &*w.cond {
                    let (label, pat, scrutinee, body) = (&w.label, &l.pat, &l.expr, &w.body.stmts);
                    *e = syn::parse_quote!(#label loop {
                        let #pat = #scrutinee else { break; };
                        #(#body)*
                    });
                }
            }
            // `h[..2].copy_from_slice(&x[1..3])`: element by element.
            if let Some(b) = sub_slices::copy_into_part(e) {
                *e = b;
            }
            if let syn::Expr::MethodCall(m) = e {
                {
                    let mut r = &mut *m.receiver;
                    while let syn::Expr::Paren(p) = r {
                        r = &mut *p.expr;
                    }
                    if let syn::Expr::Range(syn::ExprRange {
                        start,
                        limits: syn::RangeLimits::Closed(_),
                        end: Some(b),
                        ..
                    }) = r
                    {
                        let start = start.take();
                        // A literal stays one (its type is still the range's to choose).
                        let end: syn::Expr = match &**b {
                            syn::Expr::Lit(syn::ExprLit {
                                lit: syn::Lit::Int(i),
                                ..
                            }) if i.suffix().is_empty() && i.base10_parse::<u64>().is_ok() => {
                                let n = i.base10_parse::<u64>().unwrap_or_default() + 1;
                                let lit = syn::LitInt::new(&n.to_string(), i.span());
                                syn::parse_quote!(#lit)
                            }
                            b => syn::parse_quote!((#b) + 1),
                        };
                        *r = syn::parse_quote!(#start..#end);
                    }
                }
            }
        }
        // `let ws = w.as_slice();` (made `(&w[..])` below): `let ws = &w[..];`, a view.
        fn visit_local_mut(&mut self, l: &mut syn::Local) {
            syn::visit_mut::visit_local_mut(self, l);
            if let Some(init) = &mut l.init {
                if let syn::Expr::Paren(p) = &*init.expr {
                    let whole = matches!(&*p.expr, syn::Expr::Reference(r) if matches!(&*r.expr, syn::Expr::Index(ix) if matches!(&*ix.index, syn::Expr::Range(syn::ExprRange { start: None, end: None, .. }))));
                    if whole {
                        init.expr = p.expr.clone();
                    }
                }
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    PartsOfParts.visit_block_mut(block);
    typed.0
}

/// Whether a `return`, `break` or `continue` is in `b` (outside closures and items).
/// Input: `let norm = { let s = ..; if s == 0.0 { return 0.0; } s.sqrt() };`, a block whose
/// statements return (or break, or continue) giving a `let` its value.
/// Output: `let norm; { let s = ..; if s == 0.0 { return 0.0; } norm = s.sqrt(); }`, a block
/// statement, which jumps as any. (Only a name the block does not mention: there `norm` would
/// be another variable.)
fn returning_let_blocks(block: &mut syn::Block) {
    struct Lets;
    impl VisitMut for Lets {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, b);
            let mut out = Vec::with_capacity(b.stmts.len());
            for s in std::mem::take(&mut b.stmts) {
                match split_let_block(&s) {
                    Some((decl, inner)) => {
                        out.push(decl);
                        out.push(syn::Stmt::Expr(syn::Expr::Block(inner), None));
                    }
                    None => out.push(s),
                }
            }
            b.stmts = out;
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Lets.visit_block_mut(block);
}

/// `let NAME(: T) = { stmts; tail };` whose `stmts` jump: `let NAME(: T);` and `{ stmts; NAME =
/// tail; }`.
fn split_let_block(s: &syn::Stmt) -> Option<(syn::Stmt, syn::ExprBlock)> {
    let syn::Stmt::Local(l) = s else { return None };
    let (pi, _, init) = super::plain_let(l)?;
    let syn::Expr::Block(blk) = init else {
        return None;
    };
    if blk.label.is_some() || !blk.attrs.is_empty() || !l.attrs.is_empty() {
        return None;
    }
    let (Some(syn::Stmt::Expr(tail, None)), head) = (blk.block.stmts.last(), &blk.block.stmts[..])
    else {
        return None;
    };
    let head = &head[..head.len() - 1];
    let name = &pi.ident;
    let head_block = syn::Block {
        brace_token: blk.block.brace_token,
        stmts: head.to_vec(),
    };
    if !leaves(&head_block)
        || crate::naming::mentions(quote::ToTokens::to_token_stream(&blk.block), &|i| i == name)
    {
        return None;
    }
    let pat = &l.pat;
    let decl: syn::Stmt = syn::parse_quote!(let #pat;);
    let mut inner = blk.clone();
    inner.block.stmts = head.to_vec();
    inner.block.stmts.push(syn::parse_quote!(#name = #tail;));
    Some((decl, inner))
}

/// Whether `b` returns, or breaks or continues a loop around it (not only loops of its own).
fn leaves(b: &syn::Block) -> bool {
    struct Finder {
        loops: usize,
        /// The labels of the loops and blocks around, inside `b`.
        labels: Vec<syn::Lifetime>,
        found: bool,
    }
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            let label = match e {
                syn::Expr::ForLoop(l) => Some(&l.label),
                syn::Expr::While(l) => Some(&l.label),
                syn::Expr::Loop(l) => Some(&l.label),
                syn::Expr::Block(b) if b.label.is_some() => Some(&b.label),
                _ => None,
            };
            match e {
                syn::Expr::Return(_) => self.found = true,
                syn::Expr::Break(syn::ExprBreak { label, .. })
                | syn::Expr::Continue(syn::ExprContinue { label, .. }) => {
                    let inside = match label {
                        Some(l) => self.labels.contains(l),
                        None => self.loops > 0,
                    };
                    self.found |= !inside;
                    syn::visit::visit_expr(self, e);
                }
                syn::Expr::Closure(_) => {}
                e if label.is_some() => {
                    let label = label.and_then(|l| l.as_ref()).map(|l| l.name.clone());
                    let is_loop = !matches!(e, syn::Expr::Block(_));
                    self.loops += usize::from(is_loop);
                    self.labels.extend(label.clone());
                    syn::visit::visit_expr(self, e);
                    if label.is_some() {
                        self.labels.pop();
                    }
                    self.loops -= usize::from(is_loop);
                }
                e => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Finder {
        loops: 0,
        labels: Vec::new(),
        found: false,
    };
    syn::visit::Visit::visit_block(&mut f, b);
    f.found
}

pub(super) fn jumps(b: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            match e {
                syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_) => {
                    self.0 = true
                }
                syn::Expr::Closure(_) => {}
                e => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_block(&mut f, b);
    f.0
}

/// Whether `b`'s value is `()` by its form: it ends with a statement, or with an `if` without
/// `else` or a `for`/`while` loop.
pub(super) fn unit_block(b: &syn::Block) -> bool {
    match b.stmts.last() {
        None | Some(syn::Stmt::Local(_) | syn::Stmt::Item(_) | syn::Stmt::Expr(_, Some(_))) => true,
        Some(syn::Stmt::Expr(e, None)) => matches!(
            e,
            syn::Expr::If(syn::ExprIf {
                else_branch: None,
                ..
            }) | syn::Expr::ForLoop(_)
                | syn::Expr::While(_)
        ),
        Some(syn::Stmt::Macro(_)) => false,
    }
}

/// Input: `x.iter().zip(x.iter().cycle().skip(k))` as an iterator or the sequence of a `for`.
/// Output: the same pairs by index (see [`cyclic_pairs_loop`]; `(0..x.len()).map(|I| (&x[I],
/// &x[(I + k) % x.len()]))` in a chain), which the rewrites of slices and rows follow.
pub(crate) fn cyclic_by_index(e: &syn::Expr) -> Option<syn::Expr> {
    if let syn::Expr::ForLoop(f) = e {
        return cyclic_pairs_loop(f);
    }
    // `PAIRS.map(|(a, b)| body).sum::<T>()` (`product`): the loop that adds them.
    if let syn::Expr::MethodCall(red) = e {
        if let (true, syn::Expr::MethodCall(map)) = (
            (red.method == "sum" || red.method == "product") && red.args.is_empty(),
            &*red.receiver,
        ) {
            if let (true, Some(syn::Expr::Closure(c))) =
                (map.method == "map" && map.args.len() == 1, map.args.first())
            {
                if c.inputs.len() == 1 && cyclic_pairs(&map.receiver).is_some() {
                    let acc = crate::naming::fresh("acc");
                    let (pat, body, src) = (&c.inputs[0], &c.body, &map.receiver);
                    let (init, op) = if red.method == "sum" {
                        (quote::quote!(-0.0), quote::quote!(+=))
                    } else {
                        (quote::quote!(1.0), quote::quote!(*=))
                    };
                    let ty = red.turbofish.as_ref().and_then(|t| match t.args.first()? {
                        syn::GenericArgument::Type(t) => Some(quote::quote!(: #t)),
                        _ => None,
                    });
                    let lp: syn::ExprForLoop =
                        syn::parse_quote!(for #pat in #src { #acc #op #body; });
                    let lp = cyclic_pairs_loop(&lp)?;
                    return Some(syn::parse_quote!({ let mut #acc #ty = #init; #lp #acc }));
                }
            }
        }
    }
    let (x, k) = cyclic_pairs(e)?;
    let i = crate::naming::fresh("i");
    Some(syn::parse_quote!((0..#x.len()).map(|#i| (&#x[#i], &#x[(#i + #k) % #x.len()]))))
}

/// `x.iter().zip(x.iter().cycle().skip(k))` (each element with the one `k` after it, wrapping
/// around, as a polygon's edges are written): `x` and `k`.
fn cyclic_pairs(e: &syn::Expr) -> Option<(syn::Expr, syn::Expr)> {
    let syn::Expr::MethodCall(z) = e else {
        return None;
    };
    if z.method != "zip" || z.args.len() != 1 {
        return None;
    }
    let iter_of = |e: &syn::Expr| -> Option<syn::Expr> {
        match e {
            // `x`, `m.w`, or a row `w[l]` (a layer's weights, as their rewrite reads them).
            syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => {
                let named = |e: &syn::Expr| matches!(e, syn::Expr::Path(_) | syn::Expr::Field(_));
                let place = match &*m.receiver {
                    syn::Expr::Index(ix) => {
                        named(&ix.expr)
                            && matches!(&*ix.index, syn::Expr::Path(_) | syn::Expr::Lit(_))
                    }
                    r => named(r),
                };
                place.then(|| (*m.receiver).clone())
            }
            _ => None,
        }
    };
    let x = iter_of(&z.receiver)?;
    let syn::Expr::MethodCall(skip) = &z.args[0] else {
        return None;
    };
    if skip.method != "skip" || skip.args.len() != 1 {
        return None;
    }
    let syn::Expr::MethodCall(cycle) = &*skip.receiver else {
        return None;
    };
    if cycle.method != "cycle" || !cycle.args.is_empty() {
        return None;
    }
    let y = iter_of(&cycle.receiver)?;
    let same = quote::ToTokens::to_token_stream(&x).to_string()
        == quote::ToTokens::to_token_stream(&y).to_string();
    same.then(|| (x, skip.args[0].clone()))
}

/// Input: `for (a, b) in x.iter().zip(x.iter().cycle().skip(k)) { body }` (`&a`, `_` too).
/// Output: `for I in 0..x.len() { let a = &x[I]; let b = &x[(I + k) % x.len()]; body }`.
fn cyclic_pairs_loop(f: &syn::ExprForLoop) -> Option<syn::Expr> {
    let (x, k) = cyclic_pairs(&f.expr)?;
    let pat = match &*f.pat {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    let syn::Pat::Tuple(t) = pat else {
        return None;
    };
    if t.elems.len() != 2 {
        return None;
    }
    let i = crate::naming::fresh("i");
    let reads: [syn::Expr; 2] = [
        syn::parse_quote!(#x[#i]),
        syn::parse_quote!(#x[(#i + #k) % #x.len()]),
    ];
    let mut lets: Vec<syn::Stmt> = Vec::new();
    for (p, read) in t.elems.iter().zip(reads) {
        match p {
            syn::Pat::Wild(_) => {}
            syn::Pat::Ident(id) if id.by_ref.is_none() && id.subpat.is_none() => {
                lets.push(syn::parse_quote!(let #p = &#read;));
            }
            syn::Pat::Reference(r) if r.mutability.is_none() => {
                let inner = &r.pat;
                lets.push(syn::parse_quote!(let #inner = #read;));
            }
            _ => return None,
        }
    }
    let (label, body) = (&f.label, &f.body.stmts);
    Some(syn::parse_quote!(#label for #i in 0..#x.len() { #(#lets)* #(#body)* }))
}

/// Input: `let v = match s { p => return a, q => b };`, `let v = if c { a } else { continue };`
/// (an `if` or a `match` some of whose branches, at any depth, end in `return`, `break` or
/// `continue`). Output: `let v; match s { p => return a, q => { v = b; } }`, `let v; if c { v = a;
/// } else { continue; }`: the jumps as statements, which lowering knows to take.
pub(super) fn returning_match_let(s: &syn::Stmt) -> Option<[syn::Stmt; 2]> {
    let syn::Stmt::Local(l) = s else { return None };
    let id = match &l.pat {
        syn::Pat::Ident(pi) => pi,
        syn::Pat::Type(pt) => match &*pt.pat {
            syn::Pat::Ident(pi) => pi,
            _ => return None,
        },
        _ => return None,
    };
    if id.by_ref.is_some() || id.subpat.is_some() || !l.attrs.is_empty() {
        return None;
    }
    let init = l.init.as_ref()?;
    if init.diverge.is_some()
        || !matches!(&*init.expr, syn::Expr::Match(_) | syn::Expr::If(_))
        || !(jumps_in_tail(&init.expr) || any_tail(&init.expr, &makes_buffer))
    {
        return None;
    }
    let assigned = assign_tails(&init.expr, &id.ident)?;
    let mut decl = l.clone();
    decl.init = None;
    // A buffer chosen by branches needs its type, written or named by a `collect`.
    if !jumps_in_tail(&init.expr) && !matches!(&l.pat, syn::Pat::Type(_)) {
        let ty = collected_type(&init.expr)?;
        let name = &id.ident;
        let typed: syn::Stmt = syn::parse_quote!(let #name: #ty;);
        return Some([typed, syn::Stmt::Expr(assigned, None)]);
    }
    Some([syn::Stmt::Local(decl), syn::Stmt::Expr(assigned, None)])
}

/// Input: `a = if c { z.iter().map(..).collect() } else { z };` (an `if` or a `match` choosing a
/// new buffer for the local `a`). Output: `if c { a = z.iter().map(..).collect(); } else { a = z;
/// }`, each branch's assignment one lowering follows.
fn branch_buffer_assign(s: &syn::Stmt) -> Option<syn::Stmt> {
    let syn::Stmt::Expr(syn::Expr::Assign(a), Some(_)) = s else {
        return None;
    };
    let syn::Expr::Path(p) = &*a.left else {
        return None;
    };
    let name = p.path.get_ident()?;
    if !matches!(&*a.right, syn::Expr::Match(_) | syn::Expr::If(_))
        || !any_tail(&a.right, &makes_buffer)
    {
        return None;
    }
    Some(syn::Stmt::Expr(assign_tails(&a.right, name)?, None))
}

/// The type a branch's `collect::<Vec<f64>>()` names (not `Vec<_>`).
fn collected_type(e: &syn::Expr) -> Option<syn::Type> {
    let found = std::cell::RefCell::new(None);
    any_tail(e, &|t| {
        if let syn::Expr::MethodCall(m) = t {
            if let Some(tf) = &m.turbofish {
                if let (true, Some(syn::GenericArgument::Type(ty))) =
                    (m.method == "collect", tf.args.first())
                {
                    if !quote::ToTokens::to_token_stream(ty)
                        .to_string()
                        .contains('_')
                    {
                        *found.borrow_mut() = Some(ty.clone());
                        return true;
                    }
                }
            }
        }
        false
    });
    found.into_inner()
}

/// `let v: Vec<T>;` as `let mut v: Vec<T> = Vec::new();`.
fn buffer_declared(s: &syn::Stmt) -> Option<syn::Stmt> {
    let syn::Stmt::Local(l) = s else { return None };
    let syn::Pat::Type(pt) = &l.pat else {
        return None;
    };
    let syn::Pat::Ident(pi) = &*pt.pat else {
        return None;
    };
    let vec = matches!(&*pt.ty, syn::Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Vec"));
    if l.init.is_some() || !vec || pi.by_ref.is_some() || pi.subpat.is_some() || !l.attrs.is_empty()
    {
        return None;
    }
    let (name, ty) = (&pi.ident, &pt.ty);
    Some(syn::parse_quote!(let mut #name: #ty = ::std::vec::Vec::new();))
}

/// A jump as the value of a branch: `return`, `break` or `continue` (without a value).
fn jump(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Return(_) | syn::Expr::Continue(_) => true,
        syn::Expr::Break(b) => b.expr.is_none(),
        _ => false,
    }
}

/// Whether a branch of `e` (an `if`, a `match`, a block, at any depth) has a value `is` holds of.
fn any_tail(e: &syn::Expr, is: &dyn Fn(&syn::Expr) -> bool) -> bool {
    let block = |b: &syn::Block| match b.stmts.last() {
        Some(syn::Stmt::Expr(e, None)) => any_tail(e, is),
        _ => false,
    };
    match e {
        syn::Expr::Paren(p) => any_tail(&p.expr, is),
        syn::Expr::Block(b) => block(&b.block),
        syn::Expr::If(i) => {
            block(&i.then_branch) || i.else_branch.as_ref().is_some_and(|(_, e)| any_tail(e, is))
        }
        syn::Expr::Match(m) => m.arms.iter().any(|a| any_tail(&a.body, is)),
        e => is(e),
    }
}

/// A new buffer: `xs.iter().map(..).collect()`, `x.to_vec()`, `vec![..]`, `Vec::new()`. Chosen
/// by an `if` or a `match` (`let v = if c { a.collect() } else { b.collect() };`), it is
/// assigned in each branch instead, the form lowering takes for buffers.
fn makes_buffer(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::MethodCall(m) => {
            (m.method == "collect" || m.method == "to_vec" || m.method == "to_owned")
                && m.args.is_empty()
        }
        syn::Expr::Macro(m) => m.mac.path.is_ident("vec"),
        syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p)
            if p.path.segments.len() == 2
                && p.path.segments[0].ident == "Vec"
                && ["new", "with_capacity", "from"].iter().any(|n| p.path.segments[1].ident == n)),
        _ => false,
    }
}

/// Whether a branch of `e` (an `if`, a `match`, a block, at any depth) ends in a jump.
fn jumps_in_tail(e: &syn::Expr) -> bool {
    let block = |b: &syn::Block| match b.stmts.last() {
        Some(syn::Stmt::Expr(e, None)) => jumps_in_tail(e),
        Some(syn::Stmt::Expr(e, Some(_))) => jump(e),
        _ => false,
    };
    match e {
        e if jump(e) => true,
        syn::Expr::Paren(p) => jumps_in_tail(&p.expr),
        syn::Expr::Block(b) => block(&b.block),
        syn::Expr::If(i) => {
            block(&i.then_branch)
                || i.else_branch
                    .as_ref()
                    .is_some_and(|(_, e)| jumps_in_tail(e))
        }
        syn::Expr::Match(m) => m.arms.iter().any(|a| jumps_in_tail(&a.body)),
        _ => false,
    }
}

/// `e` (see [`returning_match_let`]) as a statement: each branch's value `b` as `{ name = b; }`, its
/// jumps kept. `None` for an `if` without `else` (whose value is `()`).
fn assign_tails(e: &syn::Expr, name: &syn::Ident) -> Option<syn::Expr> {
    let block = |b: &syn::Block| -> Option<syn::Block> {
        let mut b = b.clone();
        match b.stmts.pop() {
            Some(syn::Stmt::Expr(tail, None)) => match assign_tails(&tail, name)? {
                // `{ v = b; }` as the branch's own statements.
                syn::Expr::Block(inner) if inner.label.is_none() => {
                    b.stmts.extend(inner.block.stmts);
                }
                tail => b.stmts.push(syn::Stmt::Expr(tail, None)),
            },
            Some(syn::Stmt::Expr(e, Some(semi))) if jump(&e) => {
                b.stmts.push(syn::Stmt::Expr(e, Some(semi)));
            }
            _ => return None,
        }
        Some(b)
    };
    Some(match e {
        e if jump(e) => syn::parse_quote!({ #e; }),
        syn::Expr::Paren(p) => assign_tails(&p.expr, name)?,
        syn::Expr::Block(b) if b.label.is_none() => {
            let b = block(&b.block)?;
            syn::parse_quote!(#b)
        }
        syn::Expr::If(i) => {
            let mut i = i.clone();
            i.then_branch = block(&i.then_branch)?;
            let (_, els) = i.else_branch.as_mut()?;
            **els = assign_tails(els, name)?;
            syn::Expr::If(i)
        }
        syn::Expr::Match(m) => {
            let mut m = m.clone();
            for a in &mut m.arms {
                *a.body = assign_tails(&a.body, name)?;
                a.comma = Some(Default::default());
            }
            syn::Expr::Match(m)
        }
        v if super::normal::ends_in_return(v) => syn::parse_quote!({ #v; }),
        v => syn::parse_quote!({ #name = #v; }),
    })
}

/// Whether an arm's body ends by returning (`return v`, `{ ..; return v; }`).
pub(super) fn ends_in_return(e: &syn::Expr) -> bool {
    let ends = |b: &syn::Block| match b.stmts.last() {
        Some(syn::Stmt::Expr(e, _)) => ends_in_return(e),
        Some(syn::Stmt::Macro(m)) => panics(&m.mac),
        _ => false,
    };
    match e {
        syn::Expr::Return(_) => true,
        syn::Expr::Macro(m) => panics(&m.mac),
        syn::Expr::Block(b) => ends(&b.block),
        // `if let P = d { return v; } else { unreachable!() }`
        syn::Expr::If(i) => {
            ends(&i.then_branch)
                && i.else_branch
                    .as_ref()
                    .is_some_and(|(_, e)| ends_in_return(e))
        }
        _ => false,
    }
}

/// `panic!`, `unreachable!`, `todo!`, `unimplemented!`.
fn panics(m: &syn::Macro) -> bool {
    ["panic", "unreachable", "todo", "unimplemented"]
        .iter()
        .any(|n| m.path.segments.last().is_some_and(|s| s.ident == n))
}

/// `l.out(x)` of a parameter `l: &Layer` (a type of the user's): `Layer::out(l, x)`, the call the
/// chain rule follows through `Layer::out_grad`; `self.predict(w, i)` of a data `self` (a model's
/// are the fields pass's): `Self::predict(self, w, i)`.
pub(super) fn methods_of_data_params(block: &mut syn::Block, sig: &syn::Signature) {
    let generic: Vec<String> = sig
        .generics
        .type_params()
        .map(|t| t.ident.to_string())
        .collect();
    let mut types: Vec<(syn::Ident, proc_macro2::TokenStream)> = Vec::new();
    if let Some(r) = sig.receiver() {
        let span = r.self_token.span;
        types.push((
            syn::Ident::new("self", span),
            quote::ToTokens::into_token_stream(syn::Ident::new("Self", span)),
        ));
    }
    for input in &sig.inputs {
        let syn::FnArg::Typed(pt) = input else {
            continue;
        };
        let syn::Pat::Ident(pi) = &*pt.pat else {
            continue;
        };
        let ty = match &*pt.ty {
            syn::Type::Reference(r) if r.mutability.is_none() => &*r.elem,
            t => t,
        };
        let syn::Type::Path(tp) = ty else { continue };
        let (true, Some(last)) = (
            tp.qself.is_none() && tp.path.segments.len() == 1,
            tp.path.segments.last(),
        ) else {
            continue;
        };
        let name = last.ident.to_string();
        // `H<T>`, a generic type of the user's: `H::<T>::method`.
        let args = match &last.arguments {
            syn::PathArguments::None => Some(proc_macro2::TokenStream::new()),
            syn::PathArguments::AngleBracketed(a) => {
                let args = &a.args;
                Some(quote::quote!(::<#args>))
            }
            syn::PathArguments::Parenthesized(_) => None,
        };
        if let (true, Some(args)) = (
            name.starts_with(char::is_uppercase)
                && !generic.contains(&name)
                && !crate::lower::STD_TYPES.contains(&name.as_str()),
            args,
        ) {
            let ty = &last.ident;
            types.push((pi.ident.clone(), quote::quote!(#ty #args)));
        }
    }
    if types.is_empty() {
        return;
    }
    struct Ufcs<'a>(&'a [(syn::Ident, proc_macro2::TokenStream)]);
    impl VisitMut for Ufcs<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            let syn::Expr::MethodCall(m) = e else { return };
            let syn::Expr::Path(p) = &*m.receiver else {
                return;
            };
            let Some((_, ty)) = p
                .path
                .get_ident()
                .and_then(|i| self.0.iter().find(|(n, _)| n == i))
            else {
                return;
            };
            if m.args.is_empty() || m.turbofish.is_some() {
                return;
            }
            let (recv, method, args) = (&m.receiver, &m.method, &m.args);
            *e = syn::parse_quote!(#ty::#method(#recv, #args));
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Ufcs(&types).visit_block_mut(block);
}

/// `x.iter().zip(&self.a)`, `self.a.iter().zip(x)..collect()`, `for v in &self.a` in a method
/// whose `self` is data (a model's are the fields pass's by now): the field bound once by
/// reference at the top (`let A = &self.a;`), and read through that name, as a data slice
/// parameter is.
pub(super) fn alias_self_fields(block: &mut syn::Block, sig: &syn::Signature) {
    // A model's inner function (its fields lent as `FIELD_..` parameters) keeps its reads of
    // `self` for the fields pass's element loops.
    let field = crate::naming::hidden("field_").to_string();
    let model = sig.inputs.iter().any(|a| {
        matches!(a, syn::FnArg::Typed(pt) if matches!(&*pt.pat, syn::Pat::Ident(i) if i.ident.to_string().starts_with(&field)))
    });
    if sig.receiver().is_none() || model {
        return;
    }
    fn self_field(e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Field(f) => match &*f.base {
                syn::Expr::Path(p) => p.path.is_ident("self"),
                base => self_field(base),
            },
            _ => false,
        }
    }
    struct Alias(Vec<(String, syn::Expr, syn::Ident)>);
    impl Alias {
        fn name(&mut self, field: &syn::Expr) -> syn::Ident {
            let key = quote::quote!(#field).to_string();
            if let Some((_, _, id)) = self.0.iter().find(|(k, _, _)| *k == key) {
                return id.clone();
            }
            let id = crate::naming::fresh("self_field");
            self.0.push((key, field.clone(), id.clone()));
            id
        }
    }
    impl VisitMut for Alias {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            match e {
                syn::Expr::Reference(r) if r.mutability.is_none() && self_field(&r.expr) => {
                    let id = self.name(&r.expr);
                    *e = syn::parse_quote!(#id);
                    return;
                }
                syn::Expr::MethodCall(m)
                    if (m.method == "iter" || m.method == "windows" || m.method == "chunks")
                        && self_field(&m.receiver) =>
                {
                    let id = self.name(&m.receiver);
                    *m.receiver = syn::parse_quote!(#id);
                }
                _ => {}
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
        fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut alias = Alias(Vec::new());
    alias.visit_block_mut(block);
    let lets = alias
        .0
        .iter()
        .map(|(_, field, id)| -> syn::Stmt { syn::parse_quote!(let #id = &#field;) });
    block.stmts.splice(0..0, lets);
}

/// `p.map(|x| e)` of an array parameter `p: [f64; N]` (or `&[f64; N]`) with a literal `N`: the
/// array `[{ let x = p[0]; e }, ..]`, whose elements the array rewrites follow.
pub(super) fn maps_of_array_params(block: &mut syn::Block, sig: &syn::Signature) {
    let mut arrays: Vec<(syn::Ident, usize)> = Vec::new();
    for input in &sig.inputs {
        let syn::FnArg::Typed(pt) = input else {
            continue;
        };
        let syn::Pat::Ident(pi) = &*pt.pat else {
            continue;
        };
        let ty = match &*pt.ty {
            syn::Type::Reference(r) if r.mutability.is_none() => &*r.elem,
            t => t,
        };
        let syn::Type::Array(a) = ty else { continue };
        if let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        }) = &a.len
        {
            if let Ok(n) = n.base10_parse::<usize>() {
                arrays.push((pi.ident.clone(), n));
            }
        }
    }
    if arrays.is_empty() {
        return;
    }
    struct Maps<'a>(&'a [(syn::Ident, usize)]);
    impl VisitMut for Maps<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            let syn::Expr::MethodCall(m) = e else { return };
            let syn::Expr::Path(p) = &*m.receiver else {
                return;
            };
            let Some(&(_, n)) = p
                .path
                .get_ident()
                .and_then(|i| self.0.iter().find(|(a, _)| a == i))
            else {
                return;
            };
            let [syn::Expr::Closure(c)] = &m.args.iter().collect::<Vec<_>>()[..] else {
                return;
            };
            if m.method != "map" || c.inputs.len() != 1 {
                return;
            }
            let (x, body, recv) = (&c.inputs[0], &c.body, &m.receiver);
            let elems = (0..n).map(|k| quote::quote!({ let #x = #recv[#k]; #body }));
            *e = syn::parse_quote!([#(#elems),*]);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Maps(&arrays).visit_block_mut(block);
}

/// `.map(|(x, y)| e1).map(|b| e2)` as one stage `.map(|(X, Y)| { let b = e1'; e2 })`, with
/// `X`, `Y` fresh names for `x`, `y` (`e1'` reads them); `None` for another first parameter.
fn fuse_tuple_stage(
    first: &syn::ExprClosure,
    second: &syn::ExprClosure,
) -> Option<syn::ExprClosure> {
    let mut a = first.inputs[0].clone();
    if !matches!(a, syn::Pat::Tuple(_)) {
        return None;
    }
    let mut e1 = (*first.body).clone();
    let mut names = Vec::new();
    crate::lower::collect_pat_idents(&a, &mut names);
    for n in names {
        let to = crate::naming::fresh(&n.to_string());
        super::sub_slices::rename_in_pattern(&mut a, &n, &to, true);
        if !super::sub_slices::rename_expr(&mut e1, &n, &to) {
            return None;
        }
    }
    let (b, e2) = (&second.inputs[0], &second.body);
    let mut fused = first.clone();
    fused.inputs = std::iter::once(a).collect();
    *fused.body = syn::parse_quote!({ let #b = #e1; #e2 });
    fused.output = second.output.clone();
    Some(fused)
}

/// Input: `x.iter().max_by(..).copied().unwrap()` (or `.cloned()`, after `min_by`, `last`,
/// `next`, `nth(k)`, `first()`, `get(k)`, `reduce`, `find`). Output: `*x.iter().max_by(..)
/// .unwrap()`, the form the reductions take.
fn copied_unwrap(e: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(u) = e else {
        return None;
    };
    if u.method != "unwrap" && u.method != "expect" {
        return None;
    }
    let syn::Expr::MethodCall(c) = &*u.receiver else {
        return None;
    };
    if !(c.method == "copied" || c.method == "cloned") || !c.args.is_empty() {
        return None;
    }
    let syn::Expr::MethodCall(pick) = &*c.receiver else {
        return None;
    };
    const PICKS: &[&str] = &[
        "max_by",
        "min_by",
        "max_by_key",
        "min_by_key",
        "last",
        "next",
        "nth",
        "first",
        "get",
        "find",
    ];
    if !PICKS.iter().any(|n| pick.method == n) {
        return None;
    }
    // `.cloned()` of rows or structs picked by a comparator that indexes them (`ws.iter()
    // .max_by(|a, b| a[0].total_cmp(&b[0])).cloned()`): a `Vec` row is not `Copy`, so it stays
    // for the pick's own rewrite, which clones the element.
    if c.method == "cloned" {
        let unwrapped: syn::ExprMethodCall = syn::parse_quote!(#pick.unwrap());
        if super::iterators::position_of_extremum(&unwrapped).is_some() {
            return None;
        }
    }
    let (method, args) = (&u.method, &u.args);
    Some(syn::parse_quote!((*#pick.#method(#args))))
}

/// Input: `let m: Vec<Vec<f64>> = x.chunks(k).map(|c| c.to_vec()).collect();` (also
/// `chunks_exact`, `|c| c.iter().copied().collect()`, `<[f64]>::to_vec`), with `m` only read
/// after it (`m[i][j]`, `m[i]`, `m.iter()`, `m.len()`, `for r in &m`). Output: `let m: Vec<&[f64]>
/// = x.chunks(k).collect();`: the same rows read in place, which the rewrites of pieces follow.
pub(super) fn chunk_rows(block: &mut syn::Block) {
    fn to_vec_closure(e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "to_vec"),
            syn::Expr::Closure(c) => {
                let [syn::Pat::Ident(pi)] = &c.inputs.iter().collect::<Vec<_>>()[..] else {
                    return false;
                };
                let of_c = |r: &syn::Expr| matches!(super::unparen(r), syn::Expr::Path(p) if p.path.is_ident(&pi.ident));
                match super::unparen(&c.body) {
                    syn::Expr::MethodCall(m) if m.args.is_empty() => {
                        match m.method.to_string().as_str() {
                            "to_vec" | "to_owned" => of_c(&m.receiver),
                            "collect" => {
                                matches!(super::unparen(&m.receiver), syn::Expr::MethodCall(cp)
                            if (cp.method == "copied" || cp.method == "cloned")
                                && matches!(super::unparen(&cp.receiver), syn::Expr::MethodCall(it)
                                    if it.method == "iter" && of_c(&it.receiver)))
                            }
                            _ => false,
                        }
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }
    /// The names `stmts` bind by a `let` of a value that does not read `name` (and no other
    /// way): buffers of their own, never rows of `name`.
    fn others(stmts: &[syn::Stmt], name: &syn::Ident) -> HashSet<String> {
        struct Lets<'a>(&'a syn::Ident, HashSet<String>, HashSet<String>);
        impl<'a> syn::visit::Visit<'a> for Lets<'_> {
            fn visit_local(&mut self, l: &'a syn::Local) {
                let of_name = l.init.as_ref().is_none_or(|i| {
                    super::mentions(&quote::ToTokens::to_token_stream(&*i.expr), self.0)
                });
                let mut names = Vec::new();
                crate::lower::collect_pat_idents(&l.pat, &mut names);
                for n in names {
                    if of_name {
                        self.2.insert(n.to_string());
                    } else {
                        self.1.insert(n.to_string());
                    }
                }
                // (The pattern is this `let`'s, not a loop's or a closure's.)
                if let Some(init) = &l.init {
                    self.visit_expr(&init.expr);
                    if let Some((_, d)) = &init.diverge {
                        self.visit_expr(d);
                    }
                }
            }
            fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
                // (Bound by a loop or a closure: maybe a row.)
                self.2.insert(p.ident.to_string());
                syn::visit::visit_pat_ident(self, p);
            }
        }
        let mut l = Lets(name, HashSet::new(), HashSet::new());
        for s in stmts {
            syn::visit::Visit::visit_stmt(&mut l, s);
        }
        l.1.retain(|n| !l.2.contains(n));
        l.1
    }
    /// `f64::tanh`, `T::max`: a float function by its path.
    fn float_function(f: &syn::Expr) -> bool {
        matches!(super::unparen(f), syn::Expr::Path(p) if p.path.segments.len() == 2
            && crate::rules::Prim::method_names().any(|n| p.path.segments[1].ident == n))
    }
    /// Whether `name` is only read as rows in place; whether something is cloned, and whether
    /// its rows are taken under other names (a row cloned under another name would be a slice).
    struct Reads<'a>(&'a syn::Ident, bool, bool, bool, HashSet<String>);
    impl<'a> syn::visit::Visit<'a> for Reads<'_> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            let is_name = |e: &syn::Expr| matches!(super::unparen(e), syn::Expr::Path(p) if p.path.is_ident(self.0));
            let mentions =
                |e: &syn::Expr| super::mentions(&quote::ToTokens::to_token_stream(e), self.0);
            match e {
                // (A row cloned whole, under any name, is a `Vec` of its own, not the slice it
                // would become; a function given a row may take a `&Vec`.)
                syn::Expr::MethodCall(m)
                    if ["cloned", "copied"].iter().any(|n| m.method == n)
                        && mentions(&m.receiver) =>
                {
                    self.1 = false;
                }
                // (What may be a row: a name, or a place in one, other than a local whose value
                // does not read `name`, `h = hn.clone();`; not a list written out,
                // `vec![a, b].into_iter()`.)
                syn::Expr::MethodCall(m)
                    if ["clone", "to_owned", "into_iter"]
                        .iter()
                        .any(|n| m.method == n) =>
                {
                    self.1 &= !mentions(&m.receiver);
                    self.2 |= match super::place_of(&m.receiver) {
                        syn::Expr::Path(p) => !p
                            .path
                            .get_ident()
                            .is_some_and(|i| self.4.contains(&i.to_string())),
                        syn::Expr::Index(_) | syn::Expr::Field(_) | syn::Expr::Unary(_) => true,
                        _ => false,
                    };
                    self.visit_expr(&m.receiver);
                }
                // (A float function given a value read from the rows, `f64::tanh(m[0][0])`,
                // `a.max(m[i][j])`, reads it as any expression.)
                syn::Expr::Call(c) if c.args.iter().any(mentions) && !float_function(&c.func) => {
                    self.1 = false;
                }
                syn::Expr::MethodCall(m)
                    if !is_name(&m.receiver)
                        && m.args.iter().any(mentions)
                        && !crate::rules::Prim::method_names().any(|n| m.method == n) =>
                {
                    self.1 = false;
                }
                syn::Expr::Index(i) if is_name(&i.expr) => {
                    self.3 = true;
                    self.visit_expr(&i.index);
                }
                syn::Expr::MethodCall(m)
                    if is_name(&m.receiver)
                        && ["iter", "len", "is_empty", "first", "last", "get"]
                            .iter()
                            .any(|n| m.method == n) =>
                {
                    self.3 |= m.method != "len" && m.method != "is_empty";
                    for a in &m.args {
                        self.visit_expr(a);
                    }
                }
                syn::Expr::ForLoop(f) if matches!(&*f.expr, syn::Expr::Reference(r) if r.mutability.is_none() && is_name(&r.expr)) =>
                {
                    self.3 = true;
                    self.visit_block(&f.body);
                }
                syn::Expr::Path(p) if p.path.is_ident(self.0) => self.1 = false,
                syn::Expr::Assign(a) if is_name(&a.left) => self.1 = false,
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            if super::mentions(&m.tokens, self.0) {
                self.1 = false;
            }
        }
    }
    struct Rows;
    impl VisitMut for Rows {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, b);
            for k in 0..b.stmts.len() {
                let syn::Stmt::Local(l) = &b.stmts[k] else {
                    continue;
                };
                let (syn::Pat::Ident(id), Some(ty)) = super::pat_and_type(l) else {
                    continue;
                };
                let Some(elem) = crate::rows::vec_elem(ty)
                    .and_then(crate::rows::vec_elem)
                    .cloned()
                else {
                    continue;
                };
                let Some(init) = l.init.as_ref().filter(|i| i.diverge.is_none()) else {
                    continue;
                };
                let syn::Expr::MethodCall(collect) = super::unparen(&init.expr) else {
                    continue;
                };
                let syn::Expr::MethodCall(map) = super::unparen(&collect.receiver) else {
                    continue;
                };
                let syn::Expr::MethodCall(chunks) = super::unparen(&map.receiver) else {
                    continue;
                };
                let shaped = collect.method == "collect"
                    && collect.args.is_empty()
                    && collect.turbofish.is_none()
                    && map.method == "map"
                    && map.args.len() == 1
                    && to_vec_closure(&map.args[0])
                    && (chunks.method == "chunks" || chunks.method == "chunks_exact")
                    && id.mutability.is_none()
                    && id.by_ref.is_none()
                    && crate::sig::float_of(&elem).is_some();
                if !shaped {
                    continue;
                }
                let mut reads = Reads(
                    &id.ident,
                    true,
                    false,
                    false,
                    others(&b.stmts[k + 1..], &id.ident),
                );
                for s in &b.stmts[k + 1..] {
                    syn::visit::Visit::visit_stmt(&mut reads, s);
                }
                if !reads.1 || (reads.2 && reads.3) {
                    continue;
                }
                let (name, chunks) = (&id.ident, chunks.clone());
                b.stmts[k] = syn::parse_quote!(let #name: Vec<&[#elem]> = #chunks.collect(););
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Rows.visit_block_mut(block);
}

/// Input: `for p in SRC { body }` with a plain name `p` over pairs (`SRC` ends in `.enumerate()`
/// or `.zip(..)`, maybe then `rev`, `skip`, `take`, `step_by`), at any depth.
/// Output: `for (P0, P1) in SRC { let p = (P0, P1); body }`: the pair as a tuple local, which
/// the rewrites of tuples follow (`p.0`, `*p.1`, `p` given whole).
fn named_pair_loops(block: &mut syn::Block) {
    fn pairs(e: &syn::Expr) -> bool {
        match super::unparen(e) {
            syn::Expr::MethodCall(m) => match m.method.to_string().as_str() {
                "enumerate" => m.args.is_empty(),
                "zip" => m.args.len() == 1,
                "rev" | "skip" | "take" | "step_by" => pairs(&m.receiver),
                _ => false,
            },
            _ => false,
        }
    }
    /// `p.0`, `p.1` as `parts`; whether `p` is used another way.
    struct Parts<'a> {
        name: &'a syn::Ident,
        parts: [&'a syn::Ident; 2],
        whole: bool,
    }
    impl VisitMut for Parts<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            let is_name = |e: &syn::Expr| matches!(super::unparen(e), syn::Expr::Path(p) if p.path.is_ident(self.name));
            match e {
                syn::Expr::Field(f) if is_name(&f.base) => match &f.member {
                    syn::Member::Unnamed(k) if k.index < 2 => {
                        let part = self.parts[k.index as usize];
                        *e = syn::parse_quote!(#part);
                    }
                    _ => self.whole = true,
                },
                e if is_name(e) => self.whole = true,
                _ => syn::visit_mut::visit_expr_mut(self, e),
            }
        }
        fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
            self.whole |= p.ident == *self.name;
        }
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            self.whole |= super::mentions(&m.tokens, self.name);
        }
    }
    struct Named;
    impl VisitMut for Named {
        fn visit_expr_for_loop_mut(&mut self, f: &mut syn::ExprForLoop) {
            syn::visit_mut::visit_expr_for_loop_mut(self, f);
            let syn::Pat::Ident(pi) = &*f.pat else {
                return;
            };
            if pi.by_ref.is_some() || pi.subpat.is_some() || !pairs(&f.expr) {
                return;
            }
            let [a, b] = [
                crate::naming::fresh("first"),
                crate::naming::fresh("second"),
            ];
            // `p.0` and `p.1` read as the parts' names; `p` read whole (or bound again), a tuple
            // of them, but not of `&mut` parts (`iter_mut()`), which a copy would alias.
            let mut parts = Parts {
                name: &pi.ident,
                parts: [&a, &b],
                whole: false,
            };
            let mut body = f.body.clone();
            parts.visit_block_mut(&mut body);
            let lent = crate::naming::mentions(quote::ToTokens::to_token_stream(&f.expr), &|i| {
                i == "iter_mut"
            });
            if parts.whole && lent {
                return;
            }
            let m = &pi.mutability;
            if parts.whole {
                let name = &pi.ident;
                body.stmts
                    .insert(0, syn::parse_quote!(let #m #name = (#a, #b);));
                *f.pat = syn::parse_quote!((#a, #b));
            } else {
                *f.pat = syn::parse_quote!((#m #a, #m #b));
            }
            f.body = body;
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Named.visit_block_mut(block);
}

/// Every `for` loop of `block` over a list written out (see [`literal_loop`]).
fn literal_loops(block: &mut syn::Block) {
    struct Literal;
    impl VisitMut for Literal {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let syn::Expr::ForLoop(f) = e {
                if let Some(made) = literal_loop(f) {
                    *e = made;
                }
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Literal.visit_block_mut(block);
}

/// Input: `for p in [a, b, c] { body }` (also `&[..]`, `vec![..]`, `&vec![..]`, then `.iter()`,
/// `.into_iter()`, `.copied()`, `.rev()`, ..). Output: `{ let L = [a, b, c]; for p in L { body
/// } }` (the same adapters over `L`): a local array, which loops over locals follow; the
/// elements computed first, as before.
pub(super) fn literal_loop(f: &syn::ExprForLoop) -> Option<syn::Expr> {
    fn literal(e: &mut syn::Expr) -> Option<&mut syn::Expr> {
        match e {
            syn::Expr::Array(a) if !a.elems.is_empty() => Some(e),
            syn::Expr::Macro(_) => {
                *e = syn::Expr::Array(crate::lower::vec_list(e)?);
                Some(e)
            }
            syn::Expr::Reference(r) if r.mutability.is_none() => literal(&mut r.expr),
            syn::Expr::Paren(p) => literal(&mut p.expr),
            syn::Expr::MethodCall(m)
                if m.args.is_empty()
                    && ["iter", "into_iter", "copied", "cloned", "rev", "enumerate"]
                        .iter()
                        .any(|n| m.method == n) =>
            {
                literal(&mut m.receiver)
            }
            _ => None,
        }
    }
    if let Some(made) = literal_tuple_loop(f) {
        return Some(made);
    }
    let mut f = f.clone();
    let name = crate::naming::fresh("listed");
    let at = literal(&mut f.expr)?;
    let list = std::mem::replace(at, syn::parse_quote!(#name));
    Some(syn::parse_quote!({
        let #name = #list;
        #f
    }))
}

/// Input: `for (a, b) in [(a0, b0), (a1, b1)] { body }` (also over `&[..]`, `.iter()`,
/// `.into_iter()`, the pattern `&(a, b)`). Output: `{ let t00 = a0; let t01 = b0; ..; let L0 =
/// [t00, t10]; let L1 = [t01, t11]; for K in 0..2 { let (a, b) = (L0[K], L1[K]); body } }`: a
/// local array per part, the elements computed first and in order, as before.
fn literal_tuple_loop(f: &syn::ExprForLoop) -> Option<syn::Expr> {
    let mut source = &*f.expr;
    let mut by_ref = false;
    let list = loop {
        match source {
            syn::Expr::Array(a) => break a.elems.iter().cloned().collect::<Vec<_>>(),
            syn::Expr::Macro(_) => {
                break crate::lower::vec_list(source)?.elems.into_iter().collect();
            }
            syn::Expr::Reference(r) if r.mutability.is_none() => {
                by_ref = true;
                source = &r.expr;
            }
            syn::Expr::Paren(p) => source = &p.expr,
            syn::Expr::MethodCall(m) if m.args.is_empty() && m.method == "iter" => {
                by_ref = true;
                source = &m.receiver;
            }
            syn::Expr::MethodCall(m)
                if m.args.is_empty()
                    && ["into_iter", "copied", "cloned"]
                        .iter()
                        .any(|n| m.method == n) =>
            {
                if m.method != "into_iter" {
                    by_ref = false;
                }
                source = &m.receiver;
            }
            _ => return None,
        }
    };
    let arity = match list.first() {
        Some(syn::Expr::Tuple(t)) if !t.elems.is_empty() => t.elems.len(),
        _ => return None,
    };
    let same = list
        .iter()
        .all(|e| matches!(e, syn::Expr::Tuple(t) if t.elems.len() == arity));
    // The pattern takes the tuple apart (`&(a, b)` of references).
    let pat = match (&*f.pat, by_ref) {
        (syn::Pat::Reference(r), true) if r.mutability.is_none() => &*r.pat,
        (p, false) => p,
        _ => return None,
    };
    if !same || !matches!(pat, syn::Pat::Tuple(t) if t.elems.len() == arity) {
        return None;
    }
    let mut stmts: Vec<syn::Stmt> = Vec::new();
    let mut parts: Vec<Vec<syn::Ident>> = vec![Vec::new(); arity];
    for (i, e) in list.iter().enumerate() {
        let syn::Expr::Tuple(t) = e else { return None };
        for (j, v) in t.elems.iter().enumerate() {
            let name = crate::naming::fresh(&format!("listed{i}_{j}"));
            stmts.push(syn::parse_quote!(let #name = #v;));
            parts[j].push(name);
        }
    }
    let arrays: Vec<syn::Ident> = (0..arity)
        .map(|j| crate::naming::fresh(&format!("listed_part{j}")))
        .collect();
    for (a, p) in arrays.iter().zip(&parts) {
        stmts.push(syn::parse_quote!(let #a = [#(#p),*];));
    }
    let (k, n) = (crate::naming::fresh("k"), list.len());
    let (label, body) = (&f.label, &f.body.stmts);
    Some(syn::parse_quote!({
        #(#stmts)*
        #label for #k in 0..#n {
            let #pat = (#(#arrays[#k]),*);
            #(#body)*
        }
    }))
}

/// [`flat_map_of_rows`] everywhere in `block`, before the rewrites of a model's rows read it.
pub(crate) fn flat_maps_of_rows(block: &mut syn::Block) {
    struct Flat;
    impl VisitMut for Flat {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let syn::Expr::MethodCall(m) = e {
                if let Some(flat) = flat_map_of_rows(m) {
                    *e = flat;
                }
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Flat.visit_block_mut(block);
}

/// Input: `A.flat_map(|r| r.iter())` (also `into_iter()`, then `copied()`, `cloned()`, `map(f)`,
/// `filter(p)` that do not read `r`). Output: `A.flatten()` then the same stages: the same items
/// in the same order, in the form the rewrites of rows follow (stages that number or count
/// items, such as `enumerate`, would start again at each row, and stay as written).
fn flat_map_of_rows(m: &syn::ExprMethodCall) -> Option<syn::Expr> {
    let [syn::Expr::Closure(c)] = &m.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let [row] = &c.inputs.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let syn::Pat::Ident(row) = super::iterators::untyped(row) else {
        return None;
    };
    if m.method != "flat_map" || row.by_ref.is_some() || row.subpat.is_some() {
        return None;
    }
    let row = &row.ident;
    let mut stages = Vec::new();
    let tail = super::tail_expr(&c.body);
    let mut at = super::unparen(&tail);
    loop {
        let syn::Expr::MethodCall(s) = at else {
            return None;
        };
        let of_row =
            matches!(super::unparen(&s.receiver), syn::Expr::Path(p) if p.path.is_ident(row));
        if of_row {
            if (s.method != "iter" && s.method != "into_iter") || !s.args.is_empty() {
                return None;
            }
            break;
        }
        let known = ["copied", "cloned", "map", "filter"]
            .iter()
            .any(|n| s.method == n);
        let reads_row = s
            .args
            .iter()
            .any(|a| super::mentions(&quote::ToTokens::to_token_stream(a), row));
        if !known || reads_row || s.turbofish.is_some() {
            return None;
        }
        stages.push((s.method.clone(), s.args.clone()));
        at = super::unparen(&s.receiver);
    }
    let source = &m.receiver;
    let mut out: syn::Expr = syn::parse_quote_spanned!(m.method.span()=> #source.flatten());
    for (method, args) in stages.into_iter().rev() {
        out = syn::parse_quote!(#out.#method(#args));
    }
    Some(out)
}

/// See the call in `TupleFolds`: a `map` after a `flat_map` whose closure ends in a `map`, moved
/// into that inner `map`.
fn flat_map_then_map(m: &syn::ExprMethodCall) -> Option<syn::Expr> {
    let (syn::Expr::MethodCall(fm), [syn::Expr::Closure(second)]) =
        (&*m.receiver, &m.args.iter().collect::<Vec<_>>()[..])
    else {
        return None;
    };
    if m.method != "map" || fm.method != "flat_map" || second.inputs.len() != 1 {
        return None;
    }
    let [syn::Expr::Closure(outer)] = &fm.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let syn::Expr::MethodCall(im) = &*outer.body else {
        return None;
    };
    let [syn::Expr::Closure(first)] = &im.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if im.method != "map" || first.inputs.len() != 1 {
        return None;
    }
    let (b, e1, e2) = (&second.inputs[0], &first.body, &second.body);
    let mut inner = (*first).clone();
    *inner.body = syn::parse_quote!({ let #b = #e1; #e2 });
    inner.output = second.output.clone();
    let mut inner_call = im.clone();
    inner_call.args = std::iter::once(syn::Expr::Closure(inner)).collect();
    let mut new_outer = (*outer).clone();
    *new_outer.body = syn::Expr::MethodCall(inner_call);
    let mut flat = fm.clone();
    flat.args = std::iter::once(syn::Expr::Closure(new_outer)).collect();
    Some(syn::Expr::MethodCall(flat))
}

/// Input: `for layer in &net.layers[..k] { body }` (also `net.layers[a..b].iter()`, with
/// `.enumerate()` and a pattern `(i, layer)`): a part of a field's sequence, its elements bound
/// by name. Output: `for j in 0..k { let layer = &net.layers[j]; body }` (with `let i = j - a;`),
/// each element read by index, the form the models' rewrite follows for a `Vec` of structs.
pub fn field_part_loops(block: &mut syn::Block) {
    struct Parts;
    impl VisitMut for Parts {
        fn visit_expr_for_loop_mut(&mut self, f: &mut syn::ExprForLoop) {
            syn::visit_mut::visit_expr_for_loop_mut(self, f);
            let (mut source, mut enumerated) = (&*f.expr, false);
            if let syn::Expr::MethodCall(m) = source {
                if m.method == "enumerate" && m.args.is_empty() {
                    (source, enumerated) = (&*m.receiver, true);
                }
            }
            let part = match source {
                syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
                syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => {
                    match &*m.receiver {
                        syn::Expr::Paren(p) => &*p.expr,
                        r => r,
                    }
                }
                _ => return,
            };
            let syn::Expr::Index(ix) = part else { return };
            let (syn::Expr::Field(field), syn::Expr::Range(range)) = (&*ix.expr, &*ix.index) else {
                return;
            };
            let (count, name) = match (&*f.pat, enumerated) {
                (syn::Pat::Ident(p), false) => (None, p),
                (syn::Pat::Tuple(t), true) if t.elems.len() == 2 => {
                    match (&t.elems[0], &t.elems[1]) {
                        (c, syn::Pat::Ident(p)) => (Some(c.clone()), p),
                        _ => return,
                    }
                }
                _ => return,
            };
            if name.by_ref.is_some() || name.subpat.is_some() {
                return;
            }
            let start: syn::Expr = match &range.start {
                Some(a) => syn::parse_quote!((#a)),
                None => syn::parse_quote!(0),
            };
            let end: syn::Expr = match &range.end {
                Some(b) => syn::parse_quote!((#b)),
                None => syn::parse_quote!(#field.len()),
            };
            let limits = &range.limits;
            let j = crate::naming::fresh("part");
            let name = &name.ident;
            let count = count.map(|c| -> syn::Stmt { syn::parse_quote!(let #c = #j - #start;) });
            let (label, body) = (&f.label, &f.body.stmts);
            *f = syn::parse_quote!(#label for #j in #start #limits #end {
                #count
                let #name = &#field[#j];
                #(#body)*
            });
        }
        // `net.layers[..k].iter().fold(x, |a, layer| ..)` (or `map`, `for_each`, .., through
        // `rev`, `enumerate`, `skip`, `take`): `net.layers.iter().skip(0).take(k - 0)`, the
        // field's own iterator, whose elements the models' rewrite follows in closures.
        fn visit_expr_method_call_mut(&mut self, m: &mut syn::ExprMethodCall) {
            syn::visit_mut::visit_expr_method_call_mut(self, m);
            const CLOSURES: &[&str] = &[
                "map",
                "fold",
                "for_each",
                "filter",
                "any",
                "all",
                "filter_map",
                "inspect",
            ];
            if CLOSURES.iter().any(|n| m.method == n) {
                field_part_iter(&mut m.receiver);
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Parts.visit_block_mut(block);
}

/// See `field_part_loops`: `FIELD[a..b].iter()` at the root of the adapters `e` is made of.
fn field_part_iter(e: &mut syn::Expr) {
    let syn::Expr::MethodCall(m) = e else { return };
    if ["rev", "enumerate", "skip", "take", "step_by"]
        .iter()
        .any(|n| m.method == n)
    {
        field_part_iter(&mut m.receiver);
        return;
    }
    if m.method != "iter" || !m.args.is_empty() {
        return;
    }
    let part = match &*m.receiver {
        syn::Expr::Paren(p) => &*p.expr,
        r => r,
    };
    let syn::Expr::Index(ix) = part else { return };
    let (syn::Expr::Field(field), syn::Expr::Range(range)) = (&*ix.expr, &*ix.index) else {
        return;
    };
    let start: syn::Expr = match &range.start {
        Some(a) => syn::parse_quote!((#a)),
        None => syn::parse_quote!(0),
    };
    let end: syn::Expr = match (&range.end, &range.limits) {
        (Some(b), syn::RangeLimits::Closed(_)) => syn::parse_quote!((#b) + 1),
        (Some(b), syn::RangeLimits::HalfOpen(_)) => syn::parse_quote!((#b)),
        (None, _) => syn::parse_quote!(#field.len()),
    };
    *e = syn::parse_quote!(#field.iter().skip(#start).take(#end - #start));
}

/// `a.clone_from(&b)`: `a = b.clone()` (the same value; the other reuses `a`'s memory), the
/// assignment of a whole buffer or row the rewrites follow.
fn clone_from_assign(e: &mut syn::Expr) {
    let syn::Expr::MethodCall(m) = e else { return };
    if m.method != "clone_from" || m.args.len() != 1 || m.turbofish.is_some() {
        return;
    }
    let source: syn::Expr = match &m.args[0] {
        syn::Expr::Reference(r) if r.mutability.is_none() => (*r.expr).clone(),
        other => other.clone(),
    };
    let target = &m.receiver;
    *e = if super::is_place(&source) {
        syn::parse_quote!(#target = #source.clone())
    } else {
        syn::parse_quote!(#target = (#source).clone())
    };
}
