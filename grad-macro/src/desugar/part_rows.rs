//! Matrices whose rows are copies of parts of slices: `(0..h).map(|i| w[i * d..(i + 1) *
//! d].to_vec()).collect()` (a flat parameter vector cut into the rows of a weight matrix), and
//! `vec![x[..3].to_vec(), x[3..].to_vec()]` or `vec![a, b]` of vectors, written out.
//!
//! Each becomes a local matrix `vec![vec![0.0; C]; R]` filled element by element, which the
//! rewrite of local matrices (`tuples::matrix_let`) then follows. That rewrite holds rows of one
//! length `C` (the first row's): a later row of another length stops the function with a
//! message naming the matrix, where a matrix of rows of one length was taken for it (never a
//! wrong value).

use std::collections::HashSet;

use quote::quote;

/// Where a row's floats come from: `x[start..end]`, or a whole `x` (`start` 0).
struct Row {
    data: syn::Expr,
    start: proc_macro2::TokenStream,
    end: proc_macro2::TokenStream,
}

/// Input: `let m: Vec<Vec<T>> = SRC.map(|p| x[a..b].to_vec()).collect();` (`SRC` a range,
/// `.to_owned()` too; typed by the `let` or the turbofish, or untyped where `x` holds floats),
/// or `let m = vec![ROW, ..];` (`[ROW, ..]`) of rows `x[a..b].to_vec()`, `x.to_vec()` (typed `Vec<Vec<T>>`,
/// also `x.clone()` or a name `x` of a vector of floats).
/// Output: `let C: usize = ..; let mut m = vec![vec![0.0; C]; R];` and a loop that checks each
/// row's length against `C` and copies its elements in.
pub fn part_rows_let(l: &syn::Local, floats: &HashSet<String>) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    let typed = ty.is_some_and(float_matrix);
    let name = &id.ident;
    let (c, n, k, j) = (
        crate::naming::fresh(&format!("cols_{name}")),
        crate::naming::fresh(&format!("rows_{name}")),
        crate::naming::fresh("k"),
        crate::naming::fresh("j"),
    );
    let what = format!(
        "grad: the rows of `{name}` differ in length; `#[gradient]` follows a matrix of rows of one length"
    );
    let holds_floats = |row: &Row| {
        let d = &row.data;
        typed || super::tuples::reads_floats(&syn::parse_quote!(#d), floats)
    };
    let (s, e) = (crate::naming::fresh("start"), crate::naming::fresh("end"));
    let fill = |r: &Row, at: proc_macro2::TokenStream| -> syn::Stmt {
        let (x, start, end) = (&r.data, &r.start, &r.end);
        syn::parse_quote!({
            let (#s, #e): (usize, usize) = (#start, #end);
            assert!(#e - #s == #c, #what);
            for #j in 0..#c {
                #name[#at][#j] = #x[#s + #j];
            }
        })
    };
    match super::unparen(init) {
        // Rows written out (in a `vec![..]` or an array).
        list @ (syn::Expr::Macro(_) | syn::Expr::Array(_)) => {
            let rows = super::listed_elements(list)?;
            // (Untyped, a row that is a vector by its form says the others are vectors too,
            // as the elements of a list share one type: alone, a name, `clone()` or
            // `to_owned()` may be of a float, `vec![a, b]` a list of floats.)
            if !typed && !rows.iter().any(vector_by_form) {
                return None;
            }
            let rows: Vec<Row> = rows.iter().map(row_of).collect::<Option<_>>()?;
            // (Not a list of one part, or of names only: a copy of one vector, or a matrix
            // of named rows, the other rewrites' business.)
            if rows.len() < 2 || !rows.iter().all(holds_floats) {
                return None;
            }
            let (s0, e0, count) = (&rows[0].start, &rows[0].end, rows.len());
            let mut out: Vec<syn::Stmt> = vec![
                syn::parse_quote!(let #c: usize = (#e0) - (#s0);),
                syn::parse_quote!(let mut #name = vec![vec![0.0; #c]; #count];),
            ];
            for (at, r) in rows.iter().enumerate() {
                out.push(fill(r, quote!(#at)));
            }
            Some(out)
        }
        // Rows collected.
        syn::Expr::MethodCall(collect)
            if collect.method == "collect" && collect.args.is_empty() =>
        {
            let turbofish = collect.turbofish.as_ref().is_some_and(|t| {
                t.args
                    .iter()
                    .any(|g| matches!(g, syn::GenericArgument::Type(t) if float_matrix(t)))
            });
            let syn::Expr::MethodCall(map) = super::unparen(&collect.receiver) else {
                return None;
            };
            let [syn::Expr::Closure(cl)] = &map.args.iter().collect::<Vec<_>>()[..] else {
                return None;
            };
            if map.method != "map" || cl.inputs.len() != 1 {
                return None;
            }
            let syn::Expr::Range(range) = super::unparen(&map.receiver) else {
                return None;
            };
            let (Some(lo), Some(_)) = (&range.start, &range.end) else {
                return None;
            };
            let body = super::tail_expr(&cl.body);
            if !(typed || turbofish || vector_by_form(&body)) {
                return None;
            }
            let row = row_of(&body)?;
            if !(typed || turbofish || holds_floats(&row)) {
                return None;
            }
            let p = &cl.inputs[0];
            let count = &map.receiver;
            let (s, e) = (&row.start, &row.end);
            let fill = fill(&row, quote!(#k));
            Some(vec![
                syn::parse_quote!(let #n: usize = (#count).len();),
                // (The first row's length, read where the closure's parameter is the first.)
                syn::parse_quote!(let #c: usize = if #n > 0 { let #p = #lo; (#e) - (#s) } else { 0 };),
                syn::parse_quote!(let mut #name = vec![vec![0.0; #c]; #n];),
                syn::parse_quote!(for (#k, #p) in (#count).enumerate() { #fill }),
            ])
        }
        _ => None,
    }
}

/// `x.to_vec()`, `x[a..b].to_vec()` or `x[a..b].to_owned()`: a vector whatever `x` is.
fn vector_by_form(e: &syn::Expr) -> bool {
    matches!(super::unparen(e), syn::Expr::MethodCall(m) if m.args.is_empty()
        && (m.method == "to_vec"
            || (m.method == "to_owned" && matches!(&*m.receiver, syn::Expr::Index(_)))))
}

/// `Vec<Vec<T>>` of a float `T`.
fn float_matrix(t: &syn::Type) -> bool {
    crate::vector::seq_elem(t)
        .and_then(|r| crate::vector::seq_elem(&r))
        .is_some_and(|e| crate::sig::float_of(&e).is_some())
}

/// `x[a..b].to_vec()` (`.to_owned()`), `x.to_vec()`, `x.clone()` or `x` of a name `x`: where
/// the row's floats are.
fn row_of(e: &syn::Expr) -> Option<Row> {
    let (seq, copied) = match super::unparen(e) {
        syn::Expr::MethodCall(m)
            if m.args.is_empty()
                && (m.method == "to_vec" || m.method == "to_owned" || m.method == "clone") =>
        {
            (&*m.receiver, true)
        }
        e @ syn::Expr::Path(_) => (e, false),
        _ => return None,
    };
    match super::unparen(seq) {
        x @ syn::Expr::Path(p) if p.path.get_ident().is_some() => Some(Row {
            data: x.clone(),
            start: quote!(0),
            end: quote!(#x.len()),
        }),
        syn::Expr::Index(ix) if copied => {
            let (x @ syn::Expr::Path(p), syn::Expr::Range(r)) = (&*ix.expr, &*ix.index) else {
                return None;
            };
            p.path.get_ident()?;
            let (start, end) = super::iterators::range_bounds(x, r);
            Some(Row {
                data: x.clone(),
                start,
                end,
            })
        }
        _ => None,
    }
}

/// Input: `let m = vec![a, b];` (`[a, b]`), or `let mut m = Vec::new();` then `m.push(a);
/// m.push(b);`, untyped, of names each bound once in the body by a `let` that makes a vector of
/// floats (`let a = x[..3].to_vec();`, `let b: Vec<f64> = ..;`, `collect::<Vec<f64>>()`).
/// Output: the same `let` typed `Vec<Vec<T>>` (`T` the function's float), which
/// [`part_rows_let`] and [`listed_pushes_let`] then follow as rows. Rows collected in a list
/// typed so are named first (see [`collected_rows`]).
pub fn named_rows(body: &mut syn::Block, float: &syn::Type) {
    let vectors = vector_names(body);
    let named = |e: &syn::Expr| matches!(super::unparen(e), syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| vectors.contains(&i.to_string())));
    let ty: syn::Type = syn::parse_quote!(::std::vec::Vec<::std::vec::Vec<#float>>);
    let row_ty: syn::Type = syn::parse_quote!(::std::vec::Vec<#float>);
    super::each_block_inner_first(body, |b| {
        let mut k = 0;
        while k < b.stmts.len() {
            if let Some(lets) = collected_rows(&mut b.stmts[k], &row_ty) {
                let n = lets.len();
                b.stmts.splice(k..k, lets);
                k += n;
            }
            k += 1;
        }
        for k in 0..b.stmts.len() {
            let (before, rest) = b.stmts.split_at_mut(k + 1);
            let syn::Stmt::Local(l) = &mut before[k] else {
                continue;
            };
            let syn::Pat::Ident(pi) = &l.pat else {
                continue;
            };
            let Some(init) = l.init.as_ref().filter(|i| i.diverge.is_none()) else {
                continue;
            };
            let rows: Vec<syn::Expr> = if super::pushes::empty_vec(&init.expr) {
                rest.iter()
                    .map_while(|s| match s {
                        syn::Stmt::Expr(e, Some(_)) => super::pushes::push_expr(e, &pi.ident),
                        _ => None,
                    })
                    .collect()
            } else {
                super::listed_elements(&init.expr).unwrap_or_default()
            };
            if rows.len() >= 2 && rows.iter().all(&named) {
                super::type_let(l, ty.clone());
            }
        }
    });
}

/// Input: `let m: Vec<Vec<T>> = vec![ITER.collect(), ITER2.collect()];` (`[..]`, rows collected
/// from chains, or names). Output: `let R1: Vec<T> = ITER.collect(); let R2: Vec<T> =
/// ITER2.collect();` (returned, to go before it) and `let m: Vec<Vec<T>> = vec![R1, R2];`.
fn collected_rows(s: &mut syn::Stmt, row_ty: &syn::Type) -> Option<Vec<syn::Stmt>> {
    let syn::Stmt::Local(l) = s else {
        return None;
    };
    let (_, ty, init) = super::plain_let(l)?;
    if !ty.is_some_and(float_matrix) {
        return None;
    }
    let rows = super::listed_elements(init)?;
    let collected = |e: &syn::Expr| matches!(super::unparen(e), syn::Expr::MethodCall(m) if m.method == "collect" && m.args.is_empty());
    let named = |e: &syn::Expr| matches!(super::unparen(e), syn::Expr::Path(_));
    if rows.len() < 2
        || !rows.iter().any(collected)
        || !rows.iter().all(|r| collected(r) || named(r))
    {
        return None;
    }
    let mut lets = Vec::new();
    let names: Vec<syn::Expr> = rows
        .into_iter()
        .map(|r| {
            if collected(&r) {
                let t = crate::naming::fresh("collected_row");
                lets.push(syn::parse_quote!(let #t: #row_ty = #r;));
                syn::parse_quote!(#t)
            } else {
                r
            }
        })
        .collect();
    let init = &mut l.init.as_mut()?.expr;
    let list: syn::Expr = match super::unparen(init) {
        syn::Expr::Array(_) => syn::parse_quote!([#(#names),*]),
        _ => syn::parse_quote!(vec![#(#names),*]),
    };
    **init = list;
    Some(lets)
}

/// The names bound once in `body`, by a `let` that makes a vector of floats: typed `Vec<F>`, a
/// copy by its form (`x.to_vec()`, `x[a..b].to_owned()`), or collected into `Vec<F>` by a
/// turbofish.
fn vector_names(body: &syn::Block) -> HashSet<String> {
    // How many times each name is bound (outside items), counted once for the body.
    struct Bound(std::collections::HashMap<String, usize>);
    impl<'a> syn::visit::Visit<'a> for Bound {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            *self.0.entry(p.ident.to_string()).or_default() += 1;
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut bound = Bound(std::collections::HashMap::new());
    syn::visit::Visit::visit_block(&mut bound, body);
    struct Lets<'a>(
        &'a std::collections::HashMap<String, usize>,
        HashSet<String>,
    );
    impl<'a> syn::visit::Visit<'a> for Lets<'_> {
        fn visit_local(&mut self, l: &'a syn::Local) {
            syn::visit::visit_local(self, l);
            let Some((id, ty, init)) = super::plain_let(l) else {
                return;
            };
            let of_floats = |t: &syn::Type| {
                crate::vector::seq_elem(t).is_some_and(|e| crate::sig::float_of(&e).is_some())
            };
            let collected = matches!(super::unparen(init), syn::Expr::MethodCall(m)
                if m.method == "collect" && m.turbofish.as_ref().is_some_and(|t| t.args.iter().any(|g| matches!(g, syn::GenericArgument::Type(t) if of_floats(t)))));
            let vector = match ty {
                Some(t) => of_floats(t),
                None => vector_by_form(init) || collected,
            };
            let name = id.ident.to_string();
            if vector && self.0.get(&name) == Some(&1) {
                self.1.insert(name);
            }
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut v = Lets(&bound.0, HashSet::new());
    syn::visit::Visit::visit_block(&mut v, body);
    v.1
}

/// Input: `let mut m = Vec::new();` (`vec![]`, `Vec::with_capacity(n)`; untyped or typed
/// `Vec<Vec<T>>`) right before `for p in SRC { m.push(ROW); }`, a loop (over a range or an
/// iterator a method gives) whose body is only that push of a row copied from a part
/// (`x[a..b].to_vec()`, `c.to_vec()`).
/// Output: `let mut m: Vec<Vec<T>> = SRC.map(|p| ROW).collect();` with `T` the function's float,
/// which [`part_rows_let`] and the rewrites of collected rows then follow.
pub fn pushed_rows(body: &mut syn::Block, float: &syn::Type) {
    super::each_block_inner_first(body, |b| {
        let mut i = 0;
        while i + 1 < b.stmts.len() {
            if let Some(l) = pushed_rows_let(&b.stmts[i], &b.stmts[i + 1], float)
                .filter(|_| !changed_after(&b.stmts[i], &b.stmts[i + 2..]))
            {
                b.stmts.splice(i..i + 2, [l]);
            } else if let Some((l, n)) = listed_pushes_let(&b.stmts[i..], float) {
                b.stmts.splice(i..=i + n, [l]);
            }
            i += 1;
        }
    });
}

/// `let mut m = Vec::new();` then statements that push rows copied from parts into it, one
/// after the other (`m.push(x[..3].to_vec()); m.push(x[3..].to_vec());`, names of vectors too
/// where the `let` says `Vec<Vec<T>>`): `let mut m: Vec<Vec<T>> = vec![ROW, ..];`, and how many
/// pushes it takes in.
fn listed_pushes_let(stmts: &[syn::Stmt], float: &syn::Type) -> Option<(syn::Stmt, usize)> {
    let syn::Stmt::Local(l) = &stmts[0] else {
        return None;
    };
    let (pat, ty) = super::pat_and_type(l);
    let syn::Pat::Ident(pi) = pat else {
        return None;
    };
    let init = l.init.as_ref()?;
    let typed = ty.is_some_and(float_matrix);
    if pi.mutability.is_none()
        || pi.by_ref.is_some()
        || init.diverge.is_some()
        || !super::pushes::empty_vec(&init.expr)
        || (ty.is_some() && !typed)
    {
        return None;
    }
    let name = &pi.ident;
    let mut rows = Vec::new();
    for s in &stmts[1..] {
        let syn::Stmt::Expr(e, Some(_)) = s else {
            break;
        };
        let Some(row) = super::pushes::push_expr(e, name) else {
            break;
        };
        let named = matches!(super::unparen(&row), syn::Expr::Path(_));
        if !(vector_by_form(&row) || named) || super::mentions(&quote!(#row), name) {
            break;
        }
        rows.push(row);
    }
    // (Names alone, where the `let` says `Vec<Vec<T>>` or another row is a vector by its form:
    // the rows share one type.)
    if rows.len() < 2 || !(typed || rows.iter().any(vector_by_form)) {
        return None;
    }
    let n = rows.len();
    Some((
        syn::parse_quote!(
            let mut #name: ::std::vec::Vec<::std::vec::Vec<#float>> = vec![#(#rows),*];
        ),
        n,
    ))
}

fn pushed_rows_let(s: &syn::Stmt, next: &syn::Stmt, float: &syn::Type) -> Option<syn::Stmt> {
    let syn::Stmt::Local(l) = s else {
        return None;
    };
    let (pat, ty) = super::pat_and_type(l);
    let syn::Pat::Ident(pi) = pat else {
        return None;
    };
    let init = l.init.as_ref()?;
    if pi.mutability.is_none()
        || pi.by_ref.is_some()
        || init.diverge.is_some()
        || !super::pushes::empty_vec(&init.expr)
        || ty.is_some_and(|t| !float_matrix(t))
    {
        return None;
    }
    let syn::Stmt::Expr(syn::Expr::ForLoop(f), _) = next else {
        return None;
    };
    if f.label.is_some()
        || !matches!(
            super::unparen(&f.expr),
            syn::Expr::Range(_) | syn::Expr::MethodCall(_)
        )
    {
        return None;
    }
    let [syn::Stmt::Expr(push, _)] = &f.body.stmts[..] else {
        return None;
    };
    let name = &pi.ident;
    let row = super::pushes::push_expr(push, name)?;
    if !vector_by_form(&row) || super::mentions(&quote!(#row), name) {
        return None;
    }
    let p = &f.pat;
    // (A method's iterator as it is, which the rewrites of pieces read: `x.chunks(2).map(..)`.)
    let source = match super::unparen(&f.expr) {
        r @ syn::Expr::Range(_) => quote!((#r)),
        m => quote!(#m),
    };
    Some(syn::parse_quote!(
        let #name: ::std::vec::Vec<::std::vec::Vec<#float>> = #source.map(|#p| #row).collect();
    ))
}

/// Whether `rest` changes the list the `let` `l` binds: assigns it or into it, lends it
/// mutably, or calls a method on it that changes a `Vec` (then the rows are left to be pushed).
fn changed_after(l: &syn::Stmt, rest: &[syn::Stmt]) -> bool {
    struct Changes<'a>(&'a syn::Ident, bool);
    impl Changes<'_> {
        fn rooted(&self, mut e: &syn::Expr) -> bool {
            loop {
                e = match e {
                    syn::Expr::Index(ix) => &ix.expr,
                    syn::Expr::Paren(p) => &p.expr,
                    syn::Expr::Field(f) => &f.base,
                    syn::Expr::Path(p) => return p.path.is_ident(self.0),
                    _ => return false,
                };
            }
        }
    }
    impl<'a> syn::visit::Visit<'a> for Changes<'_> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            self.1 |= match e {
                syn::Expr::Assign(a) => self.rooted(&a.left),
                syn::Expr::Binary(b) => {
                    matches!(
                        b.op,
                        syn::BinOp::AddAssign(_)
                            | syn::BinOp::SubAssign(_)
                            | syn::BinOp::MulAssign(_)
                            | syn::BinOp::DivAssign(_)
                    ) && self.rooted(&b.left)
                }
                syn::Expr::Reference(r) => r.mutability.is_some() && self.rooted(&r.expr),
                syn::Expr::MethodCall(m) => {
                    self.rooted(&m.receiver)
                        && ![
                            "iter", "len", "is_empty", "first", "last", "get", "clone", "to_vec",
                            "contains",
                        ]
                        .iter()
                        .any(|r| m.method == r)
                }
                _ => false,
            };
            syn::visit::visit_expr(self, e);
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            self.1 |= crate::desugar::mentions(&m.tokens, self.0);
        }
    }
    let syn::Stmt::Local(l) = l else {
        return true;
    };
    let syn::Pat::Ident(pi) = super::pat_and_type(l).0 else {
        return true;
    };
    let mut c = Changes(&pi.ident, false);
    for s in rest {
        syn::visit::Visit::visit_stmt(&mut c, s);
    }
    c.1
}
