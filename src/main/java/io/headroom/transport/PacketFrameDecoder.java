package io.headroom.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts the byte stream into milter packets: a 4-byte big-endian length, then that many bytes (the
 * command byte and its payload). jmilter's own decoder accepts any non-negative length and buffers
 * until it arrives; this one refuses a length above {@link #MAX_PACKET} as soon as the length word
 * is read, so a peer can never make a connection hold more than one bounded packet.
 */
final class PacketFrameDecoder extends ByteToMessageDecoder {
  /**
   * The largest packet Postfix sends is a header: cleanup(8) truncates a header at
   * header_size_limit (default 102400 bytes, name included), and milter8.c sends it as
   * SMFIC_HEADER with name and value each NUL-terminated, plus the command byte. Body chunks are at
   * most MILTER_CHUNK_SIZE = 65535 bytes (milter8.c) plus the command byte; macro, envelope and
   * connect packets are bounded by smtpd's line_length_limit (2048). 128 KiB holds the largest
   * with room for a header_size_limit raised by a quarter, and keeps the worst case of a full
   * max_sessions (500 x 128 KiB = 64 MiB) within a small daemon's heap.
   */
  static final int MAX_PACKET = 128 * 1024;

  private static final int LENGTH_BYTES = 4;

  /** After a violation the connection is closing: what else arrives is dropped, not parsed. */
  private boolean failed;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() < LENGTH_BYTES) {
      return;
    }
    long length = in.getUnsignedInt(in.readerIndex());
    if (length == 0 || length > MAX_PACKET) {
      failed = true;
      in.skipBytes(in.readableBytes());
      throw length == 0
          ? new ProtocolViolation(ProtocolError.EMPTY_PACKET, "packet of length 0")
          : new ProtocolViolation(ProtocolError.PACKET_TOO_LONG,
              "packet of " + length + " bytes announced, the limit is " + MAX_PACKET);
    }
    if (in.readableBytes() < LENGTH_BYTES + length) {
      return;
    }
    in.skipBytes(LENGTH_BYTES);
    out.add(in.readRetainedSlice((int) length));
  }

  /** Bytes received but not yet a whole packet: more than zero means the peer went silent mid-packet. */
  int pending() {
    return actualReadableBytes();
  }
}
