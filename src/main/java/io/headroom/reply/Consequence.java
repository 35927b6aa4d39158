package io.headroom.reply;

/**
 * What happens to the message, as the SMTP code and the words after the reason. The sender's MTA
 * acts on the code; the words tell the person reading the bounce or the log whether to wait.
 */
public enum Consequence {
  /** The message stays with the sender, who retries. */
  DEFER(451, "4.3.0", ", try again later"),
  /** A scanner gave no verdict: deferred rather than accepted unscanned. */
  DEFER_UNSCANNED(451, "4.3.0", ", message not accepted unscanned, try again later"),
  /** Deferred although the verdict is known (malware_action = tempfail). */
  DEFER_VERDICT(451, "4.3.0", ", not accepted, try again later"),
  /** Something failed inside the milter itself. */
  DEFER_INTERNAL(451, "4.3.0", ", message not accepted, try again later"),
  /** Refused for its content (malware, spam). */
  REJECT(550, "5.7.1", ", rejected"),
  /** Refused for its size (scan_oversize_action = reject). */
  REJECT_SIZE(552, "5.3.4", ", rejected"),
  /** Accepted into Postfix's hold queue: the words are the quarantine reason, not an SMTP reply. */
  HOLD(0, "", ", held for inspection");

  private final int code;
  private final String enhanced;
  private final String suffix;

  Consequence(int code, String enhanced, String suffix) {
    this.code = code;
    this.enhanced = enhanced;
    this.suffix = suffix;
  }

  int code() {
    return code;
  }

  String enhanced() {
    return enhanced;
  }

  /** The reason followed by this consequence's words, e.g. {@code ..., try again later}. */
  public String text(Reason reason) {
    return reason.text() + suffix;
  }
}
