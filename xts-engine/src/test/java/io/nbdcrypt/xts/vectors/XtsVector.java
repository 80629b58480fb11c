package io.nbdcrypt.xts.vectors;

/**
 * One XTS known-answer vector: key K1 || K2, the 16-byte tweak value (AES-K2 input),
 * plaintext and ciphertext. {@code dataUnitBits} may not be a multiple of 8 (NIST's
 * bit-length vectors); such vectors are not byte-oriented and are skipped by byte APIs.
 */
public record XtsVector(String source, String name, int dataUnitBits, byte[] key, byte[] tweak, byte[] plaintext,
        byte[] ciphertext) {

    public boolean isByteMultiple() {
        return dataUnitBits % 8 == 0;
    }

    public boolean keyHalvesEqual() {
        int half = key.length / 2;
        return java.util.Arrays.equals(key, 0, half, key, half, key.length);
    }

    @Override
    public String toString() {
        return source + " " + name + " (" + dataUnitBits + " bits, XTS-AES-" + key.length * 4 + ")";
    }
}
