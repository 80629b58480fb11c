package io.nbdcrypt.xts;

import java.lang.invoke.VarHandle;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;

/**
 * One thread's XTS machinery: its own JCE ciphers (they are not shareable), its
 * {@link TweakMask} and scratch buffers, so the hot path allocates nothing. Borrowed from
 * {@link XtsCipher}'s pool for the length of one call.
 *
 * <p>Why this shape: the JDK's AES/ECB intrinsic is fast only when called on kilobytes at a
 * time, so instead of one AES call per 16-byte block we (1) encrypt the initial tweaks of many
 * data units in one ECB call under K2, then per piece of up to {@link #PIECE} bytes (2) expand
 * each unit's tweak sequence T_j = T_0 * alpha^j and XOR it into the data, keeping it in a
 * long[] stream, (3) run ONE ECB call under K1 over the piece into a scratch array, (4) XOR
 * the stream in again while writing back. Measured per 4 KiB (thread CPU time, 2-core EPYC, JDK 25): ECB ~270 ns out of
 * place (~355 ns in place, see {@link #xexPiece}); steps 2 and 4 ~390 ns scalar, ~240 ns with
 * the Vector API (see the two {@link TweakMask} implementations for what else was tried).
 */
final class XtsWorker implements SectorTransform.Lane {
    /** Size of the bounce array that direct ByteBuffers are copied through. */
    static final int BOUNCE = 8192;
    /** Initial tweaks encrypted per K2 call (a 128 KiB request of 512-byte sectors). */
    static final int MAX_UNITS = 256;
    /**
     * Bytes per expand/XOR/ECB/XOR round inside one {@link #xex} call. Measured (thread CPU
     * time, XTS-AES-256, busy machine): 2 KiB beat 8 and 4 KiB by 2-5% (stream and data stay
     * hot in L1 between the passes; two 2 KiB ECB calls cost no more than one 4 KiB call),
     * 1 KiB lost 5-25% to the extra ECB calls.
     */
    static final int PIECE = 2048;

    private static final VarHandle LE = TweakMask.LE;

    final Cipher dataEnc;
    final Cipher dataDec;
    /** AES/CBC decryption under K1 for {@link BlockDecryption#CBC_UNCHAINED}, else null. */
    final Cipher dataDecChained;
    /** That cipher's chaining value, the last block it decrypted (lo, hi), which it continues from on the next call. */
    private final long[] chain = new long[2];
    final Cipher tweakEnc;
    private final TweakMask mask;
    /** The plain IV of each data unit (16 bytes each), the input of {@link #encryptTweaks}. */
    final byte[] ivs = new byte[16 * MAX_UNITS];
    /** The current tweak of each data unit: T_0 = E_K2(IV) after {@link #encryptTweaks}, then advanced piece by piece. */
    final byte[] tweaks = new byte[16 * MAX_UNITS];
    /** AES output of the current piece, before the second XOR writes it back into the caller's array. */
    private final byte[] aesOut = new byte[PIECE];
    /** The expanded tweak stream of the current piece, as the little-endian longs XOR-ed into the data. */
    private final long[] stream = new long[PIECE / 8];
    /** Bounce buffer for direct ByteBuffers. */
    final byte[] bounce = new byte[BOUNCE];
    /** Scratch blocks for ciphertext stealing. */
    final byte[] block = new byte[32];

    XtsWorker(SecretKey dataKey, SecretKey tweakKey, TweakMask mask, BlockDecryption decryption)
            throws GeneralSecurityException {
        this.mask = mask;
        dataEnc = Cipher.getInstance("AES/ECB/NoPadding");
        dataDec = Cipher.getInstance("AES/ECB/NoPadding");
        if (decryption == BlockDecryption.CBC_UNCHAINED) {
            dataDecChained = Cipher.getInstance("AES/CBC/NoPadding");
            dataDecChained.init(Cipher.DECRYPT_MODE, dataKey, new IvParameterSpec(new byte[16])); // chain = 0
        } else {
            dataDecChained = null;
        }
        tweakEnc = Cipher.getInstance("AES/ECB/NoPadding");
        dataEnc.init(Cipher.ENCRYPT_MODE, dataKey);
        dataDec.init(Cipher.DECRYPT_MODE, dataKey);
        tweakEnc.init(Cipher.ENCRYPT_MODE, tweakKey);
    }

    @Override
    public int maxUnits() {
        return MAX_UNITS;
    }

    @Override
    public byte[] bounce() {
        return bounce;
    }

    /** Writes the plain IV (LE sector number, zero-padded) of unit {@code u}. */
    @Override
    public void setIv(int u, long ivLow64) {
        LE.set(ivs, 16 * u, ivLow64);
        LE.set(ivs, 16 * u + 8, 0L);
    }

    /** XTS over whole sectors: their initial tweaks in one K2 call, then {@link #xex}. Nothing to verify. */
    @Override
    public int apply(SectorTransform.Direction direction, byte[] data, int off, int sectorSize, int firstUnit, int units,
            byte[] side, int sideOff) {
        encryptTweaks(firstUnit, units);
        xex(data, off, sectorSize, firstUnit, units, direction == SectorTransform.Direction.ENCRYPT); // in PIECE-sized rounds
        return SectorTransform.ALL_VERIFIED;
    }

    /** Encrypts IVs {@code first .. first + units - 1} of {@link #ivs} under K2 into {@link #tweaks}: T_0 of each unit. */
    void encryptTweaks(int first, int units) {
        ecb(tweakEnc, ivs, 16 * first, tweaks, 16 * first, 16 * units);
    }

    /**
     * XTS over {@code units} data units of {@code unitLen} bytes each (a multiple of 16;
     * {@code units <= MAX_UNITS}), in place at {@code data[off..]}, in rounds of at most
     * {@link #PIECE} bytes. The current tweak of
     * unit {@code firstUnit + u} is read from {@link #tweaks} and replaced by the tweak that
     * follows its last block, so a long unit can be processed in several pieces.
     */
    void xex(byte[] data, int off, int unitLen, int firstUnit, int units, boolean encrypt) {
        if (unitLen <= PIECE) {
            int per = PIECE / unitLen;
            for (int u = 0; u < units; u += per) {
                xexPiece(data, off + u * unitLen, unitLen, firstUnit + u, Math.min(per, units - u), encrypt);
            }
        } else {
            for (int u = 0; u < units; u++) {
                for (int p = 0; p < unitLen; p += PIECE) {
                    xexPiece(data, off + u * unitLen + p, Math.min(PIECE, unitLen - p), firstUnit + u, 1, encrypt);
                }
            }
        }
    }

    /**
     * {@link #xex} over at most {@link #PIECE} bytes: expand and XOR the tweaks, one ECB call
     * into {@link #aesOut}, XOR again on the way back into {@code data}. Never ECB in place: the
     * JDK then copies the input into a new array on every call (CipherCore guards against
     * overlap), which cost ~85 ns and 4 KiB of garbage per 4 KiB sector.
     */
    private void xexPiece(byte[] data, int off, int unitLen, int firstUnit, int units, boolean encrypt) {
        int len = unitLen * units;
        mask.maskIn(data, off, unitLen, tweaks, firstUnit, units, stream);
        if (encrypt || dataDecChained == null) {
            ecb(encrypt ? dataEnc : dataDec, data, off, aesOut, 0, len);
            mask.maskOut(aesOut, 0, data, off, stream, len);
        } else {
            ecb(dataDecChained, data, off, aesOut, 0, len);
            mask.maskOutUnchained(aesOut, data, off, stream, len, chain);
        }
    }

    /** One 16-byte XEX block at {@code data[off..]} under the given tweak (lo, hi); used for ciphertext stealing. */
    void xexBlock(byte[] data, int off, long lo, long hi, boolean encrypt) {
        LE.set(data, off, (long) LE.get(data, off) ^ lo);
        LE.set(data, off + 8, (long) LE.get(data, off + 8) ^ hi);
        ecb(encrypt ? dataEnc : dataDec, data, off, aesOut, 0, 16);
        LE.set(data, off, (long) LE.get(aesOut, 0) ^ lo);
        LE.set(data, off + 8, (long) LE.get(aesOut, 8) ^ hi);
    }

    long tweakLo(int u) {
        return (long) LE.get(tweaks, 16 * u);
    }

    long tweakHi(int u) {
        return (long) LE.get(tweaks, 16 * u + 8);
    }

    /** Zeroes the scratch that held tweaks and data. */
    void wipeScratch() {
        // Only on retirement: the worker is discarded after this, so nothing reads the zeroed chain.
        Arrays.fill(chain, 0L);
        Arrays.fill(ivs, (byte) 0);
        Arrays.fill(tweaks, (byte) 0);
        Arrays.fill(aesOut, (byte) 0);
        Arrays.fill(stream, 0L);
        Arrays.fill(bounce, (byte) 0);
        Arrays.fill(block, (byte) 0);
    }

    private static void ecb(Cipher c, byte[] in, int inOff, byte[] out, int outOff, int len) {
        try {
            int n = c.update(in, inOff, len, out, outOff);
            assert n == len;
        } catch (ShortBufferException e) {
            throw new IllegalStateException("AES/ECB refused an update into a buffer of the same size", e);
        }
    }
}
