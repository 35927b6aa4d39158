package io.headroom.milter;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.nightcode.milter.Actions;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.MilterContext;
import org.nightcode.milter.MilterException;
import org.nightcode.milter.MilterHandler;
import org.nightcode.milter.MilterMacros;
import org.nightcode.milter.ProtocolSteps;
import org.nightcode.milter.codec.MilterPacket;
import org.nightcode.milter.net.MilterPacketSender;
import org.nightcode.milter.util.MilterPackets;

/**
 * What jmilter's command engine keeps per connection: what each side offered and what was agreed,
 * the latest macros of each type, the command being handled, and the way back to Postfix. In place
 * of jmilter's {@code MilterContextImpl}, which draws its id from {@code UUID.randomUUID()}: a
 * SecureRandom under a lock, a tenth of the event loop's Java samples in a profile at 50 sessions a
 * second. An id that names a connection in the log needs no cryptographic randomness.
 */
abstract class ProtocolContext implements MilterContext {
  private final UUID id;
  private final MilterHandler handler;
  private final Actions milterActions;
  private final ProtocolSteps milterSteps;
  private final MilterMacros milterMacros;
  private final MilterPacketSender sender;

  /** Indexed by the macro type, an ASCII letter (transport.ProtocolState admits no other). */
  @SuppressWarnings("unchecked")
  private final Map<String, String>[] macros = new Map[128];

  private volatile int mtaVersion;
  private volatile Actions mtaActions;
  private volatile ProtocolSteps mtaSteps;
  private volatile int sessionVersion;
  private volatile ProtocolSteps sessionSteps;
  private volatile CommandCode step;

  ProtocolContext(
      MilterHandler handler,
      Actions actions,
      ProtocolSteps steps,
      MilterMacros macros,
      MilterPacketSender sender) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    this.id = new UUID(random.nextLong(), random.nextLong());
    this.handler = handler;
    this.milterActions = actions;
    this.milterSteps = steps;
    this.milterMacros = macros;
    this.sender = sender;
  }

  /**
   * Whether Postfix waits for a reply to the command being handled, that is whether no "no reply"
   * flag for it was negotiated. A reply to a command that has none would be taken as the answer to
   * the next one.
   */
  boolean awaitsReply() {
    int noReply = step == null ? 0 : step.noReplyBit();
    return noReply == 0 || sessionSteps == null || (sessionSteps.bitmap() & noReply) == 0;
  }

  /** Sends {@code packet} if Postfix waits for a reply ({@link #awaitsReply()}). */
  @Override
  public void sendPacket(MilterPacket packet) throws MilterException {
    if (!awaitsReply()) {
      return;
    }
    try {
      sender.send(packet);
    } catch (IOException e) {
      throw new MilterException("unable to send packet: " + packet, e);
    }
  }

  @Override
  public void sendContinue() throws MilterException {
    sendPacket(MilterPackets.SMFIS_CONTINUE);
  }

  @Override
  public void destroy() {
    sender.close();
  }

  @Override
  public UUID id() {
    return id;
  }

  @Override
  public MilterHandler handler() {
    return handler;
  }

  /** Forgets every macro: the next SMTP session on this connection sends its own. */
  void clearMacros() {
    Arrays.fill(macros, null);
  }

  @Override
  public Map<String, String> getMacros(int type) {
    return macros[type];
  }

  @Override
  public void setMacros(int type, Map<String, String> values) {
    macros[type] = values;
  }

  @Override
  public Actions milterActions() {
    return milterActions;
  }

  @Override
  public MilterMacros milterMacros() {
    return milterMacros;
  }

  @Override
  public ProtocolSteps milterProtocolSteps() {
    return milterSteps;
  }

  @Override
  public int milterProtocolVersion() {
    return PROTOCOL_VERSION;
  }

  @Override
  public Actions getMtaActions() {
    return mtaActions;
  }

  @Override
  public void setMtaActions(Actions actions) {
    this.mtaActions = actions;
  }

  @Override
  public ProtocolSteps getMtaProtocolSteps() {
    return mtaSteps;
  }

  @Override
  public void setMtaProtocolSteps(ProtocolSteps steps) {
    this.mtaSteps = steps;
  }

  @Override
  public int getMtaProtocolVersion() {
    return mtaVersion;
  }

  @Override
  public void setMtaProtocolVersion(int version) {
    this.mtaVersion = version;
  }

  @Override
  public ProtocolSteps getSessionProtocolSteps() {
    return sessionSteps;
  }

  @Override
  public void setSessionProtocolSteps(ProtocolSteps steps) {
    this.sessionSteps = steps;
  }

  @Override
  public int getSessionProtocolVersion() {
    return sessionVersion;
  }

  @Override
  public void setSessionProtocolVersion(int version) {
    this.sessionVersion = version;
  }

  @Override
  public CommandCode getSessionStep() {
    return step;
  }

  @Override
  public void setSessionStep(CommandCode step) {
    this.step = step;
  }
}
