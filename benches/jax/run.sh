#!/usr/bin/env bash
# Times the benchmark problems B1–B6 with JAX, side by side with the Rust benches
# (BENCHMARKS.md, "Measured against JAX side by side").
#
#   benches/jax/run.sh --install            # first time: create the venv, pip install JAX (CPU), run
#   benches/jax/run.sh                      # later runs (uses the venv, or a JAX already importable)
#   benches/jax/run.sh -- --json target/jax-bench.json --filter 'B2/'   # options after -- go to bench.py
#   python3 benches/jax/compare.py --jax target/jax-bench.json           # markdown tables: Rust (target/criterion) and JAX side by side
#
# and, for the Rust side of the same table, in the same session:
#
#   cargo bench -p grad-tests --bench benchmarks -- "B[1-6]_.*/(generated|hand|plain)$|JVP|HVP"
#
# Prefix both with `taskset -c 1` to run them on one core (the Rust code is single-threaded; JAX
# otherwise hands work to a second thread, which is slow and bimodal when that core is busy).
#
# The virtual environment lives at ${JAX_VENV:-target/jax-venv} (git-ignored); the versions
# installed are pinned in benches/jax/requirements.txt. PYTHON selects the interpreter used to
# create the venv or to look for an installed JAX (default: python3). Without JAX and without
# --install, the script says how to get it and exits 0, so it is safe to call anywhere.
# bench.py options: --json PATH, --filter REGEX, --min-time SECONDS, --single-thread, --no-check.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

venv="${JAX_VENV:-target/jax-venv}"
python="${PYTHON:-python3}"
install=0
bench_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --install) install=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
        --) shift; bench_args+=("$@"); break ;;
        *) bench_args+=("$1") ;;
    esac
    shift
done

has_jax() { "$1" -c 'import jax' >/dev/null 2>&1; }

if [[ -x "$venv/bin/python" ]] && has_jax "$venv/bin/python"; then
    py="$venv/bin/python"
elif [[ $install -eq 1 ]]; then
    if [[ ! -x "$venv/bin/python" ]]; then
        echo "creating virtual environment $venv" >&2
        "$python" -m venv "$venv"
    fi
    echo "installing JAX into $venv (benches/jax/requirements.txt)" >&2
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
    py="$venv/bin/python"
elif command -v "$python" >/dev/null 2>&1 && has_jax "$python"; then
    py="$python"
else
    cat <<EOF
JAX is not installed (no venv at $venv, and '$python' cannot import jax).
To install it (CPU only, pinned in benches/jax/requirements.txt) into $venv and run the comparison:

    benches/jax/run.sh --install

or point JAX_VENV at an existing virtual environment with JAX, or PYTHON at an interpreter that has it.
EOF
    exit 0
fi

exec "$py" "$here/bench.py" "${bench_args[@]+"${bench_args[@]}"}"
