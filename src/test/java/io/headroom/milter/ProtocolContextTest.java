package io.headroom.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nightcode.milter.Actions;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.MilterException;
import org.nightcode.milter.MilterMacros;
import org.nightcode.milter.ProtocolSteps;
import org.nightcode.milter.codec.MilterPacket;
import org.nightcode.milter.net.MilterPacketSender;
import org.nightcode.milter.util.MilterPackets;

class ProtocolContextTest {

  private static final class Recorder implements MilterPacketSender {
    final List<MilterPacket> sent = new ArrayList<>();
    boolean broken;
    boolean closed;

    @Override
    public void send(MilterPacket packet) throws IOException {
      if (broken) {
        throw new IOException("connection reset");
      }
      sent.add(packet);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private static ProtocolSteps steps(int bitmap) {
    return new ProtocolSteps(java.nio.ByteBuffer.allocate(4).putInt(bitmap).array(), 0);
  }

  private static ProtocolContext context(Recorder sender) {
    return new ProtocolContext(
        null, Actions.DEF_ACTIONS, steps(0), MilterMacros.instance(), sender) {};
  }

  @Test
  void aReplyIsSentOnlyWherePostfixWaitsForOne() throws MilterException {
    Recorder sender = new Recorder();
    ProtocolContext c = context(sender);
    c.setSessionProtocolSteps(steps(ProtocolSteps.NO_REPLY_FOR_HEADERS));
    c.setSessionStep(CommandCode.SMFIC_HEADER);
    c.sendContinue();
    assertEquals(List.of(), sender.sent, "no reply to a header Postfix does not wait on");
    c.setSessionStep(CommandCode.SMFIC_RCPT);
    c.sendPacket(MilterPackets.SMFIS_ACCEPT);
    assertEquals(List.of(MilterPackets.SMFIS_ACCEPT), sender.sent);
  }

  @Test
  void aFailedSendIsAMilterExceptionAndDestroyClosesTheConnection() {
    Recorder sender = new Recorder();
    ProtocolContext c = context(sender);
    c.setSessionStep(CommandCode.SMFIC_MAIL);
    sender.broken = true;
    assertThrows(MilterException.class, c::sendContinue);
    c.destroy();
    assertTrue(sender.closed);
  }

  @Test
  void macrosAreKeptPerTypeAndIdsDiffer() {
    ProtocolContext c = context(new Recorder());
    c.setMacros('M', Map.of("i", "4XyZ1"));
    assertEquals(Map.of("i", "4XyZ1"), c.getMacros('M'));
    assertEquals(null, c.getMacros('R'));
    assertNotEquals(c.id(), context(new Recorder()).id());
  }
}
