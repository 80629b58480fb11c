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
 * Encrypts and decrypts runs of whole sectors in place: the request-level half of sector
 * encryption, around a per-sector {@link SectorTransform} (XTS, CBC-ESSIV, or an authenticated
 * one). This class owns the IV rule (each sector's IV comes from its {@link IvRule}), holes
 * ({@link #decryptKeepingHoles}), the bounce copy of direct buffers and the split of large
 * requests across threads; the transform only sees batches of whole sectors and their IVs.
 *
 * <p>Thread-safe, lock-free, and allocation-free for requests below the parallel threshold.
 * The buffer's bytes between position and limit are processed (heap buffers in place, direct
 * buffers through a per-lane bounce array); that length must be a multiple of
 * {@link #sectorSize()} and {@code firstSector} must be non-negative
 * ({@link IllegalArgumentException} otherwise). Position and limit are left unchanged. A
 * read-only buffer fails with {@link java.nio.ReadOnlyBufferException}. Side data (for a
 * transform whose {@link SectorTransform#sideDataBytes()} is not 0) is one record per sector,
 * consecutive in the caller's array.
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

    private final SectorTransform transform;
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

    /**
     * @param transform  the per-sector cipher; {@link #close()} closes it
     * @param sectorSize 512, 1024, 2048 or 4096
     */
    public SectorCipher(SectorTransform transform, int sectorSize, IvRule ivRule) {
        this(transform, sectorSize, ivRule, ForkJoinPool.commonPool(), DEFAULT_PARALLEL_THRESHOLD, new AtomicInteger());
    }

    /**
     * dm-crypt {@code aes-cbc-essiv:sha256} sectors (LUKS1 legacy volumes, decryption only):
     * {@code ivRule} gives the sector number that ESSIV encrypts into the IV (mode {@code plain64}
     * in dm-crypt). The same as the constructor; the name says the legacy mode at the call site.
     */
    public static SectorCipher cbcEssiv(CbcEssivCipher cbc, int sectorSize, IvRule ivRule) {
        return new SectorCipher(cbc, sectorSize, ivRule);
    }

    private SectorCipher(SectorTransform transform, int sectorSize, IvRule ivRule, ForkJoinPool pool,
            int parallelThreshold, AtomicInteger active) {
        if (sectorSize < 512 || sectorSize > 4096 || Integer.bitCount(sectorSize) != 1) {
            throw new IllegalArgumentException("sector size must be 512, 1024, 2048 or 4096, got " + sectorSize);
        }
        this.transform = Objects.requireNonNull(transform, "transform");
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
        return new SectorCipher(transform, sectorSize, ivRule, pool, thresholdBytes, active);
    }

    /** Wipes the key of the underlying transform; the cipher must not be used afterwards. */
    @Override
    public void close() {
        transform.close();
    }

    public int sectorSize() {
        return sectorSize;
    }

    public int parallelThreshold() {
        return parallelThreshold;
    }

    /** Bytes of side data per sector that the transform writes on encryption and needs back (0: none). */
    public int sideDataBytes() {
        return transform.sideDataBytes();
    }

    /**
     * Encrypts the sectors in {@code buf}; the first has index {@code firstSector}.
     *
     * @throws IllegalStateException if the transform takes side data (use the four-argument
     *         form) or cannot encrypt (CBC-ESSIV)
     */
    public void encrypt(ByteBuffer buf, long firstSector) {
        crypt(buf, firstSector, Mode.ENCRYPT, null, 0);
    }

    /**
     * Decrypts the sectors in {@code buf}; the first has index {@code firstSector}.
     *
     * @throws IllegalStateException if the transform takes side data (use the four-argument form)
     */
    public void decrypt(ByteBuffer buf, long firstSector) {
        crypt(buf, firstSector, Mode.DECRYPT, null, 0);
    }

    /**
     * Encrypts with side data: the transform writes each sector's record (e.g. nonce and tag)
     * into {@code side} from {@code sideOff} on, {@link #sideDataBytes()} bytes per sector.
     */
    public void encrypt(ByteBuffer buf, long firstSector, byte[] side, int sideOff) {
        crypt(buf, firstSector, Mode.ENCRYPT, Objects.requireNonNull(side, "side"), sideOff);
    }

    /**
     * Decrypts and verifies with the side data {@link #encrypt(ByteBuffer, long, byte[], int)}
     * wrote for these sectors.
     *
     * @throws SectorAuthenticationException naming the first sector that failed; the buffer's
     *         contents are then unspecified, but hold no plaintext of a sector that failed
     */
    public void decrypt(ByteBuffer buf, long firstSector, byte[] side, int sideOff) {
        crypt(buf, firstSector, Mode.DECRYPT, Objects.requireNonNull(side, "side"), sideOff);
    }

    /**
     * Decrypts like {@link #decrypt(ByteBuffer, long)}, except that a sector whose ciphertext is
     * all zero bytes is left as zeroes. Such a sector was never written or was trimmed (a hole in
     * the backing reads as zeroes); a real ciphertext is all zero with probability 2^-4096 per
     * 512-byte sector, so nothing written through us is mistaken for a hole. Only for
     * transforms without side data: an authenticated volume knows which sectors were written.
     */
    public void decryptKeepingHoles(ByteBuffer buf, long firstSector) {
        crypt(buf, firstSector, Mode.DECRYPT_KEEP_HOLES, null, 0);
    }

    @Override
    public String toString() {
        return "SectorCipher[" + transform + ", " + sectorSize + "-byte sectors, " + ivRule + "]";
    }

    /** What to do with each sector. */
    private enum Mode {
        ENCRYPT(SectorTransform.Direction.ENCRYPT),
        DECRYPT(SectorTransform.Direction.DECRYPT),
        DECRYPT_KEEP_HOLES(SectorTransform.Direction.DECRYPT);

        final SectorTransform.Direction direction;

        Mode(SectorTransform.Direction direction) {
            this.direction = direction;
        }
    }

    private void crypt(ByteBuffer buf, long firstSector, Mode mode, byte[] side, int sideOff) {
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
        checkSideData(mode, side, sideOff, len / sectorSize);
        long failed;
        if (len < parallelThreshold || len < 2 * MIN_PART) {
            failed = cryptRange(buf, buf.position(), len, firstSector, mode, side, sideOff);
        } else {
            int inProgress = active.incrementAndGet();
            try {
                failed = inProgress == 1
                        ? cryptParallel(buf, firstSector, mode, side, sideOff)
                        : cryptRange(buf, buf.position(), len, firstSector, mode, side, sideOff);
            } finally {
                active.decrementAndGet();
            }
        }
        if (failed >= 0) {
            throw new SectorAuthenticationException(failed);
        }
    }

    private void checkSideData(Mode mode, byte[] side, int sideOff, int sectors) {
        int per = transform.sideDataBytes();
        if (mode == Mode.ENCRYPT && !transform.canEncrypt()) {
            throw new IllegalStateException(transform + " decrypts only");
        }
        if (per == 0) {
            if (side != null) {
                throw new IllegalArgumentException(transform + " takes no side data");
            }
            return;
        }
        if (side == null) {
            throw new IllegalStateException(transform + " needs " + per + " bytes of side data per sector");
        }
        if (mode == Mode.DECRYPT_KEEP_HOLES) {
            throw new IllegalStateException(transform + " authenticates every sector: there are no holes to keep");
        }
        Objects.checkFromIndexSize(sideOff, (long) sectors * per, side.length);
    }

    /**
     * Splits into sector-aligned parts; the caller does the first, the pool the rest. Each
     * part runs once, by whoever claims it first: after its own part the caller claims (and
     * runs) every part no worker has started, and waits only for parts a worker is running.
     * So a busy or worker-less pool (common pool parallelism 0) delays nothing and cannot hang.
     * The caller returns (or throws) only once every part is done, so no worker is still writing
     * into the buffer. Returns the first sector that failed verification, or -1.
     */
    private long cryptParallel(ByteBuffer buf, long firstSector, Mode mode, byte[] side, int sideOff) {
        int len = buf.remaining();
        int parts = Math.min(pool.getParallelism() + 1, len / MIN_PART);
        int per = (len / parts + sectorSize - 1) / sectorSize * sectorSize;
        int base = buf.position();
        int sidePer = transform.sideDataBytes();
        List<Part> forked = new ArrayList<>(parts - 1);
        for (int at = per; at < len; at += per) {
            int partLen = Math.min(per, len - at);
            long partFirst = firstSector + at / sectorSize;
            int partAt = base + at;
            int partSide = sideOff + at / sectorSize * sidePer;
            Part part = new Part(() -> cryptRange(buf, partAt, partLen, partFirst, mode, side, partSide));
            part.task = pool.submit(part::runIfUnclaimed);
            forked.add(part);
        }
        long failed = -1;
        RuntimeException error = null;
        try {
            failed = cryptRange(buf, base, Math.min(per, len), firstSector, mode, side, sideOff);
        } catch (RuntimeException e) {
            error = e;
        }
        for (Part part : forked) {
            try {
                if (!part.runIfUnclaimed()) {
                    part.task.join();
                }
            } catch (RuntimeException e) {
                error = error != null ? error : e;
            }
            failed = failed >= 0 ? failed : part.failed;
        }
        if (error != null) {
            throw error;
        }
        return failed;
    }

    /** One part of a split request, run exactly once by the first thread to claim it. */
    private static final class Part {
        private final java.util.function.LongSupplier work;
        private final AtomicBoolean claimed = new AtomicBoolean();
        ForkJoinTask<?> task;
        /** The part's result: the first sector that failed verification, or -1 (read after the join). */
        volatile long failed = -1;

        Part(java.util.function.LongSupplier work) {
            this.work = work;
        }

        /** Runs the part if nobody has; returns whether this call ran it. */
        boolean runIfUnclaimed() {
            if (!claimed.compareAndSet(false, true)) {
                return false;
            }
            failed = work.getAsLong();
            return true;
        }
    }

    /**
     * Serial path over {@code len} bytes at absolute index {@code at} of {@code buf}; returns the
     * first sector that failed verification, or -1.
     */
    private long cryptRange(ByteBuffer buf, int at, int len, long firstSector, Mode mode, byte[] side, int sideOff) {
        SectorTransform.Lane lane = transform.borrow();
        try {
            if (buf.hasArray()) {
                return cryptArray(lane, buf.array(), buf.arrayOffset() + at, len, firstSector, mode, side, sideOff);
            }
            byte[] bounce = lane.bounce();
            int sidePer = transform.sideDataBytes();
            for (int done = 0; done < len; ) {
                int n = Math.min(bounce.length, len - done);
                buf.get(at + done, bounce, 0, n);
                int sectorsDone = done / sectorSize;
                long failed = cryptArray(lane, bounce, 0, n, firstSector + sectorsDone, mode, side, sideOff + sectorsDone * sidePer);
                if (failed >= 0) {
                    return failed; // the bounce array holds no plaintext of the failed sector: nothing to copy back
                }
                buf.put(at + done, bounce, 0, n);
                done += n;
            }
            return -1;
        } finally {
            transform.release(lane);
        }
    }

    /** Batches of up to {@link SectorTransform.Lane#maxUnits()} sectors: IVs from the rule, then the transform. */
    private long cryptArray(SectorTransform.Lane lane, byte[] a, int off, int len, long firstSector, Mode mode,
            byte[] side, int sideOff) {
        int sectors = len / sectorSize;
        int maxUnits = lane.maxUnits();
        int sidePer = transform.sideDataBytes();
        IvMode ivMode = ivRule.mode();
        for (int s = 0; s < sectors; ) {
            int batch = Math.min(maxUnits, sectors - s);
            for (int u = 0; u < batch; u++) {
                lane.setIv(u, ivMode.low64(ivRule.ivSector(firstSector + s + u, sectorSize)));
            }
            int p = off + s * sectorSize;
            if (mode == Mode.DECRYPT_KEEP_HOLES) {
                decryptSkippingHoles(lane, a, p, batch);
            } else {
                int bad = lane.apply(mode.direction, a, p, sectorSize, 0, batch, side, sideOff + s * sidePer);
                if (bad != SectorTransform.ALL_VERIFIED) {
                    return firstSector + s + bad;
                }
            }
            s += batch;
        }
        return -1;
    }

    /** Decrypts {@code k} sectors at {@code p}, leaving all-zero ones alone; runs of real sectors go in one call. */
    private void decryptSkippingHoles(SectorTransform.Lane lane, byte[] a, int p, int k) {
        int runStart = -1;
        for (int i = 0; i <= k; i++) {
            boolean real = i < k && !isZero(a, p + i * sectorSize);
            if (real && runStart < 0) {
                runStart = i;
            } else if (!real && runStart >= 0) {
                lane.apply(SectorTransform.Direction.DECRYPT, a, p + runStart * sectorSize, sectorSize, runStart, i - runStart,
                        null, 0);
                runStart = -1;
            }
        }
    }

    private boolean isZero(byte[] a, int p) {
        return Arrays.mismatch(a, p, p + sectorSize, ZERO_SECTOR, 0, sectorSize) < 0;
    }
}
