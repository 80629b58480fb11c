package io.nbdcrypt.xts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.testsupport.ExternalTool;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@code aes-cbc-essiv:sha256} sectors against Python {@code cryptography} + hashlib (IV = AES_{SHA256(key)}(LE64 sector)). */
class CbcEssivCipherTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final long SEED = Long.getLong("xts.seed", System.nanoTime());
    private static final String SCRIPT = """
            import sys, hashlib
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
            for line in sys.stdin:
                key, sector, data = line.split()
                key = bytes.fromhex(key)
                salt = hashlib.sha256(key).digest()
                iv = Cipher(algorithms.AES(salt), modes.ECB()).encryptor().update(int(sector).to_bytes(8, 'little') + bytes(8))
                e = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
                print((e.update(bytes.fromhex(data)) + e.finalize()).hex())
            """;

    /** Python encrypts as dm-crypt does; we decrypt, through heap and direct buffers. */
    @ParameterizedTest
    @ValueSource(ints = {16, 24, 32})
    void decrypt_sectorsPast2To32_matchDmCryptEssivInPython(int keyLen) {
        SplittableRandom rnd = new SplittableRandom(SEED + keyLen);
        byte[] key = XtsCipherPropertyTest.bytes(rnd, keyLen);
        // Across 2^32, across an IV batch (256) and the direct-buffer bounce (32 sectors), with an iv_tweak.
        long first = (1L << 32) - 300;
        long ivTweak = 7;
        int sectors = 600;
        byte[] plain = XtsCipherPropertyTest.bytes(rnd, sectors * 512);
        byte[] cipherText = pythonEncrypt(key, first + ivTweak, plain);
        ByteBuffer direct = ByteBuffer.allocateDirect(plain.length).put(0, cipherText);
        ByteBuffer heap = ByteBuffer.wrap(cipherText.clone());
        try (CbcEssivCipher c = CbcEssivCipher.create(SecretBytes.copyOf(key))) {
            SectorCipher sc = SectorCipher.cbcEssiv(c, 512, IvRule.dmCrypt(IvMode.PLAIN64, ivTweak));
            sc.decrypt(direct, first);
            sc.decrypt(heap, first);
        }
        for (int i = 0; i < sectors; i++) {
            byte[] want = Arrays.copyOfRange(plain, i * 512, (i + 1) * 512);
            byte[] got = new byte[512];
            direct.get(i * 512, got);
            assertArrayEquals(want, got, "direct sector " + (first + i));
            assertArrayEquals(want, Arrays.copyOfRange(heap.array(), i * 512, (i + 1) * 512), "heap sector " + (first + i));
        }
    }

    @Test
    void decryptKeepingHoles_pythonSectorsAndAZeroedOne_zeroStaysZeroOthersDecrypt() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        byte[] key = XtsCipherPropertyTest.bytes(rnd, 32);
        byte[] plain = XtsCipherPropertyTest.bytes(rnd, 600 * 512);
        byte[] cipherText = pythonEncrypt(key, 1000 + 7, plain);
        Arrays.fill(cipherText, 3 * 512, 4 * 512, (byte) 0);
        try (CbcEssivCipher c = CbcEssivCipher.create(SecretBytes.copyOf(key))) {
            SectorCipher sc = SectorCipher.cbcEssiv(c, 512, IvRule.dmCrypt(IvMode.PLAIN64, 7));
            ByteBuffer buf = ByteBuffer.allocateDirect(plain.length).put(0, cipherText);
            sc.decryptKeepingHoles(buf, 1000);
            byte[] got = new byte[plain.length];
            buf.get(0, got);
            byte[] expected = plain.clone();
            Arrays.fill(expected, 3 * 512, 4 * 512, (byte) 0);
            assertArrayEquals(expected, got);
        }
    }

    /** Legacy volumes are served read-only: nothing writes CBC ciphertext, and the refusal says why. */
    @Test
    void encrypt_cbcEssiv_refusedAsDecryptOnly() {
        try (CbcEssivCipher c = CbcEssivCipher.create(SecretBytes.copyOf(new byte[32]))) {
            SectorCipher sc = SectorCipher.cbcEssiv(c, 512, IvRule.dmCrypt(IvMode.PLAIN64, 0));
            ByteBuffer buf = ByteBuffer.allocate(512);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> sc.encrypt(buf, 0));
            assertTrue(e.getMessage().contains("decrypts only"), e.getMessage());
            assertArrayEquals(new byte[512], buf.array(), "the buffer is untouched");
        }
    }

    /** dm-crypt's sectors: sector {@code i} of {@code plain} with IV number {@code firstIv + i}, by Python. */
    private static byte[] pythonEncrypt(byte[] key, long firstIv, byte[] plain) {
        int sectors = plain.length / 512;
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < sectors; i++) {
            in.append(HEX.formatHex(key)).append(' ').append(firstIv + i).append(' ')
                    .append(HEX.formatHex(Arrays.copyOfRange(plain, i * 512, (i + 1) * 512))).append('\n');
        }
        String out = ExternalTool.run(List.of(ExternalTool.debianPython().toString(), "-c", SCRIPT),
                in.toString().getBytes(StandardCharsets.US_ASCII), 60).assertSuccess().stdoutText();
        String[] lines = out.strip().split("\n");
        assertEquals(sectors, lines.length);
        byte[] cipherText = new byte[plain.length];
        for (int i = 0; i < sectors; i++) {
            System.arraycopy(HEX.parseHex(lines[i].strip()), 0, cipherText, i * 512, 512);
        }
        return cipherText;
    }

    @Test
    void create_badKeyLength_refused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CbcEssivCipher.create(SecretBytes.copyOf(new byte[64])));
        assertTrue(e.getMessage().contains("64"));
    }
}
