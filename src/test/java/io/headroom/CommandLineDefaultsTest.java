package io.headroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --version, and which file each command reads when no --config is given. */
class CommandLineDefaultsTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(Path defaultConfig, String... args) {
    return Main.run(
        List.of(args),
        defaultConfig,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void versionPrintsTheBuildVersionAndExitsZero() {
    for (String flag : List.of("--version", "-V")) {
      out.reset();
      assertEquals(0, run(dir.resolve("absent.conf"), flag));
      assertEquals("headroom-milter " + BuildInfo.version() + "\n", out());
    }
  }

  @Test
  void buildInfoCarriesThePomVersion() throws Exception {
    Matcher version =
        Pattern.compile("</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(Files.readString(Path.of("pom.xml")));
    assertTrue(version.find());
    assertEquals(version.group(1), BuildInfo.version());
  }

  @Test
  void withoutConfigTheDefaultFileIsReadWhenItExists() throws Exception {
    Path installed = Files.writeString(dir.resolve("headroom.conf"), "defer_stage = mail\n");
    assertEquals(0, run(installed, "--check-config"));
    assertEquals(installed + ": OK\n", out());
  }

  @Test
  void withoutConfigOrDefaultFileTheBuiltInDefaultsAreUsedAndNamed() {
    assertEquals(0, run(dir.resolve("absent.conf"), "--check-config"));
    assertEquals("built-in defaults: OK\n", out());
  }

  @Test
  void aBadDefaultFileFailsLikeANamedOne() throws Exception {
    Path installed = Files.writeString(dir.resolve("headroom.conf"), "no_such_name = 1\n");
    assertEquals(2, run(installed, "--check-config"));
    assertTrue(
        err.toString(StandardCharsets.UTF_8).startsWith(installed + ":1: no_such_name"),
        err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void configOnTheCommandLineWinsOverTheDefaultFile() throws Exception {
    Path installed = Files.writeString(dir.resolve("installed.conf"), "no_such_name = 1\n");
    Path named = Files.writeString(dir.resolve("named.conf"), "defer_stage = mail\n");
    assertEquals(0, run(installed, "--check-config", "--config", named.toString()));
    assertEquals(named + ": OK\n", out());
  }

  @Test
  void statusSaysWhichConfigItUsesOnItsFirstLine() {
    run(dir.resolve("absent.conf"), "status");
    assertEquals("config: built-in defaults", out().lines().findFirst().orElseThrow());
  }

  @Test
  void theManualPageNamesEveryOptionAndTheEnvironmentOfTheUsage() throws Exception {
    String page = Files.readString(Path.of("src/man/headroom-milter.8.in")).replace("\\-", "-");
    Matcher option =
        Pattern.compile("(?<![\\w-])-[-\\w]+|\\$([A-Z_]+)|\\bstatus\\b").matcher(CommandLine.USAGE);
    int found = 0;
    while (option.find()) {
      String name = option.group(1) != null ? option.group(1) : option.group();
      assertTrue(page.contains(name), "headroom-milter(8) does not mention " + name);
      found++;
    }
    assertTrue(found >= 5, "options found in the usage: " + found);
    for (String help : List.of("-h", "--help", "-V")) {
      assertTrue(page.contains(help), help);
    }
  }

  @Test
  void theEnvironmentNamesAnotherDefaultFile() {
    assertEquals(CommandLine.INSTALLED_CONFIG, Main.defaultConfig(Map.of()));
    assertEquals(
        Path.of("/srv/h.conf"), Main.defaultConfig(Map.of("HEADROOM_CONFIG", "/srv/h.conf")));
  }
}
