package io.headroom.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * headroom.conf(5) in roff, made from the annotated conf/headroom.conf: its opening comment is the
 * description, each "# --- Title ---" a subsection, and each setting line a term with its default,
 * described by the comment above it. One source, so the page lists exactly the names and defaults
 * the reference file does.
 */
final class ConfManPage {
  private static final Pattern SECTION = Pattern.compile("#\\s*---\\s*(.*?)\\s*-*\\s*");

  /** "name = value" as set, or "#name = value" (no space) for a setting without a fixed default. */
  private static final Pattern SETTING = Pattern.compile("(#?)([a-z][a-z0-9_]*)\\s*=\\s*(.*)");

  private ConfManPage() {}

  /** The names a file sets or shows (commented) as settings, in file order. */
  static List<String> names(List<String> conf) {
    List<String> names = new ArrayList<>();
    for (String line : conf) {
      Matcher m = SETTING.matcher(line);
      if (m.matches() && !names.contains(m.group(2))) {
        names.add(m.group(2));
      }
    }
    return names;
  }

  static String render(List<String> conf, String version) {
    Roff roff = new Roff();
    roff.line(".TH HEADROOM.CONF 5 \"\" \"headroom-milter " + version + "\" \"File Formats\"");
    roff.line(".SH NAME");
    roff.line("headroom.conf \\- headroom-milter configuration file");
    roff.line(".SH SYNOPSIS");
    roff.line(".B /etc/headroom-milter/headroom.conf");
    roff.line(".SH DESCRIPTION");
    List<String> comment = new ArrayList<>();
    List<Matcher> settings = new ArrayList<>();
    for (String line : conf) {
      Matcher section = SECTION.matcher(line);
      Matcher setting = SETTING.matcher(line);
      if (section.matches()) {
        flush(roff, comment, settings);
        if (roff.sections++ == 0) {
          roff.line(".SH PARAMETERS");
          roff.line("Each parameter is shown with its default.");
        }
        roff.line(".SS " + Roff.escape(section.group(1)));
      } else if (setting.matches()) {
        settings.add(setting);
      } else if (line.startsWith("#")) {
        if (!settings.isEmpty()) {
          flush(roff, comment, settings);
        }
        comment.add(line.substring(1));
      } else if (line.isBlank()) {
        flush(roff, comment, settings);
      }
    }
    flush(roff, comment, settings);
    roff.line(".SH FILES");
    roff.line(".TP");
    roff.line(".I /etc/headroom-milter/headroom.conf");
    roff.line(
        "read when no \\fB\\-\\-config\\fR is given (or the file \\fB$HEADROOM_CONFIG\\fR names).");
    roff.line(".SH SEE ALSO");
    roff.line(".BR headroom-milter (8),");
    roff.line(".BR postconf (5)");
    return roff.toString();
  }

  /**
   * A comment with the settings below it: the settings as terms, the comment as their text. A
   * commented "#name = value" directly above the same name set for real is its example.
   */
  private static void flush(Roff roff, List<String> comment, List<Matcher> settings) {
    List<Matcher> shown = new ArrayList<>();
    List<String> examples = new ArrayList<>();
    for (int i = 0; i < settings.size(); i++) {
      Matcher s = settings.get(i);
      boolean example =
          !s.group(1).isEmpty()
              && i + 1 < settings.size()
              && settings.get(i + 1).group(2).equals(s.group(2));
      if (example) {
        examples.add(s.group(2) + " = " + s.group(3));
      } else {
        shown.add(s);
      }
    }
    if (shown.isEmpty()) {
      roff.paragraph(comment);
    } else {
      for (int i = 0; i < shown.size(); i++) {
        Matcher s = shown.get(i);
        roff.line(".TP");
        boolean fixed = s.group(1).isEmpty();
        roff.line("\\fB" + s.group(2) + "\\fR" + (fixed ? " = " + Roff.escape(s.group(3)) : ""));
        if (i + 1 < shown.size()) {
          roff.line(".PD 0"); // terms of one description stay together
        }
      }
      roff.line(".PD");
      roff.text(comment);
      for (Matcher s : shown) {
        if (!s.group(1).isEmpty()) {
          examples.add(s.group(2) + " = " + s.group(3));
        }
      }
      for (String example : examples) {
        roff.line(".br");
        roff.line("For example: \\fB" + Roff.escape(example) + "\\fR");
      }
    }
    comment.clear();
    settings.clear();
  }
}
