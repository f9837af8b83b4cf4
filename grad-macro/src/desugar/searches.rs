//! Searches of a sequence of floats that give an `Option` of one: `xs.iter().find(|&&v| ..)`,
//! `find_map(..)`, `filter(..).next()`, `map(..).find(..)`, `xs.get(k)`. Each becomes a local
//! `Option` given by a loop (or a test of the index), in the form a helper giving an `Option` has
//! once inlined, which `options` then takes apart wherever it is read (`unwrap_or`, `map_or`,
//! `match`, `if let`, `.copied()`).

use std::collections::HashSet;
use syn::visit_mut::VisitMut;

/// Input: a body, the names of its parameters that are sequences of floats (`&[f64]`, `&Vec<T>`,
/// `[f64; N]`) and the float type the function computes in.
/// Output: the body with every search above (over a sequence one of those names where it is in
/// scope, a local vector of floats (see [`float_vector`]), or a chain of iterator stages on one)
/// written as
/// `({ let R: Option<F> = 'L: loop { for v in CHAIN { break 'L Some(v); } break 'L None; }; R })`,
/// and `o.map_or(d, |i| e)` of a `position`/`rposition` as a `match` (its closure may read
/// differentiated values at the index found). A name bound again (`let xs = ..`, `for xs in
/// ..`, a closure's or an arm's pattern) names what it is bound to there. (A search of a model's
/// field, `self.w.get(k)`, is left as written: a field may hold data of any type.)
pub fn rewrite(block: &mut syn::Block, params: &HashSet<String>, float: &syn::Type) {
    Searches {
        seqs: params.clone(),
        float,
        float_name: quote::ToTokens::to_token_stream(float)
            .to_string()
            .replace(' ', ""),
        bound: false,
    }
    .visit_block_mut(block);
}

/// Whether a `let` binds a vector of floats, seen from the `let` alone: a type written (`Vec<F>`,
/// `&[F]`, `[F; N]`), `vec![0.0; n]`, `vec![a, b]` of float literals, `collect::<Vec<F>>()`,
/// a copy of a sequence of floats in scope (`xs.to_vec()`) or a part of one (`&xs[a..b]`).
fn float_vector(l: &syn::Local, seqs: &HashSet<String>, float: &str) -> bool {
    let floats = |t: &syn::Type| {
        let t = quote::ToTokens::to_token_stream(t)
            .to_string()
            .replace(' ', "");
        t == format!("Vec<{float}>")
            || t == format!("&[{float}]")
            || (t.starts_with(&format!("[{float};")) && t.ends_with(']'))
    };
    let param = |e: &syn::Expr| {
        matches!(super::unparen(e), syn::Expr::Path(p)
            if p.path.get_ident().is_some_and(|i| seqs.contains(&i.to_string())))
    };
    let literal = |t: &str| {
        let t = t.trim().trim_start_matches('-').trim();
        let t = t.strip_suffix(float).map_or(t, |n| n.trim_end_matches('_'));
        // (Or a value of a type parameter, `T::from(0.0).unwrap()`, `<T as NumCast>::from(..)`.)
        let generic = float != "f64" && float != "f32";
        t.contains('.') && t.parse::<f64>().is_ok()
            || generic
                && (t.starts_with(&format!("{float} ::"))
                    || t.starts_with(&format!("< {float}"))
                    || t.contains(&format!(", {float} >")))
    };
    let holds = |e: &syn::Expr| match super::unparen(e) {
        syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => {
            let t = m.mac.tokens.to_string();
            literal(t.split([';', ',']).next().unwrap_or(""))
        }
        // `&xs[a..b]` of a sequence parameter.
        syn::Expr::Reference(r) => matches!(super::unparen(&r.expr),
            syn::Expr::Index(ix) if matches!(&*ix.index, syn::Expr::Range(_)) && param(&ix.expr)),
        syn::Expr::MethodCall(m) => match (m.method.to_string().as_str(), &m.turbofish) {
            ("collect", Some(t)) => t
                .args
                .iter()
                .any(|a| matches!(a, syn::GenericArgument::Type(t) if floats(t))),
            ("to_vec" | "clone" | "to_owned", None) => m.args.is_empty() && param(&m.receiver),
            _ => false,
        },
        _ => false,
    };
    let (pat, ty) = match &l.pat {
        syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
        p => (p, None),
    };
    matches!(pat, syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none())
        && l.init.as_ref().is_some_and(|init| {
            init.diverge.is_none() && (ty.is_some_and(floats) || holds(&init.expr))
        })
}

struct Searches<'a> {
    /// The names of sequences of floats in scope where the visit is.
    seqs: HashSet<String>,
    float: &'a syn::Type,
    /// `float` written without spaces (`f64`, `T`), as the `let`s' types are read.
    float_name: String,
    /// In a `for` loop's range, whose bounds are computed once as integers, searches included.
    bound: bool,
}

impl Searches<'_> {
    /// Whether a `let` is `let (a, b) = xs.split_at(k);` of a sequence of floats in scope.
    fn split(&self, l: &syn::Local) -> bool {
        let (syn::Pat::Tuple(t), Some(init)) = (&l.pat, &l.init) else {
            return false;
        };
        let syn::Expr::MethodCall(m) = super::unparen(&init.expr) else {
            return false;
        };
        t.elems.len() == 2
            && t.elems.iter().all(|p| matches!(p, syn::Pat::Ident(_)))
            && m.method == "split_at"
            && matches!(super::unparen(&m.receiver), syn::Expr::Path(p)
                if p.path.get_ident().is_some_and(|i| self.seqs.contains(&i.to_string())))
    }

    /// An `if`'s or `while`'s condition; a `let`'s pattern then hides its names (in the block
    /// after it, where the caller restores them).
    fn condition(&mut self, c: &mut syn::Expr) {
        if let syn::Expr::Let(l) = c {
            self.visit_expr_mut(&mut l.expr);
            self.shadow(&l.pat);
        } else {
            self.visit_expr_mut(c);
        }
    }

    /// The names a pattern binds, no longer sequences of floats where it is in scope.
    fn shadow(&mut self, p: &syn::Pat) {
        let mut names = Vec::new();
        crate::lower::collect_pat_idents(p, &mut names);
        for n in names {
            self.seqs.remove(&n.to_string());
        }
    }
}

/// What the items of an iterator chain are: references into a slice of floats (`xs.iter()`,
/// filtered, skipped, ..) or values (`.copied()`, `.map(..)`); `None` for a chain not known.
#[derive(Clone, Copy)]
enum Items {
    Refs,
    Values,
}

impl Searches<'_> {
    /// Whether `e` names a sequence of floats (`xs`, `&xs`, `xs[a..b]`).
    fn of_floats(&self, e: &syn::Expr) -> bool {
        match super::unparen(e) {
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.seqs.contains(&i.to_string())),
            syn::Expr::Reference(r) => self.of_floats(&r.expr),
            syn::Expr::Index(ix) => {
                matches!(&*ix.index, syn::Expr::Range(_)) && self.of_floats(&ix.expr)
            }
            _ => false,
        }
    }

    fn items(&self, chain: &syn::Expr) -> Option<Items> {
        let syn::Expr::MethodCall(m) = super::unparen(chain) else {
            return None;
        };
        let name = m.method.to_string();
        match (name.as_str(), m.args.len()) {
            ("iter", 0) => self.of_floats(&m.receiver).then_some(Items::Refs),
            ("filter" | "skip" | "take" | "step_by" | "skip_while" | "take_while", 1)
            | ("rev", 0) => self.items(&m.receiver),
            ("copied" | "cloned", 0) => self.items(&m.receiver).map(|_| Items::Values),
            ("map" | "filter_map", 1) => self.items(&m.receiver).map(|_| Items::Values),
            _ => None,
        }
    }

    /// Whether `chain` gives pieces of a sequence of floats (`xs.windows(2)`, `chunks(k)`,
    /// `chunks_exact(k)`).
    fn pieces(&self, chain: &syn::Expr) -> bool {
        matches!(super::unparen(chain), syn::Expr::MethodCall(m)
            if ["windows", "chunks", "chunks_exact"].iter().any(|p| m.method == p)
                && m.args.len() == 1
                && self.of_floats(&m.receiver))
    }

    /// The option a search gives, as a block: its items `CHAIN` yields, the first taken (with
    /// `copied`, a reference item's value: `xs.iter().find(..).copied()`).
    fn first_of(&self, chain: &syn::Expr, items: Items, copied: bool) -> syn::Expr {
        let (r, label, v) = (
            crate::naming::fresh("found"),
            syn::Lifetime::new(
                &format!("'{}", crate::naming::fresh("search")),
                proc_macro2::Span::call_site(),
            ),
            crate::naming::fresh("item"),
        );
        let float = self.float;
        // (Items of a slice: the option is one of a reference, as written, given `Some(&v)`.)
        let (pat, ty, some): (syn::Pat, syn::Type, syn::Expr) = match items {
            Items::Refs if copied => (
                syn::parse_quote!(&#v),
                syn::parse_quote!(Option<#float>),
                syn::parse_quote!(Some(#v)),
            ),
            Items::Refs => (
                syn::parse_quote!(&#v),
                syn::parse_quote!(Option<&#float>),
                syn::parse_quote!(Some(&#v)),
            ),
            Items::Values => (
                syn::parse_quote!(#v),
                syn::parse_quote!(Option<#float>),
                syn::parse_quote!(Some(#v)),
            ),
        };
        syn::parse_quote!(({
            let #r: #ty = #label: loop {
                for #pat in #chain {
                    break #label #some;
                }
                break #label None;
            };
            #r
        }))
    }

    fn search(&self, e: &syn::Expr) -> Option<syn::Expr> {
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        // `xs.get(k).copied()`: the search gives the value (an `Option<&F>` copied is read as
        // the `Option<F>` it is wherever it goes, `if let Some(v) = ..` too).
        if (m.method == "copied" || m.method == "cloned") && m.args.is_empty() {
            if let syn::Expr::MethodCall(inner) = super::unparen(&m.receiver) {
                if let Some(found) = self.search_of(inner, true) {
                    return Some(found);
                }
            }
        }
        // `xs.iter().find(..).is_some()`: the option is read as it is, where a reference to
        // the loop's copy of the item would not outlive the loop; its value serves as well.
        if ["is_some", "is_none", "is_some_and", "is_none_or"]
            .iter()
            .any(|t| m.method == t)
        {
            if let syn::Expr::MethodCall(inner) = super::unparen(&m.receiver) {
                if let Some(found) = self.search_of(inner, true) {
                    let mut tested = m.clone();
                    // (The closure of `is_some_and` takes the reference it was written for.)
                    *tested.receiver = if m.args.is_empty() {
                        found
                    } else {
                        syn::parse_quote!(#found.as_ref())
                    };
                    return Some(syn::Expr::MethodCall(tested));
                }
            }
        }
        self.search_of(m, false)
    }

    fn search_of(&self, m: &syn::ExprMethodCall, copied: bool) -> Option<syn::Expr> {
        let name = m.method.to_string();
        match (name.as_str(), m.args.len()) {
            // `xs.get(k)`: the element where `k` is in bounds.
            ("get", 1) if self.of_floats(&m.receiver) => {
                if matches!(&m.args[0], syn::Expr::Range(_)) {
                    return None;
                }
                let (xs, k) = (&m.receiver, &m.args[0]);
                let (r, at) = (crate::naming::fresh("got"), crate::naming::fresh("at"));
                let float = self.float;
                let (ty, some): (syn::Type, syn::Expr) = if copied {
                    (
                        syn::parse_quote!(Option<#float>),
                        syn::parse_quote!(Some(#xs[#at])),
                    )
                } else {
                    (
                        syn::parse_quote!(Option<&#float>),
                        syn::parse_quote!(Some(&#xs[#at])),
                    )
                };
                Some(syn::parse_quote!(({
                    let #at: usize = #k;
                    let #r: #ty = if #at < #xs.len() { #some } else { None };
                    #r
                })))
            }
            ("find", 1) => {
                let items = self.items(&m.receiver)?;
                let (recv, p) = (&m.receiver, &m.args[0]);
                Some(self.first_of(&syn::parse_quote!(#recv.filter(#p)), items, copied))
            }
            ("find_map", 1) => {
                self.items(&m.receiver)?;
                let (recv, f) = (&m.receiver, &m.args[0]);
                Some(self.first_of(
                    &syn::parse_quote!(#recv.filter_map(#f)),
                    Items::Values,
                    copied,
                ))
            }
            // `xs.iter().filter(..).next()` (not `it.next()` of an iterator held in a local, nor
            // a chain that drops no item: `x.iter().map(..).next()` is lowered as it is).
            ("next", 0) if filters(&m.receiver) => {
                let items = self.items(&m.receiver)?;
                Some(self.first_of(&m.receiver, items, copied))
            }
            // `xs.iter().position(|&v| v * w > t)`: the index of the first item the test takes
            // (of the last for `rposition`), found by a loop.
            ("position" | "rposition", 1) if !copied && !self.bound => {
                if self.items(&m.receiver).is_none() && !self.pieces(&m.receiver) {
                    return None;
                }
                let syn::Expr::Closure(c) = &m.args[0] else {
                    return None;
                };
                if c.inputs.len() != 1 {
                    return None;
                }
                // (`|&v: &f64| ..`: the pattern without its type, in the loop's.)
                let pat = match &c.inputs[0] {
                    syn::Pat::Type(t) => &*t.pat,
                    p => p,
                };
                let (chain, test) = (&m.receiver, &c.body);
                let (r, i) = (crate::naming::fresh("found"), crate::naming::fresh("at"));
                let label = syn::Lifetime::new(
                    &format!("'{}", crate::naming::fresh("search")),
                    proc_macro2::Span::call_site(),
                );
                let items: syn::Expr = if name == "rposition" {
                    syn::parse_quote!(#chain.enumerate().rev())
                } else {
                    syn::parse_quote!(#chain.enumerate())
                };
                Some(syn::parse_quote!(({
                    let #r: Option<usize> = #label: loop {
                        for (#i, #pat) in #items {
                            if #test {
                                break #label Some(#i);
                            }
                        }
                        break #label None;
                    };
                    #r
                })))
            }
            // `xs.iter().rposition(..).map_or(d, |i| xs[i] * w)`: a `match` on the index found.
            ("map_or", 2) if !copied => {
                let syn::Expr::MethodCall(found) = super::unparen(&m.receiver) else {
                    return None;
                };
                if found.method != "position" && found.method != "rposition" {
                    return None;
                }
                let syn::Expr::Closure(c) = &m.args[1] else {
                    return None;
                };
                if c.inputs.len() != 1 {
                    return None;
                }
                let (p, body, d, o) = (&c.inputs[0], &c.body, &m.args[0], &m.receiver);
                Some(syn::parse_quote!((match #o { Some(#p) => #body, None => #d })))
            }
            _ => None,
        }
    }
}

/// Whether iterator chain `e` has a stage that drops items (`filter`, `filter_map`,
/// `skip_while`).
fn filters(e: &syn::Expr) -> bool {
    match super::unparen(e) {
        syn::Expr::MethodCall(m) => {
            ["filter", "filter_map", "skip_while"]
                .iter()
                .any(|f| m.method == f)
                || filters(&m.receiver)
        }
        _ => false,
    }
}

impl Searches<'_> {
    /// `xs.iter().enumerate().find(p)` of a sequence of floats in scope: `xs` and `p`.
    fn enumerated_find(&self, e: &syn::Expr) -> Option<(syn::Expr, syn::Expr)> {
        let syn::Expr::MethodCall(find) = super::unparen(e) else {
            return None;
        };
        let syn::Expr::MethodCall(en) = super::unparen(&find.receiver) else {
            return None;
        };
        let syn::Expr::MethodCall(iter) = super::unparen(&en.receiver) else {
            return None;
        };
        // (The test takes the pair apart, `|(i, &v)|`, `|&(_, v)|`: the loop's `filter` reads
        // such patterns.)
        let pair = |p: &syn::Pat| match p {
            syn::Pat::Reference(r) => matches!(&*r.pat, syn::Pat::Tuple(_)),
            p => matches!(p, syn::Pat::Tuple(_)),
        };
        let test = matches!(&find.args.first(), Some(syn::Expr::Closure(c))
            if c.inputs.len() == 1 && pair(&c.inputs[0]));
        (find.method == "find"
            && test
            && find.args.len() == 1
            && en.method == "enumerate"
            && en.args.is_empty()
            && iter.method == "iter"
            && iter.args.is_empty()
            && self.of_floats(&iter.receiver))
        .then(|| ((*iter.receiver).clone(), find.args[0].clone()))
    }

    /// The index `xs.iter().enumerate().find(p)` finds, as an `Option<usize>` given by a loop
    /// (the test `p` as written, on the pair it was written for).
    fn index_found(xs: &syn::Expr, p: &syn::Expr) -> syn::Expr {
        let (r, i) = (crate::naming::fresh("found"), crate::naming::fresh("at"));
        let label = syn::Lifetime::new(
            &format!("'{}", crate::naming::fresh("search")),
            proc_macro2::Span::call_site(),
        );
        syn::parse_quote!(({
            let #r: Option<usize> = #label: loop {
                for (#i, _) in #xs.iter().enumerate().filter(#p) {
                    break #label Some(#i);
                }
                break #label None;
            };
            #r
        }))
    }

    /// A found pair's pattern `(i, &v)` (or `(i, v)`, `_` parts) as `let`s of the index `k`
    /// and the element `xs[k]` (`v` a reference for `(i, v)`, as the pair holds it).
    fn pair_lets(pat: &syn::Pat, k: &syn::Ident, xs: &syn::Expr) -> Option<Vec<syn::Stmt>> {
        let pat = match pat {
            syn::Pat::Paren(p) => &*p.pat,
            syn::Pat::Type(t) => &*t.pat,
            p => p,
        };
        let syn::Pat::Tuple(t) = pat else { return None };
        let [i, v] = [t.elems.first()?, t.elems.iter().nth(1)?];
        if t.elems.len() != 2 {
            return None;
        }
        let plain = |p: &syn::Pat| matches!(p, syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none());
        let mut out: Vec<syn::Stmt> = Vec::new();
        match i {
            syn::Pat::Wild(_) => {}
            i if plain(i) => out.push(syn::parse_quote!(let #i: usize = #k;)),
            _ => return None,
        }
        match v {
            syn::Pat::Wild(_) => {}
            syn::Pat::Reference(r) if r.mutability.is_none() && plain(&r.pat) => {
                let v = &r.pat;
                out.push(syn::parse_quote!(let #v = #xs[#k];));
            }
            v if plain(v) => out.push(syn::parse_quote!(let #v = &#xs[#k];)),
            _ => return None,
        }
        Some(out)
    }

    /// A read of `xs.iter().enumerate().find(p)` taken apart where it is read: `match`,
    /// `if let Some((i, v))`, `map_or(d, |(i, v)| ..)`, each on the index found, with the
    /// pair's names bound to the index and the element.
    fn pair_read(&self, e: &syn::Expr) -> Option<syn::Expr> {
        match e {
            syn::Expr::Match(m) => {
                let (xs, p) = self.enumerated_find(&m.expr)?;
                let k = crate::naming::fresh("at");
                let mut arms = Vec::new();
                for a in &m.arms {
                    let mut a = a.clone();
                    if let Some(pair) = super::options::some_of(&a.pat) {
                        if a.guard.is_some() {
                            return None;
                        }
                        let lets = Self::pair_lets(pair, &k, &xs)?;
                        let body = &a.body;
                        a.pat = syn::parse_quote!(Some(#k));
                        *a.body = syn::parse_quote!({ #(#lets)* #body });
                    }
                    arms.push(a);
                }
                let found = Self::index_found(&xs, &p);
                Some(syn::parse_quote!(match #found { #(#arms)* }))
            }
            syn::Expr::If(i) => {
                let syn::Expr::Let(l) = &*i.cond else {
                    return None;
                };
                let (xs, p) = self.enumerated_find(&l.expr)?;
                let k = crate::naming::fresh("at");
                let lets = Self::pair_lets(super::options::some_of(&l.pat)?, &k, &xs)?;
                let found = Self::index_found(&xs, &p);
                let then = &i.then_branch.stmts;
                let els = i.else_branch.as_ref().map(|(_, e)| quote::quote!(else #e));
                Some(syn::parse_quote!(if let Some(#k) = #found { #(#lets)* #(#then)* } #els))
            }
            syn::Expr::MethodCall(m) if m.method == "map_or" && m.args.len() == 2 => {
                let (xs, p) = self.enumerated_find(&m.receiver)?;
                let syn::Expr::Closure(c) = &m.args[1] else {
                    return None;
                };
                if c.inputs.len() != 1 {
                    return None;
                }
                let k = crate::naming::fresh("at");
                let lets = Self::pair_lets(&c.inputs[0], &k, &xs)?;
                let (body, d) = (&c.body, &m.args[0]);
                let found = Self::index_found(&xs, &p);
                Some(
                    syn::parse_quote!((match #found { Some(#k) => { #(#lets)* #body } None => #d })),
                )
            }
            _ => None,
        }
    }

    /// `let (i, v) = xs.iter().enumerate().find(p).unwrap();` (or `.expect(..)`), `let
    /// Some((i, v)) = .. else { .. };`: the index found bound, then the pair's names.
    fn pair_let(&self, l: &syn::Local) -> Option<Vec<syn::Stmt>> {
        let init = l.init.as_ref()?;
        let k = crate::naming::fresh("at");
        match &init.diverge {
            None => {
                let syn::Expr::MethodCall(m) = super::unparen(&init.expr) else {
                    return None;
                };
                let unwrap = (m.method == "unwrap" && m.args.is_empty())
                    || (m.method == "expect" && m.args.len() == 1);
                if !unwrap {
                    return None;
                }
                let (xs, p) = self.enumerated_find(&m.receiver)?;
                let lets = Self::pair_lets(&l.pat, &k, &xs)?;
                let found = Self::index_found(&xs, &p);
                let (method, args) = (&m.method, &m.args);
                let mut out: Vec<syn::Stmt> =
                    vec![syn::parse_quote!(let #k: usize = #found.#method(#args);)];
                out.extend(lets);
                Some(out)
            }
            Some((_, els)) => {
                let (xs, p) = self.enumerated_find(&init.expr)?;
                let lets = Self::pair_lets(super::options::some_of(&l.pat)?, &k, &xs)?;
                let found = Self::index_found(&xs, &p);
                let mut out: Vec<syn::Stmt> =
                    vec![syn::parse_quote!(let Some(#k) = #found else #els;)];
                out.extend(lets);
                Some(out)
            }
        }
    }
}

impl VisitMut for Searches<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let Some(read) = self.pair_read(e) {
            *e = read;
        }
        if let Some(found) = self.search(e) {
            *e = found;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let outer = self.seqs.clone();
        let mut k = 0;
        while k < b.stmts.len() {
            // (A pair found bound by a `let`: its statements, searched as any others.)
            if let Some(lets) = match &b.stmts[k] {
                syn::Stmt::Local(l) => self.pair_let(l),
                _ => None,
            } {
                b.stmts.splice(k..=k, lets);
            }
            let s = &mut b.stmts[k];
            k += 1;
            match s {
                syn::Stmt::Local(l) => {
                    // (The value is computed where the names bound before are in scope.)
                    if let Some(init) = &mut l.init {
                        self.visit_expr_mut(&mut init.expr);
                        if let Some((_, d)) = &mut init.diverge {
                            self.visit_expr_mut(d);
                        }
                    }
                    let vector = float_vector(l, &self.seqs, &self.float_name) || self.split(l);
                    self.shadow(&l.pat);
                    if vector {
                        let mut names = Vec::new();
                        crate::lower::collect_pat_idents(&l.pat, &mut names);
                        self.seqs.extend(names.iter().map(ToString::to_string));
                    }
                }
                s => self.visit_stmt_mut(s),
            }
        }
        self.seqs = outer;
    }
    fn visit_expr_for_loop_mut(&mut self, f: &mut syn::ExprForLoop) {
        let range = matches!(super::unparen(&f.expr), syn::Expr::Range(_));
        let outer = std::mem::replace(&mut self.bound, range);
        self.visit_expr_mut(&mut f.expr);
        self.bound = outer;
        let outer = self.seqs.clone();
        self.shadow(&f.pat);
        self.visit_block_mut(&mut f.body);
        self.seqs = outer;
    }
    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        let outer = self.seqs.clone();
        for p in &c.inputs {
            self.shadow(p);
        }
        self.visit_expr_mut(&mut c.body);
        self.seqs = outer;
    }
    fn visit_arm_mut(&mut self, a: &mut syn::Arm) {
        let outer = self.seqs.clone();
        self.shadow(&a.pat);
        if let Some((_, g)) = &mut a.guard {
            self.visit_expr_mut(g);
        }
        self.visit_expr_mut(&mut a.body);
        self.seqs = outer;
    }
    // `if let P = e { .. }`, `while let P = e { .. }`: `P`'s names in the block.
    fn visit_expr_if_mut(&mut self, i: &mut syn::ExprIf) {
        let outer = self.seqs.clone();
        self.condition(&mut i.cond);
        self.visit_block_mut(&mut i.then_branch);
        self.seqs = outer;
        if let Some((_, e)) = &mut i.else_branch {
            self.visit_expr_mut(e);
        }
    }
    fn visit_expr_while_mut(&mut self, w: &mut syn::ExprWhile) {
        let outer = self.seqs.clone();
        self.condition(&mut w.cond);
        self.visit_block_mut(&mut w.body);
        self.seqs = outer;
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
