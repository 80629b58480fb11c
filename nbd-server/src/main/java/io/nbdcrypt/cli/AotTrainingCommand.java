package io.nbdcrypt.cli;

import io.nbdcrypt.kernel.ClientHandshake;
import io.nbdcrypt.linux.Libc;
import io.nbdcrypt.linux.Sockets;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.server.NbdServer;
import io.nbdcrypt.nbd.server.ServerConfig;
import io.nbdcrypt.nbd.wire.NbdProtocol;
import io.nbdcrypt.provision.EphemeralVolume;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * The training run for the JDK's AOT cache, made by the build ({@code -XX:AOTCacheOutput}): the
 * start-up path of the daemon commands once, in this process, with no kernel and no disk but a
 * temporary file: an ephemeral volume, a server with a unix socket (handshake and transmission)
 * and an adopted socket pair (the in-process attach), sequential and random I/O, JSON output.
 * Hidden: it is for the build, not for users.
 */
@Command(name = "aot-training", hidden = true, description = "Exercise the daemon start-up path (for the build's AOT cache).")
public final class AotTrainingCommand implements Callable<Integer> {
    private static final int MIB = 1 << 20;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("nbdcrypt-aot");
        try {
            Path image = dir.resolve("scratch.img");
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(64L * MIB);
            }
            var raw = io.nbdcrypt.provision.Provisioner.openScratchDevice(image);
            Export export;
            try (EphemeralVolume v = EphemeralVolume.create(Optional.empty(), new SecureRandom())) {
                export = new Export("", v.on(image, raw, false).description(), v.header().dataVolume(raw, v.volumeKey()),
                        false, false);
            }
            Path socket = dir.resolve("s.sock");
            try (NbdServer server = NbdServer.start(ExportRegistry.of(export), ServerConfig.unix(socket))) {
                int client = Sockets.connectUnix(socket);
                try {
                    ClientHandshake.negotiate(client, "", socket.toString());
                    exercise(client);
                } finally {
                    Libc.close(client);
                }
                Sockets.Pair pair = Sockets.socketPair();
                server.adoptConnection(pair.second());
                try {
                    exercise(pair.first());
                } finally {
                    Libc.close(pair.first());
                }
            }
            System.out.println(Reports.parse("{\"event\":\"aot-training\",\"ok\":true}"));
            return ExitStatus.OK;
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** 1 MiB writes and reads, 4 KiB random writes, a flush, as a kernel client sends them. */
    private static void exercise(int fd) throws IOException {
        byte[] data = new byte[MIB];
        new SecureRandom().nextBytes(data);
        long cookie = 1;
        for (int i = 0; i < 8; i++) {
            request(fd, NbdProtocol.CMD_WRITE, cookie++, (long) i * MIB, data, MIB);
        }
        for (int i = 0; i < 8; i++) {
            request(fd, NbdProtocol.CMD_READ, cookie++, (long) i * MIB, null, MIB);
        }
        byte[] small = new byte[4096];
        for (int i = 0; i < 512; i++) {
            request(fd, NbdProtocol.CMD_WRITE, cookie++, (long) (i * 7919 % 16000) * 4096, small, 4096);
        }
        request(fd, NbdProtocol.CMD_FLUSH, cookie, 0, null, 0);
    }

    private static void request(int fd, int type, long cookie, long offset, byte[] payload, int length)
            throws IOException {
        ByteBuffer h = ByteBuffer.allocate(28 + (payload == null ? 0 : payload.length));
        h.putInt(NbdProtocol.REQUEST_MAGIC).putShort((short) 0).putShort((short) type).putLong(cookie).putLong(offset)
                .putInt(length);
        if (payload != null) {
            h.put(payload);
        }
        Sockets.writeFully(fd, h.flip(), "training");
        ByteBuffer reply = ByteBuffer.allocate(16);
        Sockets.readFully(fd, reply, "training");
        if (reply.getInt(4) != 0) {
            throw new IOException("training request failed with NBD error " + reply.getInt(4));
        }
        if (type == NbdProtocol.CMD_READ) {
            Sockets.readFully(fd, ByteBuffer.allocate(length), "training");
        }
    }
}
