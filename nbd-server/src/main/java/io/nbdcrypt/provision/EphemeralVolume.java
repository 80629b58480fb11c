package io.nbdcrypt.provision;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.block.auth.AuthenticatedLayout;
import io.nbdcrypt.block.auth.AuthenticatedVolume;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks2.FormatOptions;
import io.nbdcrypt.luks2.Luks2Formatter;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.luks2.keyslot.KeyslotLayout;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A volume that lives as long as this process: a fresh random 512-bit volume key, and a
 * detached LUKS2 header (aes-xts-plain64, 4096-byte sectors, data from byte 0 of the raw
 * device) that exists only in memory and has no keyslot, so no KDF ever runs and nothing on
 * the host-visible disk identifies the volume.
 *
 * <p>With a header file, the header is written there instead, with one keyslot opened by a
 * fresh random 256-bit passphrase saved beside it ({@code FILE.key}, mode 0600), so that
 * {@code cryptsetup open --header FILE --key-file FILE.key DEVICE NAME} reads the volume (for
 * debugging). A keyslot rather than a volume-key file: every cryptsetup opens it, the usual
 * keyslot commands work on it, and cryptsetup cannot even tell the key size of a header with
 * no keyslot without being told. The passphrase has full key entropy, so PBKDF2 at the
 * minimum 1000 iterations gives up nothing.
 */
public final class EphemeralVolume implements AutoCloseable {
    private static final FormatOptions OPTIONS = FormatOptions
            .defaults(new KdfParameters.Pbkdf2(HashAlgorithm.SHA256, 1000))
            .withMetadataSize(FormatOptions.DEFAULT_METADATA_SIZE, OptionalLong.of(keyslotsSize()));

    private final BlockDevice headerDevice;
    private final Luks2Volume header;
    private final VolumeKey volumeKey;
    private final Optional<Path> headerFile;
    private boolean closed;

    private EphemeralVolume(BlockDevice headerDevice, Luks2Volume header, VolumeKey volumeKey, Optional<Path> headerFile) {
        this.headerDevice = headerDevice;
        this.header = header;
        this.volumeKey = volumeKey;
        this.headerFile = headerFile;
    }

    /**
     * A new ephemeral volume's header and key.
     *
     * @param headerFile where to write the header instead of memory (must not exist)
     * @throws FileAlreadyExistsException if the header file or its key file exists
     */
    public static EphemeralVolume create(Optional<Path> headerFile, SecureRandom random) throws IOException {
        return create(headerFile, Optional.empty(), random);
    }

    /**
     * A new ephemeral authenticated volume's header and key: the whole raw device of
     * {@code rawSize} bytes holds the data from byte 0 and its hash tree after it (about 0.6%),
     * 4096-byte sectors; the header's segment says so ({@code aes-256-gcm}, integrity
     * {@code nbdcrypt-tree-v1}) with a mandatory requirement, so cryptsetup refuses to map it.
     *
     * @throws IllegalArgumentException if the device is too small for one sector and its tree
     */
    public static EphemeralVolume createAuthenticated(Optional<Path> headerFile, long rawSize, SecureRandom random)
            throws IOException {
        return create(headerFile, Optional.of(AuthenticatedLayout.fit(0, rawSize, 4096)), random);
    }

    private static EphemeralVolume create(Optional<Path> headerFile, Optional<AuthenticatedLayout> authenticated,
            SecureRandom random) throws IOException {
        long metadataEnd = 2 * OPTIONS.metadataSize() + OPTIONS.keyslotsSize().getAsLong();
        if (headerFile.isEmpty()) {
            MemoryHeaderDevice memory = new MemoryHeaderDevice((int) metadataEnd);
            Luks2Formatter.Formatted f = format(memory, authenticated, random);
            return new EphemeralVolume(memory, f.volume(), f.volumeKey(), headerFile);
        }
        Path file = headerFile.get();
        Path keyFile = passphraseFileOf(file);
        if (Files.exists(keyFile)) {
            throw new FileAlreadyExistsException(keyFile.toString());
        }
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.setLength(metadataEnd);
            }
            FileBlockDevice dev = FileBlockDevice.open(file, false);
            Luks2Formatter.Formatted f;
            try {
                f = format(dev, authenticated, random);
                addPassphraseKeyslot(f, keyFile, random);
            } catch (IOException | RuntimeException e) {
                dev.close();
                throw e;
            }
            return new EphemeralVolume(dev, f.volume(), f.volumeKey(), headerFile);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            Files.deleteIfExists(keyFile);
            throw e;
        }
    }

    private static void addPassphraseKeyslot(Luks2Formatter.Formatted f, Path keyFile, SecureRandom random)
            throws IOException {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        byte[] hex = HexFormat.of().formatHex(raw).getBytes(StandardCharsets.US_ASCII);
        SecretBytes.wipe(raw);
        try (Passphrase passphrase = Passphrase.takeOwnership(hex)) {
            // Created 0600 from the start: there is no moment when others may read it.
            Files.write(Files.createFile(keyFile,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))), hex);
            f.volume().addKeyslot(f.volumeKey(), passphrase, OPTIONS.kdf(), java.util.OptionalInt.empty(), OPTIONS.hash());
        } catch (IOException | RuntimeException e) {
            f.volumeKey().close();
            throw e;
        }
    }

    private static Luks2Formatter.Formatted format(BlockDevice device, Optional<AuthenticatedLayout> authenticated,
            SecureRandom random) throws IOException {
        return authenticated.isPresent()
                ? Luks2Formatter.formatAuthenticatedWithoutKeyslot(device, OPTIONS, authenticated.get(), random)
                : Luks2Formatter.formatWithoutKeyslot(device, HeaderLocation.DETACHED, OPTIONS, random);
    }

    /** Room for exactly one keyslot (the header file's); the in-memory header has none. */
    private static long keyslotsSize() {
        return (KeyslotLayout.areaSize(64) + 4095) / 4096 * 4096;
    }

    /** Where the passphrase of a header file's keyslot goes: {@code FILE.key}. */
    public static Path passphraseFileOf(Path headerFile) {
        return headerFile.resolveSibling(headerFile.getFileName() + ".key");
    }

    public Luks2Volume header() {
        return header;
    }

    public VolumeKey volumeKey() {
        return volumeKey;
    }

    /** The header file, when the header is not in memory. */
    public Optional<Path> headerFile() {
        return headerFile;
    }

    /** The volume as a backend takes it, over {@code raw} (which must be at least one sector). */
    public UnlockedVolume on(Path rawPath, BlockDevice raw, boolean allowDiscards) {
        return on(rawPath, raw, allowDiscards, AuthenticatedVolume.defaultCacheBytes());
    }

    /** {@link #on(Path, BlockDevice, boolean)}, with the tree-node cache of an authenticated volume. */
    public UnlockedVolume on(Path rawPath, BlockDevice raw, boolean allowDiscards, long metadataCacheBytes) {
        var segment = header.header().dataSegment();
        String mode = segment.authenticated().isPresent()
                ? String.format(java.util.Locale.ROOT, "authenticated aes-256-gcm + nbdcrypt-tree-v1 (metadata %.2f%% of the data)",
                        segment.authenticated().get().layout(segment).overheadPercent())
                : "aes-xts-plain64 512-bit";
        return new UnlockedVolume(rawPath, raw, header, volumeKey, allowDiscards,
                "ephemeral LUKS2 " + mode + ", 4096-byte sectors, uuid " + header.header().uuid()
                        + headerFile.map(f -> ", header " + f).orElse(", header in memory"), metadataCacheBytes);
    }

    /** Wipes the key and the in-memory header (a header file stays). Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            volumeKey.close();
        } finally {
            headerDevice.close();
        }
    }
}
