package io.nbdcrypt.xts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nbdcrypt.crypto.SecretBytes;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class XtsCipherSmokeTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void encrypt_ieee1619Vector2_matchesPublishedCiphertext() {
        // IEEE 1619-2007 Annex B, vector 2 (XTS-AES-128, data unit 0x3333333333, 32 bytes of 0x44).
        byte[] key = HEX.parseHex("1111111111111111111111111111111122222222222222222222222222222222");
        byte[] tweak = HEX.parseHex("33333333330000000000000000000000");
        byte[] data = HEX.parseHex("4444444444444444444444444444444444444444444444444444444444444444");
        try (XtsCipher xts = XtsCipher.create(SecretBytes.copyOf(key))) {
            xts.encrypt(tweak, data, 0, data.length);
        }
        assertArrayEquals(HEX.parseHex("c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0"), data);
    }

    @Test
    void create_equalHalves_refused() {
        assertThrows(IllegalArgumentException.class, () -> XtsCipher.create(SecretBytes.copyOf(new byte[32])));
    }
}
