package io.nbdcrypt.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Prints a failed command as one line, {@code nbdcrypt <command>: <what failed>}, on stderr
 * and exits 1; the stack trace only with {@code NBDCRYPT_DEBUG=1}. Messages of this project's
 * exceptions never contain key material, so printing them is safe.
 */
final class ErrorReporter implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
        String what = switch (e) {
            case NoSuchFileException n -> "no such file: " + n.getFile();
            case AccessDeniedException a -> "permission denied: " + a.getFile();
            case FileAlreadyExistsException f -> "already exists: " + f.getFile();
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + what);
        if ("1".equals(System.getenv("NBDCRYPT_DEBUG"))) {
            e.printStackTrace(cmd.getErr());
        }
        return 1;
    }
}
