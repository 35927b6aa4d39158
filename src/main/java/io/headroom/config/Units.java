package io.headroom.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints the value syntax of headroom.conf: durations, sizes and ratios. */
public final class Units {
  /**
   * At most 15 digits: 999999999999999h still fits a {@link Duration}, and a long never overflows.
   */
  private static final Pattern DURATION = Pattern.compile("(\\d{1,15})(ms|s|m|h)");

  private static final Pattern LONG_DURATION = Pattern.compile("\\d{16,}(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)([kKmMgGtT]?)");
  private static final Pattern RATIO = Pattern.compile("(\\d+(?:\\.\\d+)?)%");
  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

  private Units() {}

  /**
   * {@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h}; a unit is required so a bare number is never
   * ambiguous.
   */
  public static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text);
    if (isOverlongDuration(text)) {
      throw new IllegalArgumentException('"' + text + "\" is too large");
    }
    if (!m.matches()) {
      throw new IllegalArgumentException('"' + text + "\" is not a duration (like 250ms, 2s, 5m)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  /** A duration written with more digits than {@link #parseDuration} takes: above any bound. */
  static boolean isOverlongDuration(String text) {
    return LONG_DURATION.matcher(text).matches();
  }

  /**
   * {@code 512k}, {@code 64M}, {@code 2G}: binary multiples, as Postfix admins read {@code df -h}.
   */
  public static long parseSize(String text) {
    Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException('"' + text + "\" is not a size (like 512k, 64M, 2G)");
    }
    if (m.group(1).length() > 18) {
      throw new IllegalArgumentException('"' + text + "\" is too large");
    }
    long n = Long.parseLong(m.group(1));
    int shift =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    if (Long.numberOfLeadingZeros(n) <= shift) {
      throw new IllegalArgumentException('"' + text + "\" is too large");
    }
    return n << shift;
  }

  /** {@code 5%} as 0.05, exactly. */
  public static BigDecimal parseRatio(String text) {
    Matcher m = RATIO.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException('"' + text + "\" is not a ratio (like 5%)");
    }
    BigDecimal percent = new BigDecimal(m.group(1));
    if (percent.compareTo(HUNDRED) > 0) {
      throw new IllegalArgumentException('"' + text + "\" is more than 100%");
    }
    return percent.movePointLeft(2);
  }

  /** A ratio ({@code 5%}) or a size ({@code 2G}). */
  public static Threshold parseThreshold(String text) {
    if (RATIO.matcher(text).matches()) {
      return Threshold.ofRatio(parseRatio(text));
    }
    if (SIZE.matcher(text).matches()) {
      return Threshold.ofAmount(parseSize(text));
    }
    throw new IllegalArgumentException('"' + text + "\" is not a ratio or size (like 5% or 2G)");
  }

  public static String formatRatio(BigDecimal ratio) {
    BigDecimal percent = ratio.movePointRight(2);
    int places = percent.stripTrailingZeros().scale() <= 0 ? 0 : 1;
    return percent.setScale(places, RoundingMode.HALF_UP).toPlainString() + "%";
  }

  /** A measured time to the millisecond, as probes report it: {@code 0.012s}. */
  public static String formatSeconds(double seconds) {
    return fixed(seconds, 3) + "s";
  }

  /**
   * {@code value} with {@code places} decimals, as {@code %.Nf} writes it in the root locale (half
   * up), without a Formatter: probes write their measurements every round, and a Formatter (a
   * regular expression and locale data per call, and the JIT compiling both) was a large part of an
   * idle round's CPU.
   */
  public static String fixed(double value, int places) {
    if (!Double.isFinite(value)) {
      return Double.toString(value);
    }
    return BigDecimal.valueOf(value).setScale(places, RoundingMode.HALF_UP).toPlainString();
  }

  /**
   * A size for people, in binary multiples as {@code df -h} counts them: {@code 900 bytes}, {@code
   * 11 KiB}, {@code 1.5 GiB}. Rounded down, so a measured value just below a limit never prints as
   * the limit itself. The one way sizes are written in replies, logs and {@code status}.
   */
  public static String formatSize(long bytes) {
    if (bytes < 1024) {
      return bytes + " bytes";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int i = 0;
    double value = bytes / 1024.0;
    while (value >= 1024 && i < units.length - 1) {
      value /= 1024;
      i++;
    }
    return tenths(Math.floor(value * 10) / 10) + " " + units[i];
  }

  /**
   * A duration as the config file writes it: {@code 250ms}, {@code 2s}, {@code 1.5s}, {@code 5m}.
   * The one way durations are written in replies, logs and {@code status}.
   */
  public static String formatDuration(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return tenths(Math.floor(ms / 100.0) / 10) + "s";
  }

  /** {@code 2} or {@code 1.5}: one decimal, none when it would be {@code .0}. */
  private static String tenths(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : fixed(value, 1);
  }
}
