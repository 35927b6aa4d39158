package io.headroom.milter;

import io.headroom.config.Check;
import io.headroom.config.Config;
import io.headroom.config.Stage;
import io.headroom.health.HealthSnapshot;
import io.headroom.metrics.Metrics;
import io.headroom.scan.ScanService;
import io.headroom.transport.MemoryBudget;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.nightcode.milter.MilterHandler;

/** Builds the milter handler a configuration asks for; the only way in from outside the package. */
public final class MilterHandlers {
  private MilterHandlers() {}

  /**
   * @param stages the stages at which some probe's check answers ({@code
   *     HealthMonitor.stagesInUse}); empty, when no check runs, means {@code defer_stage}, where a
   *     healthy gate accepts at once
   * @param scanner the scan service when the configuration scans content (scanners set and
   *     scan_mode not off)
   * @param budget the memory shared with the milter connections, which scans draw on
   */
  public static MilterHandler forConfig(
      Config config,
      Set<Stage> stages,
      Supplier<HealthSnapshot> health,
      Metrics metrics,
      Optional<ScanService> scanner,
      MemoryBudget budget) {
    Optional<ContentScanning> scanning =
        scanner.map(
            s -> new ContentScanning(s, config.scan(), config.mode(Check.SCAN), metrics, budget));
    Optional<RoomCheck> room = RoomCheck.forConfig(config);
    Set<Stage> answered = EnumSet.noneOf(Stage.class);
    answered.addAll(stages.isEmpty() ? Set.of(config.deferStage()) : stages);
    room.ifPresent(r -> answered.add(r.stage()));
    return new GateHandler(health, answered, config.bypass(), metrics, scanning, room);
  }

  /**
   * Whether a session that began with {@code handler} (one that {@link #forConfig} built) is still
   * open: such a session keeps that configuration, and its scan service, to its end.
   */
  public static boolean inUse(MilterHandler handler) {
    return ((GateHandler) handler).inUse();
  }
}
