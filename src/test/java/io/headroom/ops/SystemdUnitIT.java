package io.headroom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd unit as systemd 252 (Debian 12) reads it: valid, sandboxed to an exposure of at most
 * 1.5, yet still fit for a JVM; notify, reload and restart settings that match the daemon; and the
 * sysusers.d/tmpfiles.d files create what the unit needs.
 */
final class SystemdUnitIT {

  static final Path UNIT = Path.of("systemd", "headroom-milter.service");
  private static final Path SYSUSERS = Path.of("systemd", "headroom-milter.sysusers");
  private static final Path TMPFILES = Path.of("systemd", "headroom-milter.tmpfiles");
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final double MAX_EXPOSURE = 1.5;
  private static final Pattern EXPOSURE =
      Pattern.compile("Overall exposure level for headroom-milter\\.service: (\\d+\\.\\d+)");

  @BeforeAll
  static void systemdToolsPresent() {
    Tool.requireInstalled("systemd-analyze", "systemd");
  }

  @Test
  void verifyIsClean() throws Exception {
    // systemd-analyze verify exits 0 on most warnings; only silence is clean. The man: pages of
    // Documentation= come with the package (DebianPackageIT checks they are installed).
    Tool.Result result =
        Tool.run(TIMEOUT, "systemd-analyze", "verify", "--man=no", UNIT.toString()).assertExit(0);
    assertEquals("", result.output().strip(), "systemd-analyze verify printed warnings");
  }

  @Test
  void exposureIsAtMostOneAndAHalf() throws Exception {
    Tool.Result result =
        Tool.run(
                TIMEOUT,
                "systemd-analyze",
                "security",
                "--no-pager",
                "--offline=true",
                UNIT.toString())
            .assertExit(0);
    Matcher matcher = EXPOSURE.matcher(result.output());
    assertTrue(matcher.find(), "no exposure line in:\n" + result.output());
    double exposure = Double.parseDouble(matcher.group(1));
    assertTrue(
        exposure <= MAX_EXPOSURE,
        "exposure " + exposure + " > " + MAX_EXPOSURE + ":\n" + result.output());
  }

  @Test
  void sandboxStaysFitForTheJvmAndTheChecks() throws Exception {
    UnitFile unit = UnitFile.read(UNIT);
    // The JIT needs writable+executable pages; ProcSubset=pid hides /proc/meminfo and
    // /proc/loadavg.
    assertFalse(unit.values("MemoryDenyWriteExecute").contains("yes"));
    assertFalse(unit.values("ProcSubset").contains("pid"));
    assertEquals(List.of("/var/spool/postfix/headroom-milter"), unit.values("ReadWritePaths"));
    assertEquals(List.of("AF_UNIX AF_INET AF_INET6"), unit.values("RestrictAddressFamilies"));
    assertEquals(List.of("headroom-milter"), unit.values("User"));
    // postdrop: postqueue's setgid does not work under NoNewPrivileges (the queue check).
    assertEquals(List.of("postfix postdrop"), unit.values("SupplementaryGroups"));
    // The drain file outlives restarts, writable under ProtectSystem=strict.
    assertEquals(List.of("headroom-milter"), unit.values("StateDirectory"));
    assertEquals(List.of("on-failure"), unit.values("Restart"));
    assertEquals(List.of("143"), unit.values("SuccessExitStatus"));
  }

  @Test
  void lifecycleMatchesTheDaemon() throws Exception {
    UnitFile unit = UnitFile.read(UNIT);
    // The daemon sends READY=1, RELOADING=1 and STOPPING=1 itself (SystemdNotifyIT).
    assertEquals(List.of("notify"), unit.values("Type"));
    assertEquals(List.of("main"), unit.values("NotifyAccess"));
    // Check first, then signal: a bad file fails the reload instead of only the daemon's log.
    assertEquals(
        List.of(
            "/usr/bin/java $JAVA_OPTS -jar /usr/share/headroom-milter/headroom-milter.jar"
                + " --check-config --config /etc/headroom-milter/headroom.conf",
            "/bin/kill -HUP $MAINPID"),
        unit.values("ExecReload"));
    assertTrue(
        unit.values("ExecStart").get(0).endsWith("--config /etc/headroom-milter/headroom.conf"));
    // Main exits 2 for a config error: no restart loop on a bad file.
    assertEquals(List.of("2"), unit.values("RestartPreventExitStatus"));
    assertEquals(List.of("headroom-milter"), unit.values("SyslogIdentifier"));
    assertEquals(List.of("mail"), unit.values("SyslogFacility"));
    assertEquals(List.of("-/etc/default/headroom-milter"), unit.values("EnvironmentFile"));
  }

  @Test
  void sysusersAndTmpfilesCreateTheUserAndTheSocketDirectory(@TempDir Path root) throws Exception {
    Tool.requireInstalled("systemd-sysusers", "systemd");
    Tool.requireInstalled("systemd-tmpfiles", "systemd");
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    Files.writeString(root.resolve("etc/group"), "root:x:0:\npostfix:x:106:\n");
    copy(SYSUSERS, root.resolve("usr/lib/sysusers.d/headroom-milter.conf"));
    copy(TMPFILES, root.resolve("usr/lib/tmpfiles.d/headroom-milter.conf"));

    Tool.run(TIMEOUT, "systemd-sysusers", "--root=" + root).assertExit(0);
    Tool.run(TIMEOUT, "systemd-tmpfiles", "--root=" + root, "--create").assertExit(0);

    String user = line(root.resolve("etc/passwd"), "headroom-milter:");
    assertTrue(user.endsWith(":/nonexistent:/usr/sbin/nologin"), user);
    assertEquals("postfix:x:106:headroom-milter", line(root.resolve("etc/group"), "postfix:"));
    Path dir = root.resolve("var/spool/postfix/headroom-milter");
    assertEquals(Integer.parseInt(user.split(":")[2]), Files.getAttribute(dir, "unix:uid"));
    assertEquals(106, Files.getAttribute(dir, "unix:gid"));
    // 02750: setgid, so the socket the daemon creates there belongs to group postfix.
    assertEquals(02750, (Integer) Files.getAttribute(dir, "unix:mode") & 07777);
    assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
  }

  /**
   * The package only recommends Postfix: installed without it (--no-install-recommends, or a milter
   * for a Postfix elsewhere), a group of SupplementaryGroups that nothing created would stop the
   * unit at start with 216/GROUP.
   */
  @Test
  void sysusersCreatesEveryGroupTheUnitJoinsOnAMachineWithoutPostfix(@TempDir Path root)
      throws Exception {
    Tool.requireInstalled("systemd-sysusers", "systemd");
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    Files.writeString(root.resolve("etc/group"), "root:x:0:\n");
    copy(SYSUSERS, root.resolve("usr/lib/sysusers.d/headroom-milter.conf"));

    Tool.run(TIMEOUT, "systemd-sysusers", "--root=" + root).assertExit(0);

    List<String> groups =
        List.of(UnitFile.read(UNIT).values("SupplementaryGroups").get(0).split(" "));
    assertEquals(List.of("postfix", "postdrop"), groups);
    // The unit grants them whatever /etc/group says of members; each must only exist.
    for (String group : groups) {
      line(root.resolve("etc/group"), group + ":");
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    Files.copy(from, to);
  }

  private static String line(Path file, String prefix) throws IOException {
    List<String> found = new ArrayList<>();
    for (String l : Files.readAllLines(file)) {
      if (l.startsWith(prefix)) {
        found.add(l);
      }
    }
    assertEquals(1, found.size(), prefix + " lines in " + file + ": " + found);
    return found.get(0);
  }
}
