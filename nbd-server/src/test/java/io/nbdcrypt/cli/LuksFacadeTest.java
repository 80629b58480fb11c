package io.nbdcrypt.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * nbd-server sees LUKS through luks2-format's small surface: the facade
 * ({@code io.nbdcrypt.luks}: {@code LuksVolumes}, {@code LuksDump}), what both versions share
 * ({@code io.nbdcrypt.luks.common}), and the LUKS2 volume API of {@code io.nbdcrypt.luks2}
 * ({@code Luks2Volume}, {@code Luks2Formatter}, {@code FormatOptions}) — never LUKS1's classes
 * or the LUKS2 parts (disk, json, keyslot, digest, segment, token), which may change freely.
 */
@AnalyzeClasses(packages = "io.nbdcrypt", importOptions = ImportOption.DoNotIncludeTests.class)
class LuksFacadeTest {
    @ArchTest
    static final ArchRule serverUsesTheLuksSurfaceOnly = noClasses()
            .that().resideInAnyPackage("io.nbdcrypt.cli..", "io.nbdcrypt.nbd..")
            .should().dependOnClassesThat().resideInAnyPackage("io.nbdcrypt.luks1..", "io.nbdcrypt.luks2.*..");
}
