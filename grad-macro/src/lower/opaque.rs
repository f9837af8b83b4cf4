//! Expressions the engine does not differentiate (conditions, integer arithmetic, casts of integers)
//! are kept as the user wrote them, with local names renamed to the values they stand for.

use super::env::{Binding, Env};
use super::Lowerer;
use crate::ir::ValId;
use proc_macro2::{Ident, TokenStream};
use quote::ToTokens;
use syn::visit_mut::VisitMut;

/// Input: `i + 1 < n && x > 0.0` with `x` bound to value 7.
/// Output: `i + 1 < n && __grad_v7 > 0.0`, reading value 7.
struct Renamer<'a, 'f> {
    lowerer: &'a Lowerer<'f>,
    env: &'a Env,
    shadowed: Vec<Ident>,
    uses: Vec<ValId>,
}

impl VisitMut for Renamer<'_, '_> {
    fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
        if p.qself.is_some() || p.path.segments.len() != 1 || p.path.leading_colon.is_some() {
            return;
        }
        let ident = &p.path.segments[0].ident;
        if self.shadowed.contains(ident) {
            return;
        }
        let new = match self.env.lookup(ident) {
            Some(Binding::Val(v)) => {
                self.uses.push(v);
                self.lowerer.ident_of(v, ident.span())
            }
            Some(Binding::Seq(s)) => self.lowerer.seq_ident(s, ident.span()),
            _ => return,
        };
        p.path.segments[0].ident = new;
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        // An iterator reduction `desugar` rewrote into a loop that only lowering accepts: the
        // expression the user wrote.
        if let Some(original) = crate::desugar::original(e) {
            *e = syn::parse_quote!((#original));
        }
        // `while true`, which `desugar` made of a `loop` for lowering: rustc knows a `loop`
        // runs, so a local assigned in it is initialized after it (a helper inlined here).
        if let syn::Expr::While(w) = e {
            if matches!(&*w.cond, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }) if b.value)
            {
                *e = syn::Expr::Loop(syn::ExprLoop {
                    attrs: std::mem::take(&mut w.attrs),
                    label: w.label.take(),
                    loop_token: syn::Token![loop](w.while_token.span),
                    body: w.body.clone(),
                });
            }
        }
        // A `Vec<&f64>` the engine holds as the floats: the references again.
        if let syn::Expr::Path(p) = e {
            if let (None, Some(ident)) = (&p.qself, p.path.get_ident()) {
                if let (false, Some(Binding::Seq(s))) =
                    (self.shadowed.contains(ident), self.env.lookup(ident))
                {
                    if crate::desugar::collected_refs(ident) {
                        let seq = self.lowerer.seq_ident(s, ident.span());
                        *e = syn::parse_quote!((#seq.iter().collect::<::std::vec::Vec<&_>>()));
                        return;
                    }
                }
            }
        }
        // `*v` of an element the engine bound by value (`for v in xs.iter()`): the value itself.
        if let syn::Expr::Unary(u) = e {
            if let (syn::UnOp::Deref(_), syn::Expr::Path(p)) = (&u.op, &*u.expr) {
                if self.is_float_val(p) {
                    let mut p = p.clone();
                    self.visit_expr_path_mut(&mut p);
                    *e = syn::Expr::Path(p);
                    return;
                }
            }
        }
        // `t.1` of a tuple-valued call's result, which the engine holds in a buffer: `t[1]`.
        if let syn::Expr::Field(f) = e {
            if let (syn::Member::Unnamed(k), syn::Expr::Path(p)) = (&f.member, &*f.base) {
                let seq = p
                    .path
                    .get_ident()
                    .filter(|i| !self.shadowed.contains(i))
                    .and_then(|i| match self.env.lookup(i) {
                        Some(Binding::Seq(s)) => Some(s),
                        _ => None,
                    });
                if let Some(s) = seq {
                    let name = self.lowerer.seq_ident(s, k.span);
                    let index = k.index as usize;
                    *e = syn::parse_quote!(#name[#index]);
                    return;
                }
            }
        }
        // `st.pop()` of a buffer: kept as written, it would run again where the expression is
        // tested and read again (an `if let`'s names, the backward pass).
        if let syn::Expr::MethodCall(m) = e {
            let method = m.method.to_string();
            let taken = self.lowerer.taking && crate::desugar::TAKING.contains(&method.as_str());
            if MUTATING.contains(&method.as_str()) && self.is_local(&m.receiver) && !taken {
                self.lowerer.errors.push_spanned(
                    &m.method,
                    format!(
                        "`#[gradient]` cannot run `{}`, which changes a local, inside a condition or another expression it keeps as written (it would run again where its result is read and in the backward pass): loop over indices instead (`for i in (0..st.len()).rev() {{ let v = st[i]; .. }}`)",
                        m.method
                    ),
                );
            }
        }
        // A `&f64` parameter, which `NAME_grad` reads by value, is a reference where the user
        // passes it on as written (`helper(x)`).
        if let syn::Expr::Path(p) = e {
            if self.is_ref_param(p) {
                let mut p = p.clone();
                self.visit_expr_path_mut(&mut p);
                *e = syn::parse_quote!((&#p));
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    /// A `let` inside a block kept as written (a helper inlined into a condition) runs as the
    /// user wrote it: the markers `desugar` put on it are no Rust attributes.
    fn visit_local_mut(&mut self, l: &mut syn::Local) {
        l.attrs.retain(|a| !crate::desugar::is_marker(a));
        syn::visit_mut::visit_local_mut(self, l);
    }

    /// `vec![a, b]`, `vec![e; n]`, `assert!(c, "..", v)`: the expressions inside a macro whose
    /// body is a list of them (or `e; n`) renamed like any other.
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        use syn::punctuated::Punctuated;
        if let Ok(mut list) =
            m.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        {
            // `format!("{s:.3}")` inside a message: what the format string captures named, so
            // that it is renamed too.
            const FORMATTING: &[&str] = &[
                "format",
                "format_args",
                "print",
                "println",
                "eprint",
                "eprintln",
                "write",
                "writeln",
                "panic",
                "assert",
                "assert_eq",
                "assert_ne",
                "debug_assert",
                "debug_assert_eq",
                "debug_assert_ne",
                "unreachable",
                "todo",
                "unimplemented",
            ];
            let formatting = m
                .path
                .get_ident()
                .is_some_and(|i| FORMATTING.iter().any(|n| i == n));
            if formatting {
                list = super::explicit_captures(list.into_iter().collect())
                    .into_iter()
                    .collect();
            }
            for e in list.iter_mut() {
                // `name = value`, a named argument of the message: only the value is renamed.
                match e {
                    syn::Expr::Assign(a)
                        if formatting
                            && matches!(&*a.left, syn::Expr::Path(p) if p.path.get_ident().is_some()) =>
                    {
                        self.visit_expr_mut(&mut a.right);
                    }
                    e => self.visit_expr_mut(e),
                }
            }
            m.tokens = list.into_token_stream();
            return;
        }
        let body = &m.tokens;
        if let Ok(mut r) = syn::parse2::<syn::ExprRepeat>(quote::quote!([#body])) {
            self.visit_expr_mut(&mut r.expr);
            self.visit_expr_mut(&mut r.len);
            let (e, n) = (&r.expr, &r.len);
            m.tokens = quote::quote!(#e; #n);
        }
    }

    // `Point { x, y }`: renamed, the shorthand needs its field name (`x: NEW`).
    fn visit_field_value_mut(&mut self, f: &mut syn::FieldValue) {
        if f.colon_token.is_none() {
            let before = f.expr.clone();
            syn::visit_mut::visit_field_value_mut(self, f);
            if f.expr != before {
                f.colon_token = Some(syn::Token![:](proc_macro2::Span::call_site()));
            }
            return;
        }
        syn::visit_mut::visit_field_value_mut(self, f);
    }

    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        let before = self.shadowed.len();
        for input in &c.inputs {
            collect_pat_idents(input, &mut self.shadowed);
        }
        self.visit_expr_mut(&mut c.body);
        self.shadowed.truncate(before);
    }

    // `{ let b = &&x; **b > 0.3 }` (a filter's closure as rewritten): a name a `let` of the block
    // declares is the block's own after it.
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let before = self.shadowed.len();
        for s in &mut b.stmts {
            self.visit_stmt_mut(s);
            if let syn::Stmt::Local(l) = s {
                collect_pat_idents(&l.pat, &mut self.shadowed);
            }
        }
        self.shadowed.truncate(before);
    }

    // A `for` or `match` pattern's names are the body's own.
    fn visit_expr_for_loop_mut(&mut self, f: &mut syn::ExprForLoop) {
        self.visit_expr_mut(&mut f.expr);
        let before = self.shadowed.len();
        collect_pat_idents(&f.pat, &mut self.shadowed);
        self.visit_block_mut(&mut f.body);
        self.shadowed.truncate(before);
    }

    fn visit_arm_mut(&mut self, a: &mut syn::Arm) {
        let before = self.shadowed.len();
        collect_pat_idents(&a.pat, &mut self.shadowed);
        if let Some((_, g)) = &mut a.guard {
            self.visit_expr_mut(g);
        }
        self.visit_expr_mut(&mut a.body);
        self.shadowed.truncate(before);
    }
}

/// Methods that change a `Vec`, a slice or an iterator.
const MUTATING: &[&str] = &[
    "push",
    "pop",
    "remove",
    "swap_remove",
    "insert",
    "truncate",
    "clear",
    "drain",
    "retain",
    "retain_mut",
    "dedup",
    "dedup_by",
    "dedup_by_key",
    "split_off",
    "extend",
    "extend_from_slice",
    "append",
    "resize",
    "resize_with",
    "sort_by",
    "sort_unstable_by",
    "sort_by_key",
    "reverse",
    "fill",
    "fill_with",
    "swap",
    "rotate_left",
    "rotate_right",
    "copy_from_slice",
    "clone_from_slice",
    "iter_mut",
    "first_mut",
    "last_mut",
    "get_mut",
    "pop_front",
    "pop_back",
    "push_back",
    "push_front",
    "next",
    "next_back",
    "nth",
    "nth_back",
];

impl Renamer<'_, '_> {
    /// A local or a buffer of the function (not a name a closure or block inside declares).
    fn is_local(&self, e: &syn::Expr) -> bool {
        let syn::Expr::Path(p) = e else {
            return false;
        };
        let Some(ident) = p.path.get_ident() else {
            return false;
        };
        !self.shadowed.contains(ident) && self.env.lookup(ident).is_some()
    }

    fn is_ref_param(&self, p: &syn::ExprPath) -> bool {
        let Some(ident) = p.path.get_ident() else {
            return false;
        };
        !self.shadowed.contains(ident)
            && p.qself.is_none()
            && self
                .lowerer
                .ref_params
                .iter()
                .any(|(n, at)| n == ident && self.env.position(ident) == Some(*at))
    }

    fn is_float_val(&self, p: &syn::ExprPath) -> bool {
        let Some(ident) = p.path.get_ident() else {
            return false;
        };
        if p.qself.is_some() || self.shadowed.contains(ident) {
            return false;
        }
        matches!(self.env.lookup(ident), Some(Binding::Val(v)) if self.lowerer.b.func.info(v).kind == crate::ir::Kind::Float)
    }
}

pub fn collect_pat_idents(p: &syn::Pat, out: &mut Vec<Ident>) {
    match p {
        syn::Pat::Ident(i) => {
            out.push(i.ident.clone());
            if let Some((_, sub)) = &i.subpat {
                collect_pat_idents(sub, out);
            }
        }
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|e| collect_pat_idents(e, out)),
        syn::Pat::Reference(r) => collect_pat_idents(&r.pat, out),
        syn::Pat::Type(t) => collect_pat_idents(&t.pat, out),
        syn::Pat::Paren(pp) => collect_pat_idents(&pp.pat, out),
        syn::Pat::TupleStruct(t) => t.elems.iter().for_each(|e| collect_pat_idents(e, out)),
        syn::Pat::Slice(s) => s.elems.iter().for_each(|e| collect_pat_idents(e, out)),
        syn::Pat::Struct(s) => s
            .fields
            .iter()
            .for_each(|f| collect_pat_idents(&f.pat, out)),
        syn::Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                collect_pat_idents(first, out);
            }
        }
        _ => {}
    }
}

impl Lowerer<'_> {
    /// The expression as Rust tokens with local names renamed, and the values it reads.
    pub fn rename(&self, e: &syn::Expr) -> (TokenStream, Vec<ValId>) {
        self.closures_changing_locals(e);
        let mut e = e.clone();
        let mut r = Renamer {
            lowerer: self,
            env: &self.env,
            shadowed: Vec::new(),
            uses: Vec::new(),
        };
        r.visit_expr_mut(&mut e);
        let uses = r.uses;
        (e.into_token_stream(), uses)
    }
}

impl Lowerer<'_> {
    /// An error at each closure of `e` (an expression kept as written) that changes a local of
    /// the function (`.position(|v| { s += v; s > 1.0 })`): the change would be lost to the
    /// derivative, or written to a value the emitted code binds once.
    fn closures_changing_locals(&self, e: &syn::Expr) {
        struct F<'a, 'l>(&'a Lowerer<'l>);
        impl<'a> syn::visit::Visit<'a> for F<'_, '_> {
            fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
                let changed = crate::desugar::outer_changes(c);
                if let Some(n) = changed.iter().find(|n| self.0.env.lookup(n).is_some()) {
                    self.0.errors.push_spanned(
                        c,
                        format!("this closure changes `{n}`, a local of the function, inside an expression `#[gradient]` keeps as written (a method it does not follow, such as `position`, `count` or `for_each`): the change would be lost to the derivative; write the loop it stands for"),
                    );
                    return;
                }
                syn::visit::visit_expr_closure(self, c);
            }
        }
        syn::visit::Visit::visit_expr(&mut F(self), e);
    }
}

/// The name a place is rooted at: `a` of `a`, `a.f`, `a[i]`, `*a`, `(a)`.
pub fn root_of_place(mut e: &syn::Expr) -> &syn::Expr {
    loop {
        e = match e {
            syn::Expr::Field(f) => &f.base,
            syn::Expr::Index(ix) => &ix.expr,
            syn::Expr::Paren(p) => &p.expr,
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &u.expr,
            _ => return e,
        };
    }
}
