#!/usr/bin/env bash
# citus.sh - a local Citus cluster for `make test-citus` and `make bench-citus`: builds Citus
# from the vendored sources once (cached under var/citus/build) and installs it into
# PostgreSQL 15, then starts a coordinator and two workers on private ports (var/citus/).
#   scripts/citus.sh build | start | stop | status | url
# CITUS_VENDOR (default ../shared/vendor) holds citus-13.2.2.tar.gz and its PostgreSQL 15 patch;
# CITUS_PORT (default 55436) is the coordinator's port, the workers take the next two.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=13.2.2
VENDOR=${CITUS_VENDOR:-../shared/vendor}
ROOT=$PWD/var/citus
PORT=${CITUS_PORT:-55436}
NODES=(coordinator worker1 worker2)
PG_BIN=/usr/lib/postgresql/15/bin
PG_CONFIG=$PG_BIN/pg_config

# PostgreSQL refuses to run as root: as root, the clusters are the postgres user's.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_of() { echo $((PORT + $1)); }

build() {
    local src=$ROOT/build/citus-$VERSION stamp
    stamp="$ROOT/build/installed-$VERSION-$($PG_CONFIG --version | tr -cd '0-9.')"
    if [ -f "$stamp" ] && [ -f "$($PG_CONFIG --pkglibdir)/citus.so" ]; then
        return 0
    fi
    if [ ! -f "$VENDOR/citus-$VERSION.tar.gz" ]; then
        echo "citus: $VENDOR/citus-$VERSION.tar.gz not found (set CITUS_VENDOR)" >&2
        exit 1
    fi
    echo "citus: building Citus $VERSION (once: about a minute on two cores)"
    rm -rf "$src"
    mkdir -p "$ROOT/build"
    tar -xzf "$VENDOR/citus-$VERSION.tar.gz" -C "$ROOT/build"
    patch -s -d "$src" -p1 <"$VENDOR/citus-pg15-compat.patch"
    (cd "$src" && ./configure --quiet PG_CONFIG="$PG_CONFIG" >"$ROOT/build/configure.log" 2>&1 &&
        make -s -j2 >"$ROOT/build/make.log" 2>&1) || {
        echo "citus: the build failed; see $ROOT/build/*.log" >&2
        exit 1
    }
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    (cd "$src" && $sudo make -s install >"$ROOT/build/install.log" 2>&1)
    rm -f "$ROOT"/build/installed-*
    touch "$stamp"
}

start() {
    mkdir -p "$ROOT/run"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$ROOT" "$ROOT/run"
    local i node data
    for i in "${!NODES[@]}"; do
        node=${NODES[$i]}
        data=$ROOT/$node
        if [ ! -f "$data/PG_VERSION" ]; then
            as_pg "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
                -N >/dev/null
            cat >>"$data/postgresql.conf" <<EOF
shared_preload_libraries = 'citus'
listen_addresses = '127.0.0.1'
port = $(port_of "$i")
unix_socket_directories = '$ROOT/run'
max_connections = 300
fsync = off
full_page_writes = off
synchronous_commit = off
citus.log_remote_commands = off
EOF
        fi
        if ! as_pg "$PG_BIN/pg_ctl" status -D "$data" >/dev/null 2>&1; then
            as_pg "$PG_BIN/pg_ctl" start -w -t 60 -D "$data" -l "$ROOT/$node.log" >/dev/null
        fi
    done
    echo "citus: coordinator on 127.0.0.1:$PORT, workers on $(port_of 1) and $(port_of 2)"
}

stop() {
    local node
    for node in "${NODES[@]}"; do
        [ -f "$ROOT/$node/PG_VERSION" ] &&
            as_pg "$PG_BIN/pg_ctl" stop -w -m fast -D "$ROOT/$node" >/dev/null 2>&1 || true
    done
}

case "${1:-}" in
build) build ;;
start) start ;;
stop) stop ;;
status)
    for node in "${NODES[@]}"; do
        as_pg "$PG_BIN/pg_ctl" status -D "$ROOT/$node" 2>&1 | head -1
    done
    ;;
url) echo "host=127.0.0.1 port=$PORT" ;;
*)
    echo "usage: scripts/citus.sh build | start | stop | status | url" >&2
    exit 2
    ;;
esac
