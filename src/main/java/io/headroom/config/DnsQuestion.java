package io.headroom.config;

import java.util.Locale;
import java.util.random.RandomGenerator;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.Type;

/**
 * One name the DNS probe asks about, as written in the config: {@code .}, {@code example.org},
 * {@code example.org/TXT}, {@code *.example.org}. A leading {@code *.} puts a fresh random label in
 * front of the name on every query, so no cache holds the answer and the resolver must ask the
 * zone's servers: that proves recursion, which a cached root NS set does not.
 *
 * @param name the name below the random label, or the name itself; absolute
 * @param type the record type asked for
 * @param randomLabel whether each query prepends a fresh random label
 */
public record DnsQuestion(Name name, int type, boolean randomLabel) {
  private static final String WILDCARD = "*.";

  /** RFC 1035 2.3.4: 255 octets in wire format. */
  private static final int MAX_NAME_OCTETS = 255;

  /** "hr-" and 16 hex digits, plus the label's length octet. */
  private static final int RANDOM_LABEL_OCTETS = 20;

  public DnsQuestion {
    if (!name.isAbsolute()) {
      throw new IllegalArgumentException(name + " is not absolute");
    }
  }

  /**
   * Parses {@code [*.]NAME[/TYPE]}. Without a type the root is asked for NS (what every resolver
   * has) and any other name for A.
   *
   * @throws IllegalArgumentException naming the text and the expected form, without the config key
   *     (the parser adds FILE:LINE: key)
   */
  public static DnsQuestion parse(String text) {
    String rest = text;
    boolean random = rest.startsWith(WILDCARD);
    if (random) {
      rest = rest.substring(WILDCARD.length());
    }
    int slash = rest.lastIndexOf('/');
    String typeText = slash < 0 ? null : rest.substring(slash + 1);
    String nameText = slash < 0 ? rest : rest.substring(0, slash);
    Name name = parseName(text, nameText.isEmpty() && random ? "." : nameText, random);
    int type = typeText == null ? defaultType(name) : Type.value(typeText.toUpperCase(Locale.ROOT));
    if (type <= 0) {
      throw invalid(text);
    }
    return new DnsQuestion(name, type, random);
  }

  /** The name to send this time: a fresh label in front when {@link #randomLabel}. */
  public Name queryName(RandomGenerator random) {
    if (!randomLabel) {
      return name;
    }
    try {
      // 16 hex digits: 64 bits, so two probes never share a name a cache could hold.
      String label = String.format(Locale.ROOT, "hr-%016x", random.nextLong());
      return Name.concatenate(Name.fromConstantString(label), name);
    } catch (NameTooLongException e) {
      throw new IllegalStateException(name + " leaves no room for a random label", e);
    }
  }

  /** As written in the config: {@code *.example.org/TXT}; the default type is left out. */
  @Override
  public String toString() {
    String written = name.equals(Name.root) ? "." : name.toString(true);
    String base = randomLabel ? WILDCARD + (name.equals(Name.root) ? "" : written) : written;
    return type == defaultType(name) ? base : base + "/" + Type.string(type);
  }

  private static int defaultType(Name name) {
    return name.equals(Name.root) ? Type.NS : Type.A;
  }

  private static Name parseName(String text, String nameText, boolean random) {
    if (nameText.isEmpty() || nameText.contains("*")) {
      throw invalid(text);
    }
    Name name = DnsSettings.parseName(nameText);
    if (random && name.length() > MAX_NAME_OCTETS - RANDOM_LABEL_OCTETS) {
      throw new IllegalArgumentException(
          '"'
              + text
              + "\" leaves no room for a random label (at most "
              + (MAX_NAME_OCTETS - RANDOM_LABEL_OCTETS)
              + " octets below it)");
    }
    return name;
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        '"'
            + text
            + "\" is not a DNS probe name (like ., example.org, example.org/TXT or *.example.org)");
  }
}
