package io.nbdcrypt.nbd.transmission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RetainingHeapAllocatorTest {
    private static final int MIB = 1 << 20;

    @Test
    void aReleasedBufferArrayServesTheNextRequestOfItsSize() {
        RetainingHeapAllocator alloc = new RetainingHeapAllocator(UnpooledByteBufAllocator.DEFAULT, 8L * MIB);
        ByteBuf first = alloc.heapBuffer(MIB, MIB);
        byte[] array = first.array();
        first.release();
        ByteBuf second = alloc.heapBuffer(MIB, MIB);
        assertSame(array, second.array());
        second.release();
    }

    @Test
    void aBufferHasExactlyTheCapacityAskedForAndStartsEmpty() {
        RetainingHeapAllocator alloc = new RetainingHeapAllocator(UnpooledByteBufAllocator.DEFAULT, 8L * MIB);
        int len = 3 * 65536 + 512;   // not a power of two: its array is the next one up
        ByteBuf buf = alloc.heapBuffer(len, len);
        assertEquals(len, buf.capacity());
        assertEquals(len, buf.maxCapacity());
        assertEquals(0, buf.readerIndex());
        assertEquals(0, buf.writerIndex());
        assertEquals(len, buf.writableBytes());
        // The NIO view the device reads into covers exactly the buffer, at the array's offset.
        ByteBuffer view = buf.nioBuffer(0, len);
        assertEquals(len, view.remaining());
        view.put(0, (byte) 7).put(len - 1, (byte) 9);
        assertEquals(7, buf.array()[buf.arrayOffset()]);
        assertEquals(9, buf.array()[buf.arrayOffset() + len - 1]);
        buf.release();
    }

    @Test
    void aRetainedBufferIsNotReusedUntilItsLastRelease() {
        RetainingHeapAllocator alloc = new RetainingHeapAllocator(UnpooledByteBufAllocator.DEFAULT, 8L * MIB);
        ByteBuf held = alloc.heapBuffer(MIB, MIB);
        held.retain();
        held.release();
        ByteBuf other = alloc.heapBuffer(MIB, MIB);
        assertNotSame(held.array(), other.array());
        other.release();
        held.release();
        assertEquals(2L * MIB, alloc.retainedBytes());
    }

    @Test
    void keepsNoMoreThanItsCap() {
        RetainingHeapAllocator alloc = new RetainingHeapAllocator(UnpooledByteBufAllocator.DEFAULT, 2L * MIB);
        ByteBuf a = alloc.heapBuffer(MIB, MIB);
        ByteBuf b = alloc.heapBuffer(MIB, MIB);
        ByteBuf c = alloc.heapBuffer(MIB, MIB);
        a.release();
        b.release();
        c.release();
        assertEquals(2L * MIB, alloc.retainedBytes());
    }

    @Test
    void arraysInUseCountAgainstTheCap() {
        // The heap must not hold free arrays on top of a full budget of arrays in use (the
        // authenticated mode's node cache shares the daemon's heap).
        RetainingHeapAllocator alloc = new RetainingHeapAllocator(UnpooledByteBufAllocator.DEFAULT, 2L * MIB);
        ByteBuf a = alloc.heapBuffer(MIB, MIB);
        ByteBuf b = alloc.heapBuffer(MIB, MIB);
        ByteBuf c = alloc.heapBuffer(MIB, MIB);
        c.release();                       // 3 MiB were out: dropped
        assertEquals(0, alloc.retainedBytes());
        b.release();                       // 2 MiB out, itself included: kept
        assertEquals(MIB, alloc.retainedBytes());
        a.release();
        assertEquals(2L * MIB, alloc.retainedBytes());
    }

    @Test
    void trimLetsGoOfArraysUnusedForAWholePeriodOnly() {
        RetainingHeapAllocator alloc = new RetainingHeapAllocator(UnpooledByteBufAllocator.DEFAULT, 8L * MIB);
        ByteBuf a = alloc.heapBuffer(MIB, MIB);
        ByteBuf b = alloc.heapBuffer(MIB, MIB);
        a.release();
        b.release();
        alloc.trim();                      // starts a period: both free, none taken yet in it
        alloc.heapBuffer(MIB, MIB).release();   // one in use during the period, the other never
        // One of the two stayed free for the whole period; it goes, the one just used stays.
        // Both were free at every moment except while one was taken, so one was never needed.
        alloc.trim();
        assertEquals(MIB, alloc.retainedBytes());
        alloc.trim();                      // a whole period with no request: the last one goes
        assertEquals(0, alloc.retainedBytes());
    }

    @Test
    void otherShapesGoToTheWrappedAllocator() {
        RetainingHeapAllocator alloc = new RetainingHeapAllocator(PooledByteBufAllocator.DEFAULT, 8L * MIB);
        ByteBuf small = alloc.heapBuffer(4096, 4096);
        ByteBuf growable = alloc.heapBuffer(MIB, 4 * MIB);
        ByteBuf direct = alloc.directBuffer(MIB, MIB);
        ByteBuf huge = alloc.heapBuffer(8 * MIB, 8 * MIB);
        assertSame(PooledByteBufAllocator.DEFAULT, small.alloc());
        assertSame(PooledByteBufAllocator.DEFAULT, growable.alloc());
        assertSame(PooledByteBufAllocator.DEFAULT, direct.alloc());
        assertTrue(direct.isDirect());
        assertFalse(huge.alloc() == alloc);
        small.release();
        growable.release();
        direct.release();
        huge.release();
        assertEquals(0, alloc.retainedBytes());
    }

    @Test
    void freeArraysGiveWayBeforeTheHeapRunsOut() throws Exception {
        // In a JVM with the daemon's 32 MiB heap: 20 MiB of free arrays kept, then 24 MiB of
        // other live data (what the node cache is in the authenticated mode) must still fit.
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "-Xmx32m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                UnderPressure.class.getName()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("kept " + 20L * MIB + "\n"), out);   // the arrays were kept to begin with
        assertTrue(out.contains("live data fit"), out);
    }

    /** The child JVM of {@link #freeArraysGiveWayBeforeTheHeapRunsOut}. */
    static final class UnderPressure {
        public static void main(String[] args) {
            RetainingHeapAllocator alloc = new RetainingHeapAllocator(UnpooledByteBufAllocator.DEFAULT, 64L * MIB);
            List<ByteBuf> out = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                out.add(alloc.heapBuffer(MIB, MIB));
            }
            out.forEach(ByteBuf::release);
            System.out.println("kept " + alloc.retainedBytes());
            List<byte[]> live = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                live.add(new byte[MIB]);
            }
            System.out.println("live data fit: " + live.size() + " MiB");
            // Arrays the collector took are made anew, and the books stay right.
            ByteBuf again = alloc.heapBuffer(MIB, MIB);
            again.release();
        }
    }
}
