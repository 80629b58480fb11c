package io.nbdcrypt.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.luks2.interop.PythonXts;
import io.nbdcrypt.testsupport.Bytes;
import io.nbdcrypt.testsupport.ExternalTool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Host-side judges for the guest ITs, each a tool that is not ours: libnbd's {@code nbdcopy}
 * reads an export, e2fsprogs checks and reads a file system image, cryptsetup reads the LUKS2
 * header and yields the volume key, Python's {@code cryptography} decrypts as dm-crypt does.
 */
final class HostImages {
    private static final int CHUNK = 4 << 20;
    private static final Pattern SEGMENT = Pattern.compile(
            "Data segments:\\s+0: crypt\\s+offset: (\\d+) \\[bytes]\\s+length: [^\\n]*\\n\\s+cipher: (\\S+)\\s+sector: (\\d+) \\[bytes]");

    private HostImages() {}

    /** Copies the whole export at {@code uri} into {@code out} with {@code nbdcopy}. */
    static Path copyExport(String uri, Path out) {
        ExternalTool.run(List.of(ExternalTool.require("nbdcopy").toString(), uri, out.toString()), null, 120)
                .assertSuccess();
        return out;
    }

    /** {@code debugfs -R 'cat PATH'} on an ext4 image: the file's bytes as e2fsprogs reads them. */
    static byte[] catFile(Path ext4Image, String path) {
        return ExternalTool.run(ExternalTool.require("debugfs").toString(), "-R", "cat " + path, ext4Image.toString())
                .assertSuccess().stdout();
    }

    /** {@code e2fsck -fn}: fails the test unless the image is a clean ext4 file system. */
    static void assertCleanExt4(Path ext4Image) {
        ExternalTool.run(ExternalTool.require("e2fsck").toString(), "-fn", ext4Image.toString()).assertSuccess();
    }

    /** The data segment of a LUKS2 image as {@code cryptsetup luksDump} reports it. */
    record Segment(long offset, String cipher, int sectorSize) {}

    static Segment segment(Path luksImage) {
        String dump = Cryptsetup.dump(luksImage, List.of());
        Matcher m = SEGMENT.matcher(dump);
        if (!m.find()) {
            throw new AssertionError("no crypt segment 0 in cryptsetup luksDump output:\n" + dump);
        }
        return new Segment(Long.parseLong(m.group(1)), m.group(2), Integer.parseInt(m.group(3)));
    }

    /**
     * The plaintext of a LUKS2 image's data segment as dm-crypt would read it, into {@code out}:
     * the volume key from {@code cryptsetup luksDump --dump-volume-key}, every sector decrypted
     * by Python's AES-XTS (never-written sectors become noise, as under dm-crypt).
     */
    static Path decryptLikeDmCrypt(Path luksImage, Path passphrase, Path out) throws IOException {
        Segment s = segment(luksImage);
        if (!s.cipher().equals("aes-xts-plain64")) {
            throw new AssertionError("segment cipher " + s.cipher() + ", expected aes-xts-plain64");
        }
        long length = Files.size(luksImage) - s.offset();
        byte[] key = Cryptsetup.volumeKey(luksImage, passphrase, List.of());
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long at = 0; at < length; at += CHUNK) {
                int n = (int) Math.min(CHUNK, length - at);
                ch.write(ByteBuffer.wrap(PythonXts.decrypt(luksImage, key, s.offset(), s.sectorSize(), 0, at, n,
                        "plain64")), at);
            }
        } finally {
            Arrays.fill(key, (byte) 0);
        }
        return out;
    }

    /**
     * The raw disk of a volume holds neither {@code marker} in the clear nor a LUKS2 header
     * magic (primary or secondary) anywhere: what an ephemeral volume, or one whose header is
     * in a file, must leave for the host to see.
     */
    static void assertNoMarkerNoLuksMagic(Path image, String marker) throws IOException {
        byte[] raw = Files.readAllBytes(image);
        String name = image.getFileName().toString();
        assertEquals(-1,
                Bytes.indexOf(raw, marker.getBytes(StandardCharsets.US_ASCII)),
                name + ": marker in the clear on the raw disk");
        for (byte[] magic : List.of(new byte[] {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe},
                new byte[] {'S', 'K', 'U', 'L', (byte) 0xba, (byte) 0xbe})) {
            assertEquals(-1, Bytes.indexOf(raw, magic),
                    name + ": LUKS magic on the raw disk");
        }
    }

    /**
     * Offsets in {@code image} (multiples of 512) where a 512-byte-aligned block of any of
     * {@code plaintexts} starts in the clear. File data lies in whole file system blocks, so a
     * server that stored it unencrypted would be caught at one of these offsets.
     */
    static List<Long> plaintextBlocksIn(Path image, List<byte[]> plaintexts) throws IOException {
        Set<ByteBuffer> blocks = new HashSet<>();
        for (byte[] p : plaintexts) {
            for (int i = 0; i + 512 <= p.length; i += 512) {
                blocks.add(ByteBuffer.wrap(Arrays.copyOfRange(p, i, i + 512)));
            }
        }
        List<Long> found = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            for (long at = 0; readFully(ch, buf.clear(), at) > 0; at += CHUNK) {
                for (int i = 0; i + 512 <= buf.position(); i += 512) {
                    if (blocks.contains(ByteBuffer.wrap(buf.array(), i, 512).slice())) {
                        found.add(at + i);
                    }
                }
            }
        }
        return found;
    }

    /** Reads until {@code buf} is full or the file ends; returns the bytes read. */
    private static int readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, at + buf.position()) < 0) {
                break;
            }
        }
        return buf.position();
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
