package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.LookupTable;
import io.headroom.config.TableFileAccess;
import io.headroom.config.TableRole;
import io.headroom.support.Postgres;
import io.headroom.support.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * LookupTableProbe through the real postmap and Postfix's pgsql client against a private
 * PostgreSQL: a server that accepts and never answers hangs postmap, which the deadline must kill.
 */
@Timeout(180)
class PgsqlTableIT {
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  @TempDir Path dir;

  @Test
  void aSigstoppedServerFailsWithinTheDeadlineAndLeavesNoPostmapBehind() throws Exception {
    try (Postgres postgres = Postgres.start(dir.resolve("pg"))) {
      postgres.sql("CREATE TABLE senders (address text PRIMARY KEY)");
      postgres.sql("INSERT INTO senders VALUES ('alice@example.org')");
      Path table =
          postgres.writePostfixTable(
              dir.resolve("pgsql-senders.cf"), "SELECT address FROM senders WHERE address = '%s'");
      LookupTable pgsql = new LookupTable("pgsql", table.toString(), TableRole.SENDER);
      LookupTableProbe probe =
          new LookupTableProbe(
              pgsql,
              new Postmap(
                  new BoundedCommand(64 * 1024), Optional.empty(), "alice@example.org", DEADLINE),
              new TableFileAccess());

      ProbeResult up = probe.run();
      assertTrue(up.healthy(), up.detail());
      assertEquals("pgsql:" + table + ": found, " + up.measured(), up.detail());

      postgres.pause();
      long start = System.nanoTime();
      ProbeResult hung = probe.run();
      double seconds = (System.nanoTime() - start) / 1e9;

      assertFalse(hung.healthy());
      assertEquals("Sender directory (PostgreSQL) unavailable", hung.reason());
      assertEquals("no answer within 5s", hung.measured());
      assertEquals("pgsql:" + table + ": no answer within 5s, killed", hung.detail());
      // The deadline, plus the kill and the wait for it (generous: the test machine is shared).
      assertTrue(seconds >= 5 && seconds < 7, "took " + seconds + "s");
      assertEquals(List.of(), Processes.runningWith(table.toString()), "postmap left behind");

      postgres.resume();
      ProbeResult back = probe.run();
      assertTrue(back.healthy(), back.detail());
    }
  }
}
