package io.nbdcrypt.nbd.transmission;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A connection's socket as a worker thread may write to it itself, without the event loop: its
 * own descriptor (so it stays valid until {@link #close}, whatever the channel does), non-blocking
 * like the channel's. {@link ReplyWriter} decides when that is safe.
 */
public interface DirectSocket {

    /** Opens one for a channel, or returns null when this channel cannot be written directly. */
    @FunctionalInterface
    interface Factory {
        DirectSocket open(io.netty.channel.Channel channel);
    }

    /**
     * Writes what the socket takes now of the buffers' remaining bytes (direct or backed by an
     * array, written from where they are), advancing their positions; 0 when it takes nothing.
     */
    long writeAvailable(ByteBuffer[] buffers) throws IOException;

    /** Waits up to {@code timeoutMillis} for room; false when the time ran out. */
    boolean awaitWritable(int timeoutMillis) throws IOException;

    /** Closes this descriptor (the channel's own is the channel's). */
    void close();
}
