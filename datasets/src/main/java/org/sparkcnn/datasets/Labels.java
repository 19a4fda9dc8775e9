package org.sparkcnn.datasets;

import java.util.List;

/** Label checks shared by every reader, so each names the same facts in the same words. */
final class Labels {
  private Labels() {}

  /** Fails on the first label outside {@code [0, classNames.size())}, naming its index. */
  static void checkRange(String source, int[] labels, List<String> classNames) {
    int classes = classNames.size();
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw DatasetException.in(source)
            .at("label " + i)
            .problem("Label out of range")
            .received(Integer.toString(labels[i]))
            .expected(
                "0.."
                    + (classes - 1)
                    + " ("
                    + classes
                    + " classes: "
                    + abbreviate(classNames)
                    + ")")
            .hint("the labels and the class list do not belong together, or the file is corrupt.")
            .build();
      }
    }
  }

  static int[] histogram(int[] labels, int classes) {
    int[] counts = new int[classes];
    for (int label : labels) {
      counts[label]++;
    }
    return counts;
  }

  private static String abbreviate(List<String> names) {
    return names.size() <= 12
        ? String.join(", ", names)
        : String.join(", ", names.subList(0, 12)) + ", ...";
  }
}
