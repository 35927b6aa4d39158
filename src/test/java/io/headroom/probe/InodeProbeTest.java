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

class InodeProbeTest {
  private static final Path SPOOL = Path.of("/var/spool/postfix");

  private static ProbeResult run(Threshold min, long free, long total) {
    FileStoreUsage usage = new FileStoreUsage("/", 1 << 30, 2 << 30, free, total);
    return FileSystemProbe.inodes(SPOOL, min, () -> usage).run();
  }

  @Test
  void belowRatioFails() {
    ProbeResult r = run(Units.parseThreshold("5%"), 1_200, 100_000);

    assertFalse(r.healthy());
    assertEquals(Check.DISK, r.check());
    assertEquals("disk_inodes:/var/spool/postfix", r.probe());
    assertEquals("Mail spool disk out of inodes (1.2% free, need 5%)", r.reason());
    assertEquals(0.012, r.value(), 1e-12);
    assertEquals("/var/spool/postfix on /: 1200 of 100000 inodes free", r.detail());
  }

  @Test
  void absoluteLimitIsACountNotASize() {
    ProbeResult r = run(Threshold.ofAmount(5000), 4999, 1_000_000);

    assertFalse(r.healthy());
    assertEquals("Mail spool disk out of inodes (4999 free, need 5000)", r.reason());
  }

  @Test
  void enoughInodesPass() {
    ProbeResult r = run(Units.parseThreshold("5%"), 60_000, 100_000);

    assertTrue(r.healthy());
    assertEquals("60.0% free", r.measured());
    assertEquals("need 5%", r.limit());
    assertEquals(0.6, r.value(), 1e-12);
  }

  @Test
  void fileSystemWithoutInodeTableIsHealthy() {
    // btrfs reports 0 inodes in total
    ProbeResult r = run(Threshold.ofAmount(5000), 0, 0);

    assertTrue(r.healthy());
    assertEquals("n/a", r.measured());
    assertTrue(Double.isNaN(r.value()));
  }

  @Test
  void unreadableFileSystemFails() {
    FileStoreSource broken =
        () -> {
          throw new IOException("statvfs(/var/spool/postfix) failed, errno 13");
        };

    ProbeResult r = FileSystemProbe.inodes(SPOOL, Units.parseThreshold("5%"), broken).run();

    assertFalse(r.healthy());
    assertEquals("Mail spool disk unavailable", r.reason());
  }
}
