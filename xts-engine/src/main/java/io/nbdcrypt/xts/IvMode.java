package io.nbdcrypt.xts;

/**
 * How dm-crypt turns a sector number into the 16-byte XTS tweak (the "ivmode" in
 * {@code aes-xts-plain64}).
 */
public enum IvMode {
    /** Sector number as a 64-bit little-endian integer, zero-padded to 16 bytes. */
    PLAIN64,
    /** The same, truncated to 32 bits (wraps at 2^32 sectors; legacy). */
    PLAIN;

    /** The low 64 bits of the IV for {@code ivSector} (the high 64 bits are always zero). */
    public long low64(long ivSector) {
        return this == PLAIN ? ivSector & 0xffffffffL : ivSector;
    }
}
