package io.headroom.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal SMTP client for tests: it sends exactly the commands it is told to and hands back the
 * server's reply lines verbatim, so a test can assert the reply text Postfix gives a sender.
 *
 * <p>Every read is bounded by the socket timeout; a reply that does not arrive in time fails the
 * test with {@link UncheckedIOException} rather than hanging it.
 */
public final class SmtpClient implements AutoCloseable {

  /** Long enough for a milter command timeout a test sets to a few seconds. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  public static final String CLIENT_NAME = "client.example.test";

  // RFC 5321 4.5.3.1.5 allows 512 octets; Postfix stays far below. The bounds stop a broken server.
  private static final int MAX_LINE_BYTES = 4096;
  private static final int MAX_REPLY_LINES = 100;
  // After a 421 the server has closed the connection (RFC 5321 3.8): there is no one to QUIT to.
  private static final int SERVICE_CLOSING = 421;
  private static final Pattern QUEUED_AS = Pattern.compile("queued as (\\S+)");

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private SmtpClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects to 127.0.0.1:port; read the banner next with {@link #greeting()}. */
  public static SmtpClient connect(int port) {
    return connect(Ports.LOOPBACK_V4, port, null, DEFAULT_TIMEOUT);
  }

  public static SmtpClient connect(int port, Duration timeout) {
    return connect(Ports.LOOPBACK_V4, port, null, timeout);
  }

  /**
   * Connects to host:port from the given local address (null: any), with {@code timeout} bounding
   * the connect and every later read.
   */
  public static SmtpClient connect(
      InetAddress host, int port, InetAddress localAddress, Duration timeout) {
    int millis = Math.toIntExact(timeout.toMillis());
    Socket socket = new Socket();
    try {
      if (localAddress != null) {
        socket.bind(new InetSocketAddress(localAddress, 0));
      }
      socket.connect(new InetSocketAddress(host, port), millis);
      socket.setSoTimeout(millis);
      // The message and its final dot are two writes: with Nagle's algorithm the dot waits for the
      // server's delayed ACK, adding 40 ms to every message a benchmark times.
      socket.setTcpNoDelay(true);
      return new SmtpClient(socket);
    } catch (IOException e) {
      closeQuietly(socket);
      throw new UncheckedIOException("cannot connect to " + host.getHostAddress() + ":" + port, e);
    }
  }

  /**
   * One whole transaction: banner, EHLO, MAIL FROM, RCPT TO, DATA, the message, QUIT. It stops at
   * the first stage the server refuses (then quits), so the stages after it stay unsent.
   */
  public static Transcript send(int port, String from, String to, byte[] message) {
    return send(port, from, to, message, DEFAULT_TIMEOUT);
  }

  public static Transcript send(
      int port, String from, String to, byte[] message, Duration timeout) {
    try (SmtpClient client = connect(port, timeout)) {
      Transcript.Builder t = new Transcript.Builder();
      if (t.record(Step.GREETING, client.greeting()).isPositive()
          && t.record(Step.EHLO, client.ehlo(CLIENT_NAME)).isPositive()
          && t.record(Step.MAIL, client.mailFrom(from)).isPositive()
          && t.record(Step.RCPT, client.rcptTo(to)).isPositive()
          && t.record(Step.DATA, client.data()).isPositive()) {
        t.record(Step.MESSAGE, client.message(message));
      }
      if (t.last().code() != SERVICE_CLOSING) {
        t.record(Step.QUIT, client.quit());
      }
      return t.build();
    }
  }

  public Reply greeting() {
    return readReply();
  }

  public Reply ehlo(String domain) {
    return command("EHLO " + domain);
  }

  public Reply helo(String domain) {
    return command("HELO " + domain);
  }

  public Reply mailFrom(String address) {
    return command("MAIL FROM:<" + address + ">");
  }

  public Reply rcptTo(String address) {
    return command("RCPT TO:<" + address + ">");
  }

  public Reply data() {
    return command("DATA");
  }

  /**
   * Sends the message after a 354 and the terminating dot. Line ends become CRLF and lines that
   * start with a dot are dot-stuffed (RFC 5321 4.5.2), so a test can pass text with plain LF.
   */
  public Reply message(byte[] content) {
    write(dotStuffed(content));
    write(".\r\n".getBytes(StandardCharsets.US_ASCII));
    return readReply();
  }

  public Reply rset() {
    return command("RSET");
  }

  public Reply quit() {
    return command("QUIT");
  }

  /** Sends one command line (without CRLF) and reads the reply. */
  public Reply command(String line) {
    write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    return readReply();
  }

  @Override
  public void close() {
    closeQuietly(socket);
  }

  private void write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to SMTP server", e);
    }
  }

  private Reply readReply() {
    List<String> lines = new ArrayList<>();
    while (lines.size() < MAX_REPLY_LINES) {
      String line = readLine();
      lines.add(line);
      if (line.length() < 3 || !Character.isDigit(line.charAt(0))) {
        throw new UncheckedIOException(new IOException("not an SMTP reply line: " + line));
      }
      if (line.length() == 3 || line.charAt(3) != '-') {
        return new Reply(lines);
      }
    }
    throw new UncheckedIOException(
        new IOException("reply longer than " + MAX_REPLY_LINES + " lines: " + lines));
  }

  private String readLine() {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try {
      while (line.size() <= MAX_LINE_BYTES) {
        int b = in.read();
        if (b == -1) {
          throw new IOException("connection closed after " + quoted(line));
        }
        if (b == '\n') {
          String text = line.toString(StandardCharsets.UTF_8);
          return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        }
        line.write(b);
      }
      throw new IOException("reply line longer than " + MAX_LINE_BYTES + " bytes");
    } catch (SocketTimeoutException e) {
      throw new UncheckedIOException("no SMTP reply in time after " + quoted(line), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String quoted(ByteArrayOutputStream partial) {
    return "\"" + partial.toString(StandardCharsets.UTF_8) + "\"";
  }

  static byte[] dotStuffed(byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 64);
    boolean lineStart = true;
    for (int i = 0; i < content.length; i++) {
      byte b = content[i];
      if (lineStart && b == '.') {
        out.write('.');
      }
      if (b == '\r' && i + 1 < content.length && content[i + 1] == '\n') {
        continue;
      }
      if (b == '\n') {
        out.write('\r');
      }
      out.write(b);
      lineStart = b == '\n';
    }
    if (!lineStart) {
      out.write('\r');
      out.write('\n');
    }
    return out.toByteArray();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Nothing left to do with a socket that will not close; the test has its replies.
    }
  }

  /** One server reply; a multi-line reply keeps every line as sent. */
  public record Reply(List<String> lines) {

    public Reply {
      lines = List.copyOf(lines);
    }

    public int code() {
      return Integer.parseInt(lines.get(0).substring(0, 3));
    }

    /** 2xx, or 3xx (354 after DATA): the server wants the client to go on. */
    public boolean isPositive() {
      int code = code();
      return code >= 200 && code < 400;
    }

    /** The reply as the server sent it, lines joined with "\n". */
    public String text() {
      return String.join("\n", lines);
    }

    @Override
    public String toString() {
      return text();
    }
  }

  /** The stages of one {@link #send} transaction, in order. */
  private enum Step {
    GREETING,
    EHLO,
    MAIL,
    RCPT,
    DATA,
    MESSAGE,
    QUIT
  }

  /**
   * The replies of one {@link #send} transaction as text (see {@link Reply#text()}); a stage that
   * was never sent because an earlier one was refused is null.
   */
  public record Transcript(
      String greeting,
      String ehlo,
      String mail,
      String rcpt,
      String data,
      String message,
      String quit) {

    /** The queue id from "250 2.0.0 Ok: queued as ID", if the message was accepted. */
    public Optional<String> queueId() {
      if (message == null) {
        return Optional.empty();
      }
      Matcher m = QUEUED_AS.matcher(message);
      return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static final class Builder {
      private final Map<Step, String> texts = new EnumMap<>(Step.class);
      private Reply last;

      Reply last() {
        return last;
      }

      Reply record(Step step, Reply r) {
        texts.put(step, r.text());
        last = r;
        return r;
      }

      Transcript build() {
        return new Transcript(
            texts.get(Step.GREETING),
            texts.get(Step.EHLO),
            texts.get(Step.MAIL),
            texts.get(Step.RCPT),
            texts.get(Step.DATA),
            texts.get(Step.MESSAGE),
            texts.get(Step.QUIT));
      }
    }
  }
}
