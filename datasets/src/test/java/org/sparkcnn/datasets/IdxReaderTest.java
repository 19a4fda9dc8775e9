package org.sparkcnn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir Path dir;

  private static final List<String> TEN = Mnist.CLASS_NAMES;

  @Test
  void readsRawImages() {
    Path f = Fixtures.write(dir.resolve("images.idx"), Fixtures.idxImages(3, 2, 4));
    IdxImages images = IdxReader.readImages(f);
    assertEquals(3, images.count());
    assertEquals(2, images.rows());
    assertEquals(4, images.columns());
    assertEquals(f.toString(), images.source());
    for (int i = 0; i < 3; i++) {
      for (int k = 0; k < 8; k++) {
        assertEquals(Fixtures.pixel(i, k), images.pixels()[i * 8 + k] & 0xFF);
      }
    }
  }

  @Test
  void detectsGzipByContentNotByName() {
    byte[] raw = Fixtures.idxImages(2, 3, 3);
    Path gzNamedRaw = Fixtures.write(dir.resolve("images.idx"), Fixtures.gzip(raw));
    Path rawNamedGz = Fixtures.write(dir.resolve("images.gz"), raw);
    assertArrayEquals(raw, withHeader(IdxReader.readImages(gzNamedRaw)));
    assertArrayEquals(raw, withHeader(IdxReader.readImages(rawNamedGz)));
    Path labels = Fixtures.write(dir.resolve("labels"), Fixtures.gzip(Fixtures.idxLabels(0, 255)));
    assertArrayEquals(new int[] {0, 255}, IdxReader.readLabels(labels));
  }

  private static byte[] withHeader(IdxImages images) {
    byte[] header =
        Fixtures.header(IdxReader.IMAGES_MAGIC, images.count(), images.rows(), images.columns());
    return Fixtures.concat(header, images.pixels());
  }

  @Test
  void loadGivesChannelsLastDatasetWithFloatsInUnitRange() {
    Path images = Fixtures.write(dir.resolve("i"), Fixtures.gzip(Fixtures.idxImages(3, 2, 2)));
    Path labels = Fixtures.write(dir.resolve("l"), Fixtures.idxLabels(7, 0, 9));
    ImageDataset ds = IdxReader.load(images, labels, TEN);
    assertEquals(3, ds.size());
    assertEquals(new ImageShape(2, 2, 1), ds.shape());
    assertArrayEquals(new int[] {7, 0, 9}, ds.labels());
    float[] f = ds.imagesAsFloats(1, 3);
    assertEquals(8, f.length);
    for (int k = 0; k < 8; k++) {
      int image = 1 + k / 4;
      assertEquals(Fixtures.pixel(image, k % 4) / 255f, f[k], 0f);
    }
  }

  @Test
  void readsFromStreamsAndNamesTheSourceInErrors() {
    byte[] images = Fixtures.gzip(Fixtures.idxImages(2, 2, 2));
    byte[] labels = Fixtures.idxLabels(1, 2);
    ImageDataset ds =
        IdxReader.load(
            new ByteArrayInputStream(images),
            "hdfs://nn/images.gz",
            new ByteArrayInputStream(labels),
            "hdfs://nn/labels",
            TEN);
    assertEquals(2, ds.size());
    assertEquals("hdfs://nn/images.gz", ds.source());

    DatasetException e =
        assertThrows(
            DatasetException.class,
            () ->
                IdxReader.readImages(
                    new ByteArrayInputStream(Arrays.copyOf(Fixtures.idxImages(2, 2, 2), 20)),
                    "hdfs://nn/x"));
    assertEquals("hdfs://nn/x", e.source());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void wrongMagicNamesFileFoundAndExpected() {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    Path f = Fixtures.write(dir.resolve("picture.png"), png);
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readImages(f));
    assertEquals(f.toString(), e.source());
    assertEquals("0x89504E47", e.received());
    assertTrue(e.expected().startsWith("0x00000803"), e.expected());
    assertTrue(e.getMessage().contains("magic number is wrong"), e.getMessage());
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
  }

  @Test
  void labelFileReadAsImagesHintsThatTheyAreSwapped() {
    Path f = Fixtures.write(dir.resolve("labels"), Fixtures.idxLabels(1, 2, 3));
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readImages(f));
    assertTrue(e.getMessage().contains("wrong number of dimensions"), e.getMessage());
    assertTrue(e.getMessage().contains("swapped"), e.getMessage());
    assertEquals("header byte 3 (dimension count)", e.entry());
  }

  @Test
  void unsupportedDataTypeIsNamed() {
    Path f = Fixtures.write(dir.resolve("floats"), Fixtures.header(0x00000D03, 1, 1, 1));
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readImages(f));
    assertEquals("0x0D (float)", e.received());
    assertEquals("0x08 (unsigned byte)", e.expected());
  }

  @Test
  void truncatedRawFileNamesTheFirstIncompleteImage() {
    byte[] full = Fixtures.idxImages(3, 2, 2);
    Path f = Fixtures.write(dir.resolve("cut"), Arrays.copyOf(full, full.length - 3));
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readImages(f));
    assertTrue(e.getMessage().startsWith("IDX file is truncated"), e.getMessage());
    assertEquals("image 2 (the first incomplete one)", e.entry());
    assertTrue(e.received().startsWith("9 data bytes"), e.received());
    assertTrue(e.expected().contains("12 bytes"), e.expected());
  }

  @Test
  void truncatedGzipPayloadIsReported() {
    byte[] full = Fixtures.idxImages(3, 2, 2);
    Path f = Fixtures.write(dir.resolve("cut.gz"), Fixtures.gzip(Arrays.copyOf(full, 20)));
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readImages(f));
    assertTrue(e.getMessage().startsWith("IDX file is truncated"), e.getMessage());
    assertTrue(e.received().contains("after decompression"), e.received());
  }

  @Test
  void truncatedGzipStreamIsReported() {
    byte[] gz = Fixtures.gzip(Fixtures.idxImages(50, 10, 10));
    Path f = Fixtures.write(dir.resolve("half.gz"), Arrays.copyOf(gz, gz.length / 2));
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readImages(f));
    assertTrue(e.getMessage().contains("gzip"), e.getMessage());
    assertEquals(f.toString(), e.source());
  }

  @Test
  void corruptGzipIsReported() {
    byte[] gz = Fixtures.gzip(Fixtures.idxImages(5, 4, 4));
    for (int i = 12; i < gz.length - 8; i++) {
      gz[i] = (byte) 0xFF;
    }
    Path f = Fixtures.write(dir.resolve("corrupt.gz"), gz);
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readImages(f));
    assertTrue(e.getMessage().contains("gzip") || e.getMessage().contains("IDX"), e.getMessage());
    assertEquals(f.toString(), e.source());
  }

  @Test
  void trailingBytesAreAnError() {
    byte[] extra = Fixtures.concat(Fixtures.idxLabels(1, 2), new byte[] {0, 0, 0});
    Path raw = Fixtures.write(dir.resolve("labels"), extra);
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readLabels(raw));
    assertTrue(e.getMessage().startsWith("IDX file has trailing bytes"), e.getMessage());
    assertEquals("3 extra bytes", e.received());

    Path gz = Fixtures.write(dir.resolve("labels.gz"), Fixtures.gzip(extra));
    e = assertThrows(DatasetException.class, () -> IdxReader.readLabels(gz));
    assertEquals("3 extra bytes after decompression", e.received());
  }

  @Test
  void fileEndingInsideTheHeaderIsReported() {
    Path empty = Fixtures.write(dir.resolve("empty"), new byte[0]);
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readImages(empty));
    assertTrue(e.getMessage().contains("ends inside its header"), e.getMessage());
    Path six = Fixtures.write(dir.resolve("six"), Arrays.copyOf(Fixtures.idxImages(1, 1, 1), 6));
    e = assertThrows(DatasetException.class, () -> IdxReader.readImages(six));
    assertEquals("header bytes 4-7 (image count)", e.entry());
  }

  @Test
  void hugeDeclaredSizeFailsBeforeAllocating() {
    // 2,000,000 x 28 x 28 = 1.57 GB declared, a few bytes present.
    byte[] header = Fixtures.header(IdxReader.IMAGES_MAGIC, 2_000_000, 28, 28);
    Path raw = Fixtures.write(dir.resolve("raw"), Fixtures.concat(header, new byte[10]));
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readImages(raw));
    assertTrue(e.getMessage().startsWith("IDX file is truncated"), e.getMessage());

    Path gz = Fixtures.write(dir.resolve("gz"), Fixtures.gzip(header));
    e = assertThrows(DatasetException.class, () -> IdxReader.readImages(gz));
    assertTrue(e.getMessage().contains("more data than the gzip file can hold"), e.getMessage());

    e =
        assertThrows(
            DatasetException.class,
            () -> IdxReader.readImages(new ByteArrayInputStream(Fixtures.gzip(header)), "stream"));
    assertTrue(e.getMessage().startsWith("IDX file is truncated"), e.getMessage());

    byte[] tooBig = Fixtures.header(IdxReader.IMAGES_MAGIC, 100_000_000, 28, 28);
    Path big = Fixtures.write(dir.resolve("big"), tooBig);
    e = assertThrows(DatasetException.class, () -> IdxReader.readImages(big));
    assertTrue(e.getMessage().contains("too large for one Java array"), e.getMessage());
  }

  @Test
  void zeroOrNegativeDimensionsAreRefused() {
    Path zero = Fixtures.write(dir.resolve("zero"), Fixtures.header(IdxReader.LABELS_MAGIC, 0));
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readLabels(zero));
    assertEquals("0", e.received());
    Path neg =
        Fixtures.write(dir.resolve("neg"), Fixtures.header(IdxReader.IMAGES_MAGIC, 1, -1, 2));
    e = assertThrows(DatasetException.class, () -> IdxReader.readImages(neg));
    assertEquals("header bytes 8-11 (rows)", e.entry());
    assertEquals("4294967295", e.received());
  }

  @Test
  void imageAndLabelCountsMustAgree() {
    Path images = Fixtures.write(dir.resolve("images"), Fixtures.idxImages(3, 2, 2));
    Path labels = Fixtures.write(dir.resolve("labels"), Fixtures.idxLabels(1, 2));
    DatasetException e =
        assertThrows(DatasetException.class, () -> IdxReader.load(images, labels, TEN));
    assertTrue(e.getMessage().contains("counts differ"), e.getMessage());
    assertTrue(e.getMessage().contains(images.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(labels.toString()), e.getMessage());
    assertTrue(e.received().startsWith("3 images, but 2 labels"), e.received());
  }

  @Test
  void labelOutOfRangeNamesLabelsFileAndIndex() {
    Path images = Fixtures.write(dir.resolve("images"), Fixtures.idxImages(3, 2, 2));
    Path labels = Fixtures.write(dir.resolve("labels"), Fixtures.idxLabels(1, 10, 2));
    DatasetException e =
        assertThrows(DatasetException.class, () -> IdxReader.load(images, labels, TEN));
    assertEquals(labels.toString(), e.source());
    assertEquals("label 1", e.entry());
    assertEquals("10", e.received());
    assertTrue(e.expected().startsWith("0..9 (10 classes"), e.expected());
  }

  @Test
  void missingFileIsADatasetException() {
    Path nothing = dir.resolve("nothing");
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readLabels(nothing));
    assertTrue(e.getMessage().startsWith("Cannot read file"), e.getMessage());
    assertEquals("nothing at that path", e.received());
  }

  @Test
  void devicesAndFifosAreRefusedWithoutReading() throws Exception {
    Path zero = dir.resolve("train-images-idx3-ubyte");
    Files.createSymbolicLink(zero, Path.of("/dev/zero"));
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readImages(zero));
    assertTrue(e.getMessage().startsWith("Not a regular file"), e.getMessage());
    assertEquals("a device, FIFO or socket", e.received());
    Path fifo = dir.resolve("train-labels-idx1-ubyte");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(20),
            () -> assertThrows(DatasetException.class, () -> IdxReader.readLabels(fifo)));
    assertTrue(e.getMessage().startsWith("Not a regular file"), e.getMessage());
  }
}
