package io.nbdcrypt.provision;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.luks2.segment.Segment;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a {@link Backend} attaches: a LUKS2 volume whose key is known. Owned by the caller, who
 * wipes the key once {@code attach} returned and closes {@code raw} after the attachment.
 *
 * @param rawPath       the raw device (or image file), e.g. {@code /dev/vdb}
 * @param raw           that device, opened (exclusively, for provisioning) by the caller
 * @param header        the volume's validated LUKS2 header (in memory for an ephemeral volume);
 *                      its data segment says where the data lies and how it is encrypted
 * @param volumeKey     the volume key (matches the header's digest)
 * @param allowDiscards pass discards down (tells the host which blocks are free)
 * @param description   one line for logs and NBD_INFO_DESCRIPTION, no secrets
 * @param metadataCacheBytes for an authenticated segment: the bound of its tree-node cache
 */
public record UnlockedVolume(Path rawPath, BlockDevice raw, Luks2Volume header, VolumeKey volumeKey,
        boolean allowDiscards, String description, long metadataCacheBytes) {
    /** A volume with the default tree-node cache (for an authenticated segment). */
    public UnlockedVolume(Path rawPath, BlockDevice raw, Luks2Volume header, VolumeKey volumeKey, boolean allowDiscards,
            String description) {
        this(rawPath, raw, header, volumeKey, allowDiscards, description,
                io.nbdcrypt.block.auth.AuthenticatedVolume.defaultCacheBytes());
    }

    public UnlockedVolume {
        Objects.requireNonNull(rawPath, "rawPath");
        Objects.requireNonNull(raw, "raw");
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(volumeKey, "volumeKey");
        Objects.requireNonNull(description, "description");
    }

    /** The data segment (offset, size rule, cipher, sector size, IV tweak). */
    public Segment segment() {
        return header.header().dataSegment();
    }

    /** Whether the data segment is nbdcrypt's authenticated one (AES-GCM and a hash tree; the NBD path only). */
    public boolean authenticated() {
        return segment().authenticated().isPresent();
    }

    /** Bytes of plaintext: the data segment's size on this raw device. */
    public long dataSize() {
        return segment().sizeOn(raw.size());
    }
}
