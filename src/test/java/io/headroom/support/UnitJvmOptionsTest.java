package io.headroom.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnitJvmOptionsTest {

  @Test
  void theUnitsJavaOptsWithInstalledFilesTakenFromTheBuild() {
    String unit =
        "[Service]\n# Heap\nEnvironment=\"JAVA_OPTS=-XX:+UseSerialGC  -Xmx64m "
            + "-XX:SharedArchiveFile=/usr/share/headroom-milter/headroom-milter.jsa\"\nExecStart=/usr/bin/java\n";
    assertEquals(
        List.of(
            "-XX:+UseSerialGC",
            "-Xmx64m",
            "-XX:SharedArchiveFile=" + Path.of("target").toAbsolutePath() + "/headroom-milter.jsa"),
        UnitJvmOptions.parse(unit));
  }

  @Test
  void theShippedUnitHasThem() throws Exception {
    assertEquals(true, UnitJvmOptions.read().contains("-XX:+UseSerialGC"));
  }
}
