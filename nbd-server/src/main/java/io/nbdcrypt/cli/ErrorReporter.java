package io.nbdcrypt.cli;

import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/**
 * Prints a failed command as one line, {@code nbdcrypt <command>: <what failed>}, on stderr
 * with the exit status {@link ExitStatus} gives it; the stack trace only with
 * {@code NBDCRYPT_DEBUG=1}. Messages of this project's exceptions never contain key material,
 * so printing them is safe.
 */
final class ErrorReporter implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
        int status = ExitStatus.report(cmd.getCommandName(), e, cmd.getErr());
        if ("1".equals(System.getenv("NBDCRYPT_DEBUG"))) {
            e.printStackTrace(cmd.getErr());
        }
        return status;
    }
}
