package io.nbdcrypt.xts;

/** The XTS implementations every vector runs against: the variants of our engine, and the test reference. */
enum XtsImplementation {
    ENGINE {
        @Override
        byte[] crypt(byte[] key, byte[] tweak, byte[] data, boolean encrypt) {
            return XtsEngineVariant.DEFAULT_MASK.crypt(key, tweak, data, encrypt);
        }
    },
    ENGINE_SCALAR_MASK {
        @Override
        byte[] crypt(byte[] key, byte[] tweak, byte[] data, boolean encrypt) {
            return XtsEngineVariant.SCALAR_MASK.crypt(key, tweak, data, encrypt);
        }
    },
    ENGINE_ECB_DECRYPTION {
        @Override
        byte[] crypt(byte[] key, byte[] tweak, byte[] data, boolean encrypt) {
            return XtsEngineVariant.ECB_DECRYPTION.crypt(key, tweak, data, encrypt);
        }
    },
    ENGINE_CBC_DECRYPTION {
        @Override
        byte[] crypt(byte[] key, byte[] tweak, byte[] data, boolean encrypt) {
            return XtsEngineVariant.CBC_DECRYPTION.crypt(key, tweak, data, encrypt);
        }
    },
    REFERENCE {
        @Override
        byte[] crypt(byte[] key, byte[] tweak, byte[] data, boolean encrypt) {
            return encrypt ? ReferenceXts.encrypt(key, tweak, data) : ReferenceXts.decrypt(key, tweak, data);
        }
    };

    /** One data unit through this implementation, in a copy of {@code data}. */
    abstract byte[] crypt(byte[] key, byte[] tweak, byte[] data, boolean encrypt);

    /** Whether this is our engine, which must refuse K1 == K2 (the reference does not check). */
    boolean isEngine() {
        return this != REFERENCE;
    }
}
