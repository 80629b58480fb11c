package io.nbdcrypt.provision;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.EncryptedVolume;
import io.nbdcrypt.kernel.InProcessAttach;
import io.nbdcrypt.kernel.NbdDevices;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.server.NbdServer;
import io.nbdcrypt.nbd.server.ServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * The NBD backend: the data path runs in this process (XTS in an {@link EncryptedVolume}, or
 * the authenticated mode's {@code AuthenticatedVolume}, which only this backend has), served by
 * an {@link NbdServer} that listens nowhere, on socket pairs whose other ends go to the
 * kernel's NBD client ({@link InProcessAttach}). Needs a kernel with the NBD client; where it
 * has none, attach fails naming the dm-crypt backend.
 */
public final class NbdBackend implements Backend {
    @Override
    public String name() {
        return "nbd";
    }

    @Override
    public Attachment attach(UnlockedVolume volume, AttachOptions options) throws IOException {
        OptionalInt index = options.device().isPresent()
                ? OptionalInt.of(NbdDevices.index(options.device().get())) : OptionalInt.empty();
        BlockDevice data = volume.authenticated()
                ? volume.header().authenticatedVolume(new UnownedDevice(volume.raw()), volume.volumeKey(),
                        volume.metadataCacheBytes(), new java.security.SecureRandom())
                : volume.header().dataVolume(new UnownedDevice(volume.raw()), volume.volumeKey());
        Export export = new Export("", volume.description(), data, false, volume.allowDiscards());
        ExportRegistry registry = ExportRegistry.of(export);
        NbdServer server;
        try {
            server = NbdServer.start(registry, ServerConfig.inProcess().withMaxConnections(options.connections()));
        } catch (IOException | RuntimeException e) {
            registry.close();
            throw e;
        }
        try {
            InProcessAttach attached = InProcessAttach.attach(server, export, new InProcessAttach.Options(index,
                    options.connections(), options.requestTimeout(), options.deadConnection(), options.netlink()));
            return new Attached(attached, server);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The kernel device and the server behind it; closing detaches, then stops the server (wiping its key). */
    private static final class Attached implements Attachment {
        private final InProcessAttach attach;
        private final NbdServer server;
        private boolean closed;

        Attached(InProcessAttach attach, NbdServer server) {
            this.attach = attach;
            this.server = server;
        }

        @Override
        public Path device() {
            return attach.device();
        }

        @Override
        public long size() {
            return attach.size();
        }

        @Override
        public String detail() {
            return "nbd via " + attach.method() + ", " + attach.connections() + " connection"
                    + (attach.connections() == 1 ? "" : "s");
        }

        @Override
        public synchronized void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                attach.close();
            } finally {
                server.close();
            }
        }
    }
}
