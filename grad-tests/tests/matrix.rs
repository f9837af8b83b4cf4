//! The matrix of issue 7: every float method of the rule table × every form of call (method,
//! `f64::m(..)`, `<f64>::m(..)`) × every kind of receiver and argument (parameter, local,
//! unsuffixed and suffixed literal, `const`, expression, slice element), in `f32` and `f64`,
//! compiled through the scratch-crate harness of `tests/difftest.rs` and checked against finite
//! differences. Cells of a construct listed in `grad_difftest::gen::PENDING` are skipped (and
//! counted); `GRAD_DIFFTEST_PENDING=all cargo test --test matrix` runs them all.

use grad_difftest::harness::{unit, Harness};
use grad_difftest::matrix::cells;

#[test]
fn matrix() {
    let pending = std::env::var("GRAD_DIFFTEST_PENDING").unwrap_or_default();
    let names: Vec<&str> = pending.split(',').filter(|s| !s.is_empty()).collect();
    let gen = grad_difftest::gen::Gen::new(0).with_pending(&names);
    let all = cells();
    let (on, off): (Vec<_>, Vec<_>) = all.iter().partition(|c| c.keys.iter().all(|k| gen.on(k)));
    let units: Vec<_> = on.iter().map(|c| unit(&c.case)).collect();
    let harness = Harness::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let t = std::time::Instant::now();
    let r = harness.run("matrix", &units);
    eprintln!(
        "matrix: {} cells, {} pending (skipped); {} in {:.1?}",
        all.len(),
        off.len(),
        r.summary(),
        t.elapsed()
    );
    assert!(r.ok(), "{}\n{}", r.describe(), r.summary());
}
