package io.headroom.probe;

import java.time.Duration;

/**
 * What a child process left behind.
 *
 * @param exitCode the exit status, -1 when it was killed at the deadline
 * @param stdout its standard output, cut at the runner's limit
 * @param stderr its standard error, cut at the runner's limit
 * @param timedOut whether the deadline killed it
 * @param elapsed from start to exit or kill
 */
public record CommandOutput(
    int exitCode, String stdout, String stderr, boolean timedOut, Duration elapsed) {}
