package io.nbdcrypt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks1.Luks1Header;
import io.nbdcrypt.luks1.Luks1Volume;
import io.nbdcrypt.luks2.Luks2Header;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.luks2.LuksVolumes;
import io.nbdcrypt.luks2.digest.Digest;
import io.nbdcrypt.luks2.keyslot.Keyslot;
import io.nbdcrypt.luks2.segment.Segment;
import io.nbdcrypt.luks2.token.Token;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nbdcrypt dump}: the header as {@code cryptsetup luksDump} shows it, or as one JSON object. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Show the LUKS header of DEVICE (only after it passed validation).", footer = ExitStatus.HELP_FOOTER)
final class DumpCommand implements Callable<Integer> {
    /**
     * In a holder, not a field of this class: picocli loads every subcommand class when the
     * program starts, and an ObjectMapper made there costs every command (open, status ...) a
     * few hundred classes, seconds in a TCG guest.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    @Spec
    CommandSpec spec;

    @Mixin
    LuksTarget target;

    @Option(names = "--json", description = "One JSON object: binary header fields, metadata, and volume_key when asked.")
    boolean json;

    @Option(names = "--dump-volume-key", description = "Also print the volume key (needs a passphrase). Handle the output as the key it is.")
    boolean dumpVolumeKey;

    @Option(names = {"-d", "--key-file"}, paramLabel = "FILE", description = "Passphrase file (- for stdin).")
    Path keyFile;

    @Option(names = {"-S", "--key-slot"}, paramLabel = "N", description = "Keyslot to open for --dump-volume-key.")
    Integer keySlot;

    Passphrases passphrases = Passphrases.system();

    /** Errors go to {@link ErrorReporter}, which maps them to exit statuses. */
    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (BlockDevice hdr = target.openHeader(true)) {
            String key = null;
            if (dumpVolumeKey) {
                try (SecretBytes pass = passphrases.read(keyFile, "Enter passphrase for " + target.device + ": ", false);
                        LuksVolumes.UnlockedKey u = LuksVolumes.unlockKey(hdr, target.detachedHeader(hdr), pass,
                                LuksTarget.slot(keySlot))) {
                    byte[] raw = u.volumeKey().copyBytes(KeyAccess.get());
                    key = HexFormat.of().formatHex(raw);
                    SecretBytes.wipe(raw);
                }
            }
            if (LuksVolumes.version(hdr) == 1) {
                Luks1Header h = Luks1Volume.open(hdr, target.detached()).header();
                out.print(json ? luks1Json(h, key) : luks1Text(h, key));
            } else {
                Luks2Header h = Luks2Volume.open(hdr, target.detached()).header();
                out.print(json ? luks2Json(h, key) : luks2Text(h, key));
            }
            out.flush();
            return ExitStatus.OK;
        }
    }

    static String luks2Json(Luks2Header h, String key) throws Exception {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("luks_version", 2);
        ObjectNode b = root.putObject("binary");
        b.put("version", h.binary().version());
        b.put("hdr_size", h.hdrSize());
        b.put("seqid", h.seqid());
        b.put("label", h.binary().label());
        b.put("subsystem", h.binary().subsystem());
        b.put("checksum_alg", h.binary().checksumAlg());
        b.put("uuid", h.uuid());
        root.set("metadata", h.json());
        if (key != null) {
            root.put("volume_key", key);
        }
        return Json.MAPPER.writeValueAsString(root) + "\n";
    }

    static String luks2Text(Luks2Header h, String key) {
        StringBuilder s = new StringBuilder("LUKS header information\n");
        s.append("Version:       \t2\n");
        s.append("Epoch:         \t").append(h.seqid()).append('\n');
        s.append("Metadata area: \t").append(h.hdrSize()).append(" [bytes]\n");
        s.append("Keyslots area: \t").append(h.config().keyslotsSize()).append(" [bytes]\n");
        s.append("UUID:          \t").append(h.uuid()).append('\n');
        s.append("Label:         \t").append(h.binary().label().isEmpty() ? "(no label)" : h.binary().label()).append('\n');
        s.append("Subsystem:     \t").append(h.binary().subsystem().isEmpty() ? "(no subsystem)" : h.binary().subsystem()).append('\n');
        s.append("Flags:       \t").append(h.config().flags().isEmpty() ? "(no flags)" : String.join(" ", h.config().flags())).append("\n\n");
        s.append("Data segments:\n");
        for (Segment g : h.segments().values()) {
            s.append("  ").append(g.id()).append(": crypt\n");
            s.append("\toffset: ").append(g.offset()).append(" [bytes]\n");
            s.append("\tlength: ").append(g.size().isPresent() ? g.size().getAsLong() + " [bytes]" : "(whole device)").append('\n');
            s.append("\tcipher: ").append(g.encryption().spec()).append('\n');
            s.append("\tsector: ").append(g.sectorSize()).append(" [bytes]\n");
        }
        s.append("\nKeyslots:\n");
        for (Keyslot k : h.keyslots().values()) {
            s.append("  ").append(k.id()).append(": luks2\n");
            s.append("\tKey:        ").append(k.keySize() * 8).append(" bits\n");
            s.append("\tPriority:   ").append(switch (k.priority()) {
                case 0 -> "ignored";
                case 2 -> "preferred";
                default -> "normal";
            }).append('\n');
            s.append("\tCipher:     ").append(k.areaCipher().spec()).append('\n');
            s.append("\tCipher key: ").append(k.areaKeySize() * 8).append(" bits\n");
            s.append("\tPBKDF:      ").append(k.kdf().type()).append('\n');
            switch (k.kdf()) {
                case KdfParameters.Pbkdf2 p -> {
                    s.append("\tHash:       ").append(p.hash()).append('\n');
                    s.append("\tIterations: ").append(p.iterations()).append('\n');
                }
                case KdfParameters.Argon2 a -> {
                    s.append("\tTime cost:  ").append(a.time()).append('\n');
                    s.append("\tMemory:     ").append(a.memoryKiB()).append('\n');
                    s.append("\tThreads:    ").append(a.parallelism()).append('\n');
                }
            }
            hexLines(s, "\tSalt:       ", k.kdfSalt());
            s.append("\tAF stripes: ").append(k.stripes()).append('\n');
            s.append("\tAF hash:    ").append(k.afHash()).append('\n');
            s.append("\tArea offset:").append(k.areaOffset()).append(" [bytes]\n");
            s.append("\tArea length:").append(k.areaSize()).append(" [bytes]\n");
            h.digestFor(k.id()).ifPresent(d -> s.append("\tDigest ID:  ").append(d.id()).append('\n'));
        }
        s.append("Tokens:\n");
        for (Token t : h.tokens().values()) {
            s.append("  ").append(t.id()).append(": ").append(t.type()).append('\n');
            for (int k : t.keyslots()) {
                s.append("\tKeyslot:    ").append(k).append('\n');
            }
        }
        s.append("Digests:\n");
        for (Digest d : h.digests().values()) {
            s.append("  ").append(d.id()).append(": pbkdf2\n");
            s.append("\tHash:       ").append(d.hash()).append('\n');
            s.append("\tIterations: ").append(d.iterations()).append('\n');
            hexLines(s, "\tSalt:       ", d.salt());
            hexLines(s, "\tDigest:     ", d.digest());
        }
        if (key != null) {
            s.append("Volume key:\t").append(key).append('\n');
        }
        return s.toString();
    }

    static String luks1Json(Luks1Header h, String key) throws Exception {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("luks_version", 1);
        ObjectNode b = root.putObject("binary");
        b.put("cipher", h.cipher().spec());
        b.put("hash_spec", h.hash().luksName());
        b.put("payload_offset", h.payloadOffset());
        b.put("key_bytes", h.keyBytes());
        b.put("mk_digest_iterations", h.mkDigestIterations());
        b.put("uuid", h.uuid());
        ArrayNode slots = b.putArray("keyslots");
        for (Luks1Header.Slot s : h.slots()) {
            slots.addObject().put("id", s.id()).put("iterations", s.iterations()).put("key_material_offset", s.materialOffset())
                    .put("stripes", s.stripes());
        }
        if (key != null) {
            root.put("volume_key", key);
        }
        return Json.MAPPER.writeValueAsString(root) + "\n";
    }

    static String luks1Text(Luks1Header h, String key) {
        StringBuilder s = new StringBuilder("LUKS header information\n");
        s.append("Version:       \t1\n");
        s.append("Cipher:        \t").append(h.cipher().spec()).append('\n');
        s.append("Hash spec:     \t").append(h.hash()).append('\n');
        s.append("Payload offset:\t").append(h.payloadOffset() / 512).append('\n');
        s.append("MK bits:       \t").append(h.keyBytes() * 8).append('\n');
        s.append("MK iterations: \t").append(h.mkDigestIterations()).append('\n');
        s.append("UUID:          \t").append(h.uuid()).append("\n\n");
        for (Luks1Header.Slot k : h.slots()) {
            s.append("Key Slot ").append(k.id()).append(": ENABLED\n");
            s.append("\tIterations:         \t").append(k.iterations()).append('\n');
            s.append("\tKey material offset:\t").append(k.materialOffset() / 512).append('\n');
            s.append("\tAF stripes:            \t").append(k.stripes()).append('\n');
        }
        if (key != null) {
            s.append("Volume key:\t").append(key).append('\n');
        }
        return s.toString();
    }

    private static void hexLines(StringBuilder s, String first, byte[] b) {
        for (int i = 0; i < b.length; i += 16) {
            s.append(i == 0 ? first : "\t            ");
            for (int j = i; j < Math.min(b.length, i + 16); j++) {
                s.append(String.format("%02x ", b[j]));
            }
            s.append('\n');
        }
    }
}
