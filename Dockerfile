# One image for every service: its entrypoint is `lyre`, and the arguments (or LYRE_TARGETS)
# choose what runs, e.g. `--target config-service`, `migrate`, or `agent --config ...`.

# The web UI.
FROM node:22-bookworm-slim AS ui
WORKDIR /src/portal-ui
COPY portal-ui/package.json portal-ui/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY portal-ui/ ./
COPY portal/openapi.json /src/portal/openapi.json
RUN npm run build

# The binary, with the UI built into it.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
COPY --from=ui /src/portal-ui/dist /src/portal-ui/dist
RUN cargo build --release --locked -p lyre --features tls && strip target/release/lyre

# The runtime: the binary, CA certificates, and an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/lyre --create-home lyre
COPY --from=build /src/target/release/lyre /usr/local/bin/lyre
ENV LYRE_DATABASE_URL=sqlite:/var/lib/lyre/data/lyre.db
USER 10001:10001
WORKDIR /var/lib/lyre
EXPOSE 8070 8080 8090
ENTRYPOINT ["lyre"]
