package io.headroom.scan;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.headroom.config.ScannerEndpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One connection to clamd in IDSESSION mode (clamd(8), "IDSESSION, END"): many INSTREAM commands,
 * one after the other, over the same socket, each answer prefixed with the command's number in the
 * session ({@code 2: stream: OK}). It saves clamd an accept and a hand-off to a thread per message,
 * and us a connect. We send the next command only after reading the previous answer, which is what
 * clamd requires of a session client.
 */
final class ClamdSession {

  private static final byte[] IDSESSION = "zIDSESSION\0".getBytes(US_ASCII);
  private static final byte[] END = "zEND\0".getBytes(US_ASCII);

  private final ScannerEndpoint endpoint;
  private final SocketChannel channel;
  private int commands;
  private long idleSinceNanos;

  private ClamdSession(ScannerEndpoint endpoint, SocketChannel channel) {
    this.endpoint = endpoint;
    this.channel = channel;
  }

  /** Starts a session on a connection that has just been opened. */
  static ClamdSession start(BackendPool.Connected connection) throws ScanFailure {
    ClamdSession session = new ClamdSession(connection.endpoint(), connection.channel());
    try {
      ByteBuffer command = ByteBuffer.wrap(IDSESSION);
      while (command.hasRemaining()) {
        connection.channel().write(command);
      }
    } catch (IOException e) {
      throw new ScanFailure(
          ScanResult.ERROR, connection.endpoint() + ": starting a session failed: " + e);
    }
    return session;
  }

  ScannerEndpoint endpoint() {
    return endpoint;
  }

  SocketChannel channel() {
    return channel;
  }

  /** Counts a command; returns the number clamd will prefix its answer with. */
  int nextCommand() {
    return ++commands;
  }

  /** Whether a command has been sent on this connection before. */
  boolean reused() {
    return commands > 0;
  }

  int commands() {
    return commands;
  }

  void idleSince(long nanos) {
    idleSinceNanos = nanos;
  }

  long idleSince() {
    return idleSinceNanos;
  }

  /**
   * Whether clamd still holds its end. Between commands clamd has nothing to say, so a session it
   * closed (its ReadTimeout, a restart) reads end-of-stream, or a stray line, at once; a live one
   * has nothing to read.
   */
  boolean alive() {
    try {
      channel.configureBlocking(false);
      int n = channel.read(ByteBuffer.allocate(1));
      channel.configureBlocking(true);
      return n == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Ends the session politely (zEND) and closes the connection; never blocks on a full buffer. */
  void end() {
    try {
      channel.configureBlocking(false);
      channel.write(ByteBuffer.wrap(END));
    } catch (IOException e) {
      // Closing anyway: clamd drops a session whose connection closes.
    }
    close();
  }

  void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // Nothing left to report.
    }
  }
}
