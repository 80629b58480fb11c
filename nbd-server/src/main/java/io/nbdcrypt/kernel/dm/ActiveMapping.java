package io.nbdcrypt.kernel.dm;

import io.nbdcrypt.linux.DeviceNumber;
import java.nio.file.Path;

/**
 * A dm-crypt mapping this process made live: its name, node and number, and the table it
 * was given (the key as a reference only; the key itself is gone from the keyring by now).
 *
 * @param sizeBytes plaintext size of the mapped device
 */
public record ActiveMapping(MappingName name, Path node, DeviceNumber device, DmUuid uuid, CryptTable table,
        long sizeBytes) {}
