package io.headroom.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.EpollEventLoopGroup;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

  /** The JVM ignores a compile command for a method that does not exist: a Netty upgrade could. */
  @Test
  void theEventLoopThatTheUnitCompilesEarlyIsTheOneTheDaemonRuns() throws Exception {
    String prefix = "-XX:CompileCommand=CompileThresholdScaling,";
    String command =
        UnitJvmOptions.read().stream().filter(o -> o.startsWith(prefix)).findFirst().orElseThrow();
    String[] target = command.substring(prefix.length()).split(",")[0].split("::");
    EpollEventLoopGroup group = new EpollEventLoopGroup(1); // as MilterServer runs it
    try {
      Class<?> loop = group.next().getClass();
      assertEquals(target[0], loop.getName());
      assertTrue(
          Arrays.stream(loop.getDeclaredMethods()).anyMatch(m -> m.getName().equals(target[1])),
          loop + " declares " + target[1]);
    } finally {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
  }
}
