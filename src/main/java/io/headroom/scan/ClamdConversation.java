package io.headroom.scan;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.headroom.config.ScannerEndpoint;
import io.headroom.config.ScannerEndpoint.Kind;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * clamd's INSTREAM command, inside a clamd session ({@link ClamdSession}): {@code zINSTREAM\0},
 * then chunks each prefixed by its length as a 4-byte big-endian integer, then a zero length; clamd
 * answers one NUL-terminated line prefixed with the command's number ({@code 3: stream: OK}, {@code
 * 3: stream: NAME FOUND}, {@code 3: ... ERROR}). Each chunk goes to clamd as it arrives, so memory
 * per message is one chunk, whatever the message size.
 *
 * <p>The steps run in order on the session's event loop, where the clamd session's connection
 * lives; only opening a new connection runs on the scan executor, since it blocks. A session that
 * clamd closed while it sat idle is seen as such by the event loop; one closed in the instant
 * before the message reached it fails the scan, which is then retried once on a new connection when
 * the whole message is still at hand (it was sent in the last step, as every message smaller than a
 * batch is). Otherwise the failure stands, and the message is deferred.
 */
final class ClamdConversation implements Conversation {

  private static final byte[] INSTREAM = "zINSTREAM\0".getBytes(US_ASCII);
  private static final byte[] END_OF_STREAM = new byte[4];
  private static final String SIZE_LIMIT_REPLY = "INSTREAM size limit exceeded";

  private final ClamdSessions sessions;
  private final EventLoop loop;
  private final Executor io;
  private final Link link = new Link();
  private volatile boolean connecting;

  /** The last step asked for; touched only by the caller, in milter order. */
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

  // Touched only by the steps, one after the other, on the event loop:
  private ClamdSession session;
  private int command;
  private boolean reused;
  private boolean answered;

  /** INSTREAM is due but not written: it goes out with the first bytes, in the same write. */
  private boolean commandDue;

  /**
   * @param loop the event loop of the milter session whose message this is
   * @param io where a new connection is opened
   */
  ClamdConversation(ClamdSessions sessions, EventLoop loop, Executor io) {
    this.sessions = sessions;
    this.loop = loop;
    this.io = io;
  }

  @Override
  public CompletableFuture<Void> write(byte[] bytes) {
    return step(() -> ready().thenCompose(v -> send(bytes, false)));
  }

  @Override
  public CompletableFuture<ScannerVerdict> finish(byte[] last) {
    return step(
        () -> {
          boolean wholeMessage = session == null;
          return ready()
              .thenCompose(v -> scan(last))
              .exceptionallyCompose(
                  e -> {
                    if (!wholeMessage || !reused || answered || link.isClosed()) {
                      return CompletableFuture.failedFuture(e);
                    }
                    link.detach();
                    session = null;
                    return connect().thenCompose(v -> scan(last));
                  });
        });
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

  /** Runs {@code body} on the event loop once the steps before it are done. */
  private <T> CompletableFuture<T> step(Supplier<CompletableFuture<T>> body) {
    CompletableFuture<T> next =
        tail.thenCompose(
            ignored ->
                loop.inEventLoop()
                    ? body.get()
                    : CompletableFuture.supplyAsync(body, loop).thenCompose(f -> f));
    tail = next;
    return next;
  }

  /** Completes when the conversation has a session: an idle one, else a new connection. */
  private CompletableFuture<Void> ready() {
    if (session != null) {
      return CompletableFuture.completedFuture(null);
    }
    ClamdSession idle = sessions.takeIdle(loop);
    if (idle == null) {
      return connect();
    }
    try {
      link.attach(idle);
    } catch (IOException closed) {
      return CompletableFuture.failedFuture(closed);
    }
    begin(idle);
    return CompletableFuture.completedFuture(null);
  }

  /** Opens a session on a new connection, on the scan executor since that blocks. */
  private CompletableFuture<Void> connect() {
    connecting = true;
    return CompletableFuture.supplyAsync(
            () -> {
              try {
                return sessions.open(link, loop);
              } catch (ScanFailure e) {
                throw new CompletionException(e);
              } finally {
                connecting = false;
              }
            },
            io)
        .thenAcceptAsync(this::begin, loop);
  }

  /** Makes INSTREAM due on {@code s}. */
  private void begin(ClamdSession s) {
    session = s;
    reused = s.reused();
    command = s.nextCommand();
    commandDue = true;
  }

  private CompletableFuture<ScannerVerdict> scan(byte[] last) {
    ScannerEndpoint endpoint = session.endpoint();
    return send(last, true)
        .thenCompose(
            v ->
                session
                    .answer()
                    .exceptionallyCompose(
                        e ->
                            CompletableFuture.failedFuture(
                                new ScanFailure(
                                    ScanResult.ERROR,
                                    endpoint
                                        + ": reading the answer failed: "
                                        + ScanFailure.causeOf(e)))))
        .thenApply(
            reply -> {
              answered = true;
              ScannerVerdict v = parse(reply);
              // Back to the pool only if the deadline has not closed it meanwhile.
              if (link.release(session)) {
                sessions.give(session);
              }
              return v;
            });
  }

  /** The verdict in {@code reply}, a failure thrown as the stage's cause. */
  private ScannerVerdict parse(String reply) {
    try {
      return verdict(unnumbered(reply), session.endpoint());
    } catch (ScanFailure f) {
      throw new CompletionException(f);
    }
  }

  /**
   * Writes {@code bytes} as one chunk, after the INSTREAM command if it is due and, when {@code
   * end}, followed by the zero length that ends the stream: a message smaller than a batch goes to
   * clamd in one write, and clamd reads it in one wake-up.
   */
  private CompletableFuture<Void> send(byte[] bytes, boolean end) {
    List<byte[]> out = new ArrayList<>(4);
    if (commandDue) {
      out.add(INSTREAM);
      commandDue = false;
    }
    // A zero length ends the stream in this protocol, so an empty chunk must never be framed.
    if (bytes.length > 0) {
      out.add(ByteBuffer.allocate(4).putInt(bytes.length).array());
      out.add(bytes);
    }
    if (end) {
      out.add(END_OF_STREAM);
    }
    return session
        .write(Unpooled.wrappedBuffer(out.toArray(byte[][]::new)))
        .exceptionallyCompose(this::failedWrite);
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

  /**
   * clamd stops reading and closes the connection when the stream passes its StreamMaxLength, after
   * saying why; a write then fails with a broken pipe, and the reason is in the answer.
   */
  private CompletableFuture<Void> failedWrite(Throwable failure) {
    Throwable writeError = ScanFailure.causeOf(failure);
    if (link.isClosed()) {
      return CompletableFuture.failedFuture(writeError);
    }
    ScannerEndpoint endpoint = session.endpoint();
    return session
        .answer()
        .handle(
            (reply, unanswered) -> {
              if (unanswered != null) {
                throw new CompletionException(
                    new ScanFailure(ScanResult.ERROR, endpoint + ": write failed: " + writeError));
              }
              parse(reply);
              throw new CompletionException(
                  new ScanFailure(
                      ScanResult.ERROR,
                      endpoint
                          + ": write failed ("
                          + writeError
                          + ") and clamd answered \""
                          + reply
                          + "\" before the end of the message"));
            });
  }
}
