/**
 * The transmission phase: {@link io.nbdcrypt.nbd.transmission.RequestValidator} checks every
 * request once at the edge and returns a {@link io.nbdcrypt.nbd.transmission.Validation} (the
 * error values of {@code doc/proto.md}), {@link io.nbdcrypt.nbd.transmission.ErrnoMapper} is the
 * one table from failures to NBD error values, {@link io.nbdcrypt.nbd.transmission.CommandExecutor}
 * runs a request against the device (FUA flushes before the reply; BLOCK_STATUS reports the
 * device's holes for {@code base:allocation}), and {@link
 * io.nbdcrypt.nbd.transmission.TransmissionHandler} runs requests on a worker pool and bounds
 * what one connection may hold. {@link io.nbdcrypt.nbd.transmission.Negotiated} is what the
 * handshake hands over; a socket that had no handshake (the kernel's) uses {@code
 * Negotiated.SIMPLE}.
 */
package io.nbdcrypt.nbd.transmission;
