/**
 * What is served: an {@link io.nbdcrypt.nbd.backend.Export} is one {@link
 * io.nbdcrypt.block.BlockDevice} under a name with the transmission flags it honours (read-only,
 * TRIM only with discards allowed, multi-conn because every connection shares the one device);
 * an {@link io.nbdcrypt.nbd.backend.ExportRegistry} holds them by name and closes devices and
 * keys when the server stops.
 */
package io.nbdcrypt.nbd.backend;
