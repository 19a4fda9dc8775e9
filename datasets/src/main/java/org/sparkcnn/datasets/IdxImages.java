package org.sparkcnn.datasets;

/**
 * The content of one idx3 image file: {@code count} images of {@code rows x columns} uint8 pixels,
 * flat and row-major, shape {@code (N, H, W)} (one channel, so also {@code (N, H, W, 1)}).
 *
 * @param source the file or source name the images were read from
 * @param pixels the backing array, not a copy; do not modify
 */
public record IdxImages(String source, int count, int rows, int columns, byte[] pixels) {}
