package io.headroom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every alert links a README section that exists, under the anchor GitHub gives its heading. */
class AlertRunbookTest {
  private static final String README_URL = "https://github.com/headroom-milter/headroom-milter#";
  private static final Pattern ALERT = Pattern.compile("^\\s*- alert: ", Pattern.MULTILINE);
  private static final Pattern RUNBOOK =
      Pattern.compile("^\\s*runbook_url: (\\S+)$", Pattern.MULTILINE);

  /** GitHub's heading anchor: lower case, punctuation dropped, spaces as hyphens. */
  static String anchor(String heading) {
    return heading.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
  }

  @Test
  void anchorIsGitHubs() {
    assertEquals(
        "troubleshooting-you-just-read-451-430-in-a-bounce",
        anchor("Troubleshooting: you just read `451 4.3.0` in a bounce"));
  }

  @Test
  void everyAlertHasARunbookInTheReadme() throws Exception {
    Set<String> anchors =
        Files.readAllLines(Path.of("README.md")).stream()
            .filter(l -> l.startsWith("#"))
            .map(l -> anchor(l.replaceFirst("^#+ ", "")))
            .collect(Collectors.toSet());
    String rules = Files.readString(Path.of("conf", "prometheus", "headroom-alerts.yml"));
    List<String> urls = RUNBOOK.matcher(rules).results().map(m -> m.group(1)).toList();
    assertEquals(ALERT.matcher(rules).results().count(), urls.size(), "one runbook_url per alert");
    for (String url : urls) {
      assertTrue(url.startsWith(README_URL), url);
      assertTrue(
          anchors.contains(url.substring(README_URL.length())), url + " names no README heading");
    }
  }
}
