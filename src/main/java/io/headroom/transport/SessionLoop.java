package io.headroom.transport;

import io.headroom.util.DaemonThreads;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The event-loop thread that serves every milter session, and the scanner connections those
 * sessions open: a scan's answer then reaches its session without a hand-off between threads.
 * Netty's native epoll transport where the platform has it, else NIO, which has no unix sockets.
 *
 * <p>One thread: a session's work per packet is a few microseconds and never blocks, so more
 * threads only add sleeps and wake-ups. Measured under 20 parallel Postfix sessions, the milter's
 * CPU per message fell by about a quarter against Netty's default of two threads per core.
 */
public final class SessionLoop implements AutoCloseable {

  private final boolean epoll;
  private final EventLoopGroup group;

  private SessionLoop(boolean epoll, EventLoopGroup group) {
    this.epoll = epoll;
    this.group = group;
  }

  public static SessionLoop start() {
    DaemonThreads threads = new DaemonThreads("headroom-loop");
    return Epoll.isAvailable()
        ? new SessionLoop(true, new EpollEventLoopGroup(1, threads))
        : new SessionLoop(false, new NioEventLoopGroup(1, threads));
  }

  public EventLoopGroup group() {
    return group;
  }

  /**
   * The loop the calling thread runs, so that a scan begun by a session stays on that session's
   * thread; any loop when called from elsewhere (tests).
   */
  public EventLoop current() {
    for (EventExecutor e : group) {
      if (e.inEventLoop()) {
        return (EventLoop) e;
      }
    }
    return group.next();
  }

  Class<? extends ServerChannel> serverChannel(boolean unix) {
    requireUnixSupport(unix);
    if (unix) {
      return EpollServerDomainSocketChannel.class;
    }
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** The channel class for connecting out, to a unix socket or over TCP. */
  public Class<? extends Channel> clientChannel(boolean unix) {
    requireUnixSupport(unix);
    if (unix) {
      return EpollDomainSocketChannel.class;
    }
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private void requireUnixSupport(boolean unix) {
    if (unix && !epoll) {
      throw new IllegalStateException(
          "unix sockets need Netty's native epoll transport: " + Epoll.unavailabilityCause());
    }
  }
}
