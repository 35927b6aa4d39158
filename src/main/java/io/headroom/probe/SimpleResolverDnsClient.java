package io.headroom.probe;

import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;

/**
 * One UDP query per call through dnsjava's {@link SimpleResolver}, which keeps no cache (unlike
 * {@code Lookup}): every probe asks the resolver itself.
 */
final class SimpleResolverDnsClient implements DnsClient {

  @Override
  public CompletionStage<Integer> query(
      InetSocketAddress resolver, Name name, int type, Duration timeout) {
    InetSocketAddress address = resolver;
    if (address.isUnresolved()) {
      // The config keeps hosts as written; a literal address resolves here without any lookup.
      address = new InetSocketAddress(resolver.getHostString(), resolver.getPort());
      if (address.isUnresolved()) {
        return CompletableFuture.failedFuture(new UnknownHostException(resolver.getHostString()));
      }
    }
    SimpleResolver simple = new SimpleResolver(address);
    simple.setTimeout(timeout);
    // A truncated answer proves the resolver works as well as a whole one; retrying over TCP would
    // only add a round trip.
    simple.setIgnoreTruncation(true);
    Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
    // Completed on dnsjava's selector thread: its default executor is the common pool, which on a
    // 2-core machine (parallelism 1) starts a new thread for every answer.
    return simple.sendAsync(query, Runnable::run).thenApply(response -> response.getRcode());
  }
}
