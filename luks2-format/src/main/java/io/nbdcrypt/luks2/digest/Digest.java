package io.nbdcrypt.luks2.digest;

import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import java.util.Arrays;
import java.util.List;

/**
 * A validated LUKS2 {@code pbkdf2} digest: PBKDF2 of the volume key, which tells a right key
 * from a wrong one. It binds the keyslots that hold the key to the segments it encrypts.
 */
public record Digest(int id, List<Integer> keyslots, List<Integer> segments, HashAlgorithm hash, int iterations,
        byte[] salt, byte[] digest) {

    public Digest {
        keyslots = List.copyOf(keyslots);
        segments = List.copyOf(segments);
        salt = salt.clone();
        digest = digest.clone();
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] digest() {
        return digest.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && id == d.id && keyslots.equals(d.keyslots) && segments.equals(d.segments)
                && hash == d.hash && iterations == d.iterations && Arrays.equals(salt, d.salt)
                && Arrays.equals(digest, d.digest);
    }

    @Override
    public int hashCode() {
        return id * 31 + keyslots.hashCode();
    }

    @Override
    public String toString() {
        return "Digest[" + id + ", pbkdf2-" + hash + " x" + iterations + ", keyslots " + keyslots + ", segments " + segments + "]";
    }
}
