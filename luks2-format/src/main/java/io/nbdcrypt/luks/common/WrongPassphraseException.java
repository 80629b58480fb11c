package io.nbdcrypt.luks.common;

/** No keyslot (of those tried) opens with the given passphrase. */
public final class WrongPassphraseException extends LuksException {
    public WrongPassphraseException(String message) {
        super(message);
    }
}
