package io.nbdcrypt;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The whole program's layering, checked on the main classes of every module (nbd-server's
 * test class path has them all). Maven already keeps a module from reaching one it does not
 * depend on; this keeps the packages inside and across modules in their places, bottom up:
 *
 * <pre>
 *   linux (FFM: the one native layer)      crypto (key holders, KDFs)
 *   xts (sector transforms)  →  block (BlockDevice, volumes, block.auth)
 *   luks (facade, luks.common, luks1, luks2)    nbd (the protocol; no LUKS, no kernel; linux only to adopt a socket fd)
 *   kernel (attach /dev/nbdN, kernel.dm: dm-crypt)
 *   provision (backends, ephemeral volumes, provision/destroy)
 *   cli (picocli commands: thin)
 * </pre>
 *
 * luks2-format's own ArchitectureTest keeps the LUKS packages apart from each other.
 */
@AnalyzeClasses(packages = "io.nbdcrypt", importOptions = ImportOption.DoNotIncludeTests.class)
class LayersTest {
    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("linux").definedBy("io.nbdcrypt.linux..")
            .layer("crypto").definedBy("io.nbdcrypt.crypto..")
            .layer("xts").definedBy("io.nbdcrypt.xts..")
            .layer("block").definedBy("io.nbdcrypt.block..")
            .layer("luks").definedBy("io.nbdcrypt.luks..", "io.nbdcrypt.luks1..", "io.nbdcrypt.luks2..")
            .layer("nbd").definedBy("io.nbdcrypt.nbd..")
            .layer("kernel").definedBy("io.nbdcrypt.kernel..")
            .layer("provision").definedBy("io.nbdcrypt.provision..")
            .layer("cli").definedBy("io.nbdcrypt.cli..")
            .whereLayer("cli").mayNotBeAccessedByAnyLayer()
            .whereLayer("provision").mayOnlyBeAccessedByLayers("cli")
            .whereLayer("kernel").mayOnlyBeAccessedByLayers("provision", "cli")
            .whereLayer("nbd").mayOnlyBeAccessedByLayers("kernel", "provision", "cli")
            .whereLayer("luks").mayOnlyBeAccessedByLayers("kernel", "provision", "cli")
            .whereLayer("block").mayOnlyBeAccessedByLayers("luks", "nbd", "kernel", "provision", "cli")
            .whereLayer("xts").mayOnlyBeAccessedByLayers("block", "luks", "kernel", "provision", "cli")
            .whereLayer("crypto").mayOnlyBeAccessedByLayers("xts", "block", "luks", "kernel", "provision", "cli")
            .whereLayer("linux").mayOnlyBeAccessedByLayers("block", "nbd", "kernel", "provision", "cli");

    /** The NBD packages in the order the protocol is built: wire, codec, transmission, handshake, server. */
    @ArchTest
    static final ArchRule nbdPackages = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("wire").definedBy("io.nbdcrypt.nbd.wire..")
            .layer("backend").definedBy("io.nbdcrypt.nbd.backend..")
            .layer("codec").definedBy("io.nbdcrypt.nbd.codec..")
            .layer("transmission").definedBy("io.nbdcrypt.nbd.transmission..")
            .layer("handshake").definedBy("io.nbdcrypt.nbd.handshake..")
            .layer("server").definedBy("io.nbdcrypt.nbd.server..")
            .whereLayer("server").mayNotBeAccessedByAnyLayer()
            .whereLayer("handshake").mayOnlyBeAccessedByLayers("server")
            .whereLayer("transmission").mayOnlyBeAccessedByLayers("handshake", "server")
            .whereLayer("codec").mayOnlyBeAccessedByLayers("transmission", "handshake", "server")
            .whereLayer("backend").mayOnlyBeAccessedByLayers("transmission", "handshake", "server");

    /** The authenticated mode is a class beside XTS, not a branch in it: the XTS layer never names it. */
    @ArchTest
    static final ArchRule xtsDoesNotKnowTheAuthenticatedMode = noClasses().that().resideInAPackage("io.nbdcrypt.xts..")
            .should().dependOnClassesThat().resideInAPackage("io.nbdcrypt.block..");

    /** The dm-crypt backend hands a volume to the kernel; it does not speak NBD. */
    @ArchTest
    static final ArchRule dmCryptDoesNotSpeakNbd = noClasses().that().resideInAPackage("io.nbdcrypt.kernel.dm..")
            .should().dependOnClassesThat().resideInAPackage("io.nbdcrypt.nbd..");

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("io.nbdcrypt.(**)").should().beFreeOfCycles();
}
