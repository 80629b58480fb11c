package io.nbdcrypt.luks2.disk;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Writes both header copies (primary at 0, secondary at {@code hdr_size}) with one seqid and
 * fresh checksums, then flushes. The caller has validated the JSON area it passes.
 */
public final class HeaderWriter {
    private HeaderWriter() {}

    /**
     * @param template binary fields (label, uuid, salt, hdr_size, checksum_alg) to write
     * @param seqid    the new sequence id for both copies
     * @param jsonArea exactly {@code hdr_size - 4096} bytes
     */
    public static void writeBoth(BlockDevice dev, BinaryHeader template, long seqid, byte[] jsonArea) throws IOException {
        long hdrSize = template.hdrSize();
        if (jsonArea.length != hdrSize - BinaryHeader.SIZE) {
            throw new IllegalArgumentException("JSON area must be " + (hdrSize - BinaryHeader.SIZE) + " bytes");
        }
        HashAlgorithm alg = HashAlgorithm.byName(template.checksumAlg());
        for (boolean secondary : new boolean[] {false, true}) {
            long offset = secondary ? hdrSize : 0;
            BinaryHeader h = template.with(secondary, offset, seqid, template.salt());
            byte[] bin = h.encode(Checksum.compute(alg, h, jsonArea));
            dev.write(offset, ByteBuffer.wrap(bin));
            dev.write(offset + BinaryHeader.SIZE, ByteBuffer.wrap(jsonArea));
            // Make the first copy durable before touching the second, so one is always whole.
            dev.flush();
        }
    }
}
