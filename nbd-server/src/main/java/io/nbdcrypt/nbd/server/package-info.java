/**
 * The running server: {@link io.nbdcrypt.nbd.server.NbdServer} binds a unix socket (owner-only)
 * and/or loopback TCP on Netty's epoll or NIO transport, gives each accepted connection a slot
 * ({@code ConnectionSlots}: clients still negotiating can never lock out one that finishes),
 * installs the handshake and then the transmission pipeline, and shuts down gracefully (answer
 * what was received, flush, close devices, wipe keys). {@link io.nbdcrypt.nbd.server.ServerConfig}
 * holds every limit.
 */
package io.nbdcrypt.nbd.server;
