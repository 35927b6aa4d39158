package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.headroom.config.LookupTable;
import io.headroom.config.PolicyService;
import io.headroom.config.TableRole;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PostfixTablesTest {

  /**
   * A postfixadmin-style server: MySQL domains and users behind proxy:, LDAP senders, two policy
   * services.
   */
  private static final String POSTCONF =
      String.join(
          "\n",
          "alias_maps = ldap:/etc/postfix/ldap-aliases.cf",
          "canonical_maps =",
          "header_checks = pcre:/etc/postfix/header_checks",
          "local_recipient_maps = proxy:unix:passwd.byname hash:/etc/aliases",
          "mydestination = $myhostname, localhost",
          "queue_directory = /var/spool/postfix",
          "relay_domains =",
          "sender_bcc_maps = mysql:/etc/postfix/bcc.cf",
          "smtp_sasl_password_maps = mysql:/etc/postfix/sasl.cf",
          "smtpd_client_restrictions = permit_mynetworks, check_client_access pgsql:/etc/postfix/pg-clients.cf",
          "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination,"
              + " check_recipient_access proxy:mysql:/etc/postfix/mysql-users.cf,"
              + " check_policy_service { inet:127.0.0.1:10023, timeout=10s, default_action=DUNNO },"
              + " check_policy_service unix:private/policyd-spf, senders",
          "smtpd_restriction_classes = senders",
          "senders = check_sender_access tcp:127.0.0.1:2527",
          "smtpd_sender_login_maps = ldap:/etc/postfix/ldap-senders.cf",
          "smtpd_sender_restrictions = reject_sender_login_mismatch",
          "transport_maps = hash:/etc/postfix/transport socketmap:unix:/run/tm.sock:transport",
          "virtual_alias_maps = proxy:mysql:/etc/postfix/mysql-aliases.cf,"
              + " unionmap:{ memcache:/etc/postfix/mc.cf, hash:/etc/postfix/virtual }",
          "virtual_mailbox_domains = proxy:mysql:/etc/postfix/mysql-domains.cf",
          "virtual_mailbox_maps = proxy:mysql:/etc/postfix/mysql-users.cf",
          "");

  @Test
  void findsTheNetworkTablesSmtpdConsultsWithTheirRoles() {
    PostfixBackends b = PostfixTables.discover(PostfixTables.parsePostconf(POSTCONF));

    assertEquals(
        List.of(
            new LookupTable("mysql", "/etc/postfix/mysql-users.cf", TableRole.RECIPIENT),
            new LookupTable("mysql", "/etc/postfix/mysql-aliases.cf", TableRole.RECIPIENT),
            new LookupTable("memcache", "/etc/postfix/mc.cf", TableRole.RECIPIENT),
            new LookupTable("mysql", "/etc/postfix/mysql-domains.cf", TableRole.RECIPIENT),
            new LookupTable("ldap", "/etc/postfix/ldap-senders.cf", TableRole.SENDER),
            new LookupTable("socketmap", "unix:/run/tm.sock:transport", TableRole.ROUTING),
            new LookupTable("pgsql", "/etc/postfix/pg-clients.cf", TableRole.ACCESS),
            new LookupTable("tcp", "127.0.0.1:2527", TableRole.ACCESS)),
        b.tables());
  }

  @Test
  void findsPolicyServicesInBothSyntaxes() {
    PostfixBackends b = PostfixTables.discover(PostfixTables.parsePostconf(POSTCONF));

    assertEquals(
        List.of(
            new PolicyService(
                "inet:127.0.0.1:10023", InetSocketAddress.createUnresolved("127.0.0.1", 10023)),
            new PolicyService(
                "unix:private/policyd-spf",
                UnixDomainSocketAddress.of("/var/spool/postfix/private/policyd-spf"))),
        b.policyServices());
  }

  @Test
  void aStockServerHasNothingToProbe() {
    PostfixBackends b =
        PostfixTables.discover(
            PostfixTables.parsePostconf(
                String.join(
                    "\n",
                    "local_recipient_maps = proxy:unix:passwd.byname hash:/etc/aliases",
                    "mydestination = $myhostname, localhost.$mydomain, localhost",
                    "smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination",
                    "smtpd_recipient_restrictions =",
                    "virtual_alias_maps =")));

    assertEquals(new PostfixBackends(List.of(), List.of(), List.of()), b);
  }

  @Test
  void postconfIsRunExpandedAndWithTheConfigDirectory() throws Exception {
    List<List<String>> commands = new ArrayList<>();

    Map<String, String> params =
        PostfixTables.readPostconf(
            (command, deadline) -> {
              commands.add(command);
              return new CommandOutput(
                  0,
                  "mydestination = localhost\nrelay_domains =\n",
                  "",
                  false,
                  Duration.ofMillis(30));
            },
            Optional.of(Path.of("/etc/postfix-in")),
            Duration.ofSeconds(10));

    assertEquals(List.of(List.of("postconf", "-x", "-c", "/etc/postfix-in")), commands);
    assertEquals(Map.of("mydestination", "localhost", "relay_domains", ""), params);
  }

  @Test
  void aFailingPostconfSaysWhat() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                PostfixTables.readPostconf(
                    (command, deadline) ->
                        new CommandOutput(
                            1,
                            "",
                            "postconf: fatal: open /etc/postfix-in/main.cf: No such file or directory\n",
                            false,
                            Duration.ZERO),
                    Optional.of(Path.of("/etc/postfix-in")),
                    Duration.ofSeconds(10)));

    assertEquals(
        "postconf -x -c /etc/postfix-in failed (exit 1): postconf: fatal: open /etc/postfix-in/main.cf:"
            + " No such file or directory",
        e.getMessage());
  }

  @Test
  void theRealPostconfOutputParses() throws Exception {
    Map<String, String> params =
        PostfixTables.readPostconf(
            PostfixTables.postconfRunner(), Optional.empty(), Duration.ofSeconds(30));

    assertEquals("/var/spool/postfix", params.get("queue_directory"));
  }
}
