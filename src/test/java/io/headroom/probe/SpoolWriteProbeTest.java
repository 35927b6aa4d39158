package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Check;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolWriteProbeTest {
  @TempDir Path dir;

  @Test
  void writableDirectoryPassesAndIsLeftClean() throws Exception {
    SpoolWriteProbe probe = new SpoolWriteProbe(dir);

    ProbeResult first = probe.run();
    ProbeResult second = probe.run();

    assertTrue(first.healthy(), first.detail());
    assertTrue(second.healthy(), second.detail());
    assertEquals(Check.SPOOL, first.check());
    assertEquals("spool", first.probe());
    assertEquals(dir.toString(), first.subject());
    assertTrue(first.value() >= 0 && first.value() < 10, "seconds: " + first.value());
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(0, left.count());
    }
  }

  // Tests run as root, which writes through permission bits: use failures root cannot write
  // through.
  @Test
  void pathThatIsAFileFails() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");

    ProbeResult r = new SpoolWriteProbe(file).run();

    assertFalse(r.healthy());
    assertEquals("Mail spool not writable", r.reason());
    assertTrue(
        r.detail().contains("FileSystemException") && r.detail().contains(file.toString()),
        r.detail());
    assertTrue(Double.isNaN(r.value()));
  }

  @Test
  void missingDirectoryFails() {
    Path missing = dir.resolve("gone");

    ProbeResult r = new SpoolWriteProbe(missing).run();

    assertFalse(r.healthy());
    assertEquals("Mail spool not writable", r.reason());
    assertTrue(r.detail().contains("NoSuchFileException"), r.detail());
  }
}
