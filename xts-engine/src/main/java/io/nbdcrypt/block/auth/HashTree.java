package io.nbdcrypt.block.auth;

import static io.nbdcrypt.block.auth.AuthenticatedLayout.INNER_FANOUT;
import static io.nbdcrypt.block.auth.AuthenticatedLayout.NODE_BYTES;
import static io.nbdcrypt.block.auth.AuthenticatedLayout.PAYLOAD_BYTES;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.nbdcrypt.block.AuthenticationFailedException;
import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.xts.WorkerPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The authenticated volume's tree of nonces: a counter tree whose root never leaves memory.
 * Each stored node is sealed ({@link NodeSealer}) under the nonce its parent holds for it, so a
 * node verifies only as its newest image; a leaf holds each sector's nonce and tag, which is
 * what the sector must verify against. A node whose parent says nonce 0 was never written: it
 * is all zeroes, made in memory without reading the disk, and so are its sectors.
 *
 * <p>Residency: nodes in use live in a Caffeine cache bounded by bytes; the root (and the nonce
 * counter) live outside it and are never evicted. A node turns dirty at most once between two
 * write-backs, and that is when it gets a fresh nonce, recorded in its parent (which turns dirty
 * too, up to the root). So writing a node back needs nothing but the node: an evicted node goes
 * to {@link #leaving}, and {@link #drain()} (called by the volume when it holds no node lock)
 * writes it back if it is dirty and retires it. A node asked for while it is leaving comes back
 * as the same object, so there is only ever one live copy of a node and nothing is lost.
 *
 * <p>Locking: a node's lock guards its payload changes and its state; locks are taken child
 * before parent, leaves in ascending order, and no lock is held while draining, so there is no
 * cycle. Cache computations take no node lock. Readers read entries without locks.
 */
final class HashTree implements AutoCloseable {
    /** Cache weight of a node: its payload plus what the node object, its lock and the cache entry cost. */
    static final int NODE_WEIGHT = PAYLOAD_BYTES + 256;

    private final AuthenticatedLayout layout;
    private final BlockDevice backing;
    private final NodeSealer sealer;
    private final int levels;
    /** The top stored level's nonces, in memory only. */
    private final TreeNode root;
    private final AtomicLong nextNonce = new AtomicLong(1);
    private final Cache<Long, TreeNode> cache;
    /** Evicted nodes not yet written back (if dirty) and retired. */
    private final Map<Long, TreeNode> leaving = new ConcurrentHashMap<>();
    private final WorkerPool<byte[]> images = new WorkerPool<>("HashTree", () -> new byte[NODE_BYTES], a -> Arrays.fill(a, (byte) 0));
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder loads = new LongAdder();
    private final LongAdder writeBacks = new LongAdder();

    HashTree(AuthenticatedLayout layout, BlockDevice backing, NodeSealer sealer, long cacheBytes) {
        this.layout = layout;
        this.backing = backing;
        this.sealer = sealer;
        this.levels = layout.levels();
        this.root = new TreeNode(levels, 0, new byte[8 * layout.rootEntries()], 0);
        this.cache = Caffeine.newBuilder()
                .maximumWeight(cacheBytes)
                .weigher((Long k, TreeNode n) -> NODE_WEIGHT)
                // Evictions run on the thread that caused them, and only park the node in `leaving`:
                // the write-back happens in drain(), outside the cache's locks.
                .executor(Runnable::run)
                .evictionListener((Long k, TreeNode n, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
                    if (n != null && cause.wasEvicted()) {
                        leaving.put(k, n);
                    }
                })
                .build();
    }

    /**
     * The resident node (level, index), loaded and verified if need be.
     *
     * @throws AuthenticationFailedException if its stored image does not verify
     * @throws IOException if reading it fails
     */
    TreeNode node(int level, long index) throws IOException {
        long key = TreeNode.key(level, index);
        TreeNode n = cache.getIfPresent(key);
        if (n != null) {
            hits.increment();
            return n;
        }
        while (true) {
            TreeNode parent = parentOf(level, index);
            int slot = slotInParent(level, index);
            long expected = parent.childNonce(slot);
            long[] claimed = {0};
            try {
                n = cache.get(key, k -> comeBackOrLoad(level, index, expected, claimed));
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (n != null) {
                return n;
            }
            // It did not verify. If its parent moved on meanwhile (the node was written back
            // under a newer nonce between our reading the parent and the disk), try again.
            if (!parent.retired && parent.childNonce(slot) == expected) {
                throw new AuthenticationFailedException(describe(level, index, expected, claimed[0]), -1);
            }
        }
    }

    /** The leaf {@code index}, locked and live (not retired); unlock with {@code leaf.lock.unlock()}. */
    TreeNode lockLeaf(long index) throws IOException {
        return locked(0, index);
    }

    /**
     * Marks {@code n} (locked by the caller, live) changed: on its first change since its last
     * write-back it gets a fresh nonce, recorded in its parent, which is marked changed in turn.
     */
    void markDirty(TreeNode n) throws IOException {
        if (n.dirty) {
            return;
        }
        TreeNode parent = n.level + 1 == levels ? lockedRoot() : locked(n.level + 1, n.index / INNER_FANOUT);
        try {
            long fresh = nextNonce.getAndIncrement();
            n.nonce = fresh;
            n.dirty = true;
            parent.setEntry(8 * slotInParent(n.level, n.index), fresh);
            if (parent != root) {
                markDirty(parent);
            }
        } finally {
            parent.lock.unlock();
        }
    }

    /**
     * Writes back and retires the nodes evicted so far. Call with no node lock held. A node
     * someone is using right now is left for a later call.
     */
    void drain() throws IOException {
        if (leaving.isEmpty()) {
            return;
        }
        IOException failure = null;
        for (TreeNode n : leaving.values()) {
            if (!n.lock.tryLock()) {
                continue;
            }
            try {
                if (leaving.get(n.key()) != n) {
                    continue; // came back into the cache, or retired by another drain
                }
                if (n.dirty) {
                    writeBack(n);
                }
                if (leaving.remove(n.key(), n)) {
                    n.retired = true;
                }
            } catch (IOException e) {
                failure = failure == null ? e : failure; // it stays dirty and leaving: tried again next time
            } finally {
                n.lock.unlock();
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Writes back every dirty node, resident or leaving, then drains. */
    void flush() throws IOException {
        List<TreeNode> all = new ArrayList<>(cache.asMap().values());
        all.addAll(leaving.values());
        for (TreeNode n : all) {
            if (!n.dirty) {
                continue;
            }
            n.lock.lock();
            try {
                if (n.dirty && !n.retired) {
                    writeBack(n);
                }
            } finally {
                n.lock.unlock();
            }
        }
        drain();
    }

    /**
     * Changes the cache's bound; shrinking it evicts at once (into {@link #leaving}: nothing is
     * lost, the next {@link #drain()} writes back).
     */
    void setCacheBytes(long bytes) {
        cache.policy().eviction().orElseThrow().setMaximum(bytes);
    }

    /** What the cache holds and has done so far. */
    CacheStats stats() {
        return new CacheStats(hits.sum(), misses.sum(), loads.sum(), writeBacks.sum(), cache.estimatedSize(),
                cache.estimatedSize() * NODE_WEIGHT, leaving.size());
    }

    /** Drops every node (their payloads are zeroed) and the pooled images; nothing is written back. */
    @Override
    public void close() {
        for (TreeNode n : cache.asMap().values()) {
            Arrays.fill(n.payload, (byte) 0);
        }
        for (TreeNode n : leaving.values()) {
            Arrays.fill(n.payload, (byte) 0);
        }
        cache.invalidateAll();
        leaving.clear();
        Arrays.fill(root.payload, (byte) 0);
        images.close();
    }

    /**
     * Hit, miss, load and write-back counts; {@code residentBytes} is the cache's weight.
     *
     * @param hits   lookups that found the node in memory (cached or leaving)
     * @param misses lookups that did not (a load, or a never-written node made in memory)
     */
    record CacheStats(long hits, long misses, long loads, long writeBacks, long residentNodes, long residentBytes,
            long leavingNodes) {
        double hitRate() {
            long all = hits + misses;
            return all == 0 ? 1.0 : (double) hits / all;
        }
    }

    /** Where a node's nonce sits in its parent: the root holds the whole top level. */
    private int slotInParent(int level, long index) {
        return (int) (level + 1 == levels ? index : index % INNER_FANOUT);
    }

    private TreeNode parentOf(int level, long index) throws IOException {
        return level + 1 == levels ? root : node(level + 1, index / INNER_FANOUT);
    }

    private TreeNode locked(int level, long index) throws IOException {
        while (true) {
            TreeNode n = node(level, index);
            n.lock.lock();
            if (!n.retired) {
                return n;
            }
            n.lock.unlock(); // it left the tree just now: fetch the live one
        }
    }

    private TreeNode lockedRoot() {
        root.lock.lock();
        return root;
    }

    /** Cache loader: the leaving node itself, or a zero node, or the verified stored image; null if it does not verify. */
    private TreeNode comeBackOrLoad(int level, long index, long expected, long[] claimed) {
        TreeNode back = leaving.remove(TreeNode.key(level, index));
        if (back != null) {
            hits.increment();
            return back;
        }
        misses.increment();
        if (expected == 0) {
            return new TreeNode(level, index, new byte[PAYLOAD_BYTES], 0);
        }
        byte[] image = images.borrow();
        try {
            backing.read(layout.nodeOffset(level, index), ByteBuffer.wrap(image));
            byte[] payload = new byte[PAYLOAD_BYTES];
            if (!sealer.open(level, index, expected, image, payload)) {
                claimed[0] = NodeSealer.claimedNonce(image);
                return null;
            }
            loads.increment();
            return new TreeNode(level, index, payload, expected);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            images.release(image);
        }
    }

    private void writeBack(TreeNode n) throws IOException {
        byte[] image = images.borrow();
        try {
            sealer.seal(n.level, n.index, n.nonce, n.payload, image);
            backing.write(layout.nodeOffset(n.level, n.index), ByteBuffer.wrap(image));
            n.dirty = false;
            writeBacks.increment();
        } finally {
            images.release(image);
        }
    }

    private String describe(int level, long index, long expected, long claimed) {
        long perNode = AuthenticatedLayout.LEAF_FANOUT;
        for (int l = 0; l < level; l++) {
            perNode *= INNER_FANOUT;
        }
        long first = index * perNode;
        String why = claimed == expected ? "damaged"
                : claimed > 0 && claimed < expected ? "an older image (replayed)" : "not the image written there";
        return "metadata node " + index + " of level " + level + " (sectors " + first + ".."
                + Math.min(layout.dataSectors(), first + perNode) + ") failed authentication: " + why;
    }
}
