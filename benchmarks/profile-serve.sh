#!/usr/bin/env bash
# Where an nbdcrypt server spends its CPU during one fio job: perf (cpu-clock samples of the
# server process, kernel and JIT-compiled Java alike, via the JVM's perf map) and a JFR
# recording of the same run. For explaining benchmark rows, not for numbers to compare.
#
#   benchmarks/profile-serve.sh [WORKDIR]
#   KIND=luks2|plain JOB=seqread|randread|seqwrite|randwrite RUNTIME=10 SIZE_MIB=1024 benchmarks/profile-serve.sh
#
# Needs perf (Debian linux-perf) with kernel.perf_event_paranoid <= 2 for a process of one's own;
# software cpu-clock samples suffice (no hardware counters in a VM).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/find-jdk25.sh"
KIND=${KIND:-luks2}
JOB=${JOB:-seqread}
RUNTIME=${RUNTIME:-10}
SIZE_MIB=${SIZE_MIB:-1024}
work=${1:-$(mktemp -d /tmp/nbd-profile.XXXXXX)}
mkdir -p "$work"
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
for t in fio perf cryptsetup python3; do
  command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 1; }
done
"$here/build" -q -DskipTests package >&2
jar="$here/nbd-server/target/nbdcrypt.jar"
head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n" > "$work/key"
if [ "$KIND" = plain ]; then
  truncate -s "${SIZE_MIB}M" "$work/img"
  args=(--plain)
else
  truncate -s "$((SIZE_MIB + 16))M" "$work/img"
  cryptsetup luksFormat -q --type luks2 --cipher aes-xts-plain64 --key-size 512 --sector-size 4096 \
    --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$work/key" "$work/img"
  args=(--key-file "$work/key")
fi
sock="$work/s.sock"
java @"$here/scripts/jvm/native.args" @"$here/scripts/jvm/vector.args" \
  -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit \
  -jar "$jar" serve "$work/img" "${args[@]}" --socket "$sock" > "$work/serve.out" 2> "$work/serve.err" &
pid=$!
for _ in $(seq 1 300); do [ -S "$sock" ] && break; sleep 0.1; done
uri="nbd+unix:///?socket=$sock"
fio_job() { # NAME RW BS QD SECONDS
  fio --name="$1" --ioengine=nbd --uri="$uri" --rw="$2" --bs="$3" --iodepth="$4" --size="${SIZE_MIB}m" \
    --time_based --runtime="$5" --output-format=json 2>/dev/null | python3 -c '
import json, sys
t = sys.stdin.read(); j = json.loads(t[t.index("{"):])["jobs"][0]
d = j["write"] if j["write"]["io_bytes"] > 0 else j["read"]
print("%s: %.0f MB/s, %.0f IOPS" % (j["jobname"], d["bw_bytes"] / 1e6, d["iops"]))'
}
case $JOB in
  seqread) spec=(read 1M 16);; randread) spec=(randread 4k 32);;
  seqwrite) spec=(write 1M 16);; randwrite) spec=(randwrite 4k 32);;
esac
# Fill the volume with real ciphertext first (a hole reads as zeroes without decrypting), then
# warm the JIT on the job itself.
fio_job fill write 1M 16 "$(( SIZE_MIB / 512 + 3 ))" > /dev/null
fio_job warm "${spec[@]}" "${WARMUP:-10}" > /dev/null
jcmd "$pid" JFR.start name=p settings=profile filename="$work/serve.jfr" > /dev/null
perf record -e cpu-clock -F 997 -g -p "$pid" -o "$work/perf.data" 2> /dev/null &
perfpid=$!
fio_job "$JOB" "${spec[@]}" "$RUNTIME"
kill -INT "$perfpid"; wait "$perfpid" 2>/dev/null || true
jcmd "$pid" JFR.stop name=p > /dev/null
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=   # writes /tmp/perf-PID.map for perf report
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "--- perf, server process, by thread"
perf report -i "$work/perf.data" --stdio --no-children --sort comm 2>/dev/null | grep -E '^ +[0-9]' | head -8
echo "--- perf, server process, top symbols (self)"
perf report -i "$work/perf.data" --stdio --no-children --sort dso,sym -g none 2>/dev/null | grep -E '^ +[0-9]' | head -30
echo "(JFR recording: $work/serve.jfr; perf data: $work/perf.data)"
