package io.headroom.config;

import java.util.List;

/**
 * A file's configuration with what else reading it found.
 *
 * @param warnings values that work but are probably not what was meant, in line order
 * @param settings every known setting with its default and effective value, in the order of
 *     conf/headroom.conf
 */
public record ParsedConfig(Config config, List<ConfigProblem> warnings, List<Setting> settings) {
  public ParsedConfig {
    warnings = List.copyOf(warnings);
    settings = List.copyOf(settings);
  }
}
