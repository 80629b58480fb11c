# Block status (base:allocation) through libnbd, which checks the reply's framing itself.
# Usage: blockstatus.py URI OFFSET:LENGTH:REQ_ONE(0|1)...
# Prints, as JSON, one list of [length, flags] pairs per query.
import json
import sys

import nbd

h = nbd.NBD()
h.add_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
h.connect_uri(sys.argv[1])
assert h.can_meta_context(nbd.CONTEXT_BASE_ALLOCATION), "base:allocation not negotiated"
out = []
for q in sys.argv[2:]:
    offset, length, one = (int(x) for x in q.split(":"))
    got = []

    def extent(metacontext, at, entries, err):
        assert metacontext == nbd.CONTEXT_BASE_ALLOCATION, metacontext
        assert at == offset, (at, offset)
        got.extend([entries[i], entries[i + 1]] for i in range(0, len(entries), 2))
        return 0

    h.block_status(length, offset, extent, nbd.CMD_FLAG_REQ_ONE if one else 0)
    out.append(got)
h.shutdown()
print(json.dumps(out))
