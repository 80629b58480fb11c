package io.nbdcrypt.luks2.interop;

import io.nbdcrypt.testsupport.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * An independent dm-crypt data path: Python's {@code cryptography} AES-XTS with the IV rule
 * written out here (IV = byte offset in the segment / 512 + iv_tweak, 16 bytes little-endian;
 * truncated to 32 bits for {@code plain}). Keys go over stdin, never argv.
 */
public final class PythonXts {
    private static final String SCRIPT = String.join("\n",
            "import sys",
            "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes",
            "op, path, off, segoff, ss, tweak, n, ivmode = sys.argv[1:]",
            "off, segoff, ss, tweak, n = int(off), int(segoff), int(ss), int(tweak), int(n)",
            "key = bytes.fromhex(sys.stdin.buffer.readline().decode().strip())",
            "data = sys.stdin.buffer.read() if op == 'enc' else None",
            "out = bytearray()",
            "with open(path, 'r+b') as f:",
            "    for i in range(0, n, ss):",
            "        iv = (off + i) // 512 + tweak",
            "        if ivmode == 'plain': iv &= 0xffffffff",
            "        c = Cipher(algorithms.AES(key), modes.XTS(iv.to_bytes(16, 'little')))",
            "        f.seek(segoff + off + i)",
            "        if op == 'enc':",
            "            e = c.encryptor(); f.write(e.update(data[i:i+ss]) + e.finalize())",
            "        else:",
            "            d = c.decryptor(); out += d.update(f.read(ss)) + d.finalize()",
            "sys.stdout.write(out.hex())");

    private PythonXts() {}

    /** Encrypts {@code plain} into the image at segment offset {@code off}. */
    public static void encrypt(Path image, byte[] key, long segmentOffset, int sectorSize, long ivTweak, long off,
            byte[] plain, String ivMode) {
        byte[] in = concat((HexFormat.of().formatHex(key) + "\n").getBytes(StandardCharsets.US_ASCII), plain);
        run("enc", image, segmentOffset, sectorSize, ivTweak, off, plain.length, ivMode, in);
    }

    /** Decrypts {@code len} bytes at segment offset {@code off}. */
    public static byte[] decrypt(Path image, byte[] key, long segmentOffset, int sectorSize, long ivTweak, long off,
            int len, String ivMode) {
        byte[] in = (HexFormat.of().formatHex(key) + "\n").getBytes(StandardCharsets.US_ASCII);
        return HexFormat.of().parseHex(run("dec", image, segmentOffset, sectorSize, ivTweak, off, len, ivMode, in).trim());
    }

    private static String run(String op, Path image, long segOff, int ss, long tweak, long off, int n, String ivMode,
            byte[] stdin) {
        return ExternalTool.run(List.of(ExternalTool.debianPython().toString(), "-c", SCRIPT, op, image.toString(),
                Long.toString(off), Long.toString(segOff), Integer.toString(ss), Long.toString(tweak),
                Integer.toString(n), ivMode), stdin, 120).assertSuccess().stdoutText();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
