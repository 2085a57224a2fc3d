#!/usr/bin/env bash
# tools/deps.sh — the Debian 12 packages dsim needs, in one place: 'tools/dsim
# deps' and the container image (tools/campaign/Dockerfile) both install them
# through this script, so a CI machine, a laptop and a Kubernetes pod get the
# same steps.
#
#   tools/deps.sh install build   install what building and running need
#   tools/deps.sh install test    the test extras too (chromium, GNU parallel, clang)
#   tools/deps.sh list build|test print the package names
#
# Sourced (by tools/dsim) it only defines 'deb_build', 'deb_test',
# 'missing_debs' and 'install_debs'. Not root: prints the apt-get command and
# exits 2.
deb_build="meson ninja-build pkg-config gcc libc6-dev liblua5.4-dev libjansson-dev libcmocka-dev python3"
deb_test="chromium parallel clang libclang-rt-14-dev"   # clang: the libFuzzer harnesses

missing_debs() {
    local p out=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || out="$out $p"
    done
    printf '%s' "${out# }"
}

install_debs() {
    local missing
    missing=$(missing_debs "$@")
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        printf 'dsim: missing Debian packages: %s\n' "$missing" >&2
        printf 'dsim: install them with:  sudo apt-get install -y %s\n' "$missing" >&2
        exit 2
    fi
    printf 'dsim: installing: %s\n' "$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >&2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    what=${2:-build}
    case "$what" in
        build) pkgs=$deb_build ;;
        test) pkgs="$deb_build $deb_test" ;;
        *) echo "usage: tools/deps.sh install|list build|test" >&2; exit 2 ;;
    esac
    case "${1:-}" in
        # shellcheck disable=SC2086
        install) install_debs $pkgs ;;
        list) echo "$pkgs" ;;
        *) echo "usage: tools/deps.sh install|list build|test" >&2; exit 2 ;;
    esac
fi
