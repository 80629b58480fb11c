package io.nbdcrypt.block;

/**
 * A range of a device and whether storage backs it: a hole has none and reads as zeroes
 * (never written, or trimmed); anything else is data, including data that happens to be
 * zeroes or ranges whose status is unknown.
 *
 * @param offset byte offset of the range
 * @param length its length in bytes, at least 1
 * @param hole   true for a hole that reads as zeroes
 */
public record Extent(long offset, long length, boolean hole) {
    public Extent {
        if (offset < 0 || length < 1) {
            throw new IllegalArgumentException("extent at " + offset + " of " + length + " bytes");
        }
    }

    /** The first byte after the range. */
    public long end() {
        return offset + length;
    }
}
