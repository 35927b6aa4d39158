package io.headroom.scan;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.headroom.config.ScannerEndpoint;
import io.headroom.transport.SessionLoop;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.Closeable;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * One connection to clamd in IDSESSION mode (clamd(8), "IDSESSION, END"): many INSTREAM commands,
 * one after the other, over the same socket, each answer prefixed with the command's number in the
 * session ({@code 2: stream: OK}). It saves clamd an accept and a hand-off to a thread per message,
 * and us a connect. We send the next command only after reading the previous answer, which is what
 * clamd requires of a session client.
 *
 * <p>The connection is a Netty channel on the event loop of the milter session that uses it: the
 * message goes out and the answer comes back on that thread, with no hand-off to another. Against
 * the I/O thread per message it replaced, the scanning daemon's CPU per message at a fixed load was
 * 0.75 (paired rounds, 12 of 12 lower). Everything but {@link #open} and {@link #close()} is called
 * on that loop.
 */
final class ClamdSession implements Closeable {

  private static final byte[] IDSESSION = "zIDSESSION\0".getBytes(US_ASCII);
  private static final byte[] END = "zEND\0".getBytes(US_ASCII);
  private static final int MAX_REPLY = 1024;

  private final ScannerEndpoint endpoint;
  private final Channel channel;
  private final Answers answers;
  private int commands;
  private long idleSinceNanos;

  private ClamdSession(ScannerEndpoint endpoint, Channel channel, Answers answers) {
    this.endpoint = endpoint;
    this.channel = channel;
    this.answers = answers;
  }

  /**
   * Connects to {@code endpoint} on {@code loop} and starts a session, blocking until connected;
   * the connection belongs to {@code link}, so closing it aborts the connect. Not on the event
   * loop.
   */
  static ClamdSession open(
      ScannerEndpoint endpoint, Link link, EventLoop loop, SessionLoop transport)
      throws IOException {
    SocketAddress address =
        endpoint.isUnix()
            ? new DomainSocketAddress(endpoint.unix().toFile())
            : BackendPool.resolve(endpoint);
    Answers answers = new Answers();
    Bootstrap b =
        new Bootstrap()
            .group(loop)
            .channel(transport.clientChannel(endpoint.isUnix()))
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) BackendPool.CONNECT_TIMEOUT.toMillis())
            // Netty closes a channel whose write fails, dropping what clamd sent before it reset
            // the connection: the answer that says why (StreamMaxLength). The read that follows
            // delivers the answer, then the reset, which closes the channel.
            .option(ChannelOption.AUTO_CLOSE, false)
            .handler(answers);
    if (!endpoint.isUnix()) {
      b.option(ChannelOption.TCP_NODELAY, true);
    }
    ChannelFuture connected = b.connect(address);
    ClamdSession session = new ClamdSession(endpoint, connected.channel(), answers);
    link.attach(session);
    connected.awaitUninterruptibly();
    if (!connected.isSuccess()) {
      throw connected.cause() instanceof IOException e
          ? e
          : new IOException(String.valueOf(connected.cause()), connected.cause());
    }
    // The session's first INSTREAM follows at once; clamd reads both in order.
    connected.channel().writeAndFlush(Unpooled.wrappedBuffer(IDSESSION));
    return session;
  }

  ScannerEndpoint endpoint() {
    return endpoint;
  }

  EventLoop loop() {
    return channel.eventLoop();
  }

  /**
   * Counts a command and prepares for its answer, before the command is written; returns the number
   * clamd will prefix that answer with.
   */
  int nextCommand() {
    answers.expect();
    return ++commands;
  }

  /** Whether a command has been sent on this connection before. */
  boolean reused() {
    return commands > 0;
  }

  int commands() {
    return commands;
  }

  void idleSince(long nanos) {
    idleSinceNanos = nanos;
  }

  long idleSince() {
    return idleSinceNanos;
  }

  /**
   * Whether clamd still holds its end. The event loop notices at once when clamd closes a session
   * (its ReadTimeout, a restart), or says something unasked, which also ends the session.
   */
  boolean alive() {
    return channel.isActive();
  }

  /** Writes {@code bytes}; completes when they are in the socket. */
  CompletableFuture<Void> write(ByteBuf bytes) {
    CompletableFuture<Void> written = new CompletableFuture<>();
    channel
        .writeAndFlush(bytes)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                written.complete(null);
              } else {
                written.completeExceptionally(f.cause());
              }
            });
    return written;
  }

  /**
   * The answer to the current command, without its NUL: completes when clamd has sent it, which may
   * be before the command is fully written (clamd answers at once when a stream passes its
   * StreamMaxLength); fails when the connection ends first, or had ended before the command began.
   */
  CompletableFuture<String> answer() {
    return answers.current;
  }

  /** Ends the session politely (zEND) and closes the connection; never blocks. */
  void end() {
    channel.writeAndFlush(Unpooled.wrappedBuffer(END)).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void close() {
    channel.close();
  }

  /**
   * Reads clamd's NUL-terminated answers. One is expected after each command; anything else
   * (something unasked, an answer too long to be clamd's) ends the session.
   */
  private static final class Answers extends ChannelInboundHandlerAdapter {
    private final StringBuilder line = new StringBuilder();
    private CompletableFuture<String> current = CompletableFuture.completedFuture("");
    private boolean expected;

    /**
     * Set when the connection ends. clamd may close it before the first command begins (a new
     * connection is opened on the scan executor, its first command begun on the event loop), and
     * then no event is left to fail that command's answer.
     */
    private IOException ended;

    void expect() {
      current = ended == null ? new CompletableFuture<>() : CompletableFuture.failedFuture(ended);
      expected = true;
      line.setLength(0);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      try {
        while (in.isReadable()) {
          byte b = in.readByte();
          if (!expected || (b != 0 && line.length() >= MAX_REPLY)) {
            fail(ctx, new IOException("clamd sent more than an answer"));
            return;
          }
          if (b == 0) {
            expected = false;
            current.complete(line.toString().strip());
          } else {
            line.append((char) (b & 0xff));
          }
        }
      } finally {
        in.release();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      ended = new IOException("clamd closed the connection without an answer");
      current.completeExceptionally(ended);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(ctx, cause);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
      current.completeExceptionally(cause);
      ctx.close();
    }
  }
}
