#!/usr/bin/env bash
# test-image.sh - builds the image (deploy/image.sh) and runs it as an operator would
# (deploy/test_image.py: migrate, serve and worker containers against a private PostgreSQL).
# Not part of `make test` (minutes); CI runs it. Ends with `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
image=${IMAGE:-localhost/crm:latest}
deploy/image.sh "$image"
if docker info >/dev/null 2>&1; then engine=docker; else engine=podman; fi
# the harness makes its key set with the host's crm: the binary alone, not the web app
[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build crm >/dev/null
IMAGE=$image ENGINE=$engine python3 deploy/test_image.py
