package io.headroom.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The assignments of a systemd unit file, in order, with continuation lines joined. */
final class UnitFile {

  private record Assignment(String key, String value) {}

  private final List<Assignment> assignments;

  private UnitFile(List<Assignment> assignments) {
    this.assignments = assignments;
  }

  static UnitFile read(Path path) throws IOException {
    List<Assignment> assignments = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String raw : Files.readAllLines(path)) {
      String line = raw.strip();
      if (pending.isEmpty() && (line.isEmpty() || line.startsWith("#") || line.startsWith("["))) {
        continue;
      }
      if (line.endsWith("\\")) {
        pending.append(line.substring(0, line.length() - 1).strip()).append(' ');
        continue;
      }
      pending.append(line);
      String joined = pending.toString();
      pending.setLength(0);
      int eq = joined.indexOf('=');
      if (eq > 0) {
        assignments.add(
            new Assignment(joined.substring(0, eq).strip(), joined.substring(eq + 1).strip()));
      }
    }
    return new UnitFile(List.copyOf(assignments));
  }

  /** Every value assigned to key, in file order. */
  List<String> values(String key) {
    List<String> values = new ArrayList<>();
    for (Assignment a : assignments) {
      if (a.key().equals(key)) {
        values.add(a.value());
      }
    }
    return values;
  }
}
