package io.nbdcrypt.luks.common;

/**
 * What an opened LUKS volume is, without secrets: enough to log, to show, or to build a
 * dm-crypt table ({@code <cipher> <key> <ivTweak> <dev> <dataOffset/512>} with
 * {@code sector_size:<sectorSize>}).
 *
 * @param luksVersion 1 or 2
 * @param cipher      dm-crypt cipher spec, e.g. {@code aes-xts-plain64}
 * @param keyBits     volume key length in bits
 * @param sectorSize  encryption sector size in bytes
 * @param dataOffset  byte offset of the data on the data device
 * @param size        plaintext size in bytes
 * @param ivTweak     IV offset in 512-byte units
 * @param keyslot     the keyslot that opened
 */
public record VolumeInfo(int luksVersion, String uuid, String label, String cipher, int keyBits, int sectorSize,
        long dataOffset, long size, long ivTweak, int keyslot) {}
