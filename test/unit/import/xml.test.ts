/**
 * The strict XML reader for imported files: it reads what nmap writes, and refuses entity
 * tricks, truncation, oversize and deep nesting with an error that says so, in linear time.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_XML_LIMITS, parseXml, XmlError } from '../../../src/knowledge/import/xml.js';

const fails = (text: string, message: RegExp, limits = DEFAULT_XML_LIMITS) => {
  let error: unknown;
  try {
    parseXml(text, limits);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(XmlError);
  expect((error as Error).message).toMatch(message);
};

describe('reading well-formed documents', () => {
  it('reads the prologue nmap writes, attributes, text, CDATA and the five entities', () => {
    const root = parseXml(
      `\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n<?xml-stylesheet href="x"?>\n` +
        `<!-- as: nmap -&#45;script x -->\n<nmaprun a='1' b="&lt;&amp;&gt;&quot;&apos;">` +
        `<elem key="t">caf&#xe9; &#233;&#10;x</elem><e/><![CDATA[<raw>&amp;]]></nmaprun>`,
    );
    expect(root.name).toBe('nmaprun');
    expect(root.attrs.get('b')).toBe(`<&>"'`);
    expect(root.children.map((c) => c.name)).toEqual(['elem', 'e']);
    expect(root.children[0]!.text).toBe('café é\nx');
    expect(root.text).toBe('<raw>&amp;');
  });
});

describe('hostile documents', () => {
  it('refuses a DOCTYPE that declares entities (billion laughs, external entities)', () => {
    fails(
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>',
      /internal subset/,
    );
    fails('<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>', /internal subset/);
  });

  it('never expands an undeclared entity, in text or in attributes', () => {
    fails('<x>&xxe;</x>', /entity &xxe; is not one of XML's five/);
    fails('<x a="&lol;"/>', /entity &lol; is not one of XML's five/);
    fails('<x>a & b</x>', /bare "&"/);
    fails('<x>&#0;</x>', /not a valid character/);
    fails('<x>&#xD800;</x>', /not a valid character/);
  });

  it('refuses markup declarations outside a DTD and a DOCTYPE after the root', () => {
    fails('<x><!ENTITY a "b"></x>', /markup declaration/);
    fails('<x/><!DOCTYPE x>', /DOCTYPE after the root/);
  });

  it('says where a truncated file ends, whatever was cut', () => {
    const whole =
      '<nmaprun><host><address addr="10.0.0.1"/><ports><port portid="80"></port></ports></host></nmaprun>';
    for (let cut = 1; cut < whole.length; cut += 7)
      fails(whole.slice(0, cut), /truncated|expected a name|not closed/);
    fails('', /no root element/);
    fails('<!-- only a comment', /truncated/);
    fails('<x><![CDATA[abc', /truncated/);
  });

  it('refuses mis-nesting, a second root, stray text, duplicate and unquoted attributes', () => {
    fails('<a><b></a></b>', /does not close <b>/);
    fails('<a/><b/>', /second root/);
    fails('junk<a/>', /text outside the root/);
    fails('<a x="1" x="2"/>', /repeats/);
    fails('<a x=1/>', /not quoted/);
    fails('<a x="1"y="2"/>', /white space/);
    fails('<a x="<"/>', /contains "<"/);
  });

  it('enforces the depth, element, attribute and size caps', () => {
    fails(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`, /deeper than 32/);
    fails(`<r>${'<e/>'.repeat(50)}</r>`, /more than 10 elements/, { ...DEFAULT_XML_LIMITS, maxElements: 10 });
    fails(`<a ${Array.from({ length: 70 }, (_, i) => `a${i}="1"`).join(' ')}/>`, /more than 64 attributes/);
    fails(`<a>${'x'.repeat(2000)}</a>`, /larger than 1000/, { ...DEFAULT_XML_LIMITS, maxChars: 1000 });
  });

  it('stays linear on floods of unclosed markup and references', () => {
    const started = performance.now();
    for (const flood of [
      `<a>${'<!--'.repeat(100_000)}`,
      `<a>${'&amp;'.repeat(100_000)}&amp</a>`,
      `<a b="${'x'.repeat(2_000_000)}`,
      `<a>${'<b/>'.repeat(50_000)}</a>`,
    ]) {
      try {
        parseXml(flood);
      } catch (err) {
        expect(err).toBeInstanceOf(XmlError);
      }
    }
    // Quadratic behaviour would take minutes here; linear takes well under a second unloaded.
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});
