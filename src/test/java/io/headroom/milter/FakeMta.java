package io.headroom.milter;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.MilterHandler;
import org.nightcode.milter.codec.MilterPacket;
import org.nightcode.milter.command.CommandEngine;
import org.nightcode.milter.net.MilterPacketSender;

/** Plays Postfix's side of one milter session in memory, through jmilter's real command engine. */
final class FakeMta {
  /** Every action and protocol step Postfix 3.7 offers in its SMFIC_OPTNEG. */
  static final int ALL_ACTIONS = 0x1ff;
  static final int ALL_STEPS = 0x1fffff;

  final List<MilterPacket> sent = new ArrayList<>();
  boolean closed;
  final Session session;

  FakeMta(MilterHandler handler) {
    this.session = (Session) handler.createContext(new MilterPacketSender() {
      @Override
      public void send(MilterPacket packet) {
        sent.add(packet);
      }

      @Override
      public void close() {
        closed = true;
      }
    });
  }

  /** Negotiates; returns the protocol-steps word the milter asked for. */
  int optneg() {
    byte[] p = new byte[12];
    putInt(p, 0, 6);
    putInt(p, 4, ALL_ACTIONS);
    putInt(p, 8, ALL_STEPS);
    MilterPacket reply = exchange(CommandCode.SMFIC_OPTNEG, p);
    byte[] r = reply.payload();
    return ((r[8] & 0xff) << 24) | ((r[9] & 0xff) << 16) | ((r[10] & 0xff) << 8) | (r[11] & 0xff);
  }

  MilterPacket connect(String host, String address) {
    return exchange(CommandCode.SMFIC_CONNECT, concat(z(host), new byte[] {'4', 0x30, 0x39}, z(address)));
  }

  void macro(char type, String... nameValues) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(type);
    for (String s : nameValues) {
      out.writeBytes(z(s));
    }
    submit(CommandCode.SMFIC_MACRO, out.toByteArray());
  }

  MilterPacket helo(String name) {
    return exchange(CommandCode.SMFIC_HELO, z(name));
  }

  MilterPacket mail(String from) {
    return exchange(CommandCode.SMFIC_MAIL, z(from));
  }

  MilterPacket rcpt(String to) {
    return exchange(CommandCode.SMFIC_RCPT, z(to));
  }

  MilterPacket data() {
    return exchange(CommandCode.SMFIC_DATA, new byte[0]);
  }

  MilterPacket eom() {
    return exchange(CommandCode.SMFIC_EOB, new byte[0]);
  }

  /** Sends one command; returns the milter's reply, or null when it sent none. */
  MilterPacket exchange(CommandCode command, byte[] payload) {
    int before = sent.size();
    submit(command, payload);
    return sent.size() > before ? sent.get(sent.size() - 1) : null;
  }

  private void submit(CommandCode command, byte[] payload) {
    CommandEngine.instance().submit(session, MilterPacket.builder().command(command).payload(payload).build());
  }

  static String text(MilterPacket reply) {
    byte[] p = reply.payload();
    return new String(p, 0, p.length - 1, StandardCharsets.US_ASCII);
  }

  private static byte[] z(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[b.length + 1];
    System.arraycopy(b, 0, out, 0, b.length);
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
