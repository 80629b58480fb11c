package io.nbdcrypt.luks.common;

/**
 * A LUKS header (LUKS1 or LUKS2, either copy) that is malformed, inconsistent, or asks for
 * something we refuse (an unlisted cipher, a weak KDF, overlapping areas...). {@link #field()}
 * is the path of the offending field, e.g. {@code segments.0.encryption} or
 * {@code binary.checksum}; the message starts with it.
 */
public class LuksFormatException extends LuksException {
    private final String field;

    public LuksFormatException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    public LuksFormatException(String field, String problem, Throwable cause) {
        super(field + ": " + problem, cause);
        this.field = field;
    }

    /** Path of the field that failed (dot-separated, JSON fields under their section). */
    public String field() {
        return field;
    }
}
