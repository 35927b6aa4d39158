package io.headroom.config;

import java.time.Duration;

/**
 * Bounds on the milter connections themselves.
 *
 * @param maxSessions concurrent sessions above which a new one is answered "busy"
 * @param idleTimeout a connection silent for this long, mid-packet or between commands, is dropped
 * @param shutdownTimeout how long SIGTERM waits for sessions in flight
 * @param socketMode permissions of a unix listen socket, octal
 * @param socketGroup group of a unix listen socket, or empty to keep the daemon's
 */
public record SessionLimits(
    int maxSessions, Duration idleTimeout, Duration shutdownTimeout, int socketMode, String socketGroup) {}
