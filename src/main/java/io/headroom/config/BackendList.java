package io.headroom.config;

import java.util.List;

/**
 * Which lookup tables or policy services are probed: {@code auto} (those Postfix's own
 * configuration names, found when the probes are built), a list written in the config, or none.
 *
 * @param auto whether they are found in Postfix's configuration
 * @param listed the ones written in the config; empty with {@code auto}
 */
public record BackendList<T>(boolean auto, List<T> listed) {
  public BackendList {
    listed = List.copyOf(listed);
    if (auto && !listed.isEmpty()) {
      throw new IllegalArgumentException("auto with a list");
    }
  }

  /** Nothing to probe: the value is empty. */
  public boolean off() {
    return !auto && listed.isEmpty();
  }
}
