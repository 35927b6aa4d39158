package io.headroom.probe;

import io.headroom.config.LookupTable;
import io.headroom.config.Units;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Queries a table with Postfix's own client, {@code postmap -q KEY type:name}: the admin's own
 * table definition, the same library smtpd loads, no second implementation of LDAP or SQL here.
 *
 * <p>postmap exits 1 both for "not found" and for an error; an error writes a {@code fatal:} line
 * (postmap's "query error", often after a {@code warning:} from the table driver). Without one,
 * exit 1 is "not found" even beside warnings, as exit 0 is an answer beside them: a fallback server
 * took over, main.cf overrides an entry; smtpd would have its answer too. The canary is usually not
 * found, so a warning taken for an error would defer all mail while the table works.
 */
public final class Postmap {
  /** A failure message in a log line is cut here; driver warnings can repeat for every server. */
  private static final int MESSAGE_LIMIT = 500;

  /** How Postfix's msg_fatal marks the line of an error that ends the program. */
  private static final String FATAL = ": fatal: ";

  private final CommandRunner runner;
  private final Optional<Path> configDirectory;
  private final String key;
  private final Duration deadline;

  /**
   * @param configDirectory Postfix's config_directory for {@code postmap -c}, empty for the default
   * @param key the canary looked up; whether it exists does not matter
   */
  public Postmap(
      CommandRunner runner, Optional<Path> configDirectory, String key, Duration deadline) {
    this.runner = runner;
    this.configDirectory = configDirectory;
    this.key = key;
    this.deadline = deadline;
  }

  public Duration deadline() {
    return deadline;
  }

  public TableAnswer query(LookupTable table) throws InterruptedException {
    CommandOutput out;
    try {
      out = runner.run(command(table), deadline);
    } catch (IOException e) {
      return new TableAnswer(
          TableAnswer.Outcome.FAILED, "cannot run postmap: " + e.getMessage(), Duration.ZERO);
    }
    return classify(out);
  }

  private List<String> command(LookupTable table) {
    List<String> command = new ArrayList<>(List.of("postmap"));
    configDirectory.ifPresent(dir -> command.addAll(List.of("-c", dir.toString())));
    command.addAll(List.of("-q", key, table.spec()));
    return command;
  }

  private TableAnswer classify(CommandOutput out) {
    String stderr = out.stderr().strip();
    if (out.timedOut()) {
      String message = "no answer within " + Units.formatDuration(deadline) + ", killed";
      return new TableAnswer(TableAnswer.Outcome.TIMED_OUT, message, out.elapsed());
    }
    if (out.exitCode() == 0) {
      return new TableAnswer(TableAnswer.Outcome.FOUND, oneLine(stderr), out.elapsed());
    }
    if (out.exitCode() == 1 && !stderr.contains(FATAL)) {
      return new TableAnswer(TableAnswer.Outcome.NOT_FOUND, oneLine(stderr), out.elapsed());
    }
    String message = stderr.isEmpty() ? "postmap exited with " + out.exitCode() : oneLine(stderr);
    return new TableAnswer(TableAnswer.Outcome.FAILED, message, out.elapsed());
  }

  /**
   * Every line (the driver's warning says why, the fatal line says which table), on one log line.
   */
  private static String oneLine(String text) {
    String joined =
        String.join(" / ", text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    return joined.length() <= MESSAGE_LIMIT ? joined : joined.substring(0, MESSAGE_LIMIT) + "...";
  }
}
