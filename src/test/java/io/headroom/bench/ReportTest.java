package io.headroom.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.headroom.bench.Verdict.Better;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTest {
  private static final List<Double> FAST = List.of(130.0, 135.0, 140.0, 138.0);
  private static final List<Double> SLOW = List.of(100.0, 100.0, 100.0, 100.0);

  @Test
  void aTargetIsMetOnlyWhenTheWholeIntervalClearsIt() {
    Report report = new Report(Plan.FULL);
    report.target("a / b: throughput", "%.2f", Summary.ratio(FAST, SLOW), Better.HIGHER, 1.3);
    report.target("a / b: throughput", "%.2f", Summary.ratio(FAST, SLOW), Better.HIGHER, 1.2);
    report.compare("b / a: CPU per message", "%.2f", Summary.ratio(SLOW, FAST), Better.LOWER);
    report.figure("a: throughput (msg/s)", "%.0f", Summary.of(FAST));
    assertEquals(
        List.of(
            "| a / b: throughput | 1.37 | 1.30 – 1.40 | 4 | ≥ 1.30 | not resolved | **no** |",
            "| a / b: throughput | 1.37 | 1.30 – 1.40 | 4 | ≥ 1.20 | ahead | yes |",
            "| b / a: CPU per message | 0.73 | 0.71 – 0.77 | 4 |  | ahead |  |",
            "| a: throughput (msg/s) | 137 | 130 – 140 | 4 |  |  |  |"),
        report.markdown().lines().filter(l -> l.startsWith("| a") || l.startsWith("| b")).toList());
  }

  @Test
  void quickModeJudgesNoTarget() {
    Report report = new Report(Plan.QUICK);
    report.target("a / b: throughput", "%.2f", Summary.ratio(FAST, SLOW), Better.HIGHER, 1.2);
    assertEquals(
        List.of("| a / b: throughput | 1.37 | 1.30 – 1.40 | 4 | ≥ 1.20 | ahead | (quick) |"),
        report.markdown().lines().filter(l -> l.startsWith("| a")).toList());
  }
}
