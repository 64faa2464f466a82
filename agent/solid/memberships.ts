// The populations an agent watches for announcements, kept in its folder of the state
// directory: written when it joins one (by the running agent or `podagg population join`),
// read when it starts, so a restarted agent hears of queries as before.

import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { shortDigest } from '../core/digest.ts';

/** Where an agent keeps its files (runs, processed messages, consent history, populations). */
export function agentFolder(stateDir: string, webId: string): string {
  return path.join(stateDir, 'agents', shortDigest(webId));
}

const fileOf = (folder: string) => path.join(folder, 'populations.txt');

export function rememberedPopulations(folder: string): string[] {
  try {
    return [...new Set(readFileSync(fileOf(folder), 'utf8').split('\n').filter(Boolean))];
  } catch {
    return [];
  }
}

/** Adds `population` to the agent's list; false when it was there already. */
export function rememberPopulation(folder: string, population: string): boolean {
  if (rememberedPopulations(folder).includes(population)) return false;
  mkdirSync(folder, { recursive: true });
  appendFileSync(fileOf(folder), population + '\n');
  return true;
}
