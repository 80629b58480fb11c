package io.nbdcrypt.luks1;

import io.nbdcrypt.luks.common.RefusalReport;

/**
 * A LUKS1 header as {@code cryptsetup luksDump} prints it (cryptsetup 2.6.1's
 * {@code _luks_dump}): every field as stored, all eight keyslots. What nbdcrypt refuses
 * follows in a block of its own ({@link RefusalReport}).
 */
public final class Luks1Dump {
    private Luks1Dump() {}

    /** @param headerPath the header device as the user named it (cryptsetup prints it in the first line) */
    public static String text(Luks1Inspection h, String headerPath) {
        Luks1Fields f = h.fields();
        StringBuilder s = new StringBuilder("LUKS header information for ").append(headerPath).append("\n\n");
        s.append("Version:       \t1\n");
        s.append("Cipher name:   \t").append(f.cipherName()).append('\n');
        s.append("Cipher mode:   \t").append(f.cipherMode()).append('\n');
        s.append("Hash spec:     \t").append(f.hashSpec()).append('\n');
        s.append("Payload offset:\t").append(f.payloadSectors()).append('\n');
        s.append("MK bits:       \t").append(Integer.toUnsignedLong(f.keyBytes() * 8)).append('\n');
        s.append("MK digest:     \t");
        hex(s, f.mkDigest(), 0, 20);
        s.append('\n');
        salt(s, "MK salt:       \t", "               \t", f.mkDigestSalt());
        s.append("MK iterations: \t").append(f.mkDigestIterations()).append('\n');
        s.append("UUID:          \t").append(f.uuid()).append("\n\n");
        for (Luks1Fields.RawSlot k : f.slots()) {
            if (!k.isActive()) {
                s.append("Key Slot ").append(k.id()).append(": DISABLED\n");
                continue;
            }
            s.append("Key Slot ").append(k.id()).append(": ENABLED\n");
            s.append("\tIterations:         \t").append(k.iterations()).append('\n');
            salt(s, "\tSalt:               \t", "\t                      \t", k.salt());
            s.append("\tKey material offset:\t").append(k.materialSectors()).append('\n');
            s.append("\tAF stripes:            \t").append(k.stripes()).append('\n');
        }
        RefusalReport.append(s, h.refusals());
        return s.toString();
    }

    /** A 32-byte salt as cryptsetup prints it: two lines of 16 bytes. */
    private static void salt(StringBuilder s, String first, String second, byte[] salt) {
        s.append(first);
        hex(s, salt, 0, 16);
        s.append('\n').append(second);
        hex(s, salt, 16, 16);
        s.append('\n');
    }

    private static void hex(StringBuilder s, byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            s.append(String.format("%02x ", b[i]));
        }
    }
}
