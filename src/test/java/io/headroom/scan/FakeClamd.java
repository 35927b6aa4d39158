package io.headroom.scan;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback server speaking just enough of clamd's INSTREAM to check our framing, or hanging
 * without reading, like a clamd stopped with SIGSTOP whose kernel still accepts connections.
 */
final class FakeClamd implements AutoCloseable {

  enum Mode {
    ANSWER_OK,
    NEVER_READ
  }

  private final ServerSocket server;
  private final Mode mode;
  private final List<Socket> accepted = new ArrayList<>();
  private final Thread acceptor;
  final AtomicLong payloadBytes = new AtomicLong();
  /** INSTREAM chunks received, the terminating zero length not counted. */
  final AtomicLong chunks = new AtomicLong();
  final AtomicLong emptyChunksBeforeEnd = new AtomicLong();

  FakeClamd(Mode mode) throws IOException {
    this.mode = mode;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "fake-clamd");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    try {
      while (!server.isClosed()) {
        Socket s = server.accept();
        synchronized (accepted) {
          accepted.add(s);
        }
        if (mode == Mode.ANSWER_OK) {
          Thread t = new Thread(() -> answer(s), "fake-clamd-conn");
          t.setDaemon(true);
          t.start();
        }
      }
    } catch (IOException closed) {
      // close() ends the loop.
    }
  }

  private void answer(Socket s) {
    try (s) {
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] command = in.readNBytes(10);
      if (!new String(command, US_ASCII).equals("zINSTREAM\0")) {
        s.getOutputStream().write("UNKNOWN COMMAND\0".getBytes(US_ASCII));
        return;
      }
      byte[] buf = new byte[65536];
      while (true) {
        int length = in.readInt();
        if (length == 0) {
          break;
        }
        payloadBytes.addAndGet(length);
        chunks.incrementAndGet();
        int left = length;
        while (left > 0) {
          int n = in.read(buf, 0, Math.min(left, buf.length));
          if (n < 0) {
            return;
          }
          left -= n;
        }
      }
      s.getOutputStream().write("stream: OK\0".getBytes(US_ASCII));
    } catch (IOException e) {
      // The client went away.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    synchronized (accepted) {
      for (Socket s : accepted) {
        s.close();
      }
    }
  }
}
