package io.headroom.support;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A Postfix {@code tcp:} lookup table on 127.0.0.1 (tcp_table(5)) that knows no key: every {@code
 * get KEY} is answered {@code 500 not found}, which is how a healthy backend answers the lookup
 * probes' canary. One connection at a time, as postmap makes them.
 */
public final class TcpTableServer implements AutoCloseable {
  private final ServerSocket listener;
  private final Thread acceptor;

  private TcpTableServer(ServerSocket listener) {
    this.listener = listener;
    this.acceptor = new Thread(this::serve, "tcp-table");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public static TcpTableServer start() throws IOException {
    ServerSocket listener = new ServerSocket();
    listener.bind(new InetSocketAddress(Ports.LOOPBACK_V4, 0));
    return new TcpTableServer(listener);
  }

  /** As main.cf or lookup_tables names it. */
  public String table() {
    return "tcp:127.0.0.1:" + listener.getLocalPort();
  }

  private void serve() {
    while (!listener.isClosed()) {
      try (Socket s = listener.accept()) {
        s.setSoTimeout(5_000);
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), US_ASCII));
        OutputStream out = s.getOutputStream();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          out.write(
              (line.startsWith("get ") ? "500 not found\n" : "400 unknown request\n")
                  .getBytes(US_ASCII));
          out.flush();
        }
      } catch (IOException e) {
        // a closed listener ends the loop; a peer that went away ends its connection
      }
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }
}
