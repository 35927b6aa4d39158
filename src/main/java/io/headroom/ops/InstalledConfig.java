package io.headroom.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The /etc/headroom-milter/headroom.conf the Debian package installs: conf/headroom.conf (the
 * documented defaults) with the milter socket moved into Postfix's chroot, where only group postfix
 * may connect. Made from the reference at build time, so the two differ only here.
 */
final class InstalledConfig {
  /** Each default line the package changes, and what it becomes. */
  static final Map<String, List<String>> CHANGES =
      Map.of(
          "listen = inet:127.0.0.1:8899",
              List.of(
                  "# Debian package: the socket inside Postfix's chroot (smtpd runs chrooted in",
                  "# /var/spool/postfix). In main.cf: smtpd_milters = unix:headroom-milter/milter.sock",
                  "# The default without this file is listen = inet:127.0.0.1:8899.",
                  "listen = unix:/var/spool/postfix/headroom-milter/milter.sock"),
          "listen_socket_group =",
              List.of(
                  "# Debian package: only Postfix (and root) may connect to the socket.",
                  "listen_socket_group = postfix"));

  private InstalledConfig() {}

  static List<String> from(List<String> reference) {
    List<String> installed = new ArrayList<>();
    int changed = 0;
    for (String line : reference) {
      List<String> replacement = CHANGES.get(line.strip());
      if (replacement == null) {
        installed.add(line);
      } else {
        installed.addAll(replacement);
        changed++;
      }
    }
    if (changed != CHANGES.size()) {
      // The reference changed under us: fail the build rather than install stale defaults.
      throw new IllegalStateException(
          "conf/headroom.conf no longer has the lines "
              + CHANGES.keySet()
              + " that the installed copy changes; update "
              + InstalledConfig.class.getName());
    }
    return installed;
  }
}
