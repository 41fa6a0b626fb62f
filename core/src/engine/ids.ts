import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '@sockerless/sdk';

/** Docker's rule for container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, an optional leading slash. */
const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function validateContainerName(name: string): string {
  if (!VALID_NAME.test(name)) {
    throw new InvalidArgumentError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name.startsWith('/') ? name : `/${name}`;
}

const ADJECTIVES = ['admiring', 'brave', 'calm', 'clever', 'eager', 'elated', 'fervent', 'gallant', 'happy', 'jolly', 'keen', 'lucid', 'modest', 'nifty', 'quirky', 'serene', 'sharp', 'tender', 'vibrant', 'zealous'];
const SURNAMES = ['albattani', 'babbage', 'bohr', 'curie', 'darwin', 'euclid', 'fermi', 'galileo', 'hopper', 'kepler', 'lovelace', 'meitner', 'newton', 'noether', 'pascal', 'ritchie', 'shannon', 'tesla', 'turing', 'wozniak'];

/** Docker-style `adjective_surname` names, with a digit suffix when taken. */
export function randomName(taken: (name: string) => boolean): string {
  for (let i = 0; ; i++) {
    const base = `${ADJECTIVES[randomBytes(1)[0] % ADJECTIVES.length]}_${SURNAMES[randomBytes(1)[0] % SURNAMES.length]}`;
    const name = i < 10 ? `/${base}` : `/${base}${i}`;
    if (!taken(name)) return name;
  }
}
