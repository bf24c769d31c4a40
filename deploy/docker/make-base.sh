#!/bin/bash
# Builds local/node-base:20 — a registry-free base image holding only the host's /usr/bin/node and the
# shared libraries `ldd` lists (no shell, no npm), for machines that cannot pull node:20-slim.
# Deterministic tar (sorted names, mtime 0, uid/gid 0), so a re-import yields the same layer digest.
# Skips when the tag exists; FORCE=1 rebuilds. EXTRA_BINS="/usr/sbin/tc /usr/bin/ip" adds tools + their libs.
set -euo pipefail
TAG=${TAG:-local/node-base:20}
NODE_BIN=${NODE_BIN:-$(command -v node)}
# Bumped whenever the content changes; an image with the tag but another revision (e.g. the plain
# infra.md recipe, which lacks librt needed by @resvg/resvg-js) is rebuilt.
REV=2
if [ -z "${FORCE:-}" ] && docker image inspect -f '{{json .Config.Env}}' "$TAG" 2>/dev/null | grep -q "PROXMESH_BASE_REV=$REV\""; then
  echo "make-base: $TAG exists (revision $REV; FORCE=1 rebuilds)"
  exit 0
fi
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/proxmesh-base.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{usr/bin,tmp,etc,app,root,data}
chmod 1777 "$ROOT/tmp"

copy_with_libs() {  # a binary and every library ldd lists, at the same paths
  local bin=$1
  cp -L --parents "$bin" "$ROOT"/
  ldd "$bin" | grep -o '/[^ ]*' | while read -r lib; do cp -L --parents "$lib" "$ROOT"/; done
}
# node may be reached through a symlink (nvm, /usr/local/bin); the image always has it at /usr/bin/node.
cp -L "$NODE_BIN" "$ROOT/usr/bin/node"
ldd "$NODE_BIN" | grep -o '/[^ ]*' | while read -r lib; do cp -L --parents "$lib" "$ROOT"/; done
# glibc's small runtime libraries that native addons link against (resvg: librt, libdl, libpthread).
for lib in libanl.so.1 libdl.so.2 libm.so.6 libpthread.so.0 libresolv.so.2 librt.so.1 libutil.so.1 \
           libnss_files.so.2 libnss_dns.so.2 libgcc_s.so.1 libstdc++.so.6; do
  # awk reads all of ldconfig's output (no early exit): an early exit would SIGPIPE ldconfig, and
  # with pipefail that failed the script at random.
  path=$(ldconfig -p | awk -v l="$lib" '!found && $1 == l && /x86-64|x86_64|AArch64|aarch64/ { print $NF; found = 1 }')
  [ -n "$path" ] && cp -L --parents "$path" "$ROOT"/
done
for extra in ${EXTRA_BINS:-}; do copy_with_libs "$extra"; done

printf 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nnode:x:1000:1000:node:/app:/bin/false\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\nnode:x:1000:\n' > "$ROOT/etc/group"
# glibc's built-in files+dns modules: Docker's embedded DNS resolves network aliases without extra libs.
printf 'hosts: files dns\n' > "$ROOT/etc/nsswitch.conf"

tar -C "$ROOT" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -c . | docker import \
  -c "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_ENV=production PROXMESH_BASE_REV=$REV" \
  -c 'WORKDIR /app' \
  -c 'CMD ["/usr/bin/node"]' \
  - "$TAG" >/dev/null
echo "make-base: built $TAG ($(docker image inspect -f '{{.Size}}' "$TAG") bytes, node $("$NODE_BIN" --version))"
