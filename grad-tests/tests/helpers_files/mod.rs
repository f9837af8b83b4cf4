//! Helpers without `#[gradient]` in a module file of their own, which `plain_helpers.rs` calls
//! by path and imports by `use`.

pub fn cube(z: f64) -> f64 {
    z * z * z
}

pub fn smooth_abs(z: f64) -> f64 {
    (z * z + 1e-3).sqrt()
}
