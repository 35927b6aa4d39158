package io.headroom.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * One content scanner backend: {@code clamd:tcp:HOST:PORT}, {@code clamd:unix:/path}, {@code
 * spamd:tcp:HOST:PORT}.
 */
public record ScannerEndpoint(Kind kind, InetSocketAddress tcp, Path unix) {

  public enum Kind {
    CLAMD("Virus scanner clamd"),
    SPAMD("Spam scanner spamd");

    private final String noun;

    Kind(String noun) {
      this.noun = noun;
    }

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** How a reply names this scanner: the scan check's noun, made precise. */
    public String noun() {
      return noun;
    }
  }

  public static ScannerEndpoint parse(String text) {
    String[] parts = text.split(":", 3);
    if (parts.length < 3) {
      throw new IllegalArgumentException(
          '"' + text + "\" is not clamd:tcp:HOST:PORT, clamd:unix:/path or spamd:tcp:HOST:PORT");
    }
    Kind kind =
        switch (parts[0]) {
          case "clamd" -> Kind.CLAMD;
          case "spamd" -> Kind.SPAMD;
          default ->
              throw new IllegalArgumentException(
                  '"' + text + "\" names an unknown scanner \"" + parts[0] + "\" (clamd or spamd)");
        };
    return switch (parts[1]) {
      case "tcp" -> new ScannerEndpoint(kind, HostPort.parse(parts[2], -1), null);
      case "unix" -> {
        if (!parts[2].startsWith("/")) {
          throw new IllegalArgumentException('"' + text + "\" needs an absolute socket path");
        }
        yield new ScannerEndpoint(kind, null, Path.of(parts[2]));
      }
      default ->
          throw new IllegalArgumentException(
              '"' + text + "\" has transport \"" + parts[1] + "\"; use tcp or unix");
    };
  }

  public boolean isUnix() {
    return unix != null;
  }

  @Override
  public String toString() {
    return kind.label() + (isUnix() ? ":unix:" + unix : ":tcp:" + HostPort.format(tcp));
  }
}
