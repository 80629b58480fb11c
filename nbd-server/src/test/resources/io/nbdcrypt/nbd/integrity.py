# An integrity run in the manner of nbd-tester-client's: many requests in flight at once
# (random writes and reads of random sizes and alignment over a region), never two in flight
# that overlap when one of them writes, and every read checked against what the completed
# writes put there. Usage: integrity.py URI REGION_BYTES OPS IN_FLIGHT SEED
import random
import sys

import nbd

uri, region, ops, depth, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rnd = random.Random(seed)
model = bytearray(region)          # what the export holds once every completed write is in
busy = []                           # (start, end, is_write) of requests in flight
failures = []
h = nbd.NBD()
h.connect_uri(uri)


def overlaps(a, b, writing):
    return any(a < e and s < b and (writing or w) for s, e, w in busy)


def done_write(entry, data):
    def cb(err):
        if err.value:
            failures.append(f"write [{entry[0]}, {entry[1]}) failed: errno {err.value}")
        model[entry[0]:entry[1]] = data
        busy.remove(entry)
        return 1
    return cb


def done_read(entry, buf):
    def cb(err):
        if err.value:
            failures.append(f"read [{entry[0]}, {entry[1]}) failed: errno {err.value}")
        elif buf.to_bytearray() != model[entry[0]:entry[1]]:
            failures.append(f"read [{entry[0]}, {entry[1]}) returned other data than written")
        busy.remove(entry)
        return 1
    return cb


issued = 0
while issued < ops or busy:
    while issued < ops and len(busy) < depth:
        n = rnd.choice([512, 4096, 4096 * 3, 65536, 1 + rnd.randrange(20000)])
        start = rnd.randrange(region - n)
        writing = rnd.random() < 0.5
        if overlaps(start, start + n, writing):
            break
        entry = (start, start + n, writing)
        busy.append(entry)
        if writing:
            data = rnd.randbytes(n)
            h.aio_pwrite(nbd.Buffer.from_bytearray(bytearray(data)), start, completion=done_write(entry, data))
        else:
            buf = nbd.Buffer(n)
            h.aio_pread(buf, start, completion=done_read(entry, buf))
        issued += 1
    h.poll(-1)
h.flush()
final = h.pread(region, 0)
if final != model:
    failures.append("the final read of the region differs from what was written")
h.shutdown()
print("OK" if not failures else "\n".join(failures[:10]))
