package io.headroom.transport;

/**
 * What all connections of one server share: the memory budget their partial packets come from, and
 * the log limiter that keeps a flood of bad connections to a line a second per reason.
 */
record SharedBounds(MemoryBudget budget, LogLimiter logLimiter) {

  /** For a connection outside a server (tests, the fuzzer): a budget of its own. */
  static SharedBounds standalone() {
    return new SharedBounds(MemoryBudget.forHeap(), new LogLimiter());
  }
}
