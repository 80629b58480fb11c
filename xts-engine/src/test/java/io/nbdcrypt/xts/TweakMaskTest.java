package io.nbdcrypt.xts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both tweak masks against the tweak sequence of IEEE 1619-2007 §5.2 written out byte by
 * byte, over units whose block counts are and are not whole SIMD steps, one or many per piece.
 */
class TweakMaskTest {
    private static final long SEED = Long.getLong("xts.seed", System.nanoTime());

    static Stream<Arguments> masks() {
        return Stream.of(
                Arguments.of("scalar", (Supplier<TweakMask>) ScalarTweakMask::new),
                Arguments.of("vector", (Supplier<TweakMask>) VectorTweakMask::new));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("masks")
    void maskIn_randomUnits_matchesIeeeTweakSequence(String name, Supplier<TweakMask> factory) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        TweakMask mask = factory.get();
        long[] stream = new long[XtsWorker.PIECE / 8];
        for (int c = 0; c < 2000; c++) {
            int unitLen = 16 * (1 + rnd.nextInt(c % 2 == 0 ? 24 : XtsWorker.PIECE / 16));
            int units = 1 + rnd.nextInt(XtsWorker.PIECE / unitLen);
            int firstUnit = rnd.nextInt(4);
            int off = rnd.nextInt(40);
            byte[] data = new byte[off + unitLen * units + 40];
            rnd.nextBytes(data);
            byte[] tweaks = new byte[16 * (firstUnit + units)];
            rnd.nextBytes(tweaks);

            byte[] expectedData = data.clone();
            byte[] expectedTweaks = tweaks.clone();
            byte[] expectedStream = new byte[unitLen * units];
            for (int u = 0; u < units; u++) {
                byte[] t = java.util.Arrays.copyOfRange(tweaks, 16 * (firstUnit + u), 16 * (firstUnit + u) + 16);
                for (int b = 0; b < unitLen / 16; b++) {
                    int at = u * unitLen + 16 * b;
                    System.arraycopy(t, 0, expectedStream, at, 16);
                    for (int i = 0; i < 16; i++) {
                        expectedData[off + at + i] ^= t[i];
                    }
                    timesAlphaIeee(t);
                }
                System.arraycopy(t, 0, expectedTweaks, 16 * (firstUnit + u), 16);
            }

            mask.maskIn(data, off, unitLen, tweaks, firstUnit, units, stream);
            String what = name + " seed " + SEED + " case " + c + " unitLen " + unitLen + " units " + units;
            assertArrayEquals(expectedData, data, what + ": data");
            assertArrayEquals(expectedTweaks, tweaks, what + ": next tweaks");
            byte[] streamBytes = new byte[unitLen * units];
            ByteBuffer.wrap(streamBytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(stream, 0, streamBytes.length / 8);
            assertArrayEquals(expectedStream, streamBytes, what + ": stream");

            // maskOut from a separate array (as XtsWorker uses it) and in place.
            byte[] aesOut = new byte[unitLen * units + 8];
            System.arraycopy(data, off, aesOut, 8, unitLen * units);
            byte[] inPlace = data.clone();
            mask.maskOut(aesOut, 8, data, off, stream, unitLen * units);
            mask.maskOut(inPlace, off, inPlace, off, stream, unitLen * units);
            for (int i = 0; i < unitLen * units; i++) {
                expectedData[off + i] ^= expectedStream[i];
            }
            assertArrayEquals(expectedData, data, what + ": after maskOut");
            assertArrayEquals(expectedData, inPlace, what + ": after maskOut in place");
        }
    }

    /**
     * maskOutUnchained against its definition written out byte by byte: each output block is
     * the CBC output ^ the stream ^ the input block before it (the chain before the first), and
     * the chain becomes the last input block. Lengths from one block to a whole piece, whole
     * registers and not, at offsets that are not register-aligned.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("masks")
    void maskOutUnchained_randomPieces_matchesCbcUnchainingByteByByte(String name, Supplier<TweakMask> factory) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        TweakMask mask = factory.get();
        for (int c = 0; c < 2000; c++) {
            int len = 16 * (1 + rnd.nextInt(c % 2 == 0 ? 12 : XtsWorker.PIECE / 16));
            int off = rnd.nextInt(40);
            byte[] data = new byte[off + len + 40];
            rnd.nextBytes(data);
            byte[] cbcOut = new byte[len];
            rnd.nextBytes(cbcOut);
            long[] stream = new long[len / 8];
            for (int i = 0; i < stream.length; i++) {
                stream[i] = rnd.nextLong();
            }
            long[] chain = {rnd.nextLong(), rnd.nextLong()};
            byte[] chainBytes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(chain[0]).putLong(chain[1]).array();
            byte[] streamBytes = new byte[len];
            ByteBuffer.wrap(streamBytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(stream);

            byte[] expected = data.clone();
            for (int i = 0; i < len; i++) {
                byte previousInput = i < 16 ? chainBytes[i] : data[off + i - 16];
                expected[off + i] = (byte) (cbcOut[i] ^ streamBytes[i] ^ previousInput);
            }
            byte[] lastInput = java.util.Arrays.copyOfRange(data, off + len - 16, off + len);

            mask.maskOutUnchained(cbcOut, data, off, stream, len, chain);
            String what = name + " seed " + SEED + " case " + c + " len " + len + " off " + off;
            assertArrayEquals(expected, data, what + ": data");
            assertArrayEquals(lastInput, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(chain[0]).putLong(chain[1]).array(), what + ": chain");
        }
    }

    @Test
    void create_withVectorModuleAndWideRegisters_picksTheVectorMask() {
        // The test JVM runs with --add-modules jdk.incubator.vector (root pom): CI measures what serve runs.
        boolean wide = VectorTweakMask.preferredBits() >= 256;
        assertEquals(wide ? "vector" : "scalar", TweakMask.selected());
        assertEquals(wide ? VectorTweakMask.class : ScalarTweakMask.class, TweakMask.create().getClass());
    }

    /** T = T * alpha as IEEE 1619-2007 §5.2 states it: a byte-wise shift with carries, 0x87 folded into byte 0. */
    private static void timesAlphaIeee(byte[] t) {
        int carryIn = 0;
        for (int j = 0; j < 16; j++) {
            int carryOut = (t[j] >> 7) & 1;
            t[j] = (byte) (((t[j] << 1) + carryIn) & 0xff);
            carryIn = carryOut;
        }
        if (carryIn != 0) {
            t[0] ^= (byte) 0x87;
        }
    }
}
