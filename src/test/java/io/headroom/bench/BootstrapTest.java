package io.headroom.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.headroom.bench.Bootstrap.Interval;
import java.util.List;
import org.junit.jupiter.api.Test;

class BootstrapTest {

  @Test
  void runsThatAllAgreeHaveNoSpread() {
    assertEquals(
        new Interval(250.0, 250.0), Bootstrap.medianInterval(List.of(250.0, 250.0, 250.0, 250.0)));
  }

  @Test
  void theMedianIntervalOfTenRunsIsPinnedBySeed() {
    List<Double> runs = List.of(7.0, 1.0, 9.0, 3.0, 5.0, 10.0, 2.0, 8.0, 4.0, 6.0);
    assertEquals(new Interval(3.0, 8.0), Bootstrap.medianInterval(runs));
    assertEquals(5.5, Bootstrap.median(runs));
  }

  @Test
  void aRatioResamplesWholeRoundsSoDriftBetweenRoundsCancels() {
    // The machine got five times slower over the run; in every round a was 10% ahead of b.
    List<Double> b = List.of(100.0, 200.0, 300.0, 400.0, 500.0, 450.0, 350.0, 250.0, 150.0, 120.0);
    List<Double> a = b.stream().map(x -> x * 1.1).toList();
    Interval ratio = Bootstrap.ratioInterval(a, b);
    assertEquals(1.1, ratio.low(), 1e-12);
    assertEquals(1.1, ratio.high(), 1e-12);
  }

  @Test
  void aRatioOfNoisyRunsIsPinnedBySeed() {
    List<Double> a = List.of(103.0, 97.0, 110.0, 99.0, 105.0, 101.0, 98.0, 104.0, 96.0, 102.0);
    List<Double> b = List.of(100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0);
    assertEquals(new Interval(0.98, 1.04), Bootstrap.ratioInterval(a, b));
  }

  @Test
  void aRatioNeedsTheSameRunsOnBothSides() {
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () -> Bootstrap.ratioInterval(List.of(1.0, 2.0), List.of(1.0)));
    assertEquals("2 runs against 1", e.getMessage());
  }
}
