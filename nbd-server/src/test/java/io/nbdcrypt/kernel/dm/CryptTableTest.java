package io.nbdcrypt.kernel.dm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.linux.DeviceNumber;
import io.nbdcrypt.luks.common.VolumeInfo;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The table against cryptsetup's own spelling (lib/libdevmapper.c get_dm_crypt_params: options
 * in its fixed order, then sector_size); the guest test compares with the kernel's copy of the
 * table {@code cryptsetup open} loads for the same volume.
 */
class CryptTableTest {
    private static final DeviceNumber VDB = new DeviceNumber(254, 16);
    private static final KeyReference.Keyring KEY64 = new KeyReference.Keyring(64, "logon", "nbdcrypt:x");

    private static VolumeInfo volume(int sectorSize, long dataOffset, long size, long ivTweak, int keyBits) {
        return new VolumeInfo(2, "3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c", "", "aes-xts-plain64", keyBits, sectorSize,
                dataOffset, size, ivTweak, 0);
    }

    @Test
    void forVolume_luks2Defaults_cryptsetupsTable() {
        CryptTable t = CryptTable.forVolume(volume(4096, 16 << 20, 32 << 20, 0, 512), VDB, KEY64, Set.of());

        assertEquals("aes-xts-plain64 :64:logon:nbdcrypt:x 0 254:16 32768 1 sector_size:4096", t.params());
        assertEquals("0 65536 crypt " + t.params(), t.target(65536).toString());
    }

    @Test
    void forVolume_512ByteSectors_noOptionalParameters() {
        CryptTable t = CryptTable.forVolume(volume(512, 2 << 20, 8 << 20, 0, 256), VDB,
                new KeyReference.Keyring(32, "logon", "nbdcrypt:y"), Set.of());

        assertEquals("aes-xts-plain64 :32:logon:nbdcrypt:y 0 254:16 4096", t.params());
    }

    @Test
    void forVolume_allFlags_inCryptsetupsOrder() {
        CryptTable t = CryptTable.forVolume(volume(4096, 0, 1 << 20, 0, 512), VDB, KEY64,
                EnumSet.of(CryptOption.NO_WRITE_WORKQUEUE, CryptOption.ALLOW_DISCARDS, CryptOption.NO_READ_WORKQUEUE));

        assertEquals("aes-xts-plain64 :64:logon:nbdcrypt:x 0 254:16 0 4 allow_discards no_read_workqueue"
                + " no_write_workqueue sector_size:4096", t.params());
    }

    @Test
    void forVolume_refusesWhatDmCryptWouldMisreadOrRefuse() {
        assertRefused(new VolumeInfo(2, "u", "", "cipher_null-ecb", 512, 4096, 0, 1 << 20, 0, 0), KEY64, "cipher_null");
        // cryptsetup maps a one-segment volume with IV offset 0 whatever iv_tweak says (the guest
        // test shows it); our NBD path applies the tweak, so such a volume is refused here.
        assertRefused(volume(4096, 0, 1 << 20, 8, 512), KEY64, "iv_tweak is 8");
        assertRefused(volume(4096, 0, (1 << 20) + 512, 0, 512), KEY64, "not a positive multiple");
        assertRefused(volume(4096, 1000, 1 << 20, 0, 512), KEY64, "data offset 1000");
        assertRefused(volume(4096, 0, 1 << 20, 0, 256), KEY64, "256-bit volume key");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CryptTable.forVolume(
                volume(4096, 0, 1 << 20, 0, 512), VDB, KEY64, Set.of(CryptOption.IV_LARGE_SECTORS)));
        assertTrue(e.getMessage().contains("iv_large_sectors"), e.getMessage());
    }

    private static void assertRefused(VolumeInfo v, KeyReference.Keyring key, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CryptTable.forVolume(v, VDB, key, Set.of()));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void parse_kernelsCopyOfCryptsetupsTable() {
        CryptTable t = CryptTable.parse(
                "aes-xts-plain64 :64:logon:cryptsetup:3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c-d0 0 254:16 32768 2 allow_discards sector_size:4096");

        assertEquals(new CryptTable("aes-xts-plain64",
                new KeyReference.Keyring(64, "logon", "cryptsetup:3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c-d0"), 0, "254:16",
                32768, Set.of(CryptOption.ALLOW_DISCARDS), 4096, List.of()), t);
    }

    @Test
    void parse_maskedHexKeyAndUnknownWords_keptAsRead() {
        CryptTable t = CryptTable.parse("aes-xts-plain64 " + "0".repeat(128) + " 8 7:0 0 2 iv_large_sectors integrity:28:aead");

        assertEquals(new KeyReference.MaskedHex(64), t.key());
        assertEquals(Set.of(CryptOption.IV_LARGE_SECTORS), t.options());
        assertEquals(List.of("integrity:28:aead"), t.others());
        assertEquals(512, t.sectorSize());
        assertEquals(8, t.ivOffset());
    }

    @Test
    void parse_malformed_refusedNamingTheField() {
        assertEquals("crypt table has 3 words, needs at least 5",
                assertThrows(IllegalArgumentException.class, () -> CryptTable.parse("a b c")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> CryptTable.parse("aes-xts-plain64 - 0 7:0 0 3 allow_discards")).getMessage().contains("announces 3"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> CryptTable.parse("aes-xts-plain64 xyz 0 7:0 0")).getMessage().contains("neither hex"));
    }
}
