//! The test suite and benchmarks of `grad` (not published): `tests/` checks values, gradients,
//! compile errors (trybuild) and the differential tester's batches; `benches/` holds the criterion
//! benchmarks of `BENCHMARKS.md`. They live in their own package so that building `grad` and its
//! examples does not build the heavy test tools.
