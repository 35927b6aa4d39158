package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.DnsQuestion;
import io.headroom.config.DnsRecursion;
import io.headroom.config.DnsSettings;
import io.headroom.config.HostPort;
import io.headroom.config.Units;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Type;

/**
 * Asks every resolver every question ({@link DnsQuestion}: a name, a type, maybe a fresh random
 * label), all at once, and is healthy when at least one resolver answered all of them within {@code
 * dns_timeout}: that is what Postfix, which falls back through resolv.conf, needs. Any answer
 * counts, NXDOMAIN included; SERVFAIL, REFUSED, silence, a network error or a truncated answer
 * whose TCP retry failed do not.
 */
public final class DnsProbe implements Probe {
  private final Check check;
  private final String name;
  private final Supplier<List<InetSocketAddress>> resolvers;
  private final List<DnsQuestion> questions;
  private final Duration timeout;
  private final DnsClient client;
  private final RandomGenerator random;
  private final boolean retransmit;

  /** Queries the configured resolvers, or the system's (resolv.conf, re-read on each run). */
  public DnsProbe(DnsSettings settings) {
    this(
        Check.DNS,
        "dns",
        systemOrConfigured(settings),
        settings.probeNames(),
        settings.timeout(),
        client(settings),
        RandomGenerator.getDefault(),
        false);
  }

  DnsProbe(
      Check check,
      String name,
      Supplier<List<InetSocketAddress>> resolvers,
      List<DnsQuestion> questions,
      Duration timeout,
      DnsClient client,
      RandomGenerator random,
      boolean retransmit) {
    this.check = check;
    this.name = name;
    this.resolvers = resolvers;
    this.questions = List.copyOf(questions);
    this.timeout = timeout;
    this.client = client;
    this.random = random;
    this.retransmit = retransmit;
  }

  /**
   * The {@code dns_recursion} check: the same resolvers and deadline as the liveness probe, asking
   * {@code questions} (random-label names, whose answers no cache holds) at most once per {@code
   * minInterval} while they are answered. The liveness probe keeps the root NS set on every round:
   * it notices a dead resolver within seconds, at no cost to anyone.
   *
   * <p>A question not answered within half of {@code dns_timeout} is asked once more, with a fresh
   * label, as a stub resolver retransmits; it fails only when neither is answered. A failure is
   * then confirmed by two queries, and the monitor acts on it at once ({@link #confirmsItself()}):
   * the check defers within its interval plus {@code dns_timeout}, not a second timeout later, and
   * a healthy resolver still gets one uncached query per interval.
   */
  public static Probe recursion(DnsSettings settings, DnsRecursion recursion) {
    DnsProbe probe =
        new DnsProbe(
            Check.DNS_RECURSION,
            "dns_recursion",
            systemOrConfigured(settings),
            recursion.names(),
            settings.timeout(),
            client(settings),
            RandomGenerator.getDefault(),
            true);
    return MinIntervalProbe.reusingPasses(probe, recursion.interval());
  }

  private static DnsClient client(DnsSettings settings) {
    return new SimpleResolverDnsClient(
        settings.tcpRetry()
            ? SimpleResolverDnsClient.Truncation.RETRY_OVER_TCP
            : SimpleResolverDnsClient.Truncation.ACCEPT);
  }

  private static Supplier<List<InetSocketAddress>> systemOrConfigured(DnsSettings settings) {
    return settings.usesSystemResolvers()
        ? () -> new ResolverConfig().servers()
        : settings::resolvers;
  }

  @Override
  public Check check() {
    return check;
  }

  @Override
  public boolean confirmsItself() {
    return retransmit;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public ProbeResult run() throws InterruptedException {
    String limit = "answer within " + Units.formatDuration(timeout);
    List<InetSocketAddress> servers = resolvers.get();
    if (servers.isEmpty()) {
      return ProbeResult.fail(
          this,
          Double.NaN,
          "no resolver",
          limit,
          "failing",
          "no DNS resolver configured or found in resolv.conf",
          "no resolver configured");
    }
    // Sent together, so three dead resolvers cost one timeout, not three.
    List<Query> queries = new ArrayList<>();
    for (InetSocketAddress server : servers) {
      for (DnsQuestion question : questions) {
        queries.add(send(server, question));
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Outcome> outcomes = new ArrayList<>();
    for (Query q : queries) {
      outcomes.add(await(q, deadline));
    }
    return verdict(servers, outcomes, limit);
  }

  private ProbeResult verdict(
      List<InetSocketAddress> servers, List<Outcome> outcomes, String limit) {
    String detail = outcomes.stream().map(Outcome::toString).collect(Collectors.joining("; "));
    double slowest =
        outcomes.stream()
            .filter(Outcome::answered)
            .mapToDouble(Outcome::seconds)
            .max()
            .orElse(Double.NaN);
    boolean oneResolverAnsweredAll =
        servers.stream()
            .anyMatch(
                s -> outcomes.stream().filter(o -> o.server.equals(s)).allMatch(Outcome::answered));
    if (oneResolverAnsweredAll) {
      String measured = "answered in " + Units.formatSeconds(slowest);
      return ProbeResult.pass(this, slowest, measured, limit, detail);
    }
    // The first resolver is the one Postfix asks first: its failure is the one to name.
    String measured =
        outcomes.stream().filter(o -> !o.answered()).findFirst().orElseThrow().failure();
    return ProbeResult.fail(this, slowest, measured, limit, "failing", detail, measured);
  }

  private Query send(InetSocketAddress server, DnsQuestion question) {
    Name name = question.queryName(random);
    CompletableFuture<Outcome> first = ask(server, name, question.type(), timeout);
    if (!retransmit) {
      return new Query(server, name, question.type(), first);
    }
    // The first answer wins; silence after half the timeout sends the question again, with a
    // fresh label; a quick failure (SERVFAIL, REFUSED) stands as it is.
    CompletableFuture<Outcome> either = new CompletableFuture<>();
    first.thenAccept(
        o -> {
          if (o.answered()) {
            either.complete(o);
          }
        });
    Name again = question.queryName(random); // drawn here: the generator is not thread-safe
    Duration half = timeout.dividedBy(2);
    CompletableFuture.delayedExecutor(half.toNanos(), TimeUnit.NANOSECONDS)
        .execute(
            () -> {
              if (first.isDone()) {
                either.complete(first.join());
                return;
              }
              ask(server, again, question.type(), timeout.minus(half))
                  .thenAccept(o -> either.complete(o.answered() ? o : first.getNow(o)));
            });
    return new Query(server, name, question.type(), either);
  }

  /**
   * One query. A random-label question has a fresh label per query: no cache, ours or the
   * resolver's, holds it.
   */
  private CompletableFuture<Outcome> ask(
      InetSocketAddress server, Name name, int type, Duration within) {
    long start = System.nanoTime();
    try {
      return client
          .query(server, name, type, within)
          .toCompletableFuture()
          .handle((rcode, error) -> outcome(server, name, type, start, rcode, error));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(outcome(server, name, type, start, null, e));
    }
  }

  /**
   * Waits no later than the shared deadline. dnsjava's own timeout fires up to a second late, so
   * the probe keeps its own clock.
   */
  private Outcome await(Query q, long deadline) throws InterruptedException {
    long left = Math.max(0, deadline - System.nanoTime());
    try {
      return q.outcome().get(left, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return new Outcome(
          q.server(), q.name(), q.type(), timeout.toNanos() / 1e9, noAnswer(), "no answer");
    } catch (ExecutionException e) {
      // send() turns every failure into an Outcome; reaching this is a bug.
      throw new IllegalStateException(e.getCause());
    }
  }

  private Outcome outcome(
      InetSocketAddress server, Name name, int type, long start, Integer rcode, Throwable error) {
    double seconds = (System.nanoTime() - start) / 1e9;
    if (error != null) {
      Throwable cause = unwrap(error);
      return new Outcome(server, name, type, seconds, describe(cause), cause.toString());
    }
    boolean answered = rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN;
    String result = Rcode.string(rcode);
    return new Outcome(server, name, type, seconds, answered ? null : result, result);
  }

  private String describe(Throwable error) {
    if (error instanceof SimpleResolverDnsClient.TcpRetryFailedException) {
      return "truncated answer, TCP retry failed";
    }
    if (error instanceof SocketTimeoutException || error instanceof TimeoutException) {
      return noAnswer();
    }
    if (error instanceof PortUnreachableException) {
      return "resolver unreachable";
    }
    return "network error";
  }

  private String noAnswer() {
    return "no answer within " + Units.formatDuration(timeout);
  }

  private static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  /** A query in flight. */
  private record Query(
      InetSocketAddress server, Name name, int type, CompletableFuture<Outcome> outcome) {}

  /**
   * @param failure what a sender may read, null when the resolver answered
   * @param result what happened, for the log
   */
  private record Outcome(
      InetSocketAddress server,
      Name name,
      int type,
      double seconds,
      String failure,
      String result) {
    boolean answered() {
      return failure == null;
    }

    @Override
    public String toString() {
      return HostPort.format(server)
          + " "
          + name
          + "/"
          + Type.string(type)
          + ": "
          + result
          + " in "
          + Units.formatSeconds(seconds);
    }
  }
}
