package io.nbdcrypt.luks2.keyslot;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.crypto.af.AfSplitter;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.crypto.kdf.PasswordKdf;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.NotEnoughMemoryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;

/**
 * Reads and writes the key material of a LUKS2 keyslot: passphrase → KDF → area key; the
 * area holds the AF-split volume key encrypted with the area cipher in 512-byte sectors, IVs
 * counting from 0 at the area start ({@link io.nbdcrypt.luks.common.KeyMaterialCipher}, as LUKS1).
 *
 * <p>Every intermediate secret (derived key, decrypted material) is wiped before return.
 */
public final class KeyslotCrypto {
    private KeyslotCrypto() {}

    /**
     * The candidate volume key in {@code slot} for {@code passphrase}. It is only right if the
     * digest matches; a wrong passphrase gives a random-looking key.
     */
    public static VolumeKey open(BlockDevice dev, Keyslot slot, Passphrase passphrase) throws IOException {
        checkMemory(slot);
        int len = (int) slot.materialLength();
        if (slot.areaOffset() > dev.size() - len) {
            throw new LuksFormatException("keyslots." + slot.id() + ".area", "key material at " + slot.areaOffset() + "+"
                    + len + " lies past the end of the " + dev.size() + "-byte header device");
        }
        byte[] material = new byte[len];
        ByteBuffer buf = ByteBuffer.wrap(material);
        dev.read(slot.areaOffset(), buf);
        try (SecretBytes areaKey = PasswordKdf.derive(slot.kdf(), passphrase, slot.kdfSalt(), slot.areaKeySize())) {
            slot.areaCipher().decrypt(areaKey, buf);
            return AfSplitter.merge(material, slot.keySize(), slot.stripes(), slot.afHash());
        } finally {
            SecretBytes.wipe(material);
        }
    }

    /** Splits, encrypts and writes {@code volumeKey} into {@code slot}'s area under {@code passphrase}. */
    public static void store(BlockDevice dev, Keyslot slot, VolumeKey volumeKey, Passphrase passphrase,
            SecureRandom random) throws IOException {
        if (volumeKey.length() != slot.keySize()) {
            throw new IllegalArgumentException("volume key is " + volumeKey.length() + " bytes, keyslot says " + slot.keySize());
        }
        byte[] split = AfSplitter.split(volumeKey, slot.stripes(), slot.afHash(), random);
        byte[] material = new byte[(int) slot.materialLength()];
        System.arraycopy(split, 0, material, 0, split.length);
        SecretBytes.wipe(split);
        ByteBuffer buf = ByteBuffer.wrap(material);
        try (SecretBytes areaKey = PasswordKdf.derive(slot.kdf(), passphrase, slot.kdfSalt(), slot.areaKeySize())) {
            slot.areaCipher().encrypt(areaKey, buf);
            dev.write(slot.areaOffset(), buf);
        } finally {
            SecretBytes.wipe(material);
        }
    }

    /**
     * Refuses an Argon2 cost this JVM cannot pay: a header asking for more memory than the
     * heap can give would otherwise end the process with an OutOfMemoryError.
     */
    static void checkMemory(Keyslot slot) throws NotEnoughMemoryException {
        if (slot.kdf() instanceof KdfParameters.Argon2 a) {
            long need = (long) a.memoryKiB() * 1024;
            long room = Runtime.getRuntime().maxMemory() / 4 * 3;
            if (need > room) {
                throw new NotEnoughMemoryException("keyslots." + slot.id() + ".kdf.memory", "argon2 needs " + a.memoryKiB()
                        + " KiB, more than this JVM's heap allows (" + room / 1024 + " KiB); raise -Xmx to open this keyslot");
            }
        }
    }

    /** Overwrites a whole keyslot area with random bytes (key destruction on removal). */
    public static void wipeArea(BlockDevice dev, long offset, long size, SecureRandom random) throws IOException {
        byte[] junk = new byte[(int) Math.min(size, 1 << 20)];
        for (long done = 0; done < size; done += junk.length) {
            random.nextBytes(junk);
            int n = (int) Math.min(junk.length, size - done);
            dev.write(offset + done, ByteBuffer.wrap(junk, 0, n));
        }
    }
}
