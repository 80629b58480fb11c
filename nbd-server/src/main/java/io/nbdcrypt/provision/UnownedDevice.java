package io.nbdcrypt.provision;

import io.nbdcrypt.block.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A view of a device that someone else owns: every call goes through, but {@link #close()}
 * only flushes. A backend's data path (which closes its backing device when it stops) sits on
 * this, so the provisioner keeps its exclusive open of the raw device for the discard after
 * the detach.
 */
final class UnownedDevice implements BlockDevice {
    private final BlockDevice owned;

    UnownedDevice(BlockDevice owned) {
        this.owned = owned;
    }

    @Override public long size() { return owned.size(); }
    @Override public int blockSize() { return owned.blockSize(); }
    @Override public boolean isReadOnly() { return owned.isReadOnly(); }
    @Override public boolean canTrim() { return owned.canTrim(); }
    @Override public void read(long offset, ByteBuffer dst) throws IOException { owned.read(offset, dst); }
    @Override public void write(long offset, ByteBuffer src) throws IOException { owned.write(offset, src); }
    @Override public void writeConsuming(long offset, ByteBuffer src) throws IOException { owned.writeConsuming(offset, src); }
    @Override public boolean prefersHeapWrites() { return owned.prefersHeapWrites(); }
    @Override public long heapBytesKept() { return owned.heapBytesKept(); }
    @Override public void flush() throws IOException { owned.flush(); }
    @Override public void trim(long offset, long length) throws IOException { owned.trim(offset, length); }

    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim) throws IOException {
        owned.writeZeroes(offset, length, mayTrim);
    }

    @Override
    public void close() throws IOException {
        if (!owned.isReadOnly()) {
            owned.flush();
        }
    }
}
