//! Lowering: the function body, as syn parsed it, becomes the IR of [`crate::ir`].
//!
//! Names become SSA values (reassignment rebinds a name), `if`/`else` becomes an `If` with merges for
//! the variables either branch assigns, and an early `return` inside an `if` moves the statements after
//! the `if` into the branches that fall through. Everything the engine cannot differentiate is
//! reported to [`Errors`] at its span, and lowering goes on to find the next problem.

mod buffers;
mod calls;

/// What the error says of a call of a helper that changes the length of a `Vec` it is lent
/// where the call cannot be inlined (which `plain_helpers` recognizes it by).
pub(crate) const REFILL_REFUSED: &str = "changes the length of the `Vec` it is lent";

mod data_locals;
mod data_rows;
mod env;
mod expr;
mod iter;
mod lent_writes;
mod loops;
mod opaque;
mod reduce;
mod taking;

pub use calls::{data_method_call, field_method_call, STD_TYPES};
pub use env::SeqId;
use env::{Binding, Env};
pub use expr::{changes_locals, is_compound_assign, yields_bool};
pub use loops::assigned_names;
pub use opaque::collect_pat_idents as collect_idents;
pub use opaque::collect_pat_idents;
pub use opaque::root_of_place;

use crate::errors::Errors;
use crate::ir::{Block, Builder, FloatTy, Func, Kind, Merge, Operand, SeqInfo, Stmt, ValId};
use crate::sig::{ParamClass, Sig};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

/// The result of lowering an expression.
pub enum Value {
    Float(Operand),
    /// A value the engine carries along without differentiating it.
    Other {
        tokens: TokenStream,
        uses: Vec<ValId>,
        kind: Kind,
    },
    Seq(SeqId),
    Unit,
}

/// What lowering produced, besides the IR.
pub struct Lowered {
    pub func: Func,
    /// For each parameter of the signature, its value (scalars and others) or sequence.
    pub params: Vec<ParamSlot>,
}

#[derive(Clone, Copy)]
pub enum ParamSlot {
    Val(ValId),
    Seq,
}

pub struct Lowerer<'f> {
    pub b: Builder<'f>,
    /// The buffers that became differentiated, in order, so a loop whose body activated one declared
    /// before it lowers its body again.
    pub activated: Vec<crate::ir::SeqId>,
    pub env: Env,
    pub errors: &'f Errors,
    pub float_ty: FloatTy,
    /// `f64` or `f32`, as tokens.
    pub ty: syn::Type,
    /// The parameters taken as `&f64` and the locals bound to `&` of a float, with where they are
    /// declared: passed on by reference to the helpers they are passed to (unless a `let` shadows
    /// them).
    pub ref_params: Vec<(Ident, (usize, usize))>,
    /// The rows parameters that are data (`xs: &[Vec<f64>]` not differentiated), and the names
    /// bound to one of their rows (by a `for` over them, or `let x = &xs[i];`): slices of floats
    /// whose type lowering does not otherwise see (see `data_rows`).
    pub data_rows: Vec<Ident>,
    pub row_names: Vec<Ident>,
    /// The names a `let` bound to a field of data lent as a slice (see `data_field_slice`).
    pub field_slices: Vec<Ident>,
    /// The names a `let` bound to a reference or a method's result of data (`let r = &d.x[i];`),
    /// and the items of data a loop or a closure binds (`xi` of `for xi in &d.x`): values whose
    /// type the macro cannot see (see `unseen_type`).
    pub ref_names: Vec<Ident>,
    pub item_vals: std::collections::HashSet<ValId>,
    /// The names the pattern of the loop being built binds to references (see
    /// `iter::reference_items`), taken by `build_loop`.
    pub pending_refs: Vec<Ident>,
    /// The field paths the body reads as numbers (`p.b` of `p.b * x`): `&p.b` passed on is a
    /// `&f64`, and `&p.w` of a field never read so a slice (see `data_field_slice`).
    pub number_fields: std::collections::HashSet<String>,
    /// Inside a search by comparisons (`partition_point`, ...; see `lower_method_call`), whose
    /// result no derivative flows through: its closures read slices as written.
    pub searching: u32,
    /// The buffers that are arrays (`[0.0; N]`): their length never changes.
    pub arrays: std::collections::HashSet<crate::ir::SeqId>,
    /// Values of data kept as written (see `data_let`), and whether their type holds floats.
    pub data_values: std::collections::HashMap<ValId, bool>,
    /// The sequence parameters taken by value as a `Vec<T>`: passed on by name, moved.
    pub owned_params: std::collections::HashSet<crate::ir::SeqId>,
    /// Lowering the value of a `let` that takes something out of a local of data, run on a copy
    /// (see `taking_let`): the call is not refused as one kept where it would run again.
    pub taking: bool,
    /// The values of the parameters are the first this many: their types are written in the
    /// signature (see `unseen_type`).
    pub param_vals: usize,
    /// The address of the call being lowered as a statement, whose value nobody reads (see
    /// `lower_in_out_call`).
    pub stmt_call: Option<usize>,
    /// The function's parameters' names: a buffer under one (the local copy of a `&mut` output
    /// of a twin) is the caller's storage, which `let o = out;` names again (see `lower_let`).
    pub param_names: std::collections::HashSet<String>,
    /// What the body does with data lent mutably (see `lent_writes`).
    pub lent_uses: lent_writes::LentUses,
    /// The `let mut rng = Lcg::new(7);` declared verbatim at the top (see `data_locals`).
    pub data_locals: data_locals::Taken,
    /// Those `data_locals` cannot take: made from locals (see `data_locals::refused`).
    pub data_locals_refused: std::collections::HashSet<usize>,
    /// The hand-written rules beside the function (`prescan::note_rules`): `libm::erf(x)` is
    /// differentiated by the `erf_grad` the user wrote there.
    pub rules: Vec<String>,
}

/// A differentiated value put into a collection of data (`buf.push_back(x)` into a
/// `VecDeque<f64>`), which the engine keeps as written: the value's derivative would be lost.
fn into_data_message(id: &Ident) -> String {
    format!("`#[gradient]` cannot follow a differentiated value into `{id}`, a collection it keeps as written (a `VecDeque`, a map, a `Vec` of a type it does not follow), so its derivative would be lost: hold the values in a buffer of floats written by index (`let mut {id} = vec![0.0; n];`, `{id}[i] = ..`), or keep indices in `{id}` and read the floats where they are")
}

/// A statement of a sequence being lowered; `else if` chains are spliced in as `If` items.
#[derive(Clone, Copy)]
enum Item<'s> {
    Stmt(&'s syn::Stmt),
    If(&'s syn::ExprIf),
    /// The end of a branch's own statements: its `let`s go out of scope before the statements
    /// after the `if`, which were appended to it, are lowered. Holds how many scopes were open
    /// before the branch's (branches nest, so the markers of several `if`s may follow each other).
    EndScope(usize),
}

pub fn lower(item: &syn::ItemFn, sig: &Sig, errors: &Errors) -> Option<Lowered> {
    let mut_data: std::collections::HashSet<String> = sig
        .params
        .iter()
        .filter(|p| p.class == ParamClass::Other && mut_reference(&p.ty))
        .map(|p| p.ident.to_string())
        .collect();
    let lent_uses = lent_writes::LentUses::of(item, &mut_data);
    let mut changed = crate::ir::changed_names(&quote!(#item));
    changed.extend(lent_uses.written.iter().cloned());
    let mut func = Func {
        vals: Vec::new(),
        seqs: Vec::new(),
        tapes: 0,
        body: Default::default(),
        ret: Operand::Const(0.0),
        float_ty: sig.float_ty,
        items: Vec::new(),
        mut_data,
        effects: std::collections::HashSet::new(),
        changed,
    };
    let mut env = Env::default();
    env.push();
    let mut params = Vec::new();
    let mut ref_params = Vec::new();
    let mut owned_params = std::collections::HashSet::new();
    for p in &sig.params {
        match p.class {
            ParamClass::FloatSeq(_) => {
                let id = SeqId(func.seqs.len() as u32);
                if matches!(p.ty, syn::Type::Path(_)) {
                    owned_params.insert(id);
                }
                func.seqs.push(SeqInfo {
                    ident: p.ident.clone(),
                    active: p.active,
                    buffer: false,
                    adjoint: None,
                });
                env.declare(p.ident.clone(), Binding::Seq(id));
                params.push(ParamSlot::Seq);
            }
            ref class => {
                let kind = if *class == ParamClass::Float {
                    Kind::Float
                } else {
                    primitive_kind(&p.ty)
                };
                let v = crate::ir::new_val(&mut func, kind, p.active, p.ident.span());
                func.vals[v.0 as usize].name = p.ident.clone();
                env.declare(p.ident.clone(), Binding::Val(v));
                params.push(ParamSlot::Val(v));
                if p.by_ref {
                    let at = env.position(&p.ident).expect("just declared");
                    ref_params.push((p.ident.clone(), at));
                }
            }
        }
    }
    let ty = syn::parse_str::<syn::Type>(sig.float_ty.name()).expect("float type parses");
    let param_vals = func.vals.len();
    let (data_locals, data_locals_refused) = data_locals::find(item, sig);
    let mut l = Lowerer {
        b: Builder::new(&mut func, false),
        activated: Vec::new(),
        env,
        errors,
        float_ty: sig.float_ty,
        ty,
        ref_params,
        data_rows: sig
            .params
            .iter()
            .filter(|p| !p.active && crate::rows::is_rows(&p.ty))
            .map(|p| p.ident.clone())
            .collect(),
        row_names: Vec::new(),
        field_slices: Vec::new(),
        ref_names: Vec::new(),
        item_vals: std::collections::HashSet::new(),
        pending_refs: Vec::new(),
        number_fields: data_rows::number_fields(&item.block),
        searching: 0,
        arrays: std::collections::HashSet::new(),
        data_values: std::collections::HashMap::new(),
        taking: false,
        owned_params,
        param_vals,
        stmt_call: None,
        param_names: sig.params.iter().map(|p| p.ident.to_string()).collect(),
        data_locals,
        data_locals_refused,
        rules: crate::prescan::rules(),
        lent_uses,
    };
    let items: Vec<Item> = item.block.stmts.iter().map(Item::Stmt).collect();
    let ret = l.lower_returning(&items, item.block.brace_token.span.close());
    let body = l.b.finish();
    let ret = ret?;
    func.body = body;
    func.ret = ret;
    Some(Lowered { func, params })
}

impl<'f> Lowerer<'f> {
    /// The name of a value, pointing at `span` but resolving where the generated `let`s do (so a
    /// body written inside a `macro_rules!` still finds them).
    pub fn ident_of(&self, v: ValId, span: Span) -> Ident {
        let name = &self.b.func.info(v).name;
        crate::naming::respanned(name, name.span().located_at(span))
    }

    pub fn seq_ident(&self, s: SeqId, span: Span) -> Ident {
        let name = &self.b.func.seq(s).ident;
        crate::naming::respanned(name, name.span().located_at(span))
    }

    /// Tokens that read an operand.
    pub fn operand_tokens(&self, o: Operand, span: Span) -> TokenStream {
        match o {
            Operand::Val(v) => self.ident_of(v, span).into_token_stream(),
            Operand::Const(c) => crate::emit::float_literal(c, self.float_ty),
            Operand::Int(i) => proc_macro2::Literal::i32_unsuffixed(i).into_token_stream(),
        }
    }

    /// Lowers statements up to the function's result. `end` is where a missing result is reported.
    fn lower_returning(&mut self, items: &[Item], end: Span) -> Option<Operand> {
        for (k, item) in items.iter().enumerate() {
            let last = items[k + 1..]
                .iter()
                .all(|i| matches!(i, Item::EndScope(_)));
            let (e, semi) = match item {
                Item::EndScope(depth) => {
                    self.env.truncate(*depth);
                    continue;
                }
                Item::If(ei) => {
                    if contains_return_if(ei) {
                        return self.lower_returning_if(ei, &items[k + 1..], end);
                    }
                    if last {
                        let v = self.lower_if(ei)?;
                        return self.result(v, ei.span());
                    }
                    self.lower_if(ei);
                    continue;
                }
                Item::Stmt(syn::Stmt::Macro(m)) if is_panic(&m.mac) => {
                    self.lower_macro(&m.mac)?;
                    return self.panicked(m.span());
                }
                Item::Stmt(syn::Stmt::Expr(syn::Expr::Macro(m), _)) if is_panic(&m.mac) => {
                    self.lower_macro(&m.mac)?;
                    return self.panicked(m.span());
                }
                Item::Stmt(syn::Stmt::Expr(e, semi)) => (e, semi.is_some()),
                Item::Stmt(s) => {
                    self.lower_stmt(s);
                    continue;
                }
            };
            match e {
                syn::Expr::Return(r) => {
                    return match &r.expr {
                        Some(v) => {
                            let val = self.lower_expr(v)?;
                            self.result(val, v.span())
                        }
                        None => {
                            self.errors.push_spanned(
                                r,
                                "`return` needs the function's value: `return value;`",
                            );
                            None
                        }
                    };
                }
                syn::Expr::If(ei) if contains_return_if(ei) => {
                    return self.lower_returning_if(ei, &items[k + 1..], end);
                }
                _ if last && !semi => {
                    let v = self.lower_expr(e)?;
                    return self.result(v, e.span());
                }
                _ => self.lower_expr_stmt(e),
            }
        }
        if self.errors.is_empty() {
            self.errors.push(
                end,
                "`#[gradient]` needs the function to end with the value it returns",
            );
        }
        None
    }

    /// The function's value on a path that panicked: never computed.
    fn panicked(&mut self, span: Span) -> Option<Operand> {
        let v = self.b.opaque(
            Kind::Float,
            Some(self.ty.clone()),
            quote!(::core::unreachable!()),
            Vec::new(),
            span,
        );
        Some(Operand::Val(v))
    }

    fn result(&mut self, v: Value, span: Span) -> Option<Operand> {
        self.to_float(v, span)
    }

    /// `if c { ...; return a; } rest` becomes `if c { ...; a } else { rest }`.
    fn lower_returning_if(
        &mut self,
        ei: &syn::ExprIf,
        rest: &[Item],
        end: Span,
    ) -> Option<Operand> {
        // `if true { .. }`, a block statement that returns (see `desugar`): only its branch runs,
        // so what follows it is lowered once, after it (an `else` would read names the block
        // assigns, `let v; { if c { return x; } v = y; } v`, unassigned).
        // The branch's statements, then (its own `let`s out of scope) the rest after the `if`.
        let depth = self.env.depth();
        let mut then_items: Vec<Item> = ei.then_branch.stmts.iter().map(Item::Stmt).collect();
        then_items.push(Item::EndScope(depth));
        then_items.extend_from_slice(rest);
        let then_end = if rest.is_empty() {
            ei.then_branch.brace_token.span.close()
        } else {
            end
        };
        if ei.else_branch.is_none() && is_true(&ei.cond) {
            let saved = self.env.clone();
            self.env.push();
            let r = self.lower_returning(&then_items, then_end);
            self.env = saved;
            return r;
        }
        let (cond, binds) = self.lower_if_cond(&ei.cond, &ei.then_branch);
        let saved = self.env.clone();

        self.b.open();
        self.env.push();
        self.bind_if_let(binds);
        let r_then = self.lower_returning(&then_items, then_end);
        self.env.pop();
        let then_block = self.b.close();
        self.env = saved.clone();

        self.b.open();
        self.env.push();
        let mut else_items: Vec<Item> = match &ei.else_branch {
            Some((_, e)) => match &**e {
                syn::Expr::Block(b) => b.block.stmts.iter().map(Item::Stmt).collect(),
                syn::Expr::If(inner) => vec![Item::If(inner)],
                other => {
                    self.errors.push_spanned(other, "unsupported `else` branch");
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        else_items.push(Item::EndScope(depth));
        else_items.extend_from_slice(rest);
        let r_else = self.lower_returning(&else_items, end);
        self.env.pop();
        let else_block = self.b.close();
        self.env = saved;

        let (cond, r_then, r_else) = (cond?, r_then?, r_else?);
        let active = self.b.func.is_active(r_then) || self.b.func.is_active(r_else);
        let dst = self.b.new_val(Kind::Float, active, ei.span());
        self.b.push(Stmt::If {
            cond,
            then: then_block,
            els: else_block,
            merges: vec![Merge {
                dst,
                then: r_then,
                els: r_else,
            }],
            exports: Vec::new(),
        });
        Some(Operand::Val(dst))
    }

    /// The condition of an `if`, and for `if let PAT = data` the names `PAT` binds, each with the
    /// tokens that extract it (`match data { PAT => name, _ => unreachable!() }`, run only in the
    /// branch where it matched) and the values those read. The data must not be differentiated,
    /// but for a slice pattern of names over a differentiated slice (`[a, .., z]`), whose names are
    /// bound by index and differentiated.
    fn lower_if_cond(
        &mut self,
        e: &syn::Expr,
        then: &syn::Block,
    ) -> (Option<ValId>, Vec<IfLetBind>) {
        let syn::Expr::Let(l) = e else {
            return (self.lower_cond(e), Vec::new());
        };
        let (data, uses) = self.rename(&l.expr);
        if self.check_inactive(&uses, &l.expr).is_none() {
            return (None, Vec::new());
        }
        let pat = &l.pat;
        let mut names = Vec::new();
        opaque::collect_pat_idents(pat, &mut names);
        // An uppercase name is a constant or a unit variant, unless it is a field's shorthand
        // (`P::C { Za }`), the name of a local or parameter (`Za` bound again: reading the outer
        // one would be wrong), or read by the branch (`Some(N) => N`: bound, it is the same
        // value where it is a constant).
        let shorthand = shorthand_fields(pat);
        let read = quote!(#then);
        names.retain(|n| {
            !n.to_string().starts_with(char::is_uppercase)
                || shorthand.contains(n)
                || self.env.lookup(n).is_some()
                || crate::naming::mentions(read.clone(), &|i| i == n)
        });
        if !names.is_empty() && self.mentions_seq(&l.expr) {
            let Some((wild, elems)) = slice_pattern_by_index(pat, &l.expr) else {
                self.errors.push_spanned(
                    &l.expr,
                    "`#[gradient]` cannot bind parts of a differentiated slice with this pattern (their derivative would be lost): use a slice pattern of names (`[a, b, .., z]`) or read the elements by index (`let a = x[0];`)",
                );
                return (None, Vec::new());
            };
            let test = quote!(match #data { #wild => true, _ => false });
            let cond = self.b.opaque(Kind::Bool, None, test, uses, l.span());
            let binds = elems
                .into_iter()
                .map(|(n, e)| IfLetBind::Elem(n, e))
                .collect();
            return (Some(cond), binds);
        }
        let test = quote!(match #data { #pat => true, _ => false });
        let cond = self
            .b
            .opaque(Kind::Bool, None, test, uses.clone(), l.span());
        let binds = names
            .into_iter()
            .map(|n| {
                let t = quote!(match #data { #pat => #n, _ => ::core::unreachable!() });
                IfLetBind::Opaque(n, t, uses.clone())
            })
            .collect();
        (Some(cond), binds)
    }

    /// Declares the names an `if let` binds, at the start of the branch where it matched.
    fn bind_if_let(&mut self, binds: Vec<IfLetBind>) {
        for b in binds {
            match b {
                IfLetBind::Opaque(name, tokens, uses) => {
                    let v = self.b.opaque(Kind::Other, None, tokens, uses, name.span());
                    self.env.declare(name, Binding::Val(v));
                }
                IfLetBind::Elem(name, e) => {
                    let binding = self
                        .lower_expr(&e)
                        .and_then(|v| self.bind(v, None, name.span()))
                        .unwrap_or(Binding::Poisoned);
                    self.env.declare(name, binding);
                }
            }
        }
    }

    /// A condition: kept as written (renamed), bound to a value the reverse sweep can test again.
    pub fn lower_cond(&mut self, e: &syn::Expr) -> Option<ValId> {
        if let syn::Expr::Let(l) = e {
            self.errors.push_spanned(
                l,
                "`if let` is not supported in `#[gradient]` functions: use a plain condition",
            );
            return None;
        }
        self.check_no_return(e)?;
        // `if set(&mut r, x) != 0.0 {}`: a condition that changes a local runs as lowered code,
        // whose changes are followed (kept as written, the change would be lost).
        if expr::changes_locals(e) {
            let v = self.lower_expr(e)?;
            let (tokens, uses) = self.other_tokens(v, e.span())?;
            return Some(self.b.opaque(Kind::Bool, None, tokens, uses, e.span()));
        }
        let (tokens, uses) = self.rename(e);
        Some(self.b.opaque(Kind::Bool, None, tokens, uses, e.span()))
    }

    /// `if`/`else` as statement or expression, without early returns.
    pub fn lower_if(&mut self, ei: &syn::ExprIf) -> Option<Value> {
        let (cond, binds) = self.lower_if_cond(&ei.cond, &ei.then_branch);
        let saved = self.env.clone();

        self.b.open();
        self.env.push();
        self.bind_if_let(binds);
        let v_then = self.lower_block_value(&ei.then_branch);
        self.env.pop();
        let v_then = v_then.and_then(|v| self.settle(v, ei.then_branch.span()));
        let mut then_block = self.b.close();
        let env_then = std::mem::replace(&mut self.env, saved.clone());

        self.b.open();
        let v_else = match &ei.else_branch {
            Some((_, e)) => self.lower_expr(e).and_then(|v| self.settle(v, e.span())),
            None => Some(Settled::Unit),
        };
        let mut else_block = self.b.close();
        let mut env_else = std::mem::replace(&mut self.env, saved);
        // `if true { .. }`, a block statement that jumps (see `desugar`) lowered as a plain
        // `if` (its jumps are an inner loop's own): a name it assigns after `let v;` is assigned
        // after it, the `else` never running.
        if ei.else_branch.is_none() && is_true(&ei.cond) {
            for (si, vi, bt, be) in env_then.diff(&env_else, &self.env) {
                if let (Binding::Val(a), Binding::Uninit) = (bt, be) {
                    let kind = self.b.func.info(a).kind;
                    if let Settled::Val(Operand::Val(n), _) =
                        self.never(kind, &mut else_block, ei.span())
                    {
                        env_else.set_at(si, vi, Binding::Val(n));
                    }
                }
            }
        }

        let cond = cond?;
        let (mut v_then, mut v_else) = (v_then?, v_else?);
        // `if ok { v } else { panic!(..) }`: the branch that panics gives a value of the other's
        // kind that is never computed.
        let else_panics = match ei.else_branch.as_ref().map(|(_, e)| &**e) {
            Some(syn::Expr::Block(b)) => block_panics(&b.block),
            Some(syn::Expr::Macro(m)) => is_panic(&m.mac),
            _ => false,
        };
        match (&v_then, &v_else) {
            (Settled::Unit, Settled::Val(_, kind)) if block_panics(&ei.then_branch) => {
                v_then = self.never(*kind, &mut then_block, ei.span());
            }
            (Settled::Val(_, kind), Settled::Unit) if else_panics => {
                v_else = self.never(*kind, &mut else_block, ei.span());
            }
            _ => {}
        }
        // `if x > FLOOR { x } else { FLOOR }`: a constant of unknown type beside a float is a float.
        match (&mut v_then, &mut v_else) {
            (Settled::Val(_, Kind::Float), other @ Settled::Val(_, Kind::Other)) => {
                *other = self.settle_as_float(other, &mut else_block, ei.span());
            }
            (other @ Settled::Val(_, Kind::Other), Settled::Val(_, Kind::Float)) => {
                *other = self.settle_as_float(other, &mut then_block, ei.span());
            }
            _ => {}
        }
        let mut merges = Vec::new();
        self.merge_envs(&env_then, &env_else, &mut merges, ei.span());
        let result = match (v_then, v_else) {
            (Settled::Unit, Settled::Unit) => Value::Unit,
            (Settled::Val(a, ka), Settled::Val(b, kb))
                if (ka == Kind::Float) == (kb == Kind::Float) =>
            {
                let m = self.merge_operands(a, b, ka, &mut merges, ei.span());
                if ka == Kind::Float {
                    Value::Float(m)
                } else {
                    let v = m.val().expect("non-float values are bound");
                    Value::Other {
                        tokens: self.ident_of(v, ei.span()).into_token_stream(),
                        uses: vec![v],
                        kind: ka,
                    }
                }
            }
            _ => {
                self.errors.push_spanned(
                    ei,
                    "the branches of this `if` give different kinds of values (a float in one, something else in the other)",
                );
                return None;
            }
        };
        self.b.push(Stmt::If {
            cond,
            then: then_block,
            els: else_block,
            merges,
            exports: Vec::new(),
        });
        Some(result)
    }

    /// Rebinds every variable the two branches left bound differently to a merge of both.
    fn merge_envs(&mut self, env_then: &Env, env_else: &Env, merges: &mut Vec<Merge>, span: Span) {
        for (si, vi, bt, be) in env_then.diff(env_else, &self.env) {
            let binding = match (bt, be) {
                (a, b) if a == b => a,
                (Binding::Val(a), Binding::Val(b)) => {
                    // A constant of unknown type (`C`) merged with a float is a float: its
                    // derivative must not be dropped (`let l; if c { l = C; } else { l = x; }`).
                    let (ka, kb) = (self.b.func.info(a).kind, self.b.func.info(b).kind);
                    let kind = if kb == Kind::Float { kb } else { ka };
                    let m =
                        self.merge_operands(Operand::Val(a), Operand::Val(b), kind, merges, span);
                    Binding::Val(m.val().expect("a merge of two values is a value"))
                }
                // Assigned in one branch only after `let x;`: the original does not compile either.
                _ => Binding::Uninit,
            };
            self.env.set_at(si, vi, binding);
        }
    }

    /// `if cond { then } else { els }` for branches lowered by the two closures (which open their
    /// own scopes); the variables either branch assigns are merged after it.
    pub fn lower_branches(
        &mut self,
        cond: ValId,
        span: Span,
        then: &mut dyn FnMut(&mut Self) -> Option<()>,
        els: &mut dyn FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        let saved = self.env.clone();
        self.b.open();
        let r_then = then(self);
        let then_block = self.b.close();
        let env_then = std::mem::replace(&mut self.env, saved.clone());
        self.b.open();
        let r_else = els(self);
        let else_block = self.b.close();
        let env_else = std::mem::replace(&mut self.env, saved);
        r_then?;
        r_else?;
        let mut merges = Vec::new();
        self.merge_envs(&env_then, &env_else, &mut merges, span);
        self.b.push(Stmt::If {
            cond,
            then: then_block,
            els: else_block,
            merges,
            exports: Vec::new(),
        });
        Some(())
    }

    /// A branch's value, bound inside the branch so the merge after the `if` can name it.
    fn settle(&mut self, v: Value, span: Span) -> Option<Settled> {
        Some(match v {
            Value::Unit => Settled::Unit,
            Value::Float(o) => Settled::Val(o, Kind::Float),
            Value::Other { tokens, uses, kind } => {
                self.check_inactive_kind(&uses, kind, span, &tokens)?;
                Settled::Val(
                    Operand::Val(self.b.opaque(kind, None, tokens, uses, span)),
                    kind,
                )
            }
            Value::Seq(_) => {
                self.errors
                    .push(span, "an `if` that chooses between slices is not supported");
                return None;
            }
        })
    }

    /// The value of a branch that panics before it ends: `unreachable!()`, of any type.
    fn never(&mut self, kind: Kind, block: &mut Block, span: Span) -> Settled {
        let dst = self.b.new_val(kind, false, span);
        block.stmts.push(Stmt::Opaque {
            dst,
            ty: (kind == Kind::Float).then(|| self.ty.clone()),
            expr: quote!(::core::unreachable!()),
            uses: Vec::new(),
        });
        Settled::Val(Operand::Val(dst), kind)
    }

    /// A branch's carried-along value, read again as a float at the end of its block.
    fn settle_as_float(&mut self, v: &Settled, block: &mut Block, span: Span) -> Settled {
        let Settled::Val(Operand::Val(v), _) = *v else {
            unreachable!("settled values are bound")
        };
        let dst = self.b.new_val(Kind::Float, false, span);
        block.stmts.push(Stmt::Opaque {
            dst,
            ty: Some(self.ty.clone()),
            expr: self.ident_of(v, span).into_token_stream(),
            uses: vec![v],
        });
        Settled::Val(Operand::Val(dst), Kind::Float)
    }

    fn merge_operands(
        &mut self,
        a: Operand,
        b: Operand,
        kind: Kind,
        merges: &mut Vec<Merge>,
        span: Span,
    ) -> Operand {
        if a == b {
            return a;
        }
        let active = self.b.func.is_active(a) || self.b.func.is_active(b);
        let dst = self.b.new_val(kind, active, span);
        // A value of data changed in a branch stays one after it.
        let data = [a, b]
            .iter()
            .filter_map(|o| o.val().and_then(|v| self.data_values.get(&v).copied()))
            .reduce(|x, y| x || y);
        if let Some(f) = data {
            self.data_values.insert(dst, f);
        }
        merges.push(Merge {
            dst,
            then: a,
            els: b,
        });
        Operand::Val(dst)
    }

    /// A `{ ... }` block as an expression: its own scope, its tail as value.
    pub fn lower_block_value(&mut self, block: &syn::Block) -> Option<Value> {
        self.env.push();
        let mut value = Some(Value::Unit);
        for (k, s) in block.stmts.iter().enumerate() {
            let last = k + 1 == block.stmts.len();
            match s {
                syn::Stmt::Expr(e, None) if last => value = self.lower_expr(e),
                s => self.lower_stmt(s),
            }
        }
        self.env.pop();
        value
    }

    pub fn lower_stmt(&mut self, s: &syn::Stmt) {
        match s {
            syn::Stmt::Local(local) => self.lower_let(local),
            // Items are visible in the whole block and compute nothing here; `NAME_grad` declares
            // them again, so the body's uses of them resolve the same way.
            // A loop body may be lowered more than once (see `build_loop`): declare each once.
            syn::Stmt::Item(item) => {
                let item = quiet_item(item);
                if !self.b.func.items.contains(&item) {
                    self.b.func.items.push(item);
                }
            }
            syn::Stmt::Expr(e, _) => self.lower_expr_stmt(e),
            syn::Stmt::Macro(m) => self.lower_macro_stmt(&m.mac),
        }
    }

    /// `let a = [y, x[1]];`: an array of floats (each element lowered first, so the elements may
    /// read an earlier `a`) becomes a local buffer written element by element; an array of other
    /// values (`[0, 2, 5]`) is carried along as written. `None` (reported) for a mix.
    /// `let a = [x, 2.0 * y];`, or with `vec`, `let a = vec![x, 2.0 * y];`: a buffer filled
    /// element by element (a constant when no element is differentiated).
    pub(super) fn lower_array_let(
        &mut self,
        name: &Ident,
        arr: &syn::ExprArray,
        vec: bool,
    ) -> Option<Binding> {
        let mut vals = Vec::new();
        for e in &arr.elems {
            vals.push(self.lower_expr(e)?);
        }
        // Constants beside differentiated elements are floats of the buffer too.
        if vals.iter().any(|v| matches!(v, Value::Float(_))) {
            let mut floats = Vec::with_capacity(vals.len());
            for v in vals {
                floats.push(match v {
                    Value::Other { .. } => Value::Float(self.to_float(v, arr.span())?),
                    v => v,
                });
            }
            vals = floats;
        }
        if vals.iter().all(|v| matches!(v, Value::Other { .. })) {
            let mut tokens = Vec::new();
            let mut all_uses = Vec::new();
            for v in vals {
                if let Value::Other {
                    tokens: t, uses, ..
                } = v
                {
                    self.check_inactive(&uses, arr)?;
                    tokens.push(t);
                    all_uses.extend(uses);
                }
            }
            let literal = if vec {
                quote!(::std::vec![#(#tokens),*])
            } else {
                quote!([#(#tokens),*])
            };
            let v = self
                .b
                .opaque(Kind::Other, None, literal, all_uses, arr.span());
            return Some(Binding::Val(v));
        }
        if !vals.iter().all(|v| matches!(v, Value::Float(_))) {
            self.errors.push_spanned(
                arr,
                "`#[gradient]` makes an array of floats a local buffer: every element must be a float here (a list of vectors, `vec![a, b]` of `Vec`s, is followed as a matrix when its `let` says so: `let m: Vec<Vec<f64>> = vec![a, b];`)",
            );
            return None;
        }
        let n = vals.len();
        let len: syn::Expr = syn::parse_quote!(#n);
        let zero: syn::Expr = syn::parse_quote!(0.0);
        let (binding, _) = self.lower_buffer(buffers::BufInit {
            init: zero,
            len,
            array: !vec,
        })?;
        // The name stands for the buffer while it is filled, in a scope of its own: the
        // elements were read before it existed.
        self.env.push();
        self.env.declare(name.clone(), binding);
        for (k, v) in vals.into_iter().enumerate() {
            let Value::Float(o) = v else { continue };
            let t = crate::naming::fresh("elem");
            let b = self.bind_float(o, arr.span());
            self.env.declare(t.clone(), b);
            let store: syn::Expr = syn::parse_quote_spanned!(arr.span()=> #name[#k] = #t);
            self.lower_expr(&store)?;
        }
        self.env.pop();
        Some(binding)
    }

    /// `id` when `e` names a local the engine carries along as data (a `Vec` it does not follow).
    fn carried_local(&self, e: &syn::Expr) -> Option<Ident> {
        let syn::Expr::Path(p) = e else { return None };
        let id = p.path.get_ident()?;
        match self.env.lookup(id) {
            Some(Binding::Val(v)) if self.b.func.info(v).name != *id => Some(id.clone()),
            _ => None,
        }
    }

    /// An expression statement. A call the engine carries along (`log(n)`, `out.push(v)`) is kept
    /// for what it does, as in the original; it must not read a differentiated value, whose
    /// derivative it would lose.
    fn lower_expr_stmt(&mut self, e: &syn::Expr) {
        if self.lower_resize(e).is_some()
            || self.data_value_change(e).is_some()
            || self.lent_data_write(e).is_some()
        {
            return;
        }
        // A push the desugaring did not make a buffer of, reported as such before its value
        // (which may be differentiated) is.
        if let syn::Expr::MethodCall(m) = e {
            if m.method == "push" && self.carried_local(&m.receiver).is_some() {
                let id = self.carried_local(&m.receiver).expect("checked");
                self.errors.push_spanned(e, push_message(&id, m));
                return;
            }
            // A push (or an extension) the desugaring did not take into a buffer declared
            // `Vec::new()`.
            if ["push", "extend", "extend_from_slice"]
                .iter()
                .any(|n| m.method == n)
            {
                if let syn::Expr::Path(p) = &*m.receiver {
                    if let Some(id) = p.path.get_ident() {
                        if matches!(self.env.lookup(id), Some(Binding::Seq(s)) if self.b.func.seq(s).buffer)
                        {
                            self.errors.push_spanned(e, push_message(id, m));
                            return;
                        }
                    }
                }
            }
        }
        if let syn::Expr::Call(c) = e {
            self.stmt_call = Some(std::ptr::from_ref(c) as usize);
        }
        let lowered = self.lower_expr(e);
        self.stmt_call = None;
        if self.dropped_call(e, lowered.as_ref()) {
            self.errors.push_spanned(e, DROPPED_CALL);
            return;
        }
        let Some(Value::Other { tokens, uses, .. }) = lowered else {
            return;
        };
        if !matches!(e, syn::Expr::Call(_) | syn::Expr::MethodCall(_)) {
            return;
        }
        // `out.push(v)` on a local the engine carries along: its value changes in place, which
        // the values read from it later cannot see.
        if let syn::Expr::MethodCall(m) = e {
            if let Some(id) = self.carried_local(&m.receiver) {
                let method = &m.method;
                let msg = format!("`#[gradient]` cannot follow `{id}.{method}(..)`, which changes the local `{id}` in place: for floats, declare a buffer of a fixed length (`let mut {id} = vec![0.0; n];`) and write `{id}[i] = ..`; compute other values without changing them in place");
                self.errors.push_spanned(e, msg);
                return;
            }
        }
        let active = uses.iter().any(|v| {
            let i = self.b.func.info(*v);
            i.active && i.kind == Kind::Float
        });
        if active {
            let growing = matches!(e, syn::Expr::MethodCall(m) if ["push", "extend", "insert", "extend_from_slice", "append"].contains(&m.method.to_string().as_str()));
            self.errors.push_spanned(
                e,
                if growing {
                    "`#[gradient]` follows differentiated values into buffers of a fixed length only: declare `let mut out = vec![0.0; n];` and write `out[i] = ..` instead of growing a `Vec`"
                } else {
                    "this call reads a differentiated value but `#[gradient]` cannot follow its effect, so the derivative would be lost: compute with float operations, or call a `#[gradient]` function for its value"
                },
            );
            return;
        }
        self.b.push(Stmt::Effect { expr: tokens, uses });
    }

    fn lower_let(&mut self, local: &syn::Local) {
        let (pat, ty) = match &local.pat {
            syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
            p => (p, None),
        };
        let ident = match pat {
            syn::Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                Some(pi.ident.clone())
            }
            syn::Pat::Wild(_) => None,
            // `let &v = r;` (an element found by `max_by`, taken apart as `Some(&v)`): `let v =
            // *r;`, which copies alike.
            syn::Pat::Reference(r)
                if r.mutability.is_none()
                    && ty.is_none()
                    && matches!(&*r.pat, syn::Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none())
                    && local.init.as_ref().is_some_and(|i| i.diverge.is_none()) =>
            {
                let mut copied = local.clone();
                copied.pat = (*r.pat).clone();
                let init = copied.init.as_mut().expect("checked");
                let e = init.expr.clone();
                *init.expr = syn::parse_quote_spanned!(e.span()=> *(#e));
                self.lower_let(&copied);
                return;
            }
            other => {
                // (A `partition` or `unzip` of an iterator: two collections at once.)
                let split = local.init.as_ref().and_then(|i| match &*i.expr {
                    syn::Expr::MethodCall(m) if m.method == "partition" || m.method == "unzip" => {
                        Some(&m.method)
                    }
                    _ => None,
                });
                match split {
                    Some(m) if m == "partition" => self.errors.push(
                        m.span(),
                        "`#[gradient]` follows `partition` of floats into `(Vec<f64>, Vec<f64>)` by a closure without effects, over a source without them; not this one: collect each part with its own `filter` (`let a: Vec<f64> = x.iter().copied().filter(|v| ..).collect();` and the same with the test negated)",
                    ),
                    Some(m) => self.errors.push(
                        m.span(),
                        "`#[gradient]` follows `unzip` of pairs of floats into `(Vec<f64>, Vec<f64>)`; not this one: collect each part with its own `map` (`let a: Vec<usize> = pairs.iter().map(|p| p.0).collect();`)",
                    ),
                    None => self.errors.push_spanned(
                        other,
                        "`#[gradient]` supports `let name = ...;` with a plain name: destructure in separate `let`s",
                    ),
                }
                return;
            }
        };
        let Some(init) = &local.init else {
            if let Some(ident) = ident {
                self.env.declare(ident, Binding::Uninit);
            }
            return;
        };
        if let Some(ident) = &ident {
            self.note_row_let(ident, &init.expr);
        }
        if let Some((_, diverge)) = &init.diverge {
            self.errors.push_spanned(
                diverge,
                "`let ... else` is not supported in `#[gradient]` functions",
            );
            return;
        }
        // `let prev = s;` of a local buffer: a copy, which later writes to either leave the
        // other as it was — not a second name for the same buffer. An array is `Copy`, and the
        // desugaring may have made the user's array a `Vec` (a copy of a by-value array
        // parameter, under a name of its own); a `Vec` the user moved is not read again, and its
        // copy costs a pass. Under a parameter's name, the buffer is a `&mut` output's storage,
        // which the reference moved into the new name still writes.
        if let (Some(ident), syn::Expr::Path(p)) = (&ident, crate::desugar::unparen(&init.expr)) {
            let buffer = p.path.get_ident().is_some_and(|id| {
                !self.param_names.contains(&id.to_string())
                    && matches!(self.env.lookup(id), Some(Binding::Seq(s)) if self.b.func.seq(s).buffer)
            });
            // `let s = s;` (also `let s: &[f64] = s;`): the old name is gone, so the same buffer
            // under it (a copy into a new `s` would read the new one: zeros).
            if buffer && p.path.is_ident(ident) {
                if let Some(binding) = self.env.lookup(ident) {
                    self.env.declare(ident.clone(), binding);
                    return;
                }
            }
            if buffer {
                let (src, k, sp) = (&p.path, crate::naming::fresh("k"), init.expr.span());
                let syn::Stmt::Local(copy) = syn::parse_quote_spanned!(sp=>
                    let mut #ident = vec![0.0; #src.len()];
                ) else {
                    unreachable!("a `let` statement")
                };
                self.lower_let(&copy);
                let fill: syn::Expr = syn::parse_quote_spanned!(sp=>
                    for #k in 0..#src.len() { #ident[#k] = #src[#k]; }
                );
                self.lower_expr(&fill);
                return;
            }
        }
        if let Some(ident) = &ident {
            if let Some(binding) = self.taking_let(ident, &init.expr, ty) {
                self.env.declare(ident.clone(), binding);
                return;
            }
        }
        if let (Some(ident), Some(ty)) = (&ident, ty) {
            if let Some(v) = self.data_let(ty, &init.expr) {
                self.env.declare(ident.clone(), Binding::Val(v));
                return;
            }
        }
        // `let mut counts = vec![0usize; k];`, `let mut seen = [false; 8];`, and a vector the
        // desugaring found only integers pushed into (`#[grad_integers]`): data, kept as
        // written and changed in place (see `data_value_change`).
        // A collection that may hold floats (`#[grad_data]`: a `VecDeque::new()`) is data too,
        // into which nothing differentiated may go.
        let marked = |name| local.attrs.iter().any(|a| a.path().is_ident(name));
        let (integers, floats) = (
            marked(crate::desugar::pushes::INTEGERS),
            marked(crate::desugar::pushes::DATA),
        );
        if let Some(ident) = &ident {
            // A copy of data (`let mut rest = idx.clone();`) is data alike.
            let copied = self.data_copy(&init.expr);
            if integers || floats || copied.is_some() || buffers::data_buffer(&init.expr) {
                let (tokens, uses) = self.rename(&init.expr);
                let v = self
                    .b
                    .opaque(Kind::Other, ty.cloned(), tokens, uses, init.expr.span());
                self.data_values.insert(v, floats || copied == Some(true));
                self.env.declare(ident.clone(), Binding::Val(v));
                return;
            }
        }
        if let (syn::Expr::Array(arr), Some(ident)) = (&*init.expr, &ident) {
            if let Some(binding) = self.lower_array_let(ident, arr, false) {
                self.env.declare(ident.clone(), binding);
                return;
            }
        }
        if let (Some((call, tuple)), Some(ident)) = (crate::desugar::vector_call(local), &ident) {
            let binding = self
                .lower_vector_call(&call, tuple)
                .unwrap_or(Binding::Poisoned);
            self.env.declare(ident.clone(), binding);
            return;
        }
        if let (Some(arr), Some(ident)) = (vec_list(&init.expr), &ident) {
            if let Some(binding) = self.lower_array_let(ident, &arr, true) {
                self.env.declare(ident.clone(), binding);
            } else {
                self.env.declare(ident.clone(), Binding::Poisoned);
            }
            return;
        }
        // `let mut h: Vec<f64> = Vec::new();` that no push fills (`h = next;` gives it its
        // values): a buffer of none.
        let empty = crate::desugar::empty_vec(&init.expr)
            && ty.is_none_or(|t| crate::vector::vector_elem(t).is_some());
        let buf = if empty {
            Some(buffers::BufInit {
                init: syn::parse_quote!(0.0),
                len: syn::parse_quote!(0),
                array: false,
            })
        } else {
            self.buffer_init(&init.expr)
        };
        if let Some(buf) = buf {
            let made = self.lower_buffer(buf);
            let (binding, fill) = match made {
                Some((b, fill)) => (b, fill),
                None => (Binding::Poisoned, None),
            };
            if let Some(ident) = ident {
                self.env.declare(ident.clone(), binding);
                if let Some(value) = fill {
                    self.fill_buffer(&ident, value, init.expr.span());
                }
            }
            return;
        }
        if let Some(ident) = &ident {
            if let Some(lets) = self.data_locals.get(&(std::ptr::from_ref(local) as usize)) {
                // Not bound: the expressions that read it keep its name. (The locals of
                // constant data its value reads are declared above it, as they are here.)
                self.b.func.mut_data.insert(ident.to_string());
                let made = lets
                    .iter()
                    .map(|l| quote!(#[allow(unused_mut)] #l))
                    .chain([quote!(#local)]);
                for tokens in made {
                    let item = syn::Item::Verbatim(tokens);
                    if !self.b.func.items.contains(&item) {
                        self.b.func.items.push(item);
                    }
                }
                return;
            }
            if self
                .data_locals_refused
                .contains(&(std::ptr::from_ref(local) as usize))
            {
                self.errors.push_spanned(
                    &init.expr,
                    format!("`#[gradient]` follows data changed in place by its methods (`{ident}.next()`, a generator) when it is made once, from parameters of data and constants (`Lcg::seeded(seed)` in the body, or in a helper called with constants): this one is made from a local (an argument of the helper it is in) or in a loop's body; make it from parameters before the loop, or pass it as a `&mut` parameter"),
                );
                self.env.declare(ident.clone(), Binding::Poisoned);
                return;
            }
            if let Some(v) = self.lower_ordering(&init.expr) {
                self.env.declare(ident.clone(), Binding::Val(v));
                return;
            }
        }
        let Some(value) = self.lower_expr(&init.expr) else {
            if let Some(ident) = ident {
                self.env.declare(ident, Binding::Poisoned);
            }
            return;
        };
        let Some(ident) = ident else {
            // `let _ = cell.replace(x);`: as a call whose value a statement drops.
            if self.dropped_call(&init.expr, Some(&value)) {
                self.errors.push_spanned(&init.expr, DROPPED_CALL);
            }
            return;
        };
        let binding = match ty {
            Some(t) if crate::sig::float_of(t).is_some() => {
                if crate::sig::float_of(t) != Some(self.float_ty) {
                    self.errors.push_spanned(
                        t,
                        format!(
                            "use one float type throughout: this function computes in `{}`",
                            self.float_ty.name()
                        ),
                    );
                }
                self.to_float(value, init.expr.span())
                    .map(|o| self.bind_float(o, init.expr.span()))
            }
            // `let o = x.partial_cmp(&y);`: an `Ordering` of differentiated values, which (like a
            // comparison) carries no derivative.
            _ if is_ordering(&init.expr) => match value {
                Value::Other { tokens, uses, kind } => Some(Binding::Val(self.b.opaque(
                    kind,
                    ty.cloned(),
                    tokens,
                    uses,
                    init.expr.span(),
                ))),
                v => self.bind(v, ty.cloned(), init.expr.span()),
            },
            _ => self.bind(value, ty.cloned(), init.expr.span()),
        };
        // `let p = &x;` of a float: the engine holds the value, and passes `p` on to a `&f64`
        // parameter as the reference it is (like a `&f64` parameter).
        let by_ref = matches!(&*init.expr, syn::Expr::Reference(r) if r.mutability.is_none())
            && matches!(binding, Some(Binding::Val(v)) if self.b.func.info(v).kind == Kind::Float);
        self.env
            .declare(ident.clone(), binding.unwrap_or(Binding::Poisoned));
        if by_ref {
            let at = self.env.position(&ident).expect("just declared");
            self.ref_params.push((ident, at));
        }
    }

    /// `let idx: Vec<usize> = (0..n).collect();`, `let rows: Vec<Vec<f64>> = x.chunks(d)
    /// .map(|c| c.to_vec()).collect();` of data: a value of a type the engine does not follow,
    /// kept as written. Its type says so: no float in it (what a differentiated value gives
    /// there, through comparisons or casts to integers, carries no derivative), or floats that
    /// the expression computes from data alone (no differentiated value read). Other values
    /// (float sequences, tuples, of differentiated values) go the usual way.
    fn data_let(&mut self, ty: &syn::Type, init: &syn::Expr) -> Option<ValId> {
        let plain_float = crate::sig::float_of(ty).is_some()
            || crate::vector::vector_elem(ty).is_some()
            || matches!(
                ty,
                syn::Type::Array(_) | syn::Type::Infer(_) | syn::Type::Tuple(_)
            );
        // (Scalars, and values that assign to other names, go the usual way.)
        let container = matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| {
            ["Vec", "VecDeque", "HashMap", "HashSet", "BTreeMap", "BTreeSet", "Option", "String"]
                .iter()
                .any(|n| s.ident == n)
        }));
        let floats = crate::desugar::mentions_float_type(ty);
        // (`vec![..]` of floats is a buffer; of integers, `vec![Vec::new(); k]` typed
        // `Vec<Vec<usize>>`, data.)
        if plain_float
            || !container
            || !std_data_type(ty)
            || matches!(init, syn::Expr::Array(_))
            || (matches!(init, syn::Expr::Macro(_)) && floats)
            || assigns(init)
        {
            return None;
        }
        if floats && self.reads_differentiated(init) {
            return None;
        }
        let (tokens, uses) = self.rename(init);
        let v = self
            .b
            .opaque(Kind::Other, Some(ty.clone()), tokens, uses, init.span());
        self.data_values.insert(v, floats);
        Some(v)
    }

    /// `idx.sort_by(|&a, &b| w[a].total_cmp(&w[b]));` on a value of data (see `data_let`): a new
    /// value, the old one changed by the call (the one before stays what it was, for the code
    /// that read it). Into data that holds floats, nothing differentiated may go.
    fn data_value_change(&mut self, e: &syn::Expr) -> Option<()> {
        if let Some(r) = self.data_value_change_within(e) {
            return r;
        }
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        let syn::Expr::Path(p) = &*m.receiver else {
            return None;
        };
        let id = p.path.get_ident()?;
        let Some(Binding::Val(v)) = self.env.lookup(id) else {
            return None;
        };
        let floats = *self.data_values.get(&v)?;
        if floats && m.args.iter().any(|a| self.reads_differentiated(a)) {
            self.errors.push_spanned(e, into_data_message(id));
            return Some(());
        }
        let (recv, mut uses) = self.rename(&m.receiver);
        let method = &m.method;
        let turbofish = &m.turbofish;
        let args: Vec<TokenStream> = m
            .args
            .iter()
            .map(|a| {
                let (t, u) = self.rename(a);
                uses.extend(u);
                t
            })
            .collect();
        let t = crate::naming::hidden("changed");
        let tokens = quote!({
            let mut #t = ::core::clone::Clone::clone(&#recv);
            let _ = #t.#method #turbofish (#(#args),*);
            #t
        });
        let new = self.b.opaque(Kind::Other, None, tokens, uses, e.span());
        self.data_values.insert(new, floats);
        self.env.assign(id, Binding::Val(new));
        Some(())
    }

    /// `counts[l] += 1;`, `seen[i] = true;`, `first.entry(k).or_insert(i);`, `adj[a].push(b);`: a
    /// change inside a value of data (see `data_let`) reached through an element or a method's
    /// result, as [`Self::data_value_change`] does for a method of the value itself: a new
    /// value, changed in a copy. `None` for anything else.
    fn data_value_change_within(&mut self, e: &syn::Expr) -> Option<Option<()>> {
        fn root(e: &syn::Expr) -> Option<&syn::Expr> {
            match e {
                syn::Expr::MethodCall(m) => root(&m.receiver).or(Some(&m.receiver)),
                syn::Expr::Index(i) => root(&i.expr).or(Some(&i.expr)),
                syn::Expr::Field(f) => root(&f.base).or(Some(&f.base)),
                syn::Expr::Paren(p) => root(&p.expr),
                _ => None,
            }
            .filter(|r| matches!(r, syn::Expr::Path(_)))
        }
        let place = match e {
            syn::Expr::Assign(a) => &*a.left,
            syn::Expr::Binary(b) if is_compound_assign(&b.op) => &*b.left,
            // A method of the value itself is `data_value_change`'s.
            syn::Expr::MethodCall(m) if !matches!(&*m.receiver, syn::Expr::Path(_)) => e,
            _ => return None,
        };
        let syn::Expr::Path(p) = root(place)? else {
            return None;
        };
        let id = p.path.get_ident()?;
        let Some(Binding::Val(v)) = self.env.lookup(id) else {
            return None;
        };
        let floats = *self.data_values.get(&v)?;
        if floats && self.reads_differentiated(e) {
            self.errors.push_spanned(e, into_data_message(id));
            return Some(Some(()));
        }
        // The statement with the value's name in place of the root, then the name bound.
        let t = crate::naming::hidden("changed");
        struct Root<'a>(&'a syn::Ident, &'a syn::Ident, bool);
        impl syn::visit_mut::VisitMut for Root<'_> {
            fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
                if !self.2 {
                    if let syn::Expr::Path(p) = e {
                        if p.path.is_ident(self.0) {
                            let t = self.1;
                            *e = syn::parse_quote!(#t);
                            self.2 = true;
                            return;
                        }
                    }
                }
                syn::visit_mut::visit_expr_mut(self, e);
            }
        }
        let mut changed = e.clone();
        // The root is the place's leftmost name: the first path visited in the place.
        match &mut changed {
            syn::Expr::Assign(a) => {
                syn::visit_mut::VisitMut::visit_expr_mut(&mut Root(id, &t, false), &mut a.left)
            }
            syn::Expr::Binary(b) => {
                syn::visit_mut::VisitMut::visit_expr_mut(&mut Root(id, &t, false), &mut b.left)
            }
            other => syn::visit_mut::VisitMut::visit_expr_mut(&mut Root(id, &t, false), other),
        }
        let (recv, mut uses) = self.rename(&syn::parse_quote!(#p));
        let (stmt, more) = self.rename(&changed);
        uses.extend(more);
        let tokens = quote!({
            let mut #t = ::core::clone::Clone::clone(&#recv);
            #stmt;
            #t
        });
        let new = self.b.opaque(Kind::Other, None, tokens, uses, e.span());
        self.data_values.insert(new, floats);
        self.env.assign(id, Binding::Val(new));
        Some(Some(()))
    }

    /// `&mut rng` (or `rng`) of a generator made in the body (see `data_locals`), which no
    /// binding names, or `&mut Lcg::new(3)` of one made for a call.
    pub(super) fn data_local_lent(&self, e: &syn::Expr) -> bool {
        let e = match crate::desugar::unparen(e) {
            syn::Expr::Reference(r) if r.mutability.is_some() => {
                // A generator made for the call (`&mut Lcg::new(3)`, `&mut Lcg(seed)`).
                let made = match crate::desugar::unparen(&r.expr) {
                    syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(_)),
                    syn::Expr::Struct(_) => true,
                    _ => false,
                };
                if made {
                    return !self.reads_differentiated(&r.expr);
                }
                &*r.expr
            }
            e => e,
        };
        let syn::Expr::Path(p) = e else { return false };
        p.path.get_ident().is_some_and(|id| {
            self.b.func.mut_data.contains(&id.to_string())
                && !self.param_names.contains(&id.to_string())
                && self.env.lookup(id).is_none()
        })
    }

    /// `idx.clone()`, `idx.to_vec()` or `idx.to_owned()` of a value of data (see `data_let`):
    /// whether its type holds floats.
    fn data_copy(&self, e: &syn::Expr) -> Option<bool> {
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        if !m.args.is_empty()
            || !["clone", "to_vec", "to_owned"]
                .iter()
                .any(|n| m.method == n)
        {
            return None;
        }
        let syn::Expr::Path(p) = &*m.receiver else {
            return None;
        };
        match self.env.lookup(p.path.get_ident()?)? {
            Binding::Val(v) => self.data_values.get(&v).copied(),
            _ => None,
        }
    }

    /// Whether `e` names a differentiated value or sequence.
    fn reads_differentiated(&self, e: &syn::Expr) -> bool {
        crate::naming::mentions(e.to_token_stream(), &|i| match self.env.lookup(i) {
            Some(Binding::Val(v)) => self.b.func.info(v).active,
            Some(Binding::Seq(s)) => self.b.func.seq(s).active,
            Some(Binding::Poisoned) => true,
            _ => false,
        })
    }

    /// `x.partial_cmp(&xs[i])` (or `total_cmp`) of two floats: each lowered (loads,
    /// arithmetic), then compared as written, an `Ordering` that carries no derivative.
    fn lower_ordering(&mut self, e: &syn::Expr) -> Option<ValId> {
        let (a, method, b) = ordering_parts(e)?;
        let span = e.span();
        // A side of data (`C.abs()` of a module's constant, which lowering carries along as
        // written) is a float constant of the comparison.
        let float = |l: &mut Self, v: Value| match v {
            Value::Float(o) => Some(o),
            v @ Value::Other { .. } => l.to_float(v, span),
            _ => None,
        };
        let (va, vb) = (self.lower_expr(a)?, self.lower_expr(b)?);
        if !matches!(va, Value::Float(_)) && !matches!(vb, Value::Float(_)) {
            return None;
        }
        let (a, b) = (float(self, va)?, float(self, vb)?);
        let (ta, tb) = (self.operand_tokens(a, span), self.operand_tokens(b, span));
        let uses = [a, b].iter().filter_map(|o| o.val()).collect();
        // By the float type's path: a constant operand is an untyped literal by now.
        let ty = syn::Ident::new(self.float_ty.name(), span);
        Some(self.b.opaque(
            Kind::Other,
            None,
            quote!(<#ty>::#method(&(#ta), &(#tb))),
            uses,
            span,
        ))
    }

    /// A binding for a lowered value, materializing carried-along expressions as values.
    pub fn bind(&mut self, value: Value, ty: Option<syn::Type>, span: Span) -> Option<Binding> {
        match value {
            Value::Float(o) => Some(self.bind_float(o, span)),
            Value::Other { tokens, uses, kind } => {
                self.check_inactive_kind(&uses, kind, span, &tokens)?;
                Some(Binding::Val(self.b.opaque(kind, ty, tokens, uses, span)))
            }
            Value::Seq(s) => Some(Binding::Seq(s)),
            Value::Unit => {
                self.errors
                    .push(span, "this expression has no value to bind");
                None
            }
        }
    }

    pub fn bind_float(&mut self, o: Operand, span: Span) -> Binding {
        match o {
            Operand::Val(v) => Binding::Val(v),
            c => {
                let tokens = self.operand_tokens(c, span);
                let ty = self.ty.clone();
                Binding::Val(
                    self.b
                        .opaque(Kind::Float, Some(ty), tokens, Vec::new(), span),
                )
            }
        }
    }

    /// A carried-along value must not read a differentiated one: its derivative would be lost.
    /// The error stands at `at` and names it.
    pub fn check_inactive<T: ToTokens>(&self, uses: &[ValId], at: T) -> Option<()> {
        let what = at.to_token_stream();
        self.check_inactive_kind(uses, Kind::Other, at.span(), &what)
    }

    /// As [`Self::check_inactive`], of a value of `kind` written `what` (for its name in the
    /// error); a boolean may read differentiated values (conditions do).
    pub fn check_inactive_kind(
        &self,
        uses: &[ValId],
        kind: Kind,
        span: Span,
        what: &TokenStream,
    ) -> Option<()> {
        // (A message `format!` makes is text: no derivative goes through it.)
        let mut head = what.clone().into_iter();
        let text = matches!(
            (head.next(), head.next(), head.next(), head.next()),
            (
                Some(proc_macro2::TokenTree::Ident(f)),
                Some(proc_macro2::TokenTree::Punct(p)),
                Some(proc_macro2::TokenTree::Group(_)),
                None,
            ) if f == "format" && p.as_char() == '!'
        );
        if kind == Kind::Bool || text {
            return Some(());
        }
        if uses.iter().any(|v| {
            let i = self.b.func.info(*v);
            i.active && i.kind == Kind::Float
        }) {
            let construct = construct_name(what);
            let msg = if kind == Kind::Int {
                format!("{construct} gives an integer computed from a differentiated value, so the derivative would be lost: an index, a count or a loop bound must not depend on differentiated values (compute it from integers or data, or leave the parameter out of `wrt(..)`); for a whole-number float use `.floor()`, `.round()` or `.trunc()`, and a test as a number (`(x > w) as u8`) is followed")
            } else {
                format!("{construct} gives a value that is not a float (a struct, a tuple, an `Option`, a reference, or the result of a function `#[gradient]` does not read) computed from a differentiated value, so the derivative would be lost: compute the float itself with float operations, or bind its parts to float locals first")
            };
            self.errors.push(span, msg);
            return None;
        }
        Some(())
    }

    /// Converts a lowered value to a float operand; carried-along values become float constants.
    #[allow(clippy::wrong_self_convention)]
    pub fn to_float(&mut self, v: Value, span: Span) -> Option<Operand> {
        match v {
            Value::Float(o) => Some(o),
            Value::Other { tokens, uses, .. } => {
                self.check_inactive_kind(&uses, Kind::Other, span, &tokens)?;
                let ty = self.ty.clone();
                // Data of other types (`for row in rows`, `|(x, w)|` over `row.iter().zip(w)`) may
                // be a float or a reference to one, as the user's arithmetic does not care: a
                // reference parameter takes both (and `&&f64`) by deref coercion.
                let data = uses
                    .iter()
                    .any(|u| self.b.func.info(*u).kind == Kind::Other);
                let tokens = if data {
                    quote!(*::core::convert::identity::<&#ty>(&(#tokens)))
                } else {
                    tokens
                };
                Some(Operand::Val(self.b.opaque(
                    Kind::Float,
                    Some(ty),
                    tokens,
                    uses,
                    span,
                )))
            }
            Value::Seq(_) => {
                self.errors.push(
                    span,
                    "expected a float here, found a slice: index it (`x[i]`)",
                );
                None
            }
            Value::Unit => {
                self.errors.push(span, "expected a float value here");
                None
            }
        }
    }

    fn lower_macro_stmt(&mut self, mac: &syn::Macro) {
        self.lower_macro(mac);
    }

    /// Whether `e`, lowered to `value` and dropped, is a call taken for a `#[gradient]`
    /// function's (see `DROPPED_CALL`): a free function's that is no float function, or a
    /// method's of data.
    fn dropped_call(&self, e: &syn::Expr, value: Option<&Value>) -> bool {
        let call = match e {
            syn::Expr::Call(c) => !self.float_fn_path(&c.func),
            syn::Expr::MethodCall(m) => data_method_call(m).is_some(),
            _ => false,
        };
        call && matches!(value, Some(Value::Float(_)))
    }

    /// Whether `f` names a float function (`f64::sin`, `<f64>::sin`, `T::exp`, `Float::exp`,
    /// `<T as Float>::exp`): a pure one, not a `#[gradient]` function's.
    fn float_fn_path(&self, f: &syn::Expr) -> bool {
        let syn::Expr::Path(p) = f else {
            return false;
        };
        let segs: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        p.qself.is_some()
            || matches!(&segs[..], [t, _] if t == "f64" || t == "f32" || t == self.float_ty.name())
            || matches!(&segs[..], [.., t, _] if t == "Float")
    }

    /// `assert!`-like macros, and output (`println!`, `dbg!` as a statement, the `log` crate's),
    /// are kept as effects of the forward sweep, with the values they read; others are errors.
    pub fn lower_macro(&mut self, mac: &syn::Macro) -> Option<Value> {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        // `matches!(k, 1 | 3 | 5)`: a `bool`, as a comparison is; the value tested renamed, the
        // pattern as written.
        if name == "matches" {
            struct Test(syn::Expr, TokenStream);
            impl syn::parse::Parse for Test {
                fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
                    let e = input.parse()?;
                    input.parse::<syn::Token![,]>()?;
                    Ok(Test(e, input.parse()?))
                }
            }
            let Ok(Test(e, pattern)) = mac.parse_body::<Test>() else {
                self.errors
                    .push_spanned(mac, "could not read the arguments of this macro");
                return None;
            };
            let (t, uses) = self.rename(&e);
            return Some(Value::Other {
                tokens: quote!(::core::matches!(#t, #pattern)),
                uses,
                kind: Kind::Bool,
            });
        }
        const CHECKS: &[&str] = &[
            "assert",
            "assert_eq",
            "assert_ne",
            "debug_assert",
            "debug_assert_eq",
            "debug_assert_ne",
            "print",
            "println",
            "eprint",
            "eprintln",
            "dbg",
            "trace",
            "debug",
            "info",
            "warn",
            "error",
        ];
        // `format!(..)` makes a `String` (a message, a label): a value of data, its arguments
        // read as the checks' are.
        let format = name == "format";
        if CHECKS.contains(&name.as_str()) || is_panic(mac) || format {
            let args = mac.parse_body_with(
                syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
            );
            let Ok(args) = args else {
                self.errors
                    .push_spanned(mac, "could not read the arguments of this macro");
                return None;
            };
            let mut renamed = Vec::new();
            let mut all_uses = Vec::new();
            for a in explicit_captures(args.into_iter().collect()) {
                // `name = value`, a named argument of the message: only the value is renamed.
                if let syn::Expr::Assign(asg) = &a {
                    if let syn::Expr::Path(p) = &*asg.left {
                        if p.path.get_ident().is_some() {
                            let (t, u) = self.rename(&asg.right);
                            let left = &asg.left;
                            renamed.push(quote!(#left = #t));
                            all_uses.extend(u);
                            continue;
                        }
                    }
                }
                let (t, u) = self.rename(&a);
                renamed.push(t);
                all_uses.extend(u);
            }
            let path = &mac.path;
            let tokens = if name == "dbg" {
                // As `dbg!` prints it: the expression as written, not as renamed.
                let span = mac.span();
                let written = mac
                    .parse_body_with(
                        syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
                    )
                    .map(|a| a.iter().map(|e| quote!(#e).to_string()).collect::<Vec<_>>())
                    .unwrap_or_default();
                quote_spanned!(span=> { #(::std::eprintln!(
                    "[{}:{}:{}] {} = {:#?}",
                    ::core::file!(),
                    ::core::line!(),
                    ::core::column!(),
                    #written,
                    #renamed
                );)* })
            } else {
                quote!(#path!(#(#renamed),*))
            };
            if format {
                return Some(Value::Other {
                    tokens,
                    uses: all_uses,
                    kind: Kind::Other,
                });
            }
            self.b.push(Stmt::Effect {
                expr: tokens,
                uses: all_uses,
            });
            return Some(Value::Unit);
        }
        self.errors.push_spanned(
            mac,
            format!(
                "`#[gradient]` cannot differentiate through the macro `{name}!`: write the computation as plain Rust expressions{}",
                if name == "vec" { " (a local buffer is `let mut z = vec![0.0; n];` or `[0.0; N]`, filled by index)" } else { "" }
            ),
        );
        None
    }

    pub fn check_no_return(&self, e: &syn::Expr) -> Option<()> {
        if let Some(r) = find_return(e) {
            self.errors.push_spanned(
                r,
                "`return` is supported as a statement (of the body, an `if`, a `match` arm, or a loop that is itself a statement); this one is inside an expression whose value is used (such as `let v = loop { .. }`): assign the value to a variable, `break`, and return it after",
            );
            return None;
        }
        Some(())
    }
}

/// `panic!`, `unreachable!`, `todo!`, `unimplemented!`: they leave the function, and are kept as
/// written where the function has them.
pub fn is_panic(mac: &syn::Macro) -> bool {
    mac.path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "panic" | "unreachable" | "todo" | "unimplemented"
        )
    })
}

/// Whether a block leaves the function through a panicking macro as its last statement.
fn block_panics(b: &syn::Block) -> bool {
    match b.stmts.last() {
        Some(syn::Stmt::Macro(m)) => is_panic(&m.mac),
        Some(syn::Stmt::Expr(syn::Expr::Macro(m), _)) => is_panic(&m.mac),
        _ => false,
    }
}

/// The arguments of a message macro with every name the format string captures (`"{k}"`,
/// `"{x:.3}"`) made an explicit named argument (`k = k`), so that renaming the arguments renames
/// what the message reads.
pub(crate) fn explicit_captures(mut args: Vec<syn::Expr>) -> Vec<syn::Expr> {
    let Some(fmt) = args.iter().find_map(|a| match a {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }) else {
        return args;
    };
    let named: Vec<String> = args
        .iter()
        .filter_map(|a| match a {
            syn::Expr::Assign(asg) => match &*asg.left {
                syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let mut captured: Vec<String> = Vec::new();
    let mut rest = fmt.as_str();
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(r) = rest.strip_prefix('{') {
            rest = r;
            continue;
        }
        let end = rest.find(['}', ':']).unwrap_or(rest.len());
        let name = rest[..end].trim();
        let is_ident = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if is_ident && !named.iter().any(|n| n == name) && !captured.iter().any(|n| n == name) {
            captured.push(name.to_string());
        }
    }
    for name in captured {
        let id = syn::Ident::new(&name, proc_macro2::Span::call_site());
        args.push(syn::parse_quote!(#id = #id));
    }
    args
}

/// A name an `if let` binds in the branch where the pattern matched.
#[derive(Clone)]
enum IfLetBind {
    /// Extracted from constant data by the tokens, which read the values.
    Opaque(Ident, TokenStream, Vec<ValId>),
    /// An element of a slice, read by index (differentiated where the slice is).
    Elem(Ident, syn::Expr),
}

/// For `[a, _, .., z]` over a place `x` (or `x[..]`, `*x`, `&x`): the pattern with every name
/// made `_` (which tests the length only) and each name with its element, `x[1]` or
/// `x[x.len() - 1]`. `None` for other patterns, or when a name is read by the place itself.
fn slice_pattern_by_index(
    pat: &syn::Pat,
    data: &syn::Expr,
) -> Option<(syn::Pat, Vec<(Ident, syn::Expr)>)> {
    // `Some(v)` / `Some(&v)` of `x.first()`, `x.last()`, `x.get(i)`.
    if let (syn::Pat::TupleStruct(ts), syn::Expr::MethodCall(m)) = (pat, data) {
        let inner = match ts.elems.first() {
            Some(syn::Pat::Reference(r)) => &*r.pat,
            Some(p) => p,
            None => return None,
        };
        let syn::Pat::Ident(id) = inner else {
            return None;
        };
        if !ts.path.is_ident("Some") || ts.elems.len() != 1 || id.subpat.is_some() {
            return None;
        }
        let x = &m.receiver;
        // A part `p[a..b]` (a view's name replaced by it): its elements are `p`'s from `a`.
        let mut part = &**x;
        while let syn::Expr::Paren(p) = part {
            part = &p.expr;
        }
        let part = match part {
            syn::Expr::Index(ix) => match (&*ix.expr, &*ix.index) {
                (p @ syn::Expr::Path(_), syn::Expr::Range(r)) => {
                    let (lo, hi) = crate::desugar::range_bounds(r, &quote!(#p.len()));
                    Some((p, lo, hi))
                }
                _ => None,
            },
            _ => None,
        };
        let e: syn::Expr = match (m.method.to_string().as_str(), m.args.len(), part) {
            ("first", 0, Some((p, lo, _))) => syn::parse_quote!(#p[#lo]),
            ("last", 0, Some((p, _, hi))) => syn::parse_quote!(#p[#hi - 1]),
            ("get", 1, Some((p, lo, _))) => {
                let i = &m.args[0];
                syn::parse_quote!(#p[#lo + (#i)])
            }
            ("first", 0, None) => syn::parse_quote!((#x)[0]),
            ("last", 0, None) => syn::parse_quote!((#x)[(#x).len() - 1]),
            ("get", 1, None) => {
                let i = &m.args[0];
                syn::parse_quote!((#x)[#i])
            }
            _ => return None,
        };
        // The name bound must not be read by the receiver or the index (`x.get(i)` binding
        // `i`); the method's own name (`Some(&last) = x.last()`) is no read.
        let (recv, args) = (&m.receiver, &m.args);
        if crate::naming::mentions(quote!(#recv #args), &|x| *x == id.ident) {
            return None;
        }
        return Some((syn::parse_quote!(Some(_)), vec![(id.ident.clone(), e)]));
    }
    // `&[a, b]`: the same names, bound by value.
    if let syn::Pat::Reference(r) = pat {
        let (inner, elems) = slice_pattern_by_index(&r.pat, data)?;
        let mut wild = r.clone();
        *wild.pat = inner;
        return Some((syn::Pat::Reference(wild), elems));
    }
    let syn::Pat::Slice(sp) = pat else {
        return None;
    };
    let place = crate::desugar::place_of(data);
    // A part `x[a..b]` (a piece of `windows`/`chunks`, a view): `x` from position `a`.
    let part = match place {
        syn::Expr::Path(_) | syn::Expr::Field(_) => None,
        _ => Some(crate::desugar::part_of_name(place)?),
    };
    let rest = sp.elems.iter().position(|p| matches!(p, syn::Pat::Rest(_)));
    let n = sp.elems.len();
    let mut wild = sp.clone();
    let mut elems = Vec::new();
    for (k, p) in wild.elems.iter_mut().enumerate() {
        match p {
            syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                let back = n - k;
                let e: syn::Expr = match (rest, &part) {
                    (Some(r), None) if k > r => {
                        syn::parse_quote!((#place)[(#place).len() - #back])
                    }
                    (Some(r), Some((x, _, hi))) if k > r => syn::parse_quote!(#x[#hi - #back]),
                    (_, None) => syn::parse_quote!((#place)[#k]),
                    (_, Some((x, lo, _))) => syn::parse_quote!(#x[#lo + #k]),
                };
                if crate::naming::mentions(quote!(#data), &|x| *x == i.ident) {
                    return None;
                }
                elems.push((i.ident.clone(), e));
                *p = syn::parse_quote!(_);
            }
            syn::Pat::Wild(_) | syn::Pat::Rest(_) => {}
            _ => return None,
        }
    }
    Some((syn::Pat::Slice(wild), elems))
}

/// A branch value after `settle`.
enum Settled {
    Unit,
    Val(Operand, Kind),
}

/// Whether an `if` has a `return` in one of its branches (not inside closures).
fn contains_return_if(ei: &syn::ExprIf) -> bool {
    ei.then_branch.stmts.iter().any(stmt_contains_return)
        || ei
            .else_branch
            .as_ref()
            .is_some_and(|(_, e)| expr_contains_return(e))
}

fn stmt_contains_return(s: &syn::Stmt) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_stmt(&mut f, s);
    f.0
}

/// Whether `e` is the literal `true`.
pub(super) fn is_true(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }) if b.value)
}

/// The first `return` inside an expression (not inside closures).
pub(crate) fn find_return(e: &syn::Expr) -> Option<syn::ExprReturn> {
    struct Finder(Option<syn::ExprReturn>);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
            if self.0.is_none() {
                self.0 = Some(r.clone());
            }
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Finder(None);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

pub fn expr_contains_return(e: &syn::Expr) -> bool {
    stmt_contains_return(&syn::Stmt::Expr(e.clone(), None))
}

/// `a.partial_cmp(&b)` or `a.total_cmp(&b)` of floats: `a`, the method and `b`.
fn ordering_parts(e: &syn::Expr) -> Option<(&syn::Expr, &Ident, &syn::Expr)> {
    match e {
        syn::Expr::Paren(p) => ordering_parts(&p.expr),
        syn::Expr::MethodCall(m)
            if m.args.len() == 1 && (m.method == "partial_cmp" || m.method == "total_cmp") =>
        {
            let b = match &m.args[0] {
                syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
                _ => return None,
            };
            Some((&m.receiver, &m.method, b))
        }
        _ => None,
    }
}

/// `a.partial_cmp(&b)`, `a.total_cmp(&b)`, `a.cmp(&b)` (in parentheses too).
fn is_ordering(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Paren(p) => is_ordering(&p.expr),
        syn::Expr::MethodCall(m) => {
            m.args.len() == 1
                && ["partial_cmp", "total_cmp", "cmp"]
                    .iter()
                    .any(|n| m.method == n)
        }
        _ => false,
    }
}

/// A call given a differentiated value, taken for a `#[gradient]` function's, whose value is
/// dropped: it is made for an effect (`cell.set(c.get() * x)`, `store(&log, x)`) that the
/// derivative cannot follow and that dropping the unused value would lose.
const DROPPED_CALL: &str = "this call is given a differentiated value and its value is dropped, so it is made for an effect (a `Cell` it sets, a value it stores or prints) that `#[gradient]` cannot follow, and the derivative would be lost: keep the value in a local (`let mut r = 1.0; r *= x;`), or use the call's value (`let y = f(x);`)";

/// `vec![a, b, c]` (not `vec![x; n]`) as the array `[a, b, c]`.
pub fn vec_list(e: &syn::Expr) -> Option<syn::ExprArray> {
    let syn::Expr::Macro(m) = e else { return None };
    if !m.mac.path.is_ident("vec") || m.mac.tokens.is_empty() {
        return None;
    }
    let tokens = &m.mac.tokens;
    syn::parse2::<syn::ExprArray>(quote!([#tokens])).ok()
}

/// The kind of a constant parameter of a primitive type: an integer, a `bool`, or anything else.
pub fn primitive_kind(ty: &syn::Type) -> Kind {
    const INTS: [&str; 12] = [
        "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
    ];
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => match p.path.get_ident() {
            Some(i) if INTS.iter().any(|n| i == n) => Kind::Int,
            Some(i) if i == "bool" => Kind::Bool,
            _ => Kind::Other,
        },
        _ => Kind::Other,
    }
}

/// The error for a push into a vector the desugaring could not make a buffer of.
fn push_message(id: &Ident, push: &syn::ExprMethodCall) -> String {
    // (A struct pushed: a list of structs, which a `map` or `vec![..; n]` makes.)
    if let Some(syn::Expr::Struct(lit)) = push.args.first().map(crate::desugar::unparen) {
        let ty = crate::naming::snippet(&lit.path);
        return format!("`#[gradient]` follows a `Vec` of structs grown by `push` when each field it reads is a float and the pushes are bounded (as into a `Vec` of floats); `{id}.push({ty} {{ .. }})` is not followed here (a field of arrays, or a push in a `loop`, a closure or a second loop): make the list at once, `let mut {id}: Vec<{ty}> = (0..n).map(|i| {ty} {{ .. }}).collect();`, or `vec![{ty} {{ .. }}; n]` then written by index (`{id}[i].pos = [..];`)");
    }
    format!("`#[gradient]` follows `{id}.push(..)` into a `Vec::new()` of floats when it can bound how many pushes run before the first: pushes as statements of the block `{id}` is declared in, or inside one `for` loop over a range or a slice or one `while` loop without `break` (whose trips it counts first), or one `if` or `match` (in its branches and arms, in nested `for` loops whose length the outer loop does not change), with `{id}` read whole only after them or by `{id}.len()`, `{id}.iter()`, `&{id}`, `{id}[i]`; this push is not one of those (in a `loop`, a `while` that breaks or reads `{id}`, a closure, a second loop, a loop whose length changes inside it): declare a buffer of a fixed length (`let mut {id} = vec![0.0; n];`) and write `{id}[i] = ..`")
}

/// An item of the body as the generated functions declare it again: one whose uses the rewrites
/// removed there (a struct whose fields became locals) is no warning in the user's crate.
fn quiet_item(item: &syn::Item) -> syn::Item {
    let mut item = item.clone();
    let (attrs, lint): (Option<&mut Vec<syn::Attribute>>, TokenStream) = match &mut item {
        syn::Item::Struct(i) => (Some(&mut i.attrs), quote!(dead_code)),
        syn::Item::Enum(i) => (Some(&mut i.attrs), quote!(dead_code)),
        syn::Item::Union(i) => (Some(&mut i.attrs), quote!(dead_code)),
        syn::Item::Fn(i) => (Some(&mut i.attrs), quote!(dead_code)),
        syn::Item::Const(i) => (Some(&mut i.attrs), quote!(dead_code)),
        syn::Item::Static(i) => (Some(&mut i.attrs), quote!(dead_code)),
        syn::Item::Type(i) => (Some(&mut i.attrs), quote!(dead_code)),
        syn::Item::Use(i) => (Some(&mut i.attrs), quote!(unused_imports)),
        _ => (None, TokenStream::new()),
    };
    if let Some(attrs) = attrs {
        attrs.push(syn::parse_quote!(#[allow(#lint)]));
    }
    item
}

/// The names a pattern binds by a field's shorthand (`P::C { za, Zb }`).
fn shorthand_fields(p: &syn::Pat) -> Vec<Ident> {
    struct F(Vec<Ident>);
    impl<'a> syn::visit::Visit<'a> for F {
        fn visit_field_pat(&mut self, f: &'a syn::FieldPat) {
            if f.colon_token.is_none() {
                if let syn::Member::Named(n) = &f.member {
                    self.0.push(n.clone());
                }
            }
            syn::visit::visit_field_pat(self, f);
        }
    }
    let mut f = F(Vec::new());
    syn::visit::Visit::visit_pat(&mut f, p);
    f.0
}

/// A type made of std's containers, integers, `bool`, `char` and floats only (`Vec<usize>`,
/// `Vec<Vec<f64>>`, `HashMap<usize, Vec<f64>>`): what it holds its name tells (a struct of the
/// user's may hold differentiated floats under any name).
fn std_data_type(ty: &syn::Type) -> bool {
    // (With the scalar types that are data anywhere, `derive::DATA_TYPES`.)
    const NAMES: &[&str] = &[
        "Vec",
        "VecDeque",
        "HashMap",
        "HashSet",
        "BTreeMap",
        "BTreeSet",
        "Option",
        "f64",
        "f32",
        "std",
        "collections",
        "alloc",
        "vec",
    ];
    let generic = crate::sig::generic_float();
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.iter().all(|s| {
            let name = s.ident.to_string();
            (NAMES.contains(&name.as_str())
                || crate::derive::DATA_TYPES.contains(&name.as_str())
                || generic.is_some_and(|g| name == g.name()))
                && match &s.arguments {
                    syn::PathArguments::None => true,
                    syn::PathArguments::AngleBracketed(a) => a.args.iter().all(|a| match a {
                        syn::GenericArgument::Type(t) => std_data_type(t),
                        _ => false,
                    }),
                    syn::PathArguments::Parenthesized(_) => false,
                }
        }),
        syn::Type::Array(a) => std_data_type(&a.elem),
        syn::Type::Slice(s) => std_data_type(&s.elem),
        syn::Type::Reference(r) => std_data_type(&r.elem),
        syn::Type::Tuple(t) => t.elems.iter().all(std_data_type),
        syn::Type::Paren(p) => std_data_type(&p.elem),
        _ => false,
    }
}

/// Whether `e` assigns to a name (`a = ..`, `a += ..`) anywhere in it.
fn assigns(e: &syn::Expr) -> bool {
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_expr_assign(&mut self, _: &'a syn::ExprAssign) {
            self.0 = true;
        }
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            self.0 |= is_compound_assign(&b.op);
            syn::visit::visit_expr_binary(self, b);
        }
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

/// `&mut T`: a parameter the body may change through.
fn mut_reference(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Reference(r) if r.mutability.is_some())
}

/// The construct an expression is, as an error names it (`the method `.len(..)``, `the cast `as
/// usize``); "this expression" for one without a name of its own.
pub(crate) fn construct_name(what: &TokenStream) -> String {
    let Ok(e) = syn::parse2::<syn::Expr>(what.clone()) else {
        return "this expression".to_string();
    };
    let compact = |t: &dyn ToTokens| t.to_token_stream().to_string().replace(' ', "");
    match crate::desugar::unparen(&e) {
        syn::Expr::MethodCall(m) => format!("the method `.{}(..)`", m.method),
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p)
                if !p
                    .path
                    .segments
                    .iter()
                    .any(|s| s.ident.to_string().starts_with("__grad")) =>
            {
                format!("the call `{}(..)`", compact(&p.path))
            }
            _ => "this call".to_string(),
        },
        syn::Expr::Cast(c) => format!("the cast `as {}`", compact(&c.ty)),
        syn::Expr::Macro(m) => format!("the macro `{}!`", compact(&m.mac.path)),
        syn::Expr::Field(f) => format!("the field `.{}`", compact(&f.member)),
        syn::Expr::Index(_) => "this indexing `[..]`".to_string(),
        syn::Expr::Binary(b) => format!("the operator `{}`", compact(&b.op)),
        syn::Expr::Unary(u) => format!("the operator `{}`", compact(&u.op)),
        syn::Expr::Range(_) => "this range".to_string(),
        syn::Expr::Tuple(_) => "this tuple".to_string(),
        syn::Expr::Array(_) | syn::Expr::Repeat(_) => "this array".to_string(),
        syn::Expr::Struct(s) => format!("the struct literal `{} {{ .. }}`", compact(&s.path)),
        syn::Expr::If(_) => "this `if`".to_string(),
        syn::Expr::Match(_) => "this `match`".to_string(),
        syn::Expr::Reference(_) => "this reference `&..`".to_string(),
        syn::Expr::Closure(_) => "this closure".to_string(),
        _ => "this expression".to_string(),
    }
}
