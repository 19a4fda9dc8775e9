package org.sparkcnn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
  @TempDir Path dir;

  @Test
  void findsTheStandardNamesRawOrGzipped() {
    Fixtures.write(
        dir.resolve("t10k-images-idx3-ubyte.gz"), Fixtures.gzip(Fixtures.idxImages(4, 28, 28)));
    Fixtures.write(dir.resolve("t10k-labels-idx1-ubyte"), Fixtures.idxLabels(9, 2, 1, 1));
    ImageDataset ds = FashionMnist.load(dir, Split.TEST);
    assertEquals(4, ds.size());
    assertEquals(new ImageShape(28, 28, 1), ds.shape());
    assertEquals("Ankle boot", ds.classNames().get(ds.label(0)));
    assertEquals(dir.resolve("t10k-images-idx3-ubyte.gz").toString(), ds.source());

    ImageDataset digits = Mnist.load(dir, Split.TEST);
    assertEquals("9", digits.classNames().get(digits.label(0)));
  }

  @Test
  void missingFileNamesBothCandidatesAndTheFetchScript() {
    Fixtures.write(
        dir.resolve("train-images-idx3-ubyte.gz"), Fixtures.gzip(Fixtures.idxImages(1, 28, 28)));
    DatasetException e =
        assertThrows(DatasetException.class, () -> FashionMnist.load(dir, Split.TRAIN));
    assertEquals(dir.toString(), e.source());
    assertEquals("neither train-labels-idx1-ubyte nor train-labels-idx1-ubyte.gz", e.received());
    assertTrue(e.getMessage().contains("scripts/fetch-fashion-mnist"), e.getMessage());

    e =
        assertThrows(
            DatasetException.class, () -> FashionMnist.load(dir.resolve("absent"), Split.TRAIN));
    assertTrue(e.getMessage().contains("directory does not exist"), e.getMessage());
  }

  /** Reads the real data set when it is on this machine: Debian's package or the fetch script's. */
  @Test
  void realFashionMnistHasItsKnownCountsAndBalancedClasses() {
    Path real =
        Stream.of(
                FashionMnist.DEBIAN_DIR,
                Path.of("data/fashion-mnist"),
                Path.of("../data/fashion-mnist"))
            .filter(
                p ->
                    Files.isRegularFile(p.resolve("t10k-labels-idx1-ubyte.gz"))
                        || Files.isRegularFile(p.resolve("t10k-labels-idx1-ubyte")))
            .findFirst()
            .orElse(null);
    assumeTrue(real != null, "Fashion-MNIST not present; run scripts/fetch-fashion-mnist");

    ImageDataset train = FashionMnist.load(real, Split.TRAIN);
    ImageDataset test = FashionMnist.load(real, Split.TEST);
    assertEquals(60_000, train.size());
    assertEquals(10_000, test.size());
    assertEquals(784, train.shape().imageSize());
    int[] sixThousand = new int[10];
    Arrays.fill(sixThousand, 6_000);
    assertArrayEquals(sixThousand, train.labelHistogram());
    int[] oneThousand = new int[10];
    Arrays.fill(oneThousand, 1_000);
    assertArrayEquals(oneThousand, test.labelHistogram());
    // The first image of each split is an ankle boot, as published.
    assertEquals(9, train.label(0));
    assertEquals(9, test.label(0));
    // Pixel sums of the first images, computed independently with Python's gzip module.
    assertEquals(76_247, pixelSum(train, 0));
    assertEquals(33_456, pixelSum(test, 0));
  }

  private static long pixelSum(ImageDataset ds, int image) {
    long sum = 0;
    for (int k = 0; k < ds.shape().imageSize(); k++) {
      sum += ds.pixels()[image * ds.shape().imageSize() + k] & 0xFF;
    }
    return sum;
  }
}
