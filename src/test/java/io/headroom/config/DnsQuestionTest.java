package io.headroom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

class DnsQuestionTest {

  @Test
  void rootIsAskedForNs() {
    DnsQuestion q = DnsQuestion.parse(".");

    assertEquals(new DnsQuestion(Name.root, Type.NS, false), q);
    assertEquals(".", q.toString());
  }

  @Test
  void aNameIsAskedForA() throws Exception {
    DnsQuestion q = DnsQuestion.parse("example.org");

    assertEquals(new DnsQuestion(Name.fromString("example.org."), Type.A, false), q);
    assertEquals("example.org", q.toString());
  }

  @Test
  void typeFollowsASlashInAnyCase() throws Exception {
    DnsQuestion q = DnsQuestion.parse("example.org./txt");

    assertEquals(new DnsQuestion(Name.fromString("example.org."), Type.TXT, false), q);
    assertEquals("example.org/TXT", q.toString());
  }

  @Test
  void wildcardAsksAFreshRandomLabelEachTime() throws Exception {
    DnsQuestion q = DnsQuestion.parse("*.example.org/AAAA");
    SplittableRandom random = new SplittableRandom(7);

    Name first = q.queryName(random::nextLong);
    Name second = q.queryName(random::nextLong);

    assertEquals(new DnsQuestion(Name.fromString("example.org."), Type.AAAA, true), q);
    assertEquals("*.example.org/AAAA", q.toString());
    assertTrue(
        first.subdomain(q.name()) && first.labels() == q.name().labels() + 1, first.toString());
    assertTrue(first.getLabelString(0).matches("hr-[0-9a-f]{16}"), first.toString());
    assertNotEquals(first, second);
  }

  @Test
  void fixedNameIsAskedAsIs() throws Exception {
    DnsQuestion q = DnsQuestion.parse("example.org");

    assertEquals(Name.fromString("example.org."), q.queryName(() -> 1L));
    assertFalse(q.randomLabel());
  }

  @Test
  void wildcardUnderTheRoot() {
    DnsQuestion q = DnsQuestion.parse("*.");

    assertEquals(new DnsQuestion(Name.root, Type.NS, true), q);
    assertEquals("*.", q.toString());
    assertEquals("hr-00000000000000ff.", q.queryName(() -> 0xffL).toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "*",
        "a.*.example.org",
        "**.example.org",
        "example.org/NOTATYPE",
        "example.org/"
      })
  void malformedNamesAreRejectedWithTheExpectedForm(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DnsQuestion.parse(text));

    assertEquals(
        '"'
            + text
            + "\" is not a DNS probe name (like ., example.org, example.org/TXT or *.example.org)",
        e.getMessage());
  }

  @Test
  void aMalformedNameSaysWhatIsWrongWithIt() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DnsQuestion.parse("*.a..b/TXT"));

    assertEquals("\"a..b\" is not a domain name: it has an empty label", e.getMessage());
  }

  @Test
  void nameWithoutRoomForTheRandomLabelIsRejected() {
    String longName = ("a".repeat(60) + ".").repeat(4); // 244 octets on the wire

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DnsQuestion.parse("*." + longName));

    assertTrue(e.getMessage().startsWith("\"*.aaaa"), e.getMessage());
  }
}
