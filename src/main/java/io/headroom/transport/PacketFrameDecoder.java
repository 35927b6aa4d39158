package io.headroom.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.nightcode.milter.codec.MilterPacket;

/**
 * Cuts the byte stream into milter packets: a 4-byte big-endian length, then that many bytes (the
 * command byte and its payload), each passed on as jmilter's {@link MilterPacket}. jmilter's own
 * decoder accepts any non-negative length and buffers until it arrives; this one bounds what a peer
 * can make the daemon hold, and for how long:
 *
 * <ul>
 *   <li>a length above the connection's limit is refused as soon as the length word is read;
 *   <li>a packet that is not complete in one read is copied into a heap array of exactly its
 *       length, reserved first from the {@link MemoryBudget} shared by all connections (over it,
 *       the connection is closed). Nothing is left in Netty's direct buffers between reads, so the
 *       direct memory in use is one read buffer, whatever the number of connections; a direct
 *       allocation that does not fit makes the JDK sleep and retry on the event loop, which froze
 *       every session (issue 12, item 2);
 *   <li>a packet must be complete within {@link #PACKET_DEADLINE_SECONDS} of its first byte: a
 *       trickle of one byte every few seconds does not reset it as it resets idle_timeout. While
 *       the daemon itself holds reading (a scan catching up, see {@link InboundHold}), the peer is
 *       not to blame and the deadline starts over.
 * </ul>
 */
final class PacketFrameDecoder extends ChannelInboundHandlerAdapter {
  /**
   * The largest packet Postfix sends is a header: cleanup(8) truncates a header at
   * header_size_limit (default 102400 bytes, name included), and milter8.c sends it as SMFIC_HEADER
   * with name and value each NUL-terminated, plus the command byte. Body chunks are at most
   * MILTER_CHUNK_SIZE = 65535 bytes (milter8.c) plus the command byte; macro, envelope and connect
   * packets are bounded by smtpd's line_length_limit (2048). 128 KiB holds the largest with room
   * for a header_size_limit raised by a quarter, and keeps the worst case of a full max_sessions
   * (500 x 128 KiB = 64 MiB) within a small daemon's heap.
   */
  static final int MAX_PACKET = 128 * 1024;

  /**
   * A busy connection only negotiates and answers CONNECT: Postfix's largest packet to it is the
   * connect event's macros or the CONNECT itself (a host name of at most 255 bytes and an address),
   * a few hundred bytes.
   */
  static final int MAX_BUSY_PACKET = 4096;

  /**
   * Postfix writes each packet whole to a local socket; it stalls mid-packet only when the daemon
   * stops reading, which does not count. Ten seconds is generous for anything else.
   */
  static final long PACKET_DEADLINE_SECONDS = 10;

  private static final int LENGTH_BYTES = 4;

  private final int maxPacket;
  private final MemoryBudget budget;
  private final byte[] lengthWord = new byte[LENGTH_BYTES];
  private int lengthRead;

  /**
   * The packet being received across reads, its length reserved from the budget; null between
   * packets.
   */
  private byte[] partial;

  private int filled;
  private ScheduledFuture<?> deadline;

  /** After a violation the connection is closing: what else arrives is dropped, not parsed. */
  private boolean failed;

  PacketFrameDecoder(int maxPacket, MemoryBudget budget) {
    this.maxPacket = maxPacket;
    this.budget = budget;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf in = (ByteBuf) msg;
    try {
      while (in.isReadable() && !failed) {
        if (pending() > 0 || !wholePacket(ctx, in)) {
          receivePartial(ctx, in);
        }
      }
      if (!failed && pending() > 0 && deadline == null) {
        deadline =
            ctx.executor().schedule(() -> expired(ctx), PACKET_DEADLINE_SECONDS, TimeUnit.SECONDS);
      }
    } finally {
      in.release();
    }
  }

  /**
   * The common case: a packet whole within this read is copied out of the read buffer at once, so
   * nothing stays in Netty's buffers between reads.
   *
   * @return false when the buffer holds only the start of a packet; true when it held a whole one
   *     or a length that ends the connection
   */
  private boolean wholePacket(ChannelHandlerContext ctx, ByteBuf in) {
    if (in.readableBytes() < LENGTH_BYTES) {
      return false;
    }
    long length = in.getUnsignedInt(in.readerIndex());
    if (!checkLength(ctx, length) || in.readableBytes() < LENGTH_BYTES + length) {
      return failed;
    }
    in.skipBytes(LENGTH_BYTES);
    byte[] packet = new byte[(int) length];
    in.readBytes(packet);
    ctx.fireChannelRead(packet(packet));
    return true;
  }

  /** Gathers a packet that spans reads into its own heap array. */
  private void receivePartial(ChannelHandlerContext ctx, ByteBuf in) {
    if (partial == null) {
      while (lengthRead < LENGTH_BYTES && in.isReadable()) {
        lengthWord[lengthRead++] = in.readByte();
      }
      if (lengthRead < LENGTH_BYTES) {
        return;
      }
      long length = Unpooled.wrappedBuffer(lengthWord).getUnsignedInt(0);
      if (!checkLength(ctx, length)) {
        return;
      }
      if (!budget.tryReserve(length)) {
        fail(
            ctx,
            new ProtocolViolation(
                ProtocolError.OVER_MEMORY_BUDGET,
                "packet of "
                    + length
                    + " bytes does not fit the memory budget ("
                    + budget.used()
                    + " of "
                    + budget.limit()
                    + " bytes held for all connections)"));
        return;
      }
      partial = new byte[(int) length];
      filled = 0;
    }
    int n = Math.min(in.readableBytes(), partial.length - filled);
    in.readBytes(partial, filled, n);
    filled += n;
    if (filled == partial.length) {
      byte[] packet = partial;
      releasePartial();
      ctx.fireChannelRead(packet(packet));
    }
  }

  /** A packet's bytes (command and payload, at least one byte) as jmilter's packet. */
  private static MilterPacket packet(byte[] bytes) {
    return MilterPacket.builder().command(bytes[0]).payload(bytes, 1, bytes.length - 1).build();
  }

  private boolean checkLength(ChannelHandlerContext ctx, long length) {
    if (length == 0) {
      fail(ctx, new ProtocolViolation(ProtocolError.EMPTY_PACKET, "packet of length 0"));
    } else if (length > maxPacket) {
      fail(
          ctx,
          new ProtocolViolation(
              ProtocolError.PACKET_TOO_LONG,
              "packet of " + length + " bytes announced, the limit is " + maxPacket));
    }
    return !failed;
  }

  private void expired(ChannelHandlerContext ctx) {
    deadline = null;
    if (failed || pending() == 0) {
      return;
    }
    if (!ctx.channel().config().isAutoRead()) {
      deadline =
          ctx.executor().schedule(() -> expired(ctx), PACKET_DEADLINE_SECONDS, TimeUnit.SECONDS);
      return;
    }
    fail(
        ctx,
        new ProtocolViolation(
            ProtocolError.PACKET_TIMEOUT,
            "packet incomplete "
                + PACKET_DEADLINE_SECONDS
                + " s after its first byte ("
                + pending()
                + " bytes received)"));
  }

  private void fail(ChannelHandlerContext ctx, ProtocolViolation violation) {
    failed = true;
    releasePartial();
    ctx.fireExceptionCaught(violation);
  }

  /** Ends the packet in progress: gives back its reservation and stops its deadline. */
  private void releasePartial() {
    if (partial != null) {
      budget.release(partial.length);
      partial = null;
    }
    filled = 0;
    lengthRead = 0;
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releasePartial();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releasePartial();
    ctx.fireChannelInactive();
  }

  /**
   * Bytes received but not yet a whole packet: more than zero means the peer went silent
   * mid-packet.
   */
  int pending() {
    return lengthRead + filled;
  }
}
