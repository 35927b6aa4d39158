package io.headroom.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.headroom.config.ScanSettings;
import io.headroom.config.ScanSettings.MalwareAction;
import io.headroom.config.ScanSettings.OversizeAction;
import io.headroom.config.ScannerEndpoint.Kind;
import io.headroom.scan.ScanOutcome.Action;
import io.headroom.scan.ScanOutcome.Header;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScanOutcomeTest {

  private static final Duration T = Duration.ofMillis(12);

  private static ScanSettings settings(
      MalwareAction malware, OversizeAction oversize, double rejectScore) {
    return new ScanSettings(
        List.of(),
        Duration.ofSeconds(30),
        Duration.ZERO,
        25L << 20,
        1L << 30,
        oversize,
        malware,
        rejectScore);
  }

  private static final ScanSettings DEFAULTS =
      settings(MalwareAction.REJECT, OversizeAction.SKIP, 10.0);

  private static ScannerVerdict clamd(ScanResult r) {
    return ScannerVerdict.of(Kind.CLAMD, r, T, "d");
  }

  private static ScannerVerdict infected() {
    return new ScannerVerdict(
        Kind.CLAMD, ScanResult.INFECTED, "Eicar-Signature", Double.NaN, Double.NaN, T, "d");
  }

  private static ScannerVerdict spamd(ScanResult r, double score) {
    return new ScannerVerdict(Kind.SPAMD, r, "", score, 5.0, T, "d");
  }

  private static ScanOutcome decide(ScanSettings s, ScannerVerdict... v) {
    return ScanOutcome.decide(List.of(v), s, Duration.ofSeconds(30));
  }

  @Test
  void cleanIsAcceptedWithSpamStatus() {
    ScanOutcome o = decide(DEFAULTS, clamd(ScanResult.CLEAN), spamd(ScanResult.CLEAN, 3.3));
    assertEquals(Action.ACCEPT, o.action());
    assertEquals("", o.reason());
    assertEquals(List.of(new Header("X-Spam-Status", "No, score=3.3 required=5.0")), o.headers());
    assertEquals("clamd=clean in 12ms (d); spamd=clean in 12ms (d)", o.detail());
  }

  @Test
  void spamBelowTheRejectScoreIsTagged() {
    ScanOutcome o = decide(DEFAULTS, spamd(ScanResult.SPAM, 7.2));
    assertEquals(Action.ACCEPT, o.action());
    assertEquals(List.of(new Header("X-Spam-Status", "Yes, score=7.2 required=5.0")), o.headers());
  }

  /**
   * Ours replaces the message's own X-Spam-Status headers, up to a limit: with more it could not be
   * the only one, and a message that would get ours is rejected instead, a deferral included (a
   * certain reject beats it). One spamd did not score gets no header of ours and is left alone.
   */
  @Test
  void moreOwnSpamStatusHeadersThanCanBeReplacedAreRejected() {
    ScanOutcome clean = decide(DEFAULTS, clamd(ScanResult.CLEAN), spamd(ScanResult.CLEAN, 3.3));
    assertEquals(clean, clean.replacingSpamStatus(100, 100), "at the limit all are replaced");
    ScanOutcome tooMany = clean.replacingSpamStatus(101, 100);
    assertEquals(Action.REJECT, tooMany.action());
    assertEquals(
        "Message has too many X-Spam-Status headers (101, limit 100), rejected", tooMany.reason());
    assertEquals(
        "clamd=clean in 12ms (d); spamd=clean in 12ms (d);"
            + " 101 X-Spam-Status headers of its own, more than 100 to replace",
        tooMany.detail());
    ScanOutcome deferred =
        decide(DEFAULTS, clamd(ScanResult.TIMEOUT), spamd(ScanResult.CLEAN, 3.3));
    assertEquals(Action.REJECT, deferred.replacingSpamStatus(101, 100).action());
    ScanOutcome spam = decide(DEFAULTS, spamd(ScanResult.SPAM, 1003.7));
    assertEquals(spam, spam.replacingSpamStatus(101, 100), "already rejected as spam");
    ScanOutcome unscored = decide(DEFAULTS, clamd(ScanResult.CLEAN));
    assertEquals(unscored, unscored.replacingSpamStatus(101, 100), "no header of ours to add");
    ScanOutcome held =
        decide(
            settings(MalwareAction.QUARANTINE, OversizeAction.SKIP, 10),
            infected(),
            spamd(ScanResult.CLEAN, 3.3));
    assertEquals(Action.QUARANTINE, held.action());
    assertEquals(held, held.replacingSpamStatus(101, 100), "malware stays held for inspection");
  }

  @Test
  void spamAtTheRejectScoreIsRejected() {
    ScanOutcome o = decide(DEFAULTS, spamd(ScanResult.SPAM, 1003.7));
    assertEquals(Action.REJECT, o.action());
    assertEquals("Message looks like spam (score 1003.7, limit 10.0), rejected", o.reason());
  }

  @Test
  void nanRejectScoreNeverRejects() {
    ScanOutcome o =
        decide(
            settings(MalwareAction.REJECT, OversizeAction.SKIP, Double.NaN),
            spamd(ScanResult.SPAM, 1003.7));
    assertEquals(Action.ACCEPT, o.action());
  }

  @Test
  void malwareFollowsTheMalwareAction() {
    assertEquals(
        "Message contains malware (Eicar-Signature), rejected",
        decide(DEFAULTS, infected()).reason());
    ScanOutcome held =
        decide(settings(MalwareAction.QUARANTINE, OversizeAction.SKIP, 10), infected());
    assertEquals(Action.QUARANTINE, held.action());
    assertEquals("Message contains malware (Eicar-Signature), held for inspection", held.reason());
    assertEquals(
        Action.TEMPFAIL,
        decide(settings(MalwareAction.TEMPFAIL, OversizeAction.SKIP, 10), infected()).action());
  }

  @Test
  void failuresDeferWithThePublicReason() {
    assertEquals(
        "Virus scanner clamd did not answer within 30s, message not accepted unscanned, try again"
            + " later",
        decide(DEFAULTS, clamd(ScanResult.TIMEOUT)).reason());
    assertEquals(
        "Virus scanner clamd unreachable, message not accepted unscanned, try again later",
        decide(DEFAULTS, clamd(ScanResult.UNREACHABLE)).reason());
    assertEquals(
        "Spam scanner spamd failed, message not accepted unscanned, try again later",
        decide(DEFAULTS, spamd(ScanResult.ERROR, Double.NaN)).reason());
    assertEquals(
        "Message exceeds the stream size limit of clamd, message not accepted unscanned, try again"
            + " later",
        decide(DEFAULTS, clamd(ScanResult.SIZE_LIMIT)).reason());
    assertEquals(Action.TEMPFAIL, decide(DEFAULTS, clamd(ScanResult.TIMEOUT)).action());
  }

  @Test
  void aCertainRejectBeatsADeferral() {
    ScanOutcome o = decide(DEFAULTS, clamd(ScanResult.TIMEOUT), spamd(ScanResult.SPAM, 1003.7));
    assertEquals(Action.REJECT, o.action());
    ScanOutcome deferred =
        decide(
            settings(MalwareAction.QUARANTINE, OversizeAction.SKIP, 10),
            infected(),
            spamd(ScanResult.UNREACHABLE, Double.NaN));
    assertEquals(Action.TEMPFAIL, deferred.action());
    assertEquals(
        "Spam scanner spamd unreachable, message not accepted unscanned, try again later",
        deferred.reason());
  }

  @Test
  void oversizeFollowsTheOversizeAction() {
    List<ScannerVerdict> skipped = List.of(clamd(ScanResult.SKIPPED));
    long size = 30L << 20;
    assertEquals(Action.ACCEPT, ScanOutcome.oversize(skipped, DEFAULTS, size).action());
    ScanOutcome rejected =
        ScanOutcome.oversize(
            skipped, settings(MalwareAction.REJECT, OversizeAction.REJECT, 10), size);
    assertEquals(Action.REJECT_OVERSIZE, rejected.action());
    assertEquals("Message too large to scan (30 MiB, limit 25 MiB), rejected", rejected.reason());
    ScanOutcome deferred =
        ScanOutcome.oversize(
            skipped, settings(MalwareAction.REJECT, OversizeAction.TEMPFAIL, 10), size);
    assertEquals(
        "Message too large to scan (30 MiB, limit 25 MiB), message not accepted unscanned, try again"
            + " later",
        deferred.reason());
  }

  @Test
  void signatureNamesAreMadeSafeForAReply() {
    ScannerVerdict odd =
        new ScannerVerdict(
            Kind.CLAMD, ScanResult.INFECTED, "Bad\r\nName é", Double.NaN, Double.NaN, T, "d");
    assertEquals(
        "Message contains malware (Bad__Name__), rejected", decide(DEFAULTS, odd).reason());
  }
}
