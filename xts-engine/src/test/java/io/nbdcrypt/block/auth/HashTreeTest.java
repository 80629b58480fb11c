package io.nbdcrypt.block.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.block.AuthenticationFailedException;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.testsupport.TestFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tree's residency rules, driven directly: eviction, coming back while leaving, write-back, retirement. */
class HashTreeTest {
    @TempDir
    Path dir;
    private FileBlockDevice device;
    private AuthenticationTreeParts parts;
    private HashTree tree;
    private AuthenticatedLayout layout;

    private record AuthenticationTreeParts(SessionKeys keys, NodeSealer sealer) {}

    @BeforeEach
    void setUp() throws IOException {
        long bytes = 64L << 20;
        device = FileBlockDevice.open(TestFiles.sparse(dir.resolve("t.img"), bytes), false);
        layout = AuthenticatedLayout.fit(0, bytes, 4096);
        SessionKeys keys = SessionKeys.derive(SecretBytes.random(64, new SecureRandom()), new SecureRandom());
        parts = new AuthenticationTreeParts(keys, new NodeSealer(keys.nodeKey()));
        tree = new HashTree(layout, device, parts.sealer(), 16L << 20);
    }

    @AfterEach
    void tearDown() throws IOException {
        tree.close();
        parts.sealer().close();
        parts.keys().close();
        device.close();
    }

    /** A dirty leaf evicted and asked for before any drain is the same object, changes intact, and nothing is read. */
    @Test
    void node_askedForWhileLeaving_comesBackAsTheSameObject() throws IOException {
        TreeNode leaf = changedLeaf(5, 0x1234);
        tree.setCacheBytes(0);
        tree.setCacheBytes(16L << 20);
        assertEquals(1, tree.stats().leavingNodes(), "the leaf was evicted into 'leaving'");
        TreeNode again = tree.node(0, 5);
        assertSame(leaf, again);
        assertEquals(0x1234, again.entry(0));
        assertEquals(0, tree.stats().loads());
    }

    /** Drained, a dirty leaf is written back sealed and retired; the next lookup loads and verifies it. */
    @Test
    void drain_evictedDirtyLeaf_writtenBackRetiredAndReloadedVerified() throws IOException {
        TreeNode leaf = changedLeaf(7, 0x5678);
        tree.setCacheBytes(0);
        tree.drain();
        tree.setCacheBytes(16L << 20);
        assertTrue(leaf.retired);
        assertEquals(1, tree.stats().writeBacks());
        TreeNode live = tree.lockLeaf(7);
        try {
            assertNotSame(leaf, live);
            assertEquals(0x5678, live.entry(0));
            assertEquals(1, tree.stats().loads());
        } finally {
            live.lock.unlock();
        }
    }

    /** The reloaded leaf verifies only as written: a flipped byte of its image is refused. */
    @Test
    void node_writtenBackImageDamaged_refusedOnReload() throws IOException {
        changedLeaf(9, 42);
        tree.setCacheBytes(0);
        tree.drain();
        tree.setCacheBytes(16L << 20);
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("t.img").toFile(), "rw")) {
            long at = layout.nodeOffset(0, 9) + 10;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 4);
        }
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class, () -> tree.node(0, 9));
        assertTrue(e.getMessage().contains("metadata node 9 of level 0"), e.getMessage());
    }

    /** A node never written is made in memory, all zeroes, without reading the disk. */
    @Test
    void node_neverWritten_zeroesWithoutALoad() throws IOException {
        TreeNode n = tree.node(0, 3);
        for (int i = 0; i < AuthenticatedLayout.PAYLOAD_BYTES; i += 8) {
            assertEquals(0, n.entry(i));
        }
        assertEquals(0, tree.stats().loads());
    }

    private TreeNode changedLeaf(long index, long value) throws IOException {
        TreeNode leaf = tree.lockLeaf(index);
        try {
            leaf.setEntry(0, value);
            tree.markDirty(leaf);
        } finally {
            leaf.lock.unlock();
        }
        return leaf;
    }
}
