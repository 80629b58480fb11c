#!/usr/bin/env bash
# Resident memory of `nbdcrypt serve --ephemeral --authenticated` on a 1 TiB sparse volume under 4k random
# writes: the hash tree of 1 TiB is 6 GiB (1.6 M leaves), the node cache is bounded by
# --metadata-cache, so RSS must level off however long the load runs. Also prints the metadata
# overhead on the disk and what the cache did (the server's closing log line).
#
#   benchmarks/auth-footprint.sh [WORKDIR]
#   SIZE=1T RUNTIME=60 CACHE=auto benchmarks/auth-footprint.sh
#
# The server runs as ./nbdcrypt runs it: the daemon JVM options (scripts/jvm/daemon.args, a 32 MiB
# heap), so the run also proves the live set is bounded (it would end in OutOfMemoryError).
#
# Needs fio (nbd engine) and about 2 x RUNTIME x (4k write rate) of free disk in WORKDIR.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
SIZE=${SIZE:-1T}
RUNTIME=${RUNTIME:-60}
CACHE=${CACHE:-auto}
work=${1:-$(mktemp -d /tmp/auth-footprint.XXXXXX)}
mkdir -p "$work"
command -v fio >/dev/null || { echo "missing tool: fio" >&2; exit 1; }
"$here/build" -q -DskipTests package >&2
img="$work/auth.img" sock="$work/auth.sock"
rm -f "$img" "$sock"
truncate -s "$SIZE" "$img"
"$here/nbdcrypt" serve "$img" --ephemeral --authenticated --metadata-cache "$CACHE" --socket "$sock" > "$work/serve.out" 2> "$work/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { cat "$work/serve.err" >&2; exit 1; }
rss() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status"; }
echo "rss after start: $(rss) MiB (metadata cache: $CACHE)"
fio --name=randwrite --ioengine=nbd --uri="nbd+unix:///?socket=$sock" --rw=randwrite --bs=4k --iodepth=32 \
    --size="$SIZE" --time_based --runtime="$RUNTIME" --output-format=json > "$work/fio.json" 2> "$work/fio.err" &
fio_pid=$!
: > "$work/rss.txt"
while kill -0 "$fio_pid" 2>/dev/null; do
  echo "$(date +%s) $(rss)" >> "$work/rss.txt"
  sleep 1
done
wait "$fio_pid"
iops=$(python3 -c 'import json,sys; t=open(sys.argv[1]).read(); j=json.loads(t[t.index("{"):])["jobs"][0]; print("%.0f" % j["write"]["iops"])' "$work/fio.json")
kill "$pid"; wait "$pid" 2>/dev/null || true
trap - EXIT
python3 - "$work/rss.txt" "$RUNTIME" <<'PY'
import sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
t0 = rows[0][0]
quarter = max(1, len(rows) // 4)
print("rss MiB: max %d; mean of the first quarter %d, of the last quarter %d (samples each second over %s s)" % (
    max(r[1] for r in rows), sum(r[1] for r in rows[:quarter]) / quarter, sum(r[1] for r in rows[-quarter:]) / quarter, sys.argv[2]))
PY
echo "4k randwrite QD32: $iops IOPS"
echo "on disk: $(du -m "$img" | cut -f1) MiB allocated of $SIZE"
grep -E 'nbdcrypt: authentication failures|OutOfMemory' "$work/serve.err" || tail -3 "$work/serve.err"
echo "(results in $work)"
