package io.nbdcrypt.crypto.kdf;

import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.crypto.VolumeKey;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Derives keys from passphrases with PBKDF2 or Argon2, and the PBKDF2 digest of a volume key
 * (how LUKS tells a right key from a wrong one), byte for byte as cryptsetup does.
 *
 * <p>The passphrase is taken as raw bytes (a key file may hold any bytes), which is why this
 * uses Bouncy Castle rather than the JCE's char-based PBKDF2. Thread-safe (no shared state).
 * The result is a {@link SecretBytes} the caller closes; intermediate copies are wiped.
 */
public final class PasswordKdf {
    private PasswordKdf() {}

    /**
     * Derives {@code length} bytes of keyslot key from {@code passphrase}.
     *
     * @throws IllegalArgumentException if {@code length} is not positive
     */
    public static SecretBytes derive(KdfParameters params, Passphrase passphrase, byte[] salt, int length) {
        return SecretBytes.takeOwnership(run(params, passphrase.secretBytes(KeyAccess.get()), salt, length));
    }

    /**
     * PBKDF2 of {@code volumeKey}: the LUKS key digest (public once stored in a header, so
     * returned as plain bytes).
     *
     * @throws IllegalArgumentException if {@code length} is not positive
     */
    public static byte[] keyDigest(KdfParameters.Pbkdf2 params, VolumeKey volumeKey, byte[] salt, int length) {
        return run(params, volumeKey.secretBytes(KeyAccess.get()), salt, length);
    }

    private static byte[] run(KdfParameters params, SecretBytes secret, byte[] salt, int length) {
        if (length <= 0) {
            throw new IllegalArgumentException("derived key length must be positive, got " + length);
        }
        byte[] pw = secret.copyBytes(KeyAccess.get());
        try {
            return switch (params) {
                case KdfParameters.Pbkdf2 p -> pbkdf2(p, pw, salt, length);
                case KdfParameters.Argon2 a -> argon2(a, pw, salt, length);
            };
        } finally {
            SecretBytes.wipe(pw);
        }
    }

    private static byte[] pbkdf2(KdfParameters.Pbkdf2 p, byte[] pw, byte[] salt, int length) {
        PKCS5S2ParametersGenerator gen = new PKCS5S2ParametersGenerator(p.hash().newDigest());
        gen.init(pw, salt, p.iterations());
        KeyParameter kp = (KeyParameter) gen.generateDerivedParameters(Math.multiplyExact(length, 8));
        // BC keeps a reference to pw (no copy), which the caller wipes; the generator itself is dropped here.
        return kp.getKey();
    }

    private static byte[] argon2(KdfParameters.Argon2 a, byte[] pw, byte[] salt, int length) {
        int type = a.variant() == KdfParameters.Argon2Type.ARGON2I
                ? Argon2Parameters.ARGON2_i : Argon2Parameters.ARGON2_id;
        Argon2Parameters params = new Argon2Parameters.Builder(type)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withIterations(a.time())
                .withMemoryAsKB(a.memoryKiB())
                .withParallelism(a.parallelism())
                .withSalt(salt)
                .build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] out = new byte[length];
        gen.generateBytes(pw, out);
        return out;
    }
}
