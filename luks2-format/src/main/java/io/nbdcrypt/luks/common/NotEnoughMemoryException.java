package io.nbdcrypt.luks.common;

/**
 * A keyslot asks for more KDF memory than this JVM may use, refused before the allocation
 * would end the process with an {@link OutOfMemoryError}. The message names the keyslot's
 * field and says how to give the JVM more.
 */
public final class NotEnoughMemoryException extends LuksException {
    public NotEnoughMemoryException(String field, String problem) {
        super(field + ": " + problem);
    }
}
