package io.headroom.config;

import java.net.InetSocketAddress;
import org.xbill.DNS.Address;

/**
 * {@code HOST:PORT}, {@code [v6]:PORT} or (with a default port) a bare host. Never resolves a name.
 */
public final class HostPort {
  private HostPort() {}

  public static InetSocketAddress parse(String text, int defaultPort) {
    String host;
    String port;
    if (text.startsWith("[")) {
      int end = text.indexOf(']');
      if (end < 0) {
        throw new IllegalArgumentException('"' + text + "\" has no closing ]");
      }
      host = text.substring(1, end);
      String rest = text.substring(end + 1);
      port = rest.startsWith(":") ? rest.substring(1) : rest.isEmpty() ? null : "bad";
    } else {
      int colon = text.lastIndexOf(':');
      boolean bareV6 = colon >= 0 && text.indexOf(':') != colon;
      host = colon < 0 || bareV6 ? text : text.substring(0, colon);
      port = colon < 0 || bareV6 ? null : text.substring(colon + 1);
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException('"' + text + "\" has no host");
    }
    int p = port == null ? defaultPort : parsePort(text, port);
    if (p < 0) {
      throw new IllegalArgumentException('"' + text + "\" has no port");
    }
    return InetSocketAddress.createUnresolved(host, p);
  }

  private static int parsePort(String text, String port) {
    try {
      int p = Integer.parseInt(port);
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException('"' + text + "\" has no valid port (1-65535)");
  }

  /**
   * {@code [v6]:PORT}, {@code v4:PORT} or a bare address: an IP literal, so nothing is resolved.
   */
  public static InetSocketAddress parseAddress(String text, int defaultPort) {
    InetSocketAddress address = parse(text, defaultPort);
    if (!isAddress(address.getHostString())) {
      throw new IllegalArgumentException('"' + text + "\" is not an IP address");
    }
    return address;
  }

  /**
   * An address to listen on: an IP literal or {@code localhost}. A name would be resolved only when
   * the daemon binds, so a typo would pass {@code --check-config} and stop the daemon at start.
   */
  public static InetSocketAddress parseListen(String text) {
    InetSocketAddress address = parse(text, -1);
    String host = address.getHostString();
    if (!host.equals("localhost") && !isAddress(host)) {
      throw new IllegalArgumentException(
          '"'
              + text
              + "\" needs an IP address or localhost as host (a name is resolved only at start)");
    }
    return address;
  }

  static boolean isAddress(String host) {
    return Address.toByteArray(host, Address.IPv4) != null
        || Address.toByteArray(host, Address.IPv6) != null;
  }

  public static String format(InetSocketAddress address) {
    String host = address.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}
