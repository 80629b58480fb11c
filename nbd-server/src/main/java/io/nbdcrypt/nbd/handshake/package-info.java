/**
 * Fixed newstyle negotiation, one {@link io.nbdcrypt.nbd.handshake.HandshakeHandler} per
 * connection: the greeting, client flags, options (EXPORT_NAME, GO, INFO, LIST, ABORT,
 * STRUCTURED_REPLY, LIST/SET_META_CONTEXT), then a {@link
 * io.nbdcrypt.nbd.handshake.TransmissionStarter} hands the channel to the transmission phase
 * with what was {@code Negotiated}. Option data is parsed by pure records ({@code InfoRequest},
 * {@code MetaContextRequest}). {@link io.nbdcrypt.nbd.handshake.HandshakeLimits} bounds how long
 * a client may stay silent or negotiate at all; {@link io.nbdcrypt.nbd.handshake.ConnectionLog}
 * keeps a flood of failed handshakes to a few log lines.
 */
package io.nbdcrypt.nbd.handshake;
