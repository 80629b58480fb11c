package io.nbdcrypt.block;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The holes of an encrypted segment, seen through its backing: a sector is a hole exactly
 * when all of its ciphertext lies in a hole of the backing (all-zero ciphertext, which the
 * volume reads as zeroes). A backing hole that covers part of a sector leaves that sector
 * data: the rest of its ciphertext is real and decrypts to something else than zeroes.
 */
final class CiphertextHoles {
    private CiphertextHoles() {}

    /**
     * See {@link BlockDevice#extents}, for the plaintext range {@code [offset, +length)} of a
     * segment at {@code dataOffset} of {@code backing} with {@code sectorSize}-byte sectors.
     */
    static List<Extent> of(BlockDevice backing, long dataOffset, int sectorSize, long offset, long length,
            int maxExtents) throws IOException {
        // Ask about whole sectors, so partial edge sectors are judged by all their ciphertext.
        long first = Math.floorDiv(offset, sectorSize) * sectorSize;
        long last = Math.ceilDiv(offset + length, (long) sectorSize) * sectorSize;
        List<Extent> sectors = new ArrayList<>();
        for (Extent b : backing.extents(dataOffset + first, last - first, maxExtents)) {
            long start = b.offset() - dataOffset;
            long end = b.end() - dataOffset;
            if (!b.hole()) {
                add(sectors, start, end, false);
                continue;
            }
            long holeStart = Math.ceilDiv(start, (long) sectorSize) * sectorSize;
            long holeEnd = Math.floorDiv(end, sectorSize) * sectorSize;
            if (holeStart >= holeEnd) {
                add(sectors, start, end, false);
            } else {
                add(sectors, start, holeStart, false);
                add(sectors, holeStart, holeEnd, true);
                add(sectors, holeEnd, end, false);
            }
        }
        return clip(sectors, offset, offset + length, maxExtents);
    }

    /** Appends {@code [start, end)}, merged into the last extent when that is of the same kind. */
    private static void add(List<Extent> out, long start, long end, boolean hole) {
        if (start >= end) {
            return;
        }
        if (!out.isEmpty() && out.getLast().hole() == hole && out.getLast().end() == start) {
            Extent prev = out.removeLast();
            out.add(new Extent(prev.offset(), end - prev.offset(), hole));
        } else {
            out.add(new Extent(start, end - start, hole));
        }
    }

    /** The extents cut to {@code [from, to)}, at most {@code max} of them. */
    private static List<Extent> clip(List<Extent> sectors, long from, long to, int max) {
        List<Extent> out = new ArrayList<>();
        for (Extent e : sectors) {
            long start = Math.max(e.offset(), from);
            long end = Math.min(e.end(), to);
            if (start < end && out.size() < max) {
                out.add(new Extent(start, end - start, e.hole()));
            }
        }
        return out;
    }
}
