package io.headroom.transport;

import java.net.InetAddress;
import org.nightcode.milter.MilterContext;

/**
 * What the transport needs of the session a milter handler creates for each connection: an id for
 * its log lines, and the client address, which the transport parses from the raw SMFIC_CONNECT
 * packet because jmilter decodes IPv4 only.
 */
public interface TransportSession extends MilterContext {

  /** A short id that names this connection in every log line about it. */
  String logId();

  void clientAddress(InetAddress address);
}
