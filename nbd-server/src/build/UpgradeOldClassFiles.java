import java.io.IOException;
import java.lang.classfile.ClassElement;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites the class files of a jar that are older than Java 6 (version 50) as Java 8 class
 * files (version 52) with stack maps, the same code otherwise. Run by the build on the shaded
 * {@code nbdcrypt.jar} before the AOT training run: picocli ships Java 5 class files, which
 * the JDK's CDS/AOT cache cannot archive and which the JVM checks with the old, slower
 * inference verifier, so its ~230 classes were parsed and verified from the jar at every
 * start (about a quarter of the time from exec to a bound socket).
 *
 * <p>A build tool, run as a single source file ({@code java UpgradeOldClassFiles.java JAR}) by
 * the JDK 25 that builds, on its Class-File API (JEP 484), which computes the stack maps.
 */
public final class UpgradeOldClassFiles {
    private static final int FIRST_WITH_STACK_MAPS = 50;
    private static final int TARGET = ClassFile.JAVA_8_VERSION;

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java UpgradeOldClassFiles.java JAR");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path tmp = jar.resolveSibling(jar.getFileName() + ".upgrading");
        int upgraded = 0;
        try (ZipFile in = new ZipFile(jar.toFile());
                URLClassLoader classes = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(tmp))) {
            // Stack maps name the common supertype of two branches' values: classes of the jar
            // itself are looked up in it, the JDK's through the system resolver.
            ClassFile cf = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                    .orElse(ClassHierarchyResolver.ofResourceParsing(classes))));
            for (ZipEntry e : Collections.list(in.entries())) {
                byte[] bytes = in.getInputStream(e).readAllBytes();
                if (e.getName().endsWith(".class") && majorVersion(bytes) < FIRST_WITH_STACK_MAPS) {
                    bytes = upgrade(cf, cf.parse(bytes));
                    upgraded++;
                }
                write(out, e, bytes);
            }
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("UpgradeOldClassFiles: " + upgraded + " class files of " + jar.getFileName()
                + " rewritten as version " + TARGET);
    }

    private static int majorVersion(byte[] classFile) {
        return classFile.length < 8 ? Integer.MAX_VALUE : ((classFile[6] & 0xff) << 8) | (classFile[7] & 0xff);
    }

    /** The same class at version 52; every method body rebuilt, so that it gets its stack maps. */
    private static byte[] upgrade(ClassFile cf, ClassModel old) {
        return cf.build(old.thisClass().asSymbol(), cb -> {
            cb.withVersion(TARGET, 0);
            for (ClassElement e : old) {
                switch (e) {
                    case ClassFileVersion v -> { }
                    case MethodModel m -> cb.transformMethod(m, MethodTransform.transformingCode(CodeTransform.ACCEPT_ALL));
                    default -> cb.with(e);
                }
            }
        });
    }

    private static void write(ZipOutputStream out, ZipEntry old, byte[] bytes) throws IOException {
        ZipEntry e = new ZipEntry(old.getName());
        e.setTime(old.getTime());
        out.putNextEntry(e);
        out.write(bytes);
        out.closeEntry();
    }
}
