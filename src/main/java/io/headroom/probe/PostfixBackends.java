package io.headroom.probe;

import io.headroom.config.LookupTable;
import io.headroom.config.PolicyService;
import java.util.List;

/**
 * The network lookup tables and policy services smtpd consults while it decides on MAIL and RCPT,
 * in the order they were found.
 */
public record PostfixBackends(List<LookupTable> tables, List<PolicyService> policyServices) {
  public PostfixBackends {
    tables = List.copyOf(tables);
    policyServices = List.copyOf(policyServices);
  }
}
