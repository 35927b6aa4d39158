package io.headroom.reply;

import java.nio.charset.StandardCharsets;

/**
 * An SMTP reply the milter hands to Postfix with SMFIR_REPLYCODE, composed only from a {@link
 * Reason} and a {@link Consequence}, so every deferral and rejection reads the same way.
 *
 * <p>The text is made safe here, once, for every reply: one line of printable ASCII (a CR or LF
 * from a probe's or scanner's words would let a peer inject a second reply), at most 200
 * characters, and {@code %} doubled because Postfix expands {@code %} in milter reply text.
 */
public final class SmtpReply {
  public static final int MAX_LENGTH = 200;

  private final int code;
  private final String line;

  private SmtpReply(int code, String line) {
    this.code = code;
    this.line = line;
  }

  /** {@code 451 4.3.0 <reason>, try again later}. */
  public static SmtpReply defer(Reason reason) {
    return of(Consequence.DEFER, reason);
  }

  public static SmtpReply of(Consequence consequence, Reason reason) {
    if (consequence == Consequence.HOLD) {
      throw new IllegalArgumentException("a quarantine is not an SMTP reply");
    }
    return new SmtpReply(
        consequence.code(),
        safeLine(
            consequence.code() + " " + consequence.enhanced() + " " + consequence.text(reason)));
  }

  public int code() {
    return code;
  }

  /** The line as the client reads it. */
  public String line() {
    return line;
  }

  /**
   * The bytes of the SMFIR_REPLYCODE payload, NUL-terminated, with {@code %} escaped for Postfix.
   */
  public byte[] payload() {
    byte[] text = line.replace("%", "%%").getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[text.length + 1];
    System.arraycopy(text, 0, out, 0, text.length);
    return out;
  }

  @Override
  public String toString() {
    return line;
  }

  private static String safeLine(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_LENGTH));
    for (int i = 0; i < text.length() && out.length() < MAX_LENGTH; i++) {
      char c = text.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return out.toString();
  }
}
