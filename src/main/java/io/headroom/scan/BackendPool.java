package io.headroom.scan;

import io.headroom.config.HostPort;
import io.headroom.config.ScannerEndpoint;
import io.headroom.config.ScannerEndpoint.Kind;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The backends of one scanner kind. A connection attempt goes through them in configured order;
 * when all refuse it pauses briefly and goes round again, until one accepts or the caller's link is
 * closed by the message deadline. clamd does not listen for a few seconds while it restarts, and a
 * message that can still be scanned in time must not be deferred for that. Once the scanner's
 * health check has declared every backend down, the retrying stops: the outage is real, and the
 * message gets its 451 now rather than at the deadline. The pauses look at the health check every
 * {@link #DOWN_POLL_MS}, so a long pause does not hold that 451 back.
 */
final class BackendPool {

  /** Bounds one TCP connect, so a black-holed backend cannot use up the time of the next ones. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  private static final long FIRST_PAUSE_MS = 50;
  private static final long MAX_PAUSE_MS = 500;

  /**
   * How often a pause looks at the health check. Only a pause's end did before: a message that
   * started retrying just before its scanner was declared down got its 451 up to a whole pause
   * later, and the benchmark's "clamd stopped → first 451" went past probe_interval + 1 s.
   */
  static final long DOWN_POLL_MS = 50;

  private final Kind kind;
  private final List<ScannerEndpoint> endpoints;
  private final BooleanSupplier declaredDown;

  BackendPool(Kind kind, List<ScannerEndpoint> endpoints, BooleanSupplier declaredDown) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no " + kind.label() + " backends");
    }
    this.kind = kind;
    this.endpoints = List.copyOf(endpoints);
    this.declaredDown = declaredDown;
  }

  Kind kind() {
    return kind;
  }

  List<ScannerEndpoint> endpoints() {
    return endpoints;
  }

  /** How one attempt connects to one backend; what it opens belongs to {@code link}. */
  @FunctionalInterface
  interface Opener<C> {
    C open(ScannerEndpoint endpoint, Link link) throws IOException;
  }

  /**
   * Blocks until a backend accepts a connection opened by {@code opener}, which then belongs to
   * {@code link}.
   *
   * @throws ScanFailure {@link ScanResult#UNREACHABLE} when the link was closed before any backend
   *     accepted
   */
  <C> Connected<C> connect(Link link, Opener<C> opener) throws ScanFailure {
    return connect(link, opener, 0);
  }

  /**
   * As {@link #connect(Link, Opener)}, each round beginning with the backend at {@code first}
   * (modulo their number): a retry after a failed exchange goes to the next backend, not again to
   * the first, which may accept connections and fail every exchange.
   */
  <C> Connected<C> connect(Link link, Opener<C> opener, int first) throws ScanFailure {
    long pause = FIRST_PAUSE_MS;
    StringBuilder failures = new StringBuilder();
    int rounds = 0;
    while (!link.isClosed()) {
      rounds++;
      for (int i = 0; i < endpoints.size(); i++) {
        ScannerEndpoint endpoint = endpoints.get((first + i) % endpoints.size());
        try {
          return new Connected<>(endpoint, opener.open(endpoint, link));
        } catch (IOException | RuntimeException e) {
          link.detach();
          if (rounds == 1) {
            failures
                .append(failures.length() == 0 ? "" : ", ")
                .append(endpoint)
                .append(": ")
                .append(e);
          }
        }
      }
      link.connectFailures(failures + " (" + rounds + " round(s))");
      if (declaredDown.getAsBoolean()) {
        failures.append("; its health check declares it down, no more retries");
        break;
      }
      if (!pauseUnlessDeclaredDown(link, pause)) {
        break;
      }
      pause = Math.min(MAX_PAUSE_MS, pause * 2);
    }
    throw new ScanFailure(
        ScanResult.UNREACHABLE,
        "no "
            + kind.label()
            + " backend accepted a connection in "
            + rounds
            + " round(s): "
            + failures);
  }

  /**
   * Waits {@code millis}, cut short when the health check declares the scanner down (the next round
   * then stops the retrying); false when the link was closed meanwhile.
   */
  private boolean pauseUnlessDeclaredDown(Link link, long millis) {
    for (long left = millis; left > 0 && !declaredDown.getAsBoolean(); left -= DOWN_POLL_MS) {
      if (!link.pause(Math.min(left, DOWN_POLL_MS))) {
        return false;
      }
    }
    return true;
  }

  /** Connects a blocking channel with a bounded wait; closing the link aborts it. */
  static SocketChannel open(ScannerEndpoint endpoint, Link link) throws IOException {
    if (endpoint.isUnix()) {
      SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      link.attach(ch);
      ch.connect(UnixDomainSocketAddress.of(endpoint.unix()));
      return ch;
    }
    SocketChannel ch = SocketChannel.open();
    link.attach(ch);
    ch.socket().connect(resolve(endpoint), (int) CONNECT_TIMEOUT.toMillis());
    ch.socket().setTcpNoDelay(true);
    return ch;
  }

  /**
   * The TCP address of {@code endpoint}, resolved now. Configured addresses are kept unresolved,
   * and connections are opened on the scan executor: DNS stays off the event loop.
   */
  static InetSocketAddress resolve(ScannerEndpoint endpoint) throws IOException {
    InetSocketAddress tcp = endpoint.tcp();
    InetSocketAddress resolved = new InetSocketAddress(tcp.getHostString(), tcp.getPort());
    if (resolved.isUnresolved()) {
      throw new IOException("cannot resolve " + HostPort.format(tcp));
    }
    return resolved;
  }

  record Connected<C>(ScannerEndpoint endpoint, C connection) {}
}
