#!/usr/bin/env bash
# image.sh - builds the crm image (Dockerfile) as IMAGE (argument; default localhost/crm:latest)
# with docker when an engine answers, else podman (as Debian's podman runs here: runc and
# explicit limits). Base images: BUILD_IMAGE and BASE_IMAGE when set (debian:12 and
# debian:12-slim from a registry, say); otherwise local ones made by deploy/base-image.sh, for
# a machine without a registry. The machine's CA bundle (CA_CERTS) is handed to the build as a
# secret, for npm behind a proxy that intercepts TLS. Prints the image's size.
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:-localhost/crm:latest}

if docker info >/dev/null 2>&1; then
    engine=(docker)
    build=(docker build)
else
    # Debian's podman (and debootstrap for the base images), installed as deps.sh installs
    if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null; then
        echo "image: installing podman, runc and debootstrap"
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
            podman runc uidmap slirp4netns debootstrap >/dev/null
    fi
    engine=(podman)
    build=(podman --runtime runc build --format docker --ulimit nofile=20000:20000
        --ulimit nproc=32768:32768)
fi
if [ -z "${BUILD_IMAGE:-}" ] || [ -z "${BASE_IMAGE:-}" ]; then
    export BASE_BUILD_IMAGE=localhost/debian:12 BASE_IMAGE=localhost/debian:12-slim
    PODMAN="${engine[0]}" deploy/base-image.sh
    BUILD_IMAGE=$BASE_BUILD_IMAGE
fi
echo "image: building $image from $BUILD_IMAGE and $BASE_IMAGE with ${engine[0]}"
# the CAs this machine trusts, for the build's npm (a network may intercept TLS)
ca=${CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
"${build[@]}" --build-arg "BUILD_IMAGE=$BUILD_IMAGE" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    --secret "id=ca_certs,src=$ca" -t "$image" .
size=$("${engine[0]}" image inspect --format '{{.Size}}' "$image")
echo "image: $image, $((size / 1000 / 1000)) MB"
