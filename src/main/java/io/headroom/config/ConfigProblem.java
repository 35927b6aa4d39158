package io.headroom.config;

/**
 * One mistake (or, as a warning, one doubtful value) in a config file, at the place an admin fixes
 * it. Kept as fields, so problems sort by line without re-reading their text.
 *
 * @param line 1-based line of the setting, or 0 when the whole file is meant (it cannot be read)
 */
public record ConfigProblem(String file, int line, String key, String message) {

  /** {@code FILE:LINE: key: message}, or {@code FILE: key: message} for the whole file. */
  @Override
  public String toString() {
    return file + (line > 0 ? ":" + line : "") + ": " + key + ": " + message;
  }
}
