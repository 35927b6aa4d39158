package io.headroom.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the harness: a private Postfix accepts mail without a milter, and with a milter that is
 * not there it gives the vague reply the product exists to replace.
 */
class PostfixInstanceIT {

  private static final Duration LOG_WAIT = Duration.ofSeconds(10);
  private static final byte[] MESSAGE =
      ("From: sender@example.test\n"
              + "To: user@example.test\n"
              + "Subject: harness\n"
              + "\n"
              + "hello\n"
              + ".a line that needs dot-stuffing\n")
          .getBytes(StandardCharsets.US_ASCII);

  @Test
  void withoutMilterEveryStageIsAccepted(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) {
    try (PostfixInstance postfix = PostfixInstance.builder(dir).start()) {
      SmtpClient.Transcript t =
          SmtpClient.send(postfix.smtpPort(), "sender@example.test", "user@example.test", MESSAGE);

      assertEquals("220 mx.example.test ESMTP Postfix", t.greeting());
      assertTrue(t.ehlo().startsWith("250-mx.example.test\n"), t.ehlo());
      assertEquals("250 2.1.0 Ok", t.mail());
      assertEquals("250 2.1.5 Ok", t.rcpt());
      assertEquals("354 End data with <CR><LF>.<CR><LF>", t.data());
      assertTrue(t.message().matches("250 2\\.0\\.0 Ok: queued as \\w+"), t.message());
      assertEquals("221 2.0.0 Bye", t.quit());

      String queueId = t.queueId().orElseThrow();
      postfix.awaitLogLine(queueId + ": to=<user@example.test>.*relay=none.*status=sent", LOG_WAIT);
    }
  }

  @Test
  void absentMilterWithTempfailGivesTheVagueReplyAtMailFrom(
      @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) {
    int nothingListens = Ports.closedTcpPort();
    try (PostfixInstance postfix =
        PostfixInstance.builder(dir)
            .smtpdMilters("inet:127.0.0.1:" + nothingListens)
            .set("milter_default_action", "tempfail")
            .start()) {
      SmtpClient.Transcript t =
          SmtpClient.send(postfix.smtpPort(), "sender@example.test", "user@example.test", MESSAGE);

      assertEquals("220 mx.example.test ESMTP Postfix", t.greeting());
      assertTrue(t.ehlo().startsWith("250-mx.example.test\n"), t.ehlo());
      assertEquals("451 4.7.1 Service unavailable - try again later", t.mail());
      assertNull(t.rcpt());
      assertNull(t.message());
      assertEquals("221 2.0.0 Bye", t.quit());
      postfix.awaitLogLine(
          "NOQUEUE: milter-reject: MAIL from unknown\\[127\\.0\\.0\\.1\\]: "
              + "451 4\\.7\\.1 Service unavailable - try again later",
          LOG_WAIT);
      // The readiness probe came from 127.0.0.2 with milters disabled: no reject logged for it.
      assertFalse(postfix.maillog().contains("milter-reject: CONNECT from unknown[127.0.0.2]"));
    }
  }

  @Test
  void twoInstancesRunSideBySideAndStopCleanly(@TempDir Path root) {
    int firstPort;
    // Subdirectories of one mode-700 @TempDir: the builder must open the way for postfix.
    try (PostfixInstance a = PostfixInstance.builder(root.resolve("a")).start();
        PostfixInstance b = PostfixInstance.builder(root.resolve("b")).start()) {
      firstPort = a.smtpPort();
      assertNotEquals(a.smtpPort(), b.smtpPort());
      assertEquals(
          "250 2.1.5 Ok",
          SmtpClient.send(a.smtpPort(), "s@example.test", "u@example.test", MESSAGE).rcpt());
      assertEquals(
          "250 2.1.5 Ok",
          SmtpClient.send(b.smtpPort(), "s@example.test", "u@example.test", MESSAGE).rcpt());
    }
    assertRefused(firstPort);
  }

  private static void assertRefused(int port) {
    assertThrows(ConnectException.class, () -> new Socket(Ports.LOOPBACK_V4, port).close());
  }
}
