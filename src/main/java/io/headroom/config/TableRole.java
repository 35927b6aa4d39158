package io.headroom.config;

/**
 * What smtpd uses a lookup table for, which is what a sender is told when it fails. In order of
 * precedence: a table used in several roles is named after the first.
 */
public enum TableRole {
  RECIPIENT("Recipient directory"),
  SENDER("Sender directory"),
  ACCESS("Access table"),
  ROUTING("Mail routing table"),
  /** Listed in {@code lookup_tables} by hand: its use is not known. */
  LISTED("Lookup table");

  private final String noun;

  TableRole(String noun) {
    this.noun = noun;
  }

  public String noun() {
    return noun;
  }
}
