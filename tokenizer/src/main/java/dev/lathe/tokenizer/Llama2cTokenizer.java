package dev.lathe.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer of Karpathy's llama2.c ({@code tokenizer.bin} / {@code tok512.bin}): a list of
 * pieces with merge scores. Encoding splits text into UTF-8 characters (unknown ones fall back to
 * {@code <0xNN>} byte tokens at id {@code 3 + byte}), prepends the dummy-prefix space, then
 * repeatedly merges the adjacent pair whose joined piece has the highest score. Ids 1 and 2 are BOS
 * and EOS.
 *
 * <p>The same algorithm is SentencePiece's BPE with byte fallback, so a GGUF file's {@code llama}
 * vocabulary (tokens with {@code ▁} for a space, scores, token types, BOS/EOS ids) becomes this
 * tokenizer through {@link #sentencePiece}.
 *
 * <p>File format, little-endian: int32 max_token_length, then per token float32 score, int32 length
 * and that many bytes.
 */
public final class Llama2cTokenizer implements TextTokenizer {

  /** Id of the beginning-of-sequence token. */
  public static final int BOS = 1;

  /** Id of the end-of-sequence token. */
  public static final int EOS = 2;

  private static final int BYTE_OFFSET = 3;

  /** SentencePiece's token type of a control token (BOS, EOS, chat markers): decodes to nothing. */
  private static final int CONTROL = 3;

  private final byte[][] pieces;
  private final float[] scores;
  private final boolean[] control; // decoded as nothing
  private final int bos;
  private final int eos;
  private final int unk; // a character with neither a piece nor byte tokens becomes this, if set
  private final int[] byteIds = new int[256]; // byte -> id of its <0xNN> piece
  private final Map<String, Integer> ids; // piece as ISO-8859-1 string -> id

  private Llama2cTokenizer(
      byte[][] pieces, float[] scores, boolean[] control, int bos, int eos, int unk) {
    this.unk = unk;
    this.pieces = pieces;
    this.scores = scores;
    this.control = control;
    this.bos = bos;
    this.eos = eos;
    this.ids = new HashMap<>();
    for (int b = 0; b < 256; b++) {
      byteIds[b] = BYTE_OFFSET + b; // llama2.c's fixed layout, unless the pieces say otherwise
    }
    for (int i = 0; i < pieces.length; i++) {
      ids.putIfAbsent(key(pieces[i]), i);
    }
    boolean[] found = new boolean[256];
    for (int i = pieces.length - 1; i >= 0; i--) {
      int b = byteValue(pieces[i]);
      if (b >= 0) {
        byteIds[b] = i;
        found[b] = true;
      }
    }
    for (int b = 0; b < 256; b++) {
      if (unk >= 0 && !found[b]) {
        byteIds[b] = -1; // no byte token: such characters become unk
      }
    }
  }

  /**
   * A SentencePiece BPE vocabulary as GGUF stores it ({@code tokenizer.ggml.tokens}, {@code
   * .scores}, {@code .token_type}): {@code ▁} in a token stands for a space; control tokens (type
   * 3) and BOS/EOS decode to nothing; a text byte without a piece becomes its {@code <0xNN>} token.
   * A vocabulary without all 256 byte tokens needs an unknown token {@code unk}: a character
   * without a piece then becomes {@code unk} (as Hugging Face's BPE does when byte fallback finds
   * no byte tokens).
   *
   * @throws IllegalArgumentException when the arrays disagree in length, BOS/EOS/unk are outside
   *     the vocabulary, or a byte has no {@code <0xNN>} token and there is no {@code unk}
   */
  public static Llama2cTokenizer sentencePiece(
      List<String> tokens, float[] scores, int[] types, int bos, int eos, int unk) {
    int n = tokens.size();
    if (scores.length != n || types.length != n) {
      throw new IllegalArgumentException(
          n + " tokens but " + scores.length + " scores and " + types.length + " token types");
    }
    if (bos < 0 || bos >= n || eos < 0 || eos >= n || unk >= n) {
      throw new IllegalArgumentException(
          "BOS "
              + bos
              + ", EOS "
              + eos
              + " or unknown token "
              + unk
              + " is outside the vocabulary of "
              + n
              + " tokens");
    }
    byte[][] pieces = new byte[n][];
    boolean[] control = new boolean[n];
    boolean[] bytes = new boolean[256];
    for (int i = 0; i < n; i++) {
      pieces[i] = tokens.get(i).replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
      control[i] = types[i] == CONTROL || i == bos || i == eos;
      int b = byteValue(pieces[i]);
      if (b >= 0) {
        bytes[b] = true;
      }
    }
    for (int b = 0; b < 256; b++) {
      if (!bytes[b] && unk < 0) {
        throw new IllegalArgumentException(
            String.format(
                "the vocabulary has no byte token <0x%02X> and no unknown token: not a"
                    + " byte-fallback SentencePiece model",
                b));
      }
    }
    return new Llama2cTokenizer(pieces, scores.clone(), control, bos, eos, unk);
  }

  /** Id of the beginning-of-sequence token. */
  public int bosId() {
    return bos;
  }

  /** Id of the end-of-sequence token. */
  public int eosId() {
    return eos;
  }

  /** The text of token {@code id} as stored (a space for SentencePiece's {@code ▁}). */
  public String piece(int id) {
    return new String(pieces[id], StandardCharsets.UTF_8);
  }

  /** Reads a llama2.c tokenizer file. */
  public static Llama2cTokenizer load(Path file) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    if (in.remaining() < 4) {
      throw new IOException(file + ": too short for a llama2.c tokenizer");
    }
    int maxLen = in.getInt();
    List<byte[]> pieces = new ArrayList<>();
    List<Float> scores = new ArrayList<>();
    while (in.hasRemaining()) {
      if (in.remaining() < 8) {
        throw new IOException(
            file + ": truncated entry for token " + pieces.size() + " at byte " + in.position());
      }
      float score = in.getFloat();
      int len = in.getInt();
      if (len < 0 || len > maxLen || len > in.remaining()) {
        throw new IOException(
            file
                + ": token "
                + pieces.size()
                + " claims "
                + len
                + " bytes (max_token_length "
                + maxLen
                + ", "
                + in.remaining()
                + " left): not a llama2.c tokenizer file");
      }
      byte[] piece = new byte[len];
      in.get(piece);
      pieces.add(piece);
      scores.add(score);
    }
    if (pieces.size() < BYTE_OFFSET + 256) {
      throw new IOException(
          file + ": " + pieces.size() + " tokens, too few for the 3 specials and 256 byte tokens");
    }
    float[] s = new float[scores.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = scores.get(i);
    }
    boolean[] control = new boolean[s.length];
    control[BOS] = true;
    control[EOS] = true;
    return new Llama2cTokenizer(pieces.toArray(new byte[0][]), s, control, BOS, EOS, -1);
  }

  @Override
  public int vocabularySize() {
    return pieces.length;
  }

  /** Plain text to ids, without BOS or EOS. */
  @Override
  public int[] encode(String text) {
    return encode(text, false, false);
  }

  /** Text to ids, optionally framed with BOS and EOS, exactly as llama2.c's {@code encode}. */
  public int[] encode(String text, boolean bos, boolean eos) {
    List<Integer> tokens = new ArrayList<>();
    if (bos) {
      tokens.add(this.bos);
    }
    if (!text.isEmpty()) {
      Integer space = ids.get(" ");
      tokens.add(space != null ? space : BYTE_OFFSET + ' ');
    }
    text.codePoints()
        .forEach(
            cp -> {
              byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
              Integer id = ids.get(key(utf8));
              boolean bytes = true;
              for (byte b : utf8) {
                bytes &= byteIds[b & 0xff] >= 0;
              }
              if (id != null) {
                tokens.add(id);
              } else if (!bytes) {
                tokens.add(unk);
              } else {
                for (byte b : utf8) {
                  tokens.add(byteIds[b & 0xff]);
                }
              }
            });
    int start = bos ? 1 : 0;
    while (true) {
      float best = Float.NEGATIVE_INFINITY;
      int bestId = -1;
      int bestAt = -1;
      for (int i = start; i + 1 < tokens.size(); i++) {
        Integer merged = ids.get(key(pieces[tokens.get(i)], pieces[tokens.get(i + 1)]));
        if (merged != null && scores[merged] > best) {
          best = scores[merged];
          bestId = merged;
          bestAt = i;
        }
      }
      if (bestAt < 0) {
        break;
      }
      tokens.set(bestAt, bestId);
      tokens.remove(bestAt + 1);
    }
    if (eos) {
      tokens.add(this.eos);
    }
    return tokens.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * Ids to text as llama2.c prints them: BOS, EOS and control tokens produce nothing, a piece right
   * after BOS loses its leading space, and {@code <0xNN>} pieces are raw bytes.
   */
  @Override
  public String decode(int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int prev = -1;
    for (int id : ids) {
      if (id < 0 || id >= pieces.length) {
        throw new IllegalArgumentException(
            "token id " + id + " is outside the vocabulary [0, " + pieces.length + ")");
      }
      if (!control[id]) {
        byte[] piece = pieces[id];
        int from = prev == bos && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
        int b = byteValue(piece);
        if (b >= 0) {
          out.write(b);
        } else {
          out.write(piece, from, piece.length - from);
        }
      }
      prev = id;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The byte a {@code <0xNN>} piece stands for, or -1. */
  private static int byteValue(byte[] piece) {
    if (piece.length == 6
        && piece[0] == '<'
        && piece[1] == '0'
        && piece[2] == 'x'
        && piece[5] == '>') {
      int hi = Character.digit(piece[3], 16);
      int lo = Character.digit(piece[4], 16);
      if (hi >= 0 && lo >= 0) {
        return hi * 16 + lo;
      }
    }
    return -1;
  }

  private static String key(byte[] piece) {
    return new String(piece, StandardCharsets.ISO_8859_1);
  }

  private static String key(byte[] a, byte[] b) {
    return key(a) + key(b);
  }
}
