package io.headroom.scan;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.headroom.config.ScannerEndpoint;
import io.headroom.config.ScannerEndpoint.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * spamd's SPAMC/1.5 {@code CHECK}: a request line, {@code Content-length}, a blank line, the
 * message; spamd answers {@code SPAMD/1.1 0 EX_OK} and {@code Spam: True ; 1003.7 / 5.0}, then
 * closes. The length must come first, so the message is kept in a {@link Spool} while it arrives
 * and sent when it is complete. Because the whole message is at hand, a backend that fails in the
 * middle of the exchange can be replaced by the next one.
 */
final class SpamdConversation implements BlockingConversation {

  private static final int MAX_REPLY = 16 * 1024;
  private static final Pattern STATUS = Pattern.compile("SPAMD/\\d+\\.\\d+\\s+(\\d+)\\s+(.*)");
  private static final Pattern SPAM =
      Pattern.compile(
          "Spam:\\s*(True|False|Yes|No)\\s*;\\s*(-?\\d+(?:\\.\\d+)?)\\s*/\\s*(-?\\d+(?:\\.\\d+)?)",
          Pattern.CASE_INSENSITIVE);

  private final BackendPool pool;
  private final Spool spool;
  private final Link link = new Link();
  private volatile boolean connecting;

  SpamdConversation(BackendPool pool, Path spoolDirectory, int memoryLimit) {
    this.pool = pool;
    this.spool = new Spool(spoolDirectory, memoryLimit);
  }

  @Override
  public void write(byte[] bytes) throws IOException {
    spool.write(bytes);
  }

  @Override
  public ScannerVerdict finish(byte[] lastBytes) throws IOException {
    if (lastBytes.length > 0) {
      spool.write(lastBytes);
    }
    // Each attempt begins with the next backend, twice round them all: a spamd that resets the
    // connection while its children restart is retried, and one that accepts connections and
    // fails every exchange (a crashed child, a proxy in front of a dead spamd) is passed over.
    int attempts = pool.endpoints().size() * 2;
    IOException last = null;
    for (int i = 0; i < attempts && !link.isClosed(); i++) {
      BackendPool.Connected<SocketChannel> c = connect(i);
      try {
        return verdict(exchange(c.connection()), c.endpoint());
      } catch (ScanFailure answered) {
        throw answered;
      } catch (IOException e) {
        last = new IOException(c.endpoint() + ": " + e, e);
        link.detach();
      }
    }
    throw new ScanFailure(ScanResult.ERROR, "spamd exchange failed: " + last);
  }

  @Override
  public Optional<String> connecting() {
    return connecting ? Optional.of(link.connectFailures()) : Optional.empty();
  }

  @Override
  public void close() {
    link.close();
    spool.close();
  }

  /**
   * Parses spamd's answer to CHECK (or SYMBOLS; only the status line and the Spam header count).
   */
  static ScannerVerdict verdict(String reply, ScannerEndpoint from) throws ScanFailure {
    String firstLine = reply.lines().findFirst().orElse("");
    String detail = from + " answered \"" + firstLine + '"';
    Matcher status = STATUS.matcher(firstLine);
    if (!status.matches()) {
      throw new ScanFailure(ScanResult.ERROR, detail + ", not a SPAMD status line");
    }
    if (!status.group(1).equals("0")) {
      throw new ScanFailure(ScanResult.ERROR, detail);
    }
    Matcher spam =
        reply.lines().map(SPAM::matcher).filter(Matcher::lookingAt).findFirst().orElse(null);
    if (spam == null) {
      throw new ScanFailure(ScanResult.ERROR, detail + " without a Spam header");
    }
    boolean isSpam =
        spam.group(1).equalsIgnoreCase("true") || spam.group(1).equalsIgnoreCase("yes");
    double score = Double.parseDouble(spam.group(2));
    double threshold = Double.parseDouble(spam.group(3));
    return new ScannerVerdict(
        Kind.SPAMD,
        isSpam ? ScanResult.SPAM : ScanResult.CLEAN,
        "",
        score,
        threshold,
        Duration.ZERO,
        from + " scored " + spam.group(2) + " / " + spam.group(3));
  }

  private BackendPool.Connected<SocketChannel> connect(int first) throws ScanFailure {
    connecting = true;
    try {
      return pool.connect(link, BackendPool::open, first);
    } finally {
      connecting = false;
    }
  }

  private String exchange(SocketChannel ch) throws IOException {
    String request = "CHECK SPAMC/1.5\r\nContent-length: " + spool.size() + "\r\n\r\n";
    ByteBuffer head = ByteBuffer.wrap(request.getBytes(US_ASCII));
    while (head.hasRemaining()) {
      ch.write(head);
    }
    spool.copyTo(ch);
    ch.shutdownOutput();
    ByteBuffer buf = ByteBuffer.allocate(MAX_REPLY);
    while (buf.hasRemaining() && ch.read(buf) >= 0) {
      // spamd closes the connection after its answer.
    }
    if (buf.position() == 0) {
      throw new IOException("spamd closed the connection without an answer");
    }
    buf.flip();
    return US_ASCII.decode(buf).toString();
  }
}
