package io.headroom.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.DoubleBinaryOperator;

/** One figure over several runs: the median to quote, with min and max to show the spread. */
record Summary(double median, double min, double max, int runs) {

  static Summary of(List<Double> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no runs to summarise");
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    double median =
        n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return new Summary(median, sorted.get(0), sorted.get(n - 1), n);
  }

  /**
   * Run by run {@code op(a[i], b[i])}: runs were taken side by side, so a ratio of pairs holds
   * when the machine's speed drifts during the benchmark.
   */
  static Summary pairwise(List<Double> a, List<Double> b, DoubleBinaryOperator op) {
    if (a.size() != b.size()) {
      throw new IllegalArgumentException(a.size() + " runs against " + b.size());
    }
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      out.add(op.applyAsDouble(a.get(i), b.get(i)));
    }
    return of(out);
  }

  /** The value at quantile {@code q} (0..1) of one run's samples, nearest rank. */
  static double quantile(List<Double> samples, double q) {
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(q * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
