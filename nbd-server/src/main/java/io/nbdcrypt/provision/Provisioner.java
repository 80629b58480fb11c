package io.nbdcrypt.provision;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.linux.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.security.SecureRandom;

/**
 * One call from an empty scratch disk to a mounted, encrypted file system, the job nbdcrypt
 * exists for: refuse a device that is mounted, held or too small (before anything is
 * written); make an ephemeral volume (random key, LUKS2 header in memory, or in a header file);
 * attach it through the request's {@link Backend}; make the file system; mount it
 * {@code nodev,nosuid}. On any failure everything done so far is undone (nothing stays
 * mounted or attached, the key is wiped) and the exception says which step failed. The
 * returned {@link Provisioned} is the handle for destroy. A Java agent calls this directly;
 * {@code nbdcrypt provision} is a thin command over it.
 */
public final class Provisioner {
    private Provisioner() {}

    /**
     * @throws ProvisionRefusedException for a device or mount point in use, or a device too small
     * @throws IOException               when a later step fails (it is undone first)
     */
    public static Provisioned provision(ProvisionRequest r) throws IOException {
        return provision(r, InputChecks.openDevice(r.device()));
    }

    /**
     * Opens a scratch device the way provisioning does (exclusively, refusing one that is
     * mounted, mapped, held or smaller than 16 MiB), for {@code serve --ephemeral}.
     */
    public static FileBlockDevice openScratchDevice(java.nio.file.Path device) throws IOException {
        return InputChecks.openDevice(device);
    }

    private static Provisioned provision(ProvisionRequest r, FileBlockDevice exclusive) throws IOException {
        try {
            InputChecks.mountPoint(r.mountPoint());
        } catch (IOException | RuntimeException e) {
            exclusive.close();
            throw e;
        }
        // dm-crypt's table claims the device itself, which our O_EXCL would make fail.
        // (withoutClaim closes the exclusive handle; on failure nothing is left open.)
        FileBlockDevice raw = r.backend().claimsRawDevice() ? InputChecks.withoutClaim(r.device(), exclusive) : exclusive;
        EphemeralVolume volume = null;
        Attachment attachment = null;
        try {
            volume = r.authenticated()
                    ? EphemeralVolume.createAuthenticated(r.headerFile(), raw.size(), new SecureRandom())
                    : EphemeralVolume.create(r.headerFile(), new SecureRandom());
            attachment = r.backend().attach(volume.on(r.device(), raw, r.allowDiscards(), r.metadataCacheBytes()), r.attach());
            // The backend holds its own copy now (the cipher, or the kernel's table): ours goes at once.
            volume.close();
            Mkfs.run(r.fsType(), attachment.device(), r.mkfsOptions(), r.allowDiscards());
            Files.createDirectories(r.mountPoint());
            Mounts.mount(attachment.device(), r.mountPoint(), r.fsType(), Mounts.MS_NODEV | Mounts.MS_NOSUID, "");
            return new Provisioned(r.device(), raw, volume, attachment, r.mountPoint(), r.fsType());
        } catch (IOException | RuntimeException e) {
            if (volume != null) {
                volume.close();
            }
            if (attachment != null) {
                // Undo as destroy would: the disk got ciphertext, so discard it too.
                new Provisioned(r.device(), raw, volume, attachment, r.mountPoint(), r.fsType()).destroy()
                        .errors().forEach(err -> e.addSuppressed(new IOException("undo: " + err)));
            } else {
                raw.close();
            }
            throw e;
        }
    }
}
