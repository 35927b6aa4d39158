package io.headroom.support;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Arrays;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;

/**
 * A resolver whose UDP answers are all truncated (TC bit, empty answer), as a real one's are when a
 * TXT set outgrows the UDP payload; over TCP on the same port it answers in full with one TXT
 * record, or, when started without TCP, the port refuses connections as behind a firewall that
 * blocks TCP/53. dnsmasq cannot be made to refuse TCP while answering UDP.
 */
public final class TruncatingDnsServer implements AutoCloseable {
  private static final int MAX_UDP = 512;

  private final DatagramSocket udp;
  private final ServerSocket tcp;
  private final Thread udpThread;
  private final Thread tcpThread;

  private TruncatingDnsServer(DatagramSocket udp, ServerSocket tcp) {
    this.udp = udp;
    this.tcp = tcp;
    this.udpThread = daemon("truncating-dns-udp", this::serveUdp);
    this.tcpThread = tcp == null ? null : daemon("truncating-dns-tcp", this::serveTcp);
  }

  private static Thread daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    return thread;
  }

  /** Truncated over UDP, refused over TCP. */
  public static TruncatingDnsServer withoutTcp() throws IOException {
    return start(false);
  }

  /** Truncated over UDP, answered over TCP. */
  public static TruncatingDnsServer withTcp() throws IOException {
    return start(true);
  }

  private static TruncatingDnsServer start(boolean withTcp) throws IOException {
    // Bind TCP first: a free TCP port is then tried for UDP, and a taken one gives a new TCP port.
    for (int attempt = 0; attempt < 10; attempt++) {
      ServerSocket tcp = new ServerSocket(0, 50, Ports.LOOPBACK_V4);
      try {
        DatagramSocket udp =
            new DatagramSocket(new InetSocketAddress(Ports.LOOPBACK_V4, tcp.getLocalPort()));
        if (!withTcp) {
          tcp.close();
        }
        TruncatingDnsServer server = new TruncatingDnsServer(udp, withTcp ? tcp : null);
        server.udpThread.start();
        if (server.tcpThread != null) {
          server.tcpThread.start();
        }
        return server;
      } catch (SocketException e) {
        tcp.close();
      }
    }
    throw new IOException("no port free for both UDP and TCP on " + Ports.LOOPBACK_V4);
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(Ports.LOOPBACK_V4, udp.getLocalPort());
  }

  private void serveUdp() {
    byte[] buffer = new byte[MAX_UDP];
    while (!udp.isClosed()) {
      try {
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        udp.receive(packet);
        Message query = new Message(Arrays.copyOf(packet.getData(), packet.getLength()));
        Message reply = reply(query);
        reply.getHeader().setFlag(Flags.TC);
        byte[] wire = reply.toWire();
        udp.send(new DatagramPacket(wire, wire.length, packet.getSocketAddress()));
      } catch (IOException e) {
        // closed, or a malformed packet: nothing to answer
      }
    }
  }

  private void serveTcp() {
    while (!tcp.isClosed()) {
      try (Socket client = tcp.accept()) {
        DataInputStream in = new DataInputStream(client.getInputStream());
        byte[] query = new byte[in.readUnsignedShort()];
        in.readFully(query);
        Message reply = reply(new Message(query));
        reply.addRecord(
            new TXTRecord(
                reply.getQuestion().getName(), reply.getQuestion().getDClass(), 60, "v=spf1 -all"),
            Section.ANSWER);
        byte[] wire = reply.toWire();
        DataOutputStream out = new DataOutputStream(client.getOutputStream());
        out.writeShort(wire.length);
        out.write(wire);
        out.flush();
      } catch (IOException e) {
        // closed, or the client went away
      }
    }
  }

  private static Message reply(Message query) {
    Message reply = new Message(query.getHeader().getID());
    reply.getHeader().setFlag(Flags.QR);
    reply.getHeader().setFlag(Flags.RA);
    reply.getHeader().setRcode(Rcode.NOERROR);
    reply.addRecord(query.getQuestion(), Section.QUESTION);
    return reply;
  }

  @Override
  public void close() throws InterruptedException, IOException {
    udp.close();
    if (tcp != null) {
      tcp.close();
    }
    udpThread.join(5_000);
    if (tcpThread != null) {
      tcpThread.join(5_000);
    }
  }
}
