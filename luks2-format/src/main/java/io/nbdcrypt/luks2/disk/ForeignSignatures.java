package io.nbdcrypt.luks2.disk;

import io.nbdcrypt.block.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Signatures of other formats (file systems, swap, LVM, RAID, partition tables) at the start
 * of a device: the check cryptsetup makes with blkid before it restores a damaged LUKS2
 * header copy from the other one. A device that holds both a LUKS2 copy and, say, a swap
 * signature was probably reused on purpose, and restoring the LUKS header would destroy the
 * newer data; so recovery is left to an explicit {@code repair}.
 *
 * <p>A subset of blkid's probes, by magic only: the common Linux formats whose signature
 * lies in the first 68 KiB. Pure reads; nothing is written.
 */
public final class ForeignSignatures {
    /** Bytes read from the start of the device: enough for btrfs's superblock at 64 KiB. */
    static final int PROBE_BYTES = 68 * 1024;

    private record Magic(String name, int offset, byte[] bytes) {
        Magic(String name, int offset, String ascii) {
            this(name, offset, ascii.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    private static final List<Magic> MAGICS = List.of(
            new Magic("xfs", 0, "XFSB"),
            new Magic("ext2/3/4", 0x438, new byte[] {0x53, (byte) 0xef}),
            new Magic("btrfs", 0x10040, "_BHRfS_M"),
            new Magic("iso9660", 0x8001, "CD001"),
            new Magic("gpt", 512, "EFI PART"),
            new Magic("linux_raid_member (1.1)", 0, new byte[] {(byte) 0xfc, 0x4e, 0x2b, (byte) 0xa9}),
            new Magic("linux_raid_member (1.2)", 4096, new byte[] {(byte) 0xfc, 0x4e, 0x2b, (byte) 0xa9}),
            new Magic("squashfs", 0, "hsqs"),
            new Magic("f2fs", 1024, new byte[] {0x10, 0x20, (byte) 0xf5, (byte) 0xf2}),
            new Magic("ntfs", 3, "NTFS    "),
            new Magic("exfat", 3, "EXFAT   "));

    private ForeignSignatures() {}

    /** The formats whose signature {@code dev} carries, e.g. {@code ["swap"]}; empty when none. */
    public static List<String> find(BlockDevice dev) throws IOException {
        int n = (int) Math.min(PROBE_BYTES, dev.size());
        byte[] b = new byte[n];
        dev.read(0, ByteBuffer.wrap(b));
        List<String> found = new ArrayList<>();
        for (Magic m : MAGICS) {
            if (at(b, m.offset(), m.bytes())) {
                found.add(m.name());
            }
        }
        for (int page = 4096; page <= 65536; page *= 2) {
            if (at(b, page - 10, ascii("SWAPSPACE2")) || at(b, page - 10, ascii("SWAP-SPACE"))) {
                found.add("swap");
                break;
            }
        }
        for (int sector = 0; sector < 4; sector++) {
            if (at(b, sector * 512, ascii("LABELONE")) && at(b, sector * 512 + 24, ascii("LVM2 001"))) {
                found.add("LVM2_member");
                break;
            }
        }
        if (bootSector(b)) {
            found.add("dos");
        }
        return found;
    }

    /** 0x55aa at 510 with a FAT name or one plausible partition entry (a bare 0x55aa could be chance). */
    private static boolean bootSector(byte[] b) {
        if (!at(b, 510, new byte[] {0x55, (byte) 0xaa})) {
            return false;
        }
        if (at(b, 54, ascii("FAT")) || at(b, 82, ascii("FAT32"))) {
            return true;
        }
        for (int e = 446; e < 510; e += 16) {
            int status = b[e] & 0xff;
            if ((status == 0 || status == 0x80) && b[e + 4] != 0) {
                return true;
            }
        }
        return false;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static boolean at(byte[] b, int off, byte[] magic) {
        if (off < 0 || b.length - off < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (b[off + i] != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
