package io.headroom.transport;

import io.headroom.config.ListenAddress;
import io.headroom.config.SessionLimits;
import io.headroom.metrics.Metrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.nightcode.milter.MilterHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The milter socket. jmilter's own server has no bound on a packet's length, no read timeout and no
 * limit on connections, so the pipeline is built here around jmilter's command engine: bounded
 * framing within one {@link MemoryBudget} ({@link PacketFrameDecoder}), deadlines for negotiation,
 * for each packet and for silence, protocol order and macro bounds ({@link ProtocolState}), and
 * max_sessions ({@link SessionLimiter}, {@link BusySession}).
 */
public final class MilterServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MilterServer.class);

  /**
   * Connections over max_sessions answered busy at once. Each costs little (packets of at most
   * {@link PacketFrameDecoder#MAX_BUSY_PACKET}), but without a cap a flood of them costs without
   * limit; beyond it a new one is closed unanswered, and Postfix applies milter_default_action.
   */
  static final int MAX_BUSY = 100;

  private final Channel channel;
  private final ChannelGroup sessions;
  private final Optional<UnixSocketFile> socketFile;
  private final LoopBeat beat;
  private final ScheduledFuture<?> beating;

  private MilterServer(
      Channel channel,
      ChannelGroup sessions,
      Optional<UnixSocketFile> socketFile,
      LoopBeat beat,
      ScheduledFuture<?> beating) {
    this.channel = channel;
    this.sessions = sessions;
    this.socketFile = socketFile;
    this.beat = beat;
    this.beating = beating;
  }

  /**
   * Binds and starts serving; fails at once when the address cannot be bound.
   *
   * @param handlers the handler for each new connection: a reload swaps what it returns
   * @param limits the session limits for each new connection: a reload swaps them too
   * @param budget what partial packets of all connections together may hold; share it with the scan
   *     path so that both draw on one bound
   * @param loop serves the sessions; the caller closes it after this server
   * @throws IOException naming {@code listen} and what the system said, for the daemon's one
   *     "cannot start" line
   */
  public static MilterServer start(
      ListenAddress listen,
      Supplier<MilterHandler> handlers,
      Supplier<SessionLimits> limits,
      Metrics metrics,
      MemoryBudget budget,
      SessionLoop loop)
      throws IOException, InterruptedException {
    JmilterLog.install();
    boolean unixListen = listen instanceof ListenAddress.Unix;
    ServerBootstrap b =
        new ServerBootstrap().group(loop.group()).channel(loop.serverChannel(unixListen));
    Optional<UnixSocketFile> socketFile = Optional.empty();
    if (listen instanceof ListenAddress.Unix unix) {
      SessionLimits l = limits.get();
      socketFile = Optional.of(new UnixSocketFile(unix.path(), l.socketMode(), l.socketGroup()));
      socketFile.get().clearStale();
    }
    ChannelGroup sessions = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    SessionLimiter limiter = new SessionLimiter(() -> limits.get().maxSessions());
    SharedBounds bounds = new SharedBounds(budget, new LogLimiter());
    AtomicInteger busy = new AtomicInteger();
    SocketAddress address;
    if (listen instanceof ListenAddress.Unix unix) {
      address = new DomainSocketAddress(socketFile.get().bindPath().toFile());
    } else {
      InetSocketAddress inet = ((ListenAddress.Inet) listen).address();
      b.option(ChannelOption.SO_REUSEADDR, true).childOption(ChannelOption.TCP_NODELAY, true);
      address = new InetSocketAddress(inet.getHostString(), inet.getPort());
    }
    b.option(ChannelOption.SO_BACKLOG, 1024)
        .childHandler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                sessions.add(ch);
                SessionLimits current = limits.get();
                if (limiter.tryAcquire()) {
                  ch.closeFuture().addListener(f -> limiter.release());
                  configure(ch, handlers.get(), current, metrics, bounds);
                } else if (busy.incrementAndGet() <= MAX_BUSY) {
                  ch.closeFuture().addListener(f -> busy.decrementAndGet());
                  metrics.sessionRefused();
                  bounds
                      .logLimiter()
                      .warn(
                          log,
                          "busy",
                          "busy: {} sessions in progress (max_sessions = {}), answered a new session 451 4.3.0",
                          limiter.active(),
                          limiter.max());
                  configureBusy(ch, current, bounds);
                } else {
                  busy.decrementAndGet();
                  metrics.sessionDropped();
                  bounds
                      .logLimiter()
                      .warn(
                          log,
                          "busy_overflow",
                          "closed connection from {} unanswered: {} connections already answered busy",
                          ch.remoteAddress(),
                          MAX_BUSY);
                  ch.close();
                }
              }
            });
    try {
      ChannelFuture bound = b.bind(address).await();
      if (!bound.isSuccess()) {
        throw new IOException(
            "cannot listen on " + listen + " for the milter: " + reason(bound.cause()),
            bound.cause());
      }
      Channel channel = bound.channel();
      socketFile.ifPresent(UnixSocketFile::publish);
      LoopBeat beat = new LoopBeat(bounds.logLimiter());
      ScheduledFuture<?> beating =
          loop.group()
              .scheduleAtFixedRate(beat, 0, LoopBeat.INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
      return new MilterServer(channel, sessions, socketFile, beat, beating);
    } catch (IOException | InterruptedException | RuntimeException e) {
      socketFile.ifPresent(UnixSocketFile::remove);
      throw e;
    }
  }

  /**
   * The system's words without the native transport's prefix ("bind(..) failed with error(-98): ").
   */
  private static String reason(Throwable cause) {
    String message = String.valueOf(cause.getMessage());
    return message.replaceFirst("^\\w+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: ", "");
  }

  /** One milter connection's pipeline, outside a server (tests, the fuzzer). */
  public static void configure(
      Channel ch, MilterHandler handler, SessionLimits limits, Metrics metrics) {
    configure(ch, handler, limits, metrics, SharedBounds.standalone());
  }

  /** A connection over max_sessions, outside a server (tests, the fuzzer). */
  public static void configureBusy(Channel ch, SessionLimits limits) {
    configureBusy(ch, limits, SharedBounds.standalone());
  }

  /** One milter connection's pipeline: bounded framing into packets, deadlines, the session. */
  static void configure(
      Channel ch,
      MilterHandler handler,
      SessionLimits limits,
      Metrics metrics,
      SharedBounds bounds) {
    JmilterLog.install();
    framing(ch, limits, PacketFrameDecoder.MAX_PACKET, bounds)
        .addLast("session", new SessionChannelHandler(handler, metrics, bounds.logLimiter()));
  }

  /**
   * A connection over max_sessions: the same framing with smaller packets, then only the busy
   * answer.
   */
  static void configureBusy(Channel ch, SessionLimits limits, SharedBounds bounds) {
    framing(ch, limits, PacketFrameDecoder.MAX_BUSY_PACKET, bounds)
        .addLast("busy", new BusySession(limits.maxSessions()));
  }

  private static ChannelPipeline framing(
      Channel ch, SessionLimits limits, int maxPacket, SharedBounds bounds) {
    // All-idle: no byte either way for idle_timeout, whether between commands or mid-packet.
    return ch.pipeline()
        .addLast("quickAck", QuickAck.INSTANCE)
        .addLast(
            "idle",
            new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
        .addLast("packetDecoder", new PacketFrameDecoder(maxPacket, bounds.budget()))
        .addLast("packetEncoder", PacketEncoder.INSTANCE)
        .addLast("negotiationDeadline", new NegotiationDeadline());
  }

  /**
   * How much later than due the event loop's last beat is: zero while it keeps time. For /health
   * and the systemd watchdog: a loop stalled for more than a second or two serves no one.
   */
  public Duration loopStalledFor() {
    return beat.stalledFor();
  }

  /** Where Postfix connects: for a unix socket its path, not the private one it was bound at. */
  public SocketAddress localAddress() {
    return socketFile
        .<SocketAddress>map(f -> new DomainSocketAddress(f.path().toFile()))
        .orElse(channel.localAddress());
  }

  /** Stops accepting new connections; sessions in flight go on. */
  public void stopAccepting() {
    channel.close().syncUninterruptibly();
  }

  public int activeSessions() {
    return sessions.size();
  }

  /**
   * Stops accepting, lets sessions in flight finish for up to {@code timeout}, then closes the
   * rest: Postfix answers those with milter_default_action, as for a milter that is down.
   */
  public void drain(Duration timeout) {
    stopAccepting();
    long end = System.nanoTime() + timeout.toNanos();
    while (!sessions.isEmpty() && System.nanoTime() < end) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    close();
  }

  @Override
  public void close() {
    sessions.close().syncUninterruptibly();
    stopAccepting();
    beating.cancel(false);
    socketFile.ifPresent(UnixSocketFile::remove);
  }

  /** The path of a unix listen socket, if that is what this server listens on. */
  public Optional<Path> socketPath() {
    return socketFile.map(UnixSocketFile::path);
  }
}
