//! Emission: the IR printed as Rust.
//!
//! One `let` per value. Temporaries are named `__grad_vN`: the leading underscore keeps rustc quiet
//! about the few a caller may not read, and the prefix keeps them apart from the user's names.

use crate::fields::model_calls::Lenient;
use crate::ir::{
    Block, CallArg, Carry, FloatTy, Func, Iter, Kind, Loop, Operand, SeqId, Stmt, TapeId, ValId,
};
use crate::rules::Prim;
use proc_macro2::{Delimiter, Ident, Literal, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};

/// Constants that clippy's `approx_constant` would flag as literals, emitted by name instead.
const NAMED: &[(&str, f64, f32)] = &[
    ("PI", std::f64::consts::PI, std::f32::consts::PI),
    ("TAU", std::f64::consts::TAU, std::f32::consts::TAU),
    ("E", std::f64::consts::E, std::f32::consts::E),
    ("LN_2", std::f64::consts::LN_2, std::f32::consts::LN_2),
    ("LN_10", std::f64::consts::LN_10, std::f32::consts::LN_10),
    ("LOG2_E", std::f64::consts::LOG2_E, std::f32::consts::LOG2_E),
    (
        "LOG10_E",
        std::f64::consts::LOG10_E,
        std::f32::consts::LOG10_E,
    ),
    (
        "LOG2_10",
        std::f64::consts::LOG2_10,
        std::f32::consts::LOG2_10,
    ),
    (
        "LOG10_2",
        std::f64::consts::LOG10_2,
        std::f32::consts::LOG10_2,
    ),
    ("SQRT_2", std::f64::consts::SQRT_2, std::f32::consts::SQRT_2),
    (
        "FRAC_1_SQRT_2",
        std::f64::consts::FRAC_1_SQRT_2,
        std::f32::consts::FRAC_1_SQRT_2,
    ),
    (
        "FRAC_PI_2",
        std::f64::consts::FRAC_PI_2,
        std::f32::consts::FRAC_PI_2,
    ),
    (
        "FRAC_PI_3",
        std::f64::consts::FRAC_PI_3,
        std::f32::consts::FRAC_PI_3,
    ),
    (
        "FRAC_PI_4",
        std::f64::consts::FRAC_PI_4,
        std::f32::consts::FRAC_PI_4,
    ),
    (
        "FRAC_PI_6",
        std::f64::consts::FRAC_PI_6,
        std::f32::consts::FRAC_PI_6,
    ),
    (
        "FRAC_PI_8",
        std::f64::consts::FRAC_PI_8,
        std::f32::consts::FRAC_PI_8,
    ),
    (
        "FRAC_1_PI",
        std::f64::consts::FRAC_1_PI,
        std::f32::consts::FRAC_1_PI,
    ),
    (
        "FRAC_2_PI",
        std::f64::consts::FRAC_2_PI,
        std::f32::consts::FRAC_2_PI,
    ),
    (
        "FRAC_2_SQRT_PI",
        std::f64::consts::FRAC_2_SQRT_PI,
        std::f32::consts::FRAC_2_SQRT_PI,
    ),
];

/// How many values one late-initialized declaration binds in a long block (see
/// [`Emitter::batched_block`]).
const BATCH: usize = 32;

/// `n` converted to the generic float type `ty` (the `Float` bound implies `NumCast`). The
/// conversion cannot fail for a float type; the path goes through `grad` so that it names the
/// trait whatever the user imported.
pub fn generic_cast(ty: &Ident, n: &TokenStream) -> TokenStream {
    quote!(<#ty as ::grad::runtime::__private::NumCast>::from(#n).unwrap())
}

/// A float constant as tokens of type `ty`.
/// In a function generic over its float type, an expression kept as written whose
/// desugaring made a buffer (`vec![0.0; n]`, a `collect` or a closure's vector inlined into a
/// condition) holds the zero as `T`'s, not as a literal of no float type `T` is.
fn generic_zeros(tokens: TokenStream, ty: FloatTy) -> TokenStream {
    use proc_macro2::{Delimiter, Group, TokenTree};
    if !matches!(ty, FloatTy::Generic(_)) {
        return tokens;
    }
    let mut out: Vec<TokenTree> = Vec::new();
    for t in tokens {
        let after_vec = matches!(out.as_slice(), [.., TokenTree::Ident(i), TokenTree::Punct(p)] if i == "vec" && p.as_char() == '!');
        out.push(match t {
            TokenTree::Group(g) => {
                let mut inner = generic_zeros(g.stream(), ty);
                if after_vec && g.delimiter() == Delimiter::Bracket {
                    let mut parts = inner.clone().into_iter();
                    if let Some(TokenTree::Literal(l)) = parts.next() {
                        let text = l.to_string();
                        if let (true, Ok(v)) = (text.contains('.'), text.parse::<f64>()) {
                            let rest: TokenStream = parts.collect();
                            let zero = float_literal(v, ty);
                            inner = quote!(#zero #rest);
                        }
                    }
                }
                let mut ng = Group::new(g.delimiter(), inner);
                ng.set_span(g.span());
                TokenTree::Group(ng)
            }
            t => t,
        });
    }
    out.into_iter().collect()
}

pub fn float_literal(c: f64, ty: FloatTy) -> TokenStream {
    let tyi = Ident::new(ty.name(), Span::call_site());
    if let FloatTy::Generic(_) = ty {
        // Converted from the `f64` the user wrote, as `T::from(0.1).unwrap()` in the body does.
        let lit = if c.is_nan() {
            quote!(::core::f64::NAN)
        } else if c.is_infinite() {
            if c > 0.0 {
                quote!(::core::f64::INFINITY)
            } else {
                quote!(::core::f64::NEG_INFINITY)
            }
        } else {
            Literal::f64_suffixed(c).into_token_stream()
        };
        return generic_cast(&tyi, &lit);
    }
    if c.is_nan() {
        return quote!(#tyi::NAN);
    }
    if c.is_infinite() {
        return if c > 0.0 {
            quote!(#tyi::INFINITY)
        } else {
            quote!(#tyi::NEG_INFINITY)
        };
    }
    // `-0.0` keeps its sign (std's float sums start from it).
    let (neg, m) = if c.is_sign_negative() {
        (true, -c)
    } else {
        (false, c)
    };
    let named = NAMED.iter().find(|(_, v64, v32)| match ty {
        FloatTy::F64 => *v64 == m,
        FloatTy::F32 => *v32 == m as f32,
        FloatTy::Generic(_) => false,
    });
    let body = match named {
        Some((n, _, _)) => {
            let n = Ident::new(n, Span::call_site());
            quote!(::core::#tyi::consts::#n)
        }
        None => match ty {
            FloatTy::F64 | FloatTy::Generic(_) => Literal::f64_unsuffixed(m).into_token_stream(),
            FloatTy::F32 => Literal::f32_unsuffixed(m as f32).into_token_stream(),
        },
    };
    if neg {
        quote!(-#body)
    } else {
        body
    }
}

/// Removes one pair of parentheses around a whole expression (`(a + b)` → `a + b`), which rustc's
/// `unused_parens` would flag on a `let`.
pub fn strip_parens(ts: &TokenStream) -> TokenStream {
    let mut it = ts.clone().into_iter();
    if let (Some(TokenTree::Group(g)), None) = (it.next(), it.next()) {
        if g.delimiter() == Delimiter::Parenthesis {
            let top_level_comma = g
                .stream()
                .into_iter()
                .any(|t| matches!(&t, TokenTree::Punct(p) if p.as_char() == ','));
            if !top_level_comma && !g.stream().is_empty() {
                return g.stream();
            }
        }
    }
    ts.clone()
}

pub struct Emitter<'a> {
    pub func: &'a Func,
    /// The local buffers some statement writes (the others are declared without `mut`).
    pub stored: std::collections::HashSet<SeqId>,
    /// Buffers made inside a branch (not inside a loop): the reverse sweep reads them after the
    /// branch's scope is closed, so they are declared at the top and assigned where they are made.
    hoisted: Vec<(SeqId, crate::ir::BufLen)>,
    /// Values written inside the expression that reads them (see `inline`).
    inline: std::collections::HashMap<ValId, (Prim, Vec<Operand>)>,
    /// Values the emitted code binds more than once (a loop's adjoint recomputes what its body
    /// computed): a late-initialized declaration ahead of its statement could capture an earlier
    /// read of the other binding, so these keep their `let` in place.
    redefined: std::collections::HashSet<ValId>,
    /// Whether some statement is a [`Prim::MulOr0`] (emitted as a call to one local helper).
    uses_mul0: bool,
    /// Whether `Prim::Narrow` is emitted: its helper is declared once.
    uses_narrow: bool,
    /// Whether some call gets scratch gradient buffers (see [`Emitter::call_with_scratch`]).
    uses_scratch: bool,
    /// The vector-valued calls whose reverse goes through the closure their `NAME__split`
    /// returned (see `split`): the buffer each call's result is in.
    split_calls: std::collections::HashSet<SeqId>,
    /// In a `NAME__split`'s closure: the differentiated parameters whose gradient is written only
    /// when the caller asks for it, with the (compile-time) condition that it does.
    pub guards: std::collections::HashMap<SeqId, TokenStream>,
    /// The buffers whose length changes ([`Stmt::Resize`]): their snapshots keep their lengths.
    resized: std::collections::HashSet<SeqId>,
    /// The tapes that have a length tape beside them (`lensN: Vec<usize>`): a resize's saved
    /// state, or the snapshots of a buffer whose length changes.
    length_tapes: std::collections::BTreeSet<TapeId>,
    /// References exported from one branch of an `if` (`let r = &ws[i];` after an early
    /// `return`): no value of their type can stand in the other branch, so they leave the `if`
    /// as `Option`s, unwrapped where a branch of an `if` on the same condition reads them
    /// (the only place they are read), keyed by the condition and the defining branch.
    /// An `if` nested in another exports through both, wrapped once by each.
    optional: std::collections::HashMap<ValId, Vec<(ValId, bool)>>,
}

/// The method a call path names when it is the method marker's (`fields::find`): the call
/// is a method call on its first argument, and the callee's tables cannot be named.
pub fn method_of(callee: &syn::Path) -> Option<&Ident> {
    let marker = crate::naming::hidden("method");
    (callee.segments.len() == 2 && callee.segments[0].ident == marker)
        .then(|| &callee.segments[1].ident)
}

/// Whether a call goes to the callee's `NAME__dyn_grad` (see [`CallArg::Unseen`]): a function
/// called by path or a model's function given the model (`NAME__model`, also as a method), not
/// another the macro wrote for itself, and given an argument whose type the macro does not see.
pub fn dynamic_call(callee: &syn::Path, args: &[CallArg]) -> bool {
    dynamic_callee(callee) && args.iter().any(|a| matches!(a, CallArg::Unseen(..)))
}

/// Whether `callee` is a vector-valued function's derivation `NAME__dot` (or its gradient).
fn fname_is_dot(callee: &syn::Path) -> bool {
    callee.segments.last().is_some_and(|l| {
        l.ident
            .to_string()
            .trim_end_matches("_grad")
            .ends_with("__dot")
    })
}

/// Whether `callee` (its gradient's path, or the function's, as lowering sees it) has a
/// `NAME__dyn_grad`: a function of the user's, also a method, or a model's function given the
/// model (`NAME__model`), not another the macro wrote for itself.
pub fn dynamic_callee(callee: &syn::Path) -> bool {
    callee.segments.last().is_some_and(|l| {
        let base = l.ident.to_string();
        let base = base.trim_end_matches("_grad");
        // (`NAME__inout`, the value of a function that writes through `&mut`, is the user's
        // function with those parameters by value: see `in_out`.)
        !base
            .trim_end_matches("__model")
            .trim_end_matches("__inout")
            .contains("__")
    })
}

/// The name a user wrote for a call the engine rewrote (`Self::forward__model`,
/// `METHOD_MARKER::forward__model`, `dense__out`): `forward`, `dense`; for messages.
pub fn user_name(callee: &syn::Path) -> String {
    let last = callee
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    let base = ["__model", "__out"]
        .iter()
        .find_map(|suffix| last.strip_suffix(suffix))
        .unwrap_or(&last);
    if method_of(callee).is_some() {
        format!(".{base}(..)")
    } else {
        base.to_string()
    }
}

/// `f__split` for a vector-valued call whose reverse goes through `dot` (`f__dot_grad`), when
/// the call can take it: a function (not a method of a model, not an output parameter's twin)
/// whose differentiated sequence arguments are distinct buffers (each gets its gradient added
/// directly, through a `&mut` borrow).
pub fn split_path(dot: &syn::Path, args: &[CallArg], func: &Func) -> Option<syn::Path> {
    if method_of(dot).is_some() {
        return None;
    }
    let last = dot.segments.last()?.ident.to_string();
    let base = last.strip_suffix("__dot_grad")?;
    if base.ends_with("__out") || base.ends_with("__model") {
        return None;
    }
    // The closure borrows the arguments until the reverse sweep calls it: only the caller's
    // parameters (and slices of them) outlive everything the caller does in between; a local
    // buffer may be written again, a temporary is gone.
    let borrows = |t: &TokenStream| {
        t.clone().into_iter().any(|t| match t {
            TokenTree::Punct(p) => matches!(p.as_char(), '&' | '.'),
            TokenTree::Group(g) => g.stream().into_iter().any(|_| true),
            _ => false,
        })
    };
    let mut seen = std::collections::HashSet::new();
    for a in args {
        match a {
            CallArg::Seq(s, ..) if func.seq(*s).buffer => return None,
            CallArg::Seq(s, ..) if func.seq(*s).active && !seen.insert(*s) => return None,
            CallArg::Tokens(t, _) | CallArg::Unseen(t, _) if borrows(t) => return None,
            CallArg::Adjoint(_) => return None,
            _ => {}
        }
    }
    let mut path = dot.clone();
    let seg = path.segments.last_mut()?;
    seg.ident = format_ident!("{}__split", base, span = seg.ident.span());
    Some(path)
}

/// Whether the tokens of a loop's source are an iterator (a range, a method call's result such
/// as `x.iter()`), whose `size_hint` can be asked without consuming it.
fn is_iterator_expr(tokens: &TokenStream) -> bool {
    matches!(
        syn::parse2::<syn::Expr>(tokens.clone()),
        Ok(syn::Expr::Range(_) | syn::Expr::MethodCall(_))
    )
}

/// The expression of a value of data computed from constants alone (`let t = Term { k: 2.0 };`),
/// at any depth of `b`.
fn constant_opaque(b: &Block, v: ValId) -> Option<&TokenStream> {
    find_opaque(b, v)
        .filter(|(_, uses)| uses.is_empty())
        .map(|(e, _)| e)
}

/// The value from outside `b` that a loop of `b` (at any depth) starts carrying as `v`.
fn carried_in(b: &Block, v: ValId) -> Option<ValId> {
    fn find(b: &Block, v: ValId) -> Option<Operand> {
        b.stmts.iter().find_map(|s| match s {
            Stmt::If { then, els, .. } => find(then, v).or_else(|| find(els, v)),
            Stmt::Loop(l) => l
                .carried
                .iter()
                .find(|c| c.out == v || c.phi == v)
                .map(|c| c.init)
                .or_else(|| find(&l.body, v)),
            _ => None,
        })
    }
    let Some(Operand::Val(from)) = find(b, v) else {
        return None;
    };
    let mut inside = false;
    for s in &b.stmts {
        crate::dce::for_each_def(s, &mut |d| inside |= d == from);
    }
    (!inside).then_some(from)
}

/// The expression and the uses of the opaque statement that defines `v`, at any depth of `b`.
fn find_opaque(b: &Block, v: ValId) -> Option<(&TokenStream, &[ValId])> {
    b.stmts.iter().find_map(|s| match s {
        Stmt::Opaque {
            dst, expr, uses, ..
        } if *dst == v => Some((expr, uses.as_slice())),
        Stmt::If { then, els, .. } => find_opaque(then, v).or_else(|| find_opaque(els, v)),
        Stmt::Loop(l) => find_opaque(&l.body, v),
        _ => None,
    })
}

/// The shared references exported from a branch (see [`Emitter::optional`]), at any depth of `b`.
fn optional_exports(
    func: &Func,
    b: &Block,
    out: &mut std::collections::HashMap<ValId, Vec<(ValId, bool)>>,
) {
    for s in &b.stmts {
        match s {
            Stmt::If {
                cond,
                then,
                els,
                exports,
                ..
            } => {
                for e in exports {
                    let defining = if e.from_then { then } else { els };
                    let reference = func.info(e.val).kind == Kind::Other
                        && find_opaque(defining, e.val)
                            .is_some_and(|(expr, _)| shared_reference(&strip_parens(expr)));
                    if reference {
                        out.entry(e.val).or_default().push((*cond, e.from_then));
                    }
                }
                optional_exports(func, then, out);
                optional_exports(func, els, out);
            }
            Stmt::Loop(l) => optional_exports(func, &l.body, out),
            _ => {}
        }
    }
}

/// Whether an expression is `&place` (not `&mut`, not `&&`).
fn shared_reference(expr: &TokenStream) -> bool {
    let mut it = expr.clone().into_iter();
    let amp = matches!(it.next(), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '&');
    amp && !matches!(
        it.next(),
        Some(proc_macro2::TokenTree::Ident(i)) if i == "mut"
    )
}

/// Whether a statement of `b`, at any depth, defines `v`.
fn defines(b: &Block, v: ValId) -> bool {
    b.stmts.iter().any(|s| {
        let mut found = false;
        crate::dce::for_each_def(s, &mut |d| found |= d == v);
        found
            || match s {
                Stmt::If { then, els, .. } => defines(then, v) || defines(els, v),
                Stmt::Loop(l) => defines(&l.body, v),
                _ => false,
            }
    })
}

/// Whether a statement of `b`, at any depth, calls another function's gradient with scratch
/// buffers for its sequence arguments.
fn uses_scratch(b: &Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::CallAdjoint { .. }
        | Stmt::CallTangent { .. }
        | Stmt::VecTangent { .. }
        | Stmt::CallAdjointSecond { .. }
        | Stmt::CallSecond { .. } => true,
        Stmt::Call { callee, args, .. } => dynamic_call(callee, args),
        Stmt::If { then, els, .. } => uses_scratch(then) || uses_scratch(els),
        Stmt::Loop(l) => uses_scratch(&l.body),
        _ => false,
    })
}

/// The tapes of `b` that keep lengths: those of the resizes, and the snapshots of `resized`.
fn length_tapes_in(
    b: &Block,
    resized: &std::collections::HashSet<SeqId>,
    out: &mut std::collections::BTreeSet<TapeId>,
) {
    for s in &b.stmts {
        match s {
            Stmt::Resize { save: Some(t), .. } | Stmt::Unresize { save: t, .. } => {
                out.insert(*t);
            }
            Stmt::Loop(l) => {
                for (seq, t) in l.snapshots.iter().chain(&l.restores) {
                    if resized.contains(seq) {
                        out.insert(*t);
                    }
                }
                if let Iter::While { cond_block, .. } = &l.iter {
                    length_tapes_in(cond_block, resized, out);
                }
                length_tapes_in(&l.body, resized, out);
            }
            Stmt::If { then, els, .. } => {
                length_tapes_in(then, resized, out);
                length_tapes_in(els, resized, out);
            }
            _ => {}
        }
    }
}

/// Whether a statement of `b`, at any depth, is the primitive `op`.
fn uses_prim(b: &Block, op: Prim) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Prim { op: o, .. } => *o == op,
        Stmt::If { then, els, .. } => uses_prim(then, op) || uses_prim(els, op),
        Stmt::Loop(l) => uses_prim(&l.body, op),
        _ => false,
    })
}

impl<'a> Emitter<'a> {
    pub fn new(func: &'a Func, blocks: &[&Block], roots: &[Operand]) -> Self {
        fn scan(b: &Block, out: &mut std::collections::HashSet<SeqId>) {
            for s in &b.stmts {
                match s {
                    Stmt::Store { seq, .. }
                    | Stmt::VecTangent { tseq: seq, .. }
                    | Stmt::Resize { seq, .. }
                    | Stmt::Unresize { seq, .. } => {
                        out.insert(*seq);
                    }
                    Stmt::Loop(l) if !l.restores.is_empty() => {
                        out.extend(l.restores.iter().map(|(s, _)| *s));
                        scan(&l.body, out);
                    }
                    Stmt::If { then, els, .. } => {
                        scan(then, out);
                        scan(els, out);
                    }
                    Stmt::Loop(l) => scan(&l.body, out),
                    _ => {}
                }
            }
        }
        fn branch_bufs(b: &Block, nested: bool, out: &mut Vec<(SeqId, crate::ir::BufLen)>) {
            for s in &b.stmts {
                match s {
                    Stmt::NewBuf { seq, len, .. } if nested => out.push((*seq, len.clone())),
                    Stmt::CallVec { seq, len, .. } if nested => {
                        out.push((*seq, crate::ir::BufLen::Vec(*len)));
                    }
                    Stmt::If { then, els, .. } => {
                        branch_bufs(then, true, out);
                        branch_bufs(els, true, out);
                    }
                    // A branch inside a loop (the rest of a body after a `break`, an `if`)
                    // declares buffers that the loop's adjoint reads outside that branch too.
                    Stmt::Loop(l) => branch_bufs(&l.body, nested, out),
                    _ => {}
                }
            }
        }
        let mut stored = std::collections::HashSet::new();
        for b in blocks {
            scan(b, &mut stored);
        }
        let mut hoisted = Vec::new();
        if let Some(forward) = blocks.first() {
            branch_bufs(forward, false, &mut hoisted);
        }
        let mut resized = std::collections::HashSet::new();
        for b in blocks {
            crate::ir::resized_seqs(b, &mut resized);
        }
        let mut length_tapes = std::collections::BTreeSet::new();
        for b in blocks {
            length_tapes_in(b, &resized, &mut length_tapes);
        }
        let mut optional = std::collections::HashMap::new();
        for b in blocks {
            optional_exports(func, b, &mut optional);
        }
        Emitter {
            func,
            optional,
            stored,
            hoisted,
            inline: crate::inline::plan(func, blocks, roots),
            redefined: redefined(blocks),
            uses_mul0: blocks.iter().any(|b| uses_prim(b, Prim::MulOr0)),
            uses_narrow: blocks.iter().any(|b| uses_prim(b, Prim::Narrow)),
            uses_scratch: blocks.iter().any(|b| uses_scratch(b)),
            split_calls: std::collections::HashSet::new(),
            guards: std::collections::HashMap::new(),
            resized,
            length_tapes,
        }
    }

    /// Emits the reverse of the vector-valued calls of `forward` that can, through their
    /// `NAME__split` (see [`Emitter::split_path`]): the forward sweep keeps what each call's
    /// adjoint needs instead of the reverse sweep computing the call again.
    #[must_use]
    pub fn with_split_calls(mut self, forward: &Block) -> Self {
        fn scan(em: &Emitter, b: &Block, out: &mut std::collections::HashSet<SeqId>) {
            for s in &b.stmts {
                match s {
                    Stmt::CallVec {
                        seq,
                        dot,
                        args,
                        tuple: None,
                        ..
                    } if em.func.seq(*seq).active && split_path(dot, args, em.func).is_some() => {
                        out.insert(*seq);
                    }
                    Stmt::If { then, els, .. } => {
                        scan(em, then, out);
                        scan(em, els, out);
                    }
                    Stmt::Loop(l) => scan(em, &l.body, out),
                    _ => {}
                }
            }
        }
        let mut found = std::collections::HashSet::new();
        scan(&self, forward, &mut found);
        self.split_calls = found;
        self
    }

    /// `code`, which writes the gradient of `seq`, run only when the caller of a `NAME__split`
    /// asks for that gradient (see [`Emitter::guards`]).
    fn guarded(&self, seq: SeqId, code: TokenStream) -> TokenStream {
        match self.guards.get(&seq) {
            Some(on) => quote!(if #on { #code }),
            None => code,
        }
    }

    /// The stack of closures of the vector-valued call whose result is in `seq`.
    fn split_stack(seq: SeqId) -> Ident {
        crate::naming::hidden(&format!("ks{}", seq.0))
    }

    /// `On`/`Off` for each sequence argument: whether the caller differentiates it.
    fn split_flags(&self, args: &[CallArg]) -> Vec<TokenStream> {
        args.iter()
            .filter_map(|a| match a {
                CallArg::Seq(s, ..) => Some(if self.func.seq(*s).active {
                    quote!(::grad::runtime::__private::On)
                } else {
                    quote!(::grad::runtime::__private::Off)
                }),
                _ => None,
            })
            .collect()
    }

    /// The local helper functions the emitted statements call.
    pub fn helper_declarations(&self) -> TokenStream {
        let mut out = TokenStream::new();
        let generic = matches!(self.func.float_ty, FloatTy::Generic(_));
        if generic {
            // A type parameter that is no float type is an error here, at the return type,
            // rather than in the code below.
            let ty = Ident::new(self.func.float_ty.name(), crate::sig::generic_float_span());
            out.extend(
                quote_spanned!(ty.span()=> ::grad::runtime::__private::generic_float::<#ty>();),
            );
        }
        if self.uses_scratch || !self.split_calls.is_empty() {
            // The scratch buffers of calls, reused from call to call (a loop over samples
            // allocates them once).
            let (pool, ty) = (crate::naming::hidden("pool"), self.ty());
            out.extend(quote!(let mut #pool: ::std::vec::Vec<::std::vec::Vec<#ty>> = ::std::vec::Vec::new();));
        }
        let mut stacks: Vec<&SeqId> = self.split_calls.iter().collect();
        stacks.sort_by_key(|s| s.0);
        for s in stacks {
            let ks = Self::split_stack(*s);
            out.extend(quote!(let mut #ks = ::std::vec::Vec::new();));
        }
        if self.uses_narrow {
            // A function of its own so the cast's lint is allowed where the user's crate cannot
            // see it; only an `f64` function narrows.
            let name = crate::naming::hidden("narrow");
            out.extend(quote! {
                #[inline]
                #[allow(clippy::cast_possible_truncation)]
                fn #name(x: f64) -> f64 {
                    f64::from(x as f32)
                }
            });
        }
        if !self.uses_mul0 {
            return out;
        }
        let name = crate::naming::hidden("mul0");
        // One definition instead of a conditional at every use keeps the expansion small; LLVM
        // inlines it into a select. An inner function cannot name the outer one's type
        // parameters, so for a generic float it has its own.
        let (generics, ty, zero) = if generic {
            let x = crate::naming::hidden("X");
            (
                quote!(<#x: ::grad::runtime::__private::GenericFloat>),
                x.clone(),
                quote!(<#x as ::grad::runtime::__private::NumCast>::from(0.0_f64).unwrap()),
            )
        } else {
            (
                TokenStream::new(),
                self.ty(),
                float_literal(0.0, self.func.float_ty),
            )
        };
        out.extend(quote! {
            #[inline]
            fn #name #generics (p: #ty, adj: #ty) -> #ty {
                if adj == #zero { #zero } else { p * adj }
            }
        });
        out
    }
}

/// The values defined more than once across the blocks.
fn redefined(blocks: &[&Block]) -> std::collections::HashSet<ValId> {
    let mut seen = std::collections::HashSet::new();
    let mut twice = std::collections::HashSet::new();
    for b in blocks {
        for s in &b.stmts {
            crate::dce::for_each_def(s, &mut |v| {
                if !seen.insert(v) {
                    twice.insert(v);
                }
            });
        }
    }
    twice
}

impl Emitter<'_> {
    /// `place += value;`, spelled `place = place + value;` for a generic float: `Float` does
    /// not imply `AddAssign`, and the generated code may ask for no bound the user did not write.
    fn add_assign(&self, place: &TokenStream, value: &TokenStream) -> TokenStream {
        match self.func.float_ty {
            FloatTy::Generic(_) => quote!(#place = #place + #value;),
            FloatTy::F32 | FloatTy::F64 => quote!(#place += #value;),
        }
    }

    fn ty(&self) -> Ident {
        Ident::new(self.func.float_ty.name(), Span::call_site())
    }

    pub fn name(&self, v: ValId) -> Ident {
        self.func.info(v).name.clone()
    }

    pub fn operand(&self, o: Operand) -> TokenStream {
        match o {
            Operand::Val(v) => self.name(v).into_token_stream(),
            Operand::Const(c) => float_literal(c, self.func.float_ty),
            Operand::Int(i) => Literal::i32_unsuffixed(i).into_token_stream(),
        }
    }

    /// An operand as a whole argument (`x.powf(a * b)`): an inlined value needs no parentheses.
    fn arg(&self, o: Operand) -> TokenStream {
        match o {
            Operand::Val(v) if self.inline.contains_key(&v) => {
                let (op, args) = &self.inline[&v];
                self.prim(*op, args)
            }
            _ => self.operand(o),
        }
    }

    /// An operand in receiver position: `(-2.0).exp()`, not `-2.0.exp()`; `(a * b).exp()`.
    fn receiver(&self, o: Operand) -> TokenStream {
        match o {
            Operand::Val(v) if self.inline.contains_key(&v) => {
                let (op, args) = &self.inline[&v];
                let e = self.prim(*op, args);
                if op.method_name().is_some() {
                    e
                } else {
                    quote!((#e))
                }
            }
            Operand::Const(c) if c.is_sign_negative() || c.is_infinite() || c.is_nan() => {
                let t = self.operand(o);
                quote!((#t))
            }
            _ => self.operand(o),
        }
    }

    /// A binary operand: negative constants parenthesized so `a - -1.0` never appears.
    fn term(&self, o: Operand) -> TokenStream {
        self.receiver(o)
    }

    pub fn seq(&self, s: SeqId) -> Ident {
        self.func.seq(s).ident.clone()
    }

    /// The adjoint of a sequence: `d_x` for a parameter `x`, `__grad_adjN` for a local buffer.
    pub fn seq_adjoint(&self, s: SeqId) -> Ident {
        if let Some(name) = &self.func.seq(s).adjoint {
            return name.clone();
        }
        if self.func.seq(s).buffer {
            crate::naming::hidden(&format!("adj{}", s.0))
        } else {
            format_ident!("d_{}", self.func.seq(s).ident)
        }
    }

    /// The adjoints of the differentiated local buffers, declared once and sized where used.
    pub fn buffer_adjoint_declarations(&self) -> TokenStream {
        let ty = self.ty();
        (0..self.func.seqs.len())
            .map(|k| SeqId(k as u32))
            .filter(|s| self.func.seq(*s).buffer && self.func.seq(*s).active)
            .map(|s| {
                let adj = self.seq_adjoint(s);
                quote!(let mut #adj: ::std::vec::Vec<#ty> = ::std::vec::Vec::new();)
            })
            .collect()
    }

    fn buf_len(&self, len: &crate::ir::BufLen) -> TokenStream {
        match len {
            crate::ir::BufLen::Vec(v) => self.name(*v).into_token_stream(),
            crate::ir::BufLen::Array(t) => t.clone(),
            crate::ir::BufLen::Like(s) => {
                let buf = self.seq(*s);
                quote!(#buf.len())
            }
        }
    }

    pub fn tape(&self, t: TapeId) -> Ident {
        crate::naming::hidden(&format!("tape{}", t.0))
    }

    /// The lengths kept beside tape `t` (see [`Emitter::length_tapes`]).
    fn lengths(t: TapeId) -> Ident {
        crate::naming::hidden(&format!("lens{}", t.0))
    }

    /// The tapes, declared once at the top of the function and reused by every run of their loop.
    pub fn tape_declarations(&self) -> TokenStream {
        let tapes = (0..self.func.tapes).map(|t| {
            let name = self.tape(TapeId(t));
            quote!(let mut #name = ::std::vec::Vec::new();)
        });
        let lengths = self.length_tapes.iter().map(|t| {
            let name = Self::lengths(*t);
            quote!(let mut #name: ::std::vec::Vec<usize> = ::std::vec::Vec::new();)
        });
        let tapes: Vec<TokenStream> = tapes.chain(lengths).collect();
        let ty = self.ty();
        let zero = float_literal(0.0, self.func.float_ty);
        let bufs = self.hoisted.iter().map(|(seq, len)| {
            let name = self.seq(*seq);
            match len {
                crate::ir::BufLen::Vec(_) | crate::ir::BufLen::Like(_) => {
                    quote!(let mut #name: ::std::vec::Vec<#ty> = ::std::vec::Vec::new();)
                }
                crate::ir::BufLen::Array(n) => quote!(let mut #name: [#ty; #n] = [#zero; #n];),
            }
        });
        tapes.into_iter().chain(bufs).collect()
    }

    fn typed(&self, v: ValId) -> TokenStream {
        let name = self.name(v);
        match self.func.info(v).kind {
            Kind::Float => {
                let ty = self.ty();
                quote!(#name: #ty)
            }
            Kind::Bool => quote!(#name: bool),
            _ => quote!(#name),
        }
    }

    fn emit_loop(&self, l: &Loop) -> TokenStream {
        let decls = l.carried.iter().map(|c: &Carry| {
            let out = self.typed(c.out);
            let init = self.operand(c.init);
            // A value of data the loop changes starts as a copy: what it was before the loop
            // may be read again (the reverse sweep runs the loop once more).
            if self.func.info(c.out).kind == Kind::Other {
                return quote!(let mut #out = ::core::clone::Clone::clone(&#init););
            }
            quote!(let mut #out = #init;)
        });
        let phis = l.carried.iter().map(|c| {
            let phi = self.typed(c.phi);
            let out = self.name(c.out);
            quote!(let #phi = #out;)
        });
        let updates = l.carried.iter().map(|c| {
            let out = self.name(c.out);
            let next = self.operand(c.next);
            quote!(#out = #next;)
        });
        let body = self.block(&l.body);
        let snapshots = l.snapshots.iter().map(|(seq, t)| {
            let (buf, tape) = (self.seq(*seq), self.tape(*t));
            let length = self.resized.contains(seq).then(|| {
                let lens = Self::lengths(*t);
                quote!(#lens.push(#buf.len());)
            });
            quote!(#tape.extend_from_slice(&#buf[..]); #length)
        });
        let restores = l.restores.iter().map(|(seq, t)| {
            let (buf, tape) = (self.seq(*seq), self.tape(*t));
            let start = crate::naming::hidden("start");
            if self.resized.contains(seq) {
                // The buffer takes back the length it had as the iteration started.
                let lens = Self::lengths(*t);
                let zero = float_literal(0.0, self.func.float_ty);
                return quote! {
                    let #start = #tape.len() - #lens.pop().unwrap_or_default();
                    #buf.resize(#tape.len() - #start, #zero);
                    #buf.copy_from_slice(&#tape[#start..]);
                    #tape.truncate(#start);
                };
            }
            quote! {
                let #start = #tape.len() - #buf.len();
                #buf.copy_from_slice(&#tape[#start..]);
                #tape.truncate(#start);
            }
        });
        let body = quote!(#(#restores)* #(#snapshots)* #body);
        let records = l.records.map(|t| {
            let tape = self.tape(t);
            match l.iter.range() {
                // (An iterator: an array literal or a `Vec` by value is iterable, not one.)
                Some(range) if is_iterator_expr(&strip_parens(&range.tokens)) => {
                    let range = strip_parens(&range.tokens);
                    quote! {
                        #tape.clear();
                        #tape.reserve(::core::iter::Iterator::size_hint(&(#range)).0);
                    }
                }
                _ => quote!(#tape.clear();),
            }
        });
        let cleared = l.snapshots.iter().map(|(seq, t)| {
            let tape = self.tape(*t);
            let length = self.resized.contains(seq).then(|| {
                let lens = Self::lengths(*t);
                quote!(#lens.clear();)
            });
            quote!(#tape.clear(); #length)
        });
        let prepare = quote!(#records #(#cleared)*);
        if let Iter::While { cond_block, cond } = &l.iter {
            let cb = self.block(cond_block);
            let c = self.name(*cond);
            // Leaving at the condition, the loop's values are those the iteration began with:
            // one of data (a `Vec` the body pushes to) moved into its phi goes back.
            let back = l
                .carried
                .iter()
                .filter(|c| self.func.info(c.phi).kind == Kind::Other)
                .map(|c| {
                    let (out, phi) = (self.name(c.out), self.name(c.phi));
                    quote!(#out = #phi;)
                });
            return quote! {
                #(#decls)*
                #prepare
                loop {
                    #(#phis)*
                    #cb
                    if !#c {
                        #(#back)*
                        break;
                    }
                    #body
                    #(#updates)*
                }
            };
        }
        let mut prelude = TokenStream::new();
        let (pat, iter) = match &l.iter {
            Iter::Range { range, rev } => {
                let (p, t) = (&range.pat, strip_parens(&range.tokens));
                if *rev {
                    (p.clone(), quote!((#t).rev()))
                } else {
                    (p.clone(), t)
                }
            }
            Iter::Tape {
                tape,
                vals,
                range,
                rev,
            } => {
                let tape = self.tape(*tape);
                let names: Vec<Ident> = vals.iter().map(|v| self.name(*v)).collect();
                // A value of a type the engine does not know (a `Vec` of indices, which is not
                // `Copy`) is copied out of the tape.
                let entry = if vals.iter().any(|v| self.func.info(*v).kind == Kind::Other) {
                    let e = crate::naming::hidden("entry");
                    prelude = quote!(let (#(#names,)*) = ::core::clone::Clone::clone(#e););
                    quote!(#e)
                } else {
                    quote!(&(#(#names,)*))
                };
                match (range, rev) {
                    (Some(range), true) => {
                        let (p, t) = (&range.pat, strip_parens(&range.tokens));
                        (
                            quote!((#entry, #p)),
                            quote!(#tape.iter().rev().zip((#t).rev())),
                        )
                    }
                    (Some(range), false) => {
                        let (p, t) = (&range.pat, strip_parens(&range.tokens));
                        (quote!((#entry, #p)), quote!(#tape.iter().zip(#t)))
                    }
                    (None, true) => (entry, quote!(#tape.iter().rev())),
                    (None, false) => (entry, quote!(#tape.iter())),
                }
            }
            Iter::While { .. } => unreachable!("handled above"),
        };
        quote! {
            #(#decls)*
            #prepare
            for #pat in #iter {
                #prelude
                #(#phis)*
                #body
                #(#updates)*
            }
        }
    }

    fn call_arg(&self, a: &CallArg) -> TokenStream {
        match a {
            CallArg::Float(o) => self.operand(*o),
            CallArg::FloatRef(o) => {
                let o = self.operand(*o);
                quote!(&#o)
            }
            // A part (`&x[a..b]`, a row of flattened rows), as `&[T]` or as `&[T; N]` where the
            // callee takes an array.
            // (`scale(d[0], x)`, a row of data by value, is borrowed for the copy; a name bound
            // to a row by a loop is a reference already, lent as it is.)
            CallArg::Seq(_, t, Some(_)) => {
                let (t, ty) = (strip_parens(t), self.ty());
                let t = if syn::parse2::<syn::ExprIndex>(t.clone()).is_ok() {
                    quote!(&#t)
                } else {
                    t
                };
                quote!(::core::convert::TryInto::try_into(::core::convert::AsRef::<[#ty]>::as_ref(#t)).expect("a part of a slice has the length of the array it is passed as"))
            }
            // A local buffer, held as a `Vec` or an array, as the callee's parameter takes it
            // (`&[T]`, `&[T; N]`, `&Vec<T>`).
            CallArg::Seq(s, t, None)
                if self.func.seq(*s).buffer
                    && syn::parse2::<syn::ExprReference>(strip_parens(t))
                        .is_ok_and(|r| r.mutability.is_none()) =>
            {
                let t = strip_parens(t);
                quote!(::grad::runtime::__private::buffer_arg(#t))
            }
            // By value (`scale(a, k)` to `a: [T; N]`): a copy.
            CallArg::Seq(s, t, None)
                if self.func.seq(*s).buffer
                    && syn::parse2::<syn::Path>(strip_parens(t))
                        .is_ok_and(|p| p.get_ident().is_some()) =>
            {
                let t = strip_parens(t);
                quote!(::grad::runtime::__private::buffer_value(&#t))
            }
            CallArg::Tokens(t, _) | CallArg::Unseen(t, _) | CallArg::Seq(_, t, _) => {
                strip_parens(t)
            }
            CallArg::Adjoint(s) => {
                let adj = self.seq_adjoint(*s);
                quote!(&#adj)
            }
        }
    }

    /// Input: a call `f(w, b)` with a differentiated slice `w`, and the seed `s̄` of its result.
    /// Output: `f_grad(w, b, &mut scratch)`, then `d_w += s̄ · scratch`; binds the scalar gradient.
    fn call_adjoint(
        &self,
        callee: &syn::Path,
        args: &[CallArg],
        seed: Operand,
        grads: &[Option<ValId>],
    ) -> TokenStream {
        let seed = self.operand(seed);
        let (d, s) = (crate::naming::hidden("d"), crate::naming::hidden("s"));
        self.call_with_scratch(callee, args, grads, None, |_, seq, range, scratch| {
            if !self.func.seq(seq).active {
                return None;
            }
            let d_seq = self.seq_adjoint(seq);
            let target = match range {
                Some((r, _)) => quote!(#d_seq[#r]),
                None => quote!(#d_seq),
            };
            let add = self.add_assign(&quote!(*#d), &quote!(#seed * *#s));
            Some(self.guarded(
                seq,
                quote! {
                    for (#d, #s) in #target.iter_mut().zip(#scratch.iter()) {
                        #add
                    }
                },
            ))
        })
    }

    /// Input: the reverse of `h = f(w, x)`, a vector-valued call whose forward sweep pushed the
    /// closure `f__split` returned. Output: the closure called with the cotangent `d_h` and the
    /// caller's own gradient buffers (`&mut d_w[..]`, and an empty one for the data `x`), to which
    /// it adds `Jᵀ · d_h`; binds the scalar gradient.
    fn call_adjoint_split(
        &self,
        seq: SeqId,
        dot: &syn::Path,
        args: &[CallArg],
        grads: &[Option<ValId>],
    ) -> TokenStream {
        let ty = self.ty();
        let adj = self.seq_adjoint(seq);
        let buffers: Vec<TokenStream> = args
            .iter()
            .filter_map(|a| match a {
                CallArg::Seq(s, _, range) => Some(if self.func.seq(*s).active {
                    let d = self.seq_adjoint(*s);
                    match range {
                        Some((r, _)) => quote!(&mut #d[#r]),
                        None => quote!(&mut #d[..]),
                    }
                } else {
                    quote!(&mut [] as &mut [#ty])
                }),
                _ => None,
            })
            .collect();
        let ks = Self::split_stack(seq);
        let name = user_name(dot);
        let name = name.strip_suffix("__dot_grad").unwrap_or(&name);
        let msg = format!("internal error of #[gradient]: the reverse sweep reached the call of `{name}` before its forward sweep did");
        let pool = crate::naming::hidden("pool");
        let call = quote!((#ks.pop().expect(#msg))(&#adj[..], &mut #pool, #(#buffers),*));
        // Data passed to a sequence parameter needs no derivative there (its flag is `Off`).
        let checked: Vec<CallArg> = args
            .iter()
            .map(|a| match a {
                CallArg::Seq(s, t, _) if !self.func.seq(*s).active => {
                    CallArg::Tokens(t.clone(), Vec::new())
                }
                a => a.clone(),
            })
            .collect();
        let call = self.checked_call_with(dot, &checked, grads, &[], None, Some(call));
        if grads.iter().all(Option::is_none) {
            return quote!(let _ = #call;);
        }
        let slots = grads.iter().flatten().map(|v| self.name(*v));
        quote!(let (_, [#(#slots),*]) = #call;)
    }

    /// Input: a call `f(w, b)` with a slice `w` whose tangent is `t_w`.
    /// Output: `f_grad(w, b, &mut scratch)`, then `dst = Σ scratch · t_w`; binds the scalar
    /// gradient (the forward-mode derivative of a call, from the callee's gradient).
    fn call_tangent(
        &self,
        dst: ValId,
        callee: &syn::Path,
        args: &[CallArg],
        tangents: &[Option<SeqId>],
        grads: &[Option<ValId>],
    ) -> TokenStream {
        let dot = crate::naming::hidden("dot");
        let zero = float_literal(0.0, self.func.float_ty);
        let ty = self.ty();
        let (a, b) = (crate::naming::hidden("a"), crate::naming::hidden("b"));
        let init = quote!(let mut #dot: #ty = #zero;);
        let name = self.name(dst);
        let bind = quote!(#name);
        self.call_with_scratch(
            callee,
            args,
            grads,
            Some((init, dot.clone(), bind)),
            |k, _, range, scratch| {
                let t = self.seq(tangents.get(k).copied().flatten()?);
                let source = match range {
                    Some((r, _)) => quote!(#t[#r]),
                    None => quote!(#t),
                };
                let add = self.add_assign(&quote!(#dot), &quote!(*#a * *#b));
                Some(quote! {
                    for (#a, #b) in #scratch.iter().zip(#source.iter()) {
                        #add
                    }
                })
            },
        )
    }

    /// `dst = f(args)` with its scalar gradient, where an argument's type is not seen: the call of
    /// `f__dyn_grad` with a scratch buffer for each such argument (see [`dynamic_call`]), which
    /// returns `(value, [T; K])` whatever `f` differentiates.
    fn dynamic_value_call(
        &self,
        dst: ValId,
        callee: &syn::Path,
        args: &[CallArg],
        grads: &[Option<ValId>],
    ) -> TokenStream {
        let (mut take, mut give_back) = (Vec::new(), Vec::new());
        for (k, a) in args.iter().enumerate() {
            if let CallArg::Unseen(..) = a {
                let (t, g) = Self::pooled(&crate::naming::hidden(&format!("scratch{k}")));
                take.push(t);
                give_back.push(g);
            }
        }
        let call = self.checked_call(callee, args, grads, &[Self::dyn_slots(args)]);
        let (name, ty, result) = (self.name(dst), self.ty(), crate::naming::hidden("result"));
        if grads.iter().all(Option::is_none) {
            return quote! {
                let #name: #ty = {
                    #(#take)*
                    let (#result, _) = #call;
                    #(#give_back)*
                    #result
                };
            };
        }
        let slots = grads.iter().flatten().map(|v| self.name(*v));
        quote! {
            let (#name, [#(#slots),*]) = {
                #(#take)*
                let #result = #call;
                #(#give_back)*
                #result
            };
        }
    }

    /// Whether a call goes to the callee's `NAME__dyn_grad`: given an argument of a type the
    /// macro does not see ([`dynamic_call`]), a slice of data, or a model's argument its `wrt` may
    /// leave out ([`Emitter::lenient`]), for which `NAME_grad` may have no buffer.
    fn dynamic(&self, callee: &syn::Path, args: &[CallArg]) -> bool {
        dynamic_callee(callee)
            && args.iter().any(|a| match a {
                CallArg::Unseen(..) => true,
                CallArg::Seq(s, ..) => {
                    !self.func.seq(*s).active || self.lenient(callee, a).is_some()
                }
                _ => false,
            })
    }

    /// In a model's `NAME__all`, a parameter passed as it is to a function by path: see
    /// `fields::model_calls::Lenient`. (Not through a generic type's path, `H::<T>::f`, whose
    /// table the table of `NAME__model_grad_wrt`, an item, cannot name.)
    fn lenient(&self, callee: &syn::Path, a: &CallArg) -> Option<String> {
        let generic_path = callee.segments.iter().any(|s| !s.arguments.is_none());
        if method_of(callee).is_some() || generic_path {
            return None;
        }
        let name = match a {
            CallArg::Float(Operand::Val(v)) | CallArg::FloatRef(Operand::Val(v)) => {
                self.func.info(*v).name.to_string()
            }
            CallArg::Seq(s, ..) if !self.func.seq(*s).buffer => self.func.seq(*s).ident.to_string(),
            _ => return None,
        };
        Lenient::covers(&name).then_some(name)
    }

    /// `let mut name = pool.pop()..;` and `pool.push(name);`: a scratch buffer of the pool,
    /// taken before a call and given back after it.
    fn pooled(name: &Ident) -> (TokenStream, TokenStream) {
        let pool = crate::naming::hidden("pool");
        (
            quote!(let mut #name = #pool.pop().unwrap_or_default();),
            quote!(#pool.push(#name);),
        )
    }

    /// The last argument of a call of `NAME__dyn_grad`: a buffer per argument, the scratch
    /// buffer `scratchK` of each sequence and of each argument of a type the macro does not see
    /// (which the callee sizes where its parameter is a sequence), an empty one (which allocates
    /// nothing) for the others.
    fn dyn_slots(args: &[CallArg]) -> TokenStream {
        let slots = args.iter().enumerate().map(|(k, a)| match a {
            CallArg::Seq(..) | CallArg::Unseen(..) => {
                let name = crate::naming::hidden(&format!("scratch{k}"));
                quote!(&mut #name)
            }
            _ => quote!(&mut ::std::vec::Vec::new()),
        });
        quote!([#(#slots),*])
    }

    /// The call to `callee`'s gradient with a zeroed scratch buffer for each sequence argument,
    /// then `per_seq` for each (its code reads the scratch), binding the scalar gradient to
    /// `grads`. With `extra = (init, value, dst)`, `init` runs before the `per_seq` code and
    /// `dst` is bound to `value` after it.
    fn call_with_scratch(
        &self,
        callee: &syn::Path,
        args: &[CallArg],
        grads: &[Option<ValId>],
        extra: Option<(TokenStream, Ident, TokenStream)>,
        per_seq: impl Fn(
            usize,
            SeqId,
            &Option<(TokenStream, Vec<ValId>)>,
            &Ident,
        ) -> Option<TokenStream>,
    ) -> TokenStream {
        let zero = float_literal(0.0, self.func.float_ty);
        let pool = crate::naming::hidden("pool");
        let mut scratch = Vec::new();
        let mut after = Vec::new();
        let mut give_back = Vec::new();
        let dynamic = self.dynamic(callee, args);
        for (k, a) in args.iter().enumerate() {
            let name = crate::naming::hidden(&format!("scratch{k}"));
            match a {
                CallArg::Seq(s, t, range) => {
                    let t = strip_parens(t);
                    scratch.push(quote! {
                        let mut #name = #pool.pop().unwrap_or_default();
                        #name.clear();
                        #name.resize((#t).len(), #zero);
                    });
                    after.extend(per_seq(k, *s, range, &name));
                    give_back.push(quote!(#pool.push(#name);));
                }
                // Sized by the callee, where its parameter is a sequence.
                CallArg::Unseen(..) if dynamic => {
                    let (take, back) = Self::pooled(&name);
                    scratch.push(take);
                    give_back.push(back);
                }
                _ => {}
            }
        }
        after.extend(give_back);
        let buffers: Vec<TokenStream> = if dynamic {
            vec![Self::dyn_slots(args)]
        } else {
            args
            .iter()
            .enumerate()
            .filter_map(|(k, a)| match a {
                CallArg::Seq(..) => {
                    // As `&mut [T]`, or `&mut [T; N]` where the callee takes an array.
                    let name = crate::naming::hidden(&format!("scratch{k}"));
                    Some(quote!(::core::convert::TryInto::try_into(&mut #name[..]).expect("the gradient of an array has its length")))
                }
                _ => None,
            })
            .collect()
        };
        let call = self.checked_call(callee, args, grads, &buffers);
        let (init, value, dst) = match extra {
            Some((init, value, dst)) => (init, Some(value), Some(dst)),
            None => (TokenStream::new(), None, None),
        };
        if grads.iter().all(Option::is_none) {
            let Some(dst) = dst else {
                return quote! {
                    {
                        #(#scratch)*
                        let _ = #call;
                        #(#after)*
                    }
                };
            };
            return quote! {
                let #dst = {
                    #(#scratch)*
                    let _ = #call;
                    #init
                    #(#after)*
                    #value
                };
            };
        }
        let slots = grads.iter().flatten().map(|v| self.name(*v));
        let g = crate::naming::hidden("g");
        match dst {
            None => quote! {
                let [#(#slots),*] = {
                    #(#scratch)*
                    let (_, #g) = #call;
                    #(#after)*
                    #g
                };
            },
            Some(dst) => quote! {
                let (#dst, [#(#slots),*]) = {
                    #(#scratch)*
                    let (_, #g) = #call;
                    #init
                    #(#after)*
                    (#value, #g)
                };
            },
        }
    }

    /// Input: `f_grad(x, LAMBDA, &w)` for a call `f(x, LAMBDA, &w)` of another `#[gradient]`
    /// function. Output: a block that checks at compile time, against the table `f_grad_wrt` that
    /// `#[gradient]` emits beside `f_grad` (which parameters `f` differentiates), that `f` has a
    /// derivative for every argument that depends on the caller's inputs (a clear error naming
    /// `wrt` otherwise), calls `f_grad`, and gives `(value, [∂f/∂ of each float argument whose
    /// gradient is read])`, each picked from `f_grad`'s gradient by its slot, counted from the table
    /// at compile time. So constants of any type (`LAMBDA`, `3`, `0.5`) may stand anywhere.
    fn checked_call(
        &self,
        callee: &syn::Path,
        args: &[CallArg],
        grads: &[Option<ValId>],
        buffers: &[TokenStream],
    ) -> TokenStream {
        self.checked_call_with(callee, args, grads, buffers, None, None)
    }

    /// Input: the reverse of a call `f(w, b)` with sequence arguments, in a second-order sweep.
    /// Output: `f__hvp_call(w, b, [ṫ..], ẇ.., &mut s.., &mut h..)` (zeros for sequences
    /// without a tangent), then `d_w += seed · s` and `ḋ_w += ṡeed · s + seed · h`; binds the
    /// scalar gradient and its tangent.
    #[allow(clippy::too_many_arguments)]
    fn call_adjoint_second(
        &self,
        callee: &syn::Path,
        args: &[CallArg],
        seed: Operand,
        seed_tangent: Operand,
        tangents: &[Operand],
        seq_tangents: &[Option<SeqId>],
        adjoint_tangents: &[Option<SeqId>],
        grads: &[Option<ValId>],
        grad_tangents: &[Option<ValId>],
    ) -> TokenStream {
        let zero = float_literal(0.0, self.func.float_ty);
        let (seed, seed_t) = (self.operand(seed), self.operand(seed_tangent));
        let (d, s, h) = (
            crate::naming::hidden("d"),
            crate::naming::hidden("s"),
            crate::naming::hidden("h"),
        );
        let mut scratch = Vec::new();
        let (mut tangent_args, mut s_args, mut h_args) = (Vec::new(), Vec::new(), Vec::new());
        let mut accumulate = Vec::new();
        for (k, a) in args.iter().enumerate() {
            let CallArg::Seq(seq, t, range) = a else {
                continue;
            };
            let t = strip_parens(t);
            let (sn, hn, zn) = (
                crate::naming::hidden(&format!("scratch{k}")),
                crate::naming::hidden(&format!("hscratch{k}")),
                crate::naming::hidden(&format!("zeros{k}")),
            );
            scratch.push(quote! {
                let mut #sn = ::std::vec![#zero; (#t).len()];
                let mut #hn = ::std::vec![#zero; (#t).len()];
            });
            // Through `slice_arg`: the callee's parameter may be `&[T]` or `&[T; N]`.
            let sub = |base: TokenStream| match range {
                Some((r, _)) => quote!(::grad::runtime::__private::slice_arg(&#base[#r])),
                None => quote!(::grad::runtime::__private::slice_arg(&#base[..])),
            };
            match seq_tangents.get(k).copied().flatten() {
                Some(ts) => tangent_args.push(sub(self.seq(ts).into_token_stream())),
                None => {
                    scratch.push(quote!(let #zn = ::std::vec![#zero; (#t).len()];));
                    tangent_args.push(quote!(::grad::runtime::__private::slice_arg(&#zn[..])));
                }
            }
            s_args.push(quote!(::grad::runtime::__private::slice_arg_mut(&mut #sn[..])));
            h_args.push(quote!(::grad::runtime::__private::slice_arg_mut(&mut #hn[..])));
            let target = |adj: Ident| match range {
                Some((r, _)) => quote!(#adj[#r]),
                None => quote!(#adj),
            };
            if self.func.seq(*seq).active {
                let dt = target(self.seq_adjoint(*seq));
                let add = self.add_assign(&quote!(*#d), &quote!(#seed * *#s));
                accumulate.push(quote! {
                    for (#d, #s) in #dt.iter_mut().zip(#sn.iter()) {
                        #add
                    }
                });
            }
            if let Some(ta) = adjoint_tangents.get(k).copied().flatten() {
                let tt = target(self.seq_adjoint(ta));
                let add = self.add_assign(&quote!(*#d), &quote!(#seed_t * *#s + #seed * *#h));
                accumulate.push(quote! {
                    for ((#d, #s), #h) in #tt.iter_mut().zip(#sn.iter()).zip(#hn.iter()) {
                        #add
                    }
                });
            }
        }
        let mut extra = tangent_args;
        extra.extend(s_args);
        extra.extend(h_args);
        let call = self.checked_call_with(callee, args, grads, &[], Some((tangents, &extra)), None);
        let (value, g, hh) = (
            crate::naming::hidden("value"),
            crate::naming::hidden("g"),
            crate::naming::hidden("hg"),
        );
        let slots = grads.iter().flatten().map(|v| self.name(*v));
        let tslots = grad_tangents.iter().flatten().map(|v| self.name(*v));
        quote! {
            let (#value, [#(#slots),*], [#(#tslots),*]) = {
                #(#scratch)*
                let (#value, #g, #hh) = #call;
                #(#accumulate)*
                (#value, #g, #hh)
            };
        }
    }

    /// [`Emitter::checked_call`], or with `second = tangents` the call of the callee's hidden
    /// `NAME__hvp_call(args.., [tangents..])`, which gives `(value, [∂f..], [(H·t)..])` with both
    /// arrays picked by the same slots.
    fn checked_call_with(
        &self,
        callee: &syn::Path,
        args: &[CallArg],
        grads: &[Option<ValId>],
        buffers: &[TokenStream],
        second: Option<(&[Operand], &[TokenStream])>,
        closure: Option<TokenStream>,
    ) -> TokenStream {
        let mut table = callee.clone();
        let last = table.segments.last_mut().expect("a path has a segment");
        let span = last.ident.span();
        last.ident = format_ident!("{}_wrt", last.ident, span = span);
        // `id::<f64>(x)`: the table is a constant, with no generic arguments.
        last.arguments = syn::PathArguments::None;
        // (A vector-valued function's derivation `NAME__dot` named as the user wrote it.)
        let fname = callee
            .segments
            .last()
            .map(|s| {
                let base = s.ident.to_string();
                let base = base.trim_end_matches("_grad");
                base.strip_suffix("__dot").unwrap_or(base).to_string()
            })
            .unwrap_or_default();
        // A method of data (`lower::data_method_call`) or of a model's field (`NAME__model`):
        // its table through the receiver, whose type the macro cannot name.
        let method = method_of(callee).is_some();
        // A model's function given the model (`Self::f__model(self, flat, ..)`, or as a method).
        let model_method = callee.segments.last().is_some_and(|l| {
            let name = l.ident.to_string();
            name.strip_suffix("_grad")
                .unwrap_or(&name)
                .ends_with("__model")
        });
        let of_table = method.then(|| {
            let recv = self.call_arg(&args[0]);
            let of = format_ident!(
                "{}_of",
                table.segments.last().expect("a path has a segment").ident
            );
            quote!((#recv).#of())
        });
        let tab = crate::naming::hidden("table");
        let table: TokenStream = match &of_table {
            Some(_) => quote!(#tab),
            None => quote!(#table),
        };
        let lenient = |a: &CallArg| self.lenient(callee, a);
        let mut checks = Vec::new();
        let vector = crate::vector::VECTOR_MARKER;
        let msg = format!("`{fname}` returns a vector: bind its result to a name (`let h = {fname}(..);`) and read it as a sequence (`h[j]`, `h.iter()`, `&h` passed on), or destructure a tuple (`let (a, b) = {fname}(..);`, `{fname}(..).0`); it is used here as a number");
        checks.push(quote_spanned!(span=> ::core::assert!(#table.is_empty() || #table[0] != #vector, #msg);));
        // A call of `NAME_grad` as it is (not `NAME__dyn_grad`, which takes a buffer for every
        // argument; not a vector-valued function's `NAME__dot`).
        let dynamic = second.is_none() && closure.is_none() && self.dynamic(callee, args);
        // A vector-valued function's `NAME__dot` (hidden, beside its `__all_grad`, which takes a
        // buffer for every slice) is always called so: with a differentiated argument its `wrt`
        // leaves out, the check below is then the one error.
        let dot = fname_is_dot(callee);
        let plain_call = !dynamic && !dot;
        for (k, a) in args.iter().enumerate() {
            // Data of a type `#[gradient]` cannot see, passed as it is, where the callee takes a
            // differentiated sequence: `NAME_grad` wants a buffer for it that this call, not
            // knowing, does not give (rustc's E0061 beside this message).
            if let (true, CallArg::Tokens(t, _)) = (plain_call, a) {
                let (t, ty) = (strip_parens(t).to_string().replace(' ', ""), self.ty());
                let msg = format!(
                    "`{fname}` takes a sequence (a slice or an array) as argument {}, and is given `{t}`, data whose type `#[gradient]` cannot see: bind it to a local of its type first (`let a: [{ty}; N] = {t};`) and pass that",
                    k + 1
                );
                checks.push(quote_spanned!(span=> ::core::assert!(#table[#k] != 2, #msg);));
            }
            // Second order through a slice parameter given data of an unseen type would need
            // buffers this call cannot know to give (the build fails at the call as well).
            if let (Some(_), CallArg::Unseen(t, _)) = (second, a) {
                let msg = format!(
                    "`{fname}` is given `{}` (argument {}), data whose type `#[gradient]` cannot see, for a slice parameter: `hvp` does not follow such a call yet; make that data a parameter of this function (`v: &[f64]`, left out of `wrt`), or drop `hvp`",
                    strip_parens(t).to_string().replace(' ', ""),
                    k + 1
                );
                checks.push(quote_spanned!(span=> ::core::assert!(#table[#k] != 2, #msg);));
            }
            let active = match a {
                CallArg::Float(o) | CallArg::FloatRef(o) => self.func.is_active(*o),
                // A differentiated slice needs the callee's derivative; a data slice goes to
                // `NAME__dyn_grad`, which takes a buffer for every argument (below).
                CallArg::Seq(s, ..) => self.func.seq(*s).active,
                CallArg::Tokens(..) | CallArg::Unseen(..) | CallArg::Adjoint(_) => false,
            };
            if active {
                if let Some(name) = lenient(a) {
                    Lenient::record(&name, quote!(#table[#k]));
                    continue;
                }
                let msg = match fname.strip_suffix("__model") {
                    // See `fields::model_calls::Lenient` and `passed_to_methods`.
                    Some(base) => format!(
                        "`{base}` is called with a differentiated value for a parameter that it passes on to a method of data or to a function whose `wrt` leaves it out, so `{base}` has no derivative with respect to it: pass data there, or add the parameter to the `wrt` of what it is passed to (and to that of `{base}`, if it has one)"
                    ),
                    // `f__inout`: `f`'s value, with its `&mut` parameters taken by value (see
                    // `in_out`): a buffer the caller differentiates by then (it may hold no
                    // derivative yet where it is lent) needs one in `f`'s `wrt`.
                    None => match fname.strip_suffix("__inout") {
                        Some(base) => format!(
                            "`{base}` is lent a differentiated value as argument {} (a `&mut` float or buffer, differentiated by the caller somewhere), but its `#[gradient(wrt(..))]` leaves that parameter out: add it to `wrt` (or drop `wrt`)",
                            k + 1
                        ),
                        None => format!(
                            "`{fname}` is called with a differentiated value as argument {}, but its `#[gradient(wrt(..))]` leaves that parameter out: add it to `wrt` (or drop `wrt`)",
                            k + 1
                        ),
                    },
                };
                checks.push(quote_spanned!(span=> ::core::assert!(#table[#k] != 0, #msg);));
                let model = crate::expand::MODEL_FLAG;
                let msg = format!(
                    "`{fname}` takes a model (a struct deriving `Params`) as argument {}, and is given a differentiated sequence here, or a field that is a model itself (`&m.layer`), which `#[gradient]` passes to a free function whose signature it has read (the caller learns from it that the field is a model): an annotated function of this file or of a module file it declares (`mod layers;`), called by its name or by a path through modules, and the only function of that name there; give `{fname}` a name of its own, or make it a `#[gradient]` method of the field's type and call it on the field (`m.layer.{fname}(..)`)",
                    k + 1
                );
                checks.push(quote_spanned!(span=> ::core::assert!(#table[#k] != #model, #msg);));
            }
        }
        // A `const` item is checked even by `cargo check` and in functions never called; inside an
        // `impl` it cannot name `Self`, so calls of `Self::f` take an inline `const` block, which
        // is checked when the function is compiled to code.
        let checks = if let Some(of) = &of_table {
            // Checked when the call runs (the table is a constant, so the checks fold away).
            quote_spanned!(span=> { let #tab = #of; #(#checks)* })
        } else if method {
            TokenStream::new()
        } else if callee
            .segments
            .iter()
            .any(|s| s.ident == "Self" || !s.arguments.is_none())
        {
            // (A generic type's path, `H::<T>::f`, names the function's own generics, which an
            // item cannot.)
            quote_spanned!(span=> const { #(#checks)* };)
        } else {
            quote_spanned!(span=> const _: () = { #(#checks)* };)
        };
        let g = crate::naming::hidden("g");
        let value = crate::naming::hidden("value");
        let mut floats = 0usize;
        let mut guards = Vec::new();
        let picks: Vec<TokenStream> = args
            .iter()
            .enumerate()
            .filter(|(_, a)| matches!(a, CallArg::Float(_) | CallArg::FloatRef(_)))
            .filter_map(|(k, a)| {
                let read = grads.get(floats).is_some_and(|g| g.is_some());
                floats += 1;
                let nth = floats - 1;
                if read {
                    // A lenient argument's slot may not exist: its derivative is then 0.
                    guards.push(lenient(a).map(|_| quote!(#table[#k] == 1)));
                }
                read.then(|| {
                    if model_method {
                        // A method of a field's struct (`__model`): derived with respect to
                        // every float parameter, so the k-th float argument has slot k (its
                        // table zeroes a float the callee cannot differentiate, whose slot is
                        // still there: counting the table's ones would miss it).
                        return quote!(#nth);
                    }
                    if let Some(of) = &of_table {
                        return quote!({
                            let (#tab, mut n, mut i) = (#of, 0, 0);
                            while i < #k {
                                if #tab[i] == 1 {
                                    n += 1;
                                }
                                i += 1;
                            }
                            n
                        });
                    }
                    quote!(const {
                        let (mut n, mut i) = (0, 0);
                        while i < #k {
                            if #table[i] == 1 {
                                n += 1;
                            }
                            i += 1;
                        }
                        n
                    })
                })
            })
            .collect();
        let call_args = args.iter().map(|a| self.call_arg(a));
        if let Some((tangents, extra)) = second {
            let mut hvp = callee.clone();
            let last = hvp.segments.last_mut().expect("a path has a segment");
            let base = last.ident.to_string();
            let base = base.trim_end_matches("_grad");
            last.ident = format_ident!("{}__hvp_call", base, span = span);
            let tangents = tangents.iter().map(|t| self.operand(*t));
            let all_args: Vec<TokenStream> = call_args
                .chain([quote!([#(#tangents),*])])
                .chain(extra.iter().cloned())
                .collect();
            // A path call's parentheses at the call, so that a rule without a second order is
            // reported there.
            let hvp_call = if method_of(&hvp).is_some() {
                Self::call_tokens(&hvp, all_args)
            } else {
                quote_spanned!(span=> #hvp(#(#all_args),*))
            };
            let h = crate::naming::hidden("h");
            let hpicks = picks
                .iter()
                .zip(&guards)
                .map(|(slot, guard)| self.pick(&h, slot, guard.as_ref()));
            let np = picks.len();
            let picks = picks
                .iter()
                .zip(&guards)
                .map(|(slot, guard)| self.pick(&g, slot, guard.as_ref()));
            let (ty, picked) = (self.ty(), crate::naming::hidden("picked"));
            return quote! {
                {
                    #checks
                    let (#value, #g, #h) = #hvp_call;
                    // Typed: with no scalar slot read the arrays are empty.
                    let #picked: (#ty, [#ty; #np], [#ty; #np]) =
                        (#value, [#(#picks),*], [#(#hpicks),*]);
                    #picked
                }
            };
        }
        let picks: Vec<TokenStream> = picks
            .iter()
            .zip(&guards)
            .map(|(slot, guard)| self.pick(&g, slot, guard.as_ref()))
            .collect();
        // One gradient buffer per slice argument, as `NAME_grad` takes them (second-order calls
        // pass more: tangents, H·v buffers).
        let seqs = args
            .iter()
            .filter(|a| matches!(a, CallArg::Seq(..)))
            .count();
        let plain_buffers = !buffers.is_empty() && buffers.len() == seqs;
        // Data, or an argument of a type the macro does not see: `NAME__dyn_grad`, whose last
        // parameter gives a buffer for every argument (`Emitter::dyn_slots`).
        let variant = if dynamic {
            Some("__dyn_grad")
        } else {
            (dot && plain_buffers).then_some("__all_grad")
        };
        let all = variant.map(|variant| {
            let mut all = callee.clone();
            let last = all.segments.last_mut().expect("a path has a segment");
            let base = last.ident.to_string();
            let base = base.strip_suffix("_grad").unwrap_or(&base).to_string();
            last.ident = format_ident!("{}{}", base, variant, span = span);
            all
        });
        let call = closure.unwrap_or_else(|| {
            Self::call_tokens(
                all.as_ref().unwrap_or(callee),
                call_args.chain(buffers.iter().cloned()).collect(),
            )
        });
        if picks.is_empty() {
            // The value alone: the callee may return `T` or `(T, [T; K])`.
            return quote! {
                {
                    #checks
                    #call
                }
            };
        }
        quote! {
            {
                #checks
                let (#value, #g) = #call;
                (#value, [#(#picks),*])
            }
        }
    }

    /// `arr[slot]`, or with a `guard` (whether the slot exists) `arr[slot]` where it holds and 0
    /// where not.
    fn pick(&self, arr: &Ident, slot: &TokenStream, guard: Option<&TokenStream>) -> TokenStream {
        match guard {
            None => quote!(#arr[#slot]),
            Some(guard) => {
                let zero = float_literal(0.0, self.func.float_ty);
                quote!(if #guard { #arr.get(#slot).copied().unwrap_or(#zero) } else { #zero })
            }
        }
    }

    /// `callee(args..)`; for a method of a model's field (`fields::find` writes the call
    /// `METHOD_MARKER::f(&self.layer, ..)`, the field's type being the compiler's to know),
    /// `(&self.layer).f(..)`.
    fn call_tokens(callee: &syn::Path, args: Vec<TokenStream>) -> TokenStream {
        if let Some(method) = method_of(callee) {
            let mut args = args.into_iter();
            let recv = args.next().expect("a method call has a receiver");
            return quote!((#recv).#method(#(#args),*));
        }
        quote!(#callee(#(#args),*))
    }

    pub fn block(&self, b: &Block) -> TokenStream {
        let lets = b
            .stmts
            .iter()
            .filter(|s| self.simple_let(s).is_some())
            .count();
        if lets <= BATCH {
            return b.stmts.iter().map(|s| self.stmt(s)).collect();
        }
        self.batched_block(b)
    }

    /// Input: a long run of `let v1: f64 = e1; let v2 = e2; ...`.
    /// Output: `let (v1, v2, ..): (f64, _, ..); v1 = e1; v2 = e2; ...`, one declaration for every
    /// [`BATCH`] values. Each `let` opens a scope nested in the one before, and thousands of nested
    /// scopes overflow the stack of LLVM's debug-info writer in debug builds; the late-initialized
    /// values compile to the same code.
    fn batched_block(&self, b: &Block) -> TokenStream {
        let mut out = TokenStream::new();
        let mut k = 0;
        while k < b.stmts.len() {
            // The next batch: up to BATCH simple lets with distinct names, and what lies between.
            let mut names: Vec<Ident> = Vec::new();
            let mut tys = Vec::new();
            let mut body = TokenStream::new();
            while k < b.stmts.len() && names.len() < BATCH {
                let s = &b.stmts[k];
                let once = !matches!(s, Stmt::Prim { dst, .. } | Stmt::Opaque { dst, .. } | Stmt::Load { dst, .. } if self.redefined.contains(dst));
                // `v = &a.floor();` would borrow a temporary dropped at the `;` (a `let` keeps
                // it alive): a reference is declared where it is made.
                let once = once && !matches!(s, Stmt::Opaque { expr, .. } if borrows(expr));
                match self.simple_let(s).filter(|_| once) {
                    Some((name, ty, e)) => {
                        if names.contains(&name) {
                            break;
                        }
                        body.extend(quote!(#name = #e;));
                        tys.push(ty.unwrap_or_else(|| quote!(_)));
                        names.push(name);
                    }
                    None => body.extend(self.stmt(s)),
                }
                k += 1;
            }
            if !names.is_empty() {
                out.extend(quote!(let (#(#names,)*): (#(#tys,)*);));
            }
            out.extend(body);
        }
        out
    }

    /// A statement that only binds a value: its name, its type where it needs one, its value.
    fn simple_let(&self, s: &Stmt) -> Option<(Ident, Option<TokenStream>, TokenStream)> {
        Some(match s {
            Stmt::Prim { dst, .. } if self.inline.contains_key(dst) => return None,
            Stmt::Prim { dst, op, args } => (
                self.name(*dst),
                Some(self.ty().into_token_stream()),
                self.prim(*op, args),
            ),
            Stmt::Opaque { dst, ty, expr, .. } => {
                let ty = match (ty, self.func.info(*dst).kind) {
                    (Some(t), _) => Some(t.to_token_stream()),
                    (None, Kind::Float) => Some(self.ty().to_token_stream()),
                    (None, Kind::Bool) => Some(quote!(bool)),
                    (None, _) => None,
                };
                let expr = generic_zeros(strip_parens(expr), self.func.float_ty);
                (self.name(*dst), ty, expr)
            }
            Stmt::Load { dst, seq, index } => {
                let (x, i) = (self.seq(*seq), self.name(*index));
                (
                    self.name(*dst),
                    Some(self.ty().into_token_stream()),
                    quote!(#x[#i]),
                )
            }
            _ => return None,
        })
    }

    fn stmt(&self, s: &Stmt) -> TokenStream {
        if let Stmt::Prim { dst, .. } = s {
            if self.inline.contains_key(dst) {
                return TokenStream::new();
            }
        }
        if let Some((name, ty, e)) = self.simple_let(s) {
            return match ty {
                Some(t) => quote!(let #name: #t = #e;),
                None => quote!(let #name = #e;),
            };
        }
        match s {
            Stmt::Effect { expr, .. } => quote!(#expr;),
            Stmt::Prim { .. } | Stmt::Opaque { .. } | Stmt::Load { .. } => {
                unreachable!("simple lets are emitted above")
            }
            Stmt::AccumSeq { seq, index, value } => {
                let (d, i, v) = (
                    self.seq_adjoint(*seq),
                    self.name(*index),
                    self.operand(*value),
                );
                self.add_assign(&quote!(#d[#i]), &v)
            }
            Stmt::ScaleSeq { seq, factor } => {
                let (d, f) = (self.seq_adjoint(*seq), self.operand(*factor));
                let e = crate::naming::hidden("e");
                let zero = float_literal(0.0, self.func.float_ty);
                // A strong zero, as for every adjoint product (see `reverse::Rev::scale`).
                quote! {
                    for #e in #d.iter_mut() {
                        *#e = if #f == #zero { #zero } else { *#e * #f };
                    }
                }
            }
            Stmt::TapePush { tape, vals } => {
                let tape = self.tape(*tape);
                // A value of data may still be read after its iteration: the tape keeps a copy.
                let names = vals.iter().map(|v| {
                    let n = self.name(*v);
                    if self.func.info(*v).kind == Kind::Other {
                        quote!(::core::clone::Clone::clone(&#n))
                    } else {
                        quote!(#n)
                    }
                });
                quote!(#tape.push((#(#names,)*));)
            }
            Stmt::Loop(l) => self.emit_loop(l),
            Stmt::CallVec {
                seq,
                plain,
                dot,
                args,
                tuple,
                ..
            } => {
                let (name, ty) = (self.seq(*seq), self.ty());
                if let Some(split) = self
                    .split_calls
                    .contains(seq)
                    .then(|| split_path(dot, args, self.func))
                    .flatten()
                {
                    // The value now, and the closure that takes the cotangent later.
                    let call_args = args.iter().map(|a| self.call_arg(a));
                    let flags = self.split_flags(args);
                    let (ks, pair) = (Self::split_stack(*seq), crate::naming::hidden("pair"));
                    let assign = if self.hoisted.iter().any(|(h, _)| h == seq) {
                        quote!(#name = #pair.0;)
                    } else {
                        quote!(let mut #name: ::std::vec::Vec<#ty> = #pair.0;)
                    };
                    let pool = crate::naming::hidden("pool");
                    return quote! {
                        let #pair = #split(#(#call_args,)* &mut #pool, #(#flags),*);
                        #assign
                        #ks.push(#pair.1);
                    };
                }
                let call =
                    Self::call_tokens(plain, args.iter().map(|a| self.call_arg(a)).collect());
                let value = match tuple {
                    None => quote!(::std::vec::Vec::from(#call)),
                    Some(n) => {
                        let t = crate::naming::hidden("parts");
                        let parts = (0..*n).map(syn::Index::from);
                        quote!({ let #t = #call; ::std::vec![#(#t.#parts),*] })
                    }
                };
                if self.hoisted.iter().any(|(h, _)| h == seq) {
                    quote!(#name = #value;)
                } else {
                    quote!(let mut #name: ::std::vec::Vec<#ty> = #value;)
                }
            }
            Stmt::NewBuf { seq, init, len } => {
                let (name, ty, init) = (self.seq(*seq), self.ty(), self.operand(*init));
                let n = self.buf_len(len);
                let mutability = self.stored.contains(seq).then(|| quote!(mut));
                if self.hoisted.iter().any(|(h, _)| h == seq) {
                    return match len {
                        crate::ir::BufLen::Vec(_) | crate::ir::BufLen::Like(_) => {
                            quote!(#name = ::std::vec![#init; #n];)
                        }
                        crate::ir::BufLen::Array(_) => quote!(#name = [#init; #n];),
                    };
                }
                match len {
                    crate::ir::BufLen::Vec(_) | crate::ir::BufLen::Like(_) => {
                        quote!(let #mutability #name: ::std::vec::Vec<#ty> = ::std::vec![#init; #n];)
                    }
                    crate::ir::BufLen::Array(_) => {
                        quote!(let #mutability #name: [#ty; #n] = [#init; #n];)
                    }
                }
            }
            Stmt::Store {
                seq, index, value, ..
            } => {
                let (name, i, v) = (self.seq(*seq), self.name(*index), self.operand(*value));
                quote!(#name[#i] = #v;)
            }
            Stmt::Resize {
                seq,
                len,
                init,
                save,
            } => {
                let (buf, n, init) = (self.seq(*seq), self.name(*len), self.operand(*init));
                let Some(t) = save else {
                    return quote!(#buf.resize(#n, #init););
                };
                let (tape, lens) = (self.tape(*t), Self::lengths(*t));
                quote! {
                    #lens.push(#buf.len());
                    if #n < #buf.len() {
                        #tape.extend_from_slice(&#buf[#n..]);
                    }
                    #buf.resize(#n, #init);
                }
            }
            Stmt::Unresize {
                seq,
                save,
                adjoints,
            } => {
                let (buf, tape, lens) = (self.seq(*seq), self.tape(*save), Self::lengths(*save));
                let (old, start) = (crate::naming::hidden("old"), crate::naming::hidden("start"));
                let zero = float_literal(0.0, self.func.float_ty);
                let adjoints = adjoints.iter().map(|a| {
                    let adj = self.seq_adjoint(*a);
                    quote!(#adj.resize(#old, #zero);)
                });
                quote! {
                    if let ::core::option::Option::Some(#old) = #lens.pop() {
                        if #old > #buf.len() {
                            let #start = #tape.len() - (#old - #buf.len());
                            #buf.extend_from_slice(&#tape[#start..]);
                            #tape.truncate(#start);
                        } else {
                            #buf.truncate(#old);
                        }
                        #(#adjoints)*
                    }
                }
            }
            Stmt::ResetAdj { seq, len } => {
                let (adj, n) = (self.seq_adjoint(*seq), self.buf_len(len));
                let zero = float_literal(0.0, self.func.float_ty);
                quote! {
                    #adj.clear();
                    #adj.resize(#n, #zero);
                }
            }
            Stmt::AdjLoad { dst, seq, index } => {
                let (name, ty, adj, i) = (
                    self.name(*dst),
                    self.ty(),
                    self.seq_adjoint(*seq),
                    self.name(*index),
                );
                let zero = float_literal(0.0, self.func.float_ty);
                quote! {
                    let #name: #ty = #adj[#i];
                    #adj[#i] = #zero;
                }
            }
            Stmt::Call {
                dst,
                callee,
                plain,
                args,
                grads,
            } => {
                let name = self.name(*dst);
                let ty = self.ty();
                if args.iter().any(|a| matches!(a, CallArg::Seq(..))) {
                    let call =
                        Self::call_tokens(plain, args.iter().map(|a| self.call_arg(a)).collect());
                    return quote!(let #name: #ty = #call;);
                }
                let slots = grads.iter().flatten().map(|v| self.name(*v));
                if dynamic_call(callee, args) {
                    return self.dynamic_value_call(*dst, callee, args, grads);
                }
                let call = self.checked_call(callee, args, grads, &[]);
                if grads.iter().all(Option::is_none) {
                    // Only the value is read; the callee has float parameters, so it returns a pair.
                    let value = crate::naming::hidden("value");
                    return quote!(let #name: #ty = { let (#value, _) = #call; #value };);
                }
                quote!(let (#name, [#(#slots),*]) = #call;)
            }
            Stmt::CallAdjoint {
                callee,
                args,
                seed,
                grads,
            } => match args.split_last() {
                Some((CallArg::Adjoint(seq), own)) if self.split_calls.contains(seq) => {
                    self.call_adjoint_split(*seq, callee, own, grads)
                }
                _ => self.call_adjoint(callee, args, *seed, grads),
            },
            Stmt::CallAdjointSecond {
                callee,
                args,
                seed,
                seed_tangent,
                tangents,
                seq_tangents,
                adjoint_tangents,
                grads,
                grad_tangents,
            } => self.call_adjoint_second(
                callee,
                args,
                *seed,
                *seed_tangent,
                tangents,
                seq_tangents,
                adjoint_tangents,
                grads,
                grad_tangents,
            ),
            Stmt::CallSecond {
                dst,
                callee,
                args,
                tangents,
                grads,
                grad_tangents,
            } => {
                let name = self.name(*dst);
                let call =
                    self.checked_call_with(callee, args, grads, &[], Some((tangents, &[])), None);
                let slots = grads.iter().flatten().map(|v| self.name(*v));
                let tslots = grad_tangents.iter().flatten().map(|v| self.name(*v));
                quote!(let (#name, [#(#slots),*], [#(#tslots),*]) = #call;)
            }
            Stmt::CallTangent {
                dst,
                callee,
                args,
                tangents,
                grads,
            } => self.call_tangent(*dst, callee, args, tangents, grads),
            Stmt::VecTangent {
                seq,
                tseq,
                callee,
                args,
                tangents,
                floats,
                dst,
                grads,
            } => {
                let (buf, tbuf) = (self.seq(*seq), self.seq(*tseq));
                let (unit, i) = (
                    crate::naming::hidden("unit"),
                    crate::naming::hidden("out_i"),
                );
                let zero = float_literal(0.0, self.func.float_ty);
                let one = float_literal(1.0, self.func.float_ty);
                // Output `i`'s gradient: the callee's `NAME__dot_grad` with the cotangent `e_i`.
                let mut all = args.clone();
                all.push(CallArg::Tokens(quote!(&#unit), Vec::new()));
                let mut tans = tangents.clone();
                tans.push(None);
                let call = self.call_tangent(*dst, callee, &all, &tans, grads);
                let mut sum = self.name(*dst).into_token_stream();
                for (g, t) in grads.iter().zip(floats) {
                    if let Some(g) = g {
                        let (g, t) = (self.name(*g), self.operand(*t));
                        sum = quote!(#sum + #g * #t);
                    }
                }
                quote! {
                    {
                        let mut #unit = ::std::vec![#zero; #buf.len()];
                        for #i in 0..#buf.len() {
                            #unit[#i] = #one;
                            #call
                            #tbuf[#i] = #sum;
                            #unit[#i] = #zero;
                        }
                    }
                }
            }
            Stmt::If {
                cond,
                then,
                els,
                merges,
                exports,
            } => {
                let c = self.name(*cond);
                let mut outs = Vec::new();
                let mut tys = Vec::new();
                let mut then_vals = Vec::new();
                let mut else_vals = Vec::new();
                for m in merges {
                    outs.push(self.name(m.dst));
                    tys.push(self.type_of(m.dst));
                    then_vals.push(self.merged(m.then, then));
                    else_vals.push(self.merged(m.els, els));
                }
                for e in exports {
                    outs.push(self.name(e.val));
                    tys.push(self.type_of(e.val));
                    let own = self.name(e.val).into_token_stream();
                    let defining = if e.from_then { then } else { els };
                    let (own, placeholder) = if self.optional.contains_key(&e.val) {
                        (
                            quote!(::core::option::Option::Some(#own)),
                            quote!(::core::option::Option::None),
                        )
                    } else {
                        (own, self.placeholder(e.val, defining))
                    };
                    if e.from_then {
                        then_vals.push(own);
                        else_vals.push(placeholder);
                    } else {
                        then_vals.push(placeholder);
                        else_vals.push(own);
                    }
                }
                let tb = self.unwrapped(*cond, true, then);
                let eb = self.unwrapped(*cond, false, els);
                match outs.len() {
                    0 if els.stmts.is_empty() => quote!(if #c { #tb }),
                    0 if then.stmts.is_empty() => quote!(if !#c { #eb }),
                    0 => quote!(if #c { #tb } else { #eb }),
                    1 => {
                        // Typed, so a merge of two literals (`if c { 0.5 } else { 0.25 }`) is a
                        // float of the function's type and not an ambiguous `{float}`.
                        let (o, ty, t, e) = (&outs[0], &tys[0], &then_vals[0], &else_vals[0]);
                        quote!(let #o: #ty = if #c { #tb #t } else { #eb #e };)
                    }
                    _ => quote! {
                        let (#(#outs),*): (#(#tys),*) = if #c { #tb (#(#then_vals),*) } else { #eb (#(#else_vals),*) };
                    },
                }
            }
        }
    }

    /// A branch of an `if` on `cond` (`then_branch` says which), preceded by the unwrapping of
    /// the [`Emitter::optional`] references it reads that the same branch of an earlier `if` on
    /// `cond` defined.
    fn unwrapped(&self, cond: ValId, then_branch: bool, b: &Block) -> TokenStream {
        let mut reads: Vec<ValId> = self
            .optional
            .iter()
            .filter(|(v, at)| at.contains(&(cond, then_branch)) && !defines(b, **v))
            .map(|(v, _)| *v)
            .collect();
        if !reads.is_empty() {
            let read = crate::dce::reads(b);
            reads.retain(|v| read.contains(v));
        }
        reads.sort();
        let names = reads.iter().map(|v| self.name(*v));
        let body = self.block(b);
        quote!(#(let #names = #names.unwrap();)* #body)
    }

    /// A branch's value `o` merged out of an `if`. A value of data (a `Vec` of indices, a set)
    /// that the branch did not make is copied: it may be read after the `if` (what a tape keeps
    /// of the iteration, the other branch's data).
    fn merged(&self, o: Operand, branch: &Block) -> TokenStream {
        let tokens = self.operand(o);
        let Operand::Val(v) = o else { return tokens };
        if self.func.info(v).kind != Kind::Other {
            return tokens;
        }
        let mut made = false;
        for s in &branch.stmts {
            crate::dce::for_each_def(s, &mut |d| made |= d == v);
        }
        if made {
            tokens
        } else {
            quote!(::core::clone::Clone::clone(&#tokens))
        }
    }

    /// The type of a value as written in a `let`: `_` where rustc infers it.
    fn type_of(&self, v: ValId) -> TokenStream {
        match self.func.info(v).kind {
            Kind::Float => self.ty().into_token_stream(),
            Kind::Bool => quote!(bool),
            Kind::Int | Kind::Other => quote!(_),
        }
    }

    /// A value for the branch that does not define an exported value (`defining` does); it is
    /// never read.
    fn placeholder(&self, v: ValId, defining: &Block) -> TokenStream {
        match self.func.info(v).kind {
            Kind::Float => float_literal(0.0, self.func.float_ty),
            Kind::Bool => quote!(false),
            Kind::Int => quote!(0),
            // Data made of constants alone (`Term { k: 2.0 }`): made again, as the user's type
            // need not implement `Default` (found in the defining branch: the function's body
            // may not hold this `if`, as a derivation builds its own). Data a loop of the
            // branch carries from before the `if` (a table read by index in the loop, `ws:
            // &Vec<Vec<f64>>`): a copy of what it starts as, which has its type.
            Kind::Other => {
                match constant_opaque(defining, v).or_else(|| constant_opaque(&self.func.body, v)) {
                    Some(expr) => quote!((#expr)),
                    None => match carried_in(defining, v) {
                        Some(from) => {
                            let from = self.operand(Operand::Val(from));
                            quote!(::core::clone::Clone::clone(&#from))
                        }
                        None => quote!(::core::default::Default::default()),
                    },
                }
            }
        }
    }

    fn prim(&self, op: Prim, args: &[Operand]) -> TokenStream {
        let a = |i: usize| self.term(args[i]);
        let zero = float_literal(0.0, self.func.float_ty);
        let one = float_literal(1.0, self.func.float_ty);
        match op {
            Prim::Add => {
                let (x, y) = (a(0), a(1));
                quote!(#x + #y)
            }
            Prim::Sub => {
                let (x, y) = (a(0), a(1));
                quote!(#x - #y)
            }
            Prim::Mul => {
                let (x, y) = (a(0), a(1));
                quote!(#x * #y)
            }
            Prim::Div => {
                let (x, y) = (a(0), a(1));
                quote!(#x / #y)
            }
            Prim::Rem => {
                let (x, y) = (a(0), a(1));
                quote!(#x % #y)
            }
            Prim::Neg => {
                let x = a(0);
                quote!(-#x)
            }
            Prim::Sign0 => {
                let x = a(0);
                quote!(if #x > #zero { #one } else if #x < #zero { -#one } else { #zero })
            }
            Prim::IsEq => {
                let (x, y) = (a(0), a(1));
                quote!(if #x == #y { #one } else { #zero })
            }
            Prim::IsLt => {
                let (x, y) = (a(0), a(1));
                quote!(if #x < #y { #one } else { #zero })
            }
            Prim::DivOr0 => {
                let (x, y) = (a(0), a(1));
                quote!(if #y == #zero { #zero } else { #x / #y })
            }
            Prim::MulOr0 => {
                let (x, y) = (a(0), a(1));
                let name = crate::naming::hidden("mul0");
                quote!(#name(#x, #y))
            }
            Prim::Narrow => {
                let name = crate::naming::hidden("narrow");
                let x = self.arg(args[0]);
                quote!(#name(#x))
            }
            Prim::PowIDeriv => {
                let (x, n) = (a(0), self.operand(args[1]));
                let nf = self.func.float_ty.convert_int(&n);
                quote!(if #n == 0 { #zero } else { #nf * #x.powi(#n.wrapping_sub(1)) })
            }
            method => {
                let name = Ident::new(
                    method
                        .method_name()
                        .expect("every other primitive is a method"),
                    Span::call_site(),
                );
                if let Operand::Const(_) = args[0] {
                    // A literal receiver has no type of its own (`2.0.ln()` is ambiguous): name it.
                    let ty = self.ty();
                    let all = args.iter().map(|o| self.arg(*o));
                    return quote!(#ty::#name(#(#all),*));
                }
                let recv = self.receiver(args[0]);
                let rest = args[1..].iter().map(|o| self.arg(*o));
                quote!(#recv.#name(#(#rest),*))
            }
        }
    }
}

/// Whether an expression's tokens start with `&` (outside parentheses): a reference, possibly to a
/// temporary.
fn borrows(expr: &TokenStream) -> bool {
    match expr.clone().into_iter().next() {
        Some(proc_macro2::TokenTree::Punct(p)) => p.as_char() == '&',
        Some(proc_macro2::TokenTree::Group(g))
            if g.delimiter() == proc_macro2::Delimiter::Parenthesis =>
        {
            borrows(&g.stream())
        }
        _ => false,
    }
}
