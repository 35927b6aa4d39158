package io.headroom.milter;

import io.headroom.config.Stage;
import java.nio.ByteBuffer;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import org.nightcode.milter.Actions;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.MilterContext;
import org.nightcode.milter.MilterException;
import org.nightcode.milter.MilterMacros;
import org.nightcode.milter.ProtocolSteps;
import org.nightcode.milter.codec.MilterPacket;

/**
 * Which events the milter asks Postfix for. The cheapest event is one Postfix never sends: stages
 * the gate does not answer at are marked "no reply" (Postfix does not wait for us), and events the
 * gate does not need at all are not sent.
 */
final class Negotiation {
  private Negotiation() {}

  /**
   * Answers the MTA's SMFIC_OPTNEG: the lower of the two protocol versions, our actions, and the
   * steps both sides agree on (each flag of ours the MTA also offers), followed by the macros we
   * ask for. An empty offer stands for the protocol's defaults.
   *
   * @return false, with nothing sent, when the MTA lacks an action this milter needs
   */
  static boolean reply(
      MilterContext context, int mtaVersion, Actions mtaActions, ProtocolSteps mtaSteps)
      throws MilterException {
    context.setMtaProtocolVersion(mtaVersion);
    int version = Math.min(context.milterProtocolVersion(), mtaVersion);
    context.setSessionProtocolVersion(version);
    Actions offered = mtaActions.bitmap() == 0 ? Actions.DEF_ACTIONS : mtaActions;
    context.setMtaActions(offered);
    Actions needed = context.milterActions();
    if ((offered.bitmap() & needed.bitmap()) != needed.bitmap()) {
      return false;
    }
    ProtocolSteps steps = mtaSteps.bitmap() == 0 ? ProtocolSteps.DEF_PROTOCOL_STEPS : mtaSteps;
    context.setMtaProtocolSteps(steps);
    byte[] agreed = steps.array().clone();
    byte[] ours = context.milterProtocolSteps().array();
    for (int i = 0; i < agreed.length; i++) {
      agreed[i] &= ours[i];
    }
    context.setSessionProtocolSteps(new ProtocolSteps(agreed, 0));
    byte[] macros = context.milterMacros().array();
    byte[] actions = needed.array();
    ByteBuffer payload =
        ByteBuffer.allocate(4 + actions.length + agreed.length + macros.length)
            .putInt(version)
            .put(actions)
            .put(agreed)
            .put(macros);
    context.sendPacket(new MilterPacket(CommandCode.SMFIC_OPTNEG, payload.array()));
    return true;
  }

  /**
   * The macros the milter asks Postfix for, in place of main.cf's milter_*_macros: the queue id
   * ({@code i}) for log lines, and {@code {auth_authen}} at MAIL for bypass_authenticated; nothing
   * else is read. Postfix sends each event's macros even for an event not negotiated (HELO), and
   * falls back to main.cf's list for a list left empty (milter.c, MILTER_MACRO_EVAL), so every list
   * names {@code i}: Postfix then looks up one macro per event instead of its defaults' four to
   * seven, and the packets carry a value or nothing.
   */
  static final MilterMacros MACROS =
      MilterMacros.builder()
          .connectMacros("i")
          .heloMacros("i")
          .envfromMacros("i {auth_authen}")
          .envrcptMarcos("i")
          .dataMacros("i")
          .eohMacros("i")
          .eomMacros("i")
          .build();

  /**
   * Scanning may add a spam header and quarantine; with spamd it also deletes the incoming {@code
   * X-Spam-Status} headers that its own replaces (SMFIF_CHGHDRS). The gate alone modifies nothing.
   */
  static Actions actions(boolean scanning, boolean spamd) {
    if (!scanning) {
      return Actions.builder().build();
    }
    Actions.Builder b = Actions.builder().addHeader().quarantineEnvelope();
    if (spamd) {
      b.changeDeleteHeaders();
    }
    return b.build();
  }

  /**
   * The stage at which a healthy answer can be SMFIR_ACCEPT rather than "continue": the last stage
   * any check answers at, when that is MAIL or RCPT. After an accept there, Postfix's smtpd sends
   * this milter nothing more for the message and, because the queue file is opened only after the
   * first recipient's milter event, does not hand the milter connection to cleanup(8) at all: no
   * end-of-message round trip, no second process reading the queue file for us. Not when scanning
   * (the content is the point), not at DATA (cleanup already has the connection and will still send
   * end-of-message), not at CONNECT or HELO, where Postfix takes an accept for the whole connection
   * and later transactions would go unchecked and uncounted, and not before a later stage some
   * other check still answers at.
   */
  static Optional<Stage> acceptsAt(Set<Stage> stages, boolean scanning) {
    Optional<Stage> last = stages.stream().max(Comparator.naturalOrder());
    return last.filter(stage -> !scanning && (stage == Stage.MAIL || stage == Stage.RCPT));
  }

  static ProtocolSteps steps(Set<Stage> stages, boolean scanning) {
    ProtocolSteps.Builder b = ProtocolSteps.builder().noUnknownCommands().noReplyForUnknown();
    if (scanning) {
      // Content arrives without a reply per header or chunk: Postfix writes it back to back and
      // the milter reads it in a few wake-ups instead of one round trip each. Backpressure is
      // TCP's: see ContentScanning.
      b.noReplyForHeaders().noReplyForEoh().noReplyForBodyChunk();
    } else {
      b.noHeaders().noEoh().noBody();
    }
    // CONNECT carries the client address (bypass_networks, logs) and MAIL starts a transaction
    // (auth macros, per-transaction counting): always sent, but only answered where a check is.
    if (!stages.contains(Stage.CONNECT)) {
      b.noReplyForConnect();
    }
    if (!stages.contains(Stage.HELO)) {
      b.noHelo();
    }
    if (!stages.contains(Stage.MAIL)) {
      b.noReplyForMailFrom();
    }
    if (!stages.contains(Stage.RCPT)) {
      b.noRecipients();
    }
    if (!stages.contains(Stage.DATA)) {
      b.noData();
    }
    return b.build();
  }
}
