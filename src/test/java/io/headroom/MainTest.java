package io.headroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void checkConfigAcceptsTheShippedFile() {
    assertEquals(0, run("--check-config", "--config", "conf/headroom.conf"));
    assertEquals("conf/headroom.conf: OK\n", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void checkConfigExitsTwoNamingFileLineAndKey() throws Exception {
    Path bad = dir.resolve("bad.conf");
    Files.write(bad, List.of("listen = inet:127.0.0.1:8899", "disk_min_free = lots"));
    assertEquals(2, run("--check-config", "--config", bad.toString()));
    assertEquals(bad + ":2: disk_min_free: \"lots\" is not a ratio or size (like 5% or 2G)\n",
        err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void unknownArgumentsExitTwoWithUsage() {
    assertEquals(2, run("--frobnicate"));
    assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("unknown argument: --frobnicate\nusage:"));
  }
}
