#!/usr/bin/env bash
# Side-by-side NBD throughput: nbdcrypt vs nbdkit and qemu-storage-daemon, all over unix
# sockets on this machine, driven by fio's nbd engine. Not part of CI (takes ~5 minutes).
#
#   benchmarks/nbd-vs-peers.sh [WORKDIR]      (default WORKDIR: a fresh dir under /tmp)
#   RUNTIME=10 SIZE_MIB=1024 benchmarks/nbd-vs-peers.sh
#
# Workloads (each time-based, RUNTIME seconds, after a warm-up per server that runs each of them
# for WARMUP seconds, default 4):
#   seq write 1 MiB QD16 | seq read 1 MiB QD16 | 4k randread QD32 | 4k randwrite QD32
# Servers:
#   nbdcrypt-plain     nbdcrypt serve --plain on a plaintext image
#   nbdcrypt-luks2     nbdcrypt serve on a LUKS2 image (aes-xts-plain64, 512-bit key, 4096-byte sectors)
#   nbdcrypt-luks2-loop  the same with every reply written by the event loop (-Dnbdcrypt.workerWrites=false),
#                      as before workers wrote large replies themselves: the A/B of that change
#   nbdcrypt-luks1     nbdcrypt serve on the LUKS1 image (aes-xts-plain64, 512-bit key, 512-byte sectors)
#   nbdcrypt-auth      nbdcrypt serve --ephemeral --authenticated (AES-256-GCM + hash tree, 4096-byte sectors, default
#                      64 MiB metadata cache) on an image big enough for SIZE_MIB of data plus its metadata
#   nbdkit-luks        nbdkit file --filter=luks on the LUKS1 image
#   qsd-luks           qemu-storage-daemon, luks driver, on the LUKS1 image
#   nbdkit-file        nbdkit file on a plaintext image
# The machine may be shared: numbers from one run are only comparable with each other.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
RUNTIME=${RUNTIME:-10}
WARMUP=${WARMUP:-4}
SIZE_MIB=${SIZE_MIB:-1024}
work=${1:-$(mktemp -d /tmp/nbd-bench.XXXXXX)}
mkdir -p "$work"
results="$work/results.tsv"
: > "$results"
: > "$work/cpu.tsv"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

log() { echo "[bench] $*" >&2; }
for t in fio nbdkit qemu-storage-daemon cryptsetup python3; do
  command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 1; }
done

# ---- images -----------------------------------------------------------------------------
log "work dir $work, ${SIZE_MIB} MiB volumes, ${RUNTIME}s per workload"
"$here/build" -q -DskipTests package >&2
# Text key: qemu-storage-daemon wants secrets to be valid UTF-8.
head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n" > "$work/key"
truncate -s "${SIZE_MIB}M" "$work/plain.img"
# LUKS1/LUKS2 images: cheap PBKDF (we measure the data path, not unlocking).
truncate -s "$((SIZE_MIB + 16))M" "$work/luks1.img" "$work/luks2.img"
# Authenticated: 0.6% metadata (one 4 KiB leaf per 169 sectors) after the data.
truncate -s "$((SIZE_MIB + SIZE_MIB / 100 + 1))M" "$work/auth.img"
cryptsetup luksFormat -q --type luks1 --cipher aes-xts-plain64 --key-size 512 --hash sha256 \
  --pbkdf-force-iterations 1000 --key-file "$work/key" "$work/luks1.img"
cryptsetup luksFormat -q --type luks2 --cipher aes-xts-plain64 --key-size 512 --sector-size 4096 \
  --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$work/key" "$work/luks2.img"

# ---- servers ----------------------------------------------------------------------------
# wait_for_socket SOCKET NAME: until the server (the last pid started) listens, or has exited.
wait_for_socket() {
  local p=${pids[-1]}
  for _ in $(seq 1 300); do
    [ -S "$1" ] && return 0
    kill -0 "$p" 2>/dev/null || { log "$2: $(tail -1 "$work/$2.err")"; return 1; }
    sleep 0.1
  done
  log "$2: did not create $1"; return 1
}

# Starts a server for NAME; sets $uri; returns 1 when the server cannot run here.
start_server() {
  local name=$1 sock="$work/$1.sock"
  rm -f "$sock"
  case $name in
    nbdcrypt-plain)
      "$here/nbdcrypt" serve "$work/plain.img" --plain --socket "$sock" > "$work/$name.out" 2> "$work/$name.err" &
      pids+=($!);;
    nbdcrypt-luks2|nbdcrypt-luks1)
      local img="$work/${name#nbdcrypt-}.img"
      "$here/nbdcrypt" serve "$img" --key-file "$work/key" --socket "$sock" > "$work/$name.out" 2> "$work/$name.err" &
      pids+=($!);;
    nbdcrypt-luks2-loop)
      JAVA_TOOL_OPTIONS=-Dnbdcrypt.workerWrites=false \
        "$here/nbdcrypt" serve "$work/luks2.img" --key-file "$work/key" --socket "$sock" > "$work/$name.out" 2> "$work/$name.err" &
      pids+=($!);;
    nbdcrypt-auth)
      "$here/nbdcrypt" serve "$work/auth.img" --ephemeral --authenticated --socket "$sock" > "$work/$name.out" 2> "$work/$name.err" &
      pids+=($!);;
    nbdkit-file)
      nbdkit -f -U "$sock" file "$work/plain.img" 2> "$work/$name.err" &
      pids+=($!);;
    nbdkit-luks)
      nbdkit -f -U "$sock" file "$work/luks1.img" --filter=luks passphrase=+"$work/key" 2> "$work/$name.err" &
      pids+=($!);;
    qsd-luks)
      qemu-storage-daemon \
        --object secret,id=sec0,file="$work/key",format=raw \
        --blockdev driver=file,node-name=file0,filename="$work/luks1.img",cache.direct=off,aio=threads \
        --blockdev driver=luks,node-name=luks0,file=file0,key-secret=sec0 \
        --nbd-server addr.type=unix,addr.path="$sock" \
        --export type=nbd,id=exp0,node-name=luks0,name=,writable=on 2> "$work/$name.err" &
      pids+=($!);;
  esac
  # Explicit: callers run this under `if !`, where errexit does not apply.
  wait_for_socket "$sock" "$name" || return 1
  uri="nbd+unix:///?socket=$sock"
}

stop_server() {
  local p=${pids[-1]}
  kill "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  unset 'pids[-1]'
}

# Server CPU time (user + system) so far, in clock ticks, of the last server started.
server_ticks() { awk '{print $14 + $15}' "/proc/${pids[-1]}/stat"; }

# fio JOBNAME RW BS QD RUNTIME -> prints "MB/s IOPS CPU-us-per-MB": throughput, and the server's CPU
# time per MB moved (robust on a loaded machine, where throughput measures the neighbours).
run_fio() {
  local rw=$2 bs=$3 qd=$4 runtime=$5 t0 out
  t0=$(server_ticks)
  out=$(fio --name="$1" --ioengine=nbd --uri="$uri" --rw="$rw" --bs="$bs" --iodepth="$qd" \
      --size="${SIZE_MIB}m" --time_based --runtime="$runtime" --output-format=json 2>/dev/null)
  python3 -c '
import json, sys, os
t = sys.stdin.read(); j = json.loads(t[t.index("{"):])["jobs"][0]
d = j["write"] if j["write"]["io_bytes"] > 0 else j["read"]
if j["error"]: sys.exit("fio error %d" % j["error"])
ticks = int(sys.argv[2]) - int(sys.argv[1])
us_per_mb = ticks / os.sysconf("SC_CLK_TCK") * 1e6 / (d["io_bytes"] / 1e6)
print("%.0f %.0f %.0f" % (d["bw_bytes"] / 1e6, d["iops"], us_per_mb))' "$t0" "$(server_ticks)" <<< "$out"
}

# SERVERS="a b" runs a subset.
read -r -a servers <<< "${SERVERS:-nbdcrypt-plain nbdcrypt-luks2 nbdcrypt-luks1 nbdcrypt-auth nbdkit-luks qsd-luks nbdkit-file}"
for s in "${servers[@]}"; do
  if ! start_server "$s"; then
    printf '%s\tn/a\tn/a\tn/a\tn/a\n' "$s" >> "$results"
    stop_server
    continue
  fi
  # Every block written once, so the reads below read data on every server (not holes or
  # never-written sectors, which cost nothing) however far the timed write gets on a busy machine.
  fio --name=fill --ioengine=nbd --uri="$uri" --rw=write --bs=1M --iodepth=16 --size="${SIZE_MIB}m" >/dev/null 2>&1
  # Steady state: each measured job once before any is timed. The JVM's JIT compiles (and,
  # when the next job takes other paths, recompiles) for several seconds on the same 2 cores
  # as fio: PrintCompilation showed C2 busy 5-10 s into a job the warm-up had not run.
  log "$s: warm-up, ${WARMUP}s per job"
  run_fio warm-sw write 1M 16 "$WARMUP" > /dev/null
  run_fio warm-sr read 1M 16 "$WARMUP" > /dev/null
  run_fio warm-rr randread 4k 32 "$WARMUP" > /dev/null
  run_fio warm-rw randwrite 4k 32 "$WARMUP" > /dev/null
  read -r sw _ csw < <(run_fio seqwrite write 1M 16 "$RUNTIME")
  read -r sr _ csr < <(run_fio seqread read 1M 16 "$RUNTIME")
  read -r _ rr crr < <(run_fio randread randread 4k 32 "$RUNTIME")
  read -r _ rw crw < <(run_fio randwrite randwrite 4k 32 "$RUNTIME")
  printf '%s\t%s\t%s\t%s\t%s\n' "$s" "$csw" "$csr" "$crr" "$crw" >> "$work/cpu.tsv"
  log "$s: seq write $sw MB/s, seq read $sr MB/s, 4k randread $rr IOPS, 4k randwrite $rw IOPS"
  printf '%s\t%s\t%s\t%s\t%s\n' "$s" "$sw" "$sr" "$rr" "$rw" >> "$results"
  stop_server
done

# The cipher alone, single thread, for scale (one 4 KiB sector per call).
xts=$(openssl speed -evp aes-256-xts -seconds 3 -bytes 4096 2>/dev/null | awk '/^AES-256-XTS/ {sub("k","",$2); printf "%.0f", $2 * 1000 / 1e6}')
echo "openssl speed -evp aes-256-xts (4 KiB, 1 thread): ${xts:-n/a} MB/s"
echo
python3 - "$results" "$work/cpu.tsv" <<'PY'
import sys
cpu = {}
for line in open(sys.argv[2]):
    name, *vals = line.rstrip("\n").split("\t")
    cpu[name] = [float(v) for v in vals]
rows = {}
for line in open(sys.argv[1]):
    name, *vals = line.rstrip("\n").split("\t")
    rows[name] = [None if v == "n/a" else float(v) for v in vals]
cols = ["seqW MB/s", "seqR MB/s", "4k rr IOPS", "4k rw IOPS"]
print("%-16s" % "server" + "".join("%12s" % c for c in cols))
for n, v in rows.items():
    print("%-16s" % n + "".join("%12s" % ("n/a" if x is None else "%.0f" % x) for x in v))
def ratios(base):
    if base not in rows or None in rows[base]:
        return
    print("\nratio to %s (targets: nbdcrypt >= 2x seq and >= 1x IOPS vs nbdkit-luks; >= 0.8x vs nbdkit-file)" % base)
    for n, v in rows.items():
        if n.startswith("nbdcrypt") and None not in v:
            print("%-16s" % n + "".join("%12.2f" % (x / b) for x, b in zip(v, rows[base])))
ratios("nbdkit-luks")
ratios("qsd-luks")
ratios("nbdkit-file")
print("\nserver CPU time per MB moved (us; lower is better; robust on a loaded machine)")
print("%-16s" % "server" + "".join("%12s" % c.split()[0] for c in cols))
for n, v in cpu.items():
    print("%-16s" % n + "".join("%12.0f" % x for x in v))
auth, xts = rows.get("nbdcrypt-auth"), rows.get("nbdcrypt-luks2")
if auth and xts and None not in auth and None not in xts:
    print("\nnbdcrypt-auth / nbdcrypt-luks2 (targets >= 0.7 seqW, 0.8 seqR, 0.6 4k rr, 0.5 4k rw):"
          + "".join("%12.2f" % (a / x) for a, x in zip(auth, xts)))
ca, cx = cpu.get("nbdcrypt-auth"), cpu.get("nbdcrypt-luks2")
if ca and cx:
    print("nbdcrypt-luks2 / nbdcrypt-auth server CPU per MB (the throughput ratio a CPU-bound server would reach):"
          + "".join("%12.2f" % (x / a) for a, x in zip(ca, cx)))
PY
