package io.nbdcrypt.luks.common;

import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.crypto.kdf.PasswordKdf;
import java.security.MessageDigest;

/**
 * How both LUKS versions tell the right volume key from a wrong candidate: PBKDF2 of the key
 * under a salt and iteration count from the header, compared in constant time with the stored
 * value (LUKS1's 20-byte master-key digest, LUKS2's {@code pbkdf2} digests).
 */
public final class KeyDigest {
    private KeyDigest() {}

    /** Whether PBKDF2 of {@code candidate} under {@code params} and {@code salt} gives {@code want}. */
    public static boolean matches(KdfParameters.Pbkdf2 params, byte[] salt, byte[] want, VolumeKey candidate) {
        return MessageDigest.isEqual(want, PasswordKdf.keyDigest(params, candidate, salt, want.length));
    }
}
