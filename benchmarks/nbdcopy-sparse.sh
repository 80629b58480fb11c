#!/usr/bin/env bash
# nbdcopy of a mostly-empty LUKS2 export: what block status (base:allocation) saves.
# A 1 GiB LUKS2 volume (aes-xts-plain64, 4096-byte sectors) gets 64 scattered 256 KiB writes
# (16 MiB of data) through `nbdcrypt serve`; then nbdcopy copies the whole export to a file,
# with extents (skips holes) and with --no-extents (reads every byte, as it had to before the
# server offered base:allocation). Also nbdinfo --map's count of extents, for scale.
#
#   benchmarks/nbdcopy-sparse.sh [WORKDIR]
#   SIZE_MIB=1024 RUNS=3 OLD_JAR=/path/to/older/nbdcrypt.jar benchmarks/nbdcopy-sparse.sh
#
# OLD_JAR: also time a previous build of the server (with its own default nbdcopy behaviour).
# The machine may be shared: compare rows of one run only.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/find-jdk25.sh"
SIZE_MIB=${SIZE_MIB:-1024}
RUNS=${RUNS:-3}
work=${1:-$(mktemp -d /tmp/nbdcopy-bench.XXXXXX)}
mkdir -p "$work"
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
log() { echo "[bench] $*" >&2; }
for t in nbdcopy nbdinfo qemu-io cryptsetup; do
  command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 1; }
done

"$here/build" -q -DskipTests package >&2
head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n" > "$work/key"
truncate -s "$((SIZE_MIB + 16))M" "$work/luks2.img"
cryptsetup luksFormat -q --type luks2 --cipher aes-xts-plain64 --key-size 512 --sector-size 4096 \
  --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$work/key" "$work/luks2.img"

# serve JAR: starts the server on $sock, sets $pid.
sock="$work/s.sock"
serve() {
  rm -f "$sock"
  java --enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector -jar "$1" serve "$work/luks2.img" \
    --key-file "$work/key" --socket "$sock" > "$work/serve.out" 2> "$work/serve.err" &
  pid=$!
  for _ in $(seq 1 300); do [ -S "$sock" ] && return 0; sleep 0.1; done
  log "server did not start: $(tail -3 "$work/serve.err")"; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
uri="nbd+unix:///?socket=$sock"

serve "$here/nbd-server/target/nbdcrypt.jar"
writes=()
for i in $(seq 0 63); do
  writes+=(-c "write -P $((i % 255 + 1)) $(( (i * 16 + i % 7) * 1048576 * SIZE_MIB / 1024 )) 262144")
done
qemu-io -f raw "${writes[@]}" "$uri" > /dev/null
log "extents reported: $(nbdinfo --map "$uri" | wc -l)"

# best_of LABEL ARGS...: the fastest of $RUNS nbdcopy runs to a fresh file, in seconds.
best_of() {
  local label=$1 best= t; shift
  for _ in $(seq 1 "$RUNS"); do
    rm -f "$work/out.img"
    t=$( { /usr/bin/time -f %e nbdcopy "$@" "$uri" "$work/out.img" > /dev/null; } 2>&1 | tail -1)
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(not $t < $best)"; then best=$t; fi
  done
  printf '%-34s %6s s\n' "$label" "$best"
}
echo "nbdcopy of a ${SIZE_MIB} MiB LUKS2 export holding 16 MiB of data (best of $RUNS; load: $(cut -d' ' -f1-3 /proc/loadavg))"
best_of "this build, with extents" 
best_of "this build, --no-extents" --no-extents
stop
if [ -n "${OLD_JAR:-}" ]; then
  serve "$OLD_JAR"
  best_of "OLD_JAR, nbdcopy defaults"
  stop
fi
