package io.headroom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.headroom.support.UnitJvmOptions;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Installs target/headroom-milter_*.deb on this machine with dpkg, checks what an admin gets, and
 * purges it again. It changes the machine (a package, a system user), so it needs root, which CI
 * is; as another user it fails rather than skip, like the Postfix tests.
 */
final class DebianPackageIT {

  private static final String PACKAGE = "headroom-milter";
  private static final Path CONF = Path.of("/etc/headroom-milter/headroom.conf");
  private static final Path SPOOL_DIR = Path.of("/var/spool/postfix/headroom-milter");
  private static final Path ENABLED_LINK =
      Path.of("/etc/systemd/system/multi-user.target.wants/headroom-milter.service");
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private static final Path DEFAULTS = Path.of("/etc/default/headroom-milter");
  private static final Path DOC = Path.of("/usr/share/doc/headroom-milter");
  private static final Path UNIT = Path.of("/lib/systemd/system/headroom-milter.service");
  private static final Path JAR = Path.of("/usr/share/headroom-milter/headroom-milter.jar");
  private static final Path CLASS_ARCHIVE = Path.of("/var/cache/headroom-milter/classes.jsa");

  /** Every file the package installs, with its mode. */
  private static final Map<Path, String> FILES =
      Map.ofEntries(
          Map.entry(JAR, "rw-r--r--"),
          Map.entry(Path.of("/usr/bin/headroom-milter"), "rwxr-xr-x"),
          Map.entry(Path.of("/usr/lib/headroom-milter/archive-classes"), "rwxr-xr-x"),
          Map.entry(UNIT, "rw-r--r--"),
          Map.entry(Path.of("/usr/lib/sysusers.d/headroom-milter.conf"), "rw-r--r--"),
          Map.entry(Path.of("/usr/lib/tmpfiles.d/headroom-milter.conf"), "rw-r--r--"),
          Map.entry(CONF, "rw-r--r--"),
          Map.entry(DEFAULTS, "rw-r--r--"),
          Map.entry(Path.of("/usr/share/man/man5/headroom.conf.5.gz"), "rw-r--r--"),
          Map.entry(Path.of("/usr/share/man/man8/headroom-milter.8.gz"), "rw-r--r--"),
          Map.entry(DOC.resolve("copyright"), "rw-r--r--"),
          Map.entry(DOC.resolve("changelog.Debian.gz"), "rw-r--r--"),
          Map.entry(DOC.resolve("README.md.gz"), "rw-r--r--"),
          Map.entry(Path.of("/usr/share/lintian/overrides/headroom-milter"), "rw-r--r--"),
          Map.entry(DOC.resolve("examples/prometheus/headroom-alerts.yml"), "rw-r--r--"));

  /**
   * What purge leaves, as the postrm says: the system user (Debian policy keeps it, as files it
   * owned may remain elsewhere), and nothing else.
   */
  private static final List<Path> GONE_AFTER_PURGE =
      List.of(
          SPOOL_DIR,
          CONF.getParent(),
          DEFAULTS,
          DOC,
          Path.of("/usr/share/headroom-milter"),
          Path.of("/usr/lib/headroom-milter"),
          Path.of("/var/lib/headroom-milter"),
          CLASS_ARCHIVE.getParent());

  @Test
  void lintianFindsNothingBeyondItsDocumentedOverrides() throws Exception {
    Tool.requireInstalled("lintian", "lintian");
    Tool.Result result =
        Tool.run(TIMEOUT, "lintian", "--fail-on", "error,warning", newestDeb().toString());
    String findings =
        result
            .output()
            .lines()
            .filter(l -> !l.equals("running with root privileges is not recommended!"))
            .collect(java.util.stream.Collectors.joining("\n"));
    assertEquals("", findings, "lintian " + newestDeb());
    result.assertExit(0);
  }

  @Test
  void installsRunsAndPurgesCleanly(@TempDir Path tmp) throws Exception {
    assertTrue(
        Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")),
        "installing a package needs root (.ci/run runs as root, as the Postfix tests need)");
    Tool.requireInstalled("dpkg", "dpkg");
    Path deb = newestDeb();
    if (installed()) {
      fail(
          PACKAGE
              + " is already installed here; this test installs and purges it itself,"
              + " so remove it first: dpkg --purge "
              + PACKAGE);
    }
    boolean userExisted = Tool.run(TIMEOUT, "getent", "passwd", PACKAGE).exitCode() == 0;

    dpkg("-i", deb.toString());
    try {
      assertInstalled(tmp);
    } finally {
      dpkg("--purge", PACKAGE);
      // Debian keeps system users on purge; a test leaves the machine as it found it.
      if (!userExisted) {
        Tool.run(TIMEOUT, "userdel", PACKAGE).assertExit(0);
      }
    }

    assertFalse(installed());
    for (Path file : FILES.keySet()) {
      assertFalse(Files.exists(file), file + " left after purge");
    }
    for (Path dir : GONE_AFTER_PURGE) {
      assertFalse(Files.exists(dir), dir + " left after purge");
    }
    assertFalse(Files.exists(ENABLED_LINK, LinkOption.NOFOLLOW_LINKS));
  }

  private static void assertInstalled(Path tmp) throws Exception {
    for (Map.Entry<Path, String> file : FILES.entrySet()) {
      assertTrue(Files.isRegularFile(file.getKey()), file.getKey() + " missing");
      assertEquals(
          file.getValue(),
          PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getKey())),
          file.getKey().toString());
    }
    assertEquals(
        List.of(DEFAULTS.toString(), CONF.toString()),
        query("${Conffiles}")
            .replaceAll(" [0-9a-f]{32}", "")
            .strip()
            .lines()
            .map(String::strip)
            .sorted()
            .toList());
    assertTrue(query("${Maintainer}").matches("[^<]+ <[^@<>]+@[^@<>]+>"), query("${Maintainer}"));
    // changelog.Debian's entry names the version dpkg installed.
    String changelog =
        Tool.run(TIMEOUT, "zcat", DOC.resolve("changelog.Debian.gz").toString())
            .assertExit(0)
            .output();
    assertTrue(changelog.startsWith(PACKAGE + " (" + query("${Version}") + ") "), changelog);

    // The installed config: Postfix's chroot socket, for group postfix only (README, Install).
    List<String> conf = Files.readAllLines(CONF);
    assertTrue(
        conf.contains("listen = unix:/var/spool/postfix/headroom-milter/milter.sock"),
        conf.toString());
    assertTrue(conf.contains("listen_socket_mode = 0660"), conf.toString());
    assertTrue(conf.contains("listen_socket_group = postfix"), conf.toString());
    assertTrue(Files.readString(DEFAULTS).contains("#JAVA_OPTS="));

    // Both manual pages, as man finds them.
    Tool.requireInstalled("man", "man-db");
    String page =
        Tool.run(TIMEOUT, "man", "-P", "cat", "5", "headroom.conf").assertExit(0).output();
    assertTrue(page.contains("listen_socket_group"), page);
    String daemonPage =
        Tool.run(TIMEOUT, "man", "-P", "cat", "8", "headroom-milter").assertExit(0).output();
    assertTrue(daemonPage.contains("HEADROOM_LOG_FORMAT"), daemonPage);
    assertEquals(
        "default-jre-headless (>= 2:1.17) | java17-runtime-headless, adduser", query("${Depends}"));

    String user = Tool.run(TIMEOUT, "getent", "passwd", PACKAGE).assertExit(0).output().strip();
    assertTrue(user.endsWith(":/nonexistent:/usr/sbin/nologin"), user);
    List<String> groups =
        List.of(Tool.run(TIMEOUT, "id", "-nG", PACKAGE).assertExit(0).output().strip().split(" "));
    assertTrue(groups.contains("postfix"), "groups of " + PACKAGE + ": " + groups);

    assertTrue(Files.isDirectory(SPOOL_DIR), SPOOL_DIR + " missing");
    assertEquals(PACKAGE, Files.getOwner(SPOOL_DIR).getName());
    assertEquals(
        "postfix", Files.readAttributes(SPOOL_DIR, PosixFileAttributes.class).group().getName());
    assertEquals(02750, (Integer) Files.getAttribute(SPOOL_DIR, "unix:mode") & 07777);
    // Enabled for the next boot; not started, as no systemd runs here.
    assertTrue(Files.isSymbolicLink(ENABLED_LINK), ENABLED_LINK + " missing");

    assertClassArchiveIsMapped();

    Tool.run(TIMEOUT, "/usr/bin/headroom-milter", "--check-config", "--config", CONF.toString())
        .assertExit(0);
    // Without --config the installed file is the one read, and named.
    assertEquals(
        CONF + ": OK\n",
        Tool.run(TIMEOUT, "/usr/bin/headroom-milter", "--check-config").assertExit(0).output());
    assertTrue(
        Tool.run(TIMEOUT, "/usr/bin/headroom-milter", "--version")
            .assertExit(0)
            .output()
            .startsWith("headroom-milter "));
    // systemctl reload runs the unit's check first: a bad file fails it, with the reason.
    String check = UnitFile.read(UNIT).values("ExecReload").get(0).replace("$JAVA_OPTS ", "");
    Tool.run(TIMEOUT, check.split(" ")).assertExit(0);
    String good = Files.readString(CONF);
    Files.writeString(CONF, good + "probe_interval = often\n");
    try {
      Tool.Result refused = Tool.run(TIMEOUT, check.split(" ")).assertExit(2);
      assertTrue(refused.output().startsWith(CONF + ":"), refused.output());
    } finally {
      Files.writeString(CONF, good);
    }
    Path broken = tmp.resolve("broken.conf");
    Files.writeString(broken, "no_such_name = 1\n");
    Tool.Result rejected =
        Tool.run(
                TIMEOUT,
                "/usr/bin/headroom-milter",
                "--check-config",
                "--config",
                broken.toString())
            .assertExit(2);
    assertTrue(rejected.output().contains(broken + ":1: no_such_name"), rejected.output());
  }

  /**
   * postinst dumped the class-data archive the unit names, and this JVM maps it with the unit's
   * options: {@code -Xshare:on} makes a refused archive an error instead of a warning.
   */
  private static void assertClassArchiveIsMapped() throws Exception {
    assertEquals(
        "rw-r--r--",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(CLASS_ARCHIVE)),
        CLASS_ARCHIVE + " (postinst dumps it)");
    String start = String.join(" ", UnitFile.read(UNIT).values("ExecStart"));
    assertTrue(start.contains(" -XX:SharedArchiveFile=" + CLASS_ARCHIVE + " "), start);
    List<String> command = new ArrayList<>(List.of("java"));
    command.addAll(UnitJvmOptions.read());
    command.addAll(
        List.of(
            "-Xshare:on",
            "-XX:SharedArchiveFile=" + CLASS_ARCHIVE,
            "-Xlog:class+load=info",
            "-jar",
            JAR.toString(),
            "--version"));
    String loaded = Tool.run(TIMEOUT, command.toArray(String[]::new)).assertExit(0).output();
    assertTrue(
        loaded.contains("io.headroom.Main source: shared objects file (top)"),
        "io.headroom.Main not mapped from " + CLASS_ARCHIVE);
  }

  private static Path newestDeb() throws IOException {
    try (DirectoryStream<Path> debs =
        Files.newDirectoryStream(Path.of("target"), PACKAGE + "_*_amd64.deb")) {
      return StreamSupport.stream(debs.spliterator(), false)
          .max(Comparator.comparingLong(DebianPackageIT::modified))
          .orElseThrow(
              () -> new AssertionError("no target/" + PACKAGE + "_*_amd64.deb: run mvn package"));
    }
  }

  private static long modified(Path path) {
    try {
      return Files.getLastModifiedTime(path).toMillis();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static boolean installed() throws Exception {
    Tool.Result status = Tool.run(TIMEOUT, "dpkg-query", "-W", "-f=${Status}", PACKAGE);
    return status.exitCode() == 0 && status.output().contains("ok installed");
  }

  private static String query(String field) throws Exception {
    return Tool.run(TIMEOUT, "dpkg-query", "-W", "-f=" + field, PACKAGE).assertExit(0).output();
  }

  /** dpkg fails at once while apt or another dpkg holds the lock; others share this machine. */
  private static void dpkg(String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = "dpkg";
    System.arraycopy(args, 0, command, 1, args.length);
    Tool.Result result = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      result = Tool.run(TIMEOUT, command);
      if (result.exitCode() == 0 || !result.output().contains("lock")) {
        break;
      }
      Thread.sleep(3_000);
    }
    result.assertExit(0);
  }
}
