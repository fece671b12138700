import { describe, expect, it } from 'vitest';
import {
  childText,
  decodeEntities,
  decodeXmlBytes,
  findAll,
  parseXml,
} from '../../../../src/agent/probes/shared/xml.js';
import { cpuMillis } from '../../../helpers/cpu-time.js';

describe('tolerant XML reader', () => {
  it('matches by local name whatever the prefix and keeps attributes', () => {
    const doc = parseXml(
      '<?xml version="1.0"?><a:Env xmlns:a="x"><b:Body><Item id="1">one</Item><c:Item id=\'2\'>two</c:Item></b:Body></a:Env>',
    );
    const items = findAll(doc, 'Item');
    expect(items.map((i) => [i.prefix, i.text, i.attrs.id])).toEqual([
      ['', 'one', '1'],
      ['c', 'two', '2'],
    ]);
    expect(childText(doc, 'Env', 'Body', 'Item')).toBe('one');
  });

  it('decodes the predefined and numeric entities only', () => {
    expect(decodeEntities('&lt;&amp;&#65;&#x42;&nbsp;&#0;&#xD800;&unknown;')).toBe(
      '<&AB&nbsp;&#0;&#xD800;&unknown;',
    );
  });

  it('reads CDATA and skips comments and processing instructions', () => {
    const doc = parseXml('<r><!-- <x>no</x> --><?pi x?><x><![CDATA[<raw> & ]]></x></r>');
    expect(findAll(doc, 'x').map((e) => e.text)).toEqual(['<raw> & ']);
  });

  it('tolerates mismatched end tags, bare & and a truncated tail', () => {
    const doc = parseXml('<r><a>Cam & Co</b><c>3</c></a><d>trunc');
    expect(childText(doc, 'r', 'a')).toBe('Cam & Co');
    expect(findAll(doc, 'c')[0]!.text).toBe('3');
    expect(findAll(doc, 'd')[0]!.text).toBe('trunc');
  });
});

describe('XML entity tricks', () => {
  it('does not expand a billion-laughs DOCTYPE', () => {
    const lol = ['<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i++) lol.push(`<!ENTITY lol${i} "${`&lol${i - 1 || ''};`.repeat(10)}">`);
    const xml = `<?xml version="1.0"?><!DOCTYPE lolz [${lol.join('')}]><lolz>&lol9;</lolz>`;
    let doc = parseXml('<x/>');
    const cpu = cpuMillis(() => {
      doc = parseXml(xml);
    });
    expect(cpu).toBeLessThan(100);
    expect(childText(doc, 'lolz')).toBe('&lol9;');
  });

  it('does not resolve external entities (XXE)', () => {
    const xml =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY y SYSTEM "http://10.0.0.1/x">]><r>&x;&y;</r>';
    expect(childText(parseXml(xml), 'r')).toBe('&x;&y;');
  });
});

describe('XML limits', () => {
  it('skips elements nested deeper than the cap without recursion', () => {
    const deep = `${'<a>'.repeat(100_000)}x${'</a>'.repeat(100_000)}<after>ok</after>`;
    const doc = parseXml(deep, { maxChars: 2_000_000 });
    expect(findAll(doc, 'a').length).toBe(32);
    expect(findAll(doc, 'after')[0]?.text).toBe('ok');
  });

  it('caps input size, element count and text length', () => {
    const many = `<r>${'<e>v</e>'.repeat(100_000)}</r>`;
    expect(findAll(parseXml(many, { maxChars: 10_000_000 }), 'e').length).toBeLessThan(4096);
    const longText = `<r>${'x'.repeat(1_000_000)}</r>`;
    expect(childText(parseXml(longText, { maxChars: 2_000_000 }), 'r')!.length).toBe(16 * 1024);
    const huge = `<r>${'y'.repeat(10_000_000)}</r>`;
    const cpu = cpuMillis(() => {
      parseXml(huge);
    });
    expect(cpu).toBeLessThan(1000);
  });

  it('stays fast on hostile tag soup', () => {
    const cpu = cpuMillis(() => {
      parseXml(`<r ${'a="1" '.repeat(50_000)}>`);
      parseXml('<'.repeat(200_000));
      parseXml('<!--'.repeat(50_000));
      parseXml(`<!DOCTYPE ${'['.repeat(100_000)}`);
      parseXml('<a></a>'.repeat(30_000), { maxChars: 1_000_000 });
    });
    expect(cpu).toBeLessThan(2000);
  });
});

describe('encodings', () => {
  it('honours BOMs and the declared encoding, and degrades on unknown labels', () => {
    expect(
      decodeXmlBytes(
        Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('\u0000<\u0000r\u0000>', 'latin1')]),
      ),
    ).toBe('<r>');
    const gb = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="GB2312"?><n>'),
      Buffer.from([0xc4, 0xe3, 0xba, 0xc3]),
      Buffer.from('</n>'),
    ]);
    expect(childText(parseXml(gb), 'n')).toBe('你好');
    const unknown = Buffer.from('<?xml version="1.0" encoding="x-nonsense"?><n>ok\xff</n>', 'latin1');
    expect(childText(parseXml(unknown), 'n')).toBe('ok\ufffd');
  });
});
