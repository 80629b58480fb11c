/**
 * Sector encryption: the second step of the data path.
 *
 * <pre>
 *  raw disk ({@link io.nbdcrypt.block.FileBlockDevice})
 *    → sector transform ({@link io.nbdcrypt.xts.SectorCipher} over a {@link io.nbdcrypt.xts.SectorTransform})   ← this package
 *    → volume ({@link io.nbdcrypt.block.EncryptedVolume}, or the authenticated one in {@code io.nbdcrypt.block.auth})
 *    → NBD server (nbd-server, {@code io.nbdcrypt.nbd}) or dm-crypt (the kernel, same key and IV rule)
 *    → kernel block device ({@code /dev/nbdN} or {@code /dev/mapper/NAME}) → file system
 * </pre>
 *
 * <p>Start with {@link io.nbdcrypt.xts.SectorCipher}: it turns a request (a buffer of whole
 * sectors and the first sector's index) into batches for a {@link io.nbdcrypt.xts.SectorTransform},
 * giving each sector the IV its {@link io.nbdcrypt.xts.IvRule} says (dm-crypt's rules: IVs in
 * 512-byte units, {@code iv_tweak}, {@code plain64}/{@code plain} by {@link io.nbdcrypt.xts.IvMode}),
 * leaving holes (all-zero stored sectors) alone, and splitting large requests across threads.
 * The transforms:
 * <ul>
 *   <li>{@link io.nbdcrypt.xts.XtsCipher}: AES-XTS (IEEE 1619), the LUKS2 default. The fast path
 *       is {@code XtsWorker} (many tweaks per AES call, scratch reused, nothing allocated) with a
 *       {@code TweakMask} (SIMD through the Vector API, or scalar);</li>
 *   <li>{@link io.nbdcrypt.xts.CbcEssivCipher}: legacy LUKS1 {@code aes-cbc-essiv:sha256},
 *       decryption only.</li>
 * </ul>
 * An authenticated transform adds a class, as {@code io.nbdcrypt.block.auth.GcmSectorTransform}
 * (AES-256-GCM) does: its per-sector side data (nonce, tag) passes through {@code SectorCipher}
 * to the caller, which keeps it in its hash tree, and a sector that fails verification becomes
 * a {@link io.nbdcrypt.xts.SectorAuthenticationException}.
 * Keys enter as {@code SecretBytes} (crypto-core) and are copied into wipeable
 * {@code RawAesKey}s; {@code close()} wipes every copy, including the per-thread workers
 * ({@link io.nbdcrypt.xts.WorkerPool}).
 */
package io.nbdcrypt.xts;
