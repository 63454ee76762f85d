# Dockerfile - the crm image: a Debian 12 stage builds the server (release) and the staff web
# app; the runtime stage holds only the runtime libraries, the binary and the web assets, and
# runs as a user of its own. `crm serve` by default; `crm migrate` and `crm worker` from the
# same image. Base images are build arguments (deploy/base-image.sh makes local ones where
# there is no registry). Configuration: environment only (CRM_X, or CRM_X_FILE for secrets).
ARG BUILD_IMAGE=debian:12
ARG BASE_IMAGE=debian:12-slim

FROM ${BUILD_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends \
        build-essential pkg-config meson ninja-build ca-certificates \
        libmicrohttpd-dev libpq-dev libjansson-dev libsodium-dev libssl-dev \
        libcurl4-openssl-dev nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# the web app's packages first: a layer that only changes with its lock file. The build
# machine's CA bundle comes in as the secret ca_certs (deploy/image.sh passes it), for a
# network whose TLS goes through a proxy of its own; it never lands in a layer.
COPY web/package.json web/package-lock.json web/
RUN --mount=type=secret,id=ca_certs \
    cd web && NODE_EXTRA_CA_CERTS=/run/secrets/ca_certs \
        npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN meson setup /build -Dbuildtype=release -Ddocs_dir=/usr/share/crm/docs \
        -Dweb_dir=/usr/share/crm/web >/dev/null \
    && ninja -C /build crm \
    && scripts/build_web.sh /build/crm \
    && install -D -m 0755 /build/crm /out/usr/local/bin/crm \
    && mkdir -p /out/usr/share/crm \
    && cp -r web/dist /out/usr/share/crm/web \
    && cp -r web/node_modules/swagger-ui-dist /out/usr/share/crm/docs

FROM ${BASE_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends \
        libmicrohttpd12 libpq5 libjansson4 libsodium23 libssl3 libcurl4 ca-certificates \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
    && useradd --uid 10001 --home-dir /var/lib/crm --create-home --shell /usr/sbin/nologin crm
COPY --from=build /out/ /
USER crm
WORKDIR /var/lib/crm
ENV CRM_LISTEN=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["crm", "healthcheck"]
ENTRYPOINT ["crm"]
CMD ["serve"]
