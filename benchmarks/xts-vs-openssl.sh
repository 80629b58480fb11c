#!/usr/bin/env bash
# nbdcrypt's XTS engine against OpenSSL on this machine, in the same run, per core.
#
#   benchmarks/xts-vs-openssl.sh            build if needed, run JMH + openssl speed, print the table
#   JMH_ARGS="-f 1 -wi 5 -w 2s -i 10 -r 2s" OSSL_SECONDS=5 benchmarks/xts-vs-openssl.sh   longer runs
#   benchmarks/xts-vs-openssl.sh --cpu-time  one thread, both sides timed by CPU time (shared machines)
#
# Ours: JMH io.nbdcrypt.benchmarks.XtsBenchmark, one operation = one sector (one XTS data unit)
# through SectorCipher, in place, 1 and 2 threads sharing one cipher. OpenSSL:
# `openssl speed -elapsed -evp aes-{128,256}-xts -bytes {4096,512}` (and -decrypt), `-multi 2`
# for two threads. MB/s = 10^6 bytes/s on both sides. Ratio > 1 means nbdcrypt is faster.
# Needs python3. Results (JSON and openssl logs) are kept in $OUT (default: a temp dir).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/find-jdk25.sh"
jar="$here/benchmarks/target/benchmarks.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$here" -path "$here/*/target" -prune -o \( -name '*.java' -o -name pom.xml \) -newer "$jar" -print -quit)" ]; then
  echo "xts-vs-openssl: building $jar ..." >&2
  "$here/build" -q -DskipTests -pl benchmarks -am package >&2
fi
OUT=${OUT:-$(mktemp -d -t xts-vs-openssl.XXXXXX)}
mkdir -p "$OUT"
JMH_ARGS=${JMH_ARGS:-"-f 1 -wi 3 -w 1s -i 5 -r 1s"}
OSSL_SECONDS=${OSSL_SECONDS:-3}
command -v openssl >/dev/null || { echo "error: openssl not found (apt-get install openssl)" >&2; exit 1; }

# ossl_kbps ALG BYTES encrypt|decrypt [extra openssl speed args]: openssl's 1000s of bytes/s for one data-unit size.
ossl_kbps() {
  local alg=$1 bytes=$2 dir=$3; shift 3
  local args=(speed -seconds "$OSSL_SECONDS" -evp "$alg" -bytes "$bytes" "$@")
  [ "$dir" = decrypt ] && args+=(-decrypt)
  openssl "${args[@]}" 2>/dev/null | awk -v a="$(echo "$alg" | tr a-z A-Z)" '$1 == a {v = $2} END {sub(/k$/, "", v); print v}'
}

if [ "${1:-}" = --cpu-time ]; then
  # Wall-clock numbers on a busy shared machine measure the neighbours. Both sides here count
  # only their own CPU time: our CpuTimeComparison (ThreadMXBean) and openssl speed without -elapsed.
  echo "== ours, CPU time ==" >&2
  java @"$here/scripts/jvm/vector.args" -cp "$jar" io.nbdcrypt.benchmarks.CpuTimeComparison "$OSSL_SECONDS" >"$OUT/ours-cpu.txt"
  echo "== openssl speed, CPU time ==" >&2
  : >"$OUT/openssl-cpu.txt"
  for alg in aes-256-xts aes-128-xts; do
    for bytes in 4096 512; do
      for dir in encrypt decrypt; do
        echo "$alg $bytes $dir $(ossl_kbps "$alg" "$bytes" "$dir")" >>"$OUT/openssl-cpu.txt"
      done
    done
  done
  python3 - "$OUT" <<'PY'
import sys, os
out = sys.argv[1]
ossl = {}
for line in open(os.path.join(out, "openssl-cpu.txt")):
    alg, size, op, kbps = line.split()
    ossl[(int(alg[4:7]), int(size), op)] = float(kbps) / 1000.0
print(f"{'cipher':<12}{'sector':>7}{'req':>7} {'buffer':<7}{'op':<8}{'ours MB/s':>11}{'openssl MB/s':>14}{'ratio':>8}")
for line in open(os.path.join(out, "ours-cpu.txt")):
    k, s, n, buf, op, mbps = line.split()
    theirs = ossl[(int(k), int(s), op)]
    print(f"XTS-AES-{k:<4}{int(s):>7}{int(s) * int(n):>7} {buf:<7}{op:<8}{float(mbps):>11.0f}{theirs:>14.0f}{float(mbps) / theirs:>8.2f}")
print(f"(1 thread, CPU time on both sides; req = bytes per call, openssl does one sector-sized unit per call; results in {out})")
PY
  exit 0
fi

for t in 1 2; do
  echo "== JMH, $t thread(s) ==" >&2
  # Two threads: heap buffers only, to keep the run short (direct differs by one copy, seen at 1 thread).
  only=(); [ "$t" = 2 ] && only=(-p direct=false)
  # shellcheck disable=SC2086
  java @"$here/scripts/jvm/vector.args" -jar "$jar" 'io\.nbdcrypt\.benchmarks\.XtsBenchmark\.' $JMH_ARGS -t "$t" "${only[@]}" -rf json -rff "$OUT/jmh-t$t.json" >"$OUT/jmh-t$t.log" 2>&1 \
    || { tail -30 "$OUT/jmh-t$t.log" >&2; exit 1; }
done

echo "== openssl speed ==" >&2
: >"$OUT/openssl.txt"
for alg in aes-256-xts aes-128-xts; do
  for bytes in 4096 512; do
    for dir in encrypt decrypt; do
      for multi in 1 2; do
        extra=(-elapsed); [ "$multi" = 2 ] && extra+=(-multi 2)
        echo "$alg $bytes $dir $multi $(ossl_kbps "$alg" "$bytes" "$dir" "${extra[@]}")" >>"$OUT/openssl.txt"
      done
    done
  done
done

python3 - "$OUT" <<'PY'
import json, sys, os
out = sys.argv[1]
ossl = {}
for line in open(os.path.join(out, "openssl.txt")):
    alg, size, op, threads, kbps = line.split()
    ossl[(int(alg[4:7]), int(size), op, int(threads))] = float(kbps) / 1000.0  # 1000s of bytes/s -> MB/s
rows = []
for t in (1, 2):
    for r in json.load(open(os.path.join(out, f"jmh-t{t}.json"))):
        p = r["params"]
        op = r["benchmark"].rsplit(".", 1)[1]
        size = int(p["sectorSize"]) * int(p["sectorsPerOp"])
        ours = r["primaryMetric"]["score"] * size / 1e6
        theirs = ossl[(int(p["keyBits"]), int(p["sectorSize"]), op, t)]
        rows.append((int(p["keyBits"]), int(p["sectorSize"]), int(p["sectorsPerOp"]), "direct" if p["direct"] == "true" else "heap", t, op, ours, theirs))
rows.sort(key=lambda x: (-x[0], -x[1], x[2], x[4], x[5], x[3]))
print(f"{'cipher':<12}{'sector':>7}{'req':>7} {'buffer':<7}{'thr':>4} {'op':<8}{'ours MB/s':>11}{'openssl MB/s':>14}{'ratio':>8}")
for k, s, n, buf, t, op, ours, theirs in rows:
    print(f"XTS-AES-{k:<4}{s:>7}{s * n:>7} {buf:<7}{t:>4} {op:<8}{ours:>11.0f}{theirs:>14.0f}{ours / theirs:>8.2f}")
print(f"(req = bytes per call; openssl always encrypts one data unit of 'sector' bytes per call.")
print(f" ratio = ours / openssl at the same thread count, i.e. per core; results in {out})")
PY
