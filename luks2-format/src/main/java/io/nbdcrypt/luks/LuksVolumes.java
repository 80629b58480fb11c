package io.nbdcrypt.luks;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.DeviceInUseException;
import io.nbdcrypt.block.DeviceLock;
import io.nbdcrypt.block.EncryptedVolume;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksException;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.LuksMagic;
import io.nbdcrypt.luks.common.VolumeInfo;
import io.nbdcrypt.luks.common.WrongPassphraseException;
import io.nbdcrypt.luks1.Luks1Volume;
import io.nbdcrypt.luks2.Luks2Header;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.luks2.segment.Segment;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The entry point for servers: open a LUKS1 or LUKS2 volume (told apart by the header's magic
 * and version) with a passphrase and get its plaintext as a {@link BlockDevice}.
 *
 * <p>The header is untrusted input: it is fully validated (cipher allow-list, bounds, KDF
 * floor) before the passphrase is used. The volume key lives only inside the returned
 * device's cipher; the {@link VolumeKey} copy is wiped before this returns.
 */
public final class LuksVolumes {
    private LuksVolumes() {}

    /** An opened volume: the plaintext device plus what it is. Closing closes the files. */
    public record Opened(BlockDevice device, VolumeInfo info) implements Closeable {
        @Override
        public void close() throws IOException {
            device.close();
        }
    }

    /** An unlocked volume key with its description; the caller closes the key. */
    public record UnlockedKey(VolumeInfo info, VolumeKey volumeKey) implements Closeable {
        @Override
        public void close() {
            volumeKey.close();
        }
    }

    /**
     * Opens {@code device} with {@code passphrase}.
     *
     * @param detachedHeader a header file, when the device holds only data
     * @throws LuksFormatException      if the header is malformed or refused
     * @throws LuksException            if {@code readOnly} is false on a LUKS1 CBC-ESSIV volume
     *                                  (legacy, opened read-only only)
     * @throws WrongPassphraseException if no keyslot opens
     * @throws IOException              if a file cannot be read
     */
    public static Opened open(Path device, Optional<Path> detachedHeader, Passphrase passphrase, boolean readOnly)
            throws IOException {
        return open(device, detachedHeader, passphrase, readOnly, DeviceLock.NONE);
    }

    /**
     * {@link #open(Path, Optional, Passphrase, boolean)} holding {@code lock} on the data device
     * and on the detached header for as long as the returned device is open.
     *
     * @throws DeviceInUseException if another program holds a conflicting lock on either
     */
    public static Opened open(Path device, Optional<Path> detachedHeader, Passphrase passphrase, boolean readOnly,
            DeviceLock lock) throws IOException {
        BlockDevice data = FileBlockDevice.open(device, readOnly, lock);
        try {
            if (detachedHeader.isPresent()) {
                BlockDevice header = FileBlockDevice.open(detachedHeader.get(), true, lock);
                boolean held = false;
                try {
                    // With a lock, the header stays open (and locked) until the volume is closed.
                    BlockDevice served = lock == DeviceLock.NONE ? data : new WithHeldHeader(data, header);
                    Opened opened = open(served, Optional.of(header), passphrase, OptionalInt.empty());
                    held = lock != DeviceLock.NONE;
                    return opened;
                } finally {
                    if (!held) {
                        header.close();
                    }
                }
            }
            return open(data, Optional.empty(), passphrase, OptionalInt.empty());
        } catch (IOException | RuntimeException e) {
            data.close();
            throw e;
        }
    }

    /**
     * Opens an already opened data device; {@code header} (read, then no longer needed) when
     * detached. The returned device owns {@code data}.
     */
    public static Opened open(BlockDevice data, Optional<BlockDevice> header, Passphrase passphrase, OptionalInt keyslot)
            throws IOException {
        BlockDevice hdr = header.orElse(data);
        int version = version(hdr);
        if (version == 1) {
            Luks1Volume v = Luks1Volume.open(hdr, HeaderLocation.detachedIf(header.isPresent()));
            v.checkAccess(data);
            Luks1Volume.Unlocked u = v.unlock(passphrase, keyslot);
            try (VolumeKey key = u.volumeKey()) {
                EncryptedVolume ev = v.dataVolume(data, key);
                return new Opened(ev, v.info(ev.size(), u.keyslot()));
            }
        }
        Luks2Volume v = Luks2Volume.open(hdr, HeaderLocation.detachedIf(header.isPresent()));
        Luks2Volume.Unlocked u = v.unlock(passphrase, keyslot);
        try (VolumeKey key = u.volumeKey()) {
            EncryptedVolume ev = v.dataVolume(data, key);
            return new Opened(ev, info(v.header(), ev.size(), u.keyslot(), key.length()));
        }
    }

    /**
     * The keyslot {@code passphrase} opens, without building a data path or keeping the key
     * ({@code test-key}, like {@code cryptsetup open --test-passphrase}): with {@code keyslot}
     * given, an unbound LUKS2 keyslot counts too.
     *
     * @throws WrongPassphraseException if no keyslot tried opens
     */
    public static int testKey(BlockDevice data, Optional<BlockDevice> header, Passphrase passphrase, OptionalInt keyslot)
            throws IOException {
        BlockDevice hdr = header.orElse(data);
        HeaderLocation location = HeaderLocation.detachedIf(header.isPresent());
        if (version(hdr) == 1) {
            Luks1Volume.Unlocked u = Luks1Volume.open(hdr, location).unlock(passphrase, keyslot);
            u.volumeKey().close();
            return u.keyslot();
        }
        return Luks2Volume.open(hdr, location).verify(passphrase, keyslot);
    }

    /**
     * Unlocks the volume key without building a data path (for the dm-crypt backend, or
     * {@code dump --dump-volume-key}).
     */
    public static UnlockedKey unlockKey(BlockDevice data, Optional<BlockDevice> header, Passphrase passphrase,
            OptionalInt keyslot) throws IOException {
        BlockDevice hdr = header.orElse(data);
        if (version(hdr) == 1) {
            Luks1Volume v = Luks1Volume.open(hdr, HeaderLocation.detachedIf(header.isPresent()));
            Luks1Volume.Unlocked u = v.unlock(passphrase, keyslot);
            return new UnlockedKey(v.info(v.dataSize(data.size()), u.keyslot()), u.volumeKey());
        }
        Luks2Volume v = Luks2Volume.open(hdr, HeaderLocation.detachedIf(header.isPresent()));
        Luks2Volume.Unlocked u = v.unlock(passphrase, keyslot);
        long size = v.header().dataSegment().sizeOn(data.size());
        return new UnlockedKey(info(v.header(), size, u.keyslot(), u.volumeKey().length()), u.volumeKey());
    }

    /**
     * The LUKS version at the start of {@code dev}: 1, or 2 (also when the primary header is
     * damaged, so the LUKS2 reader can look for the secondary copy).
     */
    public static int version(BlockDevice dev) throws IOException {
        if (dev.size() < 8) {
            throw new LuksFormatException("binary.magic", "device of " + dev.size() + " bytes is too small for a LUKS header");
        }
        byte[] b = new byte[8];
        dev.read(0, ByteBuffer.wrap(b));
        return LuksMagic.version(b);
    }

    static VolumeInfo info(Luks2Header h, long size, int keyslot, int keyBytes) {
        Segment s = h.dataSegment();
        return new VolumeInfo(2, h.uuid(), h.binary().label(), s.encryption().spec(), keyBytes * 8, s.sectorSize(),
                s.offset(), size, s.ivTweak(), keyslot);
    }
}
