package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Check;
import io.headroom.config.Threshold;
import io.headroom.config.Units;
import org.junit.jupiter.api.Test;

class MemoryProbeTest {
  private static final long MIB = 1L << 20;

  @Test
  void belowRatioFails() {
    ProbeResult r =
        new MemoryProbe(Units.parseThreshold("5%"), () -> 32 * MIB, () -> 1000 * MIB).run();

    assertFalse(r.healthy());
    assertEquals(Check.MEMORY, r.check());
    assertEquals("memory", r.probe());
    assertEquals("Memory low (3.2% available, need 5%)", r.reason());
    assertEquals(0.032, r.value(), 1e-12);
  }

  @Test
  void belowAbsoluteFails() {
    ProbeResult r =
        new MemoryProbe(Threshold.ofAmount(512 * MIB), () -> 412 * MIB, () -> 8192 * MIB).run();

    assertFalse(r.healthy());
    assertEquals("Memory low (412 MiB available, need 512 MiB)", r.reason());
  }

  @Test
  void enoughPasses() {
    ProbeResult r =
        new MemoryProbe(Units.parseThreshold("5%"), () -> 600 * MIB, () -> 1000 * MIB).run();

    assertTrue(r.healthy());
    assertEquals("60.0% available", r.measured());
    assertEquals(0.6, r.value(), 1e-12);
  }
}
