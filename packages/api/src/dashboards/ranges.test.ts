import { describe, expect, it } from 'vitest';
import { customRange, resolveRange } from './ranges.ts';

describe('date-range presets and their previous period', () => {
  const today = '2024-03-20';
  it('trailing days compare with the same number of days just before', () => {
    expect(resolveRange('7d', today)).toEqual({
      current: { from: '2024-03-14', to: today },
      previous: { from: '2024-03-07', to: '2024-03-13' },
    });
    expect(resolveRange('30d', today).previous).toEqual({ from: '2024-01-21', to: '2024-02-19' });
    expect(resolveRange('90d', today).current.from).toBe('2023-12-22');
  });

  it('trailing months are whole calendar months and this one so far, against as many months before', () => {
    expect(resolveRange('12m', today)).toEqual({
      current: { from: '2023-04-01', to: today },
      previous: { from: '2022-04-01', to: '2023-03-20' },
    });
    expect(resolveRange('6m', today).current.from).toBe('2023-10-01');
    // From the 31st, a month back is the end of a shorter month.
    expect(resolveRange('6m', '2024-08-31').previous).toEqual({ from: '2023-09-01', to: '2024-02-29' });
  });

  it('to-date presets compare with the same span of the previous period, clamped to its end', () => {
    expect(resolveRange('mtd', today)).toEqual({
      current: { from: '2024-03-01', to: today },
      previous: { from: '2024-02-01', to: '2024-02-20' },
    });
    // March 31 against February: February has 29 days in 2024, so the comparison stops there.
    expect(resolveRange('mtd', '2024-03-31').previous).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(resolveRange('qtd', '2024-05-10')).toEqual({
      current: { from: '2024-04-01', to: '2024-05-10' },
      previous: { from: '2024-01-01', to: '2024-02-09' },
    });
    expect(resolveRange('ytd', today)).toEqual({
      current: { from: '2024-01-01', to: today },
      previous: { from: '2023-01-01', to: '2023-03-20' },
    });
  });

  it('a custom range compares with as many days before it', () => {
    expect(customRange('2024-03-01', '2024-03-31')).toEqual({
      current: { from: '2024-03-01', to: '2024-03-31' },
      previous: { from: '2024-01-30', to: '2024-02-29' },
    });
  });
});
