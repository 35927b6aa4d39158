package io.headroom.milter;

import io.headroom.config.Config;
import io.headroom.health.HealthSnapshot;
import io.headroom.metrics.Metrics;
import java.util.function.Supplier;
import org.nightcode.milter.MilterHandler;

/** Builds the milter handler a configuration asks for; the only way in from outside the package. */
public final class MilterHandlers {
  private MilterHandlers() {}

  public static MilterHandler forConfig(Config config, Supplier<HealthSnapshot> health, Metrics metrics) {
    return new GateHandler(health, config.deferStage(), config.bypass(), metrics);
  }
}
