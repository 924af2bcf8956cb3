# The WHIP gateway's image (stacks/whip-gateway.ts): Node 22 and Debian's ffmpeg, running one bundled file.
# Built by `sst deploy` with the repository as its context.

FROM node:22-bookworm-slim AS build
WORKDIR /repo
COPY . .
# The workspaces' runtime dependencies only; no install scripts (none is needed to bundle).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# One ES module file: the gateway needs no node_modules at run time.
RUN node_modules/.bin/esbuild packages/functions/src/whip-gateway-main.ts \
      --bundle --platform=node --target=node22 --format=esm --outfile=/out/whip-gateway.mjs \
      "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"

FROM node:22-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /out/whip-gateway.mjs ./
USER node
ENV NODE_ENV=production
EXPOSE 8082
CMD ["node", "whip-gateway.mjs"]
