package io.nbdcrypt.cli;

import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.kernel.dm.ActiveMapping;
import io.nbdcrypt.kernel.dm.CryptOption;
import io.nbdcrypt.kernel.dm.DmCrypt;
import io.nbdcrypt.kernel.dm.DmCryptOptions;
import io.nbdcrypt.kernel.dm.MappingName;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nbdcrypt open --backend dm-crypt DEVICE NAME}: map a LUKS2 volume with the kernel's dm-crypt, like {@code cryptsetup open}. */
@Command(name = "open", mixinStandardHelpOptions = true,
        description = {"Unlock the LUKS2 volume on DEVICE (a block device) and map it as /dev/mapper/NAME with the"
                + " kernel's dm-crypt: the same table cryptsetup open builds, the key passed through the kernel"
                + " keyring. Prints /dev/mapper/NAME. Needs device-mapper, dm-crypt and CAP_SYS_ADMIN."},
        footer = ExitStatus.HELP_FOOTER)
final class OpenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--backend", paramLabel = "dm-crypt", defaultValue = "dm-crypt",
            description = "Who carries the data path: dm-crypt (the kernel). For NBD, use serve.")
    String backend;

    @Parameters(index = "0", paramLabel = "DEVICE", description = "Block device holding the volume (and its header, unless --header).")
    Path device;

    @Parameters(index = "1", paramLabel = "NAME", description = "Mapping name: /dev/mapper/NAME.")
    String name;

    @Option(names = {"-d", "--key-file"}, paramLabel = "FILE", description = "Passphrase file (- for stdin; asked on a terminal when absent).")
    Path keyFile;

    @Option(names = "--header", paramLabel = "FILE", description = "Detached LUKS2 header.")
    Path header;

    @Option(names = {"-r", "--readonly", "--read-only"}, description = "Map read-only.")
    boolean readOnly;

    @Option(names = "--allow-discards", description = "Pass TRIM to DEVICE (the host then sees which blocks are free).")
    boolean allowDiscards;

    @Option(names = "--perf-no_read_workqueue", description = "dm-crypt decrypts reads without its work queue.")
    boolean noReadWorkqueue;

    @Option(names = "--perf-no_write_workqueue", description = "dm-crypt encrypts writes without its work queue.")
    boolean noWriteWorkqueue;

    Passphrases passphrases = Passphrases.system();
    DmCrypt dmCrypt = DmCrypt.system();

    @Override
    public Integer call() throws Exception {
        if (!backend.equals("dm-crypt")) {
            throw new ParameterException(spec.commandLine(), "--backend " + backend
                    + ": open maps with dm-crypt only (the NBD backend is serve)");
        }
        MappingName mapping = new MappingName(name);
        try (Passphrase passphrase = passphrases.read(keyFile, "Enter passphrase for " + device + ": ", false)) {
            ActiveMapping m = dmCrypt.open(device, Optional.ofNullable(header), passphrase, mapping,
                    new DmCryptOptions(readOnly, options()));
            spec.commandLine().getOut().println(m.node());
            return ExitStatus.OK;
        }
    }

    private Set<CryptOption> options() {
        Set<CryptOption> o = EnumSet.noneOf(CryptOption.class);
        if (allowDiscards) {
            o.add(CryptOption.ALLOW_DISCARDS);
        }
        if (noReadWorkqueue) {
            o.add(CryptOption.NO_READ_WORKQUEUE);
        }
        if (noWriteWorkqueue) {
            o.add(CryptOption.NO_WRITE_WORKQUEUE);
        }
        return o;
    }
}
