//! The derivative as a formula a person reads, for the rustdoc of `NAME_grad`: each partial
//! derivative of a function of scalars without loops, branches or calls, printed from the adjoint
//! IR (`∂f/∂x = −2·(1 − x) − 400·x·(y − x²)`), and for other functions a sentence on how each
//! loop's adjoint is computed.

use crate::ir::{Block, Func, Operand, Stmt, ValId};
use crate::rules::Prim;
use std::collections::HashMap;

/// A formula longer than this is not worth reading in a hover.
const MAX_LEN: usize = 240;

enum Def {
    Prim(Prim, Vec<Operand>),
    Text(String),
}

/// One line per differentiated scalar (`∂f/∂x = ..`), or `None` when the function has loops,
/// branches, calls or sequences, or a formula would be too long to read.
pub fn partials(
    func: &Func,
    blocks: &[&Block],
    fname: &str,
    inputs: &[(String, Operand)],
) -> Option<Vec<String>> {
    let mut defs = HashMap::new();
    for b in blocks {
        for s in &b.stmts {
            match s {
                Stmt::Prim { dst, op, args } => {
                    defs.insert(*dst, Def::Prim(*op, args.clone()));
                }
                Stmt::Opaque { dst, expr, .. } => {
                    let text = crate::emit::strip_parens(expr).to_string();
                    defs.insert(*dst, Def::Text(text));
                }
                Stmt::Effect { .. } => {}
                _ => return None,
            }
        }
    }
    let r = Render { func, defs: &defs };
    let mut out = Vec::new();
    for (name, d) in inputs {
        let text = show(&r.operand(*d, 0)?, 0);
        if text.chars().count() > MAX_LEN {
            return None;
        }
        out.push(format!("∂{fname}/∂{name} = {text}"));
    }
    Some(out)
}

struct Render<'a> {
    func: &'a Func,
    defs: &'a HashMap<ValId, Def>,
}

/// A formula as a small algebra: sums and products are flattened, numeric factors gathered in
/// front, equal terms of a sum combined (`x·a + x·a = 2·x·a`).
#[derive(Clone, PartialEq)]
enum Sym {
    Num(f64),
    Atom(String),
    Sum(Vec<Sym>),
    Prod(Vec<Sym>),
    Div(Box<Sym>, Box<Sym>),
    Pow(Box<Sym>, i64),
    Call(String, Vec<Sym>),
}

fn num(c: f64) -> Sym {
    Sym::Num(c)
}

/// `(coefficient, the other factors)` of a term.
fn split(t: &Sym) -> (f64, Vec<Sym>) {
    match t {
        Sym::Num(c) => (*c, Vec::new()),
        Sym::Prod(fs) => {
            let mut c = 1.0;
            let mut rest = Vec::new();
            for f in fs {
                match f {
                    Sym::Num(k) => c *= k,
                    other => rest.push(other.clone()),
                }
            }
            (c, rest)
        }
        other => (1.0, vec![other.clone()]),
    }
}

fn join(c: f64, rest: Vec<Sym>) -> Sym {
    if c == 0.0 {
        return num(0.0);
    }
    let mut rest = rest;
    match (c == 1.0, rest.len()) {
        (_, 0) => num(c),
        (true, 1) => rest.pop().unwrap_or(num(1.0)),
        (true, _) => Sym::Prod(rest),
        (false, _) => {
            let mut fs = vec![num(c)];
            fs.extend(rest);
            Sym::Prod(fs)
        }
    }
}

fn mul(a: Sym, b: Sym) -> Sym {
    let (ca, mut ra) = split(&a);
    let (cb, rb) = split(&b);
    ra.extend(rb);
    // x·x = x².
    if ra.len() == 2 && ra[0] == ra[1] {
        let x = ra.pop().unwrap_or(num(1.0));
        return join(ca * cb, vec![Sym::Pow(Box::new(x), 2)]);
    }
    join(ca * cb, ra)
}

fn add(a: Sym, b: Sym) -> Sym {
    let mut terms: Vec<(f64, Vec<Sym>)> = Vec::new();
    for t in [a, b] {
        let parts = match t {
            Sym::Sum(ts) => ts,
            other => vec![other],
        };
        for p in parts {
            let (c, rest) = split(&p);
            match terms.iter_mut().find(|(_, r)| *r == rest) {
                Some((k, _)) => *k += c,
                None => terms.push((c, rest)),
            }
        }
    }
    let mut out: Vec<Sym> = terms
        .into_iter()
        .filter(|(c, _)| *c != 0.0)
        .map(|(c, r)| join(c, r))
        .collect();
    match out.len() {
        0 => num(0.0),
        1 => out.pop().unwrap_or(num(0.0)),
        _ => Sym::Sum(out),
    }
}

impl Render<'_> {
    fn operand(&self, o: Operand, depth: usize) -> Option<Sym> {
        if depth > 64 {
            return None;
        }
        match o {
            Operand::Const(c) => Some(num(c)),
            Operand::Int(i) => Some(num(f64::from(i))),
            Operand::Val(v) => match self.defs.get(&v) {
                None => Some(Sym::Atom(self.func.info(v).name.to_string())),
                Some(Def::Text(t)) => Some(Sym::Atom(t.clone())),
                Some(Def::Prim(op, args)) => self.prim(*op, args, depth + 1),
            },
        }
    }

    fn prim(&self, op: Prim, args: &[Operand], depth: usize) -> Option<Sym> {
        let a = |i: usize| self.operand(args[i], depth);
        let all = || -> Option<Vec<Sym>> { (0..args.len()).map(a).collect() };
        Some(match op {
            Prim::Add => add(a(0)?, a(1)?),
            Prim::Sub => add(a(0)?, mul(num(-1.0), a(1)?)),
            Prim::Mul | Prim::MulOr0 => mul(a(0)?, a(1)?),
            Prim::Neg => mul(num(-1.0), a(0)?),
            Prim::Div | Prim::DivOr0 => match (a(0)?, a(1)?) {
                (x, Sym::Num(c)) if c != 0.0 => mul(num(1.0 / c), x),
                (x, y) => Sym::Div(Box::new(x), Box::new(y)),
            },
            Prim::PowI => match args[1] {
                Operand::Int(n) => Sym::Pow(Box::new(a(0)?), i64::from(n)),
                _ => Sym::Call("powi".into(), all()?),
            },
            Prim::PowIDeriv => match args[1] {
                Operand::Int(n) => mul(
                    num(f64::from(n)),
                    Sym::Pow(Box::new(a(0)?), i64::from(n) - 1),
                ),
                _ => return None,
            },
            Prim::Sign0 => Sym::Call("sign".into(), all()?),
            Prim::IsEq | Prim::IsLt => return None,
            other => Sym::Call(other.method_name()?.into(), all()?),
        })
    }
}

/// The text of `s`, parenthesized to bind at least `need` (sums 1, products 2, a leading minus
/// 3, powers, atoms and calls 4).
fn show(s: &Sym, need: u8) -> String {
    let (text, own) = match s {
        Sym::Num(c) if *c < 0.0 => (format!("−{}", number(-c)), 3),
        Sym::Num(c) => (number(*c), 4),
        Sym::Atom(a) => (a.clone(), if a.contains(' ') { 1 } else { 4 }),
        Sym::Sum(ts) => {
            let mut out = show(&ts[0], 1);
            for t in &ts[1..] {
                let (c, rest) = split(t);
                if c < 0.0 {
                    out.push_str(" − ");
                    out.push_str(&show(&join(-c, rest), 2));
                } else {
                    out.push_str(" + ");
                    out.push_str(&show(t, 2));
                }
            }
            (out, 1)
        }
        Sym::Prod(_) => {
            let (c, rest) = split(s);
            let body = rest
                .iter()
                .map(|f| match f {
                    // A quotient inside a product reads as one factor.
                    Sym::Div(..) => format!("({})", show(f, 0)),
                    f => show(f, 3),
                })
                .collect::<Vec<_>>()
                .join("·");
            if c == 1.0 {
                (body, 2)
            } else if c == -1.0 {
                (format!("−{body}"), 3)
            } else if c < 0.0 {
                (format!("−{}·{body}", number(-c)), 3)
            } else {
                (format!("{}·{body}", number(c)), 2)
            }
        }
        Sym::Div(x, y) => (format!("{} / {}", show(x, 2), show(y, 3)), 2),
        Sym::Pow(x, n) => (format!("{}{}", show(x, 4), superscript(*n)), 4),
        Sym::Call(name, args) => {
            let inner: Vec<String> = args.iter().map(|a| show(a, 0)).collect();
            (format!("{name}({})", inner.join(", ")), 4)
        }
    };
    if own < need {
        format!("({text})")
    } else {
        text
    }
}

fn number(c: f64) -> String {
    if c == c.trunc() && c.abs() < 1e15 {
        format!("{}", c as i64)
    } else {
        let s = format!("{c}");
        if s.len() > 12 {
            format!("{c:.6e}")
        } else {
            s
        }
    }
}

fn superscript(n: i64) -> String {
    n.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

/// A sentence per loop on how its adjoint is computed, for functions with loops.
pub fn loop_notes(forward: &Block) -> Vec<String> {
    fn walk(b: &Block, out: &mut Vec<&'static str>) {
        for s in &b.stmts {
            match s {
                Stmt::Loop(l) => {
                    out.push(if l.fused {
                        "fused: its adjoint runs inside it, in the same pass"
                    } else if l.records.is_some() {
                        "taped: the values its adjoint needs are stored as it runs, and a second loop runs backwards over them"
                    } else {
                        "recomputed: a second loop after it, in the same order, recomputes what its adjoint needs"
                    });
                    walk(&l.body, out);
                }
                Stmt::If { then, els, .. } => {
                    walk(then, out);
                    walk(els, out);
                }
                _ => {}
            }
        }
    }
    let mut kinds = Vec::new();
    walk(forward, &mut kinds);
    kinds
        .iter()
        .enumerate()
        .map(|(k, kind)| format!("Loop {} (in order of appearance) is {kind}.", k + 1))
        .collect()
}
