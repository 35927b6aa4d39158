package io.headroom.scan;

import io.headroom.transport.SessionLoop;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The idle clamd sessions of one backend pool, kept apart for each event loop (a session's
 * connection lives on one), most recently used first. A message takes one that clamd still holds,
 * or opens a new one; a session goes back only after a clean answer, so a session in an unknown
 * state (a failure, a deadline, an aborted message) is never reused. Expiry is lazy, at the next
 * take or give: an idle daemon runs no timer for it.
 */
final class ClamdSessions implements AutoCloseable {

  /** Enough for the scans that overlap at a steady rate; a burst above it opens connections. */
  static final int MAX_IDLE_PER_BACKEND = 16;

  /**
   * Well below clamd's own limits on a quiet session (ReadTimeout, 120 s by default, and
   * CommandReadTimeout, 30 s), so a session is rarely found closed by clamd.
   */
  static final Duration MAX_IDLE = Duration.ofSeconds(10);

  /** Our own bound (clamd documents none): no connection lives for ever. */
  static final int MAX_COMMANDS = 1_000;

  private final BackendPool pool;
  private final SessionLoop transport;
  private final int capacity;
  private final Map<EventLoop, Deque<ClamdSession>> idle = new HashMap<>(); // guarded by this
  private boolean closed; // guarded by this

  ClamdSessions(BackendPool pool, SessionLoop transport) {
    this.pool = pool;
    this.transport = transport;
    this.capacity = MAX_IDLE_PER_BACKEND * pool.endpoints().size();
  }

  /** The most recent idle session on {@code loop} that clamd still holds; null when none is. */
  ClamdSession takeIdle(EventLoop loop) {
    List<ClamdSession> ended = new ArrayList<>();
    List<ClamdSession> lost = new ArrayList<>();
    ClamdSession taken = null;
    synchronized (this) {
      Deque<ClamdSession> sessions = idleOn(loop);
      expire(sessions, ended);
      taken = sessions.pollFirst();
      while (taken != null && !taken.alive()) {
        lost.add(taken);
        taken = sessions.pollFirst();
      }
    }
    ended.forEach(ClamdSession::end);
    lost.forEach(ClamdSession::close);
    return taken;
  }

  /**
   * A session on a new connection on {@code loop}, attached to {@code link}; blocks while the
   * backends are tried in turn (see {@link BackendPool#connect}), so never on the event loop.
   */
  ClamdSession open(Link link, EventLoop loop) throws ScanFailure {
    return pool.connect(link, (endpoint, l) -> ClamdSession.open(endpoint, l, loop, transport))
        .connection();
  }

  /** Keeps a session that has just answered cleanly and is no longer attached to any link. */
  void give(ClamdSession s) {
    List<ClamdSession> ended = new ArrayList<>();
    synchronized (this) {
      Deque<ClamdSession> sessions = idleOn(s.loop());
      if (closed || s.commands() >= MAX_COMMANDS || sessions.size() >= capacity) {
        ended.add(s);
      } else {
        s.idleSince(System.nanoTime());
        sessions.addFirst(s);
      }
      expire(sessions, ended);
    }
    ended.forEach(ClamdSession::end);
  }

  /** Ends every idle session; later gives end theirs at once. */
  @Override
  public void close() {
    List<ClamdSession> ended = new ArrayList<>();
    synchronized (this) {
      closed = true;
      idle.values().forEach(ended::addAll);
      idle.clear();
    }
    ended.forEach(ClamdSession::end);
  }

  /** The idle sessions on {@code loop}; guarded by this. */
  private Deque<ClamdSession> idleOn(EventLoop loop) {
    return idle.computeIfAbsent(loop, l -> new ArrayDeque<>());
  }

  /** Moves the sessions idle too long (the oldest are last) to {@code ended}. */
  private static void expire(Deque<ClamdSession> sessions, List<ClamdSession> ended) {
    long now = System.nanoTime();
    while (!sessions.isEmpty() && now - sessions.peekLast().idleSince() > MAX_IDLE.toNanos()) {
      ended.add(sessions.pollLast());
    }
  }
}
