package io.headroom.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.headroom.config.ScannerEndpoint;
import org.junit.jupiter.api.Test;

class ReplyParsingTest {

  private static final ScannerEndpoint CLAMD = ScannerEndpoint.parse("clamd:tcp:127.0.0.1:3310");
  private static final ScannerEndpoint SPAMD = ScannerEndpoint.parse("spamd:tcp:127.0.0.1:783");

  @Test
  void clamdClean() throws Exception {
    assertEquals(ScanResult.CLEAN, ClamdConversation.verdict("stream: OK", CLAMD).result());
  }

  @Test
  void clamdFoundNamesTheSignature() throws Exception {
    ScannerVerdict v = ClamdConversation.verdict("stream: Win.Test.EICAR_HDB-1 FOUND", CLAMD);
    assertEquals(ScanResult.INFECTED, v.result());
    assertEquals("Win.Test.EICAR_HDB-1", v.signature());
    assertEquals(
        "clamd:tcp:127.0.0.1:3310 answered \"stream: Win.Test.EICAR_HDB-1 FOUND\"", v.detail());
  }

  @Test
  void clamdStreamLimitIsItsOwnFailure() {
    ScanFailure f =
        assertThrows(
            ScanFailure.class,
            () -> ClamdConversation.verdict("INSTREAM size limit exceeded. ERROR", CLAMD));
    assertEquals(ScanResult.SIZE_LIMIT, f.result());
  }

  @Test
  void clamdOtherErrors() {
    assertEquals(
        ScanResult.ERROR,
        assertThrows(
                ScanFailure.class,
                () -> ClamdConversation.verdict("stream: Can't allocate memory ERROR", CLAMD))
            .result());
    assertEquals(
        ScanResult.ERROR,
        assertThrows(ScanFailure.class, () -> ClamdConversation.verdict("UNKNOWN COMMAND", CLAMD))
            .result());
  }

  @Test
  void spamdSpam() throws Exception {
    ScannerVerdict v =
        SpamdConversation.verdict("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1003.7 / 5.0\r\n\r\n", SPAMD);
    assertEquals(ScanResult.SPAM, v.result());
    assertEquals(1003.7, v.score());
    assertEquals(5.0, v.threshold());
  }

  @Test
  void spamdHam() throws Exception {
    ScannerVerdict v =
        SpamdConversation.verdict(
            "SPAMD/1.1 0 EX_OK\r\n"
                + "Content-length: 46\r\n"
                + "Spam: False ; -0.5 / 5.0\r\n\r\n"
                + "MISSING_DATE",
            SPAMD);
    assertEquals(ScanResult.CLEAN, v.result());
    assertEquals(-0.5, v.score());
  }

  @Test
  void spamdErrorsAndGarbage() {
    assertEquals(
        ScanResult.ERROR,
        assertThrows(
                ScanFailure.class,
                () -> SpamdConversation.verdict("SPAMD/1.0 76 Bad header line\r\n", SPAMD))
            .result());
    assertEquals(
        ScanResult.ERROR,
        assertThrows(
                ScanFailure.class,
                () -> SpamdConversation.verdict("SPAMD/1.1 0 EX_OK\r\n\r\n", SPAMD))
            .result());
    assertEquals(
        ScanResult.ERROR,
        assertThrows(ScanFailure.class, () -> SpamdConversation.verdict("HTTP/1.1 400\r\n", SPAMD))
            .result());
  }
}
