package io.headroom.config;

import java.util.List;

/** A configuration that cannot be used; each problem reads {@code FILE:LINE: key: what is wrong}. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient List<String> problems;

  public ConfigException(List<String> problems) {
    super(String.join(System.lineSeparator(), problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
