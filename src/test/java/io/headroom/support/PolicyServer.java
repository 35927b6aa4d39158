package io.headroom.support;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Postfix policy-delegation server on 127.0.0.1 (SMTPD_POLICY_README): reads attribute lines up
 * to an empty line and answers {@code action=DUNNO}, as many requests per connection as smtpd
 * sends. {@link #stop()} closes the port and every connection; {@link #restart()} listens on it
 * again.
 */
public final class PolicyServer implements AutoCloseable {
  private static final int MAX_CONNECTIONS = 16;
  private static final int MAX_LINE = 1000;

  private final int port;
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile ServerSocket listener;
  private volatile Thread acceptor;

  private PolicyServer(int port) {
    this.port = port;
  }

  public static PolicyServer start() throws IOException {
    PolicyServer server = new PolicyServer(Ports.freeTcpPort());
    server.listen();
    return server;
  }

  public int port() {
    return port;
  }

  /** As {@code check_policy_service} names it. */
  public String endpoint() {
    return "inet:127.0.0.1:" + port;
  }

  /** Complete requests answered so far. */
  public int requests() {
    return requests.get();
  }

  /**
   * Closes the port and every connection. Java closes a socket that another thread is blocked in
   * accept() on only once that thread has woken up: the acceptor is waited for, so the port refuses
   * connections when this returns.
   */
  public void stop() throws IOException {
    ServerSocket l = listener;
    if (l != null) {
      l.close();
      try {
        acceptor.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while stopping the policy server", e);
      }
    }
    for (Socket s : connections) {
      s.close();
    }
  }

  public void restart() throws IOException {
    stop();
    listen();
  }

  @Override
  public void close() throws IOException {
    stop();
  }

  private void listen() throws IOException {
    ServerSocket l = new ServerSocket();
    l.setReuseAddress(true);
    l.bind(new InetSocketAddress(Ports.LOOPBACK_V4, port), MAX_CONNECTIONS);
    listener = l;
    acceptor = daemon(() -> accept(l), "policy-accept");
  }

  private void accept(ServerSocket l) {
    while (!l.isClosed()) {
      try {
        Socket s = l.accept();
        if (connections.size() >= MAX_CONNECTIONS) {
          s.close();
          continue;
        }
        connections.add(s);
        daemon(() -> serve(s), "policy-connection");
      } catch (IOException e) {
        return; // closed by stop()
      }
    }
  }

  private void serve(Socket s) {
    try (s;
        BufferedReader in =
            new BufferedReader(new InputStreamReader(s.getInputStream(), US_ASCII))) {
      OutputStream out = s.getOutputStream();
      String line;
      while ((line = in.readLine()) != null && line.length() <= MAX_LINE) {
        if (line.isEmpty()) {
          requests.incrementAndGet();
          out.write("action=DUNNO\n\n".getBytes(US_ASCII));
          out.flush();
        }
      }
    } catch (IOException e) {
      // the client went away, or stop() closed the connection
    } finally {
      connections.remove(s);
    }
  }

  private static Thread daemon(Runnable task, String name) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
