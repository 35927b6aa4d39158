package io.headroom.transport;

import java.io.ByteArrayOutputStream;
import org.nightcode.milter.codec.MilterPacket;

/**
 * Keeps a header's bytes through jmilter. jmilter 0.6.1 decodes a header packet as UTF-8 and puts
 * U+FFFD for every byte that is not, so a header in raw Latin-1 (old mailers, spam) would reach the
 * scanners as other bytes than Postfix delivers, out of reach of a signature on the real ones. Each
 * byte above 0x7F is therefore sent on as the UTF-8 of the Latin-1 character it stands for: the
 * handler's strings then hold one character per byte, and ISO-8859-1 turns them back into exactly
 * the bytes Postfix sent (UTF-8 headers included).
 */
final class HeaderBytes {
  private HeaderBytes() {}

  /** {@code header} with its payload made safe for jmilter's decoding; itself when all ASCII. */
  static MilterPacket preserved(MilterPacket header) {
    byte[] p = header.payload();
    int i = 0;
    while (i < p.length && p[i] >= 0) {
      i++;
    }
    if (i == p.length) {
      return header;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(p.length + 16);
    out.write(p, 0, i);
    for (; i < p.length; i++) {
      int b = p[i] & 0xFF;
      if (b < 0x80) {
        out.write(b);
      } else {
        out.write(0xC0 | b >> 6);
        out.write(0x80 | b & 0x3F);
      }
    }
    return MilterPacket.builder().command(header.command()).payload(out.toByteArray()).build();
  }
}
