package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.support.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoundedCommandTest {
  @TempDir Path dir;

  private final BoundedCommand runner = new BoundedCommand(1000);

  @Test
  void exitCodeAndBothStreamsAreKept() throws Exception {
    CommandOutput out =
        runner.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(10));

    assertEquals(3, out.exitCode());
    assertEquals("out\n", out.stdout());
    assertEquals("err\n", out.stderr());
    assertFalse(out.timedOut());
  }

  @Test
  void outputBeyondTheLimitIsDroppedAndTheChildStillFinishes() throws Exception {
    CommandOutput out =
        runner.run(
            List.of("sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x"), Duration.ofSeconds(10));

    assertEquals(0, out.exitCode());
    assertEquals("x".repeat(1000), out.stdout());
  }

  /** The child and the process it started are both gone when run() returns. */
  @Test
  void deadlineKillsTheChildAndItsDescendants() throws Exception {
    Path pid = dir.resolve("grandchild.pid");
    String script = "sleep 60 & echo $! > " + pid + "; wait";

    CommandOutput out = runner.run(List.of("sh", "-c", script), Duration.ofMillis(500));

    assertTrue(out.timedOut());
    assertEquals(-1, out.exitCode());
    assertTrue(out.elapsed().compareTo(Duration.ofSeconds(3)) < 0, "took " + out.elapsed());
    long grandchild = Long.parseLong(Files.readString(pid).strip());
    assertTrue(
        Processes.ended(grandchild, Duration.ofSeconds(1)), "sleep " + grandchild + " left behind");
  }
}
