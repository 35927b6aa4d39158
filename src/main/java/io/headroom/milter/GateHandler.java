package io.headroom.milter;

import io.headroom.config.BypassRules;
import io.headroom.config.Check;
import io.headroom.config.Mode;
import io.headroom.config.Stage;
import io.headroom.health.CheckState;
import io.headroom.health.HealthSnapshot;
import io.headroom.metrics.Metrics;
import io.headroom.metrics.Metrics.MessageAction;
import io.headroom.probe.SpoolRoom;
import io.headroom.reply.Consequence;
import io.headroom.reply.Reason;
import io.headroom.reply.SmtpReply;
import java.net.SocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.nightcode.milter.AbstractMilterHandler;
import org.nightcode.milter.Actions;
import org.nightcode.milter.MilterContext;
import org.nightcode.milter.MilterException;
import org.nightcode.milter.ProtocolSteps;
import org.nightcode.milter.ResponseCode;
import org.nightcode.milter.codec.MilterPacket;
import org.nightcode.milter.net.MilterPacketSender;
import org.nightcode.milter.util.MilterPackets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The milter's answers: a precise 451 at each check's stage when the health snapshot says so;
 * otherwise "continue", or at the last stage a check answers at, "accept" where that spares Postfix
 * the rest of the message's milter traffic (see {@link Negotiation#acceptsAt}). Reads only the
 * in-memory snapshot: no I/O on the message path. Anything unexpected is answered with a 451, never
 * with an accept.
 */
final class GateHandler extends AbstractMilterHandler {
  private static final Logger log = LoggerFactory.getLogger(GateHandler.class);
  static final SmtpReply INTERNAL_ERROR =
      SmtpReply.of(Consequence.DEFER_INTERNAL, Reason.of("Mail filter", "internal error"));
  static final SmtpReply NO_SCAN_MEMORY =
      SmtpReply.defer(Reason.of("Mail filter", "busy", "no memory left for another scan"));

  private final Supplier<HealthSnapshot> health;
  private final Set<Stage> stages;
  private final Optional<Stage> acceptStage;
  private final BypassRules bypass;
  private final Metrics metrics;
  private final Optional<ContentScanning> scanning;
  private final Optional<RoomCheck> room;
  private final Actions actions;
  private final ProtocolSteps steps;
  private final AtomicInteger sessions = new AtomicInteger();

  /**
   * @param stages the stages some check answers at: the events Postfix is asked to wait for
   */
  GateHandler(
      Supplier<HealthSnapshot> health,
      Set<Stage> stages,
      BypassRules bypass,
      Metrics metrics,
      Optional<ContentScanning> scanning) {
    this(health, stages, bypass, metrics, scanning, Optional.empty());
  }

  /**
   * @param room the check of the SIZE announced at MAIL; {@code stages} must include its stage
   */
  GateHandler(
      Supplier<HealthSnapshot> health,
      Set<Stage> stages,
      BypassRules bypass,
      Metrics metrics,
      Optional<ContentScanning> scanning,
      Optional<RoomCheck> room) {
    this(
        health,
        stages,
        bypass,
        metrics,
        scanning,
        room,
        Negotiation.actions(
            scanning.isPresent(), scanning.map(ContentScanning::tagsSpam).orElse(false)),
        Negotiation.steps(stages, scanning.isPresent()));
  }

  private GateHandler(
      Supplier<HealthSnapshot> health,
      Set<Stage> stages,
      BypassRules bypass,
      Metrics metrics,
      Optional<ContentScanning> scanning,
      Optional<RoomCheck> room,
      Actions actions,
      ProtocolSteps steps) {
    super(actions, steps);
    this.health = health;
    this.stages = Set.copyOf(stages);
    this.acceptStage = Negotiation.acceptsAt(stages, scanning.isPresent());
    this.bypass = bypass;
    this.metrics = metrics;
    this.scanning = scanning;
    this.room = room;
    this.actions = actions;
    this.steps = steps;
  }

  /**
   * jmilter's optneg formats a debug text for every session, whatever the log level (actions and
   * steps written out in hex): a fifth of the event loop's Java time at 50 sessions a second.
   */
  @Override
  public void optneg(
      MilterContext context, int mtaVersion, Actions mtaActions, ProtocolSteps mtaSteps)
      throws MilterException {
    if (!Negotiation.reply(context, mtaVersion, mtaActions, mtaSteps)) {
      log.warn(
          "the MTA does not offer the actions this milter needs (offered 0x{}, needed 0x{}):"
              + " closing the session",
          Integer.toHexString(context.getMtaActions().bitmap()),
          Integer.toHexString(actions.bitmap()));
      abortSession(context, null);
    }
  }

  @Override
  public MilterContext createContext(MilterPacketSender sender) {
    sessions.incrementAndGet();
    return new Session(this, actions, steps, Negotiation.MACROS, sender);
  }

  /**
   * Called by the transport when the connection ends, and before that by jmilter when it aborts a
   * session: a session is uncounted once, or a replaced scan service could be closed under another
   * session still open.
   */
  @Override
  public void closeSession(MilterContext context) {
    try {
      super.closeSession(context);
    } finally {
      if (((Session) context).markClosed()) {
        sessions.decrementAndGet();
      }
    }
  }

  /** Whether a session that began with this handler is still open. */
  boolean inUse() {
    return sessions.get() > 0;
  }

  @Override
  public void connect(
      MilterContext context, String hostname, int family, int port, SocketAddress address)
      throws MilterException {
    Session s = (Session) context;
    s.connected(hostname);
    answer(s, Stage.CONNECT);
  }

  @Override
  public void helo(MilterContext context, String helohost) throws MilterException {
    answer((Session) context, Stage.HELO);
  }

  @Override
  public void envfrom(MilterContext context, List<String> from) throws MilterException {
    Session s = (Session) context;
    // A scan is ended with its message; one left over must not hold memory into the next.
    s.endScan();
    s.newTransaction(from);
    answer(s, Stage.MAIL);
  }

  @Override
  public void envrcpt(MilterContext context, List<String> recipients) throws MilterException {
    answer((Session) context, Stage.RCPT);
  }

  @Override
  public void data(MilterContext context, byte[] payload) throws MilterException {
    answer((Session) context, Stage.DATA);
  }

  @Override
  public void header(MilterContext context, String name, String value) throws MilterException {
    content((Session) context, "header", (scan, s) -> scan.header(s, name, value));
  }

  @Override
  public void eoh(MilterContext context) throws MilterException {
    content((Session) context, "end of headers", ContentScanning::endOfHeaders);
  }

  @Override
  public void body(MilterContext context, byte[] chunk) throws MilterException {
    content((Session) context, "body", (scan, s) -> scan.body(s, chunk));
  }

  @Override
  public void eom(MilterContext context, byte[] bodyChunk) throws MilterException {
    Session s = (Session) context;
    if (scanning.isPresent() && s.scanRefused()) {
      // Nothing of a refused message is scanned; nothing begun for it may outlive its answer.
      s.endScan();
      log.warn(
          "{}: deferred client {} at end of data: no memory left for another scan",
          s.tag(),
          s.clientDescription());
      countDeferred(s, metrics, Check.SCAN, Stage.DATA);
      send(s, NO_SCAN_MEMORY);
      return;
    }
    if (scanning.isPresent()) {
      content(s, "end of message", (scan, x) -> scan.endOfMessage(x, bodyChunk));
      return;
    }
    s.acceptance().ifPresent(metrics::message);
    s.sendContinue();
  }

  @Override
  public void abort(MilterContext context, MilterPacket packet) {
    Session s = (Session) context;
    s.endScan();
    s.newTransaction();
  }

  @Override
  public void quit(MilterContext context) {
    ((Session) context).endScan();
  }

  /**
   * Sendmail's "quit, a new connection follows": the next SMTP session starts on this connection
   * with CONNECT, and nothing of this one may carry over, least of all its {auth_authen}, which
   * bypass_authenticated would otherwise grant the next client.
   */
  @Override
  public void quitNc(MilterContext context) {
    Session s = (Session) context;
    s.endScan();
    s.newTransaction();
    s.clearMacros();
  }

  /**
   * Content events are negotiated only when scanning; a peer that sends them anyway gets
   * "continue". A failure defers rather than accept unscanned: Postfix does not wait for a reply to
   * headers and body chunks (jmilter drops one sent then), so the 451 is the answer to the end of
   * the message, and nothing of the message after the failure is scanned.
   */
  private void content(Session s, String event, BiConsumer<ContentScanning, Session> step)
      throws MilterException {
    if (scanning.isEmpty()) {
      s.sendContinue();
      return;
    }
    if (s.contentFailed()) {
      send(s, INTERNAL_ERROR);
      return;
    }
    if (!scanning.get().admit(s)) {
      // Nothing of this message is read into a scan; its end is answered 451 busy (see eom).
      send(s, NO_SCAN_MEMORY);
      return;
    }
    try {
      step.accept(scanning.get(), s);
    } catch (RuntimeException e) {
      log.error("{}: internal error at {}, deferring", s.tag(), event, e);
      s.endScan();
      if (s.markContentFailed()) {
        metrics.message(MessageAction.DEFERRED);
      }
      send(s, INTERNAL_ERROR);
    }
  }

  private void answer(Session s, Stage stage) throws MilterException {
    try {
      Optional<SmtpReply> reply = stages.contains(stage) ? decide(s, stage) : Optional.empty();
      if (reply.isEmpty() && room.isPresent() && room.get().stage() == stage) {
        reply = roomFor(s, stage);
      }
      if (reply.isPresent()) {
        send(s, reply.get());
      } else if (acceptStage.isPresent() && acceptStage.get() == stage) {
        s.acceptance().ifPresent(metrics::message);
        s.sendPacket(MilterPackets.SMFIS_ACCEPT);
      } else {
        s.sendContinue();
      }
    } catch (RuntimeException e) {
      log.error("{}: internal error at {}, deferring", s.tag(), stage.label(), e);
      if (s.markDeferred()) {
        metrics.message(MessageAction.DEFERRED);
      }
      send(s, INTERNAL_ERROR);
    }
  }

  private Optional<SmtpReply> decide(Session s, Stage stage) {
    HealthSnapshot snapshot = health.get();
    if (snapshot.failing().isEmpty()) {
      return Optional.empty();
    }
    boolean first = s.firstDecisionAt(stage);
    if (bypass.covers(s.client(), s.authenticated())) {
      s.markBypassed();
      if (first) {
        log.info(
            "{}: client {} bypasses failing checks {}",
            s.tag(),
            s.clientDescription(),
            probes(snapshot.failing()));
      }
      return Optional.empty();
    }
    List<CheckState> monitored = snapshot.monitoredAt(stage);
    if (first) {
      monitored.forEach(m -> metrics.wouldDefer(m.check(), stage));
    }
    Optional<CheckState> blocking = snapshot.firstBlockingAt(stage);
    if (blocking.isEmpty()) {
      if (first && !monitored.isEmpty()) {
        log.warn(
            "{}: client {} would be deferred at {} by {} (monitor mode): {}",
            s.tag(),
            s.clientDescription(),
            stage.label(),
            checks(monitored),
            details(monitored));
      }
      return Optional.empty();
    }
    CheckState cause = blocking.get();
    SmtpReply reply = SmtpReply.defer(cause.cause().failure().orElseThrow());
    if (countDeferred(s, metrics, cause.check(), stage)) {
      log.warn(
          "{}: deferred client {} at {} by check {}: \"{}\"; measured {}, {} ({}); failing: {}{}",
          s.tag(),
          s.clientDescription(),
          stage.label(),
          cause.check().label(),
          reply.line(),
          cause.cause().measured(),
          cause.cause().limit(),
          cause.cause().detail(),
          probes(snapshot.blocking()),
          monitored.isEmpty() ? "" : "; monitor mode: " + probes(monitored));
    }
    return Optional.of(reply);
  }

  /**
   * The announced size against the room left above the disk reserve: a deferral naming both,
   * counted under the disk check at its stage; in monitor mode only counted and logged, once a
   * transaction.
   */
  private Optional<SmtpReply> roomFor(Session s, Stage stage) {
    Optional<SpoolRoom> shortage = room.flatMap(r -> r.shortage(health.get(), s.mailArgs()));
    if (shortage.isEmpty()) {
      return Optional.empty();
    }
    SmtpReply reply = SmtpReply.defer(shortage.get().failure().orElseThrow());
    // Weighed at each recipient when the stage is RCPT: counted and logged once, as in decide.
    boolean first = s.firstRoomShortage();
    if (bypass.covers(s.client(), s.authenticated())) {
      s.markBypassed();
      if (first) {
        log.info(
            "{}: client {} bypasses the disk check: \"{}\"",
            s.tag(),
            s.clientDescription(),
            reply.line());
      }
      return Optional.empty();
    }
    if (room.get().mode() == Mode.MONITOR) {
      if (first) {
        metrics.wouldDefer(Check.DISK, stage);
        log.warn(
            "{}: client {} would be deferred at {} by disk (monitor mode): \"{}\" on {}",
            s.tag(),
            s.clientDescription(),
            stage.label(),
            reply.line(),
            room.get().path());
      }
      return Optional.empty();
    }
    if (countDeferred(s, metrics, Check.DISK, stage)) {
      log.warn(
          "{}: deferred client {} at {} by check disk: \"{}\" on {}",
          s.tag(),
          s.clientDescription(),
          stage.label(),
          reply.line(),
          room.get().path());
    }
    return Optional.of(reply);
  }

  private static String probes(List<CheckState> states) {
    return states.stream().map(CheckState::probe).collect(Collectors.joining(", "));
  }

  private static String checks(List<CheckState> states) {
    return states.stream().map(c -> c.check().label()).distinct().collect(Collectors.joining(", "));
  }

  private static String details(List<CheckState> states) {
    return states.stream().map(c -> c.cause().detail()).collect(Collectors.joining("; "));
  }

  /**
   * Counts the transaction deferred by {@code check} at {@code stage}, once: true when this 451 is
   * its first answer, which is the one it counts under (README).
   */
  static boolean countDeferred(Session s, Metrics metrics, Check check, Stage stage) {
    if (!s.markDeferred()) {
      return false;
    }
    metrics.deferred(check, stage);
    metrics.message(MessageAction.DEFERRED);
    return true;
  }

  static void send(Session s, SmtpReply reply) throws MilterException {
    s.sendPacket(
        MilterPacket.builder()
            .command(ResponseCode.SMFIR_REPLYCODE)
            .payload(reply.payload())
            .build());
  }
}
