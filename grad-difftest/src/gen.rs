//! The generator of random `#[gradient]` functions.
//!
//! A [`Case`] is a group of items written against the placeholder type `FLT` (consts, helper
//! functions, the function under test), so that the same body renders as `f32` and as its `f64`
//! twin, plus the points to evaluate it at. Everything is type-correct by construction: the
//! generator tracks, for each float expression, whether its type is already fixed (a method call on
//! an unsuffixed literal, `(2.0).sqrt()`, does not compile) and a conservative interval of its
//! values, which decides where an argument must be wrapped into a method's domain (`ln` gets
//! `(e * e + 0.5)`, `asin` gets `0.9 * (e).tanh()`, ...) and keeps every value finite.
//!
//! **Adding a construct** is one entry: a method is a row of [`METHODS`]; a statement is an arm of
//! `FnGen::stmt` (one small function); a loop header is an arm of `FnGen::loop_header`; a kind of
//! receiver or argument is an arm of `FnGen::operand`. Each construct has a name (`"loop:zip"`,
//! `"recv:method:const"`, ...); a name listed in [`PENDING`] is not generated unless switched on with
//! [`Gen::with_pending`], which is how a construct the macro does not handle yet stays visible
//! without failing the default run.

use crate::rng::Rng;
use std::fmt::Write as _;

/// Constructs the current macro gets wrong, off by default (see the README, "Differential
/// testing"). An entry is a construct name or a prefix of one ending in `:` (`"recv:path:lit"`
/// switches off unsuffixed literal receivers of `f64::m(..)` for every method). Remove an entry
/// when the macro handles it.
pub const PENDING: &[&str] = &[
    // (The constructs once listed here — literal and `const` receivers, `<f64>::m`, constants as
    // helper arguments and branch values, lets initialized from constants, late-initialized lets,
    // empty sums, shadowing in returning `if`s, buffers after an early return — are regression
    // tests in `grad-tests/tests/regressions.rs`; concrete models inside generic ones and a
    // model's matrix copied whole, in `generic.rs` and `models.rs`.)
];

/// The placeholder of the float type in generated text.
pub const FLT: &str = "FLT";

/// The float type of a case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Float {
    /// `f32` (checked against the `f64` twin).
    F32,
    /// `f64`.
    F64,
}

impl Float {
    /// `"f32"` or `"f64"`.
    pub fn name(self) -> &'static str {
        match self {
            Float::F32 => "f32",
            Float::F64 => "f64",
        }
    }
}

/// The kind of a parameter, with the range its values are drawn from.
#[derive(Clone, Debug)]
pub enum ParamKind {
    /// A float scalar in `[lo, hi]`.
    Scalar(f64, f64),
    /// A float slice `&[T]` of length 1–6, elements in `[lo, hi]`.
    Slice(f64, f64),
    /// `usize` in `0..=4`.
    Usize,
    /// `i32` in `-3..=3`.
    I32,
    /// `bool`.
    Bool,
    /// A generator lent to the function (`rng: &mut check::Lcg`, data), which the body draws
    /// from: each draw must run once, in order.
    Gen,
    /// Rows `&[[T; N]]` (or `&Vec<[T; N]>`) with `width: Some(N)`, or `&[Vec<T>]` (or
    /// `&Vec<Vec<T>>`) of lengths 1–3 with `width: None`; 1–3 rows, elements in `[lo, hi]`.
    Rows {
        lo: f64,
        hi: f64,
        width: Option<usize>,
        /// Written with `Vec` outside (`&Vec<..>`) rather than as a slice.
        vec: bool,
        /// Rows of `width` as tuples `(T, T, ..)` rather than arrays.
        tuple: bool,
        /// Ragged rows as borrowed slices, `&[&[T]]`.
        slices: bool,
        /// A fixed number of fixed rows, `&[[T; N]; M]` (`Some(M)`).
        count: Option<usize>,
        /// Those taken by value, `[[T; N]; M]`.
        by_value: bool,
    },
}

/// A parameter of the function under test.
#[derive(Clone, Debug)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: ParamKind,
    /// Differentiated (a float parameter, and named by `wrt` if there is one).
    pub active: bool,
    /// A scalar taken by reference (`x: &T`), read through `let x: T = *x;`.
    pub by_ref: bool,
    /// A field of the case's model struct (see [`Model`]) rather than a parameter of its own.
    pub in_model: bool,
    /// One of two differentiated scalars taken together as a tuple pattern, `(x0, x1): (T, T)`.
    pub pair: Pair,
}

/// Where a scalar stands in a tuple pattern of two (see [`Param::pair`]); the partner's index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pair {
    #[default]
    None,
    /// `(this, partner)`, taken by reference (`&(T, T)`) or not.
    First(usize, bool),
    /// `(partner, this)`.
    Second(usize),
}

/// The parameters moved into a struct deriving `Params`: `model: &M` with `wrt(model, ..)`, or
/// the `&self` of a method in `impl M`. The body reads them as `model.x0`, `&model.xs`, ...
#[derive(Clone, Debug)]
pub struct Model {
    /// The struct's name (with `FLT` for the float type).
    pub ty: String,
    /// A method of the struct (`self`) rather than a free function (`model`).
    pub method: bool,
    /// The fields sit in a struct of their own, the model's field `inner`.
    pub nested: bool,
    /// A free function taking the model by value (`model: M`), called with `model.clone()`.
    pub by_value: bool,
}

/// Marks a body only primitive floats compile (see the generic twin in `Gen::case`).
const PRIMITIVE_ONLY: &str = "primitive floats only";

/// The value of one parameter at a point.
#[derive(Clone, Debug)]
pub enum Value {
    /// A float scalar (exactly representable in the case's type).
    Float(f64),
    /// A float slice.
    Slice(Vec<f64>),
    /// An integer (`usize` or `i32`).
    Int(i64),
    /// A generator's seed: each evaluation gets a generator of its own from it.
    Gen(u64),
    /// A boolean.
    Bool(bool),
    /// Rows of floats.
    Rows(Vec<Vec<f64>>),
}

/// A generated test case.
#[derive(Clone, Debug)]
pub struct Case {
    /// The function's base name: the item is `{name}_f32` / `{name}_f64`.
    pub name: String,
    /// Its float type.
    pub float: Float,
    /// Consts, helpers and the function, with `FLT` for the float type.
    pub items: String,
    /// The function's parameters, in order.
    pub params: Vec<Param>,
    /// Points to evaluate at, one value per parameter.
    pub points: Vec<Vec<Value>>,
    /// Parameters moved into a struct, if any.
    pub model: Option<Model>,
    /// `NAME`, `NAME_grad` and `NAME_jvp` are plain wrappers over the parameters of a `#[gradient]`
    /// function of models, `NAME_core` (a rich case, see `FnGen::rich_model`): options added to
    /// `#[gradient]` (`jvp`, `hvp`) do not apply to them.
    pub wrapper: bool,
    /// Checked as its generic twin (see [`crate::generic`]): every item over `T: grad::Real`,
    /// instantiated with the case's float type.
    pub generic: bool,
}

impl Case {
    /// The items rendered with the float type `float`.
    pub fn render(&self, float: Float) -> String {
        self.items.replace(FLT, float.name())
    }

    /// Rendered items (attributes completed) as they are compiled: the generic twin for a
    /// generic case.
    pub fn finish(&self, items: String, float: Float) -> String {
        if self.generic {
            crate::generic::genericize(&items, float.name()).unwrap_or(items)
        } else {
            items
        }
    }

    /// The source a reader needs: the items in the case's own type.
    pub fn source(&self) -> String {
        self.finish(self.render(self.float), self.float)
    }
}

/// A float method of the rule table: its arity, the domain each operand must lie in, and its
/// value (to bound the results).
pub struct Method {
    /// The name (`"powf"`).
    pub name: &'static str,
    /// Domains of the receiver and of each float argument.
    pub doms: &'static [(f64, f64)],
    /// The first argument is an `i32` (`powi`).
    pub int_arg: bool,
    /// The function itself, on `f64`.
    pub eval: fn(&[f64]) -> f64,
}

const INF: f64 = f64::INFINITY;
const ANY: (f64, f64) = (-INF, INF);
/// Positive and away from 0: `ln`, `sqrt`, `recip`, `powf`'s base.
const POS: (f64, f64) = (0.3, INF);
/// Strictly inside (-1, 1): `asin`, `acos`, `atanh`.
const UNIT: (f64, f64) = (-0.9, 0.9);
/// Bounded arguments of exponentials.
const EXPO: (f64, f64) = (-3.0, 3.0);

macro_rules! m {
    ($name:literal, [$($d:expr),*], |$a:ident| $body:expr) => {
        Method { name: $name, doms: &[$($d),*], int_arg: false, eval: |$a: &[f64]| $body }
    };
}

/// Every float method of the rule table (`grad-macro/src/rules.rs`), with the domains the generator
/// keeps operands in so that values stay finite and smooth enough for finite differences.
pub const METHODS: &[Method] = &[
    Method {
        name: "powi",
        doms: &[(-2.0, 2.0)],
        int_arg: true,
        eval: |a| a[0].powi(3),
    },
    m!("powf", [POS, (-2.5, 2.5)], |a| a[0].powf(a[1])),
    m!("sqrt", [POS], |a| a[0].sqrt()),
    // Away from 0, where the derivative is infinite (`cbrt(x - x)` gives ∞ · 0).
    m!("cbrt", [POS], |a| a[0].cbrt()),
    m!("exp", [EXPO], |a| a[0].exp()),
    m!("exp2", [EXPO], |a| a[0].exp2()),
    m!("exp_m1", [EXPO], |a| a[0].exp_m1()),
    m!("ln", [POS], |a| a[0].ln()),
    m!("log", [POS, (1.5, INF)], |a| a[0].log(a[1])),
    m!("log2", [POS], |a| a[0].log2()),
    m!("log10", [POS], |a| a[0].log10()),
    m!("ln_1p", [POS], |a| a[0].ln_1p()),
    m!("sin", [ANY], |a| a[0].sin()),
    m!("cos", [ANY], |a| a[0].cos()),
    m!("tan", [(-1.2, 1.2)], |a| a[0].tan()),
    m!("asin", [UNIT], |a| a[0].asin()),
    m!("acos", [UNIT], |a| a[0].acos()),
    m!("atan", [ANY], |a| a[0].atan()),
    m!("atan2", [ANY, POS], |a| a[0].atan2(a[1])),
    m!("sinh", [EXPO], |a| a[0].sinh()),
    m!("cosh", [EXPO], |a| a[0].cosh()),
    m!("tanh", [ANY], |a| a[0].tanh()),
    m!("asinh", [ANY], |a| a[0].asinh()),
    m!("acosh", [(1.2, INF)], |a| a[0].acosh()),
    m!("atanh", [UNIT], |a| a[0].atanh()),
    m!("abs", [ANY], |a| a[0].abs()),
    m!("signum", [ANY], |a| a[0].signum()),
    m!("hypot", [ANY, ANY], |a| a[0].hypot(a[1])),
    m!("copysign", [ANY, ANY], |a| a[0].copysign(a[1])),
    m!("rem_euclid", [ANY, (1.5, INF)], |a| a[0].rem_euclid(a[1])),
    m!("div_euclid", [ANY, (1.5, INF)], |a| a[0].div_euclid(a[1])),
    m!("recip", [POS], |a| a[0].recip()),
    m!("mul_add", [ANY, ANY, ANY], |a| a[0].mul_add(a[1], a[2])),
    m!("max", [ANY, ANY], |a| a[0].max(a[1])),
    m!("min", [ANY, ANY], |a| a[0].min(a[1])),
    // `clamp` panics unless lo <= hi: the bounds get disjoint domains.
    m!("clamp", [ANY, (-INF, -0.1), (0.1, INF)], |a| a[0]
        .clamp(a[1], a[2])),
    m!("to_degrees", [(-10.0, 10.0)], |a| a[0].to_degrees()),
    m!("to_radians", [ANY], |a| a[0].to_radians()),
    m!("floor", [ANY], |a| a[0].floor()),
    m!("ceil", [ANY], |a| a[0].ceil()),
    m!("round", [ANY], |a| a[0].round()),
    m!("trunc", [ANY], |a| a[0].trunc()),
    m!("fract", [ANY], |a| a[0].fract()),
];

/// A finite interval containing every value an expression takes, and whether the value depends
/// on a differentiated input (`false`: a constant to the macro).
#[derive(Clone, Copy, Debug)]
struct Iv(f64, f64, bool);

impl Iv {
    fn within(self, d: (f64, f64)) -> bool {
        self.0 >= d.0 && self.1 <= d.1
    }
    fn mag(self) -> f64 {
        self.0.abs().max(self.1.abs())
    }
    fn add(self, o: Iv) -> Iv {
        Iv(self.0 + o.0, self.1 + o.1, self.2 || o.2)
    }
    fn neg(self) -> Iv {
        Iv(-self.1, -self.0, self.2)
    }
    fn mul(self, o: Iv) -> Iv {
        let c = [self.0 * o.0, self.0 * o.1, self.1 * o.0, self.1 * o.1];
        Iv(
            c.iter().cloned().fold(INF, f64::min),
            c.iter().cloned().fold(-INF, f64::max),
            self.2 || o.2,
        )
    }
    fn union(self, o: Iv) -> Iv {
        Iv(self.0.min(o.0), self.1.max(o.1), self.2 || o.2)
    }
    fn pt(v: f64) -> Iv {
        Iv(v, v, false)
    }
    /// `[lo, hi]`, as active as `self`.
    fn to(self, lo: f64, hi: f64) -> Iv {
        Iv(lo, hi, self.2)
    }
}

/// Bounds of `f` over a box, by sampling a grid (with 0 where the box contains it) and padding:
/// the generator only needs magnitudes and domain membership of *wrapped* operands, which are
/// exact intervals; this is for the results of methods.
fn range_of(f: fn(&[f64]) -> f64, ivs: &[Iv]) -> Iv {
    let mut pts: Vec<Vec<f64>> = vec![vec![]];
    for iv in ivs {
        let mut xs: Vec<f64> = (0..=8)
            .map(|k| iv.0 + (iv.1 - iv.0) * k as f64 / 8.0)
            .collect();
        if iv.0 < 0.0 && iv.1 > 0.0 {
            xs.push(0.0);
        }
        pts = pts
            .into_iter()
            .flat_map(|p| {
                xs.iter().map(move |&x| {
                    let mut q = p.clone();
                    q.push(x);
                    q
                })
            })
            .collect();
    }
    let vals: Vec<f64> = pts.iter().map(|p| f(p)).collect();
    let lo = vals.iter().cloned().fold(INF, f64::min);
    let hi = vals.iter().cloned().fold(-INF, f64::max);
    let pad = 0.1 * (hi - lo) + 0.05;
    Iv(lo - pad, hi + pad, ivs.iter().any(|iv| iv.2))
}

/// Values of mutable locals and helper results are not tracked through loops: assume this.
const NOMINAL: Iv = Iv(-1e3, 1e3, false);
/// Above this magnitude an expression is squashed with `tanh` before it is used further.
const SQUASH: f64 = 1e6;

/// A generated float expression.
#[derive(Clone, Debug)]
struct Ex {
    s: String,
    /// Its type is fixed (a method may be called on it).
    typed: bool,
    iv: Iv,
    /// A bare parameter or `const` item.
    named: bool,
}

impl Ex {
    fn new(s: String, typed: bool, iv: Iv) -> Ex {
        Ex {
            s,
            typed,
            iv,
            named: false,
        }
    }
    fn named(mut self) -> Ex {
        self.named = true;
        self
    }
}

#[derive(Clone, Debug)]
enum VarKind {
    Float(Iv),
    /// An integer; `index_for` names the sequence key it is a valid index of.
    Int {
        index_for: Option<String>,
        ty: &'static str,
    },
    Bool,
    /// A generator lent mutably (see `ParamKind::Gen`).
    Gen,
    /// A float sequence: `key` names its length (the slice itself, a `usize` parameter or `"4"`),
    /// `min_len` is a length it always has.
    Seq {
        key: String,
        iv: Iv,
        min_len: usize,
        slice: bool,
    },
    /// Rows of floats (a parameter), each at least one long (`width` when all have it), tuples
    /// or not.
    Rows {
        iv: Iv,
        width: Option<usize>,
        tuple: bool,
        /// `&[&[T]]`: a row is iterated by `.iter()` (a `&&[T]` is no iterator).
        slices: bool,
    },
    /// A model's `Vec` of layers, each with a differentiated `w: Vec<T>` of `wlen` elements and
    /// `b: T`.
    Layers {
        iv: Iv,
        wlen: usize,
    },
}

#[derive(Clone, Debug)]
struct Var {
    name: String,
    kind: VarKind,
    mutable: bool,
    param: bool,
}

/// The signature of a helper: `true` for a slice parameter.
#[derive(Clone, Debug)]
struct Helper {
    name: String,
    slices: Vec<bool>,
    /// Its slice is data (`wrt(..)` leaves it out): callers pass only data there.
    data_slice: bool,
    /// Its first scalar is taken by reference (`a0: &f64`).
    by_ref: bool,
    /// Without `#[gradient]` (read from the file by the macro).
    plain: bool,
}

/// A `for` header and what it binds: floats with their values, integers with the sequence they
/// index.
type Header = (String, Vec<(String, Iv)>, Vec<(String, Option<String>)>);

/// Where a statement is generated.
#[derive(Clone, Copy, Debug)]
struct Ctx {
    depth: u32,
    loops: u32,
    /// At the top level of the function, or in an `if` there (early `return` allowed).
    top: bool,
    /// Directly in a loop body or in an `if` there (`break` and `continue` allowed).
    brk: bool,
    /// Inside loops whose outermost one stands where `return` may (at the top level or in an
    /// `if` there, and not a loop whose value is used): a `return` in them is supported.
    ret: bool,
}

impl Ctx {
    /// Inside `k` more loops, where `break` and `continue` are allowed.
    fn in_loops(self, k: u32) -> Ctx {
        Ctx {
            loops: self.loops + k,
            depth: self.depth + k,
            top: false,
            brk: true,
            ret: if self.loops == 0 { self.top } else { self.ret },
        }
    }
}

/// What a statement's forms over a slice start from (see `Gen::slice_and_value`): the slices in
/// scope, one of them with its range, the name of the value made, a bounded expression.
type SliceStart = (Vec<(String, Iv)>, String, Iv, String, Ex);

/// The generator: a seed and the set of pending constructs switched on.
#[derive(Clone, Debug)]
pub struct Gen {
    seed: u64,
    pending: Vec<String>,
    /// Generate only this float type (both by default).
    pub only: Option<Float>,
}

impl Gen {
    /// A generator of cases from `seed`, with every construct of [`PENDING`] off.
    pub fn new(seed: u64) -> Self {
        Gen {
            seed,
            pending: PENDING.iter().map(|s| s.to_string()).collect(),
            only: None,
        }
    }

    /// Switches on pending constructs (`"all"` switches on every one).
    pub fn with_pending(mut self, names: &[&str]) -> Self {
        if names.contains(&"all") {
            self.pending.clear();
        }
        self.pending.retain(|p| !names.contains(&p.as_str()));
        self
    }

    /// Whether the construct `name` may be generated.
    pub fn on(&self, name: &str) -> bool {
        is_on(&self.pending, name)
    }

    /// Case number `id` (reproducible from the seed and `id` alone).
    pub fn case(&self, id: usize) -> Case {
        let mut rng = Rng::new(self.seed ^ (id as u64).wrapping_mul(0xA076_1D64_78BD_642F));
        let float = match self.only {
            Some(f) => f,
            None if rng.chance(0.3) => Float::F32,
            None => Float::F64,
        };
        let name = format!("g{id}");
        let mut g = FnGen::new(rng, &self.pending, float, name.clone());
        let (items, params, model) = g.case();
        let wrapper = items.contains(&format!("fn {name}_core_"));
        let mut points = Vec::new();
        for _ in 0..4 {
            points.push(params.iter().map(|p| g.value(&p.kind)).collect());
        }
        // The type parameter is inferred from a float parameter; the rewrite skips structs.
        let generic = model.is_none()
            && !wrapper
            && !items.contains(PRIMITIVE_ONLY)
            && self.on("generic")
            && g.rng.chance(0.25)
            && params
                .iter()
                .any(|p| !matches!(p.kind, ParamKind::Usize | ParamKind::I32 | ParamKind::Bool))
            && crate::generic::genericize(&items.replace(FLT, float.name()), float.name())
                .is_some();
        Case {
            name,
            float,
            items,
            params,
            points,
            model,
            wrapper,
            generic,
        }
    }
}

/// Whether `name` is off by a `pending` entry (equal, or a prefix ending in `:`).
/// The name of a generator the body makes (see `FnGen::case`).
const LOCAL_GEN: &str = "gl";

fn is_on(pending: &[String], name: &str) -> bool {
    !pending
        .iter()
        .any(|p| p == name || (p.ends_with(':') && name.starts_with(p.as_str())))
}

/// `text` with each whole word `from` of `names` written `to` (identifiers only: a word is a
/// run of letters, digits and `_`).
fn rename_words(text: &str, names: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let w = names
            .iter()
            .find(|(f, _)| *f == word.as_str())
            .map_or(word.as_str(), |(_, t)| *t);
        out.push_str(w);
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The state of the generation of one case.
struct FnGen<'a> {
    rng: Rng,
    pending: &'a [String],
    float: Float,
    base: String,
    frames: Vec<Vec<Var>>,
    /// Floats declared by a typed `let` (`let v: FLT = ..;`): their clones are written (see
    /// `var_atom`).
    typed_lets: std::collections::HashSet<String>,
    /// Parameters taken by reference (`x1: &f64`), shadowed by a copy (`let x1: f64 = *x1;`).
    ref_params: std::collections::HashSet<String>,
    consts: Vec<(String, f64)>,
    helpers: Vec<Helper>,
    fresh: usize,
    items: String,
    /// Statements left in the current function (bounds its size).
    budget: i32,
    /// A slice parameter searched (`slice_search_stmt`): the parameters stay parameters (the
    /// searches of a model's fields are not taken apart).
    searched: bool,
    /// The parameters become a rich model's fields (see `rich_model`): no searches.
    rich: bool,
    /// The current function has an early `return` so far.
    returned: bool,
    /// Names that must not be bound again (parameters that become fields of a model).
    no_shadow: Vec<String>,
    /// A layer's `#[gradient]` method is called (`layer.score_vh(..)`): the layer struct gets it.
    layer_method: bool,
    /// The free `#[gradient]` function of a layer that the body calls on an element, if any.
    layer_free_fn: Option<String>,
    /// The body being generated is a plain helper's (see `helper`).
    in_helper: bool,
}

const OPS: &[&str] = &["+", "-", "*"];

impl<'a> FnGen<'a> {
    fn new(rng: Rng, pending: &'a [String], float: Float, base: String) -> Self {
        FnGen {
            rng,
            pending,
            float,
            base,
            frames: vec![],
            typed_lets: std::collections::HashSet::new(),
            ref_params: std::collections::HashSet::new(),
            consts: vec![],
            helpers: vec![],
            fresh: 0,
            items: String::new(),
            budget: 0,
            searched: false,
            rich: false,
            returned: false,
            no_shadow: vec![],
            layer_method: false,
            layer_free_fn: None,
            in_helper: false,
        }
    }

    fn on(&self, name: &str) -> bool {
        is_on(self.pending, name)
    }

    /// The arms of a `match` of an `Option`, `some` and `none`, sometimes `None` first: a unit
    /// variant in a pattern that may not match, never to be taken for a binding (renamed, it
    /// would match anything).
    fn opt_arms(&mut self, some: String, none: String) -> String {
        if self.on("stmt:none_first") && self.rng.chance(0.5) {
            format!("{none}, {some}")
        } else {
            format!("{some}, {none}")
        }
    }

    /// Whether a generic model of this case holds fields of concrete models (`layers:
    /// Vec<Layer>` beside `s: T`) rather than generic ones: half the cases, the same answer
    /// wherever it is asked.
    fn concrete_fields(&self) -> bool {
        self.on("model:generic_concrete_field")
            && self.base.bytes().map(u32::from).sum::<u32>() % 2 == 0
    }

    /// All of `names` are on.
    fn all_on(&self, names: &[String]) -> bool {
        names.iter().all(|n| self.on(n))
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        let name = format!("{prefix}{}", self.fresh);
        // A closure called `f32` is legal Rust but no one's code; skip the type names.
        if name == "f32" || name == "f64" {
            return self.fresh(prefix);
        }
        name
    }

    fn value(&mut self, k: &ParamKind) -> Value {
        let round = |f: Float, v: f64| if f == Float::F32 { v as f32 as f64 } else { v };
        match *k {
            ParamKind::Scalar(lo, hi) => Value::Float(round(self.float, self.rng.uniform(lo, hi))),
            ParamKind::Slice(lo, hi) => {
                let n = 1 + self.rng.below(6);
                Value::Slice(
                    (0..n)
                        .map(|_| round(self.float, self.rng.uniform(lo, hi)))
                        .collect(),
                )
            }
            ParamKind::Rows {
                lo,
                hi,
                width,
                count,
                ..
            } => {
                let n = count.unwrap_or_else(|| 1 + self.rng.below(3));
                Value::Rows(
                    (0..n)
                        .map(|_| {
                            let w = width.unwrap_or_else(|| 1 + self.rng.below(3));
                            (0..w)
                                .map(|_| round(self.float, self.rng.uniform(lo, hi)))
                                .collect()
                        })
                        .collect(),
                )
            }
            ParamKind::Usize => Value::Int(self.rng.range(0, 4)),
            ParamKind::I32 => Value::Int(self.rng.range(-3, 3)),
            ParamKind::Bool => Value::Bool(self.rng.chance(0.5)),
            ParamKind::Gen => Value::Gen(1 + self.rng.below(1000) as u64),
        }
    }

    // ---------------------------------------------------------------------------------------
    // Scope
    // ---------------------------------------------------------------------------------------

    fn declare(&mut self, name: &str, kind: VarKind, mutable: bool) {
        let v = Var {
            name: name.to_string(),
            kind,
            mutable,
            param: false,
        };
        self.frames.last_mut().expect("a frame").push(v);
    }

    /// The variables in scope, the innermost binding of each name.
    fn visible(&self) -> Vec<Var> {
        let mut out: Vec<Var> = Vec::new();
        for v in self.frames.iter().flatten() {
            out.retain(|w| w.name != v.name);
            out.push(v.clone());
        }
        out
    }

    fn floats(&self, pred: impl Fn(&Var, Iv) -> bool) -> Vec<(String, Iv)> {
        self.visible()
            .into_iter()
            .filter_map(|v| match v.kind {
                VarKind::Float(iv) if pred(&v, iv) => Some((v.name, iv)),
                _ => None,
            })
            .collect()
    }

    fn ints(&self) -> Vec<(String, Option<String>, &'static str)> {
        self.visible()
            .into_iter()
            .filter_map(|v| match v.kind {
                VarKind::Int { index_for, ty } => Some((v.name, index_for, ty)),
                _ => None,
            })
            .collect()
    }

    fn seqs(&self) -> Vec<(String, String, Iv, usize, bool)> {
        self.visible()
            .into_iter()
            .filter_map(|v| match v.kind {
                VarKind::Seq {
                    key,
                    iv,
                    min_len,
                    slice,
                } => Some((v.name, key, iv, min_len, slice)),
                _ => None,
            })
            .collect()
    }

    fn slices(&self) -> Vec<(String, Iv)> {
        self.seqs()
            .into_iter()
            .filter(|s| s.4)
            .map(|s| (s.0, s.2))
            .collect()
    }

    // ---------------------------------------------------------------------------------------
    // Literals and consts
    // ---------------------------------------------------------------------------------------

    /// A value inside `d`, with two decimals.
    fn value_in(&mut self, d: (f64, f64)) -> f64 {
        let lo = if d.0.is_finite() {
            d.0
        } else {
            d.1.min(2.0) - 4.0
        };
        let hi = if d.1.is_finite() { d.1 } else { lo + 3.0 };
        for _ in 0..20 {
            let v = (self.rng.uniform(lo, hi) * 100.0).round() / 100.0;
            if v >= d.0 && v <= d.1 && v != 0.0 {
                return v;
            }
        }
        (lo + hi) / 2.0
    }

    /// An unsuffixed float literal (`1.25`, `(-0.5)`); its type comes from the context.
    fn lit(&mut self, v: f64) -> Ex {
        let s = fmt_float(v);
        let s = if v < 0.0 { format!("({s})") } else { s };
        Ex::new(s, false, Iv::pt(v))
    }

    /// A suffixed literal: `1.25_f64`, `1.25f64`, `2f64`, `2_f64`.
    fn lit_sfx(&mut self, v: f64) -> Ex {
        let body = if v.fract() == 0.0 && self.rng.chance(0.5) {
            format!("{}", v.abs() as i64)
        } else {
            fmt_float(v.abs())
        };
        let sep = if self.rng.chance(0.5) { "_" } else { "" };
        let s = format!("{body}{sep}{FLT}");
        let s = if v < 0.0 { format!("(-{s})") } else { s };
        Ex::new(s, true, Iv::pt(v))
    }

    /// A module-level `const` of value in `d` (reused when one fits).
    fn konst(&mut self, d: (f64, f64)) -> Ex {
        let fits: Vec<(String, f64)> = self
            .consts
            .iter()
            .filter(|c| c.1 >= d.0 && c.1 <= d.1)
            .cloned()
            .collect();
        if !fits.is_empty() && self.rng.chance(0.5) {
            let (n, v) = self.rng.pick(&fits).clone();
            return Ex::new(n, true, Iv::pt(v)).named();
        }
        let v = self.value_in(d);
        let name = format!("C{}_{}_{FLT}", self.base.to_uppercase(), self.consts.len());
        let _ = writeln!(self.items, "const {name}: {FLT} = {};", fmt_float(v));
        self.consts.push((name.clone(), v));
        Ex::new(name, true, Iv::pt(v)).named()
    }

    // ---------------------------------------------------------------------------------------
    // Expressions
    // ---------------------------------------------------------------------------------------

    /// A float expression of nesting at most `d`.
    fn expr(&mut self, d: u32) -> Ex {
        let e = if d == 0 {
            self.atom()
        } else {
            // atom, binop, neg, method, paren, if, block, reduction, call, int, other float
            let w = [3, 6, 1, 6, 1, 1, 1, 2, 2, 1, 1];
            match self.rng.weighted(&w) {
                0 => self.atom(),
                1 => self.binop(d),
                2 => {
                    let a = self.expr(d - 1);
                    Ex::new(format!("-{}", paren(&a.s)), a.typed, a.iv.neg())
                }
                3 => self.method_call(d),
                4 => {
                    let a = self.expr(d - 1);
                    Ex::new(format!("({})", a.s), a.typed, a.iv)
                }
                5 if self.on("expr:if") => self.if_expr(d),
                6 if self.on("expr:block") => self.block_expr(d),
                7 if self.on("expr:array_map") && self.rng.chance(0.15) => self.array_map(d),
                7 => self.reduction(d).unwrap_or_else(|| self.atom()),
                8 => self.call(d).unwrap_or_else(|| self.atom()),
                9 => self.int_cast().unwrap_or_else(|| self.atom()),
                _ if self.on("expr:step_cast") && self.rng.chance(0.35) => self.step_cast(d),
                _ => self.through_other(d).unwrap_or_else(|| self.atom()),
            }
        };
        self.squash(e)
    }

    /// A step of a float: cast to an integer and back (`((e * 2.0) as i32) as FLT * 0.5`, `(e +
    /// 3.0) as usize`, `as i64`), or `round_ties_even` — derivative 0 where it has one, in any
    /// position an expression takes. Primitive floats only (`as` and `round_ties_even` are no
    /// `Float` methods). |e| <= 3: every form within [-3, 6].
    fn step_cast(&mut self, d: u32) -> Ex {
        let e = self.wrapped(d - 1, (-3.0, 3.0));
        let (s, iv) = match self.rng.below(4) {
            0 => (
                format!(
                    "((/* {PRIMITIVE_ONLY} */ ({}) * 2.0) as i32) as {FLT} * 0.5",
                    e.s
                ),
                (-3.0, 3.0),
            ),
            1 => (
                format!(
                    "((/* {PRIMITIVE_ONLY} */ ({}) + 3.0) as usize) as {FLT}",
                    e.s
                ),
                (0.0, 6.0),
            ),
            2 => (
                format!("((/* {PRIMITIVE_ONLY} */ ({})) as i64) as {FLT}", e.s),
                (-3.0, 3.0),
            ),
            _ => (
                format!("{FLT}::round_ties_even(/* {PRIMITIVE_ONLY} */ {})", e.s),
                (-3.0, 3.0),
            ),
        };
        Ex::new(format!("({s})"), true, Iv(iv.0, iv.1, e.iv.2))
    }

    /// Keeps magnitudes bounded: `(e).tanh()` past [`SQUASH`].
    fn squash(&mut self, e: Ex) -> Ex {
        if e.iv.mag() > SQUASH || !e.iv.mag().is_finite() {
            let iv = e.iv.to(-1.0, 1.0);
            let s = self.tanh_ex(e);
            Ex::new(s, true, iv)
        } else {
            e
        }
    }

    /// `e` with its type fixed: `({ let t: FLT = e; t })` if it is open. Literal receivers and
    /// first arguments of `FLT::m(..)` are constructs of their own (see [`PENDING`]): the
    /// generator does not make them by accident.
    fn typed(&mut self, e: Ex) -> Ex {
        if e.typed {
            return e;
        }
        let t = self.fresh("t");
        Ex::new(format!("({{ let {t}: {FLT} = {}; {t} }})", e.s), true, e.iv)
    }

    /// A smooth map of `e` into [-1, 1]: `FLT::tanh(e)`, or, when `e` is computed from literals
    /// only (such a receiver is the pending `recv:literal_valued`), `2e / (1 + e²)`.
    fn tanh_ex(&mut self, e: Ex) -> String {
        if !e.iv.2 && !e.named && !self.on("recv:literal_valued") {
            let p = paren(&e.s);
            return format!("(2.0 * {p} / (1.0 + {p} * {p}))");
        }
        let e = self.typed(e);
        format!("{FLT}::tanh({})", e.s)
    }

    /// An expression whose type is fixed (receivers of method calls).
    fn typed_expr(&mut self, d: u32) -> Ex {
        for _ in 0..6 {
            let e = self.expr(d);
            if e.typed {
                return e;
            }
        }
        let e = self.expr(d);
        self.typed(e)
    }

    fn var_atom(&mut self) -> Option<Ex> {
        let fs = self.floats(|_, _| true);
        if fs.is_empty() {
            return None;
        }
        let (n, iv) = self.rng.pick(&fs).clone();
        // A float's clone (clippy's `clone_on_copy`, but people write it): the float. Of a
        // local declared with its type, which the macro knows for a float; not of a parameter,
        // which a model's variant reads as a field (`m.x0.clone()`, taken for a sequence's copy
        // unless the body also reads it as a number).
        let local = self.typed_lets.contains(&n);
        if local && self.on("atom:clone") && self.rng.chance(0.04) {
            return Some(Ex::new(format!("{n}.clone()"), true, iv));
        }
        Some(Ex::new(n, true, iv))
    }

    fn atom(&mut self) -> Ex {
        match self.rng.weighted(&[8, 2, 2, 1, 3, 1, 1]) {
            0 => self.var_atom(),
            1 => {
                let v = self.value_in((-2.0, 2.0));
                Some(self.lit(v))
            }
            2 => {
                let v = self.value_in((-2.0, 2.0));
                Some(self.lit_sfx(v))
            }
            3 if self.on("atom:const") => Some(self.konst((-2.0, 2.0))),
            4 => self.elem(ANY),
            5 if self.on("atom:consts_path") => {
                let (p, v) = *self.rng.pick(&[
                    ("std::FLT::consts::PI", std::f64::consts::PI),
                    ("core::FLT::consts::E", std::f64::consts::E),
                    (
                        "std::FLT::consts::FRAC_1_SQRT_2",
                        std::f64::consts::FRAC_1_SQRT_2,
                    ),
                    ("std::FLT::consts::LN_2", std::f64::consts::LN_2),
                ]);
                Some(Ex::new(p.to_string(), true, Iv::pt(v)))
            }
            6 if self.on("atom:epsilon") => Some(Ex::new(
                format!("(1.0 + {FLT}::EPSILON)"),
                true,
                Iv(1.0, 1.0 + 1e-6, false),
            )),
            _ => None,
        }
        .unwrap_or_else(|| {
            let v = self.value_in((-2.0, 2.0));
            self.lit(v)
        })
    }

    /// An element of a sequence, with a valid index, whose values lie in `d`.
    fn elem(&mut self, d: (f64, f64)) -> Option<Ex> {
        let ints = self.ints();
        if self.rng.chance(0.4) {
            if let Some(e) = self.nested_elem(d, &ints) {
                return Some(e);
            }
        }
        let mut cands = Vec::new();
        for (name, key, iv, min_len, _) in self.seqs() {
            if !iv.within(d) {
                continue;
            }
            if min_len >= 1 {
                cands.push(format!("{name}[0]"));
                if key == name {
                    cands.push(format!("{name}[{name}.len() - 1]"));
                }
            }
            if min_len >= 4 {
                cands.push(format!("{name}[3]"));
            }
            for (i, f, _) in &ints {
                if f.as_deref() == Some(key.as_str()) {
                    cands.push(format!("{name}[{i}]"));
                    cands.push(format!("{name}[{i}]"));
                }
            }
            if !cands.is_empty() {
                let s = self.rng.pick(&cands).clone();
                return Some(Ex::new(s, true, iv));
            }
        }
        None
    }

    /// An element of rows (`ws[0][0]`, `ws[i][0]`, `ws[ws.len() - 1][..]`) or of a model's
    /// layers (`layers[l].b`, `layers[0].w[j]`) whose values lie in `d`.
    fn nested_elem(
        &mut self,
        d: (f64, f64),
        ints: &[(String, Option<String>, &str)],
    ) -> Option<Ex> {
        let mut cands = Vec::new();
        for v in self.visible() {
            let w = &v.name;
            let idx: Vec<&String> = ints
                .iter()
                .filter(|i| i.1.as_deref() == Some(&format!("rows:{w}")))
                .map(|i| &i.0)
                .collect();
            match v.kind {
                VarKind::Rows {
                    iv,
                    width,
                    tuple: false,
                    ..
                } if iv.within(d) && self.on("elem:rows") => {
                    cands.push((format!("{w}[0][0]"), iv));
                    cands.push((
                        format!("{w}[{w}.len() - 1][{w}[{w}.len() - 1].len() - 1]"),
                        iv,
                    ));
                    if let Some(n) = width {
                        cands.push((format!("{w}[0][{}]", n - 1), iv));
                    }
                    for i in idx {
                        cands.push((format!("{w}[{i}][0]"), iv));
                        cands.push((format!("{w}[{i}][{w}[{i}].len() - 1]"), iv));
                    }
                }
                VarKind::Layers { iv, wlen } if iv.within(d) && self.on("elem:layers") => {
                    cands.push((format!("{w}[0].b"), iv));
                    cands.push((format!("{w}[0].w[{}]", wlen - 1), iv));
                    if self.on("layers:index_expr") {
                        cands.push((format!("{w}[{w}.len() - 1].w[{}]", wlen - 1), iv));
                        cands.push((format!("{w}[{w}.len() - 1].b"), iv));
                    }
                    cands.push((format!("{w}[0].w[{w}[0].w.len() - 1]"), iv));
                    let idx: Vec<&String> = ints
                        .iter()
                        .filter(|i| i.1.as_deref() == Some(&format!("layers:{w}")))
                        .map(|i| &i.0)
                        .collect();
                    for l in idx {
                        cands.push((format!("{w}[{l}].b"), iv));
                        cands.push((format!("{w}[{l}].w[0]"), iv));
                    }
                }
                _ => {}
            }
        }
        if cands.is_empty() {
            return None;
        }
        let (s, iv) = self.rng.pick(&cands).clone();
        Some(Ex::new(s, true, iv))
    }

    /// `xs` is not a layer's `w`, or the construct `key` on such a `w` is on.
    fn layer_ok(&self, xs: &str, key: &str) -> bool {
        !is_placeholder(xs) || self.on(key)
    }

    /// Whether `name` may be bound again (by a shadowing `let`) or captured by a format string.
    fn may_shadow(&self, name: &str) -> bool {
        !self.no_shadow.iter().any(|n| n == name) && !is_placeholder(name)
    }

    /// A float through the other float type and back. In an f32 case `(e as f64) as FLT`,
    /// exact, of any `e`; in an f64 case `(e as f32) as FLT` or `FLT::from(e as f32)` of a
    /// literal or a `const`: across f32's steps no difference quotient checks the slope of a
    /// differentiated value (`grad-tests/tests/conventions.rs` checks it exactly), and whether a
    /// local is differentiated is not tracked through later updates (an accumulator starts
    /// constant), so only what is constant by its form is narrowed.
    fn through_other(&mut self, d: u32) -> Option<Ex> {
        if !self.on("expr:through_other") {
            return None;
        }
        let e = match self.float {
            Float::F32 => self.expr(d - 1),
            Float::F64 if self.on("atom:const") && self.rng.chance(0.5) => self.konst((-2.0, 2.0)),
            Float::F64 => {
                let v = self.value_in((-2.0, 2.0));
                self.lit(v)
            }
        };
        let s = match self.float {
            Float::F32 => format!("((/* {PRIMITIVE_ONLY} */ ({}) as f64) as {FLT})", e.s),
            Float::F64 if self.rng.chance(0.5) => {
                format!("{FLT}::from(/* {PRIMITIVE_ONLY} */ ({}) as f32)", e.s)
            }
            Float::F64 => format!("((/* {PRIMITIVE_ONLY} */ ({}) as f32) as {FLT})", e.s),
        };
        Some(Ex::new(s, true, e.iv))
    }

    /// `[a, b].map(|v| ..)[k]`, `[a, b, c].map(FLT::tanh).iter().sum::<FLT>()`, `[a; 2].map(..)`:
    /// an array mapped element by element, read at once.
    fn array_map(&mut self, d: u32) -> Ex {
        let n = 2 + self.rng.below(2);
        let repeat = self.rng.chance(0.25);
        let elems: Vec<Ex> = (0..if repeat { 1 } else { n })
            .map(|_| self.wrapped(d - 1, (-2.0, 2.0)))
            .collect();
        let iv = elems.iter().skip(1).fold(elems[0].iv, |a, e| a.union(e.iv));
        let array = if repeat {
            format!("[{}; {n}]", self.typed(elems[0].clone()).s)
        } else {
            let first = self.typed(elems[0].clone()).s;
            let rest: Vec<&str> = elems[1..].iter().map(|e| e.s.as_str()).collect();
            format!("[{first}, {}]", rest.join(", "))
        };
        let (f, out) = match self.rng.below(3) {
            0 => {
                let m = *self.rng.pick(&["tanh", "sin", "atan"]);
                (format!("{FLT}::{m}"), Iv(-2.0, 2.0, iv.2))
            }
            1 => {
                let v = self.fresh("v");
                let b = self.closure_body(&[&v], iv, d - 1);
                (format!("|{v}: {FLT}| {}", b.s), b.iv)
            }
            _ => {
                let v = self.fresh("v");
                let b = self.closure_body(&[&v], iv, d - 1);
                // A block body, its parameter bound again.
                (format!("|{v}| {{ let {v} = {v} * 1.0; {} }}", b.s), b.iv)
            }
        };
        if self.rng.chance(0.5) {
            let k = self.rng.below(n);
            Ex::new(format!("{array}.map({f})[{k}]"), true, out)
        } else {
            Ex::new(
                format!("{array}.map({f}).iter().sum::<{FLT}>()"),
                true,
                out.mul(Iv(0.0, n as f64, false)),
            )
        }
    }

    /// `(i as FLT)`, `FLT::from(k)`.
    fn int_cast(&mut self) -> Option<Ex> {
        if self.rng.chance(0.25) {
            // A test of differentiated values as a number: a cast, or `From` of one.
            let a = self.expr(1);
            let b = self.expr(1);
            let c = fmt_float(self.value_in((-0.9, 0.9)));
            let s = match self.rng.below(3) {
                // (The cast's operand in parentheses: the generic twin reads `(..) as FLT`.)
                0 => format!("((({} > {c}) as u8) as {FLT})", a.s),
                1 => format!("{FLT}::from(u8::from({} < {c}))", a.s),
                _ => format!(
                    "({FLT}::from(i16::from({} > {c} && {} <= {c})) * 0.5)",
                    a.s, b.s
                ),
            };
            return Some(Ex::new(s, true, Iv(0.0, 1.0, false)));
        }
        let ints = self.ints();
        if ints.is_empty() {
            return None;
        }
        let (n, _, ty) = self.rng.pick(&ints).clone();
        if ty == "u32" && self.rng.chance(0.5) {
            // `f32: From<u32>` does not exist; `From<u16>` does.
            let s = if self.float == Float::F64 {
                format!("{FLT}::from({n})")
            } else {
                format!("{FLT}::from({n} as u16)")
            };
            return Some(Ex::new(s, true, Iv(0.0, 3.0, false)));
        }
        if ty == "i32" && self.on("atom:from_i32") && self.rng.chance(0.5) {
            // `f32: From<i32>` does not exist; `From<i16>` does, for both types.
            let s = if self.float == Float::F64 {
                format!("{FLT}::from({n})")
            } else {
                format!("{FLT}::from({n} as i16)")
            };
            return Some(Ex::new(s, true, Iv(-3.0, 3.0, false)));
        }
        Some(Ex::new(
            format!("({n} as {FLT})"),
            true,
            Iv(-3.0, 8.0, false),
        ))
    }

    fn binop(&mut self, d: u32) -> Ex {
        let a = self.expr(d - 1);
        if self.rng.chance(0.2) {
            // Division by something kept away from 0.
            let b = self.expr(d - 1);
            let b = self.wrap(b, POS);
            let recip = b.iv.to(1.0 / b.iv.1, 1.0 / b.iv.0);
            return Ex::new(
                format!("({} / {})", a.s, b.s),
                a.typed || b.typed,
                a.iv.mul(recip),
            );
        }
        if self.on("op:rem") && self.rng.chance(0.04) {
            // The truncated remainder, by a divisor kept away from 0; its value lies within
            // both operands' magnitudes.
            let b = self.expr(d - 1);
            let b = self.wrap(b, (1.5, INF));
            let m = a.iv.mag().min(b.iv.1);
            return Ex::new(
                format!("({} % {})", a.s, b.s),
                a.typed || b.typed,
                Iv(-m, m, a.iv.2 || b.iv.2),
            );
        }
        let b = self.expr(d - 1);
        let op = *self.rng.pick(OPS);
        let iv = match op {
            "+" => a.iv.add(b.iv),
            "-" => a.iv.add(b.iv.neg()),
            _ => a.iv.mul(b.iv),
        };
        Ex::new(format!("({} {op} {})", a.s, b.s), a.typed || b.typed, iv)
    }

    /// `e` if its values lie in `d`, else `e` mapped into `d`.
    fn wrap(&mut self, e: Ex, d: (f64, f64)) -> Ex {
        if e.iv.within(d) {
            return e;
        }
        let te = self.tanh_ex(e.clone());
        let tanh = |_: &Ex| te.clone();
        match (d.0.is_finite(), d.1.is_finite()) {
            (true, true) => {
                let mid = (d.0 + d.1) / 2.0;
                let half = (d.1 - d.0) / 2.0 * 0.95;
                // `half · tanh(e / half)`: slope at most 1, so a loop of such updates does not
                // multiply derivatives by ~1e3 per iteration. (With `half · tanh(e)` three
                // iterations reached adjoints of 1e10 that cancel exactly in the reals and in f64,
                // but not in f32: `1 + a − a` with `a = 1.3e10` is 0 in f32. That is the rounding
                // of reverse accumulation, not a rule, and it is not what the f32 tolerance in
                // `check` is argued for.)
                let t = if half > 1.0 {
                    let inv = Iv(1.0 / half, 1.0 / half, false);
                    let scaled = Ex::new(
                        format!("({} / {})", paren(&e.s), fmt_float(half)),
                        e.typed,
                        e.iv.mul(inv),
                    );
                    self.tanh_ex(scaled)
                } else {
                    tanh(&e)
                };
                let s = format!("({} + {} * {})", fmt_float(mid), fmt_float(half), t);
                Ex::new(s, true, e.iv.to(mid - half, mid + half))
            }
            (true, false) => {
                // e * e + a, unless e is large (then a + 1 + tanh(e)).
                let a = d.0 + 0.1;
                if e.iv.mag() > 1e3 {
                    let s = format!("({} + {})", fmt_float(a + 1.0), tanh(&e));
                    return Ex::new(s, true, e.iv.to(a, a + 2.0));
                }
                let sq = e.iv.mul(e.iv);
                let s = format!("({} * {} + {})", paren(&e.s), paren(&e.s), fmt_float(a));
                Ex::new(s, e.typed, e.iv.to(a + sq.0.max(0.0), a + sq.1))
            }
            (false, true) => {
                let b = d.1 - 0.1;
                let s = format!("({} - {} * {})", fmt_float(b), paren(&e.s), paren(&e.s));
                let sq = e.iv.mul(e.iv);
                Ex::new(s, e.typed, e.iv.to(b - sq.1, b))
            }
            (false, false) => e,
        }
    }

    /// An operand of kind `kind` in domain `d`, if one can be made (`None`: fall back).
    fn operand(&mut self, kind: &str, d: (f64, f64), depth: u32, method_form: bool) -> Option<Ex> {
        match kind {
            "param" | "local" => {
                let want_param = kind == "param";
                let fs = self.floats(|v, iv| v.param == want_param && iv.within(d));
                if fs.is_empty() {
                    return None;
                }
                let (n, iv) = self.rng.pick(&fs).clone();
                let e = Ex::new(n, true, iv);
                Some(if want_param { e.named() } else { e })
            }
            "lit" => {
                let v = self.value_in(d);
                Some(self.lit(v))
            }
            "lit_sfx" => {
                let v = self.value_in(d);
                let e = self.lit_sfx(v);
                if method_form && !e.s.starts_with('(') && self.rng.chance(0.3) {
                    return Some(Ex::new(format!("({})", e.s), true, e.iv));
                }
                Some(e)
            }
            "const" => Some(self.konst(d)),
            "elem" => self.elem(d),
            _ => {
                let e = if method_form {
                    self.typed_expr(depth.saturating_sub(1))
                } else {
                    self.expr(depth.saturating_sub(1))
                };
                let e = self.wrap(e, d);
                Some(if method_form { self.typed(e) } else { e })
            }
        }
    }

    const KINDS: &'static [&'static str] = &[
        "param", "local", "lit", "lit_sfx", "const", "expr", "expr", "elem",
    ];

    /// A call of a float method, in method form `r.m(a)`, path form `FLT::m(r, a)` or qualified
    /// path form `<FLT>::m(r, a)`, with receiver and arguments of random kinds.
    fn method_call(&mut self, d: u32) -> Ex {
        for _ in 0..10 {
            let m = self.rng.pick(METHODS);
            let form = *self.rng.pick(&["method", "method", "path", "qpath"]);
            let mut keys = vec![format!("m:{}", m.name), format!("form:{form}")];
            let mut ops: Vec<Ex> = Vec::new();
            for (j, &dom) in m.doms.iter().enumerate() {
                let mut kind = *self.rng.pick(Self::KINDS);
                if j == 0 && form == "method" && kind == "lit" {
                    // `2.0.sqrt()` is not Rust.
                    kind = "lit_sfx";
                }
                let role = if j == 0 { "recv" } else { "arg" };
                let k1 = format!("{role}:{form}:{kind}");
                let k2 = format!("{role}:{form}:{kind}:{}", m.name);
                let k3 = format!("{role}:{kind}:{}", m.name);
                let e = if self.all_on(&[k1.clone(), k2.clone(), k3.clone()]) {
                    // A receiver's type must be fixed in every form; `log`'s base too.
                    let typed = j == 0 || m.name == "log";
                    self.operand(kind, dom, d, typed)
                } else {
                    None
                };
                let e = match e {
                    Some(e) => {
                        keys.extend([k1, k2, k3]);
                        e
                    }
                    None => {
                        let e = if j == 0 || m.name == "log" {
                            self.typed_expr(d - 1)
                        } else {
                            self.expr(d - 1)
                        };
                        let e = self.wrap(e, dom);
                        if j == 0 || m.name == "log" {
                            self.typed(e)
                        } else {
                            e
                        }
                    }
                };
                ops.push(e);
            }
            if !self.all_on(&keys) {
                continue;
            }
            // An operand that came out as a bare const or literal counts as that kind.
            for (j, e) in ops.iter().enumerate() {
                let role = if j == 0 { "recv" } else { "arg" };
                let kind = if self.consts.iter().any(|c| c.0 == e.s) {
                    "const"
                } else if is_literal(&e.s) {
                    if e.typed {
                        "lit_sfx"
                    } else {
                        "lit"
                    }
                } else {
                    continue;
                };
                keys.push(format!("{role}:{form}:{kind}"));
                keys.push(format!("{role}:{form}:{kind}:{}", m.name));
                keys.push(format!("{role}:{kind}:{}", m.name));
            }
            if !self.all_on(&keys) {
                continue;
            }
            // A receiver (or `log`'s base) computed from literals only, not a bare parameter or
            // const: a construct of its own.
            let lit_valued = |e: &Ex| !e.iv.2 && !e.named;
            if (lit_valued(&ops[0]) || (m.name == "log" && lit_valued(&ops[1])))
                && !self.on("recv:literal_valued")
            {
                continue;
            }
            let ivs: Vec<Iv> = ops.iter().map(|e| e.iv).collect();
            let mut args: Vec<String> = ops.iter().skip(1).map(|e| e.s.clone()).collect();
            let mut iv = range_of(m.eval, &ivs);
            if m.int_arg {
                let n = self.rng.range(-2, 3);
                let lo = ops[0].iv.0.abs().min(ops[0].iv.1.abs());
                let n = if n < 0 && (ops[0].iv.0 <= 0.3 && ops[0].iv.1 >= -0.3) {
                    -n
                } else {
                    n
                };
                let ints = self.ints();
                let arg = match ints.iter().find(|i| i.2 == "i32") {
                    Some(k) if self.on("arg:powi:i32_param") && self.rng.chance(0.3) => {
                        // k in -3..=3 and the base may be near 0: use |k|, and bound.
                        iv = ops[0].iv.to(-1e3, 1e3);
                        if lo < 0.3 {
                            format!("{}.abs()", k.0)
                        } else {
                            k.0.clone()
                        }
                    }
                    _ => {
                        let p = ops[0].iv.mag().powi(n.abs() as i32).max(1.0);
                        iv = if n < 0 {
                            ops[0]
                                .iv
                                .to(-1.0 / lo.powi(-n as i32), 1.0 / lo.powi(-n as i32))
                        } else {
                            ops[0].iv.to(-p, p)
                        };
                        n.to_string()
                    }
                };
                args.push(arg);
            }
            if m.name == "sin" || m.name == "cos" {
                iv = iv.to(-1.0, 1.0);
            }
            let r = &ops[0];
            let s = match form {
                "method" => format!("{}.{}({})", paren_recv(&r.s), m.name, args.join(", ")),
                "path" => format!("{FLT}::{}({})", m.name, join_all(&r.s, &args)),
                _ => format!("<{FLT}>::{}({})", m.name, join_all(&r.s, &args)),
            };
            return Ex::new(s, true, iv);
        }
        self.atom()
    }

    fn cond(&mut self, d: u32) -> String {
        let c = match self.rng.weighted(&[5, 2, 1, 1, 1, 1]) {
            0 => {
                let a = self.expr(d.min(1));
                let b = self.expr(d.min(1));
                let op = *self.rng.pick(&["<", "<=", ">", ">="]);
                // `1.0 < 2.0` compiles; comparing untyped literals is fine.
                format!("{} {op} {}", paren(&a.s), paren(&b.s))
            }
            1 => {
                let ints = self.ints();
                if ints.is_empty() {
                    return "true".into();
                }
                let (n, _, ty) = self.rng.pick(&ints).clone();
                let op = *self.rng.pick(&["<", ">", "==", "!=", ">="]);
                let k = if ty == "i32" {
                    self.rng.range(-2, 2)
                } else {
                    self.rng.range(0, 3)
                };
                format!("{n} {op} {k}")
            }
            2 if d > 0 && self.on("cond:and_or") => {
                let a = self.cond(d - 1);
                let b = self.cond(d - 1);
                let op = if self.rng.chance(0.5) { "&&" } else { "||" };
                format!("({a}) {op} ({b})")
            }
            3 if d > 0 && self.on("cond:not") => format!("!({})", self.cond(d - 1)),
            // A float's whole part cast to an integer, compared.
            5 if self.on("cond:float_cast") && self.rng.chance(0.3) => {
                let e = self.wrapped(1, (-2.0, 2.0));
                let op = *self.rng.pick(&["<", ">", "==", "!=", ">="]);
                let k = self.rng.range(-1, 1);
                format!("({FLT}::floor({} * 2.0) as i32) {op} {k}", paren(&e.s))
            }
            4 if self.on("cond:any_all") && self.rng.chance(0.3) && !self.slices().is_empty() => {
                // A predicate over a slice's items.
                let (xs, _) = self.rng.pick(&self.slices()).clone();
                let v = self.fresh("q");
                let k = self.value_in((-1.0, 1.0));
                let (m, op) = (*self.rng.pick(&["any", "all"]), *self.rng.pick(&["<", ">"]));
                if self.rng.chance(0.5) {
                    format!("{xs}.iter().{m}(|{v}| *{v} {op} {k:?})")
                } else {
                    format!("{xs}.iter().{m}(|&{v}| {v} {op} {k:?})")
                }
            }
            4 => {
                let bools: Vec<String> = self
                    .visible()
                    .into_iter()
                    .filter(|v| matches!(v.kind, VarKind::Bool))
                    .map(|v| v.name)
                    .collect();
                match bools.first() {
                    Some(b) if self.rng.chance(0.5) => format!("!{b}"),
                    Some(b) => b.clone(),
                    None => "true".into(),
                }
            }
            _ => {
                let a = self.expr(0);
                let v = self.value_in((-2.0, 2.0));
                format!("{} != {}", paren(&a.s), fmt_float(v))
            }
        };
        c
    }

    /// A branch of an `if` expression: one that depends on a differentiated input, or a bare
    /// literal, unless the pending `expr:if_inactive_branch` is on.
    fn branch(&mut self, d: u32) -> Ex {
        self.branch_unless(d, "expr:if_inactive_branch")
    }

    /// An expression that depends on a differentiated input or is a bare literal, unless the
    /// construct `key` is on.
    fn branch_unless(&mut self, d: u32, key: &str) -> Ex {
        for _ in 0..8 {
            let e = self.expr(d);
            if e.iv.2 || is_literal(&e.s) || self.on(key) {
                return e;
            }
        }
        self.lit(0.5)
    }

    fn if_expr(&mut self, d: u32) -> Ex {
        let c = self.cond(1);
        let a = self.branch(d - 1);
        let mut s = format!("if {c} {{ {} }}", a.s);
        let mut iv = a.iv;
        let mut typed = a.typed;
        if self.rng.chance(0.3) {
            let c2 = self.cond(1);
            let b = self.branch(d - 1);
            let _ = write!(s, " else if {c2} {{ {} }}", b.s);
            iv = iv.union(b.iv);
            typed |= b.typed;
        }
        let mut b = self.branch(d - 1);
        // `if c { x } else { x }` folds to `x`, and a late-initialized local assigned such a value
        // in both branches meets the pending `stmt:late_init_same`.
        for _ in 0..5 {
            if norm(&b.s) != norm(&a.s) || self.on("stmt:late_init_same") {
                break;
            }
            b = self.branch(d - 1);
        }
        if norm(&b.s) == norm(&a.s) && !self.on("stmt:late_init_same") {
            b = Ex::new(
                format!("{} + 0.5", paren(&a.s)),
                a.typed,
                a.iv.add(Iv::pt(0.5)),
            );
        }
        let _ = write!(s, " else {{ {} }}", b.s);
        Ex::new(format!("({s})"), typed || b.typed, iv.union(b.iv))
    }

    fn block_expr(&mut self, d: u32) -> Ex {
        let t = self.fresh("t");
        let a = self.expr(d - 1);
        self.frames.push(vec![]);
        self.declare(&t, VarKind::Float(a.iv), false);
        let b = self.expr(d - 1);
        self.frames.pop();
        let ann = if a.typed {
            String::new()
        } else {
            format!(": {FLT}")
        };
        let iv = a.iv.mul(b.iv).add(b.iv);
        // Parenthesized: a statement that starts with `{` would end at its `}`.
        Ex::new(
            format!(
                "({{ let {t}{ann} = {}; {t} * {} + {} }})",
                a.s,
                paren(&b.s),
                paren(&b.s)
            ),
            true,
            iv,
        )
    }

    /// A closure body over the item `v` (owned), with the outer scope visible.
    fn closure_body(&mut self, items: &[&str], iv: Iv, d: u32) -> Ex {
        self.frames.push(vec![]);
        for it in items {
            self.declare(it, VarKind::Float(iv), false);
        }
        let e = self.expr(d.min(2));
        let pick = (*self.rng.pick(items)).to_string();
        self.frames.pop();
        let e = self.wrap(e, (-5.0, 5.0));
        Ex::new(format!("{pick} * {}", paren(&e.s)), true, iv.mul(e.iv))
    }

    /// A reduction over a slice: `.map(..).sum::<T>()`, `.product()`, `.fold(..)`, `.zip(..)`.
    fn reduction(&mut self, d: u32) -> Option<Ex> {
        let sl = self.slices();
        if sl.is_empty() {
            return None;
        }
        let (xs, xiv) = self.rng.pick(&sl).clone();
        let n6 = |iv: Iv| iv.mul(Iv(0.0, 6.0, false));
        let v = self.fresh("v");
        let which = self.rng.below(9);
        let key = format!("reduce:{which}");
        if !self.on(&key)
            || (which == 6 && !self.layer_ok(&xs, "layers:w_windows"))
            || (which == 7 && !self.layer_ok(&xs, "layers:w_filter"))
        {
            return None;
        }
        let e = match which {
            0 if self.on("reduce:chain") && self.rng.chance(0.3) => {
                // Two slices chained, summed (their items' bounds joined, twice as many).
                let (ys, yiv) = self.rng.pick(&sl).clone();
                let arg = if self.rng.chance(0.5) {
                    ys.clone()
                } else {
                    format!("{ys}.iter()")
                };
                // Every other item across both (`step_by` after the chain), mapped.
                if self.on("reduce:chain_step") && self.rng.chance(0.3) {
                    let q = self.fresh("q");
                    return Some(Ex::new(
                        format!("{xs}.iter().chain({arg}).step_by(2).map(|{q}| {q} * 0.5).sum::<{FLT}>()"),
                        true,
                        n6(xiv.union(yiv)),
                    ));
                }
                Ex::new(
                    format!("{xs}.iter().chain({arg}).sum::<{FLT}>()"),
                    true,
                    n6(xiv.union(yiv)).mul(Iv::pt(2.0)),
                )
            }
            0 => Ex::new(format!("{xs}.iter().sum::<{FLT}>()"), true, n6(xiv)),
            1 if self.on("reduce:map_path") && self.rng.chance(0.2) => {
                // A function path in place of the closure.
                let f = *self.rng.pick(&["tanh", "sin", "atan"]);
                Ex::new(
                    format!("{xs}.iter().copied().map({FLT}::{f}).sum::<{FLT}>()"),
                    true,
                    Iv(-10.0, 10.0, xiv.2),
                )
            }
            1 => {
                let b = self.closure_body(&[&v], xiv, d - 1);
                Ex::new(
                    format!("{xs}.iter().map(|&{v}| {}).sum::<{FLT}>()", b.s),
                    true,
                    n6(b.iv),
                )
            }
            2 => {
                // `|v|` binds a reference: used only where `&T op T` exists.
                let b = self.expr(d - 1);
                let b = self.wrap(b, (-5.0, 5.0));
                let s = format!(
                    "{xs}.iter().map(|{v}| {v} * {}).sum::<{FLT}>()",
                    paren(&b.s)
                );
                Ex::new(s, true, n6(xiv.mul(b.iv)))
            }
            3 => {
                let b = self.closure_body(&[&v], xiv, d - 1);
                let t = self.tanh_ex(b);
                let s = format!("{xs}.iter().map(|&{v}| 1.0 + 0.2 * {t}).product::<{FLT}>()");
                Ex::new(s, true, xiv.to(0.0, 1.2f64.powi(6)))
            }
            4 => {
                let acc = self.fresh("acc");
                let init = self.typed_expr(0);
                let init = self.wrap(init, (-5.0, 5.0));
                self.frames.push(vec![]);
                self.declare(
                    &acc,
                    VarKind::Float(init.iv.union(xiv).to(-20.0, 20.0)),
                    false,
                );
                self.declare(&v, VarKind::Float(xiv), false);
                let b = self.expr(d.min(2) - 1);
                let t = self.tanh_ex(b);
                self.frames.pop();
                let s = if self.rng.chance(0.2) && self.on("reduce:tuple_fold") {
                    // A tuple accumulator: the contraction beside a sum of the items, one part
                    // read (the sum's bound is the same as the contraction's).
                    let acc2 = self.fresh("acc");
                    let part = self.rng.below(2);
                    format!(
                        "{xs}.iter().fold(({}, 0.0), |({acc}, {acc2}), &{v}| ({acc} * 0.5 + {t}, {acc2} * 0.5 + {v} * 0.5)).{part}",
                        init.s
                    )
                } else if self.rng.chance(0.2) && self.on("reduce:argmax_fold") {
                    // The largest item with its position, a fold whose accumulator and item are
                    // pairs under one name, given back whole (or the item taken apart).
                    let p = self.fresh("p");
                    let pick = if self.rng.chance(0.5) {
                        format!("|{acc}, {p}| if {p}.1 > {acc}.1 {{ {p} }} else {{ {acc} }}")
                    } else {
                        let i = self.fresh("i");
                        format!("|{acc}, ({i}, {p})| if {p} > {acc}.1 {{ ({i}, {p}) }} else {{ {acc} }}")
                    };
                    format!(
                        "{xs}.iter().copied().enumerate().fold((0, {}), {pick}).1",
                        init.s
                    )
                } else if self.rng.chance(0.2) && self.on("reduce:reduce_path") {
                    // The maximum or minimum of the slice alone, `reduce` with a path.
                    let (copy, f) = (
                        *self.rng.pick(&["cloned", "copied"]),
                        *self.rng.pick(&["max", "min"]),
                    );
                    format!("{xs}.iter().{copy}().reduce({FLT}::{f}).unwrap()")
                } else if self.rng.chance(0.3) && self.on("reduce:fold_path") {
                    // The maximum or minimum of the slice and the start, `fold` with a path.
                    let (copy, f) = (
                        *self.rng.pick(&["cloned", "copied"]),
                        *self.rng.pick(&["max", "min"]),
                    );
                    format!("{xs}.iter().{copy}().fold({}, {FLT}::{f})", init.s)
                } else {
                    format!(
                        "{xs}.iter().fold({}, |{acc}, &{v}| {acc} * 0.5 + {t})",
                        init.s
                    )
                };
                // |acc| <= max(|init|, 2): a contraction plus at most 1.
                Ex::new(s, true, init.iv.union(xiv).to(-7.0, 7.0))
            }
            6 => {
                // Pieces of the slice: neighbours by `windows`, pairs by `chunks`.
                let p = self.fresh("p");
                let e = self.wrapped(1, (-2.0, 2.0));
                let m = xiv.mag();
                let iv = Iv(-2.0 * m, 2.0 * m, true).mul(e.iv);
                let others = self.slices();
                let s = if self.on("reduce:pieces_filter") && self.rng.chance(0.2) {
                    // Pieces through a `filter` stage (on their length or their values), the
                    // `map` reading the piece through a name of its own or not.
                    let d = self.fresh("d");
                    match self.rng.below(3) {
                        0 => format!(
                            "{xs}.chunks(2).filter(|{p}| {p}.len() == 2).map(|{p}| {p}[0] * {} + {p}[1]).sum::<{FLT}>()",
                            paren(&e.s)
                        ),
                        1 => format!(
                            "{xs}.windows(2).filter(|{p}| {p}[1] > {p}[0]).map(|{p}| {{ let {d} = {p}; ({d}[1] - {d}[0]) * {} }}).sum::<{FLT}>()",
                            paren(&e.s)
                        ),
                        _ => format!(
                            "{xs}.chunks_exact(2).map(|{p}| {p}[0] * {}).filter(|{d}| *{d} > 0.0).sum::<{FLT}>()",
                            paren(&e.s)
                        ),
                    }
                } else if self.on("reduce:pieces_pieces") && self.rng.chance(0.2) {
                    // Pieces zipped with pieces of another slice.
                    let (ys, _) = self.rng.pick(&others).clone();
                    let ys = if self.layer_ok(&ys, "layers:w_windows") {
                        ys
                    } else {
                        xs.clone()
                    };
                    let q = self.fresh("q");
                    format!(
                        "{xs}.chunks(2).zip({ys}.windows(2)).map(|({p}, {q})| {p}[0] * {FLT}::tanh({q}[1] - {q}[0]) * {}).sum::<{FLT}>()",
                        paren(&e.s)
                    )
                } else if self.on("reduce:pieces_zip") && self.rng.chance(0.3) {
                    // Pieces zipped with a slice in scope (`&y` bound), or enumerated; each
                    // piece read by index, iterated or measured.
                    let (i, y) = (self.fresh("i"), self.fresh("y"));
                    if !others.is_empty() && self.rng.chance(0.5) {
                        let (ys, _) = self.rng.pick(&others).clone();
                        format!(
                            "{xs}.chunks(2).zip({ys}).map(|({p}, {y})| {p}.iter().sum::<{FLT}>() * {FLT}::tanh(*{y}) * {}).sum::<{FLT}>()",
                            paren(&e.s)
                        )
                    } else {
                        format!(
                            "{xs}.windows(2).enumerate().map(|({i}, {p})| ({p}[1] - {p}[0]) * {} + {p}.len() as {FLT} * 0.1 + {i} as {FLT} * 0.0).sum::<{FLT}>()",
                            paren(&e.s)
                        )
                    }
                } else if self.rng.chance(0.5) {
                    if self.on("expr:pieces_fold") && self.rng.chance(0.3) {
                        format!(
                            "{xs}.windows(2).fold(0.0, |acc, {p}| acc + ({p}[1] - {p}[0]) * {})",
                            paren(&e.s)
                        )
                    } else {
                        format!(
                            "{xs}.windows(2).map(|{p}| ({p}[1] - {p}[0]) * {}).sum::<{FLT}>()",
                            paren(&e.s)
                        )
                    }
                } else {
                    format!(
                        "{xs}.chunks(2).map(|{p}| {p}[0] * {} + {p}[{p}.len() - 1]).sum::<{FLT}>()",
                        paren(&e.s)
                    )
                };
                Ex::new(s, true, n6(iv.union(xiv)))
            }
            7 if self.on("reduce:filter_chain") && self.rng.chance(0.5) => {
                // A predicate among other stages: on the index of `enumerate`, after a `map`,
                // on a range, on a zip's pair, or a `take_while` after a `map`.
                let c = fmt_float(self.rng.uniform(-1.0, 1.0));
                let (i, t) = (self.fresh("i"), self.fresh("t"));
                let b = self.closure_body(&[&v], xiv, d - 1);
                let (pa, pb) = (self.fresh("pa"), self.fresh("pb"));
                let (w, acc) = (self.fresh("w"), self.fresh("acc"));
                let s = match self.rng.below(9) {
                    // Adapters that number or pair items after the stages that compute them
                    // (`map(..).enumerate()`, `map(..).zip(..)`, `map(..).rev()`, a zip of a
                    // `map`), and numbered or stepped after a `filter`; reduced, folded, or
                    // iterated by a `for`.
                    7 if self.on("reduce:stage_order") => {
                        let (ys, _) = self.rng.pick(&sl).clone();
                        let m = format!("{xs}.iter().map(|&{v}| {})", b.s);
                        match self.rng.below(6) {
                            0 => format!("{m}.enumerate().map(|({i}, {t})| {t} / ({i} as {FLT} + 1.0)).sum::<{FLT}>()"),
                            1 => format!("{m}.zip({ys}.iter()).map(|({t}, {w})| {t} * {FLT}::tanh(*{w})).sum::<{FLT}>()"),
                            2 => format!("{ys}.iter().zip({m}).map(|(&{w}, {t})| {t} * {FLT}::tanh({w})).sum::<{FLT}>()"),
                            3 => format!("{m}.rev().enumerate().map(|({i}, {t})| {t} / ({i} as {FLT} + 1.0)).sum::<{FLT}>()"),
                            4 => format!("{m}.enumerate().fold(0.0, |{acc}, ({i}, {t})| {acc} + {t} / ({i} as {FLT} + 1.0))"),
                            _ => format!("({{ let mut {acc}: {FLT} = 0.0; for ({i}, {t}) in {m}.enumerate() {{ {acc} += {t} / ({i} as {FLT} + 1.0); }} {acc} }})"),
                        }
                    }
                    8 if self.on("reduce:stage_order") => {
                        if self.rng.chance(0.3) {
                            // A fold after a filter, its closure taking the reference off.
                            format!(
                                "{xs}.iter().filter(|{t}| **{t} > {c}).fold(0.0, |{acc}, &{v}| {acc} + {})",
                                b.s
                            )
                        } else if self.rng.chance(0.5) {
                            format!(
                                "{xs}.iter().filter(|{t}| **{t} > {c}).enumerate().map(|({i}, &{v})| ({}) / ({i} as {FLT} + 1.0)).sum::<{FLT}>()",
                                b.s
                            )
                        } else {
                            format!(
                                "{xs}.iter().filter(|{t}| **{t} > {c}).step_by(2).map(|&{v}| {}).sum::<{FLT}>()",
                                b.s
                            )
                        }
                    }
                    // Two collections at once: `partition` (of references, or of values by a
                    // pattern), `unzip` of pairs; each part reduced.
                    5 if self.on("reduce:partition") => {
                        let split = if self.rng.chance(0.5) {
                            format!("{xs}.iter().partition(|{t}| **{t} > {c})")
                        } else {
                            format!("{xs}.iter().copied().partition(|&{t}| {t} > {c})")
                        };
                        format!(
                            "({{ let ({pa}, {pb}): (Vec<{FLT}>, Vec<{FLT}>) = {split}; {pa}.iter().map(|&{v}| {}).sum::<{FLT}>() * 0.5 - {pb}.iter().map(|&{v}| {}).sum::<{FLT}>() * 0.5 }})",
                            b.s, b.s
                        )
                    }
                    6 if self.on("reduce:partition") => format!(
                        "({{ let ({pa}, {pb}): (Vec<{FLT}>, Vec<{FLT}>) = {xs}.iter().map(|&{v}| ({}, {v})).unzip(); {pa}.iter().zip(&{pb}).map(|({t}, {i})| {t} * {FLT}::tanh(*{i})).sum::<{FLT}>() }})",
                        b.s
                    ),
                    // Pairs filtered under one name (`|p| p.0 > c`): numbered items, items
                    // mapped to pairs (reduced, or collected as rows of tuples or arrays).
                    0 if self.on("reduce:pair_filter") && self.rng.chance(0.5) => {
                        let (p, pv) = (self.fresh("p"), self.fresh("pv"));
                        match self.rng.below(4) {
                            0 => format!(
                                "{xs}.iter().enumerate().filter(|{p}| {p}.0 % 2 == 0).map(|(_, &{v})| {}).sum::<{FLT}>()",
                                b.s
                            ),
                            1 => format!(
                                "{xs}.iter().map(|&{v}| ({}, {v})).filter(|{p}| {p}.1 > {c}).map(|{p}| {p}.0).sum::<{FLT}>()",
                                b.s
                            ),
                            2 => format!(
                                "({{ let {pv}: Vec<({FLT}, {FLT})> = {xs}.iter().map(|&{v}| ({}, {v})).filter(|{p}| {p}.1 > {c}).collect(); {pv}.iter().map(|&({t}, _)| {t}).sum::<{FLT}>() }})",
                                b.s
                            ),
                            _ => format!(
                                "({{ let {pv}: Vec<[{FLT}; 2]> = {xs}.iter().map(|&{v}| [{v}, {}]).filter(|{p}| {p}[0] > {c}).collect(); {pv}.iter().map(|{p}| {p}[1]).sum::<{FLT}>() }})",
                                b.s
                            ),
                        }
                    }
                    0 => format!(
                        "{xs}.iter().enumerate().filter(|({i}, _)| {i} % 2 == 0).map(|(_, &{v})| {}).sum::<{FLT}>()",
                        b.s
                    ),
                    1 => format!(
                        "{xs}.iter().map(|&{v}| {}).filter(|{t}| *{t} > {c}).sum::<{FLT}>()",
                        b.s
                    ),
                    2 => format!(
                        "(0..{xs}.len()).filter(|{i}| {i} % 2 == 1).map(|{i}| {xs}[{i}]).map(|{v}| {}).sum::<{FLT}>()",
                        b.s
                    ),
                    3 => {
                        let (ys, _) = self.rng.pick(&sl).clone();
                        format!(
                            "{xs}.iter().zip({ys}.iter()).enumerate().filter(|&({i}, (_, b))| {i} != 1 && *b < {c} + 1.0).map(|(_, (&{v}, _))| {}).sum::<{FLT}>()",
                            b.s
                        )
                    }
                    _ => format!(
                        "{xs}.iter().copied().map(|{v}| {}).take_while(|&{t}| {t} < {c} + 1.5).sum::<{FLT}>()",
                        b.s
                    ),
                };
                // A count of the items the stages give: the first ones, or all but them.
                let s = if self.on("reduce:filter_take") && self.rng.chance(0.4) {
                    let k =
                        *self
                            .rng
                            .pick(&[".take(2)", ".skip(1)", ".skip(1).take(2)", ".take(0)"]);
                    match s.rfind(".sum::<") {
                        Some(at) => format!("{}{k}{}", &s[..at], &s[at..]),
                        None => s,
                    }
                } else {
                    s
                };
                Ex::new(s, true, n6(b.iv))
            }
            7 => {
                // Only the elements past a threshold (a kink where one crosses it).
                let c = fmt_float(self.rng.uniform(-1.0, 1.0));
                let b = self.closure_body(&[&v], xiv, d - 1);
                let (f, keep) = if self.rng.chance(0.7) {
                    ("filter", format!("|{v}| **{v} > {c}"))
                } else {
                    ("take_while", format!("|&&{v}| {v} < {c} + 1.5"))
                };
                let s = format!("{xs}.iter().{f}({keep}).map(|&{v}| {}).sum::<{FLT}>()", b.s);
                Ex::new(s, true, n6(b.iv))
            }
            8 => {
                let (f, cmp) = (
                    *self.rng.pick(&["max_by", "min_by"]),
                    *self
                        .rng
                        .pick(&["a.total_cmp(b)", "a.partial_cmp(b).unwrap()"]),
                );
                if self.on("reduce:key_extremum") && self.rng.chance(0.25) {
                    // The element whose key is least or greatest (`(p - a).abs()` of each side).
                    let e = self.wrapped(1, (-2.0, 2.0));
                    let e = paren(&e.s);
                    let (ka, kb, tail) = if self.rng.chance(0.5) {
                        (
                            format!("({e} - *a).abs()"),
                            format!("({e} - *b).abs()"),
                            "total_cmp(&",
                        )
                    } else {
                        (
                            "(*a * 0.5).sin()".to_string(),
                            "(*b * 0.5).sin()".to_string(),
                            "partial_cmp(&",
                        )
                    };
                    let close = if tail.starts_with("partial") {
                        ").unwrap()"
                    } else {
                        ")"
                    };
                    // Over copies: the element itself, a float (`min_by` lends each side).
                    let s =
                        format!("{xs}.iter().copied().{f}(|a, b| {ka}.{tail}{kb}{close}).unwrap()");
                    return Some(Ex::new(s, true, xiv));
                }
                if self.on("reduce:map_extremum") && self.rng.chance(0.3) {
                    // Of the items a closure makes, sometimes with a default for none.
                    let b = self.closure_body(&[&v], xiv, d - 1);
                    let or = if self.on("reduce:unwrap_or") && self.rng.chance(0.5) {
                        ".unwrap_or(0.0)"
                    } else {
                        ".unwrap()"
                    };
                    let s = format!("{xs}.iter().map(|&{v}| {}).{f}(|a, b| {cmp}){or}", b.s);
                    return Some(Ex::new(s, true, b.iv.union(Iv::pt(0.0))));
                }
                if self.on("reduce:unwrap_or") && self.rng.chance(0.3) {
                    // An element or a reduction that may be absent, with its default.
                    let k = self.rng.range(0, 4);
                    let (copy, f) = (
                        *self.rng.pick(&["cloned", "copied"]),
                        *self.rng.pick(&["max", "min"]),
                    );
                    // (Ends of reversed and filtered chains too.)
                    let arms = if self.on("reduce:chain_ends") { 11 } else { 7 };
                    let s = match self.rng.below(arms) {
                        7 => format!("{xs}.iter().rev().nth({k}).{copy}().unwrap_or(0.5)"),
                        8 => format!("{xs}.iter().rev().skip({k}).next().{copy}().unwrap_or(0.5)"),
                        9 => format!(
                            "{xs}.iter().{copy}().filter(|t| *t < 0.3).last().unwrap_or(0.5)"
                        ),
                        10 => format!(
                            "{xs}.iter().rev().skip(1).take({k}).last().{copy}().unwrap_or(0.5)"
                        ),
                        // The element an extremum picks, copied after the pick.
                        6 => format!(
                            "{xs}.iter().{f}_by(|a, b| a.total_cmp(b)).{copy}().unwrap_or(0.5)"
                        ),
                        0 => format!("{xs}.iter().{copy}().reduce({FLT}::{f}).unwrap_or(0.5)"),
                        1 => format!("{xs}.iter().{copy}().reduce({FLT}::{f}).unwrap_or_default()"),
                        2 => format!("*{xs}.get({k}).unwrap_or(&0.5)"),
                        3 => format!("{xs}.get({k}).copied().unwrap_or(0.5)"),
                        4 => format!("{xs}.iter().{copy}().last().unwrap_or(0.5)"),
                        _ => format!("{xs}.iter().nth({k}).{copy}().unwrap_or_else(|| 0.5)"),
                    };
                    return Some(Ex::new(s, true, xiv.union(Iv::pt(0.5)).union(Iv::pt(0.0))));
                }
                let s = format!("{xs}.iter().copied().{f}(|a, b| {cmp}).unwrap()");
                Ex::new(s, true, xiv)
            }
            _ => {
                let (ys, yiv) = self.rng.pick(&sl).clone();
                let w = self.fresh("w");
                let b = self.closure_body(&[&v, &w], xiv.union(yiv), d - 1);
                let other = if ys == xs && self.on("reduce:zip_skip") {
                    format!("{xs}.iter().skip(1)")
                } else {
                    format!("{ys}.iter()")
                };
                // Only the pairs past a threshold, sometimes (a kink where one crosses it).
                // (Over a layer's `w`, pending as `filter` is.)
                let filter = if self.on("reduce:zip_filter")
                    && self.layer_ok(&xs, "layers:w_filter")
                    && self.layer_ok(&ys, "layers:w_filter")
                    && self.rng.chance(0.3)
                {
                    let c = fmt_float(self.rng.uniform(-1.0, 1.0));
                    if self.rng.chance(0.5) {
                        format!(".filter(|({v}, _)| **{v} > {c})")
                    } else {
                        format!(".filter(|&({v}, {w})| *{v} + *{w} < {c} + 1.0)")
                    }
                } else {
                    String::new()
                };
                // Sometimes over the indices, zipped with the other's items (`(0..n).zip(..)`).
                let s = if filter.is_empty() && self.rng.chance(0.25) {
                    let i = self.fresh("i");
                    format!(
                        "(0..{xs}.len()).zip({other}).map(|({i}, &{w})| {{ let {v}: {FLT} = {xs}[{i}]; {} }}).sum::<{FLT}>()",
                        b.s
                    )
                } else {
                    format!(
                        "{xs}.iter().zip({other}){filter}.map(|(&{v}, &{w})| {}).sum::<{FLT}>()",
                        b.s
                    )
                };
                Ex::new(s, true, n6(b.iv))
            }
        };
        Some(e)
    }

    /// A call of a helper `#[gradient]` function.
    fn call(&mut self, d: u32) -> Option<Ex> {
        if self.helpers.is_empty() || !self.on("expr:call") {
            return None;
        }
        let h = self.rng.pick(&self.helpers).clone();
        let sl = self.slices();
        if h.slices.iter().any(|&s| s) && sl.is_empty() && !h.data_slice {
            return None;
        }
        let mut args = Vec::new();
        let mut act = false;
        // Rows parameters that are data: a row of one is a slice too.
        let data_rows: Vec<String> = self
            .visible()
            .into_iter()
            .filter_map(|v| match v.kind {
                VarKind::Rows {
                    iv, tuple: false, ..
                } if !iv.2 && self.may_shadow(&v.name) => Some(v.name),
                _ => None,
            })
            .collect();
        for &is_slice in &h.slices {
            if is_slice && h.data_slice {
                // Data in every rendering (a parameter may become a model's field): constants
                // listed in place.
                let (a, b) = (self.value_in((-2.0, 2.0)), self.value_in((-2.0, 2.0)));
                args.push(format!("&[{}, {}]", fmt_float(a), fmt_float(b)));
                continue;
            }
            if is_slice && !data_rows.is_empty() && self.on("call:data_row") && self.rng.chance(0.2)
            {
                let ws = self.rng.pick(&data_rows).clone();
                args.push(if self.rng.chance(0.5) {
                    format!("&{ws}[0]")
                } else {
                    format!("&{ws}[{ws}.len() - 1]")
                });
                continue;
            }
            if is_slice {
                let (xs, xiv) = self.rng.pick(&sl).clone();
                act |= xiv.2;
                let sub = self.on("call:subslice") && self.layer_ok(&xs, "layers:w_subslice");
                let a = match self.rng.below(5) {
                    0 if sub && self.on("call:part_of_part") && self.rng.chance(0.5) => {
                        format!("&{xs}[0..][..1]")
                    }
                    1 if sub && self.on("call:part_of_part") && self.rng.chance(0.5) => {
                        format!("&{xs}[..{xs}.len()][0..]")
                    }
                    0 if sub => format!("&{xs}[0..1]"),
                    1 if sub => format!("&{xs}[0..{xs}.len()]"),
                    // An array listed in place (of data where the helper's slice is).
                    2 if self.on("call:array_arg") && !h.data_slice => {
                        let (e1, e2) = (self.expr(d - 1), self.expr(d - 1));
                        let (e1, e2) = (self.wrap(e1, (-3.0, 3.0)), self.wrap(e2, (-3.0, 3.0)));
                        act |= e1.iv.2 || e2.iv.2;
                        if self.rng.chance(0.5) {
                            format!("&[{}, {}]", e1.s, e2.s)
                        } else {
                            format!("&vec![{}, 0.5, {}]", e1.s, e2.s)
                        }
                    }
                    _ => xs,
                };
                args.push(a);
            } else {
                let kind = *self
                    .rng
                    .pick(&["lit", "lit_sfx", "const", "expr", "expr", "param"]);
                let key = format!("call:arg:{kind}");
                let e = if self.on(&key) {
                    self.operand(kind, (-3.0, 3.0), d, false)
                } else {
                    None
                };
                let mut e = match e {
                    Some(e) => e,
                    None => {
                        let e = self.expr(d - 1);
                        self.wrap(e, (-3.0, 3.0))
                    }
                };
                // However it came out, a value computed from a const alone (maybe through a
                // local) is the pending `call:arg:const`: keep arguments that depend on an input,
                // or bare literals.
                let ok = |e: &Ex| e.iv.2 || is_literal(&e.s);
                for _ in 0..5 {
                    if ok(&e) || self.on("call:arg:const") {
                        break;
                    }
                    let x = self.expr(d - 1);
                    e = self.wrap(x, (-3.0, 3.0));
                }
                if !ok(&e) && !self.on("call:arg:const") {
                    e = self.lit(0.5);
                }
                act |= e.iv.2;
                // (Never a bare name: `&m.x` of a model's field that is read no other way could
                // be a slice's, which the macro cannot tell.)
                args.push(if h.by_ref && args.is_empty() {
                    if e.s.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        format!("&({} * 1.0)", e.s)
                    } else {
                        format!("&{}", paren(&e.s))
                    }
                } else {
                    e.s
                });
            }
        }
        // A plain helper of one number named as a value (`.map(h)`), over values near the
        // argument.
        if h.plain
            && !h.by_ref
            && args.len() == 1
            && self.on("call:plain_helper_as_value")
            && self.rng.chance(0.3)
        {
            let q = self.fresh("q");
            return Some(Ex::new(
                format!(
                    "((0..2).map(|{q}| {} + {q} as {FLT} * 0.25).map({}).sum::<{FLT}>() * 0.5)",
                    paren(&args[0]),
                    h.name
                ),
                true,
                NOMINAL.union(Iv(0.0, 0.0, act)),
            ));
        }
        // Sometimes the arguments bound first to the helper's own parameter names in the other
        // order (`{ let a1 = X; let a0 = Y; h(a1, a0) }`): each argument is the caller's name.
        if !h.by_ref
            && args.len() == 2
            && h.slices.iter().all(|&s| !s)
            && self.on("call:crossed_names")
            && self.rng.chance(0.15)
        {
            return Some(Ex::new(
                format!(
                    "({{ let a1: {FLT} = {}; let a0: {FLT} = {}; {}(a1, a0) }})",
                    args[0], args[1], h.name
                ),
                true,
                NOMINAL.union(Iv(0.0, 0.0, act)),
            ));
        }
        Some(Ex::new(
            format!("{}({})", h.name, args.join(", ")),
            true,
            NOMINAL.union(Iv(0.0, 0.0, act)),
        ))
    }

    // ---------------------------------------------------------------------------------------
    // Statements
    // ---------------------------------------------------------------------------------------

    fn block(&mut self, ctx: Ctx, n: usize, out: &mut String, ind: usize) {
        for _ in 0..n {
            if self.budget <= 0 {
                break;
            }
            self.stmt(ctx, out, ind);
        }
    }

    fn line(out: &mut String, ind: usize, s: &str) {
        let _ = writeln!(out, "{:w$}{s}", "", w = ind * 4);
    }

    /// A `let` of a new float local, annotated when the initializer leaves the type open.
    fn let_stmt(&mut self, ctx: Ctx, mutable: bool, out: &mut String, ind: usize) -> String {
        let e = self.expr(1 + ctx.depth.min(2));
        let name = self.fresh(if mutable { "acc" } else { "v" });
        // `let mut a = C;` (no type, a value the macro takes for a constant) then updated in a
        // loop loses its derivative: pending.
        let inactive_init = !e.iv.2 && !is_literal(&e.s);
        let force = mutable && inactive_init && !self.on("stmt:let_mut_inactive_init");
        let ann = if !e.typed || force || self.rng.chance(0.3) {
            format!(": {FLT}")
        } else {
            String::new()
        };
        let m = if mutable { "mut " } else { "" };
        if !ann.is_empty() {
            self.typed_lets.insert(name.clone());
        }
        Self::line(out, ind, &format!("let {m}{name}{ann} = {};", e.s));
        let iv = if mutable { NOMINAL.union(e.iv) } else { e.iv };
        self.declare(&name, VarKind::Float(iv), mutable);
        name
    }

    /// A mutable float visible here, declared now if there is none.
    /// A block statement that may `return` (`{ let t = ..; if c { return ..; } }`).
    fn block_return(&mut self, out: &mut String, ind: usize) {
        let (t, e) = (self.fresh("t"), self.expr(1));
        let (c, r) = (self.cond(1), self.expr(2));
        // Sometimes the block gives a `let` its value, or assigns a name declared before it.
        if self.on("stmt:block_jump_value") && self.rng.chance(0.5) {
            let jump = format!("return {t} * 0.5 + {};", paren(&r.s));
            self.block_jump_value(out, ind, (&t, &e), &c, &jump);
            self.returned = true;
            return;
        }
        Self::line(out, ind, "{");
        Self::line(out, ind + 1, &format!("let {t}: {FLT} = {};", e.s));
        Self::line(
            out,
            ind + 1,
            &format!("if {c} {{ return {t} * 0.5 + {}; }}", paren(&r.s)),
        );
        Self::line(out, ind, "}");
        self.returned = true;
    }

    /// `let n: T = { let t: T = e; if c { JUMP } t };` or `let n: T; { let t: T = e; if c { JUMP
    /// } n = t; }`, where `JUMP` returns, breaks or continues.
    fn block_jump_value(
        &mut self,
        out: &mut String,
        ind: usize,
        (t, e): (&str, &Ex),
        c: &str,
        jump: &str,
    ) {
        let n = self.fresh("n");
        if self.rng.chance(0.5) {
            Self::line(out, ind, &format!("let {n}: {FLT} = {{"));
            Self::line(out, ind + 1, &format!("let {t}: {FLT} = {};", e.s));
            Self::line(out, ind + 1, &format!("if {c} {{ {jump} }}"));
            Self::line(out, ind + 1, t);
            Self::line(out, ind, "};");
        } else {
            Self::line(out, ind, &format!("let {n}: {FLT};"));
            Self::line(out, ind, "{");
            Self::line(out, ind + 1, &format!("let {t}: {FLT} = {};", e.s));
            Self::line(out, ind + 1, &format!("if {c} {{ {jump} }}"));
            Self::line(out, ind + 1, &format!("{n} = {t};"));
            Self::line(out, ind, "}");
        }
        self.declare(&n, VarKind::Float(e.iv), false);
    }

    /// A block with statements as an operand of `&&` or `||` (`c && { acc += e; acc > v }`),
    /// run only when the other operand does not decide.
    fn block_operand(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let acc = self.some_mut(ctx, out, ind);
        let c = self.cond(1);
        let (e, e2) = (self.expr(1), self.expr(1));
        let (e, e2) = (self.tanh_ex(e), self.tanh_ex(e2));
        let v = fmt_float(self.value_in((-1.0, 1.0)));
        let op = if self.rng.chance(0.5) { "&&" } else { "||" };
        let block = format!("{{ {acc} += {e}; {acc} > {v} }}");
        let test = if self.rng.chance(0.5) {
            format!("{c} {op} {block}")
        } else {
            format!("{block} {op} {c}")
        };
        if self.rng.chance(0.5) {
            Self::line(out, ind, &format!("if {test} {{ {acc} -= {e2}; }}"));
        } else {
            let b = self.fresh("b");
            Self::line(out, ind, &format!("let {b}: bool = {test};"));
            Self::line(out, ind, &format!("if {b} {{ {acc} -= {e2}; }}"));
        }
    }

    /// A loop whose `if` has a block with statements as its condition and `break`s
    /// (`if { acc += e; acc > v } { break; }`).
    fn block_cond_jump(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let acc = self.some_mut(ctx, out, ind);
        let e = self.expr(1);
        let t = self.tanh_ex(e);
        let v = fmt_float(self.value_in((-1.0, 1.0)));
        let i = self.fresh("i");
        Self::line(out, ind, &format!("for {i} in 0..3 {{"));
        Self::line(
            out,
            ind + 1,
            &format!("if {{ {acc} += {t} * 0.5; {acc} > {v} }} {{ break; }}"),
        );
        Self::line(out, ind, "}");
    }

    /// A variable declared without a value before the loop that assigns it in every iteration
    /// before reading it (`let mut t: f64; for .. { t = ..; acc += t; }`).
    fn late_init_loop(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let acc = self.some_mut(ctx, out, ind);
        let (t, i) = (self.fresh("t"), self.fresh("i"));
        let e = self.expr(1);
        let e = self.wrap(e, (-2.0, 2.0));
        let typed = if self.rng.chance(0.5) {
            format!(": {FLT}")
        } else {
            String::new()
        };
        Self::line(out, ind, &format!("let mut {t}{typed};"));
        if self.on("stmt:late_init_loop_value") && self.rng.chance(0.4) {
            // `loop { t = ..; .. break; }`, `t` read after it.
            Self::line(out, ind, &format!("let mut {i}: usize = 0;"));
            Self::line(out, ind, "loop {");
            Self::line(
                out,
                ind + 1,
                &format!("{t} = {} + {i} as {FLT} * 0.25;", paren(&e.s)),
            );
            Self::line(out, ind + 1, &format!("{i} += 1;"));
            Self::line(out, ind + 1, &format!("if {i} > 2 {{ break; }}"));
            Self::line(out, ind, "}");
            Self::line(out, ind, &format!("{acc} += {FLT}::tanh({t}) * 0.5;"));
            return;
        }
        let head = if self.rng.chance(0.5) {
            format!("for {i} in 0..3")
        } else {
            Self::line(out, ind, &format!("let mut {i}: usize = 0;"));
            format!("while {i} < 3")
        };
        Self::line(out, ind, &format!("{head} {{"));
        Self::line(
            out,
            ind + 1,
            &format!("{t} = {} + {i} as {FLT} * 0.25;", paren(&e.s)),
        );
        if self.rng.chance(0.5) {
            let c = self.cond(1);
            Self::line(out, ind + 1, &format!("if {c} {{ {t} *= 0.5; }}"));
        }
        Self::line(out, ind + 1, &format!("{acc} += {FLT}::tanh({t}) * 0.5;"));
        if head.starts_with("while") {
            Self::line(out, ind + 1, &format!("{i} += 1;"));
        }
        Self::line(out, ind, "}");
    }

    /// A shared reference to a float in a local (`let p = &(..);`), read through and passed on
    /// to a helper taking `&f64`.
    fn ref_local(&mut self, out: &mut String, ind: usize) {
        let (p, n) = (self.fresh("p"), self.fresh("r"));
        let e = self.expr(1);
        let e = self.wrap(e, (-3.0, 3.0));
        Self::line(out, ind, &format!("let {p}: &{FLT} = &{};", paren(&e.s)));
        let call = self
            .helpers
            .iter()
            .find(|h| h.by_ref && !h.slices.iter().any(|&s| s))
            .map(|h| {
                let rest = vec!["0.5"; h.slices.len() - 1];
                let args = std::iter::once(p.as_str()).chain(rest).collect::<Vec<_>>();
                format!(" + {FLT}::tanh({}({}))", h.name, args.join(", "))
            })
            .unwrap_or_default();
        Self::line(
            out,
            ind,
            &format!("let {n}: {FLT} = *{p} * 0.5 + {p}.tanh(){call};"),
        );
        self.declare(
            &n,
            VarKind::Float(e.iv.mul(Iv::pt(0.5)).add(Iv(-2.0, 2.0, e.iv.2))),
            false,
        );
    }

    /// A helper whose parameters are named like the caller's variables, called with them in the
    /// other order (`fn f(b: T, a: T) -> T {..} f(a, b)`): each argument reads the caller's.
    fn swapped_names(&mut self, out: &mut String, ind: usize) {
        // Locals only: a parameter's name may become a model's field when rendered.
        let fs = self.floats(|v, _| !v.param && self.may_shadow(&v.name));
        if fs.len() < 2 {
            return;
        }
        let (a, aiv) = self.rng.pick(&fs).clone();
        let (b, biv) = self.rng.pick(&fs).clone();
        if a == b {
            return;
        }
        let (f, n) = (self.fresh("f"), self.fresh("v"));
        let body = format!("{a} * 0.5 + ({b} * 0.25).sin()");
        if self.rng.chance(0.5) {
            Self::line(
                out,
                ind,
                &format!("fn {f}({b}: {FLT}, {a}: {FLT}) -> {FLT} {{ {body} }}"),
            );
        } else {
            Self::line(
                out,
                ind,
                &format!("let {f} = |{b}: {FLT}, {a}: {FLT}| {body};"),
            );
        }
        Self::line(
            out,
            ind,
            &format!("let {n}: {FLT} = {f}({a}, {b}) + {f}({b} * 0.5, {a});"),
        );
        let m = aiv.union(biv).mag();
        let act = aiv.2 || biv.2;
        self.declare(&n, VarKind::Float(Iv(-m - 2.0, m + 2.0, act)), false);
    }

    /// Items in a block that shadow the module's (`const` of a module constant's name, `fn` of a
    /// helper's name) and a closure with a `const` of its own; after the block the names mean
    /// the module's items again.
    fn scoped_items(&mut self, out: &mut String, ind: usize) {
        let outer = self.konst((-2.0, 2.0));
        let c = outer.s.clone();
        let inner = self.value_in((-2.0, 2.0));
        // A helper's name where there is one taking one scalar by value.
        let f = self
            .helpers
            .iter()
            .find(|h| h.slices.len() == 1 && !h.slices[0] && !h.by_ref && !h.name.contains("::"))
            .map(|h| h.name.clone())
            .filter(|_| self.rng.chance(0.5))
            .unwrap_or_else(|| self.fresh("h"));
        let (e1, e2) = (self.expr(1), self.expr(1));
        let (t1, t2) = (self.tanh_ex(e1.clone()), self.tanh_ex(e2.clone()));
        let (v, w) = (self.fresh("v"), self.fresh("v"));
        let act = e1.iv.2 || e2.iv.2;
        Self::line(out, ind, &format!("let {v}: {FLT} = {{"));
        Self::line(
            out,
            ind + 1,
            &format!("const {c}: {FLT} = {};", fmt_float(inner)),
        );
        Self::line(
            out,
            ind + 1,
            &format!("fn {f}(t: {FLT}) -> {FLT} {{ t * {c} + 0.5 }}"),
        );
        Self::line(out, ind + 1, &format!("{f}({t1}) + {c} * {t2}"));
        Self::line(out, ind, "};");
        let m = 2.0 * inner.abs() + 0.5;
        self.declare(&v, VarKind::Float(Iv(-m, m, act)), false);
        let k = self.fresh("k");
        let e3 = self.expr(1);
        let t3 = self.tanh_ex(e3.clone());
        let other = self.value_in((-2.0, 2.0));
        Self::line(
            out,
            ind,
            &format!(
                "let {k} = |t: {FLT}| {{ const {c}: {FLT} = {}; {c} * t }};",
                fmt_float(other)
            ),
        );
        let cv = self
            .consts
            .iter()
            .find(|(n, _)| *n == c)
            .map_or(2.0, |(_, v)| v.abs());
        Self::line(
            out,
            ind,
            &format!("let {w}: {FLT} = {v} * 0.5 + {k}({t3}) + {c} * 0.25;"),
        );
        let m = m * 0.5 + other.abs() + cv * 0.25;
        self.declare(&w, VarKind::Float(Iv(-m, m, act || e3.iv.2)), false);
    }

    /// In a block: a nested `fn` that calls a function (a helper of the module, or another
    /// nested `fn`), then a closure that takes the callee's name: the nested `fn` still calls
    /// the function, later calls the closure.
    fn fn_then_closure(&mut self, out: &mut String, ind: usize) {
        let callee = self
            .helpers
            .iter()
            .find(|h| h.slices.len() == 1 && !h.slices[0] && !h.by_ref && !h.name.contains("::"))
            .map(|h| h.name.clone())
            .filter(|_| self.rng.chance(0.5));
        let (g, a, v) = (self.fresh("g"), self.fresh("a"), self.fresh("v"));
        let (e1, e2, e3) = (self.expr(1), self.expr(1), self.expr(1));
        let act = e1.iv.2 || e2.iv.2 || e3.iv.2;
        let (t1, t2, t3) = (self.tanh_ex(e1), self.tanh_ex(e2), self.tanh_ex(e3));
        Self::line(out, ind, &format!("let {v}: {FLT} = {{"));
        let callee = match callee {
            Some(c) => c,
            None => {
                let h = self.fresh("h");
                Self::line(
                    out,
                    ind + 1,
                    &format!("fn {h}(t: {FLT}) -> {FLT} {{ t * t * 0.25 }}"),
                );
                h
            }
        };
        Self::line(
            out,
            ind + 1,
            &format!("fn {g}(t: {FLT}) -> {FLT} {{ {FLT}::tanh({callee}(t)) * 0.5 }}"),
        );
        Self::line(out, ind + 1, &format!("let {a}: {FLT} = {g}({t1});"));
        Self::line(out, ind + 1, &format!("let {callee} = |t: {FLT}| t * 1.5;"));
        Self::line(out, ind + 1, &format!("{a} + {callee}({t2}) + {g}({t3})"));
        Self::line(out, ind, "};");
        self.declare(&v, VarKind::Float(Iv(-2.5, 2.5, act)), false);
    }

    /// A closure capturing a local that is declared again before the closure is called, then a
    /// second closure of the first one's name: each call reads what its closure captured.
    fn closure_named_again(&mut self, out: &mut String, ind: usize) {
        // Not a mutable one: an enclosing construct may still assign it (a loop's accumulator).
        let locals = self.floats(|v, _| !v.param && !v.mutable && self.may_shadow(&v.name));
        if locals.is_empty() {
            return;
        }
        let (w, wiv) = self.rng.pick(&locals).clone();
        let (c, a, b) = (self.fresh("c"), self.fresh("a"), self.fresh("b"));
        let (e1, e2, e3) = (self.expr(1), self.expr(1), self.expr(1));
        let act = e1.iv.2 || e2.iv.2 || e3.iv.2 || wiv.2;
        let (t1, t2, t3) = (self.tanh_ex(e1), self.tanh_ex(e2), self.tanh_ex(e3));
        Self::line(
            out,
            ind,
            &format!("let {c} = |t: {FLT}| t * 0.5 + {FLT}::tanh({w});"),
        );
        Self::line(out, ind, &format!("let {w}: {FLT} = {t2};"));
        Self::line(out, ind, &format!("let {a}: {FLT} = {c}({t1}) + {w};"));
        Self::line(out, ind, &format!("let {c} = |t: {FLT}| t * 1.5 - {w};"));
        Self::line(out, ind, &format!("let {b}: {FLT} = {a} + {c}({t3});"));
        self.declare(&w, VarKind::Float(Iv(-1.0, 1.0, act)), false);
        self.declare(&a, VarKind::Float(Iv(-2.5, 2.5, act)), false);
        self.declare(&b, VarKind::Float(Iv(-5.5, 5.5, act)), false);
    }

    /// Two accumulators, one chosen by a condition through `&mut` (`let s = if c { &mut a } else
    /// { &mut b };`), written (`*s += e; *s *= 0.5;`) and read (`*s`) through the reference.
    fn chosen_ref(&mut self, out: &mut String, ind: usize) {
        let (a, b, p, r) = (
            self.fresh("pa"),
            self.fresh("pb"),
            self.fresh("slot"),
            self.fresh("v"),
        );
        let c = self.cond(1);
        let (e1, e2) = (self.expr(1), self.expr(1));
        let act = e1.iv.2 || e2.iv.2;
        let (t1, t2) = (self.tanh_ex(e1), self.tanh_ex(e2));
        Self::line(out, ind, &format!("let mut {a}: {FLT} = {t2};"));
        Self::line(out, ind, &format!("let mut {b}: {FLT} = 0.5;"));
        Self::line(
            out,
            ind,
            &format!("let {p} = if {c} {{ &mut {a} }} else {{ &mut {b} }};"),
        );
        Self::line(out, ind, &format!("*{p} += {t1};"));
        Self::line(out, ind, &format!("*{p} *= 0.5;"));
        Self::line(out, ind, &format!("let {r}: {FLT} = *{p} * 0.5;"));
        self.declare(&a, VarKind::Float(Iv(-2.0, 2.0, act)), false);
        self.declare(&b, VarKind::Float(Iv(-1.0, 1.0, act)), false);
        self.declare(&r, VarKind::Float(Iv(-1.0, 1.0, act)), false);
        // A target declared again after the reference's last use (another variable).
        if self.on("stmt:chosen_ref_shadowed") && self.rng.chance(0.3) {
            Self::line(out, ind, &format!("let {b} = {b} * 0.5 + {r};"));
            self.declare(&b, VarKind::Float(Iv(-1.5, 1.5, act)), false);
        }
    }

    /// A closure or a nested `fn` of a two-float array returning one, applied twice (the second
    /// time to the first's result), its elements read.
    fn array_helper(&mut self, out: &mut String, ind: usize) {
        let (f, k, k2, v) = (
            self.fresh("af"),
            self.fresh("k"),
            self.fresh("k"),
            self.fresh("v"),
        );
        let (e1, e2) = (self.expr(1), self.expr(1));
        let act = e1.iv.2 || e2.iv.2;
        let (t1, t2) = (self.tanh_ex(e1), self.tanh_ex(e2));
        // An array in and out, or (the same returning a `Vec`) a slice in and a list out.
        let listed = self.on("stmt:vec_helper") && self.rng.chance(0.35);
        let (param, ret, open, arg) = if listed {
            (format!("&[{FLT}]"), format!("Vec<{FLT}>"), "vec![", "&")
        } else {
            (format!("[{FLT}; 2]"), format!("[{FLT}; 2]"), "[", "")
        };
        let body = format!("{open}s[1] * 0.5, {FLT}::tanh(s[0]) * 0.75]");
        if self.rng.chance(0.5) {
            Self::line(
                out,
                ind,
                &format!("let {f} = |s: {param}| -> {ret} {{ {body} }};"),
            );
        } else {
            Self::line(
                out,
                ind,
                &format!("fn {f}(s: {param}) -> {ret} {{ {body} }}"),
            );
        }
        Self::line(out, ind, &format!("let {k} = {f}({arg}[{t1}, {t2}]);"));
        Self::line(out, ind, &format!("let {k2} = {f}({arg}{k});"));
        Self::line(
            out,
            ind,
            &format!("let {v}: {FLT} = {k2}[0] + {k}[1] * {k2}[1];"),
        );
        self.declare(&v, VarKind::Float(Iv(-1.5, 1.5, act)), false);
    }

    /// Untyped integer locals whose type comes from where they are used (`let p = 1;` compared
    /// with a `usize`), beside literals of the same text typed otherwise (`1` and `-1` as `i32`).
    fn untyped_int(&mut self, out: &mut String, ind: usize) {
        let usize_var = self
            .ints()
            .into_iter()
            .find(|(_, _, ty)| *ty == "usize")
            .map(|(n, _, _)| n);
        let (p, s, v) = (self.fresh("p"), self.fresh("sg"), self.fresh("v"));
        let c = self.cond(1);
        let (e1, e2) = (self.expr(1), self.expr(1));
        let act = e1.iv.2 || e2.iv.2;
        let (t1, t2) = (self.tanh_ex(e1), self.tanh_ex(e2));
        Self::line(out, ind, &format!("let {p} = 1;"));
        Self::line(
            out,
            ind,
            &format!("let {s}: i32 = if {c} {{ 1 }} else {{ -1 }};"),
        );
        let test = match usize_var {
            Some(n) => format!("{n} >= {p} && {s} > 0"),
            None => format!("{p} < 3 && {s} > 0"),
        };
        Self::line(
            out,
            ind,
            &format!("let {v}: {FLT} = if {test} {{ {t1} }} else {{ {t2} * ({s} as {FLT}) }};"),
        );
        self.declare(&v, VarKind::Float(Iv(-1.0, 1.0, act)), false);
    }

    /// A nested `fn` or closure writing into a local buffer through `&mut [T]` (`scale(&mut buf,
    /// k)`), and a `&mut` reference to the buffer indexed through; then the buffer read.
    fn mut_slice_helper(&mut self, out: &mut String, ind: usize) {
        let (b, f, r, v) = (
            self.fresh("mb"),
            self.fresh("sc"),
            self.fresh("rf"),
            self.fresh("v"),
        );
        let (e1, e2) = (self.expr(1), self.expr(1));
        let act = e1.iv.2 || e2.iv.2;
        let (t1, t2) = (self.tanh_ex(e1), self.tanh_ex(e2));
        Self::line(out, ind, &format!("let mut {b} = vec![0.0; 3];"));
        Self::line(out, ind, &format!("{b}[0] = {t1}; {b}[2] = 0.5;"));
        // Parameter names no case parameter has (those become a model's fields when rendered).
        // Sometimes its loop's item is named as the caller's buffer it is lent (inlined, the
        // parameter stands for that buffer: the item must not capture it).
        let item = if self.on("stmt:mut_slice_clash") && self.rng.chance(0.4) {
            b.clone()
        } else {
            "e".to_string()
        };
        let body = format!("for {item} in wv.iter_mut() {{ *{item} *= kf; }} wv[1] += kf");
        if self.rng.chance(0.5) {
            Self::line(
                out,
                ind,
                &format!("fn {f}(wv: &mut [{FLT}], kf: {FLT}) {{ {body}; }}"),
            );
        } else {
            Self::line(
                out,
                ind,
                &format!("let {f} = |wv: &mut [{FLT}], kf: {FLT}| {{ {body}; }};"),
            );
        }
        Self::line(out, ind, &format!("{f}(&mut {b}, {t2});"));
        Self::line(out, ind, &format!("let {r} = &mut {b};"));
        Self::line(
            out,
            ind,
            &format!("{r}[2] = {r}[0] * 0.5 + {r}.len() as {FLT} * 0.1;"),
        );
        // Sometimes a pair ordered by a helper exchanging its two `&mut` parameters
        // (`std::mem::swap(pa, pb)`), then read.
        let swap = if self.on("stmt:mut_swap_params") && self.rng.chance(0.4) {
            let (o, lo, hi) = (self.fresh("ord"), self.fresh("lo"), self.fresh("hi"));
            Self::line(
                out,
                ind,
                &format!("fn {o}(pa: &mut {FLT}, pb: &mut {FLT}) {{ if *pa > *pb {{ std::mem::swap(pa, pb); }} }}"),
            );
            Self::line(
                out,
                ind,
                &format!("let (mut {lo}, mut {hi}) = ({b}[0], {b}[1]);"),
            );
            Self::line(out, ind, &format!("{o}(&mut {lo}, &mut {hi});"));
            format!(" + {lo} * 0.25 - {hi} * 0.125")
        } else {
            String::new()
        };
        Self::line(
            out,
            ind,
            &format!("let {v}: {FLT} = {b}.iter().sum::<{FLT}>() * 0.5{swap};"),
        );
        self.declare(&v, VarKind::Float(Iv(-4.0, 4.0, act)), false);
    }

    /// A view of a slice (`let a = &xs[1..];`, the pieces of `xs.windows(2)`) read where the
    /// slice's name is declared again (a block's `let`, a loop variable): the view reads the
    /// slice declared before it.
    fn view_shadow(&mut self, out: &mut String, ind: usize) {
        let sl: Vec<(String, Iv, usize)> = self
            .seqs()
            .into_iter()
            .filter(|s| s.4 && self.may_shadow(&s.0))
            .map(|s| (s.0, s.2, s.3))
            .collect();
        if sl.is_empty() {
            return;
        }
        let (xs, iv, min_len) = self.rng.pick(&sl).clone();
        let e = self.expr(1);
        let t = self.tanh_ex(e.clone());
        let (v, w) = (self.fresh("v"), self.fresh("v"));
        if min_len >= 2 && self.rng.chance(0.5) {
            let mut s = String::new();
            let _ = write!(s, "let {v}: {FLT} = {{ let mut {w}: {FLT} = 0.0; ");
            let _ = write!(
                s,
                "for p in {xs}.windows(2) {{ let {xs}: {FLT} = p[0] * {t}; "
            );
            let _ = write!(s, "{w} += {xs} * 0.5 + p[1]; }} {w} }};");
            Self::line(out, ind, &s);
            let per = iv.mul(Iv(-0.5, 0.5, false)).add(iv);
            self.declare(&v, VarKind::Float(per.mul(Iv(0.0, 6.0, false))), false);
            return;
        }
        let a = self.fresh("a");
        let lo = if min_len >= 2 && self.rng.chance(0.5) {
            1
        } else {
            0
        };
        Self::line(out, ind, &format!("let {a}: &[{FLT}] = &{xs}[{lo}..];"));
        Self::line(
            out,
            ind,
            &format!(
                "let {v}: {FLT} = {{ let {xs}: {FLT} = {t}; {a}[0] * {xs} + {a}[{a}.len() - 1] }};"
            ),
        );
        self.declare(
            &v,
            VarKind::Float(iv.mul(Iv(-1.0, 1.0, e.iv.2)).add(iv)),
            false,
        );
        Self::line(
            out,
            ind,
            &format!(
                "let mut {w}: {FLT} = 0.0; for {xs} in 0..{a}.len() {{ {w} += {a}[{xs}] * 0.5; }}"
            ),
        );
        self.declare(&w, VarKind::Float(iv.mul(Iv(0.0, 3.0, false))), true);
    }

    /// An uppercase name bound by a `match` arm and an `if let` (`Some(K3) => K3 as f64 * e`).
    fn upper_bind(&mut self, out: &mut String, ind: usize) {
        let c = self.cond(1);
        let (o, k, v) = (self.fresh("o"), self.fresh("K"), self.fresh("v"));
        let (e1, e2) = (self.expr(1), self.expr(1));
        let (t1, t2) = (self.tanh_ex(e1.clone()), self.tanh_ex(e2.clone()));
        Self::line(
            out,
            ind,
            &format!("let {o}: Option<usize> = if {c} {{ None }} else {{ Some(2) }};"),
        );
        let body = if self.rng.chance(0.5) {
            let arms = self.opt_arms(
                format!("Some({k}) => {k} as {FLT} * {t1}"),
                format!("None => {t2}"),
            );
            format!("match {o} {{ {arms} }}")
        } else {
            format!("if let Some({k}) = {o} {{ {k} as {FLT} * {t1} }} else {{ {t2} }}")
        };
        Self::line(out, ind, &format!("let {v}: {FLT} = {body};"));
        self.declare(&v, VarKind::Float(Iv(-2.0, 2.0, e1.iv.2 || e2.iv.2)), false);
    }

    /// A nested `fn` or a closure that writes through a `&mut` parameter, called on a mutable
    /// float (`bump(&mut acc, e);`), its parameter sometimes named like the caller's local.
    fn mut_ref_helper(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let acc = self.some_mut(ctx, out, ind);
        let e = self.expr(1);
        let t = self.tanh_ex(e);
        let f = self.fresh("bump");
        let p = if self.rng.chance(0.5) && self.may_shadow(&acc) {
            acc.clone()
        } else {
            String::from("s")
        };
        let op = if self.rng.chance(0.5) { "+=" } else { "-=" };
        if self.rng.chance(0.5) {
            Self::line(
                out,
                ind,
                &format!("fn {f}({p}: &mut {FLT}, v: {FLT}) {{ *{p} {op} v * 0.5; }}"),
            );
        } else {
            Self::line(
                out,
                ind,
                &format!("let {f} = |{p}: &mut {FLT}, v: {FLT}| *{p} {op} v * 0.5;"),
            );
        }
        // The value first: `f(&mut acc, acc + 1.0)` is a borrow error in Rust.
        let n = self.fresh("v");
        Self::line(out, ind, &format!("let {n}: {FLT} = {t};"));
        Self::line(out, ind, &format!("{f}(&mut {acc}, {n});"));
    }

    /// A local matrix as a `Vec` of rows (`vec![vec![0.0; c]; r]` or `vec![[0.0; C]; r]`),
    /// filled by row (`iter_mut().enumerate()`, `m[i] = [a, b]`) and read by row (`for row in
    /// &m`, `m.iter().map(..)`, a `zip` with a slice, `m[i].fill(..)`, `m[i].iter()`).
    fn matrix_rows(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let (m, r, cols) = (
            self.fresh("m"),
            2 + self.rng.below(2),
            2 + self.rng.below(2),
        );
        let arrays = self.rng.chance(0.5);
        // The starting value: a literal, negative, or an associated constant.
        let init = match self.rng.below(4) {
            0 => String::from("0.0"),
            1 => String::from("0.5"),
            2 => String::from("-1.0"),
            _ => format!("{FLT}::EPSILON"),
        };
        let e = self.expr(1);
        let t = self.tanh_ex(e.clone());
        let act = e.iv.2;
        if self.on("matrix_rows:collected_active") && self.rng.chance(0.3) {
            // Rows of differentiated values collected from a range (`vec![..]`, `[..].to_vec()`)
            // or listed (`vec![vec![..], ..]`), then only read.
            let i = self.fresh("i");
            let elems: Vec<String> = (0..cols)
                .map(|c| format!("{t} * ({i} as {FLT} + {}.0)", c + 1))
                .collect();
            let elems = elems.join(", ");
            let line = match self.rng.below(4) {
                0 => format!(
                    "let {m}: Vec<Vec<{FLT}>> = (0..{r}).map(|{i}| vec![{elems}]).collect();"
                ),
                1 => format!(
                    "let {m} = (0..{r}).map(|{i}: usize| [{elems}].to_vec()).collect::<Vec<Vec<{FLT}>>>();"
                ),
                _ => {
                    let rows: Vec<String> = (0..r)
                        .map(|k| {
                            let row: Vec<String> = (0..cols)
                                .map(|c| format!("{t} * {}.0", k + c + 1))
                                .collect();
                            format!("vec![{}]", row.join(", "))
                        })
                        .collect();
                    format!("let {m}: Vec<Vec<{FLT}>> = vec![{}];", rows.join(", "))
                }
            };
            Self::line(out, ind, &line);
            let (acc, row) = (self.some_mut(ctx, out, ind), self.fresh("row"));
            let pick = if self.on("matrix_rows:ranges") { 6 } else { 5 };
            let line = match self.rng.below(pick) {
                0 => format!(
                    "{acc} += {m}.iter().map(|{row}| {row}[0] * {row}[{}]).sum::<{FLT}>() * 0.05;",
                    cols - 1
                ),
                // A part of the rows named, indexed, counted, and lent to a plain helper.
                5 => {
                    let (t, h) = (self.fresh("rt"), format!("{}_rv_{FLT}", self.base));
                    if !self.items.contains(&format!("fn {h}(")) {
                        let _ = writeln!(
                            self.items,
                            "/// not annotated\nfn {h}(rs: &[Vec<{FLT}>], s: {FLT}) -> {FLT} {{\n    let first = &rs[0];\n    rs.iter().map(|r| r[0] * s).sum::<{FLT}>() + first[first.len() - 1]\n}}"
                        );
                    }
                    format!(
                        "{{ let {t} = &{m}[1..]; {acc} += ({t}[0][0] + {t}.iter().map(|{row}| {row}[0]).sum::<{FLT}>() + {t}.len() as {FLT} * 0.1 + {h}(&{m}[..1], 0.5)) * 0.05; }}"
                    )
                }
                // A part of the rows, enumerated (counted from the part's start).
                4 => format!(
                    "for ({i}, {row}) in {m}[1..].iter().enumerate() {{ {acc} += {row}[0] * ({i} as {FLT} + 0.5) * 0.1; }}"
                ),
                1 => {
                    format!("for {row} in &{m} {{ {acc} += {row}.iter().sum::<{FLT}>() * 0.05; }}")
                }
                2 => format!(
                    "{acc} += ({m}[{}][{}] - {m}[0][0]) * 0.1 + {m}.len() as {FLT} * 0.01;",
                    r - 1,
                    cols - 1
                ),
                _ => format!(
                    "for {i} in 0..{m}.len() {{ {acc} += {m}[{i}][{i} % {m}[{i}].len()] * 0.1; }}"
                ),
            };
            Self::line(out, ind, &line);
            return;
        }
        if self.on("matrix_rows:collected") && self.rng.chance(0.3) {
            // Rows collected from a range, then written like the others.
            let i = self.fresh("i");
            let elems = vec![format!("{init} * ({i} as {FLT} + 1.0)"); cols].join(", ");
            let line = if arrays {
                format!(
                    "let mut {m}: Vec<[{FLT}; {cols}]> = (0..{r}).map(|{i}| [{elems}]).collect();"
                )
            } else {
                format!(
                    "let mut {m} = (0..{r}).map(|{i}| vec![{elems}]).collect::<Vec<Vec<{FLT}>>>();"
                )
            };
            Self::line(out, ind, &line);
        } else if arrays {
            Self::line(
                out,
                ind,
                &format!("let mut {m} = vec![[{init}; {cols}]; {r}];"),
            );
        } else {
            Self::line(
                out,
                ind,
                &format!("let mut {m} = vec![vec![{init}; {cols}]; {r}];"),
            );
        }
        if arrays && self.rng.chance(0.5) {
            let i = self.fresh("i");
            let elems: Vec<String> = (0..cols)
                .map(|c| format!("{t} * {}.0 + {i} as {FLT} * 0.25", c + 1))
                .collect();
            Self::line(
                out,
                ind,
                &format!("for {i} in 0..{r} {{ {m}[{i}] = [{}]; }}", elems.join(", ")),
            );
        } else {
            let (k, row, j, v) = (
                self.fresh("k"),
                self.fresh("row"),
                self.fresh("j"),
                self.fresh("v"),
            );
            Self::line(
                out,
                ind,
                &format!("for ({k}, {row}) in {m}.iter_mut().enumerate() {{ for ({j}, {v}) in {row}.iter_mut().enumerate() {{ *{v} = {t} * ({k} + {j} + 1) as {FLT} * 0.5; }} }}"),
            );
        }
        // Elements within ±3.
        if self.rng.chance(0.3) {
            Self::line(out, ind, &format!("{m}[{}].fill(0.25);", self.rng.below(r)));
        }
        if self.on("matrix_rows:given_whole") && self.rng.chance(0.3) {
            // A row given whole: another row copied over it (`m[a] = m[b].clone()`, an array
            // row by value), or each row made from the one before (elements stay within ±3).
            let (a, b) = (self.rng.below(r), self.rng.below(r));
            let (i, v) = (self.fresh("i"), self.fresh("v"));
            let line = match self.rng.below(4) {
                3 => format!("let {v} = {m}[{b}].clone(); {m}[{a}].clone_from(&{v});"),
                0 if !arrays => format!("for {i} in 1..{r} {{ {m}[{i}] = {m}[{i} - 1].iter().map(|{v}| {v} * 0.5 + {t} * 0.25).collect(); }}"),
                1 => format!("{m}[{a}] = {m}[{b}].clone();"),
                _ if arrays => format!("{m}[{a}] = {m}[{b}];"),
                _ => format!("let {v} = {m}[{b}].to_vec(); {m}[{a}] = {v};"),
            };
            Self::line(out, ind, &line);
        }
        let acc = self.some_mut(ctx, out, ind);
        let row = self.fresh("row");
        if self.on("matrix_rows:flatten") && self.rng.chance(0.3) {
            // The rows end to end (`m` is read nowhere after this).
            let (v, f) = (self.fresh("v"), self.fresh("flat"));
            let n = r * cols;
            let line = match self.rng.below(5) {
                0 => format!("{acc} += {m}.iter().flatten().map(|{v}| {v} * {v}).sum::<{FLT}>() * 0.1;"),
                1 => format!("let {f} = {m}.concat(); {m}[0][0] = 2.0; {acc} += ({f}[0] - {f}[{}]) * 0.5 + {m}[0][0];", n - 1),
                2 => format!("{acc} += {m}.concat()[{}] * 0.5;", n - 1),
                3 if arrays => format!("{acc} += {m}.as_flattened().iter().sum::<{FLT}>() * 0.1;"),
                _ => format!("{acc} += {m}.into_iter().flatten().fold(0.0, |a, {v}| a + {v} * 0.25);"),
            };
            Self::line(out, ind, &line);
            return;
        }
        if self.on("matrix_rows:adapted") && self.rng.chance(0.25) {
            // Rows through `rev`/`skip`/`take`/`step_by`, a count after them.
            let (k, a) = (self.fresh("k"), self.fresh("a"));
            let line = match self.rng.below(4) {
                0 => format!("{acc} += {m}.iter().rev().map(|{row}| {row}[0] * {row}[{}]).sum::<{FLT}>() * 0.1;", cols - 1),
                1 => format!("for ({k}, {row}) in {m}.iter().rev().take(2).enumerate() {{ {acc} += {row}[0] * ({k} as {FLT} + 1.0) * 0.1; }}"),
                2 => format!("{acc} += {m}.iter().skip(1).enumerate().map(|({k}, {row})| {row}[{}] * {k} as {FLT}).sum::<{FLT}>() * 0.1;", cols - 1),
                _ => format!("for {row} in {m}.iter().step_by(2) {{ let {a} = {row}[0]; {acc} += {FLT}::tanh({a} * {row}[{}]) * 0.5; }}", cols - 1),
            };
            Self::line(out, ind, &line);
            return;
        }
        match self.rng.below(4) {
            0 => Self::line(
                out,
                ind,
                &format!("{acc} += {m}.iter().map(|{row}| {row}[0] * {row}[{}]).sum::<{FLT}>() * 0.1;", cols - 1),
            ),
            1 => Self::line(
                out,
                ind,
                &format!("for {row} in &{m} {{ {acc} += {row}.iter().sum::<{FLT}>() * 0.1; }}"),
            ),
            2 => {
                let sl = self.slices();
                match sl.first() {
                    Some((xs, _)) => Self::line(
                        out,
                        ind,
                        &format!("for ({row}, w) in {m}.iter().zip({xs}.iter()) {{ {acc} += {FLT}::tanh({row}[1] * w) * 0.5; }}"),
                    ),
                    None => Self::line(
                        out,
                        ind,
                        &format!("{acc} += {m}[{}].iter().map(|v| v * v).sum::<{FLT}>() * 0.1;", r - 1),
                    ),
                }
            }
            _ => Self::line(
                out,
                ind,
                &format!("for {row} in {m}.iter_mut() {{ {row}[0] *= 0.5; {acc} += {row}[0] * {row}.len() as {FLT} * 0.1; }}"),
            ),
        }
        let _ = act;
    }

    /// Destructuring assignment of two mutable floats, swapping them in a loop.
    fn destructure(&mut self, out: &mut String, ind: usize) {
        let (e1, e2) = (self.expr(1), self.expr(1));
        let (e1, e2) = (self.wrap(e1, (-3.0, 3.0)), self.wrap(e2, (-3.0, 3.0)));
        let (p, q, n) = (self.fresh("p"), self.fresh("q"), self.fresh("v"));
        Self::line(
            out,
            ind,
            &format!(
                "let (mut {p}, mut {q}): ({FLT}, {FLT}) = ({}, {});",
                e1.s, e2.s
            ),
        );
        Self::line(
            out,
            ind,
            &format!("for _ in 0..2 {{ ({p}, {q}) = ({q}, {p} * 0.5 + {q} * 0.25); }}"),
        );
        Self::line(out, ind, &format!("let {n}: {FLT} = {p} - {q} * 0.5;"));
        let act = e1.iv.2 || e2.iv.2;
        self.declare(&n, VarKind::Float(Iv(-4.5, 4.5, act)), false);
    }

    /// `#[gradient(wrt(..))]` methods of a struct of data (made here: a struct, its `impl`, a
    /// `const` of it and a `const` array of two): called on a local struct literal of constants,
    /// on the `const`, and on each element of the array in a loop; scalar-valued (`score(x,
    /// ys)`) and vector-valued (`lift(ys)`, read by index), given a slice in scope.
    fn data_method(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let sl = self.slices();
        if sl.is_empty() {
            return;
        }
        let (xs, xiv) = self.rng.pick(&sl).clone();
        let k = self.items.matches("struct Dm").count();
        let ty = format!("Dm{}{k}_{FLT}", self.base.to_uppercase());
        let konst = format!("DM{}_{k}_{FLT}", self.base.to_uppercase());
        let arr = format!("DMS{}_{k}_{FLT}", self.base.to_uppercase());
        let _ = writeln!(
            self.items,
            "#[derive(Clone, Copy)]\n#[allow(dead_code, non_camel_case_types)]\nstruct {ty} {{ dmw: [{FLT}; 2], dmk: {FLT} }}\n#[allow(dead_code)]\nimpl {ty} {{\n    fn bump(&mut self) {{\n        self.dmk += 0.25;\n    }}\n    #[gradient(wrt(dmx))]\n    fn nudged(&mut self, dmx: {FLT}) -> {FLT} {{\n        self.bump();\n        self.dmk * {FLT}::tanh(dmx) + self.dmw[0]\n    }}\n    #[gradient(wrt(dmx))]\n    fn logged(&mut self, dmx: {FLT}) -> {FLT} {{\n        let mut s = 0.0;\n        for k in 0..3 {{\n            self.dmk += 0.125;\n            s += {FLT}::tanh(dmx * self.dmk + k as {FLT} * 0.5);\n        }}\n        if s > self.dmw[0] {{\n            self.dmw[1] += 0.25;\n        }}\n        self.dmw[0] -= 0.5;\n        s * self.dmw[1]\n    }}\n    #[gradient(wrt(dmx))]\n    fn taken(self, dmx: {FLT}) -> {FLT} {{\n        self.dmk * {FLT}::tanh(dmx * self.dmw[1])\n    }}\n    #[gradient(wrt(dmx, dmys))]\n    fn score(&self, dmx: {FLT}, dmys: &[{FLT}]) -> {FLT} {{\n        self.dmk * {FLT}::tanh(dmx * self.dmw[0]) + self.dmw[1] * {FLT}::tanh(dmys[0])\n    }}\n    #[gradient(wrt(dmys))]\n    fn lift(&self, dmys: &[{FLT}]) -> Vec<{FLT}> {{\n        dmys.iter().map(|dmy| {FLT}::tanh(self.dmw[0] * dmy + self.dmk)).collect()\n    }}\n}}\n#[allow(dead_code)]\nconst {konst}: {ty} = {ty} {{ dmw: [0.5, -1.25], dmk: 0.75 }};\n#[allow(dead_code)]\nconst {arr}: [{ty}; 2] = [{ty} {{ dmw: [0.25, 1.0], dmk: -0.5 }}, {ty} {{ dmw: [1.5, 0.5], dmk: 0.25 }}];"
        );
        // A free function lent the data mutably, writing its fields (a count, a threshold).
        let lent = format!("dm_acc_{}{k}_{FLT}", self.base);
        let _ = writeln!(
            self.items,
            "#[gradient(wrt(dmx))]\nfn {lent}(d: &mut {ty}, dmx: {FLT}) -> {FLT} {{\n    d.dmk += 0.5;\n    d.dmw[0] *= 0.5;\n    if dmx > d.dmw[1] {{\n        d.dmw[1] += 0.25;\n    }}\n    {FLT}::tanh(dmx) * d.dmk + d.dmw[0]\n}}"
        );
        let e = self.expr(1);
        let (n, d) = (self.fresh("v"), self.fresh("dm"));
        let x = paren(&e.s);
        let active = e.iv.2 || xiv.2;
        let (s, iv) = match self.rng.below(6) {
            // Lent mutably to a free function that writes its fields, read after each call.
            // (Made in a loop's body and lent so it is refused yet: outside loops only.)
            5 if self.on("data_method:lent_mut") && ctx.loops == 0 => {
                Self::line(
                    out,
                    ind,
                    &format!("let mut {d} = {ty} {{ dmw: [0.75, -0.5], dmk: 1.25 }};"),
                );
                (
                    format!("{lent}(&mut {d}, {x}) * 0.5 + {d}.dmk * 0.1 + {d}.dmw[1] + {lent}(&mut {d}, {x} * 0.5) * {d}.dmw[0]"),
                    Iv(-4.0, 4.0, e.iv.2),
                )
            }
            // Receivers lent mutably (a method that changes it first) and taken by value.
            // (Made in a loop's body and changed so, data is refused yet: outside loops only.)
            4 if self.on("data_method:receivers") && ctx.loops == 0 => {
                Self::line(
                    out,
                    ind,
                    &format!("let mut {d} = {ty} {{ dmw: [0.75, -0.5], dmk: 1.25 }};"),
                );
                (
                    format!("{d}.nudged({x}) * 0.5 + {d}.taken({x}) * 0.25"),
                    Iv(-2.0, 2.0, e.iv.2),
                )
            }
            // Fields of the receiver written by the method (a count, the best value kept),
            // read by the caller after.
            3 if self.on("data_method:fields_written") && ctx.loops == 0 => {
                Self::line(
                    out,
                    ind,
                    &format!("let mut {d} = {ty} {{ dmw: [0.75, -0.5], dmk: 1.25 }};"),
                );
                (
                    format!("{d}.logged({x}) * 0.25 + {d}.dmk * 0.1 + {d}.dmw[1] * {d}.dmw[0]"),
                    Iv(-6.0, 6.0, e.iv.2),
                )
            }
            0 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {d} = {ty} {{ dmw: [0.75, -0.5], dmk: 1.25 }};"),
                );
                (format!("{d}.score({x}, {xs})"), Iv(-1.75, 1.75, active))
            }
            1 => (format!("{konst}.score({x}, {xs})"), Iv(-2.0, 2.0, active)),
            2 if ctx.loops < 2 => {
                let acc = self.fresh("acc");
                Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
                Self::line(out, ind, &format!("for {d} in &{arr} {{"));
                Self::line(out, ind + 1, &format!("{acc} += {d}.score({x}, {xs});"));
                Self::line(out, ind, "}");
                (acc, Iv(-3.0, 3.0, active))
            }
            _ => {
                let h = self.fresh("h");
                Self::line(out, ind, &format!("let {h} = {konst}.lift({xs});"));
                (
                    format!("{h}[0] * 0.5 + {h}[{h}.len() - 1]"),
                    Iv(-1.5, 1.5, xiv.2),
                )
            }
        };
        Self::line(out, ind, &format!("let {n}: {FLT} = {s};"));
        self.declare(&n, VarKind::Float(iv), false);
    }

    /// A buffer collected through a `filter`, through `step_by`, from untyped inner sums typed
    /// by the turbofish, or a piece of `chunks` copied by `to_vec()`; read by a sum (a filter may
    /// keep nothing).
    /// Buffers of floats: a reversed copy, a value collected anew each step, a part taken apart
    /// through `try_into`.
    fn buffer_forms(&mut self, out: &mut String, ind: usize) {
        let sl = self.slices();
        if sl.is_empty() {
            return;
        }
        let (xs, iv) = self.rng.pick(&sl).clone();
        let n = self.fresh("v");
        let (b, q, r) = (self.fresh("bf"), self.fresh("q"), self.fresh("r"));
        let long: Vec<String> = self
            .seqs()
            .into_iter()
            .filter(|s| s.4 && s.3 >= 2)
            .map(|s| s.0)
            .collect();
        let m = iv.mag().max(1.0);
        match self.rng.below(4) {
            // Drained: the first taken, then the rest read.
            3 if self.on("stmt:drains") => {
                Self::line(
                    out,
                    ind,
                    &format!("let mut {b}: Vec<{FLT}> = {xs}.to_vec();"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {q}: Vec<{FLT}> = {b}.drain(..1).collect();"),
                );
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {n}: {FLT} = {q}[0] * 0.5 + {FLT}::tanh({b}.iter().sum::<{FLT}>());"
                    ),
                );
                self.declare(&n, VarKind::Float(Iv(-m - 1.0, m + 1.0, iv.2)), false);
            }
            0 => {
                Self::line(
                    out,
                    ind,
                    &format!("let mut {b}: Vec<{FLT}> = {xs}.to_vec();"),
                );
                Self::line(out, ind, &format!("{b}.reverse();"));
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {b}[0] * 0.5 + {b}[{b}.len() - 1] * 0.25;"),
                );
                self.declare(&n, VarKind::Float(Iv(-m, m, iv.2)), false);
            }
            2 if self.on("stmt:mut_accessor") && self.rng.chance(0.5) => {
                // Elements lent by `last_mut`/`first_mut`/`get_mut` in an `if let`.
                let k = self.rng.below(4);
                Self::line(
                    out,
                    ind,
                    &format!("let mut {b}: Vec<{FLT}> = {xs}.to_vec();"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("if let Some({q}) = {b}.last_mut() {{ *{q} *= 0.5; }}"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("if let Some({r}) = {b}.first_mut() {{ *{r} = {r}.tanh() + 0.25; }}"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("if let Some({q}) = {b}.get_mut({k}) {{ *{q} += 1.0; }} else {{ {b}[0] *= 2.0; }}"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {b}[0] * 0.5 + {b}[{b}.len() - 1] * 0.25;"),
                );
                let bd = 2.0 * (m + 1.5);
                self.declare(&n, VarKind::Float(Iv(-bd, bd, iv.2)), false);
            }
            1 if self.on("stmt:buffer_branch_assign") && self.rng.chance(0.5) => {
                // A buffer made anew each step by a `collect` or chosen by a branch (or a
                // `match`) between a `collect` and another buffer (`a = if c {
                // z.iter().map(..).collect() } else { z };`).
                let lit = self.value_in((-1.0, 1.0));
                let (z, s) = (self.fresh("z"), self.fresh("s"));
                Self::line(
                    out,
                    ind,
                    &format!("let mut {b}: Vec<{FLT}> = vec![{lit:?}; {xs}.len()];"),
                );
                Self::line(out, ind, &format!("for {s} in 0..3 {{"));
                Self::line(
                    out,
                    ind + 1,
                    &format!("let {z}: Vec<{FLT}> = {b}.iter().zip({xs}.iter()).map(|({q}, {r})| {q} * 0.5 + {r}).collect();"),
                );
                let c = if self.rng.chance(0.5) {
                    format!("{s} + 1 < 3")
                } else {
                    format!("{z}[0] > 0.0")
                };
                let assign = match self.rng.below(3) {
                    0 => format!("{b} = if {c} {{ {z}.iter().map(|{q}| {q}.tanh()).collect() }} else {{ {z} }};"),
                    1 => format!("{b} = match {s} {{ 0 => {z}, _ => {z}.iter().map(|&{q}| ({q} * 0.5).tanh()).collect() }};"),
                    _ => format!("{b} = {z}.iter().map(|{q}| {q}.tanh()).collect();"),
                };
                Self::line(out, ind + 1, &assign);
                Self::line(out, ind, "}");
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {b}[0] + {b}[{b}.len() - 1];"),
                );
                let bd = 2.0 + 4.0 * m;
                self.declare(&n, VarKind::Float(Iv(-bd, bd, iv.2)), false);
            }
            1 => {
                Self::line(out, ind, &format!("let mut {b} = vec![0.5; {xs}.len()];"));
                Self::line(out, ind, "for _ in 0..2 {");
                Self::line(
                    out,
                    ind + 1,
                    &format!("{b} = {b}.iter().zip({xs}.iter()).map(|({q}, {r})| ({q} * {r}).tanh() + 0.25).collect();"),
                );
                Self::line(out, ind, "}");
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {b}[0] + {b}[{b}.len() - 1];"),
                );
                self.declare(&n, VarKind::Float(Iv(-2.5, 2.5, iv.2)), false);
            }
            _ if !long.is_empty() => {
                let ys = self.rng.pick(&long).clone();
                let yiv = sl.iter().find(|(nm, _)| *nm == ys).map_or(iv, |(_, v)| *v);
                // Also as a reference to an array, of the last two too, read by index
                // or through an explicit deref.
                let conv = if self.on("stmt:array_ref_parts") && self.rng.chance(0.4) {
                    let a = self.fresh("ar");
                    // (The first two, or the last two: every such slice holds two.)
                    let (lo, hi) = if self.rng.chance(0.5) {
                        (String::new(), "2".to_string())
                    } else {
                        (format!("{ys}.len() - 2"), String::new())
                    };
                    let deref = if self.rng.chance(0.5) {
                        format!("(*{a})")
                    } else {
                        a.clone()
                    };
                    format!("let {a}: &[{FLT}; 2] = {ys}[{lo}..{hi}].try_into().unwrap(); let ({q}, {r}) = ({deref}[0], {deref}[{a}.len() - 1]);")
                } else if self.on("stmt:try_from_parts") && self.rng.chance(0.4) {
                    // `<[T; 2]>::try_from(..)`, `TryFrom::try_from(..)` into a typed `let`.
                    if self.rng.chance(0.5) {
                        format!("let [{q}, {r}] = <[{FLT}; 2]>::try_from(&{ys}[..2]).unwrap();")
                    } else {
                        let a = self.fresh("ar");
                        format!("let {a}: [{FLT}; 2] = TryFrom::try_from(&{ys}[{ys}.len() - 2..]).expect(\"two\"); let ({q}, {r}) = ({a}[0], {a}[1]);")
                    }
                } else {
                    format!("let [{q}, {r}]: [{FLT}; 2] = {ys}[..2].try_into().unwrap();")
                };
                Self::line(out, ind, &conv);
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {q} * 0.5 - {r} * 0.25;"),
                );
                let m = yiv.mag().max(1.0);
                self.declare(&n, VarKind::Float(Iv(-m, m, yiv.2)), false);
            }
            _ => {}
        }
    }

    /// Data filled in place inside a `for` or `while` loop (an index vector, a queue), then read
    /// with a differentiated slice.
    fn data_push_loop(&mut self, out: &mut String, ind: usize) {
        let sl = self.slices();
        if sl.is_empty() {
            return;
        }
        let (xs, iv) = self.rng.pick(&sl).clone();
        let n = self.fresh("v");
        let data: Vec<(String, Iv)> = sl.iter().filter(|(_, iv)| !iv.2).cloned().collect();
        {
            // Data filled in place inside a loop (an index vector, a queue, a map), then read.
            let (o, i, k) = (self.fresh("idx"), self.fresh("i"), self.fresh("k"));
            let e = self.expr(1);
            let e = self.wrap(e, UNIT);
            let keep = match data.first() {
                Some((ds, _)) if self.rng.chance(0.5) => {
                    format!("{ds}[{i} % {ds}.len()] > 0.0")
                }
                _ => format!("{i} % 2 == 0"),
            };
            // Sometimes indices grouped into rows (`vec![Vec::new(); 2]`, typed or not), each
            // group's sum read.
            if self.on("stmt:grouped_rows") && self.rng.chance(0.25) {
                let ann = if self.rng.chance(0.5) {
                    ": Vec<Vec<usize>>"
                } else {
                    ""
                };
                let empty = if self.rng.chance(0.5) {
                    "Vec::new()"
                } else {
                    "vec![]"
                };
                Self::line(out, ind, &format!("let mut {o}{ann} = vec![{empty}; 2];"));
                Self::line(out, ind, &format!("for {i} in 0..{xs}.len() {{"));
                Self::line(
                    out,
                    ind + 1,
                    &format!("if {keep} || {i} == 0 {{ {o}[{i} % 2].push({i}); }}"),
                );
                Self::line(out, ind, "}");
                let g = self.fresh("g");
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {o}.iter().map(|{g}| {g}.iter().map(|&{i}| {xs}[{i}]).sum::<{FLT}>().tanh()).sum::<{FLT}>() * 0.5 + {o}[0].len().min(4) as {FLT} * 0.1 * {};", paren(&e.s)),
                );
                self.declare(&n, VarKind::Float(Iv(-1.5, 1.5, iv.2 || e.iv.2)), false);
                return;
            }
            let (ty, push) = match self.rng.below(4) {
                0 => ("Vec<usize>".to_string(), "push"),
                1 => ("std::collections::VecDeque<usize>".to_string(), "push_back"),
                2 => ("Vec<usize>".to_string(), "insert"),
                // Untyped: what is pushed (a loop's index) says it holds integers.
                _ => (String::new(), "push"),
            };
            let init = if ty.starts_with("std::") {
                "std::collections::VecDeque::new()".to_string()
            } else {
                "Vec::new()".to_string()
            };
            let ann = if ty.is_empty() {
                String::new()
            } else {
                format!(": {ty}")
            };
            Self::line(out, ind, &format!("let mut {o}{ann} = {init};"));
            let add = if push == "insert" {
                format!("{o}.insert(0, {i});")
            } else {
                format!("{o}.{push}({i});")
            };
            if self.rng.chance(0.5) {
                Self::line(out, ind, &format!("for {i} in 0..{xs}.len() {{"));
                Self::line(out, ind + 1, &format!("if {keep} {{ {add} }}"));
                Self::line(out, ind, "}");
            } else {
                Self::line(out, ind, &format!("let mut {i} = 0usize;"));
                Self::line(out, ind, &format!("while {i} < {xs}.len() {{"));
                Self::line(out, ind + 1, &format!("if {keep} {{ {add} }}"));
                Self::line(out, ind + 1, &format!("{i} += 1;"));
                Self::line(out, ind, "}");
                let _ = k;
            }
            // A test of the count by `matches!`, bound by a `let`.
            let mt = self.fresh("mt");
            Self::line(
                out,
                ind,
                &format!("let {mt} = matches!({o}.len(), 1 | 3 | 5);"),
            );
            Self::line(
                out,
                ind,
                &format!("let {n}: {FLT} = {o}.iter().map(|&{i}| {xs}[{i}] * 0.5).sum::<{FLT}>() + {o}.len() as {FLT} * 0.1 * {} + if {mt} {{ 0.25 }} else {{ 0.0 }};", paren(&e.s)),
            );
            let m = iv.mag().max(1.0) * 6.0 + 0.25;
            self.declare(&n, VarKind::Float(Iv(-m, m, iv.2 || e.iv.2)), false);
        }
    }

    /// What the forms of a statement over a slice start from: the slices in scope, one of them
    /// with its range, the name of the value made, and a bounded expression to mix in. `None`
    /// without a slice.
    fn slice_and_value(&mut self) -> Option<SliceStart> {
        let sl = self.slices();
        if sl.is_empty() {
            return None;
        }
        let (xs, iv) = self.rng.pick(&sl).clone();
        let n = self.fresh("v");
        let e = self.expr(1);
        let e = self.wrap(e, UNIT);
        Some((sl, xs, iv, n, e))
    }

    /// Forms probes found in code written without the macro in mind: a reduction of a chain
    /// that starts with `std::iter::once(e)` (parts copied, mapped, windows), one tuple `let` of
    /// a constant matrix and a value, a tuple-valued `match` with an arm that `continue`s, the
    /// windows of a list of pieces reduced, a closure of slices given a named part of a slice, a
    /// plain helper that moves a count through `&mut`, an empty branch whose value is `()`, and
    /// locals changed inside comparisons and conditions (a block that assigns, a `&mut` call),
    /// local matrices copied whole (`let mut p = m.clone(); .. m = p;`) or by row, and index
    /// pairs made by `flat_map`, then valued.
    fn idiom_forms(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let Some((_, xs, iv, n, e)) = self.slice_and_value() else {
            return;
        };
        let ee = paren(&e.s);
        let m = iv.mag().max(1.0);
        let (a, b, k, w) = (
            self.fresh("a"),
            self.fresh("b"),
            self.fresh("k"),
            self.fresh("w"),
        );
        let pad = |d: usize| "    ".repeat(d);
        let bound = match self.rng.below(23) {
            22 if self.on("stmt:enum_values") => {
                // Values of an enum of the user's (unit, tuple and struct variants holding
                // floats): listed and mapped through a method, matched in a loop, chosen by a
                // branch then matched: |.| <= 2.5. (Names no model field has: the model's body reads
                // its fields through `self.`.)
                let ty = format!("Ac{}_{FLT}", self.base.to_uppercase());
                if !self.items.contains(&format!("enum {ty} ")) {
                    let _ = writeln!(
                        self.items,
                        "#[derive(Clone, Copy)]\n#[allow(dead_code, non_camel_case_types)]\nenum {ty} {{\n    Relu,\n    Leaky({FLT}),\n    Scaled {{ gain: {FLT} }},\n}}\n#[allow(dead_code)]\nimpl {ty} {{\n    fn apply(&self, z: {FLT}) -> {FLT} {{\n        match self {{\n            {ty}::Relu => z.max(0.0),\n            {ty}::Leaky(sl) => if z > 0.0 {{ z }} else {{ sl * z }},\n            {ty}::Scaled {{ gain }} => gain * {FLT}::tanh(z),\n        }}\n    }}\n}}"
                    );
                }
                let q = self.fresh("ac");
                let arms = format!("{ty}::Relu => {FLT}::max({ee}, 0.0), {ty}::Leaky(sl) => sl * {ee}, {ty}::Scaled {{ gain }} => gain * {ee}");
                match self.rng.below(4) {
                    // The list lent to a plain helper taking `&[E]`, which maps the method.
                    3 => {
                        let h = format!("{}_acs_{FLT}", self.base);
                        if !self.items.contains(&format!("fn {h}(")) {
                            let _ = writeln!(
                                self.items,
                                "/// not annotated\nfn {h}(acs: &[{ty}], z: {FLT}) -> {FLT} {{\n    acs.iter().map(|q| q.apply(z)).sum::<{FLT}>() / acs.len() as {FLT}\n}}"
                            );
                        }
                        Self::line(
                            out,
                            ind,
                            &format!("let {a} = vec![{ty}::Relu, {ty}::Scaled {{ gain: -0.75 }}];"),
                        );
                        Self::line(out, ind, &format!("let {n}: {FLT} = {h}(&{a}, {ee});"));
                    }
                    0 => {
                        Self::line(
                            out,
                            ind,
                            &format!("let {a} = [{ty}::Leaky(0.1), {ty}::Relu, {ty}::Scaled {{ gain: 0.5 }}];"),
                        );
                        Self::line(
                            out,
                            ind,
                            &format!("let {n}: {FLT} = {a}.iter().map(|{q}| {q}.apply({ee})).sum::<{FLT}>();"),
                        );
                    }
                    1 => {
                        Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                        Self::nested(
                            out,
                            ind,
                            &format!(
                                "for {q} in vec![{ty}::Scaled {{ gain: -0.5 }}, {ty}::Leaky(0.25)]"
                            ),
                            &format!("{n} += match {q} {{ {arms} }};"),
                        );
                    }
                    _ => {
                        let c = self.cond(1);
                        Self::line(
                            out,
                            ind,
                            &format!("let {q} = if {c} {{ {ty}::Leaky(-0.2) }} else {{ {ty}::Scaled {{ gain: 1.5 }} }};"),
                        );
                        Self::line(
                            out,
                            ind,
                            &format!("let {n}: {FLT} = match {q} {{ {arms} }};"),
                        );
                    }
                }
                2.5
            }
            21 if self.on("stmt:labeled_block") => {
                // A labeled block left early with a value, or a loop's body left by a labeled
                // `break`; a message made by `format!` from the value: |.| <= m + 0.25.
                let (lb, t) = (self.fresh("lb"), self.fresh("lt"));
                let c = self.cond(1);
                if self.rng.chance(0.5) {
                    Self::line(
                        out,
                        ind,
                        &format!("let {n}: {FLT} = '{lb}: {{ if {c} {{ break '{lb} {ee} * 0.5; }} let {t} = {xs}[0] * {ee}; {t} + 0.25 }};"),
                    );
                } else {
                    Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                    Self::line(
                        out,
                        ind,
                        &format!("for {k} in 0..2 {{ '{lb}: {{ if {k} == 1 && {c} {{ break '{lb}; }} {n} += {ee} * 0.5; }} }}"),
                    );
                }
                Self::line(
                    out,
                    ind,
                    &format!("let {t}s = format!(\"{{}}\", {n}); assert!(!{t}s.is_empty());"),
                );
                m + 0.25
            }
            20 if self.on("stmt:iter_sources") => {
                // Items from a value repeated, a slice cycled, a copy iterated, over a count:
                // |.| <= 0.75 m + 1.5.
                let (r, c, t, v) = (
                    self.fresh("rp"),
                    self.fresh("cy"),
                    self.fresh("tc"),
                    self.fresh("rv"),
                );
                let take = 1 + self.rng.below(6);
                let repeated = if self.rng.chance(0.5) {
                    format!("std::iter::repeat({v}).take(3)")
                } else {
                    format!("std::iter::repeat_n({v}, 3)")
                };
                Self::line(out, ind, &format!("let {v} = {ee};"));
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {repeated}.map(|{r}| {r} * {xs}[0]).sum::<{FLT}>() * 0.25 + {xs}.iter().cycle().take({take}).map(|{c}| {FLT}::tanh(*{c})).sum::<{FLT}>() / {take} as {FLT} * 0.5 + {xs}[..].to_vec().iter().map(|{t}| {FLT}::tanh(*{t})).sum::<{FLT}>() / {xs}.iter().count() as {FLT};"),
                );
                if self.on("stmt:successors") {
                    // Items each made from the one before (`successors`), the last of a few,
                    // the k-th, and a few summed: each within ±1, so |.| <= 0.5 + 0.5 + 0.3.
                    let (g, tt) = (self.fresh("sg"), self.fresh("st"));
                    let step = format!("Some(0.5 * {g} + 0.25 * {FLT}::tanh({xs}[0] * {tt}))");
                    let steps = 2 + self.rng.below(4);
                    Self::line(out, ind, &format!("let {tt}: {FLT} = {FLT}::tanh({v});"));
                    Self::line(
                        out,
                        ind,
                        &format!("let {n}: {FLT} = {n} + std::iter::successors(Some({tt}), |&{g}: &{FLT}| {step}).take({steps}).last().unwrap() * 0.5 + std::iter::successors(Some({tt} * 0.5), |&{g}| {step}).nth(2).unwrap() * 0.5 + std::iter::successors(Some({tt}), |{g}: &{FLT}| Some(0.5 * *{g} + 0.25)).take(3).map(|{g}| {g} * {g}).sum::<{FLT}>() * 0.1;"),
                    );
                }
                0.75 * m + 2.8
            }
            19 if self.on("stmt:part_from_end") => {
                // Elements of a part read from its end, present or not: |.| <= m each.
                let (p, q) = (self.fresh("fa"), self.fresh("fb"));
                Self::line(
                    out,
                    ind,
                    &format!("let ({p}, {q}) = {xs}.split_at({xs}.len() / 2);"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {q}.iter().rev().nth(1).copied().unwrap_or(0.5) + {xs}[1..].iter().rev().last().copied().unwrap_or({ee}) + {p}.iter().rev().next().copied().unwrap_or(0.25) * {ee};"),
                );
                3.0 * m + 1.0
            }
            18 if self.on("stmt:part_rows") => {
                // A matrix of rows copied from parts of a slice (collected from a range, written
                // out, or vectors by name), read whole: at most six tanh.
                let (u, r, h) = (self.fresh("pu"), self.fresh("pr"), self.fresh("ph"));
                match self.rng.below(6) {
                    4 if self.on("stmt:part_rows_named") => {
                        // Rows by name, bound once by copies, in an untyped list or pushed.
                        let (p1, p2) = (self.fresh("pn"), self.fresh("pn"));
                        Self::line(out, ind, &format!("let {p1} = {xs}[..{xs}.len() / 2].to_vec();"));
                        Self::line(out, ind, &format!("let {p2}: Vec<{FLT}> = {xs}[{xs}.len() - {xs}.len() / 2..].iter().map(|{u}| *{u} * 0.5).collect();"));
                        if self.rng.chance(0.5) {
                            Self::line(out, ind, &format!("let {a} = vec![{p1}, {p2}];"));
                        } else {
                            Self::line(out, ind, &format!("let mut {a} = Vec::new();"));
                            Self::line(out, ind, &format!("{a}.push({p1});"));
                            Self::line(out, ind, &format!("{a}.push({p2});"));
                        }
                    }
                    5 if self.on("stmt:part_rows_collected") => Self::line(
                        out,
                        ind,
                        &format!("let {a}: Vec<Vec<{FLT}>> = vec![{xs}.iter().take({xs}.len() / 2).copied().collect(), {xs}.iter().skip({xs}.len() - {xs}.len() / 2).map(|{u}| {u} * 0.5).collect()];"),
                    ),
                    3 if self.on("stmt:part_rows_pushed") => {
                        Self::line(out, ind, &format!("let mut {a} = Vec::new();"));
                        Self::nested(
                            out,
                            ind,
                            &format!("for {k} in 0..2"),
                            &format!("{a}.push({xs}[{k} * ({xs}.len() / 2)..({k} + 1) * ({xs}.len() / 2)].to_vec());"),
                        );
                    }
                    0 | 3 => Self::line(
                        out,
                        ind,
                        &format!("let {a}: Vec<Vec<{FLT}>> = (0..2).map(|{k}| {xs}[{k} * ({xs}.len() / 2)..({k} + 1) * ({xs}.len() / 2)].to_vec()).collect();"),
                    ),
                    1 => Self::line(
                        out,
                        ind,
                        &format!("let {a} = vec![{xs}[..{xs}.len() / 2].to_vec(), {xs}[{xs}.len() - {xs}.len() / 2..].to_vec()];"),
                    ),
                    _ => {
                        Self::line(
                            out,
                            ind,
                            &format!("let {h}: Vec<{FLT}> = {xs}.iter().map(|{u}| *{u} * 0.5).collect();"),
                        );
                        Self::line(out, ind, &format!("let {a} = vec![{h}, {xs}.to_vec()];"));
                    }
                }
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {a}.iter().map(|{r}| {r}.iter().map(|{u}| {FLT}::tanh(*{u} * {ee})).sum::<{FLT}>()).sum::<{FLT}>() * 0.5;"),
                );
                6.0
            }
            17 if self.on("stmt:helper_rows") => {
                // Rows `[T; 2]` made by a plain helper, collected (typed, `Vec<_>`, a
                // turbofish) or pushed into a list typed by the helper's return type, then
                // read by row: at most six rows, each a tanh, plus one element |.| <= m.
                let h = format!("{}_rot_{FLT}", self.base);
                if !self.items.contains(&format!("fn {h}(")) {
                    let _ = writeln!(
                        self.items,
                        "fn {h}(a: {FLT}, b: {FLT}) -> [{FLT}; 2] {{\n    [a * {FLT}::cos(b), a * {FLT}::sin(b)]\n}}"
                    );
                }
                let (u, r) = (self.fresh("hu"), self.fresh("hr"));
                match self.rng.below(4) {
                    0 => Self::line(
                        out,
                        ind,
                        &format!("let {a}: Vec<[{FLT}; 2]> = {xs}.iter().map(|{u}| {h}(*{u}, {ee})).collect();"),
                    ),
                    1 => Self::line(
                        out,
                        ind,
                        &format!("let {a}: Vec<_> = {xs}.iter().map(|&{u}| {h}({u}, {u})).collect();"),
                    ),
                    2 => Self::line(
                        out,
                        ind,
                        &format!("let {a} = {xs}.iter().map(|{u}| {h}({ee}, *{u})).collect::<Vec<_>>();"),
                    ),
                    _ => {
                        Self::line(out, ind, &format!("let mut {a} = Vec::new();"));
                        Self::nested(
                            out,
                            ind,
                            &format!("for {u} in {xs}.iter()"),
                            &format!("{a}.push({h}(*{u}, 0.5));"),
                        );
                    }
                }
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {a}.iter().map(|{r}| {FLT}::tanh({r}[0] * {r}[1])).sum::<{FLT}>() + {a}[0][1];"),
                );
                6.0 + m
            }
            16 if self.on("stmt:ref_bindings") => {
                // `ref` (and `ref mut`) bindings of a tuple's parts and of a value, read through
                // `*` and (primitive floats) by auto-deref. |a| <= 1, |b|, |k| <= m.
                let (r, t) = (self.fresh("rm"), self.fresh("rt"));
                let auto = self.rng.chance(0.5);
                let mut lines = vec![];
                if auto {
                    lines.push(format!("// {PRIMITIVE_ONLY}"));
                }
                lines.push(if self.rng.chance(0.5) {
                    format!("let (ref {a}, ref {b}) = ({FLT}::tanh({ee}), {xs}[{xs}.len() - 1]);")
                } else {
                    format!("let {t} = ({FLT}::tanh({ee}), {xs}[{xs}.len() - 1]); let (ref {a}, ref {b}) = {t};")
                });
                lines.push(format!("let ref {k} = {xs}[0];"));
                lines.push(format!("let mut {w}: {FLT} = *{k} * 0.5;"));
                lines.push(format!("{{ let ref mut {r} = {w}; *{r} += *{b} * 0.25; }}"));
                lines.push(if auto {
                    format!("let {n}: {FLT} = {a} * {b} + {k} * 0.5 + {w};")
                } else {
                    format!("let {n}: {FLT} = *{a} * *{b} + *{k} * 0.5 + {w};")
                });
                for l in lines {
                    Self::line(out, ind, &l);
                }
                // |a b| <= m, |k/2| <= m/2, |w| <= m/2 + m/4.
                2.0 * m + 0.5
            }
            15 if self.on("stmt:zip_part_collect") => {
                // A `collect` of a slice zipped with a part of one (`&xs[len / 2..]`), or a
                // range zipped with one: at most three products of |u| <= m and a sine.
                let (u, v) = (self.fresh("zu"), self.fresh("zv"));
                let src = if self.rng.chance(0.5) {
                    format!("{xs}.iter().zip(&{xs}[{xs}.len() / 2..]).map(|({u}, {v})| *{u} * {FLT}::sin(*{v}))")
                } else {
                    format!("(0..3).zip(&{xs}[{xs}.len() / 2..]).map(|({u}, {v})| {FLT}::sin(*{v}) * if {u} == 1 {{ 0.5 }} else {{ 1.0 }})")
                };
                Self::line(out, ind, &format!("let {a}: Vec<{FLT}> = {src}.collect();"));
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {a}.iter().sum::<{FLT}>() * {ee} + {a}[0];"),
                );
                4.0 * m
            }
            14 if ctx.loops < 2 && self.on("stmt:table_rows_carried") => {
                // A copy of a row of a local table, replaced by a `collect` of itself and read:
                // two rows, each adding at most 0.5 + m.
                let (t, u, v) = (self.fresh("tb"), self.fresh("tu"), self.fresh("tv"));
                let (head, second) = if self.rng.chance(0.5) {
                    (format!("for {w} in &{t}"), format!("{xs}[0]"))
                } else {
                    (
                        format!("for ({w}, {v}) in {t}.iter().zip({xs}.iter())"),
                        format!("*{v}"),
                    )
                };
                Self::line(out, ind, &format!("// {PRIMITIVE_ONLY}"));
                Self::line(out, ind, &format!("let {t} = [[0.5, -0.25], [1.0, 0.75]];"));
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                let body = format!(
                    "let mut {b} = {w}.to_vec();\n{i}{b} = {b}.iter().map(|{u}| {FLT}::tanh(*{u} * {ee})).collect();\n{i}{n} += {b}[0] * 0.5 + {b}[1] * {second};",
                    i = pad(ind + 1)
                );
                Self::nested(out, ind, &head, &body);
                self.declare(
                    &n,
                    VarKind::Float(Iv(-1.0 - 2.0 * m, 1.0 + 2.0 * m, true)),
                    true,
                );
                return;
            }
            13 if self.on("stmt:cast_steps") => {
                // Casts of a differentiated value to integers (steps, whose derivative is 0
                // where it has one): a table's cell and the fraction in it, a loop count, a
                // `match` on one, a cast back to a float. q in [0, 3], k <= 3, frac in [0, 1),
                // |a| <= 3m: |n| <= 4m + 2.
                let (q, f) = (self.fresh("cq"), self.fresh("cf"));
                let lines = [
                    format!("// {PRIMITIVE_ONLY}"),
                    format!("let {q}: {FLT} = ({FLT}::tanh({xs}[0] * {ee}) + 1.0) * 1.5;"),
                    format!("let {k} = {q} as usize;"),
                    format!("let {f}: {FLT} = {q} - {k} as {FLT};"),
                    format!("let mut {a}: {FLT} = 0.0;"),
                    format!("for {w} in 0..{k} {{ {a} += {xs}[{w} % {xs}.len()] * {f}; }}"),
                    format!("let {n}: {FLT} = match ({q} * 2.0) as i64 {{ 0 => {a} + {f}, 1 | 2 => {f} * {f}, _ => {a} * 0.5 }} + {xs}[{k} % {xs}.len()] * {f} + ({q} as i32) as {FLT} * 0.1;"),
                ];
                for l in lines {
                    Self::line(out, ind, &l);
                }
                4.0 * m + 2.0
            }
            12 => {
                // Rust's order of evaluation: a compound assignment whose right side changes
                // its place, `any` with a closure that changes a local, an inner label named as
                // the outer one, a `filter` with state in a `for`, a loop bound that changes a
                // local, a `for` over an array literal.
                let (c, t) = (self.fresh("oc"), self.fresh("ot"));
                let te = format!("{FLT}::tanh({ee})");
                let lines: Vec<String> = match self.rng.below(6) {
                    0 => vec![
                        // (A generic `T` adds through `AddAssign`, which borrows the place
                        // first: rustc rejects this for it, so the case stays concrete.)
                        format!("// {PRIMITIVE_ONLY}"),
                        format!("let mut {a}: {FLT} = {xs}[0] * 0.5;"),
                        format!("{a} += {{ {a} *= 0.5; {a} * {te} }};"),
                        format!("let {n}: {FLT} = {a};"),
                    ],
                    1 => vec![
                        format!("let mut {a}: {FLT} = 0.0;"),
                        format!("let {b} = {xs}.iter().any(|{w}| {{ {a} += {w} * 0.5; {a} > 0.3 }});"),
                        format!("let {n}: {FLT} = if {b} {{ {a} * {te} }} else {{ -{a} }};"),
                    ],
                    2 => vec![
                        format!("let mut {a}: {FLT} = 0.0;"),
                        format!("'{t}: for {k} in 0..2 {{ '{t}: for {c} in 0..{xs}.len() {{ if {c} > {k} {{ break '{t}; }} {a} += {xs}[{c}] * 0.25 * {te}; }} }}"),
                        format!("let {n}: {FLT} = {a};"),
                    ],
                    3 => vec![
                        format!("let (mut {a}, mut {c}): ({FLT}, {FLT}) = (0.0, 0.0);"),
                        format!("for {w} in {xs}.iter().filter(|{w}| {{ {a} += **{w} * 0.1; **{w} > 0.0 }}) {{ {c} += {w} * {te}; }}"),
                        format!("let {n}: {FLT} = {c} + {a};"),
                    ],
                    4 => vec![
                        format!("let mut {a}: {FLT} = 0.0;"),
                        format!("let mut {k}: usize = 0;"),
                        format!("for {c} in 0..({{ {k} += 1; {k} }}) {{ {a} += {xs}[{c} % {xs}.len()] * 0.5 * {te}; }}"),
                        format!("let {n}: {FLT} = {a} + {k} as {FLT} * 0.1;"),
                    ],
                    _ => vec![
                        format!("let mut {a}: {FLT} = 0.0;"),
                        format!("for {w} in [0.25, 0.75] {{ let {t} = ({xs}.len() - 1) as {FLT} * {w}; let {c} = {t}.floor() as usize; {a} += {xs}[{c}] * {te} * ({t} - {c} as {FLT} + 0.5); }}"),
                        format!("let {n}: {FLT} = {a};"),
                    ],
                };
                for l in lines {
                    Self::line(out, ind, &l);
                }
                8.0 * m
            }
            11 => {
                // The entry of a constant table nearest a differentiated point (a codebook).
                let t = format!("TB{}_{}_{FLT}", self.base.to_uppercase(), self.fresh);
                let _ = writeln!(
                    self.items,
                    "const {t}: [[{FLT}; 2]; 3] = [[0.0, 0.5], [1.0, -0.25], [-0.75, 1.5]];"
                );
                let q = self.fresh("q");
                let f = *self.rng.pick(&["max_by", "min_by"]);
                let pick = format!("{t}.iter().{f}(|{a}, {b}| ({a}[0] - {q}).abs().total_cmp(&({b}[0] - {q}).abs()))");
                Self::line(
                    out,
                    ind,
                    &format!("let {q}: {FLT} = {FLT}::tanh({xs}[0] * {ee});"),
                );
                if self.rng.chance(0.5) {
                    Self::line(out, ind, &format!("let {k} = {pick}.unwrap();"));
                } else {
                    Self::line(out, ind, &format!("let {k} = {pick}.copied().unwrap();"));
                }
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = ({q} - {k}[0]) * ({q} - {k}[0]) + {k}[1] * {q};"),
                );
                5.0
            }
            10 => {
                // Index pairs made by `flat_map`, then a value of each pair.
                let (i, j) = (self.fresh("pi"), self.fresh("pj"));
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = (0..{xs}.len()).flat_map(|{i}| ({i} + 1..{xs}.len()).map(move |{j}| ({i}, {j}))).map(|({a}, {b})| {FLT}::tanh({xs}[{a}] - {xs}[{b}]) * {ee}).sum();"),
                );
                15.0
            }
            9 => {
                // A local matrix copied whole, written, assigned back; rows copied between two.
                let (g, h) = (self.fresh("gm"), self.fresh("gp"));
                let arrays = self.rng.chance(0.5);
                let rows = if arrays { "[0.0; 2]" } else { "vec![0.0; 2]" };
                Self::line(out, ind, &format!("let mut {g} = vec![{rows}; 2];"));
                Self::line(out, ind, &format!("{g}[0][0] = {xs}[0] * {ee};"));
                Self::line(out, ind, &format!("{g}[1][1] = {xs}[{xs}.len() - 1];"));
                Self::line(out, ind, &format!("let mut {h} = {g}.clone();"));
                Self::line(
                    out,
                    ind,
                    &format!("{h}[0][1] = {g}[0][0] * 0.5 + {g}[1][1];"),
                );
                // (A row of `Vec`s moves out of its matrix: rows are assigned for arrays only.)
                if arrays && self.rng.chance(0.5) {
                    Self::line(out, ind, &format!("{g}[1] = {h}[0];"));
                } else {
                    Self::line(out, ind, &format!("{g} = {h};"));
                }
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {g}[0][1] + {g}[1][1] + {g}[1][0];"),
                );
                4.0 * m
            }
            7 => {
                // A local changed inside a comparison whose value is not read, and by a helper
                // through `&mut` inside an `if`'s condition (`_vh`: a helper writing through
                // `&mut`, which second order does not follow yet, as the harness reads names).
                let h = format!("{}_setsq_vh_{FLT}", self.base);
                if !self.items.contains(&format!("fn {h}(")) {
                    let _ = writeln!(
                        self.items,
                        "#[gradient]\nfn {h}(r: &mut {FLT}, v: {FLT}) -> {FLT} {{\n    *r = v * v;\n    *r\n}}"
                    );
                }
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let _{a} = {{\n{i}    {n} = {xs}[0] * {ee};\n{i}    {n}\n{i}}} > 0.5;",
                        i = pad(ind)
                    ),
                );
                Self::line(out, ind, &format!("let mut {b}: {FLT} = 0.0;"));
                Self::line(
                    out,
                    ind,
                    &format!("if {h}(&mut {b}, {xs}[{xs}.len() - 1]) > 1.0 {{\n{i}    {n} += {b};\n{i}}}", i = pad(ind)),
                );
                m + m * m
            }
            8 => {
                // A block that assigns, as an operand of a comparison in a condition.
                Self::line(out, ind, &format!("let mut {n}: {FLT} = {ee};"));
                Self::line(
                    out,
                    ind,
                    &format!("if {{\n{i}    {n} = {n} * 0.5 + {xs}[0];\n{i}    {n}\n{i}}} < 0.25 {{\n{i}    {n} -= 0.5;\n{i}}}", i = pad(ind)),
                );
                2.0 + m
            }
            0 => {
                let second = match self.rng.below(3) {
                    0 => format!("{xs}.iter().copied()"),
                    1 => format!("{xs}[1..].iter().copied()"),
                    _ => format!("{xs}.windows(2).map(|{w}| {w}[1] - 0.5 * {w}[0])"),
                };
                let reduce = if self.rng.chance(0.5) {
                    format!(".map(|{a}| {a} * {ee}).sum::<{FLT}>()")
                } else {
                    format!(".fold(0.0, |{a}, {b}| {a} + {FLT}::tanh({b}))")
                };
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = std::iter::once({xs}[0]).chain({second}){reduce};"),
                );
                7.0 * 2.0 * m
            }
            1 => {
                Self::line(
                    out,
                    ind,
                    &format!("let ({a}, {b}) = ([[2.0, 0.5], [0.25, 1.0]], {ee});"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {a}[0][1] * {b} + {a}[1][1] * {xs}[0];"),
                );
                0.5 + m
            }
            2 if ctx.loops < 2 => {
                let acc = self.some_mut(ctx, out, ind);
                let body = format!(
                    "let ({a}, {b}) = match {k} % 3 {{\n{i1}0 => continue,\n{i1}j => ({xs}[{k}] * {ee}, j),\n{i0}}};\n{i0}{acc} += {FLT}::tanh({a}) * {b} as {FLT};",
                    i0 = pad(ind + 1),
                    i1 = pad(ind + 2),
                );
                Self::nested(out, ind, &format!("for {k} in 0..{xs}.len()"), &body);
                return;
            }
            3 if self.layer_ok(&xs, "layers:piece_list") => {
                Self::line(
                    out,
                    ind,
                    &format!("let {a}: Vec<&[{FLT}]> = {xs}.chunks_exact(1).collect();"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {a}.windows(2).map(|{w}| ({w}[1][0] - {w}[0][0]) * {ee}).sum();"),
                );
                5.0 * 2.0 * m
            }
            4 => {
                // (Fresh names: a model's fields are substituted by name.)
                let (p, q, u, v) = (
                    self.fresh("cp"),
                    self.fresh("cq"),
                    self.fresh("cu"),
                    self.fresh("cv"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {a} = |{p}: &[{FLT}], {q}: &[{FLT}]| -> {FLT} {{ {p}.iter().zip({q}).map(|({u}, {v})| {u} * {v}).sum() }};"),
                );
                Self::line(out, ind, &format!("let {b} = &{xs}[0..1];"));
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {a}({b}, &{xs}[{xs}.len() - 1..]) + {a}(&{xs}[..1], {b}) * {ee};"),
                );
                m * m * 2.0
            }
            5 => {
                let h = format!("{}_adv_{FLT}", self.base);
                if !self.items.contains(&format!("fn {h}(")) {
                    let _ = writeln!(
                        self.items,
                        "fn {h}(i: &mut usize, seen: &mut u32) -> usize {{\n    *i += 1;\n    *seen += 1;\n    *i\n}}"
                    );
                }
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::line(out, ind, &format!("let mut {k} = 0usize;"));
                Self::line(out, ind, &format!("let mut {b} = 0u32;"));
                Self::nested(
                    out,
                    ind,
                    &format!("while {k} < {xs}.len()"),
                    &format!(
                        "{n} += {xs}[{k}] * {ee};\n{}let _ = {h}(&mut {k}, &mut {b});",
                        pad(ind + 1)
                    ),
                );
                6.0 * m
            }
            _ => {
                Self::line(
                    out,
                    ind,
                    &format!(
                        "if {xs}.len() > 100 {{\n{i}}} else if {xs}.is_empty() {{\n{i}    ()\n{i}}}",
                        i = pad(ind)
                    ),
                );
                return;
            }
        };
        let active = iv.2 || e.iv.2;
        self.declare(&n, VarKind::Float(Iv(-bound, bound, active)), false);
    }

    /// Values whose type the macro cannot see, passed to `#[gradient]` helpers (made here, with
    /// a struct of data): rows of a struct's field by a `for`, by index (`&d.uxs[1]`, to a slice
    /// and to an array parameter), in a closure of a reduction, a whole field (`&d.uv`,
    /// `d.uv.as_slice()`), a field of a struct type (`&d.ucfg`), in a condition and a branch, as a
    /// nested call's argument, and from `self` in a method of the struct; and by value (`d.uv`,
    /// `*r`, `&r` of a `for`, `d.uxs[1]`) to an array parameter beside a slice, a number field
    /// (`d.ucfg.uk`) to a scalar one.
    fn unseen_args(&mut self, out: &mut String, ind: usize) {
        let Some((_, xs, iv, n, e)) = self.slice_and_value() else {
            return;
        };
        let k = self.items.matches("struct Ud").count();
        let (ty, h) = (
            format!("Ud{}{k}_{FLT}", self.base.to_uppercase()),
            format!("ud{}{k}_{FLT}", self.base),
        );
        let _ = writeln!(
            self.items,
            "#[allow(dead_code, non_camel_case_types)]\nstruct {ty}c {{ uk: {FLT} }}\n#[allow(dead_code, non_camel_case_types)]\nstruct {ty} {{ uxs: [[{FLT}; 2]; 3], uv: [{FLT}; 2], ucfg: {ty}c }}\n#[gradient]\nfn {h}_dot(ua: &[{FLT}], ub: &[{FLT}]) -> {FLT} {{\n    ua.iter().zip(ub).map(|(p, q)| p * q).sum::<{FLT}>()\n}}\n#[gradient]\nfn {h}_arr(ua: &[{FLT}; 2], us: {FLT}) -> {FLT} {{\n    us * (ua[0] - 0.5 * ua[1])\n}}\n#[gradient]\nfn {h}_cfg(ua: {FLT}, uc: &{ty}c) -> {FLT} {{\n    ua * uc.uk\n}}\n#[gradient]\nfn {h}_byv(ua: [{FLT}; 2], ub: &[{FLT}]) -> {FLT} {{\n    ub.iter().zip(ua.iter()).map(|(p, q)| p * q).sum::<{FLT}>()\n}}\n#[gradient]\nfn {h}_num(uk: {FLT}, ub: &[{FLT}]) -> {FLT} {{\n    uk * ub.iter().take(2).sum::<{FLT}>()\n}}\n#[gradient]\nfn {h}_scl(ua: [{FLT}; 2], us: {FLT}) -> {FLT} {{\n    us * (ua[0] - 0.5 * ua[1])\n}}\n#[allow(dead_code)]\nimpl {ty} {{\n    #[gradient(wrt(ux))]\n    fn fit(&self, ux: &[{FLT}]) -> {FLT} {{\n        let mut s = 0.0;\n        for r in &self.uxs {{\n            s += {h}_dot(r, ux);\n        }}\n        s + {h}_cfg({h}_dot(&self.uv, ux), &self.ucfg)\n    }}\n}}"
        );
        // Made by a plain function, as data loaded elsewhere is (a struct literal in the body
        // would be a struct local, whose fields the macro follows as locals).
        let mut v = || self.value_in((-1.0, 1.0));
        let lit = format!(
            "{ty} {{ uxs: [[{:?}, {:?}], [{:?}, {:?}], [{:?}, {:?}]], uv: [{:?}, {:?}], ucfg: {ty}c {{ uk: {:?} }} }}",
            v(), v(), v(), v(), v(), v(), v(), v(), v()
        );
        let _ = writeln!(self.items, "fn {h}_data() -> {ty} {{\n    {lit}\n}}");
        let d = self.fresh("ud");
        Self::line(out, ind, &format!("let {d} = {h}_data();"));
        let (m, me) = (iv.mag().max(1.0), e.iv.mag().max(1.0));
        let ee = paren(&e.s);
        let (r, acc) = (self.fresh("r"), self.fresh("acc"));
        // Rows of a data parameter two wide, passed by value to an array parameter.
        let rows2: Vec<String> = self
            .visible()
            .into_iter()
            .filter_map(|v| match v.kind {
                VarKind::Rows {
                    iv,
                    tuple: false,
                    width: Some(2),
                    ..
                } if !iv.2 && self.may_shadow(&v.name) => Some(v.name),
                _ => None,
            })
            .collect();
        let value = match self.rng.below(11) {
            // Typed copies of the data's arrays, passed to a helper of an array and a number,
            // by value and by reference.
            10 => {
                let (ta, tb) = (self.fresh("ta"), self.fresh("tb"));
                Self::line(out, ind, &format!("let {ta}: [{FLT}; 2] = {d}.uv;"));
                Self::line(
                    out,
                    ind,
                    &format!("let {tb}: [{FLT}; 2] = {d}.uxs[{}];", self.rng.below(3)),
                );
                let row = if rows2.is_empty() {
                    String::new()
                } else {
                    let ws = self.rng.pick(&rows2).clone();
                    format!(" + {h}_scl({ws}[0], {ee}) * 0.25")
                };
                format!("{h}_scl({ta}, {ee}) * 0.5 + {h}_arr(&{tb}, {ee}) * 0.5{row}")
            }
            7 => format!("{h}_byv({d}.uv, {xs})"),
            8 => {
                Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
                if self.rng.chance(0.5) {
                    Self::line(out, ind, &format!("for {r} in {d}.uxs.iter() {{"));
                    Self::line(out, ind + 1, &format!("{acc} += {h}_byv(*{r}, {xs}) * 0.5;"));
                } else {
                    Self::line(out, ind, &format!("for &{r} in &{d}.uxs {{"));
                    Self::line(out, ind + 1, &format!("{acc} += {h}_byv({r}, {xs}) * 0.5;"));
                }
                Self::line(out, ind, "}");
                acc
            }
            9 => format!("{h}_num({d}.ucfg.uk, {xs}) + {h}_byv({d}.uxs[{}], {xs})", self.rng.below(3)),
            0 => {
                Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
                Self::line(out, ind, &format!("for {r} in &{d}.uxs {{"));
                Self::line(out, ind + 1, &format!("{acc} += {h}_dot({r}, {xs}) * 0.5;"));
                Self::line(out, ind, "}");
                acc
            }
            1 => format!("{h}_dot(&{d}.uxs[{}], {xs})", self.rng.below(3)),
            2 => format!("{h}_arr(&{d}.uxs[{}], {ee})", self.rng.below(3)),
            3 => format!("{h}_cfg({h}_dot(&{d}.uxs[0], {xs}) + {ee}, &{d}.ucfg)"),
            4 => format!("{d}.uxs.iter().map(|{r}| {h}_dot({xs}, {r})).sum::<{FLT}>()"),
            5 => format!("if {h}_dot(&{d}.uv, {xs}) > 0.0 {{ {h}_dot({xs}, {d}.uv.as_slice()) }} else {{ {h}_cfg({ee}, &{d}.ucfg) * 0.5 }}"),
            _ => format!("{d}.fit({xs})"),
        };
        Self::line(out, ind, &format!("let {n}: {FLT} = {value};"));
        let b = 8.0 * m + 2.0 * me;
        self.declare(&n, VarKind::Float(Iv(-b, b, iv.2 || e.iv.2)), false);
    }

    /// Values taken out of a local: a worklist drained by `while let Some(i) = st.pop()` (or a
    /// `VecDeque`'s `pop_front`) with a set of visited indices (`if seen.insert(i)`), a `match`
    /// on `pop()` in a `loop`, `split_off`/`drain(..).collect()`/`swap_remove` of an index
    /// vector, `map.remove(&k)` in an `if let`, and `pop().unwrap()`/`split_off` of a buffer of
    /// differentiated floats.
    fn worklist(&mut self, out: &mut String, ind: usize) {
        let Some((_, xs, iv, n, e)) = self.slice_and_value() else {
            return;
        };
        let (st, i, seen, k) = (
            self.fresh("st"),
            self.fresh("i"),
            self.fresh("seen"),
            self.fresh("k"),
        );
        let m = iv.mag().max(1.0);
        let dif = iv.2 || e.iv.2;
        let ee = paren(&e.s);
        match self.rng.below(5) {
            0 => {
                let (init, pop, push) = match self.rng.below(3) {
                    0 => ("vec![0usize]", "pop", "push"),
                    1 => (
                        "std::collections::VecDeque::from(vec![0usize])",
                        "pop_front",
                        "push_back",
                    ),
                    _ => ("Vec::from([0usize])", "pop", "push"),
                };
                let (set_init, test) = match self.rng.below(3) {
                    0 => (
                        "std::collections::HashSet::new()".to_string(),
                        format!("{seen}.insert({i})"),
                    ),
                    1 => (
                        "std::collections::BTreeSet::new()".to_string(),
                        format!("{seen}.insert({i})"),
                    ),
                    _ => (
                        format!("vec![false; {xs}.len() + 1]"),
                        format!("!{seen}[{i}]"),
                    ),
                };
                Self::line(out, ind, &format!("let mut {st} = {init};"));
                Self::line(out, ind, &format!("let mut {seen} = {set_init};"));
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::line(out, ind, &format!("while let Some({i}) = {st}.{pop}() {{"));
                Self::line(out, ind + 1, &format!("if {test} {{"));
                if set_init.starts_with("vec!") {
                    Self::line(out, ind + 2, &format!("{seen}[{i}] = true;"));
                }
                Self::line(
                    out,
                    ind + 2,
                    &format!("if {i} < {xs}.len() {{ {n} = {n} * 0.5 + {xs}[{i}] * {ee}; }}"),
                );
                for step in 1..=2 {
                    Self::line(
                        out,
                        ind + 2,
                        &format!("if {i} + {step} < {xs}.len() {{ {st}.{push}({i} + {step}); }}"),
                    );
                }
                Self::line(out, ind + 1, "}");
                Self::line(out, ind, "}");
                self.declare(&n, VarKind::Float(Iv(-2.0 * m, 2.0 * m, dif)), false);
            }
            1 => {
                Self::line(
                    out,
                    ind,
                    &format!("let mut {st}: Vec<usize> = (0..{xs}.len()).collect();"),
                );
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::line(out, ind, "loop {");
                Self::line(out, ind + 1, &format!("match {st}.pop() {{"));
                Self::line(
                    out,
                    ind + 2,
                    &format!("Some({i}) if {i} % 2 == 0 => {n} += {xs}[{i}] * 0.5,"),
                );
                Self::line(
                    out,
                    ind + 2,
                    &format!("Some({i}) => {n} -= {xs}[{i}] * {ee} * 0.25,"),
                );
                Self::line(out, ind + 2, "None => break,");
                Self::line(out, ind + 1, "}");
                Self::line(out, ind, "}");
                let b = m * 6.0;
                self.declare(&n, VarKind::Float(Iv(-b, b, dif)), false);
            }
            2 => {
                let (tail, head) = (self.fresh("tail"), self.fresh("head"));
                Self::line(
                    out,
                    ind,
                    &format!("let mut {st}: Vec<usize> = (0..{xs}.len()).collect();"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let mut {tail} = {st}.split_off({xs}.len() / 2);"),
                );
                let drain = if self.rng.chance(0.5) {
                    "..".to_string()
                } else {
                    format!("..{st}.len() / 2")
                };
                Self::line(
                    out,
                    ind,
                    &format!("let {head}: Vec<usize> = {st}.drain({drain}).collect();"),
                );
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {k} = if {tail}.is_empty() {{ 0 }} else {{ {tail}.swap_remove(0) }};"
                    ),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {tail}.iter().map(|&{i}| {xs}[{i}]).sum::<{FLT}>() * {ee} + {head}.len() as {FLT} * 0.1 + {st}.len() as {FLT} * 0.05 + if {k} < {xs}.len() {{ {xs}[{k}] * 0.5 }} else {{ 0.0 }};"),
                );
                let b = m * 8.0 + 2.0;
                self.declare(&n, VarKind::Float(Iv(-b, b, dif)), false);
            }
            3 => {
                let mp = self.fresh("last");
                Self::line(
                    out,
                    ind,
                    &format!("let mut {mp} = std::collections::HashMap::new();"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("for {i} in 0..{xs}.len() {{ {mp}.insert({i} % 3, {i}); }}"),
                );
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::line(out, ind, &format!("for {k} in 0..3 {{"));
                Self::line(
                    out,
                    ind + 1,
                    &format!("if let Some({i}) = {mp}.remove(&{k}) {{ {n} += {xs}[{i}] * {ee}; }} else {{ {n} -= 0.125; }}"),
                );
                Self::line(out, ind, "}");
                let b = m * 3.0 + 0.5;
                self.declare(&n, VarKind::Float(Iv(-b, b, dif)), false);
            }
            _ => {
                let (b, last, t) = (self.fresh("b"), self.fresh("last"), self.fresh("t"));
                Self::line(out, ind, &format!("let mut {b} = vec![0.0; {xs}.len()];"));
                Self::line(
                    out,
                    ind,
                    &format!("for {i} in 0..{xs}.len() {{ {b}[{i}] = {xs}[{i}] * {ee}; }}"),
                );
                Self::line(out, ind, &format!("let mut {last}: {FLT} = 0.0;"));
                // Popped after a test of its length, or in an `if let` / `while let`.
                let (v, ts) = (self.fresh("v"), self.fresh("ts"));
                let taken = if self.rng.chance(0.5) {
                    format!("if let Some({v}) = {b}.pop() {{ {last} = {v}; }}")
                } else {
                    format!("if !{b}.is_empty() {{ {last} = {b}.pop().unwrap(); }}")
                };
                Self::line(out, ind, &taken);
                Self::line(
                    out,
                    ind,
                    &format!("let mut {t} = {b}.split_off({b}.len() / 2);"),
                );
                let sum = if self.rng.chance(0.5) {
                    Self::line(out, ind, &format!("let mut {ts}: {FLT} = 0.0;"));
                    Self::line(
                        out,
                        ind,
                        &format!("while let Some({v}) = {t}.pop() {{ {ts} += {v}; }}"),
                    );
                    ts
                } else {
                    format!("{t}.iter().sum::<{FLT}>()")
                };
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {n}: {FLT} = {last} * 0.5 + {sum} * 0.25 + {b}.len() as {FLT} * 0.1;"
                    ),
                );
                let bd = m * 8.0 + 1.0;
                self.declare(&n, VarKind::Float(Iv(-bd, bd, dif)), false);
            }
        }
    }

    /// Iterator stages that drop, stop or carry state and the values around them: `filter_map`
    /// (`Some`/`None` in branches, `then_some`), `scan` (its state lent, `None` stopping it),
    /// `map_while`, `skip_while` in a `for`, `Option`s of data read with a differentiated default
    /// (`o.unwrap_or(x)` of items and elements), accessor closures returning a part, an array (as
    /// an expression and as a block) and a `Vec`, arrays iterated where they are written,
    /// `into_iter` of an owned buffer, `let t = if c { a } else { continue };` (also `s += if c {
    /// a } else { continue };` and a `match` so), each element with
    /// the next wrapping around (`zip(x.iter().cycle().skip(1))`), pieces stepped and reversed, a
    /// typed `fold` accumulator, an iterator held in a local, a slice padded by `once(..).chain`,
    /// an array destructured from a vector-valued helper, a state array started from data and
    /// assigned whole, pieces zipped after a slice's elements, arrays made of pieces collected
    /// into a `Vec<[T; 2]>`, an array chosen by a branch, a list of pieces (`Vec<&[T]>` of
    /// `chunks`/`chunks_exact`/`windows`) read by its `windows`, length and `iter`, a range held
    /// in a local (`x[r.clone()]`, `r.clone().map(..)`, `x[r].len()`), a table of constant tuples,
    /// a `Vec` chosen by a branch whose arms `collect`, items copied after a `filter`, pushes in a
    /// `for` over a filtered or mapped chain, a `Vec` of tuples typed by its turbofish only, a
    /// `Vec<&T>` of elements and an array made by `std::array::from_fn`; the value of most of them
    /// also as a call's argument, a closure's body, a branch, a loop body or a condition.
    fn stage_forms(&mut self, out: &mut String, ind: usize) {
        let Some((_, xs, iv, n, e)) = self.slice_and_value() else {
            return;
        };
        // The form's statements, then its value moved to another position (below).
        let dest = out;
        let mut buf = String::new();
        let out = &mut buf;
        let ee = paren(&e.s);
        let m = iv.mag().max(1.0);
        let act = iv.2 || e.iv.2;
        let (st, q, r, f) = (
            self.fresh("st"),
            self.fresh("q"),
            self.fresh("r"),
            self.fresh("f"),
        );
        let fs = self.floats(|_, iv| iv.within((-4.0, 4.0)));
        let (x, xiv) = if fs.is_empty() {
            (ee.clone(), e.iv)
        } else {
            self.rng.pick(&fs).clone()
        };
        let xm = xiv.mag().max(1.0);
        let bound = match self.rng.below(39) {
            38 if self.on("stmt:nested_collect") => {
                // A matrix collected from a `map` of `collect`s (rows of a slice by a range, or of
                // a range by a slice), read by two indices.
                let (mm, i) = (self.fresh("mx"), self.fresh("i"));
                if self.rng.chance(0.5) {
                    Self::line(
                        out,
                        ind,
                        &format!("let {mm}: Vec<Vec<{FLT}>> = (0..2).map(|{i}| {xs}.iter().map(|{q}| {q} * {ee} + {i} as {FLT}).collect()).collect();"),
                    );
                    Self::line(
                        out,
                        ind,
                        &format!("let {n}: {FLT} = {mm}[1][0] + {mm}[0][{xs}.len() - 1];"),
                    );
                    2.0 * m + 1.0
                } else {
                    Self::line(
                        out,
                        ind,
                        &format!("let {mm}: Vec<Vec<{FLT}>> = {xs}.iter().map(|&{q}| (0..3).map(|{i}| ({q} * {ee} * {i} as {FLT}).tanh()).collect::<Vec<{FLT}>>()).collect();"),
                    );
                    Self::line(
                        out,
                        ind,
                        &format!("let {n}: {FLT} = {mm}[0][2] + {mm}[{xs}.len() - 1][1];"),
                    );
                    2.0
                }
            }
            37 if self.on("reduce:chain_same") => {
                // Positions of one slice chained: each element with the next, wrapping around,
                // as a reduction and as a `for`.
                if self.rng.chance(0.5) {
                    Self::line(
                        out,
                        ind,
                        &format!("let {n}: {FLT} = {xs}[1..].iter().chain(&{xs}[..1]).zip({xs}.iter()).map(|({r}, {q})| {r} * {q} * {ee}).sum::<{FLT}>();"),
                    );
                } else {
                    Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                    Self::line(
                        out,
                        ind,
                        &format!("for ({r}, {q}) in {xs}.iter().skip(1).chain({xs}.iter().take(1)).zip({xs}.iter()) {{ {n} += {r} * {q} * {ee}; }}"),
                    );
                }
                6.0 * m * m
            }
            36 => {
                // Items copied after a `filter`, pushes in a `for` over a filtered or mapped
                // chain, and a `Vec` of tuples typed by its turbofish only.
                let b = self.fresh("b");
                match self.rng.below(6) {
                    5 => {
                        // An array made element by element by `std::array::from_fn`.
                        Self::line(
                            out,
                            ind,
                            &if self.on("stmt:from_fn_turbofish") && self.rng.chance(0.4) {
                                // (Typed by the turbofish only.)
                                format!("let {b} = core::array::from_fn::<{FLT}, 3, _>(|{f}| {xs}[{f} % {xs}.len()] * {ee} + {f} as {FLT});")
                            } else {
                                format!("let {b}: [{FLT}; 3] = std::array::from_fn(|{f}| {xs}[{f} % {xs}.len()] * {ee} + {f} as {FLT});")
                            },
                        );
                        Self::line(
                            out,
                            ind,
                            &format!("let {n}: {FLT} = {b}[0] * 0.5 + {b}.iter().sum::<{FLT}>();"),
                        );
                        3.5 * (m + 3.0)
                    }
                    0 if self.rng.chance(0.3) => {
                        // References to the elements collected, read through them.
                        Self::line(
                            out,
                            ind,
                            &format!("let {b}: Vec<&{FLT}> = {xs}.iter().filter(|{q}| **{q} > -0.5).collect();"),
                        );
                        // Read where the engine keeps the expression as written (a condition,
                        // a loop bound, a `while` condition), and summed.
                        match self.rng.below(4) {
                            0 => Self::line(
                                out,
                                ind,
                                &format!("let {n}: {FLT} = if {b}.iter().map(|{q}| **{q} * 2.0).sum::<{FLT}>() > 0.1 {{ {b}.iter().map(|{q}| **{q} * {ee}).sum::<{FLT}>() }} else {{ {b}.len() as {FLT} * 0.5 }};"),
                            ),
                            1 => {
                                let src = if self.rng.chance(0.5) {
                                    format!("{b}.iter().filter(|{q}| ***{q} > 0.0)")
                                } else {
                                    format!("{xs}.iter().filter(|{q}| **{q} > 0.0)")
                                };
                                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                                Self::line(
                                    out,
                                    ind,
                                    &format!("for {f} in 0..{src}.count() {{ {n} += {xs}[{f}] * {ee}; }}"),
                                );
                            }
                            2 => {
                                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                                Self::line(out, ind, &format!("let mut {f}: usize = 0;"));
                                Self::line(
                                    out,
                                    ind,
                                    &format!("while {f} < {b}.len() && *{b}[{f}] < 1.5 {{ {n} += {b}[{f}].sin() * {ee}; {f} += 1; }}"),
                                );
                            }
                            _ => Self::line(
                                out,
                                ind,
                                &format!("let {n}: {FLT} = {b}.iter().map(|{q}| **{q} * {ee}).sum::<{FLT}>();"),
                            ),
                        }
                        6.0 * m + 4.0
                    }
                    0 => {
                        Self::line(
                            out,
                            ind,
                            &format!("let {b}: Vec<{FLT}> = {xs}.iter().filter(|{q}| **{q} > 0.0).copied().collect();"),
                        );
                        Self::line(
                            out,
                            ind,
                            &format!(
                                "let {n}: {FLT} = {b}.iter().map(|{q}| {q} * {ee}).sum::<{FLT}>();"
                            ),
                        );
                        6.0 * m
                    }
                    1 => {
                        Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                        Self::line(
                            out,
                            ind,
                            &format!("for {q} in {xs}.iter().filter(|&&{r}| {r} < 1.0).cloned() {{ {n} += {q} * {ee}; }}"),
                        );
                        6.0 * m
                    }
                    2 => {
                        Self::line(out, ind, &format!("let mut {b}: Vec<{FLT}> = Vec::new();"));
                        Self::line(
                            out,
                            ind,
                            &format!("for {q} in {xs}.iter().map(|{q}| {q} * {ee}).filter(|{q}| *{q} > -0.5) {{ let {r} = {q} * 0.5; {b}.push({r}); }}"),
                        );
                        Self::line(
                            out,
                            ind,
                            &format!("let {n}: {FLT} = {b}.iter().sum::<{FLT}>();"),
                        );
                        3.0 * m
                    }
                    3 => {
                        Self::line(out, ind, &format!("let mut {b} = Vec::new();"));
                        Self::line(
                            out,
                            ind,
                            &format!("for ({f}, {q}) in {xs}.iter().enumerate().filter(|({f}, _)| {f} % 2 == 1) {{ {b}.push({q} * {ee} + {f} as {FLT}); }}"),
                        );
                        Self::line(
                            out,
                            ind,
                            &format!("let {n}: {FLT} = {b}.iter().sum::<{FLT}>();"),
                        );
                        6.0 * (m + 6.0)
                    }
                    _ => {
                        Self::line(
                            out,
                            ind,
                            &format!("let {b} = {xs}.iter().map(|&{q}| ({q}, 2.0 * {q})).collect::<Vec<({FLT}, {FLT})>>();"),
                        );
                        Self::line(
                            out,
                            ind,
                            &format!("let {n}: {FLT} = {b}.iter().map(|&({q}, {r})| ({ee} * {q} - {r}) * 0.5).sum::<{FLT}>();"),
                        );
                        9.0 * m
                    }
                }
            }
            35 => {
                // A `Vec` of tuples of floats (read by field, by pattern, by a closure), and a
                // local matrix's rows bound by slice patterns.
                let b = self.fresh("b");
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                match self.rng.below(3) {
                    0 => {
                        Self::line(
                            out,
                            ind,
                            &format!("let {b}: Vec<({FLT}, {FLT})> = {xs}.iter().map(|{q}| ({q} * {ee}, {q} + 0.5)).collect();"),
                        );
                        Self::line(
                            out,
                            ind,
                            &format!("{n} += {b}.iter().map(|&({q}, {r})| {q} * {r}).sum::<{FLT}>() + {b}[0].1;"),
                        );
                    }
                    1 => {
                        Self::line(
                            out,
                            ind,
                            &format!("let {b}: Vec<({FLT}, {FLT})> = {xs}.iter().map(|{q}| ({q} - 0.5, {q} * {ee})).collect();"),
                        );
                        Self::line(
                            out,
                            ind,
                            &format!("for ({f}, &({q}, {r})) in {b}.iter().enumerate() {{ {n} += ({q} - {r} * {ee}) * 0.5 + {f} as {FLT} * 0.25; }}"),
                        );
                    }
                    _ => {
                        Self::line(
                            out,
                            ind,
                            &format!("let {b}: Vec<[{FLT}; 2]> = {xs}.chunks_exact(2).map(|{f}| [{f}[0] * {ee}, {f}[1]]).collect();"),
                        );
                        Self::line(
                            out,
                            ind,
                            &format!("for &[{q}, {r}] in {b}.iter() {{ {n} += {q} * {r}; }}"),
                        );
                    }
                }
                6.0 * m * (m + 0.5) + m + 0.5
            }
            34 => {
                // Slice patterns on pieces, and a body binding the piece's name again.
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                let line = match self.rng.below(5) {
                    0 => format!("for {f} in {xs}.windows(2) {{ if let [{q}, {r}] = {f} {{ {n} += {q} * {r} * {ee}; }} }}"),
                    1 => format!("for {f} in {xs}.chunks(2) {{ if let &[{q}, {r}] = {f} {{ {n} += {q} - {r} * {ee}; }} else {{ {n} += {f}[0]; }} }}"),
                    2 => format!("for {f} in {xs}.chunks_exact(2) {{ let [{q}, {r}] = {f} else {{ continue }}; {n} += {q} * {ee} + {r}; }}"),
                    3 => format!("for {f} in {xs}.windows(2) {{ let {f} = {f}[1] - {f}[0] * {ee}; {n} += {f}; }}"),
                    _ => format!("for {f} in {xs}.chunks(3) {{ {n} += match {f} {{ [{q}, .., {r}] => {q} * {r}, [{q}] => {q} * {ee}, _ => 0.0 }}; }}"),
                };
                Self::line(out, ind, &line);
                6.0 * (m * m + 2.0 * m)
            }
            32 => {
                // Pieces zipped with a buffer's `iter_mut`, either order, a part of it.
                let (b, o) = (self.fresh("b"), self.fresh("o"));
                Self::line(
                    out,
                    ind,
                    &format!("let mut {b} = vec![0.0; {xs}.len() / 2 + 1];"),
                );
                let (head, body, each) = match self.rng.below(3) {
                    0 => (
                        format!("({o}, {f}) in {b}.iter_mut().zip({xs}.chunks(2))"),
                        format!("*{o} = {f}[0] * {ee};"),
                        m,
                    ),
                    1 => (
                        format!("({f}, {o}) in {xs}.windows(2).zip({b}[1..].iter_mut())"),
                        format!("*{o} += {f}[1] - {f}[0] * {ee};"),
                        2.0 * m,
                    ),
                    _ => (
                        format!("({o}, {f}) in {b}.iter_mut().skip(1).take(2).zip({xs}.chunks_exact(2))"),
                        format!("*{o} = {f}[0] * {f}[1] + {ee};"),
                        m * m + 1.0,
                    ),
                };
                Self::line(out, ind, &format!("for {head} {{ {body} }}"));
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {b}.iter().sum::<{FLT}>();"),
                );
                4.0 * each
            }
            33 => {
                // Numbered pieces: zipped with a range, `enumerate().take(k)`, `skip(1).take(2)`,
                // and a `break` in an `if` of the loop.
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                let line = match self.rng.below(5) {
                    // Through a `filter`, the piece read through another name.
                    4 if self.on("reduce:pieces_filter") => format!("for {f} in {xs}.chunks(2).filter(|{r}| {r}.len() == 2).take(3) {{ let {r} = {f}; {n} += {r}[0] * {ee} + {r}[1]; }}"),
                    0 => format!("for ({f}, {r}) in {xs}.windows(2).zip(0..3) {{ {n} += ({r} as {FLT} + 1.0) * {f}[1] * {ee}; }}"),
                    1 => format!("for ({r}, {f}) in {xs}.chunks(2).enumerate().take(2) {{ {n} += {r} as {FLT} + {f}[0] * {ee}; }}"),
                    2 => format!("for {f} in {xs}.chunks(2).skip(1).take(2) {{ {n} += {f}[{f}.len() - 1] * {ee}; }}"),
                    _ => format!("for ({r}, {f}) in {xs}.chunks(2).enumerate() {{ if {r} >= 2 {{ break; }} {n} += {f}[0] * {ee}; }}"),
                };
                Self::line(out, ind, &line);
                6.0 * m + 3.0
            }
            30 => {
                // An iterator held in a local, drained by `while let Some(..) = it.next()`, or
                // its first item taken by hand and the rest by a loop, or (of `map`s, over a
                // slice never empty) its first item unwrapped and the rest reduced.
                let it = self.fresh("it");
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                let never_empty = self.seqs().iter().any(|s| s.0 == xs && s.3 >= 1);
                if never_empty && self.rng.chance(0.3) {
                    // Its first item unwrapped, the rest consumed by a reduction.
                    Self::line(
                        out,
                        ind,
                        &format!("let mut {it} = {xs}.iter().map(|{q}| {q} * {ee}).map(|{r}| {r} + 0.5);"),
                    );
                    Self::line(
                        out,
                        ind,
                        &format!("let {st}: {FLT} = {it}.next().unwrap();"),
                    );
                    Self::line(
                        out,
                        ind,
                        &format!("{n} += {st} * {st} + {it}.map(|{q}| {q} * 0.5).sum::<{FLT}>();"),
                    );
                    (m + 0.5) * (m + 0.5) + 3.0 * (m + 0.5)
                } else if self.rng.chance(0.5) {
                    Self::line(
                        out,
                        ind,
                        &format!("let mut {it} = {xs}.iter().map(|{q}| {q} * {ee});"),
                    );
                    Self::line(
                        out,
                        ind,
                        &format!("while let Some({r}) = {it}.next() {{ {n} = {n} * 0.5 + {r}; }}"),
                    );
                    2.0 * m
                } else {
                    Self::line(out, ind, &format!("let mut {it} = {xs}.iter().copied();"));
                    Self::line(
                        out,
                        ind,
                        &format!("let mut {st}: {FLT} = {it}.next().unwrap_or(0.0) * {ee};"),
                    );
                    Self::line(
                        out,
                        ind,
                        &format!("for {r} in {it} {{ {n} += ({r} * {ee} - {st}) * 0.5; {st} = {r} * {ee}; }}"),
                    );
                    6.0 * m
                }
            }
            31 => {
                // A helper's array parameter copied into a state it writes (`let mut s = ua;`).
                let k = self.items.matches("fn us").count();
                let h = format!("us{}{k}_{FLT}", self.base);
                let _ = writeln!(
                    self.items,
                    "#[gradient]\nfn {h}(ua: [{FLT}; 2], uk: {FLT}) -> {FLT} {{\n    let mut s = ua;\n    for _ in 0..3 {{\n        s[0] += 0.25 * uk * s[1];\n        s[1] -= 0.25 * uk * s[0];\n    }}\n    s[0] * 0.5 + s[1]\n}}"
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {h}([{x}, {xs}[0]], {ee});"),
                );
                4.0 * (xm + m)
            }
            26 => {
                let b = self.fresh("b");
                if self.rng.chance(0.5) {
                    // A `Vec` chosen by the arms of a `match`.
                    Self::line(
                        out,
                        ind,
                        &format!("let {b}: Vec<{FLT}> = match {xs}.len() % 3 {{ 0 => {xs}.iter().map(|{q}| {q} * {ee}).collect::<Vec<{FLT}>>(), 1 => {xs}.to_vec(), _ => {xs}.iter().map(|{q}| {q} * 0.5).collect() }};"),
                    );
                } else {
                    // Declared first, assigned on every path.
                    Self::line(out, ind, &format!("let {b}: Vec<{FLT}>;"));
                    Self::line(
                        out,
                        ind,
                        &format!("if {x} > 0.0 {{ {b} = {xs}.iter().map(|{q}| {q} * {ee}).collect(); }} else {{ {b} = {xs}.to_vec(); }}"),
                    );
                }
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {b}.iter().sum::<{FLT}>();"),
                );
                6.0 * m
            }
            27 => {
                // A view's length read inside `vec!`, and a parenthesized part's iterator.
                let (ss, b) = (self.fresh("ss"), self.fresh("b"));
                Self::line(out, ind, &format!("let {ss} = &{xs}[{xs}.len() / 2..];"));
                Self::line(out, ind, &format!("let mut {b} = vec![0.0; {ss}.len()];"));
                Self::line(
                    out,
                    ind,
                    &format!("for {r} in 0..{ss}.len() {{ {b}[{r}] = {ss}[{r}] * {ee}; }}"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {b}.iter().sum::<{FLT}>() + (&{xs}[1..]).iter().map(|{q}| {q} * 0.5).sum::<{FLT}>();"),
                );
                6.0 * m + 3.0 * m
            }
            28 => {
                // State carried across steps: a copy of a part, replaced by a clone each step.
                let (h, hn) = (self.fresh("h"), self.fresh("hn"));
                Self::line(
                    out,
                    ind,
                    &format!("let mut {h}: Vec<{FLT}> = {xs}[{xs}.len() / 2..].to_owned();"),
                );
                Self::line(out, ind, "for _ in 0..2 {");
                Self::line(
                    out,
                    ind + 1,
                    &format!("let mut {hn} = vec![0.0; {h}.len()];"),
                );
                Self::line(
                    out,
                    ind + 1,
                    &format!("for {r} in 0..{h}.len() {{ {hn}[{r}] = ({h}[{r}] * {ee} * 0.5 + {h}[({r} + 1) % {h}.len()] * 0.25).tanh(); }}"),
                );
                Self::line(out, ind + 1, &format!("{h} = {hn}.clone();"));
                Self::line(out, ind, "}");
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {h}.iter().sum::<{FLT}>();"),
                );
                6.0
            }
            29 => {
                // Ranges as parameters of helpers: by value, and by reference to an inclusive one.
                let k = self.items.matches("fn ug").count();
                let (h1, h2) = (
                    format!("ug{}{k}_{FLT}", self.base),
                    format!("ug{}{k}_inc_{FLT}", self.base),
                );
                let _ = writeln!(
                    self.items,
                    "#[gradient]\nfn {h1}(ua: &[{FLT}], ur: std::ops::Range<usize>, us: {FLT}) -> {FLT} {{\n    ua[ur.clone()].iter().map(|v| v * us).sum::<{FLT}>() + ur.len() as {FLT} * 0.5\n}}"
                );
                let _ = writeln!(
                    self.items,
                    "#[gradient]\nfn {h2}(ua: &[{FLT}], ur: &std::ops::RangeInclusive<usize>) -> {FLT} {{\n    let mut acc: {FLT} = 0.0;\n    for i in ur.clone() {{\n        acc += ua[i] * ua[i];\n    }}\n    acc\n}}"
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {h1}({xs}, 0..{xs}.len() / 2, {ee}) + {h2}({xs}, &(0..={xs}.len() - 1)) * 0.5;"),
                );
                9.0 * m * m + 3.0
            }
            22 if self.layer_ok(&xs, "layers:piece_list") => {
                let (pts, w) = (self.fresh("pts"), self.fresh("w"));
                let cut = *self.rng.pick(&["chunks", "chunks_exact", "windows"]);
                Self::line(
                    out,
                    ind,
                    &format!("let {pts}: Vec<&[{FLT}]> = {xs}.{cut}(2).collect();"),
                );
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::line(
                    out,
                    ind,
                    &format!(
                        "for {w} in {pts}.windows(2) {{ {n} += {w}[0][0] * {w}[1][0] * {ee}; }}"
                    ),
                );
                Self::line(
                    out,
                    ind,
                    &format!("{n} += {pts}.len() as {FLT} * 0.1 + {pts}.iter().map(|{r}| {r}[0]).sum::<{FLT}>();"),
                );
                // A piece named (`let q = pts[0];`, a view), read and zipped with another.
                // (Of `chunks` only: the pieces of `windows(2)` or `chunks_exact(2)` of a slice
                // of one element are none, and the last of none panics.)
                let named = cut == "chunks" && self.on("stmt:named_piece") && self.rng.chance(0.3);
                if named {
                    let q = self.fresh("q");
                    Self::line(out, ind, &format!("let {q} = {pts}[{pts}.len() - 1];"));
                    Self::line(
                        out,
                        ind,
                        &format!("{n} += {q}[0] * {q}[{q}.len() - 1] * 0.5 + {q}.iter().zip({pts}[0]).map(|(a, b)| a * b).sum::<{FLT}>() * 0.25;"),
                    );
                }
                // The slice's name declared again afterwards (another variable, an index).
                if self.on("stmt:pieces_name_reused")
                    && self.may_shadow(&xs)
                    && self.rng.chance(0.3)
                {
                    Self::line(
                        out,
                        ind,
                        &format!("for {xs} in 0..2 {{ {n} += {xs} as {FLT} * 0.1; }}"),
                    );
                }
                6.0 * m * m + 6.0 * m + 1.3 + if named { m * m } else { 0.0 }
            }
            23 => {
                Self::line(out, ind, &format!("let {r} = 0..{xs}.len() / 2;"));
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {xs}[{r}.clone()].iter().map(|{q}| {q} * {ee}).sum::<{FLT}>() + {r}.clone().map(|{q}| {xs}[{q}]).sum::<{FLT}>() + {xs}[{r}].len() as {FLT} * 0.5;"),
                );
                6.0 * m + 6.0 * m + 3.0
            }
            24 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {st} = [(0.5, 0), (-1.25, {xs}.len() - 1)];"),
                );
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::line(
                    out,
                    ind,
                    &format!("for &({q}, {r}) in &{st} {{ {n} += {q} * {xs}[{r}] * {ee}; }}"),
                );
                1.75 * m
            }
            25 => {
                let b = self.fresh("b");
                Self::line(
                    out,
                    ind,
                    &format!("let {b}: Vec<{FLT}> = if {x} > 0.0 {{ {xs}.iter().map(|{q}| {q} * {ee}).collect() }} else {{ {xs}.to_vec() }};"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {b}.iter().sum::<{FLT}>();"),
                );
                6.0 * m
            }
            21 => {
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {st} = if {x} > 0.0 {{ [{x}, {x} * {ee}] }} else {{ [{ee}, 0.5] }};"
                    ),
                );
                Self::line(out, ind, &format!("let {n}: {FLT} = {st}[0] * {st}[1];"));
                (xm + 1.0) * (xm + 1.0)
            }
            20 => {
                let pts = self.fresh("pts");
                Self::line(
                    out,
                    ind,
                    &format!("let {pts}: Vec<[{FLT}; 2]> = {xs}.chunks_exact(2).map(|{f}| [{f}[0] * {ee}, {f}[1]]).collect();"),
                );
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {n}: {FLT} = {pts}.iter().map(|{r}| {r}[0] + {r}[1]).sum::<{FLT}>();"
                    ),
                );
                6.0 * m
            }
            12 => {
                if self.rng.chance(0.5) {
                    Self::line(
                        out,
                        ind,
                        &format!("let {n}: {FLT} = {xs}.iter().zip({xs}.iter().cycle().skip(1)).map(|({r}, {q})| {r} * {q} * {ee}).sum::<{FLT}>();"),
                    );
                    6.0 * m * m
                } else {
                    Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                    Self::line(
                        out,
                        ind,
                        &format!("for (&{r}, {q}) in {xs}.iter().zip({xs}.iter().cycle().skip(2)) {{ {n} += {r} * {q}.sin(); }}"),
                    );
                    6.0 * m
                }
            }
            13 => {
                if self.rng.chance(0.5) {
                    Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                    Self::line(
                        out,
                        ind,
                        &format!("for {f} in {xs}.windows(2).step_by(2) {{ {n} += {f}[0] * {f}[1] * {ee}; }}"),
                    );
                    6.0 * m * m
                } else {
                    Self::line(
                        out,
                        ind,
                        &format!("let {n}: {FLT} = {xs}.windows(2).rev().map(|{f}| {f}[0] - {f}[1]).fold(0.0, |{st}, {q}| {st} * 0.5 + {q});"),
                    );
                    4.0 * m
                }
            }
            14 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {n} = {xs}.iter().rev().fold(0.0, |{st}: {FLT}, &{q}| {st} * 0.5 + {q} * {ee});"),
                );
                2.0 * m
            }
            15 => {
                let it = self.fresh("it");
                Self::line(
                    out,
                    ind,
                    &format!("let {it} = {xs}.iter().map(|{q}| {q} * {ee});"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {it}.clone().sum::<{FLT}>() + {it}.map(|{r}| {r} * {r}).sum::<{FLT}>();"),
                );
                6.0 * m + 6.0 * m * m
            }
            16 => {
                let ob = self.fresh("ob");
                Self::line(
                    out,
                    ind,
                    &format!("let {ob}: Vec<{FLT}> = std::iter::once({x}).chain({xs}.iter().copied()).chain(std::iter::once({ee})).collect();"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {ob}.windows(2).map(|{f}| {f}[1] - {f}[0] * 0.5).sum::<{FLT}>();"),
                );
                8.0 * (m.max(xm) + 1.0)
            }
            17 => {
                let k = self.items.matches("fn up").count();
                // (`_vh`: a vector-valued helper, which second order does not follow yet.)
                let h = format!("up{}{k}_vh_{FLT}", self.base);
                let _ = writeln!(
                    self.items,
                    "#[gradient]\nfn {h}(ua: {FLT}) -> [{FLT}; 2] {{\n    [ua * 0.5, ua.sin()]\n}}"
                );
                Self::line(out, ind, &format!("let [{r}, {q}] = {h}({x});"));
                Self::line(out, ind, &format!("let {n}: {FLT} = {r} * {q} + {r};"));
                xm
            }
            18 => {
                let k = self.items.matches("fn ur").count();
                let h = format!("ur{}{k}_{FLT}", self.base);
                let mut v = || self.value_in((-1.0, 1.0));
                let lit = format!("[{:?}, {:?}]", v(), v());
                let _ = writeln!(self.items, "fn {h}() -> [{FLT}; 2] {{\n    {lit}\n}}");
                Self::line(out, ind, &format!("let mut {st} = {h}();"));
                Self::line(out, ind, "for _ in 0..3 {");
                Self::line(out, ind + 1, &format!("let [{r}, {q}] = {st};"));
                Self::line(
                    out,
                    ind + 1,
                    &format!("{st} = [{r} + 0.1 * {q} * {ee}, {q} - 0.1 * {r}];"),
                );
                Self::line(out, ind, "}");
                Self::line(out, ind, &format!("let {n}: {FLT} = {st}[0] * {st}[1];"));
                4.0
            }
            19 => {
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::line(
                    out,
                    ind,
                    &format!("for ({q}, {r}) in {xs}.iter().zip({xs}.chunks(2)) {{ {n} += {q} * {r}[0] * {ee}; }}"),
                );
                6.0 * m * m
            }
            0 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {xs}.iter().filter_map(|&{q}| if {q} > 0.1 {{ Some({q} * {ee}) }} else {{ None }}).sum::<{FLT}>();"),
                );
                6.0 * m
            }
            1 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {xs}.iter().enumerate().filter_map(|({q}, &{r})| ({q} % 2 == 1).then_some({r} * {ee})).fold(0.25, |{st}, {f}| {st} * 0.5 + {f});"),
                );
                0.25 + 2.0 * m
            }
            2 => {
                let stop = if self.rng.chance(0.5) {
                    format!("if *{st} > 1.5 {{ None }} else {{ Some(*{st}) }}")
                } else {
                    format!("Some(*{st})")
                };
                if self.rng.chance(0.4) {
                    // A running maximum, the state updated by a method of it, collected.
                    let c = self.fresh("peaks");
                    Self::line(
                        out,
                        ind,
                        &format!("let {c}: Vec<{FLT}> = {xs}.iter().scan({FLT}::NEG_INFINITY, |{st}, &{q}| {{ *{st} = {st}.max({q} * {ee}); Some(*{st}) }}).collect();"),
                    );
                    Self::line(
                        out,
                        ind,
                        &format!(
                            "let {n}: {FLT} = {c}.iter().map(|{r}| {r} * {r}).sum::<{FLT}>();"
                        ),
                    );
                } else {
                    Self::line(
                        out,
                        ind,
                        &format!("let {n}: {FLT} = {xs}.iter().scan(0.0, |{st}, &{q}| {{ *{st} = *{st} * 0.5 + {q} * {ee}; {stop} }}).map(|{r}| {r} * {r}).sum::<{FLT}>();"),
                    );
                }
                24.0 * m * m
            }
            3 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {xs}.iter().map_while(|&{q}| if {q} < 0.5 {{ Some(({q} * {ee}).sin()) }} else {{ None }}).sum::<{FLT}>();"),
                );
                6.0
            }
            4 => {
                if self.on("reduce:skip_while") && self.rng.chance(0.5) {
                    // A reduction (reversed or not) that skips a leading run.
                    let rev = if self.rng.chance(0.5) { ".rev()" } else { "" };
                    Self::line(
                        out,
                        ind,
                        &format!("let {n}: {FLT} = {xs}.iter(){rev}.skip_while(|&&{q}| {q} < 0.0).map(|{r}| {r} * {ee}).sum::<{FLT}>();"),
                    );
                } else {
                    Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                    Self::line(
                        out,
                        ind,
                        &format!("for {r} in {xs}.iter().skip_while(|{q}| **{q} > 0.0) {{ {n} += {r} * {ee}; }}"),
                    );
                }
                6.0 * m
            }
            5 => {
                let k = self.items.matches("fn uo").count();
                let h = format!("uo{}{k}_{FLT}", self.base);
                let mut v = || self.value_in((-1.0, 1.0));
                let lit = format!("vec![Some({:?}), None, Some({:?}), None]", v(), v());
                let _ = writeln!(
                    self.items,
                    "fn {h}() -> Vec<Option<{FLT}>> {{\n    {lit}\n}}"
                );
                let od = self.fresh("od");
                Self::line(out, ind, &format!("let {od} = {h}();"));
                let value = match self.rng.below(3) {
                    0 => format!("{od}.iter().map(|{q}| {q}.unwrap_or({x})).map(|{r}| {r} * {ee}).sum::<{FLT}>()"),
                    1 => format!("{od}[1].unwrap_or({x} * 0.5) + {od}[0].unwrap_or_else(|| {x})"),
                    _ => {
                        Self::line(out, ind, &format!("let mut {st}: {FLT} = 0.0;"));
                        Self::line(
                            out,
                            ind,
                            &format!("for {q} in &{od} {{ {st} += {q}.unwrap_or({x}) * {ee}; }}"),
                        );
                        st.clone()
                    }
                };
                Self::line(out, ind, &format!("let {n}: {FLT} = {value};"));
                4.0 * xm + 4.0
            }
            6 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {f} = |{q}: usize| &{xs}[{xs}.len() / {q}..];"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {f}(2).iter().zip({f}(3)).map(|({r}, {st})| {r} * {st} * {ee}).sum::<{FLT}>() + {f}(4).iter().sum::<{FLT}>() * 0.5;"),
                );
                6.0 * m * m + 3.0 * m
            }
            7 => {
                let body = if self.rng.chance(0.5) {
                    format!("[{q} * {ee}, {q} + 0.5]")
                } else {
                    format!("{{ let {st} = {q} * 0.5; [{st}, {st} * {ee}] }}")
                };
                Self::line(out, ind, &format!("let {f} = |{q}: {FLT}| {body};"));
                Self::line(out, ind, &format!("let {r} = {f}({x});"));
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {r}[0] * {r}[1] + {f}(0.25)[1];"),
                );
                (xm + 0.5) * (xm + 0.5) + 1.0
            }
            8 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {f} = |{q}: {FLT}| -> Vec<{FLT}> {{ let mut {st} = vec![0.0; 2]; {st}[0] = {q}; {st}[1] = {q} * {ee}; {st}.iter().map(|{r}| {r} * 0.5).collect() }};"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {f}({x}).iter().sum::<{FLT}>();"),
                );
                xm
            }
            9 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = [{x}, {x} * {ee}, 0.5].into_iter().map(|{r}| {r} * 0.5).sum::<{FLT}>() + [{ee}, {x}].iter().sum::<{FLT}>();"),
                );
                2.0 * xm + 2.0
            }
            10 => {
                let ob = self.fresh("ob");
                Self::line(
                    out,
                    ind,
                    &format!("let {ob}: Vec<{FLT}> = {xs}.iter().map(|{q}| {q} * {ee}).collect();"),
                );
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {n}: {FLT} = {ob}.into_iter().map(|{r}| {r} * 0.5).sum::<{FLT}>();"
                    ),
                );
                3.0 * m
            }
            _ => {
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::line(out, ind, &format!("for &{q} in {xs} {{"));
                // Also taken by the assignment itself, as an `if` or a `match` whose other arm
                // leaves the iteration.
                let form = if self.on("stmt:assign_leaving") {
                    self.rng.below(3)
                } else {
                    0
                };
                let line = match form {
                    0 => format!(
                        "let {r} = if {q} > -0.2 {{ {q} * {ee} }} else {{ continue }}; {n} += {r};"
                    ),
                    1 => format!("{n} += if {q} > -0.2 {{ {q} * {ee} }} else {{ continue }};"),
                    _ => format!(
                        "{n} += match {q} > -0.2 {{ true => {q} * {ee}, false => continue }};"
                    ),
                };
                Self::line(out, ind + 1, &line);
                Self::line(out, ind, "}");
                6.0 * m
            }
        };
        // The form's value (a `let` of one expression) also as a call's argument, a closure's
        // body, a branch, a loop body and a condition.
        let head = format!("{}let {n}: {FLT} = ", "    ".repeat(ind));
        let mut bound = bound;
        let last = buf.lines().last().unwrap_or_default().to_string();
        if let Some(expr) = last
            .strip_prefix(&head)
            .and_then(|r| r.strip_suffix(';'))
            .map(str::to_string)
        {
            let keep = buf.len() - last.len() - 1;
            let moved = match self.rng.below(6) {
                0 => Some(format!("let {n}: {FLT} = {FLT}::tanh({expr}) * {bound:?};")),
                1 => {
                    let c = self.fresh("cl");
                    Some(format!("let {c} = || {expr}; let {n}: {FLT} = {c}();"))
                }
                2 => {
                    let v = bound.max(0.5);
                    let s = format!("let {n}: {FLT} = if {x} > 0.0 {{ {expr} }} else {{ 0.5 }};");
                    bound = v;
                    Some(s)
                }
                // (Not a value that consumes a local: a loop would move it twice.)
                3 if !expr.contains("into_iter") && !expr.contains(".clone()") => Some(format!(
                    "let mut {n}: {FLT} = 0.0; for _ in 0..2 {{ {n} += {expr} * 0.5; }}"
                )),
                4 => {
                    bound = xm.max(1.0);
                    Some(format!(
                        "let {n}: {FLT} = if {expr} > 0.1 {{ {x} }} else {{ -0.5 }};"
                    ))
                }
                _ => None,
            };
            if let Some(moved) = moved {
                buf.truncate(keep);
                Self::line(&mut buf, ind, &moved);
            }
        }
        dest.push_str(&buf);
        self.declare(&n, VarKind::Float(Iv(-bound, bound, act || xiv.2)), false);
    }

    /// Closures and views as idiomatic code writes them: a running state assigned inside a
    /// `map` closure of a reduction, a closure with a tuple pattern for a parameter, a search
    /// (`position`, `partition_point`) of a slice of data, a matrix of a constant size
    /// (`[[0.0; N]; N]`) assigned whole from a literal of rows and its rows swapped
    /// (`mt.swap(0, 1)`), and a `fold` after a `filter` of
    /// enumerated items.
    /// An array of functions named by their paths (the float's methods, functions of the file
    /// with `#[gradient]` or without), with a written type or not, called through its items in a
    /// `for` loop (by value, by reference, enumerated), a chain's closure, or by index.
    fn function_array(&mut self, out: &mut String, ind: usize) {
        let Some((_, xs, iv, n, e)) = self.slice_and_value() else {
            return;
        };
        let ee = paren(&e.s);
        let mut paths = Vec::new();
        for _ in 0..2 + self.rng.below(2) {
            // (Each bounded by 1.6.)
            paths.push(match self.rng.below(5) {
                0 => format!("{FLT}::tanh"),
                1 => format!("{FLT}::sin"),
                2 => format!("{FLT}::atan"),
                k => {
                    let f = format!(
                        "{}_fa{}_{FLT}",
                        self.base,
                        self.items.matches("_fa").count()
                    );
                    let ann = if k == 3 { "#[gradient]\n" } else { "" };
                    let _ = writeln!(
                        self.items,
                        "{ann}fn {f}(t: {FLT}) -> {FLT} {{\n    {FLT}::tanh(t * 0.75) * 1.5\n}}"
                    );
                    f
                }
            });
        }
        let len = paths.len();
        let (arr, f, k) = (self.fresh("fa"), self.fresh("f"), self.fresh("k"));
        let typed = self.rng.chance(0.5);
        // Typed, sometimes a closure that captures nothing in place of a path.
        if typed && self.on("stmt:function_array:closures") && self.rng.chance(0.5) {
            let at = self.rng.below(len);
            paths[at] = if self.rng.chance(0.5) {
                format!("|t: {FLT}| {FLT}::tanh(t) * 0.5")
            } else {
                format!("|_: {FLT}| 0.5")
            };
        }
        let ty = if typed {
            format!(": [fn({FLT}) -> {FLT}; {len}]")
        } else {
            String::new()
        };
        Self::line(
            out,
            ind,
            &format!("let {arr}{ty} = [{}];", paths.join(", ")),
        );
        let act = iv.2 || e.iv.2;
        let bound = match self.rng.below(4) {
            0 => {
                let over = match self.rng.below(3) {
                    0 => arr.clone(),
                    1 => format!("&{arr}"),
                    _ => format!("{arr}.iter()"),
                };
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::nested(
                    out,
                    ind,
                    &format!("for {f} in {over}"),
                    &format!("{n} += {f}({ee}) * 0.3;"),
                );
                0.5 * len as f64
            }
            1 => {
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::nested(
                    out,
                    ind,
                    &format!("for ({k}, {f}) in {arr}.iter().enumerate()"),
                    &format!("{n} += {f}({ee}) * ({k} as {FLT} + 1.0) * 0.1;"),
                );
                0.2 * (len * len) as f64
            }
            2 => {
                let q = self.fresh("q");
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {arr}.iter().zip({xs}.iter()).map(|({f}, &{q})| {f}({q} * {ee})).sum::<{FLT}>() * 0.3;"),
                );
                0.5 * len as f64
            }
            _ => {
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::nested(
                    out,
                    ind,
                    &format!("for {k} in 0..{arr}.len()"),
                    &format!("{n} = {n} * 0.5 + {arr}[{k}]({ee} + {n});"),
                );
                3.5
            }
        };
        self.declare(&n, VarKind::Float(Iv(-bound, bound, act)), false);
    }

    fn closure_forms(&mut self, out: &mut String, ind: usize) {
        if self.on("stmt:function_array") && self.rng.chance(0.2) {
            return self.function_array(out, ind);
        }
        let Some((sl, xs, iv, n, e)) = self.slice_and_value() else {
            return;
        };
        let ee = paren(&e.s);
        let m = iv.mag().max(1.0);
        let (st, q, r, f) = (
            self.fresh("st"),
            self.fresh("q"),
            self.fresh("r"),
            self.fresh("f"),
        );
        match self.rng.below(5) {
            4 => {
                // A fold after a filter of the enumerated items (the largest at even positions).
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {xs}.iter().enumerate().filter(|&({q}, _)| {q} % 2 == 0).map(|(_, &{r})| {r} * {ee}).fold(-4.0, |{st}, {f}| {st}.max({f}));"),
                );
                self.declare(
                    &n,
                    VarKind::Float(Iv(-4.0, m.max(4.0), iv.2 || e.iv.2)),
                    false,
                );
            }
            0 => {
                Self::line(out, ind, &format!("let mut {st}: {FLT} = 0.0;"));
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {xs}.iter().map(|&{q}| {{ {st} = {st} * 0.5 + {q} * {ee}; {st} }}).sum::<{FLT}>() + {st} * 0.25;"),
                );
                let b = 25.0 * m;
                self.declare(&n, VarKind::Float(Iv(-b, b, iv.2 || e.iv.2)), false);
            }
            1 => {
                let p = self.fresh("p");
                Self::line(
                    out,
                    ind,
                    &format!("let {f} = |({q}, {r}): ({FLT}, {FLT})| {q} * 0.5 - {r} * {ee};"),
                );
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::line(
                    out,
                    ind,
                    &format!("for &{p} in {xs} {{ {n} += {f}(({p}, 0.5)); }}"),
                );
                let b = 6.0 * m + 6.0;
                self.declare(&n, VarKind::Float(Iv(-b, b, iv.2 || e.iv.2)), false);
            }
            2 => {
                let data: Vec<(String, Iv)> = sl.iter().filter(|(_, iv)| !iv.2).cloned().collect();
                let fs = self.floats(|_, _| true);
                let (Some((ds, _)), Some((x, xiv))) = (data.first().cloned(), fs.first().cloned())
                else {
                    return;
                };
                let k = self.fresh("k");
                let search = if self.rng.chance(0.5) {
                    format!("{ds}.iter().position(|&{q}| {q} > {x}).unwrap_or({ds}.len())")
                } else {
                    format!("{ds}.partition_point(|&{q}| {q} <= {x})")
                };
                Self::line(out, ind, &format!("let {k} = {search};"));
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {x} * ({k} as {FLT} * 0.25 + 0.5);"),
                );
                let b = xiv.mag().max(1.0) * 4.0;
                self.declare(&n, VarKind::Float(Iv(-b, b, xiv.2)), false);
            }
            _ => {
                let (c, mt, i) = (self.fresh("N"), self.fresh("mt"), self.fresh("i"));
                let c = c.to_uppercase();
                Self::line(out, ind, &format!("const {c}: usize = 2;"));
                Self::line(out, ind, &format!("let mut {mt} = [[0.0; {c}]; {c}];"));
                Self::line(
                    out,
                    ind,
                    &format!("for {i} in 0..{c} {{ {mt}[{i}][{i}] = {ee} + {i} as {FLT}; }}"),
                );
                // Rows exchanged whole (partial pivoting), before or inside the loop.
                let swap = self.on("stmt:matrix_swap") && self.rng.chance(0.5);
                let inside = swap && self.rng.chance(0.5);
                if swap && !inside {
                    Self::line(out, ind, &format!("{mt}.swap(0, 1);"));
                }
                // A row copied before the matrix is written (`let r = m[1];`, an array is
                // `Copy`).
                let kept = match self.rng.below(3) {
                    0 if self.on("stmt:matrix_row_copy") => {
                        let rw = self.fresh("rw");
                        Self::line(out, ind, &format!("let {rw} = {mt}[1];"));
                        Some(format!("{rw}[1] * 0.25"))
                    }
                    _ => None,
                };
                Self::line(out, ind, "for _ in 0..2 {");
                if inside {
                    Self::line(out, ind + 1, &format!("{mt}.swap(1, 0);"));
                }
                Self::line(
                    out,
                    ind + 1,
                    &format!("{mt} = [[{mt}[0][0] * 0.5 + {mt}[1][0] * 0.25, {mt}[0][1]], [{mt}[1][0] * 0.5, {mt}[1][1] * 0.5 + {mt}[0][0] * 0.25]];"),
                );
                Self::line(out, ind, "}");
                let extra = kept.map(|k| format!(" + {k}")).unwrap_or_default();
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {mt}[0][0] + {mt}[1][1] * 0.5 + {mt}[0][1]{extra};"),
                );
                self.declare(&n, VarKind::Float(Iv(-7.0, 7.0, e.iv.2)), false);
            }
        }
    }

    /// Locals of data: an index vector collected from a range and sorted by a slice's values
    /// (argsort), then cut (`retain`, `truncate`, `reverse`) and read by rank; or rows of a data
    /// slice collected into `Vec<Vec<T>>` with a count of each row's positive entries.
    fn data_local(&mut self, out: &mut String, ind: usize) {
        let sl = self.slices();
        if sl.is_empty() {
            return;
        }
        let (xs, iv) = self.rng.pick(&sl).clone();
        let n = self.fresh("v");
        let data: Vec<(String, Iv)> = sl.iter().filter(|(_, iv)| !iv.2).cloned().collect();
        if !data.is_empty() && self.rng.chance(0.35) {
            let (ds, div) = self.rng.pick(&data).clone();
            let (rw, cnt, r, c, q) = (
                self.fresh("rows"),
                self.fresh("cnt"),
                self.fresh("r"),
                self.fresh("c"),
                self.fresh("q"),
            );
            let e = self.expr(1);
            let e = self.wrap(e, UNIT);
            Self::line(
                out,
                ind,
                &if self.rng.chance(0.5) {
                    format!(
                        "let {rw}: Vec<Vec<{FLT}>> = {ds}.chunks(2).map(|{c}| {c}.to_vec()).collect();"
                    )
                } else {
                    // (The type as a turbofish.)
                    format!(
                        "let {rw} = {ds}.chunks(2).map(|{c}| {c}.to_vec()).collect::<Vec<Vec<{FLT}>>>();"
                    )
                },
            );
            Self::line(
                out,
                ind,
                &format!("let {cnt}: Vec<usize> = {rw}.iter().map(|{r}| {r}.iter().filter(|{q}| **{q} > 0.0).count()).collect();"),
            );
            Self::line(
                out,
                ind,
                &format!("let {n}: {FLT} = {rw}.iter().zip(&{cnt}).map(|({r}, &{c})| {FLT}::tanh({r}[0] * {} + {c} as {FLT} * 0.1)).sum::<{FLT}>();", paren(&e.s)),
            );
            let _ = div;
            self.declare(&n, VarKind::Float(Iv(-8.0, 8.0, e.iv.2)), false);
            return;
        }
        let (o, a, b, r, i) = (
            self.fresh("ord"),
            self.fresh("a"),
            self.fresh("b"),
            self.fresh("rk"),
            self.fresh("ix"),
        );
        if self.on("argsort:value_first") && self.rng.chance(0.15) {
            // The value first in each pair (`zip(0..)`, a turned `map`), read numbered by rank.
            let collect = if self.rng.chance(0.5) {
                format!(
                    "let mut {o}: Vec<({FLT}, usize)> = {xs}.iter().copied().zip(0..).collect();"
                )
            } else {
                format!("let mut {o}: Vec<({FLT}, usize)> = {xs}.iter().enumerate().map(|({i}, &{r})| ({r}, {i})).collect();")
            };
            Self::line(out, ind, &collect);
            let sort = if self.rng.chance(0.5) {
                format!("{o}.sort_by(|{a}, {b}| {a}.0.partial_cmp(&{b}.0).unwrap());")
            } else {
                format!("{o}.sort_by(|{a}, {b}| {b}.0.total_cmp(&{a}.0));")
            };
            Self::line(out, ind, &sort);
            let rk = self.fresh("rank");
            let read = if self.rng.chance(0.5) {
                format!("let {n}: {FLT} = {o}.iter().enumerate().map(|({rk}, ({r}, _))| *{r} * ({rk} as {FLT} * 0.25 + 0.5)).sum::<{FLT}>();")
            } else {
                let acc = self.fresh("acc");
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let mut {acc}: {FLT} = {o}[0].0 * ({o}[{o}.len() - 1].1 as {FLT} * 0.25);"
                    ),
                );
                Self::line(out, ind, &format!("for ({rk}, &({r}, {i})) in {o}.iter().enumerate() {{ {acc} += {FLT}::sin({r}) * ({rk} as {FLT} + 1.0) / ({i} as {FLT} + 1.0); }}"));
                format!("let {n}: {FLT} = {acc} * 0.125;")
            };
            Self::line(out, ind, &read);
            let m = iv.mag().max(1.0) * 20.0;
            self.declare(&n, VarKind::Float(Iv(-m, m, iv.2)), false);
            return;
        }
        if self.on("argsort:pairs") && self.rng.chance(0.35) {
            // The values kept beside the indices, sorted by the values; sometimes values
            // computed from the items (bounded like them), collected or pushed in a loop.
            let mapped = self.on("argsort:mapped_pairs") && self.rng.chance(0.4);
            let value = if self.rng.chance(0.5) {
                format!("{FLT}::sin({r}) * 0.5 + {r} * 0.5")
            } else {
                format!("{r} * ({i} as {FLT} * 0.05 + 0.75)")
            };
            let collect = match (mapped, self.rng.below(3)) {
                (false, 0) => format!("let mut {o}: Vec<(usize, {FLT})> = {xs}.iter().copied().enumerate().collect();"),
                (false, _) => format!("let mut {o}: Vec<_> = {xs}.iter().enumerate().map(|({i}, &{r})| ({i}, {r})).collect();"),
                (true, 0) => format!("let mut {o}: Vec<(usize, {FLT})> = {xs}.iter().enumerate().map(|({i}, &{r})| ({i}, {value})).collect();"),
                (true, 1) => format!("let mut {o}: Vec<(usize, {FLT})> = (0..{xs}.len()).map(|{i}| ({i}, {{ let {r} = {xs}[{i}]; {value} }})).collect();"),
                (true, _) => {
                    let ty = if self.rng.chance(0.5) { format!(": Vec<(usize, {FLT})>") } else { String::new() };
                    Self::line(out, ind, &format!("let mut {o}{ty} = Vec::new();"));
                    format!("for ({i}, &{r}) in {xs}.iter().enumerate() {{ {o}.push(({i}, {value})); }}")
                }
            };
            Self::line(out, ind, &collect);
            let sort = match self.rng.below(3) {
                0 => format!("{o}.sort_by(|{a}, {b}| {a}.1.partial_cmp(&{b}.1).unwrap());"),
                1 => format!("{o}.sort_unstable_by(|{a}, {b}| {b}.1.total_cmp(&{a}.1));"),
                _ => format!("{o}.sort_by(|&(_, {a}), &(_, {b})| {a}.partial_cmp(&{b}).unwrap());"),
            };
            Self::line(out, ind, &sort);
            let read = match self.rng.below(3) {
                0 => format!("let {n}: {FLT} = {o}.iter().map(|&({i}, {r})| {r} * ({i} as {FLT} * 0.25 + 0.5)).sum::<{FLT}>();"),
                1 => {
                    let acc = self.fresh("acc");
                    Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
                    Self::line(out, ind, &format!("for &({i}, {r}) in &{o} {{ {acc} += {FLT}::sin({r}) * ({i} as {FLT} + 1.0); }}"));
                    format!("let {n}: {FLT} = {acc} * 0.125;")
                }
                2 if self.on("argsort:whole_pair") && self.rng.chance(0.5) => {
                    let (p, q) = (self.fresh("pi"), self.fresh("pv"));
                    Self::line(out, ind, &format!("let ({p}, {q}) = {o}[0];"));
                    format!("let {n}: {FLT} = {q} * 2.0 - {o}[{o}.len() - 1].1 * ({p} as {FLT} * 0.25);")
                }
                _ => format!("let {n}: {FLT} = {o}[0].1 * 2.0 - {o}[{o}.len() - 1].1 * ({o}[0].0 as {FLT} * 0.25);"),
            };
            Self::line(out, ind, &read);
            let m = iv.mag().max(1.0) * 20.0;
            self.declare(&n, VarKind::Float(Iv(-m, m, iv.2)), false);
            return;
        }
        Self::line(
            out,
            ind,
            &format!("let mut {o}: Vec<usize> = (0..{xs}.len()).collect();"),
        );
        let sort = match self.rng.below(3) {
            0 => format!("{o}.sort_by(|&{a}, &{b}| {xs}[{a}].partial_cmp(&{xs}[{b}]).unwrap());"),
            1 => format!("{o}.sort_unstable_by(|&{a}, &{b}| {xs}[{b}].total_cmp(&{xs}[{a}]));"),
            _ => format!("{o}.sort_by(|{a}, {b}| {xs}[*{a}].total_cmp(&{xs}[*{b}]));"),
        };
        Self::line(out, ind, &sort);
        match self.rng.below(4) {
            0 => Self::line(out, ind, &format!("{o}.retain(|&{a}| {xs}[{a}] > -0.5);")),
            1 => Self::line(out, ind, &format!("{o}.truncate(({o}.len() + 1) / 2);")),
            2 => Self::line(out, ind, &format!("{o}.reverse();")),
            _ => {}
        }
        let read = if self.rng.chance(0.5) {
            format!("let {n}: {FLT} = {o}.iter().enumerate().map(|({r}, &{i})| {xs}[{i}] * ({r} as {FLT} * 0.25 + 0.5)).sum::<{FLT}>();")
        } else {
            let acc = self.fresh("acc");
            Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
            Self::line(
                out,
                ind,
                &format!("for ({r}, &{i}) in {o}.iter().enumerate() {{"),
            );
            Self::line(
                out,
                ind + 1,
                &format!("{acc} += {FLT}::sin({xs}[{i}]) * ({r} as {FLT} + 1.0);"),
            );
            Self::line(out, ind, "}");
            format!("let {n}: {FLT} = {acc} * 0.125;")
        };
        Self::line(out, ind, &read);
        // At most 8 elements, each weighted by less than 2.5.
        let m = iv.mag().max(1.0) * 20.0;
        self.declare(&n, VarKind::Float(Iv(-m, m, iv.2)), false);
    }

    /// A `Vec` of the user's structs (a simulation's particles): copied from a `const` array of
    /// data, or `vec![P { .. }; n]` with a differentiated field; moved for two steps by loops
    /// over `iter_mut()` (with `enumerate`), by index with neighbours, through `let p = &mut
    /// ps[i];`; read by a `map` summed (typed by the `let` or the turbofish), a loop, or by index.
    fn struct_rows(&mut self, out: &mut String, ind: usize) {
        let k = self.items.matches("struct Sp").count();
        let ty = format!("Sp{}{k}_{FLT}", self.base.to_uppercase());
        let arr = format!("SPS{}_{k}_{FLT}", self.base.to_uppercase());
        let _ = writeln!(
            self.items,
            "#[derive(Clone, Copy)]\n#[allow(dead_code, non_camel_case_types)]\nstruct {ty} {{ x: {FLT}, v: {FLT}, m: {FLT} }}\n#[allow(dead_code)]\nconst {arr}: [{ty}; 3] = [{ty} {{ x: 0.5, v: -0.25, m: 1.0 }}, {ty} {{ x: -0.75, v: 0.5, m: 2.0 }}, {ty} {{ x: 1.25, v: 0.0, m: 1.5 }}];"
        );
        let e = self.expr(1);
        let e = self.wrap(e, UNIT);
        let act = e.iv.2;
        let (ps, p, i, j, f, n, acc) = (
            self.fresh("ps"),
            self.fresh("p"),
            self.fresh("i"),
            self.fresh("j"),
            self.fresh("f"),
            self.fresh("v"),
            self.fresh("acc"),
        );
        let c = fmt_float(self.value_in((0.0, 1.0)));
        let ex = paren(&e.s);
        if self.on("struct_rows:arrays") && self.rng.chance(0.3) {
            // Fields of arrays (a position in the plane), stepped component by component.
            let ta = format!("Spa{}{k}_{FLT}", self.base.to_uppercase());
            let aa = format!("SPAS{}_{k}_{FLT}", self.base.to_uppercase());
            let _ = writeln!(
                self.items,
                "#[derive(Clone, Copy)]\n#[allow(dead_code, non_camel_case_types)]\nstruct {ta} {{ pos: [{FLT}; 2], m: {FLT} }}\n#[allow(dead_code)]\nconst {aa}: [{ta}; 2] = [{ta} {{ pos: [0.5, -0.25], m: 1.0 }}, {ta} {{ pos: [-0.75, 1.5], m: 2.0 }}];"
            );
            let d = self.fresh("d");
            if self.on("struct_rows:listed") && self.rng.chance(0.3) {
                // Listed by literals in the body (an array, typed or not, or `vec![..]`).
                let (open, close) = match self.rng.below(3) {
                    0 => (format!("let mut {ps}: [{ta}; 2] = ["), "];"),
                    1 => (format!("let mut {ps} = ["), "];"),
                    _ => (format!("let mut {ps} = vec!["), "];"),
                };
                Self::line(out, ind, &format!("{open}{ta} {{ pos: [{ex}, -0.5], m: 1.5 }}, {ta} {{ m: 2.0, pos: [0.25, {c}] }}{close}"));
            } else if self.on("struct_rows:mapped_arrays") && self.rng.chance(0.4) {
                // Made by a map (over a range or a slice's items), the row an array literal,
                // `[e; 2]` or computed in a block with `let`s.
                let q = self.fresh("q");
                let sl = self.slices();
                let (iter, item, qv) = if !sl.is_empty() && self.rng.chance(0.5) {
                    let (xs, _) = self.rng.pick(&sl).clone();
                    (format!("{xs}.iter()"), format!("&{q}"), q.clone())
                } else {
                    (
                        "(0..2)".to_string(),
                        q.clone(),
                        format!("({q} as {FLT} * 0.5)"),
                    )
                };
                let body = match self.rng.below(3) {
                    0 => format!("{ta} {{ pos: [{qv} * {ex}, {c}], m: 1.5 }}"),
                    1 => format!("{ta} {{ m: 1.0 + {c}, pos: [{qv} - {ex}; 2] }}"),
                    _ => format!(
                        "{{ let {d} = {qv} * 0.5 + {ex}; {ta} {{ pos: [{d}, -{d}], m: 2.0 }} }}"
                    ),
                };
                Self::line(
                    out,
                    ind,
                    &format!("let mut {ps}: Vec<{ta}> = {iter}.map(|{item}| {body}).collect();"),
                );
            } else if self.rng.chance(0.5) {
                Self::line(
                    out,
                    ind,
                    &format!("let mut {ps}: Vec<{ta}> = {aa}.to_vec();"),
                );
            } else {
                Self::line(
                    out,
                    ind,
                    &format!("let mut {ps} = vec![{ta} {{ pos: [{c}, -0.5], m: 1.5 }}; 2];"),
                );
            }
            let step = if self.on("struct_rows:clones") && self.rng.chance(0.3) {
                // The state before the step copied whole (`ps.clone()`), read while the list
                // is written.
                let (b, i) = (self.fresh("before"), self.fresh("i"));
                let copy = *self.rng.pick(&["clone", "to_vec"]);
                format!("let {b} = {ps}.{copy}(); for ({i}, {p}) in {ps}.iter_mut().enumerate() {{ {p}.pos[0] += {ex} * 0.1 * ({b}[({i} + 1) % {b}.len()].pos[1] - {b}[{i}].pos[0]); }}")
            } else if self.rng.chance(0.5) {
                format!("for {p} in {ps}.iter_mut() {{ for {d} in 0..2 {{ {p}.pos[{d}] += {ex} * 0.1 * {p}.m; }} }}")
            } else {
                format!("for {i} in 0..{ps}.len() {{ {ps}[{i}].pos[1] -= {ps}[{i}].pos[0] * {ex} * 0.1; }}")
            };
            Self::line(out, ind, &step);
            // Sometimes a copy of an element (`let q = ps[i];`), written after (the list keeps
            // what it held), one field or both read of it.
            let copied = if self.on("struct_rows:copies") && self.rng.chance(0.4) {
                let q = self.fresh("cq");
                let at = if self.rng.chance(0.5) {
                    "0".to_string()
                } else {
                    format!("{ps}.len() - 1")
                };
                Self::line(out, ind, &format!("let mut {q} = {ps}[{at}];"));
                if self.rng.chance(0.5) {
                    Self::line(out, ind, &format!("{q}.pos[0] += 0.5 * {q}.m;"));
                }
                match self.rng.below(3) {
                    0 => format!(" + {q}.pos[1] * 0.1"),
                    1 => format!(" + {q}.pos.iter().sum::<{FLT}>() * 0.05"),
                    _ => format!(" + ({q}.pos[0] - {q}.pos[1]) * {q}.m * 0.05"),
                }
            } else {
                String::new()
            };
            Self::line(out, ind, &format!("let {n}: {FLT} = {FLT}::tanh({ps}.iter().map(|{p}| {p}.pos[0] * {p}.pos[1] + {p}.pos.len() as {FLT}).sum::<{FLT}>() * 0.1{copied});"));
            self.declare(&n, VarKind::Float(Iv(-1.0, 1.0, act)), false);
            return;
        }
        let sl = self.slices();
        match self.rng.below(7) {
            // Listed by literals in the body, fields in any order.
            6 if self.on("struct_rows:listed") => {
                let (x, m) = (self.fresh("x"), self.fresh("m"));
                Self::line(
                    out,
                    ind,
                    &format!("let ({x}, {m}): ({FLT}, {FLT}) = ({ex} * 0.5, 1.25);"),
                );
                let (open, close) = match self.rng.below(3) {
                    0 => (format!("let mut {ps}: [{ty}; 3] = ["), "];"),
                    1 => (format!("let mut {ps}: Vec<{ty}> = vec!["), "];"),
                    _ => (format!("let mut {ps} = vec!["), "];"),
                };
                Self::line(out, ind, &format!("{open}{ty} {{ x: {x}, v: {c}, m: 1.5 }}, {ty} {{ v: {ex}, m: {m}, x: -0.5 }}, {ty} {{ x: 0.75, v: -{c}, m: 1.0 }}{close}"));
            }
            // Grown by `push` in a loop over a slice.
            5 if !sl.is_empty() => {
                let (xs, _) = self.rng.pick(&sl).clone();
                let q = self.fresh("q");
                Self::line(out, ind, &format!("let mut {ps} = Vec::new();"));
                Self::line(out, ind, &format!("for &{q} in {xs}.iter() {{ {ps}.push({ty} {{ x: {q}, v: {ex} * 0.5, m: 2.0 }}); }}"));
            }
            0 => Self::line(
                out,
                ind,
                &format!("let mut {ps}: Vec<{ty}> = {arr}.to_vec();"),
            ),
            1 => Self::line(
                out,
                ind,
                &format!("let mut {ps} = vec![{ty} {{ x: {ex}, v: {c}, m: 1.5 }}; 3];"),
            ),
            // Made from a slice's items or a range's numbers (`m` then an integer's value).
            3 if !sl.is_empty() => {
                let (xs, _) = self.rng.pick(&sl).clone();
                let q = self.fresh("q");
                Self::line(out, ind, &format!("let mut {ps}: Vec<{ty}> = {xs}.iter().map(|&{q}| {ty} {{ x: {q} * 0.5, v: {ex}, m: 1.0 + {c} }}).collect();"));
            }
            4 => {
                let q = self.fresh("q");
                Self::line(out, ind, &format!("let mut {ps}: Vec<{ty}> = (0..3).map(|{q}| {ty} {{ x: {q} as {FLT} * 0.5 - {ex}, v: {c}, m: ({q} + 1) as {FLT} }}).collect();"));
            }
            _ => Self::line(
                out,
                ind,
                &format!("let mut {ps}: Vec<{ty}> = {arr}.iter().copied().collect();"),
            ),
        }
        Self::line(out, ind, "for _ in 0..2 {");
        let q = self.fresh("q");
        let step = match self.rng.below(7) {
            // The state before the step copied whole (`ps.clone()`, `to_vec()`, or a map of
            // its fields, one computed), read while the list is written in place.
            6 if self.on("struct_rows:float_clones") => {
                let (b, a, k2) = (self.fresh("before"), self.fresh("a"), self.fresh("k"));
                let copy = match self.rng.below(4) {
                    0 => format!("{ps}.clone()"),
                    1 => format!("{ps}.to_vec()"),
                    2 => format!("{ps}.iter().copied().collect::<Vec<{ty}>>()"),
                    _ => format!("(0..{ps}.len()).map(|{k2}| {ty} {{ x: {ps}[{k2}].x, v: {ps}[{k2}].v * 0.5, m: {ps}[{k2}].m }}).collect::<Vec<{ty}>>()"),
                };
                let read = if self.rng.chance(0.5) {
                    format!("for ({j}, {a}) in {b}.iter().enumerate() {{ if {j} != {i} {{ {f} += {a}.m * ({a}.x - {p}.x).tanh(); }} }}")
                } else {
                    format!("for {j} in 0..{b}.len() {{ if {j} != {i} {{ {f} += {b}[{j}].m * ({b}[{j}].x - {p}.x).tanh() + {b}[{j}].v * 0.1; }} }}")
                };
                format!("let {b} = {copy}; for ({i}, {p}) in {ps}.iter_mut().enumerate() {{ let mut {f}: {FLT} = 0.0; {read} {p}.v += {ex} * {f} * 0.1; {p}.x += {p}.v * 0.1; }}")
            }
            // Forces collected per element, then zipped with the elements.
            5 => format!("let {f}: Vec<{FLT}> = {ps}.iter().map(|{p}| -{ex} * {p}.x).collect(); for ({p}, &{q}) in {ps}.iter_mut().zip(&{f}) {{ {p}.v += {q} * 0.1; {p}.x += {p}.v * 0.1; }}"),
            // A copy of an element, then the element given anew.
            4 => format!("for {i} in 0..{ps}.len() {{ let {f} = {ps}[{i}]; {ps}[{i}] = {ty} {{ x: {f}.x + {f}.v * 0.1, v: {f}.v - {ex} * {f}.x * 0.1, m: {f}.m }}; }}"),
            0 => format!("for {p} in {ps}.iter_mut() {{ {p}.v += {ex} * {p}.x * 0.1 / {p}.m; {p}.x += {p}.v * 0.1; }}"),
            1 => format!("for {i} in 1..{ps}.len() {{ let {f} = {ex} * ({ps}[{i}].x - {ps}[{i} - 1].x); {ps}[{i}].v -= {f} * 0.1; {ps}[{i} - 1].v += {f} * 0.1; }}"),
            2 => format!("for ({j}, {p}) in {ps}.iter_mut().enumerate() {{ {p}.x += ({p}.v + {ex}) * 0.1 * ({j} as {FLT} + 1.0); }}"),
            _ => format!("{{ let {i} = {ps}.len() - 1; let {p} = &mut {ps}[{i}]; {p}.v = {p}.v * 0.5 + {ex} * {p}.x; }}"),
        };
        Self::line(out, ind + 1, &step);
        Self::line(out, ind, "}");
        if self.on("struct_rows:reorder") && self.rng.chance(0.3) {
            // Reordered: two swapped, or sorted by a field.
            let (a, b) = (self.fresh("a"), self.fresh("b"));
            let line = if self.rng.chance(0.5) {
                format!("let {a} = {ps}.len() - 1; {ps}.swap(0, {a});")
            } else {
                format!("{ps}.sort_by(|{a}, {b}| {a}.x.total_cmp(&{b}.x));")
            };
            Self::line(out, ind, &line);
        }
        let read = match self.rng.below(6) {
            // The element a search chooses by a field; the list lent to a plain helper
            // taking `&[P]`.
            4 if self.on("struct_rows:picked_or_lent") => {
                let (a, b) = (self.fresh("a"), self.fresh("b"));
                let f = *self.rng.pick(&["max_by", "min_by"]);
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {acc} = {ps}.iter().{f}(|{a}, {b}| {a}.x.total_cmp(&{b}.x)).unwrap();"
                    ),
                );
                format!("{acc}.x * {acc}.v")
            }
            // (Not inside a plain helper: a list of structs lent on from a helper's body that
            // ends in `return` after a labeled loop is refused, the helper not inlined.)
            5 if self.on("struct_rows:picked_or_lent") && !self.in_helper => {
                let h = format!("sph{k}_{}_{FLT}", self.base);
                let _ = writeln!(
                    self.items,
                    "/// not annotated\n#[allow(dead_code)]\nfn {h}(ps: &[{ty}]) -> {FLT} {{\n    let mut e = 0.0;\n    for p in ps {{\n        e += p.x * p.m;\n    }}\n    for i in 1..ps.len() {{\n        e += ps[i].v * ps[i - 1].x;\n    }}\n    e\n}}"
                );
                format!("{h}(&{ps})")
            }
            0 => format!("{ps}.iter().map(|{p}| {p}.x * {p}.x).sum::<{FLT}>()"),
            1 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {acc}: {FLT} = {ps}.iter().map(|{p}| {p}.x * {p}.v).sum();"),
                );
                acc
            }
            2 => {
                Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
                Self::line(
                    out,
                    ind,
                    &format!("for {p} in &{ps} {{ {acc} += 0.5 * {p}.m * {p}.v * {p}.v; }}"),
                );
                acc
            }
            _ => format!("{ps}[{ps}.len() - 1].x - {ps}[0].v * 0.5"),
        };
        Self::line(
            out,
            ind,
            &format!("let {n}: {FLT} = {FLT}::tanh(({read}) * 0.1);"),
        );
        self.declare(&n, VarKind::Float(Iv(-1.0, 1.0, act)), false);
    }

    /// Values sorted by a key, then read in their new order: pairs of floats collected from a
    /// slice (`Vec<(T, T)>`, or rows `Vec<[T; 2]>`) sorted by a component or a function of both,
    /// read by windows (a trapezoid rule), by rank or at the ends; or a buffer sorted by a key
    /// other than its values (`a.abs()`, `a * a` reversed).
    fn sorted_rows(&mut self, out: &mut String, ind: usize) {
        let sl = self.slices();
        if sl.is_empty() {
            return;
        }
        let (xs, iv) = self.rng.pick(&sl).clone();
        let (p, n, acc, q, a, b, i, w) = (
            self.fresh("srt"),
            self.fresh("v"),
            self.fresh("acc"),
            self.fresh("q"),
            self.fresh("a"),
            self.fresh("b"),
            self.fresh("i"),
            self.fresh("w"),
        );
        let c = fmt_float(self.value_in((0.0, 1.0)));
        if self.on("sort:by_key") && self.rng.chance(0.3) {
            Self::line(
                out,
                ind,
                &format!(
                    "let mut {p}: Vec<{FLT}> = {xs}.iter().map(|{q}| {q} * 2.0 - {c}).collect();"
                ),
            );
            let sort = match self.rng.below(3) {
                0 => format!("{p}.sort_by(|{a}, {b}| {a}.abs().partial_cmp(&{b}.abs()).unwrap());"),
                1 => format!("{p}.sort_unstable_by(|&{a}, &{b}| ({a} * {a}).total_cmp(&({b} * {b})).reverse());"),
                _ => format!("{p}.sort_by(|{a}: &{FLT}, {b}: &{FLT}| {FLT}::sin(*{b}).total_cmp(&{FLT}::sin(*{a})));"),
            };
            Self::line(out, ind, &sort);
            Self::line(
                out,
                ind,
                &format!("let {n}: {FLT} = {FLT}::tanh({p}.iter().enumerate().map(|({i}, {q})| {q} * ({i} as {FLT} + 1.0)).sum::<{FLT}>() * 0.1);"),
            );
            self.declare(&n, VarKind::Float(Iv(-1.0, 1.0, iv.2)), false);
            return;
        }
        let arrays = self.on("sort:array_rows") && self.rng.chance(0.3);
        let (ty, pair, x0, x1) = if arrays {
            (
                format!("[{FLT}; 2]"),
                format!("[{q}, {FLT}::sin({q}) * {c}]"),
                "[0]",
                "[1]",
            )
        } else {
            (
                format!("({FLT}, {FLT})"),
                format!("({q} + {c}, {q} * {q} * 0.5)"),
                ".0",
                ".1",
            )
        };
        Self::line(
            out,
            ind,
            &format!("let mut {p}: Vec<{ty}> = {xs}.iter().map(|&{q}| {pair}).collect();"),
        );
        let sort = match self.rng.below(4) {
            0 => format!("{p}.sort_by(|{a}, {b}| {a}{x0}.partial_cmp(&{b}{x0}).unwrap());"),
            1 => format!("{p}.sort_unstable_by(|{a}, {b}| {b}{x1}.total_cmp(&{a}{x1}));"),
            2 if !arrays => format!("{p}.sort_by(|&({a}, _), &({b}, _)| {a}.partial_cmp(&{b}).unwrap());"),
            _ => format!("{p}.sort_by(|{a}, {b}| ({a}{x0} * {a}{x1}).partial_cmp(&({b}{x0} * {b}{x1})).unwrap());"),
        };
        Self::line(out, ind, &sort);
        let read = match self.rng.below(4) {
            0 => {
                Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
                Self::line(out, ind, &format!("for {w} in {p}.windows(2) {{"));
                Self::line(
                    out,
                    ind + 1,
                    &format!("{acc} += ({w}[1]{x0} - {w}[0]{x0}) * ({w}[1]{x1} + {w}[0]{x1}) * 0.5;"),
                );
                Self::line(out, ind, "}");
                acc
            }
            1 => format!("{p}.windows(2).map(|{w}| ({w}[1]{x1} - {w}[0]{x1}) * ({w}[1]{x1} - {w}[0]{x1})).sum::<{FLT}>()"),
            2 if !arrays => {
                Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
                Self::line(
                    out,
                    ind,
                    &format!("for ({i}, &({a}, {b})) in {p}.iter().enumerate() {{ {acc} += {a} * {b} * ({i} as {FLT} + 1.0) * 0.25; }}"),
                );
                acc
            }
            2 => format!("{p}.iter().enumerate().map(|({i}, {w})| {w}{x0} * ({i} as {FLT}) + {w}{x1}).sum::<{FLT}>()"),
            _ => format!("{p}[0]{x0} * 2.0 - {p}[{p}.len() - 1]{x1}"),
        };
        Self::line(
            out,
            ind,
            &format!("let {n}: {FLT} = {FLT}::tanh(({read}) * 0.1);"),
        );
        self.declare(&n, VarKind::Float(Iv(-1.0, 1.0, iv.2)), false);
    }

    fn filter_collect(&mut self, out: &mut String, ind: usize) {
        let sl = self.slices();
        if sl.is_empty() {
            return;
        }
        let (xs, iv) = self.rng.pick(&sl).clone();
        let (b, n, q) = (self.fresh("fc"), self.fresh("v"), self.fresh("q"));
        let c = fmt_float(self.value_in((0.0, 1.0)));
        let read = match self.rng.below(4) {
            0 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {b}: Vec<{FLT}> = {xs}.iter().copied().filter(|{q}| {q}.abs() > {c}).collect();"),
                );
                format!("{FLT}::tanh({b}.iter().map(|{q}| {q} * {q}).sum::<{FLT}>())")
            }
            1 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {b}: Vec<{FLT}> = {xs}.iter().step_by(2).copied().collect();"),
                );
                format!("{FLT}::tanh({b}.iter().sum::<{FLT}>())")
            }
            2 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {b} = (0..2).map(|c| (0..2).map(|j| {xs}[(c + j) % {xs}.len()] * 0.5).sum()).collect::<Vec<{FLT}>>();"),
                );
                format!("{FLT}::tanh({b}[0] * {b}[1])")
            }
            _ => {
                let (p, cp) = (self.fresh("pc"), self.fresh("cp"));
                Self::line(out, ind, &format!("let mut {b}: {FLT} = 0.0;"));
                Self::line(out, ind, &format!("for {p} in {xs}.chunks(2) {{"));
                Self::line(out, ind + 1, &format!("let {cp} = {p}.to_vec();"));
                Self::line(
                    out,
                    ind + 1,
                    &format!("{b} += {FLT}::tanh({cp}[0] * {cp}[{cp}.len() - 1]);"),
                );
                Self::line(out, ind, "}");
                format!("{FLT}::tanh({b})")
            }
        };
        Self::line(out, ind, &format!("let {n}: {FLT} = {read};"));
        self.declare(&n, VarKind::Float(Iv(-1.0, 1.0, iv.2)), false);
    }

    /// An `Option` of a differentiated float in a local: given on some paths (`if c { Some(e) }
    /// else { None }`) or carried across a loop over a slice (the running best, a decaying sum
    /// started by `None`), typed or not, read by `match`, `if let`, `map_or`, `map(..)` then
    /// `unwrap_or`, `is_some_and` and `unwrap`, or by `let .. else` that returns.
    fn option_local(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let (o, n, b) = (self.fresh("o"), self.fresh("v"), self.fresh("b"));
        let ty = if self.rng.chance(0.5) {
            format!(": Option<{FLT}>")
        } else {
            String::new()
        };
        let sl = self.slices();
        let some_iv = if ctx.loops < 2 && !sl.is_empty() && self.rng.chance(0.5) {
            let (xs, iv) = self.rng.pick(&sl).clone();
            let v = self.fresh("x");
            let e = self.expr(1);
            Self::line(out, ind, &format!("let mut {o}{ty} = None;"));
            Self::line(out, ind, &format!("for &{v} in {xs}.iter() {{"));
            let (s, iv) = match self.rng.below(3) {
                0 => (
                    format!("{o} = match {o} {{ Some({b}) if {b} >= {v} => Some({b}), _ => Some({v}) }};"),
                    iv,
                ),
                1 => (
                    format!(
                        "if {o}.is_none_or(|{b}| {v} * {} > {b}) {{ {o} = Some({v} * {}); }}",
                        paren(&e.s),
                        paren(&e.s)
                    ),
                    iv.mul(e.iv),
                ),
                _ => (
                    {
                        let arms = self.opt_arms(format!("Some({b}) => 0.5 * {b} + {v}"), format!("None => {v}"));
                        format!("{o} = Some(match {o} {{ {arms} }});")
                    },
                    Iv(2.0 * iv.0.min(0.0), 2.0 * iv.1.max(0.0), iv.2),
                ),
            };
            Self::line(out, ind + 1, &s);
            Self::line(out, ind, "}");
            iv
        } else {
            let c = self.cond(1);
            let e = self.expr(1);
            let s = format!("let {o}{ty} = if {c} {{ Some({}) }} else {{ None }};", e.s);
            Self::line(out, ind, &s);
            e.iv
        };
        let (d, k) = (self.expr(1), self.expr(1));
        let (dd, kk) = (paren(&d.s), paren(&k.s));
        if ctx.top && ctx.loops == 0 && self.on("stmt:early_return") && self.rng.chance(0.2) {
            Self::line(
                out,
                ind,
                &format!("let Some({b}) = {o} else {{ return {dd}; }};"),
            );
            self.returned = true;
            Self::line(out, ind, &format!("let {n}: {FLT} = {b} * {kk};"));
            self.declare(&n, VarKind::Float(some_iv.mul(k.iv)), false);
            return;
        }
        let (s, iv) = match self.rng.below(5) {
            0 => (
                {
                    let arms = self.opt_arms(format!("Some({b}) => {b} * {kk}"), format!("None => {dd}"));
                    format!("match {o} {{ {arms} }}")
                },
                some_iv.mul(k.iv).union(d.iv),
            ),
            1 => (
                format!("if let Some({b}) = {o} {{ {b} + {kk} }} else {{ {dd} }}"),
                some_iv.add(k.iv).union(d.iv),
            ),
            2 => (
                format!("{o}.map_or({dd}, |{b}| {b} * {kk})"),
                some_iv.mul(k.iv).union(d.iv),
            ),
            3 => (
                format!("{o}.map(|{b}| {b} + {kk}).unwrap_or({dd})"),
                some_iv.add(k.iv).union(d.iv),
            ),
            _ => (
                format!("if {o}.is_some_and(|{b}| {b} > 0.25) {{ {o}.unwrap() * {kk} }} else {{ {o}.unwrap_or({dd}) }}"),
                some_iv.mul(k.iv).union(some_iv).union(d.iv),
            ),
        };
        Self::line(out, ind, &format!("let {n}: {FLT} = {s};"));
        self.declare(&n, VarKind::Float(iv), false);
    }

    /// The largest (or smallest) element of a slice with its position.
    fn argmax(&mut self, out: &mut String, ind: usize) {
        let sl = self.slices();
        if sl.is_empty() {
            return;
        }
        let (xs, iv) = self.rng.pick(&sl).clone();
        let (i, v, n) = (self.fresh("i"), self.fresh("m"), self.fresh("v"));
        let f = *self.rng.pick(&["max_by", "min_by"]);
        // The position and value of the extremum of mapped items (k-means' assignment), and an
        // extremum by a comparator that is not one key of each side (a tolerance).
        if self.on("reduce:mapped_position") && self.rng.chance(0.3) {
            let c = fmt_float(self.value_in((-1.0, 1.0)));
            let (q, a, b) = (self.fresh("q"), self.fresh("a"), self.fresh("b"));
            Self::line(
                out,
                ind,
                &format!("let ({i}, {v}) = {xs}.iter().map(|{q}| ({q} - {c}) * ({q} - {c})).enumerate().{f}(|{a}, {b}| {a}.1.total_cmp(&{b}.1)).unwrap();"),
            );
            Self::line(
                out,
                ind,
                &format!("let {n}: {FLT} = {FLT}::tanh({v}) + {i} as {FLT} * 0.1;"),
            );
            self.declare(&n, VarKind::Float(Iv(-1.0, 1.0 + 0.1 * 8.0, iv.2)), false);
            return;
        }
        if self.on("reduce:range_position") && self.rng.chance(0.25) {
            // The position of an extremum over an index range (a pivot search).
            let (a, b) = (self.fresh("a"), self.fresh("b"));
            Self::line(
                out,
                ind,
                &format!("let {i}: usize = (0..{xs}.len()).{f}(|&{a}, &{b}| {xs}[{a}].abs().total_cmp(&{xs}[{b}].abs())).unwrap();"),
            );
            Self::line(
                out,
                ind,
                &format!("let {n}: {FLT} = {FLT}::tanh({xs}[{i}]) * 0.5 + {i} as {FLT} * 0.1;"),
            );
            self.declare(&n, VarKind::Float(Iv(-0.5, 0.5 + 0.1 * 8.0, iv.2)), false);
            return;
        }
        if self.on("reduce:any_comparator") && self.rng.chance(0.3) {
            let (a, b) = (self.fresh("a"), self.fresh("b"));
            Self::line(
                out,
                ind,
                &format!("let {v}: {FLT} = {xs}.iter().copied().{f}(|{a}, {b}| if ({a} - {b}).abs() < 0.05 {{ std::cmp::Ordering::Equal }} else {{ {a}.total_cmp({b}) }}).unwrap();"),
            );
            Self::line(out, ind, &format!("let {n}: {FLT} = {v} * 0.5;"));
            self.declare(&n, VarKind::Float(iv.mul(Iv::pt(0.5))), false);
            return;
        }
        let s = match self.rng.below(3) {
            0 => format!(
                "let ({i}, &{v}) = {xs}.iter().enumerate().{f}(|a, b| a.1.total_cmp(b.1)).unwrap();"
            ),
            1 => format!(
                "let ({i}, {v}) = {xs}.iter().enumerate().{f}(|(_, a), (_, b)| a.partial_cmp(b).unwrap()).unwrap(); let {v} = *{v};"
            ),
            _ => {
                let c = fmt_float(self.value_in((-1.0, 1.0)));
                format!(
                    "let {i} = {xs}.iter().enumerate().{f}(|&(_, a), &(_, b)| (*a - {c}).abs().total_cmp(&(*b - {c}).abs())).map(|(pos, _)| pos).unwrap(); let {v} = {xs}[{i}];"
                )
            }
        };
        Self::line(out, ind, &s);
        Self::line(
            out,
            ind,
            &format!("let {n}: {FLT} = {v} * 0.5 + {i} as {FLT} * 0.1;"),
        );
        self.declare(
            &n,
            VarKind::Float(iv.mul(Iv::pt(0.5)).add(Iv(0.0, 0.6, false))),
            false,
        );
    }

    /// A position found in constant data by comparisons with a differentiated value, indexing a
    /// slice.
    fn search(&mut self, out: &mut String, ind: usize) {
        let sl = self.slices();
        if sl.is_empty() {
            return;
        }
        let (xs, iv) = self.rng.pick(&sl).clone();
        let e = self.expr(1);
        let e = self.wrap(e, (-2.0, 2.0));
        let ks = format!("K{}_{}_{FLT}", self.base.to_uppercase(), self.fresh("S"));
        let _ = writeln!(self.items, "const {ks}: [{FLT}; 3] = [-0.5, 0.25, 1.0];");
        let (k, n) = (self.fresh("k"), self.fresh("v"));
        let t = paren(&e.s);
        let found = match self.rng.below(4) {
            0 => format!("{ks}.partition_point(|&c| c <= {t})"),
            1 => format!("{ks}.iter().position(|&c| c > {t}).unwrap_or(3)"),
            2 => format!("{ks}.iter().filter(|&&c| c <= {t}).count()"),
            _ => format!(
                "match {ks}.binary_search_by(|c| c.total_cmp(&{t})) {{ Ok(j) | Err(j) => j }}"
            ),
        };
        Self::line(
            out,
            ind,
            &format!("let {k}: usize = ({found}).min({xs}.len() - 1);"),
        );
        Self::line(out, ind, &format!("let {n}: {FLT} = {xs}[{k}] * {t};"));
        self.declare(&n, VarKind::Float(iv.mul(e.iv)), false);
    }

    /// A local buffer written through parts (`h[1..].copy_from_slice(xs)`) and `iter_mut` with
    /// adapters.
    fn copy_part(&mut self, out: &mut String, ind: usize) {
        // Of the function's slice parameters (parts of parts of a `split_at` half are pending).
        let params: Vec<String> = self
            .visible()
            .into_iter()
            .filter(|v| v.param)
            .map(|v| v.name)
            .collect();
        let sl: Vec<(String, Iv)> = self
            .slices()
            .into_iter()
            .filter(|(n, _)| params.contains(n))
            .collect();
        if sl.is_empty() {
            return;
        }
        let (xs, iv) = self.rng.pick(&sl).clone();
        let (h, n) = (self.fresh("h"), self.fresh("v"));
        Self::line(
            out,
            ind,
            &format!("let mut {h}: Vec<{FLT}> = vec![0.5; {xs}.len() + 1];"),
        );
        Self::line(out, ind, &format!("{h}[1..].copy_from_slice(&{xs});"));
        match self.rng.below(3) {
            0 => Self::line(
                out,
                ind,
                &format!("for l in {h}.iter_mut().skip(1).step_by(2) {{ *l *= 0.5; }}"),
            ),
            1 => Self::line(out, ind, &format!("{h}[..1].copy_from_slice(&{xs}[..1]);")),
            // A whole local array filled from a part that starts at 0 (`&xs[..1]`, `&xs[..]`
            // of a one-element part).
            _ => {
                let (a, src) = (
                    self.fresh("ar"),
                    if self.rng.chance(0.5) {
                        format!("&{xs}[..1]")
                    } else {
                        format!("&{xs}[0..1]")
                    },
                );
                Self::line(out, ind, &format!("let mut {a} = [0.0; 1];"));
                Self::line(out, ind, &format!("{a}.copy_from_slice({src});"));
                Self::line(out, ind, &format!("{h}[0] = {a}[0] * 0.5;"));
            }
        }
        Self::line(
            out,
            ind,
            &format!("let {n}: {FLT} = {h}[0] * {h}[{h}.len() - 1] + {h}[1];"),
        );
        let m = iv.union(Iv::pt(0.5));
        self.declare(&n, VarKind::Float(m.mul(m).add(m)), false);
    }

    /// A small matrix of names of floats (`[[a, b], [b, a]]`), without a literal in it.
    fn matrix_names(&mut self, out: &mut String, ind: usize) {
        let fs = self.floats(|_, _| true);
        if fs.len() < 2 {
            return;
        }
        let (a, aiv) = self.rng.pick(&fs).clone();
        let (b, biv) = self.rng.pick(&fs).clone();
        let (m, n) = (self.fresh("mx"), self.fresh("v"));
        let u = aiv.union(biv);
        // Sometimes taken whole by a `move` closure (a copy), or a row copied, and then the
        // matrix written: each copy keeps what it held.
        let (moved, kept) = match self.rng.below(4) {
            0 if self.on("stmt:matrix_copies") => {
                let g = self.fresh("gm");
                (
                    Some(format!("let {g} = move |i: usize| {m}[i][1 - i] * 0.5;")),
                    format!(" + {g}(1)"),
                )
            }
            1 if self.on("stmt:matrix_copies") => {
                let r = self.fresh("rw");
                (
                    Some(format!("let {r} = {m}[0];")),
                    format!(" + {r}[1] * 0.5"),
                )
            }
            _ => (None, String::new()),
        };
        let mutability = if moved.is_some() { "mut " } else { "" };
        Self::line(
            out,
            ind,
            &format!("let {mutability}{m} = [[{a}, {b}], [{b}, {a}]];"),
        );
        if let Some(l) = &moved {
            Self::line(out, ind, l);
            Self::line(out, ind, &format!("{m}[1][0] = {m}[0][0] * 0.5;"));
        }
        // Sometimes read through a view bound beside it (`let b: &[[T; 2]; 2] = &m;`, read as
        // `b[i][j]` or `(*b)[i][j]`), and given by reference to a plain helper that returns an
        // array (the helper's parameter a view of it once inlined).
        let (mut read, mut extra) = (m.clone(), String::new());
        if moved.is_none() && self.on("stmt:matrix_views") && self.rng.chance(0.5) {
            let (vb, r) = (self.fresh("vb"), self.fresh("hr"));
            let hm = self.fresh("hm");
            let h = format!("{}_{hm}_{FLT}", self.base);
            match self.rng.below(3) {
                0 => {
                    Self::line(out, ind, &format!("let {vb}: &[[{FLT}; 2]; 2] = &{m};"));
                    read = vb;
                }
                1 => {
                    Self::line(out, ind, &format!("let {vb} = &{m};"));
                    read = format!("(*{vb})");
                }
                _ => {
                    let _ = writeln!(
                        self.items,
                        "fn {h}(a: &[[{FLT}; 2]; 2], v: &[{FLT}; 2]) -> [{FLT}; 2] {{\n    let mut out = [0.0; 2];\n    for i in 0..2 {{\n        for j in 0..2 {{\n            out[i] += a[i][j] * v[j];\n        }}\n    }}\n    out\n}}"
                    );
                    Self::line(out, ind, &format!("let {r} = {h}(&{m}, &[0.5, -0.25]);"));
                    extra = format!(" + {r}[0] * 0.5 - {r}[1]");
                }
            }
        }
        Self::line(
            out,
            ind,
            &format!("let {n}: {FLT} = {read}[0][0] * {m}[1][1] - {read}[0][1] * {m}[1][0] * 0.5{kept}{extra};"),
        );
        let w = u.add(u.mul(Iv::pt(0.5)));
        let mag = u.mag();
        let helper = Iv(-1.5 * mag, 1.5 * mag, u.2);
        self.declare(
            &n,
            VarKind::Float(u.mul(u).add(u.mul(u)).add(w).add(helper)),
            false,
        );
    }

    /// `let b = match .. { .. => return e, .. };`: an arm of a `match` whose value is bound
    /// returns.
    fn return_match_let(&mut self, out: &mut String, ind: usize) {
        let c = self.cond(1);
        let (r, e) = (self.expr(2), self.expr(1));
        let n = self.fresh("v");
        Self::line(
            out,
            ind,
            &format!(
                "let {n}: {FLT} = match {c} {{ true => return {}, false => {} }};",
                r.s, e.s
            ),
        );
        self.returned = true;
        self.declare(&n, VarKind::Float(e.iv), false);
    }

    fn some_mut(&mut self, ctx: Ctx, out: &mut String, ind: usize) -> String {
        let ms: Vec<String> = self
            .floats(|v, _| v.mutable)
            .into_iter()
            .map(|v| v.0)
            .collect();
        if ms.is_empty() || self.rng.chance(0.2) {
            return self.let_stmt(ctx, true, out, ind);
        }
        self.rng.pick(&ms).clone()
    }

    /// An update of a mutable float `acc`, bounded so that loops keep it finite.
    fn update(&mut self, acc: &str, ctx: Ctx, out: &mut String, ind: usize) {
        let e = self.expr(1 + ctx.depth.min(1));
        let e = self.wrap(e, (NOMINAL.0, NOMINAL.1));
        let s = match self.rng.below(7) {
            0 | 1 => format!("{acc} += {};", e.s),
            2 => format!("{acc} -= {};", e.s),
            3 if self.on("stmt:mul_assign") => {
                format!("{acc} *= 1.0 + 0.1 * {};", self.tanh_ex(e.clone()))
            }
            // The remainder in place, by a divisor at least 1.5 (the value stays within the
            // accumulator's own magnitude).
            4 if self.on("stmt:rem_assign") && self.rng.chance(0.15) => {
                format!("{acc} %= {} * {} + 1.5;", paren(&e.s), paren(&e.s))
            }
            4 if self.on("stmt:div_assign") => {
                format!("{acc} /= {} * {} + 1.0;", paren(&e.s), paren(&e.s))
            }
            5 => {
                let r = Ex::new(
                    format!("{acc} * 0.5 + {}", paren(&e.s)),
                    true,
                    e.iv.union(NOMINAL),
                );
                let acc_act = self.floats(|v, iv| v.name == acc && iv.2).len() == 1;
                let r = if acc_act {
                    Ex {
                        iv: r.iv.union(Iv(0.0, 0.0, true)),
                        ..r
                    }
                } else {
                    r
                };
                format!("{acc} = {} * 10.0;", self.tanh_ex(r))
            }
            _ => format!("{acc} = {acc} + {};", e.s),
        };
        Self::line(out, ind, &s);
    }

    fn stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        self.budget -= 1;
        let nested = ctx.depth < 3;
        // let, let mut, shadow, update, if, for, while, buffer, block, assert, let-sum,
        // late init, break/continue, early return, cfg, match statement, match expression, loop,
        // loop with break value, tuple let, closure, range reduction, shared reference, item in
        // the body, `if let` / binding `match` arm on constant data, buffer living across the
        // iterations of a loop, labeled jump out of a nested loop, tuple computed by a branch or
        // held in a local, panic on a path not taken, `&mut` local, `std::mem::swap`, labeled
        // `break` with a value, a read of rows, slice patterns and `first`/`last`/`get`, buffers
        // made by `vec![x; n]` and `vec![vec![0.0; c]; r]`, closures called in closures, a state
        // carried across iterations by `h = h_new`, `vec![a, b, c]` lists, `x[a..b].to_vec()`,
        // a read of a model's layers, `return` inside a loop, a vector filled by `push`, a call
        // of a vector-valued helper, data filled in loops or range forms, a worklist, closures
        // with state or patterns, searches of data and matrices of a constant size, iterator
        // stages that drop, stop or carry state (`filter_map`, `scan`, ..) and accessor closures
        let w = [
            5, 3, 2, 6, 3, 4, 1, 1, 1, 1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1,
            1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
        ];
        let i = self.rng.weighted(&w);
        match i {
            0 => {
                self.let_stmt(ctx, false, out, ind);
            }
            1 => {
                self.let_stmt(ctx, true, out, ind);
            }
            // A shadowing `let` in an `if` that may also `return` leaks out of it (pending).
            2 if self.on("stmt:shadow")
                && (!(ctx.top && ctx.depth > 0) || self.on("stmt:shadow_in_returning_if")) =>
            {
                // Not a mutable one: an enclosing loop may still assign to it.
                let fs = self.floats(|v, _| !v.mutable && self.may_shadow(&v.name));
                if fs.is_empty() {
                    return;
                }
                let (n, iv) = self.rng.pick(&fs).clone();
                let e = self.expr(1);
                let s = format!("let {n} = {n} * 0.5 + {};", paren(&e.s));
                Self::line(out, ind, &s);
                let niv = iv.mul(Iv::pt(0.5)).add(e.iv);
                self.declare(&n, VarKind::Float(niv), false);
            }
            3 => {
                let acc = self.some_mut(ctx, out, ind);
                self.update(&acc, ctx, out, ind);
            }
            4 if nested => self.if_stmt(ctx, out, ind),
            5 if nested && ctx.loops < 2 => self.for_stmt(ctx, out, ind),
            6 if nested && ctx.loops < 2 && self.on("stmt:while") => self.while_stmt(ctx, out, ind),
            7 if ctx.loops == 0
                && self.on("stmt:buffer")
                && (!self.returned || self.on("stmt:buffer_after_return")) =>
            {
                self.buffer(ctx, out, ind)
            }
            25 if ctx.loops == 0
                && self.on("stmt:buffer_across_iterations")
                && (!self.returned || self.on("stmt:buffer_after_return")) =>
            {
                self.buffer_across_iterations(out, ind);
            }
            26 if nested && ctx.loops == 0 && self.on("stmt:labeled") => {
                self.labeled_loops(ctx, out, ind);
            }
            27 if nested && self.on("stmt:tuple_value") => self.tuple_value(out, ind),
            28 if self.on("stmt:panic_path") => self.panic_path(out, ind),
            29 if self.on("stmt:mut_ref") => {
                // The value is computed before the borrow: it may read `acc`.
                let acc = self.some_mut(ctx, out, ind);
                let (r, t) = (self.fresh("r"), self.fresh("rv"));
                let e = self.wrapped(1, (NOMINAL.0, NOMINAL.1));
                Self::line(out, ind, "{");
                Self::line(out, ind + 1, &format!("let {t}: {FLT} = {};", e.s));
                Self::line(out, ind + 1, &format!("let {r} = &mut {acc};"));
                let upd = if self.rng.chance(0.5) {
                    format!("*{r} += {t};")
                } else {
                    format!("*{r} = *{r} * 0.5 + {t};")
                };
                Self::line(out, ind + 1, &upd);
                Self::line(out, ind, "}");
            }
            30 if self.on("stmt:swap") => self.swap_stmt(ctx, out, ind),
            32 if self.on("stmt:rows") => self.rows_stmt(ctx, out, ind),
            33 if self.on("stmt:slice_pattern") => self.slice_pattern(ctx, out, ind),
            34 if ctx.loops == 0 && self.on("stmt:vec_forms") => self.vec_forms(out, ind),
            35 if self.on("stmt:closure_in_closure") => self.closure_in_closure(out, ind),
            36 if ctx.loops == 0
                && self.on("stmt:carry")
                && (!self.returned || self.on("stmt:buffer_after_return")) =>
            {
                self.carry(out, ind)
            }
            37 if self.on("stmt:vec_list") => self.vec_list(ctx, out, ind),
            38 if self.on("stmt:range_to_vec") => self.range_to_vec(ctx, out, ind),
            41 if self.on("stmt:push") => self.push_stmt(ctx, out, ind),
            42 if self.on("stmt:vector_call") => self.vector_call_stmt(ctx, out, ind),
            43 if self.on("stmt:data_push_loop") && self.rng.chance(0.35) => {
                self.data_push_loop(out, ind);
            }
            43 if self.on("stmt:range_forms") => self.range_forms(out, ind),
            44 if self.on("stmt:worklist") => self.worklist(out, ind),
            45 if self.on("stmt:unseen_args") && self.rng.chance(0.3) => {
                self.unseen_args(out, ind);
            }
            45 if self.on("stmt:closure_forms") => self.closure_forms(out, ind),
            46 if self.on("stmt:stage_forms") => self.stage_forms(out, ind),
            47 if self.on("stmt:idioms") => self.idiom_forms(ctx, out, ind),
            48 if ctx.loops == 0 && self.on("stmt:draw") => self.draw_stmt(ctx, out, ind),
            39 if self.on("stmt:layers") => self.layers_stmt(ctx, out, ind),
            31 if nested && ctx.loops < 2 && self.on("stmt:labeled_value") => {
                self.labeled_value(ctx, out, ind);
            }
            8 if nested && self.on("stmt:block") => {
                Self::line(out, ind, "{");
                self.frames.push(vec![]);
                let inner = Ctx {
                    depth: ctx.depth + 1,
                    top: false,
                    brk: false,
                    ..ctx
                };
                let n = 1 + self.rng.below(3);
                self.block(inner, n, out, ind + 1);
                let acc = self.some_mut(inner, out, ind + 1);
                self.update(&acc, inner, out, ind + 1);
                self.frames.pop();
                Self::line(out, ind, "}");
            }
            9 if self.on("stmt:print") && self.rng.chance(0.3) => {
                // Output of a value, on a path the point never takes (the values are bounded):
                // kept as an effect of the forward sweep, which reads the value.
                let fs = self.floats(|_, _| true);
                let Some((v, _)) = fs.first().cloned() else {
                    return;
                };
                let s = match self.rng.below(3) {
                    0 => format!("println!(\"{{}}\", {v});"),
                    // (Not a capture `{v}` inside the string: model renderings rename `v`.)
                    1 => format!("eprintln!(\"{{:.3}}\", {v});"),
                    _ => format!("dbg!({v});"),
                };
                Self::line(out, ind, &format!("if {v} > 1.0e30 {{ {s} }}"));
            }
            9 if self.on("stmt:assert") => {
                let ints = self.ints();
                let s = match ints.first() {
                    Some((n, _, "i32")) if self.may_shadow(n) => {
                        format!("assert!({n} > -100, \"{n} is small\");")
                    }
                    Some((n, _, _)) => format!("debug_assert!({n} < 1000);"),
                    None => match self.slices().first() {
                        Some((xs, _)) => format!("assert!(!{xs}.is_empty());"),
                        None => "assert!(1 + 1 == 2);".into(),
                    },
                };
                Self::line(out, ind, &s);
            }
            10 if self.on("stmt:pieces_loop") && self.rng.chance(0.3) => {
                // A `for` over pieces paired with a slice, with pieces, or with their number.
                let sl = self.slices();
                if sl.is_empty() {
                    return;
                }
                let (xs, _) = self.rng.pick(&sl).clone();
                let (ys, _) = self.rng.pick(&sl).clone();
                if !self.layer_ok(&xs, "layers:w_windows")
                    || !self.layer_ok(&ys, "layers:w_windows")
                {
                    return;
                }
                let (n, p, q) = (self.fresh("s"), self.fresh("p"), self.fresh("q"));
                let (head, term) = match self.rng.below(4) {
                    0 => (
                        format!("for ({p}, {q}) in {xs}.chunks(2).zip({ys})"),
                        format!("{FLT}::tanh(*{q}) * 0.25"),
                    ),
                    1 => (
                        format!("for ({p}, {q}) in {xs}.chunks(2).zip({ys}.chunks_exact(2))"),
                        format!("{FLT}::tanh({q}[0] * {q}[1]) * 0.25"),
                    ),
                    2 => (
                        format!("for ({q}, {p}) in {xs}.windows(2).enumerate()"),
                        format!("{q} as {FLT} * 0.05"),
                    ),
                    // The pieces last first.
                    _ => (
                        format!(
                            "for {p} in {xs}.{}.rev()",
                            self.rng
                                .pick(&["windows(2)", "chunks(2)", "chunks_exact(2)"])
                        ),
                        "0.0".to_string(),
                    ),
                };
                Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                Self::line(
                    out,
                    ind,
                    &format!("{head} {{ {n} += {FLT}::tanh({p}[0] * {p}[{p}.len() - 1]) * 0.5 + {term}; }}"),
                );
                // At most 6 pieces of at most 0.75 each.
                self.declare(&n, VarKind::Float(Iv(-4.5, 4.5, true)), true);
            }
            10 if self.on("stmt:for_each") && self.rng.chance(0.3) => {
                // A closure run for each element, adding to an accumulator it captures.
                let sl = self.slices();
                if sl.is_empty() {
                    return;
                }
                let (xs, _) = self.rng.pick(&sl).clone();
                let acc = self.some_mut(ctx, out, ind);
                let v = self.fresh("v");
                let e = self.wrapped(1, (-2.0, 2.0));
                Self::line(
                    out,
                    ind,
                    &format!(
                        "{xs}.iter().for_each(|&{v}| {acc} += {FLT}::tanh({v} * {}) * 0.5);",
                        paren(&e.s)
                    ),
                );
            }
            10 if self.on("stmt:shadow_copy") && self.rng.chance(0.2) => {
                // A slice's name declared again, in a block, for a copy or a part of itself.
                let sl = self.slices();
                // (Not a name a model's rendering turns into a field.)
                let Some((xs, iv)) = sl
                    .iter()
                    .find(|(x, _)| {
                        x.chars().all(|c| c.is_alphanumeric() || c == '_') && self.may_shadow(x)
                    })
                    .cloned()
                else {
                    return;
                };
                if !self.layer_ok(&xs, "layers:w_subslice") {
                    return;
                }
                let n = self.fresh("v");
                let copy = match self.rng.below(4) {
                    0 => format!("{xs}.to_vec()"),
                    1 => format!("&{xs}[{xs}.len() / 2..]"),
                    2 => format!("{xs}.iter().map(|t| t * 0.5).collect::<Vec<{FLT}>>()"),
                    _ => format!("{xs}.to_owned()"),
                };
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {n}: {FLT} = {{ let {xs} = {copy}; {xs}[0] * 0.5 + {xs}[{xs}.len() - 1] }};"
                    ),
                );
                self.declare(&n, VarKind::Float(iv.mul(Iv(-1.5, 1.5, false))), false);
            }
            10 if self.on("stmt:let_sum") => {
                let sl = self.slices();
                if sl.is_empty() {
                    return;
                }
                let (xs, iv) = self.rng.pick(&sl).clone();
                let n = self.fresh("s");
                Self::line(out, ind, &format!("let {n}: {FLT} = {xs}.iter().sum();"));
                self.declare(&n, VarKind::Float(iv.mul(Iv(0.0, 6.0, false))), false);
            }
            11 if nested
                && ctx.loops < 2
                && self.on("stmt:late_init_loop")
                && self.rng.chance(0.3) =>
            {
                self.late_init_loop(ctx, out, ind);
            }
            11 if nested && self.on("stmt:late_init") => {
                let n = self.fresh("l");
                Self::line(out, ind, &format!("let {n}: {FLT};"));
                let c = self.cond(1);
                let a = self.branch_unless(1, "stmt:late_init_const");
                let mut b = self.branch_unless(1, "stmt:late_init_const");
                for _ in 0..5 {
                    if norm(&b.s) != norm(&a.s) || self.on("stmt:late_init_same") {
                        break;
                    }
                    b = self.branch_unless(1, "stmt:late_init_const");
                }
                if norm(&b.s) == norm(&a.s) && !self.on("stmt:late_init_same") {
                    b = Ex::new(format!("{} + 0.5", a.s), a.typed, a.iv.add(Iv::pt(0.5)));
                }
                Self::line(
                    out,
                    ind,
                    &format!("if {c} {{ {n} = {}; }} else {{ {n} = {}; }}", a.s, b.s),
                );
                self.declare(&n, VarKind::Float(a.iv.union(b.iv)), false);
            }
            // `return` from inside a loop (at any depth, also in a `match` arm there): the
            // rest of the function is skipped on that path.
            40 if ctx.brk
                && ctx.ret
                && ctx.loops > 0
                && self.on("stmt:block_return")
                && self.rng.chance(0.3) =>
            {
                self.block_return(out, ind);
            }
            40 if ctx.brk && ctx.ret && ctx.loops > 0 && self.on("stmt:return_in_loop") => {
                let c = self.cond(1);
                let e = self.expr(2);
                Self::line(out, ind, &format!("if {c} {{"));
                Self::line(out, ind + 1, &format!("return {};", e.s));
                Self::line(out, ind, "}");
                self.returned = true;
            }
            12 if ctx.brk && self.on("stmt:block_jump_value") && self.rng.chance(0.2) => {
                let (t, e, c) = (self.fresh("t"), self.expr(1), self.cond(1));
                let jump = if self.rng.chance(0.5) {
                    "break;"
                } else {
                    "continue;"
                };
                self.block_jump_value(out, ind, (&t, &e), &c, jump);
            }
            12 if ctx.brk && self.on("stmt:leaving_block") && self.rng.chance(0.3) => {
                self.leaving_block(ctx, out, ind);
            }
            12 if ctx.brk && self.on("stmt:break_continue") => {
                let c = self.cond(1);
                let k = if self.rng.chance(0.5) {
                    "break"
                } else {
                    "continue"
                };
                Self::line(out, ind, &format!("if {c} {{"));
                if self.rng.chance(0.4) {
                    self.frames.push(vec![]);
                    let acc = self.some_mut(ctx, out, ind + 1);
                    self.update(&acc, ctx, out, ind + 1);
                    self.frames.pop();
                }
                Self::line(out, ind + 1, &format!("{k};"));
                Self::line(out, ind, "}");
            }
            13 if ctx.top
                && ctx.loops == 0
                && self.on("stmt:block_return")
                && self.rng.chance(0.3) =>
            {
                self.block_return(out, ind);
            }
            13 if ctx.top && ctx.loops == 0 && self.on("stmt:early_return") => {
                let c = self.cond(1);
                let e = self.expr(2);
                if self.rng.chance(0.3) && self.on("stmt:let_else") {
                    // The same exit as `let … else` on constant data.
                    let (o, n) = (self.fresh("o"), self.fresh("n"));
                    let s =
                        format!("let {o}: Option<usize> = if {c} {{ None }} else {{ Some(2) }};");
                    Self::line(out, ind, &s);
                    let s = format!("let Some({n}) = {o} else {{ return {}; }};", e.s);
                    Self::line(out, ind, &s);
                    self.returned = true;
                    self.declare(
                        &n,
                        VarKind::Int {
                            index_for: None,
                            ty: "usize",
                        },
                        false,
                    );
                } else {
                    Self::line(out, ind, &format!("if {c} {{"));
                    Self::line(out, ind + 1, &format!("return {};", e.s));
                    self.returned = true;
                    Self::line(out, ind, "}");
                }
            }
            14 if self.on("stmt:cfg") => {
                // rustc accepts attributes on `let` statements only (on an expression statement they
                // are unstable); a `cfg(any())` one disappears, with its variable.
                let e = self.expr(1);
                let n = self.fresh("c");
                let keep = self.rng.chance(0.5);
                Self::line(
                    out,
                    ind,
                    if keep {
                        "#[cfg(all())]"
                    } else {
                        "#[cfg(any())]"
                    },
                );
                Self::line(out, ind, &format!("let {n}: {FLT} = {};", e.s));
                if keep {
                    self.declare(&n, VarKind::Float(e.iv), false);
                }
            }
            15 if nested && self.on("stmt:match") => self.match_stmt(ctx, out, ind),
            16 if self.on("expr:match") => self.match_let(out, ind),
            17 if nested && ctx.loops < 2 && self.on("stmt:loop") => self.loop_stmt(ctx, out, ind),
            18 if ctx.loops < 2 && self.on("stmt:loop_break_value") => {
                self.loop_value(ctx, out, ind)
            }
            21 if self.on("call:generic_plain_helper") && self.rng.chance(0.1) => {
                self.generic_helper_stmt(out, ind);
            }
            21 if self.on("stmt:nested_recursive_fn") && self.rng.chance(0.1) => {
                self.nested_recursive_fn(out, ind);
            }
            21 if self.on("stmt:nested_generic_fn") && self.rng.chance(0.1) => {
                self.nested_generic_fn(out, ind);
            }
            21 if self.on("stmt:local_named_as_helper") && self.rng.chance(0.1) => {
                self.local_named_as_helper(out, ind);
            }
            21 if self.on("expr:slice_search") && self.rng.chance(0.15) => {
                self.slice_search_stmt(out, ind);
            }
            21 if self.on("call:option_helper") && self.rng.chance(0.15) => {
                self.option_helper_stmt(out, ind);
            }
            19 if self.on("stmt:block_cond_jump") && self.rng.chance(0.15) => {
                self.block_cond_jump(ctx, out, ind);
            }
            19 if self.on("stmt:block_operand") && self.rng.chance(0.2) => {
                self.block_operand(ctx, out, ind);
            }
            19 if self.on("stmt:ref_local") && self.rng.chance(0.2) => self.ref_local(out, ind),
            20 if self.on("stmt:swapped_names") && self.rng.chance(0.2) => {
                self.swapped_names(out, ind);
            }
            20 if self.on("stmt:destructure") && self.rng.chance(0.2) => {
                self.destructure(out, ind);
            }
            21 if self.on("expr:range_reduction") && self.rng.chance(0.1) => {
                self.range_reduction(out, ind);
            }
            21 if self.on("stmt:buffer_forms") && self.rng.chance(0.12) => {
                self.buffer_forms(out, ind);
            }
            21 if self.on("stmt:resized")
                && (!self.returned || self.on("stmt:buffer_after_return"))
                && self.rng.chance(0.3) =>
            {
                self.resized(out, ind);
            }
            21 if self.on("stmt:scoped_items") && self.rng.chance(0.15) => {
                self.scoped_items(out, ind);
            }
            21 if self.on("stmt:view_shadow") && self.rng.chance(0.2) => self.view_shadow(out, ind),
            21 if self.on("stmt:upper_bind") && self.rng.chance(0.15) => self.upper_bind(out, ind),
            21 if self.on("stmt:mut_ref_helper") && self.rng.chance(0.2) => {
                self.mut_ref_helper(ctx, out, ind);
            }
            21 if self.on("stmt:matrix_rows") && self.rng.chance(0.2) => {
                self.matrix_rows(ctx, out, ind);
            }
            21 if self.on("stmt:fn_then_closure") && self.rng.chance(0.15) => {
                self.fn_then_closure(out, ind);
            }
            21 if self.on("stmt:closure_named_again") && self.rng.chance(0.15) => {
                self.closure_named_again(out, ind);
            }
            21 if self.on("stmt:chosen_ref") && self.rng.chance(0.15) => self.chosen_ref(out, ind),
            21 if self.on("stmt:array_helper") && self.rng.chance(0.15) => {
                self.array_helper(out, ind);
            }
            21 if self.on("stmt:untyped_int") && self.rng.chance(0.15) => {
                self.untyped_int(out, ind)
            }
            21 if self.on("stmt:mut_slice_helper") && self.rng.chance(0.15) => {
                self.mut_slice_helper(out, ind);
            }
            21 if self.on("stmt:argmax") && self.rng.chance(0.2) => self.argmax(out, ind),
            21 if self.on("stmt:option_local") && self.rng.chance(0.2) => {
                self.option_local(ctx, out, ind);
            }
            21 if self.on("stmt:search") && self.rng.chance(0.2) => self.search(out, ind),
            23 if self.on("stmt:copy_part") && self.rng.chance(0.2) => self.copy_part(out, ind),
            23 if self.on("stmt:data_method") && self.rng.chance(0.5) => {
                self.data_method(ctx, out, ind);
            }
            23 if self.on("stmt:argmax") && self.rng.chance(0.3) => self.argmax(out, ind),
            23 if self.on("stmt:filter_collect") && self.rng.chance(0.7) => {
                self.filter_collect(out, ind);
            }
            23 if self.on("stmt:data_local") && self.rng.chance(0.7) => {
                self.data_local(out, ind);
            }
            23 if self.on("stmt:sorted_rows") && self.rng.chance(0.5) => {
                self.sorted_rows(out, ind);
            }
            23 if self.on("stmt:struct_rows") && self.rng.chance(0.5) => {
                self.struct_rows(out, ind);
            }
            24 if self.on("stmt:match_tuple") && self.rng.chance(0.2) => {
                let (c1, c2) = (self.cond(1), self.cond(1));
                let (e1, e2, e3) = (self.expr(1), self.expr(1), self.expr(1));
                let n = self.fresh("v");
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {n}: {FLT} = match ({c1}, {c2}) {{ (true, true) => {}, (true, false) => {}, (false, _) => {} }};",
                        e1.s, e2.s, e3.s
                    ),
                );
                self.declare(&n, VarKind::Float(e1.iv.union(e2.iv).union(e3.iv)), false);
            }
            24 if self.on("stmt:ordering_match") && self.rng.chance(0.15) => {
                // A `match` on the `Ordering` of two differentiated values.
                let (a, b) = (self.expr(1), self.expr(1));
                // A literal receiver typed (`(1.5).total_cmp(..)` is of no known float type).
                let a = self.typed(a);
                let (e1, e2, e3) = (self.expr(1), self.expr(1), self.expr(1));
                let n = self.fresh("v");
                let (m, arg) = if self.rng.chance(0.5) {
                    ("partial_cmp", "Some(std::cmp::Ordering::Less)")
                } else {
                    ("total_cmp", "std::cmp::Ordering::Less")
                };
                let greater = arg.replace("Less", "Greater");
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {n}: {FLT} = match ({}).{m}(&({})) {{ {arg} => {}, {greater} => {}, _ => {} }};",
                        a.s, b.s, e1.s, e2.s, e3.s
                    ),
                );
                self.declare(&n, VarKind::Float(e1.iv.union(e2.iv).union(e3.iv)), false);
            }
            24 if self.on("stmt:match_tuple_binding") && self.rng.chance(0.2) => {
                // A tuple scrutinee with a float part the arms bind (by name, `mut`, under a
                // guard that reads it) beside a part they test.
                let c1 = self.cond(1);
                let f = self.wrapped(1, (-2.0, 2.0));
                let (e1, e2) = (self.expr(1), self.expr(1));
                let (n, b) = (self.fresh("v"), self.fresh("b"));
                let o = self.rng.below(2) == 0;
                let opt = if o {
                    format!("if {c1} {{ Some(2usize) }} else {{ None }}")
                } else {
                    c1.clone()
                };
                let (first, second) = if o {
                    ("Some(i)", "None")
                } else {
                    ("true", "false")
                };
                let scale = if o {
                    format!(" * i as {FLT}")
                } else {
                    String::new()
                };
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {n}: {FLT} = match ({opt}, {}) {{ ({first}, {b}) => {b} * {}{scale}, ({second}, {b}) if {b} > 0.25 => {FLT}::tanh({b}) + {}, (_, mut {b}) => {{ {b} *= 0.5; {b} }} }};",
                        f.s, paren(&e1.s), paren(&e2.s)
                    ),
                );
                let iv =
                    f.iv.mul(e1.iv)
                        .mul(Iv(1.0, 2.0, true))
                        .union(e2.iv.add(Iv(-1.0, 1.0, true)))
                        .union(f.iv);
                self.declare(&n, VarKind::Float(iv), false);
            }
            24 if self.on("stmt:map_map") && self.rng.chance(0.2) => {
                // Two `map` stages; the first's parameter takes the name of a float in scope,
                // which the second reads (the outer one).
                let sl = self.slices();
                let outer: Vec<(String, Iv)> =
                    self.floats(|v, _| !v.param && self.may_shadow(&v.name));
                if sl.is_empty() || outer.is_empty() {
                    return;
                }
                let (xs, _) = self.rng.pick(&sl).clone();
                let (o, _) = self.rng.pick(&outer).clone();
                let n = self.fresh("v");
                // The first stage over pairs (`enumerate`, `zip`) takes a tuple pattern.
                let first = match self.rng.below(3) {
                    0 => format!("{xs}.iter().map(|&{o}| {o} * 0.5)"),
                    1 => format!(
                        "{xs}.iter().enumerate().map(|(i, {o})| {o} * 0.5 + i as {FLT} * 0.1)"
                    ),
                    _ => {
                        let (ys, _) = self.rng.pick(&sl).clone();
                        format!("{xs}.iter().zip({ys}.iter()).map(|({o}, b)| {o} * 0.5 - b * 0.25)")
                    }
                };
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {n}: {FLT} = {first}.map(|t| {FLT}::tanh(t + {o})).sum::<{FLT}>();"
                    ),
                );
                self.declare(&n, VarKind::Float(Iv(-8.0, 8.0, true)), false);
            }
            24 if self.on("stmt:free_zip") && self.rng.chance(0.2) => {
                let sl = self.slices();
                if sl.len() < 2 {
                    return;
                }
                let ((xs, _), (ys, _)) = (sl[0].clone(), sl[1].clone());
                let n = self.fresh("v");
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {n}: {FLT} = std::iter::zip({xs}, {ys}).map(|(a, b)| {FLT}::tanh(a * b)).sum::<{FLT}>();"
                    ),
                );
                self.declare(&n, VarKind::Float(Iv(-8.0, 8.0, true)), false);
            }
            23 if self.on("stmt:while_let") && self.rng.chance(0.2) => {
                let sl = self.slices();
                if sl.is_empty() {
                    return;
                }
                let (xs, _) = self.rng.pick(&sl).clone();
                let acc = self.some_mut(ctx, out, ind);
                let (k, v) = (self.fresh("k"), self.fresh("v"));
                Self::line(out, ind, &format!("let mut {k}: usize = 0;"));
                Self::nested(
                    out,
                    ind,
                    &format!("while let Some(&{v}) = {xs}.get({k})"),
                    &format!("{acc} += {FLT}::tanh({v}) * 0.5; {k} += 1;"),
                );
            }
            23 if self.on("stmt:matrix_names") && self.rng.chance(0.2) => {
                self.matrix_names(out, ind);
            }
            13 if ctx.top
                && ctx.loops == 0
                && self.on("stmt:return_match_let")
                && self.rng.chance(0.2) =>
            {
                self.return_match_let(out, ind);
            }
            19 if self.on("stmt:struct_local") && self.rng.chance(0.3) => {
                self.struct_local(out, ind);
            }
            19 if self.on("stmt:tuple_let") => self.tuple_let(out, ind),
            20 if self.on("stmt:closure") => self.closure_stmt(out, ind),
            21 if self.on("expr:range_reduction") => self.range_reduction(out, ind),
            23 if self.on("stmt:fn_item") && self.rng.chance(0.4) => self.fn_item(out, ind),
            23 if self.on("stmt:fn_pointer") && self.rng.chance(0.2) => self.fn_pointer(out, ind),
            23 if self.on("stmt:array_copy") && self.rng.chance(0.25) => self.array_copy(out, ind),
            23 if self.on("stmt:views") && self.rng.chance(0.25) => self.view_writes(out, ind),
            23 if self.on("stmt:listed_loop") && self.rng.chance(0.2) => {
                self.listed_loop(out, ind);
            }
            23 if self.on("stmt:iter_element") && self.rng.chance(0.25) => {
                self.iter_element(out, ind);
            }
            23 if self.on("stmt:option_reduction") && self.rng.chance(0.25) => {
                self.option_reduction(out, ind);
            }
            23 if self.on("stmt:item") => {
                let c = self.fresh("K").to_uppercase();
                let v = self.value_in((-2.0, 2.0));
                Self::line(out, ind, &format!("const {c}: {FLT} = {};", fmt_float(v)));
                let n = self.fresh("v");
                let e = self.expr(1);
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {c} * {};", paren(&e.s)),
                );
                self.declare(
                    &n,
                    VarKind::Float(e.iv.mul(Iv::pt(2.0)).union(e.iv.mul(Iv::pt(-2.0)))),
                    false,
                );
            }
            24 if self.on("stmt:if_let") => {
                // An `Option` of constant data, read by `if let` or by a `match` arm that binds.
                let acc = self.some_mut(ctx, out, ind);
                let o = self.fresh("o");
                let (c, v) = (self.cond(1), self.value_in((-2.0, 2.0)));
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {o}: Option<{FLT}> = if {c} {{ Some({}) }} else {{ None }};",
                        fmt_float(v)
                    ),
                );
                let e = self.expr(1);
                let e = self.wrap(e, UNIT);
                // Sometimes the binding takes the name of a float in scope (not the accumulator),
                // which the arm then reads as the binding, and the code after as before.
                let shadowed: Vec<String> = self
                    .floats(|v, _| v.name != acc && !v.param && self.may_shadow(&v.name))
                    .into_iter()
                    .map(|(n, _)| n)
                    .collect();
                let w = if !shadowed.is_empty()
                    && self.on("stmt:if_let_shadow")
                    && self.rng.chance(0.3)
                {
                    self.rng.pick(&shadowed).clone()
                } else {
                    self.fresh("w")
                };
                if self.rng.chance(0.5) {
                    Self::line(
                        out,
                        ind,
                        &format!(
                            "if let Some({w}) = {o} {{ {acc} += {w} * {FLT}::tanh({}); }}",
                            e.s
                        ),
                    );
                } else {
                    let arms = self.opt_arms(
                        format!("Some({w}) => {acc} += {w} * {FLT}::tanh({})", e.s),
                        format!("None => {acc} *= 0.5"),
                    );
                    Self::line(out, ind, &format!("match {o} {{ {arms} }}"));
                }
            }
            22 if self.on("stmt:reference") => {
                let fs = self.floats(|_, _| true);
                if fs.is_empty() {
                    return;
                }
                let (v, iv) = self.rng.pick(&fs).clone();
                let (r, n) = (self.fresh("r"), self.fresh("v"));
                let e = self.expr(1);
                Self::line(out, ind, &format!("let {r} = &{v};"));
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = *{r} * 0.5 + {};", paren(&e.s)),
                );
                self.declare(&n, VarKind::Float(iv.mul(Iv::pt(0.5)).add(e.iv)), false);
            }
            _ => {
                let acc = self.some_mut(ctx, out, ind);
                self.update(&acc, ctx, out, ind);
            }
        }
    }

    /// The integer that selects `match` arms: `k % 4` of an integer in scope, or a literal.
    fn selector(&mut self) -> String {
        let ints = self.ints();
        if ints.is_empty() || self.rng.chance(0.1) {
            return format!("{}_usize % 4", self.rng.range(0, 5));
        }
        let (n, _, _) = self.rng.pick(&ints).clone();
        format!("{n} % 4")
    }

    /// `match k % 4 { 0 => { .. } 1 | 2 if c => { .. } 3 => acc *= .., _ => {} }`; arms may
    /// `break`/`continue` in a loop and `return` at the top.
    fn match_stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let acc = self.some_mut(ctx, out, ind);
        let sel = self.selector();
        let inner = Ctx {
            depth: ctx.depth + 1,
            ..ctx
        };
        Self::line(out, ind, &format!("match {sel} {{"));
        Self::line(out, ind + 1, "0 => {");
        self.frames.push(vec![]);
        self.update(&acc, inner, out, ind + 2);
        self.frames.pop();
        Self::line(out, ind + 1, "}");
        let guard = if self.rng.chance(0.5) {
            format!(" if {}", self.cond(1))
        } else {
            String::new()
        };
        Self::line(out, ind + 1, &format!("1 | 2{guard} => {{"));
        self.frames.push(vec![]);
        let k = self.rng.below(2);
        self.block(inner, k, out, ind + 2);
        self.update(&acc, inner, out, ind + 2);
        self.frames.pop();
        Self::line(out, ind + 1, "}");
        let third = match self.rng.below(4) {
            0 if ctx.brk => "break".to_string(),
            1 if ctx.brk => "continue".to_string(),
            2 if ctx.top && ctx.loops == 0 => {
                self.returned = true;
                format!("return {}", self.expr(1).s)
            }
            _ => format!("{acc} *= 0.5"),
        };
        Self::line(out, ind + 1, &format!("3 => {third},"));
        Self::line(out, ind + 1, "_ => {}");
        Self::line(out, ind, "}");
    }

    /// `let v: T = match sel { 0 => a, 1 | 2 => b, _ => c };`, or over a condition's `bool`.
    fn match_let(&mut self, out: &mut String, ind: usize) {
        let n = self.fresh("m");
        let (a, b, c) = (self.expr(1), self.expr(1), self.expr(1));
        let s = if self.rng.chance(0.3) {
            let cond = self.cond(1);
            format!(
                "let {n}: {FLT} = match {cond} {{ true => {}, false => {} }};",
                a.s, b.s
            )
        } else {
            let sel = self.selector();
            format!(
                "let {n}: {FLT} = match {sel} {{ 0 => {}, 1 | 2 => {}, _ => {} }};",
                a.s, b.s, c.s
            )
        };
        Self::line(out, ind, &s);
        self.declare(&n, VarKind::Float(a.iv.union(b.iv).union(c.iv)), false);
    }

    /// `loop { j += 1; if j > lim { break; } .. }`: the check first, so `continue` ends too.
    fn loop_stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let acc = self.some_mut(ctx, out, ind);
        let j = self.fresh("j");
        let lim = self.rng.range(1, 4);
        Self::line(out, ind, &format!("let mut {j} = 0usize;"));
        Self::line(out, ind, "loop {");
        Self::line(out, ind + 1, &format!("{j} += 1;"));
        Self::line(out, ind + 1, &format!("if {j} > {lim} {{"));
        Self::line(out, ind + 2, "break;");
        Self::line(out, ind + 1, "}");
        self.frames.push(vec![]);
        self.loop_body(ctx, &acc, 3, out, ind);
    }

    /// `let v: T = loop { j += 1; if j >= lim { break e; } acc update };`.
    fn loop_value(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let acc = self.some_mut(ctx, out, ind);
        let j = self.fresh("j");
        let n = self.fresh("b");
        let lim = self.rng.range(1, 4);
        Self::line(out, ind, &format!("let mut {j} = 0usize;"));
        Self::line(out, ind, &format!("let {n}: {FLT} = loop {{"));
        Self::line(out, ind + 1, &format!("{j} += 1;"));
        let e = self.expr(1);
        let e = self.wrap(e, (NOMINAL.0, NOMINAL.1));
        Self::line(out, ind + 1, &format!("if {j} >= {lim} {{"));
        Self::line(out, ind + 2, &format!("break {} + {acc};", paren(&e.s)));
        Self::line(out, ind + 1, "}");
        let inner = Ctx {
            depth: ctx.depth + 1,
            loops: ctx.loops + 1,
            top: false,
            brk: false,
            ret: false,
        };
        self.frames.push(vec![]);
        self.update(&acc, inner, out, ind + 1);
        self.frames.pop();
        Self::line(out, ind, "};");
        self.declare(&n, VarKind::Float(e.iv.union(NOMINAL)), false);
    }

    /// `let (a, (b, _)) = (e1, (e2, e3));`, `let (a, b): (T, T) = ..`, `let (s, c) = e.sin_cos();`.
    /// A small struct declared in the body (generic over its float, so the generic rendering
    /// declares it too) as a local state: built, its fields updated, sometimes replaced whole,
    /// then read.
    fn struct_local(&mut self, out: &mut String, ind: usize) {
        if self.on("stmt:value_ops") && self.rng.chance(0.35) {
            self.value_ops_local(out, ind);
            return;
        }
        if self.on("stmt:loss_objects") && self.rng.chance(0.25) {
            self.loss_objects(out, ind);
            return;
        }
        if self.on("stmt:struct_methods") && self.rng.chance(0.4) {
            self.struct_local_methods(out, ind);
            return;
        }
        if self.on("stmt:tuple_structs") && self.rng.chance(0.3) {
            self.tuple_struct_local(out, ind);
            return;
        }
        let (ty, s, v) = (
            self.fresh("S").to_uppercase(),
            self.fresh("st"),
            self.fresh("v"),
        );
        let (e1, e2) = (self.expr(1), self.expr(1));
        let (e1, e2) = (self.wrap(e1, (-5.0, 5.0)), self.wrap(e2, (-5.0, 5.0)));
        Self::line(
            out,
            ind,
            &format!("#[derive(Clone, Copy)] struct {ty}<U> {{ pos: U, vel: U }}"),
        );
        Self::line(
            out,
            ind,
            &format!("let mut {s} = {ty} {{ pos: {}, vel: {} }};", e1.s, e2.s),
        );
        // |pos|, |vel| <= 5 throughout (field names the model renderings do not rewrite).
        Self::line(
            out,
            ind,
            &format!("{s}.pos = {s}.pos * 0.5 + {s}.vel * 0.25;"),
        );
        if self.rng.chance(0.5) {
            Self::line(
                out,
                ind,
                &format!("{s} = {ty} {{ pos: {s}.vel, vel: {s}.pos * 0.5 }};"),
            );
        }
        // The state kept before a step (`let prev = s;`, a copy), or captured by a `move`
        // closure, then the state written: each keeps what it held.
        let kept = if self.on("stmt:struct_copy") && self.rng.chance(0.4) {
            let p = self.fresh("prev");
            if self.rng.chance(0.5) {
                Self::line(out, ind, &format!("let {p} = {s};"));
                Some(format!("{p}.pos * 0.5"))
            } else {
                Self::line(out, ind, &format!("let {p} = move || {s}.pos * 0.5;"));
                Some(format!("{p}()"))
            }
        } else {
            None
        };
        Self::line(out, ind, &format!("{s}.vel *= 0.75;"));
        Self::line(out, ind, &format!("{s}.pos = {s}.vel * 0.5;"));
        let extra = kept.map(|k| format!(" + {k}")).unwrap_or_default();
        Self::line(
            out,
            ind,
            &format!("let {v}: {FLT} = {s}.pos + {s}.vel{extra};"),
        );
        let act = e1.iv.2 || e2.iv.2;
        self.declare(&v, VarKind::Float(Iv(-13.0, 13.0, act)), false);
    }

    /// A local of a struct of the module whose methods without `#[gradient]` read its fields
    /// (one calling another, one taking `self` by value), and a struct update `S { pos: .., ..s
    /// }`.
    fn struct_local_methods(&mut self, out: &mut String, ind: usize) {
        let (ty, s, q, v) = (
            {
                let n = self.fresh("s");
                format!("SM{}{n}_{FLT}", self.base)
            },
            self.fresh("st"),
            self.fresh("sq"),
            self.fresh("v"),
        );
        let _ = write!(
            self.items,
            "#[derive(Clone, Copy)]\nstruct {ty} {{\n    pos: {FLT},\n    vel: {FLT},\n}}\nimpl {ty} {{\n    fn energy(&self) -> {FLT} {{\n        self.pos * self.pos * 0.5 + {FLT}::tanh(self.vel)\n    }}\n    fn scaled(&self, k: {FLT}) -> {FLT} {{\n        let e = self.energy();\n        e * k + self.pos\n    }}\n    fn by_value(self) -> {FLT} {{\n        self.vel * 0.25\n    }}\n    fn dot(&self, o: &Self) -> {FLT} {{\n        self.pos * o.pos + self.vel * o.vel\n    }}\n    #[allow(dead_code)]\n    fn push(&mut self, v: {FLT}) {{\n        self.pos += v;\n        self.vel = self.vel * 0.5 + v;\n    }}\n}}\n"
        );
        let sl = self.slices();
        if !sl.is_empty() && self.on("stmt:struct_fold") && self.rng.chance(0.3) {
            // A fold whose accumulator is the struct's value, changed by its method and given
            // back: |.| <= 1 + 0.2.
            let (xs, xiv) = self.rng.pick(&sl).clone();
            let (f, a, t) = (self.fresh("sf"), self.fresh("sa"), self.fresh("t"));
            Self::line(
                out,
                ind,
                &format!("let {f} = {xs}.iter().fold({ty} {{ pos: 0.0, vel: 0.0 }}, |mut {a}, &{t}| {{ {a}.push({FLT}::tanh({t})); {a} }});"),
            );
            Self::line(
                out,
                ind,
                &format!("let {v}: {FLT} = {FLT}::tanh({f}.pos) + {f}.vel * 0.1;"),
            );
            self.declare(&v, VarKind::Float(Iv(-1.2, 1.2, xiv.2)), false);
            return;
        }
        let (e1, e2) = (self.expr(1), self.expr(1));
        let (e1, e2) = (self.wrap(e1, (-5.0, 5.0)), self.wrap(e2, (-5.0, 5.0)));
        Self::line(
            out,
            ind,
            &format!("let {s} = {ty} {{ pos: {}, vel: {} }};", e1.s, e2.s),
        );
        Self::line(
            out,
            ind,
            &format!("let {q} = {ty} {{ pos: {s}.vel * 0.5, ..{s} }};"),
        );
        // |energy| <= 13.5, |scaled| <= 13.5 * 0.75 + 2.5, |by_value| <= 1.25, |dot| <= 50.
        Self::line(
            out,
            ind,
            &format!(
                "let {v}: {FLT} = {s}.energy() * 0.1 + {q}.scaled(0.75) * 0.1 + {s}.by_value() + {s}.dot(&{q}) * 0.01 + {q}.dot(&{s}) * 0.01;"
            ),
        );
        let act = e1.iv.2 || e2.iv.2;
        self.declare(&v, VarKind::Float(Iv(-6.0, 6.0, act)), false);
    }

    /// A local of a tuple struct of the module (`struct P(f64, f64);`): built by its
    /// constructor, read by `.0`, through a method giving `Self(..)`, an operator and a helper
    /// that take and give it; and a newtype of one float.
    fn tuple_struct_local(&mut self, out: &mut String, ind: usize) {
        let n = self.fresh("tp");
        let (ty, nt, mid) = (
            format!("TP{}{n}_{FLT}", self.base),
            format!("TN{}{n}_{FLT}", self.base),
            format!("tp_mid{}{n}_{FLT}", self.base),
        );
        let _ = write!(
            self.items,
            "#[derive(Clone, Copy)]\n#[allow(non_camel_case_types)]\nstruct {ty}({FLT}, {FLT});\n#[derive(Clone, Copy)]\n#[allow(non_camel_case_types)]\nstruct {nt}({FLT});\nimpl {ty} {{\n    fn energy(&self) -> {FLT} {{\n        self.0 * self.0 * 0.5 + {FLT}::tanh(self.1)\n    }}\n    fn scaled(self, k: {FLT}) -> Self {{\n        Self(self.0 * k, self.1 * k)\n    }}\n}}\nimpl std::ops::Add for {ty} {{\n    type Output = {ty};\n    fn add(self, o: {ty}) -> {ty} {{\n        {ty}(self.0 + o.0, self.1 + o.1)\n    }}\n}}\n#[allow(non_snake_case)]\nfn {mid}(a: {ty}, b: {ty}) -> {ty} {{\n    {ty}((a.0 + b.0) * 0.5, (a.1 + b.1) * 0.5)\n}}\n"
        );
        let (s, q, w, v) = (
            self.fresh("ts"),
            self.fresh("tq"),
            self.fresh("tw"),
            self.fresh("v"),
        );
        let (e1, e2) = (self.expr(1), self.expr(1));
        let (e1, e2) = (self.wrap(e1, (-5.0, 5.0)), self.wrap(e2, (-5.0, 5.0)));
        Self::line(out, ind, &format!("let {s} = {ty}({}, {});", e1.s, e2.s));
        Self::line(
            out,
            ind,
            &format!("let {q} = {s}.scaled(0.5) + {ty}({s}.1, 0.25);"),
        );
        Self::line(
            out,
            ind,
            &format!("let {w} = {nt}({mid}({s}, {q}).0 * 0.5);"),
        );
        // Also (sometimes) a state a loop carries, read in its condition; a closure taking one;
        // data of the type iterated (a constant array); a method's call as an argument.
        let extra = match self.rng.below(4) {
            0 => {
                let z = self.fresh("tz");
                Self::line(out, ind, &format!("let mut {z} = {s};"));
                Self::line(
                    out,
                    ind,
                    &format!("for _ in 0..3 {{ {z} = {z}.scaled(0.5) + {ty}(0.1, {z}.0 * 0.25); if {z}.0 > 1.0 {{ {z} = {ty}(1.0, {z}.1); }} }}"),
                );
                format!(" + {z}.1 * 0.1")
            }
            1 => {
                // (Fresh names: a model's body has fields named like short locals.)
                let (f, p, k) = (self.fresh("tf"), self.fresh("tp"), self.fresh("tk"));
                Self::line(
                    out,
                    ind,
                    &format!("let {f} = |{p}: {ty}, {k}: {FLT}| {p}.scaled({k}).energy();"),
                );
                format!(" + {f}({q}, 0.5) * 0.05")
            }
            2 => {
                let (arr, p) = (format!("TA{}{n}_{FLT}", self.base), self.fresh("tp"));
                let _ = write!(
                    self.items,
                    "#[allow(non_upper_case_globals)]\nconst {arr}: [{ty}; 2] = [{ty}(0.5, -0.25), {ty}(-1.0, 0.75)];\n"
                );
                format!(" + {arr}.iter().map(|{p}| {p}.0 * {s}.1 * 0.05 + ({p}.1 + {s}.0).tanh() * 0.1).sum::<{FLT}>()")
            }
            _ => format!(" + {FLT}::tanh({mid}({q}, {s}).energy()) * 0.1"),
        };
        // Sometimes taken apart by a pattern, the names crossed (|parts| <= 5).
        let extra = if self.on("stmt:value_patterns") && self.rng.chance(0.3) {
            let (u, w2) = (self.fresh("tu"), self.fresh("tw"));
            Self::line(out, ind, &format!("let {ty}({u}, {w2}) = {q};"));
            Self::line(out, ind, &format!("let {ty}({w2}, {u}) = {ty}({u}, {w2});"));
            Self::line(
                out,
                ind,
                &format!("let {ty}({u}, ..) = {ty}({u} * 0.5, {w2});"),
            );
            format!("{extra} + {FLT}::tanh({u} * {w2}) * 0.1")
        } else {
            extra
        };
        // |energy| <= 13.5, |q.0| <= 5, |w.0| <= 2.5, |extra| <= 1.1.
        Self::line(
            out,
            ind,
            &format!("let {v}: {FLT} = {s}.energy() * 0.1 + {q}.0 * 0.1 + {w}.0 * 0.2{extra};"),
        );
        let act = e1.iv.2 || e2.iv.2;
        self.declare(&v, VarKind::Float(Iv(-4.2, 4.2, act)), false);
    }

    /// Losses as objects of a trait of the module, made in the body and called there: a unit
    /// struct (`let l = Mse;`) and one with a field (`let h = Huber { delta: 0.75 };`, a value
    /// type of one float), each `l.eval(pred, y)` on differentiated values.
    fn loss_objects(&mut self, out: &mut String, ind: usize) {
        let n = self.fresh("lo");
        let (tr, unit, huber) = (
            format!("LossTr{}{n}_{FLT}", self.base),
            format!("LossSq{}{n}_{FLT}", self.base),
            format!("LossHu{}{n}_{FLT}", self.base),
        );
        let _ = write!(
            self.items,
            "trait {tr} {{
    fn eval(&self, pred: {FLT}, y: {FLT}) -> {FLT};
}}
struct {unit};
impl {tr} for {unit} {{
    fn eval(&self, pred: {FLT}, y: {FLT}) -> {FLT} {{
        (pred - y) * (pred - y)
    }}
}}
struct {huber} {{
    delta: {FLT},
}}
impl {tr} for {huber} {{
    fn eval(&self, pred: {FLT}, y: {FLT}) -> {FLT} {{
        let r = (pred - y).abs();
        if r <= self.delta {{
            0.5 * r * r
        }} else {{
            self.delta * (r - 0.5 * self.delta)
        }}
    }}
}}
"
        );
        let (l, h, v) = (self.fresh("l"), self.fresh("h"), self.fresh("v"));
        let (e1, e2) = (self.expr(1), self.expr(1));
        let (e1, e2) = (self.wrap(e1, (-3.0, 3.0)), self.wrap(e2, (-3.0, 3.0)));
        Self::line(out, ind, &format!("let {l} = {unit};"));
        Self::line(out, ind, &format!("let {h} = {huber} {{ delta: 0.75 }};"));
        // |(e1 - 0.5)²| <= 12.25, huber <= 0.75 * 3.5: scaled by 0.1.
        Self::line(
            out,
            ind,
            &format!(
                "let {v}: {FLT} = {l}.eval({}, 0.5) * 0.1 + {h}.eval({}, -0.25) * 0.1;",
                e1.s, e2.s
            ),
        );
        let act = e1.iv.2 || e2.iv.2;
        self.declare(&v, VarKind::Float(Iv(0.0, 1.5, act)), false);
    }

    /// A small 2-D value type of the module with a constructor, methods (one taking `&mut
    /// self`, one returning the type, one taking `self` by value) and operators (`+`, `-`,
    /// `* FLT`, unary `-`, `+=` through `AddAssign`): locals of it built by the constructor, a
    /// literal, operators, an `if` and a block, updated in a loop, read through their fields in a
    /// condition, a closure, a call's argument and by `TYPE::dot(&a, &b)`.
    fn value_ops_local(&mut self, out: &mut String, ind: usize) {
        let ty = {
            let n = self.fresh("v");
            format!("VO{}{n}_{FLT}", self.base)
        };
        // Half the time generic over its float (`struct V<T>` with `impl<T: Float>`, methods
        // written with `T::one()` and `T::from(..)`), as numeric crates write one: the type of
        // its values is then `V<FLT>`.
        let generic = self.rng.chance(0.5);
        let tyu = if generic {
            format!("{ty}<{FLT}>")
        } else {
            ty.clone()
        };
        if generic {
            let _ = write!(
                self.items,
                "#[derive(Clone, Copy)]
struct {ty}<T> {{
    x: T,
    y: T,
}}
impl<T: num_traits::Float> {ty}<T> {{
    fn new(x: T, y: T) -> Self {{
        Self {{ x, y }}
    }}
    fn dot(&self, o: &Self) -> T {{
        self.x * o.x + self.y * o.y
    }}
    fn norm2(self) -> T {{
        self.dot(&self)
    }}
    fn scaled(&self, k: T) -> {ty}<T> {{
        {ty}::new(self.x * k, self.y * k)
    }}
    fn mix(&self, a: T, b: T) -> T {{
        self.x * a - b * b * T::from(0.25).unwrap()
    }}
    fn damp(&mut self, k: T) {{
        let n = self.norm2();
        let f = T::one() / (T::one() + k * n * T::from(0.01).unwrap());
        self.x = self.x * f;
        self.y = self.y * f;
    }}
}}
impl<T: num_traits::Float> std::ops::Add for {ty}<T> {{
    type Output = Self;
    fn add(self, o: Self) -> Self {{
        Self::new(self.x + o.x, self.y + o.y)
    }}
}}
impl<T: num_traits::Float> std::ops::Sub for {ty}<T> {{
    type Output = {ty}<T>;
    fn sub(self, o: {ty}<T>) -> Self::Output {{
        {ty} {{ x: self.x - o.x, y: self.y - o.y }}
    }}
}}
impl<T: num_traits::Float> std::ops::Mul<T> for {ty}<T> {{
    type Output = Self;
    fn mul(self, k: T) -> Self {{
        self.scaled(k)
    }}
}}
impl std::ops::Mul<{ty}<{FLT}>> for {FLT} {{
    type Output = {ty}<{FLT}>;
    fn mul(self, v: {ty}<{FLT}>) -> {ty}<{FLT}> {{
        v * self
    }}
}}
impl<T: num_traits::Float> std::ops::Neg for {ty}<T> {{
    type Output = Self;
    fn neg(self) -> Self {{
        Self::new(-self.x, -self.y)
    }}
}}
impl<T: num_traits::Float> std::ops::AddAssign for {ty}<T> {{
    fn add_assign(&mut self, o: Self) {{
        self.x = self.x + o.x;
        self.y = self.y + o.y;
    }}
}}
"
            );
        } else {
            let _ = write!(
                self.items,
                "#[derive(Clone, Copy)]
struct {ty} {{
    x: {FLT},
    y: {FLT},
}}
impl {ty} {{
    fn new(x: {FLT}, y: {FLT}) -> Self {{
        Self {{ x, y }}
    }}
    fn dot(&self, o: &Self) -> {FLT} {{
        self.x * o.x + self.y * o.y
    }}
    fn norm2(self) -> {FLT} {{
        self.dot(&self)
    }}
    fn scaled(&self, k: {FLT}) -> {ty} {{
        {ty}::new(self.x * k, self.y * k)
    }}
    fn mix(&self, a: {FLT}, b: {FLT}) -> {FLT} {{
        self.x * a - b * b * 0.25
    }}
    fn damp(&mut self, k: {FLT}) {{
        let n = self.norm2();
        let f = 1.0 / (1.0 + k * n * 0.01);
        self.x *= f;
        self.y = self.y * f;
    }}
}}
impl std::ops::Add for {ty} {{
    type Output = Self;
    fn add(self, o: Self) -> Self {{
        Self::new(self.x + o.x, self.y + o.y)
    }}
}}
impl std::ops::Sub for {ty} {{
    type Output = {ty};
    fn sub(self, o: {ty}) -> Self::Output {{
        {ty} {{ x: self.x - o.x, y: self.y - o.y }}
    }}
}}
impl std::ops::Mul<{FLT}> for {ty} {{
    type Output = Self;
    fn mul(self, k: {FLT}) -> Self {{
        self.scaled(k)
    }}
}}
impl std::ops::Mul<{ty}> for {FLT} {{
    type Output = {ty};
    fn mul(self, v: {ty}) -> {ty} {{
        v * self
    }}
}}
impl std::ops::Neg for {ty} {{
    type Output = Self;
    fn neg(self) -> Self {{
        Self::new(-self.x, -self.y)
    }}
}}
impl std::ops::AddAssign for {ty} {{
    fn add_assign(&mut self, o: Self) {{
        self.x += o.x;
        self.y += o.y;
    }}
}}
"
            );
        }
        let (a, b, c, d, k, v) = (
            self.fresh("va"),
            self.fresh("vb"),
            self.fresh("vc"),
            self.fresh("vd"),
            self.fresh("vk"),
            self.fresh("v"),
        );
        let (ks, dt) = (self.fresh("s"), self.fresh("t"));
        let (e1, e2, e3) = (self.expr(1), self.expr(1), self.expr(1));
        let (e1, e2, e3) = (
            self.wrap(e1, (-5.0, 5.0)),
            self.wrap(e2, (-5.0, 5.0)),
            self.wrap(e3, (-5.0, 5.0)),
        );
        // |a|, |b| <= 5 per field; c <= 10, then 11.25 and kept there by the loop and the
        // damping; d <= 16.25.
        Self::line(
            out,
            ind,
            &format!("let {a} = {ty}::new({}, {});", e1.s, e2.s),
        );
        Self::line(
            out,
            ind,
            &format!("let {b} = {ty} {{ x: {}, y: {a}.x * 0.5 }};", e3.s),
        );
        // (A number on the left sometimes: the float type's `impl Mul<TYPE>`.)
        let half = if self.rng.chance(0.5) {
            format!("0.5 * ({a} + {b})")
        } else {
            format!("({a} + {b}) * 0.5")
        };
        Self::line(out, ind, &format!("let mut {c} = {half} - -{b};"));
        Self::line(out, ind, &format!("{c} += {a}.scaled(0.25);"));
        if self.rng.chance(0.5) {
            Self::line(
                out,
                ind,
                &format!("for _ in 0..2 {{ {c} = {c} * 0.5 + {a} * 0.25 + {b} * 0.25; }}"),
            );
        }
        if self.rng.chance(0.5) {
            Self::line(out, ind, &format!("{c}.damp(0.5);"));
        }
        // Sometimes lent by `&mut` to a plain helper that writes it (|c| stays <= 11.25).
        if !generic && self.on("stmt:value_lent_mut") && self.rng.chance(0.3) {
            let kn = self.fresh("kick");
            let kick = format!("{}_{kn}_{FLT}", self.base);
            let _ = writeln!(
                self.items,
                "/// not annotated\nfn {kick}(v: &mut {ty}, k: {FLT}) {{\n    v.x = v.x * 0.9 + k * v.y;\n    v.y *= k;\n}}"
            );
            Self::line(out, ind, &format!("{kick}(&mut {c}, 0.1);"));
        }
        Self::line(
            out,
            ind,
            &format!(
                "let {d} = if {a}.x > {b}.y {{ {a} - {c} }} else {{ let {dt} = {b} * 0.5; {dt} + {a} }};"
            ),
        );
        Self::line(
            out,
            ind,
            &format!("let {k} = |{ks}: {FLT}| ({c} * {ks}).norm2();"),
        );
        // Sometimes a closure giving a value, its type not written (the constructor's call or a
        // literal as a block's tail). |a|, |b| <= 2.5: |gw| <= 1.
        if self.on("stmt:value_closure_given") && self.rng.chance(0.3) {
            let (gv, gs, gw, gh) = (
                self.fresh("gv"),
                self.fresh("gs"),
                self.fresh("gw"),
                self.fresh("gh"),
            );
            let made = if self.on("stmt:value_closure_captures") && self.rng.chance(0.3) {
                // A value computed from one the closure captures (|c| <= 11.25).
                format!("{c} * ({gs} * 0.1)")
            } else if self.rng.chance(0.5) {
                format!("{ty}::new({gs} * 0.5, {gs} - 0.25)")
            } else {
                format!("{{ let {gh} = {gs} * 0.5; {ty} {{ x: {gh}, y: {gs} - 0.25 }} }}")
            };
            Self::line(out, ind, &format!("let {gv} = |{gs}: {FLT}| {made};"));
            Self::line(
                out,
                ind,
                &format!(
                    "let {gw}: {FLT} = {FLT}::tanh({gv}({a}.y).norm2() * 0.1 + {gv}({b}.x).x);"
                ),
            );
            let act = e1.iv.2 || e2.iv.2;
            self.declare(&gw, VarKind::Float(Iv(-1.0, 1.0, act)), false);
        }
        // Sometimes values bound together by a tuple `let` and combined by a closure whose
        // return type is not written. |b * 0.5| <= 2.5 per field, the other <= 0.5: |tw| <= 1.
        if self.on("stmt:value_tuple_let") && self.rng.chance(0.3) {
            let (ta, tb, tf, tw) = (
                self.fresh("ta"),
                self.fresh("tb"),
                self.fresh("tf"),
                self.fresh("tw"),
            );
            let (p1, p2) = (self.fresh("p"), self.fresh("q"));
            let (first, second) = (
                format!("{b} * 0.5"),
                format!("{ty}::new({a}.y * 0.1, {a}.x * 0.1)"),
            );
            let pair = if self.rng.chance(0.5) {
                format!("let ({ta}, {tb}) = ({first}, {second});")
            } else {
                // Bound the other way round, then swapped by a second tuple `let`.
                format!("let ({tb}, {ta}) = ({second}, {first});\nlet ({ta}, {tb}) = ({ta}, {tb});")
            };
            for l in pair.lines() {
                Self::line(out, ind, l);
            }
            let combined = if self.rng.chance(0.5) {
                format!("{p1} + {p2}")
            } else {
                format!("{p1} - {p2}.scaled(0.5)")
            };
            Self::line(
                out,
                ind,
                &format!("let {tf} = |{p1}: {tyu}, {p2}: {tyu}| {combined};"),
            );
            Self::line(
                out,
                ind,
                &format!("let {tw}: {FLT} = {FLT}::tanh({tf}({ta}, {tb}).norm2() * 0.05);"),
            );
            let act = e1.iv.2 || e2.iv.2 || e3.iv.2;
            self.declare(&tw, VarKind::Float(Iv(-1.0, 1.0, act)), false);
        }
        // Sometimes taken apart by a pattern (|px|, |py| <= 5, |pv| <= 5).
        if !generic && self.on("stmt:value_patterns") && self.rng.chance(0.3) {
            let (px, py, pv) = (self.fresh("px"), self.fresh("py"), self.fresh("pv"));
            Self::line(out, ind, &format!("let {ty} {{ x: {px}, y: {py} }} = {a};"));
            Self::line(
                out,
                ind,
                &format!("let {ty} {{ y: {pv}, .. }} = {ty}::new({py}, {px});"),
            );
            let act = e1.iv.2 || e2.iv.2;
            self.declare(&pv, VarKind::Float(Iv(-5.0, 5.0, act)), false);
            // Also a `match` whose arms take the value apart (a guard reading what the arm
            // binds; the next arm's names of its own) and a closure whose parameter is a
            // pattern (|pm|, |pc| <= 1).
            if self.on("stmt:value_match_patterns") && self.rng.chance(0.6) {
                let (pm, pc, cf) = (self.fresh("pm"), self.fresh("pc"), self.fresh("cf"));
                let (m1, m2) = (self.fresh("m"), self.fresh("m"));
                Self::line(
                    out,
                    ind,
                    &format!("let {pm}: {FLT} = match {c} {{ {ty} {{ x: {m1}, y: {m2} }} if {m1} > {m2} => {FLT}::tanh(({m1} - {m2}) * 0.1), {ty} {{ y: {m2}, .. }} => {FLT}::tanh({m2} * 0.1) }};"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {cf} = |{ty} {{ x: {m1}, y: {m2} }}: {ty}| {m1} * 0.05 - {m2} * 0.025;"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {pc}: {FLT} = {FLT}::tanh({cf}({a}) + {cf}({b}));"),
                );
                let act = e1.iv.2 || e2.iv.2 || e3.iv.2;
                self.declare(&pm, VarKind::Float(Iv(-1.0, 1.0, act)), false);
                self.declare(&pc, VarKind::Float(Iv(-1.0, 1.0, act)), false);
            }
        }
        // Sometimes a method and a plain helper given their float parameters' names in the
        // other order (`v.mix(b, a)` into `fn mix(&self, a, b)`). |a| <= 1.25, |b| <= 2.5,
        // |c.x| <= 11.25: |mix| <= 16, |cross| <= 20, |ms| <= 0.4.
        if self.on("stmt:value_crossed_names") && self.rng.chance(0.4) {
            let (ms, cross) = (self.fresh("ms"), self.fresh("cross"));
            let helper = format!("{}_{cross}_{FLT}", self.base);
            let _ = writeln!(
                self.items,
                "/// not annotated\nfn {helper}(p: {tyu}, a: {FLT}, b: {FLT}) -> {FLT} {{\n    p.x * a + b * b\n}}"
            );
            Self::line(
                out,
                ind,
                &format!("let {ms}: {FLT} = {{ let b = {a}.x * 0.5; let a = {b}.y * 0.25; {c}.mix(b, a) * 0.01 + {helper}({c}, b, a) * 0.01 }};"),
            );
            let act = e1.iv.2 || e2.iv.2 || e3.iv.2;
            self.declare(&ms, VarKind::Float(Iv(-0.4, 0.4, act)), false);
        }
        // Sometimes a struct holding two values and a float (`Particle { pos: Vec3, .. }`):
        // made by a literal, its values' fields written, a value replaced, `&self` and `&mut
        // self` methods. |p| <= 6.6 per field, |q| <= 1.75, |w| <= 0.5; |nb| <= 1.
        if !generic && self.on("stmt:value_nested") && self.rng.chance(0.4) {
            let tb = format!("{ty}B");
            let _ = write!(
                self.items,
                "#[derive(Clone, Copy)]
struct {tb} {{
    pp: {ty},
    qq: {ty},
    ww: {FLT},
}}
impl {tb} {{
    fn energy(&self) -> {FLT} {{
        self.pp.dot(&self.qq) * 0.1 + self.ww
    }}
    fn kick(&mut self, k: {FLT}) {{
        self.pp += self.qq * k;
        self.ww *= 0.9;
    }}
}}
"
            );
            let (bd, nb) = (self.fresh("bd"), self.fresh("nb"));
            Self::line(out, ind, &format!("let mut {bd} = {tb} {{ qq: {b}.scaled(0.5), pp: {a}, ww: {FLT}::tanh({a}.y) * 0.5 }};"));
            Self::line(out, ind, &format!("{bd}.pp.x += {bd}.qq.y * 0.25;"));
            Self::line(out, ind, &format!("{bd}.qq = {bd}.qq * 0.5 + {a} * 0.1;"));
            if self.rng.chance(0.5) {
                Self::line(out, ind, &format!("{bd}.kick(0.2);"));
            } else {
                Self::line(out, ind, &format!("{bd}.pp += {bd}.qq * 0.2;"));
            }
            // Sometimes a plain helper taking values and giving an `Option` (|gap| <= 1).
            let gap = if self.on("call:value_option_helper") && self.rng.chance(0.5) {
                let g = self.fresh("gap");
                let h = format!("{}_{g}_{FLT}", self.base);
                let _ = writeln!(
                    self.items,
                    "/// not annotated\nfn {h}(a: &{ty}, b: &{ty}) -> Option<{FLT}> {{\n    let d = (a.x - b.x) * 0.5;\n    if d > 0.0 {{ Some(d.tanh()) }} else {{ None }}\n}}"
                );
                let q = self.fresh("q");
                if self.rng.chance(0.5) {
                    format!(" + if let Some({q}) = {h}(&{bd}.pp, &{a}) {{ {q} }} else {{ 0.25 }}")
                } else {
                    format!(" + {h}(&{a}, &{bd}.qq).unwrap_or(0.5)")
                }
            } else {
                String::new()
            };
            Self::line(out, ind, &format!("let {nb}: {FLT} = {FLT}::tanh({bd}.energy() * 0.1 + {bd}.pp.norm2() * 0.001 + {bd}.qq.x{gap});"));
            let act = e1.iv.2 || e2.iv.2 || e3.iv.2;
            self.declare(&nb, VarKind::Float(Iv(-1.0, 1.0, act)), false);
        }
        // Sometimes a local sequence of values: collected, iterated with its indices, made by
        // `vec![..; n]` and written by index (whole and by field). |pts| <= 5 per field, |acc|
        // <= 1.6, |vs| <= 2.7, their dot <= 15.
        let seq = if self.rng.chance(0.5) {
            let (pts, sa, vs) = (self.fresh("pts"), self.fresh("sa"), self.fresh("vs"));
            // (Names of their own: the model renderings rewrite parameters' names.)
            let (qi, qe) = (self.fresh("i"), self.fresh("q"));
            // The same three values collected, listed (`vec![..]`), or pushed into an untyped
            // `Vec` from a helper of the module giving values.
            match self.rng.below(3) {
                0 => Self::line(
                    out,
                    ind,
                    &format!(
                        "let {pts}: Vec<{tyu}> = (0..3).map(|{qi}| {a} * ({qi} as {FLT} * 0.5)).collect();"
                    ),
                ),
                1 => Self::line(
                    out,
                    ind,
                    &format!("let {pts}: Vec<{tyu}> = vec![{a} * 0.0, {a} * 0.5, {a} * 1.0];"),
                ),
                _ => {
                    // (The float's placeholder kept as it is: the f32 and f64 twins each
                    // have their own helper.)
                    let helper = format!(
                        "{}_scaled",
                        ty.to_lowercase().replace(&FLT.to_lowercase(), FLT)
                    );
                    let _ = write!(
                        self.items,
                        "fn {helper}(p: {tyu}, k: {FLT}) -> {tyu} {{\n    p * k\n}}\n"
                    );
                    Self::line(out, ind, &format!("let mut {pts} = Vec::new();"));
                    Self::line(
                        out,
                        ind,
                        &format!(
                            "for {qi} in 0..3 {{ {pts}.push({helper}({a}, {qi} as {FLT} * 0.5)); }}"
                        ),
                    );
                }
            }
            Self::line(out, ind, &format!("let mut {sa}: {FLT} = 0.0;"));
            Self::line(
                out,
                ind,
                &format!("for ({qi}, {qe}) in {pts}.iter().enumerate() {{ {sa} += (*{qe} - {b}).x * 0.05 + ({qi} as {FLT}) * 0.01; }}"),
            );
            // Sometimes read by a loop whose pattern takes each value apart (<= 0.15 more).
            if !generic && self.on("stmt:value_match_patterns") && self.rng.chance(0.4) {
                let (m1, m2) = (self.fresh("m"), self.fresh("m"));
                let line = if self.rng.chance(0.5) {
                    format!("for &{ty} {{ x: {m1}, y: {m2} }} in {pts}.iter() {{ {sa} += ({m1} - {m2}) * 0.005; }}")
                } else {
                    format!("for {ty} {{ y: {m2}, .. }} in {pts}.iter().copied() {{ {sa} += {m2} * 0.01; }}")
                };
                Self::line(out, ind, &line);
            }
            Self::line(
                out,
                ind,
                &format!("let mut {vs} = vec![{ty}::new(0.0, 0.0); {pts}.len()];"),
            );
            Self::line(
                out,
                ind,
                &format!("for {qi} in 0..{vs}.len() {{ {vs}[{qi}] = {pts}[{qi}] * 0.5; {vs}[{qi}].y += {sa} * 0.1; }}"),
            );
            // Elements changed through `iter_mut()`, read by an `iter().map(..)` (<= 0.75).
            let (qm, qn) = (self.fresh("q"), self.fresh("q"));
            Self::line(
                out,
                ind,
                &format!("for {qm} in {vs}.iter_mut() {{ {qm}.x *= 0.9; }}"),
            );
            // Zipped with another (by reference), enumerated in a `fold` (<= 0.17, 0.08).
            let (qz, qw, qf, qa) = (
                self.fresh("q"),
                self.fresh("q"),
                self.fresh("q"),
                self.fresh("a"),
            );
            format!(" + {vs}[2].dot(&{vs}[1]) * 0.01 + {vs}.iter().map(|{qn}| {qn}.x * 0.1).sum::<{FLT}>() + {vs}.iter().zip({pts}.iter()).map(|({qz}, {qw})| {qz}.dot({qw}) * 0.002).sum::<{FLT}>() + {pts}.iter().enumerate().fold(0.0, |{qa}: {FLT}, ({qi}, {qf})| {qa} + {qf}.y * ({qi} as {FLT}) * 0.005)")
        } else {
            String::new()
        };
        // Sometimes a method of a trait of the module implemented for the float type (|.| < 1).
        let squashed = if self.rng.chance(0.4) {
            let n = self.fresh("q");
            // (The method's name has the float's too: both twins implement theirs for `i32`.)
            // (The unit's name too: another unit's trait may get the same number.)
            let (tr, m) = (
                format!("Sq{}{n}{FLT}", self.base),
                format!("squash{}{n}_{FLT}", self.base),
            );
            // Sometimes taking `&self`, and implemented for an integer type too, called on
            // one (|.| <= 1).
            if self.rng.chance(0.5) {
                let _ = write!(
                    self.items,
                    "trait {tr} {{\n    fn {m}(&self) -> {FLT};\n}}\nimpl {tr} for {FLT} {{\n    fn {m}(&self) -> {FLT} {{\n        *self / (1.0 + self.abs())\n    }}\n}}\nimpl {tr} for i32 {{\n    fn {m}(&self) -> {FLT} {{\n        if *self > 0 {{ 1.0 }} else {{ -1.0 }}\n    }}\n}}\n"
                );
                format!(" + ({c}.x * 0.1).{m}() + 3i32.{m}() * 0.1")
            } else {
                let _ = write!(
                    self.items,
                    "trait {tr} {{\n    fn {m}(self) -> {FLT};\n}}\nimpl {tr} for {FLT} {{\n    fn {m}(self) -> {FLT} {{\n        self / (1.0 + self.abs())\n    }}\n}}\n"
                );
                format!(" + ({c}.x * 0.1).{m}()")
            }
        } else {
            String::new()
        };
        // Sometimes a closure taking a value, reading `c` (|a·c| <= 113).
        let by_closure = if self.rng.chance(0.5) {
            let (kd, kp) = (self.fresh("kd"), self.fresh("p"));
            Self::line(
                out,
                ind,
                &format!("let {kd} = |{kp}: {tyu}| {kp}.dot(&{c}) * 0.01;"),
            );
            format!(" + {kd}({a})")
        } else {
            String::new()
        };
        // |c·d| <= 366, |k(0.5)| <= 64, max <= 50, |a·b| <= 50: each scaled by 0.01.
        Self::line(
            out,
            ind,
            &format!(
                "let {v}: {FLT} = {c}.dot(&{d}) * 0.01 + {k}(0.5) * 0.01 + {FLT}::max({a}.norm2(), {b}.x) * 0.01 + {ty}::dot(&{a}, &{b}) * 0.01{seq}{by_closure}{squashed};"
            ),
        );
        let act = e1.iv.2 || e2.iv.2 || e3.iv.2;
        self.declare(&v, VarKind::Float(Iv(-9.5, 9.5, act)), false);
    }

    /// `let g = NAME_gs(e1, e2);` of a plain helper generic over arithmetic traits only
    /// (`T: Mul<Output = T> + Add<Output = T> + Copy`), as small numeric helpers are written.
    /// A local named like a plain helper of the module, which it shadows in its block after the
    /// helper is called there: the name read as a value is the local, not the function.
    fn local_named_as_helper(&mut self, out: &mut String, ind: usize) {
        let plain: Vec<String> = self
            .helpers
            .iter()
            .filter(|h| h.plain && h.slices == [false] && !h.by_ref && !h.name.contains("::"))
            .map(|h| h.name.clone())
            .collect();
        if plain.is_empty() {
            return;
        }
        let h = self.rng.pick(&plain).clone();
        let e = self.expr(1);
        let t = self.tanh_ex(e.clone());
        let (v, w) = (self.fresh("v"), self.fresh("w"));
        Self::line(
            out,
            ind,
            &format!("let {v}: {FLT} = {{ let {w}: {FLT} = {FLT}::tanh({h}({t})); let {h}: {FLT} = {w} * 0.5; {FLT}::tanh({h}) + {h} * 0.25 }};"),
        );
        self.declare(&v, VarKind::Float(Iv(-1.5, 1.5, e.iv.2)), false);
    }

    /// A search of a slice parameter that gives an `Option` (`get`, `find`, `find_map`,
    /// `filter(..).next()`, `map(..).find(..)`, `rposition(..).map_or(..)`), read by `match`,
    /// `if let`, `map_or`, `copied().unwrap_or`, `unwrap_or(&..)`; copied in an `if let`, a
    /// `while let` or a `match`; tested (`is_some`, `is_none`, `is_some_and`); a loop bound;
    /// of a local vector (collected, filled by index); sometimes inside a closure, called after a
    /// `match` with a `None` arm; the index a `position` finds (of items, of `windows`), read by
    /// `if let` and `match`, its closure sometimes changing a local; a search in an arm's value;
    /// the value found as a method's receiver.
    fn slice_search_stmt(&mut self, out: &mut String, ind: usize) {
        // (A parameter by name: the searches of a model's field are not taken apart.)
        let slices: Vec<(String, Iv)> = self
            .slices()
            .into_iter()
            .filter(|(n, _)| n.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .collect();
        if slices.is_empty() || self.rich {
            return;
        }
        let (xs, xiv) = self.rng.pick(&slices).clone();
        self.searched = true;
        let e = self.expr(1);
        let t = self.tanh_ex(e.clone());
        let (k, thr, c) = (
            self.rng.below(5),
            fmt_float(self.value_in((-0.9, 0.9))),
            fmt_float(self.value_in((-0.9, 0.9))),
        );
        let z = self.fresh("sz");
        // In a closure, `t` is its parameter.
        let closed = self.rng.chance(0.25);
        let tt = if closed { z.clone() } else { t.clone() };
        let (acc, at) = (self.fresh("sa"), self.fresh("si"));
        let (mm, nn) = (self.fresh("sm"), self.fresh("sn"));
        let found = match self.rng.below(37) {
            // The element `max_by`/`min_by` choose taken apart by reference, and the pair of
            // an `enumerate` (an argmax with its index), in `if let`, `match` and `let .. else`.
            32 => format!("if let Some(&{mm}) = {xs}.iter().max_by(|a, b| a.total_cmp(b)) {{ {mm} * {tt} }} else {{ {c} }}"),
            33 => format!("match {xs}.iter().min_by(|a, b| a.partial_cmp(b).unwrap()) {{ Some(&{mm}) => {mm} * {tt}, None => {c} }}"),
            34 => format!("if let Some(({at}, &{mm})) = {xs}.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) {{ {mm} * {tt} + {at} as {FLT} * 0.1 }} else {{ {c} }}"),
            35 => format!("match {xs}.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)) {{ Some(({at}, {mm})) => *{mm} * {tt} - {at} as {FLT} * 0.1, None => {c} }}"),
            36 => format!("{{ let Some(({at}, &{mm})) = {xs}.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) else {{ unreachable!(\"the tester's slices are not empty\") }}; let Some(&{nn}) = {xs}.iter().min_by(|a, b| a.total_cmp(b)) else {{ unreachable!() }}; {mm} * {tt} + {nn} * {c} + {at} as {FLT} * 0.1 }}"),
            31 => format!("{xs}.iter().position(|&v| v > {thr}).map(|i| {xs}[i] * {tt}).unwrap_or({c})"),
            // The index and the element `enumerate().find(..)` finds.
            28 => format!("match {xs}.iter().enumerate().find(|&(_, &v)| v * {tt} > {thr}) {{ Some(({at}, &v)) => v * {tt} + {at} as {FLT} * 0.1, None => {c} }}"),
            29 => format!("if let Some(({at}, v)) = {xs}.iter().enumerate().find(|(i, v)| **v > {thr} && *i >= {k}) {{ *v * {tt} - {at} as {FLT} * 0.1 }} else {{ {c} }}"),
            30 => format!("{xs}.iter().enumerate().find(|(_, &v)| v < {thr}).map_or({c}, |(_, &v)| v * {tt})"),
            // An `Option<usize>` held in a local and read through closures giving a
            // differentiated value (`map_or`, `map(..).unwrap_or_else(..)`, `is_some_and`).
            24 => format!("{{ let {at} = {xs}.iter().position(|&v| v > {thr}); {at}.map_or({c}, |i| {xs}[i] * {tt}) }}"),
            25 => format!("{{ let {at} = {xs}.iter().position(|&v| v * {tt} > {thr}); let {acc} = {at}.map(|i| i + 1); {acc}.map(|i| {xs}[i.min({xs}.len() - 1)] * {tt}).unwrap_or_else(|| {tt} * {c}) }}"),
            26 => format!("{{ let {at} = {xs}.len().checked_sub({k} + 1); {at}.map_or_else(|| {c}, |i| {xs}[i] * {tt}) + if {at}.is_some_and(|i| {xs}[i] > {thr}) {{ {tt} }} else {{ {c} }} }}"),
            27 => format!("{{ let {at}: Option<usize> = if {tt} > {thr} {{ Some({k} % {xs}.len().max(1)) }} else {{ None }}; {at}.map(|i| {xs}.get(i).copied().unwrap_or({c}) * {tt}).unwrap_or({c}) }}"),
            // In conditions: `if let`/`while let` of a copied search, a search's test, a loop
            // bound from a search.
            10 => format!("if let Some(v) = {xs}.get({k}).copied() {{ v * {tt} }} else {{ {c} }}"),
            11 => format!("match {xs}.iter().find(|v| **v > {thr}).cloned() {{ Some(v) => v * {tt}, None => {c} }}"),
            12 => format!("{{ let mut {acc} = {c}; let mut {at} = {k}; while let Some(v) = {xs}.get({at}).copied() {{ {acc} += v * {tt} * 0.25; {at} += 2; }} {acc} }}"),
            13 => format!("if {xs}.iter().find(|&&v| v * {tt} > {thr}).is_some() {{ {tt} }} else {{ {c} }}"),
            14 => format!("{{ let mut {acc} = {c}; for {at} in 0..{xs}.iter().position(|&v| v > {thr}).unwrap_or({xs}.len()) {{ {acc} += {xs}[{at}] * {tt} * 0.25; }} {acc} }}"),
            15 => format!("if {xs}.iter().rev().find(|v| **v < {thr}).is_none() {{ {c} }} else {{ {tt} * 0.5 }}"),
            16 => format!("if {xs}.iter().find(|&&v| v > {thr}).is_some_and(|v| *v * {tt} > {c}) {{ {tt} }} else {{ {c} }}"),
            19 => format!("if let Some({at}) = {xs}.iter().position(|&v| v * {tt} > {thr}) {{ {xs}[{at}] * {tt} }} else {{ {c} }}"),
            20 => format!("match {xs}.windows(2).rposition(|p| p[1] * {tt} < p[0]) {{ Some({at}) => {xs}[{at}] * {tt} + {xs}[{at} + 1], None => {c} }}"),
            // A search in an arm's value; a `position` whose closure changes a local; the value
            // found as a method's receiver.
            21 => format!("match {xs}.get({k}) {{ Some(&v) => v * {tt}, None => {xs}.iter().find(|&&v| v > {thr}).copied().unwrap_or({c}) * {tt} }}"),
            22 => format!("{{ let mut {acc} = {c}; let {at} = {xs}.iter().position(|v| {{ {acc} += v * {tt} * 0.25; {acc} > {thr} }}); {acc} + {at}.map_or(0.0, |i| i as {FLT} * 0.1) }}"),
            23 => format!("{xs}.iter().rev().find(|&&v| v < {thr}).copied().unwrap_or({c}).tanh() * {tt}"),
            // Of a local vector: collected, or filled by index.
            17 => format!("{{ let {acc}: Vec<{FLT}> = {xs}.iter().map(|&v| v * {tt}).collect(); {acc}.get({k}).copied().unwrap_or({c}) }}"),
            18 => format!("{{ let mut {acc} = vec![0.0; {xs}.len()]; for ({at}, v) in {xs}.iter().enumerate() {{ {acc}[{at}] = v * {tt}; }} match {acc}.iter().rev().find(|v| **v < {thr}) {{ Some(v) => *v, None => {c} }} }}"),
            0 => format!("match {xs}.get({k}) {{ Some(v) => *v * {tt}, None => {c} }}"),
            1 => format!("match {xs}.get({k}) {{ None => {c}, Some(&v) => v * {tt} }}"),
            2 => format!("{xs}.get({k}).map_or({c}, |&v| v * {tt})"),
            3 => format!("{xs}.get({k}).copied().unwrap_or({c}) * {tt}"),
            4 => format!("*{xs}.get({k}).unwrap_or(&{c}) + {tt}"),
            5 => format!("{xs}.iter().find(|&&v| v * {tt} > {thr}).copied().unwrap_or({c})"),
            6 => format!("if let Some(v) = {xs}.iter().rev().find(|v| **v < {thr}) {{ *v * {tt} }} else {{ {c} }}"),
            7 => format!("{xs}.iter().find_map(|&v| if v > {thr} {{ Some(v * {tt}) }} else {{ None }}).unwrap_or({c})"),
            8 => format!("{xs}.iter().map(|&v| v * {tt}).find(|&v| v > {thr}).unwrap_or({c})"),
            _ => format!("{xs}.iter().rposition(|&v| v < {thr}).map_or({c}, |i| {xs}[i] * {tt})"),
        };
        let v = self.fresh("sv");
        if closed {
            let f = self.fresh("sf");
            Self::line(out, ind, &format!("let {f} = |{z}: {FLT}| {found};"));
            // A `match` with a `None` arm between the closure and its call (a pattern, not a
            // binding that would hide a name the closure reads).
            if self.rng.chance(0.5) {
                let (o, k2) = (self.fresh("so"), self.rng.below(5));
                Self::line(
                    out,
                    ind,
                    &format!("let {o}: {FLT} = match {xs}.get({k2}) {{ None => {c}, Some(&q) => q * 0.5 }};"),
                );
                // (`c` is within (-0.9, 0.9).)
                let iv = Iv((xiv.0 * 0.5).min(-0.9), (xiv.1 * 0.5).max(0.9), true);
                self.declare(&o, VarKind::Float(iv), false);
            }
            Self::line(
                out,
                ind,
                &format!("let {v}: {FLT} = {FLT}::tanh({f}({t}));"),
            );
        } else {
            Self::line(out, ind, &format!("let {v}: {FLT} = {FLT}::tanh({found});"));
        }
        self.declare(&v, VarKind::Float(Iv(-1.0, 1.0, true)), false);
    }

    /// `let m = { let t = e; [stmts;] if c { t * 0.5 } else { continue } };` in a loop body:
    /// a block with statements whose value leaves the loop (`break`, `continue`) or the function
    /// (`return`) on some paths.
    fn leaving_block(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let e = self.expr(1);
        let c = self.cond(1);
        let (m, t) = (self.fresh("lm"), self.fresh("lt"));
        let leave = match self.rng.below(if ctx.ret { 3 } else { 2 }) {
            0 => "break".to_string(),
            1 => "continue".to_string(),
            _ => {
                let r = self.expr(1);
                self.returned = true;
                format!("return {}", r.s)
            }
        };
        let ann = if self.rng.chance(0.5) {
            format!(": {FLT}")
        } else {
            String::new()
        };
        Self::line(out, ind, &format!("let {m}{ann} = {{"));
        Self::line(out, ind + 1, &format!("let {t}: {FLT} = {};", e.s));
        // Sometimes a statement before the test, which the test reads.
        let test = if self.rng.chance(0.5) {
            let ok = self.fresh("lok");
            Self::line(out, ind + 1, &format!("let mut {ok} = false;"));
            Self::line(out, ind + 1, &format!("if {c} {{ {ok} = true; }}"));
            ok
        } else {
            c
        };
        Self::line(
            out,
            ind + 1,
            &format!("if {test} {{ {t} * 0.5 }} else {{ {leave} }}"),
        );
        Self::line(out, ind, "};");
        self.declare(
            &m,
            VarKind::Float(Iv(e.iv.0 * 0.5, e.iv.1 * 0.5, e.iv.2)),
            false,
        );
    }

    /// A plain helper giving an `Option` of a float (a test then a value, an early `return
    /// None`, `(c).then(|| e)`, a loop returning from inside), called with a differentiated
    /// value and read by `unwrap_or`, a `match` (`None` first or last), `if let`, `map_or`,
    /// `map(..).unwrap_or_default()` or `is_some()`; or in an iterator's closure over a slice
    /// (`map`, `fold`, `filter_map`, collected too, `find_map`, a `for` over a `filter_map`),
    /// directly or through a closure giving it.
    fn option_helper_stmt(&mut self, out: &mut String, ind: usize) {
        let o = self.fresh("oh");
        let h = format!("{}_{o}_{FLT}", self.base);
        let body = match self.rng.below(4) {
            0 => "if t > 0.2 { Some((t * 1.5).sin()) } else { None }".to_string(),
            1 => "if (t * 0.5).abs() < 0.05 {\n        return None;\n    }\n    Some((t * 0.5).tanh() / (1.0 + t * t))".to_string(),
            2 => "(t < 0.5).then(|| t.sin() * 0.5)".to_string(),
            _ => format!("for k in 0..3 {{\n        let u = t + k as {FLT} * 0.5;\n        if u > 0.3 {{\n            return Some(u.tanh());\n        }}\n    }}\n    None"),
        };
        let _ = writeln!(
            self.items,
            "/// not annotated\nfn {h}(t: {FLT}) -> Option<{FLT}> {{\n    {body}\n}}"
        );
        let e = self.expr(1);
        let t = self.tanh_ex(e.clone());
        let (v, q) = (self.fresh("v"), self.fresh("q"));
        let slices = self.slices();
        let kind = if slices.is_empty() {
            self.rng.below(9)
        } else {
            self.rng.below(16)
        };
        let value = match kind {
            // In an iterator's closure whose body is the call, over a slice.
            9..=15 => {
                let (xs, _) = self.rng.pick(&slices).clone();
                let w = self.fresh("w");
                let red = match kind {
                    // A closure giving the helper's `Option`, called in an iterator's closure.
                    12 => {
                        let (c, z) = (self.fresh("oc"), self.fresh("z"));
                        Self::line(
                            out,
                            ind,
                            &format!("let {c} = |{z}: {FLT}| {h}({FLT}::tanh({z}) * {t});"),
                        );
                        format!("{xs}.iter().map(|&{w}| {c}({w}).unwrap_or(-0.25)).sum::<{FLT}>()")
                    }
                    // The values kept, collected.
                    13 => {
                        let kept = self.fresh("ok");
                        Self::line(
                            out,
                            ind,
                            &format!("let {kept}: Vec<{FLT}> = {xs}.iter().filter_map(|&{w}| {h}({FLT}::tanh({w}) + {t})).collect();"),
                        );
                        format!("{kept}.iter().sum::<{FLT}>()")
                    }
                    // The first value a `find_map` gives, and a `for` over a `filter_map`.
                    14 => format!("{xs}.iter().find_map(|&{w}| {h}({FLT}::tanh({w}) * {t})).unwrap_or(0.5)"),
                    15 => {
                        let (acc, y) = (self.fresh("oa"), self.fresh("y"));
                        Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
                        Self::line(
                            out,
                            ind,
                            &format!("for {w} in {xs}.iter().filter_map(|&{y}| {h}({FLT}::tanh({y}) + {t})) {{ {acc} += {w} * 0.5; }}"),
                        );
                        acc
                    }
                    9 => format!("{xs}.iter().map(|&{w}| {h}({FLT}::tanh({w}) + {t}).unwrap_or(0.5)).sum::<{FLT}>()"),
                    10 => format!("{xs}.iter().fold(0.0, |{q}: {FLT}, &{w}| {q} + {h}({FLT}::tanh({w}) * {t}).map_or(0.1, |z| z * 0.5))"),
                    _ => format!("{xs}.iter().filter_map(|&{w}| {h}({FLT}::tanh({w}) - {t})).sum::<{FLT}>()"),
                };
                format!("{FLT}::tanh({red} * 0.25)")
            }
            // As a call's argument, inside a closure called with the value, in a loop's body.
            6 => format!("{FLT}::tanh({h}({t}).unwrap_or(0.5) * 2.0)"),
            7 => {
                let (c, z) = (self.fresh("oc"), self.fresh("z"));
                Self::line(
                    out,
                    ind,
                    &format!("let {c} = |{z}: {FLT}| {h}({z}).map_or(0.1, |{q}| {q} * 0.5);"),
                );
                format!("{c}({t})")
            }
            8 => {
                let (acc, k) = (self.fresh("oa"), self.fresh("k"));
                Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
                Self::line(
                    out,
                    ind,
                    &format!("for {k} in 0..2 {{ {acc} += {h}({t} - {k} as {FLT} * 0.25).unwrap_or(-0.5) * 0.5; }}"),
                );
                acc
            }
            0 => format!("{h}({t}).unwrap_or(0.5)"),
            1 => {
                let arms = self.opt_arms(
                    format!("Some({q}) => {q} * 0.5"),
                    "None => -0.25".to_string(),
                );
                format!("match {h}({t}) {{ {arms} }}")
            }
            2 => format!("if let Some({q}) = {h}({t}) {{ {q} + 0.1 }} else {{ 0.0 }}"),
            3 => format!("{h}({t}).map_or(0.3, |{q}| {q} * {q})"),
            4 => format!("{h}({t}).map(|{q}| {q} * 2.0).unwrap_or_default()"),
            _ => format!("if {h}({t}).is_some() {{ {t} }} else {{ 0.0 }}"),
        };
        Self::line(out, ind, &format!("let {v}: {FLT} = {value};"));
        self.declare(&v, VarKind::Float(Iv(-2.5, 2.5, e.iv.2)), false);
    }

    /// A plain function declared in the body that calls itself (which cannot be inlined), called
    /// with a differentiated value, as a `let` or inside an expression.
    fn nested_recursive_fn(&mut self, out: &mut String, ind: usize) {
        let h = self.fresh("nr");
        let e = self.expr(1);
        let t = self.tanh_ex(e.clone());
        let n = self.rng.below(4);
        let step = if self.rng.chance(0.5) { " * 0.9" } else { "" };
        Self::line(
            out,
            ind,
            &format!("fn {h}(tv: {FLT}, depth: u32) -> {FLT} {{ if depth == 0 {{ tv }} else {{ 0.5 * {h}(tv{step}, depth - 1) + 0.25 * tv.tanh() }} }}"),
        );
        let v = self.fresh("v");
        let call = format!("{h}({t}, {n})");
        let value = if self.rng.chance(0.5) {
            call
        } else {
            format!("({call} + 2.0).sqrt()")
        };
        Self::line(out, ind, &format!("let {v}: {FLT} = {value};"));
        self.declare(&v, VarKind::Float(Iv(-1.5, 1.5, e.iv.2)), false);
    }

    /// A `fn` declared in the body, generic over a type parameter of its own: one whose body
    /// never names it (called with floats and with counts), or one whose body does
    /// (`U::from(..)`, `U::one()`: made the caller's float).
    fn nested_generic_fn(&mut self, out: &mut String, ind: usize) {
        let h = self.fresh("ng");
        let (e1, e2) = (self.wrapped(1, (-1.5, 1.5)), self.wrapped(1, (-1.5, 1.5)));
        let v = self.fresh("v");
        let value = match self.rng.below(3) {
            0 => {
                Self::line(
                    out,
                    ind,
                    &format!("fn {h}<S: std::ops::Mul<Output = S> + std::ops::Add<Output = S> + Copy>(a: S, b: S) -> S {{ a * b + a }}"),
                );
                let n = self.fresh("n");
                Self::line(out, ind, &format!("let {n} = {h}(2_usize, 1);"));
                let c = format!("{h}({}, {})", self.typed(e1.clone()).s, e2.s);
                format!("{FLT}::tanh({c}) * {n} as {FLT}")
            }
            1 => {
                Self::line(
                    out,
                    ind,
                    &format!("fn {h}<U: num_traits::Float>(a: U) -> U {{ a * U::from(0.5).unwrap() + U::one() }}"),
                );
                format!("{h}({}) * {h}({})", e1.s, self.typed(e2.clone()).s)
            }
            _ => {
                Self::line(
                    out,
                    ind,
                    &format!("fn {h}<V: std::iter::Sum<V> + Copy>(v: &[V]) -> V {{ v.iter().copied().sum() }}"),
                );
                format!(
                    "{FLT}::tanh({h}(&[{}, {}]))",
                    self.typed(e1.clone()).s,
                    e2.s
                )
            }
        };
        Self::line(out, ind, &format!("let {v}: {FLT} = {value};"));
        self.declare(&v, VarKind::Float(Iv(-4.0, 4.0, e1.iv.2 || e2.iv.2)), false);
    }

    fn generic_helper_stmt(&mut self, out: &mut String, ind: usize) {
        let h = format!("{}_gs_{FLT}", self.base);
        if !self.items.contains(&format!("fn {h}<")) {
            let _ = writeln!(
                self.items,
                "/// not annotated\nfn {h}<T>(x: T, y: T) -> T\nwhere\n    T: std::ops::Mul<Output = T> + std::ops::Add<Output = T> + Copy,\n{{\n    x * y + x\n}}"
            );
        }
        let (e1, e2) = (self.wrapped(1, (-1.5, 1.5)), self.wrapped(1, (-1.5, 1.5)));
        let g = self.fresh("gs");
        Self::line(
            out,
            ind,
            &format!(
                "let {g}: {FLT} = {h}({}, {});",
                self.typed(e1.clone()).s,
                e2.s
            ),
        );
        self.declare(&g, VarKind::Float(Iv(-4.0, 4.0, e1.iv.2 || e2.iv.2)), false);
    }

    fn tuple_let(&mut self, out: &mut String, ind: usize) {
        let (a, b) = (self.fresh("ta"), self.fresh("tb"));
        let lent = self.rng.chance(0.25) && self.on("stmt:tuple_lent");
        match if lent { 3 } else { self.rng.below(3) } {
            3 => {
                // A tuple lent to a plain helper taking `&(T, T)`, directly or through a
                // local reference, and its fields read through the reference.
                let h = format!("{}_tr_{FLT}", self.base);
                if !self.items.contains(&format!("fn {h}(")) {
                    // Sometimes a `#[gradient]` function taking the tuple, followed alike.
                    let ann = if self.on("call:annotated_tuple_helper") && self.rng.chance(0.4) {
                        "#[gradient]"
                    } else {
                        "/// not annotated"
                    };
                    let _ = writeln!(
                        self.items,
                        "{ann}\nfn {h}(t: &({FLT}, {FLT})) -> {FLT} {{\n    let (a, b) = *t;\n    a * 0.5 - {FLT}::tanh(b) + t.0 * 0.25\n}}"
                    );
                }
                let (e1, e2) = (self.expr(1), self.expr(1));
                let (e1, e2) = (self.squash(e1), self.squash(e2));
                let t = self.fresh("tt");
                let ann = if !(e1.typed && e2.typed) || self.rng.chance(0.5) {
                    format!(": ({FLT}, {FLT})")
                } else {
                    String::new()
                };
                Self::line(out, ind, &format!("let {t}{ann} = ({}, {});", e1.s, e2.s));
                let (lend, field) = if self.rng.chance(0.5) {
                    let r = self.fresh("tr");
                    Self::line(out, ind, &format!("let {r} = &{t};"));
                    (r.clone(), format!("{r}.1"))
                } else {
                    (format!("&{t}"), format!("{t}.1"))
                };
                let act = e1.iv.2 || e2.iv.2;
                Self::line(out, ind, &format!("let {a}: {FLT} = {h}({lend});"));
                Self::line(out, ind, &format!("let {b}: {FLT} = {field} * 0.5;"));
                let m = e1.iv.mag() * 0.75 + 1.0;
                self.declare(&a, VarKind::Float(Iv(-m, m, act)), false);
                self.declare(
                    &b,
                    VarKind::Float(Iv(e2.iv.0 * 0.5, e2.iv.1 * 0.5, e2.iv.2)),
                    false,
                );
            }
            0 => {
                let (e1, e2, e3) = (self.expr(1), self.expr(1), self.expr(1));
                let ann = if !(e1.typed && e2.typed && e3.typed) || self.rng.chance(0.5) {
                    format!(": ({FLT}, ({FLT}, {FLT}))")
                } else {
                    String::new()
                };
                let s = format!(
                    "let ({a}, ({b}, _)){ann} = ({}, ({}, {}));",
                    e1.s, e2.s, e3.s
                );
                Self::line(out, ind, &s);
                self.declare(&a, VarKind::Float(e1.iv), false);
                self.declare(&b, VarKind::Float(e2.iv), false);
            }
            1 => {
                let (e1, e2) = (self.expr(1), self.expr(1));
                Self::line(
                    out,
                    ind,
                    &format!("let ({a}, {b}): ({FLT}, {FLT}) = ({}, {});", e1.s, e2.s),
                );
                self.declare(&a, VarKind::Float(e1.iv), false);
                self.declare(&b, VarKind::Float(e2.iv), false);
            }
            _ => {
                let e = self.typed_expr(1);
                let e = self.squash(e);
                let e = self.typed(e);
                Self::line(
                    out,
                    ind,
                    &format!("let ({a}, {b}) = {}.sin_cos();", paren_recv(&e.s)),
                );
                let iv = Iv(-1.0, 1.0, e.iv.2);
                self.declare(&a, VarKind::Float(iv), false);
                self.declare(&b, VarKind::Float(iv), false);
            }
        }
    }

    /// `let f = |z: T| body; let v = f(e1) + f(e2);`, the body reading locals and parameters.
    /// The `Option` a reduction of a sequence gives (`reduce(FLT::max)`, `min_by`, `max_by`,
    /// `last().copied()`), held in a local or matched where it is made, by `if let` or `match`:
    /// the element chosen where the sequence is not empty.
    fn option_reduction(&mut self, out: &mut String, ind: usize) {
        let seqs = self.seqs();
        if seqs.is_empty() {
            return;
        }
        let (xs, iv) = {
            let s = self.rng.pick(&seqs);
            (s.0.clone(), s.2)
        };
        let e = self.wrapped(1, (-2.0, 2.0));
        let (v, r) = (self.fresh("ov"), self.fresh("or"));
        let opt = match self.rng.below(4) {
            0 => format!("{xs}.iter().copied().reduce({FLT}::max)"),
            1 => format!("{xs}.iter().copied().min_by(|a, b| a.abs().total_cmp(&b.abs()))"),
            2 => format!("{xs}.iter().copied().max_by(|a, b| a.total_cmp(b))"),
            _ => format!("{xs}.last().copied()"),
        };
        let scrutinee = if self.rng.chance(0.5) {
            let o = self.fresh("opt");
            Self::line(out, ind, &format!("let {o} = {opt};"));
            o
        } else {
            opt
        };
        let chosen = format!("{FLT}::tanh({v}) * {}", paren(&e.s));
        let line = if self.rng.chance(0.5) {
            format!(
                "let {r}: {FLT} = if let Some({v}) = {scrutinee} {{ {chosen} }} else {{ 0.5 }};"
            )
        } else {
            let arms = self.opt_arms(format!("Some({v}) => {chosen}"), "None => 0.5".to_string());
            format!("let {r}: {FLT} = match {scrutinee} {{ {arms} }};")
        };
        Self::line(out, ind, &line);
        let m = e.iv.mag().max(0.5);
        self.declare(&r, VarKind::Float(Iv(-m, m, e.iv.2 || iv.2)), false);
    }

    /// A sequence of at least one element and a value within ±1 to combine with it.
    fn nonempty_seq_and_value(&mut self) -> Option<(String, Iv, Ex)> {
        let seqs: Vec<_> = self.seqs().into_iter().filter(|s| s.3 >= 1).collect();
        if seqs.is_empty() {
            return None;
        }
        let (xs, iv) = {
            let s = self.rng.pick(&seqs);
            (s.0.clone(), s.2)
        };
        Some((xs, iv, self.wrapped(1, (-1.0, 1.0))))
    }

    /// Loops over lists written out (`for v in [a, b, 0.5]`, `&[..]`, `vec![..]`, `.iter().rev()`,
    /// `.into_iter().enumerate()`, lists of tuples taken apart by the pattern, also `&(p, q)` of
    /// references) and `flat_map` giving a list per item (summed, looped over, collected).
    fn listed_loop(&mut self, out: &mut String, ind: usize) {
        let Some((xs, iv, e)) = self.nonempty_seq_and_value() else {
            return;
        };
        let w = paren(&e.s);
        let (acc, v, r) = (self.fresh("la"), self.fresh("lv"), self.fresh("lr"));
        let a = format!("{FLT}::tanh({xs}[0])");
        Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
        // |w|, |a| <= 1: |acc| <= 2 after any of them.
        let lp = match self.rng.below(5) {
            0 => format!("for {v} in [{w}, {a}, 0.5] {{ {acc} += {FLT}::tanh({v}) * 0.5; }}"),
            1 if self.on("stmt:named_pair_loop") && self.rng.chance(0.5) => {
                let p = self.fresh("p");
                if self.rng.chance(0.3) {
                    // Written through the `&mut` part of a pair under one name.
                    let c = self.fresh("cv");
                    format!("let mut {c} = {xs}.to_vec(); for {p} in {c}.iter_mut().enumerate() {{ *{p}.1 = {FLT}::tanh(*{p}.1 * {w}) * 0.5 + {p}.0 as {FLT} * 0.01; }} {acc} = {acc} * 0.5 + {c}[0] * 0.5;")
                } else if self.rng.chance(0.5) {
                    format!("for {p} in {xs}.iter().enumerate() {{ {acc} = {acc} * 0.5 + {FLT}::tanh(*{p}.1 * {w}) * ({p}.0 % 2) as {FLT}; }}")
                } else {
                    format!("for {p} in {xs}.iter().zip({xs}.iter().skip(1)).rev() {{ if *{p}.0 > *{p}.1 {{ {acc} = {acc} * 0.5 + {FLT}::tanh({p}.0 * {p}.1 + {w}); }} }}")
                }
            }
            1 => format!(
                "for &{v} in [{w}, {a}].iter().rev() {{ {acc} = {acc} * 0.5 + {FLT}::tanh({v}); }}"
            ),
            2 => {
                let i = self.fresh("i");
                format!("for ({i}, {v}) in vec![{w}, {a}].into_iter().enumerate() {{ {acc} += {v} * {i} as {FLT} * 0.5; }}")
            }
            3 => {
                let (p, q) = (self.fresh("p"), self.fresh("q"));
                format!("for ({p}, {q}) in [({w}, 1.0), ({a}, {w})] {{ if {p} > 0.9 {{ continue; }} {acc} += {p} * {q} * 0.5; }}")
            }
            _ => {
                let (p, q) = (self.fresh("p"), self.fresh("q"));
                format!("for &({p}, {q}) in &[({a}, 0.5), (0.25, {w})] {{ {acc} += {p} * {q}; }}")
            }
        };
        Self::line(out, ind, &lp);
        // `flat_map` giving two items per element, each within ±1: |r| <= 3.
        let t = self.fresh("t");
        let flat = match self.rng.below(3) {
            0 => format!("let {r}: {FLT} = {FLT}::tanh({xs}.iter().flat_map(|&{t}| [{FLT}::tanh({t}), {FLT}::tanh({t} * {w})]).map(|{v}| {v} * 0.5).sum::<{FLT}>()) + {acc};"),
            1 => format!("let mut {r}: {FLT} = {acc};\nfor {v} in {xs}.iter().flat_map(|&{t}| vec![{FLT}::tanh({t} + {w}), 0.25]) {{ {r} = {r} * 0.5 + {v} * 0.5; }}"),
            _ => {
                let c = self.fresh("fc");
                format!("let {c}: Vec<{FLT}> = {xs}.iter().flat_map(|&{t}| [{FLT}::tanh({t}), {w}]).collect();\nlet {r}: {FLT} = {acc} + ({c}[0] + {c}[{c}.len() - 1]) * 0.5;")
            }
        };
        for l in flat.lines() {
            Self::line(out, ind, l);
        }
        let mut bound = 3.0;
        // Sometimes rows copied from pieces and only read (the last one maybe shorter): |r| <= 4.
        if self.on("stmt:chunk_rows") && self.rng.chance(0.4) {
            let (m, row, c) = (self.fresh("cm"), self.fresh("row"), self.fresh("c"));
            let copy = if self.rng.chance(0.5) {
                format!("{c}.to_vec()")
            } else {
                format!("{c}.iter().copied().collect()")
            };
            Self::line(
                out,
                ind,
                &format!("let {m}: Vec<Vec<{FLT}>> = {xs}.chunks(2).map(|{c}| {copy}).collect();"),
            );
            Self::line(
                out,
                ind,
                &format!("let {r}: {FLT} = {r} + {FLT}::tanh({m}.iter().map(|{row}| {row}.iter().map(|{t}| {FLT}::tanh(*{t})).sum::<{FLT}>()).sum::<{FLT}>() * 0.1 + {m}[0][0] * {w});"),
            );
            bound += 1.0;
        }
        // Sometimes rows pushed and read whole: |r| grows by at most 1.
        if self.on("stmt:row_pushes") && self.rng.chance(0.4) {
            self.row_pushes(out, ind, &xs, &w, &r);
            bound += 1.0;
        }
        self.declare(&r, VarKind::Float(Iv(-bound, bound, e.iv.2 || iv.2)), false);
    }

    /// A `Vec` of rows (tuples typed or not, arrays, `vec!`s of two floats) grown by pushes in a
    /// loop over `xs` (every trip, under a condition, in `match` arms) and one after it, then
    /// read whole into `r` (a mean of products by a pattern, by index, by field in an
    /// enumeration, after a sort by a column); every element within ±1, `r` moved by at most 1.
    fn row_pushes(&mut self, out: &mut String, ind: usize, xs: &str, w: &str, r: &str) {
        let (pv, t, k) = (self.fresh("pv"), self.fresh("t"), self.fresh("k"));
        let kind = self.rng.below(4);
        let row = |a: &str, b: &str| match kind {
            0 | 1 => format!("({a}, {b})"),
            2 => format!("[{a}, {b}]"),
            _ => format!("vec![{a}, {b}]"),
        };
        // Sometimes a list of tuples written out (an array or `vec!`, typed or not), read the
        // same ways and by value.
        if kind < 2 && self.on("rows:literal_rows") && self.rng.chance(0.3) {
            let rows = format!(
                "({FLT}::tanh({w}), {FLT}::tanh({w} + 0.5)), (0.5, {FLT}::tanh({w} * 0.5)), ({FLT}::tanh({w}), 0.25)"
            );
            let array = self.rng.chance(0.5);
            let decl = match (kind, array) {
                (0, true) => format!("let {pv} = [{rows}];"),
                (0, false) => format!("let {pv} = vec![{rows}];"),
                (_, true) => format!("let {pv}: [({FLT}, {FLT}); 3] = [{rows}];"),
                _ => format!("let {pv}: Vec<({FLT}, {FLT})> = vec![{rows}];"),
            };
            Self::line(out, ind, &decl);
            let (a, b, p, acc) = (
                self.fresh("a"),
                self.fresh("b"),
                self.fresh("p"),
                self.fresh("acc"),
            );
            Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
            let each = match self.rng.below(5) {
                // (In reverse by value, a recurrence: the order shows. An array is `Copy`.)
                4 if array => format!(
                    "for ({a}, {b}) in {pv}.into_iter().rev() {{ {acc} = {acc} * 0.5 + {a} * {b}; }}"
                ),
                0 => format!("for ({a}, {b}) in {pv}.iter().copied() {{ {acc} += {a} * {b}; }}"),
                1 => format!("for &({a}, {b}) in &{pv} {{ {acc} += {a} * {b}; }}"),
                2 => format!("for {p} in {pv}.iter() {{ {acc} += {p}.0 - {p}.1 * 0.5; }}"),
                _ => format!("for {p} in {pv}.iter().rev() {{ {acc} += {p}.0 * {p}.1; }}"),
            };
            Self::line(out, ind, &each);
            let last = match self.rng.below(2) {
                0 => format!("{pv}[0].0 * {pv}[{pv}.len() - 1].1"),
                _ => format!("{pv}.iter().map(|&({a}, {b})| {a} - {b}).sum::<{FLT}>()"),
            };
            Self::line(
                out,
                ind,
                &format!("let {r}: {FLT} = {r} + ({acc} + {last}) * 0.08;"),
            );
            return;
        }
        let decl = match kind {
            1 => format!("let mut {pv}: Vec<({FLT}, {FLT})> = Vec::new();"),
            2 if self.rng.chance(0.5) => {
                format!("let mut {pv}: Vec<[{FLT}; 2]> = Vec::with_capacity({xs}.len() + 1);")
            }
            _ => format!("let mut {pv} = Vec::new();"),
        };
        Self::line(out, ind, &decl);
        let (ra, rb) = (
            row(
                &format!("{FLT}::tanh({t} * {w})"),
                &format!("{FLT}::tanh({t} + 0.5)"),
            ),
            row(&format!("{FLT}::tanh({t})"), "0.5"),
        );
        let body = match self.rng.below(3) {
            0 => format!("{pv}.push({ra});"),
            1 => format!("if {t} > 0.0 {{ {pv}.push({ra}); }}"),
            _ => {
                format!("match {k} % 3 {{ 0 => {pv}.push({ra}), 1 => {pv}.push({rb}), _ => {{}} }}")
            }
        };
        Self::line(
            out,
            ind,
            &format!("for ({k}, &{t}) in {xs}.iter().enumerate() {{ {body} }}"),
        );
        Self::line(
            out,
            ind,
            &format!("{pv}.push({});", row(&format!("{FLT}::tanh({w})"), "0.25")),
        );
        let (a, b, p) = (self.fresh("a"), self.fresh("b"), self.fresh("p"));
        let (x0, x1) = if kind < 2 { ("0", "1") } else { ("[0]", "[1]") };
        let (dot0, dot1) = if kind < 2 {
            (format!(".{x0}"), format!(".{x1}"))
        } else {
            (x0.to_string(), x1.to_string())
        };
        let read = match self.rng.below(4) {
            // (The body sometimes a branch followed by an operator, `if c { a } else { b } *
            // w`, which a block's tail would read as two statements.)
            0 if kind < 2 && self.on("closure:branch_then_operator") && self.rng.chance(0.5) => format!(
                "{pv}.iter().map(|&({a}, {b})| if {a} > 0.0 {{ {a} }} else {{ -{a} }} * {b}).sum::<{FLT}>() / {pv}.len() as {FLT}"
            ),
            0 if kind < 2 => format!(
                "{pv}.iter().map(|&({a}, {b})| {a} * {b}).sum::<{FLT}>() / {pv}.len() as {FLT}"
            ),
            0 if self.on("closure:branch_then_operator") && self.rng.chance(0.5) => format!(
                "{pv}.iter().map(|{p}| match {p}[1] > 0.3 {{ true => {p}[0], false => 0.5 * {p}[0] }} * {p}[1]).sum::<{FLT}>() / {pv}.len() as {FLT}"
            ),
            0 => format!(
                "{pv}.iter().map(|{p}| {p}[0] * {p}[1]).sum::<{FLT}>() / {pv}.len() as {FLT}"
            ),
            // The ends through `Option`s.
            1 if kind < 3 && self.on("rows:ends") && self.rng.chance(0.5) => {
                if self.rng.chance(0.5) {
                    format!("{pv}.last().unwrap(){dot0} * {pv}.first().map(|{p}| {p}{dot1}).unwrap_or(0.5)")
                } else {
                    format!("if {pv}.is_empty() {{ 0.0 }} else {{ {pv}.last().map(|{p}| {p}{dot0} * {p}{dot1}).unwrap() }}")
                }
            }
            1 => format!("{pv}[0]{dot0} * {pv}[{pv}.len() - 1]{dot1}"),
            2 => {
                let (i, acc) = (self.fresh("i"), self.fresh("acc"));
                Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
                Self::line(
                    out,
                    ind,
                    &format!("for ({i}, {p}) in {pv}.iter().enumerate() {{ if {i} % 2 == 0 {{ {acc} += {p}{dot0} * {p}{dot1}; }} }}"),
                );
                format!("{acc} / {pv}.len() as {FLT}")
            }
            _ if kind == 2 => {
                Self::line(
                    out,
                    ind,
                    &format!("{pv}.sort_by(|{a}, {b}| {a}[0].total_cmp(&{b}[0]));"),
                );
                format!("{pv}[0][1] * {pv}[{pv}.len() - 1][0]")
            }
            _ => format!("{pv}.iter().fold(0.0, |{a}: {FLT}, {p}| {a}.max({p}{dot0} * {p}{dot1}))"),
        };
        Self::line(out, ind, &format!("let {r}: {FLT} = {r} + {read};"));
    }

    /// A local copy of a sequence written through views of it: `iter_mut().rev()` (also after
    /// `.enumerate()`), `chunks_mut(2)`, `chunks_exact_mut(2).enumerate()`, the two parts of
    /// `split_at_mut`, `rotate_left`/`rotate_right`; then read at both ends.
    fn view_writes(&mut self, out: &mut String, ind: usize) {
        let Some((xs, iv, e)) = self.nonempty_seq_and_value() else {
            return;
        };
        let w = paren(&e.s);
        let (v, r) = (self.fresh("vw"), self.fresh("vr"));
        Self::line(out, ind, &format!("let mut {v} = {xs}.to_vec();"));
        // Every element within ±1 after the first write (tanh), the read within ±1.5.
        let first = self.fresh("el");
        Self::line(
            out,
            ind,
            &format!("for {first} in {v}.iter_mut() {{ *{first} = {FLT}::tanh(*{first}); }}"),
        );
        match self.rng.below(6) {
            0 => {
                let (c, el) = (self.fresh("cy"), self.fresh("el"));
                Self::line(out, ind, &format!("let mut {c}: {FLT} = 0.0;"));
                Self::line(
                    out,
                    ind,
                    &format!("for {el} in {v}.iter_mut().rev() {{ *{el} = {FLT}::tanh(*{el} + 0.5 * {c} * {w}); {c} = *{el}; }}"),
                );
            }
            1 => {
                let (k, el) = (self.fresh("k"), self.fresh("el"));
                Self::line(
                    out,
                    ind,
                    &format!("for ({k}, {el}) in {v}.iter_mut().enumerate().rev() {{ *{el} = {FLT}::tanh(*{el} * (1.0 + {k} as {FLT} * 0.25) + {w}); }}"),
                );
            }
            2 => {
                let c = self.fresh("pc");
                Self::line(
                    out,
                    ind,
                    &format!("for {c} in {v}.chunks_mut(2) {{ {c}[0] = {FLT}::tanh({c}[0] * {c}[{c}.len() - 1] + {w}); }}"),
                );
            }
            3 => {
                let (n, c) = (self.fresh("n"), self.fresh("pc"));
                Self::line(
                    out,
                    ind,
                    &format!("for ({n}, {c}) in {v}.chunks_exact_mut(2).enumerate() {{ {c}[1] = {FLT}::tanh({c}[1] + {n} as {FLT} * {c}[0] * {w}); }}"),
                );
            }
            4 => {
                let (h, a, b) = (self.fresh("h"), self.fresh("pa"), self.fresh("pb"));
                Self::line(out, ind, &format!("let {h} = {v}.len() / 2;"));
                Self::line(
                    out,
                    ind,
                    &format!("let ({a}, {b}) = {v}.split_at_mut({h});"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("if {a}.len() > 0 {{ {a}[0] = {FLT}::tanh({a}[0] + {b}[0] * {w}); }}"),
                );
                Self::line(out, ind, &format!("{b}[{b}.len() - 1] *= 0.5;"));
            }
            _ => {
                // (The amount first: `v.rotate_left(v.len() ..)` borrows `v` twice.)
                let k = self.fresh("k");
                let rot = if self.rng.chance(0.5) {
                    format!("let {k} = 1 % {v}.len();\n{v}.rotate_left({k});")
                } else {
                    format!("let {k} = {v}.len() / 2;\n{v}.rotate_right({k});")
                };
                for l in rot.lines() {
                    Self::line(out, ind, l);
                }
                Self::line(out, ind, &format!("{v}[0] = {FLT}::tanh({v}[0] + {w});"));
            }
        }
        // Sometimes its elements shifted: an element inserted, one removed (read in a
        // condition or as a value), one swapped out, one pushed after them; every element
        // within ±1 and the length at least 1 after each.
        if self.on("stmt:shifted_buffer") && self.rng.chance(0.3) {
            let (k, rm) = (self.fresh("k"), self.fresh("rm"));
            let lines = [
                format!("let {k} = {v}.len() / 2;"),
                format!("{v}.insert({k}, {FLT}::tanh({w} * {v}[0]));"),
                match self.rng.below(3) {
                    0 => format!("let {rm}: {FLT} = {v}.remove(0);"),
                    1 => format!("let {rm}: {FLT} = if {v}.remove({v}.len() - 1) > 0.0 {{ 0.5 }} else {{ {v}[0] * 0.5 }};"),
                    _ => format!("let {rm}: {FLT} = {v}.swap_remove(0);"),
                },
                format!("{v}[0] = {FLT}::tanh({v}[0] + {rm} * 0.5);"),
                format!("if {v}.len() > 1 {{ {v}.remove(1); {v}.push({FLT}::tanh({rm} - {v}[0])); }}"),
            ];
            for l in &lines {
                Self::line(out, ind, l);
            }
        }
        Self::line(
            out,
            ind,
            &format!("let {r}: {FLT} = {v}[0] + {v}[{v}.len() - 1] * 0.5;"),
        );
        self.declare(&r, VarKind::Float(Iv(-1.5, 1.5, e.iv.2 || iv.2)), false);
    }

    /// An element of an iterator or a buffer: the last, first or second item of a `map`
    /// (`.last()`, `.next()`, `.nth(1)` with a default), the argmax over copied items with its
    /// position, an `Option` of the last element of a buffer built by `push`, and the sum of a
    /// range collected whose bound is an untyped integer.
    fn iter_element(&mut self, out: &mut String, ind: usize) {
        let Some((xs, iv, e)) = self.nonempty_seq_and_value() else {
            return;
        };
        let w = paren(&e.s);
        let (p, r) = (self.fresh("p"), self.fresh("ie"));
        // Every result within ±2.
        let line = match self.rng.below(6) {
            0 => format!("let {r}: {FLT} = {xs}.iter().map(|&{p}| {FLT}::tanh({p} * {w})).last().unwrap_or(0.5);"),
            1 => format!("let {r}: {FLT} = {xs}.iter().map(|{p}| {FLT}::tanh(*{p} + {w})).next().unwrap();"),
            2 => format!("let {r}: {FLT} = {xs}.iter().copied().map(|{p}| {FLT}::tanh({p}) * {w}).nth(1).unwrap_or(0.25);"),
            3 => {
                let (i, m) = (self.fresh("i"), self.fresh("m"));
                format!("let ({i}, {m}) = {xs}.iter().copied().enumerate().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();\nlet {r}: {FLT} = {FLT}::tanh({m}) * (1.0 + {i} as {FLT} * 0.1) * {w};")
            }
            4 => {
                let (pv, o, q) = (self.fresh("pv"), self.fresh("po"), self.fresh("q"));
                let c = self.cond(1);
                format!("let mut {pv} = Vec::new();\nfor &{p} in {xs}.iter() {{ {pv}.push({FLT}::tanh({p} * {w})); }}\nlet {o} = if {c} {{ Some({pv}[{pv}.len() - 1]) }} else {{ None }};\nlet {r}: {FLT} = match {o} {{ {} }};", self.opt_arms(format!("Some({q}) => {q} * 2.0"), "None => 0.25".to_string()))
            }
            _ => {
                let (n, cv, j) = (self.fresh("n"), self.fresh("cv"), self.fresh("j"));
                format!("let {n} = 2;\nlet {cv}: Vec<{FLT}> = (0..={n}).map(|{j}| {FLT}::tanh({w} + {xs}[0]).powi({n} - {j})).collect();\nlet {r}: {FLT} = {cv}.iter().sum::<{FLT}>() * 0.5;")
            }
        };
        for l in line.lines() {
            Self::line(out, ind, l);
        }
        self.declare(&r, VarKind::Float(Iv(-2.0, 2.0, e.iv.2 || iv.2)), false);
    }

    /// A local array copied (`let p = s;`, arrays are `Copy`) and then the original or the copy
    /// written, the original replaced whole in a loop keeping the previous state, or captured by
    /// a `move` closure (an array or a tuple) before a write: each copy keeps what it held.
    fn array_copy(&mut self, out: &mut String, ind: usize) {
        let (e1, e2, e3) = (
            self.wrapped(1, (-2.0, 2.0)),
            self.wrapped(1, (-2.0, 2.0)),
            self.wrapped(1, (-2.0, 2.0)),
        );
        let act = e1.iv.2 || e2.iv.2 || e3.iv.2;
        let (st, cp, r) = (self.fresh("st"), self.fresh("cp"), self.fresh("cr"));
        let w = paren(&e3.s);
        Self::line(out, ind, &format!("let mut {st} = [{}, {}];", e1.s, e2.s));
        // Every element within ±2 (tanh of the state), the result within ±6.
        match self.rng.below(5) {
            0 => {
                Self::line(out, ind, &format!("let {cp} = {st};"));
                Self::line(out, ind, &format!("{st}[0] = {w};"));
            }
            1 => {
                Self::line(out, ind, &format!("let mut {cp} = {st};"));
                Self::line(out, ind, &format!("{cp}[1] = {w};"));
            }
            2 => {
                let prev = self.fresh("prev");
                Self::line(out, ind, &format!("let mut {cp} = {st};"));
                Self::line(out, ind, "for _ in 0..2 {");
                Self::line(out, ind + 1, &format!("let {prev} = {st};"));
                Self::line(
                    out,
                    ind + 1,
                    &format!("{st} = [{FLT}::tanh({st}[1] + {cp}[0] * 0.5), {FLT}::tanh({prev}[0] * {w})];"),
                );
                Self::line(out, ind + 1, &format!("{cp} = {prev};"));
                Self::line(out, ind, "}");
            }
            3 => {
                let g = self.fresh("gm");
                Self::line(out, ind, &format!("let {g} = move || [{st}[0], {st}[1]];"));
                Self::line(out, ind, &format!("{st}[0] = {w};"));
                Self::line(out, ind, &format!("let {cp} = {g}();"));
            }
            _ => {
                let (g, t) = (self.fresh("gm"), self.fresh("tp"));
                Self::line(out, ind, &format!("let mut {t} = ({st}[0], {st}[1]);"));
                Self::line(out, ind, &format!("let {g} = move || [{t}.0, {t}.1];"));
                Self::line(out, ind, &format!("{t}.0 = {w};"));
                Self::line(out, ind, &format!("{st}[0] = {t}.0 * 0.5 + {t}.1 * 0.25;"));
                Self::line(out, ind, &format!("let {cp} = {g}();"));
            }
        }
        Self::line(
            out,
            ind,
            &format!("let {r}: {FLT} = {cp}[0] * {cp}[1] + {st}[0];"),
        );
        self.declare(&r, VarKind::Float(Iv(-6.0, 6.0, act)), false);
    }

    /// Function pointers called on data: a local `fn(FLT) -> FLT` (typed, or made by `as`), or a
    /// constant table of them iterated (`for f in T.iter()`, with `enumerate`, or in a `map`),
    /// each result scaling a value of the body.
    fn fn_pointer(&mut self, out: &mut String, ind: usize) {
        let e = self.wrapped(1, (-2.0, 2.0));
        let ee = paren(&e.s);
        let r = self.fresh("fr");
        let arg = fmt_float(self.rng.uniform(-1.0, 1.0));
        let (fp, f) = (self.fresh("fp"), self.fresh("f"));
        match self.rng.below(4) {
            0 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {fp}: fn({FLT}) -> {FLT} = {FLT}::sin;"),
                );
                Self::line(out, ind, &format!("let {r}: {FLT} = {ee} * {fp}({arg});"));
            }
            1 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {fp} = {FLT}::tanh as fn({FLT}) -> {FLT};"),
                );
                Self::line(out, ind, &format!("let {r}: {FLT} = {fp}({arg}) * {ee};"));
            }
            k => {
                let table = format!(
                    "{}_{FLT}",
                    self.fresh(&format!("FNS{}_", self.base)).to_uppercase()
                );
                let _ = writeln!(
                    self.items,
                    "const {table}: [fn({FLT}) -> {FLT}; 3] = [{FLT}::sin, {FLT}::cos, {FLT}::tanh];"
                );
                if k == 2 {
                    let j = self.fresh("j");
                    Self::line(out, ind, &format!("let mut {r}: {FLT} = 0.0;"));
                    if self.rng.chance(0.5) {
                        Self::line(
                            out,
                            ind,
                            &format!("for ({j}, {f}) in {table}.iter().enumerate() {{ {r} += {ee} * {f}({arg} + {j} as {FLT} * 0.25) * 0.25; }}"),
                        );
                    } else {
                        Self::line(
                            out,
                            ind,
                            &format!("for {f} in &{table} {{ {r} += {f}({arg}) * {ee} * 0.25; }}"),
                        );
                    }
                } else {
                    Self::line(
                        out,
                        ind,
                        &format!("let {r}: {FLT} = {table}.iter().map(|{f}| {f}({arg})).sum::<{FLT}>() * {ee} * 0.25;"),
                    );
                }
            }
        }
        // |f(arg)| <= 1.5 for arguments within 2 of zero, at most three of them summed.
        let m = 1.5 * e.iv.mag();
        self.declare(&r, VarKind::Float(Iv(-m, m, e.iv.2)), false);
    }

    /// A function item in the body (it reads only its parameter), called twice, sometimes
    /// leaving by `return`; or, with `fn` off, the same as a closure that `return`s.
    fn fn_item(&mut self, out: &mut String, ind: usize) {
        let (f, z) = (self.fresh("f"), self.fresh("z"));
        let (e1, e2) = (self.expr(1), self.expr(1));
        let (e1, e2) = (self.wrap(e1, (-5.0, 5.0)), self.wrap(e2, (-5.0, 5.0)));
        let c = fmt_float(self.rng.uniform(-1.0, 1.0));
        let pieces = [
            format!("{c} * {z} + ({z} * 0.5).sin()"),
            format!("{z} * (0.5 + 0.25 * {z}.tanh())"),
            format!("({z} * {z} + 1.0).sqrt() - 1.0"),
        ];
        let (t1, t2) = (
            self.rng.pick(&pieces).clone(),
            self.rng.pick(&pieces).clone(),
        );
        let returns = self.on("stmt:fn_return") && self.rng.chance(0.5);
        let body = if returns {
            format!("if {z} > {c} {{ return {t1}; }} {t2}")
        } else {
            t1
        };
        // |piece| <= |z| + 1 for |c| <= 1 and |z| <= 5.
        let m = e1.iv.union(e2.iv).mag() + 1.0;
        if returns && self.rng.chance(0.3) && self.on("stmt:closure_return") {
            Self::line(out, ind, &format!("let {f} = |{z}: {FLT}| {{ {body} }};"));
        } else {
            Self::line(
                out,
                ind,
                &format!("fn {f}({z}: {FLT}) -> {FLT} {{ {body} }}"),
            );
        }
        let n = self.fresh("v");
        Self::line(
            out,
            ind,
            &format!("let {n}: {FLT} = {f}({}) * 0.5 + {f}({});", e1.s, e2.s),
        );
        let act = e1.iv.2 || e2.iv.2;
        self.declare(&n, VarKind::Float(Iv(-2.0 * m, 2.0 * m, act)), false);
    }

    fn closure_stmt(&mut self, out: &mut String, ind: usize) {
        let f = self.fresh("f");
        let z = self.fresh("z");
        let (e1, e2) = (self.expr(1), self.expr(1));
        let (e1, e2) = (self.wrap(e1, (-5.0, 5.0)), self.wrap(e2, (-5.0, 5.0)));
        let body = self.closure_body(&[z.as_str()], e1.iv.union(e2.iv), 1);
        // (`move` only of numbers: a buffer it read would be moved into it, and the user's
        // code could not read it after — invalid Rust, not the macro's to accept.)
        let reads_seq = body.s.contains('[') || body.s.contains(".iter") || body.s.contains(".len");
        let mv = if !reads_seq && self.on("stmt:move_closure") && self.rng.chance(0.3) {
            "move "
        } else {
            ""
        };
        // Sometimes the `move` closure reads a mutable float, then declares a name of its own
        // the same (`let a = t * 0.5;`), and the float changes before the calls: the calls
        // read the copy taken at the definition, the body its own `a` after the `let`.
        let outer: Vec<(String, Iv)> = self.floats(|v, iv| {
            v.mutable && iv.0 <= 0.0 && iv.1 >= 0.0 && !body.s.contains(v.name.as_str())
        });
        if !mv.is_empty()
            && !outer.is_empty()
            && self.on("stmt:move_shadow")
            && self.rng.chance(0.5)
        {
            let (a, ia) = self.rng.pick(&outer).clone();
            let t = self.fresh("t");
            Self::line(
                out,
                ind,
                &format!("let {f} = move |{z}: {FLT}| {{ let {t} = {a} * 0.5 + {}; let {a} = {t} * 0.5; {a} + {t} }};", body.s),
            );
            // (|a * 0.5| stays within a's interval, which holds 0.)
            Self::line(out, ind, &format!("{a} = {a} * 0.5;"));
            let n = self.fresh("v");
            Self::line(
                out,
                ind,
                &format!("let {n}: {FLT} = {f}({}) + {f}({});", e1.s, e2.s),
            );
            let m = 3.0 * (0.5 * ia.mag() + body.iv.mag());
            let act = ia.2 || body.iv.2 || e1.iv.2 || e2.iv.2;
            self.declare(&n, VarKind::Float(Iv(-m, m, act)), false);
            return;
        }
        // Sometimes held as a `Box<dyn Fn>`, a `&dyn Fn` or through a second name.
        let closure = format!("{mv}|{z}: {FLT}| {}", body.s);
        let held = match self.rng.below(4) {
            // (A box holds a `'static` closure, and holds it to the end of the block: `move`,
            // of numbers only.)
            0 if self.on("stmt:closure_held") && !reads_seq => {
                let body = &body.s;
                format!(
                    "let {f}: Box<dyn Fn({FLT}) -> {FLT}> = Box::new(move |{z}: {FLT}| {body});"
                )
            }
            1 if self.on("stmt:closure_held") => {
                format!("let {f}: &dyn Fn({FLT}) -> {FLT} = &{closure};")
            }
            2 if self.on("stmt:closure_held") => {
                let g = self.fresh("g");
                format!("let {g} = {closure};\nlet {f} = &{g};")
            }
            _ => format!("let {f} = {closure};"),
        };
        // Sometimes chosen by a condition on a float of the scope, against a closure that
        // halves its argument.
        let conds = self.floats(|v, _| v.name.chars().all(|c| c.is_alphanumeric() || c == '_'));
        let chosen = self.on("stmt:closure_chosen") && !conds.is_empty() && self.rng.chance(0.2);
        let (held, body) = if chosen {
            let (c, _) = self.rng.pick(&conds).clone();
            let w = self.fresh("w");
            (
                format!("let {f}: &dyn Fn({FLT}) -> {FLT} = if {c} > 0.0 {{ &{closure} }} else {{ &|{w}: {FLT}| {w} * 0.5 }};"),
                Ex { iv: body.iv.union(Iv(-2.5, 2.5, false)), ..body },
            )
        } else {
            (held, body)
        };
        for l in held.lines() {
            Self::line(out, ind, l);
        }
        let n = self.fresh("v");
        // Sometimes called by a closure that takes it (or a function by its path) as
        // `&dyn Fn`: `ap(&f, v)`, `ap(&|z| .., v)`, `ap(&FLT::tanh, v)`.
        if self.on("stmt:closure_taking") && self.rng.chance(0.3) {
            let (ap, g, v) = (self.fresh("ap"), self.fresh("g"), self.fresh("v"));
            Self::line(
                out,
                ind,
                &format!("let {ap} = |{g}: &dyn Fn({FLT}) -> {FLT}, {v}: {FLT}| {g}({v}) + {g}({v}) * 0.5;"),
            );
            let (arg, iv) = match self.rng.below(3) {
                0 => (format!("&{f}"), body.iv),
                1 => (format!("&{closure}"), body.iv),
                _ => (format!("&{FLT}::tanh"), Iv(-1.0, 1.0, false)),
            };
            let act = iv.2 || e1.iv.2;
            Self::line(
                out,
                ind,
                &format!("let {n}: {FLT} = {ap}({arg}, {}) + {f}({});", e1.s, e2.s),
            );
            let m = 1.5 * iv.mag() + body.iv.mag();
            self.declare(&n, VarKind::Float(Iv(-m, m, act || body.iv.2)), false);
            return;
        }
        Self::line(
            out,
            ind,
            &format!("let {n}: {FLT} = {f}({}) + {f}({});", e1.s, e2.s),
        );
        self.declare(&n, VarKind::Float(body.iv.add(body.iv)), false);
    }

    /// Reductions and states over ranges in the forms people write them: an untyped reduction
    /// assigned to a float place, integer chains over ranges, a state made by a closure, a
    /// matrix assigned whole.
    fn range_forms(&mut self, out: &mut String, ind: usize) {
        let n = self.fresh("r");
        let i = self.fresh("i");
        let lim = self.rng.range(0, 5);
        let e = self.expr(1);
        let e = self.wrap(e, UNIT);
        let act = e.iv.2;
        {
            let (b, k, f, y, m, r) = (
                self.fresh("rb"),
                self.fresh("k"),
                self.fresh("step"),
                self.fresh("y"),
                self.fresh("m"),
                self.fresh("mr"),
            );
            let ep = paren(&e.s);
            let (li, lj, lk) = (self.fresh("i"), self.fresh("j"), self.fresh("k"));
            let line = match self.rng.below(5) {
                // An untyped reduction assigned to a float local or a buffer's element.
                0 if self.on("reduce:assigned") => format!(
                    "let mut {n}: {FLT} = 0.0;\n{n} = (0..{lim}).map(|{i}| {i} as {FLT} * 0.25 * {ep}).sum();"
                ),
                1 if self.on("reduce:assigned") => format!(
                    "let mut {b} = vec![0.0; 2];\n{b}[1] = (1..={lim}).map(|{i}| 1.0 + 0.1 * {ep} / {i} as {FLT}).product();\nlet {n}: {FLT} = {b}[1] * 0.5 + {b}[0];"
                ),
                // Integers over ranges, kept as written, scaling a float.
                2 if self.on("reduce:int_chain") => format!(
                    "let {k}: usize = (0..{lim}).filter(|{i}| {i} % 2 == 0).count() + (1..={lim}).product::<usize>() + (0..{lim}).map(|{i}| {i} * 2).sum::<usize>();\nlet {n}: {FLT} = {ep} * {k} as {FLT} * 0.05;"
                ),
                // State updated by a closure that makes the next state.
                3 if self.on("stmt:closure_state") => format!(
                    "let {f} = |s: &[{FLT}], c: {FLT}| -> Vec<{FLT}> {{ vec![s[0] * c, s[1] + c * s[0]] }};\nlet mut {y} = vec![{ep}, 0.5];\nfor _ in 0..{lim} {{\n    {y} = {f}(&{y}, 0.5 * {ep});\n}}\nlet {n}: {FLT} = {y}[0] + {y}[1];"
                ),
                // A matrix squared in place by whole assignment.
                4 if self.on("stmt:matrix_assign") => format!(
                    "let mut {m} = [[{ep}, 0.5], [-0.5, {ep}]];\nfor _ in 0..{} {{\n    let mut {r} = [[0.0; 2]; 2];\n    for {li} in 0..2 {{\n        for {lj} in 0..2 {{\n            for {lk} in 0..2 {{\n                {r}[{li}][{lj}] += {m}[{li}][{lk}] * {m}[{lk}][{lj}] * 0.5;\n            }}\n        }}\n    }}\n    {m} = {r};\n}}\nlet {n}: {FLT} = {m}[0][0] + {m}[1][0];",
                    lim.min(2)
                ),
                _ => String::new(),
            };
            if !line.is_empty() {
                for l in line.lines() {
                    Self::line(out, ind, l);
                }
                self.declare(&n, VarKind::Float(Iv(-6.0, 6.0, act)), false);
            }
        }
    }

    /// `(0..k).map(|i| ..).sum::<T>()`, `.product::<T>()`, `(0..k).rev().fold(e, |acc, i| ..)`.
    fn range_reduction(&mut self, out: &mut String, ind: usize) {
        let n = self.fresh("r");
        let i = self.fresh("i");
        let lim = self.rng.range(0, 5);
        let e = self.expr(1);
        let e = self.wrap(e, UNIT);
        let act = e.iv.2;
        let flat = self.on("reduce:flat_map") && self.rng.chance(0.3);
        let counted = !flat && self.on("reduce:range_enumerate") && self.rng.chance(0.25);
        let s = match if flat {
            4 + self.rng.below(3)
        } else if counted {
            7 + self.rng.below(2)
        } else {
            self.rng.below(4)
        } {
            // A count beside the range's numbers, which adaptors before it set apart.
            7 => {
                let c = self.fresh("c");
                format!(
                    "let {n}: {FLT} = (0..{lim}).skip(1).enumerate().map(|({c}, {i})| ({c} + 2 * {i}) as {FLT} * 0.125 * {}).sum::<{FLT}>();",
                    paren(&e.s)
                )
            }
            8 => {
                let (c, acc) = (self.fresh("c"), self.fresh("acc"));
                format!(
                    "let {n}: {FLT} = (0..{lim}).rev().enumerate().fold({}, |{acc}, ({c}, {i})| {acc} * 0.5 + ({c} * {i}) as {FLT} * 0.05);",
                    e.s
                )
            }
            4..=6 => {
                // The value bound first: a `move` closure copies it.
                let (c, j, v) = (self.fresh("fc"), self.fresh("j"), self.fresh("fv"));
                Self::line(out, ind, &format!("let {c}: {FLT} = {};", e.s));
                let chain = format!("(0..{lim}).flat_map(|{i}| (0..2).map(move |{j}| ({i} + {j}) as {FLT} * 0.125 * {c}))");
                match self.rng.below(3) {
                    0 => format!("let {n}: {FLT} = {chain}.sum::<{FLT}>();"),
                    1 => format!("let {n}: {FLT} = {chain}.map(|{v}| {FLT}::sin({v})).fold(0.0, |a, b| a + b);"),
                    _ => {
                        Self::line(out, ind, &format!("let mut {n}: {FLT} = 0.0;"));
                        format!("for {v} in {chain} {{ {n} += {FLT}::tanh({v}); }}")
                    }
                }
            }
            0 => format!(
                "let {n}: {FLT} = (0..{lim}).map(|{i}| {i} as {FLT} * 0.25 * {}).sum::<{FLT}>();",
                paren(&e.s)
            ),
            1 => format!(
                "let {n}: {FLT} = (1..={lim}).map(|{i}| 1.0 + 0.1 * {} / {i} as {FLT}).product::<{FLT}>();",
                paren(&e.s)
            ),
            2 => {
                let acc = self.fresh("acc");
                format!(
                    "let {n}: {FLT} = (0..{lim}).rev().fold({}, |{acc}, {i}| {acc} * 0.5 + {i} as {FLT} * 0.1);",
                    e.s
                )
            }
            _ => format!(
                "let {n}: {FLT} = (0..{lim}).step_by(2).map(|{i}| ({} + {i} as {FLT}).sin()).sum::<{FLT}>();",
                paren(&e.s)
            ),
        };
        Self::line(out, ind, &s);
        self.declare(&n, VarKind::Float(Iv(-6.0, 6.0, act)), false);
    }

    fn if_stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let acc = self.some_mut(ctx, out, ind);
        let inner = Ctx {
            depth: ctx.depth + 1,
            ..ctx
        };
        let c = self.cond(1);
        Self::line(out, ind, &format!("if {c} {{"));
        let arms = 1 + self.rng.below(3);
        for arm in 0..arms {
            self.frames.push(vec![]);
            let n = self.rng.below(3);
            self.block(inner, n, out, ind + 1);
            self.update(&acc, inner, out, ind + 1);
            self.frames.pop();
            if arm + 1 < arms {
                if arm + 2 < arms || self.rng.chance(0.5) {
                    let c = self.cond(1);
                    Self::line(out, ind, &format!("}} else if {c} {{"));
                } else {
                    Self::line(out, ind, "} else {");
                }
            }
        }
        Self::line(out, ind, "}");
    }

    /// A `for` header and the variables it binds: (header, floats, ints with the key they index).
    fn loop_header(&mut self) -> Option<Header> {
        let sl = self.slices();
        let ns: Vec<String> = self
            .ints()
            .into_iter()
            .filter(|i| i.2 == "usize" && i.1.is_none() && !i.0.starts_with('j'))
            .map(|i| i.0)
            .collect();
        let i = self.fresh("i");
        let v = self.fresh("e");
        let which = self.rng.below(17);
        let key = format!("loop:{which}");
        if !self.on(&key) {
            return None;
        }
        if which >= 15 {
            // Bounds read from rows or from a model's layers: `0..ws.len()`, `0..ws[0].len()`,
            // `0..layers.len()`.
            let mut hs = Vec::new();
            for v in self.visible() {
                let w = v.name;
                match v.kind {
                    VarKind::Rows { tuple: false, .. } if self.on("loop:rows_len") => {
                        hs.push((
                            format!("for {i} in 0..{w}.len()"),
                            Some(format!("rows:{w}")),
                        ));
                        hs.push((format!("for {i} in 0..{w}[0].len()"), None));
                    }
                    VarKind::Layers { .. } if self.on("loop:layers_len") => {
                        hs.push((
                            format!("for {i} in 0..{w}.len()"),
                            Some(format!("layers:{w}")),
                        ));
                        hs.push((format!("for {i} in 0..{w}[0].w.len()"), None));
                    }
                    _ => {}
                }
            }
            if hs.is_empty() {
                return None;
            }
            let (h, key) = self.rng.pick(&hs).clone();
            return Some((h, vec![], vec![(i, key)]));
        }
        if which >= 3 && sl.is_empty() {
            return None;
        }
        let (xs, xiv) = if sl.is_empty() {
            (String::new(), Iv::pt(0.0))
        } else {
            self.rng.pick(&sl).clone()
        };
        if (which == 13 || which == 14) && !self.layer_ok(&xs, "layers:w_subslice") {
            return None;
        }
        let idx = |k: &str| vec![(i.clone(), Some(k.to_string()))];
        Some(match which {
            0 => {
                let (bound, key) = match ns.first() {
                    Some(n) => (n.clone(), n.clone()),
                    None => ("4".into(), "4".into()),
                };
                (format!("for {i} in 0..{bound}"), vec![], idx(&key))
            }
            1 if self.on("loop:cast_bound") && self.rng.chance(0.3) => {
                // A bound cast from a float's whole part, written inline (0 to 3 trips).
                let e = self.wrapped(1, (-2.0, 2.0));
                let whole = format!("{FLT}::floor({} * 0.5 + 1.0) as usize", paren(&e.s));
                (
                    format!("for {i} in 0..({whole}).min(3)"),
                    vec![],
                    vec![(i.clone(), None)],
                )
            }
            1 => (format!("for {i} in 1..=3"), vec![], vec![(i.clone(), None)]),
            2 => (format!("for {i} in (0..4).rev()"), vec![], idx("4")),
            3 => (format!("for {i} in 0..{xs}.len()"), vec![], idx(&xs)),
            4 => (
                format!("for {i} in (0..{xs}.len()).rev()"),
                vec![],
                idx(&xs),
            ),
            5 if self.on("loop:step_incl") && self.rng.chance(0.4) => (
                format!("for {i} in (0..={xs}.len() - 1).step_by(2)"),
                vec![],
                idx(&xs),
            ),
            5 => (
                format!("for {i} in (0..{xs}.len()).step_by(2)"),
                vec![],
                idx(&xs),
            ),
            6 if self.on("loop:chain") && self.rng.chance(0.25) => {
                // Two slices one after the other, sometimes counted across both.
                let (ys, yiv) = self.rng.pick(&sl).clone();
                if self.on("loop:chain_step") && self.rng.chance(0.3) {
                    (
                        format!("for &{v} in {xs}.iter().chain({ys}).step_by(2)"),
                        vec![(v, xiv.union(yiv))],
                        vec![],
                    )
                } else if self.rng.chance(0.5) {
                    (
                        format!("for ({i}, &{v}) in {xs}.iter().chain({ys}.iter()).enumerate()"),
                        vec![(v, xiv.union(yiv))],
                        vec![(i, None)],
                    )
                } else {
                    (
                        format!("for &{v} in {xs}.iter().chain({ys})"),
                        vec![(v, xiv.union(yiv))],
                        vec![],
                    )
                }
            }
            6 => {
                // Sometimes only the elements a predicate keeps (`filter`, `take_while`).
                let keep = self.loop_filter(&["a"], "**a", "&&a", "a");
                (
                    format!("for &{v} in {xs}.iter(){keep}"),
                    vec![(v, xiv)],
                    vec![],
                )
            }
            7 => {
                let keep = if self.on("loop:filter") && self.rng.chance(0.3) {
                    let k = self.fresh("k");
                    let m = self.rng.range(2, 3);
                    if self.rng.chance(0.5) {
                        format!(".filter(|({k}, _)| {k} % {m} == 0)")
                    } else {
                        format!(".filter(|&({k}, &a)| {k} != 1 || a > 0.0)")
                    }
                } else {
                    String::new()
                };
                (
                    format!("for (i{i}, &{v}) in {xs}.iter().enumerate(){keep}"),
                    vec![(v, xiv)],
                    vec![(format!("i{i}"), Some(xs))],
                )
            }
            8 => {
                let (ys, yiv) = self.rng.pick(&sl).clone();
                let w = self.fresh("y");
                let keep = self.loop_filter(&["a", "_"], "**a", "&(&a, _)", "a");
                (
                    format!("for (&{v}, &{w}) in {xs}.iter().zip({ys}.iter()){keep}"),
                    vec![(v, xiv), (w, yiv)],
                    vec![],
                )
            }
            9 => (
                format!("for &{v} in {xs}.iter().skip(1)"),
                vec![(v, xiv)],
                vec![],
            ),
            10 => (
                format!("for &{v} in {xs}.iter().take(2)"),
                vec![(v, xiv)],
                vec![],
            ),
            11 => (
                format!("for &{v} in {xs}.iter().rev()"),
                vec![(v, xiv)],
                vec![],
            ),
            // Sub-slices iterated directly.
            13 => (
                format!("for &{v} in &{xs}[{xs}.len() / 2..]"),
                vec![(v, xiv)],
                vec![],
            ),
            14 => (
                format!("for &{v} in {xs}[..{xs}.len() / 2].iter()"),
                vec![(v, xiv)],
                vec![],
            ),
            _ => (
                format!("for &{v} in {xs}.iter().step_by(2)"),
                vec![(v, xiv)],
                vec![],
            ),
        })
    }

    /// Sometimes `.filter(..)` or `.take_while(..)` after a loop's iterator, keeping the items
    /// past a threshold: `names` the closure's pattern parts (one: `|a|`; more: a tuple), `deref`
    /// the item read through the reference it gets, `by_value` a pattern that takes the float,
    /// `value` the float it then names.
    fn loop_filter(&mut self, names: &[&str], deref: &str, by_value: &str, value: &str) -> String {
        if !self.on("loop:filter") || !self.rng.chance(0.3) {
            return String::new();
        }
        let c = fmt_float(self.rng.uniform(-1.0, 1.0));
        let pat = if names.len() == 1 {
            names[0].to_string()
        } else {
            format!("({})", names.join(", "))
        };
        match self.rng.below(3) {
            0 => format!(".filter(|{pat}| {deref} > {c})"),
            1 => format!(".filter(|{by_value}| {value} < {c} + 1.0)"),
            _ => format!(".take_while(|{by_value}| {value} < {c} + 1.5)"),
        }
    }

    fn for_stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let Some((header, fs, is)) = self.loop_header() else {
            return;
        };
        let acc = self.some_mut(ctx, out, ind);
        // The previous iteration's value carried along (`let old = prev; prev = e;`), whose
        // adjoint at an iteration's start is a value of that iteration.
        let prev = (self.on("stmt:prev_carry") && self.rng.chance(0.15)).then(|| {
            let p = self.fresh("pv");
            Self::line(out, ind, &format!("let mut {p}: {FLT} = 0.5;"));
            // (Not offered to other statements to write: its interval holds by this one.)
            self.declare(&p, VarKind::Float(Iv(-1.0, 1.0, true)), false);
            p
        });
        Self::line(out, ind, &format!("{header} {{"));
        self.frames.push(vec![]);
        for (n, iv) in fs {
            self.declare(&n, VarKind::Float(iv), false);
        }
        for (n, key) in is {
            self.declare(
                &n,
                VarKind::Int {
                    index_for: key,
                    ty: "usize",
                },
                false,
            );
        }
        if let Some(p) = prev {
            let e = self.expr(1);
            let e = if e.iv.mag() > 1.0 || !e.iv.mag().is_finite() {
                let iv = e.iv.to(-1.0, 1.0);
                Ex::new(self.tanh_ex(e), true, iv)
            } else {
                e
            };
            let o = self.fresh("po");
            // Also as `std::mem::replace`, which the macro reads as the two statements (not
            // with a new value that reads the name: `&mut p` borrows it for the call).
            let reads_p =
                e.s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|w| w == p);
            if self.on("stmt:mem_replace") && !reads_p && self.rng.chance(0.5) {
                Self::line(
                    out,
                    ind + 1,
                    &format!("let {o} = std::mem::replace(&mut {p}, {});", e.s),
                );
            } else {
                Self::line(out, ind + 1, &format!("let {o} = {p};"));
                Self::line(out, ind + 1, &format!("{p} = {};", e.s));
            }
            self.declare(&o, VarKind::Float(Iv(-1.0, 1.0, true)), false);
        }
        // A loop over a chain runs its body twice over: no `break` of it (nor a `continue` or a
        // `return`, for simplicity).
        let chained = header.contains(".chain(");
        self.loop_body_with(ctx, &acc, 4, !chained, out, ind);
    }

    /// The rest of a loop's body (up to `max - 1` statements, then an update of `acc`) in the
    /// frame the caller pushed, and the closing brace.
    fn loop_body(&mut self, ctx: Ctx, acc: &str, max: usize, out: &mut String, ind: usize) {
        self.loop_body_with(ctx, acc, max, true, out, ind);
    }

    /// [`Self::loop_body`], with jumps out of the body allowed or not.
    fn loop_body_with(
        &mut self,
        ctx: Ctx,
        acc: &str,
        max: usize,
        jumps: bool,
        out: &mut String,
        ind: usize,
    ) {
        let mut inner = ctx.in_loops(1);
        if !jumps {
            (inner.brk, inner.ret) = (false, false);
        }
        let n = self.rng.below(max);
        self.block(inner, n, out, ind + 1);
        self.update(acc, inner, out, ind + 1);
        self.frames.pop();
        Self::line(out, ind, "}");
    }

    fn while_stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let acc = self.some_mut(ctx, out, ind);
        let j = self.fresh("j");
        let lim = self.rng.range(1, 4);
        Self::line(out, ind, &format!("let mut {j} = 0usize;"));
        Self::line(out, ind, &format!("while {j} < {lim} {{"));
        // The counter moves first, so that a `continue` below cannot loop forever.
        Self::line(out, ind + 1, &format!("{j} += 1;"));
        self.frames.push(vec![]);
        self.declare(
            &j,
            VarKind::Int {
                index_for: None,
                ty: "usize",
            },
            false,
        );
        self.loop_body(ctx, &acc, 3, out, ind);
    }

    /// A local buffer, filled by one loop, then read: `let mut z = vec![0.0; n]` or `[0.0; 4]`.
    fn buffer(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let z = self.fresh("z");
        let ns: Vec<String> = self
            .ints()
            .into_iter()
            .filter(|i| i.2 == "usize" && i.1.is_none() && !i.0.starts_with('j'))
            .map(|i| i.0)
            .collect();
        let (decl, key, min_len) = match ns.first() {
            Some(n) if self.rng.chance(0.6) => {
                let d = match self.rng.below(3) {
                    0 => format!("let mut {z}: Vec<{FLT}> = vec![0.0; {n}];"),
                    1 => format!("let mut {z} = vec![0.0_{FLT}; {n}];"),
                    _ => format!("let mut {z} = vec![0.0 as {FLT}; {n}];"),
                };
                (d, n.clone(), 0)
            }
            _ => (
                format!("let mut {z}: [{FLT}; 4] = [0.0; 4];"),
                "4".to_string(),
                4,
            ),
        };
        if decl.contains(" as ") && !self.on("buffer:as_init") {
            return;
        }
        Self::line(out, ind, &decl);
        let i = self.fresh("i");
        // Written by index, or through `iter_mut()` (enumerated or not) or `&mut`.
        let form = if self.on("buffer:iter_mut") {
            self.rng.below(5)
        } else {
            0
        };
        let el = self.fresh("el");
        match form {
            1 | 2 => Self::line(
                out,
                ind,
                &format!("for ({i}, {el}) in {z}.iter_mut().enumerate() {{"),
            ),
            3 => Self::line(out, ind, &format!("for {el} in {z}.iter_mut() {{")),
            4 => Self::line(out, ind, &format!("for {el} in &mut {z} {{")),
            _ => Self::line(out, ind, &format!("for {i} in 0..{key} {{")),
        }
        self.frames.push(vec![]);
        if form <= 2 {
            self.declare(
                &i,
                VarKind::Int {
                    index_for: Some(key.clone()),
                    ty: "usize",
                },
                false,
            );
        }
        let e = self.expr(2);
        let e = self.wrap(e, (-20.0, 20.0));
        let op = if self.rng.chance(0.3) { "+=" } else { "=" };
        let place = if form == 0 {
            format!("{z}[{i}]")
        } else {
            format!("*{el}")
        };
        Self::line(out, ind + 1, &format!("{place} {op} {};", e.s));
        self.frames.pop();
        Self::line(out, ind, "}");
        let _ = ctx;
        self.declare(
            &z,
            VarKind::Seq {
                key,
                iv: e.iv.union(Iv::pt(0.0)),
                min_len,
                slice: false,
            },
            false,
        );
    }

    /// `'l: for i in .. { for j in .. { if c { continue 'l; } <update> } <update> }` (or
    /// `break 'l`): a jump to the outer loop from the inner one.
    fn labeled_loops(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let acc = self.some_mut(ctx, out, ind);
        let (l, i, j) = (self.fresh("l"), self.fresh("i"), self.fresh("j"));
        let jump = if self.rng.chance(0.5) {
            "continue"
        } else {
            "break"
        };
        let (ni, nj) = (1 + self.rng.below(4), 1 + self.rng.below(3));
        Self::line(out, ind, &format!("'{l}: for {i} in 0..{ni} {{"));
        self.frames.push(vec![]);
        let int = VarKind::Int {
            index_for: None,
            ty: "usize",
        };
        self.declare(&i, int.clone(), false);
        Self::line(out, ind + 1, &format!("for {j} in 0..{nj} {{"));
        self.frames.push(vec![]);
        self.declare(&j, int, false);
        let c = if self.rng.chance(0.5) {
            format!("{j} > {i}")
        } else {
            self.cond(1)
        };
        if self.rng.chance(0.3) && self.on("labeled:match_arm") {
            // The jump as a `match` arm.
            let s = format!("match {j} % 2 {{ 0 if {c} => {jump} '{l}, _ => {{}} }}");
            Self::line(out, ind + 2, &s);
        } else {
            Self::nested(out, ind + 2, &format!("if {c}"), &format!("{jump} '{l};"));
        }
        let inner = ctx.in_loops(2);
        self.update(&acc, inner, out, ind + 2);
        self.frames.pop();
        Self::line(out, ind + 1, "}");
        let outer = ctx.in_loops(1);
        self.update(&acc, outer, out, ind + 1);
        self.frames.pop();
        Self::line(out, ind, "}");
    }

    /// `let v: T = 'l: loop { for i in 0..n { if c { break 'l e1; } acc update } break e2; };`.
    fn labeled_value(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let acc = self.some_mut(ctx, out, ind);
        let (l, i, v) = (self.fresh("l"), self.fresh("i"), self.fresh("lv"));
        let n = 1 + self.rng.below(4);
        Self::line(out, ind, &format!("let {v}: {FLT} = '{l}: loop {{"));
        Self::line(out, ind + 1, &format!("for {i} in 0..{n} {{"));
        self.frames.push(vec![]);
        self.declare(
            &i,
            VarKind::Int {
                index_for: None,
                ty: "usize",
            },
            false,
        );
        let c = if self.rng.chance(0.5) {
            format!("{i} + 1 >= {}", 1 + self.rng.below(4))
        } else {
            self.cond(1)
        };
        let e1 = self.wrapped(1, (NOMINAL.0, NOMINAL.1));
        Self::nested(
            out,
            ind + 2,
            &format!("if {c}"),
            &format!("break '{l} {} + {acc};", paren(&e1.s)),
        );
        // A loop whose value is used: no `return` inside.
        let inner = Ctx {
            ret: false,
            ..ctx.in_loops(2)
        };
        self.update(&acc, inner, out, ind + 2);
        self.frames.pop();
        Self::line(out, ind + 1, "}");
        let e2 = self.wrapped(1, (NOMINAL.0, NOMINAL.1));
        Self::line(out, ind + 1, &format!("break {};", e2.s));
        Self::line(out, ind, "};");
        self.declare(
            &v,
            VarKind::Float(e1.iv.union(e2.iv).union(NOMINAL).add(NOMINAL)),
            false,
        );
    }

    /// A tuple computed by an `if`, a `match` (with a guard that binds) or a block, destructured
    /// or held in a local read by field (`t.0`), or `e.sin_cos().1`.
    fn tuple_value(&mut self, out: &mut String, ind: usize) {
        let (a, b) = (self.fresh("ta"), self.fresh("tb"));
        let ann = if self.rng.chance(0.5) {
            format!(": ({FLT}, {FLT})")
        } else {
            String::new()
        };
        let pair = |g: &mut Self| {
            let (x, y) = (g.typed_expr(1), g.typed_expr(1));
            (format!("({}, {})", x.s, y.s), x.iv, y.iv)
        };
        let (init, ia, ib) = match self.rng.below(4) {
            0 => {
                let c = self.cond(1);
                let ((p, a1, b1), (q, a2, b2)) = (pair(self), pair(self));
                (
                    format!("if {c} {{ {p} }} else {{ {q} }}"),
                    a1.union(a2),
                    b1.union(b2),
                )
            }
            1 => {
                let sel = self.selector();
                let k = self.fresh("k");
                let ((p, a1, b1), (q, a2, b2), (r, a3, b3)) = (pair(self), pair(self), pair(self));
                (
                    format!("match {sel} {{ 0 => {p}, {k} if {k} % 2 == 1 => {q}, _ => {r} }}"),
                    a1.union(a2).union(a3),
                    b1.union(b2).union(b3),
                )
            }
            2 => {
                let u = self.fresh("u");
                let e = self.typed_expr(1);
                let e = self.squash(e);
                let f = self.typed_expr(1);
                let iv = e.iv;
                (
                    format!(
                        "{{ let {u}: {FLT} = {}; ({u}, {u} * {}) }}",
                        e.s,
                        paren(&f.s)
                    ),
                    iv,
                    iv.mul(f.iv),
                )
            }
            _ => {
                let e = self.typed_expr(1);
                let e = self.squash(e);
                let e = self.typed(e);
                let k = self.rng.below(2);
                let n = self.fresh("sc");
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = {}.sin_cos().{k};", paren_recv(&e.s)),
                );
                self.declare(&n, VarKind::Float(Iv(-1.0, 1.0, e.iv.2)), false);
                return;
            }
        };
        if self.rng.chance(0.5) {
            Self::line(out, ind, &format!("let ({a}, {b}){ann} = {init};"));
            self.declare(&a, VarKind::Float(ia), false);
            self.declare(&b, VarKind::Float(ib), false);
        } else {
            // A local read by field, updated through a field.
            let t = self.fresh("t");
            Self::line(out, ind, &format!("let mut {t}{ann} = {init};"));
            let e = self.wrapped(1, (-2.0, 2.0));
            Self::line(out, ind, &format!("{t}.1 += {};", paren(&e.s)));
            Self::line(out, ind, &format!("let {a}: {FLT} = {t}.0;"));
            Self::line(out, ind, &format!("let {b}: {FLT} = {t}.1;"));
            self.declare(&a, VarKind::Float(ia), false);
            self.declare(&b, VarKind::Float(ib.add(e.iv)), false);
        }
    }

    /// A `panic!` or `unreachable!` on a path the test points never take: as a statement, as the
    /// branch of an `if` that gives a value, as the last arm of a `match` on `k % 4`.
    fn panic_path(&mut self, out: &mut String, ind: usize) {
        let fs = self.floats(|v, _| self.may_shadow(&v.name));
        let n = self.fresh("pv");
        let e = self.typed_expr(1);
        match (self.rng.below(3), fs.first()) {
            (0, Some((x, _))) => {
                Self::nested(out, ind, &format!("if {FLT}::is_nan({x})"), &format!("panic!(\"{x} = {{}}\", {x});"));
                return;
            }
            (1, Some((x, _))) => Self::line(
                out,
                ind,
                &format!("let {n}: {FLT} = if !{FLT}::is_nan({x}) {{ {} }} else {{ unreachable!(\"{{{x}}}\") }};", e.s),
            ),
            _ => {
                // `% 4` of a `usize`: the last arm is never taken (an `i32` may be negative).
                let us: Vec<String> = self
                    .ints()
                    .into_iter()
                    .filter(|i| i.2 == "usize")
                    .map(|i| i.0)
                    .collect();
                let sel = match us.first() {
                    Some(u) if self.rng.chance(0.8) => format!("{u} % 4"),
                    _ => format!("{}_usize % 4", self.rng.range(0, 5)),
                };
                let (f, g) = (self.typed_expr(1), self.typed_expr(1));
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: {FLT} = match {sel} {{ 0 | 1 => {}, 2 => {}, 3 => {}, _ => unreachable!() }};", e.s, f.s, g.s),
                );
                self.declare(&n, VarKind::Float(e.iv.union(f.iv).union(g.iv)), false);
                return;
            }
        }
        self.declare(&n, VarKind::Float(e.iv), false);
    }

    /// A read of a rows parameter: by index, row by row (named, by pattern, with `enumerate`),
    /// element by element, in a `map` reduction, through a row bound by `let`.
    fn rows_stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let rows: Vec<(String, Iv, Option<usize>, bool, bool)> = self
            .visible()
            .into_iter()
            .filter_map(|v| match v.kind {
                VarKind::Rows {
                    iv,
                    width,
                    tuple,
                    slices,
                } => Some((v.name, iv, width, tuple, slices)),
                _ => None,
            })
            .collect();
        if rows.is_empty() {
            return;
        }
        let (w, wiv, width, tuple, slices) = self.rng.pick(&rows).clone();
        if tuple {
            self.tuple_rows_stmt(ctx, &w, width.unwrap_or(2), out, ind);
            return;
        }
        let acc = self.some_mut(ctx, out, ind);
        let e = self.wrapped(1, (-2.0, 2.0));
        let e = paren(&e.s);
        let (row, i, j, v) = (
            self.fresh("row"),
            self.fresh("i"),
            self.fresh("j"),
            self.fresh("v"),
        );
        let form = match (self.rng.below(7), width) {
            (5, None) => 0,
            (k, _) => k,
        };
        // A model's rows field is read by index (`m.ws[i][j]`, `m.ws[i].iter()`) and row by row
        // (`for row in &m.ws`, `.iter().enumerate()`, `.zip(..)`, `.map(|row| ..)`, `let row =
        // &m.ws[i];`, `for &[a, b] in m.ws.iter()`).
        let field = !self.may_shadow(&w);
        let form = if field && !self.on("model:rows_by_row") && form == 5 {
            if self.rng.chance(0.5) {
                3
            } else {
                6
            }
        } else {
            form
        };
        if form == 6 && (!self.on("rows:row_iter") || (!wiv.2 && !self.on("rows:row_iter_data"))) {
            return;
        }
        if self.on("rows:named_again") && self.rng.chance(0.1) {
            // The rows under another name (`let a = &ws;`) or handed whole to a plain helper
            // taking rows (`&[Vec<T>]`, `&[[T; N]]`, `&[&[T]]`; a model's field lent).
            let (a, r) = (self.fresh("ra"), self.fresh("rr"));
            let line = if self.rng.chance(0.5) {
                format!(
                    "{{ let {a} = &{w}; {acc} += {FLT}::tanh({a}[0][0] * {e} + {a}.iter().map(|{r}| {r}[{r}.len() - 1]).sum::<{FLT}>() * 0.5); }}"
                )
            } else {
                let (h, ty) = match (width, slices) {
                    (Some(n), _) => (
                        format!("{}_rw{n}_{FLT}", self.base),
                        format!("[{FLT}; {n}]"),
                    ),
                    (None, true) => (format!("{}_rs_{FLT}", self.base), format!("&[{FLT}]")),
                    (None, false) => (format!("{}_rv_{FLT}", self.base), format!("Vec<{FLT}>")),
                };
                if !self.items.contains(&format!("fn {h}(")) {
                    let _ = writeln!(
                        self.items,
                        "/// not annotated\nfn {h}(rs: &[{ty}], s: {FLT}) -> {FLT} {{\n    let first = &rs[0];\n    rs.iter().map(|r| r[0] * s).sum::<{FLT}>() + first[first.len() - 1]\n}}"
                    );
                }
                // (`&ws[..]`: `&ws` of a parameter `&[[T; N]; M]` does not coerce to a slice.)
                format!("{acc} += {FLT}::tanh({h}(&{w}[..], {e}));")
            };
            Self::line(out, ind, &line);
            return;
        }
        if self.on("rows:ranges") && self.rng.chance(0.1) {
            // A range of the rows (`w[1..]`, `&w[..1]`, named `let t = &w[1..];`) iterated,
            // enumerated, indexed, counted, and lent to a plain helper taking rows.
            let t = self.fresh("rt");
            let line = match self.rng.below(6) {
                // Folded, whole or a range, enumerated.
                5 if self.on("rows:fold") => {
                    let a = self.fresh("fa");
                    if self.rng.chance(0.5) {
                        format!("{acc} += {w}.iter().fold(0.0, |{a}, {row}| {a} * 0.5 + {FLT}::tanh({row}[0] * {e}));")
                    } else {
                        format!("{acc} += {w}[1..].iter().enumerate().fold(0.0, |{a}, ({i}, {row})| {a} + {row}[0] * ({i} as {FLT} + 0.5)) * 0.25;")
                    }
                }
                0 => format!(
                    "{acc} += {w}[1..].iter().map(|{row}| {row}[0] * {e}).sum::<{FLT}>();"
                ),
                1 => format!("for {row} in &{w}[..1] {{ {acc} += {FLT}::tanh({row}[0] * {e}); }}"),
                2 => format!(
                    "for ({i}, {row}) in {w}[1..].iter().enumerate() {{ {acc} += {row}[0] * ({i} as {FLT} + 0.5); }}"
                ),
                3 => format!(
                    "{{ let {t} = &{w}[1..]; {acc} += {t}.iter().map(|{row}| {row}[0]).sum::<{FLT}>() * {e} + {t}.len() as {FLT} * 0.125; }}"
                ),
                _ => {
                    let (h, ty) = match (width, slices) {
                        (Some(n), _) => (
                            format!("{}_rw{n}_{FLT}", self.base),
                            format!("[{FLT}; {n}]"),
                        ),
                        (None, true) => (format!("{}_rs_{FLT}", self.base), format!("&[{FLT}]")),
                        (None, false) => {
                            (format!("{}_rv_{FLT}", self.base), format!("Vec<{FLT}>"))
                        }
                    };
                    if !self.items.contains(&format!("fn {h}(")) {
                        let _ = writeln!(
                            self.items,
                            "/// not annotated\nfn {h}(rs: &[{ty}], s: {FLT}) -> {FLT} {{\n    let first = &rs[0];\n    rs.iter().map(|r| r[0] * s).sum::<{FLT}>() + first[first.len() - 1]\n}}"
                        );
                    }
                    format!("{acc} += {FLT}::tanh({h}(&{w}[..1], {e}));")
                }
            };
            Self::line(out, ind, &line);
            return;
        }
        if self.on("rows:row_to_helper") && self.rng.chance(0.1) {
            // Each row handed whole to a plain helper taking a slice (`dot(row, x)`), in a `for`
            // and in a reduction; a model's rows field so too.
            let h = format!("{}_rd_{FLT}", self.base);
            if !self.items.contains(&format!("fn {h}(")) {
                let _ = writeln!(
                    self.items,
                    "/// not annotated\nfn {h}(r: &[{FLT}], s: {FLT}) -> {FLT} {{\n    r.iter().map(|v| v * s).sum::<{FLT}>()\n}}"
                );
            }
            // (`.iter()`: rows taken by value, `ws: [[T; 2]; 2]`, give references too.)
            let line = if self.rng.chance(0.5) {
                format!("for {row} in {w}.iter() {{ {acc} += {FLT}::tanh({h}({row}, {e})); }}")
            } else {
                format!(
                    "{acc} += {FLT}::tanh({w}.iter().map(|{row}| {h}({row}, {e})).sum::<{FLT}>());"
                )
            };
            Self::line(out, ind, &line);
            return;
        }
        if self.on("rows:zip_mut") && self.rng.chance(0.12) {
            // A buffer written element by element beside the rows, the buffer first.
            let (ob, ov) = (self.fresh("ob"), self.fresh("ov"));
            // (A parameter is a reference already; a model's field is lent.)
            let lend = if self.may_shadow(&w) { "" } else { "&" };
            Self::line(out, ind, &format!("let mut {ob} = vec![0.25; {w}.len()];"));
            Self::line(
                out,
                ind,
                &format!("for ({ov}, {row}) in {ob}.iter_mut().zip({lend}{w}) {{ *{ov} += {row}[0] * {e}; }}"),
            );
            Self::line(out, ind, &format!("{acc} += {FLT}::tanh({ob}[0]) * 0.5;"));
            return;
        }
        if !slices && self.on("rows:flatten") && self.rng.chance(0.1) {
            // The rows end to end: `w.iter().flatten()`, `w.concat()`, `w.as_flattened()`.
            let a = self.fresh("fa");
            let line = match (self.rng.below(3), width) {
                (0, _) => format!("{acc} += {w}.iter().flatten().map(|{a}| {FLT}::tanh(*{a})).sum::<{FLT}>() * {e};"),
                (1, Some(_)) => format!("{acc} += {w}.as_flattened().iter().map(|{a}| {a} * {a}).sum::<{FLT}>() * {e};"),
                _ => {
                    let cat = self.fresh("cat");
                    format!("{{ let {cat} = {w}.concat(); {acc} += {FLT}::tanh({cat}[0] * {e}) + {cat}[{cat}.len() - 1] * 0.5; }}")
                }
            };
            Self::line(out, ind, &line);
            return;
        }
        if self.on("rows:copied") && self.rng.chance(0.1) {
            // A row copied whole: `row.to_vec()`, `row.clone()` of a row a loop binds,
            // `w[i].clone()`, `w[i].to_vec()` iterated.
            let (c, a) = (self.fresh("rc"), self.fresh("ra"));
            let r = *self.rng.pick(&["0", "1 % ROWS.len()", "ROWS.len() - 1"]);
            let r = r.replace("ROWS", &w);
            let copy = *self.rng.pick(&["to_vec", "clone", "to_owned"]);
            let line = match self.rng.below(3) {
                0 => format!("for {row} in {w}.iter() {{ let {c} = {row}.{copy}(); {acc} += {FLT}::tanh({c}[0] * {e}) + {c}[{c}.len() - 1] * 0.5; }}"),
                1 => format!("{{ let {c} = {w}[{r}].{copy}(); {acc} += {c}.iter().map(|{a}| {a} * {a}).sum::<{FLT}>() * {e}; }}"),
                _ => format!("{acc} += {w}[{r}].to_vec().iter().map(|{a}| {FLT}::tanh(*{a})).sum::<{FLT}>() * {e};"),
            };
            Self::line(out, ind, &line);
            return;
        }
        if self.on("rows:row_options") && self.rng.chance(0.08) {
            // A row's own slice methods on a row by index: `get`, `first`, `last`, `split_at`.
            let a = self.fresh("ra");
            let r = *self.rng.pick(&["0", "1 % ROWS.len()", "ROWS.len() - 1"]);
            let r = r.replace("ROWS", &w);
            let line = match self.rng.below(4) {
                0 => format!(
                    "if let Some(&{a}) = {w}[{r}].get({}) {{ {acc} += {FLT}::tanh({a} * {e}); }}",
                    self.rng.below(3)
                ),
                1 => format!("if let Some({a}) = {w}[{r}].first() {{ {acc} += {a} * {e}; }}"),
                2 => format!(
                    "if let Some(&{a}) = {w}[{r}].last() {{ {acc} += {FLT}::tanh({a}) + {e}; }}"
                ),
                _ => {
                    let b = self.fresh("rb");
                    format!("{{ let ({a}, {b}) = {w}[{r}].split_at({w}[{r}].len() / 2); {acc} += {b}.iter().sum::<{FLT}>() * {e} + {a}.len() as {FLT}; }}")
                }
            };
            Self::line(out, ind, &line);
            return;
        }
        if !slices && self.on("rows:reordered") && self.rng.chance(0.08) {
            // Rows in another order: `.rev()`, `.skip(k)`, `.step_by(k)`, `.take(k)` after the
            // rows' iterator, in a `for` (after `.enumerate()` too) and in a reduction.
            let adapter = *self.rng.pick(&[
                ".rev()",
                ".skip(1)",
                ".step_by(2)",
                ".take(2)",
                ".rev().skip(1)",
            ]);
            let line = match self.rng.below(3) {
                0 => format!("for {row} in {w}.iter(){adapter} {{ {acc} += {FLT}::tanh({row}[0] * {e}); }}"),
                1 => format!("for ({i}, {row}) in {w}.iter().enumerate(){adapter} {{ {acc} += {row}[{row}.len() - 1] * ({i} as {FLT} + 0.5) * {e}; }}"),
                _ => format!("{acc} += {w}.iter(){adapter}.map(|{row}| {FLT}::tanh({row}[0])).sum::<{FLT}>() * {e};"),
            };
            Self::line(out, ind, &line);
            return;
        }
        if !slices && self.on("rows:zip_chain") && self.rng.chance(0.1) {
            // A row zipped with another by reference (`w[i].iter().zip(&w[j])`), and the rows
            // chained with themselves in a sum (`w.iter().chain(w.iter()).map(|row| ..).sum()`).
            let (a, b) = (self.fresh("za"), self.fresh("zb"));
            let line = if self.rng.chance(0.5) {
                format!("{acc} += {w}[0].iter().zip(&{w}[{w}.len() - 1]).map(|({a}, {b})| {a} * {b}).sum::<{FLT}>() * {e};")
            } else {
                format!("{acc} += {w}.iter().chain({w}.iter()).map(|{row}| {row}.iter().map(|{a}| {FLT}::tanh(*{a})).sum::<{FLT}>()).sum::<{FLT}>() * {e};")
            };
            Self::line(out, ind, &line);
            return;
        }
        if !slices && self.on("rows:row_copy") && self.rng.chance(0.12) {
            // A row copied into a local the body writes: `let mut r = w[i];` of array rows,
            // `w[i].to_vec()`, `w[i].clone()` of vector rows.
            let r = self.fresh("rc");
            let idx = if self.rng.chance(0.5) {
                "0".to_string()
            } else {
                format!("{w}.len() - 1")
            };
            let copy = match (width, self.rng.below(2)) {
                (Some(_), 0) => format!("{w}[{idx}]"),
                (None, 0) => format!("{w}[{idx}].clone()"),
                _ => format!("{w}[{idx}].to_vec()"),
            };
            Self::line(out, ind, &format!("let mut {r} = {copy};"));
            Self::line(
                out,
                ind,
                &format!("{r}[0] = {r}[0] * {e} + {r}[{r}.len() - 1];"),
            );
            Self::line(
                out,
                ind,
                &format!("{acc} += {FLT}::tanh({r}[0]) + {r}.iter().sum::<{FLT}>() * 0.1;"),
            );
            return;
        }
        if let (false, Some(wd), true) = (field, width, self.on("rows:by_value")) {
            if !slices && self.rng.chance(0.12) {
                // A row passed by value to a `#[gradient]` helper taking `[T; N]`: `p[i]` by
                // index, `*row` of the rows iterated.
                let rv = self.fresh("rv");
                let h = format!("{}_{rv}_{FLT}", self.base);
                let _ = writeln!(
                    self.items,
                    "#[gradient]\nfn {h}(a: [{FLT}; {wd}]) -> {FLT} {{\n    {FLT}::tanh(a[0] * 0.5) + a[{wd} - 1] * 0.25\n}}"
                );
                let line = if self.rng.chance(0.5) {
                    format!("for {i} in 0..{w}.len() {{ {acc} += {h}({w}[{i}]) * {e}; }}")
                } else {
                    format!("for {row} in {w}.iter() {{ {acc} += {h}(*{row}) * {e}; }}")
                };
                Self::line(out, ind, &line);
                return;
            }
        }
        if let (false, Some(wd), true) = (field, width, self.on("rows:collect_arrays")) {
            if wd >= 2 && !slices && self.rng.chance(0.15) {
                // The rows copied into a local `Vec<[T; 2]>` by a closure, then read by index.
                let pts = self.fresh("pts");
                Self::line(
                    out,
                    ind,
                    &format!("let {pts}: Vec<[{FLT}; 2]> = {w}.iter().map(|{row}| [{row}[0], {row}[1] * 0.5]).collect();"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("{acc} += {FLT}::tanh({pts}[0][0] * {e}) + {pts}[{pts}.len() - 1][1] * 0.25;"),
                );
                return;
            }
        }
        if !field && self.on("rows:windows") && self.rng.chance(0.2) {
            // Consecutive rows (`windows(2)`, in a loop or a reduction), read by index; also
            // under adapters (zipped with a range, enumerated, `chunks(2)` zipped).
            if self.on("rows:windows_adapted") && self.rng.chance(0.4) {
                let (k, q) = (self.fresh("wk"), self.fresh("wq"));
                let line = match self.rng.below(3) {
                    0 => format!("{acc} += {w}.windows(2).zip(0..3).map(|({row}, {k})| {FLT}::tanh({row}[0][0] * {row}[1][0] + {e}) * if {k} == 1 {{ 0.5 }} else {{ 1.0 }}).sum::<{FLT}>();"),
                    1 => format!("for ({k}, {row}) in {w}.windows(2).enumerate() {{ {acc} += {FLT}::tanh({row}[1][0] - {row}[0][0]) * {e} + if {k} == 0 {{ 0.25 }} else {{ 0.0 }}; }}"),
                    _ => format!("for ({row}, {q}) in {w}.chunks(2).zip({w}.iter()) {{ {acc} += {FLT}::tanh({row}[0][0] * {q}[0] * {e}) * 0.5 + {row}[{row}.len() - 1][0] * 0.1; }}"),
                };
                Self::line(out, ind, &line);
            } else if self.rng.chance(0.5) {
                Self::nested(
                    out,
                    ind,
                    &format!("for {row} in {w}.windows(2)"),
                    &format!("{acc} += {FLT}::tanh(({row}[1][0] - {row}[0][0]) * {e});"),
                );
            } else {
                Self::line(
                    out,
                    ind,
                    &format!("{acc} += {w}.windows(2).map(|{row}| {FLT}::tanh({row}[0][0] * {row}[1][{row}[1].len() - 1] + {e})).sum::<{FLT}>();"),
                );
            }
            return;
        }
        if !field && self.on("rows:pairs") && self.rng.chance(0.15) {
            // Every pair of rows: the inner loop over the rows after the outer one's.
            let j = self.fresh("j");
            let q = self.fresh("q");
            Self::line(
                out,
                ind,
                &format!("for ({i}, {row}) in {w}.iter().enumerate() {{"),
            );
            Self::nested(
                out,
                ind + 1,
                &format!("for ({j}, {q}) in {w}.iter().enumerate().skip({i} + 1)"),
                &format!(
                    "{acc} += {FLT}::tanh(({row}[0] - {q}[0]) * {e}) * 0.5 + {j} as {FLT} * 0.01;"
                ),
            );
            Self::line(out, ind, "}");
            return;
        }
        if !field && self.on("rows:zip_twice") && self.rng.chance(0.15) {
            let slices = self.slices();
            if slices.len() >= 2 {
                let ((a, _), (b, _)) = (slices[0].clone(), slices[1].clone());
                let (p, q) = (self.fresh("p"), self.fresh("q"));
                Self::nested(
                    out,
                    ind,
                    &format!("for (({row}, {p}), {q}) in {w}.iter().zip({a}).zip({b}.iter())"),
                    &format!("{acc} += {FLT}::tanh({row}[0] * {p} + {q} * {e}) * 0.5;"),
                );
                return;
            }
        }
        if !field && self.on("rows:part") && self.rng.chance(0.2) {
            // Part of the rows: a sub-slice, or `skip` (after `enumerate`), read pairwise.
            let head = match self.rng.below(3) {
                0 => format!("for {row} in &{w}[{w}.len() / 2..]"),
                1 => format!("for {row} in {w}.iter().skip(1)"),
                _ => format!("for ({i}, {row}) in {w}.iter().enumerate().skip(1).step_by(2)"),
            };
            let extra = if head.contains("enumerate") {
                format!(" + {i} as {FLT} * 0.1")
            } else {
                String::new()
            };
            Self::nested(
                out,
                ind,
                &head,
                &format!("{acc} += {FLT}::tanh({row}[0] * {w}[0][0] * {e}){extra};"),
            );
            return;
        }
        if self.on("rows:extremum") && self.rng.chance(0.12) {
            // The row chosen by `min_by`/`max_by` comparing a key of each side that reads the
            // differentiated values (the nearest centroid): named, copied, or read in place.
            let f = *self.rng.pick(&["max_by", "min_by"]);
            let (a, b, best) = (self.fresh("a"), self.fresh("b"), self.fresh("best"));
            let pick =
                format!("{w}.iter().{f}(|{a}, {b}| ({a}[0] * {e}).total_cmp(&({b}[0] * {e})))");
            match self.rng.below(3) {
                0 => Self::line(out, ind, &format!("let {best} = {pick}.unwrap();")),
                1 => {
                    let copy = if width.is_some() { "copied" } else { "cloned" };
                    Self::line(out, ind, &format!("let {best} = {pick}.{copy}().unwrap();"));
                }
                _ => {
                    Self::line(out, ind, &format!("{acc} += {pick}.unwrap()[0] * 0.5;"));
                    return;
                }
            }
            Self::line(
                out,
                ind,
                &format!("{acc} += {FLT}::tanh({best}[0] * {e}) + {best}[{best}.len() - 1] * 0.5;"),
            );
            return;
        }
        if ctx.loops == 0 && self.on("rows:row_ref") && self.rng.chance(0.15) {
            // A reference to a row, named or made for `iter()`, outside any loop: after an early
            // `return` only the path that reaches it makes it, and the backward pass reads it.
            let r = self.fresh("rr");
            let last = format!("{w}[{w}.len() - 1]");
            match self.rng.below(3) {
                0 => Self::line(
                    out,
                    ind,
                    &format!(
                        "{acc} += {last}.iter().map(|{v}| {FLT}::tanh({v} * {e})).sum::<{FLT}>();"
                    ),
                ),
                1 => {
                    Self::line(out, ind, &format!("let {r} = &{w}[0];"));
                    Self::nested(
                        out,
                        ind,
                        &format!("for {v} in {r}.iter()"),
                        &format!("{acc} += {FLT}::tanh({v} * {e}) * 0.5;"),
                    );
                }
                _ => {
                    Self::line(out, ind, &format!("let {r} = &{last};"));
                    Self::line(
                        out,
                        ind,
                        &format!("{acc} += {r}.iter().map(|{v}| {v} * {e}).sum::<{FLT}>() * 0.25 + {r}[0];"),
                    );
                }
            }
            return;
        }
        match form {
            6 => {
                // Each row through `ws[i].iter()`.
                Self::nested(
                    out,
                    ind,
                    &format!("for {i} in 0..{w}.len()"),
                    &format!("{acc} += {w}[{i}].iter().map(|{v}| {FLT}::tanh({v} * {e})).sum::<{FLT}>();"),
                );
            }
            0 => {
                let slices = self.slices();
                if !slices.is_empty() && self.on("rows:zip_slice") && self.rng.chance(0.5) {
                    // Rows zipped with a slice, its element bound by `&y` or by reference.
                    let (ys, _) = self.rng.pick(&slices).clone();
                    let (pat, y) = if self.rng.chance(0.5) {
                        (format!("&{v}"), v.clone())
                    } else {
                        (v.clone(), format!("*{v}"))
                    };
                    let head = if !field && self.on("rows:zip_second") && self.rng.chance(0.5) {
                        // The rows as `zip`'s argument.
                        format!("for ({pat}, {row}) in {ys}.iter().zip({w}) {{")
                    } else {
                        format!("for ({row}, {pat}) in {w}.iter().zip({ys}) {{")
                    };
                    Self::line(out, ind, &head);
                    Self::line(
                        out,
                        ind + 1,
                        &format!("{acc} += {FLT}::tanh({row}[0] * {e} + {y} * 0.5);"),
                    );
                    Self::line(out, ind, "}");
                    return;
                }
                Self::line(out, ind, &format!("for ({i}, {row}) in {w}.iter().enumerate() {{"));
                Self::line(
                    out,
                    ind + 1,
                    &format!("{acc} += {FLT}::tanh({row}[0] * {e}) + {i} as {FLT} * 0.1;"),
                );
                Self::line(out, ind, "}");
            }
            1 => {
                Self::line(out, ind, &format!("for {row} in {w} {{"));
                let elems = if slices {
                    format!("{row}.iter()")
                } else {
                    row.clone()
                };
                Self::nested(
                    out,
                    ind + 1,
                    &format!("for {v} in {elems}"),
                    &format!("{acc} += {FLT}::tanh({v} * {e});"),
                );
                Self::line(out, ind, "}");
            }
            2 => Self::line(
                out,
                ind,
                &format!(
                    "{acc} += {w}.iter().map(|{row}| {FLT}::tanh({row}[{row}.len() - 1] * {e})).sum::<{FLT}>();"
                ),
            ),
            3 => {
                Self::line(out, ind, &format!("for {i} in 0..{w}.len() {{"));
                Self::nested(
                    out,
                    ind + 1,
                    &format!("for {j} in 0..{w}[{i}].len()"),
                    &format!("{acc} += {FLT}::tanh({w}[{i}][{j}] * {e}) * 0.5;"),
                );
                Self::line(out, ind, "}");
            }
            4 => {
                Self::line(out, ind, "{");
                Self::line(out, ind + 1, &format!("let {row} = &{w}[{w}.len() - 1];"));
                Self::line(
                    out,
                    ind + 1,
                    &format!("{acc} += {FLT}::tanh({row}[0] * {row}[{row}.len() - 1] + {e});"),
                );
                Self::line(out, ind, "}");
            }
            _ => {
                let n = width.expect("fixed rows");
                let names: Vec<String> = (0..n).map(|_| self.fresh("a")).collect();
                let (list, product) = (names.join(", "), names.join(" * "));
                // Taken apart in a `for`, after `.enumerate()`, or by a closure's parameter.
                match self.rng.below(3) {
                    0 => Self::nested(
                        out,
                        ind,
                        &format!("for &[{list}] in {w}.iter()"),
                        &format!("{acc} += {FLT}::tanh({product} * {e});"),
                    ),
                    1 => {
                        let k = self.fresh("k");
                        Self::nested(
                            out,
                            ind,
                            &format!("for ({k}, [{list}]) in {w}.iter().enumerate()"),
                            &format!("{acc} += {FLT}::tanh({product} * {e}) * ({k} as {FLT} + 0.5);"),
                        );
                    }
                    _ => Self::line(
                        out,
                        ind,
                        &format!("{acc} += {w}.iter().map(|&[{list}]| {FLT}::tanh({product})).sum::<{FLT}>() * {e};"),
                    ),
                }
            }
        }
    }

    /// Elements of a slice parameter bound by `if let` (`Some(&v) = xs.first()`, `.last()`,
    /// `.get(k)`, `[a, .., b] = xs[..]`) or by a `match` on the slice's shape.
    fn slice_pattern(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        // (A sub-slice bound to a name, `let ss = &xs[a..];`, is among them.)
        let slices: Vec<(String, Iv)> = self
            .slices()
            .into_iter()
            .filter(|(n, _)| !n.starts_with("ss") || self.on("sub_slice_let:pattern"))
            .collect();
        if slices.is_empty() {
            return;
        }
        let (xs, iv) = self.rng.pick(&slices).clone();
        let acc = self.some_mut(ctx, out, ind);
        let e = self.wrapped(1, (-2.0, 2.0));
        let e = paren(&e.s);
        let (a, b) = (self.fresh("a"), self.fresh("b"));
        let form = self.rng.below(5);
        if form < 4 && !self.layer_ok(&xs, "layers:w_get") {
            return;
        }
        let (head, body) = match form {
            0 => (
                format!("if let Some(&{a}) = {xs}.first()"),
                format!("{acc} += {FLT}::tanh({a} * {e});"),
            ),
            1 => (
                format!("if let Some({a}) = {xs}.last()"),
                format!("{acc} += {FLT}::tanh({a} * {e});"),
            ),
            2 => (
                format!("if let Some(&{a}) = {xs}.get({})", self.rng.below(3)),
                format!("{acc} += {FLT}::tanh({a} + {e});"),
            ),
            // The rest bound too, over the borrowed slice (an unsized `[T]` cannot be bound).
            3 if self.on("pattern:rest") && self.rng.chance(0.4) => {
                let r = self.fresh("rest");
                // Also as `let .. else`, leaving the function where the slice is too short.
                if ctx.top && ctx.loops == 0 && self.on("stmt:early_return") && self.rng.chance(0.4)
                {
                    let k = self.expr(1);
                    self.returned = true;
                    Self::line(
                        out,
                        ind,
                        &format!(
                            "let [{a}, {r} @ .., {b}] = &{xs}[..] else {{ return {}; }};",
                            paren(&k.s)
                        ),
                    );
                    Self::line(
                        out,
                        ind,
                        &format!(
                            "{acc} += {FLT}::tanh({a} * {b} + {e} + {r}.iter().sum::<{FLT}>() * 0.25);"
                        ),
                    );
                    return;
                }
                (
                    format!("if let [{a}, {r} @ .., {b}] = &{xs}[..]"),
                    format!(
                        "{acc} += {FLT}::tanh({a} * {b} + {e} + {r}.iter().sum::<{FLT}>() * 0.25);"
                    ),
                )
            }
            3 => (
                format!("if let [{a}, .., {b}] = {xs}[..]"),
                format!("{acc} += {FLT}::tanh({a} * {b} + {e});"),
            ),
            _ if is_placeholder(&xs) && !self.on("layers:slice_match") => return,
            _ => {
                let v = self.fresh("sp");
                let (last, extra) = if self.on("pattern:rest") && self.rng.chance(0.4) {
                    let r = self.fresh("rest");
                    (
                        format!("[{a}, {r} @ .., {b}] => {a} - {b} + ({r}.iter().sum::<{FLT}>() * 0.1).tanh()"),
                        1.0,
                    )
                } else {
                    (format!("[{a}, .., {b}] => {a} - {b}"), 0.0)
                };
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {v}: {FLT} = match {xs} {{ [] => 0.0, [{a}] => {a} * 2.0, {last} }};"
                    ),
                );
                let m = iv.mag();
                self.declare(
                    &v,
                    VarKind::Float(Iv(-2.0 * m - extra, 2.0 * m + extra, iv.2)),
                    false,
                );
                return;
            }
        };
        Self::nested(out, ind, &head, &body);
    }

    /// `let mut z = vec![e; k];` (a differentiated start), `vec![vec![0.0; 2]; 2]` written by
    /// `m[i][j]`, and elements read through `first`/`last`/`get(..)` with `unwrap`.
    fn vec_forms(&mut self, out: &mut String, ind: usize) {
        let n = self.fresh("vz");
        if self.on("stmt:array_reassign") && self.rng.chance(0.25) {
            // A small state array stepped by reassigning it whole, each new element read from
            // the old ones; and a predicate over a slice bound to a name.
            let (e, f, g) = (
                self.wrapped(1, (-2.0, 2.0)),
                self.wrapped(1, (-2.0, 2.0)),
                self.wrapped(1, (-2.0, 2.0)),
            );
            let first = self.typed(e.clone()).s;
            // Elements that are all constants' names leave the array's type to the compiler
            // (`stmt:array_of_consts`): the macro learns it from the float written into it.
            // A number starting a token (not a digit inside a name such as `CG4_0_f64`).
            let has_literal = |t: &str| {
                let b = t.as_bytes();
                (0..b.len()).any(|i| {
                    b[i].is_ascii_digit()
                        && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
                })
            };
            let second =
                if has_literal(&first) || has_literal(&f.s) || self.on("stmt:array_of_consts") {
                    f.s.clone()
                } else {
                    format!("({} + 0.0)", f.s)
                };
            if self.on("stmt:array_reassign_local") && self.rng.chance(0.4) {
                // Started from another array's name (not a literal) and assigned a local
                // array computed first, as a state copied from data is stepped.
                let (b, nx) = (self.fresh("vb"), self.fresh("vnx"));
                Self::line(out, ind, &format!("let {b} = [{first}, {second}];"));
                Self::line(out, ind, &format!("let mut {n} = {b};"));
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {nx} = [{n}[0] * 0.5 + {}, {n}[1] - {n}[0] * 0.25];",
                        paren(&g.s)
                    ),
                );
                Self::line(out, ind, &format!("{n} = {nx};"));
            } else {
                Self::line(out, ind, &format!("let mut {n} = [{first}, {second}];"));
                Self::line(
                    out,
                    ind,
                    &format!(
                        "{n} = [{n}[0] * 0.5 + {}, {n}[1] - {n}[0] * 0.25];",
                        paren(&g.s)
                    ),
                );
            }
            let r = self.fresh("vr");
            let sl = self.slices();
            let pred = match sl.first() {
                Some((xs, _)) if self.on("stmt:any_all_let") => {
                    let q = self.fresh("q");
                    let m = *self.rng.pick(&["any", "all"]);
                    let b = self.fresh("pb");
                    Self::line(
                        out,
                        ind,
                        &format!("let {b}: bool = {xs}.iter().{m}(|{q}| *{q} > 0.0);"),
                    );
                    format!(" * if {b} {{ 1.0 }} else {{ -0.5 }}")
                }
                _ => String::new(),
            };
            Self::line(
                out,
                ind,
                &format!("let {r}: {FLT} = ({n}[0] + {n}[1]){pred};"),
            );
            self.declare(
                &r,
                VarKind::Float(Iv(-6.0, 6.0, e.iv.2 || f.iv.2 || g.iv.2)),
                false,
            );
            return;
        }
        if self.rng.chance(0.5) {
            let k = 1 + self.rng.below(4);
            let e = self.wrapped(1, (-2.0, 2.0));
            let f = self.wrapped(1, (-2.0, 2.0));
            Self::line(
                out,
                ind,
                &format!("let mut {n} = vec![{}; {k}];", self.typed(e.clone()).s),
            );
            Self::line(
                out,
                ind,
                &format!("{n}[{}] = {n}[0] * 0.5 + {};", k - 1, paren(&f.s)),
            );
            let r = self.fresh("vr");
            let read = match self.rng.below(3) {
                0 => format!("*{n}.last().unwrap() + {n}.first().copied().unwrap()"),
                1 => format!("{n}.get({}).unwrap() * 2.0", self.rng.below(k)),
                _ => format!("{n}.iter().sum::<{FLT}>()"),
            };
            Self::line(out, ind, &format!("let {r}: {FLT} = {read};"));
            let iv = e.iv.union(e.iv.mul(Iv::pt(0.5)).add(f.iv));
            let m = iv.mag() * k as f64 * 2.0;
            self.declare(&r, VarKind::Float(Iv(-m, m, iv.2)), false);
        } else {
            let (a, b, c) = (
                self.wrapped(1, (-2.0, 2.0)),
                self.wrapped(1, (-2.0, 2.0)),
                self.wrapped(1, (-2.0, 2.0)),
            );
            Self::line(out, ind, &format!("let mut {n} = vec![vec![0.0; 2]; 2];"));
            Self::line(out, ind, &format!("{n}[0][0] = {};", a.s));
            Self::line(out, ind, &format!("{n}[1][1] = {};", b.s));
            Self::line(out, ind, &format!("{n}[0][1] = {};", c.s));
            let r = self.fresh("det");
            Self::line(
                out,
                ind,
                &format!("let {r}: {FLT} = {n}[0][0] * {n}[1][1] - {n}[0][1] * {n}[1][0] + {n}.len() as {FLT} * 0.1;"),
            );
            let iv = a.iv.mul(b.iv).add(c.iv.mul(Iv::pt(0.0))).add(Iv::pt(0.2));
            self.declare(&r, VarKind::Float(iv), false);
        }
    }

    /// A buffer's first contents and their values: a copy of a slice (`to_vec`, or `to_owned`
    /// when `owned` allows), `vec![e; k]` with `k` below `most + 1`, or a list ending in `tail`.
    fn buffer_start(
        &mut self,
        slices: &[(String, Iv)],
        owned: bool,
        most: usize,
        tail: &str,
    ) -> (String, Iv) {
        match self.rng.below(3) {
            0 if !slices.is_empty() => {
                let (xs, iv) = self.rng.pick(slices).clone();
                if owned && self.on("stmt:to_owned") && self.rng.chance(0.3) {
                    (format!("{xs}.to_owned()"), iv)
                } else {
                    (format!("{xs}.to_vec()"), iv)
                }
            }
            1 => {
                let e = self.wrapped(1, (-2.0, 2.0));
                let k = 1 + self.rng.below(most);
                (format!("vec![{}; {k}]", self.typed(e.clone()).s), e.iv)
            }
            _ => {
                let (a, b) = (self.wrapped(1, (-2.0, 2.0)), self.wrapped(1, (-2.0, 2.0)));
                (
                    format!("vec![{}, 0.5, {}{tail}]", a.s, b.s),
                    a.iv.union(b.iv),
                )
            }
        }
    }

    /// A state carried across the iterations of a loop by `h = h_new;` or `h = h_new.clone();`
    /// between two local buffers of the same length, the next state declared in the loop or
    /// before it, started from a copy of a slice, a `vec![e; k]` or a list; then read.
    fn carry(&mut self, out: &mut String, ind: usize) {
        let (h, hn, t, q) = (
            self.fresh("h"),
            self.fresh("hn"),
            self.fresh("t"),
            self.fresh("q"),
        );
        let slices = self.slices();
        let start = self.buffer_start(&slices, true, 3, "");
        Self::line(out, ind, &format!("let mut {h}: Vec<{FLT}> = {};", start.0));
        let outside = self.rng.chance(0.4);
        if outside {
            Self::line(out, ind, &format!("let mut {hn} = vec![0.0; {h}.len()];"));
        }
        let trips = 1 + self.rng.below(3);
        Self::line(out, ind, &format!("for {t} in 0..{trips} {{"));
        if !outside {
            Self::line(
                out,
                ind + 1,
                &format!("let mut {hn} = vec![0.0; {h}.len()];"),
            );
        }
        self.frames.push(vec![]);
        let int = VarKind::Int {
            index_for: None,
            ty: "usize",
        };
        self.declare(&t, int, false);
        let state = VarKind::Seq {
            key: h.clone(),
            iv: start.1.union(Iv(-2.0, 2.0, true)),
            min_len: 1,
            slice: false,
        };
        self.declare(&h, state.clone(), false);
        Self::line(out, ind + 1, &format!("for {q} in 0..{h}.len() {{"));
        self.frames.push(vec![]);
        self.declare(
            &q,
            VarKind::Int {
                index_for: Some(h.clone()),
                ty: "usize",
            },
            false,
        );
        let e = self.wrapped(1, (-2.0, 2.0));
        let f = self.wrapped(1, (-2.0, 2.0));
        Self::line(
            out,
            ind + 2,
            &format!(
                "{hn}[{q}] = {FLT}::tanh({h}[{q}] * {} + {h}[({q} + 1) % {h}.len()] * 0.5 + {});",
                paren(&e.s),
                paren(&f.s)
            ),
        );
        self.frames.pop();
        Self::line(out, ind + 1, "}");
        let assign = if outside {
            format!("{h} = {hn}.clone();")
        } else {
            match self.rng.below(3) {
                0 => format!("{h} = {hn}.clone();"),
                1 => format!("if {t} == 1 {{ {h} = {hn}.clone(); }} else {{ {h} = {hn}; }}"),
                _ => format!("{h} = {hn};"),
            }
        };
        Self::line(out, ind + 1, &assign);
        self.frames.pop();
        Self::line(out, ind, "}");
        self.declare(&h, state, false);
        let r = self.fresh("hr");
        let read = match self.rng.below(3) {
            0 => format!("{h}.iter().sum::<{FLT}>()"),
            1 => format!("{h}[0] * {h}[{h}.len() - 1]"),
            _ => format!("{h}.iter().map(|v| v * v).sum::<{FLT}>()"),
        };
        Self::line(out, ind, &format!("let {r}: {FLT} = {read};"));
        self.declare(&r, VarKind::Float(Iv(-6.0, 6.0, true)), false);
    }

    /// A `Vec` whose length changes from one iteration to the next (layers of different widths,
    /// a pairwise reduction): `h = hn;` with `hn` of another length, `h.resize(m, c)`,
    /// `h.truncate(m)`, in a `for` or a `while` that halves it; then read.
    fn resized(&mut self, out: &mut String, ind: usize) {
        let (h, hn, t, q, m) = (
            self.fresh("h"),
            self.fresh("hn"),
            self.fresh("t"),
            self.fresh("q"),
            self.fresh("m"),
        );
        let slices = self.slices();
        let start = self.buffer_start(&slices, false, 4, ", -0.25");
        if self.rng.chance(0.25) {
            // Empty at first, given its contents by an assignment in an `if`'s branches (a copy
            // of a slice, `vec![e; k]`, a list).
            let c = self.cond(1);
            let other = if self.rng.chance(0.5) {
                "vec![0.5; 2]".to_string()
            } else {
                "vec![0.25, -0.5, 1.0]".to_string()
            };
            Self::line(out, ind, &format!("let mut {h}: Vec<{FLT}> = Vec::new();"));
            Self::line(
                out,
                ind,
                &format!("if {c} {{ {h} = {}; }} else {{ {h} = {other}; }}", start.0),
            );
        } else {
            Self::line(out, ind, &format!("let mut {h}: Vec<{FLT}> = {};", start.0));
        }
        let halving = self.rng.chance(0.25);
        if halving {
            Self::line(out, ind, &format!("while {h}.len() > 1 {{"));
            Self::line(out, ind + 1, &format!("let {m} = {h}.len() / 2;"));
        } else {
            let trips = 1 + self.rng.below(4);
            Self::line(out, ind, &format!("for {t} in 0..{trips} {{"));
            let len = match self.rng.below(4) {
                0 => format!("({t} + {}) % 3 + 1", self.rng.below(3)),
                1 => format!("{h}.len() % 3 + 1"),
                2 => format!("{h}.len() + 1"),
                _ => format!("if {h}.len() > 1 {{ {h}.len() - 1 }} else {{ 3 }}"),
            };
            Self::line(out, ind + 1, &format!("let {m}: usize = {len};"));
        }
        self.frames.push(vec![]);
        if !halving {
            let int = VarKind::Int {
                index_for: None,
                ty: "usize",
            };
            self.declare(&t, int, false);
        }
        let state = VarKind::Seq {
            key: h.clone(),
            iv: start.1.union(Iv(-2.0, 2.0, true)),
            min_len: 1,
            slice: false,
        };
        let (e, f) = (self.wrapped(1, (-2.0, 2.0)), self.wrapped(1, (-2.0, 2.0)));
        let (e, f) = (paren(&e.s), paren(&f.s));
        let in_place = !halving && self.rng.chance(0.35);
        if self.on("stmt:resized_collect") && self.rng.chance(0.25) {
            // The buffer given what a chain collects (`h = h.chunks(2).map(..).collect();`).
            let c = self.fresh("c");
            let chain = if halving || self.rng.chance(0.5) {
                format!("{h}.chunks(2).map(|{c}| {FLT}::tanh({c}[0] * {e} + {c}[{c}.len() - 1] * 0.5 + {f}))")
            } else {
                format!("{h}.iter().map(|{c}| {FLT}::tanh({c} * {e} + {f}))")
            };
            Self::line(out, ind + 1, &format!("{h} = {chain}.collect();"));
        } else if in_place {
            // The buffer itself takes the new length, then every element a new value.
            let fill = ["0.0", "0.5", "-1.0"][self.rng.below(3)];
            if self.rng.chance(0.5) {
                Self::line(out, ind + 1, &format!("{h}.resize({m}, {fill});"));
            } else {
                Self::line(out, ind + 1, &format!("{h}.resize({m} + 1, {fill});"));
                Self::line(out, ind + 1, &format!("{h}.truncate({m});"));
            }
            Self::line(
                out,
                ind + 1,
                &format!("for {q} in 0..{m} {{ {h}[{q}] = {FLT}::tanh({h}[{q}] * {e} + {f} + {q} as {FLT} * 0.25); }}"),
            );
        } else {
            let pair = if halving {
                format!("{h}[2 * {q}] * {e} + {h}[2 * {q} + 1] * 0.5")
            } else {
                format!("{h}[{q} % {h}.len()] * {e} + {h}[({q} + 1) % {h}.len()] * 0.5")
            };
            Self::line(out, ind + 1, &format!("let mut {hn} = vec![0.0; {m}];"));
            Self::line(
                out,
                ind + 1,
                &format!("for {q} in 0..{m} {{ {hn}[{q}] = {FLT}::tanh({pair} + {f}); }}"),
            );
            let assign = match self.rng.below(3) {
                0 => format!("{h} = {hn}.clone();"),
                1 if !halving => {
                    format!("if {t} == 1 {{ {h} = {hn}.clone(); }} else {{ {h} = {hn}; }}")
                }
                _ => format!("{h} = {hn};"),
            };
            Self::line(out, ind + 1, &assign);
        }
        self.frames.pop();
        Self::line(out, ind, "}");
        self.declare(&h, state, false);
        let r = self.fresh("hr");
        let read = match self.rng.below(3) {
            0 => format!("{h}.iter().sum::<{FLT}>() * 0.5"),
            1 => format!("{h}[0] * {h}[{h}.len() - 1]"),
            _ => format!(
                "{h}.len() as {FLT} * 0.25 + {h}.iter().map(|v| v * v).sum::<{FLT}>() * 0.25"
            ),
        };
        Self::line(out, ind, &format!("let {r}: {FLT} = {read};"));
        self.declare(&r, VarKind::Float(Iv(-6.0, 6.0, true)), false);
    }

    /// Declares the local buffer `name` (values in `iv`, at least `min_len` long) and reads it.
    fn buffer_read(
        &mut self,
        ctx: Ctx,
        name: &str,
        iv: Iv,
        min_len: usize,
        out: &mut String,
        ind: usize,
    ) {
        self.declare(
            name,
            VarKind::Seq {
                key: name.to_string(),
                iv,
                min_len,
                slice: false,
            },
            false,
        );
        self.read_seq(ctx, name, iv, out, ind);
    }

    /// `let v = vec![e1, 0.5, e2];` (constants beside differentiated elements), then indexed,
    /// iterated or summed.
    fn vec_list(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        if ctx.loops > 0 && !self.on("stmt:vec_list_in_loop") {
            return;
        }
        let n = self.fresh("vl");
        let k = 2 + self.rng.below(3);
        let mut elems = Vec::new();
        let mut iv = Iv::pt(0.0);
        let mut typed = false;
        for j in 0..k {
            if j % 2 == 1 || self.rng.chance(0.2) {
                let v = self.value_in((-2.0, 2.0));
                let e = if self.rng.chance(0.3) {
                    self.lit_sfx(v)
                } else {
                    self.lit(v)
                };
                typed |= e.typed;
                iv = iv.union(e.iv);
                elems.push(e.s);
            } else {
                let e = self.wrapped(1, (-2.0, 2.0));
                typed |= e.typed;
                iv = iv.union(e.iv);
                elems.push(e.s);
            }
        }
        let ann = if !typed || self.rng.chance(0.4) {
            format!(": Vec<{FLT}>")
        } else {
            String::new()
        };
        Self::line(
            out,
            ind,
            &format!("let {n}{ann} = vec![{}];", elems.join(", ")),
        );
        self.buffer_read(ctx, &n, iv, k, out, ind);
    }

    /// A vector-valued `#[gradient]` helper made for this statement (`-> Vec<FLT>` from a buffer,
    /// from pushes or from a `collect()`, or `-> [FLT; 2]`), called with a slice in scope and a
    /// float: `let hv = NAME_vhK(xs, e);`, the result read as a sequence, sometimes passed to
    /// the helper again (`NAME_vhK(&hv, e)`, a second layer).
    fn vector_call_stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let slices = self.slices();
        if slices.is_empty() {
            return;
        }
        let k = self.items.matches("_vh").count();
        let name = format!("{}_vh{k}_{FLT}", self.base);
        if self.on("stmt:tuple_call") && self.rng.chance(0.35) {
            return self.tuple_call_stmt(ctx, out, ind, &name, &slices);
        }
        if self.on("stmt:inout_call") && self.rng.chance(0.15) {
            return self.inout_call_stmt(out, ind, &name, &slices);
        }
        if self.on("stmt:matrix_call") && self.rng.chance(0.12) {
            return self.matrix_call_stmt(out, ind, &name, &slices);
        }
        if self.on("stmt:closure_helper") && self.rng.chance(0.12) {
            return self.closure_helper_stmt(out, ind, &name);
        }
        if self.on("stmt:out_call") && self.rng.chance(0.4) {
            if self.on("stmt:outs_call") && self.rng.chance(0.35) {
                return self.outs_call_stmt(ctx, out, ind, &name, &slices);
            }
            return self.out_call_stmt(ctx, out, ind, &name, &slices);
        }
        let (ret, body, array) = match self.rng.below(4) {
            0 => (
                format!("Vec<{FLT}>"),
                "let mut out = vec![0.0; s.len()];\n    for i in 0..s.len() {\n        out[i] = (s[i] * a).tanh() + a;\n    }\n    out".to_string(),
                false,
            ),
            1 => (
                format!("Vec<{FLT}>"),
                "let mut out = Vec::new();\n    for &v in s {\n        out.push((v + a).sin() * v);\n    }\n    out".to_string(),
                false,
            ),
            2 => (
                format!("Vec<{FLT}>"),
                "s.iter().map(|&v| v * a + 0.5 * v.tanh()).collect()".to_string(),
                false,
            ),
            _ if self.on("stmt:vector_return") && self.rng.chance(0.2) => (
                // The value from a `match`'s arms.
                format!("[{FLT}; 2]"),
                "match s.len() % 2 {\n        0 => [a * 2.0, s[0]],\n        _ => [s[0] * a, (s[s.len() - 1] - a).tanh()],\n    }".to_string(),
                true,
            ),
            _ if self.on("stmt:vector_lists") && self.rng.chance(0.2) => (
                // `vec![..]` lists of one length from an `if`'s branches.
                format!("Vec<{FLT}>"),
                "if s.len() > 1 {\n        vec![a * 2.0, s[1] * a]\n    } else {\n        vec![s[0] * a, (s[0] - a).tanh()]\n    }".to_string(),
                false,
            ),
            _ if self.on("stmt:vector_return") && self.rng.chance(0.4) => (
                // The buffer returned early, from an `if` or an `else if`.
                format!("Vec<{FLT}>"),
                "let mut out = vec![0.0; 2];\n    if a > 0.5 {\n        out[0] = a * 2.0;\n        return out;\n    } else if a < -0.5 {\n        out[1] = s[0] * a;\n        return out;\n    }\n    out[0] = s[0] * a;\n    out[1] = (s[s.len() - 1] - a).tanh();\n    out".to_string(),
                false,
            ),
            _ if self.on("stmt:vector_return") && self.rng.chance(0.4) => (
                // `return` in an `if` of the body.
                format!("[{FLT}; 2]"),
                "if a > 0.5 {\n        return [a * 2.0, s[0]];\n    }\n    [s[0] * a, (s[s.len() - 1] - a).tanh()]".to_string(),
                true,
            ),
            _ => (
                format!("[{FLT}; 2]"),
                "[s[0] * a, (s[s.len() - 1] - a).tanh()]".to_string(),
                true,
            ),
        };
        // Sometimes its slice is data (`wrt(a)`): callers pass a data slice or constants there.
        let data_wrt = self.on("call:vector_wrt") && self.rng.chance(0.25);
        let attr = if data_wrt {
            "#[gradient(wrt(a))]"
        } else {
            "#[gradient]"
        };
        if !body.contains("in s {") && self.on("call:vector_owned") && self.rng.chance(0.2) {
            // The work done by a function taking its `Vec` by value (`v: Vec<T>`), which the
            // helper hands a copy (`s.to_vec()`), consumed by `into_iter()` where it iterates.
            let body = body.replace("s.iter().map(|&v|", "s.into_iter().map(|v|");
            let _ = writeln!(
                self.items,
                "{attr}\nfn {name}_own(s: Vec<{FLT}>, a: {FLT}) -> {ret} {{\n    {body}\n}}\n{attr}\nfn {name}(s: &[{FLT}], a: {FLT}) -> {ret} {{\n    {name}_own(s.to_vec(), a)\n}}"
            );
        } else {
            let _ = writeln!(
                self.items,
                "{attr}\nfn {name}(s: &[{FLT}], a: {FLT}) -> {ret} {{\n    {body}\n}}"
            );
        }
        let data: Vec<(String, Iv)> = slices.iter().filter(|(_, iv)| !iv.2).cloned().collect();
        let (xs, xiv) = match (data_wrt, data.first()) {
            (false, _) => self.rng.pick(&slices).clone(),
            (true, Some(d)) => d.clone(),
            (true, None) => ("&[0.75, -0.5]".to_string(), Iv(-0.5, 0.75, false)),
        };
        let a = self.wrapped(1, (-1.5, 1.5));
        let iv = Iv(-4.0, 4.0, xiv.2 || a.iv.2);
        // An array result passed on by value to helpers taking `[FLT; 2]` (Vec3 style).
        if array && iv.2 && self.on("stmt:vector_by_value") && self.rng.chance(0.3) {
            return self.vector_by_value(out, ind, &name, &xs, &a.s);
        }
        // The result used without a name in a loop header or a condition.
        if iv.2 && self.rng.chance(0.15) {
            let acc = self.some_mut(ctx, out, ind);
            let w = self.fresh("w");
            if self.rng.chance(0.5) {
                Self::nested(
                    out,
                    ind,
                    &format!("for {w} in {name}({xs}, {}).iter()", a.s),
                    &format!("{acc} += {FLT}::tanh(*{w}) * 0.5;"),
                );
            } else {
                Self::nested(
                    out,
                    ind,
                    &format!("if {name}({xs}, {})[0] > 0.25", a.s),
                    &format!("{acc} *= 0.5;"),
                );
            }
            return;
        }
        // The result used without a name: iterated, indexed, or passed on to the helper again.
        if iv.2 && self.rng.chance(0.3) {
            let r = self.fresh("vr");
            let inline = match self.rng.below(3) {
                0 => format!("{name}({xs}, {}).iter().sum::<{FLT}>()", a.s),
                1 => format!("{name}({xs}, {})[0]", a.s),
                _ if data_wrt => format!("{name}({xs}, {})[0]", a.s),
                _ => {
                    let a2 = self.wrapped(1, (-1.5, 1.5));
                    format!("{name}(&{name}({xs}, {}), {})[0]", a.s, a2.s)
                }
            };
            Self::line(out, ind, &format!("let {r}: {FLT} = {inline};"));
            let m = if array { 4.0 } else { 4.0 * 6.0 };
            self.declare(&r, VarKind::Float(Iv(-m, m, true)), false);
            return;
        }
        // A call with constant arguments is data; its generic twin is pending (see `PENDING`).
        let hv = self.fresh(if iv.2 { "hv" } else { "hc" });
        Self::line(out, ind, &format!("let {hv} = {name}({xs}, {});", a.s));
        let min_len = if array { 2 } else { 1 };
        // Chained: the result given to the helper again (a call with constant arguments too,
        // whose result is then a constant buffer given a scratch buffer for its gradient).
        let chained = iv.2 || self.on("stmt:constant_vector_chained");
        let seq = if !array && !data_wrt && chained && self.rng.chance(0.3) {
            let a2 = self.wrapped(1, (-1.5, 1.5));
            let hv2 = self.fresh("hv");
            if self.on("stmt:vector_fold") && self.rng.chance(0.35) {
                // Layers the functional way: a fold carrying the vector.
                let k = 1 + self.rng.below(2);
                Self::line(
                    out,
                    ind,
                    &format!(
                        "let {hv2} = (0..{k}).fold({hv}.to_vec(), |h, _| {name}(&h, {}));",
                        a2.s
                    ),
                );
            } else {
                Self::line(out, ind, &format!("let {hv2} = {name}(&{hv}, {});", a2.s));
            }
            hv2
        } else {
            hv
        };
        // The result read only inside a `vec![..]` (a list, or the value of a repeat).
        let (seq, min_len) = if self.on("stmt:vector_in_vec") && self.rng.chance(0.25) {
            let vv = self.fresh("vv");
            let list = if self.rng.chance(0.5) {
                format!("vec![{seq}[0] * 0.5, {seq}[{seq}.len() - 1]]")
            } else {
                format!("vec![{seq}[0]; 2]")
            };
            Self::line(out, ind, &format!("let {vv} = {list};"));
            (vv, 2)
        } else {
            (seq, min_len)
        };
        // The result consumed and mapped by a function path (`hv.into_iter().map(FLT::tanh)`).
        let seq = if !array && iv.2 && self.on("stmt:vector_into_iter") && self.rng.chance(0.2) {
            let vm = self.fresh("vm");
            Self::line(
                out,
                ind,
                &format!("let {vm}: Vec<{FLT}> = {seq}.into_iter().map({FLT}::tanh).collect();"),
            );
            vm
        } else {
            seq
        };
        self.buffer_read(ctx, &seq, iv, min_len, out, ind);
    }

    /// The `[FLT; 2]` result of `name` passed on by value to `#[gradient]` helpers taking
    /// `[FLT; 2]`: bound untyped and passed twice, bound typed, nested without a name, or given
    /// to a vector-valued helper whose result is passed on again.
    fn vector_by_value(&mut self, out: &mut String, ind: usize, name: &str, xs: &str, a: &str) {
        let (dot, sub) = (format!("{name}_dot"), format!("{name}_sub"));
        let _ = writeln!(
            self.items,
            "#[gradient]\nfn {dot}(p: [{FLT}; 2], q: [{FLT}; 2]) -> {FLT} {{\n    p[0] * q[0] + {FLT}::tanh(p[1] * q[1])\n}}\n#[gradient]\nfn {sub}(p: [{FLT}; 2], q: [{FLT}; 2]) -> [{FLT}; 2] {{\n    [p[0] - q[0], {FLT}::tanh(p[1] * q[1])]\n}}"
        );
        let (hv, hw, r) = (self.fresh("hv"), self.fresh("hw"), self.fresh("vb"));
        let c = self.wrapped(1, (-1.0, 1.0));
        let lines = match self.rng.below(4) {
            0 => format!("let {hv} = {name}({xs}, {a});\nlet {r}: {FLT} = {dot}({hv}, {hv});"),
            1 => format!("let {hv}: [{FLT}; 2] = {name}({xs}, {a});\nlet {r}: {FLT} = {dot}({hv}, [{}, 0.5]);", c.s),
            2 => format!("let {r}: {FLT} = {dot}({name}({xs}, {a}), [0.5, {}]);", c.s),
            _ => format!("let {hv} = {name}({xs}, {a});\nlet {hw} = {sub}({hv}, [{}, 1.0]);\nlet {r}: {FLT} = {dot}({hw}, {hv});", c.s),
        };
        for l in lines.lines() {
            Self::line(out, ind, l);
        }
        // Each element of the result within 4 (see `vector_call_stmt`): within 5·4 + 1.
        self.declare(&r, VarKind::Float(Iv(-21.0, 21.0, true)), false);
    }

    /// A helper writing its result into an output parameter `out: &mut [FLT]` (written by
    /// index, through `iter_mut()` with `zip`/`enumerate`, added to what `out` held, or a
    /// function of what it held; or passing `out` on to a second helper), mostly `#[gradient]`
    /// and sometimes plain (then called on data only). The call `NAME(xs, a, &mut ob)` fills a
    /// fresh buffer (a `Vec` or an array, initialized with a differentiated value or not,
    /// sometimes written first) or its tail `&mut ob[1..]`, once, twice or in a loop; then `ob`
    /// is read like any buffer.
    fn out_call_stmt(
        &mut self,
        ctx: Ctx,
        out: &mut String,
        ind: usize,
        name: &str,
        slices: &[(String, Iv)],
    ) {
        let (xs, xiv) = self.rng.pick(slices).clone();
        // A plain helper only on data the generator knows to be constant: a constant slice and
        // a literal (the activity of a local updated in place is not tracked exactly).
        let plain = !xiv.2 && self.rng.chance(0.5);
        let a = self.out_call_scale(plain);
        // A plain helper takes no slice: the hidden derivation of a model's method (for callers
        // given the whole model) differentiates its data slices too, and a plain function
        // called on them is not followed there (README, "What is a compile error").
        let form = if plain { 3 } else { self.rng.below(5) };
        let body = match form {
            0 if self.on("stmt:vector_return") && self.rng.chance(0.4) => "if a > 1.0 {\n        out.fill(a);\n        return;\n    }\n    for i in 0..out.len() {\n        out[i] = (s[i % s.len()] * a).tanh() + a;\n    }".to_string(),
            0 => "for i in 0..out.len() {\n        out[i] = (s[i % s.len()] * a).tanh() + a;\n    }".to_string(),
            1 => "for (o, v) in out.iter_mut().zip(s) {\n        *o += v * a;\n    }".to_string(),
            2 => "out.fill(0.0);\n    for (k, o) in out.iter_mut().enumerate() {\n        *o = (s[k % s.len()] - a).sin() * 0.5;\n    }".to_string(),
            3 => "for o in out.iter_mut() {\n        *o = (*o * a).tanh() + 0.25;\n    }".to_string(),
            _ => {
                let inner = format!("{name}_in");
                let ann = if plain { "" } else { "#[gradient]\n" };
                let _ = writeln!(
                    self.items,
                    "{ann}fn {inner}(s: &[{FLT}], a: {FLT}, out: &mut [{FLT}]) {{\n    for i in 0..out.len() {{\n        out[i] = (s[i % s.len()] * a).tanh() + a;\n    }}\n}}"
                );
                format!("let mut t = vec![0.0; out.len()];\n    {inner}(s, a, &mut t);\n    for i in 0..out.len() {{\n        out[i] = t[i] * 0.5 + out[i] * a;\n    }}")
            }
        };
        // (Sometimes with its forward mode, `NAME_jvp`, which must then compile.)
        let ann = if plain {
            ""
        } else if self.on("stmt:out_param_jvp") && self.rng.chance(0.4) {
            "#[gradient(jvp)]\n"
        } else {
            "#[gradient]\n"
        };
        let slice_param = if plain {
            String::new()
        } else {
            format!("s: &[{FLT}], ")
        };
        // The output moved into another name first (`let ow = out;`), written through that.
        let body = if self.on("stmt:out_moved") && self.rng.chance(0.2) {
            format!("let ow = out;\n    {}", rename_word(&body, "out", "ow"))
        } else {
            body
        };
        let _ = writeln!(
            self.items,
            "{ann}fn {name}({slice_param}a: {FLT}, out: &mut [{FLT}]) {{\n    {body}\n}}"
        );
        // What one call makes of an element that held `old`.
        let step = |old: Iv| -> Iv {
            let t = Iv(-1.0 + a.iv.0, 1.0 + a.iv.1, xiv.2 || a.iv.2);
            match form {
                0 => t,
                // Elements past the end of `s` keep what they held.
                1 => old.union(old.add(xiv.mul(a.iv))),
                2 => Iv(-0.5, 0.5, xiv.2 || a.iv.2),
                3 => Iv(-0.75, 1.25, old.2 || a.iv.2),
                _ => t.mul(Iv::pt(0.5)).add(old.mul(a.iv)),
            }
        };
        let ob = self.fresh(if plain { "oc" } else { "ob" });
        let n = 1 + self.rng.below(3);
        let array = self.rng.chance(0.3);
        let init = if !plain && self.rng.chance(0.4) {
            self.wrapped(1, (-1.0, 1.0))
        } else {
            Ex {
                s: "0.5".to_string(),
                typed: false,
                iv: Iv::pt(0.5),
                named: false,
            }
        };
        let decl = if array {
            format!("let mut {ob} = [{}; {n}];", init.s)
        } else {
            format!("let mut {ob} = vec![{}; {n}];", init.s)
        };
        Self::line(out, ind, &decl);
        let mut iv = init.iv;
        if !plain && self.rng.chance(0.3) {
            let e = self.wrapped(1, (-1.0, 1.0));
            Self::line(out, ind, &format!("{ob}[0] = {};", e.s));
            iv = iv.union(e.iv);
        }
        // The target: the whole buffer, or its tail (the head keeps what it held).
        let tail = n >= 2 && self.rng.chance(0.3);
        let target = if tail {
            format!("&mut {ob}[1..]")
        } else {
            format!("&mut {ob}")
        };
        let call = if plain {
            format!("{name}({}, {target});", a.s)
        } else {
            format!("{name}({xs}, {}, {target});", a.s)
        };
        let times = match self.rng.below(4) {
            0 if ctx.loops < 2 => {
                let it = self.fresh("it");
                Self::nested(out, ind, &format!("for {it} in 0..2"), &call);
                2
            }
            1 => {
                Self::line(out, ind, &call);
                Self::line(out, ind, &call);
                2
            }
            _ => {
                Self::line(out, ind, &call);
                1
            }
        };
        for _ in 0..times {
            iv = if tail { iv.union(step(iv)) } else { step(iv) };
        }
        self.buffer_read(ctx, &ob, iv, n, out, ind);
    }

    /// The float argument of a helper with outputs: a literal for a plain helper (called on data
    /// only), any value in [-1.5, 1.5] otherwise.
    /// What an output lent to a helper starts with: a differentiated value sometimes, `0.5`
    /// where the helper is plain (called on data only).
    fn output_init(&mut self, plain: bool) -> Ex {
        if !plain && self.rng.chance(0.4) {
            self.wrapped(1, (-1.0, 1.0))
        } else {
            Ex {
                s: "0.5".to_string(),
                typed: false,
                iv: Iv::pt(0.5),
                named: false,
            }
        }
    }

    fn out_call_scale(&mut self, plain: bool) -> Ex {
        if plain {
            let c = fmt_float(self.rng.uniform(-1.5, 1.5));
            Ex {
                s: format!("({c})"),
                typed: false,
                iv: Iv::pt(c.parse().unwrap_or(0.0)),
                named: false,
            }
        } else {
            self.wrapped(1, (-1.5, 1.5))
        }
    }

    /// A helper with several outputs made for this statement: a buffer and a float written
    /// through `&mut FLT` (the float accumulated into, the buffer's new contents reading what it
    /// held), a float and two buffers updated together (a step of an integrator), or two floats
    /// (the second reading the first); `#[gradient]` (sometimes with `jvp`), or plain and then
    /// called on data only. The call fills fresh locals (the buffer a `Vec` or an array, or its
    /// tail `&mut ob[1..]`), once, twice or in a loop; then they are read like any local.
    fn outs_call_stmt(
        &mut self,
        ctx: Ctx,
        out: &mut String,
        ind: usize,
        name: &str,
        slices: &[(String, Iv)],
    ) {
        let (xs, xiv) = self.rng.pick(slices).clone();
        let plain = !xiv.2 && self.rng.chance(0.3);
        let a = self.out_call_scale(plain);
        let form = self.rng.below(3);
        let (params, body) = match form {
            0 => (
                format!("s: &[{FLT}], a: {FLT}, out: &mut [{FLT}], e: &mut {FLT}"),
                "*e *= 0.5;
    for i in 0..out.len() {
        out[i] = (s[i % s.len()] * a).tanh() + out[i] * 0.5;
        *e += out[i] * 0.25;
    }",
            ),
            1 => (
                format!("e: &mut {FLT}, s: &[{FLT}], a: {FLT}, p: &mut [{FLT}], q: &mut [{FLT}]"),
                "for i in 0..p.len() {
        q[i] -= a * p[i] * 0.5 + s[i % s.len()] * 0.125;
        p[i] += q[i] * 0.25;
    }
    *e = *e * 0.5 + a;",
            ),
            _ => (
                format!("s: &[{FLT}], a: {FLT}, lo: &mut {FLT}, hi: &mut {FLT}"),
                "*lo = a * s[0] * 0.5 + *lo * 0.25;
    *hi = *lo + (s[s.len() - 1] * a).tanh();",
            ),
        };
        let ann = if plain {
            ""
        } else if self.on("stmt:out_param_jvp") && self.rng.chance(0.3) {
            "#[gradient(jvp)]
"
        } else {
            "#[gradient]
"
        };
        let _ = writeln!(
            self.items,
            "{ann}fn {name}({params}) {{
    {body}
}}"
        );
        let act = xiv.2 || a.iv.2;
        let sm = xiv.mag().max(1.0);
        let am = a.iv.mag().max(1.0);
        let init = |g: &mut Self| g.output_init(plain);
        let n = 1 + self.rng.below(3);
        let array = self.rng.chance(0.3);
        let buffer = |g: &mut Self, out: &mut String, prefix: &str| -> (String, Iv) {
            let b = g.fresh(prefix);
            let i = init(g);
            let decl = if array {
                format!("let mut {b} = [{}; {n}];", i.s)
            } else {
                format!("let mut {b} = vec![{}; {n}];", i.s)
            };
            Self::line(out, ind, &decl);
            (b, i.iv)
        };
        let float = |g: &mut Self, out: &mut String, prefix: &str| -> (String, Iv) {
            let f = g.fresh(prefix);
            let i = init(g);
            Self::line(out, ind, &format!("let mut {f}: {FLT} = {};", i.s));
            (f, i.iv)
        };
        let times = if ctx.loops < 2 {
            1 + self.rng.below(2)
        } else {
            1
        };
        let mag = |iv: Iv| iv.mag();
        let bound = |m: f64, active: bool| Iv(-m, m, active);
        let call_and_read = |g: &mut Self, out: &mut String, call: String| {
            if times == 2 && g.rng.chance(0.5) {
                let it = g.fresh("it");
                Self::nested(out, ind, &format!("for {it} in 0..2"), &call);
            } else {
                for _ in 0..times {
                    Self::line(out, ind, &call);
                }
            }
        };
        let args = |rest: &str| {
            if plain {
                rest.replace("XS, ", "&[0.5, -0.25], ")
            } else {
                rest.replace("XS", &xs)
            }
        };
        match form {
            0 => {
                let (ob, biv) = buffer(self, out, if plain { "oc" } else { "ob" });
                let (oe, eiv) = float(self, out, "oe");
                let tail = n >= 2 && self.rng.chance(0.3);
                let target = if tail {
                    format!("&mut {ob}[1..]")
                } else {
                    format!("&mut {ob}")
                };
                call_and_read(
                    self,
                    out,
                    args(&format!("{name}(XS, {}, {target}, &mut {oe});", a.s)),
                );
                let (mut b, mut e) = (mag(biv), mag(eiv));
                for _ in 0..times {
                    b = 1.0 + 0.5 * b.max(if tail { mag(biv) } else { 0.0 });
                    e = 0.5 * e + 0.25 * n as f64 * b;
                }
                let (bact, eact) = (act || biv.2 || eiv.2, act || biv.2 || eiv.2);
                self.declare(&oe, VarKind::Float(bound(e, eact)), false);
                self.buffer_read(ctx, &ob, bound(b.max(mag(biv)), bact), n, out, ind);
            }
            1 => {
                let (oe, eiv) = float(self, out, "oe");
                let (op, piv) = buffer(self, out, "op");
                let (oq, qiv) = buffer(self, out, "oq");
                call_and_read(
                    self,
                    out,
                    args(&format!(
                        "{name}(&mut {oe}, XS, {}, &mut {op}, &mut {oq});",
                        a.s
                    )),
                );
                let (mut p, mut q, mut e) = (mag(piv), mag(qiv), mag(eiv));
                for _ in 0..times {
                    q = q + 0.5 * am * p + 0.125 * sm;
                    p += 0.25 * q;
                    e = 0.5 * e + am;
                }
                let all = act || piv.2 || qiv.2 || eiv.2;
                self.declare(&oe, VarKind::Float(bound(e, act || eiv.2)), false);
                self.declare(
                    &oq,
                    VarKind::Seq {
                        key: oq.clone(),
                        iv: bound(q, all),
                        min_len: n,
                        slice: false,
                    },
                    false,
                );
                self.buffer_read(ctx, &op, bound(p, all), n, out, ind);
            }
            _ => {
                let (lo, liv) = float(self, out, "olo");
                let (hi, hiv) = float(self, out, "ohi");
                call_and_read(
                    self,
                    out,
                    args(&format!("{name}(XS, {}, &mut {lo}, &mut {hi});", a.s)),
                );
                let mut l = mag(liv);
                for _ in 0..times {
                    l = 0.5 * am * sm + 0.25 * l;
                }
                let lact = act || liv.2;
                self.declare(&lo, VarKind::Float(bound(l, lact)), false);
                self.declare(&hi, VarKind::Float(bound(l + 1.0, lact || hiv.2)), false);
            }
        }
    }

    /// A `#[gradient]` helper that takes a closure (by value through a generic bound, by
    /// reference with a `where` clause, or as `impl Fn`), called with a closure that captures a
    /// typed local (a literal, `&` of one, or a closure local), its value bound.
    fn closure_helper_stmt(&mut self, out: &mut String, ind: usize, name: &str) {
        let caps: Vec<(String, Iv)> = self
            .visible()
            .into_iter()
            .filter_map(|v| match v.kind {
                // A typed local, or a parameter (which a variant of the case moves into a model
                // read by a method: the closure then reads a field of a differentiated `self`).
                VarKind::Float(iv)
                    if self.typed_lets.contains(&v.name)
                        || (v.param && !self.ref_params.contains(&v.name)) =>
                {
                    Some((v.name, iv))
                }
                _ => None,
            })
            .filter(|(n, _)| n.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .collect();
        if caps.is_empty() {
            return;
        }
        let (cap, civ) = self.rng.pick(&caps).clone();
        // Sometimes through a local without a written type that computes a float from it.
        let (cap, civ) = if self.on("stmt:closure_untyped_capture") && self.rng.chance(0.3) {
            let u = self.fresh("uc");
            if self.on("stmt:closure_tuple_capture") && self.rng.chance(0.5) {
                // Or a part of a tuple `let` of floats.
                let o = self.fresh("uo");
                Self::line(out, ind, &format!("let ({u}, {o}) = ({cap} * 0.5, 0.25);"));
                Self::line(out, ind, &format!("let _ = {o};"));
            } else {
                Self::line(out, ind, &format!("let {u} = {cap} * 0.5;"));
            }
            (u, Iv(civ.0 * 0.5, civ.1 * 0.5, civ.2))
        } else {
            (cap, civ)
        };
        // Sometimes the helper takes a function pointer, and is given a function by its path.
        let pointer = self.on("call:function_value") && self.rng.chance(0.25);
        let (sig, call_f) = match if pointer { 3 } else { self.rng.below(3) } {
            3 => (format!("(f: fn({FLT}) -> {FLT}, a: {FLT}, n: usize)"), ""),
            0 => (
                format!("<CF: Fn({FLT}) -> {FLT}>(f: CF, a: {FLT}, n: usize)"),
                "",
            ),
            1 => (format!("<CF>(f: &CF, a: {FLT}, n: usize)"), "&"),
            _ => (
                format!("(f: impl Fn({FLT}) -> {FLT}, a: {FLT}, n: usize)"),
                "",
            ),
        };
        let where_clause = if call_f == "&" {
            format!("\nwhere\n    CF: Fn({FLT}) -> {FLT},")
        } else {
            String::new()
        };
        // (The comment marks the case for the generic twin, which skips it.) Sometimes without
        // `#[gradient]`: read from the file, each call specialized alike.
        let ann = if self.on("call:plain_closure_helper") && self.rng.chance(0.3) {
            "/// not annotated"
        } else {
            "#[gradient]"
        };
        // A plain one sometimes calls a plain helper of one number on the closure's value
        // (squashed: the step stays within 0.5).
        let term = self
            .helpers
            .iter()
            .find(|h| h.plain && h.slices == [false] && !h.by_ref)
            .map(|h| h.name.clone())
            .filter(|_| {
                ann.starts_with("///")
                    && self.on("call:plain_in_closure_helper")
                    && self.rng.chance(0.5)
            })
            .map_or_else(
                || format!("f(a + i as {FLT} * 0.25)"),
                |h| format!("{FLT}::tanh({h}(f(a + i as {FLT} * 0.25)))"),
            );
        // Sometimes its only floats come through the closure (no float parameter of its own).
        let closure_only = self.on("call:closure_only_floats") && self.rng.chance(0.2);
        let (sig, term) = if closure_only {
            (
                sig.replace(&format!("a: {FLT}, "), ""),
                term.replace("f(a + ", "f(-0.5 + "),
            )
        } else {
            (sig, term)
        };
        // Sometimes declared in the body, reading a `const` of the body.
        if self.on("call:nested_closure_helper") && self.rng.chance(0.25) {
            let k = self.fresh("HK");
            // (Its names its own, which no variant of the case rewrites as the caller's: a
            // model's field, `self.n`.)
            let text = format!(
                "fn {name}{sig} -> {FLT}{where_clause} {{\n    let mut s: {FLT} = 0.0;\n    for i in 0..n {{\n        s += {term} * {k};\n    }}\n    s\n}}"
            );
            let own = [
                ("f", "hf_"),
                ("a", "ha_"),
                ("n", "hn_"),
                ("s", "hs_"),
                ("i", "hi_"),
            ];
            let text = format!(
                "// a helper taking a closure (CF: Fn(..)), declared in the body\nconst {k}: {FLT} = 0.5;\n{}",
                rename_words(&text, &own)
            );
            for l in text.lines() {
                Self::line(out, ind, l);
            }
            // (Counted among the helpers: the next one's name differs.)
            let _ = writeln!(self.items, "// {name} is declared in the body");
        } else {
            let _ = writeln!(
                self.items,
                "// a helper taking a closure (CF: Fn(..))\n{ann}\nfn {name}{sig} -> {FLT}{where_clause} {{\n    let mut s: {FLT} = 0.0;\n    for i in 0..n {{\n        s += {term} * 0.5;\n    }}\n    s\n}}"
            );
        }
        let a = self.wrapped(1, (-1.0, 1.0));
        let n = 1 + self.rng.below(3);
        if !pointer && self.on("closure:capture_forms") && self.rng.chance(0.45) {
            let a_arg = if closure_only {
                String::new()
            } else {
                format!("{}, ", a.s)
            };
            let call = (name, call_f, a_arg.as_str(), n, a.iv.2 && !closure_only);
            return self.closure_capture_form(out, ind, call, (&cap, civ));
        }
        let closure = format!("|t: {FLT}| {FLT}::tanh(t * {cap} * 0.5)");
        let r = self.fresh("cr");
        let by_path = pointer || (self.on("call:function_value") && self.rng.chance(0.2));
        let arg = match if by_path { 3 } else { self.rng.below(3) } {
            3 => self.function_value(out, ind, name, (&a.s, a.iv.2)),
            0 => closure,
            1 => format!("&{closure}"),
            _ => {
                let c = self.fresh("cf");
                Self::line(out, ind, &format!("let {c} = {closure};"));
                if call_f == "&" {
                    format!("&{c}")
                } else {
                    c
                }
            }
        };
        let arg = if call_f == "&" && !arg.starts_with('&') {
            format!("&{arg}")
        } else {
            arg
        };
        let a_arg = if closure_only {
            String::new()
        } else {
            format!("{}, ", a.s)
        };
        Self::line(
            out,
            ind,
            &format!("let {r}: {FLT} = {name}({arg}, {a_arg}{n});"),
        );
        let act = (civ.2 && !by_path) || (a.iv.2 && !closure_only);
        self.declare(
            &r,
            VarKind::Float(Iv(-0.5 * n as f64, 0.5 * n as f64, act)),
            false,
        );
    }

    /// Calls of the closure helper `call.0` whose closure reads what the caller binds in other
    /// ways than a typed `let`: a loop's items (floats, references, counts, positions, chunks),
    /// an adapter's item (`map(|&v| ..)`), the fields of a tuple `let`, a `const` of the body,
    /// the rows of a `Vec` of tuples written out, a closure of the body it calls, an `if let`'s
    /// element, a `match` arm's count; summed into a float declared after them.
    /// `call`: the helper, `&` where it takes the closure by reference, the argument before the
    /// count, the count, whether that argument is differentiated.
    fn closure_capture_form(
        &mut self,
        out: &mut String,
        ind: usize,
        call: (&str, &str, &str, usize, bool),
        (cap, civ): (&str, Iv),
    ) {
        let (name, by_ref, a_arg, n, a_act) = call;
        let r = self.fresh("cr");
        let slices = self.slices();
        let form = self.rng.below(14);
        let slice = (!slices.is_empty() && (form <= 4 || form == 8 || form >= 11))
            .then(|| self.rng.pick(&slices).clone());
        let helper = |body: &str| format!("{name}({by_ref}|t: {FLT}| {body}, {a_arg}{n})");
        Self::line(out, ind, &format!("let mut {r}: {FLT} = 0.0;"));
        let act = match (form, slice) {
            // A loop's or an adapter's items over a slice (`CALL` is the helper's call).
            (0..=4 | 8, Some((s, iv))) => {
                let (v, i) = (self.fresh("lv"), self.fresh("li"));
                let (body, line) = match form {
                    0 => (
                        format!("t * {v} * 0.5"),
                        format!("for &{v} in {s}.iter().take(2) {{ {r} += CALL; }}"),
                    ),
                    1 => (
                        format!("t * *{v} * 0.5"),
                        format!("for {v} in {s}.iter().take(2) {{ {r} += CALL; }}"),
                    ),
                    2 => (
                        format!("t * {v} * 0.5 + {i} as {FLT} * 0.1"),
                        format!(
                            "for ({i}, &{v}) in {s}.iter().enumerate().take(2) {{ {r} += CALL; }}"
                        ),
                    ),
                    3 => (
                        format!("t * {s}[{i}] * 0.5"),
                        format!("for {i} in 0..{s}.len().min(2) {{ {r} += CALL; }}"),
                    ),
                    4 => (
                        format!("t * {v} * 0.5"),
                        format!("{r} += {s}.iter().take(2).map(|&{v}| CALL).sum::<{FLT}>();"),
                    ),
                    _ => (
                        format!("t * {v}[0] * 0.5"),
                        format!("for {v} in {s}.chunks(2).take(2) {{ {r} += CALL; }}"),
                    ),
                };
                let call = helper(&format!("{FLT}::tanh({body})"));
                Self::line(out, ind, &line.replace("CALL", &call));
                iv.2
            }
            (12, Some((s, iv))) => {
                // The element an `if let` takes.
                let v = self.fresh("lv");
                let call = helper(&format!("{FLT}::tanh(t * {v} * 0.5)"));
                Self::line(
                    out,
                    ind,
                    &format!("if let Some(&{v}) = {s}.last() {{ {r} += {call}; }}"),
                );
                iv.2
            }
            (13, Some((s, iv))) => {
                // A `match` arm's count.
                let n = self.fresh("ln");
                let call = helper(&format!("{FLT}::tanh(t * {s}[{n} - 1] * 0.5)"));
                Self::line(
                    out,
                    ind,
                    &format!("match {s}.len() {{ {n} if {n} > 0 => {r} += {call}, _ => {{}} }}"),
                );
                iv.2
            }
            (10, _) => {
                // A count of a range of literals, read through a cast.
                let j = self.fresh("lj");
                let call = helper(&format!(
                    "{FLT}::tanh(t * {cap} * 0.5 + {j} as {FLT} * 0.1)"
                ));
                Self::line(out, ind, &format!("for {j} in 0..2 {{ {r} += {call}; }}"));
                civ.2
            }
            (11, Some((s, iv))) => {
                // Positions up to an integer `let`.
                let (n, i) = (self.fresh("ln"), self.fresh("li"));
                Self::line(out, ind, &format!("let {n} = {s}.len().min(2);"));
                let call = helper(&format!("{FLT}::tanh(t * {s}[{i}] * 0.5)"));
                Self::line(out, ind, &format!("for {i} in 0..{n} {{ {r} += {call}; }}"));
                iv.2
            }
            (9, _) => {
                // A closure of the body that the closure calls.
                let m = self.fresh("mdl");
                Self::line(out, ind, &format!("let {m} = |u: {FLT}| u * {cap} * 0.5;"));
                let call = helper(&format!("{FLT}::tanh({m}(t))"));
                Self::line(out, ind, &format!("{r} += {call};"));
                civ.2
            }
            (7, _) => {
                let (rows, row) = (self.fresh("rw"), self.fresh("rr"));
                Self::line(
                    out,
                    ind,
                    &format!("let {rows} = vec![({cap} * 0.5, 0.25), (0.5, {cap} * 0.25)];"),
                );
                let call = helper(&format!("{FLT}::tanh(t * {row}.0 + {row}.1)"));
                Self::line(
                    out,
                    ind,
                    &format!("for {row} in &{rows} {{ {r} += {call}; }}"),
                );
                civ.2
            }
            _ => {
                let tp = self.fresh("tp");
                Self::line(out, ind, &format!("let {tp} = ({cap} * 0.5, {cap});"));
                let call = helper(&format!("{FLT}::tanh(t * {tp}.0 + {tp}.1 * 0.25)"));
                Self::line(out, ind, &format!("{r} += {call};"));
                civ.2
            }
        };
        // (Two calls at most, each of `n` halves of a `tanh`.)
        let b = n as f64;
        self.declare(&r, VarKind::Float(Iv(-b, b, act || a_act)), false);
    }

    /// A function given by its path where a closure may be (`f64::sin`, a function of the
    /// file, annotated or not), sometimes bound to a name first (`let g: fn(f64) -> f64 =
    /// f64::atan;`) which is also called directly, or in a closure, on `a`, its value bound:
    /// the argument to pass.
    fn function_value(
        &mut self,
        out: &mut String,
        ind: usize,
        name: &str,
        (a, act): (&str, bool),
    ) -> String {
        // (Each bounded by 1 on the helper's arguments.)
        let path = match self.rng.below(5) {
            0 => format!("{FLT}::tanh"),
            1 => format!("{FLT}::sin"),
            2 => format!("{FLT}::atan"),
            k => {
                let f = format!("{name}_f");
                let ann = if k == 3 { "#[gradient]\n" } else { "" };
                let _ = writeln!(
                    self.items,
                    "{ann}fn {f}(t: {FLT}) -> {FLT} {{\n    {FLT}::tanh(t * 0.75)\n}}"
                );
                f
            }
        };
        if !self.rng.chance(0.4) {
            return path;
        }
        let g = self.fresh("fv");
        let ty = if self.rng.chance(0.5) {
            format!(": fn({FLT}) -> {FLT}")
        } else {
            String::new()
        };
        Self::line(out, ind, &format!("let {g}{ty} = {path};"));
        let d = self.fresh("fd");
        if self.rng.chance(0.5) {
            let c = self.fresh("fc");
            Self::line(out, ind, &format!("let {c} = |t: {FLT}| {g}(t) * 0.5;"));
            Self::line(out, ind, &format!("let {d}: {FLT} = {c}({a});"));
        } else {
            Self::line(out, ind, &format!("let {d}: {FLT} = {g}({a}) * 0.5;"));
        }
        self.declare(&d, VarKind::Float(Iv(-0.8, 0.8, act)), false);
        g
    }

    /// A helper returning a small matrix `[[FLT; 2]; 2]` (a rotation scaled by a slice's
    /// elements, as a literal of rows or filled by index), its elements read by index, in a
    /// loop or a closure.
    fn matrix_call_stmt(
        &mut self,
        out: &mut String,
        ind: usize,
        name: &str,
        slices: &[(String, Iv)],
    ) {
        let (xs, xiv) = self.rng.pick(slices).clone();
        let body = if self.rng.chance(0.5) {
            "let (sn, cs) = (a * s[0]).sin_cos();\n    [[cs, -sn], [sn * s[s.len() - 1].tanh(), cs]]"
                .to_string()
        } else {
            format!("let mut m = [[0.0; 2]; 2];\n    m[0][0] = (a * s[0]).cos();\n    m[1][1] = {FLT}::tanh(s[s.len() - 1] + a);\n    m[0][1] = m[0][0] * 0.5;\n    m")
        };
        let _ = writeln!(
            self.items,
            "#[gradient]\nfn {name}(s: &[{FLT}], a: {FLT}) -> [[{FLT}; 2]; 2] {{\n    {body}\n}}"
        );
        let a = self.wrapped(1, (-1.5, 1.5));
        let (m, r) = (self.fresh("mx"), self.fresh("mr"));
        Self::line(out, ind, &format!("let {m} = {name}({xs}, {});", a.s));
        let read = match self.rng.below(3) {
            0 => format!("let {r}: {FLT} = {m}[0][0] * {m}[1][1] + {m}[0][1] * 0.5 - {m}[1][0];"),
            1 => {
                let (i, j) = (self.fresh("i"), self.fresh("j"));
                format!("let mut {r}: {FLT} = 0.0;\nfor {i} in 0..2 {{ for {j} in 0..2 {{ {r} += {m}[{i}][{j}] * ({i} + {j}) as {FLT} * 0.25; }} }}")
            }
            _ => {
                let i = self.fresh("i");
                format!("let {r}: {FLT} = (0..2).map(|{i}| {m}[{i}][{i}]).sum::<{FLT}>();")
            }
        };
        for l in read.lines() {
            Self::line(out, ind, l);
        }
        // Every element within 1, the reads within 3.
        self.declare(&r, VarKind::Float(Iv(-3.0, 3.0, xiv.2 || a.iv.2)), false);
    }

    /// A helper that returns a float and also writes through `&mut`: a float accumulated into
    /// and a buffer (a `Vec`, an array or a part) updated from what it held; `#[gradient]`, or
    /// plain and then called on data only. Its value is bound (`let r = NAME(..);`, sometimes
    /// scaled, sometimes twice in a row), or the call is a statement; the locals it writes are
    /// read after it like any others.
    fn inout_call_stmt(
        &mut self,
        out: &mut String,
        ind: usize,
        name: &str,
        slices: &[(String, Iv)],
    ) {
        let (xs, xiv) = self.rng.pick(slices).clone();
        let plain = !xiv.2 && self.rng.chance(0.3);
        let a = self.out_call_scale(plain);
        let ann = if plain { "" } else { "#[gradient]\n" };
        // The buffer sometimes moved into another name first (`let w = buf;`).
        let (moved, w) = if self.on("stmt:out_moved") && self.rng.chance(0.2) {
            ("let w = buf;\n    ", "w")
        } else {
            ("", "buf")
        };
        // Sometimes a scratch `Vec` the helper clears, then fills by `push` (one per `s`).
        let cleared = moved.is_empty() && self.on("stmt:inout_cleared") && self.rng.chance(0.3);
        if cleared {
            let _ = writeln!(
                self.items,
                "{ann}fn {name}(s: &[{FLT}], a: {FLT}, acc: &mut {FLT}, buf: &mut Vec<{FLT}>) -> {FLT} {{
    buf.clear();
    *acc = *acc * 0.5 + a * s[0] * 0.5;
    for &v in s {{
        buf.push((v * 0.5 + a).tanh());
    }}
    *acc * 0.25 + buf[0] * a
}}"
            );
        } else {
            let _ = writeln!(
                self.items,
                "{ann}fn {name}(s: &[{FLT}], a: {FLT}, acc: &mut {FLT}, buf: &mut [{FLT}]) -> {FLT} {{
    {moved}*acc = *acc * 0.5 + a * s[0] * 0.5;
    for i in 0..{w}.len() {{
        {w}[i] = ({w}[i] * 0.5 + a).tanh();
    }}
    *acc * 0.25 + {w}[0] * a
}}"
            );
        }
        let init = |g: &mut Self| g.output_init(plain);
        let n = 1 + self.rng.below(3);
        let (acc, b) = (self.fresh("ia"), self.fresh("ib"));
        let ia = init(self);
        // The float written through may be an element lent from a buffer (`&mut acc[1]`).
        let lent = self.on("stmt:inout_lent") && self.rng.chance(0.3);
        if lent {
            Self::line(out, ind, &format!("let mut {acc} = [{}; 2];", ia.s));
        } else {
            Self::line(out, ind, &format!("let mut {acc}: {FLT} = {};", ia.s));
        }
        let ib = init(self);
        let mut filled = false;
        let decl = if self.rng.chance(0.3) && !cleared {
            format!("let mut {b} = [{}; {n}];", ib.s)
        } else if cleared && self.rng.chance(0.3) {
            format!("let mut {b}: Vec<{FLT}> = Vec::new();")
        } else {
            filled = true;
            format!("let mut {b} = vec![{}; {n}];", ib.s)
        };
        Self::line(out, ind, &decl);
        let xs_arg = if plain {
            "&[0.5, -0.25]".to_string()
        } else {
            xs.clone()
        };
        let part = n >= 2 && !cleared && self.rng.chance(0.3);
        let target = if part {
            format!("&mut {b}[1..]")
        } else {
            format!("&mut {b}")
        };
        let acc_arg = if lent {
            format!("&mut {acc}[1]")
        } else {
            format!("&mut {acc}")
        };
        // A cleared scratch vector is sometimes refilled by calls in a loop (declared before
        // it, read after it), or in a branch; a trip may read what the last one left first.
        let looped = cleared && self.rng.chance(0.4);
        let branched =
            cleared && !looped && self.on("stmt:inout_refilled_branch") && self.rng.chance(0.4);
        let read_back =
            looped && filled && self.on("stmt:inout_refilled_branch") && self.rng.chance(0.5);
        let (a_arg, bm) = if read_back {
            (
                format!("({}) + 0.25 * {b}[0]", a.s),
                0.25 * 1.0f64.max(ib.iv.mag()),
            )
        } else {
            (a.s.clone(), 0.0)
        };
        let call = format!("{name}({xs_arg}, {a_arg}, {acc_arg}, {target})");
        let (am, sm) = (a.iv.mag().max(1.0) + bm, xiv.mag().max(1.0));
        let act = !plain && (xiv.2 || a.iv.2 || ia.iv.2 || ib.iv.2);
        let times = 1 + self.rng.below(2);
        let mut accm = ia.iv.mag();
        for _ in 0..times {
            accm = 0.5 * accm + 0.5 * am * sm;
        }
        // (The branch's condition is data: the derivative of the path taken.)
        let cond = format!("({xs}).len() % 2 == 1");
        match self.rng.below(3) {
            // (Sometimes a trip left early after the call.)
            0 if looped && self.rng.chance(0.4) => {
                let t = self.fresh("t");
                Self::line(
                    out,
                    ind,
                    &format!("for {t} in 0..{times} {{ {call}; if {t} == 0 {{ continue; }} }}"),
                );
            }
            0 if looped => {
                Self::line(out, ind, &format!("for _ in 0..{times} {{ {call}; }}"));
            }
            0 if branched => {
                Self::line(out, ind, &format!("if {cond} {{ {call}; }}"));
            }
            0 => {
                for _ in 0..times {
                    Self::line(out, ind, &format!("{call};"));
                }
            }
            k => {
                let r = self.fresh("ir");
                let scale = if k == 1 { "" } else { "0.5 * " };
                if looped {
                    Self::line(out, ind, &format!("let mut {r}: {FLT} = 0.0;"));
                    Self::line(
                        out,
                        ind,
                        &format!("for _ in 0..{times} {{ {r} = {scale}{call}; }}"),
                    );
                }
                for t in (0..times).filter(|_| !looped) {
                    let line = if t > 0 {
                        format!("{r} = {scale}{call};")
                    } else if branched {
                        format!(
                            "let mut {r}: {FLT} = if {cond} {{ {scale}{call} }} else {{ 0.5 }};"
                        )
                    } else {
                        format!("let mut {r} = {scale}{call};")
                    };
                    Self::line(out, ind, &line);
                }
                self.declare(
                    &r,
                    VarKind::Float(Iv(-(0.25 * accm + am), 0.25 * accm + am, act)),
                    false,
                );
            }
        }
        if lent {
            let m = accm.max(ia.iv.mag());
            self.declare(
                &acc,
                VarKind::Seq {
                    key: acc.clone(),
                    iv: Iv(-m, m, act),
                    min_len: 2,
                    slice: false,
                },
                false,
            );
        } else {
            self.declare(&acc, VarKind::Float(Iv(-accm, accm, act)), false);
        }
        self.declare(
            &b,
            VarKind::Seq {
                key: b.clone(),
                iv: Iv(-1.0f64.max(ib.iv.mag()), 1.0f64.max(ib.iv.mag()), act),
                // (Cleared, it holds one entry per element of the slice, at least one.)
                min_len: if cleared { 1 } else { n },
                slice: false,
            },
            false,
        );
    }

    /// A `#[gradient]` helper returning a tuple of two or three floats (built by a tuple
    /// expression or by an `if`), called with a slice in scope and a float, its parts read by a
    /// pattern (`let (p, q) = ..`, `let (p, _, r) = ..`, typed or not), by field on the call
    /// (`NAME(..).1`, also in a condition) or by field on a local (`let t = NAME(..); t.0`).
    fn tuple_call_stmt(
        &mut self,
        ctx: Ctx,
        out: &mut String,
        ind: usize,
        name: &str,
        slices: &[(String, Iv)],
    ) {
        // Every part lies in [-2, 2].
        let (ret, body, n) = match self.rng.below(3) {
            0 => (
                format!("({FLT}, {FLT})"),
                "((s[0] * a).tanh(), (s[s.len() - 1] - a).sin() * 2.0)".to_string(),
                2,
            ),
            1 => (
                format!("({FLT}, {FLT}, {FLT})"),
                "let m = (s[0] * a).tanh();\n    (m, (s[s.len() - 1] + m).sin(), m * a.cos())".to_string(),
                3,
            ),
            _ => (
                format!("({FLT}, {FLT})"),
                "let m = s.iter().map(|v| v * a).sum::<FLT>().tanh();\n    if s.len() > 1 {\n        (m, (s[1] * m).cos())\n    } else {\n        (m * 0.5, a.sin())\n    }".to_string(),
                2,
            ),
        };
        let _ = writeln!(
            self.items,
            "#[gradient]\nfn {name}(s: &[{FLT}], a: {FLT}) -> {ret} {{\n    {body}\n}}"
        );
        let (xs, xiv) = self.rng.pick(slices).clone();
        let a = self.wrapped(1, (-1.5, 1.5));
        let active = xiv.2 || a.iv.2;
        let part = Iv(-2.0, 2.0, active);
        let call = format!("{name}({xs}, {})", a.s);
        let form = if active { self.rng.below(5) } else { 3 };
        match form {
            4 => {
                // A part in a condition.
                let acc = self.some_mut(ctx, out, ind);
                let j = self.rng.below(n);
                Self::nested(
                    out,
                    ind,
                    &format!("if {call}.{j} > 0.25"),
                    &format!("{acc} *= 0.5;"),
                );
            }
            0 | 1 => {
                let names: Vec<String> = (0..n).map(|_| self.fresh("tp")).collect();
                let mut pat: Vec<String> = names.clone();
                // One part skipped sometimes (its cotangent is zero).
                let skipped = (n == 3 && self.rng.chance(0.5)).then_some(1);
                if let Some(j) = skipped {
                    pat[j] = "_".to_string();
                }
                let ty = if form == 1 {
                    format!(": {ret}")
                } else {
                    String::new()
                };
                Self::line(out, ind, &format!("let ({}){ty} = {call};", pat.join(", ")));
                for (j, v) in names.iter().enumerate() {
                    if skipped != Some(j) {
                        self.declare(v, VarKind::Float(part), false);
                    }
                }
            }
            2 => {
                let r = self.fresh("tp");
                let j = self.rng.below(n);
                Self::line(out, ind, &format!("let {r}: {FLT} = {call}.{j} * 0.5;"));
                self.declare(&r, VarKind::Float(Iv(-1.0, 1.0, active)), false);
            }
            _ => {
                let t = self.fresh(if active { "ht" } else { "hc" });
                let r = self.fresh("tp");
                Self::line(out, ind, &format!("let {t} = {call};"));
                let j = self.rng.below(n);
                Self::line(
                    out,
                    ind,
                    &format!("let {r}: {FLT} = {t}.{j} * {t}.0 + {t}.1;"),
                );
                self.declare(&r, VarKind::Float(Iv(-6.0, 6.0, active)), false);
            }
        }
    }

    /// `let mut v = Vec::new();` (or `Vec::with_capacity(n)`, `vec![]`, a list of first items
    /// `vec![y0]`/`vec![a, 0.5]`, typed or not) filled by `push`: one or two pushes at the top of
    /// a `for` loop over a range or a slice in scope (with `enumerate`, `zip`, `windows`,
    /// `step_by`) or of a `while` counting up, or pushes as statements with another statement
    /// between; then indexed, iterated or summed like any buffer.
    fn push_stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        if self.on("stmt:cond_push") && self.rng.chance(0.4) {
            return self.cond_push_stmt(ctx, out, ind);
        }
        let n = self.fresh("pv");
        let mut iv = Iv::pt(0.0);
        // (Started with items of its own, `vec![y0]` or `vec![a, 0.5]`: an initial state.)
        let mut first_items = 0;
        let init = match self
            .rng
            .below(if self.on("stmt:grown_list") { 4 } else { 3 })
        {
            0 => "Vec::new()".to_string(),
            1 => "Vec::with_capacity(4)".to_string(),
            2 => "vec![]".to_string(),
            _ => {
                let e = self.wrapped(1, (-2.0, 2.0));
                iv = iv.union(e.iv);
                if self.rng.chance(0.5) {
                    first_items = 1;
                    format!("vec![{}]", e.s)
                } else {
                    first_items = 2;
                    iv = iv.union(Iv::pt(0.5));
                    format!("vec![{}, 0.5]", e.s)
                }
            }
        };
        let ann = if self.rng.chance(0.4) {
            format!(": Vec<{FLT}>")
        } else {
            String::new()
        };
        Self::line(out, ind, &format!("let mut {n}{ann} = {init};"));
        let slices = self.slices();
        let form = self.rng.below(if slices.is_empty() { 2 } else { 6 });
        let min_len;
        if form == 0 {
            // Straight-line pushes.
            let k = 1 + self.rng.below(3);
            for j in 0..k {
                let e = self.wrapped(1, (-2.0, 2.0));
                iv = iv.union(e.iv);
                Self::line(out, ind, &format!("{n}.push({});", e.s));
                if j == 0 && k > 1 {
                    let t = self.fresh("pt");
                    let e = self.wrapped(1, (-2.0, 2.0));
                    Self::line(out, ind, &format!("let {t}: {FLT} = {};", e.s));
                    self.declare(&t, VarKind::Float(e.iv), false);
                }
            }
            min_len = k;
        } else {
            let i = self.fresh("i");
            let v = self.fresh("e");
            // (A `while` counting up to `m`: its trips counted before the pushes are made.)
            let mut counted = false;
            let (head, bound_float, trips): (String, Option<(String, Iv)>, usize) = match form {
                1 => {
                    let m = 1 + self.rng.below(4);
                    if self.on("stmt:while_push") && self.rng.chance(0.3) {
                        counted = true;
                        Self::line(out, ind, &format!("let mut {i} = 0usize;"));
                        (format!("while {i} < {m}"), None, m)
                    } else if self.rng.chance(0.5) {
                        (format!("for {i} in 0..{m}"), None, m)
                    } else {
                        (format!("for {i} in 1..={m}"), None, m)
                    }
                }
                _ => {
                    let (xs, xiv) = self.rng.pick(&slices).clone();
                    // Each form runs at least once when the slice is never empty.
                    let once = usize::from(self.seqs().iter().any(|q| q.0 == xs && q.3 >= 1));
                    match form {
                        2 => (
                            format!("for &{v} in {xs}.iter()"),
                            Some((v.clone(), xiv)),
                            once,
                        ),
                        3 => (
                            format!("for ({i}, &{v}) in {xs}.iter().enumerate()"),
                            Some((v.clone(), xiv)),
                            once,
                        ),
                        4 => (format!("for {v} in {xs}.windows(1)"), None, once),
                        _ => (format!("for {i} in (0..{xs}.len()).step_by(2)"), None, once),
                    }
                }
            };
            Self::line(out, ind, &format!("{head} {{"));
            self.frames.push(vec![]);
            if let Some((name, fiv)) = &bound_float {
                self.declare(name, VarKind::Float(*fiv), false);
            }
            let per = 1 + self.rng.below(2);
            for _ in 0..per {
                let mut e = self.wrapped(1, (-2.0, 2.0));
                if form == 1 || (form >= 3 && form != 4) {
                    e.s = format!("{} + {i} as {FLT} * 0.25", paren(&e.s));
                    e.iv = e.iv.union(Iv(-3.0, 3.0, e.iv.2));
                } else if form == 4 {
                    e.s = format!("{} * {v}[0]", paren(&e.s));
                    e.iv = Iv(-6.0, 6.0, true);
                }
                iv = iv.union(e.iv);
                Self::line(out, ind + 1, &format!("{n}.push({});", e.s));
            }
            if counted {
                Self::line(out, ind + 1, &format!("{i} += 1;"));
            }
            self.frames.pop();
            Self::line(out, ind, "}");
            min_len = per * trips;
        }
        self.buffer_read(ctx, &n, iv, min_len + first_items, out, ind);
    }

    /// Pushes that may not run: in the branches of an `if` at the top of the block, or in a
    /// `for` loop over a range or a slice under an `if` (a `match` on a flag sometimes), after a
    /// `continue`, in a nested loop of a fixed length or over a range starting past the outer
    /// index; `extend`s of a slice followed by a push; then the vector's length (`len()`,
    /// `is_empty()`) read beside its elements.
    fn cond_push_stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let n = self.fresh("cv");
        let ann = if self.rng.chance(0.5) {
            format!(": Vec<{FLT}>")
        } else {
            String::new()
        };
        let slices = self.slices();
        let form = self.rng.below(if slices.is_empty() { 2 } else { 6 });
        let mut iv = Iv::pt(0.0);
        if form == 5 && self.on("stmt:grown_copy") && self.rng.chance(0.4) {
            // A copy of a slice that the `extend`s and the push below grow (concatenation).
            let (xs, xiv) = self.rng.pick(&slices).clone();
            let copy = if self.rng.chance(0.5) {
                "to_vec"
            } else {
                "to_owned"
            };
            Self::line(out, ind, &format!("let mut {n}{ann} = {xs}.{copy}();"));
            iv = iv.union(xiv);
        } else {
            Self::line(out, ind, &format!("let mut {n}{ann} = Vec::new();"));
        }
        let mut push = |g: &mut Self, extra: &str| {
            let e = g.wrapped(1, (-2.0, 2.0));
            iv = iv.union(e.iv).union(Iv(-3.0, 3.0, e.iv.2));
            format!("{n}.push({}{extra});", paren(&e.s))
        };
        let min_len = match form {
            0 => {
                // An `if` at the top of the block.
                let c = self.cond(1);
                let (a, b, c2) = (push(self, ""), push(self, ""), push(self, ""));
                Self::line(out, ind, &format!("if {c} {{"));
                Self::line(out, ind + 1, &a);
                Self::line(out, ind, "} else {");
                Self::line(out, ind + 1, &b);
                Self::line(out, ind + 1, &c2);
                Self::line(out, ind, "}");
                1
            }
            1 => {
                // Both branches push, by `if` or by `match`.
                let i = self.fresh("i");
                let m = 1 + self.rng.below(3);
                Self::line(out, ind, &format!("for {i} in 0..{m} {{"));
                self.frames.push(vec![]);
                let extra = format!(" + {i} as {FLT} * 0.25");
                let (a, b, c2) = (push(self, &extra), push(self, ""), push(self, ""));
                if self.rng.chance(0.5) {
                    let c = if self.rng.chance(0.5) {
                        format!("{i} % 2 == 0")
                    } else {
                        self.cond(1)
                    };
                    Self::line(out, ind + 1, &format!("if {c} {{"));
                    Self::line(out, ind + 2, &a);
                    Self::line(out, ind + 1, "} else {");
                    Self::line(out, ind + 2, &b);
                    Self::line(out, ind + 2, &c2);
                    Self::line(out, ind + 1, "}");
                } else {
                    Self::line(out, ind + 1, &format!("match {i} % 3 {{"));
                    Self::line(out, ind + 2, &format!("0 => {},", a.trim_end_matches(';')));
                    Self::line(out, ind + 2, "_ => {");
                    Self::line(out, ind + 3, &b);
                    Self::line(out, ind + 3, &c2);
                    Self::line(out, ind + 2, "}");
                    Self::line(out, ind + 1, "}");
                }
                self.frames.pop();
                Self::line(out, ind, "}");
                m
            }
            2 => {
                // A `continue` on a condition before the push, over a slice.
                let (xs, xiv) = self.rng.pick(&slices).clone();
                let v = self.fresh("e");
                Self::line(out, ind, &format!("for &{v} in {xs}.iter() {{"));
                self.frames.push(vec![]);
                self.declare(&v, VarKind::Float(xiv), false);
                let c = self.cond(1);
                let a = push(self, &format!(" * {v}"));
                iv = iv.union(Iv(-6.0, 6.0, true));
                Self::line(out, ind + 1, &format!("if {c} {{"));
                Self::line(out, ind + 2, "continue;");
                Self::line(out, ind + 1, "}");
                Self::line(out, ind + 1, &a);
                self.frames.pop();
                Self::line(out, ind, "}");
                0
            }
            3 => {
                // Nested loops, the inner one of a fixed length.
                let (xs, xiv) = self.rng.pick(&slices).clone();
                let (v, k) = (self.fresh("e"), self.fresh("k"));
                let m = 1 + self.rng.below(2);
                Self::line(out, ind, &format!("for &{v} in {xs}.iter() {{"));
                self.frames.push(vec![]);
                self.declare(&v, VarKind::Float(xiv), false);
                Self::line(out, ind + 1, &format!("for {k} in 0..{m} {{"));
                let a = push(self, &format!(" * {v} + {k} as {FLT}"));
                iv = iv.union(Iv(-9.0, 9.0, true));
                Self::line(out, ind + 2, &a);
                Self::line(out, ind + 1, "}");
                self.frames.pop();
                Self::line(out, ind, "}");
                m
            }
            5 => {
                // `extend`s of a slice in scope, then a push.
                let (xs, xiv) = self.rng.pick(&slices).clone();
                let q = self.fresh("q");
                let e = self.wrapped(1, (-1.5, 1.5));
                match self
                    .rng
                    .below(if self.on("stmt:extend_in_loop") { 4 } else { 3 })
                {
                    3 => Self::line(
                        out,
                        ind,
                        &format!("for _ in 0..2 {{ {n}.extend_from_slice({xs}); }}"),
                    ),
                    0 => Self::line(out, ind, &format!("{n}.extend_from_slice({xs});")),
                    1 => Self::line(
                        out,
                        ind,
                        &format!("{n}.extend({xs}.iter().map(|{q}| {q} * {}));", paren(&e.s)),
                    ),
                    _ => Self::line(out, ind, &format!("{n}.extend({xs}.iter().copied());")),
                }
                let a = push(self, "");
                iv = iv.union(xiv).union(Iv(-6.0, 6.0, true));
                Self::line(out, ind, &a);
                1
            }
            _ => {
                // Pairs: the inner range starts past the outer index.
                let (xs, _) = self.rng.pick(&slices).clone();
                let (i, j) = (self.fresh("i"), self.fresh("j"));
                Self::line(out, ind, &format!("for {i} in 0..{xs}.len() {{"));
                Self::line(
                    out,
                    ind + 1,
                    &format!("for {j} in ({i} + 1)..{xs}.len() {{"),
                );
                Self::line(
                    out,
                    ind + 2,
                    &format!("{n}.push(({xs}[{i}] - {xs}[{j}]).tanh());"),
                );
                iv = iv.union(Iv(-1.0, 1.0, true));
                Self::line(out, ind + 1, "}");
                Self::line(out, ind, "}");
                0
            }
        };
        if self.on("stmt:pushed_sort") && self.rng.chance(0.25) {
            // Sorted once pushed (each element's derivative follows it).
            Self::line(
                out,
                ind,
                &format!("{n}.sort_by(|a, b| a.partial_cmp(b).unwrap());"),
            );
        }
        let r = self.fresh("cl");
        let e = self.wrapped(1, (-1.0, 1.0));
        Self::line(
            out,
            ind,
            &format!(
                "let {r}: {FLT} = if {n}.is_empty() {{ 0.0 }} else {{ {n}.len() as {FLT} * {} }};",
                paren(&e.s)
            ),
        );
        self.declare(&r, VarKind::Float(Iv(-20.0, 20.0, e.iv.2)), false);
        if self.rng.chance(0.4) {
            // Read through an open range, which ends at what was pushed (a zero left in the
            // buffer would add cos(0) = 1).
            let q = self.fresh("cq");
            let range = if min_len >= 1 && self.rng.chance(0.5) {
                "1.."
            } else {
                ".."
            };
            Self::line(
                out,
                ind,
                &format!("let {q}: {FLT} = {n}[{range}].iter().map(|t| t.cos()).sum::<{FLT}>();"),
            );
            self.declare(&q, VarKind::Float(Iv(-20.0, 20.0, iv.2)), false);
        }
        if min_len == 0 {
            // Possibly empty: read without an index.
            let acc = self.some_mut(ctx, out, ind);
            let w = self.fresh("w");
            Self::nested(
                out,
                ind,
                &format!("for {w} in &{n}"),
                &format!("{acc} += {FLT}::sin(*{w}) * 0.5;"),
            );
            self.declare(
                &n,
                VarKind::Seq {
                    key: n.clone(),
                    iv,
                    min_len: 0,
                    slice: false,
                },
                false,
            );
        } else {
            self.buffer_read(ctx, &n, iv, min_len, out, ind);
        }
    }

    /// `let v = xs[a..b].to_vec();` of a slice in scope, `a..b` within it (sometimes sorted by
    /// `sort_by`), then indexed,
    /// iterated or summed.
    fn range_to_vec(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let slices = self.slices();
        if slices.is_empty() {
            return;
        }
        let (xs, iv) = self.rng.pick(&slices).clone();
        let nonempty = self.seqs().iter().any(|q| q.0 == xs && q.3 >= 1);
        if nonempty && self.on("stmt:split_end") && self.rng.chance(0.4) {
            // One end of a slice and the rest, by `split_first`/`split_last` (the rest may be
            // empty), the end read through its reference or by value.
            let (h, n, v) = (self.fresh("ss"), self.fresh("ss"), self.fresh("v"));
            let rest_len = self
                .seqs()
                .iter()
                .find(|q| q.0 == xs)
                .map_or(0, |q| q.3 - 1);
            let end = if self.rng.chance(0.5) {
                "split_first"
            } else {
                "split_last"
            };
            // The rest is read on only where it is never empty (the reads of sequences take
            // their first element).
            let rest = if rest_len >= 1 {
                n.clone()
            } else {
                "_".to_string()
            };
            let (pat, read) = if self.rng.chance(0.5) {
                (format!("(&{h}, {rest})"), h.clone())
            } else {
                (format!("({h}, {rest})"), format!("*{h}"))
            };
            let k = self.expr(1);
            let s = if ctx.top
                && ctx.loops == 0
                && self.on("stmt:early_return")
                && self.rng.chance(0.3)
            {
                self.returned = true;
                format!(
                    "let Some({pat}) = {xs}.{end}() else {{ return {}; }};",
                    paren(&k.s)
                )
            } else if self.rng.chance(0.5) {
                format!("let {pat} = {xs}.{end}().unwrap();")
            } else {
                format!("let {pat} = {xs}.{end}().expect(\"not empty\");")
            };
            Self::line(out, ind, &s);
            Self::line(out, ind, &format!("let {v}: {FLT} = {read} * 0.5;"));
            self.declare(&v, VarKind::Float(iv.mul(Iv::pt(0.5))), false);
            if rest_len >= 1 {
                self.declare(
                    &n,
                    VarKind::Seq {
                        key: n.clone(),
                        iv,
                        min_len: rest_len,
                        slice: true,
                    },
                    false,
                );
            }
            return;
        }
        if self.on("stmt:sub_slice_let")
            && self.rng.chance(0.4)
            && self.layer_ok(&xs, "layers:w_subslice")
        {
            // A sub-slice bound to a name (also in loops), read like a slice parameter: by
            // index, iterated, summed, passed on.
            let n = self.fresh("ss");
            let ann = if self.rng.chance(0.3) {
                format!(": &[{FLT}]")
            } else {
                String::new()
            };
            let range = match self.rng.below(4) {
                0 => format!("..{xs}.len()"),
                1 => format!("{xs}.len() / 2.."),
                2 => format!("{xs}.len() - 1..{xs}.len()"),
                _ => format!("0..=({xs}.len() - 1) / 2"),
            };
            if self.on("stmt:split_at") && self.rng.chance(0.3) {
                // The second half by `split_at` (never empty), the first summed.
                let (a, s) = (self.fresh("ss"), self.fresh("v"));
                Self::line(
                    out,
                    ind,
                    &format!("let ({a}, {n}) = {xs}.split_at({xs}.len() / 2);"),
                );
                Self::line(
                    out,
                    ind,
                    &format!("let {s}: {FLT} = {a}.iter().sum::<{FLT}>() * 0.25;"),
                );
                self.declare(&s, VarKind::Float(iv.mul(Iv(-1.5, 1.5, false))), false);
            } else {
                Self::line(out, ind, &format!("let {n}{ann} = &{xs}[{range}];"));
            }
            self.declare(
                &n,
                VarKind::Seq {
                    key: n.clone(),
                    iv,
                    min_len: 1,
                    slice: true,
                },
                false,
            );
            self.read_seq(ctx, &n, iv, out, ind);
            return;
        }
        if self.on("stmt:zip_collect") && self.rng.chance(0.3) {
            // A `map` over two zipped slices collected into a local buffer.
            let (ys, iv2) = self.rng.pick(&slices).clone();
            if self.layer_ok(&xs, "layers:w_subslice") && self.layer_ok(&ys, "layers:w_subslice") {
                let n = self.fresh("zc");
                let (src, pat, body, out_iv) = match self.rng.below(3) {
                    0 => (
                        format!("{xs}.iter().zip({ys})"),
                        "(a, b)",
                        "*a * *b".to_string(),
                        iv.mul(iv2),
                    ),
                    1 => (
                        format!("{xs}.iter().copied().zip({ys}.iter().copied())"),
                        "(a, b)",
                        "a - b * 0.5".to_string(),
                        iv.add(iv2.mul(Iv::pt(-0.5))),
                    ),
                    _ => (
                        format!("{xs}.iter().zip({ys}.iter())"),
                        "(&a, &b)",
                        "(a + b).sin()".to_string(),
                        Iv(-1.0, 1.0, iv.2 || iv2.2),
                    ),
                };
                let ty = if self.rng.chance(0.3) {
                    "_".to_string()
                } else {
                    FLT.to_string()
                };
                Self::line(
                    out,
                    ind,
                    &format!("let {n}: Vec<{ty}> = {src}.map(|{pat}| {body}).collect();"),
                );
                if self.on("stmt:infer_collect") && self.rng.chance(0.3) {
                    // Collected again from the local buffer, the element type left to infer.
                    let m = self.fresh("zc");
                    Self::line(
                        out,
                        ind,
                        &format!(
                            "let {m}: Vec<_> = {n}.iter().map(|&t| (t * 0.5).tanh()).collect();"
                        ),
                    );
                    self.buffer_read(ctx, &m, Iv(-1.0, 1.0, out_iv.2), 1, out, ind);
                    return;
                }
                self.buffer_read(ctx, &n, out_iv, 1, out, ind);
                return;
            }
        }
        // In a loop, pending; a layer's `w`, pending.
        if (ctx.loops > 0 && !self.on("stmt:range_to_vec_in_loop"))
            || !self.layer_ok(&xs, "layers:w_subslice")
        {
            return;
        }
        let n = self.fresh("tv");
        let (range, min_len) = match self.rng.below(4) {
            0 => ("0..1".to_string(), 1),
            1 => (format!("{xs}.len() / 2..{xs}.len()"), 1),
            2 => (format!("..{xs}.len()"), 1),
            _ => (format!("1_usize.min({xs}.len() - 1)..{xs}.len()"), 1),
        };
        if self.on("stmt:sort") && self.rng.chance(0.3) {
            // Sorted in place (a kink where two elements are equal).
            Self::line(out, ind, &format!("let mut {n} = {xs}[{range}].to_vec();"));
            let cmp = match self.rng.below(4) {
                0 => "|a, b| a.partial_cmp(b).unwrap()".to_string(),
                1 => "|a, b| b.total_cmp(a)".to_string(),
                2 => format!("{FLT}::total_cmp"),
                _ => "|a, b| b.partial_cmp(a).unwrap()".to_string(),
            };
            Self::line(out, ind, &format!("{n}.sort_by({cmp});"));
        } else {
            Self::line(out, ind, &format!("let {n} = {xs}[{range}].to_vec();"));
        }
        self.buffer_read(ctx, &n, iv, min_len, out, ind);
    }

    /// A read of a model's layers: `for layer in &m.layers { .. layer.w[j] .. layer.b .. }`, with
    /// `enumerate`, by index with `let layer = &m.layers[l];` or `m.layers[l].w[j]`, or one
    /// layer bound in a block. The statements inside read the layer's `w` as a slice and its `b`
    /// as a float.
    fn layers_stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let ls: Vec<(String, Iv, usize)> = self
            .visible()
            .into_iter()
            .filter_map(|v| match v.kind {
                VarKind::Layers { iv, wlen } => Some((v.name, iv, wlen)),
                _ => None,
            })
            .collect();
        if ls.is_empty() {
            return;
        }
        let (ls, iv, wlen) = self.rng.pick(&ls).clone();
        let acc = self.some_mut(ctx, out, ind);
        if self.on("layers:map") && self.rng.chance(0.3) {
            // The layers read through a closure (`ls.iter().map(|layer| ..)`), reduced.
            let layer = self.fresh("layer");
            let e = self.wrapped(1, (-2.0, 2.0));
            let j = self.rng.below(wlen);
            let mut term = format!(
                "{FLT}::tanh({layer}.b * {}) + {layer}.w[{j}] * {layer}.w[{layer}.w.len() - 1] * 0.1",
                paren(&e.s)
            );
            if self.on("layers:method") && self.rng.chance(0.35) {
                self.layer_method = true;
                term = format!("{term} + {layer}.score_vh({}) * 0.1", e.s);
            }
            let map = format!("{ls}.iter().map(|{layer}| {term})");
            // Or the element in the closure of `fold`, `for_each`, through `enumerate`,
            // `rev`, of a part of the layers.
            let forms = if self.on("layers:closures") { 8 } else { 3 };
            let line = match self.rng.below(forms) {
                3 => format!("{acc} += {ls}.iter().fold(0.0, |a, {layer}| a + {term});"),
                4 => {
                    let i = self.fresh("i");
                    format!("{acc} += {ls}.iter().enumerate().map(|({i}, {layer})| ({term}) * ({i} as {FLT} * 0.5 + 1.0)).sum::<{FLT}>();")
                }
                5 => {
                    let i = self.fresh("i");
                    format!("{acc} += {ls}.iter().rev().enumerate().fold(0.0, |a, ({i}, {layer})| a + ({term}) * ({i} as {FLT} * 0.25 + 0.5));")
                }
                6 => format!("{ls}.iter().for_each(|{layer}| {acc} += {term});"),
                7 => {
                    let part = if self.rng.chance(0.5) {
                        format!("{ls}[1..]")
                    } else {
                        format!("{ls}[..{ls}.len() - 1]")
                    };
                    format!("{acc} += {part}.iter().fold(0.0, |a, {layer}| a + {term});")
                }
                0 => format!("{acc} += {map}.sum::<{FLT}>();"),
                1 => format!("{acc} += {map}.fold(0.0, |a, t| a + t);"),
                _ => {
                    let v = self.fresh("per");
                    Self::line(out, ind, &format!("let {v}: Vec<{FLT}> = {map}.collect();"));
                    format!("{acc} += {v}.iter().sum::<{FLT}>();")
                }
            };
            Self::line(out, ind, &line);
            return;
        }
        let (layer, l, pw, pb) = (
            self.fresh("layer"),
            self.fresh("l"),
            self.fresh("lw"),
            self.fresh("lb"),
        );
        let in_loop = ctx.loops < 2 && ctx.depth < 3;
        let form = if in_loop { self.rng.below(5) } else { 4 };
        let (head, pre, wpath, bpath, index) = match form {
            0 if self.on("layers:iter_adapters") && self.rng.chance(0.4) => (
                // The layers backwards, past the first, or all but the last.
                // Or a part of the field (`&ls[..ls.len() - 1]`, `ls[1..].iter()`).
                match self.rng.below(if self.on("layers:part") { 5 } else { 3 }) {
                    0 => format!("for {layer} in {ls}.iter().rev()"),
                    1 => format!("for {layer} in {ls}.iter().skip(1)"),
                    3 => format!("for {layer} in &{ls}[..{ls}.len() - 1]"),
                    4 => format!("for {layer} in {ls}[1..].iter()"),
                    _ => format!("for {layer} in {ls}.iter().take({ls}.len() - 1)"),
                },
                None,
                format!("{layer}.w"),
                format!("{layer}.b"),
                false,
            ),
            1 if self.on("layers:iter_adapters") && self.rng.chance(0.4) => (
                if self.on("layers:part") && self.rng.chance(0.4) {
                    format!("for ({l}, {layer}) in {ls}[1..].iter().enumerate()")
                } else {
                    format!("for ({l}, {layer}) in {ls}.iter().enumerate().rev()")
                },
                None,
                format!("{layer}.w"),
                format!("{layer}.b"),
                true,
            ),
            0 => (
                format!("for {layer} in &{ls}"),
                None,
                format!("{layer}.w"),
                format!("{layer}.b"),
                false,
            ),
            1 => (
                format!("for ({l}, {layer}) in {ls}.iter().enumerate()"),
                None,
                format!("{layer}.w"),
                format!("{layer}.b"),
                true,
            ),
            2 => (
                format!("for {l} in 0..{ls}.len()"),
                Some(format!("let {layer} = &{ls}[{l}];")),
                format!("{layer}.w"),
                format!("{ls}[{l}].b"),
                true,
            ),
            3 => (
                format!("for {l} in 0..{ls}.len()"),
                None,
                format!("{ls}[{l}].w"),
                format!("{ls}[{l}].b"),
                true,
            ),
            _ => (
                String::new(),
                Some(if self.on("layers:index_expr") && self.rng.chance(0.5) {
                    format!("let {layer} = &{ls}[{ls}.len() - 1];")
                } else {
                    format!("let {layer} = &{ls}[0];")
                }),
                format!("{layer}.w"),
                format!("{layer}.b"),
                false,
            ),
        };
        let inner = if form == 4 {
            Ctx {
                depth: ctx.depth + 1,
                top: false,
                brk: false,
                ..ctx
            }
        } else {
            ctx.in_loops(1)
        };
        self.frames.push(vec![]);
        if index {
            self.declare(
                &l,
                VarKind::Int {
                    index_for: Some(format!("layers:{ls}")),
                    ty: "usize",
                },
                false,
            );
        }
        self.declare(
            &pw,
            VarKind::Seq {
                key: pw.clone(),
                iv,
                min_len: wlen,
                slice: true,
            },
            false,
        );
        self.declare(&pb, VarKind::Float(iv), false);
        let mut body = String::new();
        if let Some(p) = pre {
            Self::line(&mut body, ind + 1, &p);
        }
        let n = self.rng.below(3);
        self.block(inner, n, &mut body, ind + 1);
        let e = self.wrapped(1, (-2.0, 2.0));
        let j = self.rng.below(wlen);
        if self.on("layers:method") && self.rng.chance(0.35) {
            // The layer's own `#[gradient]` method, on the element (its value is within
            // 1 + |w|², as the line below).
            self.layer_method = true;
            let element = if form == 3 {
                format!("{ls}[{l}]")
            } else {
                layer.clone()
            };
            // Or a free `#[gradient]` function of the layer given the element (defined above
            // the function, as `score_vh_free`).
            let call = if form == 3 && self.on("layers:free_fn") && self.rng.chance(0.5) {
                let free = format!("{}_lf_{FLT}", self.base);
                self.layer_free_fn = Some(free.clone());
                format!("{free}(&{element}, {})", e.s)
            } else {
                format!("{element}.score_vh({})", e.s)
            };
            Self::line(&mut body, ind + 1, &format!("{acc} += {call} * 0.1;"));
        }
        Self::line(
            &mut body,
            ind + 1,
            &format!(
                "{acc} += {FLT}::tanh({pb} * {}) + {pw}[{j}] * {pw}[{pw}.len() - 1] * 0.1;",
                paren(&e.s)
            ),
        );
        self.frames.pop();
        let body = subst(&body, &[(pw, wpath, true), (pb, bpath, false)]);
        if form == 4 {
            Self::line(out, ind, "{");
        } else {
            Self::line(out, ind, &format!("{head} {{"));
        }
        out.push_str(&body);
        Self::line(out, ind, "}");
    }

    /// A read of the local sequence `v` (at least one long) into an accumulator or a new local:
    /// by index in a loop, by iteration, by a sum.
    fn read_seq(&mut self, ctx: Ctx, v: &str, iv: Iv, out: &mut String, ind: usize) {
        let e = self.wrapped(1, (-2.0, 2.0));
        let e = paren(&e.s);
        let r = self.fresh("sr");
        // Its first and last elements only where it has some.
        let nonempty = self.seqs().iter().any(|q| q.0 == v && q.3 >= 1);
        match self.rng.below(if nonempty { 4 } else { 3 }) {
            0 => {
                let acc = self.some_mut(ctx, out, ind);
                let i = self.fresh("i");
                Self::nested(
                    out,
                    ind,
                    &format!("for {i} in 0..{v}.len()"),
                    &format!("{acc} += {FLT}::tanh({v}[{i}] * {e}) * 0.5;"),
                );
            }
            1 => {
                let acc = self.some_mut(ctx, out, ind);
                let w = self.fresh("w");
                Self::nested(
                    out,
                    ind,
                    &format!("for {w} in {v}.iter()"),
                    &format!("{acc} += {FLT}::tanh({w} * {e});"),
                );
            }
            2 => {
                Self::line(out, ind, &format!("let {r}: {FLT} = {v}.iter().sum();"));
                self.declare(&r, VarKind::Float(iv.mul(Iv(0.0, 6.0, false))), false);
            }
            _ => {
                Self::line(
                    out,
                    ind,
                    &format!("let {r}: {FLT} = {v}[0] * {e} + {v}[{v}.len() - 1];"),
                );
                let m = iv.mag() * 3.0 + iv.mag();
                self.declare(&r, VarKind::Float(Iv(-m, m, iv.2)), false);
            }
        }
    }

    /// `let f = |z: T| ..; let g = |z: T| f(z) * 0.5; let v = xs.iter().map(|&q| g(q * e)).sum();`
    fn closure_in_closure(&mut self, out: &mut String, ind: usize) {
        let slices = self.slices();
        let Some((xs, iv)) = slices.first().cloned() else {
            return;
        };
        let (f, g, z, q) = (
            self.fresh("f"),
            self.fresh("g"),
            self.fresh("z"),
            self.fresh("q"),
        );
        let body = self.closure_body(&[z.as_str()], iv.union(NOMINAL), 1);
        Self::line(out, ind, &format!("let {f} = |{z}: {FLT}| {};", body.s));
        Self::line(out, ind, &format!("let {g} = |{z}: {FLT}| {f}({z}) * 0.5;"));
        let e = self.wrapped(1, (-1.0, 1.0));
        let v = self.fresh("cc");
        Self::line(
            out,
            ind,
            &format!(
                "let {v}: {FLT} = {xs}.iter().map(|&{q}| {g}({q} * {})).sum::<{FLT}>();",
                paren(&e.s)
            ),
        );
        let m = body.iv.mag() * 3.0;
        self.declare(&v, VarKind::Float(Iv(-m, m, true)), false);
    }

    /// A read of rows of tuples: by field, by pattern, row by row, in a `map` reduction.
    fn tuple_rows_stmt(&mut self, ctx: Ctx, w: &str, n: usize, out: &mut String, ind: usize) {
        let acc = self.some_mut(ctx, out, ind);
        let e = self.wrapped(1, (-2.0, 2.0));
        let e = paren(&e.s);
        let (row, i) = (self.fresh("row"), self.fresh("i"));
        let names: Vec<String> = (0..n).map(|_| self.fresh("a")).collect();
        let last = n - 1;
        // (The row `max_by`/`min_by` choose by a field of each side, lent by reference: taken
        // apart by the search, whose sides are `&&(..)`.)
        if self.on("rows:tuple_extremum") && self.rng.chance(0.2) {
            let f = *self.rng.pick(&["max_by", "min_by"]);
            let (a, b, best) = (self.fresh("a"), self.fresh("b"), self.fresh("best"));
            Self::line(
                out,
                ind,
                &format!("let {best} = {w}.iter().{f}(|{a}, {b}| ({a}.{last} * {e}).total_cmp(&({b}.{last} * {e}))).unwrap();"),
            );
            Self::line(
                out,
                ind,
                &format!("{acc} += {FLT}::tanh({best}.0 * {e}) + {best}.{last} * 0.5;"),
            );
            return;
        }
        match self.rng.below(5) {
            0 => Self::nested(
                out,
                ind,
                &format!("for ({i}, {row}) in {w}.iter().enumerate()"),
                &format!("{acc} += {FLT}::tanh({row}.0 * {e}) + {i} as {FLT} * 0.1;"),
            ),
            1 => Self::nested(
                out,
                ind,
                &format!("for &({}) in {w}.iter()", names.join(", ")),
                &format!("{acc} += {FLT}::tanh({} * {e});", names.join(" * ")),
            ),
            2 => Self::line(
                out,
                ind,
                &format!("{acc} += {w}.iter().map(|{row}| {FLT}::tanh({row}.{last} * {e})).sum::<{FLT}>();"),
            ),
            3 => Self::nested(
                out,
                ind,
                &format!("for {i} in 0..{w}.len()"),
                &format!("{acc} += {FLT}::tanh({w}[{i}].0 * {w}[{i}].{last} + {e});"),
            ),
            _ => {
                Self::line(out, ind, "{");
                Self::line(
                    out,
                    ind + 1,
                    &format!("let ({}) = {w}[{w}.len() - 1];", names.join(", ")),
                );
                Self::line(
                    out,
                    ind + 1,
                    &format!("{acc} += {FLT}::tanh({} + {e});", names.join(" * ")),
                );
                Self::line(out, ind, "}");
            }
        }
    }

    /// `std::mem::swap(&mut a, &mut b)` of two mutable floats.
    /// Draws from a generator the function is lent (`rng: &mut check::Lcg`), each of which must
    /// run once, in order: outside loops, one per iteration of a loop, collected into a `Vec`
    /// that nested loops read, in a `while` condition. (Not in a loop of loops: the derivative
    /// code refuses a draw it would have to run again.)
    fn draw_stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let gens: Vec<String> = self
            .visible()
            .into_iter()
            .filter(|v| matches!(v.kind, VarKind::Gen))
            .map(|v| v.name)
            .collect();
        if gens.is_empty() {
            return;
        }
        let g = self.rng.pick(&gens).clone();
        // (A generator the body made is lent as `&mut gl`; a parameter already is one.)
        let lent = if self.rng.chance(0.2) {
            // One made for the call.
            format!("&mut check::Lcg::seeded({})", self.rng.below(100))
        } else if g == LOCAL_GEN {
            format!("&mut {g}")
        } else {
            g.clone()
        };
        let acc = self.some_mut(ctx, out, ind);
        let e = self.wrapped(1, (-2.0, 2.0));
        let e = paren(&e.s);
        let (u, i, j) = (self.fresh("u"), self.fresh("i"), self.fresh("j"));
        let draw = format!("({g}.next_unit() as {FLT})");
        match self.rng.below(6) {
            // The generator's state read after each draw changed it (a read the reverse sweep
            // must not make again, when the state is its last).
            5 if self.on("draws:state_read") => Self::nested(
                out,
                ind,
                &format!("for {i} in 0..3"),
                &format!("let {u} = {draw}; {acc} = {acc} * 0.5 + {FLT}::tanh({e} * (({g}.0 >> 40) as {FLT} / 16_777_216.0) + {u} * {i} as {FLT});"),
            ),
            4 => {
                // A helper of numbers lent the generator, called in a loop.
                let h = format!("{}_na_{FLT}", self.base);
                if !self.items.contains(&format!("fn {h}(")) {
                    let _ = writeln!(
                        self.items,
                        "#[gradient(wrt(z))]\nfn {h}(z: {FLT}, g: &mut check::Lcg) -> {FLT} {{\n    (z * (1.0 + 0.1 * (g.next_unit() as {FLT}))).tanh()\n}}"
                    );
                }
                Self::nested(
                    out,
                    ind,
                    &format!("for {i} in 0..3"),
                    &format!("{acc} = {acc} * 0.5 + {h}({e} + {i} as {FLT}, {lent});"),
                );
            }
            0 => {
                Self::line(out, ind, &format!("let {u}: {FLT} = {draw};"));
                Self::line(out, ind, &format!("{acc} += {u} * {e};"));
            }
            1 => Self::nested(
                out,
                ind,
                &format!("for {i} in 0..3"),
                &format!("let {u} = {draw}; {acc} += {FLT}::tanh({e} * {u} + {i} as {FLT}) * 0.5;"),
            ),
            2 => {
                Self::line(
                    out,
                    ind,
                    &format!("let {u}: Vec<{FLT}> = (0..4).map(|_| {draw}).collect();"),
                );
                Self::line(out, ind, &format!("for {i} in 0..2 {{"));
                Self::nested(
                    out,
                    ind + 1,
                    &format!("for {j} in 0..2"),
                    &format!("{acc} += {u}[{i} * 2 + {j}] * {e} * 0.25;"),
                );
                Self::line(out, ind, "}");
            }
            _ => {
                Self::line(out, ind, &format!("let mut {i}: usize = 0;"));
                Self::nested(
                    out,
                    ind,
                    &format!("while {draw} < 0.6 && {i} < 4"),
                    &format!("{acc} += {e} * 0.1; {i} += 1;"),
                );
            }
        }
    }

    /// `std::mem::replace(&mut p, e)` or `std::mem::take(&mut p)` of a mutable float, as a
    /// `let` of the old value or inside an expression that read another float before the call
    /// (elements of buffers: see `buffer_across_iterations`).
    fn replace_stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        let b = self.some_mut(ctx, out, ind);
        let Some((_, iv)) = self.floats(|v, _| v.name == b).pop() else {
            return;
        };
        let path = *self.rng.pick(&["std::mem", "core::mem"]);
        // (No interval widens: code before this one in a loop's body reads the next
        // iteration's values with the intervals it was generated for.)
        let call = if self.rng.chance(0.3) && iv.0 <= 0.0 && iv.1 >= 0.0 {
            format!("{path}::take(&mut {b})")
        } else {
            // The new value does not read the name (borrowed for the call), and stays within
            // its interval.
            let reads = |e: &Ex| {
                e.s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|w| w == b)
            };
            let mut e = self.expr(1);
            for _ in 0..4 {
                if !reads(&e) {
                    break;
                }
                e = self.expr(1);
            }
            if reads(&e) {
                return;
            }
            // (A constant place gets a constant.)
            if e.iv.2 && !iv.2 {
                return;
            }
            let e = self.wrap(e, (iv.0, iv.1));
            format!("{path}::replace(&mut {b}, {})", e.s)
        };
        let others: Vec<(String, Iv)> = self.floats(|v, ia| {
            v.mutable && v.name != b && ia.0 <= iv.0 && ia.1 >= iv.1 && (ia.2 || !iv.2)
        });
        if !others.is_empty() && self.rng.chance(0.5) {
            // The other float read first, then the call: a convex mix of the two.
            let (a, _) = self.rng.pick(&others).clone();
            Self::line(out, ind, &format!("{a} = {a} * 0.5 + 0.5 * {call};"));
        } else {
            let o = self.fresh("old");
            Self::line(out, ind, &format!("let {o}: {FLT} = {call};"));
            self.declare(&o, VarKind::Float(iv), false);
        }
    }

    /// An element of a slice that may be missing, taken apart by `map_or`, `map(..).unwrap_or`,
    /// `map_or_else` or a `match` on `Some`/`None`, bound by a `let` (|.| <= 2 |x| + 1).
    fn element_option_stmt(&mut self, out: &mut String, ind: usize) {
        let Some((xs, xiv)) = self.slices().first().cloned() else {
            return;
        };
        let (o, v) = (self.fresh("eo"), self.fresh("v"));
        let c = fmt_float(self.rng.uniform(-1.0, 1.0));
        let e = self.wrapped(1, (-2.0, 2.0));
        let ep = paren(&e.s);
        let whole = match self.rng.below(4) {
            0 => format!("{xs}.first().map_or({c}, |&{v}| {v} * {ep})"),
            1 => format!("{xs}.get(1).copied().map(|{v}| {v} * {ep}).unwrap_or({c})"),
            2 => format!("{xs}.last().copied().map_or_else(|| {c}, |{v}| {v} * {ep})"),
            _ => format!("match {xs}.last() {{ None => {c}, Some(&{v}) => {v} * {ep} }}"),
        };
        Self::line(out, ind, &format!("let {o}: {FLT} = {whole};"));
        let m = 2.0 * xiv.mag() + 1.0;
        self.declare(&o, VarKind::Float(Iv(-m, m, true)), false);
        // Sometimes a buffer collected from the slice keeps the elements past a threshold in
        // place, then grows (of a primitive float: a generic one's is refused). |.| <= 2 |x| n.
        if self.on("stmt:retain") && self.rng.chance(0.5) {
            let (pa, t, r) = (self.fresh("pa"), self.fresh("t"), self.fresh("rt"));
            Self::line(
                out,
                ind,
                &format!("/* {PRIMITIVE_ONLY} */ let mut {pa}: Vec<{FLT}> = {xs}.iter().map(|&{v}| {v} * {ep}).collect();"),
            );
            Self::line(out, ind, &format!("{pa}.retain(|&{t}| {t} > {c});"));
            Self::line(out, ind, &format!("{pa}.extend_from_slice(&[{c}, 0.5]);"));
            Self::line(
                out,
                ind,
                &format!("let {r}: {FLT} = {pa}.iter().sum::<{FLT}>() - {c} - 0.5;"),
            );
            let m = 2.0 * xiv.mag() * 8.0;
            self.declare(&r, VarKind::Float(Iv(-m, m, true)), false);
        }
    }

    /// Reductions without a turbofish as the values of an `if` or a `match` that a typed `let`
    /// gives their type (`let s: T = if c { x.iter().filter(..).sum() } else { 0.5 };`).
    fn branch_reduction_stmt(&mut self, out: &mut String, ind: usize) {
        let Some((xs, xiv)) = self.slices().first().cloned() else {
            return;
        };
        let (n, v, t) = (self.fresh("br"), self.fresh("v"), self.fresh("t"));
        let c = fmt_float(self.rng.uniform(-1.0, 1.0));
        let b = self.closure_body(&[&v], xiv, 1);
        let filtered = format!(
            "{xs}.iter().filter(|{t}| **{t} > {c}).map(|&{v}| {}).sum()",
            b.s
        );
        let mapped = format!("{xs}.iter().map(|&{v}| {}).sum()", b.s);
        let value = if self.rng.chance(0.5) {
            format!("if {xs}.len() > 1 {{ {filtered} }} else {{ {c} }}")
        } else {
            format!(
                "match {xs}.len() % 3 {{ 0 => {mapped}, 1 => {filtered}, _ => {{ let {t}: {FLT} = {c}; {t} * 2.0 }} }}"
            )
        };
        Self::line(out, ind, &format!("let {n}: {FLT} = {value};"));
        let iv =
            b.iv.mul(Iv(0.0, 6.0, false))
                .union(Iv::pt(2.0))
                .union(Iv::pt(-2.0));
        self.declare(&n, VarKind::Float(iv), false);
    }

    /// A table of constants written as nested vectors (rows `vec![..]` or `[..]`, typed or not),
    /// read by rows against a slice, by a `for` over it, or by index.
    fn table_stmt(&mut self, out: &mut String, ind: usize) {
        let Some((xs, xiv)) = self.slices().first().cloned() else {
            return;
        };
        let (m, r, row, a, b) = (
            self.fresh("tab"),
            self.fresh("tr"),
            self.fresh("row"),
            self.fresh("a"),
            self.fresh("b"),
        );
        let never_empty = self.seqs().into_iter().find(|s| s.4 && s.3 >= 1);
        if let (Some((xs, _, xiv, _, _)), true) = (never_empty, self.rng.chance(0.3)) {
            // A table of indices (edges), as arrays or nested vectors of integers, into a
            // slice never empty.
            let e = self.fresh("edge");
            let table = if self.rng.chance(0.5) {
                "[[0, 1], [1, 0], [0, 0]]"
            } else {
                "vec![vec![0, 1], vec![1, 0], vec![0, 0]]"
            };
            Self::line(out, ind, &format!("let {m} = {table};"));
            Self::line(
                out,
                ind,
                &format!("let {r}: {FLT} = {m}.iter().map(|{e}| {xs}[{e}[0] % {xs}.len()] * {FLT}::tanh({xs}[{e}[1] % {xs}.len()])).sum::<{FLT}>();"),
            );
            let bound = 3.0 * xiv.mag() + 1.0;
            self.declare(&r, VarKind::Float(Iv(-bound, bound, true)), false);
            return;
        }
        let cols = self.rng.range(2, 4);
        let arrays = self.rng.chance(0.4);
        let rows: Vec<String> = (0..2)
            .map(|_| {
                let items: Vec<String> = (0..cols)
                    .map(|_| fmt_float(self.rng.uniform(-1.0, 1.0)))
                    .collect();
                if arrays {
                    format!("[{}]", items.join(", "))
                } else {
                    format!("vec![{}]", items.join(", "))
                }
            })
            .collect();
        let ty = match (self.rng.chance(0.3), arrays) {
            (false, _) => String::new(),
            (true, false) => format!(": Vec<Vec<{FLT}>>"),
            (true, true) => format!(": Vec<[{FLT}; {cols}]>"),
        };
        Self::line(
            out,
            ind,
            &format!("let {m}{ty} = vec![{}];", rows.join(", ")),
        );
        let dot = format!("{row}.iter().zip({xs}).map(|({a}, {b})| {a} * {b}).sum::<{FLT}>()");
        let value = match self.rng.below(3) {
            0 => format!("{m}.iter().map(|{row}| {dot}).sum::<{FLT}>()"),
            1 => format!("{{ let mut {a}: {FLT} = 0.0; for {row} in &{m} {{ {a} += {dot}; }} {a} }}"),
            _ => format!("{m}[1][0] * {m}.len() as {FLT} + {m}[0].iter().zip({xs}).map(|({a}, {b})| {a} * {b}).sum::<{FLT}>()"),
        };
        Self::line(out, ind, &format!("let {r}: {FLT} = {value};"));
        let bound = 2.0 * cols as f64 * xiv.mag() + 2.0;
        self.declare(&r, VarKind::Float(Iv(-bound, bound, true)), false);
    }

    fn swap_stmt(&mut self, ctx: Ctx, out: &mut String, ind: usize) {
        if self.on("stmt:mem_replace") && self.rng.chance(0.4) {
            self.replace_stmt(ctx, out, ind);
            return;
        }
        if self.on("stmt:element_option") && self.rng.chance(0.3) {
            self.element_option_stmt(out, ind);
            return;
        }
        if self.on("stmt:constant_table") && self.rng.chance(0.2) {
            self.table_stmt(out, ind);
            return;
        }
        if self.on("stmt:branch_reduction") && self.rng.chance(0.2) {
            self.branch_reduction_stmt(out, ind);
            return;
        }
        if self.on("call:other_float_data") && self.rng.chance(0.1) {
            // A helper given data of the other float type, left out by `wrt(..)` (in the `f64`
            // twin of an `f32` case, of the same type). |od| <= 1.
            let other = if self.float == Float::F32 {
                "f64"
            } else {
                "f32"
            };
            let h = format!("{}_od_{FLT}_{other}", self.base);
            let konst = format!("D{}_OD_{FLT}", self.base.to_uppercase());
            if !self.items.contains(&format!("fn {h}(")) {
                let _ = writeln!(
                    self.items,
                    "/* {PRIMITIVE_ONLY} */\n#[gradient(wrt(z))]\nfn {h}(z: {FLT}, d: &[{other}]) -> {FLT} {{\n    z * d.iter().map(|&v| v as {FLT}).sum::<{FLT}>() + (d[0] as {FLT}) * z * z\n}}\n#[allow(non_upper_case_globals)]\nconst {konst}: [{other}; 2] = [0.5, -0.25];"
                );
            }
            let n = self.fresh("od");
            let e = self.wrapped(1, (-2.0, 2.0));
            let data = if self.rng.chance(0.5) {
                format!("&{konst}")
            } else {
                format!("&{konst}[1..]")
            };
            Self::line(
                out,
                ind,
                &format!("let {n}: {FLT} = {FLT}::tanh({h}({}, {data}));", e.s),
            );
            self.declare(&n, VarKind::Float(Iv(-1.0, 1.0, e.iv.2)), false);
            return;
        }
        let a = self.some_mut(ctx, out, ind);
        let b = self.some_mut(ctx, out, ind);
        if a == b {
            return;
        }
        let path = *self.rng.pick(&["std::mem::swap", "core::mem::swap"]);
        Self::line(out, ind, &format!("{path}(&mut {a}, &mut {b});"));
        // Each now holds what the other held: both within the union.
        let ivs: Vec<Iv> = [&a, &b]
            .iter()
            .filter_map(|n| {
                self.visible()
                    .into_iter()
                    .find(|v| &v.name == *n)
                    .and_then(|v| match v.kind {
                        VarKind::Float(iv) => Some(iv),
                        _ => None,
                    })
            })
            .collect();
        if let [ia, ib] = ivs[..] {
            let u = ia.union(ib);
            for frame in self.frames.iter_mut().rev() {
                for v in frame.iter_mut().rev() {
                    if v.name == a || v.name == b {
                        v.kind = VarKind::Float(u);
                    }
                }
            }
        }
    }

    /// An expression of depth `d` with its values in `range`.
    fn wrapped(&mut self, d: u32, range: (f64, f64)) -> Ex {
        let e = self.expr(d);
        self.wrap(e, range)
    }

    /// `head { body }` on three lines.
    fn nested(out: &mut String, ind: usize, head: &str, body: &str) {
        Self::line(out, ind, &format!("{head} {{"));
        Self::line(out, ind + 1, body);
        Self::line(out, ind, "}");
    }

    /// A buffer declared before a loop and written and read in its iterations, in a random order
    /// of parts: rewritten by a nested loop (in place or not), one element written, read by a
    /// nested loop, in a branch, directly. What an iteration reads may be what the previous one
    /// wrote, or what this one just wrote.
    fn buffer_across_iterations(&mut self, out: &mut String, ind: usize) {
        let (z, acc, it) = (self.fresh("zb"), self.fresh("accb"), self.fresh("it"));
        let decl = if self.rng.chance(0.5) {
            format!("let mut {z}: [{FLT}; 3] = [0.0; 3];")
        } else {
            format!("let mut {z}: Vec<{FLT}> = vec![0.0; 3];")
        };
        Self::line(out, ind, &decl);
        if self.on("stmt:matrix") && self.rng.chance(0.3) {
            // A small matrix with differentiated entries, read into the buffer.
            let m = self.fresh("m");
            let es: Vec<String> = (0..4).map(|_| self.wrapped(1, (-5.0, 5.0)).s).collect();
            let s = if self.on("stmt:matrix_repeat_row") && self.rng.chance(0.3) {
                // A row repeated (`[0.5; 2]`), the others spelled out, then written by index.
                format!(
                    "let mut {m} = [[{}, {}], [0.5; 2]];\n{m}[1][1] = 0.5 * {};",
                    es[0], es[1], es[3]
                )
            } else {
                format!(
                    "let {m} = [[{}, {}], [{}, 0.5 * {}]];",
                    es[0], es[1], es[2], es[3]
                )
            };
            for l in s.lines() {
                Self::line(out, ind, l);
            }
            let s = format!("{z}[0] = {m}[0][0] * {m}[1][1] - {m}[0][1] * {m}[1][0];");
            Self::line(out, ind, &s);
        }
        Self::line(out, ind, &format!("let mut {acc}: {FLT} = 0.0;"));
        let ns: Vec<String> = self
            .ints()
            .into_iter()
            .filter(|i| i.2 == "usize" && i.1.is_none() && !i.0.starts_with('j'))
            .map(|i| i.0)
            .collect();
        let trips = match ns.first() {
            Some(n) if self.rng.chance(0.4) => format!("{n}.min(4)"),
            _ => format!("{}", 1 + self.rng.below(4)),
        };
        Self::line(out, ind, &format!("for {it} in 0..{trips} {{"));
        self.frames.push(vec![]);
        self.declare(
            &it,
            VarKind::Int {
                index_for: None,
                ty: "usize",
            },
            false,
        );
        let zv = VarKind::Seq {
            key: "3".to_string(),
            iv: Iv(-20.0, 20.0, true),
            min_len: 3,
            slice: false,
        };
        // Readable in the generated expressions of the body too (index constants below 3).
        self.declare(&z, zv.clone(), false);
        let parts = 2 + self.rng.below(3);
        let inner = ind + 1;
        for _ in 0..parts {
            let k = self.fresh("k");
            match self.rng.below(5) {
                0 => {
                    let e = self.wrapped(2, (-10.0, 10.0));
                    let old = match self.rng.below(3) {
                        0 => format!(" + 0.5 * {z}[{k}]"),
                        1 => format!(" + 0.5 * {z}[({k} + 1) % 3]"),
                        _ => String::new(),
                    };
                    let body = format!("{z}[{k}] = {}{old};", e.s);
                    Self::nested(out, inner, &format!("for {k} in 0..3"), &body);
                }
                1 => {
                    let e = self.wrapped(1, (-2.0, 2.0));
                    let body = format!("{acc} += {z}[{k}] * 0.1 * {};", e.s);
                    Self::nested(out, inner, &format!("for {k} in 0..3"), &body);
                }
                2 => {
                    let c = if self.rng.chance(0.5) {
                        format!("{it} % 2 == 0")
                    } else {
                        self.cond(1)
                    };
                    let e = self.wrapped(1, (-2.0, 2.0));
                    let body = format!("{acc} += {FLT}::tanh({z}[{it} % 3] * {});", e.s);
                    Self::nested(out, inner, &format!("if {c}"), &body);
                }
                3 => {
                    let e = self.wrapped(2, (-10.0, 10.0));
                    let c = self.rng.below(3);
                    let s = match self.rng.below(6) {
                        // `z.fill(z[0])` borrows `z` twice: the value first.
                        0 if self.on("buffer:fill") => {
                            let v = self.fresh("fv");
                            format!("let {v}: {FLT} = {}; {z}.fill({v});", e.s)
                        }
                        1 if self.on("buffer:swap") => {
                            format!("{z}.swap({it} % 3, {c});")
                        }
                        2 if self.on("buffer:copy_from_slice") => {
                            let copy = self.fresh("zc");
                            format!("let mut {copy} = [0.0; 3]; {copy}[{c}] = {}; {copy}[({c} + 1) % 3] = {z}[{c}]; {z}.copy_from_slice(&{copy});", e.s)
                        }
                        // The old element read where the call stands, after `acc`; an index
                        // computed or literal.
                        // (The new value first: `&mut z[..]` borrows `z` for the call.)
                        4 if self.on("stmt:mem_replace") => {
                            let v = self.fresh("rv");
                            format!(
                                "let {v}: {FLT} = {}; {acc} += 0.1 * std::mem::replace(&mut {z}[({it} + {c}) % 3], {v});",
                                e.s
                            )
                        }
                        5 if self.on("stmt:mem_replace") => {
                            let t = self.fresh("tk");
                            format!("let {t}: {FLT} = core::mem::take(&mut {z}[{c}]); {acc} += 0.1 * {t} * {z}[({c} + 1) % 3];")
                        }
                        _ => format!("{z}[({it} + {c}) % 3] = {};", e.s),
                    };
                    Self::line(out, inner, &s);
                }
                _ => {
                    Self::line(
                        out,
                        inner,
                        &format!("{acc} = {FLT}::tanh({acc} * 0.5 + {z}[({it} + 1) % 3]) * 10.0;"),
                    );
                }
            }
        }
        self.frames.pop();
        Self::line(out, ind, "}");
        self.declare(&z, zv.clone(), false);
        self.declare(&acc, VarKind::Float(Iv(-1e3, 1e3, true)), true);
        // Iterator chains over the local buffer: a sum, a mapped sum, a collected copy.
        if self.on("buffer:iter") {
            let r = self.fresh("rb");
            match self.rng.below(4) {
                0 => {
                    Self::line(out, ind, &format!("let {r}: {FLT} = {z}.iter().sum();"));
                    self.declare(&r, VarKind::Float(Iv(-60.0, 60.0, true)), false);
                }
                1 => {
                    let e = self.wrapped(1, (-2.0, 2.0));
                    let v = self.fresh("v");
                    let s = format!(
                        "let {r} = {z}.iter().map(|{v}| {v} * {}).sum::<{FLT}>();",
                        paren(&e.s)
                    );
                    Self::line(out, ind, &s);
                    self.declare(&r, VarKind::Float(Iv(-120.0, 120.0, true)), false);
                }
                2 => {
                    let v = self.fresh("v");
                    let s = format!(
                        "let {r}: Vec<{FLT}> = {z}.iter().map(|&{v}| {v} * 0.5 + 1.0).collect();"
                    );
                    Self::line(out, ind, &s);
                    self.declare(&r, zv, false);
                }
                _ => {}
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Functions
    // ---------------------------------------------------------------------------------------

    /// A function body over the variables in scope: statements, then the tail.
    fn body(&mut self, out: &mut String, size: i32) {
        self.budget = size;
        self.returned = false;
        let ctx = Ctx {
            depth: 0,
            loops: 0,
            top: true,
            brk: false,
            ret: true,
        };
        while self.budget > 0 {
            self.stmt(ctx, out, 1);
        }
        // The tail uses a few locals, so that most statements matter.
        let mut e = self.expr(2).s;
        let locals = self.floats(|v, _| !v.param);
        for _ in 0..3.min(locals.len()) {
            let (n, iv) = self.rng.pick(&locals).clone();
            let t = if iv.mag() > 50.0 {
                self.tanh_ex(Ex::new(n, true, iv))
            } else {
                n
            };
            e = format!("{e} + {t}");
        }
        if self.rng.chance(0.2) && self.on("stmt:tail_return") {
            Self::line(out, 1, &format!("return {e};"));
        } else {
            Self::line(out, 1, &e);
        }
    }

    fn helper(&mut self, j: usize) -> Helper {
        let name = format!("{}_h{j}_{FLT}", self.base);
        if self.rng.chance(0.2) && self.on("call:custom_rule") {
            return self.custom_rule(name);
        }
        let nsc = 1 + self.rng.below(2);
        let has_slice = self.rng.chance(0.4);
        self.frames = vec![vec![]];
        let mut sig = Vec::new();
        let mut slices = Vec::new();
        for k in 0..nsc {
            let n = format!("a{k}");
            sig.push(format!("{n}: {FLT}"));
            self.frames[0].push(Var {
                name: n,
                kind: VarKind::Float(Iv(-3.0, 3.0, true)),
                mutable: false,
                param: true,
            });
            slices.push(false);
        }
        // Sometimes the slice is data of the helper (`wrt` names only the scalars).
        let data_slice = has_slice && self.on("call:helper_wrt") && self.rng.chance(0.3);
        if has_slice {
            sig.push(format!("s0: &[{FLT}]"));
            let kind = VarKind::Seq {
                key: "s0".into(),
                iv: Iv(-3.0, 3.0, !data_slice),
                min_len: 1,
                slice: true,
            };
            self.frames[0].push(Var {
                name: "s0".into(),
                kind,
                mutable: false,
                param: true,
            });
            slices.push(true);
        }
        // Sometimes the first scalar is taken by reference, read through a copy.
        let by_ref = self.on("call:ref_param") && self.rng.chance(0.25);
        let mut body = String::new();
        if by_ref {
            sig[0] = format!("r0: &{FLT}");
            body.push_str(&format!("    let a0: {FLT} = *r0;\n"));
        }
        let size = 2 + self.rng.below(5) as i32;
        self.in_helper = true;
        self.body(&mut body, size);
        self.in_helper = false;
        let attr = if data_slice {
            let wrt: Vec<String> = (0..nsc)
                .map(|k| {
                    if by_ref && k == 0 {
                        "r0".to_string()
                    } else {
                        format!("a{k}")
                    }
                })
                .collect();
            format!("#[gradient(wrt({}))]", wrt.join(", "))
        } else if self.on("call:plain_helper") && self.rng.chance(0.3) {
            // Without `#[gradient]`: read from the file and inlined at its calls.
            "/// not annotated".to_string()
        } else {
            "#[gradient]".to_string()
        };
        let plain = attr.starts_with("///");
        // A plain helper of a module of its own (reading the file's items through `use
        // super::*;`), called by its path or imported by `use`.
        if plain && self.on("call:plain_helper_module") && self.rng.chance(0.3) {
            let m = format!("{name}_m");
            let by_path = self.rng.chance(0.5);
            // Sometimes the helper goes through items of its module: a sibling helper and a
            // public constant, which the copy names by their paths.
            if self.on("call:plain_helper_module_items") && self.rng.chance(0.5) {
                let args: Vec<&str> = sig
                    .iter()
                    .map(|p| p.split(':').next().unwrap_or("").trim())
                    .collect();
                let _ = write!(
                    self.items,
                    "mod {m} {{\n    #[allow(unused_imports)]\n    use super::*;\n    pub const K: {FLT} = 0.75;\n    pub fn scaled(t: {FLT}) -> {FLT} {{\n        t * K\n    }}\n    {attr}\n    pub fn {name}_raw({}) -> {FLT} {{\n{body}}}\n    pub fn {name}({}) -> {FLT} {{\n        scaled({name}_raw({}))\n    }}\n}}\n",
                    sig.join(", "),
                    sig.join(", "),
                    args.join(", ")
                );
            } else {
                let _ = write!(
                    self.items,
                    "mod {m} {{\n    #[allow(unused_imports)]\n    use super::*;\n    {attr}\n    pub fn {name}({}) -> {FLT} {{\n{body}}}\n}}\n",
                    sig.join(", ")
                );
            }
            if !by_path {
                let _ = writeln!(self.items, "use {m}::{name};");
            }
            return Helper {
                name: if by_path {
                    format!("{m}::{name}")
                } else {
                    name
                },
                slices,
                data_slice,
                by_ref,
                plain,
            };
        }
        let _ = write!(
            self.items,
            "{attr}\nfn {name}({}) -> {FLT} {{\n{body}}}\n",
            sig.join(", ")
        );
        Helper {
            name,
            slices,
            data_slice,
            by_ref,
            plain,
        }
    }

    /// A helper the macro does not see through: a plain function and its hand-written
    /// derivative under `#[grad::custom_gradient]`, from a few formulas with known derivatives
    /// (finite for every argument).
    fn custom_rule(&mut self, name: String) -> Helper {
        let rules: [(usize, &str, &[&str]); 4] = [
            (1, "a0.sin() * 1.5 + a0 * 0.25", &["a0.cos() * 1.5 + 0.25"]),
            (
                1,
                "a0.max(0.0) + (-a0.abs()).exp().ln_1p()",
                &["1.0 / (1.0 + (-a0).exp())"],
            ),
            (
                2,
                "a0 * a1.tanh() + a0 * a0 * 0.1",
                &["a1.tanh() + 0.2 * a0", "a0 * (1.0 - a1.tanh() * a1.tanh())"],
            ),
            (
                2,
                "(a0 * a0 + a1 * a1 + 1.0).sqrt()",
                &[
                    "a0 / (a0 * a0 + a1 * a1 + 1.0).sqrt()",
                    "a1 / (a0 * a0 + a1 * a1 + 1.0).sqrt()",
                ],
            ),
        ];
        let (n, f, d) = rules[self.rng.below(rules.len())];
        let sig: Vec<String> = (0..n).map(|k| format!("a{k}: {FLT}")).collect();
        let args: Vec<String> = (0..n).map(|k| format!("a{k}")).collect();
        // Mostly with its second order derived from the rule (then the case's `hvp` goes
        // through it; without, the harness asks no `hvp`).
        let attr = if self.on("rule:hvp") && self.rng.chance(0.8) {
            "#[grad::custom_gradient(hvp)]"
        } else {
            "#[grad::custom_gradient]"
        };
        // Sometimes a function of another crate, called by its path (`libm::erf(x)`): here a
        // module only a macro writes, which the macro cannot read either.
        let called = if self.rng.chance(0.35) && self.on("call:custom_rule_path") {
            let _ = write!(
                self.items,
                "macro_rules! {name}_mk {{\n    () => {{\n        mod {name}_x {{\n            pub fn {name}({sig}) -> {FLT} {{\n                {f}\n            }}\n        }}\n    }};\n}}\n{name}_mk!();\n",
                sig = sig.join(", "),
            );
            format!("{name}_x::{name}")
        } else {
            let _ = write!(
                self.items,
                "fn {name}({sig}) -> {FLT} {{\n    {f}\n}}\n",
                sig = sig.join(", "),
            );
            name.clone()
        };
        let _ = write!(
            self.items,
            "{attr}\nfn {name}_grad({sig}) -> ({FLT}, [{FLT}; {n}]) {{\n    ({called}({args}), [{d}])\n}}\n",
            sig = sig.join(", "),
            args = args.join(", "),
            d = d.join(", ")
        );
        Helper {
            name: called,
            slices: vec![false; n],
            data_slice: false,
            by_ref: false,
            plain: false,
        }
    }

    /// The whole case: helpers, then the function under test.
    fn case(&mut self) -> (String, Vec<Param>, Option<Model>) {
        let nh = if self.on("expr:call") {
            self.rng.weighted(&[5, 3, 1])
        } else {
            0
        };
        for j in 0..nh {
            let h = self.helper(j);
            self.helpers.push(h);
        }
        let ranges = [(-2.0, 2.0), (0.5, 2.5), (-0.9, 0.9), (1.5, 3.0)];
        let mut params = Vec::new();
        let nsc = self.rng.range(1, 3);
        let nsl = self.rng.weighted(&[3, 4, 2]);
        let mut names = Vec::new();
        for k in 0..nsc {
            let (lo, hi) = *self.rng.pick(&ranges);
            names.push((format!("x{k}"), ParamKind::Scalar(lo, hi)));
        }
        for (k, name) in ["xs", "ys"].iter().enumerate().take(nsl) {
            let (lo, hi) = if k == 0 {
                (-2.0, 2.0)
            } else {
                *self.rng.pick(&ranges)
            };
            names.push((name.to_string(), ParamKind::Slice(lo, hi)));
        }
        if self.rng.chance(0.25) && self.on("param:rows") {
            let width = if self.rng.chance(0.5) {
                Some(2 + self.rng.below(2))
            } else {
                None
            };
            let vec = self.rng.chance(0.3);
            let tuple = width.is_some() && self.rng.chance(0.4) && self.on("param:tuple_rows");
            let slices =
                width.is_none() && !vec && self.rng.chance(0.3) && self.on("param:slice_rows");
            let count = (width.is_some()
                && !tuple
                && !vec
                && self.rng.chance(0.3)
                && self.on("param:fixed_count_rows"))
            .then(|| 1 + self.rng.below(3));
            names.push((
                "ws".into(),
                ParamKind::Rows {
                    lo: -1.5,
                    hi: 1.5,
                    width,
                    vec: vec && !tuple,
                    tuple,
                    slices,
                    count,
                    by_value: count.is_some()
                        && !tuple
                        && self.on("param:matrix_by_value")
                        && self.rng.chance(0.3),
                },
            ));
        }
        // Parameters that become fields of one or two structs built by a wrapper (see
        // `rich_model`), with a model's rows and layers.
        let mut rich = self.rng.chance(0.25) && self.on("model:rich");
        if rich {
            // The wrappers of rich models pass rows on as `Vec`s: plain rows only.
            for (_, kind) in &mut names {
                if let ParamKind::Rows {
                    slices,
                    count,
                    by_value,
                    ..
                } = kind
                {
                    *slices = false;
                    *count = None;
                    *by_value = false;
                }
            }
        }
        if rich && self.on("model:layers") && self.rng.chance(0.5) {
            let width = Some(3 + self.rng.below(2));
            names.push((
                "layers".into(),
                ParamKind::Rows {
                    lo: -1.5,
                    hi: 1.5,
                    width,
                    vec: false,
                    tuple: false,
                    slices: false,
                    count: None,
                    by_value: false,
                },
            ));
        }
        if rich
            && self.on("model:rows")
            && !names.iter().any(|n| n.0 == "ws")
            && self.rng.chance(0.5)
        {
            let width = if self.rng.chance(0.5) {
                Some(2 + self.rng.below(2))
            } else {
                None
            };
            let vec = self.rng.chance(0.3);
            names.push((
                "ws".into(),
                ParamKind::Rows {
                    lo: -1.5,
                    hi: 1.5,
                    width,
                    vec,
                    tuple: false,
                    slices: false,
                    count: None,
                    by_value: false,
                },
            ));
        }
        if self.rng.chance(0.6) {
            names.push(("n".into(), ParamKind::Usize));
        }
        if self.rng.chance(0.4) {
            names.push(("k".into(), ParamKind::I32));
        }
        if self.rng.chance(0.4) {
            names.push(("flag".into(), ParamKind::Bool));
        }
        if self.rng.chance(0.12) && self.on("param:gen") {
            names.push(("rng".into(), ParamKind::Gen));
        }
        // Shuffle, so that constants sit between differentiated parameters.
        for a in (1..names.len()).rev() {
            let b = self.rng.below(a + 1);
            names.swap(a, b);
        }
        let floats: Vec<String> = names
            .iter()
            .filter(|(n, k)| {
                n != "layers"
                    && matches!(
                        k,
                        ParamKind::Scalar(..) | ParamKind::Slice(..) | ParamKind::Rows { .. }
                    )
            })
            .map(|(n, _)| n.clone())
            .collect();
        let mut wrt: Option<Vec<String>> = None;
        if floats.len() > 1 && self.rng.chance(0.3) && self.on("attr:wrt") {
            let mut sub: Vec<String> = floats
                .iter()
                .filter(|_| self.rng.chance(0.6))
                .cloned()
                .collect();
            if sub.is_empty() {
                sub.push(floats[0].clone());
            }
            sub.reverse();
            wrt = Some(sub);
        }
        self.frames = vec![vec![]];
        let mut sig = Vec::new();
        let mut derefs = String::new();
        // Mutable parameters, which cannot become fields.
        let mut fixed: Vec<String> = Vec::new();
        // The parameters a rich case moves into its models.
        let mut moved: Vec<String> = Vec::new();
        for (n, k) in &names {
            let active =
                n == "layers" || (floats.contains(n) && wrt.as_ref().is_none_or(|w| w.contains(n)));
            let mutable =
                matches!(k, ParamKind::Scalar(..)) && self.rng.chance(0.1) && self.on("param:mut");
            let by_ref = !mutable
                && matches!(k, ParamKind::Scalar(..))
                && self.rng.chance(0.15)
                && self.on("param:by_ref");
            let (ty, kind) = match *k {
                ParamKind::Scalar(lo, hi) => (FLT.to_string(), VarKind::Float(Iv(lo, hi, active))),
                ParamKind::Slice(lo, hi) => (
                    format!("&[{FLT}]"),
                    VarKind::Seq {
                        key: n.clone(),
                        iv: Iv(lo, hi, active),
                        min_len: 1,
                        slice: true,
                    },
                ),
                ParamKind::Usize => (
                    "usize".into(),
                    VarKind::Int {
                        index_for: None,
                        ty: "usize",
                    },
                ),
                ParamKind::I32 => (
                    "i32".into(),
                    VarKind::Int {
                        index_for: None,
                        ty: "i32",
                    },
                ),
                ParamKind::Bool => ("bool".into(), VarKind::Bool),
                ParamKind::Gen => ("&mut check::Lcg".into(), VarKind::Gen),
                ParamKind::Rows {
                    lo,
                    hi,
                    width,
                    vec,
                    tuple,
                    slices,
                    count,
                    by_value,
                } => {
                    let row = match width {
                        Some(w) if tuple => format!("({})", vec![FLT; w].join(", ")),
                        Some(w) => format!("[{FLT}; {w}]"),
                        None if slices => format!("&[{FLT}]"),
                        None => format!("Vec<{FLT}>"),
                    };
                    let ty = match count {
                        Some(m) if by_value => format!("[{row}; {m}]"),
                        Some(m) => format!("&[{row}; {m}]"),
                        None if vec => format!("&Vec<{row}>"),
                        None => format!("&[{row}]"),
                    };
                    (
                        ty,
                        VarKind::Rows {
                            iv: Iv(lo, hi, active),
                            width,
                            tuple,
                            slices,
                        },
                    )
                }
            };
            let m = if mutable { "mut " } else { "" };
            if by_ref {
                sig.push(format!("{n}: &{ty}"));
                let _ = writeln!(derefs, "    let {n}: {FLT} = *{n};");
                self.ref_params.insert(n.clone());
            } else {
                sig.push(format!("{m}{n}: {ty}"));
            }
            let kind = match (mutable, k) {
                (true, _) => VarKind::Float(NOMINAL.to(-1e3, 1e3).union(Iv(0.0, 0.0, active))),
                (
                    _,
                    ParamKind::Rows {
                        lo,
                        hi,
                        width: Some(w),
                        ..
                    },
                ) if n == "layers" => VarKind::Layers {
                    iv: Iv(*lo, *hi, true),
                    wlen: w - 1,
                },
                _ => kind,
            };
            let movable = rich
                && match k {
                    ParamKind::Scalar(..) => active && !by_ref && !mutable,
                    ParamKind::Slice(..) => active,
                    ParamKind::Rows {
                        tuple,
                        slices,
                        count,
                        ..
                    } => active && !tuple && !slices && count.is_none(),
                    // A generator stays a parameter: it is lent, not owned.
                    ParamKind::Gen => false,
                    _ => self.rng.chance(0.6),
                };
            if n == "layers" || (movable && self.rng.chance(0.7)) {
                moved.push(n.clone());
            }
            self.frames[0].push(Var {
                name: n.clone(),
                kind,
                mutable,
                param: true,
            });
            params.push(Param {
                name: n.clone(),
                kind: k.clone(),
                active,
                by_ref,
                in_model: false,
                pair: Pair::None,
            });
            if mutable {
                fixed.push(n.clone());
            }
        }
        let moves_float = names.iter().any(|(n, k)| {
            moved.contains(n) && !matches!(k, ParamKind::Usize | ParamKind::I32 | ParamKind::Bool)
        });
        rich &= moves_float;
        let mut q = None;
        if rich {
            self.no_shadow = moved.clone();
            if self.on("model:data_u32") && self.rng.chance(0.5) {
                // A `u32` field of data, set from `n` when there is one.
                let init = if names.iter().any(|(n, _)| n == "n") {
                    "n as u32 % 3".to_string()
                } else {
                    format!("{}", self.rng.below(4))
                };
                q = Some(init);
                self.frames[0].push(Var {
                    name: "q".into(),
                    kind: VarKind::Int {
                        index_for: None,
                        ty: "u32",
                    },
                    mutable: false,
                    param: true,
                });
            }
        }
        let mut body = derefs;
        // A generator the body makes itself (`let mut gl = check::Lcg::seeded(n as u64);`),
        // drawn from as a lent one is.
        if !names.iter().any(|(_, k)| matches!(k, ParamKind::Gen))
            && self.on("local:gen")
            && self.rng.chance(0.1)
        {
            let seed = if names.iter().any(|(n, _)| n == "n") && self.rng.chance(0.5) {
                "n as u64 + 3".to_string()
            } else {
                format!("{}", 1 + self.rng.below(1000))
            };
            let init = if self.rng.chance(0.5) {
                format!("check::Lcg::seeded({seed})")
            } else {
                format!("check::Lcg({seed})")
            };
            let _ = writeln!(body, "    let mut {LOCAL_GEN} = {init};");
            self.frames[0].push(Var {
                name: LOCAL_GEN.into(),
                kind: VarKind::Gen,
                mutable: true,
                param: false,
            });
        }
        let size = 4 + self.rng.below(20) as i32;
        self.rich = rich;
        self.body(&mut body, size);
        let name = format!("{}_{FLT}", self.base);
        if rich {
            self.rich_model(&params, &sig, &body, &moved, q, &name);
            return (std::mem::take(&mut self.items), params, None);
        }
        if self.rng.chance(0.3) && self.on("param:model") {
            if let Some(model) = self.model(&mut params, &mut sig, &mut body, &fixed, &name) {
                return (std::mem::take(&mut self.items), params, Some(model));
            }
        }
        let attr = match &wrt {
            Some(w) => format!("#[gradient(wrt({}))]", w.join(", ")),
            None => "#[gradient]".into(),
        };
        // Sometimes two differentiated scalars are taken together as a tuple pattern,
        // `(x0, x1): (T, T)` (without `wrt`, which would name them apart).
        if wrt.is_none() && self.on("param:tuple_pattern") && self.rng.chance(0.2) {
            let plain: Vec<usize> = (0..params.len())
                .filter(|&j| {
                    params[j].active
                        && matches!(params[j].kind, ParamKind::Scalar(..))
                        && sig[j] == format!("{}: {FLT}", params[j].name)
                })
                .collect();
            if let [a, b, ..] = plain[..] {
                let (na, nb) = (params[a].name.clone(), params[b].name.clone());
                let p = format!("{na}_{nb}");
                // A name the body declares again or a format string captures cannot become a
                // field read.
                let free = |n: &str| {
                    ![
                        format!("{{{n}}}"),
                        format!("{{{n}:"),
                        format!("let {n} "),
                        format!("let {n}:"),
                        format!("let mut {n} "),
                        format!("|{n}|"),
                        format!("for {n} "),
                        format!("&mut {n}"),
                        format!("{n} ="),
                    ]
                    .iter()
                    .any(|f| body.contains(f.as_str()))
                };
                let by_ref = self.rng.chance(0.3);
                let ty = format!("({FLT}, {FLT})");
                let form = self.rng.below(3);
                if form == 0 && !by_ref {
                    // `(x0, x1): (T, T)`.
                    sig[a] = format!("({na}, {nb}): {ty}");
                } else if form == 1 && !by_ref {
                    // `x0_x1: (T, T)`, destructured first.
                    sig[a] = format!("{p}: {ty}");
                    body.insert_str(0, &format!("    let ({na}, {nb}) = {p};\n"));
                } else {
                    // `x0_x1: (T, T)` or `&(T, T)`, its fields read where the names were
                    // (or bound to them first).
                    let amp = if by_ref { "&" } else { "" };
                    sig[a] = format!("{p}: {amp}{ty}");
                    if free(&na) && free(&nb) {
                        let first = rename_word(&body, &na, &format!("{p}.0"));
                        body = rename_word(&first, &nb, &format!("{p}.1"));
                    } else if self.on("param:tuple_whole") && self.rng.chance(0.5) {
                        // The tuple also handed whole to a plain helper (`*p` of a reference).
                        let h = format!("{}_tw_{FLT}", self.base);
                        let ann = if self.on("call:annotated_tuple_helper") && self.rng.chance(0.4)
                        {
                            "#[gradient]"
                        } else {
                            "/// not annotated"
                        };
                        let _ = writeln!(
                            self.items,
                            "{ann}\nfn {h}(t: ({FLT}, {FLT})) -> {FLT} {{\n    t.0 * 0.5 - {FLT}::tanh(t.1)\n}}"
                        );
                        // A reference handed on as it is, to a helper taking `&(T, T)`.
                        let lent = by_ref && self.on("param:tuple_ref_on") && self.rng.chance(0.5);
                        let (h, whole) = if lent {
                            let hr = format!("{h}r");
                            let _ = writeln!(
                                self.items,
                                "{ann}\nfn {hr}(t: &({FLT}, {FLT})) -> {FLT} {{\n    let (a, b) = *t;\n    a * 0.5 - {FLT}::tanh(b)\n}}"
                            );
                            (hr, p.clone())
                        } else if by_ref {
                            (h, format!("*{p}"))
                        } else {
                            (h, p.clone())
                        };
                        body.insert_str(
                            0,
                            &format!("    let {na} = {p}.0 + 0.125 * {FLT}::tanh({h}({whole}));\n    let {nb} = {p}.1;\n"),
                        );
                    } else {
                        body.insert_str(
                            0,
                            &format!("    let {na} = {p}.0;\n    let {nb} = {p}.1;\n"),
                        );
                    }
                }
                sig[b] = String::new();
                params[a].pair = Pair::First(b, by_ref);
                params[b].pair = Pair::Second(a);
            }
        }
        sig.retain(|p| !p.is_empty());
        // References under a named lifetime (`'a`, the name most code uses).
        let (lt, sig) = if self.on("param:lifetime")
            && self.rng.chance(0.15)
            && sig.iter().any(|p| p.contains(": &"))
        {
            let sig: Vec<String> = sig.iter().map(|p| p.replacen(": &", ": &'a ", 1)).collect();
            ("<'a>", sig)
        } else {
            ("", sig)
        };
        let f = format!(
            "{attr}\nfn {name}{lt}({}) -> {FLT} {{\n{body}}}\n",
            sig.join(", ")
        );
        // The function above its helpers, as code that defines helpers after their callers is
        // written: what a caller learns from a helper's signature must not depend on the order.
        if self.on("order:helpers_below") && self.rng.chance(0.25) {
            self.items.insert_str(0, &f);
        } else {
            self.items.push_str(&f);
        }
        (std::mem::take(&mut self.items), params, None)
    }

    /// Writes a rich case: the parameters of `moved` become fields of one struct deriving `Params`
    /// or of two (`wrt(ma, mb, ..)`), maybe generic over the float type (`MA<T>` used as
    /// `MA<FLT>`), with rows fields (`Vec<Vec<T>>`, `Vec<[T; N]>`, `[[T; N]; 3]`), a `Vec` of layers
    /// (from the rows `layers`, a row `[b, w..]` per layer), data (`usize`, `i32`, `bool`, `u32`);
    /// the body, read over the fields, is the `#[gradient]` function (or method of `MA`)
    /// `NAME_core`. The function the harness checks, `NAME`, and its `NAME_grad` are plain wrappers
    /// over the parameters: they build the models, call `NAME_core` (or `NAME_core_grad`) and
    /// hand each field's gradient back to its parameter's.
    fn rich_model(
        &mut self,
        params: &[Param],
        sig: &[String],
        body: &str,
        moved: &[String],
        q: Option<String>,
        name: &str,
    ) {
        let base = self.base.clone();
        let is_float =
            |p: &Param| !matches!(p.kind, ParamKind::Usize | ParamKind::I32 | ParamKind::Bool);
        let mv: Vec<&Param> = params.iter().filter(|p| moved.contains(&p.name)).collect();
        let nfloat = mv.iter().filter(|p| is_float(p)).count();
        let two = nfloat >= 2 && self.on("model:two") && self.rng.chance(0.4);
        // Which model each moved parameter goes to: the first float to `ma`, the second to `mb`.
        let mut side: Vec<(String, usize)> = Vec::new();
        let mut seen = 0;
        for p in &mv {
            let s = if !two {
                0
            } else if is_float(p) {
                seen += 1;
                match seen {
                    1 => 0,
                    2 => 1,
                    _ => self.rng.below(2),
                }
            } else {
                self.rng.below(2)
            };
            side.push((p.name.clone(), s));
        }
        let side_of = |n: &str| side.iter().find(|s| s.0 == n).map_or(0, |s| s.1);
        // `T` must be used by a field of its own.
        let generic = self.on("model:generic")
            && self.rng.chance(0.3)
            && mv
                .iter()
                .any(|p| side_of(&p.name) == 0 && is_float(p) && p.name != "layers");
        let method = self.on("model:method") && self.rng.chance(0.4);
        let fixed_rows: Vec<String> = mv
            .iter()
            .filter(|p| {
                matches!(p.kind, ParamKind::Rows { width: Some(_), .. }) && p.name != "layers"
            })
            .filter(|_| self.on("model:rows_array") && self.rng.chance(0.5))
            .map(|p| p.name.clone())
            .collect();
        // Rows moved into the one element of a `Vec` of structs (`ma.ws_e[0].g`, read as
        // `ma.ws_e[0].g[i][j]`, row by row, ..): rows fields of the elements.
        let elem_rows: Vec<String> = mv
            .iter()
            .filter(|p| {
                matches!(
                    p.kind,
                    ParamKind::Rows {
                        tuple: false,
                        slices: false,
                        ..
                    }
                ) && p.name != "layers"
                    && !fixed_rows.contains(&p.name)
            })
            .filter(|p| rows_reads_followed(body, &p.name))
            .filter(|_| !generic && self.on("model:rows_in_elements") && self.rng.chance(0.3))
            .map(|p| p.name.clone())
            .collect();
        let (ta, tb, tl) = (
            format!("MA{base}_{FLT}"),
            format!("MB{base}_{FLT}"),
            format!("L{base}_{FLT}"),
        );
        let ta_use = if generic {
            format!("{ta}<{FLT}>")
        } else {
            ta.clone()
        };
        let roots = [if method { "self" } else { "ma" }, "mb"];
        // A sequence of the first model kept in a struct of its own (`ma.n.v`), read through it
        // everywhere and passed whole to a free function, a method, a pattern, a vector function.
        let sub: Option<String> = {
            let cands: Vec<String> = mv
                .iter()
                .filter(|p| matches!(p.kind, ParamKind::Slice(..)) && side_of(&p.name) == 0)
                .map(|p| p.name.clone())
                .collect();
            let ok = self.on("model:sub_struct")
                && (!generic || !self.concrete_fields())
                && !cands.is_empty()
                && self.rng.chance(0.4);
            ok.then(|| self.rng.pick(&cands).clone())
        };
        let ts = format!("S{base}_{FLT}");
        let derive = "#[derive(Clone, grad::Params)]\n#[allow(non_camel_case_types, dead_code)]";
        // The layers are generic too in a generic model, or (`concrete_fields`) of the case's
        // float type beside the model's `T`.
        let lgen = generic && !self.concrete_fields();
        if mv.iter().any(|p| p.name == "layers") {
            let (g, t) = if lgen { ("<T>", "T") } else { ("", FLT) };
            let _ = writeln!(
                self.items,
                "{derive}\nstruct {tl}{g} {{\n    w: Vec<{t}>,\n    b: {t},\n}}"
            );
            if self.layer_method {
                let bound = if lgen { "<T: grad::Real>" } else { "" };
                // Sometimes a plain method (of a concrete layer), which the macro reads from the
                // file where the element's type shows.
                let attr = if !lgen && self.on("layers:plain_method") && self.rng.chance(0.3) {
                    "/// not annotated"
                } else {
                    "#[gradient]"
                };
                let _ = writeln!(
                    self.items,
                    "impl{bound} {tl}{g} {{\n    {attr}\n    fn score_vh(&self, a: {t}) -> {t} {{\n        (self.b * a).tanh() + self.w[0] * self.w[self.w.len() - 1]\n    }}\n}}"
                );
            }
            if let Some(free) = &self.layer_free_fn {
                let bound = if lgen { "<T: grad::Real>" } else { "" };
                let _ = writeln!(
                    self.items,
                    "#[gradient(wrt(l))]\nfn {free}{bound}(l: &{tl}{g}, a: {t}) -> {t} {{\n    (l.b * a).tanh() + l.w[0] * l.w[l.w.len() - 1]\n}}"
                );
            }
        }
        // Declarations, literals (over the parameters) and gradients handed back, per model.
        let mut decls = [Vec::new(), Vec::new()];
        let mut lits = [Vec::new(), Vec::new()];
        let mut back = Vec::new();
        let mut paths = Vec::new();
        for p in &mv {
            let n = &p.name;
            let m = side_of(n);
            let t = if m == 0 && generic { "T" } else { FLT };
            let dm = ["d_ma", "d_mb"][m];
            let (ty, lit) = match p.kind {
                ParamKind::Gen => unreachable!("a generator is not moved into a model"),
                ParamKind::Scalar(..) => (t.to_string(), n.clone()),
                ParamKind::Slice(..) if sub.as_ref() == Some(n) => {
                    back.push(format!("d_{n}.copy_from_slice(&{dm}.{n}.v);"));
                    let ty = if generic {
                        format!("{ts}<T>")
                    } else {
                        ts.clone()
                    };
                    (ty, format!("{n}: {ts} {{ v: {n}.to_vec() }}"))
                }
                ParamKind::Slice(..) => {
                    back.push(format!("d_{n}.copy_from_slice(&{dm}.{n});"));
                    (format!("Vec<{t}>"), format!("{n}: {n}.to_vec()"))
                }
                ParamKind::Rows { width, .. } if n == "layers" => {
                    let _ = width;
                    back.push(format!("for (d, g) in d_{n}.iter_mut().zip({dm}.{n}.iter()) {{ d[0] = g.b; d[1..].copy_from_slice(&g.w); }}"));
                    let ty = match (lgen, m == 0) {
                        (true, true) => format!("Vec<{tl}<T>>"),
                        (true, false) => format!("Vec<{tl}<{FLT}>>"),
                        _ => format!("Vec<{tl}>"),
                    };
                    (
                        ty,
                        format!("{n}: {n}.iter().map(|r| {tl} {{ w: r[1..].to_vec(), b: r[0] }}).collect()"),
                    )
                }
                ParamKind::Rows { width, .. } if elem_rows.contains(n) => {
                    let te = format!("E{base}{n}_{FLT}");
                    // (Rows of one width are a parameter `&[[T; W]]`.)
                    let row = match width {
                        Some(w) => format!("[{FLT}; {w}]"),
                        None => format!("Vec<{FLT}>"),
                    };
                    let _ = writeln!(
                        self.items,
                        "{derive}\nstruct {te} {{\n    g: Vec<{row}>,\n}}"
                    );
                    back.push(format!("for (d, g) in d_{n}.iter_mut().zip({dm}.{n}_e[0].g.iter()) {{ d.copy_from_slice(&g[..]); }}"));
                    let (ty, lit) = (
                        format!("Vec<{te}>"),
                        format!("{n}_e: vec![{te} {{ g: {n}.to_vec() }}]"),
                    );
                    decls[m].push(format!("    {n}_e: {ty},"));
                    lits[m].push(lit);
                    // The element by a constant or by an expression of the length.
                    let at = if self.rng.chance(0.5) {
                        "0".to_string()
                    } else {
                        format!("{}.{n}_e.len() - 1", roots[m])
                    };
                    paths.push((n.clone(), format!("{}.{n}_e[{at}].g", roots[m]), true));
                    continue;
                }
                ParamKind::Rows { width, .. } => {
                    back.push(format!("for (d, g) in d_{n}.iter_mut().zip({dm}.{n}.iter()) {{ d.copy_from_slice(&g[..]); }}"));
                    match width {
                        Some(w) if fixed_rows.contains(n) => (
                            format!("[[{t}; {w}]; 3]"),
                            format!("{n}: {{ let mut r = [[0.5; {w}]; 3]; for (i, row) in {n}.iter().enumerate() {{ r[i] = *row; }} r }}"),
                        ),
                        Some(w) => (format!("Vec<[{t}; {w}]>"), format!("{n}: {n}.to_vec()")),
                        None => (format!("Vec<Vec<{t}>>"), format!("{n}: {n}.to_vec()")),
                    }
                }
                ParamKind::Usize => ("usize".into(), n.clone()),
                ParamKind::I32 => ("i32".into(), n.clone()),
                ParamKind::Bool => ("bool".into(), n.clone()),
            };
            decls[m].push(format!("    {n}: {ty},"));
            lits[m].push(lit);
            let seq = matches!(p.kind, ParamKind::Slice(..) | ParamKind::Rows { .. });
            let field = if sub.as_ref() == Some(n) { ".v" } else { "" };
            paths.push((n.clone(), format!("{}.{n}{field}", roots[m]), seq));
        }
        if let Some(init) = &q {
            if self.on("model:data_sizes") && self.rng.chance(0.5) {
                // The same integer as an entry of a `Vec<usize>` field (data without
                // `#[params(skip)]`, as layer sizes are), read where `q` is.
                decls[0].push("    qs: Vec<usize>,".into());
                lits[0].push(format!("qs: vec![2, ({init}) as usize, 1]"));
                paths.push(("q".into(), format!("({}.qs[1] as u32)", roots[0]), false));
            } else {
                decls[0].push("    q: u32,".into());
                lits[0].push(format!("q: {init}"));
                paths.push(("q".into(), format!("{}.q", roots[0]), false));
            }
        }
        let body = subst(body, &paths);
        let owner: Vec<(String, String)> = mv
            .iter()
            .map(|p| (p.name.clone(), roots[side_of(&p.name)].to_string()))
            .collect();
        let mark = self.items.len();
        let body = self.model_extras(&body, &owner, sub.as_deref(), &mv, &fixed_rows, generic);
        // The helpers `model_extras` wrote, sometimes written after the function that calls them.
        let extras = self.items.split_off(mark);
        let below = self.on("order:helpers_below") && self.rng.chance(0.3);
        if !below {
            self.items.push_str(&extras);
        }
        // Sometimes plain methods of a generic `impl<T>` (one with a `where` clause calling
        // another), read from the file, called on the concrete model.
        let t_field = mv
            .iter()
            .filter(|p| {
                side_of(&p.name) == 0 && p.name != "layers" && sub.as_ref() != Some(&p.name)
            })
            .find_map(|p| match p.kind {
                ParamKind::Scalar(..) => Some(format!("self.{}", p.name)),
                ParamKind::Slice(..) => Some(format!(
                    "self.{}.iter().fold(T::zero(), |a, &v| a + v * v)",
                    p.name
                )),
                _ => None,
            });
        let body = match t_field {
            // (Not around a body that returns: its value is the `return`'s there.)
            Some(read)
                if generic
                    && !body.contains("return")
                    && self.on("model:generic_impl_plain")
                    && self.rng.chance(0.5) =>
            {
                let _ = write!(
                    self.items,
                    "impl<T: grad::Real> {ta}<T> {{\n/// not annotated\nfn g_shift(&self) -> T {{\n    ({read}).tanh() * T::from(0.5).unwrap() + T::one()\n}}\n}}\nimpl<T> {ta}<T>\nwhere\n    T: grad::Real,\n{{\n/// not annotated\nfn g_scaled(&self, k: T) -> T {{\n    self.g_shift() * k\n}}\n}}\n"
                );
                let root = roots[0];
                format!(
                    "    let g_res: {FLT} = {{\n{body}    }};\n    g_res + {root}.g_scaled(0.25)\n"
                )
            }
            _ => body,
        };
        // Sometimes a float of the model that is no parameter (`#[params(skip)]`), read in
        // the loss: data, which no mode differentiates (directions made by `with_flat` keep
        // the model's own value there).
        let body =
            if !body.contains("return") && self.on("model:skip_field") && self.rng.chance(0.3) {
                let t = if generic { "T" } else { FLT };
                decls[0].push(format!("    #[params(skip)]\n    wk: {t},"));
                let v = fmt_float(self.value_in((0.5, 1.5)));
                lits[0].push(format!("wk: {v}"));
                let root = roots[0];
                format!(
                "    let sk_res: {FLT} = {{\n{body}    }};\n    sk_res * {root}.wk + {root}.wk\n"
            )
            } else {
                body
            };
        let gen_decl = if generic { "<T>" } else { "" };
        let _ = writeln!(
            self.items,
            "{derive}\nstruct {ta}{gen_decl} {{\n{}\n}}",
            decls[0].join("\n")
        );
        if two {
            let _ = writeln!(
                self.items,
                "{derive}\nstruct {tb} {{\n{}\n}}",
                decls[1].join("\n")
            );
        }
        // The core: the models first, then the parameters that stay.
        let stay: Vec<(&Param, &String)> = params
            .iter()
            .zip(sig)
            .filter(|(p, _)| !moved.contains(&p.name))
            .collect();
        let core = format!("{base}_core_{FLT}");
        let mut inputs: Vec<String> = vec![if method {
            "&self".to_string()
        } else {
            format!("ma: &{ta_use}")
        }];
        let mut wrt = vec![roots[0].to_string()];
        if two {
            inputs.push(format!("mb: &{tb}"));
            wrt.push("mb".into());
        }
        inputs.extend(stay.iter().map(|(_, s)| (*s).clone()));
        wrt.extend(
            stay.iter()
                .filter(|(p, _)| p.active)
                .map(|(p, _)| p.name.clone()),
        );
        // (A harness that adds `hvp` to every `#[gradient]` function but `NAME` unless one of
        // them takes a slice (`&[`) finds this line.)
        let _ = writeln!(
            self.items,
            "// #[gradient] on {core}: a function of models built from &[..] parameters."
        );
        let core_fn = format!(
            "#[gradient(wrt({}))]\nfn {core}({}) -> {FLT} {{\n{body}}}\n",
            wrt.join(", "),
            inputs.join(", ")
        );
        if method {
            let _ = write!(self.items, "impl {ta_use} {{\n{core_fn}}}\n");
        } else {
            self.items.push_str(&core_fn);
        }
        if below {
            self.items.push_str(&extras);
        }
        // The wrappers the harness calls (they are not `#[gradient]` functions: a harness that adds
        // options to the attribute nearest above `fn NAME(` finds this line).
        let _ = writeln!(
            self.items,
            "// #[gradient] is on {core}; NAME, NAME_grad and NAME_jvp wrap it."
        );
        let build = {
            let mut b = format!("    let ma = {ta} {{ {} }};\n", lits[0].join(", "));
            if two {
                let _ = writeln!(b, "    let mb = {tb} {{ {} }};", lits[1].join(", "));
            }
            b
        };
        let stay_names: Vec<String> = stay.iter().map(|(p, _)| p.name.clone()).collect();
        let models = if two { "&ma, &mb" } else { "&ma" };
        let call = |suffix: &str, extra: &[String]| {
            let mut args: Vec<String> = Vec::new();
            if method && two {
                args.push("&mb".into());
            } else if !method {
                args.push(models.to_string());
            }
            args.extend(stay_names.iter().cloned());
            args.extend(extra.iter().cloned());
            if method {
                format!("ma.{core}{suffix}({})", args.join(", "))
            } else {
                format!("{core}{suffix}({})", args.join(", "))
            }
        };
        let outer_sig: Vec<String> = sig
            .iter()
            .map(|s| s.trim_start_matches("mut ").to_string())
            .collect();
        let _ = write!(
            self.items,
            "fn {name}({}) -> {FLT} {{\n{build}    {}\n}}\n",
            outer_sig.join(", "),
            call("", &[])
        );
        // `NAME_grad`: a buffer per differentiated sequence, the scalars' derivatives returned.
        let mut gsig = outer_sig.clone();
        let mut extra = vec!["&mut d_ma".to_string()];
        if two {
            extra.push("&mut d_mb".into());
        }
        for p in params.iter().filter(|p| p.active) {
            let row = match p.kind {
                ParamKind::Slice(..) => FLT.to_string(),
                ParamKind::Rows {
                    width: Some(w),
                    tuple: true,
                    ..
                } => format!("({})", vec![FLT; w].join(", ")),
                ParamKind::Rows { width: Some(w), .. } => format!("[{FLT}; {w}]"),
                ParamKind::Rows { width: None, .. } => format!("Vec<{FLT}>"),
                _ => continue,
            };
            gsig.push(format!("d_{}: &mut Vec<{row}>", p.name));
            if !moved.contains(&p.name) {
                extra.push(format!("d_{}", p.name));
            }
        }
        let scalars: Vec<&Param> = params
            .iter()
            .filter(|p| p.active && matches!(p.kind, ParamKind::Scalar(..)))
            .collect();
        let core_scalars: Vec<String> = scalars
            .iter()
            .filter(|p| !moved.contains(&p.name))
            .enumerate()
            .map(|(k, _)| format!("c{k}"))
            .collect();
        let lhs = if core_scalars.is_empty() {
            "v".to_string()
        } else {
            format!("(v, [{}])", core_scalars.join(", "))
        };
        let mut cs = core_scalars.iter();
        let outs: Vec<String> = scalars
            .iter()
            .map(|p| {
                if moved.contains(&p.name) {
                    format!("{}.{}", ["d_ma", "d_mb"][side_of(&p.name)], p.name)
                } else {
                    cs.next().expect("one per scalar").clone()
                }
            })
            .collect();
        let (ret, value) = if scalars.is_empty() {
            (FLT.to_string(), "v".to_string())
        } else {
            (
                format!("({FLT}, [{FLT}; {}])", scalars.len()),
                format!("(v, [{}])", outs.join(", ")),
            )
        };
        let mut zeros = "    let mut d_ma = grad::runtime::Params::zeros_like(&ma);\n".to_string();
        if two {
            zeros.push_str("    let mut d_mb = grad::runtime::Params::zeros_like(&mb);\n");
        }
        let _ = write!(
            self.items,
            "fn {name}_grad({}) -> {ret} {{\n{build}{zeros}    let {lhs} = {};\n    {}\n    {value}\n}}\n",
            gsig.join(", "),
            call("_grad", &extra),
            back.join("\n    ")
        );
        // `NAME_jvp(args.., tangents..)`: the gradient's dot product with the tangents (a slice,
        // rows of the parameter's type), for a harness that checks forward mode too.
        let mut jsig = outer_sig;
        let mut bufs = String::new();
        let mut gargs: Vec<String> = params.iter().map(|p| p.name.clone()).collect();
        let mut dot = String::new();
        for p in params.iter().filter(|p| p.active) {
            let n = &p.name;
            match p.kind {
                ParamKind::Scalar(..) => jsig.push(format!("t_{n}: {FLT}")),
                ParamKind::Slice(..) => {
                    jsig.push(format!("t_{n}: &[{FLT}]"));
                    let _ = writeln!(bufs, "    let mut d_{n} = vec![0.0; {n}.len()];");
                    gargs.push(format!("&mut d_{n}"));
                    let _ = writeln!(
                        dot,
                        "    for (a, b) in d_{n}.iter().zip(t_{n}) {{ t += a * b; }}"
                    );
                }
                ParamKind::Rows { width, tuple, .. } => {
                    let (row, zero) = match (width, tuple) {
                        (Some(w), true) => (
                            format!("({})", vec![FLT; w].join(", ")),
                            format!("vec![({}); {n}.len()]", vec!["0.0"; w].join(", ")),
                        ),
                        (Some(w), false) => (
                            format!("[{FLT}; {w}]"),
                            format!("vec![[0.0; {w}]; {n}.len()]"),
                        ),
                        (None, _) => (
                            format!("Vec<{FLT}>"),
                            format!("{n}.iter().map(|r| vec![0.0; r.len()]).collect()"),
                        ),
                    };
                    jsig.push(format!("t_{n}: &Vec<{row}>"));
                    let _ = writeln!(bufs, "    let mut d_{n}: Vec<{row}> = {zero};");
                    gargs.push(format!("&mut d_{n}"));
                    let body = match (width, tuple) {
                        (Some(w), true) => {
                            let terms: Vec<String> =
                                (0..w).map(|k| format!("a.{k} * b.{k}")).collect();
                            format!("t += {};", terms.join(" + "))
                        }
                        _ => "for (x, y) in a.iter().zip(b.iter()) { t += x * y; }".to_string(),
                    };
                    let _ = writeln!(
                        dot,
                        "    for (a, b) in d_{n}.iter().zip(t_{n}.iter()) {{ {body} }}"
                    );
                }
                _ => {}
            }
        }
        let (glhs, sdot) = if scalars.is_empty() {
            ("v".to_string(), String::new())
        } else {
            let gs: Vec<String> = (0..scalars.len()).map(|k| format!("g{k}")).collect();
            let terms: Vec<String> = scalars
                .iter()
                .enumerate()
                .map(|(k, p)| format!("    t += g{k} * t_{};\n", p.name))
                .collect();
            (format!("(v, [{}])", gs.join(", ")), terms.concat())
        };
        let _ = write!(
            self.items,
            "fn {name}_jvp({}) -> ({FLT}, {FLT}) {{\n{bufs}    let {glhs} = {name}_grad({});\n    let mut t: {FLT} = 0.0;\n{sdot}{dot}    (v, t)\n}}\n",
            jsig.join(", "),
            gargs.join(", ")
        );
    }

    /// Statements and terms of the result that read the first model (`root`) as a whole or by
    /// parts, the forms a model's loss takes beyond reading its fields: the sub-struct field
    /// `sub` passed to a free `#[gradient]` function, to its own method, to a vector-valued
    /// function, taken apart by a struct pattern or named by `let _ = ..;`; the layers composed
    /// without naming the inner output (`l.sum_vc(&k.mix_vc(a))`) or given to a vector-valued free
    /// function; an array field copied whole (`let mut h = m.h0;`) or by row, then written, or
    /// a row passed by value to a `[T; W]` helper (by index, typed copy, `*row`). The
    /// helpers are written to the items above the function, as a user defines them.
    fn model_extras(
        &mut self,
        body: &str,
        owner: &[(String, String)],
        sub: Option<&str>,
        mv: &[&Param],
        fixed_rows: &[String],
        generic: bool,
    ) -> String {
        let base = self.base.clone();
        let (bound, t) = if generic {
            ("<T: grad::Real>", "T")
        } else {
            ("", FLT)
        };
        let g = if generic { "<T>" } else { "" };
        let mut pre: Vec<String> = Vec::new();
        let mut terms: Vec<String> = Vec::new();
        // The model that holds each field (`ma`/`self` or `mb`).
        let root_of = |n: &str| {
            owner
                .iter()
                .find(|o| o.0 == n)
                .map_or("ma".to_string(), |o| o.1.clone())
        };
        if let Some(n) = sub {
            let root = root_of(n);
            let ts = format!("S{base}_{FLT}");
            let _ = writeln!(
                self.items,
                "#[derive(Clone, grad::Params)]\n#[allow(non_camel_case_types, dead_code)]\nstruct {ts}{g} {{\n    v: Vec<{t}>,\n}}"
            );
            let forms: Vec<usize> = (0..5).filter(|_| self.rng.chance(0.5)).collect();
            let forms = if forms.is_empty() {
                vec![self.rng.below(5)]
            } else {
                forms
            };
            for form in forms {
                match form {
                    0 => {
                        let f = format!("{base}_sf_{FLT}");
                        let item = format!(
                            "#[gradient(wrt(s))]\npub fn {f}{bound}(s: &{ts}{g}, a: {t}) -> {t} {{\n    (s.v[0] * a).tanh() + s.v[s.v.len() - 1] * s.v[0]\n}}"
                        );
                        // Or in a module of its own, called by its path.
                        let path = if self.on("call:module_path") && self.rng.chance(0.5) {
                            let m = format!("{base}_mod_{FLT}");
                            let _ = writeln!(
                                self.items,
                                "#[allow(non_snake_case)]\nmod {m} {{\n    #[allow(unused_imports)]\n    use super::*;\n{item}}}"
                            );
                            format!("{m}::{f}")
                        } else {
                            let _ = writeln!(self.items, "{item}");
                            f
                        };
                        terms.push(format!("{path}(&{root}.{n}, 0.5) * 0.1"));
                    }
                    1 => {
                        let _ = writeln!(
                            self.items,
                            "impl{bound} {ts}{g} {{\n    #[gradient]\n    fn sm(&self, a: {t}) -> {t} {{\n        (self.v[self.v.len() - 1] * a).sin() + self.v[0]\n    }}\n}}"
                        );
                        terms.push(format!("{root}.{n}.sm(0.3) * 0.1"));
                    }
                    2 => {
                        let dv = self.fresh("dv");
                        pre.push(format!("let {ts} {{ v: {dv} }} = &{root}.{n};"));
                        terms.push(format!("{dv}[0] * {dv}[{dv}.len() - 1] * 0.1"));
                    }
                    3 => {
                        let f = format!("{base}_sv_{FLT}");
                        let o = self.fresh("so");
                        let _ = writeln!(
                            self.items,
                            "#[gradient(wrt(s))]\nfn {f}{bound}(s: &{ts}{g}, a: {t}) -> Vec<{t}> {{\n    vec![s.v[0] * a, s.v[s.v.len() - 1].tanh()]\n}}"
                        );
                        pre.push(format!("let {o} = {f}(&{root}.{n}, 0.7);"));
                        terms.push(format!("{o}[0] * {o}[1] * 0.1"));
                    }
                    _ => pre.push(format!("let _ = {root}.{n};")),
                }
            }
        }
        let layers = mv.iter().any(|p| p.name == "layers");
        if layers && self.on("layers:composed") && self.rng.chance(0.4) {
            let root = root_of("layers");
            let tl = format!("L{base}_{FLT}");
            // The layers' generic parameter follows the model's (see `rich_model`).
            let lg = generic && !self.concrete_fields();
            let (lbound, lt, lgt) = if lg {
                ("<T: grad::Real>", "T", "<T>")
            } else {
                ("", FLT, "")
            };
            if self.rng.chance(0.6) {
                let _ = writeln!(
                    self.items,
                    "impl{lbound} {tl}{lgt} {{\n    #[gradient]\n    fn mix_vc(&self, a: {lt}) -> Vec<{lt}> {{\n        vec![(self.b * a).tanh(), self.w[0] * a]\n    }}\n    #[gradient]\n    fn sum_vc(&self, v: &[{lt}]) -> {lt} {{\n        (v[0] * self.b).tanh() + v[1] * self.w[self.w.len() - 1]\n    }}\n}}"
                );
                terms.push(format!(
                    "{root}.layers[0].sum_vc(&{root}.layers[{root}.layers.len() - 1].mix_vc(0.5)) * 0.1"
                ));
            } else {
                let f = format!("{base}_lv_{FLT}");
                let o = self.fresh("lo");
                let _ = writeln!(
                    self.items,
                    "#[gradient(wrt(l))]\nfn {f}{lbound}(l: &{tl}{lgt}, a: {lt}) -> Vec<{lt}> {{\n    vec![l.b * a, l.w[0].tanh()]\n}}"
                );
                pre.push(format!("let {o} = {f}(&{root}.layers[0], 0.4);"));
                terms.push(format!("{o}[0] * {o}[1] * 0.1"));
            }
        }
        for n in fixed_rows {
            let Some(w) = mv.iter().find(|p| &p.name == n).and_then(|p| match p.kind {
                ParamKind::Rows { width, .. } => width,
                _ => None,
            }) else {
                continue;
            };
            let root = root_of(n);
            if self.on("model:array_by_value") && self.rng.chance(0.3) {
                // A row passed by value to a `[T; W]` helper: by index, typed copy, `*row`.
                let h = format!("{base}_ab_{FLT}");
                let _ = writeln!(
                    self.items,
                    "#[gradient]\nfn {h}{bound}(a: [{t}; {w}]) -> {t} {{\n    (a[0] * a[{w} - 1]).tanh() + a[0]\n}}"
                );
                // (The body's float type is not `T` in a concrete impl of a generic model.)
                let form = if generic {
                    *self.rng.pick(&[0, 3])
                } else {
                    self.rng.below(4)
                };
                match form {
                    0 => terms.push(format!("{h}({root}.{n}[1]) * 0.1")),
                    1 => {
                        let p = self.fresh("ap");
                        pre.push(format!("let {p}: [{t}; {w}] = {root}.{n}[0];"));
                        terms.push(format!("{h}({p}) * 0.1"));
                    }
                    2 => terms.push(format!(
                        "{root}.{n}.iter().map(|r| {h}(*r)).sum::<{t}>() * 0.1"
                    )),
                    _ => {
                        // By reference, to a helper taking `&[T; W]`.
                        let hr = format!("{base}_abr_{FLT}");
                        let _ = writeln!(
                            self.items,
                            "#[gradient]\nfn {hr}{bound}(a: &[{t}; {w}]) -> {t} {{\n    (a[0] * a[{w} - 1]).tanh() + a[0]\n}}"
                        );
                        terms.push(format!("{hr}(&{root}.{n}[0]) * 0.1"));
                    }
                }
            }
            if self.on("model:rows_zip_mut") && self.rng.chance(0.25) {
                // A buffer written element by element beside the rows (the buffer first).
                let (o, ov, row) = (self.fresh("ob"), self.fresh("ov"), self.fresh("rw"));
                pre.push(format!("let mut {o} = vec![0.25; {root}.{n}.len()];"));
                pre.push(format!(
                    "for ({ov}, {row}) in {o}.iter_mut().zip(&{root}.{n}) {{ *{ov} += {row}[0] * 0.5 - {row}[{}]; }}",
                    w - 1
                ));
                terms.push(format!("{o}[0] * 0.1"));
            }
            if !self.on("model:array_copy") || !self.rng.chance(0.4) {
                continue;
            }
            let h = self.fresh("h");
            if self.on("model:matrix_copy") && self.rng.chance(0.5) {
                pre.push(format!("let mut {h} = {root}.{n};"));
                pre.push(format!("{h}[1][0] = {h}[0][0] * 0.5 + {h}[2][{}];", w - 1));
                terms.push(format!("({h}[1][0] + {h}[2][0]) * 0.1"));
            } else {
                pre.push(format!("let mut {h} = {root}.{n}[2];"));
                pre.push(format!("{h}[0] *= {h}[{}];", w - 1));
                terms.push(format!("{h}[0] * 0.1"));
            }
        }
        if terms.is_empty() && pre.is_empty() {
            return body.to_string();
        }
        with_tail(body, &pre, &terms)
    }

    /// Moves some parameters into a struct deriving `Params` (differentiated scalars and slices,
    /// integers and flags as data) and writes the function over it: `fn f(model: &M, ..)` with
    /// `wrt(model, ..)`, or a method `fn f(&self, ..)` of `impl M`. The body reads the fields
    /// where it read the parameters. `None` (nothing written) when no parameter can move.
    fn model(
        &mut self,
        params: &mut [Param],
        sig: &mut Vec<String>,
        body: &mut String,
        fixed: &[String],
        name: &str,
    ) -> Option<Model> {
        if self.searched {
            return None;
        }
        let mut moved: Vec<usize> = Vec::new();
        for (j, p) in params.iter().enumerate() {
            let eligible = match p.kind {
                ParamKind::Scalar(..) | ParamKind::Slice(..) => {
                    p.active && !p.by_ref && !fixed.contains(&p.name)
                }
                ParamKind::Usize | ParamKind::I32 | ParamKind::Bool => {
                    self.on("param:model:data") && self.rng.chance(0.5)
                }
                ParamKind::Rows { .. } | ParamKind::Gen => false,
            };
            // A format string that captures the name could not name a field, and a name the
            // body declares again (`let x0 = x0 * 0.5;`) is a local from there on.
            let n = &p.name;
            let captured = body.contains(&format!("{{{n}}}"))
                || body.contains(&format!("{{{n}:"))
                || body.contains(&format!("let {n} "))
                || body.contains(&format!("let {n}:"))
                || body.contains(&format!("let mut {n} "))
                || body.contains(&format!("let mut {n}:"))
                || body.contains(&format!("|{n}|"))
                || body.contains(&format!("for {n} "));
            if eligible && !captured && (self.rng.chance(0.7) || moved.is_empty()) {
                moved.push(j);
            }
        }
        if !moved.iter().any(|&j| params[j].active) {
            return None;
        }
        let method = self.rng.chance(0.5) && self.on("param:model:method");
        // Sometimes the fields sit one struct deeper: `model.inner.x0`.
        let nested = self.rng.chance(0.3) && self.on("param:model:nested");
        let root = match (method, nested) {
            (true, false) => "self",
            (true, true) => "self.inner",
            (false, false) => "model",
            (false, true) => "model.inner",
        };
        let fields: Vec<(String, bool)> = moved
            .iter()
            .map(|&j| {
                (
                    params[j].name.clone(),
                    matches!(params[j].kind, ParamKind::Slice(..)),
                )
            })
            .collect();
        // Sometimes, with the fields one struct deeper, the body is a method of that struct,
        // called on the field by the function under test (`model.inner.body(..)`), returning
        // the value or a vector of two (then read by index).
        let rows_param = params
            .iter()
            .any(|p| matches!(p.kind, ParamKind::Rows { .. }));
        // (A generator is not lent on to a `#[gradient]` call: see `draw_stmt`.)
        let lends_gen = params.iter().any(|p| matches!(p.kind, ParamKind::Gen));
        let field_method = nested
            && !rows_param
            && !lends_gen
            && self.on("param:model:field_method")
            && self.rng.chance(0.5);
        let vector_method = field_method && !body.contains("return") && self.rng.chance(0.5);
        *body = fields_of(body, &fields, if field_method { "self" } else { root });
        let ty = format!("M{}_{FLT}", self.base);
        let mut decl = Vec::new();
        for &j in &moved {
            params[j].in_model = true;
            let t = match params[j].kind {
                ParamKind::Scalar(..) => FLT.to_string(),
                ParamKind::Slice(..) => format!("Vec<{FLT}>"),
                ParamKind::Usize => "usize".into(),
                ParamKind::I32 => "i32".into(),
                _ => "bool".into(),
            };
            decl.push(format!("    {}: {t},", params[j].name));
        }
        let rest: Vec<String> = sig
            .iter()
            .zip(params.iter())
            .filter(|(_, p)| !p.in_model)
            .map(|(s, _)| s.clone())
            .collect();
        let others: Vec<String> = params
            .iter()
            .filter(|p| p.active && !p.in_model)
            .map(|p| p.name.clone())
            .collect();
        let wrt = std::iter::once(if method { "self" } else { "model" }.to_string())
            .chain(others)
            .collect::<Vec<_>>()
            .join(", ");
        if nested {
            let inner_ty = format!("MI{}_{FLT}", self.base);
            let _ = writeln!(
                self.items,
                "#[derive(Clone, grad::Params)]\n#[allow(non_camel_case_types, dead_code)]\nstruct {inner_ty} {{\n{}\n}}\n#[derive(Clone, grad::Params)]\n#[allow(non_camel_case_types, dead_code)]\nstruct {ty} {{\n    inner: {inner_ty},\n}}",
                decl.join("\n")
            );
        } else {
            let _ = writeln!(
                self.items,
                "#[derive(Clone, grad::Params)]\n#[allow(non_camel_case_types, dead_code)]\nstruct {ty} {{\n{}\n}}",
                decl.join("\n")
            );
        }
        let attr = format!("#[gradient(wrt({wrt}))]");
        // Sometimes the body is a function of its own, called with the whole model by the
        // function under test (`inner(model, ..)`, `self.inner(..)`), twice, beside a field read.
        // (Rows are not passed whole to another function: a limit of the macro.)
        let rows = params
            .iter()
            .any(|p| !p.in_model && matches!(p.kind, ParamKind::Rows { .. }));
        // (Not around a call of a method of data given one of the parameters: the function
        // called with the whole model takes such a parameter as data, README "Models as
        // structs", so the caller could not differentiate it.)
        let data_method = body.contains(".score(") || body.contains(".lift(");
        let call = field_method
            || (!rows
                && !data_method
                && !lends_gen
                && self.rng.chance(0.35)
                && self.on("param:model:call"));
        let inner = if call && vector_method {
            // `_vh`: a vector-valued helper, whose callers forward mode does not follow yet.
            format!("{}_body_vh_{FLT}", self.base)
        } else if call {
            format!("{}_body_{FLT}", self.base)
        } else {
            name.to_string()
        };
        let rest_names: Vec<String> = rest
            .iter()
            .map(|r| {
                r.split(':')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_start_matches("mut ")
                    .to_string()
            })
            .collect();
        let field = params
            .iter()
            .find(|p| p.in_model && p.active && matches!(p.kind, ParamKind::Scalar(..)))
            .map(|p| p.name.clone());
        // Sometimes the body called with the whole model hands one of its data parameters, as
        // it is, to a helper whose `wrt` leaves it out (`mse(&pred, y)` with `wrt(pred)`).
        // (Not around a body that returns: a `return` inside a block whose value is used is
        // not supported, README.)
        let pass =
            (call && !field_method && !body.contains("return") && self.on("param:model:pass_data"))
                .then(|| {
                    let data: Vec<&Param> = params
                        .iter()
                        .filter(|p| {
                            let n = &p.name;
                            !p.in_model
                                && !p.active
                                && !p.by_ref
                                && matches!(p.kind, ParamKind::Scalar(..) | ParamKind::Slice(..))
                                && !body.contains(&format!("let {n} "))
                                && !body.contains(&format!("let {n}:"))
                                && !body.contains(&format!("let mut {n} "))
                                && !body.contains(&format!("let mut {n}:"))
                                && !body.contains(&format!("|{n}|"))
                                && !body.contains(&format!("for {n} "))
                                // A parameter the body assigns may take a differentiated
                                // value (`x0 *= tanh(w[0])`): no longer data.
                                && !["=", "+=", "-=", "*=", "/="]
                                    .iter()
                                    .any(|op| body.contains(&format!("{n} {op}")))
                                // Nor one written through a reference (`let r = &mut x1; *r +=
                                // ..`, seed 77001's g56).
                                && !body.contains(&format!("&mut {n}"))
                        })
                        .collect();
                    let p = data.get(self.rng.below(data.len().max(1)))?;
                    let f = field.clone()?;
                    self.rng
                        .chance(0.9)
                        .then(|| (p.name.clone(), matches!(p.kind, ParamKind::Slice(..)), f))
                })
                .flatten();
        if let Some((data, slice, f)) = pass {
            let helper = format!("{}_pass_{FLT}", self.base);
            let (ty, read) = if slice {
                (
                    format!("&[{FLT}]"),
                    format!("s.iter().map(|v| v.sin()).sum::<{FLT}>()"),
                )
            } else {
                (FLT.to_string(), "s.sin()".to_string())
            };
            let _ = writeln!(
                self.items,
                "#[gradient(wrt(a))]\nfn {helper}(a: {FLT}, s: {ty}) -> {FLT} {{\n    a * (0.5 + 0.125 * {read})\n}}"
            );
            let fld = format!("{root}.{f}");
            *body = format!(
                "    let pass_r: {FLT} = {{\n{body}    }};\n    pass_r + {helper}({fld}, {data})\n"
            );
        }
        let args = rest_names.join(", ");
        // The caller's own parameters are never assigned.
        let outer_rest: Vec<String> = rest
            .iter()
            .map(|r| r.trim_start_matches("mut ").to_string())
            .collect();
        if field_method {
            let inner_ty = format!("MI{}_{FLT}", self.base);
            let inner_wrt = wrt.replacen(if method { "self" } else { "model" }, "self", 1);
            let inputs = std::iter::once("&self".to_string())
                .chain(rest)
                .collect::<Vec<_>>();
            let (ret, inner_body) = if vector_method {
                (
                    format!("Vec<{FLT}>"),
                    format!(
                        "    let r: {FLT} = {{
{body}    }};
    vec![r, r * 0.5 + 0.25]
"
                    ),
                )
            } else {
                (FLT.to_string(), body.clone())
            };
            let _ = write!(
                self.items,
                "impl {inner_ty} {{
#[gradient(wrt({inner_wrt}))]
fn {inner}({}) -> {ret} {{
{inner_body}}}
}}
",
                inputs.join(", ")
            );
            let recv = if method { "self.inner" } else { "model.inner" };
            let read = field.map_or(String::new(), |f| format!(" + {root}.{f}"));
            let value = if vector_method {
                format!(
                    "    let hv = {recv}.{inner}({args});
    hv[0] * 0.75 + hv[1]{read}
"
                )
            } else {
                format!(
                    "    {recv}.{inner}({args}) * 0.75{read}
"
                )
            };
            let (head, outer) = if method {
                ("&self".to_string(), "impl")
            } else {
                (format!("model: &{ty}"), "")
            };
            let outer_inputs = std::iter::once(head).chain(outer_rest).collect::<Vec<_>>();
            let f = format!(
                "{attr}\nfn {name}({}) -> {FLT} {{\n{value}}}\n",
                outer_inputs.join(", ")
            );
            if outer == "impl" {
                let _ = write!(self.items, "impl {ty} {{\n{f}}}\n");
            } else {
                let _ = write!(self.items, "{f}");
            }
        } else if method {
            let inputs = std::iter::once("&self".to_string())
                .chain(rest)
                .collect::<Vec<_>>();
            // Sometimes the method called is a plain one (`self.inner(..)` of a method without
            // `#[gradient]`), which the macro reads from the file.
            let inner_attr = if call && self.on("model:plain_method") && self.rng.chance(0.3) {
                "/// not annotated"
            } else {
                attr.as_str()
            };
            let plain = inner_attr.starts_with("///");
            let mut items = format!(
                "{inner_attr}\nfn {inner}({}) -> {FLT} {{\n{body}}}\n",
                inputs.join(", ")
            );
            // A plain method of a trait the model implements (a default method could not read
            // the fields).
            if plain && self.on("model:trait_method") && self.rng.chance(0.5) {
                let tr = format!("{ty}Tr");
                // (No patterns in a declaration: `mut x0` is `x0` there.)
                let names: Vec<String> = inputs
                    .iter()
                    .map(|i| i.strip_prefix("mut ").unwrap_or(i).to_string())
                    .collect();
                let decl = format!("fn {inner}({}) -> {FLT}", names.join(", "));
                let _ = write!(
                    self.items,
                    "trait {tr} {{\n{decl};\n}}\nimpl {tr} for {ty} {{\n{items}}}\n"
                );
                items = String::new();
            }
            if call {
                let read = field.map_or(String::new(), |f| format!(" + {root}.{f}"));
                let sep = if args.is_empty() { "" } else { ", " };
                let outer = std::iter::once("&self".to_string())
                    .chain(outer_rest)
                    .collect::<Vec<_>>();
                // Sometimes through an associated function of the impl without `#[gradient]`
                // (`Self::act(z)`, an activation kept beside the model).
                let first = if self.on("model:assoc_fn") && self.rng.chance(0.3) {
                    let _ = write!(
                        items,
                        "/// not annotated\nfn {inner}_act(z: {FLT}) -> {FLT} {{\n    {FLT}::tanh(z) * 0.5 + z * 0.25\n}}\n"
                    );
                    format!("Self::{inner}_act(self.{inner}({args}))")
                } else {
                    format!("self.{inner}({args})")
                };
                let _ = write!(
                    items,
                    "{attr}\nfn {name}({}) -> {FLT} {{\n    {first} * 0.75 + Self::{inner}(self{sep}{args}){read}\n}}\n",
                    outer.join(", ")
                );
            }
            let _ = write!(self.items, "impl {ty} {{\n{items}}}\n");
        } else {
            // Sometimes the model is taken by value (`model: M`, as Enzyme's tests pass
            // structs), by the function under test or by the one it calls, handed over as
            // `model.clone()`, `(*model).clone()`, `Clone::clone(model)`.
            // (Not where the body lends the model to a closure handed to a helper taking
            // closures: that helper's specialization takes the model as the user's function
            // does, by value, and moves it; a limit of the macro, see the README.)
            let lends = self.items.contains("CF: Fn(") || self.items.contains("<CF>(");
            let by_value = !lends && self.on("param:model:by_value") && self.rng.chance(0.25);
            let inner_by_value =
                !lends && call && self.on("param:model:by_value") && self.rng.chance(0.3);
            let taken = |v: bool| if v { ty.clone() } else { format!("&{ty}") };
            let inner_takes = if call { inner_by_value } else { by_value };
            let inputs = std::iter::once(format!("model: {}", taken(inner_takes)))
                .chain(rest)
                .collect::<Vec<_>>();
            // Sometimes the model is read under another name (`let mdl = model;`).
            let body = if self.on("param:model:alias") && self.rng.chance(0.3) {
                let init = if inner_takes {
                    "&model".to_string()
                } else {
                    (*self.rng.pick(&["model", "&*model", "(model)"])).to_string()
                };
                let typed = if self.rng.chance(0.5) {
                    format!(": &{ty}")
                } else {
                    String::new()
                };
                format!(
                    "    let mdl{typed} = {init};\n{}",
                    body.replace("model.", "mdl.")
                )
            } else {
                body.clone()
            };
            let _ = write!(
                self.items,
                "{attr}\nfn {inner}({}) -> {FLT} {{\n{body}}}\n",
                inputs.join(", ")
            );
            if call {
                let read = field.map_or(String::new(), |f| format!(" * {root}.{f}"));
                let sep = if args.is_empty() { "" } else { ", " };
                let outer = std::iter::once(format!("model: {}", taken(by_value)))
                    .chain(outer_rest)
                    .collect::<Vec<_>>();
                let (a, b) = match (by_value, inner_by_value) {
                    (false, false) => ("model", "&model"),
                    (true, false) => ("&model", "&model"),
                    (true, true) => ("model.clone()", "model.clone()"),
                    (false, true) => (
                        "model.clone()",
                        *self.rng.pick(&[
                            "(*model).clone()",
                            "Clone::clone(model)",
                            "model.clone()",
                        ]),
                    ),
                };
                let _ = write!(
                    self.items,
                    "{attr}\nfn {name}({}) -> {FLT} {{\n    {inner}({a}{sep}{args}) + 0.5 * {inner}({b}{sep}{args}){read}\n}}\n",
                    outer.join(", ")
                );
            }
            *sig = Vec::new();
            return Some(Model {
                ty,
                method,
                nested,
                by_value,
            });
        }
        *sig = Vec::new();
        Some(Model {
            ty,
            method,
            nested,
            by_value: false,
        })
    }
}

fn fmt_float(v: f64) -> String {
    let s = format!("{v:?}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

/// `s` as an operand of a binary operator or a method receiver.
/// `text` with the identifier `from` (a whole word) read as `to`.
fn rename_word(text: &str, from: &str, to: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        out.push_str(if word == from { to } else { &word });
        word.clear();
        out.push(c);
    }
    out.pop();
    out
}

fn paren(s: &str) -> String {
    let simple = s
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        || (s.starts_with('(') && s.ends_with(')') && balanced_outer(s));
    if simple {
        s.to_string()
    } else {
        format!("({s})")
    }
}

/// `s` as a method receiver: a suffixed literal stays bare sometimes (`2.0_f64.sqrt()`).
fn paren_recv(s: &str) -> String {
    paren(s)
}

/// The outer parentheses of `s` enclose all of it.
fn balanced_outer(s: &str) -> bool {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i + 1 < s.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

/// `s` without parentheses and blanks, to compare expressions that only differ by them.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '(' | ')' | ' '))
        .collect()
}

/// `s` is a float literal, maybe negated and parenthesized (`(-1.5_f64)`).
fn is_literal(s: &str) -> bool {
    let t = s.trim_start_matches(['(', '-']).trim_end_matches(')');
    t.starts_with(|c: char| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '_')
}

/// A name that stands for a path until the text around it is done (`lw3` for `layer.w`, `lb3`
/// for `layer.b`): never bound again.
fn is_placeholder(name: &str) -> bool {
    (name.starts_with("lw") || name.starts_with("lb"))
        && name[2..].chars().all(|c| c.is_ascii_digit())
        && name.len() > 2
}

fn join_all(first: &str, rest: &[String]) -> String {
    let mut v = vec![first.to_string()];
    v.extend(rest.iter().cloned());
    v.join(", ")
}

/// The body with each moved parameter read as a field of `root`: `x0` → `root.x0`; a slice
/// `xs` → `root.xs` where it is indexed, called or borrowed, `&root.xs` where it is passed on.
/// Identifiers after a `.` (fields, methods) and text in string literals stay.
fn fields_of(body: &str, fields: &[(String, bool)], root: &str) -> String {
    let paths: Vec<(String, String, bool)> = fields
        .iter()
        .map(|(n, seq)| (n.clone(), format!("{root}.{n}"), *seq))
        .collect();
    subst(body, &paths)
}

/// The body with each name of `names` replaced by its path (`(name, path, seq)`): a sequence
/// `xs` → `path` where it is indexed, called or borrowed, `&path` where it is passed on, `&path[..]`
/// before a `{` (a `match` or a `for` over it). Identifiers after a `.` (fields, methods) and text
/// in string literals stay.
/// `body` (statements, then its result on the last line, as `E` or `return E;`) with the
/// statements `pre` before the result and `terms` added to it.
fn with_tail(body: &str, pre: &[String], terms: &[String]) -> String {
    let trimmed = body.trim_end_matches('\n');
    let (head, last) = trimmed.rsplit_once('\n').unwrap_or(("", trimmed));
    let last = last.trim();
    let (ret, e) = match last.strip_prefix("return ") {
        Some(r) => (true, r.trim_end_matches(';')),
        None => (false, last),
    };
    let mut out = String::new();
    if !head.is_empty() {
        out.push_str(head);
        out.push('\n');
    }
    for p in pre {
        let _ = writeln!(out, "    {p}");
    }
    let mut e = format!("({e})");
    for t in terms {
        e = format!("{e} + {t}");
    }
    if ret {
        let _ = writeln!(out, "    return {e};");
    } else {
        let _ = writeln!(out, "    {e}");
    }
    out
}

/// Whether every read of the rows `n` in `body` is one the macro follows for rows of the
/// elements of a `Vec` of structs: by index (not a part, `n[a..]`), `n.len()`, row by row in a
/// `for` or a `map`/`fold`/`for_each` (after `enumerate`, `zip`, `rev`, `skip`, `take`,
/// `step_by`); not handed whole to a function, flattened or copied.
fn rows_reads_followed(body: &str, n: &str) -> bool {
    const FOLLOWED: &[&str] = &[
        ".len()",
        ".is_empty()",
        ".iter().map(",
        ".iter().enumerate()",
        ".iter().zip(",
        ".iter().rev()",
        ".iter().skip(",
        ".iter().take(",
        ".iter().step_by(",
        ".iter().fold(",
        ".iter().for_each(",
        ".iter() {",
    ];
    let bytes = body.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut at = 0;
    while let Some(k) = body[at..].find(n) {
        let (s, e) = (at + k, at + k + n.len());
        at = e;
        if (s > 0 && (word(bytes[s - 1]) || bytes[s - 1] == b'.'))
            || (e < bytes.len() && word(bytes[e]))
        {
            continue;
        }
        let rest = &body[e..];
        let ok = if rest.starts_with('[') {
            // An index, not a part.
            rest.find(']').is_some_and(|c| !rest[..c].contains(".."))
        } else if rest.starts_with(" {") {
            // A `for` over the rows (not a `match` on them).
            let before = body[..s].trim_end();
            before.ends_with(" in") || before.ends_with(" in &")
        } else {
            FOLLOWED.iter().any(|f| rest.starts_with(f))
        };
        if !ok {
            return false;
        }
    }
    true
}

fn subst(body: &str, names: &[(String, String, bool)]) -> String {
    let chars: Vec<char> = body.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let prev_non_space = |out: &str| out.chars().rev().find(|c| !c.is_whitespace());
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            // A string literal, copied as it is.
            out.push(c);
            i += 1;
            while i < chars.len() {
                out.push(chars[i]);
                if chars[i] == '\\' && i + 1 < chars.len() {
                    out.push(chars[i + 1]);
                    i += 2;
                    continue;
                }
                i += 1;
                if chars[i - 1] == '"' {
                    break;
                }
            }
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            // `a.x0` is a field; `0..x0` is a range.
            let tail: Vec<char> = out
                .chars()
                .rev()
                .filter(|c| !c.is_whitespace())
                .take(2)
                .collect();
            let after_dot = tail.first() == Some(&'.') && tail.get(1) != Some(&'.');
            let is_label = start > 0 && chars[start - 1] == '\'';
            let field = names.iter().find(|(n, _, _)| *n == word);
            match field {
                Some((_, path, seq)) if !after_dot && !is_label && !c.is_ascii_digit() => {
                    let next = chars[i..].iter().find(|c| !c.is_whitespace()).copied();
                    let borrowed = prev_non_space(&out) == Some('&');
                    if *seq && !borrowed && next == Some('{') {
                        // `match &m.xs {[a, ..] => ..}` needs a slice, not a `&Vec`.
                        let _ = write!(out, "&{path}[..]");
                    } else if *seq && !borrowed && !matches!(next, Some('[' | '.')) {
                        let _ = write!(out, "&{path}");
                    } else {
                        out.push_str(path);
                    }
                }
                _ => out.push_str(&word),
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}
