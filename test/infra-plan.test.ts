/**
 * The CDK app's plan (generators/shared/infra.ts) where it turns the Copilot manifests' forms into CloudFormation's:
 * a schedule and a timeout. What Copilot's own code renders for the housekeeping job is held in
 * test/data/copilot-job/; the other rows are the forms Copilot's manifest accepts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { durationSeconds, eventBridgeSchedule } from '../generators/shared/infra.js';
import { HOUSEKEEPING_JOB } from '../generators/shared/plan.js';

describe('eventBridgeSchedule', () => {
  test("the housekeeping job's schedule becomes what Copilot's code renders for it", () => {
    const { variants } = JSON.parse(readFileSync(join(import.meta.dirname, 'data/copilot-job/index.json'), 'utf8')) as { variants: Array<{ parameters: Record<string, { Schedule: string }> }> };
    const rendered = new Set(variants.flatMap((variant) => Object.values(variant.parameters).map((parameters) => parameters.Schedule)));
    expect([...rendered]).toEqual([eventBridgeSchedule(HOUSEKEEPING_JOB.schedule)]);
  });

  // Worked through Copilot's scheduled_job.go (awsSchedule: toAWSCron, toFixedSchedule, toRate); the second row is its own example.
  test.each([
    ['17 3 * * *', 'cron(17 3 * * ? *)'],
    ['0 9 * * 1-5', 'cron(0 9 ? * 2-6 *)'],
    ['0 9 1 * *', 'cron(0 9 1 * ? *)'],
    ['0 */6 * * *', 'cron(0 */6 * * ? *)'],
    ['@daily', 'cron(0 0 * * ? *)'],
    ['@weekly', 'cron(0 0 ? * 1 *)'],
    ['@every 1h30m', 'rate(90 minutes)'],
    ['@every 1m', 'rate(1 minute)'],
    ['cron(0 12 * * ? *)', 'cron(0 12 * * ? *)'],
    ['rate(5 minutes)', 'rate(5 minutes)'],
  ])('%s becomes %s', (schedule, expected) => {
    expect(eventBridgeSchedule(schedule)).toBe(expected);
  });

  test('what Copilot refuses is refused, naming the schedule', () => {
    expect(() => eventBridgeSchedule('0 3 * * * 2026')).toThrow('schedule "0 3 * * * 2026" is not a cron expression of five fields');
    expect(() => eventBridgeSchedule('0 9 1 * 1')).toThrow('names both a day of the month and a day of the week');
    expect(() => eventBridgeSchedule('@fortnightly')).toThrow("is not one of Copilot's presets");
    expect(() => eventBridgeSchedule('@every 90s')).toThrow('must be a whole number of minutes or hours');
  });
});

describe('durationSeconds', () => {
  test.each([
    ['15m', 900],
    ['1h30m', 5400],
    ['90s', 90],
    ['2h', 7200],
  ])('%s is %i seconds', (duration, seconds) => {
    expect(durationSeconds(duration)).toBe(seconds);
  });

  test('an empty or unknown duration is refused, naming it', () => {
    expect(() => durationSeconds('')).toThrow('duration "" is not hours, minutes and seconds');
    expect(() => durationSeconds('15 minutes')).toThrow('duration "15 minutes"');
  });
});
