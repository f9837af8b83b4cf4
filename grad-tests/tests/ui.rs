//! Compile-fail cases of `#[gradient]` (trybuild).
//!
//! - `tests/ui/err_*.rs` must fail to build with exactly the diagnostics of their `.stderr`.
//!   Regenerate with `TRYBUILD=overwrite cargo test --test ui` and read every changed `.stderr`: the
//!   error must point at the offending tokens, say what is wrong and how to fix it, and come without
//!   follow-on errors.
//! - `tests/ui/pass_*.rs` must build without a warning (they run with `#![deny(warnings)]`) and
//!   run: constructs that once broke (hygiene inside `macro_rules!`, inherited lint attributes, ...).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/err_*.rs");
}

#[test]
fn ui_pass() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_*.rs");
}
