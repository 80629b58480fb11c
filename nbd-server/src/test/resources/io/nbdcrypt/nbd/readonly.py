# A read-only export refuses writes with EPERM and keeps serving reads. Usage: readonly.py URI
import errno
import sys

import nbd

h = nbd.NBD()
h.connect_uri(sys.argv[1])
assert h.is_read_only()
h.set_strict_mode(0)
for call in (lambda: h.pwrite(b"x" * 512, 0), lambda: h.zero(512, 0)):
    try:
        call()
        raise AssertionError("write on a read-only export succeeded")
    except nbd.Error as e:
        assert e.errnum == errno.EPERM, e.string
assert h.pread(512, 0) == b"\0" * 512
h.shutdown()
print("OK")
