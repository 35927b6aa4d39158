package io.headroom.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SmtpClientTest {

  private static String stuffed(String message) {
    return new String(
        SmtpClient.dotStuffed(message.getBytes(StandardCharsets.US_ASCII)),
        StandardCharsets.US_ASCII);
  }

  @Test
  void lineEndsBecomeCrLfAndALastLineIsTerminated() {
    assertEquals("a\r\nb\r\nc\r\n", stuffed("a\nb\r\nc"));
  }

  @Test
  void linesStartingWithADotGetAnotherDot() {
    assertEquals("..\r\n..x\r\ny.z\r\n", stuffed(".\n.x\r\ny.z\n"));
  }
}
