package io.nbdcrypt.luks2.disk;

import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import org.bouncycastle.crypto.Digest;

/**
 * The header checksum: {@code checksum_alg} over the binary header with {@code csum} zeroed,
 * followed by the whole JSON area. Stored in the first digest-length bytes of {@code csum}.
 */
public final class Checksum {
    private Checksum() {}

    /** The checksum of {@code header} (its own csum ignored) and {@code jsonArea}. */
    public static byte[] compute(HashAlgorithm alg, BinaryHeader header, byte[] jsonArea) {
        Digest d = alg.newDigest();
        byte[] bin = header.encode(new byte[0]);
        d.update(bin, 0, bin.length);
        d.update(jsonArea, 0, jsonArea.length);
        byte[] out = new byte[alg.length()];
        d.doFinal(out, 0);
        return out;
    }
}
