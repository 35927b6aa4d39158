package io.headroom.probe;

import io.headroom.config.Threshold;
import io.headroom.config.Units;
import java.math.BigDecimal;
import java.util.function.LongFunction;

/**
 * A free amount out of a total, compared with a minimum: the shape of disk space, inodes and
 * memory.
 */
record Headroom(long free, long total) {

  /** Some file systems (btrfs) and kernels report a total of 0: nothing to compare. */
  boolean known() {
    return total > 0;
  }

  double ratio() {
    return known() ? (double) free / total : Double.NaN;
  }

  boolean meets(Threshold min) {
    return min.isMetBy(free, total);
  }

  /**
   * The measured headroom in the threshold's own terms: {@code 2.1%} or, for a size limit, {@code
   * 1.5G}.
   */
  String describe(Threshold min, LongFunction<String> amount) {
    return min.isRatio() ? percent(ratio()) : amount.apply(free);
  }

  /**
   * Rounded down, so a value just below the limit never prints as the limit itself ({@code 4.9%
   * free, need 5%}, not {@code 5.0% free, need 5%}).
   */
  static String percent(double ratio) {
    return Units.fixed(Math.floor(ratio * 1000) / 10, 1) + "%";
  }

  /** A configured number as written: {@code 4.0}, {@code 2.5}, {@code 0.75}. */
  static String number(double value) {
    String plain = BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    return plain.contains(".") ? plain : plain + ".0";
  }
}
