package io.nbdcrypt.xts;

/**
 * A sector did not verify under an authenticated {@link SectorTransform}: its stored bytes or
 * side data are not what this key wrote for this position (tampered, moved, replayed or
 * zeroed). Thrown by {@link SectorCipher#decrypt(java.nio.ByteBuffer, long, byte[], int)}; the
 * block layer turns it into an {@link java.io.IOException} (EIO for an NBD client). Names the
 * sector only: never the bytes or the key.
 */
public final class SectorAuthenticationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long sector;

    public SectorAuthenticationException(long sector) {
        super("sector " + sector + " failed authentication", null, false, false);
        this.sector = sector;
    }

    /** Index of the first sector of the request that failed, in the caller's sector numbering. */
    public long sector() {
        return sector;
    }
}
