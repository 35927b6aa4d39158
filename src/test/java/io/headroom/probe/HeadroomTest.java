package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.headroom.config.Units;
import org.junit.jupiter.api.Test;

class HeadroomTest {

  @Test
  void percentIsRoundedDown() {
    assertEquals("2.1%", Headroom.percent(0.0219));
    assertEquals("4.9%", Headroom.percent(0.04999));
    assertEquals("100.0%", Headroom.percent(1.0));
    assertEquals("0.0%", Headroom.percent(0.0));
  }

  @Test
  void sizeIsRoundedDownInBinaryUnits() {
    assertEquals("512 bytes", Units.formatSize(512));
    assertEquals("1.9 GiB", Units.formatSize((2L << 30) - 1));
    assertEquals("1.5 GiB", Units.formatSize(3L << 29));
    assertEquals("412 MiB", Units.formatSize(412L << 20));
  }

  @Test
  void numberKeepsOneDecimalAtLeast() {
    assertEquals("4.0", Headroom.number(4));
    assertEquals("2.5", Headroom.number(2.5));
    assertEquals("0.75", Headroom.number(0.75));
  }
}
