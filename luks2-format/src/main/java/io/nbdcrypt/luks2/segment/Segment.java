package io.nbdcrypt.luks2.segment;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A validated LUKS2 {@code crypt} data segment.
 *
 * @param offset     byte offset of the data on the data device
 * @param size       fixed size in bytes, or empty for "dynamic" (to the end of the device)
 * @param ivTweak    added to every IV (counted in 512-byte units)
 * @param sectorSize encryption sector size: 512, 1024, 2048 or 4096
 * @param authenticated present for nbdcrypt's authenticated segment (AES-256-GCM and a hash tree)
 */
public record Segment(int id, long offset, OptionalLong size, long ivTweak, CipherSpec encryption, int sectorSize,
        List<String> flags, Optional<AuthenticatedIntegrity> authenticated) {

    /** An XTS segment. */
    public Segment(int id, long offset, OptionalLong size, long ivTweak, CipherSpec encryption, int sectorSize,
            List<String> flags) {
        this(id, offset, size, ivTweak, encryption, sectorSize, flags, Optional.empty());
    }

    /**
     * The plaintext size on a data device of {@code deviceSize} bytes: the fixed size, or what
     * is left after the offset rounded down to the sector size; 0 if the device is smaller.
     */
    public long sizeOn(long deviceSize) {
        if (size.isPresent()) {
            return size.getAsLong();
        }
        long left = deviceSize - offset;
        return left <= 0 ? 0 : left / sectorSize * sectorSize;
    }
}
