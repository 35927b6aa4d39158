package io.headroom.bench;

import io.headroom.bench.Verdict.Better;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark's Markdown: a header saying where and how it ran, one table row per figure. A row
 * that compares (a ratio, a figure with a target) carries the verdict of its interval; a target
 * counts as met only when the whole interval clears it.
 */
final class Report {
  private final Plan plan;
  private final List<String> header = new ArrayList<>();
  private final List<Row> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  Report(Plan plan) {
    this.plan = plan;
  }

  void header(String line) {
    header.add(line);
  }

  void note(String line) {
    notes.add(line);
  }

  /** A figure on its own. */
  void figure(String name, String format, Summary s) {
    rows.add(new Row(name, format, s, "", null, false));
  }

  /** A ratio without a target: the verdict says which side of 1 its interval lies. */
  void compare(String name, String format, Summary ratio, Better better) {
    rows.add(new Row(name, format, ratio, "", Verdict.of(ratio.interval(), 1, better), false));
  }

  /** A figure with a target: at least {@code target} when higher is better, else at most. */
  void target(String name, String format, Summary s, Better better, double target) {
    String bound =
        (better == Better.HIGHER ? "≥ " : "≤ ") + String.format(Locale.ROOT, format, target);
    rows.add(new Row(name, format, s, bound, Verdict.of(s.interval(), target, better), true));
  }

  List<Row> rows() {
    return List.copyOf(rows);
  }

  String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("### headroom-milter benchmark (").append(plan.name()).append(" mode)\n\n");
    header.forEach(h -> md.append("- ").append(h).append('\n'));
    md.append('\n');
    md.append("| figure | median | ")
        .append(Math.round(Bootstrap.LEVEL * 100))
        .append("% interval | runs | target | verdict | met |\n");
    md.append("| --- | ---: | ---: | ---: | --- | --- | --- |\n");
    for (Row r : rows) {
      md.append("| ")
          .append(r.name())
          .append(" | ")
          .append(r.format(r.summary().median()))
          .append(" | ")
          .append(r.format(r.summary().interval().low()))
          .append(" – ")
          .append(r.format(r.summary().interval().high()))
          .append(" | ")
          .append(r.summary().runs())
          .append(" | ")
          .append(r.target())
          .append(" | ")
          .append(r.verdict() == null ? "" : r.verdict().word())
          .append(" | ")
          .append(r.met(plan))
          .append(" |\n");
    }
    if (!notes.isEmpty()) {
      md.append('\n');
      notes.forEach(n -> md.append("- ").append(n).append('\n'));
    }
    return md.toString();
  }

  /**
   * @param verdict the interval against the target, or against 1 for a ratio; null for a figure
   * @param hasTarget whether {@code verdict} decides a target
   */
  record Row(
      String name,
      String format,
      Summary summary,
      String target,
      Verdict verdict,
      boolean hasTarget) {
    String format(double value) {
      return String.format(Locale.ROOT, format, value);
    }

    /** Quick mode's few runs prove the harness, they judge nothing. */
    String met(Plan plan) {
      if (!hasTarget) {
        return "";
      }
      if (!plan.judgesTargets()) {
        return "(quick)";
      }
      return verdict == Verdict.AHEAD ? "yes" : "**no**";
    }
  }
}
