package io.headroom.config;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Parsers for single values, each into its final type and within its bounds: what one of them
 * accepts, nothing downstream can fail on. Each throws {@link IllegalArgumentException} with the
 * text an admin reads after {@code FILE:LINE: key: }.
 */
final class Values {
  private static final Pattern NUMBER =
      Pattern.compile("-?([0-9]{1,15}(\\.[0-9]{0,15})?|\\.[0-9]{1,15})");
  private static final Pattern WHOLE = Pattern.compile("[0-9]{1,9}");

  private Values() {}

  /** A duration above zero and at most {@code max} (written as in the file, e.g. {@code 1h}). */
  static Function<String, Duration> positiveDuration(String max) {
    return text -> {
      Duration d = duration(max).apply(text);
      if (d.isZero()) {
        throw new IllegalArgumentException('"' + text + "\" must be more than zero");
      }
      return d;
    };
  }

  /** A duration from zero to {@code max}. */
  static Function<String, Duration> duration(String max) {
    Duration limit = Units.parseDuration(max);
    return text -> {
      if (Units.isOverlongDuration(text) || Units.parseDuration(text).compareTo(limit) > 0) {
        throw new IllegalArgumentException('"' + text + "\" is more than " + max);
      }
      return Units.parseDuration(text);
    };
  }

  /** A whole number from 1 to {@code max}. */
  static Function<String, Integer> positiveInt(int max) {
    return text -> {
      int n = WHOLE.matcher(text).matches() ? Integer.parseInt(text) : 0;
      if (n <= 0) {
        throw new IllegalArgumentException('"' + text + "\" is not a whole number above zero");
      }
      if (n > max) {
        throw new IllegalArgumentException('"' + text + "\" is more than " + max);
      }
      return n;
    };
  }

  static double finiteDouble(String text) {
    if (!NUMBER.matcher(text).matches()) {
      throw new IllegalArgumentException('"' + text + "\" is not a number");
    }
    return Double.parseDouble(text);
  }

  /** A number above zero and at most {@code max}. */
  static Function<String, Double> positiveDouble(String max) {
    double limit = Double.parseDouble(max);
    return text -> {
      double d = finiteDouble(text);
      if (d <= 0) {
        throw new IllegalArgumentException('"' + text + "\" must be more than zero");
      }
      if (d > limit) {
        throw new IllegalArgumentException('"' + text + "\" is more than " + max);
      }
      return d;
    };
  }

  static boolean yesNo(String text) {
    return switch (text) {
      case "yes" -> true;
      case "no" -> false;
      default -> throw new IllegalArgumentException('"' + text + "\" is not yes or no");
    };
  }

  static int octalMode(String text) {
    if (!text.matches("0?[0-7]{3}")) {
      throw new IllegalArgumentException('"' + text + "\" is not an octal mode like 0660");
    }
    return Integer.parseInt(text, 8);
  }

  static <E extends Enum<E>> Function<String, E> oneOf(Class<E> type) {
    return text -> {
      for (E e : type.getEnumConstants()) {
        if (e.name().equalsIgnoreCase(text)) {
          return e;
        }
      }
      String names =
          String.join(
              ", ",
              Arrays.stream(type.getEnumConstants())
                  .map(e -> e.name().toLowerCase(Locale.ROOT))
                  .toList());
      throw new IllegalArgumentException('"' + text + "\" is not one of " + names);
    };
  }

  static Path absolutePath(String text) {
    if (!text.startsWith("/")) {
      throw new IllegalArgumentException('"' + text + "\" is not an absolute path");
    }
    try {
      return Path.of(text);
    } catch (java.nio.file.InvalidPathException e) {
      throw new IllegalArgumentException('"' + text + "\" is not a path: " + e.getReason(), e);
    }
  }

  /** An absolute path that names a directory now, at check time. */
  static Path existingDirectory(String text) {
    Path path = absolutePath(text);
    if (!Files.isDirectory(path)) {
      throw new IllegalArgumentException('"' + text + "\" is not an existing directory");
    }
    return path;
  }

  /**
   * A group that exists on this machine, looked up at check time: {@code chown} would otherwise
   * fail only when the socket is created.
   */
  static String existingGroup(String text) {
    if (text.isEmpty()) {
      return text;
    }
    try {
      FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(text);
      return text;
    } catch (UserPrincipalNotFoundException e) {
      throw new IllegalArgumentException(
          "group \"" + text + "\" does not exist on this machine", e);
    } catch (IOException | UnsupportedOperationException e) {
      throw new IllegalArgumentException(
          "cannot look up group \"" + text + "\": " + e.getMessage(), e);
    }
  }
}
