package io.nbdcrypt.xts;

import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.SecretBytes;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * dm-crypt's {@code aes-cbc-essiv:sha256} (the LUKS1 legacy default), decryption only: each
 * sector is AES-CBC under the volume key, with IV = AES-ECB under SHA-256(volume key) of the
 * sector number (64-bit little-endian, zero-padded to 16 bytes). A {@link SectorTransform} for
 * {@link SectorCipher#cbcEssiv}: legacy volumes are served read-only, so nothing here writes
 * CBC ciphertext ({@link #canEncrypt()} is false and {@link SectorCipher#encrypt} refuses);
 * new volumes use XTS.
 *
 * <p>Key: 16, 24 or 32 bytes (AES-128/192/256); other lengths throw
 * {@link IllegalArgumentException}. Thread-safe without a lock (pooled per-call workers, as in
 * {@link XtsCipher}); no allocation per sector: a CBC cipher initialised once with a zero IV
 * is reused, the sector's IV being folded into the first block (CBC decryption with IV v
 * equals decryption with IV 0 followed by P_0 XOR v), and {@code doFinal} resets the chain per
 * sector. {@link #close()} wipes our key copies and pooled buffers.
 */
public final class CbcEssivCipher implements SectorTransform {
    private static final VarHandle LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int MAX_SECTORS = 256;
    private static final byte[] ZERO_IV = new byte[16];

    private final RawAesKey dataKey;
    private final RawAesKey essivKey;
    private final int keyBytes;
    private final WorkerPool<Worker> pool = new WorkerPool<>("CbcEssivCipher", this::newWorker, Worker::wipe);

    private CbcEssivCipher(RawAesKey dataKey, RawAesKey essivKey, int keyBytes) {
        this.dataKey = dataKey;
        this.essivKey = essivKey;
        this.keyBytes = keyBytes;
    }

    /** @throws IllegalArgumentException if the key is not 16, 24 or 32 bytes */
    public static CbcEssivCipher create(SecretBytes key) {
        int len = key.length();
        if (len != 16 && len != 24 && len != 32) {
            throw new IllegalArgumentException("AES-CBC-ESSIV key must be 16, 24 or 32 bytes, got " + len);
        }
        byte[] raw = key.copyBytes(KeyAccess.get());
        byte[] salt = null;
        try {
            salt = MessageDigest.getInstance("SHA-256").digest(raw);
            CbcEssivCipher c = new CbcEssivCipher(new RawAesKey(raw, 0, len), new RawAesKey(salt, 0, salt.length), len);
            try {
                c.pool.release(c.newWorker()); // fail now, not on first use, if AES is unavailable
            } catch (RuntimeException e) {
                c.close(); // wipes the key copies just made
                throw e;
            }
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        } finally {
            SecretBytes.wipe(raw);
            SecretBytes.wipe(salt);
        }
    }

    @Override
    public void close() {
        pool.close();
        dataKey.destroy();
        essivKey.destroy();
    }

    /** Legacy volumes are read-only: this transform only decrypts. */
    @Override
    public boolean canEncrypt() {
        return false;
    }

    @Override
    public SectorTransform.Lane borrow() {
        return pool.borrow();
    }

    @Override
    public void release(SectorTransform.Lane lane) {
        pool.release((Worker) lane);
    }

    @Override
    public String toString() {
        return "CbcEssivCipher[AES-" + keyBytes * 8 + "-CBC-ESSIV:SHA256" + (pool.isClosed() ? ", closed]" : "]");
    }

    private static void xor16(byte[] a, int p, long lo, long hi) {
        LE.set(a, p, (long) LE.get(a, p) ^ lo);
        LE.set(a, p + 8, (long) LE.get(a, p + 8) ^ hi);
    }

    /** Never in place: the JDK would copy the input into a new array on every call. */
    private static void update(Cipher c, byte[] in, int inOff, byte[] out, int len) {
        try {
            c.update(in, inOff, len, out, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One sector through {@code scratch} and back: in place the JDK would allocate a copy of the input. */
    private static void doFinal(Cipher c, byte[] a, int p, int len, byte[] scratch) {
        try {
            c.doFinal(a, p, len, scratch, 0);
            System.arraycopy(scratch, 0, a, p, len);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CBC failed", e);
        }
    }

    private Worker newWorker() {
        try {
            return new Worker(dataKey, essivKey, keyBytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CBC/NoPadding or AES/ECB/NoPadding unavailable", e);
        }
    }

    /** One call's JCE ciphers and IV scratch. */
    static final class Worker implements SectorTransform.Lane {
        final Cipher dec = Cipher.getInstance("AES/CBC/NoPadding");
        final Cipher essiv = Cipher.getInstance("AES/ECB/NoPadding");
        final byte[] ivs = new byte[16 * MAX_SECTORS];
        /** ESSIV IVs: {@link #ivs} encrypted under the hashed key. */
        final byte[] essivs = new byte[16 * MAX_SECTORS];
        final byte[] sector = new byte[4096];
        final byte[] bounce = new byte[16 * 1024];
        final int keyBytes;

        Worker(RawAesKey dataKey, RawAesKey essivKey, int keyBytes) throws GeneralSecurityException {
            this.keyBytes = keyBytes;
            dec.init(Cipher.DECRYPT_MODE, dataKey, new IvParameterSpec(ZERO_IV));
            essiv.init(Cipher.ENCRYPT_MODE, essivKey);
        }

        @Override
        public int maxUnits() {
            return MAX_SECTORS;
        }

        @Override
        public byte[] bounce() {
            return bounce;
        }

        @Override
        public void setIv(int unit, long ivLow64) {
            LE.set(ivs, 16 * unit, ivLow64);
            LE.set(ivs, 16 * unit + 8, 0L);
        }

        /** ESSIV of the batch's sector numbers in one ECB call, then each sector: CBC with IV 0, first block XOR its IV. */
        @Override
        public int apply(SectorTransform.Direction direction, byte[] data, int off, int sectorSize, int firstUnit, int units,
                byte[] side, int sideOff) {
            if (direction != SectorTransform.Direction.DECRYPT) {
                throw new IllegalStateException("CBC-ESSIV decrypts only"); // SectorCipher refuses before this
            }
            update(essiv, ivs, 16 * firstUnit, essivs, 16 * units);
            for (int u = 0; u < units; u++) {
                int p = off + u * sectorSize;
                doFinal(dec, data, p, sectorSize, sector);
                xor16(data, p, (long) LE.get(essivs, 16 * u), (long) LE.get(essivs, 16 * u + 8));
            }
            return SectorTransform.ALL_VERIFIED;
        }

        void wipe() {
            Arrays.fill(ivs, (byte) 0);
            Arrays.fill(essivs, (byte) 0);
            Arrays.fill(sector, (byte) 0);
            Arrays.fill(bounce, (byte) 0);
            try {
                dec.init(Cipher.DECRYPT_MODE, new SecretKeySpec(new byte[keyBytes], "AES"), new IvParameterSpec(ZERO_IV));
                essiv.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(new byte[32], "AES"));
            } catch (GeneralSecurityException e) {
                // best effort; the worker is dropped either way
            }
        }
    }
}
