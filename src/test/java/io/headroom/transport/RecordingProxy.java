package io.headroom.transport;

import io.headroom.support.Ports;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy between Postfix and the daemon that keeps what Postfix sent on each milter
 * connection: real Postfix sessions, byte for byte, for the fuzz test's seeds.
 */
final class RecordingProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final List<ByteArrayOutputStream> sessions = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  RecordingProxy(int targetPort) throws IOException {
    this.target = targetPort;
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress(Ports.LOOPBACK_V4, 0), 50);
    acceptor = new Thread(this::accept, "recording-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String milterAddress() {
    return "inet:127.0.0.1:" + server.getLocalPort();
  }

  /** What Postfix sent on each connection so far. */
  List<byte[]> recordings() {
    return sessions.stream().map(ByteArrayOutputStream::toByteArray).toList();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(Ports.LOOPBACK_V4, target);
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        sessions.add(record);
        pump(client, upstream, record);
        pump(upstream, client, null);
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void pump(Socket from, Socket to, ByteArrayOutputStream record) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[8192];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                  if (record != null) {
                    synchronized (record) {
                      record.write(buf, 0, n);
                    }
                  }
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // one side closed: the other follows
              } finally {
                try {
                  from.close();
                  to.close();
                } catch (IOException e) {
                  // closing anyway
                }
              }
            },
            "recording-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
