package io.headroom.transport;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Why a milter connection was closed, as the {@code reason} label of {@code
 * headroom_milter_protocol_errors_total}: a fixed, small set.
 */
public enum ProtocolError {
  /** The length word announced more than {@link PacketFrameDecoder#MAX_PACKET}. */
  PACKET_TOO_LONG,
  /** A length word of 0: a packet must at least carry its command byte. */
  EMPTY_PACKET,
  /** A command byte the milter protocol does not define. */
  UNKNOWN_COMMAND,
  /** A defined command where the protocol does not allow it (e.g. MAIL before CONNECT). */
  OUT_OF_ORDER,
  /** A string argument without its terminating NUL. */
  MISSING_NUL,
  /** Any other payload that does not have the shape its command requires. */
  MALFORMED,
  /** No byte from the peer for idle_timeout, between commands or mid-packet. */
  IDLE_TIMEOUT,
  /**
   * A packet not complete within {@link PacketFrameDecoder#PACKET_DEADLINE_SECONDS} of its first
   * byte.
   */
  PACKET_TIMEOUT,
  /** No SMFIC_OPTNEG within {@link NegotiationDeadline#SECONDS} of connecting. */
  OPTNEG_TIMEOUT,
  /**
   * The macros a session would keep exceed {@link ProtocolState#MAX_MACRO_BYTES} or {@link
   * ProtocolState#MAX_MACROS}.
   */
  MACROS_TOO_LARGE,
  /** A partial packet that the {@link MemoryBudget} shared by all connections had no room for. */
  OVER_MEMORY_BUDGET,
  /** jmilter's command engine gave up on a packet that passed our checks. */
  REJECTED_BY_ENGINE,
  /** An exception on our side while handling a packet (logged with its stack trace). */
  INTERNAL_ERROR;

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Every reason's label, so each counter can be exported from the first scrape. */
  public static List<String> labels() {
    return Arrays.stream(values()).map(ProtocolError::label).toList();
  }
}
