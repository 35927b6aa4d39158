package io.headroom.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PostfixInstanceTest {

  @Test
  void masterCfListensOnLoopbackAndDropsChroot() {
    String system =
        "# comment\n"
            + "smtp      inet  n       -       y       -       -       smtpd\n"
            + "#submission inet n       -       y       -       -       smtpd\n"
            + "pickup    unix  n       -       y       60      1       pickup\n"
            + "maildrop  unix  -       n       n       -       -       pipe\n"
            + "  flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient}\n";

    assertEquals(
        "# comment\n"
            + "127.0.0.1:2525      inet  n       -       n       -       -       smtpd\n"
            + "#submission inet n       -       y       -       -       smtpd\n"
            + "pickup    unix  n       -       n       60      1       pickup\n"
            + "maildrop  unix  -       n       n       -       -       pipe\n"
            + "  flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient}\n",
        PostfixInstance.Builder.masterCf(system, 2525));
  }

  @Test
  void theInstanceDirectoriesCannotBeOverridden() {
    PostfixInstance.Builder builder = PostfixInstance.builder(Path.of("/tmp/x"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> builder.set("queue_directory", "/var/spool"));
    assertEquals("queue_directory belongs to the instance and cannot be set", e.getMessage());
  }
}
