package io.headroom.milter;

import io.headroom.config.Config;
import io.headroom.config.ConfigException;
import io.headroom.config.ConfigParser;
import io.headroom.config.Stage;
import io.headroom.health.HealthSnapshot;
import io.headroom.metrics.Metrics;
import io.headroom.transport.MemoryBudget;
import io.headroom.transport.MilterServer;
import io.headroom.transport.SessionLoop;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.nightcode.milter.Actions;
import org.nightcode.milter.MilterContext;
import org.nightcode.milter.MilterException;
import org.nightcode.milter.MilterHandler;
import org.nightcode.milter.MilterMacros;
import org.nightcode.milter.ProtocolSteps;
import org.nightcode.milter.codec.MilterPacket;
import org.nightcode.milter.net.MilterPacketSender;

/**
 * The benchmark's measure of what negotiation saves: the gate's own handler and milter server,
 * healthy and without probes, asking Postfix either for the events {@link Negotiation} picks (and
 * accepting the message at the defer stage) or for every event with a reply to each. Everything
 * else is the same code, so the difference is the events alone.
 *
 * <p>Run as {@code java -cp headroom-milter.jar:test-classes io.headroom.milter.EventCostMilter
 * CONFIG negotiated|all}; prints "listening on" and serves until killed.
 */
public final class EventCostMilter {
  private EventCostMilter() {}

  public static void main(String[] args) throws ConfigException, IOException, InterruptedException {
    if (args.length != 2 || !List.of("negotiated", "all").contains(args[1])) {
      System.err.println("usage: EventCostMilter CONFIG negotiated|all");
      System.exit(2);
    }
    Config config = ConfigParser.parse(Path.of(args[0]));
    boolean all = args[1].equals("all");
    // Every event means a reply to each, up to the end of the message: answered at DATA, the gate
    // says "continue" at RCPT instead of the accept that would stop Postfix's events early.
    GateHandler gate =
        new GateHandler(
            () -> HealthSnapshot.EMPTY,
            all ? Set.of(Stage.DATA) : Set.of(config.deferStage()),
            config.bypass(),
            Metrics.NONE,
            Optional.empty());
    MilterHandler handler = all ? new AllEvents(gate) : gate;
    MilterServer server =
        MilterServer.start(
            config.listen(),
            () -> handler,
            config::sessions,
            Metrics.NONE,
            MemoryBudget.forHeap(),
            SessionLoop.start());
    System.out.println("listening on " + server.localAddress());
    new CountDownLatch(1).await();
  }

  /**
   * The gate with an unrestricted negotiation: Postfix sends every event and waits for every reply.
   * jmilter negotiates with the steps of the session's context; the gate answers the events it
   * handles, and the content events it never asks for without a scanner are answered "continue", as
   * a milter that looks at them and finds nothing would.
   */
  private static final class AllEvents implements MilterHandler {
    private final GateHandler gate;

    AllEvents(GateHandler gate) {
      this.gate = gate;
    }

    @Override
    public MilterContext createContext(MilterPacketSender sender) {
      return new Session(
          this,
          Actions.builder().build(),
          ProtocolSteps.builder().build(),
          MilterMacros.instance(),
          sender);
    }

    @Override
    public void abortSession(MilterContext context, MilterPacket packet) {
      gate.abortSession(context, packet);
    }

    @Override
    public void closeSession(MilterContext context) {
      gate.closeSession(context);
    }

    @Override
    public void abort(MilterContext context, MilterPacket packet) throws MilterException {
      gate.abort(context, packet);
    }

    @Override
    public void body(MilterContext context, byte[] bodyChunk) throws MilterException {
      context.sendContinue();
    }

    @Override
    public void connect(
        MilterContext context, String hostname, int family, int port, SocketAddress address)
        throws MilterException {
      gate.connect(context, hostname, family, port, address);
    }

    @Override
    public void data(MilterContext context, byte[] payload) throws MilterException {
      gate.data(context, payload);
    }

    @Override
    public void envfrom(MilterContext context, List<String> from) throws MilterException {
      gate.envfrom(context, from);
    }

    @Override
    public void envrcpt(MilterContext context, List<String> recipients) throws MilterException {
      gate.envrcpt(context, recipients);
    }

    @Override
    public void eoh(MilterContext context) throws MilterException {
      context.sendContinue();
    }

    @Override
    public void eom(MilterContext context, byte[] bodyChunk) throws MilterException {
      gate.eom(context, bodyChunk);
    }

    @Override
    public void header(MilterContext context, String headerName, String headerValue)
        throws MilterException {
      context.sendContinue();
    }

    @Override
    public void helo(MilterContext context, String helohost) throws MilterException {
      gate.helo(context, helohost);
    }

    @Override
    public void macro(MilterContext context, int type, Map<String, String> macros)
        throws MilterException {
      gate.macro(context, type, macros);
    }

    @Override
    public void optneg(
        MilterContext context, int mtaProtocolVersion, Actions mtaActions, ProtocolSteps mtaSteps)
        throws MilterException {
      gate.optneg(context, mtaProtocolVersion, mtaActions, mtaSteps);
    }

    @Override
    public void quit(MilterContext context) {
      gate.quit(context);
    }

    @Override
    public void quitNc(MilterContext context) {
      gate.quitNc(context);
    }

    @Override
    public void unknown(MilterContext context, byte[] payload) throws MilterException {
      context.sendContinue();
    }
  }
}
