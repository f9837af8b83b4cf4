//! The generic twin of a case: the same items over a type parameter `T: grad::Real` instead of
//! `f64` or `f32`, written the way generic numeric Rust is written — `T::from(0.5).unwrap()` for
//! literals, `T::from(n).unwrap()` for casts, `T::from(f64::consts::PI).unwrap()` for constants,
//! `T::exp(x)` for paths. Instantiated with the case's own type, it must give the same values and
//! gradients as the concrete function, bit for bit.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use std::collections::HashSet;
use std::str::FromStr;

/// The bound of the type parameter: what the body needs (compound assignment, sums of owned and
/// borrowed values), none of which the generated code may rely on.
const BOUNDS: &str = "T: grad::Real + ::core::iter::Sum + ::core::iter::Product + for<'a> ::core::iter::Sum<&'a T> + for<'a> ::core::iter::Product<&'a T> + ::core::ops::AddAssign + ::core::ops::SubAssign + ::core::ops::MulAssign + ::core::ops::DivAssign + ::core::ops::RemAssign";

/// Arithmetic between references, which `f64` has and generic code spells out.
const WHERE: &str = "where for<'a> &'a T: ::core::ops::Add<T, Output = T> + ::core::ops::Sub<T, Output = T> + ::core::ops::Mul<T, Output = T> + ::core::ops::Div<T, Output = T> + ::core::ops::Add<&'a T, Output = T> + ::core::ops::Sub<&'a T, Output = T> + ::core::ops::Mul<&'a T, Output = T> + ::core::ops::Div<&'a T, Output = T> + ::core::ops::Neg<Output = T>, for<'a> T: ::core::ops::Add<&'a T, Output = T> + ::core::ops::Sub<&'a T, Output = T> + ::core::ops::Mul<&'a T, Output = T> + ::core::ops::Div<&'a T, Output = T>";

/// The items `items` (rendered with the float type `float`) made generic over `T`, or `None`
/// when they hold something the rewrite does not cover (structs, methods, `total_cmp`).
pub fn genericize(items: &str, float: &str) -> Option<String> {
    // Constant arrays (searched by `partition_point`) stay of the concrete type; their elements
    // would need converting where they are compared.
    if items
        .lines()
        .any(|l| l.trim_start().starts_with("const ") && l.contains(": ["))
    {
        return None;
    }
    // Methods of the concrete float types that num-traits' `Float` does not have; a float cast
    // to an integer with `as` (generic code converts with `to_usize()`).
    if items.contains("rem_euclid")
        || items.contains("div_euclid")
        || items.contains(" as usize).min(")
        || items.contains(".floor() as usize")
        || items.contains(" as i32) ")
    {
        return None;
    }
    // A helper taking a closure: its callers' specialized functions take the caller's float
    // type, which a generic caller does not name.
    if items.contains("CF: Fn(") {
        return None;
    }
    // A function pointer's type (`[fn(f64) -> f64; 2]`), which the rewrite would read as an
    // item to make generic.
    if items.contains("fn(") {
        return None;
    }
    // A function generic over a lifetime `'a`, which the bounds' `for<'a>` would shadow.
    if items.contains("<'a>") {
        return None;
    }
    let ts = TokenStream::from_str(items).ok()?;
    let mut consts = HashSet::new();
    let tokens: Vec<TokenTree> = ts.into_iter().collect();
    collect_consts(&tokens, &mut consts);
    let rw = Rewrite {
        float,
        consts,
        seen: std::cell::Cell::new(0),
    };
    Some(rw.tokens(&tokens)?.to_string())
}

/// The names of the `const` and `static` items at any depth, but those of an integer type (an
/// array's length `const N: usize = 2;`, which stays an integer).
fn collect_consts(ts: &[TokenTree], out: &mut HashSet<String>) {
    for (k, t) in ts.iter().enumerate() {
        match (t, ts.get(k + 1)) {
            (TokenTree::Ident(kw), Some(TokenTree::Ident(name)))
                if kw == "const" || kw == "static" =>
            {
                let integer = matches!(ts.get(k + 3), Some(TokenTree::Ident(ty)) if ty == "usize");
                if !integer {
                    out.insert(name.to_string());
                }
            }
            (TokenTree::Group(g), _) => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                collect_consts(&inner, out);
            }
            _ => {}
        }
    }
}

struct Rewrite<'a> {
    float: &'a str,
    /// Module-level constants stay of the concrete type; their uses are converted.
    consts: HashSet<String>,
    /// Literals seen, which picks each one's spelling in turn.
    seen: std::cell::Cell<usize>,
}

fn ident(s: &str) -> TokenTree {
    TokenTree::Ident(Ident::new(s, Span::call_site()))
}

fn parse(s: &str) -> Vec<TokenTree> {
    TokenStream::from_str(s)
        .expect("a fixed fragment parses")
        .into_iter()
        .collect()
}

fn is_punct(t: Option<&TokenTree>, c: char) -> bool {
    matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

/// `T::from(inner).unwrap()`.
fn convert(inner: Vec<TokenTree>) -> Vec<TokenTree> {
    let mut out = parse("T::from");
    out.push(TokenTree::Group(Group::new(
        Delimiter::Parenthesis,
        inner.into_iter().collect(),
    )));
    out.extend(parse(".unwrap()"));
    out
}

/// Whether a literal is a float literal (`1.5`, `2f64`, `0.25_f32`).
fn float_literal(s: &str) -> bool {
    let first = s.chars().next().unwrap_or(' ');
    if !first.is_ascii_digit() || s.starts_with("0x") || s.starts_with("0b") {
        return false;
    }
    if s.ends_with("f64") || s.ends_with("f32") {
        return true;
    }
    // An integer suffix (`usize`, `i32`, `u8`) makes an integer, even with an `e` in it.
    let suffixed = s.trim_end_matches(|c: char| c.is_ascii_alphanumeric() && !c.is_ascii_digit());
    suffixed.len() == s.len() && (s.contains('.') || s.contains('e'))
}

impl Rewrite<'_> {
    fn tokens(&self, ts: &[TokenTree]) -> Option<TokenStream> {
        let mut out: Vec<TokenTree> = Vec::new();
        let mut i = 0;
        // After a `fn`'s generics: its body is the next brace group.
        let mut signature = false;
        while i < ts.len() {
            let t = &ts[i];
            if signature && matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace) {
                out.extend(parse(WHERE));
                signature = false;
            }
            match t {
                TokenTree::Ident(id) => {
                    let s = id.to_string();
                    match s.as_str() {
                        "struct" | "impl" | "enum" | "trait" | "total_cmp" | "to_bits" | "T" => {
                            return None
                        }
                        // A constant keeps its type and value: copied to the end of the item.
                        "const" | "static" => {
                            while i < ts.len() && !is_punct(ts.get(i), ';') {
                                out.push(ts[i].clone());
                                i += 1;
                            }
                            if i < ts.len() {
                                out.push(ts[i].clone());
                            }
                            i += 1;
                            continue;
                        }
                        "fn" => {
                            out.push(t.clone());
                            let name = ts.get(i + 1)?.clone();
                            out.push(name);
                            i += 2;
                            if is_punct(ts.get(i), '<') {
                                out.push(ts[i].clone());
                                out.extend(parse(&format!("{BOUNDS},")));
                                i += 1;
                            } else {
                                out.extend(parse(&format!("<{BOUNDS}>")));
                            }
                            signature = true;
                            continue;
                        }
                        "as" if matches!(ts.get(i + 1), Some(TokenTree::Ident(f)) if f == self.float) =>
                        {
                            let operand = take_operand(&mut out)?;
                            out.extend(convert(operand));
                            i += 2;
                            continue;
                        }
                        _ if s == self.float => {
                            // `std::f64::..`, `::core::f64::..`: the prefix goes with the type.
                            let n = out.len();
                            if n >= 2
                                && is_punct(out.get(n - 1), ':')
                                && is_punct(out.get(n - 2), ':')
                            {
                                let before = n.checked_sub(3).map(|k| &out[k]);
                                if matches!(before, Some(TokenTree::Ident(p)) if p == "std" || p == "core")
                                {
                                    out.truncate(n - 3);
                                    let m = out.len();
                                    if m >= 2
                                        && is_punct(out.get(m - 1), ':')
                                        && is_punct(out.get(m - 2), ':')
                                    {
                                        out.truncate(m - 2);
                                    }
                                }
                            }
                            let path = is_punct(ts.get(i + 1), ':') && is_punct(ts.get(i + 2), ':');
                            let next = match ts.get(i + 3) {
                                Some(TokenTree::Ident(n)) if path => Some(n.to_string()),
                                _ => None,
                            };
                            match next.as_deref() {
                                Some("consts") => {
                                    // `f64::consts::PI`: the constant of the concrete type.
                                    let name = ts.get(i + 6)?.to_string();
                                    let c =
                                        parse(&format!("::core::{}::consts::{name}", self.float));
                                    out.extend(convert(c));
                                    i += 7;
                                }
                                Some(n)
                                    if n.chars().all(|c| c.is_ascii_uppercase() || c == '_') =>
                                {
                                    let c = parse(&format!("::core::{}::{n}", self.float));
                                    out.extend(convert(c));
                                    i += 4;
                                }
                                Some("from") => {
                                    let TokenTree::Group(g) = ts.get(i + 4)? else {
                                        return None;
                                    };
                                    let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                                    let inner = self.tokens(&inner)?;
                                    out.extend(convert(inner.into_iter().collect()));
                                    i += 5;
                                }
                                // `f64::sin(x)`: also through the trait, as generic code
                                // may spell it.
                                Some(m) if matches!(ts.get(i + 4), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis) =>
                                {
                                    let k = self.seen.get();
                                    self.seen.set(k + 1);
                                    let path = match k % 3 {
                                        0 => format!("T::{m}"),
                                        1 => format!("<T as num_traits::Float>::{m}"),
                                        _ => format!("num_traits::Float::{m}"),
                                    };
                                    out.extend(parse(&path));
                                    i += 4;
                                }
                                _ => {
                                    out.push(ident("T"));
                                    i += 1;
                                }
                            }
                            continue;
                        }
                        _ if self.consts.contains(&s) => {
                            out.extend(convert(vec![t.clone()]));
                        }
                        _ => out.push(t.clone()),
                    }
                }
                TokenTree::Literal(l) if float_literal(&l.to_string()) => {
                    // An operand of `as` keeps the form the cast's rewrite can take apart.
                    if matches!(ts.get(i + 1), Some(TokenTree::Ident(a)) if a == "as") {
                        out.extend(convert(vec![t.clone()]));
                    } else {
                        out.extend(self.literal(t));
                    }
                }
                TokenTree::Group(g) => {
                    let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                    let inner = self.tokens(&inner)?;
                    let mut ng = Group::new(g.delimiter(), inner);
                    ng.set_span(g.span());
                    out.push(TokenTree::Group(ng));
                }
                _ => out.push(t.clone()),
            }
            i += 1;
        }
        Some(out.into_iter().collect())
    }
}

impl Rewrite<'_> {
    /// A float literal in one of the spellings generic code uses, in turn: `T::from(2.5).unwrap()`,
    /// `T::zero()` / `T::one()`, `.expect(..)`, `<T as NumCast>::from(..)`, `num_traits::cast`,
    /// `.unwrap_or_else(T::nan)`.
    fn literal(&self, t: &TokenTree) -> Vec<TokenTree> {
        let k = self.seen.get();
        self.seen.set(k + 1);
        let text = t.to_string();
        let value: Option<f64> = text
            .trim_end_matches("f64")
            .trim_end_matches("f32")
            .trim_end_matches('_')
            .replace('_', "")
            .parse()
            .ok();
        match (k % 6, value) {
            (1, Some(0.0)) => parse("T::zero()"),
            (1, Some(1.0)) => parse("T::one()"),
            (2, _) => parse(&format!("T::from({text}).expect(\"a float converts\")")),
            (3, _) => parse(&format!(
                "<T as num_traits::NumCast>::from({text}).unwrap()"
            )),
            (4, _) => parse(&format!("num_traits::cast::<_, T>({text}).unwrap()")),
            (5, _) => parse(&format!("T::from({text}).unwrap_or_else(T::nan)")),
            _ => convert(vec![t.clone()]),
        }
    }
}

/// Removes from the end of `out` the operand of a trailing `as`: a postfix chain such as `n`,
/// `(a + b)`, `x.len()`, `v[i].min(3)`, `usize::MAX`.
fn take_operand(out: &mut Vec<TokenTree>) -> Option<Vec<TokenTree>> {
    let mut start = out.len();
    loop {
        let prev = start.checked_sub(1).map(|k| &out[k]);
        match prev {
            Some(TokenTree::Group(g)) if g.delimiter() != Delimiter::Brace => {
                start -= 1;
                // A call or an index continues the chain to the left; a parenthesized
                // expression ends it.
                if g.delimiter() == Delimiter::Parenthesis
                    && !matches!(
                        start.checked_sub(1).map(|k| &out[k]),
                        Some(TokenTree::Ident(_))
                    )
                {
                    break;
                }
            }
            Some(TokenTree::Ident(_) | TokenTree::Literal(_)) => {
                start -= 1;
                // `a.b`, `a::b`: the chain continues past the dot or the path separator.
                let before = start.checked_sub(1).map(|k| &out[k]);
                if is_punct(before, '.') {
                    start -= 1;
                } else if is_punct(before, ':')
                    && is_punct(start.checked_sub(2).map(|k| &out[k]), ':')
                {
                    start -= 2;
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    if start == out.len() {
        return None;
    }
    Some(out.split_off(start))
}

#[cfg(test)]
mod tests {
    use super::genericize;

    #[test]
    fn literals_casts_paths_and_constants() {
        let src = "const C_F: f64 = 0.5;\n#[gradient] fn g1_f64(x: f64, w: &[f64], n: usize) -> f64 { let a = 2.0 * x + C_F; let b = f64::exp(a) + (n as f64) + w.len() as f64 + f64::consts::PI + f64::from(3u8); a.max(1.5f64) * b }";
        let out = genericize(src, "f64").unwrap();
        for want in [
            "const C_F : f64 = 0.5 ;",
            "fn g1_f64 < T : grad :: Real",
            "x : T , w : & [T]",
            "T :: from (2.0) . unwrap () * x + T :: from (C_F) . unwrap ()",
            ":: exp (a)",
            "(T :: from (n) . unwrap ())",
            "T :: from (w . len ()) . unwrap ()",
            "T :: from (:: core :: f64 :: consts :: PI) . unwrap ()",
            "T :: from (3u8) . unwrap ()",
            "a . max (T :: from (1.5f64)",
        ] {
            assert!(out.contains(want), "{want}\nin\n{out}");
        }
        assert!(genericize("struct A { x: f64 }", "f64").is_none());
        let out = genericize("fn f(x: f64) -> f64 { const K: f64 = 0.5; let n = 4usize; x * K + std::f64::consts::PI + (n as f64) }", "f64").unwrap();
        for want in [
            "const K : f64 = 0.5 ;",
            "x * T :: from (K) . unwrap ()",
            "let n = 4usize",
            "+ T :: from (:: core :: f64 :: consts :: PI) . unwrap () +",
            "where for <'a > &'a T",
        ] {
            assert!(out.contains(want), "{want}\nin\n{out}");
        }
    }
}
