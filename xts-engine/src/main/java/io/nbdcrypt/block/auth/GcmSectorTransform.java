package io.nbdcrypt.block.auth;

import io.nbdcrypt.xts.RawAesKey;
import io.nbdcrypt.xts.SectorTransform;
import io.nbdcrypt.xts.WorkerPool;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Cipher;

/**
 * The authenticated volume's sector transform: AES-256-GCM per sector, the sector's IV number
 * (its index) as associated data, so a sector moved elsewhere does not verify. Side data per
 * sector ({@value #SIDE_BYTES} bytes, kept by the caller in the hash tree): the nonce counter
 * (8 bytes, little-endian) and the tag (16).
 *
 * <p>Nonces: a counter of this transform, from 1 up, one per sector encrypted; 0 means "never
 * written" and never verifies. The counter lives as long as the transform and its key (the
 * session's, see {@link SessionKeys}), so no nonce repeats under a key; at 2^63 it refuses to
 * encrypt rather than wrap. A replayed older sector carries an older nonce and tag, which the
 * tree no longer holds: it fails, as does any changed byte, a sector from another position, or
 * zeroes.
 *
 * <p>Thread-safe; lanes pooled as in the XTS engine. {@link #close()} wipes the lanes' buffers
 * and re-keys their ciphers; the key itself belongs to the {@link SessionKeys}.
 */
public final class GcmSectorTransform implements SectorTransform {
    /** Nonce counter (8) + tag (16). */
    public static final int SIDE_BYTES = 8 + Gcm.TAG_BYTES;
    private static final int MAX_UNITS = 256;
    private static final int BOUNCE = 16 * 1024;

    private final RawAesKey key;
    private final AtomicLong nextNonce = new AtomicLong(1);
    private final WorkerPool<Lane> lanes = new WorkerPool<>("GcmSectorTransform", Lane::new, Lane::wipe);

    /** @param key the session's data key (see {@link SessionKeys#dataKey()}), owned by the caller */
    GcmSectorTransform(RawAesKey key) {
        this.key = key;
        lanes.release(lanes.borrow()); // fail now, not on first use, if AES-GCM is unavailable
    }

    @Override
    public SectorTransform.Lane borrow() {
        return lanes.borrow();
    }

    @Override
    public void release(SectorTransform.Lane lane) {
        lanes.release((Lane) lane);
    }

    @Override
    public int sideDataBytes() {
        return SIDE_BYTES;
    }

    @Override
    public void close() {
        lanes.close();
    }

    /** Nonces handed out so far (sectors encrypted). */
    long noncesUsed() {
        return nextNonce.get() - 1;
    }

    @Override
    public String toString() {
        return "GcmSectorTransform[AES-256-GCM" + (lanes.isClosed() ? ", closed]" : "]");
    }

    private long reserve(int units) {
        long first = nextNonce.getAndAdd(units);
        if (first <= 0 || first + units <= 0) {
            nextNonce.set(Long.MIN_VALUE); // stays exhausted
            throw new IllegalStateException("AES-GCM nonce counter exhausted: no more writes under this session key");
        }
        return first;
    }

    /** One thread's cipher, nonce, AAD and scratch. */
    private final class Lane implements SectorTransform.Lane {
        private final Cipher cipher = Gcm.newCipher();
        private final byte[] nonce = new byte[Gcm.NONCE_BYTES];
        private final byte[] aad = new byte[8];
        private final long[] ivs = new long[MAX_UNITS];
        /** Ciphertext then tag of one sector: the JDK's GCM wants them together, and never in place. */
        private final byte[] scratch = new byte[4096 + Gcm.TAG_BYTES];
        private final byte[] bounce = new byte[BOUNCE];

        @Override
        public int maxUnits() {
            return MAX_UNITS;
        }

        @Override
        public byte[] bounce() {
            return bounce;
        }

        @Override
        public void setIv(int unit, long ivLow64) {
            ivs[unit] = ivLow64;
        }

        @Override
        public int apply(Direction direction, byte[] data, int off, int sectorSize, int firstUnit, int units, byte[] side,
                int sideOff) {
            if (direction == Direction.ENCRYPT) {
                long first = reserve(units);
                for (int u = 0; u < units; u++) {
                    int p = off + u * sectorSize;
                    int rec = sideOff + u * SIDE_BYTES;
                    Gcm.LE.set(aad, 0, ivs[firstUnit + u]);
                    Gcm.seal(cipher, key, nonce, first + u, aad, data, p, sectorSize, scratch, 0);
                    System.arraycopy(scratch, 0, data, p, sectorSize);
                    Gcm.LE.set(side, rec, first + u);
                    System.arraycopy(scratch, sectorSize, side, rec + 8, Gcm.TAG_BYTES);
                }
                return ALL_VERIFIED;
            }
            for (int u = 0; u < units; u++) {
                int p = off + u * sectorSize;
                int rec = sideOff + u * SIDE_BYTES;
                long counter = (long) Gcm.LE.get(side, rec);
                if (counter <= 0) {
                    return u; // "never written" (or a corrupt record): nothing decrypts under it
                }
                System.arraycopy(data, p, scratch, 0, sectorSize);
                System.arraycopy(side, rec + 8, scratch, sectorSize, Gcm.TAG_BYTES);
                Gcm.LE.set(aad, 0, ivs[firstUnit + u]);
                if (!Gcm.open(cipher, key, nonce, counter, aad, scratch, 0, sectorSize, data, p)) {
                    return u;
                }
            }
            return ALL_VERIFIED;
        }

        void wipe() {
            Arrays.fill(scratch, (byte) 0);
            Arrays.fill(bounce, (byte) 0);
            Arrays.fill(ivs, 0L);
            Gcm.forget(cipher);
        }
    }
}
