package io.nbdcrypt.xts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * How {@link XtsWorker} runs AES decryption over a piece of many independent blocks.
 *
 * <p>Why two ways: HotSpot's multi-block AES/ECB stub exists only with AVX-512 and VAES; on
 * any other x86 CPU (an AVX2-only EPYC guest here, QEMU's TCG guest) ECB calls the one-block
 * AES-NI stub per 16 bytes, and XTS ran at 0.26-0.37x OpenSSL (1.0-1.5 GB/s, thread CPU
 * time). The CBC-decrypt stub pipelines four blocks on plain AES-NI. Decryption has no chaining
 * between inputs, so CBC decryption of X gives D(X_i) XOR X_(i-1), and XOR-ing X_(i-1) back in
 * yields D(X_i). Encryption has no such trick (CBC encryption is serial), so it stays on ECB.
 */
enum BlockDecryption {
    /** AES/ECB: the fast path where the JDK has its AVX-512 ECB stub. */
    ECB,
    /** AES/CBC with the chaining XOR-ed out again: the parallel stub on AES-NI alone. */
    CBC_UNCHAINED;

    /** The choice for this JVM: {@code -Dnbdcrypt.xts.decrypt=ecb|cbc}, else by the CPU's flags. */
    static BlockDecryption forThisJvm() {
        return Selection.CHOICE;
    }

    private static final class Selection {
        static final BlockDecryption CHOICE = choose();
    }

    private static BlockDecryption choose() {
        String forced = System.getProperty("nbdcrypt.xts.decrypt", "");
        if (forced.equals("ecb")) {
            return ECB;
        }
        if (forced.equals("cbc")) {
            return CBC_UNCHAINED;
        }
        return cpuFlags().containsAll(Set.of("avx512f", "avx512vl", "avx512bw", "vaes")) ? ECB : CBC_UNCHAINED;
    }

    /** The first CPU's flags in /proc/cpuinfo; empty where there is none (then CBC, right for plain AES-NI). */
    private static Set<String> cpuFlags() {
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> Set.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+")))
                    .orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }
}
