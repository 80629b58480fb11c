# Two connections to one export: data written and flushed on one is read on the other.
# Usage: multiconn.py URI
import os
import sys

import nbd

a, b = nbd.NBD(), nbd.NBD()
a.connect_uri(sys.argv[1])
b.connect_uri(sys.argv[1])
assert a.can_multi_conn() and b.can_multi_conn()
for i in range(20):
    x, y = os.urandom(5000), os.urandom(5000)
    a.pwrite(x, i * 12288 + 7)
    a.flush()
    assert b.pread(5000, i * 12288 + 7) == x, "connection b does not see a's flushed write"
    b.pwrite(y, i * 12288 + 6000, nbd.CMD_FLAG_FUA)
    b.flush()
    assert a.pread(5000, i * 12288 + 6000) == y, "connection a does not see b's flushed write"
    assert a.pread(5000, i * 12288 + 7) == x, "a's own write was disturbed"
a.shutdown()
b.shutdown()
print("OK")
