package io.nbdcrypt.nbd.testing;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A deliberately simple NBD client on a raw unix socket, written from proto.md independently
 * of the server's codec, for sending exactly the bytes a test wants (including bad ones).
 * Magic numbers are spelled out here on purpose rather than taken from the server's constants.
 */
public final class RawClient implements AutoCloseable {
    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int DISC = 2;
    public static final int FLUSH = 3;

    private final SocketChannel ch;

    private RawClient(SocketChannel ch) {
        this.ch = ch;
    }

    public static RawClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return new RawClient(ch);
    }

    /** Connects and negotiates NBD_OPT_GO for the default export with NO_ZEROES. */
    public static RawClient connectAndGo(Path socket) throws IOException {
        return connectAndGo(socket, false);
    }

    /** As {@link #connectAndGo(Path)}, first negotiating NBD_OPT_STRUCTURED_REPLY when asked. */
    public static RawClient connectAndGo(Path socket, boolean structured) throws IOException {
        RawClient c = connect(socket);
        c.readGreeting();
        c.send(ByteBuffer.allocate(4).putInt(3).array());
        if (structured) {
            c.send(ByteBuffer.allocate(16).putLong(0x49484156454f5054L).putInt(8).putInt(0).array());
            ByteBuffer h = ByteBuffer.wrap(c.readN(20));
            h.position(12);
            if (h.getInt() != 1) {
                throw new IOException("NBD_OPT_STRUCTURED_REPLY refused");
            }
            c.readN(h.getInt());
        }
        c.send(ByteBuffer.allocate(22).putLong(0x49484156454f5054L).putInt(7).putInt(6).putInt(0).putShort((short) 0)
                .array());
        while (true) {
            ByteBuffer h = ByteBuffer.wrap(c.readN(20));
            if (h.getLong() != 0x0003e889045565a9L) {
                throw new IOException("bad option reply magic");
            }
            h.getInt();
            int type = h.getInt();
            c.readN(h.getInt());
            if (type == 1) {
                return c;
            }
            if (type < 0) {
                throw new IOException("NBD_OPT_GO refused: 0x" + Integer.toHexString(type));
            }
        }
    }

    public void readGreeting() throws IOException {
        ByteBuffer g = ByteBuffer.wrap(readN(18));
        if (g.getLong() != 0x4e42444d41474943L || g.getLong() != 0x49484156454f5054L) {
            throw new IOException("bad greeting");
        }
    }

    public void send(byte[] b) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    public static byte[] request(int flags, int type, long cookie, long offset, long length) {
        return ByteBuffer.allocate(28).putInt(0x25609513).putShort((short) flags).putShort((short) type)
                .putLong(cookie).putLong(offset).putInt((int) length).array();
    }

    public byte[] readN(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("server closed the connection");
            }
        }
        return b.array();
    }

    /** A simple reply: error and cookie; data is read when {@code dataLength > 0} and no error. */
    public record Reply(int error, long cookie, byte[] data) {}

    public Reply readSimpleReply(int dataLength) throws IOException {
        ByteBuffer h = ByteBuffer.wrap(readN(16));
        if (h.getInt() != 0x67446698) {
            throw new IOException("bad simple reply magic");
        }
        int error = h.getInt();
        long cookie = h.getLong();
        byte[] data = error == 0 && dataLength > 0 ? readN(dataLength) : new byte[0];
        return new Reply(error, cookie, data);
    }

    /** One structured reply chunk: flags, type, cookie and its payload. */
    public record Chunk(int flags, int type, long cookie, byte[] payload) {}

    public Chunk readChunk() throws IOException {
        ByteBuffer h = ByteBuffer.wrap(readN(20));
        if (h.getInt() != 0x668e33ef) {
            throw new IOException("bad structured reply magic");
        }
        int flags = Short.toUnsignedInt(h.getShort());
        int type = Short.toUnsignedInt(h.getShort());
        long cookie = h.getLong();
        return new Chunk(flags, type, cookie, readN(h.getInt()));
    }

    public Reply write(long cookie, long offset, byte[] data) throws IOException {
        send(request(0, WRITE, cookie, offset, data.length));
        send(data);
        return readSimpleReply(0);
    }

    public Reply read(long cookie, long offset, int length) throws IOException {
        send(request(0, READ, cookie, offset, length));
        return readSimpleReply(length);
    }

    /** True when the server closes the connection within 30 s (any bytes before that are skipped). */
    public boolean closedByServer() throws IOException {
        CompletableFuture<Boolean> eof = CompletableFuture.supplyAsync(() -> {
            ByteBuffer b = ByteBuffer.allocate(65536);
            try {
                while (true) {
                    b.clear();
                    if (ch.read(b) < 0) {
                        return true;
                    }
                }
            } catch (IOException e) {
                return true;   // reset by peer counts as closed
            }
        });
        try {
            return eof.get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException | ExecutionException e) {
            throw new IOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
