#!/bin/bash
# Builds the proxmesh image (default tag proxmesh:dev) from a staging build context:
#   1. production node_modules: `npm ci --omit=dev` into $STAGE/deps (needs the npm registry or a warm
#      npm cache), redone only when package-lock.json or the node version changes ($STAGE/deps/.deps-key);
#   2. the compiled app (`npm run build` → dist/) and the files it reads at run time (examples/ data/
#      coordinator/dashboard/public package*.json), copied fresh;
#   3. `docker build --build-arg BASE=…`: $BASE if set; else node:20-slim when it is present or can be
#      pulled; else (no registry) local/node-base:20 made by make-base.sh from the host's node.
# Env: IMAGE (tag), BASE (skip detection), OFFLINE=1 (never try a pull), STAGE (staging folder), QUIET=1.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
IMAGE=${IMAGE:-proxmesh:dev}
STAGE=${STAGE:-${TMPDIR:-/tmp}/proxmesh-image-stage}
say() { [ -n "${QUIET:-}" ] || echo "build-image: $*" >&2; }
t0=$(date +%s%N)

docker info >/dev/null 2>&1 || { echo "build-image: the Docker daemon is not reachable (start dockerd first)" >&2; exit 1; }

# --- base image ------------------------------------------------------------------------------
if [ -z "${BASE:-}" ]; then
  if docker image inspect node:20-slim >/dev/null 2>&1; then
    BASE=node:20-slim
  elif [ -z "${OFFLINE:-}" ] && timeout 60 docker pull -q node:20-slim >/dev/null 2>&1; then
    BASE=node:20-slim
  else
    BASE=local/node-base:20
  fi
fi
if [ "$BASE" = local/node-base:20 ]; then TAG=$BASE "$HERE/make-base.sh" >&2; fi
say "base $BASE"

# --- production dependencies (cached by lockfile + node version) -----------------------------
mkdir -p "$STAGE/deps" "$STAGE/ctx"
# The lockfile pins the whole production tree; package.json edits (scripts) do not need a reinstall.
key=$( (cat "$REPO/package-lock.json"; node --version) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STAGE/deps/.deps-key" 2>/dev/null)" != "$key" ]; then
  say "installing production node_modules (npm ci --omit=dev)"
  rm -rf "$STAGE/deps" && mkdir -p "$STAGE/deps"
  cp "$REPO/package.json" "$REPO/package-lock.json" "$STAGE/deps/"
  # --ignore-scripts: the package's own `prepare` (the build) needs the sources and TypeScript, which
  # this folder does not have; the production dependencies need no install scripts.
  (cd "$STAGE/deps" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >&2)
  # One deterministic tar (sorted, mtime 0, root-owned) instead of ~5000 files: the daemon checksums a
  # single file for its layer cache (seconds saved on every build), and ADD unpacks it in the image.
  tar -C "$STAGE/deps" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    --exclude=node_modules/.cache --exclude=node_modules/.package-lock.json -cf "$STAGE/deps/node_modules.tar" node_modules
  echo "$key" > "$STAGE/deps/.deps-key"
  rm -f "$STAGE/ctx/node_modules.tar"
fi
[ -f "$STAGE/ctx/node_modules.tar" ] || ln "$STAGE/deps/node_modules.tar" "$STAGE/ctx/node_modules.tar"

# --- application: compiled JavaScript and its run-time files ---------------------------------
say "compiling (npm run build)"
(cd "$REPO" && npm run -s build >&2)
for d in dist examples data coordinator node topologies; do rm -rf "${STAGE:?}/ctx/$d"; done
for d in dist examples data; do cp -a "$REPO/$d" "$STAGE/ctx/$d"; done
mkdir -p "$STAGE/ctx/coordinator/dashboard"
cp -a "$REPO/coordinator/dashboard/public" "$STAGE/ctx/coordinator/dashboard/public"
# Source maps and the compiler's incremental state are not needed in the image.
find "$STAGE/ctx/dist" \( -name '*.map' -o -name '.tsbuildinfo' \) -delete
cp "$REPO/package.json" "$REPO/package-lock.json" "$HERE/Dockerfile" "$HERE/.dockerignore" "$STAGE/ctx/"

# --- build -----------------------------------------------------------------------------------
# Legacy builder (no BuildKit/buildx here); its "DEPRECATED" notice on stderr is harmless.
log="$STAGE/build.log"
if ! DOCKER_BUILDKIT=0 docker build --build-arg "BASE=$BASE" -t "$IMAGE" "$STAGE/ctx" >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
say "$IMAGE built on $BASE: $size bytes ($(( size / 1000000 )) MB) in $(( ms / 1000 )).$(( ms % 1000 / 100 )) s (log $log)"
echo "$IMAGE"
