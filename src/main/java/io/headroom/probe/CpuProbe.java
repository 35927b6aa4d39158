package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.Units;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;

/**
 * The 1-minute load average per logical core against {@code cpu_max_load_per_core}. Both numbers
 * are the host's, also inside a container, so their ratio stays meaningful.
 */
public final class CpuProbe implements Probe {
  private final double maxLoadPerCore;
  private final DoubleSupplier loadAverage;
  private final IntSupplier logicalCores;

  /**
   * @param loadAverage the 1-minute load average, negative where the platform has none
   */
  public CpuProbe(double maxLoadPerCore, DoubleSupplier loadAverage, IntSupplier logicalCores) {
    this.maxLoadPerCore = maxLoadPerCore;
    this.loadAverage = loadAverage;
    this.logicalCores = logicalCores;
  }

  @Override
  public Check check() {
    return Check.CPU;
  }

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public Measure measure() {
    return Measure.CPU_LOAD_PER_CORE;
  }

  @Override
  public ProbeResult run() {
    double load = loadAverage.getAsDouble();
    int cores = logicalCores.getAsInt();
    String limit = "limit " + Headroom.number(maxLoadPerCore);
    String detail = "load average " + Units.fixed(load, 2) + " on " + cores + " logical cores";
    if (load < 0 || cores <= 0) {
      return ProbeResult.pass(this, Double.NaN, "n/a", limit, detail + " (not available)");
    }
    double perCore = load / cores;
    String measured = "load " + Units.fixed(perCore, 2) + " per core";
    if (perCore <= maxLoadPerCore) {
      return ProbeResult.pass(this, perCore, measured, limit, detail);
    }
    return ProbeResult.fail(this, perCore, measured, limit, "overloaded", detail, measured, limit);
  }
}
