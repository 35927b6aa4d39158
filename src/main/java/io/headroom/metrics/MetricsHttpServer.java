package io.headroom.metrics;

import io.headroom.health.HealthSnapshot;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code /metrics} (Prometheus text or OpenMetrics, gzip on request) and {@code /health} (JSON, 503
 * while mail is deferred) over HTTP/1.1.
 *
 * <p>Netty on one event-loop thread of its own (never the milter's): a client that sends half a
 * request holds a socket and a few bytes, not a thread, and {@link RequestDeadline} closes it.
 */
public final class MetricsHttpServer implements AutoCloseable {
  /** Connecting, sending the request and reading the response must all fit in this. */
  static final Duration REQUEST_DEADLINE = Duration.ofSeconds(10);

  /** Connections without a complete request beyond this many close the oldest of them. */
  static final int MAX_WAITING = 64;

  static final int MAX_REQUEST_LINE = 4096;
  static final int MAX_HEADER_BYTES = 8192;

  private final EventLoopGroup group;
  private final Channel channel;

  private MetricsHttpServer(EventLoopGroup group, Channel channel) {
    this.group = group;
    this.channel = channel;
  }

  public static MetricsHttpServer start(
      InetSocketAddress address, MicrometerMetrics metrics, Supplier<HealthSnapshot> health)
      throws IOException {
    return start(address, new MetricsRoutes(metrics::scrape, health), REQUEST_DEADLINE);
  }

  static MetricsHttpServer start(InetSocketAddress address, MetricsRoutes routes, Duration deadline)
      throws IOException {
    EventLoopGroup group =
        new NioEventLoopGroup(1, new DefaultThreadFactory("headroom-http", true));
    // One event loop serves the listener and every connection, so WaitingConnections needs no lock.
    WaitingConnections waiting = new WaitingConnections(MAX_WAITING);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(
                            new HttpServerCodec(
                                MAX_REQUEST_LINE, MAX_HEADER_BYTES, MAX_HEADER_BYTES),
                            new RequestDeadline(deadline, waiting),
                            new HttpServerKeepAliveHandler(),
                            new HttpContentCompressor(0, StandardCompressionOptions.gzip()),
                            routes);
                  }
                });
    // The config keeps the address as written; resolve it now, as the bind needs.
    InetSocketAddress resolved = new InetSocketAddress(address.getHostString(), address.getPort());
    if (resolved.isUnresolved()) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw new IOException(cannotListen(address) + "host not found");
    }
    ChannelFuture bound = bootstrap.bind(resolved).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw new IOException(cannotListen(address) + bound.cause().getMessage(), bound.cause());
    }
    return new MetricsHttpServer(group, bound.channel());
  }

  private static String cannotListen(InetSocketAddress address) {
    return "cannot listen on "
        + address.getHostString()
        + ":"
        + address.getPort()
        + " for metrics: ";
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
