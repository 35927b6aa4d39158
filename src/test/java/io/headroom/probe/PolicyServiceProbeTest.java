package io.headroom.probe;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Check;
import io.headroom.config.PolicyProbeMode;
import io.headroom.config.PolicyService;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PolicyServiceProbe against in-test servers on loopback and in a temp directory. */
class PolicyServiceProbeTest {
  private static final Duration DEADLINE = Duration.ofMillis(500);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @TempDir Path dir;
  private ServerSocket server;

  @AfterEach
  void closeServer() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  private PolicyService listening() throws IOException {
    server = new ServerSocket(0, 5, LOOPBACK);
    return PolicyService.parse("inet:127.0.0.1:" + server.getLocalPort(), dir);
  }

  /** Reads one request up to its empty line and answers {@code answer}; returns the request. */
  private CompletableFuture<String> answerOnce(String answer) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            StringBuilder request = new StringBuilder();
            while (!request.toString().endsWith("\n\n")) {
              int c = in.read();
              if (c < 0) {
                break;
              }
              request.append((char) c);
            }
            s.getOutputStream().write(answer.getBytes(US_ASCII));
            s.getOutputStream().flush();
            TimeUnit.MILLISECONDS.sleep(DEADLINE.toMillis() * 2); // the probe closes first
            return request.toString();
          } catch (IOException | InterruptedException e) {
            return e.toString();
          }
        });
  }

  @Test
  void anAcceptedConnectionIsHealthy() throws Exception {
    PolicyService service = listening();

    ProbeResult r = new PolicyServiceProbe(service, PolicyProbeMode.CONNECT, "", DEADLINE).run();

    assertTrue(r.healthy(), r.detail());
    assertEquals(Check.POLICY, r.check());
    assertEquals("policy:inet:127.0.0.1:" + server.getLocalPort(), r.probe());
    assertEquals("connect within 500ms", r.limit());
    assertTrue(r.measured().startsWith("connected in "), r.measured());
  }

  @Test
  void aRefusedConnectionFails() throws Exception {
    PolicyService service = listening();
    server.close();

    ProbeResult r = new PolicyServiceProbe(service, PolicyProbeMode.CONNECT, "", DEADLINE).run();

    assertFalse(r.healthy());
    assertEquals("Policy service unavailable", r.reason());
    assertEquals("connection refused", r.measured());
    assertTrue(
        r.detail().startsWith(service.spec() + ": java.net.ConnectException: Connection refused"),
        r.detail());
  }

  @Test
  void aRequestAnsweredWithAnActionIsHealthy() throws Exception {
    PolicyService service = listening();
    CompletableFuture<String> request = answerOnce("action=DUNNO\n\n");

    ProbeResult r =
        new PolicyServiceProbe(service, PolicyProbeMode.REQUEST, "probe@example.org", DEADLINE)
            .run();

    assertTrue(r.healthy(), r.detail());
    assertEquals("answer within 500ms", r.limit());
    assertTrue(r.detail().startsWith(service.spec() + ": action=DUNNO in "), r.detail());
    assertEquals(
        String.join(
            "\n",
            "request=smtpd_access_policy",
            "protocol_state=RCPT",
            "protocol_name=ESMTP",
            "client_address=127.0.0.1",
            "client_name=localhost",
            "reverse_client_name=localhost",
            "helo_name=localhost",
            "sender=probe@example.org",
            "recipient=probe@example.org",
            "recipient_count=0",
            "queue_id=",
            "instance=headroom-probe",
            "size=0",
            "",
            ""),
        request.get(5, TimeUnit.SECONDS));
  }

  @Test
  void anAnswerWithoutActionFails() throws Exception {
    PolicyService service = listening();
    answerOnce("hello\n\n");

    ProbeResult r =
        new PolicyServiceProbe(service, PolicyProbeMode.REQUEST, "probe@example.org", DEADLINE)
            .run();

    assertFalse(r.healthy());
    assertEquals("Policy service unavailable", r.reason());
    assertEquals("no action in answer", r.measured());
    assertEquals(service.spec() + ": answered without action=: hello", r.detail());
  }

  /** The listen backlog accepts the connection; nobody reads or answers. */
  @Test
  void silenceFailsAtTheDeadline() throws Exception {
    PolicyService service = listening();
    long start = System.nanoTime();

    ProbeResult r =
        new PolicyServiceProbe(service, PolicyProbeMode.REQUEST, "probe@example.org", DEADLINE)
            .run();

    double seconds = (System.nanoTime() - start) / 1e9;
    assertFalse(r.healthy());
    assertEquals("no answer within 500ms", r.measured());
    assertEquals(service.spec() + ": no answer within 500ms (waiting for the answer)", r.detail());
    assertTrue(seconds >= 0.45 && seconds < 1.5, "took " + seconds + "s");
  }

  @Test
  void aUnixSocketRelativeToTheQueueDirectoryAnswers() throws Exception {
    Path socket = dir.resolve("private").resolve("policy");
    java.nio.file.Files.createDirectories(socket.getParent());
    try (ServerSocketChannel unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      unix.bind(UnixDomainSocketAddress.of(socket));
      CompletableFuture<Void> answered =
          CompletableFuture.runAsync(
              () -> {
                try (SocketChannel c = unix.accept()) {
                  c.read(ByteBuffer.allocate(4096));
                  c.write(ByteBuffer.wrap("action=OK\n\n".getBytes(US_ASCII)));
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      PolicyService service = PolicyService.parse("unix:private/policy", dir);

      ProbeResult r =
          new PolicyServiceProbe(service, PolicyProbeMode.REQUEST, "probe@example.org", DEADLINE)
              .run();

      assertTrue(r.healthy(), r.detail());
      assertEquals(UnixDomainSocketAddress.of(socket), service.address());
      answered.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aMissingUnixSocketFails() {
    PolicyService service = PolicyService.parse("unix:private/policy", dir);

    ProbeResult r = new PolicyServiceProbe(service, PolicyProbeMode.CONNECT, "", DEADLINE).run();

    assertFalse(r.healthy());
    assertEquals("Policy service unavailable", r.reason());
    assertEquals("connection failed", r.measured());
    assertEquals(
        "unix:private/policy: java.net.SocketException: No such file or directory", r.detail());
  }

  @Test
  void anEndpointOfNeitherKindIsRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> PolicyService.parse("127.0.0.1:10023", dir));

    assertEquals(
        "\"127.0.0.1:10023\" is not a policy service (inet:host:port, unix:path or local:path)",
        e.getMessage());
    assertEquals(
        InetSocketAddress.createUnresolved("policy.example", 10023),
        PolicyService.parse("inet:policy.example:10023", dir).address());
  }
}
