#!/usr/bin/env bash
# Benchmarks (README "Load-testing and benchmarks"): scripts/bench.sh [codec|store]...
# With no argument runs them all. Each is a criterion benchmark in benches/;
# criterion prints a median with its confidence interval per case, and the
# reports land in target/criterion/. The machine is noisy: compare medians
# of several runs, not one.
set -euo pipefail
cd "$(dirname "$0")/.."

benches=("$@")
[[ ${#benches[@]} -gt 0 ]] || benches=(codec store)

for bench in "${benches[@]}"; do
    case "$bench" in
        # The codec is core: measure it without the runtime compiled in.
        codec) cargo bench --no-default-features --bench codec ;;
        store) cargo bench --bench store ;;
        *) echo "unknown benchmark: $bench (codec, store)" >&2; exit 2 ;;
    esac
done
