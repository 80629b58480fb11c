package io.nbdcrypt.luks2.digest;

import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.crypto.kdf.PasswordKdf;
import java.security.MessageDigest;
import java.security.SecureRandom;

/** Computes and checks LUKS2 {@code pbkdf2} digests of a volume key. */
public final class DigestVerifier {
    private DigestVerifier() {}

    /** Whether {@code volumeKey} is the key {@code d} describes (constant-time compare). */
    public static boolean matches(Digest d, VolumeKey volumeKey) {
        return matches(new KdfParameters.Pbkdf2(d.hash(), d.iterations()), d.salt(), d.digest(), volumeKey);
    }

    /**
     * Whether PBKDF2 of {@code volumeKey} under {@code params} and {@code salt} gives
     * {@code want} (constant-time compare); LUKS1's master-key digest is this too.
     */
    public static boolean matches(KdfParameters.Pbkdf2 params, byte[] salt, byte[] want, VolumeKey volumeKey) {
        return MessageDigest.isEqual(want, PasswordKdf.keyDigest(params, volumeKey, salt, want.length));
    }

    /** A fresh digest value for {@code volumeKey} with the given salt: {@code length} bytes. */
    public static byte[] compute(KdfParameters.Pbkdf2 params, VolumeKey volumeKey, byte[] salt, int length) {
        return PasswordKdf.keyDigest(params, volumeKey, salt, length);
    }

    /** 32 random salt bytes. */
    public static byte[] newSalt(SecureRandom random) {
        byte[] s = new byte[32];
        random.nextBytes(s);
        return s;
    }
}
