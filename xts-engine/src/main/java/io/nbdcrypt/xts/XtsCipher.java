package io.nbdcrypt.xts;

import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.SecretBytes;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-XTS (IEEE 1619-2007) over one data unit at a time, in place.
 *
 * <p>The key is K1 || K2 (32 bytes: XTS-AES-128, 64 bytes: XTS-AES-256); K1 encrypts data,
 * K2 encrypts the tweak. K1 == K2 is refused, as IEEE 1619 and FIPS require. Data units of
 * any length &ge; 16 bytes are accepted; lengths that are not a multiple of 16 use ciphertext
 * stealing. {@code encrypt}/{@code decrypt} throw {@link IllegalArgumentException} for a
 * tweak that is not 16 bytes or a unit shorter than 16 bytes, {@link IndexOutOfBoundsException}
 * for a range outside the array, and {@link IllegalStateException} after {@link #close()}.
 *
 * <p>As a {@link SectorTransform} (inside a {@link SectorCipher}) it encrypts whole sectors, each
 * one data unit, many per AES call. Thread-safe without a lock: each call borrows a
 * {@code XtsWorker} (its own JCE ciphers and scratch buffers) from a small lock-free pool and
 * returns it; steady state allocates nothing. {@link #close()} wipes our copies of the key and
 * every pooled scratch buffer, and re-keys the pooled JCE ciphers with a zero key so they stop
 * holding the key schedule (the JDK drops, but cannot be made to zero, its old schedule arrays).
 */
public final class XtsCipher implements SectorTransform {
    static final int BLOCK = 16;

    private final RawAesKey dataKey;
    private final RawAesKey tweakKey;
    private final int keyBytes;
    private final Supplier<TweakMask> masks;
    private final BlockDecryption decryption;
    private final WorkerPool<XtsWorker> pool;

    private XtsCipher(RawAesKey dataKey, RawAesKey tweakKey, int keyBytes, Supplier<TweakMask> masks,
            BlockDecryption decryption) {
        this.dataKey = dataKey;
        this.tweakKey = tweakKey;
        this.keyBytes = keyBytes;
        this.masks = masks;
        this.decryption = decryption;
        this.pool = new WorkerPool<>("XtsCipher", this::newWorker, this::retire);
    }

    /**
     * Builds a cipher from the XTS key K1 || K2. The caller keeps ownership of {@code key}.
     *
     * @throws IllegalArgumentException if the key is not 32 or 64 bytes, or K1 == K2
     */
    public static XtsCipher create(SecretBytes key) {
        return create(key, TweakMask::create);
    }

    /** {@link #create(SecretBytes)} with a chosen {@link TweakMask} implementation (tests compare both). */
    static XtsCipher create(SecretBytes key, Supplier<TweakMask> masks) {
        return create(key, masks, BlockDecryption.forThisJvm());
    }

    /** ... and a chosen {@link BlockDecryption} (tests run both on any CPU). */
    static XtsCipher create(SecretBytes key, Supplier<TweakMask> masks, BlockDecryption decryption) {
        int len = key.length();
        if (len != 32 && len != 64) {
            throw new IllegalArgumentException("XTS key must be 32 or 64 bytes (XTS-AES-128/256), got " + len);
        }
        byte[] raw = key.copyBytes(KeyAccess.get());
        try {
            int half = len / 2;
            if (halvesEqual(raw, half)) {
                throw new IllegalArgumentException("XTS key halves K1 and K2 are equal (refused by IEEE 1619 / FIPS 140)");
            }
            XtsCipher c = new XtsCipher(new RawAesKey(raw, 0, half), new RawAesKey(raw, half, half), len, masks,
                    decryption);
            try {
                c.pool.release(c.newWorker()); // fail now, not on first use, if AES is unavailable
            } catch (RuntimeException e) {
                c.close(); // wipes the key copies just made
                throw e;
            }
            return c;
        } finally {
            SecretBytes.wipe(raw);
        }
    }

    /** Constant-time K1 == K2 check on the raw key, without copying the halves. */
    private static boolean halvesEqual(byte[] raw, int half) {
        int diff = 0;
        for (int i = 0; i < half; i++) {
            diff |= raw[i] ^ raw[half + i];
        }
        return diff == 0;
    }

    /**
     * Whether ciphers made by {@link #create} in this JVM compute the tweaks on SIMD registers:
     * true when it runs with {@code --add-modules=jdk.incubator.vector} on a CPU with registers
     * of 256 bits or more (about 15% faster at 4 KiB sectors; the bytes are the same either way).
     */
    public static boolean usesSimdTweaks() {
        return TweakMask.selected().equals("vector");
    }

    /** Key length in bytes (32 or 64). */
    public int keyBytes() {
        return keyBytes;
    }

    /** Encrypts {@code len} bytes of {@code data} at {@code off} in place; {@code tweak} is the 16-byte IV. */
    public void encrypt(byte[] tweak, byte[] data, int off, int len) {
        crypt(tweak, data, off, len, true);
    }

    /** Decrypts {@code len} bytes of {@code data} at {@code off} in place; {@code tweak} is the 16-byte IV. */
    public void decrypt(byte[] tweak, byte[] data, int off, int len) {
        crypt(tweak, data, off, len, false);
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return pool.isClosed();
    }

    @Override
    public void close() {
        if (pool.isClosed()) {
            return;
        }
        pool.close();
        dataKey.destroy();
        tweakKey.destroy();
    }

    @Override
    public String toString() {
        return "XtsCipher[XTS-AES-" + (keyBytes * 4) + (pool.isClosed() ? ", closed]" : "]");
    }

    private void crypt(byte[] tweakIn, byte[] data, int off, int len, boolean encrypt) {
        if (tweakIn.length != BLOCK) {
            throw new IllegalArgumentException("tweak must be 16 bytes, got " + tweakIn.length);
        }
        if (len < BLOCK) {
            throw new IllegalArgumentException("XTS data unit must be at least 16 bytes, got " + len);
        }
        Objects.checkFromIndexSize(off, len, data.length);
        XtsWorker w = pool.borrow();
        try {
            System.arraycopy(tweakIn, 0, w.ivs, 0, BLOCK);
            w.encryptTweaks(0, 1);
            int tail = len % BLOCK;
            // With stealing, the last full block is handled together with the tail.
            int bulk = (tail == 0 ? len : len - tail - BLOCK);
            if (bulk > 0) {
                w.xex(data, off, bulk, 0, 1, encrypt); // in PIECE-sized rounds, the tweak carried across
            }
            if (tail != 0) {
                stealCiphertext(w, data, off + bulk, tail, encrypt);
            }
        } finally {
            pool.release(w);
        }
    }

    /**
     * Ciphertext stealing (IEEE 1619-2007 §5.3.2 / §5.4.2) over the last full block at
     * {@code p} and the {@code tail} bytes after it; slot 0 of the worker holds T_{m-1}.
     */
    private static void stealCiphertext(XtsWorker w, byte[] data, int p, int tail, boolean encrypt) {
        long lo = w.tweakLo(0);
        long hi = w.tweakHi(0);
        long nextLo = (lo << 1) ^ ((hi >> 63) & 0x87);
        long nextHi = (hi << 1) | (lo >>> 63);
        // Encryption uses T_{m-1} then T_m; decryption applies them in the opposite order.
        if (encrypt) {
            w.xexBlock(data, p, lo, hi, true);
        } else {
            w.xexBlock(data, p, nextLo, nextHi, false);
        }
        // The head of that block becomes the final partial block; the saved tail bytes replace it.
        byte[] saved = w.block;
        System.arraycopy(data, p + BLOCK, saved, 0, tail);
        System.arraycopy(data, p, data, p + BLOCK, tail);
        System.arraycopy(saved, 0, data, p, tail);
        if (encrypt) {
            w.xexBlock(data, p, nextLo, nextHi, true);
        } else {
            w.xexBlock(data, p, lo, hi, false);
        }
    }

    /** A worker for one call; return it with {@link #release}. Never blocks. */
    @Override
    public SectorTransform.Lane borrow() {
        return pool.borrow();
    }

    @Override
    public void release(SectorTransform.Lane lane) {
        pool.release((XtsWorker) lane);
    }

    private XtsWorker newWorker() {
        try {
            return new XtsWorker(dataKey, tweakKey, masks.get(), decryption);
        } catch (GeneralSecurityException | IllegalStateException e) {
            throw new IllegalStateException("AES/ECB/NoPadding unavailable or key rejected", e);
        }
    }

    /** Wipes a worker's scratch and re-keys its ciphers with zeroes so it no longer holds K1/K2's schedule. */
    private void retire(XtsWorker w) {
        w.wipeScratch();
        try {
            SecretKeySpec zero = new SecretKeySpec(new byte[keyBytes / 2], "AES");
            w.dataEnc.init(Cipher.ENCRYPT_MODE, zero);
            w.dataDec.init(Cipher.DECRYPT_MODE, zero);
            if (w.dataDecChained != null) {
                w.dataDecChained.init(Cipher.DECRYPT_MODE, zero, new IvParameterSpec(new byte[16]));
            }
            w.tweakEnc.init(Cipher.ENCRYPT_MODE, zero);
        } catch (GeneralSecurityException e) {
            // Re-keying is best effort; the worker is unreachable after this either way.
        }
    }
}
