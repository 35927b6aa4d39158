package io.headroom.transport;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.nightcode.milter.util.MilterPackets;

/**
 * The client address from an SMFIC_CONNECT payload: {@code hostname\0}, a family byte ({@code 4},
 * {@code 6}, {@code L} unix, {@code U} unknown), a 2-byte port, then {@code address\0}. Postfix
 * writes IPv6 addresses without the {@code IPv6:} prefix Sendmail uses; both are accepted.
 */
final class ClientAddress {
  private static final Pattern LITERAL = Pattern.compile("[0-9a-fA-F:.%]+");

  private ClientAddress() {}

  /**
   * The address, or null for unix-socket, unknown or malformed clients (which never match a
   * network).
   */
  static InetAddress parse(byte[] payload) {
    int nul = MilterPackets.indexOfZeroTerm(payload, 0);
    if (nul < 0 || nul + 4 > payload.length) {
      return null;
    }
    byte family = payload[nul + 1];
    if (family != '4' && family != '6') {
      return null;
    }
    int start = nul + 4;
    int end = MilterPackets.indexOfZeroTerm(payload, start);
    if (end < 0) {
      return null;
    }
    String text = new String(payload, start, end - start, StandardCharsets.US_ASCII);
    if (text.regionMatches(true, 0, "IPv6:", 0, 5)) {
      text = text.substring(5);
    }
    // Only literals: InetAddress.getByName would otherwise do a DNS lookup on the event loop.
    if (!LITERAL.matcher(text).matches()) {
      return null;
    }
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
