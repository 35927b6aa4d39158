package io.headroom.probe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The maintenance drain, kept as one file in the daemon's state directory: present means drained,
 * its first line is the reason, its modification time says since when. The {@code drain} and {@code
 * undrain} commands write and remove it (as root or the service user); the daemon only reads it,
 * once per health round. A file needs no open port and no signal to a sandboxed process, and it
 * survives a restart by its nature.
 */
public final class DrainState {
  /** Leaves room in a 200-character reply for "451 4.3.0 " and ", try again later". */
  public static final int MAX_REASON = 120;

  /** Said when the file gives no reason (an admin's {@code touch}). */
  public static final String DEFAULT_REASON = "Server under maintenance";

  /** More than a reason can need; a larger file is read only this far. */
  private static final int MAX_READ = 4096;

  private final Path file;

  public DrainState(Path file) {
    this.file = file;
  }

  /** A drain in force. */
  public record Drain(String reason, Instant since) {}

  /**
   * Drains: writes the reason to a temporary file beside the state file, syncs it and renames it
   * over the state file, so the daemon never reads half a reason.
   *
   * @param reason printable ASCII, at most {@link #MAX_REASON} characters; empty for the default
   * @throws IllegalArgumentException for a reason that could not go into a reply as given, with a
   *     message for the admin
   */
  public Drain drain(String reason) throws IOException {
    String checked = validate(reason.strip());
    Path dir = file.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, ".drain-", ".tmp");
    try {
      // Readable by the service user when root writes it.
      Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        out.write(ByteBuffer.wrap((checked + "\n").getBytes(StandardCharsets.US_ASCII)));
        out.force(true);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
    return read().orElseThrow(() -> new IOException(file + " vanished right after it was written"));
  }

  /** Ends a drain; false when there was none. */
  public boolean undrain() throws IOException {
    return Files.deleteIfExists(file);
  }

  /**
   * The drain in force, if any. The reason is sanitised again, since anyone with write access may
   * have written the file. A file that exists but cannot be read still drains, with the default
   * reason: the admin asked for a drain, and a permission slip must not end it.
   */
  public Optional<Drain> read() throws IOException {
    Instant since;
    try {
      since = Files.getLastModifiedTime(file).toInstant().truncatedTo(ChronoUnit.SECONDS);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try (InputStream in = Files.newInputStream(file)) {
      String text = new String(in.readNBytes(MAX_READ), StandardCharsets.US_ASCII);
      return Optional.of(new Drain(sanitise(text), since));
    } catch (NoSuchFileException e) {
      return Optional.empty(); // undrained between the two calls
    } catch (AccessDeniedException e) {
      return Optional.of(new Drain(DEFAULT_REASON, since));
    }
  }

  public Path file() {
    return file;
  }

  /**
   * The first line, non-printable characters as {@code ?}, bounded; the default when blank. A CR
   * ends the line too: an editor may have written CRLF.
   */
  static String sanitise(String text) {
    String line = text.split("[\r\n]", 2)[0];
    StringBuilder out = new StringBuilder(Math.min(line.length(), MAX_REASON));
    for (int i = 0; i < line.length() && out.length() < MAX_REASON; i++) {
      char c = line.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    String reason = out.toString().strip();
    return reason.isEmpty() ? DEFAULT_REASON : reason;
  }

  private static String validate(String reason) {
    if (reason.isEmpty()) {
      return DEFAULT_REASON;
    }
    for (int i = 0; i < reason.length(); i++) {
      char c = reason.charAt(i);
      if (c < 0x20 || c >= 0x7f) {
        throw new IllegalArgumentException(
            String.format(
                "the reason must be printable ASCII, as it goes into an SMTP reply (found U+%04X at position %d)",
                (int) c, i + 1));
      }
    }
    if (reason.length() > MAX_REASON) {
      throw new IllegalArgumentException(
          "the reason is "
              + reason.length()
              + " characters long; an SMTP reply has room for "
              + MAX_REASON);
    }
    return reason;
  }
}
