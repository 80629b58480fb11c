package io.nbdcrypt.xts;

import io.nbdcrypt.crypto.SecretBytes;

/**
 * The XTS implementations every vector runs against: the engine as {@link XtsCipher#create}
 * builds it (its SIMD tweak mask under the test JVM's {@code --add-modules jdk.incubator.vector}),
 * the engine with its scalar tweak mask, and the test reference.
 */
enum XtsImplementation {
    ENGINE {
        @Override
        XtsCipher newCipher(SecretBytes key) {
            return XtsCipher.create(key);
        }
    },
    ENGINE_SCALAR_MASK {
        @Override
        XtsCipher newCipher(SecretBytes key) {
            return XtsCipher.create(key, ScalarTweakMask::new);
        }
    },
    REFERENCE {
        @Override
        byte[] crypt(byte[] key, byte[] tweak, byte[] data, boolean encrypt) {
            return encrypt ? ReferenceXts.encrypt(key, tweak, data) : ReferenceXts.decrypt(key, tweak, data);
        }
    };

    /** One data unit through this implementation, in a copy of {@code data}. */
    byte[] crypt(byte[] key, byte[] tweak, byte[] data, boolean encrypt) {
        byte[] out = data.clone();
        try (SecretBytes k = SecretBytes.copyOf(key); XtsCipher c = newCipher(k)) {
            if (encrypt) {
                c.encrypt(tweak, out, 0, out.length);
            } else {
                c.decrypt(tweak, out, 0, out.length);
            }
        }
        return out;
    }

    /** A cipher of this kind; only for the engines. */
    XtsCipher newCipher(SecretBytes key) {
        throw new UnsupportedOperationException(this + " is not an XtsCipher");
    }

    /** Whether this is our engine, which must refuse K1 == K2 (the reference does not check). */
    boolean isEngine() {
        return this != REFERENCE;
    }
}
