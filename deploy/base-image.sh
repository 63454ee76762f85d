#!/usr/bin/env bash
# base-image.sh - makes the Debian 12 base images the Dockerfile starts from, locally, for a
# machine without an image registry: debootstrap (minbase) from the configured Debian mirror,
# then `podman import`. Two images: the build stage's (BASE_BUILD_IMAGE, default
# localhost/debian:12) and the runtime's (BASE_IMAGE, default localhost/debian:12-slim, the
# same tree with documentation, manuals and locales dropped). Runs as root; idempotent: an
# image that exists is kept (FORCE=1 makes both again).
set -euo pipefail

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BUILD_IMAGE=${BASE_BUILD_IMAGE:-localhost/debian:12}
SLIM_IMAGE=${BASE_IMAGE:-localhost/debian:12-slim}
PODMAN=${PODMAN:-podman}

exists() { "$PODMAN" image exists "$1" 2>/dev/null; }

if [ "${FORCE:-0}" != 1 ] && exists "$BUILD_IMAGE" && exists "$SLIM_IMAGE"; then
    echo "base-image: $BUILD_IMAGE and $SLIM_IMAGE exist (FORCE=1 to make them again)"
    exit 0
fi
command -v debootstrap >/dev/null || { echo "base-image: needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }

root=$(mktemp -d /var/tmp/crm-base-XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "base-image: debootstrap bookworm from $MIRROR"
debootstrap --variant=minbase bookworm "$root" "$MIRROR" >/dev/null
# apt inside the image uses the same mirror, and keeps no lists or caches
echo "deb $MIRROR bookworm main" > "$root/etc/apt/sources.list"
echo "deb $MIRROR bookworm-updates main" >> "$root/etc/apt/sources.list"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
tar --numeric-owner -C "$root" -c . | "$PODMAN" import -q --change 'CMD ["/bin/bash"]' - "$BUILD_IMAGE" >/dev/null
echo "base-image: $BUILD_IMAGE"
# the slim one, as debian:12-slim: no documentation, manuals or locales, and dpkg told to keep
# it so
mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
cat > "$root/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
tar --numeric-owner -C "$root" -c . | "$PODMAN" import -q --change 'CMD ["/bin/bash"]' - "$SLIM_IMAGE" >/dev/null
echo "base-image: $SLIM_IMAGE"
