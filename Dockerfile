# syntax=docker/dockerfile:1
# coopsync in a container: built on Debian bookworm with the project's own package lists
# (scripts/packages/*.txt, the ones scripts/setup installs), run on bookworm-slim with only
# the runtime libraries the binary links, as a non-root user.
#
#   docker build -t coopsync .
#   docker run -d --name coopsync --env-file coopsync.env \
#       -v coopsync-state:/var/lib/coopsync \
#       -v "$PWD/coopsync.yaml:/etc/coopsync/coopsync.yaml:ro" coopsync
#   docker exec coopsync coopsync status --config /etc/coopsync/coopsync.yaml
#
# Secrets stay out of the image and of the YAML: the config references ${ODOO_PASSWORD}...
# and the environment (--env-file) or mounted *_file: paths provide them. The store
# (store.path, relative paths resolve in /var/lib/coopsync) lives in the volume. The daemon
# listens on loopback unless daemon.listen says otherwise (--allow-non-loopback, behind a
# TLS proxy). tests/packaging checks that the run stage installs every library the binary
# links (a Debian package name changes, that test fails).

FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/packages/ scripts/packages/
# The build needs build.txt (toolchain and libraries) and the -dev packages the connectors
# and the store list in their own files; test.txt and the simulators' servers are for the
# test suite, not for the image.
RUN set -eu; \
    pkgs=$( { cat scripts/packages/build.txt; \
              for f in scripts/packages/*.txt; do \
                [ "$f" = scripts/packages/test.txt ] || sed 's/#.*//' "$f" | tr -s ' ' '\n' | grep -- '-dev$' || true; \
              done; } | sed 's/#.*//' | tr -s ' \n' '\n' | sed '/^$/d' | sort -u); \
    apt-get update -qq; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs; \
    rm -rf /var/lib/apt/lists/*
COPY . .
# The build type scripts/setup uses and CI tests (-O2; -O3 brings GCC 12 false positives
# that -Werror would turn into a failed image), stripped afterwards.
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOOPSYNC_TESTS=OFF \
    && cmake --build /build --target coopsync \
    && strip /build/coopsync \
    && /build/coopsync --version

FROM debian:bookworm-slim AS run
# Exactly the shared libraries of `ldd coopsync` that the slim image lacks (their own
# dependencies come with them), the CA bundle for TLS, and the zone database that
# event times in Europe/Paris need.
RUN set -eu; \
    apt-get update -qq; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      ca-certificates tzdata \
      libcurl4 libexpat1 libical3 libyaml-cpp0.7 libspdlog1.10 libfmt9 libsqlite3-0 \
      libdate-tz3 libphonenumber8 libssl3 libjemalloc2; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system coopsync; \
    useradd --system --gid coopsync --home-dir /var/lib/coopsync --shell /usr/sbin/nologin coopsync; \
    install -d -o coopsync -g coopsync -m 0700 /var/lib/coopsync
COPY --from=build /build/coopsync /usr/local/bin/coopsync
COPY config/ /etc/coopsync/
USER coopsync
WORKDIR /var/lib/coopsync
VOLUME ["/var/lib/coopsync"]
ENV COOPSYNC_CONFIG=/etc/coopsync/coopsync.yaml
# SIGTERM drains in-flight writes and exits 0; SIGHUP reloads the config.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/coopsync"]
CMD ["daemon", "--config", "/etc/coopsync/coopsync.yaml"]
