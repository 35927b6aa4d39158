package io.headroom.scan;

import java.util.Locale;

/** What one scanner made of one message; the lower-case word is the {@code result} metric label. */
public enum ScanResult {
  CLEAN,
  INFECTED,
  SPAM,
  TIMEOUT,
  UNREACHABLE,
  ERROR,
  /**
   * clamd refused the stream with {@code INSTREAM size limit exceeded}: its StreamMaxLength is
   * below scan_max_size. Kept apart from {@link #ERROR} because the fix is a configuration change.
   */
  SIZE_LIMIT,
  /** Not scanned: the message is larger than scan_max_size. */
  SKIPPED;

  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Whether the scanner failed to give a verdict, so the message must not be accepted unscanned.
   */
  public boolean isFailure() {
    return this == TIMEOUT || this == UNREACHABLE || this == ERROR || this == SIZE_LIMIT;
  }
}
