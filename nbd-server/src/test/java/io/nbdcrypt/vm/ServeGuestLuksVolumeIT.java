package io.nbdcrypt.vm;

import static io.nbdcrypt.vm.HostImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * {@code nbdcrypt serve} on LUKS2 volumes that the guest's cryptsetup formatted and its
 * dm-crypt filled with an ext4 and a random file (the shared boot, {@link LuksGuestBoot}),
 * for 4096- and 512-byte sectors. After the guest powered off, the host serves each volume
 * read-only and copies the export with {@code nbdcopy}: the size is the guest's mapping size,
 * {@code e2fsck} finds a clean file system and {@code debugfs} the file the guest hashed.
 */
class ServeGuestLuksVolumeIT {
    static final Iterable<Integer> SECTOR_SIZES = LuksGuestBoot.GUEST_SECTOR_SIZES;

    @TempDir
    static Path tmp;

    private static LuksGuestBoot boot;
    /** Each volume's export as read through nbdcrypt serve, by sector size. */
    private static final Map<Integer, Path> exports = new HashMap<>();

    @BeforeAll
    static void serveEachGuestVolume() throws IOException {
        boot = LuksGuestBoot.get();
        for (int sectorSize : LuksGuestBoot.GUEST_SECTOR_SIZES) {
            if (!"pass".equals(boot.guest.results().get("scenario.cs" + sectorSize))) {
                continue; // export() fails that size's tests with the guest's console log
            }
            try (NbdcryptCli.Server server = NbdcryptCli.serve(boot.guestVolume(sectorSize), boot.passphrase,
                    tmp.resolve("cs" + sectorSize + ".sock"), true, tmp.resolve("cs" + sectorSize + ".log"))) {
                exports.put(sectorSize, HostImages.copyExport(server.uri(), tmp.resolve("cs" + sectorSize + "-export.img")));
                server.stop();
            }
        }
    }

    @ParameterizedTest(name = "{0}-byte sectors")
    @FieldSource("SECTOR_SIZES")
    void serve_cryptsetupVolume_exportSizeIsDmCryptMappingSize(int sectorSize) throws IOException {
        assertEquals(boot.guest.result("cs" + sectorSize + ".size"), Long.toString(Files.size(export(sectorSize))),
                "export size vs the guest's /dev/mapper/cs" + sectorSize);
    }

    @ParameterizedTest(name = "{0}-byte sectors")
    @FieldSource("SECTOR_SIZES")
    void serve_dmCryptWroteExt4_exportIsCleanExt4(int sectorSize) {
        HostImages.assertCleanExt4(export(sectorSize));
    }

    @ParameterizedTest(name = "{0}-byte sectors")
    @FieldSource("SECTOR_SIZES")
    void serve_dmCryptWroteFile_debugfsReadsSameBytes(int sectorSize) {
        byte[] file = HostImages.catFile(export(sectorSize), "/f");
        assertEquals(LuksGuestBoot.FILE_KIB * 1024, file.length, "size of /f read through nbdcrypt serve");
        assertEquals(boot.guest.result("cs" + sectorSize + ".f"), sha256(file), "sha256 of /f, guest vs nbdcrypt serve");
    }

    /** The volume's export as read through nbdcrypt serve; fails if the guest could not make the volume. */
    private static Path export(int sectorSize) {
        boot.assertScenarioPassed("cs" + sectorSize);
        return exports.get(sectorSize);
    }
}
