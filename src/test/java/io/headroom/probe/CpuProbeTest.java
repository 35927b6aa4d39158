package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Check;
import org.junit.jupiter.api.Test;

class CpuProbeTest {

  @Test
  void overloadFails() {
    ProbeResult r = new CpuProbe(4.0, () -> 18.62, () -> 2).run();

    assertFalse(r.healthy());
    assertEquals(Check.CPU, r.check());
    assertEquals("cpu", r.probe());
    assertEquals("CPU overloaded (load 9.31 per core, limit 4.0)", r.reason());
    assertEquals(9.31, r.value(), 1e-12);
  }

  @Test
  void atTheLimitPasses() {
    ProbeResult r = new CpuProbe(2.5, () -> 10.0, () -> 4).run();

    assertTrue(r.healthy());
    assertEquals("load 2.50 per core", r.measured());
    assertEquals("limit 2.5", r.limit());
  }

  @Test
  void missingLoadAverageIsNotJudged() {
    ProbeResult r = new CpuProbe(4.0, () -> -1, () -> 2).run();

    assertTrue(r.healthy());
    assertEquals("n/a", r.measured());
    assertTrue(Double.isNaN(r.value()));
  }
}
