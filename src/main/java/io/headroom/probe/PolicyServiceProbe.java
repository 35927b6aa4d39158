package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.PolicyProbeMode;
import io.headroom.config.PolicyService;
import io.headroom.config.Units;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * Probes one policy service ({@code check_policy_service}) by connecting, or by one complete
 * policy-delegation request (SMTPD_POLICY_README: attributes, an empty line; the answer an {@code
 * action=} line and an empty line), all under one deadline. Non-blocking I/O gives TCP and Unix
 * sockets the same deadline.
 */
public final class PolicyServiceProbe implements Probe {
  /** An answer is one short line; a server that talks more is not a policy service. */
  private static final int ANSWER_LIMIT = 4096;

  private static final String REASON = "unavailable";

  private final PolicyService service;
  private final PolicyProbeMode mode;
  private final String canary;
  private final Duration deadline;

  /**
   * @param canary the sender and recipient of a {@link PolicyProbeMode#REQUEST}
   */
  public PolicyServiceProbe(
      PolicyService service, PolicyProbeMode mode, String canary, Duration deadline) {
    this.service = service;
    this.mode = mode;
    this.canary = canary;
    this.deadline = deadline;
  }

  @Override
  public Check check() {
    return Check.POLICY;
  }

  @Override
  public Measure measure() {
    return Measure.POLICY_SERVICE_UP;
  }

  /**
   * The table or service as configured (or found): the gauge's label value, bounded by the config.
   */
  @Override
  public String subject() {
    return service.spec();
  }

  @Override
  public String name() {
    return "policy:" + service.spec();
  }

  @Override
  public Optional<Duration> ownDeadline() {
    return Optional.of(deadline);
  }

  @Override
  public ProbeResult run() {
    String verb = mode == PolicyProbeMode.CONNECT ? "connect" : "answer";
    String limit = verb + " within " + Units.formatDuration(deadline);
    long start = System.nanoTime();
    long end = start + deadline.toNanos();
    String outcome;
    try (Selector selector = Selector.open();
        SocketChannel channel = open()) {
      channel.configureBlocking(false);
      SelectionKey key = channel.register(selector, 0);
      connect(channel, key, end);
      outcome = "connected";
      if (mode == PolicyProbeMode.REQUEST) {
        write(channel, key, request(), end);
        String answer = readAnswer(channel, key, end);
        outcome = answer.lines().filter(l -> l.startsWith("action=")).findFirst().orElse(null);
        if (outcome == null) {
          return failure(
              "no action in answer", limit, "answered without action=: " + printable(answer));
        }
      }
    } catch (Deadline e) {
      String measured = "no answer within " + Units.formatDuration(deadline);
      return failure(measured, limit, measured + " (" + e.getMessage() + ")");
    } catch (ConnectException e) {
      return failure("connection refused", limit, e.toString());
    } catch (IOException | RuntimeException e) {
      return failure("connection failed", limit, e.toString());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    String took = Units.formatSeconds(seconds);
    String measured = (mode == PolicyProbeMode.CONNECT ? "connected" : "answered") + " in " + took;
    return ProbeResult.pass(
        this, seconds, measured, limit, service.spec() + ": " + outcome + " in " + took);
  }

  private ProbeResult failure(String measured, String limit, String why) {
    return ProbeResult.fail(this, Double.NaN, measured, limit, REASON, service.spec() + ": " + why);
  }

  private SocketChannel open() throws IOException {
    return service.address() instanceof UnixDomainSocketAddress
        ? SocketChannel.open(StandardProtocolFamily.UNIX)
        : SocketChannel.open();
  }

  /** Resolves a host name here, at each run, as Postfix does at each connection. */
  private void connect(SocketChannel channel, SelectionKey key, long end) throws IOException {
    SocketAddress target = service.address();
    if (target instanceof InetSocketAddress inet && inet.isUnresolved()) {
      target = new InetSocketAddress(inet.getHostString(), inet.getPort());
      if (((InetSocketAddress) target).isUnresolved()) {
        throw new IOException("host " + inet.getHostString() + " not found");
      }
    }
    if (channel.connect(target)) {
      return;
    }
    key.interestOps(SelectionKey.OP_CONNECT);
    while (!channel.finishConnect()) {
      await(key, end, "connecting");
    }
  }

  private void write(SocketChannel channel, SelectionKey key, ByteBuffer request, long end)
      throws IOException {
    key.interestOps(SelectionKey.OP_WRITE);
    while (request.hasRemaining()) {
      if (channel.write(request) == 0) {
        await(key, end, "sending the request");
      }
    }
  }

  /** Up to the empty line that ends an answer. */
  private static String readAnswer(SocketChannel channel, SelectionKey key, long end)
      throws IOException {
    key.interestOps(SelectionKey.OP_READ);
    ByteBuffer buffer = ByteBuffer.allocate(ANSWER_LIMIT);
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer);
      if (n < 0) {
        throw new IOException("connection closed after " + buffer.position() + " bytes");
      }
      String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
      if (text.contains("\n\n")) {
        return text.substring(0, text.indexOf("\n\n"));
      }
      if (n == 0) {
        await(key, end, "waiting for the answer");
      }
    }
    throw new IOException("answer longer than " + ANSWER_LIMIT + " bytes");
  }

  private static void await(SelectionKey key, long end, String doing) throws IOException {
    long left = end - System.nanoTime();
    // Selector.select(0) would wait for ever.
    long millis = Math.max(1, left / 1_000_000);
    key.selector().selectedKeys().clear();
    if (left <= 0 || key.selector().select(millis) == 0 && System.nanoTime() >= end) {
      throw new Deadline(doing);
    }
  }

  /**
   * The attributes smtpd sends at RCPT (SMTPD_POLICY_README), with the canary as both addresses.
   */
  private ByteBuffer request() {
    String text =
        String.join(
            "\n",
            "request=smtpd_access_policy",
            "protocol_state=RCPT",
            "protocol_name=ESMTP",
            "client_address=127.0.0.1",
            "client_name=localhost",
            "reverse_client_name=localhost",
            "helo_name=localhost",
            "sender=" + canary,
            "recipient=" + canary,
            "recipient_count=0",
            "queue_id=",
            "instance=headroom-probe",
            "size=0",
            "",
            "");
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
  }

  private static String printable(String text) {
    return text.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /** The deadline passed; the message says during which step. */
  private static final class Deadline extends IOException {
    private static final long serialVersionUID = 1L;

    Deadline(String doing) {
      super(doing);
    }
  }
}
