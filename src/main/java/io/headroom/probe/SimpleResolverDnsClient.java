package io.headroom.probe;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;

/**
 * One UDP query per call through dnsjava's {@link SimpleResolver}, which keeps no cache (unlike
 * {@code Lookup}): every probe asks the resolver itself.
 */
final class SimpleResolverDnsClient implements DnsClient {

  /** What a truncated UDP answer (TC bit) counts as. */
  enum Truncation {
    /** An answer: the resolver works, whatever happens to the rest over TCP. */
    ACCEPT,
    /**
     * Asked again over TCP, as Postfix's and the milters' resolvers do for the large TXT answers of
     * SPF and DKIM: a path that blocks TCP/53 breaks exactly those lookups, so a failed TCP retry
     * counts as failing.
     */
    RETRY_OVER_TCP
  }

  private final Truncation truncation;

  SimpleResolverDnsClient(Truncation truncation) {
    this.truncation = truncation;
  }

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
    Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
    // dnsjava would retry over TCP by itself, but then a TCP failure could not be told from a UDP
    // one; the retry is ours so its failure gets its own name.
    SimpleResolver udp = resolver(address, timeout, false);
    SimpleResolver tcp = resolver(address, timeout, true);
    // Completed on dnsjava's selector thread: its default executor is the common pool, which on a
    // 2-core machine (parallelism 1) starts a new thread for every answer.
    return udp.sendAsync(query, Runnable::run)
        .thenCompose(
            response -> {
              if (truncation == Truncation.RETRY_OVER_TCP
                  && response.getHeader().getFlag(Flags.TC)) {
                return tcp.sendAsync(query, Runnable::run)
                    .exceptionally(
                        e -> {
                          throw new CompletionException(new TcpRetryFailedException(unwrap(e)));
                        });
              }
              return CompletableFuture.completedFuture(response);
            })
        .thenApply(Message::getRcode);
  }

  private static SimpleResolver resolver(InetSocketAddress address, Duration timeout, boolean tcp) {
    SimpleResolver simple = new SimpleResolver(address);
    simple.setTimeout(timeout);
    simple.setIgnoreTruncation(true);
    simple.setTCP(tcp);
    return simple;
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  /** The UDP answer was truncated and asking again over TCP failed. */
  static final class TcpRetryFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    TcpRetryFailedException(Throwable cause) {
      super("truncated over UDP, TCP retry failed: " + cause, cause);
    }
  }
}
