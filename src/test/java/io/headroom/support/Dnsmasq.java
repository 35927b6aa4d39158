package io.headroom.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A private dnsmasq on 127.0.0.1 and an ephemeral port, for tests that need a resolver they own. It
 * never forwards (no resolv.conf, no upstream), so nothing leaves loopback.
 */
public final class Dnsmasq implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
  private static final int PORT_ATTEMPTS = 3;

  /**
   * NS a.root-servers.net. in wire format. dnsmasq's {@code --address=/#/} covers every name but
   * the root, which it otherwise REFUSEs; a real recursive resolver answers the root NS set, and
   * {@code .} is the DNS probe's default name.
   */
  private static final String ROOT_NS = "--dns-rr=.,2,01610c726f6f742d73657276657273036e657400";

  /** dnsmasq listens on 127.0.0.1 only, whatever the JVM prefers for "localhost". */
  private static final InetAddress LOOPBACK = ipv4Loopback();

  private final List<String> command;
  private final int port;
  private final Path log;
  private Process process;

  private Dnsmasq(List<String> command, int port, Path log) {
    this.command = List.copyOf(command);
    this.port = port;
    this.log = log;
  }

  /** A resolver that answers every name with 127.0.0.1 and the root with one NS record. */
  public static Dnsmasq start() throws IOException, InterruptedException {
    return start(List.of("--address=/#/127.0.0.1", ROOT_NS));
  }

  /**
   * "The internet" for a forwarding resolver: answers every name with 127.0.0.1, like {@link
   * #start()}, with a TTL of an hour, so the forwarder keeps what it was told.
   */
  public static Dnsmasq startUpstream() throws IOException, InterruptedException {
    return start(List.of("--address=/#/127.0.0.1", ROOT_NS, "--local-ttl=3600"));
  }

  /**
   * A caching resolver that forwards to {@code upstream}, as a local unbound or systemd-resolved
   * forwards to the provider's. It holds the root NS set itself, as a recursive resolver holds it
   * from priming, so the root probe never proves the upstream is reachable.
   */
  public static Dnsmasq startForwarding(Dnsmasq upstream) throws IOException, InterruptedException {
    return start(List.of("--server=127.0.0.1#" + upstream.port(), "--cache-size=1000", ROOT_NS));
  }

  /** A resolver that answers every query with REFUSED, as one with no upstream does. */
  public static Dnsmasq startRefusing() throws IOException, InterruptedException {
    return start(List.of());
  }

  private static Dnsmasq start(List<String> answers) throws IOException, InterruptedException {
    IOException last = null;
    // The free port is found by binding and releasing it; another process may take it in between.
    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      int port = Ports.freeUdpAndTcpPort();
      Path log = Files.createTempFile("dnsmasq-", ".log");
      List<String> command =
          new ArrayList<>(
              List.of(
                  "dnsmasq",
                  "--no-daemon",
                  "--port=" + port,
                  "--listen-address=127.0.0.1",
                  "--bind-interfaces",
                  "--no-resolv",
                  "--no-hosts",
                  "--pid-file=",
                  // Started as root dnsmasq drops to user "dnsmasq", which only the full dnsmasq
                  // package
                  // creates; "nobody" exists everywhere. As another user it stays that user.
                  "--user=nobody"));
      command.addAll(answers);
      Dnsmasq dnsmasq = new Dnsmasq(command, port, log);
      try {
        dnsmasq.launch();
        return dnsmasq;
      } catch (IOException e) {
        dnsmasq.close();
        last = e;
      }
    }
    throw last;
  }

  public int port() {
    return port;
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(LOOPBACK, port);
  }

  /** Stops the process; the port then answers ICMP port unreachable. */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Starts a stopped resolver again on the same port and waits until it answers, as an admin
   * restarting it would: the daemon under test keeps its configured address.
   */
  public void restart() throws IOException, InterruptedException {
    stop();
    launch();
  }

  private void launch() throws IOException, InterruptedException {
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    awaitReady();
  }

  /** SIGSTOP: the port stays bound and queries go unanswered, as with a hung resolver. */
  public void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  public void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly(); // SIGKILL also ends a frozen process
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException e) {
      // a stray temp file is no reason to fail a test
    }
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
    if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    SimpleResolver resolver = new SimpleResolver(address());
    resolver.setTimeout(Duration.ofMillis(200));
    Message query =
        Message.newQuery(Record.newRecord(Name.fromString("ready.test."), Type.A, DClass.IN));
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("dnsmasq exited with " + process.exitValue() + ": " + output());
      }
      try {
        resolver.send(query); // any response, REFUSED included, means it listens
        return;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new IOException(
        "dnsmasq did not answer on port " + port + " within " + READY_TIMEOUT + ": " + output());
  }

  private String output() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8).strip();
  }

  private static InetAddress ipv4Loopback() {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
