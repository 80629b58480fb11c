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
}
