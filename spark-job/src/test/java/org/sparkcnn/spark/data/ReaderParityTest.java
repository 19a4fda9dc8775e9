package org.sparkcnn.spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.datasets.IdxReader;
import org.sparkcnn.datasets.ImageDataset;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.testing.LocalSpark;
import org.sparkcnn.spark.testing.TestImages;

/**
 * The local readers (datasets) and the Spark sources read the same files into the same rows and
 * fail on the same bad files with the same message, because the format lives once in datasets.
 */
class ReaderParityTest {
  private static final int SIZE = 5;
  private static final ModelInput INPUT = new ModelInput(SIZE, SIZE, 1, 4, 1.0 / 255);
  private static final List<String> CLASSES = List.of("a", "b", "c", "d");
  private static final TestImages IMAGES = TestImages.generate(13, SIZE, 4, 5);
  private static SparkSession spark;
  private static JavaSparkContext jsc;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() {
    spark = LocalSpark.start("reader-parity");
    jsc = LocalSpark.context(spark);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** Every row of a Spark source, in row-id order, as one dataset-like pair of arrays. */
  private static Object[] sparkRows(ImageSource source, int partitions) {
    List<ImageBlock> blocks =
        Blocks.cached(source, 0, source.count(), partitions, "parity").collect();
    int n = (int) source.count();
    byte[] pixels = new byte[n * SIZE * SIZE];
    int[] labels = new int[n];
    for (ImageBlock b : blocks) {
      for (int i = 0; i < b.size(); i++) {
        int id = (int) b.ids[i];
        labels[id] = b.labels[i];
        System.arraycopy(b.pixels, i * SIZE * SIZE, pixels, id * SIZE * SIZE, SIZE * SIZE);
      }
    }
    return new Object[] {pixels, labels};
  }

  @Test
  void idxGivesTheSameRowsLocallyAndOnSpark() throws IOException {
    for (boolean gzip : new boolean[] {false, true}) {
      Path prefix = tmp.resolve("good-" + gzip + "/train");
      IMAGES.writeIdx(prefix, gzip);
      String gz = gzip ? ".gz" : "";
      ImageDataset local =
          IdxReader.load(
              Path.of(prefix + "-images-idx3-ubyte" + gz),
              Path.of(prefix + "-labels-idx1-ubyte" + gz),
              CLASSES);
      Object[] onSpark = sparkRows(IdxSource.open(jsc, prefix.toString(), INPUT, null), 3);
      assertArrayEquals(local.pixels(), (byte[]) onSpark[0], "pixels, gzip " + gzip);
      assertArrayEquals(local.labels(), (int[]) onSpark[1], "labels, gzip " + gzip);
      assertArrayEquals(IMAGES.pixels, local.pixels(), "the pixels written");
    }
  }

  /** idx3 images of IMAGES with its header's fields and the data changed as given. */
  private static byte[] idx(int magic, int count, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(16 + data.length);
    b.putInt(magic).putInt(count).putInt(SIZE).putInt(SIZE).put(data);
    return b.array();
  }

  private static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    }
    return out.toByteArray();
  }

  /**
   * Writes {@code images} as the images file beside good labels, and returns the local reader's
   * error and the Spark source's (driver or task), which must be equal.
   */
  private static void sameError(String name, byte[] images, String expectedStart)
      throws IOException {
    Path prefix = tmp.resolve("bad-" + name + "/train");
    IMAGES.writeIdx(prefix, false);
    Path imagesFile = Path.of(prefix + "-images-idx3-ubyte");
    Files.write(imagesFile, images);
    Path labelsFile = Path.of(prefix + "-labels-idx1-ubyte");
    DatasetException local =
        assertThrows(
            DatasetException.class, () -> IdxReader.load(imagesFile, labelsFile, CLASSES), name);
    Throwable remote =
        assertThrows(
            Throwable.class,
            () -> sparkRows(IdxSource.open(jsc, prefix.toString(), INPUT, null), 2),
            name);
    DatasetException onSpark = datasetException(remote);
    assertNotNull(onSpark, name + ": no DatasetException in " + remote);
    assertEquals(local.getMessage(), onSpark.getMessage(), name);
    assertEquals(
        true,
        local.getMessage().startsWith(expectedStart),
        name + ": " + local.getMessage() + " should start with " + expectedStart);
  }

  private static DatasetException datasetException(Throwable t) {
    for (; t != null; t = t.getCause()) {
      if (t instanceof DatasetException d) {
        return d;
      }
    }
    return null;
  }

  @Test
  void idxErrorsAreTheSameLocallyAndOnSpark() throws IOException {
    byte[] data = IMAGES.pixels;
    int n = IMAGES.n;
    byte[] longer = Arrays.copyOf(data, data.length + 3);
    byte[] shorter = Arrays.copyOf(data, data.length - 7);
    sameError("trailing-raw", idx(0x803, n, longer), "IDX file has trailing bytes");
    sameError("trailing-gzip", gzip(idx(0x803, n, longer)), "IDX file has trailing bytes");
    sameError("truncated-raw", idx(0x803, n, shorter), "IDX file is truncated");
    sameError("truncated-gzip", gzip(idx(0x803, n, shorter)), "IDX file is truncated");
    sameError("float-type", idx(0xD03, n, data), "IDX data type is not supported");
    sameError("labels-as-images", idx(0x801, n, data), "IDX file has the wrong number");
    sameError("not-idx", "GIF89a-not-an-idx-file".getBytes(), "Not an IDX file");
  }
}
