package io.nbdcrypt.luks1;

import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.luks.common.KeyMaterialCipher;
import io.nbdcrypt.luks.common.Printable;
import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import io.nbdcrypt.xts.CbcEssivCipher;
import io.nbdcrypt.xts.IvMode;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.XtsCipher;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * The LUKS1 cipher allow-list: AES-XTS ({@code plain64} / {@code plain} IVs, cryptsetup's
 * current LUKS1 default) and AES-CBC-ESSIV:SHA256 (cryptsetup's LUKS1 default before 1.6).
 * LUKS1 uses this cipher both for the keyslot material and for the payload, in 512-byte
 * sectors with IVs counted from 0.
 *
 * <p>CBC-ESSIV is accepted so that legacy volumes can be read; it is {@linkplain #readOnly()
 * read-only} here because CBC leaks which 16-byte blocks of a sector changed to anyone who sees
 * two versions of it, and we do not want to keep writing such volumes. Everything else
 * ({@code cipher_null}, {@code ecb}, {@code cbc-plain}, ESSIV with another hash) is refused:
 * a host that rewrites the header must not be able to make us use a weaker cipher
 * (CVE-2025-59054). LUKS2 keeps its own XTS-only list
 * ({@link io.nbdcrypt.luks2.segment.CipherSpec}).
 */
public enum Luks1Cipher {
    AES_XTS_PLAIN64(KeyMaterialCipher.AES_XTS_PLAIN64),
    AES_XTS_PLAIN(KeyMaterialCipher.AES_XTS_PLAIN),
    AES_CBC_ESSIV_SHA256(KeyMaterialCipher.AES_CBC_ESSIV_SHA256);

    private final KeyMaterialCipher cipher;
    private final String mode;
    private final boolean cbc;

    Luks1Cipher(KeyMaterialCipher cipher) {
        this.cipher = cipher;
        this.mode = cipher.spec().substring("aes-".length());
        this.cbc = !cipher.isXts();
    }

    /** The accepted {@code cipher_name-cipher_mode} strings. */
    public static List<String> allowed() {
        return Arrays.stream(values()).map(Luks1Cipher::spec).toList();
    }

    /**
     * Looks up the header's {@code cipher_name} and {@code cipher_mode}.
     *
     * @throws UnsupportedFeatureException naming {@code luks1.cipher_mode} for anything not allowed
     */
    public static Luks1Cipher parse(String cipherName, String cipherMode) throws UnsupportedFeatureException {
        for (Luks1Cipher c : values()) {
            if (cipherName.equals("aes") && cipherMode.equals(c.mode)) {
                return c;
            }
        }
        throw new UnsupportedFeatureException("luks1.cipher_mode", "cipher '" + Printable.of(cipherName + "-" + cipherMode) + "' is refused (allowed for LUKS1: "
                + String.join(", ", allowed()) + ")");
    }

    /** The dm-crypt spec string, e.g. {@code aes-cbc-essiv:sha256}. */
    public String spec() {
        return cipher.spec();
    }

    /** The header's {@code cipher_mode}, e.g. {@code xts-plain64}. */
    public String mode() {
        return mode;
    }

    /** True for ciphers we only read (CBC-ESSIV). */
    public boolean readOnly() {
        return cbc;
    }

    /** Volume key sizes in bytes: 32 or 64 for XTS (two AES keys), 16, 24 or 32 for CBC. */
    public boolean validKeySize(int bytes) {
        return cipher.validKeySize(bytes);
    }

    /** The key sizes {@link #validKeySize} accepts, for messages. */
    public String keySizes() {
        return cipher.keySizes();
    }

    /**
     * A 512-byte-sector cipher under {@code key} (copied; the caller still owns it), sector 0
     * being the start of the keyslot material or of the payload.
     *
     * @throws IllegalArgumentException if the key length is not {@linkplain #validKeySize valid}
     */
    public SectorCipher sectorCipher(VolumeKey volumeKey) {
        SecretBytes key = volumeKey.secretBytes(KeyAccess.get());
        if (cbc) {
            return SectorCipher.cbcEssiv(CbcEssivCipher.create(key), 512, IvRule.dmCrypt(IvMode.PLAIN64, 0));
        }
        return new SectorCipher(XtsCipher.create(key), 512, IvRule.dmCrypt(cipher.xtsIv(), 0));
    }

    /**
     * Decrypts keyslot material in place under {@code key}, sector 0 at the start of
     * {@code buf}; the cipher's key copies are wiped before this returns.
     */
    public void decryptOnce(SecretBytes key, ByteBuffer buf) {
        cipher.decrypt(key, buf);
    }

    @Override
    public String toString() {
        return spec();
    }
}
