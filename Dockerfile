# Multi-stage build: dependencies and the generated Prisma client in a build stage, a slim
# non-root runtime that applies migrations at start (the service does it before listening).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY src/db/pglite-adapter.ts ./src/db/pglite-adapter.ts
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc --noEmit && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
WORKDIR /app
RUN mkdir -p /data && chown node:node /data
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# `migrate` first so a failing migration stops the container before it serves anything.
CMD ["sh", "-c", "node --import tsx src/cli.ts migrate && exec node --import tsx src/main.ts"]
