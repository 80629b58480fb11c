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

    /** Writes the 16-byte IV for {@code ivSector} into {@code out}. */
    public void fill(long ivSector, byte[] out) {
        long v = low64(ivSector);
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (v >>> (8 * i));
        }
        java.util.Arrays.fill(out, 8, 16, (byte) 0);
    }

    /** Parses the ivmode part of a dm-crypt cipher spec ("plain64", "plain"). */
    public static IvMode parse(String name) {
        return switch (name) {
            case "plain64" -> PLAIN64;
            case "plain" -> PLAIN;
            default -> throw new IllegalArgumentException("unsupported IV mode '" + name + "' (supported: plain64, plain)");
        };
    }
}
