package io.nbdcrypt.nbd.codec;

/**
 * What {@link HandshakeDecoder} makes of the client's bytes during negotiation. Decode
 * failures are values too ({@link BadOptionMagic}, {@link OptionTooLarge}), so the handshake
 * handler decides what to answer instead of catching exceptions thrown across the pipeline.
 */
public sealed interface HandshakeMessage {

    /** The 32-bit client flags sent right after the server greeting. */
    record ClientFlags(int flags) implements HandshakeMessage {}

    /**
     * One option request with its whole data (at most the decoder's limit, so a plain array).
     *
     * @param option the option code, see {@code NbdProtocol.OPT_*}
     */
    record OptionRequest(int option, byte[] data) implements HandshakeMessage {}

    /** An option whose data was longer than the decoder's limit; the data was skipped unread. */
    record OptionTooLarge(int option, long length) implements HandshakeMessage {}

    /** An option header did not start with IHAVEOPT; the stream can no longer be framed. */
    record BadOptionMagic(long magic) implements HandshakeMessage {}
}
