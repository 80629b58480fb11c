package io.nbdcrypt.nbd.testing;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.EncryptedVolume;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.block.auth.AuthenticatedLayout;
import io.nbdcrypt.block.auth.AuthenticatedVolume;
import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.server.NbdServer;
import io.nbdcrypt.nbd.server.ServerConfig;
import io.nbdcrypt.testsupport.TestFiles;
import io.nbdcrypt.xts.IvMode;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.XtsCipher;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A sparse image file served in-process on a unix socket in a temp directory: either plain
 * (the file itself), encrypted (an {@link EncryptedVolume} over it with a random
 * aes-xts-plain64 key, 4096-byte sectors, data at offset 0), or authenticated (an
 * {@link AuthenticatedVolume} with a random volume key, 4096-byte sectors, its tree after the
 * data). Tests talk to it with real clients.
 */
public final class ServedImage implements AutoCloseable {
    public final Path image;
    public final Path socket;
    public final NbdServer server;
    /** What is served (the authenticated volume, for its metrics and layout). */
    public final BlockDevice device;
    private final byte[] key;

    private ServedImage(Path image, Path socket, NbdServer server, BlockDevice device, byte[] key) {
        this.image = image;
        this.socket = socket;
        this.server = server;
        this.device = device;
        this.key = key;
    }

    public enum Kind { PLAIN, ENCRYPTED, AUTHENTICATED }

    public static ServedImage start(Path dir, Kind kind, long size) throws IOException {
        return start(dir, kind, size, false, false, c -> c);
    }

    public static ServedImage start(Path dir, Kind kind, long size, boolean readOnly, boolean allowDiscards,
            UnaryOperator<ServerConfig> tune) throws IOException {
        return start(dir, kind, size, readOnly, allowDiscards, tune, AuthenticatedVolume.defaultCacheBytes());
    }

    /** @param cacheBytes the authenticated volume's tree-node cache (unused for the other kinds) */
    public static ServedImage start(Path dir, Kind kind, long size, boolean readOnly, boolean allowDiscards,
            UnaryOperator<ServerConfig> tune, long cacheBytes) throws IOException {
        Path image = dir.resolve("disk.img");
        // Every kind exports exactly size bytes: the authenticated one's tree goes after them.
        AuthenticatedLayout layout = new AuthenticatedLayout(4096, 0, size / 4096, size);
        TestFiles.sparse(image, kind == Kind.AUTHENTICATED ? size + AuthenticatedLayout.metadataBytes(size / 4096) : size);
        BlockDevice device = FileBlockDevice.open(image, false);
        byte[] key = null;
        XtsCipher xts = null;
        if (kind == Kind.ENCRYPTED) {
            SecretBytes secret = SecretBytes.random(64, new SecureRandom());
            key = secret.copyBytes(KeyAccess.get());
            xts = XtsCipher.create(secret);
            device = new EncryptedVolume(device, 0, size, new SectorCipher(xts, 4096, IvRule.dmCrypt(IvMode.PLAIN64, 0)));
        } else if (kind == Kind.AUTHENTICATED) {
            try (SecretBytes volumeKey = SecretBytes.random(64, new SecureRandom())) {
                device = AuthenticatedVolume.create(device, layout, volumeKey, cacheBytes,
                        new SecureRandom());
            }
        }
        Export export = new Export("disk", "test image", device, readOnly, allowDiscards);
        ExportRegistry registry = new ExportRegistry(List.of(export), xts == null ? List.of() : List.of(xts));
        Path socket = dir.resolve("nbd.sock");
        NbdServer server = NbdServer.start(registry, tune.apply(ServerConfig.unix(socket)));
        return new ServedImage(image, socket, server, device, key);
    }

    public String uri() {
        return server.uri();
    }

    /** The raw XTS key (test only: the independent Python check needs it). */
    public byte[] key() {
        return key.clone();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
