/**
 * The block layer: fixed-size byte arrays with positional I/O, the one contract
 * ({@link io.nbdcrypt.block.BlockDevice}) the NBD server sees.
 *
 * <pre>
 *  raw disk: {@link io.nbdcrypt.block.FileBlockDevice}            an image file or a block device node
 *    → sector transform: {@link io.nbdcrypt.xts.SectorCipher}    (io.nbdcrypt.xts)
 *    → volume: {@link io.nbdcrypt.block.EncryptedVolume}          the plaintext view of a LUKS data segment
 *              or {@code auth.AuthenticatedVolume}                every sector verified for integrity and freshness
 *    → NBD server (nbd-server: {@code io.nbdcrypt.nbd.transmission.CommandExecutor} calls the device)
 *      or dm-crypt (the kernel decrypts the same segment with the same key and IV rule)
 *    → kernel: {@code /dev/nbdN} or {@code /dev/mapper/NAME} → ext4
 * </pre>
 *
 * <p>Volumes are opened from a LUKS header by luks2-format ({@code io.nbdcrypt.luks.LuksVolumes}),
 * which reads the segment (offset, size, sector size, {@code iv_tweak}) and the volume key, and
 * builds a {@code SectorCipher} and an {@code EncryptedVolume} over the raw disk.
 * {@link io.nbdcrypt.block.EncryptedVolume} splits unaligned requests into head, aligned body
 * and tail (read-modify-write under a stripe lock), treats all-zero stored sectors as holes, and
 * owns its cipher: closing the volume wipes the key. {@code FileBlockDevice}'s native calls
 * (block device size, punch-hole, device locks) go through the {@code linux-native} module.
 */
package io.nbdcrypt.block;
