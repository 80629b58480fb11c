package io.nbdcrypt.luks;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Which package of luks2-format may reach which. The layers, bottom up:
 * {@code luks.common} (what both formats share: exceptions, the magic, the sector-size
 * rule, key digests, the header location), then the two formats {@code luks1} and
 * {@code luks2} (with its role subpackages {@code disk}, {@code json}, {@code keyslot},
 * {@code digest}, {@code segment}, {@code token}), then the facade {@code luks}
 * ({@link LuksVolumes}) that tells the formats apart and opens files.
 */
@AnalyzeClasses(packages = {"io.nbdcrypt.luks", "io.nbdcrypt.luks1", "io.nbdcrypt.luks2"},
        importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("io.nbdcrypt.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule luks1DoesNotReachIntoLuks2 = noClasses().that().resideInAPackage("io.nbdcrypt.luks1..")
            .should().dependOnClassesThat().resideInAPackage("io.nbdcrypt.luks2..")
            .because("what both formats share lives in io.nbdcrypt.luks.common");

    @ArchTest
    static final ArchRule luks2DoesNotReachIntoLuks1 = noClasses().that().resideInAPackage("io.nbdcrypt.luks2..")
            .should().dependOnClassesThat().resideInAPackage("io.nbdcrypt.luks1..")
            .because("only the facade io.nbdcrypt.luks knows both formats");

    @ArchTest
    static final ArchRule commonKnowsNoFormat = noClasses().that().resideInAPackage("io.nbdcrypt.luks.common..")
            .should().dependOnClassesThat().resideInAnyPackage("io.nbdcrypt.luks", "io.nbdcrypt.luks1..",
                    "io.nbdcrypt.luks2..");

    @ArchTest
    static final ArchRule luks2PartsDoNotReachTheirRoot = noClasses()
            .that().resideInAnyPackage("io.nbdcrypt.luks2.*..")
            .should().dependOnClassesThat().resideInAPackage("io.nbdcrypt.luks2")
            .because("disk, json, keyslot, digest, segment and token are parts the root assembles, not the reverse");

    @ArchTest
    static final ArchRule onlyTheFacadeUsesTheFacade = noClasses().that().resideOutsideOfPackage("io.nbdcrypt.luks")
            .should().dependOnClassesThat().resideInAPackage("io.nbdcrypt.luks");

    @ArchTest
    static final ArchRule onlyTheFacadeOpensFiles = noClasses().that().resideOutsideOfPackage("io.nbdcrypt.luks")
            .should().dependOnClassesThat().haveFullyQualifiedName("io.nbdcrypt.block.FileBlockDevice")
            .because("formats work on any BlockDevice; which file backs it is the facade's business");

    @ArchTest
    static final ArchRule noPublicMutableArrays = noFields().that().arePublic().and().areStatic()
            .should().haveRawType(DescribedPredicate.describe("an array", JavaClass::isArray))
            .because("a public static array can be changed by any caller (the LUKS magic was one)");

    /** The LUKS magic bytes appear in one main source file only: {@code LuksMagic}. */
    @Test
    void luksMagic_spelledInOneSourceFile() throws IOException {
        Path main = Path.of("src/main/java");
        try (Stream<Path> files = Files.walk(main)) {
            List<Path> spelling = files.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    String s = Files.readString(p).replace(" ", "");
                    return s.contains("(byte)0xba,(byte)0xbe");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(main::relativize).toList();
            assertEquals(List.of(Path.of("io/nbdcrypt/luks/common/LuksMagic.java")), spelling);
        }
    }
}
