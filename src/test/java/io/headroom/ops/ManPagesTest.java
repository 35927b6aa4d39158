package io.headroom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.BuildInfo;
import io.headroom.config.ConfigException;
import io.headroom.config.ConfigParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * headroom.conf(5) lists every name the parser knows, each with the default the reference file
 * shows; the installed config differs from the reference only where the package means it to.
 */
class ManPagesTest {
  private static final Path REFERENCE = Path.of("conf/headroom.conf");

  private static List<String> reference() throws IOException {
    return Files.readAllLines(REFERENCE);
  }

  /** The names the parser knows, as the config command lists them. */
  private static Set<String> parserNames() {
    Set<String> names = new TreeSet<>();
    ConfigParser.readDefaults().settings().forEach(setting -> names.add(setting.name()));
    assertTrue(names.size() > 30, "found only " + names);
    return names;
  }

  @Test
  void everyNameTheParserKnowsIsInTheManualPage() throws IOException {
    String page = ConfManPage.render(reference(), BuildInfo.version());
    List<String> missing = new ArrayList<>();
    for (String name : parserNames()) {
      if (!page.contains(".TP\n\\fB" + name + "\\fR")) {
        missing.add(name);
      }
    }
    assertEquals(
        List.of(), missing, "names the parser reads that headroom.conf(5) does not describe");
  }

  @Test
  void everyNameOnThePageIsOneTheParserAccepts(@TempDir Path dir) throws Exception {
    List<String> unknownToTheParser = new ArrayList<>(ConfManPage.names(reference()));
    unknownToTheParser.removeAll(parserNames());
    assertEquals(
        List.of(), unknownToTheParser, "names headroom.conf(5) describes that the parser rejects");

    Path file = Files.write(dir.resolve("misspelled.conf"), List.of("listen_sockett_mode = 0660"));
    ConfigException unknown =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class, () -> ConfigParser.parse(file));
    assertTrue(
        unknown.problems().get(0).toString().startsWith(file + ":1: listen_sockett_mode: "),
        unknown.problems().toString());
  }

  @Test
  void aTermShowsItsDefaultAndItsDescription() throws IOException {
    String page = ConfManPage.render(reference(), "9.9");
    assertTrue(
        page.startsWith(".TH HEADROOM.CONF 5 \"\" \"headroom-milter 9.9\" \"File Formats\"\n"),
        page);
    assertTrue(
        page.contains(
            ".TP\n\\fBfail_after\\fR = 2\n.PD 0\n.TP\n\\fBrecover_after\\fR = 2\n.PD\n"
                + "Damping: a healthy check turns failing"),
        page);
    assertTrue(
        page.contains(
            ".TP\n\\fBdisk_paths\\fR\n.PD\nFile systems that must keep headroom: existing directories."),
        page);
  }

  @Test
  void theInstalledConfigDiffersOnlyInTheSocket() throws IOException {
    List<String> installed = InstalledConfig.from(reference());
    List<String> added = new ArrayList<>(installed);
    added.removeAll(reference());
    List<String> removed = new ArrayList<>(reference());
    removed.removeAll(installed);
    assertEquals(List.of("listen = inet:127.0.0.1:8899", "listen_socket_group ="), removed);
    assertEquals(
        List.of(
            "listen = unix:/var/spool/postfix/headroom-milter/milter.sock",
            "listen_socket_group = postfix"),
        added.stream().filter(l -> !l.startsWith("#")).toList());
    assertTrue(installed.contains("listen_socket_mode = 0660"));
  }

  @Test
  void buildWritesGzippedPagesTheChangelogAndTheInstalledConfig(@TempDir Path out)
      throws IOException {
    BuildDocs.main(new String[] {".", out.toString(), "2026-11-28T00:00:00Z"});
    assertEquals(
        ConfManPage.render(reference(), BuildInfo.version()),
        gunzip(out.resolve("man/headroom.conf.5.gz")));
    assertTrue(
        gunzip(out.resolve("man/headroom-milter.8.gz"))
            .startsWith(
                ".TH HEADROOM\\-MILTER 8 \"\" \"headroom\\-milter " + BuildInfo.version() + "\""));
    assertEquals(
        InstalledConfig.from(reference()), Files.readAllLines(out.resolve("headroom.conf")));
    byte[] gz = Files.readAllBytes(out.resolve("man/headroom.conf.5.gz"));
    assertEquals(2, gz[8], "gzip XFL: maximum compression, as gzip -9 writes it");
    assertEquals(0, gz[4] | gz[5] | gz[6] | gz[7], "no time stamp, as gzip -n");
  }

  @Test
  void changelogIsSignedByTheControlFilesMaintainer() {
    String entry =
        BuildDocs.changelog(
            "p (@VERSION@) unstable; urgency=medium\n\n -- @MAINTAINER@  @DATE@\n",
            "Package: p\nMaintainer: A B <a@b.example>\n",
            "1.2.0-SNAPSHOT",
            Instant.parse("2026-11-28T00:00:00Z"));
    assertEquals(
        "p (1.2.0~snapshot-1) unstable; urgency=medium\n\n -- A B <a@b.example>  Sat, 28 Nov 2026 00:00:00 +0000\n",
        entry);
  }

  private static String gunzip(Path file) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      in.transferTo(bytes);
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }
}
