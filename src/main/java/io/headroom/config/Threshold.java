package io.headroom.config;

/**
 * A minimum headroom, either a fraction of the total ({@code 5%}) or an absolute amount ({@code
 * 2G}).
 */
public record Threshold(double ratio, long amount) {

  public static Threshold ofRatio(double ratio) {
    return new Threshold(ratio, -1);
  }

  public static Threshold ofAmount(long amount) {
    return new Threshold(-1, amount);
  }

  public boolean isRatio() {
    return amount < 0;
  }

  /** True when {@code free} out of {@code total} is at or above this threshold. */
  public boolean isMetBy(long free, long total) {
    if (isRatio()) {
      return total <= 0 || (double) free / total >= ratio;
    }
    return free >= amount;
  }

  @Override
  public String toString() {
    return isRatio() ? Units.formatRatio(ratio) : Units.formatSize(amount);
  }
}
