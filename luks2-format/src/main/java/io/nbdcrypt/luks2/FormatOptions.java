package io.nbdcrypt.luks2;

import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks.common.Printable;
import io.nbdcrypt.luks.common.SectorSize;
import io.nbdcrypt.luks2.disk.BinaryHeader;
import io.nbdcrypt.luks2.disk.HeaderCopyReader;
import io.nbdcrypt.luks2.segment.CipherSpec;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Parameters of a new LUKS2 volume. Defaults are cryptsetup's for a file container:
 * aes-xts-plain64, 512-bit key, 4096-byte sectors, 16 KiB metadata, keyslots area up to the
 * 16 MiB data offset (data offset 0 with a detached header), sha256 for the AF, the digest and
 * the header checksum.
 *
 * @param keyBytes         32 or 64 (XTS-AES-128 / XTS-AES-256)
 * @param sectorSize       512, 1024, 2048 or 4096
 * @param metadataSize     bytes per header copy: 16 KiB .. 4 MiB, a power of two
 * @param keyslotsSize     bytes of the keyslots area; empty: up to 16 MiB minus both copies
 * @param dataOffset       data segment offset; empty: 16 MiB, or 0 with a detached header
 * @param kdf              keyslot KDF costs (already benchmarked or forced)
 * @param digestIterations PBKDF2 iterations of the volume key digest (at least 1000)
 * @param hash             AF and digest hash
 * @param cipher           "aes-xts-plain64" or "aes-xts-plain"
 * @param label            up to 47 ASCII characters ("" for none)
 * @param subsystem        up to 47 ASCII characters ("" for none)
 * @param uuid             the volume UUID; empty: a random one
 * @param keyslot          the id of the first keyslot (default 0)
 */
public record FormatOptions(int keyBytes, int sectorSize, long metadataSize, OptionalLong keyslotsSize,
        OptionalLong dataOffset, KdfParameters kdf, int digestIterations, HashAlgorithm hash, String cipher,
        String label, String subsystem, Optional<UUID> uuid, OptionalInt keyslot) {

    /** cryptsetup's data offset for a header on the data device. */
    public static final long DEFAULT_DATA_OFFSET = 16L << 20;
    public static final long DEFAULT_METADATA_SIZE = 16L << 10;

    public FormatOptions {
        if (keyBytes != 32 && keyBytes != 64) {
            throw new IllegalArgumentException("key size must be 256 or 512 bits, got " + keyBytes * 8);
        }
        if (!SectorSize.isValid(sectorSize)) {
            throw new IllegalArgumentException("sector size must be " + SectorSize.allowed() + ", got " + sectorSize);
        }
        if (!CipherSpec.ALLOWED.contains(cipher)) {
            throw new IllegalArgumentException("cipher '" + Printable.of(cipher) + "' is refused (allowed: "
                    + String.join(", ", CipherSpec.ALLOWED) + ")");
        }
        if (!HeaderCopyReader.HDR_SIZES.contains(metadataSize)) {
            throw new IllegalArgumentException("metadata size must be a power of two from 16 KiB to 4 MiB, got " + metadataSize);
        }
        if (keyslotsSize.isPresent() && (keyslotsSize.getAsLong() % 4096 != 0 || keyslotsSize.getAsLong() <= 0)) {
            throw new IllegalArgumentException("keyslots area size must be a positive multiple of 4096");
        }
        if (dataOffset.isPresent() && (dataOffset.getAsLong() < 0 || dataOffset.getAsLong() % sectorSize != 0)) {
            throw new IllegalArgumentException("data offset must be a non-negative multiple of the sector size");
        }
        if (digestIterations < 1000) {
            throw new IllegalArgumentException("digest iterations must be at least 1000");
        }
        BinaryHeader.checkText("label", label, BinaryHeader.MAX_LABEL + 1);
        BinaryHeader.checkText("subsystem", subsystem, BinaryHeader.MAX_LABEL + 1);
    }

    /** cryptsetup's defaults with the given KDF costs. */
    public static FormatOptions defaults(KdfParameters kdf) {
        return new FormatOptions(64, 4096, DEFAULT_METADATA_SIZE, OptionalLong.empty(), OptionalLong.empty(), kdf,
                1000, HashAlgorithm.SHA256, "aes-xts-plain64", "", "", Optional.empty(), OptionalInt.empty());
    }

    public FormatOptions withKeyBytes(int v) {
        return new FormatOptions(v, sectorSize, metadataSize, keyslotsSize, dataOffset, kdf, digestIterations, hash, cipher,
                label, subsystem, uuid, keyslot);
    }

    public FormatOptions withSectorSize(int v) {
        return new FormatOptions(keyBytes, v, metadataSize, keyslotsSize, dataOffset, kdf, digestIterations, hash, cipher,
                label, subsystem, uuid, keyslot);
    }

    public FormatOptions withMetadataSize(long v, OptionalLong keyslots) {
        return new FormatOptions(keyBytes, sectorSize, v, keyslots, dataOffset, kdf, digestIterations, hash, cipher,
                label, subsystem, uuid, keyslot);
    }

    public FormatOptions withDataOffset(long v) {
        return new FormatOptions(keyBytes, sectorSize, metadataSize, keyslotsSize, OptionalLong.of(v), kdf,
                digestIterations, hash, cipher, label, subsystem, uuid, keyslot);
    }

    /** These options with the keyslot KDF {@code k} and the digest's PBKDF2 iterations (both benchmarked or forced). */
    public FormatOptions withKdf(KdfParameters k, int digest) {
        return new FormatOptions(keyBytes, sectorSize, metadataSize, keyslotsSize, dataOffset, k, digest, hash, cipher,
                label, subsystem, uuid, keyslot);
    }

    public FormatOptions withDigestIterations(int v) {
        return new FormatOptions(keyBytes, sectorSize, metadataSize, keyslotsSize, dataOffset, kdf, v, hash, cipher,
                label, subsystem, uuid, keyslot);
    }

    public FormatOptions withHash(HashAlgorithm v) {
        return new FormatOptions(keyBytes, sectorSize, metadataSize, keyslotsSize, dataOffset, kdf, digestIterations, v,
                cipher, label, subsystem, uuid, keyslot);
    }

    public FormatOptions withCipher(String v) {
        return new FormatOptions(keyBytes, sectorSize, metadataSize, keyslotsSize, dataOffset, kdf, digestIterations, hash,
                v, label, subsystem, uuid, keyslot);
    }

    public FormatOptions withLabel(String l, String s) {
        return new FormatOptions(keyBytes, sectorSize, metadataSize, keyslotsSize, dataOffset, kdf, digestIterations, hash,
                cipher, l, s, uuid, keyslot);
    }

    public FormatOptions withUuid(UUID v) {
        return new FormatOptions(keyBytes, sectorSize, metadataSize, keyslotsSize, dataOffset, kdf, digestIterations, hash,
                cipher, label, subsystem, Optional.of(v), keyslot);
    }
}
