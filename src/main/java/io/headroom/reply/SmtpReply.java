package io.headroom.reply;

/**
 * An SMTP reply the milter hands to Postfix with SMFIR_REPLYCODE.
 *
 * <p>The text is made safe here, once, for every reply: one line of printable ASCII (a CR or LF from
 * a probe's or scanner's words would let a peer inject a second reply), at most 200 characters, and
 * {@code %} doubled because Postfix expands {@code %} in milter reply text.
 */
public record SmtpReply(int code, String enhanced, String text) {
  public static final int MAX_LENGTH = 200;

  public static SmtpReply defer(String reason) {
    return new SmtpReply(451, "4.3.0", reason + ", try again later");
  }

  public static SmtpReply reject(String reason) {
    return new SmtpReply(550, "5.7.1", reason);
  }

  /** The line as the client reads it. */
  public String line() {
    String head = code + " " + enhanced + " ";
    StringBuilder out = new StringBuilder(head);
    for (int i = 0; i < text.length() && out.length() < MAX_LENGTH; i++) {
      char c = text.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return out.toString();
  }

  /** The bytes of the SMFIR_REPLYCODE payload, NUL-terminated, with {@code %} escaped for Postfix. */
  public byte[] payload() {
    byte[] text = line().replace("%", "%%").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] out = new byte[text.length + 1];
    System.arraycopy(text, 0, out, 0, text.length);
    return out;
  }
}
