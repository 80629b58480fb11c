package io.nbdcrypt.xts;

/** The XTS implementations every vector runs against: the variants of our engine, and the test reference. */
enum XtsImplementation {
    ENGINE(XtsEngineVariant.DEFAULT_MASK),
    ENGINE_SCALAR_MASK(XtsEngineVariant.SCALAR_MASK),
    ENGINE_ECB_DECRYPTION(XtsEngineVariant.ECB_DECRYPTION),
    ENGINE_CBC_DECRYPTION(XtsEngineVariant.CBC_DECRYPTION),
    REFERENCE(null);

    /** Our engine in this variant; null for the reference. */
    private final XtsEngineVariant engine;

    XtsImplementation(XtsEngineVariant engine) {
        this.engine = engine;
    }

    /** One data unit through this implementation, in a copy of {@code data}. */
    byte[] crypt(byte[] key, byte[] tweak, byte[] data, boolean encrypt) {
        if (engine != null) {
            return engine.crypt(key, tweak, data, encrypt);
        }
        return encrypt ? ReferenceXts.encrypt(key, tweak, data) : ReferenceXts.decrypt(key, tweak, data);
    }

    /** Whether this is our engine, which must refuse K1 == K2 (the reference does not check). */
    boolean isEngine() {
        return engine != null;
    }
}
