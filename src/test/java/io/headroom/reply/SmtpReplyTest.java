package io.headroom.reply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SmtpReplyTest {
  @Test
  void deferIsOneLineWithTheReason() {
    assertEquals(
        "451 4.3.0 Mail spool disk nearly full (2.1% free, need 5%), try again later",
        SmtpReply.defer(Reason.of("Mail spool disk", "nearly full", "2.1% free", "need 5%"))
            .line());
  }

  @Test
  void percentIsDoubledForPostfixOnlyInThePayload() {
    byte[] payload =
        SmtpReply.defer(Reason.of("Memory", "low", "3% available", "need 5%")).payload();
    assertEquals(
        "451 4.3.0 Memory low (3%% available, need 5%%), try again later\0",
        new String(payload, StandardCharsets.US_ASCII));
  }

  @Test
  void lineBreaksAndNonAsciiCannotReachTheClient() {
    assertEquals(
        "451 4.3.0 bad?250 2.0.0 ok?caf?, try again later",
        SmtpReply.defer(Reason.of("bad\r250", "2.0.0 ok\ncafé")).line());
  }

  @Test
  void atMost200Characters() {
    String line = SmtpReply.defer(Reason.of("x".repeat(250), "x".repeat(249))).line();
    assertEquals(200, line.length());
    assertTrue(line.startsWith("451 4.3.0 xxx"));
  }
}
