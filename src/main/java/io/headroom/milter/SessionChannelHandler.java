package io.headroom.milter;

import io.headroom.metrics.Metrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.MilterHandler;
import org.nightcode.milter.codec.MilterPacket;
import org.nightcode.milter.command.CommandEngine;
import org.nightcode.milter.net.MilterPacketSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One milter connection's end of the pipeline: creates the {@link Session}, hands each packet to
 * jmilter's command engine, and turns transport trouble into one log line and a closed connection
 * (jmilter's own handler logs a stack trace for each).
 */
final class SessionChannelHandler extends SimpleChannelInboundHandler<MilterPacket> {
  private static final Logger log = LoggerFactory.getLogger(SessionChannelHandler.class);

  private final MilterHandler handler;
  private final Metrics metrics;
  private Session session;

  SessionChannelHandler(MilterHandler handler, Metrics metrics) {
    this.handler = handler;
    this.metrics = metrics;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    metrics.sessionOpened();
    session = (Session) handler.createContext(sender(ctx));
    super.channelActive(ctx);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, MilterPacket packet) {
    MDC.put("session", session.logId());
    try {
      if (packet.command() == CommandCode.SMFIC_CONNECT.code()) {
        session.clientAddress(ClientAddress.parse(packet.payload()));
      }
      CommandEngine.instance().submit(session, packet);
    } finally {
      MDC.remove("session");
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    metrics.sessionClosed();
    handler.closeSession(session);
    super.channelInactive(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      log.info("session {}: closing connection from {}: idle too long", session.logId(), ctx.channel().remoteAddress());
      metrics.protocolError("idle_timeout");
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    String reason = cause instanceof TooLongFrameException ? "packet_too_long"
        : cause instanceof IOException ? "io_error" : "decode_error";
    if (!(cause instanceof IOException)) {
      metrics.protocolError(reason);
    }
    log.warn("session {}: closing connection from {}: {}: {}",
        session == null ? "-" : session.logId(), ctx.channel().remoteAddress(), reason, cause.getMessage());
    ctx.close();
  }

  private static MilterPacketSender sender(ChannelHandlerContext ctx) {
    return new MilterPacketSender() {
      @Override
      public void send(MilterPacket packet) {
        ctx.writeAndFlush(packet);
      }

      @Override
      public void close() {
        ctx.close();
      }
    };
  }
}
