package io.nbdcrypt.luks1;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.EncryptedVolume;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.crypto.af.AfSplitter;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.crypto.kdf.PasswordKdf;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.KeyDigest;
import io.nbdcrypt.luks.common.LuksException;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.Refusals;
import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import io.nbdcrypt.luks.common.VolumeInfo;
import io.nbdcrypt.luks.common.WrongPassphraseException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * A LUKS1 volume, read-only as far as the header goes: unlock a keyslot (PBKDF2 → decrypt the
 * key material with the volume cipher in 512-byte sectors → AF merge → check the 20-byte
 * master-key digest) and expose the payload (512-byte sectors, IVs from 0 at the payload).
 * CBC-ESSIV payloads are exposed only on a read-only data device.
 */
public final class Luks1Volume {
    private final BlockDevice headerDevice;
    private final Luks1Header header;

    private Luks1Volume(BlockDevice headerDevice, Luks1Header header) {
        this.headerDevice = headerDevice;
        this.header = header;
    }

    /** Reads and validates the LUKS1 header. */
    public static Luks1Volume open(BlockDevice headerDevice, HeaderLocation location) throws IOException {
        return new Luks1Volume(headerDevice, Luks1Header.parse(readHeader(headerDevice), headerDevice.size(), location));
    }

    /**
     * The header as cryptsetup would show it: malformed is thrown, what nbdcrypt refuses is listed.
     *
     * @throws LuksFormatException if the header is malformed
     */
    public static Luks1Inspection inspect(BlockDevice headerDevice, HeaderLocation location) throws IOException {
        Luks1Fields fields = Luks1Fields.decode(readHeader(headerDevice));
        List<UnsupportedFeatureException> refused = new ArrayList<>();
        Luks1Header.check(fields, headerDevice.size(), location, Refusals.collectInto(refused));
        return new Luks1Inspection(fields, refused);
    }

    private static byte[] readHeader(BlockDevice headerDevice) throws IOException {
        if (headerDevice.size() < Luks1Header.SIZE) {
            throw new LuksFormatException("luks1", "device is too small for a LUKS1 header");
        }
        byte[] b = new byte[Luks1Header.SIZE];
        headerDevice.read(0, ByteBuffer.wrap(b));
        return b;
    }

    public Luks1Header header() {
        return header;
    }

    /** The key and the slot that gave it; the caller closes the key. */
    public record Unlocked(int keyslot, VolumeKey volumeKey) {}

    /**
     * Tries {@code keyslot}, or every active slot in order (as cryptsetup does for LUKS1).
     *
     * @throws WrongPassphraseException if none opens
     */
    public Unlocked unlock(Passphrase passphrase, OptionalInt keyslot) throws IOException {
        boolean found = false;
        for (Luks1Header.Slot s : header.slots()) {
            if (keyslot.isPresent() && keyslot.getAsInt() != s.id()) {
                continue;
            }
            found = true;
            VolumeKey candidate = openSlot(s, passphrase);
            if (digestMatches(candidate)) {
                return new Unlocked(s.id(), candidate);
            }
            candidate.close();
        }
        if (keyslot.isPresent() && !found) {
            throw new LuksException("LUKS1 keyslot " + keyslot.getAsInt() + " is not active");
        }
        throw new WrongPassphraseException("no LUKS1 keyslot opens with this passphrase");
    }

    /**
     * The payload as plaintext; {@code data} is this device unless the header is detached.
     *
     * @throws LuksException if the cipher is {@linkplain Luks1Cipher#readOnly() read-only}
     *                       (CBC-ESSIV) and {@code data} is writable
     */
    public EncryptedVolume dataVolume(BlockDevice data, VolumeKey volumeKey) throws LuksException {
        checkAccess(data);
        long size = dataSize(data.size());
        if (size <= 0) {
            throw new LuksFormatException("luks1.payload_offset", "payload at " + header.payloadOffset()
                    + " is beyond the end of the " + data.size() + "-byte device");
        }
        return new EncryptedVolume(data, header.payloadOffset(), size, header.cipher().sectorCipher(volumeKey));
    }

    /**
     * Refuses a writable {@code data} device when the cipher is read-only here; servers call
     * this before asking for the passphrase's keyslot work.
     *
     * @throws LuksException saying to open the volume read-only
     */
    public void checkAccess(BlockDevice data) throws LuksException {
        if (header.cipher().readOnly() && !data.isReadOnly()) {
            throw new LuksException("LUKS1 volume uses the legacy cipher " + header.cipher().spec()
                    + ", which nbdcrypt opens only read-only: open it read-only (nbdcrypt serve --read-only)");
        }
    }

    /** Payload bytes on a data device of {@code deviceSize} bytes. */
    public long dataSize(long deviceSize) {
        return Math.max(0, (deviceSize - header.payloadOffset()) / 512 * 512);
    }

    public VolumeInfo info(long size, int keyslot) {
        return new VolumeInfo(1, header.uuid(), "", header.cipher().spec(), header.keyBytes() * 8, 512,
                header.payloadOffset(), size, 0, keyslot);
    }

    private VolumeKey openSlot(Luks1Header.Slot s, Passphrase passphrase) throws IOException {
        byte[] material = new byte[(int) header.materialLength()];
        ByteBuffer buf = ByteBuffer.wrap(material);
        headerDevice.read(s.materialOffset(), buf);
        try (SecretBytes slotKey = PasswordKdf.derive(new KdfParameters.Pbkdf2(header.hash(), s.iterations()), passphrase,
                s.salt(), header.keyBytes())) {
            header.cipher().decryptOnce(slotKey, buf);
            return AfSplitter.merge(material, header.keyBytes(), s.stripes(), header.hash());
        } finally {
            SecretBytes.wipe(material);
        }
    }

    private boolean digestMatches(VolumeKey candidate) {
        // The LUKS1 master-key digest is 20 bytes of PBKDF2 (header.mkDigest() holds exactly those).
        return KeyDigest.matches(new KdfParameters.Pbkdf2(header.hash(), header.mkDigestIterations()),
                header.mkDigestSalt(), header.mkDigest(), candidate);
    }
}
