package io.headroom.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.codec.MilterPacket;

/**
 * SMFIC_OPTNEG must arrive within {@link #SECONDS} of connecting. Postfix sends it as soon as it
 * has connected (milter8.c milter8_connect); a peer that connects and waits holds a session slot
 * for nothing, and idle_timeout alone would let it hold one for many minutes. Leaves the pipeline
 * once the negotiation has come.
 */
final class NegotiationDeadline extends ChannelInboundHandlerAdapter {
  static final long SECONDS = 5;

  private ScheduledFuture<?> deadline;

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    deadline =
        ctx.executor()
            .schedule(
                () ->
                    ctx.fireExceptionCaught(
                        new ProtocolViolation(
                            ProtocolError.OPTNEG_TIMEOUT,
                            "no OPTNEG within " + SECONDS + " s of connecting")),
                SECONDS,
                TimeUnit.SECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof MilterPacket packet && packet.command() == CommandCode.SMFIC_OPTNEG.code()) {
      ctx.pipeline().remove(this);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (deadline != null) {
      deadline.cancel(false);
    }
  }
}
