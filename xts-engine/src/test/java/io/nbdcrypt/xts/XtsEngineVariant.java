package io.nbdcrypt.xts;

import io.nbdcrypt.crypto.SecretBytes;

/**
 * Our engine with each of its tweak masks: the one {@link XtsCipher#create} picks (the SIMD
 * mask under the test JVM's {@code --add-modules jdk.incubator.vector}) and the scalar fallback;
 * and with each way of decrypting blocks ({@link BlockDecryption}), forced.
 */
enum XtsEngineVariant {
    DEFAULT_MASK {
        @Override
        XtsCipher create(SecretBytes key) {
            return XtsCipher.create(key);
        }
    },
    SCALAR_MASK {
        @Override
        XtsCipher create(SecretBytes key) {
            return XtsCipher.create(key, ScalarTweakMask::new);
        }
    },
    /** Decryption through AES/ECB, whatever this CPU would pick. */
    ECB_DECRYPTION {
        @Override
        XtsCipher create(SecretBytes key) {
            return XtsCipher.create(key, TweakMask::create, BlockDecryption.ECB);
        }
    },
    /** Decryption through AES/CBC with the chaining undone, whatever this CPU would pick. */
    CBC_DECRYPTION {
        @Override
        XtsCipher create(SecretBytes key) {
            return XtsCipher.create(key, TweakMask::create, BlockDecryption.CBC_UNCHAINED);
        }
    };

    abstract XtsCipher create(SecretBytes key);

    /** One data unit through a fresh cipher of this variant, in a copy of {@code data}. */
    byte[] crypt(byte[] key, byte[] tweak, byte[] data, boolean encrypt) {
        byte[] out = data.clone();
        try (SecretBytes k = SecretBytes.copyOf(key); XtsCipher c = create(k)) {
            if (encrypt) {
                c.encrypt(tweak, out, 0, out.length);
            } else {
                c.decrypt(tweak, out, 0, out.length);
            }
        }
        return out;
    }
}
