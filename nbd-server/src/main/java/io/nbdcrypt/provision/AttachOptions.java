package io.nbdcrypt.provision;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How a {@link Backend} attaches. No secrets here.
 *
 * @param device         the kernel device to use ({@code /dev/nbdN}; a mapping name for
 *                       dm-crypt), or empty to let the backend choose a free one
 * @param connections    NBD connections (socket pairs); other backends ignore it
 * @param requestTimeout NBD: a request unanswered this long fails its connection
 * @param deadConnection NBD: how long I/O waits for a dead connection before it fails
 * @param netlink        NBD: attach through netlink where the kernel has it; false: the ioctls only
 */
public record AttachOptions(Optional<Path> device, int connections, Duration requestTimeout, Duration deadConnection,
        boolean netlink) {
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_DEAD_CONNECTION = Duration.ofSeconds(5);

    public AttachOptions {
        if (connections < 1 || connections > 16) {
            throw new IllegalArgumentException("--connections must be 1..16, got " + connections);
        }
        if (requestTimeout.isNegative() || deadConnection.isNegative()) {
            throw new IllegalArgumentException("timeouts must not be negative");
        }
    }

    /** A free device, one connection, a 30 s request timeout and a 5 s dead-connection timeout. */
    public static AttachOptions defaults() {
        return new AttachOptions(Optional.empty(), 1, DEFAULT_REQUEST_TIMEOUT, DEFAULT_DEAD_CONNECTION, true);
    }
}
