package io.headroom.ops;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainDatagramSocketAddress;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The receiving end of sd_notify(3), as systemd binds it: a unix datagram socket. */
final class NotifySocket implements AutoCloseable {
  private final Socket socket;
  private final String name;

  private NotifySocket(Socket socket, String name) {
    this.socket = socket;
    this.name = name;
  }

  /** Binds {@code name}: a path, or "@name" for an abstract name as NOTIFY_SOCKET spells it. */
  static NotifySocket bind(String name) throws IOException {
    Epoll.ensureAvailability();
    Socket socket = Socket.newSocketDomainDgram();
    socket.bind(new DomainSocketAddress(name.startsWith("@") ? "\0" + name.substring(1) : name));
    return new NotifySocket(socket, name);
  }

  /** The value for NOTIFY_SOCKET. */
  String name() {
    return name;
  }

  /** The next datagram, waiting up to {@code timeout}. */
  String receive(Duration timeout) throws IOException, InterruptedException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      DomainDatagramSocketAddress from = socket.recvFromDomainSocket(buffer, 0, buffer.capacity());
      if (from != null) {
        byte[] bytes = new byte[from.receivedAmount()];
        buffer.get(0, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no notification on " + name + " within " + timeout);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
