package io.nbdcrypt.cli;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.block.auth.AuthenticatedLayout;
import io.nbdcrypt.block.auth.AuthenticatedVolume;
import io.nbdcrypt.crypto.SecretBytes;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Locale;

/**
 * A fresh authenticated volume over the whole device, for {@code serve --authenticated}: a
 * random volume key that exists only in this process, data from byte 0, the hash tree after
 * it, nothing on the disk that identifies the volume. It starts empty (whatever the device
 * holds reads as zeroes) and dies with the process.
 */
final class AuthenticatedVolumeOpener {
    /** Sector size of the data: what the kernel client is attached with ({@code nbd-client -b 4096}). */
    static final int SECTOR_SIZE = 4096;

    private final long cacheBytes;

    AuthenticatedVolumeOpener(long cacheBytes) {
        this.cacheBytes = cacheBytes;
    }

    OpenedVolume open(VolumeSource source) throws IOException {
        if (source.header() != null) {
            throw new IOException("--authenticated makes a volume that lives in memory only: --header does not apply");
        }
        if (source.readOnly()) {
            throw new IOException("--authenticated starts an empty volume: --read-only would serve only zeroes");
        }
        FileBlockDevice raw = FileBlockDevice.open(source.device(), false);
        try (SecretBytes volumeKey = SecretBytes.random(64, new SecureRandom())) {
            AuthenticatedLayout layout = AuthenticatedLayout.fit(0, raw.size(), SECTOR_SIZE);
            AuthenticatedVolume v = AuthenticatedVolume.create(raw, layout, volumeKey, cacheBytes, new SecureRandom());
            return new OpenedVolume(v, String.format(Locale.ROOT,
                    "authenticated ephemeral AES-256-GCM, %d-byte sectors, metadata %.2f%% of the data, on %s",
                    SECTOR_SIZE, layout.overheadPercent(), source.device().getFileName()));
        } catch (IllegalArgumentException e) {
            raw.close();
            throw new IOException(source.device() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            raw.close();
            throw e;
        }
    }
}
