package io.headroom.scan;

import io.headroom.config.ScanSettings;
import io.headroom.config.ScannerEndpoint.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The verdict on one message, from all configured scanner kinds together.
 *
 * @param action what the milter does with the message
 * @param reason the reply text after the SMTP codes ({@code ""} for {@link Action#ACCEPT});
 *     printable ASCII, one line, no internal address or path. For {@link Action#QUARANTINE} it is
 *     the quarantine reason.
 * @param detail everything for the log line (backends, replies, exceptions); never message content
 * @param verdicts one per configured scanner kind, in configuration order
 * @param headers headers to add when the message is accepted (spamd's {@code X-Spam-Status})
 */
public record ScanOutcome(
    Action action,
    String reason,
    String detail,
    List<ScannerVerdict> verdicts,
    List<Header> headers) {

  /** Ordered by precedence: when scanners disagree, the later constant wins. */
  public enum Action {
    /** Continue; add {@link ScanOutcome#headers()}. */
    ACCEPT,
    /** Accept into Postfix's hold queue (SMFIR_QUARANTINE) with the reason. */
    QUARANTINE,
    /** {@code 451 4.3.0 <reason>}. */
    TEMPFAIL,
    /** {@code 552 5.3.4 <reason>}: larger than scan_max_size with scan_oversize_action = reject. */
    REJECT_OVERSIZE,
    /**
     * {@code 550 5.7.1 <reason>}: malware (malware_action = reject) or spam above
     * spam_reject_score.
     */
    REJECT
  }

  public record Header(String name, String value) {}

  public static final String SPAM_STATUS_HEADER = "X-Spam-Status";

  public ScanOutcome {
    verdicts = List.copyOf(verdicts);
    headers = List.copyOf(headers);
  }

  /**
   * Combines the scanners' verdicts: a certain reject beats a deferral, a deferral beats
   * acceptance.
   */
  static ScanOutcome decide(
      List<ScannerVerdict> verdicts, ScanSettings settings, Duration deadline) {
    Action action = Action.ACCEPT;
    String reason = "";
    List<Header> headers = new ArrayList<>();
    for (ScannerVerdict v : verdicts) {
      Action a = actionFor(v, settings);
      if (a.compareTo(action) > 0) {
        action = a;
        reason = reasonFor(v, settings, deadline);
      }
      if (v.scanner() == Kind.SPAMD && !Double.isNaN(v.score())) {
        headers.add(spamStatus(v));
      }
    }
    return new ScanOutcome(action, reason, detail(verdicts), verdicts, headers);
  }

  /** The message grew past scan_max_size, so no scanner saw all of it. */
  static ScanOutcome oversize(List<ScannerVerdict> verdicts, ScanSettings settings, long size) {
    String limit = "limit " + Texts.size(settings.maxSize());
    String what = "Message too large to scan (" + Texts.size(size) + ", " + limit + ")";
    String detail =
        "message of "
            + size
            + " bytes exceeds scan_max_size "
            + settings.maxSize()
            + ", not scanned: "
            + detail(verdicts);
    return switch (settings.oversizeAction()) {
      case SKIP -> new ScanOutcome(Action.ACCEPT, "", detail, verdicts, List.of());
      case REJECT ->
          new ScanOutcome(Action.REJECT_OVERSIZE, what + ", rejected", detail, verdicts, List.of());
      case TEMPFAIL ->
          new ScanOutcome(
              Action.TEMPFAIL,
              what + ", not accepted unscanned, try again later",
              detail,
              verdicts,
              List.of());
    };
  }

  private static Action actionFor(ScannerVerdict v, ScanSettings settings) {
    if (v.result().isFailure()) {
      return Action.TEMPFAIL;
    }
    if (v.result() == ScanResult.INFECTED) {
      return switch (settings.malwareAction()) {
        case REJECT -> Action.REJECT;
        case TEMPFAIL -> Action.TEMPFAIL;
        case QUARANTINE -> Action.QUARANTINE;
      };
    }
    // Compared with our own limit, not spamd's required score: spamd's "Spam: True" only tags.
    // A NaN limit never compares true, which is how "never reject" is written.
    if (v.scanner() == Kind.SPAMD && v.score() >= settings.spamRejectScore()) {
      return Action.REJECT;
    }
    return Action.ACCEPT;
  }

  private static String reasonFor(ScannerVerdict v, ScanSettings settings, Duration deadline) {
    String scanner = Texts.scannerName(v.scanner());
    String unscanned = ", message not accepted unscanned, try again later";
    return switch (v.result()) {
      case TIMEOUT -> scanner + " did not answer within " + Texts.duration(deadline) + unscanned;
      case UNREACHABLE -> scanner + " unreachable" + unscanned;
      case ERROR -> scanner + " failed" + unscanned;
      case SIZE_LIMIT ->
          "Message exceeds the stream size limit of " + v.scanner().label() + unscanned;
      case INFECTED -> {
        String what = "Message contains malware (" + Texts.signature(v.signature()) + ")";
        yield switch (settings.malwareAction()) {
          case REJECT -> what + ", rejected";
          case TEMPFAIL -> what + ", not accepted, try again later";
          case QUARANTINE -> what + ", held for inspection";
        };
      }
      default ->
          "Message looks like spam (score "
              + Texts.score(v.score())
              + ", limit "
              + Texts.score(settings.spamRejectScore())
              + "), rejected";
    };
  }

  private static Header spamStatus(ScannerVerdict v) {
    String flag = v.result() == ScanResult.SPAM ? "Yes" : "No";
    return new Header(
        SPAM_STATUS_HEADER,
        flag + ", score=" + Texts.score(v.score()) + " required=" + Texts.score(v.threshold()));
  }

  private static String detail(List<ScannerVerdict> verdicts) {
    return verdicts.stream()
        .map(
            v ->
                v.scanner().label()
                    + "="
                    + v.result().word()
                    + " in "
                    + v.took().toMillis()
                    + "ms ("
                    + v.detail()
                    + ")")
        .collect(Collectors.joining("; "));
  }
}
