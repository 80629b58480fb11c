package io.nbdcrypt.nbd.transmission;

import io.nbdcrypt.nbd.codec.NbdReply;
import io.nbdcrypt.nbd.codec.ReplyEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Puts one connection's replies on its socket. Small replies go through the channel (the event
 * loop coalesces their flushes into one syscall); a large read reply is written by the worker
 * that produced it, straight from its buffer, as nbdkit's threads do. The profile of sequential
 * reads showed why: with every 1 MiB reply copied into the socket by the connection's one
 * event-loop thread, that thread was 58% of the server and the ceiling (benchmarks/README.md).
 *
 * <p>Replies may go out in any order (the cookie matches them), but never interleaved. So a
 * worker writes only while nothing is queued in or travelling through the channel, and holds
 * the lock while it writes: {@link #onLoop} counts replies handed to the channel and not yet
 * written, and is raised under the lock before one is handed over. The lock's holder writes
 * every large reply that is ready (flat combining), so the other workers go on decrypting
 * instead of queueing behind a socket that is full. A worker whose reply cannot
 * finish within {@link #STALL_MILLIS} (a client that stopped reading) hands the rest to the
 * channel too, where the connection's flow limits bound it; a slow client never holds a worker
 * for longer than that.
 */
final class ReplyWriter {
    /** Replies with at least this much data are written by their worker. */
    static final int DIRECT_MIN_BYTES = 64 << 10;
    /** How long a worker waits for a full socket to take more before handing over. */
    static final int STALL_MILLIS = 20;

    /** Told on the event loop when a reply has left (or failed to): returns its charge. */
    @FunctionalInterface
    interface Sent {
        void sent(long charge, Throwable failure);
    }

    private final ChannelHandlerContext ctx;
    private final DirectSocket socket;
    private final Sent sent;
    private final NbdMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    /** Replies handed to the channel and not yet written; guarded by {@link #lock}. */
    private int onLoop;
    /** After {@link #close}: nothing more is written directly; guarded by {@link #lock}. */
    private boolean closed;
    /** Large replies waiting for the write lock's holder. */
    private final ConcurrentLinkedQueue<Ready> ready = new ConcurrentLinkedQueue<>();
    /** Event loop only. */
    private boolean flushScheduled;

    private record Ready(NbdReply reply, long charge) {}

    /** @param socket null: every reply goes through the channel */
    ReplyWriter(ChannelHandlerContext ctx, DirectSocket socket, Sent sent, NbdMetrics metrics) {
        this.ctx = ctx;
        this.socket = socket;
        this.sent = sent;
        this.metrics = metrics;
    }

    /** Whether large replies are written by their workers (the channel could give a {@link DirectSocket}). */
    boolean writesFromWorkers() {
        return socket != null;
    }

    /** On the event loop: a reply decided there (a refusal), always through the channel. */
    void writeFromLoop(NbdReply reply, long charge) {
        lock.lock();
        try {
            onLoop++;
        } finally {
            lock.unlock();
        }
        writeToChannel(reply, charge);
    }

    /**
     * On a worker: a large reply is queued for whichever worker holds the write lock (this one,
     * if it is free), a small one goes to the channel. Workers never wait for each other: one
     * that finds the lock taken returns to the pool at once, and the holder writes its reply too.
     */
    void writeFromWorker(NbdReply reply, long charge) {
        if (socket == null || dataBytes(reply) < DIRECT_MIN_BYTES) {
            lock.lock();
            try {
                onLoop++;
            } finally {
                lock.unlock();
            }
            onLoop(() -> writeToChannel(reply, charge), reply::release);
            return;
        }
        ready.add(new Ready(reply, charge));
        drain();
    }

    /**
     * Writes the queued replies while this thread gets the lock. Checks the queue again after
     * each unlock: a reply queued while the holder was finishing is then not left behind.
     */
    private void drain() {
        while (!ready.isEmpty() && lock.tryLock()) {
            try {
                Ready r;
                while ((r = ready.poll()) != null) {
                    if (onLoop == 0 && !closed) {
                        writeDirect(r.reply(), r.charge());
                    } else {
                        onLoop++;
                        Ready handed = r;
                        onLoop(() -> writeToChannel(handed.reply(), handed.charge()), handed.reply()::release);
                    }
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Stops direct writes and closes the direct descriptor; waits for a write in progress. */
    void close() {
        lock.lock();
        try {
            if (!closed && socket != null) {
                socket.close();
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        drain();   // what was queued goes to the channel, which releases it
    }

    /** Under the lock, with the channel idle. */
    private void writeDirect(NbdReply reply, long charge) {
        metrics.workerWrites.increment();
        List<ByteBuf> parts = new ArrayList<>(2);
        ReplyEncoder.encode(ctx.alloc(), reply, parts);
        reply.release();
        ByteBuffer[] views = new ByteBuffer[parts.size()];
        for (int i = 0; i < views.length; i++) {
            ByteBuf p = parts.get(i);
            views[i] = p.nioBuffer(p.readerIndex(), p.readableBytes());
        }
        try {
            while (views[views.length - 1].hasRemaining()) {
                if (socket.writeAvailable(views) == 0 && !socket.awaitWritable(STALL_MILLIS)) {
                    handOverRest(parts, views, charge);
                    return;
                }
            }
            parts.forEach(ByteBuf::release);
            onLoop(() -> sent.sent(charge, null), () -> { });
        } catch (IOException | RuntimeException e) {
            parts.forEach(ByteBuf::release);
            onLoop(() -> sent.sent(charge, e), () -> { });
        }
    }

    /** Under the lock: the unwritten rest of a reply goes through the channel, before anything else. */
    private void handOverRest(List<ByteBuf> parts, ByteBuffer[] views, long charge) {
        metrics.workerHandOvers.increment();
        onLoop++;
        List<ByteBuf> rest = new ArrayList<>(parts.size());
        for (int i = 0; i < views.length; i++) {
            ByteBuf p = parts.get(i);
            p.skipBytes(views[i].position());
            if (p.isReadable()) {
                rest.add(p);
            } else {
                p.release();
            }
        }
        onLoop(() -> {
            for (int i = 0; i < rest.size(); i++) {
                if (i < rest.size() - 1) {
                    ctx.write(rest.get(i), ctx.voidPromise());
                } else {
                    ctx.write(rest.get(i)).addListener(written(charge));
                }
            }
            scheduleFlush();
        }, () -> rest.forEach(ByteBuf::release));
    }

    /** On the event loop. */
    private void writeToChannel(NbdReply reply, long charge) {
        ctx.write(reply).addListener(written(charge));
        scheduleFlush();
    }

    private GenericFutureListener<Future<? super Void>> written(long charge) {
        return f -> {
            lock.lock();
            try {
                onLoop--;
            } finally {
                lock.unlock();
            }
            sent.sent(charge, f.isSuccess() ? null : f.cause());
        };
    }

    /** Coalesces flushes: replies finished in the same event-loop turn share one syscall. */
    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.channel().eventLoop().execute(() -> {
                flushScheduled = false;
                ctx.flush();
            });
        }
    }

    /** Runs {@code task} on the event loop, or {@code orphaned} when the loop is gone (server torn down). */
    private void onLoop(Runnable task, Runnable orphaned) {
        try {
            ctx.channel().eventLoop().execute(task);
        } catch (RejectedExecutionException loopGone) {
            orphaned.run();
        }
    }

    private static int dataBytes(NbdReply reply) {
        ByteBuf data = reply.payload();
        return data == null ? 0 : data.readableBytes();
    }
}
