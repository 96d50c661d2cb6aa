#!/usr/bin/env bash
# Builds the Debian package with cargo-deb (installing cargo-deb first when
# it is missing) and checks what it holds: the binary, the systemd unit, the
# conffile and the maintainer scripts; that the packaged binary accepts the
# packaged config; and, where systemd-analyze exists, that the unit and the
# drop-in examples verify. docs/deploy.md, "Building the package".
# Exits non-zero with a message naming the first thing wrong.
# Honours CARGO_TARGET_DIR like any cargo command.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
fail() {
    printf 'check-deb: FAIL: %s\n' "$*" >&2
    exit 1
}

step "cargo-deb"
if ! cargo deb --version >/dev/null 2>&1; then
    cargo install cargo-deb --locked
fi
cargo deb --version
command -v dpkg-deb >/dev/null || fail "dpkg-deb not found (Debian's dpkg package)"

step "cargo deb (release build)"
# cargo-deb prints the paths of the packages it wrote on stdout: the .deb
# and, with dbgsym, the pasarela-dbgsym .ddeb.
built=$(cargo deb) || fail "cargo deb failed (its errors are above)"
printf '%s\n' "$built"
deb=$(printf '%s\n' "$built" | grep '\.deb$' | tail -n 1) || true
[ -f "$deb" ] || fail "cargo deb did not report a .deb file (it printed: '$built')"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "package contents (dpkg-deb -c)"
dpkg-deb -c "$deb" >"$work/contents" || fail "dpkg-deb -c cannot read $deb"
cat "$work/contents"
# "-rwxr-xr-x root/root 123 2024-01-01 00:00 ./usr/bin/pasarela"
has_file() {
    local mode=$1 path=$2
    awk -v m="$mode" -v p="./$path" '$1 == m && $6 == p { found = 1 } END { exit !found }' \
        "$work/contents" || fail "the package has no ./$path with mode $mode"
}
has_file -rwxr-xr-x usr/bin/pasarela
has_file -rw-r--r-- usr/lib/systemd/system/pasarela.service
has_file -rw-r----- etc/pasarela/pasarela.toml
has_file -rw-r--r-- usr/share/doc/pasarela/deploy.md
has_file -rw-r--r-- usr/share/doc/pasarela/configuration.md
has_file -rw-r--r-- usr/share/doc/pasarela/examples/modem.conf
has_file -rw-r--r-- usr/share/doc/pasarela/examples/low-port.conf

step "control (dpkg-deb -I)"
dpkg-deb -I "$deb" || fail "dpkg-deb -I cannot read $deb"
dpkg-deb -e "$deb" "$work/control"
for script in postinst prerm postrm; do
    [ -x "$work/control/$script" ] || fail "the package has no executable $script maintainer script"
    if grep -q '#DEBHELPER#' "$work/control/$script"; then
        fail "$script still holds the #DEBHELPER# token: cargo-deb did not fill it in"
    fi
    sh -n "$work/control/$script" || fail "$script is not valid sh"
done
grep -qx '/etc/pasarela/pasarela.toml' "$work/control/conffiles" 2>/dev/null \
    || fail "/etc/pasarela/pasarela.toml is not listed in conffiles"
grep -q 'adduser --system --group --home /var/lib/pasarela' "$work/control/postinst" \
    || fail "postinst does not create the pasarela system user"
grep -q 'dpkg-statoverride --update --add root pasarela 0640 /etc/pasarela/pasarela.toml' "$work/control/postinst" \
    || fail "postinst does not give the config to group pasarela"
grep -q 'pasarela.service' "$work/control/postinst" \
    || fail "postinst has no systemd fragment for pasarela.service"
# Installed, not enabled or started: no "enable" fragment, no start.
if grep -Eq 'deb-systemd-invoke (start|restart) ' "$work/control/postinst"; then
    fail "postinst starts pasarela.service at install; it must wait to be configured"
fi
grep -Eq '^Depends:.*\badduser\b' "$work/control/control" \
    || fail "Depends does not name adduser (postinst runs it)"
grep -Eq '^Section: net$' "$work/control/control" || fail "Section is not net"

step "the packaged binary checks the packaged config"
dpkg-deb -x "$deb" "$work/root"
"$work/root/usr/bin/pasarela" --version
"$work/root/usr/bin/pasarela" check-config "$work/root/etc/pasarela/pasarela.toml" \
    || fail "the packaged config fails check-config"
grep -Eq '^data_dir = "/var/lib/pasarela"$' "$work/root/etc/pasarela/pasarela.toml" \
    || fail "the packaged config's data_dir is not /var/lib/pasarela"
if grep -Eq '^[[:space:]]*admin_password[[:space:]]*=' "$work/root/etc/pasarela/pasarela.toml"; then
    fail "the packaged config sets admin_password; it must be generated at first start"
fi
if grep -Eq '^[[:space:]]*\[\[accounts\]\]' "$work/root/etc/pasarela/pasarela.toml"; then
    fail "the packaged config enables an account; the demo account must stay commented out"
fi
cmp -s "$work/root/usr/lib/systemd/system/pasarela.service" config/systemd/pasarela.service \
    || fail "the packaged unit differs from config/systemd/pasarela.service"

step "systemd-analyze verify"
if command -v systemd-analyze >/dev/null; then
    # verify wants ExecStart's binary to exist, so point the unit at the
    # extracted one; drop-ins in pasarela.service.d/ beside it are read too.
    # Unknown keys are only warned about (exit 0), so any output fails.
    mkdir -p "$work/units/pasarela.service.d"
    sed "s#^ExecStart=/usr/bin/pasarela #ExecStart=$work/root/usr/bin/pasarela #" \
        "$work/root/usr/lib/systemd/system/pasarela.service" >"$work/units/pasarela.service"
    verify() {
        local out
        out=$(systemd-analyze verify "$work/units/pasarela.service" 2>&1) \
            && [ -z "$out" ] || fail "systemd-analyze verify ($1): ${out:-non-zero exit}"
        echo "ok: $1"
    }
    verify "the unit"
    for dropin in "$work"/root/usr/share/doc/pasarela/examples/*.conf; do
        cp "$dropin" "$work/units/pasarela.service.d/"
        verify "the unit with $(basename "$dropin")"
        rm "$work/units/pasarela.service.d/$(basename "$dropin")"
    done
else
    echo "systemd-analyze not found: the unit is not verified"
fi

echo
echo "check-deb: ok: $deb"
