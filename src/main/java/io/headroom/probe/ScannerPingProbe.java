package io.headroom.probe;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.headroom.config.Check;
import io.headroom.config.ScannerEndpoint;
import io.headroom.config.ScannerEndpoint.Kind;
import io.headroom.config.Units;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Pings every backend of one scanner kind at once ({@code zPING} to clamd, {@code PING} to spamd)
 * and is healthy when at least one answers within the timeout. Non-blocking I/O on one selector, so
 * a hung backend costs the probe no more than the timeout and no thread.
 */
public final class ScannerPingProbe implements Probe {

  private final Kind kind;
  private final List<ScannerEndpoint> backends;
  private final Duration timeout;

  /** One probe per scanner kind among {@code scanners}, in the order the kinds first appear. */
  static List<Probe> perKind(List<ScannerEndpoint> scanners, Duration timeout) {
    Map<Kind, List<ScannerEndpoint>> byKind = new LinkedHashMap<>();
    for (ScannerEndpoint e : scanners) {
      byKind.computeIfAbsent(e.kind(), k -> new ArrayList<>()).add(e);
    }
    List<Probe> probes = new ArrayList<>();
    byKind.forEach((kind, backends) -> probes.add(new ScannerPingProbe(kind, backends, timeout)));
    return probes;
  }

  public ScannerPingProbe(Kind kind, List<ScannerEndpoint> backends, Duration timeout) {
    this.kind = kind;
    this.backends = List.copyOf(backends);
    this.timeout = timeout;
  }

  @Override
  public Check check() {
    return Check.SCAN;
  }

  @Override
  public String name() {
    return kind.label();
  }

  @Override
  public String noun() {
    return kind.noun();
  }

  @Override
  public ProbeResult run() throws IOException {
    List<Ping> pings = new ArrayList<>();
    try (Selector selector = Selector.open()) {
      for (ScannerEndpoint backend : backends) {
        pings.add(new Ping(backend, selector));
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      while (pings.stream().anyMatch(p -> p.pending)) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          break;
        }
        selector.select(left);
        for (SelectionKey key : selector.selectedKeys()) {
          ((Ping) key.attachment()).step(key);
        }
        selector.selectedKeys().clear();
      }
    } finally {
      pings.forEach(Ping::close);
    }
    long up = pings.stream().filter(p -> p.answered).count();
    String measured = up + "/" + pings.size() + " backends answer";
    String detail = pings.stream().map(Ping::describe).collect(Collectors.joining(", "));
    if (up > 0) {
      return ProbeResult.pass(this, up, measured, "need 1", detail);
    }
    // A scanner that took the connection and then said nothing is hung (SIGSTOP, a deadlock), not
    // down: the fix differs, so the words do too.
    boolean hung = pings.stream().anyMatch(Ping::connectedWithoutAnswer);
    String condition =
        hung
            ? "not answering (no reply within " + Units.formatDuration(timeout) + ")"
            : "unreachable";
    return ProbeResult.fail(this, 0, measured, "need 1", condition, detail);
  }

  /** One backend's ping: connect, send the request, read until the answer is complete. */
  private final class Ping {
    private final ScannerEndpoint backend;
    private final ByteBuffer request;
    private final ByteBuffer reply = ByteBuffer.allocate(256);
    private SocketChannel channel;
    private boolean pending = true;
    private boolean connected;
    private boolean answered;
    private String problem = "no answer within " + Units.formatDuration(timeout);

    Ping(ScannerEndpoint backend, Selector selector) {
      this.backend = backend;
      this.request =
          ByteBuffer.wrap(
              (kind == Kind.CLAMD ? "zPING\0" : "PING SPAMC/1.5\r\n\r\n").getBytes(US_ASCII));
      try {
        channel =
            backend.isUnix()
                ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        channel.configureBlocking(false);
        connected = channel.connect(address());
        channel.register(
            selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, this);
      } catch (IOException | RuntimeException e) {
        fail(e.toString());
      }
    }

    void step(SelectionKey key) {
      try {
        if (key.isConnectable() && channel.finishConnect()) {
          connected = true;
          key.interestOps(SelectionKey.OP_WRITE);
        } else if (key.isWritable()) {
          channel.write(request);
          if (!request.hasRemaining()) {
            key.interestOps(SelectionKey.OP_READ);
          }
        } else if (key.isReadable()) {
          read();
        }
      } catch (IOException e) {
        fail(e.toString());
      }
    }

    private void read() throws IOException {
      int n = channel.read(reply);
      String text = US_ASCII.decode(reply.duplicate().flip()).toString();
      boolean pong =
          kind == Kind.CLAMD
              ? text.startsWith("PONG")
              : text.matches("SPAMD/\\S+ 0 PONG\\s[\\s\\S]*");
      if (pong) {
        answered = true;
        pending = false;
        problem = "";
        close();
      } else if (n < 0 || !reply.hasRemaining() || text.contains("\n") || text.contains("\0")) {
        fail("unexpected answer \"" + text.strip() + '"');
      }
    }

    private SocketAddress address() {
      if (backend.isUnix()) {
        return UnixDomainSocketAddress.of(backend.unix());
      }
      return new InetSocketAddress(backend.tcp().getHostString(), backend.tcp().getPort());
    }

    private void fail(String why) {
      pending = false;
      problem = why;
      close();
    }

    void close() {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException e) {
          // Done with this backend either way.
        }
      }
    }

    /** Connected, and silent until the deadline: the scanner is there but hung. */
    boolean connectedWithoutAnswer() {
      return connected && !answered && pending;
    }

    String describe() {
      return backend + (answered ? " answered" : " " + problem);
    }
  }
}
