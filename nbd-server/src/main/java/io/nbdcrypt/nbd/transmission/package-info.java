/**
 * The transmission phase: {@link io.nbdcrypt.nbd.transmission.RequestValidator} checks every
 * request once at the edge, {@link io.nbdcrypt.nbd.transmission.ErrnoMapper} is the one table
 * from failures to NBD error values, and {@link io.nbdcrypt.nbd.transmission.TransmissionHandler}
 * runs requests on a worker pool and bounds what one connection may hold.
 */
package io.nbdcrypt.nbd.transmission;
