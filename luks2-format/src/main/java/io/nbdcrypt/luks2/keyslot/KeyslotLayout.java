package io.nbdcrypt.luks2.keyslot;

import java.util.Collection;
import java.util.OptionalLong;

/**
 * Where a new keyslot's area goes: the first 4096-aligned gap in the keyslots area big
 * enough for the AF material rounded up to 4096 bytes, as cryptsetup places them (slot 0 of a
 * 512-bit key at 32768 + 258048 bytes with 16 KiB metadata).
 */
public final class KeyslotLayout {
    public static final long ALIGN = 4096;

    private KeyslotLayout() {}

    /** Area size for a key of {@code keySize} bytes: AF material rounded up to 4096. */
    public static long areaSize(int keySize) {
        long m = Keyslot.materialLength(keySize, KeyslotValidator.STRIPES);
        return (m + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** The lowest free offset for {@code size} bytes in {@code [start, end)}, or empty if full. */
    public static OptionalLong findGap(Collection<Keyslot> used, long start, long end, long size) {
        long candidate = (start + ALIGN - 1) / ALIGN * ALIGN;
        boolean moved = true;
        while (moved) {
            moved = false;
            for (Keyslot k : used) {
                long a = k.areaOffset();
                long b = a + k.areaSize();
                if (candidate < b && a < candidate + size) {
                    candidate = (b + ALIGN - 1) / ALIGN * ALIGN;
                    moved = true;
                }
            }
        }
        return candidate + size <= end ? OptionalLong.of(candidate) : OptionalLong.empty();
    }
}
