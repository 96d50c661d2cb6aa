#!/usr/bin/env bash
# Fuzz the SMPP decoder: scripts/fuzz.sh [INPUTS] (default 1000000): runs
# the smpp_decode target on that many generated inputs, then stops; a
# crash stops it earlier with the input saved under fuzz/artifacts/.
# Installs cargo-fuzz if missing; needs the nightly toolchain (libFuzzer's
# sanitizer flags are nightly-only). Seeds the corpus with the golden vectors.
set -euo pipefail

inputs="${1:-1000000}"
[[ "$inputs" =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [INPUTS]" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

corpus="fuzz/corpus/smpp_decode"
mkdir -p "$corpus"
# One seed file per golden vector ("[name]" sections of hex octets).
for file in tests/vectors/*.hex; do
    src="$(basename "$file" .hex)"
    out=""
    while IFS= read -r line; do
        line="${line%%#*}"
        if [[ "$line" =~ ^\[(.*)\]$ ]]; then
            out="$corpus/$src-${BASH_REMATCH[1]}"
            : > "$out"
        elif [[ -n "$out" ]]; then
            for octet in $line; do
                printf "\\x$octet" >> "$out"
            done
        fi
    done < "$file"
done

cargo +nightly fuzz run --fuzz-dir fuzz smpp_decode "$corpus" -- \
    -runs="$inputs" -max_len=4096 -rss_limit_mb=2048
