package io.headroom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.support.HeadroomProcess;
import io.headroom.support.PostfixInstance;
import io.headroom.support.SmtpClient;
import io.headroom.support.SmtpClient.Transcript;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5, point 6: listen = unix:/path as Postfix's chroot setup uses it: a stale socket file from
 * a crash is replaced, mode and group are applied so that smtpd (user postfix) connects, a real
 * Postfix transaction goes through the socket, and the file is gone after exit.
 */
class UnixSocketIT {
  @TempDir Path dir;
  private HeadroomProcess daemon;
  private PostfixInstance postfix;

  @AfterEach
  void stop() {
    if (postfix != null) {
      postfix.close();
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  @Test
  void staleSocketIsReplacedModeAndGroupApplyPostfixConnectsAndExitRemovesIt() throws Exception {
    Path sockets = Files.createDirectories(dir.resolve("spool/headroom"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(
        dir.resolve("spool"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path socket = sockets.resolve("headroom.sock");
    // What a crashed daemon leaves: a bound socket file that nobody listens on any more.
    try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      crashed.bind(UnixDomainSocketAddress.of(socket));
    }
    assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));

    daemon =
        HeadroomProcess.start(
            dir.resolve("daemon"),
            "listen = unix:" + socket,
            "listen_socket_mode = 0660",
            "listen_socket_group = postfix",
            "probe_interval = 500ms",
            "dns_mode = off",
            "disk_paths = " + dir.toAbsolutePath(),
            "cpu_max_load_per_core = 1000");
    assertTrue(daemon.log().contains("removed stale socket " + socket), daemon.log());
    assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "bound: " + daemon.log());
    PosixFileAttributes attrs =
        Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    assertEquals("rw-rw----", PosixFilePermissions.toString(attrs.permissions()));
    assertEquals("postfix", attrs.group().getName());
    // Bound in a private directory and moved into place: nothing of that is left behind.
    try (var entries = Files.list(sockets)) {
      assertEquals(List.of(socket), entries.toList());
    }
    assertTrue(daemon.log().contains("listening on unix:" + socket), daemon.log());

    postfix =
        PostfixInstance.builder(dir.resolve("postfix")).smtpdMilters("unix:" + socket).start();
    Transcript t =
        SmtpClient.send(
            postfix.smtpPort(),
            "a@example.test",
            "b@example.test",
            "Subject: hi\r\n\r\nHello.\r\n".getBytes(StandardCharsets.US_ASCII));
    assertTrue(t.message().startsWith("250 2.0.0 Ok: queued as "), t.toString());
    assertEquals(
        1.0,
        daemon.metric("headroom_messages_total{action=\"accepted\"}"),
        "the milter saw the message");
    postfix.close();
    postfix = null;

    assertEquals(0, daemon.stop(Duration.ofSeconds(30)));
    assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "socket removed on exit");
  }

  @Test
  void aSocketSomeoneListensOnIsNotTakenOver() throws Exception {
    Path socket = dir.resolve("live.sock");
    try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      live.bind(UnixDomainSocketAddress.of(socket));
      Process p =
          new ProcessBuilder(
                  ProcessHandle.current().info().command().orElse("java"),
                  "-jar",
                  HeadroomProcess.JAR.toString(),
                  "--config",
                  writeConfig(socket).toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
      assertEquals(1, p.exitValue(), out);
      assertTrue(out.contains("another process listens on " + socket), out);
      assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "left alone");
    }
  }

  private Path writeConfig(Path socket) throws java.io.IOException {
    Path conf = dir.resolve("live.conf");
    Files.writeString(
        conf,
        "listen = unix:"
            + socket
            + "\nmetrics_listen = off\ndns_mode = off\n"
            + "spool_probe_directory = "
            + dir
            + "\ndisk_paths = "
            + dir
            + "\n");
    return conf;
  }
}
