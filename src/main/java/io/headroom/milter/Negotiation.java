package io.headroom.milter;

import io.headroom.config.Stage;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import org.nightcode.milter.Actions;
import org.nightcode.milter.ProtocolSteps;

/**
 * Which events the milter asks Postfix for. The cheapest event is one Postfix never sends: stages
 * the gate does not answer at are marked "no reply" (Postfix does not wait for us), and events the
 * gate does not need at all are not sent.
 */
final class Negotiation {
  private Negotiation() {}

  /** Scanning may add a spam header and quarantine; the gate alone modifies nothing. */
  static Actions actions(boolean scanning) {
    return scanning
        ? Actions.builder().addHeader().quarantineEnvelope().build()
        : Actions.builder().build();
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
