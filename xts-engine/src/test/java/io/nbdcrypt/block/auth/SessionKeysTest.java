package io.nbdcrypt.block.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.crypto.SecretBytes;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.KDF;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** HKDF against RFC 5869 and the JDK's own HKDF; one salt per session; wiping on the bytes. */
class SessionKeysTest {
    private static final HexFormat HEX = HexFormat.of();

    /** RFC 5869 appendix A.1 (SHA-256, test case 1). */
    @Test
    void hkdf_rfc5869TestCase1_givesPublishedOkm() {
        byte[] ikm = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        byte[] salt = HEX.parseHex("000102030405060708090a0b0c");
        byte[] info = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9");
        byte[] okm = SessionKeys.hkdf(salt, ikm, info, 42);
        assertArrayEquals(HEX.parseHex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"), okm);
    }

    /** The two labelled keys, as the JDK's HKDF (javax.crypto.KDF) derives them from the same volume key and salt. */
    @Test
    void derive_dataAndNodeKeys_matchJdkHkdfWithTheirLabels() throws Exception {
        byte[] vk = new byte[64];
        new SecureRandom().nextBytes(vk);
        byte[] salt = new byte[32];
        new SecureRandom().nextBytes(salt);
        try (SessionKeys keys = SessionKeys.derive(SecretBytes.copyOf(vk), salt)) {
            assertArrayEquals(jdkHkdf(vk, salt, SessionKeys.DATA_LABEL), keys.dataKey().getEncoded());
            assertArrayEquals(jdkHkdf(vk, salt, SessionKeys.NODE_LABEL), keys.nodeKey().getEncoded());
            assertFalse(Arrays.equals(keys.dataKey().getEncoded(), keys.nodeKey().getEncoded()));
        }
    }

    /** A second session of the same volume key gets other keys: its nonce counters start over safely. */
    @Test
    void derive_sameVolumeKeyTwice_givesDifferentSessionKeys() {
        SecretBytes vk = SecretBytes.random(64, new SecureRandom());
        try (SessionKeys a = SessionKeys.derive(vk, new SecureRandom()); SessionKeys b = SessionKeys.derive(vk, new SecureRandom())) {
            assertFalse(Arrays.equals(a.dataKey().getEncoded(), b.dataKey().getEncoded()));
            assertFalse(Arrays.equals(a.nodeKey().getEncoded(), b.nodeKey().getEncoded()));
        }
    }

    @Test
    void close_sessionKeys_destroysBoth() {
        SessionKeys keys = SessionKeys.derive(SecretBytes.random(64, new SecureRandom()), new SecureRandom());
        keys.close();
        assertTrue(keys.dataKey().isDestroyed() && keys.nodeKey().isDestroyed());
        assertFalse(keys.toString().matches(".*[0-9a-f]{16}.*"), keys.toString());
    }

    private static byte[] jdkHkdf(byte[] ikm, byte[] salt, String label) throws Exception {
        KDF kdf = KDF.getInstance("HKDF-SHA256");
        return kdf.deriveData(HKDFParameterSpec.ofExtract().addIKM(new SecretKeySpec(ikm, "Generic")).addSalt(salt)
                .thenExpand(label.getBytes(StandardCharsets.US_ASCII), 32));
    }
}
