package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Check;
import io.headroom.config.Threshold;
import io.headroom.config.Units;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DiskSpaceProbeTest {
  private static final Path SPOOL = Path.of("/var/spool/postfix");
  private static final long GIB = 1L << 30;

  private static ProbeResult run(Threshold min, long usable, long total) {
    FileStoreUsage usage = new FileStoreUsage("/var", usable, total, 1000, 1000);
    return FileSystemProbe.space(SPOOL, min, () -> usage).run();
  }

  @Test
  void belowRatioFailsWithMeasuredAndLimit() {
    ProbeResult r = run(Units.parseThreshold("5%"), 21, 1000);

    assertFalse(r.healthy());
    assertEquals(Check.DISK, r.check());
    assertEquals("disk_space:/var/spool/postfix", r.probe());
    assertEquals("Mail spool disk nearly full (2.1% free, need 5%)", r.reason());
    assertEquals(0.021, r.value(), 1e-12);
    assertEquals("2.1% free", r.measured());
    assertEquals("need 5%", r.limit());
    assertEquals("/var/spool/postfix on /var: 21 of 1000 bytes usable", r.detail());
  }

  @Test
  void justBelowTheLimitIsNotPrintedAsTheLimit() {
    ProbeResult r = run(Units.parseThreshold("5%"), 4999, 100_000);

    assertFalse(r.healthy());
    assertEquals("Mail spool disk nearly full (4.9% free, need 5%)", r.reason());
  }

  @Test
  void atTheRatioPasses() {
    ProbeResult r = run(Units.parseThreshold("5%"), 50, 1000);

    assertTrue(r.healthy());
    assertEquals("", r.reason());
    assertEquals("5.0% free", r.measured());
    assertEquals(0.05, r.value(), 1e-12);
  }

  /** 1.1% is no double: as one, the limit was a hair above 11,000 of 1,000,000. */
  @Test
  void exactlyAtADecimalPercentagePasses() {
    ProbeResult r = run(Units.parseThreshold("1.1%"), 11_000, 1_000_000);

    assertTrue(r.healthy(), r.reason());
    assertFalse(run(Units.parseThreshold("1.1%"), 10_999, 1_000_000).healthy());
  }

  @Test
  void belowAbsoluteSizeFails() {
    ProbeResult r = run(Threshold.ofAmount(2 * GIB), 3 * GIB / 2, 100 * GIB);

    assertFalse(r.healthy());
    assertEquals("Mail spool disk nearly full (1.5 GiB free, need 2 GiB)", r.reason());
    assertEquals(0.015, r.value(), 1e-12);
  }

  @Test
  void aboveAbsoluteSizePassesWhateverTheRatio() {
    ProbeResult r = run(Threshold.ofAmount(2 * GIB), 3 * GIB, 1000 * GIB);

    assertTrue(r.healthy());
    assertEquals("3 GiB free", r.measured());
  }

  @Test
  void fileSystemWithoutSizeIsNotJudged() {
    ProbeResult r = run(Units.parseThreshold("5%"), 0, 0);

    assertTrue(r.healthy());
    assertEquals("n/a", r.measured());
    assertTrue(Double.isNaN(r.value()));
  }

  @Test
  void unreadableFileSystemFails() {
    FileStoreSource broken =
        () -> {
          throw new IOException("statvfs(/var/spool/postfix) failed, errno 2");
        };

    ProbeResult r = FileSystemProbe.space(SPOOL, Units.parseThreshold("5%"), broken).run();

    assertFalse(r.healthy());
    assertEquals("Mail spool disk unavailable", r.reason());
    assertEquals("/var/spool/postfix: statvfs(/var/spool/postfix) failed, errno 2", r.detail());
  }
}
