package io.headroom.milter;

import io.headroom.config.Config;
import io.headroom.health.HealthSnapshot;
import io.headroom.metrics.Metrics;
import io.headroom.config.Check;
import io.headroom.config.Mode;
import io.headroom.config.Stage;
import java.util.EnumSet;
import java.util.Set;
import io.headroom.scan.ScanService;
import java.util.Optional;
import java.util.function.Supplier;
import org.nightcode.milter.MilterHandler;

/** Builds the milter handler a configuration asks for; the only way in from outside the package. */
public final class MilterHandlers {
  private MilterHandlers() {}

  /**
   * @param scanner the scan service when the configuration scans content (scanners set and
   *     scan_mode not off)
   */
  public static MilterHandler forConfig(
      Config config, Supplier<HealthSnapshot> health, Metrics metrics, Optional<ScanService> scanner) {
    Optional<ContentScanning> scanning =
        scanner.map(s -> new ContentScanning(s, config.mode(Check.SCAN), metrics));
    return new GateHandler(health, stages(config), config.bypass(), metrics, scanning, RoomCheck.forConfig(config));
  }

  /**
   * The stages some enabled check answers at; defer_stage alone when every check is off. MAIL
   * whenever the disk check is on: an announced SIZE is weighed there ({@link RoomCheck}).
   */
  static Set<Stage> stages(Config config) {
    Set<Stage> stages = EnumSet.noneOf(Stage.class);
    for (Check check : Check.values()) {
      if (config.mode(check) != Mode.OFF) {
        stages.add(config.stage(check));
      }
    }
    if (config.mode(Check.DISK) != Mode.OFF) {
      stages.add(Stage.MAIL);
    }
    if (stages.isEmpty()) {
      stages.add(config.deferStage());
    }
    return stages;
  }
}
