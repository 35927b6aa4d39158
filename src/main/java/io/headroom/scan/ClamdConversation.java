package io.headroom.scan;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.headroom.config.ScannerEndpoint;
import io.headroom.config.ScannerEndpoint.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * clamd's INSTREAM command, inside a clamd session ({@link ClamdSession}): {@code zINSTREAM\0},
 * then chunks each prefixed by its length as a 4-byte big-endian integer, then a zero length; clamd
 * answers one NUL-terminated line prefixed with the command's number ({@code 3: stream: OK}, {@code
 * 3: stream: NAME FOUND}, {@code 3: ... ERROR}). Each chunk goes to clamd as it arrives, so memory
 * per message is one chunk, whatever the message size.
 *
 * <p>A session that clamd closed while it sat idle is found by {@link ClamdSessions#take}; one
 * closed in the instant after that check fails the scan, which is then retried once on a new
 * connection when the whole message is still at hand (it was sent in the last step, as every
 * message smaller than a batch is). Otherwise the failure stands, and the message is deferred.
 */
final class ClamdConversation implements Conversation {

  private static final byte[] INSTREAM = "zINSTREAM\0".getBytes(US_ASCII);
  private static final byte[] END_OF_STREAM = new byte[4];
  private static final int MAX_REPLY = 1024;
  private static final String SIZE_LIMIT_REPLY = "INSTREAM size limit exceeded";

  private final ClamdSessions sessions;
  private final Link link = new Link();
  private final ByteBuffer length = ByteBuffer.allocate(4);
  private volatile boolean connecting;
  // Touched only by the serial I/O steps:
  private ClamdSession session;
  private int command;
  private boolean reused;
  private boolean answered;

  /** INSTREAM is due but not written: it goes out with the first bytes, in the same write. */
  private boolean commandDue;

  ClamdConversation(ClamdSessions sessions) {
    this.sessions = sessions;
  }

  @Override
  public void write(byte[] bytes) throws IOException {
    if (session == null) {
      begin(sessions::take);
    }
    send(bytes, false);
  }

  @Override
  public ScannerVerdict finish(byte[] last) throws IOException {
    boolean wholeMessage = session == null;
    if (wholeMessage) {
      // A session clamd closed while idle then costs only the retry below, so none is checked.
      begin(sessions::takeUnchecked);
    }
    try {
      return scan(last);
    } catch (IOException e) {
      if (!wholeMessage || !reused || answered || link.isClosed()) {
        throw e;
      }
      link.detach();
      begin(sessions::open);
      return scan(last);
    }
  }

  @Override
  public Optional<String> connecting() {
    return connecting ? Optional.of(link.connectFailures()) : Optional.empty();
  }

  @Override
  public void close() {
    link.close();
  }

  /** Parses clamd's answer to INSTREAM, without the session's command number. */
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

  /** Where {@link #begin} gets its session: one of {@link ClamdSessions}' ways. */
  @FunctionalInterface
  private interface SessionSource {
    ClamdSession get(Link link) throws IOException;
  }

  /** Takes a session from {@code source} and makes INSTREAM due on it. */
  private void begin(SessionSource source) throws IOException {
    connecting = true;
    try {
      session = source.get(link);
    } finally {
      connecting = false;
    }
    reused = session.reused();
    command = session.nextCommand();
    commandDue = true;
  }

  private ScannerVerdict scan(byte[] last) throws IOException {
    send(last, true);
    String reply;
    try {
      reply = readReply();
    } catch (IOException e) {
      throw new ScanFailure(
          ScanResult.ERROR, session.endpoint() + ": reading the answer failed: " + e);
    }
    ScannerVerdict v = verdict(unnumbered(reply), session.endpoint());
    // Back to the pool only if the deadline has not closed it meanwhile.
    if (link.release(session.channel())) {
      sessions.give(session);
    }
    return v;
  }

  /**
   * Writes {@code bytes} as one chunk, after the INSTREAM command if it is due and, when {@code
   * end}, followed by the zero length that ends the stream: a message smaller than a batch goes to
   * clamd in one write, and clamd reads it in one wake-up.
   */
  private void send(byte[] bytes, boolean end) throws IOException {
    List<ByteBuffer> out = new ArrayList<>(4);
    if (commandDue) {
      out.add(ByteBuffer.wrap(INSTREAM));
      commandDue = false;
    }
    // A zero length ends the stream in this protocol, so an empty chunk must never be framed.
    if (bytes.length > 0) {
      length.clear();
      length.putInt(bytes.length).flip();
      out.add(length);
      out.add(ByteBuffer.wrap(bytes));
    }
    if (end) {
      out.add(ByteBuffer.wrap(END_OF_STREAM));
    }
    writeFully(out.toArray(ByteBuffer[]::new));
  }

  /** The answer without its {@code N: } prefix; an answer to another command is an error. */
  private String unnumbered(String reply) throws ScanFailure {
    String prefix = command + ": ";
    if (!reply.startsWith(prefix)) {
      throw new ScanFailure(
          ScanResult.ERROR,
          session.endpoint()
              + " answered \""
              + reply
              + "\" to command "
              + command
              + " of its session");
    }
    return reply.substring(prefix.length());
  }

  private void writeFully(ByteBuffer... buffers) throws IOException {
    SocketChannel ch = session.channel();
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
      String reply = readReply();
      verdict(unnumbered(reply), session.endpoint());
      return new ScanFailure(
          ScanResult.ERROR,
          session.endpoint()
              + ": write failed ("
              + writeError
              + ") and clamd answered \""
              + reply
              + "\" before the end of the message");
    } catch (ScanFailure explained) {
      return explained;
    } catch (IOException unexplained) {
      return new ScanFailure(
          ScanResult.ERROR, session.endpoint() + ": write failed: " + writeError);
    }
  }

  private String readReply() throws IOException {
    SocketChannel ch = session.channel();
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
    answered = true;
    return reply.replace("\0", "").strip();
  }
}
