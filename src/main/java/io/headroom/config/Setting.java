package io.headroom.config;

/**
 * One known setting as the daemon runs it, for the {@code config} command.
 *
 * @param defaultValue the value when the file does not set it
 * @param value the effective value, as written in the file or the default
 * @param line where the file sets it, 0 when it does not
 */
public record Setting(String name, String defaultValue, String value, int line) {

  /** True when the effective value is not the default one, whether or not the file names it. */
  public boolean changed() {
    return !value.equals(defaultValue);
  }

  /** {@code name = value}, as in the file. */
  @Override
  public String toString() {
    return value.isEmpty() ? name + " =" : name + " = " + value;
  }
}
