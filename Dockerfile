# The Kompox image: the `kompoxops` CLI, whose `worker` command is what the Deployment of
# `kompoxops worker manifests` runs. Build and push your own:
#
#   docker build -t registry.example.com/kompox/kompoxops:1.0.0 .
#   docker push registry.example.com/kompox/kompoxops:1.0.0
#
# Kompox's own tests cannot run Docker, so this file is never built by them. The dev cluster runs
# an image of the same layout built without Docker (images/kompoxops/dev-recipe.sh: Node 24 in
# /usr/local/bin, the app in /app, user 10001, this entrypoint); test/unit/kompoxops-image.test.ts
# keeps the two, and the Deployment's runAsUser, from drifting apart.

# The build: every dependency, the TypeScript compiled and the workflows bundled, as `make build`
# does (the Makefile's Node check and stamps need the repository's own node package, so the steps
# are spelled out). --ignore-scripts: the only install scripts are the `node` dev dependency's
# download, which this base image makes unnecessary, and checks that do nothing here.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN node node_modules/typescript/bin/tsc -p tsconfig.json && node dist/workers/bundle-workflows.js

# Production dependencies only; the Temporal core bridge keeps the binary of this platform alone.
FROM node:24-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 \
    ! -name "$(uname -m)-unknown-linux-gnu" -exec rm -rf {} +

FROM node:24-bookworm-slim
ENV NODE_ENV=production
RUN groupadd --gid 10001 kompox \
  && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin kompox
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# No secrets in the image: the Deployment mounts the codec key, the webhook token and any
# Temporal TLS material from Secrets. The root filesystem can be read-only: the worker writes
# only to /tmp and its state directory, both emptyDir volumes in the Deployment.
USER 10001:10001
ENTRYPOINT ["node", "--enable-source-maps", "/app/dist/cli/main.js"]
