package io.nbdcrypt.block.auth;

import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.xts.RawAesKey;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The two AES-256 keys of one authenticated-volume session, derived from the volume key with
 * HKDF-SHA256 (RFC 5869): one for the data sectors, one for the tree nodes, each under its own
 * {@code info} label (domain separation: no key is used for two purposes).
 *
 * <p>The HKDF salt is 32 random bytes made at open time that never leave memory. So every
 * session has keys of its own even when the same volume key is opened again (from a header
 * file): the nonce counters, which start again at 1, can never repeat a nonce under a key, and
 * the host cannot replay anything from an earlier session. Nothing is derived from what the
 * host can see. The price, intended for ephemeral volumes: the data of a session can be read
 * only in that session.
 *
 * <p>Every intermediate (the PRK, the HMAC state, the output) is wiped; {@link #close()} wipes
 * both keys.
 */
public final class SessionKeys implements AutoCloseable {
    static final String DATA_LABEL = "nbdcrypt authenticated volume v1: sector data";
    static final String NODE_LABEL = "nbdcrypt authenticated volume v1: tree nodes";
    private static final int SALT_BYTES = 32;

    private final RawAesKey dataKey;
    private final RawAesKey nodeKey;

    private SessionKeys(RawAesKey dataKey, RawAesKey nodeKey) {
        this.dataKey = dataKey;
        this.nodeKey = nodeKey;
    }

    /** Fresh session keys from {@code volumeKey} (kept by the caller) and a new random salt. */
    public static SessionKeys derive(SecretBytes volumeKey, SecureRandom random) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        try {
            return derive(volumeKey, salt);
        } finally {
            SecretBytes.wipe(salt);
        }
    }

    /** {@link #derive(SecretBytes, SecureRandom)} with a given salt (the tests' fixed vectors). */
    static SessionKeys derive(SecretBytes volumeKey, byte[] salt) {
        byte[] ikm = volumeKey.copyBytes(KeyAccess.get());
        byte[] data = null;
        byte[] node = null;
        try {
            data = hkdf(salt, ikm, DATA_LABEL.getBytes(StandardCharsets.US_ASCII), 32);
            node = hkdf(salt, ikm, NODE_LABEL.getBytes(StandardCharsets.US_ASCII), 32);
            return new SessionKeys(new RawAesKey(data, 0, 32), new RawAesKey(node, 0, 32));
        } finally {
            SecretBytes.wipe(ikm);
            SecretBytes.wipe(data);
            SecretBytes.wipe(node);
        }
    }

    /** Key of the data sectors' AES-GCM. */
    RawAesKey dataKey() {
        return dataKey;
    }

    /** Key of the tree nodes' AES-GCM. */
    RawAesKey nodeKey() {
        return nodeKey;
    }

    @Override
    public void close() {
        dataKey.destroy();
        nodeKey.destroy();
    }

    @Override
    public String toString() {
        return "SessionKeys[AES-256 data and node keys" + (dataKey.isDestroyed() ? ", wiped]" : "]");
    }

    /**
     * HKDF-SHA256: PRK = HMAC(salt, ikm), then T(i) = HMAC(PRK, T(i-1) || info || i). The Mac is
     * keyed with our own wipeable key and re-keyed with zeroes at the end, so it stops holding
     * the PRK's pads.
     */
    static byte[] hkdf(byte[] salt, byte[] ikm, byte[] info, int length) {
        byte[] prk = null;
        byte[] t = new byte[0];
        byte[] out = new byte[length];
        Mac mac = null;
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new HmacKey(salt));
            prk = mac.doFinal(ikm);
            mac.init(new HmacKey(prk));
            for (int done = 0, i = 1; done < length; i++) {
                mac.update(t);
                mac.update(info);
                mac.update((byte) i);
                SecretBytes.wipe(t);
                t = mac.doFinal();
                int n = Math.min(t.length, length - done);
                System.arraycopy(t, 0, out, done, n);
                done += n;
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        } finally {
            SecretBytes.wipe(prk);
            SecretBytes.wipe(t);
            if (mac != null) {
                try {
                    mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
                } catch (GeneralSecurityException e) {
                    // best effort: the Mac is dropped either way
                }
            }
        }
    }

    /** An HMAC key over the caller's array (no copy of ours to forget); the Mac copies what it needs at init. */
    private static final class HmacKey implements javax.crypto.SecretKey {
        private static final long serialVersionUID = 1L;
        private final transient byte[] bytes;

        HmacKey(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public String getAlgorithm() {
            return "HmacSHA256";
        }

        @Override
        public String getFormat() {
            return "RAW";
        }

        @Override
        public byte[] getEncoded() {
            return bytes.clone();
        }

        @Override
        public String toString() {
            return "HmacKey";
        }
    }
}
