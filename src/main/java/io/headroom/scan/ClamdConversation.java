package io.headroom.scan;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.headroom.config.ScannerEndpoint;
import io.headroom.config.ScannerEndpoint.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;

/**
 * clamd's INSTREAM command: {@code zINSTREAM\0}, then chunks each prefixed by its length as a
 * 4-byte big-endian integer, then a zero length; clamd answers one NUL-terminated line ({@code
 * stream: OK}, {@code stream: NAME FOUND}, {@code ... ERROR}). Each chunk goes to clamd as it
 * arrives, so memory per message is one chunk, whatever the message size.
 */
final class ClamdConversation implements Conversation {

  private static final byte[] INSTREAM = "zINSTREAM\0".getBytes(US_ASCII);
  private static final int MAX_REPLY = 1024;
  private static final String SIZE_LIMIT_REPLY = "INSTREAM size limit exceeded";

  private final BackendPool pool;
  private final Link link = new Link();
  private final ByteBuffer length = ByteBuffer.allocate(4);
  private volatile boolean connecting;
  private BackendPool.Connected connection; // touched only by the serial I/O steps

  ClamdConversation(BackendPool pool) {
    this.pool = pool;
  }

  private void open() throws IOException {
    connecting = true;
    try {
      connection = pool.connect(link);
    } finally {
      connecting = false;
    }
    writeFully(ByteBuffer.wrap(INSTREAM));
  }

  @Override
  public void write(byte[] bytes) throws IOException {
    // A zero length ends the stream in this protocol, so an empty chunk must never be framed.
    if (bytes.length == 0) {
      return;
    }
    if (connection == null) {
      open();
    }
    length.clear();
    length.putInt(bytes.length).flip();
    writeFully(length, ByteBuffer.wrap(bytes));
  }

  @Override
  public ScannerVerdict finish() throws IOException {
    if (connection == null) {
      open();
    }
    length.clear();
    length.putInt(0).flip();
    writeFully(length);
    String reply;
    try {
      reply = readReply(connection.channel());
    } catch (IOException e) {
      throw new ScanFailure(
          ScanResult.ERROR, connection.endpoint() + ": reading the answer failed: " + e);
    }
    return verdict(reply, connection.endpoint());
  }

  @Override
  public Optional<String> connecting() {
    return connecting ? Optional.of(link.connectFailures()) : Optional.empty();
  }

  @Override
  public void close() {
    link.close();
  }

  /** Parses clamd's answer to INSTREAM. */
  static ScannerVerdict verdict(String reply, ScannerEndpoint from) throws ScanFailure {
    String detail = from + " answered \"" + reply + '"';
    if (reply.equals("stream: OK")) {
      return ScannerVerdict.of(Kind.CLAMD, ScanResult.CLEAN, Duration.ZERO, detail);
    }
    if (reply.startsWith("stream: ") && reply.endsWith(" FOUND")) {
      String signature = reply.substring("stream: ".length(), reply.length() - " FOUND".length());
      return new ScannerVerdict(
          Kind.CLAMD,
          ScanResult.INFECTED,
          signature,
          Double.NaN,
          Double.NaN,
          Duration.ZERO,
          detail);
    }
    if (reply.startsWith(SIZE_LIMIT_REPLY)) {
      throw new ScanFailure(
          ScanResult.SIZE_LIMIT,
          detail
              + ": clamd's StreamMaxLength is below scan_max_size; raise it or lower"
              + " scan_max_size");
    }
    throw new ScanFailure(ScanResult.ERROR, detail);
  }

  private void writeFully(ByteBuffer... buffers) throws IOException {
    SocketChannel ch = connection.channel();
    try {
      long remaining = 0;
      for (ByteBuffer b : buffers) {
        remaining += b.remaining();
      }
      while (remaining > 0) {
        remaining -= ch.write(buffers);
      }
    } catch (IOException e) {
      throw failedWrite(e);
    }
  }

  /**
   * clamd stops reading and closes the connection when the stream passes its StreamMaxLength, after
   * saying why; the write then fails with a broken pipe, and the reason is in the reply.
   */
  private IOException failedWrite(IOException writeError) {
    if (link.isClosed()) {
      return writeError;
    }
    try {
      String reply = readReply(connection.channel());
      verdict(reply, connection.endpoint());
      return new ScanFailure(
          ScanResult.ERROR,
          connection.endpoint()
              + ": write failed ("
              + writeError
              + ") and clamd answered \""
              + reply
              + "\" before the end of the message");
    } catch (ScanFailure explained) {
      return explained;
    } catch (IOException unexplained) {
      return new ScanFailure(
          ScanResult.ERROR, connection.endpoint() + ": write failed: " + writeError);
    }
  }

  private static String readReply(SocketChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(MAX_REPLY);
    while (buf.hasRemaining()) {
      int n = ch.read(buf);
      if (n < 0 || (buf.position() > 0 && buf.get(buf.position() - 1) == 0)) {
        break;
      }
    }
    buf.flip();
    String reply = US_ASCII.decode(buf).toString();
    if (reply.isEmpty()) {
      throw new IOException("clamd closed the connection without an answer");
    }
    return reply.replace("\0", "").strip();
  }
}
