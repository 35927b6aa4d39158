package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.probe.QueueCounts.Queue;
import io.headroom.support.PostfixInstance;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * QueueProbe against a private Postfix holding a known number of messages: every message it accepts
 * goes to the hold queue, so the queue stays as the test made it.
 */
class QueueProbeIT {
  private static final int HELD = 25;
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dir;

  private static PostfixInstance postfix;

  @BeforeAll
  static void holdMessages() throws Exception {
    postfix =
        PostfixInstance.builder(dir.resolve("postfix"))
            .set(
                "smtpd_recipient_restrictions",
                "check_client_access static:HOLD, permit_mynetworks, reject")
            .start();
    postfix.smtpSource(5, HELD);
    awaitHeld();
  }

  @AfterAll
  static void stop() {
    if (postfix != null) {
      postfix.close();
    }
  }

  private static QueueProbe probe(long max, List<QueueCounts> counted) {
    return QueueProbe.postqueue(
        Optional.of(postfix.configDirectory()), DEADLINE, OptionalLong.of(max), counted::add);
  }

  @Test
  void backlogAboveTheLimitFails() throws Exception {
    List<QueueCounts> counted = new ArrayList<>();

    ProbeResult r = probe(HELD - 5, counted).run();

    assertFalse(r.healthy());
    assertEquals("Mail queue backlog too large (25 messages queued, limit 20)", r.reason());
    assertEquals(HELD, counted.get(0).count(Queue.HOLD));
  }

  @Test
  void backlogAtTheLimitPasses() throws Exception {
    ProbeResult r = probe(HELD, new ArrayList<>()).run();

    assertTrue(r.healthy(), r.detail());
    assertEquals("25 messages queued", r.measured());
  }

  /** The daemon's unit: an unprivileged user under NoNewPrivileges, with group postdrop. */
  @Test
  void unprivilegedUserWithGroupPostdropCounts() throws Exception {
    QueueCounts counts = unprivileged(List.of("--groups=postdrop")).read();

    assertEquals(HELD, counts.count(Queue.HOLD));
    assertTrue(counts.complete());
  }

  /** Without the group, NoNewPrivileges keeps postqueue's setgid from working. */
  @Test
  void unprivilegedUserWithoutGroupPostdropIsRefused() {
    IOException e =
        assertThrows(IOException.class, () -> unprivileged(List.of("--clear-groups")).read());

    assertTrue(
        e.getMessage()
            .endsWith("postqueue: fatal: Connect to the Postfix showq service: Permission denied"),
        e.getMessage());
  }

  private static PostqueueReader unprivileged(List<String> groups) {
    List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup"));
    command.addAll(groups);
    command.addAll(
        List.of("--no-new-privs", "postqueue", "-c", postfix.configDirectory().toString(), "-j"));
    return new PostqueueReader(command, DEADLINE);
  }

  /** smtp-source returns once Postfix has said 250; cleanup may still be writing the last files. */
  private static void awaitHeld() throws Exception {
    PostqueueReader reader = PostqueueReader.of(Optional.of(postfix.configDirectory()), DEADLINE);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (reader.read().count(Queue.HOLD) < HELD) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not " + HELD + " messages held within 30s: " + reader.read());
      }
      Thread.sleep(100);
    }
  }
}
