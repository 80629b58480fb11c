package io.nbdcrypt.luks2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.EncryptedVolume;
import io.nbdcrypt.block.auth.AuthenticatedVolume;
import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.KeyMaterialCipher;
import io.nbdcrypt.luks.common.LuksException;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.WrongPassphraseException;
import io.nbdcrypt.luks2.digest.Digest;
import io.nbdcrypt.luks2.digest.DigestVerifier;
import io.nbdcrypt.luks2.disk.BinaryHeader;
import io.nbdcrypt.luks2.disk.HeaderWriter;
import io.nbdcrypt.luks2.json.JsonArea;
import io.nbdcrypt.luks2.keyslot.Keyslot;
import io.nbdcrypt.luks2.keyslot.KeyslotCrypto;
import io.nbdcrypt.luks2.keyslot.KeyslotJson;
import io.nbdcrypt.luks2.keyslot.KeyslotLayout;
import io.nbdcrypt.luks2.keyslot.KeyslotValidator;
import io.nbdcrypt.luks2.segment.AuthenticatedIntegrity;
import io.nbdcrypt.luks2.segment.Segment;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.XtsCipher;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A LUKS2 header on a device (the data device, or a detached header file): unlock, manage
 * keyslots, expose the data segment.
 *
 * <p>Every change goes parse → validate → write: the new JSON is validated like a header read
 * from disk, then both copies are written with {@code seqid + 1} (which also repairs a
 * damaged copy), and the header is read back. Not thread-safe; one owner at a time. The
 * device stays owned by the caller.
 */
public final class Luks2Volume {
    private final BlockDevice headerDevice;
    private final HeaderLocation location;
    private final SecureRandom random;
    private Luks2Header header;
    private boolean needsRepair;

    private Luks2Volume(BlockDevice headerDevice, HeaderLocation location, Luks2HeaderReader.Loaded loaded, SecureRandom random) {
        this.headerDevice = headerDevice;
        this.location = location;
        this.header = loaded.header();
        this.needsRepair = loaded.needsRepair();
        this.random = random;
    }

    /**
     * Reads and validates the header on {@code headerDevice}.
     *
     * @param location whether the device is a header file rather than the data device
     * @throws LuksFormatException if neither header copy is valid
     */
    public static Luks2Volume open(BlockDevice headerDevice, HeaderLocation location) throws IOException {
        return open(headerDevice, location, new SecureRandom());
    }

    /**
     * Opens a header for {@link #repair()} even when one copy is damaged and the device also
     * carries another format's signature (which {@link #open} refuses, as cryptsetup does).
     */
    public static Luks2Volume openForRepair(BlockDevice headerDevice, HeaderLocation location) throws IOException {
        return new Luks2Volume(headerDevice, location, Luks2HeaderReader.readForRepair(headerDevice, location),
                new SecureRandom());
    }

    /** {@link #open(BlockDevice, HeaderLocation)} drawing salts and area fill from {@code random}. */
    static Luks2Volume open(BlockDevice headerDevice, HeaderLocation location, SecureRandom random) throws IOException {
        return new Luks2Volume(headerDevice, location, Luks2HeaderReader.read(headerDevice, location), random);
    }

    public Luks2Header header() {
        return header;
    }

    public HeaderLocation location() {
        return location;
    }

    /** One copy was missing, invalid or older; the next write (or {@link #repair()}) fixes it. */
    public boolean needsRepair() {
        return needsRepair;
    }

    /** A volume key and the keyslot that gave it. The caller closes the key. */
    public record Unlocked(int keyslot, VolumeKey volumeKey) {}

    /**
     * Finds the volume key with {@code passphrase}: in {@code keyslot} only if given (even
     * one marked "ignore"), otherwise in every keyslot bound to the data segment, preferred
     * ones first, skipping "ignore" ones, as cryptsetup does.
     *
     * @throws WrongPassphraseException if no keyslot tried opens
     * @throws LuksException if the chosen keyslot does not exist
     */
    public Unlocked unlock(Passphrase passphrase, OptionalInt keyslot) throws IOException {
        List<Keyslot> order = new ArrayList<>();
        if (keyslot.isPresent()) {
            Keyslot k = header.keyslots().get(keyslot.getAsInt());
            if (k == null) {
                throw new LuksException("keyslot " + keyslot.getAsInt() + " is not in use");
            }
            order.add(k);
        } else {
            header.keyslots().values().stream()
                    .filter(k -> k.priority() != Keyslot.PRIORITY_IGNORE)
                    .sorted(Comparator.comparingInt(Keyslot::priority).reversed().thenComparingInt(Keyslot::id))
                    .forEach(order::add);
        }
        Digest segmentDigest = header.segmentDigest();
        if (keyslot.isPresent() && !segmentDigest.keyslots().contains(keyslot.getAsInt())) {
            throw new LuksException("keyslot " + keyslot.getAsInt() + " is unbound: it holds a key, but not the data"
                    + " segment's (nbdcrypt test-key -S " + keyslot.getAsInt() + " checks its passphrase)");
        }
        for (Keyslot k : order) {
            if (!segmentDigest.keyslots().contains(k.id())) {
                continue;
            }
            VolumeKey candidate = KeyslotCrypto.open(headerDevice, k, passphrase);
            if (DigestVerifier.matches(segmentDigest, candidate)) {
                return new Unlocked(k.id(), candidate);
            }
            candidate.close();
        }
        throw new WrongPassphraseException(keyslot.isPresent()
                ? "keyslot " + keyslot.getAsInt() + " does not open with this passphrase"
                : "no keyslot opens with this passphrase");
    }

    /**
     * Which keyslot {@code passphrase} opens: {@code keyslot} only if given, bound to the data
     * segment or not (an unbound keyslot holds a key of its own, as {@code cryptsetup luksAddKey
     * --unbound} makes them), otherwise those {@link #unlock} tries. The key is checked against
     * the keyslot's own digest and wiped.
     *
     * @throws WrongPassphraseException if no keyslot tried opens
     * @throws LuksException if the chosen keyslot does not exist
     */
    public int verify(Passphrase passphrase, OptionalInt keyslot) throws IOException {
        if (keyslot.isEmpty()) {
            Unlocked u = unlock(passphrase, keyslot);
            u.volumeKey().close();
            return u.keyslot();
        }
        int id = keyslot.getAsInt();
        Keyslot k = header.keyslots().get(id);
        if (k == null) {
            throw new LuksException("keyslot " + id + " is not in use");
        }
        Digest digest = header.digestFor(id).orElseThrow();
        try (VolumeKey candidate = KeyslotCrypto.open(headerDevice, k, passphrase)) {
            if (DigestVerifier.matches(digest, candidate)) {
                return id;
            }
        }
        throw new WrongPassphraseException("keyslot " + id + " does not open with this passphrase");
    }

    /** The keyslots that hold the data segment's key (removing the last of them makes the volume unusable). */
    public List<Integer> segmentKeyslots() {
        return header.segmentDigest().keyslots();
    }

    /** Whether {@code volumeKey} is this volume's key (by the segment digest). */
    public boolean isVolumeKey(VolumeKey volumeKey) {
        return DigestVerifier.matches(header.segmentDigest(), volumeKey);
    }

    /**
     * Adds a keyslot holding {@code volumeKey} under {@code passphrase}.
     *
     * @param slot the id to use, or the lowest free one
     * @return the keyslot id
     * @throws LuksException if the key is not this volume's, the slot is taken, or no room is left
     */
    public int addKeyslot(VolumeKey volumeKey, Passphrase passphrase, KdfParameters kdf, OptionalInt slot,
            HashAlgorithm afHash) throws IOException {
        if (!DigestVerifier.matches(header.segmentDigest(), volumeKey)) {
            throw new LuksException("the given volume key does not match the volume's digest");
        }
        return addVerifiedKeyslot(volumeKey, passphrase, kdf, slot, afHash);
    }

    /**
     * {@link #addKeyslot} for a key already known to be this volume's (just unlocked, or just
     * made with the digest): the digest's PBKDF2 is not run a second time.
     */
    int addVerifiedKeyslot(VolumeKey volumeKey, Passphrase passphrase, KdfParameters kdf, OptionalInt slot,
            HashAlgorithm afHash) throws IOException {
        int id = slot.orElseGet(this::lowestFreeSlot);
        if (id < 0 || id >= KeyslotValidator.MAX_KEYSLOTS || header.keyslots().containsKey(id)) {
            throw new LuksException("keyslot " + id + " is not free");
        }
        long size = KeyslotLayout.areaSize(volumeKey.length());
        long start = 2 * header.hdrSize();
        OptionalLong at = KeyslotLayout.findGap(header.keyslots().values(), start, header.metadataEnd(), size);
        if (at.isEmpty()) {
            throw new LuksException("no room left in the keyslots area for another keyslot");
        }
        byte[] salt = new byte[32];
        random.nextBytes(salt);
        Keyslot k = new Keyslot(id, volumeKey.length(), Keyslot.PRIORITY_NORMAL, KeyslotValidator.STRIPES, afHash,
                at.getAsLong(), size, KeyMaterialCipher.AES_XTS_PLAIN64, volumeKey.length(), kdf, salt);
        // Key material first, metadata second: a crash in between leaves an unreferenced area.
        KeyslotCrypto.store(headerDevice, k, volumeKey, passphrase, random);
        ObjectNode json = header.json();
        ((ObjectNode) json.get("keyslots")).set(Integer.toString(id), KeyslotJson.build(k));
        ObjectNode digest = (ObjectNode) json.get("digests").get(Integer.toString(header.segmentDigest().id()));
        ((ArrayNode) digest.get("keyslots")).add(Integer.toString(id));
        commit(json);
        return id;
    }

    /**
     * Removes keyslot {@code id}: its area is overwritten with random bytes and it is dropped
     * from the digest and every token.
     */
    public void removeKeyslot(int id) throws IOException {
        Keyslot k = header.keyslots().get(id);
        if (k == null) {
            throw new LuksException("keyslot " + id + " is not in use");
        }
        ObjectNode json = header.json();
        ((ObjectNode) json.get("keyslots")).remove(Integer.toString(id));
        removeReference((ObjectNode) json.get("digests"), id);
        removeReference((ObjectNode) json.get("tokens"), id);
        commit(json);
        KeyslotCrypto.wipeArea(headerDevice, k.areaOffset(), k.areaSize(), random);
        headerDevice.flush();
    }

    /**
     * Replaces the passphrase of the keyslot that {@code oldPassphrase} opens: a new keyslot
     * is written first (at the lowest free id), then the old one removed.
     *
     * @return the id of the new keyslot
     */
    public int changePassphrase(Passphrase oldPassphrase, Passphrase newPassphrase, KdfParameters kdf,
            OptionalInt keyslot) throws IOException {
        return changePassphrase(unlock(oldPassphrase, keyslot), newPassphrase, kdf);
    }

    /**
     * {@link #changePassphrase(Passphrase, Passphrase, KdfParameters, OptionalInt)} for a
     * keyslot already unlocked (so a wrong old passphrase is known before any KDF benchmark):
     * the new keyslot holds {@code unlocked}'s key, the old one is removed. Closes the key.
     */
    public int changePassphrase(Unlocked unlocked, Passphrase newPassphrase, KdfParameters kdf) throws IOException {
        try (VolumeKey key = unlocked.volumeKey()) {
            Keyslot old = header.keyslots().get(unlocked.keyslot());
            int fresh = addVerifiedKeyslot(key, newPassphrase, kdf, OptionalInt.empty(), old.afHash());
            removeKeyslot(unlocked.keyslot());
            return fresh;
        }
    }

    /** Rewrites both copies (seqid + 1) so a damaged or stale copy is replaced. */
    public void repair() throws IOException {
        commit(header.json());
    }

    /** The plaintext view of the data segment on {@code dataDevice} (this device unless detached). */
    public EncryptedVolume dataVolume(BlockDevice dataDevice, VolumeKey volumeKey) throws LuksException {
        return dataVolume(header.dataSegment(), dataDevice, volumeKey);
    }

    static EncryptedVolume dataVolume(Segment s, BlockDevice dataDevice, VolumeKey volumeKey) throws LuksException {
        if (s.authenticated().isPresent()) {
            throw new LuksException("the data segment is authenticated (" + AuthenticatedIntegrity.TYPE
                    + "): it opens as an authenticated volume, not as XTS");
        }
        if (s.offset() > dataDevice.size()) {
            throw new LuksFormatException("segments.0.offset", "data offset " + s.offset() + " is beyond the end of the "
                    + dataDevice.size() + "-byte device");
        }
        long size = s.sizeOn(dataDevice.size());
        if (size > dataDevice.size() - s.offset()) {
            throw new LuksFormatException("segments.0.size", "segment of " + size + " bytes at " + s.offset()
                    + " does not fit the " + dataDevice.size() + "-byte device");
        }
        SectorCipher cipher = new SectorCipher(XtsCipher.create(volumeKey.secretBytes(KeyAccess.get())), s.sectorSize(),
                IvRule.dmCrypt(s.encryption().ivMode(), s.ivTweak()));
        return new EncryptedVolume(dataDevice, s.offset(), size, cipher);
    }

    /**
     * The authenticated volume of an authenticated data segment on {@code dataDevice}: new and
     * empty, with keys of this session only ({@link AuthenticatedVolume}); it owns the device.
     *
     * @throws LuksException if the segment is not authenticated or its layout does not fit the device
     */
    public AuthenticatedVolume authenticatedVolume(BlockDevice dataDevice, VolumeKey volumeKey, long cacheBytes,
            SecureRandom random) throws LuksException {
        Segment s = header.dataSegment();
        if (s.authenticated().isEmpty()) {
            throw new LuksException("the data segment is " + s.encryption().spec() + ", not authenticated");
        }
        try {
            return AuthenticatedVolume.create(dataDevice, s.authenticated().get().layout(s),
                    volumeKey.secretBytes(KeyAccess.get()), cacheBytes, random);
        } catch (IllegalArgumentException e) {
            throw new LuksFormatException("segments.0", e.getMessage());
        }
    }

    private void commit(ObjectNode json) throws IOException {
        long seqid = header.seqid() + 1;
        Luks2Header next = HeaderValidator.validate(header.binary(), json, location);
        byte[] area = JsonArea.encode(json, (int) (header.hdrSize() - BinaryHeader.SIZE));
        HeaderWriter.writeBoth(headerDevice, next.binary(), seqid, area);
        Luks2HeaderReader.Loaded loaded = Luks2HeaderReader.read(headerDevice, location);
        if (loaded.header().seqid() != seqid || loaded.needsRepair()) {
            throw new LuksException("header read back after writing is not the one written (seqid "
                    + loaded.header().seqid() + ", expected " + seqid + ")");
        }
        header = loaded.header();
        needsRepair = false;
    }

    private int lowestFreeSlot() {
        for (int i = 0; i < KeyslotValidator.MAX_KEYSLOTS; i++) {
            if (!header.keyslots().containsKey(i)) {
                return i;
            }
        }
        return -1;
    }

    private static void removeReference(ObjectNode section, int keyslot) {
        String id = Integer.toString(keyslot);
        for (JsonNode entry : section) {
            JsonNode list = entry.get("keyslots");
            if (list instanceof ArrayNode a) {
                for (int i = a.size() - 1; i >= 0; i--) {
                    if (id.equals(a.get(i).asText())) {
                        a.remove(i);
                    }
                }
            }
        }
    }
}
