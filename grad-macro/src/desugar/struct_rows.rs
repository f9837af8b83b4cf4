//! Locals that hold a `Vec` of the user's structs (a simulation's particles), held as one buffer
//! per field.

use std::collections::BTreeSet;

use syn::visit_mut::VisitMut;

/// Input: `let mut ps: Vec<P> = init.to_vec();` (also `init.clone()`, `init.iter().cloned()
/// .collect()`, `vec![P { x: a, v: b }; n]`), then only the elements' named fields in the rest:
/// `ps[i].x`, `for p in ps.iter_mut() { p.v += ..; }` (`&mut ps`, `&ps`, `ps.iter()`, with
/// `.enumerate()`), `let p = &mut ps[i];`, `ps.iter().map(|p| p.x * p.x)`, `ps.len()`.
/// Output: one buffer per field read or written (`let mut PS_x: Vec<T> = init.iter().map(|e|
/// e.x).collect();`, `vec![a; n]`), each field of an element read by index in its buffer, the
/// loops over index ranges: buffers of floats, which lowering differentiates (a `Vec` of
/// structs is a container it does not see into). `T`, the function's float type, is the type
/// of a field written here; a field only read keeps the type it has. `None` where `ps` or an
/// element is used otherwise (left as written).
pub fn struct_rows_let(
    l: &syn::Local,
    rest: &mut [syn::Stmt],
    float: Option<&syn::Type>,
    floats: &std::collections::HashSet<String>,
) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    let float = float?;
    // A type, if written, is a `Vec` (or an array) of a named type other than a float.
    if let Some(t) = ty {
        let elem = match t {
            syn::Type::Array(a) => &*a.elem,
            t => crate::rows::vec_elem(t)?,
        };
        let syn::Type::Path(p) = elem else {
            return None;
        };
        if crate::sig::float_of(elem).is_some() || p.path.segments.len() != 1 {
            return None;
        }
    }
    let source = Source::of(init)?;
    let name = &id.ident;
    // (Every `let` passes here: the common copies of floats, `w.to_vec()`, and vectors of
    // floats grown by `push`, leave before the rest is read.)
    let quick_no = match &source {
        Source::Copy(src) => crate::naming::mentions(quote::ToTokens::to_token_stream(src), &|i| {
            floats.contains(&i.to_string())
        }),
        Source::Empty => !pushes_struct(rest, name),
        Source::Repeat(..) | Source::Map(..) | Source::List(..) => false,
    };
    if quick_no {
        return None;
    }
    let len = crate::naming::fresh(&format!("len_{name}"));
    let mut uses = Uses {
        name,
        len: &len,
        float,
        grows: matches!(source, Source::Empty),
        // (Only a push reads it.)
        floats: &if matches!(source, Source::Empty) {
            floats_and_items(rest, floats)
        } else {
            std::collections::HashSet::new()
        },
        aliases: Vec::new(),
        copies: Vec::new(),
        done: Vec::new(),
        fields: BTreeSet::new(),
        arrays: array_fields(rest),
        reorders: Vec::new(),
        written: BTreeSet::new(),
        other: false,
        stuck: None,
    };
    STUCK.with(|s| s.borrow_mut().take());
    if super::rewrite_rest_through_views(rest, name, &mut uses, |u| {
        !u.other && !u.fields.is_empty()
    })
    .is_none()
    {
        if let (Some(at), false) = (uses.stuck, uses.written.is_empty()) {
            STUCK.with(|s| *s.borrow_mut() = Some((at, name.to_string())));
        }
        return None;
    }
    // A swap or a sort moves every field: each is written, and each buffer reordered.
    if !uses.reorders.is_empty() {
        uses.written.extend(uses.fields.iter().cloned());
        let fields: Vec<syn::Ident> = uses
            .fields
            .iter()
            .map(|f| field_buffer(name, &syn::Ident::new(f, proc_macro2::Span::call_site())))
            .collect();
        let matrices: Vec<bool> = uses
            .fields
            .iter()
            .map(|f| uses.arrays.contains(f))
            .collect();
        // (The rows of a matrix move by `swap` only.)
        if matrices.iter().any(|&m| m)
            && uses
                .reorders
                .iter()
                .any(|(_, o)| matches!(o, Order::Sort(..)))
        {
            return None;
        }
        let mut r = Reorders {
            orders: &uses.reorders,
            buffers: &fields,
            len: &len,
        };
        for s in rest.iter_mut() {
            r.visit_stmt_mut(s);
        }
    }
    // Each field read of a copy, taken where the copy is made.
    let copies: Vec<Snapshot> = uses.done.drain(..).chain(uses.copies.drain(..)).collect();
    let mut made = Made {
        name,
        copies: &copies,
        arrays: &uses.arrays,
    };
    for s in rest.iter_mut() {
        made.visit_stmt_mut(s);
    }
    let mut out: Vec<syn::Stmt> = Vec::new();
    match &source {
        Source::Copy(src) => out.push(syn::parse_quote!(let #len: usize = #src.len();)),
        Source::Repeat(_, n) => out.push(syn::parse_quote!(let #len: usize = #n;)),
        Source::List(elems, lets, _) => {
            let n = elems.len();
            out.extend(lets.iter().cloned());
            out.push(syn::parse_quote!(let #len: usize = #n;));
        }
        Source::Map(..) | Source::Empty => {}
    }
    // Grown by `push`: one buffer per field, each given its values by the pushes (which
    // [`super::pushes`] then follows), the length that of the first.
    if let Source::Empty = source {
        let first = uses.fields.iter().next()?;
        let first = field_buffer(
            name,
            &syn::Ident::new(first, proc_macro2::Span::call_site()),
        );
        let mut length = Length {
            len: &len,
            first: &first,
        };
        for s in rest.iter_mut() {
            length.visit_stmt_mut(s);
        }
        for f in &uses.fields {
            let buffer = field_buffer(name, &syn::Ident::new(f, proc_macro2::Span::call_site()));
            out.push(syn::parse_quote!(let mut #buffer: ::std::vec::Vec<#float> = ::std::vec::Vec::new();));
        }
        return Some(out);
    }
    let mut first = None;
    // Rows of a map not written as an array literal are filled in a loop over its items,
    // counted first.
    if let Source::Map(iter, _, fields) = &source {
        let filled = fields.iter().any(|(n, v)| {
            uses.arrays.contains(&n.to_string())
                && !matches!(super::unparen(v), syn::Expr::Array(_))
        });
        if filled {
            // (Counted where the length is not known beforehand: no slice is read so.)
            let iter = super::unparen(iter);
            let count = super::iterators::known_len(iter)
                .unwrap_or_else(|| quote::quote!(::core::iter::Iterator::count(#iter)));
            out.push(syn::parse_quote!(let #len: usize = #count;));
            first = Some(len.clone());
        }
    }
    for f in &uses.fields {
        let f = syn::Ident::new(f, proc_macro2::Span::call_site());
        let buffer = field_buffer(name, &f);
        let written = uses.written.contains(&f.to_string());
        // A field of arrays written: a local matrix of its rows (which the rewrite of matrices
        // then follows), filled from the source.
        if uses.arrays.contains(&f.to_string()) && (written || !matches!(source, Source::Copy(_))) {
            let (width, k, j, e) = (
                crate::naming::fresh("width"),
                crate::naming::fresh("k"),
                crate::naming::fresh("j"),
                crate::naming::fresh("e"),
            );
            let (width_let, fill): (syn::Stmt, syn::Stmt) = match &source {
                Source::Copy(src) => (
                    syn::parse_quote!(let #width: usize = #src.first().map_or(0, |#e| #e.#f.len());),
                    syn::parse_quote!(for (#k, #e) in #src.iter().enumerate() {
                        for #j in 0..#width {
                            #buffer[#k][#j] = #e.#f[#j];
                        }
                    }),
                ),
                Source::Repeat(fields, _) => {
                    let v = fields.iter().find(|(n, _)| *n == f).map(|(_, v)| v)?;
                    let row = crate::naming::fresh("row");
                    out.push(syn::parse_quote!(let #row = #v;));
                    (
                        syn::parse_quote!(let #width: usize = #row.len();),
                        syn::parse_quote!(for #k in 0..#len {
                            for #j in 0..#width {
                                #buffer[#k][#j] = #row[#j];
                            }
                        }),
                    )
                }
                // Each element's row, in order (the elements are evaluated as listed).
                Source::List(elems, ..) => {
                    let rows: Vec<syn::Ident> = (0..elems.len())
                        .map(|_| crate::naming::fresh("row"))
                        .collect();
                    for (row, fields) in rows.iter().zip(elems) {
                        let v = fields.iter().find(|(n, _)| *n == f).map(|(_, v)| v)?;
                        out.push(syn::parse_quote!(let #row = #v;));
                    }
                    let first = &rows[0];
                    let fills = rows.iter().enumerate().map(|(k, row)| -> syn::Stmt {
                        syn::parse_quote!(for #j in 0..#width {
                            #buffer[#k][#j] = #row[#j];
                        })
                    });
                    (
                        syn::parse_quote!(let #width: usize = #first.len();),
                        syn::parse_quote!({ #(#fills)* }),
                    )
                }
                // Each item's row written as an array (`pos: [c[0], c[1]]`): collected as
                // rows of arrays, as a `Vec` of tuples is.
                Source::Map(iter, pat, fields) => {
                    let v = fields.iter().find(|(n, _)| *n == f).map(|(_, v)| v)?;
                    let n = array_len(v)?;
                    if let syn::Expr::Array(_) = super::unparen(v) {
                        first.get_or_insert_with(|| buffer.clone());
                        out.push(syn::parse_quote!(let mut #buffer: ::std::vec::Vec<[#float; #n]> = #iter.map(|#pat| #v).collect();));
                        continue;
                    }
                    // Otherwise (`[0.0; 2]`, computed in a block) each row filled in a loop
                    // over the items (counted first, above), the block's `let`s in it.
                    let (row, pat) = (crate::naming::fresh("row"), super::iterators::untyped(pat));
                    let items: syn::Expr = match super::unparen(iter) {
                        r @ syn::Expr::Range(_) => syn::parse_quote!((#r).enumerate()),
                        it => syn::parse_quote!(#it.enumerate()),
                    };
                    let (lets, v) = match super::unparen(v) {
                        syn::Expr::Block(b) => match b.block.stmts.split_last() {
                            Some((syn::Stmt::Expr(tail, None), lets)) => (lets.to_vec(), tail),
                            _ => return None,
                        },
                        v => (Vec::new(), v),
                    };
                    (
                        syn::parse_quote!(let #width: usize = #n;),
                        syn::parse_quote!(for (#k, #pat) in #items {
                            #(#lets)*
                            let #row = #v;
                            for #j in 0..#width {
                                #buffer[#k][#j] = #row[#j];
                            }
                        }),
                    )
                }
                Source::Empty => return None,
            };
            out.push(width_let);
            out.push(syn::parse_quote!(let mut #buffer: ::std::vec::Vec<::std::vec::Vec<#float>> = vec![vec![0.0; #width]; #len];));
            out.push(fill);
            continue;
        }
        let e = crate::naming::fresh("e");
        let value: syn::Expr = match &source {
            // A field only read is read where it is, in the elements copied (unless the rest
            // writes them: the copy keeps the values they had).
            Source::Copy(src) if !written && !written_later(rest, src, &[]) => {
                let read = |i: &syn::Expr| -> syn::Expr { syn::parse_quote!(#src[#i].#f) };
                read_in_place(rest, &buffer, &read);
                continue;
            }
            Source::Copy(src) => syn::parse_quote!(#src.iter().map(|#e| #e.#f).collect()),
            Source::Repeat(fields, _) => {
                let v = fields.iter().find(|(n, _)| *n == f).map(|(_, v)| v)?;
                syn::parse_quote!(vec![#v; #len])
            }
            Source::Map(iter, pat, fields) => {
                let v = fields.iter().find(|(n, _)| *n == f).map(|(_, v)| v)?;
                syn::parse_quote!(#iter.map(|#pat| #v).collect())
            }
            Source::List(elems, ..) => {
                let vs = elems
                    .iter()
                    .map(|fields| fields.iter().find(|(n, _)| *n == f).map(|(_, v)| v))
                    .collect::<Option<Vec<_>>>()?;
                syn::parse_quote!(vec![#(#vs),*])
            }
            Source::Empty => unreachable!("returned above"),
        };
        // A field made of float literals or of floats (the items, when the source iterates
        // floats) is a float; another (`id: i`) keeps its type.
        let floaty = match &source {
            Source::Map(iter, pat, fields) => {
                let float_name = |i: &proc_macro2::Ident| floats.contains(&i.to_string());
                let mut items = Vec::new();
                crate::lower::collect_idents(pat, &mut items);
                // (A range's items are integers, whatever its bounds read.)
                let floats_iterated = range_start(iter).is_none()
                    && crate::naming::mentions(quote::ToTokens::to_token_stream(iter), &float_name);
                fields.iter().find(|(n, _)| *n == f).is_some_and(|(_, v)| {
                    let tokens = quote::ToTokens::to_token_stream(v);
                    super::tuples::has_float_literal(v)
                        || crate::naming::mentions(tokens.clone(), &float_name)
                        || (floats_iterated
                            && crate::naming::mentions(tokens, &|i| items.contains(i)))
                })
            }
            // (A listed field holds floats where an element gives it one.)
            Source::List(_, _, written) => written.iter().any(|fields| {
                fields.iter().find(|(n, _)| *n == f).is_some_and(|(_, v)| {
                    super::tuples::has_float_literal(v)
                        || crate::naming::mentions(quote::ToTokens::to_token_stream(v), &|i| {
                            floats.contains(&i.to_string())
                        })
                })
            }),
            _ => false,
        };
        if let (Source::Map(iter, pat, fields), false) = (&source, written || floaty) {
            // Another field (`id: i` over `0..n`), never written, computed where it is read
            // from the item, which is the index; from another source, not followed. Nor
            // where the rest writes what it reads (`x: ps[k].x` of a list written after):
            // read later it would give the new values.
            let start = range_start(iter)?;
            let v = fields.iter().find(|(n, _)| *n == f).map(|(_, v)| v)?;
            let mut items = Vec::new();
            crate::lower::collect_idents(pat, &mut items);
            if written_later(rest, v, &items) {
                return None;
            }
            let read = |i: &syn::Expr| -> syn::Expr {
                syn::parse_quote!({ let #pat = (#start) + (#i); #v })
            };
            read_in_place(rest, &buffer, &read);
            continue;
        }
        first.get_or_insert_with(|| buffer.clone());
        out.push(if written || floaty {
            syn::parse_quote!(let mut #buffer: ::std::vec::Vec<#float> = #value;)
        } else {
            syn::parse_quote!(let #buffer: ::std::vec::Vec<_> = #value;)
        });
    }
    if let Source::Map(..) = source {
        let first = first?;
        if first != len {
            out.push(syn::parse_quote!(let #len: usize = #first.len();));
        }
    }
    Some(out)
}

/// Makes each copy `let AT: usize = i;` (as [`Uses`] left it) a `let` of the fields it reads:
/// `let (P_X, P_V) = { let AT: usize = i; (PS_X[AT], PS_V[AT]) };`.
struct Made<'a> {
    name: &'a syn::Ident,
    copies: &'a [Snapshot],
    /// The fields of arrays.
    arrays: &'a BTreeSet<String>,
}

impl VisitMut for Made<'_> {
    fn visit_stmt_mut(&mut self, s: &mut syn::Stmt) {
        if let syn::Stmt::Local(l) = s {
            if let (syn::Pat::Type(t), Some(init)) = (&l.pat, &l.init) {
                if let syn::Pat::Ident(i) = &*t.pat {
                    if let Some(c) = self.copies.iter().find(|c| c.at == i.ident) {
                        let (at, index) = (&c.at, &init.expr);
                        let locals = c.fields.iter().map(|(_, l)| l);
                        let reads = c.fields.iter().map(|(f, _)| {
                            let buffer = field_buffer(
                                self.name,
                                &syn::Ident::new(f, proc_macro2::Span::call_site()),
                            );
                            quote::quote!(#buffer[#at])
                        });
                        let (locals, reads): (Vec<_>, Vec<_>) = locals.zip(reads).unzip();
                        // (A copy never read keeps its `let` of the index.)
                        match locals.len() {
                            0 => {}
                            // (A field of arrays, as the value of a block, would be a part of
                            // its matrix's buffer; a tuple's element is copied.)
                            1 if !self.arrays.contains(&c.fields[0].0) => {
                                let (l, r) = (&locals[0], &reads[0]);
                                *s = syn::parse_quote!(let mut #l = { let #at: usize = #index; #r };);
                            }
                            _ => {
                                *s = syn::parse_quote!(let (#(mut #locals,)*) = { let #at: usize = #index; (#(#reads,)*) };);
                            }
                        }
                        return;
                    }
                }
            }
        }
        syn::visit_mut::visit_stmt_mut(self, s);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The length of an array written as one (`[a, b]`, `[0.0; 2]`).
fn array_len(e: &syn::Expr) -> Option<syn::Expr> {
    match super::unparen(e) {
        syn::Expr::Block(b) => match b.block.stmts.last()? {
            syn::Stmt::Expr(tail, None) => array_len(tail),
            _ => None,
        },
        syn::Expr::Array(a) => {
            let n = a.elems.len();
            Some(syn::parse_quote!(#n))
        }
        syn::Expr::Repeat(r) => Some((*r.len).clone()),
        _ => None,
    }
}

/// The start of a range `a..b` (`(a..b)`): the item at index `i` is `a + i`.
fn range_start(e: &syn::Expr) -> Option<syn::Expr> {
    match super::unparen(e) {
        syn::Expr::Range(r) if matches!(r.limits, syn::RangeLimits::HalfOpen(_)) => Some(
            r.start
                .as_deref()
                .cloned()
                .unwrap_or_else(|| syn::parse_quote!(0)),
        ),
        _ => None,
    }
}

/// Each read `BUFFER[i]` in `rest` as `read(i)`: a field never written, read where it is (the
/// element copied, `SRC[i].f`) or computed again for the item (`{ let i = start + i; value }`).
fn read_in_place(
    rest: &mut [syn::Stmt],
    buffer: &syn::Ident,
    read: &dyn Fn(&syn::Expr) -> syn::Expr,
) {
    struct Reads<'a> {
        buffer: &'a syn::Ident,
        read: &'a dyn Fn(&syn::Expr) -> syn::Expr,
    }
    impl VisitMut for Reads<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            if let syn::Expr::Index(ix) = e {
                if matches!(&*ix.expr, syn::Expr::Path(p) if p.path.is_ident(self.buffer)) {
                    self.visit_expr_mut(&mut ix.index);
                    *e = (self.read)(&ix.index);
                    return;
                }
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
    }
    let mut reads = Reads { buffer, read };
    for s in rest {
        reads.visit_stmt_mut(s);
    }
}

/// Whether `rest` writes a name `e` reads (other than `except`, the names `e`'s closure binds).
fn written_later(rest: &[syn::Stmt], e: &syn::Expr, except: &[syn::Ident]) -> bool {
    let names = std::cell::RefCell::new(std::collections::HashSet::new());
    crate::naming::mentions(quote::ToTokens::to_token_stream(e), &|i| {
        if !except.contains(i) {
            names.borrow_mut().insert(i.to_string());
        }
        false
    });
    let names = names.into_inner();
    !names.is_empty() && rest.iter().any(|s| super::closures::writes(s, &names))
}

/// Whether `rest` pushes a struct literal into `name` (`name.push(P { .. })`).
fn pushes_struct(rest: &[syn::Stmt], name: &syn::Ident) -> bool {
    struct Find<'a>(&'a syn::Ident, bool);
    impl<'ast> syn::visit::Visit<'ast> for Find<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.1 |= m.method == "push"
                && matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(self.0))
                && matches!(m.args.first(), Some(syn::Expr::Struct(_)));
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut f = Find(name, false);
    for s in rest {
        syn::visit::Visit::visit_stmt(&mut f, s);
    }
    f.1
}

/// `floats` and the names `for` loops over them bind to their items (`x` of `for &x in w`, of
/// `for (i, x) in w.iter().enumerate()`; not a range's numbers).
pub(super) fn floats_and_items(
    rest: &[syn::Stmt],
    floats: &std::collections::HashSet<String>,
) -> std::collections::HashSet<String> {
    struct Items<'a>(&'a std::collections::HashSet<String>, Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Items<'_> {
        fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
            let over_floats = range_start(&f.expr).is_none()
                && crate::naming::mentions(quote::ToTokens::to_token_stream(&f.expr), &|i| {
                    self.0.contains(&i.to_string())
                });
            if over_floats {
                let counted =
                    matches!(&*f.expr, syn::Expr::MethodCall(m) if m.method == "enumerate");
                let pat = match (&*f.pat, counted) {
                    (syn::Pat::Tuple(t), true) if t.elems.len() == 2 => &t.elems[1],
                    (p, _) => p,
                };
                let mut names = Vec::new();
                crate::lower::collect_idents(pat, &mut names);
                self.1.extend(names.iter().map(ToString::to_string));
            }
            syn::visit::visit_expr_for_loop(self, f);
        }
    }
    let mut items = Items(floats, Vec::new());
    for s in rest {
        syn::visit::Visit::visit_stmt(&mut items, s);
    }
    floats.iter().cloned().chain(items.1).collect()
}

/// Each marker call in place of a swap or a sort, as the change of every field's buffer.
struct Reorders<'a> {
    orders: &'a [(syn::Ident, Order)],
    buffers: &'a [syn::Ident],
    len: &'a syn::Ident,
}

impl VisitMut for Reorders<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::Call(c) = e {
            let marker = match &*c.func {
                syn::Expr::Path(p) => p.path.get_ident(),
                _ => None,
            };
            if let Some((_, order)) = marker.and_then(|m| self.orders.iter().find(|(n, _)| n == m))
            {
                let buffers = self.buffers;
                *e = match order {
                    Order::Swap(i, j) => {
                        let (a, b) = (crate::naming::fresh("i"), crate::naming::fresh("j"));
                        syn::parse_quote!({
                            let #a: usize = #i;
                            let #b: usize = #j;
                            #(#buffers.swap(#a, #b);)*
                        })
                    }
                    Order::Sort(idx, stmts) => {
                        let (k, len) = (crate::naming::fresh("k"), self.len);
                        let olds: Vec<syn::Ident> = buffers
                            .iter()
                            .map(|_| crate::naming::fresh("unsorted"))
                            .collect();
                        syn::parse_quote!({
                            #(#stmts)*
                            #(let #olds = #buffers.to_vec();)*
                            for #k in 0..#len {
                                #(#buffers[#k] = #olds[#idx[#k]];)*
                            }
                        })
                    }
                };
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

/// The fields `rest` reads as arrays: `x.f[k]`, `x.f.len()`, `x.f.iter()` (of any `x`).
fn array_fields(rest: &[syn::Stmt]) -> BTreeSet<String> {
    struct Find(BTreeSet<String>);
    impl Find {
        fn note(&mut self, e: &syn::Expr) {
            if let syn::Expr::Field(f) = super::unparen(e) {
                if let syn::Member::Named(m) = &f.member {
                    self.0.insert(m.to_string());
                }
            }
        }
    }
    impl<'ast> syn::visit::Visit<'ast> for Find {
        fn visit_expr_index(&mut self, i: &'ast syn::ExprIndex) {
            self.note(&i.expr);
            syn::visit::visit_expr_index(self, i);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if ["len", "iter", "iter_mut"].iter().any(|n| m.method == n) {
                self.note(&m.receiver);
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut f = Find(BTreeSet::new());
    for s in rest {
        syn::visit::Visit::visit_stmt(&mut f, s);
    }
    f.0
}

/// The length of a vector grown by `push` as that of its first field's buffer.
struct Length<'a> {
    len: &'a syn::Ident,
    first: &'a syn::Ident,
}

impl VisitMut for Length<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.len)) {
            let first = self.first;
            *e = syn::parse_quote!(#first.len());
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

fn field_buffer(name: &syn::Ident, f: &syn::Ident) -> syn::Ident {
    crate::naming::hidden(&format!("{name}_field_{f}"))
}

/// Where the elements come from.
enum Source {
    /// A copy of a sequence (`init.to_vec()`).
    Copy(syn::Expr),
    /// `vec![P { x: a, .. }; n]`: each field's value, and the count.
    Repeat(Vec<(syn::Ident, syn::Expr)>, syn::Expr),
    /// `(0..n).map(|i| P { x: a, .. }).collect()`: the iterator, the closure's pattern and each
    /// field's value.
    Map(syn::Expr, syn::Pat, Vec<(syn::Ident, syn::Expr)>),
    /// `Vec::new()` (`Vec::with_capacity(n)`, `vec![]`), grown by `push(P { .. })`.
    Empty,
    /// `[P { x: a, .. }, P { x: b, .. }]` (or `vec![..]` of them): each element's fields, each
    /// field's value a name the `let`s give it.
    /// (And the values as written.)
    List(
        Vec<Vec<(syn::Ident, syn::Expr)>>,
        Vec<syn::Stmt>,
        Vec<Vec<(syn::Ident, syn::Expr)>>,
    ),
}

impl Source {
    fn of(init: &syn::Expr) -> Option<Source> {
        match super::unparen(init) {
            syn::Expr::Call(c)
                if {
                    let f = &c.func;
                    let f = quote::quote!(#f).to_string().replace(' ', "");
                    (f == "Vec::new" && c.args.is_empty())
                        || (f == "Vec::with_capacity" && c.args.len() == 1)
                } =>
            {
                Some(Source::Empty)
            }
            syn::Expr::Macro(m) if m.mac.path.is_ident("vec") && m.mac.tokens.is_empty() => {
                Some(Source::Empty)
            }
            syn::Expr::MethodCall(m)
                if m.args.is_empty() && (m.method == "to_vec" || m.method == "clone") =>
            {
                Self::named(&m.receiver)
            }
            // `init.iter().cloned().collect()`, `init.iter().copied().collect::<Vec<_>>()`.
            syn::Expr::MethodCall(m) if m.args.is_empty() && m.method == "collect" => {
                let syn::Expr::MethodCall(c) = &*m.receiver else {
                    return None;
                };
                if let (true, [syn::Expr::Closure(cl)]) =
                    (c.method == "map", &c.args.iter().collect::<Vec<_>>()[..])
                {
                    let [p] = cl.inputs.iter().collect::<Vec<_>>()[..] else {
                        return None;
                    };
                    let fields =
                        Self::literal_fields(&cl.body).or_else(|| Self::made_fields(&cl.body))?;
                    return Some(Source::Map((*c.receiver).clone(), p.clone(), fields));
                }
                let syn::Expr::MethodCall(i) = &*c.receiver else {
                    return None;
                };
                let copies = (c.method == "cloned" || c.method == "copied") && c.args.is_empty();
                (copies && i.method == "iter" && i.args.is_empty())
                    .then(|| Self::named(&i.receiver))
                    .flatten()
            }
            syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                if let Some((v, n)) = super::vec_repeat(&m.mac) {
                    return Some(Source::Repeat(Self::literal_fields(&v)?, n));
                }
                Self::list(&super::vec_parts_read(&m.mac))
            }
            syn::Expr::Array(a) => Self::list(&a.elems.iter().cloned().collect::<Vec<_>>()),
            _ => None,
        }
    }

    /// Struct literals of one type, each giving the same fields (every one): each's values.
    fn list(elems: &[syn::Expr]) -> Option<Source> {
        let path = |e: &syn::Expr| match super::unparen(e) {
            syn::Expr::Struct(lit) => Some(lit.path.clone()),
            _ => None,
        };
        let first = path(elems.first()?)?;
        let (mut out, mut lets, mut written) = (Vec::new(), Vec::new(), Vec::new());
        for e in elems {
            if path(e)? != first {
                return None;
            }
            // Each value computed first, in the order written (the buffers take them field
            // by field).
            let mut fields = Self::literal_fields(e)?;
            written.push(fields.clone());
            for (_, v) in &mut fields {
                let t = crate::naming::fresh("listed");
                lets.push(syn::parse_quote!(let #t = #v;));
                *v = syn::parse_quote!(#t);
            }
            fields.sort_by_key(|(n, _)| n.to_string());
            out.push(fields);
        }
        let names =
            |f: &Vec<(syn::Ident, syn::Expr)>| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        out.iter()
            .all(|f| names(f) == names(&out[0]))
            .then_some(Source::List(out, lets, written))
    }

    /// `P { x: a, v: b }` (every field given, `x` for `x: x`): each field's value.
    fn literal_fields(e: &syn::Expr) -> Option<Vec<(syn::Ident, syn::Expr)>> {
        let syn::Expr::Struct(lit) = super::unparen(e) else {
            return None;
        };
        if lit.rest.is_some() || lit.qself.is_some() {
            return None;
        }
        let mut fields = Vec::new();
        for f in &lit.fields {
            let syn::Member::Named(m) = &f.member else {
                return None;
            };
            fields.push((m.clone(), f.expr.clone()));
        }
        Some(fields)
    }

    /// `{ let a = c[0]; P { x: a, v: 2.0 * a } }`, its `let`s only computing values: each
    /// field's value as the block of those `let`s and the value (computed again for each field).
    fn made_fields(e: &syn::Expr) -> Option<Vec<(syn::Ident, syn::Expr)>> {
        // (Blocks in blocks, as a rewrite of a table of data leaves them, give their `let`s in
        // order.)
        let mut lets: Vec<syn::Stmt> = Vec::new();
        let mut tail = e;
        while let syn::Expr::Block(b) = super::unparen(tail) {
            let (last, before) = b.block.stmts.split_last()?;
            let syn::Stmt::Expr(t, None) = last else {
                return None;
            };
            lets.extend(before.iter().cloned());
            tail = t;
        }
        let pure = |s: &syn::Stmt| match s {
            syn::Stmt::Local(l) => l.init.as_ref().is_some_and(|i| {
                i.diverge.is_none() && super::split_collects::without_effects(&i.expr)
            }),
            _ => false,
        };
        if !lets.iter().all(pure) {
            return None;
        }
        let fields = Self::literal_fields(tail)?;
        Some(
            fields
                .into_iter()
                .map(|(n, v)| {
                    let v = if lets.is_empty() {
                        v
                    } else {
                        syn::parse_quote!({ #(#lets)* #v })
                    };
                    (n, v)
                })
                .collect(),
        )
    }

    /// A name or a field of one (`init`, `cfg.particles`, `&init`).
    fn named(e: &syn::Expr) -> Option<Source> {
        let e = match super::unparen(e) {
            syn::Expr::Reference(r) if r.mutability.is_none() => super::unparen(&r.expr),
            e => e,
        };
        let simple = |e: &syn::Expr| -> bool {
            let mut e = e;
            loop {
                match e {
                    syn::Expr::Path(p) => return p.path.get_ident().is_some(),
                    syn::Expr::Field(f) => e = &f.base,
                    _ => return false,
                }
            }
        };
        simple(e).then(|| Source::Copy(e.clone()))
    }
}

/// Methods of a float that the rule table does not list (comparisons, tests).
const FLOAT_METHODS: [&str; 8] = [
    "partial_cmp",
    "total_cmp",
    "is_nan",
    "is_finite",
    "is_sign_negative",
    "is_sign_positive",
    "to_bits",
    "clone",
];

/// A change of the elements' order.
enum Order {
    /// `swap(i, j)`: the two positions.
    Swap(Box<syn::Expr>, Box<syn::Expr>),
    /// `sort_by(..)`: the statements that compute the new order in `IDX` (a `Vec<usize>`).
    Sort(syn::Ident, Vec<syn::Stmt>),
}

/// What a loop over the elements binds beside each.
enum Beside {
    Nothing,
    /// `.enumerate()`'s count.
    Count(syn::Pat),
    /// The other side of a `zip`: its pattern and its sequence.
    Zipped(syn::Pat, syn::Expr),
}

struct Snapshot {
    name: syn::Ident,
    at: syn::Ident,
    fields: Vec<(String, syn::Ident)>,
}

struct Uses<'a> {
    name: &'a syn::Ident,
    len: &'a syn::Ident,
    float: &'a syn::Type,
    /// Grown by `push` (made empty), and the names that hold floats (what a push gives a field
    /// must be a float).
    grows: bool,
    floats: &'a std::collections::HashSet<String>,
    /// Names bound to an element, with the name of its index.
    aliases: Vec<(syn::Ident, syn::Ident)>,
    /// Names bound to a copy of an element (`let p = ps[i];`): the name of its index and the
    /// local that holds each field read (copied where the copy is made).
    copies: Vec<Snapshot>,
    /// Those out of scope.
    done: Vec<Snapshot>,
    /// The fields read or written, and those written; the fields of arrays (by how the rest
    /// reads them, `x.f[k]`, `x.f.len()`).
    fields: BTreeSet<String>,
    arrays: BTreeSet<String>,
    /// The swaps and sorts, each in place of a marker call.
    reorders: Vec<(syn::Ident, Order)>,
    written: BTreeSet<String>,
    other: bool,
    /// Where the first use not followed is.
    stuck: Option<proc_macro2::Span>,
}

thread_local! {
    /// The use of a `Vec` of structs that kept it from being rewritten, and its name: for an
    /// error there ([`take_stuck`]).
    static STUCK: std::cell::RefCell<Option<(proc_macro2::Span, String)>> =
        const { std::cell::RefCell::new(None) };
}

/// The use that kept the last `Vec` of structs [`struct_rows_let`] refused from being
/// rewritten, where its elements' fields are written (which lowering refuses in any other
/// form): the place for an error that names it.
pub fn take_stuck() -> Option<(proc_macro2::Span, String)> {
    STUCK.with(|s| s.borrow_mut().take())
}

impl Uses<'_> {
    fn is_vec(&self, e: &syn::Expr) -> bool {
        matches!(super::unparen(e), syn::Expr::Path(p) if p.path.is_ident(self.name))
    }

    /// The index of an element: `ps[i]` (its index expression) or an alias (its index name).
    fn element(&self, e: &syn::Expr) -> Option<syn::Expr> {
        let e = match super::unparen(e) {
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => super::unparen(&u.expr),
            e => e,
        };
        match e {
            syn::Expr::Index(ix) if self.is_vec(&ix.expr) => Some((*ix.index).clone()),
            syn::Expr::Path(p) => {
                let i = p.path.get_ident()?;
                let (_, at) = self.aliases.iter().rev().find(|(n, _)| n == i)?;
                Some(syn::parse_quote!(#at))
            }
            _ => None,
        }
    }

    /// `ps[i].f`, `p.f` of a field of arrays.
    fn array_field(&self, e: &syn::Expr) -> bool {
        matches!(super::unparen(e), syn::Expr::Field(f) if self.element(&f.base).is_some() && matches!(&f.member, syn::Member::Named(m) if self.arrays.contains(&m.to_string())))
    }

    /// `ps[i].f`, `p.f`.
    fn element_field(&self, e: &syn::Expr) -> bool {
        matches!(super::unparen(e), syn::Expr::Field(f) if self.element(&f.base).is_some())
    }

    fn is_alias(&self, e: &syn::Expr) -> bool {
        matches!(super::unparen(e), syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.aliases.iter().any(|(n, _)| n == i) || self.copies.iter().any(|c| c.name == *i)))
    }

    /// `p.f` of a copy `p`: the local holding that field of it.
    fn copy_field(&mut self, base: &syn::Expr, m: &syn::Ident) -> Option<syn::Ident> {
        let syn::Expr::Path(p) = super::unparen(base) else {
            return None;
        };
        let i = p.path.get_ident()?;
        let c = self.copies.iter_mut().rev().find(|c| c.name == *i)?;
        let f = m.to_string();
        if let Some((_, local)) = c.fields.iter().find(|(n, _)| *n == f) {
            return Some(local.clone());
        }
        let local = crate::naming::fresh(&format!("{i}_{f}"));
        c.fields.push((f.clone(), local.clone()));
        self.fields.insert(f);
        Some(local)
    }

    /// `ps.iter()`, `&ps`, `ps.iter_mut()`, `&mut ps`: the elements in order.
    fn whole(&self, e: &syn::Expr) -> bool {
        match super::unparen(e) {
            syn::Expr::Reference(r) => self.is_vec(&r.expr),
            syn::Expr::MethodCall(m) if m.args.is_empty() => {
                matches!(m.method.to_string().as_str(), "iter" | "iter_mut")
                    && self.is_vec(&m.receiver)
            }
            _ => false,
        }
    }

    /// An element's name in a pattern (`p`, `&p`, `mut p`).
    fn element_name(p: &syn::Pat) -> Option<syn::Ident> {
        match p {
            syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => Some(i.ident.clone()),
            syn::Pat::Reference(r) => Self::element_name(&r.pat),
            syn::Pat::Type(t) => Self::element_name(&t.pat),
            _ => None,
        }
    }

    /// The source of a loop or a `map` over the elements, and what it binds: the element's
    /// name and a count's pattern beside it (`.enumerate()`).
    fn over_elements(&self, source: &syn::Expr, pat: &syn::Pat) -> Option<(syn::Ident, Beside)> {
        if self.whole(source) {
            return Some((Self::element_name(pat)?, Beside::Nothing));
        }
        let syn::Expr::MethodCall(m) = super::unparen(source) else {
            return None;
        };
        let syn::Pat::Tuple(t) = pat else {
            return None;
        };
        if t.elems.len() != 2 {
            return None;
        }
        match (m.method.to_string().as_str(), m.args.len()) {
            ("enumerate", 0) if self.whole(&m.receiver) => Some((
                Self::element_name(&t.elems[1])?,
                Beside::Count(t.elems[0].clone()),
            )),
            // `ps.iter_mut().zip(&forces)`, `forces.iter().zip(&ps)`.
            ("zip", 1) if self.whole(&m.receiver) => Some((
                Self::element_name(&t.elems[0])?,
                Beside::Zipped(t.elems[1].clone(), m.args[0].clone()),
            )),
            ("zip", 1) if self.whole(&m.args[0]) => Some((
                Self::element_name(&t.elems[1])?,
                Beside::Zipped(t.elems[0].clone(), (*m.receiver).clone()),
            )),
            _ => None,
        }
    }

    /// A row's name, what a loop or a `map` binds beside the element there (its own uses of
    /// the `Vec` rewritten), and the loop's end.
    fn row_beside(
        &mut self,
        b: Beside,
    ) -> Option<(syn::Ident, Option<syn::Stmt>, proc_macro2::TokenStream)> {
        let r = crate::naming::fresh("row");
        let (mut bound, end) = self.beside(b, &r)?;
        if let Some(b) = &mut bound {
            self.visit_stmt_mut(b);
        }
        Some((r, bound, end))
    }

    /// What a loop or a `map` at row `r` binds beside the element, and its end.
    fn beside(
        &self,
        b: Beside,
        r: &syn::Ident,
    ) -> Option<(Option<syn::Stmt>, proc_macro2::TokenStream)> {
        let len = self.len;
        Some(match b {
            Beside::Nothing => (None, quote::quote!(#len)),
            Beside::Count(p) => (Some(syn::parse_quote!(let #p = #r;)), quote::quote!(#len)),
            // A zip stops at the shorter side.
            Beside::Zipped(p, other) => {
                let (seq, elem) = super::tuples::zipped_element(&other, r)?;
                // `&f`: the item copied.
                let bind: syn::Stmt = match &p {
                    syn::Pat::Reference(re) if re.mutability.is_none() => {
                        let inner = &re.pat;
                        syn::parse_quote!(let #inner = #seq[#r];)
                    }
                    p => syn::parse_quote!(let #p = #elem;),
                };
                (
                    Some(bind),
                    quote::quote!(::core::cmp::min(#len, #seq.len())),
                )
            }
        })
    }

    /// Visits `f` with `name` bound to the element at `at`.
    fn with_alias(&mut self, name: syn::Ident, at: syn::Ident, f: impl FnOnce(&mut Self)) {
        self.aliases.push((name, at));
        f(self);
        self.aliases.pop();
    }
}

impl VisitMut for Uses<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if self.other {
            return;
        }
        match e {
            // `p.x` of a copy: the local that holds it.
            syn::Expr::Field(f) if matches!(&f.member, syn::Member::Named(m) if self.copy_field(&f.base, m).is_some()) =>
            {
                let syn::Member::Named(m) = &f.member else {
                    unreachable!("checked just above")
                };
                let local = self.copy_field(&f.base, m).expect("checked just above");
                *e = syn::parse_quote!(#local);
            }
            // `ps[i] = P { x: a, v: b }`: each field computed, then stored.
            syn::Expr::Assign(a) if matches!(&*a.left, syn::Expr::Index(ix) if self.is_vec(&ix.expr)) =>
            {
                let (syn::Expr::Index(ix), syn::Expr::Struct(lit)) = (&mut *a.left, &mut *a.right)
                else {
                    self.other = true;
                    return;
                };
                self.visit_expr_mut(&mut ix.index);
                let at = crate::naming::fresh("at");
                let index = &ix.index;
                let first: syn::Stmt = syn::parse_quote!(let #at: usize = #index;);
                let Some(values) = self.field_values(lit, false) else {
                    self.other = true;
                    return;
                };
                let (lets, stores): (Vec<_>, Vec<syn::Stmt>) = values
                    .into_iter()
                    .map(|(buffer, t, l)| (l, syn::parse_quote!(#buffer[#at] = #t;)))
                    .unzip();
                *e = syn::parse_quote!({ #first #(#lets)* #(#stores)* });
            }
            // `ps[i].x`, `p.x`, `(*p).x`: that field's buffer at the element's index.
            syn::Expr::Field(f) if self.element(&f.base).is_some() => {
                let syn::Member::Named(m) = &f.member else {
                    self.other = true;
                    return;
                };
                let mut at = self.element(&f.base).expect("checked just above");
                self.visit_expr_mut(&mut at);
                self.fields.insert(m.to_string());
                let buffer = field_buffer(self.name, m);
                *e = syn::parse_quote!(#buffer[#at]);
            }
            // A field that is a sequence or a struct (`p.w[j]`, `p.w.len()`): not followed.
            // A field of arrays (`p.pos[0]`, `p.pos.len()`, `p.pos.iter()`): its buffer's row.
            syn::Expr::Index(ix) if self.element_field(&ix.expr) => {
                if self.array_field(&ix.expr) {
                    syn::visit_mut::visit_expr_mut(self, e);
                } else {
                    self.stuck_at(syn::spanned::Spanned::span(&*ix.expr));
                }
            }
            syn::Expr::MethodCall(m)
                if self.element_field(&m.receiver)
                    && !crate::rules::Prim::method_names().any(|n| m.method == n)
                    && !FLOAT_METHODS.iter().any(|n| m.method == n) =>
            {
                if self.array_field(&m.receiver)
                    && ["len", "iter", "iter_mut"].iter().any(|n| m.method == n)
                {
                    syn::visit_mut::visit_expr_mut(self, e);
                } else {
                    self.stuck_at(syn::spanned::Spanned::span(&*m.receiver));
                }
            }
            syn::Expr::Field(f) if self.element_field(&f.base) => {
                self.stuck_at(syn::spanned::Spanned::span(&*f.base));
            }
            syn::Expr::Assign(a) => {
                self.note_write(&a.left);
                syn::visit_mut::visit_expr_mut(self, e);
            }
            syn::Expr::Binary(b) if crate::lower::is_compound_assign(&b.op) => {
                self.note_write(&b.left);
                syn::visit_mut::visit_expr_mut(self, e);
            }
            syn::Expr::MethodCall(m)
                if self.is_vec(&m.receiver)
                    && m.args.is_empty()
                    && (m.method == "len" || m.method == "is_empty") =>
            {
                let len = self.len;
                *e = if m.method == "len" {
                    syn::parse_quote!(#len)
                } else {
                    syn::parse_quote!((#len == 0))
                };
            }
            // `ps.swap(i, j)`, `ps.sort_by(|a, b| ..)`: every field's buffer reordered alike
            // (written out once the fields are known, see [`Reorders`]).
            syn::Expr::MethodCall(m)
                if self.is_vec(&m.receiver)
                    && ((m.method == "swap" && m.args.len() == 2)
                        || (matches!(
                            m.method.to_string().as_str(),
                            "sort_by" | "sort_unstable_by"
                        ) && m.args.len() == 1)) =>
            {
                let at = syn::spanned::Spanned::span(&*m);
                let Some(order) = self.reorder(m) else {
                    self.stuck_at(at);
                    return;
                };
                let marker = crate::naming::fresh("reorder");
                self.reorders.push((marker.clone(), order));
                *e = syn::parse_quote!(#marker());
            }
            // `ps.iter().map(|p| body)`: over the index range.
            syn::Expr::MethodCall(m) if m.method == "map" && m.args.len() == 1 => {
                let over = match &m.args[0] {
                    syn::Expr::Closure(c) if c.inputs.len() == 1 => {
                        self.over_elements(&m.receiver, &c.inputs[0])
                    }
                    _ => None,
                };
                let Some((p, beside)) = over else {
                    syn::visit_mut::visit_expr_mut(self, e);
                    return;
                };
                let syn::Expr::Closure(c) = &m.args[0] else {
                    unreachable!("checked just above")
                };
                let Some((r, bound, end)) = self.row_beside(beside) else {
                    self.other = true;
                    return;
                };
                let mut body = (*c.body).clone();
                self.with_alias(p, r.clone(), |u| u.visit_expr_mut(&mut body));
                *e = syn::parse_quote!((0..#end).map(|#r| { #bound (#body) }));
            }
            // `.sum()` of such a `map`: of the function's float type, as it was.
            syn::Expr::MethodCall(m)
                if (m.method == "sum" || m.method == "product")
                    && m.turbofish.is_none()
                    && matches!(&*m.receiver, syn::Expr::MethodCall(map) if map.method == "map" && map.args.len() == 1 && matches!(&map.args[0], syn::Expr::Closure(c) if c.inputs.len() == 1 && self.over_elements(&map.receiver, &c.inputs[0]).is_some())) =>
            {
                let float = self.float;
                m.turbofish = Some(syn::parse_quote!(::<#float>));
                self.visit_expr_mut(&mut m.receiver);
            }
            syn::Expr::ForLoop(f) => {
                let Some((p, beside)) = self.over_elements(&f.expr, &f.pat) else {
                    syn::visit_mut::visit_expr_mut(self, e);
                    return;
                };
                let Some((r, bound, end)) = self.row_beside(beside) else {
                    self.other = true;
                    return;
                };
                let mut body = f.body.clone();
                self.with_alias(p, r.clone(), |u| u.visit_block_mut(&mut body));
                let (label, stmts) = (&f.label, &body.stmts);
                *e = syn::parse_quote!(#label for #r in 0..#end { #bound #(#stmts)* });
            }
            e if self.is_vec(e) || self.is_alias(e) => {
                self.stuck_at(syn::spanned::Spanned::span(&*e));
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let (k, c) = (self.aliases.len(), self.copies.len());
        let mut out = Vec::new();
        for mut s in std::mem::take(&mut b.stmts) {
            if self.other {
                out.push(s);
                continue;
            }
            // `ps.push(P { .. });`: a push into each field's buffer, at the top of the block.
            if let Some(pushes) = self.push_stmts(&mut s) {
                out.extend(pushes);
                continue;
            }
            self.visit_stmt_mut(&mut s);
            out.push(s);
        }
        b.stmts = out;
        self.aliases.truncate(k);
        self.done.extend(self.copies.drain(c..));
    }

    fn visit_stmt_mut(&mut self, s: &mut syn::Stmt) {
        match self.copy_let(s) {
            Some(copy) => self.copies.push(copy),
            None => syn::visit_mut::visit_stmt_mut(self, s),
        }
    }

    /// `let p = &mut ps[i];` (`&ps[i]`, `ps[i]`): `p` names that element until the end of the
    /// block, its index computed here.
    fn visit_local_mut(&mut self, l: &mut syn::Local) {
        // (A copy, `let p = ps[i];`, keeps the values it had: not an alias, not followed.)
        // (`&&ps[i]` too, as a search lends its comparator each side; and the element
        // `ps.iter().max_by(..).unwrap()` chooses, at the position its search finds.)
        let element = l.init.as_ref().and_then(|init| {
            if let syn::Expr::MethodCall(m) = super::unparen(&init.expr) {
                if let Some((x, at)) = super::iterators::position_of_extremum(m) {
                    return (self.is_vec(&x) && init.diverge.is_none()).then_some(at);
                }
            }
            let syn::Expr::Reference(r) = super::unparen(&init.expr) else {
                return None;
            };
            let mut r = r;
            while let syn::Expr::Reference(inner) = super::unparen(&r.expr) {
                r = inner;
            }
            match (super::unparen(&r.expr), init.diverge.is_none()) {
                (syn::Expr::Index(ix), true) if self.is_vec(&ix.expr) => Some((*ix.index).clone()),
                _ => None,
            }
        });
        let mut names = Vec::new();
        crate::lower::collect_idents(&l.pat, &mut names);
        if let Some(mut at) = element {
            let Some(p) = Self::element_name(&l.pat) else {
                self.other = true;
                return;
            };
            self.visit_expr_mut(&mut at);
            let i = crate::naming::fresh("at");
            let stmt: syn::Stmt = syn::parse_quote!(let #i: usize = #at;);
            if let syn::Stmt::Local(new) = stmt {
                *l = new;
            }
            self.aliases.push((p, i));
            return;
        }
        // A name bound again hides an alias of that name.
        if names.iter().any(|n| {
            self.aliases.iter().any(|(a, _)| a == n) || self.copies.iter().any(|c| c.name == *n)
        }) {
            self.other = true;
            return;
        }
        syn::visit_mut::visit_local_mut(self, l);
    }

    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        let mut names = Vec::new();
        for p in &c.inputs {
            crate::lower::collect_idents(p, &mut names);
        }
        if names.iter().any(|n| {
            n == self.name
                || self.aliases.iter().any(|(a, _)| a == n)
                || self.copies.iter().any(|c| c.name == *n)
        }) {
            self.other = true;
            return;
        }
        syn::visit_mut::visit_expr_closure_mut(self, c);
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        if crate::naming::mentions(m.tokens.clone(), &|i| {
            i == self.name
                || self.aliases.iter().any(|(a, _)| a == i)
                || self.copies.iter().any(|c| c.name == *i)
        }) {
            self.other = true;
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

impl Uses<'_> {
    /// `ps.swap(i, j)` (its positions visited), `ps.sort_by(|a, b| body)` (the row numbers
    /// sorted by the same comparisons, `a` and `b` the elements at them: the user's order,
    /// ties included).
    fn reorder(&mut self, m: &mut syn::ExprMethodCall) -> Option<Order> {
        if m.method == "swap" {
            let (mut i, mut j) = (m.args[0].clone(), m.args[1].clone());
            self.visit_expr_mut(&mut i);
            self.visit_expr_mut(&mut j);
            return Some(Order::Swap(Box::new(i), Box::new(j)));
        }
        let syn::Expr::Closure(c) = &m.args[0] else {
            return None;
        };
        let [pa, pb] = c.inputs.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let (a, b) = (Self::element_name(pa)?, Self::element_name(pb)?);
        let (ia, ib, idx) = (
            crate::naming::fresh("a"),
            crate::naming::fresh("b"),
            crate::naming::fresh("order"),
        );
        let mut body = (*c.body).clone();
        self.with_alias(a, ia.clone(), |u| {
            u.with_alias(b, ib.clone(), |u| u.visit_expr_mut(&mut body));
        });
        let order = super::tuples::sorted_order(&idx, self.len, &m.method, (&ia, &ib), &body);
        Some(Order::Sort(idx, order.into()))
    }

    fn stuck_at(&mut self, at: proc_macro2::Span) {
        self.other = true;
        self.stuck.get_or_insert(at);
    }

    /// `ps.push(P { x: a, v: b });` of a vector made empty: `let T1 = a; let T2 = b;
    /// PS_X.push(T1); PS_V.push(T2);` (each value a float).
    fn push_stmts(&mut self, s: &mut syn::Stmt) -> Option<Vec<syn::Stmt>> {
        let syn::Stmt::Expr(syn::Expr::MethodCall(m), Some(_)) = s else {
            return None;
        };
        if m.method != "push" || m.args.len() != 1 || !self.is_vec(&m.receiver) {
            return None;
        }
        let at = syn::spanned::Spanned::span(&*m);
        let syn::Expr::Struct(lit) = &mut m.args[0] else {
            self.stuck_at(at);
            return None;
        };
        if !self.grows {
            self.stuck_at(at);
            return None;
        }
        let Some(values) = self.field_values(lit, true) else {
            self.stuck_at(at);
            return None;
        };
        let (mut lets, pushes): (Vec<_>, Vec<syn::Stmt>) = values
            .into_iter()
            .map(|(buffer, t, l)| (l, syn::parse_quote!(#buffer.push(#t);)))
            .unzip();
        lets.extend(pushes);
        Some(lets)
    }

    /// The fields of `P { x: a, v: b }` (every one given, each value a float if
    /// `floats_only`), all written: each field's buffer, and a local holding its value with its
    /// `let` (the values computed before any is stored, as the literal is).
    fn field_values(
        &mut self,
        lit: &mut syn::ExprStruct,
        floats_only: bool,
    ) -> Option<Vec<(syn::Ident, syn::Ident, syn::Stmt)>> {
        if lit.rest.is_some() || lit.qself.is_some() {
            return None;
        }
        let mut out = Vec::new();
        for f in &mut lit.fields {
            let syn::Member::Named(name) = &f.member else {
                return None;
            };
            // (A field of arrays given whole is not followed.)
            if self.arrays.contains(&name.to_string()) {
                return None;
            }
            self.visit_expr_mut(&mut f.expr);
            let tokens = quote::ToTokens::to_token_stream(&f.expr);
            let floaty = super::tuples::has_float_literal(&f.expr)
                || crate::naming::mentions(tokens, &|i| self.floats.contains(&i.to_string()));
            if floats_only && !floaty {
                return None;
            }
            self.fields.insert(name.to_string());
            self.written.insert(name.to_string());
            let (t, v) = (crate::naming::fresh("field"), &f.expr);
            out.push((
                field_buffer(self.name, name),
                t.clone(),
                syn::parse_quote!(let #t = #v;),
            ));
        }
        Some(out)
    }

    /// `let p = ps[i];` (`let mut p = ..`): a copy, its `let` now `let AT: usize = i;`.
    fn copy_let(&mut self, s: &mut syn::Stmt) -> Option<Snapshot> {
        let syn::Stmt::Local(l) = s else {
            return None;
        };
        let init = l.init.as_ref()?;
        let syn::Expr::Index(ix) = super::unparen(&init.expr) else {
            return None;
        };
        if init.diverge.is_some() || !self.is_vec(&ix.expr) {
            return None;
        }
        let syn::Pat::Ident(p) = &l.pat else {
            return None;
        };
        if p.by_ref.is_some() || p.subpat.is_some() {
            return None;
        }
        let mut at = (*ix.index).clone();
        self.visit_expr_mut(&mut at);
        let i = crate::naming::fresh("at");
        let name = p.ident.clone();
        *s = syn::parse_quote!(let #i: usize = #at;);
        Some(Snapshot {
            name,
            at: i,
            fields: Vec::new(),
        })
    }

    /// A field of an element written (`p.v += ..`): its buffer holds floats.
    fn note_write(&mut self, left: &syn::Expr) {
        // (An element of a field of arrays, `p.pos[0] += ..`, writes the field.)
        let left = match super::unparen(left) {
            syn::Expr::Index(ix) if self.array_field(&ix.expr) => &*ix.expr,
            l => l,
        };
        if let syn::Expr::Field(f) = super::unparen(left) {
            if let (Some(_), syn::Member::Named(m)) = (self.element(&f.base), &f.member) {
                self.written.insert(m.to_string());
            }
        }
    }
}

/// Input: `let snap = ps.clone();` (or `ps.to_vec()`) of a local list of structs `ps` of the
/// module (`let mut ps: Vec<P> = ..`, or made of `P { .. }` literals), every field of which is a
/// float or an array of floats of a literal length, one an array. Output: `let snap: Vec<P> = (0..ps.len())
/// .map(|k| P { x: ps[k].x, pos: [ps[k].pos[0], ps[k].pos[1]] }).collect();`: a list made by a
/// map, its elements read from the other's, in the forms both lists' rewrites follow (the state
/// of the step before, in a simulation that updates every element from all of them).
pub fn list_clones(item: &mut syn::ItemFn) {
    let caller = item.sig.ident.to_string();
    // (A function made for a model's rows is named apart from the user's: the file's.)
    let mut structs = crate::prescan::all_structs(&caller);
    if structs.is_empty() {
        structs = crate::prescan::file_structs();
    }
    if structs.is_empty() {
        return;
    }
    // The struct each local list holds, as its `let` tells.
    let mut lists: Vec<(syn::Ident, String)> = Vec::new();
    for l in super::all_lets(&item.block) {
        let (syn::Pat::Ident(id), ty) = super::pat_and_type(l) else {
            continue;
        };
        let elem = ty
            .and_then(crate::rows::vec_elem)
            .map(|t| quote::quote!(#t).to_string())
            .or_else(|| {
                let init = l.init.as_ref()?;
                let init = &init.expr;
                structs.iter().map(|(n, _)| n.clone()).find(|n| {
                    super::mentions(
                        &quote::quote!(#init),
                        &syn::Ident::new(n, proc_macro2::Span::call_site()),
                    )
                })
            });
        if let Some(elem) = elem {
            lists.push((id.ident.clone(), elem));
        }
    }
    // A list grown by pushes of struct literals (`let mut ps = Vec::new();`, then
    // `ps.push(P { .. })`): of that struct.
    struct Pushed<'a>(
        &'a [(String, Vec<(String, String)>)],
        Vec<(syn::Ident, String)>,
    );
    impl<'ast> syn::visit::Visit<'ast> for Pushed<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            syn::visit::visit_expr_method_call(self, m);
            let (syn::Expr::Path(p), [syn::Expr::Struct(lit)]) = (
                super::unparen(&m.receiver),
                &m.args.iter().collect::<Vec<_>>()[..],
            ) else {
                return;
            };
            if m.method != "push" {
                return;
            }
            if let (Some(id), Some(ty)) = (p.path.get_ident(), lit.path.get_ident()) {
                let ty = ty.to_string();
                if self.0.iter().any(|(n, _)| *n == ty) {
                    self.1.push((id.clone(), ty));
                }
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut pushed = Pushed(&structs, Vec::new());
    syn::visit::Visit::visit_block(&mut pushed, &item.block);
    for (id, ty) in pushed.1 {
        if !lists.iter().any(|(n, t)| *n == id && *t == ty) {
            lists.push((id, ty));
        }
    }
    struct Clones<'a> {
        /// (A clone is a list of its own, which may be cloned in turn.)
        lists: Vec<(syn::Ident, String)>,
        structs: &'a [(String, Vec<(String, String)>)],
    }
    impl Clones<'_> {
        /// The fields read of element `k` of `src`, or `None` for a field of another type.
        fn literal(&self, src: &syn::Ident, ty: &str, k: &syn::Ident) -> Option<syn::Expr> {
            let (_, fields) = self.structs.iter().find(|(n, _)| n == ty)?;
            let mut inits = Vec::new();
            for (f, t) in fields {
                let f = syn::Ident::new(f, proc_macro2::Span::call_site());
                let t: syn::Type = syn::parse_str(t).ok()?;
                match &t {
                    syn::Type::Array(a) if crate::sig::float_of(&a.elem).is_some() => {
                        let n = super::tuples::lit_usize(&a.len).filter(|n| *n <= 16)?;
                        let elems = (0..n).map(|j| quote::quote!(#src[#k].#f[#j]));
                        inits.push(quote::quote!(#f: [#(#elems),*]));
                    }
                    t if crate::sig::float_of(t).is_some() => {
                        inits.push(quote::quote!(#f: #src[#k].#f));
                    }
                    _ => return None,
                }
            }
            let ty = syn::Ident::new(ty, proc_macro2::Span::call_site());
            Some(syn::parse_quote!(#ty { #(#inits),* }))
        }
    }
    impl syn::visit_mut::VisitMut for Clones<'_> {
        fn visit_local_mut(&mut self, l: &mut syn::Local) {
            syn::visit_mut::visit_local_mut(self, l);
            let (id, typed) = match &l.pat {
                syn::Pat::Ident(id) => (id.clone(), false),
                syn::Pat::Type(pt) => match &*pt.pat {
                    syn::Pat::Ident(id) => (id.clone(), true),
                    _ => return,
                },
                _ => return,
            };
            let Some(init) = &mut l.init else { return };
            if init.diverge.is_some() || id.by_ref.is_some() {
                return;
            }
            let syn::Expr::MethodCall(m) = &*init.expr else {
                return;
            };
            // (`ps.iter().copied().collect()`, `.cloned()`, a turbofish too: the same copy.)
            let source = super::copied_whole(m);
            let Some(syn::Expr::Path(p)) = source.map(super::unparen) else {
                return;
            };
            let Some(src) = p.path.get_ident() else {
                return;
            };
            let Some((_, ty)) = self.lists.iter().find(|(n, _)| n == src).cloned() else {
                return;
            };
            let k = crate::naming::fresh("k");
            let Some(lit) = self.literal(src, &ty, &k) else {
                return;
            };
            let t = syn::Ident::new(&ty, proc_macro2::Span::call_site());
            self.lists.push((id.ident.clone(), ty.clone()));
            *init.expr = syn::parse_quote!((0..#src.len()).map(|#k| #lit).collect());
            if typed {
                return;
            }
            super::type_let(l, syn::parse_quote!(::std::vec::Vec<#t>));
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    // (A name bound twice, to lists of two types, is left as it is.)
    let mut seen = std::collections::HashSet::new();
    let ambiguous: Vec<_> = lists
        .iter()
        .filter(|(n, _)| !seen.insert(n.to_string()))
        .map(|(n, _)| n.clone())
        .collect();
    lists.retain(|(n, _)| !ambiguous.contains(n));
    syn::visit_mut::VisitMut::visit_block_mut(
        &mut Clones {
            lists,
            structs: &structs,
        },
        &mut item.block,
    );
}
