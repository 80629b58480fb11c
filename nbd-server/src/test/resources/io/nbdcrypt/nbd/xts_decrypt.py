# Independent check of the on-disk format with Python `cryptography`: decrypts RANGE of the
# backing file as aes-xts-plain64 with 4096-byte sectors whose IV counts 512-byte units
# (dm-crypt without iv_large_sectors) and compares it with the expected plaintext.
# Usage: xts_decrypt.py KEYHEX BACKING OFFSET EXPECTED_FILE
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

key = bytes.fromhex(sys.argv[1])
offset = int(sys.argv[3])
expected = open(sys.argv[4], "rb").read()
assert offset % 4096 == 0 and len(expected) % 4096 == 0
with open(sys.argv[2], "rb") as f:
    f.seek(offset)
    raw = f.read(len(expected))
out = bytearray()
for i in range(0, len(raw), 4096):
    tweak = ((offset + i) // 512).to_bytes(16, "little")
    d = Cipher(algorithms.AES(key), modes.XTS(tweak)).decryptor()
    out += d.update(raw[i:i + 4096]) + d.finalize()
if bytes(out) != expected:
    first = next(i for i in range(len(out)) if out[i] != expected[i])
    sys.exit("decrypted data differs from the plaintext at byte %d" % first)
print("OK")
