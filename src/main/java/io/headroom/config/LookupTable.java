package io.headroom.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A Postfix lookup table on a network backend, as {@code type:name} with any {@code proxy:} prefix
 * stripped: the daemon asks the backend itself, proxymap's socket being private to Postfix.
 *
 * @param type the Postfix table type, e.g. {@code ldap}
 * @param name the rest, usually the absolute path of the table's definition file
 * @param role what smtpd uses it for
 */
public record LookupTable(String type, String name, TableRole role) {

  /**
   * The network table types, with the name a sender may read. sqlite and the file types are local.
   */
  private static final Map<String, String> BACKENDS =
      Map.of(
          "ldap", "LDAP",
          "mysql", "MySQL",
          "pgsql", "PostgreSQL",
          "memcache", "memcache",
          "tcp", "tcp",
          "socketmap", "socketmap");

  private static final String PROXY = "proxy:";

  /**
   * The network-backed table {@code spec} names, empty for a local one ({@code hash:}, {@code
   * proxy:unix:passwd.byname}, ...).
   *
   * @throws IllegalArgumentException when {@code spec} is not {@code type:name}
   */
  public static Optional<LookupTable> parse(String spec, TableRole role) {
    String s = spec;
    while (s.startsWith(PROXY)) {
      s = s.substring(PROXY.length());
    }
    int colon = s.indexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException('"' + spec + "\" is not a table (type:name)");
    }
    String type = s.substring(0, colon).toLowerCase(Locale.ROOT);
    return BACKENDS.containsKey(type)
        ? Optional.of(new LookupTable(type, s.substring(colon + 1), role))
        : Optional.empty();
  }

  /** {@code type:name}, as postmap takes it. */
  public String spec() {
    return type + ":" + name;
  }

  /** {@code LDAP}, {@code PostgreSQL}, ...: the kind of backend, which a sender may read. */
  public String backend() {
    return BACKENDS.get(type);
  }

  /** {@code Recipient directory (LDAP)}. */
  public String noun() {
    return role.noun() + " (" + backend() + ")";
  }

  /** The definition file, for the types whose name is one (ldap, mysql, pgsql, memcache). */
  public Optional<Path> definitionFile() {
    return name.startsWith("/") ? Optional.of(Path.of(name)) : Optional.empty();
  }

  /** The same table in another role. */
  public LookupTable withRole(TableRole other) {
    return new LookupTable(type, name, other);
  }
}
