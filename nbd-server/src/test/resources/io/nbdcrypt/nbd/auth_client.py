# One libnbd connection running the steps given as arguments, for the authenticated-volume
# tamper tests. Usage: auth_client.py URI STEP...   where STEP is one of
#   write:OFF:LEN:SEED   pwrite LEN bytes of the seeded pattern at OFF
#   check:OFF:LEN:SEED   pread and compare with that pattern
#   zeroes:OFF:LEN       pread and expect zeroes
#   eio:OFF:LEN          pread must fail with EIO (and the connection keeps working)
#   checkoreio:OFF:LEN:SEED  either the pattern or EIO, nothing else (the EIOs are counted)
#   flush
# Prints OK (and "eio N" when checkoreio steps ran), or the first step that went wrong.
import errno
import random
import sys

import nbd


def pattern(seed, n):
    return random.Random(seed).randbytes(n)


def is_eio(e):
    return e.errno in (errno.EIO, "EIO")


h = nbd.NBD()
h.connect_uri(sys.argv[1])
eio_count = None
for step in sys.argv[2:]:
    kind, *args = step.split(":")
    nums = [int(a) for a in args]
    if kind == "write":
        off, n, seed = nums
        h.pwrite(pattern(seed, n), off)
    elif kind == "check":
        off, n, seed = nums
        got = h.pread(n, off)
        if got != pattern(seed, n):
            bad = next(i for i in range(n) if got[i] != pattern(seed, n)[i])
            sys.exit(f"{step}: wrong data from byte {off + bad}")
    elif kind == "zeroes":
        off, n = nums
        if h.pread(n, off) != bytes(n):
            sys.exit(f"{step}: not zeroes")
    elif kind == "eio":
        off, n = nums
        try:
            h.pread(n, off)
            sys.exit(f"{step}: read succeeded")
        except nbd.Error as e:
            if not is_eio(e):
                sys.exit(f"{step}: {e} instead of EIO")
    elif kind == "checkoreio":
        off, n, seed = nums
        eio_count = eio_count or 0
        try:
            if h.pread(n, off) != pattern(seed, n):
                sys.exit(f"{step}: wrong data")
        except nbd.Error as e:
            if not is_eio(e):
                sys.exit(f"{step}: {e} instead of EIO")
            eio_count += 1
    elif kind == "flush":
        h.flush()
    else:
        sys.exit(f"unknown step {step}")
h.shutdown()
print("OK")
if eio_count is not None:
    print("eio", eio_count)
