#!/usr/bin/env bash
# deps.sh - installs what building, running and testing need: Debian packages
# (only the missing ones, quietly) and the npm packages of web/, tools/ and deploy/aws/.
# Idempotent; runs apt-get as root, through sudo otherwise. Arguments are further Debian
# packages a target needs beyond these (`make deps-fuzz`: clang, libclang-rt-14-dev).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
    build-essential pkg-config meson ninja-build clang-format
    libmicrohttpd-dev libpq-dev libjansson-dev libsodium-dev libssl-dev
    libcurl4-openssl-dev libcmocka-dev
    postgresql-15 postgresql-client-15
    python3 python3-pytest python3-requests python3-cryptography python3-icalendar
    python3-aiosmtpd
    nodejs wrk chromium fonts-dejavu-core
    "$@"
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm comes with nodesource's nodejs; Debian's own nodejs needs the npm package.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: reinstall only when the lock file is newer than the install.
for dir in web tools deploy/aws; do
    if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
        [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        echo "deps: npm ci in $dir/"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
done
