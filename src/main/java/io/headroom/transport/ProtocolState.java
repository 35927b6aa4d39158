package io.headroom.transport;

import java.nio.charset.StandardCharsets;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.codec.MilterPacket;
import org.nightcode.milter.util.MilterPackets;

/**
 * Where one milter connection is in the protocol, and which packet may come next. jmilter's command
 * engine dispatches any command in any state and leaves malformed payloads to its processors, some
 * of which throw (a macro packet with an odd number of strings) or, for an IPv4 connect address
 * that is not a literal, resolve it through DNS on the event loop. Every packet passes here first;
 * one that the protocol does not allow ends the connection.
 *
 * <p>The order is Postfix's (src/milter/milter8.c): OPTNEG; then per SMTP session CONNECT, HELO
 * (again at any time: "With HELO after MAIL, smtpd(8) calls milter8_abort() next"), and per
 * transaction MAIL, RCPT..., DATA, HEADER..., EOH, BODY..., EOB, or ABORT to end it early. Steps
 * the milter declined at negotiation are simply absent. MACRO precedes the command it belongs to
 * and is legal at any time; QUIT ends the connection at any time.
 */
final class ProtocolState {
  /**
   * The events Postfix sends macros before (milter8.c milter8_event): connect, HELO, MAIL, RCPT,
   * DATA, unknown command, and in cleanup(8) each header and the end of headers (the
   * milter_end_of_header_macros), each body chunk and the end of the message (the
   * milter_end_of_data_macros). No other type byte can come from Postfix.
   */
  private static final String MACRO_TYPES = "CHMRTULNBE";

  /**
   * jmilter keeps the latest macro packet of each type for the whole session (one map per type
   * byte, without a limit): so this many bytes of name/value strings, all types together, may a
   * session keep. Postfix 3.7 with its default milter_*_macros sends 111 bytes at connect and 74 at
   * MAIL and at RCPT (recorded in HardeningIT); even with TLS certificate names and addresses at
   * smtpd's line_length_limit (2048) all stages together stay under 8 KiB.
   */
  static final int MAX_MACRO_BYTES = 16 * 1024;

  /**
   * Names a session may keep, all types together. Each costs jmilter two strings and a map entry
   * (about 150 bytes of heap for a short pair), which is what made 21,000 short pairs a packet kill
   * the daemon. Postfix's defaults send at most 7 a stage.
   */
  static final int MAX_MACROS = 128;

  private enum Phase {
    NEW,
    NEGOTIATED,
    CONNECTED,
    TRANSACTION,
    CLOSED
  }

  // Order of the commands within one transaction; a command may not go back to an earlier one.
  private static final int MAIL = 1;
  private static final int RCPT = 2;
  private static final int DATA = 3;
  private static final int HEADER = 4;
  private static final int EOH = 5;
  private static final int BODY = 6;

  private Phase phase = Phase.NEW;
  private int step;

  /** Per macro type: the size and the name count of the latest packet, which jmilter keeps. */
  private final int[] macroBytes = new int[MACRO_TYPES.length()];

  private final int[] macroNames = new int[MACRO_TYPES.length()];

  /**
   * Checks {@code packet} against the state and advances it.
   *
   * @return the packet to hand to jmilter (a connect from an unknown address family gets the NUL
   *     jmilter expects but milter8.c does not send)
   * @throws ProtocolViolation when the packet may not come now or is malformed
   */
  MilterPacket admit(MilterPacket packet) {
    byte[] p = packet.payload();
    CommandCode command = command(packet.command());
    switch (command) {
      case SMFIC_MACRO -> macro(p);
      case SMFIC_QUIT -> phase = Phase.CLOSED;
      case SMFIC_OPTNEG -> {
        expect(command, phase == Phase.NEW);
        optneg(p);
        phase = Phase.NEGOTIATED;
      }
      case SMFIC_CONNECT -> {
        expect(command, phase == Phase.NEGOTIATED);
        boolean unknownFamily = connect(p);
        phase = Phase.CONNECTED;
        if (unknownFamily) {
          return MilterPacket.builder()
              .command(CommandCode.SMFIC_CONNECT)
              .payload(withNul(p))
              .build();
        }
      }
      case SMFIC_QUIT_NC -> {
        // Quit this SMTP session, keep the connection for the next one, which starts with CONNECT.
        expect(command, phase.compareTo(Phase.NEGOTIATED) >= 0);
        phase = Phase.NEGOTIATED;
      }
      case SMFIC_ABORT -> {
        expect(command, phase.compareTo(Phase.NEGOTIATED) >= 0);
        if (phase == Phase.TRANSACTION) {
          phase = Phase.CONNECTED;
        }
      }
      case SMFIC_HELO -> {
        expect(command, phase == Phase.CONNECTED || phase == Phase.TRANSACTION);
        terminated(command, p);
      }
      case SMFIC_UNKNOWN -> {
        // An SMTP command Postfix does not know, sent before the message content.
        expect(command, phase == Phase.CONNECTED || (phase == Phase.TRANSACTION && step <= RCPT));
        terminated(command, p);
      }
      case SMFIC_MAIL -> {
        expect(command, phase == Phase.CONNECTED);
        terminated(command, p);
        phase = Phase.TRANSACTION;
        step = MAIL;
      }
      case SMFIC_RCPT -> {
        inTransaction(command, MAIL, RCPT);
        terminated(command, p);
      }
      case SMFIC_DATA -> inTransaction(command, MAIL, DATA);
      case SMFIC_HEADER -> {
        inTransaction(command, MAIL, HEADER);
        header(p);
      }
      case SMFIC_EOH -> inTransaction(command, MAIL, EOH);
      case SMFIC_BODY -> inTransaction(command, MAIL, BODY);
      case SMFIC_EOB -> {
        inTransaction(command, MAIL, BODY);
        phase = Phase.CONNECTED;
      }
      default ->
          throw new ProtocolViolation(
              ProtocolError.UNKNOWN_COMMAND, "command " + describe(packet.command()));
    }
    return packet;
  }

  /** QUIT was admitted: jmilter closing the connection now is the normal end. */
  boolean quitting() {
    return phase == Phase.CLOSED;
  }

  private static CommandCode command(int code) {
    for (CommandCode c : CommandCode.values()) {
      if (c.code() == code) {
        return c;
      }
    }
    throw new ProtocolViolation(ProtocolError.UNKNOWN_COMMAND, "command " + describe(code));
  }

  private void expect(CommandCode command, boolean allowed) {
    if (!allowed) {
      throw new ProtocolViolation(
          ProtocolError.OUT_OF_ORDER, name(command) + " in state " + where());
    }
  }

  /** A transaction command that may follow steps up to {@code latest}; it becomes the latest. */
  private void inTransaction(CommandCode command, int earliest, int latest) {
    expect(command, phase == Phase.TRANSACTION && step >= earliest && step <= latest);
    step = latest;
  }

  private String where() {
    return phase == Phase.TRANSACTION
        ? "transaction after step " + step
        : phase.name().toLowerCase(java.util.Locale.ROOT);
  }

  private static void optneg(byte[] p) {
    // Version, actions, protocol steps: three 32-bit words (milter8.c milter8_negotiate).
    if (p.length != 12) {
      throw new ProtocolViolation(
          ProtocolError.MALFORMED, "OPTNEG of " + p.length + " bytes, not 12");
    }
    int version =
        ((p[0] & 0xff) << 24) | ((p[1] & 0xff) << 16) | ((p[2] & 0xff) << 8) | (p[3] & 0xff);
    // Postfix speaks 2, 3, 4 or 6 (milter_protocol); jmilter reads only the low byte, signed, and
    // aborts below 2 (a version of 250 was the fuzzer's first finding).
    if (version < 2 || version > 6) {
      throw new ProtocolViolation(ProtocolError.MALFORMED, "OPTNEG protocol version " + version);
    }
  }

  /**
   * {@code hostname\0}, a family byte, then for 4, 6 and L a 2-byte port and {@code address\0}; for
   * U (unknown) nothing more (milter8.c milter8_conn_event).
   *
   * @return true for the unknown family
   */
  private static boolean connect(byte[] p) {
    int nul = MilterPackets.indexOfZeroTerm(p, 0);
    if (nul < 0) {
      throw new ProtocolViolation(ProtocolError.MISSING_NUL, "CONNECT host name without NUL");
    }
    if (nul + 1 >= p.length) {
      throw new ProtocolViolation(ProtocolError.MALFORMED, "CONNECT without address family");
    }
    byte family = p[nul + 1];
    if (family == 'U') {
      if (p.length != nul + 2) {
        throw new ProtocolViolation(
            ProtocolError.MALFORMED, "CONNECT of unknown family with an address");
      }
      return true;
    }
    if (family != '4' && family != '6' && family != 'L') {
      throw new ProtocolViolation(
          ProtocolError.MALFORMED, "CONNECT address family " + describe(family));
    }
    int start = nul + 4;
    if (start >= p.length) {
      throw new ProtocolViolation(ProtocolError.MALFORMED, "CONNECT without port or address");
    }
    if (p[p.length - 1] != 0 || MilterPackets.indexOfZeroTerm(p, start) != p.length - 1) {
      throw new ProtocolViolation(
          ProtocolError.MISSING_NUL, "CONNECT address without its single NUL");
    }
    // jmilter turns an IPv4 address into an InetAddress with getByName, which would resolve a name
    // through DNS on the event loop: only a dotted-quad literal may pass.
    if (family == '4' && !isIpv4Literal(p, start, p.length - 1)) {
      throw new ProtocolViolation(ProtocolError.MALFORMED, "CONNECT IPv4 address is not a literal");
    }
    // Postfix sends only literals: a name is not from Postfix, and would need DNS to be matched.
    if (family == '6'
        && !ClientAddress.isIpv6Literal(
            new String(p, start, p.length - 1 - start, StandardCharsets.US_ASCII))) {
      throw new ProtocolViolation(ProtocolError.MALFORMED, "CONNECT IPv6 address is not a literal");
    }
    return false;
  }

  /**
   * One to three decimal digits, 0 to 255, four times: nothing InetAddress could take for a name.
   */
  private static boolean isIpv4Literal(byte[] p, int from, int to) {
    int parts = 0;
    int digits = 0;
    int value = 0;
    for (int i = from; i <= to; i++) {
      if (i == to || p[i] == '.') {
        if (digits == 0 || value > 255 || ++parts > 4) {
          return false;
        }
        digits = 0;
        value = 0;
      } else if (p[i] >= '0' && p[i] <= '9' && digits < 3) {
        digits++;
        value = value * 10 + (p[i] - '0');
      } else {
        return false;
      }
    }
    return parts == 4;
  }

  /**
   * A type byte, then name and value strings, each NUL-terminated (milter8.c MILTER8_DATA_ARGV).
   */
  private void macro(byte[] p) {
    if (p.length == 0) {
      throw new ProtocolViolation(ProtocolError.MALFORMED, "MACRO without a type");
    }
    int type = MACRO_TYPES.indexOf(p[0]);
    if (type < 0) {
      throw new ProtocolViolation(ProtocolError.MALFORMED, "MACRO for command " + describe(p[0]));
    }
    if (p.length > 1 && p[p.length - 1] != 0) {
      throw new ProtocolViolation(ProtocolError.MISSING_NUL, "MACRO string without NUL");
    }
    int strings = 0;
    for (int i = 1; i < p.length; i++) {
      if (p[i] == 0) {
        strings++;
      }
    }
    if (strings % 2 != 0) {
      throw new ProtocolViolation(ProtocolError.MALFORMED, "MACRO with a name but no value");
    }
    keepMacros(type, p.length - 1, strings / 2);
  }

  /** Counts what jmilter will keep once this packet replaces the last one of its type. */
  private void keepMacros(int type, int bytes, int names) {
    int keptBytes = bytes;
    int keptNames = names;
    for (int t = 0; t < MACRO_TYPES.length(); t++) {
      if (t != type) {
        keptBytes += macroBytes[t];
        keptNames += macroNames[t];
      }
    }
    if (keptBytes > MAX_MACRO_BYTES || keptNames > MAX_MACROS) {
      throw new ProtocolViolation(
          ProtocolError.MACROS_TOO_LARGE,
          "MACRO for "
              + describe(MACRO_TYPES.charAt(type))
              + " would keep "
              + keptNames
              + " macros of "
              + keptBytes
              + " bytes in all, the limits are "
              + MAX_MACROS
              + " and "
              + MAX_MACRO_BYTES);
    }
    macroBytes[type] = bytes;
    macroNames[type] = names;
  }

  /** {@code name\0value\0}. */
  private static void header(byte[] p) {
    terminated(CommandCode.SMFIC_HEADER, p);
    int nul = MilterPackets.indexOfZeroTerm(p, 0);
    if (nul == p.length - 1) {
      throw new ProtocolViolation(ProtocolError.MISSING_NUL, "HEADER without value");
    }
  }

  private static void terminated(CommandCode command, byte[] p) {
    if (p.length == 0 || p[p.length - 1] != 0) {
      throw new ProtocolViolation(ProtocolError.MISSING_NUL, name(command) + " string without NUL");
    }
  }

  private static byte[] withNul(byte[] p) {
    byte[] out = new byte[p.length + 1];
    System.arraycopy(p, 0, out, 0, p.length);
    return out;
  }

  private static String name(CommandCode command) {
    return command.name().substring("SMFIC_".length());
  }

  private static String describe(int code) {
    int c = code & 0xff;
    return c >= 0x21 && c < 0x7f ? "'" + (char) c + "'" : String.format("0x%02x", c);
  }
}
