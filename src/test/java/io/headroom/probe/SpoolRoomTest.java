package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Threshold;
import io.headroom.config.Units;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SpoolRoomTest {
  private static final long MIB = 1L << 20;
  private static final long GIB = 1L << 30;

  @Test
  void messageLargerThanTheRoomAboveARatioReserveDoesNotFit() {
    // 10 GiB disk, 5% reserve = 512 MiB; 515.25 MiB usable leaves 3.25 MiB above it.
    long usable = 512 * MIB + 3 * MIB + 256 * 1024;

    SpoolRoom r = SpoolRoom.check(25 * MIB, usable, 10 * GIB, Units.parseThreshold("5%"));

    assertFalse(r.fits());
    assertEquals(3 * MIB + 256 * 1024, r.room());
    assertEquals(
        "Mail spool disk too full for this message (25 MiB announced, 3.2 MiB free above the reserve)",
        r.failure().orElseThrow().text());
  }

  @Test
  void messageThatFitsIsAccepted() {
    SpoolRoom r = SpoolRoom.check(25 * MIB, 2 * GIB, 10 * GIB, Units.parseThreshold("5%"));

    assertTrue(r.fits());
    assertEquals(1536 * MIB, r.room());
    assertEquals(Optional.empty(), r.failure());
  }

  @Test
  void messageExactlyFillingTheRoomFits() {
    assertTrue(SpoolRoom.check(MIB, 2 * GIB + MIB, 100 * GIB, Threshold.ofAmount(2 * GIB)).fits());
    assertFalse(
        SpoolRoom.check(MIB + 1, 2 * GIB + MIB, 100 * GIB, Threshold.ofAmount(2 * GIB)).fits());
  }

  @Test
  void aSizeReserveIsSubtractedAsIs() {
    SpoolRoom r =
        SpoolRoom.check(900 * 1024, 2 * GIB + 512 * 1024, 100 * GIB, Threshold.ofAmount(2 * GIB));

    assertEquals(
        "Mail spool disk too full for this message (900 KiB announced, 512 KiB free above the reserve)",
        r.failure().orElseThrow().text());
  }

  @Test
  void aDiskAlreadyInsideTheReserveHasNoRoom() {
    SpoolRoom r = SpoolRoom.check(2_000, GIB, 100 * GIB, Units.parseThreshold("5%"));

    assertEquals(0, r.room());
    assertEquals(
        "Mail spool disk too full for this message (1.9 KiB announced, 0 bytes free above the reserve)",
        r.failure().orElseThrow().text());
  }

  @Test
  void noSizeAnnouncedFits() {
    assertTrue(SpoolRoom.check(0, 0, 100 * GIB, Units.parseThreshold("5%")).fits());
  }

  @Test
  void unknownTotalLeavesARatioReserveAtZero() {
    // btrfs may report no total: the usable bytes are all the room there is.
    assertTrue(SpoolRoom.check(25 * MIB, 30 * MIB, 0, Units.parseThreshold("5%")).fits());
  }
}
