# portgate container image: Debian 12, portgate and its plugins built from this tree, the CA
# store, a shell (CI runners start their job shells in it), run as uid 10001 by default.
# Build from the repository root (.dockerignore keeps build/, demo outputs and .git out):
#   docker build -t portgate --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg SOURCE_URL="https://github.com/YOUR-ORG/portgate" .
# Optional: `--target test` adds the test toolchain and runs `make check`; its end-to-end tests
# create network namespaces and iptables rules, so only a builder that grants RUN steps those
# privileges passes it (elsewhere: `sh scripts/test.sh` as root on a machine).
# scripts/image-test.sh builds this with podman and runs the CI templates' jobs inside it.
ARG BASE=debian:12
ARG RUNTIME_BASE=debian:12-slim

FROM ${BASE} AS build
WORKDIR /src
# Build dependencies only (the test toolchain is the `test` stage's); the list is copied alone
# first so that a source change does not reinstall them.
COPY scripts/install-deps.sh scripts/
RUN sh scripts/install-deps.sh --build && rm -rf /var/lib/apt/lists/*
COPY . .
RUN autoreconf -fi
RUN mkdir build && cd build && ../configure --sysconfdir=/etc && make -j"$(nproc)" \
 && make install DESTDIR=/stage \
 && find /stage -name '*.la' -delete

FROM build AS test
RUN sh scripts/install-deps.sh && cd build && make -j"$(nproc)" check

FROM ${RUNTIME_BASE} AS runtime
# Runtime libraries of portgate and its plugins (tests/tools/ci_templates.py derives this list
# from the built binaries), the CA store for TLS checks and plugin HTTPS, curl and unzip for
# fetching a baseline artifact in CI.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl unzip \
      libc-ares2 libcurl4 libidn2-0 libjansson4 libltdl7 libmaxminddb0 libmicrohttpd12 libpsl5 \
      libssl3 libyaml-0-2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /stage/ /
COPY examples/ci/portgate-entrypoint.sh /usr/local/bin/portgate-entrypoint
# The label arguments come late, so that a new revision rebuilds only this cheap RUN and the
# labels; and before a RUN, whose cache key has their values (buildah 1.28 keys a cached LABEL
# on its text alone, and kept a stale revision).
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE_URL=unknown
ARG LICENSES=NOASSERTION
ARG RUNTIME_BASE
RUN ldconfig \
 && useradd --system --uid 10001 --create-home --home-dir /var/lib/portgate portgate
LABEL org.opencontainers.image.title="portgate" \
      org.opencontainers.image.description="Check owned assets against a manifest of approved ports; evidence, SARIF, JUnit, Code Quality" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="${LICENSES}" \
      org.opencontainers.image.base.name="${RUNTIME_BASE}"
# Non-root for Kubernetes and GitLab (its runner makes the checkout world-writable); GitHub
# container jobs need `options: --user 0` (README.md: "In CI: the image, the action, ...").
USER 10001
ENV PORTGATE_STATE_DIR=/var/lib/portgate
WORKDIR /work
# `docker run IMAGE check ...` runs portgate; `docker run IMAGE sh -c ...` (how GitLab starts
# a job's shell) runs the shell.
ENTRYPOINT ["/usr/local/bin/portgate-entrypoint"]
CMD ["--help"]
