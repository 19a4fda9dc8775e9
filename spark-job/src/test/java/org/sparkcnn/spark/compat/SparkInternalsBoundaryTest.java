package org.sparkcnn.spark.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps Spark's internals in {@link SparkInternals}: no other source file of the module names them,
 * so that a Spark upgrade has one file to re-check.
 */
class SparkInternalsBoundaryTest {
  private static final Path SOURCES = Path.of("src/main/java");
  private static final Path COMPAT = SOURCES.resolve("org/sparkcnn/spark/compat");

  /** Catalyst types other code may hold as values (and read, for the Data Source V2 row types). */
  private static final Set<String> CATALYST_VALUES =
      Set.of(
          "InternalRow",
          "util.ArrayData",
          "expressions.Expression",
          "expressions.Attribute",
          "expressions.NamedExpression",
          "plans.logical.LogicalPlan");

  private static final Pattern CATALYST =
      Pattern.compile("org\\.apache\\.spark\\.sql\\.catalyst\\.([\\w.$]+)");

  /** Internal packages, classes and methods no file outside compat may name. */
  private static final Pattern INTERNAL =
      Pattern.compile(
          "org\\.apache\\.spark\\.sql\\.classic\\."
              + "|org\\.apache\\.spark\\.(SparkEnv|SecurityManager)\\b"
              + "|SparkUserDefinedFunction"
              + "|org\\.apache\\.spark\\.unsafe\\.(?!types\\.UTF8String;)"
              + "|scala\\.(reflect|runtime)\\.|scala\\.(Function1|PartialFunction)\\b"
              + "|\\b(killAndReplaceExecutor|getExecutorIds|maxNumConcurrentTasks"
              + "|resourceProfileManager)\\b|\\.barrier\\(\\)");

  @Test
  void onlySparkInternalsUsesSparkInternals() throws IOException {
    List<String> found = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(SOURCES)) {
      files = s.filter(p -> p.toString().endsWith(".java")).toList();
    }
    for (Path f : files) {
      if (f.startsWith(COMPAT)) {
        continue;
      }
      List<String> lines = Files.readAllLines(f);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).strip();
        if (line.startsWith("*") || line.startsWith("/*") || line.startsWith("//")) {
          continue; // a comment may name what it does not use
        }
        Matcher internal = INTERNAL.matcher(line);
        if (internal.find()) {
          found.add(SOURCES.relativize(f) + ":" + (i + 1) + ": " + internal.group());
        }
        Matcher catalyst = CATALYST.matcher(line);
        while (catalyst.find()) {
          String name = catalyst.group(1).replaceAll("\\.$", "");
          if (!CATALYST_VALUES.contains(name)) {
            found.add(SOURCES.relativize(f) + ":" + (i + 1) + ": catalyst." + name);
          }
        }
      }
    }
    assertTrue(files.size() > 50, "read the module's sources: " + files.size() + " files");
    assertEquals(
        List.of(),
        found,
        "Spark internals outside SparkInternals; add a method there (and to its upgrade list)");
  }

  @Test
  void theCheckSeesWhatItLooksFor() {
    assertTrue(INTERNAL.matcher("import org.apache.spark.sql.classic.Dataset$;").find());
    assertTrue(INTERNAL.matcher("x = sc.maxNumConcurrentTasks(p);").find());
    assertFalse(INTERNAL.matcher("import org.apache.spark.unsafe.types.UTF8String;").find());
    Matcher m = CATALYST.matcher("import org.apache.spark.sql.catalyst.expressions.Literal;");
    assertTrue(m.find() && !CATALYST_VALUES.contains(m.group(1)));
  }
}
