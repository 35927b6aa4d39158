package io.headroom.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Loopback addresses and ephemeral ports for the servers a test starts.
 *
 * <p>A port is found by letting the kernel pick one and releasing it again, so another process may
 * take it before the server binds: servers that can fail on a taken port should retry with a new
 * one (see {@link PostfixInstance}).
 */
public final class Ports {

  /** 127.0.0.1, spelled out: {@link InetAddress#getLoopbackAddress()} may answer ::1. */
  public static final InetAddress LOOPBACK_V4 = address(127, 0, 0, 1);

  private Ports() {}

  /** A TCP port on 127.0.0.1 that was free a moment ago. */
  public static int freeTcpPort() {
    return freeTcpPorts(1)[0];
  }

  /**
   * {@code count} distinct TCP ports on 127.0.0.1 that were free a moment ago. Held open together
   * while chosen: one after another, the kernel may hand out the same port twice.
   */
  public static int[] freeTcpPorts(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket();
        sockets.add(socket);
        socket.bind(new InetSocketAddress(LOOPBACK_V4, 0), 1);
      }
      return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
    } catch (IOException e) {
      throw new UncheckedIOException("no free TCP port on 127.0.0.1", e);
    } finally {
      sockets.forEach(Ports::closeQuietly);
    }
  }

  private static void closeQuietly(ServerSocket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Only chosen, never used: nothing to lose.
    }
  }

  /**
   * A port on 127.0.0.1 free for both UDP and TCP a moment ago, as a DNS server binds both: a port
   * free for UDP alone may be taken for TCP by another test's listener.
   */
  public static int freeUdpAndTcpPort() {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK_V4, 0));
          ServerSocket tcp = new ServerSocket()) {
        tcp.bind(new InetSocketAddress(LOOPBACK_V4, udp.getLocalPort()), 1);
        return udp.getLocalPort();
      } catch (IOException taken) {
        // that port is busy for TCP: try another
      }
    }
    throw new IllegalStateException("no port on 127.0.0.1 free for both UDP and TCP");
  }

  /**
   * A TCP port on 127.0.0.1 where nothing listens, for a dependency that must be absent: a
   * connection to it is refused at once.
   */
  public static int closedTcpPort() {
    return freeTcpPort();
  }

  /**
   * Waits until something accepts TCP connections on 127.0.0.1:{@code port}, while {@code process}
   * (the server being started) is alive; false when it exits or {@code timeout} passes first.
   */
  public static boolean awaitListening(int port, Process process, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(LOOPBACK_V4, port), 500);
        return true;
      } catch (IOException e) {
        TimeUnit.MILLISECONDS.sleep(50);
      }
    }
    return false;
  }

  static InetAddress address(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IPv4 address", e);
    }
  }
}
