package io.nbdcrypt.luks;

import io.nbdcrypt.block.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A data device that also keeps a detached header file open, so the lock taken on the header
 * lasts as long as the volume is served (a keyslot change on the header file would otherwise
 * slip in while the header's volume key is in use). Every call goes to the data device;
 * closing closes both.
 */
final class WithHeldHeader implements BlockDevice {
    private final BlockDevice data;
    private final BlockDevice header;

    WithHeldHeader(BlockDevice data, BlockDevice header) {
        this.data = data;
        this.header = header;
    }

    @Override
    public long size() {
        return data.size();
    }

    @Override
    public int blockSize() {
        return data.blockSize();
    }

    @Override
    public boolean isReadOnly() {
        return data.isReadOnly();
    }

    @Override
    public boolean canTrim() {
        return data.canTrim();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        data.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        data.write(offset, src);
    }

    @Override
    public void writeConsuming(long offset, ByteBuffer src) throws IOException {
        data.writeConsuming(offset, src);
    }

    @Override
    public boolean prefersHeapWrites() {
        return data.prefersHeapWrites();
    }

    @Override
    public long heapBytesKept() {
        return data.heapBytesKept();
    }

    @Override
    public void flush() throws IOException {
        data.flush();
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        data.trim(offset, length);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim) throws IOException {
        data.writeZeroes(offset, length, mayTrim);
    }

    @Override
    public void close() throws IOException {
        try {
            data.close();
        } finally {
            header.close();
        }
    }

    @Override
    public String toString() {
        return data + " (header " + header + " held open)";
    }
}
