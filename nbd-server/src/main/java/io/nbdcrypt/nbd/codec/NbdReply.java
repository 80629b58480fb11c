package io.nbdcrypt.nbd.codec;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * A transmission-phase reply, encoded by {@link ReplyEncoder}. Simple replies are the only
 * kind before {@code NBD_OPT_STRUCTURED_REPLY}; afterwards reads must use structured chunks.
 * Data buffers are owned by the reply and released with it.
 */
public sealed interface NbdReply extends PayloadHolder {

    long cookie();

    /**
     * A simple reply; {@code data} (read replies only, only when {@code error == 0}) may be null.
     */
    record Simple(long cookie, int error, ByteBuf data) implements NbdReply {
        @Override
        public ByteBuf payload() {
            return data;
        }
    }

    /** An {@code NBD_REPLY_TYPE_OFFSET_DATA} chunk. */
    record OffsetData(long cookie, long offset, ByteBuf data, boolean done) implements NbdReply {
        @Override
        public ByteBuf payload() {
            return data;
        }
    }

    /** An {@code NBD_REPLY_TYPE_ERROR} chunk, always final here; the message is for humans. */
    record Error(long cookie, int error, String message) implements NbdReply {
        @Override
        public ByteBuf payload() {
            return null;
        }

        /** The message as UTF-8, cut to what fits the 16-bit length field. */
        public byte[] messageBytes() {
            byte[] b = message.getBytes(StandardCharsets.UTF_8);
            return b.length <= MAX_MESSAGE ? b : java.util.Arrays.copyOf(b, MAX_MESSAGE);
        }

        private static final int MAX_MESSAGE = 4096;
    }

    /**
     * An {@code NBD_REPLY_TYPE_BLOCK_STATUS} chunk with the DONE flag: the status of consecutive
     * extents from the request's offset, for one metadata context.
     *
     * @param contextId   the id handed out by {@code NBD_OPT_SET_META_CONTEXT}
     * @param descriptors at least one
     */
    record BlockStatus(long cookie, int contextId, java.util.List<Descriptor> descriptors) implements NbdReply {
        public BlockStatus {
            if (descriptors.isEmpty()) {
                throw new IllegalArgumentException("a block status chunk needs at least one descriptor");
            }
            descriptors = java.util.List.copyOf(descriptors);
        }

        @Override
        public ByteBuf payload() {
            return null;
        }
    }

    /**
     * One block status descriptor.
     *
     * @param length unsigned 32-bit, at least 1
     * @param flags  the context's status flags, e.g. {@code NbdProtocol.STATE_HOLE}
     */
    record Descriptor(long length, int flags) {
        public Descriptor {
            if (length < 1 || length > 0xffffffffL) {
                throw new IllegalArgumentException("descriptor length " + length + " does not fit 32 bits");
            }
        }
    }

    /** An {@code NBD_REPLY_TYPE_NONE} chunk with the DONE flag: success without data. */
    record Done(long cookie) implements NbdReply {
        @Override
        public ByteBuf payload() {
            return null;
        }
    }
}
