//! Lowering of expressions.

use super::env::Binding;
use super::{Lowerer, Value};
use crate::ir::{Kind, Operand};
use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{BinOp, Expr};

/// Float constants of `std`/`core` that may be named by path.
const FLOAT_CONSTS: &[&str] = &[
    "EPSILON",
    "MAX",
    "MIN",
    "MIN_POSITIVE",
    "INFINITY",
    "NEG_INFINITY",
    "NAN",
];

#[derive(Clone, Copy)]
enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl Arith {
    fn of(op: &BinOp) -> Option<Arith> {
        Some(match op {
            BinOp::Add(_) | BinOp::AddAssign(_) => Arith::Add,
            BinOp::Sub(_) | BinOp::SubAssign(_) => Arith::Sub,
            BinOp::Mul(_) | BinOp::MulAssign(_) => Arith::Mul,
            BinOp::Div(_) | BinOp::DivAssign(_) => Arith::Div,
            BinOp::Rem(_) | BinOp::RemAssign(_) => Arith::Rem,
            _ => return None,
        })
    }

    fn tokens(self) -> TokenStream {
        match self {
            Arith::Add => quote!(+),
            Arith::Sub => quote!(-),
            Arith::Mul => quote!(*),
            Arith::Div => quote!(/),
            Arith::Rem => quote!(%),
        }
    }
}

/// A comparison or a logical operator: its value is a `bool`, never differentiated.
/// Whether evaluating `e` changes a local of the function: an assignment (also compound, `x +=
/// ..`) or a `&mut` borrow anywhere in it, closures included, of a name `e` does not bind itself
/// (a closure's state, `|st, &v| { *st += v; .. }`, is its own).
pub fn changes_locals(e: &Expr) -> bool {
    struct Find(Vec<String>);
    impl<'a> syn::visit::Visit<'a> for Find {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            self.0.push(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    struct Change<'n>(&'n [String], bool);
    impl<'a> syn::visit::Visit<'a> for Change<'_> {
        fn visit_expr(&mut self, e: &'a Expr) {
            let place = match e {
                Expr::Assign(a) => Some(&*a.left),
                Expr::Reference(r) if r.mutability.is_some() => Some(&*r.expr),
                Expr::Binary(b) if is_compound_assign(&b.op) => Some(&*b.left),
                _ => None,
            };
            if let Some(place) = place {
                let own = matches!(super::opaque::root_of_place(place), Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.0.iter().any(|n| i == n)));
                self.1 |= !own;
            }
            syn::visit::visit_expr(self, e);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut bound = Find(Vec::new());
    syn::visit::Visit::visit_expr(&mut bound, e);
    let mut f = Change(&bound.0, false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.1
}

pub fn yields_bool(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq(_)
            | BinOp::Ne(_)
            | BinOp::Lt(_)
            | BinOp::Le(_)
            | BinOp::Gt(_)
            | BinOp::Ge(_)
            | BinOp::And(_)
            | BinOp::Or(_)
    )
}

/// `+=`, `-=` and the other operators that assign.
pub fn is_compound_assign(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::AddAssign(_)
            | BinOp::SubAssign(_)
            | BinOp::MulAssign(_)
            | BinOp::DivAssign(_)
            | BinOp::RemAssign(_)
            | BinOp::BitXorAssign(_)
            | BinOp::BitAndAssign(_)
            | BinOp::BitOrAssign(_)
            | BinOp::ShlAssign(_)
            | BinOp::ShrAssign(_)
    )
}

impl Lowerer<'_> {
    pub fn lower_expr(&mut self, e: &Expr) -> Option<Value> {
        if self.data_local_lent(e) {
            let (tokens, uses) = self.rename(e);
            return Some(Value::Other {
                tokens,
                uses,
                kind: Kind::Other,
            });
        }
        match e {
            Expr::Lit(l) => self.lower_lit(&l.lit),
            Expr::Path(p) => self.lower_path(p),
            Expr::Paren(p) => self.lower_expr(&p.expr),
            Expr::Group(g) => self.lower_expr(&g.expr),
            Expr::Unary(u) => self.lower_unary(u),
            Expr::Binary(b) => self.lower_binary(b),
            Expr::Assign(a) => {
                if let Some(copy) = self.buffer_assign(a) {
                    return self.lower_expr(&copy);
                }
                let v = match self.default_of(&a.left, &a.right) {
                    Some(v) => v,
                    None => self.lower_expr(&a.right)?,
                };
                self.assign_to(&a.left, v)?;
                Some(Value::Unit)
            }
            Expr::MethodCall(m) => self.lower_method_call(m),
            Expr::Call(c) => self.lower_call(c),
            Expr::Cast(c) => self.lower_cast(c),
            Expr::If(ei) => {
                if super::expr_contains_return(e) {
                    self.check_no_return(e)?;
                }
                self.lower_if(ei)
            }
            Expr::Block(b) => {
                if let Some(label) = &b.label {
                    self.errors.push_spanned(
                        label,
                        "labeled blocks are not supported in `#[gradient]` functions",
                    );
                    return None;
                }
                self.check_no_return(e)?;
                self.lower_block_value(&b.block)
            }
            Expr::Reference(r) if r.mutability.is_none() => match self.lower_expr(&r.expr)? {
                Value::Seq(s) => Some(Value::Seq(s)),
                // `&(0..=n)`: the parentheses kept (`&0..=n` is a range of references).
                Value::Other { tokens, uses, kind } => Some(Value::Other {
                    tokens: if matches!(&*r.expr, Expr::Paren(_)) {
                        quote!((&(#tokens)))
                    } else {
                        quote!((&#tokens))
                    },
                    uses,
                    kind,
                }),
                // `let r = &x; .. *r ..`: a shared reference reads the value, which cannot change
                // while it lives, so the engine follows the value itself.
                Value::Float(o) => Some(Value::Float(o)),
                Value::Unit => {
                    self.errors.push_spanned(r, "expected a value here");
                    None
                }
            },
            Expr::Macro(m) => self.lower_macro(&m.mac),
            Expr::Return(r) => {
                self.errors.push_spanned(
                    r,
                    "`return` is supported as a statement (of the body, an `if`, a `match` arm, or a loop that is itself a statement); this one is inside an expression whose value is used (such as `let v = loop { .. }`): assign the value to a variable, `break`, and return it after",
                );
                None
            }
            Expr::Unsafe(u) => {
                self.errors.push_spanned(
                    u.unsafe_token,
                    "`#[gradient]` does not differentiate `unsafe` code: move it out of the function",
                );
                None
            }
            Expr::ForLoop(l) => self.lower_for(l),
            Expr::While(l) => self.lower_while(l),
            Expr::Loop(l) => {
                self.errors.push_spanned(
                    l.loop_token,
                    "`#[gradient]` does not support `loop`: write `while condition { .. }`, or a `for` over a range with `break`",
                );
                None
            }
            Expr::Index(i) => self.lower_index(i),
            Expr::Closure(c) => {
                self.errors.push_spanned(
                    c,
                    "`#[gradient]` inlines a closure defined in the body at its calls, and cannot here (it is passed as a value, has a pattern parameter, or is called after a name it reads was assigned): call it directly, or write a separate `#[gradient]` function; a closure passed to a function is followed when the function is `#[gradient]` and takes it as `F: Fn(..)`, `&F`, `impl Fn(..)` or `&dyn Fn(..)`, and every name the closure reads has a type the macro can see (a parameter, a `let` with its type written or computing a float)",
                );
                None
            }
            Expr::Match(m) => {
                // `desugar` rewrites every `match` it can and reports the arm it cannot.
                if self.errors.is_empty() {
                    self.errors.push_spanned(
                        m.match_token,
                        "`#[gradient]` does not support this `match`: use `if`/`else`",
                    );
                }
                None
            }
            Expr::Break(_) | Expr::Continue(_) => {
                self.errors.push_spanned(
                    e,
                    "`#[gradient]` supports `break` and `continue` as statements of a loop body or of an `if` in it",
                );
                None
            }
            // A part of a tuple-valued call's result, held in a buffer (`desugar::vector_calls`).
            Expr::Field(syn::ExprField {
                base,
                member: syn::Member::Unnamed(k),
                ..
            }) if self.seq_of_expr(base).is_some() => {
                let seq = self.seq_of_expr(base)?;
                let index = k.index as usize;
                let idx = self
                    .b
                    .opaque(Kind::Int, None, quote!(#index), Vec::new(), k.span);
                let dst = self.b.load(seq, idx, e.span());
                Some(Value::Float(Operand::Val(dst)))
            }
            Expr::Field(f) => match self.lower_expr(&f.base)? {
                // A field of constant data (`cfg.l2`, `pair.0`): carried along as written.
                Value::Other { tokens, uses, .. } if self.check_inactive(&uses, f).is_some() => {
                    let member = &f.member;
                    Some(Value::Other {
                        tokens: quote!(#tokens.#member),
                        uses,
                        kind: Kind::Other,
                    })
                }
                Value::Other { .. } => None,
                _ => {
                    self.errors.push_spanned(
                        f,
                        "`#[gradient]` does not differentiate through struct fields: pass the field values as parameters (`fn loss(w: f64, ...)`)",
                    );
                    None
                }
            },
            // A tuple of constants (`(1.5, 2)` of a local table `[(1.5, 2), (0.5, 0)]`): data,
            // like a struct of constants below.
            Expr::Tuple(t) if !t.elems.is_empty() && self.reads_no(e, true) => {
                Some(self.as_data(e))
            }
            // `let r = a..b;` of integers, held for `x[r.clone()]` (see `desugar::held_ranges`)
            // or data (`r.contains(&i)`).
            Expr::Range(r) if r.start.is_some() && r.end.is_some() && self.reads_no(e, false) => {
                Some(self.as_data(e))
            }
            Expr::Tuple(_) => {
                self.errors.push_spanned(
                    e,
                    "`#[gradient]` follows a tuple of floats into the names it is destructured to or the fields read from it, when every value the tuple can take is written as a tuple in the body (`let (a, b) = if c { (x, y) } else { (y, x) };`); here it cannot: bind the parts to names instead",
                );
                None
            }
            // A struct of constants (`Layer { w: [0.5, -1.0], k: 0.75 }`): data, carried along as
            // written (its `#[gradient]` methods called on it, say).
            Expr::Struct(_) if self.reads_no(e, true) => Some(self.as_data(e)),
            // A table of integers (`[[0, 1], [1, 2]]`, the edges of a mesh): data too.
            Expr::Array(_) | Expr::Repeat(_) if integers_only(e) => Some(self.as_data(e)),
            Expr::Array(_) | Expr::Repeat(_) | Expr::Struct(_) => {
                let construct = super::construct_name(&e.to_token_stream());
                self.errors.push_spanned(
                    e,
                    format!("`#[gradient]` follows arrays and structs of floats bound to local names (`let a = [x, y];` read as `a[i]`, `let p = P {{ .. }};` read as `p.f`); {construct} is not read that way here: bind it to a local, or compute its floats where they are used"),
                );
                None
            }
            _ => {
                // (The generic words name the construct too: `the reference `&..``.)
                let kind = expr_kind(e);
                let construct = super::construct_name(&e.to_token_stream());
                let what = match kind.strip_prefix("this expression") {
                    Some(rest) if construct != "this expression" => format!("{construct}{rest}"),
                    _ => kind.to_string(),
                };
                self.errors
                    .push_spanned(e, format!("`#[gradient]` cannot differentiate {what}"));
                None
            }
        }
    }

    /// Whether `e` reads no differentiated sequence and no differentiated value (`active`) or no
    /// float at all (`!active`): then it is data, carried along as written ([`Self::as_data`]).
    pub(super) fn reads_no(&mut self, e: &Expr, active: bool) -> bool {
        let (_, uses) = self.rename(e);
        !self.mentions_seq(e)
            && !uses.iter().any(|v| {
                if active {
                    self.b.func.is_active(crate::ir::Operand::Val(*v))
                } else {
                    self.b.func.info(*v).kind == Kind::Float
                }
            })
    }

    /// `e` as data of a type the engine does not follow.
    fn as_data(&mut self, e: &Expr) -> Value {
        let (tokens, uses) = self.rename(e);
        Value::Other {
            tokens,
            uses,
            kind: Kind::Other,
        }
    }

    fn lower_lit(&mut self, lit: &syn::Lit) -> Option<Value> {
        let float = |s: &str| match s {
            "f64" => Some(crate::ir::FloatTy::F64),
            "f32" => Some(crate::ir::FloatTy::F32),
            _ => None,
        };
        let as_const = |this: &mut Self, v: f64, suffix: &str| {
            if float(suffix).is_some_and(|t| t != this.float_ty) {
                // `2.0f64` in an `f32` function: carried along, so `2.0f64 as f32` works and any
                // other use is rustc's type error at the literal.
                return Some(Value::Other {
                    tokens: lit.to_token_stream(),
                    uses: Vec::new(),
                    kind: Kind::Other,
                });
            }
            Some(Value::Float(Operand::Const(this.float_ty.round(v))))
        };
        match lit {
            syn::Lit::Float(f) => {
                let v = f.base10_parse::<f64>().ok()?;
                as_const(self, v, f.suffix())
            }
            syn::Lit::Int(i) if float(i.suffix()).is_some() => {
                let v = i.base10_parse::<f64>().ok()?;
                as_const(self, v, i.suffix())
            }
            syn::Lit::Int(_) => Some(Value::Other {
                tokens: lit.to_token_stream(),
                uses: Vec::new(),
                kind: Kind::Int,
            }),
            syn::Lit::Bool(_) => Some(Value::Other {
                tokens: lit.to_token_stream(),
                uses: Vec::new(),
                kind: Kind::Bool,
            }),
            _ => Some(Value::Other {
                tokens: lit.to_token_stream(),
                uses: Vec::new(),
                kind: Kind::Other,
            }),
        }
    }

    fn lower_path(&mut self, p: &syn::ExprPath) -> Option<Value> {
        let path = &p.path;
        if p.qself.is_none() && path.leading_colon.is_none() && path.segments.len() == 1 {
            let ident = &path.segments[0].ident;
            match self.env.lookup(ident) {
                Some(Binding::Val(v)) => {
                    let info = self.b.func.info(v);
                    return Some(if info.kind == Kind::Float {
                        Value::Float(Operand::Val(v))
                    } else {
                        Value::Other {
                            tokens: self.ident_of(v, ident.span()).into_token_stream(),
                            uses: vec![v],
                            kind: info.kind,
                        }
                    });
                }
                Some(Binding::Seq(s)) => return Some(Value::Seq(s)),
                Some(Binding::Uninit) => {
                    self.errors.push(
                        ident.span(),
                        format!("`{ident}` is used before it is assigned"),
                    );
                    return None;
                }
                Some(Binding::Poisoned) => return None,
                None => {}
            }
        }
        if self.is_float_const_path(path) && self.const_path_type(path) == Some(self.float_ty) {
            let ty = self.ty.clone();
            let v = self.b.opaque(
                Kind::Float,
                Some(ty),
                p.to_token_stream(),
                Vec::new(),
                p.span(),
            );
            return Some(Value::Float(Operand::Val(v)));
        }
        // A constant or static from outside the function: carried along as written.
        Some(Value::Other {
            tokens: p.to_token_stream(),
            uses: Vec::new(),
            kind: Kind::Other,
        })
    }

    /// The float type a constant path names (`f64` in `std::f64::consts::PI`).
    fn const_path_type(&self, path: &syn::Path) -> Option<crate::ir::FloatTy> {
        path.segments.iter().find_map(|s| {
            if s.ident == "f64" {
                Some(crate::ir::FloatTy::F64)
            } else if s.ident == "f32" {
                Some(crate::ir::FloatTy::F32)
            } else {
                None
            }
        })
    }

    /// `std::f64::consts::PI`, `f64::consts::E`, `core::f64::consts::LN_2`, `f64::EPSILON`, ...
    fn is_float_const_path(&self, path: &syn::Path) -> bool {
        let segs: Vec<String> = crate::naming::segments(path);
        let segs: Vec<&str> = segs.iter().map(|s| s.as_str()).collect();
        let rest = match segs.as_slice() {
            ["std" | "core", rest @ ..] => rest,
            rest => rest,
        };
        match rest {
            ["f64" | "f32", "consts", _] => true,
            ["f64" | "f32", c] => FLOAT_CONSTS.contains(c),
            _ => false,
        }
    }

    fn lower_unary(&mut self, u: &syn::ExprUnary) -> Option<Value> {
        let inner = self.lower_expr(&u.expr)?;
        match (&u.op, inner) {
            (syn::UnOp::Neg(_), Value::Float(o)) => Some(Value::Float(self.b.neg(o, u.span()))),
            (syn::UnOp::Deref(_), Value::Float(o)) => Some(Value::Float(o)),
            // `*r` of an array taken by reference (`cross(*r, f)`): the same elements.
            (syn::UnOp::Deref(_), Value::Seq(s)) => Some(Value::Seq(s)),
            (op, Value::Other { tokens, uses, kind }) => Some(Value::Other {
                tokens: quote!((#op #tokens)),
                uses,
                kind,
            }),
            _ => {
                self.errors.push_spanned(u, "unsupported unary operation");
                None
            }
        }
    }

    fn lower_binary(&mut self, b: &syn::ExprBinary) -> Option<Value> {
        if is_compound_assign(&b.op) {
            // On primitive operands `place op= value` runs `value` first, then reads the place
            // (and its index): `s += { s *= 2.0; s * x }` adds to the doubled `s`.
            let rhs = self.lower_expr(&b.right)?;
            let current = self.lower_expr(&b.left)?;
            let new = match (Arith::of(&b.op), &current) {
                (Some(op), _) => self.arith(op, current, rhs, b.span())?,
                (None, Value::Other { .. }) => {
                    let (lt, mut uses) = self.other_tokens(current, b.left.span())?;
                    let (rt, ru) = self.other_tokens(rhs, b.right.span())?;
                    uses.extend(ru);
                    let op = compound_to_plain(&b.op);
                    Value::Other {
                        tokens: quote!((#lt #op #rt)),
                        uses,
                        kind: Kind::Int,
                    }
                }
                (None, _) => {
                    self.errors.push_spanned(
                        b.op,
                        "this operator is not supported on floats by `#[gradient]`",
                    );
                    return None;
                }
            };
            self.assign_to(&b.left, new)?;
            return Some(Value::Unit);
        }
        if let Some(op) = Arith::of(&b.op) {
            let l = self.lower_expr(&b.left);
            let r = self.lower_expr(&b.right);
            return self.arith(op, l?, r?, b.span());
        }
        match &b.op {
            op if yields_bool(op) => {
                self.check_no_return(&Expr::Binary(b.clone()))?;
                // A comparison kept as written would not run what its operands change (`{ r =
                // x * x; r } > 1.0`, `set(&mut r, x) != 0.0`): both operands always run, so they
                // are lowered in order and compared; `&&`/`||` run their right side only
                // sometimes, which a derivative cannot follow.
                if changes_locals(&b.left) || changes_locals(&b.right) {
                    if matches!(op, BinOp::And(_) | BinOp::Or(_)) {
                        self.errors.push_spanned(
                            b,
                            "an operand of this `&&`/`||` changes a local (an assignment, a `&mut` borrow), and runs or not depending on the other: `#[gradient]` cannot follow such a change; make it a statement before the condition",
                        );
                        return None;
                    }
                    let l = self.lower_expr(&b.left)?;
                    let r = self.lower_expr(&b.right)?;
                    let (lt, mut uses) = self.other_tokens(l, b.span())?;
                    let (rt, ru) = self.other_tokens(r, b.span())?;
                    uses.extend(ru);
                    return Some(Value::Other {
                        tokens: quote!((#lt #op #rt)),
                        uses,
                        kind: Kind::Bool,
                    });
                }
                let (tokens, uses) = self.rename(&Expr::Binary(b.clone()));
                Some(Value::Other {
                    tokens: quote!((#tokens)),
                    uses,
                    kind: Kind::Bool,
                })
            }
            op => {
                let l = self.lower_expr(&b.left)?;
                let r = self.lower_expr(&b.right)?;
                self.other_binary(op, l, r, b.span())
            }
        }
    }

    fn other_binary(&mut self, op: &BinOp, l: Value, r: Value, span: Span) -> Option<Value> {
        let kind = match (&l, &r) {
            (
                Value::Other {
                    kind: Kind::Int, ..
                },
                _,
            )
            | (
                _,
                Value::Other {
                    kind: Kind::Int, ..
                },
            ) => Kind::Int,
            _ => Kind::Other,
        };
        let (lt, mut uses) = self.other_tokens(l, span)?;
        let (rt, ru) = self.other_tokens(r, span)?;
        uses.extend(ru);
        Some(Value::Other {
            tokens: quote!((#lt #op #rt)),
            uses,
            kind,
        })
    }

    /// `+ - * /` on floats becomes a primitive; on anything else it is carried along.
    fn arith(&mut self, op: Arith, l: Value, r: Value, span: Span) -> Option<Value> {
        let float = matches!(l, Value::Float(_)) || matches!(r, Value::Float(_));
        if !float {
            let kind = match (&l, &r) {
                (
                    Value::Other {
                        kind: Kind::Int, ..
                    },
                    _,
                )
                | (
                    _,
                    Value::Other {
                        kind: Kind::Int, ..
                    },
                ) => Kind::Int,
                _ => Kind::Other,
            };
            let (lt, mut uses) = self.other_tokens(l, span)?;
            let (rt, ru) = self.other_tokens(r, span)?;
            uses.extend(ru);
            let opt = op.tokens();
            return Some(Value::Other {
                tokens: quote!((#lt #opt #rt)),
                uses,
                kind,
            });
        }
        let a = self.to_float(l, span)?;
        let c = self.to_float(r, span)?;
        Some(Value::Float(match op {
            Arith::Add => self.b.add(a, c, span),
            Arith::Sub => self.b.sub(a, c, span),
            Arith::Mul => self.b.mul(a, c, span),
            Arith::Div => self.b.div(a, c, span),
            Arith::Rem => self.b.prim(crate::rules::Prim::Rem, vec![a, c], span),
        }))
    }

    /// Tokens for a value used inside a carried-along expression.
    pub fn other_tokens(
        &mut self,
        v: Value,
        span: Span,
    ) -> Option<(TokenStream, Vec<crate::ir::ValId>)> {
        match v {
            Value::Other { tokens, uses, .. } => Some((tokens, uses)),
            Value::Float(o) => Some((self.operand_tokens(o, span), o.val().into_iter().collect())),
            Value::Seq(s) => Some((self.seq_ident(s, span).into_token_stream(), Vec::new())),
            Value::Unit => {
                self.errors.push(span, "expected a value here");
                None
            }
        }
    }

    /// Input: `h = h_new;` (or `h = h_new.clone()`, `h = h_new.to_vec()`) where both are local
    /// buffers. Output: the copy `h.copy_from_slice(&h_new)` makes, element by element, after a
    /// check that the lengths agree (a buffer that changes length is not followed).
    /// Gives the buffer `to` the length of `from` before `from` is copied in: a `Vec` takes the
    /// new length (`h = next` between layers of different widths); an array keeps its own.
    fn fit(&self, to: &syn::Ident, from: &syn::Ident, what: &str) -> proc_macro2::TokenStream {
        let is_array =
            matches!(self.env.lookup(to), Some(Binding::Seq(s)) if self.arrays.contains(&s));
        if is_array {
            let msg = what
                .replace("{to}", &to.to_string())
                .replace("{from}", &from.to_string());
            return quote::quote!(::core::assert!(#to.len() == #from.len(), #msg););
        }
        quote::quote!(#to.resize(#from.len(), 0.0);)
    }

    fn buffer_assign(&self, a: &syn::ExprAssign) -> Option<Expr> {
        // A buffer, or a copy of a buffer or of a parameter's slice (`x.to_vec()`).
        let buffer = |e: &Expr| -> Option<syn::Ident> {
            let (e, copy) = match e {
                Expr::MethodCall(m)
                    if m.args.is_empty()
                        && (m.method == "clone"
                            || m.method == "to_vec"
                            || m.method == "to_owned") =>
                {
                    (&*m.receiver, true)
                }
                e => (e, false),
            };
            let Expr::Path(p) = e else { return None };
            let id = p.path.get_ident()?;
            matches!(self.env.lookup(id), Some(Binding::Seq(s)) if copy || self.b.func.seq(s).buffer)
                .then(|| id.clone())
        };
        let to = buffer(&a.left)?;
        let k = crate::naming::fresh("k");
        if matches!(&*a.right, Expr::Macro(m) if m.mac.path.is_ident("vec")) {
            // `h = vec![c; n];`, `h = vec![a, b];`: a new buffer, copied in.
            let new = crate::naming::fresh("new");
            let right = &a.right;
            let fit = self.fit(&to, &new, "");
            return Some(syn::parse_quote!({
                let #new = #right;
                #fit
                for #k in 0..#to.len() {
                    #to[#k] = #new[#k];
                }
            }));
        }
        if crate::desugar::is_vector_call_candidate(&a.right) {
            // `h = layer.forward(&h);`: the new contents from a vector-valued `#[gradient]`
            // call, copied in (into a buffer of one length).
            let new = crate::naming::fresh("new");
            let marker = crate::desugar::vector_call_marker();
            let right = &a.right;
            let fit = self.fit(&to, &new, "`{to} = ..` with a result of another length");
            return Some(syn::parse_quote!({
                #[#marker]
                let #new = #right;
                #fit
                for #k in 0..#to.len() {
                    #to[#k] = #new[#k];
                }
            }));
        }
        let from = buffer(&a.right)?;
        let fit = self.fit(
            &to,
            &from,
            "`{to} = {from}` between arrays of different lengths",
        );
        Some(syn::parse_quote!({
            #fit
            for #k in 0..#to.len() {
                #to[#k] = #from[#k];
            }
        }))
    }

    /// `Default::default()` (`mem::take` puts it, see `desugar::normal::mem_replace`) assigned
    /// to `left`, whose type says what it is: `0.0` for a float local or an element of a
    /// buffer, the default of the type of the value it replaces for a count or a `bool`. `None`
    /// for another value or place.
    fn default_of(&mut self, left: &Expr, right: &Expr) -> Option<Value> {
        let Expr::Call(c) = right else { return None };
        let Expr::Path(p) = &*c.func else { return None };
        let segs = crate::naming::segments(&p.path);
        let by_trait = matches!(
            segs.iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice(),
            ["Default", "default"] | ["std" | "core", "default", "Default", "default"]
        );
        if !c.args.is_empty() || !by_trait {
            return None;
        }
        let zero = Value::Float(Operand::Const(0.0));
        match left {
            Expr::Index(ix) => self
                .seq_of_base(&ix.expr)
                .filter(|s| self.b.func.seq(*s).buffer)
                .map(|_| zero),
            Expr::Path(path) => match self.env.lookup(path.path.get_ident()?) {
                Some(Binding::Val(v)) => match self.b.func.info(v).kind {
                    Kind::Float => Some(zero),
                    // (Typed by the value it replaces: `Default::default()` alone could be of
                    // any integer type.)
                    kind @ (Kind::Int | Kind::Bool) => {
                        let (old, uses) = self.rename(left);
                        let t = crate::naming::fresh("default");
                        Some(Value::Other {
                            tokens: quote!({
                                let mut #t = #old;
                                #t = ::core::default::Default::default();
                                #t
                            }),
                            uses,
                            kind,
                        })
                    }
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }

    /// `name = value` (also the second half of `name += value`).
    fn assign_to(&mut self, left: &Expr, value: Value) -> Option<()> {
        if let Expr::Index(ix) = left {
            return self.store(ix, value);
        }
        let ident = match left {
            Expr::Path(p) if p.path.get_ident().is_some() => p.path.get_ident().unwrap().clone(),
            Expr::Paren(p) => return self.assign_to(&p.expr, value),
            other => {
                let construct = super::construct_name(&other.to_token_stream());
                self.errors.push_spanned(
                    other,
                    format!("`#[gradient]` assigns to local names, elements of local buffers (`z[i] = ..`) and fields of local values; not to {construct}: compute the value into a local and write it there"),
                );
                return None;
            }
        };
        let span = left.span();
        let binding = match self.env.lookup(&ident) {
            Some(Binding::Val(v)) if self.b.func.info(v).kind == Kind::Float => {
                let o = self.to_float(value, span)?;
                self.bind_float(o, span)
            }
            Some(Binding::Val(_)) | Some(Binding::Uninit) | Some(Binding::Poisoned) => {
                self.bind(value, None, span)?
            }
            Some(Binding::Seq(_)) => {
                self.errors.push(
                    span,
                    format!("`{ident} = ..` replaces a whole sequence, which `#[gradient]` does not follow yet: it follows buffers of a fixed length, written element by element; bind a new name (`let {ident}2 = ..;`), or copy into the buffer when the lengths agree (`{ident}.copy_from_slice(&..)`)"),
                );
                return None;
            }
            None => {
                self.errors.push(
                    span,
                    format!("`{ident}` is not a local variable: `#[gradient]` functions cannot assign to globals"),
                );
                return None;
            }
        };
        self.env.assign(&ident, binding);
        Some(())
    }
}

fn compound_to_plain(op: &BinOp) -> TokenStream {
    match op {
        BinOp::BitXorAssign(_) => quote!(^),
        BinOp::BitAndAssign(_) => quote!(&),
        BinOp::BitOrAssign(_) => quote!(|),
        BinOp::ShlAssign(_) => quote!(<<),
        BinOp::ShrAssign(_) => quote!(>>),
        _ => quote!(+),
    }
}

/// What an expression the lowering refuses is, and how to write it instead, for its message.
fn expr_kind(e: &Expr) -> &'static str {
    match e {
        Expr::Closure(_) => "a closure used as a value here: define it with `let f = |x: f64| ..;` and call it by name (`f(x)`), or compute inline",
        Expr::Range(_) => "a range used as a value: iterate over it (`for i in a..b`) or reduce it (`(a..b).map(..).sum::<f64>()`)",
        Expr::Try(_) => "the `?` operator: differentiated code has no error path; unwrap constant data before, or return early with `if`",
        Expr::Async(_) | Expr::Await(_) => "`async` code",
        Expr::TryBlock(_) => "a `try` block",
        Expr::Yield(_) => "`yield`",
        Expr::Let(_) => "a `let` expression here: use `if let` or `let .. else` as a statement on constant data",
        Expr::RawAddr(_) => "a raw pointer",
        Expr::Assign(_) => "an assignment used as a value: write it as a statement (`y = ..;`)",
        Expr::Const(_) => "a `const` block: declare a `const` item",
        Expr::Infer(_) => "`_` as a value",
        Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) => {
            "a loop used as a value here: bind its result with `let v = loop { .. break x; };`"
        }
        Expr::Reference(r)
            if r.mutability.is_some()
                && !matches!(
                    &*r.expr,
                    Expr::Path(_) | Expr::Field(_) | Expr::Index(_) | Expr::Unary(_)
                ) =>
        {
            "`&mut` of a temporary (`&mut x.clone()`, `&mut (a * b)`, `&mut { x }`): what is written through it is lost; lend a local (`let mut t = x; f(&mut t)`), a parameter or an element (`&mut buf[i]`)"
        }
        _ => "this expression: write the computation with float arithmetic, the float methods, locals, loops and calls of `#[gradient]` functions (see the README, \"What a body may contain\")",
    }
}

/// Whether `e` is an array of integer literals, to any depth (`[[0, 1], [1, 2]]`, `[0usize; 3]`,
/// `[-1, 1]`): data, which no float can be read from.
fn integers_only(e: &Expr) -> bool {
    match e {
        Expr::Paren(p) => integers_only(&p.expr),
        Expr::Lit(l) => matches!(&l.lit, syn::Lit::Int(i) if !i.suffix().starts_with('f')),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => integers_only(&u.expr),
        Expr::Array(a) => !a.elems.is_empty() && a.elems.iter().all(integers_only),
        Expr::Repeat(r) => integers_only(&r.expr),
        _ => false,
    }
}
