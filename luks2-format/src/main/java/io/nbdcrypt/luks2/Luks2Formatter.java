package io.nbdcrypt.luks2;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.auth.AuthenticatedLayout;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksException;
import io.nbdcrypt.luks2.digest.DigestVerifier;
import io.nbdcrypt.luks2.disk.BinaryHeader;
import io.nbdcrypt.luks2.disk.HeaderWriter;
import io.nbdcrypt.luks2.json.JsonArea;
import io.nbdcrypt.luks2.keyslot.KeyslotLayout;
import io.nbdcrypt.luks2.segment.AuthenticatedIntegrity;
import io.nbdcrypt.luks2.segment.CipherSpec;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Creates a new LUKS2 volume the way {@code cryptsetup luksFormat} lays it out: both header
 * copies, the keyslots area up to the data offset, one data segment of dynamic size, one
 * pbkdf2 digest, and a first keyslot for the passphrase (or none: {@link #formatWithoutKeyslot}).
 * The metadata area is zeroed first.
 */
public final class Luks2Formatter {
    private Luks2Formatter() {}

    /**
     * Where a new volume's parts go, known before any key or KDF work: both header copies,
     * the keyslots area, the data. {@link #checkFits} says whether a device can take it, so a
     * caller can refuse a small device before it benchmarks a KDF.
     *
     * @param metadataSize bytes per header copy
     * @param keyslotsSize bytes of the keyslots area, 4096-aligned
     * @param dataOffset   where the data segment starts
     */
    public record Layout(HeaderLocation location, long metadataSize, long keyslotsSize, long dataOffset) {
        /**
         * The layout cryptsetup's luksFormat makes for these options (empty options: its defaults).
         *
         * @throws IllegalArgumentException for an inconsistent layout (data offset inside the metadata,
         *     a keyslots area too small for one keyslot)
         */
        public static Layout of(HeaderLocation location, long metadataSize, OptionalLong keyslotsSize,
                OptionalLong dataOffset, int keyBytes) {
            boolean detached = location.isDetached();
            long offset = dataOffset.orElse(detached ? 0 : FormatOptions.DEFAULT_DATA_OFFSET);
            long keyslots;
            if (keyslotsSize.isPresent()) {
                keyslots = keyslotsSize.getAsLong();
            } else if (!detached && dataOffset.isPresent()) {
                keyslots = Math.min(offset, FormatOptions.DEFAULT_DATA_OFFSET) - 2 * metadataSize;
            } else {
                keyslots = FormatOptions.DEFAULT_DATA_OFFSET - 2 * metadataSize;
            }
            keyslots = keyslots / KeyslotLayout.ALIGN * KeyslotLayout.ALIGN;
            if (keyslots < KeyslotLayout.areaSize(keyBytes)) {
                throw new IllegalArgumentException("keyslots area of " + keyslots + " bytes cannot hold one keyslot");
            }
            Layout l = new Layout(location, metadataSize, keyslots, offset);
            if (!detached && offset < l.metadataEnd()) {
                throw new IllegalArgumentException("data offset " + offset + " lies inside the " + l.metadataEnd()
                        + " bytes of metadata");
            }
            return l;
        }

        /** First byte after both header copies and the keyslots area. */
        public long metadataEnd() {
            return 2 * metadataSize + keyslotsSize;
        }

        /** Bytes the header device needs: the metadata, and on the data device at least one byte of data. */
        public long minimumDeviceSize() {
            return location.isDetached() ? metadataEnd() : dataOffset + 1;
        }

        /** @throws LuksException if a header device of {@code size} bytes cannot take this layout */
        public void checkFits(long size) throws LuksException {
            if (size < minimumDeviceSize()) {
                throw new LuksException("device of " + size + " bytes is too small: metadata needs " + metadataEnd()
                        + (location.isDetached() ? "" : " and data starts at " + dataOffset));
            }
        }
    }

    /** The new volume and its fresh random volume key (the caller closes the key). */
    public record Formatted(Luks2Volume volume, VolumeKey volumeKey) {}

    /**
     * Formats {@code headerDevice} (the data device, or a detached header file of at least
     * the metadata size).
     *
     * @throws LuksException if the device is too small for the layout
     * @throws IllegalArgumentException for an inconsistent layout (data offset inside the metadata)
     */
    public static Formatted format(BlockDevice headerDevice, HeaderLocation location, FormatOptions o, Passphrase passphrase,
            SecureRandom random) throws IOException {
        Formatted f = formatWithoutKeyslot(headerDevice, location, o, random);
        try {
            f.volume().addVerifiedKeyslot(f.volumeKey(), passphrase, o.kdf(), o.keyslot(), o.hash());
            return f;
        } catch (IOException | RuntimeException e) {
            f.volumeKey().close();
            throw e;
        }
    }

    /**
     * {@link #format} without a keyslot: the header holds the segment and the digest of a fresh
     * random volume key, and nothing opens it but that key (no passphrase, so no KDF runs).
     * This is the ephemeral volume's header, kept in memory; cryptsetup accepts such a header
     * too (a keyslot can be added later with the volume key). The keyslots area is still laid
     * out as {@code o} says, so a keyslot fits later.
     */
    public static Formatted formatWithoutKeyslot(BlockDevice headerDevice, HeaderLocation location, FormatOptions o,
            SecureRandom random) throws IOException {
        return formatWithoutKeyslot(headerDevice, location, o, Optional.empty(), random);
    }

    /**
     * A detached header without keyslot for an authenticated volume of {@code layout} (see
     * {@link AuthenticatedIntegrity}): a {@code crypt} segment of fixed size with
     * {@code aes-256-gcm} and the tree's place, and the mandatory requirement that makes
     * cryptsetup refuse to map it. {@code o}'s cipher and sector size give way to the layout's.
     */
    public static Formatted formatAuthenticatedWithoutKeyslot(BlockDevice headerDevice, FormatOptions o,
            AuthenticatedLayout layout, SecureRandom random) throws IOException {
        return formatWithoutKeyslot(headerDevice, HeaderLocation.DETACHED,
                o.withSectorSize(layout.sectorSize()).withDataOffset(layout.dataOffset()), Optional.of(layout), random);
    }

    private static Formatted formatWithoutKeyslot(BlockDevice headerDevice, HeaderLocation location, FormatOptions o,
            Optional<AuthenticatedLayout> authenticated, SecureRandom random) throws IOException {
        Layout layout = Layout.of(location, o.metadataSize(), o.keyslotsSize(), o.dataOffset(), o.keyBytes());
        layout.checkFits(headerDevice.size());
        long hdr = layout.metadataSize();
        long dataOffset = layout.dataOffset();
        long keyslots = layout.keyslotsSize();
        long metadataEnd = layout.metadataEnd();
        CipherSpec cipher = CipherSpec.parse(o.cipher(), "cipher");
        VolumeKey volumeKey = VolumeKey.random(o.keyBytes(), random);
        try {
            ObjectNode json = skeleton(o, cipher, dataOffset, keyslots, hdr, volumeKey, random);
            authenticated.ifPresent(tree -> authenticate(json, tree));
            byte[] salt = new byte[64];
            random.nextBytes(salt);
            String uuid = o.uuid().orElseGet(UUID::randomUUID).toString();
            BinaryHeader template = new BinaryHeader(false, 2, hdr, 0, o.label(), "sha256", salt, uuid, o.subsystem(), 0,
                    new byte[64]);
            Luks2Header checked = HeaderValidator.validate(template, json, location);
            headerDevice.writeZeroes(0, metadataEnd, false);
            HeaderWriter.writeBoth(headerDevice, checked.binary(), 1, JsonArea.encode(json, (int) (hdr - BinaryHeader.SIZE)));
            return new Formatted(Luks2Volume.open(headerDevice, location, random), volumeKey);
        } catch (IOException | RuntimeException e) {
            volumeKey.close();
            throw e;
        }
    }

    /** Turns the skeleton's segment into an authenticated one and adds the requirement. */
    private static void authenticate(ObjectNode json, AuthenticatedLayout layout) {
        ObjectNode seg = (ObjectNode) json.get("segments").get("0");
        seg.put("size", Long.toString(layout.dataBytes()));
        AuthenticatedIntegrity.of(layout).writeTo(seg);
        ((ObjectNode) json.get("config")).putObject("requirements").putArray("mandatory").add(AuthenticatedIntegrity.REQUIREMENT);
    }

    private static ObjectNode skeleton(FormatOptions o, CipherSpec cipher, long dataOffset, long keyslots, long hdr,
            VolumeKey volumeKey, SecureRandom random) {
        ObjectNode root = JsonArea.newObject();
        root.putObject("keyslots");
        root.putObject("tokens");
        ObjectNode seg = root.putObject("segments").putObject("0");
        seg.put("type", "crypt");
        seg.put("offset", Long.toString(dataOffset));
        seg.put("size", "dynamic");
        seg.put("iv_tweak", "0");
        seg.put("encryption", cipher.spec());
        seg.put("sector_size", o.sectorSize());
        ObjectNode dig = root.putObject("digests").putObject("0");
        dig.put("type", "pbkdf2");
        dig.putArray("keyslots");
        dig.putArray("segments").add("0");
        dig.put("hash", o.hash().luksName());
        dig.put("iterations", o.digestIterations());
        byte[] salt = DigestVerifier.newSalt(random);
        byte[] value = DigestVerifier.compute(new KdfParameters.Pbkdf2(o.hash(), o.digestIterations()), volumeKey, salt,
                o.hash().length());
        dig.put("salt", Base64.getEncoder().encodeToString(salt));
        dig.put("digest", Base64.getEncoder().encodeToString(value));
        ObjectNode config = root.putObject("config");
        config.put("json_size", Long.toString(hdr - BinaryHeader.SIZE));
        config.put("keyslots_size", Long.toString(keyslots));
        return root;
    }
}
