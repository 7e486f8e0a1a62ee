package dev.lathe.inference.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The schema subset: what each keyword admits, and what is refused with its name and place. */
class SchemaCompilerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonLimits LIMITS = new JsonLimits(4, 64, 8, 8, 8);

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  private static JsonGrammar grammar(String schema) {
    return JsonGrammar.fromSchema(json(schema), LIMITS);
  }

  /** Whether the grammar accepts {@code document} whole. */
  private static boolean accepts(String schema, String document) {
    JsonMatcher m =
        JsonMatcher.start(grammar(schema))
            .advance(document.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    return m != null && m.isComplete();
  }

  @Test
  void typesEachAdmitTheirValuesOnly() {
    assertThat(accepts("{'type':'string'}", "'hi'")).isTrue();
    assertThat(accepts("{'type':'string'}", "1")).isFalse();
    assertThat(accepts("{'type':'integer'}", "-42")).isTrue();
    assertThat(accepts("{'type':'integer'}", "4.2")).isFalse();
    assertThat(accepts("{'type':'number'}", "-4.25e+10")).isTrue();
    assertThat(accepts("{'type':'boolean'}", "false")).isTrue();
    assertThat(accepts("{'type':'boolean'}", "null")).isFalse();
    assertThat(accepts("{'type':'null'}", "null")).isTrue();
    assertThat(accepts("{'type':['string','null']}", "null")).isTrue();
    assertThat(accepts("{'type':['string','null']}", "'x'")).isTrue();
    assertThat(accepts("{'type':['string','null']}", "true")).isFalse();
    assertThat(accepts("{'type':'array','items':{'type':'integer'}}", "[1, 2,3]")).isTrue();
    assertThat(accepts("{'type':'array','items':{'type':'integer'}}", "[1,'2']")).isFalse();
    assertThat(accepts("{'type':'array'}", "[1,'2',{'a':[]}]")).isTrue();
    assertThat(accepts("{}", "[{'a':null}]")).isTrue();
  }

  @Test
  void propertiesComeInSchemaOrderRequiredOnesAlways() {
    String schema =
        "{'type':'object','properties':{'a':{'type':'integer'},'b':{'type':'string'},"
            + "'c':{'type':'boolean'}},'required':['a','c'],'additionalProperties':false}";
    assertThat(accepts(schema, "{'a':1,'b':'x','c':true}")).isTrue();
    assertThat(accepts(schema, "{'a':1,'c':true}")).isTrue(); // b is optional
    assertThat(accepts(schema, "{'c':true,'a':1}")).isFalse(); // out of order
    assertThat(accepts(schema, "{'a':1}")).isFalse(); // c is required
    assertThat(accepts(schema, "{'a':1,'c':true,'d':1}")).isFalse(); // not declared
  }

  @Test
  void openObjectsWithPropertiesStillWriteOnlyTheDeclaredOnes() {
    String open = "{'properties':{'a':{'type':'integer'}},'additionalProperties':true}";
    assertThat(accepts(open, "{'a':1}")).isTrue();
    assertThat(accepts(open, "{}")).isTrue();
    assertThat(accepts(open, "{'z':1}")).isFalse();
  }

  @Test
  void objectsWithoutPropertiesTakeFreeKeysWithAdditionalPropertiesValues() {
    assertThat(accepts("{'type':'object'}", "{'any key':[1,{'b':null}]}")).isTrue();
    String ints = "{'type':'object','additionalProperties':{'type':'integer'}}";
    assertThat(accepts(ints, "{'x':1,'y':2}")).isTrue();
    assertThat(accepts(ints, "{'x':'1'}")).isFalse();
    String closed = "{'type':'object','additionalProperties':false}";
    assertThat(accepts(closed, "{}")).isTrue();
    assertThat(accepts(closed, "{'x':1}")).isFalse();
  }

  @Test
  void enumAndConstAdmitExactlyTheirValuesFilteredByType() {
    String e = "{'enum':['red',1,12,null,{'k':[true]}]}";
    assertThat(accepts(e, "'red'")).isTrue();
    assertThat(accepts(e, "1")).isTrue();
    assertThat(accepts(e, "12")).isTrue();
    assertThat(accepts(e, "123")).isFalse();
    assertThat(accepts(e, "{'k':[true]}")).isTrue();
    assertThat(accepts(e, "'blue'")).isFalse();
    assertThat(accepts("{'type':'string','enum':['red',1]}", "1")).isFalse();
    assertThat(accepts("{'const':'only'}", "'only'")).isTrue();
    assertThat(accepts("{'const':'only'}", "'other'")).isFalse();
    assertThatThrownBy(() -> grammar("{'type':'integer','enum':['a']}"))
        .isInstanceOf(JsonConstraintException.class)
        .hasMessageContaining("admits no value");
  }

  @Test
  void anyOfTakesAnyAlternative() {
    String s =
        "{'anyOf':[{'type':'integer'},{'type':'object','properties':{'a':{'type':'null'}},"
            + "'required':['a']}]}";
    assertThat(accepts(s, "7")).isTrue();
    assertThat(accepts(s, "{'a':null}")).isTrue();
    assertThat(accepts(s, "'7'")).isFalse();
  }

  @Test
  void refsResolveIntoDefinitionsRecursionIncluded() {
    String s =
        "{'$defs':{'node':{'type':'object','properties':{'v':{'type':'integer'},"
            + "'kids':{'type':'array','items':{'$ref':'#/$defs/node'}}},'required':['v']}},"
            + "'$ref':'#/$defs/node'}";
    assertThat(accepts(s, "{'v':1,'kids':[{'v':2},{'v':3,'kids':[]}]}")).isTrue();
    assertThat(accepts(s, "{'v':1,'kids':[{'w':2}]}")).isFalse();
    String old =
        "{'definitions':{'x':{'type':'boolean'}},'properties':{'p':{'$ref':'#/definitions/x'}}}";
    assertThat(accepts(old, "{'p':true}")).isTrue();
    assertThat(accepts("{'type':'array','items':{'$ref':'#'}}", "[[[]],[]]")).isTrue();
  }

  @Test
  void annotationsAreIgnored() {
    assertThat(
            accepts(
                "{'title':'T','description':'d','$schema':'x','default':1,'examples':[1],"
                    + "'type':'integer'}",
                "5"))
        .isTrue();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{'type':'object','properties':{'zip':{'type':'string','pattern':'^[0-9]+$'}}} | pattern | /properties/zip",
        "{'type':'string','format':'date'} | format | /",
        "{'type':'string','minLength':1} | minLength | /",
        "{'oneOf':[{'type':'string'}]} | oneOf | /",
        "{'allOf':[{'type':'string'}]} | allOf | /",
        "{'not':{'type':'string'}} | not | /",
        "{'if':{'type':'string'}} | if | /",
        "{'type':'object','patternProperties':{'a':{}}} | patternProperties | /",
        "{'type':'array','items':{'type':'integer','minimum':0}} | minimum | /items",
        "{'type':'array','minItems':1} | minItems | /",
        "{'$defs':{'a':{'maxLength':3}},'type':'string'} | maxLength | /$defs/a",
        "{'type':'array','items':[{'type':'string'}]} | items | /items",
        "{'type':'string','anyOf':[{'type':'string'}]} | type | /",
        "{'$ref':'other.json#/a'} | $ref | /",
        "{'properties':{'a/b':{'nullable':true}}} | nullable | /properties/a~1b",
      })
  void unsupportedKeywordsAreRefusedByNameAndPointer(String schema, String keyword, String at) {
    assertThatThrownBy(() -> grammar(schema))
        .isInstanceOfSatisfying(
            UnsupportedSchemaException.class,
            e -> {
              assertThat(e.keyword()).isEqualTo(keyword);
              assertThat(SchemaPointer.display(e.pointer())).isEqualTo(at);
            })
        .hasMessageStartingWith("unsupported JSON Schema keyword \"" + keyword + "\" at " + at);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{'type':'strin'} | invalid JSON Schema at /type: \"type\" is \"strin\"; expected one of",
        "{'properties':[1]} | invalid JSON Schema at /properties: \"properties\" must be an object",
        "{'properties':{'a':5}} | invalid JSON Schema at /properties/a: a schema must be an object",
        "{'required':'a'} | invalid JSON Schema at /required: \"required\" must be an array",
        "{'properties':{},'required':['b']} | \"required\" names \"b\" at /required/0",
        "{'enum':[]} | invalid JSON Schema at /enum: \"enum\" must be a non-empty array",
        "{'anyOf':{}} | invalid JSON Schema at /anyOf: \"anyOf\" must be a non-empty array",
        "{'$ref':'#/$defs/missing'} | \"$ref\" \"#/$defs/missing\" points to nothing",
        "{'type':[]} | \"type\" is an empty array",
        "{'additionalProperties':3} | \"additionalProperties\" must be true, false or a schema",
      })
  void malformedSchemasAreRefusedWithWhereAndWhat(String schema, String message) {
    assertThatThrownBy(() -> grammar(schema))
        .isExactlyInstanceOf(JsonConstraintException.class)
        .hasMessageContaining(message.replace('\'', '"'));
  }

  @Test
  void schemasWithoutFiniteDocumentsAreRefused() {
    assertThatThrownBy(
            () ->
                grammar("{'type':'object','properties':{'self':{'$ref':'#'}},'required':['self']}"))
        .hasMessageContaining("admits no finite document");
    assertThatThrownBy(() -> grammar("{'$defs':{'a':{'$ref':'#/$defs/a'}},'$ref':'#/$defs/a'}"))
        .hasMessageContaining("refers only to itself");
    String deep = "{'type':'array','items':{'type':'array','items':{'type':'array'}}}";
    assertThat(accepts(deep, "[[[]]]")).isTrue();
    assertThatThrownBy(
            () ->
                JsonGrammar.fromSchema(
                    json(
                        "{'properties':{'a':{'properties':{'b':{'type':'array'}},"
                            + "'required':['b']}},'required':['a']}"),
                    new JsonLimits(4, 64, 8, 8, 2)))
        .hasMessageContaining("nest 3 objects/arrays deep, more than the limit of 2");
  }

  @Test
  void responseFormatsMapToGrammars() {
    assertThat(JsonGrammar.fromResponseFormat(json("{'type':'text'}"), LIMITS)).isEmpty();
    assertThat(JsonGrammar.fromResponseFormat(json("{'type':'json_object'}"), LIMITS)).isPresent();
    JsonGrammar g =
        JsonGrammar.fromResponseFormat(
                json(
                    "{'type':'json_schema','json_schema':{'name':'n','strict':true,"
                        + "'schema':{'type':'object','properties':{'a':{'type':'null'}},"
                        + "'required':['a'],'additionalProperties':false}}}"),
                LIMITS)
            .orElseThrow();
    assertThat(
            JsonMatcher.start(g)
                .advance("{\"a\":null}".getBytes(StandardCharsets.UTF_8))
                .isComplete())
        .isTrue();
    assertThatThrownBy(() -> JsonGrammar.fromResponseFormat(json("{'type':'yaml'}"), LIMITS))
        .hasMessageContaining("response_format.type is \"yaml\"");
    assertThatThrownBy(() -> JsonGrammar.fromResponseFormat(json("{'type':'json_schema'}"), LIMITS))
        .hasMessageContaining("response_format.json_schema must be an object");
  }
}
