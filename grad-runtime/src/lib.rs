//! Runtime (placeholder).
