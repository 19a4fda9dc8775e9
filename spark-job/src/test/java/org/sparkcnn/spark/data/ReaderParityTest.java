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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.datasets.BadFilePolicy;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.datasets.GrayPng;
import org.sparkcnn.datasets.IdxReader;
import org.sparkcnn.datasets.ImageDataset;
import org.sparkcnn.datasets.ImageFolderOptions;
import org.sparkcnn.datasets.ImageFolderReader;
import org.sparkcnn.datasets.ImageFolderResult;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.TestImages;

/**
 * The local readers (datasets) and the Spark sources read the same files into the same rows and
 * fail on the same bad files with the same message, because the format lives once in datasets.
 */
class ReaderParityTest extends SparkSessionTest {
  private static final int SIZE = 5;
  private static final ModelInput INPUT = new ModelInput(SIZE, SIZE, 1, 4, 1.0 / 255);
  private static final List<String> CLASSES = List.of("a", "b", "c", "d");
  private static final TestImages IMAGES = TestImages.generate(13, SIZE, 4, 5);

  @TempDir static Path tmp;

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

  // ---- image folders ----

  private static Path folder(String name) throws IOException {
    Path root = tmp.resolve(name);
    IMAGES.writeFolder(root, "a", "b", "c", "d");
    return root;
  }

  private static ImageFolderOptions options(boolean resize, BadFilePolicy policy) {
    return ImageFolderOptions.builder()
        .size(SIZE, SIZE)
        .channels(1)
        .resize(resize)
        .badFilePolicy(policy)
        .build();
  }

  private static void mkfifo(Path p) throws Exception {
    assertEquals(0, new ProcessBuilder("mkfifo", p.toString()).start().waitFor(), "mkfifo " + p);
  }

  /** A 7 x 3 gray PNG: another size than the model's. */
  private static byte[] oddSizedPng() {
    return GrayPng.encode(new byte[7 * 3], 0, 7, 3);
  }

  @Test
  void imageFoldersGiveTheSameRowsAndSkipsLocallyAndOnSpark() throws Exception {
    Path root = folder("folder-skip");
    Files.write(root.resolve("a/notes.txt"), "not an image".getBytes());
    Files.write(root.resolve("b/empty.png"), new byte[0]);
    Files.write(root.resolve("c/odd.png"), oddSizedPng());
    Files.createSymbolicLink(root.resolve("c/self.png"), root.resolve("c/self.png"));
    Files.createSymbolicLink(root.resolve("d/loop"), root);
    mkfifo(root.resolve("d/fifo.png"));
    Files.write(root.resolve("_SUCCESS"), new byte[0]);
    Files.createDirectories(root.resolve("_temporary/x"));
    Files.write(root.resolve("a/.hidden.png"), new byte[] {1});
    for (boolean resize : new boolean[] {false, true}) {
      ImageFolderResult local = ImageFolderReader.read(root, options(resize, BadFilePolicy.SKIP));
      ImageFolderSource onSpark =
          ImageFolderSource.open(jsc, root.toString(), INPUT, resize, BadFilePolicy.SKIP);
      String what = "resize " + resize;
      assertEquals(local.dataset().classNames(), onSpark.classNames(), what);
      assertEquals(local.skipped(), onSpark.skipped(), what);
      assertEquals(resize ? 5 : 6, local.skipped().size(), what + ": " + local.skipped());
      Object[] rows = sparkRows(onSpark, 3);
      assertArrayEquals(local.dataset().pixels(), (byte[]) rows[0], what);
      assertArrayEquals(local.dataset().labels(), (int[]) rows[1], what);
      assertEquals(IMAGES.n + (resize ? 1 : 0), local.dataset().size(), what);
    }
  }

  /** The local reader's error and the Spark source's for the same folder, which must be equal. */
  private static String sameFolderError(Path root, boolean resize) {
    DatasetException local =
        assertThrows(
            DatasetException.class,
            () -> ImageFolderReader.read(root, options(resize, BadFilePolicy.FAIL)),
            root.toString());
    Throwable remote =
        assertThrows(
            Throwable.class,
            () ->
                sparkRows(
                    ImageFolderSource.open(jsc, root.toString(), INPUT, resize, BadFilePolicy.FAIL),
                    2),
            root.toString());
    DatasetException onSpark = datasetException(remote);
    assertNotNull(onSpark, root + ": no DatasetException in " + remote);
    assertEquals(local.getMessage(), onSpark.getMessage(), root.toString());
    return local.getMessage();
  }

  @Test
  void imageFolderErrorsAreTheSameLocallyAndOnSpark() throws Exception {
    Path empty = folder("empty-png");
    Files.write(empty.resolve("b/empty.png"), new byte[0]);
    assertStarts("Not an image", sameFolderError(empty, false));

    Path self = folder("self-link");
    Files.createSymbolicLink(self.resolve("c/self.png"), self.resolve("c/self.png"));
    assertStarts("Cannot read file", sameFolderError(self, false));

    Path loop = folder("loop");
    Files.createSymbolicLink(loop.resolve("d/loop"), loop);
    assertStarts("Link to a folder is not followed", sameFolderError(loop, false));

    Path fifo = folder("fifo");
    mkfifo(fifo.resolve("a/fifo.png"));
    assertStarts("Not a regular file", sameFolderError(fifo, false));

    Path odd = folder("odd");
    Files.write(odd.resolve("a/odd.png"), oddSizedPng());
    assertStarts("Image size differs from the model input", sameFolderError(odd, false));

    Path nested = folder("nested");
    Files.createDirectories(nested.resolve("b/deeper"));
    assertStarts("Folder inside a class folder", sameFolderError(nested, true));

    Path stray = folder("stray");
    Files.write(stray.resolve("stray.png"), IMAGES.png(0));
    assertStarts("File at the top level", sameFolderError(stray, true));
  }

  private static void assertStarts(String start, String message) {
    assertEquals(true, message.startsWith(start), message + " should start with " + start);
  }
}
