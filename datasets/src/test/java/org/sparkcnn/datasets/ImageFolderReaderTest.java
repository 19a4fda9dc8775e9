package org.sparkcnn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderReaderTest {
  @TempDir Path root;

  private static final ImageFolderOptions GRAY_4X4 =
      ImageFolderOptions.builder().size(4, 4).channels(1).build();
  private static final ImageFolderOptions SKIP_4X4 =
      ImageFolderOptions.builder().size(4, 4).channels(1).badFilePolicy(BadFilePolicy.SKIP).build();

  private Path png(String relative, BufferedImage img) {
    return Fixtures.write(root.resolve(relative), Fixtures.png(img));
  }

  private Path text(String relative) {
    return Fixtures.write(root.resolve(relative), "not an image".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void classesAndFilesAreSortedByName() {
    png("zebra/b.png", Fixtures.grayPattern(4, 4, 1));
    png("zebra/a.png", Fixtures.grayPattern(4, 4, 2));
    png("ant/only.png", Fixtures.grayPattern(4, 4, 3));
    ImageFolderResult r = ImageFolderReader.read(root, GRAY_4X4);
    ImageDataset ds = r.dataset();
    assertEquals(List.of("ant", "zebra"), ds.classNames());
    assertArrayEquals(new int[] {0, 1, 1}, ds.labels());
    assertEquals(3, ds.size());
    assertEquals(new ImageShape(4, 4, 1), ds.shape());
    // Second image is zebra/a.png (seed 2): first pixel (2 * 40) % 256.
    assertEquals(80, ds.pixels()[16] & 0xFF);
    assertEquals(List.of(), r.skipped());
    assertEquals(root.toString(), ds.source());
  }

  @Test
  void contentNotExtensionDecidesAndEveryFormatWorks() {
    BufferedImage rgb = Fixtures.filled(4, 4, BufferedImage.TYPE_3BYTE_BGR, 0x808080);
    Fixtures.write(root.resolve("a/photo.jpg"), Fixtures.png(Fixtures.grayPattern(4, 4, 0)));
    Fixtures.write(root.resolve("a/noext"), Fixtures.encode(rgb, "bmp"));
    Fixtures.write(root.resolve("b/x.gif"), Fixtures.encode(rgb, "gif"));
    Fixtures.write(root.resolve("b/y.jpeg"), Fixtures.encode(rgb, "jpeg"));
    ImageDataset ds = ImageFolderReader.read(root, GRAY_4X4).dataset();
    assertEquals(4, ds.size());
    // a/noext (the BMP) sorts before a/photo.jpg (a PNG whose first pixel is 0).
    assertEquals(128, ds.pixels()[0] & 0xFF);
    assertEquals(0, ds.pixels()[16] & 0xFF);
  }

  @Test
  void hiddenEntriesAreIgnored() throws IOException {
    png("a/1.png", Fixtures.grayPattern(4, 4, 0));
    text("a/.DS_Store");
    text(".hidden-file");
    png(".cache/x/1.png", Fixtures.grayPattern(4, 4, 0));
    Files.createDirectories(root.resolve("a/.ipynb_checkpoints"));
    ImageFolderResult r = ImageFolderReader.read(root, GRAY_4X4);
    assertEquals(List.of("a"), r.dataset().classNames());
    assertEquals(1, r.dataset().size());
    assertEquals(List.of(), r.skipped());
  }

  @Test
  void fileAtTheTopLevelFailsOrIsReportedWhenSkipping() {
    png("a/1.png", Fixtures.grayPattern(4, 4, 0));
    Path stray = png("stray.png", Fixtures.grayPattern(4, 4, 0));
    DatasetException e =
        assertThrows(DatasetException.class, () -> ImageFolderReader.read(root, GRAY_4X4));
    assertEquals(stray.toString(), e.source());
    assertTrue(e.getMessage().startsWith("File at the top level"), e.getMessage());

    ImageFolderResult r = ImageFolderReader.read(root, SKIP_4X4);
    assertEquals(1, r.dataset().size());
    assertEquals(1, r.skipped().size());
    assertEquals(stray.toString(), r.skipped().get(0).file());
  }

  @Test
  void nestedFolderFailsOrIsReportedWhenSkipping() {
    png("a/1.png", Fixtures.grayPattern(4, 4, 0));
    png("a/deeper/2.png", Fixtures.grayPattern(4, 4, 0));
    DatasetException e =
        assertThrows(DatasetException.class, () -> ImageFolderReader.read(root, GRAY_4X4));
    assertEquals(root.resolve("a/deeper").toString(), e.source());
    assertEquals(1, ImageFolderReader.read(root, SKIP_4X4).skipped().size());
  }

  @Test
  void emptyOrMissingRootIsAnError() {
    DatasetException e =
        assertThrows(DatasetException.class, () -> ImageFolderReader.read(root, SKIP_4X4));
    assertTrue(e.getMessage().startsWith("Image folder has no class folders"), e.getMessage());
    assertEquals("an empty folder", e.received());
    e =
        assertThrows(
            DatasetException.class, () -> ImageFolderReader.read(root.resolve("absent"), GRAY_4X4));
    assertTrue(e.getMessage().startsWith("Image folder does not exist"), e.getMessage());
  }

  @Test
  void emptyClassFolderIsAnErrorEvenWhenSkipping() throws IOException {
    png("a/1.png", Fixtures.grayPattern(4, 4, 0));
    Files.createDirectories(root.resolve("b"));
    DatasetException e =
        assertThrows(DatasetException.class, () -> ImageFolderReader.read(root, SKIP_4X4));
    assertEquals("class 'b'", e.entry());
    assertTrue(e.getMessage().startsWith("Class folder is empty"), e.getMessage());
  }

  @Test
  void fileThatIsNotAnImageFailsNamingIt() {
    png("a/1.png", Fixtures.grayPattern(4, 4, 0));
    Path notes = text("a/notes.txt");
    DatasetException e =
        assertThrows(DatasetException.class, () -> ImageFolderReader.read(root, GRAY_4X4));
    assertEquals(notes.toString(), e.source());
    assertTrue(e.getMessage().startsWith("Not an image"), e.getMessage());
  }

  @Test
  void corruptPngFailsNamingIt() {
    png("a/1.png", Fixtures.grayPattern(4, 4, 0));
    byte[] good = Fixtures.png(Fixtures.grayPattern(4, 4, 1));
    Path cut = Fixtures.write(root.resolve("a/2.png"), Arrays.copyOf(good, good.length - 20));
    DatasetException e =
        assertThrows(DatasetException.class, () -> ImageFolderReader.read(root, GRAY_4X4));
    assertEquals(cut.toString(), e.source());
    assertTrue(e.getMessage().startsWith("Image cannot be decoded"), e.getMessage());
  }

  @Test
  void skipPolicyLeavesBadFilesOutAndReportsEachWithItsReason() {
    png("a/1.png", Fixtures.grayPattern(4, 4, 0));
    Path notes = text("a/2.txt");
    png("a/3.png", Fixtures.grayPattern(5, 4, 0));
    png("b/1.png", Fixtures.grayPattern(4, 4, 1));
    ImageFolderResult r = ImageFolderReader.read(root, SKIP_4X4);
    assertEquals(2, r.dataset().size());
    assertArrayEquals(new int[] {0, 1}, r.dataset().labels());
    assertEquals(2, r.skipped().size());
    assertEquals(notes.toString(), r.skipped().get(0).file());
    assertTrue(r.skipped().get(0).reason().startsWith("Not an image"));
    assertTrue(r.skipped().get(1).reason().contains("5 x 4 (H x W)"));
  }

  @Test
  void classWhoseFilesAreAllBadIsAnErrorEvenWhenSkipping() {
    png("a/1.png", Fixtures.grayPattern(4, 4, 0));
    text("b/1.txt");
    DatasetException e =
        assertThrows(DatasetException.class, () -> ImageFolderReader.read(root, SKIP_4X4));
    assertEquals("class 'b' (label 1)", e.entry());
    assertTrue(e.received().contains("Not an image"), e.received());
  }

  @Test
  void mixedSizesAreAnErrorNamingTheFirstImage() {
    Path first = png("a/1.png", Fixtures.grayPattern(4, 4, 0));
    Path odd = png("a/2.png", Fixtures.grayPattern(6, 4, 0));
    ImageFolderOptions anySize = ImageFolderOptions.builder().channels(1).build();
    DatasetException e =
        assertThrows(DatasetException.class, () -> ImageFolderReader.read(root, anySize));
    assertEquals(odd.toString(), e.source());
    assertTrue(e.getMessage().startsWith("Images have mixed sizes"), e.getMessage());
    assertEquals("4 x 4, the size of the first image '" + first + "'", e.expected());

    e = assertThrows(DatasetException.class, () -> ImageFolderReader.read(root, GRAY_4X4));
    assertTrue(e.getMessage().startsWith("Image size differs from the model input"));
  }

  @Test
  void resizeOptionAcceptsAnySize() {
    png("a/1.png", Fixtures.grayPattern(4, 4, 0));
    png("a/2.png", Fixtures.grayPattern(9, 7, 0));
    ImageFolderOptions resize =
        ImageFolderOptions.builder().size(3, 3).channels(3).resize(true).build();
    ImageDataset ds = ImageFolderReader.read(root, resize).dataset();
    assertEquals(2, ds.size());
    assertEquals(new ImageShape(3, 3, 3), ds.shape());
  }

  @Test
  void sizeFromFirstImageIgnoresABadFirstFileWhenSkipping() {
    text("a/0.txt");
    png("a/1.png", Fixtures.grayPattern(2, 3, 0));
    ImageFolderOptions anySize =
        ImageFolderOptions.builder().channels(1).badFilePolicy(BadFilePolicy.SKIP).build();
    ImageFolderResult r = ImageFolderReader.read(root, anySize);
    assertEquals(
        List.of(1, 2, 3),
        List.of(r.dataset().size(), r.dataset().shape().height(), r.dataset().shape().width()));
    assertEquals(1, r.skipped().size());
  }

  @Test
  void optionsAreValidated() {
    assertThrows(
        IllegalArgumentException.class, () -> ImageFolderOptions.builder().size(4, 4).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> ImageFolderOptions.builder().height(4).channels(1).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> ImageFolderOptions.builder().channels(1).resize(true).build());
    assertEquals(
        BadFilePolicy.FAIL, ImageFolderOptions.builder().channels(1).build().badFilePolicy());
  }
}
