package dev.lathe.inference.json;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * A prefix tree of token byte strings, flattened into arrays: node 0 is the root (the empty
 * prefix); each other node is one byte below its parent, its children linked in increasing byte
 * order, and the tokens whose bytes end exactly there listed in {@code ids[tokenFrom..tokenTo)}.
 * Built from the tokens sorted by their bytes, nodes numbered depth-first.
 *
 * <p>{@link #walk} visits it with a {@link JsonMatcher}, one matcher step per edge, skipping the
 * whole subtree below a byte the matcher refuses, and keeps the tokens after which the document can
 * still close within a given number of bytes.
 */
final class TokenTrie {
  private final byte[] label; // (nodes) the byte leading to each node
  private final int[] firstChild; // (nodes) or -1
  private final int[] nextSibling; // (nodes) or -1
  private final int[] tokenFrom; // (nodes) into ids
  private final int[] tokenTo; // (nodes)
  private final int[] ids; // (tokens) token ids in byte order

  /** A trie of the tokens {@code members} whose {@code bytes} are not null. */
  TokenTrie(byte[][] bytes, int[] members) {
    Integer[] order =
        IntStream.of(members).filter(id -> bytes[id] != null).boxed().toArray(Integer[]::new);
    Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(bytes[a], bytes[b]));
    ids = new int[order.length];
    long total = 1;
    for (int i = 0; i < order.length; i++) {
      ids[i] = order[i];
      total += bytes[ids[i]].length;
    }
    int capacity = (int) Math.min(Integer.MAX_VALUE - 8, total);
    byte[] lab = new byte[capacity];
    int[] first = new int[capacity];
    int[] next = new int[capacity];
    int[] last = new int[capacity]; // last child so far, to append the next one
    int[] from = new int[capacity];
    int[] to = new int[capacity];
    Arrays.fill(first, -1);
    Arrays.fill(next, -1);
    Arrays.fill(last, -1);
    int nodes = 1;
    int[] path = new int[256]; // path[d]: the node at depth d along the current token
    byte[] previous = new byte[0];
    for (int k = 0; k < ids.length; k++) {
      byte[] b = bytes[ids[k]];
      if (b.length + 1 > path.length) {
        path = Arrays.copyOf(path, b.length + 1);
      }
      int shared = Arrays.mismatch(previous, b);
      if (shared < 0) {
        shared = b.length; // the same bytes as the token before
      }
      for (int d = shared; d < b.length; d++) {
        int parent = path[d];
        int node = nodes++;
        lab[node] = b[d];
        if (last[parent] < 0) {
          first[parent] = node;
        } else {
          next[last[parent]] = node;
        }
        last[parent] = node;
        path[d + 1] = node;
      }
      int end = path[b.length];
      if (from[end] == to[end]) {
        from[end] = k;
      }
      to[end] = k + 1;
      previous = b;
    }
    label = Arrays.copyOf(lab, nodes);
    firstChild = Arrays.copyOf(first, nodes);
    nextSibling = Arrays.copyOf(next, nodes);
    tokenFrom = Arrays.copyOf(from, nodes);
    tokenTo = Arrays.copyOf(to, nodes);
  }

  int nodeCount() {
    return label.length;
  }

  /**
   * Sets in {@code mask} every token whose bytes {@code matcher} accepts in full and after which
   * the document can still be completed in {@code limit} bytes or fewer. Returns the most bytes
   * still needed after any token set (-1 if none).
   */
  int walk(JsonMatcher matcher, long[] mask, int limit) {
    return walk(0, matcher, mask, limit, -1);
  }

  private int walk(int node, JsonMatcher matcher, long[] mask, int limit, int worst) {
    for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
      JsonMatcher next = matcher.advance(label[c] & 0xFF);
      if (next == null) {
        continue;
      }
      if (tokenFrom[c] < tokenTo[c]) {
        int needed = next.minBytesToComplete();
        if (needed <= limit) {
          worst = Math.max(worst, needed);
          for (int k = tokenFrom[c]; k < tokenTo[c]; k++) {
            mask[ids[k] >>> 6] |= 1L << ids[k];
          }
        }
      }
      if (firstChild[c] >= 0) {
        worst = walk(c, next, mask, limit, worst);
      }
    }
    return worst;
  }
}
