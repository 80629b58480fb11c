/**
 * The NBD server: serves a {@link io.nbdcrypt.block.BlockDevice} (usually the plaintext view of
 * an encrypted volume) to the kernel's NBD client, qemu, libnbd and fio.
 *
 * <p>Packages by role, dependencies pointing down the list:
 * <ul>
 *   <li>{@code server}: Netty bootstrap, transports (epoll or NIO; unix socket, loopback TCP),
 *       connection limit, graceful shutdown;</li>
 *   <li>{@code handshake}: fixed newstyle negotiation (options, export lookup, INFO replies);</li>
 *   <li>{@code transmission}: request validation at the edge, the exception-to-errno table,
 *       execution on a worker pool, out-of-order replies, bounded buffering and backpressure;</li>
 *   <li>{@code backend}: exports (device + name + what is advertised) shared by connections;</li>
 *   <li>{@code codec}: pure byte-to-message decoders and encoders, no I/O;</li>
 *   <li>{@code wire}: every protocol constant, from {@code doc/proto.md}.</li>
 * </ul>
 */
package io.nbdcrypt.nbd;
