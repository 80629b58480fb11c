package io.nbdcrypt.cli;

import io.nbdcrypt.block.DeviceInUseException;
import io.nbdcrypt.kernel.NoNbdClientException;
import io.nbdcrypt.kernel.dm.DmCryptException;
import io.nbdcrypt.luks2.LuksFormatException;
import io.nbdcrypt.luks2.WrongPassphraseException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/**
 * Exit codes of every nbdcrypt command, and the one place that maps failures to them. Messages
 * go to stderr, prefixed with the command; they never contain key material (our exceptions do
 * not carry any).
 */
final class ExitStatus {
    /** Success (for test-key: the passphrase opens the volume). */
    static final int OK = 0;
    /** Wrong passphrase, or no keyslot opens. */
    static final int WRONG_PASSPHRASE = 1;
    /** Bad usage or arguments (picocli's own usage errors are 2 as well). */
    static final int USAGE = 2;
    /** The header is malformed or refused (cipher not allowed, bad sizes...). */
    static final int BAD_HEADER = 3;
    /** Reading or writing a file or device failed, or another LUKS error. */
    static final int IO_ERROR = 4;
    /** The user did not confirm a destructive operation. */
    static final int DECLINED = 5;
    /** The kernel cannot do it here: no NBD client, no device-mapper, dm-crypt or keyring, or no CAP_SYS_ADMIN. */
    static final int KERNEL_UNAVAILABLE = 6;
    /** Busy: the mapping name is taken, the device or the mapping is in use. */
    static final int BUSY = 7;

    /** The footer every LUKS command's help ends with. */
    static final String HELP_FOOTER = "%nExit status: 0 ok; 1 wrong passphrase / no keyslot opens; 2 bad usage or arguments;"
            + " 3 header malformed or refused; 4 I/O or other LUKS error; 5 not confirmed;"
            + " 6 the kernel lacks the NBD client or device-mapper/dm-crypt, or the caller CAP_SYS_ADMIN; 7 name taken or device in use.%n"
            + "Passphrases come from --key-file (a file, or - for stdin; the whole content is the passphrase)"
            + " or from a prompt without echo on a terminal; never from arguments or the environment.";

    private ExitStatus() {}

    /** Prints {@code e} for the user and returns its exit code. */
    static int report(String command, Exception e, PrintWriter err) {
        int code;
        String msg;
        if (e instanceof WrongPassphraseException) {
            code = WRONG_PASSPHRASE;
            msg = e.getMessage();
        } else if (e instanceof LuksFormatException) {
            code = BAD_HEADER;
            msg = "LUKS header refused: " + e.getMessage();
        } else if (e instanceof DmCryptException d) {
            code = switch (d.reason()) {
                case UNAVAILABLE, PERMISSION -> KERNEL_UNAVAILABLE;
                case NAME_TAKEN, DEVICE_IN_USE, MAPPING_BUSY -> BUSY;
                default -> IO_ERROR;
            };
            msg = e.getMessage();
        } else if (e instanceof NoNbdClientException) {
            code = KERNEL_UNAVAILABLE;
            msg = e.getMessage();
        } else if (e instanceof DeviceInUseException) {
            code = BUSY;
            msg = e.getMessage();
        } else if (e instanceof UsageException || e instanceof IllegalArgumentException) {
            code = USAGE;
            msg = e.getMessage();
        } else if (e instanceof NoSuchFileException n) {
            code = IO_ERROR;
            msg = "no such file: " + n.getFile();
        } else if (e instanceof AccessDeniedException a) {
            code = IO_ERROR;
            msg = "permission denied: " + a.getFile();
        } else if (e instanceof FileAlreadyExistsException f) {
            code = IO_ERROR;
            msg = "already exists: " + f.getFile();
        } else if (e instanceof IOException) {
            code = IO_ERROR;
            msg = e.getMessage() == null ? e.toString() : e.getMessage();
        } else {
            code = IO_ERROR;
            msg = e.toString();
        }
        err.println("nbdcrypt " + command + ": " + msg);
        err.flush();
        return code;
    }

    /** A usage problem found after parsing (conflicting options, missing passphrase source). */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }
}
