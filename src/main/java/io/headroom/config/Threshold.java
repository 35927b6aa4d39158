package io.headroom.config;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A minimum headroom, either a fraction of the total ({@code 5%}) or an absolute amount ({@code
 * 2G}).
 *
 * @param ratio the fraction exactly as written, -1 for an amount: as a double, {@code 1.1%} was a
 *     hair above 0.011, and exactly 1.1% free fell short of it
 */
public record Threshold(BigDecimal ratio, long amount) {
  private static final BigDecimal NOT_A_RATIO = BigDecimal.ONE.negate();

  public static Threshold ofRatio(BigDecimal ratio) {
    return new Threshold(ratio, -1);
  }

  public static Threshold ofAmount(long amount) {
    return new Threshold(NOT_A_RATIO, amount);
  }

  public boolean isRatio() {
    return amount < 0;
  }

  /**
   * The least free amount out of {@code total} that meets this threshold; a ratio of an unknown
   * total (0) asks for nothing.
   */
  public long minimumOf(long total) {
    if (!isRatio()) {
      return amount;
    }
    return ratio
        .multiply(BigDecimal.valueOf(Math.max(0, total)))
        .setScale(0, RoundingMode.CEILING)
        .longValueExact();
  }

  /** True when {@code free} out of {@code total} is at or above this threshold. */
  public boolean isMetBy(long free, long total) {
    return free >= minimumOf(total);
  }

  @Override
  public String toString() {
    return isRatio() ? Units.formatRatio(ratio) : Units.formatSize(amount);
  }
}
