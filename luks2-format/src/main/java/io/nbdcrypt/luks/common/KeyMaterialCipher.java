package io.nbdcrypt.luks.common;

import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.xts.CbcEssivCipher;
import io.nbdcrypt.xts.IvMode;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.XtsCipher;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The ciphers nbdcrypt accepts for keyslot key material, in LUKS1 and LUKS2 alike: the
 * AF-split key is encrypted in 512-byte sectors, IVs counting from 0 at the start of the
 * material. AES-XTS ({@code plain64}, {@code plain}) is read and written; AES-CBC-ESSIV:SHA256,
 * which cryptsetup before 1.6 used and still reads, is only decrypted (new keyslots are
 * always XTS). Everything else ({@code cipher_null} first) is not on this list: a host that
 * rewrites the header must not choose our cipher (CVE-2025-59054).
 */
public enum KeyMaterialCipher {
    AES_XTS_PLAIN64("aes-xts-plain64"),
    AES_XTS_PLAIN("aes-xts-plain"),
    AES_CBC_ESSIV_SHA256("aes-cbc-essiv:sha256");

    private final String spec;

    KeyMaterialCipher(String spec) {
        this.spec = spec;
    }

    /** The dm-crypt spec string, e.g. {@code aes-xts-plain64}. */
    public String spec() {
        return spec;
    }

    /** The cipher cryptsetup calls {@code spec}, if it is on the list. */
    public static Optional<KeyMaterialCipher> bySpec(String spec) {
        return Arrays.stream(values()).filter(c -> c.spec.equals(spec)).findFirst();
    }

    /** The accepted spec strings, for messages. */
    public static List<String> allowed() {
        return Arrays.stream(values()).map(KeyMaterialCipher::spec).toList();
    }

    public boolean isXts() {
        return this != AES_CBC_ESSIV_SHA256;
    }

    /** Key sizes in bytes: 32 or 64 for XTS (two AES keys), 16, 24 or 32 for CBC. */
    public boolean validKeySize(int bytes) {
        return isXts() ? bytes == 32 || bytes == 64 : bytes == 16 || bytes == 24 || bytes == 32;
    }

    /** The key sizes {@link #validKeySize} accepts, for messages. */
    public String keySizes() {
        return isXts() ? "32 or 64" : "16, 24 or 32";
    }

    /** The IV rule of an XTS spec (plain64 or plain). */
    public IvMode xtsIv() {
        return this == AES_XTS_PLAIN ? IvMode.PLAIN : IvMode.PLAIN64;
    }

    /**
     * Decrypts key material in place under {@code key}, sector 0 at the start of {@code buf};
     * the cipher's own key copies are wiped before this returns.
     */
    public void decrypt(SecretBytes key, ByteBuffer buf) {
        if (!isXts()) {
            try (CbcEssivCipher c = CbcEssivCipher.create(key)) {
                SectorCipher.cbcEssiv(c, 512, IvRule.dmCrypt(IvMode.PLAIN64, 0)).decrypt(buf, 0);
            }
            return;
        }
        try (XtsCipher x = XtsCipher.create(key)) {
            new SectorCipher(x, 512, IvRule.dmCrypt(xtsIv(), 0)).decrypt(buf, 0);
        }
    }

    /**
     * Encrypts key material in place under {@code key} (XTS only: new keyslots are never CBC).
     *
     * @throws IllegalStateException for CBC-ESSIV
     */
    public void encrypt(SecretBytes key, ByteBuffer buf) {
        if (!isXts()) {
            throw new IllegalStateException(spec + " key material is only read, never written");
        }
        try (XtsCipher x = XtsCipher.create(key)) {
            new SectorCipher(x, 512, IvRule.dmCrypt(xtsIv(), 0)).encrypt(buf, 0);
        }
    }

    @Override
    public String toString() {
        return spec;
    }
}
