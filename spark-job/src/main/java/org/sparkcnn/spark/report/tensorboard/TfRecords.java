package org.sparkcnn.spark.report.tensorboard;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.sparkcnn.core.errors.ErrorText;

/**
 * TFRecord framing, the container of TensorBoard event files: per record
 *
 * <pre>
 *   uint64 length            little-endian
 *   uint32 masked_crc32c(length bytes)
 *   byte   data[length]
 *   uint32 masked_crc32c(data)
 * </pre>
 *
 * where masked_crc(x) = ((crc &gt;&gt;&gt; 15) | (crc &lt;&lt; 17)) + 0xa282ead8 over CRC-32C
 * (Castagnoli), as TensorFlow's record_writer does.
 */
public final class TfRecords {
  private static final int MASK_DELTA = 0xa282ead8;

  private TfRecords() {}

  public static int maskedCrc(byte[] b, int off, int len) {
    CRC32C crc = new CRC32C();
    crc.update(b, off, len);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + MASK_DELTA;
  }

  /** One framed record holding {@code data}. */
  public static byte[] frame(byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(data.length + 16).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(data.length);
    b.putInt(maskedCrc(b.array(), 0, 8));
    b.put(data);
    b.putInt(maskedCrc(data, 0, data.length));
    return b.array();
  }

  public static void write(OutputStream out, byte[] data) throws IOException {
    out.write(frame(data));
  }

  /**
   * The next record's data, or null at a clean end of the stream; a damaged record (either CRC
   * wrong, or a stream cut inside a record) is an IOException naming what is wrong.
   */
  public static byte[] read(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    byte[] header = new byte[12];
    int n = d.readNBytes(header, 0, 12);
    if (n == 0) {
      return null;
    }
    if (n < 12) {
      throw new EOFException(
          ErrorText.problem("TFRecord header cut short")
              .received(n + " bytes")
              .expected("12")
              .text());
    }
    ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
    long length = h.getLong();
    int lengthCrc = h.getInt();
    if (lengthCrc != maskedCrc(header, 0, 8)) {
      throw new IOException(
          ErrorText.problem("TFRecord length CRC mismatch")
              .received(Integer.toHexString(lengthCrc))
              .expected(Integer.toHexString(maskedCrc(header, 0, 8)))
              .hint("the file is damaged")
              .text());
    }
    if (length < 0 || length > Integer.MAX_VALUE - 8) {
      throw new IOException(
          ErrorText.problem("TFRecord length out of range")
              .received(length)
              .expected("0.." + (Integer.MAX_VALUE - 8))
              .text());
    }
    byte[] data = new byte[(int) length];
    d.readFully(data);
    int dataCrc = Integer.reverseBytes(d.readInt());
    if (dataCrc != maskedCrc(data, 0, data.length)) {
      throw new IOException(
          ErrorText.problem("TFRecord data CRC mismatch")
              .received(Integer.toHexString(dataCrc))
              .expected(Integer.toHexString(maskedCrc(data, 0, data.length)))
              .hint("the file is damaged")
              .text());
    }
    return data;
  }
}
