package io.nbdcrypt.crypto.kdf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.testsupport.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Published vectors (RFC 6070, RFC 7914, phc-winner-argon2 test.c) and Python's hashlib as an independent PBKDF2. */
class PasswordKdfTest {
    private static final HexFormat HEX = HexFormat.of();

    private static String derive(KdfParameters p, String pw, String salt, int len) {
        try (Passphrase pass = Passphrase.copyOf(pw.getBytes(StandardCharsets.US_ASCII));
                SecretBytes out = PasswordKdf.derive(p, pass, salt.getBytes(StandardCharsets.US_ASCII), len)) {
            return HEX.formatHex(out.copyBytes(KeyAccess.get()));
        }
    }

    @Test
    void derive_pbkdf2Sha1Rfc6070_matchesVector() {
        assertEquals("4b007901b765489abead49d926f721d065a429c1",
                derive(new KdfParameters.Pbkdf2(HashAlgorithm.SHA1, 4096), "password", "salt", 20));
    }

    @Test
    void derive_pbkdf2Sha256Rfc7914_matchesVector() {
        assertEquals("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                        + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
                derive(new KdfParameters.Pbkdf2(HashAlgorithm.SHA256, 1), "passwd", "salt", 64));
    }

    @Test
    void derive_pbkdf2Sha512_matchesPythonHashlib() {
        String py = "import hashlib;print(hashlib.pbkdf2_hmac('sha512', b'pass\\x00word\\xff', b'NaCl', 1000, 100).hex())";
        String expected = ExternalTool.run(List.of(ExternalTool.debianPython().toString(), "-c", py), null, 60)
                .assertSuccess().stdoutText().trim();
        byte[] pw = {'p', 'a', 's', 's', 0, 'w', 'o', 'r', 'd', (byte) 0xff};
        try (Passphrase pass = Passphrase.copyOf(pw);
                SecretBytes out = PasswordKdf.derive(new KdfParameters.Pbkdf2(HashAlgorithm.SHA512, 1000), pass,
                        "NaCl".getBytes(StandardCharsets.US_ASCII), 100)) {
            assertEquals(expected, HEX.formatHex(out.copyBytes(KeyAccess.get())));
        }
    }

    @Test
    void keyDigest_isPbkdf2OfTheKeyBytes_rfc6070() {
        try (VolumeKey key = VolumeKey.copyOf("password".getBytes(StandardCharsets.US_ASCII))) {
            assertEquals("4b007901b765489abead49d926f721d065a429c1", HEX.formatHex(PasswordKdf.keyDigest(
                    new KdfParameters.Pbkdf2(HashAlgorithm.SHA1, 4096), key, "salt".getBytes(StandardCharsets.US_ASCII), 20)));
        }
    }

    @Test
    void derive_argon2iReferenceVector_matches() {
        assertEquals("c1628832147d9720c5bd1cfd61367078729f6dfb6f8fea9ff98158e0d7816ed0",
                derive(new KdfParameters.Argon2(KdfParameters.Argon2Type.ARGON2I, 2, 65536, 1), "password", "somesalt", 32));
    }

    @Test
    void derive_argon2idReferenceVectors_match() {
        assertEquals("09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7",
                derive(new KdfParameters.Argon2(KdfParameters.Argon2Type.ARGON2ID, 2, 65536, 1), "password", "somesalt", 32));
        assertEquals("6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037",
                derive(new KdfParameters.Argon2(KdfParameters.Argon2Type.ARGON2ID, 2, 256, 2), "password", "somesalt", 32));
    }

    @Test
    void byName_unknownHash_refusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HashAlgorithm.byName("md5"));
        assertTrue(e.getMessage().contains("md5"));
    }

    @Test
    void benchmark_pbkdf2_neverBelowFloor() {
        KdfParameters.Pbkdf2 p = KdfBenchmark.pbkdf2(HashAlgorithm.SHA256, 1, 64);
        assertTrue(p.iterations() >= KdfBenchmark.PBKDF2_MIN_ITERATIONS, p::toString);
    }

    @Test
    void benchmark_argon2_neverBelowFloor() {
        KdfParameters.Argon2 a = KdfBenchmark.argon2(KdfParameters.Argon2Type.ARGON2ID, 1, 1024, 1);
        assertTrue(a.time() >= KdfBenchmark.ARGON2_MIN_TIME && a.memoryKiB() >= KdfBenchmark.ARGON2_MIN_MEMORY_KIB, a::toString);
    }
}
