package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.LookupTable;
import io.headroom.config.TableFileAccess;
import io.headroom.config.Units;
import java.time.Duration;
import java.util.Optional;

/**
 * Asks one network lookup table a canary through {@link Postmap}: healthy when the backend
 * answered, found or not. The reply names the table's role and kind of backend ({@code Recipient
 * directory (LDAP) unavailable}); the log names the table and what postmap said.
 */
public final class LookupTableProbe implements Probe {
  private final LookupTable table;
  private final Postmap postmap;
  private final TableFileAccess access;

  public LookupTableProbe(LookupTable table, Postmap postmap, TableFileAccess access) {
    this.table = table;
    this.postmap = postmap;
    this.access = access;
  }

  @Override
  public Check check() {
    return Check.LOOKUP;
  }

  @Override
  public Measure measure() {
    return Measure.LOOKUP_TABLE_UP;
  }

  /**
   * The table or service as configured (or found): the gauge's label value, bounded by the config.
   */
  @Override
  public String subject() {
    return table.spec();
  }

  @Override
  public String name() {
    return "lookup:" + table.spec();
  }

  /** The table's role and backend, {@code Recipient directory (LDAP)}: never its path or host. */
  @Override
  public String noun() {
    return table.noun();
  }

  /** postmap is killed at its deadline: pgsql and mysql tables have none of their own. */
  @Override
  public Optional<Duration> ownDeadline() {
    return Optional.of(postmap.deadline());
  }

  @Override
  public ProbeResult run() throws InterruptedException {
    String limit = "answer within " + Units.formatDuration(postmap.deadline());
    String reason = "unavailable";
    // Not knowing is no reason to accept: the unreadable file is reported as such, and mail waits.
    Optional<String> problem = access.problem(table);
    if (problem.isPresent()) {
      return ProbeResult.fail(
          this, Double.NaN, "definition unreadable", limit, reason, problem.get());
    }
    TableAnswer answer = postmap.query(table);
    double seconds = answer.elapsed().toNanos() / 1e9;
    if (!answer.answered()) {
      String measured =
          answer.outcome() == TableAnswer.Outcome.TIMED_OUT
              ? "no answer within " + Units.formatDuration(postmap.deadline())
              : "lookup error";
      return ProbeResult.fail(
          this, Double.NaN, measured, limit, reason, table.spec() + ": " + answer.message());
    }
    String measured = "answered in " + Units.formatSeconds(seconds);
    String found = answer.outcome() == TableAnswer.Outcome.FOUND ? "found" : "not found";
    String detail =
        table.spec()
            + ": "
            + found
            + ", "
            + measured
            + (answer.message().isEmpty() ? "" : " (" + answer.message() + ")");
    return ProbeResult.pass(this, seconds, measured, limit, detail);
  }
}
