package io.headroom.support;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.nightcode.milter.CommandCode;

/**
 * Postfix's side of a milter connection over a real socket (TCP or unix), for tests of the daemon
 * as a process. Every read is bounded by a timeout.
 */
public final class MilterClient implements AutoCloseable {
  private static final ExecutorService READERS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "milter-client-read");
            t.setDaemon(true);
            return t;
          });

  private final SocketChannel channel;
  private final DataInputStream in;
  private final OutputStream out;
  private final Duration timeout;

  private MilterClient(SocketChannel channel, Duration timeout) {
    this.channel = channel;
    this.in = new DataInputStream(Channels.newInputStream(channel));
    this.out = Channels.newOutputStream(channel);
    this.timeout = timeout;
  }

  public static MilterClient connect(SocketAddress address, Duration timeout) {
    try {
      SocketChannel ch =
          address instanceof UnixDomainSocketAddress
              ? SocketChannel.open(StandardProtocolFamily.UNIX)
              : SocketChannel.open();
      ch.connect(address);
      return new MilterClient(ch, timeout);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot connect to " + address, e);
    }
  }

  /** A reply: command byte and payload text (NUL dropped). */
  public record Reply(char command, byte[] payload) {
    public String text() {
      int end =
          payload.length > 0 && payload[payload.length - 1] == 0
              ? payload.length - 1
              : payload.length;
      return new String(payload, 0, end, StandardCharsets.US_ASCII);
    }

    public int word(int index) {
      return ByteBuffer.wrap(payload, index * 4, 4).getInt();
    }
  }

  /** OPTNEG as Postfix 3.7 sends it; returns the milter's answer. */
  public Reply optneg() {
    send(
        CommandCode.SMFIC_OPTNEG,
        ByteBuffer.allocate(12)
            .putInt(6)
            .putInt(FakeMta.ALL_ACTIONS)
            .putInt(FakeMta.ALL_STEPS)
            .array());
    return read();
  }

  public void macro(char type, String... nameValues) {
    StringBuilder b = new StringBuilder().append(type);
    for (String s : nameValues) {
      b.append(s).append('\0');
    }
    send(CommandCode.SMFIC_MACRO, b.toString().getBytes(StandardCharsets.US_ASCII));
  }

  public void connect(String host, String address) {
    byte[] h = (host + "\0").getBytes(StandardCharsets.US_ASCII);
    byte[] a = (address + "\0").getBytes(StandardCharsets.US_ASCII);
    send(
        CommandCode.SMFIC_CONNECT,
        ByteBuffer.allocate(h.length + 3 + a.length)
            .put(h)
            .put((byte) '4')
            .putShort((short) 12345)
            .put(a)
            .array());
  }

  public void command(CommandCode command, String argument) {
    send(
        command,
        argument == null ? new byte[0] : (argument + "\0").getBytes(StandardCharsets.US_ASCII));
  }

  public void send(CommandCode command, byte[] payload) {
    write(
        ByteBuffer.allocate(5 + payload.length)
            .putInt(payload.length + 1)
            .put((byte) command.code())
            .put(payload)
            .array());
  }

  public void write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Reply read() {
    Future<Reply> f =
        READERS.submit(
            () -> {
              int length = in.readInt();
              char command = (char) in.readUnsignedByte();
              byte[] payload = new byte[length - 1];
              in.readFully(payload);
              return new Reply(command, payload);
            });
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      close();
      throw new IllegalStateException("no reply within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new UncheckedIOException(
          e.getCause() instanceof IOException io ? io : new IOException(e.getCause()));
    }
  }

  /** True when the daemon closed the connection (EOF) within the timeout. */
  public boolean closedByPeer() {
    try {
      read();
      return false;
    } catch (UncheckedIOException e) {
      return true;
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
