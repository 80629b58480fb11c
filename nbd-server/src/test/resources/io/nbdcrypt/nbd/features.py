# Exercises FLUSH, FUA, WRITE_ZEROES (with and without NO_HOLE), unaligned I/O and structured
# replies with libnbd (python3-libnbd). Usage: features.py URI STRUCTURED(0|1)
import errno
import os
import sys

import nbd

uri, structured = sys.argv[1], sys.argv[2] == "1"
h = nbd.NBD()
h.set_request_structured_replies(structured)
h.connect_uri(uri)
assert h.get_structured_replies_negotiated() == structured, "structured replies not as requested"
assert h.can_flush() and h.can_fua() and h.can_zero() and h.can_multi_conn()
size = h.get_size()

# Unaligned write and read, straddling 4096-byte sectors.
h.pwrite(bytes(16384), 0)
data = os.urandom(10000)
h.pwrite(data, 4097)
assert h.pread(10000, 4097) == data, "unaligned read-back differs"
assert h.pread(3, 4096) == b"\0" + data[:2], "byte before an unaligned write changed or data wrong"

# FUA write, then FLUSH.
h.pwrite(b"\xab" * 513, 70000, nbd.CMD_FLAG_FUA)
assert h.pread(513, 70000) == b"\xab" * 513
h.flush()

# WRITE_ZEROES over written data, unaligned, with and without NO_HOLE.
h.pwrite(b"\xff" * 200000, 100000)
h.zero(100001, 130000)                   # zero [130000, 230001)
got = h.pread(200000, 100000)
assert got[:30000] == b"\xff" * 30000, "WRITE_ZEROES touched bytes before its range"
assert got[30000:130001] == b"\0" * 100001, "WRITE_ZEROES range not zero"
assert got[130001:] == b"\xff" * (200000 - 130001), "WRITE_ZEROES touched bytes after its range"
h.zero(8192, 150000, nbd.CMD_FLAG_NO_HOLE | nbd.CMD_FLAG_FUA)
assert h.pread(8192, 150000) == b"\0" * 8192

# A large read in one request (structured: one OFFSET_DATA chunk).
big = os.urandom(4 << 20)
h.pwrite(big, size - len(big))
assert h.pread(len(big), size - len(big)) == big

# Errors come back from the server (client-side checks off), and the session goes on.
h.set_strict_mode(0)
def expect(code, fn):
    try:
        fn()
    except nbd.Error as e:
        assert e.errnum == code, "expected errno %d, got %r" % (code, e.string)
        return
    raise AssertionError("expected errno %d, call succeeded" % code)

expect(errno.EINVAL, lambda: h.pread(4096, size - 100))
expect(errno.ENOSPC, lambda: h.pwrite(b"x" * 4096, size - 100))
expect(errno.EINVAL, lambda: h.pread(10, 1 << 63))
expect(errno.EINVAL, lambda: h.trim(4096, 0))          # TRIM not enabled on this export
expect(errno.EINVAL, lambda: h.pread(512, 0, nbd.CMD_FLAG_NO_HOLE))  # flag not valid for READ
assert h.pread(10000, 4097) == data, "session unusable after errors"
h.shutdown()
print("OK")
