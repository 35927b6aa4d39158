package io.headroom.config;

import java.net.InetAddress;
import java.util.List;

/** Clients that are never deferred by the health gate. */
public record BypassRules(List<CidrBlock> networks, boolean authenticated) {
  public BypassRules {
    networks = List.copyOf(networks);
  }

  public boolean covers(InetAddress client, boolean isAuthenticated) {
    if (authenticated && isAuthenticated) {
      return true;
    }
    return client != null && networks.stream().anyMatch(n -> n.contains(client));
  }
}
