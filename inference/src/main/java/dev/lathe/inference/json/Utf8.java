package dev.lathe.inference.json;

/**
 * The UTF-8 well-formedness automaton (Unicode table 3-7): no overlong forms, no surrogates,
 * nothing above U+10FFFF. States: {@link #READY} between characters; 1..3 continuation bytes still
 * due (any of 80..BF); and four states whose next byte has a narrower range, after the lead bytes
 * E0, ED, F0 and F4.
 */
final class Utf8 {
  private Utf8() {}

  static final int READY = 0;
  static final int REJECT = -1;

  private static final int AFTER_E0 = 4; // A0..BF, then 1 more
  private static final int AFTER_ED = 5; // 80..9F, then 1 more
  private static final int AFTER_F0 = 6; // 90..BF, then 2 more
  private static final int AFTER_F4 = 7; // 80..8F, then 2 more

  /** The state after byte {@code b} (0..255) in {@code state}, or {@link #REJECT}. */
  static int next(int state, int b) {
    return switch (state) {
      case READY -> lead(b);
      case 1, 2, 3 -> b >= 0x80 && b <= 0xBF ? state - 1 : REJECT;
      case AFTER_E0 -> b >= 0xA0 && b <= 0xBF ? 1 : REJECT;
      case AFTER_ED -> b >= 0x80 && b <= 0x9F ? 1 : REJECT;
      case AFTER_F0 -> b >= 0x90 && b <= 0xBF ? 2 : REJECT;
      case AFTER_F4 -> b >= 0x80 && b <= 0x8F ? 2 : REJECT;
      default -> REJECT;
    };
  }

  /** Bytes still due to finish the character under way in {@code state}. */
  static int pending(int state) {
    return switch (state) {
      case READY -> 0;
      case 1, 2, 3 -> state;
      case AFTER_E0, AFTER_ED -> 2;
      default -> 3; // AFTER_F0, AFTER_F4
    };
  }

  private static int lead(int b) {
    if (b < 0x80) {
      return READY;
    }
    if (b >= 0xC2 && b <= 0xDF) {
      return 1;
    }
    if (b == 0xE0) {
      return AFTER_E0;
    }
    if (b == 0xED) {
      return AFTER_ED;
    }
    if (b >= 0xE1 && b <= 0xEF) {
      return 2;
    }
    if (b == 0xF0) {
      return AFTER_F0;
    }
    if (b >= 0xF1 && b <= 0xF3) {
      return 3;
    }
    if (b == 0xF4) {
      return AFTER_F4;
    }
    return REJECT; // 80..C1 (continuation or overlong lead), F5..FF
  }
}
