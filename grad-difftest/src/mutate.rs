//! Token-level mutations of a source text, to check that the macro never panics on input that is
//! almost right: a token deleted, duplicated, swapped with another, replaced by another token of
//! the same file or by a random keyword or punctuation.

use crate::rng::Rng;

/// Multi-character punctuation, longest first.
const PUNCTS: &[&str] = &[
    "..=", "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "..",
];

/// Tokens inserted at random: keywords, punctuation and odd literals of Rust.
const NOISE: &[&str] = &[
    "let", "mut", "if", "else", "for", "in", "while", "loop", "match", "return", "break",
    "continue", "fn", "as", "unsafe", "move", "ref", "self", "Self", "const", "static", "async",
    "await", "impl", "where", "dyn", "&", "*", "-", "+", "/", "%", "!", "?", ",", ";", ":", "::",
    ".", "..", "..=", "=", "==", "<", ">", "|", "#", "@", "_", "'a", "(", ")", "[", "]", "{", "}",
    "0", "1.0", "1e308", "f64", "f32", "usize", "i32", "x", "xs", "gradient", "wrt", "vec!",
    "assert!", "\"s\"", "'c'", "0u8", "1.5f32", "2.0_f64", "NaN",
];

/// Splits Rust source into tokens (comments dropped; good enough to mutate, not a lexer).
pub fn tokens(src: &str) -> Vec<String> {
    let cs: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && cs.get(i + 1) == Some(&'/') {
            while i < cs.len() && cs[i] != '\n' {
                i += 1;
            }
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < cs.len() && (cs[i].is_alphanumeric() || cs[i] == '_') {
                i += 1;
            }
            // A float literal: digits '.' digits (not `0..n`, not `x.len()`).
            if c.is_ascii_digit()
                && cs.get(i) == Some(&'.')
                && cs.get(i + 1).is_some_and(|d| d.is_ascii_digit())
            {
                i += 1;
                while i < cs.len() && (cs[i].is_alphanumeric() || cs[i] == '_') {
                    i += 1;
                }
            }
            out.push(cs[start..i].iter().collect());
        } else if c == '"' {
            let start = i;
            i += 1;
            while i < cs.len() && cs[i] != '"' {
                if cs[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(cs.len());
            out.push(cs[start..i].iter().collect());
        } else {
            let rest: String = cs[i..cs.len().min(i + 3)].iter().collect();
            let p = PUNCTS.iter().find(|p| rest.starts_with(**p));
            let len = p.map_or(1, |p| p.chars().count());
            out.push(cs[i..i + len].iter().collect());
            i += len;
        }
    }
    out
}

/// `src` with 1 to `max` random token-level mutations.
pub fn mutate(src: &str, rng: &mut Rng, max: usize) -> String {
    let mut t = tokens(src);
    let n = 1 + rng.below(max.max(1));
    for _ in 0..n {
        if t.is_empty() {
            break;
        }
        let i = rng.below(t.len());
        match rng.below(6) {
            0 => {
                t.remove(i);
            }
            1 => {
                let x = t[i].clone();
                t.insert(i, x);
            }
            2 => {
                let j = rng.below(t.len());
                t.swap(i, j);
            }
            3 => {
                // Another token of the same class (identifier, literal, punctuation) from the file.
                let class = |s: &str| {
                    s.chars().next().map_or(0, |c| {
                        if c.is_ascii_digit() {
                            1
                        } else if c.is_alphabetic() || c == '_' {
                            2
                        } else {
                            3
                        }
                    })
                };
                let same: Vec<String> = t
                    .iter()
                    .filter(|s| class(s) == class(&t[i]))
                    .cloned()
                    .collect();
                t[i] = rng.pick(&same).clone();
            }
            4 => t.insert(i, rng.pick(NOISE).to_string()),
            _ => t[i] = rng.pick(NOISE).to_string(),
        }
    }
    t.join(" ")
}
