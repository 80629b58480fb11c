#!/usr/bin/env bash
# Regenerates, with the real cryptsetup and byte edits, a corpus of LUKS images in the spirit of
# cryptsetup's own tests/ (its evil_hdr-* LUKS1 images, the luks2-validation-test generators,
# luks2_keyslot_unassigned, luks2_header_requirements ...): OUTDIR/NAME.img, passphrase in
# OUTDIR/key (OUTDIR/key2 for a second keyslot). Every image is made here from scratch; nothing
# is copied from cryptsetup's tree.
#   cryptsetup-corpus.sh OUTDIR
set -euo pipefail
out=$1
mkdir -p "$out"
cd "$out"
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
py=/usr/bin/python3
fast=(--pbkdf pbkdf2 --pbkdf-force-iterations 1000)
printf 'corpus passphrase' > key
printf 'second passphrase' > key2

# put32 IMG OFFSET VALUE: a big-endian u32 at a byte offset (LUKS1 fields are big-endian).
put32() {
  "$py" -c 'import struct,sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); f.write(struct.pack(">I", int(sys.argv[3])))' "$1" "$2" "$3"
}
# LUKS1 keyslot N: descriptor at 208 + 48 N; material offset (sectors) at +40, stripes at +44.
slot_offset() { put32 "$1" $((208 + 48 * $2 + 40)) "$3"; }
slot_stripes() { put32 "$1" $((208 + 48 * $2 + 44)) "$3"; }

# json_edit IMG PYTHON: applies a Python statement to the metadata `j` of both LUKS2 copies and
# recomputes both checksums, so only the rule under test can tell (as cryptsetup's generators do).
json_edit() {
  "$py" - "$1" "$2" <<'PY'
import hashlib, json, struct, sys
img, stmt = sys.argv[1], sys.argv[2]
with open(img, "r+b") as f:
    data = bytearray(f.read(8 << 20))
    hdr = struct.unpack(">Q", data[8:16])[0]
    for off in (0, hdr):
        area = bytes(data[off + 4096:off + hdr])
        j = json.loads(area[:area.index(b"\0")])
        exec(stmt, {"j": j})
        text = json.dumps(j, separators=(",", ":")).encode()
        data[off + 4096:off + hdr] = text + b"\0" * (hdr - 4096 - len(text))
        binary = bytearray(data[off:off + 4096])
        binary[448:512] = b"\0" * 64
        alg = binary[72:104].rstrip(b"\0").decode()
        csum = hashlib.new(alg, bytes(binary) + bytes(data[off + 4096:off + hdr])).digest()
        data[off + 448:off + 448 + len(csum)] = csum
    f.seek(0)
    f.write(data)
PY
}

# --- LUKS1: cryptsetup's evil_hdr-* cases, on keyslots that are *disabled* -----------------
truncate -s 3M luks1-valid.img
cryptsetup luksFormat -q --type luks1 --cipher aes-cbc-essiv:sha256 --key-size 256 --hash sha256 \
  --pbkdf-force-iterations 1000 --key-file key luks1-valid.img
# keyslots at sectors 8, 264, ..., 1800 (250 sectors each), payload at 4096
cp luks1-valid.img luks1-disabled-slot-in-header.img;  slot_offset luks1-disabled-slot-in-header.img 2 1
cp luks1-valid.img luks1-disabled-slot-in-payload.img; slot_offset luks1-disabled-slot-in-payload.img 3 3847
cp luks1-valid.img luks1-disabled-slot-stripes.img;    slot_stripes luks1-disabled-slot-stripes.img 5 44944
cp luks1-valid.img luks1-disabled-slots-overlap.img;   slot_offset luks1-disabled-slots-overlap.img 4 800
# the device ends inside the last keyslot area
head -c $((2049 * 512)) luks1-valid.img > luks1-small-device.img
# keyslots fit, the payload does not (cryptsetup loads it, activation would fail)
head -c $((2050 * 512)) luks1-valid.img > luks1-payload-past-end.img

# --- LUKS2 ---------------------------------------------------------------------------------
truncate -s 24M luks2-valid.img
cryptsetup luksFormat -q --type luks2 "${fast[@]}" --key-file key luks2-valid.img
# like luks2_keyslot_unassigned: a keyslot bound to no segment
cp luks2-valid.img luks2-unbound-keyslot.img
cryptsetup luksAddKey -q "${fast[@]}" --unbound --key-size 256 --key-file key luks2-unbound-keyslot.img key2
# keyslot area in the pre-1.6 default cipher
truncate -s 24M luks2-keyslot-cbc-essiv.img
cryptsetup luksFormat -q --type luks2 "${fast[@]}" --keyslot-cipher aes-cbc-essiv:sha256 --keyslot-key-size 256 \
  --key-file key luks2-keyslot-cbc-essiv.img
# a reencryption initialized and not run: requirement online-reencrypt-v2, three segments
cp luks2-valid.img luks2-reencrypt-in-progress.img
cryptsetup reencrypt -q --init-only "${fast[@]}" --key-file key luks2-reencrypt-in-progress.img
# well-formed headers asking for what nbdcrypt does not implement
cp luks2-valid.img luks2-kdf-unknown.img
json_edit luks2-kdf-unknown.img 'j["keyslots"]["0"]["kdf"]["type"] = "scrypt"'
cp luks2-valid.img luks2-segment-cipher-serpent.img
json_edit luks2-segment-cipher-serpent.img 'j["segments"]["0"]["encryption"] = "serpent-xts-plain64"'
cp luks2-valid.img luks2-segment-linear.img
json_edit luks2-segment-linear.img 'j["segments"]["0"] = {"type": "linear", "offset": j["segments"]["0"]["offset"], "size": "dynamic"}'
cp luks2-valid.img luks2-requirement-unknown.img
json_edit luks2-requirement-unknown.img 'j["config"]["requirements"] = {"mandatory": ["frobnicate"]}'
# a malformed one both refuse: a keyslot area outside the keyslots area
cp luks2-valid.img luks2-area-outside.img
json_edit luks2-area-outside.img 'j["keyslots"]["0"]["area"]["offset"] = "16777216"'
# truncated images: inside the JSON area, inside the keyslots area
head -c 10000 luks2-valid.img > luks2-truncated-in-json.img
head -c 200000 luks2-valid.img > luks2-truncated-in-keyslots.img
# small metadata, data far behind it, image cut after the metadata: both read it
truncate -s 24M luks2-data-past-end.img
cryptsetup luksFormat -q --type luks2 "${fast[@]}" --luks2-keyslots-size 1m --offset 32768 \
  --key-file key luks2-data-past-end.img 2>/dev/null
truncate -s 4M luks2-data-past-end.img
# primary copy lost: wiped (auto-recovered), or under another format's signature (ambiguous)
cp luks2-valid.img luks2-primary-wiped.img
dd if=/dev/zero of=luks2-primary-wiped.img bs=4096 count=1 conv=notrunc status=none
if command -v mkswap >/dev/null; then
  truncate -s 1M swap.page
  mkswap -q swap.page >/dev/null
  cp luks2-valid.img luks2-primary-under-swap.img
  dd if=swap.page of=luks2-primary-under-swap.img bs=4096 count=1 conv=notrunc status=none
  rm swap.page
fi
