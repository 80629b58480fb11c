package io.nbdcrypt.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Closing a key holder zeroes the bytes it held: checked on the bytes themselves (the array a
 * holder took ownership of, or the backing array through the test seam), not on a flag.
 */
class SecretWipeTest {
    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (0xA5 ^ i);
        }
        return b;
    }

    private static void assertAllZero(byte[] b) {
        assertArrayEquals(new byte[b.length], b, "bytes left after close()");
    }

    static Stream<Arguments> owners() {
        return Stream.of(
                Arguments.of("SecretBytes", (Function<byte[], AutoCloseable>) SecretBytes::takeOwnership),
                Arguments.of("VolumeKey", (Function<byte[], AutoCloseable>) VolumeKey::takeOwnership),
                Arguments.of("Passphrase", (Function<byte[], AutoCloseable>) Passphrase::takeOwnership));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("owners")
    void close_afterTakeOwnership_zeroesTheCallersArray(String kind, Function<byte[], AutoCloseable> take)
            throws Exception {
        byte[] raw = pattern(64);
        AutoCloseable holder = take.apply(raw);
        assertArrayEquals(pattern(64), raw, "taking ownership must not copy or change the bytes");
        holder.close();
        assertAllZero(raw);
    }

    @Test
    void close_copyOf_zeroesItsOwnCopyAndLeavesTheCallersAlone() {
        byte[] raw = pattern(32);
        SecretBytes s = SecretBytes.copyOf(raw);
        byte[] inside = s.insecureBackingArrayForTests();
        assertNotSame(raw, inside);
        assertArrayEquals(raw, inside);
        s.close();
        assertAllZero(inside);
        assertArrayEquals(pattern(32), raw, "the caller's array is the caller's to wipe");
    }

    @Test
    void close_randomAndSlice_zeroBackingArrays() {
        SecretBytes r = SecretBytes.random(48, new SecureRandom());
        byte[] inside = r.insecureBackingArrayForTests();
        r.close();
        assertAllZero(inside);
        SecretBytes slice = SecretBytes.copyOf(pattern(64), 8, 16);
        byte[] sliceInside = slice.insecureBackingArrayForTests();
        assertEquals(16, sliceInside.length);
        slice.close();
        assertAllZero(sliceInside);
    }

    @Test
    void volumeKey_secretBytesIsTheHeldOneAndDiesWithTheKey() {
        VolumeKey k = VolumeKey.random(64, new SecureRandom());
        SecretBytes held = k.secretBytes(KeyAccess.get());
        assertSame(held, k.secretBytes(KeyAccess.get()), "no copy: the cipher gets the holder itself");
        byte[] inside = held.insecureBackingArrayForTests();
        k.close();
        assertAllZero(inside);
        assertTrue(held.isClosed());
        assertThrows(IllegalStateException.class, () -> k.secretBytes(KeyAccess.get()));
        assertThrows(IllegalStateException.class, () -> k.copyBytes(KeyAccess.get()));
    }

    @Test
    void copyBytes_isACopyTheHolderDoesNotWipe() {
        try (Passphrase p = Passphrase.copyOf(pattern(20))) {
            byte[] copy = p.copyBytes(KeyAccess.get());
            copy[0] ^= 1;
            assertArrayEquals(pattern(20), p.copyBytes(KeyAccess.get()));
        }
    }

    @Test
    void equalsConstantTime_comparesBytesOfOnePurpose() {
        try (Passphrase a = Passphrase.copyOf(pattern(12));
                Passphrase b = Passphrase.copyOf(pattern(12));
                Passphrase c = Passphrase.copyOf(new byte[12])) {
            assertTrue(a.equalsConstantTime(b));
            assertFalse(a.equalsConstantTime(c));
        }
    }

    @Test
    void toString_showsKindAndLengthOnly() {
        VolumeKey k = VolumeKey.takeOwnership(pattern(32));
        assertEquals("VolumeKey[32 bytes]", k.toString());
        k.close();
        assertEquals("VolumeKey[32 bytes, wiped]", k.toString());
        assertEquals("Passphrase[3 bytes]", Passphrase.copyOf(new byte[] {1, 2, 3}).toString());
    }
}
