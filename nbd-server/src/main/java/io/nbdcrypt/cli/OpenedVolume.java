package io.nbdcrypt.cli;

import io.nbdcrypt.block.BlockDevice;

/**
 * A volume ready to export: the plaintext {@link BlockDevice} and a one-line description for
 * NBD_INFO_DESCRIPTION (no secrets). Closing the device wipes its keys (an
 * {@code EncryptedVolume} owns and closes its cipher).
 */
public record OpenedVolume(BlockDevice device, String description) {}
