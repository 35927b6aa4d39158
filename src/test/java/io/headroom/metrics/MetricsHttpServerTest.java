package io.headroom.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Check;
import io.headroom.config.Mode;
import io.headroom.config.Stage;
import io.headroom.health.CheckState;
import io.headroom.health.HealthSnapshot;
import io.headroom.probe.Measure;
import io.headroom.probe.ProbeResult;
import io.headroom.reply.Reason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The metrics endpoint over real loopback sockets, as Prometheus, curl and a hostile peer meet it.
 */
class MetricsHttpServerTest {
  private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

  /** What Prometheus 2.x and 3.x send by default. */
  private static final String PROMETHEUS_ACCEPT =
      "application/openmetrics-text;version=1.0.0,"
          + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

  private final AtomicReference<HealthSnapshot> health =
      new AtomicReference<>(HealthSnapshot.EMPTY);
  private final MicrometerMetrics metrics =
      new MicrometerMetrics(
          health::get, new MicrometerMetrics.Labels("9.9-test", List.of(), List.of()));
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private MetricsHttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private MetricsHttpServer start() throws IOException {
    return start(MetricsHttpServer.REQUEST_DEADLINE);
  }

  private MetricsHttpServer start(Duration deadline) throws IOException {
    server =
        MetricsHttpServer.start(
            LOOPBACK, new MetricsRoutes(metrics::scrape, health::get), deadline);
    return server;
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
    return client.send(
        request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.address().getPort() + path));
  }

  private static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  @Test
  void metricsAnswersPrometheusTextByDefault() throws Exception {
    start();
    HttpResponse<byte[]> response = send(request("/metrics"));
    assertEquals(200, response.statusCode());
    assertEquals(
        "text/plain; version=0.0.4; charset=utf-8",
        response.headers().firstValue("Content-Type").get());
    assertTrue(
        text(response)
            .contains(
                "# TYPE headroom_milter_sessions_active gauge\n"
                    + "headroom_milter_sessions_active 0.0\n"),
        text(response));
  }

  @Test
  void metricsAnswersOpenMetricsWhenTheScraperAsksForIt() throws Exception {
    start();
    HttpResponse<byte[]> response = send(request("/metrics").header("Accept", PROMETHEUS_ACCEPT));
    assertEquals(200, response.statusCode());
    assertEquals(
        "application/openmetrics-text; version=1.0.0; charset=utf-8",
        response.headers().firstValue("Content-Type").get());
    assertTrue(
        text(response)
            .contains(
                "# TYPE headroom_milter_sessions_active gauge\n"
                    + "# HELP headroom_milter_sessions_active Milter connections open now\n"
                    + "headroom_milter_sessions_active 0.0\n"),
        text(response));
    assertTrue(text(response).endsWith("# EOF\n"), text(response));
  }

  @Test
  void metricsAreGzippedWhenTheScraperAcceptsGzip() throws Exception {
    start();
    HttpResponse<byte[]> zipped = send(request("/metrics").header("Accept-Encoding", "gzip"));
    String plain = text(send(request("/metrics")));
    assertEquals(200, zipped.statusCode());
    assertEquals("gzip", zipped.headers().firstValue("Content-Encoding").get());
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(zipped.body()))) {
      String unzipped = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      // JVM and process families move between two scrapes (a GC between them adds
      // jvm_gc_pause_seconds); ours do not.
      assertEquals(stableLines(plain), stableLines(unzipped));
      assertTrue(stableLines(unzipped).size() > 100, unzipped);
    }
  }

  private static List<String> stableLines(String scrape) {
    return scrape
        .lines()
        .filter(
            l ->
                l.startsWith("headroom_")
                    || l.startsWith("# HELP headroom_")
                    || l.startsWith("# TYPE headroom_"))
        .toList();
  }

  @Test
  void headAnswersTheHeadersAlone() throws Exception {
    start();
    HttpResponse<byte[]> response =
        send(request("/metrics").method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertEquals(200, response.statusCode());
    assertTrue(Integer.parseInt(response.headers().firstValue("Content-Length").get()) > 1000);
    assertEquals(0, response.body().length);
  }

  @Test
  void onlyTheExactPathsAnswer() throws Exception {
    start();
    for (String path :
        List.of("/metricsfoo", "/", "/health/x", "/metrics/", "/healthz", "/metrics/../health")) {
      HttpResponse<byte[]> response = send(request(path));
      assertEquals(404, response.statusCode(), path);
      assertEquals("404 Not Found\n", text(response), path);
    }
    assertEquals(200, send(request("/metrics?name[]=x")).statusCode(), "a query string is ignored");
  }

  @Test
  void methodsOtherThanGetAndHeadAreRefused() throws Exception {
    start();
    for (String method : List.of("POST", "PUT", "DELETE")) {
      HttpResponse<byte[]> response =
          send(request("/metrics").method(method, HttpRequest.BodyPublishers.ofString("x")));
      assertEquals(405, response.statusCode(), method);
      assertEquals("GET, HEAD", response.headers().firstValue("Allow").get());
    }
  }

  @Test
  void healthIsTheSnapshotAsJsonWith503WhileMailIsDeferred() throws Exception {
    start();
    HttpResponse<byte[]> ok = send(request("/health"));
    assertEquals(200, ok.statusCode());
    assertEquals("application/json", ok.headers().firstValue("Content-Type").get());
    assertEquals(
        "{\"status\":\"ok\",\"taken\":\"1970-01-01T00:00:00Z\",\"checks\":[]}\n", text(ok));

    ProbeResult disk =
        new ProbeResult(
            Check.DISK,
            "disk:/var/spool",
            Measure.DISK_FREE_RATIO,
            "/var/spool",
            false,
            0.021,
            "2.1% free",
            "need 5%",
            Optional.of(Reason.of("Mail spool disk", "nearly full", "2.1% free", "need 5%")),
            "statvfs /var/spool");
    health.set(
        new HealthSnapshot(
            Instant.EPOCH,
            List.of(
                new CheckState(
                    disk, false, Mode.ENFORCE, Stage.RCPT, Duration.ofMillis(1), Instant.EPOCH))));
    HttpResponse<byte[]> deferring = send(request("/health"));
    assertEquals(503, deferring.statusCode());
    assertEquals(HealthJson.of(health.get()), text(deferring));
    assertTrue(text(deferring).startsWith("{\"status\":\"deferring\""), text(deferring));
  }

  @Test
  void oversizedHeadersAreRefusedAndClosed() throws Exception {
    start();
    String request =
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: "
            + "a".repeat(MetricsHttpServer.MAX_HEADER_BYTES)
            + "\r\n\r\n";
    String answer = exchange(request.getBytes(StandardCharsets.US_ASCII));
    assertTrue(answer.startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"), answer);
  }

  @Test
  void aRequestLineTooLongIsRefusedAndClosed() throws Exception {
    start();
    String request =
        "GET /metrics?" + "a".repeat(MetricsHttpServer.MAX_REQUEST_LINE) + " HTTP/1.1\r\n\r\n";
    String answer = exchange(request.getBytes(StandardCharsets.US_ASCII));
    assertTrue(answer.startsWith("HTTP/1.1 414 Request-URI Too Long\r\n"), answer);
  }

  @Test
  void aMalformedEscapeInThePathIsRefusedAndClosed() throws Exception {
    start();
    for (String path : List.of("/metrics%", "/%zz", "/health%4")) {
      String answer =
          exchange(("GET " + path + " HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      assertTrue(answer.startsWith("HTTP/1.1 400 Bad Request\r\n"), path + ": " + answer);
    }
  }

  /**
   * A client that pipelines requests and never reads its answers is closed once they back up in the
   * socket and Netty's outbound buffer. Before, all 1,000 were answered into direct memory, which
   * the milter's connections share: about 250 MiB here.
   */
  @Test
  void aClientThatPipelinesRequestsAndReadsNoneIsClosedOnceItsAnswersBackUp() throws Exception {
    AtomicInteger scrapes = new AtomicInteger();
    String answer = "x".repeat(256 * 1024);
    server =
        MetricsHttpServer.start(
            LOOPBACK,
            new MetricsRoutes(
                type -> {
                  scrapes.incrementAndGet();
                  return answer;
                },
                health::get),
            Duration.ofSeconds(10));
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(server.address());
      byte[] request =
          "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      ByteArrayOutputStream pipelined = new ByteArrayOutputStream();
      for (int i = 0; i < 1000; i++) {
        pipelined.write(request);
      }
      socket.getOutputStream().write(pipelined.toByteArray());
      Thread.sleep(2000);
      // The socket buffers on both sides hold a few of these 256 KiB answers at most.
      assertTrue(scrapes.get() < 20, scrapes.get() + " answers to a client that read none");
      socket.setSoTimeout(5000);
      try {
        socket.getInputStream().readAllBytes(); // what was answered, then the close
      } catch (SocketException reset) {
        // Closed with requests of ours still unread on its side: the kernel resets.
      }
      assertTrue(scrapes.get() < 20, scrapes.get() + " answers in all");
    }
  }

  /** Sends the bytes, then reads until the server closes (bounded by a 2 s read timeout). */
  private String exchange(byte[] request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.address().getPort())) {
      socket.setSoTimeout(2000);
      socket.getOutputStream().write(request);
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  /** Connections that each sent half a request line and stopped, oldest first; closed together. */
  private record HalfRequests(List<Socket> sockets) implements AutoCloseable {
    static HalfRequests open(int port, int count) throws IOException {
      HalfRequests open = new HalfRequests(new ArrayList<>());
      for (int i = 0; i < count; i++) {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        open.sockets.add(s);
        s.getOutputStream().write("GET /metrics HT".getBytes(StandardCharsets.US_ASCII));
      }
      return open;
    }

    @Override
    public void close() throws IOException {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  @Test
  void twoHundredHalfRequestsDoNotDelayAScrape() throws Exception {
    start();
    send(request("/metrics")); // classes loaded and the registry warm: what is timed is the crowd's
    // effect
    try (HalfRequests slow = HalfRequests.open(server.address().getPort(), 200)) {
      long start = System.nanoTime();
      assertEquals(200, send(request("/metrics")).statusCode());
      assertEquals(200, send(request("/health")).statusCode());
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertTrue(
          took.compareTo(Duration.ofSeconds(1)) < 0,
          "behind "
              + slow.sockets().size()
              + " half requests, a scrape and a health check took "
              + took);
    }
  }

  @Test
  void oneWaitingConnectionTooManyClosesTheOldest() throws Exception {
    start();
    try (HalfRequests waiting =
        HalfRequests.open(server.address().getPort(), MetricsHttpServer.MAX_WAITING + 1)) {
      Socket oldest = waiting.sockets().get(0);
      oldest.setSoTimeout(2000);
      assertEquals(-1, oldest.getInputStream().read(), "the oldest is closed without an answer");
      Socket next = waiting.sockets().get(1);
      next.setSoTimeout(200);
      assertThrows(
          SocketTimeoutException.class,
          () -> next.getInputStream().read(),
          "the next oldest still waits");
    }
  }

  @Test
  void aTrickledRequestIsClosedAtTheDeadline() throws Exception {
    start(Duration.ofMillis(500));
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.address().getPort())) {
      socket.setSoTimeout(50);
      long start = System.nanoTime();
      byte[] request =
          ("GET /metrics HTTP/1.1\r\nX-Slow: " + "a".repeat(100))
              .getBytes(StandardCharsets.US_ASCII);
      int closedAt = -1;
      for (int i = 0; i < request.length && closedAt < 0; i++) {
        try {
          socket.getOutputStream().write(request[i]);
          if (socket.getInputStream().read() == -1) {
            closedAt = i;
          }
        } catch (SocketTimeoutException e) {
          // still open: one more byte
        } catch (IOException e) {
          closedAt = i;
        }
      }
      Duration open = Duration.ofNanos(System.nanoTime() - start);
      assertTrue(closedAt > 0, "the server closed the trickling client");
      // The trickle alone would last over 6 s (a byte per 50 ms read timeout).
      assertTrue(
          open.compareTo(Duration.ofMillis(450)) > 0 && open.compareTo(Duration.ofSeconds(3)) < 0,
          "closed after " + open);
    }
  }

  @Test
  void anUnresolvedAddressIsResolvedOrNamed() throws Exception {
    server =
        MetricsHttpServer.start(
            InetSocketAddress.createUnresolved("127.0.0.1", 0), metrics, health::get);
    assertEquals(200, send(request("/metrics")).statusCode());
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                MetricsHttpServer.start(
                    InetSocketAddress.createUnresolved("host.invalid", 9899),
                    metrics,
                    health::get));
    assertEquals("cannot listen on host.invalid:9899 for metrics: host not found", e.getMessage());
  }

  @Test
  void aPortInUseFailsNamingTheAddress() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      InetSocketAddress address = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
      IOException e =
          assertThrows(
              IOException.class, () -> MetricsHttpServer.start(address, metrics, health::get));
      assertEquals(
          "cannot listen on 127.0.0.1:"
              + taken.getLocalPort()
              + " for metrics: Address already in use",
          e.getMessage());
    }
  }
}
