package io.headroom.bench;

import io.headroom.bench.Bootstrap.Interval;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One figure over several runs: the median to quote, and the bootstrap interval of that median (for
 * a ratio: of the ratio of the two medians).
 */
record Summary(double median, Interval interval, int runs) {

  static Summary of(List<Double> runs) {
    return new Summary(Bootstrap.median(runs), Bootstrap.medianInterval(runs), runs.size());
  }

  /** median(a) / median(b), with run i of each taken in the same round. */
  static Summary ratio(List<Double> a, List<Double> b) {
    return new Summary(
        Bootstrap.median(a) / Bootstrap.median(b), Bootstrap.ratioInterval(a, b), a.size());
  }

  /** The value at quantile {@code q} (0..1) of one run's samples, nearest rank. */
  static double quantile(List<Double> samples, double q) {
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(q * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
