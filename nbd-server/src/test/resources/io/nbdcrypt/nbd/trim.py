# TRIM on an export served with --allow-discards: trimmed ranges read back as zeroes,
# neighbours keep their data. Usage: trim.py URI
import sys

import nbd

h = nbd.NBD()
h.connect_uri(sys.argv[1])
assert h.can_trim(), "TRIM not advertised"
h.pwrite(b"\x77" * 65536, 0)
h.trim(16000, 4000, nbd.CMD_FLAG_FUA)     # trim [4000, 20000)
got = h.pread(65536, 0)
assert got[:4000] == b"\x77" * 4000 and got[4000:20000] == b"\0" * 16000 and got[20000:] == b"\x77" * 45536
h.shutdown()
print("OK")
