package io.headroom.milter;

import io.headroom.config.Stage;
import org.nightcode.milter.Actions;
import org.nightcode.milter.ProtocolSteps;

/**
 * Which events the milter asks Postfix for. The cheapest event is one Postfix never sends: stages the
 * gate does not answer at are marked "no reply" (Postfix does not wait for us), and events the gate
 * does not need at all are not sent.
 */
final class Negotiation {
  private Negotiation() {}

  /** Scanning may add a spam header and quarantine; the gate alone modifies nothing. */
  static Actions actions(boolean scanning) {
    return scanning ? Actions.builder().addHeader().quarantineEnvelope().build() : Actions.builder().build();
  }

  static ProtocolSteps steps(Stage deferStage, boolean scanning) {
    ProtocolSteps.Builder b = ProtocolSteps.builder().noUnknownCommands().noReplyForUnknown();
    if (!scanning) {
      b.noHeaders().noEoh().noBody();
    }
    // CONNECT carries the client address (bypass_networks, logs) and MAIL starts a transaction
    // (auth macros, per-transaction counting): always sent, but only answered at the defer stage.
    if (deferStage != Stage.CONNECT) {
      b.noReplyForConnect();
    }
    if (deferStage != Stage.HELO) {
      b.noHelo();
    }
    if (deferStage != Stage.MAIL) {
      b.noReplyForMailFrom();
    }
    if (deferStage != Stage.RCPT) {
      b.noRecipients();
    }
    if (deferStage != Stage.DATA) {
      b.noData();
    }
    return b.build();
  }
}
