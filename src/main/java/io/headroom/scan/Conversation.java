package io.headroom.scan;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One scanner kind's side of one message scan. No method blocks: {@link #write(byte[])} and {@link
 * #finish(byte[])} are called in milter order by one session, and each returns a stage that
 * completes when the step is done, or fails with a {@link ScanFailure} (or any other exception, an
 * error) when it cannot be. {@link #close()} may be called from any thread at any time and makes a
 * pending step fail.
 */
interface Conversation {

  /**
   * Hands on the next bytes of the message as the MTA received it; {@code bytes} is not empty and
   * not changed until the stage completes, which it does once the scanner (or the spool kept for
   * it) has taken them.
   */
  CompletableFuture<Void> write(byte[] bytes);

  /**
   * Sends the message's last bytes (possibly none), ends the message and completes with the
   * scanner's verdict; {@code took} is filled in by the caller. When nothing was written before,
   * {@code last} is the whole message.
   */
  CompletableFuture<ScannerVerdict> finish(byte[] last);

  /**
   * While the conversation is looking for a backend that accepts a connection, why they refused so
   * far; empty otherwise. A deadline that passes while connecting means unreachable, not slow.
   */
  Optional<String> connecting();

  /** Releases sockets and files; idempotent. */
  void close();
}
