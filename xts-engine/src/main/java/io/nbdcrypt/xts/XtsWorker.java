package io.nbdcrypt.xts;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.ShortBufferException;

/**
 * One thread's XTS machinery: its own JCE ciphers (they are not shareable) and scratch
 * buffers, so the hot path allocates nothing. Borrowed from {@link XtsCipher}'s pool for the
 * length of one call.
 *
 * <p>Why this shape: the JDK's AES/ECB intrinsic is fast only when called on kilobytes at a
 * time, so instead of one AES call per 16-byte block we (1) encrypt the initial tweaks of many
 * data units in one ECB call under K2, (2) expand each unit's tweak sequence T_j = T_0 * alpha^j
 * into a buffer with 64-bit arithmetic while XOR-ing it into the data, (3) run ONE ECB call
 * under K1 over the whole chunk in place, (4) XOR the tweaks in again. Measured per 4 KiB
 * (thread CPU time): ECB ~360 ns, tweak expansion fused with the first XOR ~250 ns, second
 * XOR ~80 ns. Measured slower, so not used: splitting the tweak recurrence into 2 or 4
 * interleaved chains (alpha^2, alpha^4 steps; ~400-600 ns under C2), a byte-loop XOR at an
 * offset (not vectorized by C2), and a 4-chain Vector API version (incubator; ~330 ns).
 */
final class XtsWorker {
    /** Bytes of data per ECB call. JCE ECB throughput on this class of CPU peaks at 4-8 KiB per call. */
    static final int CHUNK = 8192;
    /** Initial tweaks encrypted per K2 call (a 128 KiB request of 512-byte sectors). */
    static final int MAX_UNITS = 256;

    private static final VarHandle LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    final Cipher dataEnc;
    final Cipher dataDec;
    final Cipher tweakEnc;
    /** Initial tweak of each data unit (16 bytes each): IVs, encrypted in place by {@link #encryptTweaks}. */
    final byte[] tweaks = new byte[16 * MAX_UNITS];
    /** The expanded tweak stream of the current chunk. */
    private final byte[] stream = new byte[CHUNK];
    /** Bounce buffer for direct ByteBuffers. */
    final byte[] bounce = new byte[CHUNK];
    /** Scratch blocks for ciphertext stealing. */
    final byte[] block = new byte[32];

    XtsWorker(SecretKey dataKey, SecretKey tweakKey) throws GeneralSecurityException {
        dataEnc = Cipher.getInstance("AES/ECB/NoPadding");
        dataDec = Cipher.getInstance("AES/ECB/NoPadding");
        tweakEnc = Cipher.getInstance("AES/ECB/NoPadding");
        dataEnc.init(Cipher.ENCRYPT_MODE, dataKey);
        dataDec.init(Cipher.DECRYPT_MODE, dataKey);
        tweakEnc.init(Cipher.ENCRYPT_MODE, tweakKey);
    }

    /** Writes the plain IV (LE sector number, zero-padded) of unit {@code u}. */
    void setIv(int u, long ivLow64) {
        LE.set(tweaks, 16 * u, ivLow64);
        LE.set(tweaks, 16 * u + 8, 0L);
    }

    /** Encrypts the first {@code units} IVs in {@link #tweaks} under K2, in place: they become T_0 of each unit. */
    void encryptTweaks(int units) {
        ecb(tweakEnc, tweaks, 0, 16 * units);
    }

    /**
     * XTS over {@code units} data units of {@code unitLen} bytes each (a multiple of 16, and
     * {@code units * unitLen <= CHUNK}), in place at {@code data[off..]}. The current tweak of
     * unit {@code firstUnit + u} is read from {@link #tweaks} and replaced by the tweak that
     * follows its last block, so a long unit can be processed in several pieces.
     */
    void xex(byte[] data, int off, int unitLen, int firstUnit, int units, boolean encrypt) {
        int len = unitLen * units;
        byte[] t = stream;
        int p = 0;
        for (int u = firstUnit, end = firstUnit + units; u < end; u++) {
            int slot = 16 * u;
            long lo = (long) LE.get(tweaks, slot);
            long hi = (long) LE.get(tweaks, slot + 8);
            // Expand the tweak and XOR it into the data in one pass (the data is read once here, not twice).
            for (int stop = p + unitLen; p < stop; p += 16) {
                int d = off + p;
                LE.set(t, p, lo);
                LE.set(t, p + 8, hi);
                LE.set(data, d, (long) LE.get(data, d) ^ lo);
                LE.set(data, d + 8, (long) LE.get(data, d + 8) ^ hi);
                // Multiply by alpha: shift the 128-bit little-endian value left by one, fold the carry back as 0x87.
                long carry = (hi >> 63) & 0x87;
                hi = (hi << 1) | (lo >>> 63);
                lo = (lo << 1) ^ carry;
            }
            LE.set(tweaks, slot, lo);
            LE.set(tweaks, slot + 8, hi);
        }
        ecb(encrypt ? dataEnc : dataDec, data, off, len);
        xor(data, off, t, len);
    }

    /** One 16-byte XEX block at {@code data[off..]} under the given tweak (lo, hi); used for ciphertext stealing. */
    void xexBlock(byte[] data, int off, long lo, long hi, boolean encrypt) {
        LE.set(data, off, (long) LE.get(data, off) ^ lo);
        LE.set(data, off + 8, (long) LE.get(data, off + 8) ^ hi);
        ecb(encrypt ? dataEnc : dataDec, data, off, 16);
        LE.set(data, off, (long) LE.get(data, off) ^ lo);
        LE.set(data, off + 8, (long) LE.get(data, off + 8) ^ hi);
    }

    long tweakLo(int u) {
        return (long) LE.get(tweaks, 16 * u);
    }

    long tweakHi(int u) {
        return (long) LE.get(tweaks, 16 * u + 8);
    }

    /** Zeroes the scratch that held tweaks and data. */
    void wipeScratch() {
        Arrays.fill(tweaks, (byte) 0);
        Arrays.fill(stream, (byte) 0);
        Arrays.fill(bounce, (byte) 0);
        Arrays.fill(block, (byte) 0);
    }

    /** 64-bit XORs: measured about 1.3x faster than a byte loop at an offset, which C2 does not vectorize. */
    private static void xor(byte[] data, int off, byte[] t, int len) {
        for (int i = 0; i < len; i += 8) {
            LE.set(data, off + i, (long) LE.get(data, off + i) ^ (long) LE.get(t, i));
        }
    }

    private static void ecb(Cipher c, byte[] data, int off, int len) {
        try {
            int n = c.update(data, off, len, data, off);
            assert n == len;
        } catch (ShortBufferException e) {
            throw new IllegalStateException("AES/ECB refused an in-place update", e);
        }
    }
}
