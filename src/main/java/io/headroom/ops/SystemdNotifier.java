package io.headroom.ops;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sd_notify(3) for {@code Type=notify}: READY=1, RELOADING=1, STOPPING=1, STATUS= and WATCHDOG=1,
 * sent as datagrams to the unix socket systemd names in NOTIFY_SOCKET. Without NOTIFY_SOCKET (a
 * terminal, a test) every method does nothing.
 *
 * <p>Java 17's NIO has unix stream sockets only; the datagram socket comes from Netty's native
 * transport, already loaded for the milter's unix listener. Its sendto passes the exact address
 * length, so an abstract socket name ({@code @name}, sent as a leading NUL byte) works too. A
 * failed send is logged once and never stops the daemon: systemd is its supervisor, not a
 * dependency of the mail path.
 */
public final class SystemdNotifier {
  /** What the JVM needs after the drain to close the servers and exit. */
  static final Duration EXIT_ALLOWANCE = Duration.ofSeconds(15);

  private static final Logger log = LoggerFactory.getLogger(SystemdNotifier.class);

  private final String name;
  private final byte[] address;
  private final Optional<Duration> watchdog;
  private Socket socket;
  private boolean warned;

  SystemdNotifier(Optional<String> notifySocket, Optional<Duration> watchdog) {
    this.name = notifySocket.orElse("");
    this.address = notifySocket.map(SystemdNotifier::address).orElse(null);
    this.watchdog = watchdog;
  }

  /** From NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID of this process. */
  public static SystemdNotifier fromEnvironment() {
    return fromEnvironment(System.getenv(), ProcessHandle.current().pid());
  }

  static SystemdNotifier fromEnvironment(Map<String, String> env, long pid) {
    Optional<String> socket =
        Optional.ofNullable(env.get("NOTIFY_SOCKET")).filter(s -> !s.isEmpty());
    // WATCHDOG_PID, when set, names the process systemd expects pings from (not a child's).
    String watchdogPid = env.getOrDefault("WATCHDOG_PID", "");
    Optional<Duration> watchdog =
        Optional.ofNullable(env.get("WATCHDOG_USEC"))
            .filter(usec -> usec.matches("[1-9][0-9]{0,18}"))
            .filter(usec -> watchdogPid.isEmpty() || watchdogPid.equals(Long.toString(pid)))
            .map(usec -> Duration.ofNanos(Long.parseLong(usec) * 1000));
    return new SystemdNotifier(socket, socket.isPresent() ? watchdog : Optional.empty());
  }

  /** The milter socket listens: systemd may start what comes After= us. */
  public void ready(String status) {
    send("READY=1\nSTATUS=" + status);
  }

  /**
   * A reload begins; {@link #ready} ends it. MONOTONIC_USEC tells systemd 253+ which reload this
   * is. Java's System.nanoTime() is CLOCK_MONOTONIC on Linux, the clock systemd compares with.
   */
  public void reloading() {
    send(
        "RELOADING=1\nMONOTONIC_USEC="
            + System.nanoTime() / 1000
            + "\nSTATUS=reloading the configuration");
  }

  /**
   * Stopping, draining for up to {@code drain}: systemd's stop timeout (the unit's TimeoutStopSec)
   * is extended to cover it and the JVM's exit, so a longer shutdown_timeout is not cut short by a
   * SIGKILL (EXTEND_TIMEOUT_USEC, systemd 236 and later).
   */
  public void stopping(String status, Duration drain) {
    long usec = drain.plus(EXIT_ALLOWANCE).toNanos() / 1000;
    send("STOPPING=1\nEXTEND_TIMEOUT_USEC=" + usec + "\nSTATUS=" + status);
  }

  public void status(String status) {
    send("STATUS=" + status);
  }

  /**
   * How often to call {@link #watchdog()}: half of WatchdogSec=, as sd_watchdog_enabled(3) advises;
   * empty when the unit sets no watchdog.
   */
  public Optional<Duration> watchdogInterval() {
    return watchdog.map(timeout -> timeout.dividedBy(2));
  }

  /** Proves liveness; call it only from a check that the event loop still answers. */
  public void watchdog() {
    if (watchdog.isPresent()) {
      send("WATCHDOG=1");
    }
  }

  private synchronized void send(String message) {
    if (address == null) {
      return;
    }
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    try {
      if (socket == null) {
        Epoll.ensureAvailability();
        socket = Socket.newSocketDomainDgram();
      }
      socket.sendToDomainSocket(buffer, 0, bytes.length, address);
    } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
      if (!warned) {
        warned = true;
        log.warn("cannot notify systemd at {}: {}", name, e.toString());
      }
    }
  }

  /** "@name" is the abstract name "\0name"; anything else a path. */
  static byte[] address(String notifySocket) {
    String name = notifySocket.startsWith("@") ? "\0" + notifySocket.substring(1) : notifySocket;
    return name.getBytes(StandardCharsets.UTF_8);
  }
}
