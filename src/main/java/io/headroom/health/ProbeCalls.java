package io.headroom.health;

import io.headroom.probe.Probe;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The probe calls in progress, shared by the monitors a daemon builds one after another (one per
 * reload). A call stuck in the kernel (statvfs or a write on a dead NFS mount) outlives its
 * monitor: closing the monitor interrupts it, and a system call does not hear that. Were each new
 * monitor to start the probe again, every SIGHUP would leave one more thread stuck on the mount.
 */
public final class ProbeCalls {

  /**
   * What a probe checks. The name alone is not enough: the spool probe's is {@code spool} wherever
   * it writes, and a reload that moves it off the dead mount must start it at the new place.
   */
  private record Target(String name, String subject) {}

  /**
   * A probe's call and when it was started, on {@link System#nanoTime()}: its deadline runs from
   * then, whichever monitor awaits it.
   */
  record Call(Future<HealthMonitor.Run> run, long startedNanos) {}

  private final ConcurrentMap<Target, Call> calls = new ConcurrentHashMap<>();

  /**
   * The call of {@code p} still in progress, whichever monitor started it; else a new call on
   * {@code threads}. Atomic: the replaced monitor may still be in a round while the new one runs
   * its first.
   */
  Call inProgressOrStart(Probe p, ExecutorService threads) {
    return calls.compute(
        new Target(p.name(), p.subject()),
        (target, call) -> {
          if (call != null && !call.run().isDone()) {
            return call;
          }
          long now = System.nanoTime();
          return new Call(threads.submit(() -> HealthMonitor.Run.of(p)), now);
        });
  }
}
