package io.nbdcrypt.kernel;

import io.nbdcrypt.linux.Sockets;
import io.nbdcrypt.nbd.wire.NbdProtocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The client side of the fixed newstyle handshake, blocking, on a socket descriptor that goes
 * to the kernel afterwards (what {@code nbd-client} does before its netlink call):
 * {@code NBD_OPT_GO} asking for the block size, falling back to {@code NBD_OPT_EXPORT_NAME}
 * when the server does not know GO. Leaves the socket at the start of the transmission phase.
 */
public final class ClientHandshake {
    private static final int MAX_REPLY = 64 * 1024;

    private ClientHandshake() {}

    /** What the server said about the export. {@code blockSize} is its preferred size, or 0 when it did not say. */
    public record Negotiated(long size, int flags, int blockSize) {}

    /** @throws IOException naming the step and the server's error when the handshake fails */
    public static Negotiated negotiate(int fd, String exportName, String peer) throws IOException {
        ByteBuffer hello = read(fd, 18, peer);
        if (hello.getLong() != NbdProtocol.NBD_MAGIC || hello.getLong() != NbdProtocol.IHAVEOPT) {
            throw new IOException(peer + " is not a fixed-newstyle NBD server (bad greeting)");
        }
        int serverFlags = Short.toUnsignedInt(hello.getShort());
        if ((serverFlags & NbdProtocol.FLAG_FIXED_NEWSTYLE) == 0) {
            throw new IOException(peer + " does not speak the fixed newstyle handshake");
        }
        boolean noZeroes = (serverFlags & NbdProtocol.FLAG_NO_ZEROES) != 0;
        write(fd, ByteBuffer.allocate(4).putInt(NbdProtocol.FLAG_C_FIXED_NEWSTYLE
                | (noZeroes ? NbdProtocol.FLAG_C_NO_ZEROES : 0)).flip(), peer);
        byte[] name = exportName.getBytes(StandardCharsets.UTF_8);
        ByteBuffer go = ByteBuffer.allocate(4 + name.length + 2 + 2).putInt(name.length).put(name)
                .putShort((short) 1).putShort((short) NbdProtocol.INFO_BLOCK_SIZE).flip();
        sendOption(fd, NbdProtocol.OPT_GO, go, peer);
        long size = -1;
        int flags = 0;
        int blockSize = 0;
        while (true) {
            ByteBuffer h = read(fd, 20, peer);
            if (h.getLong() != NbdProtocol.OPTION_REPLY_MAGIC) {
                throw new IOException(peer + ": bad option reply magic");
            }
            h.getInt(); // the option it answers
            int type = h.getInt();
            int len = h.getInt();
            if (len < 0 || len > MAX_REPLY) {
                throw new IOException(peer + ": option reply of " + len + " bytes");
            }
            ByteBuffer data = read(fd, len, peer);
            if (type == NbdProtocol.REP_ERR_UNSUP) {
                return exportName(fd, name, noZeroes, peer);
            }
            if (type < 0) {
                String msg = new String(data.array(), StandardCharsets.UTF_8);
                throw new IOException(peer + " refused export '" + exportName + "' (reply 0x" + Integer.toHexString(type)
                        + (msg.isEmpty() ? "" : ": " + msg) + ")");
            }
            if (type == NbdProtocol.REP_INFO && len >= 2) {
                int info = Short.toUnsignedInt(data.getShort());
                if (info == NbdProtocol.INFO_EXPORT && len >= 12) {
                    size = data.getLong();
                    flags = Short.toUnsignedInt(data.getShort());
                } else if (info == NbdProtocol.INFO_BLOCK_SIZE && len >= 14) {
                    data.getInt();
                    blockSize = data.getInt();
                }
            } else if (type == NbdProtocol.REP_ACK) {
                if (size < 0) {
                    throw new IOException(peer + " acknowledged NBD_OPT_GO without NBD_INFO_EXPORT");
                }
                return new Negotiated(size, flags, blockSize);
            }
        }
    }

    private static Negotiated exportName(int fd, byte[] name, boolean noZeroes, String peer) throws IOException {
        sendOption(fd, NbdProtocol.OPT_EXPORT_NAME, ByteBuffer.wrap(name), peer);
        ByteBuffer r = read(fd, 10 + (noZeroes ? 0 : NbdProtocol.EXPORT_NAME_REPLY_PADDING), peer);
        return new Negotiated(r.getLong(), Short.toUnsignedInt(r.getShort()), 0);
    }

    private static void sendOption(int fd, int option, ByteBuffer data, String peer) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + data.remaining()).putLong(NbdProtocol.IHAVEOPT).putInt(option)
                .putInt(data.remaining()).put(data).flip();
        write(fd, b, peer);
    }

    private static ByteBuffer read(int fd, int n, String peer) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        Sockets.readFully(fd, b, peer);
        return b.flip();
    }

    private static void write(int fd, ByteBuffer b, String peer) throws IOException {
        Sockets.writeFully(fd, b, peer);
    }
}
