package io.nbdcrypt.luks.common;

/**
 * The encryption sector sizes LUKS2 and dm-crypt allow: 512, 1024, 2048 or 4096 bytes (a
 * power of two from 512 to the page size). One rule for the formatter, the header validator
 * and the command line.
 */
public final class SectorSize {
    public static final int MIN = 512;
    public static final int MAX = 4096;

    private SectorSize() {}

    public static boolean isValid(long bytes) {
        return bytes >= MIN && bytes <= MAX && Long.bitCount(bytes) == 1;
    }

    /** The rule in words, for messages. */
    public static String allowed() {
        return "512, 1024, 2048 or 4096";
    }
}
