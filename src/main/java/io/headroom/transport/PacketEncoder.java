package io.headroom.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import org.nightcode.milter.codec.MilterPacket;

/**
 * Writes a reply as a milter packet: a 4-byte big-endian length, the command byte, the payload. One
 * buffer, sized exactly, for each reply; jmilter's two encoders build the packet in a heap buffer,
 * then copy it behind the length into another. Stateless, so every connection shares it.
 */
@ChannelHandler.Sharable
final class PacketEncoder extends MessageToByteEncoder<MilterPacket> {
  static final PacketEncoder INSTANCE = new PacketEncoder();

  private static final int HEADER_BYTES = 5;

  private PacketEncoder() {}

  @Override
  protected ByteBuf allocateBuffer(
      ChannelHandlerContext ctx, MilterPacket packet, boolean preferDirect) {
    return ctx.alloc().ioBuffer(HEADER_BYTES + packet.payload().length);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, MilterPacket packet, ByteBuf out) {
    byte[] payload = packet.payload();
    out.writeInt(1 + payload.length);
    out.writeByte(packet.command());
    out.writeBytes(payload);
  }
}
