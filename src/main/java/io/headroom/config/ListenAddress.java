package io.headroom.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/** A milter socket in Postfix syntax: {@code inet:HOST:PORT} or {@code unix:/path}. */
public sealed interface ListenAddress {

  record Inet(InetSocketAddress address) implements ListenAddress {
    @Override
    public String toString() {
      return "inet:" + HostPort.format(address);
    }
  }

  record Unix(Path path) implements ListenAddress {
    @Override
    public String toString() {
      return "unix:" + path;
    }
  }

  static ListenAddress parse(String text) {
    if (text.startsWith("unix:")) {
      String path = text.substring("unix:".length());
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException('"' + text + "\" needs an absolute path after unix:");
      }
      return new Unix(Path.of(path));
    }
    if (text.startsWith("inet:")) {
      return new Inet(HostPort.parse(text.substring("inet:".length()), -1));
    }
    throw new IllegalArgumentException('"' + text + "\" is not inet:HOST:PORT or unix:/path");
  }
}
