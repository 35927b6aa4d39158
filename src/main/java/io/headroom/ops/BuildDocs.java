package io.headroom.ops;

import io.headroom.BuildInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Build step (exec-maven-plugin, prepare-package): what the Debian package needs beyond the jar,
 * made from the sources that document it, so nothing is kept twice.
 *
 * <p>Usage: {@code BuildDocs BASEDIR OUTDIR TIMESTAMP}, TIMESTAMP the build's ISO-8601 output
 * timestamp. Writes into OUTDIR: headroom.conf (the installed config), man/headroom.conf.5.gz and
 * man/headroom-milter.8.gz, changelog.Debian.gz and README.md.gz.
 */
public final class BuildDocs {
  /** deb-changelog(5): day-of-week, dd month yyyy hh:mm:ss +zzzz. */
  private static final DateTimeFormatter CHANGELOG_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.ROOT);

  private static final Pattern MAINTAINER = Pattern.compile("(?m)^Maintainer: (.+)$");

  private BuildDocs() {}

  public static void main(String[] args) throws IOException {
    Path base = Path.of(args[0]);
    Path out = Path.of(args[1]);
    Instant built = Instant.parse(args[2]);
    Files.createDirectories(out.resolve("man"));
    List<String> reference =
        Files.readAllLines(base.resolve("conf/headroom.conf"), StandardCharsets.UTF_8);
    Files.write(
        out.resolve("headroom.conf"), InstalledConfig.from(reference), StandardCharsets.UTF_8);
    String version = BuildInfo.version();
    gzip(ConfManPage.render(reference, version), out.resolve("man/headroom.conf.5.gz"));
    gzip(
        daemonPage(Files.readString(base.resolve("src/man/headroom-milter.8.in")), version),
        out.resolve("man/headroom-milter.8.gz"));
    gzip(
        changelog(
            Files.readString(base.resolve("src/deb/doc/changelog.in")),
            Files.readString(base.resolve("src/deb/control/control")),
            version,
            built),
        out.resolve("changelog.Debian.gz"));
    gzip(Files.readString(base.resolve("README.md")), out.resolve("README.md.gz"));
  }

  /**
   * The Debian version jdeb gives the package ({@code [[version]]-1} in the control file): a
   * SNAPSHOT sorts before its release, and "-1" is the packaging revision.
   */
  static String debianVersion(String version) {
    return version.replace("-SNAPSHOT", "~snapshot") + "-1";
  }

  /** changelog.Debian: one entry for this build, signed by the control file's maintainer. */
  static String changelog(String template, String control, String version, Instant built) {
    Matcher maintainer = MAINTAINER.matcher(control);
    if (!maintainer.find()) {
      throw new IllegalStateException("no Maintainer: line in src/deb/control/control");
    }
    return template
        .replace("@VERSION@", debianVersion(version))
        .replace("@MAINTAINER@", maintainer.group(1))
        .replace("@DATE@", CHANGELOG_DATE.format(built.atOffset(ZoneOffset.UTC)));
  }

  /** headroom-milter(8): the hand-written page with the version filled in. */
  static String daemonPage(String template, String version) {
    return template.replace("@VERSION@", version);
  }

  /**
   * gzip -9n: maximum compression flagged in the header, no name and no time stamp, so the package
   * is reproducible and lintian finds the compression it expects of manual pages.
   */
  static void gzip(String text, Path file) throws IOException {
    byte[] data = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=2 (best compression) OS=3 (Unix), RFC 1952.
    bytes.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 2, 3});
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    try (DeflaterOutputStream deflate = new DeflaterOutputStream(bytes, deflater)) {
      deflate.write(data);
    } finally {
      deflater.end();
    }
    CRC32 crc = new CRC32();
    crc.update(data);
    ByteBuffer trailer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    trailer.putInt((int) crc.getValue()).putInt(data.length);
    Files.write(file, concat(bytes.toByteArray(), trailer.array()));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
