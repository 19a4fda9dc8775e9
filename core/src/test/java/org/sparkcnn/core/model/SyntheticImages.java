package org.sparkcnn.core.model;

import java.util.Random;
import org.sparkcnn.core.tensor.Tensor;

/**
 * A small synthetic image task: 12x12 grayscale images of one of four shapes (horizontal bar,
 * vertical bar, diagonal, square) at a random position, with noise. Chance is 25%.
 */
final class SyntheticImages {
  static final int SIZE = 12;
  static final int CLASSES = 4;

  final Tensor x;
  final Tensor y;

  SyntheticImages(int n, long seed) {
    Random r = new Random(seed);
    float[] pixels = new float[n * SIZE * SIZE];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int label = r.nextInt(CLASSES);
      labels[i] = label;
      int o = i * SIZE * SIZE;
      for (int p = 0; p < SIZE * SIZE; p++) {
        pixels[o + p] = (float) (r.nextDouble() * 0.3);
      }
      int row = 2 + r.nextInt(SIZE - 6);
      int col = 2 + r.nextInt(SIZE - 6);
      for (int k = 0; k < 4; k++) {
        switch (label) {
          case 0 -> pixels[o + row * SIZE + col + k] = 1;
          case 1 -> pixels[o + (row + k) * SIZE + col] = 1;
          case 2 -> pixels[o + (row + k) * SIZE + col + k] = 1;
          default -> {
            pixels[o + row * SIZE + col + (k % 2)] = 1;
            pixels[o + (row + 1) * SIZE + col + (k % 2)] = 1;
          }
        }
      }
    }
    x = new Tensor(pixels, n, SIZE, SIZE, 1);
    y = Tensor.labels(labels);
  }
}
