package io.headroom.scan;

import io.headroom.config.ScanSettings;
import io.headroom.config.ScannerEndpoint;
import io.headroom.config.ScannerEndpoint.Kind;
import io.headroom.metrics.Metrics;
import io.headroom.transport.SessionLoop;
import io.headroom.util.DaemonThreads;
import io.netty.channel.EventLoop;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Content scanning for the milter: one {@link MessageScan} per message, against one pool of
 * backends per configured scanner kind. A message's clamd session and its deadline live on the
 * event loop of the milter session that begins the scan; what blocks (opening connections, spamd's
 * exchange) runs on a bounded executor owned here, never on the event loop. The deadline closes the
 * scanner connections of a message that is not done in time.
 *
 * <p>A blocked step holds one I/O thread until its message's deadline at the latest, so with every
 * thread held by hung scanners new work waits in the queue, and those messages get their deadline
 * verdict from the event loop all the same. Each scanner kind has its own threads: a spamd that
 * takes connections and never answers must not queue clamd's connections behind it, or clamd would
 * be the scanner named "unreachable" in the reply.
 */
public final class ScanService implements AutoCloseable {

  /** Messages up to this size are kept in memory for spamd; larger ones go to a spool file. */
  public static final int SPAMD_MEMORY_LIMIT = 1 << 20;

  public static final int DEFAULT_IO_THREADS = 64;

  private final ScanSettings settings;
  private final Metrics metrics;
  private final Path spoolDirectory;
  private final Map<Kind, BackendPool> pools = new LinkedHashMap<>();
  private final Map<BackendPool, ClamdSessions> clamdSessions = new LinkedHashMap<>();
  private final SessionLoop loop;
  private final Map<Kind, ThreadPoolExecutor> io = new EnumMap<>(Kind.class);
  private volatile boolean closed;

  /**
   * @param spoolDirectory where spamd's copy of a message larger than {@link #SPAMD_MEMORY_LIMIT}
   *     is kept while it arrives (the file is unlinked at once, see {@link Spool})
   * @param ioThreads the blocking I/O threads of each scanner kind
   * @param declaredDown whether the health check of a scanner kind currently declares all its
   *     backends down: a scan then stops retrying refused connections and fails at once
   * @param loop the milter sessions' event loop, which clamd sessions and deadlines share
   */
  public ScanService(
      ScanSettings settings,
      Metrics metrics,
      Path spoolDirectory,
      int ioThreads,
      Predicate<Kind> declaredDown,
      SessionLoop loop) {
    this.settings = settings;
    this.loop = loop;
    this.metrics = metrics;
    this.spoolDirectory = spoolDirectory;
    Map<Kind, List<ScannerEndpoint>> byKind = new LinkedHashMap<>();
    for (ScannerEndpoint e : settings.scanners()) {
      byKind.computeIfAbsent(e.kind(), k -> new ArrayList<>()).add(e);
    }
    byKind.forEach(
        (kind, endpoints) ->
            pools.put(kind, new BackendPool(kind, endpoints, () -> declaredDown.test(kind))));
    pools.values().stream()
        .filter(p -> p.kind() == Kind.CLAMD)
        .forEach(p -> clamdSessions.put(p, new ClamdSessions(p, loop)));
    for (Kind kind : pools.keySet()) {
      ThreadPoolExecutor threads =
          new ThreadPoolExecutor(
              ioThreads,
              ioThreads,
              30,
              TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(),
              new DaemonThreads("scan-io-" + kind.label()));
      threads.allowCoreThreadTimeOut(true);
      io.put(kind, threads);
    }
  }

  /**
   * Starts scanning one message: starts the deadline clock. Call it when the message content starts
   * (the first header), since the deadline covers everything from here. Call it on the milter
   * session's event loop: the scan's connections and deadline are kept there.
   *
   * @param logId the queue or session id, for log lines
   * @throws IllegalStateException once the service is closed
   */
  public MessageScan begin(String logId) {
    if (closed) {
      throw new IllegalStateException("the scan service is closed");
    }
    long start = System.nanoTime();
    EventLoop sessionLoop = loop.current();
    List<Lane> lanes = new ArrayList<>();
    pools.forEach(
        (kind, pool) ->
            lanes.add(new Lane(kind, conversation(pool, sessionLoop), metrics, start, logId)));
    MessageScan scan = new MessageScan(settings, lanes, sessionLoop, start);
    scan.start();
    return scan;
  }

  /**
   * Refuses new scans, stops the I/O threads and ends the idle clamd sessions; call it after the
   * milter has drained. A scan still waiting on blocking I/O then ends with an {@link
   * ScanResult#ERROR} verdict (the I/O is interrupted), never with acceptance; one on the event
   * loop ends with its answer or its deadline.
   */
  @Override
  public void close() {
    closed = true;
    io.values().forEach(ThreadPoolExecutor::shutdownNow);
    clamdSessions.values().forEach(ClamdSessions::close);
  }

  private Conversation conversation(BackendPool pool, EventLoop sessionLoop) {
    ThreadPoolExecutor threads = io.get(pool.kind());
    return switch (pool.kind()) {
      case CLAMD -> new ClamdConversation(clamdSessions.get(pool), sessionLoop, threads);
      case SPAMD ->
          new ExecutorConversation(
              new SpamdConversation(pool, spoolDirectory, SPAMD_MEMORY_LIMIT), threads);
    };
  }
}
