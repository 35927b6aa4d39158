package io.headroom.bench;

import java.time.Duration;

/**
 * How much the benchmark does. Full is what figures are quoted from; quick proves in CI that the
 * harness still runs end to end, with figures too rough to judge targets by.
 *
 * @param runs measured runs of every figure, configurations interleaved round by round
 * @param warmup messages sent to each configuration before the first measured run: the JIT of a
 *     daemon fresh from start compiles for its first several thousand messages (the gate's C2
 *     compiler thread took 49 ticks of 10 ms per 1,000 paced messages after 4,000, 1 to 4 after
 *     14,000), and a milter runs for weeks
 * @param messages messages per throughput run (smtp-source -m)
 * @param sessions parallel SMTP sessions per throughput run (smtp-source -s)
 * @param fixedRate messages per second of the fixed load: well below what the slowest configuration
 *     sustains, so CPU and latency are measured with cores to spare
 * @param fixedMessages messages per fixed-load run: enough that a run spans several probe rounds
 *     (every 2 s) and averages over the moments the JIT, the collector or a neighbour take; the CPU
 *     clocks read nanoseconds, so resolution sets no floor
 * @param footprintMessages messages a daemon has handled when its RSS is read
 * @param idle how long idle CPU is measured
 * @param recoveryRuns stop/restore cycles per dependency
 */
record Plan(
    String name,
    int runs,
    int warmup,
    int messages,
    int sessions,
    double fixedRate,
    int fixedMessages,
    int footprintMessages,
    Duration idle,
    int recoveryRuns) {

  static final int MESSAGE_BYTES = 2048;

  static final Plan FULL =
      new Plan("full", 10, 12_000, 1000, 20, 50, 600, 10_000, Duration.ofSeconds(60), 5);
  static final Plan QUICK =
      new Plan("quick", 2, 50, 100, 10, 50, 250, 200, Duration.ofSeconds(3), 1);

  static Plan named(String name) {
    return switch (name) {
      case "full" -> FULL;
      case "quick", "" -> QUICK;
      default -> throw new IllegalArgumentException("bench must be quick or full, not " + name);
    };
  }

  boolean judgesTargets() {
    return this == FULL;
  }
}
