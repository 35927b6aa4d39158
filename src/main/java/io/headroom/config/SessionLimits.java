package io.headroom.config;

import java.time.Duration;

/**
 * Bounds on the milter connections themselves.
 *
 * @param maxSessions concurrent sessions above which a new one is answered "busy"
 * @param idleTimeout a connection silent for this long, mid-packet or between commands, is dropped
 * @param shutdownTimeout how long SIGTERM waits for sessions in flight
 * @param socketMode permissions of a unix listen socket, octal
 * @param socketGroup group of a unix listen socket (it exists), or empty to keep the daemon's
 */
public record SessionLimits(
    int maxSessions,
    Duration idleTimeout,
    Duration shutdownTimeout,
    int socketMode,
    String socketGroup) {

  static SessionLimits load(Settings s) {
    int mode = s.value("listen_socket_mode", "0660", Values::octalMode);
    String group = s.value("listen_socket_group", "", Values::existingGroup);
    return new SessionLimits(
        s.value("max_sessions", "500", Values.positiveInt(100_000)),
        s.value("idle_timeout", "10m", Values.positiveDuration("1h")),
        s.value("shutdown_timeout", "30s", Values.duration("10m")),
        mode,
        group);
  }
}
