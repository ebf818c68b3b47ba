import { z } from 'zod';

/** HealthLake's name pattern (DatastoreName, JobName, tag keys and values). */
const HEALTHLAKE_NAME = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export const nameString = (max: number, min = 1) =>
  z.string().min(min).max(max).regex(HEALTHLAKE_NAME, 'may contain only letters, digits, spaces and _.:/=+-@');

export const clientToken = z.string().min(1).max(64).regex(/^[a-zA-Z0-9-]+$/, 'must match ^[a-zA-Z0-9-]+$');

/** AWS JSON timestamps travel as epoch seconds (possibly fractional); REST callers may send ISO 8601. */
export const timestampInput = z.union([z.number(), z.iso.datetime({ offset: true })]).transform((value) =>
  typeof value === 'number' ? new Date(value * 1000) : new Date(value),
);

export const nextToken = z.string().min(1).max(8192);
export const maxResults = z.number().int().min(1).max(500);

/** Renders a Date as AWS JSON epoch seconds (millisecond precision). */
export const epochSeconds = (date: Date): number => date.getTime() / 1000;
