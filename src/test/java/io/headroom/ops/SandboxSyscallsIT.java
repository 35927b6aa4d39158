package io.headroom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.support.UnitJvmOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd cannot run the unit in this container, so its seccomp filter and address-family list are
 * checked the other way round: strace records every system call and socket family that a JVM with
 * the unit's options makes while doing the daemon's kinds of work ({@link SandboxWorkload}), and
 * each must be one the unit allows. A call outside the filter would fail with EPERM under systemd.
 */
final class SandboxSyscallsIT {

  private static final Pattern CALL =
      Pattern.compile("^\\d+\\s+([a-z0-9_]+)\\(", Pattern.MULTILINE);
  private static final Pattern SOCKET = Pattern.compile("\\bsocket\\((AF_[A-Z0-9]+)");

  @Test
  void libraryWorkStaysInsideTheSyscallFilterAndAddressFamilies(@TempDir Path dir)
      throws Exception {
    Tool.requireInstalled("strace", "strace");
    Tool.requireInstalled("systemd-analyze", "systemd");
    UnitFile unit = UnitFile.read(SystemdUnitIT.UNIT);
    Path work = Files.createDirectory(dir.resolve("work"));
    Path trace = dir.resolve("trace");

    List<String> command = new ArrayList<>(List.of("strace", "-f", "-qq", "-o", trace.toString()));
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(UnitJvmOptions.read());
    command.add("-Djna.tmpdir=" + dir.resolve("jna"));
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.addAll(
        List.of(SandboxWorkload.class.getName(), work.toString(), String.valueOf(closedPort())));
    Tool.Result run =
        Tool.run(Duration.ofSeconds(180), command.toArray(String[]::new)).assertExit(0);
    assertTrue(run.output().contains("workload done"), run.output());
    assertTrue(run.output().contains("notify READY=1 STATUS=workload\n"), run.output());
    assertTrue(run.output().contains("signal true\n"), run.output());

    String traced = Files.readString(trace);
    Set<String> used = matches(CALL, traced);
    assertTrue(
        used.contains("epoll_wait") || used.contains("epoll_pwait"), "no epoll in trace: " + used);
    used.removeAll(SyscallFilter.allowed(unit.values("SystemCallFilter")));
    assertEquals(Set.of(), used, "system calls the unit's SystemCallFilter= would refuse");

    Set<String> families = matches(SOCKET, traced);
    assertTrue(families.containsAll(Set.of("AF_UNIX", "AF_INET")), "families seen: " + families);
    families.removeAll(Arrays.asList(unit.values("RestrictAddressFamilies").get(0).split("\\s+")));
    assertEquals(
        Set.of(), families, "socket families the unit's RestrictAddressFamilies= would refuse");
  }

  private static Set<String> matches(Pattern pattern, String text) {
    Set<String> found = new TreeSet<>();
    Matcher matcher = pattern.matcher(text);
    while (matcher.find()) {
      found.add(matcher.group(1));
    }
    return found;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
