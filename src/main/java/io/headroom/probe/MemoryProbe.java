package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.Threshold;
import io.headroom.config.Units;
import java.util.function.LongSupplier;

/**
 * Available memory against {@code memory_min_available}. "Available" is the kernel's MemAvailable:
 * free memory plus the page cache it can drop, the amount a new process can get without swapping.
 */
public final class MemoryProbe implements Probe {
  private final Threshold minAvailable;
  private final LongSupplier available;
  private final LongSupplier total;

  public MemoryProbe(Threshold minAvailable, LongSupplier available, LongSupplier total) {
    this.minAvailable = minAvailable;
    this.available = available;
    this.total = total;
  }

  @Override
  public Check check() {
    return Check.MEMORY;
  }

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public Measure measure() {
    return Measure.MEMORY_AVAILABLE_RATIO;
  }

  @Override
  public ProbeResult run() {
    Headroom memory = new Headroom(available.getAsLong(), total.getAsLong());
    String limit = "need " + minAvailable;
    String detail = memory.free() + " of " + memory.total() + " bytes available";
    if (!memory.known()) {
      return ProbeResult.pass(this, Double.NaN, "n/a", limit, detail + " (total memory unknown)");
    }
    String measured = memory.describe(minAvailable, Units::formatSize) + " available";
    if (memory.meets(minAvailable)) {
      return ProbeResult.pass(this, memory.ratio(), measured, limit, detail);
    }
    return ProbeResult.fail(this, memory.ratio(), measured, limit, "low", detail, measured, limit);
  }
}
