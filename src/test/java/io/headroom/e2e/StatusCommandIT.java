package io.headroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.support.Dnsmasq;
import io.headroom.support.HeadroomProcess;
import io.headroom.support.PostfixInstance;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code status} as an admin runs it, against a real Postfix configuration read with postconf. */
class StatusCommandIT {
  @TempDir Path dir;

  private record Result(int exit, String out) {}

  private Result status(Path config, Path postfixConfig) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
            ProcessHandle.current().info().command().orElse("java"),
            "-jar",
            HeadroomProcess.JAR.toString(),
            "status",
            "--config",
            config.toString());
    pb.environment().put("MAIL_CONFIG", postfixConfig.toString());
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Result(p.exitValue(), out);
  }

  @Test
  void printsEveryCheckAndWarnsAboutPostfixSettingsThatDefeatTheDaemon() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start();
        PostfixInstance postfix =
            PostfixInstance.builder(dir.resolve("postfix"))
                .smtpdMilters("inet:127.0.0.1:1")
                .set("milter_default_action", "accept")
                .set("milter_content_timeout", "20s")
                .start()) {
      Path config = dir.resolve("headroom.conf");
      Files.write(
          config,
          List.of(
              "dns_resolvers = 127.0.0.1:" + dns.port(),
              "disk_paths = " + dir.toAbsolutePath(),
              "disk_min_free = 100%",
              "spool_probe_directory = " + dir.toAbsolutePath(),
              "cpu_max_load_per_core = 1000",
              "scanners = clamd:tcp:127.0.0.1:1",
              "scan_timeout = 30s"));

      Result r = status(config, postfix.configDirectory());

      assertEquals(1, r.exit(), r.out());
      String out = r.out();
      assertTrue(
          out.matches(
              "(?s)(.*\\n)?disk_space:"
                  + Path.of(dir.toAbsolutePath().toString())
                  + " +FAILING +\\d+(\\.\\d)?% free +need 100%\\n.*"),
          out);
      assertTrue(out.matches("(?s).*\\nmemory +ok +\\d+(\\.\\d)?% available .*"), out);
      assertTrue(out.matches("(?s).*\\ndns +ok +answered in .*"), out);
      assertTrue(out.matches("(?s).*\\nclamd +FAILING .*"), out);
      assertTrue(out.contains("postfix: WARNING: milter_default_action = accept"), out);
      assertTrue(
          out.contains(
              "postfix: WARNING: scan_timeout = 30s is not below Postfix's milter_content_timeout = 20s"),
          out);
      assertTrue(
          out.contains(
              "postfix: WARNING: smtpd_milters = inet:127.0.0.1:1 does not name inet:127.0.0.1:8899"),
          out);
    }
  }
}
