package io.nbdcrypt.nbd.codec;

/** What the server sends during negotiation; encoded by {@link HandshakeEncoder}. */
public sealed interface HandshakeReply {

    /** NBDMAGIC, IHAVEOPT and the 16-bit handshake flags. */
    record ServerGreeting(int handshakeFlags) implements HandshakeReply {}

    /**
     * An option reply: magic, option, reply type, length, data.
     *
     * @param type a {@code NbdProtocol.REP_*} value
     */
    record OptionReply(int option, int type, byte[] data) implements HandshakeReply {}

    /** The reply to NBD_OPT_EXPORT_NAME: size, transmission flags, then 124 zeroes unless {@code noZeroes}. */
    record ExportNameReply(long size, int transmissionFlags, boolean noZeroes) implements HandshakeReply {}
}
