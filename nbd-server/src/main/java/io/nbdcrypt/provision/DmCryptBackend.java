package io.nbdcrypt.provision;

import io.nbdcrypt.kernel.dm.ActiveMapping;
import io.nbdcrypt.kernel.dm.CryptOption;
import io.nbdcrypt.kernel.dm.DmCrypt;
import io.nbdcrypt.kernel.dm.DmCryptException;
import io.nbdcrypt.kernel.dm.DmCryptOptions;
import io.nbdcrypt.kernel.dm.DmUuid;
import io.nbdcrypt.kernel.dm.MappingName;
import io.nbdcrypt.luks.common.VolumeInfo;
import io.nbdcrypt.luks2.segment.Segment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The dm-crypt backend: the volume's segment becomes a crypt table loaded through
 * device-mapper ({@link DmCrypt#activate}), the key lent to the kernel through the keyring
 * and gone from it once the table is live; the kernel carries the data path at
 * {@code /dev/mapper/NAME}. The only backend a stock Kata guest kernel (no NBD client) can
 * use. Block devices only: dm-crypt maps no image files.
 *
 * <p>The mapping is named by {@link AttachOptions#device()} ({@code /dev/mapper/NAME}, or
 * just NAME), else {@code nbdcrypt-<raw device name>}; its DM UUID is cryptsetup's LUKS2 form
 * with the (in-memory) header's UUID, so {@code cryptsetup status} and {@code close} know it.
 * Closing the attachment removes the mapping, or, if something still holds it open, drops
 * its table (and with it the key) at once and removes it at the last close
 * ({@link DmCrypt#destroy}).
 */
public final class DmCryptBackend implements Backend {
    private final DmCrypt dm;

    public DmCryptBackend() {
        this(DmCrypt.system());
    }

    DmCryptBackend(DmCrypt dm) {
        this.dm = dm;
    }

    @Override
    public String name() {
        return "dm-crypt";
    }

    /** dm-crypt claims the raw device for its table: the caller must not hold it with O_EXCL then. */
    @Override
    public boolean claimsRawDevice() {
        return true;
    }

    @Override
    public Attachment attach(UnlockedVolume volume, AttachOptions options) throws IOException {
        MappingName name = options.device().map(p -> new MappingName(p.getFileName().toString()))
                .orElseGet(() -> defaultName(volume.rawPath()));
        Segment s = volume.segment();
        VolumeInfo info = new VolumeInfo(2, volume.header().header().uuid(), "", s.encryption().spec(),
                volume.volumeKey().length() * 8, s.sectorSize(), s.offset(), volume.dataSize(), s.ivTweak(), -1);
        DmUuid uuid;
        try {
            uuid = DmUuid.luks2(info.uuid(), name);
        } catch (IllegalArgumentException e) {
            throw new DmCryptException(DmCryptException.Reason.UNSUPPORTED, e.getMessage(), e);
        }
        DmCryptOptions o = new DmCryptOptions(false,
                volume.allowDiscards() ? Set.of(CryptOption.ALLOW_DISCARDS) : Set.of());
        return new Mapped(dm, dm.activate(volume.rawPath(), info, volume.volumeKey(), uuid, name, o));
    }

    /** {@code nbdcrypt-vdb} for {@code /dev/vdb}: one mapping per scratch disk. */
    static MappingName defaultName(Path raw) {
        String base = raw.getFileName() == null ? "disk" : raw.getFileName().toString().replaceAll("[^A-Za-z0-9_.+@-]", "_");
        String name = "nbdcrypt-" + base;
        return new MappingName(name.length() > MappingName.MAX_LENGTH ? name.substring(0, MappingName.MAX_LENGTH) : name);
    }

    /** A live mapping; closing takes it (and its key) out of the kernel. */
    private static final class Mapped implements Attachment {
        private final DmCrypt dm;
        private final ActiveMapping mapping;
        private boolean closed;

        Mapped(DmCrypt dm, ActiveMapping mapping) {
            this.dm = dm;
            this.mapping = mapping;
        }

        @Override
        public Path device() {
            return mapping.node();
        }

        @Override
        public long size() {
            return mapping.sizeBytes();
        }

        @Override
        public String detail() {
            return "dm-crypt mapping " + mapping.name() + " (" + mapping.table().cipher() + ", "
                    + mapping.table().sectorSize() + "-byte sectors, key only in the kernel's table)";
        }

        @Override
        public synchronized void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            String done = dm.destroy(mapping.name());
            if (!done.startsWith("removed")) {
                System.err.println("nbdcrypt: " + done);
            }
        }
    }
}
