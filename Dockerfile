# portgate container image: Debian 12, built with the README's "Building by hand" steps,
# run as a non-root user with the plugins and the CA store. Build from the repository root:
#   docker build -f examples/ci/Dockerfile -t portgate .
FROM debian:12 AS build
WORKDIR /src
COPY . .
# The README's steps, verbatim (tests/e2e/ci_templates.sh checks they stay the same).
RUN sh scripts/install-deps.sh
RUN autoreconf -fi
RUN mkdir build && cd build && ../configure && make && make check && make install

FROM debian:12-slim
# Runtime libraries of portgate and its plugins (the test derives this list from the built
# binaries), the CA store for TLS checks and plugin HTTPS, curl and unzip for fetching a
# baseline artifact in CI.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl unzip \
      libc-ares2 libcurl4 libidn2-0 libjansson4 libltdl7 libmaxminddb0 libmicrohttpd12 libpsl5 \
      libssl3 libyaml-0-2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/ /usr/local/
RUN ldconfig \
 && useradd --system --uid 10001 --create-home --home-dir /var/lib/portgate portgate
USER 10001
ENV PORTGATE_STATE_DIR=/var/lib/portgate
WORKDIR /work
ENTRYPOINT ["portgate"]
CMD ["--help"]
