package io.headroom;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What build this is. The version comes from {@code build.properties}, which Maven fills in from
 * the POM at build time, so {@code --version}, the start-up line and the build-info gauge agree
 * with the artifact's name, also when the classes run from target/classes rather than the jar.
 */
public final class BuildInfo {
  private static final String VERSION = load();

  private BuildInfo() {}

  /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String version() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in == null) {
        throw new IllegalStateException("io/headroom/build.properties missing from the build");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
