package dev.lathe.cli;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a multipart/form-data body (RFC 7578) into its parts, for {@link ReferenceOpenAiServer}.
 */
final class Multipart {
  private Multipart() {}

  /** Each part's bytes by field name into {@code parts}, and its filename into {@code names}. */
  static void parse(
      byte[] body, String boundary, Map<String, byte[]> parts, Map<String, String> names) {
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    int at = indexOf(body, delimiter, 0);
    while (at >= 0) {
      int start = at + delimiter.length;
      if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
        return; // the closing delimiter
      }
      start += 2; // CRLF after the delimiter
      int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
      int next = indexOf(body, delimiter, headersEnd);
      if (headersEnd < 0 || next < 0) {
        return;
      }
      String headers = new String(body, start, headersEnd - start, StandardCharsets.UTF_8);
      byte[] content = Arrays.copyOfRange(body, headersEnd + 4, next - 2); // minus CRLF
      Matcher name = Pattern.compile("(?<![a-z])name=\"([^\"]*)\"").matcher(headers);
      if (name.find()) {
        parts.put(name.group(1), content);
        Matcher file = Pattern.compile("filename=\"([^\"]*)\"").matcher(headers);
        if (file.find()) {
          names.put(name.group(1), file.group(1));
        }
      }
      at = next;
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
