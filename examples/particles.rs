//! A cluster of 13 atoms relaxed to its lowest energy: the Lennard-Jones energy is written over the
//! positions as rows, `pos: &[[f64; 3]]`, the way physics code holds them, and `#[gradient]` gives
//! the gradient in the same shape (`d_pos: &mut [[f64; 3]]`, minus the force on each atom). L-BFGS
//! then finds the icosahedron, whose energy is known: −44.326801 in reduced units (the Cambridge
//! Cluster Database).
//!
//! Run with `cargo run --release --example particles`.

use grad::gradient;
use grad::runtime::data::Rng;
use grad::runtime::optim::Lbfgs;
use grad::runtime::{minimize, Options};

/// Total Lennard-Jones energy, 4 Σ_{i<j} (r⁻¹² − r⁻⁶), of atoms at `pos`.
// Coordinates by index, as the formula reads.
#[allow(clippy::needless_range_loop)]
#[gradient]
fn energy(pos: &[[f64; 3]]) -> f64 {
    let mut e = 0.0;
    for i in 0..pos.len() {
        for j in (i + 1)..pos.len() {
            let mut r2 = 0.0;
            for k in 0..3 {
                let d = pos[i][k] - pos[j][k];
                r2 += d * d;
            }
            let inv6 = 1.0 / (r2 * r2 * r2);
            e += 4.0 * (inv6 * inv6 - inv6);
        }
    }
    e
}

fn main() -> Result<(), grad::runtime::Error> {
    // A centre and the 12 vertices of an icosahedron at the pair-potential distance, shaken.
    let phi = (1.0 + 5f64.sqrt()) / 2.0;
    let scale = 1.1 / (1.0 + phi * phi).sqrt();
    let mut atoms = vec![[0.0; 3]];
    for a in [-1.0, 1.0] {
        for b in [-phi, phi] {
            atoms.push([0.0, a * scale, b * scale]);
            atoms.push([a * scale, b * scale, 0.0]);
            atoms.push([b * scale, 0.0, a * scale]);
        }
    }
    let mut rng = Rng::seed_from_u64(7);
    for atom in &mut atoms {
        for c in atom.iter_mut() {
            *c += 0.15 * rng.normal();
        }
    }
    let start = energy(&atoms);

    // The optimizer works on one flat vector; the rows are a view of it, in both directions.
    let objective = |x: &[f64], g: &mut [f64]| {
        let (pos, _) = x.as_chunks::<3>();
        let (d_pos, _) = g.as_chunks_mut::<3>();
        energy_grad(pos, d_pos)
    };
    let x0: Vec<f64> = atoms.iter().flatten().copied().collect();
    let report = minimize(
        objective,
        x0,
        Lbfgs::default(),
        Options::new().max_iters(2000).grad_tol(1e-5),
    )?;

    let (relaxed, _) = report.x.as_chunks::<3>();
    let mut forces = vec![[0.0; 3]; relaxed.len()];
    let e = energy_grad(relaxed, &mut forces);
    let largest_force = forces
        .iter()
        .map(|f| f.iter().map(|c| c * c).sum::<f64>().sqrt())
        .fold(0.0, f64::max);
    println!("13 Lennard-Jones atoms, started from a shaken icosahedron (seed 7)");
    println!("energy at the start:    {start:>12.6}");
    println!(
        "energy after L-BFGS:    {e:>12.6}   ({} iterations, {})",
        report.iterations, report.reason
    );
    println!("known global minimum:   {:>12.6}", -44.326_801);
    println!("largest force left:     {largest_force:>12.2e}");
    Ok(())
}
