package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.LookupTable;
import io.headroom.config.TableFileAccess;
import io.headroom.config.TableRole;
import io.headroom.support.Slapd;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** LookupTableProbe through the real postmap and Postfix's LDAP client against a private slapd. */
@Timeout(120)
class LdapTableIT {
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  @TempDir Path dir;

  private LookupTableProbe probe(Path table, String canary) {
    LookupTable ldap = new LookupTable("ldap", table.toString(), TableRole.RECIPIENT);
    Postmap postmap =
        new Postmap(new BoundedCommand(64 * 1024), Optional.empty(), canary, DEADLINE);
    return new LookupTableProbe(ldap, postmap, new TableFileAccess());
  }

  @Test
  void answeringSlapdIsHealthyStoppedIsTheLdapDirectoryAndBackIsHealthyAgain() throws Exception {
    try (Slapd slapd = Slapd.start(dir.resolve("slapd"), List.of("alice@example.org"))) {
      Path table = slapd.writePostfixTable(dir.resolve("ldap-users.cf"));

      ProbeResult found = probe(table, "alice@example.org").run();
      ProbeResult notFound = probe(table, "headroom-probe@example.org").run();

      assertTrue(found.healthy(), found.detail());
      assertEquals("ldap:" + table + ": found, " + found.measured(), found.detail());
      assertTrue(notFound.healthy(), notFound.detail());
      assertEquals("ldap:" + table + ": not found, " + notFound.measured(), notFound.detail());

      slapd.stop();
      ProbeResult down = probe(table, "headroom-probe@example.org").run();

      assertFalse(down.healthy());
      assertEquals("Recipient directory (LDAP) unavailable", down.reason());
      assertEquals("lookup error", down.measured());
      assertEquals(
          "ldap:"
              + table
              + ": postmap: warning: dict_ldap_lookup: Search error -1: Can't contact LDAP"
              + " server / postmap: fatal: table ldap:"
              + table
              + ": query error: Transport endpoint is not connected",
          down.detail());

      slapd.restart();
      assertTrue(probe(table, "headroom-probe@example.org").run().healthy());
    }
  }
}
