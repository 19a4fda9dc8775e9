package org.sparkcnn.core.io;

/**
 * Recognises Keras' binary model files by their first bytes, so that a {@code .keras} archive or an
 * {@code .h5} file given where JSON or safetensors is expected gets "import it first" instead of a
 * parse error about its bytes.
 */
final class KerasFileKind {
  static final String IMPORT_HINT =
      "Keras files are read by scripts/import-keras --input FILE --output DIR, which writes a"
          + " model directory (DIR/model.json, DIR/weights.safetensors)";

  private KerasFileKind() {}

  /** "a .keras archive (zip)", "an HDF5 (.h5) file", or null. */
  static String of(byte[] head) {
    if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
      return "a .keras archive (zip)";
    }
    if (head.length >= 8
        && (head[0] & 0xff) == 0x89
        && head[1] == 'H'
        && head[2] == 'D'
        && head[3] == 'F'
        && head[4] == '\r'
        && head[5] == '\n'
        && head[6] == 0x1a
        && head[7] == '\n') {
      return "an HDF5 (.h5) file";
    }
    return null;
  }

  /** As {@link #of(byte[])} for text already decoded as UTF-8 (0x89 became U+FFFD). */
  static String of(String text) {
    if (text.startsWith("PK\u0003\u0004")) {
      return of(new byte[] {'P', 'K', 3, 4});
    }
    if (text.startsWith("HDF\r\n\u001a\n", 1)) {
      return "an HDF5 (.h5) file";
    }
    return null;
  }
}
