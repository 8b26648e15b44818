#!/usr/bin/env bash
# Builds the server's .deb from a configured and built release tree and checks it: the paths it
# must install (dpkg-deb --contents), nothing else under unexpected places, the conffile and the
# maintainer scripts' user and data directory, and lintian with the accepted overrides in
# packaging/lintian-accepted (each justified there). Run by tools/test.sh after the release tests.
# Usage: bash packaging/check-deb.sh build/release
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: check-deb.sh BUILD_DIR}

rm -f "$build"/ocop-server_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
debs=("$build"/ocop-server_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { echo "check-deb: no single .deb in $build" >&2; exit 1; }
deb=${debs[0]}
echo "package: $deb"

fail() { echo "check-deb: $*" >&2; exit 1; }

contents=$(dpkg-deb --contents "$deb" | awk '{print $6}')
expected=(
  ./usr/bin/ocop-server
  ./usr/bin/ocop-admin
  ./lib/systemd/system/ocop-server.service
  ./etc/ocop/ocop-server.properties
  ./usr/share/man/man8/ocop-server.8.gz
  ./usr/share/man/man8/ocop-admin.8.gz
  ./usr/share/doc/ocop-server/copyright
  ./usr/share/doc/ocop-server/changelog.Debian.gz
  ./usr/share/doc/ocop-server/operations.md
)
for path in "${expected[@]}"; do
  grep -qxF "$path" <<<"$contents" || fail "$path is missing from the package"
done
# Files only where the list above puts them (no tests, benchmarks, headers or build paths).
stray=$(grep -v '/$' <<<"$contents" | grep -vxF -f <(printf '%s\n' "${expected[@]}") || true)
[ -z "$stray" ] || fail "unexpected files in the package: $stray"

dpkg-deb --info "$deb" conffiles | grep -qxF /etc/ocop/ocop-server.properties ||
  fail "the configuration is not a conffile"
postinst=$(dpkg-deb --info "$deb" postinst)
grep -q 'adduser --system --group' <<<"$postinst" || fail "postinst does not create the user ocop"
grep -q 'install -d -o ocop -g ocop -m 0750 /var/lib/ocop' <<<"$postinst" ||
  fail "postinst does not create /var/lib/ocop"
dpkg-deb --info "$deb" postrm | grep -q 'rm -rf /var/lib/ocop' || fail "postrm purge keeps the data"
dpkg-deb --field "$deb" Depends | grep -q adduser || fail "Depends lacks adduser"

# Errors and warnings fail; info and pedantic tags are shown by `lintian -I` for a look.
lintian --fail-on error,warning --suppress-tags-from-file packaging/lintian-accepted "$deb"
echo "package checks passed"
