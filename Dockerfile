# hapbeat's container image. Two stages: the build stage compiles TypeScript with the dev dependencies; the
# final stage holds only the production dependencies, dist/, bin/, config/ and kibana/, and runs as a non-root
# user. Checked without a Docker engine by test/deploy/dockerfile.test.ts (and the same file tree is built and
# run as non-root against a real HAProxy by test/elasticsearch/image-tree.test.ts).

FROM node:20-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
# --ignore-scripts: the prepare script (the build) runs explicitly below, once the sources are in place.
RUN npm ci --no-audit --no-fund --ignore-scripts && npm run build

FROM node:20-bookworm-slim
# MALLOC_MMAP_THRESHOLD_ and --max-semi-space-size (ENTRYPOINT) are hapbeat's launch settings
# (src/launch-settings.ts): about a third less resident memory. Both are read at start.
ENV NODE_ENV=production \
    HAPBEAT_PATH_DATA=/var/lib/hapbeat \
    MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /opt/hapbeat
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /build/dist ./dist
COPY bin ./bin
COPY config ./config
COPY kibana ./kibana
# A dedicated user; the master socket's group is added at run time (compose: group_add).
RUN groupadd --system --gid 10001 hapbeat \
 && useradd --system --uid 10001 --gid hapbeat --home-dir /var/lib/hapbeat --no-create-home --shell /usr/sbin/nologin hapbeat \
 && mkdir -p /var/lib/hapbeat \
 && chown hapbeat:hapbeat /var/lib/hapbeat \
 && chmod 0750 /var/lib/hapbeat
USER hapbeat:hapbeat
# The spool (documents not yet acknowledged) and the agent id survive the container.
VOLUME ["/var/lib/hapbeat"]
# node is PID 1 and handles SIGTERM itself: it delivers for shutdown_timeout, then leaves the rest in the spool.
STOPSIGNAL SIGTERM
# Healthy while hapbeat run keeps its status file fresh and its polls reach HAProxy (hapbeat health).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/opt/hapbeat/bin/hapbeat.js", "health"]
ENTRYPOINT ["node", "--max-semi-space-size=2", "/opt/hapbeat/bin/hapbeat.js"]
CMD ["run", "--config", "/opt/hapbeat/config/hapbeat.yml"]
