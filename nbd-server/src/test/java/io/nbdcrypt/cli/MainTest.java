package io.nbdcrypt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@link Main} registers only the named subcommand; it must still know every one. */
class MainTest {
    @Test
    void everyCommandClassIsRegistered() {
        Set<String> declared = new ClassFileImporter().withImportOption(new ImportOption.DoNotIncludeTests())
                .importPackages("io.nbdcrypt.cli").stream()
                .filter(c -> c.isAnnotatedWith(Command.class) && !c.getSimpleName().equals("Main"))
                .map(JavaClass::reflect).map(c -> c.getAnnotation(Command.class).name())
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> registered = new TreeSet<>(Main.commandLine().getSubcommands().keySet());
        registered.remove("help");
        assertEquals(declared, registered);
    }

    @Test
    void aNamedCommand_getsItselfOnly_andRunsAsUnderTheFullProgram() {
        for (String name : Main.commandLine().getSubcommands().keySet()) {
            if (name.equals("help")) {
                continue;   // help COMMAND needs them all
            }
            CommandLine one = Main.commandLine(name);
            assertEquals(Set.of(name), one.getSubcommands().keySet());
            assertEquals(ExitStatus.WRONG_PARAMETERS, one.getSubcommands().get(name).getCommandSpec().exitCodeOnInvalidInput());
        }
    }

    @Test
    void unknownCommand_isSuggestedFromTheFullList() {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine("dumb");
        cl.setErr(new PrintWriter(err));
        assertEquals(ExitStatus.WRONG_PARAMETERS, cl.execute("dumb"));
        assertTrue(err.toString().contains("dump"), err.toString());
    }
}
