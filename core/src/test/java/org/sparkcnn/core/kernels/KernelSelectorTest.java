package org.sparkcnn.core.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelSelectorTest {
  @Test
  void settingsPickTheirImplementation() {
    assertEquals("reference", KernelSelector.choose("reference").name());
    assertEquals("scalar", KernelSelector.choose("scalar").name());
    String auto = KernelSelector.choose("auto").name();
    // Surefire runs with the pom's flags, so the Vector API is there.
    assertTrue(KernelSelector.vectorApiAvailable());
    assertTrue(auto.startsWith("vector"), auto);
    assertThrows(IllegalArgumentException.class, () -> KernelSelector.choose("fast"));
  }

  /** A JVM started without the module falls back to scalar and says, once, how to enable it. */
  @Test
  void withoutTheVectorModuleTheScalarPathRunsAndSaysHowToEnableTheFastOne()
      throws IOException, InterruptedException {
    String java = System.getProperty("java.home") + "/bin/java";
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    KernelSelector.class.getName()))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    assertTrue(out.strip().endsWith("scalar"), out);
    long hints = out.lines().filter(l -> l.contains("--add-modules=jdk.incubator.vector")).count();
    assertEquals(1, hints, out);
  }
}
