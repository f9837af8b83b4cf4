//! Rewrites of the body into forms lowering already knows, before it runs. The original function is
//! emitted untouched; only the body that `NAME_grad` is derived from is rewritten.

pub(crate) mod closures;
mod constant_matrices;
mod data_options;
mod filters;
mod held_ranges;
mod hoist;
pub use held_ranges::rewrite as held_ranges;
mod argsort;
mod array_maps;
mod items;
mod iterators;
mod labels;
mod late_init;
mod let_chains;
mod lift;
mod matches;
pub(crate) mod normal;
pub(crate) mod options;
mod part_rows;
mod partial_pushes;
mod piece_lists;
mod pops;
pub(crate) mod pushes;
pub(crate) use closures::free_names as closure_free_names;
pub use hoist::TAKING;
pub use pushes::empty_vec;
pub use tuples::mentions_float_type;
pub(crate) mod matrix_copies;
mod ranges;
mod refill_calls;
pub(crate) mod refs;
mod rest_patterns;
mod returns;
mod row_ends;
mod row_pushes;
mod scalar_clones;
mod searches;
mod split_collects;
mod stage_order;
mod struct_rows;
pub mod sub_slices;
mod tuple_rows;
mod tuple_values;
pub(crate) mod tuples;
pub(crate) mod value_structs;
pub(crate) mod vector_calls;
pub(crate) mod zip_order;

pub use iterators::{outer_changes, pieces_chain, pieces_loop, position_adapters, split_chains};
pub(crate) use normal::cyclic_by_index;
pub use returns::returns_as_branches;
pub use vector_calls::{read_as_sequence, vector_call};

/// Whether `e` is a call that may be of a vector-valued `#[gradient]` function (`f(..)`,
/// `Self::f(..)`, a model's `(&self.layer).f__model(..)`).
pub fn is_vector_call_candidate(e: &syn::Expr) -> bool {
    vector_calls::plain_fn_call(e)
}

/// The attribute that marks `let h = f(..);` as a vector-valued call (see `vector_call`).
pub fn vector_call_marker() -> syn::Ident {
    vector_calls::marker()
}

/// Whether `a` is one of the attributes desugaring puts on a `let` for lowering to read (a
/// vector-valued call, a vector of integers, data that may hold floats): no Rust attribute, so
/// removed wherever a block is kept as written (a helper inlined into a condition).
pub fn is_marker(a: &syn::Attribute) -> bool {
    let p = a.path();
    p.is_ident(&vector_call_marker()) || p.is_ident(pushes::INTEGERS) || p.is_ident(pushes::DATA)
}

use crate::errors::Errors;
use quote::quote;
use syn::visit_mut::VisitMut;

thread_local! {
    /// The iterator reductions rewritten into loops (see `Desugar::visit_expr_mut`): each loop, as
    /// printed, and the expression it was.
    static ORIGINALS: std::cell::RefCell<std::collections::HashMap<String, syn::Expr>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
    /// The `Vec<&f64>` locals of the derivation being lowered that hold the floats themselves
    /// (see `normal::normal_forms`).
    static REF_COLLECTS: std::cell::RefCell<std::collections::HashSet<String>> =
        std::cell::RefCell::new(std::collections::HashSet::new());
}

/// Whether the local `name` was declared `Vec<&f64>` (collected references) and holds the
/// floats: an expression kept as written reads it as the references it was
/// (`name.iter().collect::<Vec<&_>>()`), so that `**q` in `name.iter().map(|q| **q)` still
/// type-checks.
pub fn collected_refs(name: &proc_macro2::Ident) -> bool {
    REF_COLLECTS.with(|r| r.borrow().contains(&name.to_string()))
}

/// The expression a rewritten reduction was, for `e` the loop it became. Lowering follows the loop;
/// where it keeps an expression as written instead (a constant's method `C.log(..)`, a condition,
/// a bound), the loop, which binds references as floats (`max_by` over `xs.iter().copied()`), may
/// not type-check, and the user's expression is printed.
pub fn original(e: &syn::Expr) -> Option<syn::Expr> {
    if !matches!(e, syn::Expr::Paren(_) | syn::Expr::Block(_)) {
        return None;
    }
    let key = quote!(#e).to_string();
    ORIGINALS.with(|o| o.borrow().get(&key).cloned())
}

/// Forgets the rewritten reductions of the expansions before (one expansion expands several
/// derivations, each rewritten and lowered in turn, and keeps them all).
pub fn forget_originals() {
    ORIGINALS.with(|o| o.borrow_mut().clear());
}

/// Forgets, without dropping, what an expansion that did not finish left (a panic in it): the
/// compiler's token handles inside are stale, and dropping one in another expansion is an error.
pub fn abandon_originals() {
    ORIGINALS.with(|o| std::mem::forget(std::mem::take(&mut *o.borrow_mut())));
}

/// Runs every rewrite on the body of `item`.
/// Input: a statement that reads an element chosen by `min_by`/`max_by` over items that are not
/// floats, of a collection `of` accepts: `let best = X.iter().min_by(..).unwrap();`, or one that
/// reads such an element once (`s += X.iter().max_by(..).unwrap()[0];`). Output: the position
/// found, the element named, then the statement reading the name (see
/// `iterators::extremum_let`, `hoist::extremum`).
pub fn extremum_stmts(s: &syn::Stmt, of: &dyn Fn(&syn::Expr) -> bool) -> Option<Vec<syn::Stmt>> {
    if let Some(lets) = iterators::extremum_let(s, of) {
        return Some(lets);
    }
    let mut rest = s.clone();
    let hoisted = hoist::extremum(&mut rest, of)?;
    let mut out = iterators::extremum_let(&hoisted, of)?;
    out.push(rest);
    Some(out)
}

/// Whether `e` makes a collection (`Vec::new()`, `vec![..]`, a `collect()`, a copy).
fn collection(e: &syn::Expr) -> bool {
    match unparen(e) {
        syn::Expr::Macro(m) => m.mac.path.is_ident("vec"),
        syn::Expr::MethodCall(m) => ["collect", "to_vec", "clone"].iter().any(|n| m.method == n),
        e => pushes::empty_vec(e),
    }
}

/// The statements still to come (`work`, last first) with each that reads the element a search
/// of `name` chooses (`let best = name.iter().max_by(..).unwrap();`) as its position and a name
/// of the element (see [`extremum_stmts`]), in nested blocks too.
fn searches_of(work: &mut Vec<syn::Stmt>, name: &syn::Ident) {
    let is = |e: &syn::Expr| matches!(unparen(e), syn::Expr::Path(p) if p.path.is_ident(name));
    let searches = |s: &syn::Stmt| {
        let ts = quote!(#s);
        mentions(&ts, name) && crate::naming::mentions(ts, &|i| i == "max_by" || i == "min_by")
    };
    if !work.iter().any(searches) {
        return;
    }
    let mut out = Vec::with_capacity(work.len());
    for mut s in work.drain(..).rev() {
        if !searches(&s) {
            out.push(s);
            continue;
        }
        iterators::searches_in_blocks(&mut s, &is);
        match extremum_stmts(&s, &is) {
            Some(lets) => out.extend(lets),
            None => out.push(s),
        }
    }
    out.reverse();
    *work = out;
}

/// Every `let out = SOURCE.fold(INIT, |h, item| ..);` whose accumulator is a vector, in any
/// block, as the loop std runs (see `iterators::vector_fold_let`). Run before the other
/// rewrites, and by the models' pass before its own (`self.layers.iter().fold(x.to_vec(), |h,
/// layer| layer.forward(&h))`).
pub fn vector_folds(block: &mut syn::Block) {
    folds(block, iterators::vector_fold_let);
}

/// Every `let` of `block` (in any block) that `fold` rewrites, rewritten.
fn folds(block: &mut syn::Block, fold: fn(&syn::Local) -> Option<Vec<syn::Stmt>>) {
    struct Folds(fn(&syn::Local) -> Option<Vec<syn::Stmt>>);
    impl VisitMut for Folds {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, b);
            let mut out = Vec::with_capacity(b.stmts.len());
            for s in std::mem::take(&mut b.stmts) {
                match &s {
                    syn::Stmt::Local(l) => match (self.0)(l) {
                        Some(stmts) => out.extend(stmts),
                        None => out.push(s),
                    },
                    _ => out.push(s),
                }
            }
            b.stmts = out;
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Folds(fold).visit_block_mut(block);
}

/// The sequence `c` copies whole: `ps.clone()`, `ps.to_vec()`, `ps.iter().copied().collect()`
/// (`cloned()`, with a turbofish too).
pub(crate) fn copied_whole(c: &syn::ExprMethodCall) -> Option<&syn::Expr> {
    if !c.args.is_empty() {
        return None;
    }
    match unparen(&c.receiver) {
        syn::Expr::MethodCall(it)
            if c.method == "collect"
                && (it.method == "copied" || it.method == "cloned")
                && it.args.is_empty() =>
        {
            match unparen(&it.receiver) {
                syn::Expr::MethodCall(i) if i.method == "iter" && i.args.is_empty() => {
                    Some(&*i.receiver)
                }
                _ => None,
            }
        }
        r if c.method == "clone" || c.method == "to_vec" => Some(r),
        _ => None,
    }
}

/// Whether `e` is a place read without effects: a name, a field, an element at an index of
/// integer arithmetic over names and literals (`w[j]`, `m.pts[k + 1].x`), which may be read
/// several times for once.
pub fn is_place(e: &syn::Expr) -> bool {
    match unparen(e) {
        syn::Expr::Path(p) => p.qself.is_none(),
        syn::Expr::Field(f) => is_place(&f.base),
        syn::Expr::Index(i) => is_place(&i.expr) && integer_index(&i.index),
        _ => false,
    }
}

/// Whether `e` is integer arithmetic over places and literals, read without effects (`j`,
/// `k + 1`, `i * 3`): an index [`is_place`] accepts.
pub(crate) fn integer_index(e: &syn::Expr) -> bool {
    match unparen(e) {
        syn::Expr::Lit(_) => true,
        syn::Expr::Binary(b) => {
            !crate::lower::is_compound_assign(&b.op)
                && integer_index(&b.left)
                && integer_index(&b.right)
        }
        syn::Expr::Cast(c) => integer_index(&c.expr),
        e => is_place(e),
    }
}

pub fn run(item: &mut syn::ItemFn, sig: &crate::sig::Sig, errors: &Errors) {
    REF_COLLECTS.with(|r| r.borrow_mut().clear());
    closure_tails(&mut item.block);
    labels::labeled_blocks(&mut item.block);
    labels::unshadow(&mut item.block);
    let_chains::unchain(&mut item.block);
    hoist::closure_elements(&mut item.block);
    // (First: the rewrites of lists fill a list of computed values by index, `T::from(0.5)`.)
    constant_matrices::rewrite(&mut item.block);
    refill_calls::hoist(&mut item.block);
    row_pushes::typed_by_helpers(&mut item.block, &item.sig.ident.to_string());
    // (Before the values of structs are taken apart: a fold's accumulator becomes one.)
    folds(&mut item.block, iterators::struct_fold_let);
    value_structs::scalarize(item);
    struct_rows::list_clones(item);
    rest_patterns::split(&mut item.block);
    row_ends::rewrite(&mut item.block);
    array_maps::rewrite(item);
    vector_folds(&mut item.block);
    refuse_partly_pulled_state(&mut item.block, errors);
    refuse_lists_of_other_floats(&item.block, errors);
    hoist::leaving_values(&mut item.block);
    vector_calls::find_known(&item.block);
    let seqs: iterators::SeqParams = sig
        .params
        .iter()
        .filter(|p| matches!(p.class, crate::sig::ParamClass::FloatSeq(_)))
        .map(|p| p.ident.to_string())
        .collect();
    let mut ret = None;
    // `fn f(..) -> f64 { (0..n).map(..).sum() }`: the tail's type is the return type.
    if let syn::ReturnType::Type(_, ty) = &item.sig.output {
        if crate::sig::float_of(ty).is_some() {
            ret = Some((**ty).clone());
        }
        if crate::sig::float_of(ty).is_some() {
            if let Some(syn::Stmt::Expr(e, None)) = item.block.stmts.last_mut() {
                name_reduction_type(e, ty);
            }
        }
    }
    if let Some(float) = &ret {
        part_rows::named_rows(&mut item.block, float);
        part_rows::pushed_rows(&mut item.block, float);
    }
    let other_params = sig
        .params
        .iter()
        .filter(|p| !matches!(p.class, crate::sig::ParamClass::FloatSeq(_)))
        .map(|p| p.ident.to_string())
        .collect();
    let inactive_params = sig
        .params
        .iter()
        .filter(|p| !p.active)
        .map(|p| p.ident.to_string())
        .collect();
    let data_rows = sig
        .params
        .iter()
        .filter(|p| !p.active && crate::rows::is_rows(&p.ty))
        .map(|p| p.ident.to_string())
        .collect();
    let data_row_floats = sig
        .params
        .iter()
        .filter(|p| !p.active)
        .filter_map(|p| Some((p.ident.to_string(), crate::rows::row_floats(&p.ty)?)))
        .filter(|(n, _)| !binds_anywhere(&item.block, n))
        .collect();
    let float_params = sig
        .params
        .iter()
        .filter(|p| {
            matches!(
                p.class,
                crate::sig::ParamClass::Float | crate::sig::ParamClass::FloatSeq(_)
            )
        })
        .map(|p| p.ident.to_string())
        .collect();
    items::scope_items(&mut item.block);
    matrix_copies(&mut item.block);
    // `else if c { () }`: the unit value as a statement is an empty one.
    each_block_inner_first(&mut item.block, |b| {
        b.stmts.retain(
            |s| !matches!(s, syn::Stmt::Expr(syn::Expr::Tuple(t), _) if t.elems.is_empty()),
        );
    });
    scalar_clones::scalar_clones(&mut item.block, &item.sig);
    held_ranges::rewrite(&mut item.block, &item.sig);
    closures::inline_iterator_lets(&mut item.block);
    stage_order::rewrite(&mut item.block);
    // (Rows copied from pieces, read in place: the pieces' lists below.)
    normal::iterator_sources(&mut item.block);
    normal::turbofish_collects(&mut item.block);
    normal::drains(&mut item.block);
    normal::chunk_rows(&mut item.block);
    piece_lists::piece_lists(&mut item.block);
    argsort::value_pairs(&mut item.block);
    let refs = normal::normal_forms(&mut item.block);
    // (Before blocks are lifted, which renames their locals.)
    let seeds = float_seeds(item, &float_params);
    let floats_declared = tuples::float_names(&item.block, &seeds);
    // (Of a primitive float only, `retain` and `extend_from_slice`: the rewrites of buffers
    // given a new length fill `vec![0.0; n]`.)
    if let Some((elem, float)) = ret
        .as_ref()
        .and_then(|t| Some((t.clone(), crate::sig::float_of(t)?)))
    {
        let primitive = matches!(float, crate::ir::FloatTy::F64 | crate::ir::FloatTy::F32);
        normal::buffers_made_again(
            &mut item.block,
            &floats_declared,
            &float_params,
            &elem,
            primitive,
        );
    }
    // Only a name declared once is read as the references wherever it appears.
    let once: std::collections::HashSet<String> = refs
        .into_iter()
        .filter(|n| sig.params.iter().all(|p| p.ident != n) && declarations(&item.block, n) == 1)
        .collect();
    REF_COLLECTS.with(|r| *r.borrow_mut() = once);
    // (Again: `mem::replace` wrote clones of its own.)
    scalar_clones::scalar_clones(&mut item.block, &item.sig);
    array_param_copies(&mut item.block, sig);
    mut_seq_params(item, sig);
    copies_named_as_params(&mut item.block, &seqs);
    pops::pops(&mut item.block);
    hoist::taking_calls(&mut item.block);
    normal::methods_of_data_params(&mut item.block, &item.sig);
    normal::alias_self_fields(&mut item.block, &item.sig);
    normal::maps_of_array_params(&mut item.block, &item.sig);
    let type_params = crate::sig::type_param_names(&item.sig);
    let floats = options::float_locals(&item.block, &item.sig);
    typed_written_arrays(&mut item.block, &item.sig, &floats);
    if let Some(ret) = &ret {
        let params: std::collections::HashSet<String> = seqs.iter().cloned().collect();
        searches::rewrite(&mut item.block, &params, ret);
    }
    options::option_locals(&mut item.block, &floats);
    data_options::data_options(&mut item.block);
    crate::matrix_returns::callers(&mut item.block, &floats);
    let float_names = tuples::float_names(&item.block, &seeds);
    let mut data_names = hoist::data_names(&item.block, &float_names);
    // Parameters holding no float (`r: &[usize]`): a copy of one (`let mut r = r.to_vec();`) is
    // data too, typed as the user's code has it.
    data_names.extend(
        sig.params
            .iter()
            .filter(|p| !crate::sig::holds_float(&p.ty))
            .map(|p| p.ident.to_string()),
    );
    typed_data_copies(&mut item.block, sig);
    owned_into_iter(&mut item.block, &item.sig);
    Desugar {
        errors,
        seqs: &seqs,
        in_cond: 0,
        ret,
        type_params,
        other_params,
        float_params,
        float_names,
        data_names,
        inactive_params,
        data_rows,
        data_row_floats,
    }
    .visit_block_mut(&mut item.block);
    // `else { { continue; } }` (an arm's value the rewrites above wrapped): one block, so that a
    // `break` or `continue` in it is a statement of the branch, as lowering takes them.
    each_block_inner_first(&mut item.block, |b| {
        if let [syn::Stmt::Expr(syn::Expr::Block(inner), semi)] = &b.stmts[..] {
            let valued = matches!(inner.block.stmts.last(), Some(syn::Stmt::Expr(_, None)));
            if inner.label.is_none() && inner.attrs.is_empty() && (semi.is_none() || !valued) {
                b.stmts = inner.block.stmts.clone();
            }
        }
    });
    made_data_apart(&mut item.block);
}

/// Whether `ty` is a sequence (a slice, array or `Vec`, lent or not) of a primitive float or
/// of rows of them.
fn float_rows(ty: &syn::Type) -> bool {
    let mut t = ty;
    while let syn::Type::Reference(r) = t {
        t = &r.elem;
    }
    match crate::vector::seq_elem(t) {
        Some(e) => crate::sig::float_of(&e).is_some() || float_rows(&e),
        None => false,
    }
}

/// The float parameters and the constants of the module the body reads whose type names a
/// float (`const C: f64 = 0.7;`), and the parameters of data that are sequences of floats:
/// what a local's `let` may read to hold a float (`let mut acc = C;`).
fn float_seeds(
    item: &syn::ItemFn,
    float_params: &std::collections::HashSet<String>,
) -> std::collections::HashSet<String> {
    struct Paths(std::collections::BTreeSet<String>);
    impl<'a> syn::visit::Visit<'a> for Paths {
        fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
            if let Some(i) = p.path.get_ident() {
                self.0.insert(i.to_string());
            }
        }
    }
    let mut paths = Paths(std::collections::BTreeSet::new());
    syn::visit::Visit::visit_block(&mut paths, &item.block);
    let caller = item.sig.ident.to_string();
    let mut out = float_params.clone();
    // Sequences of floats (or of rows of them) lent as data: a copy of one of their rows
    // (`for x in xs.iter() { let mut h = x.clone(); .. }`) is a buffer of floats.
    out.extend(item.sig.inputs.iter().filter_map(|a| match a {
        syn::FnArg::Typed(pt) if float_rows(&pt.ty) => match &*pt.pat {
            syn::Pat::Ident(i) => Some(i.ident.to_string()),
            _ => None,
        },
        _ => None,
    }));
    out.extend(paths.0.into_iter().filter(|n| {
        !binds_anywhere(&item.block, n)
            && crate::prescan::const_type(&caller, n)
                .is_some_and(|t| tuples::mentions_float_type(&t))
    }));
    out
}

/// Input: a body declaring `let mut gl = Lcg::seeded(7);` more than once (a helper that makes
/// its own generator, inlined at two calls). Output: each declaration under a name of its own,
/// with what reads it: data changed in place is declared once per name at the top of the
/// generated functions (see `lower::data_locals`), and each call has its own.
fn made_data_apart(body: &mut syn::Block) {
    let mut names: Vec<String> = Vec::new();
    for l in all_lets(body) {
        let syn::Pat::Ident(pi) = &l.pat else {
            continue;
        };
        let made = l
            .init
            .as_ref()
            .is_some_and(|i| matches!(unparen(&i.expr), syn::Expr::Call(_) | syn::Expr::Struct(_)));
        let name = pi.ident.to_string();
        if pi.mutability.is_some() && made && !names.contains(&name) {
            names.push(name);
        }
    }
    for name in names {
        if declarations(body, &name) > 1 {
            let id = syn::Ident::new(&name, proc_macro2::Span::call_site());
            sub_slices::unshadow(&mut body.stmts, &id);
        }
    }
}

/// The functions `#[gradient]` generates beside `NAME`, by suffix.
const GENERATED: &[&str] = &[
    "_grad",
    "_jvp",
    "_hvp",
    "_hessian",
    "_hessian_diag",
    "_vjp",
    "_jacobian",
];

/// Calls of what `#[gradient]` generates for another annotated function (`inner_grad(x, y)`,
/// `sq_jvp(x, 1.0)`) are errors at the call: their derivative would be a second derivative of
/// `inner`, which is `hvp`'s business, and their own tables do not exist. So is global state
/// read and changed ([`global_state`]). Whether there is one (the rest of the expansion would
/// only add errors about what it made of the call).
pub fn nested_derivatives(body: &syn::Block, errors: &Errors) -> bool {
    struct Find<'e>(&'e Errors, bool);
    impl<'a> syn::visit::Visit<'a> for Find<'_> {
        fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
            if let Some(name) = vector_calls::registered_name(&c.func) {
                let name = name.to_string();
                let base = (!name.starts_with('_'))
                    .then(|| GENERATED.iter().find_map(|s| name.strip_suffix(s)))
                    .flatten();
                if let Some(base) = base.filter(|b| {
                    !b.is_empty()
                        && vector_calls::is_registered(b)
                        && !vector_calls::is_registered(&name)
                }) {
                    self.1 = true;
                    self.0.push_spanned(
                        &c.func,
                        format!("`{name}` is generated by `#[gradient]` for `{base}`, and a `#[gradient]` function cannot call it: its derivative would be a second derivative of `{base}`. Call `{base}` itself (the derivative goes through it), or, for second derivatives, put `hvp` on `{base}` (`#[gradient(hvp)]` gives `{base}_hvp` and `{base}_hessian`)"),
                    );
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find(errors, false);
    syn::visit::Visit::visit_block(&mut f, body);
    f.1 | global_state(body, errors)
}

/// A body that reads global state and changes it (`let ph = PHASE.fetch_add(1, Relaxed);`,
/// `PHASE.load(..)` then `PHASE.store(..)`, Enzyme's `checkpoint_hvp`): the derivative code runs
/// forward passes again (a helper's, in its caller's backward pass), which would read another
/// state and give another derivative. An error at the change; a counter only changed
/// (`CALLS.fetch_add(1, Relaxed);` as a statement) reads nothing back.
fn global_state(body: &syn::Block, errors: &Errors) -> bool {
    const CHANGES: &[&str] = &[
        "fetch_add",
        "fetch_sub",
        "fetch_max",
        "fetch_min",
        "fetch_and",
        "fetch_or",
        "fetch_xor",
        "fetch_nand",
        "fetch_update",
        "store",
        "swap",
        "compare_exchange",
        "compare_exchange_weak",
        "set",
        "replace",
        "borrow_mut",
        "lock",
        "write",
    ];
    const READS: &[&str] = &["load", "get", "borrow", "read", "lock", "into_inner"];
    fn global(e: &syn::Expr) -> bool {
        matches!(e, syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| {
            let name = s.ident.to_string();
            name.len() > 1 && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        }))
    }
    #[derive(Default)]
    struct Find<'a> {
        changes: Vec<&'a syn::ExprMethodCall>,
        reads: bool,
    }
    impl<'a> syn::visit::Visit<'a> for Find<'a> {
        fn visit_stmt(&mut self, s: &'a syn::Stmt) {
            // A change whose value is dropped reads nothing.
            if let syn::Stmt::Expr(syn::Expr::MethodCall(m), Some(_)) = s {
                if global(&m.receiver) && CHANGES.iter().any(|n| m.method == n) {
                    self.changes.push(m);
                    m.args.iter().for_each(|a| self.visit_expr(a));
                    return;
                }
            }
            syn::visit::visit_stmt(self, s);
        }
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            if global(&m.receiver) {
                if CHANGES.iter().any(|n| m.method == n) {
                    self.changes.push(m);
                    self.reads = true;
                } else if READS.iter().any(|n| m.method == n) {
                    self.reads = true;
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find::default();
    syn::visit::Visit::visit_block(&mut f, body);
    if !f.reads {
        return false;
    }
    for m in &f.changes {
        let recv = quote::ToTokens::to_token_stream(&m.receiver).to_string();
        errors.push_spanned(
            m,
            format!("`{recv}.{}(..)` changes global state this function also reads, and the code `#[gradient]` generates runs a function's forward pass again (its callers' backward passes do), so the state read there would differ and the derivative would be wrong: pass the state in as a parameter", m.method),
        );
    }
    !f.changes.is_empty()
}

/// Applies `f` to every block of `body`, inner blocks first, leaving alone the items nested in it
/// (functions of their own).
pub(crate) fn each_block_inner_first(body: &mut syn::Block, f: impl FnMut(&mut syn::Block)) {
    struct Blocks<F>(F);
    impl<F: FnMut(&mut syn::Block)> VisitMut for Blocks<F> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, b);
            (self.0)(b);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Blocks(f).visit_block_mut(body);
}

/// Input: `fn f(mut v: Vec<f64>)` (or `mut a: [f64; N]`), a sequence taken by value that the
/// body writes. Output: the body starting with `let mut v = v.to_vec();`, a local buffer copied
/// from the parameter (which the derivative reads as the function's input).
fn mut_seq_params(item: &mut syn::ItemFn, sig: &crate::sig::Sig) {
    let mut copies: Vec<syn::Stmt> = Vec::new();
    for input in &item.sig.inputs {
        let syn::FnArg::Typed(pt) = input else {
            continue;
        };
        let syn::Pat::Ident(pi) = &*pt.pat else {
            continue;
        };
        let seq = sig
            .params
            .iter()
            .any(|p| p.ident == pi.ident && matches!(p.class, crate::sig::ParamClass::FloatSeq(_)));
        if pi.mutability.is_some() && seq && !matches!(&*pt.ty, syn::Type::Reference(_)) {
            let id = &pi.ident;
            copies.push(syn::parse_quote_spanned!(id.span()=> let mut #id = #id.to_vec();));
        }
    }
    if !copies.is_empty() {
        copies.append(&mut item.block.stmts);
        item.block.stmts = copies;
    }
}

/// Input: `let mut s = y0;` of an array parameter taken by value (`y0: [f64; 2]`), a copy the
/// body writes (an ODE's state started from it). Output: `let mut s = y0.to_vec();`, a local
/// buffer. Left as it is where the body binds the parameter's name again.
fn array_param_copies(body: &mut syn::Block, sig: &crate::sig::Sig) {
    let arrays: std::collections::HashSet<String> = sig
        .params
        .iter()
        .filter(|p| {
            !p.by_ref
                && matches!(
                    p.class,
                    crate::sig::ParamClass::FloatSeq(crate::sig::SeqShape::Array(_))
                )
                && match &p.ty {
                    syn::Type::Reference(r) => {
                        r.mutability.is_none() && matches!(&*r.elem, syn::Type::Array(_))
                    }
                    _ => true,
                }
        })
        .map(|p| p.ident.to_string())
        .filter(|n| !binds_anywhere(body, n))
        .collect();
    if arrays.is_empty() {
        return;
    }
    struct Copies(std::collections::HashSet<String>);
    impl VisitMut for Copies {
        fn visit_local_mut(&mut self, l: &mut syn::Local) {
            syn::visit_mut::visit_local_mut(self, l);
            // `let mut s = y0;` of `y0: [T; N]`, `let mut s = *y0;` of `y0: &[T; N]`.
            let copy = plain_let(l).is_some_and(|(id, ty, e)| {
                let source = match e {
                    syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &*u.expr,
                    e => e,
                };
                id.mutability.is_some()
                    && ty.is_none_or(|t| matches!(t, syn::Type::Array(_)))
                    && matches!(source, syn::Expr::Path(p) if p.path
                        .get_ident()
                        .is_some_and(|i| self.0.contains(&i.to_string())))
            });
            if copy {
                if let Some(init) = &mut l.init {
                    let source = match &*init.expr {
                        syn::Expr::Unary(u) => (*u.expr).clone(),
                        e => e.clone(),
                    };
                    *init.expr = syn::parse_quote!(#source.to_vec());
                }
                // (The type, an array's, is the buffer's no longer.)
                if let syn::Pat::Type(pt) = &l.pat {
                    l.pat = (*pt.pat).clone();
                }
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Copies(arrays).visit_block_mut(body);
}

/// Input: a local matrix declared once, `let mut u = vec![vec![0.0; c]; r];` (or `vec![[0.0; C];
/// r]`), copied whole (`let mut next = u.clone();`, also `.to_vec()`, `.to_owned()`) and assigned
/// whole from such a copy (`u = next;`) or by row (`prev[i] = x[i];`), as a stencil or a
/// position-based step is written. Output: the copy a matrix of the same shape (`let mut next =
/// vec![vec![0.0; c]; r];`) filled element by element, and the assignments element by element:
/// matrices read and written by index, which the rewrite of local matrices follows.
fn matrix_copies(body: &mut syn::Block) {
    // The matrices' rows (`vec![0.0; c]`, `[0.0; C]`, the value as zero) and counts.
    let mut shapes: std::collections::HashMap<String, (syn::Expr, syn::Expr)> =
        std::collections::HashMap::new();
    let mut declared: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut copies: Vec<(String, String)> = Vec::new();
    struct Decls<'a>(
        &'a mut std::collections::HashMap<String, (syn::Expr, syn::Expr)>,
        &'a mut std::collections::HashMap<String, usize>,
        &'a mut Vec<(String, String)>,
    );
    impl<'a> syn::visit::Visit<'a> for Decls<'_> {
        fn visit_local(&mut self, l: &'a syn::Local) {
            syn::visit::visit_local(self, l);
            let Some((id, _, e)) = plain_let(l) else {
                let mut names = Vec::new();
                crate::lower::collect_pat_idents(&l.pat, &mut names);
                for n in names {
                    *self.1.entry(n.to_string()).or_default() += 2;
                }
                return;
            };
            *self.1.entry(id.ident.to_string()).or_default() += 1;
            if let Some(shape) = matrix_shape(e) {
                self.0.insert(id.ident.to_string(), shape);
            }
            // (`let prev = x.clone();`: the shape of `x`, found below.)
            if let syn::Expr::MethodCall(m) = e {
                let copy = ["clone", "to_vec", "to_owned"]
                    .iter()
                    .any(|n| m.method == n);
                if let (true, true, syn::Expr::Path(p)) = (copy, m.args.is_empty(), &*m.receiver) {
                    if let Some(src) = p.path.get_ident() {
                        self.2.push((id.ident.to_string(), src.to_string()));
                    }
                }
            }
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    syn::visit::Visit::visit_block(&mut Decls(&mut shapes, &mut declared, &mut copies), body);
    // A copy of a matrix has its shape (a copy of a copy too).
    loop {
        let mut grown = false;
        for (name, src) in &copies {
            if !shapes.contains_key(name) {
                if let Some(shape) = shapes.get(src).cloned() {
                    shapes.insert(name.clone(), shape);
                    grown = true;
                }
            }
        }
        if !grown {
            break;
        }
    }
    shapes.retain(|n, _| declared.get(n) == Some(&1));
    if shapes.is_empty() {
        return;
    }
    let matrix = |e: &syn::Expr| -> Option<String> {
        let syn::Expr::Path(p) = e else { return None };
        let n = p.path.get_ident()?.to_string();
        shapes.contains_key(&n).then_some(n)
    };
    let copy_of = |e: &syn::Expr| -> Option<String> {
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        let copies = ["clone", "to_vec", "to_owned"]
            .iter()
            .any(|n| m.method == n);
        if copies && m.args.is_empty() {
            matrix(&m.receiver)
        } else {
            None
        }
    };
    let (i, j) = (crate::naming::fresh("mi"), crate::naming::fresh("mj"));
    each_block_inner_first(body, |b| {
        let mut out = Vec::with_capacity(b.stmts.len());
        for s in std::mem::take(&mut b.stmts) {
            match &s {
                syn::Stmt::Local(l) => {
                    if let Some((id, None, e)) = plain_let(l) {
                        if let Some(src) = copy_of(e) {
                            let (row, count) = &shapes[&src];
                            let (name, src) = (&id.ident, syn::Ident::new(&src, id.ident.span()));
                            out.push(syn::parse_quote!(let mut #name = vec![#row; #count];));
                            out.push(syn::parse_quote!(
                                for #i in 0..#name.len() {
                                    for #j in 0..#name[#i].len() {
                                        #name[#i][#j] = #src[#i][#j];
                                    }
                                }
                            ));
                            continue;
                        }
                    }
                }
                syn::Stmt::Expr(syn::Expr::Assign(a), Some(_)) => {
                    // `prev[i] = x[i];`: a row of one matrix copied into a row of another.
                    let row = |e: &syn::Expr| match e {
                        syn::Expr::Index(ix) if !matches!(&*ix.index, syn::Expr::Range(_)) => {
                            matrix(&ix.expr).map(|_| ix.clone())
                        }
                        _ => None,
                    };
                    if let (Some(to), Some(from)) = (row(&a.left), row(&a.right)) {
                        out.push(syn::parse_quote!(
                            for #j in 0..#to.len() {
                                #to[#j] = #from[#j];
                            }
                        ));
                        continue;
                    }
                    let from = matrix(&a.right).or_else(|| copy_of(&a.right));
                    if let (Some(to), Some(from)) = (matrix(&a.left), from) {
                        let to = syn::Ident::new(&to, syn::spanned::Spanned::span(&a.left));
                        let from = syn::Ident::new(&from, syn::spanned::Spanned::span(&a.right));
                        out.push(syn::parse_quote!(
                            for #i in 0..#to.len() {
                                for #j in 0..#to[#i].len() {
                                    #to[#i][#j] = #from[#i][#j];
                                }
                            }
                        ));
                        continue;
                    }
                }
                _ => {}
            }
            out.push(s);
        }
        b.stmts = out;
    });
}

/// The shape of `vec![vec![v; c]; r]` or `vec![[v; C]; r]` of a float literal `v`: the rows
/// filled with zeros (`vec![0.0; c]`, `[0.0; C]`) and the count `r`.
fn matrix_shape(e: &syn::Expr) -> Option<(syn::Expr, syn::Expr)> {
    let syn::Expr::Macro(m) = e else { return None };
    if !m.mac.path.is_ident("vec") {
        return None;
    }
    let VecRepeat(row, count) = m.mac.parse_body().ok()?;
    let row: syn::Expr = match row {
        syn::Expr::Macro(inner) if inner.mac.path.is_ident("vec") => {
            let VecRepeat(v, c) = inner.mac.parse_body().ok()?;
            tuples::has_float_literal(&v).then_some(())?;
            syn::parse_quote!(vec![0.0; #c])
        }
        syn::Expr::Repeat(inner) => {
            tuples::has_float_literal(&inner.expr).then_some(())?;
            let c = &inner.len;
            syn::parse_quote!([0.0; #c])
        }
        _ => return None,
    };
    Some((row, count))
}

/// Input: `let mut r = r.to_vec();` (or `.to_owned()`) of a parameter holding no float (`r:
/// &[usize]`), and copies of such a copy (also `.clone()`). Output: `let mut r: Vec<usize> =
/// r.to_vec();`, typed as a local of data is read.
fn typed_data_copies(body: &mut syn::Block, sig: &crate::sig::Sig) {
    let elems: std::collections::HashMap<String, (syn::Type, bool)> = sig
        .params
        .iter()
        .filter(|p| !crate::sig::holds_float(&p.ty))
        .filter_map(|p| {
            let syn::Type::Reference(r) = &p.ty else {
                return None;
            };
            let elem = match &*r.elem {
                syn::Type::Slice(s) => (*s.elem).clone(),
                t => crate::vector::vector_elem(t)?,
            };
            Some((p.ident.to_string(), (elem, false)))
        })
        .collect();
    if elems.is_empty() {
        return;
    }
    // The names known to hold such data, with their elements' type and whether they are locals
    // (copies made in the body, in order: a copy of a copy is data too).
    struct Typed(std::collections::HashMap<String, (syn::Type, bool)>);
    impl VisitMut for Typed {
        fn visit_local_mut(&mut self, l: &mut syn::Local) {
            syn::visit_mut::visit_local_mut(self, l);
            let Some((_, None, syn::Expr::MethodCall(m))) = plain_let(l) else {
                return;
            };
            let syn::Expr::Path(p) = &*m.receiver else {
                return;
            };
            let Some((elem, local)) = p.path.get_ident().and_then(|i| self.0.get(&i.to_string()))
            else {
                return;
            };
            // (`clone` of a parameter `&[usize]` is the reference; of a local copy, a copy.)
            let copies =
                m.method == "to_vec" || m.method == "to_owned" || *local && m.method == "clone";
            if !copies || !m.args.is_empty() {
                return;
            }
            let elem = elem.clone();
            let ty: syn::Type = syn::parse_quote!(::std::vec::Vec<#elem>);
            if let syn::Pat::Ident(pi) = &l.pat {
                self.0.insert(pi.ident.to_string(), (elem, true));
            }
            type_let(l, ty);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Typed(elems).visit_block_mut(body);
}

/// Whether a pattern anywhere in `body` (a `let`, a closure's or a loop's) binds `name`.
fn binds_anywhere(body: &syn::Block, name: &str) -> bool {
    declarations(body, name) > 0
}

/// How many patterns in `body` (at any depth, outside the items declared in it) bind `name`.
pub(crate) fn declarations_here(body: &syn::Block, name: &str) -> usize {
    bindings(body, name, false)
}

/// How many patterns in `body` (at any depth) bind `name`.
pub(crate) fn declarations(body: &syn::Block, name: &str) -> usize {
    bindings(body, name, true)
}

/// How many patterns in `body` bind `name`, those of the items it declares too or not.
fn bindings(body: &syn::Block, name: &str, in_items: bool) -> usize {
    struct Finder<'a>(&'a str, usize, bool);
    impl<'a> syn::visit::Visit<'a> for Finder<'_> {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            self.1 += usize::from(p.ident == self.0);
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_item(&mut self, i: &'a syn::Item) {
            if self.2 {
                syn::visit::visit_item(self, i);
            }
        }
    }
    let mut f = Finder(name, 0, in_items);
    syn::visit::Visit::visit_block(&mut f, body);
    f.1
}

/// The elements of a list written out, `[a, b]` or `vec![a, b]` (`None` for anything else).
pub(crate) fn listed_elements(e: &syn::Expr) -> Option<Vec<syn::Expr>> {
    match unparen(e) {
        syn::Expr::Array(a) => Some(a.elems.iter().cloned().collect()),
        syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => Some(
            m.mac
                .parse_body_with(
                    syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
                )
                .ok()?
                .into_iter()
                .collect(),
        ),
        _ => None,
    }
}

/// Input: `let mut x = x.to_vec();` (`x.clone()`, `x.to_owned()`) of a sequence parameter `x`,
/// a copy under the parameter's own name. Output: the copy and what reads it after under a name
/// of its own, so that no rewrite takes the local buffer for the parameter.
fn copies_named_as_params(body: &mut syn::Block, seqs: &iterators::SeqParams) {
    struct Copies<'a>(&'a iterators::SeqParams);
    impl VisitMut for Copies<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, b);
            for k in 0..b.stmts.len() {
                let syn::Stmt::Local(l) = &b.stmts[k] else {
                    continue;
                };
                let Some((id, _, syn::Expr::MethodCall(m))) = plain_let(l) else {
                    continue;
                };
                let copy = ["to_vec", "clone", "to_owned"]
                    .iter()
                    .any(|c| m.method == c)
                    && m.args.is_empty()
                    && matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(&id.ident));
                if copy && self.0.contains(&id.ident.to_string()) {
                    let name = id.ident.clone();
                    sub_slices::unshadow(&mut b.stmts[k..], &name);
                }
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    if !seqs.is_empty() {
        Copies(seqs).visit_block_mut(body);
    }
}

/// Input: `v.into_iter()` of a buffer of floats the body owns (see [`owned_float_buffers`]), or
/// of a parameter taken by value (`v: Vec<f64>`), also in the body's nested functions (helpers
/// copied in to be inlined).
/// Output: `v.iter().copied()`, the same floats in the form every chain rewrite knows.
fn owned_into_iter(body: &mut syn::Block, sig: &syn::Signature) {
    struct IntoIter(std::collections::HashSet<String>);
    impl VisitMut for IntoIter {
        fn visit_item_fn_mut(&mut self, f: &mut syn::ItemFn) {
            let owned = owned_by(&f.sig, &f.block);
            IntoIter(owned).visit_block_mut(&mut f.block);
        }
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            let syn::Expr::MethodCall(m) = e else {
                return;
            };
            let owned = |r: &syn::Expr| matches!(r, syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.0.contains(&i.to_string())));
            if m.method == "into_iter" && m.args.is_empty() && owned(&m.receiver) {
                let (v, span) = (&m.receiver, m.method.span());
                let iter = syn::Ident::new("iter", span);
                *e = syn::parse_quote!(#v.#iter().copied());
            }
        }
        fn visit_item_mut(&mut self, i: &mut syn::Item) {
            if let syn::Item::Fn(f) = i {
                self.visit_item_fn_mut(f);
            }
        }
    }
    IntoIter(owned_by(sig, body)).visit_block_mut(body);
}

/// The buffers of floats a function with this signature and body owns: its own (see
/// [`owned_float_buffers`]) and the parameters it takes by value (`v: Vec<f64>`, `a: [f64; 3]`)
/// that it does not bind again.
fn owned_by(sig: &syn::Signature, body: &syn::Block) -> std::collections::HashSet<String> {
    let mut params = std::collections::HashSet::new();
    let mut by_value = Vec::new();
    for a in &sig.inputs {
        let syn::FnArg::Typed(pt) = a else { continue };
        let syn::Pat::Ident(id) = &*pt.pat else {
            continue;
        };
        params.insert(id.ident.to_string());
        if crate::vector::vector_elem(&pt.ty).is_some() && id.by_ref.is_none() {
            by_value.push(id.ident.to_string());
        }
    }
    let mut owned = owned_float_buffers(body, &params);
    owned.extend(by_value.into_iter().filter(|n| declarations(body, n) == 0));
    owned
}

/// Input: `let mut z = [C, D];` of names (constants of the module, whose type the macro does not
/// see), later written with a float (`z[0] = x;`, `z[1] += x;`, `z = [z[0] * x, z[1]];`).
/// Output: the `let` typed `[T; 2]` with the function's float type: what the writes say it holds,
/// and the form lowering knows as a buffer of floats.
fn typed_written_arrays(
    block: &mut syn::Block,
    sig: &syn::Signature,
    floats: &std::collections::HashSet<String>,
) {
    let syn::ReturnType::Type(_, ret) = &sig.output else {
        return;
    };
    if crate::sig::float_of(ret).is_none() {
        return;
    }
    struct Blocks<'a>(&'a std::collections::HashSet<String>, syn::Type);
    impl VisitMut for Blocks<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            type_in_block(b, self.0, &self.1);
            syn::visit_mut::visit_block_mut(self, b);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let t = (**ret).clone();
    Blocks(floats, t).visit_block_mut(block);
}

/// Whether `b` writes a float into `z`.
fn written_with_float(
    b: &syn::Block,
    z: &syn::Ident,
    floats: &std::collections::HashSet<String>,
) -> bool {
    struct W<'a>(&'a syn::Ident, &'a std::collections::HashSet<String>, bool);
    impl<'a> syn::visit::Visit<'a> for W<'_> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            let (place, value) = match e {
                syn::Expr::Assign(a) => (&*a.left, &*a.right),
                syn::Expr::Binary(b) if crate::lower::is_compound_assign(&b.op) => {
                    (&*b.left, &*b.right)
                }
                _ => {
                    syn::visit::visit_expr(self, e);
                    return;
                }
            };
            let target = match place {
                syn::Expr::Index(ix) => &*ix.expr,
                p => p,
            };
            if matches!(target, syn::Expr::Path(p) if p.path.is_ident(self.0))
                && options::float_evidence(value, self.1)
            {
                self.2 = true;
            }
            syn::visit::visit_expr(self, e);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut w = W(z, floats, false);
    syn::visit::Visit::visit_block(&mut w, b);
    w.2
}

fn type_in_block(
    block: &mut syn::Block,
    floats: &std::collections::HashSet<String>,
    t: &syn::Type,
) {
    let mut typed = Vec::new();
    for (k, s) in block.stmts.iter().enumerate() {
        let syn::Stmt::Local(l) = s else { continue };
        let syn::Pat::Ident(pi) = &l.pat else {
            continue;
        };
        let Some(init) = &l.init else { continue };
        let syn::Expr::Array(a) = &*init.expr else {
            continue;
        };
        // Elements the macro cannot type: names (`C`, `m::D`), none a float by its form.
        if a.elems.is_empty()
            || !a.elems.iter().all(|e| matches!(e, syn::Expr::Path(_)))
            || a.elems.iter().any(|e| options::float_evidence(e, floats))
            || pi.mutability.is_none()
        {
            continue;
        }
        let rest = syn::Block {
            brace_token: block.brace_token,
            stmts: block.stmts[k + 1..].to_vec(),
        };
        if written_with_float(&rest, &pi.ident, floats) {
            typed.push((k, a.elems.len()));
        }
    }
    for (k, n) in typed {
        if let syn::Stmt::Local(l) = &mut block.stmts[k] {
            type_let(l, syn::parse_quote!([#t; #n]));
        }
    }
}

/// The names the body binds, in every `let` of them, to a buffer or an array of floats it owns: a
/// `let` typed `Vec<f64>` or `[f64; N]` (any float), or given `vec![0.0; n]` or an array of float
/// literals.
fn owned_float_buffers(
    body: &syn::Block,
    params: &std::collections::HashSet<String>,
) -> std::collections::HashSet<String> {
    let mut owned = std::collections::HashSet::new();
    let mut other = std::collections::HashSet::new();
    for l in all_lets(body) {
        let (pat, ty) = pat_and_type(l);
        let syn::Pat::Ident(id) = pat else {
            continue;
        };
        let float_init = l.init.as_ref().is_some_and(|i| match &*i.expr {
            syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => tuples::has_float_literal(&i.expr),
            syn::Expr::Array(a) => {
                a.elems.iter().all(|e| matches!(e, syn::Expr::Lit(_)))
                    && tuples::has_float_literal(&i.expr)
            }
            _ => false,
        });
        let typed = ty.is_some_and(|t| crate::vector::vector_elem(t).is_some());
        let name = id.ident.to_string();
        if typed || (ty.is_none() && float_init) {
            owned.insert(name);
        } else {
            other.insert(name);
        }
    }
    // Scopes are not followed: a name also bound to something else (another `let`, a loop's or
    // a closure's pattern) is left as written.
    struct Bound(std::collections::HashMap<String, usize>);
    impl<'a> syn::visit::Visit<'a> for Bound {
        fn visit_pat_ident(&mut self, i: &'a syn::PatIdent) {
            *self.0.entry(i.ident.to_string()).or_default() += 1;
            syn::visit::visit_pat_ident(self, i);
        }
    }
    let mut bound = Bound(std::collections::HashMap::new());
    syn::visit::Visit::visit_block(&mut bound, body);
    owned.retain(|n| !other.contains(n) && !params.contains(n) && bound.0.get(n) == Some(&1));
    owned
}

/// Input: `let mut o = *b;` (or `let o = *b;`) of a sequence parameter `b: &[f64; N]`: a copy
/// the body may write. Output: `let mut o = b.to_vec();`, a local buffer.
fn copied_param_let(l: &syn::Local, seqs: &iterators::SeqParams) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = plain_let(l)?;
    if ty.is_some() {
        return None;
    }
    // (`let mut o = b;` of a `&[f64]` is a reference the body may point elsewhere.)
    let source = match init {
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &*u.expr,
        _ => return None,
    };
    let syn::Expr::Path(p) = source else {
        return None;
    };
    let name = p.path.get_ident()?;
    if !seqs.contains(&name.to_string()) {
        return None;
    }
    let (o, m) = (&id.ident, &id.mutability);
    Some(vec![syn::parse_quote!(let #m #o = #name.to_vec();)])
}

/// Input: `SOURCE.for_each(|p| body)` (the closure's value unused). Output: `for p in SOURCE {
/// body; }`, a `return` of the closure (leaving one call) as `continue`; `None` for a closure
/// that holds a loop its `return` would leave (its `continue` would then be that loop's).
fn for_each_loop(e: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(m) = e else {
        return None;
    };
    let (true, Some(syn::Expr::Closure(c))) = (m.method == "for_each", m.args.first()) else {
        return None;
    };
    if c.inputs.len() != 1 || m.args.len() != 1 {
        return None;
    }
    struct Returns {
        in_loop: usize,
        bad: bool,
    }
    impl VisitMut for Returns {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            match e {
                syn::Expr::Return(r) if r.expr.is_none() => {
                    self.bad |= self.in_loop > 0;
                    *e = syn::parse_quote!(continue);
                }
                syn::Expr::ForLoop(_) | syn::Expr::While(_) | syn::Expr::Loop(_) => {
                    self.in_loop += 1;
                    syn::visit_mut::visit_expr_mut(self, e);
                    self.in_loop -= 1;
                }
                _ => syn::visit_mut::visit_expr_mut(self, e),
            }
        }
        fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut body = (*c.body).clone();
    let mut r = Returns {
        in_loop: 0,
        bad: false,
    };
    r.visit_expr_mut(&mut body);
    if r.bad {
        return None;
    }
    let (pat, source) = (&c.inputs[0], &m.receiver);
    let pat = match pat {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    Some(match body {
        syn::Expr::Block(b) => {
            let stmts = &b.block.stmts;
            syn::parse_quote!(for #pat in #source { #(#stmts)* })
        }
        other => syn::parse_quote!(for #pat in #source { #other; }),
    })
}

/// Input: `let s: f64 = xs.iter().map(..).sum();`, `let v = ...collect::<Vec<f64>>();`.
/// Output: the reduction named by the `let`'s type (`sum::<f64>()`), as rewrites of
/// reductions read it.
fn name_let_reductions(b: &mut syn::Block) {
    for s in &mut b.stmts {
        let syn::Stmt::Local(syn::Local {
            pat,
            init: Some(init),
            ..
        }) = s
        else {
            continue;
        };
        if let syn::Pat::Type(pt) = pat {
            if crate::sig::float_of(&pt.ty).is_some()
                || crate::vector::vector_elem(&pt.ty).is_some()
            {
                name_reduction_type(&mut init.expr, &pt.ty);
            }
        } else if matches!(&*init.expr, syn::Expr::MethodCall(c) if c.method == "collect") {
            // `let v = ...collect::<Vec<f64>>();`: typed by the turbofish.
            name_reduction_type(&mut init.expr, &syn::parse_quote!(_));
        }
    }
}

/// Input: `.sum()` or `.product()` whose float type `ty` the context gives (`let s: f64 = ..`,
/// the function's tail). Output: `.sum::<ty>()`, the form every reduction rewrite recognizes.
pub(crate) fn name_reduction_type(e: &mut syn::Expr, ty: &syn::Type) {
    match e {
        syn::Expr::Paren(p) => name_reduction_type(&mut p.expr, ty),
        // `|u: usize| -> f64 { (0..d).map(..).sum() }`, inlined as a block of that type.
        syn::Expr::Block(b) if b.label.is_none() => {
            if let Some(syn::Stmt::Expr(tail, None)) = b.block.stmts.last_mut() {
                name_reduction_type(tail, ty);
            }
        }
        // `if c { x.iter().filter(..).sum() } else { 0.0 }`, `match k { 0 => .., _ => .. }`:
        // each branch's value is of that type.
        syn::Expr::If(i) => {
            if let Some(syn::Stmt::Expr(tail, None)) = i.then_branch.stmts.last_mut() {
                name_reduction_type(tail, ty);
            }
            if let Some((_, e)) = &mut i.else_branch {
                name_reduction_type(e, ty);
            }
        }
        syn::Expr::Match(m) => {
            for a in &mut m.arms {
                name_reduction_type(&mut a.body, ty);
            }
        }
        // `(0..k).map(|c| (0..d).map(..).sum()).collect::<Vec<f64>>()`: each item a float, the
        // closure's reduction of that type.
        syn::Expr::MethodCall(m) if m.method == "collect" && m.args.is_empty() => {
            let elem = match (&m.turbofish, crate::vector::vector_elem(ty)) {
                (_, Some(t)) => Some(t),
                (Some(t), None) => match t.args.first() {
                    Some(syn::GenericArgument::Type(v)) => crate::vector::vector_elem(v),
                    _ => None,
                },
                _ => None,
            };
            if let (Some(elem), syn::Expr::MethodCall(map)) = (elem, &mut *m.receiver) {
                if map.method == "map" && map.args.len() == 1 {
                    if let syn::Expr::Closure(c) = &mut map.args[0] {
                        if crate::sig::float_of(&elem).is_some() {
                            name_reduction_type(&mut c.body, &elem);
                        }
                    }
                }
            }
        }
        syn::Expr::MethodCall(m)
            if (m.method == "sum" || m.method == "product")
                && m.turbofish.is_none()
                && m.args.is_empty() =>
        {
            m.turbofish = Some(syn::parse_quote!(::<#ty>));
        }
        _ => {}
    }
}

struct Desugar<'e> {
    errors: &'e Errors,
    /// The float-slice parameters, whose reductions lowering takes as they are.
    seqs: &'e iterators::SeqParams,
    /// Inside a condition (`if`, `while`, a match guard): kept as written and never
    /// differentiated, so its iterator chains stay as the user wrote them (the loops they would
    /// become bind references as floats, which only lowering accepts).
    in_cond: usize,
    /// The function's float return type, for the value of a `return` inside a loop.
    ret: Option<syn::Type>,
    /// The function's type parameters, which a function declared in its body may name again.
    type_params: std::collections::HashSet<String>,
    /// The parameters that are no float sequences (a `let s = &p[a..b];` of one stays as it is).
    other_params: std::collections::HashSet<String>,
    /// The float and float-sequence parameters.
    float_params: std::collections::HashSet<String>,
    /// Those and the locals that hold floats by their `let`s (see `tuples::float_names`).
    float_names: std::collections::HashSet<String>,
    /// The locals that hold data by their `let`s (see `hoist::data_names`).
    data_names: std::collections::HashSet<String>,
    /// The parameters not differentiated (left out by `wrt`, or of no float type).
    inactive_params: std::collections::HashSet<String>,
    /// Those of them that are rows (`ws: &[Vec<f64>]`, data).
    data_rows: std::collections::HashSet<String>,
    /// The rows parameters of data of arrays or vectors of floats, by name: their float type,
    /// and whether they are arrays (a row copied into a local becomes a buffer).
    data_row_floats: std::collections::HashMap<String, (crate::ir::FloatTy, bool)>,
}

impl Desugar<'_> {
    /// `v = ..collect();` (typed by the function's float type: the name's prefix and the type)
    /// or `v = x[a..b].to_vec();` (`x.to_vec()`, `.to_owned()`: no type needed) of a buffer of
    /// floats `v`, whose new value is a buffer made by the right side.
    fn new_buffer(&self, a: &syn::ExprAssign) -> Option<(&'static str, Option<&syn::Type>)> {
        let float_buffer = matches!(&*a.left, syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.float_names.contains(&i.to_string())));
        let syn::Expr::MethodCall(m) = &*a.right else {
            return None;
        };
        if !float_buffer || !m.args.is_empty() {
            return None;
        }
        if m.method == "collect" {
            return Some(("collected", Some(self.ret.as_ref()?)));
        }
        let part = match &*m.receiver {
            syn::Expr::Path(_) => true,
            syn::Expr::Index(ix) => matches!(&*ix.index, syn::Expr::Range(_)),
            _ => false,
        };
        ((m.method == "to_vec" || m.method == "to_owned") && part).then_some(("copied", None))
    }
}

/// `e` without the parentheses around it.
/// `e` without the positional adapters around its source (`.rev()`, `.skip(k)`, `.take(k)`,
/// `.step_by(k)`, `.enumerate()`: each works on positions alike), and whether one of them is
/// `.enumerate()` (then the items are `(i, item)`).
pub(crate) fn positional_source(mut e: &syn::Expr) -> (&syn::Expr, bool) {
    let mut enumerated = false;
    while let syn::Expr::MethodCall(m) = e {
        let known = match m.method.to_string().as_str() {
            "rev" | "enumerate" => m.args.is_empty(),
            "skip" | "take" | "step_by" => m.args.len() == 1,
            _ => false,
        };
        if !known {
            break;
        }
        enumerated |= m.method == "enumerate";
        e = &m.receiver;
    }
    (e, enumerated)
}

pub fn unparen(mut e: &syn::Expr) -> &syn::Expr {
    while let syn::Expr::Paren(p) = e {
        e = &p.expr;
    }
    e
}

/// Every `let` of `body`, at any depth, in order.
pub(super) fn all_lets(body: &syn::Block) -> Vec<&syn::Local> {
    struct Lets<'a>(Vec<&'a syn::Local>);
    impl<'a> syn::visit::Visit<'a> for Lets<'a> {
        fn visit_local(&mut self, l: &'a syn::Local) {
            self.0.push(l);
            syn::visit::visit_local(self, l);
        }
    }
    let mut lets = Lets(Vec::new());
    syn::visit::Visit::visit_block(&mut lets, body);
    lets.0
}

impl Desugar<'_> {
    /// Whether `l`'s value is a copy of a local of data or what a taking call takes out of one
    /// (`tail.clone()`, `idx.drain(..k).collect()`), which stays data (see `hoist::data_names`).
    fn copies_data(&self, l: &syn::Local) -> bool {
        let Some(init) = &l.init else { return false };
        hoist::data_chain(&init.expr, &self.data_names)
    }
}

/// The `cfg(...)` predicate of a `#[cfg]` attribute, removing every attribute that only concerns
/// the compiler's lints or tools (`#[allow]`, `#[rustfmt::skip]`, ...) along the way.
fn take_cfg(attrs: &mut Vec<syn::Attribute>) -> Vec<proc_macro2::TokenStream> {
    let mut preds = Vec::new();
    attrs.retain(|a| {
        if a.path().is_ident("cfg") {
            if let syn::Meta::List(l) = &a.meta {
                preds.push(l.tokens.clone());
            }
            return false;
        }
        !a.path().is_ident("cfg_attr")
    });
    preds
}

fn expr_attrs(e: &mut syn::Expr) -> Option<&mut Vec<syn::Attribute>> {
    use syn::Expr::*;
    Some(match e {
        Assign(x) => &mut x.attrs,
        Binary(x) => &mut x.attrs,
        Block(x) => &mut x.attrs,
        Call(x) => &mut x.attrs,
        ForLoop(x) => &mut x.attrs,
        If(x) => &mut x.attrs,
        Loop(x) => &mut x.attrs,
        Macro(x) => &mut x.attrs,
        Match(x) => &mut x.attrs,
        MethodCall(x) => &mut x.attrs,
        Paren(x) => &mut x.attrs,
        Unary(x) => &mut x.attrs,
        While(x) => &mut x.attrs,
        Path(x) => &mut x.attrs,
        Lit(x) => &mut x.attrs,
        _ => return None,
    })
}

impl VisitMut for Desugar<'_> {
    /// Input: `#[cfg(feature = "l2")] { s += l2 * w * w; }` as a statement.
    /// Output: `if ::core::cfg!(feature = "l2") { s += l2 * w * w; }`: the compiler still decides,
    /// and the derivative is that of the path taken.
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let n = b.stmts.len();
        name_let_reductions(b);
        for (k, s) in b.stmts.iter_mut().enumerate() {
            let tail = k + 1 == n && matches!(s, syn::Stmt::Expr(_, None));
            let preds = match s {
                syn::Stmt::Local(l) => {
                    // `expand` derives one gradient per outcome of these; none should be left.
                    let preds = take_cfg(&mut l.attrs);
                    if let Some(p) = preds.first() {
                        self.errors.push_spanned(
                            l.let_token,
                            format!("`#[gradient]` does not support `#[cfg]` on this `let`: write `let name = if cfg!({p}) {{ value }} else {{ other }};`"),
                        );
                    }
                    Vec::new()
                }
                syn::Stmt::Macro(m) => take_cfg(&mut m.attrs),
                syn::Stmt::Expr(e, _) => expr_attrs(e).map(take_cfg).unwrap_or_default(),
                syn::Stmt::Item(_) => Vec::new(),
            };
            if !preds.is_empty() {
                if tail {
                    self.errors.push_spanned(
                        &*s,
                        "`#[gradient]` does not support `#[cfg]` on the value of a block: use `if cfg!(..) { .. } else { .. }`",
                    );
                } else {
                    let stmt = &*s;
                    let stmt = match stmt {
                        syn::Stmt::Expr(e, None) => quote!(#e;),
                        other => quote!(#other),
                    };
                    *s = syn::parse_quote!(if #(::core::cfg!(#preds))&&* { #stmt });
                }
            }
        }
        late_init::declare_in_loops(&mut b.stmts);
        if let Some(ret) = &self.ret {
            returns::hoist_loop_returns(&mut b.stmts, ret);
        }
        labels::unlabel_loops(&mut b.stmts);
        closures::assigned_calls_to_lets(b);
        closures::inline_fn_items_of(b, &self.type_params, self.ret.as_ref());
        closures::inline_closures(b);
        let lifted = lift::lift_blocks(b);
        if lifted {
            // A closure of a lifted block (`let t = { let g = |u| ..; [g(a), g(b)] };`) is one
            // of this block now; so are its typed `let`s, which the block's own visit (after
            // this one) would have read.
            closures::inline_closures(b);
            name_let_reductions(b);
        }
        // An `Option` a helper gives, inlined (`safe_ln(x).unwrap_or(0.0)`, `let o:
        // Option<f64> = safe_ln(x);`): a local of this block now.
        if b.stmts.iter().any(options::option_let) {
            options::option_locals(b, &std::collections::HashSet::new());
            // (A search's labeled loop, now a statement: see `searches`.)
            labels::unlabel_loops(&mut b.stmts);
        }
        if lifted {
            // The other statements of a lifted block are this block's now too, which the
            // rewrites above saw as they were: its labeled loops (`let g = { 'l: for .. {
            // continue 'l; } .. };`), and the `return`s in its loops. (After the `Option`s:
            // a search's labeled loop is the form `option_locals` takes apart.)
            late_init::declare_in_loops(&mut b.stmts);
            if let Some(ret) = &self.ret {
                returns::hoist_loop_returns(&mut b.stmts, ret);
            }
            labels::unlabel_loops(&mut b.stmts);
        }
        pushes::cleared_lets(b);
        self.splice(b);
        syn::visit_mut::visit_block_mut(self, b);
    }

    /// Input: `while { res += x; c += 1; c < 3 } { body }`.
    /// Output: `{ let mut F = true; while F { F = { res += x; c += 1; c < 3 }; if !F { break; } body } }`
    /// with a hidden `F`: the condition's statements become statements of the loop.
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        self.rewrite_before_parts(e);
        syn::visit_mut::visit_expr_mut(self, e);
        match e {
            syn::Expr::While(w) if has_statements(&w.cond) => {
                let flag = crate::naming::hidden("cond");
                let (cond, body, label) = (&w.cond, &w.body.stmts, &w.label);
                *e = syn::parse_quote! {
                    {
                        let mut #flag = true;
                        #label while #flag {
                            #flag = #cond;
                            if !#flag {
                                break;
                            }
                            #(#body)*
                        }
                    }
                };
            }
            // A match that only computes a `bool` (the conditions written by `match_to_if`) is
            // carried along as written.
            syn::Expr::Match(m) if !matches::only_bools(m) => {
                let (bind, chain) = matches::match_to_if(m);
                *e = syn::parse_quote!({ #(#bind)* #chain });
            }
            syn::Expr::Loop(l) => *e = matches::loop_to_while(l),
            // `x[a..b][k]`, `(&x[a..b])[k]` (an accessor's part, indexed): `x[a + k]`. (Not a
            // part of the part, `x[a..][..k]`, which is no position.)
            syn::Expr::Index(ix)
                if part_start(&ix.expr).is_some() && !matches!(&*ix.index, syn::Expr::Range(_)) =>
            {
                let (x, start) = part_start(&ix.expr).expect("checked");
                let k = &ix.index;
                *e = syn::parse_quote!(#x[#start + (#k)]);
            }
            // `*x.last().unwrap()`, `x.first().copied().unwrap()`, `x.get(i).unwrap()`: `x[..]`.
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                if let Some(ix) = element_access(&u.expr) {
                    *e = ix;
                }
            }
            syn::Expr::MethodCall(_) if element_access(e).is_some() => {
                *e = element_access(e).expect("checked");
            }
            // `vec![e; n]`: the value inside is rewritten like any other expression.
            syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                vec_elements(&mut m.mac, |e| self.visit_expr_mut(e));
            }
            // `state = [a, b];` of an array: every element computed, then stored in turn.
            syn::Expr::Assign(a)
                if matches!(&*a.left, syn::Expr::Path(_))
                    && matches!(&*a.right, syn::Expr::Array(arr) if !arr.elems.is_empty()) =>
            {
                let syn::Expr::Array(arr) = &*a.right else {
                    unreachable!("matched above")
                };
                let x = &a.left;
                let temps: Vec<syn::Ident> = crate::naming::fresh_names("elem", arr.elems.len());
                let elems = arr.elems.iter();
                let k = 0..temps.len();
                *e = syn::parse_quote!({
                    #(let #temps = #elems;)*
                    #(#x[#k] = #temps;)*
                });
            }
            // `x.sin_cos().0` is `x.sin()`.
            syn::Expr::Field(f) => {
                if let (syn::Expr::MethodCall(m), syn::Member::Unnamed(k)) = (&*f.base, &f.member) {
                    if m.method == "sin_cos" && m.args.is_empty() && k.index < 2 {
                        let recv = &m.receiver;
                        let method = if k.index == 0 { "sin" } else { "cos" };
                        let method = syn::Ident::new(method, m.method.span());
                        *e = syn::parse_quote!(#recv.#method());
                    }
                }
            }
            syn::Expr::ForLoop(f) => {
                if let Some(it) = subslice_iter(&f.expr) {
                    *f.expr = it;
                }
                if let Some(l) = iterators::pieces_loop(f) {
                    *e = l;
                } else if let Some(l) =
                    iterators::iter_mut_loop(f).or_else(|| iterators::chunks_mut_loop(f))
                {
                    *e = l;
                } else if let Some(l) = iterators::chain_loop(f) {
                    *e = l;
                } else if let Some(l) = iterators::flat_map_loop(f) {
                    *e = l;
                } else if let Some(l) = filters::filter_loop(f).or_else(|| filters::map_loop(f)) {
                    *e = l;
                    // Its body's statements get the rewrites of statements (a helper giving an
                    // `Option` in a `filter_map`, `if let Some(v) = h(x) { .. } else { continue }`
                    // now), as a reduction's loop does below.
                    let lp = match e {
                        syn::Expr::Block(b) => match b.block.stmts.last_mut() {
                            Some(syn::Stmt::Expr(syn::Expr::ForLoop(f), _)) => Some(f),
                            _ => None,
                        },
                        syn::Expr::ForLoop(f) => Some(f),
                        _ => None,
                    };
                    if let Some(f) = lp {
                        self.visit_block_mut(&mut f.body);
                    }
                    iterators::pieces_loops(e);
                }
            }
            syn::Expr::MethodCall(_) if subslice_iter(e).is_some() => {
                *e = subslice_iter(e).expect("checked");
            }
            syn::Expr::MethodCall(m) if !closure_returns(m) => {
                let before = syn::Expr::MethodCall(m.clone());
                if let Some(folded) = iterators::reduce_as_fold(m) {
                    *m = folded;
                }
                if let Some(l) = iterators::any_all(m).filter(|_| self.in_cond == 0) {
                    *e = l;
                    let key = quote!(#e).to_string();
                    ORIGINALS.with(|o| o.borrow_mut().insert(key, before));
                    return;
                }
                if self.in_cond > 0 {
                    return;
                }
                iterators::fold_path_to_closure(m);
                iterators::pieces_chain(m);
                if let Some(l) = iterators::filtered_reduction(m)
                    .or_else(|| filters::filtered_chain(m))
                    .or_else(|| filters::filtered_fold(m))
                    .or_else(|| iterators::extremum(m))
                    .or_else(|| ranges::reduction_to_loop(m))
                    .or_else(|| iterators::reduction_over_data(m, self.seqs))
                {
                    // In parentheses: a block at the start of a statement (`{ .. } * y`, as
                    // a closure's body is written into a block) would end there once printed.
                    *e = match l {
                        // Its statements get the rewrites of statements (a call given `&[a,
                        // b]` in the loop's body, hoisted there).
                        syn::Expr::Block(mut b) => {
                            self.visit_block_mut(&mut b.block);
                            syn::parse_quote!((#b))
                        }
                        l => l,
                    };
                    let key = quote!(#e).to_string();
                    ORIGINALS.with(|o| o.borrow_mut().insert(key, before));
                }
            }
            syn::Expr::If(i) if has_statements(&i.cond) => {
                let flag = crate::naming::hidden("cond");
                let cond = &i.cond;
                let mut plain = i.clone();
                plain.cond = syn::parse_quote!(#flag);
                *e = syn::parse_quote!({
                    let #flag: bool = #cond;
                    #plain
                });
            }
            _ => {}
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}

    fn visit_expr_if_mut(&mut self, i: &mut syn::ExprIf) {
        self.visit_condition(&mut i.cond);
        self.visit_block_mut(&mut i.then_branch);
        if let Some((_, e)) = &mut i.else_branch {
            self.visit_expr_mut(e);
        }
    }

    fn visit_expr_while_mut(&mut self, w: &mut syn::ExprWhile) {
        self.visit_condition(&mut w.cond);
        self.visit_block_mut(&mut w.body);
    }

    fn visit_expr_match_mut(&mut self, m: &mut syn::ExprMatch) {
        // The scrutinee is bound to a name (`let M = ..;`) that the arms' conditions read: it is
        // a value, rewritten as any other (a `match` of `bool`s that only computes a condition
        // stays a condition).
        let cond = usize::from(matches::only_bools(m));
        self.in_cond += cond;
        self.visit_expr_mut(&mut m.expr);
        self.in_cond -= cond;
        for a in &mut m.arms {
            self.visit_arm_mut(a);
        }
    }

    fn visit_arm_mut(&mut self, a: &mut syn::Arm) {
        if let Some((_, g)) = &mut a.guard {
            self.in_cond += 1;
            self.visit_expr_mut(g);
            self.in_cond -= 1;
        }
        self.visit_expr_mut(&mut a.body);
    }
}

impl Desugar<'_> {
    /// A condition: its value read as a condition, the statements of a block condition (`if {
    /// acc += xs.iter().sum::<f64>(); acc > 1.0 } { .. }`) rewritten as the statements they are.
    fn visit_condition(&mut self, cond: &mut syn::Expr) {
        if let syn::Expr::Block(b) = cond {
            if let (true, Some(syn::Stmt::Expr(_, None))) =
                (b.block.stmts.len() > 1, b.block.stmts.last())
            {
                let tail = b.block.stmts.pop().expect("checked just above");
                let saved = std::mem::take(&mut self.in_cond);
                self.visit_block_mut(&mut b.block);
                self.in_cond = saved;
                b.block.stmts.push(tail);
                if let Some(syn::Stmt::Expr(tail, None)) = b.block.stmts.last_mut() {
                    self.in_cond += 1;
                    self.visit_expr_mut(tail);
                    self.in_cond -= 1;
                }
                return;
            }
        }
        self.in_cond += 1;
        self.visit_expr_mut(cond);
        self.in_cond -= 1;
    }

    /// The rewrites that must see an expression before its parts are rewritten.
    /// The function's float type: its return type, or the element type of the vector it returns.
    fn float_elem(&self) -> Option<syn::Type> {
        self.ret.as_ref().and_then(|t| {
            crate::sig::float_of(t)
                .is_some()
                .then(|| t.clone())
                .or_else(|| crate::vector::vector_elem(t))
        })
    }

    fn rewrite_before_parts(&self, e: &mut syn::Expr) {
        // `|&x| safe_ln(x).unwrap_or(0.0)` with the helper inlined: a block body, whose
        // statements the `Option`'s lifting can take.
        let blocked = |body: &mut syn::Expr| {
            if !matches!(body, syn::Expr::Block(_)) && lift::holds_inlined_option(body) {
                *body = syn::parse_quote!({ #body });
            }
        };
        if let syn::Expr::Closure(c) = e {
            blocked(&mut c.body);
        }
        // So too an arm's value (`None => xs.get(1).copied().unwrap_or(0.0)`, a search inside):
        // the `if` the `match` becomes keeps the block.
        if let syn::Expr::Match(m) = e {
            for arm in &mut m.arms {
                blocked(&mut arm.body);
            }
        }
        // `*idx.first().unwrap()`: the element, before the call inside becomes `idx[0]` (the
        // `*` of which a value of data would keep).
        if let syn::Expr::Unary(u) = e {
            if matches!(u.op, syn::UnOp::Deref(_)) {
                if let Some(ix) = element_access(&u.expr) {
                    *e = ix;
                }
            }
        }
        // `for i in 0..(x * 3.0).floor() as usize`: a bound with a cast is computed first, as a
        // `let` (Rust evaluates a range's bounds once, before the loop).
        if let syn::Expr::ForLoop(f) = e {
            if let syn::Expr::Range(r) = &mut *f.expr {
                let mut lets: Vec<syn::Stmt> = Vec::new();
                for bound in [&mut r.start, &mut r.end].into_iter().flatten() {
                    if has_cast(bound) {
                        let n = crate::naming::fresh("bound");
                        lets.push(syn::parse_quote!(let #n = #bound;));
                        **bound = syn::parse_quote!(#n);
                    }
                }
                if !lets.is_empty() {
                    *e = syn::parse_quote!({ #(#lets)* #f });
                }
            }
        }
        // `w[i] = (0..n).map(..).sum();`, `t = ..;`: a place of floats gives the sum its type.
        if let syn::Expr::Assign(a) = e {
            let mut base = &*a.left;
            while let syn::Expr::Index(syn::ExprIndex { expr: b, .. })
            | syn::Expr::Paren(syn::ExprParen { expr: b, .. })
            | syn::Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Deref(_),
                expr: b,
                ..
            }) = base
            {
                base = b;
            }
            let name = match base {
                syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
                _ => None,
            };
            if let (Some(elem), Some(name)) = (self.float_elem(), name) {
                if self.float_names.contains(&name) {
                    name_reduction_type(&mut a.right, &elem);
                }
            }
        }
        // `h = h.chunks(2).map(..).collect();` into a buffer of floats: a collected `let`, then
        // the buffer given its contents (and length).
        if let syn::Expr::Assign(a) = e {
            let target = match &*a.left {
                syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
                _ => None,
            };
            let collected = matches!(&*a.right, syn::Expr::MethodCall(m) if m.method == "collect" && m.args.is_empty());
            if let (Some(name), true, Some(elem)) = (target, collected, self.float_elem()) {
                if self.float_names.contains(&name) {
                    let new = crate::naming::fresh("collected");
                    let (x, r) = (&a.left, &a.right);
                    *e = syn::parse_quote!({
                        let #new: ::std::vec::Vec<#elem> = #r;
                        #x = #new;
                    });
                }
            }
        }
        // `OPT.unwrap_or(d)`: rewritten before its parts, whose own rewrites (a sub-slice's
        // `iter()`) would hide where the items come from.
        if let syn::Expr::MethodCall(m) = e {
            if let Some((test, default, unwrap)) = unwrap_or(m).filter(|_| self.in_cond == 0) {
                *e = syn::parse_quote!((if #test { #default } else { #unwrap }));
            }
        }
        // `SOURCE.for_each(|p| body)`: the loop it is, before the loop's own rewrites.
        if let Some(l) = for_each_loop(e) {
            *e = l;
        }
        // `f64::ln(x.iter().sum())`, `return x.iter().sum();`: the sum's type is the float.
        match e {
            syn::Expr::Call(c) => {
                if let syn::Expr::Path(p) = &*c.func {
                    let float = p.path.segments.len() == 2
                        && (p.path.segments[0].ident == "f64" || p.path.segments[0].ident == "f32");
                    if float && p.qself.is_none() {
                        let ty: syn::Type = {
                            let t = &p.path.segments[0].ident;
                            syn::parse_quote!(#t)
                        };
                        for a in &mut c.args {
                            name_reduction_type(a, &ty);
                        }
                    }
                }
            }
            syn::Expr::Return(r) => {
                if let (Some(v), Some(ty)) = (&mut r.expr, &self.ret) {
                    name_reduction_type(v, ty);
                }
            }
            _ => {}
        }
    }

    /// Statement-level rewrites that add statements to the block: a `match` statement keeps its
    /// arms' `return`s at statement level (`let M = k; if .. { return a; } else ..`), and a tuple
    /// `let` becomes one `let` per name.
    fn splice(&mut self, b: &mut syn::Block) {
        let mut out = Vec::with_capacity(b.stmts.len());
        let mut work: Vec<syn::Stmt> = std::mem::take(&mut b.stmts);
        work.reverse();
        // Every rewrite makes progress, but a statement rewritten into itself would never end
        // the loop: past a generous budget the rest stays as written (and lowering reports it).
        let mut budget = 64 * work.len() + 1024;
        while let Some(s) = work.pop() {
            if budget == 0 {
                out.push(s);
                continue;
            }
            budget -= 1;
            let mut s = s;
            // `for i in 0..({ n += 1; n })`: the bounds first.
            if let Some(lets) = hoist::range_bounds(&mut s) {
                // (`work` is a stack.)
                work.extend(lets.into_iter().rev());
                continue;
            }
            // `let best = CODEBOOK.iter().min_by(..).unwrap();` of items that are not floats.
            if let Some(lets) = extremum_stmts(&s, &|_| true) {
                // (`work` is a stack.)
                work.extend(lets.into_iter().rev());
                continue;
            }
            if let Some(hoisted) = vector_calls::hoist_nested(&mut s)
                .or_else(|| hoist::data_row_iter(&mut s, &self.data_rows))
                .or_else(|| hoist::once_chain(&mut s, self.ret.as_ref()))
            {
                // `work` is a stack: the `let` runs first.
                work.push(s);
                work.push(hoisted);
                continue;
            }
            // `let mut p = pos[i];`, `let h = ws[l].to_vec();` of rows of data: a buffer.
            let floats = |id: &syn::Ident| self.data_row_floats.get(&id.to_string()).copied();
            if let Some(copy) = crate::rows::row_copy(&s, &floats, true) {
                // (`work` is a stack.)
                work.extend(copy.into_iter().rev());
                continue;
            }
            // `let a = a.to_vec();`: the copy gets a name of its own.
            if let syn::Stmt::Local(l) = &s {
                work.reverse();
                let renamed = sub_slices::shadowing_copy(l, &mut work);
                work.reverse();
                if let Some(r) = renamed {
                    work.push(r);
                    continue;
                }
            }
            // `if { x += 1.0; x > 0.0 } { return x; }`: the condition's statements first, then
            // the `if` on its value (its statements declare nothing, so nothing leaks).
            if let syn::Stmt::Expr(syn::Expr::If(i), semi) = &s {
                if let Some((stmts, tail)) = condition_statements(&i.cond) {
                    let flag = crate::naming::fresh("cond");
                    let mut rest = i.clone();
                    *rest.cond = syn::parse_quote!(#flag);
                    work.push(syn::Stmt::Expr(syn::Expr::If(rest), *semi));
                    work.push(syn::parse_quote!(let #flag: bool = #tail;));
                    work.extend(stmts.into_iter().rev());
                    continue;
                }
            }
            match &s {
                syn::Stmt::Expr(syn::Expr::Match(m), semi) => {
                    let (bind, chain) = matches::match_to_if(m);
                    out.extend(bind);
                    out.push(syn::Stmt::Expr(chain, *semi));
                }
                syn::Stmt::Local(l) if sub_slices::split_end_let(l).is_some() => {
                    let lets = sub_slices::split_end_let(l).expect("checked just above");
                    work.extend(lets.into_iter().rev());
                }
                syn::Stmt::Local(l) if l.init.as_ref().is_some_and(|i| i.diverge.is_some()) => {
                    let data = l.init.as_ref().is_some_and(|i| {
                        let mut e = unparen(&i.expr);
                        if let syn::Expr::Reference(r) = e {
                            e = unparen(&r.expr);
                        }
                        matches!(e, syn::Expr::Path(p) if p.path.get_ident()
                            .is_some_and(|id| self.inactive_params.contains(&id.to_string())))
                    });
                    let rewritten = if data {
                        tuples::data_let_else(l)
                    } else {
                        tuples::let_else(l)
                    };
                    match rewritten {
                        Some(stmts) => out.extend(stmts),
                        None => out.push(s),
                    }
                }
                syn::Stmt::Local(l)
                    if {
                        work.reverse();
                        let done = sub_slices::split_at_mut_let(l, &self.float_names, &mut work);
                        work.reverse();
                        done.inspect(|k| out.push(k.clone())).is_some()
                    } => {}
                syn::Stmt::Local(l) if sub_slices::split_at_let(l).is_some() => {
                    let lets = sub_slices::split_at_let(l).expect("checked just above");
                    work.extend(lets.into_iter().rev());
                }
                syn::Stmt::Local(l)
                    if sub_slices::sub_slice_let(l, &self.other_params).is_some() =>
                {
                    let (lets, mut sub) = sub_slices::sub_slice_let(l, &self.other_params)
                        .expect("checked just above");
                    // `work` is a stack: the rest of the block, its first statement last.
                    work.reverse();
                    // The view reads the sequence declared before it, whatever comes after.
                    if !sub_slices::unshadow(&mut work, &sub.seq) {
                        self.errors.push_spanned(
                            &l.pat,
                            format!("`#[gradient]` cannot follow this view of `{}`: a format string below reads a `{0}` declared again; give that one a name of its own", sub.seq),
                        );
                    }
                    sub.apply(&mut work);
                    work.reverse();
                    work.extend(lets.into_iter().rev());
                }
                syn::Stmt::Local(l) if iterators::enumerated_extremum_let(l).is_some() => {
                    let lets = iterators::enumerated_extremum_let(l).expect("checked just above");
                    work.extend(lets.into_iter().rev());
                }
                syn::Stmt::Local(l) if refs::ref_binding_let(l).is_some() => {
                    work.push(refs::ref_binding_let(l).expect("checked just above"));
                }
                syn::Stmt::Local(l) => match tuples::split_tuple_let(l) {
                    // Nested tuples are split in turn.
                    Some(parts) => work.extend(parts.into_iter().rev()),
                    None => {
                        // (The element a search of this collection chooses, named by the
                        // statements to come: as its position and a name of the element,
                        // which the rewrites of the collection follow.)
                        if let (syn::Pat::Ident(pi), Some(init)) = (pat_and_type(l).0, &l.init) {
                            if collection(&init.expr) {
                                searches_of(&mut work, &pi.ident);
                            }
                        }
                        // (Before the copies of floats, which `to_vec()` would look like.)
                        work.reverse();
                        let structs = struct_rows::struct_rows_let(
                            l,
                            &mut work,
                            self.ret.as_ref(),
                            &self.float_names,
                        );
                        work.reverse();
                        let made = structs
                            .or_else(|| tuple_values::branch_tuple_let(l))
                            .or_else(|| tuples::array_pattern_let(l))
                            .or_else(|| tuples::struct_pattern_let(l))
                            .or_else(|| tuples::tuple_by_field(l))
                            .or_else(|| {
                                work.reverse();
                                let m = tuple_values::tuple_ref_let(l, &mut work);
                                work.reverse();
                                m
                            })
                            .or_else(|| {
                                // The statements still to come are in `work`, last first.
                                work.reverse();
                                let m = refs::temporary_ref_let(l, &mut work);
                                work.reverse();
                                m
                            })
                            .or_else(|| tuples::array_block_let(l))
                            // (Not a list that pushes grow later: those make it below.)
                            .or_else(|| {
                                (!pushes::grown_copy(l, &work))
                                    .then(|| tuples::array_literal_let(l))
                                    .flatten()
                            })
                            .or_else(|| tuples::array_from_fn_let(l))
                            .or_else(|| tuples::reassigned_array_let(l, &work))
                            .or_else(|| tuples::branch_list_let(l))
                            .or_else(|| copied_param_let(l, self.seqs))
                            .or_else(|| iterators::flat_collect_let(l))
                            .or_else(|| filters::filtered_collect_let(l))
                            .or_else(|| iterators::chained_collect_let(l))
                            .or_else(|| iterators::array_rows_collect_let(l))
                            .or_else(|| iterators::written_rows_collect_let(l, &work))
                            .or_else(|| part_rows::part_rows_let(l, &self.float_names))
                            .or_else(|| iterators::nested_collect_let(l))
                            .or_else(|| {
                                // A copy that pushes grow later is made by them (below).
                                (!pushes::grown_copy(l, &work) && !self.copies_data(l))
                                    .then(|| iterators::collect_let(l, &self.float_params))
                                    .flatten()
                            })
                            .or_else(|| {
                                // The statements still to come are in `work`, last first.
                                work.reverse();
                                let m = tuple_rows::tuple_rows_let(
                                    l,
                                    &mut work,
                                    &self.float_names,
                                    &self.inactive_params,
                                )
                                .or_else(|| tuples::matrix_let(l, &mut work, &self.float_names))
                                .or_else(|| tuple_values::tuple_local(l, &mut work))
                                .or_else(|| tuple_values::struct_local(l, &mut work))
                                .or_else(|| refs::mut_ref_let(l, &mut work))
                                .or_else(|| {
                                    row_pushes::row_pushes_let(l, &mut work, &self.float_names)
                                })
                                .or_else(|| pushes::push_let(l, &mut work))
                                .or_else(|| vector_calls::mark(l, &work));
                                work.reverse();
                                m
                            });
                        match made {
                            // The loops they become are rewritten in turn.
                            Some(parts) => {
                                tuples::take_stuck_matrix();
                                struct_rows::take_stuck();
                                // What holds floats holds them under its new names too (a
                                // matrix's buffer, assigned reductions of its own type).
                                let (pat, _) = pat_and_type(l);
                                // (So do the buffers of a list of structs' float fields,
                                // `let mut ps_x: Vec<T> = ..`, which a copy may read.)
                                let float_vec = self
                                    .ret
                                    .as_ref()
                                    .map(|t| quote!(::std::vec::Vec<#t>).to_string());
                                for p in &parts {
                                    if let syn::Stmt::Local(new) = p {
                                        if let (syn::Pat::Ident(i), Some(t)) = pat_and_type(new) {
                                            if float_vec.as_deref()
                                                == Some(quote!(#t).to_string().as_str())
                                            {
                                                self.float_names.insert(i.ident.to_string());
                                            }
                                        }
                                    }
                                }
                                if matches!(pat, syn::Pat::Ident(i) if self.float_names.contains(&i.ident.to_string()))
                                {
                                    for p in &parts {
                                        if let syn::Stmt::Local(new) = p {
                                            if let (syn::Pat::Ident(i), _) = pat_and_type(new) {
                                                self.float_names.insert(i.ident.to_string());
                                            }
                                        }
                                    }
                                }
                                work.extend(parts.into_iter().rev());
                            }
                            None => {
                                // A local matrix written by element, kept from its rewrite by
                                // a use the rewrite does not follow: the error there (lowering
                                // would report the `vec!` and the writes instead).
                                if let Some((at, name)) = struct_rows::take_stuck() {
                                    self.errors.push(at, format!("`#[gradient]` holds the `Vec` of structs `{name}` as one buffer per field and follows it through `{name}[i].f`, loops over `&{name}`, `&mut {name}`, `{name}.iter()`, `{name}.iter_mut()` (with `enumerate` or `zip`) and `map`s over them reading `p.f`, `let p = &mut {name}[i];`, a copy `let p = {name}[i];`, an element given whole (`{name}[i] = P {{ .. }}`), `{name}.push(P {{ .. }})` of floats in a loop, `{name}.swap(i, j)`, `{name}.sort_by(..)` and `{name}.len()`; fields of floats or arrays of floats. Not this use: write it with one of those"));
                                }
                                if let Some((at, name)) = tuples::take_stuck_matrix() {
                                    self.errors.push(at, format!("`#[gradient]` holds the local matrix `{name}` as one buffer and follows it through `{name}[i][j]`, a row `{name}[i]`, `{name}.len()`, loops and `map`s over its rows (`for row in &{name}`, `{name}.iter()`, `{name}.iter_mut()`, with `enumerate`, `zip`, `rev`, `skip`, `take`, `step_by`), `{name}.windows(k)`, `{name}.swap(i, j)`, `{name}.sort_by(..)`, a row given whole (`{name}[i] = [a, b]`) and its rows end to end (`{name}.concat()`, `{name}.iter().flatten()`); not this use: write it with one of those"));
                                }
                                out.push(s);
                            }
                        }
                    }
                },
                // `v = v.iter().zip(x).map(..).collect();` or `v = x[a..b].to_vec();` into a
                // buffer of floats: `let t = ..; v = t;`, a new buffer then a new value of `v`.
                syn::Stmt::Expr(syn::Expr::Assign(a), Some(_)) if self.new_buffer(a).is_some() => {
                    let (prefix, ty) = self.new_buffer(a).expect("checked just above");
                    let t = crate::naming::fresh(prefix);
                    let (left, right) = (&a.left, &a.right);
                    let first: syn::Stmt = match ty {
                        Some(ty) => syn::parse_quote!(let #t: ::std::vec::Vec<#ty> = #right;),
                        None => syn::parse_quote!(let #t = #right;),
                    };
                    let made: [syn::Stmt; 2] = [first, syn::parse_quote!(#left = #t;)];
                    work.extend(made.into_iter().rev());
                }
                // `v.reverse();` of a buffer of floats: its elements swapped pairwise.
                syn::Stmt::Expr(syn::Expr::MethodCall(m), Some(_))
                    if m.method == "reverse"
                        && m.args.is_empty()
                        && matches!(&*m.receiver, syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.float_names.contains(&i.to_string()))) =>
                {
                    let a = &m.receiver;
                    let (n, k, t) = (
                        crate::naming::fresh("n"),
                        crate::naming::fresh("k"),
                        crate::naming::fresh("t"),
                    );
                    work.push(syn::parse_quote!({
                        let #n: usize = #a.len();
                        for #k in 0..#n / 2 {
                            let #t = #a[#k];
                            #a[#k] = #a[#n - 1 - #k];
                            #a[#n - 1 - #k] = #t;
                        }
                    }));
                }
                // `v.sort_by(|a, b| a.abs().partial_cmp(&b.abs()).unwrap());` of a buffer of
                // floats by a comparator other than the value's order.
                syn::Stmt::Expr(syn::Expr::MethodCall(m), Some(_))
                    if matches!(&*m.receiver, syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.float_names.contains(&i.to_string())))
                        && tuples::sorted_by_index(m).is_some() =>
                {
                    work.push(tuples::sorted_by_index(m).expect("checked just above"));
                }
                // `v.rotate_left(k);` (`rotate_right`) of a buffer of floats: each element
                // read from a copy at its rotated position.
                syn::Stmt::Expr(syn::Expr::MethodCall(m), Some(_))
                    if (m.method == "rotate_left" || m.method == "rotate_right")
                        && m.args.len() == 1
                        && matches!(&*m.receiver, syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.float_names.contains(&i.to_string()))) =>
                {
                    let (a, by) = (&m.receiver, &m.args[0]);
                    let (n, k, i, t) = (
                        crate::naming::fresh("n"),
                        crate::naming::fresh("k"),
                        crate::naming::fresh("i"),
                        crate::naming::fresh("t"),
                    );
                    // `rotate_*` panics where `k > n`, as this does.
                    let from = if m.method == "rotate_left" {
                        quote::quote!((#i + #k) % #n)
                    } else {
                        quote::quote!((#i + #n - #k) % #n)
                    };
                    work.push(syn::parse_quote!({
                        let #n: usize = #a.len();
                        let #k: usize = #by;
                        ::core::assert!(#k <= #n, "the rotation is longer than the slice");
                        let #t = #a.clone();
                        for #i in 0..#n {
                            #a[#i] = #t[#from];
                        }
                    }));
                }
                syn::Stmt::Expr(syn::Expr::MethodCall(m), Some(_)) => {
                    match tuples::buffer_method(m) {
                        Some(stmt) => out.push(stmt),
                        None => out.push(s),
                    }
                }
                _ => out.push(s),
            }
        }
        b.stmts = out;
    }
}

/// Whether a closure argument of a method call holds a `return` (which returns from the closure,
/// so the call cannot be inlined into a loop of the function).
fn closure_returns(m: &syn::ExprMethodCall) -> bool {
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_expr_return(&mut self, _: &'a syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_try(&mut self, _: &'a syn::ExprTry) {
            self.0 = true;
        }
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_expr_method_call(&mut f, m);
    f.0
}

/// An element that an expression takes as an `Option`: the read of it by index, the test that
/// it is absent, and whether the `Option` holds a copy (else a reference).
struct OptElement {
    read: syn::Expr,
    absent: syn::Expr,
    copied: bool,
}

/// Reports each [`partly_pulled_state`] (before any rewrite reads the chain) and makes its
/// closure a constant one, so that the rest of the body is still checked without an error of
/// its own there.
/// A list written in the body (`&[0.5, -0.25]`, `vec![..]`) given to a registered `#[gradient]`
/// function's parameter of the other float type (data its `wrt` leaves out): made a buffer of
/// this function's float, it would not be of that type. An error at the list (lowering refuses
/// the other forms, a local of this function's floats, at the call).
fn refuse_lists_of_other_floats(b: &syn::Block, errors: &Errors) {
    struct Lists<'a>(&'a Errors);
    impl<'a> syn::visit::Visit<'a> for Lists<'_> {
        fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
            if let Some(f) = vector_calls::registered_name(&c.func) {
                for (k, a) in c.args.iter().enumerate() {
                    let inner = match unparen(a) {
                        syn::Expr::Reference(r) => unparen(&r.expr),
                        a => a,
                    };
                    if matches!(inner, syn::Expr::Array(_) | syn::Expr::Macro(_))
                        && vector_calls::takes_other_float(f, k)
                    {
                        self.0.push_spanned(a, other_float_message(f));
                    }
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    syn::visit::Visit::visit_block(&mut Lists(errors), b);
}

/// The error at an argument of this function's floats given to `f`'s parameter of the other
/// float type.
pub(crate) fn other_float_message(f: &syn::Ident) -> String {
    format!(
        "`{f}` takes this argument as floats of another type than this function's: pass it a parameter or a constant of that type (`data: &[f32]` left out of `wrt`, `const D: [f32; 3]`), not values of this function's"
    )
}

fn refuse_partly_pulled_state(b: &mut syn::Block, errors: &Errors) {
    struct Refuse<'a>(&'a Errors);
    impl VisitMut for Refuse<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            if let Some((m, changed)) = partly_pulled_state(e) {
                self.0.push_spanned(
                    &m.method,
                    format!(
                        "`#[gradient]` does not support `.{}({})` of a `map` whose closure changes `{changed}`: std runs that closure on every item up to the one taken; write a `for` loop over the items that updates `{changed}` and keeps the value wanted",
                        m.method,
                        if m.args.is_empty() { "" } else { "k" }
                    ),
                );
                if let Some(map) = last_map(e) {
                    map.args[0] = syn::parse_quote!(|_| 0.0);
                }
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
    }
    fn last_map(e: &mut syn::Expr) -> Option<&mut syn::ExprMethodCall> {
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        if matches!(&*m.receiver, syn::Expr::MethodCall(map) if map.method == "map") {
            let syn::Expr::MethodCall(map) = &mut *m.receiver else {
                unreachable!("matched just above")
            };
            return Some(map);
        }
        last_map(&mut m.receiver)
    }
    Refuse(errors).visit_block_mut(b);
}

/// `.nth(0)`: the first item.
fn nth_zero(m: &syn::ExprMethodCall) -> bool {
    matches!(m.args.first(), Some(syn::Expr::Lit(l)) if quote!(#l).to_string() == "0")
}

/// `it.map(|v| { s += v; s }).last()` (or `.nth(k)` past the first item): a closure that changes
/// a local, run by std for every item before the one taken, which reading one element would skip.
/// Returns the call and the local.
fn partly_pulled_state(e: &syn::Expr) -> Option<(&syn::ExprMethodCall, syn::Ident)> {
    let syn::Expr::MethodCall(m) = iterators::strip_copies(e) else {
        return None;
    };
    let past_first = m.method == "last" || (m.method == "nth" && !nth_zero(m));
    let syn::Expr::MethodCall(map) = iterators::strip_copies(&m.receiver) else {
        return None;
    };
    if !past_first || map.method != "map" || map.args.len() != 1 {
        return None;
    }
    let syn::Expr::Closure(c) = &map.args[0] else {
        return None;
    };
    let changed = iterators::outer_changes(c).into_iter().next()?;
    Some((m, changed))
}

/// `x.first()`, `x.last()`, `x.get(i)`, also through `x.iter()` (`.next()`, `.last()`,
/// `.nth(i)`, with `.copied()`/`.cloned()` anywhere), of a name, a field, or a part `x[a..b]`
/// of one.
fn option_element(e: &syn::Expr) -> Option<OptElement> {
    let strip = iterators::strip_copies;
    let syn::Expr::MethodCall(m) = strip(e) else {
        return None;
    };
    // `x.iter().map(f).last()`: `f` of the element `x.iter().last()` takes (a map runs its
    // closure on every item std pulls, the same value when the closure changes nothing
    // outside it; a closure that does, `|v| { s += v; s }`, is not taken here).
    // (`next()`/`first()` take the first item, the only one the closure runs for.)
    let first_only =
        m.method == "next" || m.method == "first" || (m.method == "nth" && nth_zero(m));
    if let syn::Expr::MethodCall(map) = &*m.receiver {
        if map.method == "map"
            && map.args.len() == 1
            && (first_only
                || !matches!(&map.args[0], syn::Expr::Closure(c) if iterators::changes_outer(c)))
            && !matches!(strip(&map.receiver), syn::Expr::MethodCall(r) if r.method == "map")
        {
            let mut unmapped = m.clone();
            unmapped.receiver = map.receiver.clone();
            let el = option_element(&syn::Expr::MethodCall(unmapped))?;
            let f = &map.args[0];
            let read = &el.read;
            let arg: syn::Expr = if el.copied {
                read.clone()
            } else {
                syn::parse_quote!(&#read)
            };
            let read: syn::Expr = match f {
                // `|&v| body` of a reference: `v` is the element itself.
                syn::Expr::Closure(c) if c.inputs.len() == 1 => {
                    let body = &c.body;
                    match (&c.inputs[0], el.copied) {
                        (syn::Pat::Reference(r), false) => {
                            let p = &r.pat;
                            syn::parse_quote!({ let #p = #read; #body })
                        }
                        (p, _) => syn::parse_quote!({ let #p = #arg; #body }),
                    }
                }
                syn::Expr::Path(_) => syn::parse_quote!(#f(#arg)),
                _ => return None,
            };
            return Some(OptElement {
                read,
                absent: el.absent,
                copied: true,
            });
        }
    }
    // Through `iter()`: the iterator's `next`/`last`/`nth` are the slice's `first`/`last`/`get`.
    // Copied before (`x.iter().copied().last()`) or after (`x.last().copied()`).
    let copied = !std::ptr::eq(strip(e), e) || !std::ptr::eq(strip(&m.receiver), &*m.receiver);
    // A part as `x[a..b].iter()` is written by then: `x.iter().skip(a).take(b - a)`.
    let mut iter = strip(&m.receiver);
    // `x.iter().skip(a).rev()` (a part `x[a..].iter().rev()` as written by then): the part's
    // items from its end.
    let mut outer_rev = false;
    if let syn::Expr::MethodCall(r) = iter {
        if r.method == "rev"
            && r.args.is_empty()
            && matches!(&*r.receiver, syn::Expr::MethodCall(a) if a.method == "skip" || a.method == "take")
        {
            outer_rev = true;
            iter = &r.receiver;
        }
    }
    let mut take = None;
    let mut skip = None;
    if let syn::Expr::MethodCall(t) = iter {
        if t.method == "take" && t.args.len() == 1 {
            take = Some(&t.args[0]);
            iter = &t.receiver;
        }
    }
    if let syn::Expr::MethodCall(sk) = iter {
        if sk.method == "skip" && sk.args.len() == 1 {
            skip = Some(&sk.args[0]);
            iter = &sk.receiver;
        }
    }
    // `x.iter().rev()`: the same items from the end, positions counted from there.
    let mut rev = false;
    if let syn::Expr::MethodCall(r) = iter {
        if r.method == "rev" && r.args.is_empty() && !outer_rev {
            rev = true;
            iter = &r.receiver;
        }
    }
    let (x, through_iter) = match iter {
        syn::Expr::MethodCall(it) if it.method == "iter" && it.args.is_empty() => {
            (&*it.receiver, true)
        }
        _ if take.is_some() || skip.is_some() || rev => return None,
        x => (x, false),
    };
    // (The part taken in the items' order, then read from its end.)
    let rev = rev || outer_rev;
    // The part as an index range of `x`.
    let part: Option<syn::Expr> = match (skip, take) {
        (None, None) => None,
        // Of the reversed items: the last `a` dropped, then the last `n` of the rest kept.
        (a, n) if rev && !outer_rev => {
            let hi = a.map_or_else(|| quote!(#x.len()), |a| quote!(#x.len().saturating_sub(#a)));
            Some(match n {
                Some(n) => syn::parse_quote!(#x[(#hi).saturating_sub(#n)..#hi]),
                None => syn::parse_quote!(#x[..#hi]),
            })
        }
        (a, n) => {
            let lo = a.map_or_else(|| quote!(0), |a| quote!((#a)));
            Some(match n {
                // `take` stops at the end of `x` as well.
                Some(n) => syn::parse_quote!(#x[#lo..(#lo + (#n)).min(#x.len())]),
                None => syn::parse_quote!(#x[#lo..]),
            })
        }
    };
    let x = part.as_ref().unwrap_or(x);
    enum Pos {
        First,
        Last,
        At(syn::Expr),
        /// The `i`-th from the end.
        FromEnd(syn::Expr),
    }
    let pos = match (m.method.to_string().as_str(), m.args.len(), through_iter) {
        ("first", 0, false) | ("next", 0, true) => Pos::First,
        ("last", 0, _) | ("next_back", 0, true) => Pos::Last,
        // (`map.get(&k)` of a map: a slice's `get` takes no reference.)
        ("get", 1, false) if matches!(&m.args[0], syn::Expr::Reference(_)) => return None,
        ("get", 1, false) | ("nth", 1, true) => match &m.args[0] {
            syn::Expr::Lit(l) if quote!(#l).to_string() == "0" => Pos::First,
            i => Pos::At(i.clone()),
        },
        _ => return None,
    };
    let pos = match (rev, pos) {
        (false, pos) => pos,
        (true, Pos::First) => Pos::Last,
        (true, Pos::Last) => Pos::First,
        (true, Pos::At(i)) => Pos::FromEnd(i),
        (true, Pos::FromEnd(i)) => Pos::At(i),
    };
    let (read, absent): (syn::Expr, syn::Expr) = match x {
        syn::Expr::Path(_) | syn::Expr::Field(_) => match pos {
            Pos::First => (syn::parse_quote!(#x[0]), syn::parse_quote!(#x.is_empty())),
            Pos::Last => (
                syn::parse_quote!(#x[#x.len() - 1]),
                syn::parse_quote!(#x.is_empty()),
            ),
            Pos::At(i) => (syn::parse_quote!(#x[#i]), syn::parse_quote!(#i >= #x.len())),
            Pos::FromEnd(i) => (
                syn::parse_quote!(#x[#x.len() - 1 - (#i)]),
                syn::parse_quote!(#i >= #x.len()),
            ),
        },
        // `x[a..b]`: positions `a..b` of `x`.
        syn::Expr::Index(ix) => {
            let (x @ (syn::Expr::Path(_) | syn::Expr::Field(_)), syn::Expr::Range(r)) =
                (&*ix.expr, &*ix.index)
            else {
                return None;
            };
            let (lo, hi) = iterators::range_bounds(x, r);
            let empty = syn::parse_quote!(#hi <= #lo);
            match pos {
                Pos::First => (syn::parse_quote!(#x[#lo]), empty),
                Pos::Last => (syn::parse_quote!(#x[#hi - 1]), empty),
                Pos::At(i) => (
                    syn::parse_quote!(#x[#lo + (#i)]),
                    syn::parse_quote!(#lo + (#i) >= #hi),
                ),
                Pos::FromEnd(i) => (
                    syn::parse_quote!(#x[#hi - 1 - (#i)]),
                    syn::parse_quote!(#lo + (#i) >= #hi),
                ),
            }
        }
        _ => return None,
    };
    Some(OptElement {
        read,
        absent,
        copied,
    })
}

/// Input: `x.first()`, `x.last()` or `x.get(i)` (see `option_element`), then `.copied()` or
/// `.cloned()` or nothing, then `.unwrap()` or `.expect(..)`. Output: `x[0]`, `x[x.len() - 1]`,
/// `x[i]`: the element read by index, which lowering differentiates (the original panics on an
/// empty `x` where this does too).
fn element_access(e: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(un) = e else {
        return None;
    };
    if !((un.method == "unwrap" && un.args.is_empty())
        || (un.method == "expect" && un.args.len() == 1))
    {
        return None;
    }
    Some(option_element(&un.receiver)?.read)
}

/// The sequence and the start of a part `x[a..b]` (also `&x[a..]`, in parentheses), where `a` is
/// given (a part from the start is `x` itself).
fn part_start(e: &syn::Expr) -> Option<(syn::Expr, proc_macro2::TokenStream)> {
    let (seq, r) = ranged(e)?;
    let start = r.start.as_ref()?;
    Some((seq.clone(), quote!((#start))))
}

/// The first index of a range and the one past its last (`0` and `len` where it is open):
/// `(a)` and `(b) + 1` of `a..=b`.
pub(crate) fn range_bounds(
    r: &syn::ExprRange,
    len: &proc_macro2::TokenStream,
) -> (syn::Expr, syn::Expr) {
    let start: syn::Expr = match &r.start {
        Some(a) => syn::parse_quote!((#a)),
        None => syn::parse_quote!(0),
    };
    let end: syn::Expr = match (&r.end, &r.limits) {
        (Some(b), syn::RangeLimits::HalfOpen(_)) => syn::parse_quote!((#b)),
        (Some(b), syn::RangeLimits::Closed(_)) => syn::parse_quote!((#b) + 1),
        (None, _) => syn::parse_quote!(#len),
    };
    (start, end)
}

/// The sequence and the range of a part `x[a..b]` (any range; also lent, in parentheses).
pub(crate) fn ranged(mut e: &syn::Expr) -> Option<(&syn::Expr, &syn::ExprRange)> {
    loop {
        match e {
            syn::Expr::Paren(p) => e = &p.expr,
            syn::Expr::Reference(r) if r.mutability.is_none() => e = &r.expr,
            _ => break,
        }
    }
    let syn::Expr::Index(ix) = e else {
        return None;
    };
    let syn::Expr::Range(r) = &*ix.index else {
        return None;
    };
    Some((&ix.expr, r))
}

/// Input: `OPT`, an element or a reduction of a slice's items as [`unwrap_or`] takes it, whose
/// item is a float (`x.iter().copied().min_by(..)`, `x.last().copied()`). Output: the test that it
/// is `None` and `OPT.unwrap()` (for `let best = OPT;` and `if let Some(b) = OPT`, see
/// `options`).
pub(super) fn option_reduction(opt: &syn::Expr) -> Option<(syn::Expr, syn::Expr)> {
    // (As the receiver of `unwrap_or` of a float, which tells the forms apart.)
    let mut probe: syn::ExprMethodCall = syn::parse_quote!(opt.unwrap_or(0.0));
    *probe.receiver = opt.clone();
    unwrap_or(&probe).map(|(test, _, unwrap)| (test, unwrap))
}

/// Input: `OPT.unwrap_or(d)` (`unwrap_or_default()`, `unwrap_or_else(|| d)`) where `OPT` is an
/// element (`x.last()`, see `option_element`) or a reduction of a slice's items
/// (`x.iter().copied().reduce(f64::max)`, `max_by`, `min_by`). Output: `if x.is_empty() { d }
/// else { OPT.unwrap() }` (for `get(i)`, `i < x.len()`): the same value on both paths, each
/// differentiated as its own (a reduction of a part `x[a..b]` tests the range). Returns the
/// test, `d` and `OPT.unwrap()`, which the caller then rewrites as any `unwrap`.
fn unwrap_or(m: &syn::ExprMethodCall) -> Option<(syn::Expr, syn::Expr, syn::Expr)> {
    let default: syn::Expr = match (m.method.to_string().as_str(), m.args.len()) {
        ("unwrap_or", 1) => m.args[0].clone(),
        ("unwrap_or_default", 0) => syn::parse_quote!(0.0),
        ("unwrap_or_else", 1) => match &m.args[0] {
            syn::Expr::Closure(c) if c.inputs.is_empty() => (*c.body).clone(),
            _ => return None,
        },
        _ => return None,
    };
    let opt = &m.receiver;
    let mut deref = None;
    let test: syn::Expr = if let Some(el) = option_element(opt) {
        // Without a copy, the `Option` holds a reference, and so does the default.
        let default_by_ref = matches!(&default, syn::Expr::Reference(_));
        if el.copied == default_by_ref && m.method == "unwrap_or" {
            return None;
        }
        el.absent
    } else {
        let syn::Expr::MethodCall(r) = &**opt else {
            // An `Option` of data held in a name, a field or an element (`d` of `for d in
            // data`, `mask[i]`): read as it is where it holds a value.
            return matches!(
                unparen(opt),
                syn::Expr::Path(_)
                    | syn::Expr::Field(_)
                    | syn::Expr::Index(_)
                    | syn::Expr::Unary(_)
            )
            .then(|| {
                (
                    syn::parse_quote!(#opt.is_none()),
                    default,
                    syn::parse_quote!(#opt.unwrap()),
                )
            });
        };
        let mut r = r;
        // `.min_by(..).copied()`: the element chosen, copied (read as `*OPT.unwrap()`, the form
        // the normalization gives `.copied().unwrap()`).
        if (r.method == "copied" || r.method == "cloned") && r.args.is_empty() {
            let syn::Expr::MethodCall(inner) = &*r.receiver else {
                return None;
            };
            r = inner;
            deref = Some(inner);
        }
        if !matches!(
            r.method.to_string().as_str(),
            "reduce" | "max_by" | "min_by"
        ) {
            return None;
        }
        // The slice whose items are reduced, through adapters that keep their number, and a
        // part of it `x.iter().skip(a).take(n)` (as a row of rows is read).
        let mut src = &*r.receiver;
        let (mut skip, mut take) = (None, None);
        while let syn::Expr::MethodCall(a) = src {
            match (a.method.to_string().as_str(), a.args.first()) {
                ("copied" | "cloned" | "map" | "rev" | "enumerate", _) => {}
                ("take", Some(n)) if skip.is_none() && take.is_none() => take = Some(n),
                ("skip", Some(k)) if skip.is_none() => skip = Some(k),
                _ => break,
            }
            src = &a.receiver;
        }
        let syn::Expr::MethodCall(it) = src else {
            return None;
        };
        if it.method != "iter" || !it.args.is_empty() {
            return None;
        }
        if skip.is_some() || take.is_some() {
            let x = &it.receiver;
            let k = skip.map_or_else(|| quote!(0), |k| quote!((#k)));
            let n = take.map_or_else(|| quote!(usize::MAX), |n| quote!((#n)));
            syn::parse_quote!(#n == 0 || #x.len() <= #k)
        } else {
            match &*it.receiver {
                x @ (syn::Expr::Path(_) | syn::Expr::Field(_)) => syn::parse_quote!(#x.is_empty()),
                // A row `rows[i]` (also a model's layer's field, `m.layers[l].w`).
                syn::Expr::Index(ix)
                    if !matches!(&*ix.index, syn::Expr::Range(_))
                        && matches!(&*ix.expr, syn::Expr::Path(_) | syn::Expr::Field(_)) =>
                {
                    let x = &it.receiver;
                    syn::parse_quote!(#x.is_empty())
                }
                // A part `x[a..b]`: empty when its range is.
                syn::Expr::Index(ix) => {
                    let (syn::Expr::Path(_) | syn::Expr::Field(_), syn::Expr::Range(r)) =
                        (&*ix.expr, &*ix.index)
                    else {
                        return None;
                    };
                    let x = &ix.expr;
                    let a = r.start.as_ref().map_or_else(|| quote!(0), |a| quote!((#a)));
                    match (&r.end, &r.limits) {
                        (None, _) => syn::parse_quote!(#x.len() <= #a),
                        (Some(b), syn::RangeLimits::HalfOpen(_)) => syn::parse_quote!((#b) <= #a),
                        (Some(b), syn::RangeLimits::Closed(_)) => syn::parse_quote!((#b) < #a),
                    }
                }
                _ => return None,
            }
        }
    };
    let default = match default {
        syn::Expr::Reference(r) if r.mutability.is_none() => *r.expr,
        d => d,
    };
    let unwrap = match deref {
        Some(inner) => syn::parse_quote!((*#inner.unwrap())),
        None => syn::parse_quote!(#opt.unwrap()),
    };
    Some((test, default, unwrap))
}

/// Input: `&x[a..b]` or `x[a..b].iter()` (any range form) as what a loop or a chain iterates.
/// Output: `x.iter().skip(a).take(b - a)`, which lowering follows for slices, buffers and data.
fn subslice_iter(e: &syn::Expr) -> Option<syn::Expr> {
    let ix = match e {
        syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
        syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => &*m.receiver,
        _ => return None,
    };
    // `(&x[a..]).iter()` as `x[a..].iter()`.
    let ix = match unparen(ix) {
        syn::Expr::Reference(r)
            if r.mutability.is_none() && matches!(e, syn::Expr::MethodCall(_)) =>
        {
            unparen(&r.expr)
        }
        e => e,
    };
    let syn::Expr::Index(ix) = ix else {
        return None;
    };
    let syn::Expr::Range(r) = &*ix.index else {
        return None;
    };
    let x = &ix.expr;
    if !matches!(&**x, syn::Expr::Path(_) | syn::Expr::Field(_)) {
        return None;
    }
    let closed = matches!(r.limits, syn::RangeLimits::Closed(_));
    let end = r.end.as_ref().map(|b| -> syn::Expr {
        if closed {
            syn::parse_quote!((#b) + 1)
        } else {
            syn::parse_quote!(#b)
        }
    });
    Some(match (&r.start, end) {
        (Some(a), Some(b)) => syn::parse_quote!(#x.iter().skip(#a).take((#b) - (#a))),
        (Some(a), None) => syn::parse_quote!(#x.iter().skip(#a)),
        (None, Some(b)) => syn::parse_quote!(#x.iter().take(#b)),
        (None, None) => syn::parse_quote!(#x.iter()),
    })
}

/// Whether a statement declares one of `names` again (a `let`, a closure parameter, a `for`
/// pattern) or names one inside a macro: a rewrite of those names in the rest of a block cannot
/// follow them past it.
pub(crate) fn redeclares(s: &syn::Stmt, names: &[&syn::Ident]) -> bool {
    declares_in(s, names, false)
}

/// [`redeclares`], where a macro whose body is a list of expressions (`vec![a, b]`,
/// `assert!(c, "..", v)`) declares only what those expressions do: for names that a rewrite
/// keeps as they are (a place read through a reference), which may be read inside macros.
pub(crate) fn redeclares_reading_macros(s: &syn::Stmt, names: &[&syn::Ident]) -> bool {
    declares_in(s, names, true)
}

fn declares_in(s: &syn::Stmt, names: &[&syn::Ident], lists: bool) -> bool {
    struct Finder<'a>(&'a [&'a syn::Ident], bool, bool);
    impl<'a> syn::visit::Visit<'a> for Finder<'_> {
        fn visit_pat_ident(&mut self, i: &'a syn::PatIdent) {
            self.1 |= self.0.contains(&&i.ident);
            syn::visit::visit_pat_ident(self, i);
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            use syn::punctuated::Punctuated;
            // `vec![v; n]` and `vec![a, b]` declare what their expressions do.
            if m.path.is_ident("vec") {
                if let Ok(VecRepeat(v, n)) = m.parse_body::<VecRepeat>() {
                    syn::visit::Visit::visit_expr(self, &v);
                    syn::visit::Visit::visit_expr(self, &n);
                    return;
                }
                if let Ok(list) =
                    m.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
                {
                    list.iter()
                        .for_each(|e| syn::visit::Visit::visit_expr(self, e));
                    return;
                }
            }
            let list = if self.2 {
                m.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
                    .ok()
            } else {
                None
            };
            match list {
                Some(list) => list
                    .iter()
                    .for_each(|e| syn::visit::Visit::visit_expr(self, e)),
                None => self.1 |= self.0.iter().any(|n| mentions(&m.tokens, n)),
            }
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Finder(names, false, lists);
    syn::visit::Visit::visit_stmt(&mut f, s);
    f.1
}

/// `let NAME = init;` or `let NAME: T = init;` with a plain name (no `ref`, no `@`) and no `else`:
/// the name's pattern, the type, the initializer.
pub(crate) fn plain_let(
    l: &syn::Local,
) -> Option<(&syn::PatIdent, Option<&syn::Type>, &syn::Expr)> {
    let (syn::Pat::Ident(id), ty) = pat_and_type(l) else {
        return None;
    };
    if id.by_ref.is_some() || id.subpat.is_some() {
        return None;
    }
    let init = l.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    Some((id, ty, &init.expr))
}

/// `l` with its pattern typed `ty` (`let m = ..;` made `let m: ty = ..;`).
pub(crate) fn type_let(l: &mut syn::Local, ty: syn::Type) {
    let pat = l.pat.clone();
    l.pat = syn::Pat::Type(syn::PatType {
        attrs: Vec::new(),
        pat: Box::new(pat),
        colon_token: Default::default(),
        ty: Box::new(ty),
    });
}

/// Applies `v` to a copy of the statements after a `let`, and keeps the copy only if `ok(v)`
/// holds after and no statement declares `name` again.
pub(crate) fn rewrite_rest<V: syn::visit_mut::VisitMut>(
    rest: &mut [syn::Stmt],
    name: &syn::Ident,
    v: &mut V,
    ok: impl Fn(&V) -> bool,
) -> Option<()> {
    // A closure's parameter of that name (`.map(|a| a * a)` beside a matrix `a`) is another
    // binding: named apart first (the same closure).
    rename_closure_params(rest, name);
    if rest.iter().any(|s| redeclares(s, &[name])) {
        return None;
    }
    let mut copy: Vec<syn::Stmt> = rest.to_vec();
    for s in &mut copy {
        v.visit_stmt_mut(s);
    }
    if !ok(v) {
        return None;
    }
    rest.clone_from_slice(&copy);
    Some(())
}

/// [`rewrite_rest`], where a view `let p = &name;` of the whole in a block (an inlined helper's
/// parameter) is first read as `name` itself (see [`refs::views_read_whole`]).
pub(crate) fn rewrite_rest_through_views<V: syn::visit_mut::VisitMut>(
    rest: &mut [syn::Stmt],
    name: &syn::Ident,
    v: &mut V,
    ok: impl Fn(&V) -> bool,
) -> Option<()> {
    let mut copy = rest.to_vec();
    for s in &mut copy {
        refs::views_read_whole(s, name);
    }
    rewrite_rest(&mut copy, name, v, ok)?;
    rest.clone_from_slice(&copy);
    Some(())
}

/// The pattern of a `let` and its type, if it has one (`let (a, b): (f64, f64) = ..`).
pub(crate) fn pat_and_type(l: &syn::Local) -> (&syn::Pat, Option<&syn::Type>) {
    match &l.pat {
        syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
        p => (p, None),
    }
}

/// `*c`, `&c`, `(c)`, `c[..]`: the place they read, `c`.
pub(crate) fn place_of(mut e: &syn::Expr) -> &syn::Expr {
    loop {
        e = match e {
            syn::Expr::Paren(p) => &p.expr,
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &u.expr,
            syn::Expr::Reference(r) if r.mutability.is_none() => &r.expr,
            syn::Expr::Index(ix) if matches!(&*ix.index, syn::Expr::Range(r) if r.start.is_none() && r.end.is_none()) => {
                &ix.expr
            }
            _ => return e,
        };
    }
}

/// `x[a..b]` (a part of a slice named `x`, any kind of range): `x` and the positions `a` and `b`.
pub(crate) fn part_of_name(
    e: &syn::Expr,
) -> Option<(
    &syn::Expr,
    proc_macro2::TokenStream,
    proc_macro2::TokenStream,
)> {
    let syn::Expr::Index(ix) = e else {
        return None;
    };
    let (x @ syn::Expr::Path(_), syn::Expr::Range(r)) = (&*ix.expr, &*ix.index) else {
        return None;
    };
    let (lo, hi) = iterators::range_bounds(x, r);
    Some((x, lo, hi))
}

/// `value; len`, the body of `vec![value; len]`.
/// Runs `f` on the values inside `vec![e; n]` (`e`) or `vec![a, b, ..]` (each), writing the
/// macro's tokens back: they are rewritten like any other expression.
pub(crate) fn vec_elements(m: &mut syn::Macro, mut f: impl FnMut(&mut syn::Expr)) {
    if let Ok(mut r) = m.parse_body::<VecRepeat>() {
        f(&mut r.0);
        let (v, n) = (&r.0, &r.1);
        m.tokens = quote!(#v; #n);
    } else if let Ok(list) = m
        .parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
    {
        let mut list: Vec<syn::Expr> = list.into_iter().collect();
        list.iter_mut().for_each(&mut f);
        m.tokens = quote!(#(#list),*);
    }
}

/// The expressions inside `vec![e; n]` (`e` and `n`) or `vec![a, b, ..]` (each), parsed, for a
/// reader that looks into them as it does into any other expression; none for other macros.
pub(crate) fn vec_parts_read(m: &syn::Macro) -> Vec<syn::Expr> {
    if !m.path.is_ident("vec") {
        return Vec::new();
    }
    if let Ok(r) = m.parse_body::<VecRepeat>() {
        return vec![r.0, r.1];
    }
    m.parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .map(|l| l.into_iter().collect())
        .unwrap_or_default()
}

/// [`vec_elements`], the length of `vec![e; n]` too.
pub(crate) fn vec_parts(m: &mut syn::Macro, mut f: impl FnMut(&mut syn::Expr)) {
    if let Ok(mut r) = m.parse_body::<VecRepeat>() {
        f(&mut r.0);
        f(&mut r.1);
        let (v, n) = (&r.0, &r.1);
        m.tokens = quote!(#v; #n);
    } else {
        vec_elements(m, f);
    }
}

/// `vec![e; n]` as `e` and `n`.
pub(crate) fn vec_repeat(m: &syn::Macro) -> Option<(syn::Expr, syn::Expr)> {
    let r = m.parse_body::<VecRepeat>().ok()?;
    Some((r.0, r.1))
}

struct VecRepeat(syn::Expr, syn::Expr);

impl syn::parse::Parse for VecRepeat {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let v = input.parse()?;
        input.parse::<syn::Token![;]>()?;
        Ok(VecRepeat(v, input.parse()?))
    }
}

/// Every closure's body that starts with a block-like expression but is more than it (`|p| if c
/// { a } else { b } * w`) in parentheses: the rewrites write bodies as the tails of blocks, where
/// it would be read back as the statement `if c { a } else { b }` followed by `*w` (a wrong
/// value, found with the rows of a local matrix).
fn closure_tails(block: &mut syn::Block) {
    struct Tails;
    impl VisitMut for Tails {
        fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
            syn::visit_mut::visit_expr_closure_mut(self, c);
            *c.body = tail_expr(&c.body);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Tails.visit_block_mut(block);
}

/// `e`, in parentheses when it starts with a block-like expression but is more than it
/// (`{ a } * 0.5`): printed as the tail of a block it would be read back as the statement
/// `{ a }` followed by `*0.5`.
pub(crate) fn tail_expr(e: &syn::Expr) -> syn::Expr {
    fn leftmost(e: &syn::Expr) -> &syn::Expr {
        match e {
            syn::Expr::Binary(b) => leftmost(&b.left),
            syn::Expr::MethodCall(m) => leftmost(&m.receiver),
            syn::Expr::Field(f) => leftmost(&f.base),
            syn::Expr::Index(i) => leftmost(&i.expr),
            syn::Expr::Cast(c) => leftmost(&c.expr),
            syn::Expr::Call(c) => leftmost(&c.func),
            syn::Expr::Try(t) => leftmost(&t.expr),
            syn::Expr::Assign(a) => leftmost(&a.left),
            syn::Expr::Range(r) => r.start.as_deref().map_or(e, leftmost),
            e => e,
        }
    }
    let block_like = |x: &syn::Expr| {
        matches!(
            x,
            syn::Expr::Block(_)
                | syn::Expr::If(_)
                | syn::Expr::Match(_)
                | syn::Expr::Loop(_)
                | syn::Expr::While(_)
                | syn::Expr::ForLoop(_)
                | syn::Expr::Unsafe(_)
        )
    };
    if !block_like(e) && block_like(leftmost(e)) {
        syn::parse_quote!((#e))
    } else {
        e.clone()
    }
}

/// Whether a macro's tokens name `name` (a rewrite cannot follow a name into a macro).
pub(crate) fn mentions(ts: &proc_macro2::TokenStream, name: &syn::Ident) -> bool {
    ts.clone().into_iter().any(|tt| match tt {
        proc_macro2::TokenTree::Ident(i) => i == *name,
        proc_macro2::TokenTree::Group(g) => mentions(&g.stream(), name),
        _ => false,
    })
}

/// A condition written as a block with statements (`{ c += 1; c < 3 }`).
/// A condition that is a block of statements declaring no names, then a value: the statements
/// and the value.
fn condition_statements(e: &syn::Expr) -> Option<(Vec<syn::Stmt>, syn::Expr)> {
    let syn::Expr::Block(b) = place_of_paren(e) else {
        return None;
    };
    if b.label.is_some() || b.block.stmts.len() < 2 {
        return None;
    }
    let (last, rest) = b.block.stmts.split_last()?;
    let syn::Stmt::Expr(tail, None) = last else {
        return None;
    };
    if rest.iter().any(|s| {
        matches!(
            s,
            syn::Stmt::Local(_) | syn::Stmt::Item(_) | syn::Stmt::Macro(_)
        )
    }) {
        return None;
    }
    Some((rest.to_vec(), tail.clone()))
}

fn place_of_paren(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => place_of_paren(&p.expr),
        e => e,
    }
}

fn has_statements(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Block(b) => b.label.is_none() && b.block.stmts.len() > 1,
        syn::Expr::Paren(p) => has_statements(&p.expr),
        _ => false,
    }
}

/// Whether `b` can leave early: by `return` or `?`, and with `jumps` by `break` or `continue`
/// too (not counting closures and nested items, which have their own).
pub fn exits(b: &syn::Block, jumps: bool) -> bool {
    struct E {
        jumps: bool,
        found: bool,
    }
    impl<'a> syn::visit::Visit<'a> for E {
        fn visit_expr_break(&mut self, _: &'a syn::ExprBreak) {
            self.found |= self.jumps;
        }
        fn visit_expr_continue(&mut self, _: &'a syn::ExprContinue) {
            self.found |= self.jumps;
        }
        fn visit_expr_return(&mut self, _: &'a syn::ExprReturn) {
            self.found = true;
        }
        fn visit_expr_try(&mut self, _: &'a syn::ExprTry) {
            self.found = true;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut e = E {
        jumps,
        found: false,
    };
    syn::visit::Visit::visit_block(&mut e, b);
    e.found
}

/// Whether `name` is the hidden variable a desugared `loop { .. break v }` keeps its value in.
pub fn is_break_value_name(name: &proc_macro2::Ident) -> bool {
    let s = name.to_string();
    let Some(rest) = s
        .strip_prefix(&crate::naming::prefix())
        .and_then(|r| r.strip_prefix('_'))
    else {
        return false;
    };
    rest == matches::BROKE_WITH
        || rest
            .strip_prefix(labels::LOOP_VALUE)
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
}

/// The distinct predicates of `#[cfg(..)]` attributes on `let` statements anywhere in the body (not
/// in closures or nested items), in order of appearance.
pub fn let_cfg_predicates(block: &syn::Block) -> Vec<proc_macro2::TokenStream> {
    struct Finder(Vec<proc_macro2::TokenStream>);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_local(&mut self, l: &'a syn::Local) {
            for a in &l.attrs {
                if let (true, syn::Meta::List(list)) = (a.path().is_ident("cfg"), &a.meta) {
                    let text = list.tokens.to_string();
                    if !self.0.iter().any(|p| p.to_string() == text) {
                        self.0.push(list.tokens.clone());
                    }
                }
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Finder(Vec::new());
    syn::visit::Visit::visit_block(&mut f, block);
    f.0
}

/// Keeps the statements the compiler keeps when predicate `k` of `preds` is `mask & (1 << k) != 0`:
/// a statement whose `#[cfg]`s are among `preds` stays (without them) when all hold, and goes
/// otherwise. Other `#[cfg]`s are left for [`run`].
pub fn select_cfg_lets(block: &mut syn::Block, preds: &[proc_macro2::TokenStream], mask: u32) {
    struct Select<'p>(&'p [proc_macro2::TokenStream], u32);
    impl Select<'_> {
        /// `Some(holds)` when every `#[cfg]` of `attrs` is one of the predicates.
        fn decide(&self, attrs: &mut Vec<syn::Attribute>) -> Option<bool> {
            let mut holds = true;
            let mut known = false;
            let mut unknown = false;
            for a in attrs.iter() {
                if let (true, syn::Meta::List(list)) = (a.path().is_ident("cfg"), &a.meta) {
                    let text = list.tokens.to_string();
                    match self.0.iter().position(|p| p.to_string() == text) {
                        Some(k) => {
                            known = true;
                            holds &= self.1 & (1 << k) != 0;
                        }
                        None => unknown = true,
                    }
                }
            }
            if !known || unknown {
                return None;
            }
            attrs.retain(|a| !a.path().is_ident("cfg"));
            Some(holds)
        }
    }
    impl VisitMut for Select<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            let stmts = std::mem::take(&mut b.stmts);
            for mut s in stmts {
                let decision = match &mut s {
                    syn::Stmt::Local(l) => self.decide(&mut l.attrs),
                    syn::Stmt::Macro(m) => self.decide(&mut m.attrs),
                    syn::Stmt::Expr(e, _) => expr_attrs(e).and_then(|a| self.decide(a)),
                    syn::Stmt::Item(_) => None,
                };
                if decision != Some(false) {
                    b.stmts.push(s);
                }
            }
            syn::visit_mut::visit_block_mut(self, b);
        }
        fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Select(preds, mask).visit_block_mut(block);
}

/// Whether an expression holds a cast (`x.floor() as usize`), outside closures.
fn has_cast(e: &syn::Expr) -> bool {
    struct Casts(bool);
    impl<'a> syn::visit::Visit<'a> for Casts {
        fn visit_expr_cast(&mut self, _: &'a syn::ExprCast) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    }
    let mut c = Casts(false);
    syn::visit::Visit::visit_expr(&mut c, e);
    c.0
}

/// Renames the parameters named `name` of the closures in `stmts` (and their reads in the
/// closures' bodies) to fresh names.
fn rename_closure_params(stmts: &mut [syn::Stmt], name: &syn::Ident) {
    struct Params<'a>(&'a syn::Ident);
    impl syn::visit_mut::VisitMut for Params<'_> {
        fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
            let mut names = Vec::new();
            for p in &c.inputs {
                crate::lower::collect_idents(p, &mut names);
            }
            if names.contains(self.0) {
                let fresh = crate::naming::fresh(&self.0.to_string());
                struct Rename<'a>(&'a syn::Ident, &'a syn::Ident);
                impl syn::visit_mut::VisitMut for Rename<'_> {
                    fn visit_pat_ident_mut(&mut self, i: &mut syn::PatIdent) {
                        if i.ident == *self.0 {
                            i.ident = self.1.clone();
                        }
                        syn::visit_mut::visit_pat_ident_mut(self, i);
                    }
                    fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
                        if p.qself.is_none() && p.path.is_ident(self.0) {
                            p.path.segments[0].ident = self.1.clone();
                        }
                    }
                    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
                }
                let mut r = Rename(self.0, &fresh);
                for p in &mut c.inputs {
                    r.visit_pat_mut(p);
                }
                r.visit_expr_mut(&mut c.body);
                return;
            }
            syn::visit_mut::visit_expr_closure_mut(self, c);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    for s in stmts {
        syn::visit_mut::VisitMut::visit_stmt_mut(&mut Params(name), s);
    }
}
