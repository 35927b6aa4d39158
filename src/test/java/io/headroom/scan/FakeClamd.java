package io.headroom.scan;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback server speaking just enough of clamd's INSTREAM (alone or in an IDSESSION) to check
 * our framing, or hanging without reading, like a clamd stopped with SIGSTOP whose kernel still
 * accepts connections.
 */
final class FakeClamd implements AutoCloseable {

  enum Mode {
    ANSWER_OK,
    /**
     * Answers the first INSTREAM of a session, then closes the connection when the next command
     * arrives: a session clamd closed just after the client found it still open.
     */
    ONE_PER_SESSION,
    /**
     * After the first chunk of a session's first INSTREAM, and once {@link #replyAllowed} opens,
     * answers that the stream passed StreamMaxLength and resets the connection, as clamd does when
     * it closes with the rest of the stream unread.
     */
    SIZE_LIMIT,
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

  /** In {@link Mode#SIZE_LIMIT}: opened by the test when the answer may go. */
  final CountDownLatch replyAllowed = new CountDownLatch(1);

  /** In {@link Mode#SIZE_LIMIT}: opens once the answer is sent and the connection reset. */
  final CountDownLatch reset = new CountDownLatch(1);

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

  /** Connections accepted so far. */
  int connections() {
    synchronized (accepted) {
      return accepted.size();
    }
  }

  private void acceptLoop() {
    try {
      while (!server.isClosed()) {
        Socket s = server.accept();
        synchronized (accepted) {
          accepted.add(s);
        }
        if (mode != Mode.NEVER_READ) {
          Thread t = new Thread(() -> answer(s), "fake-clamd-conn");
          t.setDaemon(true);
          t.start();
        }
      }
    } catch (IOException closed) {
      // close() ends the loop.
    }
  }

  /** INSTREAM on its own, or any number of them inside IDSESSION ... END, as clamd takes them. */
  private void answer(Socket s) {
    try (s) {
      DataInputStream in = new DataInputStream(s.getInputStream());
      String command = command(in);
      boolean session = command.equals("zIDSESSION");
      int number = 0;
      if (session) {
        command = command(in);
      }
      if (mode == Mode.SIZE_LIMIT) {
        refuseTheStream(s, in, session);
        return;
      }
      while (command.equals("zINSTREAM")) {
        number++;
        if (!stream(in)) {
          return;
        }
        reply(s, session, number, "stream: OK");
        if (!session) {
          return;
        }
        command = command(in);
        if (mode == Mode.ONE_PER_SESSION) {
          return;
        }
      }
      if (!command.equals("zEND")) {
        s.getOutputStream().write("UNKNOWN COMMAND\0".getBytes(US_ASCII));
      }
    } catch (IOException e) {
      // The client went away.
    }
  }

  private void refuseTheStream(Socket s, DataInputStream in, boolean session) throws IOException {
    in.readFully(new byte[in.readInt()]);
    try {
      replyAllowed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    reply(s, session, 1, "INSTREAM size limit exceeded. ERROR");
    s.setSoLinger(true, 0);
    s.close();
    reset.countDown();
  }

  /** One NUL-terminated answer, inside a session prefixed with the command's number. */
  private static void reply(Socket s, boolean session, int number, String text) throws IOException {
    s.getOutputStream().write(((session ? number + ": " : "") + text + "\0").getBytes(US_ASCII));
  }

  /** A NUL-terminated command; empty at end of stream. */
  private static String command(DataInputStream in) throws IOException {
    StringBuilder c = new StringBuilder();
    for (int b = in.read(); b > 0 && c.length() < 64; b = in.read()) {
      c.append((char) b);
    }
    return c.toString();
  }

  /** Reads one INSTREAM's chunks up to the zero length; false if the client went away. */
  private boolean stream(DataInputStream in) throws IOException {
    byte[] buf = new byte[65536];
    while (true) {
      int length = in.readInt();
      if (length == 0) {
        return true;
      }
      payloadBytes.addAndGet(length);
      chunks.incrementAndGet();
      int left = length;
      while (left > 0) {
        int n = in.read(buf, 0, Math.min(left, buf.length));
        if (n < 0) {
          return false;
        }
        left -= n;
      }
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
