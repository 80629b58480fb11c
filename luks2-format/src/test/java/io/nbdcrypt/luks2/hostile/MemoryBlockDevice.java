package io.nbdcrypt.luks2.hostile;

import io.nbdcrypt.block.BlockDevice;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/** A byte array as a {@link BlockDevice}, for header tests that need no file. */
final class MemoryBlockDevice implements BlockDevice {
    final byte[] bytes;

    MemoryBlockDevice(byte[] bytes) {
        this.bytes = bytes;
    }

    MemoryBlockDevice copy() {
        return new MemoryBlockDevice(bytes.clone());
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public int blockSize() {
        return 512;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public boolean canTrim() {
        return false;
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        Objects.checkFromIndexSize(offset, dst.remaining(), bytes.length);
        dst.duplicate().put(bytes, (int) offset, dst.remaining());
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        Objects.checkFromIndexSize(offset, src.remaining(), bytes.length);
        src.duplicate().get(bytes, (int) offset, src.remaining());
    }

    @Override
    public void flush() {}

    @Override
    public void trim(long offset, long length) {
        writeZeroes(offset, length, true);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        Arrays.fill(bytes, (int) offset, (int) (offset + length), (byte) 0);
    }

    @Override
    public void close() {}
}
