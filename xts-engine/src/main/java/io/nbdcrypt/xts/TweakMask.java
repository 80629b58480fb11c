package io.nbdcrypt.xts;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The XTS work around the ECB call: expand each data unit's tweak sequence
 * T_j = T_0 * alpha^j, XOR it into the data before AES while saving it in a stream, and XOR
 * the saved stream into AES's output on its way back into the data. Two implementations give the same bytes:
 * {@link ScalarTweakMask} (64-bit arithmetic, any JVM) and {@link VectorTweakMask} (the
 * incubating Vector API, several tweaks per SIMD register). {@link #create()} picks the vector
 * one when the JVM runs with {@code --add-modules jdk.incubator.vector} and has SIMD
 * registers of at least 256 bits; {@code -Dnbdcrypt.xts.simd=false} forces the scalar one.
 *
 * <p>An instance holds scratch and belongs to one {@link XtsWorker}, so to one thread at a time.
 */
abstract class TweakMask {
    static final VarHandle LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * XORs the tweak sequences of {@code units} data units of {@code unitLen} bytes (a multiple
     * of 16) into {@code data[off..]} and writes them, as little-endian longs, to
     * {@code stream[0..]}. Unit {@code u}'s current tweak is read from {@code tweaks[16 * u..]}
     * (little-endian lo, hi) and replaced by the tweak that follows its last block.
     */
    abstract void maskIn(byte[] data, int off, int unitLen, byte[] tweaks, int firstUnit, int units, long[] stream);

    /**
     * {@code dst = src ^ stream} over {@code len} bytes (a multiple of 16), 64 bits at a time.
     * C2 vectorizes this loop only in place (src == dst: ~45 ns per 4 KiB); from one byte[] to
     * another it must assume they overlap and stays scalar (~105 ns; copying first and XOR-ing
     * in place is no faster). {@link VectorTweakMask} overrides it with explicit vectors (~70 ns).
     */
    void maskOut(byte[] src, int srcOff, byte[] dst, int dstOff, long[] stream, int len) {
        for (int i = 0; i < len / 8; i++) {
            LE.set(dst, dstOff + 8 * i, (long) LE.get(src, srcOff + 8 * i) ^ stream[i]);
        }
    }

    /**
     * {@link #maskOut} after CBC decryption ({@link BlockDecryption#CBC_UNCHAINED}), with the
     * chaining taken out in the same pass: {@code data[off..off+len)} still holds the cipher's
     * input X and {@code cbcOut[0..len)} its output D(X_i) ^ X_(i-1), so
     * {@code data_i = cbcOut_i ^ stream_i ^ X_(i-1)}, X_(-1) being {@code chain} (lo, hi at
     * [0], [1]), which is then set to the last X. Runs from the last block down, so each X_(i-1)
     * is read before block i-1 is overwritten.
     */
    final void maskOutUnchained(byte[] cbcOut, byte[] data, int off, long[] stream, int len, long[] chain) {
        long last0 = (long) LE.get(data, off + len - 16);
        long last1 = (long) LE.get(data, off + len - 8);
        unchainPass(cbcOut, data, off, stream, len, chain);
        chain[0] = last0;
        chain[1] = last1;
    }

    /** {@link #maskOutUnchained}'s pass over all {@code len} bytes; {@code chain} is only read. */
    void unchainPass(byte[] cbcOut, byte[] data, int off, long[] stream, int len, long[] chain) {
        unchainDown(cbcOut, data, off, stream, len, chain);
    }

    /** The scalar pass over blocks {@code [0, end / 16)}, from the top down. */
    static void unchainDown(byte[] cbcOut, byte[] data, int off, long[] stream, int end, long[] chain) {
        for (int i = end - 16; i >= 16; i -= 16) {
            LE.set(data, off + i, (long) LE.get(cbcOut, i) ^ stream[i / 8] ^ (long) LE.get(data, off + i - 16));
            LE.set(data, off + i + 8, (long) LE.get(cbcOut, i + 8) ^ stream[i / 8 + 1] ^ (long) LE.get(data, off + i - 8));
        }
        if (end > 0) {
            LE.set(data, off, (long) LE.get(cbcOut, 0) ^ stream[0] ^ chain[0]);
            LE.set(data, off + 8, (long) LE.get(cbcOut, 8) ^ stream[1] ^ chain[1]);
        }
    }

    /** The faster implementation this JVM can run (see the class comment). */
    static TweakMask create() {
        return Selection.SIMD ? new VectorTweakMask() : new ScalarTweakMask();
    }

    /** Which implementation {@link #create()} returns here: "vector" or "scalar". */
    static String selected() {
        return Selection.SIMD ? "vector" : "scalar";
    }

    /**
     * The choice, made on first use. A holder rather than a static of TweakMask: the check
     * initializes VectorTweakMask, a subclass, which must not find its superclass half-initialized.
     */
    private static final class Selection {
        static final boolean SIMD = simdUsable();
    }

    private static boolean simdUsable() {
        if (!Boolean.parseBoolean(System.getProperty("nbdcrypt.xts.simd", "true"))) {
            return false;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()
                || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) { // its registers hold the data's LE longs
            return false;
        }
        // Loaded only now that the module is known to be there; below 256 bits it does not pay.
        return VectorTweakMask.preferredBits() >= 256;
    }
}
