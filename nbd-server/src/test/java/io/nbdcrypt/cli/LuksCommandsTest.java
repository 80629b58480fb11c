package io.nbdcrypt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.TestFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The LUKS subcommands of {@code nbdcrypt}, judged by cryptsetup. */
class LuksCommandsTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    static Run nbdcrypt(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static ExternalTool.Result cryptsetup(String... args) {
        return Cryptsetup.run(List.of(args));
    }

    Path image() throws Exception {
        return TestFiles.sparse(dir.resolve("v.img"), 20L << 20);
    }

    @Test
    void formatAddTestRemove_cryptsetupAgreesAtEachStep() throws Exception {
        Path img = image();
        Path k1 = Files.write(dir.resolve("k1"), "first".getBytes());
        Path k2 = Files.write(dir.resolve("k2"), "second".getBytes());
        Run f = nbdcrypt("format", img.toString(), "--key-file", k1.toString(), "--pbkdf", "pbkdf2",
                "--pbkdf-force-iterations", "1000", "--label", "cli", "--sector-size", "512", "--key-size", "256", "-q");
        assertEquals(0, f.exit(), f.err());
        assertEquals(0, cryptsetup("open", "--test-passphrase", "--key-file", k1.toString(), img.toString()).exitCode());

        Run add = nbdcrypt("add-key", img.toString(), k2.toString(), "--key-file", k1.toString(), "--pbkdf", "argon2id",
                "--pbkdf-force-iterations", "4", "--pbkdf-memory", "8192", "--pbkdf-parallel", "1");
        assertEquals(0, add.exit(), add.err());
        assertEquals(0, cryptsetup("open", "--test-passphrase", "--key-file", k2.toString(), img.toString()).exitCode());

        Run dump = nbdcrypt("dump", img.toString(), "--json", "--dump-volume-key", "--key-file", k2.toString());
        assertEquals(0, dump.exit(), dump.err());
        JsonNode j = new ObjectMapper().readTree(dump.out());
        String cs = cryptsetup("luksDump", "--dump-volume-key", "-q", "--key-file", k1.toString(), img.toString())
                .assertSuccess().stdoutText();
        String csKey = cs.substring(cs.indexOf("MK dump:") + 8).replaceAll("[^0-9a-f]", "");
        assertEquals(csKey, j.get("volume_key").asText());
        assertEquals(32, HexFormat.of().parseHex(j.get("volume_key").asText()).length);
        assertEquals("cli", j.get("binary").get("label").asText());
        assertEquals("argon2id", j.get("metadata").get("keyslots").get("1").get("kdf").get("type").asText());

        Run human = nbdcrypt("dump", img.toString());
        String theirs = cryptsetup("luksDump", img.toString()).assertSuccess().stdoutText();
        assertEquals(theirs, human.out(), "human dump should read like cryptsetup's");

        assertEquals(0, nbdcrypt("test-key", img.toString(), "-d", k1.toString()).exit());
        Run rm = nbdcrypt("remove-key", img.toString(), "--key-slot", "0");
        assertEquals(0, rm.exit(), rm.err());
        assertEquals(2, nbdcrypt("test-key", img.toString(), "-d", k1.toString()).exit());
        // cryptsetup judges too: exit 2 is "no key available with this passphrase", not a damaged header.
        assertEquals(2, cryptsetup("open", "--test-passphrase", "--key-file", k1.toString(), img.toString()).exitCode());
        assertEquals(0, cryptsetup("open", "--test-passphrase", "--key-file", k2.toString(), img.toString()).exitCode());
        assertEquals(0, nbdcrypt("test-key", img.toString(), "-d", k2.toString(), "--key-slot", "1").exit());
    }

    @Test
    void format_benchmarkedKdf_cryptsetupOpensWithinFloor() throws Exception {
        Path img = image();
        Path k = Files.write(dir.resolve("k"), "benchmarked".getBytes());
        Run f = nbdcrypt("format", img.toString(), "-d", k.toString(), "--pbkdf", "argon2id", "--iter-time", "200",
                "--pbkdf-memory", "16384", "-q");
        assertEquals(0, f.exit(), f.err());
        Path k2 = Files.write(dir.resolve("k2"), "benchmarked pbkdf2".getBytes());
        Run add = nbdcrypt("add-key", img.toString(), "--new-key-file", k2.toString(), "-d", k.toString(),
                "--pbkdf", "pbkdf2", "--iter-time", "50", "--hash", "sha512");
        assertEquals(0, add.exit(), add.err());
        assertEquals(0, cryptsetup("open", "--test-passphrase", "--key-file", k.toString(), img.toString()).exitCode());
        assertEquals(0, cryptsetup("open", "--test-passphrase", "--key-file", k2.toString(), img.toString()).exitCode());
        JsonNode ks = new ObjectMapper().readTree(nbdcrypt("dump", img.toString(), "--json").out()).get("metadata").get("keyslots");
        assertTrue(ks.get("0").get("kdf").get("time").asInt() >= 4, ks::toString);
        int mem = ks.get("0").get("kdf").get("memory").asInt();
        assertTrue(mem >= 32 && mem <= 16384, "memory may shrink on a slow machine, never grow: " + mem);
        assertTrue(ks.get("1").get("kdf").get("iterations").asInt() >= 1000, ks::toString);
        assertEquals("sha512", ks.get("1").get("kdf").get("hash").asText());
    }

    @Test
    void testKey_cryptsetupLuks1AndWrongPassphrase_exitStatusTells() throws Exception {
        Path img = image();
        Path k = Files.write(dir.resolve("k"), "legacy".getBytes());
        Path bad = Files.write(dir.resolve("bad"), "nope".getBytes());
        cryptsetup("luksFormat", "--batch-mode", "--type", "luks1", "--pbkdf-force-iterations", "1000", "--key-file",
                k.toString(), img.toString()).assertSuccess();
        assertEquals(0, nbdcrypt("test-key", img.toString(), "--key-file", k.toString()).exit());
        Run wrong = nbdcrypt("test-key", img.toString(), "--key-file", bad.toString());
        assertEquals(2, wrong.exit(), "cryptsetup's 'no permission or bad passphrase'");
        assertTrue(wrong.err().contains("no LUKS1 keyslot opens"), wrong.err());
    }

    @Test
    void format_badArguments_exit1AndNothingWritten() throws Exception {
        Path img = image();
        Path before = Files.copy(img, dir.resolve("before.img"));
        Path k = Files.write(dir.resolve("k"), "x".getBytes());
        Run r = nbdcrypt("format", img.toString(), "--key-file", k.toString(), "--cipher", "cipher_null", "-q");
        assertEquals(1, r.exit(), "cryptsetup's 'wrong or missing parameters'");
        assertTrue(r.err().contains("cipher_null"), r.err());
        assertEquals(1, nbdcrypt("format", img.toString(), "--key-file", k.toString(), "--key-size", "384", "-q").exit());
        assertEquals(1, nbdcrypt("format", img.toString(), "--no-such-option").exit());
        assertEquals(-1L, Files.mismatch(before, img), "nothing may be written on bad arguments");
        assertTrue(nbdcrypt("format", "--help").out().contains("2 no permission or bad passphrase"));
    }

    @Test
    void dump_notLuks_exit1NamingField() throws Exception {
        Path img = image();
        Run r = nbdcrypt("dump", img.toString());
        assertEquals(1, r.exit(), "cryptsetup: not a valid LUKS device");
        assertTrue(r.err().contains("binary.magic"), r.err());
    }
}
