package io.nbdcrypt.xts;

/**
 * Which IV a sector gets: the IV mode, the unit IVs count in, and the constant offset.
 *
 * <p>dm-crypt (and so LUKS2) counts IVs in 512-byte units even when the encryption sector is
 * larger, unless the table sets {@code iv_large_sectors}: the 4096-byte sector at byte offset
 * {@code o} from the segment start uses IV {@code o / 512 + ivTweak}.
 *
 * @param mode       plain64 or plain
 * @param ivTweak    added to every IV (LUKS2 segment {@code iv_tweak}, dm-crypt {@code iv_offset})
 * @param largeSectors true when IVs count whole sectors ({@code iv_large_sectors})
 */
public record IvRule(IvMode mode, long ivTweak, boolean largeSectors) {

    /** dm-crypt's default (and LUKS2's): IVs in 512-byte units. */
    public static IvRule dmCrypt(IvMode mode, long ivTweak) {
        return new IvRule(mode, ivTweak, false);
    }

    /** The IV number of the sector with index {@code sectorIndex} (in units of {@code sectorSize}). */
    public long ivSector(long sectorIndex, int sectorSize) {
        long units = largeSectors ? sectorIndex : sectorIndex * (sectorSize / 512);
        return units + ivTweak;
    }
}
