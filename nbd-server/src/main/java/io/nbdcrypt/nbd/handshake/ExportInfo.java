package io.nbdcrypt.nbd.handshake;

import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.codec.HandshakeReply.OptionReply;
import io.nbdcrypt.nbd.wire.NbdProtocol;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the NBD_REP_INFO replies that describe an export for NBD_OPT_INFO / NBD_OPT_GO:
 * NBD_INFO_EXPORT always, NBD_INFO_NAME, NBD_INFO_DESCRIPTION and NBD_INFO_BLOCK_SIZE only when
 * asked (a client that did not ask for block sizes keeps the spec's 32 MiB default maximum,
 * which is also ours). Unknown information types are ignored, as the spec asks.
 */
final class ExportInfo {
    private ExportInfo() {}

    static List<OptionReply> replies(int option, Export export, InfoRequest request, int maxPayload) {
        List<OptionReply> out = new ArrayList<>();
        out.add(info(option, ByteBuffer.allocate(12)
                .putShort((short) NbdProtocol.INFO_EXPORT)
                .putLong(export.size())
                .putShort((short) export.transmissionFlags())));
        if (request.asks(NbdProtocol.INFO_NAME)) {
            out.add(info(option, string(NbdProtocol.INFO_NAME, export.name())));
        }
        if (request.asks(NbdProtocol.INFO_DESCRIPTION) && !export.description().isEmpty()) {
            out.add(info(option, string(NbdProtocol.INFO_DESCRIPTION, export.description())));
        }
        if (request.asks(NbdProtocol.INFO_BLOCK_SIZE)) {
            // Minimum 1: unaligned requests work (the device does read-modify-write).
            int preferred = Math.min(export.device().blockSize(), maxPayload);
            out.add(info(option, ByteBuffer.allocate(14)
                    .putShort((short) NbdProtocol.INFO_BLOCK_SIZE)
                    .putInt(1)
                    .putInt(preferred)
                    .putInt(maxPayload)));
        }
        return out;
    }

    private static ByteBuffer string(int type, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + b.length).putShort((short) type).put(b);
    }

    private static OptionReply info(int option, ByteBuffer filled) {
        return new OptionReply(option, NbdProtocol.REP_INFO, filled.array());
    }
}
