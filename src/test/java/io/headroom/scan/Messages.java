package io.headroom.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.headroom.config.ScanSettings;
import io.headroom.config.ScannerEndpoint;
import io.headroom.metrics.Metrics;
import io.headroom.support.TestLoop;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** Test messages, fed the way the milter feeds them: header by header, then body chunks. */
final class Messages {
  /** A scan service as the daemon builds one, with no scanner declared down by its health check. */
  static ScanService service(ScanSettings settings, Metrics metrics, Path spool) {
    return new ScanService(
        settings, metrics, spool, ScanService.DEFAULT_IO_THREADS, kind -> false, TestLoop.SHARED);
  }

  private Messages() {}

  /**
   * Scan settings for a test: the given scanners and limits, no per-MiB allowance, malware
   * rejected, oversize messages deferred.
   */
  static ScanSettings settings(
      Duration timeout,
      long maxSize,
      long spamdMaxSize,
      double spamRejectScore,
      String... scanners) {
    return new ScanSettings(
        Arrays.stream(scanners).map(ScannerEndpoint::parse).toList(),
        timeout,
        Duration.ZERO,
        maxSize,
        spamdMaxSize,
        ScanSettings.OversizeAction.TEMPFAIL,
        ScanSettings.MalwareAction.REJECT,
        spamRejectScore);
  }

  static final String[][] HEADERS = {
    {"From", "Alice <alice@example.org>"},
    {"To", "bob@example.org"},
    {"Subject", "Quarterly numbers"},
    {"Date", "Sat, 28 Nov 2026 10:00:00 +0000"},
    {"Message-ID", "<test-1@example.org>"},
  };

  static String plainBody() {
    return "Hello Bob,\r\n\r\n"
        + "the numbers look fine this quarter. See you on Monday.\r\n\r\n"
        + "Alice\r\n";
  }

  /** A multipart message with EICAR as a base64 attachment, as a virus would arrive by mail. */
  static String[][] eicarHeaders() {
    return new String[][] {
      {"From", "mallory@example.org"},
      {"To", "bob@example.org"},
      {"Subject", "invoice"},
      {"MIME-Version", "1.0"},
      {"Content-Type", "multipart/mixed; boundary=\"b1\""},
    };
  }

  static String eicarBody(String eicar) {
    return "--b1\r\n"
        + "Content-Type: text/plain\r\n\r\n"
        + "please see attached\r\n"
        + "--b1\r\n"
        + "Content-Type: application/octet-stream\r\n"
        + "Content-Disposition: attachment; filename=\"invoice.com\"\r\n"
        + "Content-Transfer-Encoding: base64\r\n\r\n"
        + Base64.getEncoder()
            .encodeToString(eicar.getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        + "\r\n--b1--\r\n";
  }

  static <T> T await(CompletionStage<T> stage, Duration within) throws Exception {
    return stage.toCompletableFuture().get(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Feeds a whole message, waiting for each step like the milter waits before answering Postfix.
   */
  static ScanOutcome scan(MessageScan scan, String[][] headers, String body, Duration within)
      throws Exception {
    for (String[] h : headers) {
      await(scan.header(h[0], h[1]), within);
    }
    await(scan.endOfHeaders(), within);
    await(scan.body(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)), within);
    return await(scan.finish(), within);
  }

  /**
   * A fresh 64 KiB chunk of text lines, as a new array each time (the milter allocates per chunk).
   */
  static byte[] textChunk(int n) {
    byte[] chunk = new byte[65536];
    byte[] line =
        ("line " + n + " of a long report, nothing to see here, just words and more words\r\n")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = line[i % line.length];
    }
    return chunk;
  }

  static void assertOutcome(ScanResult expected, ScanOutcome outcome) {
    assertEquals(expected, outcome.verdicts().get(0).result(), outcome.detail());
  }
}
