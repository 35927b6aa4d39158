package io.headroom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.ConfigParser;
import io.headroom.config.SessionLimits;
import io.headroom.health.HealthSnapshot;
import io.headroom.milter.MilterHandlers;
import io.headroom.support.FakeMta;
import io.headroom.support.RecordingMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nightcode.milter.AbstractMilterHandler;
import org.nightcode.milter.Actions;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.MilterContext;
import org.nightcode.milter.MilterContextImpl;
import org.nightcode.milter.MilterException;
import org.nightcode.milter.MilterHandler;
import org.nightcode.milter.MilterMacros;
import org.nightcode.milter.ProtocolSteps;
import org.nightcode.milter.ResponseCode;
import org.nightcode.milter.net.MilterPacketSender;

/**
 * Issue 5, point 1, on the real pipeline (embedded channel): bounded framing, idle timeouts,
 * protocol order and payload shape; each violation closes the connection with one log line and one
 * count of its reason, and a silent probe leaves nothing at all.
 */
class ConnectionHardeningTest {
  private final RecordingMetrics metrics = new RecordingMetrics();
  private final LogCapture logs = new LogCapture();

  @AfterEach
  void close() {
    logs.close();
  }

  private MilterHandler gate() {
    return MilterHandlers.forConfig(
        ConfigParser.defaults(),
        java.util.Set.of(),
        () -> HealthSnapshot.EMPTY,
        metrics,
        java.util.Optional.empty(),
        new MemoryBudget(1 << 30));
  }

  private FakeMta negotiated() {
    FakeMta mta = new FakeMta(gate(), metrics);
    mta.optneg();
    return mta;
  }

  private FakeMta inTransaction() {
    FakeMta mta = negotiated();
    mta.macro('C', "j", "mx.example.test");
    mta.connect("client.example", "192.0.2.1");
    mta.mail("<a@example.test>");
    mta.rcpt("<b@example.test>");
    return mta;
  }

  /**
   * The connection was closed for {@code reason}: one count, one WARN line naming it, no stack
   * trace.
   */
  private void assertClosedFor(String reason, FakeMta mta) {
    mta.channel.runPendingTasks();
    assertFalse(mta.channel.isOpen(), "connection closed");
    assertEquals(List.of(reason), metrics.protocolErrors());
    List<String> warnings = logs.warnings();
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(
        warnings.get(0).startsWith("WARN session ")
            && warnings.get(0).contains(": " + reason + ": "),
        warnings.get(0));
  }

  private static byte[] frame(int length, int command, byte[] payload) {
    return ByteBuffer.allocate(5 + payload.length)
        .putInt(length)
        .put((byte) command)
        .put(payload)
        .array();
  }

  private static byte[] z(String s) {
    return (s + "\0").getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void aWholePostfixSessionWithMacrosAnywherePassesUntouched() {
    FakeMta mta = new FakeMta(gate(), metrics);
    mta.macro('C', "j", "mx.example.test"); // SMFIC_MACRO before negotiation too
    mta.optneg();
    mta.macro('C', "{daemon_name}", "smtpd", "v", "");
    mta.connect("client.example", "192.0.2.1");
    mta.exchange(CommandCode.SMFIC_HELO, z("client.example"));
    mta.macro('M', "i", "ABC123");
    mta.mail("<a@example.test>");
    mta.macro('R', "{rcpt_addr}", "b@example.test");
    assertEquals(ResponseCode.SMFIR_ACCEPT.code(), mta.rcpt("<b@example.test>").command());
    mta.exchange(CommandCode.SMFIC_ABORT, new byte[0]); // RSET
    mta.mail("<a@example.test>");
    mta.rcpt("<b@example.test>");
    mta.exchange(CommandCode.SMFIC_DATA, new byte[0]);
    // cleanup(8) sends the end-of-header macros before each header and the end of headers, and
    // the end-of-data macros before each body chunk and the end of the message.
    mta.macro('L', "i", "ABC123");
    mta.exchange(CommandCode.SMFIC_HEADER, concat(z("Subject"), z("x".repeat(102_400))));
    mta.macro('N', "i", "ABC123");
    mta.exchange(CommandCode.SMFIC_EOH, new byte[0]);
    // Postfix's largest body chunk: MILTER_CHUNK_SIZE = 65535 data bytes plus the command byte.
    mta.macro('B', "i", "ABC123");
    mta.exchange(CommandCode.SMFIC_BODY, new byte[65_535]);
    mta.macro('E', "i", "ABC123");
    assertEquals(ResponseCode.SMFIR_CONTINUE.code(), mta.eom().command());
    mta.exchange(CommandCode.SMFIC_QUIT, new byte[0]);
    mta.channel.runPendingTasks();
    assertFalse(mta.channel.isOpen(), "QUIT ends the connection");
    assertEquals(List.of(), metrics.protocolErrors());
    assertEquals(List.of(), logs.warnings());
  }

  @Test
  void aPacketAnnouncedLongerThanTheLimitClosesAtOnce() {
    FakeMta mta = inTransaction();
    // 2 GiB announced; the first bytes of its body follow and are dropped unparsed.
    mta.writeRaw(frame(Integer.MAX_VALUE, 'B', new byte[8192]));
    assertClosedFor("packet_too_long", mta);
    assertTrue(
        logs.warnings().get(0).contains("2147483647 bytes announced, the limit is 131072"),
        logs.warnings().toString());
  }

  @Test
  void theLimitAdmitsExactlyMaxPacket() {
    FakeMta ok = inTransaction();
    ok.exchange(CommandCode.SMFIC_BODY, new byte[PacketFrameDecoder.MAX_PACKET - 1]);
    assertTrue(ok.channel.isOpen());
    assertEquals(List.of(), metrics.protocolErrors());

    FakeMta over = inTransaction();
    over.writeRaw(frame(PacketFrameDecoder.MAX_PACKET + 1, 'B', new byte[16]));
    assertClosedFor("packet_too_long", over);
  }

  @Test
  void aLengthWordAboveTwoToTheThirtyOneIsTooLongNotNegative() {
    FakeMta mta = negotiated();
    mta.writeRaw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 'B'});
    assertClosedFor("packet_too_long", mta);
  }

  @Test
  void anEmptyPacketIsRefused() {
    FakeMta mta = negotiated();
    mta.writeRaw(new byte[] {0, 0, 0, 0});
    assertClosedFor("empty_packet", mta);
  }

  @Test
  void anUnknownCommandEndsTheConnection() {
    FakeMta mta = negotiated();
    mta.writeRaw(frame(1, 'Z', new byte[0]));
    assertClosedFor("unknown_command", mta);
  }

  @Test
  void aNonAsciiCommandByteIsUnknownToo() {
    FakeMta mta = negotiated();
    mta.writeRaw(frame(1, 0xff, new byte[0]));
    assertClosedFor("unknown_command", mta);
  }

  @Test
  void mailBeforeConnectIsOutOfOrder() {
    FakeMta mta = negotiated();
    assertEquals(null, mta.mail("<a@example.test>"));
    assertClosedFor("out_of_order", mta);
  }

  @Test
  void aCommandBeforeNegotiationIsOutOfOrder() {
    FakeMta mta = new FakeMta(gate(), metrics);
    mta.connect("client.example", "192.0.2.1");
    assertClosedFor("out_of_order", mta);
  }

  @Test
  void aSecondNegotiationIsOutOfOrder() {
    FakeMta mta = negotiated();
    mta.writeRaw(frame(13, 'O', new byte[12]));
    assertClosedFor("out_of_order", mta);
  }

  @Test
  void recipientAfterEndOfMessageNeedsANewMail() {
    FakeMta mta = inTransaction();
    mta.eom();
    mta.rcpt("<c@example.test>");
    assertClosedFor("out_of_order", mta);
  }

  @Test
  void headersAfterTheBodyAreOutOfOrder() {
    FakeMta mta = inTransaction();
    mta.exchange(CommandCode.SMFIC_BODY, new byte[10]);
    mta.exchange(CommandCode.SMFIC_HEADER, concat(z("Subject"), z("late")));
    assertClosedFor("out_of_order", mta);
  }

  @Test
  void aSenderWithoutItsNulEndsTheConnection() {
    FakeMta mta = negotiated();
    mta.connect("client.example", "192.0.2.1");
    mta.exchange(CommandCode.SMFIC_MAIL, "<a@example.test>".getBytes(StandardCharsets.US_ASCII));
    assertClosedFor("missing_nul", mta);
  }

  @Test
  void aHeloWithoutItsNulEndsTheConnection() {
    FakeMta mta = negotiated();
    mta.connect("client.example", "192.0.2.1");
    mta.exchange(CommandCode.SMFIC_HELO, "client".getBytes(StandardCharsets.US_ASCII));
    assertClosedFor("missing_nul", mta);
  }

  @Test
  void aMacroNameWithoutValueIsMalformedNotAStackTrace() {
    FakeMta mta = negotiated();
    mta.macro('C', "j");
    assertClosedFor("malformed", mta);
  }

  @Test
  void anIpv4ConnectAddressThatIsANameIsRefusedBeforeAnyDnsLookup() {
    FakeMta mta = negotiated();
    mta.connect("client.example", "mail.example.test");
    assertClosedFor("malformed", mta);
  }

  @ParameterizedTest
  @ValueSource(strings = {"dead.beef", "cafe", "IPv6:dead.beef", "mail.example.test"})
  void anIpv6ConnectAddressThatIsANameIsRefusedBeforeAnyDnsLookup(String address) {
    FakeMta mta = negotiated();
    mta.exchange(CommandCode.SMFIC_CONNECT, connect('6', address));
    assertClosedFor("malformed", mta);
    assertTrue(
        logs.warnings().get(0).endsWith(": malformed: CONNECT IPv6 address is not a literal"),
        logs.warnings().toString());
  }

  @ParameterizedTest
  @CsvSource({
    "2001:db8::1, 2001:db8::1",
    "IPv6:2001:db8::1, 2001:db8::1",
    "fe80::1%eth0, fe80::1",
    "::ffff:192.0.2.1, 192.0.2.1"
  })
  void anIpv6ConnectAddressLiteralIsAcceptedAndReadAsItsAddress(String address, String expected)
      throws UnknownHostException {
    FakeMta mta = negotiated();
    mta.exchange(CommandCode.SMFIC_CONNECT, connect('6', address));
    mta.channel.runPendingTasks();
    assertTrue(mta.channel.isOpen());
    assertEquals(List.of(), metrics.protocolErrors());
    assertEquals(InetAddress.getByName(expected), ClientAddress.parse(connect('6', address)));
  }

  @Test
  void aConnectFromAnUnknownFamilyIsPostfixsShapeAndAccepted() {
    FakeMta mta = negotiated();
    mta.exchange(CommandCode.SMFIC_CONNECT, concat(z("unknown"), new byte[] {'U'}));
    mta.mail("<a@example.test>");
    assertEquals(ResponseCode.SMFIR_ACCEPT.code(), mta.rcpt("<b@example.test>").command());
    assertTrue(mta.channel.isOpen());
    assertEquals(List.of(), metrics.protocolErrors());
  }

  @Test
  void aMonitoringProbeThatConnectsAndClosesLeavesNoTrace() {
    FakeMta mta = new FakeMta(gate(), metrics);
    mta.channel.close();
    mta.channel.runPendingTasks();
    assertEquals(List.of(), metrics.protocolErrors());
    assertEquals(List.of(), logs.all());
    assertEquals(0, metrics.openSessions());
  }

  @Test
  void aPeerIdleBetweenCommandsIsDropped() throws InterruptedException {
    FakeMta mta = new FakeMta(gate(), metrics, limits(Duration.ofMillis(50)));
    mta.optneg();
    Thread.sleep(120);
    mta.channel.advanceTimeBy(1, TimeUnit.SECONDS);
    mta.channel.runScheduledPendingTasks();
    assertClosedFor("idle_timeout", mta);
    assertTrue(
        logs.warnings().get(0).contains("idle between commands"), logs.warnings().toString());
  }

  @Test
  void aPeerSilentMidPacketIsDropped() throws InterruptedException {
    FakeMta mta = new FakeMta(gate(), metrics, limits(Duration.ofMillis(50)));
    mta.optneg();
    mta.writeRaw(new byte[] {0, 0, 0, 20, 'C', 'x'});
    Thread.sleep(120);
    mta.channel.advanceTimeBy(1, TimeUnit.SECONDS);
    mta.channel.runScheduledPendingTasks();
    assertClosedFor("idle_timeout", mta);
    assertTrue(
        logs.warnings().get(0).contains("silent mid-packet (6 bytes"), logs.warnings().toString());
  }

  @Test
  void whenJmilterAbortsASessionThatIsOneLineAndOneCount() {
    FakeMta mta = new FakeMta(new FailingHeloHandler(), metrics);
    mta.optneg();
    mta.connect("client.example", "192.0.2.1");
    mta.exchange(CommandCode.SMFIC_HELO, z("client.example"));
    assertClosedFor("rejected_by_engine", mta);
  }

  @Test
  void overMaxSessionsTheMilterAsksForConnectWithAReplyAndAnswersBusy() {
    FakeMta mta = FakeMta.busy(500);
    int steps = mta.optneg();
    assertEquals(0, steps & 0x1000, "SMFIP_NR_CONN not set: Postfix waits for the connect reply");
    assertEquals(BusySession.DECLINED_STEPS, steps, "no event after connect is asked for");
    mta.macro('C', "j", "mx.example.test");
    FakeMta.Reply reply = mta.connect("client.example", "192.0.2.1");
    assertEquals(ResponseCode.SMFIR_REPLYCODE.code(), reply.command());
    assertEquals(
        "451 4.3.0 Mail filter busy (500 sessions in progress), try again later", reply.text());
    mta.exchange(CommandCode.SMFIC_QUIT, new byte[0]);
    mta.channel.runPendingTasks();
    assertFalse(mta.channel.isOpen());
  }

  @Test
  void aMacroForACommandPostfixSendsNoneForIsMalformed() {
    FakeMta mta = negotiated();
    mta.macro('Q', "j", "mx.example.test");
    assertClosedFor("malformed", mta);
    assertTrue(
        logs.warnings().get(0).endsWith(": malformed: MACRO for command 'Q'"),
        logs.warnings().toString());
  }

  @Test
  void aMacroFloodInOnePacketIsRefusedBeforeJmilterKeepsIt() {
    FakeMta mta = negotiated();
    // Issue 12's attack: a macro packet of about 21,000 short name/value pairs.
    String[] pairs = new String[2 * 21_000];
    java.util.Arrays.fill(pairs, "a");
    mta.macro('C', pairs);
    assertClosedFor("macros_too_large", mta);
    assertTrue(
        logs.warnings()
            .get(0)
            .endsWith(
                ": macros_too_large: MACRO for 'C' would keep 21000 macros of 84000"
                    + " bytes in all, the limits are 128 and 16384"),
        logs.warnings().toString());
  }

  @Test
  void macrosCountAcrossTypesAndAReplacedTypeCountsOnce() {
    FakeMta mta = negotiated();
    String[] hundred = new String[200];
    java.util.Arrays.fill(hundred, "v");
    for (int i = 0; i < 50; i++) {
      mta.macro('R', hundred); // each RCPT's macros replace the last: 100 kept, however often
    }
    String[] twentyEight = java.util.Arrays.copyOf(hundred, 56);
    mta.macro('M', twentyEight);
    assertTrue(mta.channel.isOpen(), "128 macros kept is the limit, not over it");
    mta.macro('C', "j", "mx");
    assertClosedFor("macros_too_large", mta);
    assertTrue(
        logs.warnings().get(0).contains("would keep 129 macros of 517 bytes"),
        logs.warnings().toString());
  }

  @Test
  void macroBytesAreBoundedPerSession() {
    FakeMta mta = negotiated();
    mta.macro('M', "{mail_addr}", "a".repeat(8_000));
    mta.macro('R', "{rcpt_addr}", "b".repeat(8_000));
    assertTrue(mta.channel.isOpen(), "16,000 bytes of long addresses fit");
    mta.macro('H', "{cert_subject}", "c".repeat(400));
    assertClosedFor("macros_too_large", mta);
    assertTrue(
        logs.warnings().get(0).contains("would keep 3 macros of 16442 bytes in all"),
        logs.warnings().toString());
  }

  @Test
  void aPeerThatNeverNegotiatesIsClosedAfterFiveSeconds() {
    FakeMta mta = new FakeMta(gate(), metrics);
    mta.channel.advanceTimeBy(4, TimeUnit.SECONDS);
    mta.channel.runScheduledPendingTasks();
    assertTrue(mta.channel.isOpen());
    mta.channel.advanceTimeBy(2, TimeUnit.SECONDS);
    mta.channel.runScheduledPendingTasks();
    assertClosedFor("optneg_timeout", mta);
    assertTrue(
        logs.warnings().get(0).endsWith(": optneg_timeout: no OPTNEG within 5 s of connecting"),
        logs.warnings().toString());
  }

  @Test
  void afterNegotiationTheDeadlineIsGone() {
    FakeMta mta = negotiated();
    mta.channel.advanceTimeBy(1, TimeUnit.MINUTES);
    mta.channel.runScheduledPendingTasks();
    assertTrue(mta.channel.isOpen());
    assertEquals(List.of(), logs.warnings());
  }

  @Test
  void aTrickledPacketMustCompleteTenSecondsAfterItsFirstByte() {
    FakeMta mta = inTransaction();
    mta.writeRaw(new byte[] {0, 0, 0, 20, 'B'});
    for (int i = 0; i < 2; i++) { // one byte every 4 s resets idle_timeout, not this deadline
      mta.channel.advanceTimeBy(4, TimeUnit.SECONDS);
      mta.channel.runScheduledPendingTasks();
      mta.writeRaw(new byte[] {'x'});
    }
    assertTrue(mta.channel.isOpen());
    mta.channel.advanceTimeBy(3, TimeUnit.SECONDS);
    mta.channel.runScheduledPendingTasks();
    assertClosedFor("packet_timeout", mta);
    assertTrue(
        logs.warnings()
            .get(0)
            .endsWith(
                ": packet_timeout: packet incomplete 10 s after its first byte"
                    + " (7 bytes received)"),
        logs.warnings().toString());
  }

  @Test
  void whileTheDaemonHoldsReadingThePacketDeadlineWaits() {
    FakeMta mta = inTransaction();
    mta.writeRaw(new byte[] {0, 0, 0, 20, 'B'});
    mta.channel.config().setAutoRead(false); // as InboundHold does while the scanners catch up
    mta.channel.advanceTimeBy(25, TimeUnit.SECONDS);
    mta.channel.runScheduledPendingTasks();
    assertTrue(mta.channel.isOpen(), "not the peer's fault");
    mta.channel.config().setAutoRead(true);
    mta.channel.advanceTimeBy(10, TimeUnit.SECONDS);
    mta.channel.runScheduledPendingTasks();
    assertClosedFor("packet_timeout", mta);
  }

  @Test
  void partialPacketsOfAllConnectionsShareOneBudget() {
    MemoryBudget budget = new MemoryBudget(100_000);
    SharedBounds bounds = new SharedBounds(budget, new LogLimiter());
    FakeMta first = withBounds(bounds);
    first.optneg();
    first.writeRaw(
        ByteBuffer.allocate(1004).putInt(60_000).put((byte) 'B').array()); // 1,000 bytes of 60,000
    assertEquals(60_000, budget.used(), "a partial packet holds its whole length");
    FakeMta second = withBounds(bounds);
    second.optneg();
    second.writeRaw(ByteBuffer.allocate(8).putInt(50_000).put((byte) 'B').array());
    assertClosedFor("over_memory_budget", second);
    assertTrue(
        logs.warnings()
            .get(0)
            .endsWith(
                ": over_memory_budget: packet of 50000 bytes does not fit the"
                    + " memory budget (60000 of 100000 bytes held for all connections)"),
        logs.warnings().toString());
    assertEquals(60_000, budget.used(), "the refused packet took nothing");
    first.channel.close();
    first.channel.runPendingTasks();
    assertEquals(0, budget.used(), "a closed connection gives its partial packet back");
  }

  @Test
  void aPacketCompletedAcrossReadsGivesItsReservationBack() {
    MemoryBudget budget = new MemoryBudget(1_000_000);
    FakeMta mta = withBounds(new SharedBounds(budget, new LogLimiter()));
    mta.optneg();
    mta.macro('C', "j", "mx.example.test");
    byte[] connect =
        frame(
            29,
            'C',
            concat(z("client.example"), concat(new byte[] {'4', 0x30, 0x39}, z("192.0.2.1"))));
    mta.writeRaw(java.util.Arrays.copyOf(connect, 10));
    assertEquals(29, budget.used());
    mta.writeRaw(java.util.Arrays.copyOfRange(connect, 10, connect.length));
    assertEquals(0, budget.used());
    mta.mail("<a@example.test>");
    assertEquals(
        ResponseCode.SMFIR_ACCEPT.code(),
        mta.rcpt("<b@example.test>").command(),
        "CONNECT came through whole");
    assertEquals(List.of(), logs.warnings());
  }

  @Test
  void aBusyConnectionTakesPacketsOfAtMostFourKibibytes() {
    FakeMta mta = FakeMta.busy(500);
    mta.optneg();
    mta.writeRaw(ByteBuffer.allocate(5).putInt(4097).put((byte) 'D').array());
    mta.channel.runPendingTasks();
    assertFalse(mta.channel.isOpen());
    assertEquals(
        List.of(), logs.warnings(), "a busy connection's trouble is not worth a line each");
  }

  @Test
  void aPeerThatDoesNotReadItsRepliesIsNotReadEither() {
    FakeMta mta = inTransaction();
    // What Netty does when the peer's unread replies pass the outbound buffer's high-water mark.
    mta.channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    mta.channel.runPendingTasks();
    assertFalse(mta.channel.config().isAutoRead(), "reading stops");
    mta.channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
    mta.channel.runPendingTasks();
    assertTrue(mta.channel.config().isAutoRead(), "and resumes once the peer has read");
    assertTrue(mta.channel.isOpen());
  }

  @Test
  void aBusyPeerThatDoesNotReadItsAnswersIsClosed() {
    FakeMta mta = FakeMta.busy(500);
    mta.optneg();
    mta.channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    mta.channel.runPendingTasks();
    assertFalse(mta.channel.isOpen());
  }

  private FakeMta withBounds(SharedBounds bounds) {
    return new FakeMta(
        new EmbeddedChannel(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                MilterServer.configure(ch, gate(), FakeMta.LIMITS, metrics, bounds);
              }
            }));
  }

  private static SessionLimits limits(Duration idle) {
    return new SessionLimits(10, idle, Duration.ofSeconds(1), 0660, "");
  }

  private static byte[] connect(char family, String address) {
    return concat(z("client.example"), concat(new byte[] {(byte) family, 0x30, 0x39}, z(address)));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** A handler with a bug at HELO: jmilter's engine catches it and aborts the session. */
  private static final class FailingHeloHandler extends AbstractMilterHandler {
    FailingHeloHandler() {
      super(Actions.builder().build(), ProtocolSteps.builder().build());
    }

    @Override
    public MilterContext createContext(MilterPacketSender sender) {
      return new BareSession(this, sender);
    }

    @Override
    public void helo(MilterContext context, String helohost) throws MilterException {
      throw new MilterException("bug");
    }

    @Override
    public void quit(MilterContext context) {}
  }

  /** The least a handler's session must be for the transport: jmilter's context with a log id. */
  private static final class BareSession extends MilterContextImpl implements TransportSession {
    BareSession(MilterHandler handler, MilterPacketSender sender) {
      super(
          handler,
          Actions.builder().build(),
          ProtocolSteps.builder().build(),
          MilterMacros.instance(),
          sender);
    }

    @Override
    public String logId() {
      return "bare";
    }

    @Override
    public void clientAddress(java.net.InetAddress address) {}
  }
}
