package io.nbdcrypt.luks.common;

import java.nio.ByteBuffer;

/**
 * The LUKS magic numbers, spelled once: {@code LUKS\xba\xbe} starts a LUKS1 header and the
 * primary LUKS2 copy, {@code SKUL\xba\xbe} the secondary LUKS2 copy. The version (u16
 * big-endian) follows the magic in both formats. Arrays never leave this class, so nobody
 * can change the magic under everybody else.
 */
public final class LuksMagic {
    /** Bytes of magic at the start of a header. */
    public static final int LENGTH = 6;

    private static final byte[] PRIMARY = {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe};
    private static final byte[] SECONDARY = {'S', 'K', 'U', 'L', (byte) 0xba, (byte) 0xbe};

    private LuksMagic() {}

    /** Whether {@code b} holds the primary (LUKS1 / first LUKS2 copy) magic at {@code off}. */
    public static boolean isPrimary(byte[] b, int off) {
        return matches(b, off, PRIMARY);
    }

    /** Whether {@code b} holds the secondary LUKS2 magic at {@code off}. */
    public static boolean isSecondary(byte[] b, int off) {
        return matches(b, off, SECONDARY);
    }

    /** Writes the primary or the secondary magic at the buffer's position. */
    public static void put(ByteBuffer b, boolean secondary) {
        b.put(secondary ? SECONDARY : PRIMARY);
    }

    /**
     * The LUKS version of a device that starts with {@code first8}: 1 for a LUKS1 header, 2
     * for everything else (a LUKS2 header, or a device whose primary copy is damaged and whose
     * secondary copy the LUKS2 reader will look for).
     */
    public static int version(byte[] first8) {
        return isPrimary(first8, 0) && first8[6] == 0 && first8[7] == 1 ? 1 : 2;
    }

    private static boolean matches(byte[] b, int off, byte[] magic) {
        if (b.length - off < LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            if (b[off + i] != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
