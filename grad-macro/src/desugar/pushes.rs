//! `Vec::push` into a local vector, rewritten into a buffer of the length the pushes reach.
//!
//! Lowering knows buffers of a fixed length (`vec![0.0; n]`) written by index. A vector filled
//! by `push` has such a length when the pushes are unconditional: `k` pushes at the top of the
//! body of one `for` loop make `k` times the loop's trip count, which is known before the loop
//! runs; pushes in straight-line code make one each. The buffer is made where the first push
//! would grow the vector, every push writes the next element, and the vector is complete — every
//! later read (`v.len()`, `v.iter()`, `&v`, `v[i]`) is a read of a full buffer.

use quote::quote;
use syn::visit_mut::VisitMut;

/// The marker of a local vector that only receives integers (data, kept as written).
pub const INTEGERS: &str = "grad_integers";
/// The marker of a local collection that may hold floats, which stay constants.
pub const DATA: &str = "grad_data";

/// The attribute `#[NAME]` of marker `name` ([`INTEGERS`], [`DATA`]).
fn marker(name: &str) -> syn::Attribute {
    let id = quote::format_ident!("{name}");
    syn::parse_quote!(#[#id])
}

/// Input: `let mut v = Vec::new();` (or `Vec::with_capacity(n)`, `vec![]`, with or without a
/// `Vec<f64>` type), then in `rest` either `for p in ITER { .. v.push(a); .. v.push(b); .. }`
/// with every push at the top of the body, or pushes as statements of the block.
/// Output: `let mut v = vec![0.0; 2 * TRIPS]; let mut K = 0;` before the loop (or the first push)
/// and `v[K] = a; K += 1;` for each push; `None` (the `let` stays, and lowering reports the push)
/// for any other use of `v` before its last push.
pub fn push_let(l: &syn::Local, rest: &mut Vec<syn::Stmt>) -> Option<Vec<syn::Stmt>> {
    let (pat, ty) = super::pat_and_type(l);
    let syn::Pat::Ident(pi) = pat else {
        return None;
    };
    if pi.mutability.is_none() || pi.by_ref.is_some() || pi.subpat.is_some() {
        return None;
    }
    let init = l.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    // (Marked data below already.)
    let marked = l
        .attrs
        .iter()
        .any(|a| a.path().is_ident(INTEGERS) || a.path().is_ident(DATA));
    if ty.is_none() && !marked {
        if let Some(methods) = empty_collection(&init.expr) {
            // `let mut seen = HashSet::new();` (a set holds no float), `let mut q =
            // VecDeque::new();` that only receives integers: data; a `VecDeque` of anything
            // else is data that may hold floats (constants: lowering refuses differentiated
            // values put into it).
            let (m, name, e) = (pi.mutability, &pi.ident, &init.expr);
            let kind = if methods.is_empty() || integer_pushes(rest, &pi.ident, methods) {
                marker(INTEGERS)
            } else {
                marker(DATA)
            };
            return Some(vec![syn::parse_quote!(#kind let #m #name = #e;)]);
        }
    }
    // `let mut groups = vec![Vec::new(); k];` whose rows only ever receive integers
    // (`groups[i % k].push(i)`): data, rows of integers.
    if ty.is_none()
        && rows_of_empty(&init.expr)
        && integer_pushes_into(rest, &pi.ident, &[("push", 0)], true)
    {
        let (m, name, e, kind) = (pi.mutability, &pi.ident, &init.expr, marker(INTEGERS));
        return Some(vec![syn::parse_quote!(
            #kind let #m #name: ::std::vec::Vec<::std::vec::Vec<_>> = #e;
        )]);
    }
    if !empty_vec(&init.expr) {
        return copy_then_pushes(l, &init.expr, rest);
    }
    // A vector of integers or tuples is data, not a buffer of floats.
    let elem = match ty {
        Some(t) => Some(crate::vector::vector_elem(t)?),
        None => None,
    };
    let name = &pi.ident;
    // `let mut idx = Vec::new();` that only ever receives integers (a range's loop variable, an
    // enumeration's index, an integer literal or cast, a length): data, typed as such.
    if ty.is_none() && integer_pushes(rest, name, &[("push", 0)]) {
        let m = pi.mutability;
        let (e, kind) = (&init.expr, marker(INTEGERS));
        return Some(vec![
            syn::parse_quote!(#kind let #m #name: ::std::vec::Vec<_> = #e;),
        ]);
    }
    // `extend`s become loops of pushes, in a copy: a `None` leaves the block as it was.
    let mut work = rest.clone();
    let mut extended = false;
    for s in &mut work {
        extended |= extend_to_pushes(s, name) || extends_inside(s, name);
        // `for v in x.iter().filter(..).map(..) { v.push(..) }`: the loop over the chain's
        // source it becomes, whose trips this bounds (it is rewritten so later anyway).
        if let syn::Stmt::Expr(syn::Expr::ForLoop(f), semi) = s {
            if pushes_into(&syn::Stmt::Expr(syn::Expr::ForLoop(f.clone()), *semi), name) {
                if let Some(l) =
                    super::filters::filter_loop(f).or_else(|| super::filters::map_loop(f))
                {
                    *s = syn::Stmt::Expr(l, *semi);
                }
            }
        }
    }
    // `while c { .. v.push(e); .. }`: the loop's trips counted first, then a `for` over them.
    work = counted_whiles(&work, name)?;
    // The statements that push (directly, or a loop whose body does).
    let pushing: Vec<usize> = (0..work.len())
        .filter(|&k| pushes_into(&work[k], name))
        .collect();
    let (&first, &last) = (pushing.first()?, pushing.last()?);
    // Before the first push the vector is empty; up to the last, only pushes touch it.
    if work[..first].iter().any(|s| mentions_stmt(s, name))
        || (first..=last).any(|k| mentions_stmt(&work[k], name) && !pushing.contains(&k))
    {
        return None;
    }
    let count = crate::naming::fresh(&format!("len_{name}"));
    let mut new_first: Vec<syn::Stmt> = Vec::new();
    let trips: syn::Expr;
    let all_plain = pushing.iter().all(|&k| push_arg(&work[k], name).is_some());
    let complete = match &work[first] {
        syn::Stmt::Expr(syn::Expr::ForLoop(fl), semi) if first == last && !extended => {
            complete_loop(fl, name, &count)
                .map(|(fl, n)| (syn::Stmt::Expr(syn::Expr::ForLoop(fl), *semi), n))
        }
        _ => None,
    };
    if let Some((stmt, n)) = complete {
        // One loop whose every iteration pushes alike.
        trips = n;
        new_first.push(stmt);
    } else if !all_plain {
        // Pushes that may not run, or several loops and branches that push.
        partial(l, &mut work, first, last, elem.as_ref(), &count)?;
        *rest = work;
        return Some(Vec::new());
    } else {
        // Straight-line pushes, each a statement of this block: all checked before any is
        // rewritten, so that a `None` leaves the block as it was.
        let pushed: Vec<syn::Expr> = pushing
            .iter()
            .map(|&at| push_arg(&work[at], name).filter(|e| !not_a_float(e)))
            .collect::<Option<_>>()?;
        for (&at, push) in pushing.iter().zip(&pushed) {
            work[at] = store(&work[at], name, &count, push);
        }
        let k = pushing.len();
        trips = syn::parse_quote!(#k);
        new_first.push(work[first].clone());
    }
    *rest = work;
    let mut make: Vec<syn::Stmt> = buffer(name, elem.as_ref(), &trips, &count).into();
    make.extend(new_first);
    // The statements before the first push keep their place; the buffer is made just before
    // it, where the loop's bounds have the values the loop sees.
    let tail: Vec<syn::Stmt> = rest.drain(first..).skip(1).collect();
    rest.extend(make);
    rest.extend(tail);
    Some(Vec::new())
}

/// What a vector grown later starts with: a copy (`a.to_vec()`, `a.to_owned()`, `a.clone()` of a
/// `Vec`: its source) or a list (`vec![y0]`, `vec![a, b]`).
enum Start<'e> {
    Copy(&'e syn::Expr),
    List(syn::ExprArray),
}

fn start(init: &syn::Expr) -> Option<Start<'_>> {
    if let Some(list) = crate::lower::vec_list(init) {
        return Some(Start::List(list));
    }
    let syn::Expr::MethodCall(m) = init else {
        return None;
    };
    let copy = (m.method == "to_vec" || m.method == "to_owned" || m.method == "clone")
        && m.args.is_empty();
    copy.then_some(Start::Copy(&m.receiver))
}

/// `stmts` with every `while` loop that pushes into `name` as [`counted_while`] writes it;
/// `None` where one cannot be.
fn counted_whiles(stmts: &[syn::Stmt], name: &syn::Ident) -> Option<Vec<syn::Stmt>> {
    let mut out = Vec::with_capacity(stmts.len() + 1);
    for s in stmts {
        match s {
            syn::Stmt::Expr(syn::Expr::While(w), _) if pushes_anywhere_in(w, name) => {
                out.extend(counted_while(w, name)?);
            }
            s => out.push(s.clone()),
        }
    }
    Some(out)
}

/// Whether the body of `w` pushes into `name`.
fn pushes_anywhere_in(w: &syn::ExprWhile, name: &syn::Ident) -> bool {
    let body = &w.body;
    super::partial_pushes::pushes_anywhere(&quote!(#body), name)
}

/// Input: `while COND { BODY }` whose body pushes into `name` (and reads it nowhere else; no
/// `break`, `continue` or `return`; not `while let`). Output: `let TRIPS: usize = { let mut y =
/// y; let mut s = s.clone(); let mut K = 0usize; while COND { BODY without the pushes; K += 1; }
/// K }; for _ in 0..TRIPS { BODY }`: the loop runs as many times as the counting copy (on copies
/// of what it assigns) did, so its pushes are those of a `for` over a range. `None` where it
/// cannot tell which names to copy (one assigned in the body and declared inside it too).
fn counted_while(w: &syn::ExprWhile, name: &syn::Ident) -> Option<Vec<syn::Stmt>> {
    if matches!(&*w.cond, syn::Expr::Let(_)) || super::exits(&w.body, true) || w.label.is_some() {
        return None;
    }
    // The body without its pushes into `name`; nothing else may read `name`.
    struct NoPushes<'a>(&'a syn::Ident);
    impl VisitMut for NoPushes<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            b.stmts.retain(|s| push_arg(s, self.0).is_none());
            syn::visit_mut::visit_block_mut(self, b);
        }
    }
    let mut counting = w.body.clone();
    NoPushes(name).visit_block_mut(&mut counting);
    let cond = &w.cond;
    if super::mentions(&quote!(#cond #counting), name) {
        return None;
    }
    // What the body assigns outside itself: copied, so that the counting leaves it as it was.
    let assigned: Vec<syn::Ident> = crate::lower::assigned_names(&counting);
    let mut declared = Vec::new();
    struct Declared<'a>(&'a mut Vec<syn::Ident>);
    impl<'a> syn::visit::Visit<'a> for Declared<'_> {
        fn visit_pat(&mut self, p: &'a syn::Pat) {
            crate::lower::collect_pat_idents(p, self.0);
        }
    }
    syn::visit::Visit::visit_block(&mut Declared(&mut declared), &counting);
    if assigned.iter().any(|a| declared.contains(a)) {
        return None;
    }
    // A place written by index or a method (`s[i] = ..`, `seen.insert(k)`) is a collection,
    // cloned; a name assigned whole is a value, copied.
    struct Whole<'a>(&'a mut Vec<syn::Ident>);
    impl<'a> syn::visit::Visit<'a> for Whole<'_> {
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            if let syn::Expr::Path(p) = &*a.left {
                self.0.extend(p.path.get_ident().cloned());
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            if crate::lower::is_compound_assign(&b.op) {
                if let syn::Expr::Path(p) = &*b.left {
                    self.0.extend(p.path.get_ident().cloned());
                }
            }
            syn::visit::visit_expr_binary(self, b);
        }
    }
    let mut whole = Vec::new();
    syn::visit::Visit::visit_block(&mut Whole(&mut whole), &counting);
    let copies = assigned
        .iter()
        .filter(|a| *a != name)
        .map(|a| -> syn::Stmt {
            if whole.contains(a) {
                syn::parse_quote!(let mut #a = #a;)
            } else {
                syn::parse_quote!(let mut #a = #a.clone();)
            }
        });
    let (trips, k) = (
        crate::naming::fresh(&format!("trips_{name}")),
        crate::naming::fresh("k"),
    );
    let body = &w.body;
    Some(vec![
        syn::parse_quote!(let #trips: usize = {
            #(#copies)*
            let mut #k = 0usize;
            while #cond {
                #counting
                #k += 1;
            }
            #k
        };),
        syn::parse_quote!(for _ in 0..#trips #body),
    ])
}

/// Whether `l` is `let mut v = a.to_vec();` (or `a.to_owned()`, or a list `vec![a, b]`) and a
/// statement of `rest` grows `v` (see [`copy_then_pushes`]).
pub fn grown_copy(l: &syn::Local, rest: &[syn::Stmt]) -> bool {
    let Some(init) = &l.init else { return false };
    let (syn::Pat::Ident(pi), _) = super::pat_and_type(l) else {
        return false;
    };
    // (`a.clone()` of what is then grown is a `Vec`: a copy too.)
    let copy = start(&init.expr).is_some();
    copy && pi.mutability.is_some() && {
        let mut probe = rest.to_vec();
        probe.iter_mut().any(|s| {
            extend_to_pushes(s, &pi.ident);
            pushes_into(s, &pi.ident)
        })
    }
}

/// Input: `let mut v = a.to_vec();` (or `a.to_owned()`, or a list `vec![y0]`), then pushes
/// into `v` or extensions of it (`v.extend_from_slice(b);`, concatenation). Output: as for `let
/// mut v = Vec::new(); v.extend_from_slice(&a);` (`v.push(y0);`) and the same statements. `None`
/// when nothing grows `v`.
fn copy_then_pushes(
    l: &syn::Local,
    init: &syn::Expr,
    rest: &mut Vec<syn::Stmt>,
) -> Option<Vec<syn::Stmt>> {
    let (syn::Pat::Ident(pi), _) = super::pat_and_type(l) else {
        return None;
    };
    let name = &pi.ident;
    let start = start(init)?;
    if !grown_copy(l, rest) {
        return None;
    }
    let mut empty = l.clone();
    if let Some(init) = &mut empty.init {
        *init.expr = syn::parse_quote!(::std::vec::Vec::new());
    }
    let mut with_copy: Vec<syn::Stmt> = match start {
        Start::Copy(source) => {
            let mut w = vec![syn::parse_quote!(#name.extend_from_slice(&#source);)];
            w.extend(rest.iter().cloned());
            w
        }
        // A list's items, valued at the `let` and pushed just before the first statement that
        // grows the vector (after a `while`'s count of its trips, which the buffer's size
        // reads).
        Start::List(list) => {
            let temps = crate::naming::fresh_names("first", list.elems.len());
            let mut w: Vec<syn::Stmt> = temps
                .iter()
                .zip(&list.elems)
                .map(|(t, e)| syn::parse_quote!(let #t = #e;))
                .collect();
            let begin = w.len();
            w.extend(counted_whiles(rest, name)?);
            let at = (begin..w.len()).find(|&k| pushes_into(&w[k], name))?;
            for (k, t) in temps.iter().enumerate() {
                w.insert(at + k, syn::parse_quote!(#name.push(#t);));
            }
            w
        }
    };
    let out = push_let(&empty, &mut with_copy)?;
    *rest = with_copy;
    Some(out)
}

/// The loop with its pushes rewritten and how many it makes, when every iteration pushes the
/// same number of times: the pushes are statements at the top of the body, which never leaves
/// early, and nothing else in it reads the vector whole.
fn complete_loop(
    fl: &syn::ExprForLoop,
    name: &syn::Ident,
    count: &syn::Ident,
) -> Option<(syn::ExprForLoop, syn::Expr)> {
    let mut fl = fl.clone();
    if fl.label.is_some() || super::exits(&fl.body, true) {
        return None;
    }
    let per_iteration = rewrite_pushes(&mut fl.body.stmts, name, count)?;
    if per_iteration == 0 || other_uses(&fl.body, name) {
        return None;
    }
    let n = trip_count(&fl.expr)?;
    Some((fl, syn::parse_quote!(#per_iteration * (#n))))
}

/// The pushes of the statements `rest[first..=last]` (loops, `if`s, `match`es, plain pushes),
/// which may not all run: a buffer as long as the most they can make, a counter of those that
/// did, and the reads after them limited to the pushed part (see `partial_pushes`). The bound
/// is evaluated before the first, so a loop's length must not depend on what the statements
/// before it (from the first) bind or change.
fn partial(
    l: &syn::Local,
    rest: &mut Vec<syn::Stmt>,
    first: usize,
    last: usize,
    elem: Option<&syn::Type>,
    count: &syn::Ident,
) -> Option<()> {
    let (syn::Pat::Ident(pi), _) = super::pat_and_type(l) else {
        return None;
    };
    let name = &pi.ident;
    let mut stmts: Vec<syn::Stmt> = rest[first..=last].to_vec();
    let mut bounds: Vec<syn::Expr> = Vec::new();
    for k in 0..stmts.len() {
        if !pushes_into(&stmts[k], name) {
            continue;
        }
        let varying = super::partial_pushes::bound_in_stmts(&stmts[..k]);
        let stmt = &mut stmts[k];
        if let Some(e) = push_arg(stmt, name) {
            if not_a_float(&e) {
                return None;
            }
            *stmt = store(stmt, name, count, &e);
            bounds.push(syn::parse_quote!(1usize));
            continue;
        }
        let syn::Stmt::Expr(e, _) = stmt else {
            return None;
        };
        bounds.push(super::partial_pushes::bound_statement(
            e, name, count, &varying,
        )?);
    }
    // Reads inside the statements see what was pushed so far; after them, the buffer holds
    // exactly what was pushed (`truncate` to the count), read like any other.
    super::partial_pushes::rewrite_reads(&mut stmts, name, count)?;
    let tail: Vec<syn::Stmt> = rest[last + 1..].to_vec();
    rest.truncate(first);
    rest.extend(buffer(name, elem, &syn::parse_quote!(#(#bounds)+*), count));
    rest.extend(stmts);
    rest.push(syn::parse_quote!(#name.truncate(#count);));
    rest.extend(tail);
    Some(())
}

/// `let mut name = vec![0.0; len]; let mut count = 0;`: the buffer the pushes write and the
/// counter of the pushes made.
fn buffer(
    name: &syn::Ident,
    elem: Option<&syn::Type>,
    len: &syn::Expr,
    count: &syn::Ident,
) -> [syn::Stmt; 2] {
    let typed = elem.map(|t| quote!(: ::std::vec::Vec<#t>));
    [
        syn::parse_quote!(let mut #name #typed = vec![0.0; #len];),
        syn::parse_quote!(let mut #count: usize = 0;),
    ]
}

/// `name.extend_from_slice(xs);`, `name.extend(xs.iter().map(|p| e));` (also over `&xs`,
/// `xs.iter()`, `.copied()`, `.cloned()`) in place as `for .. in .. { name.push(..); }`;
/// whether `s` was one.
fn extend_to_pushes(s: &mut syn::Stmt, name: &syn::Ident) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(m), Some(_)) = s else {
        return false;
    };
    let is_name = matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(name));
    if !is_name || m.args.len() != 1 {
        return false;
    }
    let e = crate::naming::fresh("extended");
    let arg = &m.args[0];
    let lp: syn::Expr = match (m.method.to_string().as_str(), arg) {
        // `&x[a..b]`: its part's elements, as the loops over parts read them.
        ("extend_from_slice", syn::Expr::Reference(r))
            if r.mutability.is_none() && matches!(&*r.expr, syn::Expr::Index(_)) =>
        {
            let part = &r.expr;
            syn::parse_quote!(for &#e in #part.iter() { #name.push(#e); })
        }
        ("extend_from_slice", a) => syn::parse_quote!(for &#e in (#a).iter() { #name.push(#e); }),
        ("extend", syn::Expr::MethodCall(mc)) if mc.method == "map" && mc.args.len() == 1 => {
            let syn::Expr::Closure(c) = &mc.args[0] else {
                return false;
            };
            if c.inputs.len() != 1 {
                return false;
            }
            let (p, body, src) = (&c.inputs[0], &c.body, &mc.receiver);
            let p = match p {
                syn::Pat::Type(t) => &*t.pat,
                p => p,
            };
            syn::parse_quote!(for #p in #src { #name.push(#body); })
        }
        ("extend", syn::Expr::MethodCall(mc))
            if (mc.method == "copied" || mc.method == "cloned") && mc.args.is_empty() =>
        {
            let src = &mc.receiver;
            syn::parse_quote!(for &#e in #src { #name.push(#e); })
        }
        ("extend", syn::Expr::MethodCall(mc)) if mc.method == "iter" && mc.args.is_empty() => {
            syn::parse_quote!(for &#e in #arg { #name.push(#e); })
        }
        ("extend", syn::Expr::Reference(r)) if r.mutability.is_none() => {
            let src = &r.expr;
            syn::parse_quote!(for &#e in #src.iter() { #name.push(#e); })
        }
        _ => return false,
    };
    *s = syn::Stmt::Expr(lp, None);
    true
}

/// [`extend_to_pushes`] on the statements of the blocks inside `s` (a loop's body, an `if`'s
/// branches), at any depth; whether one was rewritten.
fn extends_inside(s: &mut syn::Stmt, name: &syn::Ident) -> bool {
    struct Inside<'a> {
        name: &'a syn::Ident,
        found: bool,
    }
    impl syn::visit_mut::VisitMut for Inside<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            for s in &mut b.stmts {
                self.found |= extend_to_pushes(s, self.name);
            }
            syn::visit_mut::visit_block_mut(self, b);
        }
        fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut v = Inside { name, found: false };
    syn::visit_mut::VisitMut::visit_stmt_mut(&mut v, s);
    v.found
}

/// Whether `s` is `name.push(..);`, or a `for` loop, an `if` or a `match` with such a push
/// somewhere inside.
/// Whether `rest` pushes into `name` and every value pushed is an integer or a `bool` by its
/// form: a name bound by `for i in a..b` (also `.rev()`, `.step_by(k)`, `.skip(k)`, `.take(k)`)
/// or as the index of `.enumerate()`, an integer literal, a cast to an integer type, a
/// `.len()`, a comparison.
/// `methods` are the names that put a value in, each with the position of the value among its
/// arguments.
fn integer_pushes(rest: &[syn::Stmt], name: &syn::Ident, methods: &[(&str, usize)]) -> bool {
    integer_pushes_into(rest, name, methods, false)
}

/// [`integer_pushes`] into `name` itself, or with `rows`, into its rows (`groups[k].push(i)`).
fn integer_pushes_into(
    rest: &[syn::Stmt],
    name: &syn::Ident,
    methods: &[(&str, usize)],
    rows: bool,
) -> bool {
    use syn::visit::Visit;
    struct Find<'a> {
        name: &'a syn::Ident,
        rows: bool,
        methods: &'a [(&'a str, usize)],
        ints: Vec<syn::Ident>,
        pushes: usize,
        other: bool,
    }
    impl Find<'_> {
        fn integer(&self, e: &syn::Expr) -> bool {
            integer_form(e, &|i| self.ints.contains(i))
        }
    }
    impl<'a> Visit<'a> for Find<'_> {
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            match &*f.pat {
                syn::Pat::Ident(i) if range_source(&f.expr) => self.ints.push(i.ident.clone()),
                syn::Pat::Tuple(t) if matches!(&*f.expr, syn::Expr::MethodCall(m) if m.method == "enumerate") => {
                    if let Some(syn::Pat::Ident(i)) = t.elems.first() {
                        self.ints.push(i.ident.clone());
                    }
                }
                _ => {}
            }
            syn::visit::visit_expr_for_loop(self, f);
        }
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            let put = self.methods.iter().find(|(n, _)| m.method == n);
            let receiver = match &*m.receiver {
                syn::Expr::Index(ix) if self.rows => &*ix.expr,
                r => r,
            };
            if let (Some(&(_, at)), syn::Expr::Path(p)) = (put, receiver) {
                if p.path.is_ident(self.name) {
                    self.pushes += 1;
                    if m.args.len() != at + 1 || !self.integer(&m.args[at]) {
                        self.other = true;
                    }
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        // A `let` of the same name ends what the pushes are known by (the loop variable
        // shadowed): counted as a push of anything.
        // `let mut i = 0usize;` (a `while` loop's counter): an integer by its value.
        fn visit_local(&mut self, l: &'a syn::Local) {
            let mut names = Vec::new();
            crate::lower::collect_pat_idents(&l.pat, &mut names);
            let counter = match (&l.pat, &l.init) {
                (syn::Pat::Ident(p), Some(init)) if init.diverge.is_none() => {
                    self.integer(&init.expr).then(|| p.ident.clone())
                }
                _ => None,
            };
            match counter {
                Some(c) => self.ints.push(c),
                None if names.iter().any(|n| self.ints.contains(n)) => self.other = true,
                None => {}
            }
            syn::visit::visit_local(self, l);
        }
    }
    let mut f = Find {
        name,
        rows,
        methods,
        ints: Vec::new(),
        pushes: 0,
        other: false,
    };
    for s in rest {
        f.visit_stmt(s);
    }
    f.pushes > 0 && !f.other
}

/// Whether iterating `e` gives integers: a range (also after `rev`, `step_by`, `skip`, `take`).
pub(super) fn range_source(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Range(_) => true,
        syn::Expr::Paren(p) => range_source(&p.expr),
        syn::Expr::MethodCall(m)
            if ["rev", "step_by", "skip", "take"]
                .iter()
                .any(|n| m.method == n) =>
        {
            range_source(&m.receiver)
        }
        _ => false,
    }
}

/// Whether `e` is an integer or a `bool` by its form: a literal without a float suffix, a cast
/// to an integer type, a length, count or position, a name `ints` says holds one, arithmetic
/// of one, a comparison, a negation, a conjunction (a mask).
pub(super) fn integer_form(e: &syn::Expr, ints: &dyn Fn(&syn::Ident) -> bool) -> bool {
    const INTS: [&str; 12] = [
        "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
    ];
    match e {
        syn::Expr::Lit(l) => match &l.lit {
            syn::Lit::Int(i) => !matches!(i.suffix(), "f64" | "f32"),
            syn::Lit::Bool(_) => true,
            _ => false,
        },
        syn::Expr::Cast(c) => {
            matches!(&*c.ty, syn::Type::Path(p) if p.path.get_ident().is_some_and(|i| INTS.iter().any(|n| i == n)))
        }
        syn::Expr::MethodCall(m) => {
            ["len", "count", "position"].iter().any(|n| m.method == n) && m.args.len() <= 1
        }
        syn::Expr::Path(p) => p.path.get_ident().is_some_and(ints),
        syn::Expr::Paren(p) => integer_form(&p.expr, ints),
        syn::Expr::Binary(b) => {
            crate::lower::yields_bool(&b.op)
                || integer_form(&b.left, ints)
                || integer_form(&b.right, ints)
        }
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => true,
        _ => false,
    }
}

fn pushes_into(s: &syn::Stmt, name: &syn::Ident) -> bool {
    match s {
        syn::Stmt::Expr(
            e @ (syn::Expr::ForLoop(_)
            | syn::Expr::While(_)
            | syn::Expr::If(_)
            | syn::Expr::Match(_)),
            _,
        ) => super::partial_pushes::pushes_anywhere(&quote!(#e), name),
        s => push_arg(s, name).is_some(),
    }
}

/// `VecDeque::new()`, `HashMap::new()`, `HashSet::default()`, ... (also `with_capacity(..)`):
/// the methods that put a value in (see `integer_pushes`), none for a collection that cannot
/// hold a float (a set, a heap).
pub(super) fn empty_collection(e: &syn::Expr) -> Option<&'static [(&'static str, usize)]> {
    let syn::Expr::Call(c) = e else {
        return None;
    };
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    let segs: Vec<String> = crate::naming::segments(&p.path);
    let [.., ty, f] = &segs[..] else {
        return None;
    };
    if !matches!(
        (f.as_str(), c.args.len()),
        ("new" | "default", 0) | ("with_capacity", 1)
    ) {
        return None;
    }
    match ty.as_str() {
        "HashSet" | "BTreeSet" | "BinaryHeap" => Some(&[]),
        "VecDeque" => Some(&[("push_back", 0), ("push_front", 0), ("insert", 1)]),
        "HashMap" | "BTreeMap" => Some(&[("insert", 1)]),
        _ => None,
    }
}

/// `Vec::new()`, `Vec::with_capacity(..)`, `std::vec::Vec::new()`, `vec![]`.
pub fn empty_vec(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return false;
            };
            let segs: Vec<String> = crate::naming::segments(&p.path);
            let n = segs.len();
            n >= 2
                && segs[n - 2] == "Vec"
                && ((segs[n - 1] == "new" && c.args.is_empty())
                    || (segs[n - 1] == "with_capacity" && c.args.len() == 1))
        }
        syn::Expr::Macro(m) => m.mac.path.is_ident("vec") && m.mac.tokens.is_empty(),
        _ => false,
    }
}

/// `vec![Vec::new(); k]` (or `vec![vec![]; k]`): empty rows.
fn rows_of_empty(e: &syn::Expr) -> bool {
    let syn::Expr::Macro(m) = e else {
        return false;
    };
    crate::desugar::vec_repeat(&m.mac).is_some_and(|(row, _)| empty_vec(&row))
}

/// `name.push(e);` as a statement: `e`.
pub(super) fn push_arg(s: &syn::Stmt, name: &syn::Ident) -> Option<syn::Expr> {
    let syn::Stmt::Expr(e, Some(_)) = s else {
        return None;
    };
    push_expr(e, name)
}

/// `name.push(e)` as an expression: `e`.
pub(super) fn push_expr(e: &syn::Expr, name: &syn::Ident) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(m) = e else {
        return None;
    };
    let is_name = matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(name));
    (is_name && m.method == "push" && m.args.len() == 1).then(|| m.args[0].clone())
}

/// `{ v[K] = e; K += 1; }` in place of the push `s`, whose span the store keeps (an error about
/// the value points at the push).
pub(super) fn store(
    s: &syn::Stmt,
    name: &syn::Ident,
    count: &syn::Ident,
    e: &syn::Expr,
) -> syn::Stmt {
    let span = syn::spanned::Spanned::span(s);
    let name = crate::naming::respanned(name, span);
    let target: syn::Expr = syn::parse_quote_spanned!(span=> #name[#count]);
    syn::parse_quote!({ #target = #e; #count += 1; })
}

/// Whether a pushed value is plainly not a float (an integer literal, a comparison, a tuple, a
/// reference, a `Vec`, a count): such a vector is not a buffer of floats. Values whose type only
/// the compiler knows are taken as floats; lowering reports an integer stored into the buffer.
pub(super) fn not_a_float(e: &syn::Expr) -> bool {
    use syn::{Expr, Lit};
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Float(_) => false,
            Lit::Int(i) => !matches!(i.suffix(), "f32" | "f64"),
            _ => true,
        },
        Expr::Tuple(_)
        | Expr::Array(_)
        | Expr::Reference(_)
        | Expr::Macro(_)
        | Expr::Struct(_)
        | Expr::Range(_)
        | Expr::Closure(_)
        | Expr::Repeat(_) => true,
        Expr::Paren(p) => not_a_float(&p.expr),
        Expr::Cast(c) => crate::sig::float_of(&c.ty).is_none(),
        Expr::Binary(b) => crate::lower::yields_bool(&b.op),
        Expr::MethodCall(m) => {
            const NOT_FLOATS: [&str; 10] = [
                "len",
                "count",
                "position",
                "clone",
                "to_vec",
                "to_string",
                "to_owned",
                "iter",
                "collect",
                "is_empty",
            ];
            NOT_FLOATS.iter().any(|n| m.method == n)
        }
        _ => false,
    }
}

/// Rewrites the pushes among `stmts` (each `name.push(e);` at this level) into writes at
/// `count`, and returns how many there are; `None` if a push is a tuple or an array.
fn rewrite_pushes(stmts: &mut [syn::Stmt], name: &syn::Ident, count: &syn::Ident) -> Option<usize> {
    let mut n = 0;
    for s in stmts.iter_mut() {
        if let Some(e) = push_arg(s, name) {
            if not_a_float(&e) {
                return None;
            }
            *s = store(s, name, count, &e);
            n += 1;
        }
    }
    Some(n)
}

/// Whether a statement names `name` anywhere (macros included).
fn mentions_stmt(s: &syn::Stmt, name: &syn::Ident) -> bool {
    super::mentions(&quote!(#s), name)
}

/// Whether the rewritten loop body still uses `name` other than by writes `name[count] = ..` and
/// reads by index `name[i]` (`len()` or an iteration would see the elements not pushed yet).
fn other_uses(b: &syn::Block, name: &syn::Ident) -> bool {
    struct Uses<'a> {
        name: &'a syn::Ident,
        other: bool,
    }
    impl<'a> syn::visit::Visit<'a> for Uses<'_> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            match e {
                syn::Expr::Index(i) if matches!(&*i.expr, syn::Expr::Path(p) if p.path.is_ident(self.name)) =>
                {
                    self.visit_expr(&i.index);
                }
                syn::Expr::Path(p) if p.path.is_ident(self.name) => self.other = true,
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            self.other |= super::mentions(&m.tokens, self.name);
        }
    }
    let mut u = Uses { name, other: false };
    syn::visit::Visit::visit_block(&mut u, b);
    u.other
}

/// How many times `for _ in e` iterates, as an expression evaluated just before the loop: from
/// the bounds of a range, or from the length of the slice for iterations over slices (`xs`, `&xs`, `xs.iter()`, with `enumerate`, `copied`,
/// `cloned`, `rev`, `zip`, `skip`, `take`, `step_by`, `windows`, `chunks`, `chunks_exact`).
pub(super) fn trip_count(e: &syn::Expr) -> Option<syn::Expr> {
    match e {
        syn::Expr::Paren(p) => trip_count(&p.expr),
        syn::Expr::Range(r) => {
            // `b - a` in the range's own integer type, never below zero, as a `usize`.
            let (a, b) = (r.start.as_ref()?, r.end.as_ref()?);
            let n: syn::Expr = syn::parse_quote!(
                ::core::convert::TryFrom::try_from((#b).max(#a) - (#a)).unwrap_or(0usize)
            );
            Some(match r.limits {
                syn::RangeLimits::HalfOpen(_) => n,
                syn::RangeLimits::Closed(_) => syn::parse_quote!(#n + usize::from((#b) >= (#a))),
            })
        }
        syn::Expr::Reference(r) => trip_count(&r.expr),
        syn::Expr::Path(_) | syn::Expr::Field(_) => Some(syn::parse_quote!(#e.len())),
        // A sub-slice `xs[a..b]` (`a` and `b` optional): its length, as the range's.
        syn::Expr::Index(i) => {
            let syn::Expr::Range(r) = &*i.index else {
                return None;
            };
            let base = &i.expr;
            let start: syn::Expr = match &r.start {
                Some(a) => (**a).clone(),
                None => syn::parse_quote!(0usize),
            };
            let end: syn::Expr = match &r.end {
                Some(b) => (**b).clone(),
                None => syn::parse_quote!(#base.len()),
            };
            let full: syn::Expr = syn::parse_quote!(#start..#end);
            let syn::Expr::Range(mut full) = full else {
                return None;
            };
            full.limits = r.limits;
            trip_count(&syn::Expr::Range(full))
        }
        syn::Expr::MethodCall(m) => {
            let inner = || trip_count(&m.receiver);
            let arg = m.args.first();
            match (m.method.to_string().as_str(), m.args.len()) {
                ("iter" | "into_iter" | "enumerate" | "copied" | "cloned" | "rev", 0) => inner(),
                ("zip", 1) => {
                    let (a, b) = (inner()?, trip_count(arg?)?);
                    Some(syn::parse_quote!(::core::cmp::min(#a, #b)))
                }
                ("skip", 1) => {
                    let a = inner()?;
                    Some(syn::parse_quote!((#a).saturating_sub(#arg)))
                }
                ("take", 1) => {
                    let a = inner()?;
                    Some(syn::parse_quote!(::core::cmp::min(#a, #arg)))
                }
                ("step_by" | "chunks", 1) => {
                    let a = inner()?;
                    Some(syn::parse_quote!((#a).div_ceil(#arg)))
                }
                ("chunks_exact", 1) => {
                    let a = inner()?;
                    Some(syn::parse_quote!((#a) / (#arg)))
                }
                ("windows", 1) => {
                    let a = inner()?;
                    Some(syn::parse_quote!(((#a) + 1).saturating_sub(#arg)))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Input: a block declaring `let mut v = ..;` and later clearing it before pushes (a helper
/// that clears the buffer it is lent, inlined): as one of the block's own statements, or as the
/// first use of `v` in the body of the one loop that uses `v` (a scratch vector refilled every
/// trip, at any depth of loops that use it only there).
/// Output: `let mut v = Vec::new();` under a name of its own in place of the `clear`, which the
/// pushes then grow as any (see [`push_let`]). The same thing: every later statement reads the
/// new `v`, nothing after the loop reads the old one, and no borrow of the old one outlives the
/// `clear` (rustc saw to that).
pub fn cleared_lets(b: &mut syn::Block) {
    lent_cleared(b);
    let mut k = 0;
    while k < b.stmts.len() {
        let id = clears(&b.stmts[k]);
        let declared = id.as_ref().and_then(|id| {
            b.stmts[..k].iter().rev().find_map(|s| match s {
                syn::Stmt::Local(l) => match super::pat_and_type(l) {
                    (syn::Pat::Ident(pi), ty) if pi.ident == *id => {
                        Some((pi.mutability.is_some() && pi.by_ref.is_none(), ty.cloned()))
                    }
                    _ => None,
                },
                _ => None,
            })
        });
        if let (Some(id), Some((true, ty))) = (id, declared) {
            renew(&mut b.stmts, k, &id, ty.as_ref());
        }
        k += 1;
    }
    // Scratch vectors of loops.
    for d in 0..b.stmts.len() {
        let syn::Stmt::Local(l) = &b.stmts[d] else {
            continue;
        };
        let (syn::Pat::Ident(pi), ty) = super::pat_and_type(l) else {
            continue;
        };
        if pi.mutability.is_none() || pi.by_ref.is_some() {
            continue;
        }
        let (id, ty) = (pi.ident.clone(), ty.cloned());
        let users: Vec<usize> = (d + 1..b.stmts.len())
            .filter(|&k| mentions_stmt(&b.stmts[k], &id))
            .collect();
        // (Code after the loop reads what the last trip left: a trip hands its new vector
        // back.)
        for (n, &k) in users.iter().enumerate() {
            let later = n + 1 < users.len();
            let e = match &mut b.stmts[k] {
                syn::Stmt::Expr(e, _) => e,
                syn::Stmt::Local(l) => match l.init.as_mut() {
                    Some(init) if init.diverge.is_none() => &mut init.expr,
                    _ => continue,
                },
                _ => continue,
            };
            cleared_per_trip(e, &id, ty.as_ref(), later);
        }
    }
}

/// `let buf = &mut v;` then `buf.clear();` (a helper's parameter, inlined): `v` itself.
fn lent_cleared(b: &mut syn::Block) {
    let mut k = 0;
    while k < b.stmts.len() {
        let lent = match &b.stmts[k] {
            syn::Stmt::Local(l) => super::plain_let(l).and_then(|(id, _, init)| match init {
                syn::Expr::Reference(r)
                    if r.mutability.is_some() && matches!(&*r.expr, syn::Expr::Path(_)) =>
                {
                    Some(id.ident.clone())
                }
                _ => None,
            }),
            _ => None,
        };
        let cleared = lent.is_some_and(|n| {
            b.stmts[k + 1..]
                .iter()
                .any(|s| clears(s).is_some_and(|c| c == n))
        });
        if cleared {
            let syn::Stmt::Local(l) = b.stmts[k].clone() else {
                unreachable!("a `let` was just read")
            };
            if let Some(pre) = super::refs::mut_ref_let(&l, &mut b.stmts[k + 1..]) {
                let n = pre.len();
                b.stmts.splice(k..=k, pre);
                k += n;
                continue;
            }
        }
        k += 1;
    }
}

/// `e`, a loop or an `if` whose body (each of its branches) is the only code that uses `id`
/// (declared before it) but for code before it and, where `handed_back`, code after it: in a
/// body whose statements clear `id`, the `clear` made a new vector (then, where `handed_back`,
/// assigned to `id` at the end of the body and before every jump out of it after the `clear`),
/// or else the one loop or `if` of the body that uses `id` done so in turn. Whether any was.
fn cleared_per_trip(
    e: &mut syn::Expr,
    id: &syn::Ident,
    ty: Option<&syn::Type>,
    handed_back: bool,
) -> bool {
    let reads = |e: &syn::Expr| mentions_stmt(&syn::Stmt::Expr(e.clone(), None), id);
    match e {
        syn::Expr::ForLoop(f) if !reads(&f.expr) => {
            refilled(&mut f.body, id, ty, handed_back, true)
        }
        syn::Expr::While(w) if !reads(&w.cond) => refilled(&mut w.body, id, ty, handed_back, true),
        syn::Expr::Loop(l) => refilled(&mut l.body, id, ty, handed_back, true),
        syn::Expr::If(i) => {
            let then = refilled(&mut i.then_branch, id, ty, handed_back, false);
            let other = match i.else_branch.as_mut() {
                Some((_, e)) => match &mut **e {
                    syn::Expr::Block(b) => refilled(&mut b.block, id, ty, handed_back, false),
                    e => cleared_per_trip(e, id, ty, handed_back),
                },
                None => false,
            };
            then || other
        }
        _ => false,
    }
}

/// A loop's body or an `if`'s branch, `body`, as [`cleared_per_trip`] takes it. Whether `id` was
/// made a new vector in it.
fn refilled(
    body: &mut syn::Block,
    id: &syn::Ident,
    ty: Option<&syn::Type>,
    handed_back: bool,
    unit: bool,
) -> bool {
    if !super::mentions(&quote!(#body), &syn::Ident::new("clear", id.span())) {
        return false;
    }
    // (A helper inlined there: its block is taken apart first, as it will be.)
    super::lift::lift_blocks(body);
    lent_cleared(body);
    let users: Vec<usize> = (0..body.stmts.len())
        .filter(|&k| mentions_stmt(&body.stmts[k], id))
        .collect();
    // (Statements before the `clear` read what the last trip left, or what `id` held before
    // the loop: a trip then hands its new vector back too.)
    let first = users
        .iter()
        .position(|&k| clears(&body.stmts[k]).is_some_and(|c| c == *id));
    let handed_back = handed_back || first.is_some_and(|n| n > 0);
    match (first.map(|n| users[n]), &users[..]) {
        (Some(first), _) => {
            if !renew(&mut body.stmts, first, id, ty) {
                return false;
            }
            if handed_back {
                let syn::Stmt::Local(l) = &body.stmts[first] else {
                    unreachable!("`renew` declares the new vector")
                };
                let (syn::Pat::Ident(new), _) = super::pat_and_type(l) else {
                    unreachable!("`renew` binds a name")
                };
                let new = new.ident.clone();
                // A `break` or `continue` after it that leaves the body hands it back first (a
                // jump before the `clear` leaves the old vector where it was).
                let mut back = HandBack {
                    id,
                    new: &new,
                    inner: Vec::new(),
                    loops: 0,
                };
                back.stmts(&mut body.stmts, first + 1);
                // (A branch's value is taken before the vector is handed back; a loop's body,
                // or an assignment, is `()`: a statement. A body that ends in a jump has
                // handed it back there.)
                let value = match body.stmts.last_mut() {
                    Some(syn::Stmt::Expr(e, semi @ None)) => {
                        if unit || unit_valued(e) {
                            *semi = Some(Default::default());
                            None
                        } else {
                            Some(e.clone())
                        }
                    }
                    _ => None,
                };
                let back: syn::Stmt = syn::parse_quote!(#id = #new;);
                let jumps_last = matches!(
                    body.stmts.last(),
                    Some(syn::Stmt::Expr(
                        syn::Expr::Break(_) | syn::Expr::Continue(_) | syn::Expr::Return(_),
                        _
                    ))
                );
                match value {
                    Some(e) => {
                        let v = crate::naming::fresh("value");
                        body.stmts.pop();
                        body.stmts.push(syn::parse_quote!(let #v = #e;));
                        body.stmts.push(back);
                        body.stmts
                            .push(syn::Stmt::Expr(syn::parse_quote!(#v), None));
                    }
                    None if jumps_last => {}
                    None => body.stmts.push(back),
                }
            }
            true
        }
        (None, [only]) => match &mut body.stmts[*only] {
            syn::Stmt::Expr(inner, _) => cleared_per_trip(inner, id, ty, handed_back),
            syn::Stmt::Local(l) => match l.init.as_mut() {
                Some(init) if init.diverge.is_none() => {
                    cleared_per_trip(&mut init.expr, id, ty, handed_back)
                }
                _ => false,
            },
            _ => false,
        },
        _ => false,
    }
}

/// Whether `e`, a block's last expression, is `()` by its form: an assignment, a loop.
fn unit_valued(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Assign(_) | syn::Expr::ForLoop(_) | syn::Expr::While(_) => true,
        syn::Expr::Binary(b) => crate::lower::is_compound_assign(&b.op),
        _ => false,
    }
}

/// The jumps out of a body that refilled `id` as `new` (see [`refilled`]): each
/// `{ id = new; jump }`.
struct HandBack<'a> {
    id: &'a syn::Ident,
    new: &'a syn::Ident,
    /// The labels of the loops inside the body around the expression visited.
    inner: Vec<syn::Lifetime>,
    /// How many unlabeled loops inside the body are around it.
    loops: usize,
}

impl HandBack<'_> {
    fn leaves(&self, label: Option<&syn::Lifetime>) -> bool {
        match label {
            Some(l) => !self.inner.contains(l),
            None => self.loops == 0,
        }
    }

    /// `stmts` from `from` on: a jump that is a statement gets the assignment as a statement
    /// before it (a jump inside a block of its own is not one lowering takes).
    fn stmts(&mut self, stmts: &mut Vec<syn::Stmt>, from: usize) {
        let mut k = from;
        while k < stmts.len() {
            let leaving = match &stmts[k] {
                syn::Stmt::Expr(syn::Expr::Break(br), _) => self.leaves(br.label.as_ref()),
                syn::Stmt::Expr(syn::Expr::Continue(c), _) => self.leaves(c.label.as_ref()),
                _ => false,
            };
            if leaving {
                let (id, new) = (self.id, self.new);
                stmts.insert(k, syn::parse_quote!(#id = #new;));
                k += 2;
                continue;
            }
            self.visit_stmt_mut(&mut stmts[k]);
            k += 1;
        }
    }

    fn in_loop(&mut self, label: Option<&syn::Label>, f: impl FnOnce(&mut Self)) {
        self.loops += 1;
        self.inner.extend(label.map(|l| l.name.clone()));
        f(self);
        self.inner
            .truncate(self.inner.len() - usize::from(label.is_some()));
        self.loops -= 1;
    }
}

impl VisitMut for HandBack<'_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        self.stmts(&mut b.stmts, 0);
    }
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::ForLoop(l) => {
                self.visit_expr_mut(&mut l.expr);
                let label = l.label.clone();
                self.in_loop(label.as_ref(), |h| h.visit_block_mut(&mut l.body));
            }
            syn::Expr::While(l) => {
                let label = l.label.clone();
                self.in_loop(label.as_ref(), |h| {
                    h.visit_expr_mut(&mut l.cond);
                    h.visit_block_mut(&mut l.body);
                });
            }
            syn::Expr::Loop(l) => {
                let label = l.label.clone();
                self.in_loop(label.as_ref(), |h| h.visit_block_mut(&mut l.body));
            }
            syn::Expr::Break(b) if self.leaves(b.label.as_ref()) => {
                if let Some(v) = &mut b.expr {
                    self.visit_expr_mut(v);
                }
                let (id, new) = (self.id, self.new);
                *e = syn::parse_quote!({ #id = #new; #e });
            }
            syn::Expr::Continue(c) if self.leaves(c.label.as_ref()) => {
                let (id, new) = (self.id, self.new);
                *e = syn::parse_quote!({ #id = #new; #e });
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `stmts[k]`, `id.clear();`, as `let mut id = Vec::new();` when pushes follow, with `id` under
/// a name of its own from there on (the pushes into the new vector are not taken for more
/// pushes into the old one, cleared again by a second call). Whether it was.
fn renew(stmts: &mut [syn::Stmt], k: usize, id: &syn::Ident, ty: Option<&syn::Type>) -> bool {
    if !stmts[k + 1..].iter().any(|s| pushes_into(s, id)) {
        return false;
    }
    let vec =
        ty.filter(|t| crate::vector::vector_elem(t).is_some() && !matches!(t, syn::Type::Array(_)));
    stmts[k] = match vec {
        Some(t) => syn::parse_quote!(let mut #id: #t = ::std::vec::Vec::new();),
        None => syn::parse_quote!(let mut #id = ::std::vec::Vec::new();),
    };
    super::sub_slices::unshadow(&mut stmts[k..], id);
    true
}

/// `v` of the statement `v.clear();`.
fn clears(s: &syn::Stmt) -> Option<syn::Ident> {
    match s {
        syn::Stmt::Expr(syn::Expr::MethodCall(m), Some(_))
            if m.method == "clear" && m.args.is_empty() =>
        {
            match &*m.receiver {
                syn::Expr::Path(p) => p.path.get_ident().cloned(),
                _ => None,
            }
        }
        _ => None,
    }
}
