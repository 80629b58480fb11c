package io.nbdcrypt.xts;

import io.nbdcrypt.crypto.SecretBytes;

/** The two XTS implementations every vector runs against: the fast engine and the test reference. */
enum XtsImplementation {
    FAST {
        @Override
        byte[] crypt(byte[] key, byte[] tweak, byte[] data, boolean encrypt) {
            byte[] out = data.clone();
            try (SecretBytes k = SecretBytes.copyOf(key); XtsCipher c = XtsCipher.create(k)) {
                if (encrypt) {
                    c.encrypt(tweak, out, 0, out.length);
                } else {
                    c.decrypt(tweak, out, 0, out.length);
                }
            }
            return out;
        }
    },
    REFERENCE {
        @Override
        byte[] crypt(byte[] key, byte[] tweak, byte[] data, boolean encrypt) {
            return encrypt ? ReferenceXts.encrypt(key, tweak, data) : ReferenceXts.decrypt(key, tweak, data);
        }
    };

    abstract byte[] crypt(byte[] key, byte[] tweak, byte[] data, boolean encrypt);
}
