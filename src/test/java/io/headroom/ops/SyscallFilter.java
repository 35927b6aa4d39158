package io.headroom.ops;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The system calls a unit's SystemCallFilter= lines allow, with the groups expanded by the
 * installed systemd-analyze, so the set matches the systemd that will enforce it.
 */
final class SyscallFilter {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private SyscallFilter() {}

  /**
   * Applies the assignments in order, as systemd does for an allow list: the first one sets the
   * list, later ones add to it, or remove from it when they start with "~".
   */
  static Set<String> allowed(List<String> assignments) throws Exception {
    if (assignments.isEmpty() || assignments.get(0).startsWith("~")) {
      fail("expected SystemCallFilter= to start with an allow list, got " + assignments);
    }
    Set<String> allowed = new HashSet<>();
    for (String assignment : assignments) {
      boolean deny = assignment.startsWith("~");
      for (String item : assignment.substring(deny ? 1 : 0).trim().split("\\s+")) {
        Set<String> calls = expand(item, new HashSet<>());
        if (deny) {
          allowed.removeAll(calls);
        } else {
          allowed.addAll(calls);
        }
      }
    }
    return allowed;
  }

  private static Set<String> expand(String item, Set<String> seen) throws Exception {
    if (!item.startsWith("@")) {
      return Set.of(item);
    }
    Set<String> calls = new HashSet<>();
    if (!seen.add(item)) {
      return calls;
    }
    String listing =
        Tool.run(TIMEOUT, "systemd-analyze", "--no-pager", "syscall-filter", item)
            .assertExit(0)
            .output();
    // First line names the group; then one call or nested @group per line, and # comments.
    List<String> lines = listing.lines().map(String::strip).toList();
    for (String line : lines.subList(1, lines.size())) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        calls.addAll(expand(line, seen));
      }
    }
    return calls;
  }
}
