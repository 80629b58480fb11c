package io.nbdcrypt.nbd.handshake;

import java.time.Duration;

/**
 * How long a client may take to negotiate. Both bound what a client that connects and never
 * finishes can hold; neither applies once transmission has started (the kernel client idles
 * for hours).
 *
 * @param idle     the longest silence between two reads from the client (a client that stops,
 *                 say, halfway through an option header is cut after this)
 * @param deadline the whole negotiation must finish within this; trickling bytes does not
 *                 extend it
 */
public record HandshakeLimits(Duration idle, Duration deadline) {
    public HandshakeLimits {
        if (idle.isNegative() || idle.isZero() || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("handshake timeouts must be positive, got idle " + idle
                    + " and deadline " + deadline);
        }
    }
}
