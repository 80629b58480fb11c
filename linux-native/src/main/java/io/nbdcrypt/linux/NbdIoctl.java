package io.nbdcrypt.linux;

/**
 * The kernel NBD client's ioctls ({@code include/uapi/linux/nbd.h}, type 0xab), the way to
 * attach where the netlink family is missing: configure an open {@code /dev/nbdN}, hand it
 * sockets, then {@link #doIt} serves the device in the calling thread until it is
 * disconnected. Needs {@code CAP_SYS_ADMIN}.
 */
public final class NbdIoctl {
    static final long NBD_SET_SOCK = 0xab00;
    static final long NBD_SET_BLKSIZE = 0xab01;
    static final long NBD_DO_IT = 0xab03;
    static final long NBD_CLEAR_SOCK = 0xab04;
    static final long NBD_SET_SIZE_BLOCKS = 0xab07;
    static final long NBD_DISCONNECT = 0xab08;
    static final long NBD_SET_TIMEOUT = 0xab09;
    static final long NBD_SET_FLAGS = 0xab0a;

    private NbdIoctl() {}

    /**
     * Sets block size, size (in blocks), server flags and request timeout, and adds the sockets.
     *
     * @throws NativeException EBUSY when another task is setting the device up or it is connected
     */
    public static void configure(int deviceFd, String device, long blockSize, long sizeBytes, long serverFlags,
            long timeoutSeconds, Iterable<Integer> socketFds) throws NativeException {
        if (sizeBytes % blockSize != 0) {
            throw new NativeException("ioctl(NBD_SET_SIZE_BLOCKS)", device, Errno.EINVAL,
                    "size " + sizeBytes + " is not a multiple of the block size " + blockSize);
        }
        Libc.ioctl(deviceFd, NBD_SET_BLKSIZE, blockSize, "NBD_SET_BLKSIZE", device);
        Libc.ioctl(deviceFd, NBD_SET_SIZE_BLOCKS, sizeBytes / blockSize, "NBD_SET_SIZE_BLOCKS", device);
        Libc.ioctl(deviceFd, NBD_SET_FLAGS, serverFlags, "NBD_SET_FLAGS", device);
        Libc.ioctl(deviceFd, NBD_SET_TIMEOUT, timeoutSeconds, "NBD_SET_TIMEOUT", device);
        for (int fd : socketFds) {
            Libc.ioctl(deviceFd, NBD_SET_SOCK, fd, "NBD_SET_SOCK", device);
        }
    }

    /**
     * {@code NBD_DO_IT}: starts the device and blocks until it is disconnected (or the sockets
     * die). Run it on a thread of its own.
     */
    public static void doIt(int deviceFd, String device) throws NativeException {
        Libc.ioctl(deviceFd, NBD_DO_IT, 0L, "NBD_DO_IT", device);
    }

    /** {@code NBD_CLEAR_SOCK}: drops the sockets and fails what is still queued. */
    public static void clearSock(int deviceFd, String device) throws NativeException {
        Libc.ioctl(deviceFd, NBD_CLEAR_SOCK, 0L, "NBD_CLEAR_SOCK", device);
    }

    /** {@code NBD_DISCONNECT}: sends NBD_CMD_DISC on every socket; {@link #doIt} then returns. */
    public static void disconnect(int deviceFd, String device) throws NativeException {
        Libc.ioctl(deviceFd, NBD_DISCONNECT, 0L, "NBD_DISCONNECT", device);
    }
}
