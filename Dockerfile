# Multi-stage build: dependencies, the generated Prisma client and the compiled JavaScript (dist/) in a
# build stage; a slim non-root runtime with production dependencies only, running `node dist/…`
# (no runtime transpiler). Node 22 is the maintained LTS line here (Node 20 reached end of life).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY src/db/pglite-adapter.ts ./src/db/pglite-adapter.ts
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run typecheck && npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data HOLIDAYS_FILE=/app/holidays.yaml
WORKDIR /app
RUN mkdir -p /data && chown node:node /data
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/package.json /app/holidays.yaml ./
USER node
# Embedded mode keeps the database, queue, backups and the generated secret here.
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node is PID 1 and gets SIGTERM directly; `migrate` first so a failing migration stops the container
# before it serves anything (a stale data-directory lock from a killed PID 1 does not block it).
CMD ["sh", "-c", "node dist/src/cli.js migrate && exec node dist/src/main.js"]
