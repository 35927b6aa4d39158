package io.headroom.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The alerting rules, their unit tests and the scrape config example, checked by the promtool of
 * Debian's prometheus package.
 */
final class PrometheusRulesIT {

  private static final Path DIR = Path.of("conf", "prometheus");
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @BeforeAll
  static void promtoolPresent() {
    Tool.requireInstalled("promtool", "prometheus");
  }

  @Test
  void rulesAreValid() throws Exception {
    Tool.Result result =
        Tool.run(
                TIMEOUT,
                "promtool",
                "check",
                "rules",
                DIR.resolve("headroom-alerts.yml").toString())
            .assertExit(0);
    assertTrue(result.output().contains("SUCCESS: 8 rules found"), result.output());
  }

  @Test
  void everyAlertFiresAndStaysSilentAsItsUnitTestsSay() throws Exception {
    Tool.Result result =
        Tool.run(
                TIMEOUT,
                "promtool",
                "test",
                "rules",
                DIR.resolve("headroom-alerts.test.yml").toString())
            .assertExit(0);
    assertTrue(result.output().contains("SUCCESS"), result.output());
  }

  @Test
  void scrapeConfigExampleIsValid() throws Exception {
    // promtool resolves rule_files relative to the config file, so this also loads the rules.
    Tool.Result result =
        Tool.run(
                TIMEOUT, "promtool", "check", "config", DIR.resolve("scrape-config.yml").toString())
            .assertExit(0);
    assertTrue(result.output().contains("is valid prometheus config file syntax"), result.output());
  }
}
