package io.headroom.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The entries of one file, looked up by the section loaders. Each lookup names a known setting with
 * its default, so the leftovers are the unknown names, and the {@code config} command can list
 * every setting. A bad value becomes a {@link ConfigProblem} at its line and the default stands in,
 * so one pass reports every mistake.
 */
final class Settings {
  private final ConfigFile file;
  private final Map<String, Setting> known = new LinkedHashMap<>();
  private final List<ConfigProblem> problems = new ArrayList<>();
  private final List<ConfigProblem> warnings = new ArrayList<>();

  Settings(ConfigFile file) {
    this.file = file;
    problems.addAll(file.problems());
  }

  /**
   * The value of {@code name} parsed by {@code parse}; an {@link IllegalArgumentException} is a
   * problem.
   */
  <T> T value(String name, String defaultValue, Function<String, T> parse) {
    Optional<ConfigFile.Entry> entry = entry(name, defaultValue);
    if (entry.isEmpty()) {
      return parse.apply(defaultValue);
    }
    try {
      return parse.apply(entry.get().value());
    } catch (IllegalArgumentException e) {
      problem(name, e.getMessage());
      return parse.apply(defaultValue);
    }
  }

  /**
   * A list separated by commas or white space, each item parsed by {@code item}. Every bad item is
   * reported, not only the first; the good ones are kept. An item equal to an earlier one (the same
   * path written with a trailing slash, say) is dropped with a warning: probes are told apart by
   * what they watch, and two of one name would share one damper.
   */
  <T> List<T> list(String name, String defaultValue, Function<String, T> item) {
    Optional<ConfigFile.Entry> entry = entry(name, defaultValue);
    if (entry.isEmpty()) {
      return items(defaultValue).stream().map(item).toList();
    }
    Map<T, String> values = new LinkedHashMap<>();
    for (String text : items(entry.get().value())) {
      try {
        T value = item.apply(text);
        String earlier = values.putIfAbsent(value, text);
        if (earlier != null) {
          warning(
              name,
              '"'
                  + text
                  + (earlier.equals(text) ? "\" is listed twice" : "\" repeats \"" + earlier + '"')
                  + "; the repeat is ignored");
        }
      } catch (IllegalArgumentException e) {
        problem(name, e.getMessage());
      }
    }
    return List.copyOf(values.keySet());
  }

  static List<String> items(String value) {
    return Arrays.stream(value.split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
  }

  /**
   * Marks {@code name}, which the file leaves unset, as taking {@code value} from other settings:
   * the {@code config} command shows it commented.
   */
  void derived(String name, String value) {
    Setting setting = known.get(name);
    known.put(name, new Setting(name, setting.defaultValue(), value, 0, true));
  }

  /** True when the file sets {@code name}. */
  boolean isSet(String name) {
    return file.entries().containsKey(name);
  }

  /**
   * True when nothing is wrong with {@code name} so far: cross-field checks skip a value that fell
   * back.
   */
  boolean isValid(String name) {
    return problems.stream().noneMatch(p -> p.key().equals(name));
  }

  /** A problem at the line that sets {@code name} (0 when the file does not set it). */
  void problem(String name, String message) {
    problems.add(new ConfigProblem(file.name(), line(name), name, message));
  }

  /** A value that works but is probably not what was meant. */
  void warning(String name, String message) {
    warnings.add(new ConfigProblem(file.name(), line(name), name, message));
  }

  private int line(String name) {
    ConfigFile.Entry entry = file.entries().get(name);
    return entry == null ? 0 : entry.line();
  }

  private Optional<ConfigFile.Entry> entry(String name, String defaultValue) {
    Optional<ConfigFile.Entry> entry = Optional.ofNullable(file.entries().get(name));
    known.put(
        name,
        new Setting(
            name,
            defaultValue,
            entry.map(ConfigFile.Entry::value).orElse(defaultValue),
            entry.map(ConfigFile.Entry::line).orElse(0),
            false));
    return entry;
  }

  /**
   * The loaded configuration with its warnings and settings, or every problem in line order:
   * unknown names included, each with the closest known name when one is near.
   */
  ParsedConfig finish(Config config) throws ConfigException {
    for (Map.Entry<String, ConfigFile.Entry> e : file.entries().entrySet()) {
      if (!known.containsKey(e.getKey())) {
        String hint =
            Spelling.closest(e.getKey(), known.keySet())
                .map(k -> "; did you mean " + k + "?")
                .orElse("");
        problems.add(
            new ConfigProblem(file.name(), e.getValue().line(), e.getKey(), "unknown name" + hint));
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(byLine(problems));
    }
    return new ParsedConfig(config, byLine(warnings), List.copyOf(known.values()));
  }

  private static List<ConfigProblem> byLine(List<ConfigProblem> list) {
    return list.stream().sorted(Comparator.comparingInt(ConfigProblem::line)).toList();
  }
}
