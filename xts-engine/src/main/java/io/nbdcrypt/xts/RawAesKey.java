package io.nbdcrypt.xts;

import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * An AES key we can wipe: the JDK's {@code SecretKeySpec} keeps a private copy that cannot be
 * destroyed, so the key handed to {@code Cipher.init} is this instead. The JCE copies the bytes
 * it needs during {@code init}; {@link #destroy()} zeroes ours. Public for the block layer's
 * authenticated volume, whose AES-GCM keys are held the same way.
 */
public final class RawAesKey implements SecretKey {
    private static final long serialVersionUID = 1L;

    private final byte[] key;
    private volatile boolean destroyed;

    /** A copy of {@code len} bytes of {@code source} from {@code off} (16, 24 or 32 for AES); the caller wipes its own. */
    public RawAesKey(byte[] source, int off, int len) {
        this.key = Arrays.copyOfRange(source, off, off + len);
    }

    @Override
    public String getAlgorithm() {
        return "AES";
    }

    @Override
    public String getFormat() {
        return "RAW";
    }

    @Override
    public byte[] getEncoded() {
        if (destroyed) {
            throw new IllegalStateException("key was destroyed");
        }
        return key.clone();
    }

    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return "RawAesKey[AES-" + key.length * 8 + "]";
    }
}
