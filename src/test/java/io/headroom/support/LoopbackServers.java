package io.headroom.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Small servers on loopback that answer each connection as a test scripts it. */
public final class LoopbackServers {
  private LoopbackServers() {}

  /** What a server does with one accepted connection. */
  @FunctionalInterface
  public interface Answer {
    void to(Socket s) throws Exception;
  }

  /** A server on 127.0.0.1, on a free port, answering each connection with {@code answer}. */
  public static ServerSocket start(String name, Answer answer) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, Ports.LOOPBACK_V4);
    Thread t =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                  answer.to(s);
                } catch (Exception closedOrGone) {
                  // the server socket closed, or the client went away: next connection
                }
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    return server;
  }

  /** A spamd that reads each request to its end (our shutdownOutput) and answers {@code spam}. */
  public static ServerSocket spamd(String spamLine) throws IOException {
    return start(
        "fake-spamd",
        s -> {
          s.getInputStream().readAllBytes();
          s.getOutputStream()
              .write(
                  ("SPAMD/1.1 0 EX_OK\r\n" + spamLine + "\r\n\r\n")
                      .getBytes(StandardCharsets.US_ASCII));
        });
  }
}
