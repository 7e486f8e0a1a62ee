package dev.lathe.dataset.build;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A plain text file as one record: {@code file} (its path), {@code name} (no extension), {@code
 * text}.
 */
final class TextFiles {

  private TextFiles() {}

  static SourceRecord read(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      throw new DatasetBuildException(
          file + ": not UTF-8 text; convert it (e.g. iconv -t UTF-8) and build again.", e);
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("file", file.toString());
    fields.put("name", stem(file));
    fields.put("text", text.strip());
    return new SourceRecord(file.toString(), fields);
  }

  static String stem(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }
}
