package io.headroom.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The daemon's JVM options as the packaged systemd unit sets them (its {@code JAVA_OPTS}), read
 * from the unit itself so the benchmark and the tests under load run what is shipped. A file the
 * package installs under /usr/share/headroom-milter/ is the build's copy in target/.
 */
public final class UnitJvmOptions {
  public static final Path UNIT = Path.of("systemd/headroom-milter.service");
  private static final String INSTALLED = "/usr/share/headroom-milter/";
  private static final Path BUILT = Path.of("target");
  private static final Pattern JAVA_OPTS =
      Pattern.compile("(?m)^Environment=\"JAVA_OPTS=([^\"]*)\"\\s*$");

  private UnitJvmOptions() {}

  public static List<String> read() throws IOException {
    return parse(Files.readString(UNIT, StandardCharsets.UTF_8));
  }

  static List<String> parse(String unit) {
    Matcher m = JAVA_OPTS.matcher(unit);
    if (!m.find()) {
      throw new IllegalArgumentException("no Environment=\"JAVA_OPTS=...\" line in " + UNIT);
    }
    return Arrays.stream(m.group(1).trim().split("\\s+"))
        .map(o -> o.replace(INSTALLED, BUILT.toAbsolutePath() + "/"))
        .toList();
  }
}
