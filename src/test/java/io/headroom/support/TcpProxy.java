package io.headroom.support;

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
 * A loopback TCP proxy in front of a real server: it counts the connections it accepts, records
 * what each client sent (Postfix's side of a milter session, say), and can drop every connection at
 * once, as a server does when it closes idle ones.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final List<ByteArrayOutputStream> sent = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  public TcpProxy(int targetPort) throws IOException {
    this.target = targetPort;
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress(Ports.LOOPBACK_V4, 0), 50);
    Thread acceptor = new Thread(this::accept, "tcp-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Connections accepted so far. */
  public int accepted() {
    return sent.size();
  }

  /** What each client sent so far, one entry per connection. */
  public List<byte[]> recordings() {
    return sent.stream().map(TcpProxy::copy).toList();
  }

  /** Closes every connection, both sides. */
  public void dropAll() throws IOException {
    for (Socket s : open) {
      s.close();
    }
    open.clear();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        upstream.connect(new InetSocketAddress(Ports.LOOPBACK_V4, target), 5000);
        open.add(client);
        open.add(upstream);
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        sent.add(record);
        pump(client, upstream, record);
        pump(upstream, client, null);
      } catch (IOException e) {
        return; // close() ends the loop
      }
    }
  }

  private static byte[] copy(ByteArrayOutputStream record) {
    synchronized (record) {
      return record.toByteArray();
    }
  }

  /** Copies one direction until either side closes, then closes both. */
  private static void pump(Socket from, Socket to, ByteArrayOutputStream record) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[65536];
              try (from;
                  to) {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                  if (record != null) {
                    synchronized (record) {
                      record.write(buf, 0, n);
                    }
                  }
                  out.write(buf, 0, n);
                }
              } catch (IOException e) {
                // One side went away; closing both tells the other.
              }
            },
            "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    server.close();
    dropAll();
  }
}
