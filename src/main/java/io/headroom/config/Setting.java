package io.headroom.config;

/**
 * One known setting as the daemon runs it, for the {@code config} command.
 *
 * @param defaultValue the value when the file does not set it
 * @param value the effective value, as written in the file or the default
 * @param line where the file sets it, 0 when it does not
 * @param derived unset, and its value follows from other settings (dns_timeout from a shorter
 *     probe_timeout): written as it stands, it would be checked against them, and could be refused
 */
public record Setting(String name, String defaultValue, String value, int line, boolean derived) {

  /** True when the effective value is not the default one, whether or not the file names it. */
  public boolean changed() {
    return !derived && !value.equals(defaultValue);
  }

  /**
   * {@code name = value}, as in the file; a derived one commented, as conf/headroom.conf shows it.
   */
  @Override
  public String toString() {
    return (derived ? "#" : "") + (value.isEmpty() ? name + " =" : name + " = " + value);
  }
}
