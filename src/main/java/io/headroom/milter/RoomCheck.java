package io.headroom.milter;

import io.headroom.config.Check;
import io.headroom.config.Config;
import io.headroom.config.Mode;
import io.headroom.config.Stage;
import io.headroom.config.Threshold;
import io.headroom.health.CheckState;
import io.headroom.health.HealthSnapshot;
import io.headroom.probe.FileStoreUsage;
import io.headroom.probe.Measure;
import io.headroom.probe.SpoolRoom;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Whether the size a client announced at MAIL ({@code SIZE=}, RFC 1870) fits above {@code
 * disk_min_free} on the queue's file system, the first of {@code disk_paths}; answered where the
 * disk check answers (MAIL at the earliest). It reads the disk probe's latest statvfs from the
 * snapshot: no I/O on the message path. Part of the disk check: its mode, its stage, its counters
 * ({@code check="disk"}).
 */
final class RoomCheck {
  /** RFC 1870's size-value is at most 20 digits; more than a long holds is more than any disk. */
  private static final int MAX_DIGITS = 18;

  private final String path;
  private final Threshold minFree;
  private final Mode mode;
  private final Stage stage;

  private RoomCheck(Path path, Threshold minFree, Mode mode, Stage stage) {
    this.path = path.toString();
    this.minFree = minFree;
    this.mode = mode;
    this.stage = stage;
  }

  /** Empty when the disk check is off. */
  static Optional<RoomCheck> forConfig(Config config) {
    Mode mode = config.mode(Check.DISK);
    if (mode == Mode.OFF) {
      return Optional.empty();
    }
    // Answered where the disk check answers (MAIL at the earliest, where SIZE= is known): asking
    // Postfix to wait for a reply at MAIL only for this would cost every transaction a round trip.
    Stage stage =
        config.stage(Check.DISK).compareTo(Stage.MAIL) < 0 ? Stage.MAIL : config.stage(Check.DISK);
    return Optional.of(
        new RoomCheck(config.disk().paths().get(0), config.disk().minFree(), mode, stage));
  }

  /** The stage the announced size is weighed at. */
  Stage stage() {
    return stage;
  }

  Mode mode() {
    return mode;
  }

  /**
   * Why the announced message does not fit; empty when it fits, when the client announced no size,
   * or when the snapshot has no reading of the file system (the disk check itself answers for
   * that).
   *
   * @param mailArgs jmilter's MAIL arguments: the address, then the ESMTP parameters
   */
  Optional<SpoolRoom> shortage(HealthSnapshot snapshot, List<String> mailArgs) {
    OptionalLong announced = announcedSize(mailArgs);
    if (announced.isEmpty()) {
      return Optional.empty();
    }
    Optional<FileStoreUsage> usage =
        snapshot.of(Check.DISK).stream()
            .map(CheckState::latest)
            .filter(r -> r.measure() == Measure.DISK_FREE_RATIO && r.subject().equals(path))
            .findFirst()
            .flatMap(r -> r.fileStore());
    return usage
        .map(u -> SpoolRoom.check(announced.getAsLong(), u.usableBytes(), u.totalBytes(), minFree))
        .filter(room -> !room.fits());
  }

  static OptionalLong announcedSize(List<String> mailArgs) {
    for (String arg : mailArgs.subList(Math.min(1, mailArgs.size()), mailArgs.size())) {
      if (arg.toUpperCase(Locale.ROOT).startsWith("SIZE=")) {
        String digits = arg.substring("SIZE=".length());
        if (!digits.matches("[0-9]+")) {
          return OptionalLong
              .empty(); // Postfix refuses a malformed SIZE before the milter hears of it
        }
        return OptionalLong.of(
            digits.length() > MAX_DIGITS ? Long.MAX_VALUE : Long.parseLong(digits));
      }
    }
    return OptionalLong.empty();
  }

  /** For the log: which file system. */
  String path() {
    return path;
  }
}
