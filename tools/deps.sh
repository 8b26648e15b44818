#!/usr/bin/env bash
# Installs the Debian 12 packages the build and the tests need, if any is missing (dpkg-dev and
# lintian: the .deb's dependencies and its check, packaging/check-deb.sh; clang-format-14: the
# format check of tools/test.sh; libxlsxwriter-dev, libhpdf-dev and fonts-dejavu-core: the
# dashboard's XLSX and PDF exports; chromium, poppler-utils and nodejs: the browser test,
# tests/browser/, which installs playwright-core from npm for itself; postgresql-15 and libpq-dev:
# the PostgreSQL backend and its throwaway test cluster, tests/support/pg_cluster.sh; haproxy: the
# multi-process test, tests/e2e/multi_process_test.cpp, which starts its own).
# Sourced by tools/run-demo.sh and tools/test.sh; safe to run again.
set -euo pipefail

OCOP_PACKAGES=(cmake ninja-build g++ pkg-config libpoco-dev libsqlite3-dev nlohmann-json3-dev
               catch2 zlib1g-dev libssl-dev openssl sqlite3 procps clang-14 libclang-rt-14-dev
               libutf8proc-dev dpkg-dev lintian clang-format-14 openjdk-17-jdk-headless
               libxlsxwriter-dev libhpdf-dev fonts-dejavu-core chromium poppler-utils nodejs
               postgresql-15 libpq-dev haproxy)
# Debian's npm, unless a Node.js build that carries its own (NodeSource's nodejs) is installed:
# the two packages conflict.
command -v npm >/dev/null 2>&1 || OCOP_PACKAGES+=(npm)

ocop_install_deps() {
  local missing=()
  for p in "${OCOP_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "Installing missing packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  # Installing the PostgreSQL server must not create and start a system cluster: the tests start
  # their own, throwaway one (tests/support/pg_cluster.sh); nothing of ours uses a system service.
  if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    $sudo mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  # Nor may installing haproxy leave a system haproxy running: the test starts its own, from the
  # repo's config. policy-rc.d exit code 101 tells invoke-rc.d not to start services; one that an
  # administrator put there is left as it is.
  local no_start=""
  if [[ " ${missing[*]} " == *" haproxy "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
    no_start=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$no_start" >/dev/null
    $sudo chmod +x "$no_start"
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    { [ -z "$no_start" ] || $sudo rm -f "$no_start"; return 1; }
  [ -z "$no_start" ] || $sudo rm -f "$no_start"
}
