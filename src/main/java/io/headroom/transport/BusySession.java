package io.headroom.transport;

import io.headroom.reply.Reason;
import io.headroom.reply.SmtpReply;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.ResponseCode;
import org.nightcode.milter.codec.MilterPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection over max_sessions: negotiates, then answers every command that expects a reply with
 * 451 4.3.0 "busy", without a session, a handler or a health lookup.
 *
 * <p>It asks Postfix for the connect event only, with a reply (no SMFIP_NR_CONN), so the answer
 * comes at connect. milter8.c takes an SMFIR_REPLYCODE in a connect event as final for the whole
 * SMTP session (state MILTER8_STAT_REJECT_CON, the reply kept as its default reply): smtpd answers
 * every later command except QUIT with it, and sends the milter nothing more but QUIT.
 */
final class BusySession extends SimpleChannelInboundHandler<MilterPacket> {
  private static final Logger log = LoggerFactory.getLogger(BusySession.class);

  /**
   * Protocol steps the busy milter declines: everything but CONNECT (bits as in milter8.c SMFIP_*).
   */
  static final int DECLINED_STEPS =
      0x2 /* NOHELO */
          | 0x4 /* NOMAIL */
          | 0x8 /* NORCPT */
          | 0x10 /* NOBODY */
          | 0x20 /* NOHDRS */
          | 0x40 /* NOEOH */
          | 0x100 /* NOUNKNOWN */
          | 0x200 /* NODATA */;

  private static final int MILTER_VERSION = 6;

  private final SmtpReply reply;

  BusySession(int maxSessions) {
    this.reply =
        SmtpReply.defer(Reason.of("Mail filter", "busy", maxSessions + " sessions in progress"));
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, MilterPacket packet) {
    int command = packet.command();
    if (command == CommandCode.SMFIC_OPTNEG.code()) {
      ctx.writeAndFlush(negotiate(packet.payload()));
    } else if (command == CommandCode.SMFIC_MACRO.code()
        || command == CommandCode.SMFIC_ABORT.code()) {
      // No reply is expected to either.
    } else if (command == CommandCode.SMFIC_QUIT.code()) {
      ctx.close();
    } else if (expectsReply(command)) {
      ctx.writeAndFlush(
          MilterPacket.builder()
              .command(ResponseCode.SMFIR_REPLYCODE)
              .payload(reply.payload())
              .build());
    } else {
      ctx.close();
    }
  }

  private static boolean expectsReply(int command) {
    for (CommandCode c :
        new CommandCode[] {
          CommandCode.SMFIC_CONNECT,
          CommandCode.SMFIC_HELO,
          CommandCode.SMFIC_MAIL,
          CommandCode.SMFIC_RCPT,
          CommandCode.SMFIC_DATA,
          CommandCode.SMFIC_HEADER,
          CommandCode.SMFIC_EOH,
          CommandCode.SMFIC_BODY,
          CommandCode.SMFIC_EOB,
          CommandCode.SMFIC_UNKNOWN
        }) {
      if (c.code() == command) {
        return true;
      }
    }
    return false;
  }

  private static MilterPacket negotiate(byte[] mta) {
    int version = mta.length == 12 ? Math.min(MILTER_VERSION, word(mta, 0)) : MILTER_VERSION;
    int offered = mta.length == 12 ? word(mta, 8) : 0;
    byte[] out = new byte[12];
    put(out, 0, version);
    put(out, 4, 0);
    put(out, 8, DECLINED_STEPS & offered);
    return MilterPacket.builder().command(CommandCode.SMFIC_OPTNEG).payload(out).build();
  }

  /** A peer that does not read its busy answers gets no more of them. */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (!ctx.channel().isWritable()) {
      ctx.close();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Already refused: what the peer does wrong now is not worth a line each under overload.
    log.debug("busy connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }

  private static int word(byte[] b, int off) {
    return ((b[off] & 0xff) << 24)
        | ((b[off + 1] & 0xff) << 16)
        | ((b[off + 2] & 0xff) << 8)
        | (b[off + 3] & 0xff);
  }

  private static void put(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
