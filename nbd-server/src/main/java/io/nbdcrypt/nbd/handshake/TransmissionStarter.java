package io.nbdcrypt.nbd.handshake;

import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.transmission.Negotiated;
import io.netty.channel.ChannelHandlerContext;

/**
 * Replaces the handshake handlers of a channel with the transmission-phase ones once the
 * client has picked an export. Called on the event loop, right after the last handshake reply
 * was written.
 */
@FunctionalInterface
public interface TransmissionStarter {
    /**
     * @param negotiated what the client and server agreed (reply style, metadata contexts for
     *                   {@code export})
     */
    void start(ChannelHandlerContext ctx, Export export, Negotiated negotiated);
}
