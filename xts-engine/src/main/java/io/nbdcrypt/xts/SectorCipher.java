package io.nbdcrypt.xts;

import java.nio.ByteBuffer;

/**
 * Encrypts and decrypts runs of whole sectors in place, each sector one XTS data unit with
 * the IV its {@link IvRule} gives.
 *
 * <p>Thread-safe. The buffer's bytes between position and limit are processed; that length
 * must be a multiple of {@link #sectorSize()} ({@link IllegalArgumentException} otherwise).
 * Position and limit are left unchanged.
 */
public final class SectorCipher {
    private final XtsCipher xts;
    private final int sectorSize;
    private final IvRule ivRule;
    private final ThreadLocal<byte[]> scratch;

    /** @param sectorSize 512, 1024, 2048 or 4096 */
    public SectorCipher(XtsCipher xts, int sectorSize, IvRule ivRule) {
        if (sectorSize < 512 || sectorSize > 4096 || Integer.bitCount(sectorSize) != 1) {
            throw new IllegalArgumentException("sector size must be 512, 1024, 2048 or 4096, got " + sectorSize);
        }
        this.xts = xts;
        this.sectorSize = sectorSize;
        this.ivRule = ivRule;
        this.scratch = ThreadLocal.withInitial(() -> new byte[16 + sectorSize]);
    }

    public int sectorSize() {
        return sectorSize;
    }

    public IvRule ivRule() {
        return ivRule;
    }

    /** Encrypts the sectors in {@code buf}; the first has index {@code firstSector}. */
    public void encrypt(ByteBuffer buf, long firstSector) {
        crypt(buf, firstSector, true);
    }

    /** Decrypts the sectors in {@code buf}; the first has index {@code firstSector}. */
    public void decrypt(ByteBuffer buf, long firstSector) {
        crypt(buf, firstSector, false);
    }

    private void crypt(ByteBuffer buf, long firstSector, boolean encrypt) {
        int len = buf.remaining();
        if (len % sectorSize != 0) {
            throw new IllegalArgumentException("length " + len + " is not a multiple of the sector size " + sectorSize);
        }
        byte[] s = scratch.get();
        byte[] iv = new byte[16];
        int base = buf.position();
        for (int i = 0, n = len / sectorSize; i < n; i++) {
            ivRule.mode().fill(ivRule.ivSector(firstSector + i, sectorSize), iv);
            int at = base + i * sectorSize;
            if (buf.hasArray()) {
                if (encrypt) {
                    xts.encrypt(iv, buf.array(), buf.arrayOffset() + at, sectorSize);
                } else {
                    xts.decrypt(iv, buf.array(), buf.arrayOffset() + at, sectorSize);
                }
            } else {
                buf.get(at, s, 16, sectorSize);
                if (encrypt) {
                    xts.encrypt(iv, s, 16, sectorSize);
                } else {
                    xts.decrypt(iv, s, 16, sectorSize);
                }
                buf.put(at, s, 16, sectorSize);
            }
        }
    }
}
