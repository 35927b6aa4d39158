package io.headroom.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;
import org.xbill.DNS.Address;

/**
 * An address block as Postfix's {@code mynetworks} writes one: {@code 10.0.0.0/8}, {@code
 * 192.0.2.1}, {@code [2001:db8::]/32}, {@code [::1]}. Postfix's files, {@code type:table} lookups
 * and {@code !} exclusions are not read here: each is an error that says so.
 */
public record CidrBlock(byte[] network, int prefixLength) {
  private static final Pattern TABLE = Pattern.compile("[a-z][a-z0-9_]*:[^:].*");

  public static CidrBlock parse(String text) {
    if (text.startsWith("/")) {
      throw new IllegalArgumentException(
          '"'
              + text
              + "\" is a file: list its address blocks here instead"
              + " (only addresses and CIDR blocks are read, not Postfix's files)");
    }
    if (text.startsWith("!")) {
      throw new IllegalArgumentException(
          '"'
              + text
              + "\" is an exclusion, which is not supported here:"
              + " list only the blocks to bypass");
    }
    boolean bracketed = text.startsWith("[");
    String t = text;
    if (bracketed) {
      int close = text.indexOf(']');
      t = close < 0 ? text : text.substring(1, close) + text.substring(close + 1);
    }
    int slash = t.indexOf('/');
    String addr = slash < 0 ? t : t.substring(0, slash);
    byte[] bytes = Address.toByteArray(addr, Address.IPv4);
    if (bytes == null) {
      bytes = Address.toByteArray(addr, Address.IPv6);
    }
    if (bytes == null) {
      if (!bracketed && TABLE.matcher(text).matches()) {
        throw new IllegalArgumentException(
            '"'
                + text
                + "\" is a lookup table: list its address blocks here instead"
                + " (only addresses and CIDR blocks are read, not Postfix's type:table)");
      }
      throw new IllegalArgumentException('"' + text + "\" is not an address or CIDR block");
    }
    int bits = bytes.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String length = t.substring(slash + 1);
      prefix = length.matches("[0-9]{1,3}") ? Integer.parseInt(length) : -1;
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException('"' + text + "\" has a prefix length outside 0-" + bits);
      }
    }
    return new CidrBlock(bytes, prefix);
  }

  /** The same block with the bits past the prefix cleared, as Postfix reads it. */
  public CidrBlock masked() {
    byte[] bytes = network.clone();
    for (int bit = prefixLength; bit < bytes.length * 8; bit++) {
      bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return new CidrBlock(bytes, prefixLength);
  }

  /** True for {@code 10.0.0.1/8}: likely a typo for a host or for a different block. */
  public boolean hasHostBits() {
    return !equals(masked());
  }

  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length != network.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (a[full] & mask) == (network[full] & mask);
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CidrBlock c
        && c.prefixLength == prefixLength
        && java.util.Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(network) + prefixLength;
  }
}
