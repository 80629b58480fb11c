#!/usr/bin/env bash
# Footprint of `nbdcrypt serve`: peak RSS (VmHWM) under fio, throughput, and the time from exec
# until the socket is bound, for the daemon JVM options of ./nbdcrypt (scripts/jvm/daemon.args,
# plus the AOT cache the build makes) against today's unbounded JVM (default heap, GC and
# direct memory), in the same run on the same ephemeral volume.
#   RUNTIME=10 SIZE_MIB=1024 benchmarks/serve-footprint.sh [WORKDIR]
# Workloads (fio --ioengine=nbd): 1 MiB QD16 write, 1 MiB QD16 read, 4 KiB QD32 random write.
# Ready time: median of READY_RUNS starts of `serve --ephemeral` (socket appears, then SIGTERM).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/find-jdk25.sh"
RUNTIME=${RUNTIME:-10}
SIZE_MIB=${SIZE_MIB:-1024}
READY_RUNS=${READY_RUNS:-7}
work=${1:-$(mktemp -d /tmp/nbd-footprint.XXXXXX)}
mkdir -p "$work"
jar="$here/nbd-server/target/nbdcrypt.jar"
aot="$here/nbd-server/target/nbdcrypt.aot"
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true' EXIT
log() { echo "[footprint] $*" >&2; }
for t in fio python3; do command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 1; }; done
"$here/build" -q -DskipTests package >&2
truncate -s "${SIZE_MIB}M" "$work/scratch.img"

# name -> java options
declare -A OPTS ENVS
OPTS[unbounded]="@$here/scripts/jvm/native.args @$here/scripts/jvm/vector.args"
OPTS[daemon]="${OPTS[unbounded]} @$here/scripts/jvm/daemon.args"
[ -f "$aot" ] && OPTS[daemon]="${OPTS[daemon]} -XX:AOTCache=$aot"
ENVS[unbounded]="NBDCRYPT_JVM=unbounded"   # glibc defaults
ENVS[daemon]="MALLOC_ARENA_MAX=2"   # as ./nbdcrypt sets it for the daemon commands

start() {   # start NAME: serve the scratch image; sets pid, and ready_ms (exec to bound socket)
  local sock="$work/$1.sock" t0
  rm -f "$sock"
  t0=$(date +%s%N)
  # shellcheck disable=SC2086
  env ${ENVS[$1]} java ${OPTS[$1]} -jar "$jar" serve "$work/scratch.img" --ephemeral --socket "$sock" > "$work/$1.out" 2> "$work/$1.err" &
  pid=$!
  while [ ! -S "$sock" ]; do
    kill -0 "$pid" 2>/dev/null || { log "$1 died: $(tail -3 "$work/$1.err")"; exit 1; }
    sleep 0.005
  done
  ready_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

run_fio() {   # run_fio RW BS QD -> MB/s
  fio --name=f --ioengine=nbd --uri="nbd+unix:///?socket=$work/$1.sock" --rw="$2" --bs="$3" --iodepth="$4" \
      --size="${SIZE_MIB}m" --time_based --runtime="$RUNTIME" --output-format=json 2>/dev/null |
    python3 -c '
import json, sys
t = sys.stdin.read(); j = json.loads(t[t.index("{"):])["jobs"][0]
if j["error"]: sys.exit("fio error %d" % j["error"])
d = j["write"] if j["write"]["io_bytes"] > 0 else j["read"]
print("%.0f" % (d["bw_bytes"] / 1e6))'
}

printf '%-10s %9s %9s %9s %10s %10s\n' config "write1M" "read1M" "randw4k" "VmHWM_MiB" "ready_ms"
for name in unbounded daemon; do
  readies=()
  for _ in $(seq 1 "$READY_RUNS"); do start "$name"; readies+=("$ready_ms"); stop; done
  ready=$(printf '%s\n' "${readies[@]}" | sort -n | sed -n "$(( (READY_RUNS + 1) / 2 ))p")
  start "$name"
  w=$(run_fio "$name" write 1M 16); r=$(run_fio "$name" read 1M 16); rw=$(run_fio "$name" randwrite 4k 32)
  hwm=$(awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
  stop
  printf '%-10s %9s %9s %9s %10s %10s\n' "$name" "$w" "$r" "$rw" "$hwm" "$ready"
done
echo "(MB/s; VmHWM after all three workloads; ready = median ms from exec to bound socket over $READY_RUNS starts)"
