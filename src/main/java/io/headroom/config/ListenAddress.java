package io.headroom.config;

import java.net.InetSocketAddress;
import java.nio.file.Files;
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
      Path socket = Values.absolutePath(path);
      // The daemon binds in a private directory beside the socket and renames it into place.
      Path directory = socket.getParent();
      if (directory == null) {
        throw new IllegalArgumentException(
            '"' + text + "\" needs a socket file name after the directory");
      }
      if (!Files.isDirectory(directory)) {
        throw new IllegalArgumentException(
            '"' + text + "\": directory " + directory + " does not exist");
      }
      return new Unix(socket);
    }
    if (text.startsWith("inet:")) {
      return new Inet(HostPort.parseListen(text.substring("inet:".length())));
    }
    throw new IllegalArgumentException('"' + text + "\" is not inet:HOST:PORT or unix:/path");
  }
}
