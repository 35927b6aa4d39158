package io.headroom.scan;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;

/**
 * The idle clamd sessions of one backend pool, most recently used first. A message takes one that
 * clamd still holds, or opens a new one; a session goes back only after a clean answer, so a
 * session in an unknown state (a failure, a deadline, an aborted message) is never reused. Expiry
 * is lazy, at the next take or give: an idle daemon runs no timer for it.
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
  private final int capacity;
  private final Deque<ClamdSession> idle = new ArrayDeque<>(); // guarded by this
  private boolean closed; // guarded by this

  ClamdSessions(BackendPool pool) {
    this.pool = pool;
    this.capacity = MAX_IDLE_PER_BACKEND * pool.endpoints().size();
  }

  /**
   * A session for one message, attached to {@code link} (closing the link closes it): an idle one
   * that clamd still holds, else one on a new connection.
   */
  ClamdSession take(Link link) throws IOException {
    return take(link, ClamdSession::alive);
  }

  /**
   * The most recent idle session without asking whether clamd still holds it (the check costs three
   * system calls), else one on a new connection: for a caller that retries on a new connection when
   * the session turns out closed.
   */
  ClamdSession takeUnchecked(Link link) throws IOException {
    return take(link, s -> true);
  }

  /** The most recent idle session that is {@code usable}, closing those that are not. */
  private ClamdSession take(Link link, Predicate<ClamdSession> usable) throws IOException {
    for (ClamdSession s = pollIdle(); s != null; s = pollIdle()) {
      if (usable.test(s)) {
        link.attach(s.channel());
        return s;
      }
      s.close();
    }
    return open(link);
  }

  /** A session on a new connection, attached to {@code link}. */
  ClamdSession open(Link link) throws ScanFailure {
    return ClamdSession.start(pool.connect(link));
  }

  /** Keeps a session that has just answered cleanly and is no longer attached to any link. */
  void give(ClamdSession s) {
    List<ClamdSession> ended = new ArrayList<>();
    synchronized (this) {
      if (closed || s.commands() >= MAX_COMMANDS || idle.size() >= capacity) {
        ended.add(s);
      } else {
        s.idleSince(System.nanoTime());
        idle.addFirst(s);
      }
      expire(ended);
    }
    ended.forEach(ClamdSession::end);
  }

  /** Ends every idle session; later gives end theirs at once. */
  @Override
  public void close() {
    List<ClamdSession> ended;
    synchronized (this) {
      closed = true;
      ended = new ArrayList<>(idle);
      idle.clear();
    }
    ended.forEach(ClamdSession::end);
  }

  synchronized int idleCount() {
    return idle.size();
  }

  private ClamdSession pollIdle() {
    List<ClamdSession> ended = new ArrayList<>();
    ClamdSession s;
    synchronized (this) {
      expire(ended);
      s = idle.pollFirst();
    }
    ended.forEach(ClamdSession::end);
    return s;
  }

  /** Moves the sessions idle too long (the oldest are last) to {@code ended}. */
  private void expire(List<ClamdSession> ended) {
    long now = System.nanoTime();
    while (!idle.isEmpty() && now - idle.peekLast().idleSince() > MAX_IDLE.toNanos()) {
      ended.add(idle.pollLast());
    }
  }
}
