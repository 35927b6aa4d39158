package io.headroom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UnitsTest {
  @Test
  void durations() {
    assertEquals(Duration.ofMillis(250), Units.parseDuration("250ms"));
    assertEquals(Duration.ofMinutes(5), Units.parseDuration("5m"));
    assertEquals("30s", Units.formatDuration(Duration.ofSeconds(30)));
    assertEquals("250ms", Units.formatDuration(Duration.ofMillis(250)));
    assertEquals("1.5s", Units.formatDuration(Duration.ofMillis(1500)));
    assertEquals("5m", Units.formatDuration(Duration.ofMinutes(5)));
    assertEquals("90s", Units.formatDuration(Duration.ofSeconds(90)));
    assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("5"));
  }

  @Test
  void sizesAreBinary() {
    assertEquals(512L * 1024, Units.parseSize("512k"));
    assertEquals(64L << 20, Units.parseSize("64M"));
    assertEquals("2 GiB", Units.formatSize(2L << 30));
    assertEquals("500 bytes", Units.formatSize(500));
    assertEquals("1.5 MiB", Units.formatSize(3L << 19));
    assertThrows(IllegalArgumentException.class, () -> Units.parseSize("99999999999999T"));
  }

  @Test
  void thresholds() {
    Threshold ratio = Units.parseThreshold("5%");
    assertTrue(ratio.isMetBy(5, 100));
    assertFalse(ratio.isMetBy(4, 100));
    Threshold size = Units.parseThreshold("1G");
    assertTrue(size.isMetBy(1L << 30, 1L << 40));
    assertFalse(size.isMetBy((1L << 30) - 1, 1L << 40));
    assertEquals("2.1%", Units.formatRatio(new BigDecimal("0.021")));
  }

  /**
   * Replies once wrote sizes two ways ("need 2G" from the disk check, "25.0 MiB" from scanning) and
   * durations two ways ("1500ms" and "1.5s"): a sender reading both could not tell they meant the
   * same units. Every reply now writes them through this one formatter.
   */
  @Test
  void oneVocabularyForEveryReply() {
    assertEquals("need " + Units.formatSize(2L << 30), "need " + Threshold.ofAmount(2L << 30));
    assertEquals("25 MiB", Units.formatSize(25L << 20));
    assertEquals("11.7 KiB", Units.formatSize(12_000));
    assertEquals(
        "1.9 GiB", Units.formatSize((2L << 30) - 1), "rounded down, never up to the limit");
  }

  @Test
  void fixedWritesWhatPercentFWrites() {
    assertEquals("0.123", Units.fixed(0.1234, 3));
    assertEquals("0.001", Units.fixed(0.0005, 3));
    assertEquals("2.00", Units.fixed(2, 2));
    assertEquals("1000.0", Units.fixed(999.95, 1));
    assertEquals("NaN", Units.fixed(Double.NaN, 3));
    SplittableRandom random = new SplittableRandom(16);
    for (int i = 0; i < 100_000; i++) {
      // Seconds, loads and percentages as probes measure them, and halves that must round up.
      double value =
          switch (i % 3) {
            case 0 -> random.nextDouble() * 10;
            case 1 -> random.nextInt(100_000) / 1000.0 + 0.0005;
            default -> random.nextDouble() * 1000;
          };
      int places = 1 + i % 3;
      assertEquals(
          String.format(Locale.ROOT, "%." + places + "f", value),
          Units.fixed(value, places),
          "value " + value);
    }
  }
}
