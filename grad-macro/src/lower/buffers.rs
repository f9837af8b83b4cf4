//! Local buffers: `let mut z = vec![0.0; n];` or `[0.0; N]`, written (`z[i] = ..`, `z[i] += ..`) and
//! read (`z[i]`) by index. Each store is an effect on memory; the reverse sweep keeps an adjoint
//! buffer beside it (see `reverse`).

use super::env::Binding;
use super::{Lowerer, Value};
use crate::ir::{BufLen, Kind, Operand, SeqId, SeqInfo, Stmt};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::Expr;

/// `init; len` inside `vec![..]` or `[..]`.
pub struct BufInit {
    pub init: Expr,
    pub len: Expr,
    pub array: bool,
}

struct RepeatBody(Expr, Expr);

/// `vec![0usize; n]`, `[0; 3]`, `[false; n]`'s value: an integer literal is never a float in
/// Rust, so these hold data (counts, masks), not floats.
pub fn data_repeat(init: &Expr) -> bool {
    match init {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Int(i) => !matches!(i.suffix(), "f64" | "f32"),
            syn::Lit::Bool(_) | syn::Lit::Char(_) | syn::Lit::Str(_) => true,
            _ => false,
        },
        _ => false,
    }
}

/// Whether `e` is `vec![v; n]` or `[v; n]` of such a value, or a list of them.
pub fn data_buffer(e: &Expr) -> bool {
    match e {
        Expr::Macro(m) if m.mac.path.is_ident("vec") => {
            m.mac
                .parse_body::<RepeatBody>()
                .is_ok_and(|RepeatBody(init, _)| data_repeat(&init))
                // `vec![0usize]`, `vec![true, false]`: a list of such values.
                || m.mac
                    .parse_body_with(
                        syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
                    )
                    .is_ok_and(|l| !l.is_empty() && l.iter().all(data_repeat))
        }
        Expr::Repeat(r) => data_repeat(&r.expr),
        Expr::Array(a) => !a.elems.is_empty() && a.elems.iter().all(data_repeat),
        // `Vec::from([0usize])`, `VecDeque::from(vec![0usize])`.
        Expr::Call(c) if c.args.len() == 1 => {
            let Expr::Path(p) = &*c.func else {
                return false;
            };
            let segs = crate::naming::segments(&p.path);
            matches!(&segs[..], [.., t, f] if (t == "Vec" || t == "VecDeque") && f == "from")
                && data_buffer(&c.args[0])
        }
        _ => false,
    }
}

impl Parse for RepeatBody {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let init = input.parse()?;
        input.parse::<syn::Token![;]>()?;
        let len = input.parse()?;
        Ok(RepeatBody(init, len))
    }
}

impl Lowerer<'_> {
    /// `vec![init; len]` or `[init; len]`.
    pub fn buffer_init(&self, e: &Expr) -> Option<BufInit> {
        let data = data_repeat;
        match e {
            Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                let RepeatBody(init, len) = m.mac.parse_body().ok()?;
                if data(&init) {
                    return None;
                }
                Some(BufInit {
                    init,
                    len,
                    array: false,
                })
            }
            Expr::Repeat(r) if data(&r.expr) => None,
            Expr::Repeat(r) => Some(BufInit {
                init: (*r.expr).clone(),
                len: (*r.len).clone(),
                array: true,
            }),
            _ => None,
        }
    }

    /// The buffer, and the differentiated value it starts filled with (`vec![x; n]`), which
    /// [`Self::fill_buffer`] stores once the buffer has its name.
    pub fn lower_buffer(&mut self, buf: BufInit) -> Option<(Binding, Option<Operand>)> {
        let init = self.lower_expr(&buf.init)?;
        let init = self.to_float(init, buf.init.span())?;
        let (init, fill) = if self.b.func.is_active(init) {
            (Operand::Const(0.0), Some(init))
        } else {
            (init, None)
        };
        let len = if buf.array {
            let (tokens, uses) = self.rename(&buf.len);
            self.check_inactive(&uses, &buf.len)?;
            BufLen::Array(tokens)
        } else {
            let v = self.lower_expr(&buf.len)?;
            let (tokens, uses) = self.other_tokens(v, buf.len.span())?;
            self.check_inactive(&uses, &buf.len)?;
            BufLen::Vec(self.b.opaque(Kind::Int, None, tokens, uses, buf.len.span()))
        };
        let seq = SeqId(self.b.func.seqs.len() as u32);
        self.b.func.seqs.push(SeqInfo {
            ident: crate::naming::hidden(&format!("buf{}", seq.0)),
            active: false,
            buffer: true,
            adjoint: None,
        });
        if buf.array {
            self.arrays.insert(seq);
        }
        self.b.push(Stmt::NewBuf { seq, init, len });
        Some((Binding::Seq(seq), fill))
    }

    /// `z.resize(n, c)`, `z.truncate(n)` or `z.clear()` on a local `Vec` buffer, as a statement: the buffer
    /// takes another length (new elements `c`, which is not differentiated). `None` when `e` is
    /// no such call.
    pub fn lower_resize(&mut self, e: &Expr) -> Option<()> {
        let Expr::MethodCall(m) = e else { return None };
        let method = m.method.to_string();
        let argc = match method.as_str() {
            "resize" => 2,
            "truncate" => 1,
            "clear" => 0,
            _ => return None,
        };
        let seq = self.seq_of_base(&m.receiver)?;
        if !self.b.func.seq(seq).buffer || self.arrays.contains(&seq) || m.args.len() != argc {
            return None;
        }
        let zero: Expr = syn::parse_quote!(0);
        let n = m.args.first().unwrap_or(&zero);
        let v = self.lower_expr(n)?;
        let (tokens, uses) = self.other_tokens(v, n.span())?;
        self.check_inactive(&uses, n)?;
        let tokens = if method == "truncate" {
            // `truncate` never lengthens.
            let buf = &self.b.func.seq(seq).ident;
            quote::quote!(::core::cmp::min(#tokens, #buf.len()))
        } else {
            tokens
        };
        let len = self.b.opaque(Kind::Int, None, tokens, uses, n.span());
        let init = match m.args.get(1) {
            Some(c) => {
                let v = self.lower_expr(c)?;
                let init = self.to_float(v, c.span())?;
                if self.b.func.is_active(init) {
                    self.errors.push_spanned(
                        c,
                        "`#[gradient]` resizes a buffer with a value that is not differentiated: resize with `0.0`, then write the new elements (`z[i] = ..`)",
                    );
                    return Some(());
                }
                init
            }
            None => Operand::Const(0.0),
        };
        self.b.push(Stmt::Resize {
            seq,
            len,
            init,
            save: None,
        });
        Some(())
    }

    /// `for K in 0..name.len() { name[K] = value; }`: a buffer that starts with a differentiated
    /// value in every element, written like any other store.
    pub fn fill_buffer(&mut self, name: &syn::Ident, value: Operand, span: proc_macro2::Span) {
        let (v, k) = (crate::naming::fresh("fill"), crate::naming::fresh("k"));
        let binding = self.bind_float(value, span);
        self.env.declare(v.clone(), binding);
        let e: Expr =
            syn::parse_quote_spanned!(span=> for #k in 0..#name.len() { #name[#k] = #v; });
        self.lower_expr(&e);
    }

    /// `z[i] = value` for a local buffer `z`.
    pub fn store(&mut self, ix: &syn::ExprIndex, value: Value) -> Option<()> {
        let seq = match self.seq_of_base(&ix.expr) {
            Some(s) if self.b.func.seq(s).buffer => s,
            Some(_) => {
                self.errors.push_spanned(
                    &ix.expr,
                    "a parameter cannot be written: copy it into a local buffer (`let mut z = vec![0.0; n];`) first",
                );
                return None;
            }
            None => {
                self.errors.push_spanned(
                    &ix.expr,
                    "`#[gradient]` can write by index only into local buffers made with `vec![0.0; n]` or `[0.0; N]`",
                );
                return None;
            }
        };
        let v = self.lower_expr(&ix.index)?;
        let (tokens, uses) = self.other_tokens(v, ix.index.span())?;
        self.check_inactive(&uses, &ix.index)?;
        let index = self
            .b
            .opaque(Kind::Int, None, tokens, uses, ix.index.span());
        if let Value::Other {
            kind: kind @ (Kind::Int | Kind::Bool),
            ..
        } = &value
        {
            let what = if *kind == Kind::Int {
                "an integer"
            } else {
                "a `bool`"
            };
            self.errors.push_spanned(
                ix,
                format!("this stores {what} into a buffer of floats (a `vec![0.0; n]`, or a vector filled by `push` that `#[gradient]` makes one): a vector of other values is not followed yet; convert the value (`f64::from(..)`), or compute such values without a vector"),
            );
            return None;
        }
        let value = self.to_float(value, ix.span())?;
        if self.b.func.is_active(value) && !self.b.func.seq(seq).active {
            self.b.func.seqs[seq.0 as usize].active = true;
            self.activated.push(seq);
        }
        if let Operand::Const(_) = value {
            // Constants are stored through a value so the adjoint's bookkeeping stays uniform.
        }
        self.b.push(Stmt::Store {
            seq,
            index,
            value,
            undo: None,
        });
        Some(())
    }

    /// The sequence an indexed expression names.
    pub fn seq_of_base(&self, e: &Expr) -> Option<SeqId> {
        match e {
            Expr::Path(p) => match self.env.lookup(p.path.get_ident()?) {
                Some(Binding::Seq(s)) => Some(s),
                _ => None,
            },
            Expr::Paren(p) => self.seq_of_base(&p.expr),
            _ => None,
        }
    }
}
