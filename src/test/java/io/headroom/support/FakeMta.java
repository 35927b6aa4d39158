package io.headroom.support;

import io.headroom.config.SessionLimits;
import io.headroom.metrics.Metrics;
import io.headroom.transport.MilterServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.MilterHandler;

/**
 * Plays Postfix's side of one milter connection in memory, through the daemon's real pipeline
 * (framing, jmilter's codecs and command engine, the session handler) on a Netty embedded channel.
 */
public final class FakeMta {
  /** Every action and protocol step Postfix 3.7 offers in its SMFIC_OPTNEG. */
  public static final int ALL_ACTIONS = 0x1ff;

  public static final int ALL_STEPS = 0x1fffff;
  public static final SessionLimits LIMITS =
      new SessionLimits(10, Duration.ofMinutes(10), Duration.ofSeconds(1), 0660, "");

  /** A reply packet: the command byte and its payload. */
  public record Reply(char command, byte[] payload) {
    public String text() {
      return new String(payload, 0, payload.length - 1, StandardCharsets.US_ASCII);
    }
  }

  public final EmbeddedChannel channel;

  /** Replies as they are written, from any thread; null when read from the channel itself. */
  private final BlockingQueue<Reply> written;

  public FakeMta(MilterHandler handler, Metrics metrics) {
    this(handler, metrics, LIMITS);
  }

  /**
   * A connection whose replies may also come from other threads, as a scan's verdict does: they are
   * taken off the pipeline as written, into a queue that {@link #await} waits on.
   */
  public static FakeMta awaitingReplies(MilterHandler handler, Metrics metrics) {
    BlockingQueue<Reply> written = new LinkedBlockingQueue<>();
    EmbeddedChannel channel =
        new EmbeddedChannel(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                MilterServer.configure(ch, handler, LIMITS, metrics);
                ch.pipeline().addFirst("written", new Written(written));
              }
            });
    return new FakeMta(channel, written);
  }

  public FakeMta(MilterHandler handler, Metrics metrics, SessionLimits limits) {
    written = null;
    channel =
        new EmbeddedChannel(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                MilterServer.configure(ch, handler, limits, metrics);
              }
            });
  }

  /** A connection over max_sessions, through the busy pipeline. */
  public static FakeMta busy(int maxSessions) {
    return new FakeMta(
        new EmbeddedChannel(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                MilterServer.configureBusy(
                    ch,
                    new SessionLimits(
                        maxSessions, Duration.ofMinutes(10), Duration.ofSeconds(1), 0660, ""));
              }
            }));
  }

  /** A connection through a pipeline the caller built on {@code channel}. */
  public FakeMta(EmbeddedChannel channel) {
    this(channel, null);
  }

  private FakeMta(EmbeddedChannel channel, BlockingQueue<Reply> written) {
    this.channel = channel;
    this.written = written;
  }

  /** Negotiates; returns the protocol-steps word the milter asked for. */
  public int optneg() {
    return optnegWord(8);
  }

  /** Negotiates; returns the actions word the milter asked for. */
  public int optnegActions() {
    return optnegWord(4);
  }

  /**
   * Negotiates, offering every action and step; returns the word at {@code offset} of the answer.
   */
  private int optnegWord(int offset) {
    byte[] p = new byte[12];
    putInt(p, 0, 6);
    putInt(p, 4, ALL_ACTIONS);
    putInt(p, 8, ALL_STEPS);
    Reply reply = exchange(CommandCode.SMFIC_OPTNEG, p);
    if (reply == null || reply.command() != CommandCode.SMFIC_OPTNEG.code()) {
      throw new AssertionError("no OPTNEG answer: " + reply);
    }
    return ByteBuffer.wrap(reply.payload()).getInt(offset);
  }

  public Reply connect(String host, String address) {
    return exchange(
        CommandCode.SMFIC_CONNECT, concat(z(host), new byte[] {'4', 0x30, 0x39}, z(address)));
  }

  public void macro(char type, String... nameValues) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(type);
    for (String s : nameValues) {
      out.writeBytes(z(s));
    }
    exchange(CommandCode.SMFIC_MACRO, out.toByteArray());
  }

  public Reply mail(String from) {
    return exchange(CommandCode.SMFIC_MAIL, z(from));
  }

  public Reply rcpt(String to) {
    return exchange(CommandCode.SMFIC_RCPT, z(to));
  }

  /** Ends the transaction early, as Postfix does after each message; no reply is expected. */
  public Reply abort() {
    return exchange(CommandCode.SMFIC_ABORT, new byte[0]);
  }

  public Reply eom() {
    return exchange(CommandCode.SMFIC_EOB, new byte[0]);
  }

  /** Sends one command; returns the milter's reply, or null when it sent none. */
  public Reply exchange(CommandCode command, byte[] payload) {
    ByteBuf frame = Unpooled.buffer(5 + payload.length);
    frame.writeInt(payload.length + 1).writeByte(command.code()).writeBytes(payload);
    channel.writeInbound(frame);
    return read();
  }

  /** Writes raw bytes as if from the socket. */
  public void writeRaw(byte[] bytes) {
    channel.writeInbound(Unpooled.wrappedBuffer(bytes));
  }

  public Reply read() {
    if (written != null) {
      return written.poll();
    }
    ByteBuf out = channel.readOutbound();
    if (out == null) {
      return null;
    }
    try {
      return decode(out);
    } finally {
      out.release();
    }
  }

  /**
   * The next reply, waiting up to {@code timeout} for one; null if none came. Only for a connection
   * made by {@link #awaitingReplies}.
   */
  public Reply await(Duration timeout) throws InterruptedException {
    if (written == null) {
      throw new IllegalStateException("not a connection made by awaitingReplies");
    }
    return written.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private static Reply decode(ByteBuf out) {
    int length = out.readInt();
    char command = (char) out.readByte();
    byte[] payload = new byte[length - 1];
    out.readBytes(payload);
    return new Reply(command, payload);
  }

  /** Takes each reply off the pipeline as it is written, whatever the thread. */
  private static final class Written extends ChannelOutboundHandlerAdapter {
    private final BlockingQueue<Reply> replies;

    Written(BlockingQueue<Reply> replies) {
      this.replies = replies;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      ByteBuf out = (ByteBuf) msg;
      try {
        while (out.isReadable()) {
          replies.add(decode(out));
        }
      } finally {
        out.release();
      }
      promise.setSuccess();
    }
  }

  private static byte[] z(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[b.length + 1];
    System.arraycopy(b, 0, out, 0, b.length);
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
