package io.headroom.scan;

import io.headroom.config.ScanSettings;
import io.headroom.config.ScannerEndpoint.Kind;
import io.headroom.config.Units;
import io.headroom.reply.Consequence;
import io.headroom.reply.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The verdict on one message, from all configured scanner kinds together.
 *
 * @param action what the milter does with the message
 * @param refusal why and with what consequence the message is not simply accepted (the reply, or
 *     for {@link Action#QUARANTINE} the quarantine reason); empty for {@link Action#ACCEPT}
 * @param detail everything for the log line (backends, replies, exceptions); never message content
 * @param verdicts one per configured scanner kind, in configuration order
 * @param headers headers to add when the message is accepted (spamd's {@code X-Spam-Status})
 */
public record ScanOutcome(
    Action action,
    Optional<Refusal> refusal,
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

  /** The words of a refusal: no internal address or path, a scanner's text sanitised. */
  public record Refusal(Reason reason, Consequence consequence) {
    public String text() {
      return consequence.text(reason);
    }
  }

  private static final int MAX_SIGNATURE = 80;

  public static final String SPAM_STATUS_HEADER = "X-Spam-Status";

  public ScanOutcome {
    verdicts = List.copyOf(verdicts);
    headers = List.copyOf(headers);
  }

  /**
   * This outcome for a message that came with {@code incoming} X-Spam-Status headers of its own, of
   * which at most {@code limit} can be replaced by ours: when it would get ours and has more, it is
   * rejected (550 5.7.1), since ours could not be the only one. So is a deferred one: the headers
   * are the message's own, and a retry would meet the same refusal. One rejected or quarantined
   * already stays as it is.
   */
  public ScanOutcome replacingSpamStatus(int incoming, int limit) {
    boolean tagged = headers.stream().anyMatch(h -> h.name().equals(SPAM_STATUS_HEADER));
    boolean acceptedOrDeferred = action == Action.ACCEPT || action == Action.TEMPFAIL;
    if (!tagged || incoming <= limit || !acceptedOrDeferred) {
      return this;
    }
    Reason tooMany =
        Reason.of(
            "Message",
            "has too many " + SPAM_STATUS_HEADER + " headers",
            Integer.toString(incoming),
            "limit " + limit);
    return new ScanOutcome(
        Action.REJECT,
        Optional.of(new Refusal(tooMany, Consequence.REJECT)),
        String.format(
            "%s; %d %s headers of its own, more than %d to replace",
            detail, incoming, SPAM_STATUS_HEADER, limit),
        verdicts,
        headers);
  }

  /** The reply's or quarantine's text after the SMTP codes; empty for {@link Action#ACCEPT}. */
  public String reason() {
    return refusal.map(Refusal::text).orElse("");
  }

  /**
   * Combines the scanners' verdicts: a certain reject beats a deferral, a deferral beats
   * acceptance.
   */
  static ScanOutcome decide(
      List<ScannerVerdict> verdicts, ScanSettings settings, Duration deadline) {
    Action action = Action.ACCEPT;
    Optional<Refusal> refusal = Optional.empty();
    List<Header> headers = new ArrayList<>();
    for (ScannerVerdict v : verdicts) {
      Action a = actionFor(v, settings);
      if (a.compareTo(action) > 0) {
        action = a;
        refusal = Optional.of(refusalFor(v, settings, deadline));
      }
      if (v.scanner() == Kind.SPAMD && !Double.isNaN(v.score())) {
        headers.add(spamStatus(v));
      }
    }
    return new ScanOutcome(action, refusal, detail(verdicts), verdicts, headers);
  }

  /** The message grew past scan_max_size, so no scanner saw all of it. */
  static ScanOutcome oversize(List<ScannerVerdict> verdicts, ScanSettings settings, long size) {
    Reason tooLarge =
        Reason.of(
            "Message",
            "too large to scan",
            Units.formatSize(size),
            "limit " + Units.formatSize(settings.maxSize()));
    String detail =
        "message of "
            + size
            + " bytes exceeds scan_max_size "
            + settings.maxSize()
            + ", not scanned: "
            + detail(verdicts);
    return switch (settings.oversizeAction()) {
      case SKIP -> new ScanOutcome(Action.ACCEPT, Optional.empty(), detail, verdicts, List.of());
      case REJECT ->
          new ScanOutcome(
              Action.REJECT_OVERSIZE,
              Optional.of(new Refusal(tooLarge, Consequence.REJECT_SIZE)),
              detail,
              verdicts,
              List.of());
      case TEMPFAIL ->
          new ScanOutcome(
              Action.TEMPFAIL,
              Optional.of(new Refusal(tooLarge, Consequence.DEFER_UNSCANNED)),
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

  private static Refusal refusalFor(ScannerVerdict v, ScanSettings settings, Duration deadline) {
    String scanner = v.scanner().noun();
    return switch (v.result()) {
      case TIMEOUT ->
          unscanned(Reason.of(scanner, "did not answer within " + Units.formatDuration(deadline)));
      case UNREACHABLE -> unscanned(Reason.of(scanner, "unreachable"));
      case ERROR -> unscanned(Reason.of(scanner, "failed"));
      case SIZE_LIMIT ->
          unscanned(
              Reason.of("Message", "exceeds the stream size limit of " + v.scanner().label()));
      case INFECTED -> {
        Reason malware = Reason.of("Message", "contains malware", signature(v.signature()));
        yield new Refusal(
            malware,
            switch (settings.malwareAction()) {
              case REJECT -> Consequence.REJECT;
              case TEMPFAIL -> Consequence.DEFER_VERDICT;
              case QUARANTINE -> Consequence.HOLD;
            });
      }
      default ->
          new Refusal(
              Reason.of(
                  "Message",
                  "looks like spam",
                  "score " + score(v.score()),
                  "limit " + score(settings.spamRejectScore())),
              Consequence.REJECT);
    };
  }

  private static Refusal unscanned(Reason reason) {
    return new Refusal(reason, Consequence.DEFER_UNSCANNED);
  }

  private static String score(double score) {
    // + 0.0 turns spamd's "-0.0" into 0.0.
    return Units.fixed(score + 0.0, 1);
  }

  /**
   * A malware name as it may appear in an SMTP reply: printable ASCII only, no CR or LF, bounded,
   * because it comes from the scanner (and, for custom databases, from whoever wrote them).
   */
  static String signature(String name) {
    StringBuilder out = new StringBuilder(Math.min(name.length(), MAX_SIGNATURE));
    for (int i = 0; i < name.length() && out.length() < MAX_SIGNATURE; i++) {
      char c = name.charAt(i);
      out.append(c > ' ' && c < 0x7f ? c : '_');
    }
    return out.toString();
  }

  private static Header spamStatus(ScannerVerdict v) {
    String flag = v.result() == ScanResult.SPAM ? "Yes" : "No";
    return new Header(
        SPAM_STATUS_HEADER,
        flag + ", score=" + score(v.score()) + " required=" + score(v.threshold()));
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
