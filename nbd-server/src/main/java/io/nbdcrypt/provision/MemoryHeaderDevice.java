package io.nbdcrypt.provision;

import io.nbdcrypt.block.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A small device in this process's memory that holds an ephemeral volume's LUKS2 header, so
 * nothing on the host-visible disk identifies the volume. Zeroed on {@link #close()} (the
 * header holds no key, but it is the volume's only description).
 */
final class MemoryHeaderDevice implements BlockDevice {
    private final byte[] bytes;

    MemoryHeaderDevice(int size) {
        this.bytes = new byte[size];
    }

    @Override public long size() { return bytes.length; }
    @Override public int blockSize() { return 4096; }
    @Override public boolean isReadOnly() { return false; }
    @Override public boolean canTrim() { return false; }
    @Override public void flush() {}

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        check(offset, dst.remaining());
        dst.duplicate().put(bytes, (int) offset, dst.remaining());
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        check(offset, src.remaining());
        src.duplicate().get(bytes, (int) offset, src.remaining());
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        writeZeroes(offset, length, true);
    }

    @Override
    public synchronized void writeZeroes(long offset, long length, boolean mayTrim) throws IOException {
        check(offset, length);
        Arrays.fill(bytes, (int) offset, (int) (offset + length), (byte) 0);
    }

    @Override
    public synchronized void close() {
        Arrays.fill(bytes, (byte) 0);
    }

    private void check(long offset, long length) throws IOException {
        if (offset < 0 || length < 0 || offset + length > bytes.length) {
            throw new IOException("[" + offset + ", +" + length + ") is outside the " + bytes.length + "-byte header");
        }
    }
}
