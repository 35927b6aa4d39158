package io.headroom.transport;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.codec.MilterPacket;

class HeaderBytesTest {

  private static MilterPacket header(byte[] payload) {
    return MilterPacket.builder().command(CommandCode.SMFIC_HEADER).payload(payload).build();
  }

  /** What the scanners get back: jmilter's UTF-8 decoding, then ISO-8859-1 (MessageScan). */
  private static byte[] throughJmilter(MilterPacket packet) {
    return new String(packet.payload(), UTF_8).getBytes(ISO_8859_1);
  }

  @Test
  void rawLatin1AndUtf8HeadersKeepEveryByte() {
    byte[] latin1 = "Subject\0caf\u00e9 \u00ff\0".getBytes(ISO_8859_1);
    byte[] utf8 = "Subject\0caf\u00e9 \u2603\0".getBytes(UTF_8);

    assertArrayEquals(latin1, throughJmilter(HeaderBytes.preserved(header(latin1))));
    assertArrayEquals(utf8, throughJmilter(HeaderBytes.preserved(header(utf8))));
  }

  @Test
  void anAsciiHeaderIsPassedOnAsItIs() {
    MilterPacket ascii = header("Subject\0hello\0".getBytes(ISO_8859_1));
    assertSame(ascii, HeaderBytes.preserved(ascii));
  }
}
