package io.headroom.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * Where and what the DNS probe asks. An empty resolver list means the system's (resolv.conf).
 *
 * @param resolvers IP literals with their ports, never names (resolving a resolver needs DNS)
 * @param probeNames absolute names, at least one
 * @param timeout the deadline of one probe's questions; below {@code probe_timeout}, which would
 *     otherwise cut the probe off before its answer or retransmission (unset: 2s, or 80% of a
 *     shorter probe_timeout)
 * @param tcpRetry whether a truncated answer is asked again over TCP (which must then answer), as
 *     Postfix and the SPF/DKIM milters do
 */
public record DnsSettings(
    List<InetSocketAddress> resolvers,
    List<DnsQuestion> probeNames,
    Duration timeout,
    boolean tcpRetry) {
  private static final int MAX_LABEL = 63;
  private static final int MAX_NAME = 255;

  public DnsSettings {
    resolvers = List.copyOf(resolvers);
    probeNames = List.copyOf(probeNames);
  }

  /** With the TCP retry, as by default. */
  public DnsSettings(
      List<InetSocketAddress> resolvers, List<DnsQuestion> probeNames, Duration timeout) {
    this(resolvers, probeNames, timeout, true);
  }

  static DnsSettings load(Settings s, HealthSchedule schedule) {
    List<Optional<InetSocketAddress>> resolvers =
        s.list(
            "dns_resolvers",
            "system",
            v ->
                v.equals("system")
                    ? Optional.<InetSocketAddress>empty()
                    : Optional.of(HostPort.parseAddress(v, 53)));
    if (resolvers.size() > 1 && resolvers.contains(Optional.<InetSocketAddress>empty())) {
      s.problem("dns_resolvers", "\"system\" cannot be combined with addresses");
    } else if (resolvers.isEmpty() && s.isValid("dns_resolvers")) {
      s.problem("dns_resolvers", "needs \"system\" or at least one address");
    }
    List<DnsQuestion> names = s.list("dns_probe_names", ".", DnsQuestion::parse);
    if (names.isEmpty() && s.isValid("dns_probe_names")) {
      s.problem("dns_probe_names", "needs at least one value");
      names = List.of(DnsQuestion.parse("."));
    }
    return new DnsSettings(
        resolvers.stream().flatMap(Optional::stream).toList(),
        names,
        schedule.belowProbeTimeout(s, "dns_timeout", "2s", "30s", "the DNS questions"),
        s.value("dns_tcp_retry", "yes", Values::yesNo));
  }

  /** A name the probe can send as it is: relative names are taken as absolute. */
  static Name parseName(String text) {
    if (!text.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
      throw new IllegalArgumentException(
          '"'
              + text
              + "\" is not a domain name (ASCII only: write an international name in its xn-- form)");
    }
    String dotless = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    if (!text.equals(".")) {
      for (String label : dotless.split("\\.", -1)) {
        if (label.isEmpty()) {
          throw new IllegalArgumentException(
              '"' + text + "\" is not a domain name: it has an empty label");
        }
        if (label.length() > MAX_LABEL) {
          throw new IllegalArgumentException(
              '"'
                  + text
                  + "\" is not a domain name: a label is longer than "
                  + MAX_LABEL
                  + " characters");
        }
      }
    }
    try {
      return Name.fromString(text, Name.root);
    } catch (TextParseException e) {
      // dnsjava's own text starts with the name in quotes: keep only what is wrong.
      String why =
          e.getMessage().contains("too long")
              ? "it is longer than " + MAX_NAME + " octets"
              : e.getMessage().replaceFirst("^'.*': ", "");
      throw new IllegalArgumentException('"' + text + "\" is not a domain name: " + why, e);
    }
  }

  public boolean usesSystemResolvers() {
    return resolvers.isEmpty();
  }
}
