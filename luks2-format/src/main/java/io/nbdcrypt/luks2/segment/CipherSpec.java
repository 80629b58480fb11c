package io.nbdcrypt.luks2.segment;

import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import io.nbdcrypt.luks.common.Printable;
import io.nbdcrypt.xts.IvMode;
import java.util.List;

/**
 * A dm-crypt cipher specification from the allow-list: AES in XTS mode with the
 * {@code plain64} or {@code plain} IV. Everything else, {@code cipher_null} first of all, is
 * refused: a host that rewrites the header must not be able to make us write plaintext
 * (CVE-2025-59054). The one other cipher, {@link #AES_256_GCM} (nbdcrypt's authenticated
 * segments), is never parsed from a spec string alone: only with its integrity object and the
 * header's mandatory requirement ({@link AuthenticatedIntegrity}).
 *
 * @param aead true for {@link #AES_256_GCM}, which no XTS data path may take
 */
public record CipherSpec(IvMode ivMode, boolean aead) {
    /** The spec strings accepted, in the order we prefer them. */
    public static final List<String> ALLOWED = List.of("aes-xts-plain64", "aes-xts-plain");

    public static final CipherSpec AES_XTS_PLAIN64 = new CipherSpec(IvMode.PLAIN64);
    /** The authenticated segment's AES-256-GCM (its IV mode is meaningless: sectors carry their own nonces). */
    public static final CipherSpec AES_256_GCM = new CipherSpec(IvMode.PLAIN64, true);

    /** An XTS spec. */
    public CipherSpec(IvMode ivMode) {
        this(ivMode, false);
    }

    /**
     * @throws UnsupportedFeatureException naming {@code field} for any spec not on {@link #ALLOWED}
     */
    public static CipherSpec parse(String spec, String field) throws UnsupportedFeatureException {
        return switch (spec) {
            case "aes-xts-plain64" -> new CipherSpec(IvMode.PLAIN64);
            case "aes-xts-plain" -> new CipherSpec(IvMode.PLAIN);
            default -> throw new UnsupportedFeatureException(field, "cipher '" + Printable.of(spec) + "' is refused (allowed: "
                    + String.join(", ", ALLOWED) + ")");
        };
    }

    /** The spec string as cryptsetup writes it. */
    public String spec() {
        if (aead) {
            return AuthenticatedIntegrity.CIPHER;
        }
        return ivMode == IvMode.PLAIN64 ? "aes-xts-plain64" : "aes-xts-plain";
    }

    /** XTS key sizes in bytes: two AES-128 or two AES-256 keys. */
    public static boolean validKeySize(int bytes) {
        return bytes == 32 || bytes == 64;
    }

    @Override
    public String toString() {
        return spec();
    }
}
