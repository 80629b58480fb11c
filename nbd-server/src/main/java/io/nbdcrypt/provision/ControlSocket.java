package io.nbdcrypt.provision;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * How {@code nbdcrypt destroy --mount PATH} reaches the process that provisioned PATH, for any
 * backend: a unix socket {@code /run/nbdcrypt/NAME.sock}, NAME being the mounted device's file
 * name ({@code nbd0}), owner-only. A client sends {@code destroy\n} and reads one line back (the
 * report, as JSON) once the volume is gone.
 */
public final class ControlSocket implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ControlSocket.class.getName());
    public static final Path DIRECTORY = Path.of("/run/nbdcrypt");
    static final String DESTROY = "destroy";
    static final long REPLY_WAIT_MILLIS = 10_000;

    private final Path path;
    private final ServerSocketChannel server;
    private final Thread acceptor;

    private ControlSocket(Path path, ServerSocketChannel server, Function<String, String> onDestroy) {
        this.path = path;
        this.server = server;
        this.acceptor = new Thread(() -> serve(onDestroy), "nbdcrypt-control");
        acceptor.setDaemon(true);
    }

    /** Where the control socket of the volume mounted from {@code device} lives. */
    public static Path pathFor(Path device) {
        return DIRECTORY.resolve(device.getFileName() + ".sock");
    }

    /**
     * Listens for destroy requests; {@code onDestroy} runs on the control thread and returns
     * the reply line.
     */
    public static ControlSocket listen(Path device, Function<String, String> onDestroy) throws IOException {
        Files.createDirectories(DIRECTORY, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path path = pathFor(device);
        Files.deleteIfExists(path); // a stale one: the device is ours now, so its old owner is gone
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        ControlSocket c = new ControlSocket(path, s, onDestroy);
        c.acceptor.start();
        return c;
    }

    /**
     * Asks the process serving {@code device} to destroy its volume; returns its reply.
     *
     * @throws IOException if no process listens there
     */
    public static String requestDestroy(Path device) throws IOException {
        Path path = pathFor(device);
        if (!Files.exists(path)) {
            throw new IOException("no nbdcrypt process serves " + device + " (no control socket " + path + ")");
        }
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            OutputStream out = Channels.newOutputStream(ch);
            out.write((DESTROY + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return readLine(Channels.newInputStream(ch));
        }
    }

    private void serve(Function<String, String> onDestroy) {
        while (server.isOpen()) {
            try (SocketChannel ch = server.accept()) {
                String request = readLine(Channels.newInputStream(ch));
                String reply;
                try {
                    reply = DESTROY.equals(request) ? onDestroy.apply(request)
                            : "{\"error\":\"unknown request; only 'destroy' is understood\"}";
                } catch (RuntimeException e) {
                    // The client still gets a line, and this thread stays to answer the next one.
                    LOG.warning(() -> "control socket " + path + ": destroy failed: " + e);
                    reply = "{\"ok\":false,\"errors\":[" + quoted("destroy failed: " + e) + "]}";
                }
                Channels.newOutputStream(ch).write((reply + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.warning(() -> "control socket " + path + ": " + e.getMessage());
                }
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            if (b.length() > 1 << 16) {
                throw new IOException("control message too long");
            }
            b.append((char) c);
        }
        return b.toString();
    }

    private static String quoted(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replaceAll("[\\x00-\\x1f]", " ") + '"';
    }

    /**
     * Stops listening, and returns once a request being answered has its reply written (up to
     * {@link #REPLY_WAIT_MILLIS}): the provision process exits right after, and a JVM that halts
     * first leaves {@code nbdcrypt destroy} an empty reply (seen under TCG in the guest tests).
     */
    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
        if (Thread.currentThread() != acceptor) {
            try {
                acceptor.join(REPLY_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
