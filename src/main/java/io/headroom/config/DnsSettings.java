package io.headroom.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Where and what the DNS probe asks. An empty resolver list means the system's (resolv.conf).
 */
public record DnsSettings(List<InetSocketAddress> resolvers, List<String> probeNames, Duration timeout) {
  public DnsSettings {
    resolvers = List.copyOf(resolvers);
    probeNames = List.copyOf(probeNames);
  }

  public boolean usesSystemResolvers() {
    return resolvers.isEmpty();
  }
}
