package io.nbdcrypt.nbd.transmission;

/**
 * The verdict of {@link RequestValidator} on one request: it may run, or it is refused with
 * the error the client gets. Callers switch over the two cases; there is no null.
 */
public sealed interface Validation {

    /** The one value for an accepted request. */
    Validation VALID = new Valid();

    /** The request may be executed as it is. */
    record Valid() implements Validation {}

    /** The request must not reach the device; answer it with {@code error}. */
    record Invalid(NbdError error) implements Validation {}
}
