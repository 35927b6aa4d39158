package io.headroom.probe;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.xbill.DNS.Name;

/**
 * Sends one DNS query and completes with the response code: the seam between DnsProbe and the
 * network.
 */
@FunctionalInterface
interface DnsClient {
  CompletionStage<Integer> query(InetSocketAddress resolver, Name name, int type, Duration timeout);
}
