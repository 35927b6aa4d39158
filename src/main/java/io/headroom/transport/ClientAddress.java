package io.headroom.transport;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import org.nightcode.milter.util.MilterPackets;

/**
 * The client address from an SMFIC_CONNECT payload: {@code hostname\0}, a family byte ({@code 4},
 * {@code 6}, {@code L} unix, {@code U} unknown), a 2-byte port, then {@code address\0}. Postfix
 * writes IPv6 addresses without the {@code IPv6:} prefix Sendmail uses; both are accepted.
 */
final class ClientAddress {
  private static final String SENDMAIL_IPV6 = "IPv6:";

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
    // Literals only, never InetAddress.getByName: a name would be resolved through DNS on the event
    // loop. The zone id, which no network matches on, is dropped.
    byte[] address = NetUtil.createByteArrayFromIpAddressString(withoutPrefix(text));
    if (address == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(address);
    } catch (UnknownHostException e) {
      throw new AssertionError("NetUtil gives 4 or 16 bytes", e);
    }
  }

  /** An IPv6 address literal, with or without Sendmail's prefix, optionally with a zone id. */
  static boolean isIpv6Literal(String text) {
    return NetUtil.isValidIpV6Address(withoutPrefix(text));
  }

  private static String withoutPrefix(String text) {
    return text.regionMatches(true, 0, SENDMAIL_IPV6, 0, SENDMAIL_IPV6.length())
        ? text.substring(SENDMAIL_IPV6.length())
        : text;
  }
}
