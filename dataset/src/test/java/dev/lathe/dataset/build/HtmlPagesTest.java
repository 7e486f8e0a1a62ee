package dev.lathe.dataset.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlPagesTest {

  @Test
  void aPageWithScriptsNavigationAndBoilerplateYieldsOnlyItsMainText() throws Exception {
    SourceRecord page = new HtmlPages(Map.of()).read(BuildFixtures.resource("places/mon-jam.html"));

    assertThat(page.fields().get("title")).isEqualTo("Mon Jam | Visit Chiang Mai");
    assertThat(page.fields().get("name")).isEqualTo("mon-jam");
    assertThat(page.fields().get("text"))
        .isEqualTo(
            String.join(
                "\n",
                "Mon Jam",
                "ม่อนแจ่ม",
                "Mountain viewpoint",
                "Nong Hoi Royal Project, Mae Raem, Mae Rim District, Chiang Mai 50180",
                "Mon Jam is a hilltop viewpoint about 40 kilometres north of the city, known for"
                    + " its cool air, flower fields and the sea of mist that fills the valleys on"
                    + " winter mornings.",
                "Visitors can stay overnight in tents or small bungalows, buy vegetables from the"
                    + " hill-tribe farms of the Royal Project, and reach the summit by car or by"
                    + " songthaew from Mae Rim."));
  }

  @Test
  void aBlogLayoutWithoutMainGivesItsArticleWithoutAdsSidebarsOrScripts() throws Exception {
    SourceRecord page =
        new HtmlPages(Map.of()).read(BuildFixtures.resource("places/chedi-luang.html"));

    assertThat(page.fields().get("title"))
        .isEqualTo("Wat Chedi Luang – Northern Thailand Travel Notes");
    assertThat(page.fields().get("text"))
        .isEqualTo(
            String.join(
                "\n",
                "Wat Chedi Luang",
                "วัดเจดีย์หลวง",
                "Temple",
                "103 Phra Pokklao Road, Phra Sing Sub-district, Mueang Chiang Mai District, Chiang"
                    + " Mai 50200",
                "Wat Chedi Luang stands in the centre of the old city around the ruins of a great"
                    + " brick chedi, damaged by an earthquake in the sixteenth century and partly"
                    + " restored.",
                "The temple hosts the city pillar, Sao Inthakin, and monks sit in the grounds for"
                    + " informal conversations with visitors in the afternoons."));
  }

  @Test
  void selectorsNameFieldsAndOneThatMatchesNothingLeavesItsFieldUndefined() throws Exception {
    SourceRecord page =
        new HtmlPages(Map.of("place", "h1", "phone", ".phone", "links", "nav a"))
            .read(BuildFixtures.resource("places/mon-jam.html"));

    assertThat(page.fields()).containsEntry("place", "Mon Jam");
    assertThat(page.fields()).doesNotContainKey("phone");
    // Selectors see the whole page, navigation included; the main text does not.
    assertThat((String) page.fields().get("links")).startsWith("Attractions\nFood\nEvents");
    assertThat((String) page.fields().get("text")).doesNotContain("Attractions");
  }

  @Test
  void withoutMainTheArticleOrTheBodyIsTheTextAndBreaksAndBlocksMakeLines(@TempDir Path dir)
      throws Exception {
    Path page = dir.resolve("plain.htm");
    Files.writeString(
        page,
        "<html><body><nav>Home | About</nav><div>First line<br>second   line</div>"
            + "<ul><li>one</li><li>two <b>bold</b></li></ul><footer>(c) us</footer>");

    assertThat(new HtmlPages(Map.of()).read(page).fields().get("text"))
        .isEqualTo("First line\nsecond line\none\ntwo bold");
  }

  @Test
  void anInvalidSelectorIsRefusedNamingItsField() {
    assertThatThrownBy(() -> new HtmlPages(Map.of("address", "div[[")))
        .isInstanceOf(DatasetBuildException.class)
        .hasMessageContaining("field 'address'");
  }
}
