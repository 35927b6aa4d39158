package io.headroom.probe;

import io.headroom.config.LookupTable;
import io.headroom.config.PolicyService;
import java.util.List;

/**
 * The network lookup tables and policy services smtpd consults while it decides on MAIL and RCPT,
 * in the order they were found.
 *
 * @param unreadablePolicies each {@code check_policy_service} whose endpoint names no service this
 *     daemon can connect to, and why: "check_policy_service X in LIST is not probed: WHY"
 */
public record PostfixBackends(
    List<LookupTable> tables, List<PolicyService> policyServices, List<String> unreadablePolicies) {
  public PostfixBackends {
    tables = List.copyOf(tables);
    policyServices = List.copyOf(policyServices);
    unreadablePolicies = List.copyOf(unreadablePolicies);
  }
}
