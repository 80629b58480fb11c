package io.nbdcrypt.nbd.testing;

import io.nbdcrypt.block.BlockDevice;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An in-memory {@link BlockDevice} that models a volatile write cache and records every call.
 * Writes, write-zeroes and trims change what reads see ({@code current}); only {@link #flush}
 * makes that durable ({@code durable} = what would survive a power cut). Tests ask whether a
 * range is durable at the moment a reply arrives, and which calls reached the device.
 */
public final class RecordingDevice implements BlockDevice {
    /** One call, in the order the device saw them. */
    public record Call(String kind, long offset, long length) {}

    private final byte[] current;
    private final byte[] durable;
    private final List<Call> calls = new ArrayList<>();

    public RecordingDevice(int size) {
        current = new byte[size];
        durable = new byte[size];
    }

    @Override public long size() { return current.length; }
    @Override public int blockSize() { return 512; }
    @Override public boolean isReadOnly() { return false; }
    @Override public boolean canTrim() { return true; }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) {
        dst.duplicate().put(current, (int) offset, dst.remaining());
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) {
        src.duplicate().get(current, (int) offset, src.remaining());
        calls.add(new Call("write", offset, src.remaining()));
    }

    @Override
    public synchronized void flush() {
        System.arraycopy(current, 0, durable, 0, current.length);
        calls.add(new Call("flush", 0, 0));
    }

    @Override
    public synchronized void trim(long offset, long length) {
        Arrays.fill(current, (int) offset, (int) (offset + length), (byte) 0);
        calls.add(new Call("trim", offset, length));
    }

    @Override
    public synchronized void writeZeroes(long offset, long length, boolean mayTrim) {
        Arrays.fill(current, (int) offset, (int) (offset + length), (byte) 0);
        calls.add(new Call("zeroes", offset, length));
    }

    @Override
    public void close() {}

    /** Whether {@code [offset, +length)} would read the same after a power cut as it does now. */
    public synchronized boolean isDurable(long offset, long length) {
        return Arrays.equals(current, (int) offset, (int) (offset + length), durable, (int) offset,
                (int) (offset + length));
    }

    public synchronized long flushes() {
        return calls.stream().filter(c -> c.kind().equals("flush")).count();
    }

    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }
}
