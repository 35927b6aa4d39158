package io.headroom.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The entries of a file in Postfix {@code main.cf} syntax: {@code name = value}; a line starting
 * with white space continues the value above; {@code #} starts a comment line; blank and comment
 * lines are skipped, also between a value and its continuation lines. It knows no names: what they
 * mean is {@link Settings}' business.
 *
 * @param entries in file order
 * @param problems lines that are not entries, and duplicates
 */
record ConfigFile(String name, Map<String, Entry> entries, List<ConfigProblem> problems) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

  /** Editors on Windows write one; it is not part of the first name. */
  private static final char BYTE_ORDER_MARK = '\uFEFF';

  /** One setting as written; continuation lines joined with one space. */
  record Entry(String value, int line) {}

  ConfigFile {
    entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    problems = List.copyOf(problems);
  }

  static ConfigFile read(Path file) throws ConfigException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw cannotRead(file, "no such file");
    } catch (AccessDeniedException e) {
      throw cannotRead(file, "permission denied");
    } catch (FileSystemException e) {
      // Its message repeats the path; the reason alone says what is wrong with it.
      throw cannotRead(file, e.getReason() != null ? e.getReason() : e.getMessage());
    } catch (IOException e) {
      throw cannotRead(file, e.getMessage());
    }
    // Lines end at LF, CR LF or CR, as Files.readAllLines reads them.
    return parse(file.toString(), utf8(file, bytes).lines().toList());
  }

  /** The text, or the line to fix: a byte that is not UTF-8 (a comment kept from Latin-1). */
  private static String utf8(Path file, byte[] bytes) throws ConfigException {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer text = CharBuffer.allocate(bytes.length);
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
    if (decoder.decode(in, text, true).isError() || decoder.flush(text).isError()) {
      throw new ConfigException(
          List.of(
              new ConfigProblem(
                  file.toString(),
                  lineAt(bytes, in.position()),
                  "cannot read",
                  "not UTF-8 text (save the file as UTF-8)")));
    }
    return text.flip().toString();
  }

  /** The line {@code offset} is on, counting LF, CR LF and CR as line ends as the parser does. */
  private static int lineAt(byte[] bytes, int offset) {
    int line = 1;
    for (int i = 0; i < offset; i++) {
      if (bytes[i] == '\n'
          || (bytes[i] == '\r' && (i + 1 >= bytes.length || bytes[i + 1] != '\n'))) {
        line++;
      }
    }
    return line;
  }

  private static ConfigException cannotRead(Path file, String why) {
    return new ConfigException(List.of(new ConfigProblem(file.toString(), 0, "cannot read", why)));
  }

  static ConfigFile parse(String name, List<String> lines) {
    Map<String, Entry> entries = new LinkedHashMap<>();
    List<ConfigProblem> problems = new ArrayList<>();
    String key = null;
    StringBuilder value = new StringBuilder();
    int start = 0;
    for (int i = 0; i <= lines.size(); i++) {
      boolean end = i == lines.size();
      String line = end ? "" : lines.get(i);
      if (i == 0 && !line.isEmpty() && line.charAt(0) == BYTE_ORDER_MARK) {
        line = line.substring(1);
      }
      String trimmed = line.strip();
      // As Postfix's readllines(): these neither end a value nor continue it.
      if (!end && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
        continue;
      }
      boolean continuation = !end && Character.isWhitespace(line.charAt(0));
      if (continuation && key != null) {
        value.append(' ').append(trimmed);
        continue;
      }
      if (key != null) {
        Entry previous = entries.get(key);
        if (previous != null) {
          problems.add(
              new ConfigProblem(
                  name, start, key, "duplicate; first set on line " + previous.line()));
        } else {
          entries.put(key, new Entry(value.toString().strip(), start));
        }
        key = null;
      }
      if (end) {
        break;
      }
      int eq = line.indexOf('=');
      String candidate = eq < 0 ? trimmed : line.substring(0, eq).strip();
      if (continuation || eq < 0 || !NAME.matcher(candidate).matches()) {
        problems.add(new ConfigProblem(name, i + 1, candidate, "expected \"name = value\""));
        continue;
      }
      key = candidate;
      value.setLength(0);
      value.append(line.substring(eq + 1));
      start = i + 1;
    }
    return new ConfigFile(name, entries, problems);
  }
}
