/**
 * Authenticated volumes with freshness: a {@link io.nbdcrypt.block.BlockDevice} on which a host
 * that flips, moves, replays, zeroes or punches out sectors - or rolls the whole device, data
 * and metadata, back to an older snapshot - gets the guest an EIO, never wrong data. No peer
 * has this on a writable disk (dm-integrity's tags catch changes but not replays).
 *
 * <pre>
 *  raw disk: [ data sectors ........................ | tree: leaves | level 1 | ... ]
 *  memory:   root (nonces of the top stored level), the node cache, the nonce counters, the keys
 * </pre>
 *
 * <h2>The design, and why</h2>
 * <ul>
 *   <li><b>Sectors: AES-256-GCM through the JDK</b> ({@link io.nbdcrypt.block.auth.GcmSectorTransform}),
 *       because its AVX-512 intrinsic encrypts and authenticates in one pass at several GB/s
 *       per core, several times what XTS plus HMAC-SHA256 (about 1.3 GB/s for the MAC alone
 *       here) would give. The nonce is a 64-bit counter, one per sector written, never reused
 *       under a key; the sector's index is the associated data, so a sector is valid only at
 *       its own position. A sector's nonce and tag (24 bytes) are its record in a leaf of the
 *       tree; nonce 0 means never written (or trimmed).</li>
 *   <li><b>Freshness: a counter tree</b> ({@link io.nbdcrypt.block.auth.HashTree}). Each stored node
 *       is itself sealed with AES-256-GCM under a second key, with the nonce its parent holds
 *       for it and its (level, index) as associated data; a leaf holds 169 sector records, a
 *       node above 509 child nonces; the top level's nonces form the root, which lives only in
 *       memory. So every byte on the disk verifies only as the newest thing written at its
 *       place: an older image has an older nonce. The nodes are keyed (sealed), not hashed,
 *       which is what lets a parent hold a child's nonce instead of its hash: a parent changes
 *       only when a child first turns dirty (it gets a fresh nonce then), not on every write,
 *       and writing a node back needs nothing but the node. The nodes are encrypted too, which
 *       hides from a host that looks at the disk later how often each sector was written.</li>
 *   <li><b>Keys</b> ({@link io.nbdcrypt.block.auth.SessionKeys}): HKDF-SHA256 from the volume key,
 *       one labelled key per purpose (data, nodes), salted with 32 random bytes of this
 *       process. A session's keys are its own even when a volume key is opened twice, so the
 *       counters can start at 1 without ever repeating a nonce, and nothing of one session
 *       verifies in another. Nothing is derived from what the host can see.</li>
 *   <li><b>Ephemeral</b>: the root and the keys die with the process, and so does the volume;
 *       a new session starts empty whatever the disk holds (no crash recovery to get wrong).
 *       Sectors and nodes never written read as zeroes without a disk read, and that they
 *       were never written is itself in the tree.</li>
 *   <li><b>Cache</b>: nodes in use live in a Caffeine cache bounded by bytes
 *       ({@code --metadata-cache}; by default a third of the heap up to 64 MiB, which holds every
 *       leaf of about 10 GiB of data). The
 *       root and the counters are outside it. An evicted node is parked in {@code leaving};
 *       the volume drains that (seal, write back if dirty, retire) when it holds no lock, and a
 *       node asked for meanwhile comes back as the same object, so no change is ever lost and
 *       memory stays bounded on a 1 TiB volume (6 GiB of tree).</li>
 *   <li><b>Concurrency</b>: a write encrypts first, then holds the locks of its leaves while it
 *       writes the data and stores the records; a read verifies without any lock and, only if a
 *       sector fails, reads again holding its leaves' locks, which tells a concurrent write from
 *       a real failure. Locks go child before parent, leaves ascending; cache loads take no
 *       node lock; so there is no deadlock.</li>
 *   <li><b>FLUSH and FUA</b>: a flush seals and writes back every dirty node, then flushes the
 *       device, so what the client was told is stable is on the disk in authenticated form.</li>
 *   <li><b>Failures</b>: a sector or node that does not verify fails the request with
 *       {@link io.nbdcrypt.block.AuthenticationFailedException} (EIO over NBD), is logged once,
 *       rate-limited ({@link io.nbdcrypt.block.auth.FailureLog}), and counted
 *       ({@link io.nbdcrypt.block.auth.AuthenticationMetrics}); every other request goes on.</li>
 * </ul>
 *
 * <p>What it does not give: availability (the host can always withhold or break the disk,
 * and then reads fail), secrecy of the access pattern while it happens, or persistence
 * beyond the process.
 */
package io.nbdcrypt.block.auth;
