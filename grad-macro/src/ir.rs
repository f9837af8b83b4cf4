//! The intermediate representation between syn and the emitted code.
//!
//! A function is a tree of blocks of statements in SSA form: every float value is defined once, by one
//! primitive operation, and named by a [`ValId`]. Control flow is structured (`If` with merges), so
//! passes — reverse mode, dead-code elimination, emission — are recursive walks over plain data.

use crate::rules::Prim;
use proc_macro2::{Ident, Span, TokenStream};
use std::collections::HashMap;

/// One SSA value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct ValId(pub u32);

/// What a value holds. Only `Float` values are differentiated; the others are carried along verbatim.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Float,
    Bool,
    Int,
    Other,
}

/// The float type of the function being differentiated.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FloatTy {
    F32,
    F64,
    /// A type parameter bounded by num-traits' `Float` (`fn f<T: Float>(x: T) -> T`), by its
    /// name. Its constants are converted at run time (`NumCast::from`), as the user writes them.
    Generic(&'static str),
}

impl FloatTy {
    pub fn name(self) -> &'static str {
        match self {
            FloatTy::F32 => "f32",
            FloatTy::F64 => "f64",
            FloatTy::Generic(name) => name,
        }
    }

    /// The generic float type named `name`. The name is interned for the life of the compiler
    /// process (a few bytes per distinct name), so the type stays `Copy`.
    pub fn generic(name: &str) -> FloatTy {
        thread_local! {
            static NAMES: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        NAMES.with(|names| {
            let mut names = names.borrow_mut();
            if let Some(n) = names.iter().find(|n| **n == name) {
                return FloatTy::Generic(n);
            }
            let n: &'static str = Box::leak(name.to_owned().into_boxed_str());
            names.push(n);
            FloatTy::Generic(n)
        })
    }

    /// Rounds a constant to this type, so folding matches what the program computes at run time.
    /// A generic type keeps the `f64` value: it is converted where it is used.
    pub fn round(self, v: f64) -> f64 {
        match self {
            FloatTy::F32 => v as f32 as f64,
            FloatTy::F64 | FloatTy::Generic(_) => v,
        }
    }

    /// Whether folding an arithmetic operation on the constants `args` at compile time gives what
    /// the program computes. Always for `f32` and `f64`; for a generic type, only when every
    /// constant is an `f32` too: then rounding the `f64` result of `+ - * /` to `f32` equals the
    /// `f32` operation (53 ≥ 2·24 + 2 bits), and the instantiation with `f32` agrees.
    pub fn folds(self, args: &[Operand]) -> bool {
        match self {
            FloatTy::F32 | FloatTy::F64 => true,
            FloatTy::Generic(_) => args.iter().all(|a| {
                a.as_const()
                    .is_none_or(|c| f64::from(c as f32) == c || !c.is_finite())
            }),
        }
    }

    /// An integer `n` (tokens) converted to this type: `n as f64`, or `NumCast::from(n)` for a
    /// generic type, which has no `as`.
    pub fn convert_int(self, n: &TokenStream) -> TokenStream {
        let ty = Ident::new(self.name(), Span::call_site());
        match self {
            FloatTy::F32 | FloatTy::F64 => quote::quote!((#n as #ty)),
            FloatTy::Generic(_) => crate::emit::generic_cast(&ty, n),
        }
    }
}

/// What we know of each value.
pub struct ValInfo {
    pub kind: Kind,
    /// The identifier the emitted code uses: the user's name for parameters, a reserved name otherwise.
    pub name: Ident,
    /// Whether the value depends on a differentiated input.
    pub active: bool,
    /// Where the user wrote it, so errors in emitted code point at the user's tokens.
    pub span: Span,
}

/// An operand of a primitive: a value or a constant.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Operand {
    Val(ValId),
    Const(f64),
    /// An integer constant, such as the exponent of `powi`.
    Int(i32),
}

impl Operand {
    pub fn as_const(self) -> Option<f64> {
        match self {
            Operand::Const(c) => Some(c),
            _ => None,
        }
    }

    pub fn val(self) -> Option<ValId> {
        match self {
            Operand::Val(v) => Some(v),
            _ => None,
        }
    }
}

/// An argument of a call to another `#[gradient]` function.
#[derive(Clone)]
pub enum CallArg {
    /// A float scalar: it has a slot in the callee's gradient.
    Float(Operand),
    /// `&x` of a float scalar, for a parameter `x: &f64`: the same slot, passed by reference.
    FloatRef(Operand),
    /// A float sequence, passed as written, or a sub-slice `&x[range]` of one (the range and the
    /// values it reads); the callee's gradient for it is added to the caller's adjoint.
    Seq(SeqId, TokenStream, Option<(TokenStream, Vec<ValId>)>),
    /// Anything else, passed through as written (with the values it reads).
    Tokens(TokenStream, Vec<ValId>),
    /// A value whose type the macro does not see (`&data.x[i]`, a row of a struct's field, a
    /// field of `self`), which may be a float sequence where the callee takes one: passed as
    /// written, the call goes to the callee's `NAME__dyn_grad`, which gives it a scratch buffer
    /// for its gradient when its parameter is a sequence (see `expand::dyn_grad`).
    Unseen(TokenStream, Vec<ValId>),
    /// `&d_buf`, the adjoint of a local buffer: the cotangent a vector-valued call's reverse
    /// passes to `NAME__dot_grad`.
    Adjoint(SeqId),
}

/// A value defined in both branches of an `If`, visible after it.
#[derive(Clone)]
pub struct Merge {
    pub dst: ValId,
    pub then: Operand,
    pub els: Operand,
}

/// A value defined inside one branch of an `If` that code after the `If` (the reverse sweep) reads.
/// The other branch provides a placeholder that is never read.
#[derive(Clone, Copy)]
pub struct Export {
    pub val: ValId,
    pub from_then: bool,
}

#[derive(Clone)]
pub enum Stmt {
    /// `dst = op(args)`: one primitive float operation.
    Prim {
        dst: ValId,
        op: Prim,
        args: Vec<Operand>,
    },
    /// A value the engine does not differentiate (integers, booleans, constants, casts), kept as Rust
    /// tokens. `uses` lists the values the tokens read.
    Opaque {
        dst: ValId,
        ty: Option<syn::Type>,
        expr: TokenStream,
        uses: Vec<ValId>,
    },
    /// A statement kept for its effect (`assert!`, `println!`), run by the forward sweep only
    /// (recomputations in the reverse sweep drop it); it may read any value, none of which it
    /// changes.
    Effect {
        expr: TokenStream,
        uses: Vec<ValId>,
    },
    /// `(dst, [grads..]) = callee_grad(args..)`: a call to another `#[gradient]` function, whose
    /// gradient slots are bound to `grads` (one per float argument; `None` where nobody reads it).
    /// With sequence arguments, the forward sweep calls `plain` for the value only and the reverse
    /// sweep calls `callee` again through a [`Stmt::CallAdjoint`].
    Call {
        dst: ValId,
        callee: syn::Path,
        plain: syn::Path,
        args: Vec<CallArg>,
        grads: Vec<Option<ValId>>,
    },
    /// The reverse of a call with sequence arguments: `callee` with scratch buffers for them, then
    /// `d_x += seed * scratch` for each differentiated one; binds the scalar gradient to `grads`.
    CallAdjoint {
        callee: syn::Path,
        args: Vec<CallArg>,
        seed: Operand,
        grads: Vec<Option<ValId>>,
    },
    /// Forward mode's counterpart of [`Stmt::CallAdjoint`]: `callee` with scratch buffers for
    /// the sequence arguments, then `dst = Σ scratch · tangent` over the arguments whose tangent
    /// sequence is given (`tangents[k]` for argument `k`); binds the scalar gradient to `grads`.
    CallTangent {
        dst: ValId,
        callee: syn::Path,
        args: Vec<CallArg>,
        tangents: Vec<Option<SeqId>>,
        grads: Vec<Option<ValId>>,
    },
    /// Forward mode's counterpart of a [`Stmt::CallVec`]: the tangent of the result, `J · ṫ`,
    /// written into `tseq` one output at a time — output `i`'s gradient (`callee`, the
    /// function's `NAME__dot_grad`, with a unit cotangent `e_i`) dotted with the arguments'
    /// tangents: `floats[k]` for the `k`-th float argument, `tangents[k]` for a sequence
    /// argument. `dst` and `grads` name the per-output call's results (see
    /// [`Stmt::CallTangent`]); they live inside the loop over the outputs.
    VecTangent {
        seq: SeqId,
        tseq: SeqId,
        callee: syn::Path,
        args: Vec<CallArg>,
        tangents: Vec<Option<SeqId>>,
        floats: Vec<Operand>,
        dst: ValId,
        grads: Vec<Option<ValId>>,
    },
    /// Second order's counterpart of a [`Stmt::Call`] with scalar arguments:
    /// `(dst, [grads..], [grad_tangents..]) = callee__hvp_call(args.., [tangents..])`, the
    /// callee's value, gradient and Hessian–vector product along the arguments' tangents (one per
    /// argument, 0 for constants), its gradient slots picked as for a call.
    CallSecond {
        dst: ValId,
        callee: syn::Path,
        args: Vec<CallArg>,
        tangents: Vec<Operand>,
        grads: Vec<Option<ValId>>,
        grad_tangents: Vec<Option<ValId>>,
    },
    /// Second order's counterpart of a [`Stmt::CallAdjoint`]: `callee__hvp_call` with the
    /// arguments' tangents (`tangents` per argument for scalars, `seq_tangents` per sequence
    /// argument, zeros where `None`) and scratch buffers, then `d_x += seed · scratch` and
    /// `ḋ_x += ṡeed · scratch + seed · hv_scratch` into the adjoint of `adjoint_tangents[k]`;
    /// binds the scalar gradient and its tangent.
    CallAdjointSecond {
        callee: syn::Path,
        args: Vec<CallArg>,
        seed: Operand,
        seed_tangent: Operand,
        tangents: Vec<Operand>,
        seq_tangents: Vec<Option<SeqId>>,
        adjoint_tangents: Vec<Option<SeqId>>,
        grads: Vec<Option<ValId>>,
        grad_tangents: Vec<Option<ValId>>,
    },
    /// `dst = seq[index]`.
    Load {
        dst: ValId,
        seq: SeqId,
        index: ValId,
    },
    /// `d_seq[index] += value`: the adjoint of a load.
    AccumSeq {
        seq: SeqId,
        index: ValId,
        value: Operand,
    },
    /// `let mut buf = Vec::from(plain(args))` (or `vec![t.0, t.1, ..]` of the tuple `t` it
    /// returns): the result of a call of a vector-valued
    /// `#[gradient]` function, a local buffer whose length `len` is bound right after. The
    /// reverse sweep adds `Jᵀ · d_buf` to the arguments' adjoints by a [`Stmt::CallAdjoint`] of
    /// `dot` (the callee's `NAME__dot_grad`) with the cotangent `&d_buf` as a last argument.
    CallVec {
        seq: SeqId,
        plain: syn::Path,
        dot: syn::Path,
        args: Vec<CallArg>,
        len: ValId,
        /// `Some(n)` when the callee returns a tuple of floats, of which the caller reads the
        /// first `n` parts: the buffer holds them.
        tuple: Option<usize>,
    },
    /// `let mut buf = vec![init; len]` (or `[init; len]` for an array).
    NewBuf {
        seq: SeqId,
        init: Operand,
        len: BufLen,
    },
    /// `buf[index] = value`. With `undo`, the value the element held before (loaded just ahead
    /// of the store): the reverse sweep writes it back (see `memory`).
    Store {
        seq: SeqId,
        index: ValId,
        value: Operand,
        undo: Option<ValId>,
    },
    /// `buf.resize(len, init)` on a `Vec` buffer (`h = next` between layers of different widths,
    /// `h.resize(n, 0.0)`); `init` is never differentiated. With `save`, the old length goes
    /// onto the length tape of `save` and the elements a shrink drops onto the tape itself, for
    /// the [`Stmt::Unresize`] of the reverse sweep.
    Resize {
        seq: SeqId,
        len: ValId,
        init: Operand,
        save: Option<TapeId>,
    },
    /// The reverse of a saved [`Stmt::Resize`]: pops the old length (and the dropped elements),
    /// gives the buffer back its old length and contents, and resizes the adjoint buffers of
    /// `adjoints` (zeros where it grows) to it.
    Unresize {
        seq: SeqId,
        save: TapeId,
        adjoints: Vec<SeqId>,
    },
    /// Zeroes the adjoint of a buffer, sized like the buffer: where its reverse scope starts.
    ResetAdj {
        seq: SeqId,
        len: BufLen,
    },
    /// `dst = adj[index]; adj[index] = 0`: the adjoint of a store, which overwrote the element.
    AdjLoad {
        dst: ValId,
        seq: SeqId,
        index: ValId,
    },
    /// `d_seq[..] *= factor`: scales what a fused loop accumulated with a unit seed.
    ScaleSeq {
        seq: SeqId,
        factor: Operand,
    },
    /// Appends the values to a tape (a `Vec` of tuples) for the reverse sweep.
    TapePush {
        tape: TapeId,
        vals: Vec<ValId>,
    },
    Loop(Box<Loop>),
    /// Structured two-way branch.
    If {
        cond: ValId,
        then: Block,
        els: Block,
        merges: Vec<Merge>,
        exports: Vec<Export>,
    },
}

/// A float sequence read by index: a parameter such as `x: &[f64]`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct SeqId(pub u32);

pub struct SeqInfo {
    /// The parameter's name, or `__grad_bufN` for a local buffer.
    pub ident: Ident,
    pub active: bool,
    /// A local buffer (`let mut z = vec![0.0; n]`), written and read by index.
    pub buffer: bool,
    /// The name of its adjoint, where it is not the usual `d_NAME` / `__grad_adjN`.
    pub adjoint: Option<Ident>,
}

/// The length of a local buffer.
#[derive(Clone)]
pub enum BufLen {
    /// `vec![init; n]`: a run-time length.
    Vec(ValId),
    /// `[init; N]`: a constant.
    Array(TokenStream),
    /// The buffer's length at the time: for the adjoint of a buffer whose length changes.
    Like(SeqId),
}

/// A tape: per-iteration values a loop stores for its reverse sweep.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct TapeId(pub u32);

/// A loop-carried variable in SSA form: `phi` is its value at the start of an iteration (`init` on
/// the first), `next` its value at the end, `out` its value after the loop.
#[derive(Clone, Copy)]
pub struct Carry {
    pub phi: ValId,
    pub init: Operand,
    pub next: Operand,
    pub out: ValId,
}

/// `for PAT in TOKENS`: an iterator of integers (`0..n`, `(0..x.len()).zip(0..y.len())`, ...) whose
/// pattern binds `binds`. Slice iterators are rewritten to iterate over positions.
#[derive(Clone)]
pub struct RangeIter {
    pub pat: TokenStream,
    pub binds: Vec<ValId>,
    pub tokens: TokenStream,
    pub uses: Vec<ValId>,
}

/// What a loop iterates over.
#[derive(Clone)]
pub enum Iter {
    /// The range, backwards when `rev`.
    Range { range: RangeIter, rev: bool },
    /// `while cond`, with `cond` computed by `cond_block` at the start of each iteration.
    While { cond_block: Block, cond: ValId },
    /// The entries of a tape, binding `vals`, zipped with the range it was recorded over (when the
    /// loop had one); backwards when `rev`.
    Tape {
        tape: TapeId,
        vals: Vec<ValId>,
        range: Option<RangeIter>,
        rev: bool,
    },
}

impl Iter {
    /// The range the loop iterates over, if it has one.
    pub fn range(&self) -> Option<&RangeIter> {
        match self {
            Iter::Range { range, .. } => Some(range),
            Iter::Tape { range, .. } => range.as_ref(),
            Iter::While { .. } => None,
        }
    }
}

#[derive(Clone)]
pub struct Loop {
    pub iter: Iter,
    pub carried: Vec<Carry>,
    pub body: Block,
    /// The tape this loop records into; emptied before the loop starts.
    pub records: Option<TapeId>,
    /// Its adjoint was fused into it (see `reverse::loops`): a candidate for unroll-and-jam.
    pub fused: bool,
    /// Buffers whose contents each iteration pushes onto a tape as it starts (emptied before the
    /// loop starts, like `records`), for the reverse sweep to restore (see `memory`).
    pub snapshots: Vec<(SeqId, TapeId)>,
    /// Buffers each iteration restores from the top of a tape as it starts, and pops.
    pub restores: Vec<(SeqId, TapeId)>,
}

impl Stmt {
    /// A statement that writes memory or checks something: it runs even when nobody reads a value
    /// it defines.
    pub fn is_effect(&self) -> bool {
        matches!(
            self,
            Stmt::Effect { .. }
                | Stmt::AccumSeq { .. }
                | Stmt::ScaleSeq { .. }
                | Stmt::TapePush { .. }
                | Stmt::CallAdjoint { .. }
                | Stmt::CallAdjointSecond { .. }
                | Stmt::NewBuf { .. }
                | Stmt::CallVec { .. }
                | Stmt::VecTangent { .. }
                | Stmt::Store { .. }
                | Stmt::ResetAdj { .. }
                | Stmt::AdjLoad { .. }
                | Stmt::Resize { .. }
                | Stmt::Unresize { .. }
        )
    }
}

/// The buffers whose length a statement of `block` changes, at any depth.
pub fn resized_seqs(block: &Block, out: &mut std::collections::HashSet<SeqId>) {
    for s in &block.stmts {
        match s {
            Stmt::Resize { seq, .. } => {
                out.insert(*seq);
            }
            Stmt::Loop(l) => {
                if let Iter::While { cond_block, .. } = &l.iter {
                    resized_seqs(cond_block, out);
                }
                resized_seqs(&l.body, out);
            }
            Stmt::If { then, els, .. } => {
                resized_seqs(then, out);
                resized_seqs(els, out);
            }
            _ => {}
        }
    }
}

/// The function path of the first vector-valued call in `block` (at any depth), if any.
pub fn first_vector_call(block: &Block) -> Option<&syn::Path> {
    block.stmts.iter().find_map(|s| match s {
        Stmt::CallVec { plain, .. } => Some(plain),
        Stmt::Loop(l) => {
            let cond = match &l.iter {
                Iter::While { cond_block, .. } => first_vector_call(cond_block),
                _ => None,
            };
            cond.or_else(|| first_vector_call(&l.body))
        }
        Stmt::If { then, els, .. } => first_vector_call(then).or_else(|| first_vector_call(els)),
        _ => None,
    })
}

#[derive(Clone, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
}

/// A lowered function body.
pub struct Func {
    pub vals: Vec<ValInfo>,
    pub seqs: Vec<SeqInfo>,
    /// How many tapes the adjoint uses (declared once at the top of `NAME_grad`).
    pub tapes: u32,
    pub body: Block,
    pub ret: Operand,
    pub float_ty: FloatTy,
    /// Items declared in the body (`const`, `static`, `fn`, `use`, ...), repeated in `NAME_grad`.
    pub items: Vec<syn::Item>,
    /// Parameters of data lent mutably (`rng: &mut Lcg`): an expression that calls a method of
    /// one, or lends it on (`&mut rng`), changes it (see `effects`).
    pub mut_data: std::collections::HashSet<String>,
    /// Values of expressions that change data (`rng.next_f64()`, a draw): each runs once, in
    /// order, in the forward sweep. They are taped where a loop's adjoint reads them, never
    /// computed again, never merged with an equal expression, and their loops are not jammed.
    pub effects: std::collections::HashSet<ValId>,
    /// The names the body changes as [`changes_data`] sees it (a method called on one, lent as
    /// `&mut`, passed on): of `mut_data`, those whose reads are taped too (see `opaque`).
    pub changed: std::collections::HashSet<String>,
}

impl Func {
    pub fn info(&self, v: ValId) -> &ValInfo {
        &self.vals[v.0 as usize]
    }

    pub fn is_active(&self, o: Operand) -> bool {
        o.val().is_some_and(|v| self.info(v).active)
    }

    pub fn seq(&self, s: SeqId) -> &SeqInfo {
        &self.seqs[s.0 as usize]
    }

    pub fn new_tape(&mut self) -> TapeId {
        self.tapes += 1;
        TapeId(self.tapes - 1)
    }
}

/// Identity of a pure operation, for common-subexpression elimination.
#[derive(PartialEq, Eq, Hash)]
struct CseKey(Prim, Vec<(u8, u64)>);

fn operand_key(o: Operand) -> (u8, u64) {
    match o {
        Operand::Val(v) => (0, v.0 as u64),
        Operand::Const(c) => (1, c.to_bits()),
        Operand::Int(i) => (2, i as u64),
    }
}

/// Appends statements to a block while simplifying: constant folding, algebraic identities and
/// reuse of identical operations already computed in an enclosing scope.
pub struct Builder<'f> {
    pub func: &'f mut Func,
    blocks: Vec<Block>,
    cse: Vec<HashMap<CseKey, ValId>>,
    /// `v -> x` for every `v = -x` of an open scope, so `-(-x)` folds to `x`.
    negs: Vec<HashMap<ValId, Operand>>,
    /// `v -> (op, args)` for every primitive `v` of an open scope, for folding constant factors.
    defs: Vec<HashMap<ValId, (Prim, Vec<Operand>)>>,
    /// Pure opaque expressions and loads of parameters already computed, by their text, so that
    /// `x[i]` written three times is loaded once and its adjoint updated once.
    pure: Vec<HashMap<String, ValId>>,
    /// Lookups of reusable operations stop at this scope (see [`Builder::open_isolated`]).
    cse_floor: usize,
    /// Derivative code may drop `x * 0`; the user's own arithmetic may not (`inf * 0` is NaN).
    pub aggressive: bool,
}

impl<'f> Builder<'f> {
    pub fn new(func: &'f mut Func, aggressive: bool) -> Self {
        Builder {
            func,
            blocks: vec![Block::default()],
            cse: vec![HashMap::new()],
            negs: vec![HashMap::new()],
            defs: vec![HashMap::new()],
            pure: vec![HashMap::new()],
            cse_floor: 0,
            aggressive,
        }
    }

    pub fn new_val(&mut self, kind: Kind, active: bool, span: Span) -> ValId {
        new_val(self.func, kind, active, span)
    }

    pub fn push(&mut self, stmt: Stmt) {
        // A call lent data it may change (`noisy(z, rng)`) runs even where nothing reads it.
        if let Stmt::Call { dst, args, .. } = &stmt {
            if lends_data(args, &self.func.mut_data) {
                self.func.effects.insert(*dst);
            }
        }
        self.blocks.last_mut().unwrap().stmts.push(stmt);
    }

    /// Starts a nested block (a branch); its definitions are not reused outside it.
    pub fn open(&mut self) {
        self.blocks.push(Block::default());
        self.cse.push(HashMap::new());
        self.negs.push(HashMap::new());
        self.defs.push(HashMap::new());
        self.pure.push(HashMap::new());
    }

    /// Starts a block that will be placed elsewhere (inside a forward loop): nothing computed so far
    /// is reused in it. Close it with [`Builder::close_isolated`].
    pub fn open_isolated(&mut self) -> usize {
        let before = self.cse_floor;
        self.open();
        self.cse_floor = self.cse.len() - 1;
        before
    }

    pub fn close_isolated(&mut self, floor: usize) -> Block {
        let b = self.close();
        self.cse_floor = floor;
        b
    }

    pub fn close(&mut self) -> Block {
        self.cse.pop();
        self.negs.pop();
        self.defs.pop();
        self.pure.pop();
        self.blocks.pop().expect("open/close balanced")
    }

    /// The outermost block, once every nested block is closed.
    pub fn finish(mut self) -> Block {
        debug_assert_eq!(self.blocks.len(), 1);
        self.blocks.pop().unwrap()
    }

    pub fn prim(&mut self, op: Prim, args: Vec<Operand>, span: Span) -> Operand {
        if let Some(folded) = self.simplify(op, &args) {
            return folded;
        }
        let key = CseKey(op, args.iter().map(|a| operand_key(*a)).collect());
        for scope in self.cse[self.cse_floor..].iter().rev() {
            if let Some(v) = scope.get(&key) {
                return Operand::Val(*v);
            }
        }
        let active = args.iter().any(|a| self.func.is_active(*a));
        let dst = self.new_val(Kind::Float, active, span);
        self.cse.last_mut().unwrap().insert(key, dst);
        self.defs
            .last_mut()
            .unwrap()
            .insert(dst, (op, args.clone()));
        self.push(Stmt::Prim { dst, op, args });
        Operand::Val(dst)
    }

    fn simplify(&self, op: Prim, args: &[Operand]) -> Option<Operand> {
        let ty = self.func.float_ty;
        if let Some(v) = op.fold(args).filter(|_| ty.folds(args)) {
            return Some(Operand::Const(ty.round(v)));
        }
        let c = |i: usize| args.get(i).and_then(|a| a.as_const());
        let agg = self.aggressive;
        match op {
            Prim::Add if c(1) == Some(0.0) && agg => Some(args[0]),
            Prim::Add if c(0) == Some(0.0) && agg => Some(args[1]),
            Prim::Sub if c(1) == Some(0.0) && agg => Some(args[0]),
            Prim::Mul | Prim::Div if c(1) == Some(1.0) => Some(args[0]),
            Prim::Mul if c(0) == Some(1.0) => Some(args[1]),
            Prim::Mul if agg && (c(0) == Some(0.0) || c(1) == Some(0.0)) => {
                Some(Operand::Const(0.0))
            }
            Prim::Div if agg && c(0) == Some(0.0) => Some(Operand::Const(0.0)),
            _ => None,
        }
    }

    /// `op` with the identities that need new statements: `0 - x`, `-1 * x`, `-(-x)`.
    pub fn neg(&mut self, x: Operand, span: Span) -> Operand {
        if self.aggressive {
            // -(c · y) = (-c) · y exactly.
            if let Some((Prim::Mul, args)) = self.def_of(x) {
                if let [Operand::Const(c), y] = args.as_slice() {
                    return self.mul(Operand::Const(-c), *y, span);
                }
            }
        }
        if let Operand::Val(v) = x {
            if let Some(inner) = self.negs[self.cse_floor..]
                .iter()
                .rev()
                .find_map(|m| m.get(&v))
            {
                return *inner;
            }
        }
        let r = self.prim(Prim::Neg, vec![x], span);
        if let Operand::Val(v) = r {
            self.negs.last_mut().unwrap().insert(v, x);
        }
        r
    }

    pub fn add(&mut self, a: Operand, b: Operand, span: Span) -> Operand {
        self.prim(Prim::Add, vec![a, b], span)
    }

    pub fn sub(&mut self, a: Operand, b: Operand, span: Span) -> Operand {
        if self.aggressive && a.as_const() == Some(0.0) {
            return self.neg(b, span);
        }
        self.prim(Prim::Sub, vec![a, b], span)
    }

    /// The primitive defining `v`, when an open scope of this builder defined it.
    fn def_of(&self, v: Operand) -> Option<(Prim, Vec<Operand>)> {
        let v = v.val()?;
        self.defs[self.cse_floor..]
            .iter()
            .rev()
            .find_map(|m| m.get(&v).cloned())
    }

    pub fn mul(&mut self, a: Operand, b: Operand, span: Span) -> Operand {
        if self.aggressive {
            if a.as_const() == Some(-1.0) {
                return self.neg(b, span);
            }
            if b.as_const() == Some(-1.0) {
                return self.neg(a, span);
            }
            // Constants first, then fold `c1 · (c2 · x)` and `c · (-x)` (derivative code only).
            let (a, b) = if b.as_const().is_some() && a.as_const().is_none() {
                (b, a)
            } else {
                (a, b)
            };
            if let (Some(c1), Some((op, args))) = (a.as_const(), self.def_of(b)) {
                match (op, args.as_slice()) {
                    (Prim::Mul, [Operand::Const(c2), x])
                        if self.func.float_ty.folds(&[a, Operand::Const(*c2)]) =>
                    {
                        let c = self.func.float_ty.round(c1 * c2);
                        return self.mul(Operand::Const(c), *x, span);
                    }
                    (Prim::Neg, [x]) => return self.mul(Operand::Const(-c1), *x, span),
                    _ => {}
                }
            }
            return self.prim(Prim::Mul, vec![a, b], span);
        }
        self.prim(Prim::Mul, vec![a, b], span)
    }

    pub fn div(&mut self, a: Operand, b: Operand, span: Span) -> Operand {
        self.prim(Prim::Div, vec![a, b], span)
    }

    /// An opaque (non-differentiated) value.
    pub fn opaque(
        &mut self,
        kind: Kind,
        ty: Option<syn::Type>,
        expr: TokenStream,
        uses: Vec<ValId>,
        span: Span,
    ) -> ValId {
        let text = expr.to_string();
        // Expressions that read a local buffer may see it change between two evaluations; an
        // untyped integer constant (`1`, `-1`) takes its type where it is used, which another
        // use of the same text may not share (`let p = 1;` compared with a `usize`, `1` an `i32`).
        let untyped_constant = ty.is_none() && uses.is_empty() && untyped_int_constant(&expr);
        // A value of a type the engine does not know (`Vec::new()` of indices) may be moved and
        // changed in place: each is its own.
        let key = (!untyped_constant
            && kind != Kind::Other
            && !text.contains(&format!("{}_buf", crate::naming::prefix())))
        .then(|| {
            let ty = ty
                .as_ref()
                .map(|t| quote::ToTokens::to_token_stream(t).to_string());
            format!("{kind:?}|{ty:?}|{text}|{uses:?}")
        });
        // (A read of such data, `g.y` after `g.bump()`, is taped alike: read again in the
        // reverse sweep it would give what the data holds then.)
        let effect = changes_data(&expr, &self.func.mut_data)
            || crate::naming::mentions(expr.clone(), &|i| {
                let i = i.to_string();
                self.func.mut_data.contains(&i) && self.func.changed.contains(&i)
            });
        let key = key.filter(|_| !effect);
        if let Some(v) = key.as_ref().and_then(|k| self.reuse(k)) {
            return v;
        }
        let dst = self.new_val(kind, false, span);
        self.push(Stmt::Opaque {
            dst,
            ty,
            expr,
            uses,
        });
        if effect {
            self.func.effects.insert(dst);
        }
        if let Some(k) = key {
            self.pure.last_mut().unwrap().insert(k, dst);
        }
        dst
    }

    fn reuse(&self, key: &str) -> Option<ValId> {
        self.pure[self.cse_floor..]
            .iter()
            .rev()
            .find_map(|m| m.get(key).copied())
    }

    /// Lets later operations reuse `dst = op(args)`, computed elsewhere and in scope.
    pub fn load(&mut self, seq: SeqId, index: ValId, span: Span) -> ValId {
        // Parameters never change; a buffer may be written between two loads.
        let key = (!self.func.seq(seq).buffer).then(|| format!("load|{}|{}", seq.0, index.0));
        if let Some(v) = key.as_ref().and_then(|k| self.reuse(k)) {
            return v;
        }
        let active = self.func.seq(seq).active;
        let dst = self.new_val(Kind::Float, active, span);
        self.push(Stmt::Load { dst, seq, index });
        if let Some(k) = key {
            self.pure.last_mut().unwrap().insert(k, dst);
        }
        dst
    }

    pub fn remember(&mut self, op: Prim, args: &[Operand], dst: ValId) {
        let key = CseKey(op, args.iter().map(|a| operand_key(*a)).collect());
        self.cse[0].insert(key, dst);
    }

    /// Like [`Builder::remember`], for an operation computed in the innermost open scope.
    pub fn remember_here(&mut self, op: Prim, args: &[Operand], dst: ValId) {
        let key = CseKey(op, args.iter().map(|a| operand_key(*a)).collect());
        self.cse.last_mut().unwrap().insert(key, dst);
    }
}

/// Registers a new value with a reserved name.
pub fn new_val(func: &mut Func, kind: Kind, active: bool, span: Span) -> ValId {
    let id = ValId(func.vals.len() as u32);
    let name = crate::naming::hidden(&format!("v{}", id.0));
    func.vals.push(ValInfo {
        kind,
        name,
        active,
        span,
    });
    id
}

/// Tokens of literals and operators only, among them an integer literal without a suffix.
fn untyped_int_constant(ts: &TokenStream) -> bool {
    fn walk(ts: &TokenStream, unsuffixed: &mut bool) -> bool {
        ts.clone().into_iter().all(|t| match t {
            proc_macro2::TokenTree::Ident(_) => false,
            proc_macro2::TokenTree::Group(g) => walk(&g.stream(), unsuffixed),
            proc_macro2::TokenTree::Literal(l) => {
                let s = l.to_string();
                if s.chars().all(|c| c.is_ascii_digit() || c == '_') {
                    *unsuffixed = true;
                }
                true
            }
            proc_macro2::TokenTree::Punct(_) => true,
        })
    }
    let mut unsuffixed = false;
    walk(ts, &mut unsuffixed) && unsuffixed
}

/// Whether a call's arguments lend it data lent mutably to the function (`noisy(z, rng)`), which
/// the call may change (see `Func::effects`).
pub fn lends_data(args: &[CallArg], names: &std::collections::HashSet<String>) -> bool {
    args.iter().any(|a| match a {
        CallArg::Tokens(t, _) | CallArg::Unseen(t, _) => changes_data(t, names) || lends_made(t),
        _ => false,
    })
}

/// Whether `t` lends a value made for the call (`&mut Lcg::new(3)`, `&mut Lcg { s: 1 }`), which
/// the call may change (a generator it draws from): as data lent, the call runs once, in order.
fn lends_made(t: &TokenStream) -> bool {
    use proc_macro2::{Delimiter, TokenTree};
    let t: Vec<TokenTree> = t.clone().into_iter().collect();
    matches!(t.first(), Some(TokenTree::Punct(p)) if p.as_char() == '&')
        && matches!(t.get(1), Some(TokenTree::Ident(m)) if m == "mut")
        && t[2..].iter().any(|x| {
            matches!(x, TokenTree::Group(g) if matches!(g.delimiter(), Delimiter::Parenthesis | Delimiter::Brace))
        })
}

/// Whether `expr` calls a method of one of the `names` (`rng.next_f64()`) or lends one mutably
/// (`&mut rng`): names of data lent mutably, which such an expression may change.
pub fn changes_data(expr: &TokenStream, names: &std::collections::HashSet<String>) -> bool {
    if names.is_empty() {
        return false;
    }
    changes_names(expr, &|i| names.contains(i))
}

/// The names `expr` may change as [`changes_data`] sees it, every one of them.
pub fn changed_names(expr: &TokenStream) -> std::collections::HashSet<String> {
    let names = std::cell::RefCell::new(std::collections::HashSet::new());
    changes_names(expr, &|i| {
        names.borrow_mut().insert(i.to_string());
        false
    });
    names.into_inner()
}

/// Whether `expr` changes a name `of` accepts (asked of every name it may change, in order,
/// until one is accepted).
fn changes_names(expr: &TokenStream, of: &dyn Fn(&str) -> bool) -> bool {
    use proc_macro2::TokenTree;
    let tokens: Vec<TokenTree> = expr.clone().into_iter().collect();
    tokens.iter().enumerate().any(|(k, t)| match t {
        TokenTree::Group(g) => changes_names(&g.stream(), of),
        TokenTree::Ident(i) => {
            let method = matches!(tokens.get(k + 1), Some(TokenTree::Punct(p)) if p.as_char() == '.')
                && matches!(tokens.get(k + 2), Some(TokenTree::Ident(_)))
                && matches!(tokens.get(k + 3), Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Parenthesis);
            let lent = k >= 2
                && matches!(&tokens[k - 1], TokenTree::Ident(m) if m == "mut")
                && matches!(&tokens[k - 2], TokenTree::Punct(p) if p.as_char() == '&');
            // Passed on as it is (`draw(rng)`): a `&mut` reborrowed.
            let passed = matches!(tokens.get(k + 1), None | Some(TokenTree::Punct(_)))
                && k >= 1
                && matches!(&tokens[k - 1], TokenTree::Punct(p) if p.as_char() == ',' || p.as_char() == '(')
                || (k == 0 && tokens.len() == 1);
            (method || lent || passed) && of(&i.to_string())
        }
        _ => false,
    })
}
