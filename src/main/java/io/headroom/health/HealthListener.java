package io.headroom.health;

/** Told about every new snapshot, after each probe round. Called on the monitor's thread. */
@FunctionalInterface
public interface HealthListener {
  void updated(HealthSnapshot previous, HealthSnapshot current);
}
