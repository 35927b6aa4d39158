package io.headroom.scan;

import java.time.Duration;
import java.util.Locale;

/** Formatting shared by the reply reasons and the headers. */
final class Texts {

  private static final int MAX_SIGNATURE = 80;

  private Texts() {}

  /** {@code 30s}, {@code 1.5s}, {@code 500ms}: the way the configuration file writes durations. */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
  }

  static String score(double score) {
    // + 0.0 turns spamd's "-0.0" into 0.0.
    return String.format(Locale.ROOT, "%.1f", score + 0.0);
  }

  /** A size for people: {@code 30.0 MiB}, {@code 512 KiB}, {@code 900 bytes}. */
  static String size(long bytes) {
    if (bytes >= 1 << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }
    if (bytes >= 1 << 10) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " bytes";
  }

  /**
   * A malware name as it may appear in an SMTP reply: printable ASCII only, no CR or LF, bounded,
   * because it comes from the scanner (and, for custom databases, from whoever wrote them).
   */
  static String signature(String name) {
    StringBuilder out = new StringBuilder(Math.min(name.length(), MAX_SIGNATURE));
    for (int i = 0; i < name.length() && out.length() < MAX_SIGNATURE; i++) {
      char c = name.charAt(i);
      out.append(c > ' ' && c < 0x7f ? c : '_');
    }
    return out.toString();
  }

  /** "Virus scanner clamd" or "Spam scanner spamd": how a reply names the dependency. */
  static String scannerName(io.headroom.config.ScannerEndpoint.Kind kind) {
    return switch (kind) {
      case CLAMD -> "Virus scanner clamd";
      case SPAMD -> "Spam scanner spamd";
    };
  }
}
