package io.headroom.transport;

import io.headroom.metrics.Metrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.util.concurrent.CompletionStage;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.MilterHandler;
import org.nightcode.milter.codec.MilterPacket;
import org.nightcode.milter.command.CommandEngine;
import org.nightcode.milter.net.MilterPacketSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One milter connection's end of the pipeline: creates the {@link Session}, checks each packet
 * against the {@link ProtocolState}, hands it to jmilter's command engine, and turns every way a
 * connection can go wrong into one log line, one count of {@code
 * headroom_milter_protocol_errors_total{reason}} and a closed connection (jmilter's own handler
 * logs a stack trace for each, and its command engine logs the packet, message content included).
 */
final class SessionChannelHandler extends SimpleChannelInboundHandler<MilterPacket> {
  private static final Logger log = LoggerFactory.getLogger(SessionChannelHandler.class);

  private final MilterHandler handler;
  private final Metrics metrics;
  private final LogLimiter logLimiter;
  private final ProtocolState state = new ProtocolState();
  private TransportSession session;
  private Connection connection;

  /**
   * Set once the connection is being closed for an error: later trouble is a consequence, not news.
   */
  private boolean failed;

  SessionChannelHandler(MilterHandler handler, Metrics metrics, LogLimiter logLimiter) {
    this.handler = handler;
    this.metrics = metrics;
    this.logLimiter = logLimiter;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    metrics.sessionOpened();
    connection = new Connection(ctx);
    session = (TransportSession) handler.createContext(connection);
    super.channelActive(ctx);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, MilterPacket packet) {
    if (failed) {
      return;
    }
    MilterPacket admitted;
    try {
      admitted = state.admit(packet);
    } catch (ProtocolViolation v) {
      fail(ctx, v.error(), v.getMessage());
      return;
    }
    if (admitted.command() == CommandCode.SMFIC_CONNECT.code()) {
      session.clientAddress(ClientAddress.parse(admitted.payload()));
    } else if (admitted.command() == CommandCode.SMFIC_HEADER.code()) {
      admitted = HeaderBytes.preserved(admitted);
    }
    CommandEngine.instance().submit(session, admitted);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    metrics.sessionClosed();
    failed = true;
    handler.closeSession(session);
    super.channelInactive(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      PacketFrameDecoder decoder = ctx.pipeline().get(PacketFrameDecoder.class);
      int pending = decoder == null ? 0 : decoder.pending();
      fail(
          ctx,
          ProtocolError.IDLE_TIMEOUT,
          pending > 0
              ? "silent mid-packet (" + pending + " bytes of a packet received)"
              : "idle between commands");
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  /**
   * A peer that does not read its replies fills the socket, then Netty's outbound buffer (direct
   * memory). Past its high-water mark (64 KiB), nothing more is read from that peer, so nothing
   * more is answered, until it has read; idle_timeout ends a peer that never does.
   */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (ctx.channel().isWritable()) {
      connection.resume();
    } else {
      connection.pause();
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable c =
        cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    if (c instanceof ProtocolViolation v) {
      fail(ctx, v.error(), v.getMessage());
    } else if (c instanceof IOException) {
      // The peer reset or broke the connection: its business, not a protocol error.
      if (!failed) {
        logLimiter.info(
            log,
            "connection_lost",
            "session {}: connection from {} lost: {}",
            id(),
            ctx.channel().remoteAddress(),
            c.getMessage());
      }
      failed = true;
      ctx.close();
    } else {
      // Not the peer's fault: a bug on our side. The stack trace is the news here.
      if (!failed) {
        log.error(
            "session {}: closing connection from {}: internal error",
            id(),
            ctx.channel().remoteAddress(),
            c);
        metrics.protocolError(ProtocolError.INTERNAL_ERROR.label());
      }
      failed = true;
      ctx.close();
    }
  }

  private void fail(ChannelHandlerContext ctx, ProtocolError error, String detail) {
    if (failed) {
      return;
    }
    failed = true;
    metrics.protocolError(error.label());
    logLimiter.warn(
        log,
        error.label(),
        "session {}: closing connection from {}: {}: {}",
        id(),
        ctx.channel().remoteAddress(),
        error.label(),
        detail);
    ctx.close();
  }

  private String id() {
    return session == null ? "-" : session.logId();
  }

  /** jmilter's way to answer Postfix, and ours to stop reading from it for a while. */
  private final class Connection implements MilterPacketSender, InboundHold {
    private final ChannelHandlerContext ctx;

    /**
     * Stages not yet complete, and a full outbound buffer, that reading waits for; on the event
     * loop only.
     */
    private int holds;

    Connection(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void send(MilterPacket packet) {
      ctx.writeAndFlush(packet);
    }

    /**
     * jmilter closes a session after QUIT, when the channel is gone, and when one of its command
     * processors gives up on a packet (handler.abortSession): only the last is an error.
     */
    @Override
    public void close() {
      if (ctx.channel().isActive() && !state.quitting()) {
        fail(ctx, ProtocolError.REJECTED_BY_ENGINE, "jmilter's command engine aborted the session");
      } else if (ctx.channel().isOpen()) {
        // Not again once closed: Netty would answer with a ClosedChannelException.
        ctx.close();
      }
    }

    /** Called on the event loop, while a command is handled. */
    @Override
    public void until(CompletionStage<?> stage) {
      if (stage.toCompletableFuture().isDone()) {
        return;
      }
      pause();
      stage.whenComplete((ignored, failure) -> ctx.executor().execute(this::resume));
    }

    /** Stops reading; on the event loop. */
    void pause() {
      if (holds++ == 0) {
        ctx.channel().config().setAutoRead(false);
      }
    }

    /** Reads again once every pause has been resumed; on the event loop. */
    void resume() {
      if (--holds == 0) {
        ctx.channel().config().setAutoRead(true);
      }
    }
  }
}
