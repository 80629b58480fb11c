package io.nbdcrypt.luks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.RefusalReport;
import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import io.nbdcrypt.luks.common.VolumeInfo;
import io.nbdcrypt.luks1.Luks1Dump;
import io.nbdcrypt.luks1.Luks1Fields;
import io.nbdcrypt.luks1.Luks1Inspection;
import io.nbdcrypt.luks1.Luks1Volume;
import io.nbdcrypt.luks2.Luks2Dump;
import io.nbdcrypt.luks2.Luks2HeaderReader;
import io.nbdcrypt.luks2.json.JsonArea;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;

/**
 * What {@code nbdcrypt dump} shows, for either LUKS version: the header as
 * {@code cryptsetup luksDump} prints it (or one JSON object), every header cryptsetup reads,
 * with what nbdcrypt will not open and why; and the volume key in cryptsetup's
 * {@code --dump-volume-key} layout.
 *
 * <p>A malformed header (one cryptsetup refuses too) is a {@link LuksFormatException}.
 */
public final class LuksDump {
    private LuksDump() {}

    /** A header shown: {@code text} as luksDump prints it, {@code json} as one object. */
    public record Shown(int luksVersion, String text, ObjectNode json, List<UnsupportedFeatureException> refusals) {
        public Shown {
            refusals = List.copyOf(refusals);
        }
    }

    /**
     * @param headerPath the header device as the user named it (cryptsetup's LUKS1 dump prints it)
     * @throws LuksFormatException if the header is malformed
     */
    public static Shown header(BlockDevice hdr, HeaderLocation location, String headerPath) throws IOException {
        if (LuksVolumes.version(hdr) == 1) {
            Luks1Inspection i = Luks1Volume.inspect(hdr, location);
            return new Shown(1, Luks1Dump.text(i, headerPath), luks1Json(i), i.refusals());
        }
        Luks2HeaderReader.Inspected i = Luks2HeaderReader.inspect(hdr, location);
        return new Shown(2, Luks2Dump.text(i.chosen()), Luks2Dump.json(i.chosen()), i.chosen().refusals());
    }

    /**
     * The volume key as {@code cryptsetup luksDump --dump-volume-key} prints it: the cipher
     * split into name and mode, the payload offset in 512-byte sectors, the key in hex, 16
     * bytes to a line. The returned text is key material: print it, never log it.
     */
    public static String volumeKeyText(String headerPath, VolumeInfo info, VolumeKey key) {
        StringBuilder s = new StringBuilder("LUKS header information for ").append(headerPath).append('\n');
        int dash = info.cipher().indexOf('-');
        s.append("Cipher name:   \t").append(dash < 0 ? info.cipher() : info.cipher().substring(0, dash)).append('\n');
        s.append("Cipher mode:   \t").append(dash < 0 ? "" : info.cipher().substring(dash + 1)).append('\n');
        s.append("Payload offset:\t").append(info.dataOffset() / 512).append('\n');
        s.append("UUID:          \t").append(info.uuid()).append('\n');
        s.append("MK bits:       \t").append(key.length() * 8).append('\n');
        s.append("MK dump:\t");
        byte[] raw = key.copyBytes(KeyAccess.get());
        try {
            for (int i = 0; i < raw.length; i++) {
                if (i > 0 && i % 16 == 0) {
                    s.append("\n\t\t");
                }
                s.append(HexFormat.of().toHexDigits(raw[i])).append(' ');
            }
        } finally {
            SecretBytes.wipe(raw);
        }
        return s.append('\n').toString();
    }

    /** {@code key} as one hex string, for the JSON dump's {@code volume_key}. */
    public static String volumeKeyHex(VolumeKey key) {
        byte[] raw = key.copyBytes(KeyAccess.get());
        try {
            return HexFormat.of().formatHex(raw);
        } finally {
            SecretBytes.wipe(raw);
        }
    }

    private static ObjectNode luks1Json(Luks1Inspection i) {
        Luks1Fields f = i.fields();
        ObjectNode root = JsonArea.newObject();
        root.put("luks_version", 1);
        ObjectNode b = root.putObject("binary");
        b.put("cipher", f.cipherName() + "-" + f.cipherMode());
        b.put("hash_spec", f.hashSpec());
        b.put("payload_offset", f.payloadSectors() * 512);
        b.put("key_bytes", f.keyBytes());
        b.put("mk_digest_iterations", f.mkDigestIterations());
        b.put("uuid", f.uuid());
        ArrayNode slots = b.putArray("keyslots");
        for (Luks1Fields.RawSlot s : f.slots()) {
            if (s.isActive()) {
                slots.addObject().put("id", s.id()).put("iterations", s.iterations())
                        .put("key_material_offset", s.materialSectors() * 512).put("stripes", s.stripes());
            }
        }
        ArrayNode refused = root.putArray("nbdcrypt_refuses");
        for (UnsupportedFeatureException e : i.refusals()) {
            refused.addObject().put("field", e.field()).put("reason", RefusalReport.reason(e));
        }
        return root;
    }
}
