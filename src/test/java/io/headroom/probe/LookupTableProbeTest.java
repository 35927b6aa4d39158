package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Check;
import io.headroom.config.LookupTable;
import io.headroom.config.TableFileAccess;
import io.headroom.config.TableRole;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LookupTableProbeTest {
  private static final LookupTable LDAP =
      new LookupTable("ldap", "/etc/postfix/ldap-users.cf", TableRole.RECIPIENT);
  private static final LookupTable PGSQL =
      new LookupTable("pgsql", "/etc/postfix/pg-senders.cf", TableRole.SENDER);

  private static LookupTableProbe probe(
      LookupTable table, CommandOutput output, TableFileAccess access) {
    Postmap postmap =
        new Postmap(
            (command, deadline) -> output,
            Optional.empty(),
            "probe@example.org",
            Duration.ofSeconds(5));
    return new LookupTableProbe(table, postmap, access);
  }

  private static ProbeResult run(LookupTable table, CommandOutput output)
      throws InterruptedException {
    return probe(table, output, new TableFileAccess(p -> true)).run();
  }

  @Test
  void notFoundIsHealthy() throws Exception {
    ProbeResult r = run(LDAP, new CommandOutput(1, "", "", false, Duration.ofMillis(12)));

    assertTrue(r.healthy());
    assertEquals(Check.LOOKUP, r.check());
    assertEquals("lookup:ldap:/etc/postfix/ldap-users.cf", r.probe());
    assertEquals(0.012, r.value(), 1e-9);
    assertEquals("answered in 0.012s", r.measured());
    assertEquals("answer within 5s", r.limit());
    assertEquals("ldap:/etc/postfix/ldap-users.cf: not found, answered in 0.012s", r.detail());
  }

  @Test
  void foundIsHealthy() throws Exception {
    ProbeResult r =
        run(LDAP, new CommandOutput(0, "probe@example.org\n", "", false, Duration.ofMillis(3)));

    assertTrue(r.healthy());
    assertEquals("ldap:/etc/postfix/ldap-users.cf: found, answered in 0.003s", r.detail());
  }

  @Test
  void aLookupErrorNamesTheBackendToTheSenderAndTheTableInTheLog() throws Exception {
    String stderr =
        "postmap: warning: dict_ldap_lookup: Search error -1: Can't contact LDAP server \n"
            + "postmap: fatal: table ldap:/etc/postfix/ldap-users.cf: query error: Transport endpoint is not connected\n";

    ProbeResult r = run(LDAP, new CommandOutput(1, "", stderr, false, Duration.ofMillis(40)));

    assertFalse(r.healthy());
    assertEquals("Recipient directory (LDAP) unavailable", r.reason());
    assertEquals("lookup error", r.measured());
    assertEquals(
        "ldap:/etc/postfix/ldap-users.cf: postmap: warning: dict_ldap_lookup: Search error -1: Can't contact"
            + " LDAP server / postmap: fatal: table ldap:/etc/postfix/ldap-users.cf: query error: Transport endpoint is not"
            + " connected",
        r.detail());
    assertTrue(Double.isNaN(r.value()));
  }

  @Test
  void aHungBackendFailsAtTheDeadline() throws Exception {
    ProbeResult r = run(PGSQL, new CommandOutput(-1, "", "", true, Duration.ofSeconds(5)));

    assertFalse(r.healthy());
    assertEquals("Sender directory (PostgreSQL) unavailable", r.reason());
    assertEquals("no answer within 5s", r.measured());
    assertEquals("pgsql:/etc/postfix/pg-senders.cf: no answer within 5s, killed", r.detail());
  }

  @Test
  void anUnreadableDefinitionFailsWithTheFixAndPostmapIsNotRun() throws Exception {
    LookupTable table = new LookupTable("ldap", "/nonexistent/ldap.cf", TableRole.RECIPIENT);
    Postmap postmap =
        new Postmap(
            (command, deadline) -> {
              throw new AssertionError("postmap run for an unreadable table");
            },
            Optional.empty(),
            "k",
            Duration.ofSeconds(5));

    ProbeResult r = new LookupTableProbe(table, postmap, new TableFileAccess()).run();

    assertFalse(r.healthy());
    assertEquals("Recipient directory (LDAP) unavailable", r.reason());
    assertEquals("definition unreadable", r.measured());
    assertEquals(
        "/nonexistent/ldap.cf does not exist (or a directory on its path cannot be searched)",
        r.detail());
  }
}
