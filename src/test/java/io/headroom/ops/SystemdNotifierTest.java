package io.headroom.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemdNotifierTest {
  @Test
  void anAtSignNamesAnAbstractSocket() {
    assertArrayEquals(
        "\0sd-notify".getBytes(StandardCharsets.UTF_8), SystemdNotifier.address("@sd-notify"));
    assertArrayEquals(
        "/run/systemd/notify".getBytes(StandardCharsets.UTF_8),
        SystemdNotifier.address("/run/systemd/notify"));
  }

  @Test
  void watchdogIntervalIsHalfOfWatchdogUsec() {
    SystemdNotifier notifier =
        SystemdNotifier.fromEnvironment(
            Map.of("NOTIFY_SOCKET", "/run/systemd/notify", "WATCHDOG_USEC", "30000000"), 42);
    assertEquals(Optional.of(Duration.ofSeconds(15)), notifier.watchdogInterval());
  }

  @Test
  void noWatchdogForAnotherPidOrWithoutSocket() {
    assertEquals(
        Optional.empty(),
        SystemdNotifier.fromEnvironment(
                Map.of("NOTIFY_SOCKET", "/n", "WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "7"), 42)
            .watchdogInterval());
    assertEquals(
        Optional.empty(),
        SystemdNotifier.fromEnvironment(Map.of("WATCHDOG_USEC", "30000000"), 42)
            .watchdogInterval());
    assertEquals(
        Optional.empty(),
        SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "/n", "WATCHDOG_USEC", "soon"), 42)
            .watchdogInterval());
  }

  @Test
  void watchdogPingsArriveWhenTheUnitAsksForThem(@TempDir Path dir) throws Exception {
    try (NotifySocket systemd = NotifySocket.bind(dir.resolve("notify").toString())) {
      SystemdNotifier notifier =
          SystemdNotifier.fromEnvironment(
              Map.of("NOTIFY_SOCKET", systemd.name(), "WATCHDOG_USEC", "2000000"), 42);
      notifier.watchdog();
      assertEquals("WATCHDOG=1", systemd.receive(Duration.ofSeconds(5)));
      notifier.status("3 checks failing");
      assertEquals("STATUS=3 checks failing", systemd.receive(Duration.ofSeconds(5)));
    }
  }

  @Test
  void withoutNotifySocketNothingIsSentAndNothingFails() {
    SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of(), 42);
    notifier.ready("listening");
    notifier.watchdog();
    assertEquals(Optional.empty(), notifier.watchdogInterval());
  }
}
