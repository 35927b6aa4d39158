package io.headroom;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.headroom.config.Config;
import io.headroom.support.ConfigFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostfixCrossCheckTest {
  @TempDir Path dir;

  private Config config(String... lines) throws Exception {
    return ConfigFiles.parse(dir, lines);
  }

  private static Map<String, String> postfix(String milters, String action, String contentTimeout) {
    return Map.of(
        "smtpd_milters",
        milters,
        "milter_default_action",
        action,
        "milter_content_timeout",
        contentTimeout,
        "queue_directory",
        "/var/spool/postfix");
  }

  @Test
  void aMatchingPostfixGivesNoWarning() throws Exception {
    Config c = config("scanners = clamd:tcp:127.0.0.1:3310");
    assertEquals(
        List.of(),
        PostfixCrossCheck.warnings(c, postfix("inet:localhost:8899", "tempfail", "300s")));
  }

  @Test
  void warnsAboutEachMisfit() throws Exception {
    Config c = config("scanners = clamd:tcp:127.0.0.1:3310", "scan_timeout = 5m");
    assertEquals(
        List.of(
            "milter_default_action = accept: while this daemon is down Postfix accepts mail unchecked;"
                + " set milter_default_action = tempfail",
            "scan_timeout = 5m is not below Postfix's milter_content_timeout = 5m: Postfix gives up first"
                + " and answers with milter_default_action instead of the precise reason",
            "smtpd_milters = inet:127.0.0.1:8891 does not name inet:127.0.0.1:8899: Postfix does not ask"
                + " this daemon"),
        PostfixCrossCheck.warnings(c, postfix("inet:127.0.0.1:8891", "accept", "300")));
  }

  @Test
  void aChrootRelativeUnixSocketMatches() throws Exception {
    // The socket's directory must exist for the config to be accepted: a spool of our own.
    java.nio.file.Files.createDirectories(dir.resolve("headroom-milter"));
    Config c = config("listen = unix:" + dir.resolve("headroom-milter/milter.sock"));
    Map<String, String> postfix =
        new java.util.HashMap<>(
            postfix(
                "{ unix:headroom-milter/milter.sock, default_action = tempfail }, inet:127.0.0.1:8891",
                "tempfail",
                "300s"));
    postfix.put("queue_directory", dir.toString());
    assertEquals(List.of(), PostfixCrossCheck.warnings(c, postfix));
  }

  @Test
  void postfixTimeUnits() {
    assertEquals(java.time.Duration.ofSeconds(300), PostfixCrossCheck.postfixTime("300"));
    assertEquals(java.time.Duration.ofMinutes(5), PostfixCrossCheck.postfixTime("5m"));
    assertEquals(null, PostfixCrossCheck.postfixTime("soon"));
  }
}
