package io.nbdcrypt.block.auth;

import static io.nbdcrypt.block.auth.AuthenticatedLayout.LEAF_FANOUT;
import static io.nbdcrypt.block.auth.AuthenticatedLayout.RECORD_BYTES;

import io.nbdcrypt.block.AuthenticationFailedException;
import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.xts.IvMode;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.SectorAuthenticationException;
import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.WorkerPool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * A volume whose every sector is authenticated together with its position and its freshness:
 * AES-256-GCM per sector ({@link GcmSectorTransform}), the nonce and tag of each sector in a
 * {@link HashTree} whose root never leaves memory. Whatever the host does to the raw device -
 * flip bits, move sectors, put back an older sector or a whole older snapshot of data and
 * metadata, zero them, punch holes - a read of the range fails with
 * {@link AuthenticationFailedException} (EIO over NBD), is logged once (rate-limited) and counted
 * in {@link #metrics()}; every other request is served as before. A sector never written (or
 * trimmed) reads as zeroes without touching the disk; that it was never written is itself in
 * the tree, so the host cannot fake it.
 *
 * <p>Ephemeral by design: the keys are this session's ({@link SessionKeys}), the root is in
 * memory, and the volume starts empty, whatever the device holds. Closing it wipes the keys;
 * the data cannot be read again, by anyone.
 *
 * <p>Requests: unaligned edges go through read-modify-write of their sector under its leaf's
 * lock; the aligned body in chunks of {@value #CHUNK} bytes. A write encrypts first, then,
 * holding the locks of the chunk's leaves (ascending), writes the data and records the new
 * nonces and tags, so a reader never pairs a sector with another write's tag for long: a read
 * verifies without locks, and only if a sector fails does it read again holding the leaves'
 * locks, which decides between a concurrent write and a real failure. Concurrent requests on
 * sectors that share tree nodes stay correct; overlapping concurrent writes end as one of them.
 *
 * <p>FLUSH writes back every dirty tree node (sealed), then flushes the device: what the client
 * was told is stable is on the disk in authenticated form, and nothing of it depends on the
 * cache. {@link #trim} and {@link #writeZeroes} mark the sectors never-written (they read as
 * zeroes whatever the disk holds); trim also releases their storage when the device can.
 */
public final class AuthenticatedVolume implements BlockDevice {
    /** The largest default bound of the tree-node cache: 64 MiB hold every leaf of about 10 GiB of data. */
    public static final long MAX_DEFAULT_CACHE_BYTES = 64L << 20;
    /** The smallest cache accepted: a few hundred nodes. */
    public static final long MIN_CACHE_BYTES = 1L << 20;
    private static final int CHUNK = 256 * 1024;
    private static final Logger LOG = Logger.getLogger(AuthenticatedVolume.class.getName());

    private final BlockDevice backing;
    private final AuthenticatedLayout layout;
    private final int sectorSize;
    private final long cacheBytes;
    private final SessionKeys keys;
    private final GcmSectorTransform transform;
    private final SectorCipher cipher;
    private final NodeSealer sealer;
    private final HashTree tree;
    private final WorkerPool<Scratch> scratch;
    private final FailureLog failures;
    private final LongAdder sectorFailures = new LongAdder();
    private final LongAdder metadataFailures = new LongAdder();
    /** The metrics as they were when the volume closed (the counters stay readable afterwards). */
    private volatile AuthenticationMetrics closedWith;

    /**
     * The default bound of the tree-node cache in this JVM: a third of the maximum heap, between
     * {@link #MIN_CACHE_BYTES} and {@link #MAX_DEFAULT_CACHE_BYTES} (about 10 MiB under the
     * daemon's 32 MiB heap: every leaf of about 1.7 GiB of data).
     */
    public static long defaultCacheBytes() {
        return Math.clamp(Runtime.getRuntime().maxMemory() / 3, MIN_CACHE_BYTES, MAX_DEFAULT_CACHE_BYTES);
    }

    /** The largest bound that leaves this JVM's heap room for everything else: half of it. */
    public static long maxCacheBytes() {
        return Runtime.getRuntime().maxMemory() / 2;
    }

    /** The tree-node cache's bound. */
    @Override
    public long heapBytesKept() {
        return cacheBytes;
    }

    private AuthenticatedVolume(BlockDevice backing, AuthenticatedLayout layout, SessionKeys keys, long cacheBytes) {
        this.backing = backing;
        this.layout = layout;
        this.sectorSize = layout.sectorSize();
        this.cacheBytes = cacheBytes;
        this.keys = keys;
        this.transform = new GcmSectorTransform(keys.dataKey());
        // The IV is the sector index itself: GCM binds it in as associated data.
        this.cipher = new SectorCipher(transform, sectorSize, new IvRule(IvMode.PLAIN64, 0, true));
        this.sealer = new NodeSealer(keys.nodeKey());
        this.tree = new HashTree(layout, backing, sealer, cacheBytes);
        this.scratch = new WorkerPool<>("AuthenticatedVolume", () -> new Scratch(sectorSize), Scratch::wipe);
        this.failures = new FailureLog(LOG, "authenticated volume on " + backing, System::nanoTime);
    }

    /**
     * A new, empty authenticated volume on {@code backing} (which it owns and closes).
     *
     * @param volumeKey  the key this session's keys derive from; kept by the caller
     * @param cacheBytes bound of the tree-node cache, at least {@link #MIN_CACHE_BYTES}
     * @throws IllegalArgumentException if the layout does not fit the device, the device is
     *         read-only (an empty volume read-only serves only zeroes), or the cache is too small
     */
    public static AuthenticatedVolume create(BlockDevice backing, AuthenticatedLayout layout, SecretBytes volumeKey,
            long cacheBytes, SecureRandom random) {
        Objects.requireNonNull(backing, "backing");
        long end = Math.max(layout.dataOffset() + layout.dataBytes(), layout.metadataOffset() + layout.metadataBytes());
        if (end > backing.size()) {
            throw new IllegalArgumentException("authenticated layout ends at " + end + ", past the end of the "
                    + backing.size() + "-byte device");
        }
        if (backing.isReadOnly()) {
            throw new IllegalArgumentException("an authenticated volume starts empty in every session: read-only, it"
                    + " would only ever serve zeroes");
        }
        if (cacheBytes < MIN_CACHE_BYTES) {
            throw new IllegalArgumentException("metadata cache of " + cacheBytes + " bytes is below the minimum "
                    + MIN_CACHE_BYTES);
        }
        return new AuthenticatedVolume(backing, layout, SessionKeys.derive(volumeKey, random), cacheBytes);
    }

    public AuthenticatedLayout layout() {
        return layout;
    }

    /** Failures, cache hit rate and traffic so far (after {@link #close()}: as they were when it closed). */
    public AuthenticationMetrics metrics() {
        AuthenticationMetrics last = closedWith;
        if (last != null) {
            return last;
        }
        HashTree.CacheStats c = tree.stats();
        return new AuthenticationMetrics(sectorFailures.sum(), metadataFailures.sum(), c.hits(), c.misses(), c.loads(),
                c.writeBacks(), c.residentNodes(), c.residentBytes(), cacheBytes, transform.noncesUsed());
    }

    @Override
    public long size() {
        return layout.dataBytes();
    }

    @Override
    public int blockSize() {
        return sectorSize;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    /** Trimmed sectors read as zeroes either way; storage is released when the device can punch holes. */
    @Override
    public boolean canTrim() {
        return backing.canTrim();
    }

    /** The cipher works on heap arrays in place (no bounce copy). */
    @Override
    public boolean prefersHeapWrites() {
        return true;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Objects.checkFromIndexSize(offset, dst.remaining(), size());
        try {
            long end = offset + dst.remaining();
            int pos = dst.position();
            long at = offset;
            // Head: part of a sector.
            if (at % sectorSize != 0) {
                int n = (int) Math.min(end - at, sectorSize - at % sectorSize);
                readPart(at / sectorSize, (int) (at % sectorSize), dst, pos, n);
                pos += n;
                at += n;
            }
            // Body: whole sectors, decrypted in the caller's buffer a chunk at a time.
            long bodyEnd = end / sectorSize * sectorSize;
            while (at < bodyEnd) {
                int n = (int) Math.min(CHUNK, bodyEnd - at);
                readSectors(at / sectorSize, dst.duplicate().position(pos).limit(pos + n));
                pos += n;
                at += n;
            }
            // Tail: part of a sector.
            if (at < end) {
                readPart(at / sectorSize, 0, dst, pos, (int) (end - at));
            }
        } finally {
            tree.drain();
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        write(offset, src, false);
    }

    /** Encrypts the whole sectors of {@code src} in place (no copy). */
    @Override
    public void writeConsuming(long offset, ByteBuffer src) throws IOException {
        write(offset, src, !src.isReadOnly() && src.hasArray());
    }

    @Override
    public void flush() throws IOException {
        tree.flush();
        backing.flush();
    }

    /** Marks the range never-written (it reads as zeroes) and releases its whole sectors' storage where the device can. */
    @Override
    public void trim(long offset, long length) throws IOException {
        zero(offset, length, backing.canTrim());
    }

    /**
     * Marks the range never-written, so it reads as zeroes whatever the disk holds: no data is
     * written. With {@code mayTrim}, the storage of its whole sectors is released too where the
     * device can (unlike the XTS volume, no other reader needs those bytes to be zeroes).
     */
    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim) throws IOException {
        zero(offset, length, mayTrim && backing.canTrim());
    }

    /** Wipes the session keys and every cached node; the volume's data is then unreadable. */
    @Override
    public void close() throws IOException {
        try {
            closedWith = metrics();
            LOG.fine(() -> "closing " + this + ": " + closedWith.summary());
            tree.close();
            cipher.close();
            sealer.close();
            scratch.close();
        } finally {
            keys.close();
            backing.close();
        }
    }

    @Override
    public String toString() {
        return "AuthenticatedVolume[" + size() + " bytes, " + sectorSize + "-byte sectors, on " + backing + "]";
    }

    private void write(long offset, ByteBuffer src, boolean inPlace) throws IOException {
        Objects.checkFromIndexSize(offset, src.remaining(), size());
        try {
            long end = offset + src.remaining();
            int pos = src.position();
            long at = offset;
            if (at % sectorSize != 0) {
                int n = (int) Math.min(end - at, sectorSize - at % sectorSize);
                patchSector(at / sectorSize, (int) (at % sectorSize), src, pos, n);
                pos += n;
                at += n;
            }
            long bodyEnd = end / sectorSize * sectorSize;
            while (at < bodyEnd) {
                int n = (int) Math.min(CHUNK, bodyEnd - at);
                writeSectors(at / sectorSize, src.duplicate().position(pos).limit(pos + n), inPlace);
                pos += n;
                at += n;
            }
            if (at < end) {
                patchSector(at / sectorSize, 0, src, pos, (int) (end - at));
            }
        } finally {
            tree.drain();
        }
    }

    /** Whole sectors from {@code first} into {@code buf}, verified; the retry under locks decides a failure. */
    private void readSectors(long first, ByteBuffer buf) throws IOException {
        Scratch s = scratch.borrow();
        try {
            if (readVerified(first, buf, s, false) < 0) {
                return;
            }
            long bad = readVerified(first, buf, s, true); // a concurrent write, or a real failure?
            if (bad >= 0) {
                throw sectorFailed(bad);
            }
        } finally {
            scratch.release(s);
        }
    }

    /**
     * One attempt: the sectors' records from their leaves (locked or not), never-written ones
     * zero-filled, runs of written ones read and decrypted. Returns -1, or the first sector that
     * failed verification.
     */
    private long readVerified(long first, ByteBuffer buf, Scratch s, boolean locked) throws IOException {
        int n = buf.remaining() / sectorSize;
        int leaves = leavesOf(first, n, s, locked);
        try {
            copyRecords(first, n, s);
            int base = buf.position();
            for (int i = 0; i < n; ) {
                if (s.nonce(i) == 0) {
                    zeroFill(buf, base + i * sectorSize, sectorSize);
                    i++;
                    continue;
                }
                int runEnd = i + 1;
                while (runEnd < n && s.nonce(runEnd) != 0) {
                    runEnd++;
                }
                ByteBuffer run = buf.duplicate().position(base + i * sectorSize).limit(base + runEnd * sectorSize);
                backing.read(layout.dataOffset() + (first + i) * sectorSize, run);
                try {
                    cipher.decrypt(run, first + i, s.side, i * RECORD_BYTES);
                } catch (SectorAuthenticationException e) {
                    return e.sector();
                }
                i = runEnd;
            }
            return -1;
        } finally {
            if (locked) {
                unlockAll(s.leaves, leaves);
            }
        }
    }

    /** Encrypts whole sectors (in place or in scratch), then writes them and their records under the leaves' locks. */
    private void writeSectors(long first, ByteBuffer src, boolean inPlace) throws IOException {
        Scratch s = scratch.borrow();
        try {
            int n = src.remaining() / sectorSize;
            ByteBuffer buf = src;
            if (!inPlace) {
                buf = ByteBuffer.wrap(s.data, 0, src.remaining());
                buf.put(0, src, src.position(), src.remaining());
            }
            cipher.encrypt(buf, first, s.side, 0);
            int leaves = leavesOf(first, n, s, true);
            try {
                backing.write(layout.dataOffset() + first * sectorSize, buf);
                storeRecords(first, n, s, leaves);
            } finally {
                unlockAll(s.leaves, leaves);
            }
        } finally {
            scratch.release(s); // its data array holds ciphertext only
        }
    }

    /** Read-modify-write of {@code n} bytes at {@code within} of one sector, under its leaf's lock. */
    private void patchSector(long sector, int within, ByteBuffer src, int srcPos, int n) throws IOException {
        Scratch s = scratch.borrow();
        TreeNode leaf;
        try {
            leaf = lockLeaf(sector / LEAF_FANOUT);
        } catch (IOException | RuntimeException e) {
            scratch.release(s);
            throw e;
        }
        ByteBuffer b = ByteBuffer.wrap(s.data, 0, sectorSize);
        try {
            int rec = recordOffset(sector);
            long nonce = leaf.entry(rec);
            boolean zeroes = src == null;
            if (nonce == 0) {
                Arrays.fill(s.data, 0, sectorSize, (byte) 0);
                if (zeroes) {
                    return; // zeroes into a never-written sector: it stays never-written
                }
            } else {
                System.arraycopy(leaf.payload, rec, s.side, 0, RECORD_BYTES);
                backing.read(layout.dataOffset() + sector * sectorSize, b);
                try {
                    cipher.decrypt(b, sector, s.side, 0);
                } catch (SectorAuthenticationException e) {
                    throw sectorFailed(sector); // we hold the leaf: no write is in between
                }
            }
            if (zeroes) {
                Arrays.fill(s.data, within, within + n, (byte) 0);
            } else {
                b.put(within, src, srcPos, n);
            }
            cipher.encrypt(b, sector, s.side, 0);
            backing.write(layout.dataOffset() + sector * sectorSize, b);
            storeRecord(leaf, rec, s.side, 0);
            markDirty(leaf);
        } finally {
            leaf.lock.unlock();
            Arrays.fill(s.data, 0, sectorSize, (byte) 0); // may hold plaintext
            scratch.release(s);
        }
    }

    /** Single-sector part of a read. */
    private void readPart(long sector, int within, ByteBuffer dst, int dstPos, int n) throws IOException {
        Scratch s = scratch.borrow();
        try {
            ByteBuffer b = ByteBuffer.wrap(s.sector, 0, sectorSize);
            if (readVerified(sector, b, s, false) >= 0 && readVerified(sector, b, s, true) >= 0) {
                throw sectorFailed(sector);
            }
            dst.put(dstPos, b, within, n);
        } finally {
            Arrays.fill(s.sector, (byte) 0);
            scratch.release(s);
        }
    }

    /** Trim and write-zeroes: partial edge sectors get zeroes, whole sectors become never-written. */
    private void zero(long offset, long length, boolean release) throws IOException {
        Objects.checkFromIndexSize(offset, length, size());
        try {
            long end = offset + length;
            long at = offset;
            if (at % sectorSize != 0) {
                int n = (int) Math.min(end - at, sectorSize - at % sectorSize);
                patchSector(at / sectorSize, (int) (at % sectorSize), null, 0, n);
                at += n;
            }
            while (end - at >= sectorSize) {
                int n = (int) Math.min(CHUNK, (end - at) / sectorSize * sectorSize);
                forgetSectors(at / sectorSize, n / sectorSize, release);
                at += n;
            }
            if (at < end) {
                patchSector(at / sectorSize, 0, null, 0, (int) (end - at));
            }
        } finally {
            tree.drain();
        }
    }

    /** Clears the records of {@code n} sectors (nonce 0: never written), punching their storage out if asked. */
    private void forgetSectors(long first, int n, boolean release) throws IOException {
        Scratch s = scratch.borrow();
        int leaves = leavesOf(first, n, s, true);
        try {
            Arrays.fill(s.side, 0, n * RECORD_BYTES, (byte) 0);
            storeRecords(first, n, s, leaves);
            if (release) {
                // Under the leaves' locks: a write that follows must not have its new data punched out.
                backing.trim(layout.dataOffset() + first * sectorSize, (long) n * sectorSize);
            }
        } finally {
            unlockAll(s.leaves, leaves);
            scratch.release(s);
        }
    }

    /** Fetches (and with {@code lock}, locks, ascending) the leaves of sectors {@code first..first+n-1} into {@code s.leaves}. */
    private int leavesOf(long first, int n, Scratch s, boolean lock) throws IOException {
        long firstLeaf = first / LEAF_FANOUT;
        int count = (int) ((first + n - 1) / LEAF_FANOUT - firstLeaf + 1);
        int got = 0;
        try {
            for (; got < count; got++) {
                s.leaves[got] = lock ? lockLeaf(firstLeaf + got) : leaf(firstLeaf + got);
            }
        } catch (IOException | RuntimeException e) {
            if (lock) {
                unlockAll(s.leaves, got);
            }
            throw e;
        }
        return count;
    }

    private TreeNode leaf(long index) throws IOException {
        try {
            return tree.node(0, index);
        } catch (AuthenticationFailedException e) {
            throw metadataFailed(e);
        }
    }

    private TreeNode lockLeaf(long index) throws IOException {
        try {
            return tree.lockLeaf(index);
        } catch (AuthenticationFailedException e) {
            throw metadataFailed(e);
        }
    }

    private void markDirty(TreeNode leaf) throws IOException {
        try {
            tree.markDirty(leaf);
        } catch (AuthenticationFailedException e) {
            throw metadataFailed(e);
        }
    }

    /** Copies each sector's record from its leaf into {@code s.side}. */
    private void copyRecords(long first, int n, Scratch s) {
        long firstLeaf = first / LEAF_FANOUT;
        for (int i = 0; i < n; i++) {
            TreeNode leaf = s.leaves[(int) ((first + i) / LEAF_FANOUT - firstLeaf)];
            int rec = recordOffset(first + i);
            long nonce = leaf.entry(rec); // acquire: the tag read after it is at least as new
            System.arraycopy(leaf.payload, rec + 8, s.side, i * RECORD_BYTES + 8, RECORD_BYTES - 8);
            Gcm.LE.set(s.side, i * RECORD_BYTES, nonce);
        }
    }

    /** Stores {@code s.side}'s records into the (locked) leaves and marks the leaves changed. */
    private void storeRecords(long first, int n, Scratch s, int leaves) throws IOException {
        long firstLeaf = first / LEAF_FANOUT;
        for (int i = 0; i < n; i++) {
            storeRecord(s.leaves[(int) ((first + i) / LEAF_FANOUT - firstLeaf)], recordOffset(first + i), s.side,
                    i * RECORD_BYTES);
        }
        for (int l = 0; l < leaves; l++) {
            markDirty(s.leaves[l]);
        }
    }

    /** Tag first, nonce last (release): a reader that sees the new nonce sees the new tag. */
    private static void storeRecord(TreeNode leaf, int rec, byte[] side, int sideOff) {
        System.arraycopy(side, sideOff + 8, leaf.payload, rec + 8, RECORD_BYTES - 8);
        leaf.setEntry(rec, (long) Gcm.LE.get(side, sideOff));
    }

    private static int recordOffset(long sector) {
        return (int) (sector % LEAF_FANOUT) * RECORD_BYTES;
    }

    private static void unlockAll(TreeNode[] nodes, int count) {
        for (int i = count - 1; i >= 0; i--) {
            nodes[i].lock.unlock();
        }
    }

    private static void zeroFill(ByteBuffer buf, int at, int len) {
        if (buf.hasArray()) {
            Arrays.fill(buf.array(), buf.arrayOffset() + at, buf.arrayOffset() + at + len, (byte) 0);
        } else {
            for (int i = 0; i < len; i += 8) {
                buf.putLong(at + i, 0L);
            }
        }
    }

    private AuthenticationFailedException sectorFailed(long sector) {
        sectorFailures.increment();
        String message = "sector " + sector + " (byte " + sector * sectorSize + ") failed authentication";
        failures.failed(sector, message);
        return new AuthenticationFailedException(message, sector);
    }

    private AuthenticationFailedException metadataFailed(AuthenticationFailedException e) {
        metadataFailures.increment();
        failures.failed(-1L - (e.getMessage().hashCode() & 0xffffffffL), e.getMessage());
        return e;
    }

    /** One request's scratch: a chunk of ciphertext, the side records of a chunk, the leaves it touches. */
    private static final class Scratch {
        final byte[] data = new byte[CHUNK];
        final byte[] sector = new byte[4096];
        final byte[] side;
        final TreeNode[] leaves;

        Scratch(int sectorSize) {
            int sectors = CHUNK / sectorSize;
            side = new byte[sectors * RECORD_BYTES];
            leaves = new TreeNode[sectors / LEAF_FANOUT + 2];
        }

        long nonce(int i) {
            return (long) Gcm.LE.get(side, i * RECORD_BYTES);
        }

        void wipe() {
            Arrays.fill(data, (byte) 0);
            Arrays.fill(sector, (byte) 0);
            Arrays.fill(side, (byte) 0);
            Arrays.fill(leaves, null);
        }
    }
}
