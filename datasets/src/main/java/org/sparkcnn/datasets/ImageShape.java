package org.sparkcnn.datasets;

/**
 * The shape of one image, {@code (H, W, C)} channels-last: height and width in pixels, and channels
 * (1 for grayscale, 3 for RGB). {@link ImageDataset} and {@link ImageDecoder} hold one and check it
 * when they are made.
 */
public record ImageShape(int height, int width, int channels) {
  /** H * W * C, the number of bytes (or floats) per image. */
  public int imageSize() {
    return height * width * channels;
  }

  /** "(N, H, W, C)" for {@code n} images of this shape, e.g. "(60000, 28, 28, 1)". */
  String withCount(int n) {
    return "(" + n + ", " + height + ", " + width + ", " + channels + ")";
  }

  /** "(H, W, C)", e.g. "(28, 28, 1)". */
  @Override
  public String toString() {
    return "(" + height + ", " + width + ", " + channels + ")";
  }
}
