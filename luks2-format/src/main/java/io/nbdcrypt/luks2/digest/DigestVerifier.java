package io.nbdcrypt.luks2.digest;

import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.crypto.kdf.PasswordKdf;
import io.nbdcrypt.luks.common.KeyDigest;
import java.security.SecureRandom;

/** Computes and checks LUKS2 {@code pbkdf2} digests of a volume key. */
public final class DigestVerifier {
    private DigestVerifier() {}

    /** Whether {@code volumeKey} is the key {@code d} describes (constant-time compare). */
    public static boolean matches(Digest d, VolumeKey volumeKey) {
        return KeyDigest.matches(new KdfParameters.Pbkdf2(d.hash(), d.iterations()), d.salt(), d.digest(), volumeKey);
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
