//! The matrix: every float method of the rule table × every form of call (`x.m(a)`,
//! `FLT::m(x, a)`, `<FLT>::m(x, a)`) × every kind of receiver and of argument (parameter, local,
//! unsuffixed and suffixed literal, `const`, expression, slice element), one function per cell,
//! each compiled in `f32` and in `f64` and checked like a generated case.
//!
//! A cell varies one operand at a time: the receiver's kind with every argument a parameter, then
//! each argument's kind with the receiver a parameter. Its name is the construct name of the
//! generator (`recv:method:lit_sfx:sqrt`), so [`crate::gen::PENDING`] switches cells off too.

use crate::gen::{Case, Float, Param, ParamKind, Value, FLT, METHODS};
use crate::rng::Rng;

/// The kinds of operand.
pub const KINDS: &[&str] = &["param", "local", "lit", "lit_sfx", "const", "expr", "elem"];
/// The forms of call.
pub const FORMS: &[&str] = &["method", "path", "qpath"];

/// One cell: its construct names and its case.
pub struct Cell {
    /// Construct names (all must be on for the cell to run).
    pub keys: Vec<String>,
    /// The case (float `F32`: the unit checks the f32 function and its f64 twin).
    pub case: Case,
}

/// A finite range inside a domain, where parameters are drawn.
fn range_in(d: (f64, f64)) -> (f64, f64) {
    let lo = if d.0.is_finite() {
        d.0 + 0.2 * (d.1.min(d.0 + 3.0) - d.0)
    } else {
        d.1.min(2.0) - 2.0
    };
    let hi = if d.1.is_finite() {
        d.1 - 0.2 * (d.1 - d.0.max(d.1 - 3.0))
    } else {
        lo + 2.0
    };
    let (lo, hi) = if !d.0.is_finite() && !d.1.is_finite() {
        (-2.0, 2.0)
    } else {
        (lo, hi)
    };
    (lo, hi)
}

fn lit(v: f64, suffixed: bool, spelling: usize) -> String {
    let body = format!("{:?}", v.abs());
    let s = match (suffixed, spelling % 3) {
        (false, _) => body,
        (true, 0) => format!("{body}_{FLT}"),
        (true, 1) => format!("{body}{FLT}"),
        (true, _) => format!("({body}_{FLT})"),
    };
    if v < 0.0 {
        format!("(-{s})")
    } else {
        s
    }
}

/// Every cell of the matrix.
pub fn cells() -> Vec<Cell> {
    let mut out = Vec::new();
    let mut id = 0;
    for m in METHODS {
        for form in FORMS {
            // Receiver kinds (arguments parameters), then each argument's kinds.
            let nops = m.doms.len();
            for pos in 0..nops {
                for kind in KINDS {
                    if pos == 0 && *form == "method" && *kind == "lit" {
                        // `2.0.sqrt()` is not Rust.
                        continue;
                    }
                    if pos > 0 && *kind == "param" {
                        // The same cell as the receiver's `param` one.
                        continue;
                    }
                    out.push(cell(id, m.name, m.doms, m.int_arg, form, pos, kind));
                    id += 1;
                }
            }
            if m.int_arg {
                for kind in ["lit_neg", "i32_param", "expr"] {
                    out.push(cell(id, m.name, m.doms, true, form, 1, kind));
                    id += 1;
                }
            }
        }
    }
    out
}

fn cell(
    id: usize,
    m: &str,
    doms: &[(f64, f64)],
    int_arg: bool,
    form: &str,
    pos: usize,
    kind: &str,
) -> Cell {
    let mut rng = Rng::new(id as u64 * 7919 + 13);
    let name = format!("m{id}");
    let mut items = String::new();
    let mut params = Vec::new();
    let mut body = String::new();
    let mut ops = Vec::new();
    let mut doms: Vec<(f64, f64)> = doms.to_vec();
    if int_arg && kind == "lit_neg" {
        // A negative power needs a receiver away from 0.
        doms[0] = (0.5, 2.0);
    }
    for (j, &d) in doms.iter().enumerate() {
        let (lo, hi) = range_in(d);
        let k = if j == pos { kind } else { "param" };
        let p = format!("p{j}");
        let v = ((lo + (hi - lo) * 0.37) * 100.0).round() / 100.0;
        let s = match k {
            "local" => {
                body.push_str(&format!("    let l{j} = {p};\n"));
                format!("l{j}")
            }
            "lit" => lit(v, false, 0),
            "lit_sfx" => lit(v, true, id),
            "const" => {
                items.push_str(&format!(
                    "const C{}_{j}_{FLT}: {FLT} = {v:?};\n",
                    name.to_uppercase()
                ));
                format!("C{}_{j}_{FLT}", name.to_uppercase())
            }
            // Stays in the domain: the midpoint of p and itself.
            "expr" => format!("({p} * 0.5 + {p} * 0.5)"),
            "elem" => "xs[0]".to_string(),
            _ => p.clone(),
        };
        ops.push(s);
        params.push(Param {
            name: p,
            kind: ParamKind::Scalar(lo, hi),
            active: true,
            by_ref: false,
            in_model: false,
            pair: crate::gen::Pair::None,
        });
    }
    if int_arg {
        let s = match kind {
            "lit_neg" => "-2".to_string(),
            "i32_param" => "k".to_string(),
            "expr" if pos == 1 => "(k + 1)".to_string(),
            _ => "3".to_string(),
        };
        ops.push(s);
        params.push(Param {
            name: "k".into(),
            kind: ParamKind::I32,
            active: false,
            by_ref: false,
            in_model: false,
            pair: crate::gen::Pair::None,
        });
    }
    let (elo, ehi) = range_in(doms[pos.min(doms.len() - 1)]);
    params.push(Param {
        name: "xs".into(),
        kind: ParamKind::Slice(elo, ehi),
        active: true,
        by_ref: false,
        in_model: false,
        pair: crate::gen::Pair::None,
    });
    let call = match form {
        "method" => format!("{}.{m}({})", ops[0], ops[1..].join(", ")),
        "path" => format!("{FLT}::{m}({})", ops.join(", ")),
        _ => format!("<{FLT}>::{m}({})", ops.join(", ")),
    };
    let sig: Vec<String> = params
        .iter()
        .map(|p| match p.kind {
            ParamKind::I32 => format!("{}: i32", p.name),
            ParamKind::Slice(..) => format!("{}: &[{FLT}]", p.name),
            _ => format!("{}: {FLT}", p.name),
        })
        .collect();
    items.push_str(&format!(
        "#[gradient]\nfn {name}_{FLT}({}) -> {FLT} {{\n{body}    {call}\n}}\n",
        sig.join(", ")
    ));
    let mut points = Vec::new();
    for _ in 0..3 {
        let pt = params
            .iter()
            .map(|p| match p.kind {
                ParamKind::Scalar(lo, hi) => Value::Float(rng.uniform(lo, hi) as f32 as f64),
                ParamKind::Slice(lo, hi) => Value::Slice(
                    (0..1 + rng.below(3))
                        .map(|_| rng.uniform(lo, hi) as f32 as f64)
                        .collect(),
                ),
                _ => Value::Int(rng.range(-2, 2)),
            })
            .collect();
        points.push(pt);
    }
    let role = if pos == 0 { "recv" } else { "arg" };
    let kind_key = if int_arg && pos == 1 {
        format!("powi_{kind}")
    } else {
        kind.to_string()
    };
    let keys = vec![
        format!("m:{m}"),
        format!("form:{form}"),
        format!("{role}:{form}:{kind_key}"),
        format!("{role}:{form}:{kind_key}:{m}"),
        format!("{role}:{kind_key}:{m}"),
    ];
    let case = Case {
        name,
        float: Float::F32,
        items,
        params,
        points,
        model: None,
        wrapper: false,
        generic: false,
    };
    Cell { keys, case }
}
