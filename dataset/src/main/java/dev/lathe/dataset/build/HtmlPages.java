package dev.lathe.dataset.build;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.Elements;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;
import org.jsoup.select.Selector;

/**
 * An HTML page as one record, parsed with jsoup (an HTML5 parser, so broken markup reads as a
 * browser would read it). Fields:
 *
 * <ul>
 *   <li>{@code file}, {@code name} (file name without extension), {@code title} (the document's
 *       {@code <title>});
 *   <li>{@code text}: the page's main text, one line per block (paragraph, heading, list item),
 *       from {@code <main>} (or {@code role=main}), else the first {@code <article>}, else the
 *       body, after removing what is not content: scripts, styles, navigation, headers, footers,
 *       asides, forms, iframes, and elements hidden or marked as banners or navigation;
 *   <li>one field per selector ({@code address=.address}): the text of the matching elements, one
 *       line each, taken from the whole page before boilerplate is removed. A selector that matches
 *       nothing leaves its field undefined, so a template using it names the page.
 * </ul>
 */
final class HtmlPages {

  private static final String BOILERPLATE =
      "script, style, noscript, template, iframe, svg, canvas, nav, header, footer, aside, form,"
          + " button, dialog, [hidden], [aria-hidden=true], [role=navigation], [role=banner],"
          + " [role=contentinfo], [role=search], [role=complementary]";

  private final Map<String, String> selectors;

  /** Pages with these CSS selector fields; each selector is checked now. */
  HtmlPages(Map<String, String> selectors) {
    for (Map.Entry<String, String> entry : selectors.entrySet()) {
      try {
        Selector.evaluatorOf(entry.getValue());
      } catch (Selector.SelectorParseException e) {
        throw new DatasetBuildException(
            "The selector for field '"
                + entry.getKey()
                + "' is not valid CSS ("
                + e.getMessage()
                + "); write it as for document.querySelectorAll, e.g. title=h1 or"
                + " address=.address.");
      }
    }
    this.selectors = Map.copyOf(selectors);
  }

  SourceRecord read(Path file) throws IOException {
    Document page = Jsoup.parse(file.toFile(), null);
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("file", file.toString());
    fields.put("name", TextFiles.stem(file));
    fields.put("title", page.title().strip());
    for (Map.Entry<String, String> entry : selectors.entrySet()) {
      Elements found = page.select(entry.getValue());
      List<String> texts = new ArrayList<>();
      for (Element element : found) {
        String text = mainText(element);
        if (!text.isEmpty()) {
          texts.add(text);
        }
      }
      if (!texts.isEmpty()) {
        fields.put(entry.getKey(), String.join("\n", texts));
      }
    }
    page.select(BOILERPLATE).remove();
    Element root = page.selectFirst("main, [role=main]");
    if (root == null) {
      root = page.selectFirst("article");
    }
    if (root == null) {
      root = page.body();
    }
    fields.put("text", mainText(root));
    return new SourceRecord(file.toString(), fields);
  }

  /** The text of {@code root}, one line per block element, whitespace collapsed. */
  static String mainText(Element root) {
    StringBuilder out = new StringBuilder();
    NodeTraversor.traverse(
        new NodeVisitor() {
          @Override
          public void head(Node node, int depth) {
            if (node instanceof TextNode text) {
              out.append(text.text());
            } else if (node instanceof Element element
                && (element.isBlock() || element.nameIs("br"))) {
              out.append('\n');
            }
          }

          @Override
          public void tail(Node node, int depth) {
            if (node instanceof Element element && element.isBlock()) {
              out.append('\n');
            }
          }
        },
        root);
    List<String> lines = new ArrayList<>();
    for (String line : out.toString().split("\n")) {
      String clean = line.replace('\u00A0', ' ').replaceAll("\\s+", " ").strip();
      if (!clean.isEmpty()) {
        lines.add(clean);
      }
    }
    return String.join("\n", lines);
  }
}
