//! Differentiated models as structs — `m: &Model` named in `wrt(..)`, or the `&self` of a method —
//! as a pass before the rest: every field path the body reads as a number (`m.b`, `m.enc.scale`),
//! as a sequence (`m.w[j]`, `m.w.len()`, `&m.w`, `m.w.iter()`) or as rows (`m.w[i][j]`, or row by
//! row: `for row in &m.w { .. row[j] .. }`, `m.w.iter().map(|row| ..)`, see `row_iters`) becomes
//! a parameter of an inner function, which is differentiated as any other;
//! `NAME_grad` wraps it, passing the fields in and writing their derivatives into `d_m`, a gradient
//! of the model's own type. Fields read as integers or flags (`0..m.n`, `w[k * m.d + j]`,
//! `if m.bias {..}`, `m.n as f64`) stay data, read from the model as written.

use crate::attr::Args;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use std::collections::{HashMap, HashSet};
use syn::visit_mut::VisitMut;

pub(crate) mod aliases;
mod arrays;
mod elements;
mod find;
mod hvp;
mod jvp;
pub(crate) mod model_calls;
mod row_iters;
mod row_parts;
mod wrapper;

use elements::Elements;
use find::Finder;
use model_calls::model_fns;
use wrapper::wrapper;

/// Whether the struct declarations of the file give the field `members` of `root` a type of
/// rows of floats (`Vec<Vec<f64>>`, `Vec<[f64; 3]>`, `[[f64; 3]; 2]`).
fn declared_rows(
    sig: &syn::Signature,
    root: &Root,
    members: &[syn::Member],
    suffix: Option<&[syn::Member]>,
) -> bool {
    let elem = |t: &syn::Type| -> Option<syn::Type> {
        match t {
            syn::Type::Array(a) => Some((*a.elem).clone()),
            t => crate::rows::vec_elem(t).cloned(),
        }
    };
    // (A method name several `impl`s share: none of them.)
    let fields = declared_fields(sig, root, members, suffix);
    let [(owner, t)] = &fields[..] else {
        return false;
    };
    // (`ws: Vec<Vec<T>>` of a model `struct M<T>`, which derives `Params` for floats `T`:
    // rows of its float.)
    let param_of_owner = |e: &syn::Type| {
        let syn::Type::Path(p) = e else { return false };
        let Some(owner) = owner.as_deref() else {
            return false;
        };
        p.path.get_ident().is_some_and(|i| {
            !crate::prescan::data_type(owner)
                && crate::prescan::struct_type_params(owner)
                    .is_some_and(|ps| ps.iter().any(|t| i == t))
        })
    };
    elem(t)
        .and_then(|row| elem(&row))
        .is_some_and(|e| crate::sig::float_of(&e).is_some() || param_of_owner(&e))
}

/// Whether the field the path names is marked `#[params(skip)]` in its struct's declaration:
/// data (a model's configuration, a weight of the loss), read as written, never differentiated.
fn declared_skipped(
    sig: &syn::Signature,
    root: &Root,
    members: &[syn::Member],
    suffix: Option<&[syn::Member]>,
) -> bool {
    let last = match suffix {
        Some(s) => s,
        None => members,
    };
    let Some(syn::Member::Named(f)) = last.last() else {
        return false;
    };
    // (Of a method whose name several `impl`s share, where every one that has the field
    // marks it.)
    let fields = declared_fields(sig, root, members, suffix);
    !fields.is_empty()
        && fields.iter().all(|(owner, _)| {
            owner
                .as_ref()
                .is_some_and(|o| crate::prescan::skipped_field(o, &f.to_string()))
        })
}

/// The declared type of the field the path names (`m.w`, `m.layers[_].w` with `suffix` the
/// members after the element), with the name of the struct that declares it: one for each type
/// the root may have (a method's `self` is of each `impl` with a `#[gradient]` method of its
/// name) where the path is found.
fn declared_fields(
    sig: &syn::Signature,
    root: &Root,
    members: &[syn::Member],
    suffix: Option<&[syn::Member]>,
) -> Vec<(Option<String>, syn::Type)> {
    // (`loss__all`, the form of `loss` taking every float: the user's `loss` has a home.)
    let written = sig.ident.to_string();
    let caller = match written.split_once("__") {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => written,
    };
    let mut structs = crate::prescan::all_structs(&caller);
    if structs.is_empty() {
        structs = crate::prescan::file_structs();
    }
    let name_of = |t: &syn::Type| -> Option<String> {
        let mut t = t;
        while let syn::Type::Reference(r) = t {
            t = &r.elem;
        }
        match t {
            syn::Type::Path(p) if p.qself.is_none() => {
                Some(p.path.segments.last()?.ident.to_string())
            }
            _ => None,
        }
    };
    let ty_names: Vec<String> = if root.receiver {
        crate::prescan::method_types(&caller)
            .iter()
            .filter_map(|t| syn::parse_str::<syn::Type>(t).ok())
            .filter_map(|t| name_of(&t))
            .collect()
    } else {
        syn::parse2::<syn::Type>(root.ty.clone())
            .ok()
            .and_then(|t| name_of(&t))
            .into_iter()
            .collect()
    };
    // The declared type of the field `path` names, from the struct named `ty_name`, with the
    // struct declaring it.
    let walk = |mut ty_name: Option<String>,
                path: &[syn::Member]|
     -> Option<(Option<String>, syn::Type)> {
        let mut ty = None;
        for m in path {
            let syn::Member::Named(field) = m else {
                return None;
            };
            let name = ty_name.take()?;
            let (_, fields) = structs.iter().find(|(n, _)| *n == name)?;
            let (_, t) = fields.iter().find(|(n, _)| field == n.as_str())?;
            let t = syn::parse_str::<syn::Type>(t).ok()?;
            ty_name = name_of(&t);
            ty = Some((Some(name), t));
        }
        ty
    };
    let elem = |t: &syn::Type| -> Option<syn::Type> {
        match t {
            syn::Type::Array(a) => Some((*a.elem).clone()),
            t => crate::rows::vec_elem(t).cloned(),
        }
    };
    ty_names
        .into_iter()
        .filter_map(|ty_name| {
            let mut field_ty = walk(Some(ty_name), members);
            // `m.layers[i].w`: the field `w` of the element type of `m.layers`.
            if let Some(suffix) = suffix {
                let element = field_ty
                    .as_ref()
                    .and_then(|(_, t)| elem(t))
                    .and_then(|e| name_of(&e));
                field_ty = walk(element, suffix);
            }
            field_ty
        })
        .collect()
}

/// How a field path is read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Use {
    /// In arithmetic: a differentiated float.
    Number,
    /// Indexed, iterated, borrowed, measured: a differentiated sequence of floats.
    Seq,
    /// Indexed twice (`m.w[i][j]`): differentiated rows.
    Rows,
    /// In an index, a range bound, a cast, a condition: data.
    Data,
    /// `.len()`, `.is_empty()`: the shape alone, which is data.
    Shape,
    /// A name passed to a function as it is: a number, or for `let r = &m.w;` a sequence.
    Arg,
    /// The whole model, passed to a `#[gradient]` function or the receiver of a `#[gradient]`
    /// method: read through its flat view.
    Model,
    /// `m.n as f64`: a float made of the field, which is data if an integer and a parameter if a
    /// float; the other reads decide.
    FloatCast,
    /// `&m.w` (to a function, or bound): a sequence, unless the field is also read as a number
    /// (then `&m.b` is a `&f64`).
    Borrowed,
}

/// Where the expression being visited stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Value,
    /// A position that takes an integer or a flag.
    Data,
    /// A condition: a flag itself, or comparisons of numbers.
    Cond,
}

/// A differentiated struct parameter (or `self`).
struct Root {
    ident: Ident,
    receiver: bool,
    /// The model's type (`Self` for a receiver), where the user wrote it.
    ty: TokenStream,
}

/// One field path of a root, and how the body reads it.
struct Path {
    root: usize,
    members: Vec<syn::Member>,
    /// `m.layers[l].w`: the fields after the index into a sequence of structs (`w`).
    suffix: Option<Vec<syn::Member>>,
    uses: Vec<Use>,
    span: Span,
    /// `let NAME = m.path;` (`= &m.path;`, `= m.path[i];`): names whose own reads decide.
    aliases: Vec<(Ident, Alias)>,
}

/// How a `let` binds a field path (see [`Path::aliases`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Alias {
    /// `let n = m.n;`
    Copy,
    /// `let r = &m.w;`
    Ref,
    /// `let n = m.sizes[l];`: one element, read as data (then the field is data) or as a number
    /// (then the field is a sequence).
    Element,
}

impl Path {
    fn dotted(&self, roots: &[Root]) -> String {
        key(
            &roots[self.root].ident,
            &self.members,
            self.suffix.as_deref(),
            "[_]",
        )
    }
}

/// `m.a.b`, or `m.layers[_].w` for a field of the elements of a sequence of structs.
fn key(
    root: &Ident,
    members: &[syn::Member],
    suffix: Option<&[syn::Member]>,
    index: &str,
) -> String {
    let mut s = root.to_string();
    for m in members {
        s.push('.');
        s.push_str(&member_name(m));
    }
    if let Some(suffix) = suffix {
        s.push_str(index);
        for m in suffix {
            s.push('.');
            s.push_str(&member_name(m));
        }
    }
    s
}

fn member_name(m: &syn::Member) -> String {
    match m {
        syn::Member::Named(i) => i.to_string(),
        syn::Member::Unnamed(i) => i.index.to_string(),
    }
}

/// What one leaf of the inner function is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leaf {
    Number,
    Seq,
    Rows,
    /// The model's flat view (`Params::to_flat`), for the calls that take the whole model.
    Flat,
    /// The flat view of each element of a sequence of structs, for their methods
    /// (`self.layers[l].forward(x)`).
    Flats,
    /// A field of rows of the elements of a sequence of structs (`m.layers[l].w[i][j]`): the
    /// rows of every element end to end, element `l`'s from `offsets[l]` (see `offsets_of`).
    ElemRows,
}

/// The expressions of `vec![a, b]` or `vec![v; n]` (the count too) given to `f` as one
/// expression (`[a, b]`, `[v; n]`), and written back: the macro's reads rewritten as any other.
fn with_vec_exprs(m: &mut syn::Macro, f: impl FnOnce(&mut syn::Expr)) {
    if !m.path.is_ident("vec") {
        return;
    }
    let tokens = &m.tokens;
    if let Ok(mut e) = syn::parse2::<syn::Expr>(quote!([#tokens])) {
        f(&mut e);
        match &e {
            syn::Expr::Array(a) => m.tokens = a.elems.to_token_stream(),
            syn::Expr::Repeat(r) => {
                let (x, n) = (&r.expr, &r.len);
                m.tokens = quote!(#x; #n);
            }
            _ => {}
        }
    }
}

/// The name of the offsets of the rows of an `ElemRows` leaf, in the inner function.
fn offsets_of(leaf: &Ident) -> Ident {
    format_ident!("{}_offsets", leaf)
}

/// The rows of the field `suffix` of every element of `seq` (`m.layers`), end to end, as the
/// `Vec<Vec<T>>` an `ElemRows` leaf takes.
fn elem_rows_gathered(seq: &TokenStream, suffix: &[syn::Member], t: &Ident) -> TokenStream {
    quote! {
        #seq.iter()
            .flat_map(|e| e #(.#suffix)*.iter().map(|r| r.iter().copied().collect::<::std::vec::Vec<#t>>()))
            .collect::<::std::vec::Vec<::std::vec::Vec<#t>>>()
    }
}

/// Whether the elements of `a` and `b` have rows of the same lengths in their field `suffix`
/// (the sequences themselves of one length too): a condition.
fn elem_rows_same_shape(a: &TokenStream, b: &TokenStream, suffix: &[syn::Member]) -> TokenStream {
    quote! {
        #a.len() == #b.len()
            && #a.iter().zip(#b.iter()).all(|(a, b)| a #(.#suffix)*.len() == b #(.#suffix)*.len()
                && a #(.#suffix)*.iter().zip(b #(.#suffix)*.iter()).all(|(r, s)| r.len() == s.len()))
    }
}

/// Methods of slices and `Vec`s: their receiver is a sequence.
const SEQ_METHODS: &[&str] = &[
    "len",
    "is_empty",
    "iter",
    "first",
    "last",
    "get",
    "windows",
    "chunks",
    "chunks_exact",
    "to_vec",
    "split_at",
    "split_first",
    "split_last",
    "as_slice",
    "into_iter",
    "contains",
    "clone",
    "to_owned",
    "concat",
    "as_flattened",
];

/// Methods whose arguments are integers.
const INT_ARG_METHODS: &[&str] = &[
    "powi",
    "take",
    "skip",
    "step_by",
    "chunks",
    "chunks_exact",
    "windows",
    "nth",
    "get",
    "split_at",
    "with_capacity",
    "resize",
];

pub fn expand(args_tokens: &TokenStream, item: &syn::ItemFn) -> Option<TokenStream> {
    let args: Args = syn::parse2(args_tokens.clone()).ok()?;
    let named = |id: &Ident| args.wrt.as_ref().is_some_and(|w| w.iter().any(|n| n == id));
    let mut roots = Vec::new();
    for input in &item.sig.inputs {
        match input {
            syn::FnArg::Receiver(r) if r.reference.is_some() && r.mutability.is_none() => {
                let id = Ident::new("self", r.self_token.span);
                if args.wrt.is_none() || named(&id) {
                    let ty = quote_spanned!(r.self_token.span=> Self);
                    roots.push(Root {
                        ident: id,
                        receiver: true,
                        ty,
                    });
                }
            }
            syn::FnArg::Typed(pt) => {
                if let (syn::Pat::Ident(pi), syn::Type::Reference(r)) = (&*pt.pat, &*pt.ty) {
                    if named(&pi.ident) && is_struct_ref(&pt.ty) {
                        roots.push(Root {
                            ident: pi.ident.clone(),
                            receiver: false,
                            ty: r.elem.to_token_stream(),
                        });
                    }
                }
            }
            syn::FnArg::Receiver(_) => {}
        }
    }
    // (Functions without a model are registered too: a name of two functions is no evidence.)
    if !item
        .sig
        .inputs
        .iter()
        .any(|i| matches!(i, syn::FnArg::Receiver(_)))
    {
        model_calls::register(
            &item.sig.ident,
            model_calls::model_position(&args, &item.sig),
        );
    }
    if roots.is_empty() {
        return None;
    }
    let bounded = model_bounds(item, &roots);
    let item = bounded.as_ref().unwrap_or(item);
    let float = match &item.sig.output {
        syn::ReturnType::Type(_, t) => crate::sig::float_of(t)?,
        syn::ReturnType::Default => return None,
    };
    let errors = crate::errors::Errors::default();
    let mut body = (*item.block).clone();
    // `m.w[r.clone()]` is a part of `m.w`, not a row of it.
    crate::desugar::held_ranges(&mut body, &item.sig);
    crate::desugar::vector_folds(&mut body);
    aliases::inline_model_fns(&mut body, &roots, item);
    // A model's name declared again (`let m = ..;`, `for m in ..`, a closure's `|m| ..`) takes a
    // name of its own, so that what says `m` reads the model.
    for r in roots.iter().filter(|r| !r.receiver) {
        crate::desugar::sub_slices::unshadow(&mut body.stmts, &r.ident);
    }
    aliases::substitute_aliases(&mut body, &roots);
    aliases::index_element_loops(&mut body, &roots);
    aliases::substitute_elements(&mut body, &roots);
    // `&m.w[0..][..1]`: one part (`&m.w[0..0 + 1]`), which the fields' rewrite follows.
    struct Parts;
    impl VisitMut for Parts {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let Some(part) = crate::desugar::sub_slices::part_of_part(e) {
                *e = part;
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Parts.visit_block_mut(&mut body);
    destructured_fields(&mut body, &roots);
    // `rotate(self.w, p)` to a `[T; N]` parameter: read element by element, as a sequence.
    arrays::spell_out_model_arrays(&mut body, &roots);
    // `for row in m.a.iter().chain(m.b.iter())`: two loops, each over one field's rows, which
    // the reads of fields follow.
    let mut whole = syn::Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: body,
    });
    crate::desugar::split_chains(&mut whole);
    let syn::Expr::Block(syn::ExprBlock {
        block: mut body, ..
    }) = whole
    else {
        unreachable!("a block stays a block")
    };
    Elements { roots: &roots }.visit_block_mut(&mut body);
    let elements_body = body.clone();
    let mut finder = Finder {
        roots: &roots,
        paths: Vec::new(),
        ctx: Ctx::Value,
        int_names: HashSet::new(),
        alias_uses: HashMap::new(),
        errors: &errors,
        rewrite: None,
    };
    finder.visit_block_mut(&mut body);
    let Finder {
        paths, alias_uses, ..
    } = finder;
    let row_iterated = row_iters::row_iterated(&elements_body, &roots);
    let mut leaves: Vec<(usize, Leaf, Ident)> = Vec::new();
    // Paths read only as data: `NAME_grad` has the compiler check that none is a float.
    let mut data_paths: Vec<usize> = Vec::new();
    for (k, p) in paths.iter().enumerate() {
        // A field marked `#[params(skip)]` stays as written: data of the model.
        if declared_skipped(&item.sig, &roots[p.root], &p.members, p.suffix.as_deref()) {
            continue;
        }
        let mut uses = p.uses.clone();
        for (a, kind) in &p.aliases {
            let u = alias_uses
                .get(&a.to_string())
                .map_or(&[][..], Vec::as_slice);
            if *kind == Alias::Element {
                // An element read only as an integer or flag (and perhaps cast) is data; one
                // read in any other way, or not at all, is as `m.w[i]` is.
                let data = u.contains(&Use::Data)
                    && u.iter().all(|u| matches!(u, Use::Data | Use::FloatCast));
                uses.push(if data { Use::Data } else { Use::Seq });
                continue;
            }
            // Passed on as it is, a reference is to a sequence and a copy is a number.
            uses.extend(u.iter().map(|&u| match (u, kind) {
                (Use::Arg, Alias::Ref) => Use::Seq,
                (Use::Arg, _) => Use::Number,
                (u, _) => u,
            }));
        }
        // (Or declared rows, `w1: Vec<Vec<f64>>`, each row handed whole to a helper: `for row
        // in &m.w1 { s += dot(row, x); }`, which says no more than a sequence.)
        let read = uses.iter().any(|u| !matches!(u, Use::Data | Use::Shape));
        if p.suffix.is_none()
            && (row_iterated.contains(&(p.root, p.members.clone()))
                || (read && declared_rows(&item.sig, &roots[p.root], &p.members, None)))
        {
            uses.push(Use::Rows);
        }
        // (The same of a field of the elements, `net.layers[0].w` of `w: Vec<Vec<f64>>`: rows,
        // which such a field cannot be yet; an error, where an element would be wrong.)
        if let Some(suffix) = &p.suffix {
            if read && declared_rows(&item.sig, &roots[p.root], &p.members, Some(suffix)) {
                uses.push(Use::Rows);
            }
        }
        let number = uses.contains(&Use::Number);
        for u in &mut uses {
            if *u == Use::Borrowed {
                *u = if number { Use::Number } else { Use::Seq };
            }
        }
        let has = |u: Use| uses.contains(&u);
        let dotted = p.dotted(&roots);
        let elements = p.suffix.is_some();
        let leaf = if has(Use::Model) && elements {
            Leaf::Flats
        } else if has(Use::Model) {
            Leaf::Flat
        } else if has(Use::Rows) && elements {
            Leaf::ElemRows
        } else if has(Use::Rows) || (has(Use::Seq) && elements) {
            Leaf::Rows
        } else if has(Use::Seq) {
            if paths
                .iter()
                .any(|q| q.root == p.root && q.members == p.members && q.suffix.is_some())
            {
                errors.push(
                    p.span,
                    format!("`#[gradient]` follows the structs of `{dotted}` when they are indexed (`{dotted}[l].w[j]`) or iterated by `for layer in &{dotted}` (or `.iter()`, `.iter().enumerate()`); this read of `{dotted}` is not followed yet"),
                );
                continue;
            }
            Leaf::Seq
        } else if has(Use::Number) && elements {
            Leaf::Seq
        } else if has(Use::Number) && has(Use::Data) {
            errors.push(
                p.span,
                format!("`#[gradient]` cannot tell whether `{dotted}` is a parameter or data: it is read as a number of the loss here and as an integer or flag (an index, a bound, a cast, a condition) elsewhere; bind the data once with its type (`let n: usize = {dotted};`) and read that"),
            );
            continue;
        } else if has(Use::Number) {
            Leaf::Number
        } else {
            if has(Use::Data) || has(Use::FloatCast) {
                data_paths.push(k);
            }
            continue;
        };
        let name =
            key(&roots[p.root].ident, &p.members, p.suffix.as_deref(), "__").replace('.', "_");
        let hidden = crate::naming::hidden(&format!("field_{name}"));
        crate::naming::show_as(&hidden, p.dotted(&roots));
        leaves.push((k, leaf, hidden));
    }
    // The reads of differentiated fields become reads of the leaves.
    let by_path: HashMap<String, (Leaf, Ident)> = leaves
        .iter()
        .map(|(k, l, id)| (paths[*k].dotted(&roots), (*l, id.clone())))
        .collect();
    let mut body = elements_body;
    let mut rewriter = Finder {
        roots: &roots,
        paths: Vec::new(),
        ctx: Ctx::Value,
        int_names: HashSet::new(),
        alias_uses: HashMap::new(),
        errors: &crate::errors::Errors::default(),
        rewrite: Some(&by_path),
    };
    rewriter.visit_block_mut(&mut body);
    // A field of rows of the elements, read through the rows of all of them: each element's
    // part (`W[OFFS[l]..OFFS[l + 1]]`, as the rewrite wrote it) indexed or measured directly,
    // and the offsets computed first, from the model (data in the inner function).
    let elem_rows: Vec<(Ident, TokenStream)> = leaves
        .iter()
        .filter(|(_, l, _)| *l == Leaf::ElemRows)
        .map(|(k, _, id)| {
            let p = &paths[*k];
            let (root, members) = (&roots[p.root].ident, &p.members);
            let suffix = p.suffix.clone().unwrap_or_default();
            (
                id.clone(),
                quote!(#root #(.#members)*.iter().map(|e| e #(.#suffix)*.len())),
            )
        })
        .collect();
    if !elem_rows.is_empty() {
        let names: Vec<Ident> = elem_rows.iter().map(|(id, _)| id.clone()).collect();
        for (span, leaf) in row_parts::parts_of_rows(&mut body, &names) {
            errors.push(span, format!("`#[gradient]` reads the rows of `{leaf}` (a rows field of the elements of a `Vec` of structs) by index (`{leaf}[i][j]`, `{leaf}[i].len()`, `&{leaf}[i]`), by `{leaf}.len()`, under another name (`let w = &layer.w;`), row by row in a `for` (`for row in &layer.w`, `.iter()` with `.enumerate()`, `.zip(..)`, `.rev()`, `.skip(k)`, `.take(k)`, `.step_by(k)`) and in `layer.w.iter().map(|row| ..)` (also after `.enumerate()` or `.zip(..)`, and in `for_each` and `fold`); not this read (the rows handed whole to a function, flattened, a part of them): write it in one of those forms, or compute with the rows in a `#[gradient]` method of the element's struct (`layer.forward(&h)`)"));
        }
        let offsets = elem_rows.iter().map(|(id, lens)| -> syn::Stmt {
            let offs = offsets_of(id);
            syn::parse_quote!(let #offs: ::std::vec::Vec<usize> = ::grad::runtime::__private::row_offsets(#lens);)
        });
        body.stmts.splice(0..0, offsets);
    }

    let t = Ident::new(float.name(), Span::call_site());
    let root_of = |id: &Ident| roots.iter().position(|r| r.ident == *id);
    let leaf_param = |l: Leaf, id: &Ident| match l {
        Leaf::Number => quote!(#id: #t),
        Leaf::Seq => quote!(#id: &[#t]),
        Leaf::Rows => quote!(#id: &[::std::vec::Vec<#t>]),
        Leaf::Flat => quote!(#id: &[#t]),
        Leaf::Flats | Leaf::ElemRows => quote!(#id: &[::std::vec::Vec<#t>]),
    };
    let mut inner_inputs: Vec<TokenStream> = Vec::new();
    let mut inner_wrt: Vec<Ident> = Vec::new();
    for input in &item.sig.inputs {
        let (id, tokens) = match input {
            syn::FnArg::Receiver(r) => (Ident::new("self", r.self_token.span), quote!(#r)),
            syn::FnArg::Typed(pt) => match &*pt.pat {
                syn::Pat::Ident(pi) => (pi.ident.clone(), quote!(#pt)),
                _ => return None,
            },
        };
        inner_inputs.push(tokens);
        match root_of(&id) {
            Some(r) => {
                for (k, l, leaf) in &leaves {
                    if paths[*k].root == r {
                        inner_inputs.push(leaf_param(*l, leaf));
                        inner_wrt.push(leaf.clone());
                    }
                }
            }
            None if named(&id) => inner_wrt.push(id),
            None => {}
        }
    }
    let inner_name = crate::naming::hidden(&format!("fields_{}", item.sig.ident));
    let mut inner_sig = item.sig.clone();
    inner_sig.ident = inner_name.clone();
    inner_sig.inputs = syn::parse_quote!(#(#inner_inputs),*);
    let mut attrs: Vec<syn::Attribute> = item
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("allow") || a.path().is_ident("cfg"))
        .cloned()
        .collect();
    // A rewritten copy of the user's body, never called: the model itself may be read only
    // through the leaves, and lints would only repeat (or misname) those of the original.
    attrs.push(syn::parse_quote!(#[allow(unused_variables, clippy::all, clippy::pedantic)]));
    attrs.push(crate::expand::rewritten_marker());
    let inner = syn::ItemFn {
        attrs,
        vis: syn::Visibility::Inherited,
        sig: inner_sig,
        block: Box::new(body),
    };
    // Second order: the inner function's own `hvp`, for the models it supports.
    let hvp = args.hvp.filter(|&span| {
        match hvp::unsupported(&roots, &paths, &leaves) {
            Some(reason) => {
                errors.push(span, format!("`hvp` is not supported yet for {reason}: differentiate a function of scalars and slices, or drop `hvp`"));
                false
            }
            None => true,
        }
    });
    let mut spec_items = TokenStream::new();
    let inner_expanded = if errors.is_empty() && !inner_wrt.is_empty() {
        let modes = [
            args.jvp.map(|_| quote!(jvp)),
            hvp.map(|_| quote!(hvp)),
            args.fast.map(|_| quote!(fast)),
        ];
        let modes = modes.iter().flatten();
        let inner_args = quote!(#(#modes,)* wrt(#(#inner_wrt),*));
        // Closures passed to helpers that read the model's fields (`integrate(|t| self.a * t,
        // ..)`): specialized here, where those fields are floats and slices of their own.
        let (inner, specs) = crate::closure_calls::callers(&inner, &inner_args);
        spec_items = specs;
        Some(crate::expand::expand_item(inner_args, &inner))
    } else if !inner_wrt.is_empty() {
        // The errors above are the ones to read; the inner gradient's signature (its body
        // `unreachable!()`) keeps `NAME_grad`'s buffers those of a function that compiled.
        let args: crate::attr::Args = syn::parse_quote!(wrt(#(#inner_wrt),*));
        let sig = crate::sig::analyze(&inner, &args, &crate::errors::Errors::default());
        Some(crate::fallback::grad_stub(&inner, &sig))
    } else {
        None
    };
    let ok = errors.is_empty();
    let jvp = args.jvp.map(|_| {
        jvp::wrapper(
            item,
            &named,
            &roots,
            &paths,
            &leaves,
            float,
            &inner_name,
            inner_expanded.as_ref(),
        )
    });
    let hvp = hvp.map(|_| {
        hvp::wrapper(
            item,
            &roots,
            &paths,
            &leaves,
            float,
            &inner_name,
            inner_expanded.as_ref(),
            ok,
        )
    });
    let out = wrapper(
        item,
        &args,
        &roots,
        &paths,
        &leaves,
        &data_paths,
        float,
        inner_name,
        inner_expanded,
        errors,
    );
    let out = quote!(#out #jvp #hvp);
    let model_fns = match roots.as_slice() {
        // (Not for a method whose `self` is data: callers hand over `self`, not the model.)
        [root] if ok && (root.receiver || !wrapper::is_method(item)) => {
            model_fns(item, root, float, args.wrt.as_ref())
        }
        _ => TokenStream::new(),
    };
    Some(quote!(#out #model_fns #spec_items))
}

/// Input: `let Dense { w, b: bias, .. } = &m.l1;`, a struct pattern taking apart a field of a
/// model (or the model, `let Mlp { l1, .. } = self;`). Output: `let w = &m.l1.w; let bias =
/// &m.l1.b;`: a reference per part, which the reads of fields follow as they follow `let r =
/// &m.x;`.
/// `item` with `Model<T>: Params<Scalar = T>` among its bounds for each model whose type is
/// generic (`fn loss<T: Float>(m: &Linear<T>, ..)`, `&self` in `impl<T: Float> Linear<T>`): what
/// the generated functions ask of the model (its shape, its flat view in `T`), which `T: Float`
/// alone does not say. `None` when no model's type is generic.
fn model_bounds(item: &syn::ItemFn, roots: &[Root]) -> Option<syn::ItemFn> {
    let syn::ReturnType::Type(_, float) = &item.sig.output else {
        return None;
    };
    let float = &**float;
    let params: Vec<&Ident> = item.sig.generics.type_params().map(|t| &t.ident).collect();
    // A receiver's type parameters are the impl's, which the attribute does not see: a float
    // type that is not `f32`/`f64` says the impl is generic.
    let concrete =
        matches!(float, syn::Type::Path(p) if p.path.is_ident("f32") || p.path.is_ident("f64"));
    let generic: Vec<&TokenStream> = roots
        .iter()
        .filter(|r| {
            if r.receiver {
                !concrete
            } else {
                params.iter().any(|p| crate::derive::mentions(&r.ty, p))
            }
        })
        .map(|r| &r.ty)
        .collect();
    if generic.is_empty() {
        return None;
    }
    let mut bounded = item.clone();
    let clause = bounded.sig.generics.make_where_clause();
    for ty in generic {
        clause
            .predicates
            .push(syn::parse_quote!(#ty: ::grad::runtime::Params<Scalar = #float>));
    }
    Some(bounded)
}

fn destructured_fields(body: &mut syn::Block, roots: &[Root]) {
    struct D<'a>(&'a [Root]);
    impl VisitMut for D<'_> {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            let mut out = Vec::with_capacity(b.stmts.len());
            for s in std::mem::take(&mut b.stmts) {
                match parts(&s, self.0) {
                    Some(lets) => out.extend(lets),
                    None => out.push(s),
                }
            }
            b.stmts = out;
            syn::visit_mut::visit_block_mut(self, b);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    fn parts(s: &syn::Stmt, roots: &[Root]) -> Option<Vec<syn::Stmt>> {
        let syn::Stmt::Local(l) = s else { return None };
        let syn::Pat::Struct(ps) = &l.pat else {
            return None;
        };
        let init = l.init.as_ref()?;
        if init.diverge.is_some() {
            return None;
        }
        let whole = match &*init.expr {
            syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
            // `self` of `&self`, a model parameter `m: &Model`: references already.
            e => e,
        };
        let of_root = find::field_path(whole, roots).is_some()
            || matches!(whole, syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| roots.iter().any(|r| r.ident == *i)));
        if !of_root {
            return None;
        }
        let mut lets = Vec::new();
        for f in &ps.fields {
            let syn::Member::Named(name) = &f.member else {
                return None;
            };
            let bound = match &*f.pat {
                syn::Pat::Ident(pi) if pi.subpat.is_none() && pi.mutability.is_none() => {
                    pi.ident.clone()
                }
                syn::Pat::Wild(_) => continue,
                _ => return None,
            };
            lets.push(syn::parse_quote!(let #bound = &#whole.#name;));
        }
        Some(lets)
    }
    D(roots).visit_block_mut(body);
}

/// `&Name` or `&path::Name<..>`: a struct passed by reference (not a float, slice, array, `Vec`
/// or tuple).
/// `let BUF: &mut [T] = ..;`: where the gradient of a model's sequence field `place` goes — the
/// field itself when it is storage (`Vec`, array), a zeroed scratch buffer of `len` when it is a
/// reference (a data field `&'a [f64]`, which cannot be written into).
fn grad_buffer(
    what: &str,
    place: &TokenStream,
    len: &TokenStream,
    t: &dyn quote::ToTokens,
    zero: &TokenStream,
) -> (TokenStream, Ident) {
    let (scratch, buf) = (
        crate::naming::hidden(&format!("scratch_{what}")),
        crate::naming::hidden(&format!("buf_{what}")),
    );
    let make = quote! {
        let mut #scratch: ::std::vec::Vec<#t> = ::std::vec::Vec::new();
        let #buf: &mut [#t] = match ::grad::runtime::__private::GradBuffer::grad_buffer(&mut #place) {
            ::core::option::Option::Some(b) => b,
            ::core::option::Option::None => {
                #scratch.resize(#len, #zero);
                &mut #scratch
            }
        };
    };
    (make, buf)
}

pub fn is_struct_ref(ty: &syn::Type) -> bool {
    let syn::Type::Reference(r) = ty else {
        return false;
    };
    if r.mutability.is_some() {
        return false;
    }
    let syn::Type::Path(p) = &*r.elem else {
        return false;
    };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    // `&T` with `T` the generic float type is a float.
    if crate::sig::float_of(&r.elem).is_some() {
        return false;
    }
    let known = [
        "f64", "f32", "Vec", "str", "String", "usize", "isize", "i32", "i64", "u32", "u64", "bool",
        "Option", "Box", "HashMap", "BTreeMap",
    ];
    p.qself.is_none() && !known.iter().any(|k| last.ident == k)
}

/// A parameter of the inner gradient function: its name and type.
fn typed_inputs(f: &syn::ItemFn) -> Vec<(Ident, Option<syn::Type>)> {
    f.sig
        .inputs
        .iter()
        .map(|i| match i {
            syn::FnArg::Receiver(r) => (Ident::new("self", r.self_token.span), None),
            syn::FnArg::Typed(pt) => match &*pt.pat {
                syn::Pat::Ident(pi) => (pi.ident.clone(), Some((*pt.ty).clone())),
                _ => (format_ident!("_"), Some((*pt.ty).clone())),
            },
        })
        .collect()
}
