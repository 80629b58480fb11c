package io.nbdcrypt.kernel.dm;

import io.nbdcrypt.linux.DmDevice;
import java.util.List;
import java.util.Optional;

/**
 * What an active mapping is, read from the kernel alone (no header, no key): the answer to
 * {@code nbdcrypt status NAME}, printed the way {@code cryptsetup status NAME} prints it, for
 * our mappings and cryptsetup's alike.
 *
 * @param name       the mapping
 * @param device     device-mapper's view (number, open count, read-only, suspended)
 * @param uuid       the DM UUID in cryptsetup's form, if it has one
 * @param crypt      the table, if it is one dm-crypt target
 * @param sectors    length of the mapping in 512-byte sectors
 * @param dataDevice the data device's path ({@code /dev/vdb}), or its number when no node is known
 * @param headerOnDevice whether the data device starts with the LUKS header the uuid names
 */
public record MappingStatus(MappingName name, DmDevice device, Optional<DmUuid> uuid, Optional<CryptTable> crypt,
        long sectors, String dataDevice, boolean headerOnDevice) {

    /**
     * The type cryptsetup shows: PLAIN and the like from the DM UUID; LUKS1/LUKS2 only when the
     * header is on the data device (cryptsetup loads it to tell; "n/a" for a detached header).
     */
    public String type() {
        return uuid.map(DmUuid::type).filter(t -> !t.startsWith("LUKS") || headerOnDevice).orElse("n/a");
    }

    /** Whether something has it open (a mounted file system, a program). */
    public boolean inUse() {
        return device.openCount() > 0;
    }

    /**
     * {@code cryptsetup status} text, line for line (2.6 wording). One difference: the sector
     * size comes from the table, where cryptsetup 2.6 prints 512 for a mapping whose header it
     * cannot find (a detached or in-memory header) whatever the table says.
     */
    public String toText(String mapperDir) {
        StringBuilder b = new StringBuilder();
        b.append(mapperDir).append('/').append(name).append(" is active").append(inUse() ? " and is in use" : "")
                .append(".\n");
        b.append("  type:    ").append(type()).append('\n');
        if (crypt.isEmpty()) {
            return b.toString();
        }
        CryptTable t = crypt.get();
        b.append("  cipher:  ").append(t.cipher()).append('\n');
        b.append("  keysize: ").append(t.key().bytes() * 8).append(" bits\n");
        b.append("  key location: ").append(t.key() instanceof KeyReference.Keyring ? "keyring" : "dm-crypt").append('\n');
        b.append("  device:  ").append(dataDevice).append('\n');
        b.append("  sector size:  ").append(t.sectorSize()).append('\n');
        b.append("  offset:  ").append(t.offset()).append(" sectors\n");
        b.append("  size:    ").append(sectors).append(" sectors\n");
        if (t.ivOffset() != 0) {
            b.append("  skipped: ").append(t.ivOffset()).append(" sectors\n");
        }
        b.append("  mode:    ").append(device.readOnly() ? "readonly" : "read/write")
                .append(device.suspended() ? " (suspended)" : "").append('\n');
        String flags = flags(t);
        if (!flags.isEmpty()) {
            b.append("  flags:   ").append(flags).append('\n');
        }
        return b.toString();
    }

    /** cryptsetup's flags line: each word followed by a space, except the last it knows. */
    private static String flags(CryptTable t) {
        StringBuilder f = new StringBuilder();
        for (CryptOption o : List.of(CryptOption.ALLOW_DISCARDS, CryptOption.SAME_CPU_CRYPT,
                CryptOption.SUBMIT_FROM_CRYPT_CPUS, CryptOption.NO_READ_WORKQUEUE)) {
            if (t.options().contains(o)) {
                f.append(o.statusWord()).append(' ');
            }
        }
        if (t.options().contains(CryptOption.NO_WRITE_WORKQUEUE)) {
            f.append(CryptOption.NO_WRITE_WORKQUEUE.statusWord());
        }
        return f.toString();
    }
}
