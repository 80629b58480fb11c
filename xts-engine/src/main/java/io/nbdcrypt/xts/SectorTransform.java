package io.nbdcrypt.xts;

/**
 * How a whole sector becomes what is stored on the disk, and back: the per-sector part of a
 * {@link SectorCipher}. Implementations: {@link XtsCipher} (AES-XTS, the LUKS2 default),
 * {@link CbcEssivCipher} (legacy LUKS1 {@code aes-cbc-essiv:sha256}, decryption only), and the
 * authenticated volume's AES-GCM transform ({@code io.nbdcrypt.block.auth}), whose sectors
 * carry side data (nonce and tag) that the caller stores elsewhere.
 *
 * <p>{@link SectorCipher} does everything around the transform: it checks the request, splits
 * large ones across threads, turns sector numbers into IVs with its {@link IvRule}, leaves holes
 * alone, and hands each thread's {@link Lane} batches of whole sectors in a heap array (direct
 * buffers go through the lane's {@link Lane#bounce()} array). A transform only ever sees whole
 * sectors and IVs.
 *
 * <p>Thread-safety: the transform is shared by every thread; a lane belongs to one thread for
 * the length of one call ({@link #borrow()} never blocks, so steady state allocates nothing).
 * {@link #close()} wipes the key material the transform and its lanes hold, including lanes
 * returned after it; borrowing afterwards throws {@link IllegalStateException}.
 */
public interface SectorTransform extends AutoCloseable {

    /** Which way a batch goes. */
    enum Direction {
        /** Plaintext to stored form. */
        ENCRYPT,
        /** Stored form to plaintext (verifying it, for an authenticated transform). */
        DECRYPT
    }

    /** Returned by {@link Lane#apply} when every sector of the batch was fine. */
    int ALL_VERIFIED = -1;

    /** Scratch for one call on one thread; give it back with {@link #release}. */
    Lane borrow();

    /** Returns a lane borrowed from this transform. */
    void release(Lane lane);

    /**
     * Bytes of side data per sector: 0 for a length-preserving cipher, else the size of the
     * record (e.g. nonce and tag) that {@link Direction#ENCRYPT} writes and
     * {@link Direction#DECRYPT} needs back, which the caller keeps somewhere the host cannot
     * rewrite unnoticed.
     */
    default int sideDataBytes() {
        return 0;
    }

    /** Whether {@link Direction#ENCRYPT} is supported ({@link CbcEssivCipher} is decryption only). */
    default boolean canEncrypt() {
        return true;
    }

    /** Wipes the key material; the transform must not be used afterwards. */
    @Override
    void close();

    /**
     * One thread's scratch: the IVs of a batch, whatever buffers the transform needs, and the
     * bounce array for direct buffers.
     */
    interface Lane {
        /** Most sectors one {@link #apply} call takes (the size of the IV batch). */
        int maxUnits();

        /** Array that direct-buffer bytes are copied through; its length is a multiple of 4096. */
        byte[] bounce();

        /**
         * Sets the IV of batch slot {@code unit} ({@code 0 <= unit < maxUnits()}): the low 64 bits
         * of the 16-byte little-endian IV, the high 64 bits being zero.
         */
        void setIv(int unit, long ivLow64);

        /**
         * Transforms {@code units} sectors of {@code sectorSize} bytes at {@code data[off..]} in
         * place, sector {@code i} with the IV in slot {@code firstUnit + i}. Side data of sector
         * {@code i}, when {@link #sideDataBytes()} is not 0, is at
         * {@code side[sideOff + i * sideDataBytes()..]}: written on encryption, read on decryption.
         *
         * @return {@link #ALL_VERIFIED}, or the index {@code i} of the first sector that failed
         *         verification; from there on the bytes of the batch are unspecified, but never
         *         plaintext that failed verification
         */
        int apply(Direction direction, byte[] data, int off, int sectorSize, int firstUnit, int units, byte[] side,
                int sideOff);
    }
}
