package io.nbdcrypt.nbd.server;

import io.nbdcrypt.linux.Libc;
import io.nbdcrypt.linux.NativeException;
import io.nbdcrypt.linux.Sockets;
import io.nbdcrypt.nbd.transmission.DirectSocket;
import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@link DirectSocket} on a duplicate of an epoll channel's descriptor. The duplicate is why
 * a worker's write is safe however the channel ends: Netty closes its own descriptor whenever it
 * likes (a reset, a close from the event loop), and a number it freed may name another file the
 * next moment; ours stays this socket until {@link #close}.
 */
final class DuplicatedSocket implements DirectSocket {
    private static final Logger LOG = Logger.getLogger(DuplicatedSocket.class.getName());
    /** Set to false to keep every reply on the event loop (for measuring the difference). */
    static final boolean ENABLED = !"false".equals(System.getProperty("nbdcrypt.workerWrites"));

    private final int fd;

    private DuplicatedSocket(int fd) {
        this.fd = fd;
    }

    /** For {@link DirectSocket.Factory}: null when the channel is not a native one, or dup failed. */
    static DirectSocket open(Channel channel) {
        if (!ENABLED || !(channel instanceof UnixChannel u) || !channel.isOpen()) {
            return null;
        }
        try {
            return new DuplicatedSocket(Sockets.duplicate(u.fd().intValue()));
        } catch (NativeException e) {
            LOG.log(Level.FINE, "replies stay on the event loop", e);
            return null;
        }
    }

    @Override
    public long writeAvailable(ByteBuffer[] buffers) throws IOException {
        return Sockets.writeAvailable(fd, buffers);
    }

    @Override
    public boolean awaitWritable(int timeoutMillis) throws IOException {
        return Sockets.awaitWritable(fd, timeoutMillis);
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
