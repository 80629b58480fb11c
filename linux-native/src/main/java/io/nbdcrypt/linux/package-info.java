/**
 * The project's one native layer: the Linux calls that the JDK does not offer, bound with the
 * FFM API ({@code java.lang.foreign}, final since JDK 22, the JDK's own successor to JNA).
 *
 * <p>Everything that talks to the kernel below the JDK goes through here: the block layer
 * (open with our own flags, {@code BLKGETSIZE64}, {@code fallocate}, {@code flock}) and the
 * kernel backends (NBD netlink and ioctls, device-mapper ioctls, the keyring, mount, memory
 * locking). One binding helper ({@link NativeCalls}), one error type ({@link NativeException},
 * carrying errno), and {@link Linux#available()} instead of a static initializer that throws:
 * off Linux, or with native access refused, callers learn why and fall back.
 */
package io.nbdcrypt.linux;
