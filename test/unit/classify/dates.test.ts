import { describe, expect, it } from 'vitest';
import { endOf, firmwareBuildDate, isCalendarDate, startOf } from '../../../src/knowledge/classify/dates.js';
import { cpuMillis } from '../../helpers/cpu-time.js';

const SCAN = new Date('2026-08-26T00:00:00Z');

describe('firmwareBuildDate', () => {
  it.each([
    ['V5.7.3 build 220112', '2022-01-12'], // Hikvision ISAPI/SADP firmwareVersion + build
    ['V5.5.0build 170725', '2017-07-25'],
    ['V2.800.0000000.25.R, Build Date: 2021-06-02', '2021-06-02'], // Dahua magicBox getSoftwareVersion
    ['build:2019.05.08', '2019-05-08'],
    ['2.622.0000000.16.R 20190508', '2019-05-08'],
  ])('reads %s as %s', (firmware, date) => {
    expect(firmwareBuildDate(firmware, SCAN)).toBe(date);
  });

  it.each([
    ['no date at all', 'V4.30.210'],
    ['an impossible month', 'V5.4.0 build 221340'],
    ['an impossible day', 'Build Date: 2021-02-30'],
    ['a date after the scan', 'Build Date: 2027-01-01'],
    ['a date before 2000', 'Build Date: 1999-12-31'],
  ])('ignores %s', (_what, firmware) => {
    expect(firmwareBuildDate(firmware, SCAN)).toBeNull();
  });

  it('reads only the head of an oversized string, quickly', () => {
    const hostile = `${'9'.repeat(1_000_000)} Build Date: 2021-06-02`;
    const cpu = cpuMillis(() => {
      expect(firmwareBuildDate(hostile, SCAN)).toBeNull();
      expect(firmwareBuildDate(`build 210602${'x'.repeat(1_000_000)}`, SCAN)).toBe('2021-06-02');
    });
    expect(cpu).toBeLessThan(500);
  });

  it('treats null as no date', () => {
    expect(firmwareBuildDate(null, SCAN)).toBeNull();
  });
});

describe('month and day boundaries', () => {
  it('until: YYYY-MM lasts through the end of that month', () => {
    expect(endOf('2023-12').toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(endOf('2023-02-28').toISOString()).toBe('2023-03-01T00:00:00.000Z');
    expect(startOf('2018-02').toISOString()).toBe('2018-02-01T00:00:00.000Z');
  });

  it('recognises calendar dates only', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2023-13', 'month')).toBe(false);
    expect(isCalendarDate('2023-12', 'either')).toBe(true);
  });
});
