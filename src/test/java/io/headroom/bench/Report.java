package io.headroom.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The benchmark's Markdown: a header saying where and how it ran, one table row per figure. */
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

  /** A figure with no target. */
  void figure(String name, String format, Summary s) {
    rows.add(new Row(name, format, s, "", null));
  }

  /** A figure that must be at least {@code target}. */
  void atLeast(String name, String format, Summary s, double target) {
    rows.add(new Row(name, format, s, "≥ " + String.format(Locale.ROOT, format, target), s.median() >= target));
  }

  /** A figure that must be at most {@code target}. */
  void atMost(String name, String format, Summary s, double target) {
    rows.add(new Row(name, format, s, "≤ " + String.format(Locale.ROOT, format, target), s.median() <= target));
  }

  List<Row> rows() {
    return List.copyOf(rows);
  }

  String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("### headroom-milter benchmark (").append(plan.name()).append(" mode)\n\n");
    header.forEach(h -> md.append("- ").append(h).append('\n'));
    md.append('\n');
    md.append("| figure | median | min | max | runs | target | met |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | --- | --- |\n");
    for (Row r : rows) {
      md.append("| ").append(r.name())
          .append(" | ").append(r.format(r.summary().median()))
          .append(" | ").append(r.format(r.summary().min()))
          .append(" | ").append(r.format(r.summary().max()))
          .append(" | ").append(r.summary().runs())
          .append(" | ").append(r.target())
          .append(" | ").append(r.met() == null ? "" : !plan.judgesTargets() ? "(quick)" : r.met() ? "yes" : "**no**")
          .append(" |\n");
    }
    if (!notes.isEmpty()) {
      md.append('\n');
      notes.forEach(n -> md.append("- ").append(n).append('\n'));
    }
    return md.toString();
  }

  /** @param met whether the median meets the target; null for a figure without one */
  record Row(String name, String format, Summary summary, String target, Boolean met) {
    String format(double value) {
      return String.format(Locale.ROOT, format, value);
    }
  }
}
