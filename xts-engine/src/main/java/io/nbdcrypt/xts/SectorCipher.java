package io.nbdcrypt.xts;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Encrypts and decrypts runs of whole sectors in place, each sector one XTS data unit with
 * the IV its {@link IvRule} gives (or, built by {@link #cbcEssiv}, one AES-CBC-ESSIV sector).
 *
 * <p>Thread-safe, lock-free, and allocation-free for requests below the parallel threshold.
 * The buffer's bytes between position and limit are processed (heap buffers in place, direct
 * buffers through a per-worker bounce buffer); that length must be a multiple of
 * {@link #sectorSize()} and {@code firstSector} must be non-negative
 * ({@link IllegalArgumentException} otherwise). Position and limit are left unchanged. A
 * read-only buffer fails with {@link java.nio.ReadOnlyBufferException}.
 *
 * <p>Bulk path (see {@link #DEFAULT_PARALLEL_THRESHOLD}): a request of at least
 * {@link #parallelThreshold()} bytes (and at least 128 KiB) is split into sector-aligned parts
 * of at least 64 KiB; the calling thread does one part and the pool's workers the others.
 * Only while it is the only request in progress on this cipher, though: concurrent requests
 * (an NBD server with a queue depth above one) already keep the cores busy, and splitting them
 * too only adds hand-offs and blocks the caller on the join.
 */
public final class SectorCipher implements AutoCloseable {
    /**
     * Default size from which a request is split across threads: 1 MiB. Measured with JMH
     * ({@code SectorCipherBulkBenchmark}, XTS-AES-256, 4 KiB sectors, 2 cores, one caller):
     * with the second core idle, serial vs split = 3.8 vs 3.6 GB/s at 256 KiB, 4.2 vs 4.4 at
     * 512 KiB, 4.5 vs 6.4 at 1 MiB and 4.0 vs 8.0 at 4 MiB; with both cores busy with other
     * work, splitting cost 5-8% at 1-4 MiB (and up to 25% below). So only requests of 1 MiB and
     * more are split; {@link #withParallelism} changes that (Integer.MAX_VALUE: never).
     */
    public static final int DEFAULT_PARALLEL_THRESHOLD = 1 << 20;
    /** Smallest part a split request is cut into. */
    private static final int MIN_PART = 64 * 1024;
    private static final byte[] ZERO_SECTOR = new byte[4096];

    /** Exactly one of {@code xts} and {@code cbc} is set. */
    private final XtsCipher xts;
    private final CbcEssivCipher cbc;
    private final int sectorSize;
    private final IvRule ivRule;
    private final ForkJoinPool pool;
    private final int parallelThreshold;
    /**
     * Requests large enough to split that are in progress on this cipher (shared by the copies
     * {@link #withParallelism} makes). Small requests do not count themselves: with every
     * request going in and out of one shared counter, two request threads pulled its cache
     * line across cores on every call.
     */
    private final AtomicInteger active;

    /** @param sectorSize 512, 1024, 2048 or 4096 */
    public SectorCipher(XtsCipher xts, int sectorSize, IvRule ivRule) {
        this(Objects.requireNonNull(xts, "xts"), null, sectorSize, ivRule, ForkJoinPool.commonPool(), DEFAULT_PARALLEL_THRESHOLD, new AtomicInteger());
    }

    /**
     * dm-crypt {@code aes-cbc-essiv:sha256} sectors (LUKS1 legacy volumes): {@code ivRule}
     * gives the sector number that ESSIV encrypts into the IV (mode {@code plain64} in dm-crypt).
     */
    public static SectorCipher cbcEssiv(CbcEssivCipher cbc, int sectorSize, IvRule ivRule) {
        return new SectorCipher(null, Objects.requireNonNull(cbc, "cbc"), sectorSize, ivRule, ForkJoinPool.commonPool(),
                DEFAULT_PARALLEL_THRESHOLD, new AtomicInteger());
    }

    private SectorCipher(XtsCipher xts, CbcEssivCipher cbc, int sectorSize, IvRule ivRule, ForkJoinPool pool,
            int parallelThreshold, AtomicInteger active) {
        if (sectorSize < 512 || sectorSize > 4096 || Integer.bitCount(sectorSize) != 1) {
            throw new IllegalArgumentException("sector size must be 512, 1024, 2048 or 4096, got " + sectorSize);
        }
        this.xts = xts;
        this.cbc = cbc;
        this.ivRule = Objects.requireNonNull(ivRule, "ivRule");
        this.pool = Objects.requireNonNull(pool, "pool");
        if (parallelThreshold < sectorSize) {
            throw new IllegalArgumentException("parallel threshold " + parallelThreshold + " is below the sector size");
        }
        this.sectorSize = sectorSize;
        this.parallelThreshold = parallelThreshold;
        this.active = active;
    }

    /**
     * The same cipher, splitting requests of at least {@code thresholdBytes} across
     * {@code pool}; {@code Integer.MAX_VALUE} turns splitting off.
     */
    public SectorCipher withParallelism(ForkJoinPool pool, int thresholdBytes) {
        return new SectorCipher(xts, cbc, sectorSize, ivRule, pool, thresholdBytes, active);
    }

    /** Wipes the key of the underlying cipher; the cipher must not be used afterwards. */
    @Override
    public void close() {
        if (xts != null) {
            xts.close();
        } else {
            cbc.close();
        }
    }

    public int sectorSize() {
        return sectorSize;
    }

    public int parallelThreshold() {
        return parallelThreshold;
    }

    /** Encrypts the sectors in {@code buf}; the first has index {@code firstSector}. */
    public void encrypt(ByteBuffer buf, long firstSector) {
        crypt(buf, firstSector, Mode.ENCRYPT);
    }

    /** Decrypts the sectors in {@code buf}; the first has index {@code firstSector}. */
    public void decrypt(ByteBuffer buf, long firstSector) {
        crypt(buf, firstSector, Mode.DECRYPT);
    }

    /**
     * Decrypts like {@link #decrypt}, except that a sector whose ciphertext is all zero bytes
     * is left as zeroes. Such a sector was never written or was trimmed (a hole in the
     * backing reads as zeroes); a real ciphertext is all zero with probability 2^-4096 per
     * 512-byte sector, so nothing written through us is mistaken for a hole.
     */
    public void decryptKeepingHoles(ByteBuffer buf, long firstSector) {
        crypt(buf, firstSector, Mode.DECRYPT_KEEP_HOLES);
    }

    @Override
    public String toString() {
        return "SectorCipher[" + (xts != null ? xts : cbc) + ", " + sectorSize + "-byte sectors, " + ivRule + "]";
    }

    /** What to do with each sector. */
    private enum Mode {
        ENCRYPT, DECRYPT, DECRYPT_KEEP_HOLES
    }

    private void crypt(ByteBuffer buf, long firstSector, Mode mode) {
        int len = buf.remaining();
        if (len % sectorSize != 0) {
            throw new IllegalArgumentException("length " + len + " is not a multiple of the sector size " + sectorSize);
        }
        if (firstSector < 0) {
            throw new IllegalArgumentException("first sector must be non-negative, got " + firstSector);
        }
        if (buf.isReadOnly()) {
            throw new java.nio.ReadOnlyBufferException();
        }
        if (len < parallelThreshold || len < 2 * MIN_PART) {
            cryptRange(buf, buf.position(), len, firstSector, mode);
            return;
        }
        int inProgress = active.incrementAndGet();
        try {
            if (inProgress == 1) {
                cryptParallel(buf, firstSector, mode);
            } else {
                cryptRange(buf, buf.position(), len, firstSector, mode);
            }
        } finally {
            active.decrementAndGet();
        }
    }

    /**
     * Splits into sector-aligned parts; the caller does the first, the pool the rest. Each
     * part runs once, by whoever claims it first: after its own part the caller claims (and
     * runs) every part no worker has started, and waits only for parts a worker is running.
     * So a busy or worker-less pool (common pool parallelism 0) delays nothing and cannot hang.
     */
    private void cryptParallel(ByteBuffer buf, long firstSector, Mode mode) {
        int len = buf.remaining();
        int parts = Math.min(pool.getParallelism() + 1, len / MIN_PART);
        int per = (len / parts + sectorSize - 1) / sectorSize * sectorSize;
        int base = buf.position();
        List<Part> forked = new ArrayList<>(parts - 1);
        for (int at = per; at < len; at += per) {
            int partOff = at;
            int partLen = Math.min(per, len - at);
            Part part = new Part(() -> cryptRange(buf, base + partOff, partLen, firstSector + partOff / sectorSize, mode));
            part.task = pool.submit(part::runIfUnclaimed);
            forked.add(part);
        }
        cryptRange(buf, base, Math.min(per, len), firstSector, mode);
        for (Part part : forked) {
            if (!part.runIfUnclaimed()) {
                part.task.join();
            }
        }
    }

    /** One part of a split request, run exactly once by the first thread to claim it. */
    private static final class Part {
        private final Runnable work;
        private final AtomicBoolean claimed = new AtomicBoolean();
        ForkJoinTask<?> task;

        Part(Runnable work) {
            this.work = work;
        }

        /** Runs the part if nobody has; returns whether this call ran it. */
        boolean runIfUnclaimed() {
            if (!claimed.compareAndSet(false, true)) {
                return false;
            }
            work.run();
            return true;
        }
    }

    /** Serial path over {@code len} bytes at absolute index {@code at} of {@code buf}. */
    private void cryptRange(ByteBuffer buf, int at, int len, long firstSector, Mode mode) {
        if (cbc != null) {
            cbc.crypt(buf, at, len, sectorSize, ivRule, firstSector, mode == Mode.ENCRYPT, mode == Mode.DECRYPT_KEEP_HOLES);
            return;
        }
        XtsWorker w = xts.borrow();
        try {
            if (buf.hasArray()) {
                cryptArray(w, buf.array(), buf.arrayOffset() + at, len, firstSector, mode);
            } else {
                byte[] bounce = w.bounce;
                for (int done = 0; done < len; ) {
                    int n = Math.min(bounce.length, len - done);
                    buf.get(at + done, bounce, 0, n);
                    cryptArray(w, bounce, 0, n, firstSector + done / sectorSize, mode);
                    buf.put(at + done, bounce, 0, n);
                    done += n;
                }
            }
        } finally {
            xts.release(w);
        }
    }

    private void cryptArray(XtsWorker w, byte[] a, int off, int len, long firstSector, Mode mode) {
        int sectors = len / sectorSize;
        boolean encrypt = mode == Mode.ENCRYPT;
        IvMode ivMode = ivRule.mode();
        for (int s = 0; s < sectors; ) {
            int batch = Math.min(XtsWorker.MAX_UNITS, sectors - s);
            for (int u = 0; u < batch; u++) {
                w.setIv(u, ivMode.low64(ivRule.ivSector(firstSector + s + u, sectorSize)));
            }
            w.encryptTweaks(batch);
            int p = off + s * sectorSize;
            if (mode == Mode.DECRYPT_KEEP_HOLES) {
                decryptSkippingHoles(w, a, p, 0, batch);
            } else {
                w.xex(a, p, sectorSize, 0, batch, encrypt); // in PIECE-sized rounds
            }
            s += batch;
        }
    }

    /** Decrypts {@code k} sectors at {@code p}, leaving all-zero ones alone; runs of real sectors go in one call. */
    private void decryptSkippingHoles(XtsWorker w, byte[] a, int p, int firstUnit, int k) {
        int runStart = -1;
        for (int i = 0; i <= k; i++) {
            boolean real = i < k && !isZero(a, p + i * sectorSize);
            if (real && runStart < 0) {
                runStart = i;
            } else if (!real && runStart >= 0) {
                w.xex(a, p + runStart * sectorSize, sectorSize, firstUnit + runStart, i - runStart, false);
                runStart = -1;
            }
        }
    }

    private boolean isZero(byte[] a, int p) {
        return Arrays.mismatch(a, p, p + sectorSize, ZERO_SECTOR, 0, sectorSize) < 0;
    }
}
