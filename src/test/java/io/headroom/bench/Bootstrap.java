package io.headroom.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Percentile bootstrap of medians over runs: how far a median (or a ratio of two medians) could
 * move if the runs were taken again. Seeded, so the same runs always give the same interval and a
 * report can be recomputed from its raw runs.
 */
final class Bootstrap {
  static final int RESAMPLES = 2_000;

  /** Two-sided 95%: the 2.5th and 97.5th percentiles of the resampled statistic. */
  static final double LEVEL = 0.95;

  private static final long SEED = 0x5EED_16L;

  private Bootstrap() {}

  /** The interval of the median of {@code runs}. */
  static Interval medianInterval(List<Double> runs) {
    double[] x = array(runs);
    Random random = new Random(SEED);
    double[] stats = new double[RESAMPLES];
    double[] sample = new double[x.length];
    for (int r = 0; r < RESAMPLES; r++) {
      for (int i = 0; i < x.length; i++) {
        sample[i] = x[random.nextInt(x.length)];
      }
      stats[r] = median(sample);
    }
    return percentiles(stats);
  }

  /**
   * The interval of median(a) / median(b). Run i of {@code a} and of {@code b} were taken in the
   * same round (configurations interleaved), so a resample draws whole rounds: what drifted between
   * rounds (a neighbour's load) moves both sides together and cancels in the ratio.
   */
  static Interval ratioInterval(List<Double> a, List<Double> b) {
    if (a.size() != b.size()) {
      throw new IllegalArgumentException(a.size() + " runs against " + b.size());
    }
    double[] x = array(a);
    double[] y = array(b);
    Random random = new Random(SEED);
    double[] stats = new double[RESAMPLES];
    double[] sx = new double[x.length];
    double[] sy = new double[y.length];
    for (int r = 0; r < RESAMPLES; r++) {
      for (int i = 0; i < x.length; i++) {
        int round = random.nextInt(x.length);
        sx[i] = x[round];
        sy[i] = y[round];
      }
      stats[r] = median(sx) / median(sy);
    }
    return percentiles(stats);
  }

  static double median(List<Double> values) {
    return median(array(values));
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static Interval percentiles(double[] stats) {
    Arrays.sort(stats);
    double tail = (1 - LEVEL) / 2;
    int low = (int) Math.floor(tail * (stats.length - 1));
    int high = (int) Math.ceil((1 - tail) * (stats.length - 1));
    return new Interval(stats[low], stats[high]);
  }

  private static double[] array(List<Double> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no runs");
    }
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** A closed interval {@code [low, high]}. */
  record Interval(double low, double high) {}
}
