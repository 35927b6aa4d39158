package io.headroom.config;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/** Clients that are never deferred by the health gate. */
public record BypassRules(List<CidrBlock> networks, boolean authenticated) {
  public BypassRules {
    networks = List.copyOf(networks);
  }

  /**
   * Needs the gate: SMTP AUTH is known only from MAIL on, so every stage in use must be that late.
   */
  static BypassRules load(Settings s, GatePolicy gate) {
    List<CidrBlock> networks = s.list("bypass_networks", "", CidrBlock::parse);
    for (CidrBlock block : networks) {
      if (block.hasHostBits()) {
        s.warning(
            "bypass_networks", "\"" + block + "\" has host bits set; it means " + block.masked());
      }
    }
    boolean authenticated = s.value("bypass_authenticated", "no", Values::yesNo);
    if (authenticated) {
      Arrays.stream(Check.values())
          .filter(c -> gate.mode(c) != Mode.OFF && gate.stage(c).compareTo(Stage.MAIL) < 0)
          .map(c -> s.isSet(GatePolicy.stageName(c)) ? GatePolicy.stageName(c) : "defer_stage")
          .distinct()
          .forEach(
              name ->
                  s.problem(
                      "bypass_authenticated",
                      "needs " + name + " mail, rcpt or data (SMTP AUTH happens after HELO)"));
    }
    return new BypassRules(networks, authenticated);
  }

  public boolean covers(InetAddress client, boolean isAuthenticated) {
    if (authenticated && isAuthenticated) {
      return true;
    }
    return client != null && networks.stream().anyMatch(n -> n.contains(client));
  }
}
