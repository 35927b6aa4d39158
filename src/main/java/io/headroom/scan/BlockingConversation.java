package io.headroom.scan;

import java.util.Optional;

/**
 * One scanner kind's side of one message scan, in blocking calls: {@link #write(byte[])} and {@link
 * #finish(byte[])} are called one at a time, in order, on the scan executor ({@link
 * ExecutorConversation}); {@link #close()} may be called from any thread at any time and makes a
 * blocked call return. A conversation connects when it first has something to send, so a small
 * message costs one connection and one executor step.
 */
interface BlockingConversation {

  /** Hands on the next bytes of the message as the MTA received it; {@code bytes} is not empty. */
  void write(byte[] bytes) throws Exception;

  /**
   * Sends the message's last bytes (possibly none), ends the message and reads the scanner's
   * verdict; {@code took} is filled in by the caller. When nothing was written before, {@code last}
   * is the whole message.
   */
  ScannerVerdict finish(byte[] last) throws Exception;

  /** See {@link Conversation#connecting()}. */
  Optional<String> connecting();

  /** Releases sockets and files; idempotent. */
  void close();
}
