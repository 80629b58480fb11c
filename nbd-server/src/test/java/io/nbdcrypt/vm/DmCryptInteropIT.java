package io.nbdcrypt.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.nbdcrypt.block.EncryptedVolume;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.TestFiles;
import io.nbdcrypt.xts.IvMode;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.XtsCipher;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our XTS engine and dm-crypt IV rules against the kernel's dm-crypt, both directions, in one
 * guest boot.
 *
 * <p>Host to kernel: the host writes random plaintext through {@link EncryptedVolume} at low,
 * unaligned and last-sector offsets of sparse 8 GiB images; the guest maps each image with a
 * {@code dmsetup} crypt table and again with {@code cryptsetup open --type plain --key-file},
 * and reports the sha256 of the plaintext it reads. Kernel to host: the guest writes random data
 * (and an ext4 file system with a file) through dm-crypt and reports their sha256; after the
 * guest powers off, the host decrypts with {@link EncryptedVolume} and compares (the file is
 * found with {@code debugfs} in the decrypted image, which {@code e2fsck} must find clean).
 *
 * <p>Every mapping uses {@code aes-xts-plain64} (one also {@code aes-xts-plain}), a 512-bit key, a 1 MiB data offset and an IV
 * offset above 2^32, for 512- and 4096-byte sectors without {@code iv_large_sectors}: IVs count
 * 512-byte units from the segment start plus the offset, so a wrong unit, a truncated IV or an
 * IV counted from the device start all fail here.
 */
class DmCryptInteropIT {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    /** dm-crypt table {@code <offset>} / cryptsetup {@code --offset}; IVs do not count it. */
    private static final long DATA_OFFSET = MIB;
    /** dm-crypt {@code iv_offset} / cryptsetup {@code --skip}: above 2^32, a multiple of 8 (dm-crypt requires that for 4096-byte sectors). */
    private static final long IV_OFFSET = (1L << 32) + 8 * 12_345;
    private static final long BIG_DISK = 8 * GIB;
    private static final long FS_DISK = DATA_OFFSET + 32 * MIB;
    private static final String FS_FILE_SIZE_KIB = "300";

    /** A disk image {@code NAME.img} in the guest's disk directory, mapped with one sector size and IV mode. */
    private record Disk(String name, int sectorSize, long diskSize, IvMode ivMode) {
        long volumeSize() {
            return diskSize - DATA_OFFSET;
        }

        /** The ivmode in dm-crypt's cipher spec: aes-xts-plain64, aes-xts-plain. */
        String ivName() {
            return ivMode.name().toLowerCase(Locale.ROOT);
        }
    }

    /** A byte range of a volume; multiples of 512 so the guest's {@code dd bs=512} can address it. */
    private record Range(long offset, int length) {
        long firstUnit() {
            return offset / 512;
        }

        int units() {
            return length / 512;
        }
    }

    private static final Disk H512 = new Disk("h512", 512, BIG_DISK, IvMode.PLAIN64);
    private static final Disk H4096 = new Disk("h4096", 4096, BIG_DISK, IvMode.PLAIN64);
    /** Legacy 32-bit IVs: with the IV offset above 2^32 only the truncated IV reads back. */
    private static final Disk H512_PLAIN = new Disk("h512p", 512, BIG_DISK, IvMode.PLAIN);
    private static final Disk K512 = new Disk("k512", 512, BIG_DISK, IvMode.PLAIN64);
    private static final Disk K4096 = new Disk("k4096", 4096, BIG_DISK, IvMode.PLAIN64);
    private static final Disk FS = new Disk("fs", 4096, FS_DISK, IvMode.PLAIN64);
    private static final List<Disk> HOST_WRITES = List.of(H512, H4096, H512_PLAIN);
    private static final List<Disk> KERNEL_WRITES = List.of(K512, K4096);

    @TempDir
    static Path tmp;

    private static SecretBytes key;
    private static Path disks;
    /** sha256 of the plaintext the host wrote, by result name ("h512.3"). */
    private static final Map<String, String> hostWrote = new LinkedHashMap<>();
    private static GuestRun guest;

    @BeforeAll
    static void runGuestOnce() throws IOException {
        GuestVm vm = GuestVm.require();
        ExternalTool.require("debugfs");
        ExternalTool.require("e2fsck");
        key = SecretBytes.random(64, new SecureRandom());
        disks = Files.createDirectories(tmp.resolve("disks"));
        Path keyFile = tmp.resolve("key");
        byte[] raw = key.copyBytes(KeyAccess.get());
        try {
            Files.write(keyFile, raw);
        } finally {
            SecretBytes.wipe(raw);
        }
        SecureRandom random = new SecureRandom();
        for (Disk d : HOST_WRITES) {
            createSparse(d);
            try (EncryptedVolume v = open(d, false)) {
                List<Range> ranges = ranges(d);
                for (int i = 0; i < ranges.size(); i++) {
                    byte[] plain = new byte[ranges.get(i).length()];
                    random.nextBytes(plain);
                    v.write(ranges.get(i).offset(), ByteBuffer.wrap(plain));
                    hostWrote.put(d.name() + "." + i, HostImages.sha256(plain));
                }
                v.flush();
            }
        }
        for (Disk d : KERNEL_WRITES) {
            createSparse(d);
        }
        createSparse(FS);
        Path script = tmp.resolve("dmcrypt.sh");
        Files.writeString(script, guestScript());
        guest = vm.disks(disks).file(keyFile).timeoutSeconds(240).run("DmCryptInteropIT", script);
    }

    @AfterAll
    static void wipeKey() {
        if (key != null) {
            key.close();
        }
    }

    @Test
    void write_512ByteSectors_dmCryptTableReadsSamePlaintext() {
        assertKernelRead(H512, "dm");
    }

    @Test
    void write_4096ByteSectors_dmCryptTableReadsSamePlaintext() {
        assertKernelRead(H4096, "dm");
    }

    @Test
    void write_512ByteSectors_cryptsetupPlainReadsSamePlaintext() {
        assertKernelRead(H512, "cs");
    }

    @Test
    void write_4096ByteSectors_cryptsetupPlainReadsSamePlaintext() {
        assertKernelRead(H4096, "cs");
    }

    @Test
    void write_plainIvMode_dmCryptAndCryptsetupReadSamePlaintext() {
        assertKernelRead(H512_PLAIN, "dm");
        assertKernelRead(H512_PLAIN, "cs");
    }

    /** Confirms the premise of the cryptsetup cases: plain mode uses key file bytes as the key, unhashed. */
    @Test
    void cryptsetupPlain_keyFile_becomesTableKeyUnhashed() {
        for (Disk d : HOST_WRITES) {
            assertEquals("raw", guest.result("cskey." + d.name()), "cryptsetup plain key for " + d.name());
        }
    }

    @Test
    void read_dmCryptWrote512ByteSectors_returnsGuestPlaintext() throws IOException {
        assertHostRead(K512);
    }

    @Test
    void read_dmCryptWrote4096ByteSectors_returnsGuestPlaintext() throws IOException {
        assertHostRead(K4096);
    }

    @Test
    void read_dmCryptMadeExt4_debugfsFindsGuestFileInDecryptedImage() throws IOException {
        Path plain = tmp.resolve("fs-plain.img");
        try (EncryptedVolume v = open(FS, true);
                FileChannel out = FileChannel.open(plain, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocate((int) MIB);
            for (long at = 0; at < v.size(); at += buf.capacity()) {
                v.read(at, buf.clear());
                out.write(buf, at);
            }
        }
        HostImages.assertCleanExt4(plain);
        byte[] file = HostImages.catFile(plain, "/f");
        assertEquals(Integer.parseInt(FS_FILE_SIZE_KIB) * 1024, file.length, "size of /f found by debugfs");
        assertEquals(guest.result("fs.f"), HostImages.sha256(file), "sha256 of /f, guest vs host");
    }

    private static void assertKernelRead(Disk d, String how) {
        for (int i = 0; i < ranges(d).size(); i++) {
            assertEquals(hostWrote.get(d.name() + "." + i), guest.result(d.name() + "." + how + "." + i),
                    d.name() + " range " + ranges(d).get(i) + " read by the kernel (" + how + ")");
        }
    }

    private static void assertHostRead(Disk d) throws IOException {
        List<Range> ranges = ranges(d);
        try (EncryptedVolume v = open(d, true); FileBlockDevice raw = FileBlockDevice.open(disks.resolve(d.name() + ".img"), true)) {
            for (int i = 0; i < ranges.size(); i++) {
                Range r = ranges.get(i);
                String expected = guest.result(d.name() + "." + i);
                ByteBuffer plain = ByteBuffer.allocate(r.length());
                v.read(r.offset(), plain);
                assertEquals(expected, HostImages.sha256(plain.array()), d.name() + " range " + r + " written by the kernel");
                // The guest really encrypted: the bytes on the disk are not the plaintext.
                ByteBuffer stored = ByteBuffer.allocate(r.length());
                raw.read(DATA_OFFSET + r.offset(), stored);
                assertNotEquals(expected, HostImages.sha256(stored.array()), d.name() + " range " + r + " stored in clear");
            }
        }
    }

    /** First sectors, a range starting mid-4096-sector in the middle, and the volume's last 128 KiB. */
    private static List<Range> ranges(Disk d) {
        long end = d.volumeSize();
        return List.of(new Range(0, 64 * 1024), new Range(3 * GIB + 3 * 512, 40 * 1024 + 512),
                new Range(end - 128 * 1024, 128 * 1024));
    }

    private static EncryptedVolume open(Disk d, boolean readOnly) throws IOException {
        FileBlockDevice dev = FileBlockDevice.open(disks.resolve(d.name() + ".img"), readOnly);
        // A cipher per volume: the volume owns it and wipes it on close.
        SectorCipher cipher = new SectorCipher(XtsCipher.create(key), d.sectorSize(), IvRule.dmCrypt(d.ivMode(), IV_OFFSET));
        return new EncryptedVolume(dev, DATA_OFFSET, d.volumeSize(), cipher);
    }

    private static void createSparse(Disk d) throws IOException {
        TestFiles.sparse(disks.resolve(d.name() + ".img"), d.diskSize());
    }

    /** The guest side: shell functions, then one line per mapping and range. */
    private static String guestScript() {
        StringBuilder s = new StringBuilder(GUEST_FUNCTIONS.formatted(DATA_OFFSET / 512, IV_OFFSET));
        for (Disk d : HOST_WRITES) {
            for (String how : List.of("dm", "cs")) {
                s.append("%s_map %s %d %s%n".formatted(how, d.name(), d.sectorSize(), d.ivName()));
                if (how.equals("cs")) {
                    s.append("key_check ").append(d.name()).append('\n');
                }
                List<Range> ranges = ranges(d);
                for (int i = 0; i < ranges.size(); i++) {
                    s.append("get %s.%s.%d %s %d %d%n".formatted(d.name(), how, i, d.name(), ranges.get(i).firstUnit(),
                            ranges.get(i).units()));
                }
                s.append("unmap ").append(d.name()).append('\n');
            }
        }
        for (Disk d : KERNEL_WRITES) {
            s.append("dm_map %s %d %s%n".formatted(d.name(), d.sectorSize(), d.ivName()));
            List<Range> ranges = ranges(d);
            for (int i = 0; i < ranges.size(); i++) {
                s.append("put %s.%d %s %d %d%n".formatted(d.name(), i, d.name(), ranges.get(i).firstUnit(), ranges.get(i).units()));
            }
            s.append("unmap ").append(d.name()).append('\n');
        }
        s.append(GUEST_EXT4.formatted(FS.sectorSize(), FS.ivName(), FS_FILE_SIZE_KIB, Integer.parseInt(FS_FILE_SIZE_KIB) * 1024));
        return s.toString();
    }

    private static final String GUEST_FUNCTIONS = """
            set -eu
            # The throwaway test key as hex for dm tables: fine here, never for a real key.
            KEY=$(od -An -tx1 -v /vmtest/key | tr -d ' \\n')
            OFF=%d    # data offset in 512-byte sectors
            IV=%d     # iv_offset
            # dm_map NAME SECTOR_SIZE IVMODE: a crypt table over /dev/disk/NAME after the data offset
            dm_map() {
              len=$(( $(blockdev --getsz "/dev/disk/$1") - OFF ))
              opts=""; [ "$2" = 512 ] || opts=" 1 sector_size:$2"
              dmsetup create "m-$1" --table "0 $len crypt aes-xts-$3 $KEY $IV /dev/disk/$1 $OFF$opts"
              test -b "/dev/mapper/m-$1"
            }
            # cs_map NAME SECTOR_SIZE IVMODE: the same mapping by cryptsetup's plain mode, key from a file
            cs_map() {
              cryptsetup open -q --type plain --cipher "aes-xts-$3" --key-size 512 --key-file /vmtest/key \\
                --sector-size "$2" --offset "$OFF" --skip "$IV" "/dev/disk/$1" "m-$1"
              test -b "/dev/mapper/m-$1"
            }
            key_check() {
              if dmsetup table --showkeys "m-$1" | grep -q " $KEY "; then k=raw; else k=other; fi
              echo "RESULT cskey.$1 $k"
            }
            unmap() { dmsetup remove "m-$1"; }
            # report RESULT-NAME FILE BYTES: its sha256, once the size is right
            report() {
              test "$(stat -c %%s "$2")" = "$3"
              echo "RESULT $1 $(sha256sum "$2" | cut -d' ' -f1)"
            }
            # get RESULT-NAME DISK FIRST COUNT: read plaintext (512-byte units) from the mapping
            get() {
              dd if="/dev/mapper/m-$2" of=/tmp/r bs=512 skip="$3" count="$4" 2>/dev/null
              report "$1" /tmp/r $(( $4 * 512 ))
            }
            # put RESULT-NAME DISK FIRST COUNT: write random plaintext to the mapping
            put() {
              dd if=/dev/urandom of=/tmp/r bs=512 count="$4" 2>/dev/null
              dd if=/tmp/r of="/dev/mapper/m-$2" bs=512 seek="$3" count="$4" conv=notrunc,fsync 2>/dev/null
              report "$1" /tmp/r $(( $4 * 512 ))
            }
            """;

    private static final String GUEST_EXT4 = """
            dm_map fs %d %s
            mkfs.ext4 -q -F /dev/mapper/m-fs
            mkdir -p /mnt/fs
            mount /dev/mapper/m-fs /mnt/fs
            dd if=/dev/urandom of=/mnt/fs/f bs=1024 count=%s 2>/dev/null
            report fs.f /mnt/fs/f %d
            umount /mnt/fs
            unmap fs
            """;
}
