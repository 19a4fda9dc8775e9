package org.sparkcnn.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {
  // true, predicted pairs; 3 classes; class 2 is never predicted, class 1 has one miss.
  private static final int[][] PAIRS = {
    {0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 0}, {2, 0}, {2, 1}
  };

  private static ConfusionMatrix matrix() {
    ConfusionMatrix m = new ConfusionMatrix(3);
    for (int[] p : PAIRS) {
      m.add(p[0], p[1]);
    }
    return m;
  }

  @Test
  void countsAndPerClassMetricsFollowTheirDefinitions() {
    ConfusionMatrix m = matrix();
    assertEquals(9, m.total());
    assertEquals(2, m.count(0, 0));
    assertEquals(1, m.count(2, 1));
    // Independent recount from the pairs: tp, predicted-as and support per class.
    for (int c = 0; c < 3; c++) {
      int tp = 0;
      int predicted = 0;
      int support = 0;
      for (int[] p : PAIRS) {
        tp += p[0] == c && p[1] == c ? 1 : 0;
        predicted += p[1] == c ? 1 : 0;
        support += p[0] == c ? 1 : 0;
      }
      double precision = predicted == 0 ? 0 : (double) tp / predicted;
      double recall = support == 0 ? 0 : (double) tp / support;
      assertEquals(precision, m.precision(c), 1e-12, "precision of class " + c);
      assertEquals(recall, m.recall(c), 1e-12, "recall of class " + c);
      assertEquals(
          precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall),
          m.f1(c),
          1e-12);
      assertEquals(support, m.support(c));
    }
    assertEquals(5.0 / 9, m.accuracy(), 1e-12);
  }

  @Test
  void mergeAddsCountsAndRebuildingKeepsThem() {
    ConfusionMatrix twice = matrix().merge(matrix());
    assertEquals(18, twice.total());
    assertEquals(6, twice.count(1, 1));
    assertEquals(twice.total(), ConfusionMatrix.of(twice.counts()).total());
    assertThrows(IllegalArgumentException.class, () -> matrix().merge(new ConfusionMatrix(2)));
    assertThrows(IllegalArgumentException.class, () -> matrix().add(3, 0));
  }

  @Test
  void textAndMapNameTheClasses() {
    ConfusionMatrix m = matrix();
    List<String> names = List.of("cat", "dog", "bird");
    String text = m.toText(names);
    assertTrue(text.lines().skip(2).findFirst().orElseThrow().startsWith("dog"), text);
    assertTrue(text.lines().skip(2).findFirst().orElseThrow().matches("dog\\s+1\\s+3\\s+0"), text);
    String report = m.reportText(names);
    assertTrue(report.contains("bird") && report.contains("macro avg"), report);
    Map<String, Object> map = m.toMap(null);
    assertEquals(List.of("0", "1", "2"), map.get("class_names"));
    assertEquals(List.of(1L, 3L, 0L), ((List<?>) map.get("matrix")).get(1));
  }
}
