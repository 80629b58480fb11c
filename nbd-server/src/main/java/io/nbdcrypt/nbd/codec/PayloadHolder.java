package io.nbdcrypt.nbd.codec;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * A message that owns at most one {@link ByteBuf}; its reference count is the buffer's, so
 * Netty's usual rule (whoever consumes a message releases it) also frees the payload when a
 * message is dropped, e.g. written to a channel that has closed. Without a payload the message
 * counts as always alive and releasing it does nothing.
 */
public interface PayloadHolder extends ReferenceCounted {

    /** The owned buffer, or {@code null}. */
    ByteBuf payload();

    @Override
    default int refCnt() {
        ByteBuf p = payload();
        return p == null ? 1 : p.refCnt();
    }

    @Override
    default PayloadHolder retain() {
        ByteBuf p = payload();
        if (p != null) {
            p.retain();
        }
        return this;
    }

    @Override
    default PayloadHolder retain(int increment) {
        ByteBuf p = payload();
        if (p != null) {
            p.retain(increment);
        }
        return this;
    }

    @Override
    default PayloadHolder touch() {
        return touch(null);
    }

    @Override
    default PayloadHolder touch(Object hint) {
        ByteBuf p = payload();
        if (p != null) {
            p.touch(hint);
        }
        return this;
    }

    @Override
    default boolean release() {
        ByteBuf p = payload();
        return p != null && p.release();
    }

    @Override
    default boolean release(int decrement) {
        ByteBuf p = payload();
        return p != null && p.release(decrement);
    }
}
