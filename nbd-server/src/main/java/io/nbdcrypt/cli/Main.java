package io.nbdcrypt.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nbdcrypt} program: one picocli subcommand per file in this package. */
@Command(
        name = "nbdcrypt",
        mixinStandardHelpOptions = true,
        version = "nbdcrypt 0.1.0",
        description = "AES-XTS encrypted block devices with LUKS2 headers, served over NBD or mapped with dm-crypt.",
        subcommands = {CommandLine.HelpCommand.class, FormatCommand.class, DumpCommand.class, AddKeyCommand.class,
            RemoveKeyCommand.class, ChangeKeyCommand.class, TestKeyCommand.class, ServeCommand.class, DemoCommand.class,
            ProvisionCommand.class, DestroyCommand.class, AttachCommand.class, DetachCommand.class,
            AotTrainingCommand.class, OpenCommand.class, CloseCommand.class, StatusCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The program as {@link #main} runs it: failures become one line and an {@link ExitStatus}. */
    static CommandLine commandLine() {
        return new CommandLine(new Main()).setExecutionExceptionHandler(new ErrorReporter());
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
