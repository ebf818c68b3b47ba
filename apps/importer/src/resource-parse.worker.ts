// Entry point of a parse thread (see ResourceParsePool): one task is one batch of lines.
import { parseResourceLineBatch } from './resource-line-batch';

export default parseResourceLineBatch;
