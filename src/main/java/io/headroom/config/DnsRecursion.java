package io.headroom.config;

import java.time.Duration;
import java.util.List;

/**
 * The {@code dns_recursion} check: questions no cache can answer, asked of the {@code
 * dns_resolvers} at most once per {@code interval} while they are answered.
 *
 * @param names the questions, each normally {@code *.NAME} (a fresh random label per query)
 * @param interval the least time between two uncached queries to one resolver while it answers
 */
public record DnsRecursion(List<DnsQuestion> names, Duration interval) {
  /**
   * Unsigned (as far as we know) and served by the root servers themselves, the most widely
   * reachable servers there are: a resolver that cannot reach them cannot resolve an uncached TLD
   * either. Not {@code *.}: a random TLD is answered from a local root copy (RFC 8806) or from the
   * root's cached NSEC records (RFC 8198) without leaving the host. See README for the caveat.
   */
  static final String DEFAULT_NAMES = "*.root-servers.net";

  public DnsRecursion {
    names = List.copyOf(names);
  }

  static DnsRecursion load(Settings s) {
    List<DnsQuestion> names = s.list("dns_recursion_names", DEFAULT_NAMES, DnsQuestion::parse);
    if (names.isEmpty() && s.isValid("dns_recursion_names")) {
      s.problem(
          "dns_recursion_names",
          "needs at least one value (set dns_recursion_mode = off to stop the check)");
      names = List.of(DnsQuestion.parse(DEFAULT_NAMES));
    }
    return new DnsRecursion(
        names, s.value("dns_recursion_interval", "30s", Values.positiveDuration("1h")));
  }
}
