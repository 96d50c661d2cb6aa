#!/usr/bin/env bash
# Fuzz a decoder: scripts/fuzz.sh [INPUTS] [TARGET] (default 1000000
# inputs of smpp_decode; TARGET is smpp_decode, ucp_decode or cimd2_decode): runs the
# target on that many generated inputs, then stops; a crash stops it
# earlier with the input saved under fuzz/artifacts/. Installs cargo-fuzz
# if missing; needs the nightly toolchain (libFuzzer's sanitizer flags are
# nightly-only). Seeds the SMPP corpus with the golden vectors; the UCP
# target makes LEN and checksum right itself and the CIMD2 target frames
# its input itself, so they need no seeds.
set -euo pipefail

usage() { echo "usage: scripts/fuzz.sh [INPUTS] [smpp_decode|ucp_decode|cimd2_decode]" >&2; exit 2; }
inputs="${1:-1000000}"
target="${2:-smpp_decode}"
[[ "$inputs" =~ ^[0-9]+$ ]] || usage
[[ "$target" == smpp_decode || "$target" == ucp_decode || "$target" == cimd2_decode ]] || usage
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

corpus="fuzz/corpus/$target"
mkdir -p "$corpus"
# One seed file per golden SMPP vector ("[name]" sections of hex octets).
if [[ "$target" == smpp_decode ]]; then
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
fi

cargo +nightly fuzz run --fuzz-dir fuzz "$target" "$corpus" -- \
    -runs="$inputs" -max_len=4096 -rss_limit_mb=2048
