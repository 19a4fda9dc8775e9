package org.sparkcnn.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;

/**
 * A small, strict JSON (RFC 8259) reader and writer for model specs, job configs and file headers.
 * It exists because {@code core} takes no dependencies: Spark ships its own Jackson.
 *
 * <p>Values map to Java as follows, both ways:
 *
 * <pre>
 *   object  ↔ LinkedHashMap&lt;String, Object&gt;  (key order kept; a duplicate key is an error)
 *   array   ↔ ArrayList&lt;Object&gt;
 *   string  ↔ String
 *   number  → Long when written without fraction or exponent and within the range of a long,
 *             Double otherwise ("-0" is Double -0.0, which a Long cannot hold);
 *             a number beyond the range of a double (1e400) is an error, not Infinity
 *           ← Long, Integer, Short, Byte, Double, Float (NaN and infinities are errors)
 *   true, false ↔ Boolean;  null ↔ null
 * </pre>
 *
 * <p>Every error is a {@link JsonException} whose message starts with {@code source:line:column:}
 * (both from 1) and follows the project's error template.
 */
public final class Json {

  /**
   * Deepest nesting of arrays and objects accepted. Specs nest a few levels; the bound makes
   * hostile input ({@code [[[[…}) a clean error instead of a StackOverflowError.
   */
  public static final int MAX_DEPTH = 512;

  private Json() {}

  /**
   * Parses {@code text} as exactly one JSON value (whitespace around it is allowed; anything else
   * is an error).
   *
   * @param sourceName how errors name the text, e.g. a file name or {@code "--set epochs"}
   * @throws JsonException with the location, what was found and what was expected
   */
  public static Object parse(String text, String sourceName) {
    return new JsonParser(text, sourceName).parseDocument();
  }

  /**
   * Parses UTF-8 bytes; malformed UTF-8 is an error naming the byte offset, never replaced
   * silently.
   */
  public static Object parse(byte[] utf8, String sourceName) {
    return parse(decodeUtf8(utf8, sourceName), sourceName);
  }

  /** Reads and parses a UTF-8 file, named in errors by its path. */
  public static Object parse(Path file) throws IOException {
    return parse(RegularFiles.read(file, Integer.MAX_VALUE - 8), file.toString());
  }

  /**
   * Parses a text that must hold a JSON object, as configs and specs do.
   *
   * @throws JsonException also when the value is valid JSON but not an object
   */
  public static Map<String, Object> parseObject(String text, String sourceName) {
    return JsonFields.asObject(parse(text, sourceName), sourceName);
  }

  /**
   * Pretty-prints with 2-space indentation, one member or element per line, empty containers as
   * {@code {}} and {@code []}, non-ASCII characters unescaped, and no final newline: the text
   * Python's {@code json.dumps(value, indent=2, ensure_ascii=False)} writes for the same value.
   * Doubles are written by {@link Double#toString(double)} (e.g. {@code 0.001}, {@code 1.0E-4},
   * {@code 32.0}), floats by {@link Float#toString(float)}; both are valid JSON and parse back to
   * the same value.
   *
   * @throws JsonException for NaN, infinities, non-String map keys, unsupported types, unpaired
   *     surrogates, or nesting beyond {@link #MAX_DEPTH} (which is also how a cycle shows); the
   *     message gives the path of the bad value, e.g. {@code $.config.layers[1].rate}
   */
  public static String write(Object value) {
    return JsonWriter.write(value, true);
  }

  /** As {@link #write(Object)}, on one line with no spaces: {@code {"a":[1,2]}}. */
  public static String writeCompact(Object value) {
    return JsonWriter.write(value, false);
  }

  private static String decodeUtf8(byte[] bytes, String sourceName) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    // UTF-8 never decodes to more UTF-16 units than it has bytes.
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      String decoded = out.flip().toString();
      throw new JsonException(
          JsonParser.location(decoded, sourceName, decoded.length())
              + ": "
              + ErrorText.of(
                  "text is not valid UTF-8",
                  String.format(
                      "byte 0x%02X at byte offset %d", bytes[in.position()] & 0xff, in.position()),
                  "UTF-8 encoded text",
                  "save the file as UTF-8"));
    }
    return out.flip().toString();
  }
}
