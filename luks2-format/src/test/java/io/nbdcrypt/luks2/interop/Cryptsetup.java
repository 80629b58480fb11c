package io.nbdcrypt.luks2.interop;

import io.nbdcrypt.testsupport.ExternalTool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The real cryptsetup, on plain files (no device-mapper needed for these commands). */
public final class Cryptsetup {
    /** Fast KDF options for tests: cryptsetup's minimum PBKDF2 cost. */
    public static final List<String> FAST_PBKDF2 = List.of("--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000");

    private Cryptsetup() {}

    public static Path binary() {
        return ExternalTool.require("cryptsetup");
    }

    public static ExternalTool.Result run(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary().toString());
        cmd.addAll(args);
        return ExternalTool.run(cmd, null, 180);
    }

    /** {@code luksFormat --batch-mode --key-file key [extra...] image}. */
    public static void format(Path image, Path keyFile, List<String> extra) {
        List<String> a = new ArrayList<>(List.of("luksFormat", "--batch-mode", "--key-file", keyFile.toString()));
        a.addAll(extra);
        a.add(image.toString());
        run(a).assertSuccess();
    }

    /** The volume key from {@code luksDump --dump-volume-key}. */
    public static byte[] volumeKey(Path image, Path keyFile, List<String> extra) {
        List<String> a = new ArrayList<>(List.of("luksDump", "--dump-volume-key", "--batch-mode", "--key-file",
                keyFile.toString()));
        a.addAll(extra);
        a.add(image.toString());
        String out = run(a).assertSuccess().stdoutText();
        int at = out.indexOf("MK dump:");
        if (at < 0) {
            throw new AssertionError("no 'MK dump:' in cryptsetup output: " + out);
        }
        return HexFormat.of().parseHex(out.substring(at + "MK dump:".length()).replaceAll("[^0-9a-fA-F]", ""));
    }

    /** {@code luksAddKey} with the existing key file and a new one. */
    public static void addKey(Path image, Path keyFile, Path newKeyFile, List<String> extra) {
        List<String> a = new ArrayList<>(List.of("luksAddKey", "--batch-mode", "--key-file", keyFile.toString()));
        a.addAll(FAST_PBKDF2);
        a.addAll(extra);
        a.add(image.toString());
        a.add(newKeyFile.toString());
        run(a).assertSuccess();
    }

    /** Exit code of {@code open --test-passphrase}: 0 when the key file opens the volume. */
    public static int testPassphrase(Path image, Path keyFile, List<String> extra) {
        List<String> a = new ArrayList<>(List.of("open", "--test-passphrase", "--batch-mode", "--key-file",
                keyFile.toString()));
        a.addAll(extra);
        a.add(image.toString());
        return run(a).exitCode();
    }

    /** {@code luksDump} output (fails the test if cryptsetup rejects the header). */
    public static String dump(Path image, List<String> extra) {
        List<String> a = new ArrayList<>(List.of("luksDump"));
        a.addAll(extra);
        a.add(image.toString());
        return run(a).assertSuccess().stdoutText();
    }
}
