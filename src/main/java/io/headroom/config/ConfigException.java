package io.headroom.config;

import java.util.List;

/**
 * A configuration that cannot be used; each problem reads {@code FILE:LINE: key: what is wrong}.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient List<ConfigProblem> problems;

  public ConfigException(List<ConfigProblem> problems) {
    super(
        String.join(
            System.lineSeparator(), problems.stream().map(ConfigProblem::toString).toList()));
    this.problems = List.copyOf(problems);
  }

  /** In line order. */
  public List<ConfigProblem> problems() {
    return problems;
  }
}
