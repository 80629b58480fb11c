package io.nbdcrypt.kernel.dm;

import io.nbdcrypt.linux.DeviceNumber;
import io.nbdcrypt.linux.DmTarget;
import io.nbdcrypt.luks.common.VolumeInfo;
import io.nbdcrypt.luks2.segment.CipherSpec;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The parameters of one dm-crypt target ({@code Documentation/admin-guide/device-mapper/
 * dm-crypt.rst}): {@code <cipher> <key> <iv_offset> <device> <offset> [<#opt> <opt>...]}.
 *
 * <p>{@link #forVolume} builds what {@code cryptsetup open} builds for a LUKS2 data segment:
 * the segment's cipher, the key as a keyring reference, IV offset 0 (cryptsetup ignores a
 * one-segment volume's {@code iv_tweak}; such volumes are refused), the data offset in
 * 512-byte sectors, and the optional words in cryptsetup's order
 * ({@code allow_discards}, {@code same_cpu_crypt}, {@code submit_from_crypt_cpus},
 * {@code no_read_workqueue}, {@code no_write_workqueue}, {@code iv_large_sectors},
 * {@code high_priority}, then {@code sector_size:N} when N is not 512). {@link #parse} reads
 * a table line back (ours, cryptsetup's, the kernel's own spelling of either).
 *
 * @param cipher     e.g. {@code aes-xts-plain64}
 * @param key        where the key is (never the key)
 * @param ivOffset   added to every IV, in 512-byte units
 * @param device     the data device as the table names it: {@code major:minor} or a path
 * @param offset     first sector (512 bytes) of the data on the device
 * @param options    the flag words
 * @param sectorSize encryption sector size in bytes (512 when the table has no {@code sector_size:})
 * @param others     optional words this project does not build ({@code integrity:...}, unknown ones), as read
 */
public record CryptTable(String cipher, KeyReference key, long ivOffset, String device, long offset,
        Set<CryptOption> options, int sectorSize, List<String> others) {

    public CryptTable {
        options = options.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(options));
        others = List.copyOf(others);
    }

    /**
     * The table {@code cryptsetup open} makes for {@code volume} (a validated LUKS2 data
     * segment), with the key in the keyring under {@code key}. The LUKS2 header's own
     * persistent flags are not applied: the header is the host's to write, and an
     * {@code allow-discards} planted there would tell it which blocks are free.
     *
     * @throws IllegalArgumentException if the volume is not one dm-crypt can map as it is
     *                                  (cipher off the allow-list, unaligned offset or size,
     *                                  a non-zero iv_tweak)
     */
    public static CryptTable forVolume(VolumeInfo volume, DeviceNumber device, KeyReference.Keyring key,
            Set<CryptOption> options) {
        if (!CipherSpec.ALLOWED.contains(volume.cipher())) {
            throw new IllegalArgumentException("cipher '" + volume.cipher() + "' is not one nbdcrypt maps");
        }
        if (!CipherSpec.validKeySize(key.bytes()) || key.bytes() * 8 != volume.keyBits()) {
            throw new IllegalArgumentException("a " + volume.keyBits() + "-bit volume key cannot be a "
                    + key.bytes() + "-byte XTS key");
        }
        int s = volume.sectorSize();
        if (s < 512 || s > 4096 || Integer.bitCount(s) != 1) {
            throw new IllegalArgumentException("sector size " + s + " is not 512, 1024, 2048 or 4096");
        }
        if (volume.dataOffset() % 512 != 0) {
            throw new IllegalArgumentException("data offset " + volume.dataOffset() + " is not a multiple of 512");
        }
        if (volume.size() <= 0 || volume.size() % s != 0) {
            throw new IllegalArgumentException("data size " + volume.size() + " is not a positive multiple of the "
                    + s + "-byte sector");
        }
        if (volume.ivTweak() != 0) {
            // cryptsetup (2.6 and master) maps a one-segment LUKS2 volume with IV offset 0 and
            // reads iv_tweak only while reencrypting; this project's own data path applies it.
            // A volume the two would read differently is refused rather than guessed at.
            throw new IllegalArgumentException("segment iv_tweak is " + volume.ivTweak() + ": cryptsetup open maps such"
                    + " a volume with IV offset 0 while nbdcrypt serve applies the tweak, so the dm-crypt backend refuses it");
        }
        if (options.contains(CryptOption.IV_LARGE_SECTORS)) {
            throw new IllegalArgumentException("iv_large_sectors is not what a LUKS2 segment means (IVs count 512-byte units)");
        }
        return new CryptTable(volume.cipher(), key, 0, device.toString(), volume.dataOffset() / 512,
                options, s, List.of());
    }

    /** The target for a device of {@code lengthSectors} 512-byte sectors. */
    public DmTarget target(long lengthSectors) {
        return new DmTarget(0, lengthSectors, "crypt", params());
    }

    /** The parameter string, as it goes into DM_TABLE_LOAD. */
    public String params() {
        List<String> words = new ArrayList<>();
        for (CryptOption o : CryptOption.values()) {
            if (options.contains(o)) {
                words.add(o.word());
            }
        }
        if (sectorSize != 512) {
            words.add("sector_size:" + sectorSize);
        }
        words.addAll(others);
        StringBuilder b = new StringBuilder().append(cipher).append(' ').append(key.field()).append(' ').append(ivOffset)
                .append(' ').append(device).append(' ').append(offset);
        if (!words.isEmpty()) {
            b.append(' ').append(words.size());
            words.forEach(w -> b.append(' ').append(w));
        }
        return b.toString();
    }

    /**
     * Reads a crypt target's parameters.
     *
     * @throws IllegalArgumentException naming what is wrong when they are not a dm-crypt table
     */
    public static CryptTable parse(String params) {
        String[] w = params.trim().split(" +");
        if (w.length < 5) {
            throw new IllegalArgumentException("crypt table has " + w.length + " words, needs at least 5");
        }
        KeyReference key = KeyReference.parse(w[1]);
        long ivOffset = number(w[2], "iv_offset");
        long offset = number(w[4], "offset");
        Set<CryptOption> options = EnumSet.noneOf(CryptOption.class);
        List<String> others = new ArrayList<>();
        int sectorSize = 512;
        if (w.length > 5) {
            long count = number(w[5], "optional parameter count");
            if (count != w.length - 6) {
                throw new IllegalArgumentException("crypt table announces " + count + " optional parameters but has "
                        + (w.length - 6));
            }
            for (int i = 6; i < w.length; i++) {
                if (w[i].startsWith("sector_size:")) {
                    sectorSize = (int) number(w[i].substring("sector_size:".length()), "sector_size");
                } else {
                    String word = w[i];
                    CryptOption.ofWord(word).ifPresentOrElse(options::add, () -> others.add(word));
                }
            }
        }
        return new CryptTable(w[0], key, ivOffset, w[3], offset, options, sectorSize, others);
    }

    private static long number(String s, String what) {
        try {
            long v = Long.parseLong(s);
            if (v < 0) {
                throw new IllegalArgumentException(what + " " + s + " is negative");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + s + "' is not a number", e);
        }
    }
}
