package org.sparkcnn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ImageDatasetTest {
  // (N, H, W, C) = (3, 1, 2, 2): image i holds 10*i + 0..3.
  private static final byte[] PIXELS = {0, 1, 2, 3, 10, 11, 12, (byte) 255, 20, 21, 22, 23};
  private static final ImageShape SHAPE = new ImageShape(1, 2, 2);
  private static final List<String> ABC = List.of("a", "b", "c");

  private static ImageDataset three() {
    return ImageDataset.of("test", PIXELS.clone(), new int[] {2, 0, 2}, SHAPE, ABC);
  }

  @Test
  void shapeAndAccessors() {
    ImageDataset ds = three();
    assertEquals(3, ds.size());
    assertEquals(SHAPE, ds.shape());
    assertEquals(4, ds.shape().imageSize());
    assertEquals("ImageDataset[test: (N, H, W, C) = (3, 1, 2, 2), 3 classes]", ds.toString());
    assertEquals(ABC, ds.classNames());
    assertEquals(0, ds.label(1));
    assertArrayEquals(new int[] {1, 0, 2}, ds.labelHistogram());
  }

  @Test
  void floatsAreBytesOver255ChannelsLast() {
    float[] f = three().imagesAsFloats(1, 2);
    assertArrayEquals(new float[] {10 / 255f, 11 / 255f, 12 / 255f, 1f}, f);

    float[] batch = new float[10];
    three().copyFloats(2, 3, batch, 6);
    assertEquals(0f, batch[5]);
    assertEquals(20 / 255f, batch[6]);
    assertEquals(23 / 255f, batch[9]);
    assertThrows(IndexOutOfBoundsException.class, () -> three().copyFloats(0, 3, batch, 0));
  }

  @Test
  void sliceCopiesARange() {
    ImageDataset s = three().slice(1, 3);
    assertEquals(2, s.size());
    assertArrayEquals(new int[] {0, 2}, s.labels());
    assertEquals(10, s.pixels()[0]);
    assertEquals(ABC, s.classNames());
    assertTrue(s.source().contains("slice 1..3 of test"), s.source());
    assertEquals(0, three().slice(2, 2).size());
    assertThrows(IndexOutOfBoundsException.class, () -> three().slice(2, 4));
  }

  @Test
  void pixelCountMustMatchShape() {
    DatasetException e =
        assertThrows(
            DatasetException.class,
            () -> ImageDataset.of("x", new byte[11], new int[] {0, 1, 2}, SHAPE, ABC));
    assertEquals("11 pixel bytes for 3 labels", e.received());
    assertEquals("12 bytes (N, H, W, C) = (3, 1, 2, 2)", e.expected());
  }

  @Test
  void labelsAreCheckedAgainstTheClassCount() {
    DatasetException e =
        assertThrows(
            DatasetException.class,
            () -> ImageDataset.of("x", PIXELS, new int[] {0, 3, 1}, SHAPE, ABC));
    assertEquals("label 1", e.entry());
    assertEquals("3", e.received());
    assertEquals("0..2 (3 classes: a, b, c)", e.expected());
    assertThrows(
        DatasetException.class,
        () -> ImageDataset.of("x", PIXELS, new int[] {0, -1, 1}, SHAPE, ABC));
  }

  @Test
  void classNamesMustBeDistinctAndPresent() {
    assertThrows(
        DatasetException.class,
        () -> ImageDataset.of("x", PIXELS, new int[] {0, 0, 0}, SHAPE, List.of("a", "a")));
    assertThrows(
        DatasetException.class,
        () -> ImageDataset.of("x", PIXELS, new int[] {0, 0, 0}, SHAPE, List.of()));
  }
}
