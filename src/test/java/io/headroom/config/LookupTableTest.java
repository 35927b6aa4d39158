package io.headroom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LookupTableTest {

  @Test
  void proxyIsStrippedAndTheBackendNamed() {
    LookupTable t =
        LookupTable.parse("proxy:mysql:/etc/postfix/mysql-users.cf", TableRole.RECIPIENT)
            .orElseThrow();

    assertEquals("mysql:/etc/postfix/mysql-users.cf", t.spec());
    assertEquals("Recipient directory (MySQL)", t.noun());
    assertEquals(Optional.of(Path.of("/etc/postfix/mysql-users.cf")), t.definitionFile());
  }

  @Test
  void everyNetworkTypeHasTheNameASenderReads() {
    assertEquals(
        "Recipient directory (LDAP)", noun("ldap:/etc/postfix/ldap.cf", TableRole.RECIPIENT));
    assertEquals(
        "Sender directory (PostgreSQL)", noun("pgsql:/etc/postfix/pg.cf", TableRole.SENDER));
    assertEquals("Access table (memcache)", noun("memcache:/etc/postfix/mc.cf", TableRole.ACCESS));
    assertEquals("Mail routing table (tcp)", noun("tcp:127.0.0.1:2525", TableRole.ROUTING));
    assertEquals(
        "Lookup table (socketmap)",
        noun("socketmap:inet:127.0.0.1:9999:virtual", TableRole.LISTED));
  }

  @Test
  void tablesWithoutANameFileHaveNoDefinitionToCheck() {
    assertEquals(
        Optional.empty(),
        LookupTable.parse("tcp:127.0.0.1:2525", TableRole.LISTED).orElseThrow().definitionFile());
  }

  @Test
  void localTablesAreNotProbed() {
    assertEquals(Optional.empty(), LookupTable.parse("hash:/etc/aliases", TableRole.RECIPIENT));
    assertEquals(
        Optional.empty(), LookupTable.parse("proxy:unix:passwd.byname", TableRole.RECIPIENT));
    assertEquals(
        Optional.empty(), LookupTable.parse("sqlite:/etc/postfix/sqlite.cf", TableRole.RECIPIENT));
  }

  @Test
  void somethingThatIsNoTableIsAnError() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> LookupTable.parse("ldap", TableRole.LISTED));

    assertEquals("\"ldap\" is not a table (type:name)", e.getMessage());
  }

  private static String noun(String spec, TableRole role) {
    return LookupTable.parse(spec, role).orElseThrow().noun();
  }
}
