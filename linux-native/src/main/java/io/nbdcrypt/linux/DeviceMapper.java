package io.nbdcrypt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The device-mapper control node, {@code /dev/mapper/control}, and the ioctls this project
 * makes on it (no libdevmapper, no dmsetup): create a device, load a table, resume it (the
 * table goes live), read it back, remove it.
 *
 * <p>Failures are {@link NativeException}s carrying errno, named after the ioctl and the
 * device, for the caller to turn into what the user needs to hear: {@code ENOENT}/{@code
 * ENODEV} from {@link #open()} (no device-mapper in this kernel), {@code EACCES} (no
 * {@code CAP_SYS_ADMIN}), {@code EBUSY} from create (the name or uuid is taken), load (the
 * data device is claimed) and remove (the device is open), {@code ENXIO} (no such device),
 * {@code EINVAL} from load (the table is refused; the kernel log says why, e.g. an unknown
 * target type).
 *
 * <p>Key material: calls that may carry a key ({@link #load}, {@link #table}) set
 * {@link DmIoctl#SECURE_DATA_FLAG}, so the kernel wipes its copies, and this class zeroes its
 * own buffers before freeing them. Tables loaded here reference keys in the kernel keyring
 * and never carry key bytes; a table read back has hex keys masked before any Java string
 * is made. One instance may be used from several threads (each call has its own buffer).
 */
public final class DeviceMapper implements AutoCloseable {
    /** The control node. */
    public static final Path CONTROL = Path.of("/dev/mapper/control");
    /** Reply buffer to start with; a reply that does not fit is asked again in a larger one. */
    private static final int REPLY_BUFFER = 16 * 1024;
    private static final int MAX_REPLY_BUFFER = 4 * 1024 * 1024;

    private final int fd;

    private DeviceMapper(int fd) {
        this.fd = fd;
    }

    /**
     * Opens the control node.
     *
     * @throws NativeException ENOENT or ENODEV when this kernel has no device-mapper (no
     *                         {@code dm_mod}), EACCES when the caller may not use it
     */
    public static DeviceMapper open() throws NativeException {
        return open(CONTROL);
    }

    /** Opens {@code control} as the control node (tests point it elsewhere). */
    public static DeviceMapper open(Path control) throws NativeException {
        return new DeviceMapper(Libc.open(control, Libc.O_RDWR));
    }

    /** The kernel's ioctl interface version ({@code DM_VERSION}), e.g. {@code {4, 47, 0}}. */
    public int[] driverVersion() throws NativeException {
        return call(DmIoctl.Command.VERSION, "", "", 0, DmIoctl.HEADER_SIZE, DmIoctl::version);
    }

    /** The target types the kernel has now, with their versions ({@code DM_LIST_VERSIONS}). */
    public List<DmIoctl.TargetVersion> targetVersions() throws NativeException {
        return call(DmIoctl.Command.LIST_VERSIONS, "", "", 0, REPLY_BUFFER, DmIoctl::targetVersions);
    }

    /** The names of all mapped devices ({@code DM_LIST_DEVICES}). */
    public List<String> names() throws NativeException {
        return call(DmIoctl.Command.LIST_DEVICES, "", "", 0, REPLY_BUFFER, DmIoctl::names);
    }

    /** The device called {@code name}, or empty when there is none ({@code DM_DEV_STATUS}, ENXIO). */
    public Optional<DmDevice> device(String name) throws NativeException {
        try {
            return Optional.of(call(DmIoctl.Command.DEV_STATUS, name, "", 0, DmIoctl.HEADER_SIZE, DmIoctl::device));
        } catch (NativeException e) {
            if (e.errno() == Errno.ENXIO) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Creates the device {@code name} with {@code uuid} ({@code DM_DEV_CREATE}): it exists,
     * suspended and without a table, until {@link #load} and {@link #resume}.
     *
     * @throws NativeException EBUSY when a device with this name or uuid exists
     */
    public DmDevice create(String name, String uuid) throws NativeException {
        return call(DmIoctl.Command.DEV_CREATE, name, uuid, 0, DmIoctl.HEADER_SIZE, DmIoctl::device);
    }

    /**
     * Loads {@code targets} as the inactive table of {@code name} ({@code DM_TABLE_LOAD},
     * with {@link DmIoctl#SECURE_DATA_FLAG}); {@link #resume} makes it live.
     *
     * @param readOnly the device is mapped read-only (the kernel opens the data device for reading only)
     * @throws NativeException EINVAL when the kernel refuses the table, EBUSY when a data device is claimed
     */
    public void load(String name, List<DmTarget> targets, boolean readOnly) throws NativeException {
        int flags = DmIoctl.SECURE_DATA_FLAG | (readOnly ? DmIoctl.READONLY_FLAG : 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(DmIoctl.tableSize(targets), 8);
            try {
                DmIoctl.header(buf, name, "", flags);
                DmIoctl.putTable(buf, targets);
                Libc.ioctl(fd, DmIoctl.Command.TABLE_LOAD.request(), buf, "DM_TABLE_LOAD", name);
            } finally {
                buf.fill((byte) 0);
            }
        }
    }

    /** Makes the loaded table of {@code name} live and resumes I/O ({@code DM_DEV_SUSPEND} without the suspend flag). */
    public DmDevice resume(String name) throws NativeException {
        return resume(name, 0);
    }

    /** {@link #resume(String)} with extra flags, e.g. {@link DmIoctl#SKIP_LOCKFS_FLAG}. */
    public DmDevice resume(String name, int flags) throws NativeException {
        return call(DmIoctl.Command.DEV_SUSPEND, name, "", flags, DmIoctl.HEADER_SIZE, DmIoctl::device);
    }

    /**
     * Removes {@code name} and its tables ({@code DM_DEV_REMOVE}).
     *
     * @throws NativeException EBUSY while it is open (mounted, or opened by a program), ENXIO when there is none
     */
    public void remove(String name) throws NativeException {
        call(DmIoctl.Command.DEV_REMOVE, name, "", 0, DmIoctl.HEADER_SIZE, DmIoctl::flags);
    }

    /**
     * Removes {@code name} now if nobody has it open, else as soon as the last opener closes it
     * ({@code DM_DEV_REMOVE} with {@link DmIoctl#DEFERRED_REMOVE_FLAG}, Linux 3.13+).
     */
    public void removeDeferred(String name) throws NativeException {
        call(DmIoctl.Command.DEV_REMOVE, name, "", DmIoctl.DEFERRED_REMOVE_FLAG, DmIoctl.HEADER_SIZE, DmIoctl::flags);
    }

    /**
     * The live table of {@code name} ({@code DM_TABLE_STATUS} with the table flag and
     * {@link DmIoctl#SECURE_DATA_FLAG}); hex keys of {@code crypt} targets come back as
     * {@code 0} digits ({@link DmIoctl#maskCryptKeys}).
     */
    public List<DmTarget> table(String name) throws NativeException {
        return call(DmIoctl.Command.TABLE_STATUS, name, "", DmIoctl.STATUS_TABLE_FLAG | DmIoctl.SECURE_DATA_FLAG,
                REPLY_BUFFER, buf -> {
                    DmIoctl.maskCryptKeys(buf);
                    return DmIoctl.table(buf);
                });
    }

    /**
     * One ioctl on a fresh buffer of {@code size} bytes (larger ones while the kernel says the
     * reply did not fit), read by {@code reply}; the buffer is zeroed before it is freed.
     */
    private <T> T call(DmIoctl.Command cmd, String name, String uuid, int flags, int size,
            Function<MemorySegment, T> reply) throws NativeException {
        String call = "DM_" + cmd.name();
        String target = name.isEmpty() ? CONTROL.toString() : name;
        for (int bytes = size; ; bytes *= 2) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(bytes, 8);
                try {
                    DmIoctl.header(buf, name, uuid, flags);
                    Libc.ioctl(fd, cmd.request(), buf, call, target);
                    if ((DmIoctl.flags(buf) & DmIoctl.BUFFER_FULL_FLAG) == 0) {
                        return reply.apply(buf);
                    }
                    if (bytes * 2 > MAX_REPLY_BUFFER) {
                        throw new NativeException(call, target, 0, "reply larger than " + MAX_REPLY_BUFFER + " bytes");
                    }
                } finally {
                    buf.fill((byte) 0);
                }
            }
        }
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
