package io.headroom.health;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs one line each time a check turns failing or healthy again, never once per probe round. */
public final class StateChangeLog implements HealthListener {
  private static final Logger log = LoggerFactory.getLogger(StateChangeLog.class);

  @Override
  public void updated(HealthSnapshot previous, HealthSnapshot current) {
    Map<String, CheckState> before =
        previous.states().stream()
            .collect(Collectors.toMap(CheckState::probe, Function.identity()));
    for (CheckState now : current.states()) {
      CheckState was = before.get(now.probe());
      boolean wasHealthy = was == null || was.healthy();
      if (wasHealthy && !now.healthy()) {
        log.warn(
            "check {} ({}) now failing [mode {}]: {}; measured {}, {}",
            now.check().label(),
            now.probe(),
            now.mode().name().toLowerCase(java.util.Locale.ROOT),
            now.latest().detail(),
            now.latest().measured(),
            now.latest().limit());
      } else if (!wasHealthy && now.healthy()) {
        log.info(
            "check {} ({}) healthy again: {}",
            now.check().label(),
            now.probe(),
            now.latest().detail());
      }
    }
  }
}
