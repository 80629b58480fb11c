#!/usr/bin/env bash
# Wall time of creating a volume and adding a passphrase with the default KDF (argon2id,
# --iter-time 2000), nbdcrypt beside cryptsetup, in one run on this machine (a shared machine:
# compare rows of one run only). Not part of CI (about a minute).
#
#   benchmarks/kdf-vs-cryptsetup.sh [WORKDIR]       (default: a fresh dir under /tmp)
#   ROUNDS=3 benchmarks/kdf-vs-cryptsetup.sh
#
# Each round, alternating who goes first: cryptsetup luksFormat / nbdcrypt format on a fresh
# 24 MiB image, then cryptsetup luksAddKey / nbdcrypt add-key on that image (which unlocks the
# first keyslot, benchmarks, and writes the second). Prints seconds per step and the medians.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3}
work=${1:-$(mktemp -d /tmp/kdf-bench.XXXXXX)}
mkdir -p "$work"
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
nbdcrypt="$here/nbdcrypt"
"$nbdcrypt" --version >/dev/null            # builds the jar first, outside the timings
printf 'first passphrase' > "$work/k1"
printf 'second passphrase' > "$work/k2"

secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

: > "$work/times.tsv"
for r in $(seq 1 "$ROUNDS"); do
  for who in $( ((r % 2)) && echo "cryptsetup nbdcrypt" || echo "nbdcrypt cryptsetup"); do
    img="$work/$who-$r.img"
    rm -f "$img"; truncate -s 24M "$img"
    if [ "$who" = cryptsetup ]; then
      f=$(secs cryptsetup luksFormat -q --type luks2 --key-file "$work/k1" "$img")
      a=$(secs cryptsetup luksAddKey -q --key-file "$work/k1" "$img" "$work/k2")
      cryptsetup open --test-passphrase --key-file "$work/k2" "$img"
    else
      f=$(secs "$nbdcrypt" format -q --key-file "$work/k1" "$img")
      a=$(secs "$nbdcrypt" add-key --key-file "$work/k1" "$img" "$work/k2")
      cryptsetup open --test-passphrase --key-file "$work/k2" "$img"
    fi
    printf '%s\t%s\t%s\t%s\n' "$r" "$who" "$f" "$a" | tee -a "$work/times.tsv"
  done
done
for who in cryptsetup nbdcrypt; do
  f=$(awk -v w="$who" '$2 == w {print $3}' "$work/times.tsv" | median)
  a=$(awk -v w="$who" '$2 == w {print $4}' "$work/times.tsv" | median)
  printf 'median %-10s format %6.2f s   add-key %6.2f s\n' "$who" "$f" "$a"
done
for img in "$work"/*.img; do
  echo "$(basename "$img"): $(cryptsetup luksDump "$img" | awk '/PBKDF:/ {k=$2} /Time cost:/ {t=$3} /Memory:/ {m=$2} /Threads:/ {p=$2; print k, "t=" t, "m=" m, "p=" p; exit}')"
done
