package io.nbdcrypt.luks2.interop;

import io.nbdcrypt.testsupport.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * An independent dm-crypt {@code aes-cbc-essiv:sha256} data path in Python {@code cryptography}
 * + hashlib, with the rule written out here: for the 512-byte sector n counted from the payload
 * start, IV = AES-ECB under SHA-256(volume key) of n as 16 bytes little-endian, then AES-CBC
 * of the sector under the volume key. The key goes over stdin, never argv.
 */
public final class PythonCbcEssiv {
    private static final String SCRIPT = String.join("\n",
            "import sys, hashlib",
            "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes",
            "op, path, payload, off, n = sys.argv[1:]",
            "payload, off, n = int(payload), int(off), int(n)",
            "key = bytes.fromhex(sys.stdin.buffer.readline().decode().strip())",
            "data = sys.stdin.buffer.read() if op == 'enc' else None",
            "salt = hashlib.sha256(key).digest()",
            "out = bytearray()",
            "with open(path, 'r+b') as f:",
            "    for i in range(0, n, 512):",
            "        sector = (off + i) // 512",
            "        e = Cipher(algorithms.AES(salt), modes.ECB()).encryptor()",
            "        iv = e.update(sector.to_bytes(16, 'little')) + e.finalize()",
            "        c = Cipher(algorithms.AES(key), modes.CBC(iv))",
            "        f.seek(payload + off + i)",
            "        if op == 'enc':",
            "            x = c.encryptor(); f.write(x.update(data[i:i+512]) + x.finalize())",
            "        else:",
            "            x = c.decryptor(); out += x.update(f.read(512)) + x.finalize()",
            "sys.stdout.write(out.hex())");

    private PythonCbcEssiv() {}

    /** Encrypts {@code plain} (whole sectors) into the image at {@code off} bytes into the payload. */
    public static void encrypt(Path image, byte[] key, long payloadOffset, long off, byte[] plain) {
        byte[] head = (HexFormat.of().formatHex(key) + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] in = Arrays.copyOf(head, head.length + plain.length);
        System.arraycopy(plain, 0, in, head.length, plain.length);
        run("enc", image, payloadOffset, off, plain.length, in);
    }

    /** Decrypts {@code len} bytes (whole sectors) at {@code off} bytes into the payload. */
    public static byte[] decrypt(Path image, byte[] key, long payloadOffset, long off, int len) {
        byte[] in = (HexFormat.of().formatHex(key) + "\n").getBytes(StandardCharsets.US_ASCII);
        return HexFormat.of().parseHex(run("dec", image, payloadOffset, off, len, in).trim());
    }

    private static String run(String op, Path image, long payload, long off, int n, byte[] stdin) {
        return ExternalTool.run(List.of(ExternalTool.debianPython().toString(), "-c", SCRIPT, op, image.toString(),
                Long.toString(payload), Long.toString(off), Integer.toString(n)), stdin, 120).assertSuccess().stdoutText();
    }
}
