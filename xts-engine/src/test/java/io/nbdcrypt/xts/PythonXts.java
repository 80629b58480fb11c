package io.nbdcrypt.xts;

import io.nbdcrypt.testsupport.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * An independent XTS: Python {@code cryptography} (OpenSSL underneath), run once for a whole
 * batch of cases fed on stdin (test keys only; nothing goes on the command line).
 */
final class PythonXts {
    private static final HexFormat HEX = HexFormat.of();
    private static final String SCRIPT = """
            import sys
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
            for line in sys.stdin:
                op, key, tweak, data = line.split()
                c = Cipher(algorithms.AES(bytes.fromhex(key)), modes.XTS(bytes.fromhex(tweak)))
                ctx = c.encryptor() if op == 'e' else c.decryptor()
                print((ctx.update(bytes.fromhex(data)) + ctx.finalize()).hex())
            """;

    /** One unit to transform. */
    record Case(boolean encrypt, byte[] key, byte[] tweak, byte[] data) {}

    private PythonXts() {}

    static List<byte[]> run(List<Case> cases) {
        StringBuilder in = new StringBuilder();
        for (Case c : cases) {
            in.append(c.encrypt() ? 'e' : 'd').append(' ').append(HEX.formatHex(c.key())).append(' ')
                    .append(HEX.formatHex(c.tweak())).append(' ').append(HEX.formatHex(c.data())).append('\n');
        }
        String python = ExternalTool.debianPython().toString();
        ExternalTool.Result r = ExternalTool.run(List.of(python, "-c", SCRIPT), in.toString().getBytes(StandardCharsets.US_ASCII), 120)
                .assertSuccess();
        List<byte[]> out = new ArrayList<>();
        for (String line : r.stdoutText().split("\n")) {
            if (!line.isBlank()) {
                out.add(HEX.parseHex(line.strip()));
            }
        }
        if (out.size() != cases.size()) {
            throw new AssertionError("python returned " + out.size() + " results for " + cases.size() + " cases: " + r.stderr());
        }
        return out;
    }
}
