package io.headroom.probe;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a Postfix list value as Postfix's {@code mystrtokq} does: on whitespace and commas, except
 * inside {@code { }}, so {@code check_policy_service { inet:host:port, timeout=10s }} and {@code
 * unionmap:{ldap:/a.cf, hash:/b}} stay one element each.
 */
final class PostfixList {
  private PostfixList() {}

  static List<String> split(String value) {
    List<String> elements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int depth = 0;
    for (char c : value.toCharArray()) {
      if (depth == 0 && (Character.isWhitespace(c) || c == ',')) {
        add(elements, current);
        continue;
      }
      if (c == '{') {
        depth++;
      } else if (c == '}' && depth > 0) {
        depth--;
      }
      current.append(c);
    }
    add(elements, current);
    return elements;
  }

  /** The list inside {@code { }}, for an element that is a group; the element itself otherwise. */
  static List<String> ungroup(String element) {
    if (element.startsWith("{") && element.endsWith("}")) {
      return split(element.substring(1, element.length() - 1));
    }
    return List.of(element);
  }

  private static void add(List<String> elements, StringBuilder current) {
    if (current.length() > 0) {
      elements.add(current.toString());
      current.setLength(0);
    }
  }
}
