package io.headroom.ops;

import java.util.List;

/** Builds a roff (man(7)) page: escaped text, paragraphs, and verbatim blocks for examples. */
final class Roff {
  private final StringBuilder page = new StringBuilder();
  int sections;

  void line(String roff) {
    page.append(roff).append('\n');
  }

  /** A paragraph of comment lines. */
  void paragraph(List<String> lines) {
    if (!lines.isEmpty()) {
      line(".PP");
      text(lines);
    }
  }

  /** Comment text: prose lines flow, indented lines (examples, lists) keep their line breaks. */
  void text(List<String> lines) {
    boolean verbatim = false;
    for (String raw : lines) {
      String body = raw.startsWith(" ") ? raw.substring(1) : raw;
      boolean indented = body.startsWith(" ");
      if (indented != verbatim) {
        line(indented ? ".nf" : ".fi");
        verbatim = indented;
      }
      // In no-fill mode roff keeps the leading spaces, which indent the example.
      line(escape(body));
    }
    if (verbatim) {
      line(".fi");
    }
  }

  /** Backslashes, and a leading dot or quote that roff would read as a request. */
  static String escape(String text) {
    String escaped = text.replace("\\", "\\e").replace("-", "\\-");
    return escaped.startsWith(".") || escaped.startsWith("'") ? "\\&" + escaped : escaped;
  }

  @Override
  public String toString() {
    return page.toString();
  }
}
