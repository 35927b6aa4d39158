package io.headroom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.support.HeadroomProcess;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon as systemd's Type=notify sees it: the test binds the notification socket systemd
 * would, starts the jar with NOTIFY_SOCKET pointing there, and reads what arrives when.
 */
final class SystemdNotifyIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Pattern RELOADING =
      Pattern.compile("RELOADING=1\nMONOTONIC_USEC=(\\d+)\nSTATUS=reloading the configuration");

  @Test
  void readyAfterTheMilterSocketListensReloadingAndReadyOnHupStoppingOnTerm(@TempDir Path dir)
      throws Exception {
    try (NotifySocket systemd = NotifySocket.bind(dir.resolve("notify").toString())) {
      lifecycle(dir, systemd);
    }
  }

  @Test
  void anAbstractNotifySocketWorksToo(@TempDir Path dir) throws Exception {
    try (NotifySocket systemd =
        NotifySocket.bind("@headroom-notify-" + ProcessHandle.current().pid())) {
      lifecycle(dir, systemd);
    }
  }

  private static void lifecycle(Path dir, NotifySocket systemd) throws Exception {
    try (HeadroomProcess daemon =
        HeadroomProcess.start(
            dir.resolve("d"),
            builder -> builder.environment().put("NOTIFY_SOCKET", systemd.name()),
            "shutdown_timeout = 2m")) {
      String ready = systemd.receive(WAIT);
      // READY=1 means Postfix can connect now, not "soon".
      try (java.net.Socket milter = new java.net.Socket()) {
        milter.connect(new InetSocketAddress("127.0.0.1", daemon.milterPort()), 1000);
      }
      assertEquals(
          "READY=1\nSTATUS=listening on inet:127.0.0.1:"
              + daemon.milterPort()
              + ", config "
              + daemon.config(),
          ready);

      daemon.signal("HUP");
      Matcher reloading = RELOADING.matcher(systemd.receive(WAIT));
      assertTrue(reloading.matches(), reloading.toString());
      // The same clock systemd reads (CLOCK_MONOTONIC), not wall time.
      long skewUsec = Math.abs(System.nanoTime() / 1000 - Long.parseLong(reloading.group(1)));
      assertTrue(skewUsec < WAIT.toNanos() / 1000, "MONOTONIC_USEC off by " + skewUsec + "us");
      assertEquals("READY=1\nSTATUS=reloaded " + daemon.config(), systemd.receive(WAIT));

      daemon.rewriteConfig("no_such_name = 1");
      daemon.signal("HUP");
      assertTrue(RELOADING.matcher(systemd.receive(WAIT)).matches());
      String failed = systemd.receive(WAIT);
      assertTrue(
          failed.startsWith(
              "READY=1\nSTATUS=reload failed, running configuration kept: "
                  + daemon.config()
                  + ":4: no_such_name: "),
          failed);

      daemon.signal("TERM");
      // shutdown_timeout and 15 s for the JVM's exit, past the unit's TimeoutStopSec (45s).
      assertEquals(
          "STOPPING=1\nEXTEND_TIMEOUT_USEC=135000000\nSTATUS=stopping: draining 0 sessions",
          systemd.receive(WAIT));
      assertEquals(0, daemon.awaitExit(WAIT));
    }
  }
}
