package io.headroom.transport;

import io.headroom.milter.MilterHandlers;
import io.headroom.support.FakeMta;
import io.headroom.support.MilterClient;
import io.headroom.support.RecordingMetrics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.ConfigParser;
import io.headroom.config.SessionLimits;
import io.headroom.health.HealthSnapshot;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nightcode.milter.AbstractMilterHandler;
import org.nightcode.milter.Actions;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.MilterContext;
import org.nightcode.milter.MilterContextImpl;
import org.nightcode.milter.MilterHandler;
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
    return MilterHandlers.forConfig(ConfigParser.defaults(), java.util.Set.of(), () -> HealthSnapshot.EMPTY, metrics, java.util.Optional.empty());
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

  /** The connection was closed for {@code reason}: one count, one WARN line naming it, no stack trace. */
  private void assertClosedFor(String reason, FakeMta mta) {
    mta.channel.runPendingTasks();
    assertFalse(mta.channel.isOpen(), "connection closed");
    assertEquals(List.of(reason), metrics.protocolErrors());
    List<String> warnings = logs.warnings();
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).startsWith("WARN session ") && warnings.get(0).contains(": " + reason + ": "),
        warnings.get(0));
  }

  private static byte[] frame(int length, int command, byte[] payload) {
    return ByteBuffer.allocate(5 + payload.length).putInt(length).put((byte) command).put(payload).array();
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
    mta.exchange(CommandCode.SMFIC_HEADER, concat(z("Subject"), z("x".repeat(102_400))));
    mta.exchange(CommandCode.SMFIC_EOH, new byte[0]);
    // Postfix's largest body chunk: MILTER_CHUNK_SIZE = 65535 data bytes plus the command byte.
    mta.exchange(CommandCode.SMFIC_BODY, new byte[65_535]);
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
    assertTrue(logs.warnings().get(0).contains("2147483647 bytes announced, the limit is 131072"), logs.warnings().toString());
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

  @Test
  void aConnectFromAnUnknownFamilyIsPostfixsShapeAndAccepted() {
    FakeMta mta = negotiated();
    mta.exchange(CommandCode.SMFIC_CONNECT, concat(z("unknown"), new byte[] {'U'}));
    mta.mail("<a@example.test>");
    assertNotNull(mta.rcpt("<b@example.test>"));
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
    assertTrue(logs.warnings().get(0).contains("idle between commands"), logs.warnings().toString());
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
    assertTrue(logs.warnings().get(0).contains("silent mid-packet (6 bytes"), logs.warnings().toString());
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
    assertEquals("451 4.3.0 Mail filter busy (500 sessions in progress), try again later", reply.text());
    mta.exchange(CommandCode.SMFIC_QUIT, new byte[0]);
    mta.channel.runPendingTasks();
    assertFalse(mta.channel.isOpen());
  }

  private static SessionLimits limits(Duration idle) {
    return new SessionLimits(10, idle, Duration.ofSeconds(1), 0660, "");
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
      super(handler, Actions.builder().build(), ProtocolSteps.builder().build(), MilterMacros.instance(), sender);
    }

    @Override
    public String logId() {
      return "bare";
    }

    @Override
    public void clientAddress(java.net.InetAddress address) {}
  }
}
