package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DrainStateTest {
  @TempDir Path dir;

  private DrainState state() {
    return new DrainState(dir.resolve("drain"));
  }

  @Test
  void noFileIsNotDrainedAndTheProbePasses() throws Exception {
    ProbeResult r = new DrainProbe(state()).run();

    assertEquals(Optional.empty(), state().read());
    assertTrue(r.healthy());
    assertEquals("drain", r.probe());
    assertEquals("not drained", r.measured());
  }

  @Test
  void drainWritesTheReasonAtomicallyReadableByTheServiceUser() throws Exception {
    DrainState.Drain drain = state().drain("  Virus scanner upgrade until 22:00 UTC ");

    Path file = dir.resolve("drain");
    assertEquals("Virus scanner upgrade until 22:00 UTC", drain.reason());
    assertEquals(
        "Virus scanner upgrade until 22:00 UTC\n",
        Files.readString(file, StandardCharsets.US_ASCII));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList(), "no temporary file left behind");
    }
  }

  @Test
  void theProbeFailsWithTheReasonAsTheReplyReason() throws Exception {
    state().drain("Storage maintenance");
    Files.setLastModifiedTime(
        dir.resolve("drain"), FileTime.from(Instant.parse("2026-12-01T21:05:25.678Z")));

    ProbeResult r = new DrainProbe(state()).run();

    assertFalse(r.healthy());
    assertEquals("Storage maintenance", r.reason());
    assertEquals("drained since 2026-12-01T21:05:25Z", r.measured());
    assertEquals(
        dir.resolve("drain") + ": drained since 2026-12-01T21:05:25Z: Storage maintenance",
        r.detail());
  }

  @Test
  void aDrainOutlivesTheProcessThatReadIt() throws Exception {
    state().drain("Storage maintenance");

    // A restarted daemon builds a new DrainState over the same file.
    assertEquals(
        "Storage maintenance", new DrainState(dir.resolve("drain")).read().orElseThrow().reason());
  }

  @Test
  void drainAgainReplacesTheReason() throws Exception {
    state().drain("first");

    assertEquals("second", state().drain("second").reason());
  }

  @Test
  void emptyReasonIsTheDefault() throws Exception {
    assertEquals("Server under maintenance", state().drain("").reason());
  }

  @Test
  void undrainRemovesTheFileOnce() throws Exception {
    state().drain("x");

    assertTrue(state().undrain());
    assertFalse(state().undrain());
    assertEquals(Optional.empty(), state().read());
  }

  @Test
  void nonAsciiReasonIsRefusedAndNothingIsWritten() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> state().drain("Wartung bis Montag früh"));

    assertEquals(
        "the reason must be printable ASCII, as it goes into an SMTP reply (found U+00FC at position 22)",
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("drain")));
  }

  @Test
  void lineBreakInTheReasonIsRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> state().drain("maintenance\r\n250 OK"));

    assertEquals(
        "the reason must be printable ASCII, as it goes into an SMTP reply (found U+000D at position 12)",
        e.getMessage());
  }

  @Test
  void tooLongReasonIsRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> state().drain("x".repeat(121)));

    assertEquals(
        "the reason is 121 characters long; an SMTP reply has room for 120", e.getMessage());
  }

  @Test
  void aCrlfDrainFileKeepsItsReason() throws Exception {
    Files.writeString(dir.resolve("drain"), "Storage maintenance\r\n", StandardCharsets.US_ASCII);

    assertEquals("Storage maintenance", state().read().orElseThrow().reason());
  }

  @Test
  void aFileWrittenByHandIsSanitised() throws Exception {
    Path file = dir.resolve("drain");
    Files.write(
        file,
        "Disk swap\u0007 tonight \u00e9\r\n250 injected\n".getBytes(StandardCharsets.ISO_8859_1));
    assertEquals("Disk swap? tonight ?", state().read().orElseThrow().reason());

    Files.writeString(file, "y".repeat(5000));
    assertEquals("y".repeat(120), state().read().orElseThrow().reason());

    Files.writeString(file, "");
    assertEquals("Server under maintenance", state().read().orElseThrow().reason());
  }
}
