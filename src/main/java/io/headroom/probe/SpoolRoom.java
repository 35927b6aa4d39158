package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.Threshold;
import io.headroom.config.Units;
import io.headroom.reply.Reason;
import java.util.Optional;

/**
 * Whether a message of the size a client announced ({@code MAIL FROM:<...> SIZE=n}, RFC 1870) fits
 * on the queue's file system without eating into the {@code disk_min_free} reserve, as Exim's
 * {@code check_spool_space} does. The disk check alone would accept a 25 MiB message with 3 MiB
 * left above the reserve, and the disk would then pass the reserve halfway through DATA.
 *
 * @param room bytes usable above the reserve, 0 when the disk is already inside it
 * @param failure why it does not fit, for the reply; empty when it fits
 */
public record SpoolRoom(long room, Optional<Reason> failure) {

  /**
   * @param announced the SIZE parameter in bytes; 0 or less when the client announced none
   * @param usableBytes what an unprivileged writer (Postfix) may still use
   * @param totalBytes the file system's size, 0 when unknown (then a ratio reserve counts as 0)
   * @param minFree the reserve, a ratio of the total or an amount
   */
  public static SpoolRoom check(
      long announced, long usableBytes, long totalBytes, Threshold minFree) {
    long room = Math.max(0, usableBytes - minFree.minimumOf(totalBytes));
    if (announced <= room) {
      return new SpoolRoom(room, Optional.empty());
    }
    return new SpoolRoom(
        room,
        Optional.of(
            Reason.of(
                Check.DISK.noun(),
                "too full for this message",
                Units.formatSize(announced) + " announced",
                Units.formatSize(room) + " free above the reserve")));
  }

  public boolean fits() {
    return failure.isEmpty();
  }
}
