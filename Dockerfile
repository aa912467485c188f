# syntax=docker/dockerfile:1
# Causa: the Slack bot (node dist/src/main.js). Build: docker build -t causa .
# Deploy: deploy/README.md. No secrets are baked in: tokens come from the environment at run time.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript and the better-sqlite3 native module ----------------------------
FROM ${NODE_IMAGE} AS build
# python3, make and g++: node-gyp fallback for better-sqlite3 when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# node-gyp uses the headers shipped in the image instead of downloading them.
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /app

# Dependencies first (cached until package*.json change). --ignore-scripts: `prepare` (tsc) needs
# the sources, copied later; the one install script we need (better-sqlite3) runs explicitly.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts \
 && npm rebuild better-sqlite3

COPY tsconfig.json ./
COPY src ./src
RUN npm run build
RUN npm prune --omit=dev --ignore-scripts
# Keep only the compiled addon of better-sqlite3 (drops the SQLite sources and object files).
RUN cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node /tmp/ \
 && rm -rf build deps src \
 && mkdir -p build/Release \
 && mv /tmp/better_sqlite3.node build/Release/
# Fail the build here, not in the cluster, if the native module does not load.
RUN node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"

# ---- runtime ----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production CAUSA_DB=/data/causa.db PORT=3000
WORKDIR /app
# Unprivileged user (uid/gid 10001, matching deploy/base/deployment.yaml). The application files
# stay owned by root, so the process cannot modify its own code; only /data is writable.
RUN groupadd --gid 10001 causa \
 && useradd --uid 10001 --gid 10001 --no-log-init --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin causa \
 && mkdir -p /data \
 && chown 10001:10001 /data
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY migrations ./migrations
COPY scenarios ./scenarios
COPY manifest.yml ./manifest.yml
USER 10001:10001
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/src/main.js"]
