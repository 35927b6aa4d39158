package io.headroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(
        List.of(args),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void checkConfigAcceptsTheShippedFile() {
    assertEquals(0, run("--check-config", "--config", "conf/headroom.conf"));
    assertEquals("conf/headroom.conf: OK\n", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void checkConfigExitsTwoNamingFileLineAndKey() throws Exception {
    Path bad = dir.resolve("bad.conf");
    Files.write(bad, List.of("listen = inet:127.0.0.1:8899", "disk_min_free = lots"));
    assertEquals(2, run("--check-config", "--config", bad.toString()));
    assertEquals(
        bad + ":2: disk_min_free: \"lots\" is not a ratio or size (like 5% or 2G)\n",
        err.toString(StandardCharsets.UTF_8));
  }

  /**
   * Why a file cannot be read, once: the unit's reload check runs as the service user, which a
   * root-only file refuses. procfs refuses a mode 0200 file even to root, so this holds as root.
   */
  @Test
  void aFileThatCannotBeReadSaysWhy() throws Exception {
    Path writeOnly = Path.of("/proc/sys/vm/drop_caches");
    assertEquals(2, run("--check-config", "--config", writeOnly.toString()));
    assertEquals(
        writeOnly + ": cannot read: permission denied\n", err.toString(StandardCharsets.UTF_8));

    err.reset();
    Path underAFile = Files.createFile(dir.resolve("etc")).resolve("headroom.conf");
    assertEquals(2, run("--check-config", "--config", underAFile.toString()));
    assertEquals(
        underAFile + ": cannot read: Not a directory\n", err.toString(StandardCharsets.UTF_8));
  }

  /** A comment kept from a Latin-1 file: the line to fix, not the decoder's "Input length = 1". */
  @Test
  void aFileThatIsNotUtf8NamesTheLine() throws Exception {
    Path latin1 = dir.resolve("latin1.conf");
    Files.write(
        latin1,
        "probe_interval = 3s\n# J\u00fcrgen's settings\nfail_after = 3\n"
            .getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(2, run("--check-config", "--config", latin1.toString()));
    assertEquals(
        latin1 + ":2: cannot read: not UTF-8 text (save the file as UTF-8)\n",
        err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void drainWritesTheFileWithTheReasonAndUndrainRemovesIt() throws Exception {
    Path drain = dir.resolve("drain");
    Path conf =
        Files.write(
            dir.resolve("drain.conf"), List.of("drain_file = " + drain, "probe_interval = 2s"));

    assertEquals(
        0,
        run(
            "drain",
            "--reason",
            "Storage maintenance until 23:00 UTC",
            "--config",
            conf.toString()));
    assertEquals("Storage maintenance until 23:00 UTC\n", Files.readString(drain));
    assertEquals(
        "drained: new transactions get \"451 4.3.0 Storage maintenance until 23:00 UTC, try again later\""
            + " within probe_interval (2s); sessions in flight finish ("
            + drain
            + ")\n",
        out.toString(StandardCharsets.UTF_8));

    out.reset();
    assertEquals(0, run("undrain", "--config", conf.toString()));
    assertEquals(
        "undrained: the daemon accepts mail again within probe_interval (2s)\n",
        out.toString(StandardCharsets.UTF_8));
    assertTrue(Files.notExists(drain));
  }

  @Test
  void aReasonThatCannotGoIntoAReplyIsRefused() throws Exception {
    Path conf =
        Files.write(dir.resolve("drain.conf"), List.of("drain_file = " + dir.resolve("drain")));

    assertEquals(2, run("drain", "--reason", "x".repeat(121), "--config", conf.toString()));
    assertEquals(
        "drain: the reason is 121 characters long; an SMTP reply has room for 120\n",
        err.toString(StandardCharsets.UTF_8));
    assertTrue(Files.notExists(dir.resolve("drain")));
    err.reset();
    assertEquals(2, run("status", "--reason", "x"));
    assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("--reason goes with drain\nusage:"));
  }

  @Test
  void unknownArgumentsExitTwoWithUsage() {
    assertEquals(2, run("--frobnicate"));
    assertTrue(
        err.toString(StandardCharsets.UTF_8).startsWith("unknown argument: --frobnicate\nusage:"));
  }

  /**
   * "drain undrain" undrained; "status --check-config" only checked; {@code --config ""} read the
   * working directory: each is now a usage error.
   */
  @Test
  void mistakesOnTheCommandLineAreUsageErrors() throws Exception {
    Path drain = dir.resolve("drain");
    Path conf = dir.resolve("drain.conf");
    Files.write(conf, List.of("drain_file = " + drain));
    Files.writeString(drain, "kept\n");

    assertEquals(2, run("drain", "undrain", "--config", conf.toString()));
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .startsWith("one command at a time: drain and undrain\nusage:"),
        err.toString(StandardCharsets.UTF_8));
    assertEquals("kept\n", Files.readString(drain));
    err.reset();
    assertEquals(2, run("--check-config", "--config", ""));
    assertTrue(
        err.toString(StandardCharsets.UTF_8).startsWith("--config needs a file\nusage:"),
        err.toString(StandardCharsets.UTF_8));
    err.reset();
    assertEquals(2, run("status", "--check-config"));
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .startsWith("one command at a time: status and --check-config\nusage:"));
  }

  @Test
  void checkConfigPrintsWarningsAndExitsZero() throws Exception {
    Path conf = dir.resolve("warn.conf");
    Files.write(conf, List.of("bypass_networks = 10.0.0.1/8"));
    assertEquals(0, run("--check-config", "--config", conf.toString()));
    assertEquals(conf + ": OK\n", out.toString(StandardCharsets.UTF_8));
    assertEquals(
        "warning: "
            + conf
            + ":1: bypass_networks: \"10.0.0.1/8\" has host bits set; it means 10.0.0.0/8\n",
        err.toString(StandardCharsets.UTF_8));
  }

  /**
   * Through the real postconf, on a main.cf of the test's own: the table is found, then skipped.
   */
  @Test
  void checkConfigWarnsOfAnAutoFoundTableItCannotReadAndExitsZero() throws Exception {
    Path postfix = Files.createDirectories(dir.resolve("postfix"));
    Path table = dir.resolve("ldap-users.cf");
    Files.write(postfix.resolve("main.cf"), List.of("virtual_mailbox_maps = proxy:ldap:" + table));
    Path conf = dir.resolve("lookup.conf");
    Files.write(conf, List.of("postfix_config_directory = " + postfix, "policy_services ="));

    assertEquals(0, run("--check-config", "--config", conf.toString()));
    assertEquals(conf + ": OK\n", out.toString(StandardCharsets.UTF_8));
    assertEquals(
        "warning: lookup_tables = auto: ldap:"
            + table
            + " (Recipient directory) is not probed: "
            + table
            + " does not exist (or a directory on its path cannot be searched)\n",
        err.toString(StandardCharsets.UTF_8));
  }

  /**
   * Through the real postconf: status reads the main.cf of the instance postfix_config_directory
   * names, as the lookup probes do, not the default instance's.
   */
  @Test
  void statusChecksThePostfixInstanceThatPostfixConfigDirectoryNames() throws Exception {
    Path postfix = Files.createDirectories(dir.resolve("postfix"));
    Files.write(
        postfix.resolve("main.cf"),
        List.of("smtpd_milters = inet:127.0.0.1:18461", "milter_default_action = accept"));
    Path conf =
        Files.write(
            dir.resolve("status.conf"),
            List.of(
                "listen = inet:127.0.0.1:18461",
                "postfix_config_directory = " + postfix,
                "lookup_tables =",
                "policy_services =",
                "dns_mode = off",
                "disk_paths = " + dir,
                "spool_probe_directory = " + dir));

    run("status", "--config", conf.toString());
    List<String> postfixLines =
        out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("postfix:")).toList();
    assertEquals(
        List.of(
            "postfix: WARNING: milter_default_action = accept: while this daemon is down Postfix"
                + " accepts mail unchecked; set milter_default_action = tempfail"),
        postfixLines);
  }

  @Test
  void configPrintsEverySettingAndMarksTheChangedOnes() throws Exception {
    Path conf = dir.resolve("some.conf");
    Files.write(conf, List.of("# a comment", "probe_interval = 1s", "dns_mode = monitor"));
    assertEquals(0, run("config", "--config", conf.toString()));
    String printed = out.toString(StandardCharsets.UTF_8);
    assertTrue(
        printed.startsWith(
            "# " + conf + "\nlisten = inet:127.0.0.1:8899\nmetrics_listen = 127.0.0.1:9899\n"),
        printed);
    assertTrue(
        printed.contains(
            "\n# changed on line 2; default: 2s\nprobe_interval = 1s\n#probe_timeout = 5s\n"),
        printed);
    assertTrue(
        printed.contains("\n# changed on line 3; default: enforce\ndns_mode = monitor\n"), printed);
    assertTrue(printed.contains("\nlisten_socket_group =\n"), printed);
  }

  @Test
  void configDashNPrintsOnlyTheChangedSettings() throws Exception {
    Path conf = dir.resolve("some.conf");
    Files.write(
        conf, List.of("dns_mode = monitor", "probe_interval = 2s", "probe_interval_typo_free = 1"));
    assertEquals(2, run("config", "-n", "--config", conf.toString()));
    Files.write(conf, List.of("dns_mode = monitor", "probe_interval = 2s", "dns_stage = mail"));
    out.reset();
    assertEquals(0, run("config", "-n", "--config", conf.toString()));
    assertEquals(
        "# " + conf + "\ndns_mode = monitor\ndns_stage = mail\n",
        out.toString(StandardCharsets.UTF_8));
  }

  /**
   * The man page promises "a valid headroom.conf": settings that are checked against others only
   * when written (probe_timeout, dns_timeout, queue_timeout) are shown commented while the file
   * leaves them unset, with the value they take.
   */
  @Test
  void configPrintsAFileThatCheckConfigAccepts() throws Exception {
    Path conf = dir.resolve("fast.conf");
    Path printed = dir.resolve("printed.conf");
    for (List<String> written :
        List.of(
            List.of("probe_interval = 1s"), List.of("probe_interval = 1s", "probe_timeout = 1s"))) {
      Files.write(conf, written);
      out.reset();
      assertEquals(0, run("config", "--config", conf.toString()));
      String listing = out.toString(StandardCharsets.UTF_8);
      Files.writeString(printed, listing);
      err.reset();
      assertEquals(0, run("--check-config", "--config", printed.toString()), err.toString());
    }
    String listing = Files.readString(printed);
    assertTrue(listing.contains("\n#dns_timeout = 800ms\n"), listing);
    assertTrue(listing.contains("\n#queue_timeout = 800ms\n"), listing);
  }

  @Test
  void configWithoutAFileListsTheBuiltInDefaultsUnchanged() {
    assertEquals(0, run("config", "-n"));
    assertEquals("# built-in defaults\n", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void dashNGoesOnlyWithConfig() {
    assertEquals(2, run("status", "-n"));
    assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("-n goes with config\nusage:"));
  }
}
