package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.probe.QueueCounts.Queue;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The reader against stand-in commands that print what postqueue -j prints, fail or hang. */
class PostqueueReaderTest {

  private static PostqueueReader shell(String script, Duration deadline) {
    return new PostqueueReader(List.of("sh", "-c", script), deadline);
  }

  @Test
  void countsEachQueueFromTheStartOfEachLine() throws Exception {
    String line =
        "{\"queue_name\": \"%s\", \"queue_id\": \"7CD86DAA579\", \"arrival_time\": 1796158162,"
            + " \"message_size\": 1345, \"forced_expire\": false, \"sender\": \"a@example.test\","
            + " \"recipients\": [{\"address\": \"b@example.test\"}]}\\n";
    String script =
        "printf '"
            + line.formatted("deferred").repeat(3)
            + line.formatted("hold")
            + line.formatted("active")
            + "'";

    QueueCounts counts = shell(script, Duration.ofSeconds(5)).read();

    assertEquals(
        new QueueCounts(Map.of(Queue.DEFERRED, 3L, Queue.HOLD, 1L, Queue.ACTIVE, 1L), true),
        counts);
    assertEquals(5, counts.total());
  }

  @Test
  void emptyQueueIsZeroEverywhere() throws Exception {
    QueueCounts counts = shell("true", Duration.ofSeconds(5)).read();

    assertEquals(0, counts.total());
    assertTrue(counts.complete());
  }

  @Test
  void failureNamesTheExitAndWhatPostqueueSaid() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                shell(
                        "echo 'postqueue: fatal: Connect to the Postfix showq service: Permission denied' >&2; exit 69",
                        Duration.ofSeconds(5))
                    .read());

    assertEquals(
        "sh -c echo 'postqueue: fatal: Connect to the Postfix showq service: Permission denied' >&2; exit 69"
            + " exited with 69: postqueue: fatal: Connect to the Postfix showq service: Permission denied",
        e.getMessage());
  }

  @Test
  void deadlineKillsTheChildAndItsChildrenAndKeepsWhatWasCounted() throws Exception {
    String script =
        "printf '{\"queue_name\": \"deferred\"}\\n{\"queue_name\": \"deferred\"}\\n'; sleep 30; true";
    long start = System.nanoTime();

    QueueCounts counts = shell(script, Duration.ofMillis(500)).read();

    double seconds = (System.nanoTime() - start) / 1e9;
    assertFalse(counts.complete());
    assertEquals(2, counts.count(Queue.DEFERRED));
    assertTrue(seconds < 3, "took " + seconds + "s");
  }

  @Test
  void commandNamesTheConfigDirectory() {
    assertEquals(
        "postqueue -c /etc/postfix-out -j (deadline 4s)",
        PostqueueReader.of(Optional.of(Path.of("/etc/postfix-out")), Duration.ofSeconds(4))
            .toString());
    assertEquals(
        "postqueue -j (deadline 4s)",
        PostqueueReader.of(Optional.empty(), Duration.ofSeconds(4)).toString());
  }
}
