package io.headroom.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.BypassRules;
import io.headroom.config.Check;
import io.headroom.config.CidrBlock;
import io.headroom.config.Config;
import io.headroom.config.Mode;
import io.headroom.config.Stage;
import io.headroom.health.CheckState;
import io.headroom.health.HealthSnapshot;
import io.headroom.metrics.Metrics;
import io.headroom.metrics.MicrometerMetrics;
import io.headroom.probe.Measure;
import io.headroom.probe.ProbeResult;
import io.headroom.reply.Reason;
import io.headroom.scan.ScanResult;
import io.headroom.scan.ScanService;
import io.headroom.support.ConfigFiles;
import io.headroom.support.FakeMta;
import io.headroom.support.LoopbackServers;
import io.headroom.support.Ports;
import io.headroom.support.RecordingMetrics;
import io.headroom.support.TestLoop;
import io.headroom.transport.MemoryBudget;
import io.headroom.transport.ProtocolError;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.MilterHandler;
import org.nightcode.milter.ProtocolSteps;
import org.nightcode.milter.ResponseCode;

class GateHandlerTest {
  private static final Reason DISK_REASON =
      Reason.of("Mail spool disk", "nearly full", "2.1% free", "need 5%");
  private final AtomicReference<HealthSnapshot> health = new AtomicReference<>(snapshot());
  private final RecordingMetrics metrics = new RecordingMetrics();
  private final List<String> counted = metrics.events();

  private static CheckState state(
      Check check, String probe, boolean healthy, Mode mode, Reason reason) {
    return state(check, probe, healthy, mode, Stage.RCPT, reason);
  }

  private static CheckState state(
      Check check, String probe, boolean healthy, Mode mode, Stage stage, Reason reason) {
    ProbeResult r =
        new ProbeResult(
            check,
            probe,
            Measure.NONE,
            "",
            healthy,
            0.021,
            "2.1% free",
            "need 5%",
            healthy ? Optional.empty() : Optional.of(reason),
            "detail of " + probe);
    return new CheckState(r, healthy, mode, stage, Duration.ofMillis(1), Instant.EPOCH);
  }

  private static HealthSnapshot snapshot(CheckState... states) {
    return new HealthSnapshot(Instant.EPOCH, List.of(states));
  }

  private FakeMta session(Stage stage, BypassRules bypass) {
    FakeMta mta = unnegotiated(Set.of(stage), bypass);
    mta.optneg();
    return mta;
  }

  /** A fresh connection, before OPTNEG (negotiation happens once per connection). */
  private FakeMta unnegotiated(Set<Stage> stages, BypassRules bypass) {
    return new FakeMta(
        new GateHandler(health::get, stages, bypass, metrics, Optional.empty()), metrics);
  }

  private FakeMta session(Stage stage) {
    return session(stage, new BypassRules(List.of(), false));
  }

  private static void assertContinue(FakeMta.Reply reply) {
    assertEquals(ResponseCode.SMFIR_CONTINUE.code(), reply.command());
  }

  private static void assertReply(String expected, FakeMta.Reply reply) {
    assertEquals(ResponseCode.SMFIR_REPLYCODE.code(), reply.command());
    assertEquals(expected, reply.text());
  }

  private static void assertAccept(FakeMta.Reply reply) {
    assertEquals(
        ResponseCode.SMFIR_ACCEPT.code(),
        reply.command(),
        "SMFIR_ACCEPT: Postfix sends nothing more for the message");
  }

  /**
   * recover_after holds a check failing after its first passing result: that result has no reason
   * to give, and the 451 must still name what failed, not fall back to an internal error.
   */
  @Test
  void aRecoveryAwaitingConfirmationDefersWithWhatFailed() {
    String probe = "disk_space:/var/spool/postfix";
    ProbeResult failed = state(Check.DISK, probe, false, Mode.ENFORCE, DISK_REASON).latest();
    ProbeResult passedOnce = state(Check.DISK, probe, true, Mode.ENFORCE, DISK_REASON).latest();
    health.set(
        snapshot(
            new CheckState(
                passedOnce,
                false,
                Mode.ENFORCE,
                Stage.RCPT,
                Duration.ofMillis(1),
                Instant.EPOCH,
                failed)));
    FakeMta mta = session(Stage.RCPT);
    mta.connect("client.example", "192.0.2.1");
    mta.mail("<a@example.test>");
    // Postfix reads the text as a format: the reply carries each % doubled.
    assertReply(
        "451 4.3.0 Mail spool disk nearly full (2.1%% free, need 5%%), try again later",
        mta.rcpt("<b@example.test>"));
  }

  @Test
  void healthyAcceptsAtTheDeferStageAndCountsEachTransactionOnce() {
    FakeMta mta = session(Stage.RCPT);
    assertNull(
        mta.connect("client.example", "192.0.2.1"),
        "connect is not answered when deferring at rcpt");
    assertNull(mta.mail("<a@example.test>"));
    assertAccept(mta.rcpt("<b@example.test>"));
    assertNull(mta.abort(), "Postfix ends each transaction with an abort, which gets no reply");
    assertNull(mta.mail("<c@example.test>"));
    assertAccept(mta.rcpt("<d@example.test>"));
    FakeMta atMail = session(Stage.MAIL);
    atMail.connect("client.example", "192.0.2.1");
    assertAccept(atMail.mail("<a@example.test>"));
    assertEquals(
        List.of(
            "session opened",
            "message accepted",
            "message accepted",
            "session opened",
            "message accepted"),
        counted);
  }

  @Test
  void healthyContinuesWhereAnAcceptWouldCoverMoreThanTheMessage() {
    // At DATA cleanup(8) already holds the milter connection and sends end-of-message anyway; at
    // CONNECT or HELO Postfix would take an accept for the whole connection.
    FakeMta data = session(Stage.DATA);
    data.connect("client.example", "192.0.2.1");
    data.mail("<a@example.test>");
    assertContinue(data.exchange(CommandCode.SMFIC_DATA, new byte[0]));
    assertContinue(data.eom());
    FakeMta connect = session(Stage.CONNECT);
    assertContinue(connect.connect("client.example", "192.0.2.1"));
    connect.mail("<a@example.test>");
    assertContinue(connect.eom());
    assertEquals(
        List.of("session opened", "message accepted", "session opened", "message accepted"),
        counted);
  }

  @Test
  void aTransactionDeferredOnceIsNotCountedAcceptedWhenALaterRecipientPasses() {
    health.set(
        snapshot(
            state(Check.DISK, "disk_space:/var/spool/postfix", false, Mode.ENFORCE, DISK_REASON)));
    FakeMta mta = session(Stage.RCPT);
    mta.connect("client.example", "192.0.2.1");
    mta.mail("<a@example.test>");
    assertEquals(ResponseCode.SMFIR_REPLYCODE.code(), mta.rcpt("<b@example.test>").command());
    health.set(snapshot());
    assertAccept(mta.rcpt("<c@example.test>"));
    assertEquals(List.of("session opened", "deferred disk rcpt", "message deferred"), counted);
  }

  @Test
  void failingDiskDefersAtTheConfiguredStageOnceCounted() {
    health.set(
        snapshot(
            state(Check.DISK, "disk_space:/var/spool/postfix", false, Mode.ENFORCE, DISK_REASON)));
    FakeMta mta = session(Stage.RCPT);
    mta.connect("client.example", "192.0.2.1");
    assertNull(mta.mail("<a@example.test>"));
    String expected =
        "451 4.3.0 Mail spool disk nearly full (2.1%% free, need 5%%), try again later";
    assertReply(expected, mta.rcpt("<b@example.test>"));
    assertReply(expected, mta.rcpt("<c@example.test>"));
    assertEquals(List.of("session opened", "deferred disk rcpt", "message deferred"), counted);
  }

  @Test
  void theReplyNamesTheFirstFailingCheck() {
    health.set(
        snapshot(
            state(
                Check.DNS,
                "dns",
                false,
                Mode.ENFORCE,
                Stage.MAIL,
                Reason.of("DNS resolution", "failing", "no answer within 2s")),
            state(Check.DISK, "disk_space:/", false, Mode.ENFORCE, Stage.MAIL, DISK_REASON)));
    FakeMta mta = session(Stage.MAIL);
    mta.connect("client.example", "192.0.2.1");
    assertReply(
        "451 4.3.0 Mail spool disk nearly full (2.1%% free, need 5%%), try again later",
        mta.mail("<a@example.test>"));
  }

  @Test
  void monitorModeContinuesAndCountsAWouldBeDeferral() {
    health.set(
        snapshot(
            state(
                Check.DNS,
                "dns",
                false,
                Mode.MONITOR,
                Reason.of("DNS resolution", "failing", "SERVFAIL"))));
    FakeMta mta = session(Stage.RCPT);
    mta.connect("client.example", "192.0.2.1");
    mta.mail("<a@example.test>");
    assertAccept(mta.rcpt("<b@example.test>"));
    assertEquals(List.of("session opened", "would dns rcpt", "message accepted"), counted);
  }

  @Test
  void bypassNetworksAreNeverDeferred() {
    health.set(snapshot(state(Check.DISK, "disk_space:/", false, Mode.ENFORCE, DISK_REASON)));
    FakeMta mta =
        session(Stage.RCPT, new BypassRules(List.of(CidrBlock.parse("192.0.2.0/24")), false));
    mta.connect("client.example", "192.0.2.1");
    mta.mail("<a@example.test>");
    assertAccept(mta.rcpt("<b@example.test>"));
    assertEquals(
        List.of("session opened", "message bypassed"),
        counted,
        "counted once, as bypassed rather than accepted");
    FakeMta other =
        session(Stage.RCPT, new BypassRules(List.of(CidrBlock.parse("192.0.2.0/24")), false));
    other.connect("client.example", "198.51.100.1");
    other.mail("<a@example.test>");
    assertReply(
        "451 4.3.0 Mail spool disk nearly full (2.1%% free, need 5%%), try again later",
        other.rcpt("<b@example.test>"));
    assertEquals(
        List.of(
            "session opened",
            "message bypassed",
            "session opened",
            "deferred disk rcpt",
            "message deferred"),
        counted,
        "a client outside the networks is deferred for the disk");
  }

  /** A session whose health snapshot throws: every decision is an internal error. */
  private FakeMta withHealthThatThrows() {
    FakeMta mta =
        new FakeMta(
            new GateHandler(
                () -> {
                  throw new IllegalStateException("boom");
                },
                Set.of(Stage.RCPT),
                new BypassRules(List.of(), false),
                metrics,
                Optional.empty()),
            metrics);
    mta.optneg();
    return mta;
  }

  /** A full disk, bypass_authenticated, and a client that authenticated, up to its MAIL. */
  private FakeMta anAuthenticatedClientAtAFullDisk() {
    health.set(snapshot(state(Check.DISK, "disk_space:/", false, Mode.ENFORCE, DISK_REASON)));
    FakeMta mta = session(Stage.RCPT, new BypassRules(List.of(), true));
    mta.connect("client.example", "198.51.100.1");
    mta.macro('M', "{auth_authen}", "alice");
    mta.mail("<alice@example.test>");
    return mta;
  }

  @Test
  void authenticatedSendersBypassWhenConfigured() {
    FakeMta mta = anAuthenticatedClientAtAFullDisk();
    assertAccept(mta.rcpt("<b@example.test>"));
  }

  /**
   * Sendmail reuses a milter connection for the next SMTP session after QUIT_NC: an authenticated
   * client's bypass must not pass to the next client, who did not authenticate.
   */
  @Test
  void nothingOfASessionCarriesOverQuitNcToTheNextOne() {
    FakeMta mta = anAuthenticatedClientAtAFullDisk();
    assertAccept(mta.rcpt("<b@example.test>"));
    assertNull(mta.exchange(CommandCode.SMFIC_QUIT_NC, new byte[0]));

    mta.connect("other.example", "198.51.100.2");
    mta.mail("<mallory@example.test>");
    assertReply(
        "451 4.3.0 Mail spool disk nearly full (2.1%% free, need 5%%), try again later",
        mta.rcpt("<b@example.test>"));
  }

  @Test
  void anInternalErrorDefersAndNeverAccepts() {
    FakeMta mta = withHealthThatThrows();
    mta.connect("client.example", "192.0.2.1");
    mta.mail("<a@example.test>");
    assertReply(
        "451 4.3.0 Mail filter internal error, message not accepted, try again later",
        mta.rcpt("<b@example.test>"));
  }

  @Test
  void anInternalErrorCountsTheTransactionDeferredOnce() {
    FakeMta mta = withHealthThatThrows();
    mta.connect("client.example", "192.0.2.1");
    for (int transaction = 0; transaction < 2; transaction++) {
      mta.mail("<a@example.test>");
      assertEquals(ResponseCode.SMFIR_REPLYCODE.code(), mta.rcpt("<b@example.test>").command());
      assertEquals(ResponseCode.SMFIR_REPLYCODE.code(), mta.rcpt("<c@example.test>").command());
      mta.abort();
    }
    assertEquals(List.of("session opened", "message deferred", "message deferred"), counted);
  }

  @Test
  void negotiatesOnlyTheEventsTheGateNeeds() {
    int steps = unnegotiated(Set.of(Stage.RCPT), new BypassRules(List.of(), false)).optneg();
    assertTrue((steps & ProtocolSteps.NO_BODY) != 0, "no body without scanners");
    assertTrue((steps & ProtocolSteps.NO_HEADERS) != 0);
    assertTrue((steps & ProtocolSteps.NO_HELO) != 0);
    assertTrue((steps & ProtocolSteps.NO_REPLY_FOR_MAIL_FROM) != 0);
    assertEquals(0, steps & ProtocolSteps.NO_RECIPIENTS, "rcpt is the stage that answers");
    assertEquals(0, steps & ProtocolSteps.NO_REPLY_FOR_RECIPIENTS);
  }

  /**
   * OPTNEG as the milter protocol has it: the lower version, our actions, each of our steps the MTA
   * also offers; an MTA that cannot do what scanning needs gets no answer and the session ends.
   */
  @Test
  void optnegAgreesOnTheLowerVersionAndTheStepsBothOffer(@TempDir Path dir) throws Exception {
    int ours = Negotiation.steps(Set.of(Stage.RCPT), false).bitmap();
    int offered = ProtocolSteps.NO_HELO | ProtocolSteps.NO_BODY | ProtocolSteps.NO_HEADERS;
    FakeMta gate = unnegotiated(Set.of(Stage.RCPT), new BypassRules(List.of(), false));
    FakeMta.Reply reply =
        gate.exchange(
            CommandCode.SMFIC_OPTNEG,
            ByteBuffer.allocate(12).putInt(2).putInt(FakeMta.ALL_ACTIONS).putInt(offered).array());
    assertEquals(CommandCode.SMFIC_OPTNEG.code(), reply.command());
    ByteBuffer answer = ByteBuffer.wrap(reply.payload());
    assertEquals(2, answer.getInt(), "the MTA's lower version");
    assertEquals(0, answer.getInt(), "the gate modifies nothing");
    assertEquals(ours & offered, answer.getInt());
    assertEquals(
        ProtocolSteps.NO_HELO | ProtocolSteps.NO_BODY | ProtocolSteps.NO_HEADERS, ours & offered);
    Map<Integer, String> macros = new HashMap<>();
    while (answer.hasRemaining()) {
      int type = answer.getInt();
      StringBuilder names = new StringBuilder();
      for (byte b = answer.get(); b != 0; b = answer.get()) {
        names.append((char) b);
      }
      macros.put(type, names.toString());
    }
    // Postfix's SMFIM_* numbers (milter8.c): connect 0, HELO 1, MAIL 2, RCPT 3, DATA 4, end of
    // message 5, end of headers 6. None empty: Postfix would use main.cf's list instead.
    assertEquals(
        Map.of(0, "i", 1, "i", 2, "i {auth_authen}", 3, "i", 4, "i", 5, "i", 6, "i"),
        macros,
        "only the macros the milter reads, at every event");

    Config config = ConfigFiles.parse(dir, "scanners = clamd:tcp:127.0.0.1:3310");
    try (ScanService scans = scanService(config, dir)) {
      FakeMta scanning = scanning(config, scans);
      assertNull(
          scanning.exchange(
              CommandCode.SMFIC_OPTNEG,
              ByteBuffer.allocate(12).putInt(6).putInt(0x01).putInt(FakeMta.ALL_STEPS).array()),
          "an MTA that cannot add a header or quarantine gets no OPTNEG answer");
      assertFalse(scanning.channel.isOpen(), "and the session is closed");
    }
  }

  @Test
  void scanningAsksForTheContentWithoutAReplyPerHeaderOrChunk() {
    int steps = Negotiation.steps(Set.of(Stage.RCPT), true).bitmap();
    assertEquals(
        0,
        steps & (ProtocolSteps.NO_HEADERS | ProtocolSteps.NO_EOH | ProtocolSteps.NO_BODY),
        "the content is what scanning needs");
    int noReply =
        ProtocolSteps.NO_REPLY_FOR_HEADERS
            | ProtocolSteps.NO_REPLY_FOR_EOH
            | ProtocolSteps.NO_REPLY_FOR_BODY;
    assertEquals(noReply, steps & noReply);
    assertTrue(
        Negotiation.acceptsAt(Set.of(Stage.RCPT), true).isEmpty(), "the content must still come");
  }

  /**
   * jmilter closes a session it aborts, and the transport closes it again when the connection ends:
   * counted closed twice, it made the handler look unused while another session was open, and a
   * reload then closed the scan service that session still scans with.
   */
  @Test
  void anAbortedSessionDoesNotUncountAnotherOpenOne(@TempDir Path dir) throws Exception {
    Config config = ConfigFiles.parse(dir, "scanners = clamd:tcp:127.0.0.1:3310");
    try (ScanService scans = scanService(config, dir)) {
      MilterHandler handler =
          MilterHandlers.forConfig(
              config,
              Set.of(),
              () -> HealthSnapshot.EMPTY,
              metrics,
              Optional.of(scans),
              new MemoryBudget(1 << 30));
      FakeMta relay = new FakeMta(handler, metrics);
      relay.optneg();
      relay.connect("relay.example", "192.0.2.1");

      // Too few actions offered for scanning: the session is aborted and its connection closed.
      FakeMta aborted = new FakeMta(handler, metrics);
      aborted.exchange(
          CommandCode.SMFIC_OPTNEG,
          ByteBuffer.allocate(12).putInt(6).putInt(0x01).putInt(FakeMta.ALL_STEPS).array());
      aborted.channel.runPendingTasks();
      assertFalse(aborted.channel.isOpen());

      assertTrue(relay.channel.isOpen());
      assertTrue(MilterHandlers.inUse(handler), "the relay's session is still open");
      relay.channel.close();
      assertFalse(MilterHandlers.inUse(handler));
    }
  }

  /** A scan service as the daemon builds one, with no scanner declared down. */
  private ScanService scanService(Config config, Path dir) {
    return scanService(config, dir, metrics);
  }

  private static ScanService scanService(Config config, Path dir, Metrics metrics) {
    return new ScanService(
        config.scan(),
        metrics,
        dir,
        ScanService.DEFAULT_IO_THREADS,
        kind -> false,
        TestLoop.SHARED);
  }

  /** A scanning session as Postfix drives it, up to its first header (which gets no reply). */
  private FakeMta scanningAfterAHeader(Config config, ScanService scans, MemoryBudget budget) {
    FakeMta mta =
        new FakeMta(
            MilterHandlers.forConfig(
                config, Set.of(), health::get, metrics, Optional.of(scans), budget),
            metrics);
    mta.optneg();
    mta.connect("client.example", "192.0.2.1");
    mta.mail("<a@example.test>");
    assertContinue(mta.rcpt("<b@example.test>"));
    assertNull(
        mta.exchange(
            CommandCode.SMFIC_HEADER, "Subject\0hello\0".getBytes(StandardCharsets.US_ASCII)),
        "Postfix waits for no reply to a header");
    return mta;
  }

  @Test
  void aContentFailureIsAnsweredAtTheEndOfTheMessageAndNeverAccepted(@TempDir Path dir)
      throws Exception {
    Config config = ConfigFiles.parse(dir, "scanners = clamd:tcp:127.0.0.1:3310");
    ScanService stopped = scanService(config, dir);
    stopped.close(); // a closed service refuses new scans: beginning one throws
    FakeMta mta = scanningAfterAHeader(config, stopped, new MemoryBudget(1 << 30));
    assertNull(
        mta.exchange(CommandCode.SMFIC_BODY, "Hello.\r\n".getBytes(StandardCharsets.US_ASCII)));
    assertReply(
        "451 4.3.0 Mail filter internal error, message not accepted, try again later", mta.eom());
    assertEquals(List.of("session opened", "message deferred"), counted, "counted once");
  }

  /**
   * Postfix closes the connection when the end of the message goes unanswered for
   * milter_content_timeout: the scan is aborted, and there is no decision to count.
   */
  @Test
  void aScanEndedByALostConnectionIsNotCountedDeferred(@TempDir Path dir) throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, Ports.LOOPBACK_V4)) {
      Config config =
          ConfigFiles.parse(dir, "scanners = clamd:tcp:127.0.0.1:" + silent.getLocalPort());
      try (ScanService scans = scanService(config, dir)) {
        FakeMta mta = scanningAfterAHeader(config, scans, new MemoryBudget(1 << 30));
        assertNull(mta.eom(), "the scanner has not answered");
        mta.channel.close();
        assertEquals(List.of("session opened", "session closed"), counted);
      }
    }
  }

  @Test
  void eachCheckAnswersAtItsOwnStageAndOnlyTheLastOneAccepts() {
    Set<Stage> stages = Set.of(Stage.MAIL, Stage.RCPT);
    FakeMta fresh = unnegotiated(stages, new BypassRules(List.of(), false));
    int steps = fresh.optneg();
    assertEquals(0, steps & ProtocolSteps.NO_REPLY_FOR_MAIL_FROM, "a check answers at MAIL");
    assertEquals(0, steps & ProtocolSteps.NO_RECIPIENTS, "and one at RCPT");
    fresh.connect("client.example", "192.0.2.1");
    assertContinue(fresh.mail("<a@example.test>"));
    assertAccept(fresh.rcpt("<b@example.test>"));

    health.set(
        snapshot(
            state(
                Check.DNS,
                "dns",
                false,
                Mode.ENFORCE,
                Stage.MAIL,
                Reason.of("DNS resolution", "failing", "SERVFAIL")),
            state(Check.DISK, "disk_space:/", false, Mode.ENFORCE, Stage.RCPT, DISK_REASON)));
    FakeMta mta = unnegotiated(stages, new BypassRules(List.of(), false));
    mta.optneg();
    mta.connect("client.example", "192.0.2.1");
    assertReply(
        "451 4.3.0 DNS resolution failing (SERVFAIL), try again later",
        mta.mail("<a@example.test>"));
    health.set(
        snapshot(state(Check.DISK, "disk_space:/", false, Mode.ENFORCE, Stage.RCPT, DISK_REASON)));
    mta.abort();
    assertContinue(mta.mail("<a@example.test>"));
    assertReply(
        "451 4.3.0 Mail spool disk nearly full (2.1%% free, need 5%%), try again later",
        mta.rcpt("<b@example.test>"));
    assertEquals(
        List.of(
            "session opened",
            "message accepted",
            "session opened",
            "deferred dns mail",
            "message deferred",
            "deferred disk rcpt",
            "message deferred"),
        counted);
  }

  @Test
  void aMessageThatFindsNoScanMemoryLeftIsDeferredBusyNeverAccepted(@TempDir Path dir)
      throws Exception {
    Config config = ConfigFiles.parse(dir, "scanners = clamd:tcp:127.0.0.1:3310");
    try (ScanService scans = scanService(config, dir)) {
      MemoryBudget full = new MemoryBudget(ContentScanning.SCAN_MEMORY - 1);
      FakeMta mta = scanningAfterAHeader(config, scans, full);
      assertReply(
          "451 4.3.0 Mail filter busy (no memory left for another scan), try again later",
          mta.eom());
      assertEquals(0, full.used(), "nothing was reserved");
      assertTrue(
          counted.containsAll(List.of("deferred scan data", "message deferred")),
          counted.toString());
    }
  }

  /**
   * Another message's scan gives its memory back while this message's content arrives: this one
   * stays refused, and no scan of the rest of it is left holding memory after its 451.
   */
  @Test
  void aMessageRefusedScanMemoryStaysRefusedAndHoldsNoneAfterItsAnswer(@TempDir Path dir)
      throws Exception {
    Config config = ConfigFiles.parse(dir, "scanners = clamd:tcp:127.0.0.1:3310");
    try (ScanService scans = scanService(config, dir)) {
      MemoryBudget budget = new MemoryBudget(ContentScanning.SCAN_MEMORY);
      assertTrue(budget.tryReserve(ContentScanning.SCAN_MEMORY), "another message's scan");
      FakeMta mta = scanningAfterAHeader(config, scans, budget);
      budget.release(ContentScanning.SCAN_MEMORY);
      assertNull(
          mta.exchange(
              CommandCode.SMFIC_HEADER,
              "From\0a@example.test\0".getBytes(StandardCharsets.US_ASCII)));
      assertNull(
          mta.exchange(CommandCode.SMFIC_BODY, "Hello.\r\n".getBytes(StandardCharsets.US_ASCII)));
      assertReply(
          "451 4.3.0 Mail filter busy (no memory left for another scan), try again later",
          mta.eom());
      assertEquals(0, budget.used(), "no scan memory held once the message is answered");
    }
  }

  /** The meters as the daemon exports them, for a test to read what a scrape shows. */
  private static MicrometerMetrics exported() {
    return new MicrometerMetrics(
        () -> HealthSnapshot.EMPTY,
        new MicrometerMetrics.Labels(
            "9.9-test",
            ProtocolError.labels(),
            Arrays.stream(ScanResult.values()).map(ScanResult::word).toList()));
  }

  /**
   * A scanning session whose first recipient a failing disk check defers, and whose second passes
   * once the check has recovered, up to its first header.
   */
  private FakeMta scanningAfterADeferredRecipient(
      Config config, ScanService scans, MemoryBudget budget, Metrics counting) {
    health.set(
        snapshot(
            state(Check.DISK, "disk_space:/var/spool/postfix", false, Mode.ENFORCE, DISK_REASON)));
    FakeMta mta =
        new FakeMta(
            MilterHandlers.forConfig(
                config, Set.of(Stage.RCPT), health::get, counting, Optional.of(scans), budget),
            counting);
    mta.optneg();
    mta.connect("client.example", "192.0.2.1");
    mta.mail("<a@example.test>");
    assertReply(
        "451 4.3.0 Mail spool disk nearly full (2.1%% free, need 5%%), try again later",
        mta.rcpt("<b@example.test>"));
    health.set(snapshot());
    assertContinue(mta.rcpt("<c@example.test>"));
    assertNull(
        mta.exchange(
            CommandCode.SMFIC_HEADER, "Subject\0hello\0".getBytes(StandardCharsets.US_ASCII)));
    return mta;
  }

  /**
   * What a scrape shows of one transaction counted deferred once, at its recipient's 451: every
   * headroom_messages_total line, and the headroom_deferrals_total lines above zero.
   */
  private static void assertCountedOnceAsDeferredAtRcpt(MicrometerMetrics exported) {
    String scrape = exported.scrape();
    assertEquals(
        List.of(
            "headroom_messages_total{action=\"accepted\"} 0.0",
            "headroom_messages_total{action=\"bypassed\"} 0.0",
            "headroom_messages_total{action=\"deferred\"} 1.0",
            "headroom_messages_total{action=\"quarantined\"} 0.0",
            "headroom_messages_total{action=\"rejected\"} 0.0"),
        scrape.lines().filter(l -> l.startsWith("headroom_messages_total{")).sorted().toList());
    assertEquals(
        List.of("headroom_deferrals_total{check=\"disk\",stage=\"rcpt\"} 1.0"),
        scrape
            .lines()
            .filter(l -> l.startsWith("headroom_deferrals_total{") && !l.endsWith(" 0.0"))
            .toList());
  }

  /**
   * One recipient answered 451 while a check failed, the next let through once it recovered: the
   * transaction was counted deferred then, and the scan's verdict at its end counts it no second
   * time (it was counted twice, as deferred and again as rejected or deferred).
   */
  @ParameterizedTest
  @CsvSource({
    "reject, '552 5.3.4 Message too large to scan (16 bytes, limit 1 bytes), rejected'",
    "tempfail, '451 4.3.0 Message too large to scan (16 bytes, limit 1 bytes), message not"
        + " accepted unscanned, try again later'"
  })
  void aTransactionDeferredAtRcptIsCountedOnceWhateverItsScanSays(
      String oversizeAction, String endReply, @TempDir Path dir) throws Exception {
    // 16 bytes of "Subject: hello" go past scan_max_size: the verdict needs no scanner.
    Config config =
        ConfigFiles.parse(
            dir,
            "scanners = clamd:tcp:127.0.0.1:3310",
            "scan_max_size = 1",
            "scan_oversize_action = " + oversizeAction);
    MicrometerMetrics exported = exported();
    try (ScanService scans = scanService(config, dir, exported)) {
      FakeMta mta =
          scanningAfterADeferredRecipient(config, scans, new MemoryBudget(1 << 30), exported);
      assertReply(endReply, mta.eom());
    }
    assertCountedOnceAsDeferredAtRcpt(exported);
  }

  /** As above, when the message then finds no scan memory left: its 451 busy counts nothing. */
  @Test
  void aTransactionDeferredAtRcptIsCountedOnceWhenItsScanFindsNoMemory(@TempDir Path dir)
      throws Exception {
    Config config = ConfigFiles.parse(dir, "scanners = clamd:tcp:127.0.0.1:3310");
    MicrometerMetrics exported = exported();
    try (ScanService scans = scanService(config, dir, exported)) {
      FakeMta mta =
          scanningAfterADeferredRecipient(
              config, scans, new MemoryBudget(ContentScanning.SCAN_MEMORY - 1), exported);
      assertReply(
          "451 4.3.0 Mail filter busy (no memory left for another scan), try again later",
          mta.eom());
    }
    assertCountedOnceAsDeferredAtRcpt(exported);
  }

  /**
   * A sender's own {@code X-Spam-Status: No, score=-5.0} would stand ahead of ours, and a rule that
   * reads the first would believe it: at the end of the message each one it came with, whatever the
   * case of its name, is deleted (SMFIR_CHGHEADER, its index among them, an empty value; the last
   * first) before ours is added. The session's next message has none to delete.
   */
  @Test
  void spamdsStatusHeaderReplacesEveryOneTheMessageCameWith(@TempDir Path dir) throws Exception {
    try (ServerSocket spamd = LoopbackServers.spamd("Spam: False ; 0.3 / 5.0")) {
      Config config =
          ConfigFiles.parse(dir, "scanners = spamd:tcp:127.0.0.1:" + spamd.getLocalPort());
      try (ScanService scans = scanService(config, dir)) {
        FakeMta mta = FakeMta.awaitingReplies(scanningHandler(config, scans), metrics);
        mta.optneg();
        mta.connect("client.example", "192.0.2.1");
        mta.mail("<a@example.test>");
        assertContinue(mta.rcpt("<b@example.test>"));
        header(mta, "X-Spam-Status", "No, score=-5.0 required=5.0");
        header(mta, "Subject", "hello");
        header(mta, "x-spam-status", "No");
        header(mta, "X-Spam-Flag", "NO");
        assertEquals(
            List.of(
                "chgheader 2 X-Spam-Status=",
                "chgheader 1 X-Spam-Status=",
                "addheader X-Spam-Status=No, score=0.3 required=5.0",
                "continue"),
            endOfMessage(mta));

        mta.abort();
        mta.mail("<a@example.test>");
        assertContinue(mta.rcpt("<b@example.test>"));
        header(mta, "Subject", "again");
        assertEquals(
            List.of("addheader X-Spam-Status=No, score=0.3 required=5.0", "continue"),
            endOfMessage(mta));
      }
    }
  }

  /**
   * Postfix's cleanup(8) panics past about 10,000 header deletions in one message, and each costs
   * more than the last: up to the limit every one is deleted, past it none, and the message is
   * rejected rather than delivered with a forged one beside ours.
   */
  @Test
  void aMessageWithMoreSpamStatusHeadersThanCanBeReplacedIsRejected(@TempDir Path dir)
      throws Exception {
    try (ServerSocket spamd = LoopbackServers.spamd("Spam: False ; 0.3 / 5.0")) {
      Config config =
          ConfigFiles.parse(dir, "scanners = spamd:tcp:127.0.0.1:" + spamd.getLocalPort());
      try (ScanService scans = scanService(config, dir)) {
        FakeMta mta = FakeMta.awaitingReplies(scanningHandler(config, scans), metrics);
        mta.optneg();
        mta.connect("client.example", "192.0.2.1");
        int limit = ContentScanning.MAX_REPLACED_SPAM_STATUS;
        mta.mail("<a@example.test>");
        assertContinue(mta.rcpt("<b@example.test>"));
        for (int i = 0; i < limit; i++) {
          header(mta, "X-Spam-Status", "No");
        }
        List<String> replies = endOfMessage(mta);
        assertEquals(limit + 2, replies.size(), replies.toString());
        assertEquals("chgheader " + limit + " X-Spam-Status=", replies.get(0));
        assertEquals("chgheader 1 X-Spam-Status=", replies.get(limit - 1));

        mta.abort();
        mta.mail("<a@example.test>");
        assertContinue(mta.rcpt("<b@example.test>"));
        for (int i = 0; i <= limit; i++) {
          header(mta, "X-Spam-Status", "No");
        }
        assertEquals(
            List.of(
                "replycode 550 5.7.1 Message has too many X-Spam-Status headers (101, limit 100),"
                    + " rejected"),
            endOfMessage(mta));
        assertEquals(
            List.of("session opened", "message accepted", "message rejected"),
            metrics.events().stream().filter(e -> !e.startsWith("spamd=")).toList());
      }
    }
  }

  /**
   * Deleting headers (SMFIF_CHGHDRS, 0x10) is asked for only when spamd is configured; the gate
   * alone still asks for no action at all, and clamd alone for adding a header and quarantine.
   */
  @Test
  void onlySpamdScanningAsksToDeleteHeaders(@TempDir Path dir) throws Exception {
    int addHeader = 0x01;
    int changeHeaders = 0x10;
    int quarantine = 0x20;
    assertEquals(0, unnegotiated(Set.of(Stage.RCPT), noBypass()).optnegActions());
    Config clamd = ConfigFiles.parse(dir, "scanners = clamd:tcp:127.0.0.1:3310");
    try (ScanService scans = scanService(clamd, dir)) {
      assertEquals(addHeader | quarantine, scanning(clamd, scans).optnegActions());
    }
    Config both =
        ConfigFiles.parse(dir, "scanners = clamd:tcp:127.0.0.1:3310, spamd:tcp:127.0.0.1:783");
    try (ScanService scans = scanService(both, dir)) {
      assertEquals(addHeader | changeHeaders | quarantine, scanning(both, scans).optnegActions());
    }
  }

  private static BypassRules noBypass() {
    return new BypassRules(List.of(), false);
  }

  private FakeMta scanning(Config config, ScanService scans) {
    return new FakeMta(scanningHandler(config, scans), metrics);
  }

  /** The handler for {@code config} with its scanners, the shared health, and memory to spare. */
  private MilterHandler scanningHandler(Config config, ScanService scans) {
    return MilterHandlers.forConfig(
        config, Set.of(), health::get, metrics, Optional.of(scans), new MemoryBudget(1 << 30));
  }

  /** One header, as Postfix sends it when scanning: no reply is awaited. */
  private static void header(FakeMta mta, String name, String value) {
    assertNull(
        mta.exchange(
            CommandCode.SMFIC_HEADER,
            (name + "\0" + value + "\0").getBytes(StandardCharsets.US_ASCII)));
  }

  /**
   * End of headers, a body line and the end of the message; the replies to it, written once the
   * scan is done, up to the final one.
   */
  private static List<String> endOfMessage(FakeMta mta) throws InterruptedException {
    assertNull(mta.exchange(CommandCode.SMFIC_EOH, new byte[0]));
    assertNull(
        mta.exchange(CommandCode.SMFIC_BODY, "Hello.\r\n".getBytes(StandardCharsets.US_ASCII)));
    // The replies are written from the scan's thread once spamd answers, which may already be done.
    FakeMta.Reply first = mta.eom();
    List<String> replies = new ArrayList<>();
    if (first != null) {
      replies.add(describe(first));
    }
    while (replies.isEmpty() || !isFinal(replies.get(replies.size() - 1))) {
      FakeMta.Reply r = mta.await(Duration.ofSeconds(10));
      if (r == null) {
        throw new AssertionError("no final reply within 10s; so far " + replies);
      }
      replies.add(describe(r));
    }
    return replies;
  }

  private static boolean isFinal(String reply) {
    return reply.equals("continue") || reply.startsWith("replycode ");
  }

  /** {@code chgheader 2 NAME=VALUE}, {@code addheader NAME=VALUE}, {@code continue}, or raw. */
  private static String describe(FakeMta.Reply r) {
    ByteBuffer payload = ByteBuffer.wrap(r.payload());
    String words;
    if (r.command() == ResponseCode.SMFIR_CHGHEADER.code()) {
      words = "chgheader " + payload.getInt() + " " + nameValue(payload);
    } else if (r.command() == ResponseCode.SMFIR_ADDHEADER.code()) {
      words = "addheader " + nameValue(payload);
    } else if (r.command() == ResponseCode.SMFIR_CONTINUE.code()) {
      words = "continue";
    } else if (r.command() == ResponseCode.SMFIR_REPLYCODE.code()) {
      words = "replycode " + r.text();
    } else {
      words = r.command() + " " + new String(r.payload(), StandardCharsets.US_ASCII);
    }
    return words;
  }

  /** Two NUL-terminated strings, the whole rest of the payload, as NAME=VALUE. */
  private static String nameValue(ByteBuffer payload) {
    String rest =
        new String(
            payload.array(), payload.position(), payload.remaining(), StandardCharsets.US_ASCII);
    assertTrue(rest.endsWith("\0"), "NUL-terminated: " + rest);
    String[] parts = rest.split("\0", -1);
    assertEquals(3, parts.length, "a name and a value: " + rest);
    return parts[0] + "=" + parts[1];
  }
}
