package io.headroom.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Check;
import io.headroom.config.Config;
import io.headroom.config.Stage;
import io.headroom.health.CheckState;
import io.headroom.health.HealthSnapshot;
import io.headroom.probe.FileStoreUsage;
import io.headroom.probe.Measure;
import io.headroom.probe.ProbeResult;
import io.headroom.support.ConfigFiles;
import io.headroom.support.FakeMta;
import io.headroom.support.RecordingMetrics;
import io.headroom.transport.MemoryBudget;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.ProtocolSteps;
import org.nightcode.milter.ResponseCode;

/**
 * An announced SIZE against the disk probe's last reading, at MAIL, as Postfix's smtpd sends it.
 */
class RoomCheckTest {
  private static final long MIB = 1024 * 1024;
  private static final long GIB = 1024 * MIB;

  @TempDir Path dir;
  private final RecordingMetrics metrics = new RecordingMetrics();

  /**
   * The disk probe of {@code dir} read 1 GiB + 3.25 MiB usable of 100 GiB; the reserve is 1 GiB;
   * the disk check answers at MAIL, so the announced size is weighed there.
   */
  private FakeMta session(String... extra) throws Exception {
    FakeMta mta = sessionWith("disk_stage = mail", extra);
    assertEquals(
        0,
        mta.optneg() & ProtocolSteps.NO_REPLY_FOR_MAIL_FROM,
        "MAIL is answered: the disk check is there");
    mta.connect("client.example", "192.0.2.1");
    return mta;
  }

  private FakeMta sessionWith(String stage, String... extra) throws Exception {
    List<String> lines =
        new java.util.ArrayList<>(List.of("disk_paths = " + dir, "disk_min_free = 1G", stage));
    lines.addAll(List.of(extra));
    Config config = ConfigFiles.parse(dir, lines.toArray(String[]::new));
    ProbeResult disk =
        new ProbeResult(
            Check.DISK,
            "disk_space:" + dir,
            Measure.DISK_FREE_RATIO,
            dir.toString(),
            true,
            0.01,
            "1.0% free",
            "need 1 GiB",
            Optional.empty(),
            "",
            Optional.of(new FileStoreUsage("/", GIB + 13 * MIB / 4, 100 * GIB, 1000, 2000)));
    HealthSnapshot snapshot =
        new HealthSnapshot(
            Instant.EPOCH,
            List.of(
                new CheckState(
                    disk,
                    true,
                    config.mode(Check.DISK),
                    config.stage(Check.DISK),
                    Duration.ZERO,
                    Instant.EPOCH)));
    // Another check answers at DATA: neither MAIL nor RCPT is the last stage, so a fitting
    // message gets "continue".
    Set<Stage> stages = java.util.EnumSet.of(config.stage(Check.DISK), Stage.DATA);
    return new FakeMta(
        MilterHandlers.forConfig(
            config, stages, () -> snapshot, metrics, Optional.empty(), new MemoryBudget(1 << 30)),
        metrics);
  }

  /**
   * Where the disk check answers at RCPT (the default), the size announced at MAIL is weighed
   * there: Postfix is not made to wait for a reply at MAIL, which would cost every transaction a
   * round trip.
   */
  @Test
  void atTheDefaultStageTheAnnouncedSizeIsAnsweredAtRcpt() throws Exception {
    FakeMta mta = sessionWith("defer_stage = rcpt");
    assertTrue(
        (mta.optneg() & ProtocolSteps.NO_REPLY_FOR_MAIL_FROM) != 0, "MAIL is not waited for");
    mta.connect("client.example", "192.0.2.1");

    assertNull(mail(mta, "<a@example.test>", "SIZE=26214400"), "no reply at MAIL");
    FakeMta.Reply reply = mta.rcpt("<b@example.test>");

    assertEquals(
        "451 4.3.0 Mail spool disk too full for this message (25 MiB announced, 3.2 MiB free above the"
            + " reserve), try again later",
        reply.text());
    assertEquals(
        List.of("session opened", "deferred disk rcpt", "message deferred"), metrics.events());
  }

  private static FakeMta.Reply mail(FakeMta mta, String... args) {
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    for (String arg : args) {
      payload.writeBytes((arg + "\0").getBytes(StandardCharsets.US_ASCII));
    }
    return mta.exchange(CommandCode.SMFIC_MAIL, payload.toByteArray());
  }

  @Test
  void anAnnouncedSizeAboveTheRoomIsDeferredAtMailNamingBoth() throws Exception {
    FakeMta mta = session();

    FakeMta.Reply reply = mail(mta, "<a@example.test>", "BODY=8BITMIME", "SIZE=26214400");

    assertEquals(ResponseCode.SMFIR_REPLYCODE.code(), reply.command());
    assertEquals(
        "451 4.3.0 Mail spool disk too full for this message (25 MiB announced, 3.2 MiB free above the"
            + " reserve), try again later",
        reply.text());
    assertEquals(
        List.of("session opened", "deferred disk mail", "message deferred"), metrics.events());
  }

  @Test
  void aMessageThatFitsOrAnnouncesNoSizeContinues() throws Exception {
    FakeMta mta = session();

    assertEquals(
        ResponseCode.SMFIR_CONTINUE.code(),
        mail(mta, "<a@example.test>", "SIZE=3000000").command());
    mta.abort();
    assertEquals(ResponseCode.SMFIR_CONTINUE.code(), mail(mta, "<a@example.test>").command());
    assertEquals(List.of("session opened"), metrics.events());
  }

  @Test
  void inMonitorModeItIsOnlyCounted() throws Exception {
    FakeMta mta = session("disk_mode = monitor");

    assertEquals(
        ResponseCode.SMFIR_CONTINUE.code(),
        mail(mta, "<a@example.test>", "SIZE=26214400").command());
    assertEquals(List.of("session opened", "would disk mail"), metrics.events());
  }

  /** At RCPT, when it is not the last stage (with a scanner, or a check at DATA). */
  @Test
  void inMonitorModeItIsCountedOncePerTransactionNotPerRecipient() throws Exception {
    FakeMta mta = sessionWith("disk_stage = rcpt", "disk_mode = monitor");
    mta.optneg();
    mta.connect("client.example", "192.0.2.1");

    for (int transaction = 0; transaction < 2; transaction++) {
      mail(mta, "<a@example.test>", "SIZE=26214400");
      for (int i = 0; i < 3; i++) {
        assertEquals(
            ResponseCode.SMFIR_CONTINUE.code(), mta.rcpt("<r" + i + "@example.test>").command());
      }
      mta.abort();
    }
    assertEquals(List.of("session opened", "would disk rcpt", "would disk rcpt"), metrics.events());
  }

  @Test
  void theSizeIsReadFromTheEsmtpParametersOnly() {
    assertEquals(
        OptionalLong.of(12345), RoomCheck.announcedSize(List.of("<a@example.test>", "size=12345")));
    assertEquals(OptionalLong.empty(), RoomCheck.announcedSize(List.of("<SIZE=5@example.test>")));
    assertEquals(
        OptionalLong.empty(), RoomCheck.announcedSize(List.of("<a@example.test>", "SIZE=12x")));
    assertEquals(
        OptionalLong.of(Long.MAX_VALUE),
        RoomCheck.announcedSize(List.of("<a@example.test>", "SIZE=99999999999999999999")));
    assertTrue(RoomCheck.forConfig(configWith("disk_mode = off")).isEmpty());
  }

  private Config configWith(String line) {
    try {
      return ConfigFiles.parse(dir, line);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
