package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.LookupTable;
import io.headroom.config.TableRole;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PostmapTest {
  private static final LookupTable LDAP =
      new LookupTable("ldap", "/etc/postfix/ldap-users.cf", TableRole.RECIPIENT);
  private static final Duration FAST = Duration.ofMillis(12);

  private final List<List<String>> commands = new ArrayList<>();

  private TableAnswer answer(CommandOutput output) throws InterruptedException {
    Postmap postmap =
        new Postmap(
            (command, deadline) -> {
              commands.add(command);
              return output;
            },
            Optional.empty(),
            "probe@example.org",
            Duration.ofSeconds(5));
    return postmap.query(LDAP);
  }

  @Test
  void queriesTheCanaryWithPostfixsOwnClient() throws Exception {
    answer(new CommandOutput(1, "", "", false, FAST));

    assertEquals(
        List.of(List.of("postmap", "-q", "probe@example.org", "ldap:/etc/postfix/ldap-users.cf")),
        commands);
  }

  @Test
  void aConfigDirectoryIsPassedWithMinusC() throws Exception {
    Postmap postmap =
        new Postmap(
            (command, deadline) -> {
              commands.add(command);
              assertEquals(Duration.ofSeconds(5), deadline);
              return new CommandOutput(1, "", "", false, FAST);
            },
            Optional.of(Path.of("/etc/postfix-in")),
            "k",
            Duration.ofSeconds(5));

    postmap.query(LDAP);

    assertEquals(
        List.of("postmap", "-c", "/etc/postfix-in", "-q", "k", "ldap:/etc/postfix/ldap-users.cf"),
        commands.get(0));
  }

  @Test
  void exitZeroIsFound() throws Exception {
    TableAnswer a = answer(new CommandOutput(0, "probe@example.org\n", "", false, FAST));

    assertEquals(new TableAnswer(TableAnswer.Outcome.FOUND, "", FAST), a);
    assertTrue(a.answered());
  }

  @Test
  void exitOneWithSilenceIsNotFound() throws Exception {
    TableAnswer a = answer(new CommandOutput(1, "", "", false, FAST));

    assertEquals(new TableAnswer(TableAnswer.Outcome.NOT_FOUND, "", FAST), a);
    assertTrue(a.answered());
  }

  /**
   * The canary is usually not found. A warning beside that (a duplicate entry in main.cf, a SQL
   * driver failing over to its next host) once made the table read as down, and the lookup check
   * deferred all mail while the table answered.
   */
  @Test
  void exitOneWithWarningsButNoFatalLineIsNotFound() throws Exception {
    for (String warning :
        List.of(
            "postmap: warning: /etc/postfix/main.cf, line 41: overriding earlier entry:"
                + " relayhost=[smtp.example.org]\n",
            "postmap: warning: connect to mysql server db1.example.org: Can't connect to MySQL"
                + " server on 'db1.example.org' (111)\n")) {
      TableAnswer a = answer(new CommandOutput(1, "", warning, false, FAST));

      assertEquals(TableAnswer.Outcome.NOT_FOUND, a.outcome(), a.message());
      assertTrue(a.answered());
      assertEquals(warning.strip(), a.message());
    }
  }

  /** postmap's real output with slapd stopped (Debian 12, Postfix 3.7). */
  @Test
  void exitOneWithFatalIsAFailureWithEveryLine() throws Exception {
    String stderr =
        "postmap: warning: dict_ldap_lookup: Search error -1: Can't contact LDAP server \n"
            + "postmap: fatal: table ldap:/etc/postfix/ldap-users.cf: query error: Transport endpoint is not connected\n";

    TableAnswer a = answer(new CommandOutput(1, "", stderr, false, FAST));

    assertEquals(TableAnswer.Outcome.FAILED, a.outcome());
    assertFalse(a.answered());
    assertEquals(
        "postmap: warning: dict_ldap_lookup: Search error -1: Can't contact LDAP server"
            + " / postmap: fatal: table ldap:/etc/postfix/ldap-users.cf: query error: Transport endpoint is not connected",
        a.message());
  }

  @Test
  void aWarningBesideAnAnswerIsStillAnAnswer() throws Exception {
    TableAnswer a =
        answer(
            new CommandOutput(
                0,
                "x\n",
                "postmap: warning: ldap://a: connection lost, trying next\n",
                false,
                FAST));

    assertEquals(TableAnswer.Outcome.FOUND, a.outcome());
    assertEquals("postmap: warning: ldap://a: connection lost, trying next", a.message());
  }

  @Test
  void anotherExitWithSilenceIsAFailure() throws Exception {
    TableAnswer a = answer(new CommandOutput(137, "", "", false, FAST));

    assertEquals(new TableAnswer(TableAnswer.Outcome.FAILED, "postmap exited with 137", FAST), a);
  }

  @Test
  void theDeadlineIsATimeout() throws Exception {
    TableAnswer a = answer(new CommandOutput(-1, "", "", true, Duration.ofSeconds(5)));

    assertEquals(
        new TableAnswer(
            TableAnswer.Outcome.TIMED_OUT, "no answer within 5s, killed", Duration.ofSeconds(5)),
        a);
  }

  @Test
  void postmapMissingIsAFailure() throws Exception {
    Postmap postmap =
        new Postmap(
            (command, deadline) -> {
              throw new IOException(
                  "Cannot run program \"postmap\": error=2, No such file or directory");
            },
            Optional.empty(),
            "k",
            Duration.ofSeconds(5));

    TableAnswer a = postmap.query(LDAP);

    assertEquals(
        new TableAnswer(
            TableAnswer.Outcome.FAILED,
            "cannot run postmap: Cannot run program \"postmap\": error=2, No such file or directory",
            Duration.ZERO),
        a);
  }
}
