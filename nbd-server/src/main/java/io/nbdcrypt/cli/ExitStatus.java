package io.nbdcrypt.cli;

import io.nbdcrypt.block.DeviceInUseException;
import io.nbdcrypt.kernel.NoNbdClientException;
import io.nbdcrypt.kernel.dm.DmCryptException;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.NotEnoughMemoryException;
import io.nbdcrypt.luks.common.WrongPassphraseException;
import io.nbdcrypt.provision.ProvisionRefusedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/**
 * Exit codes of every nbdcrypt command, the ones {@code cryptsetup(8)} documents, so scripts
 * written for cryptsetup branch on ours the same way; and the one place that maps failures to
 * them. Messages go to stderr, prefixed with the command; they never contain key material
 * (our exceptions do not carry any).
 */
final class ExitStatus {
    /** Success (for test-key: the passphrase opens the volume). */
    static final int OK = 0;
    /** Wrong or missing parameters, a header that is malformed or refused, any other failure. */
    static final int WRONG_PARAMETERS = 1;
    /** No permission or bad passphrase (also: a destructive step not confirmed). */
    static final int BAD_PASSPHRASE = 2;
    /** Out of memory (a KDF needs more than the JVM may use). */
    static final int OUT_OF_MEMORY = 3;
    /** Wrong device specified: missing, not accessible, a directory; one provisioning refuses (mounted, held, small). */
    static final int WRONG_DEVICE = 4;
    /** Device busy (locked or in use by another program) or already exists. */
    static final int BUSY_OR_EXISTS = 5;

    /** The footer every command's help ends with. */
    static final String HELP_FOOTER = "%nExit status, as cryptsetup's: 0 ok; 1 wrong or missing parameters, header refused,"
            + " other failures; 2 no permission or bad passphrase (or not confirmed); 3 out of memory;"
            + " 4 wrong device specified (missing, a directory, refused for provisioning); 5 device busy (in use, locked)"
            + " or already exists (also: a dm-crypt name taken or mapping in use); a kernel without the NBD client or"
            + " dm-crypt is 1, without CAP_SYS_ADMIN 2.%n"
            + "Passphrases come from --key-file (a file, or - for stdin; the whole content is the passphrase)"
            + " or from a prompt without echo on a terminal; never from arguments or the environment.";

    private ExitStatus() {}

    /** Prints {@code e} for the user and returns its exit code. */
    static int report(String command, Exception e, PrintWriter err) {
        int code;
        String msg;
        if (e instanceof WrongPassphraseException || e instanceof NotConfirmedException) {
            code = BAD_PASSPHRASE;
            msg = e.getMessage();
        } else if (e instanceof LuksFormatException) {
            code = WRONG_PARAMETERS;
            msg = "LUKS header refused: " + e.getMessage();
        } else if (e instanceof NotEnoughMemoryException) {
            code = OUT_OF_MEMORY;
            msg = e.getMessage();
        } else if (e instanceof WrongDeviceException || e instanceof ProvisionRefusedException) {
            code = WRONG_DEVICE;
            msg = e.getMessage();
        } else if (e instanceof DmCryptException d) {
            // As cryptsetup: no CAP_SYS_ADMIN is "no permission", a mapping that is not there a
            // wrong device, a taken name or a busy device or mapping "busy or exists".
            code = switch (d.reason()) {
                case PERMISSION -> BAD_PASSPHRASE;
                case NO_SUCH_MAPPING, UNSUPPORTED -> WRONG_DEVICE;
                case NAME_TAKEN, DEVICE_IN_USE, MAPPING_BUSY -> BUSY_OR_EXISTS;
                default -> WRONG_PARAMETERS;
            };
            msg = e.getMessage();
        } else if (e instanceof NoNbdClientException) {
            code = WRONG_PARAMETERS;
            msg = e.getMessage();
        } else if (e instanceof DeviceInUseException) {
            code = BUSY_OR_EXISTS;
            msg = e.getMessage();
        } else if (e instanceof UsageException || e instanceof IllegalArgumentException) {
            code = WRONG_PARAMETERS;
            msg = e.getMessage();
        } else if (e instanceof NoSuchFileException n) {
            code = WRONG_DEVICE;
            msg = "device " + n.getFile() + " does not exist";
        } else if (e instanceof AccessDeniedException a) {
            code = WRONG_DEVICE;
            msg = "permission denied: " + a.getFile();
        } else if (e instanceof FileAlreadyExistsException f) {
            code = BUSY_OR_EXISTS;
            msg = f.getReason() != null ? f.getMessage() : "already exists: " + f.getFile();
        } else if (e instanceof IOException) {
            code = WRONG_PARAMETERS;
            msg = e.getMessage() == null ? e.toString() : e.getMessage();
        } else {
            code = WRONG_PARAMETERS;
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

    /** A device argument that names no usable device: missing, inaccessible, a directory. */
    static final class WrongDeviceException extends IOException {
        WrongDeviceException(String message) {
            super(message);
        }
    }

    /** The user did not confirm a destructive step (cryptsetup answers -EPERM, exit 2). */
    static final class NotConfirmedException extends Exception {
        NotConfirmedException(String message) {
            super(message);
        }
    }
}
