//! Names of generated temporaries. They share one prefix, `__grad` unless the input already has an
//! identifier that starts with it (then `__grad1`, `__grad2`, ...), so a generated name can never
//! capture or shadow a name of the user's: a parameter called `__grad_acc` stays the user's. The
//! comparison ignores case, so the prefix upper-cased (for renamed constants) is free too.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use std::cell::RefCell;

thread_local! {
    static PREFIX: RefCell<String> = RefCell::new(String::from("__grad"));
    static COUNTER: RefCell<u32> = const { RefCell::new(0) };
    /// Names this expansion made for what the user wrote otherwise (`m.layers[_].w`), as error
    /// messages show them.
    static SHOWN: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

/// Error messages show `hidden` as `user` (a model's field the rewrite made a parameter of).
pub fn show_as(hidden: &Ident, user: String) {
    SHOWN.with(|s| s.borrow_mut().push((hidden.to_string(), user)));
}

/// Starts an expansion with no names to show otherwise.
pub fn forget_shown() {
    SHOWN.with(|s| s.borrow_mut().clear());
}

/// `message` with the names this expansion made shown as what the user wrote (longest first,
/// as one may start another).
pub fn for_user(message: &str) -> String {
    SHOWN.with(|s| {
        let mut names = s.borrow().clone();
        names.sort_by_key(|(h, _)| std::cmp::Reverse(h.len()));
        let mut out = message.to_string();
        for (hidden, user) in &names {
            out = out.replace(hidden.as_str(), user);
        }
        out
    })
}

/// Picks the prefix for one expansion: the first of `__grad`, `__grad1`, ... that starts no
/// identifier of `input`.
pub fn choose_prefix(input: &TokenStream) {
    fn idents(ts: &TokenStream, out: &mut Vec<String>) {
        for tt in ts.clone() {
            match tt {
                TokenTree::Ident(i) => out.push(i.to_string()),
                TokenTree::Group(g) => idents(&g.stream(), out),
                _ => {}
            }
        }
    }
    let mut all = Vec::new();
    idents(input, &mut all);
    let taken = |p: &str| {
        all.iter()
            .any(|i| i.trim_start_matches("r#").to_lowercase().starts_with(p))
    };
    let mut prefix = String::from("__grad");
    let mut n = 0u32;
    while taken(&prefix) {
        n += 1;
        prefix = format!("__grad{n}");
    }
    PREFIX.with(|p| *p.borrow_mut() = prefix);
    COUNTER.with(|c| *c.borrow_mut() = 0);
}

/// The prefix of this expansion.
pub fn prefix() -> String {
    PREFIX.with(|p| p.borrow().clone())
}

/// `PREFIX_name`, resolved where the generated `let`s are.
pub fn hidden(name: &str) -> Ident {
    Ident::new(&format!("{}_{name}", prefix()), Span::call_site())
}

/// The stems of the names the generated code numbers (`PREFIX_v12`, an IR value; `PREFIX_buf3`,
/// ..): a name made fresh never takes one of their forms.
const NUMBERED: &[&str] = &[
    "v", "ks", "adj", "tape", "lens", "scratch", "hscratch", "zeros", "part", "u", "acc", "tan",
    "tadj", "buf", "lent", "piece", "row", "slot", "out_len", "in_", "s_", "no_d_",
];

/// `PREFIX_nameN` with an `N` no other call of this expansion gets: for temporaries declared in
/// a block that an inner rewrite may declare again, where shadowing would change what they name.
/// (`PREFIX_name_N` for a `name` ending in a digit, itself fresh: `a8` made fresh as 340th and
/// `a83` as 40th would both be `a8340`; and for a stem of [`NUMBERED`]: a user's `v` made fresh
/// as `PREFIX_v78` would be the IR's value 78 where tokens kept as written name both.)
pub fn fresh(name: &str) -> Ident {
    let n = COUNTER.with(|c| {
        let mut c = c.borrow_mut();
        *c += 1;
        *c
    });
    if name.ends_with(|c: char| c.is_ascii_digit()) || NUMBERED.contains(&name) {
        hidden(&format!("{name}_{n}"))
    } else {
        hidden(&format!("{name}{n}"))
    }
}

/// `n` names from [`fresh`], one per element of something taken apart.
pub fn fresh_names(name: &str, n: usize) -> Vec<Ident> {
    (0..n).map(|_| fresh(name)).collect()
}

/// The names of a path's segments (`std::f64::consts::PI` → `["std", "f64", "consts", "PI"]`).
pub fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// Whether the tokens `ts` (at any depth of groups) hold a name for which `is` holds: a
/// syntactic "does this read `x`", also inside macros.
pub fn mentions(ts: proc_macro2::TokenStream, is: &dyn Fn(&Ident) -> bool) -> bool {
    ts.into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => is(&i),
        proc_macro2::TokenTree::Group(g) => mentions(g.stream(), is),
        _ => false,
    })
}

/// A shorthand field pattern (`Point { x }`) written out (`Point { x: x }`), so that renaming
/// its name keeps the field it binds; a pattern that binds no plain name is left alone.
pub fn unshorten(f: &mut syn::FieldPat) {
    if f.colon_token.is_none() && matches!(&*f.pat, syn::Pat::Ident(_)) {
        f.colon_token = Some(syn::Token![:](Span::call_site()));
    }
}

/// Every shorthand field of `node` written out, in struct literals (`V { x, y }` is `V { x: x,
/// y: y }`) and patterns: the rewrites rename a local or a parameter by its paths and bindings,
/// and a shorthand field renamed so would name another field (`V { __grad_x41 }`).
pub fn write_out_fields(node: &mut impl WriteOutFields) {
    node.write_out_fields();
}

/// What [`write_out_fields`] rewrites: a body, a file.
pub trait WriteOutFields {
    fn write_out_fields(&mut self);
}

struct Fields;

impl syn::visit_mut::VisitMut for Fields {
    fn visit_field_value_mut(&mut self, f: &mut syn::FieldValue) {
        if f.colon_token.is_none() && matches!(f.member, syn::Member::Named(_)) {
            f.colon_token = Some(syn::Token![:](Span::call_site()));
        }
        syn::visit_mut::visit_field_value_mut(self, f);
    }
    fn visit_field_pat_mut(&mut self, f: &mut syn::FieldPat) {
        unshorten(f);
        syn::visit_mut::visit_field_pat_mut(self, f);
    }
}

impl WriteOutFields for syn::Block {
    fn write_out_fields(&mut self) {
        syn::visit_mut::VisitMut::visit_block_mut(&mut Fields, self);
    }
}

impl WriteOutFields for syn::File {
    fn write_out_fields(&mut self) {
        syn::visit_mut::VisitMut::visit_file_mut(&mut Fields, self);
    }
}

/// `name` pointing at `span`, raw (`r#type`) if it was: `Ident::new` of its text would panic.
pub fn respanned(name: &proc_macro2::Ident, span: proc_macro2::Span) -> proc_macro2::Ident {
    let mut out = name.clone();
    out.set_span(span);
    out
}

/// Whether `path` names `std::mem::NAME` as users write it: `NAME` (imported), `mem::NAME`,
/// `std::mem::NAME`, `core::mem::NAME`.
pub fn is_mem_fn(path: &syn::Path, name: &str) -> bool {
    let segs = segments(path);
    match segs
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [f] | ["mem", f] => *f == name,
        [root, "mem", f] => matches!(*root, "std" | "core") && *f == name,
        _ => false,
    }
}

/// Tokens as a user writes them (`&[(f64, f64)]`, `xs.chunks(2)`), not as they print.
fn compact(ts: proc_macro2::TokenStream) -> String {
    ts.to_string()
        .replace(" . ", ".")
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace("& ", "&")
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(" [", "[")
        .replace("[ ", "[")
        .replace(" ]", "]")
        .replace(" ;", ";")
        .replace(" ,", ",")
        .replace(" :: ", "::")
}

/// A type as a user writes it, for messages (`&[(f64, f64)]`, `Vec<f64>`).
pub fn type_text(ty: &syn::Type) -> String {
    compact(quote::ToTokens::to_token_stream(ty))
}

/// An expression as a user writes it, shortened, to name it in a message (`xs.chunks(2).next()`).
pub fn snippet(e: &impl quote::ToTokens) -> String {
    const MAX: usize = 60;
    let text = compact(e.to_token_stream());
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name made fresh is never one the generated code numbers (an IR value `PREFIX_v12`),
    /// and two names made fresh never meet (`a8` and `a83`, the counter's digits after them).
    #[test]
    fn fresh_names_meet_no_numbered_name() {
        let numbered = |s: &str| {
            NUMBERED.iter().any(|stem| {
                s.strip_prefix(&format!("{}_{stem}", prefix()))
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            })
        };
        let mut seen = std::collections::HashSet::new();
        for _ in 0..500 {
            for stem in NUMBERED.iter().chain(&["a8", "a83", "a834", "x", "t6"]) {
                let f = fresh(stem).to_string();
                assert!(!numbered(&f), "{f}");
                assert!(seen.insert(f.clone()), "{f} twice");
            }
        }
    }
}
