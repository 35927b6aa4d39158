package io.headroom.milter;

import io.headroom.config.Stage;
import io.headroom.metrics.Metrics.MessageAction;
import io.headroom.scan.MessageScan;
import io.headroom.transport.InboundHold;
import io.headroom.transport.MemoryBudget;
import io.headroom.transport.TransportSession;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.nightcode.milter.Actions;
import org.nightcode.milter.MilterHandler;
import org.nightcode.milter.MilterMacros;
import org.nightcode.milter.ProtocolSteps;
import org.nightcode.milter.net.MilterPacketSender;

/**
 * One milter connection: jmilter's protocol state plus what the gate learns along the way. Postfix
 * opens one connection per SMTP session and sends its commands in order, one at a time, so the
 * fields are written by one event-loop thread; volatile for readers on other threads (scans).
 */
final class Session extends ProtocolContext implements TransportSession {
  private final String logId;
  private final InboundHold hold;
  private volatile InetAddress client;
  private volatile String clientName = "unknown";
  private volatile Transaction transaction = Transaction.OPEN;

  /**
   * The stage the gate last decided at in this transaction: it counts and logs once per stage, not
   * per recipient.
   */
  private volatile Stage decidedAt;

  /** The announced size was found not to fit in this transaction: counted and logged once. */
  private volatile boolean roomShort;

  /**
   * No memory was left to scan this message: its end is answered 451 busy. Kept apart from {@link
   * #transaction}, which may already hold a recipient's 451 that counted the transaction.
   */
  private volatile boolean scanRefused;

  private volatile List<String> mailArgs = List.of();

  /** The message's own X-Spam-Status headers so far; ours replaces them. */
  private volatile int incomingSpamStatus;

  private final AtomicBoolean closed = new AtomicBoolean();

  /** The scan of the message under way, from its first header to its end. */
  private MessageScan scan;

  /** The memory that scan holds, taken from the budget shared with every connection. */
  private MemoryBudget.Reservation scanMemory;

  Session(
      MilterHandler handler,
      Actions actions,
      ProtocolSteps steps,
      MilterMacros macros,
      MilterPacketSender sender) {
    super(handler, actions, steps, macros, sender);
    this.hold = sender instanceof InboundHold h ? h : InboundHold.NONE;
    String hex = Long.toHexString(id().getMostSignificantBits() >>> 32);
    this.logId = "0".repeat(8 - hex.length()) + hex;
  }

  @Override
  public String logId() {
    return logId;
  }

  void connected(String hostname) {
    this.clientName = hostname;
  }

  /** Set from the raw SMFIC_CONNECT packet, which jmilter decodes for IPv4 only. */
  @Override
  public void clientAddress(InetAddress address) {
    this.client = address;
  }

  InetAddress client() {
    return client;
  }

  /** {@code name[addr]}, as Postfix writes a client in its own log. */
  String clientDescription() {
    String addr = client == null ? "unknown" : client.getHostAddress();
    // Postfix hands a client without a verified name to milters as "[addr]", as Sendmail does,
    // but logs it as "unknown[addr]": use the form admins grep their maillog for.
    String name = clientName.startsWith("[") ? "unknown" : clientName;
    return name + "[" + addr + "]";
  }

  boolean authenticated() {
    String user = macro("{auth_authen}");
    return user != null && !user.isEmpty();
  }

  /**
   * Postfix's queue id (macro {@code i}), or NOQUEUE before Postfix has one, as Postfix logs it.
   */
  String queueId() {
    String id = macro("i");
    return id == null || id.isEmpty() ? "NOQUEUE" : id;
  }

  /**
   * Marks the transaction deferred; true when it is to be counted now: unless an earlier answer
   * counted it.
   */
  boolean markDeferred() {
    boolean first = transaction.countable();
    transaction = Transaction.DEFERRED;
    return first;
  }

  void markBypassed() {
    if (transaction == Transaction.OPEN) {
      transaction = Transaction.BYPASSED;
    }
  }

  /** How an accepted message of this transaction counts in headroom_messages_total. */
  MessageAction acceptedAs() {
    return transaction.bypassed() ? MessageAction.BYPASSED : MessageAction.ACCEPTED;
  }

  /**
   * How the transaction counts as accepted, the first time it is let through: empty if it was
   * deferred (a later recipient passing does not make it accepted) or is already counted.
   */
  Optional<MessageAction> acceptance() {
    MessageAction action = acceptedAs();
    return markCounted() ? Optional.of(action) : Optional.empty();
  }

  /**
   * Marks the transaction counted in headroom_messages_total; true when it is to be counted now:
   * unless an earlier answer, such as a recipient's 451, already counted it.
   */
  boolean markCounted() {
    if (!transaction.countable()) {
      return false;
    }
    transaction = transaction.bypassed() ? Transaction.COUNTED_BYPASSED : Transaction.COUNTED;
    return true;
  }

  /** The message's scan, begun by {@code begin} on first use. */
  synchronized MessageScan scan(java.util.function.Supplier<MessageScan> begin) {
    if (scan == null) {
      scan = begin.get();
    }
    return scan;
  }

  /**
   * Ends the scan, if any: releases its sockets, spool and memory; a finished scan is unaffected.
   */
  synchronized void endScan() {
    if (scan != null) {
      scan.abort();
      scan = null;
    }
    if (scanMemory != null) {
      scanMemory.close();
      scanMemory = null;
    }
  }

  /**
   * Takes the memory a scan of this message needs, once per message; false when the shared budget
   * has none left, and the message is then marked refused. A refused message stays refused: its end
   * is answered 451 busy, and a scan begun on what came after the refusal would see only part of
   * the message.
   */
  synchronized boolean reserveScanMemory(MemoryBudget budget, long bytes) {
    if (scanMemory != null) {
      return true;
    }
    if (scanRefused) {
      return false;
    }
    scanMemory = budget.reserve(bytes).orElse(null);
    scanRefused = scanMemory == null;
    return !scanRefused;
  }

  boolean scanRefused() {
    return scanRefused;
  }

  /** True the first time only: the handler counts this session closed once. */
  boolean markClosed() {
    return closed.compareAndSet(false, true);
  }

  /** Stops reading this connection until {@code stage} completes. */
  void holdReadingUntil(CompletionStage<?> stage) {
    hold.until(stage);
  }

  /** True the first time the gate decides at {@code stage} within this transaction. */
  boolean firstDecisionAt(Stage stage) {
    boolean first = decidedAt != stage;
    decidedAt = stage;
    return first;
  }

  /** True the first time within this transaction that the announced size does not fit. */
  boolean firstRoomShortage() {
    boolean first = !roomShort;
    roomShort = true;
    return first;
  }

  void newTransaction() {
    newTransaction(List.of());
  }

  /** A new transaction, from MAIL: {@code mailArgs} are the address and its ESMTP parameters. */
  void newTransaction(List<String> mailArgs) {
    transaction = Transaction.OPEN;
    decidedAt = null;
    roomShort = false;
    scanRefused = false;
    incomingSpamStatus = 0;
    this.mailArgs = List.copyOf(mailArgs);
  }

  /** The transaction's MAIL address and ESMTP parameters ({@code SIZE=}); empty before MAIL. */
  List<String> mailArgs() {
    return mailArgs;
  }

  /** Counts one more X-Spam-Status header of the message; called in header order, one at a time. */
  void countIncomingSpamStatus() {
    incomingSpamStatus++;
  }

  /** How many X-Spam-Status headers the message came with. */
  int incomingSpamStatus() {
    return incomingSpamStatus;
  }

  boolean contentFailed() {
    return transaction == Transaction.CONTENT_FAILED;
  }

  /**
   * Marks the content failed: the rest of the message is answered 451 unread. True when the
   * transaction is to be counted deferred now: unless a recipient's 451 already counted it.
   */
  boolean markContentFailed() {
    boolean first = transaction.countable();
    transaction = Transaction.CONTENT_FAILED;
    return first;
  }

  /** {@code session 1a2b3c4d queue 4XyZ1} : how every log line about this session names it. */
  String tag() {
    return "session " + logId + " queue " + queueId();
  }

  /** Where one transaction stands, as far as counting and answering it go. */
  private enum Transaction {
    /** Nothing decided that changes how it counts. */
    OPEN,
    /** Failing checks would have deferred it but for bypass_networks or bypass_authenticated. */
    BYPASSED,
    /** Answered 451: it never counts as accepted. */
    DEFERRED,
    /** Counted in headroom_messages_total as accepted. */
    COUNTED,
    /** Counted in headroom_messages_total as bypassed. */
    COUNTED_BYPASSED,
    /** Handling the content failed: its end is answered 451, and it counts as deferred. */
    CONTENT_FAILED;

    boolean bypassed() {
      return this == BYPASSED || this == COUNTED_BYPASSED;
    }

    boolean countable() {
      return this == OPEN || this == BYPASSED;
    }
  }

  private String macro(String name) {
    // Postfix sends each stage's macros just before that stage's command; later stages keep the
    // earlier ones, so search all.
    for (char type : new char[] {'C', 'H', 'M', 'R', 'T', 'L', 'N', 'E'}) {
      Map<String, String> m = getMacros(type);
      if (m != null && m.containsKey(name)) {
        return m.get(name);
      }
    }
    return null;
  }
}
