package io.nbdcrypt.nbd.transmission;

import io.nbdcrypt.nbd.wire.NbdErrno;
import java.util.Objects;

/**
 * A failed request as the client will see it: one of the spec's error values and a message
 * naming the request and the reason. The message travels in structured error chunks and logs;
 * it never holds data or key material.
 */
public record NbdError(NbdErrno errno, String message) {
    public NbdError {
        Objects.requireNonNull(errno, "errno");
        Objects.requireNonNull(message, "message");
    }
}
