package io.nbdcrypt.cli;

import io.nbdcrypt.crypto.Passphrase;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where passphrases come from: a key file (its whole content, as cryptsetup reads key files;
 * {@code -} is stdin, read to its end), or a prompt on the terminal without echo. Never from
 * arguments or the environment, which other users and logs can see.
 */
final class Passphrases {
    private final InputStream stdin;
    private final Console console;
    private boolean stdinUsed;

    Passphrases(InputStream stdin, Console console) {
        this.stdin = stdin;
        this.console = console;
    }

    static Passphrases system() {
        return new Passphrases(System.in, System.console());
    }

    boolean interactive() {
        return console != null;
    }

    /** The passphrase from {@code keyFile}, or from a prompt if it is null. */
    Passphrase read(Path keyFile, String prompt, boolean verify) throws IOException, ExitStatus.UsageException {
        if (keyFile != null) {
            return fromFile(keyFile);
        }
        if (console == null) {
            throw new ExitStatus.UsageException("no passphrase: give --key-file (or - for stdin), or run on a terminal to be asked");
        }
        Passphrase first = prompt(prompt);
        if (!verify) {
            return first;
        }
        try (Passphrase again = prompt("Verify passphrase: ")) {
            if (!first.equalsConstantTime(again)) {
                first.close();
                throw new ExitStatus.UsageException("passphrases do not match");
            }
        }
        return first;
    }

    private Passphrase fromFile(Path keyFile) throws IOException, ExitStatus.UsageException {
        byte[] raw;
        if (keyFile.toString().equals("-")) {
            if (stdinUsed) {
                throw new ExitStatus.UsageException("stdin (-) can supply only one passphrase per command");
            }
            stdinUsed = true;
            raw = stdin.readAllBytes();
        } else if (Files.isDirectory(keyFile)) {
            throw new ExitStatus.UsageException("key file " + keyFile + " is a directory");
        } else {
            try {
                raw = Files.readAllBytes(keyFile);
            } catch (NoSuchFileException e) {
                throw new ExitStatus.UsageException("key file " + keyFile + " does not exist");
            } catch (AccessDeniedException e) {
                throw new ExitStatus.UsageException("key file " + keyFile + ": permission denied");
            }
        }
        if (raw.length == 0) {
            throw new ExitStatus.UsageException("key file " + keyFile + " is empty");
        }
        return Passphrase.takeOwnership(raw);
    }

    private Passphrase prompt(String prompt) throws ExitStatus.UsageException {
        char[] chars = console.readPassword("%s", prompt);
        if (chars == null || chars.length == 0) {
            throw new ExitStatus.UsageException("no passphrase entered");
        }
        ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
        Arrays.fill(chars, '\0');
        byte[] bytes = new byte[bb.remaining()];
        bb.get(bytes);
        if (bb.hasArray()) {
            Arrays.fill(bb.array(), (byte) 0);
        }
        return Passphrase.takeOwnership(bytes);
    }
}
