package io.nbdcrypt.luks.common;

import java.io.IOException;

/**
 * Something about a LUKS volume stops us from using it: a header we refuse, or a passphrase
 * that opens no keyslot. Messages name the field or keyslot involved and never contain key
 * material.
 */
public class LuksException extends IOException {
    public LuksException(String message) {
        super(message);
    }

    public LuksException(String message, Throwable cause) {
        super(message, cause);
    }
}
