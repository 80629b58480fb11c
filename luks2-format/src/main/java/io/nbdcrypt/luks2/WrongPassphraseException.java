package io.nbdcrypt.luks2;

/** No keyslot (of those tried) opens with the given passphrase. */
public final class WrongPassphraseException extends LuksException {
    public WrongPassphraseException(String message) {
        super(message);
    }
}
