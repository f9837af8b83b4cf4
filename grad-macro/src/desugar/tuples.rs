//! `let` with a tuple pattern, rewritten into one `let` per name.

use std::collections::HashSet;

/// Input: `let (a, (b, c)) = (e1, (e2, e3));` or `let (s, c) = x.sin_cos();`.
/// Output: `let T0 = e1; let T1 = e2; let T2 = e3; let a = T0; let b = T1; let c = T2;`, or
/// `let T = x; let T0 = T.sin(); let T1 = T.cos(); let s = T0; let c = T1;`: every value is
/// computed before any name is bound, as in the original. `None` when the initializer does not
/// match the pattern's shape with tuple expressions and `sin_cos()`.
pub fn split_tuple_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (pat, ty) = super::pat_and_type(l);
    if !matches!(pat, syn::Pat::Tuple(_)) {
        return None;
    }
    let init = l.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    let mut pre = Vec::new();
    let mut leaves = Vec::new();
    pair(pat, ty, &init.expr, &mut pre, &mut leaves)?;
    let mut out = pre;
    // No part reads a name the pattern binds: each name bound to its part directly (a matrix or
    // a buffer keeps its kind, which a temporary copied whole would not).
    let names: Vec<syn::Ident> = leaves
        .iter()
        .filter_map(|(p, _, _)| match p {
            syn::Pat::Ident(i) => Some(i.ident.clone()),
            _ => None,
        })
        .collect();
    let reads_names = leaves.iter().any(|(_, _, e)| {
        let tokens = quote::ToTokens::to_token_stream(e);
        names.iter().any(|n| super::mentions(&tokens, n))
    });
    if out.is_empty() && !reads_names {
        for (p, t, e) in leaves {
            out.push(match (p, t) {
                // A part the pattern drops still runs, under a name: `let _ = f(x);` written
                // by the user is a call for an effect, which lowering refuses.
                (syn::Pat::Wild(_), _) => {
                    let name = crate::naming::fresh("dropped");
                    syn::parse_quote!(let #name = #e;)
                }
                (p, Some(t)) => syn::parse_quote!(let #p: #t = #e;),
                (p, None) => syn::parse_quote!(let #p = #e;),
            });
        }
        return Some(out);
    }
    let mut binds = Vec::new();
    for (k, (p, t, e)) in leaves.into_iter().enumerate() {
        let name = crate::naming::hidden(&format!("tuple{k}"));
        out.push(syn::parse_quote!(let #name = #e;));
        binds.push(match (p, t) {
            (syn::Pat::Wild(_), _) => syn::parse_quote!(let _ = #name;),
            (p, Some(t)) => syn::parse_quote!(let #p: #t = #name;),
            (p, None) => syn::parse_quote!(let #p = #name;),
        });
    }
    out.extend(binds);
    Some(out)
}

pub type Leaf = (syn::Pat, Option<syn::Type>, syn::Expr);

/// Pairs a pattern with the expression it destructures, down to the names.
pub fn pair(
    pat: &syn::Pat,
    ty: Option<&syn::Type>,
    e: &syn::Expr,
    pre: &mut Vec<syn::Stmt>,
    leaves: &mut Vec<Leaf>,
) -> Option<()> {
    let e = match e {
        syn::Expr::Paren(p) => &*p.expr,
        e => e,
    };
    let syn::Pat::Tuple(tp) = pat else {
        // Names and `_` only: `..` and other patterns stay as written (and are reported).
        if !matches!(pat, syn::Pat::Ident(i) if i.subpat.is_none())
            && !matches!(pat, syn::Pat::Wild(_))
        {
            return None;
        }
        leaves.push((pat.clone(), ty.cloned(), e.clone()));
        return Some(());
    };
    let tys: Vec<Option<&syn::Type>> = match ty {
        Some(syn::Type::Tuple(tt)) if tt.elems.len() == tp.elems.len() => {
            tt.elems.iter().map(Some).collect()
        }
        Some(_) => return None,
        None => vec![None; tp.elems.len()],
    };
    match e {
        syn::Expr::Tuple(t) if t.elems.len() == tp.elems.len() => {
            for ((p, t), e) in tp.elems.iter().zip(tys).zip(&t.elems) {
                pair(p, t, e, pre, leaves)?;
            }
            Some(())
        }
        syn::Expr::MethodCall(mc)
            if mc.method == "sin_cos" && mc.args.is_empty() && tp.elems.len() == 2 =>
        {
            let name = crate::naming::hidden(&format!("sincos{}", pre.len()));
            let recv = &mc.receiver;
            pre.push(syn::parse_quote!(let #name = #recv;));
            let (sin, cos): (syn::Expr, syn::Expr) = (
                syn::parse_quote!(#name.sin()),
                syn::parse_quote!(#name.cos()),
            );
            pair(&tp.elems[0], tys[0], &sin, pre, leaves)?;
            pair(&tp.elems[1], tys[1], &cos, pre, leaves)
        }
        // A tuple under a name (`acc` of a fold's closure, the value of a branch): its fields.
        syn::Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
            for (k, (p, t)) in tp.elems.iter().zip(tys).enumerate() {
                let k = syn::Index::from(k);
                pair(p, t, &syn::parse_quote!(#e.#k), pre, leaves)?;
            }
            Some(())
        }
        _ => None,
    }
}

/// Input: `let k = { stmts; let V: [f64; N] = [e0, .., en]; V };` (in parentheses, blocks
/// nested, as a closure returning an array is inlined at its call; or a block ending in the array
/// under a `let k: [f64; N]`). Output: `let (T0, .., Tn) = { stmts; (e0, .., en) }; let k: [f64;
/// N] = [T0, .., Tn];`: the elements computed where the block computes them, then a local buffer.
pub fn array_block_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    if !matches!(super::place_of(init), syn::Expr::Block(_)) && !matches!(init, syn::Expr::Paren(_))
    {
        return None;
    }
    let mut prefix = Vec::new();
    let (arr, found_ty) = array_tail(init, &mut prefix)?;
    // A `Vec` the block ends in: its elements computed there, then the list (whose elements'
    // type lowering sees).
    let listed = found_ty
        .as_ref()
        .is_some_and(|t| matches!(t, syn::Type::Path(p) if p.path.segments.last().is_some_and(|l| l.ident == "Vec")));
    if listed {
        if arr.elems.len() < 2 || prefix.is_empty() {
            return None;
        }
        let temps: Vec<syn::Ident> = crate::naming::fresh_names("elem", arr.elems.len());
        let elems = arr.elems.iter();
        let name = &id.ident;
        let m = &id.mutability;
        return Some(vec![
            syn::parse_quote!(let (#(#temps),*) = { #(#prefix)* (#(#elems),*) };),
            syn::parse_quote!(let #m #name = vec![#(#temps),*];),
        ]);
    }
    let elem_ty = match (ty, &found_ty) {
        (Some(syn::Type::Array(a)), _) | (None, Some(syn::Type::Array(a))) => (*a.elem).clone(),
        _ => return None,
    };
    crate::sig::float_of(&elem_ty)?;
    if arr.elems.is_empty() || prefix.is_empty() {
        return None;
    }
    let temps: Vec<syn::Ident> = crate::naming::fresh_names("elem", arr.elems.len());
    let elems = arr.elems.iter();
    let n = temps.len();
    let name = &id.ident;
    let one = if n == 1 {
        quote::quote!(,)
    } else {
        quote::quote!()
    };
    Some(vec![
        syn::parse_quote!(let (#(#temps),* #one) = { #(#prefix)* (#(#elems),* #one) };),
        syn::parse_quote!(let #name: [#elem_ty; #n] = [#(#temps),*];),
    ])
}

/// The array literal a block ends in (through parentheses, nested blocks and a `let V: [T; N] =
/// ..; V` tail), with the statements before it in `prefix` and the type of that `let`.
fn array_tail(
    e: &syn::Expr,
    prefix: &mut Vec<syn::Stmt>,
) -> Option<(syn::ExprArray, Option<syn::Type>)> {
    match e {
        syn::Expr::Paren(p) => array_tail(&p.expr, prefix),
        syn::Expr::Array(a) => Some((a.clone(), None)),
        // `vec![a, b]` (a nested fn or closure returning a `Vec`), as its list.
        syn::Expr::Macro(_) => {
            let vec: syn::Type = syn::parse_quote!(::std::vec::Vec<_>);
            Some((crate::lower::vec_list(e)?, Some(vec)))
        }
        syn::Expr::Block(b) if b.label.is_none() => {
            let stmts = &b.block.stmts;
            let (last, rest) = stmts.split_last()?;
            let syn::Stmt::Expr(tail, None) = last else {
                return None;
            };
            // `let V: [T; N] = value; V`.
            if let (syn::Expr::Path(p), Some((syn::Stmt::Local(bind), before))) =
                (tail, rest.split_last())
            {
                if let Some((v, Some(t), value)) = super::plain_let(bind) {
                    if p.path.is_ident(&v.ident) {
                        prefix.extend(before.iter().cloned());
                        let (a, _) = array_tail(value, prefix)?;
                        return Some((a, Some(t.clone())));
                    }
                }
            }
            prefix.extend(rest.iter().cloned());
            array_tail(tail, prefix)
        }
        _ => None,
    }
}

/// Input: `let z = if c { vec![a, b] } else { vec![d, e] };` (arrays `[a, b]` too, `else if`
/// chains, every branch a list of the same length `N`). Output: `let mut z = vec![0.0; N]; if c {
/// z[0] = a; z[1] = b; } else { z[0] = d; z[1] = e; }`: a buffer each branch writes whole.
pub fn branch_list_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (id, _, init) = super::plain_let(l)?;
    let syn::Expr::If(top) = init else {
        return None;
    };
    // Each branch's list, and whether it is a `Vec`.
    fn lists(i: &syn::ExprIf, out: &mut Vec<(syn::ExprArray, bool)>) -> Option<()> {
        let tail = |b: &syn::Block| -> Option<(syn::ExprArray, bool)> {
            let [syn::Stmt::Expr(e, None)] = &b.stmts[..] else {
                return None;
            };
            match super::unparen(e) {
                syn::Expr::Array(a) => Some((a.clone(), false)),
                e => crate::lower::vec_list(e).map(|a| (a, true)),
            }
        };
        out.push(tail(&i.then_branch)?);
        match &*i.else_branch.as_ref()?.1 {
            syn::Expr::If(inner) => lists(inner, out),
            syn::Expr::Block(b) => {
                out.push(tail(&b.block)?);
                Some(())
            }
            _ => None,
        }
    }
    let mut all = Vec::new();
    lists(top, &mut all)?;
    let n = all[0].0.elems.len();
    let vec = all[0].1;
    if n == 0 || all.iter().any(|(a, v)| a.elems.len() != n || *v != vec) {
        return None;
    }
    let name = &id.ident;
    // The branches, each writing the elements of its list.
    fn write(
        i: &syn::ExprIf,
        name: &syn::Ident,
        all: &mut std::slice::Iter<'_, (syn::ExprArray, bool)>,
    ) -> syn::ExprIf {
        let mut i = i.clone();
        let writes = |a: &syn::ExprArray| -> syn::Block {
            let temps: Vec<syn::Ident> = crate::naming::fresh_names("elem", a.elems.len());
            let (elems, k) = (a.elems.iter(), 0..a.elems.len());
            syn::parse_quote!({ #(let #temps = #elems;)* #(#name[#k] = #temps;)* })
        };
        let (first, _) = all.next().expect("one list per branch");
        i.then_branch = writes(first);
        if let Some((_, els)) = &mut i.else_branch {
            match &**els {
                syn::Expr::If(inner) => **els = syn::Expr::If(write(inner, name, all)),
                _ => {
                    let (last, _) = all.next().expect("one list per branch");
                    let b = writes(last);
                    **els = syn::parse_quote!(#b);
                }
            }
        }
        i
    }
    let written = write(top, name, &mut all.iter());
    Some(vec![
        if vec {
            syn::parse_quote!(let mut #name = vec![0.0; #n];)
        } else {
            syn::parse_quote!(let mut #name = [0.0; #n];)
        },
        syn::Stmt::Expr(syn::Expr::If(written), None),
    ])
}

/// The length of an array literal `rest` assigns to `name` whole (`name = [a, b];`, or `name =
/// t;` of a local `let t = [a, b];` declared before), at any depth outside closures.
pub fn assigned_array_len(name: &syn::Ident, rest: &[syn::Stmt]) -> Option<usize> {
    struct Assigned<'a>(&'a syn::Ident, Option<usize>, Vec<(syn::Ident, usize)>);
    impl<'a> syn::visit::Visit<'a> for Assigned<'_> {
        fn visit_local(&mut self, l: &'a syn::Local) {
            if let (Some((id, _, syn::Expr::Array(arr))), Some(_)) =
                (super::plain_let(l), l.init.as_ref())
            {
                if !arr.elems.is_empty() {
                    self.2.push((id.ident.clone(), arr.elems.len()));
                }
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            if let syn::Expr::Path(p) = &*a.left {
                if p.path.get_ident() == Some(self.0) {
                    match &*a.right {
                        syn::Expr::Array(arr) if !arr.elems.is_empty() => {
                            self.1 = Some(arr.elems.len());
                        }
                        syn::Expr::Path(r) => {
                            if let Some((_, n)) = r
                                .path
                                .get_ident()
                                .and_then(|i| self.2.iter().rev().find(|(t, _)| t == i))
                            {
                                self.1 = Some(*n);
                            }
                        }
                        _ => {}
                    }
                }
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut a = Assigned(name, None, Vec::new());
    for s in rest {
        syn::visit::Visit::visit_stmt(&mut a, s);
    }
    a.1
}

/// Input: `let mut s = obs[0];` (any value that is not an array literal), where a statement after
/// it assigns `s = [a, b];`, an array literal of `N` elements. Output: `let T = obs[0]; let mut s =
/// [0.0; N]; s[0] = T[0]; s[1] = T[1];`: a local buffer from the start, which the assignment then
/// writes element by element (a state vector of an ODE started from data).
pub fn reassigned_array_let(l: &syn::Local, rest: &[syn::Stmt]) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    if id.mutability.is_none()
        || matches!(
            init,
            syn::Expr::Array(_) | syn::Expr::Macro(_) | syn::Expr::Repeat(_)
        )
    {
        return None;
    }
    if let Some(t) = ty {
        if !matches!(t, syn::Type::Array(_)) {
            return None;
        }
    }
    let name = &id.ident;
    let n = assigned_array_len(name, rest)?;
    let t = crate::naming::fresh("start");
    let k = 0..n;
    let k2 = 0..n;
    Some(vec![
        syn::parse_quote!(let #t = #init;),
        syn::parse_quote!(let mut #name = [0.0; #n];),
        syn::parse_quote!({ #(#name[#k] = #t[#k2];)* }),
    ])
}

/// Input: `let a: [f64; N] = std::array::from_fn(|i| e);` (also `core::array::from_fn`,
/// `array::from_fn`), an array of floats made element by element. Output: `let mut a = [0.0;
/// N]; for K in 0..N { a[K] = { let i = K; e }; }`, a local buffer written by index.
pub fn array_from_fn_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    let syn::Expr::Call(c) = init else {
        return None;
    };
    let syn::Expr::Path(f) = &*c.func else {
        return None;
    };
    // The type of the `let`, or the turbofish's (`from_fn::<f64, 3, _>(..)`).
    let turbofish: Option<syn::TypeArray> = match &f.path.segments.last()?.arguments {
        syn::PathArguments::AngleBracketed(g) => match &g.args.iter().collect::<Vec<_>>()[..] {
            [syn::GenericArgument::Type(t), syn::GenericArgument::Const(n), _] => {
                Some(syn::parse_quote!([#t; #n]))
            }
            _ => return None,
        },
        _ => None,
    };
    let a = match (ty, &turbofish) {
        (Some(syn::Type::Array(a)), _) => a,
        (None, Some(a)) => a,
        _ => return None,
    };
    crate::sig::float_of(&a.elem)?;
    let segs: Vec<String> = crate::naming::segments(&f.path);
    let from_fn = matches!(
        segs.iter().map(String::as_str).collect::<Vec<_>>()[..],
        ["array", "from_fn"] | ["std" | "core", "array", "from_fn"]
    );
    let [syn::Expr::Closure(cl)] = &c.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let segments: Vec<&syn::PathSegment> = f.path.segments.iter().collect();
    let (last, path) = segments.split_last()?;
    if !from_fn
        || cl.inputs.len() != 1
        || path.iter().any(|s| !s.arguments.is_empty())
        || (turbofish.is_none() && !last.arguments.is_empty())
    {
        return None;
    }
    let (name, len, pat, body) = (&id.ident, &a.len, &cl.inputs[0], &cl.body);
    let k = crate::naming::fresh("k");
    Some(vec![
        syn::parse_quote!(let mut #name = [0.0; #len];),
        syn::parse_quote!(for #k in 0..#len { #name[#k] = { let #pat = #k; #body }; }),
    ])
}

/// Input: `let a = [x, 2.0 * y, 0.5];` (or `let a: [f64; 3] = [..];`), an array of floats: its type
/// says so or an element holds a float literal.
/// Output: `let mut a = [0.0; 3]; a[0] = x; a[1] = 2.0 * y; a[2] = 0.5;`, a local buffer, whose
/// elements are then differentiated like any other (`[x, y][0]` inside an expression is not).
pub fn array_literal_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init_expr) = super::plain_let(l)?;
    // `let q: [f64; 2] = *p;` (a helper's array parameter bound to `*p` of a reference), `let
    // q: [f64; 2] = d.a;` or `d.pts[i]` (data whose type only the `let` writes): the elements,
    // listed, so that `q` is a buffer the engine sees (passed on to an array parameter, say).
    if let Some(syn::Type::Array(a)) = ty {
        let inner: Option<&syn::Expr> = match init_expr {
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => Some(&u.expr),
            e @ syn::Expr::Field(_) => Some(e),
            e @ syn::Expr::Index(ix)
                if matches!(&*ix.expr, syn::Expr::Field(_))
                    && !matches!(&*ix.index, syn::Expr::Range(_)) =>
            {
                Some(e)
            }
            _ => None,
        };
        if let (Some(inner), Some(_)) = (inner, crate::sig::float_of(&a.elem)) {
            let Some(n) = lit_usize(&a.len) else {
                // `[f64; N]` of a constant `N`: a buffer of that length, the values copied in.
                let (name, len) = (&id.ident, &a.len);
                // (Not where the value reads the name the `let` binds: `let q: [f64; N] = *q;`.)
                if crate::naming::mentions(quote::ToTokens::to_token_stream(init_expr), &|i| {
                    i == name
                }) {
                    return None;
                }
                return Some(vec![
                    syn::parse_quote!(let mut #name = [0.0; #len];),
                    syn::parse_quote!(#name.copy_from_slice(&(#init_expr));),
                ]);
            };
            // Read first: the new name may be the reference's (`let q: [f64; 2] = *q;`).
            let temps: Vec<syn::Ident> = crate::naming::fresh_names("elem", n);
            let mut out: Vec<syn::Stmt> = temps
                .iter()
                .enumerate()
                .map(|(k, t)| syn::parse_quote!(let #t = (#inner)[#k];))
                .collect();
            let mut listed = l.clone();
            if let Some(init) = &mut listed.init {
                *init.expr = syn::parse_quote!([#(#temps),*]);
            }
            out.extend(array_literal_let(&listed)?);
            return Some(out);
        }
    }
    // `vec![x, 2.0 * y]` is the same buffer as `[x, 2.0 * y]`.
    let from_vec: Option<syn::ExprArray> = crate::lower::vec_list(init_expr);
    let arr = match (init_expr, &from_vec) {
        (syn::Expr::Array(a), _) => a,
        (_, Some(a)) => a,
        _ => return None,
    };
    let float_typed = match ty {
        Some(syn::Type::Array(a)) => crate::sig::float_of(&a.elem).is_some(),
        Some(t) if from_vec.is_some() => {
            let s = quote::ToTokens::to_token_stream(t)
                .to_string()
                .replace(' ', "");
            s == "Vec<f64>" || s == "Vec<f32>"
        }
        Some(_) => return None,
        None => false,
    };
    if arr.elems.is_empty() || !(float_typed || arr.elems.iter().any(has_float_literal)) {
        return None;
    }
    // Rows of a matrix (`[a, b]`, `vec![a, b]`) are `matrix_let`'s; a table of tuples,
    // structs or variants of an enum (`[Act::Relu, Act::Leaky(0.1)]`) is data.
    if arr.elems.iter().any(|e| {
        matches!(
            e,
            syn::Expr::Array(_) | syn::Expr::Repeat(_) | syn::Expr::Tuple(_) | syn::Expr::Struct(_)
        ) || matches!(e, syn::Expr::Macro(m) if m.mac.path.is_ident("vec"))
            || constructed(e)
    }) {
        return None;
    }
    let name = &id.ident;
    // `let a = [a[1], a[0]];` reads the old `a`, which the element stores would overwrite.
    if super::mentions(&quote::ToTokens::to_token_stream(arr), name) {
        return None;
    }
    let n = arr.elems.len();
    let zero = match ty {
        Some(syn::Type::Array(a)) => {
            let elem = &a.elem;
            quote::quote!(0.0 as #elem)
        }
        _ => quote::quote!(0.0),
    };
    let mut out: Vec<syn::Stmt> = if from_vec.is_some() {
        vec![syn::parse_quote!(let mut #name = vec![#zero; #n];)]
    } else {
        vec![syn::parse_quote!(let mut #name = [#zero; #n];)]
    };
    for (k, e) in arr.elems.iter().enumerate() {
        out.push(syn::parse_quote!(#name[#k] = #e;));
    }
    Some(out)
}

/// `Act::Leaky(0.1)`, `Meters(2.0)`, `Act::Relu`: a variant or a tuple struct by its
/// constructor's name (in `CamelCase`, where constants are `UPPER_CASE` and functions
/// `snake_case`).
fn constructed(e: &syn::Expr) -> bool {
    let camel = |p: &syn::Path| {
        p.segments.last().is_some_and(|s| {
            let name = s.ident.to_string();
            name.starts_with(|c: char| c.is_ascii_uppercase())
                && name.chars().any(|c| c.is_ascii_lowercase())
        })
    };
    match super::unparen(e) {
        syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p) if camel(&p.path)),
        syn::Expr::Path(p) => p.path.segments.len() >= 2 && camel(&p.path),
        _ => false,
    }
}

pub fn has_float_literal(e: &syn::Expr) -> bool {
    struct Find(bool);
    impl<'a> syn::visit::Visit<'a> for Find {
        fn visit_lit_float(&mut self, _: &'a syn::LitFloat) {
            self.0 = true;
        }
        /// `T::from(0.5).unwrap()`, `T::zero()`: the literals of a generic float type.
        fn visit_path(&mut self, p: &'a syn::Path) {
            self.0 |= generic_float_path(p);
            syn::visit::visit_path(self, p);
        }
        fn visit_lit_int(&mut self, i: &'a syn::LitInt) {
            self.0 |= matches!(i.suffix(), "f32" | "f64");
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        /// `vec![1.0; n]`, `vec![0.5, x]`: the expressions inside.
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            if m.path.is_ident("vec") {
                let tokens = &m.tokens;
                if let Ok(e) = syn::parse2::<syn::Expr>(quote::quote!([#tokens])) {
                    self.visit_expr(&e);
                }
            }
        }
    }
    let mut f = Find(false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

/// Input: a statement `a.copy_from_slice(&b);`, `a.fill(v);` or `a.swap(i, j);` on a local
/// buffer `a`. Output: the same writes as element stores, which lowering differentiates like any
/// other: `for K in 0..a.len() { a[K] = b[K]; }`, `{ let V = v; for K in 0..a.len() { a[K] = V; } }`,
/// `{ let I = i; let J = j; let T = a[I]; a[I] = a[J]; a[J] = T; }`.
pub fn buffer_method(m: &syn::ExprMethodCall) -> Option<syn::Stmt> {
    // `x[a..b].fill(v)`: the positions of the part.
    if let (syn::Expr::Index(_), true) = (&*m.receiver, m.method == "fill" && m.args.len() == 1) {
        let (x, lo, hi) = super::iterators::mutable_part(&m.receiver)?;
        let (k, v, value) = (
            crate::naming::hidden("k"),
            crate::naming::hidden("fill"),
            &m.args[0],
        );
        return Some(syn::parse_quote!({ let #v = #value; for #k in #lo..#hi { #x[#k] = #v; } }));
    }
    let syn::Expr::Path(recv) = &*m.receiver else {
        return None;
    };
    let a = recv.path.get_ident()?;
    let k = crate::naming::hidden("k");
    match (m.method.to_string().as_str(), m.args.len()) {
        ("copy_from_slice" | "clone_from_slice", 1) => {
            let src = match &m.args[0] {
                syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
                other => other,
            };
            // A part `y[c..d]` (either bound left out): as the whole of `a` written from it.
            if matches!(super::unparen(src), syn::Expr::Index(ix) if matches!(&*ix.index, syn::Expr::Range(_)))
            {
                let mut whole = m.clone();
                *whole.receiver = syn::parse_quote!(#a[..]);
                let e = super::sub_slices::copy_into_part(&syn::Expr::MethodCall(whole))?;
                return Some(syn::Stmt::Expr(e, None));
            }
            Some(syn::parse_quote!(for #k in 0..#a.len() { #a[#k] = (#src)[#k]; }))
        }
        ("fill", 1) => {
            let (v, value) = (crate::naming::hidden("fill"), &m.args[0]);
            Some(syn::parse_quote!({ let #v = #value; for #k in 0..#a.len() { #a[#k] = #v; } }))
        }
        ("swap", 2) => {
            let (i, j, t) = (
                crate::naming::hidden("i"),
                crate::naming::hidden("j"),
                crate::naming::hidden("t"),
            );
            let (ei, ej) = (&m.args[0], &m.args[1]);
            Some(syn::parse_quote!({
                let #i: usize = #ei;
                let #j: usize = #ej;
                let #t = #a[#i];
                #a[#i] = #a[#j];
                #a[#j] = #t;
            }))
        }
        ("sort_by" | "sort_unstable_by", 1) => {
            // A stable insertion sort by swaps: the derivative follows each element to where
            // it lands (a kink where two are equal).
            let ascending = sort_order(&m.args[0])?;
            let (i, j, t) = (
                crate::naming::hidden("i"),
                crate::naming::hidden("j"),
                crate::naming::hidden("t"),
            );
            let out_of_order: syn::Expr = if ascending {
                syn::parse_quote!(#a[#j - 1] > #a[#j])
            } else {
                syn::parse_quote!(#a[#j - 1] < #a[#j])
            };
            Some(syn::parse_quote!(for #i in 1..#a.len() {
                let mut #j: usize = #i;
                while #j > 0 && #out_of_order {
                    let #t = #a[#j - 1];
                    #a[#j - 1] = #a[#j];
                    #a[#j] = #t;
                    #j -= 1;
                }
            }))
        }
        _ => None,
    }
}

/// Input: `v.sort_by(|a, b| body)` (`sort_unstable_by`) on a buffer of floats, by a comparator
/// that is not the values' order (that one is [`buffer_method`]'s). Output: `{ let mut IDX:
/// Vec<usize> = (0..v.len()).collect(); IDX.sort_by(|&A, &B| { let a = &v[A]; let b = &v[B];
/// body }); let OLD = v.to_vec(); for K in 0..v.len() { v[K] = OLD[IDX[K]]; } }`: the same sort
/// on the same comparisons finds the user's permutation (ties too), then the values move.
pub fn sorted_by_index(m: &syn::ExprMethodCall) -> Option<syn::Stmt> {
    if !matches!(
        m.method.to_string().as_str(),
        "sort_by" | "sort_unstable_by"
    ) || m.args.len() != 1
        || sort_order(&m.args[0]).is_some()
    {
        return None;
    }
    let syn::Expr::Closure(c) = &m.args[0] else {
        return None;
    };
    let [pa, pb] = c.inputs.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let v = &m.receiver;
    let (ia, ib) = (crate::naming::fresh("a"), crate::naming::fresh("b"));
    // `|a, b|` takes references, `|&a, &b|` copies.
    let bind = |p: &syn::Pat, i: &syn::Ident| -> Option<syn::Stmt> {
        let p = match p {
            syn::Pat::Type(t) => &*t.pat,
            p => p,
        };
        match p {
            syn::Pat::Reference(r) if r.mutability.is_none() => {
                let inner = &r.pat;
                matches!(&**inner, syn::Pat::Ident(_) | syn::Pat::Wild(_))
                    .then(|| syn::parse_quote!(let #inner = #v[#i];))
            }
            syn::Pat::Ident(_) | syn::Pat::Wild(_) => Some(syn::parse_quote!(let #p = &#v[#i];)),
            _ => None,
        }
    };
    let (la, lb) = (bind(pa, &ia)?, bind(pb, &ib)?);
    // Elements read by field or index are tuples or arrays (a `Vec` of them left as data).
    let mut names = Vec::new();
    names_of(pa, &mut names);
    names_of(pb, &mut names);
    if reads_parts_of(&c.body, &names) {
        return None;
    }
    let (idx, old, k) = (
        crate::naming::fresh("order"),
        crate::naming::fresh("unsorted"),
        crate::naming::fresh("k"),
    );
    let body: syn::Expr = {
        let body = &c.body;
        syn::parse_quote!({ #la #lb (#body) })
    };
    let order = sorted_order(&idx, &quote::quote!(#v.len()), &m.method, (&ia, &ib), &body);
    Some(syn::parse_quote!({
        #(#order)*
        let #old = #v.to_vec();
        for #k in 0..#v.len() {
            #v[#k] = #old[#idx[#k]];
        }
    }))
}

/// `let mut IDX: Vec<usize> = (0..len).collect(); IDX.sort_by(|&A, &B| body);` (the user's
/// `method`, `body` reading the elements at `A` and `B`): the row numbers in the order the
/// user's sort gives the elements, the same comparisons in the same order (ties included,
/// stable or not). Each sort of a sequence the engine holds apart (a buffer, a matrix's rows,
/// the fields of structs) moves its values by it.
pub(super) fn sorted_order(
    idx: &syn::Ident,
    len: &dyn quote::ToTokens,
    method: &syn::Ident,
    (a, b): (&syn::Ident, &syn::Ident),
    body: &syn::Expr,
) -> [syn::Stmt; 2] {
    [
        syn::parse_quote!(let mut #idx: ::std::vec::Vec<usize> = (0..#len).collect();),
        syn::parse_quote!(#idx.#method(|&#a, &#b| #body);),
    ]
}

/// Whether `e` reads a field or an element of one of `names` (`a.0`, `(*a).1`, `a[0]`).
fn reads_parts_of(e: &syn::Expr, names: &[syn::Ident]) -> bool {
    struct Find<'a>(&'a [syn::Ident], bool);
    impl Find<'_> {
        fn is_name(&self, e: &syn::Expr) -> bool {
            match e {
                syn::Expr::Paren(p) => self.is_name(&p.expr),
                syn::Expr::Unary(u) => self.is_name(&u.expr),
                syn::Expr::Path(p) => p.path.get_ident().is_some_and(|i| self.0.contains(i)),
                _ => false,
            }
        }
    }
    impl<'a> syn::visit::Visit<'a> for Find<'_> {
        fn visit_expr_field(&mut self, f: &'a syn::ExprField) {
            self.1 |= self.is_name(&f.base);
            syn::visit::visit_expr_field(self, f);
        }
        fn visit_expr_index(&mut self, i: &'a syn::ExprIndex) {
            self.1 |= self.is_name(&i.expr);
            syn::visit::visit_expr_index(self, i);
        }
    }
    let mut f = Find(names, false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.1
}

/// Whether a comparator sorts in increasing order (`|a, b| a.partial_cmp(b).unwrap()`,
/// `a.total_cmp(b)`, `f64::total_cmp`) or decreasing (`b.partial_cmp(a)..`); `None` for any
/// other comparator.
fn sort_order(c: &syn::Expr) -> Option<bool> {
    if let syn::Expr::Path(p) = c {
        return p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "total_cmp")
            .then_some(true);
    }
    let syn::Expr::Closure(c) = c else {
        return None;
    };
    if c.inputs.len() != 2 {
        return None;
    }
    let name = |p: &syn::Pat| -> Option<syn::Ident> {
        let mut p = p;
        loop {
            match p {
                syn::Pat::Reference(r) => p = &r.pat,
                syn::Pat::Type(t) => p = &t.pat,
                syn::Pat::Ident(i) if i.subpat.is_none() => return Some(i.ident.clone()),
                _ => return None,
            }
        }
    };
    let (a, b) = (name(&c.inputs[0])?, name(&c.inputs[1])?);
    let mut body = super::tail_expr(&c.body);
    // `.unwrap()`, `.expect(..)`, `.unwrap_or(..)` of a `partial_cmp`.
    if let syn::Expr::MethodCall(m) = &body {
        if ["unwrap", "expect", "unwrap_or"]
            .iter()
            .any(|n| m.method == n)
        {
            body = (*m.receiver).clone();
        }
    }
    let syn::Expr::MethodCall(cmp) = &body else {
        return None;
    };
    if !(cmp.method == "partial_cmp" || cmp.method == "total_cmp") || cmp.args.len() != 1 {
        return None;
    }
    let ident = |e: &syn::Expr| -> Option<syn::Ident> {
        let mut e = e;
        loop {
            match e {
                syn::Expr::Reference(r) => e = &r.expr,
                syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => e = &u.expr,
                syn::Expr::Paren(p) => e = &p.expr,
                syn::Expr::Path(p) => return p.path.get_ident().cloned(),
                _ => return None,
            }
        }
    };
    match (ident(&cmp.receiver)?, ident(&cmp.args[0])?) {
        (x, y) if x == a && y == b => Some(true),
        (x, y) if x == b && y == a => Some(false),
        _ => None,
    }
}

/// Input: `let Some((i, j)) = e else { return x; };`, a pattern that binds names (or none).
/// Output: `let i; let j; if let Some((T, U)) = e { i = T; j = U; } else { return x; }` (the
/// pattern's names renamed to hidden ones): a late-initialized `let` and an `if let`, which lowering knows, and the
/// `else` diverges as a statement of its own.
pub fn let_else(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    if let Some(out) = slice_let_else(l) {
        return Some(out);
    }
    let (pat, names, e, diverge) = let_else_parts(l)?;
    // Parsed, not `parse_quote!`: a pattern `if let` cannot take is left to the error lowering gives.
    let parse = |ts: proc_macro2::TokenStream| syn::parse2::<syn::Stmt>(ts).ok();
    match names.as_slice() {
        [] => Some(vec![parse(
            quote::quote!(if let #pat = #e {} else #diverge),
        )?]),
        names => {
            let mut pat = pat.clone();
            let mut out = Vec::new();
            let mut assigns = Vec::new();
            for n in names {
                let t = crate::naming::fresh("bound");
                let m = mutability_of(&pat, n);
                super::sub_slices::rename_in_pattern(&mut pat, n, &t, false);
                out.push(parse(quote::quote!(let #m #n;))?);
                assigns.push(quote::quote!(#n = #t;));
            }
            out.push(parse(
                quote::quote!(if let #pat = #e { #(#assigns)* } else #diverge),
            )?);
            Some(out)
        }
    }
}

/// Input: `let PAT = e else { .. };` of a parameter `e` that is data (`let [k0, ks @ ..] = k
/// else { .. };` with `k: &[usize]`). Output: the test, then each name bound by the pattern
/// itself, `let k0 = match k { PAT => k0, _ => unreachable!() };`, so that it binds as the
/// user's code does (`k0: &usize` through a reference, which `*k0` reads).
pub fn data_let_else(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (pat, names, e, diverge) = let_else_parts(l)?;
    let parse = |ts: proc_macro2::TokenStream| syn::parse2::<syn::Stmt>(ts).ok();
    let mut out = vec![parse(quote::quote!(if let #pat = #e {} else #diverge))?];
    // The pattern without `mut` (each name is declared `mut` by its own `let`).
    let mut plain = pat.clone();
    for n in &names {
        super::sub_slices::rename_in_pattern(&mut plain, n, n, false);
    }
    for n in &names {
        let m = mutability_of(pat, n);
        out.push(parse(
            quote::quote!(let #m #n = match #e { #plain => #n, _ => ::core::unreachable!() };),
        )?);
    }
    Some(out)
}

/// Of `let PAT: T = e else { .. };`: the pattern without its type (an `if let` pattern takes
/// none: `let Some(n): Option<usize> = ..`), the names it binds, `e` and the `else` block.
fn let_else_parts(l: &syn::Local) -> Option<(&syn::Pat, Vec<syn::Ident>, &syn::Expr, &syn::Expr)> {
    let init = l.init.as_ref()?;
    let (_, diverge) = init.diverge.as_ref()?;
    let pat = match &l.pat {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    let mut names = Vec::new();
    names_of(pat, &mut names);
    Some((pat, names, &init.expr, diverge))
}

/// `mut` when the pattern binds `name` as `mut name`; the pattern keeps it otherwise.
fn mutability_of(p: &syn::Pat, name: &syn::Ident) -> Option<syn::Token![mut]> {
    struct M<'a>(&'a syn::Ident, Option<syn::Token![mut]>);
    impl<'a> syn::visit::Visit<'a> for M<'_> {
        fn visit_pat_ident(&mut self, i: &'a syn::PatIdent) {
            if i.ident == *self.0 {
                self.1 = self.1.or(i.mutability);
            }
            syn::visit::visit_pat_ident(self, i);
        }
    }
    let mut m = M(name, None);
    syn::visit::Visit::visit_pat(&mut m, p);
    m.1
}

pub fn names_of(p: &syn::Pat, out: &mut Vec<syn::Ident>) {
    struct N<'a>(&'a mut Vec<syn::Ident>);
    impl<'a> syn::visit::Visit<'a> for N<'_> {
        fn visit_pat_ident(&mut self, i: &'a syn::PatIdent) {
            self.0.push(i.ident.clone());
            syn::visit::visit_pat_ident(self, i);
        }
    }
    syn::visit::Visit::visit_pat(&mut N(out), p);
}

/// `vec![a, b]` (listed, not `vec![e; n]`) as the array `[a, b]`; anything else as it is.
fn listed_vec_as_array(e: syn::Expr) -> syn::Expr {
    crate::lower::vec_list(&e).map_or(e, syn::Expr::Array)
}

/// Input: `let m = [[a, b], [c, d]];` or `let mut m = [[0.0; C]; R];` (a small matrix of floats),
/// then `m[i][j]` and `m.len()` in the rest of the block. Output: `let mut M = [0.0; R * C];` with
/// the elements stored row by row, `M[(i) * C + (j)]` and `R`: a local buffer. `None` if `m` is
/// used otherwise (a row on its own) or declared again.
pub fn matrix_let(
    l: &syn::Local,
    rest: &mut Vec<syn::Stmt>,
    floats: &HashSet<String>,
) -> Option<Vec<syn::Stmt>> {
    // A view of the whole matrix bound beside it (`let b: &[[f64; 3]; 2] = &a;`, an inlined
    // helper's parameter) read as the matrix, kept where the matrix is rewritten.
    // (Only a matrix written out or repeated is one: other `let`s pass by untouched.)
    let listed = l.init.as_ref().is_some_and(|i| {
        matches!(
            &*i.expr,
            syn::Expr::Array(_) | syn::Expr::Repeat(_) | syn::Expr::Macro(_)
        )
    });
    if let (syn::Pat::Ident(id), true) = (super::pat_and_type(l).0, listed) {
        let mut trial = rest.clone();
        super::refs::views_read_whole_in(&mut trial, &id.ident);
        // (`let tail = &m[1..];`: the rows from 1, named.)
        let parts = super::refs::sub_views_in(&mut trial, &id.ident);
        if trial.len() < rest.len() || parts {
            let out = matrix_let_of(l, &mut trial, floats)?;
            *rest = trial;
            return Some(out);
        }
    }
    matrix_let_of(l, rest, floats)
}

fn matrix_let_of(
    l: &syn::Local,
    rest: &mut [syn::Stmt],
    floats: &HashSet<String>,
) -> Option<Vec<syn::Stmt>> {
    let float_typed = match &l.pat {
        syn::Pat::Type(pt) => mentions_float_type(&pt.ty),
        _ => false,
    };
    let syn::Pat::Ident(id) = (match &l.pat {
        syn::Pat::Type(pt) => &*pt.pat,
        p => p,
    }) else {
        return None;
    };
    let init = l.init.as_ref()?;
    if init.diverge.is_some() || id.by_ref.is_some() {
        return None;
    }
    let name = &id.ident;
    if let Some(out) = vec_matrix_let(name, &init.expr, rest) {
        return Some(out);
    }
    // `vec![[a, b], [c, d]]`: the rows as an array's.
    let rows_of_vec = match &*init.expr {
        syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => m
            .mac
            .parse_body_with(
                syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
            )
            .ok()
            // (`vec![vec![a, b], vec![c, d]]` alike, its rows listed.)
            .map(|rows| {
                rows.into_iter()
                    .map(listed_vec_as_array)
                    .collect::<syn::punctuated::Punctuated<_, _>>()
            })
            .filter(|rows| {
                !rows.is_empty() && rows.iter().all(|r| matches!(r, syn::Expr::Array(_)))
            })
            .map(|elems| {
                syn::Expr::Array(syn::ExprArray {
                    attrs: Vec::new(),
                    bracket_token: Default::default(),
                    elems,
                })
            }),
        _ => None,
    };
    let value = rows_of_vec.as_ref().unwrap_or(&init.expr);
    // The elements, row by row, or the repeated value.
    let (rows, cols, elems): (
        proc_macro2::TokenStream,
        proc_macro2::TokenStream,
        Option<Vec<&syn::Expr>>,
    ) = match value {
        syn::Expr::Array(a) => {
            let mut elems = Vec::new();
            let mut cols = None;
            for row in &a.elems {
                match row {
                    syn::Expr::Array(r) => {
                        if *cols.get_or_insert(r.elems.len()) != r.elems.len() {
                            return None;
                        }
                        elems.extend(r.elems.iter());
                    }
                    // `[0.0; 3]` beside rows written out (`[[1.0, 0.0, 0.0], [0.0; 3], ..]`):
                    // the constant, that many times.
                    syn::Expr::Repeat(r) if float_constant(&r.expr) => {
                        let n = lit_usize(&r.len).filter(|n| *n <= 64)?;
                        if *cols.get_or_insert(n) != n {
                            return None;
                        }
                        elems.extend(std::iter::repeat_n(&*r.expr, n));
                    }
                    _ => return None,
                }
            }
            let float = |e: &syn::Expr| {
                has_float_literal(e)
                    || crate::naming::mentions(quote::ToTokens::to_token_stream(e), &|i| {
                        floats.contains(&i.to_string())
                    })
            };
            if !float_typed && !elems.iter().any(|e| float(e)) {
                return None;
            }
            let (rows, cols) = (a.elems.len(), cols?);
            if rows == 0 || cols == 0 {
                return None;
            }
            (quote::quote!(#rows), quote::quote!(#cols), Some(elems))
        }
        syn::Expr::Repeat(outer) => {
            let syn::Expr::Repeat(inner) = &*outer.expr else {
                return None;
            };
            if !float_constant(&inner.expr) {
                return None;
            }
            // `[[0.0; N]; N]` of a constant `N` alike, its sizes as written.
            let size = |e: &syn::Expr| match lit_usize(e) {
                Some(n) => Some(quote::quote!(#n)),
                // (A length is a constant: Rust takes no other.)
                None if matches!(e, syn::Expr::Path(p) if p.qself.is_none()) => {
                    Some(quote::quote!(#e))
                }
                None => None,
            };
            (size(&outer.len)?, size(&inner.len)?, None)
        }
        _ => return None,
    };
    if rows.to_string() == "0usize" || cols.to_string() == "0usize" {
        return None;
    }
    let flat = crate::naming::hidden(&format!("mat_{name}"));
    // Rewrite the uses first: any other use leaves the `let` as it is.
    let mut r = MatUses {
        name,
        flat: &flat,
        rows: rows.clone(),
        cols: cols.clone(),
        other: false,
        stuck: None,
    };
    parts_as_adapters(rest, name);
    super::rewrite_rest_through_views(rest, name, &mut r, |r| !r.other)?;
    let n = quote::quote!(#rows * #cols);
    let mut out: Vec<syn::Stmt> = vec![syn::parse_quote!(let mut #flat = [0.0; #n];)];
    match elems {
        Some(elems) => {
            for (k, e) in elems.into_iter().enumerate() {
                out.push(syn::parse_quote!(#flat[#k] = #e;));
            }
        }
        None => {
            if let syn::Expr::Repeat(outer) = &*init.expr {
                if let syn::Expr::Repeat(inner) = &*outer.expr {
                    let v = &inner.expr;
                    out[0] = syn::parse_quote!(let mut #flat = [#v; #n];);
                }
            }
        }
    }
    Some(out)
}

/// `T::..` with `T` the function's generic float type.
fn generic_float_path(p: &syn::Path) -> bool {
    p.segments.len() >= 2
        && crate::sig::generic_float().is_some_and(|g| p.segments[0].ident == g.name())
}

/// A float constant as a buffer's initial value: a literal, or, for a generic float type `T`,
/// `T::zero()`, `T::from(0.0).unwrap()` and the like.
fn float_constant(e: &syn::Expr) -> bool {
    // `T::from(..)`, `<T as NumCast>::from(..)`, `num_traits::cast::<_, T>(..)`.
    let call_of_float = |e: &syn::Expr| {
        let syn::Expr::Call(c) = e else { return false };
        let syn::Expr::Path(p) = &*c.func else {
            return false;
        };
        let generic = crate::sig::generic_float();
        generic_float_path(&p.path)
            || p.qself
                .as_ref()
                .is_some_and(|q| generic.is_some() && crate::sig::float_of(&q.ty) == generic)
            || generic.is_some() && p.path.segments.last().is_some_and(|s| s.ident == "cast")
    };
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(_),
            ..
        }) => true,
        syn::Expr::MethodCall(m)
            if [
                "unwrap",
                "expect",
                "unwrap_or",
                "unwrap_or_else",
                "unwrap_or_default",
            ]
            .iter()
            .any(|u| m.method == u) =>
        {
            call_of_float(&m.receiver)
        }
        syn::Expr::Paren(p) => float_constant(&p.expr),
        // `-1.0`, `f64::INFINITY`, `std::f64::consts::PI` (a user's constant may be an integer).
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => float_constant(&u.expr),
        syn::Expr::Path(p) if p.qself.is_none() => {
            let segs: Vec<String> = crate::naming::segments(&p.path);
            segs.len() >= 2
                && segs.iter().any(|s| s == "f64" || s == "f32")
                && segs.last().is_some_and(|l| {
                    l.chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
                })
        }
        e => call_of_float(e),
    }
}

/// The value of an integer literal.
pub(super) fn lit_usize(e: &syn::Expr) -> Option<usize> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse().ok(),
        _ => None,
    }
}

struct MatUses<'a> {
    name: &'a syn::Ident,
    flat: &'a syn::Ident,
    rows: proc_macro2::TokenStream,
    cols: proc_macro2::TokenStream,
    other: bool,
    /// Where the first use not followed is.
    stuck: Option<proc_macro2::Span>,
}

thread_local! {
    /// The use of a local matrix that kept it from being rewritten, and the matrix's name: for
    /// an error there ([`take_stuck_matrix`]).
    static STUCK: std::cell::RefCell<Option<(proc_macro2::Span, String)>> =
        const { std::cell::RefCell::new(None) };
}

/// The use that kept the last matrix [`matrix_let`] refused from being rewritten, where the
/// matrix is written by element (which lowering refuses in any other form): the place for an
/// error that names it.
pub fn take_stuck_matrix() -> Option<(proc_macro2::Span, String)> {
    STUCK.with(|s| s.borrow_mut().take())
}

/// Input: `let mut m = vec![vec![0.0; c]; r];`, then `m[i][j]`, `m.len()`, `m[i].len()` in the rest.
/// Output: `let R: usize = r; let C: usize = c; let mut M = vec![0.0; R * C];` with `M[(i) * C + (j)]`,
/// `R` and `C` in the rest. `None` if `m` is used otherwise or declared again.
fn vec_matrix_let(
    name: &syn::Ident,
    init: &syn::Expr,
    rest: &mut [syn::Stmt],
) -> Option<Vec<syn::Stmt>> {
    struct Repeat(syn::Expr, syn::Expr);
    impl syn::parse::Parse for Repeat {
        fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
            let v = input.parse()?;
            input.parse::<syn::Token![;]>()?;
            Ok(Repeat(v, input.parse()?))
        }
    }
    let syn::Expr::Macro(outer) = init else {
        return None;
    };
    if !outer.mac.path.is_ident("vec") {
        return None;
    }
    let Repeat(row, r) = outer.mac.parse_body().ok()?;
    // Rows `vec![v; c]` or `[v; c]` (a `Vec` of arrays).
    let Repeat(v, c) = match row {
        syn::Expr::Macro(inner) if inner.mac.path.is_ident("vec") => inner.mac.parse_body().ok()?,
        syn::Expr::Repeat(inner) => Repeat(*inner.expr, *inner.len),
        _ => return None,
    };
    // A named value (`vec![vec![BIG; c]; r]`, `BIG` a constant or a local) where a float is
    // written into the matrix later: the fill is a float too.
    let named = matches!(&v, syn::Expr::Path(_)) && float_written(name, rest);
    if !(float_constant(&v) || named) {
        return None;
    }
    let flat = crate::naming::hidden(&format!("mat_{name}"));
    let (rn, cn) = (
        crate::naming::fresh(&format!("rows_{name}")),
        crate::naming::fresh(&format!("cols_{name}")),
    );
    let mut u = MatUses {
        name,
        flat: &flat,
        rows: quote::quote!(#rn),
        cols: quote::quote!(#cn),
        other: false,
        stuck: None,
    };
    STUCK.with(|s| s.borrow_mut().take());
    parts_as_adapters(rest, name);
    if super::rewrite_rest_through_views(rest, name, &mut u, |u| !u.other).is_none() {
        if let (Some(at), true) = (u.stuck, element_written(name, rest)) {
            STUCK.with(|s| *s.borrow_mut() = Some((at, name.to_string())));
        }
        return None;
    }
    Some(vec![
        syn::parse_quote!(let #rn: usize = #r;),
        syn::parse_quote!(let #cn: usize = #c;),
        syn::parse_quote!(let mut #flat = vec![#v; #rn * #cn];),
    ])
}

/// Input: rows of a part of `name` iterated, `name[a..b].iter()` (`iter_mut()`, or `&name[a..b]`
/// as a `for`'s iterable; any bound left out, `..=`). Output: `name.iter().skip(a).take(b - a)`:
/// the same rows in the same order (`enumerate` after it counts from the part's start alike),
/// in the form the rewrite of the matrix follows.
struct PartsAsAdapters<'a>(&'a syn::Ident);

/// The parts of the local matrix `name` iterated in `rest` as its rows after `skip`/`take`
/// (see [`PartsAsAdapters`]).
fn parts_as_adapters(rest: &mut [syn::Stmt], name: &syn::Ident) {
    for s in rest.iter_mut() {
        syn::visit_mut::VisitMut::visit_stmt_mut(&mut PartsAsAdapters(name), s);
    }
}

impl PartsAsAdapters<'_> {
    /// `name[r]` as `name.METHOD()` and the adapters that keep the rows of `r`.
    fn adapted(&self, e: &syn::Expr, method: &str) -> Option<syn::Expr> {
        let syn::Expr::Index(ix) = super::unparen(e) else {
            return None;
        };
        if !matches!(&*ix.expr, syn::Expr::Path(p) if p.path.is_ident(self.0)) {
            return None;
        }
        let syn::Expr::Range(r) = &*ix.index else {
            return None;
        };
        let (name, m) = (
            self.0,
            syn::Ident::new(method, proc_macro2::Span::call_site()),
        );
        let mut out: syn::Expr = syn::parse_quote!(#name.#m());
        if let Some(a) = &r.start {
            out = syn::parse_quote!(#out.skip(#a));
        }
        let start = r
            .start
            .as_deref()
            .cloned()
            .unwrap_or_else(|| syn::parse_quote!(0));
        match (&r.end, &r.limits) {
            (Some(b), syn::RangeLimits::HalfOpen(_)) => {
                out = syn::parse_quote!(#out.take((#b) - (#start)));
            }
            (Some(b), syn::RangeLimits::Closed(_)) => {
                out = syn::parse_quote!(#out.take((#b) + 1 - (#start)));
            }
            (None, _) => {}
        }
        Some(out)
    }
}

impl syn::visit_mut::VisitMut for PartsAsAdapters<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        match e {
            syn::Expr::MethodCall(m)
                if m.args.is_empty() && (m.method == "iter" || m.method == "iter_mut") =>
            {
                if let Some(a) = self.adapted(&m.receiver, &m.method.to_string()) {
                    *e = a;
                }
            }
            syn::Expr::ForLoop(f) => {
                if let syn::Expr::Reference(r) = &*f.expr {
                    let method = if r.mutability.is_some() {
                        "iter_mut"
                    } else {
                        "iter"
                    };
                    if let Some(a) = self.adapted(&r.expr, method) {
                        *f.expr = a;
                    }
                }
            }
            _ => {}
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The uses of the local matrix `name` in `rest` rewritten into uses of the flat buffer `flat`
/// of `rows` rows of `cols` floats (see [`MatUses`]); `None` (and the first use not followed
/// kept for [`take_stuck_matrix`]) where one is not followed.
pub fn rows_of_flat(
    rest: &mut [syn::Stmt],
    name: &syn::Ident,
    flat: &syn::Ident,
    rows: &syn::Ident,
    cols: usize,
) -> Option<()> {
    let mut u = MatUses {
        name,
        flat,
        rows: quote::quote!(#rows),
        cols: quote::quote!(#cols),
        other: false,
        stuck: None,
    };
    STUCK.with(|s| s.borrow_mut().take());
    if super::rewrite_rest_through_views(rest, name, &mut u, |u| !u.other).is_none() {
        if let Some(at) = u.stuck {
            STUCK.with(|s| *s.borrow_mut() = Some((at, name.to_string())));
        }
        return None;
    }
    Some(())
}

/// Whether `rest` writes an element of the matrix `name` (`m[i][j] = ..`, `m[i][j] += ..`).
fn element_written(name: &syn::Ident, rest: &[syn::Stmt]) -> bool {
    struct Find<'a>(&'a syn::Ident, bool);
    impl Find<'_> {
        fn element(&self, e: &syn::Expr) -> bool {
            matches!(e, syn::Expr::Index(outer) if matches!(&*outer.expr, syn::Expr::Index(inner) if matches!(&*inner.expr, syn::Expr::Path(p) if p.path.is_ident(self.0))))
        }
    }
    impl<'a> syn::visit::Visit<'a> for Find<'_> {
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            self.1 |= self.element(&a.left);
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            self.1 |= crate::lower::is_compound_assign(&b.op) && self.element(&b.left);
            syn::visit::visit_expr_binary(self, b);
        }
    }
    let mut f = Find(name, false);
    for s in rest {
        syn::visit::Visit::visit_stmt(&mut f, s);
    }
    f.1
}

/// Whether `rest` writes a float into an element of the matrix `name` (`m[i][j] = 0.0`, `m[i][j]
/// += ..`, `m[i][j] = x.min(..)`): a value with a float literal or a float method.
fn float_written(name: &syn::Ident, rest: &[syn::Stmt]) -> bool {
    struct Find<'a>(&'a syn::Ident, bool);
    impl<'a> syn::visit::Visit<'a> for Find<'_> {
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            if let syn::Expr::Index(outer) = &*a.left {
                if let syn::Expr::Index(inner) = &*outer.expr {
                    let floaty = has_float_literal(&a.right)
                        || crate::naming::mentions(
                            quote::ToTokens::to_token_stream(&a.right),
                            &|n| crate::rules::Prim::method_names().any(|m| n == m),
                        );
                    self.1 |= matches!(&*inner.expr, syn::Expr::Path(p) if p.path.is_ident(self.0))
                        && floaty;
                }
            }
            syn::visit::visit_expr_assign(self, a);
        }
    }
    let mut f = Find(name, false);
    for s in rest {
        syn::visit::Visit::visit_stmt(&mut f, s);
    }
    f.1
}

impl syn::visit_mut::VisitMut for MatUses<'_> {
    // `vec![[0.0; 2]; m.len()]` (another matrix as long as this one): its parts as expressions.
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        if m.path.is_ident("vec") {
            super::vec_parts(m, |e| self.visit_expr_mut(e));
        }
    }

    // `let r = m[i];`: a copy of the row (an array is `Copy`), which writes to `m` after leave
    // as it was.
    fn visit_local_mut(&mut self, l: &mut syn::Local) {
        if let Some(init) = &mut l.init {
            // `let v = m.concat();`: a copy, which later writes to `m` leave as it was.
            if let syn::Expr::MethodCall(m) = &*init.expr {
                let is_m = matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(self.name));
                if m.method == "concat" && m.args.is_empty() && is_m && init.diverge.is_none() {
                    let f = self.flat;
                    *init.expr = syn::parse_quote!(#f.clone());
                    return;
                }
            }
            if let syn::Expr::Index(ix) = &mut *init.expr {
                let whole_row = matches!(&*ix.expr, syn::Expr::Path(p) if p.path.is_ident(self.name))
                    && !matches!(&*ix.index, syn::Expr::Range(_));
                if whole_row && init.diverge.is_none() {
                    self.visit_expr_mut(&mut ix.index);
                    let (f, c, i) = (self.flat, &self.cols, &ix.index);
                    *init.expr = syn::parse_quote!(#f[(#i) * #c..(#i) * #c + #c].to_vec());
                    return;
                }
            }
            // `let prev = m;` (a `move` closure's copy too) of a matrix of literal sizes: a
            // literal of its rows as they are there, a matrix local of its own.
            let whole = matches!(&*init.expr, syn::Expr::Path(p) if p.path.is_ident(self.name));
            let size = |t: &proc_macro2::TokenStream| {
                syn::parse2::<syn::Expr>(t.clone())
                    .ok()
                    .and_then(|e| lit_usize(&e))
            };
            if let (true, None, Some(rows), Some(cols)) =
                (whole, &init.diverge, size(&self.rows), size(&self.cols))
            {
                let f = self.flat;
                let rows = (0..rows).map(|i| {
                    let elems = (0..cols).map(|j| {
                        let k = i * cols + j;
                        quote::quote!(#f[#k])
                    });
                    quote::quote!([#(#elems),*])
                });
                *init.expr = syn::parse_quote!([#(#rows),*]);
                return;
            }
        }
        syn::visit_mut::visit_local_mut(self, l);
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        let is_m = |e: &syn::Expr| matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.name));
        // `(m[i], b)`: a row as a value of a tuple (the fields of a copied element of a list of
        // structs, `let q = ps[i];`), copied as the array it is.
        if let syn::Expr::Tuple(t) = e {
            for el in &mut t.elems {
                if let Some(copy) = self.row_copy(el) {
                    *el = copy;
                } else {
                    self.visit_expr_mut(el);
                }
            }
            return;
        }
        // `{ let at = i; m[at] }`: a row as a block's value, copied alike.
        if let syn::Expr::Block(b) = e {
            if let Some(syn::Stmt::Expr(tail, None)) = b.block.stmts.last() {
                if let Some(copy) = self.row_copy(tail) {
                    let n = b.block.stmts.len();
                    for s in &mut b.block.stmts[..n - 1] {
                        self.visit_stmt_mut(s);
                    }
                    b.block.stmts[n - 1] = syn::Stmt::Expr(copy, None);
                    return;
                }
            }
        }
        // `m[i].clone()` (`to_owned()`) of a row of a `Vec<Vec<T>>`: a copy of its part of the
        // buffer, `to_vec()` (a part is no `Clone`).
        if let syn::Expr::MethodCall(c) = e {
            let whole_row = matches!(super::unparen(&c.receiver), syn::Expr::Index(ix)
                if is_m(&ix.expr) && !matches!(&*ix.index, syn::Expr::Range(_)));
            if whole_row && c.args.is_empty() && (c.method == "clone" || c.method == "to_owned") {
                c.method = syn::Ident::new("to_vec", c.method.span());
            }
        }
        let is_m_windows = |e: &syn::Expr| matches!(super::unparen(e), syn::Expr::MethodCall(w) if w.method == "windows" && is_m(&w.receiver));
        match e {
            syn::Expr::Index(outer) => {
                // `m[i][j]`, also `(m[i])[j]` (a slice pattern's `let` reads so).
                let mut row = &mut *outer.expr;
                while let syn::Expr::Paren(p) = row {
                    row = &mut p.expr;
                }
                // `m.concat()[k]`, `m.as_flattened()[k]`: an element of the flat buffer.
                if let syn::Expr::MethodCall(m) = row {
                    let whole = matches!(m.method.to_string().as_str(), "concat" | "as_flattened")
                        && m.args.is_empty()
                        && is_m(&m.receiver);
                    if whole && !matches!(&*outer.index, syn::Expr::Range(_)) {
                        self.visit_expr_mut(&mut outer.index);
                        let (f, k) = (self.flat, &outer.index);
                        *e = syn::parse_quote!(#f[#k]);
                        return;
                    }
                }
                if let syn::Expr::Index(inner) = row {
                    if is_m(&inner.expr) {
                        self.visit_expr_mut(&mut inner.index);
                        self.visit_expr_mut(&mut outer.index);
                        let (f, c, i, j) = (self.flat, &self.cols, &inner.index, &outer.index);
                        *e = syn::parse_quote!(#f[(#i) * #c + (#j)]);
                        return;
                    }
                }
                // `m[i]` as a row on its own (`m[i].iter()`, `&m[i]`, `m[i].fill(0.0)`): that
                // part of the flat buffer.
                if is_m(&outer.expr) && !matches!(&*outer.index, syn::Expr::Range(_)) {
                    self.visit_expr_mut(&mut outer.index);
                    let (f, c, i) = (self.flat, &self.cols, &outer.index);
                    *e = syn::parse_quote!(#f[(#i) * #c..(#i) * #c + #c]);
                    return;
                }
                syn::visit_mut::visit_expr_mut(self, e);
            }
            syn::Expr::MethodCall(m) if is_m(&m.receiver) && m.method == "len" => {
                let r = &self.rows;
                *e = syn::parse_quote!(#r);
            }
            syn::Expr::MethodCall(m)
                if m.method == "len"
                    && matches!(&*m.receiver, syn::Expr::Index(ix) if is_m(&ix.expr)) =>
            {
                let c = &self.cols;
                *e = syn::parse_quote!(#c);
            }
            // `m.swap(i, j)`: two rows trade places (a pivoting step), element by element.
            syn::Expr::MethodCall(m)
                if is_m(&m.receiver) && m.method == "swap" && m.args.len() == 2 =>
            {
                for a in &mut m.args {
                    self.visit_expr_mut(a);
                }
                let (i, j) = (&m.args[0], &m.args[1]);
                let (a, b, k) = (
                    crate::naming::fresh("row_a"),
                    crate::naming::fresh("row_b"),
                    crate::naming::fresh("k"),
                );
                let (f, c) = (self.flat, &self.cols);
                *e = syn::parse_quote!({
                    let #a: usize = #i;
                    let #b: usize = #j;
                    for #k in 0..#c {
                        #f.swap(#a * #c + #k, #b * #c + #k);
                    }
                });
            }
            // `m.sort_by(|a, b| a[0].partial_cmp(&b[0]).unwrap())`: rows reordered whole.
            syn::Expr::MethodCall(m)
                if is_m(&m.receiver)
                    && matches!(
                        m.method.to_string().as_str(),
                        "sort_by" | "sort_unstable_by"
                    )
                    && m.args.len() == 1 =>
            {
                match self.sorted_rows(m) {
                    Some(sorted) => *e = sorted,
                    None => self.stuck_at(m.method.span()),
                }
            }
            // `m[i] = [a, b]`: the row's elements stored one by one; another whole row
            // (`m[i] = m[j].clone()`, `m[i] = v`, `m[i] = it.collect()`) taken first, then
            // stored element by element.
            syn::Expr::Assign(a)
                if matches!(&*a.left, syn::Expr::Index(ix) if is_m(&ix.expr) && !matches!(&*ix.index, syn::Expr::Range(_)))
                    && !matches!(&*a.right, syn::Expr::Array(_)) =>
            {
                let syn::Expr::Index(ix) = &mut *a.left else {
                    unreachable!("checked")
                };
                self.visit_expr_mut(&mut ix.index);
                let right = match self.row_copy(&a.right) {
                    Some(copy) => copy,
                    None => {
                        let mut right = (*a.right).clone();
                        self.visit_expr_mut(&mut right);
                        right
                    }
                };
                let collects = matches!(super::unparen(&right), syn::Expr::MethodCall(m) if m.method == "collect" && m.turbofish.is_none());
                let ty = collects.then(|| quote::quote!(: ::std::vec::Vec<_>));
                let (r, src, j) = (
                    crate::naming::fresh("row"),
                    crate::naming::fresh("src"),
                    crate::naming::fresh("j"),
                );
                let (f, c, i) = (self.flat, &self.cols, &ix.index);
                *e = syn::parse_quote!({
                    let #r: usize = #i;
                    let #src #ty = #right;
                    for #j in 0..#c {
                        #f[#r * #c + #j] = #src[#j];
                    }
                });
            }
            syn::Expr::Assign(a) if matches!(&*a.left, syn::Expr::Index(ix) if is_m(&ix.expr)) => {
                let (syn::Expr::Index(ix), syn::Expr::Array(row)) = (&mut *a.left, &mut *a.right)
                else {
                    self.stuck_at(syn::spanned::Spanned::span(&*a.left));
                    return;
                };
                self.visit_expr_mut(&mut ix.index);
                for v in &mut row.elems {
                    self.visit_expr_mut(v);
                }
                let r = crate::naming::fresh("row");
                let (f, c, i) = (self.flat, &self.cols, &ix.index);
                let stores = row
                    .elems
                    .iter()
                    .enumerate()
                    .map(|(k, v)| quote::quote!(#f[#r * #c + #k] = #v;));
                *e = syn::parse_quote!({ let #r: usize = #i; #(#stores)* });
            }
            // `m = [[a, b], [c, d]];` (a covariance updated whole): every element computed
            // first (they may read `m`), then stored.
            syn::Expr::Assign(a)
                if is_m(&a.left)
                    && matches!(&*a.right, syn::Expr::Array(rows) if rows.elems.iter().all(|r| matches!(r, syn::Expr::Array(_)))) =>
            {
                let syn::Expr::Array(rows) = &mut *a.right else {
                    unreachable!("checked")
                };
                let (f, c) = (self.flat, self.cols.clone());
                let mut lets = Vec::new();
                let mut stores = Vec::new();
                for (i, row) in rows.elems.iter_mut().enumerate() {
                    let syn::Expr::Array(row) = row else {
                        unreachable!("checked")
                    };
                    for (j, v) in row.elems.iter_mut().enumerate() {
                        self.visit_expr_mut(v);
                        let t = crate::naming::fresh("elem");
                        lets.push(quote::quote!(let #t = #v;));
                        stores.push(quote::quote!(#f[#i * #c + #j] = #t;));
                    }
                }
                *e = syn::parse_quote!({ #(#lets)* #(#stores)* });
            }
            // `m = r;`, `r = m;`: a whole matrix of the same shape (the type checker sees to
            // that), the flat buffers given each other's contents (the other one's `let` makes
            // it flat in turn).
            syn::Expr::Assign(a)
                if matches!((&*a.left, &*a.right), (syn::Expr::Path(l), syn::Expr::Path(r)) if l.path.get_ident().is_some() && r.path.get_ident().is_some())
                    && (is_m(&a.left) || is_m(&a.right)) =>
            {
                let f = self.flat;
                if is_m(&a.left) {
                    *a.left = syn::parse_quote!(#f);
                }
                if is_m(&a.right) {
                    *a.right = syn::parse_quote!(#f);
                }
            }
            // `m.iter().flatten()`, `m.into_iter().flatten()`, `m.concat()`, `m.as_flattened()`:
            // the rows end to end, which is the flat buffer.
            syn::Expr::MethodCall(m) if m.args.is_empty() && self.flattened(m).is_some() => {
                *e = self.flattened(m).expect("checked just above");
            }
            // `m.iter().map(|p| p[0] * p[1])` in a chain: over the rows' numbers, each row a
            // view.
            syn::Expr::MethodCall(m) if self.rows_map(m).is_some() => {
                *e = self.rows_map(m).expect("checked just above");
                syn::visit_mut::visit_expr_mut(self, e);
            }
            syn::Expr::MethodCall(m) if self.rows_fold(m).is_some() => {
                *e = self.rows_fold(m).expect("checked just above");
                syn::visit_mut::visit_expr_mut(self, e);
            }
            // `m.windows(2).map(|w| w[1][0] - w[0][0])`: by the windows' starts, reading `m`
            // by row (then rewritten as any such read).
            syn::Expr::MethodCall(m) if is_m_windows(&m.receiver) => {
                match super::piece_lists::windows_map(self.name, &self.rows, m) {
                    Some(by_start) => {
                        *e = by_start;
                        self.visit_expr_mut(e);
                    }
                    None => self.stuck_at(m.method.span()),
                }
            }
            syn::Expr::ForLoop(f) => match self.rows_loop(f) {
                Some(l) => {
                    *e = l;
                    syn::visit_mut::visit_expr_mut(self, e);
                }
                None => match super::piece_lists::windows_loop(self.name, &self.rows, f) {
                    Some(l) => {
                        *e = l;
                        syn::visit_mut::visit_expr_mut(self, e);
                    }
                    None => syn::visit_mut::visit_expr_mut(self, e),
                },
            },
            e if is_m(e) => self.stuck_at(syn::spanned::Spanned::span(&*e)),
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
}

impl MatUses<'_> {
    /// `m[i]` (a whole row, `i` no range) as a copy: an array of its elements where the width is
    /// a literal, else a `Vec` of them.
    fn row_copy(&mut self, e: &syn::Expr) -> Option<syn::Expr> {
        let syn::Expr::Index(ix) = super::unparen(e) else {
            return None;
        };
        if !matches!(&*ix.expr, syn::Expr::Path(p) if p.path.is_ident(self.name))
            || matches!(&*ix.index, syn::Expr::Range(_))
        {
            return None;
        }
        let mut i = (*ix.index).clone();
        syn::visit_mut::VisitMut::visit_expr_mut(self, &mut i);
        let (f, c) = (self.flat, &self.cols);
        let width = syn::parse2::<syn::Expr>(c.clone())
            .ok()
            .and_then(|w| lit_usize(&w))
            .filter(|w| *w <= 16);
        Some(match width {
            Some(w) => {
                let elems = (0..w).map(|k| quote::quote!(#f[(#i) * #c + #k]));
                syn::parse_quote!([#(#elems),*])
            }
            None => syn::parse_quote!(#f[(#i) * #c..(#i) * #c + #c].to_vec()),
        })
    }

    fn stuck_at(&mut self, at: proc_macro2::Span) {
        self.other = true;
        self.stuck.get_or_insert(at);
    }

    /// The flat buffer in place of the rows end to end (`None` when `m` is no such read).
    fn flattened(&self, m: &syn::ExprMethodCall) -> Option<syn::Expr> {
        let is_m = |e: &syn::Expr| matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.name));
        let f = self.flat;
        match m.method.to_string().as_str() {
            // (A temporary, as a view; `let v = m.concat();` is a copy, see `visit_local_mut`.)
            "concat" | "as_flattened" if is_m(&m.receiver) => Some(syn::parse_quote!(#f[..])),
            "flatten" => match &*m.receiver {
                syn::Expr::MethodCall(i) if i.args.is_empty() => {
                    match i.method.to_string().as_str() {
                        "iter" if is_m(&i.receiver) => Some(syn::parse_quote!(#f.iter())),
                        "into_iter" if is_m(&i.receiver) => {
                            Some(syn::parse_quote!(#f.iter().copied()))
                        }
                        // `m.into_iter()` as an earlier rewrite of a chain spells it.
                        "copied" | "cloned" => match &*i.receiver {
                            syn::Expr::MethodCall(r)
                                if r.method == "iter" && r.args.is_empty() && is_m(&r.receiver) =>
                            {
                                Some(syn::parse_quote!(#f.iter().copied()))
                            }
                            _ => None,
                        },
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Input: `m.sort_by(|a, b| body)` (`sort_unstable_by`, any comparator of two rows).
    /// Output: `let mut IDX: Vec<usize> = (0..ROWS).collect(); IDX.sort_by(|&A, &B| { let a =
    /// &M[A * C..A * C + C]; let b = ..; body }); let OLD = M.to_vec();` then row `k` of `M`
    /// copied from row `IDX[k]` of `OLD`. The same sort runs the same comparisons on the same
    /// rows in the same order, so it finds the user's permutation (ties included, stable or
    /// not); the rows then move as copies, which the derivative follows.
    fn sorted_rows(&mut self, m: &mut syn::ExprMethodCall) -> Option<syn::Expr> {
        let syn::Expr::Closure(c) = &mut m.args[0] else {
            return None;
        };
        let [pa, pb] = c.inputs.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let untyped = |p: &syn::Pat| match p {
            syn::Pat::Type(t) => (*t.pat).clone(),
            p => p.clone(),
        };
        let (ia, ib) = (crate::naming::fresh("row_a"), crate::naming::fresh("row_b"));
        let view_a = self.row_view(&untyped(pa), &ia, false)?;
        let view_b = self.row_view(&untyped(pb), &ib, false)?;
        syn::visit_mut::VisitMut::visit_expr_mut(self, &mut c.body);
        let (idx, old, k, j) = (
            crate::naming::fresh("order"),
            crate::naming::fresh("unsorted"),
            crate::naming::fresh("k"),
            crate::naming::fresh("j"),
        );
        let (f, rows, cols) = (self.flat, &self.rows, &self.cols);
        let body: syn::Expr = {
            let body = &c.body;
            syn::parse_quote!({ #(#view_a)* #(#view_b)* (#body) })
        };
        let order = sorted_order(&idx, rows, &m.method, (&ia, &ib), &body);
        Some(syn::parse_quote!({
            #(#order)*
            let #old = #f.to_vec();
            for #k in 0..#rows {
                for #j in 0..#cols {
                    #f[#k * #cols + #j] = #old[#idx[#k] * #cols + #j];
                }
            }
        }))
    }

    /// Input: `for row in &m { body }` (`m.iter()`, `&mut m`, `m.iter_mut()`, and with
    /// `.enumerate()` a pattern `(i, row)`). Output: `for R in 0..ROWS { let row = &M[R * C..R *
    /// C + C]; body }` (`&mut` for the mutable forms), the row a view of the flat buffer.
    fn rows_loop(&self, f: &syn::ExprForLoop) -> Option<syn::Expr> {
        if let (syn::Expr::MethodCall(m), syn::Pat::Tuple(t)) = (&*f.expr, &*f.pat) {
            if m.method == "enumerate" && m.args.is_empty() && t.elems.len() == 2 {
                let count = Beside::Count(&t.elems[0]);
                return self.rows_loop_of(f, &m.receiver, count, &t.elems[1]);
            }
            // `for (p, v) in m.iter_mut().zip(&vs)`, `for (w, row) in ws.iter().zip(&m)`.
            if m.method == "zip" && m.args.len() == 1 && t.elems.len() == 2 {
                let (a, b) = (&*m.receiver, &m.args[0]);
                if self.rows_source(a).is_some() {
                    return self.rows_loop_of(f, a, Beside::Zipped(&t.elems[1], b), &t.elems[0]);
                }
                if self.rows_source(b).is_some() {
                    return self.rows_loop_of(f, b, Beside::Zipped(&t.elems[0], a), &t.elems[1]);
                }
            }
            return None;
        }
        self.rows_loop_of(f, &f.expr, Beside::Nothing, &f.pat)
    }

    /// Input: `m.iter().map(|p| body)`. Output: `(0..ROWS).map(|R| { let p = &M[R * C..R * C +
    /// C]; body })`.
    ///
    /// With `m.iter().enumerate()` (a pattern `(i, p)`) or `m.iter().zip(&vs)` /
    /// `vs.iter().zip(&m)` (a pattern of two) in place of `m.iter()`, the count or the other
    /// side's element is bound beside the row, and a zip stops at the shorter side; after `rev`,
    /// `skip`, `take` or `step_by`, the same adaptors on the rows' numbers.
    fn rows_map(&self, m: &syn::ExprMethodCall) -> Option<syn::Expr> {
        if m.method != "map" || m.args.len() != 1 {
            return None;
        }
        let syn::Expr::Closure(c) = &m.args[0] else {
            return None;
        };
        let [p] = c.inputs.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        if !matches!(c.output, syn::ReturnType::Default) {
            return None;
        }
        let (row, beside, range, source) = match (&*m.receiver, p) {
            (source, p) if self.rows_range(source).is_some_and(|r| !r.0) => {
                (p, Beside::Nothing, self.rows_range(source)?.1, source)
            }
            (syn::Expr::MethodCall(e), syn::Pat::Tuple(t))
                if e.method == "enumerate"
                    && e.args.is_empty()
                    && t.elems.len() == 2
                    && self.rows_range(&e.receiver).is_some_and(|r| !r.0) =>
            {
                let range = self.rows_range(&e.receiver)?.1;
                (&t.elems[1], Beside::Count(&t.elems[0]), range, &*e.receiver)
            }
            (syn::Expr::MethodCall(z), syn::Pat::Tuple(t))
                if z.method == "zip" && z.args.len() == 1 && t.elems.len() == 2 =>
            {
                let rows = &self.rows;
                let range = quote::quote!(0..#rows);
                if self.rows_source(&z.receiver) == Some(false) {
                    (
                        &t.elems[0],
                        Beside::Zipped(&t.elems[1], &z.args[0]),
                        range,
                        &*z.receiver,
                    )
                } else if self.rows_source(&z.args[0]) == Some(false) {
                    (
                        &t.elems[1],
                        Beside::Zipped(&t.elems[0], &z.receiver),
                        range,
                        &z.args[0],
                    )
                } else {
                    return None;
                }
            }
            _ => return None,
        };
        let r = crate::naming::fresh("row");
        let body = &c.body;
        let view = self.row_view(&self.row_pattern(source, row)?, &r, false)?;
        let (bound, range, arg) = self.beside_rows(beside, &r, range)?;
        Some(syn::parse_quote! {
            (#range).map(|#arg| { #bound #(#view)* (#body) })
        })
    }

    /// Input: `m.iter().fold(init, |acc, p| body)` (over rows in order, or a part of them).
    /// Output: `(0..ROWS).fold(init, |acc, R| { let p = &M[R * C..R * C + C]; body })`.
    fn rows_fold(&self, m: &syn::ExprMethodCall) -> Option<syn::Expr> {
        if m.method != "fold" || m.args.len() != 2 {
            return None;
        }
        let syn::Expr::Closure(c) = &m.args[1] else {
            return None;
        };
        let [acc, p] = c.inputs.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        if !matches!(c.output, syn::ReturnType::Default) {
            return None;
        }
        let range = self.rows_range(&m.receiver).filter(|r| !r.0)?.1;
        let r = crate::naming::fresh("row");
        let view = self.row_view(p, &r, false)?;
        let (init, body) = (&m.args[0], &c.body);
        Some(syn::parse_quote! {
            (#range).fold(#init, |#acc, #r| { #(#view)* (#body) })
        })
    }

    /// What a loop or a `map` over the rows in `range` binds beside row `r`, the range it then
    /// runs over, and its pattern. (The count of an `enumerate` after `rev`/`skip`/.. is not the
    /// row's number; a zip stops at the shorter side, and follows rows in order only.)
    fn beside_rows(
        &self,
        beside: Beside,
        r: &syn::Ident,
        range: proc_macro2::TokenStream,
    ) -> Option<(Option<syn::Stmt>, proc_macro2::TokenStream, syn::Pat)> {
        let rows = &self.rows;
        let plain = range.to_string() == quote::quote!(0..#rows).to_string();
        Some(match beside {
            Beside::Nothing => (None, range, syn::parse_quote!(#r)),
            Beside::Count(p) if plain => (
                Some(syn::parse_quote!(let #p = #r;)),
                range,
                syn::parse_quote!(#r),
            ),
            Beside::Count(p) => (
                None,
                quote::quote!((#range).enumerate()),
                syn::parse_quote!((#p, #r)),
            ),
            Beside::Zipped(p, e) if plain => {
                let (seq, elem) = zipped_element(e, r)?;
                (
                    Some(syn::parse_quote!(let #p = #elem;)),
                    quote::quote!(0..::core::cmp::min(#rows, #seq.len())),
                    syn::parse_quote!(#r),
                )
            }
            Beside::Zipped(..) => return None,
        })
    }

    /// `m.iter()` (and the other forms of [`Self::rows_source`]) as whether it is mutable and
    /// the range of row numbers `0..ROWS`; with `.rev()`, `.skip(k)`, `.take(k)`, `.step_by(k)`
    /// after it, the same adaptors on the range.
    fn rows_range(&self, e: &syn::Expr) -> Option<(bool, proc_macro2::TokenStream)> {
        if let Some(mutable) = self.rows_source(e) {
            let rows = &self.rows;
            return Some((mutable, quote::quote!(0..#rows)));
        }
        let syn::Expr::MethodCall(a) = e else {
            return None;
        };
        let adaptor = match a.method.to_string().as_str() {
            "rev" => a.args.is_empty(),
            "skip" | "take" | "step_by" => a.args.len() == 1,
            _ => false,
        };
        if !adaptor {
            return None;
        }
        let (mutable, inner) = self.rows_range(&a.receiver)?;
        let (method, args) = (&a.method, &a.args);
        Some((mutable, quote::quote!((#inner).#method(#args))))
    }

    /// The `let`s that bind a row pattern to row `r`: a name to a view of the flat buffer
    /// (`&mut` for the mutable forms), and a slice pattern's names (`&[a, b]`, `[a, b]`) to its
    /// elements (by value behind `&`, else as references, as the pattern binds them).
    fn row_view(&self, pat: &syn::Pat, r: &syn::Ident, mutable: bool) -> Option<Vec<syn::Stmt>> {
        let (flat, c) = (self.flat, &self.cols);
        let (pat, by_value) = match pat {
            syn::Pat::Reference(re) if re.mutability.is_none() && !mutable => (&*re.pat, true),
            p => (p, false),
        };
        match pat {
            // (`&row`, a copy of the row, is read as the view too: the same elements.)
            syn::Pat::Ident(row) => {
                if row.by_ref.is_some() || row.subpat.is_some() {
                    return None;
                }
                let name = &row.ident;
                Some(vec![if mutable {
                    syn::parse_quote!(let #name = &mut #flat[#r * #c..#r * #c + #c];)
                } else {
                    syn::parse_quote!(let #name = &#flat[#r * #c..#r * #c + #c];)
                }])
            }
            // (A `for` pattern is irrefutable: the row has as many elements as it names.)
            syn::Pat::Slice(sp) if !mutable => {
                let mut out = Vec::new();
                for (k, p) in sp.elems.iter().enumerate() {
                    match p {
                        syn::Pat::Wild(_) => {}
                        syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                            let name = &i.ident;
                            out.push(if by_value {
                                syn::parse_quote!(let #name = #flat[#r * #c + #k];)
                            } else {
                                syn::parse_quote!(let #name = &#flat[#r * #c + #k];)
                            });
                        }
                        _ => return None,
                    }
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// Whether `e` gives the rows by value: `m`, `m.into_iter()`, `m.iter().copied()`, and
    /// after the adaptors of [`Self::rows_range`].
    fn by_value(&self, e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Path(p) => p.path.is_ident(self.name),
            syn::Expr::MethodCall(m) => match m.method.to_string().as_str() {
                "into_iter" => {
                    m.args.is_empty()
                        && matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(self.name))
                }
                // (`m.iter().copied()`, `m.iter().cloned()`.)
                "copied" | "cloned" => {
                    m.args.is_empty()
                        && matches!(&*m.receiver, syn::Expr::MethodCall(i) if i.method == "iter"
                            && i.args.is_empty()
                            && matches!(&*i.receiver, syn::Expr::Path(p) if p.path.is_ident(self.name)))
                }
                "rev" | "skip" | "take" | "step_by" => self.by_value(&m.receiver),
                _ => false,
            },
            _ => false,
        }
    }

    /// Whether `e` ends in an adaptor of [`Self::rows_range`] (`.rev()`, `.skip(k)`, ..).
    fn adapted(&self, e: &syn::Expr) -> bool {
        matches!(e, syn::Expr::MethodCall(m)
            if ["rev", "skip", "take", "step_by"].iter().any(|a| m.method == a))
    }

    /// A row's pattern over rows by value (see [`Self::by_value`]) as the same over references
    /// (`[a, b]` binds the elements by value either way), or `None` for a pattern that binds a
    /// row to write it (`mut row`), which a view is not.
    fn row_pattern(&self, source: &syn::Expr, row: &syn::Pat) -> Option<syn::Pat> {
        if !self.by_value(source) {
            return Some(row.clone());
        }
        if matches!(row, syn::Pat::Ident(i) if i.mutability.is_some()) {
            return None;
        }
        Some(syn::Pat::Reference(syn::PatReference {
            attrs: Vec::new(),
            and_token: Default::default(),
            mutability: None,
            pat: Box::new(row.clone()),
        }))
    }

    /// `&m`, `m.iter()` (`Some(false)`), `&mut m`, `m.iter_mut()` (`Some(true)`).
    fn rows_source(&self, e: &syn::Expr) -> Option<bool> {
        let is_m = |e: &syn::Expr| matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.name));
        match e {
            syn::Expr::Reference(r) if is_m(&r.expr) => Some(r.mutability.is_some()),
            // (The rows by value, `for row in m`: copies, read as the views are. Adaptors
            // after them are `rows_range`'s.)
            e if self.by_value(e) && !self.adapted(e) => Some(false),
            syn::Expr::MethodCall(m) if is_m(&m.receiver) && m.args.is_empty() => {
                match m.method.to_string().as_str() {
                    "iter" => Some(false),
                    "iter_mut" => Some(true),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn rows_loop_of(
        &self,
        f: &syn::ExprForLoop,
        source: &syn::Expr,
        beside: Beside,
        row: &syn::Pat,
    ) -> Option<syn::Expr> {
        let (mutable, range) = self.rows_range(source)?;
        let r = crate::naming::fresh("row");
        let (label, body) = (&f.label, &f.body);
        let view = self.row_view(&self.row_pattern(source, row)?, &r, mutable)?;
        let (count, range, pat) = self.beside_rows(beside, &r, range)?;
        let stmts = &body.stmts;
        Some(syn::parse_quote!(#label for #pat in #range { #count #(#view)* #(#stmts)* }))
    }
}

/// What a loop over a matrix's rows binds beside the row.
enum Beside<'a> {
    Nothing,
    /// `.enumerate()`'s count.
    Count(&'a syn::Pat),
    /// The other side of a `zip`: its pattern and its sequence.
    Zipped(&'a syn::Pat, &'a syn::Expr),
}

/// The other side of a rows loop's `zip` (`&vs`, `vs.iter()`, `&mut vs`, `vs.iter_mut()`, `vs`)
/// as its sequence and its element number `r` (`&vs[r]`, `&mut vs[r]`).
pub(super) fn zipped_element(e: &syn::Expr, r: &syn::Ident) -> Option<(syn::Ident, syn::Expr)> {
    let name = |e: &syn::Expr| match e {
        syn::Expr::Path(p) => p.path.get_ident().cloned(),
        _ => None,
    };
    let (seq, mutable) = match e {
        syn::Expr::Reference(re) => (name(&re.expr)?, re.mutability.is_some()),
        syn::Expr::MethodCall(m) if m.args.is_empty() && m.method == "iter" => {
            (name(&m.receiver)?, false)
        }
        syn::Expr::MethodCall(m) if m.args.is_empty() && m.method == "iter_mut" => {
            (name(&m.receiver)?, true)
        }
        e => (name(e)?, false),
    };
    let elem = if mutable {
        syn::parse_quote!(&mut #seq[#r])
    } else {
        syn::parse_quote!(&#seq[#r])
    };
    Some((seq, elem))
}

/// Input: `let [a, b, .., z] = *c;` (or `= c;`, `= w[i];`, `= [x, y];`), an array pattern of
/// names over a place or an array literal.
/// Output: `let a = (c)[0]; let b = (c)[1]; let z = (c)[c.len() - 1];` (each element read where
/// the pattern puts it), or one `let` per element of the literal.
pub fn array_pattern_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    if let Some(out) = converted_part_let(l) {
        return Some(out);
    }
    let (pat, ty) = super::pat_and_type(l);
    let syn::Pat::Slice(sp) = pat else {
        return None;
    };
    let init = l.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    let elem_ty = match ty {
        Some(syn::Type::Array(a)) => Some(&*a.elem),
        Some(_) => return None,
        None => None,
    };
    let e = super::place_of(&init.expr);
    // `let [x, y, z] = rotate(r, p);`: the array the call makes bound to a name, then read.
    if matches!(e, syn::Expr::Call(_) | syn::Expr::MethodCall(_)) {
        if sp.elems.iter().any(|p| matches!(p, syn::Pat::Rest(_))) {
            return None;
        }
        let t = crate::naming::fresh("array");
        let mut out: Vec<syn::Stmt> = vec![match ty {
            Some(ty) => syn::parse_quote!(let #t: #ty = #e;),
            None => syn::parse_quote!(let #t = #e;),
        }];
        for (k, p) in sp.elems.iter().enumerate() {
            match p {
                syn::Pat::Wild(_) => {}
                syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                    out.push(syn::parse_quote!(let #p = #t[#k];));
                }
                _ => return None,
            }
        }
        return Some(out);
    }
    // A name the pattern binds that the value reads again would read the new binding.
    let mut names = Vec::new();
    names_of(pat, &mut names);
    if names
        .iter()
        .any(|n| super::mentions(&quote::ToTokens::to_token_stream(e), n))
    {
        return None;
    }
    let rest = sp.elems.iter().position(|p| matches!(p, syn::Pat::Rest(_)));
    let n = sp.elems.len();
    let mut out = Vec::new();
    for (k, p) in sp.elems.iter().enumerate() {
        let name_ok = match p {
            syn::Pat::Ident(i) => i.subpat.is_none() && i.by_ref.is_none(),
            syn::Pat::Wild(_) | syn::Pat::Rest(_) => true,
            _ => false,
        };
        if !name_ok {
            return None;
        }
        if matches!(p, syn::Pat::Wild(_) | syn::Pat::Rest(_)) {
            continue;
        }
        let value: syn::Expr = match (e, rest) {
            (syn::Expr::Array(a), None) if a.elems.len() == n => a.elems[k].clone(),
            (syn::Expr::Array(_), _) => return None,
            // A part `x[a..b]` (a piece of `windows`/`chunks`): `x` read from `a`.
            (syn::Expr::Index(_), _) if super::part_of_name(e).is_some() => {
                let (x, lo, hi) = super::part_of_name(e)?;
                match rest {
                    Some(r) if k > r => {
                        let back = n - k;
                        syn::parse_quote!(#x[#hi - #back])
                    }
                    _ => syn::parse_quote!(#x[#lo + #k]),
                }
            }
            (syn::Expr::Path(_) | syn::Expr::Index(_) | syn::Expr::Field(_), Some(r)) if k > r => {
                let back = n - k;
                syn::parse_quote!((#e)[(#e).len() - #back])
            }
            (syn::Expr::Path(_) | syn::Expr::Index(_) | syn::Expr::Field(_), _) => {
                syn::parse_quote!((#e)[#k])
            }
            _ => return None,
        };
        out.push(match elem_ty {
            Some(t) => syn::parse_quote!(let #p: #t = #value;),
            None => syn::parse_quote!(let #p = #value;),
        });
    }
    Some(out)
}

/// Input: `let [a, .., z] = x[..] else { return 0.0; };`, a slice pattern of names over a place.
/// Output: `if let [_, .., _] = x[..] {} else { return 0.0; }` (the length decides, nothing is
/// read) and the names bound by index as [`array_pattern_let`] binds them, so that they are
/// differentiated when `x` is.
fn slice_let_else(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let init = l.init.as_ref()?;
    let (_, diverge) = init.diverge.as_ref()?;
    let pat = match &l.pat {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    let syn::Pat::Slice(sp) = pat else {
        return None;
    };
    let mut wild = sp.clone();
    for p in &mut wild.elems {
        if let syn::Pat::Ident(i) = p {
            if i.subpat.is_some() || i.by_ref.is_some() {
                return None;
            }
            *p = syn::parse_quote!(_);
        }
    }
    let e = &init.expr;
    let test: syn::Stmt = syn::parse2(quote::quote!(if let #wild = #e {} else #diverge)).ok()?;
    let plain = syn::Local {
        init: Some(syn::LocalInit {
            eq_token: init.eq_token,
            expr: init.expr.clone(),
            diverge: None,
        }),
        ..l.clone()
    };
    let mut out = vec![test];
    out.extend(array_pattern_let(&plain)?);
    Some(out)
}

/// Input: `let (a, (b, _)) = e;` where `e` is no tuple expression the other rewrites split
/// (`data[i]` of constant tuples, a call returning a tuple).
/// Output: `let T = e; let a = T.0; let (b, _) = T.1;`, whose inner tuple `let` is split in turn:
/// each part read by field, as the original's pattern reads it.
pub fn tuple_by_field(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (pat, ty) = super::pat_and_type(l);
    let syn::Pat::Tuple(tp) = pat else {
        return None;
    };
    let init = l.init.as_ref()?;
    // A block, `if` or `match` is `branch_tuple_let`'s: bound whole here, `tuple_local` would
    // split it again, without end.
    if init.diverge.is_some()
        || matches!(
            &*init.expr,
            syn::Expr::Block(_) | syn::Expr::If(_) | syn::Expr::Match(_) | syn::Expr::Paren(_)
        )
    {
        return None;
    }
    let t = crate::naming::fresh("tuple");
    let e = &init.expr;
    let by_reference = matches!(&**e, syn::Expr::Reference(r) if r.mutability.is_none());
    let mut out: Vec<syn::Stmt> = vec![match ty {
        Some(ty) => syn::parse_quote!(let #t: #ty = #e;),
        None => syn::parse_quote!(let #t = #e;),
    }];
    for (k, p) in tp.elems.iter().enumerate() {
        if matches!(p, syn::Pat::Wild(_) | syn::Pat::Rest(_)) {
            if matches!(p, syn::Pat::Rest(_)) {
                return None;
            }
            continue;
        }
        let k = syn::Index::from(k);
        // `let (x, y) = &rows[i];` binds references to the parts (`*y` reads one), as Rust's
        // default binding mode does.
        let amp = by_reference.then(|| quote::quote!(&));
        // Parsed, not `parse_quote!`: a part `let` cannot take (`a | b`) leaves the `let` as it
        // is, reported by lowering.
        out.push(syn::parse2(quote::quote!(let #p = #amp #t.#k;)).ok()?);
    }
    Some(out)
}

/// Input: `let Point { x, y: b, .. } = p[0];` (a struct pattern of plain names or `_`, of a
/// place: a name, a field, an element). Output: `let x = p[0].x; let b = p[0].y;`, the fields
/// read as any field of constant data is.
pub fn struct_pattern_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (pat, _) = super::pat_and_type(l);
    let syn::Pat::Struct(ps) = pat else {
        return None;
    };
    let init = l.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    // `let Sample { x, y } = &data[i];`: references to the fields, as Rust's default binding
    // mode gives.
    let (place, amp) = match &*init.expr {
        syn::Expr::Reference(r) if r.mutability.is_none() => (&*r.expr, Some(quote::quote!(&))),
        e => (e, None),
    };
    // (`*p` of a reference `p` in a loop over data: its fields are `p.x`.)
    let place = match place {
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &*u.expr,
        e => e,
    };
    if !matches!(
        place,
        syn::Expr::Path(_) | syn::Expr::Field(_) | syn::Expr::Index(_)
    ) {
        return None;
    }
    let mut out = Vec::new();
    for f in &ps.fields {
        let member = &f.member;
        match &*f.pat {
            syn::Pat::Wild(_) => {}
            syn::Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
                let name = &i.ident;
                let m = i.mutability;
                out.push(syn::parse_quote!(let #m #name = #amp #place.#member;));
            }
            // (`ref x` of a place: its reference, read as the binding mode above reads it.)
            syn::Pat::Ident(i) if i.subpat.is_none() && i.mutability.is_none() => {
                let name = &i.ident;
                out.push(syn::parse_quote!(let #name = &#place.#member;));
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Input: `(a, b) = (b, a + b);` (also `[a, b] = ..`, nested, `_` for a part left alone, any
/// value a tuple `let` takes). Output: `{ let (t0, t1) = (b, a + b); a = t0; b = t1; }` with
/// fresh `t`s: every part of the value is computed before any place is assigned.
pub fn destructuring_assign(e: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::Assign(a) = e else {
        return None;
    };
    if !matches!(&*a.left, syn::Expr::Tuple(_) | syn::Expr::Array(_)) {
        return None;
    }
    let mut assigns: Vec<syn::Stmt> = Vec::new();
    let pat = places(&a.left, &mut assigns)?;
    let right = &a.right;
    Some(syn::parse_quote!({
        let #pat = #right;
        #(#assigns)*
    }))
}

/// The pattern binding fresh names where `e` has places, and the assignments of those names to
/// the places.
fn places(e: &syn::Expr, assigns: &mut Vec<syn::Stmt>) -> Option<syn::Pat> {
    Some(match e {
        syn::Expr::Tuple(t) => {
            let ps = t
                .elems
                .iter()
                .map(|e| places(e, assigns))
                .collect::<Option<Vec<_>>>()?;
            if ps.len() == 1 {
                syn::parse_quote!((#(#ps),*,))
            } else {
                syn::parse_quote!((#(#ps),*))
            }
        }
        syn::Expr::Array(arr) => {
            let ps = arr
                .elems
                .iter()
                .map(|e| places(e, assigns))
                .collect::<Option<Vec<_>>>()?;
            syn::parse_quote!([#(#ps),*])
        }
        syn::Expr::Infer(_) => syn::parse_quote!(_),
        syn::Expr::Paren(p) => places(&p.expr, assigns)?,
        syn::Expr::Path(_) | syn::Expr::Index(_) | syn::Expr::Field(_) | syn::Expr::Unary(_) => {
            let t = crate::naming::fresh("part");
            assigns.push(syn::parse_quote!(#e = #t;));
            syn::parse_quote!(#t)
        }
        _ => return None,
    })
}

/// Whether a type names `f64`, `f32` or the function's generic float (`[[f64; 2]; 2]`,
/// `Vec<T>`).
pub fn mentions_float_type(t: &syn::Type) -> bool {
    let generic = crate::sig::generic_float();
    crate::naming::mentions(quote::ToTokens::to_token_stream(t), &|i| {
        i == "f64" || i == "f32" || generic.is_some_and(|g| i == g.name())
    })
}

/// `floats` and the names the body's `let`s bind to floats, as far as their form tells: a `let`
/// whose type names `f64`/`f32`, or whose value has a float literal, calls a float method
/// (`x.sin_cos()`) or reads a name already known to hold floats — unless the value is a cast to
/// another type or a length (`n as usize`, `xs.len()`). Scopes are not followed: a name is a
/// float's if any of its `let`s says so (it only decides whether an array of names is of floats).
pub fn float_names(body: &syn::Block, floats: &HashSet<String>) -> HashSet<String> {
    let lets = super::all_lets(body);
    let assigns = whole_assignments(body);
    // (Items named once in the body, so no other binding is taken for one.)
    let items: Vec<(String, String)> = loop_items(body)
        .into_iter()
        .filter(|(name, _)| super::declarations_here(body, name) == 1)
        .collect();
    let mut out = floats.clone();
    loop {
        let before = out.len();
        // `a = z.iter().map(|v| v.tanh()).collect();` of a local declared from data (`let mut
        // a = x.clone();` of a row of data), `a += x * 0.5;`: it holds floats from there on.
        // (Not one whose `let` names a type of something else.)
        for (name, right) in &assigns {
            let typed_other = lets.iter().any(|l| match &l.pat {
                syn::Pat::Type(pt) => {
                    matches!(&*pt.pat, syn::Pat::Ident(i) if i.ident == name)
                        && !mentions_float_type(&pt.ty)
                }
                _ => false,
            });
            if !typed_other && !out.contains(name) && reads_floats(right, &out) {
                out.insert(name.clone());
            }
        }
        for l in &lets {
            let typed = match &l.pat {
                syn::Pat::Type(pt) => mentions_float_type(&pt.ty),
                _ => false,
            };
            // A type that names no float says so (`let idx: Vec<usize> = (0..w.len())..`).
            if matches!(&l.pat, syn::Pat::Type(_)) && !typed {
                continue;
            }
            let valued = l.init.as_ref().is_some_and(|i| reads_floats(&i.expr, &out));
            if typed || valued {
                let mut names = Vec::new();
                names_of(&l.pat, &mut names);
                out.extend(names.iter().map(ToString::to_string));
            }
        }
        // `for d in &data { let mut h = d.to_vec(); .. }` of a list of rows of floats: its
        // items hold floats too.
        for (name, source) in &items {
            if !out.contains(name) && out.contains(source) {
                out.insert(name.clone());
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// The items of the `for` loops of `body` over a named collection (`for d in &data`,
/// `data.iter()`, `.enumerate()`'s second part, the parts of a `.zip(..)`, `&d` patterns
/// alike), with the collection's name: never a range's count, which is no item of a collection.
fn loop_items(body: &syn::Block) -> Vec<(String, String)> {
    struct Items(Vec<(String, String)>);
    impl Items {
        fn items(&mut self, source: &syn::Expr, pat: &syn::Pat) {
            let pat = match pat {
                syn::Pat::Reference(r) => &*r.pat,
                syn::Pat::Paren(p) => &*p.pat,
                p => p,
            };
            let pair = match pat {
                syn::Pat::Tuple(t) if t.elems.len() == 2 => Some((&t.elems[0], &t.elems[1])),
                _ => None,
            };
            match super::unparen(source) {
                syn::Expr::Reference(r) => self.items(&r.expr, pat),
                syn::Expr::MethodCall(m) if m.args.is_empty() && m.method == "enumerate" => {
                    if let Some((_, item)) = pair {
                        self.items(&m.receiver, item);
                    }
                }
                syn::Expr::MethodCall(m) if m.args.len() == 1 && m.method == "zip" => {
                    if let Some((a, b)) = pair {
                        self.items(&m.receiver, a);
                        self.items(&m.args[0], b);
                    }
                }
                syn::Expr::MethodCall(m)
                    if m.args.is_empty()
                        && ["iter", "iter_mut", "into_iter", "copied", "cloned"]
                            .iter()
                            .any(|k| m.method == k) =>
                {
                    self.items(&m.receiver, pat);
                }
                syn::Expr::Path(p) => {
                    if let (Some(name), syn::Pat::Ident(i)) = (p.path.get_ident(), pat) {
                        self.0.push((i.ident.to_string(), name.to_string()));
                    }
                }
                _ => {}
            }
        }
    }
    impl<'a> syn::visit::Visit<'a> for Items {
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.items(&f.expr, &f.pat);
            syn::visit::visit_expr_for_loop(self, f);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut items = Items(Vec::new());
    syn::visit::Visit::visit_block(&mut items, body);
    items.0
}

/// Whether the value `e` is a float as far as its form tells: it has a float literal, calls a
/// float method or reads one of `floats`, and is no cast to another type nor a length.
pub fn reads_floats(e: &syn::Expr, floats: &HashSet<String>) -> bool {
    let not_float = match e {
        syn::Expr::Cast(c) => !mentions_float_type(&c.ty),
        syn::Expr::MethodCall(m) => m.method == "len" || m.method == "count",
        _ => false,
    };
    !not_float
        && (has_float_literal(e)
            || crate::naming::mentions(quote::ToTokens::to_token_stream(e), &|n| {
                floats.contains(&n.to_string())
                    || crate::rules::Prim::method_names().any(|m| n == m)
            }))
}

/// The assignments `name = right` of a whole local in `body` that make a new buffer
/// (`.collect()`, `.to_vec()`), and the compound ones (`name += right`), at any depth.
fn whole_assignments(body: &syn::Block) -> Vec<(String, syn::Expr)> {
    struct Assigns(Vec<(String, syn::Expr)>);
    impl<'a> syn::visit::Visit<'a> for Assigns {
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            // (Not `.collect::<Vec<usize>>()`, which says it holds something else.)
            let made = matches!(&*a.right, syn::Expr::MethodCall(m)
                if (m.method == "collect" || m.method == "to_vec")
                    && m.turbofish.as_ref().is_none_or(|t| t.args.iter().any(|g|
                        matches!(g, syn::GenericArgument::Type(t) if mentions_float_type(t)))));
            if let (syn::Expr::Path(p), true) = (&*a.left, made) {
                if let Some(i) = p.path.get_ident() {
                    self.0.push((i.to_string(), (*a.right).clone()));
                }
            }
            syn::visit::visit_expr_assign(self, a);
        }
        // `acc += a * 0.5;` (`-=`, `*=`, `/=`): what an integer cannot take, a float (a local
        // declared from a constant of the module, `let mut acc = C;`, which says nothing).
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            let compound = matches!(
                b.op,
                syn::BinOp::AddAssign(_)
                    | syn::BinOp::SubAssign(_)
                    | syn::BinOp::MulAssign(_)
                    | syn::BinOp::DivAssign(_)
            );
            if let (syn::Expr::Path(p), true) = (&*b.left, compound) {
                if let Some(i) = p.path.get_ident() {
                    self.0.push((i.to_string(), (*b.right).clone()));
                }
            }
            syn::visit::visit_expr_binary(self, b);
        }
    }
    let mut a = Assigns(Vec::new());
    syn::visit::Visit::visit_block(&mut a, body);
    a.0
}

/// Input: `let [a, b, c]: [f64; 3] = p[k..k + 3].try_into().unwrap();` (or `.expect(..)`, of
/// `&p[..3]`, `p[1..4]`). Output: `let a = p[(k) + 0]; let b = p[(k) + 1]; ..`, each element
/// read where the part puts it.
fn converted_part_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (pat, ty) = super::pat_and_type(l);
    let init = l.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    let syn::Expr::MethodCall(u) = &*init.expr else {
        return None;
    };
    if u.method != "unwrap" && u.method != "expect" {
        return None;
    }
    // `x.try_into()`, or `<[T; N]>::try_from(x)` (`TryFrom::try_from(x)`, the type the
    // `let`'s), whose type says the array's where the `let` does not.
    let (mut part, named): (&syn::Expr, Option<syn::Type>) = match &*u.receiver {
        syn::Expr::MethodCall(t) if t.method == "try_into" && t.args.is_empty() => {
            (&*t.receiver, None)
        }
        syn::Expr::Call(c) if c.args.len() == 1 => {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            if p.path.segments.last().is_none_or(|s| s.ident != "try_from") {
                return None;
            }
            let named = match &p.qself {
                Some(q) => Some((*q.ty).clone()),
                None if p.path.segments.len() == 2 && p.path.segments[0].ident == "TryFrom" => None,
                None => return None,
            };
            (&c.args[0], named)
        }
        _ => return None,
    };
    let ty = ty.or(named.as_ref());
    while let syn::Expr::Reference(syn::ExprReference { expr, .. })
    | syn::Expr::Paren(syn::ExprParen { expr, .. }) = part
    {
        part = expr;
    }
    // `p[a..b]`, or the whole of `p` (whose length must then be the array's, as `try_into`
    // checks).
    let (x, start): (&syn::Expr, syn::Expr) = match part {
        syn::Expr::Index(ix) => {
            let syn::Expr::Range(range) = &*ix.index else {
                return None;
            };
            let start = match &range.start {
                Some(s) => (**s).clone(),
                None => syn::parse_quote!(0),
            };
            (&*ix.expr, start)
        }
        syn::Expr::Path(p) if p.path.get_ident().is_some() => (part, syn::parse_quote!(0)),
        _ => return None,
    };
    // `let q: [f64; 3] = p.try_into().unwrap();`: an array of the elements; `let q: &[f64; 3]
    // = ..`: a reference to such an array.
    let (arr, by_ref) = match ty {
        Some(syn::Type::Array(arr)) => (Some(arr), false),
        Some(syn::Type::Reference(r)) if r.mutability.is_none() => match &*r.elem {
            syn::Type::Array(arr) => (Some(arr), true),
            _ => (None, false),
        },
        _ => (None, false),
    };
    if let (syn::Pat::Ident(q), Some(arr)) = (pat, arr) {
        if q.subpat.is_some() || q.by_ref.is_some() {
            return None;
        }
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        }) = &arr.len
        else {
            return None;
        };
        let n: usize = n.base10_parse().ok()?;
        let elems = (0..n).map(|k| quote::quote!(#x[(#start) + #k]));
        let mut out: Vec<syn::Stmt> = length_check(part, x, n).into_iter().collect();
        if by_ref {
            let held = crate::naming::fresh("array");
            out.push(syn::parse_quote!(let #held: #arr = [#(#elems),*];));
            out.push(syn::parse_quote!(let #q: &#arr = &#held;));
        } else {
            out.push(syn::parse_quote!(let #q: #arr = [#(#elems),*];));
        }
        return Some(out);
    }
    let syn::Pat::Slice(sp) = pat else {
        return None;
    };
    let mut out: Vec<syn::Stmt> = length_check(part, x, sp.elems.len()).into_iter().collect();
    for (k, p) in sp.elems.iter().enumerate() {
        match p {
            syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                out.push(syn::parse_quote!(let #i = #x[(#start) + #k];));
            }
            syn::Pat::Wild(_) => {}
            _ => return None,
        }
    }
    Some(out)
}

/// The check `try_into` makes of `part` (`p` whole or `p[a..b]`) before [`converted_part_let`]
/// reads its elements one by one: that it holds `n` of them, or the same panic's message.
/// `None` where the part's bounds are literals that say so already.
fn length_check(part: &syn::Expr, x: &syn::Expr, n: usize) -> Option<syn::Stmt> {
    let len: syn::Expr = match part {
        syn::Expr::Index(ix) => match &*ix.index {
            syn::Expr::Range(r) => {
                let start = r.start.as_deref().map_or(Some(0), lit_usize);
                if let (Some(a), Some(b)) = (start, r.end.as_deref().and_then(lit_usize)) {
                    let closed = usize::from(matches!(r.limits, syn::RangeLimits::Closed(_)));
                    if (b + closed).checked_sub(a) == Some(n) {
                        return None;
                    }
                }
                let (lo, hi) = super::iterators::range_bounds(x, r);
                syn::parse_quote!((#hi) - (#lo))
            }
            _ => syn::parse_quote!(#x.len()),
        },
        _ => syn::parse_quote!(#x.len()),
    };
    Some(syn::parse_quote!(::core::assert!(#len == #n, "could not convert slice to array");))
}
