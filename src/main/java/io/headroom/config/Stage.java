package io.headroom.config;

/** The SMTP stage at which resource and DNS checks answer, in protocol order. */
public enum Stage {
  CONNECT,
  HELO,
  MAIL,
  RCPT,
  DATA;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
