package io.headroom.config;

import java.net.InetSocketAddress;

/** {@code HOST:PORT}, {@code [v6]:PORT} or (with a default port) a bare host. Never resolves a name. */
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
      if (p >= 0 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException('"' + text + "\" has no valid port (0-65535)");
  }

  public static String format(InetSocketAddress address) {
    String host = address.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}
