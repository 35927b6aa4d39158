package io.headroom.transport;

import java.util.concurrent.CompletionStage;

/**
 * Stops reading a milter connection until a stage completes. Postfix sends the message content
 * without waiting for replies (the SMFIP_NR_* flags), so the only way left to slow it down while
 * the scanners catch up is to leave its bytes in the socket: TCP then holds Postfix back.
 */
public interface InboundHold {
  InboundHold NONE = stage -> {};

  /** Reading resumes when {@code stage} and every stage held before it have completed. */
  void until(CompletionStage<?> stage);
}
