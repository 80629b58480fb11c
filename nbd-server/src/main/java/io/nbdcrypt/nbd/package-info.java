/**
 * The NBD server: serves a {@link io.nbdcrypt.block.BlockDevice} (usually the plaintext view of
 * an encrypted volume, {@code io.nbdcrypt.block.EncryptedVolume}) to the kernel's NBD client,
 * qemu, libnbd and fio.
 *
 * <p>Where a request goes, in the order it travels: bytes from the socket are framed by
 * {@code codec.RequestDecoder} into typed {@code codec.NbdRequest}s; {@code
 * transmission.TransmissionHandler} admits them (bounded buffering), {@code
 * transmission.RequestValidator} checks each once and {@code transmission.CommandExecutor} runs
 * it against the export's device on a worker thread; the reply goes back through {@code
 * codec.ReplyEncoder}. Before that, {@code handshake.HandshakeHandler} negotiates the export, the
 * reply style and the metadata contexts, and {@code server.NbdServer} decides who gets a
 * connection slot.
 *
 * <p>Packages by role, dependencies pointing down the list:
 * <ul>
 *   <li>{@code server}: Netty bootstrap, transports (epoll or NIO; unix socket, loopback TCP),
 *       connection slots (negotiating vs established), graceful shutdown;</li>
 *   <li>{@code handshake}: fixed newstyle negotiation (options, export lookup, INFO replies,
 *       metadata contexts), its timeouts, and the rate-limited log of connections that never
 *       got past it;</li>
 *   <li>{@code transmission}: request validation at the edge, the exception-to-errno table,
 *       execution on a worker pool, out-of-order replies, bounded buffering and backpressure;</li>
 *   <li>{@code backend}: exports (device + name + what is advertised) shared by connections;</li>
 *   <li>{@code codec}: pure byte-to-message decoders and encoders, no I/O;</li>
 *   <li>{@code wire}: every protocol constant from {@code doc/proto.md}, and the types past the
 *       codec ({@code CommandType}, {@code CommandFlag(s)}, {@code NbdErrno}).</li>
 * </ul>
 */
package io.nbdcrypt.nbd;
